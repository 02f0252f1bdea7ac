"""NumPy reference of the kvq storage format and numerics.

Written from docs/storage-format.md (and the op descriptions in
docs/dialect/KVQDialect.md), independently of the C++ lowering, so that the
integration tests in test/Integration/CPU can check that the lowering does
what the document says:

  * bit-exact float32 emulation of quantization (asymmetric min-max and
    symmetric), per_channel and per_token groups, f16/bf16/f32 scale types;
  * packing of codes into little-endian u32 words;
  * the normalised Walsh-Hadamard key rotation in float32;
  * the byte layout of a cache buffer: an encoder (the expected buffer after
    appending tokens) and a decoder (the numbers a buffer holds);
  * float64 decode attention (GQA, ragged lengths) over decoded K/V.

Only NumPy is needed. All float32 arithmetic below is done on np.float32
arrays, which NumPy evaluates with IEEE single precision (round to nearest
even), one correctly rounded operation at a time.
"""

import math
import os
import subprocess
from dataclasses import dataclass

import numpy as np

F32 = np.float32

# ---------------------------------------------------------------------------
# Scalar types
# ---------------------------------------------------------------------------

SCALE_BYTES = {"f16": 2, "bf16": 2, "f32": 4}
ELEM_BYTES = {"f16": 2, "bf16": 2, "f32": 4}
F16_MAX = 65504.0
BF16_MAX_BITS = 0x7F7F  # 3.3895314e38


def f32(x):
    return np.asarray(x, dtype=np.float32)


def to_f16_bits(x, saturate):
    """float32 -> f16 bits, round to nearest even; saturating if asked."""
    x = f32(x)
    with np.errstate(over="ignore", invalid="ignore"):
        h = x.astype(np.float16)
    if saturate:
        over = np.isinf(h) & np.isfinite(x)
        h = np.where(over, np.copysign(np.float16(F16_MAX), x).astype(np.float16), h)
    return h.view(np.uint16)


def to_bf16_bits(x, saturate):
    """float32 -> bf16 bits, round to nearest even on the bit pattern."""
    b = f32(x).view(np.uint32).astype(np.uint64)
    is_nan = ((b & 0x7F800000) == 0x7F800000) & ((b & 0x007FFFFF) != 0)
    rounded = ((b + 0x7FFF + ((b >> 16) & 1)) >> 16) & 0xFFFF
    finite_in = (b & 0x7F800000) != 0x7F800000
    if saturate:
        inf_out = (rounded & 0x7FFF) == 0x7F80
        rounded = np.where(finite_in & inf_out, (rounded & 0x8000) | BF16_MAX_BITS, rounded)
    rounded = np.where(is_nan, ((b >> 16) | 0x40) & 0xFFFF, rounded)
    return rounded.astype(np.uint16)


