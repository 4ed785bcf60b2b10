#!/usr/bin/env bash
# bench/sink_shapes.sh: Kafka -> PostgreSQL sink on the shapes beyond the
# 10-column orders (issue 17), each against the real limit.
#
# Shapes (bench/tools/gen_shapes, BENCH_RECORDS records, default 500,000,
# BENCH_PARTITIONS partitions, default 4, tasks.max=BENCH_TASKS, default 2):
#   wide50   50 mixed-type columns, every other one nullable; Avro (Confluent
#            framing, schema through the registry); insert.
#   json20   20 columns through JsonConverter with schemas.enable=true
#            (Connect's schema/payload envelope on every record); insert.
#   skew     upsert, key "k" Zipf-like over BENCH_KEYS (10,000) keys, so keys
#            repeat within a batch; Avro; the table must end holding the last
#            value per key (checked in full against the generated rows).
#   large    a 10 KB string and a 10 KB bytes field per record; Avro; insert.
# Per shape, the generated rows are also loaded into a staging table (CSV),
# and every system's table is checked against it in full (EXCEPT ALL on
# every column), not only counted.
#
# Systems (BENCH_SHAPE_SYSTEMS, default "tributary connect-tuned limit"):
#   tributary      Tributary standalone, PostgresSink, defaults
#   connect        Kafka Connect 3.9.2 + Debezium JDBC sink 3.1.2, defaults
#   connect-tuned  the same with batch.size=5000, max.poll.records=5000 and
#                  reWriteBatchedInserts=true
#   limit          the sink limit: the same rows as BENCH_TASKS parallel
#                  COPY ... FROM STDIN (FORMAT binary) streams (bench/tools/
#                  copy_limit, one connection per stream, data produced by
#                  PostgreSQL's own COPY TO (FORMAT binary) from the staging
#                  table) into an identical table. For skew the limit table
#                  has no primary key (COPY cannot upsert): the limit is the
#                  cost of writing the same rows, the bar for the upsert.
# and, once per shape, the source limit: raw librdkafka produce
# (bench/tools/raw_produce, acks=all) of the very encoded records.
#
# Timing as bench/sink_pg.sh: t0 = connector created; the end is
# max(loaded_at) (a column the database stamps on insert and, through a
# trigger, on update); worker CPU = utime+stime of the worker process over the
# run, PostgreSQL CPU likewise (backends included). Every ratio is against
# the limit of the same shape.
# Writes $BENCH_OUT/sink_shapes.md and sink_shapes.tsv.
# Env: BENCH_RUNS, BENCH_RECORDS, BENCH_PARTITIONS, BENCH_TASKS, BENCH_KEYS,
#      BENCH_SHAPES (default "wide50 json20 skew large"), BENCH_SHAPE_SYSTEMS,
#      BENCH_SINK_TIMEOUT (900 s).
#      BENCH_SHAPES_APPEND=1 adds this run's shapes to the results already in
#      $BENCH_OUT (sink_shapes.tsv and sink_shapes.shapes: shape, records,
#      Tributary build) instead of starting over, so the four shapes can be
#      measured in several shorter commands; the table then covers every shape
#      measured so far. It refuses to mix Tributary builds, and each shape's
#      heading states its own record count.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init sink_shapes
bench_env

N=${BENCH_RECORDS:-500000}
P=${BENCH_PARTITIONS:-4}
TASKS=${BENCH_TASKS:-2}
KEYS=${BENCH_KEYS:-10000}
SHAPES=${BENCH_SHAPES:-wide50 json20 skew large}
SYSTEMS=${BENCH_SHAPE_SYSTEMS:-tributary connect-tuned limit}
TIMEOUT=${BENCH_SINK_TIMEOUT:-900}
RAW=$BENCH_OUT/sink_shapes.tsv
MD=$BENCH_OUT/sink_shapes.md
DONE=$BENCH_OUT/sink_shapes.shapes
TRIBUTARY=$(bench_tributary_bin) || TRIBUTARY=
BUILD=$(cat "$BENCH_OUT/tributary-version.txt" 2>/dev/null || echo none)
if [ "${BENCH_SHAPES_APPEND:-0}" = 1 ] && [ -s "$DONE" ]; then
    if awk -F'\t' -v b="$BUILD" '$3 != b { bad = 1 } END { exit !bad }' "$DONE"; then
        bench_die "BENCH_SHAPES_APPEND=1: $DONE holds shapes measured with another Tributary build than $BUILD"
    fi
    for shape in $SHAPES; do   # a shape measured again replaces its old rows
        awk -F'\t' -v s="$shape" '$1 != s' "$DONE" >"$DONE.tmp" && mv "$DONE.tmp" "$DONE"
        awk -F'\t' -v s="$shape/" 'index($1, s) != 1' "$RAW" >"$RAW.tmp" && mv "$RAW.tmp" "$RAW"
    done
