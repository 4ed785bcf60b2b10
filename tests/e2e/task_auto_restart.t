#!/usr/bin/env bash
# A FAILED task is restarted automatically with exponential backoff
# (tributary.task.auto.restart, on by default): a sink whose output
# directory is missing fails, and recovers by itself once it exists.
# With the setting off, it stays FAILED, as in Kafka Connect.
. "$(dirname "$0")/lib.sh"
require_services
plan 5

port=$(free_port)
topic=$(uniq_name autorestart)
printf 'one\ntwo\n' | kcat -b "$KAFKA_BOOTSTRAP" -P -t "$topic" 2>/dev/null
write_worker_props "$E2E_TMP/worker.properties" "$port" "$E2E_TMP/offsets"
start_worker "$E2E_TMP/worker.properties" "$E2E_TMP/worker.log"
wait_rest "$port" 30
out=$E2E_TMP/later/out.txt
rest POST "$port" /connectors "{\"name\":\"sink\",\"config\":{\"connector.class\":\"FileStreamSink\",\"file\":\"$out\",\"topics\":\"$topic\"}}" >/dev/null
wait_for 30 "curl -s http://127.0.0.1:$port/connectors/sink/tasks/0/status | grep -q FAILED"
ok $? "the sink task fails while its directory is missing"
mkdir -p "$E2E_TMP/later"
wait_for 30 "curl -s http://127.0.0.1:$port/connectors/sink/tasks/0/status | grep -q RUNNING"
ok $? "it is restarted automatically once the directory exists"
wait_for 30 'test "$(lines_in "$out")" -ge 2'
is "$(cat "$out" 2>/dev/null | tr '\n' ' ')" "one two " "and delivers the records"
grep -q "restarting it in" "$E2E_TMP/worker.log"; ok $? "the worker logs the backoff before restarting"
kill -TERM "$WORKER_PID"; wait "$WORKER_PID" 2>/dev/null

# with tributary.task.auto.restart=false a FAILED task stays FAILED
port=$(free_port)
write_worker_props "$E2E_TMP/w2.properties" "$port" "$E2E_TMP/offsets2" "tributary.task.auto.restart=false"
start_worker "$E2E_TMP/w2.properties" "$E2E_TMP/worker2.log"
wait_rest "$port" 30
rest POST "$port" /connectors "{\"name\":\"sink\",\"config\":{\"connector.class\":\"FileStreamSink\",\"file\":\"$E2E_TMP/never/out.txt\",\"topics\":\"$topic\"}}" >/dev/null
wait_for 30 "curl -s http://127.0.0.1:$port/connectors/sink/tasks/0/status | grep -q FAILED"
mkdir -p "$E2E_TMP/never"; sleep 4
like "$(curl -s "http://127.0.0.1:$port/connectors/sink/tasks/0/status")" '"state": ?"FAILED"' "without auto restart the task stays FAILED"
finish
