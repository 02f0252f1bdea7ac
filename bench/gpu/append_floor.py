#!/usr/bin/env python3
"""What bounds the batch-32 append (#8's target: <= 5 us per step).

Times, with bench_peers' method (L2 flushed, host launch hidden, median of
REPS event-to-event times: anatomy.cold_us), on the GPU machine:
  kvq-append         the 1-token append kernel through the runtime (the
                     side-by-side's path), grid (B*H, 2);
  kernel (B*H, 2)    the same kernel launched directly (cupy), to check the
                     runtime adds nothing;
  kernel keys only   grid (B*H, 1): the key blocks alone;
  empty (B*H, 2)     an empty kernel of the same grid and block: the floor
                     of any kernel under this method;
  one trip (B*H, 2)  a kernel that reads the new token's row and one ring
                     row per block and writes both back (the append's memory
                     traffic without its arithmetic);
  torch add_         a 64 KiB torch op, for scale.
With --ab A B (two kvq-gpu-aot output directories), it times instead the
append kernel of every configuration the two manifests share, A and B
alternately (twice each, the smaller median kept), as one JSON line each.
Prerequisites: bench/peers/prepare.py's .device/peers (manifest + cubin) and
libkvq_runtime.so ($KVQ_RUNTIME).
    python3 bench/gpu/append_floor.py [--config NAME] [--reps 200]
    python3 bench/gpu/append_floor.py --ab DIR_A DIR_B"""
import argparse
import json
import os
import sys

import cupy as cp
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "python"))
sys.path.insert(0, HERE)
from anatomy import cold_us  # noqa: E402
from harness import unpack_cubin  # noqa: E402
from kvq import cuda as kvq  # noqa: E402


def bench(fn, reps, flush):
    """anatomy.py's cold_us (bench_peers.py's method): median in us."""
    return dict(us=round(cold_us(fn, flush, reps), 2))


SRC = r"""
extern "C" __global__ void empty_kernel() {}
// One row of D halves per block: the new token (in) and a ring row (ring),
// read together, written back: the append's round trip without arithmetic.
extern "C" __global__ void one_trip(const unsigned short *in,
                                    unsigned short *ring, int D, int slot) {
  int row = blockIdx.x * gridDim.y + blockIdx.y;
  unsigned short a = in[row * D + threadIdx.x];
  unsigned short b = ring[(row * 256 + slot) * D + threadIdx.x];
  ring[(row * 256 + (slot + 1)) * D + threadIdx.x] = a;
  ring[(row * 256 + (slot + 2)) * D + threadIdx.x] = a ^ b;
}
"""


def filled(lib, name, need):
    """A cache of `name` filled to `need` tokens short of its capacity (zero
    tokens: the arithmetic does not depend on the values), and a step()
    appending one of `need` random tokens."""
    cfg = lib.config(name)
    B, H, D = cfg["batch"], cfg["kv_heads"], cfg["head_dim"]
    cache = lib.cache(name)
    stream = torch.cuda.current_stream().cuda_stream
    zero = torch.zeros(B, H, D, device="cuda").half()
    for _ in range(cfg["capacity"] - need):
        cache.append_raw(zero.data_ptr(), zero.data_ptr(), stream)
    tokens = torch.randn(need, B, H, D, device="cuda").half()
    row = tokens[0].numel() * tokens.element_size()

    def step():
        t = cache.length - (cfg["capacity"] - need)
        cache.append_raw(tokens.data_ptr() + t * row,
                         tokens.data_ptr() + t * row, stream)
    return cache, step


