/*
 * herder.c: connector and task lifecycle behind the REST API (Kafka
 * Connect's StandaloneHerder, and the local half of the distributed one).
 *
 * Each connector has a desired state (its config and target state) and an
 * actual state (connector instance, task configs, running tasks). Every
 * change goes through reconcile(), which moves the actual state toward the
 * desired one, so REST calls, restarts and reconfiguration requests share
 * one path. One mutex guards the table: REST calls are rare and short next
 * to the data path, which never takes it. Nothing that waits for a plugin
 * or a task thread runs under it: connector starts and stops and task
 * stops run on their own threads, and a task id has one live instance at
 * a time (its new instance starts once the old thread has exited); the
 * rules are in herder_internal.h.
 */
#include "worker/herder.h"
#include "worker/herder_internal.h"
#include "worker/worker_config.h"
#include "common/log.h"
#include "common/module.h"
#include "common/time.h"
#include "common/util.h"
#include "proto/converter.h"
#include "transforms/transform.h"
#include "tenants/outbound.h"
#include "worker/config_providers.h"
#include "worker/connector_config.h"
#include "worker/file_status.h"
#include "worker/group_offsets.h"
#include "worker/kafka_client.h"
#include "worker/task.h"
#include "worker/task_context.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef TRIBUTARY_VERSION
#define TRIBUTARY_VERSION "0.1.0"
#endif
#ifndef TRIBUTARY_COMMIT
#define TRIBUTARY_COMMIT "unknown"
#endif

/* How long a REST write waits for the task stops it caused: a quick stop
 * is waited for (the answer then describes the tasks restarted, as when
 * stops were synchronous); a task blocked in a server is left to its
 * task-stopper thread, and the write answers anyway. */
#define TASK_STOP_WAIT_MS 250

/* ---- names and small helpers ------------------------------------------------ */

const char *trib_target_state_name(trib_target_state s) {
    switch (s) {
    case TRIB_TARGET_RUNNING: return "RUNNING";
    case TRIB_TARGET_PAUSED: return "PAUSED";
    case TRIB_TARGET_STOPPED: return "STOPPED";
    }
    return "RUNNING";
}

int trib_target_state_parse(const char *s, trib_target_state *out) {
    if (!s) return -1;
    if (strcmp(s, "RUNNING") == 0) *out = TRIB_TARGET_RUNNING;
    else if (strcmp(s, "PAUSED") == 0) *out = TRIB_TARGET_PAUSED;
    else if (strcmp(s, "STOPPED") == 0) *out = TRIB_TARGET_STOPPED;
    else return -1;
    return 0;
}

conn *herder_find(trib_herder *h, const char *name) {
    for (size_t i = 0; i < h->n; i++)
        if (strcmp(h->conns[i]->name, name) == 0) return h->conns[i];
    return NULL;
}

conn *herder_find_or_404(trib_herder *h, const char *name, trib_error *err) {
    return herder_find_or(h, name, "Connector %s not found", err);
}

/* Connect words its 404 per endpoint ("No status found for connector x",
 * "Unknown connector x", "Unknown connector: x") and scripts match on the
 * text, so each caller names its own; fmt has one %s, the name. */
conn *herder_find_or(trib_herder *h, const char *name, const char *fmt, trib_error *err) {
    conn *c = herder_find(h, name);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    if (!c) trib_error_set(err, TRIB_ERR_NOT_FOUND, fmt, name);
#pragma GCC diagnostic pop
    return c;
}

static const char *kind_name(const trib_connector_plugin *p) {
    return p->kind == TRIB_CONNECTOR_SOURCE ? "source" : "sink";
}

/* Config with sensitive values shown as [hidden]. */
static json_t *redacted_json(const conn *c, const trib_props *p) {
    const trib_config_def *tables[] = {trib_connector_common_defs, c->plugin->config, NULL};
    trib_props *r = trib_config_redact(p, tables);
    json_t *j = trib_props_to_json(r);
    trib_props_destroy(r);
    return j;
}

/* Connector names follow Connect's rule (no ISO control characters). A
 * '/' appears only in tenant-qualified names ("<tenant>/<name>", built by
 * the tenant layer; the admin API refuses '/' in names it is given). */
static int check_name(const char *name, trib_error *err) {
    if (!name || !*name) return trib_error_set(err, TRIB_ERR_INVALID, "Connector name is empty");
    if (strlen(name) > 249)
        return trib_error_set(err, TRIB_ERR_INVALID, "Connector name is longer than 249 characters");
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return trib_error_set(err, TRIB_ERR_INVALID, "Connector name may not contain ISO control characters");
    const char *slash = strchr(name, '/');
    if (slash && (slash == name || !slash[1] || strchr(slash + 1, '/')))
        return trib_error_set(err, TRIB_ERR_INVALID,
                              "Connector name may contain '/' only once, as in <tenant>/<name>");
    /* "." and ".." would be path segments in every REST URL naming them. */
    const char *last = slash ? slash + 1 : name;
    if (strcmp(last, ".") == 0 || strcmp(last, "..") == 0)
        return trib_error_set(err, TRIB_ERR_INVALID, "Connector name may not be '.' or '..'");
    return 0;
}

/* ---- lifecycle ------------------------------------------------------------------- */

void herder_stop_tasks(trib_herder *h, conn *c, bool only_failed) {
    for (size_t i = 0; i < c->ntasks; i++) {
        trib_task *t = c->tasks[i];
        if (!t) continue;
        if (only_failed && trib_task_state(t, NULL) != TRIB_STATE_FAILED) continue;
        json_t *topics = trib_task_topics(t);
        size_t k;
        json_t *v;
        json_array_foreach(topics, k, v) json_object_set_new(c->topics, json_string_value(v), json_true());
        json_decref(topics);
        herder_stop_task(h, c, i);
    }
}

/* One task stop in flight: the old instance of "<name>/<id>". */
typedef struct task_stop {
    trib_herder *h;
    char *name;
    size_t id;
    trib_task *t;
} task_stop;

static bool spawn_detached(void *(*fn)(void *), void *arg);

static void task_stop_forget(trib_herder *h, task_stop *s) {
    for (size_t k = 0; k < h->n_task_stops; k++) {
        if (h->task_stops[k] != s) continue;
        h->task_stops[k] = h->task_stops[--h->n_task_stops];
        break;
    }
    free(s->name);
    free(s);
}

/* Task-stopper thread: waits for the task's thread without h->lock, then
 * lifts the block on a new instance of the same task id. Past the graceful
 * timeout it keeps waiting (logged): an instance still running, e.g.
 * blocked in a database, would otherwise run next to its successor (two
 * writers of one exactly-once sink, two members for one task). Only a
 * worker shutting down abandons it. */
