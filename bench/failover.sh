#!/usr/bin/env bash
# bench/failover.sh: how long the tasks of a worker killed with SIGKILL take to
# deliver again on the survivors of a 3-worker cluster.
#
# Per system, settings profile and run:
#   * 3 distributed workers on 127.0.0.1 in one group (fresh group and
#     internal topics per run);
#   * BENCH_FAILOVER_CONNECTORS (default 6) FileStreamSource connectors, one
#     task each, each tailing its own file into its own topic; a writer
#     appends 10 lines to every file every 100 ms for the whole run (load);
#   * once every task is RUNNING and delivering, the worker running the
#     first connector's task is killed with SIGKILL (t_kill);
#   * measured: t_kill -> that connector's topic grows again (new records
#     can only come from the task's new owner), polled every 100 ms, bounded
#     by BENCH_FAILOVER_TIMEOUT (default 600 s).
# Profiles (same config names on both systems):
#   default   Connect's defaults: session.timeout.ms=10000,
#             heartbeat.interval.ms=3000, scheduled.rebalance.max.delay.ms=300000
#   tuned     session.timeout.ms=6000, heartbeat.interval.ms=1000,
#             scheduled.rebalance.max.delay.ms=0
# Systems: Kafka Connect 3.9.2 (bench/peers/connect-worker); Tributary
# distributed when the build has it (otherwise the table says "not available").
# Writes $BENCH_OUT/failover.md and failover.tsv.
# Env: BENCH_RUNS (or BENCH_FAILOVER_RUNS), BENCH_FAILOVER_PROFILES ("default tuned"),
#      BENCH_FAILOVER_CONNECTORS, BENCH_FAILOVER_TIMEOUT.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init failover
bench_env

RUNS=${BENCH_FAILOVER_RUNS:-$BENCH_RUNS}
PROFILES=${BENCH_FAILOVER_PROFILES:-default tuned}
K=${BENCH_FAILOVER_CONNECTORS:-6}
TIMEOUT=${BENCH_FAILOVER_TIMEOUT:-600}
RAW=$BENCH_OUT/failover.tsv
MD=$BENCH_OUT/failover.md
: >"$RAW"
TRIBUTARY=$(bench_tributary_bin) || TRIBUTARY=
STAMP=$(date +%s)
SYSTEMS=(connect)
TRIB_DIST=0
if [ -n "$TRIBUTARY" ] && bench_tributary_distributed_available; then TRIB_DIST=1; SYSTEMS=(tributary connect); fi

profile_props() {
    case $1 in
        default) echo "session.timeout.ms=10000 heartbeat.interval.ms=3000 scheduled.rebalance.max.delay.ms=300000" ;;
        tuned) echo "session.timeout.ms=6000 heartbeat.interval.ms=1000 scheduled.rebalance.max.delay.ms=0" ;;
    esac
}

count() { "$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" count "$1"; }

