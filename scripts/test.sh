#!/usr/bin/env bash
# Quick start, second command: installs what is missing (with the test-only
# packages), builds Braid with AddressSanitizer and UndefinedBehaviorSanitizer,
# and runs every test through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --test
cmake -G Ninja -S . -B build/test -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DBRAID_SANITIZE=address,undefined >/dev/null
ninja -C build/test
cd build/test
ctest --output-on-failure -j "$(nproc)"
