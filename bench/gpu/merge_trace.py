#!/usr/bin/env python3
"""Where the split merge's time goes, from stamps the kernels write.

    KVQ_RUNTIME=/tmp/libkvq_runtime.so python3 bench/gpu/merge_trace.py DIR

DIR is a kvq-gpu-aot output of an instrumented, timing-only build (the
stamps replace the outputs; bench/gpu/merge-trace-v3.32.log describes the
instrumentation, which is not part of the compiler): lane 0 of every block
writes %globaltimer at entry into its partial state's padding column, and
the block that writes a KV head's outputs writes, into out[seq][its first
query head][0..] as f16 bit pairs,
  one level:  s0 g0 g4 | c0 c1 | cA cB cC cD | c2
  two levels: s0 g0 g4 | c0 c1 c2 c3 | cA cB cC cD | c4
then, over the head's splits, the earliest, latest and summed stream end
(every block stamps its own into a padding column; relative to s0)
(s0 split 0's start, g0/g4 the merger's globaltimer at its merge's start and
end, c* its %clock at each step). Prints, per configuration, the medians
over 30 cold launches of the tail (last merge end - last stream end, ns) and
of each step in cycles."""
import json, os, statistics, sys
import torch
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "python"))
sys.path.insert(0, HERE)
from anatomy import cold_us
from harness import config_names, filled_cache, unpack_cubin
from kvq.cuda import Library

art = sys.argv[1]
unpack_cubin(art)
lib = Library(os.path.join(art, "manifest.json"))
flush = torch.empty(256 * 1024 * 1024 // 4, device="cuda", dtype=torch.float32)
M = 0xffffffff
for name in config_names(art):
    cache, info, _, _, q, _ = filled_cache(lib, name)
    B, H, Hq = info["batch"], info["kv_heads"], info["query_heads"]
    R = Hq // H
    out = torch.empty_like(q)
    us = cold_us(lambda: cache.attend(q, out=out), flush)
    splits = cache.splits()
    two = splits > 32
    n = (12 if two else 10) + 3  # + the row's split ends: min, max, sum
    labels = (["arrive1", "consume+merge1", "arrive2", "consume2", "ml", "rows1", "rest", "out"] if two
              else ["arrive", "consume", "ml", "rows1", "rest", "out"])
    recs = []
    for rep in range(30):
        flush.zero_()
        torch.cuda._sleep(2000000)
        cache.attend(q, out=out)
        torch.cuda.synchronize()
        st = out.view(torch.int32).view(B, Hq, -1)[:, ::R, :n].reshape(-1, n).cpu().numpy().astype('int64') & M
        rel = (st[:, 1:3] - st[:, 0].min()) & M
        g0, g4 = rel[:, 0], rel[:, 1]  # a head's merge start / end
        last = int(g4.argmax())
        cl = st[last, 3:n - 3]
        ends = st[:, n - 3:n].astype('int64')
        ends[ends >= 2**31] -= 2**32
        row_min, row_max, row_mean = ends[:, 0], ends[:, 1], ends[:, 2] / splits
        d = [int((cl[i + 1] - cl[i]) & M) for i in range(len(cl) - 1)]
        r = {"stream_end_first": int(g0.min()),
             "stream_end_last": int(g0.max()),
             "merge_end": int(g4[last]),
             "tail_ns": int(g4[last] - g0.max())}
        r.update({"c_" + k: v for k, v in zip(labels, d)})
        # Over all blocks: when the first / last finished streaming, the
        # mean, and the mean over KV heads of each head's spread (last -
        # first of its splits).
        r.update({"end_min": int(row_min.min()), "end_mean": int(row_mean.mean()),
                  "end_max": int(row_max.max()),
                  "row_spread_mean": int((row_max - row_min).mean()),
                  "row_last_min": int(row_max.min())})
        recs.append(r)
    med = {k: statistics.median(r[k] for r in recs) for k in recs[0]}
    print(json.dumps({"case": name[:44], "splits": splits, "us": round(us, 2), **med}), flush=True)
    cache.close()
