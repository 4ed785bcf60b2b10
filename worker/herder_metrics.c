/*
 * herder_metrics.c: the herder's side of metrics (trib_herder_metrics):
 * a snapshot of connector and task states as this worker sees them, and
 * the counters of the tasks it runs. metrics/ renders it; the snapshot is
 * JSON so that layer needs no herder internals and copies nothing under
 * the herder lock but a few numbers per task.
 */
#include "worker/herder_internal.h"

#include <string.h>

static json_t *counters_json(const trib_task_counters *c) {
#define C(f) #f, (json_int_t)atomic_load_explicit(&c->f, memory_order_relaxed)
    return json_pack("{sI sI sI sI sI sI sI sI sI sI sI sI sI sI sI sI sI sI sI sI}", C(poll_total), C(write_total),
                     C(read_total), C(send_total), C(bytes_total), C(batches), C(batch_us_sum), C(batch_us_max),
                     C(commits), C(commit_us_sum), C(commit_us_max), C(lag_max), C(record_failures),
                     C(record_errors), C(records_skipped), C(retries), C(dlq_requests), C(dlq_failures),
                     C(last_error_ms), C(client_bytes));
#undef C
}

static bool here(trib_herder *h, const json_t *st) {
    const char *w = json_string_value(json_object_get(st, "worker_id"));
    return w && strcmp(w, h->worker_id) == 0;
}

static const char *state_of(const json_t *st) {
    const char *s = json_string_value(json_object_get(st, "state"));
    return s ? s : "UNASSIGNED";
}

json_t *trib_herder_metrics(trib_herder *h) {
    json_t *conns = json_array();
    json_t *out = json_pack("{ss sb so}", "worker_id", h->worker_id, "distributed", h->cluster != NULL,
                            "connectors", conns);
    if (h->cluster) json_object_set_new(out, "rebalance", herder_cluster_rebalance_json(h));
    pthread_mutex_lock(&h->lock);
    for (size_t i = 0; i < h->n; i++) {
        conn *c = h->conns[i];
        json_t *st = herder_status_json(h, c);   /* the cluster's view in distributed mode */
        json_t *cst = json_object_get(st, "connector");
        json_t *tasks = json_array();
        json_t *e = json_pack("{ss ss ss ss ss sb so}", "name", c->name, "class", c->plugin->class_name, "type",
                              c->plugin->kind == TRIB_CONNECTOR_SOURCE ? "source" : "sink", "version",
                              c->plugin->version ? c->plugin->version : "", "state",
                              state_of(cst), "local", here(h, cst), "tasks", tasks);
        if (json_object_get(cst, "trace")) json_object_set(e, "trace", json_object_get(cst, "trace"));
        size_t k;
        json_t *ts;
        json_array_foreach(json_object_get(st, "tasks"), k, ts) {
            json_int_t id = json_integer_value(json_object_get(ts, "id"));
            json_t *te = json_pack("{sI ss sb}", "id", id, "state", state_of(ts), "local", here(h, ts));
            if (json_object_get(ts, "trace")) json_object_set(te, "trace", json_object_get(ts, "trace"));
            if (id >= 0 && (size_t)id < c->ntasks && c->tasks[id])
                json_object_set_new(te, "counters", counters_json(trib_task_counters_of(c->tasks[id])));
            json_array_append_new(tasks, te);
        }
        json_decref(st);
        json_array_append_new(conns, e);
    }
    pthread_mutex_unlock(&h->lock);
    return out;
}
