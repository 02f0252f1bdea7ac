#!/usr/bin/env bash
# Installs what kvq needs from Debian 12's apt (idempotent: does nothing when
# everything is present), then configures and builds kvq into build/.
#   scripts/setup.sh            install + configure + build
#   KVQ_SKIP_BUILD=1 scripts/setup.sh   install only
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(cmake ninja-build g++ git llvm-22-dev libmlir-22-dev mlir-22-tools
          llvm-22-tools clang-22 libgtest-dev python3-numpy)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "kvq setup: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "kvq setup: all apt packages present"
fi

if command -v ptxas >/dev/null 2>&1 || [ -x /usr/local/cuda/bin/ptxas ]; then
  echo "kvq setup: CUDA ptxas found: GPU kernels will be assembled to cubin"
else
  echo "kvq setup: NOTE: CUDA toolkit (ptxas) not found: GPU lowering emits PTX" \
       "only; everything else builds and is tested"
fi

[ "${KVQ_SKIP_BUILD:-0}" = 1 ] && exit 0

LLVM=/usr/lib/llvm-22
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=$LLVM/bin/clang -DCMAKE_CXX_COMPILER=$LLVM/bin/clang++ \
    -DMLIR_DIR=$LLVM/lib/cmake/mlir \
    -DLLVM_EXTERNAL_LIT=$LLVM/bin/lit
fi
cmake --build build
