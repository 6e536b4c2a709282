#!/usr/bin/env bash
# Two independent trainings at once, as a user training two models (or
# training while building) runs them: the reference model (examples/mlp.braid,
# Fashion-MNIST, batch 64, Adam), EPOCHS epochs without evaluation.
#
#   1. one training alone, OMP_NUM_THREADS=1, then two at once, each with
#      OMP_NUM_THREADS=1: each one's samples/s beside the single run's.
#   2. the hardware's own ceiling for two single-thread jobs: a tight
#      floating-point loop alone, then two copies at once. Where two vCPUs
#      are the two hyperthreads of one core (AMD Zen 3 cloud VMs), two
#      jobs cannot each run as fast as one alone, whatever the runtime does.
#   3. the default thread count (every core) in both trainings, so the
#      machine is oversubscribed, under three OpenMP wait policies: libgomp's
#      own default (OMP_WAIT_POLICY unset and GOMP_SPINCOUNT unset: a worker
#      spins 300000 rounds before it sleeps), a short spin
#      (GOMP_SPINCOUNT=10000), and workers that sleep at once
#      (OMP_WAIT_POLICY=passive). braid-run picks passive when the user set
#      neither variable; BRAID_KEEP_OMP_ENV=1 stops it, for the first case.
#
# All in this command, one after the other, so the ratios compare runs on
# the same machine under the same outside load. Needs the release build.
set -euo pipefail
cd "$(dirname "$0")/.."
epochs=${EPOCHS:-3}
ninja -C build/release braidc braid-run >/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
build/release/bin/braidc examples/mlp.braid -o "$tmp/mlp.plan"

train() { # metrics-file: trains with the caller's environment
  build/release/bin/braid-run train "$tmp/mlp.plan" --data fashion-mnist \
    --epochs "$epochs" --eval-every 0 --metrics "$1" >/dev/null
}
rate() { # metrics-file -> mean samples/s of the epochs
  /usr/bin/python3 -c "import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]; r=[x['samples_per_s'] for x in r if 'step' not in x]; print(round(sum(r)/len(r)))" "$1"
}
ratio() { /usr/bin/python3 -c "print(f'{$1/$2:.2f}')"; }
pair() { # prefix: two trainings at once with the caller's environment
  train "$tmp/$1.a.jsonl" &
  local a=$!
  train "$tmp/$1.b.jsonl" &
  wait $a $!
}

echo "# 1. single-thread trainings ($epochs epochs, samples/s)"
OMP_NUM_THREADS=1 train "$tmp/alone.jsonl"
alone=$(rate "$tmp/alone.jsonl")
OMP_NUM_THREADS=1 pair two
a=$(rate "$tmp/two.a.jsonl")
b=$(rate "$tmp/two.b.jsonl")
printf '%-34s %10s\n' "alone" "$alone"
printf '%-34s %10s  (%s of alone)\n' "two at once, first" "$a" "$(ratio "$a" "$alone")"
printf '%-34s %10s  (%s of alone)\n' "two at once, second" "$b" "$(ratio "$b" "$alone")"

echo "# 2. hardware ceiling: a floating-point loop on one thread (Mflop/s)"
cat >"$tmp/loop.c" <<'C'
#include <stdio.h>
#include <time.h>
/* Eight independent multiply-add chains over 8 floats each: the FP units
   busy, no memory traffic. */
int main(void) {
  float acc[8][8] = {{0}}, x = 1.0000001f, y = 1e-7f;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  long n = 60000000;
  for (long i = 0; i < n; ++i)
    for (int c = 0; c < 8; ++c)
      for (int l = 0; l < 8; ++l)
        acc[c][l] = acc[c][l] * x + y;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double s = (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
  float sum = 0;
  for (int c = 0; c < 8; ++c)
    for (int l = 0; l < 8; ++l)
      sum += acc[c][l];
  printf("%.0f %g\n", 2.0 * 64 * n / s / 1e6, sum);
  return 0;
}
C
cc -O2 -march=native -o "$tmp/loop" "$tmp/loop.c"
one=$("$tmp/loop" | cut -d' ' -f1)
"$tmp/loop" >"$tmp/loop.a" &
la=$!
"$tmp/loop" >"$tmp/loop.b" &
wait $la $!
la=$(cut -d' ' -f1 "$tmp/loop.a")
lb=$(cut -d' ' -f1 "$tmp/loop.b")
printf '%-34s %10s\n' "alone" "$one"
printf '%-34s %10s  (%s of alone)\n' "two at once, first" "$la" "$(ratio "$la" "$one")"
printf '%-34s %10s  (%s of alone)\n' "two at once, second" "$lb" "$(ratio "$lb" "$one")"

cores=$(nproc)
echo "# 3. default threads ($cores each, on $cores CPUs): spinning or sleeping workers (samples/s)"
for policy in "libgomp default:BRAID_KEEP_OMP_ENV=1" "GOMP_SPINCOUNT=10000:GOMP_SPINCOUNT=10000" \
  "OMP_WAIT_POLICY=passive:OMP_WAIT_POLICY=passive"; do
  IFS=: read -r label setting <<<"$policy"
  name=${setting%%=*}
  (
    export "${setting?}"
    train "$tmp/$name.alone.jsonl"
    pair "$name"
  )
  s=$(rate "$tmp/$name.alone.jsonl")
  a=$(rate "$tmp/$name.a.jsonl")
  b=$(rate "$tmp/$name.b.jsonl")
  printf '%-34s %10s\n' "$label, alone" "$s"
  printf '%-34s %10s %10s  (each %s, %s of alone)\n' "  two at once" "$a" "$b" \
    "$(ratio "$a" "$s")" "$(ratio "$b" "$s")"
done
