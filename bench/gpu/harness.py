#!/usr/bin/env python3
"""kvq GPU harness: correctness against the CPU reference, then first timings.

Runs on the GPU machine (torch + CUDA, no MLIR) with the artifacts that
bench/gpu/prepare.py made on the compiler machine:

    KVQ_RUNTIME=/path/libkvq_runtime.so PYTHONPATH=python \
        python3 bench/gpu/harness.py --artifacts .device/gpu [--sanitize]
            [--manifest .device/gpu/tile64/manifest.json]

For every correctness case: appends the tokens one at a time with the GPU
append kernel and compares the cache storage with the CPU's byte for byte;
attends (output poisoned with NaN first) and compares with the CPU output
(max|gpu - cpu| / max|cpu| <= 1e-3); attends again (bitwise deterministic)
and with other split counts (1, 7, 8, 9, 17, 33, the most: around the
in-kernel merge's groups of 8 splits). Then checks that errors come back as errors
(capacity, shapes). Then times the timing cases against torch fp16 SDPA.
"""
import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "python"))
from kvq.cuda import KvqError, Library  # noqa: E402

TOL = 1e-3
# A bf16 output is itself rounded to 2^-8 of its magnitude: two of its ulps
# (the CPU's rounding and the GPU's may each take one) relative to the
# largest output.
TOL_BF16 = 2 * 2.0 ** -8


def segment_of(config, offset):
    """Names the storage segment holding byte `offset` (for mismatches)."""
    if offset < 64:
        return "header"
    best = ("?", -1)
    for tensor in ("keys", "values"):
        for key, val in config[tensor].items():
            if key.endswith("_offset") and val <= offset and val > best[1]:
                best = (f"{tensor}.{key[:-7]}", val)
    return f"{best[0]}+{offset - best[1]}"


def as_f32(a):
    """An .npy array as f32; u16 arrays are bf16 bits (kvq-run's
    convention: NumPy has no bfloat16)."""
    if a.dtype == np.uint16:
        return (a.astype(np.uint32) << 16).view(np.float32)
    return a.astype(np.float32)


def load_npy(path):
    """An .npy array, or its gzipped copy (path + ".gz": prepare.py gzips
    the large ones so that the carried folder fits the device tool)."""
    if os.path.exists(path):
        return np.load(path)
    with gzip.open(path + ".gz", "rb") as f:
        return np.load(f)


def load_tensor(path, dev):
    """An .npy array as a torch tensor on `dev` (u16: bf16 bits)."""
    a = load_npy(path)
    if a.dtype == np.uint16:
        return torch.from_numpy(a.view(np.int16)).to(dev).view(torch.bfloat16)
    return torch.from_numpy(a).to(dev)


def run_case(lib, art, c, results):
    d = os.path.join(art, c["dir"])
    cfg = lib.config(c["config"])
    dev = torch.device("cuda")
    k, v, q = (load_tensor(os.path.join(d, n + ".npy"), dev)
               for n in ("k", "v", "q"))
    lengths = None
    if c["lengths"]:
        lengths = torch.from_numpy(load_npy(os.path.join(d, "len.npy"))).to(dev)
    want_out = as_f32(load_npy(os.path.join(d, "expected_out.npy")))
    want_storage = load_npy(os.path.join(d, "expected_storage.npy")).view(np.uint8)
    r = {"case": c["name"], "config": c["config"]}
    cache = lib.cache(c["config"])
    try:
        for t in range(c["T"]):
            cache.append(k[:, :, t:t + 1].contiguous(), v[:, :, t:t + 1].contiguous())
        torch.cuda.synchronize()
        got = np.frombuffer(cache.storage(), np.uint8)
        diff = np.nonzero(got != want_storage)[0]
        r["storage_bytes"] = int(got.size)
        r["storage_mismatches"] = int(diff.size)
        if diff.size:
            r["first_mismatch"] = segment_of(cfg, int(diff[0]))
        out = torch.full(q.shape, float("nan"), dtype=q.dtype, device=dev)
        cache.attend(q, lengths, out=out)
        again = cache.attend(q, lengths)
        torch.cuda.synchronize()
        o = out.float().cpu().numpy()
        scale = max(float(np.abs(want_out).max()), 1e-30)
        r["rel_err"] = float(np.abs(o - want_out).max() / scale) if np.isfinite(o).all() else float("inf")
        r["deterministic"] = bool(torch.equal(out, again))
        r["splits"] = cache.splits()
        errs = []
        # 1 split, the most, and counts around the merge's groups of 8
        # (one group, one full plus one of 1, partial last groups).
        for s in sorted({1, 7, 8, 9, 17, 33, cfg["max_splits"]}):
            if s > cfg["max_splits"]:
                continue
            o2 = cache.attend(q, lengths, splits=s).float().cpu().numpy()
            errs.append(float(np.abs(o2 - want_out).max() / scale))
        r["rel_err_other_splits"] = max(errs)
        tol = TOL_BF16 if q.dtype == torch.bfloat16 else TOL
        r["tolerance"] = tol
        r["ok"] = (r["storage_mismatches"] == 0 and r["rel_err"] <= tol and
                   r["rel_err_other_splits"] <= tol and r["deterministic"])
    except KvqError as e:
        r["ok"], r["error"] = False, str(e)
    finally:
        cache.close()
    results.append(r)
    print(json.dumps(r), flush=True)


