/*
 * test_metrics_render.c: the Prometheus/OpenMetrics rendering of a herder
 * snapshot (metrics/render.c) without a worker: names and labels as
 * Strimzi's rules make them, label escaping, averages, per-connector task
 * counts, format negotiation, and the OpenMetrics framing.
 */
#include "metrics/metrics.h"
#include "tests/tap.h"

#include <stdlib.h>
#include <string.h>

static json_t *snapshot(long long poll, long long commits, long long commit_us) {
    return json_pack(
        "{ss sb s[{ss ss ss ss ss sb s[{si ss sb s{sI sI sI sI sI sI sI sI sI sI sI sI sI sI sI sI sI sI sI}}"
        "{si ss sb}]}]}",
        "worker_id", "w:1", "distributed", 0, "connectors", "name", "we\"ird\\name", "class", "C", "type", "source",
        "version", "1.0", "state", "RUNNING", "local", 1, "tasks", "id", 0, "state", "RUNNING", "local", 1,
        "counters", "poll_total", poll, "write_total", poll, "read_total", 0LL, "send_total", 0LL, "bytes_total",
        10LL, "batches", 2LL, "batch_us_sum", 3000LL, "batch_us_max", 2500LL, "commits", commits, "commit_us_sum",
        commit_us, "commit_us_max", 7000LL, "lag_max", 0LL, "record_failures", 0LL, "record_errors", 0LL,
        "records_skipped", 0LL, "retries", 0LL, "dlq_requests", 0LL, "dlq_failures", 0LL, "last_error_ms", 0LL,
        "id", 1, "state", "FAILED", "local", 1);
}

static bool has_line(const char *text, const char *line) {
    size_t n = strlen(line);
    for (const char *p = text; (p = strstr(p, line)); p += n)
        if ((p == text || p[-1] == '\n') && p[n] == '\n') return true;
    return false;
}

int main(void) {
    plan(15);
    json_t *s = snapshot(42, 4, 10000);
    size_t len;
    char *t = trib_metrics_render(s, NULL, NULL, TRIB_METRICS_PROMETHEUS, 1000000, &len);
    is_int((long long)len, (long long)strlen(t), "the length is the text's");
    ok(has_line(t, "kafka_connect_connector_status{connector=\"we\\\"ird\\\\name\",status=\"running\"} 1"),
       "status series with lowercase status and escaped connector label");
    ok(has_line(t, "kafka_connect_source_task_source_record_poll_total{connector=\"we\\\"ird\\\\name\",task=\"0\"} 42"),
       "poll total by connector and task");
    ok(has_line(t, "kafka_connect_connector_task_offset_commit_avg_time_ms{connector=\"we\\\"ird\\\\name\",task=\"0\"} 2.5"),
       "commit average: 10 ms over 4 commits is 2.5 ms");
    ok(has_line(t, "kafka_connect_source_task_poll_batch_max_time_ms{connector=\"we\\\"ird\\\\name\",task=\"0\"} 2.5"),
       "poll batch max in ms");
    ok(has_line(t, "kafka_connect_connector_task_status{connector=\"we\\\"ird\\\\name\",task=\"1\",status=\"failed\"} 1"),
       "a failed task without counters still has its status");
    ok(has_line(t, "kafka_connect_worker_connector_failed_task_count{connector=\"we\\\"ird\\\\name\"} 1"),
       "failed task count per connector");
    ok(has_line(t, "kafka_connect_worker_task_count 2"), "worker task count");
    ok(has_line(t, "kafka_connect_worker_connector_destroyed_task_count{connector=\"we\\\"ird\\\\name\"} 0"),
       "destroyed task count is there, at 0");
    ok(has_line(t, "# TYPE process_cpu_seconds_total counter"), "a _total family is a counter");
    ok(strstr(t, "kafka_connect_worker_rebalance") == NULL, "no rebalance series in standalone mode");
    ok(strstr(t, "# EOF") == NULL, "the text format has no # EOF");
    free(t);

    t = trib_metrics_render(s, NULL, NULL, TRIB_METRICS_OPENMETRICS, 1000000, &len);
    ok(len > 6 && strcmp(t + len - 6, "# EOF\n") == 0, "OpenMetrics ends with # EOF");
    ok(has_line(t, "# TYPE process_cpu_seconds counter"), "OpenMetrics counter family without _total");
    free(t);
    json_decref(s);

    is_int(trib_metrics_negotiate("application/openmetrics-text;version=1.0.0,text/plain;q=0.5"),
           TRIB_METRICS_OPENMETRICS, "Prometheus' Accept header gets OpenMetrics");
    return exit_status();
}
