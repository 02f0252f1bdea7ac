"""kvq's compiler-generated decode kernels as a bench_peers.py system.

    python peers/bench_peers.py --plugin bench/peers/kvq_plugin.py \\
        --systems sdpa,kivi,bitdecoding,kvq

(bench/peers/run_on_device.sh does this on the GPU machine.) Needs the AOT
artifacts of bench/peers/prepare.py (.device/peers: one manifest, cases.json
mapping "BxT-dD-<config>" to the compiler's configuration names) and
libkvq_runtime.so ($KVQ_RUNTIME).

For each shape (B, T) of the run and each configuration (K4V2, K2V2, K4V4,
K8V4, K8V8 at groups 32 and 128; keys per_channel, values per_token,
asymmetric, 128-token window) it
  - creates a cache of capacity T (rounded up to 128) and fills it with the
    run's K/V (ctx.K, ctx.V) token by token through the runtime's 1-token
    append kernel (the fill time is in the notes);
  - reads the raw cache storage back (a device view, no copy) and
    dequantizes it with bench/peers/kvq_format.py, a reader written from
    docs/storage-format.md alone; checks its layout against the manifest,
    that the window tokens equal the inputs and that quantized tokens are
    within about half a quantization step of them;
  - yields Case("kvq", "<config>"): the timed call is cache.attend(q, out=out),
    ref = fp32 attention over the dequantized K/V (so rel_err isolates the
    kernel; rel_err_vs_fp16 includes the quantization), bytes = what the step
    must read for T tokens (codes, scales, zeros, the full-precision window
    part of the T tokens, q, out; not the capacity's unused rows);
  - at batch 32 (KVQ_PEERS_APPEND_BATCHES) first yields Case("kvq-append",
    ...): one new token per sequence appended with the 1-token append kernel,
    timed by bench_peers' method near the full length (the tokens appended
    are the context's own, so the cache still holds exactly ctx.K/ctx.V).
bench_peers.py fixes head_dim 128; for head_dim 64 (KVQ_PEERS_HEAD_DIMS) the
plugin draws its own q/K/V of the same shape at d64 (same seeding scheme),
times torch fp16 SDPA on them (Case("sdpa-fp16", "d64-default")) and the
kvq configurations (configs "d64-<config>"); while those run, ctx.ref is the
d64 reference so that rel_err_vs_fp16 stays meaningful. At d64 the g128
value group is clamped to 64 (per_token groups must divide head_dim).

Environment: KVQ_PEERS_ARTIFACTS (default <repo>/.device/peers),
KVQ_PEERS_CONFIGS (comma list, default all ten), KVQ_PEERS_HEAD_DIMS
(default 128,64), KVQ_PEERS_APPEND_BATCHES (default 32; empty = none),
KVQ_RUNTIME (libkvq_runtime.so).
"""
import json
import math
import os
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "python"))
sys.path.insert(0, str(HERE))
from kvq.cuda import Library  # noqa: E402
import kvq_format as fmt  # noqa: E402

ART = Path(os.environ.get("KVQ_PEERS_ARTIFACTS", REPO / ".device" / "peers"))
ALL_CONFIGS = [f"K{k}V{v}-g{g}" for g in (32, 128)
               for k, v in ((4, 2), (2, 2), (4, 4), (8, 4), (8, 8))]

_state = {}


def _env_list(name, default):
    v = os.environ.get(name)
    return [s for s in (default if v is None else v).split(",") if s]


def _load():
    if "lib" not in _state:
        with open(ART / "cases.json") as f:
            idx = json.load(f)
        _state["cases"] = {c["key"]: c for c in idx["cases"]}
        _state["compile_s"] = idx.get("compile_s")
        _state["lib"] = Library(str(ART / "manifest.json"))
    return _state["lib"], _state["cases"]


