"""PyTorch's side of math.test: writes weights and inputs for Inputs/math.braid
and checks braid-run's predictions against PyTorch's forward of the same
model, in float64.

  math_reference.py write PREFIX   writes PREFIX.safetensors, PREFIX.x.npy
  math_reference.py check PREFIX   compares PREFIX.y.npy with PyTorch
"""
import sys

import numpy as np
import torch

from reference_model import write_safetensors

SAMPLES = 20  # not a multiple of the plan's batch of 8: the last is padded


def main():
    action, prefix = sys.argv[1:3]
    rng = np.random.default_rng(13)
    p = {"w": (rng.standard_normal((4, 3)) * 0.5).astype(np.float32),
         "b": (rng.standard_normal(3) * 0.5).astype(np.float32),
         "v": (rng.standard_normal(3) * 0.5).astype(np.float32),
         "u": (rng.standard_normal(1) * 0.5).astype(np.float32)}
    x = rng.uniform(-1, 1, (SAMPLES, 4)).astype(np.float32)
    if action == "write":
        write_safetensors(prefix + ".safetensors", p)
        np.save(prefix + ".x.npy", x)
        return 0
    y = np.load(prefix + ".y.npy")
    t = {k: torch.from_numpy(v).double() for k, v in p.items()}
    h = torch.from_numpy(x).double() @ t["w"] + t["b"]
    e = torch.exp(h)
    ref = (torch.log(e + 1) + torch.sqrt(e) + torch.rsqrt(e) + torch.pow(e, 1.5)
           + torch.pow(h, 3) + torch.abs(h) + torch.maximum(h, t["v"])
           + torch.minimum(t["u"], h)).numpy()
    if y.shape != ref.shape or y.dtype != np.float32:
        print("shape/dtype mismatch: braid %s %s, torch %s" % (y.shape, y.dtype, ref.shape))
        return 1
    tolerance = 1e-5
    rel = np.abs(y - ref) / np.maximum(1.0, np.abs(ref))
    print("math_net: max relative difference %.3g (tolerance %g) over %d values"
          % (rel.max(), tolerance, ref.size))
    return 0 if rel.max() <= tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
