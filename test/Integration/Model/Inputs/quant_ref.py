"""Independent numpy model of a quantized KV cache (docs/storage-format.md),
plugged into llama_ref's decoder: the accuracy study's numbers come from kvq's
lowering, and this checks that lowering against the format's definition on
the real model.

Only what the study uses: asymmetric min-max quantization with f16 scales and
zero points, per_channel keys (token groups of `group`), per_token values
(channel groups of min(group, head_dim)), a full-precision window per tensor,
optional Hadamard rotation of the keys. Nothing is taken from kvq's C++.
"""
import numpy as np

import llama_ref as R


def roundeven(x):
    return np.round(x)  # numpy rounds half to even


def quantize_groups(x, bits):
    """x: [..., n] groups along the last axis -> dequantized f32."""
    x = x.astype(np.float32)
    lo = x.min(-1, keepdims=True)
    hi = x.max(-1, keepdims=True)
    levels = np.float32(2 ** bits - 1)
    s = ((hi - lo) / levels).astype(np.float16).astype(np.float32)
    z = lo.astype(np.float16).astype(np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        code = np.where(s == 0, 0, np.clip(roundeven((x - z) / s), 0, levels))
    return (code.astype(np.float32) * s + z).astype(np.float32)


def hadamard(d):
    h = np.array([[1.0]])
    while h.shape[0] < d:
        h = np.block([[h, h], [h, -h]])
    return (h / np.sqrt(d)).astype(np.float32)


def quantized_count(length, window, token_group):
    if length < window + token_group:
        return 0
    return (length - window) // token_group * token_group


class QuantRunner(R.Runner):
    """llama_ref.Runner whose attention reads keys/values as a kvq cache with
    the given schemes would return them (bits 16: f16)."""

    def __init__(self, m, key_bits, value_bits, group, key_window, value_window,
                 rotation=False):
        super().__init__(m)
        self.kb, self.vb = key_bits, value_bits
        self.kg = group
        self.vg = min(group, m.head_dim)
        self.kw, self.vw = key_window, value_window
        self.rot = hadamard(m.head_dim) if rotation else None

    def effective(self, cache, length, bits, per_channel, group, window):
        x = cache[:length]  # [T, KV, D]
        if bits == 16:
            return x.astype(np.float16).astype(np.float32)
        out = x.copy()
        if per_channel:
            q = quantized_count(length, window, group)
            if q:
                g = x[:q].reshape(q // group, group, *x.shape[1:])
                g = np.moveaxis(g, 1, -1)  # [groups, KV, D, group]
                out[:q] = np.moveaxis(quantize_groups(g, bits), -1, 1).reshape(
                    q, *x.shape[1:])
        else:
            q = quantized_count(length, window, 1)
            if q:
                D = x.shape[-1]
                g = x[:q].reshape(q, x.shape[1], D // group, group)
                out[:q] = quantize_groups(g, bits).reshape(q, *x.shape[1:])
        return out

    def step(self, token, pos):
        # Run the reference with effective caches: wrap the per-layer arrays
        # so that attention at `pos` sees dequantized history.
        m = self.m
        hd, H, KV = m.head_dim, m.n_heads, m.n_kv
        x = m.emb[token].astype(np.float32)
        for l in range(m.n_layers):
            xn = R.rmsnorm(x, m.rms_att[l], m.eps)
            q = (m.wq[l] @ xn).reshape(H, hd)
            k = (m.wk[l] @ xn).reshape(KV, hd)
            v = (m.wv[l] @ xn).reshape(KV, hd)
            q = R.rope(q, pos, self.inv_freq, m.rope)
            k = R.rope(k, pos, self.inv_freq, m.rope)
            if self.rot is not None and self.kb != 16:
                k = k @ self.rot.T
                q = q @ self.rot.T
            self.k[l][pos] = k
            self.v[l][pos] = v
            keys = self.effective(self.k[l], pos + 1, self.kb, True, self.kg, self.kw)
            vals = self.effective(self.v[l], pos + 1, self.vb, False, self.vg, self.vw)
            out = np.zeros((H, hd), np.float32)
            for h in range(H):
                g = h // (H // KV)
                att = (keys[:, g] @ q[h]) / np.float32(np.sqrt(hd))
                att = np.exp(att - att.max())
                att = att / att.sum()
                out[h] = att @ vals[:, g]
            x = x + m.wo[l] @ out.reshape(-1)
            xn = R.rmsnorm(x, m.rms_ffn[l], m.eps)
            g1 = m.w1[l] @ xn
            hb = g1 / (np.float32(1) + np.exp(-g1)) * (m.w3[l] @ xn)
            x = x + m.w2[l] @ hb
        x = R.rmsnorm(x, m.rms_final, m.eps)
        return (m.wcls @ x).astype(np.float32)


def score(runner, stream):
    """Logits of positions 0..len-2 (teacher forcing)."""
    return np.stack([runner.step(int(t), p) for p, t in enumerate(stream[:-1])])
