#!/usr/bin/env bash
# Dynamic batching on the example server (examples/serve) over loopback:
# installs build/release into a temporary prefix, builds braid-serve against
# it and bench/serve_client.cpp (a C++ load generator), and for each of
# MODELS (the reference MLP, and the wide MLP whose predict reads 7 MB of
# weights) compiles it for any batch of 1 to 64 rows (braidc --batch 1..64)
# and serves it twice, with --no-batching and with --max-batch 64. Each
# server is loaded by 1, 8 and 64 closed-loop clients of 1-row requests for
# SECONDS_PER_RUN (5) each, the two servers' runs side by side, and the
# table printed in Markdown with the CPU and the load average.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BRAID_BUILD:-build/release}
seconds=${SECONDS_PER_RUN:-5}
threads=${THREADS:-2}
wait_us=${WAIT_US:-200}
ninja -C "$build" braidc braid-opt braid-run braid_runtime >/dev/null
tmp=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
cmake -G Ninja -S examples/serve -B "$tmp/serve" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
ninja -C "$tmp/serve" >/dev/null
g++ -O2 -std=c++17 -pthread bench/serve_client.cpp -o "$tmp/serve-client"

# Starts a server with the given batching flags (its output to a log, so
# that it holds no pipe of this script); sets $port to its port.
start() {
  local log="$tmp/serve.$1.log"; shift
  "$tmp/serve/braid-serve" "$tmp/$model.plan" --port 0 --threads "$threads" "$@" >"$log" 2>&1 &
  pids+=($!)
  for _ in $(seq 300); do grep -qs listening "$log" && break; sleep 0.1; done
  port=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$log")
}
# One run: "requests/s | p50 | p99 | failed" of the client's line.
run() {
  "$tmp/serve-client" "$1" "$2" 1 "$seconds" "$model" |
    sed -n 's/.* \([0-9]*\) requests\/s, p50 \([0-9.]*\) ms, p99 \([0-9.]*\) ms, \([0-9]*\) failed/\1 | \2 ms | \3 ms | \4/p'
}
echo "| model | clients | batching | requests/s | p50 | p99 | failed |"
echo "|---|---|---|---|---|---|---|"
notes=()
for model in ${MODELS:-mlp wide_mlp}; do
  "$tmp/prefix/bin/braidc" "examples/$model.braid" --batch 1..64 -o "$tmp/$model.plan"
  start "$model.off" --no-batching
  off=$port
  start "$model.on" --max-batch 64 --batch-wait-us "$wait_us"
  on=$port
  for clients in 1 8 64; do
    echo "| $model | $clients | off | $(run "$off" "$clients") |"
    echo "| $model | $clients | on | $(run "$on" "$clients") |"
  done
  # The batches the batching server ran, from its /metrics.
  metrics=$(/usr/bin/python3 -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:$on/metrics').read().decode())")
  count=$(sed -n 's/^braid_batch_size_count \(.*\)/\1/p' <<<"$metrics")
  sum=$(sed -n 's/^braid_batch_size_sum \(.*\)/\1/p' <<<"$metrics")
  notes+=("$model, batching: $count batches of $sum rows in all, $(awk "BEGIN{printf \"%.1f\", $sum/$count}") rows per batch")
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" || true; done
  pids=()
done
echo
printf '%s\n' "${notes[@]}"
echo "batching on: --max-batch 64 --batch-wait-us $wait_us; --threads $threads"
echo "$(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