def bf16_bits_to_f32(bits):
    return (np.asarray(bits, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)


def f16_bits_to_f32(bits):
    return np.asarray(bits, dtype=np.uint16).view(np.float16).astype(np.float32)


def to_type_bits(x, ty, saturate):
    """float32 -> the bits of type ty ('f16', 'bf16' or 'f32')."""
    if ty == "f16":
        return to_f16_bits(x, saturate)
    if ty == "bf16":
        return to_bf16_bits(x, saturate)
    if ty == "f32":
        return f32(x).copy().view(np.uint32)
    raise ValueError(ty)


def bits_to_f32(bits, ty):
    if ty == "f16":
        return f16_bits_to_f32(bits)
    if ty == "bf16":
        return bf16_bits_to_f32(bits)
    if ty == "f32":
        return np.asarray(bits, dtype=np.uint32).view(np.float32)
    raise ValueError(ty)


def round_to_type(x, ty):
    """float32 -> ty -> float32 (RNE, overflow to infinity)."""
    return bits_to_f32(to_type_bits(x, ty, saturate=False), ty)


def bits_dtype(ty):
    return np.uint32 if ty == "f32" else np.uint16


# ---------------------------------------------------------------------------
# Schemes and caches
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Scheme:
    bits: int = 16
    group: int = 0
    granularity: str = "per_channel"
    symmetric: bool = False
    scale_type: str = "f16"
    rotation: str = "none"
    window: int = 0

    @property
    def quantized(self):
        return self.bits < 16

    @property
    def token_group(self):
        """Gt: group for per_channel schemes, 1 for per_token."""
        return self.group if self.granularity == "per_channel" else 1

    @property
    def codes_per_word(self):
        return 32 // self.bits

    def mlir(self):
        if not self.quantized:
            return "#kvq.scheme<bits = 16>"
        parts = ["bits = %d" % self.bits, "group = %d" % self.group]
        if self.granularity != "per_channel":
            parts.append("granularity = %s" % self.granularity)
        if self.symmetric:
            parts.append("symmetric = true")
        if self.scale_type != "f16":
            parts.append("scale_type = %s" % self.scale_type)
        if self.rotation != "none":
            parts.append("rotation = %s" % self.rotation)
        if self.window:
            parts.append("window = %d" % self.window)
        return "#kvq.scheme<%s>" % ", ".join(parts)

    def short(self):
        if not self.quantized:
            return "16"
        s = "%db/g%d/%s" % (self.bits, self.group, "pc" if self.granularity == "per_channel" else "pt")
        if self.symmetric:
            s += "/sym"
        if self.scale_type != "f16":
            s += "/" + self.scale_type
        if self.rotation != "none":
            s += "/rot"
        s += "/w%d" % self.window
        return s


@dataclass(frozen=True)
class Cache:
    B: int
    H: int
    C: int
    D: int
    E: str  # f16, bf16 or f32
    keys: Scheme
    values: Scheme

    def mlir(self):
        return "!kvq.cache<%dx%dx%dx%dx%s, keys = %s, values = %s>" % (
            self.B, self.H, self.C, self.D, self.E, self.keys.mlir(), self.values.mlir())

    def tensor(self, tokens):
        return "tensor<%dx%dx%sx%dx%s>" % (self.B, self.H, tokens, self.D, self.E)


# ---------------------------------------------------------------------------
# Quantization numerics (docs/storage-format.md, "Numerics")
# ---------------------------------------------------------------------------


def quantize_groups(x, bits, symmetric, scale_type):
    """Quantizes groups laid out along the last axis of x (float32).

    Returns (codes uint8 [..., n], scale bits [...], zero bits [...] or None,
    scale as f32 [...], zero as f32 [...] or None)."""
    x = f32(x)
    with np.errstate(all="ignore"):
        if symmetric:
            m = 2 ** (bits - 1)
            amax = np.nanmax(np.abs(x), axis=-1)
            s32 = amax / F32(m - 1)  # correctly rounded f32 division
            sbits = to_type_bits(s32, scale_type, saturate=True)
            s = bits_to_f32(sbits, scale_type)
            q = np.rint(x / s[..., None])
            q = np.clip(q, -(m - 1), m - 1) + m
            q = np.where(np.isnan(q), 1, q)  # NaN: the lowest code
            codes = np.where((s == 0)[..., None], m, q)
            return codes.astype(np.uint8), sbits, None, s, None
        qmax = 2 ** bits - 1
        lo = np.nanmin(x, axis=-1)
        hi = np.nanmax(x, axis=-1)
        # min() orders -0 below +0 (IEEE 754-2019 minimum): a group whose
        # smallest value is zero and that holds a -0 has zero point -0.
        neg0 = np.any((x == 0) & np.signbit(x), axis=-1)
        lo = np.where(lo == 0, np.where(neg0, F32(-0.0), F32(0.0)), lo).astype(np.float32)
        s32 = (hi - lo) / F32(qmax)
        sbits = to_type_bits(s32, scale_type, saturate=True)
        zbits = to_type_bits(lo, scale_type, saturate=True)
        s = bits_to_f32(sbits, scale_type)
        z = bits_to_f32(zbits, scale_type)
        q = np.rint((x - z[..., None]) / s[..., None])
        q = np.clip(q, 0, qmax)
        q = np.where(np.isnan(q), 0, q)
        codes = np.where((s == 0)[..., None], 0, q)
        return codes.astype(np.uint8), sbits, zbits, s, z


def quantize_tile(x, sch):
    """kvq.quantize of a [tokens, channels] tile. Returns codes [T, C] uint8,
    scale bits, zero bits (or None), in the op's result layout:
    per_channel [T/group, C], per_token [T, C/group]."""
    x = f32(x)
    T, Ch = x.shape
    g = sch.group
    if sch.granularity == "per_channel":
        xg = x.reshape(T // g, g, Ch).transpose(0, 2, 1)  # [T/g, C, g]
        codes, sb, zb, _, _ = quantize_groups(xg, sch.bits, sch.symmetric, sch.scale_type)
        codes = codes.transpose(0, 2, 1).reshape(T, Ch)
    else:
        xg = x.reshape(T, Ch // g, g)
        codes, sb, zb, _, _ = quantize_groups(xg, sch.bits, sch.symmetric, sch.scale_type)
        codes = codes.reshape(T, Ch)
    return codes, sb, zb


def expand_params(p, sch, T, Ch):
    """Scale/zero array in op layout -> one value per element [T, Ch]."""
    if sch.granularity == "per_channel":
        return np.repeat(p, sch.group, axis=0)
    return np.repeat(p, sch.group, axis=1)


def dequantize_f32(codes, s, z, bits, symmetric):
    """code * s + z (or (code - m) * s), two separately rounded f32 ops."""
    c = f32(np.asarray(codes).astype(np.int64))
    with np.errstate(all="ignore"):
        if symmetric:
            return (c - F32(2 ** (bits - 1))) * f32(s)
        return c * f32(s) + f32(z)


def dequantize_tile(codes, sbits, zbits, sch, out_type="f32"):
    """kvq.dequantize emulated: code * s + z (or (code - m) * s) in f32, then
    rounded to out_type (f32, or f16/bf16 by RNE, overflowing to infinity as
    "rounded to the result type" says); returned as float32 values."""
    T, Ch = codes.shape
    s = expand_params(bits_to_f32(sbits, sch.scale_type), sch, T, Ch)
    z = None if zbits is None else expand_params(bits_to_f32(zbits, sch.scale_type), sch, T, Ch)
    y = dequantize_f32(codes, s, z, sch.bits, sch.symmetric)
    if out_type == "f32":
        return y
    return round_to_type(y, out_type)


# ---------------------------------------------------------------------------
# Packing (bit order: code j -> word j / c, bits (j % c) * bits ..)
# ---------------------------------------------------------------------------


def pack(codes, bits):
    codes = np.asarray(codes).astype(np.uint32)
    c = 32 // bits
    *lead, n = codes.shape
    nw = -(-n // c)
    padded = np.zeros(tuple(lead) + (nw * c,), dtype=np.uint32)
    padded[..., :n] = codes & ((1 << bits) - 1)
    padded = padded.reshape(tuple(lead) + (nw, c))
    shifts = (np.arange(c, dtype=np.uint32) * bits).astype(np.uint32)
    return np.bitwise_or.reduce(padded << shifts, axis=-1).astype(np.uint32)


def unpack(words, bits, n):
    words = np.asarray(words).astype(np.uint32)
    c = 32 // bits
    shifts = (np.arange(c, dtype=np.uint32) * bits).astype(np.uint32)
    codes = (words[..., None] >> shifts) & np.uint32((1 << bits) - 1)
    *lead, nw, _ = codes.shape
    return codes.reshape(tuple(lead) + (nw * c,))[..., :n].astype(np.uint8)


# ---------------------------------------------------------------------------
# Rotation
# ---------------------------------------------------------------------------


def fwht_f32(x):
    """Normalised fast Walsh-Hadamard transform along the last axis in f32:
    in-place butterflies, stages h = 1, 2, 4, ..., pair (j, j + h) ->
    (a + b, a - b), then a multiply by float32(1 / sqrt(D))."""
    y = f32(x).copy()
    D = y.shape[-1]
    assert D & (D - 1) == 0
    h = 1
    while h < D:
        v = y.reshape(y.shape[:-1] + (D // (2 * h), 2, h))
        a = v[..., 0, :].copy()
        b = v[..., 1, :].copy()
        v[..., 0, :] = a + b
        v[..., 1, :] = a - b
        y = v.reshape(y.shape)
        h *= 2
    return y * F32(1.0 / math.sqrt(D))


def hadamard_f64(D):
    i = np.arange(D)
    pc = np.vectorize(lambda v: bin(v).count("1"))(i[:, None] & i[None, :])
    return np.where(pc % 2 == 0, 1.0, -1.0) / math.sqrt(D)


# ---------------------------------------------------------------------------
# Cache layout
# ---------------------------------------------------------------------------


def align64(n):
    return (n + 63) // 64 * 64


def tensor_segments(cache, sch):
    """(name, shape, element size) of the segments of one tensor, in order."""
    BH, C, D = cache.B * cache.H, cache.C, cache.D
    if not sch.quantized:
        return [("data", (BH, C, D), 2)]
    Wt = -(-D // sch.codes_per_word)
    sb = SCALE_BYTES[sch.scale_type]
    if sch.granularity == "per_channel":
        sshape = (BH, C // sch.group, D)
    else:
        sshape = (BH, C, D // sch.group)
    segs = [("codes", (BH, C, Wt), 4), ("scales", sshape, sb)]
    if not sch.symmetric:
        segs.append(("zeros", sshape, sb))
    segs.append(("ring", (BH, sch.window + sch.token_group, D), ELEM_BYTES[cache.E]))
    return segs


def layout(cache):
    """{ 'keys': {seg: (offset, shape, elsize)}, 'values': ..., 'size': N }.
    The total size is the end of the last segment rounded up to 64 bytes
    (the buffer is "one contiguous, 64-byte-aligned buffer")."""
    off = 64
    out = {}
    for name, sch in (("keys", cache.keys), ("values", cache.values)):
        segs = {}
        for seg, shape, es in tensor_segments(cache, sch):
            off = align64(off)
            segs[seg] = (off, shape, es)
            off += int(np.prod(shape)) * es
        out[name] = segs
    out["size"] = align64(off)
    return out


def quantized_count(L, sch):
    """Q(L): how many of the L cached tokens are quantized."""
    if not sch.quantized:
        return 0
    Gt = sch.token_group
    if L < sch.window + Gt:
        return 0
    return (L - sch.window) // Gt * Gt


# ---------------------------------------------------------------------------
# Encoder: the expected buffer after appending tokens (one by one)
# ---------------------------------------------------------------------------


def _elem_bits(x32, E):
    return to_type_bits(x32, E, saturate=False)


def expected_tensor_segments(cache, sch, x, L):
    """Expected segment arrays for one tensor. x: [B, H, L, D] float32 (the
    values as extended from E to f32, rotated when the scheme rotates)."""
    B, H, D, C = cache.B, cache.H, cache.D, cache.C
    BH = B * H
    x = f32(x).reshape(BH, L, D)
    if not sch.quantized:
        data = np.zeros((BH, C, D), dtype=np.uint16)
        data[:, :L] = to_type_bits(x, "bf16" if cache.E == "bf16" else "f16", saturate=False)
        return {"data": data}
    Q = quantized_count(L, sch)
    g = sch.group
    Wt = -(-D // sch.codes_per_word)
    sdt = bits_dtype(sch.scale_type)
    codes = np.zeros((BH, C, D), dtype=np.uint8)
    if sch.granularity == "per_channel":
        sshape = (BH, C // g, D)
    else:
        sshape = (BH, C, D // g)
    scales = np.zeros(sshape, dtype=sdt)
    zeros = np.zeros(sshape, dtype=sdt)
    # What is quantized is what the window holds: the (rotated) f32 value
    # rounded to E (the identity unless rotated keys are stored in f16/bf16).
    src = round_to_type(x, cache.E)
    if Q:
        xq = src[:, :Q]
        if sch.granularity == "per_channel":
            xg = xq.reshape(BH, Q // g, g, D).transpose(0, 1, 3, 2)
            c, sb, zb, _, _ = quantize_groups(xg, sch.bits, sch.symmetric, sch.scale_type)
            codes[:, :Q] = c.transpose(0, 1, 3, 2).reshape(BH, Q, D)
            scales[:, : Q // g] = sb
            if zb is not None:
                zeros[:, : Q // g] = zb
        else:
            xg = xq.reshape(BH, Q, D // g, g)
            c, sb, zb, _, _ = quantize_groups(xg, sch.bits, sch.symmetric, sch.scale_type)
            codes[:, :Q] = c.reshape(BH, Q, D)
            scales[:, :Q] = sb
            if zb is not None:
                zeros[:, :Q] = zb
    words = pack(codes, sch.bits)
    assert words.shape == (BH, C, Wt)
    # Window ring: every token is written to slot t mod (window + Gt); a slot
    # holds the latest token written to it.
    R = sch.window + sch.token_group
    ring = np.zeros((BH, R, D), dtype=bits_dtype(cache.E))
    for t in range(max(0, L - R), L):
        ring[:, t % R] = _elem_bits(x[:, t], cache.E)
    out = {"codes": words, "scales": scales, "ring": ring}
    if not sch.symmetric:
        out["zeros"] = zeros
    return out


def prepare_keys(cache, k):
    """Keys as quantized: E extended to f32, rotated when asked."""
    k32 = f32(k)
    if cache.keys.rotation == "hadamard":
        k32 = fwht_f32(k32)
    return k32


def expected_storage(cache, k, v):
    """The expected buffer (uint8) after appending k, v ([B, H, L, D], values
    of type E given as float32) to an empty cache. Never-written bytes are
    expected to be zero (cache_create gives a zeroed buffer)."""
    L = k.shape[2]
    lay = layout(cache)
    buf = np.zeros(lay["size"], dtype=np.uint8)
    buf[:8] = np.frombuffer(np.int64(L).tobytes(), dtype=np.uint8)
    for name, sch, x in (("keys", cache.keys, prepare_keys(cache, k)),
                         ("values", cache.values, f32(v))):
        segs = expected_tensor_segments(cache, sch, x, L)
        for seg, arr in segs.items():
            off, shape, es = lay[name][seg]
            raw = np.ascontiguousarray(arr).view(np.uint8).reshape(-1)
            assert raw.size == int(np.prod(shape)) * es, (name, seg)
            buf[off: off + raw.size] = raw
    return buf


# ---------------------------------------------------------------------------
# Decoder: the numbers a buffer holds
# ---------------------------------------------------------------------------


def _segment(buf, lay, name, seg, dtype):
    off, shape, es = lay[name][seg]
    n = int(np.prod(shape)) * es
    return np.frombuffer(buf[off: off + n].tobytes(), dtype=dtype).reshape(shape)


def decode_storage(cache, buf):
    """Decodes kvq.storage bytes. Returns a dict with L and, per tensor
    ('keys', 'values'): Q, the raw segments, and 'deq': [B*H, L, D] float64
    (quantized tokens dequantized in f32 per the doc, window tokens as
    stored in E)."""
    buf = np.asarray(buf).view(np.uint8).reshape(-1)
    lay = layout(cache)
    if buf.size != lay["size"]:
        raise ValueError("storage has %d bytes, layout says %d" % (buf.size, lay["size"]))
    L = int(np.frombuffer(buf[:8].tobytes(), dtype="<i8")[0])
    out = {"L": L}
    BH, D = cache.B * cache.H, cache.D
    for name, sch in (("keys", cache.keys), ("values", cache.values)):
        t = {}
        if not sch.quantized:
            ty = "bf16" if cache.E == "bf16" else "f16"
            data = _segment(buf, lay, name, "data", np.uint16)
            t["data"] = data
            t["Q"] = 0
            t["deq"] = bits_to_f32(data[:, :L], ty).astype(np.float64)
            out[name] = t
            continue
        Q = quantized_count(L, sch)
        sdt = bits_dtype(sch.scale_type)
        words = _segment(buf, lay, name, "codes", np.uint32)
        codes = unpack(words, sch.bits, D)
        sbits = _segment(buf, lay, name, "scales", sdt)
        zbits = _segment(buf, lay, name, "zeros", sdt) if not sch.symmetric else None
        ring = _segment(buf, lay, name, "ring", bits_dtype(cache.E))
        t.update(Q=Q, words=words, codes=codes, scales=sbits, zeros=zbits, ring=ring)
        s = bits_to_f32(sbits, sch.scale_type)
        z = bits_to_f32(zbits, sch.scale_type) if zbits is not None else None
        g = sch.group
        if sch.granularity == "per_channel":
            se = np.repeat(s, g, axis=1)[:, :Q]
            ze = np.repeat(z, g, axis=1)[:, :Q] if z is not None else None
        else:
            se = np.repeat(s, g, axis=2)[:, :Q]
            ze = np.repeat(z, g, axis=2)[:, :Q] if z is not None else None
        deq = np.zeros((BH, L, D), dtype=np.float64)
        deq[:, :Q] = dequantize_f32(codes[:, :Q], se, ze, sch.bits, sch.symmetric)
        R = sch.window + sch.token_group
        for tok in range(Q, L):
            deq[:, tok] = bits_to_f32(ring[:, tok % R], cache.E)
        t["deq"] = deq
        out[name] = t
    return out


# ---------------------------------------------------------------------------
# Attention
# ---------------------------------------------------------------------------


def attention_f64(cache, q, dec, lengths=None, scale=None):
    """float64 kvq.attend over decoded K/V. q: [B, QH, D]."""
    B, H, D = cache.B, cache.H, cache.D
    q = np.asarray(q, dtype=np.float64)
    QH = q.shape[1]
    ratio = QH // H
    if scale is None:
        scale = 1.0 / math.sqrt(D)
    if cache.keys.rotation == "hadamard":
        q = q @ hadamard_f64(D).T
    L = dec["L"]
    out = np.zeros((B, QH, D), dtype=np.float64)
    K = dec["keys"]["deq"].reshape(B, H, L, D)
    V = dec["values"]["deq"].reshape(B, H, L, D)
    for b in range(B):
        n = L if lengths is None else max(0, min(L, int(lengths[b])))
        if n == 0:
            continue
        for h in range(QH):
            g = h // ratio
            sc = scale * (K[b, g, :n] @ q[b, h])
            p = np.exp(sc - sc.max())
            out[b, h] = (p @ V[b, g, :n]) / p.sum()
    return out


# ---------------------------------------------------------------------------
# Running kvq-run
# ---------------------------------------------------------------------------


class RunError(Exception):
    pass


def run_module(kvq_run, work, name, text, inputs, n_outputs, extra=()):
    """Writes module `name`.mlir and inputs into `work`, runs kvq-run and
    returns the outputs as arrays."""
    os.makedirs(work, exist_ok=True)
    path = os.path.join(work, name + ".mlir")
    with open(path, "w") as f:
        f.write(text)
    args = [kvq_run, path, "--entry=main"]
    for i, a in enumerate(inputs):
        p = os.path.join(work, "%s.in%d.npy" % (name, i))
        np.save(p, np.ascontiguousarray(a))
        args.append("--input=" + p)
    outs = []
    for i in range(n_outputs):
        p = os.path.join(work, "%s.out%d.npy" % (name, i))
        if os.path.exists(p):
            os.remove(p)
        outs.append(p)
        args.append("--output=" + p)
    args += list(extra)
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        raise RunError("kvq-run failed (%d) on %s:\n%s%s" % (r.returncode, path, r.stdout, r.stderr[-4000:]))
    return [np.load(p) for p in outs]


def mlir_tensor(shape, ty):
    return "tensor<%sx%s>" % ("x".join(str(s) for s in shape), ty) if shape else "tensor<%s>" % ty
