"""Inputs for bf16-npy.test (bf16 as the upper 16 bits of f32, rounded to
nearest even), and the check of kvq-run's output."""
import sys

import numpy as np


def to_bf16_bits(x):
    u = np.asarray(x, np.float32).view(np.uint32).astype(np.uint64)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)


work = sys.argv[1]
rng = np.random.default_rng(7)
k = to_bf16_bits(rng.standard_normal((1, 1, 1, 8)))
v = to_bf16_bits(rng.standard_normal((1, 1, 1, 8)))
q = to_bf16_bits(rng.standard_normal((1, 2, 8)))
if len(sys.argv) > 3 and sys.argv[2] == "--check":
    out = np.load(sys.argv[3])
    assert out.dtype == np.uint16 and out.shape == (1, 2, 8), (out.dtype, out.shape)
    # Both query heads attend to the one token: softmax weight 1.
    print("out == v bit for bit:", bool(np.array_equal(out, np.broadcast_to(v[0, 0], (1, 2, 8)))))
else:
    np.save(f"{work}/k.npy", k)
    k_inf = k.copy()
    k_inf[0, 0, 0, 3] = 0x7F80  # bf16 +infinity
    np.save(f"{work}/k_inf.npy", k_inf)
    np.save(f"{work}/v.npy", v)
    np.save(f"{work}/q.npy", q)
    np.save(f"{work}/q_f16.npy", rng.standard_normal((1, 2, 8)).astype(np.float16))
