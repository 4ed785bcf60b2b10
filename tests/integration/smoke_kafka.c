/*
 * smoke_kafka: proves KAFKA_BOOTSTRAP is a real Kafka broker.
 *
 * Creates a uniquely named topic with the admin API, produces N keyed
 * messages with delivery reports, reads them back from the beginning with an
 * assign()ed consumer, compares key/value/offset, then deletes the topic.
 */
#include <librdkafka/rdkafka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/tap.h"

#define N_MSGS 200
#define TIMEOUT_MS 30000

struct dr_state {
    int delivered;
    int failed;
    int64_t offsets[N_MSGS];
    char first_error[256];
};

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    struct dr_state *st = opaque;
    if (m->err) {
        if (!st->failed)
            snprintf(st->first_error, sizeof st->first_error, "%s", rd_kafka_err2str(m->err));
        st->failed++;
        return;
    }
    intptr_t idx = (intptr_t)m->_private;
    if (idx >= 0 && idx < N_MSGS) st->offsets[idx] = m->offset;
    st->delivered++;
}

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static rd_kafka_conf_t *base_conf(const char *bootstrap) {
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof err) != RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "client.id", "tributary-smoke-kafka", err, sizeof err) != RD_KAFKA_CONF_OK) {
        diag("conf: %s", err);
    }
    return conf;
}

/* Waits for one admin result event on q; returns it (caller destroys) or NULL. */
static rd_kafka_event_t *wait_admin(rd_kafka_queue_t *q, rd_kafka_event_type_t type) {
    int64_t deadline = now_ms() + TIMEOUT_MS;
    while (now_ms() < deadline) {
        rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 1000);
        if (!ev) continue;
        if (rd_kafka_event_type(ev) == type) return ev;
        rd_kafka_event_destroy(ev);
    }
    return NULL;
}

static int create_topic(rd_kafka_t *rk, const char *topic) {
    char err[512];
    int good = 0;
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, 1, 1, err, sizeof err);
    if (!nt) {
        diag("NewTopic: %s", err);
        ok(0, "CreateTopics request built");
        skip(1, "no topic");
        return 0;
    }
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_operation_timeout(opts, TIMEOUT_MS, err, sizeof err);
    rd_kafka_CreateTopics(rk, &nt, 1, opts, q);
    rd_kafka_event_t *ev = wait_admin(q, RD_KAFKA_EVENT_CREATETOPICS_RESULT);
    ok(ev != NULL, "CreateTopics returned a result within %d ms", TIMEOUT_MS);
    if (ev) {
        if (rd_kafka_event_error(ev)) diag("CreateTopics: %s", rd_kafka_event_error_string(ev));
        const rd_kafka_CreateTopics_result_t *res = rd_kafka_event_CreateTopics_result(ev);
        size_t n = 0;
        const rd_kafka_topic_result_t **tr = res ? rd_kafka_CreateTopics_result_topics(res, &n) : NULL;
        rd_kafka_resp_err_t terr = (tr && n == 1) ? rd_kafka_topic_result_error(tr[0])
                                                  : RD_KAFKA_RESP_ERR__FAIL;
        if (terr && tr && n == 1) diag("topic error: %s", rd_kafka_topic_result_error_string(tr[0]));
        is_str(rd_kafka_err2name(terr), rd_kafka_err2name(RD_KAFKA_RESP_ERR_NO_ERROR),
               "topic %s created", topic);
        good = terr == RD_KAFKA_RESP_ERR_NO_ERROR;
        rd_kafka_event_destroy(ev);
    } else {
        skip(1, "no CreateTopics result");
    }
    rd_kafka_AdminOptions_destroy(opts);
    rd_kafka_queue_destroy(q);
    rd_kafka_NewTopic_destroy(nt);
    return good;
}

static void delete_topic(rd_kafka_t *rk, const char *topic) {
    char err[512];
    rd_kafka_DeleteTopic_t *dt = rd_kafka_DeleteTopic_new(topic);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DELETETOPICS);
    rd_kafka_AdminOptions_set_operation_timeout(opts, TIMEOUT_MS, err, sizeof err);
    rd_kafka_DeleteTopics(rk, &dt, 1, opts, q);
    rd_kafka_event_t *ev = wait_admin(q, RD_KAFKA_EVENT_DELETETOPICS_RESULT);
    rd_kafka_resp_err_t terr = RD_KAFKA_RESP_ERR__TIMED_OUT;
    if (ev) {
        const rd_kafka_DeleteTopics_result_t *res = rd_kafka_event_DeleteTopics_result(ev);
        size_t n = 0;
        const rd_kafka_topic_result_t **tr = res ? rd_kafka_DeleteTopics_result_topics(res, &n) : NULL;
        terr = (tr && n == 1) ? rd_kafka_topic_result_error(tr[0]) : RD_KAFKA_RESP_ERR__FAIL;
        rd_kafka_event_destroy(ev);
    }
    is_str(rd_kafka_err2name(terr), rd_kafka_err2name(RD_KAFKA_RESP_ERR_NO_ERROR),
           "topic %s deleted", topic);
    rd_kafka_AdminOptions_destroy(opts);
    rd_kafka_queue_destroy(q);
    rd_kafka_DeleteTopic_destroy(dt);
}

static void make_payload(char *buf, size_t sz, const char *topic, int i) {
    snprintf(buf, sz, "tributary smoke message %d of %d on %s", i, N_MSGS, topic);
}

