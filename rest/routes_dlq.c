/*
 * routes_dlq.c: a connector's dead letter queue, as the console shows it
 * (Tributary's own route; rest/README.md, docs/console.md).
 *
 *   GET /connectors/{c}/dlq?limit=N              (admin view)
 *   GET /tenants/{t}/connectors/{c}/dlq?limit=N  (tenant t's key; mirrored
 *                                                 by rest/routes_tenants.c)
 *
 * The topic read is always the connector's own
 * errors.deadletterqueue.topic.name, never one named by the caller; on the
 * tenant route it is checked against the tenant's topic prefix (and the
 * worker's reserved names) before any Kafka client exists, so a config
 * that somehow points outside the tenant is refused rather than read.
 *
 * Reading: a short-lived consumer (the worker's client settings) is
 * assigned the last N offsets of every partition (watermarks queried
 * first), never subscribes, never commits and stores no offset; it reads
 * until every partition reaches the high watermark it had when asked, or
 * a deadline of a few seconds passes (then "complete" is false). The N
 * newest records by timestamp are kept. At most DLQ_READERS reads run at
 * once (each is a Kafka client with its own threads); more get 429.
 *
 * Rendering: keys, values and header values are untrusted bytes. Text
 * (valid UTF-8 without control characters other than tab and newlines) is
 * sent as a JSON string, anything else as base64; both are cut to
 * SHOW_BYTES and say their full size and whether they were cut. The
 * console puts every string into the page as text, never as HTML.
 */
#include <librdkafka/rdkafka.h>
#include <openssl/evp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/time.h"
#include "common/util.h"
#include "rest/http_json.h"
#include "rest/routes.h"
#include "tenants/guard.h"
#include "tenants/tenant.h"
#include "worker/kafka_client.h"

#define DLQ_KEY "errors.deadletterqueue.topic.name"
#define LIMIT_DEFAULT 50
#define LIMIT_MAX 100
#define SHOW_BYTES 1024      /* of each key, value and header value */
#define HEADERS_MAX 64       /* per record */
#define READ_MS 5000         /* the whole read, metadata included */
#define DLQ_READERS 2

static atomic_int readers;

/* ---- rendering ------------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at s[0..n), 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n) {
    unsigned char c = s[0];
    size_t len;
    uint32_t cp;
    if (c < 0x80) return 1;
    if ((c & 0xE0) == 0xC0) len = 2, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0) len = 3, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0) len = 4, cp = c & 0x07;
    else return 0;
    if (len > n) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) return 0;
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

/* True when b is text a person can read: valid UTF-8, no control bytes
 * but tab, CR and LF. *cut is the longest whole-character prefix of at
 * most SHOW_BYTES. */
static bool is_text(const unsigned char *b, size_t n, size_t *cut) {
    *cut = 0;
    for (size_t i = 0; i < n;) {
        if ((b[i] < 0x20 && b[i] != '\t' && b[i] != '\n' && b[i] != '\r') || b[i] == 0x7F) return false;
        size_t l = utf8_seq(b + i, n - i);
        if (!l) return false;
        if (i + l <= SHOW_BYTES) *cut = i + l;
        i += l;
    }
    return true;
}

