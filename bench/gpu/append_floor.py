#!/usr/bin/env python3
"""What bounds the batch-32 append (#8's target: <= 5 us per step).

Times, with bench_peers' method (L2 flushed, host launch hidden, median of
REPS event-to-event times: anatomy.cold_us), on the GPU machine:
  kvq-append         the 1-token append kernel through the runtime (the
                     side-by-side's path), grid (B*H, 2);
  kernel (B*H, 2)    the same kernel launched directly (cupy), to check the
                     runtime adds nothing;
  kernel keys only   grid (B*H, 1): the key blocks alone;
  empty (B*H, 2)     an empty kernel of the same grid and block: the floor
                     of any kernel under this method;
  one trip (B*H, 2)  a kernel that reads the new token's row and one ring
                     row per block and writes both back (the append's memory
                     traffic without its arithmetic);
  torch add_         a 64 KiB torch op, for scale.
With --ab A B (two kvq-gpu-aot output directories), it times instead the
append kernel of every configuration the two manifests share, A and B
alternately (twice each, the smaller median kept), as one JSON line each.
With --grids it times the empty and one-trip kernels alone (no kvq
artifacts needed) in launch shapes that serve the same B*H rows of keys
and values: (B*H, 2) blocks of D threads (the append's), (B*H, 1) of 2D
(keys and values in one block) and (B*H/2, 1) of 4D, three rounds
alternating, as one JSON line each (the smallest median).
Prerequisites: bench/peers/prepare.py's .device/peers (manifest + cubin) and
libkvq_runtime.so ($KVQ_RUNTIME).
    python3 bench/gpu/append_floor.py [--config NAME] [--reps 200]
    python3 bench/gpu/append_floor.py --ab DIR_A DIR_B"""
import argparse
import json
import os
import sys

import cupy as cp
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "python"))
sys.path.insert(0, HERE)
from anatomy import cold_us  # noqa: E402
from harness import unpack_cubin  # noqa: E402
from kvq import cuda as kvq  # noqa: E402


def bench(fn, reps, flush):
    """anatomy.py's cold_us (bench_peers.py's method): median in us."""
    return dict(us=round(cold_us(fn, flush, reps), 2))


SRC = r"""
#include <cuda_fp16.h>
extern "C" __global__ void empty_kernel() {}
// One row of D halves per D threads: the new token (in) and a ring row
// (ring), read together, written back: the append's round trip without
// arithmetic. Thread t of block (x, y) serves row g / D, channel g % D of
// g = (x * gridDim.y + y) * blockDim.x + t: with blocks of D threads, row
// x * gridDim.y + y (the append's grid), with larger blocks several rows.
extern "C" __global__ void one_trip(const unsigned short *in,
                                    unsigned short *ring, int D, int slot) {
  int g = (blockIdx.x * gridDim.y + blockIdx.y) * blockDim.x + threadIdx.x;
  int row = g / D, c = g % D;
  unsigned short a = in[row * D + c];
  unsigned short b = ring[(row * 256 + slot) * D + c];
  ring[(row * 256 + (slot + 1)) * D + c] = a;
  ring[(row * 256 + (slot + 2)) * D + c] = a ^ b;
}
// one_trip plus the value blocks' arithmetic on the due token (per-token
// 2-bit groups of 128 channels, as K4V2 g128 at head_dim 128): min/max over
// the group by xor shuffles, the two correctly rounded divisions, the codes
// or-ed into words over 16 lanes, the word and the scale stored.
// `parts` drops links of the chain to see what each costs: bit 0 the
// min/max shuffles, bit 1 the divisions (multiplications instead), bit 2
// the code shuffles (7: all of it).
extern "C" __global__ void value_chain(const unsigned short *in,
                                       unsigned short *ring, int D,
                                       int slot, unsigned *words,
                                       float *scales, int parts) {
  int row = blockIdx.x * gridDim.y + blockIdx.y;
  int d = threadIdx.x;
  unsigned short a = in[row * D + d];
  const unsigned short *due = ring + (row * 256 + slot) * D;
  float x = __half2float(__ushort_as_half(due[d]));
  int first = (d & 31) * 4;
  float lo = __int_as_float(0x7f800000), hi = -lo;
  for (int k = 0; k < 4; ++k) {
    float e = __half2float(__ushort_as_half(due[first + k]));
    lo = fminf(lo, e);
    hi = fmaxf(hi, e);
  }
  if (parts & 1)
    for (int m = 1; m < 32; m *= 2) {
      lo = fminf(lo, __shfl_xor_sync(0xffffffffu, lo, m));
      hi = fmaxf(hi, __shfl_xor_sync(0xffffffffu, hi, m));
    }
  ring[(row * 256 + (slot + 1)) * D + d] = a;
  float s = (parts & 2) ? __fdiv_rn(hi - lo, 3.0f) : (hi - lo) * 0.33333334f;
  float q = (parts & 2) ? __fdiv_rn(x - lo, s) : (x - lo) * s;
  int code = s == 0.0f ? 0 : (int)fminf(fmaxf(rintf(q), 0.0f), 3.0f);
  unsigned w = unsigned(code) << (2 * (d % 16));
  if (parts & 4)
    for (int m = 1; m < 16; m *= 2)
      w |= __shfl_xor_sync(0xffffffffu, w, m);
  if (d % 16 == 0)
    words[row * (D / 16) + d / 16] = w;
  if (d == 0)
    scales[row] = s;
}
"""


