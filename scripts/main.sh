#!/usr/bin/env bash
# Quick start, first command: installs what is missing, builds Braid
# (release), compiles the reference model examples/mlp.braid into a plan and
# trains it on Fashion-MNIST (Debian's dataset-fashion-mnist) for the 10
# epochs of its train block, printing the test accuracy. The trained weights
# go to build/mlp.safetensors.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake -G Ninja -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build/release braidc braid-run >/dev/null
build/release/bin/braidc examples/mlp.braid -o build/mlp.plan
build/release/bin/braid-run train build/mlp.plan --data fashion-mnist \
  --save build/mlp.safetensors
