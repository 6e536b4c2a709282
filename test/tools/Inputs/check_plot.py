"""Checks a braid-run plot SVG against the metrics log it was drawn from.

The SVG must parse as XML (xml.etree) with an <svg> root, and hold one
<polyline class="curve"> per curve the log has, each with one point per
finite figure of its curve. Prints one line per curve and exits 1 on any
difference. Usage: check_plot.py PLOT.svg RUN.jsonl
"""
import json
import math
import sys
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"


def expected_counts(path):
    """Points per curve, by the rules of braid-run plot (tools/braid-run/Plot.h)."""
    records = [json.loads(line) for line in open(path) if line.strip()]
    any_step = any("step" in r for r in records)
    counts = {"loss": 0, "validation loss": 0, "learning rate": 0, "samples/s": 0}

    def finite(r, key):
        return isinstance(r.get(key), (int, float)) and math.isfinite(r[key])

    for r in records:
        if "step" in r:
            for key, curve in (("loss", "loss"), ("lr", "learning rate"),
                               ("samples_per_s", "samples/s")):
                counts[curve] += finite(r, key)
        elif "validated_at_step" in r:
            counts["validation loss"] += finite(r, "val_loss")
        elif "epoch" in r:
            counts["validation loss"] += finite(r, "test_loss") or finite(r, "val_loss")
            if not any_step:
                counts["loss"] += finite(r, "loss")
                counts["samples/s"] += finite(r, "samples_per_s")
    return {name: n for name, n in counts.items() if n}


def main():
    root = ET.parse(sys.argv[1]).getroot()
    if root.tag != SVG + "svg":
        sys.exit("root element is %s, expected svg" % root.tag)
    drawn = {}
    for line in root.iter(SVG + "polyline"):
        if line.get("class") != "curve":
            continue
        name = line.get("data-name")
        if name in drawn:
            sys.exit("curve %r drawn twice" % name)
        points = line.get("points").split()
        for p in points:
            x, y = (float(v) for v in p.split(","))
            assert math.isfinite(x) and math.isfinite(y), p
        drawn[name] = len(points)
    expected = expected_counts(sys.argv[2])
    for name in sorted(set(drawn) | set(expected)):
        print("curve %s: %d points, expected %d"
              % (name, drawn.get(name, 0), expected.get(name, 0)))
    if drawn != expected:
        sys.exit(1)
    print("plot ok")


main()
