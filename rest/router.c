/*
 * router.c: request-target parsing and route matching for the REST server
 * (see router.h). Paths are split on '/' before percent-decoding so an
 * encoded slash stays inside one segment (one connector name); every decoded
 * piece is checked to be NUL-free UTF-8 because it ends up in JSON strings
 * and C strings.
 */
#include "rest/router.h"

#include <string.h>
#include <strings.h>

#include "common/util.h"

/* Patterns have at most this many segments; longer paths match nothing, so
 * hostile paths with thousands of segments are refused without decoding. */
#define MAX_SEGMENTS 16

void trib_rest_kv_init(trib_rest_kv *kv) { memset(kv, 0, sizeof *kv); }

void trib_rest_kv_free(trib_rest_kv *kv) {
    if (!kv) return;
    for (size_t i = 0; i < kv->n; i++) {
        free(kv->keys[i]);
        free(kv->values[i]);
    }
    free(kv->keys);
    free(kv->values);
    memset(kv, 0, sizeof *kv);
}

void trib_rest_kv_add(trib_rest_kv *kv, const char *key, const char *value) {
    if (kv->n == kv->cap) {
        kv->cap = kv->cap ? kv->cap * 2 : 4;
        kv->keys = trib_xrealloc(kv->keys, kv->cap * sizeof *kv->keys);
        kv->values = trib_xrealloc(kv->values, kv->cap * sizeof *kv->values);
    }
    kv->keys[kv->n] = trib_xstrdup(key);
    kv->values[kv->n] = trib_xstrdup(value);
    kv->n++;
}

const char *trib_rest_kv_get(const trib_rest_kv *kv, const char *key) {
    for (size_t i = 0; i < kv->n; i++)
        if (strcmp(kv->keys[i], key) == 0) return kv->values[i];
    return NULL;
}

void trib_rest_kv_set(trib_rest_kv *kv, const char *key, const char *value) {
    for (size_t i = 0; i < kv->n; i++) {
        if (strcmp(kv->keys[i], key) == 0) {
            free(kv->values[i]);
            kv->values[i] = trib_xstrdup(value);
            return;
        }
    }
    trib_rest_kv_add(kv, key, value);
}

bool trib_rest_utf8_valid(const char *str, size_t len) {
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        if (c < 0x80) { i++; continue; }
        size_t n;
        unsigned cp;
        if (c >= 0xC2 && c <= 0xDF) { n = 1; cp = c & 0x1F; }
        else if (c >= 0xE0 && c <= 0xEF) { n = 2; cp = c & 0x0F; }
        else if (c >= 0xF0 && c <= 0xF4) { n = 3; cp = c & 0x07; }
        else return false;
        if (len - i <= n) return false;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF))) return false;
        if (cp >= 0xD800 && cp <= 0xDFFF) return false;
        i += n + 1;
    }
    return true;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

char *trib_rest_pct_decode(const char *src, size_t len, bool plus_is_space, const char *what,
                           trib_error *err) {
    char *out = trib_xmalloc(len + 1);
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char c = src[i];
        if (c == '%') {
            int hi = i + 1 < len ? hexval(src[i + 1]) : -1;
            int lo = i + 2 < len ? hexval(src[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                trib_error_set(err, TRIB_ERR_INVALID,
                               "malformed percent-encoding in %s: '%%' must be followed by two hex digits",
                               what);
                free(out);
                return NULL;
            }
            c = (char)(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        }
        if (c == '\0') {
            trib_error_set(err, TRIB_ERR_INVALID, "%s contains a NUL byte", what);
            free(out);
            return NULL;
        }
        out[o++] = c;
    }
    out[o] = '\0';
    if (!trib_rest_utf8_valid(out, o)) {
        trib_error_set(err, TRIB_ERR_INVALID, "%s is not valid UTF-8", what);
        free(out);
        return NULL;
    }
    return out;
}

char *trib_rest_pct_encode(const char *s) {
    static const char hex[] = "0123456789ABCDEF";
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            trib_strbuf_putc(&sb, (char)c);
        } else {
            trib_strbuf_putc(&sb, '%');
            trib_strbuf_putc(&sb, hex[c >> 4]);
            trib_strbuf_putc(&sb, hex[c & 15]);
        }
    }
    return trib_strbuf_take(&sb);
}

