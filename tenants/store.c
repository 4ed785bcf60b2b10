/*
 * store.c: the tenant registry (tenant.h) and its two stores: a JSON file
 * for standalone mode and memory for tests.
 *
 * Every change is built as a whole new tenant record under the registry's
 * write lock (so changes made on this worker never interleave), handed to
 * the store, and applied once the store says it is durable. apply() is also
 * the entry point for records read from a shared log, and is idempotent.
 *
 * API keys are indexed by their MAC (hex) in a hash table (a jansson
 * object), so authentication costs one HMAC and one lookup whatever the
 * number of tenants and keys.
 */
#include "tenants/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/time.h"
#include "common/util.h"
#include "tenants/reserved.h"

#define MAX_KEYS_PER_TENANT 20

/* ---- runtime objects ------------------------------------------------- */

trib_tenant_rt *trib_tenant_rt_new(const trib_tenant *t) {
    trib_tenant_rt *rt = trib_xcalloc(1, sizeof *rt);
    atomic_init(&rt->refs, 1);
    rt->name = trib_xstrdup(t->name);
    rt->prefix = trib_xstrdup(t->topic_prefix);
    int64_t now = trib_mono_us();
    pthread_mutex_init(&rt->rate_lock, NULL);
    rt->quotas = t->quotas;
    rt->share[0] = rt->share[1] = 1.0;
    trib_tenant_bucket_init(&rt->buckets[RT_REC_IN], t->quotas.records_in, 1.0, now);
    trib_tenant_bucket_init(&rt->buckets[RT_BYTES_IN], t->quotas.bytes_in, 1.0, now);
    trib_tenant_bucket_init(&rt->buckets[RT_REC_OUT], t->quotas.records_out, 1.0, now);
    trib_tenant_bucket_init(&rt->buckets[RT_BYTES_OUT], t->quotas.bytes_out, 1.0, now);
    return rt;
}

/* Rates are quota x this worker's share; 0 (unlimited) stays 0. */
static void rt_apply_rates_locked(trib_tenant_rt *rt) {
    int64_t now = trib_mono_us();
    const trib_tenant_quotas *q = &rt->quotas;
    trib_tenant_bucket_set_rate(&rt->buckets[RT_REC_IN], q->records_in * rt->share[0], now);
    trib_tenant_bucket_set_rate(&rt->buckets[RT_BYTES_IN], q->bytes_in * rt->share[0], now);
    trib_tenant_bucket_set_rate(&rt->buckets[RT_REC_OUT], q->records_out * rt->share[1], now);
    trib_tenant_bucket_set_rate(&rt->buckets[RT_BYTES_OUT], q->bytes_out * rt->share[1], now);
}

void trib_tenant_rt_set_quotas(trib_tenant_rt *rt, const trib_tenant_quotas *q) {
    pthread_mutex_lock(&rt->rate_lock);
    rt->quotas = *q;
    rt_apply_rates_locked(rt);
    pthread_mutex_unlock(&rt->rate_lock);
}

void trib_tenant_rt_set_share(trib_tenant_rt *rt, double share_in, double share_out) {
    pthread_mutex_lock(&rt->rate_lock);
    if (share_in != rt->share[0] || share_out != rt->share[1]) {
        rt->share[0] = share_in;
        rt->share[1] = share_out;
        rt_apply_rates_locked(rt);
    }
    pthread_mutex_unlock(&rt->rate_lock);
}

trib_tenant_rt *trib_tenant_rt_ref(trib_tenant_rt *rt) {
    if (rt) atomic_fetch_add(&rt->refs, 1);
    return rt;
}

void trib_tenant_rt_unref(trib_tenant_rt *rt) {
    if (!rt || atomic_fetch_sub(&rt->refs, 1) != 1) return;
    for (int i = 0; i < RT_NBUCKETS; i++) trib_tenant_bucket_destroy(&rt->buckets[i]);
    pthread_mutex_destroy(&rt->rate_lock);
    free(rt->name);
    free(rt->prefix);
    free(rt);
}

