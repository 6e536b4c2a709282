"""Hostile but legitimate clients against braid-serve, for
test/examples/serve.test: bodies over the limit by chunking, compression or
nesting; slow and idle clients; more connections than the limit; 200
clients at once; numbers out of range and outputs that overflow; wrong
methods. Every case runs, each prints one line "CASE: outcome", and the
script fails at the end if any case did not get the answer it must.

Every loop is bounded and every socket has a timeout; the servers are
killed in finally blocks, so no process outlives a failed check."""
import argparse
import gzip
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

PREDICT = "/v1/models/mlp:predict"
failures = []


def check(case, ok, outcome):
    print("%s: %s%s" % (case, outcome, "" if ok else "  <-- FAILED"))
    sys.stdout.flush()
    if not ok:
        failures.append(case)


class Server:
    """braid-serve on a free loopback port; kill() in a finally block."""

    def __init__(self, args, name, extra, checkpoint=True):
        self.log_path = os.path.join(args.work, "hostile.%s.log" % name)
        self.log = open(self.log_path, "w")
        command = [args.server, args.plan, "--port", "0"] + extra
        if checkpoint:
            command += ["--checkpoint", args.checkpoint]
        self.process = subprocess.Popen(command, stdout=self.log,
                                        stderr=subprocess.STDOUT)
        deadline = time.time() + 300
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise AssertionError("braid-serve exited with %d before listening:\n%s"
                                     % (self.process.returncode, self.output()))
            match = re.search(r"listening on http://127\.0\.0\.1:(\d+)", self.output())
            if match:
                self.port = int(match.group(1))
                return
            time.sleep(0.1)
        raise AssertionError("braid-serve did not listen within 300 s")

    def output(self):
        with open(self.log_path) as f:
            return f.read()

    def peak_rss(self):
        """The server's peak resident memory so far, in bytes."""
        with open("/proc/%d/status" % self.process.pid) as f:
            return int(re.search(r"VmHWM:\s*(\d+) kB", f.read()).group(1)) * 1024

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                pass

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.log.close()


def connect(port, timeout=30):
    return socket.create_connection(("127.0.0.1", port), timeout=timeout)


def read_response(sock):
    """(status, {lowercase header: value}, body) of one response on sock;
    raises OSError when the connection ends or resets first."""
    data = b""
    while b"\r\n\r\n" not in data:
        piece = sock.recv(65536)
        if not piece:
            raise ConnectionError("connection closed before a response (got %r)" % data[:80])
        data += piece
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        piece = sock.recv(65536)
        if not piece:
            raise ConnectionError("connection closed inside a response body")
        body += piece
    return status, headers, body[:length]


def message(body):
    try:
        return json.loads(body).get("error", "")
    except (ValueError, AttributeError):
        return ""


def request(port, method, path, body=b"", headers=(), timeout=30):
    """One request on its own connection: (status, headers, body)."""
    with connect(port, timeout) as sock:
        head = "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" % (method, path)
        for h in headers:
            head += h + "\r\n"
        if body or method == "POST":
            head += "Content-Length: %d\r\n" % len(body)
        sock.sendall(head.encode() + b"\r\n" + body)
        return read_response(sock)


def send_then_read(port, head, chunks, timeout=30):
    """Sends head, then the byte strings of `chunks` on a thread of its own
    (the server may answer, and stop reading, before they are all sent),
    and returns the response read meanwhile."""
    sock = connect(port, timeout)

    def sender():
        try:
            sock.sendall(head)
            for chunk in chunks:
                sock.sendall(chunk)
        except OSError:
            pass  # the server answered and closed: the response says why
    thread = threading.Thread(target=sender, daemon=True)
    thread.start()
    try:
        return read_response(sock)
    finally:
        sock.close()
        thread.join(timeout)


