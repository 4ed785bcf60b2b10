/*
 * server.c: the libmicrohttpd side of the REST API (see server.h).
 *
 * Request life cycle, per MHD's access-handler protocol:
 *  - the URI-log callback allocates our per-request state with the raw
 *    request target (MHD would otherwise decode the path before we can
 *    split it, turning "a%2Fb" into two segments);
 *  - first call (headers read): parse the target, route, and refuse early
 *    (404, 405 + Allow, 413 by Content-Length, 415, 503 without a herder);
 *  - upload calls: buffer the body up to max_body_bytes; past it, drop the
 *    buffer and answer 413 (draining a bounded amount so the client sees the
 *    status, then closing);
 *  - last call: parse the JSON body, run the auth hook and the handler,
 *    serialize the response;
 *  - completion callback: one DEBUG line (method, path, status), free state;
 *  - connection closed: free the state of a request MHD dropped before the
 *    access handler (MHD calls no completion callback for it).
 *
 * Streamed bodies (TRIB_REST_STREAM routes, uploads) take a side path: the
 * auth hook runs at the first call, the route's sink is opened before any
 * byte is read, each piece goes to the sink (through MHD's post processor
 * for multipart/form-data, so only the file part's bytes), and the sink is
 * aborted if the request ends any other way than through its handler.
 */
#include "rest/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "common/log.h"
#include "common/time.h"
#include "common/util.h"
#include "rest/http_json.h"
#include "rest/routes.h"

#define DEFAULT_THREADS 4
/* Idle timeout of a connection (keep-alive, a body that stops coming). */
#define CONNECTION_TIMEOUT_S 60
/* While a request's headers are read: a client that sends the request line
 * and then trickles headers (slowloris) is dropped after this long without
 * a byte, instead of holding a connection slot for a minute. */
#define HEADER_TIMEOUT_S 10
/* Connections per client address (MHD refuses more at accept), and in all.
 * The total is not bound to FD_SETSIZE: the daemon polls with epoll. */
#define PER_IP_CONNECTIONS 64
#define MAX_CONNECTIONS 4096
/* Headers and request line share this per-connection pool; 64 KiB lets
 * long (even hostile) paths reach the router, which answers 404 itself. */
#define CONNECTION_MEMORY (64u * 1024u)
/* After a 413 we read and drop at most this much more before closing. */
#define DRAIN_LIMIT (4u * 1024u * 1024u)

struct trib_rest_server {
    struct MHD_Daemon *daemon;
    trib_rest_router *router;
    trib_herder *herder;
    trib_rest_config cfg;
    char *host;
    int port;
};

typedef struct req_state {
    trib_rest_server *srv;
    struct MHD_Connection *conn;
    char *target;          /* raw request target */
    char *path;            /* raw path part of it */
    char method[16];
    bool started;
    bool responded;        /* a response is queued */
    bool too_large;
    int status;            /* for the log line */
    int64_t t0_ms;
    size_t drained;
    trib_strbuf body;
    trib_rest_request req;
    /* streamed bodies */
    const trib_rest_stream_ops *stream;
    struct MHD_PostProcessor *pp;   /* multipart/form-data */
    bool stream_failed;             /* a write refused: answer stream_resp after draining */
    bool file_part_seen;
    char *file_part_key;            /* "<field>\n<filename>" of the part streamed */
    trib_rest_response stream_resp;
    /* a protocol upgrade queued (see trib_rest_response.on_upgrade) */
    void (*on_upgrade)(void *arg, int fd, const char *extra, size_t extra_len, void *handle);
    void (*upgrade_free)(void *arg);
    void *upgrade_arg;    /* NULL once on_upgrade took it */
} req_state;

/* Per connection (MHD's socket context): the request state handed to MHD
 * and not yet given back through the completion callback. MHD calls that
 * callback only for requests that reached the access handler, so a request
 * it drops after the URI callback (a head larger than the connection's
 * memory pool, e.g. ~1,000 query parameters) would leak its state; the
 * connection-closed notification frees it instead. */
typedef struct conn_state {
    req_state *pending;
} conn_state;