/* Fills o with {size, encoding, data, truncated} for bytes b (NULL: Kafka null). */
static void put_bytes(json_t *o, const void *b, size_t n) {
    if (!b) {
        json_object_set_new(o, "encoding", json_null());
        json_object_set_new(o, "data", json_null());
        json_object_set_new(o, "size", json_integer(0));
        json_object_set_new(o, "truncated", json_false());
        return;
    }
    size_t cut;
    json_object_set_new(o, "size", json_integer((json_int_t)n));
    if (is_text(b, n, &cut)) {
        json_object_set_new(o, "encoding", json_string("text"));
        json_object_set_new(o, "data", json_stringn(b, cut));
        json_object_set_new(o, "truncated", json_boolean(cut < n));
        return;
    }
    size_t take = n < SHOW_BYTES ? n : SHOW_BYTES;
    char *enc = trib_xmalloc(4 * ((take + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)enc, b, (int)take);
    json_object_set_new(o, "encoding", json_string("base64"));
    json_object_set_new(o, "data", json_string(enc));
    json_object_set_new(o, "truncated", json_boolean(take < n));
    free(enc);
}

static json_t *record_json(const rd_kafka_message_t *m) {
    json_t *r = json_object();
    json_object_set_new(r, "partition", json_integer(m->partition));
    json_object_set_new(r, "offset", json_integer((json_int_t)m->offset));
    rd_kafka_timestamp_type_t tt;
    int64_t ts = rd_kafka_message_timestamp(m, &tt);
    json_object_set_new(r, "timestamp", ts >= 0 ? json_integer((json_int_t)ts) : json_null());
    json_t *k = json_object(), *v = json_object();
    put_bytes(k, m->key, m->key_len);
    put_bytes(v, m->payload, m->len);
    json_object_set_new(r, "key", k);
    json_object_set_new(r, "value", v);
    json_t *hs = json_array();
    rd_kafka_headers_t *h = NULL;
    size_t nh = 0;
    if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char *name;
        const void *val;
        size_t len;
        for (size_t i = 0; rd_kafka_header_get_all(h, i, &name, &val, &len) == RD_KAFKA_RESP_ERR_NO_ERROR; i++) {
            nh++;
            if (i >= HEADERS_MAX) continue;
            json_t *o = json_object();
            json_object_set_new(o, "key", trib_rest_json_string_lossy(name));
            put_bytes(o, val, len);
            json_array_append_new(hs, o);
        }
    }
    json_object_set_new(r, "headers", hs);
    json_object_set_new(r, "headers_total", json_integer((json_int_t)nh));
    return r;
}

/* ---- reading -------------------------------------------------------------------- */

typedef struct kept {
    int64_t ts;
    json_t *rec;
} kept;

/* Keeps the `limit` newest (timestamp, then partition/offset order of
 * arrival) in keep[0..*n). */
static void keep_record(kept *keep, size_t *n, size_t limit, const rd_kafka_message_t *m) {
    rd_kafka_timestamp_type_t tt;
    int64_t ts = rd_kafka_message_timestamp(m, &tt);
    if (*n < limit) {
        keep[(*n)++] = (kept){ts, record_json(m)};
        return;
    }
    size_t old = 0;
    for (size_t i = 1; i < *n; i++)
        if (keep[i].ts < keep[old].ts) old = i;
    if (ts <= keep[old].ts) return;
    json_decref(keep[old].rec);
    keep[old] = (kept){ts, record_json(m)};
}

static int cmp_newest(const void *a, const void *b) {
    const kept *x = a, *y = b;
    if (x->ts != y->ts) return x->ts < y->ts ? 1 : -1;
    int64_t px = json_integer_value(json_object_get(x->rec, "partition"));
    int64_t py = json_integer_value(json_object_get(y->rec, "partition"));
    if (px != py) return px < py ? -1 : 1;
    int64_t ox = json_integer_value(json_object_get(x->rec, "offset"));
    int64_t oy = json_integer_value(json_object_get(y->rec, "offset"));
    return ox < oy ? 1 : ox > oy ? -1 : 0;
}

static int remaining(int64_t deadline) {
    int64_t left = deadline - trib_mono_ms();
    return left > 0 ? (int)left : 0;
}

/* Reads the newest `limit` records of topic into out (a new object:
 * topic, records, complete, partitions). A topic that does not exist yet
 * has no records. RETRIABLE/TIMEOUT when Kafka does not answer in time. */
