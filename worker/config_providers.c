/*
 * config_providers.c: FileConfigProvider, DirectoryConfigProvider and
 * EnvVarConfigProvider, and the ${provider:path:key} substitution of
 * Kafka's ConfigTransformer (see config_providers.h for where it applies).
 *
 * A reference is found as Kafka's pattern \$\{([^}]*?):(([^}]*?):)?([^}]*?)\}
 * finds it: from "${" to the next '}', the provider is the text before the
 * first ':', then the path up to the next ':' if there is one, and the key
 * is the rest. Scanning goes on after a reference, so a resolved value is
 * never itself resolved again.
 */
#include "worker/config_providers.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/util.h"
#include "transforms/java_regex.h"

#define PROVIDERS_KEY "config.providers"
#define FILE_CLASS "org.apache.kafka.common.config.provider.FileConfigProvider"
#define DIR_CLASS "org.apache.kafka.common.config.provider.DirectoryConfigProvider"
#define ENV_CLASS "org.apache.kafka.common.config.provider.EnvVarConfigProvider"
/* a secret larger than this is a mistake (a wrong path), not a secret */
#define MAX_VALUE_BYTES (1024 * 1024)

typedef enum { PROV_FILE, PROV_DIR, PROV_ENV } prov_kind;

typedef struct provider {
    char *name;
    prov_kind kind;
    char **allowed;       /* File/Directory: allowed.paths, NULL = anywhere */
    size_t nallowed;
    trib_jregex *allowlist; /* EnvVar: allowlist.pattern, NULL = every variable */
} provider;

typedef struct providers {
    provider *v;
    size_t n;
} providers;

/* Installed once at start; replaced only by tests, which run no
 * connectors meanwhile. */
static providers *g_providers;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

static void providers_free(providers *ps) {
    if (!ps) return;
    for (size_t i = 0; i < ps->n; i++) {
        free(ps->v[i].name);
        trib_strv_free(ps->v[i].allowed);
        trib_jregex_free(ps->v[i].allowlist);
    }
    free(ps->v);
    free(ps);
}

static const provider *find_provider(const providers *ps, const char *name, size_t len) {
    for (size_t i = 0; ps && i < ps->n; i++)
        if (strlen(ps->v[i].name) == len && memcmp(ps->v[i].name, name, len) == 0) return &ps->v[i];
    return NULL;
}

/* Lexically normalizes an absolute path ("." and ".." components, repeated
 * slashes), as Java's Path.normalize does. Caller frees; NULL if relative. */
