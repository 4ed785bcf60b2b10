/*
 * file_status.c: per-file status records in a compacted topic (or the
 * standalone worker's file). See file_status.h.
 */
#include "worker/file_status.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/time.h"
#include "common/util.h"
#include "worker/kafka_log.h"

#define FAC "files"
#define KEY_PREFIX "file-"
#define ID_LEN 16

struct trib_file_status {
    trib_kafka_log *log;    /* distributed mode */
    char *path;             /* standalone mode */
    char *worker_id;
    int history;
    pthread_mutex_t lock;   /* guards records */
    json_t *records;        /* {"file-<id>-<connector>": record} */
    /* Serializes puts: a put reads the record, merges and writes it; two
     * puts of one file (an upload and its task on one worker) must not
     * interleave. */
    pthread_mutex_t write_lock;
};

static const char *const states[] = {"UPLOADED", "QUEUED", "PROCESSING", "FINISHED", "FAILED", NULL};

static int state_rank(const char *state) {
    if (!state) return -1;
    for (int i = 0; states[i]; i++)
        if (strcmp(state, states[i]) == 0) return i < 3 ? i : 3;
    return -1;
}

bool trib_file_status_state_valid(const char *state) {
    return state && state_rank(state) >= 0;
}

static bool terminal(const json_t *rec) {
    return state_rank(json_string_value(json_object_get(rec, "state"))) == 3;
}

static char *record_key(const char *connector, const char *id) {
    return trib_xasprintf(KEY_PREFIX "%s-%s", id, connector);
}

static bool id_valid(const char *id) {
    if (!id || strlen(id) != ID_LEN) return false;
    for (const char *p = id; *p; p++)
        if (!isxdigit((unsigned char)*p)) return false;
    return true;
}

/* Is v a record that belongs under key? Anything in the topic may have
 * been written by someone other than a worker, so nothing is trusted. */
static const char *record_problem(const char *key, const json_t *v) {
    if (!json_is_object(v)) return "not a JSON object";
    const char *c = json_string_value(json_object_get(v, "connector"));
    const char *id = json_string_value(json_object_get(v, "id"));
    if (!c || !*c || !id_valid(id)) return "no connector or id";
    if (!json_is_string(json_object_get(v, "name"))) return "no file name";
    if (!trib_file_status_state_valid(json_string_value(json_object_get(v, "state")))) return "no valid state";
    static const char *const ints[] = {"size", "mtime", "upload_ms", "uploaded_at", "queued_at", "started",
                                       "updated", "finished_at", "bytes_done", "rows", "rejected", NULL};
    for (int i = 0; ints[i]; i++) {
        const json_t *n = json_object_get(v, ints[i]);
        if (n && !json_is_integer(n)) return "a number field is not an integer";
    }
    const json_t *e = json_object_get(v, "errors");
    if (e && !json_is_array(e)) return "errors is not an array";
    char *want = record_key(c, id);
    bool same = strcmp(want, key) == 0;
    free(want);
    return same ? NULL : "its key does not name its connector and id";
}

/* The record that results from v arriving while cur is held (both
 * borrowed; a new reference). A state never goes back: a record of an
 * earlier state only fills in fields the current one lacks. */
static json_t *merged(const json_t *cur, const json_t *v) {
    if (!cur) return json_deep_copy(v);
    int rc = state_rank(json_string_value(json_object_get(cur, "state")));
    int rv = state_rank(json_string_value(json_object_get(v, "state")));
    json_t *out = json_deep_copy(rv >= rc ? v : cur);
    json_object_update_missing(out, (json_t *)(rv >= rc ? cur : v));
    return out;
}

/* Applies one record (value NULL: a tombstone). Takes the lock. */
static void apply_parsed(trib_file_status *s, const char *key, const json_t *v) {
    pthread_mutex_lock(&s->lock);
    if (!v) {
        json_object_del(s->records, key);
    } else {
        json_t *m = merged(json_object_get(s->records, key), v);
        json_object_set_new(s->records, key, m);
    }
    pthread_mutex_unlock(&s->lock);
}

static void apply(void *opaque, int32_t partition, int64_t offset, const void *key, size_t key_len,
                  const void *value, size_t value_len) {
    trib_file_status *s = opaque;
    if (!key || key_len < strlen(KEY_PREFIX) || memcmp(key, KEY_PREFIX, strlen(KEY_PREFIX)) != 0) {
        TRIB_WARN(FAC, "skipping a record at %d/%lld of the file status topic: its key is not file-<id>-<connector>",
                  (int)partition, (long long)offset);
        return;
    }
    char *k = trib_xstrndup(key, key_len);
    if (!value) {
        apply_parsed(s, k, NULL);
        free(k);
        return;
    }
    json_t *v = json_loadb(value, value_len, 0, NULL);
    const char *why = record_problem(k, v);
    if (why) TRIB_WARN(FAC, "skipping a record at %d/%lld of the file status topic: %s", (int)partition,
                       (long long)offset, why);
    else apply_parsed(s, k, v);
    json_decref(v);
    free(k);
}

