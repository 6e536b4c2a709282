"""numpy's side of exp.test: writes weights and inputs for Inputs/exp.braid
and checks braid-run's predictions against numpy's exp(x @ w + b).

  exp_reference.py write PREFIX   writes PREFIX.safetensors, PREFIX.x.npy
  exp_reference.py check PREFIX   compares PREFIX.y.npy with numpy
"""
import sys

import numpy as np

from prediction_check import SAMPLES, write_or_check


def main():
    action, prefix = sys.argv[1:3]
    rng = np.random.default_rng(11)
    p = {"w": (rng.standard_normal((4, 3)) * 0.5).astype(np.float32),
         "b": (rng.standard_normal(3) * 0.5).astype(np.float32)}
    x = rng.uniform(-1, 1, (SAMPLES, 4)).astype(np.float32)
    return write_or_check(action, prefix, "exp_net", p, x, lambda p, x: np.exp(
        x.astype(np.float64) @ p["w"].astype(np.float64) + p["b"]), "numpy")


if __name__ == "__main__":
    sys.exit(main())
