/*
 * ingest_publisher.c: HTTP ingest's producers, converters, DLQ and counters
 * (ingest_publisher.h).
 *
 * Acknowledgement: every record is produced with a per-record opaque
 * pointing into its request's slot array; the delivery-report callback,
 * run by the publisher's poll thread, fills the slot and wakes the request
 * when its last record is settled. librdkafka reports every message
 * exactly once (acknowledged, or failed after message.timeout.ms), so the
 * wait ends; the batch is reference-counted (the request plus each pending
 * record) so nothing is freed under a late report.
 *
 * Back-pressure: a publisher admits a batch only if its records fit under
 * max.inflight.records (counted here, released by the delivery reports);
 * otherwise nothing of the batch is produced and the client gets 429. The
 * producer's own queue is sized above that bound, so librdkafka never
 * refuses a record of an admitted batch for a full queue.
 */
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/time.h"
#include "common/util.h"
#include "proto/converter.h"
#include "rest/http_json.h"
#include "rest/ingest_publisher.h"
#include "tenants/guard.h"
#include "transforms/transform.h"
#include "worker/connector_config.h"
#include "worker/dlq.h"
#include "worker/kafka_client.h"

const double trib_ingest_latency_bounds_ms[TRIB_INGEST_LATENCY_BUCKETS] = {1,   2,   5,    10,   20,   50,
                                                                           100, 200, 500, 1000, 5000, 30000};

/* ---- counters ----------------------------------------------------------------- */

typedef struct metrics_entry {
    char *connector;
    trib_ingest_metrics m;
    struct metrics_entry *next;
} metrics_entry;

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;   /* publishers list and counters */
static metrics_entry *g_metrics;
static atomic_bool g_shutdown;
static atomic_int g_active;   /* requests between begin and end */

/* Caller holds g_lock. */
static trib_ingest_metrics *metrics_for(const char *connector) {
    for (metrics_entry *e = g_metrics; e; e = e->next)
        if (strcmp(e->connector, connector) == 0) return &e->m;
    metrics_entry *e = trib_xcalloc(1, sizeof *e);
    e->connector = trib_xstrdup(connector);
    e->next = g_metrics;
    g_metrics = e;
    return &e->m;
}

int trib_ingest_metrics_read(const char *connector, trib_ingest_metrics *out) {
    int rc = -1;
    pthread_mutex_lock(&g_lock);
    for (metrics_entry *e = g_metrics; e; e = e->next)
        if (strcmp(e->connector, connector) == 0) {
            *out = e->m;
            rc = 0;
        }
    pthread_mutex_unlock(&g_lock);
    return rc;
}

void trib_ingest_metrics_count_throttled(const char *connector) {
    pthread_mutex_lock(&g_lock);
    metrics_for(connector)->requests_throttled++;
    pthread_mutex_unlock(&g_lock);
}

json_t *trib_ingest_metrics_json(const trib_ingest_metrics *m) {
    json_t *b = json_array();
    for (int i = 0; i <= TRIB_INGEST_LATENCY_BUCKETS; i++) {
        json_t *le = i < TRIB_INGEST_LATENCY_BUCKETS ? json_real(trib_ingest_latency_bounds_ms[i]) : json_string("+Inf");
        json_array_append_new(b, json_pack("{s:o,s:I}", "le", le, "count", (json_int_t)m->latency_buckets[i]));
    }
    return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:{s:I,s:f,s:o}}", "requests", (json_int_t)m->requests,
                     "records_accepted", (json_int_t)m->records_accepted, "records_rejected",
                     (json_int_t)m->records_rejected, "records_dead_lettered", (json_int_t)m->records_dead_lettered,
                     "records_failed", (json_int_t)m->records_failed, "requests_throttled",
                     (json_int_t)m->requests_throttled, "latency_ms", "count", (json_int_t)m->latency_count, "sum",
                     m->latency_sum_ms, "buckets", b);
}

/* ---- publishers ----------------------------------------------------------------- */

struct trib_ingest_publisher {
    char *connector;
    char *config_text;            /* the config it was built from, to notice changes */
    int refs;                     /* under g_lock */
    bool current;                 /* still the cached one */
    struct trib_ingest_publisher *next;
    trib_http_ingest_settings s;
    rd_kafka_t *rk;
    pthread_t poller;
    atomic_bool stop;
    atomic_long inflight;
    pthread_mutex_t conv_lock;
    trib_converter *key_conv, *value_conv;
    trib_header_converter *header_conv;  /* the request's headers, and those transforms add */
    char *value_conv_class;
    trib_error_policy policy;
    trib_dlq *dlq;
    trib_transform_chain *chain;   /* the connector's transforms (Validate ...), under conv_lock */
};

