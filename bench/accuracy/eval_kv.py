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
  bytes  cache bytes per token (all layers, keys + values, codes + scales +
         zero points; the full-precision window ring and the 64-byte header
         are a constant per sequence and not included) from
         kvq-report-footprint on the module as it ran; also the buffer size at
         the model's context divided by the context

Usage (the full study, see docs/accuracy.md for the exact command):

  bench/accuracy/eval_kv.py --build build --out bench/accuracy/results

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
# Allocation policies of kvq-assign-bits (issue 5), at the budgets of K4V2 and
# K2V2, per layer and per KV head.
POLICIES = ["greedy", "optimal", "calibrated"]
BUDGETS = {"K4V2": (4, 2), "K2V2": (2, 2)}
GRANULARITIES = ["layer", "head"]


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise RuntimeError("command failed (%d): %s\n%s%s" %
                           (r.returncode, " ".join(cmd), r.stdout[-2000:],
                            r.stderr[-4000:]))
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
        return self.bytes_per_token(caches)

    def bytes_per_token(self, caches):
        """Steady-state bytes per cached token (codes + scales + zeros of keys
        and values, all layers) and the buffer bytes / context."""
        elems = self.elements_per_token_per_layer
        marginal = sum(elems * (c["keys"]["bits_per_element"] +
                                c["values"]["bits_per_element"]) / 8
                       for c in caches)
        buffer = sum(c["bytes_per_token"] for c in caches)
        return {"bytes_per_token": marginal, "buffer_bytes_per_token": buffer,
                "key_bits": [c["keys"]["bits"] for c in caches],
                "value_bits": [c["values"]["bits"] for c in caches],
                "key_bits_per_element": [c["keys"]["bits_per_element"]
                                         for c in caches],
                "value_bits_per_element": [c["values"]["bits_per_element"]
                                           for c in caches]}

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
    p.add_argument("--configs", default=",".join(FIXED),
                   help="fixed configurations to run (comma separated)")
    p.add_argument("--policies", default=",".join(POLICIES),
                   help="allocation policies (empty: none)")
    p.add_argument("--groups", default="32,128")
    p.add_argument("--windows", default="0,32")
    p.add_argument("--sensitivity", action="store_true",
                   help="also measure per-layer sensitivity (one layer's keys "
                        "or values at 2 bits, the rest 16) at the first "
                        "group and window")
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--markdown", help="write the tables here")
    a = p.parse_args()

    study = Study(a)
    t0 = time.time()
    study.setup()
    with open(a.model, "rb") as f:
        dim, hidden, layers, heads, kv_heads, vocab, seq = struct.unpack(
            "7i", f.read(28))
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

    for pol in policies:
        results.setdefault("pending", []).append(
            "%s (budgets of %s; per %s): pending issue 5 (kvq-assign-bits "
            "is not on main yet)" % (pol, "/".join(BUDGETS),
                                     " and per ".join(GRANULARITIES)))
    results["seconds"] = round(time.time() - t0, 1)
    with open(os.path.join(study.out, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(markdown(results))
    log("done in %.0f s; %s" % (results["seconds"],
                               os.path.join(study.out, "results.json")))


def markdown(res):
    lines = []
    runs = [r for r in res["runs"] if "sensitivity" not in r]
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
        lines.append("| config | KL (nats) | ± s.e. | PPL | top-1 | bytes/token "
                     "| K bits/elem | V bits/elem |")
        lines.append("|---|---|---|---|---|---|---|---|")
        for r in fp16 + [r for r in runs if (r["group"], r["window"]) == (g, w)]:
            se = np.std(r["kl_per_stream"], ddof=1) / math.sqrt(
                len(r["kl_per_stream"])) if len(r["kl_per_stream"]) > 1 else 0
            lines.append("| %s | %.5f | %.5f | %.4f | %.2f%% | %.1f | %.2f | %.2f |" % (
                r["config"], r["kl"], se, r["ppl"], 100 * r["top1"],
                r["bytes_per_token"], r["key_bits_per_element"][0],
                r["value_bits_per_element"][0]))
        lines.append("")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
