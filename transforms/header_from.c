/*
 * header_from.c: HeaderFrom$Key / HeaderFrom$Value. Copies (operation=copy)
 * or moves (operation=move: the fields leave the key/value, and with a
 * schema the schema loses them too) the listed fields into headers, the
 * i-th field into the i-th header name, added after existing headers.
 *
 * Tributary's headers hold the bytes Kafka carries, so a field becomes the
 * text Connect's default SimpleHeaderConverter writes for it: integers in
 * decimal, floats as Java prints them, booleans as true/false, strings as
 * they are; a null field gives a null header. Fields of other types
 * (bytes, arrays, maps, structs, logical types) are refused with an error
 * naming the field, since their header text would depend on a header
 * converter Tributary does not run.
 */
#include "transforms/plugins.h"
#include "transforms/smt.h"

#include "common/util.h"
#include "proto/json_converter.h"

#include <inttypes.h>
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

/* The header bytes for field value v (see the file comment), in *text
 * (malloc'd; NULL for a null value); INVALID for a type without a fixed
 * text. */
static int header_text(const char *field, const trib_schema *s, const trib_value *v, char **text, size_t *len,
                       trib_error *err) {
    *text = NULL;
    *len = 0;
    if (!v) return 0;
    char num[TRIB_JAVA_NUM_MAX];
    if (s && s->name)
        return trib_error_set(err, TRIB_ERR_INVALID,
                              "HeaderFrom: field %s has the logical type %s, which Tributary cannot write as a header",
                              field, s->name);
    switch (v->type) {
    case TRIB_INT8:
    case TRIB_INT16:
    case TRIB_INT32:
    case TRIB_INT64: *len = (size_t)snprintf(num, sizeof num, "%" PRId64, v->u.i); break;
    case TRIB_FLOAT32: *len = trib_java_float_str((float)v->u.f, num); break;
    case TRIB_FLOAT64: *len = trib_java_double_str(v->u.f, num); break;
    case TRIB_BOOLEAN: *len = (size_t)snprintf(num, sizeof num, "%s", v->u.b ? "true" : "false"); break;
    case TRIB_STRING:
        *text = trib_xmalloc(v->u.str.len + 1);
        memcpy(*text, v->u.str.data, v->u.str.len + 1);
        *len = v->u.str.len;
        return 0;
    default:
        return trib_error_set(err, TRIB_ERR_INVALID,
                              "HeaderFrom: field %s is of type %s, which Tributary cannot write as a header "
                              "(primitives and strings only)",
                              field, smt_type_upper(v->type));
    }
    *text = trib_xmalloc(*len + 1);
    memcpy(*text, num, *len + 1);
    return 0;
}

/* Every header's bytes first (so a refused record is left untouched), then
 * the headers. vals[i] is field i's value, schemas[i] its schema or NULL. */
static int add_headers(const header_from *c, trib_record *r, const trib_value *const *vals,
                       const trib_schema *const *schemas, trib_error *err) {
    char **texts = trib_xcalloc(c->n + 1, sizeof *texts);
    size_t *lens = trib_xcalloc(c->n + 1, sizeof *lens);
    int rc = 0;
    for (size_t i = 0; i < c->n && rc == 0; i++)
        rc = header_text(c->fields[i], schemas[i], vals[i], &texts[i], &lens[i], err);
    for (size_t i = 0; i < c->n && rc == 0; i++)
        trib_record_add_header(r, c->headers[i], vals[i] ? texts[i] : NULL, lens[i]);
    for (size_t i = 0; i < c->n; i++) free(texts[i]);
    free(texts);
    free(lens);
    return rc;
}

static int apply_schemaless(header_from *c, trib_record *r, trib_value *v, trib_error *err) {
    if (smt_require_map(v, c->move ? "header move" : "header copy", err) < 0) return -1;
    const trib_value **vals = trib_xcalloc(c->n + 1, sizeof *vals);
    const trib_schema **schemas = trib_xcalloc(c->n + 1, sizeof *schemas);
    for (size_t i = 0; i < c->n; i++) {
        long at = smt_map_find(v, c->fields[i]);
        vals[i] = at >= 0 ? v->u.map.vals[at] : NULL;
    }
    int rc = add_headers(c, r, vals, schemas, err);
    free(vals);
    free(schemas);
    for (size_t i = 0; rc == 0 && c->move && i < c->n; i++) {
        long at = smt_map_find(v, c->fields[i]);
        if (at >= 0) smt_map_remove_at(v, (size_t)at);
    }
    return rc;
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
    int rc = add_headers(c, r, vals, schemas, err);
    free(vals);
    free(schemas);
    if (rc < 0 || !c->move) return rc;
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
