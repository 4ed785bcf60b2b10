/*
 * router.h: the REST layer's request model and route table.
 *
 * A route is {method, pattern, handler, flags}; patterns are paths whose
 * segments are literals or {params} ("/connectors/{connector}/tasks/{task}/status").
 * The server parses the raw request target (path split on '/', then each
 * segment percent-decoded, so "%2F" stays inside a connector name), matches
 * it here, reads and parses the body when the route takes one, and calls the
 * handler with a trib_rest_request. Handlers fill a trib_rest_response; they
 * never touch libmicrohttpd.
 *
 * The table is open on purpose: a tenant layer can mount
 * "/tenants/{tenant}/connectors/{connector}" onto wrappers of the same
 * handlers (exported in rest/routes.h), rewriting params into full connector
 * names, and the server's auth hook (rest/server.h) fills principal/tenant
 * before any handler runs.
 *
 * Everything here is pure (no sockets), so tests/unit/test_rest_router.c
 * exercises path and query decoding and matching directly.
 */
#ifndef TRIB_REST_ROUTER_H
#define TRIB_REST_ROUTER_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "common/error.h"
#include "worker/herder.h"

/* Decoded name=value pairs, in order. Used for path params and the query. */
typedef struct trib_rest_kv {
    size_t n, cap;
    char **keys;
    char **values;
} trib_rest_kv;

void trib_rest_kv_init(trib_rest_kv *kv);
void trib_rest_kv_free(trib_rest_kv *kv);
/* Copies key and value. */
void trib_rest_kv_add(trib_rest_kv *kv, const char *key, const char *value);
/* First value for key, or NULL. Borrowed. */
const char *trib_rest_kv_get(const trib_rest_kv *kv, const char *key);
/* Replaces the first value for key (or adds it). */
void trib_rest_kv_set(trib_rest_kv *kv, const char *key, const char *value);

/* Percent-decodes src[0..len) into a new NUL-terminated string. plus_is_space
 * is for query strings (form encoding). Refuses bad escapes ("%zz", a
 * trailing '%'), decoded NUL bytes and invalid UTF-8, naming `what` in err
 * (INVALID). Returns NULL on error. */
char *trib_rest_pct_decode(const char *src, size_t len, bool plus_is_space, const char *what,
                           trib_error *err);
/* Percent-encodes every byte but RFC 3986 unreserved ones. Caller frees. */
char *trib_rest_pct_encode(const char *s);

/* True when s[0..len) is valid UTF-8 (no overlongs, no surrogates). */
bool trib_rest_utf8_valid(const char *s, size_t len);

/* Splits a raw request target ("/connectors/a%2Fb/status?expand=info")
 * into its raw path (still encoded; absolute-form "http://host/p" is
 * reduced to "/p") and its decoded query pairs. Returns the path (caller
 * frees) or NULL with err (INVALID) on malformed encoding. */
char *trib_rest_split_target(const char *target, trib_rest_kv *query, trib_error *err);

typedef struct trib_rest_request trib_rest_request;
typedef struct trib_rest_response trib_rest_response;
typedef struct trib_rest_stream_ops trib_rest_stream_ops;
typedef void (*trib_rest_handler)(trib_rest_request *req, trib_rest_response *resp);

/* Route flags. */
#define TRIB_REST_BODY         0x1u /* the body is a JSON document the handler needs */
#define TRIB_REST_NEEDS_HERDER 0x2u /* answers 503 while the server has no herder */
#define TRIB_REST_STREAM       0x4u /* the body goes to a sink piece by piece (uploads); set by
                                      * trib_rest_router_add_stream */

/* A streamed body (TRIB_REST_STREAM routes): the server authenticates the
 * request before reading any of it, opens a sink, hands it every piece
 * (the file part's bytes for multipart/form-data), and calls the route's
 * handler at the end with req->stream set. The handler owns the sink from
 * then on (it finishes and frees it, setting req->stream to NULL); a request
 * that ends any other way (refused, client gone) gets abort(). No body size
 * limit of the server applies: the sink enforces its own. */
struct trib_rest_stream_ops {
    /* A sink for req, or NULL with resp filled (an early refusal). */
    void *(*open)(trib_rest_request *req, trib_rest_response *resp);
    /* One piece of the body; -1 with resp filled stops the upload (the rest
     * is drained, bounded, and resp is the answer). */
    int (*write)(void *sink, const void *data, size_t n, trib_rest_response *resp);
    /* Discards a sink and everything it wrote. */
    void (*abort)(void *sink);
};