/* ---- registry ------------------------------------------------------------- */

typedef struct entry {
    trib_tenant *t;
    trib_tenant_rt *rt;
} entry;

struct trib_tenants {
    pthread_mutex_t lock;        /* guards entries and key_index */
    pthread_mutex_t write_lock;  /* serializes read-modify-persist of records */
    trib_tenant_store *store;
    unsigned char *secret;
    size_t secret_len;
    entry *entries;
    size_t n, cap;
    json_t *key_index;           /* hex MAC -> [tenant, key id] */
};

static entry *find_locked(trib_tenants *r, const char *name) {
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->entries[i].t->name, name) == 0) return &r->entries[i];
    return NULL;
}

static void mac_hex(const unsigned char *mac, char out[2 * TRIB_TENANT_MAC_LEN + 1]) {
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < TRIB_TENANT_MAC_LEN; i++) {
        out[2 * i] = digits[mac[i] >> 4];
        out[2 * i + 1] = digits[mac[i] & 15];
    }
    out[2 * TRIB_TENANT_MAC_LEN] = '\0';
}

static void index_remove(trib_tenants *r, const trib_tenant *t) {
    char h[2 * TRIB_TENANT_MAC_LEN + 1];
    for (size_t i = 0; i < t->nkeys; i++) {
        mac_hex(t->keys[i].mac, h);
        json_t *cur = json_object_get(r->key_index, h);
        /* only this tenant's entry (a MAC collision across tenants is not
         * a realistic event, but never remove someone else's) */
        if (cur && strcmp(json_string_value(json_array_get(cur, 0)), t->name) == 0)
            json_object_del(r->key_index, h);
    }
}

static void index_add(trib_tenants *r, const trib_tenant *t) {
    char h[2 * TRIB_TENANT_MAC_LEN + 1];
    for (size_t i = 0; i < t->nkeys; i++) {
        mac_hex(t->keys[i].mac, h);
        json_object_set_new(r->key_index, h, json_pack("[ss]", t->name, t->keys[i].id));
    }
}

static int parse_key(const char *key, const char **name, trib_error *err) {
    size_t pl = strlen(TRIB_TENANT_RECORD_PREFIX);
    if (!key || strncmp(key, TRIB_TENANT_RECORD_PREFIX, pl) != 0)
        return trib_error_set(err, TRIB_ERR_INVALID, "tenant record key '%s' does not start with '%s'",
                              key ? key : "(null)", TRIB_TENANT_RECORD_PREFIX);
    *name = key + pl;
    return trib_tenant_name_check(*name, "tenant record key", err);
}

int trib_tenants_apply(trib_tenants *r, const char *key, const json_t *value, trib_error *err) {
    const char *name = NULL;
    if (parse_key(key, &name, err) < 0) return -1;
    trib_tenant *t = NULL;
    if (value && !json_is_null(value)) {
        t = trib_tenant_from_record(name, value, err);
        if (!t) return -1;
    }
    pthread_mutex_lock(&r->lock);
    entry *e = find_locked(r, name);
    if (e) index_remove(r, e->t);
    if (!t) {
        if (e) {
            atomic_store(&e->rt->deleted, true);
            trib_tenant_rt_unref(e->rt);
            trib_tenant_free(e->t);
            *e = r->entries[--r->n];
        }
    } else if (e) {
        if (strcmp(e->rt->prefix, t->topic_prefix) != 0) {
            atomic_store(&e->rt->deleted, true);
            trib_tenant_rt_unref(e->rt);
            e->rt = trib_tenant_rt_new(t);
        } else {
            trib_tenant_rt_set_quotas(e->rt, &t->quotas);
        }
        trib_tenant_free(e->t);
        e->t = t;
        index_add(r, t);
    } else {
        if (r->n == r->cap) {
            r->cap = r->cap ? 2 * r->cap : 8;
            r->entries = trib_xrealloc(r->entries, r->cap * sizeof *r->entries);
        }
        r->entries[r->n].t = t;
        r->entries[r->n].rt = trib_tenant_rt_new(t);
        r->n++;
        index_add(r, t);
    }
    pthread_mutex_unlock(&r->lock);
    return 0;
}

