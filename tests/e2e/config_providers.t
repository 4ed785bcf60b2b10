#!/usr/bin/env bash
# Config providers (KIP-297/421) through a standalone worker with tenants:
# a worker key and a connector's keys given as ${dir:...}, ${file:...} and
# ${env:...} references are resolved where they are used, while every
# answer (config, tasks, validate) keeps the reference, never the value;
# a reference that cannot be resolved is a 400 naming the key; a tenant's
# config may hold none (403: the providers read the worker's files); a provider
# class Tributary does not have stops the worker at start.
. "$(dirname "$0")/lib.sh"
require_services
plan 18

port=$(free_port)
topic=$(uniq_name providers)
secrets=$E2E_TMP/secrets
mkdir -p "$secrets" "$E2E_TMP/staging"
out=$E2E_TMP/out-$RANDOM.txt
printf '%s' "$out" > "$secrets/sink.file"        # a Kubernetes secret volume: one file per key
printf 'topic=%s\nunused=x\n' "$topic" > "$E2E_TMP/app.properties"
echo "admin-$RANDOM-$RANDOM-providers" > "$E2E_TMP/admin.token"
write_worker_props "$E2E_TMP/w.properties" "$port" "$E2E_TMP/offsets" \
  "config.providers=dir,file,env" \
  "config.providers.dir.class=org.apache.kafka.common.config.provider.DirectoryConfigProvider" \
  "config.providers.dir.param.allowed.paths=$secrets" \
  "config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider" \
  "config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider" \
  "config.providers.env.param.allowlist.pattern=TRIB_E2E_.*" \
  "offset.flush.interval.ms=\${env:TRIB_E2E_FLUSH_MS}" \
  "admin.token.file=$E2E_TMP/admin.token" "tenant.staging.root=$E2E_TMP/staging" \
  "tenant.key.secret.file=$E2E_TMP/key.secret" "tenant.store.file=$E2E_TMP/tenants.json"
export TRIB_E2E_FLUSH_MS=1000
start_worker "$E2E_TMP/w.properties" "$E2E_TMP/worker.log"
wait_rest "$port" 30; ok $? "a worker whose offset.flush.interval.ms is \${env:TRIB_E2E_FLUSH_MS} starts"
base="http://127.0.0.1:$port"
ADMIN="Authorization: Bearer $(cat "$E2E_TMP/admin.token")"
req() { # req <method> <path> [body]: prints "<status> <body>" (admin)
  local o
  if [ -n "${3:-}" ]; then o=$(curl -sS -m 30 -X "$1" -H "$ADMIN" -H 'Content-Type: application/json' --data-binary "$3" -w '\n%{http_code}' "$base$2")
  else o=$(curl -sS -m 30 -X "$1" -H "$ADMIN" -w '\n%{http_code}' "$base$2"); fi
  echo "${o##*$'\n'} ${o%$'\n'*}"
}

file_ref="\${dir:$secrets:sink.file}"
topic_ref="\${file:$E2E_TMP/app.properties:topic}"
src_in=$E2E_TMP/in.txt
seq 1 50 > "$src_in"
r=$(req POST /connectors "{\"name\":\"src\",\"config\":{\"connector.class\":\"FileStreamSource\",\"file\":\"$src_in\",\"topic\":\"$topic_ref\"}}")
is "${r%% *}" 201 "a source whose topic is a \${file:...} reference is created"
r=$(req POST /connectors "{\"name\":\"sink\",\"config\":{\"connector.class\":\"FileStreamSink\",\"topics\":\"$topic_ref\",\"file\":\"$file_ref\"}}")
is "${r%% *}" 201 "a sink whose file is a \${dir:...} reference is created"
wait_for 60 'test "$(lines_in "$out")" -ge 50'; ok $? "the records reach the file the secret names ($(lines_in "$out") lines)"
[ "$(topic_count "$topic")" -ge 50 ]; ok $? "through the topic the properties file names"

