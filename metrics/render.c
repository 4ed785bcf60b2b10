/*
 * render.c: turns a herder snapshot (trib_herder_metrics), tenant usage and
 * process figures into the Prometheus text format or OpenMetrics.
 *
 * Samples are grouped by family (one HELP and TYPE each, as both formats
 * require) in a fixed table, so the output order is stable. Families with
 * no sample are left out. As in Strimzi's rules, a name ending in _total is
 * a counter and everything else a gauge; OpenMetrics names a counter family
 * without its _total suffix and ends with "# EOF".
 *
 * The *_rate gauges are Connect's per-second rates. Connect computes them
 * over a 30 s window; here the renderer keeps, per task, the counters of an
 * earlier scrape (at least 1 s and at most about 30 s old) and divides the
 * difference: process-wide state under a mutex, one worker per process.
 */
#include "metrics/metrics.h"
#include "common/util.h"
#include "tenants/guard.h"
#include "rest/ingest_publisher.h"
#include "transforms/quality.h"
#include "connectors/spooldir/spool_metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <string.h>

enum {
    F_CONN_STATUS, F_CONN_CLASS, F_CONN_TYPE, F_CONN_VERSION,
    F_TASK_STATUS, F_TASK_COMMIT_AVG, F_TASK_COMMIT_MAX,
    F_SRC_POLL_TOTAL, F_SRC_POLL_RATE, F_SRC_WRITE_TOTAL, F_SRC_WRITE_RATE, F_SRC_POLL_AVG, F_SRC_POLL_MAX,
    F_SINK_READ_TOTAL, F_SINK_READ_RATE, F_SINK_SEND_TOTAL, F_SINK_SEND_RATE, F_SINK_PUT_AVG, F_SINK_PUT_MAX,
    F_SINK_LAG_MAX,
    F_ERR_FAILURES, F_ERR_ERRORS, F_ERR_SKIPPED, F_ERR_RETRIES, F_ERR_DLQ_REQ, F_ERR_DLQ_FAIL, F_ERR_LAST,
    F_WORKER_CONNS, F_WORKER_TASKS,
    F_WC_TOTAL, F_WC_RUNNING, F_WC_PAUSED, F_WC_FAILED, F_WC_UNASSIGNED, F_WC_RESTARTING, F_WC_DESTROYED,
    F_RB_REBALANCING, F_RB_COMPLETED, F_RB_AVG, F_RB_MAX, F_RB_SINCE, F_COORD_CONNS, F_COORD_TASKS,
    F_PRODUCED_BYTES, F_CONSUMED_BYTES, F_PRODUCER_OUT, F_CONSUMER_IN,
    F_QUALITY_RECORDS, F_QUALITY_RULES,
    F_SPOOL_FILES, F_SPOOL_ROWS, F_SPOOL_BYTES, F_SPOOL_SECONDS, F_SPOOL_FILE_SIZE, F_SPOOL_FILE_POS, F_SPOOL_FILE_ROWS,
    F_INGEST_REQUESTS, F_INGEST_RECORDS, F_INGEST_THROTTLED, F_INGEST_LATENCY,
    F_TEN_RECORDS, F_TEN_BYTES, F_TEN_THROTTLED, F_TEN_VIOLATIONS, F_TEN_REJECTED, F_TEN_TASKS, F_TEN_QUOTA,
    F_CPU, F_RSS, F_VSIZE, F_FDS, F_MAX_FDS, F_START, F_THREADS,
    F_COUNT
};

typedef struct family {
    const char *name;
    const char *help;
    trib_strbuf s;
} family;

