#!/usr/bin/env bash
# bench/callgrind_task.sh: instructions per record on a task's thread, counted
# by callgrind, so the figure does not depend on what else the machine runs.
#
#   bench/callgrind_task.sh source|sink [worker-key=value ...]
#
# source: DataGen "orders" (10 columns) -> AvroConverter -> Kafka, tasks.max=1.
# sink:   the same records (bench/tools/gen_orders, Avro, Confluent framing, 2
#         partitions) -> PostgresSink (COPY) with tasks.max=1.
# For each size in BENCH_CG_SIZES (default "10000 50000") a fresh standalone
# worker runs under `valgrind --tool=callgrind --separate-threads=yes`; when
# all records are in the topic (source) or the table (sink) the worker gets
# SIGTERM and callgrind writes one file per thread. The task's thread is the
# file whose thread ran task_thread (worker/task.c). Printed per size: the
# task thread's instructions and the whole process's; then the marginal cost
# (difference of the two sizes ÷ difference of records), which cancels what
# a task costs once (start-up, consumer group join, shutdown) and leaves
# what every further record costs. Extra arguments go into the worker's
# properties (e.g. tributary.metrics.enable=false).
#
# Needs TRIBUTARY_BIN (a Release build: -O2 as measured) and the services of
# scripts/testenv (eval "$(scripts/testenv env)"). Prints a tab-separated
# summary line last: kind, sizes, task Ir per record (marginal), process Ir
# per record (marginal).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init callgrind_task

