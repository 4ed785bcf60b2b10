#!/usr/bin/env python3
"""tests/e2e/conformance.py: drive Apache Kafka Connect and Tributary with the
same REST requests and compare the answers (status, Content-Type, Location,
Allow, and the JSON body key by key, type and value).

    conformance.py CONNECT_URL TRIBUTARY_URL CONNECT_DIR TRIBUTARY_DIR SUFFIX

Both workers must be empty, distributed, and on the same broker. Each gets
its own directory for the FileStream connectors' files (CONNECT_DIR,
TRIBUTARY_DIR); SUFFIX makes connector and topic names unique to the run and
is the same for both, so the answers can be compared as they are.

Before comparing, both answers are normalised: each worker's own
host:port becomes {HOST}, its file directory {DIR}, worker ids {WORKER},
stack traces {TRACE}, versions and commit ids {VERSION}. Steps named
"wait" poll both workers (bounded) until a condition holds, so the
comparison does not race connector start-up.

Prints TAP: one test per request. Requests whose difference is a known,
documented deviation (KNOWN below, each with its reason; rest/README.md
lists them) are TAP TODO tests: they do not fail the run, and they say so
if they start to agree. Any other difference fails. The last line is the
count of identical answers out of all requests.
"""
import http.client
import json
import re
import sys
import time
import urllib.parse

CONNECT, TRIB, CDIR, TDIR, S = sys.argv[1:6]

# request id -> why the answers differ on purpose (also in rest/README.md)
KNOWN = {
    "root": "version and commit are each product's own (normalised); Tributary has no further difference",
    "plugins-all": "the plugin sets differ: each worker lists what it ships",
    "plugins-connectors": "the plugin sets differ: each worker lists what it ships",
    "loggers-all": "the logger names are each product's own",
    "logger-set": "the affected loggers are each product's own (Connect also names its ancestors' children)",
    "validate-malformed": "malformed JSON: Tributary answers 400 with the parser's position, Connect 500",
    "create-malformed": "malformed JSON: Tributary answers 400 with the parser's position, Connect 500",
    "create-no-config": "a body without config: Tributary answers 400 naming the field, Connect 500",
    "create-bad-state": "an unknown initial_state: Tributary answers 400 naming the field, Connect 500",
    "create-unknown-class": "an unknown connector.class: Tributary answers 400 with the config error, Connect 500",
    "validate-unknown-plugin": "validating for an unknown plugin: Tributary answers 404 naming it, Connect 500",
    "create-no-name": "a body without name: Tributary's 400 names the missing field",
    "validate-empty": "validate without connector.class: Tributary reports on the path's plugin, Connect answers 500",
    "validate-transform-missing-key": "Connect adds a second error for a missing regex (a Java NullPointerException text)",
    "validate-source-txn-interval": "transaction.boundary=interval: Tributary refuses it (one transaction per poll), "
                                    "Connect without exactly-once support accepts and ignores it",
    "validate-source-offsets-topic": "a per-connector offsets.storage.topic: Tributary refuses it (offsets stay in the "
                                     "worker's storage)",
    "validate-source-topic-creation": "topic.creation.*: Tributary creates no topics and refuses the keys",
    "wrong-method": "framework errors: Tributary answers application/json with Allow, Jetty text/plain",
    "unknown-path": "framework errors: Tributary answers application/json, Jetty an HTML page",
}


# field-level differences kept on purpose (regex over a difference's path,
# reason); an answer differing only in these passes but is not counted as
# identical
KNOWN_FIELDS = [
    (r"\[errors\.retry\.timeout\]/(definition/default_value|value/value|default_value)",
     "errors.retry.timeout defaults to -1: a retriable conversion error (registry down) never kills a task"),
    (r"\[(config\.action\.reload|errors\.retry\.timeout|topics\.regex|topic\.creation\.groups|"
     r"exactly\.once\.support|transaction\.boundary|transaction\.boundary\.interval\.ms|offsets\.storage\.topic)\]"
     r"(/definition)?/documentation",
     "the documentation says what Tributary does with the key"),
    (r"\[errors\.tolerance\]/value/errors\[0\]",
     "the allowed errors.tolerance values include 'data' (the MongoDB connector's value)"),
    (r"\[(transforms|predicates)\.[^\]]*\.type\]/value/recommended_values",
     "the recommended classes are each worker's own plugins"),
]

