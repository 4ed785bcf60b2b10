/*
 * herder_cluster.c: distributed mode. Every worker applies the config
 * topic in order, so all workers hold the same desired state; the leader
 * (owner of coordination slot 0) places connectors and tasks on live
 * workers and appends its placement to the same log; each worker runs
 * exactly what the latest placement gives it, while it is a group member.
 *
 * Config topic records (Kafka Connect's keys where Connect has them):
 *   connector-<n>     {"properties":{...},"id":"<write id>","create":bool,"initial_state":"PAUSED"} | null
 *   target-state-<n>  {"state":"RUNNING|PAUSED|STOPPED"}
 *   task-<n>-<i>      {"properties":{...}}          staged until
 *   commit-<n>        {"tasks":N}                   makes tasks 0..N-1 current
 *   restart-<n>       {"include_tasks":bool,"only_failed":bool,"task":i|-1}
 *   placement         {"epoch":E,"connectors":{"<n>":"<worker>"},"tasks":{"<n>":["<worker>",...]}}
 *
 * A create carries "create":true: the applier ignores it when the name
 * exists, identically on every worker, and the writer, reading back to its
 * own record, answers 409. Every write carries an id so its writer learns
 * how it was applied.
 *
 * Moves are revoke-then-assign: a worker newly placed on a task waits
 * until the status topic no longer shows it running elsewhere (the old
 * owner stops and reports), bounded by task.shutdown.graceful.timeout.ms.
 * A worker that loses its group membership stops everything at once; the
 * fencing of what a zombie might still do is in the data path
 * (transactional ids for exactly-once sources, consumer-group generations
 * for sinks).
 */
#include "worker/herder_internal.h"
#include "common/log.h"
#include "common/time.h"
#include "common/util.h"
#include "worker/coordinator.h"
#include "worker/kafka_client.h"
#include "worker/kafka_log.h"
#include "worker/offset_store_kafka.h"
#include "worker/status_store.h"

#include <stdlib.h>
#include <string.h>

#define APPLY_TIMEOUT_MS 30000

struct herder_cluster {
    trib_kafka_log *config;
    trib_status_store *status;
    trib_coordinator *coord;
    char *offsets_topic;       /* exactly-once only, else NULL */
    char *group_id;

    json_t *placement;         /* latest applied placement record */
    atomic_llong epoch;
    json_t *staged;            /* {"<n>": {"<i>": {props}}} task configs before commit */
    json_t *results;           /* {"<write id>": "created"|"updated"|"rejected"|"deleted"} */
    json_t *waiting;           /* {"<n>/<i>": mono ms since we wait for the old owner} */
    /* {"<n>/<i>": placement epoch at which this worker started the task}.
     * Task status carries this epoch, not the current one: a former owner
     * whose task stops late (after the grace period, or a zombie resumed
     * by SIGCONT) then reports under an older epoch than the new owner's
     * RUNNING, and the status store's rule keeps the new owner's state. */
    json_t *task_epochs;
    pthread_mutex_t epochs_lock;  /* task threads read task_epochs */

    json_t *extra;             /* {"tenant-<t>": value}: records for other layers */
    pthread_mutex_t sub_lock;  /* orders replay and live delivery to the subscriber */
    trib_herder_log_fn sub_fn;
    void *sub_opaque;
    atomic_bool dirty;         /* leader must recompute placement */
    int64_t rebalance_delay_ms;  /* scheduled.rebalance.max.delay.ms */
    json_t *departed;          /* {"<worker>": mono ms first seen gone} (leader) */
    json_t *seen;              /* {"<worker>": true}: members seen while this worker leads */
    bool leading;              /* lead() ran on the last tick */
    int64_t last_placement_ms;
    int64_t seen_generation;
    bool was_member;
};

/* ---- small helpers ---------------------------------------------------------------------- */

static char *new_write_id(void) {
    unsigned char b[12];
    if (trib_random_bytes(b, sizeof b, NULL) < 0)
        for (size_t i = 0; i < sizeof b; i++) b[i] = (unsigned char)rand();
    char *id = trib_xmalloc(sizeof b * 2 + 1);
    for (size_t i = 0; i < sizeof b; i++) sprintf(id + 2 * i, "%02x", b[i]);
    return id;
}

/* Appends a record and waits until this worker has applied it. */
static int write_and_apply(trib_herder *h, const char *key, json_t *value /* stolen, NULL = tombstone */,
                           trib_error *err) {
    herder_cluster *cl = h->cluster;
    char *text = value ? json_dumps(value, JSON_COMPACT) : NULL;
    json_decref(value);
    int32_t part;
    int64_t off;
    int rc = trib_kafka_log_write(cl->config, 0, key, strlen(key), text, text ? strlen(text) : 0, &part, &off, err);
    free(text);
    if (rc < 0) return trib_error_prefix(err, "config topic");
    return trib_kafka_log_wait_applied(cl->config, part, off, APPLY_TIMEOUT_MS, err);
}

static const char *result_of(trib_herder *h, const char *id) {
    return json_string_value(json_object_get(h->cluster->results, id));
}

static const char *placed_connector(herder_cluster *cl, const char *name) {
    return json_string_value(json_object_get(json_object_get(cl->placement, "connectors"), name));
}

static const char *placed_task(herder_cluster *cl, const char *name, size_t i) {
    return json_string_value(json_array_get(json_object_get(json_object_get(cl->placement, "tasks"), name), i));
}

/* ---- applying the config log (reader thread) -------------------------------------------- */

/* A tenant's count quotas (max_connectors, max_tasks), decided here, in the
 * config log's order: the tenant's record (cl->extra) and its connectors
 * are the state every worker holds at this record, so every worker refuses
 * the same write, however many workers accepted requests for the last slot
 * at once. The REST layer checks first for a quick answer; this is the
 * decision. Returns false when the write fits; otherwise fills why. */
static bool over_tenant_quota(trib_herder *h, const char *name, const trib_props *props, char *why, size_t cap) {
    const char *slash = strchr(name, '/');
    if (!slash) return false;
    char *tkey = trib_xasprintf("tenant-%.*s", (int)(slash - name), name);
    json_t *q = json_object_get(json_object_get(h->cluster->extra, tkey), "quotas");
    free(tkey);
    json_t *mc = json_object_get(q, "max_connectors"), *mt = json_object_get(q, "max_tasks");
    int64_t max_conns = json_is_integer(mc) ? json_integer_value(mc) : -1;
    int64_t max_tasks = json_is_integer(mt) ? json_integer_value(mt) : -1;
    size_t plen = (size_t)(slash - name) + 1;
    int64_t conns = 0, tasks = 0, mine = 1;
    bool exists = false;
    for (size_t i = 0; i < h->n; i++) {
        conn *c = h->conns[i];
        if (strncmp(c->name, name, plen) != 0) continue;
        if (strcmp(c->name, name) == 0) {
            exists = true;
            continue;
        }
        int64_t k = 1;
        if (trib_parse_int64(trib_props_get(c->config, "tasks.max"), &k) < 0 || k < 1) k = 1;
        conns++;
        tasks = trib_add_i64_sat(tasks, k);
    }
    if (trib_parse_int64(trib_props_get(props, "tasks.max"), &mine) < 0 || mine < 1) mine = 1;
    if (!exists && max_conns >= 0 && conns + 1 > max_conns) {
        snprintf(why, cap, "Tenant %.*s is at its quota max_connectors=%lld", (int)(slash - name), name,
                 (long long)max_conns);
        return true;
    }
    if (max_tasks >= 0 && trib_add_i64_sat(tasks, mine) > max_tasks) {
        snprintf(why, cap,
                 "Tenant %.*s would exceed its quota max_tasks=%lld: its other connectors use %lld tasks and "
                 "tasks.max is %lld",
                 (int)(slash - name), name, (long long)max_tasks, (long long)tasks, (long long)mine);
        return true;
    }
    return false;
}

