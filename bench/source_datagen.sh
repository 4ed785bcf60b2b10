#!/usr/bin/env bash
# bench/source_datagen.sh: source -> Kafka throughput.
#
# Scenario "datagen": BENCH_RECORDS (default 1,000,000) DataGen "orders"
#   records (10 columns) -> Kafka, values through the AvroConverter (Confluent
#   framing, registry's Confluent API), tasks.max=BENCH_TASKS (default 2), a
#   topic of BENCH_PARTITIONS (default 2).
#   * Tributary: its DataGen connector (count=N, rate unlimited).
#   * Kafka Connect: no comparable generator is on Maven Central. Confluent's
#     kafka-connect-datagen is only on Confluent Hub; the generator in
#     org.apache.kafka:connect-test-plugins (SchemaSourceConnector) prints
#     every record to stdout and returns one record per poll(), so it would
#     measure System.out, not Connect. The table says so instead of a number.
#   * limit: bench/tools/raw_produce sends the very bytes Tributary wrote (read
#     back from its topic) with librdkafka, acks=all, round-robin partitions.
# Scenario "file": the same records as CSV lines (a file of N lines) ->
#   FileStreamSource (tasks.max=1, the only value it supports) -> Kafka with
#   StringConverter, on both systems: the same connector class and config on
#   each, so this compares the source runtimes. limit: raw_produce of the
#   same lines (read back from the topic).
# Per run and system: fresh worker and topic (message.timestamp.type=
# LogAppendTime); t0 = connector created; done when the topic's end offsets
# sum to N (polled every 50 ms); records/s = N / (last record's append time
# - t0): the broker's clock, which is this machine's clock, so the end is
# exact rather than up to one poll late; CPU = the worker's user+system
# seconds from t0 to the poll that saw the end.
# Writes $BENCH_OUT/source.md and source.tsv.
# Env: BENCH_RUNS, BENCH_RECORDS, BENCH_TASKS, BENCH_PARTITIONS, BENCH_SOURCE_TIMEOUT (900),
#      BENCH_SOURCE_SCENARIOS (default "datagen file"; the table keeps both
#      parts and says "not available" for one that did not run).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init source
bench_env

N=${BENCH_RECORDS:-1000000}
P=${BENCH_PARTITIONS:-2}
TASKS=${BENCH_TASKS:-2}
TIMEOUT=${BENCH_SOURCE_TIMEOUT:-900}
RAW=$BENCH_OUT/source.tsv
MD=$BENCH_OUT/source.md
: >"$RAW"
TRIBUTARY=$(bench_tributary_bin) || TRIBUTARY=
STAMP=$(date +%s)
CSV=$BENCH_RUN/orders-$N.csv
if [ ! -s "$CSV" ] || [ "$(wc -l <"$CSV")" != "$N" ]; then
    "$TOOLS/gen_orders" --registry "$SCHEMA_REGISTRY_URL" --topic "bench-csv-$STAMP" --count "$N" --no-produce --csv "$CSV"
fi
TOPICS=()
bench_on_exit() { local t; for t in "${TOPICS[@]}"; do "$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" delete-topic "$t" 2>/dev/null || true; done; }
new_topic() { # new_topic NAME: creates it, remembers it for deletion
    # append times, so that every system's load rate comes from the broker's clock
    "$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" create-topic "$1" "$P" message.timestamp.type=LogAppendTime && TOPICS+=("$1")
}
# load_rate TOPIC: records ÷ (last − first append time), or nothing
load_rate() {
    local cnt first last
    read -r cnt first last < <("$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" span "$1") || return 0
    awk -v n="$cnt" -v ms="$((last - first))" 'BEGIN { if (ms > 0) printf "%.0f", n / (ms / 1000) }'
}
drop_topic() {
    "$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" delete-topic "$1" 2>/dev/null || true
}

