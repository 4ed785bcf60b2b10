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
typedef void (*trib_rest_handler)(trib_rest_request *req, trib_rest_response *resp);

/* Route flags. */
#define TRIB_REST_BODY         0x1u /* the body is a JSON document the handler needs */
#define TRIB_REST_NEEDS_HERDER 0x2u /* answers 503 while the server has no herder */

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
    /* Opaque server data for trib_rest_server_* helpers (e.g. the cluster
     * log-level hook); handlers outside rest/ must not use it. */
    void *server;
};

struct trib_rest_response {
    int status;
    json_t *body;      /* owned; NULL for an empty body */
    char *location;    /* owned; Location header or NULL */
    char *allow;       /* owned; Allow header or NULL */
    /* A body that is not JSON (metrics text, console assets), used when
     * body is NULL: text is owned unless text_static; content_type and
     * headers (NULL-terminated name, value pairs) are static strings. */
    char *text;
    size_t text_len;
    bool text_static;
    const char *content_type;
    const char *const *headers;
};

void trib_rest_response_free(trib_rest_response *r);

typedef struct trib_rest_router trib_rest_router;

trib_rest_router *trib_rest_router_new(void);
void trib_rest_router_destroy(trib_rest_router *r);
/* Adds routes (copied; pattern strings are borrowed and must outlive the
 * router). A (method, pattern) pair added twice keeps the first. */
void trib_rest_router_add(trib_rest_router *r, const trib_rest_route *routes, size_t n);

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
