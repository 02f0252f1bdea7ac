#!/usr/bin/env python3
"""kvq.append on the CPU: prefill == token-by-token == mixed schedules, bit for
bit, and the buffer (kvq.storage) equals the one test/lib/kvq_reference.py
builds from docs/storage-format.md.

Every configuration appends T tokens (up to 4000, crossing many groups) to
three caches of the same type:
  * one-shot: one kvq.append of all T tokens;
  * step: an scf.for appending one token at a time;
  * mixed: a prefill of P tokens, then chunks of 7 tokens, then single tokens.
The three kvq.storage byte arrays must be identical, and equal to the
reference buffer: the header length, the codes/scales/zero points of every
quantized group, the window ring (every token written to slot
t mod (window + Gt), a slot holding the latest token written to it) and
zero bytes everywhere else (cache_create's buffer is zeroed).
"""

import numpy as np

from kvq_test_util import Failures, run_main, parse_args, ref

S = ref.Scheme
PC, PT = "per_channel", "per_token"

# (name, cache, T, prefill P)
CONFIGS = [
    ("K4/V2 w0", ref.Cache(1, 2, 2048, 64, "f32", S(4, 32, PC), S(2, 32, PT)), 2000, 45),
    ("K4rot/V2 w32", ref.Cache(1, 2, 3072, 64, "f32", S(4, 32, PC, rotation="hadamard", window=32),
                               S(2, 32, PT, window=32)), 3001, 100),
    ("K2g64/V4sym w128", ref.Cache(1, 2, 2560, 64, "f32", S(2, 64, PC, window=128),
                                   S(4, 16, PT, symmetric=True, window=128)), 2500, 129),
    ("K8rot sym bf16s/V8 f32s", ref.Cache(1, 2, 1536, 64, "f32",
                                          S(8, 32, PC, symmetric=True, scale_type="bf16", rotation="hadamard", window=128),
                                          S(8, 64, PT, scale_type="f32", window=32)), 1500, 31),
    ("K3 f32s/V3 bf16s", ref.Cache(1, 2, 4000, 64, "f32", S(3, 32, PC, scale_type="f32", window=32),
                                   S(3, 32, PT, scale_type="bf16")), 4000, 64),
    ("K16/V4 w128", ref.Cache(1, 2, 768, 64, "f32", S(), S(4, 32, PT, window=128)), 700, 1),
    ("K4rot w32/V16 f16 D128", ref.Cache(1, 2, 832, 128, "f16", S(4, 32, PC, rotation="hadamard", window=32), S()),
     800, 77),
    ("K4pt rot/V2pc B2", ref.Cache(2, 2, 1024, 64, "f32", S(4, 32, PT, rotation="hadamard", window=32),
                                   S(2, 32, PC, window=32)), 1000, 50),
    ("K2sym/V3g16 B2", ref.Cache(2, 1, 1280, 64, "f32", S(2, 32, PC, symmetric=True, window=32),
                                 S(3, 16, PT)), 1200, 33),
    ("K8g8 w128/V2g64 w128", ref.Cache(1, 2, 1024, 64, "f32", S(8, 8, PC, window=128),
                                       S(2, 64, PT, window=128)), 1000, 5),
    ("K4rot D128/V4 w32", ref.Cache(1, 2, 1024, 128, "f32", S(4, 32, PC, rotation="hadamard", window=32),
                                    S(4, 32, PT, window=32)), 1000, 10),
    ("K3g64 w64/V8sym f16", ref.Cache(1, 2, 1024, 64, "f16", S(3, 64, PC, window=64),
                                      S(8, 32, PT, symmetric=True, window=32)), 1000, 65),
    ("K4 w32/V16 bf16", ref.Cache(1, 2, 640, 64, "bf16", S(4, 32, PC, scale_type="bf16", window=32), S()), 600, 40),
]

CHUNK = 7


def token_slice(res, src, off, tt, ts):
    """%res = tokens [off, off + n) of src, read by a linalg.generic with
    tensor.extract. tensor.extract_slice at a dynamic offset would be the
    natural spelling, but kvq-lower-to-cpu runs lower-affine before
    expand-strided-metadata, so the affine.apply of a dynamic subview offset
    survives to LLVM translation ("LLVM Translation failed for operation:
    builtin.unrealized_conversion_cast"); append-dynamic-slice.mlir checks
    that spelling on its own."""
    el = tt.rsplit("x", 1)[1].rstrip(">")
    return """    {res}_e = tensor.empty() : {ts}
    {res} = linalg.generic {{indexing_maps = [affine_map<(b, h, t, d) -> (b, h, t, d)>],
        iterator_types = ["parallel", "parallel", "parallel", "parallel"]}} outs({res}_e : {ts}) {{
    ^bb0(%out: {el}):
      %b = linalg.index 0 : index
      %h = linalg.index 1 : index
      %t0 = linalg.index 2 : index
      %d = linalg.index 3 : index
      %t = arith.addi %t0, {off} : index
      %x = tensor.extract {src}[%b, %h, %t, %d] : {tt}
      linalg.yield %x : {el}
    }} -> {ts}
""".format(res=res, ts=ts, tt=tt, el=el, off=off, src=src)


