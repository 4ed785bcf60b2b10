/*
 * kafka_log.c: a followed topic with read-your-writes. See kafka_log.h.
 *
 * The reader tracks, per partition, the offset up to which everything has
 * been applied: the offset after the last record, or the end-of-partition
 * offset librdkafka reports (which also steps over transaction markers).
 * Waiters sleep on one condition variable.
 *
 * The producer is created on the first write unless the spec asks for it
 * at start: an idle worker never writes its offsets log (no source tasks)
 * and rarely its status log, and each librdkafka client costs threads and
 * memory (about 0.4 MB resident).
 */
#include "worker/kafka_log.h"
#include "common/log.h"
#include "common/time.h"
#include "common/util.h"
#include "worker/kafka_client.h"

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct trib_kafka_log {
    char *topic;
    int partitions;
    rd_kafka_conf_t *producer_conf;  /* template for the producer, made at start */
    pthread_mutex_t producer_lock;
    rd_kafka_t *producer;            /* NULL until the first write */
    rd_kafka_t *consumer;
    trib_kafka_log_fn fn;
    void *opaque;

    pthread_t thread;
    atomic_bool stop;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int64_t *applied;      /* per partition: everything below is applied */
};

typedef struct write_wait {
    atomic_int done;
    rd_kafka_resp_err_t err;
    int32_t partition;
    int64_t offset;
} write_wait;

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    (void)opaque;
    write_wait *w = m->_private;
    if (!w) return;
    w->err = m->err;
    w->partition = m->partition;
    w->offset = m->offset;
    atomic_store(&w->done, 1);
}

static void advance(trib_kafka_log *l, int32_t p, int64_t to) {
    if (p < 0 || p >= l->partitions) return;
    pthread_mutex_lock(&l->lock);
    if (to > l->applied[p]) {
        l->applied[p] = to;
        pthread_cond_broadcast(&l->cond);
    }
    pthread_mutex_unlock(&l->lock);
}

static void *reader(void *arg) {
    trib_kafka_log *l = arg;
    while (!atomic_load(&l->stop)) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(l->consumer, 100);
        if (!m) continue;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            advance(l, m->partition, m->offset);
        } else if (m->err) {
            TRIB_WARN("kafka", "reading %s: %s", l->topic, rd_kafka_message_errstr(m));
        } else {
            l->fn(l->opaque, m->partition, m->offset, m->key, m->key_len, m->payload, m->len);
            advance(l, m->partition, m->offset + 1);
        }
        rd_kafka_message_destroy(m);
    }
    return NULL;
}

static rd_kafka_t *producer(trib_kafka_log *l, trib_error *err);