static int parse_query(const char *q, trib_rest_kv *query, trib_error *err) {
    while (*q) {
        const char *amp = strchr(q, '&');
        size_t len = amp ? (size_t)(amp - q) : strlen(q);
        if (len > 0) {
            const char *eq = memchr(q, '=', len);
            size_t klen = eq ? (size_t)(eq - q) : len;
            char *k = trib_rest_pct_decode(q, klen, true, "query parameter name", err);
            if (!k) return -1;
            char what[160];
            snprintf(what, sizeof what, "query parameter '%s'", k);
            char *v = eq ? trib_rest_pct_decode(eq + 1, len - klen - 1, true, what, err)
                         : trib_xstrdup("");
            if (!v) { free(k); return -1; }
            trib_rest_kv_add(query, k, v);
            free(k);
            free(v);
        }
        if (!amp) break;
        q = amp + 1;
    }
    return 0;
}

char *trib_rest_split_target(const char *target, trib_rest_kv *query, trib_error *err) {
    const char *p = target ? target : "";
    /* absolute-form (RFC 9112 3.2.2): keep only the path. */
    if (strncasecmp(p, "http://", 7) == 0 || strncasecmp(p, "https://", 8) == 0) {
        p = strstr(p, "://") + 3;
        const char *slash = strpbrk(p, "/?");
        p = slash ? slash : "";
    }
    const char *qm = strchr(p, '?');
    size_t plen = qm ? (size_t)(qm - p) : strlen(p);
    const char *hash = memchr(p, '#', plen);
    if (hash) plen = (size_t)(hash - p);
    if (qm) {
        char *q = trib_xstrdup(qm + 1);
        char *frag = strchr(q, '#');
        if (frag) *frag = '\0';
        int rc = parse_query(q, query, err);
        free(q);
        if (rc < 0) return NULL;
    }
    if (plen == 0) return trib_xstrdup("/");
    return trib_xstrndup(p, plen);
}

void trib_rest_response_free(trib_rest_response *r) {
    if (!r) return;
    json_decref(r->body);
    free(r->location);
    free(r->allow);
    free(r->upgrade);
    free(r->upgrade_accept);
    if (r->upgrade_free && r->upgrade_arg) r->upgrade_free(r->upgrade_arg);
    memset(r, 0, sizeof *r);
}

/* A compiled pattern: literal segments and {param} names. */
typedef struct seg {
    char *text;       /* literal text, or the param name */
    bool is_param;
} seg;

typedef struct compiled_route {
    trib_rest_route route;   /* first: trib_rest_route_stream finds the entry from it */
    const trib_rest_stream_ops *stream;
    seg *segs;
    size_t nsegs;
    size_t nliterals;
} compiled_route;

struct trib_rest_router {
    compiled_route *routes;
    size_t n, cap;
};

trib_rest_router *trib_rest_router_new(void) { return trib_xcalloc(1, sizeof(trib_rest_router)); }

void trib_rest_router_destroy(trib_rest_router *r) {
    if (!r) return;
    for (size_t i = 0; i < r->n; i++) {
        for (size_t k = 0; k < r->routes[i].nsegs; k++) free(r->routes[i].segs[k].text);
        free(r->routes[i].segs);
    }
    free(r->routes);
    free(r);
}

/* "/a/{x}/b" -> ["a", {x}, "b"]; "/" -> []. */
static void compile_pattern(const char *pattern, compiled_route *cr) {
    const char *p = pattern;
    while (*p == '/') p++;
    while (*p) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        cr->segs = trib_xrealloc(cr->segs, (cr->nsegs + 1) * sizeof *cr->segs);
        seg *s = &cr->segs[cr->nsegs++];
        if (len >= 2 && p[0] == '{' && p[len - 1] == '}') {
            s->is_param = true;
            s->text = trib_xstrndup(p + 1, len - 2);
        } else {
            s->is_param = false;
            s->text = trib_xstrndup(p, len);
            cr->nliterals++;
        }
        if (!end) break;
        p = end + 1;
    }
}

void trib_rest_router_add(trib_rest_router *r, const trib_rest_route *routes, size_t n) {
    for (size_t i = 0; i < n; i++) {
        bool dup = false;
        for (size_t k = 0; k < r->n && !dup; k++)
            dup = strcmp(r->routes[k].route.method, routes[i].method) == 0 &&
                  strcmp(r->routes[k].route.pattern, routes[i].pattern) == 0;
        if (dup) continue;
        if (r->n == r->cap) {
            r->cap = r->cap ? r->cap * 2 : 32;
            r->routes = trib_xrealloc(r->routes, r->cap * sizeof *r->routes);
        }
        compiled_route *cr = &r->routes[r->n++];
        memset(cr, 0, sizeof *cr);
        cr->route = routes[i];
        cr->route.flags &= ~TRIB_REST_STREAM;   /* only trib_rest_router_add_stream sets it */
        compile_pattern(routes[i].pattern, cr);
    }
}

