/*
 * task.c: task lifecycle (thread start, pause, stop with a bounded wait)
 * and what the source and sink loops share: converters, transforms, error
 * tolerance and the dead letter queue.
 *
 * Ownership: the task struct is shared by its owner and its thread through
 * a count of two references. trib_task_stop drops the owner's; the thread
 * drops its own when the loop returns; whoever is last frees. That is what
 * lets a stop give up on a hung task (Connect's "graceful stop failed")
 * without leaking it or freeing it under the thread's feet.
 */
#include "worker/task_internal.h"
#include "common/log.h"
#include "common/time.h"
#include "common/util.h"
#include "tenants/outbound.h"
#include "worker/config_providers.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *trib_state_name(trib_state s) {
    switch (s) {
    case TRIB_STATE_UNASSIGNED: return "UNASSIGNED";
    case TRIB_STATE_RUNNING: return "RUNNING";
    case TRIB_STATE_PAUSED: return "PAUSED";
    case TRIB_STATE_FAILED: return "FAILED";
    case TRIB_STATE_STOPPED: return "STOPPED";
    case TRIB_STATE_RESTARTING: return "RESTARTING";
    }
    return "UNASSIGNED";
}

const char *trib_stage_name(trib_stage s) {
    switch (s) {
    case TRIB_STAGE_KEY_CONVERTER: return "KEY_CONVERTER";
    case TRIB_STAGE_VALUE_CONVERTER: return "VALUE_CONVERTER";
    case TRIB_STAGE_HEADER_CONVERTER: return "HEADER_CONVERTER";
    case TRIB_STAGE_TRANSFORMATION: return "TRANSFORMATION";
    case TRIB_STAGE_TASK_PUT: return "TASK_PUT";
    case TRIB_STAGE_TASK_POLL: return "TASK_POLL";
    case TRIB_STAGE_KAFKA_PRODUCE: return "KAFKA_PRODUCE";
    }
    return "UNKNOWN";
}

static void task_free(trib_task *t) {
    trib_props_destroy(t->config);
    trib_props_destroy(t->worker_props);
    free(t->connector);
    free(t->trace);
    free(t->last_topic);
    free(t->eos_offsets_topic);
    free(t->transactional_id);
    json_decref(t->topics);
    pthread_mutex_destroy(&t->lock);
    pthread_cond_destroy(&t->done_cond);
    free(t);
}

static void task_unref(trib_task *t) {
    if (atomic_fetch_sub(&t->refs, 1) == 1) task_free(t);
}

static void *task_thread(void *arg) {
    trib_task *t = arg;
    /* A task thread would otherwise inherit the name of the thread that
     * started it (a REST or herder thread): name it after the task so
     * top -H, perf and gdb show which task is busy. Linux allows 15 bytes. */
    char name[16];
    snprintf(name, sizeof name, "t:%d:%s", t->id, t->connector);
    pthread_setname_np(pthread_self(), name);
    if (t->plugin->kind == TRIB_CONNECTOR_SOURCE) trib_source_task_main(t);
    else trib_sink_task_main(t);
    pthread_mutex_lock(&t->lock);
    t->done = true;
    pthread_cond_broadcast(&t->done_cond);
    pthread_mutex_unlock(&t->lock);
    task_unref(t);
    return NULL;
}

trib_task *trib_task_start(const trib_task_spec *spec, trib_error *err) {
    if ((spec->plugin->kind == TRIB_CONNECTOR_SOURCE && !spec->plugin->source) ||
        (spec->plugin->kind == TRIB_CONNECTOR_SINK && !spec->plugin->sink)) {
        trib_error_set(err, TRIB_ERR_INTERNAL, "plugin %s has no task implementation", spec->plugin->class_name);
        return NULL;
    }
    trib_task *t = trib_xcalloc(1, sizeof *t);
    t->connector = trib_xstrdup(spec->connector);
    t->id = spec->task_id;
    t->plugin = spec->plugin;
    t->config = trib_props_clone(spec->config);
    t->worker_props = trib_props_clone(spec->worker_props);
    t->offsets = spec->offsets;
    t->files = spec->files;
    t->listener = spec->listener;
    t->listener_opaque = spec->listener_opaque;
    t->lease = spec->lease;
    t->lease_opaque = spec->lease_opaque;
    t->eos_offsets_topic = trib_xstrdup(spec->eos_offsets_topic);
    t->transactional_id = trib_xstrdup(spec->transactional_id);
    t->sync_offsets = spec->sync_offsets;
    t->sync_opaque = spec->sync_opaque;
    atomic_init(&t->stop, false);
    atomic_init(&t->paused, spec->start_paused);
    atomic_init(&t->refs, 2);
    atomic_init(&t->records, 0);
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->done_cond, NULL);
    t->state = TRIB_STATE_UNASSIGNED;
    t->topics = json_object();
    snprintf(t->log_ctx, sizeof t->log_ctx, "[%s:%d]", t->connector, t->id);

    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t th;
    int rc = pthread_create(&th, &attr, task_thread, t);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        trib_error_set(err, TRIB_ERR_INTERNAL, "cannot start thread for task %s: %s", t->log_ctx, strerror(rc));
        task_free(t);
        return NULL;
    }
    return t;
}

