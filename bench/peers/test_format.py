#!/usr/bin/env /usr/bin/python3
"""CPU check of bench/peers/kvq_format.py (the peers benchmark's storage
reader) against the compiler: for several cache types, kvq-run (the CPU
reference) appends T tokens and returns the raw storage and the attention
output; the reader must find the layout kvq-gpu-aot's manifest describes,
the token count in the header, the window tokens bit for bit, quantized
tokens within about half a quantization step, and attention over what it
reads must match kvq-run's output. needed_bytes() is checked against a
count made by hand from docs/storage-format.md.

    test_format.py --kvq-run build/bin/kvq-run --kvq-gpu-aot build/bin/kvq-gpu-aot --work DIR
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kvq_format as fmt  # noqa: E402

PC, PT = "per_channel", "per_token"


def mlir_scheme(s):
    if s["bits"] >= 16:
        return "#kvq.scheme<bits = 16>"
    p = [f"bits = {s['bits']}", f"group = {s['group']}",
         f"granularity = {s['granularity']}"]
    if s["symmetric"]:
        p.append("symmetric = true")
    if s["window"]:
        p.append(f"window = {s['window']}")
    return "#kvq.scheme<" + ", ".join(p) + ">"


def cache_type(c):
    return (f"!kvq.cache<{c['B']}x{c['H']}x{c['C']}x{c['D']}xf16, keys = "
            f"{mlir_scheme(c['keys'])}, values = {mlir_scheme(c['values'])}>")


CASES = [
    dict(B=2, H=2, Hq=8, D=128, C=512, T=300,
         keys=fmt.scheme(4, 32, PC, window=128), values=fmt.scheme(2, 32, PT, window=128)),
    dict(B=1, H=2, Hq=4, D=128, C=512, T=400,
         keys=fmt.scheme(2, 128, PC, window=128), values=fmt.scheme(2, 128, PT, window=128)),
    dict(B=2, H=1, Hq=4, D=64, C=384, T=257,
         keys=fmt.scheme(8, 32, PC, window=128), values=fmt.scheme(4, 32, PT, window=128)),
    dict(B=1, H=2, Hq=8, D=64, C=384, T=384,
         keys=fmt.scheme(8, 128, PC, window=128), values=fmt.scheme(8, 64, PT, window=128)),
    dict(B=1, H=1, Hq=2, D=128, C=256, T=100,
         keys=fmt.scheme(4, 128, PC, window=128), values=fmt.scheme(4, 128, PT, window=128)),
    dict(B=1, H=2, Hq=2, D=64, C=128, T=100,
         keys=fmt.scheme(3, 32, PC, symmetric=True), values=fmt.scheme(3, 32, PT, symmetric=True)),
    dict(B=1, H=1, Hq=4, D=64, C=256, T=200,
         keys=fmt.scheme(16), values=fmt.scheme(4, 16, PT, window=32)),
]


def cpu_module(c, nbytes):
    t = cache_type(c)
    kv = f"tensor<{c['B']}x{c['H']}x{c['T']}x{c['D']}xf16>"
    qt = f"tensor<{c['B']}x{c['Hq']}x{c['D']}xf16>"
    return f"""
func.func @main(%k: {kv}, %v: {kv}, %q: {qt}) -> ({qt}, tensor<{nbytes}xi8>) {{
  %c = kvq.cache_create : {t}
  kvq.append %k, %v into %c : {kv}, {kv} into {t}
  %o = kvq.attend %q, %c : {qt}, {t} -> {qt}
  %s = kvq.storage %c : {t} -> tensor<{nbytes}xi8>
  return %o, %s : {qt}, tensor<{nbytes}xi8>
}}
"""


def aot_module(cases):
    out = []
    for i, c in enumerate(cases):
        t = cache_type(c)
        kv = f"tensor<{c['B']}x{c['H']}x1x{c['D']}xf16>"
        qt = f"tensor<{c['B']}x{c['Hq']}x{c['D']}xf16>"
        out.append(f"""