static void *task_stopper_main(void *arg) {
    task_stop *s = arg;
    trib_herder *h = s->h;
    if (!trib_task_wait(s->t, h->shutdown_ms)) {
        TRIB_WARN("herder", "[%s:%zu] graceful stop failed: still running after %lld ms; its next instance starts "
                  "once it has exited", s->name, s->id, (long long)h->shutdown_ms);
        while (!atomic_load(&h->stopping) && !trib_task_wait(s->t, 200)) {
        }
    }
    trib_task_stop(s->t, 0);   /* frees it, or abandons it at shutdown */
    pthread_mutex_lock(&h->lock);
    task_stop_forget(h, s);
    h->stoppers--;
    pthread_cond_broadcast(&h->cond);
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

void herder_stop_task(trib_herder *h, conn *c, size_t i) {
    trib_task *t = c->tasks[i];
    if (!t) return;
    c->tasks[i] = NULL;
    trib_task_request_stop(t);
    task_stop *s = trib_xcalloc(1, sizeof *s);
    s->h = h;
    s->name = trib_xstrdup(c->name);
    s->id = i;
    s->t = t;
    if (h->n_task_stops == h->cap_task_stops) {
        h->cap_task_stops = h->cap_task_stops ? h->cap_task_stops * 2 : 8;
        h->task_stops = trib_xrealloc(h->task_stops, h->cap_task_stops * sizeof *h->task_stops);
    }
    h->task_stops[h->n_task_stops++] = s;
    h->stoppers++;
    if (!spawn_detached(task_stopper_main, s)) {
        /* no thread: wait here, under the lock, as a last resort */
        h->stoppers--;
        trib_task_stop(t, h->shutdown_ms);
        task_stop_forget(h, s);
    }
}

bool herder_task_stopping(trib_herder *h, const char *name, size_t id) {
    for (size_t k = 0; k < h->n_task_stops; k++)
        if (h->task_stops[k]->id == id && strcmp(h->task_stops[k]->name, name) == 0) return true;
    return false;
}

static bool any_task_stop(trib_herder *h, const char *name) {
    if (!name) return h->n_task_stops > 0;
    for (size_t k = 0; k < h->n_task_stops; k++)
        if (strcmp(h->task_stops[k]->name, name) == 0) return true;
    return false;
}

bool herder_wait_task_stops(trib_herder *h, const char *name, int64_t ms) {
    struct timespec until = trib_deadline_in(CLOCK_MONOTONIC, ms);
    for (int i = 0; i < 1000; i++) {   /* bounded; each round is a wake-up or the deadline */
        if (!any_task_stop(h, name)) return true;
        if (pthread_cond_timedwait(&h->cond, &h->lock, &until) == ETIMEDOUT) break;
    }
    return !any_task_stop(h, name);
}

void herder_free_task_configs(conn *c) {
    for (size_t i = 0; i < c->ntasks; i++) trib_props_destroy(c->task_configs[i]);
    free(c->task_configs);
    free(c->tasks);
    c->task_configs = NULL;
    c->tasks = NULL;
    c->ntasks = 0;
}

void herder_set_failed(conn *c, const char *trace) {
    c->failed = true;
    free(c->trace);
    c->trace = trib_xstrdup(trace);
    TRIB_ERROR("herder", "[%s] connector failed: %s", c->name, trace);
}

/* One connector instance being stopped, handed off by herder_stop_instance. */
typedef struct stop_job {
    trib_herder *h;
    const trib_connector_plugin *plugin;
    void *ctx;
    trib_connector_context *cctx;
} stop_job;

/* Stopper thread: plugin stop() (which may join threads blocked on the
 * network) without h->lock; the instance is no conn's any more. */
static void *stopper_main(void *arg) {
    stop_job *j = arg;
    trib_herder *h = j->h;
    if (j->plugin->stop) j->plugin->stop(j->ctx);
    trib_connector_context_destroy(j->cctx);
    free(j);
    pthread_mutex_lock(&h->lock);
    h->stoppers--;
    pthread_cond_broadcast(&h->cond);
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

static bool spawn_detached(void *(*fn)(void *), void *arg) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t t;
    int rc = pthread_create(&t, &attr, fn, arg);
    pthread_attr_destroy(&attr);
    if (rc != 0) TRIB_WARN("herder", "cannot start a helper thread: %s", strerror(rc));
    return rc == 0;
}

void herder_stop_instance(trib_herder *h, conn *c) {
    /* A start in flight has no instance here yet: invalidate it, and its
     * starter stops what start() returns (no stop is lost). */
    if (c->starting) c->start_gen++;
    if (c->started) {
        /* The conn forgets the instance now (it may start a new one at
         * once); the stop itself runs on a stopper thread. */
        stop_job *j = trib_xcalloc(1, sizeof *j);
        j->h = h;
        j->plugin = c->plugin;
        j->ctx = c->ctx;
        j->cctx = c->cctx;
        h->stoppers++;
        if (!spawn_detached(stopper_main, j)) {
            /* no thread: stop here, under the lock, as a last resort */
            h->stoppers--;
            if (j->plugin->stop) j->plugin->stop(j->ctx);
            trib_connector_context_destroy(j->cctx);
            free(j);
        }
    } else {
        trib_connector_context_destroy(c->cctx);
    }
    c->started = false;
    c->ctx = NULL;
    c->cctx = NULL;
}

static void reconcile(trib_herder *h, conn *c);

/* One start in flight. The starter owns everything here; c is valid until
 * the starter clears c->starting (herder_conn_destroy defers to it). */
typedef struct start_job {
    trib_herder *h;
    conn *c;
    const trib_connector_plugin *plugin;  /* the conn's may change meanwhile (distributed) */
    trib_props *config;                   /* a copy: the conn's may be replaced meanwhile */
    trib_connector_context *cctx;
    unsigned gen;
} start_job;

/* Starter thread: runs plugin start() without h->lock (it may block on the
 * network up to the plugin's own timeouts), then, under h->lock, installs
 * the instance, or stops it when the start was invalidated meanwhile
 * (deleted, reconfigured, stopped), or marks c FAILED. */
static void *starter_main(void *arg) {
    start_job *j = arg;
    trib_herder *h = j->h;
    conn *c = j->c;
    void *ctx = NULL;
    trib_error err;
    trib_error_clear(&err);
    /* the instance sees the secrets its references stand for; the stored
     * config keeps the references (tenants' are never resolved) */
    int rc = 0;
    if (!trib_outbound_is_tenant(c->name) && trib_config_resolve(j->config, &err) < 0) rc = -1;
    if (rc == 0 && j->plugin->start) rc = j->plugin->start(j->config, j->cctx, &ctx, &err);
    trib_props_destroy(j->config);

    pthread_mutex_lock(&h->lock);
    bool stale = c->removed || c->start_gen != j->gen;
    if (rc == 0 && stale) {
        /* plugin stop() may block too: not under the lock. c->starting
         * still holds off a second start and c's destruction. */
        pthread_mutex_unlock(&h->lock);
        if (j->plugin->stop) j->plugin->stop(ctx);
        trib_connector_context_destroy(j->cctx);
        pthread_mutex_lock(&h->lock);
    } else if (rc == 0) {
        c->ctx = ctx;
        c->cctx = j->cctx;
        c->started = true;
    } else {
        trib_connector_context_destroy(j->cctx);
        if (!stale) {
            herder_set_failed(c, err.msg);
            /* standalone: a failed connector runs no tasks (as reconcile
             * always did); distributed, placement decides about tasks */
            if (!h->cluster) herder_stop_tasks(h, c, false);
        }
    }
    c->starting = false;
    if (c->removed) {
        herder_conn_destroy(h, c);
    } else if (!atomic_load(&h->stopping) && !h->cluster) {   /* stopping first: h->cluster goes at shutdown */
        /* standalone: carry on (task configs, tasks; or the new start an
         * invalidation asked for). Distributed mode's tick does this. */
        reconcile(h, c);
    }
    h->starters--;
    free(j);
    pthread_cond_broadcast(&h->cond);
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

int herder_start_instance(trib_herder *h, conn *c) {
    c->failed = false;
    free(c->trace);
    c->trace = NULL;
    start_job *j = trib_xcalloc(1, sizeof *j);
    j->h = h;
    j->c = c;
    j->plugin = c->plugin;
    j->config = trib_props_clone(c->config);
    j->cctx = trib_connector_context_new(c->name);
    j->gen = c->start_gen;
    if (!spawn_detached(starter_main, j)) {
        trib_props_destroy(j->config);
        trib_connector_context_destroy(j->cctx);
        free(j);
        herder_set_failed(c, "cannot start the connector's starter thread");
        if (!h->cluster) herder_stop_tasks(h, c, false);
        return -1;
    }
    c->starting = true;
    h->starters++;
    return 0;
}

/* Waits (h->lock held, released while waiting) until connector name has no
 * start in flight, up to ms: a REST write answers with the started
 * connector when its start is quick, and at once otherwise. Re-finds the
 * connector by name each time: it may be deleted (and freed) meanwhile. */
static void wait_start(trib_herder *h, const char *name, int64_t ms) {
    struct timespec until = trib_deadline_in(CLOCK_MONOTONIC, ms);
    for (int i = 0; i < 1000; i++) {   /* bounded; each round is a wake-up or the deadline */
        conn *c = herder_find(h, name);
        if (!c || !c->starting) return;
        if (pthread_cond_timedwait(&h->cond, &h->lock, &until) == ETIMEDOUT) return;
    }
}

/* Connect's task.class, which it adds to every task config: the task
 * class of the connector, named here as Connect's connectors name theirs
 * ("...FileStreamSourceConnector" -> "...FileStreamSourceTask"). */
static char *task_class_of(const trib_connector_plugin *p) {
    static const char suffix[] = "Connector";
    size_t n = strlen(p->class_name), sl = sizeof suffix - 1;
    if (n > sl && strcmp(p->class_name + n - sl, suffix) == 0)
        return trib_xasprintf("%.*sTask", (int)(n - sl), p->class_name);
    return trib_xasprintf("%sTask", p->class_name);
}

/* Asks the connector for task configs; each is merged over its config and
 * carries task.class, as Connect's do. */
int herder_generate_task_configs(conn *c, trib_props ***out, size_t *n) {
    int64_t max_tasks = 1;
    trib_parse_int64(trib_props_get(c->config, "tasks.max"), &max_tasks);
    /* Validation bounds it, but a config can reach the herder from the
     * config topic without validation: never let it wrap the int below. */
    if (max_tasks < 1) max_tasks = 1;
    if (max_tasks > TRIB_CONNECTOR_MAX_TASKS) max_tasks = TRIB_CONNECTOR_MAX_TASKS;
    trib_props **raw = NULL;
    size_t nraw = 0;
    trib_error err;
    if (c->plugin->task_configs(c->ctx, c->config, (int)max_tasks, &raw, &nraw, &err) < 0) {
        herder_set_failed(c, err.msg);
        return -1;
    }
    /* tasks.max.enforce (default true): a connector generating more tasks
     * than tasks.max fails, as in Connect; false lets it run them all */
    bool enforce = true;
    trib_parse_bool(trib_props_get_or(c->config, "tasks.max.enforce", "true"), &enforce);
    if (nraw > (size_t)max_tasks && enforce) {
        char msg[1024];
        /* Connect 3.9's TooManyTasksException text, word for word */
        snprintf(msg, sizeof msg,
                 "The connector %s has generated %zu tasks, which is greater than %lld, the maximum number of tasks "
                 "it is configured to create. This behaviour should be considered a bug and is disallowed. If "
                 "necessary, it can be permitted by reconfiguring the connector with 'tasks.max.enforce' set to "
                 "false; however, this option will be removed in a future release of Kafka Connect.",
                 c->name, nraw, (long long)max_tasks);
        for (size_t i = 0; i < nraw; i++) trib_props_destroy(raw[i]);
        free(raw);
        herder_set_failed(c, msg);
        return -1;
    }
    if (nraw > (size_t)max_tasks)
        TRIB_WARN("herder", "[%s] the connector generated %zu tasks, more than tasks.max=%lld; running them all "
                  "(tasks.max.enforce=false)", c->name, nraw, (long long)max_tasks);
    size_t nuse = nraw;
    *out = trib_xcalloc(nuse ? nuse : 1, sizeof **out);
    char *task_class = task_class_of(c->plugin);
    for (size_t i = 0; i < nuse; i++) {
        (*out)[i] = trib_props_clone(c->config);
        trib_props_merge((*out)[i], raw[i]);
        /* a connector that copied a resolved secret into its task config
         * must not put it in the config topic: keep the reference */
        trib_config_unresolve((*out)[i], c->config);
        trib_props_set((*out)[i], "task.class", task_class);
    }
    free(task_class);
    for (size_t i = 0; i < nraw; i++) trib_props_destroy(raw[i]);
    free(raw);
    *n = nuse;
    return 0;
}

bool herder_same_task_configs(conn *c, trib_props **cfgs, size_t n) {
    if (n != c->ntasks) return false;
    for (size_t i = 0; i < n; i++)
        if (!trib_props_equal(cfgs[i], c->task_configs[i])) return false;
    return true;
}

void herder_start_task(trib_herder *h, conn *c, size_t i) {
    /* the old instance is still stopping: one instance per task id; the
     * herder thread's next reconcile starts it (herder_internal.h) */
    if (herder_task_stopping(h, c->name, i)) return;
    trib_task_spec spec = {
        .connector = c->name,
        .task_id = (int)i,
        .plugin = c->plugin,
        .config = c->task_configs[i],
        .worker_props = h->worker_props,
        .offsets = h->offsets,
        .files = h->files,
        .start_paused = c->target == TRIB_TARGET_PAUSED,
    };
    trib_error err;
    c->tasks[i] = trib_task_start(&spec, &err);
    if (!c->tasks[i]) TRIB_ERROR("herder", "[%s:%zu] cannot start task: %s", c->name, i, err.msg);
}

/* Moves a connector's actual state toward its target. Caller holds h->lock. */
static void reconcile(trib_herder *h, conn *c) {
    if (c->target == TRIB_TARGET_STOPPED) {
        herder_stop_tasks(h, c, false);
        herder_free_task_configs(c);
        herder_stop_instance(h, c);
        return;
    }
    if (!c->started) {
        /* the starter reconciles again once the instance is up */
        if (!c->failed && !c->starting) herder_start_instance(h, c);
        return;
    }
    if (c->failed) return;
    /* as Connect, only a RUNNING connector generates task configs: one
     * created PAUSED has no tasks until it is resumed */
    if (c->target == TRIB_TARGET_RUNNING &&
        (c->ntasks == 0 || (c->cctx && trib_connector_context_take_reconfiguration(c->cctx)))) {
        trib_props **cfgs = NULL;
        size_t n = 0;
        if (herder_generate_task_configs(c, &cfgs, &n) < 0) {
            herder_stop_tasks(h, c, false);
            return;
        }
        if (!herder_same_task_configs(c, cfgs, n)) {
            herder_stop_tasks(h, c, false);
            herder_free_task_configs(c);
            c->task_configs = cfgs;
            c->ntasks = n;
            c->tasks = trib_xcalloc(n ? n : 1, sizeof *c->tasks);
        } else {
            for (size_t i = 0; i < n; i++) trib_props_destroy(cfgs[i]);
            free(cfgs);
        }
    }
    for (size_t i = 0; i < c->ntasks; i++) {
        if (!c->tasks[i]) herder_start_task(h, c, i);
        if (c->tasks[i]) trib_task_set_paused(c->tasks[i], c->target == TRIB_TARGET_PAUSED);
    }
}

void herder_conn_destroy(trib_herder *h, conn *c) {
    herder_stop_tasks(h, c, false);
    herder_free_task_configs(c);
    herder_stop_instance(h, c);
    if (c->starting) {
        /* its starter still uses c: it stops the instance and frees c */
        c->removed = true;
        return;
    }
    trib_props_destroy(c->config);
    json_decref(c->topics);
    json_decref(c->recorded_topics);
    free(c->trace);
    free(c->name);
    free(c);
}

/* ---- JSON views ----------------------------------------------------------------- */

json_t *herder_info_json(const conn *c) {
    json_t *tasks = json_array();
    for (size_t i = 0; i < c->ntasks; i++)
        json_array_append_new(tasks, json_pack("{sssi}", "connector", c->name, "task", (int)i));
    return json_pack("{sssoso ss}", "name", c->name, "config", redacted_json(c, c->config), "tasks", tasks,
                     "type", kind_name(c->plugin));
}

static const char *connector_state(const conn *c) {
    if (c->failed) return "FAILED";
    /* start() still running on its starter thread: not running yet */
    if (c->starting) return "UNASSIGNED";
    return trib_target_state_name(c->target);
}

static json_t *task_status_json(trib_herder *h, const conn *c, size_t i) {
    if (h->cluster) return herder_cluster_task_status(h, c, i);
    trib_state s = TRIB_STATE_UNASSIGNED;
    char *trace = NULL;
    if (c->tasks[i]) {
        s = trib_task_state(c->tasks[i], &trace);
        /* a task thread that has not reported yet is starting */
        if (s == TRIB_STATE_UNASSIGNED) s = c->target == TRIB_TARGET_PAUSED ? TRIB_STATE_PAUSED : TRIB_STATE_RUNNING;
    }
    json_t *j = json_pack("{siss ss}", "id", (int)i, "state", trib_state_name(s), "worker_id", h->worker_id);
    if (trace) json_object_set_new(j, "trace", json_string(trace));
    free(trace);
    return j;
}

json_t *herder_status_json(trib_herder *h, const conn *c) {
    if (h->cluster) return herder_cluster_status(h, c);
    json_t *conn_j = json_pack("{ssss}", "state", connector_state(c), "worker_id", h->worker_id);
    if (c->failed && c->trace) json_object_set_new(conn_j, "trace", json_string(c->trace));
    json_t *tasks = json_array();
    for (size_t i = 0; i < c->ntasks; i++) json_array_append_new(tasks, task_status_json(h, c, i));
    return json_pack("{sssoso ss}", "name", c->name, "connector", conn_j, "tasks", tasks, "type", kind_name(c->plugin));
}

/* ---- herder API ----------------------------------------------------------------- */

json_t *trib_herder_server_info(trib_herder *h) {
    return json_pack("{ss ss ss?}", "version", TRIBUTARY_VERSION, "commit", TRIBUTARY_COMMIT, "kafka_cluster_id",
                     h->cluster_id);
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

json_t *trib_herder_list(trib_herder *h, trib_error *err) {
    (void)err;
    pthread_mutex_lock(&h->lock);
    char **names = trib_xcalloc(h->n + 1, sizeof *names);
    for (size_t i = 0; i < h->n; i++) names[i] = h->conns[i]->name;
    qsort(names, h->n, sizeof *names, cmp_str);
    json_t *arr = json_array();
    for (size_t i = 0; i < h->n; i++) json_array_append_new(arr, json_string(names[i]));
    free(names);
    pthread_mutex_unlock(&h->lock);
    return arr;
}

json_t *trib_herder_list_expanded(trib_herder *h, bool status, bool info, trib_error *err) {
    (void)err;
    json_t *out = json_object();
    pthread_mutex_lock(&h->lock);
    for (size_t i = 0; i < h->n; i++) {
        json_t *e = json_object();
        if (status) json_object_set_new(e, "status", herder_status_json(h, h->conns[i]));
        if (info) json_object_set_new(e, "info", herder_info_json(h->conns[i]));
        json_object_set_new(out, h->conns[i]->name, e);
    }
    pthread_mutex_unlock(&h->lock);
    return out;
}

/* A copy of config with its config-provider references resolved, for
 * validation; NULL with err (INVALID naming the key) when one cannot be.
 * A tenant's connector may hold none: the providers read the worker's
 * files and environment. */
static trib_props *resolve_for(const char *name, const trib_props *config, trib_error *err) {
    if (trib_outbound_is_tenant(name)) {
        for (size_t i = 0; i < trib_props_count(config); i++)
            if (trib_config_has_reference(trib_props_value_at(config, i))) {
                trib_error_set(err, TRIB_ERR_INVALID,
                               "%s: config provider references are not available to tenants' connectors",
                               trib_props_key_at(config, i));
                return NULL;
            }
        return trib_props_clone(config);
    }
    trib_props *resolved = trib_props_clone(config);
    if (trib_config_resolve(resolved, err) < 0) {
        trib_props_destroy(resolved);
        return NULL;
    }
    return resolved;
}

/* Validates a full config for name; returns the plugin or NULL with err. */
const trib_connector_plugin *herder_validate_for_write(trib_herder *h, const char *name, trib_props *config,
                                                       trib_error *err) {
    if (check_name(name, err) < 0) return NULL;
    const char *cfg_name = trib_props_get(config, "name");
    if (cfg_name && strcmp(cfg_name, name) != 0) {
        trib_error_set(err, TRIB_ERR_INVALID, "Connector name configuration (%s) doesn't match connector name in the URL (%s)",
                       cfg_name, name);
        return NULL;
    }
    trib_props_set(config, "name", name);
    if (!trib_props_get(config, "connector.class")) {
        trib_error_set(err, TRIB_ERR_INVALID,
                       "Connector config %s contains no connector type (missing required configuration \"connector.class\")",
                       name);
        return NULL;
    }
    /* validation sees what start() will see: the references resolved */
    trib_props *resolved = resolve_for(name, config, err);
    if (!resolved) return NULL;
    const trib_connector_plugin *plugin = NULL;
    trib_config_report *r = trib_connector_config_validate(resolved, NULL, &plugin);
    trib_connector_config_check_eos(r, resolved, plugin, h->exactly_once_source);
    trib_props_destroy(resolved);
    if (trib_config_report_error_count(r) > 0) {
        char *summary = trib_config_report_summary(r);
        trib_error_set(err, TRIB_ERR_INVALID, "%s", summary);
        free(summary);
        plugin = NULL;
    }
    trib_config_report_destroy(r);
    return plugin;
}

/* A PUT of a config read back with GET carries "[hidden]" for secrets: keep
 * the stored value instead of overwriting the secret with the placeholder. */
void herder_restore_hidden(trib_props *config, const trib_props *old) {
    for (size_t i = 0; old && i < trib_props_count(config); i++) {
        const char *k = trib_props_key_at(config, i);
        if (strcmp(trib_props_value_at(config, i), HIDDEN) == 0 && trib_props_has(old, k))
            trib_props_set(config, k, trib_props_get(old, k));
    }
}

conn *herder_add(trib_herder *h, const char *name, trib_props *config, const trib_connector_plugin *plugin,
                 trib_target_state target) {
    conn *c = trib_xcalloc(1, sizeof *c);
    c->name = trib_xstrdup(name);
    c->config = config;
    c->plugin = plugin;
    c->target = target;
    c->topics = json_object();
    c->recorded_topics = json_object();
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 16;
        h->conns = trib_xrealloc(h->conns, h->cap * sizeof *h->conns);
    }
    h->conns[h->n++] = c;
    return c;
}

void herder_remove(trib_herder *h, conn *c) {
    size_t i = 0;
    while (i < h->n && h->conns[i] != c) i++;
    if (i == h->n) return;
    memmove(&h->conns[i], &h->conns[i + 1], (h->n - i - 1) * sizeof *h->conns);
    h->n--;
    herder_conn_destroy(h, c);
}

/* How long a REST write waits for the connector's start: a quick start
 * (file, datagen, a database that answers) is done before the response,
 * which then lists the tasks; a slow one finishes in the background. Kept
 * short because the tenant layer holds its write lock across the call. */
#define START_WAIT_MS 250

/* Validates a write of name's config outside h->lock (config checks and
 * plugin validate() may be slow): an existing connector's stored config
 * only fills the "[hidden]" values. Returns a validated copy (the caller
 * owns it) and its plugin, or NULL with err. Takes and releases h->lock. */
static trib_props *prepare_put(trib_herder *h, const char *name, const trib_props *config_in,
                               const trib_connector_plugin **plugin, trib_error *err) {
    trib_props *config = trib_props_clone(config_in);
    pthread_mutex_lock(&h->lock);
    conn *c = herder_find(h, name);
    if (c) herder_restore_hidden(config, c->config);
    pthread_mutex_unlock(&h->lock);
    *plugin = herder_validate_for_write(h, name, config, err);
    if (!*plugin) {
        trib_props_destroy(config);
        return NULL;
    }
    return config;
}

/* Applies a validated config (takes ownership of config). h->lock held;
 * released while waiting for the start (wait_start), so the connector is
 * found again by name before it is described. */
static json_t *put_locked(trib_herder *h, const char *name, trib_props *config, const trib_connector_plugin *plugin,
                          bool allow_existing, trib_target_state initial, bool *created, trib_error *err) {
    conn *c = herder_find(h, name);
    if (c && !allow_existing) {
        trib_props_destroy(config);
        trib_error_set(err, TRIB_ERR_CONFLICT, "Connector %s already exists", name);
        return NULL;
    }
    if (c) {
        if (c->plugin != plugin) {
            trib_props_destroy(config);
            trib_error_set(err, TRIB_ERR_INVALID, "Connector %s is a %s connector; its class cannot change to %s",
                           name, c->plugin->class_name, plugin->class_name);
            return NULL;
        }
        /* a new config restarts the connector and its tasks; a start in
         * flight with the old config is invalidated (its starter stops it
         * and reconciles, which starts the new config) */
        herder_stop_tasks(h, c, false);
        herder_free_task_configs(c);
        herder_stop_instance(h, c);
        c->failed = false;
        trib_props_destroy(c->config);
        c->config = config;
        if (created) *created = false;
        TRIB_INFO("herder", "[%s] connector config updated", name);
    } else {
        c = herder_add(h, name, config, plugin, initial);
        if (created) *created = true;
        TRIB_INFO("herder", "[%s] connector created (%s, %s)", name, plugin->class_name,
                  trib_target_state_name(initial));
    }
    reconcile(h, c);
    wait_start(h, name, START_WAIT_MS);
    /* the new config's tasks start once the old ones have gone */
    if (herder_wait_task_stops(h, name, TASK_STOP_WAIT_MS) && (c = herder_find(h, name))) reconcile(h, c);
    c = herder_find(h, name);
    if (!c) {
        trib_error_set(err, TRIB_ERR_CONFLICT, "Connector %s was deleted while being written", name);
        return NULL;
    }
    return herder_info_json(c);
}

static json_t *put_standalone(trib_herder *h, const char *name, const trib_props *config_in, bool allow_existing,
                              trib_target_state initial, bool *created, trib_error *err) {
    const trib_connector_plugin *plugin = NULL;
    trib_props *config = prepare_put(h, name, config_in, &plugin, err);
    if (!config) return NULL;
    pthread_mutex_lock(&h->lock);
    json_t *j = put_locked(h, name, config, plugin, allow_existing, initial, created, err);
    pthread_mutex_unlock(&h->lock);
    return j;
}

json_t *trib_herder_create(trib_herder *h, const char *name, const trib_props *config, trib_target_state initial,
                           trib_error *err) {
    if (h->cluster) return herder_cluster_put(h, name, config, false, initial, NULL, err);
    return put_standalone(h, name, config, false, initial, NULL, err);
}

json_t *trib_herder_put_config(trib_herder *h, const char *name, const trib_props *config, bool *created,
                               trib_error *err) {
    if (h->cluster) return herder_cluster_put(h, name, config, true, TRIB_TARGET_RUNNING, created, err);
    return put_standalone(h, name, config, true, TRIB_TARGET_RUNNING, created, err);
}

json_t *trib_herder_patch_config(trib_herder *h, const char *name, const json_t *patch, trib_error *err) {
    if (!json_is_object(patch)) {
        trib_error_set(err, TRIB_ERR_INVALID, "PATCH body must be a JSON object of config values");
        return NULL;
    }
    pthread_mutex_lock(&h->lock);
    conn *c = herder_find_or_404(h, name, err);
    trib_props *merged = c ? trib_props_clone(c->config) : NULL;
    pthread_mutex_unlock(&h->lock);
    if (!merged) return NULL;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)patch, k, v) {
        if (json_is_null(v)) {
            trib_props_remove(merged, k);
        } else if (json_is_string(v)) {
            trib_props_set(merged, k, json_string_value(v));
        } else if (json_is_number(v) || json_is_boolean(v)) {
            char *s = json_dumps(v, JSON_ENCODE_ANY);
            trib_props_set(merged, k, s);
            free(s);
        } else {
            trib_error_set(err, TRIB_ERR_INVALID, "config value for '%s' must be a string, number, boolean or null", k);
            trib_props_destroy(merged);
            return NULL;
        }
    }
    json_t *out = NULL;
    if (h->cluster) {
        out = herder_cluster_put(h, name, merged, true, TRIB_TARGET_RUNNING, NULL, err);
        trib_props_destroy(merged);
        return out;
    }
    const trib_connector_plugin *plugin = NULL;
    trib_props *config = prepare_put(h, name, merged, &plugin, err);
    trib_props_destroy(merged);
    if (!config) return NULL;
    pthread_mutex_lock(&h->lock);
    if (!herder_find_or_404(h, name, err))   /* deleted while we validated: PATCH does not create */
        trib_props_destroy(config);
    else
        out = put_locked(h, name, config, plugin, true, TRIB_TARGET_RUNNING, NULL, err);
    pthread_mutex_unlock(&h->lock);
    return out;
}