static const struct { const char *name, *help; } FAMILIES[F_COUNT] = {
    [F_CONN_STATUS] = {"kafka_connect_connector_status", "Connector status on this worker (1 for the current status)."},
    [F_CONN_CLASS] = {"kafka_connect_connector_connector_class", "Connector class (info series)."},
    [F_CONN_TYPE] = {"kafka_connect_connector_connector_type", "Connector type, source or sink (info series)."},
    [F_CONN_VERSION] = {"kafka_connect_connector_connector_version", "Connector plugin version (info series)."},
    [F_TASK_STATUS] = {"kafka_connect_connector_task_status", "Task status on this worker (1 for the current status)."},
    [F_TASK_COMMIT_AVG] = {"kafka_connect_connector_task_offset_commit_avg_time_ms", "Average offset commit time."},
    [F_TASK_COMMIT_MAX] = {"kafka_connect_connector_task_offset_commit_max_time_ms", "Longest offset commit time."},
    [F_SRC_POLL_TOTAL] = {"kafka_connect_source_task_source_record_poll_total", "Records returned by the source task's poll()."},
    [F_SRC_POLL_RATE] = {"kafka_connect_source_task_source_record_poll_rate", "Records polled per second."},
    [F_SRC_WRITE_TOTAL] = {"kafka_connect_source_task_source_record_write_total", "Records acknowledged by Kafka."},
    [F_SRC_WRITE_RATE] = {"kafka_connect_source_task_source_record_write_rate", "Records written per second."},
    [F_SRC_POLL_AVG] = {"kafka_connect_source_task_poll_batch_avg_time_ms", "Average time of a poll() returning records."},
    [F_SRC_POLL_MAX] = {"kafka_connect_source_task_poll_batch_max_time_ms", "Longest poll() returning records."},
    [F_SINK_READ_TOTAL] = {"kafka_connect_sink_task_sink_record_read_total", "Records read from Kafka by the sink task."},
    [F_SINK_READ_RATE] = {"kafka_connect_sink_task_sink_record_read_rate", "Records read per second."},
    [F_SINK_SEND_TOTAL] = {"kafka_connect_sink_task_sink_record_send_total", "Records put into the sink."},
    [F_SINK_SEND_RATE] = {"kafka_connect_sink_task_sink_record_send_rate", "Records put per second."},
    [F_SINK_PUT_AVG] = {"kafka_connect_sink_task_put_batch_avg_time_ms", "Average put() time."},
    [F_SINK_PUT_MAX] = {"kafka_connect_sink_task_put_batch_max_time_ms", "Longest put() time."},
    [F_SINK_LAG_MAX] = {"kafka_connect_sink_task_sink_record_lag_max", "Records behind the partition end, at the last batch."},
    [F_ERR_FAILURES] = {"kafka_connect_task_error_total_record_failures", "Failed record operations, retried attempts included."},
    [F_ERR_ERRORS] = {"kafka_connect_task_error_total_record_errors", "Records that reached the error handler."},
    [F_ERR_SKIPPED] = {"kafka_connect_task_error_total_records_skipped", "Records skipped by errors.tolerance=all."},
    [F_ERR_RETRIES] = {"kafka_connect_task_error_total_retries", "Retried operations."},
    [F_ERR_DLQ_REQ] = {"kafka_connect_task_error_deadletterqueue_produce_requests", "Records sent to the dead letter queue."},
    [F_ERR_DLQ_FAIL] = {"kafka_connect_task_error_deadletterqueue_produce_failures", "Failed dead letter queue writes."},
    [F_ERR_LAST] = {"kafka_connect_task_error_last_error_timestamp", "Wall clock (ms) of the last record error, 0 if none."},
    [F_WORKER_CONNS] = {"kafka_connect_worker_connector_count", "Connectors running on this worker."},
    [F_WORKER_TASKS] = {"kafka_connect_worker_task_count", "Tasks on this worker."},
    [F_WC_TOTAL] = {"kafka_connect_worker_connector_total_task_count", "Tasks of the connector on this worker."},
    [F_WC_RUNNING] = {"kafka_connect_worker_connector_running_task_count", "Running tasks of the connector on this worker."},
    [F_WC_PAUSED] = {"kafka_connect_worker_connector_paused_task_count", "Paused tasks of the connector on this worker."},
    [F_WC_FAILED] = {"kafka_connect_worker_connector_failed_task_count", "Failed tasks of the connector on this worker."},
    [F_WC_UNASSIGNED] = {"kafka_connect_worker_connector_unassigned_task_count", "Unassigned tasks of the connector on this worker."},
    [F_WC_RESTARTING] = {"kafka_connect_worker_connector_restarting_task_count", "Restarting tasks of the connector on this worker."},
    [F_WC_DESTROYED] = {"kafka_connect_worker_connector_destroyed_task_count", "Destroyed tasks of the connector on this worker: always 0 (a deleted task is removed, not kept as DESTROYED)."},
    [F_RB_REBALANCING] = {"kafka_connect_worker_rebalance_rebalancing", "1 while the worker group rebalances."},
    [F_RB_COMPLETED] = {"kafka_connect_worker_rebalance_completed_rebalances_total", "Rebalances this worker completed."},
    [F_RB_AVG] = {"kafka_connect_worker_rebalance_rebalance_avg_time_ms", "Average rebalance time."},
    [F_RB_MAX] = {"kafka_connect_worker_rebalance_rebalance_max_time_ms", "Longest rebalance time."},
    [F_RB_SINCE] = {"kafka_connect_worker_rebalance_time_since_last_rebalance_ms", "Time since the last completed rebalance."},
    [F_COORD_CONNS] = {"kafka_connect_coordinator_assigned_connectors", "Connectors assigned to this worker."},
    [F_COORD_TASKS] = {"kafka_connect_coordinator_assigned_tasks", "Tasks assigned to this worker."},
    [F_PRODUCED_BYTES] = {"tributary_task_produced_bytes_total", "Key and value bytes the source task had acknowledged by Kafka."},
    [F_CONSUMED_BYTES] = {"tributary_task_consumed_bytes_total", "Key and value bytes the sink task read from Kafka."},
    [F_QUALITY_RECORDS] = {"tributary_quality_records_total", "Records a Validate transform saw, by outcome."},
    [F_QUALITY_RULES] = {"tributary_quality_rule_checks_total", "Validate rule evaluations, by result."},
    [F_SPOOL_FILES] = {"tributary_spooldir_files_total", "Files a SpoolDir connector read to the end (finished) or moved to error.path (failed)."},
    [F_SPOOL_ROWS] = {"tributary_spooldir_rows_total", "Rows of a SpoolDir connector's files: emitted as records, or rejected."},
    [F_SPOOL_BYTES] = {"tributary_spooldir_read_bytes_total", "Bytes of a SpoolDir connector's files read (up to the last complete record)."},
    [F_SPOOL_SECONDS] = {"tributary_spooldir_file_processing_seconds_total", "Reading time of the finished files, from their first row to their end."},
    [F_SPOOL_FILE_SIZE] = {"tributary_spooldir_file_size_bytes", "Size of the file a SpoolDir task is reading now."},
    [F_SPOOL_FILE_POS] = {"tributary_spooldir_file_position_bytes", "Bytes of that file read so far."},
    [F_SPOOL_FILE_ROWS] = {"tributary_spooldir_file_rows", "Rows of that file so far, emitted or rejected."},
    [F_PRODUCER_OUT] = {"kafka_producer_outgoing_byte_total", "Bytes the task's producer sent to brokers (librdkafka tx_bytes, every 10 s)."},
    [F_CONSUMER_IN] = {"kafka_consumer_incoming_byte_total", "Bytes the task's consumer received from brokers (librdkafka rx_bytes, every 10 s)."},
    [F_INGEST_REQUESTS] = {"tributary_ingest_requests_total", "HTTP ingest requests this worker served for the connector."},
    [F_INGEST_RECORDS] = {"tributary_ingest_records_total", "HTTP ingest records by result: accepted (acknowledged by Kafka), rejected, dead_lettered, failed."},
    [F_INGEST_THROTTLED] = {"tributary_ingest_throttled_requests_total", "HTTP ingest requests answered 429."},
    [F_INGEST_LATENCY] = {"tributary_ingest_latency_seconds", "From a request's complete body to Kafka's acknowledgement, per accepted record."},
    [F_TEN_RECORDS] = {"tributary_tenant_records_total", "Records of the tenant's tasks on this worker, by direction."},
    [F_TEN_BYTES] = {"tributary_tenant_bytes_total", "Bytes of the tenant's tasks on this worker, by direction."},
    [F_TEN_THROTTLED] = {"tributary_tenant_throttled_seconds_total", "Time the tenant's tasks waited on its quotas."},
    [F_TEN_VIOLATIONS] = {"tributary_tenant_topic_violations_total", "Topics outside the tenant's prefix refused at run time."},
    [F_TEN_REJECTED] = {"tributary_tenant_rejected_requests_total", "Write requests on the tenant's routes that were refused (quota, validation, authorization)."},
    [F_TEN_TASKS] = {"tributary_tenant_active_tasks", "The tenant's tasks running on this worker."},
    [F_TEN_QUOTA] = {"tributary_tenant_quota", "The tenant's quotas (counts: -1 unlimited; rates per second: 0 unlimited)."},
    [F_CPU] = {"process_cpu_seconds_total", "User and system CPU time of the worker process."},
    [F_RSS] = {"process_resident_memory_bytes", "Resident memory of the worker process."},
    [F_VSIZE] = {"process_virtual_memory_bytes", "Virtual memory of the worker process."},
    [F_FDS] = {"process_open_fds", "Open file descriptors."},
    [F_MAX_FDS] = {"process_max_fds", "Limit of open file descriptors."},
    [F_START] = {"process_start_time_seconds", "Start time of the process since the epoch."},
    [F_THREADS] = {"process_threads", "Threads of the worker process."},
};