static void apply_connector(trib_herder *h, const char *name, json_t *v) {
    herder_cluster *cl = h->cluster;
    conn *c = herder_find(h, name);
    const char *id = json_string_value(json_object_get(v, "id"));
    if (!v) {
        if (c) {
            herder_remove(h, c);
            TRIB_INFO("herder", "[%s] connector deleted", name);
        }
        json_object_del(cl->staged, name);
        return;
    }
    trib_props *props = trib_props_from_json(json_object_get(v, "properties"), NULL);
    if (!props) {
        TRIB_WARN("herder", "config topic: connector-%s has no valid properties; ignored", name);
        return;
    }
    if (c && json_is_true(json_object_get(v, "create"))) {
        if (id) json_object_set_new(cl->results, id, json_string("rejected"));
        trib_props_destroy(props);
        return;
    }
    char why[TRIB_ERRMSG_MAX - 8];
    if (over_tenant_quota(h, name, props, why, sizeof why)) {
        TRIB_INFO("herder", "[%s] config record refused: %s", name, why);
        if (id) json_object_set_new(cl->results, id, json_sprintf("quota:%s", why));
        trib_props_destroy(props);
        return;
    }
    trib_error lerr;
    trib_error_clear(&lerr);
    const trib_connector_plugin *plugin = trib_connector_load(trib_props_get_or(props, "connector.class", ""), &lerr);
    if (c) {
        if (!trib_props_equal(c->config, props) || c->plugin != plugin) {
            /* the connector restarts with its new config; it writes new
             * task configs, and tasks whose config changed restart then */
            herder_stop_instance(h, c);
            c->failed = false;
            c->configs_written = false;
            trib_props_destroy(c->config);
            c->config = props;
            if (plugin) c->plugin = plugin;
            TRIB_INFO("herder", "[%s] connector config updated", name);
        } else {
            trib_props_destroy(props);
        }
        if (id) json_object_set_new(cl->results, id, json_string("updated"));
    } else {
        trib_target_state target = TRIB_TARGET_RUNNING;
        trib_target_state_parse(json_string_value(json_object_get(v, "initial_state")), &target);
        if (!plugin) {
            /* written by a worker that knows a plugin this one lacks */
            TRIB_ERROR("herder", "[%s] cannot run connector class %s on this worker: %s", name,
                       trib_props_get_or(props, "connector.class", "(none)"), lerr.msg);
            trib_props_destroy(props);
            if (id) json_object_set_new(cl->results, id, json_string("rejected"));
            return;
        }
        herder_add(h, name, props, plugin, target);
        if (id) json_object_set_new(cl->results, id, json_string("created"));
        TRIB_INFO("herder", "[%s] connector created (%s)", name, plugin->class_name);
    }
    atomic_store(&cl->dirty, true);
}

static void apply_commit(trib_herder *h, const char *name, json_t *v) {
    herder_cluster *cl = h->cluster;
    conn *c = herder_find(h, name);
    json_t *staged = json_object_get(cl->staged, name);
    json_int_t n = json_integer_value(json_object_get(v, "tasks"));
    if (!c || n < 0) return;
    trib_props **cfgs = trib_xcalloc((size_t)n + 1, sizeof *cfgs);
    for (json_int_t i = 0; i < n; i++) {
        char idx[24];
        snprintf(idx, sizeof idx, "%lld", (long long)i);
        json_t *p = json_object_get(staged, idx);
        cfgs[i] = p ? trib_props_from_json(p, NULL) : NULL;
        if (!cfgs[i]) {
            TRIB_WARN("herder", "[%s] commit of %lld tasks without task %lld's config; ignored", name, (long long)n,
                      (long long)i);
            for (json_int_t k = 0; k < i; k++) trib_props_destroy(cfgs[k]);
            free(cfgs);
            return;
        }
    }
    if (herder_same_task_configs(c, cfgs, (size_t)n)) {
        for (json_int_t i = 0; i < n; i++) trib_props_destroy(cfgs[i]);
        free(cfgs);
    } else {
        /* keep tasks whose config did not change; stop the others */
        trib_task **tasks = trib_xcalloc((size_t)n + 1, sizeof *tasks);
        for (size_t i = 0; i < c->ntasks; i++) {
            if (!c->tasks[i]) continue;
            if ((json_int_t)i < n && trib_props_equal(c->task_configs[i], cfgs[i])) {
                tasks[i] = c->tasks[i];
                c->tasks[i] = NULL;
            } else {
                herder_stop_task(h, c, i);   /* asynchronous (herder_internal.h) */
            }
        }
        herder_free_task_configs(c);
        c->task_configs = cfgs;
        c->ntasks = (size_t)n;
        c->tasks = tasks;
        TRIB_INFO("herder", "[%s] %lld task config(s) committed", name, (long long)n);
    }
    json_object_del(cl->staged, name);
    atomic_store(&cl->dirty, true);
}

static void apply_placement(trib_herder *h, json_t *v) {
    herder_cluster *cl = h->cluster;
    json_int_t e = json_integer_value(json_object_get(v, "epoch"));
    if (e <= atomic_load(&cl->epoch)) return;  /* a stale leader's decision */
    json_decref(cl->placement);
    cl->placement = json_incref(v);
    atomic_store(&cl->epoch, e);
    herder_apply_tenant_shares(h, v);
}

static void apply_record(void *opaque, int32_t partition, int64_t offset, const void *key, size_t key_len,
                         const void *value, size_t value_len) {
    (void)partition;
    (void)offset;
    trib_herder *h = opaque;
    if (!key) return;
    char *k = trib_xstrndup(key, key_len);
    json_t *v = value ? json_loadb(value, value_len, 0, NULL) : NULL;
    pthread_mutex_lock(&h->lock);
    if (trib_str_startswith(k, "connector-")) {
        apply_connector(h, k + strlen("connector-"), v);
    } else if (trib_str_startswith(k, "target-state-")) {
        conn *c = herder_find(h, k + strlen("target-state-"));
        trib_target_state s;
        if (c && trib_target_state_parse(json_string_value(json_object_get(v, "state")), &s) == 0) {
            c->target = s;
            atomic_store(&h->cluster->dirty, true);
        }
    } else if (trib_str_startswith(k, "task-") && v) {
        /* task-<name>-<i>: the name may contain '-', the index is after the last one */
        char *dash = strrchr(k, '-');
        if (dash && dash > k + 5) {
            *dash = '\0';
            const char *name = k + strlen("task-");
            json_t *per = json_object_get(h->cluster->staged, name);
            if (!per) {
                per = json_object();
                json_object_set_new(h->cluster->staged, name, per);
            }
            json_object_set(per, dash + 1, json_object_get(v, "properties"));
        }
    } else if (trib_str_startswith(k, "commit-") && v) {
        apply_commit(h, k + strlen("commit-"), v);
    } else if (strcmp(k, "placement") == 0 && v) {
        apply_placement(h, v);
    } else if (trib_str_startswith(k, "restart-") && v) {
        conn *c = herder_find(h, k + strlen("restart-"));
        if (c) {
            json_decref(c->restart);
            c->restart = json_incref(v);
        }
    } else if (trib_str_startswith(k, "tenant-")) {
        herder_cluster *cl = h->cluster;
        if (v) json_object_set(cl->extra, k, v);
        else json_object_del(cl->extra, k);
        pthread_mutex_unlock(&h->lock);
        pthread_mutex_lock(&cl->sub_lock);
        if (cl->sub_fn) cl->sub_fn(cl->sub_opaque, k, v);
        pthread_mutex_unlock(&cl->sub_lock);
        json_decref(v);
        free(k);
        return;
    }
    pthread_mutex_unlock(&h->lock);
    json_decref(v);
    free(k);
}

