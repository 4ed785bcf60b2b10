#!/usr/bin/env python3
# rest_fuzz.py: a bounded REST fuzzer for tests/e2e/rest_fuzz.t.
#
# Sends random and mutated requests to one worker over raw sockets (so
# malformed methods, targets, headers and bodies reach the server as
# written): paths from a grammar of the real routes with hostile segments,
# every method, credentials of the admin, two tenants and garbage, query
# strings, and bodies from valid connector configs mutated into hostile JSON.
# Every request must get a well-formed HTTP answer with a status in
# 100..599 that is not 500 (a 500 is a handler fault). Prints one summary
# line: "requests=N statuses={...} failures=M" and the first failures.
#
# usage: rest_fuzz.py <port> <seconds> <seed> <admin-token> <alpha-key> <beta-key>
import json
import random
import socket
import sys
import time

port, secs, seed = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
admin, akey, bkey = sys.argv[4], sys.argv[5], sys.argv[6]
rng = random.Random(seed)

HOSTILE_SEGMENTS = ["..", ".", "%2e%2e", "%2F", "a%2Fb", "%00", "%ff%fe", "x" * 300, "alpha%2F..%2Fbeta",
                    "beta", "alpha", "__consumer_offsets", "connect-configs", "é", "%", "%zz", "a b", "*", "{c}",
                    "orders", "-1", "99999999999999999999", "1e9", "0x10", ";", "'", "\"", "\\"]
NAMES = ["gen", "orders", "sink", "src", "x"]


def seg():
    return rng.choice(NAMES) if rng.random() < 0.6 else rng.choice(HOSTILE_SEGMENTS)


def conn_paths(prefix):
    c = seg()
    t = str(rng.choice([0, 1, -1, 7, 2 ** 31, 2 ** 63])) if rng.random() < 0.8 else seg()
    return rng.choice([
        prefix, prefix + "/" + c, prefix + "/" + c + "/config", prefix + "/" + c + "/status",
        prefix + "/" + c + "/restart", prefix + "/" + c + "/pause", prefix + "/" + c + "/resume",
        prefix + "/" + c + "/stop", prefix + "/" + c + "/tasks", prefix + "/" + c + "/tasks-config",
        prefix + "/" + c + "/tasks/" + t + "/status", prefix + "/" + c + "/tasks/" + t + "/restart",
        prefix + "/" + c + "/topics", prefix + "/" + c + "/topics/reset", prefix + "/" + c + "/offsets",
        prefix + "/" + c + "/dlq",
    ])


def plugin_paths(prefix):
    p = rng.choice(["DataGen", "FileStreamSource", "FileStreamSink", "PostgresSink", "PostgresSource",
                    "org.apache.kafka.connect.file.FileStreamSinkConnector"]) if rng.random() < 0.7 else seg()
    return rng.choice([prefix, prefix + "/" + p + "/config", prefix + "/" + p + "/config/validate"])


def path():
    tn = rng.choice(["alpha", "beta", "alpha", "nosuch"]) if rng.random() < 0.85 else seg()
    r = rng.random()
    if r < 0.35:
        p = conn_paths("/tenants/" + tn + "/connectors")
    elif r < 0.55:
        p = conn_paths("/connectors")
    elif r < 0.65:
        p = plugin_paths(rng.choice(["/connector-plugins", "/tenants/" + tn + "/connector-plugins"]))
    elif r < 0.8:
        p = rng.choice(["/tenants", "/tenants/" + tn, "/tenants/" + tn + "/quotas", "/tenants/" + tn + "/keys",
                        "/tenants/" + tn + "/keys/" + seg()])
    elif r < 0.9:
        p = rng.choice(["/", "/health", "/admin/loggers", "/admin/loggers/" + seg(), "/metrics", "//", "/./connectors",
                        "/connectors/", "/connectors//x"])
    else:
        p = "/" + "/".join(seg() for _ in range(rng.randint(0, 8)))
    if rng.random() < 0.3:
        n = rng.randint(1, 40)
        q = "&".join(rng.choice(["expand=status", "expand=info", "force=true", "force=maybe", "includeTasks=true",
                                 "onlyFailed=true", seg() + "=" + seg(), seg(), "=", "&", "%"]) for _ in range(n))
        p += "?" + q
    if rng.random() < 0.02:
        p = "http://evil" + p
    return p


