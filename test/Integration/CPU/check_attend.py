#!/usr/bin/env python3
"""kvq.attend on the CPU against float64 attention over the K/V that the
cache's own bytes (kvq.storage) decode to, per docs/storage-format.md
(test/lib/kvq_reference.py: quantized tokens dequantized as code * s + z or
(code - m) * s, window tokens as stored; the query rotated in float64 when
the keys are).

Requirement: max|out - ref| / max|ref| <= 1e-5 (f32 caches); f16 caches also
allow the f16 rounding of the output. A sequence with no token to attend to
(empty cache, lengths[b] <= 0) must give exact zeros.

Configurations (one module per group of them, to amortise JIT compilation):
  * all 25 (key bits, value bits) pairs of {2,3,4,8,16}, each with a
    head_dim / GQA ratio / window / rotation / granularity / symmetric /
    scale type chosen by a covering design, so that every value of every
    factor occurs with several pairs;
  * the full product head_dim {64,128} x ratio {1,4,8} x window {0,32,128}
    x rotation {off,on} for K4/V2;
  * ragged batches (batch 3, `lengths` with 0, negative, partial and
    beyond-the-cache entries), an empty cache, explicit `scale`, f16 caches.
"""

import itertools

import numpy as np

from kvq_test_util import Failures, run_main, parse_args, ref

S = ref.Scheme
PC, PT = "per_channel", "per_token"
BITS = [2, 3, 4, 8, 16]
TOL = 1e-5


class Config:
    def __init__(self, name, cache, ratio, T, lengths=None, scale=None):
        self.name, self.cache, self.ratio, self.T = name, cache, ratio, T
        self.lengths, self.scale = lengths, scale

    def label(self):
        c = self.cache
        s = "%s [B%d H%d D%d r%d T%d %s K=%s V=%s" % (self.name, c.B, c.H, c.D, self.ratio, self.T, c.E,
                                                   c.keys.short(), c.values.short())
        if self.lengths is not None:
            s += " lengths=%s" % list(self.lengths)
        if self.scale is not None:
            s += " scale=%g" % self.scale
        return s + "]"


def key_scheme(bits, window, rot, sym, st, group=32):
    if bits == 16:
        return S()
    return S(bits, group, PC, symmetric=sym, scale_type=st, rotation="hadamard" if rot else "none", window=window)


def value_scheme(bits, window, sym, st, group=32):
    if bits == 16:
        return S()
    return S(bits, group, PT, symmetric=sym, scale_type=st, window=window)