def bitcast_4d(res, src, t_from, t_to):
    f = t_from.rsplit("x", 1)[1].rstrip(">")
    t = t_to.rsplit("x", 1)[1].rstrip(">")
    return """  {res}_e = tensor.empty() : {tt}
  {res} = linalg.generic {{indexing_maps = [affine_map<(b, h, t, d) -> (b, h, t, d)>, affine_map<(b, h, t, d) -> (b, h, t, d)>],
      iterator_types = ["parallel", "parallel", "parallel", "parallel"]}} ins({src} : {tf}) outs({res}_e : {tt}) {{
  ^bb0(%a: {f}, %o: {t}):
    %r = arith.bitcast %a : {f} to {t}
    linalg.yield %r : {t}
  }} -> {tt}
""".format(res=res, src=src, tf=t_from, tt=t_to, f=f, t=t)


def build(configs):
    aliases, args, body, rets = [], [], [], []
    body.append("  %c0 = arith.constant 0 : index\n  %c1 = arith.constant 1 : index\n"
                "  %c7 = arith.constant 7 : index\n")
    for i, (_, cache, T, P) in enumerate(configs):
        B, H, D = cache.B, cache.H, cache.D
        aliases.append("!cache%d = %s\n" % (i, cache.mlir()))
        tt = cache.tensor(T)
        if cache.E == "bf16":
            ti = tt.replace("bf16", "i16")
            args += ["%%k%d_bits: %s" % (i, ti), "%%v%d_bits: %s" % (i, ti)]
            for n in ("k", "v"):
                body.append(bitcast_4d("%%%s%d" % (n, i), "%%%s%d_bits" % (n, i), ti, tt))
        else:
            args += ["%%k%d: %s" % (i, tt), "%%v%d: %s" % (i, tt)]
        N = ref.layout(cache)["size"]
        tb = "tensor<%dxi8>" % N
        t1, tc, tp = cache.tensor(1), cache.tensor(CHUNK), cache.tensor(P)
        nc = (T - P) // CHUNK
        rest = P + nc * CHUNK
        k, v = "%%k%d" % i, "%%v%d" % i
        step = token_slice("%ks", k, "%i", tt, t1) + token_slice("%vs", v, "%i", tt, t1)
        chunk = token_slice("%kc", k, "%o", tt, tc) + token_slice("%vc", v, "%o", tt, tc)
        body.append("""  // config {i}
  %one{i} = kvq.cache_create : !cache{i}
  kvq.append %k{i}, %v{i} into %one{i} : {tt}, {tt} into !cache{i}
  %s_one{i} = kvq.storage %one{i} : !cache{i} -> {tb}
  %step{i} = kvq.cache_create : !cache{i}
  %T{i} = arith.constant {T} : index
  scf.for %i = %c0 to %T{i} step %c1 {{
{step}    kvq.append %ks, %vs into %step{i} : {t1}, {t1} into !cache{i}
  }}
  %s_step{i} = kvq.storage %step{i} : !cache{i} -> {tb}
  %mix{i} = kvq.cache_create : !cache{i}
  %kp{i} = tensor.extract_slice %k{i}[0, 0, 0, 0] [{B}, {H}, {P}, {D}] [1, 1, 1, 1] : {tt} to {tp}
  %vp{i} = tensor.extract_slice %v{i}[0, 0, 0, 0] [{B}, {H}, {P}, {D}] [1, 1, 1, 1] : {tt} to {tp}
  kvq.append %kp{i}, %vp{i} into %mix{i} : {tp}, {tp} into !cache{i}
  %P{i} = arith.constant {P} : index
  %nc{i} = arith.constant {nc} : index
  scf.for %j = %c0 to %nc{i} step %c1 {{
    %j7 = arith.muli %j, %c7 : index
    %o = arith.addi %j7, %P{i} : index
{chunk}    kvq.append %kc, %vc into %mix{i} : {tc}, {tc} into !cache{i}
  }}
  %R{i} = arith.constant {rest} : index
  scf.for %i = %R{i} to %T{i} step %c1 {{
{step}    kvq.append %ks, %vs into %mix{i} : {t1}, {t1} into !cache{i}
  }}
  %s_mix{i} = kvq.storage %mix{i} : !cache{i} -> {tb}
""".format(i=i, tt=tt, tb=tb, T=T, P=P, nc=nc, rest=rest, t1=t1, tc=tc, tp=tp,
           B=B, H=H, D=D, step=step, chunk=chunk))
        rets += [("%%s_one%d" % i, tb), ("%%s_step%d" % i, tb), ("%%s_mix%d" % i, tb)]
    text = "".join(aliases) + "func.func @main(%s) -> (%s) {\n%s  return %s : %s\n}\n" % (
        ", ".join(args), ", ".join(t for _, t in rets), "".join(body),
        ", ".join(v for v, _ in rets), ", ".join(t for _, t in rets))
    return text, len(rets)


