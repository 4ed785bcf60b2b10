#!/usr/bin/env bash
# A tenant's MongoDB sink obeys the tenant's topic prefix like every other
# connector, and its connection.uri passes the allow-list (no option that
# names a file on the worker). Its connections obey the outbound policy:
# under the default policy (loopback denied) the task FAILS saying so; on a
# worker with tenant.outbound.allow=127.0.0.1 it writes the tenant's records
# into FerretDB, with its offsets under the tenant-qualified name.
. "$(dirname "$0")/lib.sh"
require_services
[ -n "${MONGO_URL:-}" ] || bail "MONGO_URL is not set"
[ -x "${TRIB_MONGO_PYTHON:-}" ] || bail "TRIB_MONGO_PYTHON (pymongo, from scripts/testenv) is not set"
plan 11

tenant="mt$$r$RANDOM"
db="e2e_mt_$$_$RANDOM"
count() {
  "$TRIB_MONGO_PYTHON" -c 'import json, sys, pymongo
c = pymongo.MongoClient(sys.argv[1], serverSelectionTimeoutMS=2000)
print(c[sys.argv[2]][sys.argv[3]].count_documents(json.loads(sys.argv[4])))' \
    "$MONGO_URL" "$db" "$1" "${2:-{\}}" 2>/dev/null || echo 0
}
echo "admin-$RANDOM-$RANDOM-secret-token" > "$E2E_TMP/admin.token"
admin=(-H "Authorization: Bearer $(cat "$E2E_TMP/admin.token")")
# worker <log> [extra property]: a fresh worker (tenants live in its memory), tenant and key
worker() {
  port=$(free_port)
  write_worker_props "$E2E_TMP/w.properties" "$port" "$E2E_TMP/w.offsets" \
    "admin.token.file=$E2E_TMP/admin.token" "tenant.key.secret.file=$E2E_TMP/key.secret" \
    "value.converter.schemas.enable=false" "value.converter=org.apache.kafka.connect.json.JsonConverter" ${2:+"$2"}
  start_worker "$E2E_TMP/w.properties" "$E2E_TMP/$1"
  wait_rest "$port" 60 || bail "worker did not start"
  curl -s -o /dev/null -X POST "${admin[@]}" -H 'Content-Type: application/json' --data "{\"name\":\"$tenant\"}" \
    "http://127.0.0.1:$port/tenants"
  key=$(curl -s -X POST "${admin[@]}" "http://127.0.0.1:$port/tenants/$tenant/keys" | jq -r .key)
}
post() { # post <json>: prints "<status> <body>"
  local out
  out=$(curl -s -X POST -H "Authorization: Bearer $key" -H 'Content-Type: application/json' --data "$1" \
    -w '\n%{http_code}' "http://127.0.0.1:$port/tenants/$tenant/connectors")
  echo "${out##*$'\n'} ${out%$'\n'*}"
}
base="\"connector.class\":\"MongoSink\",\"database\":\"$db\",\"document.id.strategy\":\"ProvidedInValueStrategy\""

# the default outbound policy: FerretDB on 127.0.0.1 is loopback, denied
worker w0.log
r=$(post "{\"name\":\"lo\",\"config\":{$base,\"connection.uri\":\"$MONGO_URL\",\"topics\":\"$tenant.lo\"}}")
like "$r" "^201 " "under the default outbound policy the sink is created (addresses are checked on connect)"
echo '{"_id":1}' | kcat -b "$KAFKA_BOOTSTRAP" -P -t "$tenant.lo" 2>/dev/null
wait_for 60 'curl -s -H "Authorization: Bearer $key" "http://127.0.0.1:$port/tenants/$tenant/connectors/lo/status" | jq -e ".tasks[0].state == \"FAILED\""'
ok $? "its task FAILS instead of retrying"
trace=$(curl -s -H "Authorization: Bearer $key" "http://127.0.0.1:$port/tenants/$tenant/connectors/lo/status" | jq -r '.tasks[0].trace')
like "$trace" "outbound policy.*(loopback|127\.0\.0\.1)" "the trace says the outbound policy refused the loopback address"
kill -TERM "$WORKER_PID"; wait "$WORKER_PID" 2>/dev/null

worker w.log tenant.outbound.allow=127.0.0.1

r=$(post "{\"name\":\"m1\",\"config\":{$base,\"connection.uri\":\"$MONGO_URL\",\"topics\":\"other.orders\"}}")
like "$r" "^403 .*topics" "a topic outside the tenant's prefix is refused (403, names topics)"
r=$(post "{\"name\":\"m2\",\"config\":{$base,\"connection.uri\":\"$MONGO_URL\",\"topics.regex\":\".*\"}}")
like "$r" "^403 .*topics.regex" "a topics.regex reaching beyond the prefix is refused"
r=$(post "{\"name\":\"m3\",\"config\":{$base,\"connection.uri\":\"${MONGO_URL}?tlsCAFile=/etc/ssl/private/worker.pem\",\"topics\":\"$tenant.orders\"}}")
like "$r" "^40[03] .*connection.uri.*tlsCAFile" "a connection.uri naming a file on the worker is refused, naming the option"
r=$(post "{\"name\":\"m4\",\"config\":{$base,\"connection.uri\":\"${MONGO_URL}?authMechanism=MONGODB-AWS\",\"topics\":\"$tenant.orders\"}}")
like "$r" "^40[03] .*authMechanism" "authMechanism=MONGODB-AWS (the worker's own credentials) is refused"
r=$(post "{\"name\":\"sink\",\"config\":{$base,\"connection.uri\":\"$MONGO_URL\",\"topics\":\"$tenant.orders\",\"collection\":\"orders\"}}")
like "$r" "^201 " "a sink on the tenant's own topic is created"
for i in 1 2 3 4 5; do echo "{\"_id\":$i,\"n\":$i}"; done | kcat -b "$KAFKA_BOOTSTRAP" -P -t "$tenant.orders" 2>/dev/null
wait_for 60 'test "$(count orders)" -ge 5'
is "$(count orders)" 5 "the tenant's records are written"
is "$(count __tributary_offsets "{\"connector\": \"$tenant/sink\", \"next\": 5}")" 1 \
  "its offsets are kept under the tenant-qualified connector name"
st=$(curl -s -H "Authorization: Bearer $key" "http://127.0.0.1:$port/tenants/$tenant/connectors/sink/status" | jq -r '.tasks[0].state')
is "$st" RUNNING "the task is RUNNING"
kill -TERM "$WORKER_PID"; wait "$WORKER_PID" 2>/dev/null
"$TRIB_MONGO_PYTHON" -c 'import sys, pymongo; pymongo.MongoClient(sys.argv[1]).drop_database(sys.argv[2])' \
  "$MONGO_URL" "$db" >/dev/null 2>&1
finish