func.func @c{i}(%q: {qt}, %k: {kv}, %v: {kv}, %c: {t}) -> {qt} {{
  kvq.append %k, %v into %c : {kv}, {kv} into {t}
  %o = kvq.attend %q, %c : {qt}, {t} -> {qt}
  return %o : {qt}
}}
""")
    return "".join(out)


def attention(q, K, V):
    B, Hq, D = q.shape
    H = K.shape[1]
    qf = q.astype(np.float64).reshape(B, H, Hq // H, D)
    s = np.einsum("bhrd,bhtd->bhrt", qf, K.astype(np.float64)) / np.sqrt(D)
    s -= s.max(-1, keepdims=True)
    p = np.exp(s)
    p /= p.sum(-1, keepdims=True)
    return np.einsum("bhrt,bhtd->bhrd", p, V.astype(np.float64)).reshape(B, Hq, D)


def err_steps(x, xd, s, T):
    """max |xd - x| in quantization steps of each group (quantized part)."""
    Q = fmt.quantized_tokens(s, T)
    if s["bits"] >= 16 or not Q:
        return 0.0
    B, H, _, D = x.shape
    G = s["group"]
    x, xd = x[:, :, :Q].astype(np.float64), xd[:, :, :Q].astype(np.float64)
    if s["granularity"] == PC:
        x, xd, ax = x.reshape(B, H, Q // G, G, D), xd.reshape(B, H, Q // G, G, D), 3
    else:
        x, xd, ax = x.reshape(B, H, Q, D // G, G), xd.reshape(B, H, Q, D // G, G), 4
    levels = 2 ** (s["bits"] - 1) - 1 if s["symmetric"] else 2 ** s["bits"] - 1
    if s["symmetric"]:
        step = np.abs(x).max(ax, keepdims=True) / levels
    else:
        step = (x.max(ax, keepdims=True) - x.min(ax, keepdims=True)) / levels
    return float((np.abs(xd - x) / np.maximum(step, 1e-12)).max())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kvq-run", required=True)
    ap.add_argument("--kvq-gpu-aot")
    ap.add_argument("--work", required=True)
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    fails = []
    rng = np.random.default_rng(7)

    # needed_bytes by hand (docs/storage-format.md), case 0 at L = 300:
    # keys K4 g32 per_channel, window 128: Q = (300-128)//32*32 = 160;
    #   codes 160*16 words*4 = 10240, scales+zeros 2*(160/32)*128*2 = 2560,
    #   window (300-160)*128*2 = 35840 -> 48640 per head;
    # values V2 g32 per_token: Q = 300-128 = 172; codes 172*8*4 = 5504,
    #   scales+zeros 2*172*4*2 = 2752, window 128*128*2 = 32768 -> 41024;
    # 4 heads: 4 * 89664 = 358656.
    c0 = CASES[0]
    lay0 = fmt.layout(c0["B"], c0["H"], c0["C"], c0["D"], c0["keys"], c0["values"])
    if fmt.needed_bytes(lay0, 300) != 358656:
        fails.append(f"needed_bytes {fmt.needed_bytes(lay0, 300)} != 358656")

    manifest = None
    if args.kvq_gpu_aot:
        src = os.path.join(args.work, "aot.mlir")
        with open(src, "w") as f:
            f.write(aot_module(CASES))
        subprocess.run([args.kvq_gpu_aot, src, "-o", os.path.join(args.work, "aot")],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(os.path.join(args.work, "aot", "manifest.json")) as f:
            manifest = json.load(f)["configs"]

    for i, c in enumerate(CASES):
        B, H, Hq, C, D, T = c["B"], c["H"], c["Hq"], c["C"], c["D"], c["T"]
        name = f"case{i} {cache_type(c)} T={T}"
        lay = fmt.layout(B, H, C, D, c["keys"], c["values"])
        if manifest is not None:
            bad = fmt.manifest_mismatches(lay, manifest[i])
            if bad:
                fails.append(f"{name}: layout differs from the manifest: {bad}")
        outlier = np.ones(D)
        outlier[rng.choice(D, 3, replace=False)] = 6.0
        k = (rng.standard_normal((B, H, T, D)) * outlier).astype(np.float16)
        v = rng.standard_normal((B, H, T, D)).astype(np.float16)
        q = rng.standard_normal((B, Hq, D)).astype(np.float16)
        d = os.path.join(args.work, f"case{i}")
        os.makedirs(d, exist_ok=True)
        for n, a in (("k", k), ("v", v), ("q", q)):
            np.save(os.path.join(d, n + ".npy"), a)
        with open(os.path.join(d, "main.mlir"), "w") as f:
            f.write(cpu_module(c, lay["total_bytes"]))
        subprocess.run([args.kvq_run, os.path.join(d, "main.mlir")] +
                       [f"--input={os.path.join(d, n + '.npy')}" for n in "kvq"] +
                       [f"--output={os.path.join(d, 'out.npy')}",
                        f"--output={os.path.join(d, 'storage.npy')}"], check=True,
                       stdout=subprocess.DEVNULL)
        out = np.load(os.path.join(d, "out.npy")).astype(np.float64)
        buf = np.load(os.path.join(d, "storage.npy")).view(np.uint8)
        if buf.size != lay["total_bytes"]:
            fails.append(f"{name}: storage {buf.size} bytes, layout {lay['total_bytes']}")
            continue
        if fmt.length(buf) != T:
            fails.append(f"{name}: header {fmt.length(buf)} != {T}")
        Kd, Vd = fmt.dequantize(buf, lay)
        for which, x, xd, s in (("keys", k, Kd, c["keys"]), ("values", v, Vd, c["values"])):
            Q = fmt.quantized_tokens(s, T)
            if not np.array_equal(xd[:, :, Q:], x[:, :, Q:].astype(np.float32)):
                fails.append(f"{name}: {which} window tokens differ from the input")
            e = err_steps(x, xd, s, T)
            if e > 0.75:
                fails.append(f"{name}: {which} quantized tokens {e:.3f} steps off")
        ref = attention(q, Kd, Vd)
        rel = float(np.abs(out - ref).max() / np.abs(ref).max())
        if rel > 1e-3:
            fails.append(f"{name}: attention over the read K/V differs from "
                         f"kvq-run's by {rel:.2e}")
        print(f"case{i}: Q(keys)={fmt.quantized_tokens(c['keys'], T)} "
              f"Q(values)={fmt.quantized_tokens(c['values'], T)} "
              f"needed={fmt.needed_bytes(lay, T)} of {lay['total_bytes']} "
              f"attention rel {rel:.1e}")
    for f in fails:
        print("FAIL:", f)
    print(f"peers storage reader: {len(CASES)} cache types, "
          f"{'FAILED' if fails else 'ok'}")
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