cfg=$(req GET /connectors/sink/config)
is "$(echo "${cfg#* }" | jq -r .file)" "$file_ref" "GET config shows the reference, not the value"
tasks=$(req GET /connectors/sink/tasks)
is "$(echo "${tasks#* }" | jq -r '.[0].config.file')" "$file_ref" "GET tasks shows the reference too"
unlike "$(req GET /connectors/sink/tasks-config)" "$out" "no task config holds the resolved value"
v=$(req PUT /connector-plugins/FileStreamSink/config/validate "{\"name\":\"v\",\"connector.class\":\"FileStreamSink\",\"topics\":\"t\",\"file\":\"$file_ref\"}")
is "$(echo "${v#* }" | jq -r '.configs[] | select(.value.name=="file") | .value.value')" "$file_ref" "validate answers with the reference as given"
is "$(echo "${v#* }" | jq -r .error_count)" 0 "and finds no error"

# a reference that cannot be resolved: 400 naming the key, nothing created
r=$(req POST /connectors "{\"name\":\"bad\",\"config\":{\"connector.class\":\"FileStreamSink\",\"topics\":\"t\",\"file\":\"\${dir:$secrets:missing}\"}}")
like "$r" '^400 .*file.*missing' "an unresolvable reference is a 400 naming the key"
r=$(req POST /connectors "{\"name\":\"bad2\",\"config\":{\"connector.class\":\"FileStreamSink\",\"topics\":\"t\",\"file\":\"\${dir:/etc:passwd}\"}}")
like "$r" '^400 .*outside allowed.paths' "a path outside allowed.paths is a 400"
is "$(req GET /connectors | cut -d' ' -f2- | jq -c 'sort')" '["sink","src"]' "neither was created"

# a secret gone at start: the connector is FAILED with a trace naming it
rm "$secrets/sink.file"
req POST "/connectors/sink/restart?includeTasks=true" >/dev/null
wait_for 30 'req GET /connectors/sink/status | grep -q "\"state\":\"FAILED\".*sink.file"'
ok $? "a reference that no longer resolves at start: FAILED, the trace names it"

# tenants never get a reference resolved
req POST /tenants '{"name":"alpha"}' >/dev/null
AK="Authorization: Bearer $(req POST /tenants/alpha/keys | cut -d' ' -f2- | jq -r .key)"
r=$(curl -sS -m 30 -X POST -H "$AK" -H 'Content-Type: application/json' -w '\n%{http_code}' "$base/tenants/alpha/connectors" \
    --data-binary "{\"name\":\"t1\",\"config\":{\"connector.class\":\"DataGen\",\"topic\":\"alpha.x\",\"rate\":\"1\",\"value.shape\":\"string\",\"x\":\"\${env:TRIB_E2E_FLUSH_MS}\"}}")
rr="${r##*$'\n'} ${r%$'\n'*}"; like "$rr" '^403 .*x: config provider references' "a tenant's create with a reference is a 403 naming the key"
[ $_tap_failed -gt 0 ] && diag "answer: $rr"
r=$(curl -sS -m 30 -X PUT -H "$AK" -H 'Content-Type: application/json' -w '\n%{http_code}' "$base/tenants/alpha/connector-plugins/FileStreamSink/config/validate" \
    --data-binary "{\"connector.class\":\"FileStreamSink\",\"topics\":\"alpha.t\",\"file\":\"\${dir:$secrets:sink.file}\"}")
like "${r##*$'\n'}" '^403' "a tenant's validate with a reference is refused too"

kill -TERM "$WORKER_PID"; wait "$WORKER_PID"; rc=$?
is "$rc" 0 "SIGTERM stops the worker with exit status 0"

# a provider Tributary does not have stops the worker at start, naming it
write_worker_props "$E2E_TMP/k.properties" "$(free_port)" "$E2E_TMP/offsets2" \
  "config.providers=secrets" "config.providers.secrets.class=io.strimzi.kafka.KubernetesSecretConfigProvider"
o=$(timeout 30 "$TRIB_BIN" standalone "$E2E_TMP/k.properties" 2>&1); rc=$?
like "rc=$rc $o" 'rc=2 .*config.providers.secrets.class: io.strimzi.kafka.KubernetesSecretConfigProvider is not available' \
  "an unknown provider class stops the worker at start with its key"
[ $_tap_failed -gt 0 ] && { diag "worker log:"; tail -30 "$E2E_TMP/worker.log" | sed 's/^/# /'; }
finish
