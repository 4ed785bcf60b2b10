#!/usr/bin/env bash
# MongoSink under the real worker, errors.tolerance=data: one bulk holding
# duplicate keys and invalid documents. Exactly the bad records reach the
# dead letter queue, as they were read, with the server's code and message
# in headers; the good ones are written. Runs against SecantusDB with an
# ordered bulk and FerretDB with an unordered one (FerretDB v1 does not stop
# at the first error of an ordered bulk, docs/connectors/mongo.md).
. "$(dirname "$0")/lib.sh"
require_services
[ -n "${MONGO_URL:-}" ] && [ -n "${MONGO_CS_URL:-}" ] || bail "MONGO_URL and MONGO_CS_URL must be set"
[ -x "${TRIB_MONGO_PYTHON:-}" ] || bail "TRIB_MONGO_PYTHON (pymongo, from scripts/testenv) is not set"
plan 12

port=$(free_port)
write_worker_props "$E2E_TMP/w.properties" "$port" "$E2E_TMP/offsets" \
  "value.converter=org.apache.kafka.connect.json.JsonConverter" "value.converter.schemas.enable=false"
start_worker "$E2E_TMP/w.properties" "$E2E_TMP/w.log"
wait_rest "$port" 60 || bail "worker did not start"

for server in ferret secantus; do
  url=$MONGO_URL ordered=false
  [ "$server" = secantus ] && url=$MONGO_CS_URL ordered=true
  topic=$(uniq_name "mdlq-$server")
  dlq=$topic-dlq
  db="e2e_dlq_${server}_$$"
  # offsets: 0 ok, 1 duplicate of 0, 2 a "$" field (refused before the server), 3 ok,
  # 4 duplicate of 3, 5 an array _id (refused by the server), 6 ok
  printf '%s\n' '{"_id":1,"v":"a"}' '{"_id":1,"v":"dup"}' '{"_id":2,"$bad":1}' '{"_id":3,"v":"b"}' \
    '{"_id":3,"v":"dup"}' '{"_id":[1,2],"v":"array id"}' '{"_id":4,"v":"c"}' |
    kcat -b "$KAFKA_BOOTSTRAP" -P -t "$topic" 2>/dev/null
  r=$(rest POST "$port" /connectors "{\"name\":\"$server\",\"config\":{\"connector.class\":\"MongoSink\",
    \"topics\":\"$topic\",\"connection.uri\":\"$url\",\"database\":\"$db\",\"collection\":\"c\",
    \"document.id.strategy\":\"ProvidedInValueStrategy\",\"writemodel.strategy\":\"InsertOneDefaultStrategy\",
    \"bulk.write.ordered\":\"$ordered\",\"errors.tolerance\":\"data\",\"errors.deadletterqueue.topic.name\":\"$dlq\",
    \"errors.deadletterqueue.topic.replication.factor\":\"1\",\"errors.deadletterqueue.context.headers.enable\":\"true\"}}")
  like "$r" '^201 ' "$server: a MongoSink with errors.tolerance=data and a DLQ is created"
  wait_for 60 'test "$(topic_count "$dlq")" -ge 3'
  sleep 2   # anything more that would (wrongly) arrive
  # the array _id (offset 5): MongoDB refuses it, so its record goes to the
  # DLQ too; SecantusDB accepts and writes it
  arr=$(kcat -b "$KAFKA_BOOTSTRAP" -C -t "$dlq" -e -q -f '%h\n' 2>/dev/null | grep -c "__connect.errors.offset=5," || true)
  offs=$(kcat -b "$KAFKA_BOOTSTRAP" -C -t "$dlq" -e -q -f '%h\n' 2>/dev/null |
    sed -n 's/.*__connect.errors.offset=\([0-9]*\).*/\1/p' | sort -n | tr '\n' ' ')
  want="1 2 4 "; [ "$arr" = 1 ] && want="1 2 4 5 "
  is "$offs" "$want" "$server (ordered=$ordered): exactly the duplicates (1, 4), the \$ field (2) and a refused array _id are in the DLQ"
  hdrs=$(kcat -b "$KAFKA_BOOTSTRAP" -C -t "$dlq" -e -q -f '%h\n' 2>/dev/null | grep "__connect.errors.offset=1,")
  like "$hdrs" "__tributary.mongo.error.code=11000" "$server: a duplicate carries the server's code 11000"
  like "$hdrs" "__tributary.mongo.error.message=[^,]*(E11000|duplicate)" "$server: and its message"
  count=$("$TRIB_MONGO_PYTHON" -c 'import sys, pymongo
print(pymongo.MongoClient(sys.argv[1])[sys.argv[2]]["c"].count_documents({}))' "$url" "$db" 2>/dev/null)
  is "$((count + arr))" 4 "$server: the good records are written ($count documents; array _id refused: $arr)"
  st=$(curl -s "http://127.0.0.1:$port/connectors/$server/tasks/0/status" | jq -r .state)
  is "$st" RUNNING "$server: the task is RUNNING"
  "$TRIB_MONGO_PYTHON" -c 'import sys, pymongo; pymongo.MongoClient(sys.argv[1]).drop_database(sys.argv[2])' \
    "$url" "$db" >/dev/null 2>&1
done
kill -TERM "$WORKER_PID"; wait "$WORKER_PID" 2>/dev/null
finish