void trib_task_set_paused(trib_task *t, bool paused) {
    atomic_store(&t->paused, paused);
}

trib_state trib_task_state(trib_task *t, char **trace) {
    pthread_mutex_lock(&t->lock);
    trib_state s = t->state;
    if (trace) *trace = t->trace ? trib_xstrdup(t->trace) : NULL;
    pthread_mutex_unlock(&t->lock);
    return s;
}

int64_t trib_task_record_count(trib_task *t) {
    return atomic_load(&t->records);
}

const trib_task_counters *trib_task_counters_of(const trib_task *t) {
    return &t->counters;
}

void trib_task_client_stats(trib_task_counters *c, const char *json, size_t len, const char *field) {
    json_t *j = json_loadb(json, len, 0, NULL);
    json_t *v = json_object_get(j, field);
    if (json_is_integer(v)) atomic_store_explicit(&c->client_bytes, json_integer_value(v), memory_order_relaxed);
    json_decref(j);
}

void trib_task_request_stop(trib_task *t) {
    atomic_store(&t->stop, true);
}

void trib_task_reset_topics(trib_task *t) {
    pthread_mutex_lock(&t->lock);
    json_object_clear(t->topics);
    pthread_mutex_unlock(&t->lock);
    /* last_topic is the thread's cache; a stale one only delays noting a
     * topic until the task switches topics, so reset it lazily there */
    atomic_store(&t->topics_reset, true);
}

bool trib_task_wait(trib_task *t, int64_t timeout_ms) {
    struct timespec deadline = trib_deadline_in(CLOCK_REALTIME, timeout_ms);
    pthread_mutex_lock(&t->lock);
    int rc = 0;
    while (!t->done && rc != ETIMEDOUT) rc = pthread_cond_timedwait(&t->done_cond, &t->lock, &deadline);
    bool finished = t->done;
    pthread_mutex_unlock(&t->lock);
    return finished;
}

bool trib_task_stop(trib_task *t, int64_t timeout_ms) {
    if (!t) return true;
    atomic_store(&t->stop, true);
    bool finished = trib_task_wait(t, timeout_ms);
    if (!finished)
        TRIB_ERROR("worker", "%s graceful stop failed: still running after %lld ms; abandoning it",
                   t->log_ctx, (long long)timeout_ms);
    task_unref(t);
    return finished;
}

void trib_task_note_topic(trib_task *t, const char *topic) {
    if (atomic_exchange(&t->topics_reset, false)) {
        free(t->last_topic);
        t->last_topic = NULL;
    }
    if (!topic || (t->last_topic && strcmp(t->last_topic, topic) == 0)) return;
    free(t->last_topic);
    t->last_topic = trib_xstrdup(topic);
    pthread_mutex_lock(&t->lock);
    json_object_set_new(t->topics, topic, json_true());
    pthread_mutex_unlock(&t->lock);
}

json_t *trib_task_topics(trib_task *t) {
    json_t *arr = json_array();
    pthread_mutex_lock(&t->lock);
    const char *k;
    json_t *v;
    json_object_foreach(t->topics, k, v) json_array_append_new(arr, json_string(k));
    pthread_mutex_unlock(&t->lock);
    return arr;
}

void trib_task_set_state(trib_task *t, trib_state s, const char *trace) {
    pthread_mutex_lock(&t->lock);
    bool changed = t->state != s;
    t->state = s;
    free(t->trace);
    t->trace = trace ? trib_xstrdup(trace) : NULL;
    pthread_mutex_unlock(&t->lock);
    if (changed) {
        TRIB_INFO("worker", "%s task is %s", t->log_ctx, trib_state_name(s));
        if (t->listener) t->listener(t->listener_opaque, t->connector, t->id, s, trace);
    }
}

