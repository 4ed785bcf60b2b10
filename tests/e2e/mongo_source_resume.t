#!/usr/bin/env bash
# MongoSource on a change stream (SecantusDB) under a distributed worker
# with exactly.once.source.support=enabled: the worker is killed with -9
# while documents are being inserted, then restarted. It resumes after the
# last committed resume token: every inserted document reaches the topic,
# and (exactly-once: offsets commit with the records) exactly once.
. "$(dirname "$0")/lib.sh"
require_services
[ -n "${MONGO_CS_URL:-}" ] || bail "MONGO_CS_URL is not set"
[ -x "${TRIB_MONGO_PYTHON:-}" ] || bail "TRIB_MONGO_PYTHON (pymongo, from scripts/testenv) is not set"
plan 6

N=3000
group=$(uniq_name mongo-src)
topic=$group-out
db="e2e_src_$$_$RANDOM"
port=$(free_port)
write_dist_props "$E2E_TMP/w.properties" "$port" "$group" "exactly.once.source.support=enabled"
start_dist_worker "$E2E_TMP/w.properties" "$E2E_TMP/w.log"
wait_rest "$port" 60 || bail "worker did not start"
r=$(rest POST "$port" /connectors "{\"name\":\"msrc\",\"config\":{\"connector.class\":\"MongoSource\",
 \"connection.uri\":\"$MONGO_CS_URL\",\"database\":\"$db\",\"collection\":\"items\",
 \"publish.full.document.only\":\"true\",\"topic.namespace.map\":\"{\\\"*\\\": \\\"$topic\\\"}\",
 \"poll.await.time.ms\":\"200\",\"poll.max.batch.size\":\"200\"}}")
like "$r" '^201 ' "the MongoDB source is created"
wait_for 60 'curl -s "http://127.0.0.1:$port/connectors/msrc/status" | jq -e ".tasks[0].state == \"RUNNING\""'
ok $? "its task is RUNNING"
sleep 2   # the stream opens on the first poll (startup.mode=latest)

# inserter: N documents in batches of 50, at a steady pace, in the background
"$TRIB_MONGO_PYTHON" -c 'import sys, time, pymongo
c = pymongo.MongoClient(sys.argv[1])[sys.argv[2]]["items"]
n = int(sys.argv[3])
for i in range(0, n, 50):
    c.insert_many([{"_id": j, "n": j} for j in range(i, min(n, i + 50))])
    time.sleep(0.5)' "$MONGO_CS_URL" "$db" "$N" &
ins=$!
_tap_pids+=("$ins")
# the inserts take ~30 s; kill the worker 6 s in (counting the topic with
# kcat can itself take seconds on a loaded machine, so no polling here)
sleep 6
kill -9 "$WORKER_PID"; wait "$WORKER_PID" 2>/dev/null
at=$(topic_count "$topic")
alive=$(kill -0 "$ins" 2>/dev/null && echo 0 || echo 1)
ok "$alive" "worker killed with -9 while the inserts go on ($at of $N in the topic)"
sleep 2
start_dist_worker "$E2E_TMP/w.properties" "$E2E_TMP/w2.log"
wait "$ins"
wait_for 180 'test "$(topic_count "$topic")" -ge $N'
sleep 3
is "$(topic_count "$topic")" "$N" "read_committed sees exactly $N records after the restart"
ids=$(kcat -b "$KAFKA_BOOTSTRAP" -C -t "$topic" -e -q -X isolation.level=read_committed -f '%s\n' 2>/dev/null |
  jq -r '._id' | sort -u | wc -l)
is "$ids" "$N" "every document once: no gap, no repeat"
grep -q "resuming after token" "$E2E_TMP/w2.log"; ok $? "the restarted task resumed after its stored resume token"
kill -TERM "$WORKER_PID"; wait "$WORKER_PID" 2>/dev/null
"$TRIB_MONGO_PYTHON" -c 'import sys, pymongo; pymongo.MongoClient(sys.argv[1]).drop_database(sys.argv[2])' \
  "$MONGO_CS_URL" "$db" >/dev/null 2>&1
finish
