#!/usr/bin/env bash
# Attacks on a two-worker cluster (issue 14 items 5, 6, 8, 9): count quotas
# are decided in the config log's order, so parallel creates through both
# workers never exceed them; rate quotas (task sources and HTTP ingest)
# hold over both workers together; overflowing tasks.max is refused on the
# cluster path too; a worker started without admin.token.file in a cluster
# that has tenants refuses the admin view. Both workers are the ASan build
# and must stop cleanly with no sanitizer report.
. "$(dirname "$0")/lib.sh"
require_services
command -v jq >/dev/null || bail "jq is missing (scripts/deps installs it)"
plan 28

group=$(uniq_name tn-attack)
echo "admin-$RANDOM-$RANDOM-cluster-token" > "$E2E_TMP/admin.token"
p1=$(free_port); p2=$(free_port)
# loopback allowed: item 6 below needs a local server that never answers
write_dist_props "$E2E_TMP/w1.properties" "$p1" "$group" \
  "admin.token.file=$E2E_TMP/admin.token" "tenant.key.secret.file=$E2E_TMP/key.secret" "tenant.outbound.allow=127.0.0.1"
# worker 2: the operator forgot admin.token.file
write_dist_props "$E2E_TMP/w2.properties" "$p2" "$group" "tenant.key.secret.file=$E2E_TMP/key.secret" \
  "tenant.outbound.allow=127.0.0.1"
start_dist_worker "$E2E_TMP/w1.properties" "$E2E_TMP/w1.log"; w1=$WORKER_PID
wait_rest "$p1" 60 || bail "worker 1 did not start"
start_dist_worker "$E2E_TMP/w2.properties" "$E2E_TMP/w2.log"; w2=$WORKER_PID
wait_rest "$p2" 60 || bail "worker 2 did not start"
ADMIN="Authorization: Bearer $(cat "$E2E_TMP/admin.token")"
post() { curl -s -o /dev/null -w '%{http_code}' -X POST -H "$1" -H 'Content-Type: application/json' --data "$3" "$2"; }

is "$(post "$ADMIN" "http://127.0.0.1:$p1/tenants" '{"name":"alpha","quotas":{"max_connectors":3}}')" 201 \
  "tenant alpha is created with max_connectors=3"
post "$ADMIN" "http://127.0.0.1:$p1/tenants" '{"name":"beta","quotas":{"max_tasks":4}}' >/dev/null
AK="Authorization: Bearer $(curl -s -X POST -H "$ADMIN" "http://127.0.0.1:$p1/tenants/alpha/keys" | jq -r .key)"
BK="Authorization: Bearer $(curl -s -X POST -H "$ADMIN" "http://127.0.0.1:$p1/tenants/beta/keys" | jq -r .key)"
wait_for 30 "curl -s -o /dev/null -w '%{http_code}' -H '$AK' http://127.0.0.1:$p2/tenants/alpha/connectors | grep -q 200"
ok $? "worker 2 knows the tenants and keys"

# item 8 (a): the admin view is refused on the worker without a token
out=$(curl -s -w '\n%{http_code}' "http://127.0.0.1:$p2/connectors")
is "${out##*$'\n'}" 403 "worker 2 (no admin.token.file) refuses GET /connectors: the cluster has tenants"
like "$out" "admin.token.file" "naming admin.token.file"

# item 9: 50 parallel creates over both workers against max_connectors=3
for i in $(seq 0 49); do
  port=$([ $((i % 2)) -eq 0 ] && echo "$p1" || echo "$p2")
  echo "$port c$i"
done > "$E2E_TMP/creates"
gen='"connector.class":"DataGen","topic":"alpha.t","rate":"1","value.shape":"string"'
xargs -P 50 -L 1 bash -c "curl -s -o /dev/null -w '%{http_code}\n' -X POST -H '$AK' -H 'Content-Type: application/json' \
  --data '{\"name\":\"'\$1'\",\"config\":{$gen}}' http://127.0.0.1:\$0/tenants/alpha/connectors" \
  < "$E2E_TMP/creates" > "$E2E_TMP/codes"
