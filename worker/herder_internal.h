/*
 * herder_internal.h: what herder.c (the REST-facing API and standalone
 * lifecycle) and herder_cluster.c (distributed mode) share. Not for use
 * outside worker/.
 *
 * Locking: h->lock guards the connector table and every conn. Functions
 * here expect the caller to hold it unless they say otherwise. No plugin
 * start() runs under it: a start runs on its own thread (a "starter"),
 * which takes the lock only to install the result, so a connector whose
 * start blocks on the network stalls neither REST readers nor the other
 * connectors; likewise plugin stop() runs on a "stopper" thread. While
 * c->starting, the starter owns the start: anyone who would stop the
 * instance bumps c->start_gen instead (the starter then stops what it
 * got), and herder_conn_destroy leaves c to the starter (c->removed),
 * which frees it; so c stays valid for the starter, and a second start of
 * c is never requested while one is in flight.
 *
 * Task stops are asynchronous too (herder_stop_task): the task is asked to
 * stop and leaves its slot at once; a task-stopper thread waits for its
 * thread without the lock, so a task blocked in a tenant's server delays
 * nobody's REST call. One live instance per task id: while a stop of
 * "<connector>/<id>" is in flight (h->task_stops, keyed by name and id,
 * not by conn, so it also covers a deleted and re-created connector), no
 * new instance of that id starts on this worker (herder_task_stopping,
 * checked by herder_start_task and the cluster's start). The stop stays in
 * flight until the old thread has exited, past
 * task.shutdown.graceful.timeout.ms too (only a worker shutting down
 * abandons it). Nobody waits for it under the lock: the start is skipped,
 * and the next reconcile or cluster tick (every 200 / 100 ms) starts the
 * task once the old instance is gone.
 */
#ifndef TRIB_WORKER_HERDER_INTERNAL_H
#define TRIB_WORKER_HERDER_INTERNAL_H

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>

#include "worker/herder.h"
#include "worker/task.h"
#include "worker/task_context.h"

#define HIDDEN "[hidden]"

typedef struct herder_cluster herder_cluster;

typedef struct conn {
    char *name;
    trib_props *config;
    const trib_connector_plugin *plugin;
    trib_target_state target;

    void *ctx;                  /* connector instance, when started */
    bool started;
    bool starting;              /* a starter thread runs plugin start() for this conn */
    unsigned start_gen;         /* bumped to invalidate the start in flight */
    bool removed;               /* out of the table while starting; the starter frees it */
    trib_connector_context *cctx;
    bool failed;                /* connector instance failed */
    char *trace;

    trib_props **task_configs;  /* merged over config */
    size_t ntasks;
    trib_task **tasks;          /* ntasks slots, NULL when not running */
    json_t *topics;             /* {"topic": true} from tasks that ended */
    json_t *recorded_topics;    /* distributed: {"topic": true} this worker wrote to the status topic */

    /* distributed mode */
    bool configs_written;       /* this instance's task configs are in the log */
    bool empty_written;         /* STOPPED: the empty task set is in the log */
    const char *reported;       /* connector state last written to the status topic */
    json_t *restart;            /* pending restart request, or NULL */
} conn;

struct trib_herder {
    pthread_mutex_t lock;
    pthread_cond_t cond;        /* with lock: a starter finished (CLOCK_MONOTONIC) */
    int starters;               /* starter threads running; trib_herder_stop waits for 0 */
    int stoppers;               /* stopper threads running (herder_stop_instance and
                                 * herder_stop_task); likewise */
    struct task_stop **task_stops;   /* task stops in flight (herder_stop_task) */
    size_t n_task_stops, cap_task_stops;
    trib_props *worker_props;
    trib_offset_store *offsets;
    struct trib_file_status *files;   /* borrowed from the worker; may be NULL */
    char *worker_id;
    char *cluster_id;
    int64_t shutdown_ms;

    conn **conns;
    size_t n, cap;

    rd_kafka_t *admin;          /* lazily created for offsets admin calls */

    pthread_t thread;
    bool thread_started;
    atomic_bool stopping;

    herder_cluster *cluster;    /* NULL in standalone mode */
    /* exactly.once.source.support=enabled (distributed mode only), set
     * before the cluster is joined; validation reads it without the lock */
    bool exactly_once_source;

    bool auto_restart;          /* tributary.task.auto.restart */
    json_t *restarts;           /* {"<name>/<i>": {"streak","at","since"}} backoff state */
};

conn *herder_find(trib_herder *h, const char *name);
conn *herder_find_or_404(trib_herder *h, const char *name, trib_error *err);
/* The same with the caller's 404 text (one %s: the name). */
conn *herder_find_or(trib_herder *h, const char *name, const char *fmt, trib_error *err);
/* Stops c's tasks (all, or only the FAILED ones) with herder_stop_task,
 * keeping their active topics in c->topics. */
void herder_stop_tasks(trib_herder *h, conn *c, bool only_failed);
/* Asks task i of c to stop and empties its slot at once; the wait for its
 * thread (up to h->shutdown_ms, then abandoned) runs on a task-stopper
 * thread without h->lock. No-op for an empty slot. */
