#!/usr/bin/env bash
# Quick start, second command: installs what is missing (with the test-only
# packages), builds Braid with AddressSanitizer and UndefinedBehaviorSanitizer,
# runs every test through ctest, then the Python package's tests against an
# install of that build (scripts/test-python.sh), then the readers' fuzz
# harnesses for a short smoke run each (clang's libFuzzer; fuzz/smoke.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --test
cmake -G Ninja -S . -B build/test -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DBRAID_SANITIZE=address,undefined >/dev/null
ninja -C build/test
cd build/test
# The sanitizer settings of test/lit.cfg.py, for the C++ unit tests as well:
# a report aborts, and allow_user_poisoning=0 silences the false
# use-after-poison that LLVM's allocator gives when instrumented code and the
# uninstrumented libMLIR.so share a slab.
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=1:allow_user_poisoning=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:abort_on_error=1
status=0
ctest --output-on-failure -j "$(nproc)" || status=1
cd ../..
scripts/test-python.sh build/test || status=1

# The fuzz harnesses (docs/fuzzing.md): a clang build of the readers alone,
# then 10 s of each on its seeds (BRAID_FUZZ_SECONDS); a crash fails.
CC=clang-22 CXX=clang++-22 cmake -G Ninja -S . -B build/fuzz \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBRAID_FUZZ=ON >/dev/null
ninja -C build/fuzz braid-fuzzers
BRAIDC=build/test/bin/braidc fuzz/smoke.sh build/fuzz "${BRAID_FUZZ_SECONDS:-10}" ||
  status=1
exit $status
