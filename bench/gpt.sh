#!/usr/bin/env bash
# Training throughput of the GPT of examples/gpt.braid beside the PyTorch
# peer (../shared/peers/torch_gpt.py, the same model) on Debian's fortunes
# text: tokens per second, one thread each, then two data-parallel ranks of
# one thread each (Braid's --replicas 2 plan under mpirun beside PyTorch
# DistributedDataParallel over gloo), run one after the other in this command.
# Like the peer, the first step (one-time set-up) is not timed.
#
# STEPS=N (default 200, the peer's) sets each run's length; RUNS=N (default 1)
# repeats each measurement, alternating Braid and PyTorch, and keeps the best.
# Needs the release build, Open MPI, python3-torch and fortunes
# (scripts/install-deps.sh --test).
set -euo pipefail
cd "$(dirname "$0")/.."
peer=${BRAID_PEER:-../shared/peers/torch_gpt.py}
steps=${STEPS:-200}
runs=${RUNS:-1}
ninja -C build/release braidc braid-run >/dev/null
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bin=build/release/bin
tokens_per_step=$((32 * 64))

braid_rate() { # metrics file -> tokens/s over steps 2..N
  /usr/bin/python3 -c "
import json, sys
r = [x for x in map(json.loads, open(sys.argv[1])) if 'step' in x]
print(round((len(r) - 1) * $tokens_per_step / (r[-1]['wall_s'] - r[0]['wall_s'])))" "$1"
}
peer_rate() { # a JSON line of the peer -> tokens/s
  /usr/bin/python3 -c "import json,sys; print(json.loads(open(sys.argv[1]).read())['train_tokens_per_s'])" "$1"
}
best() { printf '%s\n' "$@" | sort -n | tail -1; }

$bin/braidc examples/gpt.braid -D steps="$steps" -o "$tmp/gpt.1.plan"
$bin/braidc examples/gpt.braid -D steps="$steps" --replicas 2 -o "$tmp/gpt.2.plan"
b1=() t1=() b2=() t2=()
for ((run = 0; run < runs; run++)); do
  $bin/braid-run train "$tmp/gpt.1.plan" --data text --max-steps "$steps" --threads 1 \
    --eval-every 0 --metrics "$tmp/b1.jsonl" >/dev/null
  b1+=("$(braid_rate "$tmp/b1.jsonl")")
  OMP_NUM_THREADS=1 /usr/bin/python3 "$peer" --steps "$steps" --threads 1 >"$tmp/t1.json"
  t1+=("$(peer_rate "$tmp/t1.json")")
  mpirun -np 2 --bind-to none $bin/braid-run train "$tmp/gpt.2.plan" --data text \
    --max-steps "$steps" --threads 1 --eval-every 0 --metrics "$tmp/b2.jsonl" >/dev/null
  b2+=("$(braid_rate "$tmp/b2.jsonl")")
  port=$((29500 + RANDOM % 400))
  for rank in 1 0; do
    MASTER_ADDR=127.0.0.1 MASTER_PORT=$port OMP_NUM_THREADS=1 /usr/bin/python3 "$peer" \
      --steps "$steps" --threads 1 --ddp 2 --rank $rank >"$tmp/t2.$rank.json" &
  done
  wait
  t2+=("$(peer_rate "$tmp/t2.0.json")")
done
ratio() { /usr/bin/python3 -c "print(f'{$1/$2:.2f}x')"; }
printf '%-22s %14s %14s %8s\n' "gpt (batch 32, T 64)" braid_tokens/s torch_tokens/s ratio
printf '%-22s %14s %14s %8s\n' "1 thread" "$(best "${b1[@]}")" "$(best "${t1[@]}")" "$(ratio "$(best "${b1[@]}")" "$(best "${t1[@]}")")"
printf '%-22s %14s %14s %8s\n' "2 ranks x 1 thread" "$(best "${b2[@]}")" "$(best "${t2[@]}")" "$(ratio "$(best "${b2[@]}")" "$(best "${t2[@]}")")"
