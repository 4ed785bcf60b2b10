/*
 * offset_store_kafka.c: the offsets topic behind a trib_offset_store. See
 * offset_store_kafka.h.
 */
#include "worker/offset_store_kafka.h"
#include "common/log.h"
#include "common/util.h"
#include "worker/kafka_log.h"

#include <stdlib.h>
#include <string.h>

typedef struct kafka_offsets {
    trib_kafka_log *log;
    trib_offset_store *store;   /* back pointer for the reader */
} kafka_offsets;

static void on_record(void *opaque, int32_t partition, int64_t offset, const void *key, size_t key_len,
                      const void *value, size_t value_len) {
    (void)partition;
    (void)offset;
    kafka_offsets *k = opaque;
    if (!key || !k->store) return;
    /* normalise the key so lookups match whatever JSON layout the writer used */
    json_t *kj = json_loadb(key, key_len, JSON_DECODE_ANY, NULL);
    if (!json_is_array(kj) || json_array_size(kj) != 2 || !json_is_string(json_array_get(kj, 0))) {
        json_decref(kj);
        return;
    }
    char *norm = trib_offset_key(json_string_value(json_array_get(kj, 0)), json_array_get(kj, 1));
    json_t *v = value ? json_loadb(value, value_len, JSON_DECODE_ANY, NULL) : NULL;
    trib_offset_store_apply(k->store, norm, v);
    json_decref(v);
    json_decref(kj);
    free(norm);
}

static int persist(void *impl, const json_t *entries, trib_error *err) {
    kafka_offsets *k = impl;
    size_t i;
    json_t *e;
    json_array_foreach(entries, i, e) {
        const char *key = json_string_value(json_array_get(e, 0));
        json_t *v = json_array_get(e, 1);
        char *text = json_is_null(v) ? NULL : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        int rc = trib_kafka_log_write(k->log, -1, key, strlen(key), text, text ? strlen(text) : 0, NULL, NULL, err);
        free(text);
        if (rc < 0) return -1;
    }
    return 0;
}

static void destroy(void *impl) {
    kafka_offsets *k = impl;
    k->store = NULL;
    trib_kafka_log_stop(k->log);
    free(k);
}

static const trib_offset_store_ops kafka_ops = {.persist = persist, .destroy = destroy};

trib_offset_store *trib_offset_store_kafka_start(const trib_props *worker_props, const char *topic,
                                                 int partitions, int replication_factor, const char *client_id,
                                                 trib_error *err) {
    kafka_offsets *k = trib_xcalloc(1, sizeof *k);
    trib_offset_store *s = trib_offset_store_custom_new(&kafka_ops, k, NULL);
    k->store = s;
    trib_kafka_log_spec spec = {
        .topic = topic, .partitions = partitions, .replication_factor = replication_factor,
        .worker_props = worker_props, .client_id = client_id, .fn = on_record, .opaque = k,
    };
    k->log = trib_kafka_log_start(&spec, err);
    if (!k->log) {
        k->store = NULL;
        /* destroy() would stop a NULL log: free by hand */
        trib_offset_store_destroy_shallow(s);
        free(k);
        return NULL;
    }
    return s;
}

int trib_offset_store_kafka_sync(trib_offset_store *s, int timeout_ms, trib_error *err) {
    kafka_offsets *k = trib_offset_store_impl(s, &kafka_ops);
    if (!k) return 0;
    return trib_kafka_log_read_past_open_transactions(k->log, timeout_ms, err);
}
