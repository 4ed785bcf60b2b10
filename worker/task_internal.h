/*
 * task_internal.h: what the source and sink loops share with task.c:
 * the task struct, its converters and transform chain, error handling
 * (errors.tolerance, logging, dead letter queue) and retry with backoff.
 * Not for use outside worker/.
 */
#ifndef TRIB_WORKER_TASK_INTERNAL_H
#define TRIB_WORKER_TASK_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "proto/converter.h"
#include "transforms/transform.h"
#include "worker/connector_config.h"
#include "worker/dlq.h"
#include "worker/task.h"
#include "tenants/guard.h"

struct trib_task {
    char *connector;
    int id;
    const trib_connector_plugin *plugin;
    trib_props *config;
    trib_props *worker_props;
    trib_offset_store *offsets;
    struct trib_file_status *files;   /* borrowed; may be NULL */
    trib_task_listener_fn listener;
    void *listener_opaque;
    bool (*lease)(void *opaque);
    void *lease_opaque;
    bool lease_lost;           /* task thread only: for logging once */
    char *eos_offsets_topic;   /* NULL unless exactly-once */
    char *transactional_id;
    int (*sync_offsets)(void *opaque, trib_error *err);
    void *sync_opaque;

    atomic_bool stop;
    atomic_bool paused;
    atomic_int refs;           /* owner + thread; the last one frees */
    atomic_llong records;
    trib_task_counters counters;  /* task.h; written by the task thread only */
    trib_tenant_guard *guard;  /* tenants/guard.h; NULL for admin connectors */

    pthread_mutex_t lock;      /* guards state, trace, done */
    pthread_cond_t done_cond;
    bool done;
    trib_state state;
    char *trace;

    /* set up on the task's thread */
    trib_converter *key_conv, *value_conv;
    trib_header_converter *header_conv;
    trib_transform_chain *chain;
    trib_error_policy policy;
    trib_dlq *dlq;
    char log_ctx[256];         /* "[connector:task]" */

    /* active topics: a set read by the herder; the loop skips the lock
     * while the topic is the same as the last one it noted */
    json_t *topics;            /* {"topic": true}, guarded by lock */
    char *last_topic;          /* task thread only */
    atomic_bool topics_reset;  /* tells the thread to drop last_topic */
};

void *trib_source_task_main(void *arg);
void *trib_sink_task_main(void *arg);

/* State changes, notifying the listener. */
void trib_task_set_state(trib_task *t, trib_state s, const char *trace);
void trib_task_fail(trib_task *t, const trib_error *err);

/* Converters, transform chain, error policy and DLQ from the config. */
int trib_task_setup_common(trib_task *t, trib_error *err);
void trib_task_teardown_common(trib_task *t);

/* The stages of Connect's error reporting. */
typedef enum trib_stage {
    TRIB_STAGE_KEY_CONVERTER,
    TRIB_STAGE_VALUE_CONVERTER,
    TRIB_STAGE_HEADER_CONVERTER,
    TRIB_STAGE_TRANSFORMATION,
    TRIB_STAGE_TASK_PUT,
    TRIB_STAGE_TASK_POLL,
    TRIB_STAGE_KAFKA_PRODUCE,
} trib_stage;
const char *trib_stage_name(trib_stage s);

/* Applies errors.tolerance to one failed record: logs it if asked, sends it
 * to the DLQ if configured. Returns 0 if the record is skipped and the task
 * goes on, -1 if the task must fail (errors.tolerance=none or the DLQ write
 * failed); err then holds the cause. raw_* are the record's Kafka bytes
 * (sink) or NULL; rec is the record as far as it got, or NULL. */
int trib_task_tolerate(trib_task *t, trib_stage stage, const trib_error *why, const char *topic,
                       int32_t partition, int64_t offset, const void *raw_key, size_t raw_key_len,
                       const void *raw_value, size_t raw_value_len, const trib_header *headers,
                       size_t nheaders, const trib_record *rec, trib_error *err);

/* A record trib_transform_chain_apply failed on: routed as the failing
 * transform asks (trib_transform_chain_failure: DLQ with its headers added,
 * or failing the task, whatever errors.tolerance says), else as
 * trib_task_tolerate does for the TRANSFORMATION stage. Same arguments and
 * result as trib_task_tolerate. */
int trib_task_transform_failed(trib_task *t, const trib_error *why, const char *topic, int32_t partition,
                               int64_t offset, const void *raw_key, size_t raw_key_len, const void *raw_value,
                               size_t raw_value_len, const trib_header *headers, size_t nheaders,
                               const trib_record *rec, trib_error *err);

/* Sleeps the backoff for attempt n (100 ms doubling, capped at max_ms, with
 * jitter), waking early on stop. Returns false if the task is stopping. */
bool trib_task_backoff(trib_task *t, int attempt, int64_t max_ms);

/* Notes a topic the task used (cheap when it is the same as the last). */
void trib_task_note_topic(trib_task *t, const char *topic);

/* Runs a converter call again while it fails with a retriable error
 * (backoff up to errors.retry.delay.max.ms, for errors.retry.timeout).
 * Returns the call's final result. */
typedef int (*trib_convert_fn)(void *arg, trib_error *err);
int trib_task_retry_convert(trib_task *t, trib_convert_fn fn, void *arg, trib_error *err);

/* False (logging once) while the worker's cluster lease is not valid. */
bool trib_task_lease_ok(trib_task *t);

static inline bool trib_task_stopping(trib_task *t) { return atomic_load(&t->stop); }

#endif
