/*
 * routes_tenants.c: the multi-tenant REST layer of rest/tenants.h.
 *
 * Authentication is the server's auth hook: it classifies the matched
 * route (open, admin view, tenant administration, tenant API), checks the
 * bearer credential (admin token or a tenant's API key, both compared in
 * constant time), throttles clients that keep presenting bad credentials,
 * and binds req->principal / req->tenant. Handlers below check that binding
 * again before doing anything (defence in depth).
 *
 * The tenant API reuses Connect's handlers (rest/routes.h): a wrapper per
 * route rewrites the {connector} param to "<tenant>/<name>", checks and
 * rewrites the body (isolation, quotas) under one write lock (so two
 * requests cannot both pass a quota that only one fits), calls the
 * handler, then maps every name in the response back (and drops other
 * tenants' connectors from lists). Every write is audited.
 */
#include "rest/tenants.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/time.h"
#include "common/util.h"
#include "rest/http_json.h"
#include "rest/routes.h"
#include "tenants/audit.h"
#include "tenants/guard.h"
#include "tenants/outbound.h"
#include "tenants/reserved.h"

#define FAIL_WINDOW_MS 60000
#define FAIL_TABLE_MAX 4096
#define LOCAL_NAME_MAX 200

typedef struct fail_entry {
    char addr[72];   /* "<kind>:<client address>" */
    int64_t start_ms;
    int count;
} fail_entry;

typedef struct interned {
    struct interned *next;
    char s[];
} interned;

struct trib_rest_tenants {
    trib_tenants *reg;
    bool own_reg;
    char *admin_token;      /* NULL when admin.token.file is not set */
    char *staging_root;     /* realpath of tenant.staging.root, or NULL */
    trib_audit *audit;
    int max_failures;
    pthread_mutex_t write_lock;
    pthread_mutex_t lock;   /* fails, names */
    fail_entry *fails;
    size_t nfails;
    interned *names;
    trib_rest_cluster_log_fn chained_log;
    void *chained_opaque;
};

/* ---- setup ------------------------------------------------------------------------ */

static char *read_token(const char *path, trib_error *err) {
    trib_error rerr;
    char *s = trib_read_file(path, NULL, &rerr);
    if (!s) {
        trib_error_set(err, TRIB_ERR_INVALID, "admin.token.file: %s", rerr.msg);
        return NULL;
    }
    char *t = trib_trim(s);
    if (strlen(t) < 16) {
        free(s);
        trib_error_set(err, TRIB_ERR_INVALID, "admin.token.file: the token in '%s' is shorter than 16 characters",
                       path);
        return NULL;
    }
    char *tok = trib_xstrdup(t);
    free(s);
    return tok;
}

static trib_rest_tenants *tenants_new(const trib_props *props, trib_tenants *reg, trib_tenant_store *given,
                                      trib_error *err);

trib_rest_tenants *trib_rest_tenants_new(const trib_props *props, trib_tenants *reg, trib_error *err) {
    return tenants_new(props, reg, NULL, err);
}

trib_rest_tenants *trib_rest_tenants_new_with_store(const trib_props *props, trib_tenant_store *store,
                                                   trib_error *err) {
    return tenants_new(props, NULL, store, err);
}

static trib_rest_tenants *tenants_new(const trib_props *props, trib_tenants *reg, trib_tenant_store *given,
                                      trib_error *err) {
    trib_rest_tenants *t = trib_xcalloc(1, sizeof *t);
    pthread_mutex_init(&t->write_lock, NULL);
    pthread_mutex_init(&t->lock, NULL);
    t->max_failures = 10;
    const char *v = trib_props_get(props, "tenant.auth.max.failures.per.minute");
    if (v) {
        int64_t n;
        if (trib_parse_int64(v, &n) < 0 || n < 1 || n > 1000000) {
            trib_error_set(err, TRIB_ERR_INVALID,
                           "tenant.auth.max.failures.per.minute: '%s' is not an integer in [1, 1000000]", v);
            goto fail;
        }
        t->max_failures = (int)n;
    }
    const char *tokf = trib_props_get(props, "admin.token.file");
    if (tokf && *tokf && !(t->admin_token = read_token(tokf, err))) goto fail;
    const char *root = trib_props_get(props, "tenant.staging.root");
    if (root && *root) {
        char real[PATH_MAX];
        if (!realpath(root, real)) {
            trib_error_set(err, TRIB_ERR_INVALID, "tenant.staging.root: cannot resolve '%s': %s", root,
                           strerror(errno));
            goto fail;
        }
        t->staging_root = trib_xstrdup(real);
    }
    if (trib_outbound_install(props, err) < 0) goto fail;
    trib_tenant_reserved_install(props);
    t->audit = trib_audit_open(trib_props_get(props, "tenant.audit.log"), err);
    if (!t->audit) goto fail;
    if (reg) {
        t->reg = reg;
    } else {
        const char *sf = trib_props_get(props, "tenant.key.secret.file");
        unsigned char *secret = NULL;
        size_t slen = 0;
        if (sf && *sf) {
            if (trib_tenant_secret_load(sf, &secret, &slen, err) < 0) goto fail;
        } else {
            TRIB_WARN("tenants", "tenant.key.secret.file is not set: API keys are signed with a secret that lasts "
                                 "only as long as this process");
            slen = 32;
            secret = trib_xmalloc(slen);
            char *k = NULL;
            char id[TRIB_TENANT_KEY_ID_LEN + 1];
            if (trib_tenant_key_generate(&k, id, err) < 0) {
                free(secret);
                goto fail;
            }
            memcpy(secret, k + 5, slen);   /* 43 base64url characters of randomness */
            free(k);
        }
        const char *store_file = trib_props_get(props, "tenant.store.file");
        trib_tenant_store *store;
        if (given) {
            store = given;
            given = NULL;
        } else if (store_file && *store_file) {
            store = trib_tenant_store_file_new(store_file, err);
        } else {
            TRIB_WARN("tenants", "tenant.store.file is not set: tenants are kept in memory only");
            store = trib_tenant_store_memory_new();
        }
        if (store) t->reg = trib_tenants_new(store, secret, slen, err);
        if (secret) {
            memset(secret, 0, slen);
            free(secret);
        }
        if (!t->reg) goto fail;
        t->own_reg = true;
    }
    trib_tenant_runtime_install(t->reg);
    trib_tenant_runtime_install_staging(t->staging_root);
    return t;
fail:
    if (given && given->destroy) given->destroy(given);
    trib_rest_tenants_destroy(t);
    return NULL;
}