/* ---- status --------------------------------------------------------------------------------- */

static void report_connector(trib_herder *h, conn *c, const char *state) {
    if (c->reported && strcmp(c->reported, state) == 0) return;
    c->reported = state;
    trib_error err;
    if (trib_status_store_put(h->cluster->status, c->name, -1, state, c->failed ? c->trace : NULL,
                              atomic_load(&h->cluster->epoch), &err) < 0)
        TRIB_WARN("herder", "[%s] cannot write connector status: %s", c->name, err.msg);
}

/* The epoch this worker started connector's task under (see task_epochs);
 * the current epoch when it has no record. Any thread. */
static int64_t task_start_epoch(herder_cluster *cl, const char *connector, int task_id) {
    char unit[600];
    snprintf(unit, sizeof unit, "%s/%d", connector, task_id);
    pthread_mutex_lock(&cl->epochs_lock);
    json_t *e = json_object_get(cl->task_epochs, unit);
    int64_t epoch = e ? (int64_t)json_integer_value(e) : atomic_load(&cl->epoch);
    pthread_mutex_unlock(&cl->epochs_lock);
    return epoch;
}

/* Task state changes, from task threads. */
static void task_listener(void *opaque, const char *connector, int task_id, trib_state state, const char *trace) {
    trib_herder *h = opaque;
    trib_error err;
    if (trib_status_store_put(h->cluster->status, connector, task_id, trib_state_name(state), trace,
                              task_start_epoch(h->cluster, connector, task_id), &err) < 0)
        TRIB_WARN("herder", "[%s:%d] cannot write task status: %s", connector, task_id, err.msg);
}

static json_t *status_entry(trib_herder *h, const conn *c, int task) {
    json_t *st = trib_status_store_get(h->cluster->status, c->name, task);
    json_t *out = json_object();
    const char *state = st ? json_string_value(json_object_get(st, "state")) : NULL;
    json_object_set_new(out, "state", json_string(state ? state : "UNASSIGNED"));
    const char *wid = st ? json_string_value(json_object_get(st, "worker_id")) : NULL;
    json_object_set_new(out, "worker_id", wid ? json_string(wid) : json_null());
    const char *trace = st ? json_string_value(json_object_get(st, "trace")) : NULL;
    if (trace && state && strcmp(state, "FAILED") == 0) json_object_set_new(out, "trace", json_string(trace));
    json_decref(st);
    return out;
}

json_t *herder_cluster_task_status(trib_herder *h, const conn *c, size_t i) {
    json_t *e = status_entry(h, c, (int)i);
    json_t *out = json_pack("{si}", "id", (int)i);
    json_object_update(out, e);
    json_decref(e);
    return out;
}

json_t *herder_cluster_status(trib_herder *h, const conn *c) {
    json_t *tasks = json_array();
    for (size_t i = 0; i < c->ntasks; i++) json_array_append_new(tasks, herder_cluster_task_status(h, c, i));
    return json_pack("{sssoso ss}", "name", c->name, "connector", status_entry(h, c, -1), "tasks", tasks, "type",
                     c->plugin->kind == TRIB_CONNECTOR_SOURCE ? "source" : "sink");
}

/* ---- running what is placed here (herder thread) -------------------------------------------- */

static int sync_offsets(void *opaque, trib_error *err) {
    return trib_offset_store_kafka_sync(opaque, APPLY_TIMEOUT_MS, err);
}

static bool lease_of(void *opaque) {
    return trib_coordinator_lease_valid(opaque);
}

static void start_task_here(trib_herder *h, conn *c, size_t i) {
    herder_cluster *cl = h->cluster;
    char *txid = trib_xasprintf("%s-%s-%zu", cl->group_id, c->name, i);
    trib_task_spec spec = {
        .connector = c->name,
        .task_id = (int)i,
        .plugin = c->plugin,
        .config = c->task_configs[i],
        .worker_props = h->worker_props,
        .offsets = h->offsets,
        .files = h->files,
        .start_paused = c->target == TRIB_TARGET_PAUSED,
        .listener = task_listener,
        .listener_opaque = h,
        .lease = lease_of,
        .lease_opaque = cl->coord,
    };
    if (cl->offsets_topic && c->plugin->kind == TRIB_CONNECTOR_SOURCE) {
        spec.eos_offsets_topic = cl->offsets_topic;
        spec.transactional_id = txid;
        spec.sync_offsets = sync_offsets;
        spec.sync_opaque = h->offsets;
    }
    char unit[600];
    snprintf(unit, sizeof unit, "%s/%zu", c->name, i);
    pthread_mutex_lock(&cl->epochs_lock);
    json_object_set_new(cl->task_epochs, unit, json_integer(atomic_load(&cl->epoch)));
    pthread_mutex_unlock(&cl->epochs_lock);
    trib_error err;
    c->tasks[i] = trib_task_start(&spec, &err);
    if (!c->tasks[i]) TRIB_ERROR("herder", "[%s:%zu] cannot start task: %s", c->name, i, err.msg);
    free(txid);
}

/* Revoke-then-assign: true while another worker still reports the task
 * running under an older placement and the grace period has not passed. */
static bool must_wait_for_old_owner(trib_herder *h, conn *c, size_t i) {
    herder_cluster *cl = h->cluster;
    json_t *st = trib_status_store_get(cl->status, c->name, (int)i);
    const char *state = json_string_value(json_object_get(st, "state"));
    /* copied: st is released below and the warning at the end names it */
    char wid[256] = "";
    const char *w = json_string_value(json_object_get(st, "worker_id"));
    if (w) snprintf(wid, sizeof wid, "%s", w);
    bool busy = st && state && w && strcmp(wid, h->worker_id) != 0 &&
                (strcmp(state, "RUNNING") == 0 || strcmp(state, "PAUSED") == 0) &&
                json_integer_value(json_object_get(st, "generation")) < atomic_load(&cl->epoch);
    if (busy) {
        /* an old owner that has left the group (crashed, or fenced itself
         * after losing its session) is not waited for */
        bool alive = false;
        size_t k;
        json_t *m;
        json_array_foreach(json_object_get(cl->placement, "members"), k, m)
            if (json_is_string(m) && strcmp(json_string_value(m), wid) == 0) alive = true;
        busy = alive;
    }
    json_decref(st);
    char unit[600];
    snprintf(unit, sizeof unit, "%s/%zu", c->name, i);
    if (!busy) {
        json_object_del(cl->waiting, unit);
        return false;
    }
    json_t *since = json_object_get(cl->waiting, unit);
    int64_t now = trib_mono_ms();
    if (!since) {
        json_object_set_new(cl->waiting, unit, json_integer(now));
        return true;
    }
    if (now - json_integer_value(since) < h->shutdown_ms + 2000) return true;
    TRIB_WARN("herder", "[%s:%zu] previous owner %s did not report stopping in time; starting anyway", c->name, i,
              wid[0] ? wid : "?");
    json_object_del(cl->waiting, unit);
    return false;
}