class Answer:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body


def call(base, method, path, body=None, ctype="application/json"):
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    data = None
    headers = {}
    if body is not None:
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        if isinstance(data, str):
            data = data.encode()
        headers["Content-Type"] = ctype
    conn.request(method, path, body=data, headers=headers)
    r = conn.getresponse()
    raw = r.read()
    hdrs = {k.lower(): v for k, v in r.getheaders()}
    conn.close()
    parsed = None
    if raw:
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = {"<non-json body>": raw[:200].decode(errors="replace")}
    return Answer(r.status, hdrs, parsed)


def normalise(value, base, fdir):
    hostport = urllib.parse.urlsplit(base).netloc
    if isinstance(value, str):
        return value.replace(fdir, "{DIR}").replace(hostport, "{HOST}")
    if isinstance(value, list):
        return [normalise(v, base, fdir) for v in value]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k == "worker_id" and isinstance(v, str):
                v = "{WORKER}"
            elif k == "trace" and isinstance(v, str):
                v = "{TRACE}"
            elif k in ("version", "commit") and isinstance(v, str):
                v = "{VERSION}"
            elif k == "last_modified" and isinstance(v, int):
                v = "{TIMESTAMP}"
            out[k] = normalise(v, base, fdir)
        return out
    return value


def shape(ans, base, fdir):
    h = {}
    ct = ans.headers.get("content-type")
    if ct is not None:
        h["content-type"] = ct.replace(" ", "").lower()
    for k in ("location", "allow"):
        if k in ans.headers:
            v = ans.headers[k]
            if k == "allow":
                v = ",".join(sorted(x.strip() for x in v.split(",")))
            h[k] = normalise(v, base, fdir)
    body = normalise(ans.body, base, fdir)
    # Connect lists connectors from a hash set: the order carries no meaning
    if isinstance(body, list) and all(isinstance(x, str) for x in body):
        body = sorted(body)
    return {"status": ans.status, "headers": h, "body": body}


def diff(a, b, path="", out=None):
    """Differences between a (Connect) and b (Tributary), as 'path: a != b'."""
    if out is None:
        out = []
    if isinstance(a, dict) and isinstance(b, dict):
        for k in a:
            if k not in b:
                out.append("%s/%s: only in Connect (%s)" % (path, k, short(a[k])))
            else:
                diff(a[k], b[k], "%s/%s" % (path, k), out)
        for k in b:
            if k not in a:
                out.append("%s/%s: only in Tributary (%s)" % (path, k, short(b[k])))
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append("%s: %d items in Connect, %d in Tributary" % (path, len(a), len(b)))
        for i, (x, y) in enumerate(zip(a, b)):
            diff(x, y, "%s[%s]" % (path, label(x, i)), out)
    elif type(a) is not type(b) or a != b:
        out.append("%s: Connect %s != Tributary %s" % (path, short(a), short(b)))
    return out


def label(item, i):
    """A list item's name in a difference's path: a config key's name
    (ConfigKeyInfo, ConfigInfo), else its index."""
    if isinstance(item, dict):
        for holder in (item, item.get("definition"), item.get("value")):
            if isinstance(holder, dict) and isinstance(holder.get("name"), str):
                return holder["name"]
    return str(i)


def short(v):
    s = json.dumps(v)
    return s if len(s) <= 160 else s[:157] + "..."


def wait(path, cond, what, secs=30):
    """Polls GET path on both workers until cond(json) holds on each."""
    for base in (CONNECT, TRIB):
        deadline = time.time() + secs
        while True:
            try:
                a = call(base, "GET", path)
                if a.status == 200 and cond(a.body):
                    break
            except (OSError, http.client.HTTPException):
                pass
            if time.time() > deadline:
                print("# wait for %s on %s timed out" % (what, base))
                break
            time.sleep(0.3)


