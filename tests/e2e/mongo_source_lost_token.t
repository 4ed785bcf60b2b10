#!/usr/bin/env bash
# MongoSource against a resume token the server no longer has, for real:
# SecantusDB answers code 286 (ChangeStreamHistoryLost) for a well-formed
# token whose oplog position lies before the oldest entry it keeps (its
# tokens are hex BSON {s: oplog sequence, t, n, k}; sequence 0 is before
# the first entry). The test stores such a token as the task's offset
# (PATCH /connectors/{c}/offsets while STOPPED, KIP-875) and resumes:
#  - on.lost.resume.token=fail (default): the task FAILS, its trace names
#    the token, the server's answer and both ways out; nothing is published;
#  - =latest: the task goes on from now: no old event is replayed, a new
#    insert arrives;
#  - =copy_existing: every existing document is published, then the stream
#    goes on.
. "$(dirname "$0")/lib.sh"
require_services
[ -n "${MONGO_CS_URL:-}" ] || bail "MONGO_CS_URL is not set"
[ -x "${TRIB_MONGO_PYTHON:-}" ] || bail "TRIB_MONGO_PYTHON (pymongo, from scripts/testenv) is not set"
plan 18

port=$(free_port)
topic=$(uniq_name mongo-lost)
db="e2e_lost_$$_$RANDOM"
mongo() { "$TRIB_MONGO_PYTHON" -c "import sys, pymongo; c = pymongo.MongoClient(sys.argv[1])[sys.argv[2]]['items']; $1" "$MONGO_CS_URL" "$db"; }
ids() { kcat -b "$KAFKA_BOOTSTRAP" -C -t "$topic" -e -q -f '%s\n' 2>/dev/null | jq -r '._id' | tr '\n' ' ' | sed 's/ $//'; }
state() { curl -s "http://127.0.0.1:$port/connectors/src/status" | jq -r "$1"; }
config() { # config <on.lost value>
  echo "{\"connector.class\":\"MongoSource\",\"connection.uri\":\"$MONGO_CS_URL\",\"database\":\"$db\",\"collection\":\"items\",
    \"publish.full.document.only\":\"true\",\"topic.namespace.map\":\"{\\\"*\\\": \\\"$topic\\\"}\",\"poll.await.time.ms\":\"200\",
    \"startup.mode.on.lost.resume.token\":\"$1\"}"
}
# store_expired_token: the stored token with its oplog sequence set to 0, written back as the offset
store_expired_token() {
  local offs body
  offs=$(curl -s "http://127.0.0.1:$port/connectors/src/offsets")
  body=$("$TRIB_MONGO_PYTHON" -c 'import sys, json, bson
o = json.loads(sys.argv[1])["offsets"][0]
inner = bson.decode(bytes.fromhex(json.loads(o["offset"]["_id"])["_data"]))
inner["s"] = 0
print(json.dumps({"offsets": [{"partition": o["partition"], "offset": {"_id": json.dumps({"_data": bson.encode(inner).hex()})}}]}))' "$offs")
  rest PATCH "$port" /connectors/src/offsets "$body"
}
stop_src() {
  rest PUT "$port" /connectors/src/stop >/dev/null
  wait_for 30 'test "$(state .connector.state)" = STOPPED'
}

mongo 'c.insert_many([{"_id": i, "n": i} for i in (1, 2, 3)])'
write_worker_props "$E2E_TMP/w.properties" "$port" "$E2E_TMP/offsets" "tributary.task.auto.restart=false"
start_worker "$E2E_TMP/w.properties" "$E2E_TMP/w.log"
wait_rest "$port" 30 || bail "worker did not start"
r=$(rest POST "$port" /connectors "{\"name\":\"src\",\"config\":$(config fail)}")
like "$r" '^201 ' "a MongoSource with startup.mode.on.lost.resume.token=fail (the default) is created"
wait_for 30 'test "$(state ".tasks[0].state")" = RUNNING'
sleep 2   # the stream opens on the first poll (startup.mode=latest)
mongo 'c.insert_one({"_id": 4, "n": 4})'
wait_for 30 'test "$(ids)" = 4'; ok $? "a change after the start is published (document 4)"
wait_for 20 'curl -s "http://127.0.0.1:$port/connectors/src/offsets" | jq -e ".offsets[0].offset._id" >/dev/null'
ok $? "its resume token is the stored offset"
stop_src

# fail
like "$(store_expired_token)" '^200 ' "a token before the server's history is stored as the offset while STOPPED"
rest PUT "$port" /connectors/src/resume >/dev/null
wait_for 30 'test "$(state ".tasks[0].state")" = FAILED'; ok $? "resumed, the task FAILS"
trace=$(state '.tasks[0].trace')
like "$trace" 'no longer has the stored resume token \{.*"_data"' "the trace says the server no longer has the stored token, and which"
like "$trace" 'code 286' "and the server's answer (286, ChangeStreamHistoryLost)"
like "$trace" 'startup.mode.on.lost.resume.token=latest \(continue from now' "it names the first way out: latest"
like "$trace" '=copy_existing \(copy the collections again' "and the second: copy_existing"
is "$(ids)" 4 "nothing more was published: no silent gap, no replay"

# latest
rest PUT "$port" /connectors/src/config "$(config latest)" >/dev/null
wait_for 30 'grep -q "CHANGES IN BETWEEN ARE LOST; startup.mode.on.lost.resume.token=latest" "$E2E_TMP/w.log"'
ok $? "with latest, the task logs that the changes in between are lost"
sleep 2   # the stream reopens from now on the next poll
is "$(state ".tasks[0].state")" RUNNING "and runs on"
mongo 'c.insert_one({"_id": 5, "n": 5})'
wait_for 30 'test "$(ids)" = "4 5"'
is "$(ids)" "4 5" "a new insert (5) is published and no old event (1..4) is replayed"
stop_src

# copy_existing
like "$(store_expired_token)" '^200 ' "the lost token is stored again"
rest PUT "$port" /connectors/src/config "$(config copy_existing)" >/dev/null
rest PUT "$port" /connectors/src/resume >/dev/null
wait_for 60 'test "$(ids | wc -w)" -ge 7'
is "$(ids | cut -d' ' -f3- | tr ' ' '\n' | sort -n | tr '\n' ' ')" "1 2 3 4 5 " "with copy_existing, every existing document (1..5) is published"
sleep 1
mongo 'c.insert_one({"_id": 6, "n": 6})'
wait_for 30 'test "$(ids | wc -w)" -ge 8'
is "$(ids | cut -d' ' -f8-)" 6 "then the stream goes on (6)"
grep -q "CHANGES IN BETWEEN ARE LOST; startup.mode.on.lost.resume.token=copy_existing" "$E2E_TMP/w.log"
ok $? "and the log says what was lost and which way out was taken"

kill -TERM "$WORKER_PID"; wait "$WORKER_PID"
is "$?" 0 "the worker stops with status 0"
"$TRIB_MONGO_PYTHON" -c 'import sys, pymongo; pymongo.MongoClient(sys.argv[1]).drop_database(sys.argv[2])' \
  "$MONGO_CS_URL" "$db" >/dev/null 2>&1
finish
