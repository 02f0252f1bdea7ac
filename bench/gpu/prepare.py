#!/usr/bin/env /usr/bin/python3
"""Prepares the GPU harness's artifacts on the compiler machine (no GPU).

For every configuration below it
  - writes a module with its decode step (append one token, attend) and
    compiles all of them with kvq-gpu-aot into one cubin + manifest;
  - for correctness cases, draws K/V/Q with a fixed seed and runs the CPU
    reference (kvq-run: append all tokens, attend, raw storage bytes), saving
    inputs and expected outputs as .npy.
The GPU harness (bench/gpu/harness.py) then checks the GPU against these.
The correctness cases are small shapes, which take 32-token tensor-core
tiles; they are compiled a second time with --tile-tokens=64 (into
OUT/tile64/) so that the harness checks the 64-token tiles of the large
shapes on them too, and a third time with --index-bitwidth=64 (into
OUT/index64/: what caches of 2 GiB or more get). Cubins and the large case arrays are stored gzipped
(the device tool carries at most 64 MiB); the harness unpacks them.

    bench/gpu/prepare.py [--build build] [--out .device/gpu] [--quick]
"""
import argparse
import json
import os
import gzip
import shutil
import subprocess
import sys

import numpy as np


def scheme(bits, group=32, gran="per_channel", window=32, sym=False,
           rot=False):
    if bits == 16:
        return "#kvq.scheme<bits = 16>"
    parts = [f"bits = {bits}", f"group = {group}", f"granularity = {gran}"]
    if sym:
        parts.append("symmetric = true")
    if rot:
        parts.append("rotation = hadamard")
    if window:
        parts.append(f"window = {window}")
    return "#kvq.scheme<" + ", ".join(parts) + ">"


def case(name, kbits, vbits, B=2, H=2, Hq=8, C=512, D=128, T=300, elt="f16",
         group=32, window=32, sym=False, rot=False, lengths=None,
         timing=False, vgroup=None):
    return dict(
        name=name, B=B, H=H, Hq=Hq, C=C, D=D, T=T, elt=elt,
        keys=scheme(kbits, group, "per_channel", window, sym, rot),
        values=scheme(vbits, vgroup or min(group, D), "per_token", window,
                      sym),
        lengths=lengths, timing=timing)


def to_bf16_bits(x):
    """bf16 (round to nearest even) as the u16 bits kvq-run exchanges."""
    u = np.asarray(x, np.float32).view(np.uint32).astype(np.uint64)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)


