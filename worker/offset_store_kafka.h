/*
 * offset_store_kafka.h: source offsets in the offsets topic (distributed
 * mode), as Kafka Connect's KafkaOffsetBackingStore: key
 * ["<connector>",{partition}], value the offset JSON, null deletes.
 *
 * The store is a trib_offset_store (offset_store.h) whose flush writes to
 * the topic and whose committed map follows the topic, so offsets that an
 * exactly-once task wrote inside its own transactions show up here once
 * committed.
 */
#ifndef TRIB_WORKER_OFFSET_STORE_KAFKA_H
#define TRIB_WORKER_OFFSET_STORE_KAFKA_H

#include "common/props.h"
#include "worker/offset_store.h"

trib_offset_store *trib_offset_store_kafka_start(const trib_props *worker_props, const char *topic,
                                                 int partitions, int replication_factor, const char *client_id,
                                                 trib_error *err);

/* Blocks until every offset committed to the topic before the call is
 * visible in the store (a task taking over a partition must see the last
 * offset its predecessor committed). NULL-safe no-op for other stores. */
int trib_offset_store_kafka_sync(trib_offset_store *s, int timeout_ms, trib_error *err);

#endif
