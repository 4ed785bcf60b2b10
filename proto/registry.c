/*
 * registry.c: the schema registry client (see registry.h): libcurl for
 * HTTP, jansson for the JSON bodies, two mutex-guarded caches, and a
 * process-wide list of shared clients keyed by their configuration.
 */
#include "proto/registry.h"

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "common/util.h"
#include "tenants/outbound.h"

#define REG_DEFAULT_CONNECT_TIMEOUT_MS 10000
#define REG_DEFAULT_REQUEST_TIMEOUT_MS 30000
#define REG_DEFAULT_CACHE_CAPACITY 1000
#define REG_CONTENT_TYPE "application/vnd.schemaregistry.v1+json"
/* The most of a registry's answer quoted in an error (task traces are
 * visible to tenants; a URL pointing at some other service must not turn
 * its responses into readable traces). */
#define REG_EXCERPT_MAX 120

/* ---- a small string-keyed hash table ------------------------------------- */

typedef struct cache_entry {
    char *key;              /* subject "\0" schema, or the decimal id */
    size_t keylen;
    uint64_t hash;
    int32_t id, version;
    char *schema;           /* id cache only */
    struct cache_entry *next;
} cache_entry;

typedef struct cache {
    cache_entry **buckets;
    size_t nbuckets, count, capacity;
} cache;

static void cache_init(cache *c, size_t capacity) {
    c->nbuckets = 64;
    while (c->nbuckets < capacity) c->nbuckets <<= 1;
    c->buckets = trib_xcalloc(c->nbuckets, sizeof *c->buckets);
    c->count = 0;
    c->capacity = capacity;
}

static void cache_clear(cache *c) {
    for (size_t i = 0; i < c->nbuckets; i++) {
        cache_entry *e = c->buckets[i];
        while (e) {
            cache_entry *n = e->next;
            free(e->key);
            free(e->schema);
            free(e);
            e = n;
        }
        c->buckets[i] = NULL;
    }
    c->count = 0;
}

static void cache_free(cache *c) {
    cache_clear(c);
    free(c->buckets);
}

static cache_entry *cache_get(cache *c, const char *key, size_t keylen) {
    uint64_t h = trib_fnv1a(key, keylen);
    for (cache_entry *e = c->buckets[h & (c->nbuckets - 1)]; e; e = e->next)
        if (e->hash == h && e->keylen == keylen && memcmp(e->key, key, keylen) == 0) return e;
    return NULL;
}

/* Inserts or updates. A full cache is emptied first: entries are cheap to
 * fetch again, and a worker that sees more distinct schemas than the
 * capacity is misconfigured anyway (Confluent's client fails outright). */
static cache_entry *cache_put(cache *c, const char *key, size_t keylen) {
    cache_entry *e = cache_get(c, key, keylen);
    if (e) return e;
    if (c->count >= c->capacity) cache_clear(c);
    e = trib_xcalloc(1, sizeof *e);
    e->key = trib_xmalloc(keylen + 1);
    memcpy(e->key, key, keylen);
    e->key[keylen] = '\0';
    e->keylen = keylen;
    e->hash = trib_fnv1a(key, keylen);
    size_t b = e->hash & (c->nbuckets - 1);
    e->next = c->buckets[b];
    c->buckets[b] = e;
    c->count++;
    return e;
}

/* ---- the client ------------------------------------------------------------ */

struct trib_registry {
    char *cfg_key;                 /* identity of the configuration */
    int refcnt;                    /* guarded by g_lock */
    struct trib_registry *next;    /* g_clients list */

    char **urls;
    size_t nurls;
    atomic_size_t preferred;       /* index of the URL that last answered */
    char *user_info;               /* USER_INFO credentials or NULL */
    char *connector;               /* a tenant's connector (policy applies) or NULL */
    long connect_timeout_ms, request_timeout_ms;
    atomic_uint_fast64_t requests;

    pthread_mutex_t lock;          /* guards the caches */
    cache by_schema;               /* subject\0schema -> id */
    cache by_id;                   /* "id" -> schema */
};

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static trib_registry *g_clients;
static pthread_once_t g_curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