else
    : >"$RAW"; : >"$DONE"
fi
STAMP=$(date +%s)
TOPICS=()
bench_on_exit() { local t; for t in "${TOPICS[@]}"; do "$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" delete-topic "$t" 2>/dev/null || true; done; }

# ---- per-shape data: topic, staging table, COPY BINARY streams
prepare_shape() { # prepare_shape SHAPE: sets TOPIC DDL COLS UNIQ STAGE DUMP BINS
    local shape=$1 k
    TOPIC=bench-shape-$shape-$STAMP
    DDL=$("$TOOLS/gen_shapes" --shape "$shape" --ddl)
    COLS=$("$TOOLS/gen_shapes" --shape "$shape" --columns)
    UNIQ=id; [ "$shape" = skew ] && UNIQ=seq
    STAGE=bench_stage_$shape
    DUMP=$BENCH_RUN/shape-$shape-$N.dump
    local csv=$BENCH_RUN/shape-$shape-$N.csv
    bench_log "$shape: producing $N records into $TOPIC ($P partitions)"
    "$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" create-topic "$TOPIC" "$P" && TOPICS+=("$TOPIC")
    "$TOOLS/gen_shapes" --shape "$shape" --bootstrap "$KAFKA_BOOTSTRAP" --registry "$SCHEMA_REGISTRY_URL" \
        --topic "$TOPIC" --count "$N" --partitions "$P" --keys "$KEYS" --csv "$csv" --dump "$DUMP"
    [ "$("$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" count "$TOPIC")" = "$N" ] || bench_die "topic $TOPIC does not hold $N records"
    bench_psql -c "DROP TABLE IF EXISTS $STAGE" -c "CREATE TABLE $STAGE ($DDL)" \
        -c "\\copy $STAGE ($COLS) FROM '$csv' WITH (FORMAT csv)" >/dev/null
    rm -f "$csv"
    BINS=()
    for k in $(seq 0 $((TASKS - 1))); do
        BINS+=("$BENCH_RUN/shape-$shape-$N.$k.bin")
        bench_psql -c "\\copy (SELECT $COLS FROM $STAGE WHERE $UNIQ % $TASKS = $k) TO '${BINS[$k]}' WITH (FORMAT binary)" >/dev/null
    done
}

create_table() { # create_table NAME SHAPE SYSTEM
    local pk="" trig=""
    if [ "$2" = skew ] && [ "$3" != limit ]; then
        pk=", PRIMARY KEY (k)"
        trig="CREATE TRIGGER ${1}_stamp BEFORE UPDATE ON $1 FOR EACH ROW EXECUTE FUNCTION bench_stamp_loaded_at()"
    fi
    bench_psql -c "CREATE OR REPLACE FUNCTION bench_stamp_loaded_at() RETURNS trigger LANGUAGE plpgsql AS
                   'BEGIN NEW.loaded_at := clock_timestamp(); RETURN NEW; END'" \
        -c "DROP TABLE IF EXISTS $1" \
        -c "CREATE TABLE $1 ($DDL, loaded_at timestamptz NOT NULL DEFAULT clock_timestamp()$pk)" >/dev/null
    [ -z "$trig" ] || bench_psql -c "$trig" >/dev/null
}

# expected_sql SHAPE SYSTEM: the rows the table must end up holding.
expected_sql() {
    if [ "$1" = skew ] && [ "$2" != limit ]; then
        echo "SELECT $COLS FROM (SELECT DISTINCT ON (k) * FROM $STAGE ORDER BY k, seq DESC) last_per_key"
    else
        echo "SELECT $COLS FROM $STAGE"
    fi
}

# check TABLE SHAPE SYSTEM: prints "rows differing" (0 = the table holds
# exactly the expected rows, column by column).
check() {
    local exp; exp=$(expected_sql "$2" "$3")
    bench_psql -c "SELECT (SELECT count(*) FROM (SELECT $COLS FROM $1 EXCEPT ALL $exp) a) +
                          (SELECT count(*) FROM ($exp EXCEPT ALL SELECT $COLS FROM $1) b)"
}

