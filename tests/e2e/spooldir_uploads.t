#!/usr/bin/env bash
# Uploads into a tenant's SpoolDirCsvSource and the per-file status:
# raw and multipart bodies (201, id, size, sha256, Location), the status
# going to FINISHED with rows and timings, a bad row counted with its line,
# 409 for a name already queued, 413 naming the tenant quota (by
# Content-Length and while a chunked body streams), hostile names 400, a
# client that disconnects mid-body leaves nothing, and another tenant can
# neither upload nor list. The status is the worker's file status store, not
# the directories: with cleanup.policy=DELETE it stays, a restart keeps it,
# and each connector keeps its newest tributary.file.status.history files.
. "$(dirname "$0")/lib.sh"
require_services
plan 42

echo "admin-$RANDOM-$RANDOM-secret-token" > "$E2E_TMP/admin.token"
stage=$E2E_TMP/staging; mkdir -p "$stage"
port=$(free_port)
write_worker_props "$E2E_TMP/w.properties" "$port" "$E2E_TMP/offsets" \
  "admin.token.file=$E2E_TMP/admin.token" "tenant.key.secret.file=$E2E_TMP/key.secret" \
  "tenant.staging.root=$stage" "tenant.store.file=$E2E_TMP/tenants.json" "tenant.audit.log=$E2E_TMP/audit.log" \
  "tributary.file.status.history=3"
start_worker "$E2E_TMP/w.properties" "$E2E_TMP/w.log"
wait_rest "$port" 60 || bail "worker did not start"
base=http://127.0.0.1:$port
admin=(-H "Authorization: Bearer $(cat "$E2E_TMP/admin.token")")
jpost() { curl -s -o /dev/null -w '%{http_code}' -X "$1" "${admin[@]}" -H 'Content-Type: application/json' --data "$3" "$base$2"; }
jpost POST /tenants '{"name":"acme"}' >/dev/null
jpost POST /tenants '{"name":"globex"}' >/dev/null
jpost PUT /tenants/acme/quotas '{"max_file_bytes":4096,"max_staged_bytes":5000}' >/dev/null
key=$(curl -s -X POST "${admin[@]}" "$base/tenants/acme/keys" | jq -r .key)
other=$(curl -s -X POST "${admin[@]}" "$base/tenants/globex/keys" | jq -r .key)
acme=(-H "Authorization: Bearer $key")
glob=(-H "Authorization: Bearer $other")
topic=acme.readings-$$
dlq=acme.bad-rows-$$
schema='{\"type\":\"record\",\"name\":\"reading\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"},{\"name\":\"speed\",\"type\":\"double\"}]}'
code=$(curl -s -o "$E2E_TMP/create.out" -w '%{http_code}' -X POST "${acme[@]}" -H 'Content-Type: application/json' --data "{\"name\":\"csv\",\"config\":{
  \"connector.class\":\"SpoolDirCsvSource\",\"topic\":\"$topic\",\"input.path\":\"in\",\"finished.path\":\"finished\",\"error.path\":\"error\",
  \"input.file.pattern\":\".*\\\\.csv\",\"csv.first.row.as.header\":\"true\",\"value.schema\":\"$schema\",\"empty.poll.wait.ms\":\"100\",
  \"errors.tolerance\":\"all\",\"errors.deadletterqueue.topic.name\":\"$dlq\",\"schema.generation.key.fields\":\"id\"}}" "$base/tenants/acme/connectors")
is "$code" 201 "tenant acme creates a SpoolDirCsvSource with relative directories"
files=$base/tenants/acme/connectors/csv/files
fstate() { curl -s "${acme[@]}" "$files/$1" | jq -r .state; }
tstate() { curl -s "${acme[@]}" "$base/tenants/acme/connectors/csv/status" | jq -r '.tasks[0].state'; }
wait_for 30 '[ "$(tstate)" = RUNNING ]' || diag "$(cat "$E2E_TMP/create.out")"