trib_tenants *trib_tenants_new(trib_tenant_store *store, const unsigned char *secret, size_t secret_len,
                               trib_error *err) {
    if (!secret || secret_len < 32) {
        if (store) store->destroy(store);
        trib_error_set(err, TRIB_ERR_INVALID, "tenants: the key secret must have at least 32 bytes");
        return NULL;
    }
    trib_tenants *r = trib_xcalloc(1, sizeof *r);
    pthread_mutex_init(&r->lock, NULL);
    pthread_mutex_init(&r->write_lock, NULL);
    r->store = store;
    r->secret = trib_xmalloc(secret_len);
    memcpy(r->secret, secret, secret_len);
    r->secret_len = secret_len;
    r->key_index = json_object();
    if (store && store->replay && store->replay(store, r, err) < 0) {
        trib_tenants_destroy(r);
        return NULL;
    }
    return r;
}

void trib_tenants_destroy(trib_tenants *r) {
    if (!r) return;
    for (size_t i = 0; i < r->n; i++) {
        trib_tenant_rt_unref(r->entries[i].rt);
        trib_tenant_free(r->entries[i].t);
    }
    free(r->entries);
    json_decref(r->key_index);
    if (r->store) r->store->destroy(r->store);
    OPENSSL_cleanse(r->secret, r->secret_len);
    free(r->secret);
    pthread_mutex_destroy(&r->lock);
    pthread_mutex_destroy(&r->write_lock);
    free(r);
}

trib_tenant_rt *trib_tenants_rt_acquire(trib_tenants *r, const char *name) {
    pthread_mutex_lock(&r->lock);
    entry *e = find_locked(r, name);
    trib_tenant_rt *rt = e ? trib_tenant_rt_ref(e->rt) : NULL;
    pthread_mutex_unlock(&r->lock);
    return rt;
}

trib_tenant *trib_tenants_get(trib_tenants *r, const char *name, trib_error *err) {
    pthread_mutex_lock(&r->lock);
    entry *e = name ? find_locked(r, name) : NULL;
    trib_tenant *t = e ? trib_tenant_clone(e->t) : NULL;
    pthread_mutex_unlock(&r->lock);
    if (!t) trib_error_set(err, TRIB_ERR_NOT_FOUND, "Tenant %s not found", name ? name : "(null)");
    return t;
}

bool trib_tenants_exists(trib_tenants *r, const char *name) {
    pthread_mutex_lock(&r->lock);
    bool found = name && find_locked(r, name) != NULL;
    pthread_mutex_unlock(&r->lock);
    return found;
}

size_t trib_tenants_count(trib_tenants *r) {
    pthread_mutex_lock(&r->lock);
    size_t n = r->n;
    pthread_mutex_unlock(&r->lock);
    return n;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

json_t *trib_tenants_list(trib_tenants *r) {
    pthread_mutex_lock(&r->lock);
    char **names = trib_xcalloc(r->n + 1, sizeof *names);
    size_t n = r->n;
    for (size_t i = 0; i < n; i++) names[i] = trib_xstrdup(r->entries[i].t->name);
    pthread_mutex_unlock(&r->lock);
    qsort(names, n, sizeof *names, cmp_str);
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(a, json_string(names[i]));
        free(names[i]);
    }
    free(names);
    return a;
}

/* Persists t (NULL: delete name) and applies it. Caller holds write_lock. */
static int commit(trib_tenants *r, const char *name, const trib_tenant *t, trib_error *err) {
    char *key = trib_xasprintf("%s%s", TRIB_TENANT_RECORD_PREFIX, name);
    json_t *v = t ? trib_tenant_record_json(t) : NULL;
    int rc = 0;
    if (r->store && r->store->persist(r->store, key, v, err) < 0) rc = trib_error_prefix(err, "tenant store");
    if (rc == 0) rc = trib_tenants_apply(r, key, v, err);
    json_decref(v);
    free(key);
    return rc;
}

