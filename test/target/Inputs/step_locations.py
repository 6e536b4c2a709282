"""Reads a plan decoded by flatc (--json --strict-json) and checks each
step's model-source location and op name (docs/plan-format.md):

  step_locations.py check PLAN.json FILE_BASENAME
      every step of every entry point has location FILE:LINE:COL whose
      file ends in FILE_BASENAME, and an op name braid.*; each gradient op
      (an op whose name ends in _grad) of train_step shares the location of
      the forward op of the same name. Prints a summary, with how many
      places train_step's optimizer updates are at (each at its
      parameter's declaration).
  step_locations.py damage PLAN.json FIELD BYTES OUT.json
      sets the first step's FIELD (location or op_name) to BYTES bytes.
  step_locations.py hostile PLAN.json OUT.json
      sets every step's location to text a JSON writer must escape:
      a quote, a backslash, a newline, a tab, a control byte.
  step_locations.py traced TRACE.json
      checks that every kernel event of a trace of such a plan holds that
      location unchanged.
"""
import json
import re
import sys

mode, path = sys.argv[1], sys.argv[2]
with open(path) as f:
    plan = json.load(f)

HOSTILE = 'a"b\\c\nd\te\x01f.braid:1:2'

if mode == "hostile":
    for entry in plan["entry_points"]:
        for step in entry["steps"]:
            step["location"] = HOSTILE
    with open(sys.argv[3], "w") as f:
        json.dump(plan, f)
    sys.exit(0)

if mode == "traced":
    locations = {e["args"]["location"] for e in plan["traceEvents"]
                 if e.get("cat") == "kernel"}
    print("kernel locations as in the plan" if locations == {HOSTILE}
          else "kernel locations changed: %r" % sorted(locations))
    sys.exit(0)

if mode == "damage":
    field, size, out = sys.argv[3], int(sys.argv[4]), sys.argv[5]
    plan["entry_points"][0]["steps"][0][field] = "x" * size
    with open(out, "w") as f:
        json.dump(plan, f)
    sys.exit(0)

basename = sys.argv[3]
located = re.compile(r"^(.*):([0-9]+):([0-9]+)$")
steps = 0
for entry in plan["entry_points"]:
    forward = {}
    for step in entry["steps"]:
        steps += 1
        op, location = step.get("op_name", ""), step.get("location", "")
        m = located.match(location)
        if not m or not m.group(1).endswith(basename):
            print("entry point %s: a %s step located at %r" % (entry["name"], op, location))
            sys.exit(1)
        if not op.startswith("braid."):
            print("entry point %s: a step with op name %r" % (entry["name"], op))
            sys.exit(1)
        forward.setdefault(op, set()).add(location)
    if entry["name"] != "train_step":
        continue
    grads = [op for op in forward if op.endswith("_grad")]
    for op in grads:
        base = op[:-len("_grad")]
        if base in forward and not forward[op] <= forward[base]:
            print("%s at %r, not where %s is (%r)" %
                  (op, sorted(forward[op]), base, sorted(forward[base])))
            sys.exit(1)
    print("train_step: %d gradient ops at their forward ops' locations" %
          sum(1 for op in grads if op[:-len("_grad")] in forward))
    updates = [step.get("location") for step in entry["steps"]
               if step.get("op_name", "").endswith("_update")]
    print("train_step: %d optimizer updates at %d locations" %
          (len(updates), len(set(updates))))
print("%d steps, each with a location in %s and an op name" % (steps, basename))
