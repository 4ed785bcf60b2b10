/*
 * bytearray_converter.c: org.apache.kafka.connect.converters.ByteArrayConverter.
 * Passes BYTES through untouched in both directions; anything else is
 * refused with Connect's messages. Reading always gives an optional BYTES
 * schema, shared by every record of the instance.
 */
#include <stdlib.h>

#include "common/util.h"
#include "proto/converter.h"

static const char *const java_class[] = {
    [TRIB_INT8] = "java.lang.Byte",       [TRIB_INT16] = "java.lang.Short",
    [TRIB_INT32] = "java.lang.Integer",   [TRIB_INT64] = "java.lang.Long",
    [TRIB_FLOAT32] = "java.lang.Float",   [TRIB_FLOAT64] = "java.lang.Double",
    [TRIB_BOOLEAN] = "java.lang.Boolean", [TRIB_STRING] = "java.lang.String",
    [TRIB_BYTES] = "[B",                  [TRIB_ARRAY] = "java.util.ArrayList",
    [TRIB_MAP] = "java.util.HashMap",     [TRIB_STRUCT] = "org.apache.kafka.connect.data.Struct",
};

static const char *const type_upper[] = {
    [TRIB_INT8] = "INT8",       [TRIB_INT16] = "INT16",     [TRIB_INT32] = "INT32",
    [TRIB_INT64] = "INT64",     [TRIB_FLOAT32] = "FLOAT32", [TRIB_FLOAT64] = "FLOAT64",
    [TRIB_BOOLEAN] = "BOOLEAN", [TRIB_STRING] = "STRING",   [TRIB_BYTES] = "BYTES",
    [TRIB_ARRAY] = "ARRAY",     [TRIB_MAP] = "MAP",         [TRIB_STRUCT] = "STRUCT",
};

static bool type_ok(trib_type t) { return (int)t >= TRIB_INT8 && t <= TRIB_STRUCT; }

static const trib_config_def bytearray_config[] = {TRIB_CONFIG_END};

static int ba_create(const trib_props *config, bool is_key, void **ctx, trib_error *err) {
    (void)config;
    (void)is_key;
    (void)err;
    *ctx = trib_schema_primitive(TRIB_BYTES, true);   /* Schema.OPTIONAL_BYTES_SCHEMA */
    return 0;
}

static void ba_destroy(void *ctx) { trib_schema_unref(ctx); }

static int ba_from_connect(void *ctx, const char *topic, const trib_schema *schema, const trib_value *v,
                           trib_strbuf *out, bool *out_null, trib_error *err) {
    (void)ctx;
    (void)topic;
    *out_null = false;
    if (schema && schema->type != TRIB_BYTES)
        return trib_error_set(err, TRIB_ERR_INVALID, "Invalid schema type for ByteArrayConverter: %s",
                              type_ok(schema->type) ? type_upper[schema->type] : "unknown");
    if (v && v->type != TRIB_BYTES)
        return trib_error_set(err, TRIB_ERR_INVALID, "ByteArrayConverter is not compatible with objects of type class %s",
                              type_ok(v->type) ? java_class[v->type] : "unknown");
    if (!v) {
        *out_null = true;
        return 0;
    }
    trib_strbuf_append(out, v->u.str.data, v->u.str.len);
    return 0;
}

static int ba_to_connect(void *ctx, const char *topic, const void *data, size_t len, trib_schema **schema,
                         trib_value **v, trib_error *err) {
    (void)topic;
    (void)err;
    *schema = trib_schema_ref(ctx);
    *v = data ? trib_value_bytes(data, len) : NULL;
    return 0;
}

const trib_converter_plugin trib_bytearray_converter_plugin = {
    .class_name = "org.apache.kafka.connect.converters.ByteArrayConverter",
    .alias = "ByteArrayConverter",
    .doc = "Passes raw bytes through unchanged (BYTES schema only)",
    .config = bytearray_config,
    .create = ba_create,
    .from_connect = ba_from_connect,
    .to_connect = ba_to_connect,
    .destroy = ba_destroy,
};
