"""kvq-assign-bits on imported models: stories260K (llama2.c, inline and
external weights) and a tiny random Qwen3 model with k_norm (safetensors
bf16). Imports, raises, allocates; checks that every layer's cache is
retyped, that the reported norms equal numpy's (weights as stored), that
the effective key norm under k_norm is sqrt(kv_heads) * ||k_norm gain||
(docs/allocation.md), that the budget is met, and that the allocated model
still generates.

Usage: check_assign_bits.py stories|stories-external|qwen3 BINDIR TMPDIR [MODEL]
"""
import json
import os
import re
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import llama_ref as R  # noqa: E402

mode, bindir, tmp = sys.argv[1:4]
os.makedirs(tmp, exist_ok=True)
mlir = os.path.join(tmp, "model.mlir")
if mode.startswith("stories"):
    path = sys.argv[4]
    m = R.read_llama2c(path)
    R.run_import(bindir, path, mlir,
                 ["--weights=external"] if mode == "stories-external" else [])
    budget = 6  # head_dim 8: 8-element value groups store 4 bits of scales
else:
    m = R.random_model("qwen3", head_dim=16, tied=False, seed=3)
    m = R.write_hf(os.path.join(tmp, "hf"), m, "BF16")
    R.run_import(bindir, os.path.join(tmp, "hf", "model.safetensors"), mlir)
    budget = 5

report = os.path.join(tmp, "report.json")
out = os.path.join(tmp, "allocated.mlir")
res = subprocess.run([os.path.join(bindir, "kvq-opt"), mlir, "--kvq-raise-attention",
                      f"--kvq-assign-bits=budget={budget} json={report}",
                      "--mlir-print-op-on-diagnostic=false", "-o", out],
                     capture_output=True, text=True)
R.check(res.returncode == 0, "kvq-opt: " + res.stderr[-2000:])
print("\n".join(l for l in res.stderr.splitlines() if "remark" not in l))
rep = json.load(open(report))
L, hd, nkv = m.n_layers, m.wk[0].shape[0] // m.n_kv, m.n_kv
R.check(len(rep["layers"]) == L, "a report row per layer")


def close(a, b, what):
    R.check(abs(a - b) <= 1e-6 * abs(b), "%s: kvq %r numpy %r" % (what, a, b))


for l, row in enumerate(rep["layers"]):
    R.check(row["layer"] == l, "layer order")
    wk = m.wk[l].astype(np.float64)
    wv = m.wv[l].astype(np.float64)
    close(row["key"]["weight_norm"], np.linalg.norm(wk), "layer %d W_K" % l)
    close(row["value"]["norm"], np.linalg.norm(wv), "layer %d W_V" % l)
    for h in range(nkv):
        close(row["value"]["head_norms"][h], np.linalg.norm(wv[h * hd:(h + 1) * hd]),
              "layer %d W_V head %d" % (l, h))
    if getattr(m, "qk_norm", False):
        g = m.k_norm[l].astype(np.float64)
        close(row["key"]["norm"], np.sqrt(nkv) * np.linalg.norm(g), "layer %d effective key" % l)
        R.check(row["key"]["operator"].startswith("diag(k_norm gain)"), "k_norm operator")
    else:
        close(row["key"]["norm"], np.linalg.norm(wk), "layer %d key" % l)
    R.check(row["key"]["scheme_bits"] in (2, 3, 4, 8, 16) and
            row["value"]["scheme_bits"] in (2, 3, 4, 8, 16), "layer %d retyped" % l)
    print("layer %d: K %.4f (W_K %.4f) V %.4f -> K%d V%d" % (
        l, row["key"]["norm"], row["key"]["weight_norm"], row["value"]["norm"],
        row["key"]["scheme_bits"], row["value"]["scheme_bits"]))
alloc = rep["allocation"]
R.check(alloc["used_bits"] <= alloc["budget_bits"] * (1 + 1e-9), "within the budget")
R.check(alloc["slack_bits"] < alloc["min_step_bits"] or alloc["min_step_bits"] == 0,
        "budget used to within one step")
print("average %.4f bits of %g, slack %g" % (alloc["average_bits"], budget, alloc["slack_bits"]))
text = open(out).read()
args = re.findall(r"!kvq\.cache<[^{]*\{kvq\.layer = (\d+)", text)
R.check(len(set(args)) == L, "every layer's cache argument is a retyped !kvq.cache")
R.check("bits = 16" not in text, "no cache left unquantized")
# The allocated module runs (greedy tokens through the CPU lowering).
toks, _ = R.run_generate(bindir, out, [1, 2, 3], 8, logits=os.path.join(tmp, "l.npy"))
R.check(len(toks) >= 8, "the allocated model generates")
print("generated %d tokens" % len(toks))
print("OK")