static trib_file_status *store_new(const char *worker_id, int history) {
    trib_file_status *s = trib_xcalloc(1, sizeof *s);
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->write_lock, NULL);
    s->records = json_object();
    s->worker_id = trib_xstrdup(worker_id);
    s->history = history > 0 ? history : 1;
    return s;
}

void trib_file_status_destroy(trib_file_status *s) {
    if (!s) return;
    trib_kafka_log_stop(s->log);
    json_decref(s->records);
    free(s->path);
    free(s->worker_id);
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->write_lock);
    free(s);
}

trib_file_status *trib_file_status_start_kafka(const trib_props *worker_props, const char *topic, int partitions,
                                               int replication_factor, const char *worker_id, int history,
                                               trib_error *err) {
    trib_file_status *s = store_new(worker_id, history);
    char *cid = trib_xasprintf("tributary-files-%s", worker_id);
    trib_kafka_log_spec spec = {
        .topic = topic, .partitions = partitions, .replication_factor = replication_factor,
        .worker_props = worker_props, .client_id = cid, .fn = apply, .opaque = s,
    };
    s->log = trib_kafka_log_start(&spec, err);
    free(cid);
    if (!s->log) {
        trib_error_prefix(err, "file status topic");
        trib_file_status_destroy(s);
        return NULL;
    }
    return s;
}

trib_file_status *trib_file_status_open_file(const char *path, const char *worker_id, int history, trib_error *err) {
    trib_file_status *s = store_new(worker_id, history);
    s->path = trib_xstrdup(path);
    json_t *loaded = trib_read_json_object_file(path, "file status file", err);
    if (!loaded) {
        trib_file_status_destroy(s);
        return NULL;
    }
    const char *k;
    json_t *v;
    json_object_foreach(loaded, k, v) {
        const char *why = record_problem(k, v);
        if (why) TRIB_WARN(FAC, "skipping entry %s of %s: %s", k, path, why);
        else json_object_set(s->records, k, v);
    }
    json_decref(loaded);
    return s;
}

/* Persists key -> v (NULL: tombstone) after applying it locally, so this
 * worker reads its own write at once. Caller holds write_lock. */
static int write_record(trib_file_status *s, const char *key, const json_t *v, trib_error *err) {
    apply_parsed(s, key, v);
    if (s->log) {
        char *text = v ? json_dumps(v, JSON_COMPACT) : NULL;
        int rc = trib_kafka_log_write(s->log, -1, key, strlen(key), text, text ? strlen(text) : 0, NULL, NULL, err);
        free(text);
        return rc < 0 ? trib_error_prefix(err, "file status topic") : 0;
    }
    pthread_mutex_lock(&s->lock);
    char *text = json_dumps(s->records, JSON_INDENT(1) | JSON_SORT_KEYS);
    pthread_mutex_unlock(&s->lock);
    int rc = trib_write_file_atomic(s->path, text, strlen(text), err);
    free(text);
    return rc < 0 ? trib_error_prefix(err, "file status file") : 0;
}

static bool belongs_to(const json_t *rec, const char *connector) {
    const char *c = json_string_value(json_object_get(rec, "connector"));
    return c && strcmp(c, connector) == 0;
}

/* When the file reached its end state (for ordering the history). */
static int64_t end_time(const json_t *rec) {
    int64_t t = json_integer_value(json_object_get(rec, "finished_at"));
    return t ? t : json_integer_value(json_object_get(rec, "updated"));
}

typedef struct { const char *key; int64_t at; } aged;

static int cmp_aged(const void *a, const void *b) {
    const aged *x = a, *y = b;
    return x->at < y->at ? -1 : x->at > y->at ? 1 : strcmp(x->key, y->key);
}

/* Tombstones the connector's oldest ended files beyond the history bound.
 * Caller holds write_lock. */
