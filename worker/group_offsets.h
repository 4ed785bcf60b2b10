/*
 * group_offsets.h: a sink connector's offsets, which live in its consumer
 * group (connect-<name>), read and changed with the Kafka admin API for
 * GET/PATCH/DELETE /connectors/{n}/offsets (KIP-875).
 *
 * JSON shapes are Connect's: {"partition":{"kafka_topic":t,
 * "kafka_partition":p},"offset":{"kafka_offset":o}}.
 */
#ifndef TRIB_WORKER_GROUP_OFFSETS_H
#define TRIB_WORKER_GROUP_OFFSETS_H

#include <jansson.h>
#include <librdkafka/rdkafka.h>

#include "common/error.h"

/* The committed offsets of group as a new JSON array of entries. */
json_t *trib_group_offsets_list(rd_kafka_t *admin, const char *group, trib_error *err);
/* Sets offsets from entries (each with a non-null "offset"); entries whose
 * "offset" is null are deleted from the group. INVALID naming the entry
 * for a malformed one. */
int trib_group_offsets_alter(rd_kafka_t *admin, const char *group, const json_t *entries, trib_error *err);
/* Deletes the group (all its offsets); a missing group is success. */
int trib_group_offsets_delete(rd_kafka_t *admin, const char *group, trib_error *err);

#endif
