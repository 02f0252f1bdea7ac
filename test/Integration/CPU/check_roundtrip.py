#!/usr/bin/env python3
"""kvq.quantize / kvq.dequantize / kvq.pack / kvq.unpack on the CPU against the
float32 emulation of docs/storage-format.md (test/lib/kvq_reference.py).

For every bits {2,3,4,8} x group {8,32,64} x granularity {per_channel,
per_token} x symmetric {false,true} x scale type {f16,bf16,f32} (f32 input
tiles), plus f16 and bf16 input tiles, on random data that includes constant
groups, outliers, +0/-0, +-65504, tiny values, scale and zero-point rounding
ties, code rounding ties and (f32 input) groups whose step overflows f16:

  * codes, scales and zero points are bit-identical to the emulation;
  * kvq.dequantize (f32 and f16 results) is bit-identical to the emulated
    code * s + z (two rounded f32 operations) / (code - m) * s;
  * the round-trip error of every element is within the bound derived below;
  * kvq.pack / kvq.unpack match the packer for bits 2, 3, 4, 8 and row lengths
    that are not a multiple of the codes per word;
  * NaN inputs (kvq-run --allow-nonfinite) follow the documented rule.
"""

import itertools

import numpy as np

from kvq_test_util import Failures, run_main, bitcast_2d, parse_args, ref

F32 = np.float32
STRICT_SIGNED_ZERO = False
NOTES = {"signed_zero": 0}
BITS = [2, 3, 4, 8]
GROUPS = [8, 32, 64]
GRANS = ["per_channel", "per_token"]
SCALE_TYPES = ["f16", "bf16", "f32"]

# Half an ulp of 1.0 in each scale type: 1 + TIE is a round-to-even tie.
TIE = {"f16": 2.0 ** -11, "bf16": 2.0 ** -8, "f32": 2.0 ** -24}


def tile_shape(sch):
    return (128, 32) if sch.granularity == "per_channel" else (32, 128)


