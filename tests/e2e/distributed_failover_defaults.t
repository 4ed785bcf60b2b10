#!/usr/bin/env bash
# Failover with the worker's shipped defaults (nothing about group timing
# set): session.timeout.ms=10000, heartbeat.interval.ms=3000 and
# scheduled.rebalance.max.delay.ms=0 must reach the group. Unset keys once
# fell through to librdkafka's own defaults, a 45 s session, so a killed
# worker's tasks waited 45 s instead of about 10-13 s.
. "$(dirname "$0")/lib.sh"
require_services
plan 3

group=$(uniq_name dist-fo-def)
ports=(); pids=()
for i in 1 2; do ports+=("$(free_port)"); done
for i in 1 2; do
  write_dist_props "$E2E_TMP/w$i.properties" "${ports[$((i-1))]}" "$group"
  # the shipped defaults: drop the test suite's faster group timing
  sed -i '/^session.timeout.ms=/d; /^heartbeat.interval.ms=/d' "$E2E_TMP/w$i.properties"
  start_dist_worker "$E2E_TMP/w$i.properties" "$E2E_TMP/w$i.log"; pids+=("$WORKER_PID")
done
for i in 1 2; do wait_rest "${ports[$((i-1))]}" 60; done
p1=${ports[0]}
rest POST "$p1" /connectors "{\"name\":\"d\",\"config\":{\"connector.class\":\"DataGen\",\"topic\":\"$group-t\",\"tasks.max\":\"4\",\"rate\":\"5\",\"value.shape\":\"string\"}}" >/dev/null
victim=${ports[1]}
wait_for 60 'test "$(task_placement "$p1" | wc -l)" -eq 4 && task_placement "$p1" | grep -q "127.0.0.1:$victim"'
ok $? "4 tasks RUNNING on 2 workers, some on the victim"

kill -9 "${pids[1]}"
wait_tasks_moved "$p1" 4 "$victim" 60
ok $? "the killed worker's tasks run on the survivor"
diag "failover after kill -9 with shipped defaults: ${MOVED_MS} ms"
# session 10 s + up to one 3 s heartbeat + the rebalance; librdkafka's 45 s would fail this
ok $([ "$MOVED_MS" -le 16000 ] && echo 0 || echo 1) "within session.timeout.ms (10 s default) + 6 s (${MOVED_MS} ms)"
finish