/* The connector instance generates task configs; if they differ from the
 * log's, it appends them (then the commit makes them current everywhere). */
static void publish_task_configs(trib_herder *h, conn *c) {
    trib_props **cfgs = NULL;
    size_t n = 0;
    if (herder_generate_task_configs(c, &cfgs, &n) < 0) return;
    bool same = herder_same_task_configs(c, cfgs, n);
    trib_error err;
    int rc = 0;
    for (size_t i = 0; !same && rc == 0 && i < n; i++) {
        char *key = trib_xasprintf("task-%s-%zu", c->name, i);
        /* only the task's own keys travel; the connector config is merged back on apply */
        json_t *v = json_pack("{so}", "properties", trib_props_to_json(cfgs[i]));
        char *text = json_dumps(v, JSON_COMPACT);
        rc = trib_kafka_log_write(h->cluster->config, 0, key, strlen(key), text, strlen(text), NULL, NULL, &err);
        free(text);
        json_decref(v);
        free(key);
    }
    if (!same && rc == 0) {
        char *key = trib_xasprintf("commit-%s", c->name);
        json_t *v = json_pack("{sI}", "tasks", (json_int_t)n);
        char *text = json_dumps(v, JSON_COMPACT);
        rc = trib_kafka_log_write(h->cluster->config, 0, key, strlen(key), text, strlen(text), NULL, NULL, &err);
        free(text);
        json_decref(v);
        free(key);
    }
    if (rc < 0) TRIB_WARN("herder", "[%s] cannot write task configs (will retry): %s", c->name, err.msg);
    else {
        c->configs_written = true;
        c->empty_written = false;
    }
    for (size_t i = 0; i < n; i++) trib_props_destroy(cfgs[i]);
    free(cfgs);
}

/* Stopping a connector empties its task set in the log, as Connect does
 * (KIP-875): status and /tasks then list no tasks, which is what scripts
 * wait for before altering offsets. Resuming publishes task configs anew. */
static void publish_empty_task_set(trib_herder *h, conn *c) {
    if (c->ntasks == 0 || c->empty_written) return;
    char *key = trib_xasprintf("commit-%s", c->name);
    static const char text[] = "{\"tasks\":0}";
    trib_error err;
    if (trib_kafka_log_write(h->cluster->config, 0, key, strlen(key), text, sizeof text - 1, NULL, NULL, &err) < 0) {
        TRIB_WARN("herder", "[%s] cannot write the empty task set (will retry): %s", c->name, err.msg);
    } else {
        c->empty_written = true;
        c->configs_written = false;
    }
    free(key);
}

static void handle_restart(trib_herder *h, conn *c, bool runs_connector) {
    json_t *r = c->restart;
    c->restart = NULL;
    bool include_tasks = json_is_true(json_object_get(r, "include_tasks"));
    bool only_failed = json_is_true(json_object_get(r, "only_failed"));
    json_int_t task = json_object_get(r, "task") ? json_integer_value(json_object_get(r, "task")) : -1;
    if (task >= 0) {
        if ((size_t)task < c->ntasks) herder_stop_task(h, c, (size_t)task);
    } else {
        if (include_tasks) herder_stop_tasks(h, c, only_failed);
        if (runs_connector && (!only_failed || c->failed)) {
            herder_stop_instance(h, c);
            c->failed = false;
            c->reported = NULL;
        }
    }
    json_decref(r);
}

/* Writes the active topics of the connector's local tasks to the status
 * topic, once per topic (Connect's topic tracking). A topic this worker
 * recorded that is gone from the status topic was reset (PUT .../topics/reset
 * on any worker): the local tasks then forget theirs, so only topics used
 * after the reset come back. Caller holds h->lock. */
static void record_topics(trib_herder *h, conn *c) {
    herder_cluster *cl = h->cluster;
    bool was_reset = false;
    const char *topic;
    json_t *v;
    json_object_foreach(c->recorded_topics, topic, v)
        if (!trib_status_store_has_topic(cl->status, c->name, topic)) was_reset = true;
    if (was_reset) {
        for (size_t i = 0; i < c->ntasks; i++)
            if (c->tasks[i]) trib_task_reset_topics(c->tasks[i]);
        json_object_clear(c->recorded_topics);
        return;
    }
    for (size_t i = 0; i < c->ntasks; i++) {
        if (!c->tasks[i]) continue;
        json_t *topics = trib_task_topics(c->tasks[i]);
        size_t k;
        json_array_foreach(topics, k, v) {
            const char *t = json_string_value(v);
            if (json_object_get(c->recorded_topics, t)) continue;
            trib_error err;
            if (!trib_status_store_has_topic(cl->status, c->name, t) &&
                trib_status_store_put_topic(cl->status, c->name, t, (int)i, &err) < 0) {
                TRIB_WARN("herder", "[%s] cannot record active topic %s: %s", c->name, t, err.msg);
                continue;   /* tried again next tick */
            }
            json_object_set_new(c->recorded_topics, t, json_true());
        }
        json_decref(topics);
    }
}

void herder_cluster_topics(trib_herder *h, const conn *c, json_t *set) {
    trib_status_store_topics(h->cluster->status, c->name, set);
}

void herder_cluster_reset_topics(trib_herder *h, conn *c) {
    trib_status_store_reset_topics(h->cluster->status, c->name);
    json_object_clear(c->recorded_topics);
}

