/*
 * filter.c: Filter. Drops every record it sees; meant to be used with a
 * predicate (transforms.<name>.predicate, optionally negated) so only the
 * matching records are dropped.
 */
#include "transforms/plugins.h"

#include <stdlib.h>

static const trib_config_def filter_config[] = {TRIB_CONFIG_END};

/* A distinct non-NULL context, so callers never see a NULL ctx. */
static int filter_marker;

static int filter_create(const trib_props *props, void **out, trib_error *err) {
    trib_config *cfg = trib_config_bind(filter_config, props, "", err);
    if (!cfg) return -1;
    trib_config_destroy(cfg);
    *out = &filter_marker;
    return 0;
}

static int filter_apply(void *ctx, trib_record **rec, trib_error *err) {
    (void)ctx;
    (void)err;
    trib_record_destroy(*rec);
    *rec = NULL;
    return 0;
}

static void filter_destroy(void *ctx) {
    (void)ctx;
}

const trib_transform_plugin trib_smt_filter = {
    .class_name = "org.apache.kafka.connect.transforms.Filter",
    .alias = "Filter",
    .doc = "Drops all records, filtering them from subsequent transformations in the chain. This is intended to be "
           "used conditionally to filter out records matching (or not matching) a particular Predicate.",
    .config = filter_config,
    .create = filter_create,
    .apply = filter_apply,
    .destroy = filter_destroy,
};
