"""CI version of the KV-cache accuracy study (docs/accuracy.md): a reduced
run of bench/accuracy/eval_kv.py on stories260K that asserts only what the
full study shows robustly, plus an independent numpy check of the lowering's
quantized caches (quant_ref.py).

usage: check_accuracy.py BINDIR MODEL WORKDIR
"""
import json
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import llama_ref as R  # noqa: E402
import quant_ref as Q  # noqa: E402

bindir, model, work = sys.argv[1:4]
root = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
evaluate = os.path.join(root, "bench", "accuracy", "eval_kv.py")

def evaluate_kv(out, *args):
    subprocess.run([sys.executable, evaluate, "--model", model,
                    "--build", os.path.dirname(bindir), "--out", out,
                    "--streams", "4", "--length", "128", "--calib-streams", "2",
                    "--groups", "32", "--markdown", os.path.join(out, "t.md")] +
                   list(args), check=True, stderr=subprocess.DEVNULL)
    print(open(os.path.join(out, "t.md")).read())
    return json.load(open(os.path.join(out, "results.json")))


res = evaluate_kv(work, "--configs", "fp16,K8V8,K4V4,K4V2,K2V4,K2V2",
                  "--policies", "optimal,calibrated-kl/layer",
                  "--windows", "0,32", "--sensitivity")
# Calibrated per KV head: one --per-head table (160 compilations, about
# 2 minutes), so window 0 only.
heads = evaluate_kv(os.path.join(work, "heads"), "--configs", "K4V2,K2V2",
                    "--policies", "calibrated-kl/head", "--windows", "0")


def run(name, window):
    return next(r for r in res["runs"] if r["config"] == name and
                (name == "fp16" or r["window"] == window))


R.check(run("fp16", 0)["kl"] < 1e-4, "fp16 cache: KL < 1e-4 against f32")
for w in (0, 32):
    kl = {c: run(c, w)["kl"] for c in ("K8V8", "K4V4", "K4V2", "K2V2", "K2V4")}
    R.check(kl["K8V8"] < 0.01, "window %d: K8V8 KL < 0.01" % w)
    R.check(kl["K8V8"] < kl["K4V4"] < kl["K4V2"] < kl["K2V2"],
            "window %d: KL orders K8V8 < K4V4 < K4V2 < K2V2" % w)
    # The study's headline at group 32 (equal bytes): 4-bit keys with 2-bit
    # values beat 2-bit keys with 4-bit values.
    R.check(kl["K4V2"] < kl["K2V4"], "window %d, group 32: KL(K4V2) %.3f < "
            "KL(K2V4) %.3f" % (w, kl["K4V2"], kl["K2V4"]))
    R.check(run("K4V2", w)["bytes_per_token"] == run("K2V4", w)["bytes_per_token"],
            "window %d: K4V2 and K2V4 store the same bytes per token" % w)
    R.check(run("K4V2", w)["kl"] < run("K4V2", 0)["kl"] or w == 0,
            "a 32-token window lowers K4V2's KL")
# At the K2V2 budget every tensor is already at the narrowest candidate: the
# allocator can only return K2V2.
for gran in ("layer", "head"):
    r = next(a for a in res["allocations"] if a["config"] == "optimal@K2V2/" + gran
             and a["window"] == 0)
    R.check(abs(r["kl"] - run("K2V2", 0)["kl"]) < 1e-9,
            "optimal at the K2V2 budget (per %s) is K2V2" % gran)
# Calibrated by measured next-token KL on streams disjoint from the evaluation
# streams, the allocation at the K4V2 budget beats both fixed K4V2 and the
# norm-proxy allocation (the full study: by 54-86%). (Calibrated by
# attention-output MSE, the default column, it does not reliably: not
# asserted.)
for w in (0, 32):
    cal = next(a for a in res["allocations"]
               if a["config"] == "calibrated-kl@K4V2/layer" and a["window"] == w)
    opt = next(a for a in res["allocations"]
               if a["config"] == "optimal@K4V2/layer" and a["window"] == w)
    R.check(cal["kl"] < 0.8 * run("K4V2", w)["kl"] and cal["kl"] < 0.8 * opt["kl"],
            "window %d: calibrated-kl@K4V2 (KL %.3f) beats K4V2 (%.3f) and "
            "optimal@K4V2 (%.3f) by > 20%%" % (w, cal["kl"], run("K4V2", w)["kl"],
                                              opt["kl"]))
    R.check(cal["bytes_per_token"] <= run("K4V2", w)["bytes_per_token"],
            "window %d: calibrated-kl@K4V2 stores no more bytes than K4V2" % w)