static json_t *read_recent(const trib_props *worker_props, const char *topic, size_t limit, trib_error *err) {
    int64_t deadline = trib_mono_ms() + READ_MS;
    static atomic_uint seq;
    char id[96];
    snprintf(id, sizeof id, "tributary-dlq-view-%ld-%u", (long)getpid(), atomic_fetch_add(&seq, 1));
    trib_props *d = trib_props_new();
    trib_props_set(d, "client.id", id);
    trib_props_set(d, "group.id", id);   /* required by librdkafka; never joined, nothing committed */
    trib_props_set(d, "enable.auto.commit", "false");
    trib_props_set(d, "enable.auto.offset.store", "false");
    trib_props_set(d, "enable.partition.eof", "true");
    trib_props_set(d, "fetch.wait.max.ms", "100");
    trib_props_set(d, "queued.max.messages.kbytes", "8192");
    rd_kafka_conf_t *conf = trib_kafka_conf_new(TRIB_CLIENT_CONSUMER, worker_props, NULL, d, err);
    trib_props_destroy(d);
    if (!conf) return NULL;
    /* whatever the worker's consumer.* keys say, this reader never commits */
    if (trib_kafka_conf_set(conf, "enable.auto.commit", "false", err) < 0 ||
        trib_kafka_conf_set(conf, "enable.partition.eof", "true", err) < 0) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_t *rk = trib_kafka_new(RD_KAFKA_CONSUMER, conf, err);
    if (!rk) return NULL;

    json_t *out = NULL;
    kept *keep = trib_xcalloc(limit, sizeof *keep);
    size_t nkeep = 0;
    rd_kafka_topic_partition_list_t *parts = NULL;
    int64_t *end = NULL;
    bool *done = NULL;
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, rkt, &md, remaining(deadline));
    rd_kafka_topic_destroy(rkt);
    if (e) {
        trib_kafka_error(err, e, topic);
        goto done;
    }
    json_t *pinfo = json_array();
    out = json_object();
    json_object_set_new(out, "topic", json_string(topic));
    json_object_set_new(out, "partitions", pinfo);
    const struct rd_kafka_metadata_topic *mt = md->topic_cnt == 1 ? &md->topics[0] : NULL;
    if (!mt || mt->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || mt->partition_cnt == 0) {
        json_object_set_new(out, "exists", json_false());
        json_object_set_new(out, "complete", json_true());
        json_object_set_new(out, "records", json_array());
        goto done;
    }
    if (mt->err) {
        json_decref(out);
        out = NULL;
        trib_kafka_error(err, mt->err, topic);
        goto done;
    }
    int np = mt->partition_cnt;
    parts = rd_kafka_topic_partition_list_new(np);
    end = trib_xcalloc((size_t)np, sizeof *end);
    done = trib_xcalloc((size_t)np, sizeof *done);
    int pending = 0;
    for (int i = 0; i < np; i++) {
        int32_t p = mt->partitions[i].id;
        int64_t lo = 0, hi = 0;
        e = rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &hi, remaining(deadline));
        if (e) {
            json_decref(out);
            out = NULL;
            trib_kafka_error(err, e, "watermarks");
            goto done;
        }
        json_t *pi = json_object();
        json_object_set_new(pi, "partition", json_integer(p));
        json_object_set_new(pi, "start_offset", json_integer((json_int_t)lo));
        json_object_set_new(pi, "end_offset", json_integer((json_int_t)hi));
        json_array_append_new(pinfo, pi);
        int64_t from = hi - (int64_t)limit > lo ? hi - (int64_t)limit : lo;
        if (from >= hi) continue;
        rd_kafka_topic_partition_list_add(parts, topic, p)->offset = from;
        end[i] = hi;
        pending++;
    }
    bool complete = true;
    if (pending > 0) {
        e = rd_kafka_assign(rk, parts);
        if (e) {
            json_decref(out);
            out = NULL;
            trib_kafka_error(err, e, "assign");
            goto done;
        }
        while (pending > 0) {
            int left = remaining(deadline);
            if (!left) {
                complete = false;
                break;
            }
            rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, left < 100 ? left : 100);
            if (!m) continue;
            int i = 0;
            while (i < np && mt->partitions[i].id != m->partition) i++;
            if (i < np && !done[i]) {
                if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                    done[i] = true;
                    pending--;
                } else if (!m->err && m->offset < end[i]) {
                    keep_record(keep, &nkeep, limit, m);
                    if (m->offset + 1 >= end[i]) {
                        done[i] = true;
                        pending--;
                    }
                }
            }
            rd_kafka_message_destroy(m);
        }
    }
    qsort(keep, nkeep, sizeof *keep, cmp_newest);
    json_t *recs = json_array();
    for (size_t i = 0; i < nkeep; i++) json_array_append_new(recs, keep[i].rec);
    nkeep = 0;
    json_object_set_new(out, "exists", json_true());
    json_object_set_new(out, "complete", json_boolean(complete));
    json_object_set_new(out, "records", recs);