json_t *trib_herder_info(trib_herder *h, const char *name, trib_error *err) {
    pthread_mutex_lock(&h->lock);
    conn *c = herder_find_or_404(h, name, err);
    json_t *j = c ? herder_info_json(c) : NULL;
    pthread_mutex_unlock(&h->lock);
    return j;
}

json_t *trib_herder_config(trib_herder *h, const char *name, trib_error *err) {
    pthread_mutex_lock(&h->lock);
    conn *c = herder_find_or_404(h, name, err);
    json_t *j = c ? redacted_json(c, c->config) : NULL;
    pthread_mutex_unlock(&h->lock);
    return j;
}

json_t *trib_herder_status(trib_herder *h, const char *name, trib_error *err) {
    pthread_mutex_lock(&h->lock);
    conn *c = herder_find_or(h, name, "No status found for connector %s", err);
    json_t *j = c ? herder_status_json(h, c) : NULL;
    pthread_mutex_unlock(&h->lock);
    return j;
}

json_t *trib_herder_tasks(trib_herder *h, const char *name, trib_error *err) {
    pthread_mutex_lock(&h->lock);
    conn *c = herder_find_or_404(h, name, err);
    json_t *j = NULL;
    if (c) {
        j = json_array();
        for (size_t i = 0; i < c->ntasks; i++)
            json_array_append_new(j, json_pack("{s{sssi}so}", "id", "connector", c->name, "task", (int)i, "config",
                                               redacted_json(c, c->task_configs[i])));
    }
    pthread_mutex_unlock(&h->lock);
    return j;
}

