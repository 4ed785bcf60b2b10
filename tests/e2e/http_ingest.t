#!/usr/bin/env bash
# HTTP ingest (docs/connectors/http-ingest.md) on one standalone worker
# against the real broker: every body form (object, array, NDJSON, chunked)
# answered after Kafka's acknowledgement with partition and offset; records
# typed by a declared Avro schema (key from fields, headers from HTTP
# headers); per-record refusals naming index, field and rule, or the whole
# batch refused (batch.all.or.nothing), or the DLQ (errors.tolerance=all);
# 413, 415, 429 + Retry-After; a hostile payload catalogue; a paused broker
# (SIGSTOP) gives 504 and no record in Kafka, never a 200; counters; a
# worker stopped mid-request still answers it.
. "$(dirname "$0")/lib.sh"
require_services
plan 63

port=$(free_port)
write_worker_props "$E2E_TMP/w.properties" "$port" "$E2E_TMP/offsets"
start_worker "$E2E_TMP/w.properties" "$E2E_TMP/w.log"
wait_rest "$port" 60 || bail "worker did not start"
base=http://127.0.0.1:$port
topic=ingest-typed-$$-$RANDOM
create_topic "$topic"
schema='{\"type\":\"record\",\"name\":\"reading\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"},{\"name\":\"speed\",\"type\":\"double\"},{\"name\":\"at\",\"type\":[\"null\",{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}],\"default\":null}]}'
mk() { # mk <name> <extra config json members>
  rest POST "$port" /connectors "{\"name\":\"$1\",\"config\":{\"connector.class\":\"HttpIngest\",$2}}" | cut -d' ' -f1
}
is "$(mk typed "\"topic\":\"$topic\",\"value.schema\":\"$schema\",\"key.fields\":\"id\",\"header.names\":\"X-Request-Id\",
  \"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\",\"value.converter.schemas.enable\":\"false\",
  \"key.converter\":\"org.apache.kafka.connect.json.JsonConverter\",\"key.converter.schemas.enable\":\"false\",
  \"max.body.bytes\":\"65536\"")" 201 "an HttpIngest connector with a declared Avro schema is created"