/* Label values are escaped as both formats require: \\, \" and \n. */
static void put_label_value(trib_strbuf *sb, const char *v) {
    for (const char *p = v; *p; p++) {
        if (*p == '\\') trib_strbuf_puts(sb, "\\\\");
        else if (*p == '"') trib_strbuf_puts(sb, "\\\"");
        else if (*p == '\n') trib_strbuf_puts(sb, "\\n");
        else trib_strbuf_putc(sb, *p);
    }
}

/* One sample: nlabels name/value string pairs follow v. */
static void add(family *fams, int f, double v, int nlabels, ...) {
    trib_strbuf *sb = &fams[f].s;
    trib_strbuf_puts(sb, fams[f].name);
    va_list ap;
    va_start(ap, nlabels);
    for (int i = 0; i < nlabels; i++) {
        const char *k = va_arg(ap, const char *), *val = va_arg(ap, const char *);
        trib_strbuf_putc(sb, i == 0 ? '{' : ',');
        trib_strbuf_printf(sb, "%s=\"", k);
        put_label_value(sb, val ? val : "");
        trib_strbuf_putc(sb, '"');
    }
    va_end(ap);
    if (nlabels) trib_strbuf_putc(sb, '}');
    if (isfinite(v) && v == (double)(long long)v && fabs(v) < 9e15) trib_strbuf_printf(sb, " %lld\n", (long long)v);
    else if (isfinite(v)) trib_strbuf_printf(sb, " %.17g\n", v);
    else trib_strbuf_puts(sb, " NaN\n");
}

