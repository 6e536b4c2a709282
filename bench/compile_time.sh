#!/usr/bin/env bash
# Compile time of braidc against model size: MLPs of L hidden layers
# (bench/gen_mlp.py: dense(h, 64, activation = relu) repeated, Adam, batch
# 64) compiled to a plan, on one replica and with --replicas 2. Per size it
# prints the braid ops of the lowered module, the wall time, the CPU time
# (user + system) and the peak resident memory of `braidc -o model.plan`,
# then the growth of the wall time from 400 to 1600 layers (4x is linear,
# 16x quadratic). On a loaded machine the wall time waits for the CPU; the
# CPU time does not.
#
# RUNS=N (default 1) compiles each size N times back to back and keeps the
# fastest run; SIZES="200 400 ..." overrides the sizes (the growth line
# needs 400 and 1600). TIMING=1 adds braidc's --mlir-timing report of the
# largest size; BRAIDC=PATH compiles with another braidc. Needs the release
# build (ninja -C build/release braidc).
set -euo pipefail
cd "$(dirname "$0")/.."
braidc=${BRAIDC:-build/release/bin/braidc}
[[ -x $braidc ]] || { echo "$braidc is missing: ninja -C build/release braidc" >&2; exit 1; }
sizes=(${SIZES:-200 400 800 1600 3200})
runs=${RUNS:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Best wall time (s), its CPU time (s) and peak RSS (MB) over $runs
# compiles: "TIME CPU RSS".
measure() {
  local model=$1; shift
  local best="" cpu="" rss=""
  for ((r = 0; r < runs; r++)); do
    /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$braidc" "$model" -o "$work/out.plan" "$@"
    read -r t user sys kb < "$work/time"
    if [[ -z $best ]] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then
      best=$t; rss=$((kb / 1024))
      cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
    fi
  done
  echo "$best $cpu $rss"
}

declare -A time1 time2
printf '| layers | braid ops (lowered) | braidc wall | CPU | peak RSS | --replicas 2 wall | CPU | peak RSS |\n'
printf '|---|---|---|---|---|---|---|---|\n'
for layers in "${sizes[@]}"; do
  model=$work/mlp$layers.braid
  python3 bench/gen_mlp.py "$layers" > "$model"
  ops=$("$braidc" "$model" --emit=mlir-lowered | grep -cE '^ *(%[^=]*= )?braid\.')
  read -r t1 c1 m1 <<< "$(measure "$model")"
  read -r t2 c2 m2 <<< "$(measure "$model" --replicas 2)"
  time1[$layers]=$t1; time2[$layers]=$t2
  printf '| %s | %s | %s s | %s s | %s MB | %s s | %s s | %s MB |\n' \
    "$layers" "$ops" "$t1" "$c1" "$m1" "$t2" "$c2" "$m2"
done
if [[ -n ${time1[400]:-} && -n ${time1[1600]:-} ]]; then
  awk -v a="${time1[400]}" -v b="${time1[1600]}" -v c="${time2[400]}" -v d="${time2[1600]}" \
    'BEGIN { printf "time 400 -> 1600 layers: %.1fx, with --replicas 2: %.1fx (4x is linear)\n", b / a, d / c }'
fi
if [[ ${TIMING:-0} == 1 ]]; then
  largest=${sizes[-1]}
  for flags in "" "--replicas 2"; do
    echo "--mlir-timing, $largest layers ${flags:+($flags)}:"
    # shellcheck disable=SC2086
    "$braidc" "$work/mlp$largest.braid" -o "$work/out.plan" $flags --mlir-timing 2>&1 | sed -n '1,40p'
  done
fi
