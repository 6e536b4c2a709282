"""Checks the shape of `braid-run train --profile`'s table on standard input
(docs/observability.md), not its numbers: the header names N of M kernels,
N rows follow, each with share, total ms, calls, kernel, op and a
FILE.braid:LINE:COL location, sorted by share, largest first; then the
rest (when M > N) and the time between kernels. Prints what it found."""
import re
import sys

text = sys.stdin.read()
header = re.search(r"^profile: [0-9]+ training steps, [0-9.]+ ms \([0-9.]+ ms a step\); "
                   r"the top ([0-9]+) of ([0-9]+) kernels by share of it:\n"
                   r" +share +total ms +calls +kernel +op +location\n((?:.*\n)*)", text, re.M)
if not header:
    print("no profile header")
    sys.exit(1)
shown, total, body = int(header.group(1)), int(header.group(2)), header.group(3).splitlines()
row = re.compile(r"^ +([0-9]+\.[0-9]{2})% +[0-9]+\.[0-9]{3} +[0-9]+  [a-z_]+[][a-zA-Z0-9_^, ]* +"
                 r"braid\.[a-z_+.]+ +\S+\.braid:[0-9]+:[0-9]+$")
shares = []
for line in body[:shown]:
    m = row.match(line)
    if not m:
        print("not a row: %r" % line)
        sys.exit(1)
    shares.append(float(m.group(1)))
tail = body[shown:]
if total > shown:
    if not tail or not re.match(r"^ +[0-9.]+% +[0-9.]+ +\(the other [0-9]+ kernels\)$", tail[0]):
        print("no line for the other kernels")
        sys.exit(1)
    tail = tail[1:]
if not tail or not re.match(r"^ +[0-9.]+% +[0-9.]+ +\(between kernels: .*\)$", tail[0]):
    print("no line for the time between kernels")
    sys.exit(1)
print("profile table: %d rows of %d kernels, %s" %
      (len(shares), total, "sorted" if shares == sorted(shares, reverse=True) else "NOT sorted"))
