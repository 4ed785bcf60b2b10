#!/usr/bin/env python3
"""Load generator for bench/ingest.sh (standard library only).

  ingest_load.py http URL N BATCH CONC
      N records as JSON arrays of BATCH, CONC keep-alive connections each
      sending its next batch when the previous one is answered.
  ingest_load.py ws HOST PORT PATH N BATCH WINDOW
      N records as WebSocket text messages of BATCH records (a JSON array
      each), one connection, up to WINDOW messages unacknowledged.
  ingest_load.py rate URL RATE SECONDS BATCH
      a fixed offered rate: RATE records/s as batches of BATCH, each sent at
      its scheduled time by a pool of 32 keep-alive connections (a slow
      answer does not delay the next send: open loop).

Records (the same in every mode, deterministic by index i, ~110 bytes):
  {"n": i, "user": "user-<i%1000>", "email": "user<i>@example.com",
   "status": "new"|"paid"|"shipped", "amount": (i%100000)/100}
All bodies and frames are built before the clock starts, so the client's
JSON encoding is not measured. Only answers of status 200 whose results carry
an offset count as acknowledged. Prints one JSON object:
  http/ws: records_per_s, acked, seconds, p50_ms, p99_ms (per request or
           message: send to answer), client_cpu_s
  rate:    offered, acked, p50_ms, p99_ms (send to answer), p99_sched_ms
           (scheduled send time to answer: includes the client's own delay),
           late (requests sent more than 5 ms after their time), errors
"""
import base64, http.client, json, os, socket, struct, sys, threading, time, urllib.parse
from concurrent.futures import ThreadPoolExecutor

STATUS = ("new", "paid", "shipped")


def rec(i):
    return {"n": i, "user": "user-%d" % (i % 1000), "email": "user%d@example.com" % i,
            "status": STATUS[i % 3], "amount": (i % 100000) / 100}


def bodies(n, batch, first=0):
    return [json.dumps([rec(i) for i in range(lo, min(n, lo + batch))]).encode()
            for lo in range(first, n, batch)]


def count_acked(data):
    return sum(1 for x in json.loads(data).get("results", []) if "offset" in x)


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
        t1 = time.perf_counter()
        return r.status, (count_acked(data) if r.status == 200 else 0), t0, t1


def pct(xs, p):
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(len(xs) * p))], 2) if xs else None


def cpu():
    t = os.times()
    return t.user + t.system


def http_throughput(url, n, batch, conc):
    todo = bodies(n, batch)
    lat, acked, errors, lock = [], [0], [0], threading.Lock()
    next_b = [0]

    def worker():
        c = Conn(url)
        while True:
            with lock:
                b = next_b[0]
                next_b[0] += 1
            if b >= len(todo):
                return
            st, a, t0, t1 = c.post(todo[b])
            with lock:
                acked[0] += a
                errors[0] += st != 200
                lat.append((t1 - t0) * 1000)

    c0, t0 = cpu(), time.perf_counter()
    ts = [threading.Thread(target=worker) for _ in range(conc)]
    for t in ts: t.start()
    for t in ts: t.join()
    dt = time.perf_counter() - t0
    return {"records_per_s": round(acked[0] / dt), "acked": acked[0], "errors": errors[0], "seconds": round(dt, 3),
            "p50_ms": pct(lat, 0.5), "p99_ms": pct(lat, 0.99), "client_cpu_s": round(cpu() - c0, 2)}


