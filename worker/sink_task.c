/*
 * sink_task.c: the sink task loop (Kafka Connect's WorkerSinkTask):
 * consume in the connector's group (connect-<name>), convert, transform,
 * put() into the sink, and commit consumer offsets only after flush() says
 * the sink has made them durable.
 *
 * Everything that touches the consumer happens on this thread, including
 * the rebalance callback (librdkafka calls it from consumer_poll), so the
 * task's open/close/flush and the loop never race. Requests a task makes
 * through its context (pause, resume, seek, commit) are applied after each
 * callback returns.
 *
 * Offsets tracked per partition are "next offset to consume" of records
 * that put() accepted (or that were tolerated into the DLQ).
 */
#include "worker/task_internal.h"
#include "common/log.h"
#include "common/time.h"
#include "common/util.h"
#include "worker/join_gate.h"
#include "worker/kafka_client.h"
#include "worker/task_context.h"
#include "worker/topic_regex.h"
#include "worker/worker_config.h"

#include <librdkafka/rdkafka.h>
#include <stdlib.h>
#include <string.h>

typedef struct sink_loop {
    trib_task *t;
    rd_kafka_t *rk;
    void *ctx;
    trib_sink_task_context *tctx;
    rd_kafka_topic_partition_list_t *assigned;  /* current assignment */
    rd_kafka_topic_partition_list_t *pending;   /* next offsets to commit */
    bool failed;          /* a callback failed inside the rebalance callback */
    unsigned rebalances;  /* rebalance callbacks so far (see the poll loop) */
    trib_error fail_err;
    bool paused_all;      /* paused because of target state PAUSED */
    atomic_bool ever_assigned;  /* polled faster until the first assignment */
    bool closing;         /* assignments now are not opened in the task */
    bool subscribed;      /* a topics.regex subscription is in place (topic_regex.h) */
    trib_join_gate *gate; /* sibling tasks join one after the other (join_gate.h) */
    int max_batch;
    trib_topic_regex *regex;   /* topics.regex, resolved from metadata (topic_regex.h) */
    int64_t regex_next_ms;     /* next refresh of its topic list */
    int64_t regex_interval_ms; /* metadata.max.age.ms */
} sink_loop;

static trib_topic_partition *to_tps(const rd_kafka_topic_partition_list_t *l, size_t *n) {
    trib_topic_partition *tps = trib_xcalloc(l->cnt ? (size_t)l->cnt : 1, sizeof *tps);
    for (int i = 0; i < l->cnt; i++) {
        tps[i].topic = l->elems[i].topic;   /* borrowed from the list */
        tps[i].partition = l->elems[i].partition;
        tps[i].offset = l->elems[i].offset;
    }
    *n = (size_t)l->cnt;
    return tps;
}

static void fail_in_callback(sink_loop *l, const trib_error *err) {
    if (l->failed) return;
    l->failed = true;
    l->fail_err = *err;
}

/* Applies what the task asked for through its context. */
static void apply_requests(sink_loop *l) {
    size_t n;
    trib_sink_request *reqs = trib_sink_task_context_take_requests(l->tctx, &n);
    for (size_t i = 0; i < n; i++) {
        rd_kafka_topic_partition_list_t *one = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_t *p = rd_kafka_topic_partition_list_add(one, reqs[i].tp.topic, reqs[i].tp.partition);
        switch (reqs[i].kind) {
        case TRIB_SINK_REQ_PAUSE: rd_kafka_pause_partitions(l->rk, one); break;
        case TRIB_SINK_REQ_RESUME: rd_kafka_resume_partitions(l->rk, one); break;
        case TRIB_SINK_REQ_SEEK: {
            p->offset = reqs[i].tp.offset;
            rd_kafka_error_t *e = rd_kafka_seek_partitions(l->rk, one, 5000);
            if (e) {
                TRIB_WARN("worker", "%s seek %s-%d to %lld failed: %s", l->t->log_ctx, reqs[i].tp.topic,
                          reqs[i].tp.partition, (long long)reqs[i].tp.offset, rd_kafka_error_string(e));
                rd_kafka_error_destroy(e);
            }
            /* records before the seek point no longer count as consumed */
            rd_kafka_topic_partition_t *pp = rd_kafka_topic_partition_list_find(l->pending, reqs[i].tp.topic,
                                                                                reqs[i].tp.partition);
            if (pp) pp->offset = RD_KAFKA_OFFSET_INVALID;
            break;
        }
        }
        rd_kafka_topic_partition_list_destroy(one);
    }
    trib_sink_requests_free(reqs, n);
}

