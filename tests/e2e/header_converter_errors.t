#!/usr/bin/env bash
# header.converter failures on both sides: headers are converted after key
# and value (Connect's HEADER_CONVERTER stage). Sink, with JsonConverter:
# records whose headers are Connect JSON reach the sink; a record with a
# header that is not JSON goes to the dead letter queue under
# errors.tolerance=all, naming the stage and keeping the header bytes as
# read, and fails the task under errors.tolerance=none. Source: a STRING
# header (InsertHeader) that IntegerConverter cannot write sends the record
# to the source DLQ instead of the topic.
. "$(dirname "$0")/lib.sh"
require_services
plan 10

port=$(free_port)
topic=$(uniq_name hc-in)
dlq=$(uniq_name hc-dlq)
out=$E2E_TMP/out.txt
produce() { # <value> <header h's bytes>
  printf '%s\n' "$1" | kcat -b "$KAFKA_BOOTSTRAP" -P -t "$topic" -H "h=$2" 2>/dev/null
}
produce one '{"schema":{"type":"int32","optional":false},"payload":7}'
produce two '{bad'
produce three '{"schema":{"type":"string","optional":false},"payload":"x"}'
write_worker_props "$E2E_TMP/worker.properties" "$port" "$E2E_TMP/offsets" "tributary.task.auto.restart=false"
start_worker "$E2E_TMP/worker.properties" "$E2E_TMP/worker.log"
wait_rest "$port" 30; ok $? "worker is ready"

r=$(rest POST "$port" /connectors "{\"name\":\"sink\",\"config\":{\"connector.class\":\"FileStreamSink\",\"file\":\"$out\",\"topics\":\"$topic\",\"header.converter\":\"org.apache.kafka.connect.json.JsonConverter\",\"errors.tolerance\":\"all\",\"errors.deadletterqueue.topic.name\":\"$dlq\",\"errors.deadletterqueue.topic.replication.factor\":\"1\",\"errors.deadletterqueue.context.headers.enable\":\"true\"}}")
like "$r" '^201 ' "a sink with header.converter=JsonConverter and a DLQ is created"
wait_for 60 'test "$(lines_in "$out")" -ge 2'
is "$(tr '\n' ' ' < "$out" 2>/dev/null)" "one three " "the records whose headers are Connect JSON reach the sink"
wait_for 30 'test "$(topic_count "$dlq")" -ge 1'
is "$(topic_values "$dlq" | tr '\n' '|')" "two|" "the record with a header that is not JSON is in the DLQ"
hdrs=$(kcat -b "$KAFKA_BOOTSTRAP" -C -t "$dlq" -e -q -c 1 -f '%h' 2>/dev/null)
like "$hdrs" "__connect.errors.stage=HEADER_CONVERTER" "the DLQ record names the HEADER_CONVERTER stage"
like "$hdrs" "__connect.errors.class.name=org.apache.kafka.connect.json.JsonConverter" "and the header converter's class"
like "$hdrs" "(^|,)h=\{bad(,|$)" "and carries the header bytes as they were read"

r=$(rest POST "$port" /connectors "{\"name\":\"strict\",\"config\":{\"connector.class\":\"FileStreamSink\",\"file\":\"$E2E_TMP/strict.txt\",\"topics\":\"$topic\",\"header.converter\":\"JsonConverter\"}}")
wait_for 30 "curl -s http://127.0.0.1:$port/connectors/strict/status | grep -q FAILED"
like "$(rest GET "$port" /connectors/strict/tasks/0/status)" '"trace": ?".*header .h.' \
  "with errors.tolerance=none the task fails, its trace naming the header"

src_out=$(uniq_name hc-src-out)
src_dlq=$(uniq_name hc-src-dlq)
printf 'alpha\nbeta\n' > "$E2E_TMP/src.txt"
r=$(rest POST "$port" /connectors "{\"name\":\"src\",\"config\":{\"connector.class\":\"FileStreamSource\",\"file\":\"$E2E_TMP/src.txt\",\"topic\":\"$src_out\",\"header.converter\":\"IntegerConverter\",\"transforms\":\"h\",\"transforms.h.type\":\"InsertHeader\",\"transforms.h.header\":\"h\",\"transforms.h.value.literal\":\"not a number\",\"errors.tolerance\":\"all\",\"errors.deadletterqueue.topic.name\":\"$src_dlq\",\"errors.deadletterqueue.topic.replication.factor\":\"1\",\"errors.deadletterqueue.context.headers.enable\":\"true\"}}")
wait_for 30 'test "$(topic_count "$src_dlq")" -ge 2'
like "$(kcat -b "$KAFKA_BOOTSTRAP" -C -t "$src_dlq" -e -q -c 1 -f '%h' 2>/dev/null)" \
  "__connect.errors.stage=HEADER_CONVERTER" "source: a header IntegerConverter cannot write sends the record to the DLQ"
is "$(topic_count "$src_out")" 0 "and nothing to the connector's topic"
kill -TERM "$WORKER_PID"; wait "$WORKER_PID" 2>/dev/null
finish
