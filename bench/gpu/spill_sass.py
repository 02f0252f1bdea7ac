#!/usr/bin/env python3
"""Where ptxas spilled: the SASS of every kernel that ptxas.log reports with
spill stores, with each local-memory access (STL/LDL), the loops around it
(backward branches) and a few instructions of context. Runs on the GPU
machine (it needs cuobjdump):
    python3 bench/gpu/spill_sass.py CUBIN PTXAS_LOG [--context N] [--out DIR]
CUBIN may be gzipped. Writes DIR/<kernel>.sass (the whole listing) and prints
the summary."""
import argparse
import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile


def spilling_kernels(log):
    out, cur = [], None
    for line in open(log):
        m = re.search(r"Function properties for (\S+)", line)
        if m:
            cur = m.group(1)
        m = re.search(r"(\d+) bytes spill stores, (\d+) bytes spill loads", line)
        if m and cur and int(m.group(1)) > 0:
            out.append((cur, int(m.group(1)), int(m.group(2))))
    return out


INSN = re.compile(r"/\*([0-9a-f]{4,})\*/\s+(.*?);")


def parse(sass):
    """[(address, text)] of the instructions of one function."""
    return [(int(m.group(1), 16), m.group(2).strip()) for m in
            (INSN.search(l) for l in sass.splitlines()) if m]


def loops(insns):
    """(start, end) address ranges closed by a backward branch."""
    out = []
    for addr, text in insns:
        m = re.search(r"\bBRA\b.*?0x([0-9a-f]+)", text)
        if m and int(m.group(1), 16) <= addr:
            out.append((int(m.group(1), 16), addr))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cubin")
    ap.add_argument("ptxas_log")
    ap.add_argument("--context", type=int, default=6)
    ap.add_argument("--out", default=os.environ.get("OUT", "/tmp/kvq-out"))
    a = ap.parse_args()
    cubin = a.cubin
    tmp = None
    if cubin.endswith(".gz"):
        tmp = tempfile.NamedTemporaryFile(suffix=".cubin", delete=False)
        with gzip.open(cubin) as f:
            shutil.copyfileobj(f, tmp)
        tmp.close()
        cubin = tmp.name
    tool = shutil.which("cuobjdump") or "/usr/local/cuda/bin/cuobjdump"
    os.makedirs(a.out, exist_ok=True)
    for name, st, ld in spilling_kernels(a.ptxas_log):
        sass = subprocess.run([tool, "-sass", "-fun", name, cubin],
                              capture_output=True, text=True).stdout
        with open(os.path.join(a.out, name + ".sass"), "w") as f:
            f.write(sass)
        insns = parse(sass)
        lp = loops(insns)
        local = [i for i, (_, t) in enumerate(insns)
                 if re.search(r"\b(STL|LDL)\b", t)]
        print(f"== {name}: {st} B stores, {ld} B loads; {len(insns)} "
              f"instructions; loops {[(hex(s), hex(e)) for s, e in lp]}")
        for i in local:
            addr, text = insns[i]
            depth = sum(s <= addr <= e for s, e in lp)
            print(f"  [{i}/{len(insns)}] 0x{addr:05x} loop depth {depth}: {text}")
            for j in range(max(0, i - a.context), min(len(insns), i + a.context + 1)):
                mark = ">>" if j == i else "  "
                print(f"      {mark} 0x{insns[j][0]:05x} {insns[j][1]}")
    if tmp:
        os.unlink(tmp.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