static double num(const json_t *o, const char *k) {
    return json_number_value(json_object_get(o, k));
}

static char *lower(const char *s) {
    char *o = trib_xstrdup(s ? s : "unassigned");
    for (char *p = o; *p; p++)
        if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
    return o;
}

/* ---- rates ---- */

static pthread_mutex_t rates_lock = PTHREAD_MUTEX_INITIALIZER;
static json_t *rates_prev;   /* {"<connector>\n<task>": {"t": ms, "<counter>": n, "rate_<counter>": r}} */

#define RATE_MIN_MS 1000
#define RATE_WINDOW_MS 30000

/* Per-second rate of counter `field` of a task since its kept sample;
 * rotates the sample once it is older than the window. Caller holds
 * rates_lock; next collects the entries of tasks still present. */
static double rate_of(json_t *next, const char *key, const json_t *counters, const char *field, int64_t now) {
    json_t *prev = json_object_get(rates_prev, key);
    json_t *e = json_object_get(next, key);
    if (!e) {
        e = prev ? json_deep_copy(prev) : json_pack("{sI}", "t", (json_int_t)now);
        json_object_set_new(next, key, e);
    }
    double cur = num(counters, field);
    char rk[64];
    snprintf(rk, sizeof rk, "rate_%s", field);
    json_t *base = json_object_get(e, field);
    double r = num(e, rk);
    int64_t t = json_integer_value(json_object_get(e, "t"));
    if (!base) {   /* first sight of this counter: a rate needs a second scrape */
        json_object_set_new(e, field, json_real(cur));
        return 0;
    }
    if (now - t >= RATE_MIN_MS) {
        r = (cur - json_number_value(base)) * 1000.0 / (double)(now - t);
        if (r < 0) r = 0;   /* the task restarted: its counters began again */
        json_object_set_new(e, rk, json_real(r));
        if (now - t >= RATE_WINDOW_MS) json_object_set_new(e, "rotate", json_true());
    }
    return r;
}

/* After all rates of a scrape: entries marked "rotate" restart their window. */
static void rates_rotate(json_t *next, const json_t *snapshot_counters_by_key, int64_t now) {
    const char *k;
    json_t *e;
    json_object_foreach(next, k, e) {
        if (!json_is_true(json_object_get(e, "rotate"))) continue;
        const json_t *c = json_object_get(snapshot_counters_by_key, k);
        const char *f;
        json_t *v;
        json_t *fresh = json_pack("{sI}", "t", (json_int_t)now);
        json_object_foreach(e, f, v) {
            if (strncmp(f, "rate_", 5) == 0) json_object_set(fresh, f, v);
            else if (strcmp(f, "t") != 0 && strcmp(f, "rotate") != 0) json_object_set_new(fresh, f, json_real(num(c, f)));
        }
        json_object_set_new(next, k, fresh);
    }
}

/* ---- connectors and tasks ---- */

/* conn labels the series; full (the herder's name) keys the rate samples,
 * so a tenant's scrape and the admin's share them. */
