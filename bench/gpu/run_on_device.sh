#!/usr/bin/env bash
# The ONE command the GPU machine runs (device tool, carry .device):
#   bash bench/gpu/run_on_device.sh
# Builds the runtime there (plain C++, CUDA driver opened at run time) and runs
# the harness with the sanitizer; results land in $OUT (or /tmp/kvq-out).
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-/tmp/kvq-out}"
mkdir -p "$OUT"
g++ -O2 -std=c++17 -shared -fPIC -Iinclude lib/Runtime/CUDA/Runtime.cpp \
    -o /tmp/libkvq_runtime.so -ldl || exit 1
export KVQ_RUNTIME=/tmp/libkvq_runtime.so PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
python3 bench/gpu/harness.py --artifacts .device/gpu --sanitize \
    --out "$OUT/results.json" 2>&1 | tee "$OUT/harness.log"
