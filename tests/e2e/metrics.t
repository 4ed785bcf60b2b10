#!/usr/bin/env bash
# GET /metrics against numbers this test produced: DataGen writes N
# records to a topic, FileStreamSink writes them to a file, and the
# source/sink counters must say N; a sink reading the same topic with a
# JSON converter (the records are not JSON) and errors.tolerance=all
# counts N errors, N skips and N dead letter queue writes; one with
# errors.tolerance=none fails, and the status metrics say so. Also the
# OpenMetrics variant, windowed rates, and tributary.metrics.enable=false.
# Retries, lag, put/commit times, a failed DLQ write and the task counts
# by state each move in a scenario of their own.
. "$(dirname "$0")/lib.sh"
require_services
plan 64

N=300
port=$(free_port)
topic=$(uniq_name metrics)
out=$E2E_TMP/out.txt

# metric <text> <series>: the value of one exact series, or "absent"
metric() {
  awk -v s="$2" '$1 == s { print $2; found = 1 } END { if (!found) print "absent" }' <<<"$1"
}
scrape() { curl -sS "http://127.0.0.1:$port/metrics"; }

write_worker_props "$E2E_TMP/worker.properties" "$port" "$E2E_TMP/offsets" "tributary.task.auto.restart=false"
start_worker "$E2E_TMP/worker.properties" "$E2E_TMP/worker.log"
wait_rest "$port" 30; ok $? "worker REST API is ready"

rest POST "$port" /connectors "{\"name\":\"gen\",\"config\":{\"connector.class\":\"DataGen\",\"topic\":\"$topic\",\"count\":\"$N\",\"value.shape\":\"string\"}}" >/dev/null
rest POST "$port" /connectors "{\"name\":\"sink\",\"config\":{\"connector.class\":\"FileStreamSink\",\"topics\":\"$topic\",\"file\":\"$out\"}}" >/dev/null
wait_for 60 'test "$(lines_in "$out")" -ge "$N"'; ok $? "the sink wrote all $N records"

# The source's counters settle once Kafka acknowledged every record; the
# sink's once it put them.
wait_for 20 'test "$(metric "$(scrape)" "kafka_connect_source_task_source_record_write_total{connector=\"gen\",task=\"0\"}")" = "$N"'
m=$(scrape)
is "$(metric "$m" 'kafka_connect_source_task_source_record_poll_total{connector="gen",task="0"}')" "$N" "source_record_poll_total is the $N records DataGen made"
is "$(metric "$m" 'kafka_connect_source_task_source_record_write_total{connector="gen",task="0"}')" "$N" "source_record_write_total is $N acknowledged records"
is "$(metric "$m" 'kafka_connect_sink_task_sink_record_read_total{connector="sink",task="0"}')" "$N" "sink_record_read_total is $N"
is "$(metric "$m" 'kafka_connect_sink_task_sink_record_send_total{connector="sink",task="0"}')" "$N" "sink_record_send_total is $N"
produced=$(metric "$m" 'tributary_task_produced_bytes_total{connector="gen",task="0"}')
consumed=$(metric "$m" 'tributary_task_consumed_bytes_total{connector="sink",task="0"}')
file_bytes=$(( $(wc -c < "$out") - N ))   # the sink adds a newline per record
is "$produced" "$file_bytes" "produced bytes equal the bytes of the records the sink wrote"
is "$consumed" "$produced" "the sink consumed exactly the bytes the source produced"
is "$(metric "$m" 'kafka_connect_connector_status{connector="gen",status="running"}')" 1 "connector_status{status=running} is 1 for the source"
is "$(metric "$m" 'kafka_connect_connector_task_status{connector="sink",task="0",status="running"}')" 1 "task status of the sink is running"
is "$(metric "$m" 'kafka_connect_connector_connector_class{connector="sink",connector_class="org.apache.kafka.connect.file.FileStreamSinkConnector"}')" 1 "the connector class info series names the class"
is "$(metric "$m" 'kafka_connect_worker_connector_count')" 2 "worker_connector_count is 2"
is "$(metric "$m" 'kafka_connect_worker_task_count')" 2 "worker_task_count is 2"
is "$(metric "$m" 'kafka_connect_task_error_total_record_errors{connector="sink",task="0"}')" 0 "no record errors on the clean sink"
like "$(metric "$m" 'process_resident_memory_bytes')" '^[1-9][0-9]{6,}$' "process_resident_memory_bytes is at least a megabyte"
like "$(metric "$m" 'process_open_fds')" '^[1-9][0-9]*$' "process_open_fds is counted"
ctype=$(curl -sS -o /dev/null -w '%{content_type}' "http://127.0.0.1:$port/metrics")
like "$ctype" '^text/plain; version=0\.0\.4' "Prometheus text format by default"