void trib_rest_tenants_destroy(trib_rest_tenants *t) {
    if (!t) return;
    if (t->reg) {
        trib_tenant_runtime_install(NULL);
        trib_tenant_runtime_install_staging(NULL);
        trib_outbound_uninstall();
        trib_tenant_reserved_install(NULL);
    }
    if (t->own_reg) trib_tenants_destroy(t->reg);
    trib_audit_close(t->audit);
    if (t->admin_token) {
        memset(t->admin_token, 0, strlen(t->admin_token));
        free(t->admin_token);
    }
    free(t->staging_root);
    free(t->fails);
    while (t->names) {
        interned *n = t->names;
        t->names = n->next;
        free(n);
    }
    pthread_mutex_destroy(&t->write_lock);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

trib_tenants *trib_rest_tenants_registry(trib_rest_tenants *t) { return t->reg; }

static trib_rest_tenants *ctx_of(const trib_rest_request *req) {
    const trib_rest_config *cfg = trib_rest_request_config(req);
    return cfg ? cfg->hook_opaque : NULL;
}

/* Strings the auth hook hands to requests must outlive them. */
static const char *intern(trib_rest_tenants *t, const char *s) {
    pthread_mutex_lock(&t->lock);
    interned *n = t->names;
    while (n && strcmp(n->s, s) != 0) n = n->next;
    if (!n) {
        size_t len = strlen(s);
        n = trib_xmalloc(sizeof *n + len + 1);
        memcpy(n->s, s, len + 1);
        n->next = t->names;
        t->names = n;
    }
    pthread_mutex_unlock(&t->lock);
    return n->s;
}

/* ---- audit -------------------------------------------------------------------- */

static bool is_write(const char *method) {
    return strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0 ||
           strcmp(method, "DELETE") == 0;
}

static void audit_req(trib_rest_tenants *t, const trib_rest_request *req, int status, const char *connector,
                      const char *detail) {
    if (!t) return;
    char addr[64];
    trib_audit_event ev = {
        .principal = req->principal,
        .client = trib_rest_request_client_addr(req, addr, sizeof addr),
        .method = req->method,
        .path = req->path,
        .tenant = req->tenant ? req->tenant : trib_rest_kv_get(&req->params, "tenant"),
        .connector = connector,
        .status = status,
        .detail = detail,
    };
    trib_audit_write(t->audit, &ev);
    /* every write is audited, so this is where refused ones are counted (metrics) */
    if (status >= 400 && ev.tenant) trib_tenants_note_rejected(t->reg, ev.tenant);
}

static const char *resp_message(const trib_rest_response *resp) {
    return resp->status >= 400 ? json_string_value(json_object_get(resp->body, "message")) : NULL;
}

/* ---- authentication ---------------------------------------------------------- */

typedef enum { ROUTE_OPEN, ROUTE_ADMIN_VIEW, ROUTE_ADMIN, ROUTE_TENANT } route_kind;

static route_kind classify(const trib_rest_request *req) {
    const char *p = req->route->pattern;
    /* the console's static files (ui/) hold no data: the page asks for a credential itself */
    if (strcmp(p, "/") == 0 || strcmp(p, "/health") == 0 || strcmp(p, "/ui") == 0 || strcmp(p, "/ui/{file}") == 0)
        return ROUTE_OPEN;
    if (trib_str_startswith(p, "/tenants/{tenant}/connectors") ||
        trib_str_startswith(p, "/tenants/{tenant}/connector-plugins") ||
        trib_str_startswith(p, "/tenants/{tenant}/ingest/") || strcmp(p, "/tenants/{tenant}/metrics") == 0)
        return ROUTE_TENANT;
    if (strcmp(p, "/tenants/{tenant}") == 0 && strcmp(req->method, "DELETE") != 0) return ROUTE_TENANT;
    if (strcmp(p, "/tenants") == 0 || trib_str_startswith(p, "/tenants/")) return ROUTE_ADMIN;
    return ROUTE_ADMIN_VIEW;
}

/* addr below is the "<kind>:<address>" key of a fail_entry. */
static fail_entry *fail_find(trib_rest_tenants *t, const char *addr) {
    for (size_t i = 0; i < t->nfails; i++)
        if (strcmp(t->fails[i].addr, addr) == 0) return &t->fails[i];
    return NULL;
}

static bool throttled(trib_rest_tenants *t, const char *addr) {
    int64_t now = trib_mono_ms();
    pthread_mutex_lock(&t->lock);
    fail_entry *e = fail_find(t, addr);
    bool blocked = e && now - e->start_ms < FAIL_WINDOW_MS && e->count >= t->max_failures;
    pthread_mutex_unlock(&t->lock);
    return blocked;
}

static void note_failure(trib_rest_tenants *t, const char *addr) {
    int64_t now = trib_mono_ms();
    pthread_mutex_lock(&t->lock);
    fail_entry *e = fail_find(t, addr);
    if (!e) {
        if (t->nfails == FAIL_TABLE_MAX) {
            /* Full: reuse the entry whose window started longest ago. */
            size_t oldest = 0;
            for (size_t i = 1; i < t->nfails; i++)
                if (t->fails[i].start_ms < t->fails[oldest].start_ms) oldest = i;
            e = &t->fails[oldest];
        } else {
            t->fails = trib_xrealloc(t->fails, (t->nfails + 1) * sizeof *t->fails);
            e = &t->fails[t->nfails++];
        }
        snprintf(e->addr, sizeof e->addr, "%s", addr);
        e->start_ms = now;
        e->count = 0;
    }
    if (now - e->start_ms >= FAIL_WINDOW_MS) {
        e->start_ms = now;
        e->count = 0;
    }
    e->count++;
    pthread_mutex_unlock(&t->lock);
}

/* The token of "Authorization: Bearer <token>" (borrowed into buf), or NULL. */
static const char *bearer(const trib_rest_request *req, char *buf, size_t cap) {
    const char *h = trib_rest_request_header(req, "Authorization");
    if (!h) return NULL;
    while (*h == ' ') h++;
    if (strncasecmp(h, "Bearer", 6) != 0 || (h[6] != ' ' && h[6] != '\t')) return "";
    h += 6;
    while (*h == ' ' || *h == '\t') h++;
    size_t n = strcspn(h, " \t\r\n");
    if (n == 0 || n >= cap || h[n] != '\0') return "";
    memcpy(buf, h, n);
    buf[n] = '\0';
    return buf;
}

static int refuse(trib_rest_tenants *t, trib_rest_request *req, trib_error *err, trib_err_code code,
                  const char *msg) {
    trib_error_set(err, code, "%s", msg);
    if (is_write(req->method)) audit_req(t, req, trib_err_http_status(code), NULL, msg);
    return -1;
}

static int auth_hook(void *opaque, trib_rest_request *req, trib_error *err) {
    trib_rest_tenants *t = opaque;
    route_kind kind = classify(req);
    if (kind == ROUTE_OPEN) return 0;
    char tbuf[512];
    const char *tok = bearer(req, tbuf, sizeof tbuf);
    /* The valid admin token is checked before any throttling: clients that
     * share the admin's address (a NAT, a proxy) and fail with keys must
     * not lock the admin out. Guessing a >= 16 character token is not
     * helped by this: only the right token skips the throttle. */
    bool is_admin = tok && *tok && t->admin_token && trib_tenant_secret_equal(tok, t->admin_token);
    if (is_admin) {
        req->principal = "admin";
        if (kind == ROUTE_TENANT) req->tenant = intern(t, trib_rest_kv_get(&req->params, "tenant"));
        return 0;
    }
    if (kind == ROUTE_ADMIN_VIEW && !t->admin_token) {
        /* Connect's open API, unless the cluster has tenants: then
         * /connectors would list and change their connectors for anyone. */
        if (trib_tenants_count(t->reg) == 0) return 0;
        return refuse(t, req, err, TRIB_ERR_FORBIDDEN,
                      "The admin view is disabled: this cluster has tenants but this worker has no "
                      "admin.token.file; set admin.token.file to use /connectors, /connector-plugins and /admin");
    }
    /* Failures are counted per client address and credential kind (API
     * keys "trib_...", anything else as admin-token guesses). */
    char abuf[64], fkey[72];
    const char *addr = trib_rest_request_client_addr(req, abuf, sizeof abuf);
    snprintf(fkey, sizeof fkey, "%s:%s", tok && trib_str_startswith(tok, "trib_") ? "key" : "token",
             addr ? addr : "unknown");
    if (throttled(t, fkey))
        return refuse(t, req, err, TRIB_ERR_QUOTA, "Too many failed authentication attempts from this address; "
                                                   "retry in a minute");
    if (!tok) return refuse(t, req, err, TRIB_ERR_UNAUTHORIZED, "Authentication required: Authorization: Bearer <key>");
    char tenant[TRIB_TENANT_NAME_MAX + 1], id[TRIB_TENANT_KEY_ID_LEN + 1];
    trib_error kerr;
    if (trib_tenants_authenticate(t->reg, tok, tenant, id, &kerr) < 0) {
        if (*tok) note_failure(t, fkey);
        return refuse(t, req, err, TRIB_ERR_UNAUTHORIZED, "Invalid credentials");
    }
    char principal[128];
    snprintf(principal, sizeof principal, "tenant:%s key:%s", tenant, id);
    req->principal = intern(t, principal);
    if (kind == ROUTE_TENANT) {
        const char *want = trib_rest_kv_get(&req->params, "tenant");
        if (want && strcmp(want, tenant) == 0) {
            req->tenant = intern(t, tenant);
            return 0;
        }
        return refuse(t, req, err, TRIB_ERR_FORBIDDEN, "This API key does not grant access to that tenant");
    }
    if (kind == ROUTE_ADMIN && !t->admin_token)
        return refuse(t, req, err, TRIB_ERR_FORBIDDEN,
                      "Tenant administration is disabled on this worker (admin.token.file is not set)");
    return refuse(t, req, err, TRIB_ERR_FORBIDDEN, "This endpoint needs the admin token");
}

/* ---- name mapping ---------------------------------------------------------------- */

static int check_local_name(const char *name, trib_error *err) {
    if (!*name) return trib_error_set(err, TRIB_ERR_INVALID, "Connector name is empty");
    if (strlen(name) > LOCAL_NAME_MAX)
        return trib_error_set(err, TRIB_ERR_INVALID, "Connector name is longer than %d characters", LOCAL_NAME_MAX);
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return trib_error_set(err, TRIB_ERR_INVALID, "Connector name may not contain ISO control characters");
    if (strchr(name, '/')) return trib_error_set(err, TRIB_ERR_INVALID, "Connector name may not contain '/'");
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return trib_error_set(err, TRIB_ERR_INVALID, "Connector name may not be '.' or '..'");
    return 0;
}

/* Strips "<tenant>/" from names in a response: object keys, the values of
 * "name" and "connector" fields, and strings in arrays. */
static void unqualify(json_t *j, const char *tprefix) {
    size_t pl = strlen(tprefix);
    if (json_is_object(j)) {
        const char *k;
        json_t *v;
        void *tmp;
        json_t *renamed = NULL;
        json_object_foreach_safe(j, tmp, k, v) {
            if ((strcmp(k, "name") == 0 || strcmp(k, "connector") == 0) && json_is_string(v) &&
                strncmp(json_string_value(v), tprefix, pl) == 0)
                json_object_set_new(j, k, json_string(json_string_value(v) + pl));
            else unqualify(v, tprefix);
            if (strncmp(k, tprefix, pl) == 0) {
                if (!renamed) renamed = json_object();
                json_object_set(renamed, k + pl, json_object_get(j, k));
                json_object_del(j, k);
            }
        }
        if (renamed) {
            json_object_update(j, renamed);
            json_decref(renamed);
        }
    } else if (json_is_array(j)) {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v) {
            if (json_is_string(v) && strncmp(json_string_value(v), tprefix, pl) == 0)
                json_array_set_new(j, i, json_string(json_string_value(v) + pl));
            else unqualify(v, tprefix);
        }
    }
}