# wait_done TABLE SHAPE PID: until the table holds the expected rows; fails
# when the worker dies or a task of the connector $name at $base FAILED.
wait_done() {
    local t=$1 shape=$2 pid=$3 deadline want c
    want=$N; [ "$shape" = skew ] && want=$(bench_psql -c "SELECT count(DISTINCT k) FROM $STAGE")
    deadline=$(($(bench_now_ms) + TIMEOUT * 1000))
    while :; do
        c=$(bench_psql -c "SELECT coalesce(n_live_tup, 0) FROM pg_stat_user_tables WHERE relname = '$t'" 2>/dev/null || echo 0)
        if [ "${c:-0}" -ge "$want" ] || [ "$shape" = skew ]; then
            c=$(bench_psql -c "SELECT count(*) FROM $t")
            if [ "$c" -ge "$want" ] && { [ "$shape" != skew ] || [ "$(check "$t" "$shape" tributary)" = 0 ]; }; then
                return 0
            fi
        fi
        bench_alive "$pid" || { bench_log "worker $pid died"; return 1; }
        if curl -s --max-time 5 "$base/connectors/$name/status" 2>/dev/null |
           jq -e '[.tasks[]? | select(.state=="FAILED")] | length > 0' >/dev/null 2>&1; then
            bench_log "$t: a task FAILED"; return 1
        fi
        [ "$(bench_now_ms)" -lt "$deadline" ] || { bench_log "$t: ${c:-?} of $want rows after ${TIMEOUT}s"; return 1; }
        sleep 0.5
    done
}

# record SHAPE SYSTEM RUN TABLE T0_MS CPU0 PG0 CPU1 PG1: verify and append.
record() {
    local shape=$1 sys=$2 run=$3 t=$4 t0=$5 cpu0=$6 pg0=$7 cpu1=$8 pg1=$9 diff tmax rate cpu_m pg_m
    diff=$(check "$t" "$shape" "$sys")
    if [ "$diff" != 0 ]; then
        bench_log "$shape $sys run $run: INVALID: $diff rows differ from the generated data"
        bench_raw_append "$RAW" "$shape/$sys" "$run" "" "" "" "invalid:$diff"
        return 1
    fi
    tmax=$(bench_psql -c "SELECT (extract(epoch FROM max(loaded_at)) * 1000)::bigint FROM $t")
    rate=$(awk -v n="$N" -v ms="$((tmax - t0))" 'BEGIN { printf "%.0f", n / (ms / 1000) }')
    cpu_m=$(awk -v a="$cpu0" -v b="$cpu1" -v n="$N" 'BEGIN { printf "%.2f", (b - a) * 1e6 / n }')
    pg_m=$(awk -v a="$pg0" -v b="$pg1" -v n="$N" 'BEGIN { printf "%.2f", (b - a) * 1e6 / n }')
    bench_log "$shape $sys run $run: $rate rec/s, worker CPU ${cpu_m} s/M, PostgreSQL CPU ${pg_m} s/M (table verified)"
    bench_raw_append "$RAW" "$shape/$sys" "$run" "$rate" "$cpu_m" "$pg_m" "ok"
}

limit_run() { # limit_run SHAPE RUN
    local shape=$1 run=$2 t=bench_shape_${1}_limit out rows secs rate cpu pg0 pg1 t0
    create_table "$t" "$shape" limit
    pg0=$(bench_pg_cpu_s); t0=$(bench_now_ms)
    out=$("$TOOLS/copy_limit" --url "$PG_URL" --table "$t" --columns "$COLS" "${BINS[@]}") || { bench_psql -c "DROP TABLE $t"; return 1; }
    pg1=$(bench_pg_cpu_s)
    read -r rows secs rate cpu <<<"$out"
    if [ "$rows" != "$N" ] || [ "$(check "$t" "$shape" limit)" != 0 ]; then
        bench_log "$shape limit run $run: INVALID ($rows rows)"; bench_psql -c "DROP TABLE $t"; return 1
    fi
    local cpu_m pg_m
    cpu_m=$(awk -v c="$cpu" -v n="$N" 'BEGIN { printf "%.2f", c * 1e6 / n }')
    pg_m=$(awk -v a="$pg0" -v b="$pg1" -v n="$N" 'BEGIN { printf "%.2f", (b - a) * 1e6 / n }')
    bench_log "$shape limit run $run: $rate rows/s over $TASKS COPY BINARY streams, client CPU ${cpu_m} s/M, PostgreSQL CPU ${pg_m} s/M"
    bench_raw_append "$RAW" "$shape/limit" "$run" "$rate" "$cpu_m" "$pg_m" "ok"
    bench_psql -c "DROP TABLE $t" >/dev/null
}