static trib_ingest_publisher *g_publishers;

typedef struct slot slot;
typedef struct batch batch;

enum { SLOT_PENDING, SLOT_ACKED, SLOT_INVALID, SLOT_DLQ, SLOT_FAILED, SLOT_SKIPPED, SLOT_DROPPED };

struct slot {
    batch *b;
    int state;
    int32_t partition;
    int64_t offset;
    rd_kafka_resp_err_t kerr;
    bool maybe_persisted;   /* failed, but the broker may have written it (timed out in flight) */
    char field[128];
    const char *rule;          /* an ingest check's name, or NULL with rule_id set */
    char rule_id[128];         /* a transform rule's id (Validate's rule_id) */
    char reason[256];
    trib_strbuf kbytes, vbytes;
    bool knull, vnull;
    trib_strbuf hbytes;            /* the headers' bytes (header.converter); hv points into it */
    trib_header *hv;               /* rec->nheaders of them */
    trib_record *rec;              /* after the transforms: topic and headers to produce */
    trib_transform_route route;    /* for SLOT_INVALID: who decides where it goes */
    trib_header *fheaders;         /* a failing transform's headers (copies), for the DLQ */
    size_t nfheaders;
};

struct batch {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    size_t pending;
    int refs;   /* under lock: the request + each pending record */
    int64_t t0_us;
    trib_ingest_publisher *p;
    slot *slots;
    size_t n;
};

static void batch_unref(batch *b) {
    pthread_mutex_lock(&b->lock);
    int left = --b->refs;
    pthread_mutex_unlock(&b->lock);
    if (left) return;
    for (size_t i = 0; i < b->n; i++) {
        slot *s = &b->slots[i];
        trib_strbuf_free(&s->kbytes);
        trib_strbuf_free(&s->vbytes);
        trib_strbuf_free(&s->hbytes);
        free(s->hv);
        trib_record_destroy(s->rec);
        for (size_t k = 0; k < s->nfheaders; k++) {
            free(s->fheaders[k].key);
            free(s->fheaders[k].value);
        }
        free(s->fheaders);
    }
    free(b->slots);
    pthread_mutex_destroy(&b->lock);
    pthread_cond_destroy(&b->cond);
    free(b);
}

static void observe_latency(trib_ingest_metrics *m, double ms) {
    int i = 0;
    while (i < TRIB_INGEST_LATENCY_BUCKETS && ms > trib_ingest_latency_bounds_ms[i]) i++;
    m->latency_buckets[i]++;
    m->latency_count++;
    m->latency_sum_ms += ms;
}

/* Delivery reports, on the publisher's poll thread. */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque) {
    (void)rk;
    trib_ingest_publisher *p = opaque;
    slot *s = msg->_private;
    batch *b = s->b;
    double ms = (double)(trib_mono_us() - b->t0_us) / 1000.0;
    pthread_mutex_lock(&g_lock);
    trib_ingest_metrics *m = metrics_for(p->connector);
    if (msg->err) m->records_failed++;
    else {
        m->records_accepted++;
        observe_latency(m, ms);
    }
    pthread_mutex_unlock(&g_lock);
    atomic_fetch_sub(&p->inflight, 1);
    pthread_mutex_lock(&b->lock);
    if (msg->err) {
        s->state = SLOT_FAILED;
        s->kerr = msg->err;
        s->maybe_persisted = rd_kafka_message_status(msg) != RD_KAFKA_MSG_STATUS_NOT_PERSISTED;
    } else {
        s->state = SLOT_ACKED;
        s->partition = msg->partition;
        s->offset = msg->offset;
    }
    b->pending--;
    int left = --b->refs;
    if (b->pending == 0) pthread_cond_broadcast(&b->cond);
    pthread_mutex_unlock(&b->lock);
    if (left == 0) {
        b->refs = 1;   /* nobody else holds it: free through the one path */
        batch_unref(b);
    }
}

static void *poll_main(void *arg) {
    trib_ingest_publisher *p = arg;
    while (!atomic_load(&p->stop)) rd_kafka_poll(p->rk, 100);
    return NULL;
}

