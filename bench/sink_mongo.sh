#!/usr/bin/env bash
# bench/sink_mongo.sh: Kafka -> MongoDB sink throughput.
#
# Data: BENCH_RECORDS (default 1,000,000) Avro "orders" records of 10 fields
# (bench/tools/gen_orders, the same as bench/sink_pg.sh), produced once into
# a topic of BENCH_PARTITIONS (default 2) partitions; every sink reads it
# with tasks.max=BENCH_TASKS (default 2) and an Avro converter in Confluent
# framing against the same registry.
#
# Server: BENCH_MONGO_URL, default the testenv's SecantusDB (MONGO_CS_URL);
# FerretDB (MONGO_URL) cannot take the Decimal128 "total" field.
# Every system writes the same documents (a fresh ObjectId each, InsertOne:
# document.id.strategy=BsonOidStrategy, writemodel.strategy=
# InsertOneDefaultStrategy) into an empty collection. A sink is done when
# its consumer group (connect-<connector>, Tributary's as Connect's) has
# committed every partition up to the topic's end (bench/tools/ktool
# wait-group, every 100 ms): both workers commit a partition's offset only
# after put() has written its records (both sinks write synchronously in
# put), and both commit every BENCH_MONGO_COMMIT_MS (default 500 ms,
# offset.flush.interval.ms; the other scenarios use 10 s). The server is
# never asked while a sink loads: on SecantusDB (one Python process) a
# count_documents at 100k documents costs ~1.8 CPU s, which the first
# version of this script paid every second (bench/results/
# manual-mongo-harness.md). Afterwards the documents are counted once:
# count and count(distinct order_id) must both equal BENCH_RECORDS.
#   records/s = records / (done - connector created); CPU s per million
#   records: the worker's utime+stime over the run, and the MongoDB
#   server's (SecantusDB: its Python process) over the same interval.
# Systems:
#   tributary   Tributary standalone, MongoSink, defaults otherwise
#   connect     Kafka Connect 3.9.2 + the official MongoDB connector
#               (org.mongodb.kafka:mongo-kafka-connect:2.0.1:all from Maven
#               Central; the table says so when it does not resolve)
#   limit       bench/tools/mongo_bulk: the same documents from the CSV,
#               ordered bulk inserts of 1000, one client, no Kafka
# and, only when named in BENCH_MONGO_SYSTEMS (what the bulk size does):
#   tributary-batch1000  Tributary with consumer.override.max.poll.records=1000
#                        (bulks of up to 1000, as the limit's; default 500)
#   limit-batch500       mongo_bulk with bulks of 500
# Writes $BENCH_OUT/sink_mongo.md and sink_mongo.tsv.
# Env: BENCH_RUNS, BENCH_RECORDS, BENCH_PARTITIONS, BENCH_TASKS,
#      BENCH_MONGO_SYSTEMS (default "tributary connect limit"),
#      BENCH_SINK_TIMEOUT (default 3600 s: SecantusDB is slow),
#      BENCH_MONGO_COMMIT_MS (default 500).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init sink_mongo
bench_env

N=${BENCH_RECORDS:-1000000}
P=${BENCH_PARTITIONS:-2}
TASKS=${BENCH_TASKS:-2}
SYSTEMS=${BENCH_MONGO_SYSTEMS:-tributary connect limit}
TIMEOUT=${BENCH_SINK_TIMEOUT:-3600}
COMMIT_MS=${BENCH_MONGO_COMMIT_MS:-500}
MURL=${BENCH_MONGO_URL:-$MONGO_CS_URL}
MPY=$TRIB_MONGO_PYTHON
MONGO_PID=$(cat "$TRIB_RUN_DIR/mongocs/mongocs.pid" 2>/dev/null || true)
[ -z "${BENCH_MONGO_URL:-}" ] || MONGO_PID=${BENCH_MONGO_PID:-}
RAW=$BENCH_OUT/sink_mongo.tsv
MD=$BENCH_OUT/sink_mongo.md
: >"$RAW"
TRIBUTARY=$(bench_tributary_bin) || TRIBUTARY=
STAMP=$(date +%s)
TOPIC=bench-mongo-orders-$STAMP
CSV=$BENCH_RUN/mongo-orders-$N.csv
DB=bench_$STAMP
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

