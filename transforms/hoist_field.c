/*
 * hoist_field.c: HoistField$Key / HoistField$Value. Wraps the key or value
 * in a single-field struct (schema {field: original schema}, cached per
 * input schema) or, schemaless, a one-entry map. The original value is
 * moved, not copied.
 */
#include "transforms/plugins.h"
#include "transforms/smt.h"

#include "common/util.h"

#include <stdlib.h>
#include <string.h>

static const trib_config_def hoist_field_config[] = {
    {.name = "field", .type = TRIB_CFG_STRING, .importance = TRIB_IMP_MEDIUM,
     .doc = "Field name for the single field that will be created in the resulting Struct or Map."},
    TRIB_CONFIG_END,
};

typedef struct hoist_field {
    smt_target target;
    char *field;
    smt_schema_cache cache;
} hoist_field;

static void hoist_field_destroy(void *vctx) {
    hoist_field *c = vctx;
    if (!c) return;
    free(c->field);
    smt_cache_clear(&c->cache);
    free(c);
}

static int hoist_field_create(smt_target target, const trib_props *props, void **out, trib_error *err) {
    trib_config *cfg = trib_config_bind(hoist_field_config, props, "", err);
    if (!cfg) return -1;
    hoist_field *c = trib_xcalloc(1, sizeof *c);
    c->target = target;
    c->field = trib_xstrdup(trib_config_string(cfg, "field"));
    trib_config_destroy(cfg);
    *out = c;
    return 0;
}

static int create_key(const trib_props *p, void **ctx, trib_error *err) { return hoist_field_create(SMT_KEY, p, ctx, err); }
static int create_value(const trib_props *p, void **ctx, trib_error *err) { return hoist_field_create(SMT_VALUE, p, ctx, err); }

static int hoist_field_apply(void *vctx, trib_record **recp, trib_error *err) {
    hoist_field *c = vctx;
    trib_record *r = *recp;
    trib_value **vp = c->target == SMT_KEY ? &r->key : &r->value;
    trib_schema *schema = smt_schema(r, c->target);

    if (!schema) {
        trib_value *m = trib_value_map_new();
        trib_value_map_put_take(m, trib_value_string(c->field), *vp);
        *vp = NULL;
        smt_replace(r, c->target, NULL, m);
        return 0;
    }
    /* Struct.put validates: a null needs an optional schema. */
    if (!*vp && !schema->optional)
        return trib_error_set(err, TRIB_ERR_INVALID,
                              "Invalid value: null used for required field: \"%s\", schema type: %s", c->field,
                              smt_type_upper(schema->type));
    trib_schema *updated = smt_cache_get(&c->cache, schema);
    if (!updated) {
        trib_schema *s = trib_schema_struct_new(NULL);
        trib_schema_add_field_take(s, c->field, trib_schema_ref(schema));
        updated = smt_cache_put(&c->cache, schema, s);
    }
    trib_value *st = trib_value_struct_new(updated);
    st->u.st.fields[0] = *vp;
    *vp = NULL;
    smt_replace(r, c->target, trib_schema_ref(updated), st);
    return 0;
}

#define OVERVIEW \
    "Wrap data using the specified field name in a Struct when schema present, or a Map in the case of schemaless data."

const trib_transform_plugin trib_smt_hoist_field_key = {
    .class_name = "org.apache.kafka.connect.transforms.HoistField$Key",
    .alias = "HoistField$Key",
    .doc = OVERVIEW,
    .config = hoist_field_config,
    .create = create_key,
    .apply = hoist_field_apply,
    .destroy = hoist_field_destroy,
};

const trib_transform_plugin trib_smt_hoist_field_value = {
    .class_name = "org.apache.kafka.connect.transforms.HoistField$Value",
    .alias = "HoistField$Value",
    .doc = OVERVIEW,
    .config = hoist_field_config,
    .create = create_value,
    .apply = hoist_field_apply,
    .destroy = hoist_field_destroy,
};
