/*
 * routes_ingest.c: HTTP ingest (docs/connectors/http-ingest.md).
 *
 *   POST /ingest/{c}                    (admin-auth rules, as /connectors)
 *   POST /tenants/{t}/ingest/{c}        (tenant t's API key)
 *   GET  /ingest/{c}, /tenants/{t}/ingest/{c}   this worker's counters
 *
 * A POST body is streamed (rest/router.h TRIB_REST_STREAM) into a buffer
 * bounded by the connector's max.body.bytes (413 by Content-Length before
 * reading, and while a chunked body arrives), so a body never costs more
 * than that limit, whatever the client sends. When it is complete it is
 * parsed as one JSON value (an object is one record, an array a batch) or
 * as NDJSON (one record per line), and rest/ingest_publisher.c types,
 * produces and waits for Kafka's acknowledgement of every record before
 * the answer goes out. A client that disconnects mid-body gets nothing
 * produced (the sink is aborted before anything was parsed); one that
 * disconnects while its records are in flight loses nothing: the request
 * thread still waits for their acknowledgement.
 */
#include <string.h>
#include <strings.h>

#include "common/time.h"
#include "common/util.h"
#include "connectors/http/ingest.h"
#include "rest/http_json.h"
#include "rest/ingest_publisher.h"
#include "rest/ingest_ws.h"
#include "rest/routes.h"
#include "rest/server.h"
#include "tenants/guard.h"
#include "worker/connector.h"

enum { BODY_JSON, BODY_NDJSON };

typedef struct ingest_sink {
    trib_ingest_publisher *pub;
    char *connector;    /* full name */
    int mode;
    int64_t max;
    trib_strbuf buf;
    int64_t t0_us;
} ingest_sink;

/* Ends the request's count (trib_ingest_request_end): a sink exists only
 * between a counted open and the end of its request. */
static void sink_free(ingest_sink *k) {
    if (!k) return;
    trib_ingest_request_end();
    trib_ingest_publisher_release(k->pub);
    free(k->connector);
    trib_strbuf_free(&k->buf);
    free(k);
}

/* The full name of the connector a route names, checking the tenant;
 * NULL with resp filled. */
static char *connector_name(trib_rest_request *req, trib_rest_response *resp) {
    const char *tn = trib_rest_kv_get(&req->params, "tenant");
    const char *c = trib_rest_kv_get(&req->params, "connector");
    if (tn && (!req->tenant || strcmp(req->tenant, tn) != 0)) {
        trib_rest_reply_error(resp, 403, "This request is not authorized for that tenant");
        return NULL;
    }
    if (!c || !*c || (tn && strchr(c, '/'))) {
        trib_rest_reply_error(resp, 404, "Connector %s not found", c ? c : "");
        return NULL;
    }
    return tn ? trib_xasprintf("%s/%s", tn, c) : trib_xstrdup(c);
}

/* The connector's config if it is an HttpIngest connector (new reference),
 * else NULL with resp filled. */
static json_t *ingest_config(trib_rest_request *req, const char *full, trib_rest_response *resp) {
    const char *c = trib_rest_kv_get(&req->params, "connector");
    trib_error err = {0};
    json_t *cfg = trib_herder_config(req->herder, full, &err);
    if (!cfg) {
        if (trib_rest_kv_get(&req->params, "tenant"))
            snprintf(err.msg, sizeof err.msg, "Connector %s not found", c);   /* never the full name */
        trib_rest_reply_err(resp, &err);
        return NULL;
    }
    const char *cls = json_string_value(json_object_get(cfg, "connector.class"));
    const trib_connector_info *info = cls ? trib_connector_lookup(cls) : NULL;
    if (!info || strcmp(info->class_name, TRIB_HTTP_INGEST_CLASS) != 0) {
        json_decref(cfg);
        trib_rest_reply_error(resp, 400, "Connector %s does not take pushed records: only HttpIngest connectors do",
                              c);
        return NULL;
    }
    return cfg;
}