# The official connector's uber jar, into a plugin directory of its own.
MONGO_KAFKA_VERSION=2.0.1
MK_DIR=${TRIB_BENCH_CACHE:-${TRIB_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tributary}/bench}/mongo-kafka-$MONGO_KAFKA_VERSION
if [[ " $SYSTEMS " == *" connect "* ]] && ! ls "$MK_DIR"/mongo-kafka-connect-*-all.jar >/dev/null 2>&1; then
    mkdir -p "$MK_DIR"
    mvn -B -C -q org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy \
        -Dartifact="org.mongodb.kafka:mongo-kafka-connect:$MONGO_KAFKA_VERSION:jar:all" \
        -DoutputDirectory="$MK_DIR" >"$BENCH_RUN/fetch-mongo-kafka.log" 2>&1 ||
        bench_log "the official MongoDB connector did not resolve from Maven Central (log: $BENCH_RUN/fetch-mongo-kafka.log)"
fi
MK_OK=0
ls "$MK_DIR"/mongo-kafka-connect-*-all.jar >/dev/null 2>&1 && MK_OK=1

bench_log "producing $N records into $TOPIC ($P partitions)"
"$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" create-topic "$TOPIC" "$P"
"$TOOLS/gen_orders" --bootstrap "$KAFKA_BOOTSTRAP" --registry "$SCHEMA_REGISTRY_URL" --topic "$TOPIC" \
    --count "$N" --partitions "$P" --csv "$CSV"
[ "$("$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" count "$TOPIC")" = "$N" ] || bench_die "topic $TOPIC does not hold $N records"
bench_on_exit() {
    "$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" delete-topic "$TOPIC" 2>/dev/null || true
    "$MPY" -c 'import sys, pymongo; pymongo.MongoClient(sys.argv[1]).drop_database(sys.argv[2])' "$MURL" "$DB" 2>/dev/null || true
}

mpy() { "$MPY" -c "import sys, pymongo; c = pymongo.MongoClient(sys.argv[1], serverSelectionTimeoutMS=5000)[sys.argv[2]]; $1" "$MURL" "$DB" "${@:2}"; }
mcount() { mpy 'print(c[sys.argv[3]].count_documents({}))' "$1" 2>/dev/null || echo 0; }
mdrop() { mpy 'c[sys.argv[3]].drop()' "$1" >/dev/null 2>&1 || true; }
server_cpu() { if [ -n "$MONGO_PID" ]; then bench_cpu_s "$MONGO_PID"; else echo 0; fi; }

# wait_sink CONNECTOR PID: until the connector's consumer group has committed
# the whole topic; prints the wall-clock time (epoch ms) it was seen. Asks
# Kafka only (ktool wait-group, in slices of 2 s so that a dead worker or the
# timeout is noticed).
wait_sink() {
    local group=connect-$1 pid=$2 deadline out rc
    deadline=$(($(bench_now_ms) + TIMEOUT * 1000))
    while :; do
        rc=0
        out=$("$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" wait-group "$group" "$TOPIC" 2) || rc=$?
        if [ "$rc" = 0 ]; then echo "${out#* }"; return 0; fi
        [ "$rc" = 3 ] || { bench_log "ktool wait-group $group failed (exit $rc)"; return 1; }
        [ -z "$pid" ] || bench_alive "$pid" || { bench_log "worker $pid died"; return 1; }
        [ "$(bench_now_ms)" -lt "$deadline" ] || { bench_log "$group: committed ${out% *} of $N records after ${TIMEOUT}s"; return 1; }
    done
}

# record RUN SYSTEM COLL ELAPSED_MS CPU_S SERVER_CPU_S
record() {
    local run=$1 sys=$2 c=$3 ms=$4 cpu=$5 scpu=$6 cnt distinct
    cnt=$(mcount "$c")
    distinct=$(mpy 'print(len(c[sys.argv[3]].distinct("order_id")))' "$c" 2>/dev/null || echo 0)
    if [ "$cnt" != "$N" ] || [ "$distinct" != "$N" ]; then
        bench_log "$sys run $run: INVALID: $cnt documents, $distinct distinct order_id (want $N)"
        bench_raw_append "$RAW" "$sys" "$run" "" "" "" "invalid:$cnt/$distinct"
        return 1
    fi
    local rate cpu_m s_m
    rate=$(awk -v n="$N" -v ms="$ms" 'BEGIN { printf "%.0f", n / (ms / 1000) }')
    cpu_m=$(awk -v c="$cpu" -v n="$N" 'BEGIN { printf "%.2f", c * 1e6 / n }')
    s_m=$(awk -v c="$scpu" -v n="$N" 'BEGIN { printf "%.2f", c * 1e6 / n }')
    bench_log "$sys run $run: $rate rec/s, worker CPU ${cpu_m} s/M, server CPU ${s_m} s/M"
    bench_raw_append "$RAW" "$sys" "$run" "$rate" "$cpu_m" "$s_m" "ok"
}

