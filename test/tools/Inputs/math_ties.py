"""PyTorch's side of math.test's ties: weights and data for
Inputs/math_ties.braid where x equals v and u in some elements and s is 0 in
one, and the check that one sgd(lr = 1) step moves every parameter as
PyTorch's gradients do (maximum and minimum give half of dy to each operand
on a tie, abs's gradient at 0 is 0).

  math_ties.py write PREFIX   writes PREFIX.init.safetensors, PREFIX.{x,t}.npy
  math_ties.py check PREFIX   compares PREFIX.trained.safetensors with PyTorch
"""
import sys

import numpy as np
import torch

from reference_model import write_safetensors
from torch_agreement import read_safetensors
from prediction_check import sgd_step_difference


def data():
    init = {"v": np.array([0.5, -0.25, 1.0], np.float32),
            "u": np.array([0.0, 0.75, -0.5], np.float32),
            "s": np.array([0.0, -1.5, 2.0], np.float32)}
    # Rows 0 and 2 tie with v, row 1 with u; the others are above or below.
    x = np.array([[0.5, -0.25, 1.0],
                  [0.0, 0.75, -0.5],
                  [0.5, 1.0, -2.0],
                  [-1.0, 0.25, 3.0]], np.float32)
    t = np.array([[1.0, -2.0, 0.5],
                  [2.0, 1.0, -1.0],
                  [-0.5, 0.25, 3.0],
                  [1.5, -1.0, 0.0]], np.float32)
    return init, x, t


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
    y = torch.maximum(xt, p["v"]) + 3 * torch.minimum(p["u"], xt) + torch.abs(p["s"]) * xt
    torch.mean((y - tt) ** 2).backward()
    trained = read_safetensors(prefix + ".trained.safetensors")
    worst = sgd_step_difference(trained, p)
    tolerance = 1e-6
    print("ties_net: max relative parameter difference %.3g (tolerance %g)" % (worst, tolerance))
    return 0 if worst <= tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
