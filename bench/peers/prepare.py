#!/usr/bin/env /usr/bin/python3
"""Compiles the kernels the peers benchmark runs (compiler machine, no GPU).

For every shape (batch x context) x head_dim x configuration of issue 8 --
K4V2, K2V2, K4V4, K8V4, K8V8 at groups 32 and 128, keys per_channel and
values per_token, asymmetric, f16 scales, a 128-token full-precision window;
32 query heads, 8 KV heads, f16 -- writes one decode step (append one token,
attend) into one module and compiles it with kvq-gpu-aot into one cubin and
one manifest. The compiler names each configuration after its cache type
(e.g. b8h8q32c32768d128_f16_k4c128w128_v2t128w128_t1), so a name encodes the
shape and the configuration; cases.json maps the benchmark's labels to them.

    bench/peers/prepare.py [--build build] [--out .device/peers]
        [--shapes 1x4096,...] [--head-dims 128,64] [--configs K4V2-g128,...]

Capacity = the context rounded up to a multiple of 128 (a multiple of every
per_channel group, and at least window + group), so the cache holds exactly
the context. A per_token value group larger than head_dim (g128 at d64) is
clamped to head_dim (the verifier requires it to divide head_dim). Only
kernels.cubin, ptxas.log, manifest.json and cases.json are kept (the device
run carries this folder; see the size it prints); the PTX stays only when
there is no cubin (ptxas missing), for the driver to JIT.
"""
import argparse
import json
import os
import subprocess
import sys
import time

DEFAULT_SHAPES = "1x4096,1x32768,1x131072,8x4096,8x32768,32x8192"
PAIRS = [(4, 2), (2, 2), (4, 4), (8, 4), (8, 8)]
GROUPS = [32, 128]
HQ, HKV, WINDOW = 32, 8, 128
ARTIFACTS = ("decode_steps.mlir", "kernels.mlir", "kernels.ptx", "kernels.cubin",
             "ptxas.log", "manifest.json", "cases.json")


def all_configs():
    return [f"K{k}V{v}-g{g}" for g in GROUPS for k, v in PAIRS]


def parse_config(label):
    kv, g = label.split("-g")
    k, v = kv[1:].split("V")
    return int(k), int(v), int(g)


def scheme(bits, group, gran):
    return (f"#kvq.scheme<bits = {bits}, group = {group}, granularity = {gran}, "
            f"window = {WINDOW}>")


def make_case(B, T, D, label):
    kb, vb, g = parse_config(label)
    C = -(-T // 128) * 128
    vg = min(g, D)
    return dict(label=label, B=B, T=T, D=D, HQ=HQ, HKV=HKV, C=C, kbits=kb,
                vbits=vb, group=g, vgroup=vg, window=WINDOW,
                keys=scheme(kb, g, "per_channel"),
                values=scheme(vb, vg, "per_token"))


def function(i, c):
    B, H, Hq, C, D = c["B"], c["HKV"], c["HQ"], c["C"], c["D"]
    t = (f"!kvq.cache<{B}x{H}x{C}x{D}xf16, keys = {c['keys']}, "
         f"values = {c['values']}>")
    kv = f"tensor<{B}x{H}x1x{D}xf16>"
    qt = f"tensor<{B}x{Hq}x{D}xf16>"
    return f"""
func.func @case{i}(%q: {qt}, %k: {kv}, %v: {kv}, %c: {t}) -> {qt} {{
  kvq.append %k, %v into %c : {kv}, {kv} into {t}
  %o = kvq.attend %q, %c : {qt}, {t} -> {qt}
  return %o : {qt}
}}
"""


def key(B, T, D, label):
    return f"{B}x{T}-d{D}-{label}"


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build")
    ap.add_argument("--out", default=".device/peers")
    ap.add_argument("--shapes", default=DEFAULT_SHAPES)
    ap.add_argument("--head-dims", default="128,64")
    ap.add_argument("--configs", default=",".join(all_configs()))
    ap.add_argument("--keep", action="store_true",
                    help="keep kernels.mlir and decode_steps.mlir")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for f in ARTIFACTS:  # no stale artifacts of an earlier run
        if os.path.exists(os.path.join(args.out, f)):
            os.remove(os.path.join(args.out, f))

    cases = []
    for D in (int(d) for d in args.head_dims.split(",")):
        for s in args.shapes.split(","):
            B, T = (int(v) for v in s.split("x"))
            for label in args.configs.split(","):
                cases.append(make_case(B, T, D, label))
    src = os.path.join(args.out, "decode_steps.mlir")
    with open(src, "w") as f:
        f.write("".join(function(i, c) for i, c in enumerate(cases)))
    t0 = time.time()
    subprocess.run([os.path.join(args.build, "bin", "kvq-gpu-aot"), src, "-o",
                    args.out], check=True)
    compile_s = time.time() - t0
    with open(os.path.join(args.out, "manifest.json")) as f:
        manifest = json.load(f)
    if len(manifest["configs"]) != len(cases):
        sys.exit("kvq-gpu-aot produced a different number of configurations")
    if not manifest.get("cubin"):
        print("note: no cubin (ptxas missing); the driver will JIT the PTX")
    for c, m in zip(cases, manifest["configs"]):
        got = (m["batch"], m["kv_heads"], m["query_heads"], m["head_dim"],
               m["capacity"], m["keys"]["bits"], m["values"]["bits"],
               m["keys"]["group"], m["values"]["group"], m["append_tokens"])
        want = (c["B"], c["HKV"], c["HQ"], c["D"], c["C"], c["kbits"],
                c["vbits"], c["group"], c["vgroup"], 1)
        if got != want:
            sys.exit(f"manifest entry {m['name']} is {got}, expected {want}")
        c["config"] = m["name"]
        c["key"] = key(c["B"], c["T"], c["D"], c["label"])
    with open(os.path.join(args.out, "cases.json"), "w") as f:
        json.dump(dict(compile_s=compile_s, cases=cases), f, indent=1)
    if not args.keep:
        drop = ["kernels.mlir", "decode_steps.mlir"]
        if manifest.get("cubin"):
            drop.append("kernels.ptx")
        for f in drop:
            p = os.path.join(args.out, f)
            if os.path.exists(p):
                os.remove(p)
    sizes = {f: os.path.getsize(os.path.join(args.out, f)) for f in ARTIFACTS
             if os.path.exists(os.path.join(args.out, f))}
    total = sum(sizes.values())
    print(f"{len(cases)} configurations compiled in {compile_s:.0f} s; "
          f"{args.out}: {total / 2**20:.1f} MiB "
          + ", ".join(f"{k} {v / 2**20:.1f}" for k, v in sizes.items()))


if __name__ == "__main__":
    main()
