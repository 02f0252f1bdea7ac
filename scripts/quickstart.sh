#!/usr/bin/env bash
# Sets up kvq and runs its main job on a built-in default:
#  - with ../shared/data present: import the real stories260K model, raise its
#    attention to kvq caches with 4-bit keys and 2-bit values, report the cache
#    footprint, and generate 32 tokens on the CPU with full-precision and with
#    quantized caches;
#  - always: compile the bundled Llama-3-8B-shaped decode step
#    (examples/decode_step.mlir) into fused GPU kernels (PTX, and a cubin when
#    the CUDA toolkit is installed) with kvq-gpu-aot.
#   scripts/quickstart.sh [module.mlir]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh > build-setup.log 2>&1 || { cat build-setup.log; exit 1; }
BIN=build/bin
OUT=build/quickstart
mkdir -p "$OUT"

MODEL=../shared/data/models/stories260K.bin
if [ -f "$MODEL" ]; then
  echo "== kvq-import $MODEL"
  $BIN/kvq-import "$MODEL" -o "$OUT/stories.mlir"
  echo "== kvq-opt --kvq-raise-attention (K4 groups of 32 tokens, V2 groups of 8 channels, window 32) --kvq-report-footprint"
  $BIN/kvq-opt "$OUT/stories.mlir" \
    --kvq-raise-attention="key-bits=4 key-group=32 value-bits=2 value-group=8 window=32" \
    --kvq-report-footprint --mlir-print-op-on-diagnostic=false \
    -o "$OUT/stories-k4v2.mlir" 2>&1 | grep "remark: kvq:"
  echo "== kvq-generate: 32 greedy tokens from BOS, full-precision caches"
  $BIN/kvq-generate "$OUT/stories.mlir" --prompt=1 --steps=32 | tail -3
  echo "== kvq-generate: the same with K4/V2 caches"
  $BIN/kvq-generate "$OUT/stories.mlir" --prompt=1 --steps=32 \
    --key-bits=4 --value-bits=2 --group=8 --window=0 | tail -3
else
  echo "(../shared/data absent: skipping the stories260K model)"
fi

input="${1:-examples/decode_step.mlir}"
echo "== kvq-opt --kvq-report-footprint $input"
$BIN/kvq-opt "$input" --kvq-report-footprint --mlir-print-op-on-diagnostic=false \
  -o /dev/null
echo "== kvq-gpu-aot $input -o $OUT/gpu"
$BIN/kvq-gpu-aot "$input" -o "$OUT/gpu"
ls "$OUT/gpu"