static void publisher_free(trib_ingest_publisher *p) {
    if (!p) return;
    if (p->rk) {
        /* every admitted record gets its report before the producer goes:
         * its request is waiting for it (bounded by message.timeout.ms) */
        rd_kafka_flush(p->rk, p->s.ack_timeout_ms + 5000);
        atomic_store(&p->stop, true);
        pthread_join(p->poller, NULL);
        rd_kafka_destroy(p->rk);
    }
    trib_converter_destroy(p->key_conv);
    trib_converter_destroy(p->value_conv);
    trib_header_converter_destroy(p->header_conv);
    trib_dlq_destroy(p->dlq);
    trib_transform_chain_destroy(p->chain);
    trib_error_policy_free(&p->policy);
    pthread_mutex_destroy(&p->conv_lock);
    trib_http_ingest_settings_free(&p->s);
    free(p->value_conv_class);
    free(p->connector);
    free(p->config_text);
    free(p);
}

static trib_converter *make_converter(const trib_props *cfg, const trib_props *worker, const char *key, bool is_key,
                                      char **class_out, trib_error *err) {
    const char *cls = trib_props_get(cfg, key);
    const trib_props *src = cfg;
    if (!cls || !*cls) {
        cls = trib_props_get(worker, key);
        src = worker;
    }
    if (!cls || !*cls) {
        trib_error_set(err, TRIB_ERR_INVALID, "%s is not set for the connector nor the worker", key);
        return NULL;
    }
    char prefix[64];
    snprintf(prefix, sizeof prefix, "%s.", key);
    trib_props *cc = trib_props_subset(src, prefix);
    trib_converter *c = trib_converter_new(cls, cc, is_key, err);
    trib_props_destroy(cc);
    if (!c) trib_error_prefix(err, "%s", key);
    else if (class_out) *class_out = trib_xstrdup(cls);
    return c;
}

static trib_ingest_publisher *publisher_new(trib_herder *h, const char *connector, const json_t *cfg,
                                            char *text_take, trib_error *err) {
    trib_ingest_publisher *p = trib_xcalloc(1, sizeof *p);
    p->connector = trib_xstrdup(connector);
    p->config_text = text_take;
    pthread_mutex_init(&p->conv_lock, NULL);
    trib_props *props = trib_props_from_json(cfg, err);
    const trib_props *worker = h ? trib_herder_worker_props(h) : NULL;
    trib_props *empty = trib_props_new();
    if (!worker) worker = empty;
    int rc = -1;
    if (!props) goto out;
    if (trib_http_ingest_settings_load(props, &p->s, err) < 0) goto out;
    if (trib_error_policy_load(props, &p->policy, err) < 0) goto out;
    if (!(p->key_conv = make_converter(props, worker, "key.converter", true, NULL, err))) goto out;
    if (!(p->value_conv = make_converter(props, worker, "value.converter", false, &p->value_conv_class, err)))
        goto out;
    {
        /* header.converter: the connector's, else the worker's, else Connect's default */
        const char *hcls = trib_props_get(props, "header.converter");
        const trib_props *hsrc = props;
        if (!hcls || !*hcls) hcls = trib_props_get(hsrc = worker, "header.converter");
        trib_props *hc = trib_props_subset(hsrc, "header.converter.");
        p->header_conv = trib_header_converter_new(hcls && *hcls ? hcls : TRIB_SIMPLE_HEADER_CONVERTER, hc, err);
        trib_props_destroy(hc);
        if (!p->header_conv) {
            trib_error_prefix(err, "header.converter");
            goto out;
        }
    }
    if (!(p->chain = trib_transform_chain_new(props, err))) goto out;
    if (p->policy.dlq_topic && (p->policy.tolerate_all || trib_transform_chain_needs_dlq(p->chain)) &&
        !(p->dlq = trib_dlq_new(p->policy.dlq_topic, p->policy.dlq_replication_factor,
                                p->policy.dlq_context_headers, worker, props, connector, 0, err)))
        goto out;
    rd_kafka_conf_t *conf = trib_kafka_conf_new(TRIB_CLIENT_PRODUCER, worker, props, NULL, err);
    if (!conf) goto out;
    char num[32];
    snprintf(num, sizeof num, "%d", p->s.ack_timeout_ms);
    /* the producer's queue holds at least everything admitted (see top) */
    char qmax[32];
    snprintf(qmax, sizeof qmax, "%ld", (long)p->s.max_inflight_records * 2 + 1000);
    if (trib_kafka_conf_set(conf, "enable.idempotence", "true", err) < 0 ||
        trib_kafka_conf_set(conf, "acks", "all", err) < 0 ||
        trib_kafka_conf_set(conf, "message.timeout.ms", num, err) < 0 ||
        trib_kafka_conf_set(conf, "queue.buffering.max.messages", qmax, err) < 0) {
        rd_kafka_conf_destroy(conf);
        goto out;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, p);
    if (!(p->rk = trib_kafka_new(RD_KAFKA_PRODUCER, conf, err))) goto out;
    if (pthread_create(&p->poller, NULL, poll_main, p) != 0) {
        rd_kafka_destroy(p->rk);
        p->rk = NULL;
        trib_error_set(err, TRIB_ERR_INTERNAL, "ingest: cannot start the delivery thread");
        goto out;
    }
    rc = 0;
out:
    trib_props_destroy(props);
    trib_props_destroy(empty);
    if (rc < 0) {
        publisher_free(p);
        return NULL;
    }
    return p;
}