void trib_rest_router_add_stream(trib_rest_router *r, const trib_rest_route *route, const trib_rest_stream_ops *ops) {
    size_t before = r->n;
    trib_rest_router_add(r, route, 1);
    if (r->n > before) {
        r->routes[before].route.flags |= TRIB_REST_STREAM;
        r->routes[before].stream = ops;
    }
}

const trib_rest_stream_ops *trib_rest_route_stream(const trib_rest_route *route) {
    if (!route || !(route->flags & TRIB_REST_STREAM)) return NULL;
    /* only routes added by trib_rest_router_add_stream carry the flag, and
     * those live inside a compiled_route */
    return ((const compiled_route *)(const void *)route)->stream;
}

/* Raw (still encoded) segments of a path, as [start,len) pairs. A single
 * trailing slash is ignored ("/connectors/" is "/connectors"), as JAX-RS
 * does; other empty segments are kept and match nothing. */
typedef struct raw_seg {
    const char *p;
    size_t len;
} raw_seg;

static size_t split_raw(const char *path, raw_seg *out, size_t max) {
    const char *p = path;
    if (*p == '/') p++;
    size_t n = 0;
    if (*p == '\0') return 0;
    for (;;) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (!end && len == 0) break; /* trailing slash */
        if (n == max) return max + 1;
        out[n].p = p;
        out[n].len = len;
        n++;
        if (!end) break;
        p = end + 1;
    }
    return n;
}

/* Methods listed in Allow, in a stable order. */
static const char *const method_order[] = {"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"};

trib_rest_match trib_rest_router_match(const trib_rest_router *r, const char *method,
                                       const char *raw_path, const trib_rest_route **route,
                                       trib_rest_kv *params, char **allow, trib_error *err) {
    *route = NULL;
    if (allow) *allow = NULL;
    raw_seg raw[MAX_SEGMENTS];
    size_t n = split_raw(raw_path, raw, MAX_SEGMENTS);
    if (n > MAX_SEGMENTS) return TRIB_REST_NO_PATH;

    char *dec[MAX_SEGMENTS];
    for (size_t i = 0; i < n; i++) {
        if (raw[i].len == 0) {
            for (size_t k = 0; k < i; k++) free(dec[k]);
            return TRIB_REST_NO_PATH;
        }
        dec[i] = trib_rest_pct_decode(raw[i].p, raw[i].len, false, "request path", err);
        if (!dec[i]) {
            for (size_t k = 0; k < i; k++) free(dec[k]);
            return TRIB_REST_BAD_PATH;
        }
    }

    /* The most literal pattern matching the path wins (JAX-RS precedence). */
    const compiled_route *best = NULL;
    for (size_t i = 0; i < r->n; i++) {
        const compiled_route *cr = &r->routes[i];
        if (cr->nsegs != n) continue;
        bool ok = true;
        for (size_t k = 0; k < n && ok; k++)
            if (!cr->segs[k].is_param) ok = strcmp(dec[k], cr->segs[k].text) == 0;
        if (ok && (!best || cr->nliterals > best->nliterals)) best = cr;
    }

    trib_rest_match result = TRIB_REST_NO_PATH;
    if (best) {
        const char *want = strcmp(method, "HEAD") == 0 ? "GET" : method;
        const compiled_route *hit = NULL;
        bool has[sizeof method_order / sizeof *method_order] = {false};
        for (size_t i = 0; i < r->n; i++) {
            const compiled_route *cr = &r->routes[i];
            if (strcmp(cr->route.pattern, best->route.pattern) != 0) continue;
            if (!hit && strcmp(cr->route.method, want) == 0) hit = cr;
            for (size_t m = 0; m < sizeof method_order / sizeof *method_order; m++) {
                if (strcmp(cr->route.method, method_order[m]) == 0) has[m] = true;
                if (strcmp(cr->route.method, "GET") == 0 && strcmp(method_order[m], "HEAD") == 0)
                    has[m] = true;
            }
        }
        if (hit) {
            *route = &hit->route;
            for (size_t k = 0; k < n; k++)
                if (hit->segs[k].is_param) trib_rest_kv_add(params, hit->segs[k].text, dec[k]);
            result = TRIB_REST_MATCHED;
        } else {
            if (allow) {
                trib_strbuf sb;
                trib_strbuf_init(&sb);
                for (size_t m = 0; m < sizeof method_order / sizeof *method_order; m++) {
                    if (!has[m] && strcmp(method_order[m], "OPTIONS") != 0) continue;
                    if (sb.len) trib_strbuf_puts(&sb, ", ");
                    trib_strbuf_puts(&sb, method_order[m]);
                }
                *allow = trib_strbuf_take(&sb);
            }
            result = TRIB_REST_NO_METHOD;
        }
    }
    for (size_t k = 0; k < n; k++) free(dec[k]);
    return result;
}
