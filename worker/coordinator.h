/*
 * coordinator.h: cluster membership for distributed mode, built on a Kafka
 * consumer group and nothing else (no Kafka protocol code of our own).
 *
 * Every worker joins the worker group (group.id) and subscribes to the
 * coordination topic "<group.id>-coord" (tributary.coordination.partitions
 * partitions, no data). The group coordinator is the failure detector: a
 * worker that stops heartbeating for session.timeout.ms leaves the group
 * and its partitions move. The owner of partition 0 is the leader; the
 * group protocol guarantees two live members never own it at once.
 *
 * Members are identified by their worker id (advertised host:port), sent
 * as the consumer's client.id, so the leader can list them with the admin
 * API's DescribeConsumerGroups.
 */
#ifndef TRIB_WORKER_COORDINATOR_H
#define TRIB_WORKER_COORDINATOR_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "common/error.h"
#include "common/props.h"

typedef struct trib_coordinator trib_coordinator;

/* Called on the coordinator's thread after every assignment change. */
typedef void (*trib_coord_change_fn)(void *opaque);

typedef struct trib_coordinator_spec {
    const trib_props *worker_props;
    const char *group_id;
    const char *worker_id;
    int partitions;
    trib_coord_change_fn on_change;
    void *opaque;
    /* The worker's session.timeout.ms, heartbeat.interval.ms and
     * rebalance.timeout.ms with the worker's defaults applied (librdkafka's
     * own defaults differ: a 45 s session). 0: librdkafka's default. */
    int64_t session_timeout_ms, heartbeat_interval_ms, rebalance_timeout_ms;
} trib_coordinator_spec;

trib_coordinator *trib_coordinator_start(const trib_coordinator_spec *spec, trib_error *err);
/* Leaves the group at once (so the others rebalance without waiting for
 * session.timeout.ms) and frees. NULL-safe. */
void trib_coordinator_stop(trib_coordinator *c);

/* Whether this worker currently holds any slot (a worker that lost its
 * assignment, e.g. after being paused past session.timeout.ms, must stop
 * its tasks). */
bool trib_coordinator_is_member(trib_coordinator *c);
bool trib_coordinator_is_leader(trib_coordinator *c);
/* Whether local work may proceed right now: a member, and the poll thread
 * ran recently (it did not just wake from a freeze longer than the
 * session). Task loops check it before each batch. Thread-safe, cheap. */
bool trib_coordinator_lease_valid(trib_coordinator *c);
/* Increases on every assignment change seen by this worker. */
int64_t trib_coordinator_generation(trib_coordinator *c);

/* The live members' worker ids, sorted (a new JSON array), from the group
 * coordinator. Meant for the leader; one caller at a time (at most one
 * request is in flight: see describe_q in coordinator.c). */
json_t *trib_coordinator_members(trib_coordinator *c, trib_error *err);

#endif