/* Keeps only this tenant's connectors in a list (array of names, or the
 * ?expand object keyed by name). */
static void filter_list(json_t *body, const char *tprefix) {
    size_t pl = strlen(tprefix);
    if (json_is_array(body)) {
        for (size_t i = json_array_size(body); i-- > 0;) {
            const char *s = json_string_value(json_array_get(body, i));
            if (!s || strncmp(s, tprefix, pl) != 0) json_array_remove(body, i);
        }
    } else if (json_is_object(body)) {
        const char *k;
        json_t *v;
        void *tmp;
        json_object_foreach_safe(body, tmp, k, v) {
            (void)v;
            if (strncmp(k, tprefix, pl) != 0) json_object_del(body, k);
        }
    }
}

static char *replace_all(const char *s, const char *from, const char *to) {
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    size_t fl = strlen(from);
    const char *p = s;
    for (const char *hit; fl && (hit = strstr(p, from)) != NULL; p = hit + fl) {
        trib_strbuf_append(&sb, p, (size_t)(hit - p));
        trib_strbuf_puts(&sb, to);
    }
    trib_strbuf_puts(&sb, p);
    return trib_strbuf_take(&sb);
}

static void map_response(trib_rest_response *resp, const char *tenant, const char *full, const char *local) {
    char *tprefix = trib_xasprintf("%s/", tenant);
    if (resp->status >= 400 && json_is_object(resp->body)) {
        const char *m = json_string_value(json_object_get(resp->body, "message"));
        if (m && full) {
            char *nm = replace_all(m, full, local);
            json_object_set_new(resp->body, "message", trib_rest_json_string_lossy(nm));
            free(nm);
        }
    } else if (resp->body) {
        unqualify(resp->body, tprefix);
    }
    if (resp->location && full) {
        char *ef = trib_rest_pct_encode(full), *el = trib_rest_pct_encode(local), *et = trib_rest_pct_encode(tenant);
        char *from = trib_xasprintf("/connectors/%s", ef);
        char *to = trib_xasprintf("/tenants/%s/connectors/%s", et, el);
        char *nl = replace_all(resp->location, from, to);
        free(resp->location);
        resp->location = nl;
        free(ef), free(el), free(et), free(from), free(to);
    }
    free(tprefix);
}