static conn_state *conn_of(struct MHD_Connection *conn) {
    const union MHD_ConnectionInfo *ci =
        conn ? MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT) : NULL;
    return ci ? ci->socket_context : NULL;
}

static req_state *state_new(trib_rest_server *srv, const char *uri) {
    req_state *st = trib_xcalloc(1, sizeof *st);
    st->srv = srv;
    st->target = trib_xstrdup(uri ? uri : "/");
    st->t0_ms = trib_mono_ms();
    trib_strbuf_init(&st->body);
    trib_rest_kv_init(&st->req.params);
    trib_rest_kv_init(&st->req.query);
    return st;
}

static void state_free(req_state *st) {
    if (!st) return;
    if (st->req.stream && st->stream) st->stream->abort(st->req.stream);   /* never finished: discard */
    /* libmicrohttpd reports completion after an upgraded connection was
     * closed, so an arg still here was never handed over */
    if (st->upgrade_arg && st->upgrade_free) st->upgrade_free(st->upgrade_arg);
    if (st->pp) MHD_destroy_post_processor(st->pp);
    trib_rest_response_free(&st->stream_resp);
    free(st->file_part_key);
    free(st->target);
    free(st->path);
    trib_strbuf_free(&st->body);
    trib_rest_kv_free(&st->req.params);
    trib_rest_kv_free(&st->req.query);
    json_decref(st->req.body);
    free(st);
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn) {
    req_state *st = state_new(cls, uri);
    conn_state *cs = conn_of(conn);
    if (cs) {
        state_free(cs->pending);   /* a previous request MHD dropped */
        cs->pending = st;
    }
    /* Headers come next: give them the short timeout (see HEADER_TIMEOUT_S);
     * the access handler restores the idle timeout once they are in. */
    MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT, (unsigned)HEADER_TIMEOUT_S);
    return st;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe) {
    (void)cls;
    (void)conn;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        *socket_context = trib_xcalloc(1, sizeof(conn_state));
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        conn_state *cs = *socket_context;
        if (cs) state_free(cs->pending);
        free(cs);
        *socket_context = NULL;
    }
}

/* Keep bytes as sent: the router splits the path, then decodes segments. */
static size_t keep_escaped(void *cls, struct MHD_Connection *c, char *s) {
    (void)cls;
    (void)c;
    return strlen(s);
}

/* libmicrohttpd logs every refused connection and malformed request, so a
 * client can make it write lines as fast as it connects: at most
 * MHD_LOG_PER_S lines a second reach the log, and the next line that does
 * says how many were dropped. */
#define MHD_LOG_PER_S 20
static _Atomic int64_t mhd_log_second;
static atomic_int mhd_log_count, mhd_log_dropped;

static void on_mhd_log(void *cls, const char *fmt, va_list ap) {
    (void)cls;
    int64_t sec = trib_mono_ms() / 1000;
    int64_t seen = atomic_load(&mhd_log_second);
    if (sec != seen && atomic_compare_exchange_strong(&mhd_log_second, &seen, sec)) atomic_store(&mhd_log_count, 0);
    if (atomic_fetch_add(&mhd_log_count, 1) >= MHD_LOG_PER_S) {
        atomic_fetch_add(&mhd_log_dropped, 1);
        return;
    }
    int dropped = atomic_exchange(&mhd_log_dropped, 0);
    if (dropped) TRIB_WARN("rest", "microhttpd: %d more messages were dropped (rate limit)", dropped);
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
    TRIB_WARN("rest", "microhttpd: %s", line);
}

/* The request path for log lines: bounded, control bytes masked so a
 * request cannot forge log lines. */
