/*
 * registry.c: the built-in transforms and predicates, looked up by full
 * Connect class name or by alias (the class name without its package, as
 * Connect's plugin aliases work: "InsertField$Value", "TopicNameMatches").
 */
#include "transforms/plugins.h"

#include <string.h>

static const trib_transform_plugin *const transforms[] = {
    &trib_smt_cast_key,
    &trib_smt_cast_value,
    &trib_smt_drop_headers,
    &trib_smt_extract_field_key,
    &trib_smt_extract_field_value,
    &trib_smt_filter,
    &trib_smt_flatten_key,
    &trib_smt_flatten_value,
    &trib_smt_header_from_key,
    &trib_smt_header_from_value,
    &trib_smt_hoist_field_key,
    &trib_smt_hoist_field_value,
    &trib_smt_insert_field_key,
    &trib_smt_insert_field_value,
    &trib_smt_insert_header,
    &trib_smt_mask_field_key,
    &trib_smt_mask_field_value,
    &trib_smt_regex_router,
    &trib_smt_replace_field_key,
    &trib_smt_replace_field_value,
    &trib_smt_set_schema_metadata_key,
    &trib_smt_set_schema_metadata_value,
    &trib_smt_timestamp_converter_key,
    &trib_smt_timestamp_converter_value,
    &trib_smt_timestamp_router,
    &trib_smt_validate,
    &trib_smt_validate_key,
    &trib_smt_validate_value,
    &trib_smt_value_to_key,
    NULL,
};

static const trib_predicate_plugin *const predicates[] = {
    &trib_pred_has_header_key,
    &trib_pred_record_is_tombstone,
    &trib_pred_topic_name_matches,
    NULL,
};

const trib_transform_plugin *trib_transform_find(const char *name) {
    if (!name) return NULL;
    for (size_t i = 0; transforms[i]; i++)
        if (strcmp(transforms[i]->class_name, name) == 0 || strcmp(transforms[i]->alias, name) == 0)
            return transforms[i];
    return NULL;
}

const trib_predicate_plugin *trib_predicate_find(const char *name) {
    if (!name) return NULL;
    for (size_t i = 0; predicates[i]; i++)
        if (strcmp(predicates[i]->class_name, name) == 0 || strcmp(predicates[i]->alias, name) == 0)
            return predicates[i];
    return NULL;
}

const trib_transform_plugin *const *trib_transforms_all(void) {
    return transforms;
}

const trib_predicate_plugin *const *trib_predicates_all(void) {
    return predicates;
}
