#!/usr/bin/env bash
# Kafka Connect conformance: a real Apache Kafka Connect 3.9 distributed
# worker (Maven Central jars fetched and cached by bench/peers/fetch) and a
# Tributary distributed worker run side by side on the testenv broker;
# tests/e2e/conformance.py drives both with the same requests over every
# endpoint, success and error paths, and compares status, headers and JSON
# key by key. Known deviations are TODO tests, each with its reason (they
# are listed in rest/README.md); any other difference fails. Prints the count
# of identical answers. Needs java and mvn (scripts/deps installs both); the
# first run downloads Connect (~1 min), later runs take about a minute.
. "$(dirname "$0")/lib.sh"
require_services
command -v java >/dev/null && command -v mvn >/dev/null || {
  [ "${TRIB_REQUIRE_SERVICES:-0}" = 1 ] && bail "java and mvn are needed (scripts/deps installs them)"
  skip_all "java/mvn missing"
}
peers=$E2E_ROOT/bench/peers
"$peers/fetch" >"$E2E_TMP/fetch.log" 2>&1 || bail "bench/peers/fetch failed: $(tail -n 5 "$E2E_TMP/fetch.log")"

suffix=$$-$RANDOM
cport=$(free_port)
tport=$(free_port)
export TRIB_BENCH_RUN=$E2E_TMP/peers
# the Connect worker: its own group and internal topics, no plugin beyond the classpath's
"$peers/connect-worker" start "conf-$suffix" "$cport" >/dev/null \
  || bail "cannot start the Connect worker"
cpid=$("$peers/connect-worker" pid "conf-$suffix") || bail "Connect worker died at once"
_tap_pids+=("$cpid")
trap '"$peers/connect-worker" stop "conf-$suffix" >/dev/null 2>&1; _e2e_cleanup' EXIT
ln -sf "$TRIB_BENCH_RUN/connect/conf-$suffix/worker.log" "$E2E_TMP/connect.log"

group=conf-trib-$suffix
write_dist_props "$E2E_TMP/trib.props" "$tport" "$group" \
  "key.converter=org.apache.kafka.connect.json.JsonConverter" \
  "value.converter=org.apache.kafka.connect.json.JsonConverter"
start_dist_worker "$E2E_TMP/trib.props" "$E2E_TMP/trib.log"

wait_rest "$tport" 60 || bail "Tributary did not answer on $tport"
# Connect answers GET / before it has joined its group; /connectors waits for that
wait_for 180 "curl -fsS -o /dev/null http://127.0.0.1:$cport/connectors" || bail "Connect did not start (log: $(tail -n 5 "$E2E_TMP/connect.log"))"
wait_for 60 "curl -fsS -o /dev/null http://127.0.0.1:$tport/connectors" || bail "Tributary herder not ready"

mkdir -p "$E2E_TMP/c" "$E2E_TMP/t"
printf 'one\ntwo\nthree\n' >"$E2E_TMP/c/in-$suffix.txt"
cp "$E2E_TMP/c/in-$suffix.txt" "$E2E_TMP/t/in-$suffix.txt"

python3 "$E2E_ROOT/tests/e2e/conformance.py" "http://127.0.0.1:$cport" "http://127.0.0.1:$tport" \
  "$E2E_TMP/c" "$E2E_TMP/t" "$suffix" >"$E2E_TMP/result.tap"
grep -v '^1\.\.' "$E2E_TMP/result.tap"   # the plan comes last, after the header checks below
failed=$(grep -c '^not ok' "$E2E_TMP/result.tap" | head -1)
todo=$(grep -c '^not ok.*# TODO' "$E2E_TMP/result.tap" | head -1)
_tap_failed=$((failed - todo))
ntests=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$E2E_TMP/result.tap")

# Typed headers on the data path: the same FileStreamSource config on both
# workers, InsertHeader literals parsed as Connect parses them and written by
# header.converter; each topic's headers must be the same bytes.
headers_config() { # <dir> <topic> <header.converter>
  printf '{"connector.class":"FileStreamSource","file":"%s/in-%s.txt","topic":"%s","tasks.max":"1",
    "header.converter":"%s","header.converter.schemas.enable":"true",
    "transforms":"n,s,a,d,f,m,drop","transforms.n.type":"org.apache.kafka.connect.transforms.InsertHeader",
    "transforms.n.header":"n","transforms.n.value.literal":"42",
    "transforms.s.type":"org.apache.kafka.connect.transforms.InsertHeader","transforms.s.header":"s",
    "transforms.s.value.literal":"hello world","transforms.a.type":"org.apache.kafka.connect.transforms.InsertHeader",
    "transforms.a.header":"a","transforms.a.value.literal":"[1,2.5]",
    "transforms.d.type":"org.apache.kafka.connect.transforms.InsertHeader","transforms.d.header":"d",
    "transforms.d.value.literal":"2024-02-01","transforms.f.type":"org.apache.kafka.connect.transforms.InsertHeader",
    "transforms.f.header":"f","transforms.f.value.literal":"{\\"k\\":true}",
    "transforms.m.type":"org.apache.kafka.connect.transforms.InsertHeader","transforms.m.header":"gone",
    "transforms.m.value.literal":"x","transforms.drop.type":"org.apache.kafka.connect.transforms.DropHeaders",
    "transforms.drop.headers":"gone"}' "$1" "$suffix" "$2" "$3"
}
for conv in org.apache.kafka.connect.json.JsonConverter org.apache.kafka.connect.storage.SimpleHeaderConverter; do
  short=${conv##*.}
  ct=conf-$suffix-hc-$short-c
  tt=conf-$suffix-hc-$short-t
  rc=$(rest PUT "$cport" "/connectors/hc-$short-$suffix/config" "$(headers_config "$E2E_TMP/c" "$ct" "$conv")")
  rt=$(rest PUT "$tport" "/connectors/hc-$short-$suffix/config" "$(headers_config "$E2E_TMP/t" "$tt" "$conv")")
  ntests=$((ntests + 1))
  if [[ "$rc" == 201* && "$rt" == 201* ]]; then
    echo "ok $ntests - header.converter=$short with InsertHeader/DropHeaders: created on both"
  else
    echo "not ok $ntests - header.converter=$short with InsertHeader/DropHeaders: created on both"
    diag "Connect: ${rc:0:300}"; diag "Tributary: ${rt:0:300}"; _tap_failed=$((_tap_failed + 1))
  fi
  wait_for 60 'test "$(topic_count "$ct")" -ge 3 && test "$(topic_count "$tt")" -ge 3'
  hc=$(kcat -b "$KAFKA_BOOTSTRAP" -C -t "$ct" -e -q -f '%h\n' 2>/dev/null)
  ht=$(kcat -b "$KAFKA_BOOTSTRAP" -C -t "$tt" -e -q -f '%h\n' 2>/dev/null)
  ntests=$((ntests + 1))
  if [ -n "$hc" ] && [ "$hc" = "$ht" ]; then
    echo "ok $ntests - header.converter=$short: every record's headers are the bytes Connect wrote"
    diag "${hc%%$'\n'*}"
  else
    echo "not ok $ntests - header.converter=$short: every record's headers are the bytes Connect wrote"
    diag "Connect:   ${hc:0:400}"; diag "Tributary: ${ht:0:400}"; _tap_failed=$((_tap_failed + 1))
  fi
done
echo "1..$ntests"
finish
