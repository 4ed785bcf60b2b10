#!/usr/bin/env bash
# Active topics in distributed mode (Connect's topic tracking): each task's
# worker records a topic in the status topic the first time the task uses
# it, under Connect's key topic-<topic>-connector-<name>; every worker
# answers GET /connectors/{n}/topics with the whole set; a reset on any
# worker clears it everywhere; a deleted connector's topics go with it.
. "$(dirname "$0")/lib.sh"
require_services
plan 10

group=$(uniq_name dist-topics)
ports=(); pids=()
for i in 1 2; do ports+=("$(free_port)"); done
for i in 1 2; do
  write_dist_props "$E2E_TMP/w$i.properties" "${ports[$((i-1))]}" "$group"
  start_dist_worker "$E2E_TMP/w$i.properties" "$E2E_TMP/w$i.log"; pids+=("$WORKER_PID")
done
for i in 1 2; do wait_rest "${ports[$((i-1))]}" 60; done
p1=${ports[0]}; p2=${ports[1]}
ta=$group-a; tb=$group-b

# two DataGen tasks, one per worker, both writing topic A: each worker
# records it for its task, and the set is one topic
rest POST "$p1" /connectors "{\"name\":\"d\",\"config\":{\"connector.class\":\"DataGen\",\"topic\":\"$ta\",\"tasks.max\":\"2\",\"rate\":\"20\",\"value.shape\":\"string\"}}" >/dev/null
wait_for 60 'test "$(task_placement "$p1" | wc -l)" -eq 2'
workers=$(task_placement "$p1" | awk '{print $2}' | sort -u | wc -l)
is "$workers" 2 "the connector's two tasks run on both workers"

topics_of() { curl -s "http://127.0.0.1:$1/connectors/$2/topics" | jq -c ".\"$2\".topics"; }
wait_for 20 'test "$(topics_of "$p1" d)" = "[\"$ta\"]" && test "$(topics_of "$p2" d)" = "[\"$ta\"]"'
ok $? "both workers list the topic the connector writes"

rec=$(kcat -b "$KAFKA_BOOTSTRAP" -C -t "$group-status" -e -q -f '%k\t%s\n' 2>/dev/null | grep "^topic-$ta-connector-d	" | tail -n 1)
like "$rec" "\"discoverTimestamp\":[0-9]+" "the status topic holds Connect's record for it, with a discovery time"
like "$rec" "\"connector\":\"d\"" "the record names the connector"

# stop the connector: its tasks end, the recorded topics stay
code=$(rest PUT "$p2" /connectors/d/stop | cut -d' ' -f1)
is "$code" 204 "stopping the connector answers 204"
wait_for 30 'test "$(task_placement "$p1" | wc -l)" -eq 0'
is "$(topics_of "$p2" d)" "[\"$ta\"]" "a stopped connector still lists its topic"

# a reset on worker 2 clears the set on both workers
code=$(rest PUT "$p2" /connectors/d/topics/reset | cut -d' ' -f1)
is "$code" 202 "resetting the active topics answers 202 (as Connect)"
wait_for 10 'test "$(topics_of "$p1" d)" = "[]" && test "$(topics_of "$p2" d)" = "[]"'
ok $? "after a reset on worker 2 both workers list no topics"

# resumed, the tasks record the topic again as they use it
rest PUT "$p1" /connectors/d/resume >/dev/null
wait_for 30 'test "$(topics_of "$p1" d)" = "[\"$ta\"]"'
ok $? "the resumed connector's topic is recorded again once used"

# deleting the connector removes its records: a new one of that name
# starts with only what it uses
rest DELETE "$p1" /connectors/d >/dev/null
wait_for 20 'test "$(task_placement "$p1" | wc -l)" -eq 0'
rest POST "$p2" /connectors "{\"name\":\"d\",\"config\":{\"connector.class\":\"DataGen\",\"topic\":\"$tb\",\"tasks.max\":\"1\",\"rate\":\"20\",\"value.shape\":\"string\"}}" >/dev/null
wait_for 30 'test "$(topics_of "$p1" d)" = "[\"$tb\"]"'
ok $? "a connector recreated under the same name lists only its own topic ($(topics_of "$p1" d))"
finish