post() { # post <path> <content-type> <data> [curl args...]: "<status>\n<body>" into $out
  local p=$1 ct=$2 d=$3; shift 3
  out=$(curl -s -D "$E2E_TMP/h" -w '\n%{http_code}' -X POST -H "Content-Type: $ct" "$@" --data-binary "$d" "$base$p")
  code=${out##*$'\n'}; out=${out%$'\n'*}
}

post /ingest/typed application/json '{"id":1,"speed":1.5,"at":"2026-12-07T10:00:00Z"}' -H 'X-Request-Id: r-1'
is "$code" 200 "one JSON object: 200"
is "$(jq -c '[.accepted, .results[0].index, (.results[0].offset >= 0), (.results[0].partition >= 0)]' <<<"$out")" \
   "[1,0,true,true]" "with its partition and offset (a delivery report)"
rec=$(kcat -b "$KAFKA_BOOTSTRAP" -C -t "$topic" -e -q -f '%k|%s|%h\n' 2>/dev/null | head -1)
is "$rec" '{"id":1}|{"id":1,"speed":1.5,"at":1796637600000}|X-Request-Id=r-1' \
   "the record in Kafka is typed (timestamp text parsed), keyed by id, with the HTTP header"

post /ingest/typed application/json '[{"id":2,"speed":2},{"id":"x","speed":3},{"id":4,"speed":4,"colour":"red"},{"speed":5}]'
is "$code" 200 "a batch with invalid records: 200 for the valid ones"
is "$(jq -c '[.accepted, .rejected]' <<<"$out")" "[1,3]" "one accepted, three rejected"
is "$(jq -c '.results[1] | [.index, .field, .rule_id, .error_code]' <<<"$out")" '[1,"id","type",400]' \
   "a value of the wrong type names its index, field and rule"
is "$(jq -c '.results[2] | [.field, .rule_id]' <<<"$out")" '["colour","unknown_field"]' "an undeclared field is named"
is "$(jq -c '.results[3] | [.field, .rule_id]' <<<"$out")" '["id","required"]' "a missing required field is named"
is "$(topic_count "$topic")" 2 "only the valid records reached Kafka"

post /ingest/typed application/json '{"id":9,"speed":"fast"}'
is "$code" 400 "one invalid record: 400"
like "$out" 'record 0: field .speed.' "naming the record and the field"
is "$(jq -r '.errors[0].reason' <<<"$out" | grep -c 'fast')" 1 "and the reason quoting the value"

printf '{"id":10,"speed":1}\n\n{"id":11,"speed":2}\r\n{"id":12,"speed":3}\n' > "$E2E_TMP/nd"
post /ingest/typed application/x-ndjson @"$E2E_TMP/nd" -H 'Transfer-Encoding: chunked'
is "$code" 200 "NDJSON streamed with chunked encoding: 200"
is "$(jq -c '[.accepted, [.results[].offset] == ([.results[].offset] | sort)]' <<<"$out")" "[3,true]" \
   "three records acknowledged in order (blank lines and CRLF tolerated)"
printf '{"id":13,"speed":1}\n{"id":14,\n' > "$E2E_TMP/nd2"
post /ingest/typed application/x-ndjson @"$E2E_TMP/nd2"
is "$(jq -c '[.accepted, .results[1].rule_id]' <<<"$out")" '[1,"json"]' "an NDJSON line that is not JSON is refused alone"

post /ingest/typed text/plain 'hello'
is "$code" 415 "text/plain: 415"
like "$out" "application/x-ndjson" "naming the accepted types"
head -c 70000 /dev/zero | tr '\0' ' ' > "$E2E_TMP/big"
post /ingest/typed application/json @"$E2E_TMP/big"
is "$code" 413 "a body over max.body.bytes by Content-Length: 413"
post /ingest/typed application/json @"$E2E_TMP/big" -H 'Transfer-Encoding: chunked'
is "$code" 413 "and while a chunked body streams: 413"
like "$out" "max.body.bytes" "naming max.body.bytes"
post /ingest/nope application/json '{}'
is "$code" 404 "an unknown connector: 404"

# a client that goes away mid-body: nothing of its records is produced
before=$(topic_count "$topic")
python3 - "$port" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
body = b'{"id":100,"speed":1}\n' * 20
s.sendall(b"POST /ingest/typed HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\n"
          b"Content-Length: %d\r\n\r\n" % (len(body) * 2) + body)
time.sleep(0.5)
s.close()
PY
sleep 1
is "$(topic_count "$topic")" "$before" "a client disconnecting mid-body gets none of its complete lines produced"

# ---- hostile payloads on a schemaless connector ----------------------------------
loose=ingest-loose-$$-$RANDOM; create_topic "$loose"
is "$(mk loose "\"topic\":\"$loose\"")" 201 "a schemaless HttpIngest connector is created"
before=$(topic_count "$loose")
deep=$(python3 -c 'print("["*5000 + "]"*5000)')
post /ingest/loose application/json "$deep"
is "$code" 400 "deep nesting: 400"
post /ingest/loose application/json '{"n":123456789012345678901234567890}'
is "$code" 400 "an integer beyond 64 bits: 400"
like "$out" "too big" "saying the number is too big"
printf '{"s":"\xff\xfe"}' > "$E2E_TMP/utf"
post /ingest/loose application/json @"$E2E_TMP/utf"
is "$code" 400 "invalid UTF-8: 400"
post /ingest/loose application/json '{"a":1,"a":2}'
is "$code" 400 "duplicate keys: 400"
like "$out" "duplicate" "naming the duplicate"
code=$(head -c 104857600 /dev/zero | curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
       -H 'Expect:' -H 'Transfer-Encoding: chunked' --data-binary @- "$base/ingest/loose")
ok "$([ "$code" = 413 ] || [ "$code" = 000 ]; echo $?)" "a 100 MB chunked body is refused (413 or cut off), got $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -H 'Content-Length: 104857600' \
       --data-binary '{}' "$base/ingest/loose")
is "$code" 413 "a declared 100 MB body is refused before reading: 413"
post /ingest/loose application/json '[1,"two",{"three":3},null]'
is "$code" 200 "afterwards the worker still serves: schemaless values of any JSON type"
is "$(topic_count "$loose")" $((before + 4)) "and nothing of the hostile requests reached Kafka"