void trib_task_fail(trib_task *t, const trib_error *err) {
    TRIB_ERROR("worker", "%s task failed: %s", t->log_ctx, err->msg);
    trib_task_set_state(t, TRIB_STATE_FAILED, err->msg);
}

/* The class (or alias) and settings of a converter key: the connector's
 * override or else the worker's; *cls NULL when neither sets it. The
 * caller destroys the returned settings. */
static trib_props *converter_settings(trib_task *t, const char *key, const char **cls_out) {
    const char *cls = trib_props_get(t->config, key);
    const trib_props *src = t->config;
    if (!cls || !*cls) {
        cls = trib_props_get(t->worker_props, key);
        src = t->worker_props;
    }
    *cls_out = cls && *cls ? cls : NULL;
    char prefix[64];
    snprintf(prefix, sizeof prefix, "%s.", key);
    trib_props *cc = trib_props_subset(src, prefix);
    /* Always the runtime's value: a config cannot pose as another connector
     * (converters that connect out apply the tenants' outbound policy). */
    trib_props_set(cc, TRIB_CONVERTER_CONNECTOR_KEY, t->connector);
    return cc;
}

/* A converter from the connector's override or else the worker's setting. */
static trib_converter *make_converter(trib_task *t, const char *key, bool is_key, trib_error *err) {
    const char *cls;
    trib_props *cc = converter_settings(t, key, &cls);
    if (!cls) {
        trib_props_destroy(cc);
        trib_error_set(err, TRIB_ERR_INVALID, "%s is not set for the connector nor the worker", key);
        return NULL;
    }
    trib_converter *c = trib_converter_new(cls, cc, is_key, err);
    trib_props_destroy(cc);
    if (!c) trib_error_prefix(err, "%s", key);
    return c;
}

int trib_task_setup_common(trib_task *t, trib_error *err) {
    /* the task's own copy gets the secrets its references stand for; the
     * stored task config keeps the references (tenants' are never
     * resolved: config_providers.h) */
    if (!trib_outbound_is_tenant(t->connector) && trib_config_resolve(t->config, err) < 0) return -1;
    t->guard = trib_tenant_guard_open(t->connector, err);
    if (!t->guard && err->code != TRIB_OK) return -1;
    if (trib_error_policy_load(t->config, &t->policy, err) < 0) return -1;
    t->key_conv = make_converter(t, "key.converter", true, err);
    if (!t->key_conv) return -1;
    t->value_conv = make_converter(t, "value.converter", false, err);
    if (!t->value_conv) return -1;
    /* header.converter: Connect's default when neither config sets it */
    const char *hcls;
    trib_props *hc = converter_settings(t, "header.converter", &hcls);
    t->header_conv = trib_header_converter_new(hcls ? hcls : TRIB_SIMPLE_HEADER_CONVERTER, hc, err);
    trib_props_destroy(hc);
    if (!t->header_conv) return trib_error_prefix(err, "header.converter");
    t->chain = trib_transform_chain_new(t->config, err);
    if (!t->chain) return -1;
    /* A transform that routes its own failures to the DLQ (Validate with
     * on.failure=dlq) needs the producer whatever errors.tolerance says. */
    if (t->policy.dlq_topic && (t->policy.tolerate_all || trib_transform_chain_needs_dlq(t->chain))) {
        t->dlq = trib_dlq_new(t->policy.dlq_topic, t->policy.dlq_replication_factor,
                              t->policy.dlq_context_headers, t->worker_props, t->config, t->connector,
                              t->id, err);
        if (!t->dlq) return -1;
    }
    if (t->policy.dlq_topic && trib_tenant_guard_check_topic(t->guard, t->policy.dlq_topic, err) < 0) return -1;
    return 0;
}

void trib_task_teardown_common(trib_task *t) {
    trib_tenant_guard_close(t->guard);
    t->guard = NULL;
    trib_dlq_destroy(t->dlq);
    t->dlq = NULL;
    trib_transform_chain_destroy(t->chain);
    t->chain = NULL;
    trib_converter_destroy(t->key_conv);
    trib_converter_destroy(t->value_conv);
    t->key_conv = t->value_conv = NULL;
    trib_header_converter_destroy(t->header_conv);
    t->header_conv = NULL;
    trib_error_policy_free(&t->policy);
}

