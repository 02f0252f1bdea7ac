"""End-to-end checks of kvq-import/kvq-generate on stories260K against the
numpy reference in llama_ref.py. Usage: check_stories.py MODE BINDIR MODEL TMPDIR"""
import os
import re
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import llama_ref as R  # noqa: E402

mode, bindir, model_path, tmp = sys.argv[1:5]
os.makedirs(tmp, exist_ok=True)
STEPS = 64
m = R.read_llama2c(model_path)
ref_tokens, ref_logits = R.greedy(m, [1], STEPS)
mlir = os.path.join(tmp, "stories.mlir")
R.run_import(bindir, model_path, mlir)


def tol(logits, ref, what, rtol=1e-4):
    err = R.rel_err(logits, ref)
    R.check(err <= rtol, "%s: logits within %g relative (max |diff| / max |ref| = %.2e)"
            % (what, rtol, err))


if mode == "fp32":
    toks, logits = R.run_generate(bindir, mlir, [1], STEPS, logits=os.path.join(tmp, "l.npy"))
    R.check(toks == ref_tokens, "64 greedy tokens from BOS equal the numpy reference")
    R.check(logits.shape == (STEPS, m.vocab), "one row of logits per position")
    tol(logits, ref_logits, "full-precision tensor caches")
    # Per position as well, so no position hides behind another's scale.
    worst = max(R.rel_err(logits[i], ref_logits[i]) for i in range(STEPS))
    R.check(worst <= 1e-4, "every position within 1e-4 (worst %.2e)" % worst)
    # A prompt: the reference's own tokens, teacher-forced.
    prompt = [1] + ref_tokens[:9]
    toks, logits = R.run_generate(bindir, mlir, prompt, 8, logits=os.path.join(tmp, "p.npy"))
    r_toks, r_logits = R.greedy(m, prompt, 8)
    R.check(toks == r_toks, "generation after a 10-token prompt matches")
    tol(logits, r_logits, "prompt + generation")

elif mode == "raise":
    raised = os.path.join(tmp, "raised.mlir")
    out = subprocess.run([os.path.join(bindir, "kvq-opt"), mlir, "--kvq-raise-attention",
                          "-o", raised], check=True, capture_output=True, text=True)
    R.check("remark" not in out.stderr, "no remarks: every attention was recognised")
    text = open(raised).read()
    for op, n in [("kvq.append", 5), ("kvq.attend", 5), ("kvq.bind_projections", 5),
                  ("kvq.length", 5)]:
        R.check(len(re.findall(r"\b%s\b" % op, text)) == n, "%d x %s" % (n, op))
    for l in range(5):
        R.check(re.search(r"kvq.bind_projections %%arg\d+ layer %d keys\(%%\w+ : tensor<32x64xf32>\) "
                          r"values\(%%\w+ : tensor<32x64xf32>\)" % l, text) is not None,
                "layer %d bound to its 32x64 key/value projections" % l)
    R.check("tensor<1x4x512x8xf32>" not in text, "no tensor caches left")
    sig = re.search(r"func.func @decode_step\((.*?)\) -> \((.*?)\) \{", text)
    R.check(sig.group(1).count("!kvq.cache") == 5 and "!kvq.cache" not in sig.group(2),
            "five cache arguments, none returned")
    # The raised attention with a window that covers every token stores them
    # in f32: the same logits as the f32 reference.
    toks, logits = R.run_generate(bindir, mlir, [1], STEPS,
                                  ["--key-bits=4", "--value-bits=2", "--window=64"],
                                  logits=os.path.join(tmp, "w.npy"))
    R.check(toks == ref_tokens, "raised (K4/V2, window 64): 64 greedy tokens equal the reference")
    tol(logits, ref_logits, "raised (K4/V2, window 64)")
    # 16-bit caches store an f32 model's keys and values in f16: compare with
    # the reference rounding them the same way, on the reference's tokens.
    f16 = lambda a: a.astype(np.float16).astype(np.float32)
    prompt = [1] + ref_tokens[:STEPS - 1]
    _, r16 = R.greedy(m, prompt, 1, kv_round=f16)
    _, l16 = R.run_generate(bindir, raised, prompt, 1, logits=os.path.join(tmp, "r16.npy"))
    tol(l16, r16, "raised module (16-bit caches) vs reference with f16 K/V")
    tol(l16, ref_logits, "raised module (16-bit caches) vs the f32 reference", rtol=5e-3)
    # Quantized caches past the window: quality degrades gracefully with bits.
    prompt = [1] + ref_tokens[:STEPS - 1]

    def kl(extra):
        _, lq = R.run_generate(bindir, mlir, prompt, 1, extra, logits=os.path.join(tmp, "q.npy"))
        p = np.exp(ref_logits - ref_logits.max(1, keepdims=True)); p /= p.sum(1, keepdims=True)
        q = np.exp(lq - lq.max(1, keepdims=True)); q /= q.sum(1, keepdims=True)
        return float(np.mean(np.sum(p * (np.log(p) - np.log(q)), 1)))
    k8 = kl(["--key-bits=8", "--value-bits=8", "--group=8", "--window=8"])
    k4 = kl(["--key-bits=4", "--value-bits=2", "--group=8", "--window=8"])
    k2 = kl(["--key-bits=2", "--value-bits=2", "--group=8", "--window=8"])
    print("mean next-token KL vs fp32: K8V8 %.2e  K4V2 %.2e  K2V2 %.2e" % (k8, k4, k2))
    R.check(k8 < 1e-3, "K8/V8 caches are close to full precision")
    R.check(k8 < k4 < k2, "fewer key bits cost more")