sink_run() {
    local sys=$1 run=$2 c=orders_${1}_$2 port base name cfg pid cpu0 s0 t0 t1
    mdrop "$c"
    if [ "$sys" = limit ] || [ "$sys" = limit-batch500 ]; then
        s0=$(server_cpu)
        local c0 ms
        c0=$(awk '{print $14 + $15 + $16 + $17}' /proc/$$/stat)
        ms=$("$TOOLS/mongo_bulk" --uri "$MURL" --db "$DB" --coll "$c" --csv "$CSV" --batch "$([ "$sys" = limit ] && echo 1000 || echo 500)")
        local c1; c1=$(awk '{print $14 + $15 + $16 + $17}' /proc/$$/stat)
        record "$run" "$sys" "$c" "$ms" \
            "$(awk -v a="$c0" -v b="$c1" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.3f", (b - a) / hz }')" \
            "$(awk -v a="$s0" -v b="$(server_cpu)" 'BEGIN { print b - a }')" || true
        mdrop "$c"
        return
    fi
    port=$(bench_free_port); base=http://127.0.0.1:$port
    name=msink-$sys-$STAMP-$run
    local common="\"tasks.max\":\"$TASKS\",\"topics\":\"$TOPIC\",\"connection.uri\":\"$MURL\",\"database\":\"$DB\",
        \"collection\":\"$c\",\"document.id.strategy\":\"com.mongodb.kafka.connect.sink.processor.id.strategy.BsonOidStrategy\",
        \"writemodel.strategy\":\"com.mongodb.kafka.connect.sink.writemodel.strategy.InsertOneDefaultStrategy\",
        \"key.converter\":\"org.apache.kafka.connect.storage.StringConverter\""
    case $sys in
        tributary|tributary-batch1000)
            [ -n "$TRIBUTARY" ] || return 1
            bench_tributary_start standalone "$name" "$port" "offset.flush.interval.ms=$COMMIT_MS"
            local more=""
            [ "$sys" = tributary-batch1000 ] && more='"consumer.override.max.poll.records":"1000",'
            cfg="{\"connector.class\":\"com.mongodb.kafka.connect.MongoSinkConnector\",$more$common,$(bench_avro_converter_tributary)}" ;;
        connect)
            [ "$MK_OK" = 1 ] || return 1
            bench_connect_start "$name" "$port" "plugin.path=$("$BENCH_DIR/peers/fetch")/plugins,$MK_DIR" \
                "offset.flush.interval.ms=$COMMIT_MS"
            cfg="{\"connector.class\":\"com.mongodb.kafka.connect.MongoSinkConnector\",$common,$(bench_avro_converter_connect)}" ;;
        *) bench_die "unknown system $sys" ;;
    esac
    pid=$BENCH_SPAWNED_PID
    local rc=0
    if bench_wait_http "$base/" "$(bench_now_ms)" 300 "$pid" >/dev/null; then
        cpu0=$(bench_cpu_s "$pid"); s0=$(server_cpu); t0=$(bench_now_ms)
        local put
        if put=$(bench_http PUT "$base/connectors/$name/config" "$cfg") && t1=$(wait_sink "$name" "$pid"); then
            record "$run" "$sys" "$c" $((t1 - t0)) "$(awk -v a="$cpu0" -v b="$(bench_cpu_s "$pid")" 'BEGIN { print b - a }')" \
                "$(awk -v a="$s0" -v b="$(server_cpu)" 'BEGIN { print b - a }')" || rc=1
        else
            head -c 2000 <<<"$put" >&2
            curl -s "$base/connectors/$name/status" | head -c 2000 >&2 || true; echo >&2
            rc=1
        fi
    else
        tail -n 20 "$BENCH_SPAWNED_LOG" >&2; rc=1
    fi
    bench_stop "$pid" 60
    mdrop "$c"
    return $rc
}

for run in $(seq "$BENCH_RUNS"); do
    for sys in $SYSTEMS; do
        sink_run "$sys" "$run" || bench_log "$sys run $run failed"
    done
