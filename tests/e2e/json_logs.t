#!/usr/bin/env bash
# tributary.log.format=json: every line on stderr is one JSON object with
# time, level, logger and message; task lines carry connector and task as
# fields. At DEBUG level, with a connector holding a password (PostgresSink
# connection.password) and a source reading a file, the password appears
# on no line, in either format.
. "$(dirname "$0")/lib.sh"
require_services
[ -n "${PG_URL:-}" ] || bail "PG_URL is not set (scripts/testenv up)"
plan 9

SECRET="s3cret-$RANDOM-$RANDOM-pw"
port=$(free_port)
topic=$(uniq_name jsonlog)
seq 1 50 > "$E2E_TMP/in.txt"
write_worker_props "$E2E_TMP/w.properties" "$port" "$E2E_TMP/offsets" "tributary.log.format=json"
TRIB_LOG_LEVEL=DEBUG start_worker "$E2E_TMP/w.properties" "$E2E_TMP/worker.log"
wait_rest "$port" 30; ok $? "worker REST API is ready"

rest POST "$port" /connectors "{\"name\":\"src\",\"config\":{\"connector.class\":\"FileStreamSource\",\"file\":\"$E2E_TMP/in.txt\",\"topic\":\"$topic\"}}" >/dev/null
rest POST "$port" /connectors "{\"name\":\"pg\",\"config\":{\"connector.class\":\"PostgresSink\",\"topics\":\"$topic\",\"connection.url\":\"$PG_URL\",\"connection.password\":\"$SECRET\",\"table.name.format\":\"jsonlog_$$\",\"auto.create\":\"true\"}}" >/dev/null
wait_for 30 'grep -q "\"connector\":\"src\",\"task\":0" "$E2E_TMP/worker.log"'
ok $? "a task line carries connector and task as fields"
kill -TERM "$WORKER_PID"; wait "$WORKER_PID"
is "$?" 0 "the worker stops with status 0"

lines=$(grep -c '' "$E2E_TMP/worker.log")
parsed=$(jq -c 'select(type == "object" and (.time|type) == "string" and (.level|type) == "string" and (.logger|type) == "string" and (.message|type) == "string")' "$E2E_TMP/worker.log" 2>/dev/null | grep -c '')
ok "$([ "$lines" -gt 20 ] && [ "$parsed" = "$lines" ]; echo $?)" "all $lines lines are JSON objects with time, level, logger, message ($parsed parsed)"
like "$(jq -r .time "$E2E_TMP/worker.log" | head -1)" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$' "time is ISO 8601 UTC with milliseconds"
is "$(jq -r .level "$E2E_TMP/worker.log" | sort -u | grep -cv '^\(ERROR\|WARN\|INFO\|DEBUG\|TRACE\)$')" 0 "levels are ERROR/WARN/INFO/DEBUG/TRACE"
like "$(jq -r 'select(.connector == "src" and .task == 0) | .message' "$E2E_TMP/worker.log" | head -50 | tr '\n' ' ')" 'task is RUNNING' "the message follows the [connector:task] prefix, without it"
grep -q "$SECRET" "$E2E_TMP/worker.log"; ok "$([ $? -ne 0 ]; echo $?)" "the connector's password appears on no JSON line"

# the text format, same run: the secret stays out too
port2=$(free_port)
write_worker_props "$E2E_TMP/t.properties" "$port2" "$E2E_TMP/offsets2"
TRIB_LOG_LEVEL=DEBUG start_worker "$E2E_TMP/t.properties" "$E2E_TMP/text.log"
wait_rest "$port2" 30
rest POST "$port2" /connectors "{\"name\":\"pg\",\"config\":{\"connector.class\":\"PostgresSink\",\"topics\":\"$topic\",\"connection.url\":\"$PG_URL\",\"connection.password\":\"$SECRET\",\"table.name.format\":\"jsonlog_$$\",\"auto.create\":\"true\"}}" >/dev/null
wait_for 20 'grep -q "\[pg:0\]" "$E2E_TMP/text.log"'
kill -TERM "$WORKER_PID"; wait "$WORKER_PID"
ok "$(! grep -q "$SECRET" "$E2E_TMP/text.log" && grep -q '\[pg:0\]' "$E2E_TMP/text.log"; echo $?)" "text format: the pg task logged, and not its password"
finish
