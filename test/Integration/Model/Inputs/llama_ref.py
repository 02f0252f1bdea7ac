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


# ---------------------------------------------------------------------------
# Storage dtypes
# ---------------------------------------------------------------------------

def to_bf16_bits(a):
    """float32 -> bfloat16 bit patterns (round to nearest even)."""
    u = np.ascontiguousarray(a, dtype=np.float32).view(np.uint32)
    rounded = u + np.uint32(0x7FFF) + ((u >> np.uint32(16)) & np.uint32(1))
    return (rounded >> np.uint32(16)).astype(np.uint16)


def from_bf16_bits(b):
    return (b.astype(np.uint32) << np.uint32(16)).view(np.float32)


def round_to(a, dtype):
    """The float32 value a tensor has after storage as `dtype`."""
    if dtype == "F32":
        return a.astype(np.float32)
    if dtype == "F16":
        return a.astype(np.float16).astype(np.float32)
    if dtype == "BF16":
        return from_bf16_bits(to_bf16_bits(a))
    raise ValueError(dtype)


def encode(a, dtype):
    if dtype == "F32":
        return np.ascontiguousarray(a, dtype="<f4").tobytes()
    if dtype == "F16":
        return np.ascontiguousarray(a, dtype="<f2").tobytes()
    if dtype == "BF16":
        return to_bf16_bits(a).astype("<u2").tobytes()
    raise ValueError(dtype)


def rounded_model(m, dtype):
    """A copy of m with every weight rounded to `dtype`."""
    r = Model(**m.__dict__)
    for k, v in m.__dict__.items():
        if isinstance(v, np.ndarray):
            setattr(r, k, round_to(v, dtype))
        elif isinstance(v, list) and v and isinstance(v[0], np.ndarray):
            setattr(r, k, [round_to(x, dtype) for x in v])
    if m.tied:
        r.wcls = r.emb
    return r


# ---------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------

def hf_permute(w, heads):
    """Meta (interleaved RoPE) -> Hugging Face (rotate_half) row order of a
    q/k projection, as transformers' convert_llama_weights_to_hf does."""
    rows, cols = w.shape
    return w.reshape(heads, rows // heads // 2, 2, cols).transpose(0, 2, 1, 3).reshape(rows, cols)


def hf_tensors(m):
    """HF names -> float32 arrays (q/k permuted to rotate_half order when the
    model uses interleaved RoPE)."""
    t = {"model.embed_tokens.weight": m.emb, "model.norm.weight": m.rms_final}
    if not m.tied:
        t["lm_head.weight"] = m.wcls
    for l in range(m.n_layers):
        p = "model.layers.%d." % l
        wq, wk = m.wq[l], m.wk[l]
        if m.rope == "interleaved":
            wq, wk = hf_permute(wq, m.n_heads), hf_permute(wk, m.n_kv)
        t[p + "input_layernorm.weight"] = m.rms_att[l]
        t[p + "self_attn.q_proj.weight"] = wq
        t[p + "self_attn.k_proj.weight"] = wk
        t[p + "self_attn.v_proj.weight"] = m.wv[l]
        t[p + "self_attn.o_proj.weight"] = m.wo[l]
        if m.qkv_bias:
            bq, bk = m.bq[l], m.bk[l]
            if m.rope == "interleaved":
                bq = hf_permute(bq[:, None], m.n_heads)[:, 0]
                bk = hf_permute(bk[:, None], m.n_kv)[:, 0]
            t[p + "self_attn.q_proj.bias"] = bq
            t[p + "self_attn.k_proj.bias"] = bk
            t[p + "self_attn.v_proj.bias"] = m.bv[l]
        if m.qk_norm:
            t[p + "self_attn.q_norm.weight"] = m.q_norm[l]
            t[p + "self_attn.k_norm.weight"] = m.k_norm[l]
        t[p + "post_attention_layernorm.weight"] = m.rms_ffn[l]
        t[p + "mlp.gate_proj.weight"] = m.w1[l]
        t[p + "mlp.down_proj.weight"] = m.w2[l]
        t[p + "mlp.up_proj.weight"] = m.w3[l]
    return t


def write_safetensors(path, tensors, dtype="F32", dtypes=None, metadata=None):
    """tensors: name -> array (or raw (dtype, shape, bytes) tuple)."""
    header, blobs, off = {}, [], 0
    for name in sorted(tensors):
        v = tensors[name]
        if isinstance(v, tuple):
            dt, shape, data = v
        else:
            dt = (dtypes or {}).get(name, dtype)
            shape, data = list(v.shape), encode(v, dt)
        header[name] = {"dtype": dt, "shape": shape, "data_offsets": [off, off + len(data)]}
        blobs.append(data)
        off += len(data)
    if metadata is not None:
        header["__metadata__"] = metadata
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def hf_config(m, arch=None):
    arch = arch or {"llama": "LlamaForCausalLM", "qwen2": "Qwen2ForCausalLM",
                    "qwen3": "Qwen3ForCausalLM", "mistral": "MistralForCausalLM"}[m.arch]
    c = {"architectures": [arch], "model_type": m.arch,
         "hidden_size": m.dim, "intermediate_size": m.hidden,
         "num_hidden_layers": m.n_layers, "num_attention_heads": m.n_heads,
         "num_key_value_heads": m.n_kv, "vocab_size": m.vocab,
         "max_position_embeddings": m.seq_len, "rms_norm_eps": m.eps,
         "rope_theta": m.rope_theta, "tie_word_embeddings": m.tied,
         "hidden_act": "silu", "torch_dtype": "float32"}
    if m.head_dim * m.n_heads != m.dim:
        c["head_dim"] = m.head_dim
    return c


def write_hf(directory, m, dtype="F32", arch=None):
    """config.json + model.safetensors; returns the model as stored."""
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "config.json"), "w") as f:
        json.dump(hf_config(m, arch), f, indent=1)
    write_safetensors(os.path.join(directory, "model.safetensors"), hf_tensors(m), dtype)
    return rounded_model(m, dtype)


