#!/usr/bin/env bash
# bench/spooldir.sh: a CSV file with a declared schema -> Kafka as Avro
# (issue 18), next to the produce limit, plus the worker's memory against the
# file's size and the upload route against cp.
#
# Data: a CSV file with a header and BENCH_RECORDS rows (default 1,000,000) of
# 10 typed columns (int64, int32, string, int32, double, decimal(12,2),
# boolean, timestamp, date, optional string), generated deterministically
# here. Topic of BENCH_PARTITIONS (default 2) partitions, message.timestamp.
# type=LogAppendTime.
# Systems, per run, each with a fresh worker and topic:
#   tributary  SpoolDirCsvSourceConnector (standalone worker, tasks.max=1: one
#              file is read by one task), value.schema an Avro record with the
#              logical types decimal/timestamp-millis/date and an optional
#              field, AvroConverter against the testenv registry (Confluent
#              API), cleanup.policy=DELETE. Records carry spooldir's file.*
#              headers.
#   connect    Kafka Connect 3.9.2 cannot run jcustenborder's spooldir here:
#              kafka-connect-spooldir is published on Confluent Hub, and
#              neither 2.0.65 nor 1.0.31 resolves from Maven Central (tried
#              with `mvn dependency:get`). As the nearest runtime comparison
#              the table has Connect's FileStreamSource reading the same rows
#              (without the header) as strings (StringConverter): no parsing,
#              typing or Avro, so it does less work than the spooldir path.
#   limit      bench/tools/raw_produce sends the values Tributary wrote (read
#              back from its topic: Confluent framing + Avro body, no headers)
#              with Tributary's source-producer settings (enable.idempotence=
#              true, linger.ms=5, batch.num.messages=10000,
#              queue.buffering.max.messages=20000), round-robin partitions.
# Rate = records ÷ (the last record's append time − connector created);
# worker CPU = user+system seconds of the worker from connector creation to
# the poll that saw the last record, per million records; peak RSS = VmHWM of
# the worker at that moment (a fresh process per run).
# Memory against file size: the same Tributary run at each of
# BENCH_SPOOL_RSS_ROWS (default "100000 5000000", besides BENCH_RECORDS);
# sizes above BENCH_RECORDS run once, others BENCH_RUNS times.
# Upload: a BENCH_UPLOAD_MB (default 1024) MB file through POST
# /connectors/{c}/files/{name} of a running SpoolDir connector (curl -T, one
# keep-alive loopback connection, streamed from the file: curl --data-binary
# @file would first read the whole file into curl's memory) against cp of the
# same file into the same directory, with and without an fsync of the copy
# (the upload fsyncs before it answers 201). The source file is read once
# before every copy, so both read it from the page cache (warm). The
# connector has file.minimum.age.ms=86400000, so it does not read the
# uploaded file during the measurement.
# Writes $BENCH_OUT/spooldir.md and spooldir.tsv.
# Env: BENCH_RUNS, BENCH_RECORDS, BENCH_PARTITIONS, BENCH_SPOOL_RSS_ROWS,
#      BENCH_UPLOAD_MB (0 skips the upload part), BENCH_SPOOL_TIMEOUT (900 s),
#      BENCH_SPOOL_GEN_ONLY=1 (only write the input files, without services).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init spooldir
GEN_ONLY=${BENCH_SPOOL_GEN_ONLY:-0}
[ "$GEN_ONLY" = 1 ] || bench_env

N=${BENCH_RECORDS:-1000000}
P=${BENCH_PARTITIONS:-2}
RSS_ROWS=${BENCH_SPOOL_RSS_ROWS:-100000 5000000}
UPLOAD_MB=${BENCH_UPLOAD_MB:-1024}
TIMEOUT=${BENCH_SPOOL_TIMEOUT:-900}
RAW=$BENCH_OUT/spooldir.tsv
MD=$BENCH_OUT/spooldir.md
: >"$RAW"
TRIBUTARY=; [ "$GEN_ONLY" = 1 ] || TRIBUTARY=$(bench_tributary_bin) || TRIBUTARY=
STAMP=$(date +%s)
SPOOL=$BENCH_RUN/spooldir
mkdir -p "$SPOOL"
TOPICS=()
bench_on_exit() {
    local t
    for t in "${TOPICS[@]}"; do "$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" delete-topic "$t" 2>/dev/null || true; done
    rm -rf "$SPOOL/run" "$SPOOL/upload"
}
new_topic() { "$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" create-topic "$1" "$P" message.timestamp.type=LogAppendTime && TOPICS+=("$1"); }
drop_topic() { "$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" delete-topic "$1" 2>/dev/null || true; }
load_rate() {
    local cnt first last
    read -r cnt first last < <("$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" span "$1") || return 0
    awk -v n="$cnt" -v ms="$((last - first))" 'BEGIN { if (ms > 0) printf "%.0f", n / (ms / 1000) }'
}

