#!/usr/bin/env bash
# bench/ingest.sh: HTTP and WebSocket ingest (HttpIngest) on one worker,
# against the limit: librdkafka produce of the very same bytes with the same
# producer settings (bench/tools/raw_produce, acks=all, idempotent).
#
# Records: BENCH_RECORDS (default 200,000) JSON objects of ~110 bytes
# (bench/tools/ingest_load.py: n, user, email, status, amount), schemaless,
# JsonConverter without envelopes; every topic has BENCH_PARTITIONS (2).
# Per run (BENCH_RUNS, after BENCH_WARMUP unrecorded rounds), one fresh
# standalone Tributary worker (Release), a fresh topic and connector per
# system (each connector gets one priming record before the clock starts:
# its producer is created by its first request, which a long-running
# endpoint pays once; topics hold that record too):
#   http      POST /ingest/{c}, JSON arrays of 100 records, 8 keep-alive
#             connections, each sending its next batch when the previous one
#             was answered (every answer comes after Kafka acknowledged)
#   ws        the same records as WebSocket messages of 100, one connection,
#             16 messages in flight, one acknowledgement per message
#   validate  http with a Validate transform of 5 rules (range, not_null,
#             email, allowed_values, range) that every record passes
#   http32    http with 32 connections (more records waiting for Kafka at
#             once: how far concurrency alone lifts the closed loop)
#   limit     raw_produce of the bytes the http run wrote (read back from its
#             topic), -X enable.idempotence=true, acks=all: the producer
#             settings of the ingest publisher
#   rate      a fixed offered rate (BENCH_RATE, default 10,000 records/s) in
#             batches of 100 for BENCH_SECONDS (10), open loop: p50/p99 from
#             sending a request to its answer, and p99 from its scheduled time;
#             once with the defaults and once with
#             producer.override.linger.ms=0 (librdkafka's default linger
#             is 5 ms, which every acknowledgement waits for)
# A run counts when every record was acknowledged and the topic holds
# exactly that many. records/s = acknowledged records ÷ the load tool's wall
# time (first send to last answer); worker CPU = the worker's user+system
# seconds per million records over the load. The load tool is Python on the
# same 2 cores: its own CPU is reported too.
#
# Peers that do the same job (HTTP -> Kafka), tried from package registries:
# Strimzi Kafka Bridge (io.strimzi:kafka-bridge is not on Maven Central),
# Confluent's Kafka REST Proxy (only in Confluent's own repository, which
# this machine cannot reach; io.confluent:kafka-rest is not on Maven
# Central), Redpanda Connect (its module is not under an open-source
# licence; the open core github.com/redpanda-data/benthos has no Kafka
# output). The table says so.
#
# Writes $BENCH_OUT/ingest.md and ingest.tsv.
# Env: BENCH_RUNS, BENCH_WARMUP, BENCH_RECORDS, BENCH_PARTITIONS, BENCH_RATE,
#      BENCH_SECONDS, TRIBUTARY_BIN.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init ingest
bench_env

N=${BENCH_RECORDS:-200000}
P=${BENCH_PARTITIONS:-2}
RATE=${BENCH_RATE:-10000}
SECS=${BENCH_SECONDS:-10}
RAW=$BENCH_OUT/ingest.tsv
MD=$BENCH_OUT/ingest.md
: >"$RAW"
TRIBUTARY=$(bench_tributary_bin) || bench_die "no tributary binary"
STAMP=$(date +%s)
LOAD=$REPO_DIR/bench/tools/ingest_load.py
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

RULES='[{"rule_id":"n_range","rule_type":"range","column":"n","parameters":{"min":-1}},
{"rule_id":"user_present","rule_type":"not_null","column":"user"},
{"rule_id":"email_format","rule_type":"email","column":"email"},
{"rule_id":"status_known","rule_type":"allowed_values","column":"status","parameters":{"values":["new","paid","shipped"]}},
{"rule_id":"amount_range","rule_type":"range","column":"amount","parameters":{"min":0,"max":1000}}]'
RULES_JSON=$(python3 -c 'import json,sys; print(json.dumps(sys.argv[1].replace("\n", "")))' "$RULES")

TOPICS=()
bench_on_exit() { local t; for t in "${TOPICS[@]}"; do "$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" delete-topic "$t" 2>/dev/null || true; done; }
new_topic() { "$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" create-topic "$1" "$P" >/dev/null && TOPICS+=("$1"); }
drop_topic() { "$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" delete-topic "$1" >/dev/null 2>&1 || true; }