static void task_metrics(family *fams, const char *conn, const char *full, bool is_source, const json_t *task,
                         json_t *rates_next, json_t *by_key, int64_t now) {
    char tid[24];
    snprintf(tid, sizeof tid, "%lld", (long long)json_integer_value(json_object_get(task, "id")));
    char *st = lower(json_string_value(json_object_get(task, "state")));
    add(fams, F_TASK_STATUS, 1, 3, "connector", conn, "task", tid, "status", st);
    free(st);
    const json_t *c = json_object_get(task, "counters");
    if (!c) return;
    char key[600];
    snprintf(key, sizeof key, "%s\n%s", full, tid);
    json_object_set(by_key, key, (json_t *)c);
#define L 2, "connector", conn, "task", tid
    double commits = num(c, "commits"), batches = num(c, "batches");
    add(fams, F_TASK_COMMIT_AVG, commits > 0 ? num(c, "commit_us_sum") / commits / 1000.0 : 0, L);
    add(fams, F_TASK_COMMIT_MAX, num(c, "commit_us_max") / 1000.0, L);
    double batch_avg = batches > 0 ? num(c, "batch_us_sum") / batches / 1000.0 : 0;
    char cid[600];   /* the task client's default client.id, Strimzi's clientId label */
    if (is_source) {
        add(fams, F_SRC_POLL_TOTAL, num(c, "poll_total"), L);
        add(fams, F_SRC_POLL_RATE, rate_of(rates_next, key, c, "poll_total", now), L);
        add(fams, F_SRC_WRITE_TOTAL, num(c, "write_total"), L);
        add(fams, F_SRC_WRITE_RATE, rate_of(rates_next, key, c, "write_total", now), L);
        add(fams, F_SRC_POLL_AVG, batch_avg, L);
        add(fams, F_SRC_POLL_MAX, num(c, "batch_us_max") / 1000.0, L);
        add(fams, F_PRODUCED_BYTES, num(c, "bytes_total"), L);
        snprintf(cid, sizeof cid, "connector-producer-%s-%s", full, tid);
        add(fams, F_PRODUCER_OUT, num(c, "client_bytes"), 1, "clientId", cid);
    } else {
        add(fams, F_SINK_READ_TOTAL, num(c, "read_total"), L);
        add(fams, F_SINK_READ_RATE, rate_of(rates_next, key, c, "read_total", now), L);
        add(fams, F_SINK_SEND_TOTAL, num(c, "send_total"), L);
        add(fams, F_SINK_SEND_RATE, rate_of(rates_next, key, c, "send_total", now), L);
        add(fams, F_SINK_PUT_AVG, batch_avg, L);
        add(fams, F_SINK_PUT_MAX, num(c, "batch_us_max") / 1000.0, L);
        add(fams, F_SINK_LAG_MAX, num(c, "lag_max"), L);
        add(fams, F_CONSUMED_BYTES, num(c, "bytes_total"), L);
        snprintf(cid, sizeof cid, "connector-consumer-%s-%s", full, tid);
        add(fams, F_CONSUMER_IN, num(c, "client_bytes"), 1, "clientId", cid);
    }
    add(fams, F_ERR_FAILURES, num(c, "record_failures"), L);
    add(fams, F_ERR_ERRORS, num(c, "record_errors"), L);
    add(fams, F_ERR_SKIPPED, num(c, "records_skipped"), L);
    add(fams, F_ERR_RETRIES, num(c, "retries"), L);
    add(fams, F_ERR_DLQ_REQ, num(c, "dlq_requests"), L);
    add(fams, F_ERR_DLQ_FAIL, num(c, "dlq_failures"), L);
    add(fams, F_ERR_LAST, num(c, "last_error_ms"), L);
#undef L
}

/* HTTP ingest's counters of a connector (rest/ingest_publisher.h), if this
 * worker served it; the latency histogram with cumulative buckets. */
static void ingest_metrics(family *fams, const char *conn, const char *full) {
    trib_ingest_metrics m;
    if (trib_ingest_metrics_read(full, &m) < 0) return;
    add(fams, F_INGEST_REQUESTS, (double)m.requests, 1, "connector", conn);
    add(fams, F_INGEST_RECORDS, (double)m.records_accepted, 2, "connector", conn, "result", "accepted");
    add(fams, F_INGEST_RECORDS, (double)m.records_rejected, 2, "connector", conn, "result", "rejected");
    add(fams, F_INGEST_RECORDS, (double)m.records_dead_lettered, 2, "connector", conn, "result", "dead_lettered");
    add(fams, F_INGEST_RECORDS, (double)m.records_failed, 2, "connector", conn, "result", "failed");
    add(fams, F_INGEST_THROTTLED, (double)m.requests_throttled, 1, "connector", conn);
    trib_strbuf *sb = &fams[F_INGEST_LATENCY].s;
    uint64_t cum = 0;
    char le[32];
    for (int i = 0; i <= TRIB_INGEST_LATENCY_BUCKETS; i++) {
        cum += m.latency_buckets[i];
        if (i < TRIB_INGEST_LATENCY_BUCKETS) snprintf(le, sizeof le, "%g", trib_ingest_latency_bounds_ms[i] / 1000.0);
        else snprintf(le, sizeof le, "+Inf");
        trib_strbuf_puts(sb, "tributary_ingest_latency_seconds_bucket{connector=\"");
        put_label_value(sb, conn);
        trib_strbuf_printf(sb, "\",le=\"%s\"} %llu\n", le, (unsigned long long)cum);
    }
    trib_strbuf_puts(sb, "tributary_ingest_latency_seconds_sum{connector=\"");
    put_label_value(sb, conn);
    trib_strbuf_printf(sb, "\"} %.17g\n", m.latency_sum_ms / 1000.0);
    trib_strbuf_puts(sb, "tributary_ingest_latency_seconds_count{connector=\"");
    put_label_value(sb, conn);
    trib_strbuf_printf(sb, "\"} %llu\n", (unsigned long long)m.latency_count);
}

