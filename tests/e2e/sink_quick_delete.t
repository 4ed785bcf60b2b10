#!/usr/bin/env bash
# A sink connector deleted right after it is created (its consumer closed
# before its group ever assigned it) does not take the worker down:
# librdkafka 2.0.2 aborted in that case (issue #4381, fixed in 2.3.0); the
# close no longer waits for the join.
. "$(dirname "$0")/lib.sh"
require_services
plan 3

port=$(free_port)
topic=$(uniq_name quick)
write_worker_props "$E2E_TMP/w.properties" "$port" "$E2E_TMP/offsets"
start_worker "$E2E_TMP/w.properties" "$E2E_TMP/w.log"
wait_rest "$port" 30
for i in 1 2 3 4 5; do
  rest POST "$port" /connectors "{\"name\":\"q$i\",\"config\":{\"connector.class\":\"FileStreamSink\",\"file\":\"$E2E_TMP/q$i.txt\",\"topics\":\"$topic\"}}" >/dev/null
  rest DELETE "$port" "/connectors/q$i" >/dev/null
done
sleep 1
kill -0 "$WORKER_PID" 2>/dev/null; ok $? "the worker is still alive after five create-then-delete cycles"
is "$(curl -s "http://127.0.0.1:$port/connectors")" "[]" "and every connector is gone"
grep -q "Assertion" "$E2E_TMP/w.log"; ok $([ $? -ne 0 ] && echo 0 || echo 1) "no librdkafka assertion in the log"
finish
