"""PyTorch's side of reduce_max.test: weights and data for
Inputs/reduce_max.braid, PyTorch's forward of it, and its gradients: the
weights make x @ w + b tie in places (a maximum over the sequence reached by
two rows, one over the features by two columns), where PyTorch's amax splits
the gradient evenly among the tied maxima.

  reduce_max.py write PREFIX   writes PREFIX.init.safetensors, PREFIX.{x,t}.npy
  reduce_max.py check PREFIX   compares PREFIX.y.npy with PyTorch's forward
  reduce_max.py step PREFIX    compares PREFIX.trained.safetensors with one
                               sgd(lr = 1) step of PyTorch's gradients
"""
import sys

import numpy as np
import torch

from reference_model import write_safetensors
from torch_agreement import read_safetensors
from prediction_check import sgd_step_difference


def data():
    # w = identity and b = 0 keep h = x, so x's ties are h's.
    init = {"w": np.eye(4, dtype=np.float32),
            "b": np.zeros(4, np.float32)}
    rng = np.random.default_rng(5)
    x = rng.uniform(-1, 1, (4, 3, 4)).astype(np.float32)
    x[0, 1, 2] = x[0, 0, 2] = 0.9      # a tie over the sequence (axis 1)
    x[1, 2, 0] = x[1, 2, 3] = 0.95     # a tie over the features (axis -1)
    t = rng.uniform(-1, 1, (4, 4)).astype(np.float32)
    return init, x, t


def forward(p, x):
    h = x @ p["w"] + p["b"]
    return (torch.amax(h, 1) + torch.mean(h - torch.amax(h, -1, keepdim=True), 1)
            + torch.sum(torch.sum(h, 2, keepdim=True), 1))


def main():
    action, prefix = sys.argv[1:3]
    init, x, t = data()
    if action == "write":
        write_safetensors(prefix + ".init.safetensors", init)
        np.save(prefix + ".x.npy", x)
        np.save(prefix + ".t.npy", t)
        return 0
    p = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in init.items()}
    xt, tt = torch.tensor(x, dtype=torch.float64), torch.tensor(t, dtype=torch.float64)
    y = forward(p, xt)
    if action == "check":
        got = np.load(prefix + ".y.npy")
        ref = y.detach().numpy()
        tolerance = 1e-5
        rel = np.abs(got - ref) / np.maximum(1.0, np.abs(ref))
        print("reduce_max_net: max relative difference %.3g (tolerance %g) over %d values"
              % (rel.max(), tolerance, ref.size))
        return 0 if got.shape == ref.shape and rel.max() <= tolerance else 1
    torch.mean((y - tt) ** 2).backward()
    trained = read_safetensors(prefix + ".trained.safetensors")
    worst = sgd_step_difference(trained, p)
    tolerance = 1e-5
    print("reduce_max_net: max relative parameter difference %.3g (tolerance %g)" % (worst, tolerance))
    return 0 if worst <= tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
