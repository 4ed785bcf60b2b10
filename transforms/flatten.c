/*
 * flatten.c: Flatten$Key / Flatten$Value. Nested structs (with a schema) or
 * nested maps (schemaless) become one level, each field named by its path
 * joined with "delimiter" ("address.city"). As Connect's transform:
 *   - with a schema, primitive, array and map fields are kept as they are
 *     (arrays and maps are not flattened); a leaf is optional when it or any
 *     struct above it is optional, and its default comes from its own schema
 *     or else from the enclosing struct's default; the new top-level schema
 *     keeps the original's name, version, doc and parameters (Connect's
 *     SchemaUtil.copySchemaBasics); derived schemas are cached per input
 *     schema; a null struct leaves its leaves null;
 *   - schemaless, nested maps are flattened, other values kept, a Struct is
 *     refused;
 *   - a null key/value stays null.
 */
#include "transforms/plugins.h"
#include "transforms/smt.h"

#include "common/util.h"

#include <stdlib.h>
#include <string.h>

#define PURPOSE "flattening"

static const trib_config_def flatten_config[] = {
    {.name = "delimiter", .type = TRIB_CFG_STRING, .default_value = ".", .importance = TRIB_IMP_MEDIUM,
     .doc = "Delimiter to insert between field names from the input record when generating field names for the "
            "output record"},
    TRIB_CONFIG_END,
};

typedef struct flatten {
    smt_target target;
    char *delimiter;
    smt_schema_cache cache;
} flatten;

static void flatten_destroy(void *vctx) {
    flatten *c = vctx;
    if (!c) return;
    free(c->delimiter);
    smt_cache_clear(&c->cache);
    free(c);
}

static int flatten_create(smt_target target, const trib_props *props, void **out, trib_error *err) {
    trib_config *cfg = trib_config_bind(flatten_config, props, "", err);
    if (!cfg) return -1;
    flatten *c = trib_xcalloc(1, sizeof *c);
    c->target = target;
    c->delimiter = trib_xstrdup(trib_config_string(cfg, "delimiter"));
    trib_config_destroy(cfg);
    *out = c;
    return 0;
}

static int create_key(const trib_props *p, void **ctx, trib_error *err) { return flatten_create(SMT_KEY, p, ctx, err); }
static int create_value(const trib_props *p, void **ctx, trib_error *err) { return flatten_create(SMT_VALUE, p, ctx, err); }

static char *field_name(const flatten *c, const char *prefix, const char *name) {
    return *prefix ? trib_xasprintf("%s%s%s", prefix, c->delimiter, name) : trib_xstrdup(name);
}

/* ---- schemaless ------------------------------------------------------------- */

static int flatten_map(const flatten *c, const trib_value *map, const char *prefix, trib_value *out, trib_error *err) {
    for (size_t i = 0; i < map->u.map.n; i++) {
        const trib_value *k = map->u.map.keys[i];
        const trib_value *v = map->u.map.vals[i];
        if (!k || k->type != TRIB_STRING)
            return trib_error_set(err, TRIB_ERR_INVALID, "Flatten transformation needs string map keys, found: %s",
                                  smt_java_class(NULL, k));
        char *name = field_name(c, prefix, k->u.str.data);
        int rc = 0;
        if (v && v->type == TRIB_MAP) {
            rc = flatten_map(c, v, name, out, err);
        } else if (v && v->type == TRIB_STRUCT) {
            rc = trib_error_set(err, TRIB_ERR_INVALID,
                                "Flatten transformation does not support class %s for record without schemas (for "
                                "field %s).",
                                smt_java_class(NULL, v), name);
        } else {
            smt_map_put(out, name, trib_value_clone(v));
        }
        free(name);
        if (rc < 0) return -1;
    }
    return 0;
}

/* ---- with a schema ---------------------------------------------------------- */

