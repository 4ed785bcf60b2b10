#!/usr/bin/env bash
# PostgreSQL restarted in the middle of a sink load: the task retries,
# reconnects and resumes; nothing is lost and nothing is written twice.
. "$(dirname "$0")/lib.sh"
require_services
[ -n "${PG_URL:-}" ] || bail "PG_URL is not set"
plan 5

N=200000
topic=$(uniq_name pg-restart)
table=$(echo "$topic" | tr '-' '_')
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
write_worker_props "$E2E_TMP/sink.properties" "$port" "$E2E_TMP/sink.offsets" "${json[@]}"
cat > "$E2E_TMP/sink.json" <<JSON
{"name":"pgr","config":{"connector.class":"PostgresSink","topics":"$topic","connection.url":"$PG_URL",
 "table.name.format":"$table","auto.create":"true","batch.size":"2000","retry.backoff.ms":"500","max.retries":"100"}}
JSON
rows() { psql "$PG_URL" -Atc "SELECT count(*) FROM \"$table\"" 2>/dev/null || echo 0; }
start_worker "$E2E_TMP/sink.properties" "$E2E_TMP/sink.log" "$E2E_TMP/sink.json"
wait_for 120 'test "$(rows)" -ge 20000'
before=$(rows)
"$E2E_ROOT/scripts/testenv" restart-postgres >/dev/null 2>&1
ok $? "PostgreSQL restarted during the load (at $before rows)"
wait_for 300 'test "$(rows)" -ge $N'
sleep 2
is "$(rows)" "$N" "exactly $N rows after the restart"
is "$(psql "$PG_URL" -Atc "SELECT count(DISTINCT order_id) FROM \"$table\"")" "$N" "every key once"
st=$(curl -s "http://127.0.0.1:$port/connectors/pgr/tasks/0/status" | jq -r .state)
is "$st" RUNNING "the sink task is still RUNNING (it retried, not failed)"
grep -qi "retr" "$E2E_TMP/sink.log"; ok $? "the worker log shows the retries"
kill -TERM "$WORKER_PID"; wait "$WORKER_PID" 2>/dev/null
psql "$PG_URL" -qc "DROP TABLE IF EXISTS \"$table\"" >/dev/null 2>&1
finish
