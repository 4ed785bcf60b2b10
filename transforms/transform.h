/*
 * transform.h: single message transforms (SMTs) and predicates, Kafka
 * Connect's Transformation and Predicate plugin kinds, plus the chain a
 * connector config declares:
 *
 *   transforms=route,mask
 *   transforms.route.type=org.apache.kafka.connect.transforms.RegexRouter
 *   transforms.route.regex=(.*)  transforms.route.replacement=copy-$1
 *   transforms.route.predicate=isOrders  transforms.route.negate=false
 *   predicates=isOrders
 *   predicates.isOrders.type=org.apache.kafka.connect.transforms.predicates.TopicNameMatches
 *   predicates.isOrders.pattern=orders.*
 *
 * An instance is used by one task thread only.
 */
#ifndef TRIB_TRANSFORMS_TRANSFORM_H
#define TRIB_TRANSFORMS_TRANSFORM_H

#include <stdbool.h>

#include "common/error.h"
#include "common/props.h"
#include "config/config.h"
#include "proto/data.h"

typedef struct trib_transform_plugin {
    const char *class_name;  /* "org.apache.kafka.connect.transforms.InsertField$Value" */
    const char *alias;       /* "InsertField$Value" */
    const char *doc;
    const trib_config_def *config;
    /* config holds the transform's own keys (prefix "transforms.<name>." stripped). */
    int (*create)(const trib_props *config, void **ctx, trib_error *err);
    /* Transforms *rec in place or replaces it (destroying the old record).
     * Setting *rec = NULL (after destroying it) drops the record (Filter).
     * A record the transform cannot handle is an INVALID error: the runtime
     * applies errors.tolerance (DLQ or fail). */
    int (*apply)(void *ctx, trib_record **rec, trib_error *err);
    void (*destroy)(void *ctx);
} trib_transform_plugin;

typedef struct trib_predicate_plugin {
    const char *class_name;  /* "org.apache.kafka.connect.transforms.predicates.HasHeaderKey" */
    const char *alias;       /* "HasHeaderKey" */
    const char *doc;
    const trib_config_def *config;
    int (*create)(const trib_props *config, void **ctx, trib_error *err);
    int (*test)(void *ctx, const trib_record *rec, bool *result, trib_error *err);
    void (*destroy)(void *ctx);
} trib_predicate_plugin;

const trib_transform_plugin *trib_transform_find(const char *name);   /* class or alias */
const trib_predicate_plugin *trib_predicate_find(const char *name);
const trib_transform_plugin *const *trib_transforms_all(void);          /* NULL-terminated */
const trib_predicate_plugin *const *trib_predicates_all(void);

/* The chain a connector config declares (keys "transforms", "transforms.*",
 * "predicates", "predicates.*"). */
typedef struct trib_transform_chain trib_transform_chain;

/* Builds every transform and predicate; NULL with err naming the offending
 * key on any error. An empty "transforms" gives an empty chain. */
trib_transform_chain *trib_transform_chain_new(const trib_props *connector_config, trib_error *err);
void trib_transform_chain_destroy(trib_transform_chain *c);  /* NULL-safe */
/* Runs each transform in order (skipping those whose predicate, after
 * negate, is false). *rec may become NULL (dropped). On error *rec still
 * holds the record as it was when the failing transform got it, or NULL. */
int trib_transform_chain_apply(trib_transform_chain *c, trib_record **rec, trib_error *err);
size_t trib_transform_chain_len(const trib_transform_chain *c);

/* Validation for PUT .../config/validate: adds transforms.<n>.type,
 * predicate/negate rows and each plugin's own rows to the report, with
 * errors for unknown classes and undefined predicates. */
void trib_transform_chain_validate(const trib_props *connector_config, trib_config_report *report);

#endif
