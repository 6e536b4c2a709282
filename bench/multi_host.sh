#!/usr/bin/env bash
# Data parallelism across hosts, simulated on this machine
# (test/hosts/simhosts.sh: network namespaces, TCP over veth links): 2 hosts
# of 1 rank each, Braid against PyTorch DistributedDataParallel (gloo)
# placed the same way, and each against its own 2 ranks on one host (no
# namespaces: shared memory for Braid, loopback TCP for gloo). The
# reference MLP (batch 64) and the wide MLP (784-1024-1024-10, batch 256)
# on Fashion-MNIST, one thread per rank.
#
# Prints samples/s of each run, Braid's over PyTorch's on the same
# placement, the simulated hosts' over one host's, and each Braid rank's
# share of the run spent waiting for the other. The veth links cost CPU on
# the same cores the ranks compute on, so the simulated hosts understate a
# real network's bandwidth but not its waiting.
#
# EPOCHS=N sets the length of each run (default 1); NETEM=1 adds 100 us and
# a 1 Gbit/s cap to every link where tc's netem is available.
#
# Needs root (network namespaces), the release build, Open MPI and
# python3-torch (scripts/install-deps.sh --test). Not part of the test
# suite.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
peer=${BRAID_PEER:-$root/../shared/peers/torch_mlp.py}
simhosts=$root/test/hosts/simhosts.sh
ninja -C build/release braidc braid-run >/dev/null
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
tmp=$(mktemp -d)
hosts_dir=
cleanup() {
  [ -n "$hosts_dir" ] && "$simhosts" down "$hosts_dir"
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
run_bin=$root/build/release/bin/braid-run
netem=()
[ "${NETEM:-0}" = 1 ] && netem=(--netem)

rate() { # metrics file -> samples/s over its epochs (harmonic mean)
  /usr/bin/python3 -c "import json,statistics,sys; print(round(statistics.harmonic_mean([r['samples_per_s'] for r in map(json.loads, open(sys.argv[1])) if 'step' not in r])))" "$1"
}
torch_rate() { # a JSON line of the peer -> samples/s
  /usr/bin/python3 -c "import json,sys; print(json.loads(open(sys.argv[1]).read())['train_samples_per_s'])" "$1"
}
waits() { # braid-run's output -> each rank's share of the run spent waiting
  tr '\r' '\n' <"$1" | sed -n 's/^waiting for other ranks: //p' | grep -o '([0-9]*%)' | tr -d '()' | paste -sd/
}
ratio() { /usr/bin/python3 -c "print(f'{$1/($2):.2f}x')"; }

printf '%-20s %-8s %16s %16s %12s %s\n' model peer "2 hosts x 1" "1 host x 2" "hosts/host" "waits (rank 0/1, 2 hosts; 1 host)"
for spec in "mlp:examples/mlp.braid:64:64" "wide_mlp:examples/wide_mlp.braid:1024,1024:256"; do
  IFS=: read -r name file hidden batch <<<"$spec"
  epochs=${EPOCHS:-1}
  build/release/bin/braidc "$file" --replicas 2 -o "$tmp/$name.2.plan"
  common=(--data fashion-mnist --epochs "$epochs" --threads 1 --eval-every 0)
  peer_args=(--hidden "$hidden" --batch "$batch" --epochs "$epochs" --threads 1)

  # Braid: 2 simulated hosts of 1 rank, then 2 ranks on this host.
  "$simhosts" "${netem[@]}" --hosts 2 --ranks-per-host 1 -- \
    "$run_bin" train "$tmp/$name.2.plan" "${common[@]}" --metrics "$tmp/bh.jsonl" >"$tmp/bh.out"
  mpirun -np 2 "$run_bin" train "$tmp/$name.2.plan" "${common[@]}" --metrics "$tmp/b1.jsonl" >"$tmp/b1.out"
  bh=$(rate "$tmp/bh.jsonl")
  b1=$(rate "$tmp/b1.jsonl")

  # PyTorch DDP over gloo: rank 0 on node1 (the rendezvous), rank 1 on
  # node2, then both on this host.
  hosts_dir=$("$simhosts" up "${netem[@]}" --hosts 2)
  port=$((29500 + RANDOM % 400))
  for rank in 1 0; do
    "$simhosts" exec "$hosts_dir" $((rank + 1)) env MASTER_ADDR=node1 MASTER_PORT=$port \
      GLOO_SOCKET_IFNAME=sim0 OMP_NUM_THREADS=1 \
      /usr/bin/python3 "$peer" "${peer_args[@]}" --ddp 2 --rank $rank >"$tmp/th$rank.json" &
  done
  wait
  "$simhosts" down "$hosts_dir"
  hosts_dir=
  export MASTER_ADDR=127.0.0.1 MASTER_PORT=$((29500 + RANDOM % 400))
  OMP_NUM_THREADS=1 /usr/bin/python3 "$peer" "${peer_args[@]}" --ddp 2 --rank 1 >/dev/null &
  OMP_NUM_THREADS=1 /usr/bin/python3 "$peer" "${peer_args[@]}" --ddp 2 --rank 0 >"$tmp/t1.json"
  wait
  unset MASTER_ADDR MASTER_PORT
  th=$(torch_rate "$tmp/th0.json")
  t1=$(torch_rate "$tmp/t1.json")

  printf '%-20s %-8s %16s %16s %12s %s\n' "$name (batch $batch)" braid "$bh" "$b1" "$(ratio "$bh" "$b1")" "$(waits "$tmp/bh.out"); $(waits "$tmp/b1.out")"
  printf '%-20s %-8s %16s %16s %12s\n' "" pytorch "$th" "$t1" "$(ratio "$th" "$t1")"
  printf '%-20s %-8s %16s %16s\n' "" "braid/pt" "$(ratio "$bh" "$th")" "$(ratio "$b1" "$t1")"
done