/* ---- staging directories ------------------------------------------------------ */

/* Renames <root>/<name> (if present) to <root>/.retired-<name>-<ms>-<n>:
 * atomic, no walk of a tree the tenant shaped (symlinks included), and
 * out of reach of every tenant (names never start with '.'). The
 * operator purges retired directories. 0 also when there was none. */
static int retire_dir(trib_rest_tenants *ctx, const char *name) {
    if (!ctx->staging_root) return 0;
    char *dir = trib_xasprintf("%s/%s", ctx->staging_root, name);
    int rc = -1;
    for (int n = 0; n < 100; n++) {
        char *to = trib_xasprintf("%s/.retired-%s-%lld-%d", ctx->staging_root, name, (long long)trib_now_ms(), n);
        int r = rename(dir, to);
        int e = errno;
        if (r == 0) TRIB_INFO("tenants", "staging directory of tenant %s retired to %s", name, to);
        free(to);
        if (r == 0 || e == ENOENT) {
            rc = 0;
            break;
        }
        if (e != EEXIST && e != ENOTEMPTY) {
            errno = e;
            break;
        }
    }
    free(dir);
    return rc;
}

/* ---- checks before the herder ---------------------------------------------------- */

/* The tenant's staging directory (created if missing), as a real path. */
static int tenant_scope(trib_rest_tenants *ctx, const trib_tenant *t, trib_tenant_scope *scope, char **root_out,
                        trib_error *err) {
    *root_out = NULL;
    scope->tenant = t->name;
    scope->topic_prefix = t->topic_prefix;
    scope->staging_root = NULL;
    if (!ctx->staging_root) return 0;
    char *dir = trib_xasprintf("%s/%s", ctx->staging_root, t->staging_dir);
    if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
        trib_error_set(err, TRIB_ERR_IO, "cannot create the staging directory of tenant %s: %s", t->name,
                       strerror(errno));
        free(dir);
        return -1;
    }
    char real[PATH_MAX];
    if (!realpath(dir, real)) {
        trib_error_set(err, TRIB_ERR_IO, "cannot resolve the staging directory of tenant %s: %s", t->name,
                       strerror(errno));
        free(dir);
        return -1;
    }
    free(dir);
    *root_out = trib_xstrdup(real);
    scope->staging_root = *root_out;
    return 0;
}

static int check_config(trib_rest_tenants *ctx, const trib_tenant *t, trib_props *config, trib_error *err) {
    trib_tenant_scope scope;
    char *root;
    if (tenant_scope(ctx, t, &scope, &root, err) < 0) return -1;
    int rc = trib_tenant_check_config(&scope, config, err);
    free(root);
    return rc;
}

/* Quotas max_connectors and max_tasks (sum of tasks.max), for a config of
 * `tasks` tasks about to be stored as `full`. */
static int check_quotas(trib_herder *h, const trib_tenant *t, const char *full, int64_t tasks, trib_error *err) {
    json_t *names = trib_herder_list(h, err);
    if (!names) return -1;
    char *tprefix = trib_xasprintf("%s/", t->name);
    int64_t conns = 0, used = 0;
    bool exists = false;
    size_t i;
    json_t *v;
    json_array_foreach(names, i, v) {
        const char *n = json_string_value(v);
        if (!n || !trib_str_startswith(n, tprefix)) continue;
        if (strcmp(n, full) == 0) {
            exists = true;
            continue;
        }
        conns++;
        json_t *cfg = trib_herder_config(h, n, NULL);
        int64_t k = 1;
        const char *tm = json_string_value(json_object_get(cfg, "tasks.max"));
        if (tm && trib_parse_int64(tm, &k) < 0) k = 1;
        used = trib_add_i64_sat(used, k); /* stored configs can hold any int64 */
        json_decref(cfg);
    }
    json_decref(names);
    free(tprefix);
    const trib_tenant_quotas *q = &t->quotas;
    if (!exists && q->max_connectors >= 0 && conns + 1 > q->max_connectors)
        return trib_error_set(err, TRIB_ERR_QUOTA, "Tenant %s is at its quota max_connectors=%lld", t->name,
                              (long long)q->max_connectors);
    if (q->max_tasks >= 0 && trib_add_i64_sat(used, tasks) > q->max_tasks)
        return trib_error_set(err, TRIB_ERR_QUOTA,
                              "Tenant %s would exceed its quota max_tasks=%lld: its other connectors use %lld tasks "
                              "and tasks.max is %lld",
                              t->name, (long long)q->max_tasks, (long long)used, (long long)tasks);
    return 0;
}

/* "name" in a tenant's config: absent, or the local name; stored as full. */
static int config_name(trib_props *config, const char *local, const char *full, trib_error *err) {
    const char *n = trib_props_get(config, "name");
    if (n && strcmp(n, local) != 0 && strcmp(n, full) != 0)
        return trib_error_set(err, TRIB_ERR_INVALID,
                              "Connector name configuration (%s) doesn't match connector name in the URL (%s)", n,
                              local);
    trib_props_set(config, "name", full);
    return 0;
}

static void set_body(trib_rest_request *req, json_t *body_take) {
    json_decref(req->body);
    req->body = body_take;
}

/* POST /tenants/{t}/connectors: sets *full_out. */
static int prepare_create(trib_rest_tenants *ctx, trib_rest_request *req, const trib_tenant *t, char **full_out,
                          trib_error *err) {
    const char *raw = NULL;
    if (trib_rest_require_object(req->body, "request body", err) < 0 ||
        trib_rest_opt_string(req->body, "name", &raw, err) < 0)
        return -1;
    if (!raw) return trib_error_set(err, TRIB_ERR_INVALID, "missing required field 'name' (the connector name)");
    json_t *cfg = json_object_get(req->body, "config");
    if (!cfg || json_is_null(cfg))
        return trib_error_set(err, TRIB_ERR_INVALID, "missing required field 'config' (the connector configuration)");
    char *copy = trib_xstrdup(raw);
    char *local = trib_trim(copy);
    int rc = -1;
    trib_props *config = NULL;
    char *full = NULL;
    if (check_local_name(local, err) < 0) goto out;
    full = trib_xasprintf("%s/%s", t->name, local);
    config = trib_rest_props_from(cfg, "field 'config'", err);
    if (!config || config_name(config, local, full, err) < 0 || check_config(ctx, t, config, err) < 0) goto out;
    int64_t tasks;
    if (trib_tenant_config_tasks(config, &tasks, err) < 0 || check_quotas(req->herder, t, full, tasks, err) < 0)
        goto out;
    json_t *body = json_deep_copy(req->body);
    json_object_set_new(body, "name", json_string(full));
    json_object_set_new(body, "config", trib_props_to_json(config));
    set_body(req, body);
    *full_out = full;
    full = NULL;
    rc = 0;
out:
    free(full);
    free(copy);
    trib_props_destroy(config);
    return rc;
}