static char *config_key(const trib_registry_config *cfg) {
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    for (size_t i = 0; i < cfg->nurls; i++) {
        trib_strbuf_puts(&sb, cfg->urls[i]);
        trib_strbuf_putc(&sb, '\x01');
    }
    trib_strbuf_printf(&sb, "\x02%s\x02%s\x02%ld\x02%ld\x02%zu\x02%s",
                       cfg->credentials_source ? cfg->credentials_source : "",
                       cfg->user_info ? cfg->user_info : "", cfg->connect_timeout_ms,
                       cfg->request_timeout_ms, cfg->cache_capacity,
                       trib_outbound_is_tenant(cfg->connector) ? cfg->connector : "");
    return trib_strbuf_take(&sb);
}

trib_registry *trib_registry_acquire(const trib_registry_config *cfg, trib_error *err) {
    if (!cfg || cfg->nurls == 0) {
        trib_error_set(err, TRIB_ERR_INVALID, "schema registry: no URL configured (schema.registry.url)");
        return NULL;
    }
    for (size_t i = 0; i < cfg->nurls; i++) {
        const char *u = cfg->urls[i];
        if (!u || !(trib_str_startswith(u, "http://") || trib_str_startswith(u, "https://"))) {
            trib_error_set(err, TRIB_ERR_INVALID,
                           "schema registry: URL '%s' must start with http:// or https://",
                           u ? u : "(null)");
            return NULL;
        }
    }
    const char *src = cfg->credentials_source;
    bool user_info = false;
    if (src && *src && strcasecmp(src, "USER_INFO") == 0) {
        if (!cfg->user_info || !strchr(cfg->user_info, ':')) {
            trib_error_set(err, TRIB_ERR_INVALID,
                           "schema registry: basic.auth.credentials.source=USER_INFO needs "
                           "basic.auth.user.info as 'user:password'");
            return NULL;
        }
        user_info = true;
    } else if (src && *src && strcasecmp(src, "URL") != 0) {
        trib_error_set(err, TRIB_ERR_INVALID,
                       "schema registry: unsupported basic.auth.credentials.source '%s' "
                       "(supported: USER_INFO, URL)", src);
        return NULL;
    }
    pthread_once(&g_curl_once, curl_init_once);

    char *key = config_key(cfg);
    pthread_mutex_lock(&g_lock);
    for (trib_registry *r = g_clients; r; r = r->next) {
        if (strcmp(r->cfg_key, key) == 0) {
            r->refcnt++;
            pthread_mutex_unlock(&g_lock);
            free(key);
            return r;
        }
    }
    trib_registry *r = trib_xcalloc(1, sizeof *r);
    r->cfg_key = key;
    r->refcnt = 1;
    r->nurls = cfg->nurls;
    r->urls = trib_xcalloc(cfg->nurls, sizeof *r->urls);
    for (size_t i = 0; i < cfg->nurls; i++) {
        /* Paths are appended to the base URL: drop trailing slashes. */
        char *u = trib_xstrdup(cfg->urls[i]);
        size_t n = strlen(u);
        while (n > 0 && u[n - 1] == '/') u[--n] = '\0';
        r->urls[i] = u;
    }
    atomic_init(&r->preferred, 0);
    atomic_init(&r->requests, 0);
    r->user_info = user_info ? trib_xstrdup(cfg->user_info) : NULL;
    r->connector = trib_outbound_is_tenant(cfg->connector) ? trib_xstrdup(cfg->connector) : NULL;
    r->connect_timeout_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms
                                                         : REG_DEFAULT_CONNECT_TIMEOUT_MS;
    r->request_timeout_ms = cfg->request_timeout_ms > 0 ? cfg->request_timeout_ms
                                                         : REG_DEFAULT_REQUEST_TIMEOUT_MS;
    pthread_mutex_init(&r->lock, NULL);
    size_t cap = cfg->cache_capacity ? cfg->cache_capacity : REG_DEFAULT_CACHE_CAPACITY;
    cache_init(&r->by_schema, cap);
    cache_init(&r->by_id, cap);
    r->next = g_clients;
    g_clients = r;
    pthread_mutex_unlock(&g_lock);
    return r;
}

void trib_registry_release(trib_registry *r) {
    if (!r) return;
    pthread_mutex_lock(&g_lock);
    if (--r->refcnt > 0) {
        pthread_mutex_unlock(&g_lock);
        return;
    }
    for (trib_registry **pp = &g_clients; *pp; pp = &(*pp)->next) {
        if (*pp == r) {
            *pp = r->next;
            break;
        }
    }
    pthread_mutex_unlock(&g_lock);
    for (size_t i = 0; i < r->nurls; i++) free(r->urls[i]);
    free(r->urls);
    if (r->user_info) {
        memset(r->user_info, 0, strlen(r->user_info));
        free(r->user_info);
    }
    free(r->connector);
    cache_free(&r->by_schema);
    cache_free(&r->by_id);
    pthread_mutex_destroy(&r->lock);
    free(r->cfg_key);
    free(r);
}

