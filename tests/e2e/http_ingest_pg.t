#!/usr/bin/env bash
# Seed 001's job end to end, typed: JSON pushed over HTTP to an HttpIngest
# connector with a declared Avro schema goes through AvroConverter (schema
# in the registry) into the PostgreSQL sink, which creates typed columns and
# upserts by the key made of the declared key field.
. "$(dirname "$0")/lib.sh"
require_services
[ -n "${PG_URL:-}" ] && [ -n "${SCHEMA_REGISTRY_URL:-}" ] || bail "PG_URL / SCHEMA_REGISTRY_URL not set"
plan 9

port=$(free_port)
avro=("key.converter=io.confluent.connect.avro.AvroConverter" "key.converter.schema.registry.url=$SCHEMA_REGISTRY_URL"
      "value.converter=io.confluent.connect.avro.AvroConverter" "value.converter.schema.registry.url=$SCHEMA_REGISTRY_URL")
write_worker_props "$E2E_TMP/w.properties" "$port" "$E2E_TMP/offsets" "${avro[@]}"
start_worker "$E2E_TMP/w.properties" "$E2E_TMP/w.log"
wait_rest "$port" 60 || bail "worker did not start"
topic=ingest_pg_$$_$RANDOM; table=$topic
create_topic "$topic"
schema='{\"type\":\"record\",\"name\":\"payment\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"},{\"name\":\"email\",\"type\":[\"null\",\"string\"],\"default\":null},{\"name\":\"amount\",\"type\":\"double\"},{\"name\":\"paid_at\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},{\"name\":\"ok\",\"type\":\"boolean\"}]}'
code=$(rest POST "$port" /connectors "{\"name\":\"in\",\"config\":{\"connector.class\":\"HttpIngest\",\"topic\":\"$topic\",
  \"value.schema\":\"$schema\",\"key.fields\":\"id\"}}" | cut -d' ' -f1)
is "$code" 201 "an HttpIngest connector with Avro converters is created"
code=$(rest POST "$port" /connectors "{\"name\":\"pg\",\"config\":{\"connector.class\":\"PostgresSink\",\"topics\":\"$topic\",
  \"connection.url\":\"$PG_URL\",\"table.name.format\":\"$table\",\"auto.create\":\"true\",\"insert.mode\":\"upsert\",
  \"pk.mode\":\"record_key\",\"tasks.max\":\"1\"}}" | cut -d' ' -f1)
is "$code" 201 "a PostgreSQL upsert sink on its topic is created"

out=$(curl -s -w '\n%{http_code}' -X POST -H 'Content-Type: application/x-ndjson' --data-binary \
'{"id":1,"email":"a@example.com","amount":10.5,"paid_at":"2026-12-07T10:00:00Z","ok":true}
{"id":2,"amount":3,"paid_at":1796637600000,"ok":false}
{"id":1,"email":"a2@example.com","amount":11.25,"paid_at":"2026-12-07T11:00:00Z","ok":true}' "http://127.0.0.1:$port/ingest/in")
is "${out##*$'\n'}" 200 "three NDJSON records (one an update of id 1) are acknowledged"
rows() { psql "$PG_URL" -Atc "SELECT count(*) FROM \"$table\"" 2>/dev/null || echo 0; }
wait_for 60 '[ "$(rows)" -ge 2 ] && [ "$(psql "$PG_URL" -Atc "SELECT amount FROM \"$table\" WHERE id = 1")" = 11.25 ]'
is "$(psql "$PG_URL" -Atc "SELECT id, email, amount, paid_at AT TIME ZONE 'UTC', ok FROM \"$table\" ORDER BY id" | tr '\n' ';')" \
   "1|a2@example.com|11.25|2026-12-07 11:00:00|t;2||3|2026-12-07 10:00:00|f;" \
   "the table holds one row per key, the last version, with typed values"
types=$(psql "$PG_URL" -Atc "SELECT string_agg(column_name || ':' || data_type, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = '$table'")
like "$types" "id:bigint.*amount:double precision.*paid_at:timestamp.*ok:boolean" "its columns are typed from the declared schema ($types)"
ok "$(curl -s "$SCHEMA_REGISTRY_URL/subjects" | grep -q "$topic-value"; echo $?)" "the value schema is registered under <topic>-value"

# a registry that cannot be reached is not the client's fault: 503 + Retry-After, nothing produced
dead=$(free_port); t2=ingest_pg_dead_$$_$RANDOM; create_topic "$t2"
rest POST "$port" /connectors "{\"name\":\"noreg\",\"config\":{\"connector.class\":\"HttpIngest\",\"topic\":\"$t2\",
  \"value.schema\":\"$schema\",\"value.converter\":\"io.confluent.connect.avro.AvroConverter\",
  \"value.converter.schema.registry.url\":\"http://127.0.0.1:$dead\"}}" >/dev/null
out=$(curl -s -D "$E2E_TMP/h" -w '\n%{http_code}' -X POST -H 'Content-Type: application/json' \
  --data '{"id":1,"amount":1,"paid_at":1,"ok":true}' "http://127.0.0.1:$port/ingest/noreg")
is "${out##*$'\n'}" 503 "with the schema registry unreachable, a record is answered 503 ($(head -c 200 <<<"${out%$'\n'*}"))"
ok "$(grep -qi '^Retry-After:' "$E2E_TMP/h"; echo $?)" "with Retry-After"
is "$(topic_count "$t2")" 0 "and nothing is produced"
finish