def capacity_for(T, cache_schemes):
    need = max([T] + [s.window + s.token_group for s in cache_schemes if s.quantized])
    return -(-need // 64) * 64


def make_configs(rng):
    configs = []
    D_VALUES, RATIOS, WINDOWS, STS = [64, 128], [1, 4, 8], [0, 32, 128], ["f16", "bf16", "f32"]
    # Covering design over the 25 bit pairs: pair p gets D = p % 2,
    # ratio = p % 3, window = (p // 3) % 3 (with a different shift for
    # values), rotation = (p // 2) % 2, symmetric and scale types cycling.
    for p, (kb, vb) in enumerate(itertools.product(BITS, BITS)):
        D = D_VALUES[p % 2]
        ratio = RATIOS[p % 3]
        kw = WINDOWS[(p // 3) % 3]
        vw = WINDOWS[(p // 2 + 1) % 3]
        rot = kb != 16 and (p // 2) % 2 == 1
        kg = 64 if (p // 5) % 2 and kw % 64 == 0 else 32
        ks = key_scheme(kb, kw, rot, sym=(p % 4 == 3), st=STS[p % 3], group=kg)
        vs = value_scheme(vb, vw, sym=(p % 5 == 2), st=STS[(p + 1) % 3], group=[32, 16, 64][p % 3])
        T = int(rng.integers(170, 420))
        cache = ref.Cache(1, 2, capacity_for(T, [ks, vs]), D, "f32", ks, vs)
        configs.append(Config("K%dV%d" % (kb, vb), cache, ratio, T))
    # Full product for K4/V2.
    for D, ratio, w, rot in itertools.product(D_VALUES, RATIOS, WINDOWS, [False, True]):
        ks = key_scheme(4, w, rot, sym=False, st="f16")
        vs = value_scheme(2, w, sym=False, st="f16")
        T = int(rng.integers(w + 40, w + 300))
        cache = ref.Cache(1, 2, capacity_for(T, [ks, vs]), D, "f32", ks, vs)
        configs.append(Config("K4V2 product", cache, ratio, T))
    # Ragged batches with lengths, explicit scale.
    ks, vs = key_scheme(4, 32, True, False, "f16"), value_scheme(2, 32, False, "f16")
    configs.append(Config("ragged", ref.Cache(3, 2, 320, 64, "f32", ks, vs), 4, 300,
                          lengths=[300, 117, 0]))
    configs.append(Config("ragged", ref.Cache(3, 1, 256, 128, "f32", key_scheme(3, 0, False, True, "bf16"),
                                              value_scheme(8, 128, False, "f32")), 8, 250,
                          lengths=[1000, -3, 161], scale=0.05))
    configs.append(Config("ragged", ref.Cache(2, 2, 192, 64, "f32", S(), value_scheme(4, 0, True, "f16")), 1, 180,
                          lengths=[33, 1], scale=0.3))
    # Empty cache: zero tokens, output zeros.
    configs.append(Config("empty", ref.Cache(1, 2, 128, 64, "f32", ks, vs), 4, 0))
    configs.append(Config("empty", ref.Cache(2, 2, 128, 64, "f32", key_scheme(2, 32, False, False, "f16"),
                                             value_scheme(16, 0, False, "f16")), 1, 0, lengths=[5, 0]))
    # f16 caches (output rounded to f16).
    configs.append(Config("f16", ref.Cache(1, 2, 384, 128, "f16", key_scheme(4, 32, True, False, "f16"),
                                           value_scheme(2, 32, False, "f16")), 4, 350))
    configs.append(Config("f16", ref.Cache(2, 2, 256, 64, "f16", key_scheme(8, 128, False, True, "bf16"),
                                           S()), 8, 240, lengths=[240, 100]))
    return configs


def coverage(configs):
    seen = {}
    for c in configs:
        if c.name.startswith("K4V2 product"):
            continue
        ks, vs = c.cache.keys, c.cache.values
        facts = {"D": c.cache.D, "ratio": c.ratio, "rot": ks.rotation,
                 "kwin": ks.window if ks.quantized else None, "vwin": vs.window if vs.quantized else None}
        for k, v in facts.items():
            if v is not None:
                seen.setdefault(k, {}).setdefault(v, 0)
                seen[k][v] += 1
    return seen


def make_inputs(rng, c):
    cache = c.cache
    B, H, D = cache.B, cache.H, cache.D
    shape = (B, H, c.T, D)
    k = rng.standard_normal(shape) * rng.uniform(0.3, 2.5, size=(1, H, 1, D))
    k += rng.standard_normal((1, H, 1, D))  # per-channel offsets
    k[:, :, :, rng.integers(D)] *= 6  # an outlier channel
    v = rng.standard_normal(shape) * rng.uniform(0.5, 1.5, size=(1, H, c.T, 1))
    q = rng.standard_normal((B, H * c.ratio, D)) * 1.5
    dt = np.float16 if cache.E == "f16" else np.float32
    return k.astype(dt), v.astype(dt), q.astype(dt)


def build(configs):
    aliases, args, body, rets = [], [], [], []
    for i, c in enumerate(configs):
        cache = c.cache
        aliases.append("!cache%d = %s\n" % (i, cache.mlir()))
        tq = ref.mlir_tensor((cache.B, cache.H * c.ratio, cache.D), cache.E)
        N = ref.layout(cache)["size"]
        tb = "tensor<%dxi8>" % N
        body.append("  %%c%d = kvq.cache_create : !cache%d\n" % (i, i))
        if c.T:
            tt = cache.tensor(c.T)
            args += ["%%k%d: %s" % (i, tt), "%%v%d: %s" % (i, tt)]
            body.append("  kvq.append %%k%d, %%v%d into %%c%d : %s, %s into !cache%d\n" % (i, i, i, tt, tt, i))
        args.append("%%q%d: %s" % (i, tq))
        opt = ""
        if c.lengths is not None:
            tl = "tensor<%dxi32>" % cache.B
            args.append("%%len%d: %s" % (i, tl))
            opt += " lengths(%%len%d : %s)" % (i, tl)
        if c.scale is not None:
            opt += " scale %r" % float(np.float32(c.scale))
        body.append("  %%o%d = kvq.attend %%q%d, %%c%d%s : %s, !cache%d -> %s\n" % (i, i, i, opt, tq, i, tq))
        body.append("  %%s%d = kvq.storage %%c%d : !cache%d -> %s\n" % (i, i, i, tb))
        rets += [("%%o%d" % i, tq), ("%%s%d" % i, tb)]
    text = "".join(aliases) + "func.func @main(%s) -> (%s) {\n%s  return %s : %s\n}\n" % (
        ", ".join(args), ", ".join(t for _, t in rets), "".join(body),
        ", ".join(v for v, _ in rets), ", ".join(t for _, t in rets))
    return text, len(rets)


def check(fails, c, k, v, q, out, storage):
    cache = c.cache
    dec = ref.decode_storage(cache, storage.view(np.uint8))
    label = c.label()
    if not fails.check(dec["L"] == c.T, "%s: storage header says %d tokens, %d appended" % (label, dec["L"], c.T)):
        return None
    # The decoded window tokens must be the appended ones (rotated keys are
    # f32 FWHT outputs rounded to E): a check of the decoder and the window.
    kk = ref.prepare_keys(cache, k.astype(np.float32)).reshape(cache.B * cache.H, c.T, cache.D)
    vv = v.astype(np.float32).reshape(cache.B * cache.H, c.T, cache.D)
    for name, x in (("keys", kk), ("values", vv)):
        t = dec[name]
        sch = getattr(cache, name)
        lo = t["Q"] if sch.quantized else 0
        exp = ref.round_to_type(x[:, lo:], cache.E if sch.quantized else ("bf16" if cache.E == "bf16" else "f16"))
        fails.check(np.array_equal(t["deq"][:, lo:], exp.astype(np.float64)),
                    "%s: decoded %s tokens [%d, %d) differ from the appended ones" % (label, name, lo, c.T))
    lengths = None if c.lengths is None else np.asarray(c.lengths)
    r = ref.attention_f64(cache, q.astype(np.float64), dec, lengths, c.scale)
    o = out.astype(np.float64)
    if not np.isfinite(o).all():
        fails.check(False, "%s: non-finite output" % label)
        return None
    # Sequences with nothing to attend to: exact zeros.
    for b in range(cache.B):
        n = c.T if lengths is None else max(0, min(c.T, int(lengths[b])))
        if n == 0:
            fails.check(not o[b].any(), "%s: sequence %d attends to no token but its output is not zero (max %g)"
                        % (label, b, np.abs(o[b]).max()))
    m = np.abs(r).max()
    if m == 0:
        fails.check(not o.any(), "%s: output should be all zeros" % label)
        return 0.0
    err = np.abs(o - r)
    allowed = TOL * m
    if cache.E == "f16":
        allowed = allowed + np.abs(r) * 2.0 ** -11  # the f16 rounding of the output
    rel = err.max() / m
    bad = err > allowed
    if not fails.check(not bad.any(), lambda: "%s: relative error %.3g (max|out-ref| %.3g, max|ref| %.3g) above %g" % (
            label, rel, err.max(), m, TOL)):
        return None
    return rel


def main():
    args = parse_args(__doc__)
    fails = Failures("check_attend", args.max_report)
    rng = np.random.default_rng(args.seed)
    configs = make_configs(rng)
    data = [make_inputs(rng, c) for c in configs]
    worst = worst16 = 0.0
    per_module = 24
    for n, start in enumerate(range(0, len(configs), per_module)):
        chunk = list(range(start, min(start + per_module, len(configs))))
        text, nout = build([configs[i] for i in chunk])
        inputs = []
        for i in chunk:
            k, v, q = data[i]
            if configs[i].T:
                inputs += [k, v]
            inputs.append(q)
            if configs[i].lengths is not None:
                inputs.append(np.asarray(configs[i].lengths, dtype=np.int32))
        outs = ref.run_module(args.kvq_run, args.work, "attend%d" % n, text, inputs, nout)
        for j, i in enumerate(chunk):
            rel = check(fails, configs[i], *data[i], outs[2 * j], outs[2 * j + 1])
            if rel is not None:
                if configs[i].cache.E == "f32":
                    worst = max(worst, rel)
                else:
                    worst16 = max(worst16, rel)
    cov = coverage(configs)
    cov_s = "; ".join("%s %s" % (k, dict(sorted(v.items(), key=str))) for k, v in cov.items())
    fails.finish("%d configurations (25 bit pairs, 36 K4V2 products, %d others), worst relative error %.2g "
                 "(f32 caches), %.2g (f16 caches, output rounded to f16); factor coverage outside the K4V2 "
                 "product: %s" % (len(configs), len(configs) - 61, worst, worst16, cov_s))


if __name__ == "__main__":
    run_main("check_attend", main)
