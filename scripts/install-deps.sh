#!/usr/bin/env bash
# Installs Braid's build and run dependencies from Debian's packages.
#
# Idempotent and quiet: when every package is already present it prints nothing
# and touches nothing. Uses sudo when not run as root.
#
#   scripts/install-deps.sh           packages to build and run Braid
#   scripts/install-deps.sh --test    also the packages only the test suite needs
set -euo pipefail

packages=(
  cmake ninja-build ccache g++ pkg-config
  libmlir-22-dev mlir-22-tools llvm-22-dev llvm-22-tools
  # ld.lld links braidc's generated kernels into shared objects (codegen/).
  lld-22
  libdnnl-dev libopenblas-openmp-dev libopenmpi-dev openmpi-bin
  libflatbuffers-dev flatbuffers-compiler
  libcli11-dev nlohmann-json3-dev zlib1g-dev
  # `braidc model.onnx` (docs/onnx.md): ONNX's protobuf schema and protobuf.
  libonnx-dev libprotobuf-dev protobuf-compiler
  dataset-fashion-mnist
  # The default text of `braid-run train --data text` (docs/training.md):
  # /usr/share/games/fortunes; fortunes depends on fortunes-min.
  fortunes fortunes-min
)
test_packages=(
  googletest libgtest-dev
  python3 python3-numpy
  # The Python package's tests (python/tests, scripts/test-python.sh).
  python3-pytest
  # The PyTorch agreement test; OpenBLAS keeps PyTorch's CPU speed fair.
  python3-torch libopenblas0-pthread
  # test/hosts/simhosts.sh: network namespaces, veth links and a bridge.
  iproute2
  # The fuzz harnesses (fuzz/): clang with libFuzzer and its sanitizer
  # runtimes.
  clang-22 libfuzzer-22-dev libclang-rt-22-dev
)

if [[ "${1:-}" == "--test" ]]; then
  packages+=("${test_packages[@]}")
elif [[ -n "${1:-}" ]]; then
  echo "usage: $0 [--test]" >&2
  exit 2
fi

missing=()
for p in "${packages[@]}"; do
  # dpkg-query prints "install ok installed" only for fully installed packages.
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  sudo=(sudo)
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