trib_tenant *trib_tenants_create(trib_tenants *r, const char *name, const char *topic_prefix,
                                 const trib_tenant_quotas *quotas, trib_error *err) {
    if (trib_tenant_name_check(name, "tenant name", err) < 0) return NULL;
    char *prefix = topic_prefix ? trib_xstrdup(topic_prefix) : trib_xasprintf("%s.", name);
    if (!trib_tenant_prefix_ok(prefix)) {
        trib_error_set(err, TRIB_ERR_INVALID,
                       "field 'topic_prefix' must be 1..100 characters of lowercase letters, digits, '.', '_' "
                       "and '-'");
        free(prefix);
        return NULL;
    }
    if (trib_tenant_reserved_check_prefix(prefix, err) < 0) {
        free(prefix);
        return NULL;
    }
    pthread_mutex_lock(&r->write_lock);
    trib_tenant *t = NULL;
    pthread_mutex_lock(&r->lock);
    int conflict = 0;
    if (find_locked(r, name)) {
        conflict = trib_error_set(err, TRIB_ERR_CONFLICT, "Tenant %s already exists", name);
    } else {
        for (size_t i = 0; i < r->n && !conflict; i++) {
            const char *other = r->entries[i].t->topic_prefix;
            if (trib_str_startswith(prefix, other) || trib_str_startswith(other, prefix))
                conflict = trib_error_set(err, TRIB_ERR_CONFLICT,
                                          "field 'topic_prefix': '%s' overlaps the topic prefix of tenant %s",
                                          prefix, r->entries[i].t->name);
        }
    }
    pthread_mutex_unlock(&r->lock);
    if (!conflict) {
        t = trib_xcalloc(1, sizeof *t);
        t->name = trib_xstrdup(name);
        t->topic_prefix = prefix;
        prefix = NULL;
        t->staging_dir = trib_xstrdup(name);
        t->quotas = quotas ? *quotas : trib_tenant_quotas_default();
        t->created_ms = trib_now_ms();
        if (commit(r, name, t, err) < 0) {
            trib_tenant_free(t);
            t = NULL;
        }
    }
    pthread_mutex_unlock(&r->write_lock);
    free(prefix);
    return t;
}

int trib_tenants_delete(trib_tenants *r, const char *name, trib_error *err) {
    pthread_mutex_lock(&r->write_lock);
    int rc = trib_tenants_exists(r, name) ? commit(r, name, NULL, err)
                                          : trib_error_set(err, TRIB_ERR_NOT_FOUND, "Tenant %s not found", name);
    pthread_mutex_unlock(&r->write_lock);
    return rc;
}

int trib_tenants_set_quotas(trib_tenants *r, const char *name, const trib_tenant_quotas *q, trib_error *err) {
    pthread_mutex_lock(&r->write_lock);
    trib_tenant *t = trib_tenants_get(r, name, err);
    int rc = -1;
    if (t) {
        t->quotas = *q;
        rc = commit(r, name, t, err);
    }
    trib_tenant_free(t);
    pthread_mutex_unlock(&r->write_lock);
    return rc;
}

int trib_tenants_key_create(trib_tenants *r, const char *name, char **key_out,
                            char id_out[TRIB_TENANT_KEY_ID_LEN + 1], trib_error *err) {
    *key_out = NULL;
    pthread_mutex_lock(&r->write_lock);
    trib_tenant *t = trib_tenants_get(r, name, err);
    int rc = -1;
    char *key = NULL;
    if (!t) goto out;
    if (t->nkeys >= MAX_KEYS_PER_TENANT) {
        trib_error_set(err, TRIB_ERR_QUOTA, "Tenant %s already has %d API keys (the most allowed); revoke one first",
                       name, MAX_KEYS_PER_TENANT);
        goto out;
    }
    if (trib_tenant_key_generate(&key, id_out, err) < 0) goto out;
    t->keys = trib_xrealloc(t->keys, (t->nkeys + 1) * sizeof *t->keys);
    trib_tenant_key *k = &t->keys[t->nkeys++];
    memset(k, 0, sizeof *k);
    memcpy(k->id, id_out, TRIB_TENANT_KEY_ID_LEN + 1);
    trib_tenant_key_mac(r->secret, r->secret_len, key, k->mac);
    k->created_ms = trib_now_ms();
    if (commit(r, name, t, err) < 0) goto out;
    *key_out = key;
    key = NULL;
    rc = 0;
out:
    if (key) {
        OPENSSL_cleanse(key, strlen(key));
        free(key);
    }
    trib_tenant_free(t);
    pthread_mutex_unlock(&r->write_lock);
    return rc;
}

