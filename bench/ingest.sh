#!/usr/bin/env bash
# bench/ingest.sh: HTTP ingest on one worker against the limit, raw
# librdkafka produce (kcat -P, acks=all, idempotent) of the same records:
#   1. raw: BENCH_RECORDS (default 200,000) JSON records produced by kcat;
#   2. HTTP: the same records as JSON arrays of 100 over 8 keep-alive
#      connections, each batch acknowledged after Kafka (bench/tools/ingest_load.py);
#   3. WebSocket: the same records in messages of 100, 16 in flight
#      (tests/e2e/tools/ws_ingest_client.py);
#   4. latency at a fixed offered rate (BENCH_RATE, default 10,000 records/s,
#      batches of 100, BENCH_SECONDS default 10): p50/p99 send-to-answer.
#
#   TRIBUTARY_BIN=build-rel/tributary bench/ingest.sh
#
# Needs the services of scripts/testenv (eval "$(scripts/testenv env)") and kcat.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init ingest

N=${BENCH_RECORDS:-200000}
RATE=${BENCH_RATE:-10000}
SECS=${BENCH_SECONDS:-10}
TRIBUTARY=${TRIBUTARY_BIN:-$REPO_DIR/build-rel/tributary}
[ -x "$TRIBUTARY" ] || bench_die "no tributary binary at $TRIBUTARY (set TRIBUTARY_BIN)"
[ -n "${KAFKA_BOOTSTRAP:-}" ] || bench_die "KAFKA_BOOTSTRAP is not set (scripts/testenv up; eval \"\$(scripts/testenv env)\")"
command -v kcat >/dev/null || bench_die "kcat is missing"

port=$(bench_free_port)
dir=$BENCH_RUN/ingest
rm -rf "$dir"; mkdir -p "$dir"
cat >"$dir/worker.properties" <<EOF2
bootstrap.servers=$KAFKA_BOOTSTRAP
listeners=http://127.0.0.1:$port
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false
offset.storage.file.filename=$dir/offsets
EOF2
bench_spawn "$dir/worker.log" "$TRIBUTARY" standalone "$dir/worker.properties"
pid=$BENCH_SPAWNED_PID
bench_wait_http "http://127.0.0.1:$port/" "$(bench_now_ms)" 30 "$pid" >/dev/null
mk() {   # mk <name>: an HttpIngest connector on topic <name>
    kcat -b "$KAFKA_BOOTSTRAP" -L -t "$1" >/dev/null 2>&1 || true
    bench_http POST "http://127.0.0.1:$port/connectors" \
        "{\"name\":\"$1\",\"config\":{\"connector.class\":\"HttpIngest\",\"topic\":\"$1\",\"max.inflight.records\":\"1000000\"}}" >/dev/null
}

raw=bench-ingest-raw-$$
python3 -c "import json,sys
for i in range($N): print(json.dumps({'n': i, 'payload': 'x' * 20}))" > "$dir/records.ndjson"
kcat -b "$KAFKA_BOOTSTRAP" -L -t "$raw" >/dev/null 2>&1 || true
t0=$(bench_now_ms)
kcat -b "$KAFKA_BOOTSTRAP" -P -t "$raw" -X acks=all -X enable.idempotence=true -l "$dir/records.ndjson"
t1=$(bench_now_ms)
raw_rate=$(awk -v n="$N" -v ms="$((t1 - t0))" 'BEGIN { printf "%.0f", n / (ms / 1000) }')
bench_log "raw librdkafka produce (kcat): $raw_rate records/s"

mk bench-ingest-http-$$
http=$(python3 "$REPO_DIR/bench/tools/ingest_load.py" "http://127.0.0.1:$port/ingest/bench-ingest-http-$$" throughput "$N" 100 8)
bench_log "HTTP batches of 100: $http"

mk bench-ingest-ws-$$
t0=$(bench_now_ms)
ws=$(python3 "$REPO_DIR/tests/e2e/tools/ws_ingest_client.py" 127.0.0.1 "$port" "/ingest/bench-ingest-ws-$$" stream "$N" 100)
t1=$(bench_now_ms)
ws_rate=$(awk -v n="$N" -v ms="$((t1 - t0))" 'BEGIN { printf "%.0f", n / (ms / 1000) }')
bench_log "WebSocket messages of 100: $ws_rate records/s ($ws)"

mk bench-ingest-rate-$$
lat=$(python3 "$REPO_DIR/bench/tools/ingest_load.py" "http://127.0.0.1:$port/ingest/bench-ingest-rate-$$" rate "$RATE" "$SECS" 100)
bench_log "fixed rate: $lat"

printf 'HTTP ingest, one worker, %s records of ~40 bytes (JSON, schemaless):\n' "$N"
printf '  raw librdkafka produce (kcat -P, acks=all, idempotent): %s records/s\n' "$raw_rate"
printf '  HTTP, batches of 100, 8 connections: %s records/s (%s of raw); per request p50 %s ms, p99 %s ms\n' \
    "$(jq -r .records_per_s <<<"$http")" "$(awk -v a="$(jq -r .records_per_s <<<"$http")" -v b="$raw_rate" 'BEGIN{printf "%.2fx", a/b}')" \
    "$(jq -r .p50_ms <<<"$http")" "$(jq -r .p99_ms <<<"$http")"
printf '  WebSocket, messages of 100, 16 in flight: %s records/s\n' "$ws_rate"
printf '  offered %s records/s in batches of 100 for %s s: p50 %s ms, p99 %s ms (acked %s, sent late %s)\n' \
    "$RATE" "$SECS" "$(jq -r .p50_ms <<<"$lat")" "$(jq -r .p99_ms <<<"$lat")" "$(jq -r .acked <<<"$lat")" "$(jq -r .late <<<"$lat")"
