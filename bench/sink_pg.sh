#!/usr/bin/env bash
# bench/sink_pg.sh: Kafka -> PostgreSQL sink throughput.
#
# Data: BENCH_RECORDS (default 1,000,000) Avro "orders" records of 10 columns
# (bench/tools/gen_orders: Confluent framing, schema registered through the
# registry's Confluent API), produced once into a topic of BENCH_PARTITIONS
# (default 2) partitions. Every sink reads that same topic with
# tasks.max=BENCH_TASKS (default 2) and an Avro converter in Confluent framing
# against the same registry.
#
# For each run, mode (insert, upsert) and system:
#   * the target table is created beforehand with the same DDL for everyone
#     (upsert: PRIMARY KEY (order_id)), plus a column
#     loaded_at timestamptz DEFAULT clock_timestamp() that no sink writes: the
#     database stamps each row as it is inserted, so the end of the load is
#     max(loaded_at), exact and without polling the table;
#   * a fresh worker is started and ready; then the connector is created (t0);
#   * done when the table holds BENCH_RECORDS rows; verified: count(*) and
#     count(DISTINCT order_id) both equal BENCH_RECORDS;
#   * records/s = records / (max(loaded_at) - t0)  (includes task start-up and
#     the consumer group join), also "load rate" = records / (max - min loaded_at);
#   * CPU s per million records: the worker process's utime+stime over the run,
#     and the PostgreSQL server's (backends included) over the same interval.
# Systems:
#   tributary       Tributary standalone, PostgresSink (COPY), defaults
#   tributary-dist  the same connector on one Tributary distributed worker
#                   (its own group and internal topics; only when named in
#                   BENCH_SINK_SYSTEMS: the distributed vs standalone check)
#   connect         Kafka Connect 3.9.2 + Debezium JDBC sink 3.1.2, defaults
#                   (batch.size 500, max.poll.records 500)
#   connect-tuned   the same with batch.size=5000,
#                   consumer.override.max.poll.records=5000 and
#                   reWriteBatchedInserts=true on the JDBC URL
#   limit           psql \copy of the same rows as CSV into the same table
#                   (one COPY stream, no Kafka): the database's own ceiling
# Writes $BENCH_OUT/sink_pg.md and sink_pg.tsv.
# Env: BENCH_RUNS, BENCH_RECORDS, BENCH_PARTITIONS, BENCH_TASKS,
#      BENCH_SINK_SYSTEMS (default "tributary connect connect-tuned limit"),
#      BENCH_SINK_MODES (default "insert upsert"), BENCH_SINK_TIMEOUT (900 s).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init sink_pg
bench_env

N=${BENCH_RECORDS:-1000000}
P=${BENCH_PARTITIONS:-2}
TASKS=${BENCH_TASKS:-2}
SYSTEMS=${BENCH_SINK_SYSTEMS:-tributary connect connect-tuned limit}
MODES=${BENCH_SINK_MODES:-insert upsert}
TIMEOUT=${BENCH_SINK_TIMEOUT:-900}
RAW=$BENCH_OUT/sink_pg.tsv
MD=$BENCH_OUT/sink_pg.md
: >"$RAW"
TRIBUTARY=$(bench_tributary_bin) || TRIBUTARY=
STAMP=$(date +%s)
TOPIC=bench-orders-$STAMP
CSV=$BENCH_RUN/orders-$N.csv

bench_log "producing $N records into $TOPIC ($P partitions)"
"$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" create-topic "$TOPIC" "$P"
"$TOOLS/gen_orders" --bootstrap "$KAFKA_BOOTSTRAP" --registry "$SCHEMA_REGISTRY_URL" --topic "$TOPIC" \
    --count "$N" --partitions "$P" --csv "$CSV"
[ "$("$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" count "$TOPIC")" = "$N" ] || bench_die "topic $TOPIC does not hold $N records"
bench_on_exit() { "$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" delete-topic "$TOPIC" 2>/dev/null || true; }

COLS="order_id, customer_id, product, quantity, unit_price, total, paid, created_at, ship_date, coupon"
create_table() { # create_table NAME MODE
    local pk=""
    [ "$2" = upsert ] && pk=", PRIMARY KEY (order_id)"
    bench_psql -c "DROP TABLE IF EXISTS $1" -c "CREATE TABLE $1 (
        order_id bigint NOT NULL, customer_id integer NOT NULL, product text NOT NULL,
        quantity integer NOT NULL, unit_price double precision NOT NULL, total numeric(12,2) NOT NULL,
        paid boolean NOT NULL, created_at timestamp NOT NULL, ship_date date NOT NULL, coupon text,
        loaded_at timestamptz NOT NULL DEFAULT clock_timestamp()$pk)"
}