KIND=${1:-}; shift || true
case $KIND in source|sink) ;; *) bench_die "usage: bench/callgrind_task.sh source|sink [key=value ...]" ;; esac
[ -x "${TRIBUTARY_BIN:-}" ] || bench_die "set TRIBUTARY_BIN to a Release tributary binary"
[ -n "${KAFKA_BOOTSTRAP:-}" ] || bench_die "KAFKA_BOOTSTRAP is not set (eval \"\$(scripts/testenv env)\")"
command -v valgrind >/dev/null || bench_die "valgrind is missing"
read -r -a SIZES <<<"${BENCH_CG_SIZES:-10000 50000}"
[ ${#SIZES[@]} -eq 2 ] || bench_die "BENCH_CG_SIZES needs two record counts"
TOOLS=$("$BENCH_DIR/tools/build.sh")
PG_PORT=$(sed 's#.*:\([0-9]*\)/.*#\1#' <<<"$PG_URL")
TRIBUTARY=$TRIBUTARY_BIN
STAMP=$(date +%s)-$$

# total_ir FILE: the "totals:" (or "summary:") line of a callgrind output
total_ir() { awk '/^(totals|summary):/ { print $2; exit }' "$1"; }

# one_run N [key=value ...]: sets RUN_TASK_IR and RUN_ALL_IR
one_run() {
    local n=$1 name=cg-$KIND-$STAMP-$1 topic port base dir pid t cfg
    shift
    port=$(bench_free_port); base=http://127.0.0.1:$port
    topic=bench-$name
    t=bench_cg_$n
    "$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" create-topic "$topic" 2 >/dev/null
    if [ "$KIND" = sink ]; then
        "$TOOLS/gen_orders" --bootstrap "$KAFKA_BOOTSTRAP" --registry "$SCHEMA_REGISTRY_URL" --topic "$topic" \
            --count "$n" --partitions 2 >/dev/null
        bench_psql -c "DROP TABLE IF EXISTS $t" -c "CREATE TABLE $t (
            order_id bigint NOT NULL, customer_id integer NOT NULL, product text NOT NULL,
            quantity integer NOT NULL, unit_price double precision NOT NULL, total numeric(12,2) NOT NULL,
            paid boolean NOT NULL, created_at timestamp NOT NULL, ship_date date NOT NULL, coupon text)"
        cfg="{\"connector.class\":\"io.tributary.connect.postgres.PostgresSinkConnector\",\"tasks.max\":\"1\",\"topics\":\"$topic\",
            \"connection.url\":\"jdbc:postgresql://127.0.0.1:$PG_PORT/tributary\",\"connection.user\":\"postgres\",
            \"insert.mode\":\"insert\",\"pk.mode\":\"none\",\"table.name.format\":\"$t\",
            \"key.converter\":\"org.apache.kafka.connect.storage.StringConverter\",$(bench_avro_converter_tributary)}"
    else
        cfg="{\"connector.class\":\"io.tributary.connect.datagen.DataGenConnector\",\"tasks.max\":\"1\",\"topic\":\"$topic\",
            \"count\":\"$n\",\"value.shape\":\"orders\",\"key.converter\":\"org.apache.kafka.connect.storage.StringConverter\",
            $(bench_avro_converter_tributary)}"
    fi
    dir=$BENCH_RUN/callgrind/$name
    rm -rf "$dir"; mkdir -p "$dir"
    {
        echo "bootstrap.servers=$KAFKA_BOOTSTRAP"
        echo "listeners=http://127.0.0.1:$port"
        echo "key.converter=org.apache.kafka.connect.json.JsonConverter"
        echo "value.converter=org.apache.kafka.connect.json.JsonConverter"
        echo "offset.flush.interval.ms=10000"
        echo "offset.storage.file.filename=$dir/offsets"
        local kv; for kv in "$@"; do echo "$kv"; done
    } >"$dir/worker.properties"
    bench_spawn "$dir/worker.log" valgrind --tool=callgrind --separate-threads=yes \
        --callgrind-out-file="$dir/callgrind.out" "$TRIBUTARY" standalone "$dir/worker.properties"
    pid=$BENCH_SPAWNED_PID
    bench_wait_http "$base/" "$(bench_now_ms)" 300 "$pid" >/dev/null || { tail -n 20 "$dir/worker.log" >&2; return 1; }
    bench_http PUT "$base/connectors/$name/config" "$cfg" >/dev/null || return 1
    local deadline=$(($(bench_now_ms) + 900000)) got=0
    while :; do
        if [ "$KIND" = sink ]; then got=$(bench_psql -c "SELECT count(*) FROM $t")
        else got=$("$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" count "$topic"); fi
        [ "$got" -ge "$n" ] && break
        bench_alive "$pid" || { bench_log "worker died"; tail -n 20 "$dir/worker.log" >&2; return 1; }
        [ "$(bench_now_ms)" -lt "$deadline" ] || { bench_log "$got of $n records after 900 s"; return 1; }
        sleep 0.2
    done
    [ "$got" = "$n" ] || { bench_log "$got records, want $n"; return 1; }
    bench_stop "$pid" 180
    "$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" delete-topic "$topic" >/dev/null 2>&1 || true
    [ "$KIND" = sink ] && bench_psql -c "DROP TABLE IF EXISTS $t"
    local f task="" all=0 ir
    for f in "$dir"/callgrind.out-*; do
        ir=$(total_ir "$f"); all=$((all + ${ir:-0}))
        if grep -q 'task_thread$' "$f"; then
            [ -z "$task" ] || bench_die "two threads ran task_thread in $dir"
            task=$ir
        fi
    done
    [ -n "$task" ] || bench_die "no thread ran task_thread in $dir"
    bench_log "$KIND n=$n: task thread $task Ir, process $all Ir (files in $dir)"
    RUN_TASK_IR=$task; RUN_ALL_IR=$all
}

one_run "${SIZES[0]}" "$@" || bench_die "run of ${SIZES[0]} records failed"
t1=$RUN_TASK_IR; a1=$RUN_ALL_IR
one_run "${SIZES[1]}" "$@" || bench_die "run of ${SIZES[1]} records failed"
t2=$RUN_TASK_IR; a2=$RUN_ALL_IR
dn=$((SIZES[1] - SIZES[0]))
printf '%s\t%s\t%.0f\t%.0f\n' "$KIND" "${SIZES[*]}" "$(awk -v a="$t1" -v b="$t2" -v n="$dn" 'BEGIN { print (b - a) / n }')" \
    "$(awk -v a="$a1" -v b="$a2" -v n="$dn" 'BEGIN { print (b - a) / n }')"
