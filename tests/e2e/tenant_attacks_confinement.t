#!/usr/bin/env bash
# Tenant attacks on files, database URLs, outbound connections, topic
# regexes, names and offsets (issue 14, items 1, 2, 3, 4, 7, 10), against a
# standalone worker and a two-worker cluster. Each attack asserts the
# refusal AND that nothing changed: no file created, written or read, no
# record reached, no connector or tenant half-created, no request reached
# the internal service, no offset written.
#
# Tenants acme and globex; globex's staging directory holds a secret file.
# The "internal service" is a python3 http.server on loopback answering
# every request with a secret body. Standalone runs the default outbound
# policy (loopback denied); the cluster allows 127.0.0.1 only
# (tenant.outbound.allow), so 127.0.0.2 stays denied there and a registry
# on 127.0.0.1 answers: only a short excerpt of its body may reach the task
# trace.
. "$(dirname "$0")/lib.sh"
require_services
command -v jq >/dev/null || bail "jq is missing"

TOKEN="admin-$RANDOM-$RANDOM-secret-token"
echo "$TOKEN" > "$E2E_TMP/admin.token"
ADMIN=(-H "Authorization: Bearer $TOKEN")

# ---- the internal service ------------------------------------------------------------
SECRET="INTERNAL-SECRET-$RANDOM$RANDOM"
TAIL="TAILSECRET-$RANDOM"
svc_port=$(free_port)
cat > "$E2E_TMP/internal.py" <<EOF
import http.server, sys
BODY = ("$SECRET " + "x" * 600 + " $TAIL").encode()
class H(http.server.BaseHTTPRequestHandler):
    def answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n: self.rfile.read(n)
        with open(sys.argv[2], "a") as f: f.write(self.command + " " + self.path + "\n")
        self.send_response(422)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)
    do_GET = do_POST = do_PUT = answer
    def log_message(self, *a): pass
srv = http.server.ThreadingHTTPServer((sys.argv[3], int(sys.argv[1])), H)
srv.serve_forever()
EOF
: > "$E2E_TMP/internal-1.log"
: > "$E2E_TMP/internal-2.log"
python3 "$E2E_TMP/internal.py" "$svc_port" "$E2E_TMP/internal-1.log" 127.0.0.1 &
_tap_pids+=("$!")
python3 "$E2E_TMP/internal.py" "$svc_port" "$E2E_TMP/internal-2.log" 127.0.0.2 &
_tap_pids+=("$!")
wait_for 10 "curl -s -o /dev/null http://127.0.0.1:$svc_port/ && curl -s -o /dev/null http://127.0.0.2:$svc_port/" ||
  bail "the internal service did not start"
: > "$E2E_TMP/internal-1.log"
: > "$E2E_TMP/internal-2.log"

# ---- helpers ---------------------------------------------------------------------------
# call <port> <method> <path> <key|admin> [body]: prints "<status> <body>"
call() {
  local port=$1 method=$2 path=$3 who=$4 body=${5:-} auth out
  if [ "$who" = admin ]; then auth="Authorization: Bearer $TOKEN"; else auth="Authorization: Bearer $who"; fi
  if [ -n "$body" ]; then
    out=$(curl -sS -X "$method" -H "$auth" -H 'Content-Type: application/json' --data "$body" -w '\n%{http_code}' \
      "http://127.0.0.1:$port$path")
  else
    out=$(curl -sS -X "$method" -H "$auth" -w '\n%{http_code}' "http://127.0.0.1:$port$path")
  fi
  echo "${out##*$'\n'} ${out%$'\n'*}"
}
status_of() { echo "${1%% *}"; }
body_of() { echo "${1#* }"; }

# task_state <port> <key> <tenant> <connector>: "STATE<tab>trace" of task 0
task_state() {
  curl -s -H "Authorization: Bearer $2" "http://127.0.0.1:$1/tenants/$3/connectors/$4/status" |
    jq -r '(.tasks[0].state // "") + "\t" + (.tasks[0].trace // "")' 2>/dev/null
}
# wait_failed <port> <key> <tenant> <connector>: waits (30 s) for FAILED; sets STATE
wait_failed() {
  local i
  for ((i = 0; i < 150; i++)); do
    STATE=$(task_state "$@")
    [[ "$STATE" == FAILED* ]] && return 0
    sleep 0.2
  done
  return 1
}
connector_exists() { # <port> <key> <tenant> <connector>
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $2" \
    "http://127.0.0.1:$1/tenants/$3/connectors/$4")" = 200 ]
}

