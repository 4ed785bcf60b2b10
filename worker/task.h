/*
 * task.h: a running connector task: one thread per task, as in Kafka
 * Connect's WorkerTask. The owner (the worker) starts, pauses and stops it
 * and reads its state; the thread runs the source or sink loop
 * (source_task.c, sink_task.c).
 */
#ifndef TRIB_WORKER_TASK_H
#define TRIB_WORKER_TASK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "common/error.h"
#include "common/props.h"
#include "worker/connector.h"
#include "worker/offset_store.h"

typedef enum trib_state {
    TRIB_STATE_UNASSIGNED,
    TRIB_STATE_RUNNING,
    TRIB_STATE_PAUSED,
    TRIB_STATE_FAILED,
    TRIB_STATE_STOPPED,
    TRIB_STATE_RESTARTING,
} trib_state;

const char *trib_state_name(trib_state s);   /* "RUNNING", ... */

/* Called from the task's thread on every state change (trace only for FAILED). */
typedef void (*trib_task_listener_fn)(void *opaque, const char *connector, int task_id,
                                      trib_state state, const char *trace);

typedef struct trib_task_spec {
    const char *connector;
    int task_id;
    const trib_connector_plugin *plugin;
    const trib_props *config;        /* the task's merged config (copied) */
    const trib_props *worker_props;  /* copied */
    trib_offset_store *offsets;      /* borrowed; must outlive the task */
    struct trib_file_status *files;  /* spool-directory file status (worker/file_status.h); borrowed; may be NULL */
    bool start_paused;
    /* Exactly-once source (exactly.once.source.support=enabled): the
     * offsets topic written inside each transaction, the task's
     * transactional.id, and a call that makes the offset store catch up
     * with the topic once the previous instance is fenced. NULL = off. */
    const char *eos_offsets_topic;
    const char *transactional_id;
    int (*sync_offsets)(void *opaque, trib_error *err);
    void *sync_opaque;
    /* Distributed mode: false while this worker may have lost its place in
     * the group; the loop then holds its work (no poll, no put). */
    bool (*lease)(void *opaque);
    void *lease_opaque;
    trib_task_listener_fn listener;  /* optional */
    void *listener_opaque;
} trib_task_spec;

typedef struct trib_task trib_task;

/* Starts the task's thread. Setup errors that show up later (bad converter
 * settings, unreachable database) put the task in FAILED instead. */
trib_task *trib_task_start(const trib_task_spec *spec, trib_error *err);

void trib_task_set_paused(trib_task *t, bool paused);

/* Current state; *trace (if trace != NULL) gets a malloc'd copy of the
 * failure trace or NULL. */
trib_state trib_task_state(trib_task *t, char **trace);

/* Asks the task to stop without waiting (to stop many tasks in parallel
 * before waiting for each with trib_task_stop). */
void trib_task_request_stop(trib_task *t);

/* Waits up to timeout_ms for the task's thread to finish (after a stop
 * request); true once it has. The owner's reference stays: free it with
 * trib_task_stop. */
bool trib_task_wait(trib_task *t, int64_t timeout_ms);

/* Forgets the active topics seen so far (PUT .../topics/reset). */
void trib_task_reset_topics(trib_task *t);

/* Asks the task to stop and waits up to timeout_ms (task.shutdown.graceful
 * .timeout.ms) for it to flush and exit. Frees the task either way; returns
 * false if the thread did not finish in time and was abandoned (it frees
 * itself when it ends). */
bool trib_task_stop(trib_task *t, int64_t timeout_ms);

/* Topics the task has produced to or consumed from since it started, as a
 * new JSON array of strings (Connect's active topics). */
json_t *trib_task_topics(trib_task *t);

/* Records processed since start (polled for sources, put for sinks), for
 * metrics and tests. */
int64_t trib_task_record_count(trib_task *t);

/* Per-task counters for metrics (metrics/, docs/metrics.md), Kafka
 * Connect's source-task, sink-task, connector-task and task-error groups.
 * Only the task's own thread writes them (trib_task_count), once per batch
 * where it can, with relaxed atomics and no read-modify-write: the hot
 * path pays a plain add and store, no lock and no locked instruction. A
 * scrape reads them with relaxed loads; it may see one counter a batch
 * ahead of another, which a monotonic counter tolerates. Times are in
 * microseconds. */
typedef struct trib_task_counters {
    atomic_llong poll_total;        /* source: records returned by poll() */
    atomic_llong write_total;       /* source: records acknowledged by Kafka */
    atomic_llong read_total;        /* sink: records read from Kafka */
    atomic_llong send_total;        /* sink: records handed to put() and accepted */
    atomic_llong bytes_total;       /* key+value bytes produced (source) or consumed (sink) */
    atomic_llong batches, batch_us_sum, batch_us_max;     /* sink put() / source poll() calls */
    atomic_llong commits, commit_us_sum, commit_us_max;   /* offset commits */
    atomic_llong lag_max;           /* sink: records behind the end of the partition, last batch */
    atomic_llong record_failures;   /* failed attempts (retries included) */
    atomic_llong record_errors;     /* records that reached the error handler */
    atomic_llong records_skipped;   /* records dropped by errors.tolerance=all */
    atomic_llong retries;
    atomic_llong dlq_requests, dlq_failures;
    atomic_llong last_error_ms;     /* wall clock of the last record error, 0 = none */
    atomic_llong client_bytes;      /* librdkafka's statistics: bytes the task's producer sent
                                     * (tx_bytes) or its consumer received (rx_bytes) */
} trib_task_counters;

/* librdkafka statistics.interval.ms for task clients: their byte totals
 * (client_bytes) are that fresh. A few KB of JSON parsed per interval. */
#define TRIB_TASK_STATS_INTERVAL "10000"

/* A statistics callback's JSON: stores its top-level `field` ("tx_bytes"
 * or "rx_bytes") in c->client_bytes. On the task's thread (librdkafka
 * serves the callback from the task's poll). */
void trib_task_client_stats(trib_task_counters *c, const char *json, size_t len, const char *field);

/* The task's counters (borrowed; valid while the task is). */
const trib_task_counters *trib_task_counters_of(const trib_task *t);

/* Adds n to a counter. For the task's own thread only (single writer). */
static inline void trib_task_count(atomic_llong *c, long long n) {
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n, memory_order_relaxed);
}
/* Raises a maximum. Single writer, as trib_task_count. */
static inline void trib_task_count_max(atomic_llong *c, long long v) {
    if (v > atomic_load_explicit(c, memory_order_relaxed)) atomic_store_explicit(c, v, memory_order_relaxed);
}

#endif
