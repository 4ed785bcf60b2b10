#!/usr/bin/env bash
# A full-cluster restart brings back every connector with its config,
# target state and offsets: everything lives in the Kafka topics.
. "$(dirname "$0")/lib.sh"
require_services
plan 7

group=$(uniq_name dist-rs)
ports=(); pids=()
for i in 1 2; do ports+=("$(free_port)"); done
start_all() {
  pids=()
  for i in 1 2; do
    write_dist_props "$E2E_TMP/w$i.properties" "${ports[$((i-1))]}" "$group"
    start_dist_worker "$E2E_TMP/w$i.properties" "$E2E_TMP/w$i.log"; pids+=("$WORKER_PID")
  done
  for i in 1 2; do wait_rest "${ports[$((i-1))]}" 60; done
}
start_all
p1=${ports[0]}
in=$E2E_TMP/in.txt
seq 1 5000 | sed 's/^/line-/' > "$in"
topic=$group-file
rest POST "$p1" /connectors "{\"name\":\"src\",\"config\":{\"connector.class\":\"FileStreamSource\",\"file\":\"$in\",\"topic\":\"$topic\"}}" >/dev/null
rest POST "$p1" /connectors "{\"name\":\"paused\",\"config\":{\"connector.class\":\"DataGen\",\"topic\":\"$group-dg\",\"rate\":\"1\"},\"initial_state\":\"PAUSED\"}" >/dev/null
rest POST "$p1" /connectors "{\"name\":\"stopped\",\"config\":{\"connector.class\":\"DataGen\",\"topic\":\"$group-dg2\",\"rate\":\"1\",\"tasks.max\":\"2\"}}" >/dev/null
rest PUT "$p1" /connectors/stopped/stop >/dev/null
wait_for 60 'test "$(topic_count "$topic")" -ge 5000'
# offsets are committed every offset.flush.interval.ms (500)
wait_for 30 'curl -s http://127.0.0.1:$p1/connectors/src/offsets | grep -q "\"position\": *[1-9]"'
before=$(curl -s "http://127.0.0.1:$p1/connectors/src/offsets")
diag "offsets before: $before"

for p in "${pids[@]}"; do kill -9 "$p"; done
wait 2>/dev/null
start_all
p1=${ports[1]}   # ask the other worker this time

is "$(curl -s "http://127.0.0.1:$p1/connectors" | jq -c .)" '["paused","src","stopped"]' "every connector is back"
is "$(curl -s "http://127.0.0.1:$p1/connectors/src/config" | jq -r .file)" "$in" "configs are back"
wait_for 60 'curl -s http://127.0.0.1:$p1/connectors/paused/status | jq -e ".connector.state == \"PAUSED\""'
ok $? "a PAUSED connector comes back PAUSED"
wait_for 60 'curl -s http://127.0.0.1:$p1/connectors/stopped/status | jq -e ".connector.state == \"STOPPED\""'
ok $? "a STOPPED connector comes back STOPPED"
is "$(curl -s "http://127.0.0.1:$p1/connectors/src/offsets")" "$before" "source offsets are back"
seq 5001 6000 | sed 's/^/line-/' >> "$in"
wait_for 60 'test "$(topic_count "$topic")" -ge 6000'
got=$(topic_values "$topic" | sort -u | wc -l)
is "$got" 6000 "the source resumed from its offset: 6000 distinct lines"
total=$(topic_count "$topic")
ok $([ "$total" -le 6000 ] && echo 0 || echo 1) "no line was repeated after the restart ($total records)"
finish
