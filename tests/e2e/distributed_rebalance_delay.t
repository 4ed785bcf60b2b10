#!/usr/bin/env bash
# scheduled.rebalance.max.delay.ms: a departed worker's tasks wait for it
# that long before moving (Tributary's default is 0: they move at once);
# a worker that comes back in time gets its own tasks back. The delay is
# counted by the leader from the departure it saw: when the leader itself
# dies, the new leader reassigns its tasks at once (as Kafka Connect does).
. "$(dirname "$0")/lib.sh"
require_services
plan 7

group=$(uniq_name dist-delay)
DELAY=12000
ports=(); pids=(); logs=()
for i in 1 2; do ports+=("$(free_port)"); done
for i in 1 2; do
  write_dist_props "$E2E_TMP/w$i.properties" "${ports[$((i-1))]}" "$group" "scheduled.rebalance.max.delay.ms=$DELAY"
  start_dist_worker "$E2E_TMP/w$i.properties" "$E2E_TMP/w$i.log"; pids+=("$WORKER_PID"); logs+=("$E2E_TMP/w$i.log")
done
for i in 1 2; do wait_rest "${ports[$((i-1))]}" 60; done
p1=${ports[0]}

# leader_index: 0 or 1, the worker whose latest coordinator assignment says
# "(leader)" (it owns partition 0 of the coordination topic); fails if none
leader_index() {
  local i
  for i in 0 1; do
    grep -h "\[coordinator\] assigned" "${logs[$i]}" 2>/dev/null | tail -n 1 | grep -q "(leader)" && { echo "$i"; return 0; }
  done
  return 1
}

rest POST "$p1" /connectors "{\"name\":\"d\",\"config\":{\"connector.class\":\"DataGen\",\"topic\":\"$group-t\",\"tasks.max\":\"4\",\"rate\":\"5\",\"value.shape\":\"string\"}}" >/dev/null
wait_for 60 'test "$(task_placement "$p1" | wc -l)" -eq 4'
mine=$(task_placement "$p1" | grep -c "127.0.0.1:${ports[1]}")
ok $([ "$mine" -eq 2 ] && echo 0 || echo 1) "each worker runs 2 of 4 tasks"

# a follower dies: the leader holds its tasks for the delay
L=$(wait_for 20 'leader_index >/dev/null' && leader_index)
ok $? "one worker leads the group (worker $((L + 1)))"
[ -n "$L" ] || bail "no worker says it leads the group"
F=$((1 - L))
pl=${ports[$L]}; pf=${ports[$F]}
running_before=$(grep -c 'task is RUNNING' "${logs[$L]}")
kill -9 "${pids[$F]}"; wait "${pids[$F]}" 2>/dev/null
sleep 9   # past session.timeout.ms (6 s), well within the delay
is "$(task_placement "$pl" | grep -c "127.0.0.1:$pl")" 2 "within the delay the leader does not take the departed worker's tasks"

logs[$F]="$E2E_TMP/w$((F + 1))b.log"
start_dist_worker "$E2E_TMP/w$((F + 1)).properties" "${logs[$F]}"; pids[$F]=$WORKER_PID
wait_rest "$pf" 60
wait_for 30 'test "$(task_placement "$pl" | grep -c "127.0.0.1:$pf")" -eq 2'
ok $? "the returning worker gets its two tasks back"
is "$(grep -c 'task is RUNNING' "${logs[$L]}")" "$running_before" "the leader never restarted or took over tasks"

# the leader dies: the other worker becomes leader and takes its tasks
# within session.timeout.ms + 3 s, not after a fresh delay
wait_for 20 'leader_index >/dev/null'
L=$(leader_index); F=$((1 - L))
diag "leader is now worker $((L + 1))"
survivor=${ports[$F]}
kill -9 "${pids[$L]}"; wait "${pids[$L]}" 2>/dev/null
t0=$(date +%s)
wait_for 30 'test "$(task_placement "$survivor" | grep -c "127.0.0.1:$survivor")" -eq 4'
rc=$?
ok $rc "the surviving worker runs all 4 tasks after the leader died"
took=$(( $(date +%s) - t0 ))
diag "leader death to 4 tasks on the survivor: ${took} s (delay ${DELAY} ms, session 6000 ms)"
ok $([ "$rc" -eq 0 ] && [ "$took" -le 9 ] && echo 0 || echo 1) "within session.timeout.ms + 3 s (${took} s), not after the ${DELAY} ms delay"
finish
