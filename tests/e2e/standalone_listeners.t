#!/usr/bin/env bash
# listeners with several entries: every one is served with the same API
# (as Kafka Connect does); a listener that cannot be bound stops start-up
# with an error naming it.
. "$(dirname "$0")/lib.sh"
require_services
plan 6

pa=$(free_port); pb=$(free_port)
write_worker_props "$E2E_TMP/w.properties" "$pa" "$E2E_TMP/offsets"
sed -i "s|^listeners=.*|listeners=http://127.0.0.1:$pa,http://127.0.0.1:$pb|" "$E2E_TMP/w.properties"
start_worker "$E2E_TMP/w.properties" "$E2E_TMP/w.log"
pid=$WORKER_PID
wait_rest "$pa" 30; ok $? "the first listener answers GET /"
wait_rest "$pb" 30; ok $? "the second listener answers GET /"

topic=$(uniq_name listeners)
code=$(rest POST "$pa" /connectors "{\"name\":\"g\",\"config\":{\"connector.class\":\"DataGen\",\"topic\":\"$topic\",\"rate\":\"5\",\"value.shape\":\"string\"}}" | cut -d' ' -f1)
is "$code" 201 "a connector created through the first listener"
is "$(curl -s "http://127.0.0.1:$pb/connectors" | jq -c .)" '["g"]' "is listed through the second"
kill "$pid"; wait "$pid" 2>/dev/null

# the same port twice: the second bind fails and the worker refuses to start
write_worker_props "$E2E_TMP/dup.properties" "$pa" "$E2E_TMP/offsets2"
sed -i "s|^listeners=.*|listeners=http://127.0.0.1:$pa,http://127.0.0.1:$pa|" "$E2E_TMP/dup.properties"
out=$(timeout 30 "$TRIB_BIN" standalone "$E2E_TMP/dup.properties" 2>&1); rc=$?
ok $([ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && echo 0 || echo 1) "a listener that cannot be bound stops the worker (exit $rc)"
like "$out" "REST server on 127.0.0.1:$pa" "the error names the listener"
finish
