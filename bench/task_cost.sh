#!/usr/bin/env bash
# bench/task_cost.sh: what a task costs a worker, and whether SIGTERM stops
# many of them in time (issue 17, item 1).
#
# For each N in BENCH_TASK_COUNTS (default "50 200"): a fresh standalone
# Tributary worker, one FileStreamSink connector with tasks.max=N on a topic
# of N partitions (so every task gets a partition and its own consumer).
# Once all N tasks report RUNNING and 10 s have passed, the worker's threads,
# open descriptors, sockets and VmRSS are read from /proc and compared with
# the idle worker (per-task = difference / N; if REST stops answering, the
# figures are read after 120 s anyway); then GET /connectors is tried
# (REST must still answer), and SIGTERM -> exit is timed against
# task.shutdown.graceful.timeout.ms (5 s by default).
# Writes $BENCH_OUT/task_cost.md. Env: BENCH_TASK_COUNTS.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init task_cost
bench_env

COUNTS=${BENCH_TASK_COUNTS:-50 200}
MD=$BENCH_OUT/task_cost.md
TRIBUTARY=$(bench_tributary_bin) || bench_die "no tributary binary"
STAMP=$(date +%s)

snap() { # snap PID: "threads fds sockets rss_kb"
    echo "$(ls "/proc/$1/task" | wc -l) $(ls "/proc/$1/fd" | wc -l) $(ls -l "/proc/$1/fd" 2>/dev/null | grep -c 'socket:') $(bench_rss_kb "$1")"
}

rows=()
for n in $COUNTS; do
    topic=bench-tasks-$n-$STAMP
    "$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" create-topic "$topic" "$n"
    port=$(bench_free_port); base=http://127.0.0.1:$port; name=tasks-$n-$STAMP
    bench_tributary_start standalone "$name" "$port" \
        key.converter=org.apache.kafka.connect.storage.StringConverter \
        value.converter=org.apache.kafka.connect.storage.StringConverter
    pid=$BENCH_SPAWNED_PID
    bench_wait_http "$base/" "$(bench_now_ms)" 120 "$pid" >/dev/null || bench_die "worker did not start"
    read -r t0 f0 s0 r0 <<<"$(snap "$pid")"
    bench_http PUT "$base/connectors/fs/config" \
        "{\"connector.class\":\"FileStreamSink\",\"tasks.max\":\"$n\",\"topics\":\"$topic\",\"file\":\"$BENCH_RUN/tasks-$n.out\"}" >/dev/null
    # With select() in the REST server, a worker past FD_SETSIZE descriptors
    # refuses connections, so the status may never be read: measure anyway.
    running=yes
    bench_wait_tasks_running "$base" fs "$n" 120 || running="not confirmed (REST)"
    sleep 10
    read -r t1 f1 s1 r1 <<<"$(snap "$pid")"
    rest=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$base/connectors" || true)
    ts=$(bench_now_ms); kill -TERM "$pid"
    while bench_alive "$pid" && [ $(($(bench_now_ms) - ts)) -lt 120000 ]; do sleep 0.05; done
    te=$(bench_now_ms)
    bench_alive "$pid" && { bench_log "$n tasks: still running 120 s after SIGTERM"; te=timeout; kill -KILL "$pid"; }
    stop=$([ "$te" = timeout ] && echo "> 120 s" || awk -v ms="$((te - ts))" 'BEGIN { printf "%.2f s", ms / 1000 }')
    per() { awk -v a="$1" -v b="$2" -v n="$n" -v d="${3:-1}" 'BEGIN { printf "%.*f", d, (b - a) / n }'; }
    bench_log "$n tasks: threads $t0 -> $t1, fds $f0 -> $f1, sockets $s0 -> $s1, RSS $r0 -> $r1 kB, REST $rest, all RUNNING: $running, SIGTERM -> exit $stop"
    rows+=("$(bench_row "$n" "$t1 ($(per "$t0" "$t1"))" "$f1 ($(per "$f0" "$f1"))" "$s1 ($(per "$s0" "$s1"))" \
        "$(bench_fmt "$((r1 / 1024))") MB ($(per "$r0" "$r1" 0) kB)" "$rest" "$running" "$stop")")
    "$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" delete-topic "$topic" 2>/dev/null || true
done
{
    echo "One standalone worker, one FileStreamSink connector with tasks.max=N on N partitions; figures 10 s after all N tasks are RUNNING (per task in parentheses, against the idle worker)."
    echo
    bench_row "tasks" "threads" "open descriptors" "sockets" "RSS" "GET /connectors" "all RUNNING seen" "SIGTERM → exit"
    bench_row "---:" "---:" "---:" "---:" "---:" "---:" "---:" "---:"
    printf '%s\n' "${rows[@]}"
} >"$MD"
cat "$MD"
