#!/usr/bin/env bash
# bench/scale_tasks.sh: 1,000 tasks on a 3-worker cluster, then a 4th worker
# joins (issue 17, item 2), Tributary and Kafka Connect side by side.
#
# Per run and system: BENCH_SCALE_WORKERS (default 3) fresh distributed
# workers in one group (own internal topics), then BENCH_SCALE_CONNECTORS
# (default 100) FileStreamSink connectors with tasks.max=BENCH_SCALE_TASKS
# (default 10), all reading one topic of BENCH_SCALE_TASKS partitions (so
# every task owns a partition and its own consumer; the topic is empty: this
# measures holding tasks, not moving data). The connectors are created one
# after another through worker 1's REST API.
#   * all RUNNING: from the answer to the last create until
#     GET /connectors?expand=status (worker 1, polled every 0.5 s) shows every
#     connector and every task RUNNING;
#   * 10 s later, per worker: VmRSS, open descriptors and threads from /proc,
#     and GET /connectors on every worker (HTTP status and time);
#   * a 4th worker starts: from its exec until every task is RUNNING and the
#     4 workers are balanced (each holds at least 90% of total/4 tasks);
#   * restarts outside the moved tasks: the task starts that the three old
#     workers log after the join ("task is RUNNING" for Tributary, "Creating
#     task" for Connect), minus the tasks that moved between two old workers
#     (the worker_id of a task before and after the join differs); the tasks
#     moved to the new worker are counted separately.
# Writes $BENCH_OUT/scale_tasks.md and scale_tasks.tsv.
# Env: BENCH_RUNS, BENCH_SCALE_CONNECTORS, BENCH_SCALE_TASKS,
#      BENCH_SCALE_WORKERS, BENCH_SCALE_SYSTEMS (default "tributary connect"),
#      BENCH_SCALE_TIMEOUT (900 s per wait).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_init scale_tasks
bench_env

NC=${BENCH_SCALE_CONNECTORS:-100}
NT=${BENCH_SCALE_TASKS:-10}
W=${BENCH_SCALE_WORKERS:-3}
SYSTEMS=${BENCH_SCALE_SYSTEMS:-tributary connect}
TIMEOUT=${BENCH_SCALE_TIMEOUT:-900}
TOTAL=$((NC * NT))
RAW=$BENCH_OUT/scale_tasks.tsv
MD=$BENCH_OUT/scale_tasks.md
: >"$RAW"
TRIBUTARY=$(bench_tributary_bin) || TRIBUTARY=
STAMP=$(date +%s)
TOPIC=bench-scale-in-$STAMP
TOPICS=()
bench_on_exit() { local t; for t in "${TOPICS[@]}"; do "$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" delete-topic "$t" 2>/dev/null || true; done; }
"$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" create-topic "$TOPIC" "$NT" && TOPICS+=("$TOPIC")

# status_json BASE: every connector's status, {name: {status: {...}}}
status_json() { curl -s --max-time 30 "$1/connectors?expand=status" 2>/dev/null || true; }
# running_count JSON: "connectors_running tasks_running"
running_count() {
    jq -r '[.[] | .status] | "\([.[] | select(.connector.state == "RUNNING")] | length) \([.[] | .tasks[]? | select(.state == "RUNNING")] | length)"' <<<"$1" 2>/dev/null || echo "0 0"
}
# assignment JSON: "connector/task worker_id" lines
assignment() { jq -r '.[] | .status | .name as $n | .tasks[]? | "\($n)/\(.id) \(.worker_id)"' <<<"$1" 2>/dev/null | LC_ALL=C sort; }
# balanced JSON WORKERS: all tasks RUNNING and each of WORKERS workers holds >= 90% of its share
balanced() {
    jq -e --argjson total "$TOTAL" --argjson w "$2" '
        [.[] | .status.tasks[]?] as $t
        | ($t | map(select(.state == "RUNNING")) | length) == $total
        and ($t | group_by(.worker_id) | length) == $w
        and ($t | group_by(.worker_id) | map(length) | min) >= ($total / $w * 0.9)' <<<"$1" >/dev/null 2>&1
}

