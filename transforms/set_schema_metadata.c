/*
 * set_schema_metadata.c: SetSchemaMetadata$Key / $Value. Gives the key or
 * value schema the configured name and/or version, keeping everything else
 * (type, optionality, default, doc, parameters, fields), as Connect's
 * transform builds a new ConnectSchema. A struct value is rebuilt on the
 * new schema, its fields moved over (a null field with a default takes the
 * default unless replace.null.with.default=false, Connect's getFieldValue).
 * Schemaless data is refused: there is no schema to update.
 */
#include "transforms/plugins.h"
#include "transforms/smt.h"

#include "common/util.h"

#include <stdlib.h>

static const trib_config_def set_schema_metadata_config[] = {
    {.name = "schema.name", .type = TRIB_CFG_STRING, .optional = true, .importance = TRIB_IMP_HIGH,
     .doc = "Schema name to set."},
    {.name = "schema.version", .type = TRIB_CFG_INT, .optional = true, .importance = TRIB_IMP_HIGH,
     .doc = "Schema version to set."},
    {.name = "replace.null.with.default", .type = TRIB_CFG_BOOLEAN, .default_value = "true",
     .importance = TRIB_IMP_MEDIUM,
     .doc = "Whether to replace fields that have a default value and that are null to the default value. When set "
            "to true, the default value is used, otherwise null is used."},
    TRIB_CONFIG_END,
};

typedef struct set_schema_metadata {
    smt_target target;
    char *name;           /* NULL: keep the schema's */
    bool has_version;
    int32_t version;
    bool replace_null;
    smt_schema_cache cache;
} set_schema_metadata;

static void ssm_destroy(void *vctx) {
    set_schema_metadata *c = vctx;
    if (!c) return;
    free(c->name);
    smt_cache_clear(&c->cache);
    free(c);
}

static int ssm_create(smt_target target, const trib_props *props, void **out, trib_error *err) {
    trib_config *cfg = trib_config_bind(set_schema_metadata_config, props, "", err);
    if (!cfg) return -1;
    set_schema_metadata *c = trib_xcalloc(1, sizeof *c);
    c->target = target;
    const char *name = trib_config_string(cfg, "schema.name");
    c->name = name ? trib_xstrdup(name) : NULL;
    c->has_version = trib_config_raw(cfg, "schema.version") != NULL;
    c->version = c->has_version ? trib_config_int(cfg, "schema.version") : 0;
    c->replace_null = trib_config_bool(cfg, "replace.null.with.default");
    trib_config_destroy(cfg);
    *out = c;
    return 0;
}

static int create_key(const trib_props *p, void **ctx, trib_error *err) { return ssm_create(SMT_KEY, p, ctx, err); }
static int create_value(const trib_props *p, void **ctx, trib_error *err) { return ssm_create(SMT_VALUE, p, ctx, err); }

static int ssm_apply(void *vctx, trib_record **recp, trib_error *err) {
    set_schema_metadata *c = vctx;
    trib_record *r = *recp;
    trib_schema *schema = smt_schema(r, c->target);
    if (!schema) return trib_error_set(err, TRIB_ERR_INVALID, "Schema required for [updating schema metadata]");
    trib_schema *updated = smt_cache_get(&c->cache, schema);
    if (!updated) {
        trib_schema *s = trib_schema_copy(schema);
        if (c->name) trib_schema_set_name(s, c->name);
        if (c->has_version) s->version = c->version;
        updated = smt_cache_put(&c->cache, schema, s);
    }
    trib_value *v = smt_value(r, c->target);
    if (v && v->type == TRIB_STRUCT) {
        trib_value *st = trib_value_struct_new(updated);
        for (size_t i = 0; i < updated->nfields && i < v->u.st.schema->nfields; i++)
            st->u.st.fields[i] = smt_struct_take(v, i, c->replace_null);
        smt_replace(r, c->target, trib_schema_ref(updated), st);
    } else {
        smt_replace(r, c->target, trib_schema_ref(updated), v);
    }
    return 0;
}

#define OVERVIEW                                                                                                 \
    "Set the schema name, version or both on the record's key (<code>org.apache.kafka.connect.transforms."      \
    "SetSchemaMetadata$Key</code>) or value (<code>org.apache.kafka.connect.transforms.SetSchemaMetadata$Value" \
    "</code>) schema."

const trib_transform_plugin trib_smt_set_schema_metadata_key = {
    .class_name = "org.apache.kafka.connect.transforms.SetSchemaMetadata$Key",
    .alias = "SetSchemaMetadata$Key",
    .doc = OVERVIEW,
    .config = set_schema_metadata_config,
    .create = create_key,
    .apply = ssm_apply,
    .destroy = ssm_destroy,
};

const trib_transform_plugin trib_smt_set_schema_metadata_value = {
    .class_name = "org.apache.kafka.connect.transforms.SetSchemaMetadata$Value",
    .alias = "SetSchemaMetadata$Value",
    .doc = OVERVIEW,
    .config = set_schema_metadata_config,
    .create = create_value,
    .apply = ssm_apply,
    .destroy = ssm_destroy,
};
