"""Independent numpy reference of a Llama-family decoder and checkpoint writers.

Used by the lit tests in test/Integration/Model. Nothing here is derived from
kvq's C++: the forward pass follows karpathy/llama2.c's run.c (and Hugging
Face's Llama/Qwen modelling code for rotate_half RoPE, q/k biases and Qwen3's
per-head q/k RMSNorm); the writers follow the llama2.c export.py, safetensors
and GGUF specifications.
"""
import json
import os
import struct

import numpy as np


class Model:
    """Weights as float32 arrays (already rounded to their storage dtype)."""

    def __init__(self, **kw):
        self.arch = "llama"
        self.rope = "interleaved"  # or "half"
        self.rope_theta = 10000.0
        self.eps = 1e-5
        self.tied = True
        self.qk_norm = False
        self.qkv_bias = False
        self.seq_len = 512
        self.__dict__.update(kw)

    @property
    def head_dim(self):
        return self.wq[0].shape[0] // self.n_heads


def read_llama2c(path):
    """The legacy llama2.c format (see ../shared/data/README.md)."""
    raw = open(path, "rb").read()
    dim, hidden, n_layers, n_heads, n_kv, vocab, seq = struct.unpack("<7i", raw[:28])
    shared = vocab > 0
    vocab = abs(vocab)
    f = np.frombuffer(raw, dtype="<f4", offset=28)
    hd = dim // n_heads
    off = [0]

    def take(*shape):
        n = int(np.prod(shape))
        a = f[off[0]:off[0] + n].reshape(shape).astype(np.float32)
        off[0] += n
        return a

    emb = take(vocab, dim)
    rms_att = take(n_layers, dim)
    wq = take(n_layers, n_heads * hd, dim)
    wk = take(n_layers, n_kv * hd, dim)
    wv = take(n_layers, n_kv * hd, dim)
    wo = take(n_layers, dim, n_heads * hd)
    rms_ffn = take(n_layers, dim)
    w1 = take(n_layers, hidden, dim)
    w2 = take(n_layers, dim, hidden)
    w3 = take(n_layers, hidden, dim)
    rms_final = take(dim)
    take(seq, hd // 2)
    take(seq, hd // 2)
    wcls = emb if shared else take(vocab, dim)
    return Model(dim=dim, hidden=hidden, n_layers=n_layers, n_heads=n_heads,
                 n_kv=n_kv, vocab=vocab, seq_len=seq, tied=shared, emb=emb,
                 rms_att=list(rms_att), wq=list(wq), wk=list(wk), wv=list(wv),
                 wo=list(wo), rms_ffn=list(rms_ffn), w1=list(w1), w2=list(w2),
                 w3=list(w3), rms_final=rms_final, wcls=wcls)


def rmsnorm(x, w, eps):
    x = x.astype(np.float32)
    ss = np.mean(x * x, axis=-1, keepdims=True, dtype=np.float32)
    return (w * (x / np.sqrt(ss + np.float32(eps)))).astype(np.float32)


def rope(x, pos, inv_freq, style):
    """x: [heads, head_dim]."""
    ang = np.float32(pos) * inv_freq.astype(np.float32)
    c, s = np.cos(ang).astype(np.float32), np.sin(ang).astype(np.float32)
    y = x.copy()
    if style == "interleaved":
        a, b = x[:, 0::2], x[:, 1::2]
        y[:, 0::2] = a * c - b * s
        y[:, 1::2] = a * s + b * c
    else:
        h = x.shape[1] // 2
        a, b = x[:, :h], x[:, h:]
        y[:, :h] = a * c - b * s
        y[:, h:] = a * s + b * c
    return y


class Runner:
    """Token-by-token decoding with a full-precision KV cache.

    kv_round: optional function applied to keys/values as they enter the
    cache (e.g. rounding to float16 to model a 16-bit cache of an f32 model).
    """

    def __init__(self, m, kv_round=None):
        self.m = m
        hd = m.head_dim
        self.inv_freq = (1.0 / (m.rope_theta ** (np.arange(0, hd, 2, dtype=np.float64) / hd))).astype(np.float32)
        self.k = [np.zeros((m.seq_len, m.n_kv, hd), np.float32) for _ in range(m.n_layers)]
        self.v = [np.zeros((m.seq_len, m.n_kv, hd), np.float32) for _ in range(m.n_layers)]
        self.kv_round = kv_round or (lambda a: a)

    def step(self, token, pos):
        m = self.m
        hd, H, KV = m.head_dim, m.n_heads, m.n_kv
        x = m.emb[token].astype(np.float32)
        for l in range(m.n_layers):
            xn = rmsnorm(x, m.rms_att[l], m.eps)
            q = m.wq[l] @ xn
            k = m.wk[l] @ xn
            v = m.wv[l] @ xn
            if m.qkv_bias:
                q, k, v = q + m.bq[l], k + m.bk[l], v + m.bv[l]
            q, k, v = q.reshape(H, hd), k.reshape(KV, hd), v.reshape(KV, hd)
            if m.qk_norm:
                q = rmsnorm(q, m.q_norm[l], m.eps)
                k = rmsnorm(k, m.k_norm[l], m.eps)
            q = rope(q, pos, self.inv_freq, m.rope)
            k = rope(k, pos, self.inv_freq, m.rope)
            self.k[l][pos] = self.kv_round(k)
            self.v[l][pos] = self.kv_round(v)
            out = np.zeros((H, hd), np.float32)
            for h in range(H):
                g = h // (H // KV)
                keys = self.k[l][:pos + 1, g]
                att = (keys @ q[h]) / np.float32(np.sqrt(hd))
                att = np.exp(att - att.max())
                att = att / att.sum()
                out[h] = att @ self.v[l][:pos + 1, g]
            x = x + m.wo[l] @ out.reshape(-1)
            xn = rmsnorm(x, m.rms_ffn[l], m.eps)
            g1 = m.w1[l] @ xn
            hb = g1 / (np.float32(1) + np.exp(-g1)) * (m.w3[l] @ xn)
            x = x + m.w2[l] @ hb
        x = rmsnorm(x, m.rms_final, m.eps)
        return (m.wcls @ x).astype(np.float32)


def greedy(m, prompt, steps, kv_round=None):
    """Returns (generated tokens, logits [positions, vocab])."""
    r = Runner(m, kv_round)
    tok, out, logits = prompt[0], [], []
    for pos in range(len(prompt) - 1 + steps):
        if pos < len(prompt):
            tok = prompt[pos]
        lg = r.step(tok, pos)
        logits.append(lg)
        if pos + 1 >= len(prompt):
            tok = int(np.argmax(lg))
            out.append(tok)
    return out, np.stack(logits)


def rel_err(a, b):
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))
