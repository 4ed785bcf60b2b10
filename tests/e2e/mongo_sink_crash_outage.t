#!/usr/bin/env bash
# MongoSink under the real worker against SecantusDB: kill -9 of the worker
# in the middle of a load, then MongoDB stopped and started in the middle
# of the rest. The task resumes from the offsets it stored in the target
# database, stays RUNNING while MongoDB is away, and in the end every
# record is there exactly once (a stable id: FullKeyStrategy on the key).
. "$(dirname "$0")/lib.sh"
require_services
[ -n "${MONGO_CS_URL:-}" ] || bail "MONGO_CS_URL is not set"
[ -x "${TRIB_MONGO_PYTHON:-}" ] || bail "TRIB_MONGO_PYTHON (pymongo, from scripts/testenv) is not set"
plan 9

N=20000
topic=$(uniq_name mongo-crash)
db=$(echo "e2e_$$_$RANDOM")
# count <filter-json>: documents of the collection (0 while the server is away)
count() {
  "$TRIB_MONGO_PYTHON" -c 'import json, sys, pymongo
c = pymongo.MongoClient(sys.argv[1], serverSelectionTimeoutMS=2000)
print(c[sys.argv[2]][sys.argv[3]].count_documents(json.loads(sys.argv[4])))' \
    "$MONGO_CS_URL" "$db" "$1" "${2:-{\}}" 2>/dev/null || echo 0
}

port=$(free_port)
json=("value.converter=org.apache.kafka.connect.json.JsonConverter" "key.converter=org.apache.kafka.connect.json.JsonConverter")
write_worker_props "$E2E_TMP/gen.properties" "$port" "$E2E_TMP/gen.offsets" "${json[@]}"
cat > "$E2E_TMP/gen.json" <<JSON
{"name":"gen","config":{"connector.class":"DataGen","topic":"$topic","value.shape":"orders","key.shape":"sequence",
 "count":"$N","batch.size":"5000"}}
JSON
start_worker "$E2E_TMP/gen.properties" "$E2E_TMP/gen.log" "$E2E_TMP/gen.json"
wait_for 300 'test "$(topic_count "$topic")" -ge $N'
kill -TERM "$WORKER_PID"; wait "$WORKER_PID" 2>/dev/null

port=$(free_port)
write_worker_props "$E2E_TMP/sink.properties" "$port" "$E2E_TMP/sink.offsets" "${json[@]}" \
  "errors.retry.delay.max.ms=1000"
cat > "$E2E_TMP/sink.json" <<JSON
{"name":"msink","config":{"connector.class":"com.mongodb.kafka.connect.MongoSinkConnector","topics":"$topic",
 "connection.uri":"$MONGO_CS_URL","database":"$db","collection":"orders",
 "document.id.strategy":"FullKeyStrategy","max.batch.size":"500"}}
JSON
start_worker "$E2E_TMP/sink.properties" "$E2E_TMP/sink.log" "$E2E_TMP/sink.json"
wait_for 300 'test "$(count orders)" -ge $((N / 5))'
kill -9 "$WORKER_PID"; wait "$WORKER_PID" 2>/dev/null
at=$(count orders)
ok $([ "$at" -lt "$N" ]; echo $?) "worker killed with -9 in the middle of the load ($at of $N documents)"

start_worker "$E2E_TMP/sink.properties" "$E2E_TMP/sink2.log" "$E2E_TMP/sink.json"
wait_for 120 'grep -q "resumes at offset" "$E2E_TMP/sink2.log"'
ok $? "the restarted task resumes from the offsets stored in MongoDB"
wait_for 300 'test "$(count orders)" -ge $((N / 2))'
"$E2E_ROOT/scripts/testenv" stop-mongocs >/dev/null 2>&1
ok $? "MongoDB stopped in the middle of the rest ($(count orders) is 0 while it is away)"
sleep 8
st=$(curl -s "http://127.0.0.1:$port/connectors/msink/tasks/0/status" | jq -r .state)
is "$st" RUNNING "the task stays RUNNING while MongoDB is down"
"$E2E_ROOT/scripts/testenv" start-mongocs >/dev/null 2>&1
ok $? "MongoDB started again"
wait_for 300 'test "$(count orders)" -ge $N'
sleep 2
is "$(count orders)" "$N" "exactly $N documents: nothing lost, nothing twice"
is "$(count __tributary_offsets '{"next": '$N'}')" 1 "the stored offset is at the end of the partition"
st=$(curl -s "http://127.0.0.1:$port/connectors/msink/tasks/0/status" | jq -r .state)
is "$st" RUNNING "the task is RUNNING after the outage"
grep -q "put failed, retrying" "$E2E_TMP/sink2.log"; ok $? "the worker log shows the retries"
kill -TERM "$WORKER_PID"; wait "$WORKER_PID" 2>/dev/null
"$TRIB_MONGO_PYTHON" -c 'import sys, pymongo; pymongo.MongoClient(sys.argv[1]).drop_database(sys.argv[2])' \
  "$MONGO_CS_URL" "$db" >/dev/null 2>&1
finish
