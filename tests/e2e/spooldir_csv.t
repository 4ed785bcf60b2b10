#!/usr/bin/env bash
# SpoolDirCsvSource on two distributed workers with exactly.once.source.support:
# four tasks share one input directory, a worker is killed with -9 while
# files are half read and restarted; every row reaches Kafka exactly once
# (read_committed count and unique keys), every file ends in finished.path
# only after that, and a new file under a reused name is read again. Both
# workers answer GET .../files the same from the file status topic, which
# skips records that are not file statuses.
. "$(dirname "$0")/lib.sh"
require_services
plan 11

group=$(uniq_name spool)
topic=$group-rows
in=$E2E_TMP/in; fin=$E2E_TMP/finished; errd=$E2E_TMP/error
mkdir -p "$in" "$fin" "$errd"
FILES=4; ROWS=60000
N=$((FILES * ROWS))
# Written under hidden names and renamed, as an upload does: the connector
# never sees a partial file.
for f in $(seq 1 $FILES); do
  awk -v f="$f" -v n="$ROWS" 'BEGIN { print "id,name,amount,day";
    for (i = 1; i <= n; i++) printf "%d,\"row %d, file %d\",%d.25,2024-01-%02d\n", f * 1000000 + i, i, f, i % 1000, i % 28 + 1 }' \
    > "$in/.part-$f" && mv "$in/.part-$f" "$in/data-$f.csv"
done

ports=(); pids=()
for i in 1 2; do ports+=("$(free_port)"); done
for i in 1 2; do
  write_dist_props "$E2E_TMP/w$i.properties" "${ports[$((i-1))]}" "$group" "exactly.once.source.support=enabled"
  start_dist_worker "$E2E_TMP/w$i.properties" "$E2E_TMP/w$i.log"; pids+=("$WORKER_PID")
done
for i in 1 2; do wait_rest "${ports[$((i-1))]}" 60; done
p1=${ports[0]}

schema='{\"type\":\"record\",\"name\":\"row\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"},{\"name\":\"name\",\"type\":\"string\"},{\"name\":\"amount\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":12,\"scale\":2}},{\"name\":\"day\",\"type\":{\"type\":\"int\",\"logicalType\":\"date\"}}]}'
r=$(rest POST "$p1" /connectors "{\"name\":\"spool\",\"config\":{\"connector.class\":\"com.github.jcustenborder.kafka.connect.spooldir.SpoolDirCsvSourceConnector\",
  \"tasks.max\":\"4\",\"topic\":\"$topic\",\"input.path\":\"$in\",\"finished.path\":\"$fin\",\"error.path\":\"$errd\",
  \"input.file.pattern\":\".*\\\\.csv\",\"csv.first.row.as.header\":\"true\",\"batch.size\":\"100\",\"empty.poll.wait.ms\":\"200\",
  \"value.schema\":\"$schema\",\"schema.generation.key.fields\":\"id\",
  \"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\",\"value.converter.schemas.enable\":\"false\"}}")
like "$r" '^201 ' "a SpoolDirCsvSource connector with four tasks is created on two workers"

# kill -9 the second worker as soon as one of its tasks is reading a file
# (each poll of 100 rows is one transaction, so the files take a while)
wait_for 120 'grep -q "reading data-" "$E2E_TMP/w2.log"'
sleep 0.5
kill -9 "${pids[1]}" 2>/dev/null; wait "${pids[1]}" 2>/dev/null
done_at_kill=$(ls "$fin" | wc -l)
diag "$(date +%T) killed worker 2 while it was reading; $done_at_kill files finished then"
sleep 1
start_dist_worker "$E2E_TMP/w2.properties" "$E2E_TMP/w2.log"; pids[1]=$WORKER_PID

ok "$([ "$done_at_kill" -lt $FILES ] && echo 0 || echo 1)" "the kill came while files were still being read"
wait_for 240 'test "$(ls "$fin" | wc -l)" -eq '$FILES
is "$(ls "$fin" | sort | tr '\n' ' ')" "data-1.csv data-2.csv data-3.csv data-4.csv " "every file ends in finished.path"
is "$(ls -A "$in" | wc -l)" "0" "the input directory is empty"
is "$(topic_count "$topic")" "$N" "read_committed sees exactly $N rows"
keys=$(kcat -b "$KAFKA_BOOTSTRAP" -C -t "$topic" -e -q -X isolation.level=read_committed -f '%k\n' 2>/dev/null | sort -u | wc -l)
is "$keys" "$N" "every row's key appears once"
v=$(kcat -b "$KAFKA_BOOTSTRAP" -C -t "$topic" -e -q -X isolation.level=read_committed -f '%s\n' 2>/dev/null | grep -m1 '"id":1000007,')
like "$v" '"name":"row 7, file 1".*"day":19730' "values are typed by the declared schema (quoted comma kept, date as days)"

# The file status topic (<status topic>-files) is read by both workers; the
# restarted one read it back. Records that are not file statuses (someone
# else wrote to the topic) are skipped.
printf 'file-0000000000000001-spool|this is not JSON\ngarbage-key|{}\nfile-0000000000000002-spool|{"connector":"other","id":"0000000000000002","name":"x","state":"FINISHED"}\n' |
  kcat -b "$KAFKA_BOOTSTRAP" -P -t "$group-status-files" -K '|' 2>/dev/null
fstatus() { curl -s "http://127.0.0.1:$1/connectors/spool/files" | jq -c 'map([.name, .state, .rows_done, .bytes_done, .timings.finished_at > 0]) | sort'; }
wait_for 10 'grep -q "skipping a record at .* of the file status topic" "$E2E_TMP/w1.log"'
s1=$(fstatus "$p1")
s2=$(fstatus "${ports[1]}")
is "$s1" '[["data-1.csv","FINISHED",60000,'"$(stat -c %s "$fin/data-1.csv")"',true],["data-2.csv","FINISHED",60000,'"$(stat -c %s "$fin/data-2.csv")"',true],["data-3.csv","FINISHED",60000,'"$(stat -c %s "$fin/data-3.csv")"',true],["data-4.csv","FINISHED",60000,'"$(stat -c %s "$fin/data-4.csv")"',true]]' \
   "GET .../files shows every file FINISHED with its rows, bytes and finish time"
is "$s2" "$s1" "and the other worker (killed and restarted) answers the same"
ok "$(grep -c "skipping a record at .* of the file status topic" "$E2E_TMP/w1.log" | grep -qx 3; echo $?)" \
   "records in the topic that are not file statuses are skipped (worker alive: $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$p1/"))"

# a new file under a reused name is a new file
printf 'id,name,amount,day\n9000001,"again",1.00,2024-02-01\n' > "$in/.again" && mv "$in/.again" "$in/data-1.csv"
wait_for 60 'test "$(topic_count "$topic")" -ge '$((N + 1))
is "$(topic_count "$topic")" "$((N + 1))" "a new file under a finished file's name is read"
finish
