/*
 * offset_store.h: where source offsets live (Kafka Connect's
 * OffsetBackingStore + OffsetStorageReader/Writer).
 *
 * A source partition and offset are JSON objects chosen by the connector.
 * Entries are keyed as Connect keys them, ["<connector>", {partition}], so
 * files and the offsets topic stay readable by Connect's tools.
 *
 * Writes are staged with put() and made durable together by flush(): a
 * source task stages the offsets of records the producer has delivered and
 * the runtime flushes every offset.flush.interval.ms, so a crash repeats at
 * most the unflushed tail and never skips a record.
 *
 * Implementations: memory (tests, transient), file (standalone mode,
 * offset.storage.file.filename, written atomically), Kafka topic
 * (distributed mode). All are thread-safe.
 */
#ifndef TRIB_WORKER_OFFSET_STORE_H
#define TRIB_WORKER_OFFSET_STORE_H

#include <jansson.h>

#include "common/error.h"

typedef struct trib_offset_store trib_offset_store;

/* The operations an implementation provides (used by the Kafka store). */
typedef struct trib_offset_store_ops {
    /* Persists every entry of `entries` (a JSON array of [key, value|null]
     * pairs, key being the serialized ["connector",{partition}] string). */
    int (*persist)(void *impl, const json_t *entries, trib_error *err);
    void (*destroy)(void *impl);
} trib_offset_store_ops;

trib_offset_store *trib_offset_store_memory_new(void);
/* Loads the file if it exists (a missing file is an empty store). */
trib_offset_store *trib_offset_store_file_new(const char *path, trib_error *err);
/* A store whose durable writes go through ops (takes ownership of impl);
 * initial is the already-read state as {"<key>": value} (borrowed). */
trib_offset_store *trib_offset_store_custom_new(const trib_offset_store_ops *ops, void *impl,
                                                const json_t *initial);
void trib_offset_store_destroy(trib_offset_store *s);   /* NULL-safe */
/* Frees a custom store without calling its ops' destroy (construction
 * failed before the implementation was complete). */
void trib_offset_store_destroy_shallow(trib_offset_store *s);
/* The implementation of a custom store created with exactly these ops, or NULL. */
void *trib_offset_store_impl(trib_offset_store *s, const trib_offset_store_ops *ops);

/* The committed offset of a partition: a new reference, or NULL. Staged,
 * unflushed writes are not visible (Connect reads committed offsets). */
json_t *trib_offset_store_get(trib_offset_store *s, const char *connector, const json_t *partition);

/* Stages an offset (borrowed; NULL deletes the partition's offset). */
void trib_offset_store_put(trib_offset_store *s, const char *connector, const json_t *partition,
                           const json_t *offset);

/* Makes every staged write durable, atomically for the file store. */
int trib_offset_store_flush(trib_offset_store *s, trib_error *err);

/* Applies an externally read entry (the Kafka store's reader): key is the
 * serialized ["connector",{partition}], value NULL deletes. */
void trib_offset_store_apply(trib_offset_store *s, const char *key, const json_t *value);

/* Every committed entry of a connector as Connect's GET .../offsets body
 * entries: [{"partition":{...},"offset":{...}}]. New reference. */
json_t *trib_offset_store_list(trib_offset_store *s, const char *connector);

/* The Connect key for (connector, partition): a malloc'd compact JSON string
 * of ["connector",{partition}] with the partition's keys sorted. */
char *trib_offset_key(const char *connector, const json_t *partition);

#endif