int main(void) {
    const char *bootstrap = tap_require_env("KAFKA_BOOTSTRAP");
    char err[512];
    char topic[128];
    srand((unsigned)(time(NULL) ^ getpid()));
    snprintf(topic, sizeof topic, "trib-smoke-%ld-%d-%04x", (long)time(NULL), (int)getpid(),
             rand() & 0xffff);
    plan(13);
    diag("broker %s, topic %s", bootstrap, topic);

    /* Producer (also the admin client). */
    struct dr_state *st = calloc(1, sizeof *st);
    for (int i = 0; i < N_MSGS; i++) st->offsets[i] = -1;
    rd_kafka_conf_t *pconf = base_conf(bootstrap);
    rd_kafka_conf_set(pconf, "enable.idempotence", "true", err, sizeof err);
    rd_kafka_conf_set(pconf, "linger.ms", "5", err, sizeof err);
    rd_kafka_conf_set_dr_msg_cb(pconf, dr_cb);
    rd_kafka_conf_set_opaque(pconf, st);
    rd_kafka_t *prod = rd_kafka_new(RD_KAFKA_PRODUCER, pconf, err, sizeof err);
    if (!prod) {
        rd_kafka_conf_destroy(pconf);
        free(st);
        BAIL_OUT(err);
    }

    int created = create_topic(prod, topic);

    /* Produce N keyed messages to partition 0. */
    int enqueued = 0;
    for (int i = 0; created && i < N_MSGS; i++) {
        char key[32], val[256];
        snprintf(key, sizeof key, "key-%d", i);
        make_payload(val, sizeof val, topic, i);
        rd_kafka_resp_err_t e = rd_kafka_producev(
            prod, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(0),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key, strlen(key)),
            RD_KAFKA_V_VALUE(val, strlen(val)), RD_KAFKA_V_OPAQUE((void *)(intptr_t)i),
            RD_KAFKA_V_END);
        if (e) {
            diag("producev %d: %s", i, rd_kafka_err2str(e));
            break;
        }
        enqueued++;
        rd_kafka_poll(prod, 0);
    }
    rd_kafka_resp_err_t ferr = rd_kafka_flush(prod, TIMEOUT_MS);
    is_int(enqueued, created ? N_MSGS : 0, "enqueued all messages");
    ok(ferr == RD_KAFKA_RESP_ERR_NO_ERROR, "flush completed (%s)", rd_kafka_err2name(ferr));
    if (st->failed) diag("first delivery error: %s", st->first_error);
    is_int(st->failed, 0, "no delivery errors");
    is_int(st->delivered, N_MSGS, "%d delivery reports with success", N_MSGS);
    int contiguous = 1;
    for (int i = 0; i < N_MSGS; i++)
        if (st->offsets[i] != i) contiguous = 0;
    ok(contiguous, "delivery reports carry offsets 0..%d in produce order", N_MSGS - 1);

    /* Consumer: assign partition 0 from the beginning, read N back. */
    rd_kafka_conf_t *cconf = base_conf(bootstrap);
    char group[160];
    snprintf(group, sizeof group, "%s-reader", topic);
    rd_kafka_conf_set(cconf, "group.id", group, err, sizeof err);
    rd_kafka_conf_set(cconf, "enable.auto.commit", "false", err, sizeof err);
    rd_kafka_conf_set(cconf, "enable.partition.eof", "true", err, sizeof err);
    rd_kafka_t *cons = rd_kafka_new(RD_KAFKA_CONSUMER, cconf, err, sizeof err);
    if (!cons) {
        rd_kafka_conf_destroy(cconf);
        diag("consumer: %s", err);
    }
    int got = 0, mismatches = 0, offset_bad = 0;
    if (cons && st->delivered > 0) {
        rd_kafka_poll_set_consumer(cons);
        rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(parts, topic, 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
        rd_kafka_resp_err_t aerr = rd_kafka_assign(cons, parts);
        rd_kafka_topic_partition_list_destroy(parts);
        ok(aerr == RD_KAFKA_RESP_ERR_NO_ERROR, "assign %s[0] @ beginning", topic);

        int64_t deadline = now_ms() + TIMEOUT_MS;
        while (got < N_MSGS && now_ms() < deadline) {
            rd_kafka_message_t *m = rd_kafka_consumer_poll(cons, 500);
            if (!m) continue;
            if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                rd_kafka_message_destroy(m);
                continue;
            }
            if (m->err) {
                diag("consume error: %s", rd_kafka_message_errstr(m));
                rd_kafka_message_destroy(m);
                continue;
            }
            char key[32], val[256];
            snprintf(key, sizeof key, "key-%d", got);
            make_payload(val, sizeof val, topic, got);
            int same = m->key_len == strlen(key) && memcmp(m->key, key, m->key_len) == 0 &&
                       m->len == strlen(val) && memcmp(m->payload, val, m->len) == 0;
            if (!same) {
                if (mismatches < 3)
                    diag("message %d: got key '%.*s' value '%.*s'", got, (int)m->key_len,
                         (const char *)m->key, (int)m->len, (const char *)m->payload);
                mismatches++;
            }
            if (m->offset != got) offset_bad++;
            got++;
            rd_kafka_message_destroy(m);
        }
        rd_kafka_consumer_close(cons);
    } else {
        skip(1, "no consumer or nothing produced");
    }
    is_int(got, N_MSGS, "consumed %d messages back", N_MSGS);
    is_int(mismatches, 0, "every key and value matches what was produced, in order");
    is_int(offset_bad, 0, "consumed offsets are 0..%d", N_MSGS - 1);
    if (cons) rd_kafka_destroy(cons);

    if (created)
        delete_topic(prod, topic);
    else
        skip(1, "topic was not created");

    rd_kafka_destroy(prod);
    free(st);
    ok(rd_kafka_wait_destroyed(10000) == 0, "all librdkafka handles destroyed");
    return exit_status();
}