# source_run SCENARIO SYSTEM RUN: one measured run; appends to $RAW. For the
# first successful run of a scenario, keeps a dump of the topic for the limit.
source_run() {
    local sc=$1 sys=$2 run=$3 port base name topic cfg pid t0 t1 cpu0 cpu1 conv
    port=$(bench_free_port); base=http://127.0.0.1:$port
    name=src-$sc-$sys-$STAMP-$run
    topic=bench-$name
    new_topic "$topic"
    if [ "$sc" = datagen ]; then
        [ "$sys" = tributary ] || bench_die "no datagen for $sys"
        cfg="{\"connector.class\":\"io.tributary.connect.datagen.DataGenConnector\",\"tasks.max\":\"$TASKS\",\"topic\":\"$topic\",
              \"count\":\"$N\",\"value.shape\":\"orders\",\"key.converter\":\"org.apache.kafka.connect.storage.StringConverter\",
              $(bench_avro_converter_tributary)}"
    else
        conv='"key.converter":"org.apache.kafka.connect.storage.StringConverter","value.converter":"org.apache.kafka.connect.storage.StringConverter"'
        cfg="{\"connector.class\":\"FileStreamSource\",\"tasks.max\":\"1\",\"file\":\"$CSV\",\"topic\":\"$topic\",$conv}"
    fi
    case $sys in
        tributary) [ -n "$TRIBUTARY" ] || return 1; bench_tributary_start standalone "$name" "$port" ;;
        connect) bench_connect_start "$name" "$port" ;;
    esac
    pid=$BENCH_SPAWNED_PID
    local rc=0
    if bench_wait_http "$base/" "$(bench_now_ms)" 300 "$pid" >/dev/null; then
        cpu0=$(bench_cpu_s "$pid"); t0=$(bench_now_ms)
        if bench_http PUT "$base/connectors/$name/config" "$cfg" >/dev/null &&
           "$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" wait-count "$topic" "$N" "$TIMEOUT" >/dev/null; then
            t1=$(bench_now_ms); cpu1=$(bench_cpu_s "$pid")
            local got rate cpu_m
            got=$("$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" count "$topic")
            local cnt first last
            if read -r cnt first last < <("$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" span "$topic") &&
               [ "$last" -ge "$t0" ] && [ "$last" -le "$t1" ]; then
                t1=$last
            else
                bench_log "$sc $sys run $run: no append time for the last record; the end is the poll's"
            fi
            rate=$(awk -v n="$N" -v ms="$((t1 - t0))" 'BEGIN { printf "%.0f", n / (ms / 1000) }')
            cpu_m=$(awk -v a="$cpu0" -v b="$cpu1" -v n="$N" 'BEGIN { printf "%.2f", (b - a) * 1e6 / n }')
            if [ "$got" = "$N" ]; then
                local lr; lr=$(load_rate "$topic")
                bench_log "$sc $sys run $run: $rate rec/s, load rate ${lr:-?} rec/s, worker CPU $cpu_m s/M"
                bench_raw_append "$RAW" "$sc/$sys" "$run" "$rate" "$cpu_m" ok "$lr"
                if [ ! -s "$BENCH_RUN/$sc-$N.dump" ]; then
                    "$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" dump "$topic" "$N" "$BENCH_RUN/$sc-$N.dump.tmp" &&
                        mv "$BENCH_RUN/$sc-$N.dump.tmp" "$BENCH_RUN/$sc-$N.dump"
                fi
            else
                bench_log "$sc $sys run $run: INVALID: topic holds $got records, want $N"
                bench_raw_append "$RAW" "$sc/$sys" "$run" "" "" "invalid:$got"
                rc=1
            fi
        else
            curl -s "$base/connectors/$name/status" | head -c 2000 >&2 || true; echo >&2
            rc=1
        fi
    else
        tail -n 20 "$BENCH_SPAWNED_LOG" >&2; rc=1
    fi
    bench_stop "$pid" 60
    drop_topic "$topic"
    return $rc
}

