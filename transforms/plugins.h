/*
 * plugins.h: the built-in transform and predicate plugins, each defined in
 * its own file in this folder and listed once by registry.c.
 */
#ifndef TRIB_TRANSFORMS_PLUGINS_H
#define TRIB_TRANSFORMS_PLUGINS_H

#include "transforms/transform.h"

extern const trib_transform_plugin trib_smt_insert_field_key, trib_smt_insert_field_value;
extern const trib_transform_plugin trib_smt_replace_field_key, trib_smt_replace_field_value;
extern const trib_transform_plugin trib_smt_mask_field_key, trib_smt_mask_field_value;
extern const trib_transform_plugin trib_smt_cast_key, trib_smt_cast_value;
extern const trib_transform_plugin trib_smt_value_to_key;
extern const trib_transform_plugin trib_smt_extract_field_key, trib_smt_extract_field_value;
extern const trib_transform_plugin trib_smt_hoist_field_key, trib_smt_hoist_field_value;
extern const trib_transform_plugin trib_smt_timestamp_converter_key, trib_smt_timestamp_converter_value;
extern const trib_transform_plugin trib_smt_regex_router;
extern const trib_transform_plugin trib_smt_filter;
extern const trib_transform_plugin trib_smt_validate, trib_smt_validate_key, trib_smt_validate_value;
extern const trib_transform_plugin trib_smt_drop_headers, trib_smt_insert_header;
extern const trib_transform_plugin trib_smt_timestamp_router;
extern const trib_transform_plugin trib_smt_set_schema_metadata_key, trib_smt_set_schema_metadata_value;
extern const trib_transform_plugin trib_smt_flatten_key, trib_smt_flatten_value;
extern const trib_transform_plugin trib_smt_header_from_key, trib_smt_header_from_value;

extern const trib_predicate_plugin trib_pred_topic_name_matches;
extern const trib_predicate_plugin trib_pred_has_header_key;
extern const trib_predicate_plugin trib_pred_record_is_tombstone;

#endif
