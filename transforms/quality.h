/*
 * quality.h: the counters of the data-quality rules (the Validate
 * transform, transforms/validate.c), kept per connector, transform alias
 * and rule, and read by GET /connectors/{c}/quality (and, later, the
 * metrics exporter).
 *
 * Writing costs no lock: each Validate instance (one per task) owns a
 * trib_quality_counters block that only its task thread writes, with
 * relaxed atomic loads and stores (a plain add on x86, no read-modify-write
 * instruction). Readers take the registry mutex and sum, per rule id, the
 * live blocks of the worker's tasks plus what blocks of stopped tasks left
 * behind (folded in when their instance is destroyed, so a task restart
 * does not reset the counts; they count since the worker started, under
 * the connector's name). Blocks are registered only for task chains, never
 * while a config is merely validated.
 */
#ifndef TRIB_TRANSFORMS_QUALITY_H
#define TRIB_TRANSFORMS_QUALITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

/* What a rule is, for readers (strings are copied by the registry). */
typedef struct trib_quality_rule_info {
    const char *rule_id, *name, *rule_type, *column, *severity;
} trib_quality_rule_info;

/* What became of the records a Validate instance saw. */
typedef enum trib_quality_outcome {
    TRIB_QUALITY_PASSED,   /* no rule failed */
    TRIB_QUALITY_WARNED,   /* only warning rules failed: passed with headers */
    TRIB_QUALITY_DROPPED,  /* an error rule failed, on.failure=drop */
    TRIB_QUALITY_DLQ,      /* an error rule failed, on.failure=dlq */
    TRIB_QUALITY_FAILED,   /* an error rule failed, on.failure=fail */
    TRIB_QUALITY_OUTCOMES
} trib_quality_outcome;

typedef struct trib_quality_counters trib_quality_counters;

/* A block for nrules rules (info copied), not yet visible to readers. */
trib_quality_counters *trib_quality_counters_new(size_t nrules, const trib_quality_rule_info *rules);
/* Makes the block readable under (connector, alias). Once per block. */
void trib_quality_counters_attach(trib_quality_counters *c, const char *connector, const char *alias);
/* Unregisters the block, folding its counts into the connector's totals
 * when it was attached. NULL-safe. */
void trib_quality_counters_destroy(trib_quality_counters *c);

/* Task thread only (the block's single writer). */
void trib_quality_count_rule(trib_quality_counters *c, size_t rule, bool passed);
void trib_quality_count_outcome(trib_quality_counters *c, trib_quality_outcome o);

/* ---- reading -------------------------------------------------------------- */

typedef struct trib_quality_rule_row {
    const char *rule_id, *name, *rule_type, *column, *severity;
    uint64_t passed, failed;
} trib_quality_rule_row;

typedef struct trib_quality_transform_row {
    const char *connector, *alias;
    uint64_t outcomes[TRIB_QUALITY_OUTCOMES];  /* records by outcome */
    const trib_quality_rule_row *rules;
    size_t nrules;
} trib_quality_transform_row;

/* Calls fn once per (connector, alias) with the sums over this worker's
 * instances, under the registry lock: fn must not call the registry and
 * must copy what it keeps. connector NULL visits every connector. Returns
 * the number of rows visited. */
typedef void (*trib_quality_visit_fn)(const trib_quality_transform_row *row, void *opaque);
size_t trib_quality_visit(const char *connector, trib_quality_visit_fn fn, void *opaque);

/* {"transforms":[{"alias","records":{...},"rules":[{...,"passed","failed"}]}]}
 * for one connector (an empty list when it has no Validate counters).
 * Caller owns the reference. */
json_t *trib_quality_connector_json(const char *connector);
/* Lower-case outcome name ("passed", "warned", "dropped", "dlq", "failed"). */
const char *trib_quality_outcome_name(trib_quality_outcome o);

#endif
