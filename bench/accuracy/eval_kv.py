#!/usr/bin/python3
"""KV-cache accuracy study on a real model through kvq's own import and CPU
lowering (docs/accuracy.md).

The model samples its own evaluation streams with a full-precision (f32) cache
(kvq-generate --temperature=1 with fixed seeds; the tokenizer of stories260K is
not available, so there is no text corpus). Every KV-cache configuration then
scores the same streams by teacher forcing (kvq-generate --prompts --steps=0,
one compilation per configuration, every stream from an empty cache) and is
compared with the full-precision run position by position:

  KL     mean over positions of KL(p_fp || p_config) of the next-token
         distribution, in nats
  PPL    perplexity of the sampled streams under the configuration
  top-1  fraction of positions whose argmax equals the full-precision argmax
  bytes  cache bytes per token (all layers, keys + values) from
         kvq-report-footprint on the module as it ran: "stored" = code, scale
         and zero-point segments / capacity (code-word padding included),
         "nominal" = bits per element x elements (no padding); the
         full-precision window ring and the 64-byte header are a constant per
         sequence and not included

Usage (the full study; docs/accuracy.md has the exact command):

  /usr/bin/python3 bench/accuracy/eval_kv.py --out build/accuracy --sensitivity \
      --markdown build/accuracy/tables.md

Reduced runs (CI) pick configurations, groups, windows, streams and length.
"""

import argparse
import json
import math
import os
import re
import struct
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DEFAULT_MODEL = os.path.join(os.path.dirname(ROOT), "shared", "data", "models",
                             "stories260K.bin")
BOS = 1

# name -> (key bits, value bits, key rotation)
FIXED = {
    "fp16": (16, 16, "none"),
    "K8V8": (8, 8, "none"),
    "K4V4": (4, 4, "none"),
    "K4V2": (4, 2, "none"),
    "K2V4": (2, 4, "none"),
    "K2V2": (2, 2, "none"),
    "K4V2-rot": (4, 2, "hadamard"),
    "K2V2-rot": (2, 2, "hadamard"),
    # Not asked for by the issue: one tensor quantized, the other 16-bit, to
    # see which tensor's error dominates.
    "K4V16": (4, 16, "none"),
    "K2V16": (2, 16, "none"),
    "K16V4": (16, 4, "none"),
    "K16V2": (16, 2, "none"),
}
# Hand-made per-layer widths at the K4V2 budget (not asked for by the issue):
# the widths kvq-assign-bits chooses here (its proxy moves one key bit of
# layer 4 to layer 4's values), and the same bytes with that value bit on
# layer 0, the layer measured most sensitive (--sensitivity).
LAYERED = {
    "K4V2-proxy-widths": ("4,4,4,4,3", "2,2,2,2,3"),
    "K4V2-sens-widths": ("4,4,4,4,3", "3,2,2,2,2"),
}
# Allocation policies of kvq-assign-bits (issue 5), at the budgets of K4V2 and
# K2V2, per layer and per KV head.
# calibrated: kvq-calibrate's measured attention-output error (the default
# column); calibrated-kl: its end-to-end next-token KL column.
POLICIES = ["greedy", "optimal", "calibrated", "calibrated-kl"]
BUDGETS = {"K4V2": (4, 2), "K2V2": (2, 2)}
GRANULARITIES = ["layer", "head"]


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        errors = [l for l in r.stderr.splitlines() if "error: " in l]
        raise RuntimeError("command failed (%d): %s\n%s\n%s" %
                           (r.returncode, " ".join(cmd), "\n".join(errors),
                            r.stderr[-2000:]))
    return r


def key_window(group, window):
    """Keys are per_channel: their token group is `group` tokens and their
    window must be a multiple of it, so the key window is the smallest
    multiple of the group that is >= window (>= window tokens stay in full
    precision, as asked)."""
    return -(-window // group) * group


def log_softmax(x):
    x = x.astype(np.float64)
    m = x.max(axis=-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=-1, keepdims=True))


