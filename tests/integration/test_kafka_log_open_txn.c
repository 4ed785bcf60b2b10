/*
 * A followed topic read "to its end" while another producer's transaction
 * is open on the same partition (issue 15 item 1). A committed record
 * written after the open transaction began is hidden from read_committed
 * readers until that transaction ends: read_to_end (last stable offset)
 * returns without it, which is how a restarted exactly-once source task
 * missed its predecessor's last offsets and sent records again.
 * read_past_open_transactions waits for the transaction (bounded, TIMEOUT
 * when it stays open) and then has the record.
 */
#include "tests/tap.h"

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/time.h"
#include "common/util.h"
#include "worker/kafka_client.h"
#include "worker/kafka_log.h"

static const char *bootstrap;

typedef struct seen {
    pthread_mutex_t lock;
    int committed;   /* records keyed "committed" applied */
    int open;        /* records keyed "open" applied (must stay 0: aborted) */
} seen;

static void on_record(void *opaque, int32_t partition, int64_t offset, const void *key, size_t key_len,
                      const void *value, size_t value_len) {
    (void)partition, (void)offset, (void)value, (void)value_len;
    seen *s = opaque;
    pthread_mutex_lock(&s->lock);
    if (key && key_len == 9 && memcmp(key, "committed", 9) == 0) s->committed++;
    if (key && key_len == 4 && memcmp(key, "open", 4) == 0) s->open++;
    pthread_mutex_unlock(&s->lock);
}

static int committed_seen(seen *s) {
    pthread_mutex_lock(&s->lock);
    int n = s->committed;
    pthread_mutex_unlock(&s->lock);
    return n;
}

/* A transactional producer with a transaction open on partition 0 of topic. */
static rd_kafka_t *open_transaction(const char *topic, const char *txid) {
    trib_props *p = trib_props_new();
    trib_props_set(p, "bootstrap.servers", bootstrap);
    trib_props *o = trib_props_new();
    trib_props_set(o, "transactional.id", txid);
    trib_error err;
    rd_kafka_conf_t *conf = trib_kafka_conf_new(TRIB_CLIENT_PRODUCER, p, NULL, o, &err);
    trib_props_destroy(p);
    trib_props_destroy(o);
    rd_kafka_t *rk = conf ? trib_kafka_new(RD_KAFKA_PRODUCER, conf, &err) : NULL;
    if (!rk) return NULL;
    rd_kafka_error_t *e = rd_kafka_init_transactions(rk, 30000);
    if (!e) e = rd_kafka_begin_transaction(rk);
    if (!e && rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_KEY("open", 4),
                                RD_KAFKA_V_VALUE("x", 1), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                RD_KAFKA_V_END) == 0 &&
        rd_kafka_flush(rk, 30000) == 0)
        return rk;
    if (e) {
        diag("transaction: %s", rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
    }
    rd_kafka_destroy(rk);
    return NULL;
}

typedef struct aborter {
    rd_kafka_t *rk;
    int after_ms;
} aborter;

static void *abort_later(void *arg) {
    aborter *a = arg;
    trib_sleep_ms(a->after_ms);
    rd_kafka_error_t *e = rd_kafka_abort_transaction(a->rk, 30000);
    if (e) rd_kafka_error_destroy(e);
    return NULL;
}

int main(void) {
    bootstrap = tap_require_env("KAFKA_BOOTSTRAP");
    plan(9);
    char topic[96], txid[96];
    snprintf(topic, sizeof topic, "open-txn-%d-%ld", getpid(), (long)time(NULL));
    snprintf(txid, sizeof txid, "%s-tx", topic);

    trib_props *wp = trib_props_new();
    trib_props_set(wp, "bootstrap.servers", bootstrap);
    seen s = {.lock = PTHREAD_MUTEX_INITIALIZER};
    trib_kafka_log_spec spec = {
        .topic = topic, .partitions = 1, .replication_factor = 1, .worker_props = wp,
        .client_id = topic, .fn = on_record, .opaque = &s,
    };
    trib_error err;
    trib_kafka_log *log = trib_kafka_log_start(&spec, &err);
    ok(log != NULL, "the log starts on a new one-partition topic");
    if (!log) {
        diag("%s", err.msg);
        trib_props_destroy(wp);
        return exit_status();
    }

    rd_kafka_t *tx = open_transaction(topic, txid);
    ok(tx != NULL, "another producer has a transaction open on the partition");
    /* written after the open transaction's first record: behind the last
     * stable offset until that transaction ends */
    int32_t part;
    int64_t off;
    ok(trib_kafka_log_write(log, 0, "committed", 9, "v", 1, &part, &off, &err) == 0,
       "a committed record is written after it");

    ok(trib_kafka_log_read_to_end(log, 5000, &err) == 0 && committed_seen(&s) == 0,
       "read_to_end stops at the last stable offset, without that record (the old duplicate case)");

    int64_t t0 = trib_mono_ms();
    int rc = trib_kafka_log_read_past_open_transactions(log, 1500, &err);
    int64_t waited = trib_mono_ms() - t0;
    ok(rc < 0 && err.code == TRIB_ERR_TIMEOUT && trib_error_is_retriable(&err),
       "read_past_open_transactions times out (retriably) while the transaction stays open");
    ok(waited >= 1400 && waited < 10000, "it waited its bound, no longer (%lld ms)", (long long)waited);
    ok(committed_seen(&s) == 0, "and did not pretend to have read the hidden record");

    pthread_t th;
    aborter a = {.rk = tx, .after_ms = 1000};
    pthread_create(&th, NULL, abort_later, &a);
    rc = trib_kafka_log_read_past_open_transactions(log, 20000, &err);
    if (rc < 0) diag("%s", err.msg);
    ok(rc == 0 && committed_seen(&s) == 1,
       "once the transaction is aborted it returns with the committed record applied");
    pthread_join(th, NULL);
    pthread_mutex_lock(&s.lock);
    ok(s.open == 0, "the aborted transaction's record never shows");
    pthread_mutex_unlock(&s.lock);

    if (tx) rd_kafka_destroy(tx);
    trib_kafka_log_stop(log);
    trib_props_destroy(wp);
    return exit_status();
}
