/*
 * status_store.h: connector and task states shared by every worker through
 * the status topic (Kafka Connect's KafkaStatusBackingStore), so GET
 * .../status gives the same answer on every worker.
 *
 * Records use Connect's keys and JSON values:
 *   status-connector-<name>   {"state","trace","worker_id","generation"}
 *   status-task-<name>-<id>   (same)
 *   topic-<topic>-connector-<name>
 *                             {"topic":{"name","connector","task","discoverTimestamp"}}
 *                             (active topics: a task's worker writes one the
 *                             first time the task uses the topic)
 * A worker writes the states of what it runs; every worker reads all.
 */
#ifndef TRIB_WORKER_STATUS_STORE_H
#define TRIB_WORKER_STATUS_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "common/error.h"
#include "common/props.h"

typedef struct trib_status_store trib_status_store;

trib_status_store *trib_status_store_start(const trib_props *worker_props, const char *topic, int partitions,
                                           int replication_factor, const char *worker_id, trib_error *err);
void trib_status_store_stop(trib_status_store *s);  /* NULL-safe */

/* Writes a state (trace may be NULL). task < 0 means the connector. */
int trib_status_store_put(trib_status_store *s, const char *connector, int task, const char *state,
                          const char *trace, int64_t generation, trib_error *err);
/* Removes a connector's states (tombstones) for tasks 0..ntasks-1 and the connector. */
void trib_status_store_remove(trib_status_store *s, const char *connector, int ntasks);

/* The last state: a new {"state","trace"?,"worker_id","generation"} or NULL. */
json_t *trib_status_store_get(trib_status_store *s, const char *connector, int task);

/* Active topics. has_topic: is the topic recorded for the connector.
 * put_topic writes the record (task = the task that used it). topics adds
 * the connector's recorded topics to `set` (a JSON object used as a set;
 * borrowed). reset_topics writes tombstones for all of them. */
bool trib_status_store_has_topic(trib_status_store *s, const char *connector, const char *topic);
int trib_status_store_put_topic(trib_status_store *s, const char *connector, const char *topic, int task,
                                trib_error *err);
void trib_status_store_topics(trib_status_store *s, const char *connector, json_t *set);
void trib_status_store_reset_topics(trib_status_store *s, const char *connector);

#endif