# failover_run SYSTEM PROFILE RUN
failover_run() {
    local sys=$1 prof=$2 run=$3 cluster=fo-$sys-$prof-$STAMP-$run i ports=() pids=() props
    local dir=$BENCH_RUN/failover/$cluster
    mkdir -p "$dir"
    # shellcheck disable=SC2206
    props=($(profile_props "$prof") "group.id=bench-$cluster" "offset.storage.topic=bench-$cluster-offsets"
           "config.storage.topic=bench-$cluster-configs" "status.storage.topic=bench-$cluster-status")
    for i in 1 2 3; do
        ports[$i]=$(bench_free_port)
        if [ "$sys" = connect ]; then
            bench_connect_start "$cluster-w$i" "${ports[$i]}" "${props[@]}"
        else
            bench_tributary_start distributed "$cluster-w$i" "${ports[$i]}" "${props[@]}"
        fi
        pids[$i]=$BENCH_SPAWNED_PID
    done
    local stop_all='for i in 1 2 3; do bench_stop "${pids[$i]}" 30; done'
    for i in 1 2 3; do
        bench_wait_http "http://127.0.0.1:${ports[$i]}/" "$(bench_now_ms)" 300 "${pids[$i]}" >/dev/null || { eval "$stop_all"; return 1; }
    done
    # load: K files, appended to every 100 ms for at most TIMEOUT + 300 s
    for i in $(seq "$K"); do : >"$dir/in-$i.txt"; "$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" create-topic "bench-$cluster-t$i" 1 >/dev/null; done
    bench_spawn "$dir/writer.log" bash -c '
        dir=$1 k=$2 end=$(( $(date +%s) + $3 )) n=0
        while [ "$(date +%s)" -lt "$end" ]; do
            for i in $(seq "$k"); do
                for j in 1 2 3 4 5 6 7 8 9 10; do echo "record $n line $j"; done >>"$dir/in-$i.txt"
            done
            n=$((n + 1)); sleep 0.1
        done' writer "$dir" "$K" $((TIMEOUT + 300))
    local writer=$BENCH_SPAWNED_PID base=http://127.0.0.1:${ports[1]}
    for i in $(seq "$K"); do
        bench_http PUT "$base/connectors/fo-$i/config" "{\"connector.class\":\"FileStreamSource\",\"tasks.max\":\"1\",\"file\":\"$dir/in-$i.txt\",\"topic\":\"bench-$cluster-t$i\",\"key.converter\":\"org.apache.kafka.connect.storage.StringConverter\",\"value.converter\":\"org.apache.kafka.connect.storage.StringConverter\"}" >/dev/null ||
            { bench_stop "$writer"; eval "$stop_all"; return 1; }
    done
    for i in $(seq "$K"); do
        bench_wait_tasks_running "$base" "fo-$i" 1 180 || { bench_stop "$writer"; eval "$stop_all"; return 1; }
    done
    # steady state: every topic growing
    sleep 5
    local owner victim=0 t1 c0 c1
    owner=$(curl -s "$base/connectors/fo-1/status" | jq -r '.tasks[0].worker_id')
    for i in 1 2 3; do [ "$owner" = "127.0.0.1:${ports[$i]}" ] && victim=$i; done
    [ "$victim" != 0 ] || { bench_log "task fo-1/0 runs on unknown worker '$owner'"; bench_stop "$writer"; eval "$stop_all"; return 1; }
    c0=$(count "bench-$cluster-t1"); sleep 1; c1=$(count "bench-$cluster-t1")
    [ "$c1" -gt "$c0" ] || { bench_log "fo-1 is not delivering before the kill"; bench_stop "$writer"; eval "$stop_all"; return 1; }
    local tasks_on_victim
    tasks_on_victim=$(for i in $(seq "$K"); do curl -s "$base/connectors/fo-$i/status" | jq -r '.tasks[0].worker_id'; done | grep -c "^$owner\$" || true)
    local t_kill; t_kill=$(bench_now_ms)
    bench_kill9 "${pids[$victim]}"
    sleep 0.3
    local e0; e0=$(count "bench-$cluster-t1")
    local deadline=$((t_kill + TIMEOUT * 1000)) rc=0
    while :; do
        if [ "$(count "bench-$cluster-t1")" -gt "$e0" ]; then
            t1=$(bench_now_ms)
            bench_log "$sys $prof run $run: worker $victim ($owner, $tasks_on_victim of $K tasks) killed; fo-1 delivers again after $((t1 - t_kill)) ms"
            bench_raw_append "$RAW" "$sys/$prof" "$run" "$((t1 - t_kill))" "$tasks_on_victim" ok
            break
        fi
        if [ "$(bench_now_ms)" -gt "$deadline" ]; then
            bench_log "$sys $prof run $run: fo-1 did not deliver again within ${TIMEOUT}s"
            bench_raw_append "$RAW" "$sys/$prof" "$run" "" "$tasks_on_victim" "timeout>${TIMEOUT}s"
            rc=1; break
        fi
        sleep 0.1
    done
    bench_stop "$writer" 5
    eval "$stop_all"
    for i in $(seq "$K"); do "$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" delete-topic "bench-$cluster-t$i" >/dev/null 2>&1 || true; done
    for t in offsets configs status; do "$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" delete-topic "bench-$cluster-$t" >/dev/null 2>&1 || true; done
    rm -rf "$dir"
    return $rc
}

for run in $(seq "$RUNS"); do
    for prof in $PROFILES; do
        for sys in "${SYSTEMS[@]}"; do
            failover_run "$sys" "$prof" "$run" || bench_log "$sys $prof run $run failed"
        done
    done
done

# ---- table
cell() { local v; mapfile -t v < <(bench_raw_col "$RAW" "$1" 3); [ ${#v[@]} -gt 0 ] && bench_msm "$(bench_stats "${v[@]}")" || echo "n/a"; }
valid() { awk -F'\t' -v k="$1" '$1 == k && $5 == "ok"' "$RAW" | wc -l; }
{
    echo "3 workers, $K FileStreamSource connectors (one task each) under constant load; the worker running one task is killed with SIGKILL. Time = kill → that task's topic grows again. Median (min–max) of $RUNS runs, in ms."
    echo
    bench_row "system" "profile" "kill → delivering again (ms)" "valid runs"
    bench_row "---" "---" "---:" "---:"
    for prof in $PROFILES; do
        if [ "$TRIB_DIST" = 1 ]; then
            bench_row "Tributary distributed" "$prof ($(profile_props "$prof"))" "$(cell "tributary/$prof")" "$(valid "tributary/$prof")/$RUNS"
        else
            bench_row "Tributary distributed" "$prof" "not available: $([ -z "$TRIBUTARY" ] && echo "tributary did not build" || echo "'tributary distributed' is not implemented in this build")" "—"
        fi
        failed=$(awk -F'\t' -v k="connect/$prof" '$1 == k && $5 != "ok" { print $5 }' "$RAW" | head -n 1)
        bench_row "Kafka Connect 3.9.2" "$prof ($(profile_props "$prof"))" "$(cell "connect/$prof")${failed:+; some runs: $failed}" "$(valid "connect/$prof")/$RUNS"
    done
} >"$MD"
cat "$MD"
