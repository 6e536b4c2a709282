"""PyTorch's side of transformer_ops.test: writes weights and inputs for
Inputs/transformer_ops.braid and checks braid-run's predictions against
PyTorch's forward of the same model: torch.nn.functional.embedding,
layer_norm (in float32, as PyTorch computes it for f32) and the causal
softmax written as masked_fill(triu(ones, 1), -inf).softmax(-1).

  transformer_ops_reference.py write PREFIX   writes PREFIX.safetensors,
                                              PREFIX.y.npy, PREFIX.x.npy
  transformer_ops_reference.py check PREFIX   compares PREFIX.{n,p,logits}.npy
"""
import sys

import numpy as np
import torch
import torch.nn.functional as F

from reference_model import write_safetensors

SAMPLES = 20  # not a multiple of the plan's batch of 8: the last is padded


def main():
    action, prefix = sys.argv[1:3]
    rng = np.random.default_rng(14)
    p = {"table": rng.standard_normal((8, 16)).astype(np.float32),
         "g": rng.uniform(0.5, 1.5, 16).astype(np.float32),
         "b": rng.uniform(-1, 1, 16).astype(np.float32),
         "w": rng.uniform(-1, 1, (4, 4)).astype(np.float32),
         "head": rng.uniform(-1, 1, (16, 8)).astype(np.float32)}
    y = rng.integers(0, 8, SAMPLES).astype(np.int32)
    # Rows with a common offset of a few deviations, as a residual stream's.
    # (Far larger ones part PyTorch 1.13 from the exact result: it computes
    # x * rstd - mean * rstd in f32, 3e-6 off at offsets of 30 deviations,
    # where Braid's (x - mean) * rstd stays within 1e-6.)
    x = (rng.uniform(-1, 1, (SAMPLES, 16)) + rng.uniform(-3, 3, (SAMPLES, 1))
         ).astype(np.float32)
    if action == "write":
        write_safetensors(prefix + ".safetensors", p)
        np.save(prefix + ".y.npy", y)
        np.save(prefix + ".x.npy", x)
        return 0
    t = {k: torch.from_numpy(v) for k, v in p.items()}
    e = F.embedding(torch.from_numpy(y).long(), t["table"]) + torch.from_numpy(x)
    n = F.layer_norm(e, [16], t["g"], t["b"], eps=1e-5)
    s = n.reshape(-1, 4, 4) * t["w"] * 3
    mask = torch.triu(torch.ones(4, 4, dtype=torch.bool), 1)
    a = s.masked_fill(mask, float("-inf")).softmax(-1)
    ref = {"n": n, "p": a.reshape(-1, 16), "logits": a.reshape(-1, 16) @ t["head"]}
    status = 0
    # layer_norm against the exact result too, in float64.
    ed = e.double()
    mean = ed.mean(-1, keepdim=True)
    var = ((ed - mean) ** 2).mean(-1, keepdim=True)
    exact = ((ed - mean) / torch.sqrt(var + 1e-5) * t["g"].double()
             + t["b"].double()).numpy()
    got = np.load(prefix + ".n.npy")
    rel = np.abs(got - exact) / np.maximum(1.0, np.abs(exact))
    print("n: max relative difference from float64 %.3g (tolerance 1e-06)"
          % rel.max())
    if not rel.max() <= 1e-6:
        status = 1
    # layer_norm within 1e-6 of PyTorch's float32; the rest within 1e-5.
    for name, tolerance in (("n", 1e-6), ("p", 1e-5), ("logits", 1e-5)):
        got = np.load("%s.%s.npy" % (prefix, name))
        want = ref[name].numpy()
        if got.shape != want.shape or got.dtype != np.float32:
            print("%s: shape/dtype mismatch: braid %s %s, torch %s"
                  % (name, got.shape, got.dtype, want.shape))
            return 1
        rel = np.abs(got - want) / np.maximum(1.0, np.abs(want))
        print("%s: max relative difference %.3g (tolerance %g) over %d values"
              % (name, rel.max(), tolerance, want.size))
        if not rel.max() <= tolerance:
            status = 1
    # The masked probabilities are exactly 0, as PyTorch's.
    masked = np.load(prefix + ".p.npy").reshape(-1, 4, 4)[:, mask.numpy()]
    print("masked probabilities: %d, all zero: %s"
          % (masked.size, bool((masked == 0).all())))
    return status if (masked == 0).all() else 1


if __name__ == "__main__":
    sys.exit(main())
