"""A bounded loopback load on braid-serve: CONCURRENCY clients, each on its
own keep-alive connection, POST the same predict request for DURATION
seconds; prints requests/s and the p50/p99 latency. Standard library only.

  python3 bench/serve_load.py --port 8080 --model mlp --rows 1 --duration 10
"""
import argparse
import http.client
import json
import random
import threading
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--model", default="mlp")
    parser.add_argument("--input", default="x")
    parser.add_argument("--features", type=int, default=784)
    parser.add_argument("--rows", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--duration", type=float, default=10.0)
    args = parser.parse_args()
    if not 0 < args.duration <= 60:
        parser.error("--duration must be in (0, 60] seconds")

    rng = random.Random(6)
    rows = [[rng.randrange(16) / 16 for _ in range(args.features)]
            for _ in range(args.rows)]
    body = json.dumps({"inputs": {args.input: rows}}).encode()
    path = "/v1/models/%s:predict" % args.model
    headers = {"Content-Type": "application/json"}
    latencies, errors = [], [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + args.duration

    def client():
        mine, failed = [], 0
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
        while time.perf_counter() < stop_at:
            start = time.perf_counter()
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    failed += 1
                    continue
            except (OSError, http.client.HTTPException):
                failed += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
                continue
            mine.append(time.perf_counter() - start)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    threads = [threading.Thread(target=client) for _ in range(args.concurrency)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    latencies.sort()
    if not latencies:
        raise SystemExit("no request succeeded (%d errors)" % errors[0])

    def pct(p):
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1e3

    print("%d requests in %.1f s (%d errors): %.0f requests/s, p50 %.2f ms, "
          "p99 %.2f ms (rows %d, concurrency %d)"
          % (len(latencies), elapsed, errors[0], len(latencies) / elapsed,
             pct(50), pct(99), args.rows, args.concurrency))


if __name__ == "__main__":
    main()