def body_limits(args):
    limit = args.max_body
    server = Server(args, "limits", ["--threads", "2", "--max-body-bytes", str(limit)])
    try:
        # Deep nesting under the limit (first, while the peak memory is the
        # model's): its parse must not cost many times
        # the body, and the answer must say what is wrong.
        depth = limit // 2 - 64
        nested = ('{"inputs": {"x": ' + "[" * depth + "]" * depth + "}}").encode()
        before = server.peak_rss()
        status, _, body = request(server.port, "POST", PREDICT, nested)
        grown = server.peak_rss() - before
        check("%d-deep nesting in %d bytes" % (depth, len(nested)),
              status == 400 and "deep" in message(body) and grown < 8 * limit,
              "%d %s (peak RSS grew %.1f MiB, limit 8x the body limit)"
              % (status, message(body), grown / 2**20))

        # A chunked body four times the limit: 64 KiB chunks of a JSON array.
        chunk = b"0," * 32768
        chunks = [b"%x\r\n%s\r\n" % (len(chunk), chunk)] * (4 * limit // len(chunk))
        chunks.append(b"1\r\n0\r\n0\r\n\r\n")
        head = ("POST %s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                "Content-Type: application/json\r\n\r\n" % PREDICT).encode()
        prefix = b'{"inputs": {"x": ['
        chunks.insert(0, b"%x\r\n%s\r\n" % (len(prefix), prefix))
        try:
            status, _, body = send_then_read(server.port, head, chunks)
            outcome = "%d %s" % (status, message(body))
        except OSError as e:
            status, outcome = 0, "no answer: %s" % e
        check("chunked body of 4x the limit", status == 413, outcome)

        # A gzip body under the limit that inflates to 100x it.
        bomb = gzip.compress(b" " * (100 * limit), 9)
        try:
            status, _, body = request(server.port, "POST", PREDICT, bomb,
                                      ["Content-Encoding: gzip"])
            outcome = "%d %s (%d bytes compressed)" % (status, message(body), len(bomb))
        except OSError as e:
            status, outcome = 0, "no answer: %s" % e
        check("gzip body inflating to 100x the limit", status == 415, outcome)

        # A server still serving after all that.
        status, _, body = request(server.port, "GET", "/healthz")
        check("healthz after the limits", status == 200, "%d" % status)
    finally:
        server.kill()


def numbers(args):
    server = Server(args, "numbers", ["--threads", "2"])
    try:
        for text, what in [("1e999", "1e999"), ("-1e999", "-1e999"),
                           ("1" + "0" * 400, "a 401-digit integer")]:
            body = ('{"inputs": {"x": [[%s' % text + ", 0" * 783 + "]]}}").encode()
            status, _, reply = request(server.port, "POST", PREDICT, body)
            check("input %s" % what, 400 <= status < 500 and message(reply) != "",
                  "%d %s" % (status, message(reply)))
        # Finite float32 inputs whose logits overflow.
        body = json.dumps({"inputs": {"x": [[3e38] * 784]}}).encode()
        status, _, reply = request(server.port, "POST", PREDICT, body)
        check("outputs that overflow", status == 422 and "logits" in message(reply),
              "%d %s" % (status, message(reply) or reply[:80].decode("latin-1")))
        # Malformed HTTP framing: each a 4xx with a message.
        for what, head in [
                ("Content-Length not a number",
                 "POST %s HTTP/1.1\r\nContent-Length: abc\r\n\r\n" % PREDICT),
                ("Content-Length and chunked",
                 "POST %s HTTP/1.1\r\nContent-Length: 4\r\n"
                 "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" % PREDICT),
                ("bad chunk size",
                 "POST %s HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n" % PREDICT),
                ("header line without a colon",
                 "GET /healthz HTTP/1.1\r\nnonsense\r\n\r\n"),
                ("request line not HTTP", "GET /healthz\r\n\r\n")]:
            with connect(server.port) as sock:
                sock.sendall(head.encode())
                try:
                    status, _, reply = read_response(sock)
                    outcome = "%d %s" % (status, message(reply))
                except OSError as e:
                    status, outcome = 0, "no answer: %s" % e
            check(what, 400 <= status < 500 and message(reply) != "", outcome)
    finally:
        server.kill()


def methods(args):
    """Run on a server without --checkpoint."""
    server = Server(args, "methods", ["--threads", "2"], checkpoint=False)
    try:
        warned = "warning: no --checkpoint" in server.output()
        check("served without --checkpoint", warned,
              "warns" if warned else "no warning in: %r" % server.output())
        for method, path, allow in [("POST", "/healthz", "GET"),
                                    ("GET", PREDICT, "POST"),
                                    ("DELETE", "/v1/models/mlp", "GET")]:
            status, headers, reply = request(server.port, method, path)
            check("%s %s" % (method, path),
                  status == 405 and headers.get("allow") == allow and message(reply),
                  "%d Allow: %s %s" % (status, headers.get("allow"), message(reply)))
        status, _, reply = request(server.port, "GET", "/v2/nothing")
        check("GET /v2/nothing", status == 404, "%d %s" % (status, message(reply)))
    finally:
        server.kill()


def slow_clients(args):
    threads = 2
    server = Server(args, "slow", ["--threads", str(threads), "--read-timeout", "3",
                                   "--idle-timeout", "2", "--max-connections", "16"])
    stop = threading.Event()
    cut = []  # seconds until the server ended each slow client's connection

    def slow(body):
        """Sends a request one byte every 0.5 s for at most 15 s."""
        started = time.time()
        sock = connect(server.port, 15)
        try:
            head = ("POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n"
                    % PREDICT).encode()
            if body:
                sock.sendall(head + b"\r\n")
                drip = b"[" * 100
            else:
                drip = b"X-Slow: " + b"a" * 100
            for i in range(30):
                if stop.is_set():
                    return
                sock.sendall(drip[i:i + 1])
                time.sleep(0.5)
        except OSError:
            pass  # cut by the server
        finally:
            sock.close()
            cut.append(time.time() - started)

    try:
        # 2x --threads slow clients, half in the headers, half in the body.
        clients = [threading.Thread(target=slow, args=(i % 2 == 1,))
                   for i in range(2 * threads)]
        for c in clients:
            c.start()
        time.sleep(1)
        started = time.time()
        try:
            status, _, _ = request(server.port, "GET", "/healthz", timeout=5)
            outcome = "%d in %.2f s" % (status, time.time() - started)
        except OSError as e:
            status, outcome = 0, "no answer within 5 s: %s" % e
        check("healthz while %d slow clients are connected (--threads %d)"
              % (2 * threads, threads), status == 200, outcome)
        body = json.dumps({"inputs": {"x": [[0.5] * 784]}}).encode()
        try:
            status, _, _ = request(server.port, "POST", PREDICT, body, timeout=5)
            outcome = "%d" % status
        except OSError as e:
            status, outcome = 0, "no answer within 5 s: %s" % e
        check("predict while the slow clients are connected", status == 200, outcome)
        for c in clients:
            c.join(15)
        check("slow clients cut by --read-timeout 3",
              len(cut) == len(clients) and max(cut) < 10,
              "connections ended after %s s (a client gives up at 15 s)"
              % ", ".join("%.1f" % t for t in sorted(cut)))

        # A connection that sends nothing is closed by the server.
        with connect(server.port, 10) as sock:
            started = time.time()
            try:
                ended = sock.recv(100) == b""
            except OSError:
                ended = True
            waited = time.time() - started
        check("silent connection closed", ended and waited < 8,
              "closed after %.1f s" % waited)

        # More connections than --max-connections: the extra one gets 503.
        held = [connect(server.port, 10) for _ in range(16)]
        try:
            time.sleep(1)  # all 16 accepted: the I/O thread accepts at once
            try:
                status, headers, reply = request(server.port, "GET", "/healthz", timeout=5)
                outcome = "%d Retry-After: %s %s" % (status, headers.get("retry-after"),
                                                      message(reply))
            except OSError as e:
                status, headers, outcome = 0, {}, "no answer: %s" % e
            check("connection over --max-connections 16",
                  status == 503 and "retry-after" in headers, outcome)
        finally:
            for sock in held:
                sock.close()
        time.sleep(0.5)
        status, _, _ = request(server.port, "GET", "/healthz", timeout=5)
        check("healthz once they are closed", status == 200, "%d" % status)
    finally:
        stop.set()
        server.kill()


def many_clients(args):
    """200 clients connect at once, each sending predicts for 6 s on one
    keep-alive connection (a new one when the server closes it): every
    request gets an HTTP answer (200, or 503 with Retry-After), none a reset
    or a refusal."""
    server = Server(args, "many", ["--threads", "2"])
    clients, seconds = 200, 6
    barrier = threading.Barrier(clients, timeout=60)
    lock = threading.Lock()
    counts = {"ok": 0, "503": 0, "other": 0, "errors": 0}
    errors = []
    body = json.dumps({"inputs": {"x": [[0.25] * 784]}}).encode()

    def client():
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        stop_at = time.time() + seconds
        while time.time() < stop_at:
            try:
                conn.request("POST", PREDICT, body=body)
                response = conn.getresponse()
                response.read()
                key = ("ok" if response.status == 200 else
                       "503" if response.status == 503 and response.getheader("Retry-After")
                       else "other")
            except (OSError, http.client.HTTPException) as e:
                key = "errors"
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
                with lock:
                    errors.append(repr(e))
            with lock:
                counts[key] += 1
        conn.close()

    try:
        threads = [threading.Thread(target=client) for _ in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        check("%d concurrent keep-alive clients" % clients,
              counts["errors"] == 0 and counts["other"] == 0 and counts["ok"] > 0,
              "%d answered 200, %d answered 503 with Retry-After, %d other, "
              "%d connection errors%s" % (counts["ok"], counts["503"], counts["other"],
                                          counts["errors"],
                                          " (%s)" % errors[0] if errors else ""))
    finally:
        server.kill()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--plan", required=True)
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--max-body", type=int, default=1 << 20)
    parser.add_argument("--only", help="run only the cases of this group")
    args = parser.parse_args()
    groups = [body_limits, numbers, methods, slow_clients, many_clients]
    for group in groups:
        if args.only and group.__name__ != args.only:
            continue
        try:
            group(args)
        except Exception as e:  # a group that cannot run is a failure too
            check(group.__name__, False, "%s: %s" % (type(e).__name__, e))
    if failures:
        raise SystemExit("%d case(s) failed: %s" % (len(failures), ", ".join(failures)))
    print("all cases answered as they must")


if __name__ == "__main__":
    main()
