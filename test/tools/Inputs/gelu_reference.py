"""PyTorch's side of gelu.test: writes weights and inputs for Inputs/gelu.braid
and checks braid-run's predictions against PyTorch's forward of the same
model (F.gelu with approximate='tanh' and 'none'), in float64.

  gelu_reference.py write PREFIX   writes PREFIX.safetensors, PREFIX.x.npy
  gelu_reference.py check PREFIX   compares PREFIX.y.npy with PyTorch
"""
import sys

import numpy as np
import torch
import torch.nn.functional as F

from reference_model import write_safetensors

SAMPLES = 20  # not a multiple of the plan's batch of 8: the last is padded


def main():
    action, prefix = sys.argv[1:3]
    rng = np.random.default_rng(23)
    p = {"w": (rng.standard_normal((4, 3)) * 2).astype(np.float32),
         "b": (rng.standard_normal(3)).astype(np.float32)}
    x = rng.uniform(-1, 1, (SAMPLES, 4)).astype(np.float32)
    if action == "write":
        write_safetensors(prefix + ".safetensors", p)
        np.save(prefix + ".x.npy", x)
        return 0
    y = np.load(prefix + ".y.npy")
    t = {k: torch.from_numpy(v).double() for k, v in p.items()}
    h = torch.from_numpy(x).double() @ t["w"] + t["b"]
    ref = (F.gelu(h, approximate="tanh") + 2 * F.gelu(h)).numpy()
    if y.shape != ref.shape or y.dtype != np.float32:
        print("shape/dtype mismatch: braid %s %s, torch %s" % (y.shape, y.dtype, ref.shape))
        return 1
    tolerance = 1e-5
    rel = np.abs(y - ref) / np.maximum(1.0, np.abs(ref))
    print("gelu_net: max relative difference %.3g (tolerance %g) over %d values"
          % (rel.max(), tolerance, ref.size))
    return 0 if rel.max() <= tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