# config changes, pause and delete reach the next request
moved=ingest-moved-$$-$RANDOM; create_topic "$moved"
rest PUT "$port" /connectors/loose/config "{\"connector.class\":\"HttpIngest\",\"topic\":\"$moved\"}" >/dev/null
post /ingest/loose application/json '"after the change"'
is "$(topic_values "$moved")" 'after the change' "after PUT .../config the next record goes to the new topic"
rest PUT "$port" /connectors/loose/pause >/dev/null
wait_for 10 '[ "$(curl -s $base/connectors/loose/status | jq -r .connector.state)" = PAUSED ]'
post /ingest/loose application/json '1'
is "$code" 409 "a paused connector takes no records: 409"
rest DELETE "$port" /connectors/loose >/dev/null
post /ingest/loose application/json '1'
is "$code" 404 "a deleted connector: 404"

# ---- all-or-nothing, DLQ, back-pressure --------------------------------------------
aon=ingest-aon-$$-$RANDOM; create_topic "$aon"
mk aon "\"topic\":\"$aon\",\"value.schema\":\"$schema\",\"batch.all.or.nothing\":\"true\"" >/dev/null
post /ingest/aon application/json '[{"id":1,"speed":1},{"id":2,"speed":"slow"}]'
is "$code" 400 "all-or-nothing: a batch with one invalid record is 400"
is "$(topic_count "$aon")" 0 "and none of it is produced"
dlq=ingest-dlq-$$-$RANDOM; dtopic=ingest-d-$$-$RANDOM; create_topic "$dtopic"
mk dlq "\"topic\":\"$dtopic\",\"value.schema\":\"$schema\",\"errors.tolerance\":\"all\",\"errors.deadletterqueue.topic.name\":\"$dlq\",\"errors.deadletterqueue.topic.replication.factor\":\"1\",\"errors.deadletterqueue.context.headers.enable\":\"true\"" >/dev/null
post /ingest/dlq application/json '[{"id":1,"speed":1},{"id":2,"speed":"slow"}]'
is "$(jq -c '[.accepted, .results[1].dead_lettered]' <<<"$out")" "[1,true]" "errors.tolerance=all: the invalid record is dead-lettered"
like "$(kcat -b "$KAFKA_BOOTSTRAP" -C -t "$dlq" -e -q -f '%s %h\n' 2>/dev/null)" 'slow.*__connect.errors' \
   "the DLQ holds the record as sent, with error headers"
bp=ingest-bp-$$-$RANDOM; create_topic "$bp"
mk bp "\"topic\":\"$bp\",\"max.inflight.records\":\"3\"" >/dev/null
post /ingest/bp application/json '[1,2,3,4,5]'
is "$code" 429 "a batch above max.inflight.records: 429"
ok "$(grep -qi '^Retry-After: 1' "$E2E_TMP/h"; echo $?)" "with Retry-After"
is "$(topic_count "$bp")" 0 "and nothing of it produced"

m=$(curl -s "$base/ingest/typed")
is "$(jq -c '.metrics | [.requests >= 5, .records_accepted, .records_rejected >= 5, .latency_ms.count]' <<<"$m")" \
   "[true,6,true,6]" "GET /ingest/typed counts requests, records and acknowledgement latencies"

# ---- Validate rules in the connector's transforms ------------------------------------
vs='{\"type\":\"record\",\"name\":\"user\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"},{\"name\":\"email\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"age\",\"type\":\"int\"}]}'
rules='[{\"rule_id\":\"email_format\",\"name\":\"Email\",\"rule_type\":\"email\",\"column\":\"email\",\"severity\":\"error\"},{\"rule_id\":\"age_range\",\"name\":\"Age\",\"rule_type\":\"range\",\"column\":\"age\",\"parameters\":{\"min\":0,\"max\":120},\"severity\":\"warning\"}]'
vt=ingest-val-$$-$RANDOM; create_topic "$vt"
is "$(mk val "\"topic\":\"$vt\",\"value.schema\":\"$vs\",\"transforms\":\"check\",\"transforms.check.type\":\"Validate\",\"transforms.check.rules\":\"$rules\"")" 201 \
   "an HttpIngest connector with a Validate transform is created"
post /ingest/val application/json '[{"id":1,"email":"a@example.com","age":30},{"id":2,"email":"not-an-email","age":30},{"id":3,"email":"c@example.com","age":150}]'
is "$code" 200 "a batch with a record failing an error rule: 200"
is "$(jq -c '.results[1] | [.index, .field, .rule_id, .error_code]' <<<"$out")" '[1,"email","email_format",400]' \
   "the failing record is refused with its index, field and the rule id"
