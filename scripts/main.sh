#!/usr/bin/env bash
# Quick start, first command: installs what is missing, builds Braid (release)
# and runs the main job: compile the reference model examples/mlp.braid and
# print its MLIR.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake -G Ninja -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build/release braidc braid-opt >/dev/null
build/release/bin/braidc examples/mlp.braid --emit=mlir
