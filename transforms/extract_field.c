/*
 * extract_field.c: ExtractField$Key / ExtractField$Value. Replaces the key
 * or value with one of its fields: from a struct (the new schema is that
 * field's schema; an unknown field is "Unknown field: x") or from a
 * schemaless map (a missing field gives null). "field.syntax.version" V2
 * allows nested paths (a.b.c, `dotted.name`.c). Null passes through.
 * The extracted value is moved out of the old tree, not copied.
 */
#include "transforms/field_path.h"
#include "transforms/plugins.h"
#include "transforms/smt.h"

#include "common/util.h"

#include <stdlib.h>
#include <string.h>

#define PURPOSE "field extraction"

static const char *const syntax_versions[] = {"V1", "V2", NULL};

static const trib_config_def extract_field_config[] = {
    {.name = "field", .type = TRIB_CFG_STRING, .importance = TRIB_IMP_MEDIUM, .doc = "Field name to extract."},
    {.name = "replace.null.with.default", .type = TRIB_CFG_BOOLEAN, .default_value = "true",
     .importance = TRIB_IMP_MEDIUM,
     .doc = "Whether to replace fields that have a default value and that are null to the default value. When set to "
            "true, the default value is used, otherwise null is used."},
    {.name = "field.syntax.version", .type = TRIB_CFG_STRING, .default_value = "V1", .importance = TRIB_IMP_HIGH,
     .one_of = syntax_versions,
     .doc = "Defines the version of the syntax to access fields. If set to `V1`, then the field paths are limited to "
            "access the elements at the root level of the struct or map. If set to `V2`, the syntax will support "
            "accessing nested elements. To access nested elements, dotted notation is used. If dots are already "
            "included in the field name, then backtick pairs can be used to wrap field names containing dots. E.g. to "
            "access the subfield `baz` from a field named \"foo.bar\" in a struct/map the following format can be used "
            "to access its elements: \"`foo.bar`.baz\"."},
    TRIB_CONFIG_END,
};

typedef struct extract_field {
    smt_target target;
    char *original;
    trib_field_path path;
    bool replace_null_with_default;
} extract_field;

static void extract_field_destroy(void *vctx) {
    extract_field *c = vctx;
    if (!c) return;
    free(c->original);
    trib_field_path_free(&c->path);
    free(c);
}

static int extract_field_create(smt_target target, const trib_props *props, void **out, trib_error *err) {
    trib_config *cfg = trib_config_bind(extract_field_config, props, "", err);
    if (!cfg) return -1;
    extract_field *c = trib_xcalloc(1, sizeof *c);
    c->target = target;
    c->original = trib_xstrdup(trib_config_string(cfg, "field"));
    c->replace_null_with_default = trib_config_bool(cfg, "replace.null.with.default");
    int rc = trib_field_path_parse(c->original, trib_config_string(cfg, "field.syntax.version"), &c->path, err);
    trib_config_destroy(cfg);
    if (rc < 0) {
        extract_field_destroy(c);
        return -1;
    }
    *out = c;
    return 0;
}

static int create_key(const trib_props *p, void **ctx, trib_error *err) { return extract_field_create(SMT_KEY, p, ctx, err); }
static int create_value(const trib_props *p, void **ctx, trib_error *err) { return extract_field_create(SMT_VALUE, p, ctx, err); }

/* The value at the path, moved out of the tree when it sits in a slot,
 * cloned when it is a schema default. */
static trib_value *take(const trib_value *v, trib_value **slot) {
    if (!v) return NULL;
    if (slot) {
        *slot = NULL;
        return (trib_value *)v;
    }
    return trib_value_clone(v);
}

static int extract_field_apply(void *vctx, trib_record **recp, trib_error *err) {
    extract_field *c = vctx;
    trib_record *r = *recp;
    trib_value *value = smt_value(r, c->target);
    trib_schema *schema = smt_schema(r, c->target);
    const trib_value *v = NULL;
    trib_value **slot = NULL;

    if (!schema) {
        if (value && smt_require_map(value, PURPOSE, err) < 0) return -1;
        if (value && trib_field_path_map_value(&c->path, value, &v, &slot, err) < 0) return -1;
        smt_replace(r, c->target, NULL, take(v, slot));
        return 0;
    }
    if (value && smt_require_struct(value, PURPOSE, err) < 0) return -1;
    const trib_field *f = trib_field_path_field(&c->path, schema);
    if (!f) return trib_error_set(err, TRIB_ERR_INVALID, "Unknown field: %s", c->original);
    if (value && trib_field_path_struct_value(&c->path, value, c->replace_null_with_default, &v, &slot, err) < 0)
        return -1;
    smt_replace(r, c->target, trib_schema_ref(f->schema), take(v, slot));
    return 0;
}

#define OVERVIEW                                                                                                 \
    "Extract the specified field from a Struct when schema present, or a Map in the case of schemaless data. Any " \
    "null values are passed through unmodified."

const trib_transform_plugin trib_smt_extract_field_key = {
    .class_name = "org.apache.kafka.connect.transforms.ExtractField$Key",
    .alias = "ExtractField$Key",
    .doc = OVERVIEW,
    .config = extract_field_config,
    .create = create_key,
    .apply = extract_field_apply,
    .destroy = extract_field_destroy,
};

const trib_transform_plugin trib_smt_extract_field_value = {
    .class_name = "org.apache.kafka.connect.transforms.ExtractField$Value",
    .alias = "ExtractField$Value",
    .doc = OVERVIEW,
    .config = extract_field_config,
    .create = create_value,
    .apply = extract_field_apply,
    .destroy = extract_field_destroy,
};
