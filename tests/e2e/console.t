#!/usr/bin/env bash
# The web console (/ui) in a real headless browser: Debian's Chromium
# driven over its DevTools protocol by console_browser.py. A tenant logs
# in with its API key, creates a connector through the form (a validation
# error first), pauses and resumes it, and never sees another tenant's
# connector; the admin sees all, live rates, a FAILED task's trace and a
# STOPPED connector's offsets; a tenant's Validate rule counters and its
# dead letter queue's records with their rule headers. Screenshots of each
# page go to $TRIB_ARTIFACTS_DIR/console (default: <build dir>/artifacts/console).
. "$(dirname "$0")/lib.sh"
require_services
command -v chromium >/dev/null || bail "chromium is missing (scripts/deps installs it)"
/usr/bin/python3 -c 'import websocket' 2>/dev/null || bail "python3-websocket is missing (scripts/deps installs it)"
plan 37

port=$(free_port)
ART=${TRIB_ARTIFACTS_DIR:-${TRIB_BUILD_DIR:-$E2E_ROOT/build}/artifacts}/console
rm -rf "$ART"
echo "admin-$RANDOM-$RANDOM-console-token" > "$E2E_TMP/admin.token"
mkdir -p "$E2E_TMP/staging"
write_worker_props "$E2E_TMP/w.properties" "$port" "$E2E_TMP/offsets" "tributary.task.auto.restart=false" \
  "admin.token.file=$E2E_TMP/admin.token" "tenant.key.secret.file=$E2E_TMP/key.secret" "tenant.staging.root=$E2E_TMP/staging"
start_worker "$E2E_TMP/w.properties" "$E2E_TMP/worker.log"
wait_rest "$port" 30; ok $? "worker REST API is ready"
admin=(-H "Authorization: Bearer $(cat "$E2E_TMP/admin.token")")
api() { curl -sS "${admin[@]}" -H 'Content-Type: application/json' "$@"; }

api -X POST --data '{"name":"acme"}' "http://127.0.0.1:$port/tenants" >/dev/null
api -X POST --data '{"name":"globex"}' "http://127.0.0.1:$port/tenants" >/dev/null
key=$(api -X POST "http://127.0.0.1:$port/tenants/acme/keys" | jq -r .key)
gkey=$(api -X POST "http://127.0.0.1:$port/tenants/globex/keys" | jq -r .key)
like "$key" '^trib_' "tenant acme has an API key"
curl -sS -X POST -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  --data '{"name":"existing","config":{"connector.class":"DataGen","topic":"acme.existing","rate":"20","value.shape":"string"}}' \
  "http://127.0.0.1:$port/tenants/acme/connectors" >/dev/null
curl -sS -X POST -H "Authorization: Bearer $gkey" -H 'Content-Type: application/json' \
  --data '{"name":"secret-gen","config":{"connector.class":"DataGen","topic":"globex.t","rate":"1","value.shape":"string"}}' \
  "http://127.0.0.1:$port/tenants/globex/connectors" >/dev/null
# a tenant connector with a Validate rule (order_id 0..79 passes; 100 orders;
# the 20 failures go to its dead letter queue)
rules=$(python3 -c 'import json; print(json.dumps(json.dumps([{"rule_id":"id_range","rule_type":"range","column":"order_id","parameters":{"min":0,"max":79},"severity":"error"}])))')
curl -sS -X POST -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  --data "{\"name\":\"checked\",\"config\":{\"connector.class\":\"DataGen\",\"topic\":\"acme.checked\",\"count\":\"100\",\"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\",\"value.converter.schemas.enable\":\"false\",\"transforms\":\"check\",\"transforms.check.type\":\"Validate\",\"transforms.check.rules\":$rules,\"transforms.check.on.failure\":\"dlq\",\"errors.deadletterqueue.topic.name\":\"acme.checked-dlq-$$-$RANDOM\",\"errors.deadletterqueue.topic.replication.factor\":\"1\"}}" \
  "http://127.0.0.1:$port/tenants/acme/connectors" >/dev/null
