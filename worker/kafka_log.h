/*
 * kafka_log.h: a topic read from the beginning and followed, with writes
 * that can be waited on until read back (Kafka Connect's KafkaBasedLog).
 * The config, offsets and status stores of distributed mode are each one
 * of these over a compacted topic.
 *
 * A background thread consumes every partition from the start
 * (read_committed, so aborted exactly-once transactions never show) and
 * calls the callback for each record in partition order. read_to_end()
 * blocks until everything written before the call has been consumed and
 * applied: that is how a REST call reads its own write.
 */
#ifndef TRIB_WORKER_KAFKA_LOG_H
#define TRIB_WORKER_KAFKA_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/props.h"

typedef struct trib_kafka_log trib_kafka_log;

/* Called on the log's thread for each record; key or value may be NULL
 * (a tombstone has value NULL). */
typedef void (*trib_kafka_log_fn)(void *opaque, int32_t partition, int64_t offset, const void *key,
                                  size_t key_len, const void *value, size_t value_len);

typedef struct trib_kafka_log_spec {
    const char *topic;
    int partitions;              /* used when creating the topic */
    int replication_factor;      /* -1 = broker default */
    const trib_props *worker_props;
    const char *client_id;
    trib_kafka_log_fn fn;
    void *opaque;
    /* Producer settings on top of the worker's (e.g. enable.idempotence,
     * transactional.id); NULL for defaults. */
    const trib_props *producer_overrides;
    /* Create the producer at start instead of on the first write: for a log
     * whose writes are latency-critical (the config log: a new leader's
     * placement must not wait for a producer to connect). */
    bool eager_producer;
} trib_kafka_log_spec;

/* Creates the topic if missing (compacted), starts the reader and reads to
 * the end once before returning. */
trib_kafka_log *trib_kafka_log_start(const trib_kafka_log_spec *spec, trib_error *err);
void trib_kafka_log_stop(trib_kafka_log *l);  /* NULL-safe; frees */

/* Writes one record and waits for its acknowledgement; *partition_out and
 * *offset_out (may be NULL) get its position. partition -1 = by key hash. */
int trib_kafka_log_write(trib_kafka_log *l, int32_t partition, const void *key, size_t key_len,
                         const void *value, size_t value_len, int32_t *partition_out, int64_t *offset_out,
                         trib_error *err);

/* Blocks until the reader has applied every record written to the topic
 * before this call (up to timeout_ms). */
int trib_kafka_log_read_to_end(trib_kafka_log *l, int timeout_ms, trib_error *err);

/* Like read_to_end, but also waits for the records of transactions still
 * open when it is called: the end offsets are read uncommitted (as Kafka
 * Connect's KafkaBasedLog.readToEnd does), and the read_committed reader
 * reaches them only once such transactions commit or abort. An exactly-once
 * source task reads its predecessor's last offsets this way: another task's
 * open transaction on the same offsets partition would otherwise hide them
 * (issue 15). TIMEOUT (retriable) when a transaction stays open past
 * timeout_ms; the broker aborts one after its transaction.timeout.ms. */
int trib_kafka_log_read_past_open_transactions(trib_kafka_log *l, int timeout_ms, trib_error *err);

/* Blocks until the reader has applied the record at (partition, offset). */
int trib_kafka_log_wait_applied(trib_kafka_log *l, int32_t partition, int64_t offset, int timeout_ms,
                                trib_error *err);

#endif
