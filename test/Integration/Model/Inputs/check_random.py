"""Tiny random Qwen3 / Qwen2 / Llama models written by the test helpers in
llama_ref.py, imported and run against the numpy reference.
Usage: check_random.py ARCH BINDIR TMPDIR"""
import os
import re
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import llama_ref as R  # noqa: E402

arch, bindir, tmp = sys.argv[1:4]
os.makedirs(tmp, exist_ok=True)
STEPS = 24
if arch == "qwen3":
    m = R.random_model("qwen3", head_dim=16, tied=False, seed=3)  # head_dim != dim / heads
elif arch == "qwen2":
    m = R.random_model("qwen2", head_dim=8, n_heads=4, n_kv=1, tied=True, seed=2)
else:
    m = R.random_model("llama", head_dim=8, n_heads=4, n_kv=4, tied=False, seed=1)
prompt = [3, 17, 5]


def tol(logits, ref, what, rtol=1e-4):
    err = R.rel_err(logits, ref)
    R.check(err <= rtol, "%s: logits within %g relative (%.2e)" % (what, rtol, err))


for fmt, dtype in [("safetensors", "BF16"), ("safetensors", "F32"), ("gguf", "F16")]:
    if fmt == "gguf":
        path = os.path.join(tmp, "model-%s.gguf" % dtype)
        mr = R.write_gguf(path, m, dtype)
    else:
        path = os.path.join(tmp, "hf-" + dtype)
        mr = R.write_hf(path, m, dtype)
    out = os.path.join(tmp, "%s-%s.mlir" % (fmt, dtype))
    R.run_import(bindir, path, out)
    r_toks, r_logits = R.greedy(mr, prompt, STEPS)
    toks, logits = R.run_generate(bindir, out, prompt, STEPS, logits=os.path.join(tmp, "l.npy"))
    R.check(toks == r_toks, "%s %s %s: %d greedy tokens match the reference" % (arch, fmt, dtype, STEPS))
    tol(logits, r_logits, "%s %s %s" % (arch, fmt, dtype))

# Raising: every layer, with the key norm bound for Qwen3.
raised = os.path.join(tmp, "raised.mlir")
res = subprocess.run([os.path.join(bindir, "kvq-opt"), out, "--kvq-raise-attention",
                      "-o", raised], check=True, capture_output=True, text=True)
R.check("remark" not in res.stderr, "raising recognises every layer")
text = open(raised).read()
binds = re.findall(r"kvq.bind_projections .*", text)
R.check(len(binds) == m.n_layers and len(re.findall(r"kvq.attend", text)) == m.n_layers,
        "one cache per layer")
kv_rows = m.n_kv * m.head_dim
for l, b in enumerate(binds):
    proj = r"tensor<%dx%dxf16>" % (kv_rows, m.dim)
    R.check(re.search(r"layer %d keys\(%%\w+ : %s\) values\(%%\w+ : %s\)" % (l, proj, proj), b)
            is not None, "layer %d bound to its %dx%d f16 projections" % (l, kv_rows, m.dim))
    norm = re.search(r"key_norm\((%%\w+) : tensor<%dxf16>\)" % m.head_dim, b)
    R.check((norm is not None) == (arch == "qwen3"),
            "layer %d: key_norm bound %s" % (l, "(Qwen3 k_norm)" if arch == "qwen3" else "nowhere"))
    if norm:
        name = re.search(re.escape(norm.group(1)) + r" = arith.constant dense_resource<([\w.]+)>", text)
        R.check(name is not None and name.group(1) == "blk.%d.attn_k_norm.weight" % l,
                "layer %d: the key norm is blk.%d.attn_k_norm.weight" % (l, l))
toks, logits = R.run_generate(bindir, out, prompt, STEPS,
                              ["--key-bits=8", "--value-bits=4", "--group=32", "--window=32"],
                              logits=os.path.join(tmp, "w.npy"))
R.check(toks == r_toks, "raised (K8/V4, window 32 >= all tokens): same tokens")
tol(logits, r_logits, "raised (K8/V4, window 32)")