/* prefix: "<tenant>/" for a tenant's scrape (its connectors only, under
 * their local names), NULL for the whole worker. */
static void herder_metrics(family *fams, const json_t *snap, const char *prefix, int64_t now) {
    int nconns = 0, ntasks = 0;
    pthread_mutex_lock(&rates_lock);
    /* a tenant's scrape sees part of the tasks: it must not drop the others' samples */
    json_t *rates_next = prefix && rates_prev ? json_deep_copy(rates_prev) : json_object();
    json_t *by_key = json_object();
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(snap, "connectors"), i, c) {
        const char *full = json_string_value(json_object_get(c, "name"));
        if (prefix && !trib_str_startswith(full, prefix)) continue;
        const char *name = prefix ? full + strlen(prefix) : full;
        ingest_metrics(fams, name, full);
        bool is_source = strcmp(json_string_value(json_object_get(c, "type")), "source") == 0;
        if (json_is_true(json_object_get(c, "local"))) {
            nconns++;
            char *st = lower(json_string_value(json_object_get(c, "state")));
            add(fams, F_CONN_STATUS, 1, 2, "connector", name, "status", st);
            free(st);
            add(fams, F_CONN_CLASS, 1, 2, "connector", name, "connector_class",
                json_string_value(json_object_get(c, "class")));
            add(fams, F_CONN_TYPE, 1, 2, "connector", name, "connector_type", json_string_value(json_object_get(c, "type")));
            add(fams, F_CONN_VERSION, 1, 2, "connector", name, "connector_version",
                json_string_value(json_object_get(c, "version")));
        }
        int total = 0, running = 0, paused = 0, failed = 0, unassigned = 0, restarting = 0;
        size_t k;
        json_t *t;
        json_array_foreach(json_object_get(c, "tasks"), k, t) {
            if (!json_is_true(json_object_get(t, "local"))) continue;
            total++;
            const char *s = json_string_value(json_object_get(t, "state"));
            if (!s || strcmp(s, "UNASSIGNED") == 0) unassigned++;
            else if (strcmp(s, "RUNNING") == 0) running++;
            else if (strcmp(s, "PAUSED") == 0) paused++;
            else if (strcmp(s, "FAILED") == 0) failed++;
            else if (strcmp(s, "RESTARTING") == 0) restarting++;
            task_metrics(fams, name, full, is_source, t, rates_next, by_key, now);
        }
        ntasks += total;
        if (total || json_is_true(json_object_get(c, "local"))) {
            add(fams, F_WC_TOTAL, total, 1, "connector", name);
            add(fams, F_WC_RUNNING, running, 1, "connector", name);
            add(fams, F_WC_PAUSED, paused, 1, "connector", name);
            add(fams, F_WC_FAILED, failed, 1, "connector", name);
            add(fams, F_WC_UNASSIGNED, unassigned, 1, "connector", name);
            add(fams, F_WC_RESTARTING, restarting, 1, "connector", name);
            add(fams, F_WC_DESTROYED, 0, 1, "connector", name);   /* for Strimzi's per-status panel */
        }
    }
    rates_rotate(rates_next, by_key, now);
    json_decref(rates_prev);
    rates_prev = rates_next;   /* tasks gone since the last scrape drop out */
    pthread_mutex_unlock(&rates_lock);
    json_decref(by_key);
    add(fams, F_WORKER_CONNS, nconns, 0);
    add(fams, F_WORKER_TASKS, ntasks, 0);
    const json_t *rb = json_object_get(snap, "rebalance");
    if (rb && !prefix) {   /* the worker's own figures: not a tenant's business */   /* distributed mode only, as in Connect */
        double timed = num(rb, "timed"), last = num(rb, "last_completed_ms");
        add(fams, F_RB_REBALANCING, json_is_true(json_object_get(rb, "rebalancing")) ? 1 : 0, 0);
        add(fams, F_RB_COMPLETED, num(rb, "completed"), 0);
        add(fams, F_RB_AVG, timed > 0 ? num(rb, "time_ms_sum") / timed : 0, 0);
        add(fams, F_RB_MAX, num(rb, "time_ms_max"), 0);
        add(fams, F_RB_SINCE, last > 0 ? (double)now - last : -1, 0);
        add(fams, F_COORD_CONNS, nconns, 0);
        add(fams, F_COORD_TASKS, ntasks, 0);
    }
}