static void run_placed(trib_herder *h, conn *c, bool member) {
    herder_cluster *cl = h->cluster;
    const char *owner = placed_connector(cl, c->name);
    bool runs_connector = member && owner && strcmp(owner, h->worker_id) == 0;
    if (c->restart) handle_restart(h, c, runs_connector);

    if (!runs_connector && (c->started || c->starting)) {
        herder_stop_instance(h, c);   /* a start in flight is invalidated */
        c->reported = NULL;
    }
    if (runs_connector) {
        if (c->target == TRIB_TARGET_STOPPED) {
            herder_stop_instance(h, c);
            publish_empty_task_set(h, c);
            report_connector(h, c, "STOPPED");
        } else {
            /* the start runs on a starter thread (herder_internal.h): a
             * later tick sees the instance, or the failure */
            if (!c->started && !c->failed && !c->starting) herder_start_instance(h, c);
            if (c->failed) {
                report_connector(h, c, "FAILED");
            } else if (c->started) {
                /* as Connect, only a RUNNING connector generates task
                 * configs: one created PAUSED has none until resumed */
                if (c->target == TRIB_TARGET_RUNNING &&
                    (!c->configs_written || (c->cctx && trib_connector_context_take_reconfiguration(c->cctx))))
                    publish_task_configs(h, c);
                const char *raised = c->cctx ? trib_connector_context_error(c->cctx) : NULL;
                if (raised) {
                    char *msg = trib_xstrdup(raised);
                    herder_stop_instance(h, c);
                    herder_set_failed(c, msg);
                    free(msg);
                    report_connector(h, c, "FAILED");
                } else {
                    report_connector(h, c, c->target == TRIB_TARGET_PAUSED ? "PAUSED" : "RUNNING");
                }
            }
        }
    }

    herder_auto_restart(h, c);
    for (size_t i = 0; i < c->ntasks; i++) {
        const char *w = placed_task(cl, c->name, i);
        bool mine = member && c->target != TRIB_TARGET_STOPPED && w && strcmp(w, h->worker_id) == 0;
        if (c->tasks[i] && !mine) {
            herder_stop_task(h, c, i);
        } else if (!c->tasks[i] && mine && !herder_task_stopping(h, c->name, i) &&
                   !must_wait_for_old_owner(h, c, i)) {
            /* one instance per task id: not while this worker's previous
             * instance is still stopping (herder_internal.h) */
            start_task_here(h, c, i);
        }
        if (c->tasks[i]) trib_task_set_paused(c->tasks[i], c->target == TRIB_TARGET_PAUSED);
    }
    record_topics(h, c);
    if (c->target == TRIB_TARGET_STOPPED && runs_connector) {
        /* a stopped connector reports its tasks as gone */
        for (size_t i = 0; i < c->ntasks; i++) {
            json_t *st = trib_status_store_get(cl->status, c->name, (int)i);
            const char *state = json_string_value(json_object_get(st, "state"));
            if (state && strcmp(state, "UNASSIGNED") != 0 && strcmp(state, "FAILED") != 0) {
                trib_error err;
                trib_status_store_put(cl->status, c->name, (int)i, "UNASSIGNED", NULL, atomic_load(&cl->epoch), &err);
            }
            json_decref(st);
        }
    }
}

/* ---- leader: placement ---------------------------------------------------------------------- */

static int cmp_name(const void *a, const void *b) {
    return strcmp((*(conn *const *)a)->name, (*(conn *const *)b)->name);
}

/* Sticky balanced assignment of units to members: a unit stays on its
 * live owner while that owner is within its share; the rest go to the
 * least loaded members. units[i] is the current owner or NULL; the result
 * is written back into units[]. Shares differ by at most one. */
static bool in_array(json_t *arr, const char *s) {
    size_t k;
    json_t *v;
    json_array_foreach(arr, k, v)
        if (s && json_is_string(v) && strcmp(json_string_value(v), s) == 0) return true;
    return false;
}

/* As balance_all, leaving alone units whose owner is in `held` (a departed
 * worker within scheduled.rebalance.max.delay.ms: its work waits for it). */
static void balance_all(const char **units, size_t n, json_t *members);
static void balance(const char **units, size_t n, json_t *members, json_t *held) {
    const char **free_units = trib_xcalloc(n + 1, sizeof *free_units);
    size_t *idx = trib_xcalloc(n + 1, sizeof *idx), k = 0;
    for (size_t u = 0; u < n; u++)
        if (!in_array(held, units[u])) {
            idx[k] = u;
            free_units[k++] = units[u];
        }
    balance_all(free_units, k, members);
    for (size_t j = 0; j < k; j++) units[idx[j]] = free_units[j];
    free(free_units);
    free(idx);
}

static void balance_all(const char **units, size_t n, json_t *members) {
    size_t m = json_array_size(members);
    if (m == 0) return;
    size_t *count = trib_xcalloc(m, sizeof *count), *cap = trib_xcalloc(m, sizeof *cap), *kept = trib_xcalloc(m, sizeof *kept);
    int *owner = trib_xcalloc(n ? n : 1, sizeof *owner);
    for (size_t u = 0; u < n; u++) {
        owner[u] = -1;
        for (size_t k = 0; units[u] && k < m; k++)
            if (strcmp(units[u], json_string_value(json_array_get(members, k))) == 0) owner[u] = (int)k;
        if (owner[u] >= 0) kept[owner[u]]++;
    }
    /* the members that already hold most get the +1 shares: fewer moves */
    size_t base = n / m, extra = n % m;
    for (size_t k = 0; k < m; k++) cap[k] = base;
    for (size_t e = 0; e < extra; e++) {
        size_t best = m;
        for (size_t k = 0; k < m; k++)
            if (cap[k] == base && (best == m || kept[k] > kept[best])) best = k;
        cap[best]++;
    }
    for (size_t u = 0; u < n; u++)
        if (owner[u] >= 0 && count[owner[u]] < cap[owner[u]]) count[owner[u]]++;
        else owner[u] = -1;
    for (size_t u = 0; u < n; u++) {
        if (owner[u] >= 0) continue;
        size_t best = m;
        for (size_t k = 0; k < m; k++)
            if (count[k] < cap[k] && (best == m || count[k] < count[best])) best = k;
        owner[u] = (int)best;
        count[best]++;
    }
    for (size_t u = 0; u < n; u++) units[u] = json_string_value(json_array_get(members, (size_t)owner[u]));
    free(count);
    free(cap);
    free(kept);
    free(owner);
}

/* Computes the placement for the current connectors. Caller holds h->lock. */
static json_t *compute_placement(trib_herder *h, json_t *members, json_t *held) {
    herder_cluster *cl = h->cluster;
    conn **sorted = trib_xcalloc(h->n + 1, sizeof *sorted);
    if (h->n) memcpy(sorted, h->conns, h->n * sizeof *sorted);
    qsort(sorted, h->n, sizeof *sorted, cmp_name);

    const char **cu = trib_xcalloc(h->n + 1, sizeof *cu);
    size_t ntask_units = 0;
    for (size_t i = 0; i < h->n; i++) {
        cu[i] = placed_connector(cl, sorted[i]->name);
        if (sorted[i]->target != TRIB_TARGET_STOPPED) ntask_units += sorted[i]->ntasks;
    }
    balance(cu, h->n, members, held);

    const char **tu = trib_xcalloc(ntask_units + 1, sizeof *tu);
    size_t k = 0;
    for (size_t i = 0; i < h->n; i++) {
        if (sorted[i]->target == TRIB_TARGET_STOPPED) continue;
        for (size_t t = 0; t < sorted[i]->ntasks; t++) tu[k++] = placed_task(cl, sorted[i]->name, t);
    }
    balance(tu, ntask_units, members, held);

    json_t *conns = json_object(), *tasks = json_object();
    k = 0;
    for (size_t i = 0; i < h->n; i++) {
        if (cu[i]) json_object_set_new(conns, sorted[i]->name, json_string(cu[i]));
        if (sorted[i]->target == TRIB_TARGET_STOPPED) continue;
        json_t *arr = json_array();
        for (size_t t = 0; t < sorted[i]->ntasks; t++, k++) json_array_append_new(arr, json_string(tu[k]));
        json_object_set_new(tasks, sorted[i]->name, arr);
    }
    free(cu);
    free(tu);
    free(sorted);
    return json_pack("{soso}", "connectors", conns, "tasks", tasks);
}