elif mode == "formats":
    base_toks, base = R.run_generate(bindir, mlir, [1], STEPS, logits=os.path.join(tmp, "b.npy"))
    hf = os.path.join(tmp, "hf")
    R.write_hf(hf, m, "F32")
    R.run_import(bindir, hf, os.path.join(tmp, "hf.mlir"))
    toks, logits = R.run_generate(bindir, os.path.join(tmp, "hf.mlir"), [1], STEPS,
                                  logits=os.path.join(tmp, "h.npy"))
    R.check(toks == base_toks, "safetensors+config.json export: same 64 tokens")
    tol(logits, base, "safetensors export vs llama2.c import", rtol=1e-5)
    gg = os.path.join(tmp, "stories.gguf")
    R.write_gguf(gg, m, "F32")
    R.run_import(bindir, gg, os.path.join(tmp, "gg.mlir"))
    toks, logits = R.run_generate(bindir, os.path.join(tmp, "gg.mlir"), [1], STEPS,
                                  logits=os.path.join(tmp, "g.npy"))
    R.check(toks == base_toks, "GGUF export: same 64 tokens")
    R.check(np.array_equal(logits, base), "GGUF export vs llama2.c import: identical logits")
    # Half-precision storage: the reference with rounded weights.
    for fmt, dtype in [("gguf", "F16"), ("safetensors", "BF16")]:
        path = os.path.join(tmp, "half." + fmt)
        if fmt == "gguf":
            mr = R.write_gguf(path, m, dtype)
        else:
            path = os.path.join(tmp, "hf-" + dtype)
            mr = R.write_hf(path, m, dtype)
        out = os.path.join(tmp, dtype + ".mlir")
        R.run_import(bindir, path, out)
        R.check(("xbf16>" if dtype == "BF16" else "xf16>") in open(out).read(),
                "%s weights stay %s in the IR" % (fmt, dtype))
        r_toks, r_logits = R.greedy(mr, [1], 16)
        toks, logits = R.run_generate(bindir, out, [1], 16, logits=os.path.join(tmp, "d.npy"))
        R.check(toks == r_toks, "%s %s: greedy tokens match the reference with rounded weights" % (fmt, dtype))
        tol(logits, r_logits, "%s %s weights" % (fmt, dtype))

elif mode == "external":
    ext = os.path.join(tmp, "ext.mlir")
    R.run_import(bindir, model_path, ext, ["--weights=external"])
    inline_size, ext_size = os.path.getsize(mlir), os.path.getsize(ext)
    weights = os.path.getsize(model_path)
    print("inline IR %d bytes, external IR %d bytes, checkpoint %d bytes"
          % (inline_size, ext_size, weights))
    R.check(inline_size > weights, "inline IR holds the weights")
    R.check(ext_size < weights / 10, "external IR does not grow with the weights")
    text = open(ext).read()
    R.check("dense_resource" not in text and "ml_program.global private" in text,
            "weights are ml_program.global #ml_program.extern references")
    toks, logits = R.run_generate(bindir, ext, [1], STEPS, logits=os.path.join(tmp, "e.npy"))
    R.check(toks == ref_tokens, "external weights: 64 greedy tokens equal the reference")
    tol(logits, ref_logits, "external weights")
else:
    raise SystemExit("unknown mode " + mode)