/* Appends the leaves of struct schema s to out (see the file comment). */
static void build_schema(const flatten *c, const trib_schema *s, const char *prefix, trib_schema *out, bool optional,
                         const trib_value *parent_default) {
    for (size_t i = 0; i < s->nfields; i++) {
        const trib_field *f = &s->fields[i];
        char *name = field_name(c, prefix, f->name);
        bool opt = optional || f->schema->optional;
        const trib_value *dflt = f->schema->default_value;
        if (!dflt && parent_default && parent_default->type == TRIB_STRUCT) dflt = parent_default->u.st.fields[i];
        if (f->schema->type == TRIB_STRUCT) {
            build_schema(c, f->schema, name, out, opt, dflt);
        } else {
            /* SchemaUtil.copySchemaBasics: type, name, version, doc,
             * parameters (and an array's or map's element schemas) */
            trib_schema *leaf = trib_schema_copy(f->schema);
            leaf->optional = opt;
            trib_value_destroy(leaf->default_value);
            leaf->default_value = trib_value_clone(dflt);
            trib_schema_add_field_take(out, name, leaf);
        }
        free(name);
    }
}

/* Fills out (a struct on the flattened schema) from st. */
static int build_value(const flatten *c, const trib_value *st, const char *prefix, trib_value *out, trib_error *err) {
    if (!st) return 0;
    const trib_schema *s = st->u.st.schema;
    for (size_t i = 0; i < s->nfields; i++) {
        const trib_field *f = &s->fields[i];
        char *name = field_name(c, prefix, f->name);
        const trib_value *v = smt_struct_get(st, i, true);
        int rc = 0;
        if (f->schema->type == TRIB_STRUCT) {
            rc = build_value(c, v, name, out, err);
        } else {
            const trib_field *nf = trib_schema_field(out->u.st.schema, name);
            if (!v && nf && !nf->schema->optional)
                rc = trib_error_set(err, TRIB_ERR_INVALID,
                                    "Invalid value: null used for required field: \"%s\", schema type: %s", name,
                                    smt_type_upper(nf->schema->type));
            else
                trib_value_struct_set_take(out, name, trib_value_clone(v));
        }
        free(name);
        if (rc < 0) return -1;
    }
    return 0;
}

static int flatten_apply(void *vctx, trib_record **recp, trib_error *err) {
    flatten *c = vctx;
    trib_record *r = *recp;
    trib_schema *schema = smt_schema(r, c->target);
    trib_value *v = smt_value(r, c->target);
    if (!schema) {
        if (!v) return 0;
        if (smt_require_map(v, PURPOSE, err) < 0) return -1;
        trib_value *m = trib_value_map_new();
        if (flatten_map(c, v, "", m, err) < 0) {
            trib_value_destroy(m);
            return -1;
        }
        smt_replace(r, c->target, NULL, m);
        return 0;
    }
    if (v && smt_require_struct(v, PURPOSE, err) < 0) return -1;
    if (schema->type != TRIB_STRUCT)
        return trib_error_set(err, TRIB_ERR_INVALID, "Cannot list fields on non-struct type");
    trib_schema *updated = smt_cache_get(&c->cache, schema);
    if (!updated) {
        trib_schema *s = smt_struct_like(schema);
        build_schema(c, schema, "", s, schema->optional, schema->default_value);
        updated = smt_cache_put(&c->cache, schema, s);
    }
    if (!v) {
        smt_replace(r, c->target, trib_schema_ref(updated), NULL);
        return 0;
    }
    trib_value *out = trib_value_struct_new(updated);
    if (build_value(c, v, "", out, err) < 0) {
        trib_value_destroy(out);
        return -1;
    }
    smt_replace(r, c->target, trib_schema_ref(updated), out);
    return 0;
}

#define OVERVIEW                                                                                                   \
    "Flatten a nested data structure, generating names for each field by concatenating the field names at each " \
    "level with a configurable delimiter character. Applies to Struct when schema present, or a Map in the case "   \
    "of schemaless data. Array fields and their contents are not modified. The default delimiter is '.'."

const trib_transform_plugin trib_smt_flatten_key = {
    .class_name = "org.apache.kafka.connect.transforms.Flatten$Key",
    .alias = "Flatten$Key",
    .doc = OVERVIEW,
    .config = flatten_config,
    .create = create_key,
    .apply = flatten_apply,
    .destroy = flatten_destroy,
};

const trib_transform_plugin trib_smt_flatten_value = {
    .class_name = "org.apache.kafka.connect.transforms.Flatten$Value",
    .alias = "Flatten$Value",
    .doc = OVERVIEW,
    .config = flatten_config,
    .create = create_value,
    .apply = flatten_apply,
    .destroy = flatten_destroy,
};