static int media_type(const char *ct) {
    if (!ct) return -1;
    while (*ct == ' ' || *ct == '\t') ct++;
    size_t n = strcspn(ct, "; \t");
    if (n == 16 && strncasecmp(ct, "application/json", 16) == 0) return BODY_JSON;
    if ((n == 20 && strncasecmp(ct, "application/x-ndjson", 20) == 0) ||
        (n == 17 && strncasecmp(ct, "application/jsonl", 17) == 0))
        return BODY_NDJSON;
    return -1;
}

static void *open_counted(trib_rest_request *req, json_t *cfg, char *full, trib_rest_response *resp);

static void *ingest_open(trib_rest_request *req, trib_rest_response *resp) {
    if (trib_ingest_shutting_down()) {
        trib_rest_reply_error(resp, 503, "The worker is shutting down; send the request to another worker");
        resp->retry_after = 1;
        return NULL;
    }
    char *full = connector_name(req, resp);
    if (!full) return NULL;
    json_t *cfg = ingest_config(req, full, resp);
    if (!cfg) {
        free(full);
        return NULL;
    }
    if (!trib_ingest_request_begin()) {
        json_decref(cfg);
        free(full);
        trib_rest_reply_error(resp, 503, "The worker is shutting down; send the request to another worker");
        resp->retry_after = 1;
        return NULL;
    }
    void *k = open_counted(req, cfg, full, resp);
    if (!k) trib_ingest_request_end();
    return k;
}

/* ingest_open once the request is counted (trib_ingest_request_begin).
 * Takes cfg and full. */
static void *open_counted(trib_rest_request *req, json_t *cfg, char *full, trib_rest_response *resp) {
    const char *state = NULL;
    trib_error err = {0};
    json_t *st = trib_herder_status(req->herder, full, &err);
    state = json_string_value(json_object_get(json_object_get(st, "connector"), "state"));
    if (state && strcmp(state, "RUNNING") != 0) {
        trib_rest_reply_error(resp, 409, "Connector %s is %s: it takes records only while RUNNING",
                              trib_rest_kv_get(&req->params, "connector"), state);
        json_decref(st);
        json_decref(cfg);
        free(full);
        return NULL;
    }
    json_decref(st);
    int mode = media_type(trib_rest_request_header(req, "Content-Type"));
    if (mode < 0) {
        const char *ct = trib_rest_request_header(req, "Content-Type");
        json_decref(cfg);
        free(full);
        trib_rest_reply_error(resp, 415,
                              "Unsupported Content-Type '%s': send application/json (a record or an array of "
                              "records) or application/x-ndjson (one record per line)",
                              ct ? ct : "(none)");
        return NULL;
    }
    trib_ingest_publisher *pub = trib_ingest_publisher_acquire(req->herder, full, cfg, &err);
    json_decref(cfg);
    if (!pub) {
        free(full);
        if (err.code == TRIB_ERR_INVALID) trib_rest_reply_error(resp, 500, "Connector config is unusable: %s", err.msg);
        else trib_rest_reply_err(resp, &err);
        return NULL;
    }
    /* runtime check of the tenant's topic prefix, as the task loops do
     * (tenants/guard.h): the config was checked at create time, this
     * catches a tenant deleted or changed since */
    trib_tenant_guard *g = trib_tenant_guard_open(full, &err);
    if ((!g && err.code != TRIB_OK) ||
        trib_tenant_guard_check_topic(g, trib_ingest_publisher_settings(pub)->topic, &err) < 0) {
        trib_tenant_guard_close(g);
        trib_ingest_publisher_release(pub);
        free(full);
        trib_rest_reply_error(resp, 403, "%s", err.msg);
        return NULL;
    }
    trib_tenant_guard_close(g);
    int64_t max = trib_ingest_publisher_settings(pub)->max_body_bytes;
    const char *cl = trib_rest_request_header(req, "Content-Length");
    if (cl) {
        char *end;
        unsigned long long len = strtoull(cl, &end, 10);
        if (end == cl || len > (unsigned long long)max) {
            trib_rest_reply_error(resp, 413, "Request body of %s bytes exceeds max.body.bytes (%lld)", cl,
                                  (long long)max);
            trib_ingest_publisher_release(pub);
            free(full);
            return NULL;
        }
    }
    ingest_sink *k = trib_xcalloc(1, sizeof *k);
    k->pub = pub;
    k->connector = full;
    k->mode = mode;
    k->max = max;
    k->t0_us = trib_mono_us();
    trib_strbuf_init(&k->buf);
    return k;
}