/* flush() then commit the pending offsets of the partitions in `which`
 * (NULL = all). Returns -1 with err on failure. The task loop's periodic
 * commits are asynchronous: librdkafka holds a commit back while the group
 * rebalances, and a synchronous one would stop the task's delivery for the
 * whole rebalance, which after a kill -9 lasts until the dead member's
 * session expires; the data is already flushed, so a commit that then
 * fails only means the next owner reads a little again (at least once; an
 * exactly-once sink resumes from its own stored offsets). Commits for
 * revoked partitions and at the end stay synchronous: the next owner must
 * see them. */
static int flush_and_commit(sink_loop *l, const rd_kafka_topic_partition_list_t *which, bool async,
                            trib_error *err) {
    trib_task *t = l->t;
    rd_kafka_topic_partition_list_t *commit = rd_kafka_topic_partition_list_new(l->pending->cnt + 1);
    for (int i = 0; i < l->pending->cnt; i++) {
        rd_kafka_topic_partition_t *p = &l->pending->elems[i];
        if (p->offset < 0) continue;
        if (which && !rd_kafka_topic_partition_list_find(which, p->topic, p->partition)) continue;
        rd_kafka_topic_partition_list_add(commit, p->topic, p->partition)->offset = p->offset;
    }
    if (commit->cnt == 0) {
        rd_kafka_topic_partition_list_destroy(commit);
        return 0;
    }
    if (t->plugin->sink->flush) {
        size_t n;
        trib_topic_partition *tps = to_tps(commit, &n);
        int rc = -1;
        for (int attempt = 0;; attempt++) {
            rc = t->plugin->sink->flush(l->ctx, tps, n, err);
            if (rc == 0 || !trib_error_is_retriable(err)) break;
            TRIB_WARN("worker", "%s flush failed, retrying: %s", t->log_ctx, err->msg);
            if (!trib_task_backoff(t, attempt, t->policy.retry_delay_max_ms)) break;
        }
        free(tps);
        if (rc < 0) {
            rd_kafka_topic_partition_list_destroy(commit);
            return trib_error_prefix(err, "flush");
        }
    }
    rd_kafka_resp_err_t e = rd_kafka_commit(l->rk, commit, async ? 1 : 0);
    rd_kafka_topic_partition_list_destroy(commit);
    if (e) {
        /* A commit refused after a rebalance (we were fenced) or while the
         * coordinator moves is not fatal: the sink already has the data
         * and the new owner resumes from the last committed offset. */
        TRIB_WARN("worker", "%s offset commit failed: %s", t->log_ctx, rd_kafka_err2str(e));
        return 0;
    }
    for (int i = 0; i < l->pending->cnt; i++)
        if (!which || rd_kafka_topic_partition_list_find(which, l->pending->elems[i].topic,
                                                         l->pending->elems[i].partition))
            l->pending->elems[i].offset = RD_KAFKA_OFFSET_INVALID;
    return 0;
}

/* Whether some consumed records are not yet flushed and committed. */
static bool has_pending(const sink_loop *l) {
    for (int i = 0; i < l->pending->cnt; i++)
        if (l->pending->elems[i].offset >= 0) return true;
    return false;
}

static void list_remove_all(rd_kafka_topic_partition_list_t *from, const rd_kafka_topic_partition_list_t *what) {
    for (int i = 0; i < what->cnt; i++)
        rd_kafka_topic_partition_list_del(from, what->elems[i].topic, what->elems[i].partition);
}

/* Whether the group runs the cooperative protocol (incremental assign and
 * revoke) rather than the eager one (the whole assignment each time). */
static bool cooperative(rd_kafka_t *rk) {
    const char *p = rd_kafka_rebalance_protocol(rk);
    return p && strcmp(p, "COOPERATIVE") == 0;
}

