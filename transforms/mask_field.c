/*
 * mask_field.c: MaskField$Key / MaskField$Value. Replaces the listed
 * fields with the "null value" of their type (0, 0.0, false, "", empty
 * array/map, epoch for Date/Time/Timestamp, 0 for Decimal) or, for numeric
 * and string fields, with the configured "replacement" converted to the
 * field's type. Bytes and structs cannot be masked (an INVALID error, as
 * in Connect). The schema never changes.
 *
 * Deviation: Connect fails on a null key/value (requireMap(null)); here a
 * null key/value passes through, as every other SMT does.
 */
#include "transforms/plugins.h"
#include "transforms/smt.h"

#include "common/util.h"

#include <stdlib.h>
#include <string.h>

#define PURPOSE "mask fields"

static const trib_config_def mask_field_config[] = {
    {.name = "fields", .type = TRIB_CFG_LIST, .importance = TRIB_IMP_HIGH, .doc = "Names of fields to mask.",
     .validate = smt_validate_nonempty_list},
    {.name = "replacement", .type = TRIB_CFG_STRING, .optional = true, .non_empty = true,
     .importance = TRIB_IMP_LOW,
     .doc = "Custom value replacement, that will be applied to all 'fields' values (numeric or non-empty string "
            "values only)."},
    {.name = "replace.null.with.default", .type = TRIB_CFG_BOOLEAN, .default_value = "true",
     .importance = TRIB_IMP_MEDIUM,
     .doc = "Whether to replace fields that have a default value and that are null to the default value. When set to "
            "true, the default value is used, otherwise null is used."},
    TRIB_CONFIG_END,
};

typedef struct mask_field {
    smt_target target;
    char **fields;
    size_t nfields;
    char *replacement;
    bool replace_null_with_default;
} mask_field;

static void mask_field_destroy(void *vctx) {
    mask_field *c = vctx;
    if (!c) return;
    trib_strv_free(c->fields);
    free(c->replacement);
    free(c);
}

static int mask_field_create(smt_target target, const trib_props *props, void **out, trib_error *err) {
    trib_config *cfg = trib_config_bind(mask_field_config, props, "", err);
    if (!cfg) return -1;
    mask_field *c = trib_xcalloc(1, sizeof *c);
    c->target = target;
    char *const *f = trib_config_list(cfg, "fields");
    c->nfields = trib_config_list_len(cfg, "fields");
    c->fields = trib_xcalloc(c->nfields + 1, sizeof(char *));
    for (size_t i = 0; i < c->nfields; i++) c->fields[i] = trib_xstrdup(f[i]);
    c->replacement = trib_xstrdup(trib_config_string(cfg, "replacement"));
    c->replace_null_with_default = trib_config_bool(cfg, "replace.null.with.default");
    trib_config_destroy(cfg);
    *out = c;
    return 0;
}

static int create_key(const trib_props *p, void **ctx, trib_error *err) { return mask_field_create(SMT_KEY, p, ctx, err); }
static int create_value(const trib_props *p, void **ctx, trib_error *err) { return mask_field_create(SMT_VALUE, p, ctx, err); }

static bool masked_name(const mask_field *c, const char *name) {
    for (size_t i = 0; i < c->nfields; i++)
        if (strcmp(c->fields[i], name) == 0) return true;
    return false;
}

static bool is_date_like(const trib_schema *s) {
    return s && (trib_schema_is_logical(s, TRIB_LOGICAL_DATE) || trib_schema_is_logical(s, TRIB_LOGICAL_TIME) ||
                 trib_schema_is_logical(s, TRIB_LOGICAL_TIMESTAMP));
}

static int mask_with_null_value(const trib_schema *schema, const trib_value *v, trib_value **out, trib_error *err) {
    if (is_date_like(schema)) {
        *out = trib_value_int(v->type, 0);
        return 0;
    }
    if (schema && trib_schema_is_logical(schema, TRIB_LOGICAL_DECIMAL)) {
        static const unsigned char zero = 0;
        *out = trib_value_bytes(&zero, 1);
        return 0;
    }
    switch (v->type) {
    case TRIB_INT8: case TRIB_INT16: case TRIB_INT32: case TRIB_INT64:
        *out = trib_value_int(v->type, 0);
        return 0;
    case TRIB_FLOAT32: case TRIB_FLOAT64:
        *out = trib_value_float(v->type, 0.0);
        return 0;
    case TRIB_BOOLEAN: *out = trib_value_bool(false); return 0;
    case TRIB_STRING: *out = trib_value_string(""); return 0;
    case TRIB_ARRAY: *out = trib_value_array_new(); return 0;
    case TRIB_MAP: *out = trib_value_map_new(); return 0;
    default:
        return trib_error_set(err, TRIB_ERR_INVALID, "Cannot mask value of type: class %s", smt_java_class(schema, v));
    }
}

