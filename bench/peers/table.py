#!/usr/bin/env python3
"""Turns bench_peers.py result files (kvq plugin included) into the tables of
docs/performance.md: every shape x head_dim x configuration with us, GB/s,
% of the read ceiling measured in the same run, speedup over torch fp16 SDPA,
KIVI (same bits; KIVI has K4V2, K2V2, K4V4 at group 32) and BitDecoding K4V4
g128, plus the peers' own rows, the append timings and issue 8's targets.

    bench/peers/table.py peers_1.json peers_2.json [--out table.md]

Several files (e.g. the two parts of run_on_device.sh) are merged; each row
is compared only with rows of its own file (its own run and ceiling).
"""
import argparse
import json
import sys

TOL = 2e-3          # rel_err of kvq against fp32 attention on its own K/V
ROOF_TOKENS = 256 * 1024


def load(paths):
    runs = []
    for p in paths:
        with open(p) as f:
            d = json.load(f)
        ceil = d["meta"].get("ceilings", {}).get("sum_2GiB", {}).get("GBps_read")
        runs.append(dict(path=p, meta=d["meta"], ceiling=ceil,
                         results=d["results"]))
    return runs


def shape_key(r):
    return (r["B"], r["T"])


def fmt_shape(B, T):
    return f"{B}×{T // 1024}k" if T % 1024 == 0 else f"{B}×{T}"


def find(run, system, config, B, T):
    for r in run["results"]:
        if (r.get("system"), r.get("config"), r.get("B"), r.get("T")) == (
                system, config, B, T) and "error" not in r and r.get("us"):
            return r
    return None


def split_label(config):
    """'d64-K4V2-g32' -> (64, 'K4V2-g32'); 'K4V2-g32' -> (128, ...)."""
    if config.startswith("d") and "-" in config:
        d, rest = config.split("-", 1)
        return int(d[1:]), rest
    return 128, config


ORDER = [f"K{k}V{v}-g{g}" for k, v in ((4, 2), (2, 2), (4, 4), (8, 4), (8, 8))
         for g in (128, 32)]


def config_order(cfg):
    return (ORDER.index(cfg), "") if cfg in ORDER else (len(ORDER), cfg)


def correct(r):
    return (r.get("finite", False) and r.get("rel_err", 1.0) <= TOL
            and r.get("rerun_maxdiff", 1.0) == 0.0)


