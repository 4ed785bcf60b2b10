#!/usr/bin/env bash
# HTTP ingest in a two-worker cluster with tenants: a tenant's HttpIngest
# connector created through one worker takes records on both (its config
# comes from the config topic; no sticky routing), each answer after
# Kafka's acknowledgement; another tenant's key is 403, no key 401, the
# plain route needs the admin token; a topic outside the tenant's prefix is
# refused at create time.
. "$(dirname "$0")/lib.sh"
require_services
plan 13

group=$(uniq_name ingest-cl)
echo "admin-$RANDOM-$RANDOM-secret-token" > "$E2E_TMP/admin.token"
p1=$(free_port); p2=$(free_port)
for i in 1 2; do
  port=$p1; [ $i = 2 ] && port=$p2
  write_dist_props "$E2E_TMP/w$i.properties" "$port" "$group" \
    "admin.token.file=$E2E_TMP/admin.token" "tenant.key.secret.file=$E2E_TMP/key.secret"
done
start_dist_worker "$E2E_TMP/w1.properties" "$E2E_TMP/w1.log"
wait_rest "$p1" 60 || bail "worker 1 did not start"
start_dist_worker "$E2E_TMP/w2.properties" "$E2E_TMP/w2.log"
wait_rest "$p2" 60 || bail "worker 2 did not start"
admin=(-H "Authorization: Bearer $(cat "$E2E_TMP/admin.token")")
for t in acme globex; do
  curl -s -o /dev/null -X POST "${admin[@]}" -H 'Content-Type: application/json' --data "{\"name\":\"$t\"}" "http://127.0.0.1:$p1/tenants"
done
key=$(curl -s -X POST "${admin[@]}" "http://127.0.0.1:$p1/tenants/acme/keys" | jq -r .key)
other=$(curl -s -X POST "${admin[@]}" "http://127.0.0.1:$p1/tenants/globex/keys" | jq -r .key)
topic=acme.events-$$-$RANDOM
create_topic "$topic"
wait_for 20 "curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer $key' http://127.0.0.1:$p2/tenants/acme/connectors | grep -q 200"
code=$(curl -s -o "$E2E_TMP/c.out" -w '%{http_code}' -X POST -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  --data "{\"name\":\"in\",\"config\":{\"connector.class\":\"HttpIngest\",\"topic\":\"$topic\"}}" "http://127.0.0.1:$p1/tenants/acme/connectors")
is "$code" 201 "tenant acme creates an HttpIngest connector through worker 1"

ingest() { # ingest <port> <auth header> <body>: prints the status, body in $E2E_TMP/r
  curl -s -o "$E2E_TMP/r" -w '%{http_code}' -X POST -H "$2" -H 'Content-Type: application/json' --data "$3" \
    "http://127.0.0.1:$1/tenants/acme/ingest/in"
}
wait_for 30 "[ \"\$(ingest $p2 'Authorization: Bearer $key' '{\"probe\":0}')\" = 200 ]"
ok $? "worker 2 takes records for it (config from the config topic)"
is "$(ingest "$p2" "Authorization: Bearer $key" '[{"w":2,"n":1},{"w":2,"n":2}]')" 200 "a batch through worker 2: 200"
is "$(jq -c '[.results[].offset >= 0] | all' "$E2E_TMP/r")" true "each record with its offset"
is "$(ingest "$p1" "Authorization: Bearer $key" '[{"w":1,"n":1},{"w":1,"n":2}]')" 200 "a batch through worker 1: 200"
is "$(topic_count "$topic")" 5 "every acknowledged record from both workers is in the topic"
is "$(ingest "$p2" "Authorization: Bearer $other" '{"x":1}')" 403 "another tenant's key: 403"
is "$(ingest "$p2" "X-None: 1" '{"x":1}')" 401 "no key: 401"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  --data '{"x":1}' "http://127.0.0.1:$p1/ingest/in")
is "$code" 403 "a tenant key on the plain route (admin view): 403"
code=$(curl -s -o "$E2E_TMP/c2.out" -w '%{http_code}' -X POST -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  --data '{"name":"steal","config":{"connector.class":"HttpIngest","topic":"globex.events"}}' "http://127.0.0.1:$p2/tenants/acme/connectors")
ok "$([ "$code" = 400 ] || [ "$code" = 403 ]; echo $?)" "an HttpIngest connector on another tenant's topic is refused ($code)"

# the tenant's rate quota: 429 with Retry-After instead of waiting, nothing of the refused batch produced
curl -s -o /dev/null -X PUT "${admin[@]}" -H 'Content-Type: application/json' --data '{"records_in_per_sec":5}' \
  "http://127.0.0.1:$p1/tenants/acme/quotas"
before=$(topic_count "$topic"); passed=0; got=""
for i in $(seq 1 40); do
  c=$(curl -s -D "$E2E_TMP/qh" -o "$E2E_TMP/r" -w '%{http_code}' -X POST -H "Authorization: Bearer $key" \
      -H 'Content-Type: application/json' --data '[1,2,3,4,5]' "http://127.0.0.1:$p1/tenants/acme/ingest/in")
  if [ "$c" = 429 ]; then got=429; break; fi
  [ "$c" = 200 ] && passed=$((passed + 1))
  sleep 0.1
done
is "$got" 429 "batches beyond records_in_per_sec are answered 429"
ok "$(grep -Eqi '^Retry-After: [1-9]' "$E2E_TMP/qh"; echo $?)" "with Retry-After in seconds"
is "$(topic_count "$topic")" $((before + 5 * passed)) "only the admitted batches are in the topic"
finish
