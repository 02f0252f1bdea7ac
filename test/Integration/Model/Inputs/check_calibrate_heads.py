"""kvq-calibrate --per-head on a tiny random GQA llama (calibrate-heads.test):
the table's shape, the quantized template kept (a window longer than the
streams measures no error), per-head attention errors that add up to the
per-layer ones, and the calibrated per-head allocation through
kvq-assign-bits, kvq-split-heads and kvq-generate.

usage: check_calibrate_heads.py BINDIR TMPDIR
"""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import llama_ref as R  # noqa: E402

bindir, tmp = sys.argv[1:3]
os.makedirs(tmp, exist_ok=True)


def tool(name, *args):
    return subprocess.run([os.path.join(bindir, name)] + list(args), check=True,
                          capture_output=True, text=True)


# 2 layers, 4 query heads, 2 KV heads of head_dim 8, context 64.
m = R.random_model("llama", head_dim=8, n_heads=4, n_kv=2, seed=5)
R.write_hf(os.path.join(tmp, "hf"), m, "F32")
model = os.path.join(tmp, "model.mlir")
R.run_import(bindir, os.path.join(tmp, "hf"), model)


def base(name, window):
    """The raised K4V2 module (key group 8) kvq-calibrate takes as template."""
    path = os.path.join(tmp, name)
    tool("kvq-generate", model, "--prompt=1,1", "--steps=1", "--quiet",
         "--progress=off", "--key-bits=4", "--value-bits=2", "--key-group=8",
         "--key-window=%d" % window, "--value-window=%d" % window,
         "--emit-module=" + path)
    return path


def calibrate(module, out, *extra):
    tool("kvq-calibrate", module, "-o", out, "--streams=2", "--length=40",
         "--seed=3", *extra)
    return json.load(open(out))


b0 = base("base-w0.mlir", 0)
layer = calibrate(b0, os.path.join(tmp, "layer.json"), "--widths=2,4")
head = calibrate(b0, os.path.join(tmp, "head.json"), "--widths=2,4", "--per-head")
R.check(layer["granularity"] == "layer" and head["granularity"] == "head",
        "granularity recorded")
R.check(head["widths"] == [2, 4, 16], "widths 2, 4 and the 16-bit reference")
R.check([(r["layer"], r["head"]) for r in head["layers"]] ==
        [(l, h) for l in range(2) for h in range(2)], "one row per layer and KV head")
R.check(head["streams"]["tokens"] == layer["streams"]["tokens"], "same streams")
for r in head["layers"]:
    for t in ("key", "value"):
        for metric in ("attention_mse", "kl"):
            e = r[t][metric]
            R.check(e[-1] == 0 and e[0] > e[1] > 0,
                    "layer %d head %d %s %s: decreasing in bits, 0 at 16 bits"
                    % (r["layer"], r["head"], t, metric))
# A KV head feeds only its own group of query heads, so quantizing one head
# changes only that group of the attention output: per-head attention errors
# (means over all of the layer's outputs) add up to the layer's exactly.
for r in layer["layers"]:
    for t in ("key", "value"):
        for j in range(2):
            s = sum(h[t]["attention_mse"][j] for h in head["layers"]
                    if h["layer"] == r["layer"])
            R.check(abs(s - r[t]["attention_mse"][j]) <= 1e-9 * r[t]["attention_mse"][j],
                    "layer %d %s at %d bits: heads' attention errors sum to the "
                    "layer's (%.6g vs %.6g)" % (r["layer"], t, head["widths"][j], s,
                                                r[t]["attention_mse"][j]))

# The module's quantized schemes are the template: with a 48-token window
# (longer than the 40-token streams) nothing is quantized; what is left is
# the window's f32 against the reference's f16 storage (~1e-9).
w48 = calibrate(base("base-w48.mlir", 48), os.path.join(tmp, "w48.json"),
                "--widths=2", "--per-head")
R.check(all(r[t][m][0] < 1e-5 * h[t][m][0] for r, h in zip(w48["layers"], head["layers"])
            for t in ("key", "value") for m in ("attention_mse", "kl")),
        "the template's window is kept: errors within the window < 1e-5 of "
        "those without")

# Calibrated per-head allocation at the stored budget of K4V2 (keys 4 + 4
# bits of group-8 scales, values 2 + 4): 7 bits per element.
alloc = os.path.join(tmp, "alloc.mlir")
report = os.path.join(tmp, "alloc.json")
tool("kvq-opt", b0, "--kvq-assign-bits=policy=calibrated granularity=head "
     "budget=7 candidates=2,4,16 sensitivity-metric=kl sensitivity=%s json=%s"
     % (os.path.join(tmp, "head.json"), report), "-o", alloc)
rep = json.load(open(report))
a = rep["allocation"]
R.check(a["policy"] == "calibrated" and a["average_bits"] <= 7 + 1e-9,
        "calibrated per head within the budget (%.3f bits/element)" % a["average_bits"])
chosen = {}
for l in rep["layers"]:
    for h, (kb, vb) in enumerate(zip(l["key"]["head_bits"], l["value"]["head_bits"])):
        chosen[(l["layer"], h)] = (kb, vb)
s = sum(r["key"]["kl"][head["widths"].index(chosen[(r["layer"], r["head"])][0])] +
        r["value"]["kl"][head["widths"].index(chosen[(r["layer"], r["head"])][1])]
        for r in head["layers"])
R.check(abs(s - rep["measured"]["error"]) <= 1e-12 * max(s, 1),
        "the allocation's error is the table's sum at its widths")
print("widths:", " ".join("L%dh%d K%gV%g" % (l, h, *chosen[(l, h)]) for (l, h) in sorted(chosen)))
split = tool("kvq-opt", alloc, "--kvq-split-heads").stdout
R.check(len(re.findall(r"kvq.kv_head = \d+", split)) == 4, "split into 4 single-head caches")
out = tool("kvq-generate", alloc, "--prompt=1,2,3", "--steps=4", "--progress=off").stdout
R.check(len(out.strip()) > 0, "kvq-generate runs the calibrated per-head allocation")
