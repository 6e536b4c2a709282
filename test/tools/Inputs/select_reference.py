"""PyTorch's side of select.test: writes weights and inputs for
Inputs/select.braid and checks braid-run's predictions against PyTorch's
forward of the same model.

  select_reference.py write PREFIX   writes PREFIX.safetensors, PREFIX.x.npy
  select_reference.py check PREFIX   compares PREFIX.y.npy with PyTorch
"""
import sys

import numpy as np
import torch

from reference_model import write_safetensors

SAMPLES = 20  # not a multiple of the plan's batch of 8: the last is padded


def main():
    action, prefix = sys.argv[1:3]
    rng = np.random.default_rng(17)
    p = {"w": (rng.standard_normal((4, 6)) * 0.5).astype(np.float32),
         "b": (rng.standard_normal(6) * 0.5).astype(np.float32),
         "v": (rng.standard_normal(3) * 0.5).astype(np.float32)}
    x = rng.uniform(-1, 1, (SAMPLES, 4)).astype(np.float32)
    # Exact quarters and halves: cast truncates them, and the comparisons
    # with 0.5 and -0.25 meet ties.
    x[:4, :3] = [[0.25, -0.25, 0.5], [-0.5, 0.75, -0.75],
                 [1.0, -1.0, 0.0], [0.3, -0.3, 0.6]]
    if action == "write":
        write_safetensors(prefix + ".safetensors", p)
        np.save(prefix + ".x.npy", x)
        return 0
    y = np.load(prefix + ".y.npy")
    # float32 as braid computes: the masks and casts are exact, the rest
    # rounds alike up to the order of the matmul's sums.
    t = {k: torch.from_numpy(v) for k, v in p.items()}
    xt = torch.from_numpy(x)
    h = xt @ t["w"] + t["b"]
    q, k, r = torch.split(h, [2, 2, 2], dim=1)
    r = r[:, :1]
    xs = xt[:, :3]
    xi = (xs * 4).to(torch.int32)
    m = ((xi.float() == 1).float() + (xi != xs.to(torch.int32)).float()
         + (xs < t["v"]).float() + (xs <= -0.25).float()
         + (xs >= 0.5).float())
    sel = torch.where(q > k, q, k * 2)
    ref = (torch.cat([sel, r], dim=1) * (m + 1) + xi.float()
           + torch.where(xs > 0, t["v"], torch.tensor(0.0))).numpy()
    if y.shape != ref.shape or y.dtype != np.float32:
        print("shape/dtype mismatch: braid %s %s, torch %s" % (y.shape, y.dtype, ref.shape))
        return 1
    tolerance = 1e-5
    rel = np.abs(y - ref) / np.maximum(1.0, np.abs(ref))
    print("select_net: max relative difference %.3g (tolerance %g) over %d values"
          % (rel.max(), tolerance, ref.size))
    return 0 if rel.max() <= tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