printf 'id,speed\n1,1.5\n2,2.5\n3,3.5\n' > "$E2E_TMP/a.csv"
out=$(curl -s -D "$E2E_TMP/h" -w '\n%{http_code}' -X POST "${acme[@]}" -H 'Content-Type: text/csv' --data-binary @"$E2E_TMP/a.csv" "$files/a.csv")
is "${out##*$'\n'}" 201 "a raw upload answers 201"
body=${out%$'\n'*}
id=$(jq -r .id <<<"$body")
is "$(jq -r .sha256 <<<"$body")" "$(sha256sum "$E2E_TMP/a.csv" | cut -d' ' -f1)" "with the body's sha256"
is "$(jq -r .size <<<"$body")" "$(stat -c %s "$E2E_TMP/a.csv")" "and its size"
is "$(jq -r .state <<<"$body")" UPLOADED "and the state its status record starts with"
like "$(grep -i '^Location:' "$E2E_TMP/h")" "/tenants/acme/connectors/csv/files/$id" "Location names the file's status"
wait_for 30 '[ "$(fstate "$id")" = FINISHED ]'
st=$(curl -s "${acme[@]}" "$files/$id")
is "$(jq -r .state <<<"$st")" FINISHED "the file's status reaches FINISHED"
is "$(jq -r '[.rows_done, .rows_rejected, .percent] | join(",")' <<<"$st")" "3,0,100" "with its rows and 100 percent"
ok "$(jq -e '.timings.upload_ms >= 0 and .timings.processing_ms >= 0 and .timings.finished_at > 0' <<<"$st" >/dev/null; echo $?)" \
   "and timings: upload ms, processing ms, finished at"
is "$(topic_count "$topic")" 3 "its three rows are in the tenant's topic"
ok "$(test -f "$stage/acme/finished/a.csv"; echo $?)" "the file moved to the tenant's finished directory"

printf 'id,speed\n10,1\n11,fast\n12,3\n' > "$E2E_TMP/b.csv"
out=$(curl -s -w '\n%{http_code}' -X POST "${acme[@]}" -F "file=@$E2E_TMP/b.csv" -F "comment=ignored" "$files/b.csv")
is "${out##*$'\n'}" 201 "a multipart/form-data upload answers 201"
bid=$(jq -r .id <<<"${out%$'\n'*}")
is "$(jq -r .sha256 <<<"${out%$'\n'*}")" "$(sha256sum "$E2E_TMP/b.csv" | cut -d' ' -f1)" "and only the file part is stored"
wait_for 30 '[ "$(fstate "$bid")" = FINISHED ]'
st=$(curl -s "${acme[@]}" "$files/$bid")
is "$(jq -r '[.rows_done, .rows_rejected] | join(",")' <<<"$st")" "2,1" "a bad row is counted as rejected"
is "$(jq -r '.errors[0].line' <<<"$st")" 3 "and listed with its line number"
bad=$(kcat -b "$KAFKA_BOOTSTRAP" -C -t "$dlq" -e -q -f '%s|%h\n' 2>/dev/null)
is "${bad%%|*}" "11,fast" "the bad row goes to the tenant's dead letter queue as it was in the file"
like "$bad" 'file.name=b.csv.*file.line=3.*file.column=2.*file.error.reason=.*fast' \
   "with headers naming the file, line, column and reason"
list=$(curl -s "${acme[@]}" "$files")
is "$(jq -r 'map(.name) | sort | join(",")' <<<"$list")" "a.csv,b.csv" "GET .../files lists both files"