done

col() { bench_raw_col "$RAW" "$1" "$2"; }
cell() { local v; mapfile -t v < <(col "$1" "$2"); [ ${#v[@]} -gt 0 ] && bench_msm "$(bench_stats "${v[@]}")" "${3:-0}" || echo "n/a"; }
med() { local v; mapfile -t v < <(col "$1" "$2"); [ ${#v[@]} -gt 0 ] && bench_median "${v[@]}"; return 0; }
label() {
    case $1 in
        tributary) echo "Tributary MongoSink (standalone)" ;;
        connect) echo "Kafka Connect 3.9.2 + mongo-kafka-connect $MONGO_KAFKA_VERSION" ;;
        limit) echo "limit: mongo_bulk (ordered bulk inserts of 1000, one client, no Kafka)" ;;
        tributary-batch1000) echo "Tributary MongoSink, consumer.override.max.poll.records=1000" ;;
        limit-batch500) echo "mongo_bulk with bulks of 500" ;;
    esac
}
{
    echo "$N Avro records of 10 fields, $P partitions, tasks.max=$TASKS, InsertOne with fresh ObjectIds, into $( [ -z "${BENCH_MONGO_URL:-}" ] && echo "SecantusDB (testenv)" || echo "$MURL"). Median (min–max) of $BENCH_RUNS runs, the systems in turn within each run. Rate = records ÷ (end − connector created; worker start-up excluded), where a sink's end is when its consumer group has committed the whole topic (read from Kafka every 100 ms; both workers commit every $COMMIT_MS ms, offset.flush.interval.ms, and only what put() has written), so the server is not queried during the load; the documents are counted once afterwards (count and distinct order_id = $N, or the run is invalid). CPU = user+system seconds per million records: the worker's (for the limit, mongo_bulk's), and the server process's over the same interval. Load average (1, 5, 15 min): $LOAD0 at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end (a shared machine; the run itself at nice -20)."
    if [ "$N" -lt 1000000 ] && [ -z "${BENCH_MONGO_URL:-}" ]; then
        echo
        # what 1M would have taken, from this run's medians
        local_min=$(for sys in $SYSTEMS; do med "$sys" 3; done | awk -v n=1000000 -v r="$BENCH_RUNS" '$1 > 0 { t += n / $1 } END { if (t > 0) printf "%.0f", t * r / 60 }')
        echo "$N records rather than the issue's 1,000,000: SecantusDB is a Python server (one process; the limit's median here is $(bench_fmt "$(med limit 3)") documents/s), and at this run's rates 1M documents for $(wc -w <<<"$SYSTEMS") systems × $BENCH_RUNS runs would have taken ${local_min:-?} minutes of loading alone, $(awk -v m="${local_min:-0}" 'BEGIN { print (m > 25 ? "more than" : "with production, worker start-ups and the counts on top, about") }') a turn of the shared benchmark lock (~25 min); at $N the limit loads for $(awk -v n="$N" -v r="$(med limit 3)" 'BEGIN { if (r > 0) printf "%.0f", n / r; else printf "?" }') s (median), and the end is seen within $COMMIT_MS ms (the commit interval) plus 100 ms."
    fi
    echo
    bench_row "system" "records/s" "worker CPU s / M records" "server CPU s / M records" "valid runs"
    bench_row "---" "---:" "---:" "---:" "---:"
    for sys in $SYSTEMS; do
        n=$(awk -F'\t' -v k="$sys" '$1 == k && $6 == "ok"' "$RAW" | wc -l)
        if [ "$n" -eq 0 ]; then
            reason="not available: no valid run"
            [ "$sys" = connect ] && [ "$MK_OK" = 0 ] && reason="not available: mongo-kafka-connect $MONGO_KAFKA_VERSION did not resolve from Maven Central"
            bench_row "$(label "$sys")" "$reason" "" "" "0/$BENCH_RUNS"
            continue
        fi
        bench_row "$(label "$sys")" "$(cell "$sys" 3)" "$(cell "$sys" 4 2)" "$(cell "$sys" 5 2)" "$n/$BENCH_RUNS"
    done
    echo
    echo "Ratios (medians): Tributary ÷ limit $(bench_ratio "$(med tributary 3)" "$(med limit 3)") records/s; Tributary ÷ Connect $(bench_ratio "$(med tributary 3)" "$(med connect 3)")."
} >"$MD"
cat "$MD"
