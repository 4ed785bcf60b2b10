#!/usr/bin/env bash
# A real Prometheus (Debian's package, scripts/deps) scrapes a distributed
# worker's /metrics with the labels Strimzi's operator adds by relabeling,
# and Strimzi's Kafka Connect alert expressions and the kinds of queries
# its Grafana dashboard makes (docs/metrics.md; shared research notes,
# section 5) are evaluated through Prometheus' HTTP API. The worker runs a
# healthy DataGen -> FileStreamSink pipeline and a sink whose task fails.
. "$(dirname "$0")/lib.sh"
require_services
command -v prometheus >/dev/null || bail "prometheus is missing (scripts/deps installs it)"
plan 19

N=200
port=$(free_port)
pport=$(free_port)
group=$(uniq_name prom)
topic=$group-t
SEL='strimzi_io_cluster="my-connect",strimzi_io_kind="KafkaConnect",namespace="kafka"'

write_dist_props "$E2E_TMP/w.properties" "$port" "$group" "tributary.task.auto.restart=false"
start_dist_worker "$E2E_TMP/w.properties" "$E2E_TMP/worker.log"
wait_rest "$port" 60; ok $? "distributed worker REST API is ready"

cat > "$E2E_TMP/prometheus.yml" <<YAML
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: tributary
    static_configs:
      - targets: ['127.0.0.1:$port']
        labels: {strimzi_io_cluster: my-connect, strimzi_io_kind: KafkaConnect, namespace: kafka, kubernetes_pod_name: my-connect-connect-0}
YAML
prometheus --config.file="$E2E_TMP/prometheus.yml" --storage.tsdb.path="$E2E_TMP/tsdb" \
  --web.listen-address="127.0.0.1:$pport" >"$E2E_TMP/prometheus.log" 2>&1 &
_tap_pids+=("$!")

# query <promql>: the values of the result vector, "label=value ... value" per line, sorted
query() {
  curl -sS -G "http://127.0.0.1:$pport/api/v1/query" --data-urlencode "query=$1" 2>/dev/null |
    jq -r '.data.result[] | ([.metric | to_entries[] | select(.key | test("^(connector|task|status|connector_class|kubernetes_pod_name)$")) | "\(.key)=\(.value)"] | join(" ")) + " " + .value[1]' 2>/dev/null | sed 's/^ //' | sort
}

rest POST "$port" /connectors "{\"name\":\"gen\",\"config\":{\"connector.class\":\"DataGen\",\"topic\":\"$topic\",\"count\":\"$N\",\"value.shape\":\"string\"}}" >/dev/null
rest POST "$port" /connectors "{\"name\":\"sink\",\"config\":{\"connector.class\":\"FileStreamSink\",\"topics\":\"$topic\",\"file\":\"$E2E_TMP/out.txt\"}}" >/dev/null
rest POST "$port" /connectors "{\"name\":\"strict\",\"config\":{\"connector.class\":\"FileStreamSink\",\"topics\":\"$topic\",\"file\":\"$E2E_TMP/strict.txt\",\"value.converter\":\"org.apache.kafka.connect.json.JsonConverter\",\"value.converter.schemas.enable\":\"false\"}}" >/dev/null
wait_for 60 'test "$(lines_in "$E2E_TMP/out.txt")" -ge "$N"'; ok $? "the pipeline delivered $N records"

wait_for 60 'test "$(query "up{job=\"tributary\"}")" = "kubernetes_pod_name=my-connect-connect-0 1"'
ok $? "Prometheus scrapes /metrics (up == 1)"
# Let a scrape after the last change land.
wait_for 30 'test "$(query "sum(kafka_connect_sink_task_sink_record_send_total{connector=\"sink\"})")" = "$N"'
ok $? "sink_record_send_total reached $N in Prometheus"
wait_for 30 'test -n "$(query "sum(kafka_connect_worker_connector_failed_task_count) > 0")"'

# Strimzi's alerts (prometheus-kafka-connect-rules): ConnectFailedTask fires, ConnectFailedConnector does not
is "$(query 'sum(kafka_connect_worker_connector_failed_task_count) > 0')" "1" "alert ConnectFailedTask: sum(failed_task_count) > 0 is 1"
is "$(query 'sum(kafka_connect_connector_status{status="failed"}) > 0')" "" "alert ConnectFailedConnector: no connector is failed"
is "$(query 'sum(kafka_connect_connector_status{status="running"})')" "3" "three connectors report status running"

# Dashboard queries: counts by pod, assignments, rebalancing, tasks by status per connector
is "$(query "sum(kafka_connect_worker_connector_count{$SEL}) by (kubernetes_pod_name)")" "kubernetes_pod_name=my-connect-connect-0 3" "connector count by pod"
is "$(query "sum(kafka_connect_worker_task_count{$SEL}) by (kubernetes_pod_name)")" "kubernetes_pod_name=my-connect-connect-0 3" "task count by pod"
is "$(query "sum(kafka_connect_coordinator_assigned_tasks{$SEL}) by (kubernetes_pod_name)")" "kubernetes_pod_name=my-connect-connect-0 3" "coordinator assigned tasks by pod"
is "$(query "max(kafka_connect_worker_rebalance_rebalancing{$SEL})")" "0" "not rebalancing once settled"
like "$(query "kafka_connect_worker_rebalance_completed_rebalances_total{$SEL}")" '^kubernetes_pod_name=my-connect-connect-0 [1-9]' "completed rebalances counted"
is "$(query "sum(kafka_connect_coordinator_assigned_connectors{$SEL}) by (kubernetes_pod_name)")" "kubernetes_pod_name=my-connect-connect-0 3" "coordinator assigned connectors by pod"
like "$(query "kafka_connect_worker_rebalance_rebalance_avg_time_ms{$SEL} > 0")" '^kubernetes_pod_name=my-connect-connect-0 [0-9.e+-]+$' "the rebalance time is measured (avg above 0)"
like "$(query "kafka_connect_worker_rebalance_time_since_last_rebalance_ms{$SEL} > 0")" '^kubernetes_pod_name=my-connect-connect-0 [0-9.e+]+$' "time since the last rebalance is counted (above 0, not -1)"
is "$(query "sum by (connector) (kafka_connect_worker_connector_failed_task_count{$SEL})" | tr '\n' ';')" \
   "connector=gen 0;connector=sink 0;connector=strict 1;" "failed tasks by connector"
# the status table: status joined with the class on connector
like "$(query "kafka_connect_connector_status{$SEL} * on(connector) group_left(connector_class) kafka_connect_connector_connector_class{$SEL}" | tr '\n' ';')" \
   'connector=sink connector_class=org.apache.kafka.connect.file.FileStreamSinkConnector kubernetes_pod_name=my-connect-connect-0 status=running 1' \
   "status table joins status and class on connector"
# task errors joined with task status on (connector, task)
is "$(query "kafka_connect_task_error_total_record_failures{$SEL,connector=\"strict\"} * on(connector,task) group_left(status) kafka_connect_connector_task_status{$SEL}")" \
   "connector=strict kubernetes_pod_name=my-connect-connect-0 status=failed task=0 1" "record failures joined with task status show the failed task"

kill -TERM "$WORKER_PID"; wait "$WORKER_PID"
is "$?" 0 "the worker stops with status 0 (under ASan: no leak, no error)"
finish