static void unassign(rd_kafka_t *rk, rd_kafka_topic_partition_list_t *parts) {
    if (cooperative(rk)) {
        rd_kafka_error_t *e = rd_kafka_incremental_unassign(rk, parts);
        if (e) rd_kafka_error_destroy(e);
    } else {
        rd_kafka_assign(rk, NULL);
    }
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t code, rd_kafka_topic_partition_list_t *parts,
                         void *opaque) {
    sink_loop *l = opaque;
    trib_task *t = l->t;
    trib_error err;
    l->rebalances++;
    if (code == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        atomic_store(&l->ever_assigned, true);
        trib_join_gate_open(l->gate);
        size_t n;
        trib_topic_partition *tps = to_tps(parts, &n);
        if (t->plugin->sink->open && !l->failed && !l->closing && t->plugin->sink->open(l->ctx, tps, n, &err) < 0)
            fail_in_callback(l, &err);
        free(tps);
        for (int i = 0; i < parts->cnt && !l->failed; i++)
            if (trib_tenant_guard_check_topic(t->guard, parts->elems[i].topic, &err) < 0) fail_in_callback(l, &err);
        /* Seeks asked for in open() (exactly-once sinks that keep their
         * offsets in the target) become the starting offsets. */
        size_t nreq;
        trib_sink_request *reqs = trib_sink_task_context_take_requests(l->tctx, &nreq);
        for (size_t i = 0; i < nreq; i++) {
            if (reqs[i].kind != TRIB_SINK_REQ_SEEK) continue;
            rd_kafka_topic_partition_t *p = rd_kafka_topic_partition_list_find(parts, reqs[i].tp.topic,
                                                                               reqs[i].tp.partition);
            if (p) p->offset = reqs[i].tp.offset;
        }
        trib_sink_requests_free(reqs, nreq);
        if (cooperative(rk)) {
            rd_kafka_error_t *e = rd_kafka_incremental_assign(rk, parts);
            if (e) {
                trib_kafka_error_obj(&err, e, "incremental assign");
                rd_kafka_error_destroy(e);
                fail_in_callback(l, &err);
            }
        } else {
            /* eager: the callback gets the whole new assignment */
            rd_kafka_resp_err_t e = rd_kafka_assign(rk, parts);
            if (e) {
                trib_kafka_error(&err, e, "assign");
                fail_in_callback(l, &err);
            }
        }
        for (int i = 0; i < parts->cnt; i++) {
            rd_kafka_topic_partition_list_add(l->assigned, parts->elems[i].topic, parts->elems[i].partition);
            if (!rd_kafka_topic_partition_list_find(l->pending, parts->elems[i].topic, parts->elems[i].partition))
                rd_kafka_topic_partition_list_add(l->pending, parts->elems[i].topic, parts->elems[i].partition)
                    ->offset = RD_KAFKA_OFFSET_INVALID;
        }
        if (l->paused_all) rd_kafka_pause_partitions(rk, parts);
        TRIB_INFO("worker", "%s assigned %d partition(s)", t->log_ctx, parts->cnt);
    } else if (code == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
        bool lost = rd_kafka_assignment_lost(rk);
        if (!lost && !l->failed && flush_and_commit(l, parts, false, &err) < 0) fail_in_callback(l, &err);
        size_t n;
        trib_topic_partition *tps = to_tps(parts, &n);
        if (t->plugin->sink->close && l->ctx && t->plugin->sink->close(l->ctx, tps, n, &err) < 0 && !l->failed)
            fail_in_callback(l, &err);
        free(tps);
        unassign(rk, parts);
        list_remove_all(l->assigned, parts);
        list_remove_all(l->pending, parts);
        TRIB_INFO("worker", "%s %s %d partition(s)", t->log_ctx, lost ? "lost" : "revoked", parts->cnt);
    } else {
        TRIB_ERROR("worker", "%s rebalance error: %s", t->log_ctx, rd_kafka_err2str(code));
        unassign(rk, parts);
    }
}

static void set_paused(sink_loop *l, bool paused) {
    if (paused == l->paused_all) return;
    l->paused_all = paused;
    if (paused) rd_kafka_pause_partitions(l->rk, l->assigned);
    else rd_kafka_resume_partitions(l->rk, l->assigned);
}

/* Re-reads the topics a topics.regex selects and resubscribes when they
 * changed. A failed refresh keeps the current subscription and is retried
 * soon: metadata can be briefly unavailable. */
static void refresh_regex(sink_loop *l) {
    trib_error err;
    int rc = trib_topic_regex_refresh(l->regex, l->rk, &l->subscribed, 5000, &err);
    int64_t now = trib_mono_ms();
    if (rc < 0) {
        TRIB_WARN("worker", "%s %s; retrying", l->t->log_ctx, err.msg);
        l->regex_next_ms = now + 1000;
        return;
    }
    if (rc > 0) {
        size_t n;
        trib_topic_regex_current(l->regex, &n);
        TRIB_INFO("worker", "%s topics.regex now selects %zu topic(s)", l->t->log_ctx, n);
    }
    l->regex_next_ms = now + l->regex_interval_ms;
}