static const char *stage_class(trib_task *t, trib_stage stage) {
    switch (stage) {
    case TRIB_STAGE_KEY_CONVERTER: return t->key_conv ? t->key_conv->plugin->class_name : NULL;
    case TRIB_STAGE_VALUE_CONVERTER: return t->value_conv ? t->value_conv->plugin->class_name : NULL;
    case TRIB_STAGE_HEADER_CONVERTER: return t->header_conv ? trib_header_converter_name(t->header_conv) : NULL;
    default: return t->plugin->class_name;
    }
}

/* A source record has no Kafka bytes yet: the DLQ gets its value as
 * Connect JSON with the schema envelope, so nothing about it is lost. */
static char *record_as_json(const trib_record *rec, size_t *len) {
    if (!rec) return NULL;
    trib_props *p = trib_props_new();
    trib_props_set(p, "schemas.enable", "true");
    trib_converter *jc = trib_converter_new("org.apache.kafka.connect.json.JsonConverter", p, false, NULL);
    trib_props_destroy(p);
    if (!jc) return NULL;
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    bool is_null = false;
    char *out = NULL;
    if (jc->plugin->from_connect(jc->ctx, rec->topic, rec->value_schema, rec->value, &sb, &is_null, NULL) == 0 &&
        !is_null) {
        *len = sb.len;
        out = trib_strbuf_take(&sb);
    }
    trib_strbuf_free(&sb);
    trib_converter_destroy(jc);
    return out;
}

static int send_to_dlq(trib_task *t, trib_stage stage, const trib_error *why, const char *topic,
                       int32_t partition, int64_t offset, const void *raw_key, size_t raw_key_len,
                       const void *raw_value, size_t raw_value_len, const trib_header *headers, size_t nheaders,
                       const trib_record *rec, trib_error *err);

int trib_task_tolerate(trib_task *t, trib_stage stage, const trib_error *why, const char *topic,
                       int32_t partition, int64_t offset, const void *raw_key, size_t raw_key_len,
                       const void *raw_value, size_t raw_value_len, const trib_header *headers,
                       size_t nheaders, const trib_record *rec, trib_error *err) {
    trib_task_count(&t->counters.record_failures, 1);
    trib_task_count(&t->counters.record_errors, 1);
    atomic_store_explicit(&t->counters.last_error_ms, trib_now_ms(), memory_order_relaxed);
    if (t->policy.log_errors || !t->policy.tolerate_all) {
        if (t->policy.log_messages && raw_value)
            TRIB_ERROR("worker", "%s error in stage %s for %s-%d@%lld: %s (value: %.*s)", t->log_ctx,
                       trib_stage_name(stage), topic ? topic : "?", partition, (long long)offset, why->msg,
                       (int)(raw_value_len > 512 ? 512 : raw_value_len), (const char *)raw_value);
        else
            TRIB_ERROR("worker", "%s error in stage %s for %s-%d@%lld: %s", t->log_ctx, trib_stage_name(stage),
                       topic ? topic : "?", partition, (long long)offset, why->msg);
    }
    if (!t->policy.tolerate_all) {
        trib_error_set(err, TRIB_ERR_FATAL, "Tolerance exceeded in error handler: stage %s: %s",
                       trib_stage_name(stage), why->msg);
        return -1;
    }
    trib_task_count(&t->counters.records_skipped, 1);
    if (!t->dlq) return 0;
    return send_to_dlq(t, stage, why, topic, partition, offset, raw_key, raw_key_len, raw_value, raw_value_len,
                       headers, nheaders, rec, err);
}

int trib_task_transform_failed(trib_task *t, const trib_error *why, const char *topic, int32_t partition,
                               int64_t offset, const void *raw_key, size_t raw_key_len, const void *raw_value,
                               size_t raw_value_len, const trib_header *headers, size_t nheaders,
                               const trib_record *rec, trib_error *err) {
    const trib_transform_failure *f = trib_transform_chain_failure(t->chain);
    if (!f || f->route == TRIB_ROUTE_TOLERANCE)
        return trib_task_tolerate(t, TRIB_STAGE_TRANSFORMATION, why, topic, partition, offset, raw_key,
                                  raw_key_len, raw_value, raw_value_len, headers, nheaders, rec, err);
    /* Routed records are the transform's normal business: logged per
     * record only with errors.log.enable, as tolerated errors are. */
    if (t->policy.log_errors || f->route == TRIB_ROUTE_FAIL)
        TRIB_ERROR("worker", "%s error in stage TRANSFORMATION for %s-%d@%lld: %s", t->log_ctx,
                   topic ? topic : "?", partition, (long long)offset, why->msg);
    if (f->route == TRIB_ROUTE_FAIL || !t->dlq)
        return trib_error_set(err, TRIB_ERR_FATAL, "stage TRANSFORMATION: %s", why->msg);
    /* The record's own headers, then the transform's (the rule that failed). */
    trib_header *all = trib_xcalloc(nheaders + f->nheaders + 1, sizeof *all);
    if (nheaders) memcpy(all, headers, nheaders * sizeof *all);
    if (f->nheaders) memcpy(all + nheaders, f->headers, f->nheaders * sizeof *all);
    int rc = send_to_dlq(t, TRIB_STAGE_TRANSFORMATION, why, topic, partition, offset, raw_key, raw_key_len,
                         raw_value, raw_value_len, all, nheaders + f->nheaders, rec, err);
    free(all);
    return rc;
}