def ws_frame(payload):
    """A masked client text frame (RFC 6455 5.2); XOR done on big integers."""
    mask = os.urandom(4)
    n = len(payload)
    hdr = bytes([0x81])
    if n < 126:
        hdr += bytes([0x80 | n])
    elif n < 65536:
        hdr += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        hdr += bytes([0x80 | 127]) + struct.pack("!Q", n)
    key = (mask * (n // 4 + 1))[:n]
    body = (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(n, "big")
    return hdr + mask + body


class Reader:
    def __init__(self, s, buf):
        self.s, self.buf = s, buf

    def need(self, n):
        while len(self.buf) < n:
            chunk = self.s.recv(1 << 16)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def frame(self):
        b0, b1 = self.need(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self.need(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self.need(8))[0]
        return b0 & 0x0F, self.need(n)


def ws_throughput(host, port, path, n, batch, window):
    frames = [ws_frame(b) for b in bodies(n, batch)]
    s = socket.create_connection((host, port), timeout=60)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(4096)
        if not chunk:
            raise SystemExit("ws handshake: connection closed")
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    if b" 101 " not in head.split(b"\r\n")[0] + b" ":
        raise SystemExit("ws handshake: " + head.split(b"\r\n")[0].decode())
    r = Reader(s, rest)
    sent_at, lat = [], []
    acked = errors = answered = 0
    c0, t0 = cpu(), time.perf_counter()
    while answered < len(frames):
        while len(sent_at) < len(frames) and len(sent_at) - answered < window:
            sent_at.append(time.perf_counter())
            s.sendall(frames[len(sent_at) - 1])
        op, data = r.frame()
        if op != 1:
            raise SystemExit("ws: opcode %d from the server" % op)
        lat.append((time.perf_counter() - sent_at[answered]) * 1000)
        answered += 1
        ans = json.loads(data)
        if ans.get("status") != 200:
            errors += 1
        acked += sum(1 for x in ans.get("results", []) if "offset" in x)
    dt = time.perf_counter() - t0
    s.sendall(ws_frame_close())
    s.close()
    return {"records_per_s": round(acked / dt), "acked": acked, "errors": errors, "seconds": round(dt, 3),
            "p50_ms": pct(lat, 0.5), "p99_ms": pct(lat, 0.99), "client_cpu_s": round(cpu() - c0, 2)}


def ws_frame_close():
    mask = os.urandom(4)
    code = struct.pack("!H", 1000)
    return bytes([0x88, 0x82]) + mask + bytes(c ^ mask[i] for i, c in enumerate(code))


def rate(url, rps, secs, batch):
    per_s = rps / batch
    total = int(per_s * secs)
    todo = bodies(total * batch, batch)
    local = threading.local()
    lat, sched, acked, late, errors, lock = [], [], [0], [0], [0], threading.Lock()

    def send(i, due):
        if not hasattr(local, "c"):
            local.c = Conn(url)
        st, a, t0, t1 = local.c.post(todo[i])
        with lock:
            acked[0] += a
            errors[0] += st != 200
            late[0] += t0 - due > 0.005
            lat.append((t1 - t0) * 1000)
            sched.append((t1 - due) * 1000)

    with ThreadPoolExecutor(max_workers=32) as ex:
        # open the connections before the clock starts
        def warm(_):
            if not hasattr(local, "c"):
                local.c = Conn(url)
                local.c.c.connect()
            time.sleep(0.05)   # so the 32 warm-ups land on 32 threads
        list(ex.map(warm, range(32)))
        t0 = time.perf_counter() + 0.1
        for i in range(total):
            due = t0 + i / per_s
            d = due - time.perf_counter()
            if d > 0:
                time.sleep(d)
            ex.submit(send, i, due)
    return {"offered": rps, "acked": acked[0], "errors": errors[0], "p50_ms": pct(lat, 0.5),
            "p99_ms": pct(lat, 0.99), "p99_sched_ms": pct(sched, 0.99), "late": late[0]}


if __name__ == "__main__":
    mode, a = sys.argv[1], sys.argv[2:]
    if mode == "http":
        out = http_throughput(a[0], int(a[1]), int(a[2]), int(a[3]))
    elif mode == "ws":
        out = ws_throughput(a[0], int(a[1]), a[2], int(a[3]), int(a[4]), int(a[5]))
    elif mode == "rate":
        out = rate(a[0], int(a[1]), int(a[2]), int(a[3]))
    else:
        raise SystemExit(__doc__)
    print(json.dumps(out))
