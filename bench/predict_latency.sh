#!/usr/bin/env bash
# Predict latency of the reference model at batch 1 and batch 64, through the
# C API, on one thread: median of 2000 runs each. Uses build/release.
set -euo pipefail
cd "$(dirname "$0")/.."
ninja -C build/release braidc predict-latency >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for batch in 1 64; do
  build/release/bin/braidc examples/mlp.braid --batch "$batch" --emit=plan -o "$tmp/mlp$batch.plan"
  build/release/bin/predict-latency "$tmp/mlp$batch.plan" 2000 1
done
