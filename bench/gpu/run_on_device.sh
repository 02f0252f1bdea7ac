#!/usr/bin/env bash
# The ONE command the GPU machine runs (device tool, carry .device):
#   bash bench/gpu/run_on_device.sh
# Builds the runtime there (plain C++, CUDA driver opened at run time) and runs
# the harness with the sanitizer; results land in $OUT (or /tmp/kvq-out).
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-/tmp/kvq-out}"
mkdir -p "$OUT"
RUNTIME="lib/Runtime/CUDA/Driver.cpp lib/Runtime/CUDA/MgpuWrappers.cpp lib/Runtime/CUDA/Runtime.cpp"
g++ -O2 -std=c++17 -shared -fPIC -Iinclude $RUNTIME -o /tmp/libkvq_runtime.so -ldl || exit 1
# The host-lowered module (compiled here by kvq-lower-to-nvvm) + the runtime.
g++ -O2 -std=c++17 -shared -fPIC -Iinclude $RUNTIME .device/gpu/host/decode.o \
    -o /tmp/libkvq_host_decode.so -ldl || exit 1
export KVQ_RUNTIME=/tmp/libkvq_runtime.so PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
python3 bench/gpu/host_e2e.py /tmp/libkvq_host_decode.so .device/gpu/host \
    2>&1 | tee "$OUT/host_e2e.log"
python3 bench/gpu/harness.py --artifacts .device/gpu --sanitize \
    --out "$OUT/results.json" 2>&1 | tee "$OUT/harness.log"
# The same correctness cases on the 64-token tiles the large shapes take
# (the small cases take 32-token tiles by default).
python3 bench/gpu/harness.py --artifacts .device/gpu \
    --manifest .device/gpu/tile64/manifest.json --no-timing --no-errors \
    --out "$OUT/results-tile64.json" 2>&1 | tee "$OUT/harness-tile64.log"
# ... and at 64-bit index arithmetic (default tiles).
python3 bench/gpu/harness.py --artifacts .device/gpu \
    --manifest .device/gpu/index64/manifest.json --no-timing --no-errors \
    --out "$OUT/results-index64.json" 2>&1 | tee "$OUT/harness-index64.log"