static const char *log_path(const req_state *st, char *buf, size_t cap) {
    snprintf(buf, cap, "%s", st->path ? st->path : st->target);
    for (char *p = buf; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
    return buf;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
    (void)cls;
    req_state *st = *con_cls;
    if (!st) return;
    /* Never the body or query: they can hold secrets. */
    if (trib_log_enabled(TRIB_LOG_DEBUG, "rest")) {
        char path[512];
        log_path(st, path, sizeof path);
        if (st->status)
            TRIB_DEBUG("rest", "%s %s %d (%lld ms)", st->method[0] ? st->method : "?", path,
                       st->status, (long long)(trib_mono_ms() - st->t0_ms));
        else
            TRIB_DEBUG("rest", "%s %s aborted (termination code %d)",
                       st->method[0] ? st->method : "?", path, (int)toe);
    }
    conn_state *cs = conn_of(conn);
    if (cs && cs->pending == st) cs->pending = NULL;
    state_free(st);
    *con_cls = NULL;
}

/* Queues r (consumed). Returns MHD_YES/MHD_NO for the access handler. */
static void on_mhd_upgrade(void *cls, struct MHD_Connection *conn, void *req_cls, const char *extra_in,
                           size_t extra_in_size, MHD_socket sock, struct MHD_UpgradeResponseHandle *urh) {
    (void)cls;
    (void)conn;
    req_state *st = req_cls;
    void *arg = st->upgrade_arg;
    st->upgrade_arg = NULL;
    st->on_upgrade(arg, sock, extra_in, extra_in_size, urh);
}

void trib_rest_upgrade_close(void *handle) {
    MHD_upgrade_action(handle, MHD_UPGRADE_ACTION_CLOSE);
}

static enum MHD_Result respond(req_state *st, trib_rest_response *r) {
    if (r->on_upgrade) {
        struct MHD_Response *up = MHD_create_response_for_upgrade(on_mhd_upgrade, st);
        if (!up) {
            trib_rest_response_free(r);
            return MHD_NO;
        }
        MHD_add_response_header(up, MHD_HTTP_HEADER_UPGRADE, r->upgrade ? r->upgrade : "websocket");
        if (r->upgrade_accept) MHD_add_response_header(up, "Sec-WebSocket-Accept", r->upgrade_accept);
        st->on_upgrade = r->on_upgrade;
        st->upgrade_free = r->upgrade_free;
        st->upgrade_arg = r->upgrade_arg;
        r->upgrade_arg = NULL;   /* st owns it now */
        enum MHD_Result ret = MHD_queue_response(st->conn, MHD_HTTP_SWITCHING_PROTOCOLS, up);
        MHD_destroy_response(up);
        if (ret == MHD_YES) {
            st->responded = true;
            st->status = 101;
        }
        trib_rest_response_free(r);
        return ret;
    }
    char *buf = NULL;
    size_t len = 0;
    if (r->body) {
        buf = json_dumps(r->body, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!buf) { /* only on allocation failure or invalid strings from a handler */
            json_decref(r->body);
            r->status = 500;
            r->body = trib_rest_error_json(500, "could not serialize the response");
            buf = json_dumps(r->body, JSON_COMPACT);
        }
        len = buf ? strlen(buf) : 0;
    }
    if (r->status >= 500 && r->status != 503) { /* 503: not started yet, not a fault */
        const char *msg = json_string_value(json_object_get(r->body, "message"));
        char path[512];
        TRIB_WARN("rest", "%s %s -> %d: %s", st->method, log_path(st, path, sizeof path),
                  r->status, msg ? msg : "");
    }
    struct MHD_Response *resp =
        buf ? MHD_create_response_from_buffer_with_free_callback(len, buf, free)
            : MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        free(buf);
        trib_rest_response_free(r);
        return MHD_NO;
    }
    if (r->body) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    if (r->location) MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, r->location);
    if (r->allow) MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
    if (r->retry_after > 0) {
        char ra[16];
        snprintf(ra, sizeof ra, "%d", r->retry_after);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
    }
    enum MHD_Result ret = MHD_queue_response(st->conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    if (ret == MHD_YES) {
        st->responded = true;
        st->status = r->status;
    }
    trib_rest_response_free(r);
    return ret;
}

