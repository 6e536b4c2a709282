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

from prediction_check import SAMPLES, write_or_check


def reference(p, x):
    t = {k: torch.from_numpy(v).double() for k, v in p.items()}
    h = torch.from_numpy(x).double() @ t["w"] + t["b"]
    return (F.gelu(h, approximate="tanh") + 2 * F.gelu(h)).numpy()


def main():
    action, prefix = sys.argv[1:3]
    rng = np.random.default_rng(23)
    p = {"w": (rng.standard_normal((4, 3)) * 2).astype(np.float32),
         "b": (rng.standard_normal(3)).astype(np.float32)}
    x = rng.uniform(-1, 1, (SAMPLES, 4)).astype(np.float32)
    return write_or_check(action, prefix, "gelu_net", p, x, reference, "torch")


if __name__ == "__main__":
    sys.exit(main())