trib_kafka_log *trib_kafka_log_start(const trib_kafka_log_spec *spec, trib_error *err) {
    trib_kafka_log *l = trib_xcalloc(1, sizeof *l);
    l->topic = trib_xstrdup(spec->topic);
    l->fn = spec->fn;
    l->opaque = spec->opaque;
    atomic_init(&l->stop, false);
    pthread_mutex_init(&l->lock, NULL);
    pthread_cond_init(&l->cond, NULL);

    trib_props *pd = trib_props_new();
    char cid[300];
    snprintf(cid, sizeof cid, "%s-producer", spec->client_id);
    trib_props_set(pd, "client.id", cid);
    trib_props_set(pd, "enable.idempotence", "true");
    trib_props_set(pd, "linger.ms", "0");
    trib_props_merge(pd, spec->producer_overrides);
    rd_kafka_conf_t *pc = trib_kafka_conf_new(TRIB_CLIENT_PRODUCER, spec->worker_props, NULL, pd, err);
    trib_props_destroy(pd);
    if (!pc) goto fail;
    rd_kafka_conf_set_dr_msg_cb(pc, dr_cb);
    l->producer_conf = pc;
    pthread_mutex_init(&l->producer_lock, NULL);

    /* The topic is created and described with the producer, before the
     * consumer exists: a consumer whose first metadata predates the topic
     * takes seconds to find the partition leaders (2.6 s for 25
     * partitions). A log without an eager producer drops it again below. */
    if (!producer(l, err)) goto fail;
    trib_props *topic_cfg = trib_props_new();
    trib_props_set(topic_cfg, "cleanup.policy", "compact");
    int rc = trib_kafka_ensure_topic(l->producer, spec->topic, spec->partitions, spec->replication_factor,
                                     topic_cfg, 15000, err);
    trib_props_destroy(topic_cfg);
    if (rc < 0) goto fail;
    if (trib_kafka_describe_topic(l->producer, spec->topic, &l->partitions, NULL, 15000, err) < 0) goto fail;
    l->applied = trib_xcalloc((size_t)l->partitions, sizeof *l->applied);
    if (!spec->eager_producer) {
        rd_kafka_destroy(l->producer);
        l->producer = NULL;
    }

    trib_props *cd = trib_props_new();
    snprintf(cid, sizeof cid, "%s-consumer", spec->client_id);
    trib_props_set(cd, "client.id", cid);
    trib_props_set(cd, "group.id", cid);   /* required by librdkafka; never joined or committed */
    trib_props_set(cd, "enable.auto.commit", "false");
    trib_props_set(cd, "enable.auto.offset.store", "false");
    trib_props_set(cd, "isolation.level", "read_committed");
    trib_props_set(cd, "enable.partition.eof", "true");
    trib_props_set(cd, "fetch.wait.max.ms", "100");
    rd_kafka_conf_t *cc = trib_kafka_conf_new(TRIB_CLIENT_CONSUMER, spec->worker_props, NULL, cd, err);
    trib_props_destroy(cd);
    if (!cc) goto fail;
    l->consumer = trib_kafka_new(RD_KAFKA_CONSUMER, cc, err);
    if (!l->consumer) goto fail;
    rd_kafka_poll_set_consumer(l->consumer);

    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(l->partitions);
    for (int p = 0; p < l->partitions; p++)
        rd_kafka_topic_partition_list_add(parts, spec->topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_resp_err_t e = rd_kafka_assign(l->consumer, parts);
    rd_kafka_topic_partition_list_destroy(parts);
    if (e) {
        trib_kafka_error(err, e, "assign");
        goto fail;
    }
    if (pthread_create(&l->thread, NULL, reader, l) != 0) {
        trib_error_set(err, TRIB_ERR_INTERNAL, "cannot start reader thread for %s", spec->topic);
        goto fail;
    }
    if (trib_kafka_log_read_to_end(l, 60000, err) < 0) {
        trib_kafka_log_stop(l);
        return NULL;
    }
    return l;
fail:
    if (l->consumer) rd_kafka_destroy(l->consumer);
    if (l->producer) rd_kafka_destroy(l->producer);
    if (l->producer_conf) {
        rd_kafka_conf_destroy(l->producer_conf);
        pthread_mutex_destroy(&l->producer_lock);
    }
    free(l->applied);
    free(l->topic);
    pthread_mutex_destroy(&l->lock);
    pthread_cond_destroy(&l->cond);
    free(l);
    return NULL;
}

void trib_kafka_log_stop(trib_kafka_log *l) {
    if (!l) return;
    atomic_store(&l->stop, true);
    pthread_join(l->thread, NULL);
    rd_kafka_consumer_close(l->consumer);
    rd_kafka_destroy(l->consumer);
    if (l->producer) {
        rd_kafka_flush(l->producer, 5000);
        rd_kafka_destroy(l->producer);
    }
    rd_kafka_conf_destroy(l->producer_conf);
    pthread_mutex_destroy(&l->producer_lock);
    free(l->applied);
    free(l->topic);
    pthread_mutex_destroy(&l->lock);
    pthread_cond_destroy(&l->cond);
    free(l);
}

/* The producer, created on first use (borrowed; lives until stop). */
static rd_kafka_t *producer(trib_kafka_log *l, trib_error *err) {
    pthread_mutex_lock(&l->producer_lock);
    if (!l->producer) l->producer = trib_kafka_new(RD_KAFKA_PRODUCER, rd_kafka_conf_dup(l->producer_conf), err);
    rd_kafka_t *p = l->producer;
    pthread_mutex_unlock(&l->producer_lock);
    return p;
}

int trib_kafka_log_write(trib_kafka_log *l, int32_t partition, const void *key, size_t key_len,
                         const void *value, size_t value_len, int32_t *partition_out, int64_t *offset_out,
                         trib_error *err) {
    rd_kafka_t *prod = producer(l, err);
    if (!prod) return -1;
    write_wait w;
    atomic_init(&w.done, 0);
    w.err = 0;
    rd_kafka_resp_err_t e = rd_kafka_producev(
        prod, RD_KAFKA_V_TOPIC(l->topic),
        RD_KAFKA_V_PARTITION(partition >= 0 ? partition : RD_KAFKA_PARTITION_UA),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY((void *)key, key_len),
        RD_KAFKA_V_VALUE((void *)value, value ? value_len : 0), RD_KAFKA_V_OPAQUE(&w), RD_KAFKA_V_END);
    if (e) return trib_kafka_error(err, e, l->topic);
    /* Any thread's poll may serve our report; message.timeout.ms bounds it. */
    int64_t deadline = trib_mono_ms() + 330000;
    while (!atomic_load(&w.done) && trib_mono_ms() < deadline) rd_kafka_poll(prod, 20);
    if (!atomic_load(&w.done)) return trib_error_set(err, TRIB_ERR_TIMEOUT, "kafka: write to %s timed out", l->topic);
    if (w.err) return trib_kafka_error(err, w.err, l->topic);
    if (partition_out) *partition_out = w.partition;
    if (offset_out) *offset_out = w.offset;
    return 0;
}

static int wait_until(trib_kafka_log *l, const int64_t *targets, int timeout_ms, trib_error *err) {
    int64_t deadline = trib_mono_ms() + timeout_ms;
    pthread_mutex_lock(&l->lock);
    for (;;) {
        bool all = true;
        for (int p = 0; p < l->partitions; p++)
            if (targets[p] >= 0 && l->applied[p] < targets[p]) all = false;
        if (all) break;
        int64_t left = deadline - trib_mono_ms();
        if (left <= 0) {
            pthread_mutex_unlock(&l->lock);
            return trib_error_set(err, TRIB_ERR_TIMEOUT, "kafka: reading %s to its end timed out", l->topic);
        }
        struct timespec ts = trib_deadline_in(CLOCK_REALTIME, left < 100 ? left : 100);
        pthread_cond_timedwait(&l->cond, &l->lock, &ts);
    }
    pthread_mutex_unlock(&l->lock);
    return 0;
}

int trib_kafka_log_read_to_end(trib_kafka_log *l, int timeout_ms, trib_error *err) {
    int64_t *targets = trib_xcalloc((size_t)l->partitions, sizeof *targets);
    int64_t deadline = trib_mono_ms() + timeout_ms;
    for (int p = 0; p < l->partitions; p++) {
        int64_t lo = 0, hi = 0;
        rd_kafka_resp_err_t e;
        /* a topic created a moment ago may not have a leader yet: retry */
        while ((e = rd_kafka_query_watermark_offsets(l->consumer, l->topic, p, &lo, &hi, 5000)) != 0 &&
               trib_kafka_err_is_retriable(e) && trib_mono_ms() < deadline)
            trib_sleep_ms(200);
        if (e) {
            free(targets);
            return trib_kafka_error(err, e, "query end offsets");
        }
        targets[p] = hi;
    }
    timeout_ms = (int)(deadline - trib_mono_ms());
    if (timeout_ms < 1) timeout_ms = 1;
    int rc = wait_until(l, targets, timeout_ms, err);
    free(targets);
    return rc;
}

/* targets[p] = partition p's end offset counting records of transactions
 * still open (read_uncommitted ListOffsets; a read_committed consumer's
 * watermark query stops at the last stable offset). Retries retriable
 * errors until deadline (mono ms). */
static int uncommitted_end_offsets(trib_kafka_log *l, int64_t *targets, int64_t deadline, trib_error *err) {
    for (int attempt = 0;; attempt++) {
        int64_t left = deadline - trib_mono_ms();
        if (left < 1) left = 1;
        char errstr[256];
        rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(l->partitions);
        for (int p = 0; p < l->partitions; p++)
            rd_kafka_topic_partition_list_add(parts, l->topic, p)->offset = RD_KAFKA_OFFSET_SPEC_LATEST;
        rd_kafka_queue_t *q = rd_kafka_queue_new(l->consumer);
        rd_kafka_AdminOptions_t *opts = rd_kafka_AdminOptions_new(l->consumer, RD_KAFKA_ADMIN_OP_LISTOFFSETS);
        rd_kafka_AdminOptions_set_request_timeout(opts, (int)(left < 10000 ? left : 10000), errstr, sizeof errstr);
        rd_kafka_error_t *ie = rd_kafka_AdminOptions_set_isolation_level(opts, RD_KAFKA_ISOLATION_LEVEL_READ_UNCOMMITTED);
        if (ie) rd_kafka_error_destroy(ie);   /* the default is read_uncommitted anyway */
        rd_kafka_ListOffsets(l->consumer, parts, opts, q);
        rd_kafka_topic_partition_list_destroy(parts);
        rd_kafka_event_t *ev = rd_kafka_queue_poll(q, (int)(left < 10000 ? left : 10000) + 2000);
        rd_kafka_resp_err_t code = ev ? rd_kafka_event_error(ev) : RD_KAFKA_RESP_ERR__TIMED_OUT;
        char msg[256];
        snprintf(msg, sizeof msg, "%s", ev && code ? rd_kafka_event_error_string(ev) : rd_kafka_err2str(code));
        int found = 0;
        if (!code) {
            size_t n;
            const rd_kafka_ListOffsetsResultInfo_t **infos =
                rd_kafka_ListOffsets_result_infos(rd_kafka_event_ListOffsets_result(ev), &n);
            for (size_t i = 0; i < n && !code; i++) {
                const rd_kafka_topic_partition_t *tp = rd_kafka_ListOffsetsResultInfo_topic_partition(infos[i]);
                if (tp->err) {
                    code = tp->err;
                    snprintf(msg, sizeof msg, "partition %d: %s", (int)tp->partition, rd_kafka_err2str(tp->err));
                } else if (tp->partition >= 0 && tp->partition < l->partitions) {
                    targets[tp->partition] = tp->offset;
                    found++;
                }
            }
            if (!code && found != l->partitions) {
                code = RD_KAFKA_RESP_ERR__PARTIAL;
                snprintf(msg, sizeof msg, "%d of %d partitions answered", found, l->partitions);
            }
        }
        if (ev) rd_kafka_event_destroy(ev);
        rd_kafka_AdminOptions_destroy(opts);
        rd_kafka_queue_destroy(q);
        if (!code) return 0;
        /* a leader moving (broker restart) answers with a retriable error */
        bool retriable = trib_kafka_err_is_retriable(code) || code == RD_KAFKA_RESP_ERR__PARTIAL ||
                         code == RD_KAFKA_RESP_ERR__TIMED_OUT;
        if (!retriable || trib_mono_ms() >= deadline)
            return trib_error_set(err, retriable ? TRIB_ERR_TIMEOUT : TRIB_ERR_FATAL,
                                  "kafka: listing end offsets of %s: %s", l->topic, msg);
        trib_sleep_ms(attempt < 5 ? 100 << attempt : 2000);
    }
}

int trib_kafka_log_read_past_open_transactions(trib_kafka_log *l, int timeout_ms, trib_error *err) {
    int64_t *targets = trib_xcalloc((size_t)l->partitions, sizeof *targets);
    int64_t deadline = trib_mono_ms() + timeout_ms;
    int rc = uncommitted_end_offsets(l, targets, deadline, err);
    if (rc == 0) {
        timeout_ms = (int)(deadline - trib_mono_ms());
        if (timeout_ms < 1) timeout_ms = 1;
        rc = wait_until(l, targets, timeout_ms, err);
        if (rc < 0)
            trib_error_set(err, TRIB_ERR_TIMEOUT,
                           "kafka: %s: a transaction still open on the topic kept its last records unreadable "
                           "for %d ms", l->topic, timeout_ms);
    }
    free(targets);
    return rc;
}

int trib_kafka_log_wait_applied(trib_kafka_log *l, int32_t partition, int64_t offset, int timeout_ms,
                                trib_error *err) {
    int64_t *targets = trib_xcalloc((size_t)l->partitions, sizeof *targets);
    for (int p = 0; p < l->partitions; p++) targets[p] = -1;
    if (partition >= 0 && partition < l->partitions) targets[partition] = offset + 1;
    int rc = wait_until(l, targets, timeout_ms, err);
    free(targets);
    return rc;
}