trib_ingest_publisher *trib_ingest_publisher_acquire(trib_herder *h, const char *connector, const json_t *cfg,
                                                     trib_error *err) {
    if (atomic_load(&g_shutdown)) {
        trib_error_set(err, TRIB_ERR_RETRIABLE, "The worker is shutting down");
        return NULL;
    }
    char *text = json_dumps(cfg, JSON_COMPACT | JSON_SORT_KEYS);
    trib_ingest_publisher *idle = NULL;   /* a retired publisher nobody uses: freed below */
    pthread_mutex_lock(&g_lock);
    for (trib_ingest_publisher **pp = &g_publishers; *pp; pp = &(*pp)->next) {
        trib_ingest_publisher *p = *pp;
        if (!p->current || strcmp(p->connector, connector) != 0) continue;
        if (strcmp(p->config_text, text) == 0) {
            p->refs++;
            pthread_mutex_unlock(&g_lock);
            free(text);
            return p;
        }
        p->current = false;   /* config changed: retire it once its users are done */
        if (p->refs == 0) {
            *pp = p->next;
            idle = p;
            break;
        }
    }
    /* Built under the lock, so two requests never build twins. Creating a
     * producer does not wait on the network; a DLQ checks its topic once
     * per config, holding up other connectors' first requests meanwhile. */
    trib_ingest_publisher *p = publisher_new(h, connector, cfg, text, err);
    if (p) {
        p->refs = 1;
        p->current = true;
        p->next = g_publishers;
        g_publishers = p;
    }
    pthread_mutex_unlock(&g_lock);
    publisher_free(idle);   /* NULL-safe; flushes outside the lock */
    return p;
}

void trib_ingest_publisher_release(trib_ingest_publisher *p) {
    if (!p) return;
    pthread_mutex_lock(&g_lock);
    bool drop = --p->refs == 0 && !p->current;
    if (drop)
        for (trib_ingest_publisher **pp = &g_publishers; *pp; pp = &(*pp)->next)
            if (*pp == p) {
                *pp = p->next;
                break;
            }
    pthread_mutex_unlock(&g_lock);
    if (drop) publisher_free(p);
}

const trib_http_ingest_settings *trib_ingest_publisher_settings(const trib_ingest_publisher *p) {
    return &p->s;
}

void trib_ingest_shutdown(void) {
    atomic_store(&g_shutdown, true);
}

bool trib_ingest_shutting_down(void) {
    return atomic_load(&g_shutdown);
}

bool trib_ingest_request_begin(void) {
    /* count first, then look: a drain that saw 0 after setting the flag
     * cannot miss a request that saw the flag clear */
    atomic_fetch_add(&g_active, 1);
    if (!atomic_load(&g_shutdown)) return true;
    atomic_fetch_sub(&g_active, 1);
    return false;
}

void trib_ingest_request_end(void) {
    atomic_fetch_sub(&g_active, 1);
}

void trib_ingest_drain(int max_ms) {
    int64_t until = trib_mono_ms() + max_ms;
    while (atomic_load(&g_active) > 0 && trib_mono_ms() < until) trib_sleep_ms(20);
}

