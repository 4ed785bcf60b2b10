/*
 * header_from.c: HeaderFrom$Key / HeaderFrom$Value. Copies (operation=copy)
 * or moves (operation=move: the fields leave the key/value, and with a
 * schema the schema loses them too) the listed fields into headers, the
 * i-th field into the i-th header name, added after existing headers.
 *
 * A header gets the field's value and, with a schema, the field's schema
 * (schemaless: no schema), as Connect's Headers.add(name, value, schema);
 * header.converter decides its bytes when the record reaches Kafka.
 */
#include "transforms/plugins.h"
#include "transforms/smt.h"

#include "common/util.h"

#include <stdlib.h>
#include <string.h>

static const char *const operations[] = {"move", "copy", NULL};

static const trib_config_def header_from_config[] = {
    {.name = "fields", .type = TRIB_CFG_LIST, .importance = TRIB_IMP_HIGH, .non_empty = true,
     .doc = "Field names in the record whose values are to be copied or moved to headers."},
    {.name = "headers", .type = TRIB_CFG_LIST, .importance = TRIB_IMP_HIGH, .non_empty = true,
     .doc = "Header names, in the same order as the field names listed in the fields configuration property."},
    {.name = "operation", .type = TRIB_CFG_STRING, .importance = TRIB_IMP_HIGH, .one_of = operations,
     .doc = "Either <code>move</code> if the fields are to be moved to the headers (removed from the key/value), "
            "or <code>copy</code> if the fields are to be copied to the headers (retained in the key/value)."},
    {.name = "replace.null.with.default", .type = TRIB_CFG_BOOLEAN, .default_value = "true",
     .importance = TRIB_IMP_MEDIUM,
     .doc = "Whether to replace fields that have a default value and that are null to the default value. When set "
            "to true, the default value is used, otherwise null is used."},
    TRIB_CONFIG_END,
};

typedef struct header_from {
    smt_target target;
    char **fields, **headers; /* NULL-terminated, same length */
    size_t n;
    bool move;
    bool replace_null;
    smt_schema_cache cache; /* move: input schema -> schema without the fields */
} header_from;

static void header_from_destroy(void *vctx) {
    header_from *c = vctx;
    if (!c) return;
    trib_strv_free(c->fields);
    trib_strv_free(c->headers);
    smt_cache_clear(&c->cache);
    free(c);
}

static char **copy_list(trib_config *cfg, const char *key, size_t *n) {
    char *const *l = trib_config_list(cfg, key);
    *n = trib_config_list_len(cfg, key);
    char **out = trib_xcalloc(*n + 1, sizeof *out);
    for (size_t i = 0; i < *n; i++) out[i] = trib_xstrdup(l[i]);
    return out;
}

static int header_from_create(smt_target target, const trib_props *props, void **out, trib_error *err) {
    trib_config *cfg = trib_config_bind(header_from_config, props, "", err);
    if (!cfg) return -1;
    header_from *c = trib_xcalloc(1, sizeof *c);
    c->target = target;
    size_t nh;
    c->fields = copy_list(cfg, "fields", &c->n);
    c->headers = copy_list(cfg, "headers", &nh);
    c->move = strcmp(trib_config_string(cfg, "operation"), "move") == 0;
    c->replace_null = trib_config_bool(cfg, "replace.null.with.default");
    trib_config_destroy(cfg);
    if (nh != c->n) {
        header_from_destroy(c);
        return trib_error_set(err, TRIB_ERR_INVALID,
                              "'fields' config must have the same number of elements as 'headers' config.");
    }
    *out = c;
    return 0;
}

static int create_key(const trib_props *p, void **ctx, trib_error *err) { return header_from_create(SMT_KEY, p, ctx, err); }
static int create_value(const trib_props *p, void **ctx, trib_error *err) {
    return header_from_create(SMT_VALUE, p, ctx, err);
}

static bool listed(const header_from *c, const char *name) {
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->fields[i], name) == 0) return true;
    return false;
}

/* Adds the headers: field i's value (a copy) under header name i, with its
 * schema (may be NULL). */
static void add_headers(const header_from *c, trib_record *r, const trib_value *const *vals,
                        const trib_schema *const *schemas) {
    for (size_t i = 0; i < c->n; i++)
        trib_record_add_header_take(r, c->headers[i], trib_schema_ref((trib_schema *)schemas[i]),
                                    trib_value_clone(vals[i]));
}

