/*
 * insert_field.c: InsertField$Key / InsertField$Value. Adds the record's
 * topic, partition, offset (sink records only), timestamp and/or a static
 * string to a struct (new schema, cached per input schema) or a schemaless
 * map. A field spec ending in "!" is required in the derived schema, "?"
 * (or no suffix) optional. Null keys/values pass through untouched.
 */
#include "transforms/smt.h"

#include "common/util.h"

#include <stdlib.h>
#include <string.h>

#define PURPOSE "field insertion"
#define OPTIONALITY_DOC " Suffix with ! to make this a required field, or ? to keep it optional (the default)."

static const trib_config_def insert_field_config[] = {
    {.name = "topic.field", .type = TRIB_CFG_STRING, .optional = true, .importance = TRIB_IMP_MEDIUM,
     .doc = "Field name for Kafka topic." OPTIONALITY_DOC},
    {.name = "partition.field", .type = TRIB_CFG_STRING, .optional = true, .importance = TRIB_IMP_MEDIUM,
     .doc = "Field name for Kafka partition." OPTIONALITY_DOC},
    {.name = "offset.field", .type = TRIB_CFG_STRING, .optional = true, .importance = TRIB_IMP_MEDIUM,
     .doc = "Field name for Kafka offset - only applicable to sink connectors." OPTIONALITY_DOC},
    {.name = "timestamp.field", .type = TRIB_CFG_STRING, .optional = true, .importance = TRIB_IMP_MEDIUM,
     .doc = "Field name for record timestamp." OPTIONALITY_DOC},
    {.name = "static.field", .type = TRIB_CFG_STRING, .optional = true, .importance = TRIB_IMP_MEDIUM,
     .doc = "Field name for static data field." OPTIONALITY_DOC},
    {.name = "static.value", .type = TRIB_CFG_STRING, .optional = true, .importance = TRIB_IMP_MEDIUM,
     .doc = "Static field value, if field name configured."},
    {.name = "replace.null.with.default", .type = TRIB_CFG_BOOLEAN, .default_value = "true",
     .importance = TRIB_IMP_MEDIUM,
     .doc = "Whether to replace fields that have a default value and that are null to the default value. When set to "
            "true, the default value is used, otherwise null is used."},
    TRIB_CONFIG_END,
};

typedef struct spec {
    char *name;  /* NULL when not configured */
    bool optional;
} spec;

enum { F_TOPIC, F_PARTITION, F_OFFSET, F_TIMESTAMP, F_STATIC, F_COUNT };

typedef struct insert_field {
    smt_target target;
    spec f[F_COUNT];
    char *static_value;
    bool replace_null_with_default;
    smt_schema_cache cache;
} insert_field;

static void spec_parse(spec *s, const char *text) {
    s->name = NULL;
    s->optional = true;
    if (!text) return;
    size_t n = strlen(text);
    if (n && (text[n - 1] == '?' || text[n - 1] == '!')) {
        s->optional = text[n - 1] == '?';
        s->name = trib_xstrndup(text, n - 1);
    } else {
        s->name = trib_xstrdup(text);
    }
}

static void insert_field_destroy(void *vctx) {
    insert_field *c = vctx;
    if (!c) return;
    for (int i = 0; i < F_COUNT; i++) free(c->f[i].name);
    free(c->static_value);
    smt_cache_clear(&c->cache);
    free(c);
}

static int insert_field_create(smt_target target, const trib_props *props, void **out, trib_error *err) {
    trib_config *cfg = trib_config_bind(insert_field_config, props, "", err);
    if (!cfg) return -1;
    insert_field *c = trib_xcalloc(1, sizeof *c);
    c->target = target;
    static const char *keys[F_COUNT] = {"topic.field", "partition.field", "offset.field", "timestamp.field",
                                        "static.field"};
    bool any = false;
    for (int i = 0; i < F_COUNT; i++) {
        spec_parse(&c->f[i], trib_config_string(cfg, keys[i]));
        any |= c->f[i].name != NULL;
    }
    c->static_value = trib_xstrdup(trib_config_string(cfg, "static.value"));
    c->replace_null_with_default = trib_config_bool(cfg, "replace.null.with.default");
    trib_config_destroy(cfg);
    if (!any) {
        insert_field_destroy(c);
        return trib_error_set(err, TRIB_ERR_INVALID, "No field insertion configured");
    }
    if (c->f[F_STATIC].name && !c->static_value) {
        trib_error_set(err, TRIB_ERR_INVALID,
                       "Invalid value null for configuration static.value: No value specified for static field: %s",
                       c->f[F_STATIC].name);
        insert_field_destroy(c);
        return -1;
    }
    *out = c;
    return 0;
}

