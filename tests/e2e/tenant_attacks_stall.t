#!/usr/bin/env bash
# A tenant's database that stops answering (issue 14 item 6): tenant
# alpha's PostgreSQL sink task blocked inside the database, against a
# standalone ASan worker with tenants alpha and beta and the real
# PostgreSQL of scripts/testenv.
#
# 1. Blocked by a table lock (another session holds LOCK TABLE ... ACCESS
#    EXCLUSIVE): a task restart and a delete answer at once, beta's REST
#    calls answer meanwhile (task stops are asynchronous), and the
#    restarted task never runs twice (its new instance starts only once the
#    old one has exited, even past task.shutdown.graceful.timeout.ms).
# 2. Its backend frozen by SIGSTOP after the handshake: the round-trip
#    deadline (connection.query.timeout.ms) closes the connection and the
#    task retries; after SIGCONT every record is in the table exactly once.
#    The same for a PostgreSQL source task's query.
. "$(dirname "$0")/lib.sh"
require_services
[ -n "${PG_URL:-}" ] || bail "PG_URL is not set"
command -v jq >/dev/null || bail "jq is missing (scripts/deps installs it)"
command -v psql >/dev/null || bail "psql is missing (scripts/deps installs it)"
plan 28

port=$(free_port)
echo "admin-$RANDOM-$RANDOM-stall-token" > "$E2E_TMP/admin.token"
mkdir -p "$E2E_TMP/staging"
write_worker_props "$E2E_TMP/w.properties" "$port" "$E2E_TMP/offsets" \
  "admin.token.file=$E2E_TMP/admin.token" "tenant.staging.root=$E2E_TMP/staging" \
  "tenant.key.secret.file=$E2E_TMP/key.secret" "tenant.store.file=$E2E_TMP/tenants.json" \
  "tenant.outbound.allow=127.0.0.1" \
  "key.converter=org.apache.kafka.connect.json.JsonConverter" \
  "value.converter=org.apache.kafka.connect.json.JsonConverter"
start_worker "$E2E_TMP/w.properties" "$E2E_TMP/worker.log"
pid=$WORKER_PID
wait_rest "$port" 60 || bail "worker did not start"
base="http://127.0.0.1:$port"
ADMIN="Authorization: Bearer $(cat "$E2E_TMP/admin.token")"

# req <method> <path> <auth-header> [body]: prints "<status> <body>"
req() {
  local out
  if [ -n "${4:-}" ]; then
    out=$(curl -sS -m 30 -X "$1" -H "$3" -H 'Content-Type: application/json' --data-binary "$4" -w '\n%{http_code}' "$base$2")
  else
    out=$(curl -sS -m 30 -X "$1" -H "$3" -w '\n%{http_code}' "$base$2")
  fi
  echo "${out##*$'\n'} ${out%$'\n'*}"
}
status() { echo "${1%% *}"; }
# ms_of <command...>: runs it (output to $E2E_TMP/last) and prints its duration in ms
ms_of() {
  local t0; t0=$(date +%s%N)
  "$@" > "$E2E_TMP/last"
  echo $(( ($(date +%s%N) - t0) / 1000000 ))
}
fast() { [ "$1" -lt 1000 ] && echo 0 || echo 1; }
sql() { psql "$PG_URL" -Atc "$1" 2>/dev/null; }
# sessions <application_name>: the task's open connections
sessions() { sql "SELECT count(*) FROM pg_stat_activity WHERE application_name = '$1'"; }

req POST /tenants "$ADMIN" '{"name":"alpha"}' >/dev/null
req POST /tenants "$ADMIN" '{"name":"beta"}' >/dev/null
AK="Authorization: Bearer $(req POST /tenants/alpha/keys "$ADMIN" | cut -d' ' -f2- | jq -r .key)"
BK="Authorization: Bearer $(req POST /tenants/beta/keys "$ADMIN" | cut -d' ' -f2- | jq -r .key)"
pgport=${PG_URL##*:}; pgport=${pgport%%/*}
url="postgresql://postgres@127.0.0.1:$pgport/tributary"
t1="stall_a_$$_$RANDOM"
t2="stall_b_$$_$RANDOM"
t3="stall_c_$$_$RANDOM"
cleanup_sql() { sql "DROP TABLE IF EXISTS \"$t1\"; DROP TABLE IF EXISTS \"$t2\"; DROP TABLE IF EXISTS \"$t3\"" >/dev/null; }
frozen=""
trap '[ -n "$frozen" ] && kill -CONT "$frozen" 2>/dev/null; cleanup_sql; _e2e_cleanup' EXIT

topic="alpha.stall-$$-$RANDOM"   # unique: the sink's ledger in PostgreSQL outlives the run
r=$(req POST /tenants/alpha/connectors "$AK" '{"name":"gen","config":{"connector.class":"DataGen","topic":"'"$topic"'",
  "rate":"20","value.shape":"orders","key.shape":"sequence"}}')