void herder_stop_task(trib_herder *h, conn *c, size_t i);
/* True while a stop of task id of connector name is in flight: no new
 * instance of that task may start on this worker yet. */
bool herder_task_stopping(trib_herder *h, const char *name, size_t id);
/* Waits (h->lock held, released while waiting) up to ms until no task stop
 * of connector name is in flight (all if name is NULL); true if none is
 * left. Callers re-find their conn afterwards: it may be gone. */
bool herder_wait_task_stops(trib_herder *h, const char *name, int64_t ms);
void herder_free_task_configs(conn *c);
void herder_set_failed(conn *c, const char *trace);
/* Detaches the connector instance from c and stops it on a stopper thread
 * (plugin stop() may block: never under h->lock); for a start still in
 * flight, invalidates it instead: its starter stops the instance. */
void herder_stop_instance(trib_herder *h, conn *c);
/* Requests a start of c's instance on a starter thread (c must be neither
 * started nor starting); returns at once. The starter installs the
 * instance, or marks c FAILED, under h->lock, and in standalone mode
 * reconciles c then. -1 (c FAILED) when no thread could be started. */
int herder_start_instance(trib_herder *h, conn *c);
int herder_generate_task_configs(conn *c, trib_props ***out, size_t *n);
bool herder_same_task_configs(conn *c, trib_props **cfgs, size_t n);
void herder_start_task(trib_herder *h, conn *c, size_t i);
/* Destroys c, which is out of the table; a starting c is only stopped and
 * marked removed: its starter frees it. */
void herder_conn_destroy(trib_herder *h, conn *c);
json_t *herder_info_json(const conn *c);
json_t *herder_status_json(trib_herder *h, const conn *c);
/* Validates a full config for name (sets "name"); NULL with err if bad. No lock needed. */
const trib_connector_plugin *herder_validate_for_write(trib_herder *h, const char *name, trib_props *config,
                                                       trib_error *err);
void herder_restore_hidden(trib_props *config, const trib_props *old);
/* Adds a new conn to the table (takes ownership of config). */
conn *herder_add(trib_herder *h, const char *name, trib_props *config, const trib_connector_plugin *plugin,
                 trib_target_state target);
/* Removes c from the table and destroys it. */
void herder_remove(trib_herder *h, conn *c);
/* Sizes this worker's share of tenants' rate quotas from a placement
 * (herder_tenant_share.c); h->lock held. */
void herder_apply_tenant_shares(trib_herder *h, const json_t *placement);

/* Restarts this worker's FAILED tasks of c after an exponential backoff
 * (tributary.task.auto.restart); reconcile then starts them again. */
void herder_auto_restart(trib_herder *h, conn *c);

/* ---- distributed mode (herder_cluster.c) ---- */

typedef struct herder_cluster_spec {
    const char *group_id;
    const char *config_topic;
    int config_replication;
    const char *status_topic;
    int status_partitions;
    int status_replication;
    const char *offsets_topic;     /* for exactly-once source tasks */
    bool exactly_once_source;
    int coordination_partitions;
    int64_t rebalance_delay_ms;    /* scheduled.rebalance.max.delay.ms */
    /* group membership timing, defaults applied (the worker's, not librdkafka's) */
    int64_t session_timeout_ms, heartbeat_interval_ms, rebalance_timeout_ms;
} herder_cluster_spec;

/* Joins the cluster: reads the config and status topics to their end and
 * joins the worker group. */
int herder_cluster_start(trib_herder *h, const herder_cluster_spec *spec, trib_error *err);
/* Stops local work and leaves the group at once. */
void herder_cluster_stop(trib_herder *h);
/* One step of the herder thread: apply placement, run leader duties. */
void herder_cluster_tick(trib_herder *h);

/* Distributed write paths behind the REST API (called without h->lock). */
json_t *herder_cluster_put(trib_herder *h, const char *name, const trib_props *config, bool allow_existing,
                           trib_target_state initial, bool *created, trib_error *err);
int herder_cluster_delete(trib_herder *h, const char *name, trib_error *err);
int herder_cluster_set_target(trib_herder *h, const char *name, trib_target_state s, trib_error *err);
int herder_cluster_restart(trib_herder *h, const char *name, bool include_tasks, bool only_failed, int task,
                           trib_error *err);
/* Connector / task state from the status topic (new reference). */
json_t *herder_cluster_status(trib_herder *h, const conn *c);
json_t *herder_cluster_task_status(trib_herder *h, const conn *c, size_t i);
/* Active topics from the status topic: adds the connector's to set. */
void herder_cluster_topics(trib_herder *h, const conn *c, json_t *set);
/* Rebalance figures of the worker group (new object; see trib_herder_metrics). */
json_t *herder_cluster_rebalance_json(trib_herder *h);
/* Tombstones the connector's active topics; local tasks forget theirs.
 * Caller holds h->lock. */
void herder_cluster_reset_topics(trib_herder *h, conn *c);

#endif