static int ingest_write(void *sink, const void *data, size_t n, trib_rest_response *resp) {
    ingest_sink *k = sink;
    if ((int64_t)(k->buf.len + n) > k->max) {
        trib_rest_reply_error(resp, 413, "Request body exceeds max.body.bytes (%lld); nothing was produced",
                              (long long)k->max);
        return -1;
    }
    trib_strbuf_append(&k->buf, data, n);
    return 0;
}

static void ingest_abort(void *sink) {
    sink_free(sink);
}

static void free_records(json_t **recs, char **errs, size_t n) {
    for (size_t i = 0; i < n; i++) {
        json_decref(recs[i]);
        free(errs[i]);
    }
    free(recs);
    free(errs);
}

/* Splits the body into records; -1 with resp filled when the body as a
 * whole is unusable. */
static int split_body(ingest_sink *k, json_t ***recs_out, char ***errs_out, size_t *n_out, bool *single,
                      trib_rest_response *resp) {
    json_t **recs = NULL;
    char **errs = NULL;
    size_t n = 0, cap = 0;
    *single = false;
    if (k->mode == BODY_JSON) {
        json_error_t jerr;
        json_t *doc = json_loadb(k->buf.data ? k->buf.data : "", k->buf.len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES,
                                 &jerr);
        if (!doc) {
            trib_rest_reply_error(resp, 400, "Malformed JSON body at line %d, column %d: %s; nothing was produced",
                                  jerr.line, jerr.column, jerr.text);
            return -1;
        }
        if (json_is_array(doc)) {
            n = json_array_size(doc);
            recs = trib_xcalloc(n ? n : 1, sizeof *recs);
            errs = trib_xcalloc(n ? n : 1, sizeof *errs);
            for (size_t i = 0; i < n; i++) recs[i] = json_incref(json_array_get(doc, i));
            json_decref(doc);
        } else {
            n = 1;
            recs = trib_xcalloc(1, sizeof *recs);
            errs = trib_xcalloc(1, sizeof *errs);
            recs[0] = doc;
            *single = true;
        }
    } else {
        const char *p = k->buf.data ? k->buf.data : "", *end = p + k->buf.len;
        size_t line = 0;
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            const char *le = nl ? nl : end;
            line++;
            size_t len = (size_t)(le - p);
            if (len && p[len - 1] == '\r') len--;
            bool blank = true;
            for (size_t i = 0; i < len && blank; i++) blank = p[i] == ' ' || p[i] == '\t';
            if (!blank) {
                if (n == cap) {
                    cap = cap ? cap * 2 : 64;
                    recs = trib_xrealloc(recs, cap * sizeof *recs);
                    errs = trib_xrealloc(errs, cap * sizeof *errs);
                }
                json_error_t jerr;
                recs[n] = json_loadb(p, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
                errs[n] = recs[n] ? NULL
                                  : trib_xasprintf("line %zu, column %d: %s", line, jerr.column, jerr.text);
                n++;
            }
            p = nl ? nl + 1 : end;
        }
    }
    if (n == 0) {
        free_records(recs, errs, n);
        trib_rest_reply_error(resp, 400, "The body holds no records");
        return -1;
    }
    *recs_out = recs;
    *errs_out = errs;
    *n_out = n;
    return 0;
}