def to_groups(X, sch):
    T, C = X.shape
    g = sch.group
    if sch.granularity == "per_channel":
        return X.reshape(T // g, g, C).transpose(0, 2, 1).reshape(-1, g).copy()
    return X.reshape(-1, g).copy()


def from_groups(Gs, sch, shape):
    T, C = shape
    g = sch.group
    if sch.granularity == "per_channel":
        return Gs.reshape(T // g, C, g).transpose(0, 2, 1).reshape(T, C).copy()
    return Gs.reshape(T, C).copy()


def make_tile(rng, sch, E):
    """A random tile whose first groups hold the special cases."""
    shape = tile_shape(sch)
    Gs = rng.standard_normal((shape[0] * shape[1] // sch.group, sch.group))
    Gs *= 10.0 ** rng.uniform(-2, 2, size=(Gs.shape[0], 1))
    Gs += rng.standard_normal((Gs.shape[0], 1)) * 3
    n = sch.group
    qmax = 2 ** sch.bits - 1
    m1 = 2 ** (sch.bits - 1) - 1
    tie = TIE[sch.scale_type]
    specials = []
    specials.append(np.full(n, rng.standard_normal() * 7))  # constant
    specials.append(np.full(n, 0.0))  # +0
    specials.append(np.full(n, -0.0))  # -0
    specials.append(np.where(rng.random(n) < 0.5, 0.0, -0.0))  # +-0 mixed
    z = np.abs(rng.standard_normal(n)); z[0] = -0.0; z[1] = 0.0
    specials.append(z)  # -0 is the minimum
    o = rng.standard_normal(n); o[rng.integers(n)] = 1000.0
    specials.append(o)  # outlier
    o = rng.standard_normal(n); o[rng.integers(n)] = -3000.0
    specials.append(o)  # negative outlier
    e = rng.standard_normal(n) * 100; e[0] = 65504.0; e[-1] = -65504.0
    specials.append(e)  # fp16 extremes
    e = rng.random(n); e[n // 2] = 65504.0
    specials.append(e)
    e = -rng.random(n); e[1] = -65504.0
    specials.append(e)
    e = np.full(n, 65504.0); e[0] = -65504.0
    specials.append(e)
    specials.append(rng.standard_normal(n) * 1e-6)  # subnormal f16 scales
    specials.append(rng.standard_normal(n) * 1e-30)  # underflowing scales
    specials.append(-np.abs(rng.standard_normal(n)) - 5)  # all negative
    specials.append(np.abs(rng.standard_normal(n)) + 5)  # all positive
    # Scale ties (even and odd neighbours), zero-point ties.
    for k in (1, 3):
        s = 1 + k * tie
        t = rng.random(n) * qmax * s
        t[0] = 0.0; t[-1] = qmax * s
        if sch.symmetric:
            t = (rng.random(n) * 2 - 1) * m1 * s
            t[0] = m1 * s
        specials.append(t)
        t = (1 + k * tie) + rng.random(n)
        t[0] = 1 + k * tie
        specials.append(t)
    # Code ties: integer steps with values at k + 1/2.
    t = rng.integers(0, qmax, size=n) + 0.5
    t[0] = 0.0; t[-1] = float(qmax)
    if sch.symmetric:
        t = rng.integers(-m1, m1, size=n) + 0.5
        t[0] = float(m1)
    specials.append(t)
    if E == "f32":
        e = rng.standard_normal(n) * 1e5; e[0] = 1e6; e[1] = -1e6
        specials.append(e)  # step overflows f16: saturated scale/zero
        e = rng.standard_normal(n) * 1e-38
        specials.append(e)  # f32 subnormals
    for i, s in enumerate(specials):
        Gs[i] = s
    X = from_groups(Gs, sch, shape).astype(np.float32)
    # Make the values representable in E (the quantizer sees E extended to f32).
    if E != "f32":
        X = ref.round_to_type(X, E)
        X = np.where(np.isinf(X), np.copysign(65504.0, X), X).astype(np.float32)
    return X


class Config:
    def __init__(self, idx, sch, E, f16_out):
        self.idx, self.sch, self.E, self.f16_out = idx, sch, E, f16_out
        self.shape = tile_shape(sch)
        T, C = self.shape
        g = sch.group
        self.pshape = (T // g, C) if sch.granularity == "per_channel" else (T, C // g)

    def name(self):
        return "E=%s %s" % (self.E, self.sch.short())


def build_module(configs):
    args, body, rets = [], [], []
    for c in configs:
        i = c.idx
        T, C = c.shape
        st = c.sch.scale_type
        tx = ref.mlir_tensor(c.shape, c.E)
        if c.E == "bf16":
            args.append("%%xb%d: %s" % (i, ref.mlir_tensor(c.shape, "i16")))
            body.append(bitcast_2d("x%d" % i, "xb%d" % i, c.shape, "i16", "bf16"))
        else:
            args.append("%%x%d: %s" % (i, tx))
        tc = ref.mlir_tensor(c.shape, "i8")
        tp = ref.mlir_tensor(c.pshape, st)
        sch = c.sch.mlir()
        if c.sch.symmetric:
            body.append("  %%c%d, %%s%d = kvq.quantize %%x%d {scheme = %s} : %s -> %s, %s\n"
                        % (i, i, i, sch, tx, tc, tp))
            dq_ops, dq_types = "%%c%d, %%s%d" % (i, i), "%s, %s" % (tc, tp)
        else:
            body.append("  %%c%d, %%s%d, %%z%d = kvq.quantize %%x%d {scheme = %s} : %s -> %s, %s, %s\n"
                        % (i, i, i, i, sch, tx, tc, tp, tp))
            dq_ops, dq_types = "%%c%d, %%s%d, %%z%d" % (i, i, i), "%s, %s, %s" % (tc, tp, tp)
        body.append("  %%y%d = kvq.dequantize %s {scheme = %s} : %s -> %s\n"
                    % (i, dq_ops, sch, dq_types, ref.mlir_tensor(c.shape, "f32")))
        rets.append(("%%c%d" % i, tc))
        outs = ["s"] + ([] if c.sch.symmetric else ["z"])
        for o in outs:
            if st == "bf16":
                body.append(bitcast_2d("%sb%d" % (o, i), "%s%d" % (o, i), c.pshape, "bf16", "i16"))
                rets.append(("%%%sb%d" % (o, i), ref.mlir_tensor(c.pshape, "i16")))
            else:
                rets.append(("%%%s%d" % (o, i), tp))
        rets.append(("%%y%d" % i, ref.mlir_tensor(c.shape, "f32")))
        if c.f16_out:
            body.append("  %%h%d = kvq.dequantize %s {scheme = %s} : %s -> %s\n"
                        % (i, dq_ops, sch, dq_types, ref.mlir_tensor(c.shape, "f16")))
            rets.append(("%%h%d" % i, ref.mlir_tensor(c.shape, "f16")))
    text = "func.func @main(%s) -> (%s) {\n%s  return %s : %s\n}\n" % (
        ", ".join(args), ", ".join(t for _, t in rets), "".join(body),
        ", ".join(v for v, _ in rets), ", ".join(t for _, t in rets))
    return text, len(rets)


def as_bits(a, ty):
    a = np.asarray(a)
    return a.view(np.uint32) if ty == "f32" else a.view(np.uint16)


def first_diff(a, b):
    idx = np.argwhere(a != b)
    return tuple(int(v) for v in idx[0]), len(idx)


def check_config(fails, c, X, outs):
    sch = c.sch
    st = sch.scale_type
    it = iter(outs)
    codes = next(it).view(np.uint8)
    sbits = as_bits(next(it), st)
    zbits = None if sch.symmetric else as_bits(next(it), st)
    y = next(it)
    h = next(it) if c.f16_out else None
    ecodes, esb, ezb = ref.quantize_tile(X, sch)
    name = c.name()

    def diff_msg(what, got, exp):
        at, n = first_diff(got, exp)
        return "%s: %s differ from the emulation at %d element(s), first %s: kvq 0x%x, reference 0x%x" % (
            name, what, n, at, int(got[at]), int(exp[at]))

    fails.check(np.array_equal(sbits, esb), lambda: diff_msg("scales", sbits, esb))
    if zbits is not None:
        # docs/storage-format.md says z = to_scale_type(min(x)) but not which
        # of +0 and -0 min() returns when a group's minimum is zero and it
        # holds both (IEEE 754-2019 minimumNumber: -0; 2008 minNum and LLVM's
        # minnum: either). The reference returns -0; unless
        # --strict-signed-zero, the other zero is accepted for such groups and
        # counted (the dequantized values are identical either way).
        Gx = to_groups(X, sch)
        ambiguous = ((Gx.min(axis=1) == 0)
                     & ((Gx == 0) & np.signbit(Gx)).any(axis=1)
                     & ((Gx == 0) & ~np.signbit(Gx)).any(axis=1))
        ambiguous = ambiguous.reshape(zbits.shape)
        signbit = np.uint16(0x8000) if st != "f32" else np.uint32(0x80000000)
        zero_pair = ((zbits & ~signbit) == 0) & ((ezb & ~signbit) == 0)
        tolerated = (zbits != ezb) & ambiguous & zero_pair
        if not STRICT_SIGNED_ZERO:
            NOTES["signed_zero"] += int(tolerated.sum())
            zcmp = np.where(tolerated, ezb, zbits)
        else:
            zcmp = zbits
        fails.check(np.array_equal(zcmp, ezb), lambda: diff_msg("zero points", zcmp, ezb))
    fails.check(np.array_equal(codes, ecodes), lambda: diff_msg("codes", codes, ecodes))
    # Dequantization of kvq's own codes/scales/zeros, emulated.
    ey = ref.dequantize_tile(codes, sbits, zbits, sch, "f32")
    fails.check(np.array_equal(y.view(np.uint32), ey.view(np.uint32)),
                lambda: diff_msg("f32 dequantized values (bits)", y.view(np.uint32), ey.view(np.uint32)))
    if h is not None:
        eh = ref.to_f16_bits(ey, saturate=False)
        fails.check(np.array_equal(h.view(np.uint16), eh),
                    lambda: diff_msg("f16 dequantized values (bits)", h.view(np.uint16), eh))

    # Round-trip bound, per element, from the stored scale s and zero z (as
    # f32) and the group's exact min/max (lo, hi) or max |x| (amax):
    #  asymmetric: an unclamped code is within 1/2 of (x - z)/s, so
    #    |x - y| <= s/2. A code clamped at qmax means x > z + qmax*s, and
    #    x <= hi, so the error is at most hi - (z + qmax*s) <=
    #    |(hi - lo) - qmax*s| + |lo - z|; clamped at 0 means x < z, x >= lo,
    #    error <= z - lo. s == 0 gives y = z, error <= (hi - lo) + |lo - z|.
    #    So |x - y| <= s/2 + |z - lo| + |qmax*s - (hi - lo)|: half a step plus
    #    the rounding of z and of s to the scale type (and its saturation).
    #  symmetric: |x - y| <= s/2 + |(m-1)*s - amax| likewise.
    #  Plus the f32 evaluation: (x - z) and the division are each rounded
    #  (<= 2^-23 |x - z| in the value of the code), code*s and + z are rounded
    #  (<= 2^-24 (|code*s| + |y|)); slack = 2^-22 (|x| + |z| + |c*s| + |y|).
    # The rounding terms are themselves checked to be at most half an ulp of
    # the scale type (or a saturation), so the bound is tight.
    x64 = X.astype(np.float64)
    y64 = y.astype(np.float64)
    s = ref.expand_params(ref.bits_to_f32(sbits, st), sch, *X.shape).astype(np.float64)
    Gx = to_groups(X.astype(np.float64), sch)
    if sch.symmetric:
        m1 = 2 ** (sch.bits - 1) - 1
        amax = np.abs(Gx).max(axis=1)
        amax_e = to_groups_expand(amax, sch, X.shape)
        rnd = np.abs(m1 * s - amax_e)
        zf = np.zeros_like(s)
        cs = np.abs(y64)
        exact_s = amax / m1
    else:
        qmax = 2 ** sch.bits - 1
        lo = Gx.min(axis=1)
        hi = Gx.max(axis=1)
        zf = ref.expand_params(ref.bits_to_f32(zbits, st), sch, *X.shape).astype(np.float64)
        lo_e = to_groups_expand(lo, sch, X.shape)
        hi_e = to_groups_expand(hi, sch, X.shape)
        rnd = np.abs(zf - lo_e) + np.abs(qmax * s - (hi_e - lo_e))
        cs = np.abs(y64 - zf)
        exact_s = (hi - lo) / qmax
    slack = 2.0 ** -22 * (np.abs(x64) + np.abs(zf) + cs + np.abs(y64))
    bound = s / 2 + rnd + slack
    err = np.abs(x64 - y64)
    bad = err > bound
    if not fails.check(not bad.any(), lambda: "%s: round-trip error above the bound at %d element(s)" % (name, bad.sum())):
        i = tuple(np.argwhere(bad)[0])
        fails.items[-1] += ", first %s: x=%r y=%r err=%g bound=%g (s=%g z=%g)" % (
            i, float(x64[i]), float(y64[i]), err[i], bound[i], s[i], zf[i])
    # The stored scale is the exact scale rounded to the scale type: within
    # half an ulp (relative 2^-11 for f16, 2^-8 for bf16), or saturated.
    sg = to_groups_first(ref.bits_to_f32(sbits, st).astype(np.float64), sch)
    rel = {"f16": 2.0 ** -11, "bf16": 2.0 ** -8, "f32": 2.0 ** -24}[st]
    sat = {"f16": 65504.0, "bf16": float(ref.bf16_bits_to_f32(np.array([ref.BF16_MAX_BITS], dtype=np.uint16))[0]), "f32": np.inf}[st]
    # Absolute slack for subnormal results (f16 subnormal spacing 2^-24).
    sub = {"f16": 2.0 ** -25, "bf16": 2.0 ** -134, "f32": 2.0 ** -150}[st]
    ok = (np.abs(sg - exact_s) <= rel * exact_s * (1 + 2.0 ** -20) + sub + 2.0 ** -24 * exact_s) | (sg == sat)
    fails.check(ok.all(), lambda: "%s: a stored scale is not the rounded exact scale (%d groups)" % (name, (~ok).sum()))


def to_groups_expand(v, sch, shape):
    """Per-group values (in to_groups order) -> per element [T, C]."""
    return from_groups(np.repeat(v[:, None], sch.group, axis=1), sch, shape)


def to_groups_first(P, sch):
    """Scale array in op layout -> per-group values in to_groups order."""
    if sch.granularity == "per_channel":
        return P.reshape(-1)  # [T/g, C] row-major == to_groups order
    return P.reshape(-1)  # [T, C/g]


# ---------------------------------------------------------------------------


def run_quantize(args, fails, rng):
    configs = []
    idx = 0
    for st in SCALE_TYPES:
        for bits, g, gran, sym in itertools.product(BITS, GROUPS, GRANS, [False, True]):
            sch = ref.Scheme(bits=bits, group=g, granularity=gran, symmetric=sym, scale_type=st)
            configs.append(Config(idx, sch, "f32", f16_out=(st != "f32" and g == 32)))
            idx += 1
    # f16 and bf16 input tiles.
    for E in ("f16", "bf16"):
        for bits, gran, sym in itertools.product(BITS, GRANS, [False, True]):
            st = SCALE_TYPES[(bits + sym) % 3]
            sch = ref.Scheme(bits=bits, group=32, granularity=gran, symmetric=sym, scale_type=st)
            configs.append(Config(idx, sch, E, f16_out=True))
            idx += 1
    tiles = {c.idx: make_tile(rng, c.sch, c.E) for c in configs}
    # All configurations at -O0 (LLVM's -O2 JIT takes ~0.4 s per
    # configuration), in modules of ~60; and every 8th again at the default
    # -O2 so that the optimised code is checked too.
    chunks = [(configs[i: i + 60], ["-O=0"]) for i in range(0, len(configs), 60)]
    chunks.append((configs[::8], []))
    for n, (chunk, opt) in enumerate(chunks):
        text, nout = build_module(chunk)
        inputs = []
        for c in chunk:
            X = tiles[c.idx]
            if c.E == "f16":
                inputs.append(X.astype(np.float16))
            elif c.E == "bf16":
                inputs.append(ref.to_bf16_bits(X, saturate=False).view(np.int16))
            else:
                inputs.append(X)
        outs = ref.run_module(args.kvq_run, args.work, "quant%d" % n, text, inputs, nout, extra=opt)
        pos = 0
        for c in chunk:
            k = 3 + (0 if c.sch.symmetric else 1) + (1 if c.f16_out else 0)
            check_config(fails, c, tiles[c.idx], outs[pos: pos + k])
            pos += k
        assert pos == len(outs)
    return len(configs)


def run_pack(args, fails, rng):
    rows = 5
    lengths = [1, 7, 37, 50, 129]
    args_, body, rets, inputs, cases = [], [], [], [], []
    i = 0
    for bits in BITS:
        for n in lengths:
            c = 32 // bits
            nw = -(-n // c)
            codes = rng.integers(0, 2 ** bits, size=(rows, n)).astype(np.uint8)
            codes[0, :] = 2 ** bits - 1  # all ones: unused bits must stay zero
            words = ref.pack(codes, bits)
            tc, tw = ref.mlir_tensor((rows, n), "i8"), ref.mlir_tensor((rows, nw), "i32")
            args_ += ["%%codes%d: %s" % (i, tc), "%%words%d: %s" % (i, tw)]
            body.append("  %%p%d = kvq.pack %%codes%d {bits = %d : i32} : %s -> %s\n" % (i, i, bits, tc, tw))
            body.append("  %%u%d = kvq.unpack %%words%d {bits = %d : i32} : %s -> %s\n" % (i, i, bits, tw, tc))
            rets += [("%%p%d" % i, tw), ("%%u%d" % i, tc)]
            inputs += [codes, words.view(np.int32)]
            cases.append((bits, n, codes, words))
            i += 1
    text = "func.func @main(%s) -> (%s) {\n%s  return %s : %s\n}\n" % (
        ", ".join(args_), ", ".join(t for _, t in rets), "".join(body),
        ", ".join(v for v, _ in rets), ", ".join(t for _, t in rets))
    outs = ref.run_module(args.kvq_run, args.work, "pack", text, inputs, len(rets))
    for j, (bits, n, codes, words) in enumerate(cases):
        p = outs[2 * j].view(np.uint32)
        u = outs[2 * j + 1].view(np.uint8)
        fails.check(np.array_equal(p, words), lambda: "kvq.pack bits=%d n=%d: words differ, first row kvq %s reference %s"
                    % (bits, n, [hex(v) for v in p[0][:4]], [hex(v) for v in words[0][:4]]))
        fails.check(np.array_equal(u, codes), lambda: "kvq.unpack bits=%d n=%d: codes differ" % (bits, n))
        # The packer itself against the documented bit order, element by element.
        c = 32 // bits
        for r, j2 in ((1, 0), (2, n - 1), (3, n // 2)):
            w = int(words[r, j2 // c])
            fails.check((w >> ((j2 % c) * bits)) & ((1 << bits) - 1) == codes[r, j2],
                        "reference packer disagrees with the documented bit order")
        if bits == 3:
            fails.check(not (words & np.uint32(0xC0000000)).any(), "3-bit words with top bits set")
    return len(cases)


def run_nan(args, fails, rng):
    """NaNs (kvq-run --allow-nonfinite): min/max ignore them; a NaN element
    gets code 0 (asymmetric) or m (symmetric)."""
    cfgs = []
    for k, (bits, gran, sym) in enumerate(itertools.product([3, 8], GRANS, [False, True])):
        sch = ref.Scheme(bits=bits, group=8, granularity=gran, symmetric=sym)
        cfgs.append(Config(k, sch, "f32", f16_out=False))
    text, nout = build_module(cfgs)
    tiles = []
    for c in cfgs:
        X = rng.standard_normal(c.shape).astype(np.float32)
        G = to_groups(X, c.sch)
        G[: len(G) // 2, 3] = np.nan  # one NaN in half of the groups
        G[1, 5] = np.nan
        tiles.append(from_groups(G, c.sch, c.shape).astype(np.float32))
    outs = ref.run_module(args.kvq_run, args.work, "nan", text, tiles, nout, extra=["--allow-nonfinite"])
    pos = 0
    for c, X in zip(cfgs, tiles):
        k = 3 + (0 if c.sch.symmetric else 1)
        o = outs[pos: pos + k]
        pos += k
        codes = o[0].view(np.uint8)
        ec, esb, ezb = ref.quantize_tile(X, c.sch)
        sb = as_bits(o[1], "f16")
        fails.check(np.array_equal(sb, esb), "NaN %s: scales differ" % c.name())
        if not c.sch.symmetric:
            fails.check(np.array_equal(as_bits(o[2], "f16"), ezb), "NaN %s: zero points differ" % c.name())
        fails.check(np.array_equal(codes, ec), lambda: "NaN %s: codes differ (NaN elements: kvq %s, expected %s)" % (
            c.name(), np.unique(codes[np.isnan(X)]), np.unique(ec[np.isnan(X)])))
    return len(cfgs)


def main():
    args = parse_args(__doc__, lambda p: p.add_argument(
        "--strict-signed-zero", action="store_true",
        help="require the zero point of a group whose minimum is zero and that holds both +0 and -0 to be -0"))
    global STRICT_SIGNED_ZERO
    STRICT_SIGNED_ZERO = args.strict_signed_zero
    fails = Failures("check_roundtrip", args.max_report)
    rng = np.random.default_rng(args.seed)
    nq = run_quantize(args, fails, rng)
    npk = run_pack(args, fails, rng)
    nn = run_nan(args, fails, rng)
    note = ""
    if NOTES["signed_zero"]:
        note = "; note: %d zero point(s) of groups holding both +0 and -0 are +0 (reference: -0; the document does not say)" % NOTES["signed_zero"]
    fails.finish("%d quantize/dequantize configurations (+%d at -O2), %d pack/unpack shapes, %d NaN configurations%s"
                 % (nq, len(range(0, nq, 8)), npk, nn, note))


if __name__ == "__main__":
    run_main("check_roundtrip", main)