# connector BASE NAME TOPIC [validate]: an HttpIngest connector, RUNNING
connector() {
    local extra=""
    [ "${4:-}" = validate ] && extra=",\"transforms\":\"v\",\"transforms.v.type\":\"Validate\",\"transforms.v.rules\":$RULES_JSON"
    [ "${4:-}" = linger0 ] && extra=",\"producer.override.linger.ms\":\"0\""
    bench_http PUT "$1/connectors/$2/config" "{\"connector.class\":\"HttpIngest\",\"topic\":\"$3\",
        \"key.converter\":\"org.apache.kafka.connect.storage.StringConverter\",
        \"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\",\"value.converter.schemas.enable\":\"false\",
        \"max.inflight.records\":\"100000\"$extra}" >/dev/null || return 1
    local i st
    for i in $(seq 100); do
        st=$(curl -s --max-time 5 "$1/connectors/$2/status" | jq -r '.connector.state' 2>/dev/null || true)
        [ "$st" = RUNNING ] && break
        sleep 0.1
    done
    [ "$st" = RUNNING ] || { bench_log "connector $2 not RUNNING: $st"; return 1; }
    # one record before the clock starts: the connector's producer is
    # created by its first request, which a long-running endpoint pays once
    bench_http POST "$1/ingest/$2" '{"n":-1,"user":"prime","email":"prime@example.com","status":"new","amount":0}' |
        grep -q '"offset"' || { bench_log "priming $2 failed"; return 1; }
}

# ingest_run RUN: every system once; appends to $RAW
ingest_run() {
    local run=$1 port base pid name sys topic out cpu0 cpu1 got rc=0
    port=$(bench_free_port); base=http://127.0.0.1:$port
    name=ingest-$STAMP-$run
    bench_tributary_start standalone "$name" "$port"
    pid=$BENCH_SPAWNED_PID
    bench_wait_http "$base/" "$(bench_now_ms)" 60 "$pid" >/dev/null || { tail -n 20 "$BENCH_SPAWNED_LOG" >&2; bench_stop "$pid"; return 1; }
    local http_topic=""
    for sys in http ws validate http32; do
        topic=bench-$name-$sys; new_topic "$topic"
        connector "$base" "$sys" "$topic" "$([ "$sys" = validate ] && echo validate)" || { rc=1; continue; }
        cpu0=$(bench_cpu_s "$pid")
        if [ "$sys" = ws ]; then
            out=$(python3 "$LOAD" ws 127.0.0.1 "$port" "/ingest/$sys" "$N" 100 16) || { rc=1; continue; }
        else
            out=$(python3 "$LOAD" http "$base/ingest/$sys" "$N" 100 "$([ "$sys" = http32 ] && echo 32 || echo 8)") || { rc=1; continue; }
        fi
        cpu1=$(bench_cpu_s "$pid")
        got=$("$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" count "$topic")
        local acked rate p50 p99 ccpu cpu_m
        acked=$(jq -r .acked <<<"$out"); rate=$(jq -r .records_per_s <<<"$out")
        p50=$(jq -r .p50_ms <<<"$out"); p99=$(jq -r .p99_ms <<<"$out"); ccpu=$(jq -r .client_cpu_s <<<"$out")
        cpu_m=$(awk -v a="$cpu0" -v b="$cpu1" -v n="$N" 'BEGIN { printf "%.2f", (b - a) * 1e6 / n }')
        if [ "$acked" = "$N" ] && [ "$got" = "$((N + 1))" ]; then
            bench_log "$sys run $run: $rate rec/s, per request p50 $p50 ms p99 $p99 ms, worker CPU $cpu_m s/M, client CPU $ccpu s"
            bench_raw_append "$RAW" "$sys" "$run" "$rate" "$cpu_m" "$p50" "$p99" "$ccpu" ok
            [ "$sys" = http ] && http_topic=$topic
        else
            bench_log "$sys run $run: INVALID: $acked acknowledged, topic holds $got, want $N + 1 priming record ($out)"
            bench_raw_append "$RAW" "$sys" "$run" "" "" "" "" "" "invalid:$acked/$got"
            rc=1
        fi
        curl -s -X DELETE "$base/connectors/$sys" >/dev/null || true
    done
    # the limit: the bytes the http run wrote, produced again by librdkafka
    if [ -n "$http_topic" ] && "$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" dump "$http_topic" "$N" "$BENCH_RUN/ingest.dump" >/dev/null; then
        topic=bench-$name-limit; new_topic "$topic"
        local n bytes secs lrate
        if read -r n bytes secs lrate < <("$TOOLS/raw_produce" --bootstrap "$KAFKA_BOOTSTRAP" --topic "$topic" --partitions "$P" \
                --file "$BENCH_RUN/ingest.dump" -X enable.idempotence=true) &&
           [ "$("$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" count "$topic")" = "$N" ]; then
            bench_log "limit run $run: $lrate rec/s ($bytes bytes in $secs s)"
            bench_raw_append "$RAW" limit "$run" "$lrate" "" "" "" "" ok
        else
            bench_log "limit run $run failed"; rc=1
        fi
        drop_topic "$topic"
    fi
    # latency at a fixed offered rate, with librdkafka's default linger and without
    local rv
    for rv in rate rate0; do
        topic=bench-$name-$rv; new_topic "$topic"
        if connector "$base" "$rv" "$topic" "$([ "$rv" = rate0 ] && echo linger0)" &&
           out=$(python3 "$LOAD" rate "$base/ingest/$rv" "$RATE" "$SECS" 100); then
            local want=$((RATE * SECS)) acked p50 p99 p99s late
            acked=$(jq -r .acked <<<"$out"); p50=$(jq -r .p50_ms <<<"$out"); p99=$(jq -r .p99_ms <<<"$out")
            p99s=$(jq -r .p99_sched_ms <<<"$out"); late=$(jq -r .late <<<"$out")
            got=$("$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" count "$topic")
            if [ "$acked" = "$want" ] && [ "$got" = "$((want + 1))" ]; then
                bench_log "$rv run $run: p50 $p50 ms, p99 $p99 ms (from schedule $p99s ms), $late late sends"
                bench_raw_append "$RAW" "$rv" "$run" "$RATE" "" "$p50" "$p99" "$p99s" ok "$late"
            else
                bench_log "$rv run $run: INVALID: $acked acknowledged, topic holds $got, want $want + 1 priming record ($out)"; rc=1
            fi
        else
            rc=1
        fi
        drop_topic "$topic"
    done
    for t in "$http_topic" bench-$name-ws bench-$name-validate bench-$name-http32; do [ -n "$t" ] && drop_topic "$t"; done
    bench_stop "$pid" 30
    return $rc
}