/* PUT /tenants/{t}/connectors/{c}/config. */
static int prepare_put(trib_rest_tenants *ctx, trib_rest_request *req, const trib_tenant *t, const char *full,
                       const char *local, trib_error *err) {
    trib_props *config = trib_rest_props_from(req->body, "request body", err);
    int64_t tasks;
    int rc = -1;
    if (config && config_name(config, local, full, err) == 0 && check_config(ctx, t, config, err) == 0 &&
        trib_tenant_config_tasks(config, &tasks, err) == 0 && check_quotas(req->herder, t, full, tasks, err) == 0) {
        set_body(req, trib_props_to_json(config));
        rc = 0;
    }
    trib_props_destroy(config);
    return rc;
}

/* PATCH /tenants/{t}/connectors/{c}/config: the merged config is what is
 * checked; the patch carries the rewritten values of the keys it sets. */
static int prepare_patch(trib_rest_tenants *ctx, trib_rest_request *req, const trib_tenant *t, const char *full,
                         const char *local, trib_error *err) {
    if (trib_rest_require_object(req->body, "request body", err) < 0) return -1;
    json_t *cur = trib_herder_config(req->herder, full, err);
    if (!cur) return -1;
    trib_props *merged = trib_rest_props_from(cur, "current config", err);
    json_decref(cur);
    if (!merged) return -1;
    json_t *sets = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(req->body, k, v) {
        if (json_is_null(v)) trib_props_remove(merged, k);
        else json_object_set(sets, k, v);
    }
    int rc = -1;
    trib_props *patch = trib_rest_props_from(sets, "request body", err);
    int64_t tasks;
    if (patch) {
        trib_props_merge(merged, patch);
        if (config_name(merged, local, full, err) == 0 && check_config(ctx, t, merged, err) == 0 &&
            trib_tenant_config_tasks(merged, &tasks, err) == 0 && check_quotas(req->herder, t, full, tasks, err) == 0) {
            json_t *body = json_deep_copy(req->body);
            for (size_t i = 0; i < trib_props_count(patch); i++) {
                const char *pk = trib_props_key_at(patch, i);
                json_object_set_new(body, pk, json_string(trib_props_get(merged, pk)));
            }
            set_body(req, body);
            rc = 0;
        }
    }
    trib_props_destroy(patch);
    trib_props_destroy(merged);
    json_decref(sets);
    return rc;
}

/* PUT /tenants/{t}/connector-plugins/{p}/config/validate. */
static int prepare_validate(trib_rest_tenants *ctx, trib_rest_request *req, const trib_tenant *t, trib_error *err) {
    trib_props *config = trib_rest_props_from(req->body, "request body", err);
    int rc = -1;
    if (config && check_config(ctx, t, config, err) == 0) {
        set_body(req, trib_props_to_json(config));
        rc = 0;
    }
    trib_props_destroy(config);
    return rc;
}

/* ---- the tenant mirror ------------------------------------------------------------ */

typedef enum { M_READ, M_WRITE, M_LIST, M_CREATE, M_PUT, M_PATCH, M_VALIDATE, M_OFFSETS } mirror_kind;

static void mirror(trib_rest_request *req, trib_rest_response *resp, trib_rest_handler fn, mirror_kind kind) {
    trib_rest_tenants *ctx = ctx_of(req);
    const char *tn = trib_rest_kv_get(&req->params, "tenant");
    trib_error err = {0};
    bool write = is_write(req->method) && kind != M_VALIDATE;
    bool locked = false;
    char *full = NULL, *local = NULL;
    trib_tenant *t = NULL;
    if (!ctx || !tn || !req->tenant || strcmp(req->tenant, tn) != 0) {
        trib_rest_reply_error(resp, 403, "This request is not authorized for that tenant");
        goto out;
    }
    t = trib_tenants_get(ctx->reg, tn, &err);
    if (!t) {
        trib_rest_reply_err(resp, &err);
        goto out;
    }
    const char *p = trib_rest_kv_get(&req->params, "connector");
    if (p) {
        if (check_local_name(p, &err) < 0) {
            trib_rest_reply_err(resp, &err);
            goto out;
        }
        local = trib_xstrdup(p);
        full = trib_xasprintf("%s/%s", tn, local);
        trib_rest_kv_set(&req->params, "connector", full);
    }
    if (write) {
        pthread_mutex_lock(&ctx->write_lock);
        locked = true;
    }
    int rc = 0;
    switch (kind) {
    case M_CREATE:
        rc = prepare_create(ctx, req, t, &full, &err);
        if (rc == 0) local = trib_xstrdup(full + strlen(tn) + 1);
        break;
    case M_PUT: rc = prepare_put(ctx, req, t, full, local, &err); break;
    case M_PATCH: rc = prepare_patch(ctx, req, t, full, local, &err); break;
    case M_VALIDATE: rc = prepare_validate(ctx, req, t, &err); break;
    case M_OFFSETS: {
        /* Offsets of another tenant's (or an internal) topic: refused
         * before the herder writes any group metadata. */
        trib_tenant_scope scope = {.tenant = t->name, .topic_prefix = t->topic_prefix, .staging_root = NULL};
        rc = trib_tenant_check_offsets(&scope, req->body, &err);
        break;
    }
    default: break;
    }
    if (rc < 0) {
        trib_rest_reply_err(resp, &err);
        if (full && local) map_response(resp, tn, full, local);
        goto out;
    }
    fn(req, resp);
    if (locked) {
        pthread_mutex_unlock(&ctx->write_lock);
        locked = false;
    }
    if (kind == M_LIST && resp->status == 200) {
        char *tprefix = trib_xasprintf("%s/", tn);
        filter_list(resp->body, tprefix);
        free(tprefix);
    }
    map_response(resp, tn, full, local);
out:
    if (locked) pthread_mutex_unlock(&ctx->write_lock);
    if (write) audit_req(ctx, req, resp->status, full, resp_message(resp));
    trib_tenant_free(t);
    free(full);
    free(local);
}

#define MIRROR(fn, kind) \
    static void m_##fn(trib_rest_request *req, trib_rest_response *resp) { mirror(req, resp, fn, kind); }