static int mask_with_replacement(const mask_field *c, const trib_schema *schema, const trib_value *v,
                                 trib_value **out, trib_error *err) {
    const char *rep = c->replacement;
    if (schema && trib_schema_is_logical(schema, TRIB_LOGICAL_DECIMAL)) {
        double ignored;
        if (smt_parse_bigdecimal(rep, &ignored) < 0)
            return trib_error_set(err, TRIB_ERR_INVALID, "Unable to convert %s (class java.lang.String) to number", rep);
        return trib_decimal_from_string(rep, trib_schema_decimal_scale(schema), out, err);
    }
    if (!is_date_like(schema)) {
        int64_t l;
        double d;
        switch (v->type) {
        case TRIB_INT8: case TRIB_INT16: case TRIB_INT32: case TRIB_INT64:
            if (smt_bigdecimal_long(rep, &l) < 0) break;
            /* Values.convertToByte etc.: (byte) longValue, Java narrowing. */
            if (v->type == TRIB_INT8) l = (int8_t)(uint8_t)((uint64_t)l & 0xff);
            else if (v->type == TRIB_INT16) l = (int16_t)(uint16_t)((uint64_t)l & 0xffff);
            else if (v->type == TRIB_INT32) l = (int32_t)(uint32_t)((uint64_t)l & 0xffffffffu);
            *out = trib_value_int(v->type, l);
            return 0;
        case TRIB_FLOAT32: case TRIB_FLOAT64:
            if (smt_parse_bigdecimal(rep, &d) < 0) break;
            *out = trib_value_float(v->type, v->type == TRIB_FLOAT32 ? (double)(float)d : d);
            return 0;
        case TRIB_STRING:
            *out = trib_value_string(rep);
            return 0;
        default:
            return trib_error_set(err, TRIB_ERR_INVALID, "Cannot mask value of type class %s with custom replacement.",
                                  smt_java_class(schema, v));
        }
        return trib_error_set(err, TRIB_ERR_INVALID, "Unable to convert %s (class java.lang.String) to a number", rep);
    }
    return trib_error_set(err, TRIB_ERR_INVALID, "Cannot mask value of type class %s with custom replacement.",
                          smt_java_class(schema, v));
}

static int masked(const mask_field *c, const trib_schema *schema, const trib_value *v, trib_value **out,
                  trib_error *err) {
    *out = NULL;
    if (!v) return 0;
    return c->replacement ? mask_with_replacement(c, schema, v, out, err) : mask_with_null_value(schema, v, out, err);
}

static int mask_field_apply(void *vctx, trib_record **recp, trib_error *err) {
    mask_field *c = vctx;
    trib_record *r = *recp;
    trib_value *value = smt_value(r, c->target);
    trib_schema *schema = smt_schema(r, c->target);
    if (!value) return 0;

    if (!schema) {
        if (smt_require_map(value, PURPOSE, err) < 0) return -1;
    } else if (smt_require_struct(value, PURPOSE, err) < 0) {
        return -1;
    }
    /* Compute every masked value first so a failure leaves the record as it
     * was: repl[i] is indexed by config field (schemaless) or struct field. */
    size_t nrepl = schema ? value->u.st.schema->nfields : c->nfields;
    trib_value **repl = trib_xcalloc(nrepl + 1, sizeof(trib_value *));
    if (!schema) {
        for (size_t i = 0; i < c->nfields; i++) {
            long k = smt_map_find(value, c->fields[i]);
            if (masked(c, NULL, k >= 0 ? value->u.map.vals[k] : NULL, &repl[i], err) < 0) goto fail;
        }
        /* HashMap.put of each masked field: a missing field appears as null, as in Connect. */
        for (size_t i = 0; i < c->nfields; i++) smt_map_put(value, c->fields[i], repl[i]);
        free(repl);
        return 0;
    }

    const trib_schema *st = value->u.st.schema;
    for (size_t i = 0; i < st->nfields; i++) {
        if (!masked_name(c, st->fields[i].name)) continue;
        const trib_value *orig = smt_struct_get(value, i, c->replace_null_with_default);
        if (masked(c, st->fields[i].schema, orig, &repl[i], err) < 0) goto fail;
    }
    for (size_t i = 0; i < st->nfields; i++) {
        if (masked_name(c, st->fields[i].name)) {
            trib_value_destroy(value->u.st.fields[i]);
            value->u.st.fields[i] = repl[i];
        } else if (!value->u.st.fields[i] && c->replace_null_with_default) {
            value->u.st.fields[i] = trib_value_clone(st->fields[i].schema->default_value);
        }
    }
    free(repl);
    return 0;
fail:
    for (size_t i = 0; i < nrepl; i++) trib_value_destroy(repl[i]);
    free(repl);
    return -1;
}

#define OVERVIEW                                                                                                     \
    "Mask specified fields with a valid null value for the field type (i.e. 0, false, empty string, and so on). For " \
    "numeric and string fields, an optional replacement value can be specified that is converted to the correct type."

const trib_transform_plugin trib_smt_mask_field_key = {
    .class_name = "org.apache.kafka.connect.transforms.MaskField$Key",
    .alias = "MaskField$Key",
    .doc = OVERVIEW,
    .config = mask_field_config,
    .create = create_key,
    .apply = mask_field_apply,
    .destroy = mask_field_destroy,
};

const trib_transform_plugin trib_smt_mask_field_value = {
    .class_name = "org.apache.kafka.connect.transforms.MaskField$Value",
    .alias = "MaskField$Value",
    .doc = OVERVIEW,
    .config = mask_field_config,
    .create = create_value,
    .apply = mask_field_apply,
    .destroy = mask_field_destroy,
};