# The declared value schema (an Avro record, as tenants declare it).
SCHEMA='{"type":"record","name":"Order","namespace":"bench","fields":[
{"name":"order_id","type":"long"},{"name":"customer_id","type":"int"},{"name":"product","type":"string"},
{"name":"quantity","type":"int"},{"name":"unit_price","type":"double"},
{"name":"total","type":{"type":"bytes","logicalType":"decimal","precision":12,"scale":2}},
{"name":"paid","type":"boolean"},{"name":"created_at","type":{"type":"long","logicalType":"timestamp-millis"}},
{"name":"ship_date","type":{"type":"int","logicalType":"date"}},{"name":"coupon","type":["null","string"],"default":null}]}'
SCHEMA_JSON=$(jq -c . <<<"$SCHEMA" | jq -Rs 'rtrimstr("\n")')   # a JSON string holding the schema

# gen_csv ROWS FILE: the data set (deterministic in the row number).
gen_csv() {
    [ -s "$2" ] && [ "$(wc -l <"$2")" = "$(($1 + 1))" ] && return 0
    bench_log "generating $1 CSV rows into $2"
    python3 - "$1" "$2.tmp" <<'EOF'
import sys, time
n, path = int(sys.argv[1]), sys.argv[2]
products = ["keyboard", "mouse", "monitor", "laptop", "headphones", "webcam", "usb-cable",
            "desk-lamp", "notebook", "backpack", "phone-case", "charger"]
coupons = ["SAVE5", "SAVE10", "WELCOME", "FREESHIP"]
base = 1704067200  # 2024-01-01T00:00:00Z
with open(path, "w", buffering=1 << 20) as f:
    f.write("order_id,customer_id,product,quantity,unit_price,total,paid,created_at,ship_date,coupon\n")
    out = []
    for i in range(1, n + 1):
        price = 100 + (i * 7919) % 99900           # cents
        qty = 1 + i % 9
        total = price * qty
        ts = base + i * 3
        created = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts))
        ship = time.strftime("%Y-%m-%d", time.gmtime(ts + 86400 * (1 + i % 7)))
        coupon = coupons[i % 4] if i % 5 == 0 else ""
        out.append(f"{i},{(i * 31) % 100000},{products[i % 12]},{qty},{price // 100}.{price % 100:02d},"
                   f"{total // 100}.{total % 100:02d},{'true' if i % 3 == 0 else 'false'},{created},{ship},{coupon}\n")
        if len(out) == 10000:
            f.write("".join(out)); out = []
    f.write("".join(out))
EOF
    mv "$2.tmp" "$2"
}