# Per KV head too (the full study: -61% to -96%, on every stream); at the K2V2
# budget it can only return K2V2.
cal = next(a for a in heads["allocations"] if a["config"] == "calibrated-kl@K4V2/head")
k4v2 = next(r for r in heads["runs"] if r["config"] == "K4V2")
R.check(cal["kl"] < 0.8 * k4v2["kl"] and cal["bytes_per_token"] <= k4v2["bytes_per_token"],
        "window 0: calibrated-kl@K4V2/head (KL %.3f) beats K4V2 (%.3f) by > 20%% "
        "with no more stored bytes" % (cal["kl"], k4v2["kl"]))
cal = next(a for a in heads["allocations"] if a["config"] == "calibrated-kl@K2V2/head")
k2v2 = next(r for r in heads["runs"] if r["config"] == "K2V2")
R.check(abs(cal["kl"] - k2v2["kl"]) < 1e-9,
        "calibrated-kl at the K2V2 budget (per head) is K2V2")
# The weight-norm proxy and measured sensitivity disagree on values: layer 0's
# values are the most sensitive, layer 4's the least, yet ||W_V|| grows with
# depth.
sens = {(r["sensitivity"]["tensor"], r["sensitivity"]["layer"]): r["kl"]
        for r in res["runs"] if "sensitivity" in r}
wv = res["weight_norms"]["w_v"]
R.check(sens[("value", 0)] > 5 * sens[("value", 4)] and wv[4] > wv[0],
        "value sensitivity falls with depth (layer 0 %.3f, layer 4 %.3f) while "
        "||W_V|| rises (%.2f -> %.2f)" % (sens[("value", 0)], sens[("value", 4)],
                                           wv[0], wv[4]))
R.check(sens[("key", 0)] > 5 * sens[("key", 4)],
        "key sensitivity falls with depth")

# Independent check of the numbers: the numpy model of the storage format
# (quant_ref.py) on the first 64 tokens of a stream gives the lowering's
# logits (KL between them tiny next to KL against full precision).
m = R.read_llama2c(model)
stream = np.load(os.path.join(work, "eval-streams.npy"))[:1, :64]
np.save(os.path.join(work, "x.npy"), stream)
ref = Q.score(R.Runner(m), stream[0])


def log_softmax(x):
    x = x.astype(np.float64)
    x = x - x.max(-1, keepdims=True)
    return x - np.log(np.exp(x).sum(-1, keepdims=True))


def kl(p, q):
    lp, lq = log_softmax(p), log_softmax(q)
    return float((np.exp(lp) * (lp - lq)).sum(-1).mean())


for kb, vb, win in ((4, 2, 0), (2, 4, 32)):
    sim = Q.score(Q.QuantRunner(m, kb, vb, 32, win, win), stream[0])
    out = os.path.join(work, "x-logits.npy")
    subprocess.run([os.path.join(bindir, "kvq-generate"),
                    os.path.join(work, "model.mlir"),
                    "--prompts=" + os.path.join(work, "x.npy"), "--steps=0",
                    "--quiet", "--progress=off", "--key-bits=%d" % kb,
                    "--value-bits=%d" % vb, "--group=32", "--window=%d" % win,
                    "--logits-out=" + out], check=True,
                   stderr=subprocess.DEVNULL)
    got = np.load(out)[0]
    d, total = kl(sim, got), kl(ref, got)
    print("K%dV%d window %d: KL(f32 || kvq) %.4f, KL(numpy model || kvq) %.2e"
          % (kb, vb, win, total, d))
    R.check(d < 1e-3 * total and abs(kl(ref, sim) - total) < 1e-2 * total,
            "K%dV%d window %d: the lowering matches the numpy storage-format "
            "model" % (kb, vb, win))
