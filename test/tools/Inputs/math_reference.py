"""PyTorch's side of math.test: writes weights and inputs for Inputs/math.braid
and checks braid-run's predictions against PyTorch's forward of the same
model, in float64.

  math_reference.py write PREFIX   writes PREFIX.safetensors, PREFIX.x.npy
  math_reference.py check PREFIX   compares PREFIX.y.npy with PyTorch
"""
import sys

import numpy as np
import torch

from prediction_check import SAMPLES, write_or_check


def reference(p, x):
    t = {k: torch.from_numpy(v).double() for k, v in p.items()}
    h = torch.from_numpy(x).double() @ t["w"] + t["b"]
    e = torch.exp(h)
    return (torch.log(e + 1) + torch.sqrt(e) + torch.rsqrt(e) + torch.pow(e, 1.5)
            + torch.pow(h, 3) + torch.abs(h) + torch.maximum(h, t["v"])
            + torch.minimum(t["u"], h)).numpy()


def main():
    action, prefix = sys.argv[1:3]
    rng = np.random.default_rng(13)
    p = {"w": (rng.standard_normal((4, 3)) * 0.5).astype(np.float32),
         "b": (rng.standard_normal(3) * 0.5).astype(np.float32),
         "v": (rng.standard_normal(3) * 0.5).astype(np.float32),
         "u": (rng.standard_normal(1) * 0.5).astype(np.float32)}
    x = rng.uniform(-1, 1, (SAMPLES, 4)).astype(np.float32)
    return write_or_check(action, prefix, "math_net", p, x, reference, "torch")


if __name__ == "__main__":
    sys.exit(main())