# wait_rows TABLE PID: until count(*) >= N (cheap statistics polling, an exact
# count(*) every 5 s and whenever the statistics reach N). Fails on timeout or
# if the worker dies.
wait_rows() {
    local t=$1 pid=$2 deadline ins c last_exact=0
    deadline=$(($(bench_now_ms) + TIMEOUT * 1000))
    while :; do
        ins=$(bench_psql -c "SELECT coalesce(n_tup_ins, 0) FROM pg_stat_user_tables WHERE relname = '$t'" 2>/dev/null || echo 0)
        if [ "${ins:-0}" -ge "$N" ] || [ $(($(bench_now_ms) - last_exact)) -gt 5000 ]; then
            c=$(bench_psql -c "SELECT count(*) FROM $t")
            last_exact=$(bench_now_ms)
            [ "$c" -ge "$N" ] && return 0
        fi
        [ -z "$pid" ] || bench_alive "$pid" || { bench_log "worker $pid died"; return 1; }
        [ "$(bench_now_ms)" -lt "$deadline" ] || { bench_log "$t: ${c:-?} of $N rows after ${TIMEOUT}s"; return 1; }
        sleep 0.5
    done
}

# finish RUN MODE SYSTEM TABLE T0_MS CPU0 PGCPU0 CPU1 PGCPU1: verify and record.
finish() {
    local run=$1 mode=$2 sys=$3 t=$4 t0=$5 cpu0=$6 pg0=$7 cpu1=$8 pg1=$9 row
    row=$(bench_psql -F ' ' -c "SELECT count(*), count(DISTINCT order_id),
            (extract(epoch FROM min(loaded_at)) * 1000)::bigint, (extract(epoch FROM max(loaded_at)) * 1000)::bigint FROM $t")
    local cnt distinct tmin tmax
    read -r cnt distinct tmin tmax <<<"$row"
    if [ "$cnt" != "$N" ] || [ "$distinct" != "$N" ]; then
        bench_log "$sys $mode run $run: INVALID: $cnt rows, $distinct distinct order_id (want $N)"
        bench_raw_append "$RAW" "$sys/$mode" "$run" "" "" "" "" "" "invalid:$cnt/$distinct"
        return 1
    fi
    local e2e_ms=$((tmax - t0)) load_ms=$((tmax - tmin)) first_ms=$((tmin - t0))
    local rate load_rate cpu_m pg_m
    rate=$(awk -v n="$N" -v ms="$e2e_ms" 'BEGIN { printf "%.0f", n / (ms / 1000) }')
    load_rate=$(awk -v n="$N" -v ms="$load_ms" 'BEGIN { printf "%.0f", (ms > 0) ? n / (ms / 1000) : 0 }')
    cpu_m=$(awk -v a="$cpu0" -v b="$cpu1" -v n="$N" 'BEGIN { printf "%.2f", (b - a) * 1e6 / n }')
    pg_m=$(awk -v a="$pg0" -v b="$pg1" -v n="$N" 'BEGIN { printf "%.2f", (b - a) * 1e6 / n }')
    bench_log "$sys $mode run $run: $rate rec/s end-to-end ($load_rate while loading, first row after ${first_ms} ms), worker CPU ${cpu_m} s/M, PostgreSQL CPU ${pg_m} s/M"
    bench_raw_append "$RAW" "$sys/$mode" "$run" "$rate" "$load_rate" "$cpu_m" "$pg_m" "$first_ms" "ok"
}

# sink_run SYSTEM MODE RUN
sink_run() {
    local sys=$1 mode=$2 run=$3
    local t=bench_sink_${sys//-/_}_$mode port pid base name cfg cpu0 pg0 cpu1 pg1 t0
    create_table "$t" "$mode"
    if [ "$sys" = limit ]; then
        pg0=$(bench_pg_cpu_s); t0=$(bench_now_ms)
        local c0; c0=$(awk '{print $14 + $15 + $16 + $17}' /proc/$$/stat)
        bench_psql -c "\\copy $t ($COLS) FROM '$CSV' WITH (FORMAT csv)" >/dev/null
        pg1=$(bench_pg_cpu_s)
        local c1; c1=$(awk '{print $14 + $15 + $16 + $17}' /proc/$$/stat)
        # psql is a reaped child of this shell: its CPU shows in our cutime/cstime
        finish "$run" "$mode" "$sys" "$t" "$t0" 0 "$pg0" "$(awk -v a="$c0" -v b="$c1" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.3f", (b - a) / hz }')" "$pg1"
        bench_psql -c "DROP TABLE $t"
        return
    fi
    port=$(bench_free_port); base=http://127.0.0.1:$port
    name=sink-$sys-$mode-$STAMP-$run
    local pkcfg
    case $sys in
        tributary|tributary-dist)
            [ -n "$TRIBUTARY" ] || return 1
            bench_tributary_start "$([ "$sys" = tributary ] && echo standalone || echo distributed)" "$name" "$port"
            pkcfg='"pk.mode":"none"'
            [ "$mode" = upsert ] && pkcfg='"pk.mode":"record_value","pk.fields":"order_id"'
            cfg="{\"connector.class\":\"io.tributary.connect.postgres.PostgresSinkConnector\",\"tasks.max\":\"$TASKS\",\"topics\":\"$TOPIC\",
                \"connection.url\":\"jdbc:postgresql://127.0.0.1:$PG_PORT/tributary\",\"connection.user\":\"postgres\",
                \"insert.mode\":\"$mode\",$pkcfg,\"table.name.format\":\"$t\",
                \"key.converter\":\"org.apache.kafka.connect.storage.StringConverter\",$(bench_avro_converter_tributary)}" ;;
        connect|connect-tuned)
            bench_connect_start "$name" "$port"
            pkcfg='"primary.key.mode":"none"'
            [ "$mode" = upsert ] && pkcfg='"primary.key.mode":"record_value","primary.key.fields":"order_id"'
            local url="jdbc:postgresql://127.0.0.1:$PG_PORT/tributary" extra=""
            if [ "$sys" = connect-tuned ]; then
                url="$url?reWriteBatchedInserts=true"
                extra='"batch.size":"5000","consumer.override.max.poll.records":"5000",'
            fi
            cfg="{\"connector.class\":\"io.debezium.connector.jdbc.JdbcSinkConnector\",\"tasks.max\":\"$TASKS\",\"topics\":\"$TOPIC\",
                \"connection.url\":\"$url\",\"connection.username\":\"postgres\",\"connection.password\":\"\",
                \"insert.mode\":\"$mode\",$pkcfg,$extra\"schema.evolution\":\"none\",\"table.name.format\":\"$t\",
                \"key.converter\":\"org.apache.kafka.connect.storage.StringConverter\",$(bench_avro_converter_connect)}" ;;
        *) bench_die "unknown system $sys" ;;
    esac
    pid=$BENCH_SPAWNED_PID
    local rc=0
    if bench_wait_http "$base/" "$(bench_now_ms)" 300 "$pid" >/dev/null; then
        cpu0=$(bench_cpu_s "$pid"); pg0=$(bench_pg_cpu_s); t0=$(bench_now_ms)
        if bench_http PUT "$base/connectors/$name/config" "$cfg" >/dev/null && wait_rows "$t" "$pid"; then
            cpu1=$(bench_cpu_s "$pid"); pg1=$(bench_pg_cpu_s)
            finish "$run" "$mode" "$sys" "$t" "$t0" "$cpu0" "$pg0" "$cpu1" "$pg1" || rc=1
        else
            curl -s "$base/connectors/$name/status" | head -c 2000 >&2 || true; echo >&2
            rc=1
        fi
    else
        tail -n 20 "$BENCH_SPAWNED_LOG" >&2; rc=1
    fi
    bench_stop "$pid" 60
    bench_psql -c "DROP TABLE IF EXISTS $t" || true
    return $rc
}

