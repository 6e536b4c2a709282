"""The predict-rows test's arrays: takes the first N rows of an .npy file,
and compares two predictions.

  rows_compare.py head IN.npy N OUT.npy
  rows_compare.py ids N T OUT.npy        N rows of T byte ids (int32), seeded
  rows_compare.py compare A.npy B.npy WHAT   max |a - b| / (1 + |b|) <= 1e-6,
                                             else exits 1
"""
import sys

import numpy as np

TOLERANCE = 1e-6


def main():
    if sys.argv[1] == "head":
        np.save(sys.argv[4], np.load(sys.argv[2])[:int(sys.argv[3])])
        return
    if sys.argv[1] == "ids":
        rng = np.random.default_rng(1)
        shape = (int(sys.argv[2]), int(sys.argv[3]))
        np.save(sys.argv[4], rng.integers(0, 256, shape).astype(np.int32))
        return
    a, b = np.load(sys.argv[2]), np.load(sys.argv[3])
    if a.shape != b.shape:
        sys.exit("%s: shapes differ: %s and %s" % (sys.argv[4], a.shape, b.shape))
    worst = float(np.max(np.abs(a - b) / (1 + np.abs(b))))
    print("%s: %d rows, max difference %.3g (tolerance %g)%s"
          % (sys.argv[4], a.shape[0], worst, TOLERANCE,
             "" if worst <= TOLERANCE else " FAIL"))
    # NaN fails too: `worst <= TOLERANCE` is false for it.
    if not worst <= TOLERANCE:
        sys.exit(1)


if __name__ == "__main__":
    main()
