#!/usr/bin/env bash
# Attacks on the worker's limits (issue 14 items 5, 8, 11; issue 17 item 1),
# against a standalone worker with two tenants. Each attack asserts the
# refusal and that nothing changed; at the end the worker must stop cleanly
# with no sanitizer report (the suite runs the ASan/UBSan build, so an
# overflow or a leaked request state shows up in its log).
. "$(dirname "$0")/lib.sh"
require_services
command -v jq >/dev/null || bail "jq is missing (scripts/deps installs it)"
plan 37

ulimit -n 8192 2>/dev/null || true   # the worker must hold > 1,100 descriptors below
port=$(free_port)
echo "admin-$RANDOM-$RANDOM-limits-token" > "$E2E_TMP/admin.token"
mkdir -p "$E2E_TMP/staging"
write_worker_props "$E2E_TMP/w.properties" "$port" "$E2E_TMP/offsets" \
  "admin.token.file=$E2E_TMP/admin.token" "tenant.staging.root=$E2E_TMP/staging" \
  "tenant.key.secret.file=$E2E_TMP/key.secret" "tenant.store.file=$E2E_TMP/tenants.json"
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

req POST /tenants "$ADMIN" '{"name":"alpha","quotas":{"max_tasks":4}}' >/dev/null
req POST /tenants "$ADMIN" '{"name":"beta"}' >/dev/null
AK="Authorization: Bearer $(req POST /tenants/alpha/keys "$ADMIN" | cut -d' ' -f2- | jq -r .key)"
gen='"connector.class":"DataGen","topic":"alpha.t","rate":"1","value.shape":"string"'

