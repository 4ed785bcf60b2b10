#!/usr/bin/env bash
# Poison records go to the dead letter queue with Connect's context
# headers instead of the floor, for sink and (unlike Connect) source
# connectors; with errors.tolerance=none the task fails with a trace.
. "$(dirname "$0")/lib.sh"
require_services
plan 11

port=$(free_port)
topic=$(uniq_name dlq-in)
dlq=$(uniq_name dlq-out)
out=$E2E_TMP/out.txt
# good, poison, good, poison, good
printf '%s\n' '{"a":1}' 'not json {' '{"a":2}' '{"broken":' '{"a":3}' |
  kcat -b "$KAFKA_BOOTSTRAP" -P -t "$topic" -k key 2>/dev/null
write_worker_props "$E2E_TMP/worker.properties" "$port" "$E2E_TMP/offsets" "tributary.task.auto.restart=false"
start_worker "$E2E_TMP/worker.properties" "$E2E_TMP/worker.log"
wait_rest "$port" 30; ok $? "worker is ready"

r=$(rest POST "$port" /connectors "{\"name\":\"sink\",\"config\":{\"connector.class\":\"FileStreamSink\",\"file\":\"$out\",\"topics\":\"$topic\",\"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\",\"value.converter.schemas.enable\":\"false\",\"errors.tolerance\":\"all\",\"errors.deadletterqueue.topic.name\":\"$dlq\",\"errors.deadletterqueue.topic.replication.factor\":\"1\",\"errors.deadletterqueue.context.headers.enable\":\"true\"}}")
like "$r" '^201 ' "sink connector with a DLQ is created"

wait_for 60 'test "$(lines_in "$out")" -ge 3'
is "$(cat "$out" 2>/dev/null | tr '\n' ' ')" "{a=1} {a=2} {a=3} " "the three good records reach the sink"
wait_for 30 'test "$(topic_count "$dlq")" -ge 2'
is "$(topic_values "$dlq" | tr '\n' '|')" "not json {|{\"broken\":|" "both poison records are in the DLQ, bytes unchanged"
hdrs=$(kcat -b "$KAFKA_BOOTSTRAP" -C -t "$dlq" -e -q -c 1 -f '%h' 2>/dev/null)
like "$hdrs" "__connect.errors.topic=$topic" "DLQ record names the original topic"
like "$hdrs" "__connect.errors.offset=1" "DLQ record names the original offset"
like "$hdrs" "__connect.errors.stage=VALUE_CONVERTER" "DLQ record names the failing stage"
like "$hdrs" "__connect.errors.exception.message=" "DLQ record carries the error message"

# source side: a value the converter cannot encode goes to the DLQ too
srcdlq=$(uniq_name src-dlq)
printf 'alpha\nbeta\n' > "$E2E_TMP/src.txt"
r=$(rest POST "$port" /connectors "{\"name\":\"src\",\"config\":{\"connector.class\":\"FileStreamSource\",\"file\":\"$E2E_TMP/src.txt\",\"topic\":\"$(uniq_name src-out)\",\"value.converter\":\"org.apache.kafka.connect.converters.ByteArrayConverter\",\"errors.tolerance\":\"all\",\"errors.deadletterqueue.topic.name\":\"$srcdlq\",\"errors.deadletterqueue.topic.replication.factor\":\"1\",\"errors.deadletterqueue.context.headers.enable\":\"true\"}}")
wait_for 30 'test "$(topic_count "$srcdlq")" -ge 2'
is "$(topic_count "$srcdlq")" 2 "source records that fail conversion land in the source DLQ"

# tolerance none: the task fails and says why
r=$(rest POST "$port" /connectors "{\"name\":\"strict\",\"config\":{\"connector.class\":\"FileStreamSink\",\"file\":\"$E2E_TMP/strict.txt\",\"topics\":\"$topic\",\"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\",\"value.converter.schemas.enable\":\"false\"}}")
wait_for 30 "curl -s http://127.0.0.1:$port/connectors/strict/status | grep -q FAILED"
st=$(rest GET "$port" /connectors/strict/tasks/0/status)
like "$st" '"state": ?"FAILED"' "with errors.tolerance=none the task is FAILED"
like "$st" '"trace": ?".*Tolerance exceeded' "the FAILED task's trace explains the error"
kill -TERM "$WORKER_PID"; wait "$WORKER_PID" 2>/dev/null
[ $_tap_failed -gt 0 ] && { tail -30 "$E2E_TMP/worker.log" | sed 's/^/# /'; }
finish
