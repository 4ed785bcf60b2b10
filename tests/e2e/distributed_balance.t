#!/usr/bin/env bash
# Three identical workers share 10 connectors x 3 tasks with at most one
# task of difference; a fourth worker takes only what balance needs, and
# no task that did not move restarts. Every worker answers status alike.
. "$(dirname "$0")/lib.sh"
require_services
plan 9

group=$(uniq_name dist-bal)
ports=()
for i in 1 2 3 4; do ports+=("$(free_port)"); done
for i in 1 2 3; do
  write_dist_props "$E2E_TMP/w$i.properties" "${ports[$((i-1))]}" "$group"
  start_dist_worker "$E2E_TMP/w$i.properties" "$E2E_TMP/w$i.log"
done
ready=0
for i in 1 2 3; do wait_rest "${ports[$((i-1))]}" 60 && ready=$((ready+1)); done
is "$ready" 3 "three workers are ready"

p1=${ports[0]}
for n in $(seq 1 10); do
  rest POST "$p1" /connectors "{\"name\":\"c$n\",\"config\":{\"connector.class\":\"DataGen\",\"topic\":\"$group-t\",\"tasks.max\":\"3\",\"rate\":\"5\",\"value.shape\":\"string\"}}" >/dev/null
done
wait_for 60 'test "$(task_placement "$p1" | wc -l)" -eq 30'
ok $? "all 30 tasks are RUNNING"
spread() { task_placement "$1" | awk '{print $2}' | sort | uniq -c | awk 'NR==1{min=$1;max=$1} {if($1<min)min=$1; if($1>max)max=$1} END{print max-min}'; }
is "$(spread "$p1")" 0 "3 workers hold 10 tasks each (difference 0)"
same=0
s1=$(task_placement "${ports[0]}"); s2=$(task_placement "${ports[1]}"); s3=$(task_placement "${ports[2]}")
[ "$s1" == "$s2" ] && [ "$s2" == "$s3" ] && same=1
is "$same" 1 "GET status gives the same answer on every worker"

before=$(task_placement "$p1")
starts_before=$(cat "$E2E_TMP"/w*.log | grep -c 'task is RUNNING')
write_dist_props "$E2E_TMP/w4.properties" "${ports[3]}" "$group"
start_dist_worker "$E2E_TMP/w4.properties" "$E2E_TMP/w4.log"
wait_rest "${ports[3]}" 60
wait_for 60 'test "$(task_placement "$p1" | grep -c "127.0.0.1:${ports[3]}")" -ge 7'
sleep 3
after=$(task_placement "$p1")
is "$(echo "$after" | wc -l)" 30 "all 30 tasks are RUNNING after the 4th worker joins"
is "$(spread "$p1")" 1 "4 workers hold 7 or 8 tasks each (difference 1)"
moved=$(diff <(echo "$before") <(echo "$after") | grep -c '^>')
on_new=$(echo "$after" | grep -c "127.0.0.1:${ports[3]}")
is "$moved" "$on_new" "only tasks that went to the new worker moved ($moved)"
starts_after=$(cat "$E2E_TMP"/w*.log | grep -c 'task is RUNNING')
is "$((starts_after - starts_before))" "$moved" "no task restarted except the moved ones"
# connectors whose tasks did not move kept every task where it was
unaffected=$(comm -12 <(echo "$before") <(echo "$after") | wc -l)
is "$unaffected" "$((30 - moved))" "tasks of unaffected connectors stayed put"
diag "moved $moved of 30 tasks to the new worker"
finish
