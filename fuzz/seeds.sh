#!/usr/bin/env bash
# Gathers each harness's seed inputs into OUT/<harness>/: its committed
# corpus (fuzz/corpus/<harness>/, reproducers included), and from the tree
# every model file (model_language_fuzzer) and, when BRAIDC names a braidc,
# the plans of the examples and test models compiled now, so that the plan
# harness starts from plans of the current schema (plan_fuzzer).
#
#   fuzz/seeds.sh OUT
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out=${1:?usage: fuzz/seeds.sh OUT}

rm -rf "$out"
mkdir -p "$out"
for dir in "$root"/fuzz/corpus/*/; do
  name=$(basename "$dir")
  mkdir -p "$out/$name"
  cp "$dir"* "$out/$name/" 2>/dev/null || true
done

# Not expansion_limits.braid: it expands to the limit of 10^6 items by
# design, seconds of work under the sanitizers that would read as a hang.
mkdir -p "$out/model_language_fuzzer"
find "$root/examples" "$root/test" -name '*.braid' \
  ! -name expansion_limits.braid -print0 |
  while IFS= read -r -d '' f; do
    cp "$f" "$out/model_language_fuzzer/$(echo "$f" | sed "s|^$root/||; s|/|_|g")"
  done

if [[ -n "${BRAIDC:-}" ]]; then
  mkdir -p "$out/plan_fuzzer"
  for f in "$root"/examples/*.braid "$root"/test/tools/Inputs/*.braid; do
    n=$(basename "$f" .braid)
    "$BRAIDC" "$f" -o "$out/plan_fuzzer/compiled-$n.plan" 2>/dev/null || true
  done
  "$BRAIDC" "$root/examples/mlp.braid" --replicas 2 \
    -o "$out/plan_fuzzer/compiled-mlp-r2.plan" 2>/dev/null || true
fi