# pause so uploads stay queued
curl -s -o /dev/null -X PUT "${acme[@]}" "$base/tenants/acme/connectors/csv/pause"
wait_for 20 '[ "$(tstate)" = PAUSED ]'
head -c 3000 /dev/zero | tr '\0' 'x' > "$E2E_TMP/c.csv"
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST "${acme[@]}" --data-binary @"$E2E_TMP/c.csv" "$files/c.csv")" 201 "a 3000-byte file fits"
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST "${acme[@]}" --data-binary @"$E2E_TMP/c.csv" "$files/c.csv")" 409 "the same name while queued is 409"
r=$(curl -s -w '\n%{http_code}' -X POST "${acme[@]}" --data-binary @"$E2E_TMP/c.csv" "$files/d.csv")
is "${r##*$'\n'}" 413 "a second one would exceed the staged total: 413"
like "$r" "max_staged_bytes" "naming max_staged_bytes"
head -c 5000 /dev/zero | tr '\0' 'y' > "$E2E_TMP/big.csv"
r=$(curl -s -w '\n%{http_code}' -X POST "${acme[@]}" --data-binary @"$E2E_TMP/big.csv" "$files/big.csv")
like "$r" "max_file_bytes" "a file over max_file_bytes is refused by Content-Length, naming the quota"
r=$(curl -s -w '\n%{http_code}' -X POST "${acme[@]}" -H 'Transfer-Encoding: chunked' --data-binary @"$E2E_TMP/big.csv" "$files/big2.csv")
is "${r##*$'\n'}" 413 "and while a chunked body streams past it"
ok "$(ls -A "$stage/acme/in" | grep -qv '^c.csv$'; echo $((1 - $?)))" "nothing of the refused uploads is left in input.path"

bad=0
for name in '..' '.hidden.csv' 'a%2Fb.csv' "$(printf 'x%.0s' $(seq 1 300)).csv" 'a%00.csv' '%2E%2E'; do
  code=$(curl -s --path-as-is -o /dev/null -w '%{http_code}' -X POST "${acme[@]}" --data-binary 'x' "$files/$name")
  [ "$code" = 400 ] || { bad=$((bad + 1)); diag "name $name: $code"; }
done
is "$bad" 0 "hostile names (.., hidden, separator, too long, NUL) are 400"

# a client that disconnects mid-body
python3 - "$port" "$key" <<'EOF'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(("POST /tenants/acme/connectors/csv/files/cut.csv HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
           "Content-Length: 3000\r\n\r\n" % sys.argv[2]).encode() + b"id,speed\n" + b"1,1\n" * 100)
time.sleep(0.5)
s.close()
EOF
wait_for 10 "! ls -A $stage/acme/in | grep -q '^\.upload-'"
ok "$(ls -A "$stage/acme/in" | grep -q 'cut.csv\|^\.upload-'; echo $((1 - $?)))" "a client that disconnects mid-body leaves nothing behind"

is "$(curl -s -o /dev/null -w '%{http_code}' -X POST "${glob[@]}" --data-binary @"$E2E_TMP/a.csv" "$files/evil.csv")" 403 \
   "tenant globex cannot upload to acme's connector"
is "$(curl -s -o /dev/null -w '%{http_code}' "${glob[@]}" "$files")" 403 "nor list acme's files"
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST "${glob[@]}" --data-binary 'x' "$base/tenants/globex/connectors/csv/files/x.csv")" 404 \
   "globex's own namespace has no such connector"
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary 'x' "$files/anon.csv")" 401 "an upload without a key is 401"
is "$(jq -r 'select(.path | endswith("/files/a.csv")) | "\(.principal|startswith("tenant:acme")) \(.connector) \(.status)"' "$E2E_TMP/audit.log")" \
   "true acme/csv 201" "an upload is in the audit log with its tenant, connector and status"
ok "$(grep '/files/d.csv"' "$E2E_TMP/audit.log" | grep -q '"status":413,"detail":"[^"]*max_staged_bytes'; echo $?)" \
   "and so is a refused one, with the reason"
# An upload may come before the connector's task has created input.path
# (here: created PAUSED, so no task runs at all): the upload creates it.
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "${acme[@]}" -H 'Content-Type: application/json' --data "{\"name\":\"early\",\"initial_state\":\"PAUSED\",\"config\":{
  \"connector.class\":\"SpoolDirLineDelimitedSource\",\"topic\":\"$topic\",\"input.path\":\"in-early\",\"finished.path\":\"finished-early\",\"error.path\":\"error-early\"}}" "$base/tenants/acme/connectors")
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST "${acme[@]}" --data-binary 'x' "$base/tenants/acme/connectors/early/files/first.txt")" 201 \
   "an upload before the task created input.path is accepted (created $code)"