static int create_key(const trib_props *p, void **ctx, trib_error *err) { return insert_field_create(SMT_KEY, p, ctx, err); }
static int create_value(const trib_props *p, void **ctx, trib_error *err) { return insert_field_create(SMT_VALUE, p, ctx, err); }

static int require_sink(const trib_record *r, trib_error *err) {
    if (r->kafka_offset >= 0) return 0;
    return trib_error_set(err, TRIB_ERR_INVALID,
                          "Only SinkRecord supported for [" PURPOSE "], found: org.apache.kafka.connect.source.SourceRecord");
}

static trib_schema *make_updated_schema(const insert_field *c, const trib_schema *in, trib_error *err) {
    trib_schema *s = smt_struct_like(in);
    for (size_t i = 0; i < in->nfields; i++)
        trib_schema_add_field_take(s, in->fields[i].name, trib_schema_ref(in->fields[i].schema));
    static const trib_type types[F_COUNT] = {TRIB_STRING, TRIB_INT32, TRIB_INT64, TRIB_INT64, TRIB_STRING};
    for (int i = 0; i < F_COUNT; i++) {
        const spec *f = &c->f[i];
        if (!f->name) continue;
        if (trib_schema_field(s, f->name)) {
            trib_schema_unref(s);
            return trib_error_set(err, TRIB_ERR_INVALID, "Cannot create field because of field name duplication %s", f->name),
                   NULL;
        }
        trib_schema *fs = i == F_TIMESTAMP ? trib_schema_timestamp(f->optional) : trib_schema_primitive(types[i], f->optional);
        trib_schema_add_field_take(s, f->name, fs);
    }
    return s;
}

/* The value to insert for field i, or NULL when Connect skips it (no
 * partition, no timestamp). */
static trib_value *inserted(const insert_field *c, const trib_record *r, int i) {
    switch (i) {
    case F_TOPIC: return trib_value_string(r->topic ? r->topic : "");
    case F_PARTITION: return r->partition >= 0 ? trib_value_int(TRIB_INT32, r->partition) : NULL;
    case F_OFFSET: return trib_value_int(TRIB_INT64, r->kafka_offset);
    case F_TIMESTAMP: return r->timestamp >= 0 ? trib_value_int(TRIB_INT64, r->timestamp) : NULL;
    case F_STATIC: return trib_value_string(c->static_value);
    }
    return NULL;
}

static int insert_field_apply(void *vctx, trib_record **recp, trib_error *err) {
    insert_field *c = vctx;
    trib_record *r = *recp;
    trib_value *value = smt_value(r, c->target);
    trib_schema *schema = smt_schema(r, c->target);
    if (!value) return 0;
    if (c->f[F_OFFSET].name && require_sink(r, err) < 0) return -1;

    if (!schema) {
        if (smt_require_map(value, PURPOSE, err) < 0) return -1;
        for (int i = 0; i < F_COUNT; i++) {
            if (!c->f[i].name) continue;
            trib_value *v = inserted(c, r, i);
            if (v) smt_map_put(value, c->f[i].name, v);
        }
        return 0;
    }

    if (smt_require_struct(value, PURPOSE, err) < 0) return -1;
    trib_schema *in = value->u.st.schema;
    trib_schema *updated = smt_cache_get(&c->cache, in);
    if (!updated) {
        updated = make_updated_schema(c, in, err);
        if (!updated) return -1;
        smt_cache_put(&c->cache, in, updated);
    }
    trib_value *nv = trib_value_struct_new(updated);
    for (size_t i = 0; i < in->nfields; i++)
        nv->u.st.fields[i] = smt_struct_take(value, i, c->replace_null_with_default);
    for (int i = 0; i < F_COUNT; i++) {
        if (!c->f[i].name) continue;
        trib_value *v = inserted(c, r, i);
        if (v) trib_value_struct_set_take(nv, c->f[i].name, v);
    }
    smt_replace(r, c->target, trib_schema_ref(updated), nv);
    return 0;
}

#define OVERVIEW "Insert field(s) using attributes from the record metadata or a configured static value."

const trib_transform_plugin trib_smt_insert_field_key = {
    .class_name = "org.apache.kafka.connect.transforms.InsertField$Key",
    .alias = "InsertField$Key",
    .doc = OVERVIEW,
    .config = insert_field_config,
    .create = create_key,
    .apply = insert_field_apply,
    .destroy = insert_field_destroy,
};

const trib_transform_plugin trib_smt_insert_field_value = {
    .class_name = "org.apache.kafka.connect.transforms.InsertField$Value",
    .alias = "InsertField$Value",
    .doc = OVERVIEW,
    .config = insert_field_config,
    .create = create_value,
    .apply = insert_field_apply,
    .destroy = insert_field_destroy,
};
