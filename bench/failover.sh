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
#   * once every task is RUNNING and delivering, a worker is killed with
#     SIGKILL (t_kill): the group leader ("leader" case) or a worker that is
#     not the leader ("follower" case); which one leads is read from the
#     workers' logs (Connect: the leaderUrl of the latest assignment;
#     Tributary: the worker whose latest slot assignment says "(leader)").
#     The cases differ on Connect: the lost-task delay
#     (scheduled.rebalance.max.delay.ms) is tracked by the leader, so when the
#     leader itself dies its tasks are reassigned at once;
#   * measured: t_kill -> the first connector whose task ran on the killed
#     worker delivers again (its topic grows; new records can only come from
#     the task's new owner), polled every 100 ms, bounded by
#     BENCH_FAILOVER_TIMEOUT (default 600 s).
# Profiles (same config names on both systems):
#   default   Connect's defaults, set on both: session.timeout.ms=10000,
#             heartbeat.interval.ms=3000, scheduled.rebalance.max.delay.ms=300000
#   shipped   nothing set: each system's own defaults. Tributary ships
#             scheduled.rebalance.max.delay.ms=0 (session and heartbeat as
#             Connect's); Connect's shipped defaults are the "default"
#             profile, so only Tributary runs it.
#   tuned     session.timeout.ms=6000, heartbeat.interval.ms=1000,
#             scheduled.rebalance.max.delay.ms=0
# Systems: Kafka Connect 3.9.2 (bench/peers/connect-worker); Tributary
# distributed when the build has it (otherwise the table says "not available").
# Writes $BENCH_OUT/failover.md and failover.tsv.
# Env: BENCH_RUNS (or BENCH_FAILOVER_RUNS), BENCH_FAILOVER_PROFILES ("default shipped tuned"),
#      BENCH_FAILOVER_VICTIMS ("follower leader"), BENCH_FAILOVER_SYSTEMS
#      ("tributary connect"),
#      BENCH_FAILOVER_CONNECTORS, BENCH_FAILOVER_TIMEOUT.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init failover
bench_env

RUNS=${BENCH_FAILOVER_RUNS:-$BENCH_RUNS}
PROFILES=${BENCH_FAILOVER_PROFILES:-default shipped tuned}
VICTIMS=${BENCH_FAILOVER_VICTIMS:-follower leader}
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
# BENCH_FAILOVER_SYSTEMS narrows the run (e.g. "tributary" while working on it)
if [ -n "${BENCH_FAILOVER_SYSTEMS:-}" ]; then
    keep=()
    for sys in "${SYSTEMS[@]}"; do [[ " $BENCH_FAILOVER_SYSTEMS " == *" $sys "* ]] && keep+=("$sys"); done
    SYSTEMS=("${keep[@]}")
fi

profile_props() {
    case $1 in
        default) echo "session.timeout.ms=10000 heartbeat.interval.ms=3000 scheduled.rebalance.max.delay.ms=300000" ;;
        shipped) ;;
        tuned) echo "session.timeout.ms=6000 heartbeat.interval.ms=1000 scheduled.rebalance.max.delay.ms=0" ;;
    esac
}

# profile_label PROFILE SYSTEM: the profile as the table shows it
profile_label() {
    case $1 in
        shipped) [ "$2" = tributary ] &&
            echo "shipped defaults (nothing set: session.timeout.ms=10000 heartbeat.interval.ms=3000 scheduled.rebalance.max.delay.ms=0)" ||
            echo "shipped defaults (nothing set)" ;;
        *) echo "$1 ($(profile_props "$1"))" ;;
    esac
}

count() { "$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" count "$1"; }

# leader_index SYSTEM LOG1 LOG2 LOG3: prints 1..3, the worker that leads the
# group now according to the logs, or fails.
leader_index() {
    local sys=$1; shift
    local i=0 f port best="" best_t="" line t
    if [ "$sys" = connect ]; then
        # the newest "Joined group ... leaderUrl='http://127.0.0.1:PORT/'" of any worker
        for f in "$@"; do
            line=$(grep -h "Joined group at generation" "$f" 2>/dev/null | tail -n 1) || continue
            [ -n "$line" ] || continue
            t=${line:1:23}
            if [ -z "$best_t" ] || [[ "$t" > "$best_t" ]]; then best_t=$t; best=$line; fi
        done
        port=$(sed -n "s/.*leaderUrl='http:\/\/127.0.0.1:\([0-9]*\)\/'.*/\1/p" <<<"$best")
        [ -n "$port" ] || return 1
        for f in "$@"; do i=$((i + 1)); grep -q "listeners=http://127.0.0.1:$port\$" "$(dirname "$f")/worker.properties" && { echo "$i"; return 0; }; done
        return 1
    fi
    # Tributary: the worker whose latest slot assignment is marked "(leader)"
    for f in "$@"; do
        i=$((i + 1))
        line=$(grep -h "\[coordinator\] assigned" "$f" 2>/dev/null | tail -n 1)
        [[ "$line" == *"(leader)"* ]] && { echo "$i"; return 0; }
    done
    return 1
}