int trib_tenants_key_revoke(trib_tenants *r, const char *name, const char *id, trib_error *err) {
    pthread_mutex_lock(&r->write_lock);
    trib_tenant *t = trib_tenants_get(r, name, err);
    int rc = -1;
    if (t) {
        size_t i = 0;
        while (i < t->nkeys && strcmp(t->keys[i].id, id) != 0) i++;
        if (i == t->nkeys) {
            trib_error_set(err, TRIB_ERR_NOT_FOUND, "Tenant %s has no API key with id %s", name, id);
        } else {
            memmove(&t->keys[i], &t->keys[i + 1], (t->nkeys - i - 1) * sizeof *t->keys);
            t->nkeys--;
            rc = commit(r, name, t, err);
        }
    }
    trib_tenant_free(t);
    pthread_mutex_unlock(&r->write_lock);
    return rc;
}

int trib_tenants_authenticate(trib_tenants *r, const char *key, char *tenant_out,
                              char id_out[TRIB_TENANT_KEY_ID_LEN + 1], trib_error *err) {
    static const char *const denied = "Invalid API key";
    if (!key || strncmp(key, "trib_", 5) != 0 || strlen(key) > 256)
        return trib_error_set(err, TRIB_ERR_UNAUTHORIZED, "%s", denied);
    unsigned char mac[TRIB_TENANT_MAC_LEN];
    char h[2 * TRIB_TENANT_MAC_LEN + 1];
    trib_tenant_key_mac(r->secret, r->secret_len, key, mac);
    mac_hex(mac, h);
    int rc = trib_error_set(err, TRIB_ERR_UNAUTHORIZED, "%s", denied);
    pthread_mutex_lock(&r->lock);
    json_t *hit = json_object_get(r->key_index, h);
    if (hit) {
        const char *tn = json_string_value(json_array_get(hit, 0));
        const char *kid = json_string_value(json_array_get(hit, 1));
        entry *e = find_locked(r, tn);
        for (size_t i = 0; e && i < e->t->nkeys; i++) {
            if (strcmp(e->t->keys[i].id, kid) != 0) continue;
            if (CRYPTO_memcmp(e->t->keys[i].mac, mac, TRIB_TENANT_MAC_LEN) == 0) {
                snprintf(tenant_out, TRIB_TENANT_NAME_MAX + 1, "%s", tn);
                memcpy(id_out, kid, TRIB_TENANT_KEY_ID_LEN + 1);
                trib_error_clear(err);
                rc = 0;
            }
            break;
        }
    }
    pthread_mutex_unlock(&r->lock);
    OPENSSL_cleanse(mac, sizeof mac);
    return rc;
}

/* ---- file store ----------------------------------------------------------- */

typedef struct file_store {
    trib_tenant_store base;
    char *path;
    json_t *records;     /* key -> value, as on disk */
    pthread_mutex_t lock;
} file_store;

