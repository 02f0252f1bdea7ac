"""An independent reader of kvq's cache storage (docs/storage-format.md).

Written from the format description alone (not from the compiler's layout
code), so that a benchmark can compute its reference on exactly the K/V a
cache holds: `layout()` lays out a cache type, `dequantize()` turns a raw
storage buffer back into f32 keys and values, `needed_bytes()` counts the
bytes a decode step over `L` cached tokens must read. Works on numpy arrays
(tests, no GPU) and on torch tensors (the benchmark, on the GPU): the buffer
is a flat uint8 array of the whole cache.
"""

HEADER = 64
ALIGN = 64


def _align(x):
    return (x + ALIGN - 1) // ALIGN * ALIGN


def scheme(bits, group=0, granularity="per_channel", symmetric=False,
           window=0, scale_bytes=2):
    """A scheme as plain data (mirrors #kvq.scheme; f16 scales by default)."""
    return dict(bits=bits, group=group, granularity=granularity,
                symmetric=symmetric, window=window, scale_bytes=scale_bytes)


def token_group(s):
    if s["bits"] >= 16:
        return 0
    return s["group"] if s["granularity"] == "per_channel" else 1


def layout(B, H, C, D, keys, values, element_bytes=2):
    """Offsets and sizes of every segment, as the format page lays them out:
    64-byte header, then keys then values, each segment 64-byte aligned,
    total rounded up to 64. Returns {"keys": {...}, "values": {...},
    "total_bytes": n}; the per-tensor keys match kvq-gpu-aot's manifest."""
    heads = B * H
    cursor = HEADER
    out = {}

    def place(nbytes):
        nonlocal cursor
        cursor = _align(cursor)
        off = cursor
        cursor += nbytes
        return off

    for name, s in (("keys", keys), ("values", values)):
        t = dict(s)
        if s["bits"] >= 16:
            t["data_offset"] = place(heads * C * D * 2)
            t["data_bytes"] = heads * C * D * 2
        else:
            cpw = 32 // s["bits"]
            t["words_per_token"] = -(-D // cpw)
            t["codes_offset"] = place(heads * C * t["words_per_token"] * 4)
            if s["granularity"] == "per_channel":
                assert C % s["group"] == 0, "per_channel group must divide C"
                t["scale_rows"], t["scale_cols"] = C // s["group"], D
            else:
                assert D % s["group"] == 0, "per_token group must divide D"
                t["scale_rows"], t["scale_cols"] = C, D // s["group"]
            sb = heads * t["scale_rows"] * t["scale_cols"] * s["scale_bytes"]
            t["scales_offset"] = place(sb)
            t["zeros_offset"] = 0 if s["symmetric"] else place(sb)
            t["window_slots"] = s["window"] + token_group(s)
            t["window_offset"] = place(heads * t["window_slots"] * D *
                                       element_bytes)
        out[name] = t
    out["total_bytes"] = _align(cursor)
    out.update(B=B, H=H, C=C, D=D, element_bytes=element_bytes)
    return out


def quantized_tokens(s, L):
    """Q(L): how many of the first L tokens are held quantized."""
    if s["bits"] >= 16:
        return L
    g = token_group(s)
    if L < s["window"] + g:
        return 0
    return (L - s["window"]) // g * g


def needed_bytes(lay, L):
    """Bytes of the cache a decode step over L tokens must read: codes,
    scales and zeros of the Q(L) quantized tokens and the full-precision
    window part (L - Q tokens), for keys and values (no header, no q/out)."""
    heads, D, E = lay["B"] * lay["H"], lay["D"], lay["element_bytes"]
    total = 0
    for name in ("keys", "values"):
        t = lay[name]
        if t["bits"] >= 16:
            total += heads * L * D * 2
            continue
        Q = quantized_tokens(t, L)
        codes = Q * t["words_per_token"] * 4
        rows = Q // t["group"] if t["granularity"] == "per_channel" else Q
        scales = rows * t["scale_cols"] * t["scale_bytes"]
        nz = 1 if t["symmetric"] else 2
        total += heads * (codes + nz * scales + (L - Q) * D * E)
    return total


class _Numpy:
    def __init__(self):
        import numpy as np
        self.np = np

    def view(self, a, kind):
        np = self.np
        return a.view({"i32": np.int32, "i16": np.int16, "f16": np.float16,
                       "f32": np.float32, "i64": np.int64}[kind])

    def f32(self, a):
        return a.astype(self.np.float32)

    def i32(self, a):
        return a.astype(self.np.int32)

    def arange(self, n, like):
        return self.np.arange(n, dtype=self.np.int64)

    def concat(self, xs, axis):
        return self.np.concatenate(xs, axis=axis)


class _Torch:
    def __init__(self):
        import torch
        self.torch = torch

    def view(self, a, kind):
        t = self.torch
        return a.view({"i32": t.int32, "i16": t.int16, "f16": t.float16,
                       "f32": t.float32, "i64": t.int64}[kind])

    def f32(self, a):
        return a.float()

    def i32(self, a):
        return a.to(self.torch.int32)

    def arange(self, n, like):
        return self.torch.arange(n, device=like.device, dtype=self.torch.int64)

    def concat(self, xs, axis):
        return self.torch.cat(xs, dim=axis)


def _backend(buf):
    return _Numpy() if type(buf).__module__ == "numpy" else _Torch()


def _floats(x, buf, off, n, nbytes, kind):
    """n floats of `nbytes` bytes each at `off`, as f32; kind 'f16' or
    'bf16' for 2-byte values."""
    seg = buf[off:off + n * nbytes]
    if nbytes == 4:
        return x.view(seg, "f32")
    if kind == "bf16":  # the top half of an f32
        w = x.i32(x.view(seg, "i16")) * 65536
        return x.view(w, "f32")
    return x.f32(x.view(seg, "f16"))


def length(buf):
    """The token count L in the header."""
    x = _backend(buf)
    return int(x.view(buf[0:8], "i64")[0])


def dequantize_tensor(buf, lay, name, L, elt="f16", scale_kind="f16"):
    """Tensor `name` ("keys"/"values") of the cache as f32 [B, H, L, D]."""
    x = _backend(buf)
    t = lay[name]
    B, H, C, D, E = lay["B"], lay["H"], lay["C"], lay["D"], lay["element_bytes"]
    BH = B * H
    if t["bits"] >= 16:
        data = _floats(x, buf, t["data_offset"], BH * C * D, 2,
                       "bf16" if elt == "bf16" else "f16")
        return data.reshape(BH, C, D)[:, :L].reshape(B, H, L, D)
    Q = quantized_tokens(t, L)
    bits, G, W = t["bits"], t["group"], t["words_per_token"]
    cpw = 32 // bits
    parts = []
    if Q:
        words = x.view(buf[t["codes_offset"]:t["codes_offset"] + BH * C * W * 4],
                       "i32").reshape(BH, C, W)[:, :Q]
        shifts = x.i32(x.arange(cpw, words) * bits)
        codes = (words.reshape(BH, Q, W, 1) >> shifts) & ((1 << bits) - 1)
        codes = x.f32(codes.reshape(BH, Q, W * cpw)[:, :, :D])
        n = BH * t["scale_rows"] * t["scale_cols"]
        sb = t["scale_bytes"]
        sc = _floats(x, buf, t["scales_offset"], n, sb, scale_kind).reshape(
            BH, t["scale_rows"], t["scale_cols"])
        z = None
        if not t["symmetric"]:
            z = _floats(x, buf, t["zeros_offset"], n, sb, scale_kind).reshape(
                BH, t["scale_rows"], t["scale_cols"])
        if t["granularity"] == "per_channel":
            codes = codes.reshape(BH, Q // G, G, D)
            sc = sc[:, :Q // G].reshape(BH, Q // G, 1, D)
            z = None if z is None else z[:, :Q // G].reshape(BH, Q // G, 1, D)
        else:
            codes = codes.reshape(BH, Q, D // G, G)
            sc = sc[:, :Q].reshape(BH, Q, D // G, 1)
            z = None if z is None else z[:, :Q].reshape(BH, Q, D // G, 1)
        if t["symmetric"]:
            m = float(1 << (bits - 1))
            deq = (codes - m) * sc
        else:
            deq = codes * sc + z
        parts.append(deq.reshape(BH, Q, D))
    if L > Q:
        S = t["window_slots"]
        ring = _floats(x, buf, t["window_offset"], BH * S * D, E, elt).reshape(
            BH, S, D)
        slots = (x.arange(L - Q, ring) + Q) % S
        parts.append(ring[:, slots])
    out = parts[0] if len(parts) == 1 else x.concat(parts, 1)
    return out.reshape(B, H, L, D)


def dequantize(buf, lay, L=None, elt="f16", scale_kind="f16"):
    """(keys, values) as f32 [B, H, L, D]; L defaults to the header's."""
    if L is None:
        L = length(buf)
    return (dequantize_tensor(buf, lay, "keys", L, elt, scale_kind),
            dequantize_tensor(buf, lay, "values", L, elt, scale_kind))


def manifest_mismatches(lay, cfg):
    """Differences between this layout and a kvq-gpu-aot manifest entry."""
    bad = []
    if lay["total_bytes"] != cfg["cache_bytes"]:
        bad.append(f"total {lay['total_bytes']} != {cfg['cache_bytes']}")
    for name in ("keys", "values"):
        for k, v in cfg[name].items():
            if k in lay[name] and not isinstance(v, str) and lay[name][k] != v:
                bad.append(f"{name}.{k}: {lay[name][k]} != {v}")
    return bad