def base_config(tenant):
    topic = (tenant + "." if tenant else "") + "t"
    return rng.choice([
        {"connector.class": "DataGen", "topic": topic, "rate": "1", "value.shape": "string"},
        {"connector.class": "FileStreamSink", "topics": topic, "file": "out.txt"},
        {"connector.class": "FileStreamSource", "topic": topic, "file": "in.txt"},
        {"connector.class": "PostgresSink", "topics": topic, "connection.url": "postgresql://127.0.0.1:1/x"},
        {"connector.class": "DataGen", "topic": topic, "transforms": "r",
         "transforms.r.type": "org.apache.kafka.connect.transforms.RegexRouter",
         "transforms.r.regex": "(.*)", "transforms.r.replacement": "$1-x"},
    ])


HOSTILE_VALUES = ["", " ", "-1", "0", "2147483648", "9223372036854775807", "-9223372036854775808",
                  "1e308", "NaN", "${file:/etc/passwd:x}", "../../etc/passwd", "/etc/passwd", "\u0000", "é" * 50,
                  "x" * 5000, "true", "[", "(.*", "\\Q", "beta.t", "__consumer_offsets", "connect-configs",
                  "postgresql://h/db?passfile=/etc/passwd", "host=h\tpassfile=/x", "alpha\\.\\Q|beta\\..*"]
HOSTILE_KEYS = ["tasks.max", "topics.regex", "topic", "topics", "file", "transforms", "predicates", "name",
                "connector.class", "errors.tolerance", "errors.deadletterqueue.topic.name", "consumer.override.group.id",
                "producer.override.bootstrap.servers", "key.converter", "value.converter",
                "value.converter.schemas.enable", "transforms.r.type", "connection.url", "offsets.storage.topic"]


def mutate(cfg):
    for _ in range(rng.randint(0, 4)):
        op = rng.random()
        if op < 0.5:
            cfg[rng.choice(HOSTILE_KEYS)] = rng.choice(HOSTILE_VALUES)
        elif op < 0.6 and cfg:
            cfg.pop(rng.choice(list(cfg)))
        elif op < 0.75:
            cfg[rng.choice(HOSTILE_KEYS)] = rng.choice([None, 1, -1, 2 ** 63 - 1, 1.5, True, [], {}, [1, [2]]])
        else:
            cfg["k" + str(rng.randint(0, 1 << 30))] = rng.choice(HOSTILE_VALUES)
    if cfg.get("tasks.max") not in (None, "", "-1", "0") and rng.random() < 0.9:
        cfg["tasks.max"] = str(rng.randint(1, 3))   # keep threads few; hostile values still come through mutate
    return cfg


def body(p):
    r = rng.random()
    tenant = "alpha" if "/tenants/alpha" in p else ("beta" if "/tenants/beta" in p else "")
    if r < 0.45:
        cfg = mutate(base_config(tenant))
        if p.endswith("/connectors") and rng.random() < 0.8:
            return json.dumps({"name": rng.choice(NAMES), "config": cfg})
        return json.dumps(cfg)
    if r < 0.55:
        return json.dumps(rng.choice([
            {"name": rng.choice(["gamma", "Alpha", "a" * 50, "-x", "x/y", ""]), "topic_prefix": rng.choice(HOSTILE_VALUES)},
            {"max_connectors": rng.choice([-2, -1, 0, 2 ** 63 - 1, 1.5, "x"]), "max_tasks": 2 ** 62},
            {"records_in_per_sec": rng.choice([1e308, -1, 0.0000001, "x"])},
            {"offsets": [{"partition": {"kafka_topic": "beta.t", "kafka_partition": 2 ** 40}, "offset": {"kafka_offset": -5}}]},
            {"level": rng.choice(["INFO", "TRACE", "x", ""])},
        ]))
    if r < 0.65:
        d = rng.randint(1, 5000)
        return rng.choice(["[" * d + "]" * d, "{\"a\":" * d + "1" + "}" * d, "[" * d])
    if r < 0.75:
        return rng.choice(["", "null", "{}", "[]", "1", "\"x\"", "{\"a\":1,\"a\":2}", "{\"x\":1e999}", "{\"\\u0000\":1}",
                           "{\"config\":null}", "{\"name\":\"x\",\"config\":{\"connector.class\":\"\\ud800\"}}",
                           "\xff\xfe{}", "{" + ",".join("\"k%d\":\"v\"" % i for i in range(3000)) + "}"])
    if r < 0.85:
        return "".join(chr(rng.randint(0, 255)) for _ in range(rng.randint(0, 300)))
    return None


