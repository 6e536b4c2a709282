#!/usr/bin/env bash
# Per-epoch training throughput of the reference model (examples/mlp.braid,
# Fashion-MNIST, batch 64, Adam) on one thread, with denormals flushed to
# zero (the default) and with --ieee-denormals, run one after the other in
# this command. With IEEE denormals the epochs after the first slow down as
# activations and gradients underflow; flushed, every epoch runs as fast as
# the first. Also prints each run's final test accuracy, which flushing
# leaves unchanged. The two runs alternate REPEAT times (default 3) and each
# epoch's best rate is shown: outside load only ever slows a run down, so
# the best of a few is the least disturbed. Needs the release build.
set -euo pipefail
cd "$(dirname "$0")/.."
epochs=${EPOCHS:-4}
repeat=${REPEAT:-3}
ninja -C build/release braidc braid-run >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
build/release/bin/braidc examples/mlp.braid -o "$tmp/mlp.plan"

run() { # name extra-flags...
  local name=$1
  shift
  build/release/bin/braid-run train "$tmp/mlp.plan" --data fashion-mnist \
    --epochs "$epochs" --threads 1 --seed 1 --metrics "$tmp/$name.jsonl" "$@" |
    grep -o 'test accuracy [0-9.]*%' >"$tmp/$name.acc" || true
}
for r in $(seq "$repeat"); do
  run "flush.$r"
  run "ieee.$r" --ieee-denormals
done

/usr/bin/python3 - "$tmp" "$repeat" <<'PY'
import json, os, sys
tmp = sys.argv[1]
def epochs(name): # the best rate of each epoch over the repeats
    runs = []
    for f in os.listdir(tmp):
        if f.startswith(name + ".") and f.endswith(".jsonl"):
            rows = [json.loads(l) for l in open(os.path.join(tmp, f))]
            runs.append([r["samples_per_s"] for r in rows if "step" not in r])
    return [max(e) for e in zip(*runs)]
flush, ieee = epochs("flush"), epochs("ieee")
print(f"{'epoch':>5} {'flushed samples/s':>18} {'IEEE samples/s':>15} {'ratio':>6}  (best of {sys.argv[2]} runs each)")
for i, (f, d) in enumerate(zip(flush, ieee), 1):
    print(f"{i:>5} {f:>18.0f} {d:>15.0f} {f / d:>5.2f}x")
print(f"last/first epoch: flushed {flush[-1] / flush[0]:.2f}, IEEE {ieee[-1] / ieee[0]:.2f}")
for name in ("flush", "ieee"):
    print(f"{name}: {open(os.path.join(tmp, name + '.1.acc')).read().strip()}")
PY
