/*
 * cast.c: Cast$Key / Cast$Value. "spec" is either field:type pairs (cast
 * those top-level fields of a struct or map) or a single type (cast the
 * whole key/value). Inputs: int8..float64, boolean, string, bytes (bytes
 * only to string, as base64) and the logical types built on them; outputs:
 * int8..float64, boolean, string. Conversions follow Java: numbers narrow
 * by truncation (Number.byteValue() and friends), strings parse with
 * Byte.parseByte / Double.parseDouble rules, booleans are 1/0, and
 * Boolean.parseBoolean is true only for "true" in any case.
 *
 * Deviations: a whole-value cast of a Decimal/Date/Time/Timestamp does not
 * copy the logical name onto the new primitive schema (Connect copies it,
 * producing schemas its own converters reject), and a struct schema's own
 * default value is not carried over (Connect fails on it). Date/Time/
 * Timestamp cast to string use UTC (Connect uses the JVM default zone).
 */
#include "transforms/plugins.h"
#include "transforms/smt.h"

#include "common/util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PURPOSE "cast types"
#define INPUT_TYPES "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]"
#define OUTPUT_TYPES "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]"

typedef struct cast_entry {
    char *field;  /* NULL for the whole value */
    trib_type type;
} cast_entry;

static bool output_ok(trib_type t) { return t <= TRIB_STRING; }
static bool input_ok(trib_type t) { return t <= TRIB_BYTES; }

/* Schema.Type.valueOf(name.toUpperCase()); name is already trimmed. */
static int parse_type(const char *name, trib_type *out) {
    for (int i = TRIB_INT8; i <= TRIB_STRUCT; i++)
        if (strcasecmp(name, smt_type_upper((trib_type)i)) == 0) {
            *out = (trib_type)i;
            return 0;
        }
    return -1;
}

/* A trimmed copy of s (Java's String.trim()). */
static char *trimmed(const char *s) {
    char *copy = trib_xstrdup(s);
    char *t = trib_trim(copy);
    memmove(copy, t, strlen(t) + 1);
    return copy;
}

/* Cast.parseFieldTypes: fills entries (may be NULL to only validate). */
static int parse_spec(char *const *items, size_t n, cast_entry *entries, trib_error *err) {
    if (n == 0) return trib_error_set(err, TRIB_ERR_INVALID, "Must specify at least one field to cast.");
    bool whole = false;
    for (size_t i = 0; i < n; i++) {
        size_t np;
        char **parts = smt_split_colon(items[i], &np);
        int rc = 0;
        trib_type t = TRIB_STRING;
        char *tname = np == 1 || np == 2 ? trimmed(parts[np - 1]) : NULL;
        if (!tname) {
            rc = trib_error_set(err, TRIB_ERR_INVALID, "Invalid rename mapping: %s", items[i]);
        } else if (parse_type(tname, &t) < 0) {
            rc = trib_error_set(err, TRIB_ERR_INVALID, "Invalid type found in casting spec: %s", tname);
        } else if (!output_ok(t)) {
            rc = trib_error_set(err, TRIB_ERR_INVALID,
                                "Cast transformation does not support casting to %s; supported types are " OUTPUT_TYPES,
                                smt_type_upper(t));
        }
        if (rc == 0 && np == 1) whole = true;
        if (rc == 0 && entries) {
            entries[i].field = np == 2 ? trimmed(parts[0]) : NULL;
            entries[i].type = t;
        }
        free(tname);
        trib_strv_free(parts);
        if (rc < 0) return -1;
    }
    if (whole && n > 1)
        return trib_error_set(err, TRIB_ERR_INVALID,
                              "Cast transformations that specify a type to cast the entire value to may only specify a "
                              "single cast in their spec");
    return 0;
}

static int validate_spec(const trib_config_def *def, const char *value, trib_error *err) {
    (void)def;
    size_t n;
    char **items = trib_split_list(value, &n);
    int rc = parse_spec(items, n, NULL, err);
    trib_strv_free(items);
    return rc;
}

static const trib_config_def cast_config[] = {
    {.name = "spec", .type = TRIB_CFG_LIST, .importance = TRIB_IMP_HIGH, .validate = validate_spec,
     .doc = "List of fields and the type to cast them to of the form field1:type,field2:type to cast fields of Maps or "
            "Structs. A single type to cast the entire value. Valid types are int8, int16, int32, int64, float32, "
            "float64, boolean, and string. Note that binary fields can only be cast to string."},
    {.name = "replace.null.with.default", .type = TRIB_CFG_BOOLEAN, .default_value = "true",
     .importance = TRIB_IMP_MEDIUM,
     .doc = "Whether to replace fields that have a default value and that are null to the default value. When set to "
            "true, the default value is used, otherwise null is used."},
    TRIB_CONFIG_END,
};

