#!/usr/bin/env bash
# The fuzz harnesses' smoke mode (scripts/test.sh): each harness of BUILD
# (configured with -DBRAID_FUZZ=ON, `ninja braid-fuzzers` done) runs for
# SECONDS on its seeds (fuzz/seeds.sh). A crash, a sanitizer report, a leak
# or a timeout fails; its input is left in BUILD/fuzz-artifacts/.
#
#   fuzz/smoke.sh BUILD [SECONDS]     (default 10)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build=$(cd "${1:?usage: fuzz/smoke.sh BUILD [SECONDS]}" && pwd)
seconds=${2:-10}
source "$root/fuzz/common.sh"

work="$build/fuzz-smoke"
artifacts="$build/fuzz-artifacts"
rm -rf "$work"
mkdir -p "$work/new" "$artifacts"
"$root/fuzz/seeds.sh" "$work/seeds"

status=0
for fuzzer in "$build"/bin/*_fuzzer; do
  name=$(basename "$fuzzer")
  mkdir -p "$work/new/$name" "$work/seeds/$name"
  # New inputs go to a scratch directory; the seeds stay as they are.
  if "$fuzzer" $(fuzzer_flags "$name" "$artifacts") \
      -max_total_time="$seconds" "$work/new/$name" "$work/seeds/$name" \
      > "$work/$name.log" 2>&1; then
    echo "fuzz smoke: $name: $(grep -o 'stat::number_of_executed_units: [0-9]*' "$work/$name.log" | grep -o '[0-9]*$') runs, no finding"
  else
    echo "fuzz smoke: $name: FAILED (log: $work/$name.log)" >&2
    tail -40 "$work/$name.log" >&2
    status=1
  fi
done
exit $status
