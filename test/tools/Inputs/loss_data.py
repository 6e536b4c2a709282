"""Writes the .npy arrays of the small data-parallel loss models:
x (64x4), t (64x2), and for size_coincidence.braid xk (64x8), k (8x4),
tk (64x4), seeded, into the directory given.

  loss_data.py DIR
"""
import os
import sys

import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(13)
arrays = {
    "x": (64, 4), "t": (64, 2),
    "xk": (64, 8), "k": (8, 4), "tk": (64, 4),
}
for name, shape in arrays.items():
    np.save(os.path.join(out, name + ".npy"), rng.standard_normal(shape).astype(np.float32))