def check_errors(lib, c):
    """Errors come back as errors, and nothing is corrupted."""
    cfg = lib.config(c["config"])
    dev = torch.device("cuda")
    B, H, D, Hq = cfg["batch"], cfg["kv_heads"], cfg["head_dim"], cfg["query_heads"]
    cache = lib.cache(c["config"])
    x = torch.randn(B, H, 1, D, device=dev, dtype=cache.dtype)
    out = {}
    try:
        cache.append(torch.randn(B, H, 2, D, device=dev, dtype=cache.dtype), x)
        out["bad_shape"] = "not raised"
    except KvqError as e:
        out["bad_shape"] = str(e)
    try:
        cache.append(x.float() if cache.dtype != torch.float32 else x.half(), x)
        out["bad_dtype"] = "not raised"
    except KvqError as e:
        out["bad_dtype"] = str(e)
    q = torch.zeros(B * Hq * D + 8, device=dev, dtype=cache.dtype)
    try:  # queries one element past a 16-byte boundary
        cache.attend(q[1:1 + B * Hq * D].view(B, Hq, D))
        out["misaligned_queries"] = "not raised"
    except KvqError as e:
        out["misaligned_queries"] = str(e)
    for _ in range(cfg["capacity"]):
        cache.append(x, x)
    before = cache.storage()
    try:
        cache.append(x, x)
        out["capacity"] = "not raised"
    except KvqError as e:
        out["capacity"] = str(e)
    out["capacity_storage_unchanged"] = cache.storage() == before
    out["ok"] = (all(v != "not raised" for v in out.values())
                 and out["capacity_storage_unchanged"])
    cache.close()
    print(json.dumps({"errors": out}), flush=True)
    return out


def time_us(fn, flush, iters=50):
    times = []
    for _ in range(iters):
        flush.zero_()
        start, end = torch.cuda.Event(True), torch.cuda.Event(True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end) * 1e3)
    return float(np.median(times))


def filled_cache(lib, config):
    """A cache of `config` filled to capacity by the append kernel, one
    launch per token, with random tokens (seed 0), and random queries.
    Returns (cache, cfg, generator, kv, q, fill seconds)."""
    cfg = lib.config(config)
    dev = torch.device("cuda")
    B, H, Hq, D, C = (cfg["batch"], cfg["kv_heads"], cfg["query_heads"],
                      cfg["head_dim"], cfg["capacity"])
    cache = lib.cache(config)
    g = torch.Generator(device=dev).manual_seed(0)
    kv = torch.randn(2, B, H, 1, D, device=dev, dtype=cache.dtype, generator=g)
    t0 = time.time()
    for _ in range(C):
        cache.append(kv[0], kv[1])
    torch.cuda.synchronize()
    fill_s = time.time() - t0
    q = torch.randn(B, Hq, D, device=dev, dtype=cache.dtype, generator=g)
    return cache, cfg, g, kv, q, fill_s