# ---- item 5: counts from input never overflow ----------------------------------------
r=$(req POST /tenants/alpha/connectors "$AK" "{\"name\":\"one\",\"config\":{$gen,\"tasks.max\":\"1\"}}")
is "$(status "$r")" 201 "alpha creates a connector with one task (counted against max_tasks)"
r=$(req POST /tenants/alpha/connectors "$AK" "{\"name\":\"big\",\"config\":{$gen,\"tasks.max\":\"9223372036854775807\"}}")
is "$(status "$r")" 429 "POST with tasks.max=INT64_MAX next to a counted task: 429, not an overflow"
r=$(req PATCH /tenants/alpha/connectors/one/config "$AK" '{"tasks.max":"9223372036854775807"}')
is "$(status "$r")" 429 "PATCH to tasks.max=INT64_MAX: 429"
r=$(req GET /tenants/alpha/connectors/one/config "$AK")
is "$(echo "${r#* }" | jq -r '."tasks.max"')" 1 "the connector's tasks.max is unchanged"
is "$(req GET /tenants/alpha/connectors "$AK" | cut -d' ' -f2- | jq -c .)" '["one"]' "no connector was added"
r=$(req POST /connectors "$ADMIN" '{"name":"huge","config":{"connector.class":"DataGen","topic":"t","value.shape":"string","tasks.max":"2147483647"}}')
is "$(status "$r")" 400 "the admin API refuses tasks.max=2147483647 (one task per thread)"
like "$r" "tasks.max.*1024" "the refusal names tasks.max and its bound"
r=$(req POST /tenants/alpha/connectors "$AK" "{\"name\":\"neg\",\"config\":{$gen,\"tasks.max\":\"-9223372036854775808\"}}")
is "$(status "$r")" 400 "tasks.max=INT64_MIN: 400"

# ---- item 11: configs are bounded and hashed -----------------------------------------
big=$(python3 -c 'import json; c={"connector.class":"DataGen","topic":"alpha.t","value.shape":"string"}
c.update({"k%d"%i:"v" for i in range(20000)}); print(json.dumps({"name":"wide","config":c}))')
echo "$big" > "$E2E_TMP/wide.json"
t0=$(date +%s%N)
out=$(curl -sS -m 30 -X POST -H "$AK" -H 'Content-Type: application/json' --data-binary @"$E2E_TMP/wide.json" -w '\n%{http_code}' "$base/tenants/alpha/connectors")
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
is "${out##*$'\n'}" 400 "a config of 20,000 keys is refused with 400"
like "$out" "at most 1000" "the message names the limit of 1000 keys"
ok $([ "$ms" -lt 5000 ] && echo 0 || echo 1) "and is answered in ${ms} ms (< 5 s)"
python3 -c 'import json
names=",".join("x%d"%i for i in range(2000))
c={"connector.class":"DataGen","topic":"alpha.t","value.shape":"string","transforms":names}
for i in range(2000): c["transforms.x%d.type"%i]="org.apache.kafka.connect.transforms.InsertField$Value"
print(json.dumps(c))' > "$E2E_TMP/chain.json"
t0=$(date +%s%N)
out=$(curl -sS -m 30 -X PUT -H "$AK" -H 'Content-Type: application/json' --data-binary @"$E2E_TMP/chain.json" -w '\n%{http_code}' "$base/tenants/alpha/connectors/chain/config")
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
is "${out##*$'\n'}" 400 "2,000 transforms are refused with 400 in ${ms} ms"
python3 -c 'import json
c={"connector.class":"DataGen","topic":"alpha.t","value.shape":"string","transforms":",".join("x%d"%i for i in range(150))}
for i in range(150): c["transforms.x%d.type"%i]="org.apache.kafka.connect.transforms.InsertField$Value"
print(json.dumps(c))' > "$E2E_TMP/chain150.json"
out=$(curl -sS -m 30 -X PUT -H "$AK" -H 'Content-Type: application/json' --data-binary @"$E2E_TMP/chain150.json" "$base/tenants/alpha/connectors/chain/config")
like "$out" "transforms: 150 entries.*at most 100" "150 transforms (within the key limit) are refused naming transforms and the limit of 100"
r=$(curl -sS -m 30 -X PUT -H "$ADMIN" -H 'Content-Type: application/json' --data-binary @"$E2E_TMP/chain150.json" "$base/connector-plugins/DataGen/config/validate")
like "$r" "transforms: 150 entries" "validate reports the transform limit too"

# ---- item 11: hostile connections --------------------------------------------------------
cat > "$E2E_TMP/conns.py" <<'EOF'
import os, socket, sys, time, subprocess
port, pid, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
def get(path="/", src=None, timeout=10):
    s = socket.socket(); s.settimeout(timeout)
    if src: s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path).encode())
    d = b""
    try:
        while True:
            c = s.recv(65536)
            if not c: break
            d += c
    except Exception: pass
    s.close()
    return d
if mode == "params":
    # ~3,000 query parameters: more than MHD's per-connection pool holds
    q = "&".join("p%d=v" % i for i in range(3000))
    import threading   # in parallel: MHD closes each only at the 10 s header timeout
    ts = [threading.Thread(target=get, args=("/connectors?" + q,), kwargs={"timeout": 20}) for _ in range(30)]
    for t in ts: t.start()
    for t in ts: t.join()
    print(get("/").split(b"\r\n")[0].decode())
elif mode == "fds":
    held = []
    for a in range(2, 22):               # 20 loopback addresses x 58 = 1,160 connections
        for _ in range(58):
            s = socket.socket(); s.bind(("127.0.0.%d" % a, 0)); s.connect(("127.0.0.1", port)); held.append(s)
    time.sleep(1)
    nfd = len(os.listdir("/proc/%d/fd" % pid))
    t = time.time(); line = get("/", src="127.0.0.30").split(b"\r\n")[0].decode()
    print(nfd, line, int((time.time() - t) * 1000))
