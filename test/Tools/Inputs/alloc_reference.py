"""Independent reference for kvq-alloc: the paper's greedy rule, written from
its description (arXiv 2502.15075, and docs/allocation.md), a brute-force
optimum for small problems, and checks of kvq-alloc's JSON output.

Usage: alloc_reference.py KVQ_ALLOC PROFILE_DIR [--brute]
"""
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile

TOL = 1e-9
# Stored accounting in kvq-alloc's defaults: group 128, f16 scale and zero
# point (asymmetric) -> 2 * 16 / 128 = 0.25 bits per element of overhead for
# every quantized width; 16 bits stores no scales.
OVERHEAD = 2 * 16 / 128


def cost(width, accounting):
    if accounting == "paper":
        return width
    return 16.0 if width >= 16 else width + OVERHEAD


def err(c, b):
    return c * 2.0 ** (-2.0 * b)


def greedy(coeffs, cands, budget, accounting):
    """The paper's rule: everyone starts at the narrowest candidate; upgrade
    the tensor with the largest error reduction per added bit among those
    whose next candidate still fits; ties to the lower index."""
    n = len(coeffs)
    total = budget * n
    level = [0] * n
    used = sum(cost(cands[0], accounting) for _ in range(n))
    while True:
        best, best_i = -1.0, None
        for i in range(n):
            if level[i] + 1 >= len(cands):
                continue
            b, b2 = cands[level[i]], cands[level[i] + 1]
            added = cost(b2, accounting) - cost(b, accounting)
            if used + added > total + TOL * max(1.0, total):
                continue
            gain = (err(coeffs[i], b) - err(coeffs[i], b2)) / added
            if gain > best:
                best, best_i = gain, i
        if best_i is None:
            break
        i = best_i
        used += cost(cands[level[i] + 1], accounting) - cost(cands[level[i]], accounting)
        level[i] += 1
    return [cands[l] for l in level]


def run(tool, profile, budget, policy, cands, accounting):
    with tempfile.NamedTemporaryFile("r", suffix=".json") as out:
        subprocess.run([tool, "--profile", profile, "--budget", str(budget),
                        "--policy", policy, "--candidates",
                        ",".join(str(c) for c in cands), "--accounting",
                        accounting, "--json", out.name, "--quiet"], check=True)
        return json.load(open(out.name))


def check(cond, msg):
    if not cond:
        print("FAIL:", msg)
        sys.exit(1)


def check_profile(tool, path, budget, cands, accounting):
    prof = json.load(open(path))
    coeffs = []
    for k, v in zip(prof["w_k"], prof["w_v"]):
        coeffs += [k * k, v * v]
    n = len(coeffs)
    total = budget * n
    g = run(tool, path, budget, "greedy", cands, accounting)
    o = run(tool, path, budget, "optimal", cands, accounting)
    ref = greedy(coeffs, cands, budget, accounting)
    got = [t["bits"] for t in g["tensors"]]
    check(got == ref, f"{path} b={budget} {accounting}: greedy {got} != {ref}")
    e_g = sum(err(c, b) for c, b in zip(coeffs, got))
    bits_o = [t["bits"] for t in o["tensors"]]
    e_o = sum(err(c, b) for c, b in zip(coeffs, bits_o))
    used_o = sum(cost(b, accounting) for b in bits_o)
    check(used_o <= total + TOL * total, f"{path}: optimal over budget")
    check(e_o <= e_g * (1 + 1e-12),
          f"{path} b={budget} {accounting}: optimal {e_o} > greedy {e_g}")
    # Within one step: no single upgrade of the optimum still fits.
    for b in bits_o:
        j = cands.index(b)
        if j + 1 < len(cands):
            step = cost(cands[j + 1], accounting) - cost(b, accounting)
            check(used_o + step > total + TOL * total,
                  f"{path}: optimal leaves room for an upgrade")
    check(abs(o["used_bits"] - used_o) <= 1e-9 * total, "used_bits")
    check(abs(o["error"] - e_o) <= 1e-12 * e_o, "error")
    return e_g, e_o


def brute(coeffs, cands, budget, accounting):
    n = len(coeffs)
    total = budget * n
    best = None
    for combo in itertools.product(cands, repeat=n):
        if sum(cost(b, accounting) for b in combo) > total + TOL * total:
            continue
        e = sum(err(c, b) for c, b in zip(coeffs, combo))
        if best is None or e < best:
            best = e
    return best


def main():
    tool, root = sys.argv[1], sys.argv[2]
    paper = [1, 1.58, 2, 4, 6, 8]
    kernels = [2, 3, 4, 8, 16]
    count = 0
    if os.path.isdir(root):
        for kind in ("frobenius", "spectral"):
            for name in sorted(os.listdir(os.path.join(root, kind))):
                path = os.path.join(root, kind, name)
                for budget in (2, 3, 4):
                    for accounting in ("paper", "stored"):
                        for cands in (paper, kernels):
                            if cost(cands[0], accounting) > budget:
                                continue
                            e_g, e_o = check_profile(tool, path, budget, cands,
                                                     accounting)
                            count += 1
                print(f"{kind}/{name}: ok")
    if "--brute" in sys.argv:
        rng = random.Random(7)
        with tempfile.TemporaryDirectory() as d:
            for trial in range(6):
                layers = 3
                ks = [rng.uniform(0.1, 60) for _ in range(layers)]
                vs = [rng.uniform(0.1, 20) for _ in range(layers)]
                path = os.path.join(d, f"p{trial}.json")
                json.dump({"w_k": ks, "w_v": vs}, open(path, "w"))
                coeffs = []
                for k, v in zip(ks, vs):
                    coeffs += [k * k, v * v]
                for accounting in ("paper", "stored"):
                    budget = rng.choice([2, 2.5, 3, 3.3, 4, 5])
                    o = run(tool, path, budget, "optimal", paper, accounting)
                    e_o = sum(err(c, t["bits"]) for c, t in zip(coeffs, o["tensors"]))
                    e_b = brute(coeffs, paper, budget, accounting)
                    check(abs(e_o - e_b) <= 1e-12 * e_b,
                          f"trial {trial} {accounting} b={budget}: optimal "
                          f"{e_o} != brute force {e_b}")
                    count += 1
        print("brute force: ok")
    print(f"checked {count} allocations")


if __name__ == "__main__":
    main()
