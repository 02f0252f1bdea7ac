#!/usr/bin/env python3
"""Where a decode step's time goes, timed the way bench_peers.py times it.

    KVQ_RUNTIME=/tmp/libkvq_runtime.so python3 bench/gpu/anatomy.py \\
        --artifacts .device/gpu [--case t1x4k_k4v2_g128 ...] [--splits 8,16]

For each timing case of prepare.py's artifacts, or each configuration of
any other kvq-gpu-aot output (e.g. bench/gpu/anatomy-window.mlir's), on a
cache filled by harness.py's filled_cache, it times
with the 256 MB L2 flush and a GPU-side spin in front of every call (so the
host's launch latency is hidden, as in ../shared/peers/bench_peers.py):
  empty1 / empty2  one / two empty kernels of the attend's grid: the floor
                   the method itself puts under any one- or two-launch step
  decode           kvq_cache_attend: the attention kernel, whose last split
                   per KV head merges the splits (one launch); with
                   --splits, also at those split counts
  sdpa             torch fp16 SDPA on a cache of the same shape
Prints one JSON line per case; medians in microseconds.
"""
import argparse
import json
import os
import statistics
import sys
import time

import cupy
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "python"))
sys.path.insert(0, os.path.dirname(__file__))
from harness import filled_cache, unpack_cubin  # noqa: E402
from kvq.cuda import Library  # noqa: E402

CLOCK_HZ = 2.0e9


def cold_us(fn, flush, reps=100, warmup=5):
    """bench_peers.py's method: flush, spin, events around one call."""
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(5):
        fn()
    host = (time.perf_counter() - t0) / 5
    torch.cuda.synchronize()
    cycles = int(min(max(3.0 * host * CLOCK_HZ, 2e5), 4e7))
    ts = []
    for _ in range(reps):
        flush.zero_()
        torch.cuda._sleep(cycles)
        s, e = torch.cuda.Event(True), torch.cuda.Event(True)
        s.record()
        fn()
        e.record()
        e.synchronize()
        ts.append(s.elapsed_time(e) * 1e3)
    return statistics.median(ts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--artifacts", default=".device/gpu")
    ap.add_argument("--case", action="append")
    ap.add_argument("--splits", default="",
                    help="also time decode at these split counts (a,b,...)")
    args = ap.parse_args()
    with open(os.path.join(args.artifacts, "manifest.json")) as f:
        manifest = json.load(f)
    listed = os.path.join(args.artifacts, "cases.json")
    if os.path.exists(listed):  # prepare.py's artifacts: its timing cases
        with open(listed) as f:
            cases = [c for c in json.load(f) if c.get("timing")]
    else:  # any kvq-gpu-aot output: every configuration
        cases = [{"name": c["name"], "config": c["name"]}
                 for c in manifest["configs"]]
    if args.case:
        cases = [c for c in cases if c["name"] in args.case]
    unpack_cubin(args.artifacts)
    lib = Library(os.path.join(args.artifacts, "manifest.json"))
    empty = cupy.RawKernel(r'extern "C" __global__ void kvq_empty() {}',
                           "kvq_empty")
    dev = torch.device("cuda")
    flush = torch.empty(256 * 1024 * 1024 // 4, device=dev,
                        dtype=torch.float32)
    for c in cases:
        cfg = next(x for x in manifest["configs"] if x["name"] == c["config"])
        cache, info, _, _, q, _ = filled_cache(lib, c["config"])
        B, H, Hq = info["batch"], info["kv_heads"], info["query_heads"]
        out = torch.empty_like(q)
        splits = cache.splits()
        stream = cupy.cuda.ExternalStream(torch.cuda.current_stream().cuda_stream)
        grid = (splits, B * H * cfg["attend"]["query_slices"])
        block = (cfg["attend"]["block"],)

        def run_empty(n):
            with stream:
                for _ in range(n):
                    empty(grid, block, ())

        r = {"case": c["name"], "splits": splits}
        r["empty1"] = cold_us(lambda: run_empty(1), flush)
        r["empty2"] = cold_us(lambda: run_empty(2), flush)
        r["decode"] = cold_us(lambda: cache.attend(q, out=out), flush)
        for n in [int(x) for x in args.splits.split(",") if x]:
            r[f"decode_s{n}"] = cold_us(
                lambda: cache.attend(q, out=out, splits=n), flush)
        C, D = info["capacity"], info["head_dim"]
        k = torch.randn(B, H, C, D, device=dev, dtype=torch.float16)
        v = torch.randn_like(k)
        q4 = q.half().view(B, Hq, 1, D)
        r["sdpa"] = cold_us(lambda: torch.nn.functional.scaled_dot_product_attention(
            q4, k, v, enable_gqa=True), flush)
        k = v = None  # free before the next case
        cache.close()
        print(json.dumps({k2: (round(x, 2) if isinstance(x, float) else x)
                          for k2, x in r.items()}), flush=True)


if __name__ == "__main__":
    main()
