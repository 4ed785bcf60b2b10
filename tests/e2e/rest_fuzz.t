#!/usr/bin/env bash
# A bounded REST fuzzer (tests/e2e/rest_fuzz.py) against a sanitizer-built
# standalone worker with two tenants: TRIB_REST_FUZZ_SECONDS (default 60)
# of random and mutated requests (route grammar, hostile segments, methods,
# credentials, query strings, hostile JSON). Every request must be answered
# with a status in 100..599 other than 500; afterwards the worker must be
# alive, stop cleanly on SIGTERM and have no sanitizer report in its log.
# A longer run: TRIB_REST_FUZZ_SECONDS=600 prove --exec '' tests/e2e/rest_fuzz.t
# (TRIB_FUZZ_SEED picks the sequence; the seed is printed for replay).
. "$(dirname "$0")/lib.sh"
require_services
command -v jq >/dev/null || bail "jq is missing (scripts/deps installs it)"
plan 5

secs=${TRIB_REST_FUZZ_SECONDS:-60}
seed=${TRIB_FUZZ_SEED:-$RANDOM}
port=$(free_port)
echo "admin-$RANDOM-$RANDOM-fuzz-token" > "$E2E_TMP/admin.token"
mkdir -p "$E2E_TMP/staging"
write_worker_props "$E2E_TMP/w.properties" "$port" "$E2E_TMP/offsets" \
  "admin.token.file=$E2E_TMP/admin.token" "tenant.staging.root=$E2E_TMP/staging" \
  "tenant.auth.max.failures.per.minute=1000000"
cd "$E2E_TMP" || bail "no temp dir"   # admin configs name relative files: keep them here
start_worker "$E2E_TMP/w.properties" "$E2E_TMP/worker.log"
pid=$WORKER_PID
wait_rest "$port" 60 || bail "worker did not start"
base="http://127.0.0.1:$port"
tok=$(cat "$E2E_TMP/admin.token")
for t in alpha beta; do
  curl -s -o /dev/null -X POST -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
    --data "{\"name\":\"$t\"}" "$base/tenants"
done
akey=$(curl -s -X POST -H "Authorization: Bearer $tok" "$base/tenants/alpha/keys" | jq -r .key)
bkey=$(curl -s -X POST -H "Authorization: Bearer $tok" "$base/tenants/beta/keys" | jq -r .key)

diag "fuzzing for ${secs}s with seed $seed"
python3 "$E2E_ROOT/tests/e2e/rest_fuzz.py" "$port" "$secs" "$seed" "$tok" "$akey" "$bkey" > "$E2E_TMP/fuzz.out" 2>&1
rc=$?
sed 's/^/# /' "$E2E_TMP/fuzz.out" | head -14
ok $rc "every fuzzed request got a well-formed answer with a sane status (no 500, none dropped)"
like "$(head -1 "$E2E_TMP/fuzz.out")" "^requests=[0-9]{3,}" "the fuzzer sent hundreds of requests or more"
is "$(curl -s -o /dev/null -w '%{http_code}' "$base/")" 200 "the worker is alive afterwards"
kill -TERM "$pid"
wait_for 60 "! kill -0 $pid"
ok $? "the worker stops on SIGTERM"
if grep -qE "ERROR: (Address|Leak)Sanitizer|runtime error" "$E2E_TMP/worker.log"; then
  grep -E -A14 "ERROR: (Address|Leak)Sanitizer|runtime error" "$E2E_TMP/worker.log" | head -40 | sed 's/^/# /'
  ok 1 "no sanitizer report in the worker's log"
else
  ok 0 "no sanitizer report in the worker's log"
fi
finish