static void lead(trib_herder *h) {
    herder_cluster *cl = h->cluster;
    int64_t now = trib_mono_ms();
    int64_t gen = trib_coordinator_generation(cl->coord);
    bool due = (atomic_exchange(&cl->dirty, false) && now - cl->last_placement_ms >= 200) ||
               gen != cl->seen_generation || now - cl->last_placement_ms >= 3000;
    if (!due) return;
    cl->seen_generation = gen;
    cl->last_placement_ms = now;
    trib_error err;
    json_t *members = trib_coordinator_members(cl->coord, &err);
    if (!members) {
        TRIB_WARN("herder", "leader: cannot list workers: %s", err.msg);
        atomic_store(&cl->dirty, true);
        return;
    }
    /* Workers in the placement but not in the group: keep their work for
     * them until scheduled.rebalance.max.delay.ms has passed, counted from
     * when this leader saw them leave. A worker that was already gone when
     * this worker took the lead (typically the previous leader itself) has
     * no departure this leader witnessed: its work is reassigned at once,
     * as Kafka Connect's new leader does (it starts without the previous
     * assignment, so the dead leader's work counts as unassigned). Holding
     * it for a fresh full delay would leave it down for longer than the
     * user asked for. */
    json_t *held = json_array();
    pthread_mutex_lock(&h->lock);
    if (cl->rebalance_delay_ms > 0) {
        size_t mi;
        json_t *mv;
        json_array_foreach(members, mi, mv)
            if (json_is_string(mv)) json_object_set_new(cl->seen, json_string_value(mv), json_true());
        json_t *owners = json_object();
        const char *k;
        json_t *v;
        json_object_foreach(json_object_get(cl->placement, "connectors"), k, v)
            if (json_is_string(v)) json_object_set_new(owners, json_string_value(v), json_true());
        json_object_foreach(json_object_get(cl->placement, "tasks"), k, v) {
            size_t i;
            json_t *w;
            json_array_foreach(v, i, w) if (json_is_string(w)) json_object_set_new(owners, json_string_value(w), json_true());
        }
        json_object_foreach(owners, k, v) {
            if (in_array(members, k)) {
                json_object_del(cl->departed, k);
                continue;
            }
            if (!json_object_get(cl->seen, k)) continue;   /* gone before we led: reassign now */
            json_t *since = json_object_get(cl->departed, k);
            if (!since) {
                json_object_set_new(cl->departed, k, json_integer(now));
                since = json_object_get(cl->departed, k);
            }
            if (now - json_integer_value(since) < cl->rebalance_delay_ms) {
                json_array_append_new(held, json_string(k));
                atomic_store(&cl->dirty, true);   /* look again when the delay ends */
            }
        }
        /* forget workers that own nothing and are gone (pods come and go) */
        void *it = json_object_iter(cl->seen);
        while (it) {
            const char *w = json_object_iter_key(it);
            void *next_it = json_object_iter_next(cl->seen, it);
            if (!in_array(members, w) && !json_object_get(owners, w)) {
                json_object_del(cl->departed, w);
                json_object_del(cl->seen, w);
            }
            it = next_it;
        }
        json_decref(owners);
    }
    json_t *next = compute_placement(h, members, held);
    /* the current placement, in the shape compute_placement returns */
    json_t *cc = json_object_get(cl->placement, "connectors"), *ct = json_object_get(cl->placement, "tasks");
    json_t *cur = json_object();
    json_object_set_new(cur, "connectors", cc ? json_incref(cc) : json_object());
    json_object_set_new(cur, "tasks", ct ? json_incref(ct) : json_object());
    /* The departure clocks go into the placement record, so a leader
     * that takes over honours them (adopt_departed) instead of moving the
     * held work at once or waiting a whole delay again. Wall-clock ms:
     * monotonic clocks are per host. */
    json_t *departed = json_object();
    {
        int64_t wall = trib_now_ms();
        const char *k;
        json_t *v;
        json_object_foreach(cl->departed, k, v)
            json_object_set_new(departed, k, json_integer(wall - (now - json_integer_value(v))));
    }
    bool same_departed = json_object_size(departed) == json_object_size(json_object_get(cl->placement, "departed"));
    {
        const char *k;
        json_t *v;
        json_object_foreach(departed, k, v)
            if (!json_object_get(json_object_get(cl->placement, "departed"), k)) same_departed = false;
    }
    bool changed = !json_equal(next, cur) || !same_departed;
    json_int_t epoch = atomic_load(&cl->epoch) + 1;
    pthread_mutex_unlock(&h->lock);
    json_decref(cur);
    if (changed) {
        json_object_set_new(next, "epoch", json_integer(epoch));
        json_object_set(next, "members", members);
        json_object_set_new(next, "leader", json_string(h->worker_id));
        json_object_set(next, "departed", departed);
        char *text = json_dumps(next, JSON_COMPACT);
        if (trib_kafka_log_write(cl->config, 0, "placement", strlen("placement"), text, strlen(text), NULL, NULL, &err) < 0) {
            TRIB_WARN("herder", "leader: cannot write placement: %s", err.msg);
            atomic_store(&cl->dirty, true);
        } else {
            TRIB_INFO("herder", "leader: placement epoch %lld over %zu worker(s)", (long long)epoch,
                      json_array_size(members));
        }
        free(text);
    }
    json_decref(departed);
    json_decref(next);
    json_decref(members);
    json_decref(held);
}

/* A worker that takes the lead continues the departure clocks its
 * predecessor wrote into the placement (scheduled.rebalance.max.delay.ms):
 * those workers count as seen, gone since the recorded time. A worker that
 * left without a recorded departure (typically the previous leader
 * itself) still has its work reassigned at once, as in Kafka Connect. */
static void adopt_departed(herder_cluster *cl) {
    if (cl->rebalance_delay_ms <= 0) return;
    int64_t now = trib_mono_ms(), wall = trib_now_ms();
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(cl->placement, "departed"), k, v) {
        if (!json_is_integer(v)) continue;
        int64_t gone_for = wall - (int64_t)json_integer_value(v);
        if (gone_for < 0) gone_for = 0;   /* clocks of two hosts disagree: count from now */
        json_object_set_new(cl->departed, k, json_integer(now - gone_for));
        json_object_set_new(cl->seen, k, json_true());
        TRIB_INFO("herder", "leader: worker %s departed %lld ms ago (from the placement record)", k,
                  (long long)gone_for);
    }
}

void herder_cluster_tick(trib_herder *h) {
    herder_cluster *cl = h->cluster;
    bool member = trib_coordinator_is_member(cl->coord);
    if (member && trib_coordinator_is_leader(cl->coord)) {
        if (!cl->leading) {
            pthread_mutex_lock(&h->lock);
            adopt_departed(cl);
            pthread_mutex_unlock(&h->lock);
        }
        cl->leading = true;
        lead(h);
    } else {
        /* lost the lead (or never had it): a later lead starts from what it
         * witnesses then and from the clocks in the placement record */
        cl->leading = false;
        json_object_clear(cl->seen);
        json_object_clear(cl->departed);
    }
    if (cl->was_member && !member) TRIB_WARN("herder", "no longer a member of the worker group: stopping local work");
    cl->was_member = member;
    pthread_mutex_lock(&h->lock);
    for (size_t i = 0; i < h->n && !atomic_load(&h->stopping); i++) run_placed(h, h->conns[i], member);
    pthread_mutex_unlock(&h->lock);
}

