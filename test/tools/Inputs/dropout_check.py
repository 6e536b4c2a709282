"""dropout.test's checks.

  dropout_check.py write PREFIX
      writes PREFIX.ones.npy (8 x 64 ones, dropout.braid's x and t),
      PREFIX.w1.safetensors (w = 1) and
      PREFIX.x.npy, PREFIX.t.npy (64 random rows for dropout_mlp.braid)
  dropout_check.py step PREFIX.jsonl PREFIX.safetensors
      one sgd(lr = 1) step of dropout.braid from w = 1 on ones: the loss is
      4/3 of the elements kept (about 3/4 of 512), and sum(1 - w) after the
      step is the same number, when the backward drops what the forward did
  dropout_check.py mask BEFORE.safetensors AFTER.safetensors SEED STEP P SALT
      the mask that one sgd(lr = 1) step of dropout_mask.braid on ones left
      in w (after = before - mask / (1 - p)) is Philox4x32-10's, as
      docs/language.md keys it: key (seed low, seed high), counter
      (j / 4, row, step, salt), word j % 4 >= round(p 2^32) keeps
  dropout_check.py identity PREFIX.y.npy
      predict's output is its input: dropout is the identity outside training
"""
import json
import sys

import numpy as np

from torch_agreement import read_safetensors, write_safetensors


M0, M1, W0, W1 = 0xD2511F53, 0xCD9E8D57, 0x9E3779B9, 0xBB67AE85
MASK = 0xFFFFFFFF


def philox4x32_10(c, k):
    """Random123's philox4x32 with 10 rounds, in Python integers."""
    c, k = list(c), list(k)
    for r in range(10):
        if r:
            k = [(k[0] + W0) & MASK, (k[1] + W1) & MASK]
        p0, p1 = M0 * c[0], M1 * c[2]
        c = [((p1 >> 32) ^ c[1] ^ k[0]) & MASK, p1 & MASK,
             ((p0 >> 32) ^ c[3] ^ k[1]) & MASK, p0 & MASK]
    return c


def expected_mask(rows, cols, seed, step, p, salt):
    threshold = round(p * 2**32)
    key = [seed & MASK, seed >> 32]
    mask = np.zeros((rows, cols), bool)
    for r in range(rows):
        for j in range(cols):
            u = philox4x32_10([j // 4, r, step & MASK, salt], key)[j % 4]
            mask[r, j] = u >= threshold
    return mask


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
    if action == "mask":
        before = (np.ones((8, 10), np.float32) if sys.argv[2] == "ones"
                  else read_safetensors(sys.argv[2])["w"])
        w = read_safetensors(sys.argv[3])["w"]
        seed, step, p, salt = int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6]), int(sys.argv[7])
        # PyTorch's scale of a kept element: its noise.div_(1 - p) in f32.
        import torch
        scale = np.float32(torch.ones(1).div_(1 - p).item())
        kept = w != before
        if not np.all(np.where(kept, w == before - scale, True)):
            print("a kept element moved by other than 1 / (1 - p)")
            return 1
        want = expected_mask(w.shape[0], w.shape[1], seed, step, p, salt)
        print("mask: %d of %d kept, %d differ from Philox4x32-10's"
              % (kept.sum(), kept.size, (kept != want).sum()))
        return 0 if np.array_equal(kept, want) else 1
    if action == "identity":
        y = np.load(sys.argv[2])
        print("predict: %s" % ("the identity" if np.array_equal(y, np.ones_like(y)) else "NOT the identity"))
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
