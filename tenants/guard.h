/*
 * guard.h: the runtime side of tenant isolation, called by the task loops
 * (worker/source_task.c, worker/sink_task.c). Validation (tenant.h,
 * trib_tenant_check_config) refuses configs that name another tenant's
 * topics; the guard checks again what the task actually does, after
 * transforms, because a transform, a connector's task_configs or a regex
 * subscription can produce names no config check sees. It also applies the
 * tenant's rate quotas with token buckets shared by all the tenant's tasks
 * on this worker, and counts what passed and how long tasks were held, for
 * status and metrics.
 *
 * A task opens one guard at start from its full connector name. Connectors
 * without '/' in their name are not tenants' (admin or single-tenant use):
 * trib_tenant_guard_open returns NULL without error and every hook accepts
 * a NULL guard as "no restriction". A tenant connector whose tenant does not
 * exist (deleted, or no registry on this worker) gets an error: fail closed.
 *
 * Where the loops call the hooks (docs/tenants.md, "Runtime hooks"):
 *  - source: check_topic on rec->topic after the transform chain, before
 *    conversion and produce; throttle(IN, 1, key+value bytes) after
 *    conversion, before rd_kafka_producev;
 *  - sink: check_topic on each topic of an assignment (rebalance callback)
 *    and on each record's topic after the transform chain (sinks use the
 *    topic to pick tables/files); throttle(OUT, n, bytes) after each
 *    consumer poll batch, before put(); cap the batch with batch_limit so
 *    one wait stays near a second (below max.poll.interval.ms);
 *  - both: check_topic on the DLQ topic when the DLQ is set up.
 * A check_topic failure is a fatal, non-tolerable error: the task fails
 * with the guard's message.
 */
#ifndef TRIB_TENANTS_GUARD_H
#define TRIB_TENANTS_GUARD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "common/error.h"
#include "tenants/tenant.h"

typedef enum trib_tenant_dir {
    TRIB_TENANT_IN,    /* into Kafka: source tasks */
    TRIB_TENANT_OUT,   /* out of Kafka: sink tasks */
} trib_tenant_dir;

typedef struct trib_tenant_guard trib_tenant_guard;

/* Makes reg the registry trib_tenant_guard_open uses (process-wide; NULL
 * removes it). The tenant layer installs its registry at start. */
void trib_tenant_runtime_install(trib_tenants *reg);

/* The installed registry (borrowed; valid while installed) or NULL. */
trib_tenants *trib_tenant_runtime_registry(void);

/* Makes root (the real path of the worker's tenant.staging.root; copied;
 * NULL removes it) the directory tenants' staging directories live in, for
 * tenants/files.h. The tenant layer installs it with its registry. */
void trib_tenant_runtime_install_staging(const char *root);

/* A copy of the installed staging root (caller frees) or NULL. */
char *trib_tenant_runtime_staging_root(void);

/* Distributed mode: this worker's share (0..1] of tenant's rate quotas, for
 * source tasks (in) and sink tasks (out), so the buckets of all workers
 * add up to the tenant's quota (the herder derives it from the placement
 * in the config log). No-op without an installed registry or tenant. */
void trib_tenant_runtime_set_share(const char *tenant, double share_in, double share_out);

/* The guard for a task of `connector` (full name) from the installed
 * registry: NULL with err->code TRIB_OK for a non-tenant connector; NULL
 * with FORBIDDEN when the tenant does not exist or no registry is
 * installed. One guard per task (its thread only); close it when the task
 * ends. */
trib_tenant_guard *trib_tenant_guard_open(const char *connector, trib_error *err);
/* Same against an explicit registry (tests). */
trib_tenant_guard *trib_tenant_guard_new(trib_tenants *reg, const char *connector, trib_error *err);
void trib_tenant_guard_close(trib_tenant_guard *g);   /* NULL-safe */

/* 0 when topic is under the tenant's prefix (or g is NULL); FORBIDDEN
 * naming the topic, the tenant and the prefix otherwise, also when the
 * tenant was deleted meanwhile. Counted in the tenant's metrics. */
int trib_tenant_guard_check_topic(trib_tenant_guard *g, const char *topic, trib_error *err);

/* Accounts records/bytes in direction dir against the tenant's quotas and
 * sleeps as long as the buckets say (in slices of at most 50 ms, watching
 * *stop, which may be NULL). Returns false if *stop became true while
 * waiting (the caller stops), true otherwise. NULL g returns true at once. */
bool trib_tenant_guard_throttle(trib_tenant_guard *g, trib_tenant_dir dir, uint64_t records,
                                uint64_t bytes, const atomic_bool *stop);

/* throttle() for callers that refuse rather than wait (HTTP ingest answers
 * 429 with Retry-After): 0 when the records/bytes fit the tenant's quotas
 * now (they are then accounted and taken), else the microseconds after
 * which they would, and nothing is taken. NULL g returns 0. */
int64_t trib_tenant_guard_admit(trib_tenant_guard *g, trib_tenant_dir dir, uint64_t records, uint64_t bytes);

/* Largest batch (records) worth one throttle call in direction dir: about
 * a second of the tenant's record rate, at least 1; INT32_MAX without a
 * record quota or with a NULL guard. */
int32_t trib_tenant_guard_batch_limit(trib_tenant_guard *g, trib_tenant_dir dir);

/* The guard's tenant topic prefix (borrowed) or NULL for a NULL guard. */
const char *trib_tenant_guard_prefix(const trib_tenant_guard *g);

/* The guard's tenant name (borrowed) or NULL for a NULL guard. */
const char *trib_tenant_guard_tenant(const trib_tenant_guard *g);

/* Usage of a tenant on this worker, for status and metrics:
 * {"records_in","bytes_in","records_out","bytes_out" (totals),
 *  "throttled_ms_in","throttled_ms_out","topic_violations","guards"}.
 * NULL (NOT_FOUND) for an unknown tenant. */
json_t *trib_tenants_usage_json(trib_tenants *reg, const char *tenant, trib_error *err);

/* Process-wide count of throttle() calls with a non-NULL guard: lets tests
 * tell whether the task loops call the hooks at all. */
uint64_t trib_tenant_guard_throttle_calls(void);

#endif