limit_run() { # limit_run SCENARIO RUN
    local sc=$1 run=$2 topic out
    [ -s "$BENCH_RUN/$sc-$N.dump" ] || return 1
    topic=bench-src-$sc-limit-$STAMP-$run
    new_topic "$topic"
    out=$("$TOOLS/raw_produce" --bootstrap "$KAFKA_BOOTSTRAP" --topic "$topic" --partitions "$P" --file "$BENCH_RUN/$sc-$N.dump") || { drop_topic "$topic"; return 1; }
    local n bytes secs rate
    read -r n bytes secs rate <<<"$out"
    local got lr; got=$("$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" count "$topic")
    [ "$got" = "$N" ] && lr=$(load_rate "$topic")
    drop_topic "$topic"
    [ "$got" = "$N" ] || { bench_log "limit $sc: topic holds $got, want $N"; return 1; }
    bench_log "$sc limit run $run: $rate msg/s ($bytes bytes in $secs s), load rate ${lr:-?} msg/s"
    bench_raw_append "$RAW" "$sc/limit" "$run" "$rate" "" ok "$lr"
}

# Dumps from an earlier invocation may hold other bytes: start clean.
rm -f "$BENCH_RUN/datagen-$N.dump" "$BENCH_RUN/file-$N.dump"
# Warm-up rounds (recorded nowhere); the first successful one also keeps
# the topic dumps the limit runs replay.
MEASURED_RAW=$RAW
RAW=/dev/null
SCENARIOS=" ${BENCH_SOURCE_SCENARIOS:-datagen file} "
for w in $(seq "$BENCH_WARMUP"); do
    if [[ $SCENARIOS == *" datagen "* ]]; then
        source_run datagen tributary "warm-up$w" || bench_log "datagen tributary warm-up $w failed"
        limit_run datagen "warm-up$w" || true
    fi
    if [[ $SCENARIOS == *" file "* ]]; then
        for sys in tributary connect; do
            source_run file "$sys" "warm-up$w" || bench_log "file $sys warm-up $w failed"
        done
        limit_run file "warm-up$w" || true
    fi
done
RAW=$MEASURED_RAW
for run in $(seq "$BENCH_RUNS"); do
    if [[ $SCENARIOS == *" datagen "* ]]; then
        source_run datagen tributary "$run" || bench_log "datagen tributary run $run failed"
        limit_run datagen "$run" || bench_log "datagen limit run $run: no data (Tributary's DataGen output is the input)"
    fi
    if [[ $SCENARIOS == *" file "* ]]; then
        for sys in tributary connect; do
            source_run file "$sys" "$run" || bench_log "file $sys run $run failed"
        done
        limit_run file "$run" || bench_log "file limit run $run failed"
    fi
done