# ---- the attacks, against a pair of ports (create on A, observe on B) -----------------
# attacks <label> <portA> <portB> <staging> <mode>   (mode: standalone | cluster)
attacks() {
  local L=$1 pa=$2 pb=$3 st=$4 mode=$5 r
  local run=$RANDOM
  local A=acme$run G=globex$run
  r=$(call "$pa" POST /tenants admin "{\"name\":\"$A\"}"); is "$(status_of "$r")" 201 "$L: tenant $A created"
  call "$pa" POST /tenants admin "{\"name\":\"$G\"}" >/dev/null
  # many connectors below: lift the count quotas (quotas are not under test here)
  call "$pa" PUT "/tenants/$A/quotas" admin '{"max_connectors":-1,"max_tasks":-1}' >/dev/null
  local ak gk
  ak=$(call "$pa" POST "/tenants/$A/keys" admin | cut -d' ' -f2- | jq -r .key)
  gk=$(call "$pa" POST "/tenants/$G/keys" admin | cut -d' ' -f2- | jq -r .key)
  wait_for 20 "[ \"\$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer $ak' http://127.0.0.1:$pb/tenants/$A/connectors)\" = 200 ]"
  ok $? "$L: both keys work on the observing worker"
  wait_for 10 "[ -d '$st/$A' ] && [ -d '$st/$G' ]" || mkdir -p "$st/$A" "$st/$G"
  mkdir -p "$st/$A" "$st/$G"
  echo "globex-secret-line" > "$st/$G/secret.txt"
  local outside="$E2E_TMP/outside-$L"
  mkdir -p "$outside"

  # -- item 2: symlinks and hard links --
  ln -s "$outside/escape.txt" "$st/$A/dangle.txt"
  r=$(call "$pa" POST "/tenants/$A/connectors" "$ak" \
    "{\"name\":\"dangle\",\"config\":{\"connector.class\":\"FileStreamSink\",\"file\":\"dangle.txt\",\"topics\":\"$A.t1\"}}")
  is "$(status_of "$r")" 201 "$L: a sink on a dangling symlink passes validation (realpath cannot see it)"
  wait_failed "$pb" "$ak" "$A" dangle; ok $? "$L: but its task fails"
  like "$STATE" "symbolic link" "$L:   naming the symlink"
  ok $([ ! -e "$outside/escape.txt" ] && echo 0 || echo 1) "$L:   and no file was created outside the staging root"

  r=$(call "$pa" POST "/tenants/$A/connectors" "$ak" \
    "{\"name\":\"late\",\"config\":{\"connector.class\":\"FileStreamSource\",\"file\":\"later.txt\",\"topic\":\"$A.late\"}}")
  is "$(status_of "$r")" 201 "$L: a source waiting for a missing file is created"
  sleep 1
  ln -s "$st/$G/secret.txt" "$st/$A/later.txt"
  wait_failed "$pb" "$ak" "$A" late; ok $? "$L: a symlink to another tenant's file planted after validation fails it"
  is "$(topic_count "$A.late")" 0 "$L:   and not one line of the other tenant's file was produced"

  ln "$st/$G/secret.txt" "$st/$A/hard.txt"
  r=$(call "$pa" POST "/tenants/$A/connectors" "$ak" \
    "{\"name\":\"hard-src\",\"config\":{\"connector.class\":\"FileStreamSource\",\"file\":\"hard.txt\",\"topic\":\"$A.hard\"}}")
  wait_failed "$pb" "$ak" "$A" hard-src; ok $? "$L: a source on a hard link to another tenant's file fails"
  like "$STATE" "hard link" "$L:   naming the hard link"
  is "$(topic_count "$A.hard")" 0 "$L:   and nothing was read"
  r=$(call "$pa" POST "/tenants/$A/connectors" "$ak" \
    "{\"name\":\"hard-sink\",\"config\":{\"connector.class\":\"FileStreamSink\",\"file\":\"hard.txt\",\"topics\":\"$A.t1\"}}")
  wait_failed "$pb" "$ak" "$A" hard-sink; ok $? "$L: a sink on a hard link fails"
  is "$(cat "$st/$G/secret.txt")" "globex-secret-line" "$L:   and the other tenant's file is unchanged"

  mkdir -p "$outside/dir"
  ln -s "$outside/dir" "$st/$A/sub"
  r=$(call "$pa" POST "/tenants/$A/connectors" "$ak" \
    "{\"name\":\"mid\",\"config\":{\"connector.class\":\"FileStreamSink\",\"file\":\"sub/out.txt\",\"topics\":\"$A.t1\"}}")
  is "$(status_of "$r")" 403 "$L: a path through an existing symlinked directory outside is refused at validation"
  ok $(connector_exists "$pb" "$ak" "$A" mid && echo 1 || echo 0) "$L:   and no connector exists"
  rm "$st/$A/sub"; mkdir "$st/$A/sub"
  r=$(call "$pa" POST "/tenants/$A/connectors" "$ak" \
    "{\"name\":\"mid2\",\"config\":{\"connector.class\":\"FileStreamSink\",\"file\":\"sub/out.txt\",\"topics\":\"$A.t1\"}}")
  rmdir "$st/$A/sub" 2>/dev/null || rm -rf "$st/$A/sub"
  ln -s "$outside/dir" "$st/$A/sub"
  call "$pa" POST "/tenants/$A/connectors/mid2/restart?includeTasks=true" "$ak" >/dev/null
  wait_failed "$pb" "$ak" "$A" mid2; ok $? "$L: a directory swapped for a symlink after validation fails the sink on restart"
  ok $([ ! -e "$outside/dir/out.txt" ] && echo 0 || echo 1) "$L:   and nothing was written through it"

  # -- item 3: libpq connection strings --
  local pgurl
  for pgurl in "postgresql://u@db.example/x?pass%66ile=/root/.pgpass" \
               $'host=db.example user=u \tpassfile=/root/.pgpass' \
               $'host=db.example user=u\npassfile=/root/.pgpass' \
               "postgresql://u@db.example/x?ssl%6Bey=/etc/ssl/private/worker.key" \
               "jdbc:postgresql://db.example/x?user=u&sslkey=/k" \
               "host=/var/run/postgresql user=postgres dbname=postgres" \
               "service=worker user=u host=db.example"; do
    local body
    body=$(jq -cn --arg u "$pgurl" --arg t "$A.pg" \
      '{name:"pg",config:{"connector.class":"PostgresSink","connection.url":$u,"topics":$t,"insert.mode":"insert"}}')
    r=$(call "$pa" POST "/tenants/$A/connectors" "$ak" "$body")
    local code; code=$(status_of "$r")
    ok $([ "$code" -ge 400 ] && [ "$code" -lt 500 ] && echo 0 || echo 1) \
      "$L: connection.url $(printf '%q' "$pgurl" | cut -c1-60) is refused ($code)"
    like "$(body_of "$r")" "connection.url" "$L:   naming connection.url"
  done
  ok $(connector_exists "$pb" "$ak" "$A" pg && echo 1 || echo 0) "$L:   and no PostgreSQL connector exists"

  # -- item 4: outbound policy and SSRF through the registry client --
  local ssrf_host=127.0.0.1 trace_host=""
  [ "$mode" = cluster ] && { ssrf_host=127.0.0.2; trace_host=127.0.0.1; }
  local before; before=$(cat "$E2E_TMP"/internal-*.log | wc -l)
  r=$(call "$pa" POST "/tenants/$A/connectors" "$ak" \
    "{\"name\":\"ssrf\",\"config\":{\"connector.class\":\"DataGen\",\"topic\":\"$A.ssrf\",\"rate\":\"5\",\"value.shape\":\"string\",\"value.converter\":\"io.confluent.connect.avro.AvroConverter\",\"value.converter.schema.registry.url\":\"http://$ssrf_host:$svc_port\"}}")
  wait_failed "$pb" "$ak" "$A" ssrf; ok $? "$L: a registry URL on $ssrf_host fails the task"
  like "$STATE" "outbound policy" "$L:   refused by the outbound policy"
  unlike "$STATE" "INTERNAL-SECRET" "$L:   the trace holds nothing of the internal service"
  is "$(cat "$E2E_TMP"/internal-*.log | wc -l)" "$before" "$L:   and no request reached it"
  if [ -n "$trace_host" ]; then
    r=$(call "$pa" POST "/tenants/$A/connectors" "$ak" \
      "{\"name\":\"ssrf2\",\"config\":{\"connector.class\":\"DataGen\",\"topic\":\"$A.ssrf2\",\"rate\":\"5\",\"value.shape\":\"string\",\"value.converter\":\"io.confluent.connect.avro.AvroConverter\",\"value.converter.schema.registry.url\":\"http://$trace_host:$svc_port\"}}")
    wait_failed "$pb" "$ak" "$A" ssrf2; ok $? "$L: with 127.0.0.1 allowed, the registry answers and the task fails"
    like "$STATE" "INTERNAL-SECRET" "$L:   the trace quotes the start of the answer"
    unlike "$STATE" "$TAIL" "$L:   but only a short excerpt: its end never reaches the trace"
  fi
  local pgport=${PG_URL##*:}; pgport=${pgport%%/*}
  r=$(call "$pa" POST "/tenants/$A/connectors" "$ak" \
    "{\"name\":\"pg-loop\",\"config\":{\"connector.class\":\"PostgresSink\",\"connection.url\":\"postgresql://postgres@localhost:$pgport/tributary\",\"topics\":\"$A.pg\",\"insert.mode\":\"insert\"}}")
  if [ "$mode" = standalone ]; then
    wait_failed "$pb" "$ak" "$A" pg-loop; ok $? "$L: a PostgreSQL sink on localhost fails under the default policy"
    like "$STATE" "outbound policy" "$L:   refused after resolution, naming the policy"
  else
    wait_for 30 "[[ \"\$(task_state $pb $ak $A pg-loop)\" == RUNNING* ]]"
    ok $? "$L: with 127.0.0.1 allowed, a PostgreSQL sink on localhost runs"
    local q="SELECT DISTINCT host(client_addr) FROM pg_stat_activity WHERE application_name LIKE 'tributary sink $A/pg-loop%'"
    wait_for 20 "[ -n \"\$(psql \"\$PG_URL\" -Atc \"$q\" 2>/dev/null)\" ]"
    is "$(psql "$PG_URL" -Atc "$q" 2>/dev/null)" "127.0.0.1" \
      "$L:   connected from the checked address (localhost pinned to 127.0.0.1, ::1 is not allowed)"
    call "$pa" PUT "/tenants/$A/connectors/pg-loop/stop" "$ak" >/dev/null
  fi

  # -- item 1: topics.regex --
  echo "globex-order" > "$st/$G/orders.txt"
  call "$pa" POST "/tenants/$G/connectors" "$gk" \
    "{\"name\":\"orders\",\"config\":{\"connector.class\":\"FileStreamSource\",\"file\":\"orders.txt\",\"topic\":\"$G.orders\"}}" >/dev/null
  wait_for 30 "[ \"\$(topic_count $G.orders)\" -ge 1 ]"; ok $? "$L: $G's topic has a record"
  local re n=0
  for re in "$A\\\\.\\\\Q|$G\\\\..*" "$A\\\\.[[]|$G\\\\..*]?" "$A\\\\.[\\\\]|$G\\\\..*]?" \
            "$A\\\\.[]|$G\\\\..*]?" "$A\\\\.\\\\Q|$G\\\\E.*" "$A\\\\..*|$G\\\\..*" "($A|$G)\\\\..*" ".*" "$A\\\\.?.*"; do
    n=$((n + 1))
    r=$(call "$pa" POST "/tenants/$A/connectors" "$ak" \
      "{\"name\":\"rx$n\",\"config\":{\"connector.class\":\"FileStreamSink\",\"file\":\"rx$n.txt\",\"topics.regex\":\"$re\"}}")
    local code; code=$(status_of "$r")
    if [ "$code" = 201 ]; then
      # accepted: its Java meaning is confined; the subscription must be too
      sleep 3
      local s; s=$(task_state "$pb" "$ak" "$A" "rx$n")
      unlike "$s" "^FAILED" "$L: regex $re is accepted but never subscribes outside $A (task not failed by the guard)"
      unlike "$(call "$pb" GET "/tenants/$A/connectors/rx$n/topics" "$ak")" "$G" "$L:   no topic of $G is active for it"
      ok $([ ! -s "$st/$A/rx$n.txt" ] || ! grep -q globex "$st/$A/rx$n.txt" && echo 0 || echo 1) \
        "$L:   and no record of $G reached it"
    else
      is "$code" 403 "$L: regex $re is refused"
      ok $(connector_exists "$pb" "$ak" "$A" "rx$n" && echo 1 || echo 0) "$L:   and no connector exists"
    fi
  done
  r=$(call "$pa" PUT "/tenants/$A/connector-plugins/FileStreamSink/config/validate" "$ak" \
    "{\"connector.class\":\"FileStreamSink\",\"file\":\"v.txt\",\"topics.regex\":\"$A\\\\.[[]|$G\\\\..*]?\"}")
  ok $([ "$(status_of "$r")" = 403 ] || [[ "$(body_of "$r")" == *"error_count\":1"* ]] && echo 0 || echo 1) \
    "$L: the validate endpoint refuses the nested-class bypass too"
  call "$pa" POST "/tenants/$A/connectors" "$ak" \
    "{\"name\":\"rxp\",\"config\":{\"connector.class\":\"FileStreamSink\",\"file\":\"rxp.txt\",\"topics\":\"$A.t1\"}}" >/dev/null
  r=$(call "$pa" PATCH "/tenants/$A/connectors/rxp/config" "$ak" \
    "{\"topics\":\"\",\"topics.regex\":\"$A\\\\.[[]|$G\\\\..*]?\"}")
  is "$(status_of "$r")" 403 "$L: PATCH to the bypass regex is refused"
  like "$(call "$pb" GET "/tenants/$A/connectors/rxp/config" "$ak")" "\"topics\":\"$A.t1\"" "$L:   and the config is unchanged"

  # -- item 7: reserved names --
  local ntenants; ntenants=$(call "$pa" GET /tenants admin | cut -d' ' -f2- | jq length)
  local pfx
  for pfx in c _ __x. connect-x. "${GROUP:-connect-}"; do
    r=$(call "$pa" POST /tenants admin "{\"name\":\"evil$run\",\"topic_prefix\":\"$pfx\"}")
    is "$(status_of "$r")" 403 "$L: a tenant with prefix '$pfx' is refused"
  done
  is "$(call "$pb" GET /tenants admin | cut -d' ' -f2- | jq length)" "$ntenants" "$L:   and no tenant was added"
  r=$(call "$pa" POST "/tenants/$A/connectors" "$ak" \
    "{\"name\":\"dotdot\",\"config\":{\"connector.class\":\"DataGen\",\"topic\":\"__consumer_offsets\"}}")
  is "$(status_of "$r")" 403 "$L: a tenant topic __consumer_offsets is refused"
  local nm
  for nm in . ..; do
    r=$(call "$pa" POST "/tenants/$A/connectors" "$ak" \
      "{\"name\":\"$nm\",\"config\":{\"connector.class\":\"DataGen\",\"topic\":\"$A.x\"}}")
    is "$(status_of "$r")" 400 "$L: a tenant connector named '$nm' is refused"
    r=$(call "$pa" POST /connectors admin "{\"name\":\"$nm\",\"config\":{\"connector.class\":\"DataGen\",\"topic\":\"x\"}}")
    is "$(status_of "$r")" 400 "$L: an admin connector named '$nm' is refused"
  done
  unlike "$(call "$pb" GET /connectors admin)" '"\.\.?"' "$L:   and no such connector exists"

  # -- item 10: cross-tenant offsets --
  call "$pa" POST "/tenants/$A/connectors" "$ak" \
    "{\"name\":\"osink\",\"config\":{\"connector.class\":\"FileStreamSink\",\"file\":\"o.txt\",\"topics\":\"$A.t1\"}}" >/dev/null
  call "$pa" PUT "/tenants/$A/connectors/osink/stop" "$ak" >/dev/null
  wait_for 20 "curl -s -H 'Authorization: Bearer $ak' http://127.0.0.1:$pb/tenants/$A/connectors/osink/status | grep -q STOPPED"
  r=$(call "$pa" PATCH "/tenants/$A/connectors/osink/offsets" "$ak" \
    "{\"offsets\":[{\"partition\":{\"kafka_topic\":\"$G.orders\",\"kafka_partition\":0},\"offset\":{\"kafka_offset\":0}}]}")
  is "$(status_of "$r")" 403 "$L: PATCH offsets naming $G's partition is refused"
  like "$(body_of "$r")" "$G.orders" "$L:   naming the topic"
  unlike "$(call "$pb" GET "/tenants/$A/connectors/osink/offsets" "$ak")" "$G" "$L:   and no offset of it was written"
}

# ---- standalone ---------------------------------------------------------------------------
sp=$(free_port)
mkdir -p "$E2E_TMP/staging-s"
write_worker_props "$E2E_TMP/s.properties" "$sp" "$E2E_TMP/s.offsets" \
  "admin.token.file=$E2E_TMP/admin.token" "tenant.staging.root=$E2E_TMP/staging-s" \
  "tenant.key.secret.file=$E2E_TMP/s.secret" "metadata.max.age.ms=3000"
start_worker "$E2E_TMP/s.properties" "$E2E_TMP/standalone.log"
wait_rest "$sp" 60 || bail "the standalone worker did not start"
GROUP=connect- attacks standalone "$sp" "$sp" "$(realpath "$E2E_TMP/staging-s")" standalone

# An operator's topics.regex goes through the same metadata-resolved
# subscription (worker/topic_regex.h), without a prefix filter.
rx=$(uniq_name rx)
printf 'one\ntwo\n' > "$E2E_TMP/rx-in.txt"
call "$sp" POST /connectors admin "{\"name\":\"$rx-src\",\"config\":{\"connector.class\":\"FileStreamSource\",\"file\":\"$E2E_TMP/rx-in.txt\",\"topic\":\"$rx.a\"}}" >/dev/null
wait_for 30 "[ \"\$(topic_count $rx.a)\" -ge 2 ]"; ok $? "operator: the source topic has its records"
r=$(call "$sp" POST /connectors admin "{\"name\":\"$rx-sink\",\"config\":{\"connector.class\":\"FileStreamSink\",\"file\":\"$E2E_TMP/rx-out.txt\",\"topics.regex\":\"$rx\\\\.[a-c]\"}}")
is "$(status_of "$r")" 201 "operator: a sink with topics.regex is created"
wait_for 30 "[ \"\$(lines_in $E2E_TMP/rx-out.txt)\" -ge 2 ]"; ok $? "operator: its regex subscription delivers the matching topic's records"
printf 'three\nfour\n' > "$E2E_TMP/rx-in2.txt"
call "$sp" POST /connectors admin "{\"name\":\"$rx-src2\",\"config\":{\"connector.class\":\"FileStreamSource\",\"file\":\"$E2E_TMP/rx-in2.txt\",\"topic\":\"$rx.b\"}}" >/dev/null
wait_for 40 "[ \"\$(lines_in $E2E_TMP/rx-out.txt)\" -ge 4 ]"
ok $? "operator: a matching topic created later is found at the next refresh (metadata.max.age.ms=3000)"
r=$(call "$sp" POST /connectors admin "{\"name\":\"$rx-bad\",\"config\":{\"connector.class\":\"FileStreamSink\",\"file\":\"$E2E_TMP/rx-bad.txt\",\"topics.regex\":\"a(?=b)\"}}")
is "$(status_of "$r")" 400 "operator: a regex the Java engine cannot run (lookahead) is refused at validation"
kill "$WORKER_PID" 2>/dev/null; wait "$WORKER_PID" 2>/dev/null

# ---- two-worker cluster -----------------------------------------------------------------
group=$(uniq_name tn-conf)
mkdir -p "$E2E_TMP/staging-c"
ports=("$(free_port)" "$(free_port)")
for i in 0 1; do
  write_dist_props "$E2E_TMP/c$i.properties" "${ports[$i]}" "$group" \
    "admin.token.file=$E2E_TMP/admin.token" "tenant.key.secret.file=$E2E_TMP/c.secret" \
    "tenant.staging.root=$E2E_TMP/staging-c" "tenant.outbound.allow=127.0.0.1"
done
start_dist_worker "$E2E_TMP/c0.properties" "$E2E_TMP/cluster-1.log"
w1=$WORKER_PID
wait_rest "${ports[0]}" 60 || bail "worker 1 did not start"
start_dist_worker "$E2E_TMP/c1.properties" "$E2E_TMP/cluster-2.log"
w2=$WORKER_PID
wait_rest "${ports[1]}" 60 || bail "worker 2 did not start"
GROUP="$group" attacks cluster "${ports[0]}" "${ports[1]}" "$(realpath "$E2E_TMP/staging-c")" cluster

kill "$w1" "$w2" 2>/dev/null; wait "$w1" "$w2" 2>/dev/null
for f in "$E2E_TMP"/standalone.log "$E2E_TMP"/cluster-*.log; do
  ! grep -qE "AddressSanitizer|runtime error:|LeakSanitizer" "$f"
  ok $? "no sanitizer report in $(basename "$f")"
done
plan "$_tap_n"
finish