uint64_t trib_registry_request_count(const trib_registry *r) {
    return r ? atomic_load(&((trib_registry *)r)->requests) : 0;
}

/* ---- HTTP ------------------------------------------------------------------ */

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud) {
    trib_strbuf_append(ud, ptr, size * nmemb);
    return size * nmemb;
}

/* The URL with any "user:pass@" removed, for messages. */
static void redact_url(const char *url, char *out, size_t outlen) {
    const char *scheme_end = strstr(url, "://");
    const char *at = scheme_end ? strchr(scheme_end + 3, '@') : NULL;
    const char *slash = scheme_end ? strchr(scheme_end + 3, '/') : NULL;
    if (at && (!slash || at < slash))
        snprintf(out, outlen, "%.*s%s", (int)(scheme_end + 3 - url), url, at + 1);
    else
        snprintf(out, outlen, "%s", url);
}

/* The registry's error message from a JSON error body, else the body, as
 * a short printable excerpt (at most REG_EXCERPT_MAX bytes, then "..."). */
static char *error_message(const char *body) {
    json_t *j = body ? json_loads(body, 0, NULL) : NULL;
    const char *m = j ? json_string_value(json_object_get(j, "message")) : NULL;
    const char *src = m ? m : (body && *body ? body : "(empty response)");
    size_t n = strlen(src);
    while (n > 0 && (src[n - 1] == '\n' || src[n - 1] == '\r')) n--;
    bool cut = n > REG_EXCERPT_MAX;
    if (cut) n = REG_EXCERPT_MAX;
    char *out = trib_xmalloc(n + 4);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)src[i];
        out[i] = (c >= 0x20 && c < 0x7f) ? (char)c : ' ';
    }
    strcpy(out + n, cut ? "..." : "");
    json_decref(j);
    return out;
}

/* CURLOPT_OPENSOCKETFUNCTION for tenants' clients: the address curl is
 * about to connect (after its own resolution, per attempt) must pass the
 * outbound policy; a refusal is kept for the error message. */
typedef struct sock_check {
    const char *connector;
    const char *host;
    trib_error refusal;
} sock_check;

static curl_socket_t open_checked(void *clientp, curlsocktype purpose, struct curl_sockaddr *a) {
    sock_check *sc = clientp;
    if (purpose != CURLSOCKTYPE_IPCXN) return CURL_SOCKET_BAD;
    if (trib_outbound_check_addr(sc->connector, sc->host, &a->addr, &sc->refusal) < 0) return CURL_SOCKET_BAD;
    return socket(a->family, a->socktype, a->protocol);
}

/* The host of a base URL ("http://user@h:1/x" -> "h"), for the policy's
 * name entries; "" when there is none. */
static void url_host(const char *url, char *out, size_t cap) {
    out[0] = '\0';
    CURLU *u = curl_url();
    char *h = NULL;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK && curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK)
        snprintf(out, cap, "%s", h);
    curl_free(h);
    curl_url_cleanup(u);
}

/*
 * Sends one request, failing over across URLs. Returns 0 with *status and
 * *resp (malloc'd body) when some URL answered with a status below 500;
 * -1 RETRIABLE when no URL could be reached or all answered 5xx.
 */