static void trim_history(trib_file_status *s, const char *connector) {
    pthread_mutex_lock(&s->lock);
    size_t n = 0, cap = 0;
    aged *v = NULL;
    const char *k;
    json_t *rec;
    json_object_foreach(s->records, k, rec) {
        if (!belongs_to(rec, connector) || !terminal(rec)) continue;
        if (n == cap) v = trib_xrealloc(v, (cap = cap ? cap * 2 : 64) * sizeof *v);
        v[n++] = (aged){trib_xstrdup(k), end_time(rec)};
    }
    pthread_mutex_unlock(&s->lock);
    if (n > (size_t)s->history) {
        qsort(v, n, sizeof *v, cmp_aged);
        for (size_t i = 0; i < n - (size_t)s->history; i++) {
            trib_error err;
            if (write_record(s, v[i].key, NULL, &err) < 0)
                TRIB_WARN(FAC, "cannot drop the status of an old file of %s: %s", connector, err.msg);
        }
    }
    for (size_t i = 0; i < n; i++) free((char *)v[i].key);
    free(v);
}

int trib_file_status_put(trib_file_status *s, const char *connector, const char *id, const json_t *fields,
                         trib_error *err) {
    if (!id_valid(id)) return trib_error_set(err, TRIB_ERR_INVALID, "file status: '%s' is not a file id", id);
    char *key = record_key(connector, id);
    pthread_mutex_lock(&s->write_lock);
    pthread_mutex_lock(&s->lock);
    json_t *cur = json_object_get(s->records, key);
    json_t *rec = cur ? json_deep_copy(cur) : json_object();
    pthread_mutex_unlock(&s->lock);
    json_t *upd = json_deep_copy(fields);
    json_object_set_new(upd, "connector", json_string(connector));
    json_object_set_new(upd, "id", json_string(id));
    json_object_set_new(upd, "worker_id", json_string(s->worker_id));
    /* the new fields win, but the state never goes back (see merged()) */
    json_t *next = merged(rec, upd);
    json_object_update_missing(next, rec);
    int rc;
    const char *why = record_problem(key, next);
    if (why) rc = trib_error_set(err, TRIB_ERR_INVALID, "file status of %s: %s", id, why);
    else rc = write_record(s, key, next, err);
    if (rc == 0 && terminal(next)) trim_history(s, connector);
    pthread_mutex_unlock(&s->write_lock);
    json_decref(next);
    json_decref(upd);
    json_decref(rec);
    free(key);
    return rc;
}

json_t *trib_file_status_get(trib_file_status *s, const char *connector, const char *id) {
    if (!id_valid(id)) return NULL;
    char *key = record_key(connector, id);
    pthread_mutex_lock(&s->lock);
    json_t *v = json_object_get(s->records, key);
    json_t *copy = v ? json_deep_copy(v) : NULL;
    pthread_mutex_unlock(&s->lock);
    free(key);
    return copy;
}

/* When the file entered the store's view: its upload, else its queueing,
 * else the start of reading. */
static int64_t first_seen(const json_t *rec) {
    static const char *const keys[] = {"uploaded_at", "queued_at", "started", "updated", NULL};
    for (int i = 0; keys[i]; i++) {
        int64_t t = json_integer_value(json_object_get(rec, keys[i]));
        if (t > 0) return t;
    }
    return 0;
}

static int cmp_newest(const void *a, const void *b) {
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int64_t tx = first_seen(x), ty = first_seen(y);
    if (tx != ty) return tx < ty ? 1 : -1;
    return strcmp(json_string_value(json_object_get(x, "name")), json_string_value(json_object_get(y, "name")));
}

json_t *trib_file_status_list(trib_file_status *s, const char *connector) {
    size_t n = 0, cap = 0;
    json_t **v = NULL;
    pthread_mutex_lock(&s->lock);
    const char *k;
    json_t *rec;
    json_object_foreach(s->records, k, rec) {
        if (!belongs_to(rec, connector)) continue;
        if (n == cap) v = trib_xrealloc(v, (cap = cap ? cap * 2 : 64) * sizeof *v);
        v[n++] = json_deep_copy(rec);
    }
    pthread_mutex_unlock(&s->lock);
    if (n) qsort(v, n, sizeof *v, cmp_newest);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(arr, v[i]);
    free(v);
    return arr;
}

void trib_file_status_remove_connector(trib_file_status *s, const char *connector) {
    json_t *keys = json_array();
    pthread_mutex_lock(&s->lock);
    const char *k;
    json_t *rec;
    json_object_foreach(s->records, k, rec)
        if (belongs_to(rec, connector)) json_array_append_new(keys, json_string(k));
    pthread_mutex_unlock(&s->lock);
    pthread_mutex_lock(&s->write_lock);
    size_t i;
    json_t *key;
    json_array_foreach(keys, i, key) {
        trib_error err;
        if (write_record(s, json_string_value(key), NULL, &err) < 0)
            TRIB_WARN(FAC, "cannot drop the file status of deleted connector %s: %s", connector, err.msg);
    }
    pthread_mutex_unlock(&s->write_lock);
    json_decref(keys);
}
