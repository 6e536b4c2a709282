"""dropout.test's checks.

  dropout_check.py write PREFIX
      writes PREFIX.ones.npy (8 x 64 ones, dropout.braid's x and t),
      PREFIX.w1.safetensors (w = 1) and
      PREFIX.x.npy, PREFIX.t.npy (64 random rows for dropout_mlp.braid)
  dropout_check.py step PREFIX.jsonl PREFIX.safetensors
      one sgd(lr = 1) step of dropout.braid from w = 1 on ones: the loss is
      4/3 of the elements kept (about 3/4 of 512), and sum(1 - w) after the
      step is the same number, when the backward drops what the forward did
  dropout_check.py identity PREFIX.y.npy
      predict's output is its input: dropout is the identity outside training
"""
import json
import sys

import numpy as np

from torch_agreement import read_safetensors, write_safetensors


def main():
    action = sys.argv[1]
    if action == "write":
        prefix = sys.argv[2]
        np.save(prefix + ".ones.npy", np.ones((8, 64), np.float32))
        write_safetensors(prefix + ".w1.safetensors", {"w": np.ones(64, np.float32)})
        rng = np.random.default_rng(5)
        np.save(prefix + ".x.npy", rng.standard_normal((64, 16)).astype(np.float32))
        np.save(prefix + ".t.npy", rng.standard_normal((64, 4)).astype(np.float32))
        return 0
    if action == "step":
        step = [json.loads(l) for l in open(sys.argv[2]) if '"step":1,' in l][0]
        loss = step["loss"]
        w = read_safetensors(sys.argv[3])["w"]
        scale = np.float32(1) / np.float32(0.75)
        kept = loss / scale
        moved = float(np.sum(1 - w.astype(np.float64))) / scale
        print("kept %d of 512 (%.3f), the backward's %d" % (round(kept), kept / 512, round(moved)))
        ok = abs(kept - moved) < 0.01 and 0.70 <= kept / 512 <= 0.80
        return 0 if ok else 1
    if action == "identity":
        y = np.load(sys.argv[2])
        print("predict: %s" % ("the identity" if np.array_equal(y, np.ones_like(y)) else "NOT the identity"))
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
