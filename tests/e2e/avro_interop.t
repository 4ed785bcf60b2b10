#!/usr/bin/env bash
# Avro interoperability with an independent implementation: Python's
# fastavro (plus requests for the registry) writes Confluent-framed records
# that our AvroConverter reads, and reads the records our converter writes,
# through the real schema registry of scripts/testenv.
#
# The Python side lives in a venv under .run/ (python3 -m venv; fastavro
# and requests from PyPI, installed once). The C side is
# tests/integration/avro_interop_tool.c (built as avro_interop_tool.t).
. "$(dirname "$0")/lib.sh"

if [ -z "${SCHEMA_REGISTRY_URL:-}" ]; then
  [ "${TRIB_REQUIRE_SERVICES:-0}" = 1 ] && bail "SCHEMA_REGISTRY_URL is not set (scripts/testenv up)"
  skip_all "SCHEMA_REGISTRY_URL is not set (start services with scripts/testenv up)"
fi
TOOL=${TRIB_BUILD_DIR:-$E2E_ROOT/build}/tests/integration/avro_interop_tool.t
[ -x "$TOOL" ] || bail "no interop helper at $TOOL (build the integration_avro_interop_tool target)"

VENV=$E2E_ROOT/.run/avro-interop-venv
if ! "$VENV/bin/python" -c 'import fastavro, requests' 2>/dev/null; then
  rm -rf "$VENV"
  python3 -m venv "$VENV" >"$E2E_TMP/venv.log" 2>&1 || { cat "$E2E_TMP/venv.log" >&2; bail "python3 -m venv failed"; }
  "$VENV/bin/pip" install --quiet --disable-pip-version-check fastavro requests >>"$E2E_TMP/venv.log" 2>&1 ||
    { cat "$E2E_TMP/venv.log" >&2; bail "pip install fastavro requests failed"; }
fi

cat > "$E2E_TMP/interop.py" <<'PY'
import base64, datetime, decimal, io, json, os, struct, subprocess, sys
import fastavro, requests

url = os.environ["SCHEMA_REGISTRY_URL"].rstrip("/")
tool, tmp, run = sys.argv[1], sys.argv[2], sys.argv[3]
n = 0
failed = 0

def ok(cond, name, detail=None):
    global n, failed
    n += 1
    print(("ok %d - %s" if cond else "not ok %d - %s") % (n, name))
    if not cond:
        failed += 1
        if detail is not None:
            for line in str(detail).splitlines():
                print("#   " + line)
    sys.stdout.flush()

HDR = {"Content-Type": "application/vnd.schemaregistry.v1+json"}
print("1..14")

# ---- Python (fastavro) writes, Tributary reads -----------------------------
py_schema = {
    "type": "record", "name": "Event", "namespace": "py", "fields": [
        {"name": "id", "type": "long"},
        {"name": "name", "type": "string"},
        {"name": "note", "type": ["null", "string"], "default": None},
        {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2}},
        {"name": "day", "type": {"type": "int", "logicalType": "date"}},
        {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "color", "type": {"type": "enum", "name": "Color", "symbols": ["RED", "GREEN", "BLUE"]}},
        {"name": "tags", "type": {"type": "array", "items": "string"}},
        {"name": "counts", "type": {"type": "map", "values": "long"}},
        {"name": "flag", "type": "boolean"},
        {"name": "ratio", "type": "float"},
        {"name": "score", "type": "double"},
        {"name": "blob", "type": "bytes"},
        {"name": "inner", "type": {"type": "record", "name": "Inner", "fields": [{"name": "x", "type": "int"}]}},
        {"name": "choice", "type": ["int", "string"]},
    ]}
topic_py = run + "-py"
r = requests.post(f"{url}/subjects/{topic_py}-value/versions", headers=HDR,
                  data=json.dumps({"schema": json.dumps(py_schema)}), timeout=30)
ok(r.status_code == 200 and "id" in r.json(), "Python registers its schema", r.text)
sid = r.json().get("id", 0)
parsed = fastavro.parse_schema(py_schema)
epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
records = []
for i in range(5):
    records.append({
        "id": 10**12 + i, "name": "py-%d \u00e9\u20ac" % i, "note": None if i % 2 else "note %d" % i,
        "amount": decimal.Decimal("%d.%02d" % (100 + i, i)), "day": datetime.date(2022, 1, 1 + i),
        "at": epoch + datetime.timedelta(milliseconds=1650000000000 + i),
        "color": ["RED", "GREEN", "BLUE"][i % 3], "tags": ["a"] * i, "counts": {"k%d" % i: i * 10},
        "flag": i % 2 == 0, "ratio": 0.25, "score": i * 1.5, "blob": bytes([0, i, 255]),
        "inner": {"x": -i}, "choice": i if i % 2 else "s%d" % i,
    })
with open(os.path.join(tmp, "py.hex"), "w") as f:
    for rec in records:
        buf = io.BytesIO()
        buf.write(b"\x00" + struct.pack(">I", sid))
        fastavro.schemaless_writer(buf, parsed, rec)
        f.write(buf.getvalue().hex() + "\n")