json_t *trib_herder_task_status(trib_herder *h, const char *name, int task, trib_error *err) {
    pthread_mutex_lock(&h->lock);
    conn *c = herder_find(h, name);
    json_t *j = NULL;
    if (!c || task < 0 || (size_t)task >= c->ntasks)
        trib_error_set(err, TRIB_ERR_NOT_FOUND, "No status found for task %s-%d", name, task);
    else if (c)
        j = task_status_json(h, c, (size_t)task);
    pthread_mutex_unlock(&h->lock);
    return j;
}

int trib_herder_delete(trib_herder *h, const char *name, trib_error *err) {
    int rc;
    if (h->cluster) {
        rc = herder_cluster_delete(h, name, err);
    } else {
        pthread_mutex_lock(&h->lock);
        conn *c = herder_find_or_404(h, name, err);
        if (c) {
            herder_remove(h, c);
            TRIB_INFO("herder", "[%s] connector deleted", name);
            herder_wait_task_stops(h, name, TASK_STOP_WAIT_MS);
        }
        pthread_mutex_unlock(&h->lock);
        rc = c ? 0 : -1;
    }
    /* a new connector of that name starts with no file history */
    if (rc == 0 && h->files) trib_file_status_remove_connector(h->files, name);
    return rc;
}

int trib_herder_restart(trib_herder *h, const char *name, bool include_tasks, bool only_failed,
                        json_t **status_out, trib_error *err) {
    if (status_out) *status_out = NULL;
    pthread_mutex_lock(&h->lock);
    conn *c = herder_find_or(h, name, "Unknown connector: %s", err);
    if (!c) {
        pthread_mutex_unlock(&h->lock);
        return -1;
    }
    bool restart_conn = !only_failed || c->failed;
    json_t *status = herder_status_json(h, c);
    if (include_tasks || only_failed) {
        /* Connect's response marks what is about to restart as RESTARTING */
        if (restart_conn) json_object_set_new(json_object_get(status, "connector"), "state", json_string("RESTARTING"));
        size_t i;
        json_t *tj;
        json_array_foreach(json_object_get(status, "tasks"), i, tj) {
            bool failed = strcmp(json_string_value(json_object_get(tj, "state")), "FAILED") == 0;
            if (include_tasks && (!only_failed || failed)) json_object_set_new(tj, "state", json_string("RESTARTING"));
        }
    }
    if (h->cluster) {
        pthread_mutex_unlock(&h->lock);
        if (herder_cluster_restart(h, name, include_tasks, only_failed, -1, err) < 0) {
            json_decref(status);
            return -1;
        }
        if (status_out && (include_tasks || only_failed)) *status_out = status;
        else json_decref(status);
        return 0;
    }
    if (include_tasks) herder_stop_tasks(h, c, only_failed);
    if (restart_conn) {
        if (!include_tasks) {
            /* restarting only the connector keeps its tasks running;
             * reconcile below requests the new start */
            herder_stop_instance(h, c);
            c->failed = false;
        } else {
            herder_stop_tasks(h, c, false);
            herder_free_task_configs(c);
            herder_stop_instance(h, c);
            c->failed = false;
        }
    }
    reconcile(h, c);
    /* restarted tasks start once their old instances have gone */
    if (include_tasks && herder_wait_task_stops(h, name, TASK_STOP_WAIT_MS) && (c = herder_find(h, name)))
        reconcile(h, c);
    if (status_out && (include_tasks || only_failed)) *status_out = status;
    else json_decref(status);
    pthread_mutex_unlock(&h->lock);
    return 0;
}