is "$(status "$r")" 201 "alpha's DataGen writes 20 records/s to $topic"
sink() { # sink <name> <table> [extra json members]
  req POST /tenants/alpha/connectors "$AK" "{\"name\":\"$1\",\"config\":{\"connector.class\":\"PostgresSink\",
    \"connection.url\":\"$url\",\"topics\":\"$topic\",\"table.name.format\":\"$2\",\"auto.create\":\"true\",
    \"insert.mode\":\"insert\",\"max.retries\":\"1000\",\"retry.backoff.ms\":\"200\"${3:-}}}"
}
r=$(sink pg "$t1")
is "$(status "$r")" 201 "alpha's PostgreSQL sink pg is created"
app="tributary sink alpha/pg-0"
wait_for 60 "[ \"\$(sql 'SELECT count(*) FROM \"$t1\"')\" -ge 20 ]"
ok $? "pg writes rows"

# ---- 1. a task blocked on a table lock -------------------------------------------------------
lock() { # holds an ACCESS EXCLUSIVE lock on table $1 for up to 60 s, in the background
  psql "$PG_URL" -qc "BEGIN; LOCK TABLE \"$1\" IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(60)" >/dev/null 2>&1 &
  _tap_pids+=("$!")
}
unlock() { sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%LOCK TABLE \"$1\"%' AND pid <> pg_backend_pid()" >/dev/null; }
blocked() { [ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE application_name = '$1' AND wait_event_type = 'Lock'")" -ge 1 ]; }

lock "$t1"
wait_for 30 "blocked '$app'"
ok $? "pg's task is blocked inside PostgreSQL on the table lock"
# the restart and beta's calls run concurrently: beta must not wait for it
t0=$(date +%s%N)
req POST /tenants/alpha/connectors/pg/tasks/0/restart "$AK" > "$E2E_TMP/restart" &
rpid=$!
sleep 0.1
ms=$(ms_of req GET /tenants/beta/connectors "$BK")
is "$(status "$(cat "$E2E_TMP/last")")" 200 "beta lists its connectors while alpha's task restart is under way"
ok "$(fast "$ms")" "beta's GET answers in ${ms} ms (< 1 s; the graceful timeout is 5 s)"
ms=$(ms_of req POST /tenants/beta/connectors "$BK" '{"name":"quick","config":{"connector.class":"DataGen","topic":"beta.t","rate":"1","value.shape":"string"}}')
is "$(status "$(cat "$E2E_TMP/last")")" 201 "beta creates a connector meanwhile"
ok "$(fast "$ms")" "beta's create answers in ${ms} ms (< 1 s)"
wait "$rpid"
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
is "$(status "$(cat "$E2E_TMP/restart")")" 204 "alpha's restart of the blocked task is accepted"
ok "$(fast "$ms")" "the restart answers in ${ms} ms (< 1 s)"
# past the graceful timeout the old instance is still blocked: its
# successor must not start next to it
sleep 7
is "$(sessions "$app")" 1 "7 s later (graceful timeout 5 s) the task still has one session: no second instance"
like "$(cat "$E2E_TMP/worker.log")" "alpha/pg:0. graceful stop failed.*next instance starts once it has exited" \
  "the worker logs that the new instance waits for the old one"
unlock "$t1"
wait_for 30 "[ \"\$(req GET /tenants/alpha/connectors/pg/status '$AK' | cut -d' ' -f2- | jq -r '.tasks[0].state')\" = RUNNING ]"
ok $? "once the lock is gone the old instance exits and the task runs again"
n0=$(sql "SELECT count(*) FROM \"$t1\"")
wait_for 30 "[ \"\$(sql 'SELECT count(*) FROM \"$t1\"')\" -gt $n0 ]"
ok $? "the restarted task writes again"
is "$(sessions "$app")" 1 "one session for the task after the restart"