# librdkafka's byte totals arrive with its statistics (every 10 s): the
# producer sent at least the record bytes, the consumer received at least them
# (each client's statistics come on their own 10 s clock: wait for both)
wait_for 25 'm=$(scrape); test "$(metric "$m" "kafka_consumer_incoming_byte_total{clientId=\"connector-consumer-sink-0\"}")" -gt "$produced" &&
             test "$(metric "$m" "kafka_producer_outgoing_byte_total{clientId=\"connector-producer-gen-0\"}")" -gt "$produced"'
m=$(scrape)
ok "$([ "$(metric "$m" 'kafka_producer_outgoing_byte_total{clientId="connector-producer-gen-0"}')" -gt "$produced" ]; echo $?)" "kafka_producer_outgoing_byte_total exceeds the record bytes produced"
ok "$([ "$(metric "$m" 'kafka_consumer_incoming_byte_total{clientId="connector-consumer-sink-0"}')" -gt "$produced" ]; echo $?)" "kafka_consumer_incoming_byte_total exceeds the record bytes consumed"

# errors.tolerance=all with a DLQ: every record is an error, skipped and sent to the DLQ
rest POST "$port" /connectors "{\"name\":\"tolerant\",\"config\":{\"connector.class\":\"FileStreamSink\",\"topics\":\"$topic\",\"file\":\"$E2E_TMP/tolerant.txt\",\"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\",\"value.converter.schemas.enable\":\"false\",\"errors.tolerance\":\"all\",\"errors.deadletterqueue.topic.name\":\"$topic-dlq\",\"errors.deadletterqueue.topic.replication.factor\":\"1\"}}" >/dev/null
# errors.tolerance=none: the first record fails the task
rest POST "$port" /connectors "{\"name\":\"strict\",\"config\":{\"connector.class\":\"FileStreamSink\",\"topics\":\"$topic\",\"file\":\"$E2E_TMP/strict.txt\",\"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\",\"value.converter.schemas.enable\":\"false\"}}" >/dev/null
wait_for 60 'test "$(metric "$(scrape)" "kafka_connect_task_error_deadletterqueue_produce_requests{connector=\"tolerant\",task=\"0\"}")" = "$N"'
m=$(scrape)
is "$(metric "$m" 'kafka_connect_task_error_total_record_errors{connector="tolerant",task="0"}')" "$N" "total_record_errors counts the $N bad records"
is "$(metric "$m" 'kafka_connect_task_error_total_records_skipped{connector="tolerant",task="0"}')" "$N" "total_records_skipped counts them too"
is "$(metric "$m" 'kafka_connect_task_error_deadletterqueue_produce_requests{connector="tolerant",task="0"}')" "$N" "deadletterqueue_produce_requests is $N"
wait_for 20 'test "$(topic_count "$topic-dlq")" -ge "$N"'; ok $? "and the DLQ topic holds them"
wait_for 30 'test "$(metric "$(scrape)" "kafka_connect_connector_task_status{connector=\"strict\",task=\"0\",status=\"failed\"}")" = 1'
ok $? "the failing task shows status=failed"
m=$(scrape)
is "$(metric "$m" 'kafka_connect_worker_connector_failed_task_count{connector="strict"}')" 1 "worker_connector_failed_task_count is 1 for it"
is "$(metric "$m" 'kafka_connect_task_error_total_record_errors{connector="strict",task="0"}')" 1 "its one record error is counted"

# put() and offset commit times of the clean pipeline: measured, so above 0
m=$(scrape)
positive() { awk -v v="$1" 'BEGIN { exit !(v > 0) }'; echo $?; }
ok "$(positive "$(metric "$m" 'kafka_connect_sink_task_put_batch_avg_time_ms{connector="sink",task="0"}')")" "put_batch_avg_time_ms of the sink is above 0"
ok "$(positive "$(metric "$m" 'kafka_connect_sink_task_put_batch_max_time_ms{connector="sink",task="0"}')")" "put_batch_max_time_ms too"
ok "$(positive "$(metric "$m" 'kafka_connect_connector_task_offset_commit_avg_time_ms{connector="sink",task="0"}')")" "offset_commit_avg_time_ms of the sink is above 0"
ok "$(positive "$(metric "$m" 'kafka_connect_connector_task_offset_commit_max_time_ms{connector="gen",task="0"}')")" "offset_commit_max_time_ms of the source is above 0"
is "$(metric "$m" 'kafka_connect_worker_connector_running_task_count{connector="sink"}') $(metric "$m" 'kafka_connect_worker_connector_unassigned_task_count{connector="sink"}')" "1 0" \
  "worker_connector_running_task_count is 1 and unassigned_task_count 0 for the sink"