static int http_call(trib_registry *r, const char *method, const char *path, const char *body,
                     long *status, char **resp, trib_error *err) {
    size_t start = atomic_load(&r->preferred) % r->nurls;
    char last[768] = "";
    for (size_t k = 0; k < r->nurls; k++) {
        size_t idx = (start + k) % r->nurls;
        char *url = trib_xasprintf("%s%s", r->urls[idx], path);
        char shown[512];
        redact_url(r->urls[idx], shown, sizeof shown);

        CURL *c = curl_easy_init();
        if (!c) {
            free(url);
            return trib_error_set(err, TRIB_ERR_INTERNAL, "schema registry: curl_easy_init failed");
        }
        trib_strbuf sb;
        trib_strbuf_init(&sb);
        struct curl_slist *hdrs = NULL;
        hdrs = curl_slist_append(hdrs, "Accept: " REG_CONTENT_TYPE ", application/vnd.schemaregistry+json, application/json");
        if (body) hdrs = curl_slist_append(hdrs, "Content-Type: " REG_CONTENT_TYPE);
        char errbuf[CURL_ERROR_SIZE] = "";
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        if (body) {
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
        }
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &sb);
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, r->connect_timeout_ms);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, r->request_timeout_ms);
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        if (r->user_info) {
            curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
            curl_easy_setopt(c, CURLOPT_USERPWD, r->user_info);
        }
        char host[256];
        sock_check sc = {.connector = r->connector, .host = host};
        if (r->connector) {
            url_host(r->urls[idx], host, sizeof host);
            curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_checked);
            curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &sc);
            curl_easy_setopt(c, CURLOPT_PROXY, "");   /* no http_proxy from the environment */
        }
        atomic_fetch_add(&r->requests, 1);
        CURLcode rc = curl_easy_perform(c);
        long code = 0;
        if (rc == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
        curl_slist_free_all(hdrs);
        curl_easy_cleanup(c);
        free(url);

        if (rc != CURLE_OK && sc.refusal.code == TRIB_ERR_FORBIDDEN) {
            /* Not a registry outage: the policy refuses this URL. */
            trib_strbuf_free(&sb);
            return trib_error_set(err, TRIB_ERR_FORBIDDEN, "schema registry: %s", sc.refusal.msg);
        }
        if (rc != CURLE_OK) {
            snprintf(last, sizeof last, "%s %s%s: %s", method, shown, path,
                     errbuf[0] ? errbuf : curl_easy_strerror(rc));
            TRIB_WARN("proto.registry", "schema registry: %s", last);
            trib_strbuf_free(&sb);
            continue;
        }
        if (code >= 500) {
            char *m = error_message(sb.data);
            snprintf(last, sizeof last, "%s %s%s returned HTTP %ld: %s", method, shown, path, code, m);
            TRIB_WARN("proto.registry", "schema registry: %s", last);
            free(m);
            trib_strbuf_free(&sb);
            continue;
        }
        atomic_store(&r->preferred, idx);
        *status = code;
        *resp = trib_strbuf_take(&sb);
        return 0;
    }
    return trib_error_set(err, TRIB_ERR_RETRIABLE, "schema registry: no URL answered (%s)", last);
}

/* Maps a non-2xx answer to an error; what names the request. */
static int status_error(long status, const char *resp, const char *what, trib_error *err) {
    char *m = error_message(resp);
    trib_err_code code;
    switch (status) {
    case 401: code = TRIB_ERR_UNAUTHORIZED; break;
    case 403: code = TRIB_ERR_FORBIDDEN; break;
    case 404: code = TRIB_ERR_NOT_FOUND; break;
    case 408: case 429: code = TRIB_ERR_RETRIABLE; break;
    default: code = TRIB_ERR_INVALID; break;
    }
    trib_error_set(err, code, "schema registry: %s failed with HTTP %ld: %s", what, status, m);
    free(m);
    return -1;
}

static char *escape(const char *s) {
    char *e = curl_easy_escape(NULL, s, 0);
    char *out = trib_xstrdup(e);
    curl_free(e);
    return out;
}

static json_t *parse_json(const char *resp, const char *what, trib_error *err) {
    json_error_t je;
    json_t *j = json_loads(resp, 0, &je);
    if (!j || !json_is_object(j)) {
        json_decref(j);
        trib_error_set(err, TRIB_ERR_RETRIABLE, "schema registry: %s: unexpected response '%.200s'",
                       what, resp);
        return NULL;
    }
    return j;
}

/* The JSON object of a 2xx answer, or NULL with err from the status or the
 * body. Takes ownership of resp. what names the request in errors; jwhat
 * names the answer for parse errors. */
static json_t *ok_json(long status, char *resp, const char *what, const char *jwhat, trib_error *err) {
    json_t *j = NULL;
    if (status < 200 || status >= 300) status_error(status, resp, what, err);
    else j = parse_json(resp, jwhat, err);
    free(resp);
    return j;
}

static bool json_int32(json_t *j, const char *key, int32_t *out) {
    json_t *v = json_object_get(j, key);
    if (!json_is_integer(v)) return false;
    json_int_t x = json_integer_value(v);
    if (x < INT32_MIN || x > INT32_MAX) return false;
    *out = (int32_t)x;
    return true;
}

/* ---- caches ------------------------------------------------------------------ */

