"""Compares checkpoints tensor by tensor: parameters, optimizer state and
step count of data-parallel runs against one process's.

  agree_checkpoints.py TOL [--state-tol STATE_TOL] [--tensor-tol NAME TOL]...
                        REFERENCE OTHER...

Each OTHER must hold the tensors of REFERENCE and no others, each of the same
shape, with max|a - b| <= TOL * max|a| (the tensor's scale: optimizer moments
start at zero); a NaN anywhere fails. With --state-tol, optimizer state (a
tensor named after another one plus a suffix, as `w.m` after `w`) is held to
STATE_TOL instead: a momentum sums every step's gradient, so the order of
the sums over ranks shows in it more than in the parameters. With
--tensor-tol, the tensor NAME alone is held to its own TOL (a parameter the
test explains). Prints one line per OTHER and exits nonzero on any mismatch.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from torch_agreement import read_safetensors  # noqa: E402

import numpy as np  # noqa: E402

args = sys.argv[1:]
tol = state_tol = float(args.pop(0))
tensor_tol = {}
while args and args[0] in ("--state-tol", "--tensor-tol"):
    if args.pop(0) == "--state-tol":
        state_tol = float(args.pop(0))
    else:
        name = args.pop(0)
        tensor_tol[name] = float(args.pop(0))
reference, others = args[0], args[1:]
ref = read_safetensors(reference)


def is_state(name):
    return "." in name and name.rsplit(".", 1)[0] in ref


def bound(name):
    if name in tensor_tol:
        return tensor_tol[name]
    return state_tol if is_state(name) else tol


ok = True
for path in others:
    got = read_safetensors(path)
    worst, where = None, None
    for name, a in ref.items():
        if name not in got or got[name].shape != a.shape:
            print("%s: tensor %s missing or of another shape" % (os.path.basename(path), name))
            ok = False
            continue
        scale = float(np.max(np.abs(a))) or 1.0
        d = float(np.max(np.abs(a - got[name]))) / scale
        # A NaN in either tensor makes d NaN, which must fail: `d > worst`
        # alone would pass it. Tensors are ranked by their share of their
        # bound, so the worst is the one nearest to failing.
        if np.isnan(d) or worst is None or d / bound(name) > worst / bound(where):
            worst, where = d, name
    extra = sorted(set(got) - set(ref))
    if extra:
        print("%s: tensors the reference lacks: %s" % (os.path.basename(path), ", ".join(extra)))
        ok = False
    if where is None:
        worst, where = 0.0, "nothing"
    good = where == "nothing" or worst <= bound(where)
    verdict = "ok" if good else "TOO FAR"
    ok &= good
    print("%s: %d tensors, largest relative difference %.3g in %s (%s)" %
          (os.path.basename(path), len(ref), worst, where, verdict))
sys.exit(0 if ok else 1)
