#!/usr/bin/env bash
# The transformer example end to end: installs what is missing, builds Braid
# (release), compiles examples/gpt.braid (a character-level GPT, the model of
# ../shared/peers/torch_gpt.py), trains it for the 2000 steps of its train
# block on Debian's fortunes (the last 10% held out, its validation loss
# printed at the end), then samples text from it. The weights go to
# build/gpt.safetensors. Arguments are passed on to braid-run train
# (--threads 2, --max-steps 200, ...).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake -G Ninja -S . -B build/release -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build/release braidc braid-run >/dev/null
build/release/bin/braidc examples/gpt.braid -o build/gpt.plan
build/release/bin/braid-run train build/gpt.plan --data text --save build/gpt.safetensors "$@"
build/release/bin/braid-run generate build/gpt.plan --checkpoint build/gpt.safetensors \
  --prompt "The " --tokens 300 --temperature 0.8 --top-k 40 --seed 1
echo