static int subscribe(sink_loop *l, trib_error *err) {
    trib_task *t = l->t;
    const char *topics = trib_props_get_or(t->config, "topics", "");
    const char *regex = trib_props_get_or(t->config, "topics.regex", "");
    if (*regex) {
        /* Matched here with the Java engine validation uses, against the
         * topics in metadata (a tenant's only under its prefix), never by
         * librdkafka's own regex dialect (topic_regex.h). */
        l->regex = trib_topic_regex_new(regex, trib_tenant_guard_prefix(t->guard), err);
        if (!l->regex) return -1;
        int64_t age = trib_worker_config_long(t->worker_props, "metadata.max.age.ms");
        l->regex_interval_ms = age > 0 ? age : 300000;
        refresh_regex(l);
        return 0;
    }
    rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(4);
    size_t n;
    char **list = trib_split_list(topics, &n);
    for (size_t i = 0; i < n; i++) rd_kafka_topic_partition_list_add(sub, list[i], RD_KAFKA_PARTITION_UA);
    trib_strv_free(list);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(l->rk, sub);
    rd_kafka_topic_partition_list_destroy(sub);
    if (e) return trib_kafka_error(err, e, "subscribe");
    return 0;
}

typedef struct to_connect_call {
    trib_converter *conv;
    const char *topic;
    const void *data;
    size_t len;
    trib_schema **schema;
    trib_value **value;
} to_connect_call;

static int call_to_connect(void *arg, trib_error *err) {
    to_connect_call *c = arg;
    return c->conv->plugin->to_connect(c->conv->ctx, c->topic, c->data, c->len, c->schema, c->value, err);
}

typedef struct header_call {
    trib_header_converter *conv;
    const char *topic;
    const trib_header *in;
    trib_connect_header *out;
} header_call;

static int call_header_to_connect(void *arg, trib_error *err) {
    header_call *c = arg;
    return trib_header_converter_to_connect(c->conv, c->topic, c->in->key, c->in->value, c->in->len, &c->out->schema,
                                            &c->out->value, err);
}

/* Converts one message into a record; on a conversion error applies
 * errors.tolerance. Returns 1 with *out set, 0 if skipped, -1 to fail. */
static int to_record(sink_loop *l, const rd_kafka_message_t *m, trib_header *hdrs, size_t nh,
                     trib_record **out, trib_error *err) {
    trib_task *t = l->t;
    const char *topic = rd_kafka_topic_name(m->rkt);
    trib_error why;
    trib_schema *ks = NULL, *vs = NULL;
    trib_value *kv = NULL, *vv = NULL;
    *out = NULL;
    to_connect_call kc = {t->key_conv, topic, m->key, m->key_len, &ks, &kv};
    to_connect_call vc = {t->value_conv, topic, m->payload, m->len, &vs, &vv};
    if (trib_task_retry_convert(t, call_to_connect, &kc, &why) < 0)
        return trib_task_tolerate(t, TRIB_STAGE_KEY_CONVERTER, &why, topic, m->partition, m->offset, m->key,
                                  m->key_len, m->payload, m->len, hdrs, nh, NULL, err) < 0 ? -1 : 0;
    if (trib_task_retry_convert(t, call_to_connect, &vc, &why) < 0) {
        trib_schema_unref(ks);
        trib_value_destroy(kv);
        return trib_task_tolerate(t, TRIB_STAGE_VALUE_CONVERTER, &why, topic, m->partition, m->offset, m->key,
                                  m->key_len, m->payload, m->len, hdrs, nh, NULL, err) < 0 ? -1 : 0;
    }
    /* the headers, as Connect converts them after key and value (stage HEADER_CONVERTER) */
    trib_connect_header *ch = nh ? trib_xcalloc(nh, sizeof *ch) : NULL;
    for (size_t i = 0; i < nh; i++) {
        header_call hc = {t->header_conv, topic, &hdrs[i], &ch[i]};
        if (trib_task_retry_convert(t, call_header_to_connect, &hc, &why) < 0) {
            for (size_t k = 0; k < i; k++) {
                trib_schema_unref(ch[k].schema);
                trib_value_destroy(ch[k].value);
            }
            free(ch);
            trib_schema_unref(ks);
            trib_value_destroy(kv);
            trib_schema_unref(vs);
            trib_value_destroy(vv);
            return trib_task_tolerate(t, TRIB_STAGE_HEADER_CONVERTER, &why, topic, m->partition, m->offset, m->key,
                                      m->key_len, m->payload, m->len, hdrs, nh, NULL, err) < 0 ? -1 : 0;
        }
    }
    trib_record *r = trib_record_new(topic);
    r->partition = m->partition;
    r->kafka_offset = m->offset;
    rd_kafka_timestamp_type_t tstype;
    r->timestamp = rd_kafka_message_timestamp(m, &tstype);
    trib_record_set_key_take(r, ks, kv);
    trib_record_set_value_take(r, vs, vv);
    for (size_t i = 0; i < nh; i++) trib_record_add_header_take(r, hdrs[i].key, ch[i].schema, ch[i].value);
    free(ch);
    r->raw_headers = hdrs;
    r->raw_nheaders = nh;
    r->raw_key = m->key;
    r->raw_key_len = m->key_len;
    r->raw_value = m->payload;
    r->raw_value_len = m->len;
    if (trib_transform_chain_apply(t->chain, &r, &why) < 0) {
        int rc = trib_task_transform_failed(t, &why, topic, m->partition, m->offset, m->key, m->key_len,
                                            m->payload, m->len, hdrs, nh, r, err);
        trib_record_destroy(r);
        return rc < 0 ? -1 : 0;
    }
    if (r && trib_tenant_guard_check_topic(t->guard, r->topic, err) < 0) {
        trib_record_destroy(r);
        return -1;
    }
    *out = r;
    return r ? 1 : 0;
}