MIRROR(trib_rest_h_list_connectors, M_LIST)
MIRROR(trib_rest_h_create_connector, M_CREATE)
MIRROR(trib_rest_h_connector_info, M_READ)
MIRROR(trib_rest_h_delete_connector, M_WRITE)
MIRROR(trib_rest_h_connector_config, M_READ)
MIRROR(trib_rest_h_put_connector_config, M_PUT)
MIRROR(trib_rest_h_patch_connector_config, M_PATCH)
MIRROR(trib_rest_h_connector_status, M_READ)
MIRROR(trib_rest_h_connector_quality, M_READ)
MIRROR(trib_rest_h_connector_dlq, M_READ)
MIRROR(trib_rest_h_connector_tasks, M_READ)
MIRROR(trib_rest_h_connector_tasks_config, M_READ)
MIRROR(trib_rest_h_task_status, M_READ)
MIRROR(trib_rest_h_restart_task, M_WRITE)
MIRROR(trib_rest_h_restart_connector, M_WRITE)
MIRROR(trib_rest_h_pause_connector, M_WRITE)
MIRROR(trib_rest_h_resume_connector, M_WRITE)
MIRROR(trib_rest_h_stop_connector, M_WRITE)
MIRROR(trib_rest_h_connector_topics, M_READ)
MIRROR(trib_rest_h_reset_connector_topics, M_WRITE)
MIRROR(trib_rest_h_connector_offsets, M_READ)
MIRROR(trib_rest_h_alter_connector_offsets, M_OFFSETS)
MIRROR(trib_rest_h_reset_connector_offsets, M_WRITE)
MIRROR(trib_rest_h_list_plugins, M_READ)
MIRROR(trib_rest_h_plugin_config, M_READ)
MIRROR(trib_rest_h_validate_config, M_VALIDATE)

/* ---- the admin view's writes, audited ------------------------------------------------ */

static void audited(trib_rest_request *req, trib_rest_response *resp, trib_rest_handler fn) {
    fn(req, resp);
    const char *c = trib_rest_kv_get(&req->params, "connector");
    if (!c && json_is_object(req->body)) c = json_string_value(json_object_get(req->body, "name"));
    audit_req(ctx_of(req), req, resp->status, c, resp_message(resp));
}

#define AUDITED(fn) \
    static void a_##fn(trib_rest_request *req, trib_rest_response *resp) { audited(req, resp, fn); }
AUDITED(trib_rest_h_create_connector)
AUDITED(trib_rest_h_delete_connector)
AUDITED(trib_rest_h_put_connector_config)
AUDITED(trib_rest_h_patch_connector_config)
AUDITED(trib_rest_h_restart_task)
AUDITED(trib_rest_h_restart_connector)
AUDITED(trib_rest_h_pause_connector)
AUDITED(trib_rest_h_resume_connector)
AUDITED(trib_rest_h_stop_connector)
AUDITED(trib_rest_h_reset_connector_topics)
AUDITED(trib_rest_h_alter_connector_offsets)
AUDITED(trib_rest_h_reset_connector_offsets)
AUDITED(trib_rest_h_set_logger)

/* ---- tenant administration -------------------------------------------------------- */

static const char *tenant_param(const trib_rest_request *req) {
    const char *t = trib_rest_kv_get(&req->params, "tenant");
    return t ? t : "";
}

/* Admin routes: the auth hook already required the admin token; this
 * re-check keeps a handler safe if it is ever mounted without the hook. */
static bool admin_only(const trib_rest_request *req, trib_rest_response *resp) {
    if (req->principal && strcmp(req->principal, "admin") == 0) return true;
    trib_rest_reply_error(resp, 403, "This endpoint needs the admin token");
    return false;
}

static json_t *tenant_view(trib_rest_tenants *ctx, trib_herder *h, const trib_tenant *t) {
    json_t *o = trib_tenant_public_json(t);
    json_t *usage = trib_tenants_usage_json(ctx->reg, t->name, NULL);
    if (usage) json_object_set_new(o, "usage", usage);
    if (ctx->staging_root) {
        char *dir = trib_xasprintf("%s/%s", ctx->staging_root, t->staging_dir);
        json_object_set_new(o, "staging_path", json_string(dir));
        free(dir);
    }
    if (h) {
        json_t *names = trib_herder_list(h, NULL);
        char *tprefix = trib_xasprintf("%s/", t->name);
        int64_t conns = 0, tasks = 0;
        size_t i;
        json_t *v;
        json_array_foreach(names, i, v) {
            const char *n = json_string_value(v);
            if (!n || !trib_str_startswith(n, tprefix)) continue;
            conns++;
            json_t *cfg = trib_herder_config(h, n, NULL);
            int64_t k = 1;
            const char *tm = json_string_value(json_object_get(cfg, "tasks.max"));
            if (tm && trib_parse_int64(tm, &k) < 0) k = 1;
            tasks = trib_add_i64_sat(tasks, k);
            json_decref(cfg);
        }
        json_decref(names);
        free(tprefix);
        json_t *u = json_object_get(o, "usage");
        if (u) {
            json_object_set_new(u, "connectors", json_integer(conns));
            json_object_set_new(u, "tasks", json_integer(tasks));
        }
    }
    return o;
}

static void h_list_tenants(trib_rest_request *req, trib_rest_response *resp) {
    if (!admin_only(req, resp)) return;
    trib_rest_reply(resp, 200, trib_tenants_list(ctx_of(req)->reg));
}

static void h_create_tenant(trib_rest_request *req, trib_rest_response *resp) {
    trib_rest_tenants *ctx = ctx_of(req);
    trib_error err = {0};
    const char *name = NULL, *prefix = NULL;
    if (!admin_only(req, resp)) goto audit;
    if (trib_rest_require_object(req->body, "request body", &err) < 0 ||
        trib_rest_opt_string(req->body, "name", &name, &err) < 0 ||
        trib_rest_opt_string(req->body, "topic_prefix", &prefix, &err) < 0) {
        trib_rest_reply_err(resp, &err);
        goto audit;
    }
    const char *k;
    json_t *v;
    json_object_foreach(req->body, k, v) {
        if (strcmp(k, "name") && strcmp(k, "topic_prefix") && strcmp(k, "quotas")) {
            trib_rest_reply_error(resp, 400, "unknown field '%.64s' (known: name, topic_prefix, quotas)", k);
            goto audit;
        }
    }
    if (!name) {
        trib_rest_reply_error(resp, 400, "missing required field 'name' (the tenant name)");
        goto audit;
    }
    trib_tenant_quotas q = trib_tenant_quotas_default();
    json_t *qj = json_object_get(req->body, "quotas");
    if ((qj && trib_tenant_quotas_from_json(qj, &q, &err) < 0) ||
        trib_tenant_name_check(name, "field 'name'", &err) < 0) {
        trib_rest_reply_err(resp, &err);
        goto audit;
    }
    /* Under the write lock, so a concurrent delete cannot retire the
     * directory between our mkdir and the record. */
    pthread_mutex_lock(&ctx->write_lock);
    char *dir = NULL;
    if (trib_tenants_exists(ctx->reg, name)) {
        trib_rest_reply_error(resp, 409, "Tenant %s already exists", name);
        goto unlock;
    }
    if (ctx->staging_root) {
        dir = trib_xasprintf("%s/%s", ctx->staging_root, name);
        /* A directory without a tenant is a leftover (a delete handled by an
         * older worker, a crash between record and rename): its files were
         * someone else's, never the new owner's. */
        if (retire_dir(ctx, name) < 0 || mkdir(dir, 0750) != 0) {
            trib_rest_reply_error(resp, 500, "cannot create the staging directory of tenant %s: %s", name,
                                  strerror(errno));
            free(dir);
            dir = NULL;
            goto unlock;
        }
    }
    trib_tenant *t = trib_tenants_create(ctx->reg, name, prefix, &q, &err);
    if (!t) {
        if (dir) rmdir(dir);   /* refused: nothing may stay behind */
        trib_rest_reply_err(resp, &err);
        goto unlock;
    }
    trib_rest_reply(resp, 201, tenant_view(ctx, req->herder, t));
    resp->location = trib_xasprintf("/tenants/%s", t->name);
    trib_tenant_free(t);
unlock:
    pthread_mutex_unlock(&ctx->write_lock);
    free(dir);
audit:
    audit_req(ctx, req, resp->status, NULL, resp_message(resp));
}