int trib_herder_restart_task(trib_herder *h, const char *name, int task, trib_error *err) {
    if (h->cluster) {
        pthread_mutex_lock(&h->lock);
        conn *c = herder_find_or(h, name, "Unknown connector: %s", err);
        bool ok = c && task >= 0 && (size_t)task < c->ntasks;
        if (c && !ok) trib_error_set(err, TRIB_ERR_NOT_FOUND, "Unknown task: %s-%d", name, task);
        pthread_mutex_unlock(&h->lock);
        return ok ? herder_cluster_restart(h, name, true, false, task, err) : -1;
    }
    pthread_mutex_lock(&h->lock);
    conn *c = herder_find_or(h, name, "Unknown connector: %s", err);
    int rc = -1;
    if (c && (task < 0 || (size_t)task >= c->ntasks)) {
        trib_error_set(err, TRIB_ERR_NOT_FOUND, "Unknown task: %s-%d", name, task);
    } else if (c) {
        herder_stop_task(h, c, (size_t)task);
        /* a quick stop is waited for, so the answer finds the task
         * restarted; a task blocked in a server is left to its stopper
         * and started by the herder thread once it has gone */
        herder_wait_task_stops(h, name, TASK_STOP_WAIT_MS);
        c = herder_find(h, name);
        if (c && (size_t)task < c->ntasks) reconcile(h, c);
        rc = 0;
    }
    pthread_mutex_unlock(&h->lock);
    return rc;
}