static enum MHD_Result respond_error(req_state *st, int status, const char *allow,
                                     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static enum MHD_Result respond_error(req_state *st, int status, const char *allow,
                                     const char *fmt, ...) {
    char msg[TRIB_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    trib_rest_response r = {.status = status, .body = trib_rest_error_json(status, msg)};
    if (allow) r.allow = trib_xstrdup(allow);
    return respond(st, &r);
}

static const char *header(req_state *st, const char *name) {
    return MHD_lookup_connection_value(st->conn, MHD_HEADER_KIND, name);
}

/* application/json or any +json type, parameters ignored. */
static bool json_media_type(const char *ct) {
    while (*ct == ' ' || *ct == '\t') ct++;
    size_t n = strcspn(ct, "; \t");
    if (n == 16 && strncasecmp(ct, "application/json", 16) == 0) return true;
    return n > 5 && strncasecmp(ct + n - 5, "+json", 5) == 0;
}

/* The display form of a path in messages: bounded, as sent. */
static const char *short_path(const req_state *st, char *buf, size_t cap) {
    const char *p = st->path ? st->path : st->target;
    size_t n = strlen(p);
    if (n < cap) return p;
    snprintf(buf, cap, "%.*s...", (int)(cap - 4), p);
    return buf;
}

/* Multipart: the bytes of the first part that carries a file name go to
 * the sink; other form fields are ignored. */
static enum MHD_Result on_form_part(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
                                    const char *content_type, const char *transfer_encoding, const char *data,
                                    uint64_t off, size_t size) {
    (void)content_type;
    (void)transfer_encoding;
    (void)off;
    (void)kind;
    req_state *st = cls;
    if (!filename || !key || st->stream_failed) return MHD_YES;
    if (!st->file_part_key) st->file_part_key = trib_xasprintf("%s\n%s", key, filename);
    size_t kl = strlen(key);
    if (strncmp(st->file_part_key, key, kl) != 0 || st->file_part_key[kl] != '\n' ||
        strcmp(st->file_part_key + kl + 1, filename) != 0)
        return MHD_YES;   /* a second file in the form: not ours */
    st->file_part_seen = true;
    if (size && st->stream->write(st->req.stream, data, size, &st->stream_resp) < 0) st->stream_failed = true;
    return MHD_YES;
}

/* First call of a streamed route: authenticate, then open the sink. */
static enum MHD_Result begin_stream(req_state *st) {
    trib_rest_server *srv = st->srv;
    trib_error err = {0};
    char pbuf[256];
    if ((st->req.route->flags & TRIB_REST_NEEDS_HERDER) && !srv->herder)
        return respond_error(st, 503, NULL, "Worker is still starting up: %s %s is not available yet",
                             st->method, short_path(st, pbuf, sizeof pbuf));
    st->req.host = header(st, MHD_HTTP_HEADER_HOST);
    if (srv->cfg.auth && srv->cfg.auth(srv->cfg.hook_opaque, &st->req, &err) < 0) {
        trib_rest_response r = {0};
        if (err.code == TRIB_OK) err.code = TRIB_ERR_UNAUTHORIZED;
        trib_rest_reply_err(&r, &err);
        return respond(st, &r);
    }
    st->stream = trib_rest_route_stream(st->req.route);
    const char *ct = header(st, MHD_HTTP_HEADER_CONTENT_TYPE);
    bool multipart = ct && strncasecmp(ct, "multipart/form-data", 19) == 0;
    trib_rest_response r = {0};
    st->req.stream = st->stream ? st->stream->open(&st->req, &r) : NULL;
    if (!st->req.stream) {
        if (r.status == 0) r.status = 500, r.body = trib_rest_error_json(500, "upload could not start");
        return respond(st, &r);
    }
    if (multipart) {
        st->pp = MHD_create_post_processor(st->conn, 64 * 1024, on_form_part, st);
        if (!st->pp) return respond_error(st, 400, NULL, "Malformed multipart/form-data Content-Type (no boundary)");
    }
    return MHD_YES;
}

/* Upload calls of a streamed route. */
static enum MHD_Result stream_piece(req_state *st, const char *data, size_t n) {
    if (st->stream_failed) {
        st->drained += n;
        return st->drained > DRAIN_LIMIT ? MHD_NO : MHD_YES;
    }
    if (st->pp) {
        if (MHD_post_process(st->pp, data, n) != MHD_YES && !st->stream_failed) {
            st->stream_failed = true;
            st->stream_resp.status = 400;
            st->stream_resp.body = trib_rest_error_json(400, "Malformed multipart/form-data body");
        }
    } else if (st->stream->write(st->req.stream, data, n, &st->stream_resp) < 0) {
        st->stream_failed = true;
    }
    if (st->stream_failed) {
        st->stream->abort(st->req.stream);   /* nothing of a refused upload stays */
        st->req.stream = NULL;
    }
    return MHD_YES;
}

/* Last call of a streamed route: the refusal, or the handler. */
static enum MHD_Result finish_stream(req_state *st) {
    if (!st->stream_failed && st->pp && !st->file_part_seen) {
        st->stream_failed = true;
        st->stream_resp.status = 400;
        st->stream_resp.body = trib_rest_error_json(400, "The multipart/form-data body has no file part");
    }
    if (st->stream_failed) {
        trib_rest_response r = st->stream_resp;
        memset(&st->stream_resp, 0, sizeof st->stream_resp);
        if (r.status == 0) r.status = 500, r.body = trib_rest_error_json(500, "upload failed");
        return respond(st, &r);
    }
    trib_rest_response r = {0};
    st->req.route->handler(&st->req, &r);   /* owns req.stream now */
    if (r.status < 100 || r.status > 599) {
        trib_rest_response_free(&r);
        return respond_error(st, 500, NULL, "handler for %s %s produced no response", st->method,
                             st->req.route->pattern);
    }
    return respond(st, &r);
}

/* First call: everything decidable from the request line and headers. */
static enum MHD_Result begin(req_state *st) {
    trib_rest_server *srv = st->srv;
    trib_error err = {0};
    char pbuf[256];
    st->path = trib_rest_split_target(st->target, &st->req.query, &err);
    if (!st->path) return respond_error(st, 400, NULL, "%s", err.msg);
    st->req.method = st->method;
    st->req.path = st->path;
    st->req.herder = srv->herder;
    st->req.server = st;

    bool options = strcmp(st->method, "OPTIONS") == 0;
    char *allow = NULL;
    trib_rest_match m = trib_rest_router_match(srv->router, st->method, st->path, &st->req.route,
                                               &st->req.params, &allow, &err);
    if (m == TRIB_REST_BAD_PATH) return respond_error(st, 400, NULL, "%s", err.msg);
    if (m == TRIB_REST_NO_PATH)
        return respond_error(st, 404, NULL, "Unknown endpoint: %s %s", st->method,
                             short_path(st, pbuf, sizeof pbuf));
    if (m == TRIB_REST_NO_METHOD) {
        enum MHD_Result ret;
        if (options) {
            trib_rest_response r = {.status = 200, .allow = allow};
            return respond(st, &r);
        }
        ret = respond_error(st, 405, allow, "Method %s is not allowed for %s (allowed: %s)",
                            st->method, short_path(st, pbuf, sizeof pbuf), allow);
        free(allow);
        return ret;
    }

    if (st->req.route->flags & TRIB_REST_STREAM) return begin_stream(st);
    const char *cl = header(st, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl) {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(cl, &end, 10);
        if (errno == ERANGE || n > srv->cfg.max_body_bytes) {
            st->too_large = true;
            return respond_error(st, 413, NULL,
                                 "Request body of %s bytes exceeds the limit of %zu bytes", cl,
                                 srv->cfg.max_body_bytes);
        }
    }
    if (st->req.route->flags & TRIB_REST_BODY) {
        const char *ct = header(st, MHD_HTTP_HEADER_CONTENT_TYPE);
        if (ct && !json_media_type(ct))
            return respond_error(st, 415, NULL,
                                 "Unsupported Content-Type '%s': the body must be application/json",
                                 ct);
    }
    if ((st->req.route->flags & TRIB_REST_NEEDS_HERDER) && !srv->herder)
        return respond_error(st, 503, NULL, "Worker is still starting up: %s %s is not available yet",
                             st->method, short_path(st, pbuf, sizeof pbuf));
    return MHD_YES;
}

/* Last call: the body is complete. */
static enum MHD_Result dispatch(req_state *st) {
    trib_rest_server *srv = st->srv;
    trib_error err = {0};
    if (st->req.route->flags & TRIB_REST_BODY) {
        st->req.body = trib_rest_parse_body(st->body.data, st->body.len, &err);
        if (!st->req.body) return respond_error(st, 400, NULL, "%s", err.msg);
    }
    trib_strbuf_free(&st->body);
    st->req.host = header(st, MHD_HTTP_HEADER_HOST);
    if (srv->cfg.auth && srv->cfg.auth(srv->cfg.hook_opaque, &st->req, &err) < 0) {
        trib_rest_response r = {0};
        if (err.code == TRIB_OK) err.code = TRIB_ERR_UNAUTHORIZED;
        trib_rest_reply_err(&r, &err);
        return respond(st, &r);
    }
    trib_rest_response r = {0};
    st->req.route->handler(&st->req, &r);
    if (r.status < 100 || r.status > 599) {
        trib_rest_response_free(&r);
        return respond_error(st, 500, NULL, "handler for %s %s produced no response", st->method,
                             st->req.route->pattern);
    }
    return respond(st, &r);
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls) {
    (void)version;
    trib_rest_server *srv = cls;
    req_state *st = *con_cls;
    if (!st) { /* the URI callback always runs first; this is only a fallback */
        st = state_new(srv, url);
        *con_cls = st;
        conn_state *cs = conn_of(conn);
        if (cs) {
            state_free(cs->pending);
            cs->pending = st;
        }
    }
    if (!st->started) {
        st->started = true;
        st->conn = conn;
        MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT_S);
        snprintf(st->method, sizeof st->method, "%s", method);
        return begin(st);
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (st->responded) return MHD_YES;
        if (st->stream) return stream_piece(st, upload_data, n);
        if (st->too_large) {
            st->drained += n;
            return st->drained > DRAIN_LIMIT ? MHD_NO : MHD_YES;
        }
        if (n > srv->cfg.max_body_bytes - st->body.len) {
            /* Streaming (chunked) past the limit: stop buffering now.
             * MHD 0.9.75 refuses to queue a response mid-upload, so the
             * 413 goes out after the (bounded) rest is drained. */
            st->too_large = true;
            st->drained = st->body.len + n;
            trib_strbuf_free(&st->body);
            return MHD_YES;
        }
        trib_strbuf_append(&st->body, upload_data, n);
        return MHD_YES;
    }
    if (st->responded) return MHD_YES;
    if (st->stream) return finish_stream(st);
    if (st->too_large)
        return respond_error(st, 413, NULL, "Request body exceeds the limit of %zu bytes",
                             srv->cfg.max_body_bytes);
    return dispatch(st);
}

const char *trib_rest_request_header(const trib_rest_request *req, const char *name) {
    const req_state *st = req ? req->server : NULL;
    if (!st || !st->conn) return NULL;
    return MHD_lookup_connection_value(st->conn, MHD_HEADER_KIND, name);
}

const char *trib_rest_request_client_addr(const trib_rest_request *req, char *buf, size_t cap) {
    const req_state *st = req ? req->server : NULL;
    if (!buf || cap == 0) return NULL;
    buf[0] = '\0';
    if (!st || !st->conn) return NULL;
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(st->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    if (!sa) return NULL;
    if (sa->sa_family == AF_INET) {
        if (!inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, buf, (socklen_t)cap))
            return NULL;
    } else if (sa->sa_family == AF_INET6) {
        if (!inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, buf, (socklen_t)cap))
            return NULL;
    } else {
        return NULL;
    }
    return buf;
}