/* Headers of a message as borrowed trib_header views. */
static trib_header *msg_headers(const rd_kafka_message_t *m, size_t *n) {
    rd_kafka_headers_t *h = NULL;
    *n = 0;
    if (rd_kafka_message_headers(m, &h) != RD_KAFKA_RESP_ERR_NO_ERROR || !h) return NULL;
    size_t cnt = rd_kafka_header_cnt(h);
    /* librdkafka parses an empty header list for every message of a v2
     * record batch (its count byte is there): no allocation for those. */
    if (cnt == 0) return NULL;
    trib_header *out = trib_xcalloc(cnt, sizeof *out);
    for (size_t i = 0; i < cnt; i++) {
        const char *name;
        const void *val;
        size_t len;
        if (rd_kafka_header_get_all(h, i, &name, &val, &len)) break;
        out[i].key = (char *)name;
        out[i].value = (void *)val;
        out[i].len = len;
        (*n)++;
    }
    return out;
}

static void track(sink_loop *l, const rd_kafka_message_t *m) {
    trib_task_note_topic(l->t, rd_kafka_topic_name(m->rkt));
    rd_kafka_topic_partition_t *p = rd_kafka_topic_partition_list_find(l->pending, rd_kafka_topic_name(m->rkt),
                                                                       m->partition);
    if (!p) p = rd_kafka_topic_partition_list_add(l->pending, rd_kafka_topic_name(m->rkt), m->partition);
    p->offset = m->offset + 1;
}

/* Puts one batch, retrying retriable failures. Records the task reports as
 * errant go to the DLQ through the context. */
/* Consumer statistics (metrics' byte total); 0: librdkafka frees the JSON. */
static int stats_cb(rd_kafka_t *rk, char *json, size_t len, void *opaque) {
    (void)rk;
    trib_task_client_stats(&((sink_loop *)opaque)->t->counters, json, len, "rx_bytes");
    return 0;
}

static int put_batch(sink_loop *l, trib_record **recs, size_t n, trib_error *err) {
    trib_task *t = l->t;
    for (int attempt = 0;; attempt++) {
        if (t->plugin->sink->put(l->ctx, recs, n, err) == 0) return 0;
        if (!trib_error_is_retriable(err)) return trib_error_prefix(err, "put");
        TRIB_WARN("worker", "%s put failed, retrying the batch of %zu: %s", t->log_ctx, n, err->msg);
        if (!trib_task_backoff(t, attempt, t->policy.retry_delay_max_ms))
            return trib_error_set(err, TRIB_ERR_TIMEOUT, "stopped while retrying put");
    }
}

static int errant_reporter(void *opaque, const trib_record *rec, const trib_error *why) {
    sink_loop *l = opaque;
    trib_error err;
    int rc = trib_task_tolerate(l->t, TRIB_STAGE_TASK_PUT, why, rec->topic, rec->partition, rec->kafka_offset,
                                rec->raw_key, rec->raw_key_len, rec->raw_value, rec->raw_value_len,
                                rec->raw_headers, rec->raw_nheaders, rec, &err);
    if (rc < 0) TRIB_ERROR("worker", "%s %s", l->t->log_ctx, err.msg);
    return rc;
}