scale_run() { # scale_run SYSTEM RUN
    local sys=$1 run=$2 i pids=() ports=() logs=() base name group kv=() t_last t_run st rc=0
    group=bench-scale-$sys-$STAMP-${run//[^a-z0-9-]/}
    kv=("group.id=$group" "config.storage.topic=$group-configs" "offset.storage.topic=$group-offsets"
        "status.storage.topic=$group-status" "config.storage.replication.factor=1"
        "offset.storage.replication.factor=1" "status.storage.replication.factor=1")
    TOPICS+=("$group-configs" "$group-offsets" "$group-status")
    start_worker() { # start_worker INDEX
        local port; port=$(bench_free_port)
        case $sys in
            tributary) bench_tributary_start distributed "$group-w$1" "$port" "${kv[@]}" ;;
            connect) bench_connect_start "$group-w$1" "$port" "${kv[@]}" ;;
        esac
        pids[$1]=$BENCH_SPAWNED_PID; ports[$1]=$port; logs[$1]=$BENCH_SPAWNED_LOG
    }
    [ "$sys" = tributary ] && [ -z "$TRIBUTARY" ] && return 1
    for i in $(seq 1 "$W"); do start_worker "$i"; done
    for i in $(seq 1 "$W"); do
        bench_wait_http "http://127.0.0.1:${ports[$i]}/" "$(bench_now_ms)" 300 "${pids[$i]}" >/dev/null || { tail -n 20 "${logs[$i]}" >&2; rc=1; }
    done
    base=http://127.0.0.1:${ports[1]}
    if [ "$rc" = 0 ]; then
        for i in $(seq 1 "$NC"); do
            name=scale-$i
            bench_http PUT "$base/connectors/$name/config" \
                "{\"connector.class\":\"FileStreamSink\",\"tasks.max\":\"$NT\",\"topics\":\"$TOPIC\",\"file\":\"$BENCH_RUN/scale-out/$sys-$i.txt\",
                  \"key.converter\":\"org.apache.kafka.connect.storage.StringConverter\",\"value.converter\":\"org.apache.kafka.connect.storage.StringConverter\"}" \
                >/dev/null || { bench_log "$sys run $run: creating $name failed"; rc=1; break; }
        done
    fi
    t_last=$(bench_now_ms)
    local deadline=$((t_last + TIMEOUT * 1000)) cr tr
    while [ "$rc" = 0 ]; do
        st=$(status_json "$base")
        read -r cr tr <<<"$(running_count "$st")"
        if [ "$cr" = "$NC" ] && [ "$tr" = "$TOTAL" ]; then break; fi
        [ "$(bench_now_ms)" -lt "$deadline" ] || { bench_log "$sys run $run: $cr/$NC connectors, $tr/$TOTAL tasks RUNNING after ${TIMEOUT}s"; rc=1; break; }
        sleep 0.5
    done
    if [ "$rc" = 0 ]; then
        t_run=$(($(bench_now_ms) - t_last))
        bench_log "$sys run $run: all $TOTAL tasks RUNNING ${t_run} ms after the last create"
        sleep 10
        local rss=() fds=() thr=() rest="" code secs
        for i in $(seq 1 "$W"); do
            rss+=("$(bench_rss_kb "${pids[$i]}")"); fds+=("$(ls "/proc/${pids[$i]}/fd" | wc -l)"); thr+=("$(ls "/proc/${pids[$i]}/task" | wc -l)")
            read -r code secs <<<"$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 30 "http://127.0.0.1:${ports[$i]}/connectors" || echo "000 30")"
            rest+="${rest:+,}$code/${secs}s"
        done
        local rss_m fds_m thr_m
        rss_m=$(bench_median "${rss[@]}"); fds_m=$(bench_median "${fds[@]}"); thr_m=$(bench_median "${thr[@]}")
        bench_log "$sys run $run: per worker RSS ${rss[*]} kB, fds ${fds[*]}, threads ${thr[*]}; GET /connectors $rest"
        # the 4th worker
        local before after lines=() j0 t_bal moved_new moved_old starts=0
        before=$(assignment "$(status_json "$base")")
        for i in $(seq 1 "$W"); do lines[$i]=$(wc -l <"${logs[$i]}"); done
        j0=$(bench_now_ms)
        start_worker $((W + 1))
        deadline=$((j0 + TIMEOUT * 1000))
        while :; do
            st=$(status_json "$base")
            if balanced "$st" $((W + 1)); then t_bal=$(($(bench_now_ms) - j0)); break; fi
            [ "$(bench_now_ms)" -lt "$deadline" ] || { bench_log "$sys run $run: not balanced ${TIMEOUT}s after worker $((W + 1)) started"; rc=1; break; }
            sleep 0.5
        done
        if [ "$rc" = 0 ]; then
            sleep 5
            after=$(assignment "$(status_json "$base")")
            local newid
            newid=$(jq -r --arg p "${ports[$((W + 1))]}" '[.[] | .status.tasks[]? | select(.worker_id | endswith(":" + $p))] | .[0].worker_id // ""' <<<"$st")
            # tasks whose worker changed, by where they went
            moved_new=$(LC_ALL=C join <(echo "$before") <(echo "$after") | awk -v n="$newid" '$2 != $3 && $3 == n' | wc -l)
            moved_old=$(LC_ALL=C join <(echo "$before") <(echo "$after") | awk -v n="$newid" '$2 != $3 && $3 != n' | wc -l)
            local pat="task is RUNNING"; [ "$sys" = connect ] && pat="Creating task"
            for i in $(seq 1 "$W"); do
                starts=$((starts + $(tail -n +"$((lines[$i] + 1))" "${logs[$i]}" | grep -c -- "$pat" || true)))
            done
            local restarted=$((starts - moved_old))
            bench_log "$sys run $run: balanced with all RUNNING ${t_bal} ms after worker $((W + 1))'s exec; moved to it $moved_new, between old workers $moved_old, task starts on old workers $starts, restarted outside the moved $restarted"
            bench_raw_append "$RAW" "$sys" "$run" "$t_run" "$rss_m" "$fds_m" "$thr_m" "$rest" "$t_bal" "$moved_new" "$moved_old" "$restarted" ok
        fi
    fi
    [ "$rc" = 0 ] || bench_raw_append "$RAW" "$sys" "$run" "" "" "" "" "" "" "" "" "" failed
    for i in "${!pids[@]}"; do bench_stop "${pids[$i]}" 120; done
    return $rc
}

