#!/usr/bin/env python3
"""WebSocket ingest test client (standard library only).

Opens ws://HOST:PORT/PATH, sends messages, and checks one acknowledgement
per message. Modes:
  stream N BATCH   N records as N/BATCH text messages of BATCH records each,
                   pipelined (up to WINDOW messages unacknowledged); prints
                   a JSON summary {"acked": records with an offset, "messages",
                   "bad": answers whose status was not 200, "seq_ok"}
  send TEXT...     each TEXT one text message; prints each answer
  binary           one binary message; prints the close code received
  big BYTES        one text message of BYTES bytes; prints the close code
  hold [SECONDS]   an idle session; prints the close code the server sends
The client side of the framing is written here because the standard library
has no WebSocket client; it is test code, not Tributary's.
"""
import base64, json, os, socket, struct, sys


def connect(host, port, path, headers):
    s = socket.create_connection((host, port), timeout=60)
    key = base64.b64encode(os.urandom(16)).decode()
    req = (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n")
    for h in headers:
        req += h + "\r\n"
    s.sendall((req + "\r\n").encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(4096)
        if not chunk:
            raise SystemExit("handshake: connection closed")
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    status = head.split(b"\r\n")[0].decode()
    if " 101 " not in status + " ":
        print(json.dumps({"handshake": status}))
        sys.exit(0)
    return s, rest


def send_frame(s, opcode, payload):
    mask = os.urandom(4)
    n = len(payload)
    hdr = bytes([0x80 | opcode])
    if n < 126:
        hdr += bytes([0x80 | n])
    elif n < 65536:
        hdr += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        hdr += bytes([0x80 | 127]) + struct.pack("!Q", n)
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload)) if n < 1 << 20 else \
        (int.from_bytes(payload, "big") ^ int.from_bytes((mask * (n // 4 + 1))[:n], "big")).to_bytes(n, "big")
    s.sendall(hdr + mask + body)


class Reader:
    def __init__(self, s, rest):
        self.s, self.buf = s, rest

    def need(self, n):
        while len(self.buf) < n:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError
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


def main():
    host, port, path, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    args = sys.argv[5:]
    headers = [a[2:] for a in args if a.startswith("H:")]
    args = [a for a in args if not a.startswith("H:")]
    s, rest = connect(host, port, path, headers)
    r = Reader(s, rest)
    if mode == "send":
        for t in args:
            send_frame(s, 1, t.encode())
            op, data = r.frame()
            print(data.decode())
    elif mode == "hold":
        # an idle session: print the close code the server sends
        s.settimeout(float(args[0]) if args else 60)
        try:
            op, data = r.frame()
            print(json.dumps({"opcode": op, "close_code": struct.unpack("!H", data[:2])[0] if op == 8 else None}))
        except (EOFError, OSError):
            print(json.dumps({"opcode": None, "close_code": None}))
    elif mode in ("binary", "big"):
        payload = b"\x00\x01" if mode == "binary" else b"[" + b" " * (int(args[0]) - 2) + b"]"
        try:
            send_frame(s, 2 if mode == "binary" else 1, payload)
        except OSError:
            pass
        try:
            op, data = r.frame()
            print(json.dumps({"opcode": op, "close_code": struct.unpack("!H", data[:2])[0] if op == 8 else None}))
        except (EOFError, OSError):
            print(json.dumps({"opcode": None, "close_code": None}))
    elif mode == "stream":
        total, batch = int(args[0]), int(args[1])
        window = 16
        msgs = (total + batch - 1) // batch
        sent = acked = bad = 0
        seqs = []
        while len(seqs) < msgs:
            while sent < msgs and sent - len(seqs) < window:
                lo = sent * batch
                recs = [{"n": i, "payload": "x" * 20} for i in range(lo, min(lo + batch, total))]
                send_frame(s, 1, json.dumps(recs).encode())
                sent += 1
            op, data = r.frame()
            if op != 1:
                break
            ans = json.loads(data)
            seqs.append(ans.get("seq"))
            if ans.get("status") != 200:
                bad += 1
            acked += sum(1 for x in ans.get("results", []) if "offset" in x)
        print(json.dumps({"acked": acked, "messages": len(seqs), "bad": bad,
                          "seq_ok": seqs == list(range(msgs))}))
    try:
        send_frame(s, 8, struct.pack("!H", 1000))
    except OSError:
        pass   # the server closed first (1003, 1009)
    s.close()


if __name__ == "__main__":
    main()
