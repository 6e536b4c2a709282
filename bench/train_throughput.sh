#!/usr/bin/env bash
# Training throughput of Braid beside the PyTorch peer (../shared/peers/torch_mlp.py)
# on Fashion-MNIST, one thread each, run one after the other in this command:
# the reference MLP (batch 64), the wide MLP 784-1024-1024-10 (batch 256) and
# lenet (batch 64), one epoch each, Adam (but Braid's lenet, whose plan sets its
# optimizer, trains with SGD and momentum). Prints samples/s and Braid's ratio
# to PyTorch.
# Needs the release build and python3-torch (scripts/install-deps.sh --test).
set -euo pipefail
cd "$(dirname "$0")/.."
peer=${BRAID_PEER:-../shared/peers/torch_mlp.py}
epochs=${EPOCHS:-1}
ninja -C build/release braidc braid-run >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

braid_rate() { # plan -> samples/s of the training steps (metrics' epoch record)
  build/release/bin/braid-run train "$1" --data fashion-mnist --epochs "$epochs" \
    --threads 1 --eval-every 0 --metrics "$tmp/m.jsonl" >/dev/null
  /usr/bin/python3 -c "import json,sys; r=[json.loads(l) for l in open(sys.argv[1]) if 'step' not in json.loads(l)]; print(round(sum(x['samples_per_s'] for x in r)/len(r)))" "$tmp/m.jsonl"
}
torch_rate() { # hidden batch model -> samples/s
  OMP_NUM_THREADS=1 /usr/bin/python3 "$peer" --hidden "$1" --batch "$2" --model "$3" --epochs "$epochs" --threads 1 |
    /usr/bin/python3 -c "import json,sys; print(json.loads(sys.stdin.read())['train_samples_per_s'])"
}

printf '%-28s %14s %14s %8s\n' model braid_samples/s torch_samples/s ratio
for spec in "mlp:examples/mlp.braid:64:64:mlp" "wide_mlp:examples/wide_mlp.braid:1024,1024:256:mlp" \
  "lenet:examples/lenet.braid:64:64:lenet"; do
  IFS=: read -r name file hidden batch model <<<"$spec"
  build/release/bin/braidc "$file" -o "$tmp/$name.plan"
  b=$(braid_rate "$tmp/$name.plan")
  t=$(torch_rate "$hidden" "$batch" "$model")
  printf '%-28s %14s %14s %8s\n' "$name (batch $batch)" "$b" "$t" \
    "$(/usr/bin/python3 -c "print(f'{$b/$t:.2f}x')")"
done