static char *schema_key(const char *subject, const char *schema, size_t *len) {
    size_t a = strlen(subject), b = strlen(schema);
    char *k = trib_xmalloc(a + 1 + b + 1);
    memcpy(k, subject, a);
    k[a] = '\0';
    memcpy(k + a + 1, schema, b + 1);
    *len = a + 1 + b;
    return k;
}

static bool cached_id(trib_registry *r, const char *subject, const char *schema, int32_t *id,
                      int32_t *version) {
    size_t klen;
    char *k = schema_key(subject, schema, &klen);
    pthread_mutex_lock(&r->lock);
    cache_entry *e = cache_get(&r->by_schema, k, klen);
    bool hit = e != NULL;
    if (hit) {
        *id = e->id;
        if (version) *version = e->version;
    }
    pthread_mutex_unlock(&r->lock);
    free(k);
    return hit;
}

static void remember(trib_registry *r, const char *subject, const char *schema, int32_t id,
                     int32_t version) {
    char idkey[16];
    int idlen = snprintf(idkey, sizeof idkey, "%d", (int)id);
    pthread_mutex_lock(&r->lock);
    if (subject) {
        size_t klen;
        char *k = schema_key(subject, schema, &klen);
        cache_entry *e = cache_put(&r->by_schema, k, klen);
        e->id = id;
        if (version > 0 || e->version == 0) e->version = version;
        free(k);
    }
    cache_entry *e = cache_put(&r->by_id, idkey, (size_t)idlen);
    if (!e->schema) e->schema = trib_xstrdup(schema);
    e->id = id;
    pthread_mutex_unlock(&r->lock);
}

/* POSTs {"schema": schema, "schemaType": "AVRO"} to /subjects/<subject><suffix>
 * (register: "/versions"; lookup: ""). *resp is the caller's. */
static int post_schema(trib_registry *r, const char *subject, const char *suffix, const char *schema,
                       long *status, char **resp, trib_error *err) {
    json_t *req = json_pack("{s:s, s:s}", "schema", schema, "schemaType", "AVRO");
    char *body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    char *esc = escape(subject);
    char *path = trib_xasprintf("/subjects/%s%s", esc, suffix);
    int rc = http_call(r, "POST", path, body, status, resp, err);
    free(body);
    free(path);
    free(esc);
    return rc;
}

/* ---- API ------------------------------------------------------------------- */

int trib_registry_register(trib_registry *r, const char *subject, const char *schema,
                           int32_t *id, trib_error *err) {
    if (cached_id(r, subject, schema, id, NULL)) return 0;
    long status = 0;
    char *resp = NULL;
    if (post_schema(r, subject, "/versions", schema, &status, &resp, err) < 0) return trib_error_prefix(err, "registering a schema under subject '%s'", subject);
    if (status == 409) {
        char *m = error_message(resp);
        trib_error_set(err, TRIB_ERR_FATAL,
                       "schema registry: schema being registered is incompatible with an earlier "
                       "schema for subject \"%s\": %s", subject, m);
        free(m);
        free(resp);
        return -1;
    }
    char what[300];
    snprintf(what, sizeof what, "registering a schema under subject '%s'", subject);
    json_t *j = ok_json(status, resp, what, "register", err);
    if (!j) return -1;
    int32_t got;
    if (!json_int32(j, "id", &got)) {
        json_decref(j);
        return trib_error_set(err, TRIB_ERR_RETRIABLE,
                              "schema registry: register under '%s': response has no integer \"id\"",
                              subject);
    }
    json_decref(j);
    remember(r, subject, schema, got, 0);
    *id = got;
    TRIB_DEBUG("proto.registry", "registered schema id %d under subject '%s'", (int)got, subject);
    return 0;
}

int trib_registry_lookup(trib_registry *r, const char *subject, const char *schema,
                         int32_t *id, int32_t *version, trib_error *err) {
    int32_t v = 0;
    if (cached_id(r, subject, schema, id, &v) && v > 0) {
        if (version) *version = v;
        return 0;
    }
    long status = 0;
    char *resp = NULL;
    if (post_schema(r, subject, "", schema, &status, &resp, err) < 0) return trib_error_prefix(err, "looking up a schema under subject '%s'", subject);
    char what[300];
    snprintf(what, sizeof what, "looking up a schema under subject '%s'", subject);
    json_t *j = ok_json(status, resp, what, "lookup", err);
    if (!j) return -1;
    int32_t got, ver = 0;
    if (!json_int32(j, "id", &got)) {
        json_decref(j);
        return trib_error_set(err, TRIB_ERR_RETRIABLE,
                              "schema registry: lookup under '%s': response has no integer \"id\"",
                              subject);
    }
    json_int32(j, "version", &ver);
    json_decref(j);
    remember(r, subject, schema, got, ver);
    *id = got;
    if (version) *version = ver;
    return 0;
}