# Retries and lag: records framed for the Confluent Avro converter, whose
# schema registry does not answer (a retriable error). One record per
# batch, each retried for 1 s, then skipped (errors.tolerance=all): the
# lag behind the partition's end shows while the first ones wait, every
# retry counts, and each retried attempt is a record failure.
for i in 1 2 3; do printf '\x00\x00\x00\x00\x01avro-%d' "$i" > "$E2E_TMP/framed"; kcat -b "$KAFKA_BOOTSTRAP" -P -t "$topic-framed" "$E2E_TMP/framed" 2>/dev/null; done
rest POST "$port" /connectors "{\"name\":\"retrying\",\"config\":{\"connector.class\":\"FileStreamSink\",\"topics\":\"$topic-framed\",\"file\":\"$E2E_TMP/retrying.txt\",\"value.converter\":\"io.confluent.connect.avro.AvroConverter\",\"value.converter.schema.registry.url\":\"http://127.0.0.1:$(free_port)\",\"errors.tolerance\":\"all\",\"errors.retry.timeout\":\"1000\",\"errors.retry.delay.max.ms\":\"200\",\"consumer.override.max.poll.records\":\"1\"}}" >/dev/null
wait_for 30 'test "$(metric "$(scrape)" "kafka_connect_sink_task_sink_record_lag_max{connector=\"retrying\",task=\"0\"}")" -ge 1'
ok $? "sink_record_lag_max shows the records waiting behind the retried one"
wait_for 30 'test "$(metric "$(scrape)" "kafka_connect_task_error_total_records_skipped{connector=\"retrying\",task=\"0\"}")" = 3'
m=$(scrape)
retries=$(metric "$m" 'kafka_connect_task_error_total_retries{connector="retrying",task="0"}')
failures=$(metric "$m" 'kafka_connect_task_error_total_record_failures{connector="retrying",task="0"}')
ok "$([ "$retries" -ge 3 ]; echo $?)" "total_retries counts the retried conversions ($retries for 3 records)"
is "$failures" "$(( retries + 3 ))" "total_record_failures counts each retried attempt plus each of the 3 errors"
is "$(metric "$m" 'kafka_connect_sink_task_sink_record_lag_max{connector="retrying",task="0"}')" 0 "the lag is 0 once the last record was read"

# A DLQ write that fails: the DLQ producer may send at most 1,000 bytes
# (producer.override.message.max.bytes) and the bad record has 3,000
head -c 3000 /dev/zero | tr '\0' 'x' > "$E2E_TMP/big"
kcat -b "$KAFKA_BOOTSTRAP" -P -t "$topic-big" "$E2E_TMP/big" 2>/dev/null
rest POST "$port" /connectors "{\"name\":\"dlqfail\",\"config\":{\"connector.class\":\"FileStreamSink\",\"topics\":\"$topic-big\",\"file\":\"$E2E_TMP/dlqfail.txt\",\"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\",\"value.converter.schemas.enable\":\"false\",\"errors.tolerance\":\"all\",\"errors.deadletterqueue.topic.name\":\"$topic-big-dlq\",\"errors.deadletterqueue.topic.replication.factor\":\"1\",\"producer.override.message.max.bytes\":\"1000\"}}" >/dev/null
wait_for 30 'test "$(metric "$(scrape)" "kafka_connect_task_error_deadletterqueue_produce_failures{connector=\"dlqfail\",task=\"0\"}")" = 1'
ok $? "deadletterqueue_produce_failures counts the DLQ write Kafka's client refused"

# rates: a rate-limited DataGen and a sink reading it; two scrapes over a
# few seconds see them move
rest POST "$port" /connectors "{\"name\":\"steady\",\"config\":{\"connector.class\":\"DataGen\",\"topic\":\"$topic-steady\",\"rate\":\"50\",\"value.shape\":\"string\"}}" >/dev/null
rest POST "$port" /connectors "{\"name\":\"steady-sink\",\"config\":{\"connector.class\":\"FileStreamSink\",\"topics\":\"$topic-steady\",\"file\":\"$E2E_TMP/steady.txt\"}}" >/dev/null
wait_for 30 'test "$(metric "$(scrape)" "kafka_connect_sink_task_sink_record_send_total{connector=\"steady-sink\",task=\"0\"}")" -gt 20'
scrape >/dev/null
sleep 3
m=$(scrape)
near50() { awk -v r="$1" 'BEGIN { exit !(r >= 25 && r <= 100) }'; echo $?; }
for s in source_task_source_record_poll_rate:steady source_task_source_record_write_rate:steady \
         sink_task_sink_record_read_rate:steady-sink sink_task_sink_record_send_rate:steady-sink; do
  rate=$(metric "$m" "kafka_connect_${s%%:*}{connector=\"${s#*:}\",task=\"0\"}")
  ok "$(near50 "$rate")" "${s%%:*} of ${s#*:} (50 records/s) is near 50 ($rate)"