# spool_run SYSTEM ROWS RUN [KEY]: one measured run; appends
# "KEY run rate cpu/M hwm_kb ok load_rate" to $RAW (KEY defaults to SYSTEM).
# The first valid Tributary run at BENCH_RECORDS keeps a dump of its topic
# (the limit's input).
spool_run() {
    local sys=$1 rows=$2 run=$3 key=${4:-$1} port base name topic cfg pid t0 t1 cpu0 cpu1 csv=$SPOOL/orders-$2.csv
    local dir=$SPOOL/run
    port=$(bench_free_port); base=http://127.0.0.1:$port
    name=spool-$sys-$rows-$STAMP-${run//[^a-z0-9-]/}
    topic=bench-$name
    new_topic "$topic"
    rm -rf "$dir"; mkdir -p "$dir/in" "$dir/fin" "$dir/err"
    case $sys in
        tributary)
            [ -n "$TRIBUTARY" ] || return 1
            cp "$csv" "$dir/in/orders.csv"
            cfg="{\"connector.class\":\"com.github.jcustenborder.kafka.connect.spooldir.SpoolDirCsvSourceConnector\",
                  \"tasks.max\":\"1\",\"topic\":\"$topic\",\"input.path\":\"$dir/in\",\"finished.path\":\"$dir/fin\",
                  \"error.path\":\"$dir/err\",\"cleanup.policy\":\"DELETE\",\"csv.first.row.as.header\":\"true\",
                  \"value.schema\":$SCHEMA_JSON,
                  \"key.converter\":\"org.apache.kafka.connect.storage.StringConverter\",$(bench_avro_converter_tributary)}"
            bench_tributary_start standalone "$name" "$port" ;;
        connect)
            tail -n +2 "$csv" >"$dir/in/orders.lines"
            cfg="{\"connector.class\":\"FileStreamSource\",\"tasks.max\":\"1\",\"file\":\"$dir/in/orders.lines\",\"topic\":\"$topic\",
                  \"key.converter\":\"org.apache.kafka.connect.storage.StringConverter\",
                  \"value.converter\":\"org.apache.kafka.connect.storage.StringConverter\"}"
            bench_connect_start "$name" "$port" ;;
    esac
    pid=$BENCH_SPAWNED_PID
    local rc=0
    if bench_wait_http "$base/" "$(bench_now_ms)" 300 "$pid" >/dev/null; then
        cpu0=$(bench_cpu_s "$pid"); t0=$(bench_now_ms)
        if bench_http PUT "$base/connectors/$name/config" "$cfg" >/dev/null &&
           "$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" wait-count "$topic" "$rows" "$TIMEOUT" >/dev/null; then
            t1=$(bench_now_ms); cpu1=$(bench_cpu_s "$pid")
            local hwm got cnt first last rate cpu_m lr
            hwm=$(bench_hwm_kb "$pid")
            got=$("$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" count "$topic")
            if read -r cnt first last < <("$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" span "$topic") &&
               [ "$last" -ge "$t0" ] && [ "$last" -le "$t1" ]; then
                t1=$last
            else
                bench_log "$key run $run: no append time for the last record; the end is the poll's"
            fi
            rate=$(awk -v n="$rows" -v ms="$((t1 - t0))" 'BEGIN { printf "%.0f", n / (ms / 1000) }')
            cpu_m=$(awk -v a="$cpu0" -v b="$cpu1" -v n="$rows" 'BEGIN { printf "%.2f", (b - a) * 1e6 / n }')
            if [ "$got" = "$rows" ]; then
                lr=$(load_rate "$topic")
                bench_log "$key run $run: $rate rec/s, load rate ${lr:-?} rec/s, worker CPU $cpu_m s/M, peak RSS $((hwm / 1024)) MB"
                bench_raw_append "$RAW" "$key" "$run" "$rate" "$cpu_m" "$hwm" ok "$lr"
                if [ "$sys" = tributary ] && [ "$rows" = "$N" ] && [ ! -s "$SPOOL/limit-$N.dump" ]; then
                    "$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" dump "$topic" "$N" "$SPOOL/limit-$N.dump.tmp" &&
                        mv "$SPOOL/limit-$N.dump.tmp" "$SPOOL/limit-$N.dump"
                fi
            else
                bench_log "$key run $run: INVALID: topic holds $got records, want $rows"
                bench_raw_append "$RAW" "$key" "$run" "" "" "" "invalid:$got"
                rc=1
            fi
        else
            curl -s "$base/connectors/$name/status" | head -c 2000 >&2 || true; echo >&2
            tail -n 20 "$BENCH_SPAWNED_LOG" >&2
            rc=1
        fi
    else
        tail -n 20 "$BENCH_SPAWNED_LOG" >&2; rc=1
    fi
    bench_stop "$pid" 60
    drop_topic "$topic"
    rm -rf "$dir"
    return $rc
}

