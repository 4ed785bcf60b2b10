#!/usr/bin/env bash
# bench/chaos_compare.sh: the chaos run's fault schedule (tests/e2e/chaos_schedule.sh,
# the one tests/e2e/chaos_short.t uses) applied to a 3-worker Kafka Connect
# 3.9.2 cluster and to a 3-worker Tributary cluster, one after the other, with
# the pipelines both can run, then per system: faults applied, records lost
# and duplicated, and the time from each kill -9 to data flowing again.
#
# Per system (fresh group, internal topics, data topics and tables per run):
#   * 3 distributed workers with equal tuned group settings on both:
#     session.timeout.ms=6000, heartbeat.interval.ms=1000,
#     scheduled.rebalance.max.delay.ms=0 (as bench/failover.sh "tuned"), the
#     rest as bench/lib.sh starts them (JsonConverter, offset.flush.interval.ms=10000);
#   * file pipeline (at least once on both): the harness appends 100 lines/s
#     to a file -> FileStreamSource (1 task) -> topic -> FileStreamSink (1 task);
#   * PostgreSQL pipelines: the harness appends 100 orders/s (JSON with a
#     schema, order_id 1..N, one per line) to a second file ->
#     FileStreamSource (StringConverter: the line is the record) -> a
#     2-partition topic -> a JDBC sink with 2 tasks in upsert mode (PRIMARY
#     KEY order_id) and one with 2 tasks in insert mode (no key, so a record
#     written twice is a duplicate row). (A producer of the harness's own
#     would not survive the broker restart: kcat exits when all brokers are
#     down.)
#     Connect: Debezium's JdbcSinkConnector 3.1.2 (at least once: Connect has
#     no exactly-once sink). Tributary: its PostgresSink (exactly once: it
#     keeps the offsets in the target);
#   * faults: chaos_schedule's schedule for CHAOS_SEED over CHAOS_DURATION s
#     (kill -9 of a random worker every 15 s, restarted 2 s later on the same
#     port; per 200 s window one SIGSTOP for 10 s, one broker restart, one
#     PostgreSQL restart through scripts/testenv);
#   * measured, sampled every 0.5 s: per kill -9 of a worker that ran a
#     FileStreamSource task, the time until its topic grows again
#     (source); per kill -9 and sink task on the victim (FileStreamSink,
#     upsert, insert), the time until that sink's output grows again (file
#     lines, table rows); median and max over the kills. The other task of a
#     2-task sink can keep its output growing: this is the pipeline's stall;
#   * afterwards (bounded waits): lost and duplicated lines of the file,
#     lost keys of the upsert table, lost and duplicated keys of the insert
#     table (duplicates end to end: the at-least-once source's count too,
#     shown apart as the orders topic's duplicated order_ids), tasks not RUNNING, workers not killed by the harness that died.
# Env: CHAOS_SEED (default 777), CHAOS_DURATION (default 600),
#      CHAOS_SYSTEMS ("tributary connect"), TRIBUTARY_BIN (else a Release
#      build of HEAD, bench/lib.sh). Writes $BENCH_OUT/chaos_compare.md and .tsv.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$REPO_DIR/tests/e2e/chaos_schedule.sh"
bench_init chaos_compare
bench_env

SEED=${CHAOS_SEED:-777}
DURATION=${CHAOS_DURATION:-600}
SYSTEMS=${CHAOS_SYSTEMS:-tributary connect}
RATE=100                       # records/s into each pipeline
N=$((DURATION * RATE))
RAW=$BENCH_OUT/chaos_compare.tsv
MD=$BENCH_OUT/chaos_compare.md
: >"$RAW"
TRIBUTARY=""
if [[ " $SYSTEMS " == *" tributary "* ]]; then TRIBUTARY=$(bench_tributary_bin) || bench_die "no tributary binary"; fi
STAMP=$(date +%s)
TUNED=(session.timeout.ms=6000 heartbeat.interval.ms=1000 scheduled.rebalance.max.delay.ms=0)
testenv() { "$REPO_DIR/scripts/testenv" "$@" >>"$BENCH_RUN/chaos_compare-testenv.log" 2>&1; }

