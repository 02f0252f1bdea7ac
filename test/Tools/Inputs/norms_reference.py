"""Checks kvq-alloc --norms (Frobenius and Lanczos spectral norms, whole and
per KV head) against numpy's SVD to 1e-6 relative.

Usage: norms_reference.py KVQ_ALLOC WORKDIR [--stories PATH]
"""
import json
import os
import subprocess
import sys

import numpy as np


def reference(w, head_dim):
    w = w.astype(np.float64)
    heads = w.shape[0] // head_dim if head_dim else 1
    hd = head_dim if head_dim else w.shape[0]
    blocks = [w[h * hd:(h + 1) * hd] for h in range(heads)]
    return {
        "frobenius": np.sqrt((w * w).sum()),
        "spectral": np.linalg.svd(w, compute_uv=False)[0],
        "head_frobenius": [np.sqrt((b * b).sum()) for b in blocks],
        "head_spectral": [np.linalg.svd(b, compute_uv=False)[0] for b in blocks],
    }


def run(tool, path, head_dim, as_type=None):
    out = path + ".json"
    cmd = [tool, "--norms", path, "--json", out, "--quiet"]
    if head_dim:
        cmd += ["--head-dim", str(head_dim)]
    if as_type:
        cmd += ["--as", as_type]
    subprocess.run(cmd, check=True)
    return json.load(open(out))


def close(a, b, what):
    rel = abs(a - b) / max(abs(b), 1e-300)
    if rel > 1e-6:
        print(f"FAIL {what}: kvq {a!r} numpy {b!r} (relative {rel:.3g})")
        sys.exit(1)
    return rel


def check(tool, name, w, stored, head_dim, as_type=None, workdir="."):
    path = os.path.join(workdir, name + ".npy")
    np.save(path, stored)
    got = run(tool, path, head_dim, as_type)
    ref = reference(w, head_dim)
    worst = 0.0
    for key in ("frobenius", "spectral"):
        worst = max(worst, close(got[key], ref[key], f"{name} {key}"))
    for key in ("head_frobenius", "head_spectral"):
        if len(got[key]) != len(ref[key]):
            print(f"FAIL {name} {key}: {len(got[key])} heads, expected {len(ref[key])}")
            sys.exit(1)
        for h, (a, b) in enumerate(zip(got[key], ref[key])):
            worst = max(worst, close(a, b, f"{name} {key}[{h}]"))
    print(f"{name}: ok (worst relative error {worst:.1e})")


def to_bf16_bits(x):
    """Round float32 to bfloat16 (nearest even); returns (bits, values)."""
    u = x.astype(np.float32).view(np.uint32)
    r = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
    vals = (r.astype(np.uint32) << 16).view(np.float32)
    return r.view(np.int16), vals


def main():
    tool, workdir = sys.argv[1], sys.argv[2]
    os.makedirs(workdir, exist_ok=True)
    if "--stories" in sys.argv:
        path = sys.argv[sys.argv.index("--stories") + 1]
        raw = np.fromfile(path, dtype=np.int32, count=7)
        dim, hidden, layers, heads, kv_heads, vocab, seq = (int(v) for v in raw)
        hd = dim // heads
        data = np.fromfile(path, dtype=np.float32, offset=28)
        off = abs(vocab) * dim + layers * dim  # embedding, rms_att
        off += layers * heads * hd * dim       # wq
        kv = kv_heads * hd * dim
        wk = data[off:off + layers * kv].reshape(layers, kv_heads * hd, dim)
        wv = data[off + layers * kv:off + 2 * layers * kv].reshape(layers, kv_heads * hd, dim)
        for l in range(layers):
            check(tool, f"stories260K_wk{l}", wk[l], wk[l], hd, workdir=workdir)
            check(tool, f"stories260K_wv{l}", wv[l], wv[l], hd, workdir=workdir)
        return
    rng = np.random.default_rng(1234)
    # Random Gaussian, [kv_heads * head_dim, hidden] like a k_proj.
    w = rng.standard_normal((64, 96)).astype(np.float32)
    check(tool, "random", w, w, 16, workdir=workdir)
    # Rank-deficient: rank 3 (the Lanczos iteration breaks down early).
    w = (rng.standard_normal((32, 3)) @ rng.standard_normal((3, 48))).astype(np.float32)
    check(tool, "rank3", w, w, 8, workdir=workdir)
    # Rank 1, and a zero head.
    w = np.outer(rng.standard_normal(16), rng.standard_normal(40)).astype(np.float32)
    w[8:] = 0
    check(tool, "rank1_zero_head", w, w, 8, workdir=workdir)
    # Tall (more rows than columns) and wide.
    w = rng.standard_normal((120, 24)).astype(np.float32)
    check(tool, "tall", w, w, 30, workdir=workdir)
    w = rng.standard_normal((8, 300)).astype(np.float32)
    check(tool, "wide", w, w, 4, workdir=workdir)
    # Clustered top singular values (slow power iteration, Lanczos copes).
    u, _ = np.linalg.qr(rng.standard_normal((48, 48)))
    v, _ = np.linalg.qr(rng.standard_normal((64, 48)))
    s = np.linspace(1.0, 0.1, 48)
    s[:4] = [1.0, 0.9999, 0.9998, 0.9997]
    w = ((u * s) @ v.T).astype(np.float32)
    check(tool, "clustered", w, w, 12, workdir=workdir)
    # fp16 and bf16 weights (the reference uses the rounded values).
    w = rng.standard_normal((32, 64)).astype(np.float16)
    check(tool, "fp16", w.astype(np.float32), w, 8, workdir=workdir)
    bits, vals = to_bf16_bits(rng.standard_normal((32, 64)).astype(np.float32))
    check(tool, "bf16", vals.reshape(32, 64), bits.reshape(32, 64), 8, "bf16",
          workdir=workdir)


if __name__ == "__main__":
    main()