static char *normalize_path(const char *path) {
    if (path[0] != '/') return NULL;
    char *copy = trib_xstrdup(path);
    char **comp = trib_xcalloc(strlen(path) + 1, sizeof *comp);
    size_t nc = 0;
    for (char *save = NULL, *tok = strtok_r(copy, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
        if (strcmp(tok, ".") == 0) continue;
        if (strcmp(tok, "..") == 0) {
            if (nc > 0) nc--;
            continue;
        }
        comp[nc++] = tok;
    }
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    for (size_t i = 0; i < nc; i++) {
        trib_strbuf_putc(&sb, '/');
        trib_strbuf_puts(&sb, comp[i]);
    }
    if (nc == 0) trib_strbuf_putc(&sb, '/');
    free(comp);
    free(copy);
    return trib_strbuf_take(&sb);
}

/* Component-wise prefix, as Java's Path.startsWith. */
static bool path_under(const char *path, const char *dir) {
    size_t n = strlen(dir);
    if (strcmp(dir, "/") == 0) return true;
    return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* allowed.paths (KIP-993): the path, normalized, must be under one of the
 * allowed directories; its real path too, so a symbolic link cannot lead
 * out of them (a Kubernetes secret volume's links stay inside it). */
static int check_allowed(const provider *p, const char *path, trib_error *err) {
    if (!p->allowed) return 0;
    char *norm = normalize_path(path);
    if (!norm) {
        trib_error_set(err, TRIB_ERR_INVALID, "path %s of provider %s is not absolute (allowed.paths is set)", path,
                       p->name);
        return -1;
    }
    char real[PATH_MAX];
    bool have_real = realpath(norm, real) != NULL;
    bool ok = false;
    for (size_t i = 0; i < p->nallowed && !ok; i++) {
        if (!path_under(norm, p->allowed[i])) continue;
        char real_dir[PATH_MAX];
        if (!have_real) ok = true; /* missing file: reading it fails below with its own error */
        else if (realpath(p->allowed[i], real_dir) && path_under(real, real_dir)) ok = true;
    }
    free(norm);
    if (!ok) trib_error_set(err, TRIB_ERR_INVALID, "path %s is outside allowed.paths of provider %s", path, p->name);
    return ok ? 0 : -1;
}

static int configure_param(provider *p, const char *param, const char *value, trib_error *err) {
    if (strcmp(param, "allowed.paths") == 0 && p->kind != PROV_ENV) {
        size_t n;
        char **v = trib_split_list(value, &n);
        for (size_t i = 0; i < n; i++) {
            char *norm = normalize_path(v[i]);
            if (!norm) {
                trib_error_set(err, TRIB_ERR_INVALID,
                               "config.providers.%s.param.allowed.paths: '%s' is not an absolute path", p->name, v[i]);
                trib_strv_free(v);
                return -1;
            }
            free(v[i]);
            v[i] = norm;
        }
        if (n == 0) {
            trib_strv_free(v);
            trib_error_set(err, TRIB_ERR_INVALID, "config.providers.%s.param.allowed.paths is empty", p->name);
            return -1;
        }
        trib_strv_free(p->allowed);
        p->allowed = v;
        p->nallowed = n;
        return 0;
    }
    if (strcmp(param, "allowlist.pattern") == 0 && p->kind == PROV_ENV) {
        trib_jregex *re = trib_jregex_compile(value, err);
        if (!re) {
            trib_error_prefix(err, "config.providers.%s.param.allowlist.pattern", p->name);
            return -1;
        }
        trib_jregex_free(p->allowlist);
        p->allowlist = re;
        return 0;
    }
    trib_error_set(err, TRIB_ERR_INVALID, "config.providers.%s.param.%s is not a parameter of %s", p->name, param,
                   p->kind == PROV_FILE ? FILE_CLASS : p->kind == PROV_DIR ? DIR_CLASS : ENV_CLASS);
    return -1;
}

int trib_config_providers_configure(const trib_props *worker_props, trib_error *err) {
    providers *ps = trib_xcalloc(1, sizeof *ps);
    size_t n = 0;
    char **names = trib_split_list(trib_props_get_or(worker_props, PROVIDERS_KEY, ""), &n);
    ps->v = trib_xcalloc(n ? n : 1, sizeof *ps->v);
    for (size_t i = 0; i < n; i++) {
        if (find_provider(ps, names[i], strlen(names[i]))) {
            trib_error_set(err, TRIB_ERR_INVALID, "config.providers names %s twice", names[i]);
            goto fail;
        }
        char *key = trib_xasprintf(PROVIDERS_KEY ".%s.class", names[i]);
        const char *cls = trib_props_get(worker_props, key);
        provider *p = &ps->v[ps->n];
        if (!cls || !*cls) {
            trib_error_set(err, TRIB_ERR_INVALID, "%s is required for the provider %s in config.providers", key,
                           names[i]);
            free(key);
            goto fail;
        }
        if (strcmp(cls, FILE_CLASS) == 0 || strcmp(cls, "FileConfigProvider") == 0) p->kind = PROV_FILE;
        else if (strcmp(cls, DIR_CLASS) == 0 || strcmp(cls, "DirectoryConfigProvider") == 0) p->kind = PROV_DIR;
        else if (strcmp(cls, ENV_CLASS) == 0 || strcmp(cls, "EnvVarConfigProvider") == 0) p->kind = PROV_ENV;
        else {
            trib_error_set(err, TRIB_ERR_INVALID,
                           "%s: %s is not available in Tributary (the config providers are " FILE_CLASS ", " DIR_CLASS
                           " and " ENV_CLASS ")",
                           key, cls);
            free(key);
            goto fail;
        }
        free(key);
        p->name = trib_xstrdup(names[i]);
        ps->n++;
        char *prefix = trib_xasprintf(PROVIDERS_KEY ".%s.param.", names[i]);
        trib_props *params = trib_props_subset(worker_props, prefix);
        free(prefix);
        for (size_t k = 0; k < trib_props_count(params); k++) {
            if (configure_param(p, trib_props_key_at(params, k), trib_props_value_at(params, k), err) < 0) {
                trib_props_destroy(params);
                goto fail;
            }
        }
        trib_props_destroy(params);
    }
    trib_strv_free(names);
    pthread_mutex_lock(&g_lock);
    providers *old = g_providers;
    g_providers = ps->n ? ps : NULL;
    pthread_mutex_unlock(&g_lock);
    providers_free(old);
    if (!ps->n) providers_free(ps);
    return 0;
fail:
    trib_strv_free(names);
    providers_free(ps);
    return -1;
}

void trib_config_providers_reset(void) {
    pthread_mutex_lock(&g_lock);
    providers *old = g_providers;
    g_providers = NULL;
    pthread_mutex_unlock(&g_lock);
    providers_free(old);
}

static const providers *current(void) {
    pthread_mutex_lock(&g_lock);
    const providers *ps = g_providers;
    pthread_mutex_unlock(&g_lock);
    return ps;
}

/* One reference found in a value. */
typedef struct ref {
    size_t start, end;   /* "${" .. "}" inclusive-exclusive in the value */
    const provider *p;   /* NULL: not a configured provider (plain text) */
    char *path;          /* NULL when the reference has none */
    char *key;
} ref;

/* Finds the next reference at or after *pos; false when there is none.
 * Advances *pos past what was examined. */
static bool next_ref(const providers *ps, const char *v, size_t *pos, ref *out) {
    for (const char *s = strstr(v + *pos, "${"); s; s = strstr(s + 1, "${")) {
        const char *close = strchr(s + 2, '}');
        if (!close) return false;
        const char *colon = memchr(s + 2, ':', (size_t)(close - s - 2));
        if (!colon) continue; /* no match at this "${": the regex tries the next position */
        memset(out, 0, sizeof *out);
        out->start = (size_t)(s - v);
        out->end = (size_t)(close - v) + 1;
        out->p = find_provider(ps, s + 2, (size_t)(colon - s - 2));
        const char *rest = colon + 1;
        const char *colon2 = memchr(rest, ':', (size_t)(close - rest));
        if (colon2) {
            out->path = trib_xstrndup(rest, (size_t)(colon2 - rest));
            out->key = trib_xstrndup(colon2 + 1, (size_t)(close - colon2 - 1));
        } else {
            out->key = trib_xstrndup(rest, (size_t)(close - rest));
        }
        *pos = out->end;
        return true;
    }
    return false;
}

static void ref_free(ref *r) {
    free(r->path);
    free(r->key);
}

bool trib_config_has_reference(const char *value) {
    const providers *ps = current();
    if (!ps || !value) return false;
    size_t pos = 0;
    ref r;
    while (next_ref(ps, value, &pos, &r)) {
        bool known = r.p != NULL;
        ref_free(&r);
        if (known) return true;
    }
    return false;
}

/* The value a reference stands for (caller frees), or NULL with err. The
 * message names the reference, never the content. */
static char *lookup(const ref *r, trib_error *err) {
    const provider *p = r->p;
    const char *path = r->path ? r->path : "";
    switch (p->kind) {
    case PROV_FILE: {
        if (!*path) {
            trib_error_set(err, TRIB_ERR_INVALID, "provider %s needs a file: ${%s:<file>:<key>}", p->name, p->name);
            return NULL;
        }
        if (check_allowed(p, path, err) < 0) return NULL;
        trib_props *props = trib_props_load_file(path, err);
        if (!props) {
            trib_error_prefix(err, "provider %s cannot read %s", p->name, path);
            return NULL;
        }
        const char *v = trib_props_get(props, r->key);
        char *out = trib_xstrdup(v);
        trib_props_destroy(props);
        if (!out) trib_error_set(err, TRIB_ERR_INVALID, "provider %s: %s has no key '%s'", p->name, path, r->key);
        return out;
    }
    case PROV_DIR: {
        if (!*path) {
            trib_error_set(err, TRIB_ERR_INVALID, "provider %s needs a directory: ${%s:<directory>:<file>}", p->name,
                           p->name);
            return NULL;
        }
        /* the key names one file in the directory, never a path */
        if (!*r->key || strchr(r->key, '/') || strcmp(r->key, ".") == 0 || strcmp(r->key, "..") == 0) {
            trib_error_set(err, TRIB_ERR_INVALID, "provider %s: '%s' is not a file name", p->name, r->key);
            return NULL;
        }
        char *file = trib_xasprintf("%s/%s", path, r->key);
        if (check_allowed(p, file, err) < 0) {
            free(file);
            return NULL;
        }
        struct stat st;
        if (stat(file, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_VALUE_BYTES) {
            trib_error_set(err, TRIB_ERR_INVALID, "provider %s: %s is not a regular file of at most 1 MiB", p->name,
                           file);
            free(file);
            return NULL;
        }
        size_t len;
        char *data = trib_read_file(file, &len, err);
        if (!data) trib_error_prefix(err, "provider %s cannot read %s", p->name, file);
        free(file);
        if (data && strlen(data) != len) {
            trib_error_set(err, TRIB_ERR_INVALID, "provider %s: %s/%s holds a NUL byte", p->name, path, r->key);
            free(data);
            return NULL;
        }
        return data;
    }
    case PROV_ENV: {
        if (*path) {
            trib_error_set(err, TRIB_ERR_INVALID, "provider %s takes no path: ${%s:<variable>}", p->name, p->name);
            return NULL;
        }
        if (p->allowlist && !trib_jregex_matches(p->allowlist, r->key)) {
            trib_error_set(err, TRIB_ERR_INVALID, "provider %s: variable %s is outside allowlist.pattern", p->name,
                           r->key);
            return NULL;
        }
        const char *v = getenv(r->key);
        if (!v) trib_error_set(err, TRIB_ERR_INVALID, "provider %s: environment variable %s is not set", p->name, r->key);
        return trib_xstrdup(v);
    }
    }
    return NULL;
}

/* The value with every configured reference replaced (caller frees), or
 * NULL with err. *changed tells whether anything was replaced. */
static char *resolve_value(const providers *ps, const char *v, bool *changed, trib_error *err) {
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    size_t pos = 0, copied = 0;
    ref r;
    *changed = false;
    while (next_ref(ps, v, &pos, &r)) {
        if (!r.p) {
            ref_free(&r);
            continue;
        }
        char *val = lookup(&r, err);
        if (!val) {
            trib_error_prefix(err, "%.*s", (int)(r.end - r.start), v + r.start);
            ref_free(&r);
            trib_strbuf_free(&sb);
            return NULL;
        }
        trib_strbuf_append(&sb, v + copied, r.start - copied);
        trib_strbuf_puts(&sb, val);
        free(val);
        copied = r.end;
        *changed = true;
        ref_free(&r);
    }
    trib_strbuf_puts(&sb, v + copied);
    return trib_strbuf_take(&sb);
}

int trib_config_resolve(trib_props *config, trib_error *err) {
    const providers *ps = current();
    if (!ps) return 0;
    /* all or nothing: resolve into a copy, then apply */
    trib_props *out = trib_props_new();
    int changed = 0;
    for (size_t i = 0; i < trib_props_count(config); i++) {
        const char *k = trib_props_key_at(config, i);
        if (trib_str_startswith(k, PROVIDERS_KEY)) continue;
        bool ch;
        char *v = resolve_value(ps, trib_props_value_at(config, i), &ch, err);
        if (!v) {
            trib_error_prefix(err, "%s", k);
            if (err) err->code = TRIB_ERR_INVALID; /* a config to fix, whatever the file error was */
            trib_props_destroy(out);
            return -1;
        }
        if (ch) {
            trib_props_set(out, k, v);
            changed++;
        }
        free(v);
    }
    trib_props_merge(config, out);
    trib_props_destroy(out);
    return changed;
}

void trib_config_unresolve(trib_props *derived, const trib_props *raw) {
    if (!current()) return;
    for (size_t i = 0; i < trib_props_count(raw); i++) {
        const char *v = trib_props_value_at(raw, i);
        const char *k = trib_props_key_at(raw, i);
        if (trib_props_has(derived, k) && trib_config_has_reference(v)) trib_props_set(derived, k, v);
    }
}
