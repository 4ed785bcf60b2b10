#!/usr/bin/env bash
# GET .../connectors/{c}/dlq: the newest records of a connector's dead
# letter queue with their error headers (rest/routes_dlq.c). A tenant's
# FileStreamSink with a JSON converter and errors.tolerance=all sends
# records that are not JSON (text, binary, a 3,000-byte one) to its DLQ
# with Connect's __connect.errors.* headers; a DataGen -> Validate source
# sends its rule failures with __validate.* headers. The route answers
# with the records newest first, text as text, binary as base64, long
# values cut and marked; it reads only the connector's own DLQ topic, and
# only for the connector's tenant (another tenant gets 403/404); more
# than two reads at once on a worker get 429.
. "$(dirname "$0")/lib.sh"
require_services
plan 29

port=$(free_port)
echo "admin-$RANDOM-$RANDOM-dlq-view-token" > "$E2E_TMP/admin.token"
mkdir -p "$E2E_TMP/staging"
write_worker_props "$E2E_TMP/w.properties" "$port" "$E2E_TMP/offsets" "tributary.task.auto.restart=false" \
  "admin.token.file=$E2E_TMP/admin.token" "tenant.key.secret.file=$E2E_TMP/key.secret" "tenant.staging.root=$E2E_TMP/staging"
start_worker "$E2E_TMP/w.properties" "$E2E_TMP/worker.log"
wait_rest "$port" 30; ok $? "worker REST API is ready"
A="Authorization: Bearer $(cat "$E2E_TMP/admin.token")"
api() { curl -sS -H "$A" -H 'Content-Type: application/json' "$@"; }
# get <credential header or ""> <path>: "<status> <body>"
get() {
  local out
  if [ -n "$1" ]; then out=$(curl -sS -H "$1" -w '\n%{http_code}' "http://127.0.0.1:$port$2")
  else out=$(curl -sS -w '\n%{http_code}' "http://127.0.0.1:$port$2"); fi
  echo "${out##*$'\n'} ${out%$'\n'*}"
}
api -X POST --data '{"name":"acme"}' "http://127.0.0.1:$port/tenants" >/dev/null
api -X POST --data '{"name":"globex"}' "http://127.0.0.1:$port/tenants" >/dev/null
K="Authorization: Bearer $(api -X POST "http://127.0.0.1:$port/tenants/acme/keys" | jq -r .key)"
G="Authorization: Bearer $(api -X POST "http://127.0.0.1:$port/tenants/globex/keys" | jq -r .key)"
create() { # create <credential> <tenant> <json>: the status code
  curl -s -o "$E2E_TMP/create.out" -w '%{http_code}' -X POST -H "$1" -H 'Content-Type: application/json' \
    --data "$3" "http://127.0.0.1:$port/tenants/$2/connectors"
}

in=acme.$(uniq_name in)
dlq=acme.$(uniq_name dlq)
code=$(create "$K" acme "{\"name\":\"sink\",\"config\":{\"connector.class\":\"FileStreamSink\",\"topics\":\"$in\",\"file\":\"out.txt\",
  \"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\",\"value.converter.schemas.enable\":\"false\",
  \"errors.tolerance\":\"all\",\"errors.deadletterqueue.topic.name\":\"$dlq\",\"errors.deadletterqueue.topic.replication.factor\":\"1\",
  \"errors.deadletterqueue.context.headers.enable\":\"true\"}}")
is "$code" 201 "tenant acme creates a JSON FileStreamSink with a dead letter queue"

# four records, three of them not JSON: text, binary bytes, 3,000 bytes
printf 'not json {' > "$E2E_TMP/r0"
printf '\x00\xff\x01\x02binary\x7f' > "$E2E_TMP/r1"
head -c 3000 /dev/zero | tr '\0' 'x' > "$E2E_TMP/r2"
printf '{"ok":1}' > "$E2E_TMP/r3"
for i in 0 1 2 3; do kcat -b "$KAFKA_BOOTSTRAP" -P -t "$in" -k "key-$i" "$E2E_TMP/r$i" 2>/dev/null; done
wait_for 60 'test "$(topic_count "$dlq")" -ge 3'; ok $? "the three bad records reach the DLQ topic"

