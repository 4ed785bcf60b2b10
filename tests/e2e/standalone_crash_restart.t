#!/usr/bin/env bash
# kill -9 of a standalone worker in the middle of a load, then a restart
# with the same offsets file: every line reaches the topic, and the only
# repeats are one contiguous tail after the last committed offset.
. "$(dirname "$0")/lib.sh"
require_services
plan 6

port=$(free_port)
topic=$(uniq_name crash)
in=$E2E_TMP/in.txt
N=200000
# the first half is there at start; the second half is appended while the
# worker is down, so the crash always lands before the end of the input
seq 1 $((N / 2)) | sed 's/^/record-/' > "$in"

write_worker_props "$E2E_TMP/worker.properties" "$port" "$E2E_TMP/offsets" "offset.flush.interval.ms=200"
cat > "$E2E_TMP/source.json" <<JSON
{"name":"src","config":{"connector.class":"FileStreamSource","file":"$in","topic":"$topic","batch.size":"500"}}
JSON
start_worker "$E2E_TMP/worker.properties" "$E2E_TMP/worker.log" "$E2E_TMP/source.json"
wait_rest "$port" 30; ok $? "first worker is ready"

# kill it while the load is under way
wait_for 60 'test "$(topic_count "$topic")" -ge 20000 -a -s "$E2E_TMP/offsets"'
kill -9 "$WORKER_PID"; wait "$WORKER_PID" 2>/dev/null
first=$(topic_count "$topic")
diag "killed after $first records"
ok $([ "$first" -ge 20000 ] && echo 0 || echo 1) "the first worker delivered records before it was killed"
seq $((N / 2 + 1)) $N | sed 's/^/record-/' >> "$in"
committed=$(jq -r '.[].position' "$E2E_TMP/offsets" 2>/dev/null)
ok $([ "${committed:-0}" -gt 0 ] && echo 0 || echo 1) "an offset was committed before the crash (position ${committed:-none})"

start_worker "$E2E_TMP/worker.properties" "$E2E_TMP/worker2.log" "$E2E_TMP/source.json"
wait_rest "$port" 30; ok $? "restarted worker is ready"
# done when every distinct record has arrived (duplicates make a plain count lie)
wait_for 120 'test "$(topic_values "$topic" | sort -u | wc -l)" -ge $N'

topic_values "$topic" | sed 's/^record-//' > "$E2E_TMP/got"
missing=$(sort -n -u "$E2E_TMP/got" | comm -23 <(seq 1 $N | sort) <(sort -u "$E2E_TMP/got") | wc -l)
is "$missing" 0 "no record is lost"

# the sequence may go back once (the replayed tail) and must otherwise increase by one
verdict=$(awk 'NR==1{prev=$1; next} { if ($1==prev+1) {prev=$1; next} if ($1<=prev && !back) {back=1; prev=$1; next} print "bad at " NR ": " prev " -> " $1; exit }' "$E2E_TMP/got")
is "$verdict" "" "repeats form one contiguous replayed tail"
diag "topic holds $(wc -l < "$E2E_TMP/got") records for $N lines"
kill -TERM "$WORKER_PID"; wait "$WORKER_PID" 2>/dev/null
[ $_tap_failed -gt 0 ] && { tail -20 "$E2E_TMP/worker2.log" | sed 's/^/# /'; }
finish