mkdir -p "$BENCH_RUN/scale-out"
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
for run in $(seq "$BENCH_RUNS"); do
    for sys in $SYSTEMS; do scale_run "$sys" "$run" || bench_log "$sys run $run failed"; done
done
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
rm -rf "$BENCH_RUN/scale-out"

col() { bench_raw_col "$RAW" "$1" "$2"; }
cell() { local v; mapfile -t v < <(col "$1" "$2"); [ ${#v[@]} -gt 0 ] && bench_msm "$(bench_stats "${v[@]}")" "${3:-0}" || echo "n/a"; }
med() { local v; mapfile -t v < <(col "$1" "$2"); [ ${#v[@]} -gt 0 ] && bench_median "${v[@]}"; return 0; }
valid() { awk -F'\t' -v k="$1" '$1 == k && $12 == "ok"' "$RAW" | wc -l; }
{
    echo "$NC FileStreamSink connectors × tasks.max=$NT = $TOTAL tasks on $W distributed workers (one topic of $NT partitions, empty), then a worker $((W + 1)) joins. Median (min–max) of $BENCH_RUNS run(s) per system. Load average $LOAD0 at the start, $LOAD1 at the end (shared 2-core machine; this run's processes at nice $(nice)). Per-worker figures are the median over the $W workers of one run, 10 s after all tasks were RUNNING."
    echo
    bench_row "system" "all RUNNING after the last create (ms)" "RSS per worker (MB)" "open descriptors per worker" "threads per worker" "worker $((W + 1)): exec → balanced, all RUNNING (ms)" "moved to worker $((W + 1))" "restarted outside the moved" "valid runs"
    bench_row "---" "---:" "---:" "---:" "---:" "---:" "---:" "---:" "---:"
    for sys in $SYSTEMS; do
        case $sys in tributary) l="Tributary (distributed)" ;; connect) l="Kafka Connect 3.9.2" ;; esac
        if [ "$(valid "$sys")" -gt 0 ]; then
            mbcell=$(v=(); mapfile -t v < <(col "$sys" 4 | awk '{ printf "%.0f\n", $1 / 1024 }'); bench_msm "$(bench_stats "${v[@]}")")
            bench_row "$l" "$(cell "$sys" 3)" "$mbcell" "$(cell "$sys" 5)" "$(cell "$sys" 6)" "$(cell "$sys" 8)" "$(cell "$sys" 9)" "$(cell "$sys" 11)" "$(valid "$sys")/$BENCH_RUNS"
        else
            bench_row "$l" "no valid run" "" "" "" "" "" "" "0/$BENCH_RUNS"
        fi
    done
    echo
    echo "GET /connectors on each worker while holding the tasks (HTTP status/time per worker, per run):"
    echo
    for sys in $SYSTEMS; do
        awk -F'\t' -v k="$sys" '$1 == k && $12 == "ok" { printf "- %s run %s: %s\n", k, $2, $7 }' "$RAW"
    done
    echo
    echo "Ratios (medians): Connect ÷ Tributary RSS per worker $(bench_ratio "$(med connect 4)" "$(med tributary 4)" 1); Connect ÷ Tributary time to all RUNNING $(bench_ratio "$(med connect 3)" "$(med tributary 3)" 1); Connect ÷ Tributary time to balanced $(bench_ratio "$(med connect 8)" "$(med tributary 8)" 1)."
} >"$MD"
cat "$MD"
