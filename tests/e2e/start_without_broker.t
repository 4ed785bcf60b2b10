#!/usr/bin/env bash
# A distributed worker started while the broker is down (issue 15 item 6):
# it used to exit when the cluster or an internal topic did not show within
# 15 s. Now REST is up at once, GET /health answers 503 "starting" saying
# what the worker waits for, other routes answer 503, the process keeps
# retrying with backoff, and once the broker is back it becomes healthy and
# runs a connector. The broker is stopped and started with scripts/testenv
# (same port and data); it is started again on every exit path.
. "$(dirname "$0")/lib.sh"
require_services
plan 11

testenv() { "$E2E_ROOT/scripts/testenv" "$@" >>"$E2E_TMP/testenv.log" 2>&1; }
trap 'testenv start-kafka; _e2e_cleanup' EXIT

group=$(uniq_name nobroker)
topic=$group-out
port=$(free_port)
write_dist_props "$E2E_TMP/w.properties" "$port" "$group"
testenv stop-kafka || bail "scripts/testenv stop-kafka failed (see $E2E_TMP/testenv.log)"
start_dist_worker "$E2E_TMP/w.properties" "$E2E_TMP/w.log"; pid=$WORKER_PID

health() { curl -s -m 5 -w '\n%{http_code}' "http://127.0.0.1:$port/health" 2>/dev/null | tr '\n' ' '; }
wait_for 60 '[[ "$(health)" =~ \ 503$ ]]'
ok $? "GET /health answers 503 while the broker is down"
h=$(health)
like "$h" '"status": *"starting"' "its status is starting"
# wait past the 15 s after which the worker used to exit, and past a retry
wait_for 90 'grep -q "attempt 2:" "$E2E_TMP/w.log"'
like "$(health)" '"message": *"Worker is still starting up: [^"]*Kafka' "the message says it waits for the Kafka cluster"
kill -0 "$pid" 2>/dev/null
ok $? "the worker is still running after two failed attempts"
is "$(rest GET "$port" /connectors | cut -c1-3)" 503 "GET /connectors answers 503 while starting"

# SIGTERM while starting: taken between attempts (each bounded by 15 s)
port2=$(free_port)
write_dist_props "$E2E_TMP/w2.properties" "$port2" "$group"
start_dist_worker "$E2E_TMP/w2.properties" "$E2E_TMP/w2.log"; pid2=$WORKER_PID
wait_for 60 'curl -s -m 5 "http://127.0.0.1:$port2/health" | grep -q starting'
kill -TERM "$pid2"
# (an exited child stays a zombie, which kill -0 still finds, until wait)
wait_for 60 '! kill -0 "$pid2" || [ "$(ps -o stat= -p "$pid2" | cut -c1)" = Z ]'
rc=0; wait "$pid2" 2>/dev/null || rc=$?
is "$rc" 0 "a worker stopped with SIGTERM while it waits for the broker exits 0"

testenv start-kafka || bail "scripts/testenv start-kafka failed"
diag "$(date +%T) broker back"
wait_for 180 '[[ "$(health)" =~ \ 200$ ]]'
ok $? "GET /health answers 200 once the broker is back"
like "$(health)" '"status": *"healthy"' "its status is healthy"
r=$(rest POST "$port" /connectors "{\"name\":\"gen\",\"config\":{\"connector.class\":\"DataGen\",\"topic\":\"$topic\",\"tasks.max\":\"1\",\"count\":\"200\",\"key.shape\":\"sequence\",\"value.shape\":\"string\"}}")
like "$r" '^201 ' "a connector is created on the worker"
wait_for 90 'test "$(topic_count "$topic")" -ge 200'
is "$(topic_count "$topic")" 200 "its 200 records reach the topic"

kill -TERM "$pid"
rc=0; wait "$pid" 2>/dev/null || rc=$?
crash=$(grep -h "Assertion\|AddressSanitizer\|runtime error:\|LeakSanitizer" "$E2E_TMP/w.log" | head -3)
is "$rc${crash:+ $crash}" 0 "the worker stops cleanly (exit 0, no sanitizer report)"
finish
