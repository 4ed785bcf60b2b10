#!/usr/bin/env bash
# Chaos (issue 15): 3 distributed workers under faults while two pipelines
# run, then exact accounting.
#   exactly once:  DataGen (2 tasks, Avro orders, exactly.once.source.support)
#                  -> Kafka (2 partitions) -> PostgresSink insert (2 tasks)
#                                          -> PostgresSink upsert (1 task)
#   at least once: a file the test appends to -> FileStreamSource -> Kafka
#                  -> FileStreamSink
# Faults, on a schedule fixed by CHAOS_SEED (printed; rerun with it): kill -9
# of a random worker every ~15 s (restarted 2 s later on the same port), one
# SIGSTOP longer than session.timeout.ms (6 s) then SIGCONT, one broker
# restart and one PostgreSQL restart (scripts/testenv) per 200 s window.
# At the end: 0 lost and 0 duplicated for the exactly-once pipeline
# (read_committed keys in the topic, both tables), 0 lost for the file one,
# every worker the test did not kill still alive, no assertion or sanitizer
# report in any log, every task RUNNING on exactly one worker and all three
# workers' status agreeing.
#
# Short (README test command): CHAOS_DURATION=90 s of faults (default),
# about 3 minutes of wall time. Long: CHAOS_DURATION=600 tests/e2e/chaos_short.t
# (docs/chaos.md). Both print the time from a kill -9 of a worker running a
# DataGen (PostgreSQL insert) task until the source topic (the table) grows
# again, median and max: the other task of the connector may keep it growing,
# so this is the pipeline's stall, not one task's.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/chaos_schedule.sh"
require_services
[ -n "${PG_URL:-}" ] || bail "PG_URL is not set"
[ -n "${SCHEMA_REGISTRY_URL:-}" ] || bail "SCHEMA_REGISTRY_URL is not set"
plan 11

CHAOS_SEED=${CHAOS_SEED:-$(( $(date +%s) % 100000 ))}
DURATION=${CHAOS_DURATION:-90}
RATE=${CHAOS_RATE:-100}               # records/s per DataGen task (2 tasks)
N=$(( DURATION * 2 * RATE ))
RANDOM=$CHAOS_SEED                     # the schedule below draws only from $RANDOM
diag "CHAOS_SEED=$CHAOS_SEED CHAOS_DURATION=$DURATION: $N exactly-once records at $((2 * RATE))/s"

testenv() { "$E2E_ROOT/scripts/testenv" "$@" >>"$E2E_TMP/testenv.log" 2>&1; }
# a failed run must not leave the broker stopped or a worker frozen
trap 'for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null; done; testenv start-kafka; kill "${mon_pid:-0}" "${feed_pid:-0}" 2>/dev/null; _e2e_cleanup' EXIT

group=$(uniq_name chaos)
topic=$group-orders
ftopic=$group-lines
table=$(echo "$group" | tr '-' '_')_ins
uptable=$(echo "$group" | tr '-' '_')_up
src=$E2E_TMP/in.txt; out=$E2E_TMP/out.txt
: > "$src"
ports=(); pids=(); started=(0 0 0)
for i in 0 1 2; do ports+=("$(free_port)"); done
start_w() { # start_w <index>: (re)starts worker <index>, log appended
  start_dist_worker "$E2E_TMP/w$1.properties" "$E2E_TMP/w$1.log"; pids[$1]=$WORKER_PID
}
for i in 0 1 2; do
  write_dist_props "$E2E_TMP/w$i.properties" "${ports[$i]}" "$group" "exactly.once.source.support=enabled"
  start_w "$i"
done
for i in 0 1 2; do wait_rest "${ports[$i]}" 120 || bail "worker $i did not start (see $E2E_TMP/w$i.log)"; done
p1=${ports[0]}
testenv create-topic "$topic" 2 || bail "cannot create $topic"

avro="\"key.converter\":\"org.apache.kafka.connect.json.JsonConverter\",\"key.converter.schemas.enable\":\"false\",
 \"value.converter\":\"io.confluent.connect.avro.AvroConverter\",\"value.converter.schema.registry.url\":\"$SCHEMA_REGISTRY_URL\""
post() { rest POST "$p1" /connectors "$1" | cut -c1-3; }
r="$(post "{\"name\":\"gen\",\"config\":{\"connector.class\":\"DataGen\",\"topic\":\"$topic\",\"tasks.max\":\"2\",\"count\":\"$N\",
 \"rate\":\"$RATE\",\"key.shape\":\"sequence\",\"value.shape\":\"orders\",\"batch.size\":\"50\",$avro}}")"