typedef struct cast {
    smt_target target;
    cast_entry *entries;
    size_t n;
    bool whole;
    trib_type whole_type;
    bool replace_null_with_default;
    smt_schema_cache cache;
} cast;

static void cast_destroy(void *vctx) {
    cast *c = vctx;
    if (!c) return;
    for (size_t i = 0; i < c->n; i++) free(c->entries[i].field);
    free(c->entries);
    smt_cache_clear(&c->cache);
    free(c);
}

static int cast_create(smt_target target, const trib_props *props, void **out, trib_error *err) {
    trib_config *cfg = trib_config_bind(cast_config, props, "", err);
    if (!cfg) return -1;
    cast *c = trib_xcalloc(1, sizeof *c);
    c->target = target;
    c->n = trib_config_list_len(cfg, "spec");
    c->entries = trib_xcalloc(c->n + 1, sizeof(cast_entry));
    if (parse_spec(trib_config_list(cfg, "spec"), c->n, c->entries, err) < 0) {
        trib_error_prefix(err, "Invalid value %s for configuration spec", trib_config_raw(cfg, "spec"));
        trib_config_destroy(cfg);
        cast_destroy(c);
        return -1;
    }
    c->replace_null_with_default = trib_config_bool(cfg, "replace.null.with.default");
    trib_config_destroy(cfg);
    if (c->n == 1 && c->entries[0].field == NULL) {
        c->whole = true;
        c->whole_type = c->entries[0].type;
    }
    *out = c;
    return 0;
}

static int create_key(const trib_props *p, void **ctx, trib_error *err) { return cast_create(SMT_KEY, p, ctx, err); }
static int create_value(const trib_props *p, void **ctx, trib_error *err) { return cast_create(SMT_VALUE, p, ctx, err); }

/* The target type for a field, or -1 when the field is not cast (a later
 * entry for the same field wins, as in Connect's HashMap). */
static int target_for(const cast *c, const char *field) {
    for (size_t i = c->n; i-- > 0;)
        if (c->entries[i].field && strcmp(c->entries[i].field, field) == 0) return (int)c->entries[i].type;
    return -1;
}

static bool is_date_like(const trib_schema *s) {
    return s && (trib_schema_is_logical(s, TRIB_LOGICAL_DATE) || trib_schema_is_logical(s, TRIB_LOGICAL_TIME) ||
                 trib_schema_is_logical(s, TRIB_LOGICAL_TIMESTAMP));
}

/* Epoch milliseconds of a Date/Time/Timestamp value (Date counts days). */
static int64_t date_ms(const trib_schema *s, const trib_value *v) {
    return trib_schema_is_logical(s, TRIB_LOGICAL_DATE) ? v->u.i * 86400000 : v->u.i;
}

static int out_of_range(const char *text, trib_error *err) {
    return trib_error_set(err, TRIB_ERR_INVALID, "Value (%s) was out of range for requested data type", text);
}