const trib_rest_config *trib_rest_request_config(const trib_rest_request *req) {
    const req_state *st = req ? req->server : NULL;
    return st ? &st->srv->cfg : NULL;
}

static struct MHD_Daemon *start_daemon(trib_rest_server *s, unsigned extra_flags,
                                       const struct sockaddr *sa) {
    /* epoll, not select(): a worker holding more than FD_SETSIZE (1024)
     * descriptors (tasks' sockets and files) must still accept REST
     * connections, and select() cannot watch a descriptor past 1023. */
    /* MHD_ALLOW_UPGRADE: WebSocket ingest (rest/ingest_ws.c). */
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_ALLOW_UPGRADE | extra_flags;
    /* MHD needs at least 2 for a pool; 1 means its single internal thread. */
    unsigned pool = s->cfg.threads > 1 ? s->cfg.threads : 1;
    return MHD_start_daemon(
        flags, (uint16_t)s->port, NULL, NULL, on_access, s, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log,
        NULL, MHD_OPTION_THREAD_POOL_SIZE, pool, MHD_OPTION_URI_LOG_CALLBACK, on_uri, s,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
        MHD_OPTION_UNESCAPE_CALLBACK, keep_escaped, NULL, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)CONNECTION_TIMEOUT_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)PER_IP_CONNECTIONS, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)MAX_CONNECTIONS, sa ? MHD_OPTION_SOCK_ADDR : MHD_OPTION_END, sa, MHD_OPTION_END);
}

