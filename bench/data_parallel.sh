#!/usr/bin/env bash
# Data-parallel scaling of Braid beside PyTorch DistributedDataParallel, on
# the reference MLP (batch 64) and the wide MLP (784-1024-1024-10, batch
# 256) on Fashion-MNIST, one thread per rank.
#
# Efficiency is measured against what this machine can give: the
# throughput of 2 ranks divided by the summed throughput of two independent
# single-rank runs started at the same time (its two cores share much of
# their compute, so twice one run is not the ceiling).
#
# A third Braid line per run bounds what 2 ranks can reach here: two
# independent single-rank runs at half the batch (each rank's share of it),
# started at the same time, against the pair at the full batch. Its ratio
# is the efficiency of a data-parallel run whose communication cost nothing;
# what the full batch amortizes per step (the optimizer update, the weights
# read and the gradient written by every matmul) a half batch pays twice.
#
# The last column gives each Braid rank's share of its run spent waiting
# for the other (braid-run's "waiting for other ranks" line). The two cores
# do not always run at the same speed: when one is slower for a whole run,
# the other rank waits for it every step, which two independent runs never
# do.
#
# RUNS=N (default 3) repeats each measurement, alternating Braid and
# PyTorch, and prints the median efficiency; EPOCHS=N sets the length of
# each run (default 5 for the reference model, 1 for the wide MLP).
#
# Needs the release build, Open MPI and python3-torch
# (scripts/install-deps.sh --test).
set -euo pipefail
cd "$(dirname "$0")/.."
peer=${BRAID_PEER:-../shared/peers/torch_mlp.py}
ninja -C build/release braidc braid-run >/dev/null
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run_bin=build/release/bin/braid-run

rate() { # metrics file -> samples/s over its epochs (their harmonic mean:
  # every epoch has the same samples)
  /usr/bin/python3 -c "import json,statistics,sys; print(round(statistics.harmonic_mean([r['samples_per_s'] for r in map(json.loads, open(sys.argv[1])) if 'step' not in r])))" "$1"
}
torch_rate() { # a JSON line of the peer -> samples/s
  /usr/bin/python3 -c "import json,sys; print(json.loads(open(sys.argv[1]).read())['train_samples_per_s'])" "$1"
}
waits() { # braid-run's output -> each rank's share of the run spent waiting
  # for the other ("5%/18%": rank 1 waited for rank 0 most)
  tr '\r' '\n' <"$1" | sed -n 's/^waiting for other ranks: //p' | grep -o '([0-9]*%)' | tr -d '()' | paste -sd/
}
ratio() { /usr/bin/python3 -c "print(f'{$1/($2):.0%}')"; }

runs=${RUNS:-3}
median_ratio() { # "two two ..." "pair pair ..." -> the median of two/pair
  /usr/bin/python3 -c "import statistics,sys; print(f'{statistics.median(float(a)/float(b) for a, b in zip(sys.argv[1].split(), sys.argv[2].split())):.0%}')" "$1" "$2"
}

