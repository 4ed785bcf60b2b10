#!/usr/bin/env bash
# bench/validate_pipeline.sh: what the Validate transform costs a real
# source pipeline: DataGen "orders" (1 task) -> JsonConverter -> Kafka, with
# and without a Validate stage of the 5 rules bench/validate.c uses,
# alternating, BENCH_RUNS rounds (default 5) of BENCH_RECORDS (default
# 400,000) on one worker.
#
#   TRIBUTARY_BIN=build-rel/tributary bench/validate_pipeline.sh
#
# Needs the services of scripts/testenv (eval "$(scripts/testenv env)": it
# reads KAFKA_BOOTSTRAP) and kcat. Per run: a fresh connector and topic; t0 =
# connector created; done when the topic's end offset reaches N (polled
# every 50 ms); CPU = the worker's user+system seconds over that span.
# Prints the median (min-max) of records/s and of worker CPU per record.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init validate_pipeline

N=${BENCH_RECORDS:-400000}
RUNS=${BENCH_RUNS:-5}
TRIBUTARY=${TRIBUTARY_BIN:-$REPO_DIR/build-rel/tributary}
[ -x "$TRIBUTARY" ] || bench_die "no tributary binary at $TRIBUTARY (set TRIBUTARY_BIN)"
[ -n "${KAFKA_BOOTSTRAP:-}" ] || bench_die "KAFKA_BOOTSTRAP is not set (scripts/testenv up; eval \"\$(scripts/testenv env)\")"
command -v kcat >/dev/null || bench_die "kcat is missing"

rules='[{"rule_id":"id","rule_type":"range","column":"order_id","parameters":{"min":0}},
{"rule_id":"qty","rule_type":"range","column":"quantity","parameters":{"min":1,"max":10}},
{"rule_id":"customer","rule_type":"not_null","column":"customer_id"},
{"rule_id":"product","rule_type":"allowed_values","column":"product","parameters":{"values":["keyboard","mouse","monitor","laptop","headphones","webcam","usb-cable","desk-lamp","notebook","backpack","phone-case","charger"]}},
{"rule_id":"slug","rule_type":"regex","column":"product","parameters":{"pattern":"[a-z]+(-[a-z]+)?"},"severity":"warning"}]'
rules_json=$(python3 -c 'import json,sys; print(json.dumps(sys.argv[1].replace("\n", "")))' "$rules")

port=$(bench_free_port)
dir=$BENCH_RUN/validate_pipeline
rm -rf "$dir"; mkdir -p "$dir"
cat >"$dir/worker.properties" <<EOF
bootstrap.servers=$KAFKA_BOOTSTRAP
listeners=http://127.0.0.1:$port
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false
offset.storage.file.filename=$dir/offsets
EOF
bench_spawn "$dir/worker.log" "$TRIBUTARY" standalone "$dir/worker.properties"
pid=$BENCH_SPAWNED_PID
bench_wait_http "http://127.0.0.1:$port/" "$(bench_now_ms)" 30 "$pid" >/dev/null

rates_plain=() rates_validate=() cpu_plain=() cpu_validate=()
for ((run = 1; run <= RUNS; run++)); do
    for mode in plain validate; do
        name=bench-validate-$mode-$run-$$
        extra=
        [ "$mode" = validate ] &&
            extra=",\"transforms\":\"v\",\"transforms.v.type\":\"Validate\",\"transforms.v.rules\":$rules_json"
        c0=$(bench_cpu_s "$pid"); t0=$(bench_now_ms)
        bench_http POST "http://127.0.0.1:$port/connectors" \
            "{\"name\":\"$name\",\"config\":{\"connector.class\":\"DataGen\",\"topic\":\"$name\",\"count\":\"$N\"$extra}}" >/dev/null
        while :; do
            end=$(kcat -b "$KAFKA_BOOTSTRAP" -Q -t "$name:0:-1" 2>/dev/null | awk '{print $NF}' || true)
            [[ "${end:-}" =~ ^[0-9]+$ ]] && [ "$end" -ge "$N" ] && break
            sleep 0.05
        done
        t1=$(bench_now_ms); c1=$(bench_cpu_s "$pid")
        bench_http DELETE "http://127.0.0.1:$port/connectors/$name" >/dev/null
        rate=$(awk -v n="$N" -v ms="$((t1 - t0))" 'BEGIN { printf "%.0f", n / (ms / 1000) }')
        cpu=$(awk -v n="$N" -v a="$c0" -v b="$c1" 'BEGIN { printf "%.0f", (b - a) / n * 1e9 }')
        bench_log "$mode run $run: $rate records/s, $cpu ns CPU/record"
        if [ "$mode" = plain ]; then rates_plain+=("$rate"); cpu_plain+=("$cpu")
        else rates_validate+=("$rate"); cpu_validate+=("$cpu"); fi
        sleep 1
    done
done
printf 'DataGen orders -> JsonConverter -> Kafka, 1 task, %s records, %s runs: median (min-max)\n' "$N" "$RUNS"
printf '  without Validate: %s records/s, %s ns worker CPU/record\n' \
    "$(bench_msm "$(bench_stats "${rates_plain[@]}")")" "$(bench_msm "$(bench_stats "${cpu_plain[@]}")")"
printf '  with Validate (5 rules): %s records/s, %s ns worker CPU/record\n' \
    "$(bench_msm "$(bench_stats "${rates_validate[@]}")")" "$(bench_msm "$(bench_stats "${cpu_validate[@]}")")"
