#!/usr/bin/env bash
# This machine's memory bandwidth on one core (a STREAM triad) beside the
# bandwidth of Braid's memory-bound kernels on tensors larger than the
# last-level cache: a bias add + relu and a bias add + GELU with generated code
# and with the prebuilt kernels (braidc --no-codegen), and a layer norm (never
# generated, so compiled once). One thread, one command, so the ratios are side
# by side.
#   bench/bandwidth.sh [BUILD_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build/release}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for m in bias_relu bias_gelu layer_norm; do
  "$build/bin/braidc" --batch 4096 "$root/bench/models/$m.braid" -o "$out/$m.plan"
done
for m in bias_relu bias_gelu; do
  "$build/bin/braidc" --no-codegen --batch 4096 "$root/bench/models/$m.braid" \
    -o "$out/$m.prebuilt.plan"
done
lscpu | grep 'Model name'
OMP_NUM_THREADS=1 "$build/bin/bandwidth" --threads 1 --runs 20 \
  "$out/bias_relu.plan" "$out/bias_relu.prebuilt.plan" \
  "$out/bias_gelu.plan" "$out/bias_gelu.prebuilt.plan" \
  "$out/layer_norm.plan"
