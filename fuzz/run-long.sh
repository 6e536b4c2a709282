#!/usr/bin/env bash
# The long runs of the fuzz harnesses: each harness in turn (or those named),
# at the lowest CPU priority, until 10^7 executions or SECONDS (default an
# hour), whichever comes first. The corpus each grows is kept in
# BUILD/fuzz-long/<harness>/ for the next run; a finding's input goes to
# BUILD/fuzz-artifacts/ and the run goes on with the next harness.
# Prints each harness's executions and findings.
#
#   BRAIDC=build/release/bin/braidc fuzz/run-long.sh BUILD [SECONDS [HARNESS...]]
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build=$(cd "${1:?usage: fuzz/run-long.sh BUILD [SECONDS [HARNESS...]]}" && pwd)
seconds=${2:-3600}
shift $(($# < 2 ? $# : 2))
source "$root/fuzz/common.sh"

long="$build/fuzz-long"
artifacts="$build/fuzz-artifacts"
mkdir -p "$long" "$artifacts"
"$root/fuzz/seeds.sh" "$long/seeds" || exit 1

if [[ $# -gt 0 ]]; then
  fuzzers=("${@/#/$build/bin/}")
else
  fuzzers=("$build"/bin/*_fuzzer)
fi
for fuzzer in "${fuzzers[@]}"; do
  name=$(basename "$fuzzer")
  mkdir -p "$long/$name" "$long/seeds/$name"
  log="$long/$name.log"
  start=$(date +%s)
  nice -n 19 "$fuzzer" $(fuzzer_flags "$name" "$artifacts") \
    -runs=10000000 -max_total_time="$seconds" \
    "$long/$name" "$long/seeds/$name" > "$log" 2>&1
  rc=$?
  runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | grep -o '[0-9]*$')
  finding=$(grep -m1 -E '^==[0-9]+==ERROR|runtime error:|ERROR: libFuzzer|SUMMARY:' "$log")
  echo "$name: ${runs:-?} executions in $(($(date +%s) - start)) s, exit $rc${finding:+: $finding}"
done