printf '%-22s %-8s %5s %12s %12s %12s %10s %s\n' model peer run "1 rank" "2 x 1 rank" "2 ranks" efficiency "waits (rank 0/1)"
# The reference model's epoch takes a third of a second: five of them, so
# that two runs started together overlap for most of their training.
for spec in "mlp:examples/mlp.braid:64:64:5" "wide_mlp:examples/wide_mlp.braid:1024,1024:256:1"; do
  IFS=: read -r name file hidden batch epochs <<<"$spec"
  epochs=${EPOCHS:-$epochs}
  build/release/bin/braidc "$file" -o "$tmp/$name.1.plan"
  build/release/bin/braidc "$file" --replicas 2 -o "$tmp/$name.2.plan"
  build/release/bin/braidc "$file" --batch $((batch / 2)) -o "$tmp/$name.half.plan"
  common=(--data fashion-mnist --epochs "$epochs" --threads 1 --eval-every 0)
  peer_args=(--hidden "$hidden" --batch "$batch" --epochs "$epochs" --threads 1)
  bp=(); b2=(); bh=(); tp=(); t2=()
  # Runs alternate between Braid and PyTorch, so drift on a shared machine
  # affects both alike; the last line of each model is the median.
  for run in $(seq "$runs"); do
    # Braid: one rank alone, two independent ranks at once, two ranks together.
    $run_bin train "$tmp/$name.1.plan" "${common[@]}" --metrics "$tmp/b1.jsonl" >/dev/null
    $run_bin train "$tmp/$name.1.plan" "${common[@]}" --metrics "$tmp/ba.jsonl" >/dev/null &
    $run_bin train "$tmp/$name.1.plan" "${common[@]}" --metrics "$tmp/bb.jsonl" >/dev/null
    wait
    mpirun -np 2 $run_bin train "$tmp/$name.2.plan" "${common[@]}" --metrics "$tmp/b2.jsonl" >"$tmp/b2.out"
    one=$(rate "$tmp/b1.jsonl")
    pair=$(($(rate "$tmp/ba.jsonl") + $(rate "$tmp/bb.jsonl")))
    two=$(rate "$tmp/b2.jsonl")
    bp+=("$pair"); b2+=("$two")
    printf '%-22s %-8s %5s %12s %12s %12s %10s %s\n' "$name (batch $batch)" braid "$run" "$one" "$pair" "$two" "$(ratio "$two" "$pair")" "$(waits "$tmp/b2.out")"
    # The bound: two half-batch runs at once, no communication.
    $run_bin train "$tmp/$name.half.plan" "${common[@]}" --metrics "$tmp/ha.jsonl" >/dev/null &
    $run_bin train "$tmp/$name.half.plan" "${common[@]}" --metrics "$tmp/hb.jsonl" >/dev/null
    wait
    half=$(($(rate "$tmp/ha.jsonl") + $(rate "$tmp/hb.jsonl")))
    bh+=("$half")
    printf '%-22s %-8s %5s %12s %12s %12s %10s\n' "" "bound" "$run" "" "" "$half" "$(ratio "$half" "$pair")"

    # PyTorch: the same, with DistributedDataParallel over gloo.
    OMP_NUM_THREADS=1 /usr/bin/python3 "$peer" "${peer_args[@]}" >"$tmp/t1.json"
    OMP_NUM_THREADS=1 /usr/bin/python3 "$peer" "${peer_args[@]}" >"$tmp/ta.json" &
    OMP_NUM_THREADS=1 /usr/bin/python3 "$peer" "${peer_args[@]}" >"$tmp/tb.json"
    wait
    export MASTER_ADDR=127.0.0.1 MASTER_PORT=$((29500 + RANDOM % 400))
    OMP_NUM_THREADS=1 /usr/bin/python3 "$peer" "${peer_args[@]}" --ddp 2 --rank 1 >/dev/null &
    OMP_NUM_THREADS=1 /usr/bin/python3 "$peer" "${peer_args[@]}" --ddp 2 --rank 0 >"$tmp/t2.json"
    wait
    one=$(torch_rate "$tmp/t1.json")
    pair=$(($(torch_rate "$tmp/ta.json") + $(torch_rate "$tmp/tb.json")))
    two=$(torch_rate "$tmp/t2.json")
    tp+=("$pair"); t2+=("$two")
    printf '%-22s %-8s %5s %12s %12s %12s %10s\n' "" pytorch "$run" "$one" "$pair" "$two" "$(ratio "$two" "$pair")"
  done
  printf '%-22s %-8s %5s %12s %12s %12s %10s\n' "" braid median "" "" "" "$(median_ratio "${b2[*]}" "${bp[*]}")"
  printf '%-22s %-8s %5s %12s %12s %12s %10s\n' "" bound median "" "" "" "$(median_ratio "${bh[*]}" "${bp[*]}")"
  printf '%-22s %-8s %5s %12s %12s %12s %10s\n' "" pytorch median "" "" "" "$(median_ratio "${t2[*]}" "${tp[*]}")"
done