# a delete of the blocked connector answers at once too
lock "$t1"
wait_for 30 "blocked '$app'"
ms=$(ms_of req DELETE /tenants/alpha/connectors/pg "$AK")
is "$(status "$(cat "$E2E_TMP/last")")" 204 "pg is deleted while its task is blocked"
ok "$(fast "$ms")" "the delete answers in ${ms} ms (< 1 s)"
unlock "$t1"
wait_for 30 "[ \"\$(sessions '$app')\" = 0 ]"
ok $? "after the lock is gone the deleted task exits and closes its session"
is "$(sql "SELECT count(*) - count(DISTINCT order_id) FROM \"$t1\"")" 0 "no row of pg was written twice"

# ---- 2. a backend frozen after the handshake ---------------------------------------------------
r=$(sink pgf "$t2" ',"connection.query.timeout.ms":"2000"')
is "$(status "$r")" 201 "alpha's sink pgf with connection.query.timeout.ms=2000 is created"
appf="tributary sink alpha/pgf-0"
wait_for 60 "[ \"\$(sql 'SELECT count(*) FROM \"$t2\"')\" -ge 20 ]"
frozen=$(sql "SELECT pid FROM pg_stat_activity WHERE application_name = '$appf' LIMIT 1")
kill -STOP "$frozen"
t0=$(date +%s)
wait_for 20 "grep -q 'pgf.*no answer from the server within 2000 ms' '$E2E_TMP/worker.log'"
ok $? "with its backend stopped, the task's round trip times out after 2 s ($(($(date +%s) - t0)) s) and says so"
kill -CONT "$frozen"; frozen=""
n0=$(sql "SELECT count(*) FROM \"$t2\"")
wait_for 60 "[ \"\$(sql 'SELECT count(*) FROM \"$t2\"')\" -gt $((n0 + 20)) ]"
ok $? "after SIGCONT the task (retried on a new connection) writes again"
req DELETE /tenants/alpha/connectors/gen "$AK" >/dev/null
sleep 1
total=$(topic_count "$topic")
wait_for 60 "[ \"\$(sql 'SELECT count(*) FROM \"$t2\"')\" -ge $total ]"
ok $? "every record of the topic ($total) reaches pgf's table"
is "$(sql "SELECT count(*) - count(DISTINCT order_id) FROM \"$t2\"")" 0 "no row of pgf was written twice"

# the same for a source task: its query on a frozen backend times out, and
# after SIGCONT it reconnects and copies new rows
sql "CREATE TABLE \"$t3\" (id serial PRIMARY KEY, v text); INSERT INTO \"$t3\" (v) SELECT 'r' || g FROM generate_series(1, 10) g" >/dev/null
r=$(req POST /tenants/alpha/connectors "$AK" "{\"name\":\"src\",\"config\":{\"connector.class\":\"PostgresSource\",
  \"connection.url\":\"$url\",\"mode\":\"incrementing\",\"incrementing.column.name\":\"id\",\"table.whitelist\":\"$t3\",
  \"topic.prefix\":\"alpha.src.\",\"poll.interval.ms\":\"300\",\"connection.query.timeout.ms\":\"2000\"}}")
is "$(status "$r")" 201 "alpha's PostgreSQL source src with connection.query.timeout.ms=2000 is created"
wait_for 60 "[ \"\$(topic_count alpha.src.$t3)\" -ge 10 ]"
frozen=$(sql "SELECT pid FROM pg_stat_activity WHERE application_name = 'tributary source alpha/src-0' LIMIT 1")
kill -STOP "$frozen"
t0=$(date +%s)
wait_for 20 "grep -q 'src.*no answer from the server within 2000 ms' '$E2E_TMP/worker.log'"
ok $? "with its backend stopped, the source task's query times out after 2 s ($(($(date +%s) - t0)) s) and says so"
kill -CONT "$frozen"; frozen=""
sql "INSERT INTO \"$t3\" (v) SELECT 's' || g FROM generate_series(1, 10) g" >/dev/null
wait_for 60 "[ \"\$(topic_count alpha.src.$t3)\" -ge 20 ]"
ok $? "after SIGCONT the source task copies new rows again"

kill -TERM "$pid"
wait_for 30 "! kill -0 $pid"
if grep -qE "ERROR: (Address|Leak)Sanitizer|runtime error" "$E2E_TMP/worker.log"; then
  grep -E -A12 "ERROR: (Address|Leak)Sanitizer|runtime error" "$E2E_TMP/worker.log" | head -40 | sed 's/^/# /'
  ok 1 "the worker stops with no sanitizer report"
else
  ok 0 "the worker stops with no sanitizer report"
fi
finish