is "$(grep -c '^201$' "$E2E_TMP/codes")" 3 "exactly 3 of 50 parallel creates through two workers succeed"
is "$(grep -vc '^201$\|^429$' "$E2E_TMP/codes")" 0 "every other create is refused with 429"
wait_for 20 "[ \$(curl -s -H '$AK' http://127.0.0.1:$p1/tenants/alpha/connectors | jq length) = 3 ] && [ \$(curl -s -H '$AK' http://127.0.0.1:$p2/tenants/alpha/connectors | jq length) = 3 ]"
ok $? "both workers list exactly 3 connectors of alpha"

# item 9: max_tasks, parallel creates of 2 tasks each against max_tasks=4
for i in $(seq 0 19); do echo "$([ $((i % 2)) -eq 0 ] && echo "$p1" || echo "$p2") d$i"; done > "$E2E_TMP/creates2"
gen2='"connector.class":"DataGen","topic":"beta.t","rate":"1","value.shape":"string","tasks.max":"2"'
xargs -P 20 -L 1 bash -c "curl -s -o /dev/null -w '%{http_code}\n' -X POST -H '$BK' -H 'Content-Type: application/json' \
  --data '{\"name\":\"'\$1'\",\"config\":{$gen2}}' http://127.0.0.1:\$0/tenants/beta/connectors" \
  < "$E2E_TMP/creates2" > "$E2E_TMP/codes2"
is "$(grep -c '^201$' "$E2E_TMP/codes2")" 2 "2 of 20 parallel 2-task creates fit max_tasks=4"
tasks=$(curl -s -H "$ADMIN" "http://127.0.0.1:$p1/tenants/beta" | jq .usage.tasks)
is "$tasks" 4 "beta's usage is 4 tasks, never more"

# item 5 on the cluster path
one=$(head -1 < <(curl -s -H "$AK" "http://127.0.0.1:$p2/tenants/alpha/connectors" | jq -r '.[]'))
code=$(curl -s -o /dev/null -w '%{http_code}' -X PATCH -H "$AK" -H 'Content-Type: application/json' \
  --data '{"tasks.max":"9223372036854775807"}' "http://127.0.0.1:$p2/tenants/alpha/connectors/$one/config")
ok $([ "$code" = 429 ] || [ "$code" = 400 ] && echo 0 || echo 1) "PATCH tasks.max=INT64_MAX through worker 2 is refused ($code)"
is "$(curl -s -H "$AK" "http://127.0.0.1:$p1/tenants/alpha/connectors/$one/config" | jq -r '."tasks.max" // "1"')" 1 \
  "and the stored config is unchanged"

# item 9: a rate quota holds cluster-wide: 2 tasks (one per worker) of 1,000
# records/s each against records_in_per_sec=200 give ~200/s, not 2 x 200
post "$ADMIN" "http://127.0.0.1:$p1/tenants" '{"name":"gamma","quotas":{"records_in_per_sec":200}}' >/dev/null
GK="Authorization: Bearer $(curl -s -X POST -H "$ADMIN" "http://127.0.0.1:$p1/tenants/gamma/keys" | jq -r .key)"
sleep 1
topic="gamma.rate-$RANDOM"
post "$GK" "http://127.0.0.1:$p1/tenants/gamma/connectors" \
  "{\"name\":\"fast\",\"config\":{\"connector.class\":\"DataGen\",\"topic\":\"$topic\",\"rate\":\"1000\",\"value.shape\":\"string\",\"tasks.max\":\"2\"}}" >/dev/null
