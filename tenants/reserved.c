/*
 * reserved.c: the reserved names of reserved.h.
 */
#include "tenants/reserved.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* Whole families of names ("connect-" also covers Connect's default
 * connect-configs, connect-offsets and connect-status). */
static const char *const reserved_prefixes[] = {"__", "connect-", NULL};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char **worker_names;   /* NULL-terminated, or NULL */

void trib_tenant_reserved_install(const trib_props *worker_props) {
    char **v = NULL;
    if (worker_props) {
        static const char *const keys[] = {"config.storage.topic", "offset.storage.topic", "status.storage.topic",
                                           "file.status.storage.topic", "group.id", NULL};
        size_t n = 0;
        v = trib_xcalloc(8, sizeof *v);
        for (int i = 0; keys[i]; i++) {
            const char *val = trib_props_get(worker_props, keys[i]);
            if (val && *val) v[n++] = trib_xstrdup(val);
        }
        /* the file status topic's default name (worker/worker.c) */
        const char *st = trib_props_get(worker_props, "status.storage.topic");
        const char *fst = trib_props_get(worker_props, "file.status.storage.topic");
        if (st && *st && !(fst && *fst)) v[n++] = trib_xasprintf("%s-files", st);
        const char *g = trib_props_get(worker_props, "group.id");
        if (g && *g) v[n++] = trib_xasprintf("%s-coord", g);
    }
    pthread_mutex_lock(&lock);
    char **old = worker_names;
    worker_names = v;
    pthread_mutex_unlock(&lock);
    trib_strv_free(old);
}

/* The reserved name prefix covers or is covered by, copied into out; false
 * when none. */
static bool find_overlap(const char *prefix, char *out, size_t cap) {
    for (int i = 0; reserved_prefixes[i]; i++)
        if (trib_str_startswith(prefix, reserved_prefixes[i]) || trib_str_startswith(reserved_prefixes[i], prefix)) {
            snprintf(out, cap, "%s*", reserved_prefixes[i]);
            return true;
        }
    bool found = false;
    pthread_mutex_lock(&lock);
    for (char **p = worker_names; p && *p && !found; p++)
        if (trib_str_startswith(prefix, *p) || trib_str_startswith(*p, prefix)) {
            snprintf(out, cap, "%s", *p);
            found = true;
        }
    pthread_mutex_unlock(&lock);
    return found;
}

int trib_tenant_reserved_check_prefix(const char *prefix, trib_error *err) {
    char r[256];
    if (!prefix || !find_overlap(prefix, r, sizeof r)) return 0;
    return trib_error_set(err, TRIB_ERR_FORBIDDEN,
                          "field 'topic_prefix': '%.100s' overlaps the reserved name '%s' (Kafka's and the worker's "
                          "internal topics and groups)",
                          prefix, r);
}

int trib_tenant_reserved_check_topic(const char *field, const char *topic, trib_error *err) {
    if (!topic) return 0;
    for (int i = 0; reserved_prefixes[i]; i++)
        if (trib_str_startswith(topic, reserved_prefixes[i]))
            return trib_error_set(err, TRIB_ERR_FORBIDDEN, "%s: topic '%.100s' is a reserved internal name (%s*)",
                                  field, topic, reserved_prefixes[i]);
    bool found = false;
    pthread_mutex_lock(&lock);
    for (char **p = worker_names; p && *p && !found; p++) found = strcmp(topic, *p) == 0;
    pthread_mutex_unlock(&lock);
    if (found)
        return trib_error_set(err, TRIB_ERR_FORBIDDEN, "%s: topic '%.100s' is one of the worker's internal names",
                              field, topic);
    return 0;
}
