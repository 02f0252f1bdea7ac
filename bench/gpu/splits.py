#!/usr/bin/env python3
"""Split-count sweep of kvq-gpu-aot configurations (GPU machine).

    KVQ_RUNTIME=/tmp/libkvq_runtime.so python3 bench/gpu/splits.py \\
        --artifacts .device/ab [--case NAME ...] [--splits 16,24,32]

For each configuration: the split count the runtime's heuristic picks, then
the attention step timed at each split count (anatomy.py's method: L2
flushed, GPU spin, median of 100; the minimum over two alternating rounds).
One JSON line per configuration; times in us.
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
    ap.add_argument("--artifacts", required=True)
    ap.add_argument("--case", action="append")
    ap.add_argument("--splits", default="")
    args = ap.parse_args()
    unpack_cubin(args.artifacts)
    lib = Library(os.path.join(args.artifacts, "manifest.json"))
    names = config_names(args.artifacts, args.case)
    flush = torch.empty(256 * 1024 * 1024 // 4, device="cuda",
                        dtype=torch.float32)
    for name in names:
        cache, _, _, _, q, _ = filled_cache(lib, name)
        out = torch.empty_like(q)
        default = cache.splits()
        # (counts above the configuration's max_splits are skipped)
        limit = lib.config(name)["max_splits"]
        counts = sorted({int(s) for s in args.splits.split(",")
                         if s and int(s) <= limit} | {default})
        times = {s: [] for s in counts}
        for _ in range(2):
            for s in counts:
                times[s].append(cold_us(
                    lambda: cache.attend(q, splits=s, out=out), flush))
        cache.close()
        best = min(counts, key=lambda s: min(times[s]))
        print(json.dumps({"case": name, "default": default, "best": best,
                          "us": {s: round(min(t), 2)
                                 for s, t in times.items()}}), flush=True)


if __name__ == "__main__":
    main()