# a tenant SpoolDir connector for the upload page
schema='{\"type\":\"record\",\"name\":\"reading\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"},{\"name\":\"speed\",\"type\":\"double\"}]}'
code=$(curl -s -o "$E2E_TMP/csv.out" -w '%{http_code}' -X POST -H "Authorization: Bearer $key" -H 'Content-Type: application/json' --data "{\"name\":\"csv\",\"config\":{
  \"connector.class\":\"SpoolDirCsvSource\",\"topic\":\"acme.readings\",\"input.path\":\"in\",\"finished.path\":\"finished\",\"error.path\":\"error\",
  \"input.file.pattern\":\".*\\\\.csv\",\"csv.first.row.as.header\":\"true\",\"value.schema\":\"$schema\",\"empty.poll.wait.ms\":\"100\"}}" \
  "http://127.0.0.1:$port/tenants/acme/connectors")
is "$code" 201 "tenant acme has a SpoolDirCsvSource for uploads"
printf 'id,speed\n1,1.5\n2,2.5\n3,3.5\n' > "$E2E_TMP/readings.csv"
# an admin sink whose task fails: the records are not JSON
api -X POST --data "{\"name\":\"broken\",\"config\":{\"connector.class\":\"FileStreamSink\",\"topics\":\"acme.existing\",\"file\":\"$E2E_TMP/broken.txt\",\"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\",\"value.converter.schemas.enable\":\"false\"}}" \
  "http://127.0.0.1:$port/connectors" >/dev/null
wait_for 30 'api "http://127.0.0.1:$port/connectors/broken/status" | grep -q FAILED'; ok $? "the admin's broken sink has a FAILED task"

# /metrics names every tenant's connectors: admin token only
is "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/metrics")" 401 "/metrics without a credential is 401"
is "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $key" "http://127.0.0.1:$port/metrics")" 403 "/metrics with a tenant's key is 403"
like "$(curl -s "${admin[@]}" "http://127.0.0.1:$port/metrics")" 'kafka_connect_connector_status\{connector="globex/secret-gen",status="running"\} 1' "/metrics with the admin token names tenant connectors by full name"

rej() { curl -s -H "Authorization: Bearer $key" "http://127.0.0.1:$port/tenants/acme/metrics" | awk '$1 == "tributary_tenant_rejected_requests_total{tenant=\"acme\"}" { print $2 }'; }
before=$(rej)
api -X PUT --data '{"max_connectors":2}' "http://127.0.0.1:$port/tenants/acme/quotas" >/dev/null
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  --data '{"name":"third","config":{"connector.class":"DataGen","topic":"acme.third","value.shape":"string"}}' "http://127.0.0.1:$port/tenants/acme/connectors")
is "$code:$(( $(rej) - before ))" "429:1" "a create over max_connectors is refused (429) and counted in tributary_tenant_rejected_requests_total"
api -X PUT --data '{"max_connectors":10}' "http://127.0.0.1:$port/tenants/acme/quotas" >/dev/null
tm=$(curl -s -H "Authorization: Bearer $key" "http://127.0.0.1:$port/tenants/acme/metrics")
like "$tm" 'kafka_connect_connector_status\{connector="existing",status="running"\} 1' "/tenants/acme/metrics names acme's connector by its local name"
unlike "$tm" 'globex|secret-gen|process_' "and nothing of globex nor of the process"
like "$tm" 'tributary_tenant_records_total\{tenant="acme",direction="in"\}' "and acme's usage"
is "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $gkey" "http://127.0.0.1:$port/tenants/acme/metrics")" 403 "globex's key cannot read acme's metrics"

while read -r word rc desc; do
  [ "$word" = RESULT ] && ok "$rc" "$desc"
done < <(BASE="http://127.0.0.1:$port" ADMIN_TOKEN=$(cat "$E2E_TMP/admin.token") TENANT=acme TENANT_KEY=$key \
  OTHER_CONNECTOR=globex/secret-gen FAILED_CONNECTOR=broken ARTIFACTS="$ART" UPLOAD_FILE="$E2E_TMP/readings.csv" \
  timeout 180 /usr/bin/python3 "$(dirname "$0")/console_browser.py" 2>&1)
n=$(ls "$ART"/*.png 2>/dev/null | wc -l)
is "$n" 10 "ten screenshots saved in $ART"

kill -TERM "$WORKER_PID"; wait "$WORKER_PID"
is "$?" 0 "the worker stops with status 0"
finish