/* Writes one failed record to the DLQ; a source record (no raw bytes) as
 * Connect JSON. */
static int send_to_dlq(trib_task *t, trib_stage stage, const trib_error *why, const char *topic,
                       int32_t partition, int64_t offset, const void *raw_key, size_t raw_key_len,
                       const void *raw_value, size_t raw_value_len, const trib_header *headers, size_t nheaders,
                       const trib_record *rec, trib_error *err) {
    trib_task_count(&t->counters.dlq_requests, 1);
    char *json = NULL;
    size_t json_len = 0;
    if (!raw_value && !raw_key && rec) {
        json = record_as_json(rec, &json_len);
        raw_value = json;
        raw_value_len = json_len;
    }
    trib_dlq_entry e = {
        .stage = trib_stage_name(stage), .topic = topic, .partition = partition, .offset = offset,
        .key = raw_key, .key_len = raw_key_len, .value = raw_value, .value_len = raw_value_len,
        .headers = headers, .nheaders = nheaders, .class_name = stage_class(t, stage), .why = why,
    };
    int rc = trib_dlq_send(t->dlq, &e, err);
    if (rc < 0) trib_task_count(&t->counters.dlq_failures, 1);
    free(json);
    return rc;
}

bool trib_task_lease_ok(trib_task *t) {
    if (!t->lease || t->lease(t->lease_opaque)) {
        if (t->lease_lost) TRIB_INFO("worker", "%s cluster lease valid again", t->log_ctx);
        t->lease_lost = false;
        return true;
    }
    if (!t->lease_lost) TRIB_WARN("worker", "%s lease expired: holding work until the worker rejoins", t->log_ctx);
    t->lease_lost = true;
    return false;
}

/* Milliseconds of the coarse monotonic clock: retry windows need no more
 * than its few-ms resolution. */
static int64_t coarse_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int trib_task_retry_convert(trib_task *t, trib_convert_fn fn, void *arg, trib_error *err) {
    if (fn(arg, err) == 0) return 0;   /* the common case reads no clock */
    int64_t start = coarse_ms();
    for (int attempt = 0;; attempt++) {
        if (attempt > 0 && fn(arg, err) == 0) return 0;
        if (!trib_error_is_retriable(err)) return -1;
        int64_t limit = t->policy.retry_timeout_ms;
        if (limit == 0 || (limit > 0 && coarse_ms() - start >= limit)) return -1;
        if (attempt == 0 || attempt % 10 == 0)
            TRIB_WARN("worker", "%s retriable conversion error, retrying: %s", t->log_ctx, err->msg);
        if (!trib_task_backoff(t, attempt, t->policy.retry_delay_max_ms)) return -1;
        trib_task_count(&t->counters.record_failures, 1);   /* the attempt that is retried */
        trib_task_count(&t->counters.retries, 1);
    }
}

bool trib_task_backoff(trib_task *t, int attempt, int64_t max_ms) {
    /* max_ms comes from a connector config (any int64): cap it so the
     * doubling, the jitter's int and the deadline below cannot overflow. */
    if (max_ms > INT32_MAX / 2) max_ms = INT32_MAX / 2;
    if (max_ms < 0) max_ms = 0;
    int64_t delay = 100;
    for (int i = 0; i < attempt && delay < max_ms; i++) delay *= 2;
    if (delay > max_ms) delay = max_ms;
    delay = delay / 2 + (int64_t)(rand() % (int)(delay / 2 + 1));  /* jitter */
    int64_t until = trib_mono_ms() + delay;
    while (trib_mono_ms() < until) {
        if (trib_task_stopping(t)) return false;
        trib_sleep_ms(until - trib_mono_ms() > 50 ? 50 : until - trib_mono_ms());
    }
    return !trib_task_stopping(t);
}
