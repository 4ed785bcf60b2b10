/*
 * server.h: Tributary's REST server: Kafka Connect's REST API over
 * libmicrohttpd, serving the herder (worker/herder.h).
 *
 * The server owns HTTP concerns only: request-target parsing, routing
 * (rest/router.h), body size limits (413 by Content-Length before reading,
 * and while streaming), JSON parsing (400 with line/column), 404/405 with an
 * Allow header, Connect's error body {"error_code","message"}, and one DEBUG
 * line per request (facility "rest": method, path, status; never bodies,
 * which can hold secrets). Handlers (rest/routes.h) do the rest.
 */
#ifndef TRIB_REST_SERVER_H
#define TRIB_REST_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "rest/router.h"
#include "worker/herder.h"

typedef struct trib_rest_server trib_rest_server;

/* Optional hook run after routing and body parsing, before the handler:
 * authenticates the request (headers via trib_rest_request_header) and may
 * set req->principal / req->tenant (strings that must outlive the request,
 * e.g. interned by the hook's owner). Returning -1 answers with err's code
 * (UNAUTHORIZED 401, FORBIDDEN 403 ...) and the handler is not called. */
typedef int (*trib_rest_auth_fn)(void *opaque, trib_rest_request *req, trib_error *err);

/* Optional hook for PUT /admin/loggers/{name}?scope=cluster: applies the
 * level on every worker of the cluster. NULL means this worker is the whole
 * cluster (standalone mode), so the level is applied here. */
typedef int (*trib_rest_cluster_log_fn)(void *opaque, const char *logger, const char *level,
                                        trib_error *err);

typedef struct trib_rest_config {
    const char *host;            /* "" or NULL = all interfaces; tests use "127.0.0.1" */
    int port;                    /* 0 = pick a free port */
    size_t max_body_bytes;       /* default 1 MiB when 0 */
    unsigned threads;            /* MHD thread pool size, default 4 when 0 */
    /* Connect's topic.tracking.enable=false / topic.tracking.allow.reset=false
     * (both default true): GET/PUT .../topics answer 403 as Connect does. */
    bool topic_tracking_disabled;
    bool topic_tracking_reset_disabled;
    /* Optional extensions (zero-initialized = none). */
    trib_rest_auth_fn auth;
    trib_rest_cluster_log_fn cluster_log_level;
    void *hook_opaque;           /* passed to auth and cluster_log_level */
} trib_rest_config;

#define TRIB_REST_DEFAULT_MAX_BODY (1024u * 1024u)

/* Starts listening with every default route (rest/routes.h). h may be NULL
 * (no worker yet): routes that need the herder answer 503 and /health says
 * "starting". The config is copied. */
trib_rest_server *trib_rest_server_start(const trib_rest_config *cfg, trib_herder *h,
                                         trib_error *err);

/* Same with a caller-built route table (takes ownership of router, also on
 * failure), for layers that mount extra routes. */
trib_rest_server *trib_rest_server_start_router(const trib_rest_config *cfg,
                                                trib_rest_router *router, trib_herder *h,
                                                trib_error *err);

int trib_rest_server_port(const trib_rest_server *s);   /* actual bound port */
void trib_rest_server_stop(trib_rest_server *s);        /* NULL-safe; waits for in-flight requests */

/* A request header (case-insensitive name), or NULL. Valid during the request. */
const char *trib_rest_request_header(const trib_rest_request *req, const char *name);

/* The client's IP address (no port) written into buf, e.g. "127.0.0.1"
 * or "::1"; NULL (buf "") when unknown. For per-client throttling and
 * audit records. */
const char *trib_rest_request_client_addr(const trib_rest_request *req, char *buf, size_t cap);

/* The config of the server running req (for handlers' use of the hooks). */
const trib_rest_config *trib_rest_request_config(const trib_rest_request *req);

#endif