elif mode == "perip":
    held, refused = [], 0
    for _ in range(80):
        s = socket.socket(); s.bind(("127.0.0.40", 0)); s.settimeout(3); s.connect(("127.0.0.1", port))
        held.append(s)
    time.sleep(0.5)
    for s in held:
        try:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            if not s.recv(100): refused += 1
        except Exception: refused += 1
    other = get("/", src="127.0.0.41").split(b"\r\n")[0].decode()
    print(80 - refused, other)
elif mode == "slow":
    s = socket.socket(); s.settimeout(30); s.connect(("127.0.0.1", port))
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")   # headers never finished
    t = time.time()
    try: d = s.recv(100)
    except Exception: d = b"timeout"
    print(int(time.time() - t), len(d))
EOF
python3 "$E2E_TMP/conns.py" "$port" "$pid" slow > "$E2E_TMP/slow.out" 2>&1 &
slowpid=$!
line=$(python3 "$E2E_TMP/conns.py" "$port" "$pid" params 2>&1)
like "$line" "^HTTP/1.1 200" "after 30 requests with 3,000 query parameters the worker still answers"
read -r nfd fline _ fms <<<"$(python3 "$E2E_TMP/conns.py" "$port" "$pid" fds 2>&1 | sed 's/HTTP\/1.1 //')"
ok $([ "${nfd:-0}" -gt 1100 ] && echo 0 || echo 1) "the worker holds more than 1,100 descriptors (${nfd:-?})"
is "${fline:-}" 200 "and still answers a new REST connection (${fms:-?} ms)"
read -r accepted other _ <<<"$(python3 "$E2E_TMP/conns.py" "$port" "$pid" perip 2>&1 | sed 's/HTTP\/1.1 //')"
is "${accepted:-}" 64 "one client address gets at most 64 connections of 80"
is "${other:-}" 200 "another address is still served"
wait "$slowpid"
read -r secs got < "$E2E_TMP/slow.out"
ok $([ "${secs:-99}" -le 14 ] && [ "${got:-1}" -eq 0 ] && echo 0 || echo 1) \
  "a client that never finishes its headers is disconnected after ${secs:-?} s (header timeout 10 s)"

# ---- item 8: operator mistakes -----------------------------------------------------------
# (b) failed credentials are throttled per address and credential kind; the
# valid admin token is never throttled (a NAT shared with the admin)
nat=(--interface 127.0.0.50)
for i in $(seq 1 11); do
  curl -s -o /dev/null "${nat[@]}" -H "Authorization: Bearer trib_guess$i" "$base/tenants/alpha/connectors"
done
is "$(curl -s -o /dev/null -w '%{http_code}' "${nat[@]}" -H "Authorization: Bearer trib_guess12" "$base/tenants/alpha/connectors")" 429 \
  "after 10 bad keys from one address, keys from it get 429"
is "$(curl -s -o /dev/null -w '%{http_code}' "${nat[@]}" -H "$AK" "$base/tenants/alpha/connectors")" 429 \
  "even a valid key from it (no oracle for key guesses)"
is "$(curl -s -o /dev/null -w '%{http_code}' "${nat[@]}" -H "$ADMIN" "$base/tenants")" 200 \
  "the valid admin token from the same address is still served"
is "$(curl -s -o /dev/null -w '%{http_code}' "${nat[@]}" -H "Authorization: Bearer not-the-admin-token-xx" "$base/tenants")" 401 \
  "admin-token guesses are counted apart from key guesses (401, not 429)"

# (c) delete then re-create: the new owner starts with an empty directory
req POST /tenants "$ADMIN" '{"name":"gamma"}' >/dev/null
echo "gamma's secret" > "$E2E_TMP/staging/gamma/secret.txt"
is "$(status "$(req DELETE /tenants/gamma "$ADMIN")")" 204 "tenant gamma is deleted"
ok $([ ! -e "$E2E_TMP/staging/gamma" ] && echo 0 || echo 1) "its staging directory is gone from the tenant's path"
ok $(ls -d "$E2E_TMP"/staging/.retired-gamma-*/secret.txt >/dev/null 2>&1 && echo 0 || echo 1) \
  "it was retired (renamed under .retired-gamma-*), not handed on"
