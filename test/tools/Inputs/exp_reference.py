"""numpy's side of exp.test: writes weights and inputs for Inputs/exp.braid
and checks braid-run's predictions against numpy's exp(x @ w + b).

  exp_reference.py write PREFIX   writes PREFIX.safetensors, PREFIX.x.npy
  exp_reference.py check PREFIX   compares PREFIX.y.npy with numpy
"""
import sys

import numpy as np

from reference_model import write_safetensors

SAMPLES = 20  # not a multiple of the plan's batch of 8: the last is padded


def main():
    action, prefix = sys.argv[1:3]
    rng = np.random.default_rng(11)
    p = {"w": (rng.standard_normal((4, 3)) * 0.5).astype(np.float32),
         "b": (rng.standard_normal(3) * 0.5).astype(np.float32)}
    x = rng.uniform(-1, 1, (SAMPLES, 4)).astype(np.float32)
    if action == "write":
        write_safetensors(prefix + ".safetensors", p)
        np.save(prefix + ".x.npy", x)
        return 0
    y = np.load(prefix + ".y.npy")
    ref = np.exp(x.astype(np.float64) @ p["w"].astype(np.float64) + p["b"])
    if y.shape != ref.shape or y.dtype != np.float32:
        print("shape/dtype mismatch: braid %s %s, numpy %s" % (y.shape, y.dtype, ref.shape))
        return 1
    tolerance = 1e-5
    rel = np.abs(y - ref) / np.maximum(1.0, np.abs(ref))
    print("exp_net: max relative difference %.3g (tolerance %g) over %d values"
          % (rel.max(), tolerance, ref.size))
    return 0 if rel.max() <= tolerance else 1


if __name__ == "__main__":
    sys.exit(main())
