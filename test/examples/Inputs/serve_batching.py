"""Drives braid-serve's dynamic batching for test/examples/serve.test: a plan
compiled for 1..64 rows, served with --max-batch 8 and a batch wait far
longer than the test (so that a batch runs exactly when its 8 rows are
queued, whatever the machine's speed). Rounds of concurrent clients whose
rows add up to 8 each make one batch; every client must get the answer
braid-run predict gives its own rows. Then /metrics must parse as
Prometheus' text format and show the batches. The server is started and
killed as serve_driver's is (serving)."""
import argparse
import concurrent.futures
import http.client
import os
import re
import sys

import numpy

sys.path.insert(0, os.path.dirname(__file__))
from serve_driver import Client, TOLERANCE, fail, reference, serving, stop  # noqa: E402

MAX_BATCH = 8
# Rows of each client, round by round: each round adds up to MAX_BATCH.
ROUNDS = [[1] * 8, [1] * 8, [2, 1, 3, 2]]

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"]*"'
                    r'(,[a-zA-Z_][a-zA-Z0-9_]*="[^"]*")*)?\})? (\S+)$')


def parse_prometheus(text):
    """Checks the text exposition format (0.0.4) strictly enough for a
    scraper: # HELP and # TYPE before a metric's samples, sample lines of
    name{labels} value, histogram buckets cumulative up to le="+Inf", which
    equals _count. Returns {(name, labels): value} and {name: type}."""
    types, samples = {}, {}
    if not text.endswith("\n"):
        fail("/metrics does not end with a newline")
    for line in text.splitlines():
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            parts = line.split(" ", 3)
            if len(parts) < 4:
                fail("bad comment line %r" % line)
            if parts[1] == "TYPE":
                if parts[3] not in ("counter", "gauge", "histogram", "summary", "untyped"):
                    fail("unknown type in %r" % line)
                types[parts[2]] = parts[3]
            continue
        match = SAMPLE.match(line)
        if not match:
            fail("not a sample line: %r" % line)
        name, labels, value = match.group(1), match.group(3) or "", match.group(5)
        base = re.sub(r"_(bucket|sum|count)$", "", name)
        if name not in types and base not in types:
            fail("sample %r before its # TYPE" % line)
        samples[(name, labels)] = float(value)
    for name, kind in types.items():
        if kind != "histogram":
            continue
        buckets = sorted(((float(labels[4:-1].replace("+Inf", "inf")), v)
                          for (n, labels), v in samples.items()
                          if n == name + "_bucket"))
        counts = [v for _, v in buckets]
        if not buckets or buckets[-1][0] != float("inf"):
            fail("histogram %s has no +Inf bucket" % name)
        if counts != sorted(counts):
            fail("histogram %s's buckets are not cumulative: %s" % (name, counts))
        if counts[-1] != samples.get((name + "_count", "")):
            fail("histogram %s: +Inf bucket %g != _count" % (name, counts[-1]))
    return samples, types


def metrics_text(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("GET", "/metrics")
        response = conn.getresponse()
        body = response.read().decode()
        kind = response.getheader("Content-Type")
    finally:
        conn.close()
    if response.status != 200 or not kind.startswith("text/plain; version=0.0.4"):
        fail("/metrics: status %d, Content-Type %s" % (response.status, kind))
    return body


def run(args, client):
    rng = numpy.random.default_rng(7)
    requests = [[rng.random((rows, 784), dtype=numpy.float32) for rows in r]
                for r in ROUNDS]
    everything = numpy.concatenate([x for r in requests for x in r])
    expected = reference(args, everything, "batching")
    worst, at = 0.0, 0
    for number, round_ in enumerate(requests):
        starts = []
        for x in round_:
            starts.append(at)
            at += len(x)

        def one(i):
            x = round_[i]
            status, body = client.predict("mlp", x.tolist())
            if status != 200:
                fail("round %d client %d: status %d: %s" % (number, i, status, body))
            got = numpy.array(body["outputs"]["logits"], dtype=numpy.float32)
            want = expected[starts[i]:starts[i] + len(x)]
            if got.shape != want.shape:
                fail("round %d client %d: shape %s, expected %s"
                     % (number, i, got.shape, want.shape))
            return float(numpy.max(numpy.abs(got - want)))
        with concurrent.futures.ThreadPoolExecutor(len(round_)) as pool:
            diffs = list(pool.map(one, range(len(round_))))
        if not max(diffs) <= TOLERANCE:
            fail("round %d: max |server - braid-run| = %g over %g"
                 % (number, max(diffs), TOLERANCE))
        worst = max(worst, max(diffs))
    print("%d concurrent clients in %d rounds: max |server - braid-run| = %g "
          "(tolerance %g)" % (sum(map(len, ROUNDS)), len(ROUNDS), worst, TOLERANCE))

    samples, types = parse_prometheus(metrics_text(client.port))
    print("metrics: %d samples of %d metrics parse as Prometheus text"
          % (len(samples), len(types)))
    for name in sorted(types):
        print("  %s %s" % (name, types[name]))
    print("requests 200: %d" % samples[("braid_requests_total", 'code="200"')])
    print("batches: %d, of %d rows in all; batches of at most 4 rows: %d"
          % (samples[("braid_batch_size_count", "")],
             samples[("braid_batch_size_sum", "")],
             samples[("braid_batch_size_bucket", 'le="4"')]))
    print("requests per batch: at most 4: %d, at most 8: %d"
          % (samples[("braid_batch_requests_bucket", 'le="4"')],
             samples[("braid_batch_requests_bucket", 'le="8"')]))
    print("latency observations: %d"
          % samples[("braid_request_latency_seconds_count", "")])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--braid-run", required=True)
    parser.add_argument("--plan", required=True)
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--work", required=True)
    args = parser.parse_args()

    log_path = os.path.join(args.work, "serve_batching.log")
    with serving(args.server, [args.plan, "--checkpoint", args.checkpoint, "--port", "0",
                               "--threads", "2", "--max-batch", str(MAX_BATCH),
                               "--batch-wait-us", "60000000"],
                 log_path) as (server, port):
        with open(log_path) as f:
            print(f.read().strip().splitlines()[-1])
        run(args, Client(port))
        stop(server)


if __name__ == "__main__":
    main()