MEASURED_RAW=$RAW
RAW=/dev/null
for w in $(seq "$BENCH_WARMUP"); do ingest_run "warm-up$w" || bench_log "warm-up $w had a failure"; done
RAW=$MEASURED_RAW
for run in $(seq "$BENCH_RUNS"); do ingest_run "$run" || bench_log "run $run had a failure"; done

# ---- table
col() { bench_raw_col "$RAW" "$1" "$2"; }
cell() { local v; mapfile -t v < <(col "$1" "$2"); [ ${#v[@]} -gt 0 ] && bench_msm "$(bench_stats "${v[@]}")" "${3:-0}" || echo "n/a"; }
med() { local v; mapfile -t v < <(col "$1" "$2"); [ ${#v[@]} -gt 0 ] && bench_median "${v[@]}"; return 0; }
valid() { awk -F'\t' -v k="$1" '$1 == k && $8 == "ok"' "$RAW" | wc -l; }
# pair_cost: per run, 1 - validate/http (records/s) and validate/http - 1 (CPU), as "median min max" in %
pair() { # pair COLUMN EXPR(a=http,b=validate)
    local v
    mapfile -t v < <(awk -F'\t' -v c="$1" '$8 == "ok" && $1 == "http" { h[$2] = $c } $8 == "ok" && $1 == "validate" { x[$2] = $c }
        END { for (r in h) if (r in x && h[r] > 0) print '"$2"' }' "$RAW")
    [ ${#v[@]} -gt 0 ] && bench_msm "$(bench_stats "${v[@]}")" 1 || echo "n/a"
}
{
    echo "$N JSON records (~110 bytes: n, user, email, status, amount; schemaless, JsonConverter without envelope) per system and run, topics of $P partitions, one standalone Tributary worker (Release) on 127.0.0.1. Median (min–max) of $BENCH_RUNS runs after $BENCH_WARMUP unrecorded warm-up round(s); each run starts a fresh worker. records/s = records acknowledged ÷ the load tool's wall time from the first send to the last answer; every answer came after Kafka acknowledged its records (acks=all, idempotent producer), and a run counts only if all $N were acknowledged and the topic holds exactly $N (plus one priming record sent before the clock starts, since a connector's producer is created by its first request). Worker CPU = the worker's user+system seconds per million records over the load. The load tool (bench/tools/ingest_load.py, Python, bodies built before the clock starts) shares the 2 cores with the worker, the broker and the registry; its CPU seconds are shown. Load average (1, 5, 15 min): $LOAD0 at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end (a shared machine; the run itself at nice -20)."
    echo
    bench_row "system" "records/s" "vs limit" "worker CPU s / M records" "p50 / p99 per request (ms)" "load tool CPU s" "valid runs"
    bench_row "---" "---:" "---:" "---:" "---:" "---:" "---:"
    for sys in http ws validate http32 limit; do
        case $sys in
            http) l="Tributary HttpIngest, HTTP POST, JSON arrays of 100, 8 connections" ;;
            ws) l="Tributary HttpIngest, WebSocket, messages of 100, 16 in flight" ;;
            validate) l="Tributary HttpIngest, HTTP as above + Validate (5 rules)" ;;
            http32) l="Tributary HttpIngest, HTTP POST, JSON arrays of 100, 32 connections" ;;
            limit) l="limit: librdkafka produce of the same bytes (raw_produce, acks=all, idempotent)" ;;
        esac
        if [ "$(valid "$sys")" -gt 0 ]; then
            if [ "$sys" = limit ]; then
                bench_row "$l" "$(cell limit 3)" "1.00×" "—" "—" "—" "$(valid limit)/$BENCH_RUNS"
            else
                bench_row "$l" "$(cell "$sys" 3)" "$(bench_ratio "$(med "$sys" 3)" "$(med limit 3)")" "$(cell "$sys" 4 2)" \
                    "$(bench_fmt "$(med "$sys" 5)" 1) / $(bench_fmt "$(med "$sys" 6)" 1)" "$(cell "$sys" 7 1)" "$(valid "$sys")/$BENCH_RUNS"
            fi
        else
            bench_row "$l" "no valid run" "" "" "" "" "0/$BENCH_RUNS"
        fi
    done
    bench_row "Strimzi Kafka Bridge" "not measured: io.strimzi:kafka-bridge is not on Maven Central (its directory there answers 404; io.strimzi:api is there)" "" "" "" "" "—"
    bench_row "Confluent Kafka REST Proxy" "not measured: io.confluent:kafka-rest is only in Confluent's own repository, which this machine cannot reach" "" "" "" "" "—"
    bench_row "Redpanda Connect http_server → kafka" "not measured: github.com/redpanda-data/connect/v4 is not under an open-source licence (not usable here); the open core (redpanda-data/benthos) has no Kafka output" "" "" "" "" "—"
    echo
    echo "Validate with 5 rules, per run against the http run of the same worker: throughput cost $(pair 3 '(h[r] - x[r]) * 100 / h[r]') % (1 − validate ÷ http records/s), worker CPU per record $(pair 4 '(x[r] - h[r]) * 100 / h[r]') % more (median (min–max) of the runs). Targets: HTTP batches of 100 at least 0.5× the limit; Validate under 10%."
    echo
    echo "**Latency at a fixed offered rate: $RATE records/s as batches of 100 for $SECS s (open loop, 32 keep-alive connections)**"
    echo
    bench_row "system" "p50 (ms)" "p99 (ms)" "p99 from scheduled send (ms)" "requests sent > 5 ms late" "valid runs"
    bench_row "---" "---:" "---:" "---:" "---:" "---:"
    for rv in rate rate0; do
        l="Tributary HttpIngest, HTTP, defaults (librdkafka linger.ms 5)"
        [ "$rv" = rate0 ] && l="Tributary HttpIngest, HTTP, producer.override.linger.ms=0"
        if [ "$(valid "$rv")" -gt 0 ]; then
            bench_row "$l" "$(cell "$rv" 5 1)" "$(cell "$rv" 6 1)" "$(cell "$rv" 7 1)" "$(cell "$rv" 9)" "$(valid "$rv")/$BENCH_RUNS"
        else
            bench_row "$l" "no valid run" "" "" "" "0/$BENCH_RUNS"
        fi
    done
    echo
    echo "Latency is from writing the request to reading the whole answer (after Kafka's acknowledgement of all 100 records); the third column counts from the time the request was due, so it includes the load tool's own delays. Target: p99 under 20 ms at 10,000 records/s."
} >"$MD"
cat "$MD"
