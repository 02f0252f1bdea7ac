#!/usr/bin/env python3
"""Two kvq-gpu-aot builds of the same configurations, side by side in one run.

    KVQ_RUNTIME=/tmp/libkvq_runtime.so python3 bench/gpu/ab.py \\
        --a .device/ab-old --b .device/ab-new [--case NAME ...]

For a compiler change, A is the build before it and B after (the same .mlir
through both kvq-gpu-aot binaries). For each configuration both caches are
filled identically (harness.filled_cache), their outputs compared (the
largest difference relative to the largest output: a change that is meant
to keep the math must keep it near f16 rounding), and the attention step
timed alternately A, B, A, B with anatomy.py's method (L2 flush, GPU spin,
median of 100). Prints one JSON line per configuration; times in us.
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "python"))
sys.path.insert(0, os.path.dirname(__file__))
from anatomy import cold_us  # noqa: E402
from harness import config_names, filled_cache, unpack_cubin  # noqa: E402
from kvq.cuda import Library  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--a", required=True)
    ap.add_argument("--b", required=True)
    ap.add_argument("--case", action="append")
    args = ap.parse_args()
    for d in (args.a, args.b):
        unpack_cubin(d)
    libs = [Library(os.path.join(d, "manifest.json")) for d in (args.a, args.b)]
    names = config_names(args.b, args.case)
    flush = torch.empty(256 * 1024 * 1024 // 4, device="cuda",
                        dtype=torch.float32)
    for name in names:
        runs = []
        for lib in libs:
            cache, _, _, _, q, _ = filled_cache(lib, name)
            out = torch.full_like(q, float("nan"))
            cache.attend(q, out=out)
            torch.cuda.synchronize()
            runs.append((cache, q, out))
        a, b = runs[0][2].float(), runs[1][2].float()
        rel = ((a - b).abs().max() / a.abs().max()).item()
        finite = bool(torch.isfinite(b).all())
        times = {"a": [], "b": []}
        for _ in range(2):
            for key, (cache, q, out) in zip("ab", runs):
                times[key].append(cold_us(lambda: cache.attend(q, out=out),
                                          flush))
        for cache, _, _ in runs:
            cache.close()
        r = {"case": name, "rel_diff": float(f"{rel:.3g}"), "finite": finite,
             "a_us": round(min(times["a"]), 2), "b_us": round(min(times["b"]), 2)}
        r["b_over_a"] = round(r["b_us"] / r["a_us"], 3)
        print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
