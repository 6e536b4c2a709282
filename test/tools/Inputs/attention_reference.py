"""PyTorch's side of attention.test: writes weights and inputs for
Inputs/attention.braid and checks braid-run's logits and loss against
PyTorch's forward of the same model, in float64.

  attention_reference.py write PREFIX   writes PREFIX.safetensors, .x.npy, .y.npy
  attention_reference.py check PREFIX   compares PREFIX.logits.npy with PyTorch
  attention_reference.py loss PREFIX    prints PyTorch's loss of the first 4 rows
"""
import sys

import numpy as np
import torch
import torch.nn.functional as F

from reference_model import write_safetensors

SAMPLES = 6  # not a multiple of the plan's batch of 4: the last is padded


def forward(p, x):
    t = {k: torch.from_numpy(v).double() for k, v in p.items()}
    x = torch.from_numpy(x).double()
    b = x.shape[0]
    q = (x @ t["wq"]).reshape(b, 3, 2, 2).transpose(1, 2)
    k = (x @ t["wk"]).reshape(b, 3, 2, 2).transpose(1, 2)
    a = torch.softmax(q @ k.transpose(-2, -1), dim=-1)
    h = a @ k + t["m"] @ q
    return h.transpose(1, 2).reshape(b, 3, 4) @ t["wo"]


def main():
    action, prefix = sys.argv[1:3]
    rng = np.random.default_rng(17)
    p = {"wq": rng.standard_normal((4, 4)).astype(np.float32),
         "wk": rng.standard_normal((4, 4)).astype(np.float32),
         "m": rng.standard_normal((2, 3, 3)).astype(np.float32),
         "wo": rng.standard_normal((4, 5)).astype(np.float32)}
    x = rng.uniform(-1, 1, (SAMPLES, 3, 4)).astype(np.float32)
    y = rng.integers(0, 5, (SAMPLES, 3)).astype(np.int32)
    if action == "write":
        write_safetensors(prefix + ".safetensors", p)
        np.save(prefix + ".x.npy", x)
        np.save(prefix + ".y.npy", y)
        return 0
    ref = forward(p, x)
    if action == "loss":
        loss = F.cross_entropy(ref[:4].reshape(-1, 5),
                               torch.from_numpy(y[:4]).long().reshape(-1))
        print("%.6f" % loss.item())
        return 0
    got = np.load(prefix + ".logits.npy")
    ref = ref.numpy()
    if got.shape != ref.shape or got.dtype != np.float32:
        print("shape/dtype mismatch: braid %s %s, torch %s" % (got.shape, got.dtype, ref.shape))
        return 1
    tolerance = 1e-5
    rel = np.abs(got - ref) / np.maximum(1.0, np.abs(ref))
    print("attention_net: max relative difference %.3g (tolerance %g) over %d values"
          % (rel.max(), tolerance, ref.size))
    return 0 if rel.max() <= tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
