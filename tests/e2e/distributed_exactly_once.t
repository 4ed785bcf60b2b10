#!/usr/bin/env bash
# exactly.once.source.support=enabled: a DataGen flow into a topic keeps
# every record exactly once (read_committed count and unique keys) while
# workers are killed with -9 and restarted; a restarted task's producer
# fences its zombie predecessor through its transactional.id. The connector
# asks for exactly.once.support=required, which such a worker accepts.
. "$(dirname "$0")/lib.sh"
require_services
plan 4

group=$(uniq_name dist-eos)
topic=$group-out
N=30000
ports=(); pids=()
for i in 1 2 3; do ports+=("$(free_port)"); done
for i in 1 2 3; do
  write_dist_props "$E2E_TMP/w$i.properties" "${ports[$((i-1))]}" "$group" "exactly.once.source.support=enabled"
  start_dist_worker "$E2E_TMP/w$i.properties" "$E2E_TMP/w$i.log"; pids+=("$WORKER_PID")
done
for i in 1 2 3; do wait_rest "${ports[$((i-1))]}" 60; done
p1=${ports[0]}
r=$(rest POST "$p1" /connectors "{\"name\":\"eos\",\"config\":{\"connector.class\":\"DataGen\",\"topic\":\"$topic\",\"tasks.max\":\"3\",\"count\":\"$N\",\"rate\":\"300\",\"key.shape\":\"sequence\",\"value.shape\":\"string\",\"batch.size\":\"100\",\"exactly.once.support\":\"required\"}}")
like "$r" '^201 ' "exactly-once DataGen connector with exactly.once.support=required is created"
wait_for 60 'test "$(task_placement "$p1" | wc -l)" -eq 3'
diag "$(date +%T) tasks running"

# kill -9 a worker three times during the load, restarting it each time
for round in 1 2 3; do
  sleep 5
  victim=$(( (round % 2) + 1 ))   # workers 2 and 3 (index 1 and 2)
  kill -9 "${pids[$victim]}" 2>/dev/null; wait "${pids[$victim]}" 2>/dev/null
  diag "$(date +%T) round $round: killed worker $((victim + 1))"
  sleep 2
  start_dist_worker "$E2E_TMP/w$((victim + 1)).properties" "$E2E_TMP/w$((victim + 1)).log"; pids[$victim]=$WORKER_PID
done

wait_for 180 'test "$(topic_count "$topic")" -ge $N'
got=$(topic_count "$topic")
is "$got" "$N" "read_committed sees exactly $N records"
keys=$(kcat -b "$KAFKA_BOOTSTRAP" -C -t "$topic" -e -q -X isolation.level=read_committed -f '%k\n' 2>/dev/null | sort -u | wc -l)
is "$keys" "$N" "every key appears once"
all=$(kcat -b "$KAFKA_BOOTSTRAP" -C -t "$topic" -e -q -X isolation.level=read_uncommitted -f '%o\n' 2>/dev/null | wc -l)
diag "read_uncommitted sees $all records (aborted zombie transactions included)"
grep -h "fenced\|init transactions" "$E2E_TMP"/w*.log | head -3 | sed 's/^/# /'
st=$(curl -s "http://127.0.0.1:$p1/connectors/eos/status" | jq -r '[.tasks[].state] | join(",")')
is "$st" "RUNNING,RUNNING,RUNNING" "all three tasks are RUNNING at the end"
finish
