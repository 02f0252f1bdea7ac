"""Shared helpers of the CPU integration tests: argument parsing, the path
to test/lib/kvq_reference.py, failure collection, MLIR snippets."""

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "lib"))

import kvq_reference as ref  # noqa: E402,F401


def run_main(name, main):
    """Runs main(); a kvq-run failure (it rejected or could not compile a
    generated module) is reported as a test failure without a traceback."""
    try:
        main()
    except ref.RunError as e:
        print("%s: FAILED: %s" % (name, e))
        sys.exit(1)


def parse_args(description, extra=None):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--kvq-run", required=True, help="path to kvq-run")
    p.add_argument("--work", required=True, help="scratch directory (lit's %t)")
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--max-report", type=int, default=20,
                   help="failures to print in detail")
    if extra:
        extra(p)
    return p.parse_args()


class Failures:
    """Collects check failures; prints them and exits non-zero at the end."""

    def __init__(self, name, max_report=20):
        self.name = name
        self.max_report = max_report
        self.items = []
        self.checks = 0
        self.start = time.time()

    def check(self, ok, what):
        self.checks += 1
        if not ok:
            self.items.append(what() if callable(what) else what)
        return ok

    def finish(self, summary):
        dt = time.time() - self.start
        if self.items:
            print("%s: FAILED %d of %d checks (%.1f s)" % (self.name, len(self.items), self.checks, dt))
            for it in self.items[: self.max_report]:
                print("  FAIL: " + it)
            if len(self.items) > self.max_report:
                print("  ... and %d more" % (len(self.items) - self.max_report))
            sys.exit(1)
        print("%s: PASS, %d checks; %s (%.1f s)" % (self.name, self.checks, summary, dt))


ID2 = "affine_map<(i, j) -> (i, j)>"


def bitcast_2d(name, src, shape, from_ty, to_ty):
    """A linalg.generic that bitcasts a 2-D tensor elementwise (kvq-run cannot
    pass bf16 tensors; elementwise arith on tensors is not bufferized)."""
    t_from = ref.mlir_tensor(shape, from_ty)
    t_to = ref.mlir_tensor(shape, to_ty)
    return (
        "  %{n}_e = tensor.empty() : {tt}\n"
        "  %{n} = linalg.generic {{indexing_maps = [{m}, {m}], iterator_types = [\"parallel\", \"parallel\"]}}"
        " ins(%{s} : {tf}) outs(%{n}_e : {tt}) {{\n"
        "  ^bb0(%a: {ft}, %o: {toty}):\n"
        "    %r = arith.bitcast %a : {ft} to {toty}\n"
        "    linalg.yield %r : {toty}\n"
        "  }} -> {tt}\n").format(n=name, s=src, tf=t_from, tt=t_to, m=ID2, ft=from_ty, toty=to_ty)