def attn_ref(q, K, V, scale):
    """fp32 attention; q (B, Hq, D), K/V (B, H, T, D); query head h uses KV
    head h // (Hq / H)."""
    B, hq, d = q.shape
    h = K.shape[1]
    qf = q.float().reshape(B, h, hq // h, d)
    s = torch.matmul(qf, K.float().transpose(-1, -2)) * scale
    p = torch.softmax(s, dim=-1)
    return torch.matmul(p, V.float()).reshape(B, hq, d)


def _scheme(m):
    if m["bits"] >= 16:
        return fmt.scheme(16)
    return fmt.scheme(m["bits"], m["group"], m["granularity"], m["symmetric"],
                      m["window"], m["scale_bytes"])


def _fill(cache, Kt, Vt, start, stop):
    """Appends tokens [start, stop) of Kt/Vt ([T, B, H, D] contiguous), one
    append kernel launch per token, on torch's current stream."""
    stream = torch.cuda.current_stream().cuda_stream
    row = Kt[0].numel() * Kt.element_size()
    kp, vp = Kt.data_ptr(), Vt.data_ptr()
    for t in range(start, stop):
        cache.append_raw(kp + t * row, vp + t * row, stream)


def _format_check(lay, T, K, V, Kd, Vd):
    """Window tokens must equal the inputs; quantized ones must lie within
    about half a step ((max-min)/(2^bits-1) of their group) of them."""
    B, H, _, D = K.shape
    r = {}
    for name, X, Xd in (("k", K, Kd), ("v", V, Vd)):
        t = lay["keys" if name == "k" else "values"]
        Q = fmt.quantized_tokens(t, T)
        r[f"{name}_window_exact"] = bool(torch.equal(Xd[:, :, Q:],
                                                     X[:, :, Q:].float()))
        if Q:
            G = t["group"]
            x = X[:, :, :Q].float()
            xd = Xd[:, :, :Q]
            if t["granularity"] == "per_channel":
                x, xd, dim = (x.reshape(B, H, Q // G, G, D),
                              xd.reshape(B, H, Q // G, G, D), 3)
            else:
                x, xd, dim = (x.reshape(B, H, Q, D // G, G),
                              xd.reshape(B, H, Q, D // G, G), 4)
            step = ((x.amax(dim, keepdim=True) - x.amin(dim, keepdim=True))
                    / (2 ** t["bits"] - 1)).clamp_min(1e-12)
            r[f"{name}_err_steps"] = round(float(((xd - x).abs() / step).max()), 4)
            del x, xd, step
    return r


def _missing(key):
    def fn():
        raise RuntimeError(f"no kvq configuration '{key}' in {ART}/cases.json "
                           "(run bench/peers/prepare.py with this shape)")
    return fn


def _config_cases(ctx, lib, c, key, label, q, K, V, Kt, Vt):
    Case = ctx.Case
    B, T = ctx.B, ctx.T
    Hq, D = q.shape[1], q.shape[2]
    if c is None:
        yield Case("kvq", label, _missing(key), lambda o: o)
        return
    cache = lib.cache(c["config"])
    try:
        m = cache.config
        lay = fmt.layout(m["batch"], m["kv_heads"], m["capacity"], m["head_dim"],
                         _scheme(m["keys"]), _scheme(m["values"]),
                         m["element_bytes"])
        notes = dict(config=c["config"], capacity=m["capacity"],
                     layout_mismatches=fmt.manifest_mismatches(lay, m))
        append_batches = [int(b) for b in
                          _env_list("KVQ_PEERS_APPEND_BATCHES", "32")]
        need = ctx.args.warmup + 5 + 2 * ctx.args.reps + 8
        timed_append = B in append_batches and T >= need
        first = T - need if timed_append else T
        t0 = time.time()
        _fill(cache, Kt, Vt, 0, first)
        torch.cuda.synchronize()
        fill_s = time.time() - t0
        if timed_append:
            pos = [first]
            row = Kt[0].numel() * Kt.element_size()
            kp, vp = Kt.data_ptr(), Vt.data_ptr()
            stream = torch.cuda.current_stream().cuda_stream

            def step():
                t = pos[0]
                cache.append_raw(kp + t * row, vp + t * row, stream)
                pos[0] = t + 1

            def custom(bench_fn):
                l0 = pos[0]
                r = bench_fn(step)
                r.update(length_from=l0, length_to=pos[0], config_name=c["config"])
                return r
            yield Case("kvq-append", label, None, custom=custom,
                       notes="one new token per sequence, 1-token append kernel, "
                             "near the full context")
        t1 = time.time()
        n1 = cache.length
        _fill(cache, Kt, Vt, cache.length, T)
        torch.cuda.synchronize()
        fill_s += time.time() - t1
        filled = first + (T - n1)
        notes.update(fill_s=round(fill_s, 3),
                     fill_us_per_token=round(fill_s / max(filled, 1) * 1e6, 2))
        if cache.length != T:
            raise RuntimeError(f"cache holds {cache.length} tokens, not {T}")
        try:
            buf = cache.storage_tensor()
        except Exception as e:  # noqa: BLE001 (fall back to a host copy)
            notes["storage_view"] = f"host copy ({e!r:.80})"
            buf = torch.frombuffer(bytearray(cache.storage()),
                                   dtype=torch.uint8).cuda()
        header = fmt.length(buf)
        if header != T:
            raise RuntimeError(f"the header says {header} tokens, not {T}")
        Kd, Vd = fmt.dequantize(buf, lay, T)
        notes.update(_format_check(lay, T, K, V, Kd, Vd))
        ref = attn_ref(q, Kd, Vd, m["scale"] or 1.0 / math.sqrt(D))
        del Kd, Vd, buf
        out = torch.empty_like(q)
        nbytes = fmt.needed_bytes(lay, T) + 2 * q.nbytes
        notes.update(splits=cache.splits(), kv_bytes=nbytes - 2 * q.nbytes,
                     cache_bytes=m["cache_bytes"])
        yield Case("kvq", label, lambda: cache.attend(q, out=out),
                   lambda o: o.reshape(B, Hq, D), ref, nbytes,
                   json.dumps(notes, separators=(",", ":")))
    finally:
        cache.close()


def _inputs(ctx, D):
    """q, K, V of the run's shape at head_dim D (bench_peers' seeding)."""
    g = torch.Generator(device="cuda")
    g.manual_seed(1000003 * ctx.B + ctx.T + D)
    kw = dict(generator=g, device="cuda", dtype=torch.float16)
    q = torch.randn(ctx.B, ctx.HQ, D, **kw)
    K = torch.randn(ctx.B, ctx.HKV, ctx.T, D, **kw)
    V = torch.randn(ctx.B, ctx.HKV, ctx.T, D, **kw)
    if getattr(ctx.args, "data", "randn") == "pm1":
        K = torch.where(K >= 0, 1.0, -1.0).to(torch.float16)
        V = torch.where(V >= 0, 1.0, -1.0).to(torch.float16)
    return q, K, V


def kvq_cases(ctx):
    lib, cases = _load()
    B, T = ctx.B, ctx.T
    labels = _env_list("KVQ_PEERS_CONFIGS", ",".join(ALL_CONFIGS))
    saved_ref = ctx.ref
    try:
        for D in (int(d) for d in _env_list("KVQ_PEERS_HEAD_DIMS", "128,64")):
            if D == ctx.D:
                q, K, V, prefix = ctx.q, ctx.K, ctx.V, ""
                ctx.ref = saved_ref
            else:
                q, K, V = _inputs(ctx, D)
                prefix = f"d{D}-"
                ctx.ref = attn_ref(q, K, V, 1.0 / math.sqrt(D))
                q4 = q.view(B, ctx.HQ, 1, D)
                yield ctx.Case(
                    "sdpa-fp16", f"d{D}-default",
                    lambda q4=q4, K=K, V=V: F.scaled_dot_product_attention(
                        q4, K, V, enable_gqa=True),
                    lambda o, D=D: o.reshape(B, ctx.HQ, D), ctx.ref,
                    K.nbytes + V.nbytes + 2 * q.nbytes,
                    f"head_dim {D}: inputs drawn by the kvq plugin")
            Kt = K.permute(2, 0, 1, 3).contiguous()
            Vt = V.permute(2, 0, 1, 3).contiguous()
            for label in labels:
                key = f"{B}x{T}-d{D}-{label}"
                yield from _config_cases(ctx, lib, cases.get(key), key,
                                         prefix + label, q, K, V, Kt, Vt)
                torch.cuda.empty_cache()
            del Kt, Vt, q, K, V
    finally:
        ctx.ref = saved_ref


SYSTEMS = {"kvq": kvq_cases}
