#!/usr/bin/env bash
# Sets up (scripts/setup.sh), builds, and runs the whole test suite: unit
# tests (GoogleTest) and lit tests. .ci/run calls this.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --build build --target check-kvq