int trib_herder_set_target_state(trib_herder *h, const char *name, trib_target_state s, trib_error *err) {
    if (h->cluster) return herder_cluster_set_target(h, name, s, err);
    pthread_mutex_lock(&h->lock);
    conn *c = herder_find_or(h, name, "Unknown connector %s", err);
    if (c) {
        if (c->target != s) TRIB_INFO("herder", "[%s] target state %s", name, trib_target_state_name(s));
        c->target = s;
        reconcile(h, c);
    }
    pthread_mutex_unlock(&h->lock);
    return c ? 0 : -1;
}

json_t *trib_herder_topics(trib_herder *h, const char *name, trib_error *err) {
    (void)err;
    pthread_mutex_lock(&h->lock);
    conn *c = herder_find(h, name);
    /* Connect keeps active topics by connector name in the status topic and
     * answers an empty set for a name it has none for, existing or not. */
    json_t *j = json_pack("{s{s[]}}", name, "topics");
    if (c) {
        json_decref(j);
        /* distributed: the status topic has every worker's; standalone: this worker's tasks */
        json_t *set = h->cluster ? json_object() : json_deep_copy(c->topics);
        if (h->cluster) herder_cluster_topics(h, c, set);
        for (size_t i = 0; i < c->ntasks && !h->cluster; i++) {
            if (!c->tasks[i]) continue;
            json_t *t = trib_task_topics(c->tasks[i]);
            size_t k;
            json_t *v;
            json_array_foreach(t, k, v) json_object_set_new(set, json_string_value(v), json_true());
            json_decref(t);
        }
        const char **names = trib_xcalloc(json_object_size(set) + 1, sizeof *names);
        size_t n = 0;
        const char *key;
        json_t *v;
        json_object_foreach(set, key, v) names[n++] = key;
        qsort(names, n, sizeof *names, cmp_str);
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++) json_array_append_new(arr, json_string(names[i]));
        free(names);
        json_decref(set);
        j = json_pack("{s{so}}", c->name, "topics", arr);
    }
    pthread_mutex_unlock(&h->lock);
    return j;
}

int trib_herder_reset_topics(trib_herder *h, const char *name, trib_error *err) {
    (void)err;
    pthread_mutex_lock(&h->lock);
    /* as Connect: resetting the (empty) topic set of an unknown name succeeds */
    conn *c = herder_find(h, name);
    if (c) {
        json_object_clear(c->topics);
        for (size_t i = 0; i < c->ntasks; i++)
            if (c->tasks[i]) trib_task_reset_topics(c->tasks[i]);
        if (h->cluster) herder_cluster_reset_topics(h, c);
    }
    pthread_mutex_unlock(&h->lock);
    return 0;
}

/* The admin client for group offsets, created on first use. Caller holds the lock. */
static rd_kafka_t *admin(trib_herder *h, trib_error *err) {
    if (h->admin) return h->admin;
    trib_props *d = trib_props_new();
    trib_props_set(d, "client.id", "tributary-herder-admin");
    rd_kafka_conf_t *conf = trib_kafka_conf_new(TRIB_CLIENT_ADMIN, h->worker_props, NULL, d, err);
    trib_props_destroy(d);
    if (!conf) return NULL;
    h->admin = trib_kafka_new(RD_KAFKA_PRODUCER, conf, err);
    return h->admin;
}

static char *group_of(const conn *c) {
    return trib_xasprintf("connect-%s", c->name);
}

json_t *trib_herder_offsets(trib_herder *h, const char *name, trib_error *err) {
    pthread_mutex_lock(&h->lock);
    conn *c = herder_find_or_404(h, name, err);
    json_t *j = NULL;
    if (c && c->plugin->kind == TRIB_CONNECTOR_SOURCE) {
        j = json_pack("{so}", "offsets", trib_offset_store_list(h->offsets, c->name));
    } else if (c) {
        rd_kafka_t *a = admin(h, err);
        char *group = group_of(c);
        json_t *list = a ? trib_group_offsets_list(a, group, err) : NULL;
        free(group);
        if (list) j = json_pack("{so}", "offsets", list);
    }
    pthread_mutex_unlock(&h->lock);
    return j;
}

static int require_stopped(const conn *c, trib_error *err) {
    /* 400, as Connect (a BadRequestException), though 409 would fit better */
    if (c->target != TRIB_TARGET_STOPPED)
        return trib_error_set(err, TRIB_ERR_INVALID,
                              "Connectors must be in the STOPPED state before their offsets can be modified. "
                              "This can be done for the specified connector by issuing a 'PUT' request to the "
                              "'/connectors/%s/stop' endpoint", c->name);
    return 0;
}

/* Source offsets: each entry needs an object partition and an object or
 * null offset (null deletes). */
static int alter_source_offsets(trib_herder *h, conn *c, const json_t *entries, trib_error *err) {
    size_t i;
    json_t *e;
    json_array_foreach(entries, i, e) {
        json_t *p = json_object_get(e, "partition");
        json_t *o = json_object_get(e, "offset");
        if (!json_is_object(p))
            return trib_error_set(err, TRIB_ERR_INVALID, "offsets[%zu].partition must be a JSON object", i);
        if (o && !json_is_null(o) && !json_is_object(o))
            return trib_error_set(err, TRIB_ERR_INVALID, "offsets[%zu].offset must be a JSON object or null", i);
    }
    json_array_foreach(entries, i, e) {
        json_t *o = json_object_get(e, "offset");
        trib_offset_store_put(h->offsets, c->name, json_object_get(e, "partition"),
                              (o && !json_is_null(o)) ? o : NULL);
    }
    return trib_offset_store_flush(h->offsets, err);
}