typedef struct trib_rest_route {
    const char *method;   /* "GET", "POST", "PUT", "PATCH", "DELETE" */
    const char *pattern;  /* see above; static storage (the table keeps the pointer) */
    trib_rest_handler handler;
    unsigned flags;
} trib_rest_route;

struct trib_rest_request {
    const char *method;
    const char *path;          /* raw (encoded) path, for messages and logs */
    const trib_rest_route *route;
    trib_rest_kv params;       /* decoded path params by name */
    trib_rest_kv query;        /* decoded query pairs, repeated keys kept */
    json_t *body;              /* parsed body for TRIB_REST_BODY routes, else NULL */
    trib_herder *herder;       /* NULL until a worker is attached */
    const char *host;          /* Host header or NULL, for absolute Location URLs */
    /* Filled by an auth hook (none today); NULL means anonymous, no tenant. */
    const char *principal;
    const char *tenant;
    /* The open sink of a TRIB_REST_STREAM route (see trib_rest_stream_ops). */
    void *stream;
    /* Opaque server data for trib_rest_server_* helpers (e.g. the cluster
     * log-level hook); handlers outside rest/ must not use it. */
    void *server;
};

struct trib_rest_response {
    int status;
    json_t *body;      /* owned; NULL for an empty body */
    char *location;    /* owned; Location header or NULL */
    char *allow;       /* owned; Allow header or NULL */
    int retry_after;   /* Retry-After seconds (429/503), 0 for none */
    /* Protocol upgrade (status 101, WebSocket): the server adds
     * "Upgrade: <upgrade>" and "Sec-WebSocket-Accept: <upgrade_accept>"
     * (both owned) and, once libmicrohttpd hands the connection over,
     * calls on_upgrade, which takes ownership of upgrade_arg and must
     * call trib_rest_upgrade_close(handle) when it is done with fd.
     * extra/extra_len are bytes the client sent after its request (the
     * first frames), valid during the call only. If the connection ends
     * before that, upgrade_free(upgrade_arg) is called instead. */
    char *upgrade;
    char *upgrade_accept;
    void (*on_upgrade)(void *arg, int fd, const char *extra, size_t extra_len, void *handle);
    void (*upgrade_free)(void *arg);
    void *upgrade_arg;
};

/* Closes an upgraded connection (the handle given to on_upgrade). */
void trib_rest_upgrade_close(void *handle);

void trib_rest_response_free(trib_rest_response *r);

typedef struct trib_rest_router trib_rest_router;

trib_rest_router *trib_rest_router_new(void);
void trib_rest_router_destroy(trib_rest_router *r);
/* Adds routes (copied; pattern strings are borrowed and must outlive the
 * router). A (method, pattern) pair added twice keeps the first. */
void trib_rest_router_add(trib_rest_router *r, const trib_rest_route *routes, size_t n);
/* Adds one route whose body is streamed to ops (borrowed, static); the
 * route gets TRIB_REST_STREAM. */
void trib_rest_router_add_stream(trib_rest_router *r, const trib_rest_route *route, const trib_rest_stream_ops *ops);
/* The stream ops of a matched TRIB_REST_STREAM route, else NULL. */
const trib_rest_stream_ops *trib_rest_route_stream(const trib_rest_route *route);

typedef enum trib_rest_match {
    TRIB_REST_MATCHED,
    TRIB_REST_NO_PATH,     /* 404 */
    TRIB_REST_NO_METHOD,   /* 405; *allow lists the methods of the path */
    TRIB_REST_BAD_PATH,    /* 400: malformed percent-encoding etc; err says why */
} trib_rest_match;

/* Matches a raw path. HEAD matches GET routes. On MATCHED *route is set and
 * params holds the decoded path params (caller frees with kv_free). On
 * NO_METHOD *allow (caller frees) is "GET, PUT" style. The most literal
 * pattern wins, as in JAX-RS: "/a/b" beats "/a/{x}" for the path /a/b. */
trib_rest_match trib_rest_router_match(const trib_rest_router *r, const char *method,
                                       const char *raw_path, const trib_rest_route **route,
                                       trib_rest_kv *params, char **allow, trib_error *err);

#endif