r=$(get "$K" "/tenants/acme/connectors/sink/dlq")
like "$r" '^200 ' "the tenant reads its connector's DLQ (200)"
body=${r#* }
check() { # check <python expression over d, the answer>: its printed value
  python3 -c 'import json,sys,base64; d=json.loads(sys.argv[1]); h=lambda r,k: [x for x in r["headers"] if x["key"]==k][0]["data"]; print(eval(sys.argv[2]))' "$1" "$2" 2>&1
}
is "$(check "$body" 'd["topic"], d["exists"], d["complete"], len(d["records"])')" "('$dlq', True, True, 3)" \
  "the answer names the connector's DLQ topic and holds its 3 records"
is "$(check "$body" '[h(r, "__connect.errors.offset") for r in d["records"]]')" "['2', '1', '0']" \
  "newest first, each naming the original record's offset"
is "$(check "$body" '{h(r, "__connect.errors.topic") for r in d["records"]} == {"'"$in"'"} and {h(r, "__connect.errors.partition") for r in d["records"]}')" "{'0'}" \
  "each names the original topic and partition"
like "$(check "$body" 'h(d["records"][0], "__connect.errors.exception.class.name")')" '.+' "each has the exception class header"
like "$(check "$body" 'h(d["records"][2], "__connect.errors.exception.message")')" '.+' "and the exception message"
is "$(check "$body" 'd["records"][2]["value"]["encoding"], d["records"][2]["value"]["data"], d["records"][2]["key"]["data"]')" \
  "('text', 'not json {', 'key-0')" "a text value and key are sent as text"
is "$(check "$body" 'd["records"][1]["value"]["encoding"], base64.b64decode(d["records"][1]["value"]["data"]) == open("'"$E2E_TMP/r1"'","rb").read(), d["records"][1]["value"]["size"]')" \
  "('base64', True, 11)" "a binary value is sent as base64 of its exact bytes"
is "$(check "$body" 'd["records"][0]["value"]["truncated"], d["records"][0]["value"]["size"], len(d["records"][0]["value"]["data"])')" \
  "(True, 3000, 1024)" "a 3,000-byte value is cut to 1,024 bytes and marked with its size"

is "$(check "$(get "$K" "/tenants/acme/connectors/sink/dlq?limit=2" | cut -d' ' -f2-)" '[r["offset"] for r in d["records"]]')" "[2, 1]" \
  "?limit=2 gives the two newest"
like "$(get "$K" "/tenants/acme/connectors/sink/dlq?limit=0")" '^400 .*limit must be an integer from 1 to 100' "limit=0 is 400 naming limit"
like "$(get "$K" "/tenants/acme/connectors/sink/dlq?limit=5x")" '^400 .*limit' "limit=5x is 400"
is "$(check "$(get "$K" "/tenants/acme/connectors/sink/dlq?topic=globex.secret" | cut -d' ' -f2-)" 'd["topic"]')" "$dlq" \
  "a topic named by the caller is ignored: the connector's own DLQ is read"

# at most two reads at once per worker: eight at the same moment get 200s and 429s with Retry-After
pids=()
for i in 1 2 3 4 5 6 7 8; do
  curl -s -m 30 -o /dev/null -D "$E2E_TMP/par$i.h" -H "$K" "http://127.0.0.1:$port/tenants/acme/connectors/sink/dlq" &
  pids+=("$!")
done
wait "${pids[@]}"
codes=$(for i in 1 2 3 4 5 6 7 8; do head -1 "$E2E_TMP/par$i.h" | cut -d' ' -f2; done | sort | uniq -c | awk '{ printf "%s:%s ", $2, ($1 > 0 ? "some" : "none") }')
retry=$(cat "$E2E_TMP"/par*.h | tr -d '\r' | grep -ci '^retry-after: 1$')
is "$codes/$([ "$retry" -ge 1 ] && echo retry)" "200:some 429:some /retry" "eight parallel reads: some answered, the rest 429 with Retry-After: 1 (no other status)"

# confinement
like "$(get "$G" "/tenants/acme/connectors/sink/dlq")" '^403 ' "globex's key on acme's connector is 403"
like "$(get "$G" "/tenants/globex/connectors/sink/dlq")" '^404 ' "globex has no connector 'sink' (404)"
like "$(get "" "/tenants/acme/connectors/sink/dlq")" '^401 ' "no credential is 401"
like "$(get "$K" "/connectors/acme%2Fsink/dlq")" '^403 ' "a tenant's key on the admin view is refused"
r=$(get "$A" "/connectors/acme%2Fsink/dlq")
is "$(echo "${r%% *}") $(check "${r#* }" 'len(d["records"])')" "200 3" "the admin reads any connector's DLQ"

code=$(create "$K" acme "{\"name\":\"plain\",\"config\":{\"connector.class\":\"DataGen\",\"topic\":\"acme.plain\",\"rate\":\"1\",\"value.shape\":\"string\"}}")
like "$(get "$K" "/tenants/acme/connectors/plain/dlq")" '^404 .*errors.deadletterqueue.topic.name is not set' "a connector without a DLQ is 404 naming the key"
like "$(get "$K" "/tenants/acme/connectors/nope/dlq")" '^404 .*nope not found' "an unknown connector is 404"
code=$(create "$K" acme "{\"name\":\"idle\",\"initial_state\":\"STOPPED\",\"config\":{\"connector.class\":\"FileStreamSink\",\"topics\":\"$in\",\"file\":\"idle.txt\",\"errors.tolerance\":\"all\",\"errors.deadletterqueue.topic.name\":\"acme.$(uniq_name never)\"}}")
is "$(check "$(get "$K" "/tenants/acme/connectors/idle/dlq" | cut -d' ' -f2-)" 'd["exists"], d["records"]')" "(False, [])" \
  "a DLQ topic not created yet (STOPPED, nothing failed) answers exists=false and no records"

# Validate's rule failures: __validate.* headers
rules=$(python3 -c 'import json; print(json.dumps(json.dumps([{"rule_id":"id_range","rule_type":"range","column":"order_id","parameters":{"min":0,"max":79},"severity":"error"}])))')
vdlq=acme.$(uniq_name vdlq)
code=$(create "$K" acme "{\"name\":\"checked\",\"config\":{\"connector.class\":\"DataGen\",\"topic\":\"acme.$(uniq_name checked)\",\"count\":\"100\",
  \"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\",\"value.converter.schemas.enable\":\"false\",
  \"transforms\":\"check\",\"transforms.check.type\":\"Validate\",\"transforms.check.rules\":$rules,\"transforms.check.on.failure\":\"dlq\",
  \"errors.deadletterqueue.topic.name\":\"$vdlq\",\"errors.deadletterqueue.topic.replication.factor\":\"1\"}}")
is "$code" 201 "a DataGen -> Validate source with on.failure=dlq is created"
wait_for 60 'test "$(topic_count "$vdlq")" -ge 20'
body=$(get "$K" "/tenants/acme/connectors/checked/dlq" | cut -d' ' -f2-)
is "$(check "$body" 'len(d["records"]), {h(r, "__validate.rule.id") for r in d["records"]}')" "(20, {'id_range'})" \
  "its 20 rule failures are shown, each naming rule id_range"
is "$(check "$body" 'sorted(int(h(r, "__validate.value")) for r in d["records"]) == list(range(80, 100)), h(d["records"][0], "__validate.reason")')" \
  "(True, 'is above the maximum 79')" "with the failing values 80..99 and the reason"

kill -TERM "$WORKER_PID"; wait "$WORKER_PID"
is "$?" 0 "the worker stops with status 0"
finish
