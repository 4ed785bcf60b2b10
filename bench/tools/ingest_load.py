#!/usr/bin/env python3
"""Load generator for bench/ingest.sh (standard library only).

  ingest_load.py URL throughput N BATCH CONC
      N records as JSON arrays of BATCH, CONC keep-alive connections each
      sending its next batch when the previous one is acknowledged.
      Prints {"records_per_s", "acked", "p50_ms", "p99_ms"} (per request).
  ingest_load.py URL rate RATE SECONDS BATCH
      a fixed offered rate: RATE records/s as batches of BATCH, sent on
      schedule by a pool of connections (a late answer does not delay the
      next send). Prints {"offered", "acked", "p50_ms", "p99_ms", "late"}.
Records: {"n": i, "payload": 20 bytes}. Latency = send to 200 answer.
"""
import http.client, json, sys, threading, time, urllib.parse
from concurrent.futures import ThreadPoolExecutor


def batch_body(lo, hi):
    return json.dumps([{"n": i, "payload": "x" * 20} for i in range(lo, hi)]).encode()


class Conn:
    def __init__(self, url):
        u = urllib.parse.urlsplit(url)
        self.path = u.path
        self.c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)

    def post(self, body):
        t0 = time.perf_counter()
        self.c.request("POST", self.path, body, {"Content-Type": "application/json"})
        r = self.c.getresponse()
        data = r.read()
        ms = (time.perf_counter() - t0) * 1000
        acked = sum(1 for x in json.loads(data).get("results", []) if "offset" in x) if r.status == 200 else 0
        return r.status, acked, ms


def pct(xs, p):
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(len(xs) * p))], 2) if xs else None


def throughput(url, n, batch, conc):
    lat, acked, lock = [], [0], threading.Lock()
    nb = (n + batch - 1) // batch
    next_b = [0]

    def worker():
        c = Conn(url)
        while True:
            with lock:
                b = next_b[0]
                next_b[0] += 1
            if b >= nb:
                return
            st, a, ms = c.post(batch_body(b * batch, min(n, (b + 1) * batch)))
            with lock:
                acked[0] += a
                lat.append(ms)

    t0 = time.perf_counter()
    ts = [threading.Thread(target=worker) for _ in range(conc)]
    for t in ts: t.start()
    for t in ts: t.join()
    dt = time.perf_counter() - t0
    print(json.dumps({"records_per_s": round(acked[0] / dt), "acked": acked[0], "p50_ms": pct(lat, 0.5),
                      "p99_ms": pct(lat, 0.99)}))


def rate(url, rps, secs, batch):
    per_s = rps / batch
    total = int(per_s * secs)
    local = threading.local()
    lat, acked, late, lock = [], [0], [0], threading.Lock()

    def send(i, due):
        if not hasattr(local, "c"):
            local.c = Conn(url)
        if time.perf_counter() - due > 0.005:
            with lock: late[0] += 1
        st, a, ms = local.c.post(batch_body(i * batch, (i + 1) * batch))
        with lock:
            acked[0] += a
            lat.append(ms)

    with ThreadPoolExecutor(max_workers=32) as ex:
        t0 = time.perf_counter()
        for i in range(total):
            due = t0 + i / per_s
            d = due - time.perf_counter()
            if d > 0: time.sleep(d)
            ex.submit(send, i, due)
    print(json.dumps({"offered": rps, "acked": acked[0], "p50_ms": pct(lat, 0.5), "p99_ms": pct(lat, 0.99),
                      "late": late[0]}))


if __name__ == "__main__":
    url, mode = sys.argv[1], sys.argv[2]
    a = [int(x) for x in sys.argv[3:]]
    throughput(url, *a) if mode == "throughput" else rate(url, *a)
