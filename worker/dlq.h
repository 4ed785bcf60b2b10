/*
 * dlq.h: the dead letter queue: failed records are produced, as they were
 * read (sink) or as Connect JSON (source), to errors.deadletterqueue.topic
 * .name with Kafka Connect's __connect.errors.* context headers when
 * errors.deadletterqueue.context.headers.enable is set.
 */
#ifndef TRIB_WORKER_DLQ_H
#define TRIB_WORKER_DLQ_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/props.h"
#include "proto/data.h"

typedef struct trib_dlq trib_dlq;

typedef struct trib_dlq_entry {
    const char *stage;          /* "VALUE_CONVERTER", ... */
    const char *topic;          /* original topic (may be NULL for sources) */
    int32_t partition;          /* -1 if unknown */
    int64_t offset;             /* -1 if unknown */
    const void *key, *value;    /* bytes to write; NULL = Kafka null */
    size_t key_len, value_len;
    const trib_header *headers; /* original headers, copied through */
    size_t nheaders;
    const char *class_name;     /* the plugin at fault, e.g. the converter's class */
    const trib_error *why;
} trib_dlq_entry;

/* Creates the DLQ producer and the topic if missing. */
trib_dlq *trib_dlq_new(const char *topic, int replication_factor, bool context_headers,
                       const trib_props *worker_props, const trib_props *connector_config,
                       const char *connector, int task_id, trib_error *err);
/* Produces one entry and waits for its delivery (DLQ writes are rare, and
 * a skipped record must not be lost if the worker dies right after). */
int trib_dlq_send(trib_dlq *d, const trib_dlq_entry *e, trib_error *err);
void trib_dlq_destroy(trib_dlq *d);   /* NULL-safe; flushes */

#endif
