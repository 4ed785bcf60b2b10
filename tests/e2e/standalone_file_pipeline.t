#!/usr/bin/env bash
# A file flows FileStreamSource -> Kafka topic -> FileStreamSink through a
# standalone worker and arrives byte for byte; lines appended while the
# worker runs arrive too (tail -f behaviour).
. "$(dirname "$0")/lib.sh"
require_services
plan 7

port=$(free_port)
topic=$(uniq_name file-pipeline)
in=$E2E_TMP/in.txt
out=$E2E_TMP/out.txt
# varied content: unicode, tabs, long line, quotes, backslashes
{
  for i in $(seq 1 500); do echo "line $i: héllo wörld ✓ \"quoted\" back\\slash	tab"; done
  head -c 3000 /dev/zero | tr '\0' 'x'; echo
  echo "last line"
} > "$in"

write_worker_props "$E2E_TMP/worker.properties" "$port" "$E2E_TMP/offsets"
cat > "$E2E_TMP/source.json" <<JSON
{"name":"src","config":{"connector.class":"FileStreamSource","file":"$in","topic":"$topic"}}
JSON
cat > "$E2E_TMP/sink.properties" <<PROPS
name=sink
connector.class=org.apache.kafka.connect.file.FileStreamSinkConnector
file=$out
topics=$topic
PROPS
start_worker "$E2E_TMP/worker.properties" "$E2E_TMP/worker.log" "$E2E_TMP/source.json" "$E2E_TMP/sink.properties"
wait_rest "$port" 30; ok $? "worker REST API is ready"

want=$(lines_in "$in")
wait_for 60 'test "$(lines_in "$out")" -ge "$want"'
ok $? "the sink wrote all $want lines"
cmp -s "$in" "$out"; ok $? "output file is byte-identical to the input"

echo "appended while running" >> "$in"
cat "$in" > "$E2E_TMP/expected"
wait_for 30 'cmp -s "$E2E_TMP/expected" "$out"'; ok $? "an appended line arrives too"

# Task threads carry their task's name (t:<id>:<connector>), not the name
# of the REST thread that started them, so top -H and perf show who is busy.
names=$(cat /proc/"$WORKER_PID"/task/*/comm 2>/dev/null | sort | tr '\n' ' ')
like "$names" '(^| )t:0:src .*t:0:sink|t:0:sink .*t:0:src' "task threads are named t:<id>:<connector>"

status=$(rest GET "$port" /connectors/src/status)
like "$status" '^200 .*"state": ?"RUNNING"' "source connector status is RUNNING"

kill -TERM "$WORKER_PID"; wait "$WORKER_PID"; rc=$?
is "$rc" 0 "SIGTERM stops the worker with exit status 0"
[ $_tap_failed -gt 0 ] && { diag "worker log:"; tail -30 "$E2E_TMP/worker.log" | sed 's/^/# /'; }
finish
