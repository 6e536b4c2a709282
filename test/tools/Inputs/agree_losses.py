"""Checks that braid-run --metrics files agree step by step within a relative
tolerance: the loss trajectories of 1, 2 and 4 data-parallel ranks.

  agree_losses.py TOLERANCE STEPS REFERENCE.jsonl OTHER.jsonl...
"""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from metrics_jsonl import losses  # noqa: E402


tolerance, steps = float(sys.argv[1]), int(sys.argv[2])
reference = losses(sys.argv[3])
status = 0
for path in sys.argv[4:]:
    other = losses(path)
    missing = [s for s in range(1, steps + 1) if s not in reference or s not in other]
    if missing:
        print("%s: steps missing, first %d" % (path, missing[0]))
        status = 1
        continue
    # The first step whose difference is NaN (a NaN loss on either side),
    # else the largest: NaN must fail, and max() and > both pass it.
    rels = [(abs(other[s] - reference[s]) / abs(reference[s]), s) for s in range(1, steps + 1)]
    nans = [(r, s) for r, s in rels if math.isnan(r)]
    rel, worst = nans[0] if nans else max(rels)
    print("%s: %d steps, largest relative difference %.2e at step %d (%s)" %
          (path.split("/")[-1], steps, rel, worst, "ok" if rel <= tolerance else "TOO LARGE"))
    if not rel <= tolerance:
        status = 1
sys.exit(status)