def metrics(ref_logits, logits, streams):
    """Per-stream and overall metrics of `logits` ([S, P, V]) against the
    full-precision `ref_logits`; position p predicts streams[:, p + 1]."""
    lp_ref = log_softmax(ref_logits)
    lp = log_softmax(logits)
    kl = (np.exp(lp_ref) * (lp_ref - lp)).sum(-1)  # [S, P]
    targets = streams[:, 1:1 + logits.shape[1]]
    nll = -np.take_along_axis(lp, targets[..., None], -1)[..., 0]
    top1 = (logits.argmax(-1) == ref_logits.argmax(-1))
    return {
        "kl": float(kl.mean()),
        "kl_per_stream": kl.mean(1).tolist(),
        "kl_max_position": float(kl.max()),
        "ppl": float(math.exp(nll.mean())),
        "nll_per_stream": nll.mean(1).tolist(),
        "top1": float(top1.mean()),
        # KL by position, averaged over streams, in 8 equal spans.
        "kl_by_span": [float(c.mean()) for c in np.array_split(kl.mean(0), 8)],
    }


def weight_norms(path):
    """Frobenius norms of W_K, W_V per layer and per KV head from a llama2.c
    checkpoint (legacy float32 export), also with the attention RMSNorm gain
    folded in (W diag(g): what actually produces the cached keys/values)."""
    with open(path, "rb") as f:
        dim, hidden, layers, heads, kv_heads, vocab, seq = struct.unpack(
            "7i", f.read(28))
        w = np.frombuffer(f.read(), dtype=np.float32)
    vocab = abs(vocab)
    hd = dim // heads
    kv = kv_heads * hd
    o = vocab * dim
    g = w[o:o + layers * dim].reshape(layers, dim)
    o += layers * dim
    o += layers * dim * dim  # wq
    wk = w[o:o + layers * kv * dim].reshape(layers, kv, dim)
    o += layers * kv * dim
    wv = w[o:o + layers * kv * dim].reshape(layers, kv, dim)
    out = {}
    for name, m in (("w_k", wk), ("w_v", wv)):
        mg = m * g[:, None, :]
        out[name] = np.linalg.norm(m.reshape(layers, -1), axis=1).tolist()
        out[name + "_gain"] = np.linalg.norm(mg.reshape(layers, -1),
                                             axis=1).tolist()
        out[name + "_head"] = np.linalg.norm(
            m.reshape(layers, kv_heads, -1), axis=2).tolist()
    return out


def spearman(a, b):
    ra = np.argsort(np.argsort(a)).astype(float)
    rb = np.argsort(np.argsort(b)).astype(float)
    ra -= ra.mean()
    rb -= rb.mean()
    return float((ra * rb).sum() / math.sqrt((ra * ra).sum() * (rb * rb).sum()))


