/*
 * status_store.c: the status topic as a map key -> state. See status_store.h.
 */
#include "worker/status_store.h"
#include "common/log.h"
#include "common/time.h"
#include "common/util.h"
#include "worker/kafka_log.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct trib_status_store {
    trib_kafka_log *log;
    char *worker_id;
    pthread_mutex_t lock;
    json_t *states;   /* {"status-...": {...}} */
};

static void apply(void *opaque, int32_t partition, int64_t offset, const void *key, size_t key_len,
                  const void *value, size_t value_len) {
    (void)partition;
    (void)offset;
    trib_status_store *s = opaque;
    if (!key) return;
    char *k = trib_xstrndup(key, key_len);
    json_t *v = value ? json_loadb(value, value_len, 0, NULL) : NULL;
    pthread_mutex_lock(&s->lock);
    json_t *cur = json_object_get(s->states, k);
    /* As Connect does: a state from another worker under an older
     * generation (placement epoch) is stale, e.g. the previous owner's
     * UNASSIGNED arriving after the new owner's RUNNING. */
    bool stale = json_is_object(v) && cur &&
                 json_integer_value(json_object_get(v, "generation")) <
                     json_integer_value(json_object_get(cur, "generation")) &&
                 !json_equal(json_object_get(v, "worker_id"), json_object_get(cur, "worker_id"));
    if (stale) {
        /* keep the newer state */
    } else if (json_is_object(v)) {
        json_object_set(s->states, k, v);
    } else {
        json_object_del(s->states, k);
    }
    pthread_mutex_unlock(&s->lock);
    json_decref(v);
    free(k);
}

trib_status_store *trib_status_store_start(const trib_props *worker_props, const char *topic, int partitions,
                                           int replication_factor, const char *worker_id, trib_error *err) {
    trib_status_store *s = trib_xcalloc(1, sizeof *s);
    pthread_mutex_init(&s->lock, NULL);
    s->states = json_object();
    s->worker_id = trib_xstrdup(worker_id);
    char *cid = trib_xasprintf("tributary-status-%s", worker_id);
    trib_kafka_log_spec spec = {
        .topic = topic, .partitions = partitions, .replication_factor = replication_factor,
        .worker_props = worker_props, .client_id = cid, .fn = apply, .opaque = s,
    };
    s->log = trib_kafka_log_start(&spec, err);
    free(cid);
    if (!s->log) {
        json_decref(s->states);
        free(s->worker_id);
        pthread_mutex_destroy(&s->lock);
        free(s);
        return NULL;
    }
    return s;
}

void trib_status_store_stop(trib_status_store *s) {
    if (!s) return;
    trib_kafka_log_stop(s->log);
    json_decref(s->states);
    free(s->worker_id);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

static char *status_key(const char *connector, int task) {
    return task < 0 ? trib_xasprintf("status-connector-%s", connector)
                    : trib_xasprintf("status-task-%s-%d", connector, task);
}

/* Writes key -> v (a tombstone when v is NULL; v is taken), applying it
 * locally at once so this worker reads its own write even before it comes
 * back from the topic. */
static int write_record(trib_status_store *s, const char *key, json_t *v, trib_error *err) {
    char *text = v ? json_dumps(v, JSON_COMPACT) : NULL;
    size_t len = text ? strlen(text) : 0;
    apply(s, 0, 0, key, strlen(key), text, len);
    int rc = trib_kafka_log_write(s->log, -1, key, strlen(key), text, len, NULL, NULL, err);
    free(text);
    json_decref(v);
    return rc;
}

/* Tombstones key; a failure is logged (what = "status", "active topic record"). */
static void remove_record(trib_status_store *s, const char *key, const char *what) {
    trib_error err;
    if (write_record(s, key, NULL, &err) < 0) TRIB_WARN("herder", "cannot remove %s %s: %s", what, key, err.msg);
}

int trib_status_store_put(trib_status_store *s, const char *connector, int task, const char *state,
                          const char *trace, int64_t generation, trib_error *err) {
    char *key = status_key(connector, task);
    json_t *v = json_pack("{ss ss? ss sI}", "state", state, "trace", trace, "worker_id", s->worker_id, "generation",
                          (json_int_t)generation);
    int rc = write_record(s, key, v, err);
    free(key);
    return rc;
}

void trib_status_store_remove(trib_status_store *s, const char *connector, int ntasks) {
    for (int t = -1; t < ntasks; t++) {
        char *key = status_key(connector, t);
        remove_record(s, key, "status");
        free(key);
    }
}

json_t *trib_status_store_get(trib_status_store *s, const char *connector, int task) {
    char *key = status_key(connector, task);
    pthread_mutex_lock(&s->lock);
    json_t *v = json_object_get(s->states, key);
    json_t *copy = v ? json_deep_copy(v) : NULL;
    pthread_mutex_unlock(&s->lock);
    free(key);
    return copy;
}

/* ---- active topics ------------------------------------------------------------------ */

static char *topic_key(const char *connector, const char *topic) {
    return trib_xasprintf("topic-%s-connector-%s", topic, connector);
}

bool trib_status_store_has_topic(trib_status_store *s, const char *connector, const char *topic) {
    char *key = topic_key(connector, topic);
    pthread_mutex_lock(&s->lock);
    bool has = json_object_get(s->states, key) != NULL;
    pthread_mutex_unlock(&s->lock);
    free(key);
    return has;
}

int trib_status_store_put_topic(trib_status_store *s, const char *connector, const char *topic, int task,
                                trib_error *err) {
    char *key = topic_key(connector, topic);
    json_t *v = json_pack("{s{ss ss si sI}}", "topic", "name", topic, "connector", connector, "task", task,
                          "discoverTimestamp", (json_int_t)trib_now_ms());
    int rc = write_record(s, key, v, err);
    free(key);
    return rc;
}

/* The connector's topic names, read from the values: a key cannot be split
 * back when a topic or connector name holds "-connector-". Caller holds the
 * lock; adds to set. */
static void collect_topics(trib_status_store *s, const char *connector, json_t *set) {
    const char *k;
    json_t *v;
    json_object_foreach(s->states, k, v) {
        if (strncmp(k, "topic-", 6) != 0) continue;
        json_t *t = json_object_get(v, "topic");
        const char *c = json_string_value(json_object_get(t, "connector"));
        const char *name = json_string_value(json_object_get(t, "name"));
        if (c && name && strcmp(c, connector) == 0) json_object_set_new(set, name, json_true());
    }
}

void trib_status_store_topics(trib_status_store *s, const char *connector, json_t *set) {
    pthread_mutex_lock(&s->lock);
    collect_topics(s, connector, set);
    pthread_mutex_unlock(&s->lock);
}

void trib_status_store_reset_topics(trib_status_store *s, const char *connector) {
    json_t *set = json_object();
    trib_status_store_topics(s, connector, set);
    const char *topic;
    json_t *v;
    json_object_foreach(set, topic, v) {
        char *key = topic_key(connector, topic);
        remove_record(s, key, "active topic record");
        free(key);
    }
    json_decref(set);
}