def state_is(state, ntasks=None, task_state=None):
    def cond(st):
        if st.get("connector", {}).get("state") != state:
            return False
        tasks = st.get("tasks", [])
        if ntasks is not None and len(tasks) != ntasks:
            return False
        return task_state is None or all(t.get("state") == task_state for t in tasks)
    return cond


def cfg(kind, **extra):
    """A FileStream connector config; {DIR} is each worker's own directory."""
    if kind == "source":
        c = {"connector.class": "FileStreamSource", "file": "{DIR}/in-%s.txt" % S, "topic": "conf-%s-src" % S}
    else:
        c = {"connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
             "file": "{DIR}/out-%s.txt" % S, "topics": "conf-%s-src" % S}
    c.update(extra)
    return c


def body_for(body, fdir):
    if isinstance(body, (bytes, str)):
        return body
    return json.loads(json.dumps(body).replace("{DIR}", fdir)) if body is not None else None


SRC, SNK, PAUSED, STOPPED, PUTC = ("src-" + S, "snk-" + S, "paused-" + S, "stopped-" + S, "put-" + S)
V = "/connector-plugins/%s/config/validate"

STEPS = [
    ("root", "GET", "/", None),
    ("list-empty", "GET", "/connectors", None),
    ("list-empty-expand", "GET", "/connectors?expand=status&expand=info", None),
    ("plugins-connectors", "GET", "/connector-plugins", None),
    ("plugins-all", "GET", "/connector-plugins?connectorsOnly=false", None),
    ("plugin-config-sink", "GET", "/connector-plugins/FileStreamSink/config", None),
    ("plugin-config-source", "GET", "/connector-plugins/FileStreamSource/config", None),
    ("plugin-config-fqcn", "GET", "/connector-plugins/org.apache.kafka.connect.file.FileStreamSinkConnector/config", None),
    ("plugin-config-unknown", "GET", "/connector-plugins/NoSuchPlugin/config", None),
    ("plugin-config-converter", "GET", "/connector-plugins/org.apache.kafka.connect.storage.StringConverter/config", None),
    ("plugin-config-json-converter", "GET", "/connector-plugins/org.apache.kafka.connect.json.JsonConverter/config", None),
    ("plugin-config-integer-converter", "GET", "/connector-plugins/org.apache.kafka.connect.converters.IntegerConverter/config", None),
    ("plugin-config-simple-header-converter", "GET",
     "/connector-plugins/org.apache.kafka.connect.storage.SimpleHeaderConverter/config", None),
    ("plugin-config-boolean-converter", "GET", "/connector-plugins/BooleanConverter/config", None),
    ("plugin-config-transform", "GET", "/connector-plugins/org.apache.kafka.connect.transforms.RegexRouter/config", None),
    ("plugin-config-drop-headers", "GET", "/connector-plugins/org.apache.kafka.connect.transforms.DropHeaders/config", None),
    ("plugin-config-insert-header", "GET", "/connector-plugins/org.apache.kafka.connect.transforms.InsertHeader/config", None),
    ("plugin-config-timestamp-router", "GET", "/connector-plugins/org.apache.kafka.connect.transforms.TimestampRouter/config", None),
    ("plugin-config-set-schema-metadata", "GET",
     "/connector-plugins/org.apache.kafka.connect.transforms.SetSchemaMetadata$Value/config", None),
    ("plugin-config-flatten", "GET", "/connector-plugins/org.apache.kafka.connect.transforms.Flatten$Key/config", None),
    ("plugin-config-header-from", "GET", "/connector-plugins/org.apache.kafka.connect.transforms.HeaderFrom$Value/config", None),
    ("validate-new-transforms", "PUT", V % "FileStreamSink", cfg("sink", name="v12", **{
        "transforms": "drop,ins,route,meta,flat,hf",
        "transforms.drop.type": "DropHeaders", "transforms.drop.headers": "a",
        "transforms.ins.type": "InsertHeader", "transforms.ins.header": "h",
        "transforms.route.type": "TimestampRouter",
        "transforms.meta.type": "org.apache.kafka.connect.transforms.SetSchemaMetadata$Value",
        "transforms.meta.schema.version": "x",
        "transforms.flat.type": "org.apache.kafka.connect.transforms.Flatten$Value",
        "transforms.hf.type": "org.apache.kafka.connect.transforms.HeaderFrom$Value", "transforms.hf.fields": "a", "transforms.hf.headers": "b",
        "transforms.hf.operation": "copy"})),
    ("plugin-config-predicate", "GET",
     "/connector-plugins/org.apache.kafka.connect.transforms.predicates.TopicNameMatches/config", None),
    ("validate-sink-ok", "PUT", V % "FileStreamSink", cfg("sink", name="v1")),
    ("validate-source-ok", "PUT", V % "FileStreamSource", cfg("source", name="v2")),
    # framework keys: exactly.once.support=required is refused by both (the
    # workers here run without exactly-once source support); the others
    # Tributary refuses rather than ignore, Connect's worker accepts
    ("validate-source-txn-interval", "PUT", V % "FileStreamSource",
     cfg("source", name="v13", **{"transaction.boundary": "interval"})),
    ("validate-source-eos-required", "PUT", V % "FileStreamSource",
     cfg("source", name="v14", **{"exactly.once.support": "required"})),
    ("validate-source-offsets-topic", "PUT", V % "FileStreamSource",
     cfg("source", name="v15", **{"offsets.storage.topic": "offsets-" + S})),
    ("validate-header-converter-json", "PUT", V % "FileStreamSink",
     cfg("sink", name="v17", **{"header.converter": "org.apache.kafka.connect.json.JsonConverter"})),
    ("validate-header-converter-simple", "PUT", V % "FileStreamSink",
     cfg("sink", name="v18", **{"header.converter": "org.apache.kafka.connect.storage.SimpleHeaderConverter"})),
    ("validate-source-topic-creation", "PUT", V % "FileStreamSource",
     cfg("source", name="v16", **{"topic.creation.groups": "g", "topic.creation.default.partitions": "1",
                                  "topic.creation.default.replication.factor": "1"})),
    ("validate-partial", "PUT", V % "FileStreamSink", {"connector.class": "FileStreamSink"}),
    ("validate-empty", "PUT", V % "FileStreamSource", {}),
    ("validate-empty-name", "PUT", V % "FileStreamSink", cfg("sink", name="")),
    ("validate-control-char-name", "PUT", V % "FileStreamSink", cfg("sink", name="a\u0001b")),
    ("validate-bad-int", "PUT", V % "FileStreamSource", cfg("source", name="v3", **{"tasks.max": "x"})),
    ("validate-tasks-zero", "PUT", V % "FileStreamSource", cfg("source", name="v3", **{"tasks.max": "0"})),
    ("validate-bad-tolerance", "PUT", V % "FileStreamSink", cfg("sink", name="v4", **{"errors.tolerance": "some"})),
    ("validate-both-topics", "PUT", V % "FileStreamSink", cfg("sink", name="v5", **{"topics.regex": "x.*"})),
    ("validate-no-topics", "PUT", V % "FileStreamSink", {"connector.class": "FileStreamSink", "name": "v6"}),
    ("validate-transforms", "PUT", V % "FileStreamSink", cfg("sink", name="v7", **{
        "transforms": "rr", "transforms.rr.type": "org.apache.kafka.connect.transforms.RegexRouter",
        "transforms.rr.regex": "(.*)", "transforms.rr.replacement": "x-$1"})),
    ("validate-transform-missing-key", "PUT", V % "FileStreamSink", cfg("sink", name="v8", **{
        "transforms": "rr", "transforms.rr.type": "org.apache.kafka.connect.transforms.RegexRouter"})),
    ("validate-unknown-transform", "PUT", V % "FileStreamSink", cfg("sink", name="v9", **{
        "transforms": "t", "transforms.t.type": "com.example.NoSuch"})),
    ("validate-unknown-converter", "PUT", V % "FileStreamSink", cfg("sink", name="v10", **{
        "value.converter": "com.example.NoSuchConverter"})),
    ("validate-class-mismatch", "PUT", V % "FileStreamSink", cfg("source", name="v11")),
    ("validate-unknown-plugin", "PUT", V % "NoSuchPlugin", {"connector.class": "NoSuchPlugin"}),
    ("validate-malformed", "PUT", V % "FileStreamSink", b"{not json"),
    ("create-source", "POST", "/connectors", {"name": SRC, "config": cfg("source")}),
    ("wait", "/connectors/%s/status" % SRC, state_is("RUNNING", 1, "RUNNING"), "source running"),
    ("get-source", "GET", "/connectors/" + SRC, None),
    ("get-source-config", "GET", "/connectors/%s/config" % SRC, None),
    ("get-source-status", "GET", "/connectors/%s/status" % SRC, None),
    ("get-source-tasks", "GET", "/connectors/%s/tasks" % SRC, None),
    ("get-source-tasks-config", "GET", "/connectors/%s/tasks-config" % SRC, None),
    ("get-task-status", "GET", "/connectors/%s/tasks/0/status" % SRC, None),
    ("get-task-status-unknown", "GET", "/connectors/%s/tasks/7/status" % SRC, None),
    ("wait", "/connectors/%s/topics" % SRC, lambda t: len(t.get(SRC, {}).get("topics", [])) == 1,
     "the source's active topic recorded"),
    ("get-source-topics", "GET", "/connectors/%s/topics" % SRC, None),
    ("create-duplicate", "POST", "/connectors", {"name": SRC, "config": cfg("source")}),
    ("create-invalid", "POST", "/connectors", {"name": "inv-" + S, "config": {"connector.class": "FileStreamSource"}}),
    ("create-unknown-class", "POST", "/connectors",
     {"name": "unk-" + S, "config": {"connector.class": "com.example.NoSuchConnector"}}),
    ("create-no-name", "POST", "/connectors", {"config": cfg("source")}),
    ("create-malformed", "POST", "/connectors", b"{\"name\": "),
    ("create-no-config", "POST", "/connectors", {"name": "nocfg-" + S}),
    ("create-eos-required", "POST", "/connectors",
     {"name": "eos-" + S, "config": cfg("source", **{"exactly.once.support": "required"})}),
    ("create-bad-state", "POST", "/connectors", {"name": "bs-" + S, "config": cfg("source"), "initial_state": "SLEEPING"}),
    ("create-paused", "POST", "/connectors", {"name": PAUSED, "config": cfg("source"), "initial_state": "PAUSED"}),
    ("create-stopped", "POST", "/connectors", {"name": STOPPED, "config": cfg("source"), "initial_state": "STOPPED"}),
    ("wait", "/connectors/%s/status" % PAUSED, state_is("PAUSED", 0), "created paused, with no tasks"),
    ("wait", "/connectors/%s/status" % STOPPED, state_is("STOPPED", 0), "stopped with no tasks"),
    ("get-stopped-status", "GET", "/connectors/%s/status" % STOPPED, None),
    ("get-stopped-tasks", "GET", "/connectors/%s/tasks" % STOPPED, None),
    ("get-stopped-offsets", "GET", "/connectors/%s/offsets" % STOPPED, None),
    ("resume-created-paused", "PUT", "/connectors/%s/resume" % PAUSED, None),
    ("wait", "/connectors/%s/status" % PAUSED, state_is("RUNNING", 1, "RUNNING"), "created-paused resumed"),
    ("get-resumed-tasks", "GET", "/connectors/%s/tasks" % PAUSED, None),
    ("resume-created-stopped", "PUT", "/connectors/%s/resume" % STOPPED, None),
    ("wait", "/connectors/%s/status" % STOPPED, state_is("RUNNING", 1, "RUNNING"), "created-stopped resumed"),
    ("get-resumed-stopped-status", "GET", "/connectors/%s/status" % STOPPED, None),
    ("put-config-create", "PUT", "/connectors/%s/config" % PUTC, cfg("sink")),
    ("wait", "/connectors/%s/status" % PUTC, state_is("RUNNING", 1, "RUNNING"), "put-created running"),
    ("put-config-update", "PUT", "/connectors/%s/config" % PUTC, cfg("sink", **{"tasks.max": "1"})),
    ("put-config-name-mismatch", "PUT", "/connectors/%s/config" % PUTC, cfg("sink", name="other")),
    ("patch-config", "PATCH", "/connectors/%s/config" % PUTC, {"errors.log.enable": "true"}),
    ("patch-config-unknown", "PATCH", "/connectors/nosuch-%s/config" % S, {"a": "b"}),
    ("pause", "PUT", "/connectors/%s/pause" % SRC, None),
    ("wait", "/connectors/%s/status" % SRC, state_is("PAUSED", 1, "PAUSED"), "source paused"),
    ("get-paused-status", "GET", "/connectors/%s/status" % SRC, None),
    ("resume", "PUT", "/connectors/%s/resume" % SRC, None),
    ("wait", "/connectors/%s/status" % SRC, state_is("RUNNING", 1, "RUNNING"), "source resumed"),
    ("restart", "POST", "/connectors/%s/restart" % SRC, None),
    ("restart-include-tasks", "POST", "/connectors/%s/restart?includeTasks=true&onlyFailed=true" % SRC, None),
    ("restart-bad-flag", "POST", "/connectors/%s/restart?includeTasks=maybe" % SRC, None),
    ("restart-task", "POST", "/connectors/%s/tasks/0/restart" % SRC, None),
    ("restart-task-unknown", "POST", "/connectors/%s/tasks/9/restart" % SRC, None),
    ("wait", "/connectors/%s/status" % SRC, state_is("RUNNING", 1, "RUNNING"), "source restarted"),
    ("offsets-running", "GET", "/connectors/%s/offsets" % SRC, None),
    ("alter-offsets-running", "PATCH", "/connectors/%s/offsets" % SRC,
     {"offsets": [{"partition": {"filename": "x"}, "offset": {"position": 1}}]}),
    ("reset-offsets-running", "DELETE", "/connectors/%s/offsets" % SRC, None),
    ("stop", "PUT", "/connectors/%s/stop" % SRC, None),
    ("wait", "/connectors/%s/status" % SRC, state_is("STOPPED", 0), "source stopped with no tasks"),
    ("get-stopped-source-status", "GET", "/connectors/%s/status" % SRC, None),
    ("get-stopped-source-tasks", "GET", "/connectors/%s/tasks" % SRC, None),
    ("alter-offsets-empty", "PATCH", "/connectors/%s/offsets" % SRC, {}),
    ("alter-offsets-stopped", "PATCH", "/connectors/%s/offsets" % SRC,
     {"offsets": [{"partition": {"filename": "{DIR}/in-%s.txt" % S}, "offset": {"position": 3}}]}),
    ("reset-offsets-stopped", "DELETE", "/connectors/%s/offsets" % SRC, None),
    ("list-expand-status", "GET", "/connectors?expand=status", None),
    ("list-expand-info", "GET", "/connectors?expand=info", None),
    ("list", "GET", "/connectors", None),
    ("topics-reset", "PUT", "/connectors/%s/topics/reset" % SRC, None),
    ("unknown-get", "GET", "/connectors/nosuch-" + S, None),
    ("unknown-config", "GET", "/connectors/nosuch-%s/config" % S, None),
    ("unknown-status", "GET", "/connectors/nosuch-%s/status" % S, None),
    ("unknown-tasks", "GET", "/connectors/nosuch-%s/tasks" % S, None),
    ("unknown-task-status", "GET", "/connectors/nosuch-%s/tasks/0/status" % S, None),
    ("unknown-topics", "GET", "/connectors/nosuch-%s/topics" % S, None),
    ("unknown-topics-reset", "PUT", "/connectors/nosuch-%s/topics/reset" % S, None),
    ("unknown-offsets", "GET", "/connectors/nosuch-%s/offsets" % S, None),
    ("unknown-pause", "PUT", "/connectors/nosuch-%s/pause" % S, None),
    ("unknown-resume", "PUT", "/connectors/nosuch-%s/resume" % S, None),
    ("unknown-stop", "PUT", "/connectors/nosuch-%s/stop" % S, None),
    ("unknown-restart", "POST", "/connectors/nosuch-%s/restart" % S, None),
    ("unknown-task-restart", "POST", "/connectors/nosuch-%s/tasks/0/restart" % S, None),
    ("unknown-delete", "DELETE", "/connectors/nosuch-" + S, None),
    ("loggers-all", "GET", "/admin/loggers", None),
    ("logger-set", "PUT", "/admin/loggers/org.apache.kafka.connect.runtime.WorkerSinkTask", {"level": "DEBUG"}),
    ("logger-get", "GET", "/admin/loggers/org.apache.kafka.connect.runtime.WorkerSinkTask", None),
    ("logger-missing-level", "PUT", "/admin/loggers/org.example", {}),
    ("logger-bad-level", "PUT", "/admin/loggers/org.example", {"level": "LOUD"}),
    ("resume-stopped-source", "PUT", "/connectors/%s/resume" % SRC, None),
    ("wait", "/connectors/%s/status" % SRC, state_is("RUNNING", 1, "RUNNING"), "stopped source resumed"),
    ("get-resumed-source-tasks", "GET", "/connectors/%s/tasks" % SRC, None),
    ("wrong-method", "DELETE", "/connectors", None),
    ("unknown-path", "GET", "/no/such/path", None),
    ("delete-paused", "DELETE", "/connectors/" + PAUSED, None),
    ("delete-stopped", "DELETE", "/connectors/" + STOPPED, None),
    ("delete-put", "DELETE", "/connectors/" + PUTC, None),
    ("delete-source", "DELETE", "/connectors/" + SRC, None),
    ("wait", "/connectors", lambda l: l == [], "all deleted"),
    ("list-after-delete", "GET", "/connectors", None),
]


