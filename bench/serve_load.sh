#!/usr/bin/env bash
# Load on the example server (examples/serve) over loopback: installs
# build/release into a temporary prefix, builds braid-serve against it,
# serves the reference MLP (untrained weights: the cost is the same) and runs
# bench/serve_load.py for 10 s at 1 and 64 rows per request.
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
for rows in 1 64; do
  /usr/bin/python3 bench/serve_load.py --port "$port" --rows "$rows" \
    --concurrency "${CONCURRENCY:-2}" --duration 10
done