# chaos_run SYSTEM: one whole run; appends a row to $RAW
chaos_run() {
    local sys=$1 cluster=cc-$1-$SEED-$STAMP i
    local dir=$BENCH_RUN/chaos_compare/$cluster
    rm -rf "$dir"; mkdir -p "$dir"
    local ftopic=$cluster-lines otopic=$cluster-orders up=${cluster//-/_}_up ins=${cluster//-/_}_ins
    local src=$dir/in.txt out=$dir/out.txt osrc=$dir/orders.txt ports=() pids=() props
    : >"$src"; : >"$osrc"
    props=("${TUNED[@]}" "group.id=bench-$cluster" "offset.storage.topic=bench-$cluster-offsets"
           "config.storage.topic=bench-$cluster-configs" "status.storage.topic=bench-$cluster-status")
    for i in 0 1 2; do ports[$i]=$(bench_free_port); done
    start_w() { # start_w INDEX: (re)start worker INDEX on its port
        if [ "$sys" = connect ]; then bench_connect_start "$cluster-w$1" "${ports[$1]}" "${props[@]}"
        else bench_tributary_start distributed "$cluster-w$1" "${ports[$1]}" "${props[@]}"; fi
        pids[$1]=$BENCH_SPAWNED_PID
    }
    for i in 0 1 2; do start_w "$i"; done
    for i in 0 1 2; do
        bench_wait_http "http://127.0.0.1:${ports[$i]}/" "$(bench_now_ms)" 300 "${pids[$i]}" >/dev/null ||
            { bench_log "$sys: worker $i did not start"; return 1; }
    done
    "$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" create-topic "$otopic" 2 >/dev/null
    "$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" create-topic "$ftopic" 1 >/dev/null
    bench_psql -c "CREATE TABLE $up (order_id bigint PRIMARY KEY, amount bigint NOT NULL)" \
               -c "CREATE TABLE $ins (order_id bigint NOT NULL, amount bigint NOT NULL)" >/dev/null
    local base=http://127.0.0.1:${ports[0]} str='"key.converter":"org.apache.kafka.connect.storage.StringConverter","value.converter":"org.apache.kafka.connect.storage.StringConverter"'
    local jdbc="jdbc:postgresql://127.0.0.1:$PG_PORT/tributary" pgcfg
    pgcfg() { # pgcfg TABLE MODE: the JDBC sink's config on this system
        if [ "$sys" = connect ]; then
            local pk='"primary.key.mode":"none"'
            [ "$2" = upsert ] && pk='"primary.key.mode":"record_value","primary.key.fields":"order_id"'
            echo "{\"connector.class\":\"io.debezium.connector.jdbc.JdbcSinkConnector\",\"tasks.max\":\"2\",\"topics\":\"$otopic\",
              \"connection.url\":\"$jdbc\",\"connection.username\":\"postgres\",\"connection.password\":\"\",
              \"insert.mode\":\"$2\",$pk,\"schema.evolution\":\"none\",\"table.name.format\":\"$1\",
              \"key.converter\":\"org.apache.kafka.connect.storage.StringConverter\"}"
        else
            local pk='"pk.mode":"none"'
            [ "$2" = upsert ] && pk='"pk.mode":"record_value","pk.fields":"order_id"'
            echo "{\"connector.class\":\"io.tributary.connect.postgres.PostgresSinkConnector\",\"tasks.max\":\"2\",\"topics\":\"$otopic\",
              \"connection.url\":\"$jdbc\",\"connection.user\":\"postgres\",
              \"insert.mode\":\"$2\",$pk,\"table.name.format\":\"$1\",
              \"key.converter\":\"org.apache.kafka.connect.storage.StringConverter\"}"
        fi
    }
    bench_http PUT "$base/connectors/fsrc/config" "{\"connector.class\":\"FileStreamSource\",\"tasks.max\":\"1\",\"file\":\"$src\",\"topic\":\"$ftopic\",$str}" >/dev/null &&
    bench_http PUT "$base/connectors/fsink/config" "{\"connector.class\":\"FileStreamSink\",\"tasks.max\":\"1\",\"file\":\"$out\",\"topics\":\"$ftopic\",$str}" >/dev/null &&
    bench_http PUT "$base/connectors/osrc/config" "{\"connector.class\":\"FileStreamSource\",\"tasks.max\":\"1\",\"file\":\"$osrc\",\"topic\":\"$otopic\",$str}" >/dev/null &&
    bench_http PUT "$base/connectors/pgup/config" "$(pgcfg "$up" upsert)" >/dev/null &&
    bench_http PUT "$base/connectors/pgins/config" "$(pgcfg "$ins" insert)" >/dev/null ||
        { bench_log "$sys: creating the connectors failed"; return 1; }
    for c in fsrc:1 fsink:1 osrc:1 pgup:2 pgins:2; do
        bench_wait_tasks_running "$base" "${c%:*}" "${c#*:}" 180 || { bench_log "$sys: ${c%:*} is not RUNNING"; return 1; }
    done

    # load: 20 lines / 20 records every 0.2 s for DURATION s
    bench_spawn "$dir/feed.log" bash -c '
        for ((k = 0; k < $2 * 5; k++)); do
            for ((j = 0; j < 20; j++)); do echo "line-$k-$j"; done >>"$1"; sleep 0.2
        done' feed "$src" "$DURATION"
    local feed=$BENCH_SPAWNED_PID
    bench_spawn "$dir/orders-feed.log" bash -c '
        schema="{\"type\":\"struct\",\"name\":\"order\",\"optional\":false,\"fields\":[{\"field\":\"order_id\",\"type\":\"int64\",\"optional\":false},{\"field\":\"amount\",\"type\":\"int64\",\"optional\":false}]}"
        for ((k = 0; k < $1 * 5; k++)); do
            for ((j = 1; j <= 20; j++)); do n=$((k * 20 + j))
                printf "{\"schema\":%s,\"payload\":{\"order_id\":%d,\"amount\":%d}}\n" "$schema" $n $((n % 1000))
            done >>"$2"; sleep 0.2
        done' ofeed "$DURATION" "$osrc"
    local ofeed=$BENCH_SPAWNED_PID
    # monitor: "ms file-topic-end out-lines upsert-rows insert-rows orders-topic-end" every 0.5 s
    # (empty or 0 when kcat or psql failed during a restart: skipped)
    bench_spawn "$dir/monitor.txt" bash -c '
        while :; do
            read -r e o < <(kcat -b "$1" -Q -t "$2:0:-1" -t "$7:0:-1" -t "$7:1:-1" 2>/dev/null |
                awk -v f="$2" "\$1 == f {e += \$NF; next} {o += \$NF} END {print e + 0, o + 0}")
            l=$( [ -f "$3" ] && wc -l <"$3" || echo 0)
            read -r u i < <(psql "$4" -XAt -F " " -c "SELECT (SELECT count(*) FROM $5), (SELECT count(*) FROM $6)" 2>/dev/null)
            echo "$(date +%s%3N) $e $l ${u:-0} ${i:-0} $o"; sleep 0.5
        done' monitor "$KAFKA_BOOTSTRAP" "$ftopic" "$out" "$PG_URL" "$up" "$ins" "$otopic"
    local monitor=$BENCH_SPAWNED_PID

    RANDOM=$SEED; chaos_schedule "$DURATION"
    bench_log "$sys: seed $SEED, ${#CHAOS_SCHED[@]} faults: $(printf '%s; ' "${CHAOS_SCHED[@]}")"
    local t0 ev at act kills=() nfaults=0 on alive_port j
    t0=$(date +%s)
    for ev in "${CHAOS_SCHED[@]}"; do
        at=${ev%% *}; act=${ev#* }
        while [ $(( $(date +%s) - t0 )) -lt "$at" ]; do sleep 0.2; done
        case $act in
            kill*) i=${act#kill}
                # the victim's tasks as another worker's REST reports them
                on=""
                for j in 1 2; do
                    alive_port=${ports[$(( (i + j) % 3 ))]}
                    on=$(curl -s -m 5 "http://127.0.0.1:$alive_port/connectors?expand=status" |
                        jq -r --arg w "127.0.0.1:${ports[$i]}" 'to_entries[] | .key as $c | .value.status.tasks[] | select(.worker_id == $w) | $c' 2>/dev/null | sort -u | tr '\n' ' ') && break
                done
                bench_kill9 "${pids[$i]}"
                kills+=("$(bench_now_ms) $on")
                bench_log "$sys +$(( $(date +%s) - t0 ))s kill -9 worker $i (tasks of: ${on:-none})"
                sleep 2; start_w "$i" ;;
            stop*) i=${act#stop}
                kill -STOP "${pids[$i]}" 2>/dev/null || true; bench_log "$sys +$(( $(date +%s) - t0 ))s SIGSTOP worker $i for 10 s"
                sleep 10; kill -CONT "${pids[$i]}" 2>/dev/null || true ;;
            broker) bench_log "$sys +$(( $(date +%s) - t0 ))s broker restart"
                testenv restart-kafka || bench_log "$sys: restart-kafka failed" ;;
            postgres) bench_log "$sys +$(( $(date +%s) - t0 ))s PostgreSQL restart"
                testenv restart-postgres || bench_log "$sys: restart-postgres failed" ;;
        esac
        nfaults=$((nfaults + 1))
    done
    bench_log "$sys: $nfaults faults applied in $(( $(date +%s) - t0 )) s; waiting for the data"
    local w; for w in $(seq 150); do bench_alive "$feed" || bench_alive "$ofeed" || break; sleep 2; done

    # accounting, each wait bounded (300 s)
    local m missing_lines up_rows ins_rows
    m=$(wc -l <"$src")
    missing_lines() { comm -23 <(sort -u "$src") <(sort -u "$out" 2>/dev/null) | wc -l; }
    for w in $(seq 150); do
        [ "$(missing_lines)" -eq 0 ] && [ "$(bench_psql -c "SELECT count(DISTINCT order_id) FROM $up" 2>/dev/null || echo 0)" -ge "$N" ] &&
            [ "$(bench_psql -c "SELECT count(DISTINCT order_id) FROM $ins" 2>/dev/null || echo 0)" -ge "$N" ] && break
        sleep 2
    done
    sleep 5   # late duplicates (a sink still redelivering) count too
    local f_lost f_dup u_lost i_lost i_dup o_dup notrun dead=0
    f_lost=$(missing_lines); f_dup=$(( $( [ -f "$out" ] && wc -l <"$out" || echo 0) - m + f_lost ))
    u_lost=$(bench_psql -c "SELECT $N - count(DISTINCT order_id) FROM $up")
    read -r i_lost i_dup <<<"$(bench_psql -F ' ' -c "SELECT $N - count(DISTINCT order_id), count(*) - count(DISTINCT order_id) FROM $ins")"
    o_dup=$(kcat -b "$KAFKA_BOOTSTRAP" -C -t "$otopic" -e -q -f '%s\n' 2>/dev/null | sed 's/.*"order_id":\([0-9]*\).*/\1/' | sort | uniq -d -c | awk '{s += $1 - 1} END {print s + 0}')
    notrun="?"   # asked of each worker in turn until one answers
    for i in 0 1 2; do
        notrun=$(curl -s -m 10 "http://127.0.0.1:${ports[$i]}/connectors?expand=status" |
            jq -e '[.[] | .status.tasks[] | select(.state != "RUNNING")] | length' 2>/dev/null) && break
        notrun="?"
    done
    for i in 0 1 2; do bench_alive "${pids[$i]}" || dead=$((dead + 1)); done

    # kill -> flowing again, per kind: for each kill of a worker that ran
    # such a task, ms to the first sample above the value at the kill
    bench_stop "$monitor" 5
    flow() { # flow COLUMN CONNECTOR...
        local col=$1 e k tasks c; shift
        for e in "${kills[@]}"; do
            read -r k tasks <<<"$e"
            for c in "$@"; do
                [[ " $tasks " == *" $c "* ]] || continue
                awk -v k="$k" -v c="$col" '$c == "" || $c == 0 {next} $1 < k {v = $c} $1 >= k && $c > v && v != "" {print $1 - k; exit}' "$dir/monitor.txt"
            done
        done
    }
    stats() { sort -n | awk '{a[NR] = $1} END {if (NR) printf "%d\t%d\t%d", a[int((NR + 1) / 2)], a[NR], NR; else printf "\t\t0"}'; }
    local src_flow sink_flow
    src_flow=$( { flow 2 fsrc; flow 6 osrc; } | stats)
    sink_flow=$( { flow 3 fsink; flow 4 pgup; flow 5 pgins; } | stats)
    bench_log "$sys: faults $nfaults (${#kills[@]} kill -9); file $f_lost lost / $f_dup dup of $m; upsert $u_lost lost; insert $i_lost lost / $i_dup dup of $N (orders topic: $o_dup dup); not RUNNING $notrun; dead $dead; source flow (median max n) $src_flow; sink flow $sink_flow"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$sys" "$nfaults" "${#kills[@]}" "$m" "$f_lost" "$f_dup" \
        "$u_lost" "$i_lost" "$i_dup" "$o_dup" "$notrun" "$dead" "$src_flow" "$sink_flow" >>"$RAW"

    for i in 0 1 2; do bench_stop "${pids[$i]}" 60; done
    for t in "$otopic" "$ftopic" "bench-$cluster-offsets" "bench-$cluster-configs" "bench-$cluster-status"; do
        "$TOOLS/ktool" -b "$KAFKA_BOOTSTRAP" delete-topic "$t" >/dev/null 2>&1 || true
    done
    bench_psql -c "DROP TABLE IF EXISTS $up" -c "DROP TABLE IF EXISTS $ins" >/dev/null || true
}

for sys in $SYSTEMS; do chaos_run "$sys" || bench_log "$sys: run failed"; done

label() { [ "$1" = connect ] && echo "Kafka Connect 3.9.2 (Debezium JDBC sink 3.1.2)" || echo "Tributary ($(cat "$BENCH_OUT/tributary-version.txt" 2>/dev/null), Release)"; }
{
    echo "Seed $SEED, $DURATION s of faults, $RATE lines/s and $RATE records/s; 3 workers, session.timeout.ms=6000, heartbeat.interval.ms=1000, scheduled.rebalance.max.delay.ms=0 on both. Flow = kill -9 → the output grows again (ms, sampled every 0.5 s plus the time the samples take; median / max over the kills of a worker running such a task)."
    echo
    bench_row "system" "faults (kill -9)" "file: lost / dup lines" "upsert: lost keys" "insert: lost / dup rows (of which in the topic)" "tasks not RUNNING / workers died" "source flow median / max (kills)" "sink flow median / max (kills)"
    bench_row "---" "---:" "---:" "---:" "---:" "---:" "---:" "---:"
    while IFS=$'\t' read -r s nf nk m fl fd ul il id od nr dd sm sx sn km kx kn; do
        bench_row "$(label "$s")" "$nf ($nk)" "$fl / $fd of $m" "$ul of $N" "$il / $id ($od) of $N" "$nr / $dd" "${sm:-–} / ${sx:-–} ($sn)" "${km:-–} / ${kx:-–} ($kn)"
    done <"$RAW"
} >"$MD"
cat "$MD"