def correctness_cases(quick):
    cases = []
    bits = [2, 4, 8, 16]
    for kb in bits:
        for vb in bits:
            cases.append(case(f"k{kb}v{vb}", kb, vb))
    if quick:
        return cases[:4]
    cases += [
        case("d64_gqa1", 4, 2, B=1, H=4, Hq=4, D=64),
        case("d256_gqa8", 4, 4, B=1, H=1, Hq=8, D=256, group=64, window=64),
        case("g64", 4, 2, group=64, window=64),
        case("g128_k8v4", 8, 4, group=128, window=128),
        case("rot_k4v2", 4, 2, rot=True),
        case("rot_k2v2_d64", 2, 2, D=64, rot=True, Hq=4),
        case("sym_k4v2", 4, 2, sym=True),
        case("window0_k4v2", 4, 2, window=0),
        case("k3v3", 3, 3),
        case("ragged_k4v2", 4, 2, B=4, Hq=8, lengths=[300, 0, 151, 299]),
        case("f32_k4v2", 4, 2, elt="f32"),
        # bf16 caches: inputs and outputs exchanged as raw bits (u16 .npy).
        case("bf16_k4v2", 4, 2, elt="bf16"),
        case("mma_bf16_k4v2", 4, 2, elt="bf16", group=128, window=128),
        # bf16 window steps on tensor cores with several value groups per
        # token (f16 value columns: the window's bf16 pairs converted), and
        # at head_dim 64.
        case("mma_bf16_k4v2_g32", 4, 2, elt="bf16", group=32, window=128),
        case("mma_bf16_k4v4_d64", 4, 4, elt="bf16", D=64, group=64,
             window=64),
        # head_dim not a power of two: the generic kernel, and the split
        # merge's strided channels (96: 3 per lane, 80: not whole warps).
        case("d96_k4v2", 4, 2, D=96),
        case("d80_k4v16", 4, 16, D=80),
        case("long_k4v2", 4, 2, B=1, H=2, Hq=16, C=4096, T=3000, group=128,
             window=128),
    ]
    # Tensor-core tiles (one value scale group per token, <= 4 query heads
    # per KV head): every key/value width, key groups 32..128, head_dim
    # 64/128/256, ragged lengths, symmetric and rotated keys, no window.
    cases += [
        case(f"mma_k{kb}v{vb}", kb, vb, group=128, window=128)
        for kb, vb in [(2, 2), (4, 2), (4, 4), (8, 8), (2, 8)]  # K8V4: g128_k8v4
    ]
    cases += [
        case("mma_k4v2_kg32", 4, 2, group=32, vgroup=128, T=333),
        case("mma_k4v4_d64", 4, 4, Hq=4, D=64, group=64, window=64),
        case("mma_k4v2_d256", 4, 2, B=1, H=2, Hq=8, D=256, group=128,
             vgroup=256, window=128),
        case("mma_mha_k4v2", 4, 2, Hq=2, group=128, window=128),
        case("mma_sym_rot_k4v2", 4, 2, group=64, vgroup=128, sym=True,
             rot=True, window=64),
        case("mma_ragged_w0_k2v2", 2, 2, B=4, group=32, vgroup=128, window=0,
             lengths=[300, 0, 65, 257]),
        case("mma_long_k4v2", 4, 2, B=1, H=2, Hq=8, C=4096, T=3000,
             group=128, window=128),
        # Short splits of more than one 32-token tile (1 row of 16384:
        # 64-token tiles): the tail's 32-token chunks go to the last splits
        # (8 chunks at 1000 tokens; round robin at the other split count).
        case("mma_spread_tail_k4v2", 4, 2, B=1, H=1, Hq=4, C=16384, T=1000,
             group=128, window=128),
    ]
    return cases


def timing_cases():
    # Llama-3-8B attention (32 q heads, 8 KV heads, d128); caches filled to
    # capacity on the GPU with random tokens.
    return [
        case("t8x32k_k4v2_g128", 4, 2, B=8, H=8, Hq=32, C=32768, T=32768,
             group=128, window=128, timing=True),
        case("t8x32k_k4v2_g32", 4, 2, B=8, H=8, Hq=32, C=32768, T=32768,
             group=32, window=128, timing=True),
        case("t8x32k_k16v16", 16, 16, B=8, H=8, Hq=32, C=32768, T=32768,
             timing=True),
        case("t1x4k_k4v2_g128", 4, 2, B=1, H=8, Hq=32, C=4096, T=4096,
             group=128, window=128, timing=True),
    ]


def cache_type(c):
    return (f"!kvq.cache<{c['B']}x{c['H']}x{c['C']}x{c['D']}x{c['elt']}, "
            f"keys = {c['keys']}, values = {c['values']}>")


def aot_function(i, c):
    t, B, H, Hq, D, e = cache_type(c), c["B"], c["H"], c["Hq"], c["D"], c["elt"]
    return f"""
func.func @case{i}(%q: tensor<{B}x{Hq}x{D}x{e}>, %k: tensor<{B}x{H}x1x{D}x{e}>,
                 %v: tensor<{B}x{H}x1x{D}x{e}>, %c: {t}) -> tensor<{B}x{Hq}x{D}x{e}> {{
  kvq.append %k, %v into %c : tensor<{B}x{H}x1x{D}x{e}>, tensor<{B}x{H}x1x{D}x{e}> into {t}
  %o = kvq.attend %q, %c : tensor<{B}x{Hq}x{D}x{e}>, {t} -> tensor<{B}x{Hq}x{D}x{e}>
  return %o : tensor<{B}x{Hq}x{D}x{e}>
}}
"""


