"""Drives braid-serve for test/examples/serve.test: starts it on a free
loopback port, checks predictions against braid-run predict, sends malformed
requests, checks it still answers, and stops it. The server is killed in a
finally block, so no process outlives a failed check."""
import argparse
import concurrent.futures
import contextlib
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time

import numpy

TOLERANCE = 1e-5


def fail(message):
    raise AssertionError(message)


class Client:
    def __init__(self, port):
        self.port = port

    def request(self, method, path, body=None, headers=None):
        """Returns (status, parsed JSON body)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            if isinstance(body, str):
                body = body.encode()
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        try:
            parsed = json.loads(data)
        except ValueError:
            fail("%s %s: status %d with a body that is not JSON: %r"
                 % (method, path, response.status, data[:200]))
        return response.status, parsed

    def predict(self, model, rows):
        body = json.dumps({"inputs": {"x": rows}})
        return self.request("POST", "/v1/models/%s:predict" % model, body,
                            {"Content-Type": "application/json"})


def wait_listening(server, log_path, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if server.poll() is not None:
            fail("braid-serve exited with %d before listening" % server.returncode)
        with open(log_path) as f:
            match = re.search(r"listening on http://127\.0\.0\.1:(\d+)", f.read())
        if match:
            return int(match.group(1))
        time.sleep(0.1)
    fail("braid-serve did not listen within %d s" % timeout)


@contextlib.contextmanager
def serving(server, arguments, log_path):
    """braid-serve started with `arguments`, its output to log_path: yields
    (process, port) once it listens. When the block fails its output goes to
    standard error; it is killed if still running, so no process outlives a
    failed check."""
    log = open(log_path, "w")
    process = subprocess.Popen([server] + arguments, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield process, wait_listening(process, log_path, 300)
    except BaseException:
        with open(log_path) as f:
            sys.stderr.write("braid-serve's output:\n" + f.read())
        raise
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        log.close()


def stop(process):
    """Stops braid-serve as SIGTERM does and prints its exit status."""
    process.send_signal(signal.SIGTERM)
    print("braid-serve exited with %d" % process.wait(timeout=300))


def reference(args, x, name):
    """braid-run predict's logits for the rows of x."""
    numpy.save(os.path.join(args.work, name + ".x.npy"), x)
    run = subprocess.run([args.braid_run, "predict", args.plan, "--checkpoint",
                          args.checkpoint, "--input",
                          "x=" + os.path.join(args.work, name + ".x.npy"), "--output",
                          os.path.join(args.work, name + ".y.npy")],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if run.returncode != 0:
        fail("braid-run predict failed with %d:\n%s" % (run.returncode, run.stdout))
    return numpy.load(os.path.join(args.work, name + ".y.npy"))


def check_predict(client, x, expected, what):
    status, body = client.predict("mlp", x.tolist())
    if status != 200:
        fail("%s: status %d: %s" % (what, status, body))
    got = numpy.array(body["outputs"]["logits"], dtype=numpy.float32)
    if got.shape != expected.shape:
        fail("%s: logits of shape %s, expected %s" % (what, got.shape, expected.shape))
    diff = float(numpy.max(numpy.abs(got - expected)))
    if not diff <= TOLERANCE:  # a NaN logit must fail too
        fail("%s: max |server - braid-run| = %g over the tolerance %g"
             % (what, diff, TOLERANCE))
    return diff


def expect_error(client, status, method, path, body=None, what=""):
    got, parsed = client.request(method, path, body)
    message = parsed.get("error", "") if isinstance(parsed, dict) else ""
    if got != status or not message:
        fail("%s: expected %d with an error message, got %d: %s"
             % (what, status, got, parsed))
    print("%s: %d %s" % (what, got, message))


def run(args, client):
    status, health = client.request("GET", "/healthz")
    print("healthz: %d %s" % (status, health["status"]))

    status, meta = client.request("GET", "/v1/models/mlp")
    predict = meta["entry_points"]["predict"]
    print("model %s batch %d: predict %s -> %s" % (
        meta["name"], meta["batch"],
        ", ".join("%s %s%s" % (t["name"], t["type"], t["shape"]) for t in predict["inputs"]),
        ", ".join("%s %s%s" % (t["name"], t["type"], t["shape"]) for t in predict["outputs"])))

    # Values k/16 are exact in float32 and short in JSON.
    rng = numpy.random.default_rng(6)
    x5 = (rng.integers(0, 16, (5, 784)) / 16).astype(numpy.float32)
    x64 = (rng.integers(0, 16, (64, 784)) / 16).astype(numpy.float32)
    y5 = reference(args, x5, "five")
    y64 = reference(args, x64, "full")
    print("predict 5 rows: max |server - braid-run| = %g (tolerance %g)"
          % (check_predict(client, x5, y5, "5 rows"), TOLERANCE))
    print("predict 64 rows: max |server - braid-run| = %g (tolerance %g)"
          % (check_predict(client, x64, y64, "64 rows"), TOLERANCE))

    # Malformed requests: each a 4xx with a message, none fatal.
    path = "/v1/models/mlp:predict"
    expect_error(client, 400, "POST", path, "{not json", "not JSON")
    expect_error(client, 400, "POST", path, json.dumps({"x": [[0] * 784]}),
                 "no inputs object")
    expect_error(client, 400, "POST", path, b"\xff\xfe", "not UTF-8")
    expect_error(client, 422, "POST", path,
                 json.dumps({"inputs": {"x": [[0.5] * 700]}}), "wrong shape")
    expect_error(client, 422, "POST", path,
                 json.dumps({"inputs": {"x": [[0] * 784] * 65}}), "too many rows")
    expect_error(client, 422, "POST", path,
                 json.dumps({"inputs": {"x": []}}), "no rows")
    expect_error(client, 422, "POST", path,
                 json.dumps({"inputs": {"x": [["a"] * 784]}}), "wrong type")
    expect_error(client, 422, "POST", path,
                 json.dumps({"inputs": {"x": [[1e300] * 784]}}), "out of f32 range")
    expect_error(client, 422, "POST", path,
                 json.dumps({"inputs": {"x": [[0] * 784], "y": [1]}}), "unknown input")
    expect_error(client, 422, "POST", path, json.dumps({"inputs": {}}),
                 "missing input")
    expect_error(client, 404, "POST", "/v1/models/lenet:predict",
                 json.dumps({"inputs": {"x": [[0] * 784]}}), "unknown model")
    expect_error(client, 404, "GET", "/v1/models/lenet", None, "unknown model")
    expect_error(client, 404, "GET", "/v2/nothing", None, "unknown route")
    expect_error(client, 413, "POST", path, "[" + "0," * (args.max_body // 2) + "0]",
                 "oversize body")

    # Still serving, and correct from many connections at once.
    def one(i):
        x, y = (x5, y5) if i % 2 else (x64, y64)
        return check_predict(client, x, y, "concurrent request %d" % i)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        diffs = list(pool.map(one, range(32)))
    print("32 concurrent requests after the errors: max diff %g" % max(diffs))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--braid-run", required=True)
    parser.add_argument("--plan", required=True)
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--max-body", type=int, default=1 << 20)
    args = parser.parse_args()

    with serving(args.server, [args.plan, "--checkpoint", args.checkpoint, "--port", "0",
                               "--threads", "4", "--max-body-bytes", str(args.max_body)],
                 os.path.join(args.work, "serve.log")) as (server, port):
        run(args, Client(port))
        stop(server)


if __name__ == "__main__":
    main()