/* Cast.castValueToType. *out is NULL for a null input. */
static int cast_value(const trib_schema *schema, const trib_value *v, trib_type target, trib_value **out,
                      trib_error *err) {
    *out = NULL;
    if (!v) return 0;
    trib_type in = schema ? schema->type : v->type;
    if (!input_ok(in))
        return trib_error_set(err, TRIB_ERR_INVALID,
                              "Cast transformation does not support casting from %s; supported types are " INPUT_TYPES,
                              smt_type_upper(in));
    bool decimal = schema && trib_schema_is_logical(schema, TRIB_LOGICAL_DECIMAL) && v->type == TRIB_BYTES;
    char *dec = decimal ? trib_decimal_to_string(v->u.str.data, v->u.str.len, trib_schema_decimal_scale(schema)) : NULL;

    if (target == TRIB_STRING) {
        char *s;
        if (is_date_like(schema)) s = smt_iso_date_string(date_ms(schema, v));
        else if (decimal) { s = dec; dec = NULL; }
        else {
            switch (v->type) {
            case TRIB_INT8: case TRIB_INT16: case TRIB_INT32: case TRIB_INT64:
                s = trib_xasprintf("%lld", (long long)v->u.i);
                break;
            case TRIB_FLOAT32: s = smt_java_double_str(v->u.f, true); break;
            case TRIB_FLOAT64: s = smt_java_double_str(v->u.f, false); break;
            case TRIB_BOOLEAN: s = trib_xstrdup(v->u.b ? "true" : "false"); break;
            case TRIB_STRING: s = trib_xstrndup(v->u.str.data, v->u.str.len); break;
            case TRIB_BYTES: s = smt_base64(v->u.str.data, v->u.str.len); break;
            default:
                free(dec);
                return trib_error_set(err, TRIB_ERR_INVALID, "Unexpected type in Cast transformation: class %s",
                                      smt_java_class(schema, v));
            }
        }
        free(dec);
        *out = trib_value_string_take(s);
        return 0;
    }

    /* Numeric and boolean targets: classify the source as Java would see it
     * (after encodeLogicalType, Date/Time/Timestamp are plain integers). */
    enum { K_LONG, K_DOUBLE, K_DECIMAL, K_BOOL, K_STRING } kind;
    int64_t l = 0;
    double d = 0;
    switch (v->type) {
    case TRIB_INT8: case TRIB_INT16: case TRIB_INT32: case TRIB_INT64: kind = K_LONG; l = v->u.i; break;
    case TRIB_FLOAT32: case TRIB_FLOAT64: kind = K_DOUBLE; d = v->u.f; break;
    case TRIB_BOOLEAN: kind = K_BOOL; break;
    case TRIB_STRING: kind = K_STRING; break;
    case TRIB_BYTES:
        if (decimal) {
            kind = K_DECIMAL;
            smt_bigdecimal_long(dec, &l);
            smt_parse_bigdecimal(dec, &d);
            break;
        }
        /* fall through */
    default:
        free(dec);
        return trib_error_set(err, TRIB_ERR_INVALID, "Unexpected type in Cast transformation: class %s",
                              smt_java_class(schema, v));
    }
    free(dec);

    if (target == TRIB_BOOLEAN) {
        bool b;
        switch (kind) {
        case K_LONG: case K_DECIMAL: b = l != 0; break;
        case K_DOUBLE: b = smt_d2l(d) != 0; break;
        case K_BOOL: b = v->u.b; break;
        default: b = strcasecmp(v->u.str.data, "true") == 0 && strlen(v->u.str.data) == v->u.str.len; break;
        }
        *out = trib_value_bool(b);
        return 0;
    }

    if (target == TRIB_FLOAT32 || target == TRIB_FLOAT64) {
        double r;
        switch (kind) {
        case K_LONG: r = (double)l; break;
        case K_DOUBLE: case K_DECIMAL: r = d; break;
        case K_BOOL: r = v->u.b ? 1.0 : 0.0; break;
        default:
            if (strlen(v->u.str.data) != v->u.str.len || smt_java_parse_double(v->u.str.data, &r) < 0)
                return out_of_range(v->u.str.data, err);
            break;
        }
        if (target == TRIB_FLOAT32) r = kind == K_LONG ? (double)(float)l : (double)(float)r;
        *out = trib_value_float(target, r);
        return 0;
    }

    /* Integer targets. */
    static const int64_t lo[] = {INT8_MIN, INT16_MIN, INT32_MIN, INT64_MIN};
    static const int64_t hi[] = {INT8_MAX, INT16_MAX, INT32_MAX, INT64_MAX};
    int64_t r;
    switch (kind) {
    case K_LONG: case K_DECIMAL: r = l; break;
    case K_DOUBLE: r = target == TRIB_INT64 ? smt_d2l(d) : smt_d2i(d); break;
    case K_BOOL: r = v->u.b ? 1 : 0; break;
    default:
        if (strlen(v->u.str.data) != v->u.str.len ||
            smt_java_parse_long(v->u.str.data, lo[target - TRIB_INT8], hi[target - TRIB_INT8], &r) < 0)
            return out_of_range(v->u.str.data, err);
        break;
    }
    /* Java narrowing keeps the low bits. */
    if (target == TRIB_INT8) r = (int8_t)(uint8_t)((uint64_t)r & 0xff);
    else if (target == TRIB_INT16) r = (int16_t)(uint16_t)((uint64_t)r & 0xffff);
    else if (target == TRIB_INT32) r = (int32_t)(uint32_t)((uint64_t)r & 0xffffffffu);
    *out = trib_value_int(target, r);
    return 0;
}

static trib_schema *build_schema(const cast *c, const trib_schema *in, trib_error *err) {
    trib_schema *s;
    if (c->whole) {
        s = trib_schema_new(c->whole_type);
        bool logical = is_date_like(in) || trib_schema_is_logical(in, TRIB_LOGICAL_DECIMAL);
        if (!logical) {
            if (in->name) trib_schema_set_name(s, in->name);
            s->version = in->version;
            if (in->params)
                for (size_t i = 0; i < trib_props_count(in->params); i++)
                    trib_schema_set_param(s, trib_props_key_at(in->params, i), trib_props_value_at(in->params, i));
        }
        if (in->doc) trib_schema_set_doc(s, in->doc);
        s->optional = in->optional;
        if (in->default_value) {
            trib_value *dv;
            if (cast_value(in, in->default_value, c->whole_type, &dv, err) < 0) {
                trib_schema_unref(s);
                return NULL;
            }
            trib_schema_set_default_take(s, dv);
        }
        return s;
    }
    s = smt_struct_like(in);
    for (size_t i = 0; i < in->nfields; i++) {
        const trib_field *f = &in->fields[i];
        int t = target_for(c, f->name);
        if (t < 0) {
            trib_schema_add_field_take(s, f->name, trib_schema_ref(f->schema));
            continue;
        }
        trib_schema *fs = trib_schema_primitive((trib_type)t, f->schema->optional);
        if (f->schema->default_value) {
            trib_value *dv;
            if (cast_value(f->schema, f->schema->default_value, (trib_type)t, &dv, err) < 0) {
                trib_schema_unref(fs);
                trib_schema_unref(s);
                trib_error_prefix(err, "field %s", f->name);
                return NULL;
            }
            trib_schema_set_default_take(fs, dv);
        }
        trib_schema_add_field_take(s, f->name, fs);
    }
    s->optional = in->optional;
    return s;
}