limit_run() { # limit_run RUN
    local run=$1 topic out n bytes secs rate got lr
    [ -s "$SPOOL/limit-$N.dump" ] || return 1
    topic=bench-spool-limit-$STAMP-${run//[^a-z0-9-]/}
    new_topic "$topic"
    out=$("$TOOLS/raw_produce" --bootstrap "$KAFKA_BOOTSTRAP" --topic "$topic" --partitions "$P" --file "$SPOOL/limit-$N.dump" \
          -X enable.idempotence=true -X linger.ms=5 -X batch.num.messages=10000 -X queue.buffering.max.messages=20000) ||
        { drop_topic "$topic"; return 1; }
    read -r n bytes secs rate <<<"$out"
    got=$("$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" count "$topic")
    [ "$got" = "$N" ] && lr=$(load_rate "$topic")
    drop_topic "$topic"
    [ "$got" = "$N" ] || { bench_log "limit: topic holds $got, want $N"; return 1; }
    bench_log "limit run $run: $rate msg/s ($bytes bytes in $secs s), load rate ${lr:-?} msg/s"
    bench_raw_append "$RAW" limit "$run" "$rate" "" "" ok "$lr"
}

# upload_runs: BENCH_RUNS rounds of upload / cp / cp+fsync of one file.
upload_runs() {
    [ "$UPLOAD_MB" -gt 0 ] || return 0
    [ -n "$TRIBUTARY" ] || return 1
    local dir=$SPOOL/upload src=$SPOOL/upload-$UPLOAD_MB.bin port base name pid run out code secs cpu0 cpu1 t0 t1 bytes
    rm -rf "$dir"; mkdir -p "$dir/in" "$dir/fin" "$dir/err" "$dir/cp"
    bytes=$(stat -c %s "$src")
    port=$(bench_free_port); base=http://127.0.0.1:$port; name=spool-upload-$STAMP
    bench_tributary_start standalone "$name" "$port"
    pid=$BENCH_SPAWNED_PID
    bench_wait_http "$base/" "$(bench_now_ms)" 300 "$pid" >/dev/null || { tail -n 20 "$BENCH_SPAWNED_LOG" >&2; return 1; }
    bench_http PUT "$base/connectors/$name/config" \
        "{\"connector.class\":\"SpoolDirLineDelimitedSource\",\"tasks.max\":\"1\",\"topic\":\"bench-$name\",
          \"input.path\":\"$dir/in\",\"finished.path\":\"$dir/fin\",\"error.path\":\"$dir/err\",
          \"file.minimum.age.ms\":\"86400000\"}" >/dev/null || return 1
    bench_wait_tasks_running "$base" "$name" 1 60 || return 1
    local w
    for run in $(seq 0 "$BENCH_RUNS"); do   # round 0 is an unrecorded warm-up
        w=$run; [ "$run" = 0 ] && w=warm-up
        cat "$src" >/dev/null
        cpu0=$(bench_cpu_s "$pid")
        out=$(curl -s -o "$dir/resp.json" -w '%{http_code} %{time_total}' --max-time 600 -X POST \
                -H 'Content-Type: application/octet-stream' -T "$src" "$base/connectors/$name/files/big-$run.bin") || out="000 0"
        cpu1=$(bench_cpu_s "$pid")
        read -r code secs <<<"$out"
        if [ "$code" = 201 ] && [ "$(jq -r .size "$dir/resp.json")" = "$bytes" ] && [ "$(stat -c %s "$dir/in/big-$run.bin")" = "$bytes" ]; then
            bench_log "upload run $w: $(awk -v b="$bytes" -v s="$secs" 'BEGIN { printf "%.0f", b / 1048576 / s }') MB/s, worker CPU $(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { printf "%.2f", b - a }') s"
            [ "$run" = 0 ] || bench_raw_append "$RAW" upload "$run" "$(awk -v b="$bytes" -v s="$secs" 'BEGIN { printf "%.1f", b / 1048576 / s }')" \
                "$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { printf "%.2f", b - a }')" "" ok
        else
            bench_log "upload run $w: INVALID: HTTP $code, $(head -c 300 "$dir/resp.json" 2>/dev/null)"
            [ "$run" = 0 ] || bench_raw_append "$RAW" upload "$run" "" "" "" "invalid:$code"
        fi
        rm -f "$dir/in/big-$run.bin"
        cat "$src" >/dev/null
        t0=$(bench_now_ms); cp "$src" "$dir/cp/copy.bin"; t1=$(bench_now_ms)
        [ "$run" = 0 ] || bench_raw_append "$RAW" cp "$run" "$(awk -v b="$bytes" -v ms="$((t1 - t0))" 'BEGIN { printf "%.1f", b / 1048576 / (ms / 1000) }')" "" "" ok
        rm -f "$dir/cp/copy.bin"; sync -f "$dir/cp"
        cat "$src" >/dev/null
        t0=$(bench_now_ms); cp "$src" "$dir/cp/copy.bin" && sync "$dir/cp/copy.bin"; t1=$(bench_now_ms)
        [ "$run" = 0 ] || bench_raw_append "$RAW" cp-fsync "$run" "$(awk -v b="$bytes" -v ms="$((t1 - t0))" 'BEGIN { printf "%.1f", b / 1048576 / (ms / 1000) }')" "" "" ok
        bench_log "cp run $w done"
        rm -f "$dir/cp/copy.bin"
    done
    bench_stop "$pid" 60
    rm -rf "$dir"
}

gen_csv "$N" "$SPOOL/orders-$N.csv"
for r in $RSS_ROWS; do gen_csv "$r" "$SPOOL/orders-$r.csv"; done
if [ "$UPLOAD_MB" -gt 0 ] && { [ ! -s "$SPOOL/upload-$UPLOAD_MB.bin" ] || [ "$(stat -c %s "$SPOOL/upload-$UPLOAD_MB.bin")" != $((UPLOAD_MB * 1048576)) ]; }; then
    bench_log "writing a $UPLOAD_MB MB file"
    head -c $((UPLOAD_MB * 1048576)) /dev/urandom >"$SPOOL/upload.tmp" && mv "$SPOOL/upload.tmp" "$SPOOL/upload-$UPLOAD_MB.bin"
fi
# BENCH_SPOOL_GEN_ONLY=1: only write the input files (kept in $TRIB_BENCH_RUN/spooldir
# for later runs), e.g. before taking the benchmark lock
[ "$GEN_ONLY" = 1 ] && { bench_log "input files ready in $SPOOL"; exit 0; }
rm -f "$SPOOL/limit-$N.dump"
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
NICE=$(nice)

MEASURED_RAW=$RAW; RAW=/dev/null
for w in $(seq "$BENCH_WARMUP"); do
    spool_run tributary "$N" "warm-up$w" || bench_log "tributary warm-up $w failed"
    spool_run connect "$N" "warm-up$w" || bench_log "connect warm-up $w failed"
    limit_run "warm-up$w" || true
done
RAW=$MEASURED_RAW
for run in $(seq "$BENCH_RUNS"); do
    spool_run tributary "$N" "$run" || bench_log "tributary run $run failed"
    spool_run connect "$N" "$run" || bench_log "connect run $run failed"
    limit_run "$run" || bench_log "limit run $run: no data"
done
for r in $RSS_ROWS; do
    runs=$BENCH_RUNS; [ "$r" -gt "$N" ] && runs=1
    for run in $(seq "$runs"); do spool_run tributary "$r" "$run" "rss/$r" || bench_log "rss $r run $run failed"; done
done
upload_runs || bench_log "upload runs failed"
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- table
col() { bench_raw_col "$RAW" "$1" "$2"; }
cell() { local v; mapfile -t v < <(col "$1" "$2"); [ ${#v[@]} -gt 0 ] && bench_msm "$(bench_stats "${v[@]}")" "${3:-0}" || echo "n/a"; }
med() { local v; mapfile -t v < <(col "$1" "$2"); [ ${#v[@]} -gt 0 ] && bench_median "${v[@]}"; return 0; }
valid() { awk -F'\t' -v k="$1" '$1 == k && $6 == "ok"' "$RAW" | wc -l; }
mb() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
hwm_cell() { local v; mapfile -t v < <(col "$1" 5); [ ${#v[@]} -gt 0 ] || { echo "n/a"; return; }
    read -r m lo hi <<<"$(bench_stats "${v[@]}")"; echo "$(mb "$m") ($(mb "$lo")–$(mb "$hi"))"; }
{
    echo "A CSV file of $N rows ($(du -m "$SPOOL/orders-$N.csv" | cut -f1) MB, header + 10 typed columns: int64, int32, string, int32, double, decimal(12,2), boolean, timestamp, date, optional string) → Kafka, topic of $P partitions. Median (min–max) of $BENCH_RUNS runs after $BENCH_WARMUP unrecorded warm-up round(s), a fresh worker and topic per run. Rate = records ÷ (the last record's append time − connector created); load rate = records ÷ (last − first append time); CPU = the worker's user+system seconds per million records; peak RSS = the worker's VmHWM when the last record was seen. Load average (1/5/15 min) $LOAD0 at the start, $LOAD1 at the end: the 2 cores were shared with other engineers' builds and tests (this run's processes at nice $NICE)."
    echo
    bench_row "system" "records/s" "load rate (records/s)" "worker CPU s / M records" "peak RSS (MB)" "valid runs"
    bench_row "---" "---:" "---:" "---:" "---:" "---:"
    for sys in tributary connect limit; do
        case $sys in
            tributary) l="Tributary SpoolDirCsvSource, declared Avro schema, AvroConverter (standalone, tasks.max=1)" ;;
            connect) l="Kafka Connect 3.9.2 FileStreamSource, the same rows as strings (StringConverter; spooldir not on Maven Central, see below)" ;;
            limit) l="limit: librdkafka produce of Tributary's encoded values (raw_produce, same producer settings)" ;;
        esac
        if [ "$(valid "$sys")" -gt 0 ]; then
            bench_row "$l" "$(cell "$sys" 3)" "$(cell "$sys" 7)" "$([ "$sys" = limit ] && echo "—" || cell "$sys" 4 2)" "$([ "$sys" = limit ] && echo "—" || hwm_cell "$sys")" "$(valid "$sys")/$BENCH_RUNS"
        else
            bench_row "$l" "not available: $([ "$sys" = tributary ] && [ -z "$TRIBUTARY" ] && echo "tributary did not build" || echo "no valid run")" "" "" "" "0/$BENCH_RUNS"
        fi
    done
    echo
    echo "Ratios (medians): Tributary ÷ produce limit $(bench_ratio "$(med tributary 3)" "$(med limit 3)") in records/s, $(bench_ratio "$(med tributary 7)" "$(med limit 7)") in load rate; Tributary ÷ Connect FileStreamSource $(bench_ratio "$(med tributary 3)" "$(med connect 3)") in records/s; Connect ÷ Tributary CPU per record $(bench_ratio "$(med connect 4)" "$(med tributary 4)" 1)."
    echo
    echo "Kafka Connect with jcustenborder's spooldir connector could not be run: \`com.github.jcustenborder.kafka.connect:kafka-connect-spooldir\` is distributed through Confluent Hub, and neither 2.0.65 nor 1.0.31 resolves from Maven Central (\`mvn dependency:get\`: not found). The Connect row is its FileStreamSource on the same rows without parsing, types or Avro (less work per record than spooldir). The limit sends the same Avro values without spooldir's five \`file.*\` headers, which Tributary's records carry."
    echo
    echo "**Worker memory against file size** (the Tributary run above at other sizes; peak RSS = VmHWM)"
    echo
    bench_row "rows" "file (MB)" "peak RSS (MB)" "records/s" "worker CPU s / M records" "valid runs"
    bench_row "---:" "---:" "---:" "---:" "---:" "---:"
    for r in $( (echo "$N"; for x in $RSS_ROWS; do echo "$x"; done) | sort -n | uniq); do
        k=rss/$r; [ "$r" = "$N" ] && k=tributary
        runs=$BENCH_RUNS; [ "$r" -gt "$N" ] && runs=1
        bench_row "$(bench_fmt "$r")" "$(du -m "$SPOOL/orders-$r.csv" | cut -f1)" "$(hwm_cell "$k")" "$(cell "$k" 3)" "$(cell "$k" 4 2)" "$(valid "$k")/$runs"
    done
    if [ "$UPLOAD_MB" -gt 0 ]; then
        echo
        echo "**Upload of a $UPLOAD_MB MB file** (random bytes; the same disk, the source file in the page cache for every copy; MB = 2^20 bytes)"
        echo
        bench_row "how" "MB/s" "worker CPU s" "valid runs"
        bench_row "---" "---:" "---:" "---:"
        bench_row "POST /connectors/{c}/files/{name} (curl -T, loopback; streamed to a temporary file, sha256, fsync, rename, then 201)" "$(cell upload 3 1)" "$(cell upload 4 2)" "$(valid upload)/$BENCH_RUNS"
        bench_row "cp to the same directory's file system (page cache, no fsync)" "$(cell cp 3 1)" "—" "$(valid cp)/$BENCH_RUNS"
        bench_row "cp, then sync of the copy (written to disk, as the upload is)" "$(cell cp-fsync 3 1)" "—" "$(valid cp-fsync)/$BENCH_RUNS"
        echo
        echo "Ratios (medians): upload ÷ (cp + fsync) $(bench_ratio "$(med upload 3)" "$(med cp-fsync 3)"); upload ÷ cp $(bench_ratio "$(med upload 3)" "$(med cp 3)")."
    fi
} >"$MD"
cat "$MD"
