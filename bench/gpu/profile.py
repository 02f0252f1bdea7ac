#!/usr/bin/env python3
"""Runs one timing configuration's decode step for a profiler (GPU machine).

    ncu --kernel-name regex:kvq_attend --launch-skip 1 --launch-count 1 \\
        python3 bench/gpu/profile.py --case t8x32k_k4v2_g128 [--splits 16]

With other kvq-gpu-aot output than prepare.py's, --case names a
configuration of its manifest. Fills the cache with random tokens (harness.py's filled_cache), then
attends `--repeat` times; the profiler picks the launches it wants.
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "python"))
sys.path.insert(0, os.path.dirname(__file__))
from harness import filled_cache, unpack_cubin  # noqa: E402
from kvq.cuda import Library  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--artifacts", default=".device/gpu")
    ap.add_argument("--case", default="t8x32k_k4v2_g128")
    ap.add_argument("--splits", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    listed = os.path.join(args.artifacts, "cases.json")
    if os.path.exists(listed):  # prepare.py's artifacts: a timing case
        with open(listed) as f:
            case = next(c for c in json.load(f) if c["name"] == args.case)
    else:  # any kvq-gpu-aot output: --case names a configuration
        case = {"config": args.case}
    unpack_cubin(args.artifacts)
    lib = Library(os.path.join(args.artifacts, "manifest.json"))
    cache, _, _, _, q, _ = filled_cache(lib, case["config"])
    out = torch.empty_like(q)
    for _ in range(args.repeat):
        if args.splits:
            cache.attend(q, out=out, splits=args.splits)
        else:
            cache.attend(q, out=out)
    torch.cuda.synchronize()


if __name__ == "__main__":
    main()
