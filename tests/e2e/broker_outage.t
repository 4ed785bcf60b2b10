#!/usr/bin/env bash
# A broker outage longer than the group session, with exactly-once source
# producers mid-transaction: the workers lose their group sessions, stop
# their tasks (tearing down transactional producers with a transaction
# unfinished) and must neither crash nor lose or duplicate a record.
# librdkafka 2.0.2 aborted here ("rd_kafka_enq_once_del_source_return:
# Assertion `eonce->refcnt > 0' failed", issue 15 item 2): 3 crashes in 4
# outages. The broker is stopped twice (scripts/testenv stop-kafka /
# start-kafka, same port and data).
. "$(dirname "$0")/lib.sh"
require_services
plan 9

group=$(uniq_name outage)
topic=$group-out
N=16000
ports=(); pids=()
for i in 1 2; do ports+=("$(free_port)"); done
for i in 1 2; do
  write_dist_props "$E2E_TMP/w$i.properties" "${ports[$((i-1))]}" "$group" "exactly.once.source.support=enabled"
  start_dist_worker "$E2E_TMP/w$i.properties" "$E2E_TMP/w$i.log"; pids+=("$WORKER_PID")
done
for i in 1 2; do wait_rest "${ports[$((i-1))]}" 60; done
p1=${ports[0]}
r=$(rest POST "$p1" /connectors "{\"name\":\"eos\",\"config\":{\"connector.class\":\"DataGen\",\"topic\":\"$topic\",\"tasks.max\":\"4\",\"count\":\"$N\",\"rate\":\"60\",\"key.shape\":\"sequence\",\"value.shape\":\"string\",\"batch.size\":\"20\"}}")
like "$r" '^201 ' "an exactly-once DataGen connector with 4 tasks is created"
wait_for 60 'test "$(task_placement "$p1" | wc -l)" -eq 4'
ok $? "its 4 tasks are RUNNING on 2 workers"

testenv() { "$E2E_ROOT/scripts/testenv" "$@" >>"$E2E_TMP/testenv.log" 2>&1; }
for round in 1 2; do
  sleep 4
  testenv stop-kafka || bail "scripts/testenv stop-kafka failed (see $E2E_TMP/testenv.log)"
  diag "$(date +%T) round $round: broker stopped"
  sleep 12    # past session.timeout.ms (6 s): the workers lose their sessions
  testenv start-kafka || bail "scripts/testenv start-kafka failed"
  diag "$(date +%T) round $round: broker back"
done

alive=0
for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || alive=1; done
ok $alive "both workers are still running after two outages"
# the outages hit producers mid-load: no task had produced its share before
done_early=$(grep -h "produced all" "$E2E_TMP"/w*.log | awk '{print $1}' | sort | head -1)
diag "first task to finish its share: ${done_early:-none yet}"

wait_for 240 'test "$(topic_count "$topic")" -ge $N'
is "$(topic_count "$topic")" "$N" "read_committed sees exactly $N records"
is "$(kcat -b "$KAFKA_BOOTSTRAP" -C -t "$topic" -e -q -X isolation.level=read_committed -f '%k\n' 2>/dev/null | sort -u | wc -l)" "$N" \
  "every key appears once"
wait_for 60 'test "$(task_placement "$p1" | wc -l)" -eq 4'
ok $? "all 4 tasks are RUNNING again"
is "$(task_placement "$p1" | awk '{print $1}' | sort | uniq -d)" "" "no task shows on two workers"

crash=$(grep -h "Assertion\|AddressSanitizer\|runtime error:\|LeakSanitizer" "$E2E_TMP"/w*.log | head -3)
is "$crash" "" "no librdkafka assertion and no sanitizer report in the worker logs"
for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
rc=0
for p in "${pids[@]}"; do wait "$p" 2>/dev/null || rc=$?; done
is "$rc" 0 "both workers stop cleanly (exit 0, so no leak report) afterwards"
finish