static void h_get_tenant(trib_rest_request *req, trib_rest_response *resp) {
    trib_rest_tenants *ctx = ctx_of(req);
    trib_error err = {0};
    const char *tn = tenant_param(req);
    if (!req->tenant || strcmp(req->tenant, tn) != 0) {
        trib_rest_reply_error(resp, 403, "This request is not authorized for that tenant");
        return;
    }
    trib_tenant *t = trib_tenants_get(ctx->reg, tn, &err);
    if (!t) {
        trib_rest_reply_err(resp, &err);
        return;
    }
    trib_rest_reply(resp, 200, tenant_view(ctx, req->herder, t));
    trib_tenant_free(t);
}

static void h_delete_tenant(trib_rest_request *req, trib_rest_response *resp) {
    trib_rest_tenants *ctx = ctx_of(req);
    trib_error err = {0};
    const char *tn = tenant_param(req);
    bool force = false;
    if (!admin_only(req, resp)) goto audit;
    if (trib_rest_query_bool(req, "force", false, &force, &err) < 0) {
        trib_rest_reply_err(resp, &err);
        goto audit;
    }
    pthread_mutex_lock(&ctx->write_lock);
    if (!trib_tenants_exists(ctx->reg, tn)) {
        trib_rest_reply_error(resp, 404, "Tenant %s not found", tn);
        goto unlock;
    }
    json_t *names = trib_herder_list(req->herder, &err);
    if (!names) {
        trib_rest_reply_err(resp, &err);
        goto unlock;
    }
    char *tprefix = trib_xasprintf("%s/", tn);
    size_t owned = 0, i;
    json_t *v;
    json_array_foreach(names, i, v) if (trib_str_startswith(json_string_value(v), tprefix)) owned++;
    int rc = 0;
    if (owned && !force) {
        trib_rest_reply_error(resp, 409, "Tenant %s still has %zu connector(s); delete them or use ?force=true", tn,
                              owned);
        rc = -1;
    }
    json_array_foreach(names, i, v) {
        if (rc < 0) break;
        const char *n = json_string_value(v);
        if (!trib_str_startswith(n, tprefix)) continue;
        if (trib_herder_delete(req->herder, n, &err) < 0 && err.code != TRIB_ERR_NOT_FOUND) {
            trib_rest_reply_err(resp, &err);
            rc = -1;
        }
    }
    free(tprefix);
    json_decref(names);
    if (rc == 0) {
        if (trib_tenants_delete(ctx->reg, tn, &err) < 0) {
            trib_rest_reply_err(resp, &err);
        } else {
            /* A later tenant of the same name must start empty. The record
             * is gone already, so a failure here is logged, not answered:
             * the next create of that name retires the directory again. */
            if (retire_dir(ctx, tn) < 0)
                TRIB_ERROR("tenants", "cannot retire the staging directory of deleted tenant %s: %s", tn,
                           strerror(errno));
            trib_rest_reply(resp, 204, NULL);
        }
    }
unlock:
    pthread_mutex_unlock(&ctx->write_lock);
audit:
    audit_req(ctx, req, resp->status, NULL, resp_message(resp));
}

static void h_put_quotas(trib_rest_request *req, trib_rest_response *resp) {
    trib_rest_tenants *ctx = ctx_of(req);
    trib_error err = {0};
    const char *tn = tenant_param(req);
    trib_tenant *t = NULL;
    if (!admin_only(req, resp)) goto audit;
    t = trib_tenants_get(ctx->reg, tn, &err);
    trib_tenant_quotas q;
    if (t) q = t->quotas;
    if (!t || trib_tenant_quotas_from_json(req->body, &q, &err) < 0 ||
        trib_tenants_set_quotas(ctx->reg, tn, &q, &err) < 0) {
        trib_rest_reply_err(resp, &err);
        goto audit;
    }
    t->quotas = q;
    trib_rest_reply(resp, 200, tenant_view(ctx, req->herder, t));
audit:
    trib_tenant_free(t);
    audit_req(ctx, req, resp->status, NULL, resp_message(resp));
}

static void h_list_keys(trib_rest_request *req, trib_rest_response *resp) {
    trib_error err = {0};
    if (!admin_only(req, resp)) return;
    trib_tenant *t = trib_tenants_get(ctx_of(req)->reg, tenant_param(req), &err);
    if (!t) {
        trib_rest_reply_err(resp, &err);
        return;
    }
    json_t *pub = trib_tenant_public_json(t);
    trib_rest_reply(resp, 200, json_incref(json_object_get(pub, "keys")));
    json_decref(pub);
    trib_tenant_free(t);
}

static void h_create_key(trib_rest_request *req, trib_rest_response *resp) {
    trib_rest_tenants *ctx = ctx_of(req);
    trib_error err = {0};
    char *key = NULL;
    char id[TRIB_TENANT_KEY_ID_LEN + 1] = "";
    if (!admin_only(req, resp)) goto audit;
    if (trib_tenants_key_create(ctx->reg, tenant_param(req), &key, id, &err) < 0) {
        trib_rest_reply_err(resp, &err);
        goto audit;
    }
    /* The only time the key is ever shown. */
    trib_rest_reply(resp, 201, json_pack("{ss ss}", "key", key, "id", id));
    resp->location = trib_xasprintf("/tenants/%s/keys/%s", tenant_param(req), id);
    memset(key, 0, strlen(key));
    free(key);
audit:
    audit_req(ctx, req, resp->status, NULL, resp->status == 201 ? "key created" : resp_message(resp));
}

static void h_revoke_key(trib_rest_request *req, trib_rest_response *resp) {
    trib_rest_tenants *ctx = ctx_of(req);
    trib_error err = {0};
    const char *id = trib_rest_kv_get(&req->params, "key");
    if (!admin_only(req, resp)) goto audit;
    if (trib_tenants_key_revoke(ctx->reg, tenant_param(req), id ? id : "", &err) < 0) trib_rest_reply_err(resp, &err);
    else trib_rest_reply(resp, 204, NULL);
audit:
    audit_req(ctx, req, resp->status, NULL, resp_message(resp));
}

/* ---- route tables ---------------------------------------------------------------- */

#define H TRIB_REST_NEEDS_HERDER
#define B TRIB_REST_BODY

