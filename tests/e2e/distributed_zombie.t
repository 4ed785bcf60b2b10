#!/usr/bin/env bash
# No task ever runs on two workers at once, under kill -9 and under
# SIGSTOP/SIGCONT of a worker (a zombie that wakes after its tasks moved):
# a checker replays every task start and stop from the workers' logs. The
# woken zombie holds its work (local lease) and its exactly-once
# transactions are fenced: every record is in the topic exactly once. Its
# late status reports never overwrite the new owners': at the end every
# worker shows every task RUNNING, on the same worker (issue 15 item 3).
. "$(dirname "$0")/lib.sh"
require_services
plan 9

group=$(uniq_name dist-zb)
topic=$group-out
N=24000
ports=(); pids=()
for i in 1 2 3; do ports+=("$(free_port)"); done
for i in 1 2 3; do
  write_dist_props "$E2E_TMP/w$i.properties" "${ports[$((i-1))]}" "$group" "exactly.once.source.support=enabled"
  start_dist_worker "$E2E_TMP/w$i.properties" "$E2E_TMP/w$i.log"; pids+=("$WORKER_PID")
done
for i in 1 2 3; do wait_rest "${ports[$((i-1))]}" 60; done
p1=${ports[0]}
rest POST "$p1" /connectors "{\"name\":\"z\",\"config\":{\"connector.class\":\"DataGen\",\"topic\":\"$topic\",\"tasks.max\":\"3\",\"count\":\"$N\",\"rate\":\"300\",\"key.shape\":\"sequence\",\"value.shape\":\"string\",\"batch.size\":\"50\"}}" >/dev/null
wait_for 60 'test "$(task_placement "$p1" | wc -l)" -eq 3'
ok $? "three exactly-once tasks are RUNNING"
sleep 3

# freeze worker 3 past its session; its tasks move; then wake it
zport=${ports[2]}
kill -STOP "${pids[2]}"; t_stop=$(date +%s.%N)
wait_for 30 '[ "$(task_placement "$p1" | wc -l)" -eq 3 ] && ! task_placement "$p1" | grep -q "127.0.0.1:$zport"'
ok $? "a frozen worker's tasks move to the others"
sleep 2
kill -CONT "${pids[2]}"; t_cont=$(date +%s.%N)
wait_for 20 'grep -q "frozen for" "$E2E_TMP/w3.log"'
ok $? "the woken worker knows it was frozen past its session and holds its work"
sleep 4

# then kill -9 worker 2 and bring it back
kill -9 "${pids[1]}"; t_kill=$(date +%s.%N); wait "${pids[1]}" 2>/dev/null
sleep 1
start_dist_worker "$E2E_TMP/w2.properties" "$E2E_TMP/w2b.log"

wait_for 180 'test "$(topic_count "$topic")" -ge $N'
is "$(topic_count "$topic")" "$N" "read_committed sees exactly $N records"
is "$(kcat -b "$KAFKA_BOOTSTRAP" -C -t "$topic" -e -q -X isolation.level=read_committed -f '%k\n' 2>/dev/null | sort -u | wc -l)" "$N" "every key appears once"

report=$(python3 "$E2E_ROOT/tests/tools/task_intervals.py" --frozen "$E2E_TMP/w3.log:$t_stop:$t_cont" \
  --killed "$E2E_TMP/w2.log:$t_kill" "$E2E_TMP/w1.log" "$E2E_TMP/w2.log" "$E2E_TMP/w2b.log" "$E2E_TMP/w3.log")
rc=$?
diag "$report"
ok $rc "no task ran on two workers at once (checker over every start and stop)"
like "$report" 'intervals=[0-9]' "the checker saw the task runs"

# status_views: each worker's view of the tasks, one JSON line per distinct view
status_views() {
  for p in "${ports[@]}"; do
    curl -s "http://127.0.0.1:$p/connectors/z/status" | jq -c '[.tasks[] | {id, state, worker_id}] | sort_by(.id)'
  done | sort -u
}
views_agree() {
  local v; v=$(status_views)
  [ "$(wc -l <<<"$v")" -eq 1 ] && jq -e 'length == 3 and all(.[]; .state == "RUNNING")' <<<"$v" >/dev/null
}
wait_for 30 views_agree
ok $? "every worker shows the 3 tasks RUNNING, each on the same worker"
sleep 5
views_agree
ok $? "and still does 5 s later (no late report from a former owner overwrote them)"
diag "$(status_views)"
finish