def grids(reps, flush, B=32, H=8, D=128):
    """Empty and one-trip kernels in three launch shapes of the same rows."""
    raw = cp.RawModule(code=SRC, options=("-arch=sm_90",))
    empty = raw.get_function("empty_kernel")
    trip = raw.get_function("one_trip")
    chain = raw.get_function("value_chain")
    rows = B * H * 2
    # Random halves: zeros would send the divisions down their slow path
    # (0 / 0), which real data never takes.
    def halves(n):
        return cp.asarray(torch.randn(n, device="cuda").half().view(
            torch.int16)).view(cp.uint16)
    ring = halves(rows * 256 * D)
    src = halves(rows * D)
    words = cp.zeros(rows * D, dtype=cp.uint32)
    scales = cp.zeros(rows, dtype=cp.float32)
    cs = cp.cuda.ExternalStream(torch.cuda.current_stream().cuda_stream)
    shapes = {"(B*H, 2) x D": ((B * H, 2), (D,)),
              "(B*H, 1) x 2D": ((B * H, 1), (2 * D,)),
              "(B*H/2, 1) x 4D": ((B * H // 2, 1), (4 * D,))}
    best = {}
    for _ in range(3):
        for parts in (7, 6, 5, 3, 0):
            def step(parts=parts):
                with cs:
                    chain((B * H, 2), (D,),
                          (src, ring, cp.int32(D), cp.int32(7), words,
                           scales, cp.int32(parts)))
            us = cold_us(step, flush, reps)
            key = ("(B*H, 2) x D", f"one trip + value arithmetic {parts}")
            best[key] = min(best.get(key, us), us)
        for label, (g, b) in shapes.items():
            for kind, fn, args in (("empty", empty, ()),
                                   ("one trip", trip,
                                    (src, ring, cp.int32(D), cp.int32(7)))):
                def step(fn=fn, g=g, b=b, args=args):
                    with cs:
                        fn(g, b, args)
                us = cold_us(step, flush, reps)
                key = (label, kind)
                best[key] = min(best.get(key, us), us)
    for (label, kind), us in best.items():
        print(json.dumps({"shape": label, "kernel": kind,
                          "us": round(us, 2)}), flush=True)


def fill_random(cache, B, H, D, count, stream):
    """Appends one random token `count` times: zeros would send the value
    quantization's divisions down their slow path (0 / 0), which real data
    never takes."""
    token = torch.randn(B, H, D, device="cuda").half()
    for _ in range(count):
        cache.append_raw(token.data_ptr(), token.data_ptr(), stream)


def filled(lib, name, need):
    """A cache of `name` filled to `need` tokens short of its capacity
    (fill_random), and a step() appending one of `need` random tokens."""
    cfg = lib.config(name)
    B, H, D = cfg["batch"], cfg["kv_heads"], cfg["head_dim"]
    cache = lib.cache(name)
    stream = torch.cuda.current_stream().cuda_stream
    fill_random(cache, B, H, D, cfg["capacity"] - need, stream)
    tokens = torch.randn(need, B, H, D, device="cuda").half()
    row = tokens[0].numel() * tokens.element_size()

    def step():
        t = cache.length - (cfg["capacity"] - need)
        cache.append_raw(tokens.data_ptr() + t * row,
                         tokens.data_ptr() + t * row, stream)
    return cache, step


def ab(dirs, reps, flush):
    libs = []
    for d in dirs:
        unpack_cubin(d)
        libs.append(kvq.Library(os.path.join(d, "manifest.json")))
    names = [n for n in libs[1].configs if n in libs[0].configs]
    for name in names:
        times = {"a": [], "b": []}
        for _ in range(2):
            for key, lib in zip("ab", libs):
                need = 10 + 5 + reps + 8
                cache, step = filled(lib, name, need)
                times[key].append(bench(step, reps, flush)["us"])
                cache.close()
        a, b = min(times["a"]), min(times["b"])
        print(json.dumps({"config": name, "a_us": a, "b_us": b,
                          "b_over_a": round(b / a, 3)}), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ab", nargs=2, metavar=("A", "B"))
    ap.add_argument("--grids", action="store_true")
    ap.add_argument("--manifest", default=".device/peers/manifest.json")
    ap.add_argument("--config",
                    default="b32h8q32c8192d128_f16_k4c128w128_v2t128w128_t1")
    ap.add_argument("--reps", type=int, default=200)
    a = ap.parse_args()
    if a.grids:
        grids(a.reps, torch.empty(256 << 20, dtype=torch.uint8,
                                  device="cuda"))
        return 0
    if a.ab:
        ab(a.ab, a.reps, torch.empty(256 << 20, dtype=torch.uint8,
                                     device="cuda"))
        return 0
    lib = kvq.Library(a.manifest)
    cfg = lib.config(a.config)
    B, H, D = cfg["batch"], cfg["kv_heads"], cfg["head_dim"]
    cache = lib.cache(a.config)
    flush = torch.empty(256 << 20, dtype=torch.uint8, device="cuda")
    need = 20 + 2 * a.reps
    tokens = torch.randn(need, B, H, D, device="cuda").half()
    row = tokens[0].numel() * tokens.element_size()
    stream = torch.cuda.current_stream().cuda_stream
    # Fill to near the capacity, as the side-by-side does.
    fill_random(cache, B, H, D, cfg["capacity"] - need, stream)
    torch.cuda.synchronize()
    pos = [0]

    def runtime_step():
        t = pos[0] % need
        cache.append_raw(tokens.data_ptr() + t * row,
                         tokens.data_ptr() + t * row, stream)
        pos[0] += 1

    results = {}
    results["kvq-append (runtime)"] = bench(runtime_step, a.reps, flush)
    cubin = os.path.join(os.path.dirname(a.manifest), lib.manifest["cubin"])
    mod = cp.RawModule(path=cubin)
    fn = mod.get_function(cfg["append"]["name"])
    storage = cache.storage_ptr()
    length = [cache.length]
    cs = cp.cuda.ExternalStream(stream)

    def direct(gy):
        def step():
            # The length does not advance: each call re-appends at the same
            # position (no group flush falls due), like a non-flush step.
            with cs:
                fn((B * H, gy), (cfg["append"]["block"],),
                   (cp.uint64(storage), cp.uint64(tokens.data_ptr()),
                    cp.uint64(tokens.data_ptr()), cp.int64(length[0] - 1)))
        return step

    results["kernel (B*H, 2)"] = bench(direct(2), a.reps, flush)
    results["kernel keys only (B*H, 1)"] = bench(direct(1), a.reps, flush)
    raw = cp.RawModule(code=SRC, options=("-arch=sm_90",))
    empty = raw.get_function("empty_kernel")
    trip = raw.get_function("one_trip")
    ring = cp.zeros(B * H * 2 * 256 * D, dtype=cp.uint16)
    src = cp.asarray(torch.randn(B * H * 2 * D, device="cuda").half().view(
        torch.int16)).view(cp.uint16)

    def run_empty():
        with cs:
            empty((B * H, 2), (D,), ())

    def run_trip():
        with cs:
            trip((B * H, 2), (D,), (src, ring, cp.int32(D), cp.int32(7)))

    results["empty (B*H, 2)"] = bench(run_empty, a.reps, flush)
    results["one trip (B*H, 2)"] = bench(run_trip, a.reps, flush)
    small = torch.zeros(32768, device="cuda").half()
    results["torch add_ 64 KiB"] = bench(lambda: small.add_(1), a.reps, flush)
    for k, v in results.items():
        print(f"{k:32s} {v}")
    out = os.environ.get("OUT", "/tmp/kvq-out")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "append_floor.json"), "w") as f:
        json.dump(dict(config=a.config, reps=a.reps, results=results), f,
                  indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
