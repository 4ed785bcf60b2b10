/*
 * predicates.c: Connect's three built-in predicates, used by the chain to
 * apply a transform conditionally:
 *   TopicNameMatches  the whole topic matches "pattern" (a Java regex run
 *                     through java_regex.c, refused at config time when it
 *                     uses a feature POSIX cannot express);
 *   HasHeaderKey      at least one header is named "name";
 *   RecordIsTombstone the value is null.
 */
#include "transforms/java_regex.h"
#include "transforms/plugins.h"

#include "common/util.h"

#include <stdlib.h>

/* ---- TopicNameMatches --------------------------------------------------- */

static int validate_pattern(const trib_config_def *def, const char *value, trib_error *err) {
    (void)def;
    trib_jregex *re = trib_jregex_compile(value, err);
    if (!re) return trib_error_prefix(err, "Invalid regex");
    trib_jregex_free(re);
    return 0;
}

static const trib_config_def topic_name_matches_config[] = {
    {.name = "pattern", .type = TRIB_CFG_STRING, .non_empty = true, .importance = TRIB_IMP_MEDIUM,
     .validate = validate_pattern, .doc = "A Java regular expression for matching against the name of a record's topic."},
    TRIB_CONFIG_END,
};

static int topic_name_matches_create(const trib_props *props, void **out, trib_error *err) {
    trib_config *cfg = trib_config_bind(topic_name_matches_config, props, "", err);
    if (!cfg) return -1;
    const char *pattern = trib_config_string(cfg, "pattern");
    trib_jregex *re = trib_jregex_compile(pattern, err);
    if (!re)
        trib_error_prefix(err, "Invalid value %s for configuration pattern: entry must be a Java-compatible regular expression",
                          pattern);
    trib_config_destroy(cfg);
    if (!re) return -1;
    *out = re;
    return 0;
}

static int topic_name_matches_test(void *ctx, const trib_record *rec, bool *result, trib_error *err) {
    (void)err;
    *result = rec->topic != NULL && trib_jregex_matches(ctx, rec->topic);
    return 0;
}

static void topic_name_matches_destroy(void *ctx) {
    trib_jregex_free(ctx);
}

const trib_predicate_plugin trib_pred_topic_name_matches = {
    .class_name = "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
    .alias = "TopicNameMatches",
    .doc = "A predicate which is true for records with a topic name that matches the configured regular expression.",
    .config = topic_name_matches_config,
    .create = topic_name_matches_create,
    .test = topic_name_matches_test,
    .destroy = topic_name_matches_destroy,
};

/* ---- HasHeaderKey ------------------------------------------------------------ */

static const trib_config_def has_header_key_config[] = {
    {.name = "name", .type = TRIB_CFG_STRING, .non_empty = true, .importance = TRIB_IMP_MEDIUM,
     .doc = "The header name."},
    TRIB_CONFIG_END,
};

static int has_header_key_create(const trib_props *props, void **out, trib_error *err) {
    trib_config *cfg = trib_config_bind(has_header_key_config, props, "", err);
    if (!cfg) return -1;
    *out = trib_xstrdup(trib_config_string(cfg, "name"));
    trib_config_destroy(cfg);
    return 0;
}

static int has_header_key_test(void *ctx, const trib_record *rec, bool *result, trib_error *err) {
    (void)err;
    *result = trib_record_header(rec, ctx) != NULL;
    return 0;
}

static void has_header_key_destroy(void *ctx) {
    free(ctx);
}

const trib_predicate_plugin trib_pred_has_header_key = {
    .class_name = "org.apache.kafka.connect.transforms.predicates.HasHeaderKey",
    .alias = "HasHeaderKey",
    .doc = "A predicate which is true for records with at least one header with the configured name.",
    .config = has_header_key_config,
    .create = has_header_key_create,
    .test = has_header_key_test,
    .destroy = has_header_key_destroy,
};

/* ---- RecordIsTombstone ------------------------------------------------------------ */

static const trib_config_def record_is_tombstone_config[] = {TRIB_CONFIG_END};

static int tombstone_marker;

static int record_is_tombstone_create(const trib_props *props, void **out, trib_error *err) {
    trib_config *cfg = trib_config_bind(record_is_tombstone_config, props, "", err);
    if (!cfg) return -1;
    trib_config_destroy(cfg);
    *out = &tombstone_marker;
    return 0;
}

static int record_is_tombstone_test(void *ctx, const trib_record *rec, bool *result, trib_error *err) {
    (void)ctx;
    (void)err;
    *result = rec->value == NULL;
    return 0;
}

static void record_is_tombstone_destroy(void *ctx) {
    (void)ctx;
}

const trib_predicate_plugin trib_pred_record_is_tombstone = {
    .class_name = "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",
    .alias = "RecordIsTombstone",
    .doc = "A predicate which is true for records which are tombstones (i.e. have null value).",
    .config = record_is_tombstone_config,
    .create = record_is_tombstone_create,
    .test = record_is_tombstone_test,
    .destroy = record_is_tombstone_destroy,
};