json_t *trib_herder_alter_offsets(trib_herder *h, const char *name, const json_t *body, trib_error *err) {
    json_t *entries = json_object_get(body, "offsets");
    if (!json_is_array(entries)) {
        trib_error_set(err, TRIB_ERR_INVALID, "Request body must contain an \"offsets\" array");
        return NULL;
    }
    pthread_mutex_lock(&h->lock);
    conn *c = herder_find_or_404(h, name, err);
    json_t *j = NULL;
    if (c && require_stopped(c, err) == 0) {
        int rc;
        if (c->plugin->kind == TRIB_CONNECTOR_SOURCE) {
            rc = alter_source_offsets(h, c, entries, err);
        } else {
            rd_kafka_t *a = admin(h, err);
            char *group = group_of(c);
            rc = a ? trib_group_offsets_alter(a, group, entries, err) : -1;
            free(group);
        }
        if (rc == 0)
            j = json_pack("{ss}", "message",
                          c->plugin->kind == TRIB_CONNECTOR_SOURCE
                              ? "The offsets for this connector have been altered successfully"
                              : "The Kafka Connect framework-managed offsets for this connector have been altered "
                                "successfully. However, if this connector manages offsets externally, they will "
                                "need to be manually altered in the system that the connector uses.");
    }
    pthread_mutex_unlock(&h->lock);
    return j;
}

json_t *trib_herder_reset_offsets(trib_herder *h, const char *name, trib_error *err) {
    pthread_mutex_lock(&h->lock);
    conn *c = herder_find_or_404(h, name, err);
    json_t *j = NULL;
    if (c && require_stopped(c, err) == 0) {
        int rc;
        if (c->plugin->kind == TRIB_CONNECTOR_SOURCE) {
            json_t *list = trib_offset_store_list(h->offsets, c->name);
            size_t i;
            json_t *e;
            json_array_foreach(list, i, e) trib_offset_store_put(h->offsets, c->name, json_object_get(e, "partition"), NULL);
            json_decref(list);
            rc = trib_offset_store_flush(h->offsets, err);
        } else {
            rd_kafka_t *a = admin(h, err);
            char *group = group_of(c);
            rc = a ? trib_group_offsets_delete(a, group, err) : -1;
            free(group);
        }
        if (rc == 0)
            j = json_pack("{ss}", "message",
                          c->plugin->kind == TRIB_CONNECTOR_SOURCE
                              ? "The offsets for this connector have been reset successfully"
                              : "The Kafka Connect framework-managed offsets for this connector have been reset "
                                "successfully. However, if this connector manages offsets externally, they will "
                                "need to be manually reset in the system that the connector uses.");
    }
    pthread_mutex_unlock(&h->lock);
    return j;
}

json_t *trib_herder_plugins(trib_herder *h, bool connectors_only) {
    (void)h;
    /* From the catalogs: listing loads no plugin module. A plugin whose
     * module is not installed is not listed, as Connect lists only what it
     * finds on plugin.path. */
    json_t *arr = json_array();
    for (const trib_connector_info *ci = trib_connectors_all(); ci->class_name; ci++)
        if (!ci->module || trib_module_available(ci->module))
            json_array_append_new(arr, json_pack("{ssssss}", "class", ci->class_name, "type",
                                             ci->kind == TRIB_CONNECTOR_SOURCE ? "source" : "sink", "version",
                                             ci->version ? ci->version : TRIBUTARY_VERSION));
    if (connectors_only) return arr;
    for (const trib_converter_info *vi = trib_converters_all(); vi->class_name; vi++)
        if (!vi->module || trib_module_available(vi->module))
            json_array_append_new(arr, json_pack("{ssssss}", "class", vi->class_name, "type", "converter", "version",
                                             TRIBUTARY_VERSION));
    /* the header converters (proto/converter.h), as Connect lists them */
    for (const char *const *hc = trib_header_converter_classes(); *hc; hc++)
        json_array_append_new(arr, json_pack("{ssssss}", "class", *hc, "type", "header_converter", "version",
                                             TRIBUTARY_VERSION));
    const trib_transform_plugin *const *tp = trib_transforms_all();
    for (size_t i = 0; tp[i]; i++)
        json_array_append_new(arr, json_pack("{ssssss}", "class", tp[i]->class_name, "type", "transformation",
                                             "version", TRIBUTARY_VERSION));
    const trib_predicate_plugin *const *pp = trib_predicates_all();
    for (size_t i = 0; pp[i]; i++)
        json_array_append_new(arr, json_pack("{ssssss}", "class", pp[i]->class_name, "type", "predicate", "version",
                                             TRIBUTARY_VERSION));
    return arr;
}

json_t *trib_herder_plugin_config(trib_herder *h, const char *plugin, trib_error *err) {
    (void)h;
    /* a plugin in a module needs the module for its config definition */
    if (trib_connector_lookup(plugin)) {
        const trib_connector_plugin *cp = trib_connector_load(plugin, err);
        if (!cp) return NULL;
        /* as Connect: the connector's own keys, then the framework's for
         * its kind (what a console builds its "new connector" form from) */
        json_t *a = trib_config_describe_json(cp->config);
        trib_config_describe_append(a, trib_connector_common_defs);
        if (cp->kind == TRIB_CONNECTOR_SINK) {
            trib_config_describe_append(a, trib_connector_sink_defs);
            trib_config_describe_append(a, trib_connector_dlq_defs);
        } else {
            trib_config_describe_append(a, trib_connector_source_defs);
        }
        return a;
    }
    if (trib_converter_lookup(plugin)) {
        const trib_converter_plugin *cv = trib_converter_load(plugin, err);
        if (!cv) return NULL;
        /* Connect's ConverterConfig: converter.type, which the worker sets
         * (key or value), then the converter's own keys */
        json_t *a = trib_config_describe_json(trib_converter_type_defs);
        trib_config_describe_append(a, cv->config);
        return a;
    }
    if (trib_header_converter_class(plugin) && strcmp(trib_header_converter_class(plugin), TRIB_SIMPLE_HEADER_CONVERTER) == 0)
        return json_array(); /* SimpleHeaderConverter has no keys */
    const trib_transform_plugin *tp = trib_transform_find(plugin);
    if (tp) return trib_config_describe_json(tp->config);
    const trib_predicate_plugin *pp = trib_predicate_find(plugin);
    if (pp) return trib_config_describe_json(pp->config);
    trib_error_set(err, TRIB_ERR_NOT_FOUND, "Unknown plugin %s.", plugin);
    return NULL;
}

json_t *trib_herder_validate(trib_herder *h, const char *plugin, const trib_props *config, trib_error *err) {
    const trib_connector_info *info = trib_connector_lookup(plugin);
    if (!info) {
        trib_error_set(err, TRIB_ERR_NOT_FOUND, "Unknown plugin %s.", plugin);
        return NULL;
    }
    const char *cls = trib_props_get(config, "connector.class");
    if (cls && trib_connector_lookup(cls) != info) {
        trib_error_set(err, TRIB_ERR_INVALID,
                       "Included connector type %s does not match request type %s", cls, plugin);
        return NULL;
    }
    /* an unusable plugin module is the server's problem (500), not a
     * config error to report field by field */
    const trib_connector_plugin *p = trib_connector_info_load(info, err);
    if (!p) return NULL;
    /* validated resolved, as a create is; the answer shows the values as
     * given, so a secret a reference stands for never reaches the client */
    trib_props *resolved = trib_props_clone(config);
    trib_error rerr;
    trib_error_clear(&rerr);
    bool unresolved = trib_config_resolve(resolved, &rerr) < 0;
    trib_config_report *r = trib_connector_config_validate(unresolved ? config : resolved, plugin, NULL);
    trib_connector_config_check_eos(r, unresolved ? config : resolved, p, h->exactly_once_source);
    for (size_t i = 0; i < trib_props_count(config); i++) {
        const char *v = trib_props_value_at(config, i);
        if (trib_config_has_reference(v)) trib_config_report_set_value(r, trib_props_key_at(config, i), v);
    }
    if (unresolved) {
        /* the message starts with the key: "<key>: ${...}: why" */
        char key[256];
        snprintf(key, sizeof key, "%.*s", (int)strcspn(rerr.msg, ":"), rerr.msg);
        trib_config_report_error(r, key, "%s", rerr.msg);
    }
    trib_props_destroy(resolved);
    /* Connect names the report after connector.class as given */
    json_t *j = trib_config_report_to_json(r, cls ? cls : p->class_name);
    trib_config_report_destroy(r);
    return j;
}

int64_t trib_herder_task_records(trib_herder *h, const char *name, int task) {
    pthread_mutex_lock(&h->lock);
    conn *c = herder_find(h, name);
    int64_t n = -1;
    if (c && task >= 0 && (size_t)task < c->ntasks && c->tasks[task]) n = trib_task_record_count(c->tasks[task]);
    pthread_mutex_unlock(&h->lock);
    return n;
}