def ab(dirs, reps, flush):
    libs = []
    for d in dirs:
        unpack_cubin(d)
        libs.append(kvq.Library(os.path.join(d, "manifest.json")))
    names = [n for n in libs[1].configs if n in libs[0].configs]
    for name in names:
        times = {"a": [], "b": []}
        for _ in range(2):
            for key, lib in zip("ab", libs):
                need = 10 + 5 + reps + 8
                cache, step = filled(lib, name, need)
                times[key].append(bench(step, reps, flush)["us"])
                cache.close()
        a, b = min(times["a"]), min(times["b"])
        print(json.dumps({"config": name, "a_us": a, "b_us": b,
                          "b_over_a": round(b / a, 3)}), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ab", nargs=2, metavar=("A", "B"))
    ap.add_argument("--manifest", default=".device/peers/manifest.json")
    ap.add_argument("--config",
                    default="b32h8q32c8192d128_f16_k4c128w128_v2t128w128_t1")
    ap.add_argument("--reps", type=int, default=200)
    a = ap.parse_args()
    if a.ab:
        ab(a.ab, a.reps, torch.empty(256 << 20, dtype=torch.uint8,
                                     device="cuda"))
        return 0
    lib = kvq.Library(a.manifest)
    cfg = lib.config(a.config)
    B, H, D = cfg["batch"], cfg["kv_heads"], cfg["head_dim"]
    cache = lib.cache(a.config)
    flush = torch.empty(256 << 20, dtype=torch.uint8, device="cuda")
    need = 20 + 2 * a.reps
    tokens = torch.randn(need, B, H, D, device="cuda").half()
    row = tokens[0].numel() * tokens.element_size()
    stream = torch.cuda.current_stream().cuda_stream
    # Fill to near the capacity, as the side-by-side does (zeros are fine:
    # the arithmetic does not depend on the values).
    zero = torch.zeros(B, H, D, device="cuda").half()
    start = cfg["capacity"] - need
    for _ in range(start):
        cache.append_raw(zero.data_ptr(), zero.data_ptr(), stream)
    torch.cuda.synchronize()
    pos = [0]

    def runtime_step():
        t = pos[0] % need
        cache.append_raw(tokens.data_ptr() + t * row,
                         tokens.data_ptr() + t * row, stream)
        pos[0] += 1

    results = {}
    results["kvq-append (runtime)"] = bench(runtime_step, a.reps, flush)
    cubin = os.path.join(os.path.dirname(a.manifest), lib.manifest["cubin"])
    mod = cp.RawModule(path=cubin)
    fn = mod.get_function(cfg["append"]["name"])
    storage = cache.storage_ptr()
    length = [cache.length]
    cs = cp.cuda.ExternalStream(stream)

    def direct(gy):
        def step():
            # The length does not advance: each call re-appends at the same
            # position (no group flush falls due), like a non-flush step.
            with cs:
                fn((B * H, gy), (cfg["append"]["block"],),
                   (cp.uint64(storage), cp.uint64(tokens.data_ptr()),
                    cp.uint64(tokens.data_ptr()), cp.int64(length[0] - 1)))
        return step

    results["kernel (B*H, 2)"] = bench(direct(2), a.reps, flush)
    results["kernel keys only (B*H, 1)"] = bench(direct(1), a.reps, flush)
    raw = cp.RawModule(code=SRC, options=("-arch=sm_90",))
    empty = raw.get_function("empty_kernel")
    trip = raw.get_function("one_trip")
    ring = cp.zeros(B * H * 2 * 256 * D, dtype=cp.uint16)
    src = cp.asarray(torch.randn(B * H * 2 * D, device="cuda").half().view(
        torch.int16)).view(cp.uint16)

    def run_empty():
        with cs:
            empty((B * H, 2), (D,), ())

    def run_trip():
        with cs:
            trip((B * H, 2), (D,), (src, ring, cp.int32(D), cp.int32(7)))

    results["empty (B*H, 2)"] = bench(run_empty, a.reps, flush)
    results["one trip (B*H, 2)"] = bench(run_trip, a.reps, flush)
    small = torch.zeros(32768, device="cuda").half()
    results["torch add_ 64 KiB"] = bench(lambda: small.add_(1), a.reps, flush)
    for k, v in results.items():
        print(f"{k:32s} {v}")
    out = os.environ.get("OUT", "/tmp/kvq-out")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "append_floor.json"), "w") as f:
        json.dump(dict(config=a.config, reps=a.reps, results=results), f,
                  indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