def main():
    requests = [s for s in STEPS if s[0] != "wait"]
    print("1..%d" % len(requests))
    n = same = near = 0
    fields = [(re.compile(rx), why) for rx, why in KNOWN_FIELDS]
    for step in STEPS:
        if step[0] == "wait":
            wait(step[1], step[2], step[3])
            continue
        rid, method, path, body = step
        a = shape(call(CONNECT, method, path, body_for(body, CDIR)), CONNECT, CDIR)
        b = shape(call(TRIB, method, path, body_for(body, TDIR)), TRIB, TDIR)
        n += 1
        d = diff(a, b)
        if not d:
            same += 1
        documented = [line for line in d if any(rx.search(line.split(":")[0]) for rx, _ in fields)]
        note = ""
        if d and len(documented) == len(d):
            near += 1
            note = " (identical but for documented fields)"
            d = []
        todo = " # TODO %s" % KNOWN[rid] if rid in KNOWN else ""
        print("%s %d - %s %s %s%s%s" % ("not ok" if d else "ok", n, rid, method, path, note, todo))
        for line in documented[:3]:
            print("#   documented: " + line[:200])
        if len(documented) > 3:
            print("#   ... %d more documented differences" % (len(documented) - 3))
        for line in d[:12]:
            print("#   " + line)
        if len(d) > 12:
            print("#   ... %d more differences" % (len(d) - 12))
    print("# identical answers: %d of %d requests (%d more identical but for documented fields)" % (same, n, near))


if __name__ == "__main__":
    main()
