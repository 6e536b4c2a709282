"""Checks that a row_losses.braid run saw its batches in file order:

  in_order_losses.py X.npy BATCH METRICS.jsonl

Step s (1-based) of an epoch of N / BATCH batches must have the loss of
rows [b*BATCH, (b+1)*BATCH), b = (s-1) mod (N / BATCH): the mean of
log(1 + exp(x1 - x0)) over them (labels 0, logits x), within 1e-6.
"""
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from metrics_jsonl import losses  # noqa: E402

x, batch = np.load(sys.argv[1]).astype(np.float64), int(sys.argv[2])
got = losses(sys.argv[3])
per_epoch = len(x) // batch
for step in sorted(got):
    b = (step - 1) % per_epoch
    rows = x[b * batch:(b + 1) * batch]
    want = float(np.mean([math.log1p(math.exp(r[1] - r[0])) for r in rows]))
    if abs(got[step] - want) > 1e-6:
        print("step %d: loss %.6f, in file order %.6f" % (step, got[step], want))
        sys.exit(1)
print("%d steps in file order" % len(got))