void *trib_sink_task_main(void *arg) {
    trib_task *t = arg;
    sink_loop l = {.t = t, .max_batch = 500};
    trib_error err;
    trib_error_clear(&err);
    bool started = false;
    rd_kafka_message_t **msgs = NULL;
    trib_record **recs = NULL;
    trib_header **raw_hdrs = NULL; /* per record of the batch: its raw headers */
    atomic_init(&l.ever_assigned, false);
    l.assigned = rd_kafka_topic_partition_list_new(8);
    l.pending = rd_kafka_topic_partition_list_new(8);

    if (trib_task_setup_common(t, &err) < 0) goto fail;
    {
        int64_t v;
        if (trib_parse_int64(trib_props_get(t->worker_props, "consumer.max.poll.records"), &v) == 0 && v > 0)
            l.max_batch = (int)v;
        if (trib_parse_int64(trib_props_get(t->config, "consumer.override.max.poll.records"), &v) == 0 && v > 0)
            l.max_batch = (int)v;
        int32_t lim = trib_tenant_guard_batch_limit(t->guard, TRIB_TENANT_OUT);
        if (lim < l.max_batch) l.max_batch = lim;
    }
    msgs = trib_xcalloc((size_t)l.max_batch, sizeof *msgs);
    recs = trib_xcalloc((size_t)l.max_batch, sizeof *recs);
    raw_hdrs = trib_xcalloc((size_t)l.max_batch, sizeof *raw_hdrs);

    trib_props *defaults = trib_props_new();
    char group[512], cid[300];
    snprintf(group, sizeof group, "connect-%s", t->connector);
    snprintf(cid, sizeof cid, "connector-consumer-%s-%d", t->connector, t->id);
    trib_props_set(defaults, "group.id", group);
    trib_props_set(defaults, "client.id", cid);
    trib_props_set(defaults, "enable.auto.commit", "false");
    trib_props_set(defaults, "enable.auto.offset.store", "false");
    trib_props_set(defaults, "auto.offset.reset", "earliest");
    trib_props_set(defaults, "isolation.level", "read_committed");
    /* Cooperative incremental rebalancing (Connect's sink consumers use
     * the eager range assignor in effect): when a task's worker dies and
     * the task restarts elsewhere, its new consumer's join starts a
     * rebalance that waits for the dead member until its session times
     * out. Eager members revoke everything and wait with it, so the whole
     * connector stopped delivering; cooperative ones keep their
     * partitions and keep consuming, and only the dead member's partitions
     * wait. (That needs librdkafka's fix for a commit refused with
     * ILLEGAL_GENERATION during the rejoin, which otherwise lost the
     * whole assignment: scripts/librdkafka-patches.) The session timeout is the worker's (session.timeout.ms,
     * 10 s by default) rather than librdkafka's 45 s, so that wait is as
     * short as the worker group's own failover. A 500 ms heartbeat: a
     * task learns of a rebalance at its next heartbeat, so the two rounds
     * of a cooperative start (revoke, then assign) take about a second.
     * All of them can be set with consumer.* / consumer.override.*. */
    trib_props_set(defaults, "partition.assignment.strategy", "cooperative-sticky");
    trib_props_set(defaults, "heartbeat.interval.ms", "500");
    {
        char st[32];
        snprintf(st, sizeof st, "%lld",
                 (long long)trib_worker_config_long(t->worker_props, "session.timeout.ms"));
        trib_props_set(defaults, "session.timeout.ms", st);
    }
    trib_props_set(defaults, "enable.partition.eof", "false");
    trib_props_set(defaults, "statistics.interval.ms", TRIB_TASK_STATS_INTERVAL);
    /* Prefetch that outlasts librdkafka 2.0's fetch pause. Once a
     * partition's local queue holds queued.min.messages, its fetcher stops
     * until the broker thread's next wake-up, up to 1 s later (the pause
     * became fetch.queue.backoff.ms in 2.1). A sink that drains more than
     * that per second then starves: at librdkafka's 100,000 the PostgreSQL
     * sink's consumer polls came back empty for ~1 s in every 4 of a 1M
     * record load, 240k records/s; at 200,000, 420k records/s. The cost is
     * memory only while a backlog is being read: about 350 bytes per queued
     * small record (peak RSS of a 2-task load 99 -> 170 MB), bounded per
     * partition by queued.max.messages.kbytes for large ones. */
    trib_props_set(defaults, "queued.min.messages", "200000");
    rd_kafka_conf_t *conf = trib_kafka_conf_new(TRIB_CLIENT_CONSUMER, t->worker_props, t->config, defaults, &err);
    trib_props_destroy(defaults);
    if (!conf) goto fail;
    /* the group is the connector's whatever consumer.* says (as Connect) */
    if (trib_kafka_conf_set(conf, "group.id", group, &err) < 0) {
        rd_kafka_conf_destroy(conf);
        goto fail;
    }
    rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
    rd_kafka_conf_set_opaque(conf, &l);
    rd_kafka_conf_set_stats_cb(conf, stats_cb);
    l.rk = trib_kafka_new(RD_KAFKA_CONSUMER, conf, &err);
    if (!l.rk) goto fail;
    rd_kafka_poll_set_consumer(l.rk);

    l.tctx = trib_sink_task_context_new(t->connector, t->id);
    trib_sink_task_context_set_reporter(l.tctx, errant_reporter, &l);
    for (int attempt = 0;; attempt++) {
        if (t->plugin->sink->start(t->config, l.tctx, &l.ctx, &err) == 0) break;
        if (!trib_error_is_retriable(&err)) goto fail;
        TRIB_WARN("worker", "%s start failed, retrying: %s", t->log_ctx, err.msg);
        if (!trib_task_backoff(t, attempt, t->policy.retry_delay_max_ms)) goto done;
    }
    started = true;
    /* The first task of the group in this process joins at once; its
     * siblings wait until it has its partitions (bounded: a slow join is
     * no worse than joining together). */
    l.gate = trib_join_gate_enter(group);
    if (!trib_join_gate_leads(l.gate)) trib_join_gate_wait(l.gate, 2000, &t->stop);
    if (trib_task_stopping(t)) goto done;
    if (subscribe(&l, &err) < 0) goto fail;

    int64_t flush_interval = trib_worker_config_long(t->worker_props, "offset.flush.interval.ms");
    int64_t next_commit = trib_mono_ms() + flush_interval;

    while (!trib_task_stopping(t)) {
        if (l.regex && trib_mono_ms() >= l.regex_next_ms) refresh_regex(&l);
        bool paused = atomic_load(&t->paused);
        set_paused(&l, paused);
        trib_task_set_state(t, paused ? TRIB_STATE_PAUSED : TRIB_STATE_RUNNING, NULL);

        if (!atomic_load(&l.ever_assigned)) {
            /* Until the first assignment, wake librdkafka's main thread
             * (a subscription query is an op it serves) so a join retried
             * after a SyncGroup refused with REBALANCE_IN_PROGRESS (a
             * sibling task joined meanwhile) goes out now: librdkafka
             * 2.0.2 otherwise retries it on its next idle wake-up, up to
             * 2 s later. */
            rd_kafka_topic_partition_list_t *sub = NULL;
            if (rd_kafka_subscription(l.rk, &sub) == RD_KAFKA_RESP_ERR_NO_ERROR && sub)
                rd_kafka_topic_partition_list_destroy(sub);
        }
        int nmsg = 0;
        unsigned rebalances = l.rebalances;
        rd_kafka_message_t *m = rd_kafka_consumer_poll(l.rk, atomic_load(&l.ever_assigned) ? 100 : 20);
        while (m) {
            if (m->err) {
                if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                    TRIB_WARN("worker", "%s consumer: %s", t->log_ctx, rd_kafka_message_errstr(m));
                rd_kafka_message_destroy(m);
            } else {
                msgs[nmsg++] = m;
            }
            if (nmsg >= l.max_batch) break;
            m = rd_kafka_consumer_poll(l.rk, 0);
        }
        if (l.rebalances != rebalances) {
            /* A rebalance callback ran while this batch was collected: its
             * messages of partitions revoked meanwhile belong to their new
             * owner (which reads them again from the committed position);
             * putting them now would write rows of a partition this task
             * no longer owns. Messages of partitions still (or again)
             * assigned stay: the sink skips any it sees twice. */
            int kept = 0;
            for (int i = 0; i < nmsg; i++) {
                if (rd_kafka_topic_partition_list_find(l.assigned, rd_kafka_topic_name(msgs[i]->rkt),
                                                       msgs[i]->partition))
                    msgs[kept++] = msgs[i];
                else
                    rd_kafka_message_destroy(msgs[i]);
            }
            if (kept < nmsg)
                TRIB_DEBUG("worker", "%s dropped %d message(s) of partitions revoked while polling", t->log_ctx,
                           nmsg - kept);
            nmsg = kept;
        }
        if (l.failed) {
            err = l.fail_err;
            for (int i = 0; i < nmsg; i++) rd_kafka_message_destroy(msgs[i]);
            goto fail;
        }

        if (nmsg > 0 && !trib_task_lease_ok(t)) {
            /* not ours to write any more: leave them uncommitted for the next owner */
            for (int i = 0; i < nmsg; i++) rd_kafka_message_destroy(msgs[i]);
            continue;
        }
        if (nmsg > 0 && t->guard) {
            uint64_t bytes = 0;
            for (int i = 0; i < nmsg; i++) bytes += msgs[i]->len + msgs[i]->key_len;
            if (!trib_tenant_guard_throttle(t->guard, TRIB_TENANT_OUT, (uint64_t)nmsg, bytes, &t->stop)) {
                for (int i = 0; i < nmsg; i++) rd_kafka_message_destroy(msgs[i]);
                goto done;
            }
        }
        if (nmsg > 0) {   /* once per batch: Connect's read total, bytes, and lag at the batch's end */
            long long bytes = 0;
            for (int i = 0; i < nmsg; i++) bytes += (long long)(msgs[i]->len + msgs[i]->key_len);
            trib_task_count(&t->counters.read_total, nmsg);
            trib_task_count(&t->counters.bytes_total, bytes);
            int64_t lo, hi;   /* cached from fetch responses: no request */
            const rd_kafka_message_t *last = msgs[nmsg - 1];
            if (rd_kafka_get_watermark_offsets(l.rk, rd_kafka_topic_name(last->rkt), last->partition, &lo, &hi) ==
                    RD_KAFKA_RESP_ERR_NO_ERROR && hi >= last->offset + 1)
                atomic_store_explicit(&t->counters.lag_max, hi - (last->offset + 1), memory_order_relaxed);
        }
        size_t nrec = 0;
        int rc = 0;
        if (nmsg > 0) trib_transform_chain_batch_begin(t->chain);
        for (int i = 0; i < nmsg && rc >= 0; i++) {
            size_t nh;
            trib_header *hdrs = msg_headers(msgs[i], &nh);
            trib_record *r = NULL;
            rc = to_record(&l, msgs[i], hdrs, nh, &r, &err);
            /* a record borrows its raw headers (for the DLQ) until the batch ends */
            if (rc > 0)
                raw_hdrs[nrec] = hdrs;
            else
                free(hdrs);
            if (rc > 0) recs[nrec++] = r;
        }
        if (rc >= 0 && nrec > 0) {
            int64_t put_us = trib_mono_us();
            rc = put_batch(&l, recs, nrec, &err);
            put_us = trib_mono_us() - put_us;
            if (rc == 0) {
                atomic_fetch_add(&t->records, (long long)nrec);
                trib_task_count(&t->counters.send_total, (long long)nrec);
            }
            trib_task_count(&t->counters.batches, 1);
            trib_task_count(&t->counters.batch_us_sum, put_us);
            trib_task_count_max(&t->counters.batch_us_max, put_us);
        }
        for (size_t i = 0; i < nrec; i++) {
            trib_record_destroy(recs[i]);
            free(raw_hdrs[i]);
        }
        if (rc >= 0)
            for (int i = 0; i < nmsg; i++) track(&l, msgs[i]);
        for (int i = 0; i < nmsg; i++) rd_kafka_message_destroy(msgs[i]);
        if (rc < 0) goto fail;
        apply_requests(&l);

        /* Flush on the interval, on the task's request, and as soon as the
         * topic goes quiet: a sink that buffers until its batch is full
         * would otherwise hold the tail of a load for the whole interval. */
        bool idle_with_pending = nmsg == 0 && has_pending(&l);
        if (trib_mono_ms() >= next_commit || trib_sink_task_context_take_commit_request(l.tctx) ||
            idle_with_pending) {
            bool had_pending = has_pending(&l);   /* an empty commit is no commit in the metrics */
            int64_t commit_us = trib_mono_us();
            if (flush_and_commit(&l, NULL, true, &err) < 0) goto fail;
            commit_us = trib_mono_us() - commit_us;
            if (had_pending) {
                trib_task_count(&t->counters.commits, 1);
                trib_task_count(&t->counters.commit_us_sum, commit_us);
                trib_task_count_max(&t->counters.commit_us_max, commit_us);
            }
            next_commit = trib_mono_ms() + flush_interval;
        }
    }

done:
    /* Graceful stop: closing the consumer revokes every partition, which
     * flushes, commits and closes them through the rebalance callback. */
    l.closing = true;
    if (l.rk) rd_kafka_consumer_close(l.rk);
    if (l.failed) TRIB_ERROR("worker", "%s error while closing: %s", t->log_ctx, l.fail_err.msg);
    if (started) t->plugin->sink->stop(l.ctx);
    trib_task_set_state(t, TRIB_STATE_UNASSIGNED, NULL);
    goto cleanup;

fail:
    trib_task_fail(t, &err);
    /* Do not commit anything more: the failed batch was not written. */
    l.failed = true;
    l.closing = true;
    if (l.rk) rd_kafka_consumer_close(l.rk);
    if (started) t->plugin->sink->stop(l.ctx);

cleanup:
    trib_topic_regex_free(l.regex);
    trib_join_gate_leave(l.gate);
    if (l.rk) rd_kafka_destroy(l.rk);
    trib_sink_task_context_destroy(l.tctx);
    rd_kafka_topic_partition_list_destroy(l.assigned);
    rd_kafka_topic_partition_list_destroy(l.pending);
    free(msgs);
    free(recs);
    free(raw_hdrs);
    trib_task_teardown_common(t);
    return NULL;
}