source_limit_run() { # source_limit_run SHAPE RUN: raw produce of the encoded records
    local shape=$1 run=$2 topic=bench-shape-$1-raw-$STAMP-$2 out msgs bytes secs rate
    "$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" create-topic "$topic" "$P" && TOPICS+=("$topic")
    out=$("$TOOLS/raw_produce" --bootstrap "$KAFKA_BOOTSTRAP" --topic "$topic" --partitions "$P" --file "$DUMP" \
          -X message.max.bytes=4000000) || return 1
    read -r msgs bytes secs rate <<<"$out"
    bench_log "$shape source limit run $run: $rate msg/s ($bytes bytes in $secs s)"
    bench_raw_append "$RAW" "$shape/source-limit" "$run" "$rate" "" "" "ok"
    "$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" delete-topic "$topic" 2>/dev/null || true
}

sink_run() { # sink_run SHAPE SYSTEM RUN
    local shape=$1 sys=$2 run=$3
    [ "$sys" = limit ] && { limit_run "$shape" "$run"; return; }
    local t=bench_shape_${shape}_${sys//-/_} port base name cfg conv mode pkcfg pid cpu0 pg0 cpu1 pg1 t0
    create_table "$t" "$shape" "$sys"
    port=$(bench_free_port); base=http://127.0.0.1:$port
    name=shape-$shape-$sys-$STAMP-$run
    mode=insert; [ "$shape" = skew ] && mode=upsert
    case $sys in
        tributary)
            [ -n "$TRIBUTARY" ] || return 1
            conv=$(bench_avro_converter_tributary)
            [ "$shape" = json20 ] && conv='"value.converter":"org.apache.kafka.connect.json.JsonConverter","value.converter.schemas.enable":"true"'
            pkcfg='"pk.mode":"none"'; [ "$mode" = upsert ] && pkcfg='"pk.mode":"record_value","pk.fields":"k"'
            bench_tributary_start standalone "$name" "$port"
            cfg="{\"connector.class\":\"io.tributary.connect.postgres.PostgresSinkConnector\",\"tasks.max\":\"$TASKS\",\"topics\":\"$TOPIC\",
                \"connection.url\":\"jdbc:postgresql://127.0.0.1:$PG_PORT/tributary\",\"connection.user\":\"postgres\",
                \"insert.mode\":\"$mode\",$pkcfg,\"table.name.format\":\"$t\",
                \"key.converter\":\"org.apache.kafka.connect.storage.StringConverter\",$conv}" ;;
        connect|connect-tuned)
            conv=$(bench_avro_converter_connect)
            [ "$shape" = json20 ] && conv='"value.converter":"org.apache.kafka.connect.json.JsonConverter","value.converter.schemas.enable":"true"'
            pkcfg='"primary.key.mode":"none"'; [ "$mode" = upsert ] && pkcfg='"primary.key.mode":"record_value","primary.key.fields":"k"'
            local url="jdbc:postgresql://127.0.0.1:$PG_PORT/tributary" extra=""
            if [ "$sys" = connect-tuned ]; then
                url="$url?reWriteBatchedInserts=true"
                extra='"batch.size":"5000","consumer.override.max.poll.records":"5000",'
            fi
            bench_connect_start "$name" "$port"
            cfg="{\"connector.class\":\"io.debezium.connector.jdbc.JdbcSinkConnector\",\"tasks.max\":\"$TASKS\",\"topics\":\"$TOPIC\",
                \"connection.url\":\"$url\",\"connection.username\":\"postgres\",\"connection.password\":\"\",
                \"insert.mode\":\"$mode\",$pkcfg,$extra\"schema.evolution\":\"none\",\"table.name.format\":\"$t\",
                \"key.converter\":\"org.apache.kafka.connect.storage.StringConverter\",$conv}" ;;
        *) bench_die "unknown system $sys" ;;
    esac
    pid=$BENCH_SPAWNED_PID
    local rc=0
    if bench_wait_http "$base/" "$(bench_now_ms)" 300 "$pid" >/dev/null; then
        cpu0=$(bench_cpu_s "$pid"); pg0=$(bench_pg_cpu_s); t0=$(bench_now_ms)
        if bench_http PUT "$base/connectors/$name/config" "$cfg" >/dev/null && wait_done "$t" "$shape" "$pid"; then
            cpu1=$(bench_cpu_s "$pid"); pg1=$(bench_pg_cpu_s)
            record "$shape" "$sys" "$run" "$t" "$t0" "$cpu0" "$pg0" "$cpu1" "$pg1" || rc=1
        else
            curl -s "$base/connectors/$name/status" | head -c 2000 >&2 || true; echo >&2
            rc=1
        fi
    else
        tail -n 20 "$BENCH_SPAWNED_LOG" >&2; rc=1
    fi
    bench_stop "$pid" 60
    bench_psql -c "DROP TABLE IF EXISTS $t" >/dev/null || true
    return $rc
}

