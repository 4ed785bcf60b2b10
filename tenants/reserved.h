/*
 * reserved.h: names tenants may never reach: Kafka's and the worker's
 * internal topics and groups.
 *
 * A tenant whose topic prefix covered the worker's config topic could read
 * every tenant's config records (key HMACs included) and, with a
 * transform, write forged ones. So no tenant prefix may cover, or be
 * covered by, a reserved name, and no tenant topic may be one:
 *   - every name starting with "__" (Kafka's __consumer_offsets,
 *     __transaction_state, the worker's own __ topics) and with "connect-"
 *     (Connect's consumer groups connect-<connector>, its default topics);
 *   - Connect's default connect-configs, connect-offsets, connect-status;
 *   - the worker's config.storage.topic, offset.storage.topic,
 *     status.storage.topic, file.status.storage.topic (default
 *     <status.storage.topic>-files), its group.id and the coordination
 *     topic <group.id>-coord.
 * The worker's names come from its properties (trib_tenant_reserved_install,
 * called by the tenant layer); the rest is built in.
 */
#ifndef TRIB_TENANTS_RESERVED_H
#define TRIB_TENANTS_RESERVED_H

#include "common/error.h"
#include "common/props.h"

/* Takes the worker's internal names from its properties (copied;
 * process-wide, replacing earlier ones; NULL: built-in names only). */
void trib_tenant_reserved_install(const trib_props *worker_props);

/* 0 when prefix neither covers nor is covered by a reserved name;
 * FORBIDDEN naming the reserved name otherwise. */
int trib_tenant_reserved_check_prefix(const char *prefix, trib_error *err);

/* 0 when topic is not reserved; FORBIDDEN naming field and topic. */
int trib_tenant_reserved_check_topic(const char *field, const char *topic, trib_error *err);

#endif
