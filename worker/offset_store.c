/*
 * offset_store.c: committed + staged source offsets, with memory, file and
 * custom (Kafka) persistence. See offset_store.h.
 *
 * The committed map is a JSON object {"<key>": offset}; staged writes sit
 * in a second object until flush() persists them. The file format is that
 * object, pretty-printed, so an operator can read it.
 */
#include "worker/offset_store.h"
#include "common/log.h"
#include "common/util.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef enum { STORE_MEMORY, STORE_FILE, STORE_CUSTOM } store_kind;

struct trib_offset_store {
    pthread_mutex_t lock;
    store_kind kind;
    char *path;                        /* STORE_FILE */
    const trib_offset_store_ops *ops;  /* STORE_CUSTOM */
    void *impl;
    json_t *committed;                 /* {"key": offset} */
    json_t *staged;                    /* {"key": offset|null} */
};

static trib_offset_store *store_new(store_kind kind) {
    trib_offset_store *s = trib_xcalloc(1, sizeof *s);
    pthread_mutex_init(&s->lock, NULL);
    s->kind = kind;
    s->committed = json_object();
    s->staged = json_object();
    return s;
}

trib_offset_store *trib_offset_store_memory_new(void) {
    return store_new(STORE_MEMORY);
}

trib_offset_store *trib_offset_store_file_new(const char *path, trib_error *err) {
    trib_offset_store *s = store_new(STORE_FILE);
    s->path = trib_xstrdup(path);
    json_t *loaded = trib_read_json_object_file(path, "offsets file", err);
    if (!loaded) {
        trib_offset_store_destroy(s);
        return NULL;
    }
    json_decref(s->committed);
    s->committed = loaded;
    return s;
}

trib_offset_store *trib_offset_store_custom_new(const trib_offset_store_ops *ops, void *impl,
                                                const json_t *initial) {
    trib_offset_store *s = store_new(STORE_CUSTOM);
    s->ops = ops;
    s->impl = impl;
    if (json_is_object(initial)) json_object_update(s->committed, (json_t *)initial);
    return s;
}

void trib_offset_store_destroy(trib_offset_store *s) {
    if (!s) return;
    if (s->kind == STORE_CUSTOM && s->ops && s->ops->destroy) s->ops->destroy(s->impl);
    json_decref(s->committed);
    json_decref(s->staged);
    free(s->path);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

void trib_offset_store_destroy_shallow(trib_offset_store *s) {
    if (!s) return;
    s->ops = NULL;
    trib_offset_store_destroy(s);
}

void *trib_offset_store_impl(trib_offset_store *s, const trib_offset_store_ops *ops) {
    return (s && s->kind == STORE_CUSTOM && s->ops == ops) ? s->impl : NULL;
}

char *trib_offset_key(const char *connector, const json_t *partition) {
    json_t *key = json_pack("[sO]", connector, partition ? (json_t *)partition : json_null());
    char *s = json_dumps(key, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    json_decref(key);
    return s;
}

json_t *trib_offset_store_get(trib_offset_store *s, const char *connector, const json_t *partition) {
    char *key = trib_offset_key(connector, partition);
    pthread_mutex_lock(&s->lock);
    json_t *v = json_object_get(s->committed, key);
    json_t *copy = v ? json_deep_copy(v) : NULL;
    pthread_mutex_unlock(&s->lock);
    free(key);
    return copy;
}

void trib_offset_store_put(trib_offset_store *s, const char *connector, const json_t *partition,
                           const json_t *offset) {
    char *key = trib_offset_key(connector, partition);
    json_t *v = offset ? json_deep_copy(offset) : json_null();
    pthread_mutex_lock(&s->lock);
    json_object_set_new(s->staged, key, v);
    pthread_mutex_unlock(&s->lock);
    free(key);
}

/* Merges staged into a copy of committed, so a failed persist changes nothing. */
static json_t *merged_locked(trib_offset_store *s) {
    json_t *m = json_deep_copy(s->committed);
    const char *k;
    json_t *v;
    json_object_foreach(s->staged, k, v) {
        if (json_is_null(v)) json_object_del(m, k);
        else json_object_set(m, k, v);
    }
    return m;
}

int trib_offset_store_flush(trib_offset_store *s, trib_error *err) {
    pthread_mutex_lock(&s->lock);
    if (json_object_size(s->staged) == 0) {
        pthread_mutex_unlock(&s->lock);
        return 0;
    }
    json_t *next = merged_locked(s);
    json_t *batch = s->staged;
    s->staged = json_object();
    int rc = 0;
    if (s->kind == STORE_FILE) {
        char *text = json_dumps(next, JSON_INDENT(2) | JSON_SORT_KEYS);
        rc = trib_write_file_atomic(s->path, text, strlen(text), err);
        free(text);
    } else if (s->kind == STORE_CUSTOM) {
        json_t *entries = json_array();
        const char *k;
        json_t *v;
        json_object_foreach(batch, k, v) json_array_append_new(entries, json_pack("[sO]", k, v));
        rc = s->ops->persist(s->impl, entries, err);
        json_decref(entries);
    }
    if (rc == 0) {
        json_decref(s->committed);
        s->committed = next;
        json_decref(batch);
    } else {
        /* keep the batch staged (newer stages for the same keys win) */
        json_object_update_missing(s->staged, batch);
        json_decref(batch);
        json_decref(next);
    }
    pthread_mutex_unlock(&s->lock);
    return rc;
}

void trib_offset_store_apply(trib_offset_store *s, const char *key, const json_t *value) {
    pthread_mutex_lock(&s->lock);
    if (value && !json_is_null(value)) json_object_set_new(s->committed, key, json_deep_copy(value));
    else json_object_del(s->committed, key);
    pthread_mutex_unlock(&s->lock);
}

json_t *trib_offset_store_list(trib_offset_store *s, const char *connector) {
    json_t *out = json_array();
    pthread_mutex_lock(&s->lock);
    const char *k;
    json_t *v;
    json_object_foreach(s->committed, k, v) {
        json_t *key = json_loads(k, JSON_DECODE_ANY, NULL);
        if (json_is_array(key) && json_array_size(key) == 2 &&
            json_is_string(json_array_get(key, 0)) &&
            strcmp(json_string_value(json_array_get(key, 0)), connector) == 0) {
            json_array_append_new(out, json_pack("{sOsO}", "partition", json_array_get(key, 1),
                                                 "offset", v));
        }
        json_decref(key);
    }
    pthread_mutex_unlock(&s->lock);
    return out;
}