def run_timing(lib, c, results):
    cache, cfg, g, kv, q, fill_s = filled_cache(lib, c["config"])
    dev = torch.device("cuda")
    B, H, Hq, D, C = (cfg["batch"], cfg["kv_heads"], cfg["query_heads"],
                      cfg["head_dim"], cfg["capacity"])
    flush = torch.empty(256 * 1024 * 1024 // 4, device=dev, dtype=torch.float32)
    out = torch.empty_like(q)
    kvq_us = time_us(lambda: cache.attend(q, out=out), flush)
    by_splits = {}
    for s in sorted({1, 4, 16, 64, cfg["max_splits"]}):
        if s <= cfg["max_splits"]:
            by_splits[s] = time_us(lambda: cache.attend(q, out=out, splits=s),
                                   flush, iters=20)
    k = torch.randn(B, H, C, D, device=dev, dtype=torch.float16, generator=g)
    v = torch.randn(B, H, C, D, device=dev, dtype=torch.float16, generator=g)
    q4 = q.half().view(B, Hq, 1, D)
    sdpa = lambda: torch.nn.functional.scaled_dot_product_attention(  # noqa: E731
        q4, k, v, enable_gqa=True)
    sdpa_us = time_us(sdpa, flush)
    fresh = lib.cache(c["config"])
    torch.cuda.synchronize()
    append_us = time_us(lambda: fresh.append(kv[0], kv[1]), flush, iters=100)
    fresh.close()
    bytes_kvq = cfg["cache_bytes"]
    bytes_sdpa = 2 * k.numel() * 2
    r = {"timing": c["name"], "config": c["config"], "kvq_us": kvq_us,
         "sdpa_fp16_us": sdpa_us, "speedup_vs_sdpa": sdpa_us / kvq_us,
         "kvq_bytes": bytes_kvq, "kvq_GBps": bytes_kvq / kvq_us / 1e3,
         "sdpa_GBps": bytes_sdpa / sdpa_us / 1e3, "splits": cache.splits(),
         "append_us": append_us, "fill_s": fill_s,
         "kvq_us_by_splits": by_splits}
    cache.close()
    results.append(r)
    print(json.dumps(r), flush=True)


def sanitize(args, case_name):
    tool = "compute-sanitizer"
    for p in ("/usr/local/cuda/bin/compute-sanitizer",):
        if os.path.exists(p):
            tool = p
    summary = {}
    for mode in ("memcheck", "racecheck"):
        cmd = [tool, "--tool", mode, "--error-exitcode", "3", sys.executable,
               __file__, "--artifacts", args.artifacts, "--only", case_name,
               "--no-timing", "--no-errors"]
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=400)
            tail = [l for l in (p.stdout + p.stderr).splitlines()
                    if "ERROR SUMMARY" in l or "RACECHECK SUMMARY" in l]
            summary[mode] = {"rc": p.returncode, "summary": tail[-2:]}
        except Exception as e:  # noqa: BLE001
            summary[mode] = {"rc": -1, "summary": [repr(e)]}
    print(json.dumps({"sanitizer": summary}), flush=True)
    return summary


def config_names(directory, only=None):
    """The configuration names of DIRECTORY/manifest.json (those in `only`
    when given), in manifest order."""
    with open(os.path.join(directory, "manifest.json")) as f:
        names = [c["name"] for c in json.load(f)["configs"]]
    return [n for n in names if not only or n in only]


def unpack_cubin(directory):
    """prepare.py stores kernels.cubin gzipped; the runtime reads it plain."""
    cubin = os.path.join(directory, "kernels.cubin")
    if not os.path.exists(cubin) and os.path.exists(cubin + ".gz"):
        with gzip.open(cubin + ".gz", "rb") as src, open(cubin, "wb") as dst:
            shutil.copyfileobj(src, dst)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--artifacts", default=".device/gpu")
    ap.add_argument("--only")
    ap.add_argument("--no-timing", action="store_true")
    ap.add_argument("--no-errors", action="store_true")
    ap.add_argument("--sanitize", action="store_true")
    ap.add_argument("--out")
    ap.add_argument("--manifest",
                    help="kernels other than ARTIFACTS/manifest.json for the "
                         "same cases (e.g. ARTIFACTS/tile64/manifest.json)")
    args = ap.parse_args()
    with open(os.path.join(args.artifacts, "cases.json")) as f:
        cases = json.load(f)
    manifest = args.manifest or os.path.join(args.artifacts, "manifest.json")
    unpack_cubin(os.path.dirname(manifest))
    lib = Library(manifest)
    print(json.dumps({"device": torch.cuda.get_device_name(),
                      "sms": torch.cuda.get_device_properties(0).multi_processor_count}),
          flush=True)
    results = []
    for c in cases:
        if args.only and c["name"] != args.only:
            continue
        if not c["timing"]:
            run_case(lib, args.artifacts, c, results)
    report = {"cases": results}
    if not args.no_errors:
        small = next(c for c in cases if not c["timing"])
        report["errors"] = check_errors(lib, small)
    if not args.no_timing:
        timings = []
        for c in cases:
            if c["timing"] and (not args.only or c["name"] == args.only):
                try:
                    run_timing(lib, c, timings)
                except Exception as e:  # noqa: BLE001
                    print(json.dumps({"timing": c["name"], "error": repr(e)}), flush=True)
        report["timings"] = timings
    if args.sanitize:
        report["sanitizer"] = sanitize(args, "k4v2")
    passed = sum(r.get("ok", False) for r in results)
    print(f"correctness: {passed}/{len(results)} cases passed", flush=True)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(report, f, indent=1)
    sys.exit(0 if passed == len(results) else 1)


if __name__ == "__main__":
    main()
