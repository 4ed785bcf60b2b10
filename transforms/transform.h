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

/* How the runtime routes a record a transform failed on. */
typedef enum trib_transform_route {
    TRIB_ROUTE_TOLERANCE,  /* errors.tolerance decides (every transform's default) */
    TRIB_ROUTE_DLQ,        /* to the dead letter queue, whatever errors.tolerance says */
    TRIB_ROUTE_FAIL,       /* the task fails, whatever errors.tolerance says */
} trib_transform_route;

typedef struct trib_transform_failure {
    trib_transform_route route;
    const trib_header *headers;  /* added to the DLQ copy; borrowed until the next apply */
    size_t nheaders;
} trib_transform_failure;

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

    /* Optional hooks (NULL in most transforms), for transforms that route
     * their own failures or keep state across records (Validate): */
    /* Once on a task's chain, never while a config is only validated: the
     * connector's name and this transform's alias (borrowed for the call). */
    void (*attach)(void *ctx, const char *connector, const char *alias);
    /* A batch of records begins (a source poll, a sink consumer batch). */
    void (*batch_begin)(void *ctx);
    /* After a failed apply: how to route the record (NULL: errors.tolerance). */
    const trib_transform_failure *(*failure)(void *ctx);
    /* True when failures may go to the DLQ whatever errors.tolerance says;
     * the chain then requires errors.deadletterqueue.topic.name. */
    bool (*needs_dlq)(void *ctx);
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
/* Tells the transforms that keep per-batch state that a batch begins. */
void trib_transform_chain_batch_begin(trib_transform_chain *c);
/* After trib_transform_chain_apply failed: the failing transform's routing
 * (borrowed until the next apply), or NULL when errors.tolerance decides. */
const trib_transform_failure *trib_transform_chain_failure(const trib_transform_chain *c);
/* Whether some transform routes failures to the DLQ on its own. */
bool trib_transform_chain_needs_dlq(const trib_transform_chain *c);

/* Validation for PUT .../config/validate: adds transforms.<n>.type,
 * predicate/negate rows and each plugin's own rows to the report, with
 * errors for unknown classes and undefined predicates. */
void trib_transform_chain_validate(const trib_props *connector_config, trib_config_report *report);

#endif