/* Like trib_write_file_atomic, with mode 0600: the file holds key MACs. */
static int write_private_atomic(const char *path, const char *data, size_t len, trib_error *err) {
    char *tmp = trib_xasprintf("%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    int rc = 0;
    if (fd < 0) {
        rc = trib_error_set(err, TRIB_ERR_IO, "cannot create '%s': %s", tmp, strerror(errno));
        goto out;
    }
    fchmod(fd, 0600);
    for (size_t off = 0; off < len;) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
            rc = trib_error_set(err, TRIB_ERR_IO, "cannot write '%s': %s", tmp, strerror(errno));
            close(fd);
            unlink(tmp);
            goto out;
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        rc = trib_error_set(err, TRIB_ERR_IO, "cannot sync '%s': %s", tmp, strerror(errno));
        unlink(tmp);
        goto out;
    }
    if (rename(tmp, path) != 0) {
        rc = trib_error_set(err, TRIB_ERR_IO, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
        unlink(tmp);
        goto out;
    }
    /* The rename is durable once the directory entry is. */
    char *slash = strrchr(path, '/');
    char *dir = slash ? (slash == path ? trib_xstrdup("/") : trib_xstrndup(path, (size_t)(slash - path)))
                      : trib_xstrdup(".");
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    free(dir);
out:
    free(tmp);
    return rc;
}

static int file_persist(trib_tenant_store *s, const char *key, const json_t *value, trib_error *err) {
    file_store *fs = (file_store *)s;
    pthread_mutex_lock(&fs->lock);
    json_t *next = json_deep_copy(fs->records);
    if (value && !json_is_null(value)) json_object_set_new(next, key, json_deep_copy(value));
    else json_object_del(next, key);
    char *text = json_dumps(next, JSON_INDENT(2) | JSON_SORT_KEYS);
    int rc = write_private_atomic(fs->path, text, strlen(text), err);
    free(text);
    if (rc == 0) {
        json_decref(fs->records);
        fs->records = next;
    } else {
        json_decref(next);
    }
    pthread_mutex_unlock(&fs->lock);
    return rc;
}

static int file_replay(trib_tenant_store *s, trib_tenants *reg, trib_error *err) {
    file_store *fs = (file_store *)s;
    const char *key;
    json_t *v;
    json_object_foreach(fs->records, key, v) {
        if (trib_tenants_apply(reg, key, v, err) < 0) return trib_error_prefix(err, "tenant.store.file %s", fs->path);
    }
    return 0;
}

static void file_destroy(trib_tenant_store *s) {
    file_store *fs = (file_store *)s;
    json_decref(fs->records);
    free(fs->path);
    pthread_mutex_destroy(&fs->lock);
    free(fs);
}

trib_tenant_store *trib_tenant_store_file_new(const char *path, trib_error *err) {
    json_t *records = NULL;
    struct stat st;
    if (stat(path, &st) == 0) {
        trib_error lerr;
        char *text = trib_read_file(path, NULL, &lerr);
        if (!text) {
            trib_error_set(err, TRIB_ERR_IO, "tenant.store.file: %s", lerr.msg);
            return NULL;
        }
        json_error_t je;
        records = json_loads(text, 0, &je);
        free(text);
        if (!json_is_object(records)) {
            json_decref(records);
            trib_error_set(err, TRIB_ERR_INVALID, "tenant.store.file: '%s' is not a JSON object (line %d: %s)", path,
                           je.line, je.text);
            return NULL;
        }
    } else if (errno != ENOENT) {
        trib_error_set(err, TRIB_ERR_IO, "tenant.store.file: cannot stat '%s': %s", path, strerror(errno));
        return NULL;
    } else {
        records = json_object();
    }
    file_store *fs = trib_xcalloc(1, sizeof *fs);
    fs->base.persist = file_persist;
    fs->base.replay = file_replay;
    fs->base.destroy = file_destroy;
    fs->path = trib_xstrdup(path);
    fs->records = records;
    pthread_mutex_init(&fs->lock, NULL);
    return &fs->base;
}

/* ---- memory store ------------------------------------------------------------ */

static int mem_persist(trib_tenant_store *s, const char *key, const json_t *value, trib_error *err) {
    (void)s, (void)key, (void)value, (void)err;
    return 0;
}

static void mem_destroy(trib_tenant_store *s) { free(s); }

trib_tenant_store *trib_tenant_store_memory_new(void) {
    trib_tenant_store *s = trib_xcalloc(1, sizeof *s);
    s->persist = mem_persist;
    s->destroy = mem_destroy;
    return s;
}
