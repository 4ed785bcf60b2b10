#!/usr/bin/env bash
# The REST calls existing Kafka Connect consoles make, replayed with curl
# (none of those consoles installs from a package registry reachable here;
# docs/console.md says which were tried). The call shapes are the ones the
# consoles' sources use (shared research notes, section 6): Redpanda
# Console's expanded list and version, AKHQ's form built by validating a
# dummy config, Kafka UI's validate response fields, and the action calls.
. "$(dirname "$0")/lib.sh"
require_services
plan 10

port=$(free_port)
topic=$(uniq_name compat)
write_worker_props "$E2E_TMP/w.properties" "$port" "$E2E_TMP/offsets"
start_worker "$E2E_TMP/w.properties" "$E2E_TMP/worker.log"
wait_rest "$port" 30; ok $? "worker REST API is ready"
U=http://127.0.0.1:$port
rest POST "$port" /connectors "{\"name\":\"gen\",\"config\":{\"connector.class\":\"DataGen\",\"topic\":\"$topic\",\"rate\":\"10\",\"value.shape\":\"string\"}}" >/dev/null
wait_for 20 'curl -s $U/connectors/gen/status | grep -q "\"RUNNING\".*\"RUNNING\""'

# Redpanda Console: version from GET /, list with both expansions, worker_id per task
like "$(curl -s $U/ | jq -r .version)" '^[0-9]+\.' "GET / gives a version (Redpanda Console reads it)"
is "$(curl -s "$U/connectors?expand=info&expand=status" | jq -r '.gen | [(.info.type), (.status.connector.state), (.status.tasks[0].worker_id != null)] | join(",")')" \
   "source,RUNNING,true" "GET /connectors?expand=info&expand=status has info, status and worker_id"

# AKHQ: the create form comes from validating {connector.class, topics:"getPlugins"} for each plugin
cls=$(curl -s $U/connector-plugins | jq -r '.[] | select(.class | test("FileStreamSink")) | .class')
v=$(curl -s -X PUT -H 'Content-Type: application/json' --data "{\"connector.class\":\"$cls\",\"topics\":\"getPlugins\"}" "$U/connector-plugins/$cls/config/validate")
like "$(jq -r '[.configs[].definition.name] | index("file") != null' <<<"$v")" true "AKHQ's dummy validate returns the plugin's definitions (file among them)"
# Kafka UI: the fields its contract reads
is "$(jq -r '(has("name") and has("error_count") and has("groups")) and ([.configs[0].definition | has("name","type","required","default_value","importance","documentation","group","width","display_name","dependents","order")] | all)' <<<"$v")" \
   true "validate has Kafka UI's ConnectorPluginConfigValidationResponse definition fields"
is "$(jq -r '[.configs[0].value | has("name","value","recommended_values","errors","visible")] | all' <<<"$v")" true "and its value fields"

# actions (Kafka UI, AKHQ, Lenses): pause, resume, restart with KIP-745 flags, stop, offsets
is "$(curl -s -o /dev/null -w '%{http_code}' -X PUT $U/connectors/gen/pause)" 202 "PUT pause is 202"
is "$(curl -s -o /dev/null -w '%{http_code}' -X PUT $U/connectors/gen/resume)" 202 "PUT resume is 202"
like "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$U/connectors/gen/restart?includeTasks=true&onlyFailed=false")" '^20[24]$' "POST restart?includeTasks&onlyFailed is accepted"
curl -s -o /dev/null -X PUT $U/connectors/gen/stop
wait_for 20 'curl -s $U/connectors/gen/status | grep -q STOPPED'
like "$(curl -s $U/connectors/gen/offsets)" '"offsets":' "GET offsets of the STOPPED connector (Redpanda Console, KIP-875)"
kill -TERM "$WORKER_PID"; wait "$WORKER_PID"
finish