label() {
    case $1 in
        tributary) echo "Tributary PostgresSink (standalone, defaults)" ;;
        connect) echo "Kafka Connect 3.9.2 + Debezium JDBC sink 3.1.2 (defaults)" ;;
        connect-tuned) echo "Kafka Connect + Debezium JDBC sink, tuned (batch 5000, reWriteBatchedInserts)" ;;
        limit) echo "limit: $TASKS parallel COPY (FORMAT binary) streams, no Kafka" ;;
        source-limit) echo "source limit: raw librdkafka produce of the same encoded records (acks=all)" ;;
    esac
}
describe() {
    case $1 in
        wide50) echo "50 mixed-type columns, every other nullable, Avro, insert" ;;
        json20) echo "20 columns, JsonConverter schemas.enable=true (schema+payload envelope), insert" ;;
        skew) echo "upsert on k, Zipf-like over $KEYS keys (repeats within a batch), Avro; table checked against the last value per key" ;;
        large) echo "10 KB string + 10 KB bytes per record, Avro, insert" ;;
    esac
}

col() { bench_raw_col "$RAW" "$1" "$2"; }
cell() { local v; mapfile -t v < <(col "$1" "$2"); [ ${#v[@]} -gt 0 ] && bench_msm "$(bench_stats "${v[@]}")" "${3:-0}" || echo "n/a"; }
med() { local v; mapfile -t v < <(col "$1" "$2"); [ ${#v[@]} -gt 0 ] && bench_median "${v[@]}"; return 0; }

for shape in $SHAPES; do
    prepare_shape "$shape"
    MEASURED_RAW=$RAW; RAW=/dev/null
    for w in $(seq "$BENCH_WARMUP"); do
        for sys in $SYSTEMS; do sink_run "$shape" "$sys" "warm-up$w" || bench_log "$shape $sys warm-up $w failed"; done
    done
    RAW=$MEASURED_RAW
    for run in $(seq "$BENCH_RUNS"); do
        for sys in $SYSTEMS; do sink_run "$shape" "$sys" "$run" || bench_log "$shape $sys run $run failed"; done
        source_limit_run "$shape" "$run" || bench_log "$shape source limit run $run failed"
    done
    bench_psql -c "DROP TABLE IF EXISTS $STAGE" >/dev/null
    rm -f "${BINS[@]}" "$DUMP"
    printf '%s\t%s\t%s\n' "$shape" "$N" "$BUILD" >>"$DONE"
done

ALL_SHAPES=$(for s in wide50 json20 skew large; do awk -F'\t' -v s="$s" '$1 == s { print s; exit }' "$DONE"; done)
{
    echo "$P partitions, tasks.max=$TASKS. Median (min–max) of $BENCH_RUNS runs after $BENCH_WARMUP unrecorded warm-up round(s). Rate = records ÷ (last row written − connector created); CPU = user+system seconds per million records. Every table is checked in full against the generated rows."
    for shape in $ALL_SHAPES; do
        echo
        echo "**$shape**: $(describe "$shape"); $(bench_fmt "$(awk -F'\t' -v s="$shape" '$1 == s { n = $2 } END { print n }' "$DONE")") records"
        echo
        bench_row "system" "records/s" "client/worker CPU s / M" "PostgreSQL CPU s / M" "× limit" "valid runs"
        bench_row "---" "---:" "---:" "---:" "---:" "---:"
        l=$(med "$shape/limit" 3)
        for sys in $SYSTEMS source-limit; do
            n=$(awk -F'\t' -v k="$shape/$sys" '$1 == k && $6 == "ok"' "$RAW" | wc -l)
            r=$(med "$shape/$sys" 3)
            ratio=$(bench_ratio "$r" "$l"); [ "$sys" = source-limit ] && ratio="—"
            bench_row "$(label "$sys")" "$(cell "$shape/$sys" 3)" "$(cell "$shape/$sys" 4 2)" "$(cell "$shape/$sys" 5 2)" "$ratio" "$n/$BENCH_RUNS"
        done
        t=$(med "$shape/tributary" 3); ct=$(med "$shape/connect-tuned" 3); c=$(med "$shape/connect" 3)
        echo
        echo "Ratios (medians): Tributary ÷ limit $(bench_ratio "$t" "$l"); Tributary ÷ Connect tuned $(bench_ratio "$t" "$ct"); Tributary ÷ Connect defaults $(bench_ratio "$t" "$c")."
    done
} >"$MD"
cat "$MD"
