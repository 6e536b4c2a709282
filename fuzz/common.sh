# Shared by fuzz/smoke.sh and fuzz/run-long.sh (sourced): the sanitizers'
# settings and the libFuzzer flags of every harness.

# As scripts/test.sh: a report aborts; allow_user_poisoning=0 silences the
# false use-after-poison LLVM's allocator gives when instrumented code and the
# uninstrumented libMLIR.so share a slab.
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=1:allow_user_poisoning=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:abort_on_error=1

# fuzzer_flags NAME ARTIFACTS: the flags of harness NAME (its dictionary when
# fuzz/NAME.dict exists); a crash's input goes to ARTIFACTS/.
fuzzer_flags() {
  local name=$1 artifacts=$2 root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  echo -timeout=60 -rss_limit_mb=2048 -max_len=131072 \
    -artifact_prefix="$artifacts/$name-" -print_final_stats=1
  [[ -f "$root/fuzz/$name.dict" ]] && echo -dict="$root/fuzz/$name.dict"
  return 0
}