static int cast_apply(void *vctx, trib_record **recp, trib_error *err) {
    cast *c = vctx;
    trib_record *r = *recp;
    trib_value *value = smt_value(r, c->target);
    trib_schema *schema = smt_schema(r, c->target);
    if (!value) return 0;

    if (!schema) {
        trib_value *nv;
        if (c->whole) {
            if (cast_value(NULL, value, c->whole_type, &nv, err) < 0) return -1;
            smt_replace(r, c->target, NULL, nv);
            return 0;
        }
        if (smt_require_map(value, PURPOSE, err) < 0) return -1;
        trib_value **casted = trib_xcalloc(c->n + 1, sizeof(trib_value *));
        for (size_t i = 0; i < c->n; i++) {
            long k = smt_map_find(value, c->entries[i].field);
            if (cast_value(NULL, k >= 0 ? value->u.map.vals[k] : NULL, c->entries[i].type, &casted[i], err) < 0) {
                trib_error_prefix(err, "field %s", c->entries[i].field);
                for (size_t j = 0; j < i; j++) trib_value_destroy(casted[j]);
                free(casted);
                return -1;
            }
        }
        for (size_t i = 0; i < c->n; i++) smt_map_put(value, c->entries[i].field, casted[i]);
        free(casted);
        return 0;
    }

    trib_schema *updated = smt_cache_get(&c->cache, schema);
    if (!updated) {
        updated = build_schema(c, schema, err);
        if (!updated) return -1;
        smt_cache_put(&c->cache, schema, updated);
    }
    if (c->whole) {
        trib_value *nv;
        if (cast_value(schema, value, c->whole_type, &nv, err) < 0) return -1;
        smt_replace(r, c->target, trib_schema_ref(updated), nv);
        return 0;
    }
    if (smt_require_struct(value, PURPOSE, err) < 0) return -1;
    const trib_schema *st = value->u.st.schema;
    if (st->nfields != updated->nfields)
        return trib_error_set(err, TRIB_ERR_INVALID, "Cast: struct value does not match its record schema");
    trib_value **casted = trib_xcalloc(st->nfields + 1, sizeof(trib_value *));
    for (size_t i = 0; i < st->nfields; i++) {
        int t = target_for(c, st->fields[i].name);
        if (t < 0) continue;
        const trib_value *orig = smt_struct_get(value, i, c->replace_null_with_default);
        if (cast_value(st->fields[i].schema, orig, (trib_type)t, &casted[i], err) < 0) {
            trib_error_prefix(err, "field %s", st->fields[i].name);
            for (size_t j = 0; j < i; j++) trib_value_destroy(casted[j]);
            free(casted);
            return -1;
        }
    }
    trib_value *nv = trib_value_struct_new(updated);
    for (size_t i = 0; i < st->nfields; i++)
        nv->u.st.fields[i] = target_for(c, st->fields[i].name) >= 0
                                 ? casted[i]
                                 : smt_struct_take(value, i, c->replace_null_with_default);
    free(casted);
    smt_replace(r, c->target, trib_schema_ref(updated), nv);
    return 0;
}

#define OVERVIEW                                                                                                     \
    "Cast fields or the entire key or value to a specific type, e.g. to force an integer field to a smaller width. " \
    "Cast from integers, floats, boolean and string to any other type, and cast binary to string (base64 encoded)."

const trib_transform_plugin trib_smt_cast_key = {
    .class_name = "org.apache.kafka.connect.transforms.Cast$Key",
    .alias = "Cast$Key",
    .doc = OVERVIEW,
    .config = cast_config,
    .create = create_key,
    .apply = cast_apply,
    .destroy = cast_destroy,
};

const trib_transform_plugin trib_smt_cast_value = {
    .class_name = "org.apache.kafka.connect.transforms.Cast$Value",
    .alias = "Cast$Value",
    .doc = OVERVIEW,
    .config = cast_config,
    .create = create_value,
    .apply = cast_apply,
    .destroy = cast_destroy,
};