is "$(jq -c '[.accepted, .rejected]' <<<"$out")" "[2,1]" "the others are produced (a warning rule does not refuse)"
like "$(kcat -b "$KAFKA_BOOTSTRAP" -C -t "$vt" -e -q -f '%h\n' 2>/dev/null)" "__validate.warning=age_range" \
   "the record breaking a warning rule carries the warning header in Kafka"
post /ingest/val application/json '{"id":4,"email":"nope","age":1}'
is "$code" 400 "one record failing an error rule: 400"
like "$(jq -r .message <<<"$out")" "email.*email_format" "naming the field and the rule"
vd=ingest-vdlq-$$-$RANDOM; vt2=ingest-val2-$$-$RANDOM; create_topic "$vt2"
mk val2 "\"topic\":\"$vt2\",\"value.schema\":\"$vs\",\"transforms\":\"check\",\"transforms.check.type\":\"Validate\",\"transforms.check.on.failure\":\"dlq\",\"transforms.check.rules\":\"$rules\",\"errors.deadletterqueue.topic.name\":\"$vd\",\"errors.deadletterqueue.topic.replication.factor\":\"1\"" >/dev/null
post /ingest/val2 application/json '{"id":5,"email":"nope","age":1}'
is "$(jq -c '[.results[0].dead_lettered, .results[0].rule_id]' <<<"$out")" '[true,"email_format"]' \
   "on.failure=dlq: the record goes to the DLQ, and the answer says so"
like "$(kcat -b "$KAFKA_BOOTSTRAP" -C -t "$vd" -e -q -f '%h\n' 2>/dev/null)" "__validate.rule.id=email_format" \
   "the DLQ copy names the rule in its headers"

# ---- ack after produce: a stopped broker never yields 200 ------------------------------
kpid=$(cat "$TRIB_RUN_DIR/kafka/kafka.pid")
slow=ingest-slow-$$-$RANDOM; create_topic "$slow"
mk slow "\"topic\":\"$slow\",\"ack.timeout.ms\":\"3000\"" >/dev/null
post /ingest/slow application/json '1'   # producer connected, metadata known
kill -STOP -- "-$kpid"
post /ingest/slow application/json '[2,3]'
kill -CONT -- "-$kpid"
is "$code" 504 "with the broker stopped, the request fails with 504 after ack.timeout.ms"
is "$(jq -c '[.accepted, .failed, .results[0].error_code]' <<<"$out")" "[0,2,504]" "every record reported not acknowledged"
wait_for 30 "[ \$(topic_count $slow) -ge 1 ]"
n=$(topic_count "$slow")
ok "$([ "$n" -ge 1 ] && [ "$n" -le 3 ]; echo $?)" "the topic holds the acknowledged record and at most the two unacknowledged ones ($n)"
if [ "$n" -gt 1 ]; then
  is "$(jq -r '[.results[].persisted] | unique | join(",")' <<<"$out")" "possibly" \
     "those that reached Kafka after all were reported as possibly persisted"
else
  is "$(jq -r '[.results[].persisted] | all(. == "no" or . == "possibly")' <<<"$out")" true \
     "unacknowledged records say whether they may have been persisted"
fi

# ---- shutdown: 503 for new requests, the request in flight is still answered ----------
kill -STOP -- "-$kpid"
( post /ingest/slow application/json '4'; echo "$code" > "$E2E_TMP/inflight" ) &
sleep 1
kill -TERM "$WORKER_PID"
sleep 0.5
post /ingest/slow application/json '5'
is "$code" 503 "after SIGTERM a new request is 503"
ok "$(grep -qi '^Retry-After:' "$E2E_TMP/h"; echo $?)" "with Retry-After"
kill -CONT -- "-$kpid"
wait_for 20 "[ -s $E2E_TMP/inflight ]"
is "$(cat "$E2E_TMP/inflight" 2>/dev/null)" 200 "the request in flight at SIGTERM is answered 200 once the broker acknowledges"
wait_for 30 '! kill -0 $WORKER_PID'
ok "$(kill -0 "$WORKER_PID" 2>/dev/null; [ $? -ne 0 ]; echo $?)" "and the worker then exits"
unlike "$(cat "$E2E_TMP/w.log")" "Sanitizer" "with no sanitizer report (leaks included)"
finish
