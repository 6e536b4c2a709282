#!/usr/bin/env bash
# Load on the example server (examples/serve) over loopback: installs
# build/release into a temporary prefix, builds braid-serve against it,
# serves the reference MLP (untrained weights: the cost is the same) and runs
# bench/serve_load.py for 10 s each: at 1 and 64 rows per request from
# CONCURRENCY clients, from 200 clients at once, and from CONCURRENCY clients
# while SLOW slow clients hold connections. Each run reports the connection
# errors (resets: there should be none) and the latency of /healthz.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BRAID_BUILD:-build/release}
ninja -C "$build" >/dev/null
tmp=$(mktemp -d)
server=
cleanup() {
  [[ -n "$server" ]] && kill "$server" 2>/dev/null && wait "$server" || true
  rm -rf "$tmp"
}
trap cleanup EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
cmake -G Ninja -S examples/serve -B "$tmp/serve" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
ninja -C "$tmp/serve" >/dev/null
"$tmp/prefix/bin/braidc" examples/mlp.braid -o "$tmp/mlp.plan"
"$tmp/serve/braid-serve" "$tmp/mlp.plan" --port 0 --threads "${THREADS:-2}" 2>"$tmp/serve.log" &
server=$!
for _ in $(seq 100); do
  grep -q listening "$tmp/serve.log" && break
  sleep 0.1
done
port=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/serve.log")
load() { /usr/bin/python3 bench/serve_load.py --port "$port" --duration 10 "$@"; }
for rows in 1 64; do
  load --rows "$rows" --concurrency "${CONCURRENCY:-2}"
done
load --rows 1 --concurrency 200
load --rows 1 --concurrency "${CONCURRENCY:-2}" --slow-clients "${SLOW:-16}"