GGUF_TYPES = {"F32": 0, "F16": 1, "BF16": 30}


def gguf_string(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def gguf_kv(key, value):
    out = gguf_string(key)
    if isinstance(value, bool):
        return out + struct.pack("<IB", 7, value)
    if isinstance(value, int):
        return out + struct.pack("<II", 4, value)
    if isinstance(value, float):
        return out + struct.pack("<If", 6, value)
    if isinstance(value, str):
        return out + struct.pack("<I", 8) + gguf_string(value)
    if isinstance(value, list):  # array of strings
        out += struct.pack("<IIQ", 9, 8, len(value))
        return out + b"".join(gguf_string(v) for v in value)
    raise TypeError(value)


def meta_permute(w, heads):
    """Hugging Face (rotate_half) -> Meta (interleaved) row order, as
    llama.cpp's convert_hf_to_gguf.py LlamaModel.permute does."""
    shape = w.shape
    return w.reshape(heads, 2, shape[0] // heads // 2, *shape[1:]).swapaxes(1, 2).reshape(shape)


def gguf_tensors(m, arch=None):
    """GGUF names -> arrays. llama-arch GGUF keeps Meta's interleaved q/k
    order (llama.cpp uses adjacent-pair RoPE); qwen2/qwen3 keep HF order."""
    arch = arch or m.arch
    interleaved = arch in ("llama", "mistral")

    def qk(w, heads):
        if interleaved and m.rope == "half":
            return meta_permute(w, heads)
        if not interleaved and m.rope == "interleaved":
            return hf_permute(w if w.ndim == 2 else w[:, None], heads).reshape(w.shape)
        return w
    t = {"token_embd.weight": m.emb, "output_norm.weight": m.rms_final}
    if not m.tied:
        t["output.weight"] = m.wcls
    for l in range(m.n_layers):
        p = "blk.%d." % l
        t[p + "attn_norm.weight"] = m.rms_att[l]
        t[p + "attn_q.weight"] = qk(m.wq[l], m.n_heads)
        t[p + "attn_k.weight"] = qk(m.wk[l], m.n_kv)
        t[p + "attn_v.weight"] = m.wv[l]
        t[p + "attn_output.weight"] = m.wo[l]
        if m.qkv_bias:
            t[p + "attn_q.bias"] = qk(m.bq[l], m.n_heads)
            t[p + "attn_k.bias"] = qk(m.bk[l], m.n_kv)
            t[p + "attn_v.bias"] = m.bv[l]
        if m.qk_norm:
            t[p + "attn_q_norm.weight"] = m.q_norm[l]
            t[p + "attn_k_norm.weight"] = m.k_norm[l]
        t[p + "ffn_norm.weight"] = m.rms_ffn[l]
        t[p + "ffn_gate.weight"] = m.w1[l]
        t[p + "ffn_down.weight"] = m.w2[l]
        t[p + "ffn_up.weight"] = m.w3[l]
    return t


def write_gguf(path, m, dtype="F32", arch=None, tensors=None, metadata=None,
               types=None, alignment=32, version=3):
    arch = arch or m.arch
    kv = metadata if metadata is not None else {
        "general.architecture": arch,
        "general.name": "kvq test model",
        arch + ".context_length": m.seq_len,
        arch + ".embedding_length": m.dim,
        arch + ".feed_forward_length": m.hidden,
        arch + ".block_count": m.n_layers,
        arch + ".attention.head_count": m.n_heads,
        arch + ".attention.head_count_kv": m.n_kv,
        arch + ".attention.key_length": m.head_dim,
        arch + ".attention.value_length": m.head_dim,
        arch + ".rope.freq_base": float(m.rope_theta),
        arch + ".attention.layer_norm_rms_epsilon": float(m.eps),
        "tokenizer.ggml.tokens": ["t%d" % i for i in range(m.vocab)],
    }
    tensors = tensors if tensors is not None else gguf_tensors(m, arch)
    names = list(tensors)
    infos, blobs, off = b"", [], 0
    for name in names:
        a = tensors[name]
        dt = (types or {}).get(name, dtype)
        data = encode(a, dt) if isinstance(dt, str) else bytes(a.size)
        ggml_type = GGUF_TYPES[dt] if isinstance(dt, str) else dt
        infos += gguf_string(name) + struct.pack("<I", a.ndim)
        infos += b"".join(struct.pack("<Q", d) for d in reversed(a.shape))
        infos += struct.pack("<IQ", ggml_type, off)
        blobs.append(data)
        off += len(data) + (-len(data) % alignment)
    head = b"GGUF" + struct.pack("<IQQ", version, len(names), len(kv))
    head += b"".join(gguf_kv(k, v) for k, v in kv.items()) + infos
    head += b"\0" * (-len(head) % alignment)
    with open(path, "wb") as f:
        f.write(head)
        for b in blobs:
            f.write(b + b"\0" * (-len(b) % alignment))
    return rounded_model(m, dtype)


def random_model(arch="qwen3", dim=32, hidden=48, n_layers=2, n_heads=4, n_kv=2,
                 head_dim=16, vocab=64, seq_len=64, tied=False, seed=0):
    rng = np.random.default_rng(seed)

    def w(*shape, scale=None):
        scale = scale or 1.0 / np.sqrt(shape[-1])
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    def gain(n):
        return (1.0 + 0.2 * rng.standard_normal(n)).astype(np.float32)

    L = n_layers
    m = Model(arch=arch, dim=dim, hidden=hidden, n_layers=L, n_heads=n_heads,
              n_kv=n_kv, vocab=vocab, seq_len=seq_len, tied=tied, rope="half",
              rope_theta=1000000.0, eps=1e-6, qk_norm=arch == "qwen3",
              qkv_bias=arch == "qwen2",
              emb=w(vocab, dim, scale=1.0),
              rms_att=[gain(dim) for _ in range(L)],
              wq=[w(n_heads * head_dim, dim) for _ in range(L)],
              wk=[w(n_kv * head_dim, dim) for _ in range(L)],
              wv=[w(n_kv * head_dim, dim) for _ in range(L)],
              wo=[w(dim, n_heads * head_dim) for _ in range(L)],
              rms_ffn=[gain(dim) for _ in range(L)],
              w1=[w(hidden, dim) for _ in range(L)],
              w2=[w(dim, hidden) for _ in range(L)],
              w3=[w(hidden, dim) for _ in range(L)],
              rms_final=gain(dim))
    m.wcls = m.emb if tied else w(vocab, dim)
    if m.qk_norm:
        m.q_norm = [gain(head_dim) for _ in range(L)]
        m.k_norm = [gain(head_dim) for _ in range(L)]
    if m.qkv_bias:
        m.bq = [w(n_heads * head_dim, scale=0.5) for _ in range(L)]
        m.bk = [w(n_kv * head_dim, scale=0.5) for _ in range(L)]
        m.bv = [w(n_kv * head_dim, scale=0.5) for _ in range(L)]
    return m


def run_generate(bindir, module, prompt, steps, extra=(), logits="logits.npy"):
    """Runs kvq-generate; returns (tokens, logits)."""
    import subprocess
    cmd = [os.path.join(bindir, "kvq-generate"), module,
           "--prompt=" + ",".join(str(t) for t in prompt), "--steps=%d" % steps,
           "--logits-out=" + logits, "--quiet", "--progress=off"] + list(extra)
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return [int(t) for t in out.split()], np.load(logits)


def run_import(bindir, checkpoint, out, extra=()):
    import subprocess
    subprocess.run([os.path.join(bindir, "kvq-import"), checkpoint, "-o", out] + list(extra),
                   check=True)


def check(cond, what):
    if not cond:
        raise SystemExit("FAIL: " + what)
    print("ok:", what)
