#!/usr/bin/env bash
# bench/startup.sh: start-up time and memory of a worker.
#
# For each system and each of BENCH_RUNS runs (default 5), on a fresh worker:
#   ready_ms    exec -> GET / answers 200 (polled every 20 ms)
#   idle_rss    VmRSS 10 s after ready, no connectors
#   rss_10      VmRSS with 10 FileStreamSource connectors RUNNING (each
#               tailing its own 1,000-line file into one topic, StringConverter),
#               10 s after all of them reported RUNNING
#   hwm         VmHWM (peak RSS) at the end
#   stop_ms     SIGTERM -> process gone
#   first_ms    on a second fresh worker: exec -> the first record of a
#               FileStreamSource connector is in Kafka. The connector is
#               created (POST) as soon as GET / answers; its topic exists
#               beforehand; the topic's end offset is polled every 50 ms
#               (bench/tools/ktool wait-count).
# Systems: Tributary standalone, Tributary distributed (when the build has it),
# Apache Kafka Connect distributed (bench/peers/connect-worker, shipped JVM
# defaults). Each Connect run is a fresh cluster (own group and internal
# topics), as is each Tributary distributed run.
#
# Writes $BENCH_OUT/startup.md (table) and startup.tsv (raw runs).
# Env: BENCH_RUNS, BENCH_IDLE_S (10), BENCH_CONNECTORS (10), TRIBUTARY_BIN.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init startup
bench_env

IDLE_S=${BENCH_IDLE_S:-10}
NCONN=${BENCH_CONNECTORS:-10}
RAW=$BENCH_OUT/startup.tsv
MD=$BENCH_OUT/startup.md
: >"$RAW"
TRIBUTARY=$(bench_tributary_bin) || TRIBUTARY=
STAMP=$(date +%s)

# input files for the FileStreamSource connectors
DATA=$BENCH_RUN/startup-data
mkdir -p "$DATA"
for i in $(seq "$NCONN"); do
    [ -s "$DATA/in-$i.txt" ] || seq -f "line %g of a file tailed by a FileStreamSource connector" 1000 >"$DATA/in-$i.txt"
done

# start_system SYSTEM NAME PORT: spawns a fresh worker (BENCH_SPAWNED_PID/LOG).
start_system() {
    case $1 in
        tributary-standalone) bench_tributary_start standalone "$2" "$3" ;;
        tributary-distributed) bench_tributary_start distributed "$2" "$3" ;;
        connect) bench_connect_start "$2" "$3" ;;
    esac
}

# file_connector NAME FILE TOPIC: the FileStreamSource connector's JSON.
file_connector() {
    echo "{\"name\":\"$1\",\"config\":{\"connector.class\":\"FileStreamSource\",\"tasks.max\":\"1\",\"file\":\"$2\",\"topic\":\"$3\",\"key.converter\":\"org.apache.kafka.connect.storage.StringConverter\",\"value.converter\":\"org.apache.kafka.connect.storage.StringConverter\"}}"
}

# one_run SYSTEM RUN: measures one worker; appends a line to $RAW.
one_run() {
    local sys=$1 run=$2 port name pid t0 ready idle rss10 hwm stop_ms topic i base
    port=$(bench_free_port)
    name=st-$sys-$STAMP-$run
    topic=bench-startup-$STAMP-$sys-$run
    base=http://127.0.0.1:$port
    t0=$(bench_now_ms)
    start_system "$sys" "$name" "$port"
    pid=$BENCH_SPAWNED_PID
    ready=$(bench_wait_http "$base/" "$t0" 300 "$pid") || { tail -n 20 "$BENCH_SPAWNED_LOG" >&2; bench_stop "$pid"; return 1; }
    sleep "$IDLE_S"
    idle=$(bench_rss_kb "$pid")
    for i in $(seq "$NCONN"); do
        bench_http POST "$base/connectors" "$(file_connector "file-$i" "$DATA/in-$i.txt" "$topic")" >/dev/null ||
            { bench_stop "$pid"; return 1; }
    done
    for i in $(seq "$NCONN"); do
        bench_wait_tasks_running "$base" "file-$i" 1 120 || { bench_stop "$pid"; return 1; }
    done
    sleep "$IDLE_S"
    rss10=$(bench_rss_kb "$pid")
    hwm=$(bench_hwm_kb "$pid")
    t0=$(bench_now_ms)
    bench_stop "$pid" 60
    stop_ms=$(($(bench_now_ms) - t0))

    # exec -> first record delivered, on a fresh worker (and, for Connect and
    # Tributary distributed, a fresh group with its own internal topics)
    local ftopic=$topic-first first_ms=""
    "$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" create-topic "$ftopic" 1 >/dev/null || return 1
    port=$(bench_free_port)
    base=http://127.0.0.1:$port
    t0=$(bench_now_ms)
    start_system "$sys" "$name-first" "$port"
    pid=$BENCH_SPAWNED_PID
    if bench_wait_http "$base/" "$t0" 300 "$pid" >/dev/null &&
       bench_http POST "$base/connectors" "$(file_connector file-first "$DATA/in-1.txt" "$ftopic")" >/dev/null &&
       "$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" wait-count "$ftopic" 1 300 >/dev/null; then
        first_ms=$(($(bench_now_ms) - t0))
    else
        bench_log "$sys run $run: no first record"; tail -n 20 "$BENCH_SPAWNED_LOG" >&2
    fi
    bench_stop "$pid" 60
    "$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" delete-topic "$ftopic" >/dev/null 2>&1 || true

    bench_log "$sys run $run: ready ${ready} ms, idle ${idle} kB, ${NCONN} connectors ${rss10} kB, peak ${hwm} kB, stop ${stop_ms} ms, first record ${first_ms:-n/a} ms"
    bench_raw_append "$RAW" "$sys" "$run" "$ready" "$idle" "$rss10" "$hwm" "$stop_ms" "$first_ms"
}

