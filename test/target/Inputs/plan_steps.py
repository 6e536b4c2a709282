"""Prints the entry points of a plan decoded by flatc --json as dataflow, one
line per step, for FileCheck: which kind reads which tensors and writes
which, by name, in order.

  plan_steps.py PLAN.json

  entry predict: x -> logits
    Matmul x, w1 -> predict/matmul.0
    ...
  steps predict: Matmul Add Relu Matmul Add
"""
import json
import sys

plan = json.load(open(sys.argv[1]))
tensors = plan["tensors"]


def names(ids):
    return ", ".join(tensors[i]["name"] for i in ids)


for entry in plan["entry_points"]:
    print("entry %s: %s -> %s" % (entry["name"], names(entry["inputs"]), names(entry["outputs"])))
    for step in entry["steps"]:
        print("  %s %s -> %s" % (step["kind"], names(step["inputs"]), names(step["outputs"])))
    print("steps %s: %s" % (entry["name"], " ".join(s["kind"] for s in entry["steps"])))