ok "$(test -f "$stage/acme/in-early/first.txt"; echo $?)" "and the file is in the new input.path"

# Files deleted once read keep their status; history is bounded (3 here).
del_config="{\"connector.class\":\"SpoolDirLineDelimitedSource\",\"topic\":\"$topic\",\"input.path\":\"in-del\",
  \"error.path\":\"error-del\",\"cleanup.policy\":\"DELETE\",\"empty.poll.wait.ms\":\"100\"}"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "${acme[@]}" -H 'Content-Type: application/json' \
  --data "{\"name\":\"del\",\"config\":$del_config}" "$base/tenants/acme/connectors")
dfiles=$base/tenants/acme/connectors/del/files
dstate() { curl -s "${acme[@]}" "$dfiles/$1" | jq -r .state; }
dids=()
for i in 1 2 3 4; do
  printf 'line %d\nmore\n' "$i" > "$E2E_TMP/l$i.txt"
  dids+=("$(curl -s -X POST "${acme[@]}" --data-binary @"$E2E_TMP/l$i.txt" "$dfiles/l$i.txt" | jq -r .id)")
  wait_for 30 '[ "$(dstate "${dids[-1]}")" = FINISHED ]' || diag "l$i.txt: $(curl -s "${acme[@]}" "$dfiles/${dids[-1]}")"
done
is "$(ls -A "$stage/acme/in-del" | wc -l)" 0 "cleanup.policy=DELETE removed every file (connector created: $code)"
st=$(curl -s "${acme[@]}" "$dfiles/${dids[3]}")
is "$(jq -r '[.state, .rows_done, .sha256] | join(" ")' <<<"$st")" "FINISHED 2 $(sha256sum "$E2E_TMP/l4.txt" | cut -d' ' -f1)" \
   "a deleted file's status stays FINISHED with its rows and the upload's sha256"
is "$(curl -s "${acme[@]}" "$dfiles" | jq -r 'map(.name) | join(",")')" "l4.txt,l3.txt,l2.txt" \
   "the history keeps the newest 3 files, newest first"
is "$(curl -s -o /dev/null -w '%{http_code}' "${acme[@]}" "$dfiles/${dids[0]}")" 404 "and the oldest is forgotten"

# A restart keeps every status (standalone: the file beside the offsets).
before=$(curl -s "${acme[@]}" "$files" | jq -c 'map({name, state, rows_done, sha256}) | sort_by(.name)')
kill "$WORKER_PID"; wait "$WORKER_PID" 2>/dev/null
start_worker "$E2E_TMP/w.properties" "$E2E_TMP/w.log"
wait_rest "$port" 60 || bail "worker did not restart"
# standalone mode does not keep connectors made over REST: make them again
curl -s -o /dev/null -X POST "${acme[@]}" -H 'Content-Type: application/json' \
  --data "{\"name\":\"del\",\"config\":$del_config}" "$base/tenants/acme/connectors"
curl -s -o /dev/null -X POST "${acme[@]}" -H 'Content-Type: application/json' --data "{\"name\":\"csv\",\"initial_state\":\"PAUSED\",\"config\":{
  \"connector.class\":\"SpoolDirCsvSource\",\"topic\":\"$topic\",\"input.path\":\"in\",\"finished.path\":\"finished\",\"error.path\":\"error\",
  \"input.file.pattern\":\".*\\\\.csv\",\"csv.first.row.as.header\":\"true\",\"value.schema\":\"$schema\"}}" \
  "$base/tenants/acme/connectors"
after=$(curl -s "${acme[@]}" "$files" | jq -c 'map({name, state, rows_done, sha256}) | sort_by(.name)')
is "$after" "$before" "after a restart every file of the connector has the same status"
like "$after" '"name":"a.csv","state":"FINISHED","rows_done":3,"sha256":"[0-9a-f]{64}"' "a.csv among them, FINISHED with its sha256"
is "$(dstate "${dids[3]}")" FINISHED "and the deleted file is still FINISHED"
finish