# failover_run SYSTEM PROFILE RUN
failover_run() {
    local sys=$1 prof=$2 victim_role=$3 run=$4
    local cluster=fo-$sys-$prof-$victim_role-$STAMP-$run i ports=() pids=() logs=() props
    local dir=$BENCH_RUN/failover/$cluster
    mkdir -p "$dir"
    read -r -a props <<<"$(profile_props "$prof")"
    props+=("group.id=bench-$cluster" "offset.storage.topic=bench-$cluster-offsets"
           "config.storage.topic=bench-$cluster-configs" "status.storage.topic=bench-$cluster-status")
    for i in 1 2 3; do
        ports[$i]=$(bench_free_port)
        if [ "$sys" = connect ]; then
            bench_connect_start "$cluster-w$i" "${ports[$i]}" "${props[@]}"
        else
            bench_tributary_start distributed "$cluster-w$i" "${ports[$i]}" "${props[@]}"
        fi
        pids[$i]=$BENCH_SPAWNED_PID
        logs[$i]=$BENCH_SPAWNED_LOG
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
    local leader victim=0 owner="" conn="" t1 c0 c1 cand
    leader=$(leader_index "$sys" "${logs[1]}" "${logs[2]}" "${logs[3]}") ||
        { bench_log "cannot tell the group leader from the logs"; bench_stop "$writer"; eval "$stop_all"; return 1; }
    for cand in 1 2 3; do
        if [ "$victim_role" = leader ]; then [ "$cand" = "$leader" ] || continue
        else [ "$cand" != "$leader" ] || continue; fi
        for i in $(seq "$K"); do
            if [ "$(curl -s "$base/connectors/fo-$i/status" | jq -r '.tasks[0].worker_id')" = "127.0.0.1:${ports[$cand]}" ]; then
                victim=$cand; owner=127.0.0.1:${ports[$cand]}; conn=$i; break 2
            fi
        done
    done
    [ "$victim" != 0 ] || { bench_log "no $victim_role worker runs a task (leader is worker $leader)"; bench_stop "$writer"; eval "$stop_all"; return 1; }
    c0=$(count "bench-$cluster-t$conn"); sleep 1; c1=$(count "bench-$cluster-t$conn")
    [ "$c1" -gt "$c0" ] || { bench_log "fo-$conn is not delivering before the kill"; bench_stop "$writer"; eval "$stop_all"; return 1; }
    local tasks_on_victim
    tasks_on_victim=$(for i in $(seq "$K"); do curl -s "$base/connectors/fo-$i/status" | jq -r '.tasks[0].worker_id'; done | grep -c "^$owner\$" || true)
    local t_kill; t_kill=$(bench_now_ms)
    bench_kill9 "${pids[$victim]}"
    sleep 0.3
    local e0; e0=$(count "bench-$cluster-t$conn")
    local deadline=$((t_kill + TIMEOUT * 1000)) rc=0
    while :; do
        if [ "$(count "bench-$cluster-t$conn")" -gt "$e0" ]; then
            t1=$(bench_now_ms)
            bench_log "$sys $prof $victim_role run $run: worker $victim ($owner, $tasks_on_victim of $K tasks; leader was worker $leader) killed; fo-$conn delivers again after $((t1 - t_kill)) ms"
            bench_raw_append "$RAW" "$sys/$prof/$victim_role" "$run" "$((t1 - t_kill))" "$tasks_on_victim" ok
            break
        fi
        if [ "$(bench_now_ms)" -gt "$deadline" ]; then
            bench_log "$sys $prof $victim_role run $run: fo-$conn did not deliver again within ${TIMEOUT}s"
            bench_raw_append "$RAW" "$sys/$prof/$victim_role" "$run" "" "$tasks_on_victim" "timeout>${TIMEOUT}s"
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
        for victim in $VICTIMS; do
            for sys in "${SYSTEMS[@]}"; do
                # Connect's shipped defaults are the "default" profile
                [ "$prof/$sys" = shipped/connect ] && continue
                failover_run "$sys" "$prof" "$victim" "$run" || bench_log "$sys $prof $victim run $run failed"
            done
        done
    done
done

# ---- table
cell() { local v; mapfile -t v < <(bench_raw_col "$RAW" "$1" 3); [ ${#v[@]} -gt 0 ] && bench_msm "$(bench_stats "${v[@]}")" || echo "n/a"; }
valid() { awk -F'\t' -v k="$1" '$1 == k && $5 == "ok"' "$RAW" | wc -l; }
{
    echo "3 workers, $K FileStreamSource connectors (one task each) under constant load; one worker is killed with SIGKILL: the group leader, or a worker that is not the leader. Time = kill → a task that ran on the killed worker delivers again (its topic grows). Median (min–max) of $RUNS runs, in ms."
    echo
    bench_row "system" "profile" "killed worker" "kill → delivering again (ms)" "valid runs"
    bench_row "---" "---" "---" "---:" "---:"
    for prof in $PROFILES; do
        for victim in $VICTIMS; do
            if [ "$TRIB_DIST" = 1 ]; then
                failed=$(awk -F'\t' -v k="tributary/$prof/$victim" '$1 == k && $5 != "ok" { print $5 }' "$RAW" | head -n 1)
                bench_row "Tributary distributed" "$(profile_label "$prof" tributary)" "$victim" "$(cell "tributary/$prof/$victim")${failed:+; some runs: $failed}" "$(valid "tributary/$prof/$victim")/$RUNS"
            else
                bench_row "Tributary distributed" "$prof" "$victim" "not available: $([ -z "$TRIBUTARY" ] && echo "tributary did not build" || echo "'tributary distributed' is not implemented in this build")" "—"
            fi
            if [ "$prof" = shipped ]; then
                bench_row "Kafka Connect 3.9.2" "$(profile_label "$prof" connect)" "$victim" "as the \"default\" row: Connect's shipped defaults are that profile" "—"
                continue
            fi
            failed=$(awk -F'\t' -v k="connect/$prof/$victim" '$1 == k && $5 != "ok" { print $5 }' "$RAW" | head -n 1)
            bench_row "Kafka Connect 3.9.2" "$(profile_label "$prof" connect)" "$victim" "$(cell "connect/$prof/$victim")${failed:+; some runs: $failed}" "$(valid "connect/$prof/$victim")/$RUNS"
        done
    done
} >"$MD"
cat "$MD"