static int apply_schemaless(header_from *c, trib_record *r, trib_value *v, trib_error *err) {
    if (smt_require_map(v, c->move ? "header move" : "header copy", err) < 0) return -1;
    const trib_value **vals = trib_xcalloc(c->n + 1, sizeof *vals);
    const trib_schema **schemas = trib_xcalloc(c->n + 1, sizeof *schemas);
    for (size_t i = 0; i < c->n; i++) {
        long at = smt_map_find(v, c->fields[i]);
        vals[i] = at >= 0 ? v->u.map.vals[at] : NULL;
    }
    add_headers(c, r, vals, schemas);
    free(vals);
    free(schemas);
    for (size_t i = 0; c->move && i < c->n; i++) {
        long at = smt_map_find(v, c->fields[i]);
        if (at >= 0) smt_map_remove_at(v, (size_t)at);
    }
    return 0;
}

static int apply_with_schema(header_from *c, trib_record *r, trib_value *v, trib_error *err) {
    if (smt_require_struct(v, c->move ? "header move" : "header copy", err) < 0) return -1;
    trib_schema *vs = v->u.st.schema;
    for (size_t i = 0; i < c->n; i++)
        if (!trib_schema_field(vs, c->fields[i]))
            return trib_error_set(err, TRIB_ERR_INVALID, "HeaderFrom: field %s not found in the %s schema",
                                  c->fields[i], c->target == SMT_KEY ? "key" : "value");
    const trib_value **vals = trib_xcalloc(c->n + 1, sizeof *vals);
    const trib_schema **schemas = trib_xcalloc(c->n + 1, sizeof *schemas);
    for (size_t i = 0; i < c->n; i++) {
        const trib_field *f = trib_schema_field(vs, c->fields[i]);
        schemas[i] = f->schema;
        vals[i] = smt_struct_get(v, (size_t)f->index, c->replace_null);
    }
    add_headers(c, r, vals, schemas);
    free(vals);
    free(schemas);
    if (!c->move) return 0;
    trib_schema *updated = smt_cache_get(&c->cache, vs);
    if (!updated) {
        trib_schema *s = smt_struct_like(vs);
        for (size_t i = 0; i < vs->nfields; i++)
            if (!listed(c, vs->fields[i].name))
                trib_schema_add_field_take(s, vs->fields[i].name, trib_schema_ref(vs->fields[i].schema));
        updated = smt_cache_put(&c->cache, vs, s);
    }
    trib_value *out = trib_value_struct_new(updated);
    for (size_t i = 0, k = 0; i < vs->nfields; i++)
        if (!listed(c, vs->fields[i].name)) out->u.st.fields[k++] = smt_struct_take(v, i, c->replace_null);
    smt_replace(r, c->target, trib_schema_ref(updated), out);
    return 0;
}

static int header_from_apply(void *vctx, trib_record **recp, trib_error *err) {
    header_from *c = vctx;
    trib_record *r = *recp;
    trib_value *v = smt_value(r, c->target);
    if (!v) return 0; /* as Connect: nothing to take headers from */
    return smt_schema(r, c->target) ? apply_with_schema(c, r, v, err) : apply_schemaless(c, r, v, err);
}

#define OVERVIEW                                                                                                  \
    "Moves or copies fields in the key/value of a record into that record's headers. Corresponding elements of " \
    "<code>fields</code> and <code>headers</code> together identify a field and the header it should be moved " \
    "or copied to."

const trib_transform_plugin trib_smt_header_from_key = {
    .class_name = "org.apache.kafka.connect.transforms.HeaderFrom$Key",
    .alias = "HeaderFrom$Key",
    .doc = OVERVIEW,
    .config = header_from_config,
    .create = create_key,
    .apply = header_from_apply,
    .destroy = header_from_destroy,
};

const trib_transform_plugin trib_smt_header_from_value = {
    .class_name = "org.apache.kafka.connect.transforms.HeaderFrom$Value",
    .alias = "HeaderFrom$Value",
    .doc = OVERVIEW,
    .config = header_from_config,
    .create = create_value,
    .apply = header_from_apply,
    .destroy = header_from_destroy,
};
