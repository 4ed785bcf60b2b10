#!/usr/bin/env bash
# WebSocket ingest (docs/connectors/http-ingest.md, "WebSocket"): the
# handshake on GET /ingest/{c}; one acknowledgement per message after
# Kafka's, in order; a refused record named with its field; 100,000
# records streamed in pipelined messages, every one acknowledged with an
# offset and in the topic; binary messages close with 1003, oversize ones
# with 1009; a tenant's session needs its key.
. "$(dirname "$0")/lib.sh"
require_services
plan 14

port=$(free_port)
write_worker_props "$E2E_TMP/w.properties" "$port" "$E2E_TMP/offsets"
start_worker "$E2E_TMP/w.properties" "$E2E_TMP/w.log"
wait_rest "$port" 60 || bail "worker did not start"
ws() { timeout 300 python3 "$(dirname "$0")/tools/ws_ingest_client.py" 127.0.0.1 "$port" "$@"; }
topic=ingest-ws-$$-$RANDOM; create_topic "$topic"
schema='{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"n\",\"type\":\"long\"},{\"name\":\"payload\",\"type\":\"string\"}]}'
code=$(rest POST "$port" /connectors "{\"name\":\"ws\",\"config\":{\"connector.class\":\"HttpIngest\",\"topic\":\"$topic\",
  \"value.schema\":\"$schema\",\"max.body.bytes\":\"1048576\",\"header.names\":\"X-Source\",
  \"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\",\"value.converter.schemas.enable\":\"false\"}}" | cut -d' ' -f1)
is "$code" 201 "an HttpIngest connector is created"

out=$(ws /ingest/ws send '{"n":1,"payload":"a"}' '[{"n":2,"payload":"b"},{"n":"x","payload":"c"}]' '{"n":' H:X-Source:probe)
l1=$(sed -n 1p <<<"$out"); l2=$(sed -n 2p <<<"$out"); l3=$(sed -n 3p <<<"$out")
is "$(jq -c '[.status, .seq, .accepted, (.results[0].offset >= 0)]' <<<"$l1")" "[200,0,1,true]" \
   "a message with one record is acknowledged with its offset"
is "$(jq -c '[.status, .seq, .accepted, .results[1].field, .results[1].rule_id]' <<<"$l2")" '[200,1,1,"n","type"]' \
   "an array message: the valid record produced, the invalid one named"
is "$(jq -c '[.status, .seq]' <<<"$l3")" "[400,2]" "a message that is not JSON: 400, and the session goes on"
is "$(kcat -b "$KAFKA_BOOTSTRAP" -C -t "$topic" -e -q -f '%h\n' 2>/dev/null | head -1)" "X-Source=probe" \
   "headers of the upgrade request listed in header.names reach Kafka"

t0=$(date +%s%N)
sum=$(ws /ingest/ws stream 100000 500)
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
diag "100000 records over WebSocket in ${ms} ms: $sum"
is "$(jq -c '[.acked, .messages, .bad, .seq_ok]' <<<"$sum")" "[100000,200,0,true]" \
   "100,000 records in 200 pipelined messages: every one acknowledged with an offset, in order"
is "$(topic_count "$topic")" 100002 "and every acknowledged record is in the topic"

is "$(ws /ingest/ws binary | jq -c .close_code)" 1003 "a binary message closes the session with 1003"
is "$(ws /ingest/ws big 2000000 | jq -c .close_code)" 1009 "a message over max.body.bytes closes it with 1009"
is "$(ws /ingest/nope send '{}' | jq -r .handshake)" "HTTP/1.1 404 Not Found" "an unknown connector refuses the handshake: 404"
ok "$(kill -0 "$WORKER_PID"; echo $?)" "the worker is still running"
ws /ingest/ws hold 30 > "$E2E_TMP/hold" &
sleep 1
kill -TERM "$WORKER_PID"
wait_for 30 '! kill -0 $WORKER_PID'
wait_for 10 "[ -s $E2E_TMP/hold ]"
is "$(jq -c .close_code "$E2E_TMP/hold")" 1001 "at shutdown an open session is closed with 1001 (going away)"
ok "$(kill -0 "$WORKER_PID" 2>/dev/null; [ $? -ne 0 ]; echo $?)" "and the worker exits"

unlike "$(cat "$E2E_TMP/w.log")" "Sanitizer" "it stops on SIGTERM with no sanitizer report (leaks included)"
finish