/* ---- REST write paths ----------------------------------------------------------------------- */

json_t *herder_cluster_put(trib_herder *h, const char *name, const trib_props *config_in, bool allow_existing,
                           trib_target_state initial, bool *created, trib_error *err) {
    trib_props *config = trib_props_clone(config_in);
    pthread_mutex_lock(&h->lock);
    conn *c = herder_find(h, name);
    if (c && !allow_existing) {
        pthread_mutex_unlock(&h->lock);
        trib_props_destroy(config);
        trib_error_set(err, TRIB_ERR_CONFLICT, "Connector %s already exists", name);
        return NULL;
    }
    if (c) herder_restore_hidden(config, c->config);
    const trib_connector_plugin *old_plugin = c ? c->plugin : NULL;
    pthread_mutex_unlock(&h->lock);

    const trib_connector_plugin *plugin = herder_validate_for_write(h, name, config, err);
    if (!plugin) {
        trib_props_destroy(config);
        return NULL;
    }
    if (old_plugin && old_plugin != plugin) {
        trib_props_destroy(config);
        trib_error_set(err, TRIB_ERR_INVALID, "Connector %s is a %s connector; its class cannot change to %s", name,
                       old_plugin->class_name, plugin->class_name);
        return NULL;
    }
    char *id = new_write_id();
    json_t *v = json_pack("{sossss}", "properties", trib_props_to_json(config), "id", id, "initial_state",
                          trib_target_state_name(initial));
    if (!allow_existing) json_object_set_new(v, "create", json_true());
    trib_props_destroy(config);
    char *key = trib_xasprintf("connector-%s", name);
    int rc = write_and_apply(h, key, v, err);
    free(key);
    json_t *info = NULL;
    if (rc == 0) {
        pthread_mutex_lock(&h->lock);
        const char *res = result_of(h, id);
        conn *now = herder_find(h, name);
        if (res && strcmp(res, "rejected") == 0) {
            trib_error_set(err, TRIB_ERR_CONFLICT, "Connector %s already exists", name);
        } else if (res && strncmp(res, "quota:", 6) == 0) {
            trib_error_set(err, TRIB_ERR_QUOTA, "%s", res + 6);
        } else if (!now) {
            trib_error_set(err, TRIB_ERR_CONFLICT, "Connector %s was deleted while being written", name);
        } else {
            if (created) *created = res && strcmp(res, "created") == 0;
            info = herder_info_json(now);
        }
        json_object_del(h->cluster->results, id);
        pthread_mutex_unlock(&h->lock);
    }
    free(id);
    return info;
}

int herder_cluster_delete(trib_herder *h, const char *name, trib_error *err) {
    pthread_mutex_lock(&h->lock);
    conn *c = herder_find_or_404(h, name, err);
    size_t ntasks = c ? c->ntasks : 0;
    pthread_mutex_unlock(&h->lock);
    if (!c) return -1;
    char *key = trib_xasprintf("connector-%s", name);
    int rc = write_and_apply(h, key, NULL, err);
    free(key);
    if (rc == 0) {
        key = trib_xasprintf("target-state-%s", name);
        trib_error ignore;
        trib_kafka_log_write(h->cluster->config, 0, key, strlen(key), NULL, 0, NULL, NULL, &ignore);
        free(key);
        trib_status_store_remove(h->cluster->status, name, (int)ntasks);
        trib_status_store_reset_topics(h->cluster->status, name);   /* a new connector of that name starts afresh */
    }
    return rc;
}

int herder_cluster_set_target(trib_herder *h, const char *name, trib_target_state s, trib_error *err) {
    pthread_mutex_lock(&h->lock);
    conn *c = herder_find_or(h, name, "Unknown connector %s", err);
    pthread_mutex_unlock(&h->lock);
    if (!c) return -1;
    char *key = trib_xasprintf("target-state-%s", name);
    int rc = write_and_apply(h, key, json_pack("{ss}", "state", trib_target_state_name(s)), err);
    free(key);
    return rc;
}

int herder_cluster_restart(trib_herder *h, const char *name, bool include_tasks, bool only_failed, int task,
                           trib_error *err) {
    char *key = trib_xasprintf("restart-%s", name);
    char *id = new_write_id();
    int rc = write_and_apply(h, key,
                             json_pack("{sbsbsiss}", "include_tasks", include_tasks, "only_failed", only_failed, "task",
                                       task, "id", id),
                             err);
    free(id);
    free(key);
    return rc;
}

/* ---- lifecycle ------------------------------------------------------------------------------ */

static void on_membership_change(void *opaque) {
    herder_cluster *cl = opaque;
    atomic_store(&cl->dirty, true);
}

/* An existing config topic must be one compacted partition: otherwise the
 * log's order, which every decision depends on, is not one order. */
static int check_config_topic(trib_herder *h, const char *topic, trib_error *err) {
    trib_props *d = trib_props_new();
    rd_kafka_conf_t *conf = trib_kafka_conf_new(TRIB_CLIENT_ADMIN, h->worker_props, NULL, d, err);
    trib_props_destroy(d);
    if (!conf) return -1;
    rd_kafka_t *rk = trib_kafka_new(RD_KAFKA_PRODUCER, conf, err);
    if (!rk) return -1;
    int parts = 0;
    char *policy = NULL;
    trib_error derr;
    int rc = 0;
    if (trib_kafka_describe_topic(rk, topic, &parts, &policy, 15000, &derr) == 0) {
        if (parts != 1)
            rc = trib_error_set(err, TRIB_ERR_INVALID,
                                "config.storage.topic %s has %d partitions; it must have exactly 1 so that every "
                                "worker applies one order of changes",
                                topic, parts);
        else if (policy && !strstr(policy, "compact"))
            rc = trib_error_set(err, TRIB_ERR_INVALID,
                                "config.storage.topic %s has cleanup.policy=%s; it must be compact, or connector "
                                "configs would be deleted by retention",
                                topic, policy);
    } else if (derr.code != TRIB_ERR_NOT_FOUND) {
        rc = trib_error_set(err, derr.code, "%s", derr.msg);
    }
    free(policy);
    rd_kafka_destroy(rk);
    return rc;
}

