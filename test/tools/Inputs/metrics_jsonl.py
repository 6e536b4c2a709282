"""Reads braid-run --metrics files (JSON Lines) for the test scripts."""
import json


def losses(path):
    """The loss of every step record, by global step."""
    out = {}
    for line in open(path):
        record = json.loads(line)
        if "step" in record:
            out[record["step"]] = record["loss"]
    return out
