#!/usr/bin/env bash
# scheduled.rebalance.max.delay.ms survives a change of leader (issue 15
# item 7): the leader writes the departure clocks into its placement
# record, and a worker that takes the lead continues them. 3 workers, 6
# tasks, a 30 s delay: a follower is killed, 10 s later the leader too.
# The last worker, now leading, takes the dead leader's tasks at once (as
# Kafka Connect does: nobody recorded the leader's departure) but holds the
# follower's until 30 s after the follower left, neither moving them at
# once nor waiting a fresh 30 s.
. "$(dirname "$0")/lib.sh"
require_services
plan 6

group=$(uniq_name dist-delay-lead)
DELAY=30000
ports=(); pids=(); logs=()
for i in 1 2 3; do ports+=("$(free_port)"); done
for i in 1 2 3; do
  write_dist_props "$E2E_TMP/w$i.properties" "${ports[$((i-1))]}" "$group" "scheduled.rebalance.max.delay.ms=$DELAY"
  start_dist_worker "$E2E_TMP/w$i.properties" "$E2E_TMP/w$i.log"; pids+=("$WORKER_PID"); logs+=("$E2E_TMP/w$i.log")
done
for i in 1 2 3; do wait_rest "${ports[$((i-1))]}" 60; done
p1=${ports[0]}

leader_index() {
  local i
  for i in 0 1 2; do
    grep -h "\[coordinator\] assigned" "${logs[$i]}" 2>/dev/null | tail -n 1 | grep -q "(leader)" && { echo "$i"; return 0; }
  done
  return 1
}

rest POST "$p1" /connectors "{\"name\":\"d\",\"config\":{\"connector.class\":\"DataGen\",\"topic\":\"$group-t\",\"tasks.max\":\"6\",\"rate\":\"5\",\"value.shape\":\"string\"}}" >/dev/null
wait_for 60 '[ "$(task_placement "$p1" | wc -l)" -eq 6 ] && [ "$(task_placement "$p1" | awk "{print \$2}" | sort | uniq -c | awk "\$1 == 2" | wc -l)" -eq 3 ]'
ok $? "6 tasks run, 2 on each worker"
L=$(wait_for 20 'leader_index >/dev/null' && leader_index)
[ -n "$L" ] || bail "no worker says it leads the group"
F=$(( (L + 1) % 3 )); S=$(( (L + 2) % 3 ))
ps=${ports[$S]}
diag "leader worker $((L + 1)), follower killed first worker $((F + 1)), survivor worker $((S + 1))"

kill -9 "${pids[$F]}"; t0=$(date +%s%N); wait "${pids[$F]}" 2>/dev/null
sleep 10   # the leader sees the follower gone (6 s session) and records it
kill -9 "${pids[$L]}"; wait "${pids[$L]}" 2>/dev/null

on_survivor() { task_placement "$ps" | grep -c "127.0.0.1:$ps"; }
wait_for 25 '[ "$(on_survivor)" -ge 4 ]'
ok $? "the survivor takes the dead leader's 2 tasks soon"
t4=$(( ($(date +%s%N) - t0) / 1000000 ))
is "$(on_survivor)" 4 "but not yet the follower's: they are held ($t4 ms after the follower died)"
grep -q "departed [0-9]* ms ago (from the placement record)" "${logs[$S]}"
ok $? "the new leader continued the departure clock from the placement record"
wait_for 40 '[ "$(on_survivor)" -eq 6 ]'
rc=$?
t6=$(( ($(date +%s%N) - t0) / 1000000 ))
diag "follower death to its tasks on the survivor: $t6 ms (delay $DELAY ms); the leader's tasks: within $t4 ms"
ok $rc "the survivor runs all 6 tasks in the end"
ok $([ "$rc" -eq 0 ] && [ "$t6" -ge $((DELAY - 2000)) ] && [ "$t6" -le $((DELAY + 12000)) ] && echo 0 || echo 1) \
  "the follower's tasks moved about $DELAY ms after it died ($t6 ms), not at once and not after a fresh delay"
finish
