"""Compares checkpoints tensor by tensor: parameters, optimizer state and
step count of data-parallel runs against one process's.

  agree_checkpoints.py TOL REFERENCE OTHER...

Each OTHER must hold the tensors of REFERENCE and no others, each of the same
shape, with max|a - b| <= TOL * max|a| (the tensor's scale: optimizer moments
start at zero); a NaN anywhere fails. Prints one line per OTHER and exits
nonzero on any mismatch.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from torch_agreement import read_safetensors  # noqa: E402

import numpy as np  # noqa: E402

tol, reference, others = float(sys.argv[1]), sys.argv[2], sys.argv[3:]
ref = read_safetensors(reference)
ok = True
for path in others:
    got = read_safetensors(path)
    worst, where = 0.0, None
    for name, a in ref.items():
        if name not in got or got[name].shape != a.shape:
            print("%s: tensor %s missing or of another shape" % (os.path.basename(path), name))
            ok = False
            continue
        scale = float(np.max(np.abs(a))) or 1.0
        d = float(np.max(np.abs(a - got[name]))) / scale
        # A NaN in either tensor makes d NaN, which must fail: `d > worst`
        # alone would pass it.
        if np.isnan(d) or d > worst:
            worst, where = d, name
    extra = sorted(set(got) - set(ref))
    if extra:
        print("%s: tensors the reference lacks: %s" % (os.path.basename(path), ", ".join(extra)))
        ok = False
    verdict = "ok" if worst <= tol else "TOO FAR"
    ok &= worst <= tol
    print("%s: %d tensors, largest relative difference %.3g in %s (%s)" %
          (os.path.basename(path), len(ref), worst, where, verdict))
sys.exit(0 if ok else 1)