r+=" $(post "{\"name\":\"pg\",\"config\":{\"connector.class\":\"PostgresSink\",\"topics\":\"$topic\",\"connection.url\":\"$PG_URL\",
 \"table.name.format\":\"$table\",\"auto.create\":\"true\",\"insert.mode\":\"insert\",\"tasks.max\":\"2\",$avro}}")"
r+=" $(post "{\"name\":\"pgup\",\"config\":{\"connector.class\":\"PostgresSink\",\"topics\":\"$topic\",\"connection.url\":\"$PG_URL\",
 \"table.name.format\":\"$uptable\",\"auto.create\":\"true\",\"insert.mode\":\"upsert\",\"pk.mode\":\"record_value\",
 \"pk.fields\":\"order_id\",\"tasks.max\":\"1\",$avro}}")"
r+=" $(post "{\"name\":\"fsrc\",\"config\":{\"connector.class\":\"FileStreamSource\",\"file\":\"$src\",\"topic\":\"$ftopic\"}}")"
r+=" $(post "{\"name\":\"fsink\",\"config\":{\"connector.class\":\"FileStreamSink\",\"file\":\"$out\",\"topics\":\"$ftopic\"}}")"
is "$r" "201 201 201 201 201" "the 5 connectors are created"
ntasks=7
wait_for 120 'test "$(task_placement "$p1" | wc -l)" -eq $ntasks'
ok $? "their $ntasks tasks are RUNNING"

# the at-least-once input: 20 lines every 0.2 s while the faults last
( for ((k = 0; k < DURATION * 5; k++)); do
    for ((j = 0; j < 20; j++)); do echo "line-$k-$j"; done >> "$src"; sleep 0.2
  done ) &
feed_pid=$!
# monitor: every 0.5 s "ms source-end table-rows" (the source topic's end
# offsets, transaction markers included, only grow while a producer commits;
# 0 or empty when kcat or psql failed, e.g. during a restart: skipped)
pg_rows() { psql "$PG_URL" -Atc "SELECT count(*) FROM \"$table\"" 2>/dev/null; }
topic_end() {
  kcat -b "$KAFKA_BOOTSTRAP" -Q -t "$topic:0:-1" -t "$topic:1:-1" 2>/dev/null | awk '{s += $NF} END {print s + 0}'
}
( while :; do echo "$(date +%s%3N) $(topic_end) $(pg_rows)"; sleep 0.5; done ) > "$E2E_TMP/monitor.txt" &
mon_pid=$!

# ---- the schedule: "at-second action" lines, drawn from $RANDOM only -------------
chaos_schedule "$DURATION"; sched=("${CHAOS_SCHED[@]}")
diag "schedule (s action): $(printf '%s; ' "${sched[@]}")"

t0=$(date +%s); kills=(); nfaults=0
for ev in "${sched[@]}"; do
  at=${ev%% *}; act=${ev#* }
  while [ $(( $(date +%s) - t0 )) -lt "$at" ]; do sleep 0.2; done
  case $act in
    kill*) i=${act#kill}
      # whether the victim ran a DataGen / PostgreSQL insert task (seen
      # from another worker): those kills are the ones that can stop a flow
      on=$(task_placement "${ports[$(( (i + 1) % 3 ))]}" | grep " 127.0.0.1:${ports[$i]}$")
      kill -9 "${pids[$i]}" 2>/dev/null; wait "${pids[$i]}" 2>/dev/null
      kills+=("$(date +%s%3N) $(grep -c '^gen/' <<<"$on") $(grep -c '^pg/' <<<"$on")")
      diag "$(date +%T) +$(( $(date +%s) - t0 ))s kill -9 worker $i"
      sleep 2; start_w "$i" ;;
    stop*) i=${act#stop}
      kill -STOP "${pids[$i]}"
      diag "$(date +%T) +$(( $(date +%s) - t0 ))s SIGSTOP worker $i for 10 s"
      sleep 10; kill -CONT "${pids[$i]}" ;;
    broker)
      diag "$(date +%T) +$(( $(date +%s) - t0 ))s broker restart"
      testenv restart-kafka || bail "scripts/testenv restart-kafka failed (see $E2E_TMP/testenv.log)" ;;
    postgres)
      diag "$(date +%T) +$(( $(date +%s) - t0 ))s PostgreSQL restart"
      testenv restart-postgres || bail "scripts/testenv restart-postgres failed" ;;
  esac
  nfaults=$((nfaults + 1))
done
diag "$nfaults faults applied in $(( $(date +%s) - t0 )) s"
wait "$feed_pid" 2>/dev/null
M=$(lines_in "$src")