req POST /tenants "$ADMIN" '{"name":"gamma"}' >/dev/null
is "$(ls -A "$E2E_TMP/staging/gamma" 2>/dev/null | wc -l)" 0 "a new tenant gamma starts with an empty staging directory"
mkdir -p "$E2E_TMP/staging/omega" && echo old > "$E2E_TMP/staging/omega/left.txt"
req POST /tenants "$ADMIN" '{"name":"omega"}' >/dev/null
ok $([ ! -e "$E2E_TMP/staging/omega/left.txt" ] && echo 0 || echo 1) "a leftover directory without a tenant is retired at create"

# (d) a refused create leaves nothing behind
r=$(req POST /tenants "$ADMIN" '{"name":"delta","topic_prefix":"alpha.x"}')
is "$(status "$r")" 409 "a tenant whose prefix overlaps alpha's is refused"
ok $([ ! -e "$E2E_TMP/staging/delta" ] && echo 0 || echo 1) "and no staging directory is left behind"

# (a) a worker without admin.token.file in a cluster with tenants refuses the admin view
cp "$E2E_TMP/tenants.json" "$E2E_TMP/tenants2.json"
port2=$(free_port)
write_worker_props "$E2E_TMP/w2.properties" "$port2" "$E2E_TMP/offsets2" \
  "tenant.key.secret.file=$E2E_TMP/key.secret" "tenant.store.file=$E2E_TMP/tenants2.json"
start_worker "$E2E_TMP/w2.properties" "$E2E_TMP/worker2.log"
pid2=$WORKER_PID
wait_rest "$port2" 60
out=$(curl -s -w '\n%{http_code}' "http://127.0.0.1:$port2/connectors")
is "${out##*$'\n'}" 403 "GET /connectors without admin.token.file on a worker that has tenants: 403"
like "$out" "admin.token.file" "the message tells the operator to set admin.token.file"
kill -TERM "$pid2"; wait_for 30 "! kill -0 $pid2"

# ---- item 6: a database that accepts and never answers ------------------------------------
hang_port=$(free_port)
python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(50); s.settimeout(1); held = []; t = time.time()
while time.time() - t < 90:
    try: held.append(s.accept()[0])
    except socket.timeout: pass' "$hang_port" &
hang_pid=$!
_tap_pids+=("$hang_pid")
sleep 0.5
t0=$(date +%s%N)
r=$(req POST /tenants/alpha/connectors "$AK" "{\"name\":\"hang\",\"config\":{\"connector.class\":\"PostgresSource\",\"connection.url\":\"postgresql://127.0.0.1:$hang_port/db\",\"topic.prefix\":\"alpha.\",\"mode\":\"bulk\"}}")
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
ok $([ "$ms" -lt 16000 ] && echo 0 || echo 1) "a PostgresSource on a server that never answers returns in ${ms} ms (connect_timeout 10 s), not never"
kill "$hang_pid" 2>/dev/null

# ---- the worker survived all of it ---------------------------------------------------------
is "$(status "$(req GET /tenants/alpha/connectors "$AK")")" 200 "the worker is alive and serves alpha"
kill -TERM "$pid"
wait_for 30 "! kill -0 $pid"
ok $? "the worker stops on SIGTERM"
if grep -qE "ERROR: (Address|Leak)Sanitizer|runtime error" "$E2E_TMP/worker.log"; then
  grep -E -A12 "ERROR: (Address|Leak)Sanitizer|runtime error" "$E2E_TMP/worker.log" | head -40 | sed 's/^/# /'
  ok 1 "no sanitizer report (leak, overflow, memory error) in the worker's log"
else
  ok 0 "no sanitizer report (leak, overflow, memory error) in the worker's log"
fi
finish