done
rest PUT "$port" /connectors/steady/pause >/dev/null
wait_for 20 'test "$(metric "$(scrape)" "kafka_connect_worker_connector_paused_task_count{connector=\"steady\"}")" = 1'
ok $? "worker_connector_paused_task_count is 1 once the DataGen is paused"
is "$(metric "$(scrape)" 'kafka_connect_connector_status{connector="steady",status="paused"}')" 1 "and connector_status says paused"

# Validate's per-rule counters: order_id 0..99, the rule allows 0..79 and drops the rest
rules=$(python3 -c 'import json; print(json.dumps(json.dumps([{"rule_id":"id_range","rule_type":"range","column":"order_id","parameters":{"min":0,"max":79},"severity":"error"}])))')
rest POST "$port" /connectors "{\"name\":\"checked\",\"config\":{\"connector.class\":\"DataGen\",\"topic\":\"$topic-checked\",\"count\":\"100\",\"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\",\"value.converter.schemas.enable\":\"false\",\"transforms\":\"check\",\"transforms.check.type\":\"Validate\",\"transforms.check.rules\":$rules,\"transforms.check.on.failure\":\"drop\"}}" >/dev/null
wait_for 30 'test "$(metric "$(scrape)" "kafka_connect_source_task_source_record_write_total{connector=\"checked\",task=\"0\"}")" = 80'
m=$(scrape)
is "$(metric "$m" 'kafka_connect_source_task_source_record_poll_total{connector="checked",task="0"}')" 100 "Validate: the source polled 100 records"
is "$(metric "$m" 'kafka_connect_source_task_source_record_write_total{connector="checked",task="0"}')" 80 "and wrote the 80 that passed"
is "$(metric "$m" 'tributary_quality_rule_checks_total{connector="checked",transform="check",rule="id_range",rule_type="range",column="order_id",severity="error",result="failed"}')" 20 "rule id_range failed 20 times"
is "$(metric "$m" 'tributary_quality_rule_checks_total{connector="checked",transform="check",rule="id_range",rule_type="range",column="order_id",severity="error",result="passed"}')" 80 "and passed 80 times"
is "$(metric "$m" 'tributary_quality_records_total{connector="checked",transform="check",outcome="dropped"}')" 20 "20 records dropped by the transform"

# HTTP ingest: 3 records in one request, acknowledged by Kafka
rest POST "$port" /connectors "{\"name\":\"hook\",\"config\":{\"connector.class\":\"HttpIngest\",\"topic\":\"$topic-hook\"}}" >/dev/null
icode=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data '[{"a":1},{"a":2},{"a":3}]' "http://127.0.0.1:$port/ingest/hook")
m=$(scrape)
is "$icode:$(metric "$m" 'tributary_ingest_records_total{connector="hook",result="accepted"}')" "200:3" "HTTP ingest: 3 accepted records counted"
is "$(metric "$m" 'tributary_ingest_requests_total{connector="hook"}')" 1 "in one request"
is "$(metric "$m" 'tributary_ingest_latency_seconds_count{connector="hook"}'):$(metric "$m" 'tributary_ingest_latency_seconds_bucket{connector="hook",le="+Inf"}')" "3:3" "the latency histogram counts 3, its +Inf bucket too"
like "$m" '# TYPE tributary_ingest_latency_seconds histogram' "typed as a histogram"
# Prometheus' own parser and linter over the whole page (histogram included):
# it parses; the only lint findings are the naming Strimzi's names imply
# (*_time_ms, *_count gauges, the clientId label)
lint=$(promtool check metrics <<<"$m" 2>&1)
is "$(grep -v -E 'should not contain abbreviated units|should not have "_count" suffix|clientId.*snake_case|snake_case.*camelCase' <<<"$lint")" "" "promtool check metrics parses the page; no finding beyond Strimzi's naming"