# Warm-up rounds: the same runs, checked the same way, recorded nowhere.
MEASURED_RAW=$RAW
RAW=/dev/null
for w in $(seq "$BENCH_WARMUP"); do
    for mode in $MODES; do
        for sys in $SYSTEMS; do
            sink_run "$sys" "$mode" "warm-up$w" || bench_log "$sys $mode warm-up $w failed"
        done
    done
done
RAW=$MEASURED_RAW
for run in $(seq "$BENCH_RUNS"); do
    for mode in $MODES; do
        for sys in $SYSTEMS; do
            sink_run "$sys" "$mode" "$run" || bench_log "$sys $mode run $run failed"
        done
    done
done

# ---- table
col() { bench_raw_col "$RAW" "$1" "$2"; }
cell() { local v; mapfile -t v < <(col "$1" "$2"); [ ${#v[@]} -gt 0 ] && bench_msm "$(bench_stats "${v[@]}")" "${3:-0}" || echo "n/a"; }
med() { local v; mapfile -t v < <(col "$1" "$2"); [ ${#v[@]} -gt 0 ] && bench_median "${v[@]}"; return 0; }  # empty when the system did not run
label() {
    case $1 in
        tributary) echo "Tributary PostgresSink (standalone, defaults)" ;;
        tributary-dist) echo "Tributary PostgresSink (one distributed worker, defaults)" ;;
        connect) echo "Kafka Connect 3.9.2 + Debezium JDBC sink 3.1.2 (defaults)" ;;
        connect-tuned) echo "Kafka Connect + Debezium JDBC sink, tuned (batch 5000, reWriteBatchedInserts)" ;;
        limit) echo "limit: psql \\copy (CSV, one stream, no Kafka)" ;;
    esac
}
{
    echo "$N records, $P partitions, tasks.max=$TASKS, Avro values (Confluent framing) through the same registry. Median (min–max) of $BENCH_RUNS runs, after $BENCH_WARMUP unrecorded warm-up round(s) of every system. Rate = records ÷ (last row inserted − connector created); load rate = records ÷ (last − first row inserted). CPU = user+system seconds per million records."
    for mode in $MODES; do
        echo
        echo "**insert.mode=$mode**$([ "$mode" = upsert ] && echo " (table has PRIMARY KEY (order_id))")"
        echo
        bench_row "system" "records/s" "load rate (records/s)" "worker CPU s / M records" "PostgreSQL CPU s / M records" "first row after (ms)" "valid runs"
        bench_row "---" "---:" "---:" "---:" "---:" "---:" "---:"
        for sys in $SYSTEMS; do
            local_runs=$(awk -F'\t' -v k="$sys/$mode" '$1 == k && $8 == "ok"' "$RAW" | wc -l)
            bad=$(awk -F'\t' -v k="$sys/$mode" '$1 == k && $8 != "ok" { print $8 }' "$RAW" | head -n 1)
            if [ "$local_runs" -eq 0 ]; then
                if [ "$sys" = tributary ] && [ -z "$TRIBUTARY" ]; then reason="not available: tributary did not build"
                else reason="not available: no valid run${bad:+ ($bad)}"; fi
                bench_row "$(label "$sys")" "$reason" "" "" "" "" "0/$BENCH_RUNS"
                continue
            fi
            if [ "$sys" = limit ]; then
                bench_row "$(label "$sys")" "$(cell "$sys/$mode" 3)" "$(cell "$sys/$mode" 4)" "$(cell "$sys/$mode" 5 2) (psql)" "$(cell "$sys/$mode" 6 2)" "—" "$local_runs/$BENCH_RUNS"
            else
                bench_row "$(label "$sys")" "$(cell "$sys/$mode" 3)" "$(cell "$sys/$mode" 4)" "$(cell "$sys/$mode" 5 2)" "$(cell "$sys/$mode" 6 2)" "$(cell "$sys/$mode" 7)" "$local_runs/$BENCH_RUNS"
            fi
        done
        t=$(med "tributary/$mode" 3); c=$(med "connect/$mode" 3); ct=$(med "connect-tuned/$mode" 3); l=$(med "limit/$mode" 3)
        tc=$(med "tributary/$mode" 5); cc=$(med "connect/$mode" 5)
        echo
        echo "Ratios (medians): Tributary ÷ Connect defaults $(bench_ratio "$t" "$c") records/s; Tributary ÷ Connect tuned $(bench_ratio "$t" "$ct"); Tributary ÷ COPY limit $(bench_ratio "$t" "$l"); Connect ÷ Tributary worker CPU per record $(bench_ratio "$cc" "$tc" 1)."
        if [[ " $SYSTEMS " == *" tributary-dist "* ]]; then
            echo
            echo "Distributed ÷ standalone (medians): $(bench_ratio "$(med "tributary-dist/$mode" 3)" "$t") records/s, $(bench_ratio "$(med "tributary-dist/$mode" 4)" "$(med "tributary/$mode" 4)") load rate, $(bench_ratio "$(med "tributary-dist/$mode" 5)" "$tc") worker CPU per record."
        fi
    done
} >"$MD"
cat "$MD"