static const trib_rest_route tenant_admin_routes[] = {
    {"GET", "/tenants", h_list_tenants, 0},
    {"POST", "/tenants", h_create_tenant, B},
    {"GET", "/tenants/{tenant}", h_get_tenant, 0},
    {"DELETE", "/tenants/{tenant}", h_delete_tenant, H},
    {"PUT", "/tenants/{tenant}/quotas", h_put_quotas, B},
    {"GET", "/tenants/{tenant}/keys", h_list_keys, 0},
    {"POST", "/tenants/{tenant}/keys", h_create_key, 0},
    {"DELETE", "/tenants/{tenant}/keys/{key}", h_revoke_key, 0},
};

#define T "/tenants/{tenant}"
static const trib_rest_route tenant_mirror_routes[] = {
    {"GET", T "/connectors", m_trib_rest_h_list_connectors, H},
    {"POST", T "/connectors", m_trib_rest_h_create_connector, H | B},
    {"GET", T "/connectors/{connector}", m_trib_rest_h_connector_info, H},
    {"DELETE", T "/connectors/{connector}", m_trib_rest_h_delete_connector, H},
    {"GET", T "/connectors/{connector}/config", m_trib_rest_h_connector_config, H},
    {"PUT", T "/connectors/{connector}/config", m_trib_rest_h_put_connector_config, H | B},
    {"PATCH", T "/connectors/{connector}/config", m_trib_rest_h_patch_connector_config, H | B},
    {"GET", T "/connectors/{connector}/status", m_trib_rest_h_connector_status, H},
    {"GET", T "/connectors/{connector}/quality", m_trib_rest_h_connector_quality, H},
    {"GET", T "/connectors/{connector}/dlq", m_trib_rest_h_connector_dlq, H},
    {"GET", T "/connectors/{connector}/tasks", m_trib_rest_h_connector_tasks, H},
    {"GET", T "/connectors/{connector}/tasks-config", m_trib_rest_h_connector_tasks_config, H},
    {"GET", T "/connectors/{connector}/tasks/{task}/status", m_trib_rest_h_task_status, H},
    {"POST", T "/connectors/{connector}/tasks/{task}/restart", m_trib_rest_h_restart_task, H},
    {"POST", T "/connectors/{connector}/restart", m_trib_rest_h_restart_connector, H},
    {"PUT", T "/connectors/{connector}/pause", m_trib_rest_h_pause_connector, H},
    {"PUT", T "/connectors/{connector}/resume", m_trib_rest_h_resume_connector, H},
    {"PUT", T "/connectors/{connector}/stop", m_trib_rest_h_stop_connector, H},
    {"GET", T "/connectors/{connector}/topics", m_trib_rest_h_connector_topics, H},
    {"PUT", T "/connectors/{connector}/topics/reset", m_trib_rest_h_reset_connector_topics, H},
    {"GET", T "/connectors/{connector}/offsets", m_trib_rest_h_connector_offsets, H},
    {"PATCH", T "/connectors/{connector}/offsets", m_trib_rest_h_alter_connector_offsets, H | B},
    {"DELETE", T "/connectors/{connector}/offsets", m_trib_rest_h_reset_connector_offsets, H},
    {"GET", T "/connector-plugins", m_trib_rest_h_list_plugins, H},
    {"GET", T "/connector-plugins/{plugin}/config", m_trib_rest_h_plugin_config, H},
    {"PUT", T "/connector-plugins/{plugin}/config/validate", m_trib_rest_h_validate_config, H | B},
};
#undef T

/* The default write routes with an audit record; added before the
 * defaults, so these win (the router keeps the first of a pair). */
static const trib_rest_route audited_routes[] = {
    {"POST", "/connectors", a_trib_rest_h_create_connector, H | B},
    {"DELETE", "/connectors/{connector}", a_trib_rest_h_delete_connector, H},
    {"PUT", "/connectors/{connector}/config", a_trib_rest_h_put_connector_config, H | B},
    {"PATCH", "/connectors/{connector}/config", a_trib_rest_h_patch_connector_config, H | B},
    {"POST", "/connectors/{connector}/tasks/{task}/restart", a_trib_rest_h_restart_task, H},
    {"POST", "/connectors/{connector}/restart", a_trib_rest_h_restart_connector, H},
    {"PUT", "/connectors/{connector}/pause", a_trib_rest_h_pause_connector, H},
    {"PUT", "/connectors/{connector}/resume", a_trib_rest_h_resume_connector, H},
    {"PUT", "/connectors/{connector}/stop", a_trib_rest_h_stop_connector, H},
    {"PUT", "/connectors/{connector}/topics/reset", a_trib_rest_h_reset_connector_topics, H},
    {"PATCH", "/connectors/{connector}/offsets", a_trib_rest_h_alter_connector_offsets, H | B},
    {"DELETE", "/connectors/{connector}/offsets", a_trib_rest_h_reset_connector_offsets, H},
    {"PUT", "/admin/loggers/{logger}", a_trib_rest_h_set_logger, B},
};

void trib_rest_tenants_add_routes(trib_rest_tenants *t, trib_rest_router *r) {
    (void)t;
    trib_rest_router_add(r, audited_routes, sizeof audited_routes / sizeof *audited_routes);
    trib_rest_router_add(r, tenant_admin_routes, sizeof tenant_admin_routes / sizeof *tenant_admin_routes);
    trib_rest_router_add(r, tenant_mirror_routes, sizeof tenant_mirror_routes / sizeof *tenant_mirror_routes);
    trib_rest_add_default_routes(r);
}

void trib_rest_tenants_audit(const trib_rest_request *req, int status, const char *connector, const char *detail) {
    const trib_rest_config *cfg = trib_rest_request_config(req);
    if (!cfg || cfg->auth != auth_hook) return;   /* a server without the tenant layer keeps no audit log */
    audit_req(cfg->hook_opaque, req, status, connector, detail);
}

static int chained_log(void *opaque, const char *logger, const char *level, trib_error *err) {
    trib_rest_tenants *t = opaque;
    return t->chained_log(t->chained_opaque, logger, level, err);
}

void trib_rest_tenants_configure(trib_rest_tenants *t, trib_rest_config *cfg) {
    if (cfg->cluster_log_level && cfg->cluster_log_level != chained_log) {
        t->chained_log = cfg->cluster_log_level;
        t->chained_opaque = cfg->hook_opaque;
        cfg->cluster_log_level = chained_log;
    }
    cfg->auth = auth_hook;
    cfg->hook_opaque = t;
}

trib_rest_server *trib_rest_tenants_server_start(trib_rest_tenants *t, const trib_rest_config *cfg, trib_herder *h,
                                                 trib_error *err) {
    trib_rest_config c = *cfg;
    trib_rest_tenants_configure(t, &c);
    trib_rest_router *r = trib_rest_router_new();
    trib_rest_tenants_add_routes(t, r);
    return trib_rest_server_start_router(&c, r, h, err);
}