# ---- table
col() { bench_raw_col "$RAW" "$1" "$2"; }
cell() { local v; mapfile -t v < <(col "$1" "$2"); [ ${#v[@]} -gt 0 ] && bench_msm "$(bench_stats "${v[@]}")" "${3:-0}" || echo "n/a"; }
med() { local v; mapfile -t v < <(col "$1" "$2"); [ ${#v[@]} -gt 0 ] && bench_median "${v[@]}"; return 0; }  # empty when the system did not run
valid() { awk -F'\t' -v k="$1" '$1 == k && $5 == "ok"' "$RAW" | wc -l; }
{
    echo "$N records per run, topic of $P partitions. Median (min–max) of $BENCH_RUNS runs, after $BENCH_WARMUP unrecorded warm-up round(s) of every system. Rate = records ÷ (the last record's append time − connector created), worker start-up excluded (the end is seen by polling the topic's end offsets every 50 ms and then read from the broker's append time of the last record, on the same clock); for the limit, raw_produce's own clock from its first produce() (after a metadata request) to the end of its flush. Load rate = records ÷ (last − first append time), read from the topic (message.timestamp.type=LogAppendTime): the same broker clock for every system, without connector start-up or polling. CPU = the worker's user+system seconds per million records."
    echo
    echo "**DataGen → Kafka, Avro \"orders\" values (10 columns), tasks.max=$TASKS**"
    echo
    bench_row "system" "records/s" "load rate (records/s)" "worker CPU s / M records" "valid runs"
    bench_row "---" "---:" "---:" "---:" "---:"
    if [ "$(valid datagen/tributary)" -gt 0 ]; then
        bench_row "Tributary DataGen + AvroConverter (standalone)" "$(cell datagen/tributary 3)" "$(cell datagen/tributary 6)" "$(cell datagen/tributary 4 2)" "$(valid datagen/tributary)/$BENCH_RUNS"
    else
        bench_row "Tributary DataGen + AvroConverter (standalone)" "not available: $([ -z "$TRIBUTARY" ] && echo "tributary did not build" || echo "no valid run")" "" "" "0/$BENCH_RUNS"
    fi
    bench_row "Kafka Connect 3.9.2" "not measured: no comparable generator on Maven Central (see below)" "" "" "—"
    if [ "$(valid datagen/limit)" -gt 0 ]; then
        bench_row "limit: librdkafka produce of the same bytes (raw_produce, acks=all)" "$(cell datagen/limit 3)" "$(cell datagen/limit 6)" "—" "$(valid datagen/limit)/$BENCH_RUNS"
    else
        bench_row "limit: librdkafka produce of the same bytes" "not available: needs Tributary's DataGen output" "" "" "0/$BENCH_RUNS"
    fi
    echo
    echo "Ratios (medians): Tributary ÷ produce limit $(bench_ratio "$(med datagen/tributary 3)" "$(med datagen/limit 3)") in records/s, $(bench_ratio "$(med datagen/tributary 6)" "$(med datagen/limit 6)") in load rate."
    echo
    echo "Kafka Connect has no row here: Confluent's kafka-connect-datagen is distributed through Confluent Hub, not Maven Central, and the only generator on Central (SchemaSourceConnector in org.apache.kafka:connect-test-plugins) prints every record to stdout and returns one record per poll(). The FileStreamSource table below compares the two runtimes on the same connector instead."
    echo
    echo "**FileStreamSource → Kafka, the same $N CSV lines, StringConverter, tasks.max=1 (both systems)**"
    echo
    bench_row "system" "records/s" "load rate (records/s)" "worker CPU s / M records" "valid runs"
    bench_row "---" "---:" "---:" "---:" "---:"
    for sys in tributary connect limit; do
        case $sys in
            tributary) l="Tributary FileStreamSource (standalone)" ;;
            connect) l="Kafka Connect 3.9.2 FileStreamSource (distributed worker)" ;;
            limit) l="limit: librdkafka produce of the same bytes (raw_produce, acks=all)" ;;
        esac
        if [ "$(valid "file/$sys")" -gt 0 ]; then
            bench_row "$l" "$(cell "file/$sys" 3)" "$(cell "file/$sys" 6)" "$([ "$sys" = limit ] && echo "—" || cell "file/$sys" 4 2)" "$(valid "file/$sys")/$BENCH_RUNS"
        else
            bench_row "$l" "not available: $([ "$sys" = tributary ] && [ -z "$TRIBUTARY" ] && echo "tributary did not build" || echo "no valid run")" "" "" "0/$BENCH_RUNS"
        fi
    done
    echo
    echo "Ratios (medians): Tributary ÷ Connect $(bench_ratio "$(med file/tributary 3)" "$(med file/connect 3)") records/s; Connect ÷ Tributary CPU per record $(bench_ratio "$(med file/connect 4)" "$(med file/tributary 4)" 1); Tributary ÷ produce limit $(bench_ratio "$(med file/tributary 3)" "$(med file/limit 3)") in records/s, $(bench_ratio "$(med file/tributary 6)" "$(med file/limit 6)") in load rate; Tributary ÷ Connect load rate $(bench_ratio "$(med file/tributary 6)" "$(med file/connect 6)")."
} >"$MD"
cat "$MD"