char *trib_registry_schema_by_id(trib_registry *r, int32_t id, trib_error *err) {
    char idkey[16];
    int idlen = snprintf(idkey, sizeof idkey, "%d", (int)id);
    pthread_mutex_lock(&r->lock);
    cache_entry *e = cache_get(&r->by_id, idkey, (size_t)idlen);
    char *hit = e && e->schema ? trib_xstrdup(e->schema) : NULL;
    pthread_mutex_unlock(&r->lock);
    if (hit) return hit;

    char *path = trib_xasprintf("/schemas/ids/%d", (int)id);
    long status = 0;
    char *resp = NULL;
    int rc = http_call(r, "GET", path, NULL, &status, &resp, err);
    free(path);
    if (rc < 0) {
        trib_error_prefix(err, "fetching schema id %d", (int)id);
        return NULL;
    }
    if (status == 404) {
        char *m = error_message(resp);
        trib_error_set(err, TRIB_ERR_INVALID,
                       "schema registry: schema id %d not found (%s): the record references a "
                       "schema this registry does not know", (int)id, m);
        free(m);
        free(resp);
        return NULL;
    }
    char what[64];
    snprintf(what, sizeof what, "fetching schema id %d", (int)id);
    json_t *j = ok_json(status, resp, what, "schema by id", err);
    if (!j) return NULL;
    const char *s = json_string_value(json_object_get(j, "schema"));
    const char *type = json_string_value(json_object_get(j, "schemaType"));
    if (type && strcmp(type, "AVRO") != 0) {
        trib_error_set(err, TRIB_ERR_INVALID,
                       "schema registry: schema id %d is a %s schema, not Avro", (int)id, type);
        json_decref(j);
        return NULL;
    }
    if (!s) {
        json_decref(j);
        trib_error_set(err, TRIB_ERR_RETRIABLE,
                       "schema registry: schema id %d: response has no \"schema\" string", (int)id);
        return NULL;
    }
    char *out = trib_xstrdup(s);
    json_decref(j);
    remember(r, NULL, out, id, 0);
    return out;
}

int trib_registry_latest(trib_registry *r, const char *subject, int32_t *id,
                         int32_t *version, char **schema, trib_error *err) {
    char *esc = escape(subject);
    char *path = trib_xasprintf("/subjects/%s/versions/latest", esc);
    free(esc);
    long status = 0;
    char *resp = NULL;
    int rc = http_call(r, "GET", path, NULL, &status, &resp, err);
    free(path);
    if (rc < 0) return trib_error_prefix(err, "fetching the latest schema of subject '%s'", subject);
    char what[300];
    snprintf(what, sizeof what, "fetching the latest schema of subject '%s'", subject);
    json_t *j = ok_json(status, resp, what, "latest version", err);
    if (!j) return -1;
    int32_t got, ver = 0;
    const char *s = json_string_value(json_object_get(j, "schema"));
    if (!json_int32(j, "id", &got) || !s) {
        json_decref(j);
        return trib_error_set(err, TRIB_ERR_RETRIABLE,
                              "schema registry: latest of '%s': response lacks \"id\" or \"schema\"",
                              subject);
    }
    json_int32(j, "version", &ver);
    *id = got;
    if (version) *version = ver;
    if (schema) *schema = trib_xstrdup(s);
    remember(r, subject, s, got, ver);
    json_decref(j);
    return 0;
}

int trib_registry_set_compatibility(trib_registry *r, const char *subject, const char *level,
                                    trib_error *err) {
    json_t *req = json_pack("{s:s}", "compatibility", level);
    char *body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    char *esc = escape(subject);
    char *path = trib_xasprintf("/config/%s", esc);
    free(esc);
    long status = 0;
    char *resp = NULL;
    int rc = http_call(r, "PUT", path, body, &status, &resp, err);
    free(body);
    free(path);
    if (rc < 0) return trib_error_prefix(err, "setting compatibility of subject '%s'", subject);
    if (status < 200 || status >= 300) {
        char what[300];
        snprintf(what, sizeof what, "setting compatibility of subject '%s' to %s", subject, level);
        status_error(status, resp, what, err);
        free(resp);
        return -1;
    }
    free(resp);
    return 0;
}