/* Validate's counters (transforms/quality.h), summed over this worker's
 * tasks since it started; visited under the quality registry's lock. */
typedef struct quality_ctx {
    family *fams;
    const char *prefix;   /* as in herder_metrics */
} quality_ctx;

static void quality_row(const trib_quality_transform_row *row, void *opaque) {
    quality_ctx *q = opaque;
    family *fams = q->fams;
    if (q->prefix && !trib_str_startswith(row->connector, q->prefix)) return;
    const char *conn = q->prefix ? row->connector + strlen(q->prefix) : row->connector;
    for (int o = 0; o < TRIB_QUALITY_OUTCOMES; o++)
        add(fams, F_QUALITY_RECORDS, (double)row->outcomes[o], 3, "connector", conn, "transform",
            row->alias, "outcome", trib_quality_outcome_name((trib_quality_outcome)o));
    for (size_t i = 0; i < row->nrules; i++) {
        const trib_quality_rule_row *r = &row->rules[i];
        for (int passed = 1; passed >= 0; passed--)
            add(fams, F_QUALITY_RULES, (double)(passed ? r->passed : r->failed), 7, "connector", conn,
                "transform", row->alias, "rule", r->rule_id, "rule_type", r->rule_type, "column",
                r->column ? r->column : "", "severity", r->severity, "result", passed ? "passed" : "failed");
    }
}

/* The SpoolDir connectors' files (connectors/spooldir/spool_metrics.h);
 * visited under that registry's lock. */
static void spool_totals(const spool_metrics_totals *t, void *opaque) {
    quality_ctx *q = opaque;
    if (q->prefix && !trib_str_startswith(t->connector, q->prefix)) return;
    const char *conn = q->prefix ? t->connector + strlen(q->prefix) : t->connector;
    add(q->fams, F_SPOOL_FILES, (double)t->files_finished, 2, "connector", conn, "result", "finished");
    add(q->fams, F_SPOOL_FILES, (double)t->files_failed, 2, "connector", conn, "result", "failed");
    add(q->fams, F_SPOOL_ROWS, (double)t->rows, 2, "connector", conn, "result", "emitted");
    add(q->fams, F_SPOOL_ROWS, (double)t->rejected, 2, "connector", conn, "result", "rejected");
    add(q->fams, F_SPOOL_BYTES, (double)t->bytes, 1, "connector", conn);
    add(q->fams, F_SPOOL_SECONDS, t->seconds, 1, "connector", conn);
}

static void spool_file_row(const spool_metrics_file *f, void *opaque) {
    quality_ctx *q = opaque;
    if (q->prefix && !trib_str_startswith(f->connector, q->prefix)) return;
    const char *conn = q->prefix ? f->connector + strlen(q->prefix) : f->connector;
    char tid[16];
    snprintf(tid, sizeof tid, "%d", f->task);
    add(q->fams, F_SPOOL_FILE_SIZE, (double)f->size, 3, "connector", conn, "task", tid, "file", f->file);
    add(q->fams, F_SPOOL_FILE_POS, (double)f->position, 3, "connector", conn, "task", tid, "file", f->file);
    add(q->fams, F_SPOOL_FILE_ROWS, (double)f->rows, 4, "connector", conn, "task", tid, "file", f->file, "result", "emitted");
    add(q->fams, F_SPOOL_FILE_ROWS, (double)f->rejected, 4, "connector", conn, "task", tid, "file", f->file, "result",
        "rejected");
}