/* ---- files given on the command line ---------------------------------------------- */

int trib_herder_create_from_file(trib_herder *h, const char *path, trib_error *err) {
    trib_props *config = NULL;
    trib_target_state initial = TRIB_TARGET_RUNNING;
    if (trib_str_endswith(path, ".json")) {
        json_error_t jerr;
        json_t *j = json_load_file(path, 0, &jerr);
        if (!j)
            return trib_error_set(err, TRIB_ERR_INVALID, "%s: line %d column %d: %s", path, jerr.line, jerr.column,
                                  jerr.text);
        /* either {"name":..., "config":{...}} as POST /connectors, or a flat config */
        json_t *cfg = json_object_get(j, "config");
        config = trib_props_from_json(cfg ? cfg : j, err);
        if (config && cfg && json_is_string(json_object_get(j, "name")))
            trib_props_set(config, "name", json_string_value(json_object_get(j, "name")));
        json_t *is = json_object_get(j, "initial_state");
        if (config && json_is_string(is) && trib_target_state_parse(json_string_value(is), &initial) < 0) {
            trib_error_set(err, TRIB_ERR_INVALID, "%s: initial_state must be RUNNING, PAUSED or STOPPED", path);
            trib_props_destroy(config);
            config = NULL;
        }
        json_decref(j);
        if (!config) return trib_error_prefix(err, "%s", path);
    } else {
        config = trib_props_load_file(path, err);
        if (!config) return -1;
    }
    const char *name = trib_props_get(config, "name");
    if (!name || !*name) {
        trib_props_destroy(config);
        return trib_error_set(err, TRIB_ERR_INVALID, "%s: connector config has no \"name\"", path);
    }
    char *n = trib_xstrdup(name);
    json_t *info = trib_herder_create(h, n, config, initial, err);
    free(n);
    trib_props_destroy(config);
    if (!info) return trib_error_prefix(err, "%s", path);
    json_decref(info);
    return 0;
}

/* ---- automatic restart of failed tasks ------------------------------------------------ */

#define RESTART_BASE_MS 1000
#define RESTART_MAX_MS (5 * 60 * 1000)
#define RESTART_RESET_MS (10 * 60 * 1000)

void herder_auto_restart(trib_herder *h, conn *c) {
    if (!h->auto_restart) return;
    int64_t now = trib_mono_ms();
    for (size_t i = 0; i < c->ntasks; i++) {
        if (!c->tasks[i]) continue;
        char key[600];
        snprintf(key, sizeof key, "%s/%zu", c->name, i);
        json_t *e = json_object_get(h->restarts, key);
        trib_state st = trib_task_state(c->tasks[i], NULL);
        if (st != TRIB_STATE_FAILED) {
            /* a task that has stayed up long enough starts a new streak */
            if (e && now - json_integer_value(json_object_get(e, "since")) > RESTART_RESET_MS)
                json_object_del(h->restarts, key);
            continue;
        }
        if (!e) {
            e = json_pack("{sisIsI}", "streak", 0, "at", (json_int_t)0, "since", (json_int_t)now);
            json_object_set_new(h->restarts, key, e);
        }
        json_int_t at = json_integer_value(json_object_get(e, "at"));
        if (at == 0) {
            json_int_t streak = json_integer_value(json_object_get(e, "streak"));
            int64_t delay = RESTART_BASE_MS;
            for (json_int_t k = 0; k < streak && delay < RESTART_MAX_MS; k++) delay *= 2;
            if (delay > RESTART_MAX_MS) delay = RESTART_MAX_MS;
            json_object_set_new(e, "at", json_integer(now + delay));
            TRIB_INFO("herder", "[%s:%zu] task FAILED; restarting it in %lld ms (attempt %lld)", c->name, i,
                      (long long)delay, (long long)streak + 1);
        } else if (now >= at) {
            herder_stop_task(h, c, i);
            json_object_set_new(e, "streak", json_integer(json_integer_value(json_object_get(e, "streak")) + 1));
            json_object_set_new(e, "at", json_integer(0));
            json_object_set_new(e, "since", json_integer(now));
        }
    }
}

/* ---- herder thread and lifecycle -------------------------------------------------- */

/* Applies connectors' reconfiguration requests and raised errors. */
static void *herder_thread(void *arg) {
    trib_herder *h = arg;
    while (!atomic_load(&h->stopping)) {
        trib_sleep_ms(h->cluster ? 100 : 200);
        if (h->cluster) {
            herder_cluster_tick(h);
            continue;
        }
        pthread_mutex_lock(&h->lock);
        for (size_t i = 0; i < h->n && !atomic_load(&h->stopping); i++) {
            conn *c = h->conns[i];
            if (!c->cctx) continue;
            const char *raised = trib_connector_context_error(c->cctx);
            if (raised && !c->failed) {
                char *msg = trib_xstrdup(raised);
                herder_stop_tasks(h, c, false);
                herder_set_failed(c, msg);
                free(msg);
                continue;
            }
            herder_auto_restart(h, c);
            reconcile(h, c);
        }
        pthread_mutex_unlock(&h->lock);
    }
    return NULL;
}

void trib_herder_set_file_status(trib_herder *h, trib_file_status *files) {
    h->files = files;
}

trib_file_status *trib_herder_file_status(trib_herder *h) {
    return h->files;
}

trib_herder *trib_herder_new(const trib_props *worker_props, trib_offset_store *offsets, const char *worker_id,
                             const char *cluster_id, trib_error *err) {
    (void)err;
    trib_herder *h = trib_xcalloc(1, sizeof *h);
    pthread_mutex_init(&h->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&h->cond, &ca);
    pthread_condattr_destroy(&ca);
    h->worker_props = trib_props_clone(worker_props);
    h->offsets = offsets;
    h->worker_id = trib_xstrdup(worker_id);
    h->cluster_id = trib_xstrdup(cluster_id);
    h->restarts = json_object();
    bool ar = true;
    trib_parse_bool(trib_props_get_or(worker_props, "tributary.task.auto.restart", "true"), &ar);
    h->auto_restart = ar;
    h->shutdown_ms = trib_worker_config_long(worker_props, "task.shutdown.graceful.timeout.ms");
    atomic_init(&h->stopping, false);
    return h;
}

int trib_herder_start(trib_herder *h, trib_error *err) {
    int rc = pthread_create(&h->thread, NULL, herder_thread, h);
    if (rc != 0) return trib_error_set(err, TRIB_ERR_INTERNAL, "cannot start herder thread: %s", strerror(rc));
    h->thread_started = true;
    return 0;
}

void trib_herder_stop(trib_herder *h) {
    if (!h) return;
    atomic_store(&h->stopping, true);
    if (h->thread_started) {
        pthread_join(h->thread, NULL);
        h->thread_started = false;
    }
    if (h->cluster) herder_cluster_stop(h);
    pthread_mutex_lock(&h->lock);
    /* Ask every task to stop at once, then wait: shutdown takes one
     * graceful timeout, not one per task. */
    for (size_t i = 0; i < h->n; i++)
        for (size_t k = 0; k < h->conns[i]->ntasks; k++)
            if (h->conns[i]->tasks[k]) trib_task_request_stop(h->conns[i]->tasks[k]);
    while (h->n > 0) herder_conn_destroy(h, h->conns[--h->n]);
    /* Starters still running free their (removed) conns, stoppers finish
     * stopping instances; h must outlive both. Bounded by the plugins'
     * own timeouts. */
    while (h->starters > 0 || h->stoppers > 0) pthread_cond_wait(&h->cond, &h->lock);
    pthread_mutex_unlock(&h->lock);
}

void trib_herder_destroy(trib_herder *h) {
    if (!h) return;
    trib_herder_stop(h);
    if (h->admin) rd_kafka_destroy(h->admin);
    trib_props_destroy(h->worker_props);
    json_decref(h->restarts);
    free(h->conns);
    free(h->task_stops);
    free(h->worker_id);
    free(h->cluster_id);
    pthread_mutex_destroy(&h->lock);
    pthread_cond_destroy(&h->cond);
    free(h);
}
