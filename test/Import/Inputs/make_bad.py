"""Writes a good tiny checkpoint in each format and broken variants of it,
for the error tests in test/Import. Usage: make_bad.py OUTDIR"""
import json
import os
import shutil
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "Integration", "Model", "Inputs"))
import llama_ref as R  # noqa: E402

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
P = lambda *a: os.path.join(out, *a)
m = R.random_model("llama", dim=16, hidden=24, n_layers=2, n_heads=2, n_kv=1,
                   head_dim=8, vocab=32, seq_len=32, tied=True, seed=7)


# --- llama2.c ---------------------------------------------------------------
def llama2c_bytes(header, m, extra=b""):
    arrays = [m.emb, np.stack(m.rms_att), np.stack(m.wq), np.stack(m.wk), np.stack(m.wv),
              np.stack(m.wo), np.stack(m.rms_ffn), np.stack(m.w1), np.stack(m.w2),
              np.stack(m.w3), m.rms_final, np.zeros((2, m.seq_len, m.head_dim // 2))]
    return struct.pack("<7i", *header) + b"".join(
        np.asarray(a, "<f4").tobytes() for a in arrays) + extra


good = [m.dim, m.hidden, m.n_layers, m.n_heads, m.n_kv, m.vocab, m.seq_len]
data = llama2c_bytes(good, m)
open(P("good.bin"), "wb").write(data)
open(P("truncated.bin"), "wb").write(data[:len(data) // 2])
open(P("oversized.bin"), "wb").write(data + b"\0" * 12)
open(P("header-only.bin"), "wb").write(data[:20])
bad = list(good); bad[3] = 0
open(P("zero-heads.bin"), "wb").write(llama2c_bytes(bad, m))
bad = list(good); bad[3], bad[4] = 2, 3
open(P("kv-heads.bin"), "wb").write(llama2c_bytes(bad, m))
open(P("v2.bin"), "wb").write(struct.pack("<Ii", 0x616b3432, 2) + b"\0" * 248)
open(P("tiny.dat"), "wb").write(b"0123456789")

# --- safetensors + config.json ---------------------------------------------
R.write_hf(P("hf"), m, "F32")
tensors = R.hf_tensors(m)
cfg = R.hf_config(m)


def hf_variant(name, tensors=tensors, cfg=cfg, raw=None):
    d = P(name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as f:
        f.write(cfg if isinstance(cfg, str) else json.dumps(cfg))
    if raw is not None:
        open(os.path.join(d, "model.safetensors"), "wb").write(raw)
    else:
        R.write_safetensors(os.path.join(d, "model.safetensors"), tensors)


good_st = open(P("hf", "model.safetensors"), "rb").read()
hf_variant("st-header-size", raw=struct.pack("<Q", 1 << 40) + good_st[8:])
n = struct.unpack("<Q", good_st[:8])[0]
hf_variant("st-bad-json", raw=struct.pack("<Q", n) + b"{" + b"x" * (n - 1) + good_st[8 + n:])
hf_variant("st-truncated", raw=good_st[:len(good_st) - 100])
t = dict(tensors)
k = "model.layers.0.self_attn.v_proj.weight"
t[k] = ("F32", [8, 16], b"\0" * 100)
hf_variant("st-size-mismatch", tensors=t)
t = dict(tensors)
t[k] = ("Q9", [8, 16], b"\0" * 128)
hf_variant("st-unknown-dtype", tensors=t)
t = dict(tensors)
t[k] = ("I8", [8, 16], b"\0" * 128)
hf_variant("st-int8", tensors=t)
t = dict(tensors)
del t["model.layers.1.self_attn.k_proj.weight"]
hf_variant("st-missing", tensors=t)
t = dict(tensors)
t["model.layers.1.mlp.up_proj.weight"] = np.zeros((16, 24), np.float32)
hf_variant("st-shape", tensors=t)
c = dict(cfg); c["architectures"] = ["GPT2LMHeadModel"]; c["model_type"] = "gpt2"
hf_variant("cfg-arch", cfg=c)
c = dict(cfg); c["num_key_value_heads"] = 3
hf_variant("cfg-heads", cfg=c)
c = dict(cfg); del c["hidden_size"]
hf_variant("cfg-missing", cfg=c)
c = dict(cfg); c["rope_scaling"] = {"rope_type": "yarn", "factor": 4.0}
hf_variant("cfg-rope", cfg=c)
c = dict(cfg); c["tie_word_embeddings"] = False
hf_variant("cfg-untied", cfg=c)
hf_variant("cfg-json", cfg="{ not json")
os.makedirs(P("no-config"), exist_ok=True)
shutil.copy(P("hf", "model.safetensors"), P("no-config", "model.safetensors"))

# --- GGUF -------------------------------------------------------------------
R.write_gguf(P("good.gguf"), m, "F32")
g = open(P("good.gguf"), "rb").read()
open(P("bad-magic.gguf"), "wb").write(b"GGUX" + g[4:])
open(P("v1.gguf"), "wb").write(g[:4] + struct.pack("<I", 1) + g[8:])
open(P("truncated-meta.gguf"), "wb").write(g[:200])
open(P("truncated-data.gguf"), "wb").write(g[:len(g) - 64])
R.write_gguf(P("q4.gguf"), m, "F32", types={"blk.0.attn_k.weight": 2})
kv = {"general.architecture": "llama", "llama.block_count": 2}
R.write_gguf(P("no-meta.gguf"), m, "F32", metadata=kv)
R.write_gguf(P("gpt2.gguf"), m, "F32", arch="gpt2")
# A key whose string length runs past the end of the file.
open(P("bad-string.gguf"), "wb").write(
    b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + struct.pack("<Q", 1 << 50) + b"abc")
open(P("counts.gguf"), "wb").write(b"GGUF" + struct.pack("<IQQ", 3, 1 << 60, 1 << 60))
print("written to", out)