void trib_ingest_publishers_destroy(void) {
    pthread_mutex_lock(&g_lock);
    trib_ingest_publisher *list = g_publishers;
    g_publishers = NULL;
    metrics_entry *m = g_metrics;
    g_metrics = NULL;
    pthread_mutex_unlock(&g_lock);
    while (list) {
        trib_ingest_publisher *next = list->next;
        publisher_free(list);
        list = next;
    }
    while (m) {
        metrics_entry *next = m->next;
        free(m->connector);
        free(m);
        m = next;
    }
}

/* ---- one request ------------------------------------------------------------------ */

static void set_invalid(slot *s, const char *field, const char *rule, const char *reason) {
    s->state = SLOT_INVALID;
    snprintf(s->field, sizeof s->field, "%s", field ? field : "");
    s->rule = rule;
    snprintf(s->reason, sizeof s->reason, "%s", reason);
}

/* A copy of header hs named key, as text, or NULL. */
static const trib_header *find_header(const trib_header *hs, size_t n, const char *key) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(hs[i].key, key) == 0) return &hs[i];
    return NULL;
}

static void header_text(const trib_header *h, char *buf, size_t cap) {
    snprintf(buf, cap, "%.*s", h && h->value ? (int)(h->len < cap ? h->len : cap - 1) : 0,
             h && h->value ? (const char *)h->value : "");
}

/* Types record i, runs the connector's transforms (Validate rules among
 * them) and converts it into its slot: SLOT_PENDING when it is ready to
 * produce, SLOT_DROPPED when a transform dropped it, SLOT_INVALID with the
 * field, rule and reason otherwise. Caller holds p->conv_lock. */
static void prepare(trib_ingest_publisher *p, slot *s, const json_t *j, const char *parse_error,
                    const char *const *hnames, const char *const *hvalues, size_t nh) {
    s->route = TRIB_ROUTE_TOLERANCE;
    if (!j) {
        set_invalid(s, "", "json", parse_error ? parse_error : "not JSON");
        return;
    }
    trib_value *v = NULL, *k = NULL;
    const char *rule = NULL;
    trib_error err = {0};
    if (trib_http_ingest_type(&p->s, j, &v, &k, s->field, sizeof s->field, &rule, &err) < 0) {
        char field[128];
        snprintf(field, sizeof field, "%s", s->field);
        set_invalid(s, field, rule, err.msg);
        return;
    }
    trib_record *rec = trib_record_new(p->s.topic);
    trib_record_set_key_take(rec, trib_schema_ref(p->s.key_schema), k);
    trib_record_set_value_take(rec, trib_schema_ref(p->s.value_schema), v);
    for (size_t i = 0; i < nh; i++) trib_record_add_header_string(rec, hnames[i], hvalues[i]);
    if (trib_transform_chain_apply(p->chain, &rec, &err) < 0) {
        const trib_transform_failure *f = trib_transform_chain_failure(p->chain);
        char field[128], id[128], reason[256];
        const trib_header *fh = f ? f->headers : NULL;
        size_t nfh = f ? f->nheaders : 0;
        header_text(find_header(fh, nfh, "__validate.field"), field, sizeof field);
        header_text(find_header(fh, nfh, "__validate.rule.id"), id, sizeof id);
        header_text(find_header(fh, nfh, "__validate.reason"), reason, sizeof reason);
        set_invalid(s, field, "transform", *reason ? reason : err.msg);
        if (*id) {
            s->rule = NULL;
            snprintf(s->rule_id, sizeof s->rule_id, "%s", id);
        }
        s->route = f ? f->route : TRIB_ROUTE_TOLERANCE;
        if (nfh) {
            s->fheaders = trib_xcalloc(nfh, sizeof *s->fheaders);
            for (size_t i = 0; i < nfh; i++) {
                s->fheaders[i].key = trib_xstrdup(fh[i].key);
                s->fheaders[i].len = fh[i].len;
                if (fh[i].value) {
                    s->fheaders[i].value = trib_xmalloc(fh[i].len ? fh[i].len : 1);
                    memcpy(s->fheaders[i].value, fh[i].value, fh[i].len);
                }
            }
            s->nfheaders = nfh;
        }
        trib_record_destroy(rec);
        return;
    }
    if (!rec) {
        s->state = SLOT_DROPPED;
        return;
    }
    int rc = p->key_conv->plugin->from_connect(p->key_conv->ctx, rec->topic, rec->key_schema, rec->key, &s->kbytes,
                                               &s->knull, &err);
    if (rc == 0)
        rc = p->value_conv->plugin->from_connect(p->value_conv->ctx, rec->topic, rec->value_schema, rec->value,
                                                 &s->vbytes, &s->vnull, &err);
    if (rc == 0) rc = trib_header_converter_wire(p->header_conv, rec, &s->hv, &s->hbytes, &err);
    s->rec = rec;
    if (rc < 0) {
        set_invalid(s, "", "converter", err.msg);
        /* a registry that cannot be reached is not the client's fault */
        if (err.code == TRIB_ERR_RETRIABLE || err.code == TRIB_ERR_TIMEOUT) s->rule = "converter_unavailable";
    }
}

