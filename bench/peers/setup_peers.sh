#!/usr/bin/env bash
# Recreates peers/ (git-ignored) at the repository root: the peers' benchmark
# script and the public sources it builds on the GPU machine, never committed:
#   peers/bench_peers.py                   from $PEERS_SCRIPT_DIR (default ../shared/peers)
#   peers/src/KIVI                         jy-yuan/KIVI at 876b4d2
#   peers/src/BitDecoding                  DD-DuDa/BitDecoding at e829b5a
#   peers/src/BitDecoding/libs/cutlass/include   NVIDIA/cutlass include/ at 3fe62887
# It needs bare git mirrors of the three repositories (this project's fetch
# tool puts them at /work/.mirror/<owner>+<name>/repo; MIRRORS overrides the
# root); images, notebooks and evaluation data are left out (size: the device
# run carries at most 64 MiB of ignored paths, .device/peers included).
#   bash bench/peers/setup_peers.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
MIRRORS=${MIRRORS:-/work/.mirror}
SCRIPT_DIR=${PEERS_SCRIPT_DIR:-$ROOT/../shared/peers}
KIVI_COMMIT=876b4d2
BD_COMMIT=e829b5a
CUTLASS_COMMIT=3fe62887
for m in jy-yuan+KIVI DD-DuDa+BitDecoding NVIDIA+cutlass; do
  git --git-dir="$MIRRORS/$m/repo" rev-parse -q --verify "HEAD^{commit}" >/dev/null ||
    { echo "missing mirror $MIRRORS/$m/repo (fetch github:${m/+//} first)" >&2; exit 1; }
done
test -f "$SCRIPT_DIR/bench_peers.py" || { echo "no $SCRIPT_DIR/bench_peers.py" >&2; exit 1; }
rm -rf peers
mkdir -p peers/src/KIVI peers/src/BitDecoding/libs/cutlass/include
cp "$SCRIPT_DIR/bench_peers.py" "$SCRIPT_DIR/README.md" peers/
git --git-dir="$MIRRORS/jy-yuan+KIVI/repo" archive "$KIVI_COMMIT" |
  tar -x -C peers/src/KIVI --exclude=img --exclude=vis --exclude='*.jsonl'
git --git-dir="$MIRRORS/DD-DuDa+BitDecoding/repo" archive "$BD_COMMIT" |
  tar -x -C peers/src/BitDecoding --exclude=imgs --exclude=libs
# The submodule pinned by BitDecoding's tree must be the commit used here.
pinned=$(git --git-dir="$MIRRORS/DD-DuDa+BitDecoding/repo" ls-tree "$BD_COMMIT" libs/cutlass | awk '{print $3}')
case "$pinned" in "$CUTLASS_COMMIT"*) ;; *) echo "BitDecoding pins cutlass $pinned" >&2; exit 1;; esac
git --git-dir="$MIRRORS/NVIDIA+cutlass/repo" archive "$CUTLASS_COMMIT:include" |
  tar -x -C peers/src/BitDecoding/libs/cutlass/include
{
  echo "KIVI $KIVI_COMMIT"; echo "BitDecoding $BD_COMMIT"; echo "cutlass $CUTLASS_COMMIT (include/ only)"
} > peers/SOURCES
du -sh peers peers/src/* peers/src/BitDecoding/libs/cutlass/include
