"""Compares .npy files element by element against a reference:
max|a - b| / max(1, |reference|) <= TOL; a NaN anywhere fails.

  compare_npy.py TOL REFERENCE.npy OTHER.npy...
"""
import sys

import numpy as np

tolerance = float(sys.argv[1])
reference = np.load(sys.argv[2]).astype(np.float64)
status = 0
for path in sys.argv[3:]:
    other = np.load(path).astype(np.float64)
    if other.shape != reference.shape:
        print("%s: shape %s, expected %s" % (path.split("/")[-1], other.shape, reference.shape))
        status = 1
        continue
    rel = np.abs(other - reference) / np.maximum(1.0, np.abs(reference))
    worst = float("nan") if np.isnan(rel).any() else float(rel.max())
    ok = worst <= tolerance
    print("%s: %d values, largest relative difference %.2e (%s)" %
          (path.split("/")[-1], rel.size, worst, "ok" if ok else "TOO LARGE"))
    status |= 0 if ok else 1
sys.exit(status)
