#!/usr/bin/env bash
# Tenants in distributed mode live in the config topic: a tenant and its
# API key created through one worker work on another; a tenant's connector
# runs under its own name space; another tenant's key is refused.
. "$(dirname "$0")/lib.sh"
require_services
plan 7

group=$(uniq_name dist-tn)
echo "admin-$RANDOM-$RANDOM-secret-token" > "$E2E_TMP/admin.token"
ports=()
for i in 1 2; do ports+=("$(free_port)"); done
for i in 1 2; do
  write_dist_props "$E2E_TMP/w$i.properties" "${ports[$((i-1))]}" "$group" \
    "admin.token.file=$E2E_TMP/admin.token" "tenant.key.secret.file=$E2E_TMP/key.secret"
done
# the first worker creates the shared key secret; the second reads the same file
start_dist_worker "$E2E_TMP/w1.properties" "$E2E_TMP/w1.log"
wait_rest "${ports[0]}" 60
start_dist_worker "$E2E_TMP/w2.properties" "$E2E_TMP/w2.log"
wait_rest "${ports[1]}" 60
p1=${ports[0]}; p2=${ports[1]}
admin=(-H "Authorization: Bearer $(cat "$E2E_TMP/admin.token")")

code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "${admin[@]}" -H 'Content-Type: application/json' \
  --data '{"name":"acme"}' "http://127.0.0.1:$p1/tenants")
is "$code" 201 "the admin creates tenant acme through worker 1"
curl -s -o /dev/null -X POST "${admin[@]}" -H 'Content-Type: application/json' --data '{"name":"globex"}' "http://127.0.0.1:$p1/tenants"
key=$(curl -s -X POST "${admin[@]}" "http://127.0.0.1:$p1/tenants/acme/keys" | jq -r .key)
other=$(curl -s -X POST "${admin[@]}" "http://127.0.0.1:$p1/tenants/globex/keys" | jq -r .key)
ok $([ -n "$key" ] && [ "$key" != null ] && echo 0 || echo 1) "an API key is issued once"

wait_for 20 "curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer $key' http://127.0.0.1:$p2/tenants/acme/connectors | grep -q 200"
ok $? "worker 2 accepts the key issued by worker 1"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  --data '{"name":"gen","config":{"connector.class":"DataGen","topic":"acme.orders","rate":"5","value.shape":"string"}}' \
  "http://127.0.0.1:$p2/tenants/acme/connectors")
is "$code" 201 "tenant acme creates a connector on worker 2"
wait_for 30 "curl -s -H 'Authorization: Bearer $key' http://127.0.0.1:$p1/tenants/acme/connectors/gen/status | grep -q RUNNING"
ok $? "its task runs, and worker 1 reports it"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $other" "http://127.0.0.1:$p1/tenants/acme/connectors/gen/status")
is "$code" 403 "another tenant's key is refused with 403"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  --data '{"name":"steal","config":{"connector.class":"DataGen","topic":"globex.orders","value.shape":"string"}}' \
  "http://127.0.0.1:$p2/tenants/acme/connectors")
is "$code" 403 "a connector writing to another tenant's topic is refused"
finish