def cpu_module(c, nbytes):
    t, B, H, Hq, D, T, e = (cache_type(c), c["B"], c["H"], c["Hq"], c["D"],
                            c["T"], c["elt"])
    kv = f"tensor<{B}x{H}x{T}x{D}x{e}>"
    qt = f"tensor<{B}x{Hq}x{D}x{e}>"
    len_arg = f", %len: tensor<{B}xi32>" if c["lengths"] else ""
    len_use = f" lengths(%len : tensor<{B}xi32>)" if c["lengths"] else ""
    return f"""
func.func @main(%k: {kv}, %v: {kv}, %q: {qt}{len_arg}) -> ({qt}, tensor<{nbytes}xi8>) {{
  %c = kvq.cache_create : {t}
  kvq.append %k, %v into %c : {kv}, {kv} into {t}
  %o = kvq.attend %q, %c{len_use} : {qt}, {t} -> {qt}
  %s = kvq.storage %c : {t} -> tensor<{nbytes}xi8>
  return %o, %s : {qt}, tensor<{nbytes}xi8>
}}
"""


def aot(args, source, out, extra, ptx_name="kernels.ptx"):
    """kvq-gpu-aot of OUT/source into `out`: manifest, gzipped cubin, ptxas
    log; the PTX (~10 MB) stays on this machine's side, next to OUT as
    OUT-`ptx_name`."""
    subprocess.run([os.path.join(args.build, "bin", "kvq-gpu-aot"),
                    os.path.join(args.out, source), "-o", out] + extra +
                   (["--allow-spills"] if args.allow_spills else []), check=True)
    # The readable gpu-dialect listing is not needed on the GPU machine and
    # would push the carried folder past the device tool's 64 MiB.
    os.remove(os.path.join(out, "kernels.mlir"))
    cubin = os.path.join(out, "kernels.cubin")
    ptx = os.path.join(out, "kernels.ptx")
    if os.path.exists(cubin):
        os.replace(ptx, args.out.rstrip("/") + "-" + ptx_name)
        with open(cubin, "rb") as src, gzip.open(cubin + ".gz", "wb") as dst:
            shutil.copyfileobj(src, dst)
        os.remove(cubin)


def gzip_large_arrays(d, at_least=64 << 10):
    """Gzips the .npy files of `d` of at least `at_least` bytes (the harness
    reads X.npy.gz where X.npy is absent): the carried folder must stay
    under the device tool's 64 MiB."""
    for n in os.listdir(d):
        p = os.path.join(d, n)
        if n.endswith(".npy") and os.path.getsize(p) >= at_least:
            with open(p, "rb") as src, gzip.open(p + ".gz", "wb") as dst:
                shutil.copyfileobj(src, dst)
            os.remove(p)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--out", default=".device/gpu")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--allow-spills", action="store_true",
                    help="kvq-gpu-aot --allow-spills (kernels that spill "
                         "under their register cap kept as they are, not "
                         "rebuilt without it)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    cases = correctness_cases(args.quick) + ([] if args.quick else timing_cases())

    module = "".join(aot_function(i, c) for i, c in enumerate(cases))
    with open(os.path.join(args.out, "decode_steps.mlir"), "w") as f:
        f.write(module)
    aot(args, "decode_steps.mlir", args.out, [])
    if not args.quick:
        tile64 = os.path.join(args.out, "tile64")
        os.makedirs(tile64, exist_ok=True)
        with open(os.path.join(args.out, "decode_steps_tile64.mlir"), "w") as f:
            f.write("".join(aot_function(i, c) for i, c in enumerate(cases)
                            if not c["timing"]))
        aot(args, "decode_steps_tile64.mlir", tile64, ["--tile-tokens=64"],
            "tile64-kernels.ptx")
        # The same cases at 64-bit index arithmetic: what caches of 2 GiB or
        # more get, which no harness cache is (head_dim 256 takes it anyway).
        index64 = os.path.join(args.out, "index64")
        os.makedirs(index64, exist_ok=True)
        aot(args, "decode_steps_tile64.mlir", index64, ["--index-bitwidth=64"],
            "index64-kernels.ptx")
    with open(os.path.join(args.out, "manifest.json")) as f:
        manifest = json.load(f)
    if len(manifest["configs"]) != len(cases):
        sys.exit("kvq-gpu-aot produced a different number of configurations")

    rng = np.random.default_rng(20261129)
    for i, (c, m) in enumerate(zip(cases, manifest["configs"])):
        assert (m["batch"], m["kv_heads"], m["query_heads"], m["head_dim"],
                m["capacity"]) == (c["B"], c["H"], c["Hq"], c["D"], c["C"])
        c["config"] = m["name"]
        if c["timing"]:
            continue
        B, H, Hq, D, T = c["B"], c["H"], c["Hq"], c["D"], c["T"]
        dt = {"f16": np.float16, "f32": np.float32,
              "bf16": to_bf16_bits}[c["elt"]]
        convert = (lambda x: dt(x)) if c["elt"] == "bf16" else (
            lambda x: x.astype(dt))
        outlier = np.ones(D)
        outlier[rng.choice(D, 4, replace=False)] = 8.0  # key outlier channels
        k = convert(rng.standard_normal((B, H, T, D)) * outlier)
        v = convert(rng.standard_normal((B, H, T, D)))
        q = convert(rng.standard_normal((B, Hq, D)))
        d = os.path.join(args.out, f"case{i}")
        os.makedirs(d, exist_ok=True)
        inputs = [("k", k), ("v", v), ("q", q)]
        if c["lengths"]:
            inputs.append(("len", np.array(c["lengths"], np.int32)))
        for n, a in inputs:
            np.save(os.path.join(d, n + ".npy"), a)
        with open(os.path.join(d, "main.mlir"), "w") as f:
            f.write(cpu_module(c, m["cache_bytes"]))
        cmd = [os.path.join(args.build, "bin", "kvq-run"),
               os.path.join(d, "main.mlir")]
        cmd += [f"--input={os.path.join(d, n + '.npy')}" for n, _ in inputs]
        cmd += [f"--output={os.path.join(d, 'expected_out.npy')}",
                f"--output={os.path.join(d, 'expected_storage.npy')}"]
        subprocess.run(cmd, check=True)
        gzip_large_arrays(d)
        c["dir"] = f"case{i}"
        print(f"case{i} {c['name']}: {m['name']}", flush=True)
    with open(os.path.join(args.out, "cases.json"), "w") as f:
        json.dump(cases, f, indent=1)
    if not args.quick:
        prepare_host_path(args, rng)


