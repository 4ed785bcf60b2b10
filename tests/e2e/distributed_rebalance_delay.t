#!/usr/bin/env bash
# scheduled.rebalance.max.delay.ms: a departed worker's tasks wait for it
# that long before moving (Tributary's default is 0: they move at once);
# a worker that comes back in time gets its own tasks back.
. "$(dirname "$0")/lib.sh"
require_services
plan 4

group=$(uniq_name dist-delay)
DELAY=12000
ports=(); pids=()
for i in 1 2; do ports+=("$(free_port)"); done
for i in 1 2; do
  write_dist_props "$E2E_TMP/w$i.properties" "${ports[$((i-1))]}" "$group" "scheduled.rebalance.max.delay.ms=$DELAY"
  start_dist_worker "$E2E_TMP/w$i.properties" "$E2E_TMP/w$i.log"; pids+=("$WORKER_PID")
done
for i in 1 2; do wait_rest "${ports[$((i-1))]}" 60; done
p1=${ports[0]}; p2=${ports[1]}
rest POST "$p1" /connectors "{\"name\":\"d\",\"config\":{\"connector.class\":\"DataGen\",\"topic\":\"$group-t\",\"tasks.max\":\"4\",\"rate\":\"5\",\"value.shape\":\"string\"}}" >/dev/null
wait_for 60 'test "$(task_placement "$p1" | wc -l)" -eq 4'
mine=$(task_placement "$p1" | grep -c "127.0.0.1:$p2")
ok $([ "$mine" -eq 2 ] && echo 0 || echo 1) "each worker runs 2 of 4 tasks"

kill -9 "${pids[1]}"; wait "${pids[1]}" 2>/dev/null
sleep 9   # past session.timeout.ms (6 s), well within the delay
is "$(task_placement "$p1" | grep -c "127.0.0.1:$p1")" 2 "within the delay the survivor does not take the departed worker's tasks"

start_dist_worker "$E2E_TMP/w2.properties" "$E2E_TMP/w2b.log"
wait_rest "$p2" 60
wait_for 30 'test "$(task_placement "$p1" | grep -c "127.0.0.1:$p2")" -eq 2'
ok $? "the returning worker gets its two tasks back"
is "$(grep -c 'task is RUNNING' "$E2E_TMP/w1.log")" 2 "the survivor never restarted or took over tasks"
finish
