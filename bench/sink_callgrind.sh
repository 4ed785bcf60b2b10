#!/usr/bin/env bash
# bench/sink_callgrind.sh: instructions per record on a PostgresSink task's
# thread, counted by callgrind, so the figure does not depend on what else
# the machine is running (issue 17's per-record profiles).
#
# BENCH_RECORDS records (default 5,000) of a bench/sink_shapes.sh shape
# (BENCH_SHAPE: wide50 (default), json20 or large) are produced into a fresh topic of
# BENCH_PARTITIONS partitions (4); a standalone Tributary worker runs under
# valgrind --tool=callgrind --separate-threads=yes with one PostgresSink task
# (tasks.max=1, insert) until the table holds every record, then stops.
# The task's thread is the one whose profile runs task_thread; printed per
# record: that thread's instructions, and the inclusive instructions of
# the converter (avro_to_connect with its codec's trib_avro_codec_decode,
# or json_to_connect), the COPY BINARY field encoding (trib_pg_copy_field)
# and freeing records (trib_record_destroy).
#
#   TRIBUTARY_BIN=build-rel/tributary TRIB_BENCH_RUN=/tmp/my-bench bench/sink_callgrind.sh
#
# TRIBUTARY_BIN as for every scenario (default: HEAD built in Release).
# The callgrind files stay in $BENCH_RUN/callgrind-<stamp>/ for
# callgrind_annotate. Uses the testenv of the checkout (scripts/testenv up).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init sink_callgrind

N=${BENCH_RECORDS:-5000}
P=${BENCH_PARTITIONS:-4}
SHAPE=${BENCH_SHAPE:-wide50}
case $SHAPE in wide50|json20|large) ;; *) echo "bench/sink_callgrind.sh: BENCH_SHAPE must be an insert shape (wide50, json20, large)" >&2; exit 2 ;; esac
TIMEOUT=${BENCH_SINK_TIMEOUT:-900}
command -v valgrind >/dev/null || bench_die "valgrind is not installed"
command -v callgrind_annotate >/dev/null || bench_die "callgrind_annotate is not installed"
"$REPO_DIR/scripts/testenv" up >&2 || bench_die "scripts/testenv up failed"
eval "$("$REPO_DIR/scripts/testenv" env)"
export KAFKA_BOOTSTRAP SCHEMA_REGISTRY_URL PG_URL
PG_PORT=$(sed 's#.*:\([0-9]*\)/.*#\1#' <<<"$PG_URL")
TOOLS=$("$BENCH_DIR/tools/build.sh") || bench_die "building bench/tools failed"
REAL=$(bench_tributary_bin) || bench_die "no tributary binary"
STAMP=$(date +%s)
OUT=$BENCH_RUN/callgrind-$STAMP
mkdir -p "$OUT"
TOPIC=bench-callgrind-$SHAPE-$STAMP
TABLE=bench_callgrind_$SHAPE
bench_on_exit() { "$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" delete-topic "$TOPIC" 2>/dev/null || true; }

# The worker under callgrind, as bench_tributary_start runs $TRIBUTARY.
TRIBUTARY=$OUT/tributary-under-callgrind
cat >"$TRIBUTARY" <<EOF
#!/bin/sh
exec valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file=$OUT/callgrind.out.%p "$REAL" "\$@"
EOF
chmod +x "$TRIBUTARY"

bench_log "$SHAPE: producing $N records into $TOPIC ($P partitions)"
"$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" create-topic "$TOPIC" "$P"
"$TOOLS/gen_shapes" --shape "$SHAPE" --bootstrap "$KAFKA_BOOTSTRAP" --registry "$SCHEMA_REGISTRY_URL" \
    --topic "$TOPIC" --count "$N" --partitions "$P" --keys 10000
DDL=$("$TOOLS/gen_shapes" --shape "$SHAPE" --ddl)
bench_psql -c "DROP TABLE IF EXISTS $TABLE" -c "CREATE TABLE $TABLE ($DDL)" >/dev/null

conv=$(bench_avro_converter_tributary)
[ "$SHAPE" = json20 ] && conv='"value.converter":"org.apache.kafka.connect.json.JsonConverter","value.converter.schemas.enable":"true"'
port=$(bench_free_port); base=http://127.0.0.1:$port; name=callgrind-$SHAPE-$STAMP
bench_tributary_start standalone "$name" "$port"
pid=$BENCH_SPAWNED_PID
bench_wait_http "$base/" "$(bench_now_ms)" 300 "$pid" >/dev/null || { tail -n 20 "$BENCH_SPAWNED_LOG" >&2; bench_die "the worker did not start"; }
bench_http PUT "$base/connectors/$name/config" "{\"connector.class\":\"io.tributary.connect.postgres.PostgresSinkConnector\",
    \"tasks.max\":\"1\",\"topics\":\"$TOPIC\",\"connection.url\":\"jdbc:postgresql://127.0.0.1:$PG_PORT/tributary\",
    \"connection.user\":\"postgres\",\"insert.mode\":\"insert\",\"pk.mode\":\"none\",\"table.name.format\":\"$TABLE\",
    \"key.converter\":\"org.apache.kafka.connect.storage.StringConverter\",$conv}" >/dev/null
deadline=$(($(bench_now_ms) + TIMEOUT * 1000))
while :; do
    c=$(bench_psql -c "SELECT count(*) FROM $TABLE")
    [ "$c" -ge "$N" ] && break
    bench_alive "$pid" || bench_die "the worker died"
    [ "$(bench_now_ms)" -lt "$deadline" ] || bench_die "$c of $N rows after ${TIMEOUT}s"
    sleep 1
done
bench_stop "$pid" 300
bench_psql -c "DROP TABLE IF EXISTS $TABLE" >/dev/null

# The task's thread: the profile in which task_thread has the most instructions.
best= best_ir=0
# (callgrind_annotate fails on the process's own file, which holds no events
# with --separate-threads: only the per-thread files count.)
annotate() { callgrind_annotate "$@" 2>/dev/null || true; }
for f in "$OUT"/callgrind.out.*-*; do
    ir=$(annotate --inclusive=yes "$f" | awk '!m && /:task_thread( |$)/ { gsub(",", "", $1); print $1; m = 1 }')
    if [ -n "$ir" ] && [ "$ir" -gt "$best_ir" ]; then best=$f best_ir=$ir; fi
done
[ -n "$best" ] || bench_die "no callgrind profile runs task_thread"
total=$(annotate "$best" | awk '!m && /PROGRAM TOTALS/ { gsub(",", "", $1); print $1; m = 1 }')
per() { awk -v a="$1" -v n="$N" 'BEGIN { printf "%.1fk", a / n / 1000 }'; }
fn_ir() { annotate --inclusive=yes "$best" | awk -v f="$1" '!m && $0 ~ (":" f "( |$)") { gsub(",", "", $1); print $1; m = 1 }'; }
echo "shape $SHAPE, $N records, 1 task; profile $best"
echo "task thread: $(per "$total") instructions per record"
for f in avro_to_connect trib_avro_codec_decode json_to_connect trib_pg_copy_field trib_record_destroy; do
    ir=$(fn_ir "$f")
    if [ -n "$ir" ]; then echo "  $f: $(per "$ir") per record (inclusive)"; fi
done
exit 0