SYSTEMS=()
if [ -n "$TRIBUTARY" ]; then
    SYSTEMS+=(tributary-standalone)
    if bench_tributary_distributed_available; then SYSTEMS+=(tributary-distributed); fi
fi
SYSTEMS+=(connect)

for run in $(seq "$BENCH_RUNS"); do
    for sys in "${SYSTEMS[@]}"; do
        one_run "$sys" "$run" || bench_log "$sys run $run failed"
    done
done

# ---- table
cell() { # cell SYS COL KIND: KIND ms|mib
    local vals
    mapfile -t vals < <(bench_raw_col "$RAW" "$1" "$2")
    [ ${#vals[@]} -gt 0 ] || { echo "n/a"; return; }
    if [ "$3" = mib ]; then
        mapfile -t vals < <(printf '%s\n' "${vals[@]}" | awk '{ printf "%.1f\n", $1 / 1024 }')
        bench_msm "$(bench_stats "${vals[@]}")" 1
    else
        bench_msm "$(bench_stats "${vals[@]}")"
    fi
}
med() { # med SYS COL
    local vals
    mapfile -t vals < <(bench_raw_col "$RAW" "$1" "$2")
    [ ${#vals[@]} -gt 0 ] && bench_median "${vals[@]}"
    return 0   # empty when the system did not run
}
label() {
    case $1 in
        tributary-standalone) echo "Tributary standalone" ;;
        tributary-distributed) echo "Tributary distributed" ;;
        connect) echo "Kafka Connect 3.9.2 distributed" ;;
    esac
}
{
    echo "Median (min–max) of $BENCH_RUNS runs. Memory is the worker process's VmRSS/VmHWM in MiB; $NCONN FileStreamSource connectors, each tailing a 1,000-line file. First record: a second fresh worker per run, one FileStreamSource connector created as soon as REST answers, until its first record is in Kafka (topic end offset polled every 50 ms)."
    echo
    bench_row "system" "exec → REST ready (ms)" "exec → first record in Kafka (ms)" "idle RSS after ${IDLE_S} s (MiB)" "RSS with $NCONN connectors (MiB)" "peak RSS (MiB)" "SIGTERM → exit (ms)"
    bench_row "---" "---:" "---:" "---:" "---:" "---:" "---:"
    for sys in tributary-standalone tributary-distributed connect; do
        if [ -z "$(bench_raw_col "$RAW" "$sys" 3)" ]; then
            case $sys in
                tributary-*) reason="not available: $( [ -z "$TRIBUTARY" ] && echo "tributary did not build" || echo "this build has no $sys mode or every run failed")" ;;
                *) reason="not available: every run failed" ;;
            esac
            bench_row "$(label "$sys")" "$reason" "" "" "" "" ""
            continue
        fi
        bench_row "$(label "$sys")" "$(cell "$sys" 3 ms)" "$(cell "$sys" 8 ms)" "$(cell "$sys" 4 mib)" "$(cell "$sys" 5 mib)" "$(cell "$sys" 6 mib)" "$(cell "$sys" 7 ms)"
    done
    for sys in tributary-standalone tributary-distributed; do
        [ -n "$(bench_raw_col "$RAW" "$sys" 3)" ] && [ -n "$(bench_raw_col "$RAW" connect 3)" ] || continue
        bench_row "Kafka Connect ÷ $(label "$sys") (medians)" "$(bench_ratio "$(med connect 3)" "$(med "$sys" 3)" 0)" \
            "$(bench_ratio "$(med connect 8)" "$(med "$sys" 8)" 0)" "$(bench_ratio "$(med connect 4)" "$(med "$sys" 4)" 0)" "$(bench_ratio "$(med connect 5)" "$(med "$sys" 5)" 0)" \
            "$(bench_ratio "$(med connect 6)" "$(med "$sys" 6)" 0)" "$(bench_ratio "$(med connect 7)" "$(med "$sys" 7)" 1)"
    done
} >"$MD"
cat "$MD"
