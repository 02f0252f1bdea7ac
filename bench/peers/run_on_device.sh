#!/usr/bin/env bash
# The ONE command the GPU machine runs (device tool, carry [".device/peers",
# "peers"], ~41 MiB; carrying all of .device would add .device/gpu, 55 MiB):
#   bash bench/peers/run_on_device.sh [PART] [more bench_peers.py options]
# PART picks the shapes:
#   all  all six (the default; expected to fit one 10-minute call, see below)
#   1    1x4096,1x32768,1x131072
#   2    8x4096,8x32768,32x8192
#   or an explicit list such as 1x4096,8x32768.
# kvq runs right after SDPA, while KIVI (~75 s) and BitDecoding (~150 s) still
# build in the background: measured, sdpa + kvq at 1x4096 (all 20 kvq cases)
# take 14 s with the runtime build, 8x32768 ~0.5 s per kvq case, so the kvq
# part of all six shapes is about a minute. If the log shows "skipped:
# deadline" (bench_peers stops new cases 540 s in), run parts 1 and 2 instead
# (two calls) and give both JSON files to bench/peers/table.py.
# SYSTEMS (default sdpa,kvq,kivi,bitdecoding) and the plugin's KVQ_PEERS_*
# variables (bench/peers/kvq_plugin.py) narrow a run. Builds libkvq_runtime.so
# here (plain C++, CUDA driver opened at run time), then runs the peers'
# benchmark with kvq's plugin; results land in $OUT (or /tmp/kvq-out) as
# peers_<PART>.json and .log. KIVI and BitDecoding build in the background
# into $PEERS_BUILD (default /tmp/peers_build, reused while the machine
# stays warm). Prerequisites made on the compiler machine:
#   bench/peers/prepare.py          (.device/peers)
#   bash bench/peers/setup_peers.sh (peers/)
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-/tmp/kvq-out}"
mkdir -p "$OUT"
PART="${1:-all}"
shift || true
case "$PART" in
  1) SHAPES=1x4096,1x32768,1x131072 ;;
  2) SHAPES=8x4096,8x32768,32x8192 ;;
  all) SHAPES=1x4096,1x32768,1x131072,8x4096,8x32768,32x8192 ;;
  *x*) SHAPES="$PART" ;;
  *) echo "unknown part '$PART'" >&2; exit 2 ;;
esac
TAG=$(echo "$PART" | tr ',' '_')
test -f peers/bench_peers.py || { echo "peers/ missing: run bench/peers/setup_peers.sh and carry peers" >&2; exit 1; }
test -f .device/peers/manifest.json || { echo ".device/peers missing: run bench/peers/prepare.py and carry .device" >&2; exit 1; }
T0=$(date +%s)
RUNTIME="lib/Runtime/CUDA/Driver.cpp lib/Runtime/CUDA/MgpuWrappers.cpp lib/Runtime/CUDA/Runtime.cpp"
g++ -O2 -std=c++17 -shared -fPIC -Iinclude $RUNTIME -o /tmp/libkvq_runtime.so -ldl || exit 1
echo "runtime built in $(( $(date +%s) - T0 )) s"
export KVQ_RUNTIME=/tmp/libkvq_runtime.so PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,clocks.max.mem --format=csv,noheader
python3 peers/bench_peers.py --plugin bench/peers/kvq_plugin.py \
    --systems "${SYSTEMS:-sdpa,kvq,kivi,bitdecoding}" --shapes "$SHAPES" \
    --kivi-configs K4V2,K2V2,K4V4 --deadline 540 --build-deadline 420 \
    --out "$OUT/peers_$TAG.json" "$@" 2>&1 | tee "$OUT/peers_$TAG.log"
rc=${PIPESTATUS[0]}
echo "part $PART: $(( $(date +%s) - T0 )) s in all"
exit $rc