def request():
    m = rng.choice(["GET", "GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "TRACE", "get", "XYZ", "POST"])
    p = path()
    auth = rng.choice([None, admin, admin, akey, akey, bkey, "trib_" + "A" * 43, "x", "Bearer", admin + "x"])
    hdrs = ["Host: 127.0.0.1"]
    if auth is not None:
        hdrs.append(rng.choice(["Authorization: Bearer " + auth, "Authorization: bearer  " + auth,
                                "Authorization: Basic " + auth, "Authorization: Bearer " + auth + " extra"]))
    b = body(p) if m in ("POST", "PUT", "PATCH") or rng.random() < 0.05 else None
    if b is not None:
        data = b.encode("utf-8", "surrogateescape") if isinstance(b, str) else b
        hdrs.append(rng.choice(["Content-Type: application/json", "Content-Type: application/json; charset=utf-8",
                                "Content-Type: text/plain", "Content-Type: application/vnd.x+json",
                                "Content-Type: application/json"]))
        if rng.random() < 0.05:
            hdrs.append("Content-Length: " + rng.choice(["-1", "99999999999999999999", "abc", "1 2", "+5"]))
        else:
            hdrs.append("Content-Length: %d" % len(data))
    else:
        data = b""
    if rng.random() < 0.05:
        hdrs.append(rng.choice(["X-" + "h" * 2000 + ": 1", "Expect: 100-continue",
                                "Connection: keep-alive", "Host: " + "h" * 500]))
    if data and rng.random() < 0.05:   # the same body, chunked (framing stays valid: a client that
        hdrs = [h for h in hdrs if not h.startswith("Content-Length")]   # stops mid-body is just slow)
        hdrs.append("Transfer-Encoding: chunked")
        out, i = b"", 0
        while i < len(data):
            k = rng.randint(1, 4096)
            out += b"%x\r\n" % len(data[i:i + k]) + data[i:i + k] + b"\r\n"
            i += k
        data = out + b"0\r\n\r\n"
    hdrs.append("Connection: close")
    head = "%s %s HTTP/1.1\r\n%s\r\n\r\n" % (m, p, "\r\n".join(hdrs))
    return m, p, head.encode("utf-8", "surrogateescape") + data


def send(raw):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    try:
        s.sendall(raw)
    except OSError:
        pass   # the server may answer (413, 400) and close before reading everything
    resp = b""
    try:
        while True:
            c = s.recv(65536)
            if not c:
                break
            resp += c
    except OSError:
        pass
    s.close()
    return resp


counts, failures, n = {}, [], 0
deadline = time.time() + secs
while time.time() < deadline:
    m, p, raw = request()
    resp = send(raw)
    n += 1
    line = resp.split(b"\r\n", 1)[0].decode("latin-1")
    parts = line.split(" ")
    code = int(parts[1]) if len(parts) >= 2 and parts[0].startswith("HTTP/1.") and parts[1].isdigit() else 0
    counts[code] = counts.get(code, 0) + 1
    if code < 100 or code > 599 or code == 500:
        failures.append("%s %s -> %r (request head %r)" % (m, p[:120], resp[:200], raw.split(b"\r\n\r\n", 1)[0][-300:]))
    if n % 200 == 0:   # keep the worker's connector count (and threads) small
        for k in (admin,):
            for tn in ("", "/tenants/alpha", "/tenants/beta"):
                lst = send(("GET %s/connectors HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n"
                            % (tn, k)).encode())
                try:
                    names = json.loads(lst.split(b"\r\n\r\n", 1)[1] or b"[]")
                except ValueError:
                    names = []
                for c in names if isinstance(names, list) else []:
                    from urllib.parse import quote
                    send(("DELETE %s/connectors/%s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n"
                          % (tn, quote(c, safe=""), k)).encode())
print("requests=%d statuses=%s failures=%d" % (n, json.dumps(dict(sorted(counts.items()))), len(failures)))
for f in failures[:10]:
    print("FAIL " + f)
sys.exit(1 if failures else 0)