static void tenant_metrics(family *fams, trib_tenants *reg, const char *only) {
    json_t *names = only ? json_pack("[s]", only) : trib_tenants_list(reg);
    size_t i;
    json_t *n;
    json_array_foreach(names, i, n) {
        const char *name = json_string_value(n);
        json_t *u = trib_tenants_usage_json(reg, name, NULL);
        trib_tenant *t = trib_tenants_get(reg, name, NULL);
        if (u) {
            add(fams, F_TEN_RECORDS, num(u, "records_in"), 2, "tenant", name, "direction", "in");
            add(fams, F_TEN_RECORDS, num(u, "records_out"), 2, "tenant", name, "direction", "out");
            add(fams, F_TEN_BYTES, num(u, "bytes_in"), 2, "tenant", name, "direction", "in");
            add(fams, F_TEN_BYTES, num(u, "bytes_out"), 2, "tenant", name, "direction", "out");
            add(fams, F_TEN_THROTTLED, num(u, "throttled_ms_in") / 1000.0, 2, "tenant", name, "direction", "in");
            add(fams, F_TEN_THROTTLED, num(u, "throttled_ms_out") / 1000.0, 2, "tenant", name, "direction", "out");
            add(fams, F_TEN_VIOLATIONS, num(u, "topic_violations"), 1, "tenant", name);
            add(fams, F_TEN_TASKS, num(u, "guards"), 1, "tenant", name);
            add(fams, F_TEN_REJECTED, num(u, "rejected_requests"), 1, "tenant", name);
        }
        if (t) {
            const trib_tenant_quotas *q = &t->quotas;
            add(fams, F_TEN_QUOTA, (double)q->max_connectors, 2, "tenant", name, "quota", "max_connectors");
            add(fams, F_TEN_QUOTA, (double)q->max_tasks, 2, "tenant", name, "quota", "max_tasks");
            add(fams, F_TEN_QUOTA, q->records_in, 2, "tenant", name, "quota", "records_in_per_sec");
            add(fams, F_TEN_QUOTA, q->bytes_in, 2, "tenant", name, "quota", "bytes_in_per_sec");
            add(fams, F_TEN_QUOTA, q->records_out, 2, "tenant", name, "quota", "records_out_per_sec");
            add(fams, F_TEN_QUOTA, q->bytes_out, 2, "tenant", name, "quota", "bytes_out_per_sec");
        }
        trib_tenant_free(t);
        json_decref(u);
    }
    json_decref(names);
}

static void process_metrics(family *fams) {
    trib_process_stats p;
    trib_process_stats_read(&p);
    if (p.cpu_seconds >= 0) add(fams, F_CPU, p.cpu_seconds, 0);
    if (p.rss_bytes >= 0) add(fams, F_RSS, (double)p.rss_bytes, 0);
    if (p.vsize_bytes >= 0) add(fams, F_VSIZE, (double)p.vsize_bytes, 0);
    if (p.open_fds >= 0) add(fams, F_FDS, (double)p.open_fds, 0);
    if (p.max_fds >= 0) add(fams, F_MAX_FDS, (double)p.max_fds, 0);
    if (p.start_time_seconds >= 0) add(fams, F_START, p.start_time_seconds, 0);
    if (p.threads >= 0) add(fams, F_THREADS, (double)p.threads, 0);
}

char *trib_metrics_render(const json_t *snapshot, trib_tenants *tenants, const char *only_tenant,
                          trib_metrics_format f, int64_t now_ms, size_t *len) {
    family fams[F_COUNT];
    for (int i = 0; i < F_COUNT; i++) {
        fams[i].name = FAMILIES[i].name;
        fams[i].help = FAMILIES[i].help;
        trib_strbuf_init(&fams[i].s);
    }
    char *prefix = only_tenant ? trib_xasprintf("%s/", only_tenant) : NULL;
    if (snapshot) herder_metrics(fams, snapshot, prefix, now_ms);
    quality_ctx q = {fams, prefix};
    trib_quality_visit(NULL, quality_row, &q);
    spool_metrics_visit(spool_totals, spool_file_row, &q);
    if (tenants) tenant_metrics(fams, tenants, only_tenant);
    if (!only_tenant) process_metrics(fams);   /* the process is the operator's */
    free(prefix);

    trib_strbuf out;
    trib_strbuf_init(&out);
    for (int i = 0; i < F_COUNT; i++) {
        if (fams[i].s.len == 0) continue;
        bool counter = trib_str_endswith(fams[i].name, "_total");
        bool histogram = i == F_INGEST_LATENCY;
        int name_len = (int)strlen(fams[i].name) - (counter && f == TRIB_METRICS_OPENMETRICS ? 6 : 0);
        trib_strbuf_printf(&out, "# HELP %.*s %s\n# TYPE %.*s %s\n", name_len, fams[i].name, fams[i].help, name_len,
                           fams[i].name, histogram ? "histogram" : counter ? "counter" : "gauge");
        trib_strbuf_append(&out, fams[i].s.data, fams[i].s.len);
        trib_strbuf_free(&fams[i].s);
    }
    if (f == TRIB_METRICS_OPENMETRICS) trib_strbuf_puts(&out, "# EOF\n");
    *len = out.len;
    return trib_strbuf_take(&out);
}

trib_metrics_format trib_metrics_negotiate(const char *accept) {
    return accept && strstr(accept, "application/openmetrics-text") ? TRIB_METRICS_OPENMETRICS
                                                                     : TRIB_METRICS_PROMETHEUS;
}

const char *trib_metrics_content_type(trib_metrics_format f) {
    return f == TRIB_METRICS_OPENMETRICS ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
                                         : "text/plain; version=0.0.4; charset=utf-8";
}