wait_for 60 "[ \$(curl -s -H '$GK' http://127.0.0.1:$p1/tenants/gamma/connectors/fast/status | jq '[.tasks[] | select(.state==\"RUNNING\") | .worker_id] | unique | length') = 2 ]"
ok $? "the tenant's two tasks run on two different workers"
sleep 4   # past the buckets' one second of burst
c1=$(topic_count "$topic"); t1=$(date +%s%N)
sleep 10
c2=$(topic_count "$topic"); t2=$(date +%s%N)
rate=$(( (c2 - c1) * 1000000000 / (t2 - t1) ))
ok $([ "$rate" -le 240 ] && [ "$rate" -ge 120 ] && echo 0 || echo 1) \
  "the tenant produces ${rate} records/s over both workers (quota 200/s; per-worker buckets would allow 400)"

# item 9, HTTP ingest: an HttpIngest connector has no tasks and clients post
# to every worker; each worker admits 1/W of the tenant's "in" quota (W =
# the placement's members), so both workers together stay within the quota
# (per-worker buckets would admit 2 x 100/s)
post "$ADMIN" "http://127.0.0.1:$p1/tenants" '{"name":"eps","quotas":{"records_in_per_sec":100}}' >/dev/null
EK="Authorization: Bearer $(curl -s -X POST -H "$ADMIN" "http://127.0.0.1:$p1/tenants/eps/keys" | jq -r .key)"
itopic="eps.in-$RANDOM"
create_topic "$itopic"
is "$(post "$EK" "http://127.0.0.1:$p1/tenants/eps/connectors" "{\"name\":\"in\",\"config\":{\"connector.class\":\"HttpIngest\",\"topic\":\"$itopic\"}}")" \
  201 "tenant eps (records_in_per_sec=100) creates an HttpIngest connector"
wait_for 30 "[ \"\$(post '$EK' http://127.0.0.1:$p2/tenants/eps/ingest/in '[0]')\" = 200 ] && [ \"\$(post '$EK' http://127.0.0.1:$p1/tenants/eps/ingest/in '[0]')\" = 200 ]"
ok $? "both workers take eps's records"
flood() { # flood <port> <seconds> <out>: posts batches of 10 records; writes the number accepted
  local n=0 end=$(( $(date +%s) + $2 )) c
  while [ "$(date +%s)" -lt "$end" ]; do
    c=$(post "$EK" "http://127.0.0.1:$1/tenants/eps/ingest/in" '[1,2,3,4,5,6,7,8,9,10]')
    [ "$c" = 200 ] && n=$((n + 10))
  done
  echo "$n" > "$3"
}
sleep 2   # the buckets refill: one second of burst each
before=$(topic_count "$itopic")
flood "$p1" 5 "$E2E_TMP/f1" & fp1=$!
flood "$p2" 5 "$E2E_TMP/f2" & fp2=$!
wait "$fp1" "$fp2"
a1=$(cat "$E2E_TMP/f1"); a2=$(cat "$E2E_TMP/f2")
total=$((a1 + a2))
ok $([ "$total" -le 700 ] && [ "$total" -ge 250 ] && echo 0 || echo 1) \
  "5 s of ingest through both workers admit $total records ($a1 + $a2; quota 100/s: at most 500 + 100 of burst)"
is "$(( $(topic_count "$itopic") - before ))" "$total" "exactly the admitted records are in the topic"

# item 6: a tenant's PostgresSource on a server that accepts and never
# answers: its start (up to connect_timeout, 10 s) runs outside the herder's
# lock on whichever worker runs it, so another tenant is served meanwhile
hang_port=$(free_port)
python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(50); s.settimeout(1); held = []; t = time.time()
while time.time() - t < 60:
    try: held.append(s.accept()[0])
    except socket.timeout: pass' "$hang_port" &