done:
    for (size_t i = 0; i < nkeep; i++) json_decref(keep[i].rec);
    free(keep);
    free(end);
    free(done);
    if (parts) rd_kafka_topic_partition_list_destroy(parts);
    if (md) rd_kafka_metadata_destroy(md);
    /* no group was joined: close just drops the assignment */
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return out;
}

/* ---- the route ------------------------------------------------------------------ */

static int parse_limit(const trib_rest_request *req, size_t *out, trib_rest_response *resp) {
    const char *s = trib_rest_kv_get(&req->query, "limit");
    *out = LIMIT_DEFAULT;
    if (!s) return 0;
    char *endp;
    long v = strtol(s, &endp, 10);
    if (!*s || *endp || v < 1 || v > LIMIT_MAX) {
        trib_rest_reply_error(resp, 400, "limit must be an integer from 1 to %d", LIMIT_MAX);
        return -1;
    }
    *out = (size_t)v;
    return 0;
}

/* On a tenant's route: the DLQ topic must be the tenant's (prefix, not
 * reserved), whatever the stored config says. */
static int check_tenant_topic(const trib_rest_request *req, const char *connector, const char *topic,
                              trib_rest_response *resp) {
    if (!req->tenant) return 0;
    size_t tl = strlen(req->tenant);
    if (strncmp(connector, req->tenant, tl) != 0 || connector[tl] != '/') {
        trib_rest_reply_error(resp, 404, "Connector %s not found", connector);
        return -1;
    }
    trib_error err = {0};
    trib_tenants *reg = trib_tenant_runtime_registry();
    trib_tenant *t = reg ? trib_tenants_get(reg, req->tenant, &err) : NULL;
    if (!t) {
        trib_rest_reply_error(resp, 404, "Tenant %s not found", req->tenant);
        return -1;
    }
    trib_tenant_scope scope = {.tenant = t->name, .topic_prefix = t->topic_prefix, .staging_root = NULL};
    int rc = trib_tenant_check_topic_name(&scope, DLQ_KEY, topic, &err);
    trib_tenant_free(t);
    if (rc < 0) trib_rest_reply_err(resp, &err);
    return rc;
}

void trib_rest_h_connector_dlq(trib_rest_request *req, trib_rest_response *resp) {
    const char *name = trib_rest_kv_get(&req->params, "connector");
    size_t limit;
    if (parse_limit(req, &limit, resp) < 0) return;
    trib_error err = {0};
    json_t *cfg = trib_herder_config(req->herder, name ? name : "", &err);
    if (!cfg) {
        trib_rest_reply_err(resp, &err);
        return;
    }
    const char *t = json_string_value(json_object_get(cfg, DLQ_KEY));
    char *topic = t && *t ? trib_xstrdup(t) : NULL;
    json_decref(cfg);
    if (!topic) {
        trib_rest_reply_error(resp, 404, "Connector %s has no dead letter queue (%s is not set)", name, DLQ_KEY);
        return;
    }
    if (check_tenant_topic(req, name, topic, resp) < 0) {
        free(topic);
        return;
    }
    if (atomic_fetch_add(&readers, 1) >= DLQ_READERS) {
        atomic_fetch_sub(&readers, 1);
        free(topic);
        trib_rest_reply_error(resp, 429, "Too many dead letter queue reads in progress on this worker; retry");
        resp->retry_after = 1;
        return;
    }
    json_t *out = read_recent(trib_herder_worker_props(req->herder), topic, limit, &err);
    atomic_fetch_sub(&readers, 1);
    free(topic);
    if (!out) {
        if (err.code == TRIB_ERR_TIMEOUT || err.code == TRIB_ERR_RETRIABLE) {
            trib_rest_reply_error(resp, 503, "%s", err.msg);
            resp->retry_after = 1;
        } else {
            trib_rest_reply_err(resp, &err);
        }
        return;
    }
    json_object_set_new(out, "connector", json_string(name));
    json_object_set_new(out, "limit", json_integer((json_int_t)limit));
    trib_rest_reply(resp, 200, out);
}
