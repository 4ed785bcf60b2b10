/*
 * value_to_key.c: ValueToKey. Replaces the record key with a struct (key
 * schema cached per value schema) or map made of the listed value fields.
 * As in Connect, a null value is an error (there is nothing to build the
 * key from), and a listed field missing from the value schema is
 * "Field does not exist: x"; schemaless values just yield null for it.
 */
#include "transforms/plugins.h"
#include "transforms/smt.h"

#include "common/util.h"

#include <stdlib.h>
#include <string.h>

#define PURPOSE "copying fields from value to key"

static const trib_config_def value_to_key_config[] = {
    {.name = "fields", .type = TRIB_CFG_LIST, .importance = TRIB_IMP_HIGH,
     .doc = "Field names on the record value to extract as the record key.", .validate = smt_validate_nonempty_list},
    {.name = "replace.null.with.default", .type = TRIB_CFG_BOOLEAN, .default_value = "true",
     .importance = TRIB_IMP_MEDIUM,
     .doc = "Whether to replace fields that have a default value and that are null to the default value. When set to "
            "true, the default value is used, otherwise null is used."},
    TRIB_CONFIG_END,
};

typedef struct value_to_key {
    char **fields;
    size_t n;
    bool replace_null_with_default;
    smt_schema_cache cache;
} value_to_key;

static void value_to_key_destroy(void *vctx) {
    value_to_key *c = vctx;
    if (!c) return;
    trib_strv_free(c->fields);
    smt_cache_clear(&c->cache);
    free(c);
}

static int value_to_key_create(const trib_props *props, void **out, trib_error *err) {
    trib_config *cfg = trib_config_bind(value_to_key_config, props, "", err);
    if (!cfg) return -1;
    value_to_key *c = trib_xcalloc(1, sizeof *c);
    char *const *f = trib_config_list(cfg, "fields");
    c->n = trib_config_list_len(cfg, "fields");
    c->fields = trib_xcalloc(c->n + 1, sizeof(char *));
    for (size_t i = 0; i < c->n; i++) c->fields[i] = trib_xstrdup(f[i]);
    c->replace_null_with_default = trib_config_bool(cfg, "replace.null.with.default");
    trib_config_destroy(cfg);
    *out = c;
    return 0;
}

static int value_to_key_apply(void *vctx, trib_record **recp, trib_error *err) {
    value_to_key *c = vctx;
    trib_record *r = *recp;
    if (!r->value_schema) {
        if (smt_require_map(r->value, PURPOSE, err) < 0) return -1;
        trib_value *key = trib_value_map_new();
        for (size_t i = 0; i < c->n; i++) {
            long k = smt_map_find(r->value, c->fields[i]);
            smt_map_put(key, c->fields[i], k >= 0 ? trib_value_clone(r->value->u.map.vals[k]) : NULL);
        }
        trib_record_set_key_take(r, NULL, key);
        return 0;
    }
    if (smt_require_struct(r->value, PURPOSE, err) < 0) return -1;
    const trib_schema *vs = r->value->u.st.schema;
    trib_schema *ks = smt_cache_get(&c->cache, vs);
    if (!ks) {
        trib_schema *b = trib_schema_struct_new(NULL);
        for (size_t i = 0; i < c->n; i++) {
            const trib_field *f = trib_schema_field(vs, c->fields[i]);
            if (!f) {
                trib_schema_unref(b);
                return trib_error_set(err, TRIB_ERR_INVALID, "Field does not exist: %s", c->fields[i]);
            }
            if (trib_schema_field(b, c->fields[i])) {
                trib_schema_unref(b);
                return trib_error_set(err, TRIB_ERR_INVALID, "Cannot create field because of field name duplication %s",
                                      c->fields[i]);
            }
            trib_schema_add_field_take(b, c->fields[i], trib_schema_ref(f->schema));
        }
        ks = smt_cache_put(&c->cache, (trib_schema *)vs, b);
    }
    trib_value *key = trib_value_struct_new(ks);
    for (size_t i = 0; i < c->n; i++) {
        const trib_field *f = trib_schema_field(vs, c->fields[i]);
        key->u.st.fields[i] = trib_value_clone(smt_struct_get(r->value, (size_t)f->index, c->replace_null_with_default));
    }
    trib_record_set_key_take(r, trib_schema_ref(ks), key);
    return 0;
}

const trib_transform_plugin trib_smt_value_to_key = {
    .class_name = "org.apache.kafka.connect.transforms.ValueToKey",
    .alias = "ValueToKey",
    .doc = "Replace the record key with a new key formed from a subset of fields in the record value.",
    .config = value_to_key_config,
    .create = value_to_key_create,
    .apply = value_to_key_apply,
    .destroy = value_to_key_destroy,
};
