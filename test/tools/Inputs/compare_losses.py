"""Compares the per-step losses of braid-run --metrics files.

  compare_losses.py A.jsonl B.jsonl FIRST LAST   steps FIRST..LAST identical
  compare_losses.py --falls A.jsonl              the loss falls over the run
"""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from metrics_jsonl import losses  # noqa: E402


if sys.argv[1] == "--falls":
    l = losses(sys.argv[2])
    steps = sorted(l)
    first = sum(l[s] for s in steps[:10]) / 10
    last = sum(l[s] for s in steps[-10:]) / 10
    print("loss falls from %.4f to %.4f" % (first, last))
    sys.exit(0 if last < 0.8 * first else 1)

a, b = losses(sys.argv[1]), losses(sys.argv[2])
first, last = int(sys.argv[3]), int(sys.argv[4])
bad = [s for s in range(first, last + 1) if s not in a or s not in b or a[s] != b[s]]
if bad:
    s = bad[0]
    print("step %d differs: %r vs %r" % (s, a.get(s), b.get(s)))
    sys.exit(1)
print("%d losses identical" % (last - first + 1))