/* The rule id shown for an invalid slot: a Validate rule's id, or the
 * name of the ingest check that refused it. */
static const char *slot_rule(const slot *s) {
    if (!s->rule && s->rule_id[0]) return s->rule_id;
    return s->rule ? s->rule : "type";
}

static void dead_letter(trib_ingest_publisher *p, slot *s, const json_t *j) {
    char *raw = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    trib_error why = {.code = TRIB_ERR_INVALID};
    snprintf(why.msg, sizeof why.msg, "record refused (field '%s', rule %s): %s", s->field, slot_rule(s), s->reason);
    trib_dlq_entry e = {.stage = s->nfheaders ? "TRANSFORMATION" : "VALUE_CONVERTER", .topic = p->s.topic,
                        .partition = -1, .offset = -1, .value = raw, .value_len = raw ? strlen(raw) : 0,
                        .headers = s->fheaders, .nheaders = s->nfheaders, .class_name = TRIB_HTTP_INGEST_CLASS,
                        .why = &why};
    trib_error err = {0};
    if (trib_dlq_send(p->dlq, &e, &err) == 0) s->state = SLOT_DLQ;
    else snprintf(s->reason + strlen(s->reason), sizeof s->reason - strlen(s->reason), " (and the DLQ failed: %s)", err.msg);
    free(raw);
}

static json_t *slot_json(size_t i, const slot *s) {
    switch (s->state) {
    case SLOT_ACKED:
        return json_pack("{s:I,s:i,s:I}", "index", (json_int_t)i, "partition", (int)s->partition, "offset",
                         (json_int_t)s->offset);
    case SLOT_FAILED:
        return json_pack("{s:I,s:i,s:s,s:s}", "index", (json_int_t)i, "error_code",
                         s->kerr == RD_KAFKA_RESP_ERR__MSG_TIMED_OUT ? 504 : 503, "message",
                         rd_kafka_err2str(s->kerr), "persisted", s->maybe_persisted ? "possibly" : "no");
    case SLOT_DROPPED:
        return json_pack("{s:I,s:b}", "index", (json_int_t)i, "dropped", 1);
    case SLOT_SKIPPED:
        return json_pack("{s:I,s:i,s:s}", "index", (json_int_t)i, "error_code", 409, "message",
                         "not produced: another record of this all-or-nothing batch is invalid");
    default: {
        json_t *o = json_pack("{s:I,s:i,s:s,s:s,s:o}", "index", (json_int_t)i, "error_code",
                              (s->rule && strcmp(s->rule, "converter_unavailable") == 0) ? 503 : 400, "field",
                              s->field, "rule_id", slot_rule(s), "reason",
                              trib_rest_json_string_lossy(s->reason));
        if (s->state == SLOT_DLQ) json_object_set_new(o, "dead_lettered", json_true());
        return o;
    }
    }
}