p = subprocess.run([tool, "decode", topic_py, os.path.join(tmp, "py.hex")], capture_output=True, text=True)
ok(p.returncode == 0, "Tributary decodes every fastavro record", p.stderr)
lines = [json.loads(l) for l in p.stdout.splitlines()] if p.returncode == 0 else []
ok(len(lines) == len(records), "one Connect record per message")
want, got = [], []
for i, rec in enumerate(records):
    want.append({
        "id": rec["id"], "name": rec["name"], "note": rec["note"], "amount": float(rec["amount"]),
        "day": (rec["day"] - datetime.date(1970, 1, 1)).days, "at": 1650000000000 + i,
        "color": rec["color"], "tags": rec["tags"], "counts": rec["counts"], "flag": rec["flag"],
        "ratio": 0.25, "score": rec["score"], "blob": base64.b64encode(rec["blob"]).decode(),
        "inner": {"x": -i},
        "choice": {"int": rec["choice"], "string": None} if i % 2 else {"int": None, "string": rec["choice"]},
    })
    if i < len(lines):
        got.append(lines[i]["payload"])
ok(got == want, "every field value matches what Python wrote",
   "got:  %s\nwant: %s" % (json.dumps(got[:1]), json.dumps(want[:1])))
sch = lines[0]["schema"] if lines else {}
fields = {f["field"]: f for f in sch.get("fields", [])}
ok(sch.get("name") == "py.Event" and sch.get("version") == 1,
   "the Connect schema is named after the record and carries the registry version", json.dumps(sch)[:300])
ok(fields.get("amount", {}).get("name") == "org.apache.kafka.connect.data.Decimal"
   and fields["amount"].get("parameters", {}).get("scale") == "2"
   and fields["amount"]["parameters"].get("connect.decimal.precision") == "9",
   "the decimal is Connect's Decimal with scale 2 and precision 9", json.dumps(fields.get("amount")))
ok(fields.get("day", {}).get("name") == "org.apache.kafka.connect.data.Date"
   and fields.get("at", {}).get("name") == "org.apache.kafka.connect.data.Timestamp",
   "date and timestamp-millis are Connect's Date and Timestamp")
ok(fields.get("note", {}).get("optional") is True and fields.get("choice", {}).get("name") == "io.confluent.connect.avro.Union",
   "[null, string] is optional and [int, string] is a Union struct")

# ---- Tributary writes, Python (fastavro) reads -------------------------------
topic_c = run + "-c"
count = 4
p = subprocess.run([tool, "encode", topic_c, os.path.join(tmp, "c.hex"), str(count)], capture_output=True, text=True)
ok(p.returncode == 0, "Tributary encodes its sample records", p.stderr)
msgs = [bytes.fromhex(l) for l in open(os.path.join(tmp, "c.hex")).read().split()] if p.returncode == 0 else []
ids = {struct.unpack(">I", m[1:5])[0] for m in msgs}
ok(len(msgs) == count and all(m[0] == 0 for m in msgs) and len(ids) == 1,
   "every message has magic byte 0 and one schema id")
sid = ids.pop() if ids else 0
r = requests.get(f"{url}/schemas/ids/{sid}", timeout=30)
writer = json.loads(r.json()["schema"]) if r.status_code == 200 else {}
ok(r.status_code == 200 and writer.get("name") == "Interop" and writer.get("namespace") == "it",
   "the id resolves in the registry to the record schema Tributary registered", r.text[:300])
latest = requests.get(f"{url}/subjects/{topic_c}-value/versions/latest", timeout=30)
ok(latest.status_code == 200 and latest.json().get("id") == sid,
   "registered under the TopicNameStrategy subject <topic>-value", latest.text[:200])
decoded = []
try:
    pw = fastavro.parse_schema(writer)
    for m in msgs:
        decoded.append(fastavro.schemaless_reader(io.BytesIO(m[5:]), pw))
except Exception as e:
    decoded = [repr(e)]
expect = []
for i in range(count):
    expect.append({
        "id": 10**12 + i, "name": "name-%d \u00e9" % i, "opt": "even" if i % 2 == 0 else None,
        "score": i + 0.25, "ratio": 0.5, "active": i % 3 == 0, "small": -i, "mid": 1000 + i,
        "data": bytes([0, i, 255]), "price": decimal.Decimal("%d.%02d" % (-5 + i, i)),
        "day": datetime.date(1970, 1, 1) + datetime.timedelta(days=19000 + i),
        "at": epoch + datetime.timedelta(milliseconds=1700000000000 + i),
        "tags": ["t%d" % k for k in range(i % 3)], "attrs": {"i": i}, "inner": {"x": i * 7},
    })
ok(decoded == expect, "fastavro reads back exactly the values Tributary wrote",
   "got:  %r\nwant: %r" % (decoded[:1], expect[:1]))
fa = {f["name"]: f for f in writer.get("fields", [])}
ok(fa.get("small", {}).get("type", {}).get("connect.type") == "int8"
   and fa.get("opt", {}).get("type") == ["null", "string"] and "default" in fa.get("opt", {})
   and fa.get("price", {}).get("type", {}).get("logicalType") == "decimal",
   "the Avro schema carries Confluent's annotations (connect.type, null-first optional unions, decimal)",
   json.dumps(fa.get("small")))
sys.exit(min(failed, 254))
PY

"$VENV/bin/python" "$E2E_TMP/interop.py" "$TOOL" "$E2E_TMP" "avro-interop-$$-$RANDOM"
