/*
 * dlq.c: dead letter queue producer. See dlq.h.
 *
 * Header names and meanings follow Kafka Connect's DeadLetterQueueReporter,
 * so tools written for Connect's DLQ read ours.
 */
#include "worker/dlq.h"
#include "common/log.h"
#include "common/util.h"
#include "worker/kafka_client.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct trib_dlq {
    rd_kafka_t *rk;
    char *topic;
    bool context_headers;
    char *connector;
    int task_id;
};

typedef struct delivery {
    int done;
    rd_kafka_resp_err_t err;
} delivery;

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    (void)opaque;
    delivery *d = m->_private;
    if (!d) return;
    d->err = m->err;
    d->done = 1;
}

trib_dlq *trib_dlq_new(const char *topic, int replication_factor, bool context_headers,
                       const trib_props *worker_props, const trib_props *connector_config,
                       const char *connector, int task_id, trib_error *err) {
    trib_props *defaults = trib_props_new();
    trib_props_set(defaults, "enable.idempotence", "true");
    trib_props_set(defaults, "linger.ms", "0");
    char cid[300];
    snprintf(cid, sizeof cid, "connector-dlq-producer-%s-%d", connector, task_id);
    trib_props_set(defaults, "client.id", cid);
    rd_kafka_conf_t *conf = trib_kafka_conf_new(TRIB_CLIENT_PRODUCER, worker_props, connector_config,
                                                defaults, err);
    trib_props_destroy(defaults);
    if (!conf) return NULL;
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    rd_kafka_t *rk = trib_kafka_new(RD_KAFKA_PRODUCER, conf, err);
    if (!rk) return NULL;
    if (trib_kafka_ensure_topic(rk, topic, 1, replication_factor, NULL, 10000, err) < 0) {
        rd_kafka_destroy(rk);
        return NULL;
    }
    trib_dlq *d = trib_xcalloc(1, sizeof *d);
    d->rk = rk;
    d->topic = trib_xstrdup(topic);
    d->context_headers = context_headers;
    d->connector = trib_xstrdup(connector);
    d->task_id = task_id;
    return d;
}

static void hdr(rd_kafka_headers_t *h, const char *name, const char *value) {
    rd_kafka_header_add(h, name, -1, value, (ssize_t)strlen(value));
}

int trib_dlq_send(trib_dlq *d, const trib_dlq_entry *e, trib_error *err) {
    rd_kafka_headers_t *h = rd_kafka_headers_new(8 + e->nheaders);
    for (size_t i = 0; i < e->nheaders; i++)
        rd_kafka_header_add(h, e->headers[i].key, -1, e->headers[i].value, (ssize_t)e->headers[i].len);
    if (d->context_headers) {
        char num[32];
        if (e->topic) hdr(h, "__connect.errors.topic", e->topic);
        if (e->partition >= 0) {
            snprintf(num, sizeof num, "%d", e->partition);
            hdr(h, "__connect.errors.partition", num);
        }
        if (e->offset >= 0) {
            snprintf(num, sizeof num, "%lld", (long long)e->offset);
            hdr(h, "__connect.errors.offset", num);
        }
        hdr(h, "__connect.errors.connector.name", d->connector);
        snprintf(num, sizeof num, "%d", d->task_id);
        hdr(h, "__connect.errors.task.id", num);
        hdr(h, "__connect.errors.stage", e->stage);
        if (e->class_name) hdr(h, "__connect.errors.class.name", e->class_name);
        const char *code = e->why ? trib_err2str(e->why->code) : "unknown";
        char exc[64];
        snprintf(exc, sizeof exc, "tributary.%s", code);
        hdr(h, "__connect.errors.exception.class.name", exc);
        hdr(h, "__connect.errors.exception.message", e->why ? e->why->msg : "");
        hdr(h, "__connect.errors.exception.stacktrace", e->why ? e->why->msg : "");
    }
    delivery dv = {0, 0};
    rd_kafka_resp_err_t rc = rd_kafka_producev(
        d->rk, RD_KAFKA_V_TOPIC(d->topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY((void *)e->key, e->key ? e->key_len : 0),
        RD_KAFKA_V_VALUE((void *)e->value, e->value ? e->value_len : 0), RD_KAFKA_V_HEADERS(h),
        RD_KAFKA_V_OPAQUE(&dv), RD_KAFKA_V_END);
    if (rc) {
        rd_kafka_headers_destroy(h);
        return trib_kafka_error(err, rc, "dead letter queue produce");
    }
    /* bounded wait: message.timeout.ms bounds delivery; check every 100 ms */
    for (int i = 0; i < 3000 && !dv.done; i++) rd_kafka_poll(d->rk, 100);
    if (!dv.done) {
        /* The message may still be delivered later; purge it so its
         * callback never touches our stack frame. */
        rd_kafka_purge(d->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_poll(d->rk, 0);
        return trib_error_set(err, TRIB_ERR_TIMEOUT, "kafka: dead letter queue %s: delivery timed out", d->topic);
    }
    if (dv.err) return trib_kafka_error(err, dv.err, "dead letter queue delivery");
    return 0;
}

void trib_dlq_destroy(trib_dlq *d) {
    if (!d) return;
    rd_kafka_flush(d->rk, 5000);
    rd_kafka_destroy(d->rk);
    free(d->topic);
    free(d->connector);
    free(d);
}
