"""A bounded loopback load on braid-serve: CONCURRENCY clients, each on its
own keep-alive connection, POST the same predict request for DURATION
seconds, while SLOW_CLIENTS connections send a request one byte a second
and a probe GETs /healthz ten times a second on fresh connections. Prints
requests/s, the p50/p99 latency, the answers by status, the connection
errors (resets, refusals, timeouts: there should be none) and the latency
of /healthz. Standard library only.

  python3 bench/serve_load.py --port 8080 --model mlp --rows 1 --duration 10
  python3 bench/serve_load.py --port 8080 --concurrency 200
  python3 bench/serve_load.py --port 8080 --slow-clients 16
"""
import argparse
import http.client
import json
import random
import socket
import threading
import time


def percentile(values, p):
    return values[min(len(values) - 1, int(p / 100 * len(values)))] * 1e3


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--model", default="mlp")
    parser.add_argument("--input", default="x")
    parser.add_argument("--features", type=int, default=784)
    parser.add_argument("--rows", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--slow-clients", type=int, default=0)
    parser.add_argument("--duration", type=float, default=10.0)
    args = parser.parse_args()
    if not 0 < args.duration <= 60:
        parser.error("--duration must be in (0, 60] seconds")
    if not 0 < args.concurrency <= 1000 or not 0 <= args.slow_clients <= 1000:
        parser.error("--concurrency and --slow-clients must be at most 1000")

    rng = random.Random(6)
    rows = [[rng.randrange(16) / 16 for _ in range(args.features)]
            for _ in range(args.rows)]
    body = json.dumps({"inputs": {args.input: rows}}).encode()
    path = "/v1/models/%s:predict" % args.model
    headers = {"Content-Type": "application/json"}
    latencies, health = [], []
    statuses, errors = {}, {}
    lock = threading.Lock()
    started, done = threading.Event(), threading.Event()
    stop_at = [0.0]

    def connection():
        return http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)

    def client():
        mine, seen, failed = [], {}, {}
        started.wait()
        conn = connection()
        while time.perf_counter() < stop_at[0]:
            start = time.perf_counter()
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as e:
                name = type(e).__name__
                failed[name] = failed.get(name, 0) + 1
                conn.close()
                conn = connection()
                continue
            seen[response.status] = seen.get(response.status, 0) + 1
            if response.status == 200:
                mine.append(time.perf_counter() - start)
            elif response.status == 503:
                time.sleep(float(response.getheader("Retry-After", "1")))
        conn.close()
        with lock:
            latencies.extend(mine)
            for table, counts in ((statuses, seen), (errors, failed)):
                for key, n in counts.items():
                    table[key] = table.get(key, 0) + n

    def slow():
        """A request's head, one byte a second; again when cut off."""
        head = b"POST %s HTTP/1.1\r\nHost: x\r\nX-Slow: %s" % (path.encode(), b"a" * 4096)
        while not done.is_set():
            try:
                with socket.create_connection(("127.0.0.1", args.port), timeout=5) as sock:
                    for byte in head:
                        sock.sendall(bytes([byte]))
                        if done.wait(1):
                            return
            except OSError:
                done.wait(0.1)  # cut by --read-timeout: connect again

    def probe():
        started.wait()
        while time.perf_counter() < stop_at[0]:
            start = time.perf_counter()
            try:
                conn = connection()
                conn.request("GET", "/healthz")
                ok = conn.getresponse().status == 200
                conn.close()
            except (OSError, http.client.HTTPException):
                ok = False
            with lock:
                health.append(time.perf_counter() - start if ok else float("inf"))
            time.sleep(0.1)

    # The slow clients connect first and hold their connections throughout.
    slow_threads = [threading.Thread(target=slow) for _ in range(args.slow_clients)]
    for t in slow_threads:
        t.start()
    if slow_threads:
        time.sleep(2)
    threads = ([threading.Thread(target=client) for _ in range(args.concurrency)] +
               [threading.Thread(target=probe)])
    for t in threads:
        t.start()
    began = time.perf_counter()
    stop_at[0] = began + args.duration
    started.set()
    for t in threads:
        t.join()
    done.set()
    for t in slow_threads:
        t.join()
    elapsed = time.perf_counter() - began
    latencies.sort()
    health.sort()
    if not latencies:
        raise SystemExit("no request succeeded (statuses %s, errors %s)" % (statuses, errors))
    failed_health = sum(1 for h in health if h == float("inf"))

    print("%d requests in %.1f s: %.0f requests/s, p50 %.2f ms, p99 %.2f ms "
          "(rows %d, concurrency %d, slow clients %d)"
          % (len(latencies), elapsed, len(latencies) / elapsed, percentile(latencies, 50),
             percentile(latencies, 99), args.rows, args.concurrency, args.slow_clients))
    print("  answers: %s; connection errors (resets, refusals, timeouts): %d%s"
          % (", ".join("%d: %d" % item for item in sorted(statuses.items())),
             sum(errors.values()),
             " (%s)" % ", ".join("%s %d" % e for e in sorted(errors.items())) if errors else ""))
    print("  /healthz: %d probes, p50 %.2f ms, max %s, %d failed"
          % (len(health), percentile(health, 50),
             "%.2f ms" % (health[-1] * 1e3) if not failed_health else "-", failed_health))


if __name__ == "__main__":
    main()
