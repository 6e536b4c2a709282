"""Checks the structure of a Chrome trace written by `braid-run train
--trace` (docs/observability.md), not its times:

  check_trace.py TRACE.json RANKS MAX_STEP

- the file is JSON with a traceEvents list and displayTimeUnit;
- every event has name and ph; every complete ("X") event has cat, ts,
  dur >= 0, pid and tid, and the pids are exactly the ranks 0..RANKS-1,
  each named "rank N (host)" by a process_name metadata event;
- every kernel event carries a location FILE.braid:LINE:COL, an op name
  (braid.*), a kind and a step no later than MAX_STEP (the --trace-steps
  bound);
- every collective step event carries an integer bucket and bytes > 0;
- each rank has train_step runs, data loading and kernels inside its runs;
- timestamps never go back along a thread;
- otherData.clock_offsets_ns has one offset per rank, rank 0's 0.

Prints a summary for FileCheck; exits 1 with the first problem found.
"""
import json
import re
import sys

path, ranks, max_step = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])


def fail(message):
    print("invalid trace: " + message)
    sys.exit(1)


with open(path) as f:
    trace = json.load(f)
if not isinstance(trace.get("traceEvents"), list) or "displayTimeUnit" not in trace:
    fail("no traceEvents list or displayTimeUnit")
events = trace["traceEvents"]
location = re.compile(r"^.+\.braid:[0-9]+:[0-9]+$")
names = {}
complete = []
for e in events:
    if "name" not in e or "ph" not in e:
        fail("an event without name or ph: %r" % e)
    if e["ph"] == "M":
        if e["name"] == "process_name":
            names[e["pid"]] = e["args"]["name"]
        continue
    if e["ph"] != "X":
        fail("an event of phase %r" % e["ph"])
    for key in ("cat", "ts", "dur", "pid", "tid", "args"):
        if key not in e:
            fail("a complete event without %s: %r" % (key, e))
    if e["dur"] < 0:
        fail("a negative duration: %r" % e)
    complete.append(e)

offsets = trace.get("otherData", {}).get("clock_offsets_ns")
if not isinstance(offsets, list) or len(offsets) != ranks or offsets[0] != 0:
    fail("otherData.clock_offsets_ns is %r, expected one per rank, rank 0's 0" % offsets)
pids = sorted({e["pid"] for e in complete})
if pids != list(range(ranks)):
    fail("events of pids %r, expected ranks 0..%d" % (pids, ranks - 1))
for pid in pids:
    if not re.match(r"^rank %d \(.+\)$" % pid, names.get(pid, "")):
        fail("pid %d is named %r" % (pid, names.get(pid)))

kernels = collectives = 0
for e in complete:
    args = e["args"]
    if e["cat"] in ("kernel", "collective") and "kind" in args:
        if not location.match(args.get("location", "")):
            fail("a kernel event without a model-source location: %r" % e)
        if not args.get("op", "").startswith("braid."):
            fail("a kernel event without an op name: %r" % e)
        if not 1 <= args["step"] <= max_step:
            fail("a kernel event of step %d, outside 1..%d" % (args["step"], max_step))
        kernels += 1
    if e["cat"] == "collective" and "kind" in args:
        if not isinstance(args.get("bucket"), int) or args.get("bytes", 0) <= 0:
            fail("a collective event without bucket and bytes: %r" % e)
        collectives += 1

for pid in pids:
    mine = [e for e in complete if e["pid"] == pid]
    runs = [e for e in mine if e["cat"] == "step" and e["name"] == "train_step"]
    if not runs or not any(e["cat"] == "data" for e in mine):
        fail("rank %d has no train_step runs or no data loading" % pid)
    run = runs[-1]
    inside = [e for e in mine if e["cat"] == "kernel" and
              run["ts"] <= e["ts"] and e["ts"] + e["dur"] <= run["ts"] + run["dur"] + 0.002]
    if not inside:
        fail("rank %d's last train_step holds no kernel" % pid)
    for tid in {e["tid"] for e in mine}:
        times = [e["ts"] for e in mine if e["tid"] == tid]
        if any(b < a for a, b in zip(times, times[1:])):
            fail("rank %d thread %d goes back in time" % (pid, tid))

print("valid trace: %d ranks, every kernel event located, every collective "
      "with bucket and bytes, times monotone per thread" % ranks)
print("kernel events: %s, collective events: %s" %
      ("yes" if kernels else "none", "yes" if collectives else "none"))
print("dropped events: %s" % ("some" if trace.get("otherData", {}).get("dropped_events", 0) else "none"))
