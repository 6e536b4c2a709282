"""Writes a checkpoint of positional_unigram.braid's w f32[8, 256]:

  unigram_checkpoint.py ladder OUT: row p favours byte 'A' + p (logit 10,
      the others 0), so greedy generation names the position it read;
  unigram_checkpoint.py coin OUT: every row gives 'x' and 'y' logit 0 and
      the other bytes -1e4, so sampling flips a fair coin between them.
"""
import json
import struct
import sys

import numpy as np

mode, out = sys.argv[1], sys.argv[2]
w = np.zeros((8, 256), np.float32)
if mode == "ladder":
    for p in range(8):
        w[p, ord("A") + p] = 10
else:
    w[:] = -1e4
    w[:, ord("x")] = w[:, ord("y")] = 0
blob = w.tobytes()
header = json.dumps({"w": {"dtype": "F32", "shape": [8, 256], "data_offsets": [0, len(blob)]}}).encode()
header += b" " * (-len(header) % 8)
with open(out, "wb") as f:
    f.write(struct.pack("<Q", len(header)) + header + blob)