def prepare_host_path(args, rng):
    """The host-side lowering end to end: bench/gpu/host/decode.mlir compiled
    by kvq-lower-to-nvvm into one x86-64 object (host code + embedded cubin),
    plus the CPU reference outputs of the same module."""
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "host",
                       "decode.mlir")
    d = os.path.join(args.out, "host")
    os.makedirs(d, exist_ok=True)
    llvm = "/usr/lib/llvm-22/bin"
    subprocess.run([os.path.join(args.build, "bin", "kvq-opt"), src,
                    "--kvq-lower-to-nvvm=format=bin", "-o",
                    os.path.join(d, "decode.llvm.mlir")], check=True)
    subprocess.run([os.path.join(llvm, "mlir-translate"), "--mlir-to-llvmir",
                    os.path.join(d, "decode.llvm.mlir"), "-o",
                    os.path.join(d, "decode.ll")], check=True)
    subprocess.run([os.path.join(llvm, "clang"), "-c", "-O2", "-fPIC",
                    "-Wno-override-module", os.path.join(d, "decode.ll"),
                    "-o", os.path.join(d, "decode.o")], check=True)
    k = rng.standard_normal((1, 2, 100, 64)).astype(np.float16)
    v = rng.standard_normal((1, 2, 100, 64)).astype(np.float16)
    q = rng.standard_normal((1, 8, 64)).astype(np.float16)
    for n, a in (("k", k), ("v", v), ("q", q)):
        np.save(os.path.join(d, n + ".npy"), a)
    subprocess.run([os.path.join(args.build, "bin", "kvq-run"), src,
                    "--entry=decode"] +
                   [f"--input={os.path.join(d, n + '.npy')}" for n in "kvq"] +
                   [f"--output={os.path.join(d, 'expected_out.npy')}",
                    f"--output={os.path.join(d, 'expected_storage.npy')}"],
                   check=True)
    print("host path: decode.o + CPU reference", flush=True)


if __name__ == "__main__":
    main()
