#!/usr/bin/env bash
# kill -9 of one of three workers: its tasks are RUNNING on the others
# within session.timeout.ms + 3 s. SIGTERM of a worker moves its tasks in
# about a second, since it leaves the group at once.
. "$(dirname "$0")/lib.sh"
require_services
plan 6

group=$(uniq_name dist-fo)
SESSION_MS=6000
ports=(); pids=()
for i in 1 2 3; do ports+=("$(free_port)"); done
for i in 1 2 3; do
  write_dist_props "$E2E_TMP/w$i.properties" "${ports[$((i-1))]}" "$group" "session.timeout.ms=$SESSION_MS"
  start_dist_worker "$E2E_TMP/w$i.properties" "$E2E_TMP/w$i.log"; pids+=("$WORKER_PID")
done
for i in 1 2 3; do wait_rest "${ports[$((i-1))]}" 60; done
p1=${ports[0]}
for n in 1 2 3; do
  rest POST "$p1" /connectors "{\"name\":\"f$n\",\"config\":{\"connector.class\":\"DataGen\",\"topic\":\"$group-t\",\"tasks.max\":\"3\",\"rate\":\"5\",\"value.shape\":\"string\"}}" >/dev/null
done
wait_for 60 'test "$(task_placement "$p1" | wc -l)" -eq 9'
ok $? "9 tasks RUNNING on 3 workers"
victim=${ports[2]}
ok $([ "$(task_placement "$p1" | grep -c "127.0.0.1:$victim")" -gt 0 ] && echo 0 || echo 1) "the victim runs tasks"

kill -9 "${pids[2]}"
wait_tasks_moved "$p1" 9 "$victim" 40
ok $? "the killed worker's tasks run elsewhere"
diag "failover after kill -9: ${MOVED_MS} ms (session.timeout.ms=$SESSION_MS)"
ok $([ "$MOVED_MS" -le $((SESSION_MS + 3000)) ] && echo 0 || echo 1) "within session.timeout.ms + 3 s (${MOVED_MS} ms)"

# graceful: SIGTERM leaves the group at once
victim=${ports[1]}
kill -TERM "${pids[1]}"
wait_tasks_moved "$p1" 9 "$victim" 30
ok $? "a SIGTERMed worker's tasks run elsewhere"
diag "move after SIGTERM: ${MOVED_MS} ms"
ok $([ "$MOVED_MS" -le 5000 ] && echo 0 || echo 1) "SIGTERM moves tasks well before session.timeout.ms (${MOVED_MS} ms)"
finish