def x(a, b):
    return f"{a / b:.2f}" if a and b else "–"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results", nargs="+")
    ap.add_argument("--out")
    args = ap.parse_args()
    runs = load(args.results)
    lines = []
    w = lines.append

    w("Ceilings measured in each run (2 GiB read-only sum; 2 GiB copy):")
    w("")
    for run in runs:
        m = run["meta"]
        c = m.get("ceilings", {})
        w(f"- `{run['path']}`: {m.get('device')}, torch {m.get('torch')}, CUDA "
          f"{m.get('cuda')}; read {run['ceiling']:.0f} GB/s, copy "
          f"{c.get('copy_2GiB', {}).get('GBps_read_plus_write', 0):.0f} GB/s "
          f"(read+write); shapes {', '.join(fmt_shape(*s) for s in m['shapes'])}")
    w("")

    # ---- kvq rows --------------------------------------------------------
    rows, targets = [], []
    w("| shape | d | config | µs | GB/s | % ceiling | MB read | × SDPA | × KIVI | "
      "× BitDecoding K4V4 g128 | rel_err | vs fp16 | targets |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    kv = []
    for run in runs:
        for r in run["results"]:
            if r.get("system") == "kvq":
                kv.append((run, r))
    kv.sort(key=lambda p: (split_label(p[1]["config"])[0] != 128,
                           split_label(p[1]["config"])[0], p[1]["B"], p[1]["T"],
                           config_order(split_label(p[1]["config"])[1])))
    for run, r in kv:
        B, T = shape_key(r)
        D, cfg = split_label(r["config"])
        if "error" in r or not r.get("us"):
            err = r.get("error", "no time").splitlines()[0][:100].replace("|", "/")
            w(f"| {fmt_shape(B, T)} | {D} | {cfg} | error: {err} " + "| " * 9 + "|")
            targets.append(("correct", f"{fmt_shape(B, T)} d{D} {cfg}", False,
                            "error"))
            continue
        us, gbps = r["us"], r.get("GBps", 0)
        ceil = run["ceiling"]
        sdpa = find(run, "sdpa-fp16", "default" if D == 128 else f"d{D}-default", B, T)
        bits = cfg.split("-")[0]
        kivi = find(run, "kivi", bits, B, T) if D == 128 else None
        bd = find(run, "bitdecoding", "K4V4-g128", B, T) if D == 128 else None
        marks = []
        name = f"{fmt_shape(B, T)} d{D} {cfg}"

        def check(mark, label, met, detail):
            """Target `label` for this row; met None: not measurable."""
            if met is not None:
                marks.append(mark + ("✓" if met else "✗"))
            targets.append((label, name, met, detail))

        check("C", "correct", bool(correct(r)),
              f"rel_err {r.get('rel_err', float('nan')):.1e}, rerun diff "
              f"{r.get('rerun_maxdiff')}")
        if B * T >= ROOF_TOKENS and ceil:
            bound = r["bytes"] / (0.9 * ceil * 1e3)   # µs
            check("R", "roofline", us <= bound,
                  f"{us:.1f} µs vs bound {bound:.1f} µs "
                  f"({100 * gbps / ceil:.0f}% of the ceiling)")
        if D == 128 and (B, T) == (8, 32768) and bits == "K4V2" and sdpa:
            need = 4.5 if cfg.endswith("g128") else 3.6
            check("S", "vs SDPA", sdpa["us"] / us >= need,
                  f"{sdpa['us'] / us:.2f}x (need {need}x)")
        if D == 128 and (B, T) == (1, 4096) and bits == "K4V2":
            check("L", "1×4k ≤ 6 µs", us <= 6.0, f"{us:.1f} µs")
        if D == 128 and cfg == "K4V4-g128":
            if bd:
                check("B", "vs BitDecoding", bd["us"] / us >= 1.7,
                      f"{bd['us'] / us:.2f}x (need 1.7x)")
            else:
                check("B", "vs BitDecoding", None, "no BitDecoding row")
        if D == 128 and bits in ("K4V2", "K2V2", "K4V4"):
            if kivi:
                check("K", "vs KIVI", kivi["us"] / us >= 10,
                      f"{kivi['us'] / us:.1f}x (need 10x)")
            else:
                check("K", "vs KIVI", None, "no KIVI row")
        pct = f"{100 * gbps / ceil:.0f}" if ceil and gbps else "–"
        w(f"| {fmt_shape(B, T)} | {D} | {cfg} | {us:.1f} | {gbps:.0f} | {pct} | "
          f"{r['bytes'] / 1e6:.1f} | {x(sdpa and sdpa['us'], us)} | "
          f"{x(kivi and kivi['us'], us)} | {x(bd and bd['us'], us)} | "
          f"{r.get('rel_err', float('nan')):.1e} | "
          f"{r.get('rel_err_vs_fp16', float('nan')):.1e} | {' '.join(marks)} |")
    w("")
    w("Targets column: C correct (rel_err ≤ 2e-3 against fp32 attention on the "
      "K/V the cache holds, read back from its storage; bitwise deterministic "
      "over reruns), R ≤ packed bytes / (0.9 × read ceiling) (batch × context "
      "≥ 256k), S ≥ 4.5x (g128) / 3.6x (g32) SDPA at 8×32k, L ≤ 6 µs at 1×4k, "
      "B ≥ 1.7x BitDecoding K4V4 g128, K ≥ 10x KIVI same bits (KIVI: group 32).")
    w("")

    # ---- append ----------------------------------------------------------
    ap_rows = [(run, r) for run in runs for r in run["results"]
               if r.get("system") == "kvq-append"]
    if ap_rows:
        w("Append of one token per sequence (1-token append kernel, near the "
          "full context; µs median with L2 flushed, and back-to-back mean "
          "which includes the group flushes):")
        w("")
        w("| shape | d | config | µs | hot µs | p80 µs | ≤ 5 µs |")
        w("|---|---|---|---|---|---|---|")
        ap_rows.sort(key=lambda p: (split_label(p[1]["config"])[0] != 128,
                                    p[1]["B"], p[1]["T"],
                                    config_order(split_label(p[1]["config"])[1])))
        for run, r in ap_rows:
            D, cfg = split_label(r["config"])
            if "error" in r:
                w(f"| {fmt_shape(r['B'], r['T'])} | {D} | {cfg} | error | | | |")
                continue
            met = r["us"] <= 5.0
            if r["B"] == 32:  # the target is at batch 32
                targets.append(("append ≤ 5 µs (batch 32)",
                                f"{fmt_shape(r['B'], r['T'])} d{D} {cfg}", met,
                                f"{r['us']:.1f} µs"))
            w(f"| {fmt_shape(r['B'], r['T'])} | {D} | {cfg} | {r['us']:.1f} | "
              f"{r.get('hot_us', 0):.1f} | {r.get('p80_us', 0):.1f} | "
              f"{'✓' if met else '✗'} |")
        w("")

    # ---- peers -----------------------------------------------------------
    w("Peers in the same runs, µs (GB/s), rel_err against each system's own "
      "dequantized K/V:")
    w("")
    shapes = sorted({shape_key(r) for run in runs for r in run["results"]})
    peers = []
    for run in runs:
        for r in run["results"]:
            s = r.get("system", "")
            if s in ("kvq", "kvq-append"):
                continue
            peers.append((s, r.get("config", "")))
    peers = sorted(set(peers))
    w("| system | config | " + " | ".join(fmt_shape(*s) for s in shapes) + " |")
    w("|---|---|" + "---|" * len(shapes))
    for s, c in peers:
        cells = []
        for B, T in shapes:
            r = None
            for run in runs:
                r = r or next((q for q in run["results"] if (
                    q.get("system"), q.get("config"), q.get("B"), q.get("T"))
                    == (s, c, B, T)), None)
            if r is None:
                cells.append("")
            elif "error" in r:
                cells.append("error")
            else:
                gb = f" ({r['GBps']:.0f})" if r.get("GBps") else ""
                bad = ""
                if "rel_err" in r and r["rel_err"] > 1e-2:
                    bad += f" ✗{r['rel_err']:.0e}"
                if r.get("rerun_maxdiff", 0) > 1e-3 * r.get("out_absmax", 0):
                    bad += " nd"
                cells.append(f"{r['us']:.0f}{gb}{bad}")
        w(f"| {s} | {c} | " + " | ".join(cells) + " |")
    w("")
    w("✗: output wrong (rel_err > 1e-2, value shown); nd: reruns differ by "
      "more than 1e-3 of the output's largest magnitude. KIVI speedups above "
      "use the `kivi` rows (its decode branch as llama_kivi.py runs it).")
    w("")

    # ---- targets ---------------------------------------------------------
    w("Issue 8 targets:")
    w("")
    for kind in ("roofline", "vs SDPA", "1×4k ≤ 6 µs", "vs BitDecoding",
                 "vs KIVI", "correct", "append ≤ 5 µs (batch 32)"):
        ts = [t for t in targets if t[0] == kind]
        if not ts:
            w(f"- {kind}: not measured in these runs")
            continue
        met = [t for t in ts if t[2]]
        missed = [t for t in ts if t[2] is False]
        unmeasured = [t for t in ts if t[2] is None]
        if unmeasured:
            ts = [t for t in ts if t[2] is not None]
            if not ts:
                w(f"- {kind}: not measured ({unmeasured[0][3]})")
                continue
        w(f"- {kind}: {len(met)}/{len(ts)} met"
          + ("" if not missed else "; not met: " + "; ".join(
              f"{t[1]} ({t[3]})" for t in missed[:12])
             + (f"; … {len(missed) - 12} more" if len(missed) > 12 else "")))
    text = "\n".join(lines) + "\n"
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