hang_pid=$!
_tap_pids+=("$hang_pid")
post "$ADMIN" "http://127.0.0.1:$p1/tenants" '{"name":"delta"}' >/dev/null
post "$ADMIN" "http://127.0.0.1:$p1/tenants" '{"name":"omega"}' >/dev/null
DK="Authorization: Bearer $(curl -s -X POST -H "$ADMIN" "http://127.0.0.1:$p1/tenants/delta/keys" | jq -r .key)"
OK_="Authorization: Bearer $(curl -s -X POST -H "$ADMIN" "http://127.0.0.1:$p1/tenants/omega/keys" | jq -r .key)"
sleep 1
pg_hang="\"connector.class\":\"PostgresSource\",\"connection.url\":\"postgresql://127.0.0.1:$hang_port/db\",\"connection.user\":\"u\",\"topic.prefix\":\"delta.\",\"mode\":\"bulk\""
is "$(post "$DK" "http://127.0.0.1:$p1/tenants/delta/connectors" "{\"name\":\"hang\",\"config\":{$pg_hang}}")" 201 \
  "delta's PostgresSource on a server that never answers is created"
sleep 1.5   # placed and its start in flight on one of the workers
ms_of() { local t0; t0=$(date +%s%N); "$@" > "$E2E_TMP/last"; echo $(( ($(date +%s%N) - t0) / 1000000 )); }
slow=""
for p in "$p1" "$p2"; do
  ms=$(ms_of curl -s -o /dev/null -w '%{http_code}' -H "$OK_" "http://127.0.0.1:$p/tenants/omega/connectors")
  [ "$(cat "$E2E_TMP/last")" = 200 ] && [ "$ms" -lt 1000 ] || slow="$slow $p:${ms}ms:$(cat "$E2E_TMP/last")"
done
is "$slow" "" "omega's GET answers 200 in < 1 s on both workers while delta's start hangs"
ms=$(ms_of post "$OK_" "http://127.0.0.1:$p2/tenants/omega/connectors" '{"name":"quick","config":{"connector.class":"DataGen","topic":"omega.t","rate":"1","value.shape":"string"}}')
is "$(cat "$E2E_TMP/last")" 201 "omega creates a connector while delta's start hangs"
ok $([ "$ms" -lt 1000 ] && echo 0 || echo 1) "omega's create answers in ${ms} ms (< 1 s)"
wait_for 8 "[ \"\$(curl -s -H '$OK_' http://127.0.0.1:$p1/tenants/omega/connectors/quick/status | jq -r '.tasks[0].state')\" = RUNNING ]"
ok $? "omega's task runs while delta's start still hangs"
is "$(post "$DK" "http://127.0.0.1:$p2/tenants/delta/connectors" "{\"name\":\"hang2\",\"config\":{$pg_hang}}")" 201 \
  "a second hanging connector hang2 is created"
sleep 1.5
is "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H "$DK" "http://127.0.0.1:$p1/tenants/delta/connectors/hang2")" 204 \
  "hang2 is deleted while its start hangs"
wait_for 30 "[ \"\$(curl -s -H '$DK' http://127.0.0.1:$p2/tenants/delta/connectors/hang/status | jq -r .connector.state)\" = FAILED ]"
ok $? "delta's hanging connector ends FAILED once connect_timeout expires"
sleep 1
is "$(curl -s -H "$DK" "http://127.0.0.1:$p1/tenants/delta/connectors" | jq -c 'sort'),$(curl -s -H "$DK" "http://127.0.0.1:$p2/tenants/delta/connectors" | jq -c 'sort')" '["hang"],["hang"]' \
  "after the starts returned, hang2 stays deleted on both workers"
kill "$hang_pid" 2>/dev/null

kill -TERM "$w1" "$w2"
wait_for 60 "! kill -0 $w1 && ! kill -0 $w2"
ok $? "both workers stop on SIGTERM"
if grep -qE "ERROR: (Address|Leak)Sanitizer|runtime error" "$E2E_TMP/w1.log" "$E2E_TMP/w2.log"; then
  grep -E -A12 "ERROR: (Address|Leak)Sanitizer|runtime error" "$E2E_TMP/w1.log" "$E2E_TMP/w2.log" | head -40 | sed 's/^/# /'
  ok 1 "no sanitizer report in either worker's log"
else
  ok 0 "no sanitizer report in either worker's log"
fi
finish
