#!/usr/bin/env bash
# Kafka -> PostgreSQL exactly once: 1,000,000 Avro records, the sink worker
# killed with -9 three times during the load, end as exactly 1,000,000 rows
# with every key once (rows and offsets commit in one transaction). Then the
# same topic again in upsert mode with two tasks (batches COPYed straight
# into the table while their keys are new), killed once: the ledger covers
# the whole topic and every key is there once.
. "$(dirname "$0")/lib.sh"
require_services
[ -n "${PG_URL:-}" ] || bail "PG_URL is not set"
plan 10

N=${PG_EOS_RECORDS:-1000000}
topic=$(uniq_name pg-eos)
table=$(echo "$topic" | tr '-' '_')
port=$(free_port)
avro=("value.converter=io.confluent.connect.avro.AvroConverter" "value.converter.schema.registry.url=$SCHEMA_REGISTRY_URL"
      "key.converter=org.apache.kafka.connect.json.JsonConverter" "key.converter.schemas.enable=false")

# 1. produce N records once (DataGen, Avro), then stop that worker
write_worker_props "$E2E_TMP/gen.properties" "$port" "$E2E_TMP/gen.offsets" "${avro[@]}"
cat > "$E2E_TMP/gen.json" <<JSON
{"name":"gen","config":{"connector.class":"DataGen","topic":"$topic","value.shape":"orders","key.shape":"sequence",
 "count":"$N","tasks.max":"2","batch.size":"5000"}}
JSON
start_worker "$E2E_TMP/gen.properties" "$E2E_TMP/gen.log" "$E2E_TMP/gen.json"
wait_for 300 'test "$(topic_count "$topic")" -ge $N'
is "$(topic_count "$topic")" "$N" "$N Avro records are in the topic"
kill -TERM "$WORKER_PID"; wait "$WORKER_PID" 2>/dev/null

# 2. sink them into PostgreSQL, killing the worker three times
port=$(free_port)
write_worker_props "$E2E_TMP/sink.properties" "$port" "$E2E_TMP/sink.offsets" "${avro[@]}" "offset.flush.interval.ms=60000"
cat > "$E2E_TMP/sink.json" <<JSON
{"name":"pg","config":{"connector.class":"PostgresSink","topics":"$topic","connection.url":"$PG_URL",
 "table.name.format":"$table","auto.create":"true","insert.mode":"insert","batch.size":"5000","tasks.max":"1"}}
JSON
rows() { psql "$PG_URL" -Atc "SELECT count(*) FROM \"$table\"" 2>/dev/null || echo 0; }
kills=0
for round in 1 2 3; do
  start_worker "$E2E_TMP/sink.properties" "$E2E_TMP/sink$round.log" "$E2E_TMP/sink.json"
  # kill once some rows have landed, before all have
  wait_for 120 'r=$(rows); [ "$r" -ge $((round * N / 5)) ]'
  r=$(rows)
  if [ "$r" -lt "$N" ]; then
    kill -9 "$WORKER_PID"; wait "$WORKER_PID" 2>/dev/null
    kills=$((kills + 1))
    diag "round $round: kill -9 with $r rows written"
  else
    kill -TERM "$WORKER_PID"; wait "$WORKER_PID" 2>/dev/null
  fi
done
ok $([ "$kills" -ge 1 ] && echo 0 || echo 1) "the sink worker was killed mid-load ($kills times)"
start_worker "$E2E_TMP/sink.properties" "$E2E_TMP/sink-final.log" "$E2E_TMP/sink.json"
wait_for 300 'test "$(rows)" -ge $N'
sleep 2
is "$(rows)" "$N" "exactly $N rows"
is "$(psql "$PG_URL" -Atc "SELECT count(DISTINCT order_id) FROM \"$table\"")" "$N" "every key once"
is "$(psql "$PG_URL" -Atc "SELECT min(order_id) || '-' || max(order_id) FROM \"$table\"")" "0-$((N - 1))" "keys 0..N-1, no gap"
off=$(psql "$PG_URL" -Atc "SELECT sum(next_offset) FROM __tributary_offsets WHERE connector = 'pg' AND topic = '$topic'" 2>/dev/null)
is "$off" "$N" "the offsets table says the whole topic is written"
kill -TERM "$WORKER_PID"; wait "$WORKER_PID" 2>/dev/null
# 3. upsert, two tasks, one kill -9
up="${table}_up"
port=$(free_port)
write_worker_props "$E2E_TMP/up.properties" "$port" "$E2E_TMP/up.offsets" "${avro[@]}" "offset.flush.interval.ms=60000"
cat > "$E2E_TMP/up.json" <<JSON
{"name":"pgup","config":{"connector.class":"PostgresSink","topics":"$topic","connection.url":"$PG_URL",
 "table.name.format":"$up","auto.create":"true","insert.mode":"upsert","pk.mode":"record_value",
 "pk.fields":"order_id","tasks.max":"2"}}
JSON
uprows() { psql "$PG_URL" -Atc "SELECT count(*) FROM \"$up\"" 2>/dev/null || echo 0; }
start_worker "$E2E_TMP/up.properties" "$E2E_TMP/up1.log" "$E2E_TMP/up.json"
wait_for 120 'r=$(uprows); [ "$r" -ge $((N / 3)) ]'
r=$(uprows)
kill -9 "$WORKER_PID"; wait "$WORKER_PID" 2>/dev/null
ok $([ "$r" -lt "$N" ] && echo 0 || echo 1) "the upsert worker was killed mid-load ($r rows written)"
start_worker "$E2E_TMP/up.properties" "$E2E_TMP/up2.log" "$E2E_TMP/up.json"
wait_for 300 'off=$(psql "$PG_URL" -Atc "SELECT coalesce(sum(next_offset), 0) FROM __tributary_offsets WHERE connector = '"'pgup'"' AND topic = '"'$topic'"'" 2>/dev/null); [ "${off:-0}" -ge $N ]'
is "$(uprows)" "$N" "upsert: exactly $N rows"
is "$(psql "$PG_URL" -Atc "SELECT count(DISTINCT order_id) || ':' || min(order_id) || '-' || max(order_id) FROM \"$up\"")" "$N:0-$((N - 1))" "upsert: every key once, no gap"
is "$(psql "$PG_URL" -Atc "SELECT sum(next_offset) FROM __tributary_offsets WHERE connector = 'pgup' AND topic = '$topic'")" "$N" "upsert: the offsets table says the whole topic is written"
kill -TERM "$WORKER_PID"; wait "$WORKER_PID" 2>/dev/null
psql "$PG_URL" -qc "DROP TABLE IF EXISTS \"$table\"; DROP TABLE IF EXISTS \"$up\"" >/dev/null 2>&1
finish