def make_tokens(rng, cache, T):
    shape = (cache.B, cache.H, T, cache.D)
    x = rng.standard_normal(shape) * rng.uniform(0.5, 3, size=(1, cache.H, 1, cache.D))
    x += rng.standard_normal((1, cache.H, 1, cache.D)) * 2  # channel offsets (keys)
    # A few outlier tokens and channels, and exact zeros.
    x[:, :, rng.integers(T, size=T // 100 + 1), :] *= 20
    x[:, :, :, rng.integers(cache.D)] *= 10
    x[:, :, rng.integers(T, size=5), :] = 0.0
    x = x.astype(np.float32)
    if cache.E == "f16":
        return x.astype(np.float16)
    if cache.E == "bf16":
        return ref.round_to_type(x, "bf16")  # float32 holding bf16 values
    return x


def segment_of(cache, byte):
    lay = ref.layout(cache)
    if byte < 64:
        return "header"
    best = None
    for name in ("keys", "values"):
        for seg, (off, shape, es) in lay[name].items():
            if off <= byte < off + int(np.prod(shape)) * es:
                idx = np.unravel_index((byte - off) // es, shape)
                best = "%s.%s[%s]" % (name, seg, ", ".join(str(int(v)) for v in idx))
    return best or "padding"


def describe_diff(cache, got, exp):
    d = np.flatnonzero(got != exp)
    segs = {}
    for b in d:
        s = segment_of(cache, int(b)).split("[")[0]
        segs[s] = segs.get(s, 0) + 1
    b = int(d[0])
    return "%d bytes differ (%s); first at byte %d = %s: kvq %d, reference %d" % (
        len(d), ", ".join("%s: %d" % kv for kv in segs.items()), b, segment_of(cache, b), got[b], exp[b])


def main():
    args = parse_args(__doc__)
    fails = Failures("check_append", args.max_report)
    rng = np.random.default_rng(args.seed)
    data = [(make_tokens(rng, c, T), make_tokens(rng, c, T)) for _, c, T, _ in CONFIGS]
    text, nout = build(CONFIGS)
    inputs = []
    for (_, c, _, _), (k, v) in zip(CONFIGS, data):
        for a in (k, v):
            inputs.append(ref.to_bf16_bits(a, saturate=False).view(np.int16) if c.E == "bf16" else a)
    outs = ref.run_module(args.kvq_run, args.work, "append", text, inputs, nout)
    tokens = 0
    for i, (name, cache, T, P) in enumerate(CONFIGS):
        one, step, mix = (o.view(np.uint8) for o in outs[3 * i: 3 * i + 3])
        label = "%s (%s, T=%d)" % (name, cache.mlir(), T)
        fails.check(np.array_equal(one, step), lambda: "%s: one-shot vs token-by-token storage: %s" % (
            label, describe_diff(cache, step, one)))
        fails.check(np.array_equal(one, mix), lambda: "%s: one-shot vs prefill+chunks+steps storage: %s" % (
            label, describe_diff(cache, mix, one)))
        k, v = data[i]
        exp = ref.expected_storage(cache, k.astype(np.float32), v.astype(np.float32))
        fails.check(np.array_equal(one, exp), lambda: "%s: storage vs reference: %s" % (
            label, describe_diff(cache, one, exp)))
        # Decoded view: header length and Q(L) consistent with the layout.
        dec = ref.decode_storage(cache, one)
        fails.check(dec["L"] == T, "%s: header length %d, expected %d" % (label, dec["L"], T))
        tokens += T
    fails.finish("%d cache configurations x 3 append schedules, %d tokens each way" % (len(CONFIGS), tokens))


if __name__ == "__main__":
    run_main("check_append", main)
