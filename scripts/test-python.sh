#!/usr/bin/env bash
# Tests the Python package as a user gets it: installs the build tree
# (default build/test, the sanitized build of scripts/test.sh) into a
# temporary prefix, checks that Debian's python3 imports braid from there,
# and runs python/tests with pytest against that install.
#
#   scripts/test-python.sh [BUILD_DIR] [pytest arguments...]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/test}
shift || true

cache() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt"; }
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null

# The installed package must find everything itself: no build-tree hints.
unset BRAID_RUNTIME_LIBRARY BRAIDC BRAID_RUN
export PYTHONPATH="$prefix/$(cache BRAID_PYTHON_INSTALL_DIR)"
export PYTHONDONTWRITEBYTECODE=1
python=$(cache BRAID_PYTHON)

# A sanitized runtime needs the sanitizer runtimes loaded before anything
# else in the uninstrumented python3 (AddressSanitizer's first). Python and
# NumPy keep allocations until exit, so leaks are not checked here (the lit
# suites check the runtime's).
if [[ -n "$(cache BRAID_SANITIZE)" ]]; then
  preload=$(ldd "$prefix/$(cache CMAKE_INSTALL_LIBDIR)/libbraid_runtime.so" |
    awk '/libasan|libubsan/ {print $3}' | sort | paste -sd: -)
  export LD_PRELOAD="$preload"
  export ASAN_OPTIONS=detect_leaks=0:halt_on_error=1:abort_on_error=1:allow_user_poisoning=0
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:abort_on_error=1
fi

(cd "$prefix" && "$python" -c "import braid")
"$python" -m pytest -p no:cacheprovider -q python/tests "$@"