int trib_ingest_publish(trib_ingest_publisher *p, json_t *const *records, const char *const *parse_errors,
                        size_t n, bool single, const char *const *hnames, const char *const *hvalues, size_t nh,
                        int64_t t0_us, json_t **body, int *retry_after) {
    batch *b = trib_xcalloc(1, sizeof *b);
    pthread_mutex_init(&b->lock, NULL);
    pthread_cond_init(&b->cond, NULL);
    b->refs = 1;
    b->t0_us = t0_us;
    b->p = p;
    b->n = n;
    b->slots = trib_xcalloc(n ? n : 1, sizeof *b->slots);
    size_t nvalid = 0, ninvalid = 0, nrefused = 0;
    trib_error gerr = {0};
    trib_tenant_guard *guard = trib_tenant_guard_open(p->connector, &gerr);
    pthread_mutex_lock(&p->conv_lock);
    trib_transform_chain_batch_begin(p->chain);   /* a request is a batch (Validate's unique rules) */
    for (size_t i = 0; i < n; i++) {
        slot *s = &b->slots[i];
        s->b = b;
        trib_strbuf_init(&s->kbytes);
        trib_strbuf_init(&s->vbytes);
        trib_strbuf_init(&s->hbytes);
        prepare(p, s, records[i], parse_errors ? parse_errors[i] : NULL, hnames, hvalues, nh);
        /* a transform may route the record elsewhere: the tenant's prefix
         * holds for that topic too (tenants/guard.h) */
        if (s->state == SLOT_PENDING && strcmp(s->rec->topic, p->s.topic) != 0 &&
            trib_tenant_guard_check_topic(guard, s->rec->topic, &gerr) < 0)
            set_invalid(s, "", "topic", gerr.msg);
        if (s->state == SLOT_PENDING) nvalid++;
        if (s->state != SLOT_INVALID) continue;
        ninvalid++;
        /* dead-lettered instead of refused: a transform's own DLQ route,
         * or errors.tolerance=all */
        bool to_dlq = p->dlq && (s->route == TRIB_ROUTE_DLQ ||
                                 (s->route == TRIB_ROUTE_TOLERANCE && p->policy.tolerate_all));
        if (!to_dlq) nrefused++;
        else s->state = SLOT_DLQ;   /* provisional: sent below, once the batch is admitted */
    }
    pthread_mutex_unlock(&p->conv_lock);
    trib_tenant_guard_close(guard);
    pthread_mutex_lock(&g_lock);
    trib_ingest_metrics *m = metrics_for(p->connector);
    m->requests++;
    pthread_mutex_unlock(&g_lock);

    int status = 200;
    if (nrefused && (single || p->s.all_or_nothing)) {
        /* refused whole: nothing is produced, nothing dead-lettered */
        pthread_mutex_lock(&g_lock);
        metrics_for(p->connector)->records_rejected += ninvalid;
        pthread_mutex_unlock(&g_lock);
        json_t *errs = json_array();
        for (size_t i = 0; i < n; i++) {
            if (b->slots[i].state == SLOT_PENDING || b->slots[i].state == SLOT_DLQ) b->slots[i].state = SLOT_SKIPPED;
            if (b->slots[i].state == SLOT_INVALID) json_array_append_new(errs, slot_json(i, &b->slots[i]));
        }
        const slot *first = NULL;
        size_t fi = 0;
        for (size_t i = 0; i < n && !first; i++)
            if (b->slots[i].state == SLOT_INVALID) first = &b->slots[i], fi = i;
        char msg[512];
        snprintf(msg, sizeof msg, "record %zu: field '%s': %s (rule %s)%s", fi, first->field, first->reason,
                 slot_rule(first), n > 1 ? "; nothing of this batch was produced" : "");
        /* refused only because the schema registry could not be reached:
         * not the client's fault, retry later */
        bool unavailable = true;
        for (size_t i = 0; i < n; i++)
            if (b->slots[i].state == SLOT_INVALID && (!b->slots[i].rule ||
                                                     strcmp(b->slots[i].rule, "converter_unavailable") != 0))
                unavailable = false;
        int st = unavailable ? 503 : 400;
        if (unavailable) *retry_after = 1;
        *body = json_pack("{s:i,s:o,s:o}", "error_code", st, "message", trib_rest_json_string_lossy(msg), "errors",
                          errs);
        batch_unref(b);
        return st;
    }
    if (nvalid) {
        long before = atomic_fetch_add(&p->inflight, (long)nvalid);
        if (before + (long)nvalid > p->s.max_inflight_records) {
            atomic_fetch_sub(&p->inflight, (long)nvalid);
            pthread_mutex_lock(&g_lock);
            metrics_for(p->connector)->requests_throttled++;
            pthread_mutex_unlock(&g_lock);
            *retry_after = 1;
            *body = trib_rest_error_json(429, "Too many records waiting for Kafka's acknowledgement on this worker "
                                              "(max.inflight.records); retry later");
            batch_unref(b);
            return 429;
        }
    }
    if (nvalid) {
        /* the tenant's rate quotas (records and bytes in): refused with
         * the time after which the batch would fit, nothing taken */
        uint64_t bytes = 0;
        for (size_t i = 0; i < n; i++)
            if (b->slots[i].state == SLOT_PENDING) bytes += b->slots[i].kbytes.len + b->slots[i].vbytes.len;
        trib_tenant_guard *g = trib_tenant_guard_open(p->connector, &gerr);
        int64_t wait_us = trib_tenant_guard_admit(g, TRIB_TENANT_IN, nvalid, bytes);
        trib_tenant_guard_close(g);
        if (wait_us > 0) {
            atomic_fetch_sub(&p->inflight, (long)nvalid);
            pthread_mutex_lock(&g_lock);
            metrics_for(p->connector)->requests_throttled++;
            pthread_mutex_unlock(&g_lock);
            *retry_after = (int)((wait_us + 999999) / 1000000);
            *body = trib_rest_error_json(429, "The tenant's rate quota (records/s or bytes/s in) is used up; "
                                              "retry after the number of seconds in Retry-After");
            batch_unref(b);
            return 429;
        }
    }
    for (size_t i = 0; i < n; i++) {
        slot *s = &b->slots[i];
        if (s->state != SLOT_DLQ) continue;
        s->state = SLOT_INVALID;
        dead_letter(p, s, records[i]);   /* SLOT_DLQ again once the DLQ has it */
    }
    pthread_mutex_lock(&g_lock);
    m = metrics_for(p->connector);
    m->records_rejected += ninvalid;
    for (size_t i = 0; i < n; i++) m->records_dead_lettered += b->slots[i].state == SLOT_DLQ;
    pthread_mutex_unlock(&g_lock);

    for (size_t i = 0; i < n; i++) {
        slot *s = &b->slots[i];
        if (s->state != SLOT_PENDING) continue;
        rd_kafka_headers_t *hdrs = NULL;
        if (s->rec->nheaders) {
            hdrs = rd_kafka_headers_new(s->rec->nheaders);
            for (size_t k = 0; k < s->rec->nheaders; k++)
                rd_kafka_header_add(hdrs, s->hv[k].key, -1, s->hv[k].value, (ssize_t)s->hv[k].len);
        }
        pthread_mutex_lock(&b->lock);
        b->pending++;
        b->refs++;
        pthread_mutex_unlock(&b->lock);
        rd_kafka_resp_err_t e = rd_kafka_producev(
            p->rk, RD_KAFKA_V_TOPIC(s->rec->topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_KEY(s->knull ? NULL : s->kbytes.data, s->knull ? 0 : s->kbytes.len),
            RD_KAFKA_V_VALUE(s->vnull ? NULL : s->vbytes.data, s->vnull ? 0 : s->vbytes.len),
            RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_OPAQUE(s), RD_KAFKA_V_END);
        if (e) {
            if (hdrs) rd_kafka_headers_destroy(hdrs);
            atomic_fetch_sub(&p->inflight, 1);
            pthread_mutex_lock(&b->lock);
            b->pending--;
            b->refs--;
            s->state = SLOT_FAILED;
            s->kerr = e;
            pthread_mutex_unlock(&b->lock);
            pthread_mutex_lock(&g_lock);
            metrics_for(p->connector)->records_failed++;
            pthread_mutex_unlock(&g_lock);
        }
    }
    pthread_mutex_lock(&b->lock);
    while (b->pending) pthread_cond_wait(&b->cond, &b->lock);
    pthread_mutex_unlock(&b->lock);

    json_t *results = json_array();
    size_t accepted = 0, failed = 0, timed_out = 0;
    for (size_t i = 0; i < n; i++) {
        const slot *s = &b->slots[i];
        accepted += s->state == SLOT_ACKED;
        failed += s->state == SLOT_FAILED;
        timed_out += s->state == SLOT_FAILED && s->kerr == RD_KAFKA_RESP_ERR__MSG_TIMED_OUT;
        json_array_append_new(results, slot_json(i, s));
    }
    if (failed) status = timed_out == failed ? 504 : 503;
    *body = json_pack("{s:I,s:I,s:I,s:o}", "accepted", (json_int_t)accepted, "rejected", (json_int_t)ninvalid,
                      "failed", (json_int_t)failed, "results", results);
    if (failed) {
        json_object_set_new(*body, "error_code", json_integer(status));
        json_object_set_new(*body, "message",
                            json_string("Kafka did not acknowledge every record: see results (records with an "
                                        "offset are in Kafka; those with persisted \"no\" are not; those with "
                                        "\"possibly\" timed out in flight and may be: a retry may duplicate them)"));
    }
    batch_unref(b);
    return status;
}