om=$(curl -sS -H 'Accept: application/openmetrics-text; version=1.0.0,text/plain;q=0.5' -D "$E2E_TMP/om.h" "http://127.0.0.1:$port/metrics")
like "$(tr -d '\r' < "$E2E_TMP/om.h" | grep -i '^content-type')" 'application/openmetrics-text' "OpenMetrics when the Accept header asks"
is "$(tail -n 1 <<<"$om")" "# EOF" "OpenMetrics output ends with # EOF"
like "$om" '# TYPE process_cpu_seconds counter' "an OpenMetrics counter family drops the _total suffix"

# SpoolDir files: one with 3 good rows and a bad one, one whose header is
# broken (to error.path), then a 50,000-row file read one row per batch,
# whose per-file figures show while it is read
mkdir -p "$E2E_TMP/spool/in"
printf 'id,speed\n1,1.5\n2,2.5\n3,3.5\n4,fast\n' > "$E2E_TMP/a.csv"
asize=$(wc -c < "$E2E_TMP/a.csv")
mv "$E2E_TMP/a.csv" "$E2E_TMP/spool/in/a.csv"
schema='{\"type\":\"record\",\"name\":\"reading\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"},{\"name\":\"speed\",\"type\":\"double\"}]}'
rest POST "$port" /connectors "{\"name\":\"files\",\"config\":{\"connector.class\":\"SpoolDirCsvSource\",\"topic\":\"$topic-files\",
  \"input.path\":\"$E2E_TMP/spool/in\",\"finished.path\":\"$E2E_TMP/spool/done\",\"error.path\":\"$E2E_TMP/spool/err\",
  \"input.file.pattern\":\".*\\\\.csv\",\"csv.first.row.as.header\":\"true\",\"value.schema\":\"$schema\",\"empty.poll.wait.ms\":\"100\",
  \"batch.size\":\"1\",\"errors.tolerance\":\"all\"}}" >/dev/null
spool() { metric "$(scrape)" "tributary_spooldir_$1"; }
wait_for 30 'test "$(spool "files_total{connector=\"files\",result=\"finished\"}")" = 1'
m=$(scrape)
is "$(metric "$m" 'tributary_spooldir_rows_total{connector="files",result="emitted"}') $(metric "$m" 'tributary_spooldir_rows_total{connector="files",result="rejected"}')" "3 1" \
  "SpoolDir: a finished file's 3 rows are counted as emitted, its bad row as rejected"
is "$(metric "$m" 'tributary_spooldir_read_bytes_total{connector="files"}')" "$asize" "the bytes read are the file's size"
like "$(metric "$m" 'tributary_spooldir_file_processing_seconds_total{connector="files"}')" '^[0-9]' "its reading time is exported"
printf 'id,,speed\n1,x,1.5\n' > "$E2E_TMP/spool/in/b.csv"
wait_for 30 'test "$(spool "files_total{connector=\"files\",result=\"failed\"}")" = 1'
ok $? "a file with a broken header counts as failed"
seq 1 50000 | awk 'BEGIN { print "id,speed" } { print $1 "," $1 ".5" }' > "$E2E_TMP/big.csv"
size=$(wc -c < "$E2E_TMP/big.csv")
mv "$E2E_TMP/big.csv" "$E2E_TMP/spool/in/c.csv"
wait_for 30 'p=$(spool "file_position_bytes{connector=\"files\",task=\"0\",file=\"c.csv\"}"); test "$p" != absent && test "$p" -gt 0 && test "$p" -lt "$size"'
ok $? "while c.csv is read, its position is between 0 and its size"
is "$(spool 'file_size_bytes{connector="files",task="0",file="c.csv"}')" "$size" "and its size is exported"
wait_for 120 'test "$(spool "files_total{connector=\"files\",result=\"finished\"}")" = 2'
m=$(scrape)
is "$(metric "$m" 'tributary_spooldir_rows_total{connector="files",result="emitted"}'):$(metric "$m" 'tributary_spooldir_file_position_bytes{connector="files",task="0",file="c.csv"}')" "50003:absent" \
  "once finished, its 50,000 rows are in the totals and its per-file series is gone"

# tributary.metrics.enable=false: no /metrics route
pid1=$WORKER_PID
port2=$(free_port)
write_worker_props "$E2E_TMP/off.properties" "$port2" "$E2E_TMP/offsets2" "tributary.metrics.enable=false"
start_worker "$E2E_TMP/off.properties" "$E2E_TMP/off.log"
wait_rest "$port2" 30
is "$(rest GET "$port2" /metrics | cut -c1-3)" 404 "tributary.metrics.enable=false: GET /metrics is 404"

kill -TERM "$pid1"; wait "$pid1"
is "$?" 0 "the worker stops with status 0 (under ASan: no leak, no error)"
kill -TERM "$WORKER_PID" 2>/dev/null
finish