int herder_cluster_start(trib_herder *h, const herder_cluster_spec *spec, trib_error *err) {
    if (check_config_topic(h, spec->config_topic, err) < 0) return -1;
    herder_cluster *cl = trib_xcalloc(1, sizeof *cl);
    cl->group_id = trib_xstrdup(spec->group_id);
    cl->offsets_topic = spec->exactly_once_source ? trib_xstrdup(spec->offsets_topic) : NULL;
    cl->placement = json_object();
    cl->staged = json_object();
    cl->results = json_object();
    cl->waiting = json_object();
    cl->departed = json_object();
    cl->seen = json_object();
    cl->extra = json_object();
    cl->task_epochs = json_object();
    pthread_mutex_init(&cl->epochs_lock, NULL);
    pthread_mutex_init(&cl->sub_lock, NULL);
    cl->rebalance_delay_ms = spec->rebalance_delay_ms;
    atomic_init(&cl->epoch, 0);
    atomic_init(&cl->dirty, true);
    cl->seen_generation = -1;
    h->cluster = cl;

    cl->status = trib_status_store_start(h->worker_props, spec->status_topic, spec->status_partitions,
                                         spec->status_replication, h->worker_id, err);
    if (!cl->status) goto fail;
    char *cid = trib_xasprintf("tributary-config-%s", h->worker_id);
    trib_kafka_log_spec ls = {
        .topic = spec->config_topic, .partitions = 1, .replication_factor = spec->config_replication,
        .worker_props = h->worker_props, .client_id = cid, .fn = apply_record, .opaque = h,
        .eager_producer = true,   /* placements and REST writes must not wait for a connect */
    };
    cl->config = trib_kafka_log_start(&ls, err);
    free(cid);
    if (!cl->config) goto fail;
    trib_coordinator_spec cs = {
        .worker_props = h->worker_props, .group_id = spec->group_id, .worker_id = h->worker_id,
        .partitions = spec->coordination_partitions, .on_change = on_membership_change, .opaque = cl,
        .session_timeout_ms = spec->session_timeout_ms, .heartbeat_interval_ms = spec->heartbeat_interval_ms,
        .rebalance_timeout_ms = spec->rebalance_timeout_ms,
    };
    cl->coord = trib_coordinator_start(&cs, err);
    if (!cl->coord) goto fail;
    TRIB_INFO("herder", "joined worker group %s as %s (%zu connector(s) in the config log)", spec->group_id,
              h->worker_id, h->n);
    return 0;
fail:
    herder_cluster_stop(h);
    return -1;
}

void herder_cluster_stop(trib_herder *h) {
    herder_cluster *cl = h->cluster;
    if (!cl) return;
    /* Stop local work first (tasks flush and report), then leave the group
     * so the others take over at once. */
    pthread_mutex_lock(&h->lock);
    for (size_t i = 0; i < h->n; i++)
        for (size_t k = 0; k < h->conns[i]->ntasks; k++)
            if (h->conns[i]->tasks[k]) trib_task_request_stop(h->conns[i]->tasks[k]);
    for (size_t i = 0; i < h->n; i++) {
        herder_stop_tasks(h, h->conns[i], false);
        herder_stop_instance(h, h->conns[i]);
    }
    /* the tasks report their last state through the status store: wait
     * for their stoppers (each bounded by the graceful timeout) before it
     * and the group go */
    while (h->n_task_stops > 0) pthread_cond_wait(&h->cond, &h->lock);
    pthread_mutex_unlock(&h->lock);
    trib_coordinator_stop(cl->coord);
    /* the config reader may be applying a record: stop it before the table goes */
    trib_kafka_log_stop(cl->config);
    trib_status_store_stop(cl->status);
    pthread_mutex_lock(&h->lock);
    for (size_t i = 0; i < h->n; i++) {
        json_decref(h->conns[i]->restart);
        h->conns[i]->restart = NULL;
    }
    pthread_mutex_unlock(&h->lock);
    json_decref(cl->placement);
    json_decref(cl->staged);
    json_decref(cl->results);
    json_decref(cl->waiting);
    json_decref(cl->departed);
    json_decref(cl->seen);
    json_decref(cl->extra);
    json_decref(cl->task_epochs);
    pthread_mutex_destroy(&cl->epochs_lock);
    pthread_mutex_destroy(&cl->sub_lock);
    free(cl->offsets_topic);
    free(cl->group_id);
    free(cl);
    h->cluster = NULL;
}

int trib_herder_join_cluster(trib_herder *h, const trib_config *wcfg, trib_error *err) {
    const char *eos = trib_config_string(wcfg, "exactly.once.source.support");
    herder_cluster_spec spec = {
        .group_id = trib_config_string(wcfg, "group.id"),
        .config_topic = trib_config_string(wcfg, "config.storage.topic"),
        .config_replication = (int)trib_config_int(wcfg, "config.storage.replication.factor"),
        .status_topic = trib_config_string(wcfg, "status.storage.topic"),
        .status_partitions = (int)trib_config_int(wcfg, "status.storage.partitions"),
        .status_replication = (int)trib_config_int(wcfg, "status.storage.replication.factor"),
        .offsets_topic = trib_config_string(wcfg, "offset.storage.topic"),
        .exactly_once_source = eos && strcmp(eos, "enabled") == 0,
        .coordination_partitions = (int)trib_config_int(wcfg, "tributary.coordination.partitions"),
        .rebalance_delay_ms = trib_config_int(wcfg, "scheduled.rebalance.max.delay.ms"),
        .session_timeout_ms = trib_config_int(wcfg, "session.timeout.ms"),
        .heartbeat_interval_ms = trib_config_int(wcfg, "heartbeat.interval.ms"),
        .rebalance_timeout_ms = trib_config_int(wcfg, "rebalance.timeout.ms"),
    };
    h->exactly_once_source = spec.exactly_once_source;
    return herder_cluster_start(h, &spec, err);
}

/* ---- the config log for other layers (tenants) ----------------------------------------------- */

json_t *herder_cluster_rebalance_json(trib_herder *h) {
    trib_coordinator_rebalances rb;
    trib_coordinator_rebalance_stats(h->cluster->coord, &rb);
    return json_pack("{sb sI sI sI sI sI si sb}", "rebalancing", rb.rebalancing, "completed", (json_int_t)rb.completed,
                     "timed", (json_int_t)rb.timed, "time_ms_sum", (json_int_t)rb.time_ms_sum, "time_ms_max",
                     (json_int_t)rb.time_ms_max, "last_completed_ms", (json_int_t)rb.last_completed_ms, "owned",
                     rb.owned, "leader", rb.leader);
}

const trib_props *trib_herder_worker_props(const trib_herder *h) {
    return h->worker_props;
}

bool trib_herder_is_distributed(trib_herder *h) {
    return h->cluster != NULL;
}

int trib_herder_log_append(trib_herder *h, const char *key, const json_t *value, trib_error *err) {
    if (!h->cluster) return trib_error_set(err, TRIB_ERR_UNSUPPORTED, "the config log exists in distributed mode only");
    if (!trib_str_startswith(key, "tenant-"))
        return trib_error_set(err, TRIB_ERR_INTERNAL, "config log key %s is reserved for the herder", key);
    return write_and_apply(h, key, value ? json_deep_copy(value) : NULL, err);
}

void trib_herder_log_subscribe(trib_herder *h, trib_herder_log_fn fn, void *opaque) {
    herder_cluster *cl = h->cluster;
    if (!cl) return;
    pthread_mutex_lock(&cl->sub_lock);
    pthread_mutex_lock(&h->lock);
    json_t *snapshot = json_deep_copy(cl->extra);
    cl->sub_fn = fn;
    cl->sub_opaque = opaque;
    pthread_mutex_unlock(&h->lock);
    const char *k;
    json_t *v;
    json_object_foreach(snapshot, k, v) if (fn) fn(opaque, k, v);
    pthread_mutex_unlock(&cl->sub_lock);
    json_decref(snapshot);
}