class Study:
    def __init__(self, a):
        self.a = a
        self.bin = os.path.join(os.path.abspath(a.build), "bin")
        self.out = os.path.abspath(a.out)
        os.makedirs(self.out, exist_ok=True)
        self.tmp = os.path.join(self.out, "tmp")
        os.makedirs(self.tmp, exist_ok=True)
        self.calibration_seconds = {}

    def tool(self, name):
        return os.path.join(self.bin, name)

    def setup(self):
        a = self.a
        self.module = os.path.join(self.out, "model.mlir")
        run([self.tool("kvq-import"), a.model, "--weights=external", "-o",
             self.module])
        # Streams: BOS, then length - 1 tokens sampled at temperature 1 with a
        # full-precision cache; stream s of a set uses seed base + s.
        self.streams = self.sample("eval", a.streams, a.seed)
        self.calib = []
        if a.calib_streams:
            self.calib = self.sample("calib", a.calib_streams, a.calib_seed)
            for row in self.calib:
                assert not (self.streams == row).all(1).any(), \
                    "a calibration stream equals an evaluation stream"
        self.ref_logits = self.score("fp32", [], cache="tensor")["logits"]

    def sample(self, name, count, seed):
        bos = os.path.join(self.out, name + "-bos.npy")
        np.save(bos, np.full((count, 1), BOS, dtype=np.int64))
        out = os.path.join(self.out, name + "-streams.npy")
        run([self.tool("kvq-generate"), self.module, "--prompts=" + bos,
             "--steps=%d" % (self.a.length - 1), "--temperature=1",
             "--seed=%d" % seed, "--cache=tensor", "--quiet",
             "--progress=off", "--tokens-out=" + out])
        return np.load(out)

    def score(self, tag, options, cache="kvq", module=None):
        logits = os.path.join(self.tmp, tag + ".npy")
        emitted = os.path.join(self.tmp, tag + ".mlir")
        cmd = [self.tool("kvq-generate"), module or self.module,
               "--prompts=" + os.path.join(self.out, "eval-streams.npy"),
               "--steps=0", "--quiet", "--progress=off", "--cache=" + cache,
               "--logits-out=" + logits] + options
        if cache == "kvq":
            cmd.append("--emit-module=" + emitted)
        t0 = time.time()
        r = run(cmd)
        seconds = time.time() - t0
        result = {"logits": np.load(logits), "seconds": seconds,
                  "remarks": sorted(set(
                      l.split("remark: ")[-1] for l in r.stderr.splitlines()
                      if "remark:" in l))}
        os.remove(logits)
        if cache == "kvq":
            result["footprint"] = self.footprint(emitted)
            os.remove(emitted)
        return result

    def footprint(self, module):
        js = module + ".footprint.json"
        run([self.tool("kvq-opt"), module, "--kvq-report-footprint=json=" + js,
             "-o", os.devnull])
        with open(js) as f:
            report = json.load(f)
        os.remove(js)
        caches = sorted(report["caches"], key=lambda c: c.get("layer", 0))
        # Caches split per KV head (kvq-split-heads) hold 1/kv_heads of a
        # layer's elements each.
        for c in caches:
            c["_heads_fraction"] = self.layers / len(caches)
        return self.bytes_per_token(caches)

    def bytes_per_token(self, caches):
        """Stored bytes per cached token: the code, scale and zero-point
        segments (or the f16 data) of keys and values of every cache, divided
        by the capacity (so code-word padding, e.g. 3-bit codes of head_dim 8
        in one 32-bit word, counts); and the buffer bytes / capacity (plus the
        window ring and header)."""
        def seg(t):
            return sum(t.get(k, 0) for k in ("codes_bytes", "scales_bytes",
                                              "zeros_bytes", "data_bytes"))
        marginal = sum((seg(c["keys"]) + seg(c["values"])) / self.capacity
                       for c in caches)
        buffer = sum(c["bytes_per_token"] for c in caches)
        # Nominal: bits per element (codes + scales + zeros, no word padding)
        # times the elements of a token.
        nominal = self.elements_per_token_per_layer * sum(
            (c["keys"]["bits_per_element"] + c["values"]["bits_per_element"]) / 8
            * c.get("_heads_fraction", 1.0) for c in caches)
        return {"bytes_per_token": marginal, "buffer_bytes_per_token": buffer,
                "nominal_bytes_per_token": nominal,
                "key_bits": [c["keys"]["bits"] for c in caches],
                "value_bits": [c["values"]["bits"] for c in caches],
                "key_bits_per_element": [c["keys"]["bits_per_element"]
                                         for c in caches],
                "value_bits_per_element": [c["values"]["bits_per_element"]
                                           for c in caches]}

    def base_module(self, group, window):
        """The raised module (K4V2 schemes at this group and window, every
        layer bound to its projections) that kvq-assign-bits re-allocates."""
        path = os.path.join(self.out, "base-g%d-w%d.mlir" % (group, window))
        if not os.path.exists(path):
            bos = os.path.join(self.out, "eval-bos.npy")
            run([self.tool("kvq-generate"), self.module, "--prompt=1,1",
                 "--steps=1", "--quiet", "--progress=off", "--key-bits=4",
                 "--value-bits=2", "--emit-module=" + path] +
                self.scheme_options(group, window))
        return path

    def sensitivity_table(self, group, window, per_head=False):
        """kvq-calibrate on the calibration streams (never the evaluation
        streams) with the base module's schemes as templates; per layer, or
        per KV head (--per-head) for granularity=head."""
        path = os.path.join(self.out, "sensitivity-g%d-w%d%s.json" % (
            group, window, "-head" if per_head else ""))
        if not os.path.exists(path):
            t0 = time.time()
            run([self.tool("kvq-calibrate"), self.base_module(group, window),
                 "-o", path] + (["--per-head"] if per_head else []) +
                ["--stream=" + ",".join(map(str, row)) for row in self.calib])
            seconds = time.time() - t0
            self.calibration_seconds[os.path.basename(path)] = round(seconds, 1)
            log("kvq-calibrate g%d w%d%s: %.0f s" % (
                group, window, " per head" if per_head else "", seconds))
        return path

    def allocate(self, tag, group, window, policy, budget, granularity):
        """kvq-assign-bits on the base module; returns (module, report) or
        raises RuntimeError with the tool's message."""
        out = os.path.join(self.tmp, tag + ".alloc.mlir")
        js = os.path.join(self.tmp, tag + ".alloc.json")
        extra = ""
        if policy.startswith("calibrated"):
            if not len(self.calib):
                raise RuntimeError("error: no calibration streams "
                                   "(--calib-streams=0)")
            extra = " sensitivity=" + self.sensitivity_table(
                group, window, per_head=granularity == "head")
            if policy == "calibrated-kl":
                extra += " sensitivity-metric=kl"
            policy = "calibrated"
        run([self.tool("kvq-opt"), self.base_module(group, window),
             "--kvq-assign-bits=policy=%s budget=%r granularity=%s "
             "accounting=stored json=%s%s" % (policy, budget, granularity, js,
                                               extra),
             "-o", out])
        with open(js) as f:
            report = json.load(f)
        os.remove(js)
        return out, report

    def scheme_options(self, group, window):
        return ["--key-group=%d" % group, "--value-group=%d" % group,
                "--key-window=%d" % key_window(group, window),
                "--value-window=%d" % window]


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=DEFAULT_MODEL)
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--out", default=os.path.join(ROOT, "build", "accuracy"))
    p.add_argument("--streams", type=int, default=16)
    p.add_argument("--length", type=int, default=256)
    p.add_argument("--seed", type=int, default=0,
                   help="evaluation stream s uses seed + s")
    p.add_argument("--calib-streams", type=int, default=8)
    p.add_argument("--calib-seed", type=int, default=1000,
                   help="calibration stream s uses calib-seed + s")
    p.add_argument("--configs", default=",".join(list(FIXED) + list(LAYERED)),
                   help="fixed configurations to run (comma separated)")
    p.add_argument("--policies", default=",".join(POLICIES),
                   help="allocation policies, each per layer and per KV head, "
                        "or one granularity as POLICY/layer, POLICY/head "
                        "(empty: none)")
    p.add_argument("--groups", default="32,128")
    p.add_argument("--windows", default="0,32")
    p.add_argument("--sensitivity", action="store_true",
                   help="also measure per-layer sensitivity (one layer's keys "
                        "or values at 2 bits, the rest 16) at the first "
                        "group and window")
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--markdown", help="write the tables here")
    p.add_argument("--tables-from", metavar="RESULTS_JSON",
                   help="only rewrite --markdown from an earlier results.json")
    a = p.parse_args()
    if a.tables_from:
        with open(a.tables_from) as f, open(a.markdown, "w") as out:
            out.write(markdown(json.load(f)))
        return

    study = Study(a)
    t0 = time.time()
    study.setup()
    with open(a.model, "rb") as f:
        dim, hidden, layers, heads, kv_heads, vocab, seq = struct.unpack(
            "7i", f.read(28))
    study.capacity = seq
    study.layers = layers
    study.elements_per_token_per_layer = kv_heads * (dim // heads)
    groups = [int(g) for g in a.groups.split(",")]
    windows = [int(w) for w in a.windows.split(",")]
    configs = [c for c in a.configs.split(",") if c]
    policies = [x for x in a.policies.split(",") if x]

    results = {"model": os.path.basename(a.model),
               "streams": a.streams, "length": a.length, "seed": a.seed,
               "calib_streams": a.calib_streams, "calib_seed": a.calib_seed,
               "model_shape": {"dim": dim, "layers": layers, "heads": heads,
                               "kv_heads": kv_heads, "head_dim": dim // heads,
                               "vocab": abs(vocab), "context": seq},
               "runs": []}
    fp_nll = -np.take_along_axis(log_softmax(study.ref_logits),
                                 study.streams[:, 1:, None], -1)
    results["fp32_ppl"] = float(math.exp(fp_nll.mean()))
    results["weight_norms"] = weight_norms(a.model)

    jobs = []  # (tag, record, options)
    done_fp16 = False
    for g in groups:
        for w in windows:
            for name in configs:
                if name in LAYERED:
                    rec = {"config": name, "group": g, "window": w,
                           "key_window": key_window(g, w)}
                    opts = ["--layer-key-bits=" + LAYERED[name][0],
                            "--layer-value-bits=" + LAYERED[name][1]] + \
                        study.scheme_options(g, w)
                    jobs.append(("%s-g%s-w%s" % (name, g, w), rec, opts))
                    continue
                kb, vb, rot = FIXED[name]
                rec = {"config": name, "group": g, "window": w,
                       "key_window": key_window(g, w)}
                if name == "fp16":
                    if done_fp16:
                        continue
                    done_fp16 = True
                    rec.update(group=None, window=None, key_window=None)
                    opts = ["--key-bits=16", "--value-bits=16"]
                else:
                    opts = ["--key-bits=%d" % kb, "--value-bits=%d" % vb] + \
                        study.scheme_options(g, w)
                    if rot != "none":
                        opts.append("--key-rotation=" + rot)
                jobs.append(("%s-g%s-w%s" % (name, g, w), rec, opts))
    if a.sensitivity:
        g, w = groups[0], windows[0]
        for which in ("key", "value"):
            for layer in range(layers):
                bits = ["16"] * layers
                bits[layer] = "2"
                rec = {"config": "sens-%s-L%d" % (which, layer),
                       "sensitivity": {"tensor": which, "layer": layer,
                                       "bits": 2},
                       "group": g, "window": w, "key_window": key_window(g, w)}
                opts = ["--layer-%s-bits=%s" % (which, ",".join(bits))] + \
                    study.scheme_options(g, w)
                jobs.append((rec["config"], rec, opts))

    def do(job):
        tag, rec, opts = job
        r = study.score(tag, opts)
        rec.update(metrics(study.ref_logits, r["logits"], study.streams))
        rec.update(r["footprint"])
        rec["seconds"] = round(r["seconds"], 2)
        rec["options"] = opts
        rec["remarks"] = r["remarks"]
        log("%-24s KL %.5f  PPL %.4f  top1 %.4f  %6.1f B/token  (%.1fs)" %
            (tag, rec["kl"], rec["ppl"], rec["top1"], rec["bytes_per_token"],
             r["seconds"]))
        return rec

    with ThreadPoolExecutor(max_workers=a.jobs) as ex:
        results["runs"] = list(ex.map(do, jobs))

    # Allocation policies at the stored budget of a fixed configuration
    # (average stored bits per element, scales included, as
    # kvq-report-footprint computes them for that configuration here).
    fixed_bpe = {}
    for r in results["runs"]:
        if r["config"] in BUDGETS and "sensitivity" not in r:
            fixed_bpe[(r["config"], r["group"], r["window"])] = (
                r["key_bits_per_element"][0] + r["value_bits_per_element"][0]) / 2
    alloc_jobs = []
    for g in groups:
        for w in windows:
            for bname in BUDGETS:
                if (bname, g, w) not in fixed_bpe:
                    continue
                budget = fixed_bpe[(bname, g, w)]
                for entry in policies:
                    pol, _, only = entry.partition("/")
                    for gran in GRANULARITIES:
                        if only in ("", gran):
                            alloc_jobs.append((g, w, bname, budget, pol, gran))

    def do_alloc(job):
        g, w, bname, budget, pol, gran = job
        name = "%s@%s/%s" % (pol, bname, gran)
        tag = "%s-%s-%s-g%d-w%d" % (pol, bname, gran, g, w)
        rec = {"config": name, "policy": pol, "budget_of": bname,
               "budget": budget, "granularity": gran, "group": g,
               "window": w, "key_window": key_window(g, w)}
        try:
            module, report = study.allocate(tag, g, w, pol, budget, gran)
        except RuntimeError as e:
            msg = [l.split("error: ", 1)[1] for l in str(e).splitlines()
                   if "error: " in l]
            rec["error"] = msg[-1] if msg else str(e)[-300:]
            log("%-24s not run: %s" % (tag, rec["error"]))
            return rec
        rec["allocation"] = [{"layer": l.get("layer"),
                              "key_bits": l.get("key", {}).get("bits"),
                              "value_bits": l.get("value", {}).get("bits"),
                              "key_head_bits": l.get("key", {}).get("head_bits"),
                              "value_head_bits": l.get("value", {}).get("head_bits")}
                             for l in report.get("layers", [])]
        rec["report"] = report
        r = study.score(tag, [], module=module)
        os.remove(module)
        rec.update(metrics(study.ref_logits, r["logits"], study.streams))
        rec.update(r["footprint"])
        rec["seconds"] = round(r["seconds"], 2)
        log("%-24s KL %.5f  PPL %.4f  top1 %.4f  %6.1f B/token  (%.1fs)" %
            (tag, rec["kl"], rec["ppl"], rec["top1"], rec["bytes_per_token"],
             r["seconds"]))
        return rec

    # Sensitivity tables first (one per group, window and granularity),
    # serially.
    if len(study.calib):
        for g, w, _, _, pol, gran in alloc_jobs:
            if pol.startswith("calibrated"):
                study.sensitivity_table(g, w, per_head=gran == "head")
    with ThreadPoolExecutor(max_workers=a.jobs) as ex:
        results["allocations"] = list(ex.map(do_alloc, alloc_jobs))
    results["calibration_seconds"] = study.calibration_seconds
    results["seconds"] = round(time.time() - t0, 1)
    with open(os.path.join(study.out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(markdown(results))
    log("done in %.0f s; %s" % (results["seconds"],
                               os.path.join(study.out, "results.json")))


def widths(r):
    """'K4444 3444 ... / V2222 ...' per layer (per head when split)."""
    al = r.get("allocation") or []
    if not al:
        kb, vb = r.get("key_bits", []), r.get("value_bits", [])
        if len(set(kb)) > 1 or len(set(vb)) > 1:
            return "K %s / V %s" % ("".join(map(str, kb)), "".join(map(str, vb)))
        return ""
    def fmt(x):
        return "%g" % x
    if al[0].get("key_head_bits"):
        k = " ".join("".join(fmt(b) for b in l["key_head_bits"]) for l in al)
        v = " ".join("".join(fmt(b) for b in l["value_head_bits"]) for l in al)
    else:
        k = "".join(fmt(l["key_bits"]) for l in al)
        v = "".join(fmt(l["value_bits"]) for l in al)
    return "K %s / V %s" % (k, v)


def markdown(res):
    lines = []
    runs = [r for r in res["runs"] if "sensitivity" not in r]
    allocs = res.get("allocations", [])
    fp16 = [r for r in runs if r["config"] == "fp16"]
    settings = sorted({(r["group"], r["window"]) for r in runs
                       if r["group"] is not None})
    lines.append("Full precision (f32 cache): perplexity of the sampled "
                 "streams %.4f.\n" % res["fp32_ppl"])
    for g, w in settings:
        kw = key_window(g, w)
        lines.append("**group %d, window %d**%s\n" % (
            g, w, "" if kw == w else " (key window %d: keys need a multiple "
            "of their %d-token group)" % (kw, g)))
        lines.append("| config | KL (nats) | ± s.e. | PPL | top-1 | stored "
                     "B/token | nominal B/token | K bits/elem | V bits/elem | "
                     "widths (layer 0..4) |")
        lines.append("|---|---|---|---|---|---|---|---|---|---|")
        for r in fp16 + [r for r in runs + allocs
                         if (r["group"], r["window"]) == (g, w)]:
            if "error" in r:
                why = r["error"].replace("|", "/")
                if "refused" in why or "granularity=layer" in why:
                    why = "kvq-assign-bits: " + why.split(": ", 1)[-1]
                if "not implemented" in why:
                    why = ("pending: kvq-assign-bits has no `%s` policy yet "
                           "(issue 5)" % r["policy"])
                lines.append("| %s | not run: %s ||||||||| " % (r["config"], why))
                continue
            n = len(r["kl_per_stream"])
            se = np.std(r["kl_per_stream"], ddof=1) / math.sqrt(n) if n > 1 else 0
            kb = r["key_bits_per_element"]
            vb = r["value_bits_per_element"]
            same = len(set(kb)) == 1 and len(set(vb)) == 1
            lines.append("| %s | %.4f | %.4f | %.3f | %.1f%% | %.0f | %.1f | %s | %s | %s |" % (
                r["config"], r["kl"], se, r["ppl"], 100 * r["top1"],
                r["bytes_per_token"], r["nominal_bytes_per_token"],
                "%.2f" % kb[0] if same else "%.2f (mean)" % np.mean(kb),
                "%.2f" % vb[0] if same else "%.2f (mean)" % np.mean(vb),
                widths(r)))
        lines.append("")
    sens = [r for r in res["runs"] if "sensitivity" in r]
    if sens:
        wn = res["weight_norms"]
        lines.append("**Per-layer sensitivity** (one layer's keys or values at "
                     "2 bits, every other tensor 16-bit; group %s, window %s) "
                     "against the weight-norm proxy\n" % (sens[0]["group"],
                                                          sens[0]["window"]))
        lines.append("| layer | KL, keys at 2 bits | KL, values at 2 bits | "
                     "‖W_K‖_F | ‖W_V‖_F | ‖W_K diag(g)‖_F | ‖W_V diag(g)‖_F |")
        lines.append("|---|---|---|---|---|---|---|")
        layers = len(wn["w_k"])
        kk = [next(r["kl"] for r in sens if r["sensitivity"]["tensor"] == "key"
                   and r["sensitivity"]["layer"] == l) for l in range(layers)]
        vv = [next(r["kl"] for r in sens if r["sensitivity"]["tensor"] == "value"
                   and r["sensitivity"]["layer"] == l) for l in range(layers)]
        for l in range(layers):
            lines.append("| %d | %.4f | %.4f | %.2f | %.2f | %.2f | %.2f |" % (
                l, kk[l], vv[l], wn["w_k"][l], wn["w_v"][l], wn["w_k_gain"][l],
                wn["w_v_gain"][l]))
        lines.append("")
        lines.append("Spearman rank correlation with measured sensitivity: "
                     "keys %.2f (‖W_K‖), values %.2f (‖W_V‖); all 10 tensors "
                     "together %.2f (norm² vs KL).\n" % (
                         spearman(wn["w_k"], kk), spearman(wn["w_v"], vv),
                         spearman([x * x for x in wn["w_k"] + wn["w_v"]],
                                  kk + vv)))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