trib_rest_server *trib_rest_server_start_router(const trib_rest_config *cfg,
                                                trib_rest_router *router, trib_herder *h,
                                                trib_error *err) {
    if (!cfg || !router) {
        trib_rest_router_destroy(router);
        trib_error_set(err, TRIB_ERR_INVALID, "rest: a config and a router are required");
        return NULL;
    }
    if (cfg->port < 0 || cfg->port > 65535) {
        trib_rest_router_destroy(router);
        trib_error_set(err, TRIB_ERR_INVALID, "rest: port %d is out of range 0..65535", cfg->port);
        return NULL;
    }
    trib_rest_server *s = trib_xcalloc(1, sizeof *s);
    s->router = router;
    s->herder = h;
    s->cfg = *cfg;
    s->host = trib_xstrdup(cfg->host && *cfg->host ? cfg->host : NULL);
    s->cfg.host = s->host;
    if (!s->cfg.max_body_bytes) s->cfg.max_body_bytes = TRIB_REST_DEFAULT_MAX_BODY;
    if (!s->cfg.threads) s->cfg.threads = DEFAULT_THREADS;
    s->port = cfg->port;

    if (!s->host) {
        /* All interfaces: IPv6 dual stack where the kernel has IPv6. */
        s->daemon = start_daemon(s, MHD_USE_DUAL_STACK, NULL);
        if (!s->daemon) s->daemon = start_daemon(s, 0, NULL);
    } else {
        struct addrinfo hints = {0}, *res = NULL;
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_PASSIVE;
        int rc = getaddrinfo(s->host, NULL, &hints, &res);
        if (rc != 0 || !res) {
            trib_error_set(err, TRIB_ERR_INVALID, "rest: cannot resolve listener host '%s': %s",
                           s->host, gai_strerror(rc));
            if (res) freeaddrinfo(res);
            trib_rest_server_stop(s);
            return NULL;
        }
        if (res->ai_family == AF_INET6) {
            struct sockaddr_in6 sa6;
            memcpy(&sa6, res->ai_addr, sizeof sa6);
            sa6.sin6_port = htons((uint16_t)s->port);
            s->daemon = start_daemon(s, MHD_USE_IPv6, (struct sockaddr *)&sa6);
        } else {
            struct sockaddr_in sa4;
            memcpy(&sa4, res->ai_addr, sizeof sa4);
            sa4.sin_port = htons((uint16_t)s->port);
            s->daemon = start_daemon(s, 0, (struct sockaddr *)&sa4);
        }
        freeaddrinfo(res);
    }
    if (!s->daemon) {
        trib_error_set(err, TRIB_ERR_IO, "rest: cannot listen on %s:%d: %s",
                       s->host ? s->host : "*", cfg->port, strerror(errno));
        trib_rest_server_stop(s);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    if (info && info->port) s->port = info->port;
    TRIB_INFO("rest", "REST server listening on %s:%d", s->host ? s->host : "*", s->port);
    return s;
}

trib_rest_server *trib_rest_server_start(const trib_rest_config *cfg, trib_herder *h,
                                         trib_error *err) {
    trib_rest_router *r = trib_rest_router_new();
    trib_rest_add_default_routes(r);
    return trib_rest_server_start_router(cfg, r, h, err);
}

int trib_rest_server_port(const trib_rest_server *s) { return s ? s->port : -1; }

void trib_rest_server_stop(trib_rest_server *s) {
    if (!s) return;
    /* Joins MHD's threads: handlers running now finish first. */
    if (s->daemon) MHD_stop_daemon(s->daemon);
    trib_rest_router_destroy(s->router);
    free(s->host);
    free(s);
}