# ---- accounting ------------------------------------------------------------------
for i in 0 1 2; do wait_rest "${ports[$i]}" 120; done
wait_for 300 'test "$(topic_count "$topic")" -ge $N'
keys=$(kcat -b "$KAFKA_BOOTSTRAP" -C -t "$topic" -e -q -X isolation.level=read_committed -f '%k\n' 2>/dev/null | sort)
total=$(printf '%s\n' "$keys" | grep -c .); distinct=$(printf '%s\n' "$keys" | sort -u | grep -c .)
is "$((N - distinct)) lost, $((total - distinct)) duplicated" "0 lost, 0 duplicated" \
  "exactly once into Kafka: $N keys, each once under read_committed"
wait_for 300 'test "$(pg_rows)" -ge $N'
is "$(psql "$PG_URL" -Atc "SELECT ($N - count(DISTINCT order_id)) || ' lost, ' || (count(*) - count(DISTINCT order_id)) || ' duplicated' FROM \"$table\"")" \
  "0 lost, 0 duplicated" "exactly once into PostgreSQL (insert): $N rows, each key once"
wait_for 300 'test "$(psql "$PG_URL" -Atc "SELECT count(*) FROM \"$uptable\"" 2>/dev/null)" -ge $N'
is "$(psql "$PG_URL" -Atc "SELECT ($N - count(DISTINCT order_id)) || ' lost' FROM \"$uptable\"")" "0 lost" \
  "PostgreSQL upsert: every key there"
missing() { comm -23 <(sort -u "$src") <(sort -u "$out" 2>/dev/null) | wc -l; }
wait_for 300 'test "$(missing)" -eq 0'
is "$(missing) lost of $M" "0 lost of $M" "at least once through the files: every line delivered"
diag "file pipeline: $(( $(lines_in "$out") - M )) duplicated lines (allowed: at least once)"

dead=""
for i in 0 1 2; do kill -0 "${pids[$i]}" 2>/dev/null || dead+=" worker $i (pid ${pids[$i]})"; done
is "$dead" "" "every worker the test did not kill is still running"
crash=$(grep -h "Assertion\|AddressSanitizer\|runtime error:\|LeakSanitizer" "$E2E_TMP"/w*.log | head -3)
is "$crash" "" "no assertion and no sanitizer report in any worker log"

# every worker's view: "conn/task state worker" lines, sorted
view() { curl -s -m 10 "http://127.0.0.1:$1/connectors?expand=status" |
  jq -r 'to_entries[] | .key as $c | .value.status.tasks[] | "\($c)/\(.id) \(.state) \(.worker_id)"' 2>/dev/null | sort; }
settled() {
  local v0 v1 v2; v0=$(view "${ports[0]}"); v1=$(view "${ports[1]}"); v2=$(view "${ports[2]}")
  [ "$(grep -c ' RUNNING ' <<<"$v0")" -eq $ntasks ] && [ "$(wc -l <<<"$v0")" -eq $ntasks ] &&
    [ "$v0" = "$v1" ] && [ "$v0" = "$v2" ]
}
wait_for 180 settled; st=$?
ok $st "every task RUNNING on exactly one worker and all 3 workers' status agreeing"
[ $st -eq 0 ] || for i in 0 1 2; do diag "worker $i: $(view "${ports[$i]}" | tr '\n' ';')"; done
is "$(view "$p1" | awk '{print $1}' | uniq -d)" "" "no task listed twice"

# time from each kill -9 to the next growth of the source topic / the table
kill "$mon_pid" 2>/dev/null; wait "$mon_pid" 2>/dev/null
flow() { # flow <column> <kills-field>: per kill of a worker running such a
         # task, ms to the first sample above the value at the kill
  for e in "${kills[@]}"; do
    read -r k gen pg <<<"$e"; [ "$2" = gen ] && [ "$gen" -eq 0 ] && continue; [ "$2" = pg ] && [ "$pg" -eq 0 ] && continue
    awk -v k="$k" -v c="$1" '$c == "" || $c == 0 {next} $1 < k {v = $c} $1 >= k && $c > v && v != "" {print $1 - k; exit}' "$E2E_TMP/monitor.txt"
  done | sort -n | awk '{a[NR] = $1} END {if (NR) printf "median %d ms, max %d ms (%d kills)", a[int((NR + 1) / 2)], a[NR], NR; else printf "none"}'
}
diag "kill -9 of a worker running a DataGen task -> the topic grows again: $(flow 2 gen)"
diag "kill -9 of a worker running a PostgreSQL insert task -> the table grows again: $(flow 3 pg)"
diag "faults applied: $nfaults (${#kills[@]} kill -9)"

for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
rc=0
for p in "${pids[@]}"; do wait "$p" 2>/dev/null || rc=$?; done
is "$rc" 0 "the workers stop cleanly afterwards (exit 0, so no leak report)"
psql "$PG_URL" -qc "DROP TABLE IF EXISTS \"$table\"; DROP TABLE IF EXISTS \"$uptable\"" >/dev/null 2>&1
finish
