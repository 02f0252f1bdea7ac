#!/usr/bin/env bash
# Sets up and runs kvq's main job on the bundled example: a decode step of a
# 4-bit-key / 2-bit-value cache, reported by kvq-opt.
#   scripts/quickstart.sh [module.mlir]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh > build-setup.log 2>&1 || { cat build-setup.log; exit 1; }
input="${1:-examples/decode_step.mlir}"
echo "== kvq-opt --kvq-report-footprint $input"
build/bin/kvq-opt "$input" --kvq-report-footprint --mlir-print-op-on-diagnostic=false
