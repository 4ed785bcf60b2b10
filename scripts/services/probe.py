#!/usr/bin/env python3
"""Readiness probes and helpers for scripts/testenv (Python 3 stdlib only).

  probe.py ports N                 print N distinct free TCP ports on 127.0.0.1
  probe.py kafka HOST PORT         Kafka Metadata v1 request: ready when the
                                   broker lists itself (registered, unfenced)
  probe.py mongo HOST PORT         MongoDB OP_MSG {hello: 1}: ready when ok == 1
  probe.py cluster-id              a random Kafka cluster id (22 chars base64url)

Exit status 0 means ready/success; anything else means not (yet) ready, with a
one-line reason on stderr. Each probe uses a short socket timeout, so the
caller's retry loop stays bounded.
"""
import base64
import random
import socket
import struct
import sys
import uuid

TIMEOUT = 3.0


def free_ports(n):
    # Stay below Linux's default ephemeral range (32768-60999) so an outgoing
    # connection cannot grab a port between our pick and the service's bind.
    socks, ports = [], []
    candidates = random.sample(range(20000, 32000), 400)
    try:
        for p in candidates:
            if len(ports) == n:
                break
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                s.bind(("127.0.0.1", p))
            except OSError:
                s.close()
                continue
            socks.append(s)
            ports.append(p)
    finally:
        for s in socks:
            s.close()
    if len(ports) != n:
        sys.exit("could not find %d free ports" % n)
    print(" ".join(str(p) for p in ports))


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed by peer")
        buf += chunk
    return buf


def kafka(host, port):
    client_id = b"tributary-testenv"
    # Request header v1 + Metadata v1 body (topics = null: all topics).
    body = struct.pack(">hhih", 3, 1, 42, len(client_id)) + client_id + struct.pack(">i", -1)
    with socket.create_connection((host, port), timeout=TIMEOUT) as s:
        s.settimeout(TIMEOUT)
        s.sendall(struct.pack(">i", len(body)) + body)
        size = struct.unpack(">i", recv_exact(s, 4))[0]
        resp = recv_exact(s, size)
    corr, nbrokers = struct.unpack_from(">ii", resp, 0)
    if corr != 42:
        raise ValueError("bad correlation id %d" % corr)
    off = 8
    brokers = []
    for _ in range(nbrokers):
        node_id, hlen = struct.unpack_from(">ih", resp, off)
        off += 6
        bhost = resp[off:off + hlen].decode()
        off += hlen
        bport, rlen = struct.unpack_from(">ih", resp, off)
        off += 6 + max(rlen, 0)
        brokers.append((node_id, bhost, bport))
    controller = struct.unpack_from(">i", resp, off)[0]
    if not any(b[2] == port for b in brokers):
        raise ValueError("broker not registered yet (brokers=%r)" % brokers)
    if controller < 0:
        raise ValueError("no controller yet")
    print("brokers=%r controller=%d" % (brokers, controller))


def bson_doc(items):
    out = b""
    for k, v in items:
        key = k.encode() + b"\0"
        if isinstance(v, int):
            out += b"\x10" + key + struct.pack("<i", v)
        else:
            sv = v.encode() + b"\0"
            out += b"\x02" + key + struct.pack("<i", len(sv)) + sv
    return struct.pack("<i", len(out) + 5) + out + b"\0"


def mongo(host, port):
    # OP_MSG (2013), flagBits 0, one kind-0 section.
    body = struct.pack("<I", 0) + b"\0" + bson_doc([("hello", 1), ("$db", "admin")])
    msg = struct.pack("<iiii", 16 + len(body), 7, 0, 2013) + body
    with socket.create_connection((host, port), timeout=TIMEOUT) as s:
        s.settimeout(TIMEOUT)
        s.sendall(msg)
        length = struct.unpack("<i", recv_exact(s, 4))[0]
        rest = recv_exact(s, length - 4)
    _req, resp_to, opcode = struct.unpack_from("<iii", rest, 0)
    if opcode != 2013 or resp_to != 7:
        raise ValueError("unexpected reply opcode=%d responseTo=%d" % (opcode, resp_to))
    doc = rest[12 + 4 + 1:]
    # Find the top-level "ok" double without a full BSON parser.
    i = doc.find(b"\x01ok\x00")
    if i < 0:
        raise ValueError("no ok field in hello reply")
    okv = struct.unpack_from("<d", doc, i + 4)[0]
    if okv != 1.0:
        raise ValueError("hello returned ok=%r" % okv)
    print("hello ok")


def cluster_id():
    while True:
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cid.startswith("-"):
            print(cid)
            return


def main(argv):
    try:
        if argv[1] == "ports":
            free_ports(int(argv[2]))
        elif argv[1] == "kafka":
            kafka(argv[2], int(argv[3]))
        elif argv[1] == "mongo":
            mongo(argv[2], int(argv[3]))
        elif argv[1] == "cluster-id":
            cluster_id()
        else:
            sys.exit("unknown probe %r" % argv[1])
    except (OSError, ValueError, struct.error, ConnectionError) as e:
        sys.exit("%s: %s" % (argv[1], e))


if __name__ == "__main__":
    main(sys.argv)