static void h_ingest_done(trib_rest_request *req, trib_rest_response *resp) {
    ingest_sink *k = req->stream;
    req->stream = NULL;
    json_t **recs = NULL;
    char **errs = NULL;
    size_t n = 0;
    bool single = false;
    if (split_body(k, &recs, &errs, &n, &single, resp) < 0) {
        sink_free(k);
        return;
    }
    trib_strbuf_free(&k->buf);   /* parsed: the bytes are no longer needed */
    const trib_http_ingest_settings *s = trib_ingest_publisher_settings(k->pub);
    const char **hn = trib_xcalloc(s->nheader_names + 1, sizeof *hn);
    const char **hv = trib_xcalloc(s->nheader_names + 1, sizeof *hv);
    size_t nh = 0;
    for (size_t i = 0; i < s->nheader_names; i++) {
        const char *v = trib_rest_request_header(req, s->header_names[i]);
        if (!v) continue;
        hn[nh] = s->header_names[i];
        hv[nh++] = v;
    }
    json_t *body = NULL;
    int retry_after = 0;
    int status = trib_ingest_publish(k->pub, recs, (const char *const *)errs, n, single, hn, hv, nh, k->t0_us, &body,
                                     &retry_after);
    free(hn);
    free(hv);
    free_records(recs, errs, n);
    sink_free(k);
    trib_rest_reply(resp, status, body);
    resp->retry_after = retry_after;
}

/* GET with Upgrade: websocket: a WebSocket session (rest/ingest_ws.c). */
static void ws_upgrade(trib_rest_request *req, char *full, json_t *cfg, trib_rest_response *resp) {
    trib_error err = {0};
    if (trib_ingest_shutting_down()) {
        trib_rest_reply_error(resp, 503, "The worker is shutting down; connect to another worker");
        resp->retry_after = 1;
        return;
    }
    trib_ingest_publisher *pub = trib_ingest_publisher_acquire(req->herder, full, cfg, &err);
    if (!pub) {
        if (err.code == TRIB_ERR_INVALID) trib_rest_reply_error(resp, 500, "Connector config is unusable: %s", err.msg);
        else trib_rest_reply_err(resp, &err);
        return;
    }
    trib_tenant_guard *g = trib_tenant_guard_open(full, &err);
    if ((!g && err.code != TRIB_OK) ||
        trib_tenant_guard_check_topic(g, trib_ingest_publisher_settings(pub)->topic, &err) < 0) {
        trib_tenant_guard_close(g);
        trib_ingest_publisher_release(pub);
        trib_rest_reply_error(resp, 403, "%s", err.msg);
        return;
    }
    trib_tenant_guard_close(g);
    trib_ingest_ws_accept(req, full, pub, resp);
}

static void h_ingest_metrics(trib_rest_request *req, trib_rest_response *resp) {
    char *full = connector_name(req, resp);
    if (!full) return;
    json_t *cfg = ingest_config(req, full, resp);
    if (!cfg) {
        free(full);
        return;
    }
    if (trib_ingest_ws_requested(req)) {
        ws_upgrade(req, full, cfg, resp);
        json_decref(cfg);
        free(full);
        return;
    }
    json_decref(cfg);
    trib_ingest_metrics m;
    if (trib_ingest_metrics_read(full, &m) < 0) memset(&m, 0, sizeof m);
    free(full);
    trib_rest_reply(resp, 200,
                    json_pack("{s:s,s:o}", "connector", trib_rest_kv_get(&req->params, "connector"), "metrics",
                              trib_ingest_metrics_json(&m)));
}

#define H TRIB_REST_NEEDS_HERDER
static const trib_rest_stream_ops ingest_ops = {ingest_open, ingest_write, ingest_abort};
static const trib_rest_route ingest_post_routes[] = {
    {"POST", "/ingest/{connector}", h_ingest_done, H},
    {"POST", "/tenants/{tenant}/ingest/{connector}", h_ingest_done, H},
};
static const trib_rest_route ingest_get_routes[] = {
    {"GET", "/ingest/{connector}", h_ingest_metrics, H},
    {"GET", "/tenants/{tenant}/ingest/{connector}", h_ingest_metrics, H},
};

void trib_rest_add_ingest_routes(trib_rest_router *r) {
    trib_rest_router_add(r, ingest_get_routes, sizeof ingest_get_routes / sizeof *ingest_get_routes);
    for (size_t i = 0; i < sizeof ingest_post_routes / sizeof *ingest_post_routes; i++)
        trib_rest_router_add_stream(r, &ingest_post_routes[i], &ingest_ops);
}
