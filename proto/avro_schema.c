/*
 * avro_schema.c: Connect schema <-> Avro schema JSON, following Confluent's
 * AvroData (see avro_schema.h for the mapping). Avro schemas are handled
 * as jansson trees rather than avro-c schema objects because the Connect
 * metadata lives in custom attributes (connect.name, ...) that avro-c does
 * not keep; avro-c parses the resulting text for encoding and decoding.
 *
 * The JSON we emit follows the attribute order and namespace elision of
 * Avro Java's Schema.toString, so the text is what Confluent's converter
 * registers for the same Connect schema.
 */
#include "proto/avro_schema.h"

#include <ctype.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

#define P_CONNECT_NAME "connect.name"
#define P_CONNECT_DOC "connect.doc"
#define P_CONNECT_VERSION "connect.version"
#define P_CONNECT_DEFAULT "connect.default"
#define P_CONNECT_PARAMS "connect.parameters"
#define P_CONNECT_TYPE "connect.type"
#define P_CONNECT_INTERNAL_TYPE "connect.internal.type"
#define P_LOGICAL "logicalType"
#define P_DECIMAL_PRECISION "connect.decimal.precision"
#define DECIMAL_PRECISION_DEFAULT 64
#define MAP_ENTRY_NAME "MapEntry"
#define RECORD_DOC_PARAM TRIB_AVRO_NAMESPACE ".record.doc"
#define FIELD_DOC_PREFIX TRIB_AVRO_NAMESPACE ".field.doc."
#define ENUM_DOC_PREFIX TRIB_AVRO_NAMESPACE ".enum.doc."
#define ENUM_DEFAULT_PREFIX TRIB_AVRO_NAMESPACE ".enum.default."
#define FIELD_DEFAULT_FLAG TRIB_AVRO_NAMESPACE ".field.default"

trib_avro_options trib_avro_options_default(void) {
    trib_avro_options o = {.connect_meta_data = true};
    return o;
}

/* ---- name scrubbing ----------------------------------------------------------- */

char *trib_avro_scrub_name(const char *name) {
    if (!name) return NULL;
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    /* URL-encode as java.net.URLEncoder: alnum and .-*_ stay, space is '+'. */
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (isalnum(*p) || *p == '.' || *p == '-' || *p == '*' || *p == '_')
            trib_strbuf_putc(&sb, (char)*p);
        else if (*p == ' ')
            trib_strbuf_putc(&sb, '+');
        else
            trib_strbuf_printf(&sb, "%%%02X", *p);
    }
    char *enc = trib_strbuf_take(&sb);
    bool good_start = enc[0] && (isalpha((unsigned char)enc[0]) || enc[0] == '_');
    char *out = good_start ? enc : trib_xasprintf("x%s", enc);
    if (out != enc) free(enc);
    for (char *p = out; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '_')) *p = '_';
    return out;
}

char *trib_avro_scrub_full_name(const char *name) {
    if (!name) return NULL;
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    const char *p = name;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        char *part = trib_xstrndup(p, n);
        char *s = trib_avro_scrub_name(part);
        trib_strbuf_puts(&sb, s);
        free(s);
        free(part);
        if (!dot) break;
        trib_strbuf_putc(&sb, '.');
        p = dot + 1;
    }
    return trib_strbuf_take(&sb);
}

/* ---- Connect -> Avro ---------------------------------------------------------- */

typedef struct fc_name {
    char *full;                 /* full Avro name defined in this schema */
    const trib_schema *def;     /* the Connect schema it was made from */
    bool unnamed;               /* a ConnectDefault / MapEntry default name */
    bool map_entry;
} fc_name;

typedef struct fc_ctx {
    const trib_avro_options *o;
    fc_name *names;
    size_t n, cap;
    const char *space;          /* enclosing namespace while writing */
    trib_error *err;
} fc_ctx;

/* Equal, ignoring the top-level optional flag (an optional struct's record
 * is the same Avro type as the required one). */
static bool equal_as_type(const trib_schema *a, const trib_schema *b) {
    if (a == b) return true;
    if (a->optional == b->optional) return trib_schema_equal(a, b);
    trib_schema tmp = *b;
    tmp.optional = a->optional;
    return trib_schema_equal(a, &tmp);
}

static const fc_name *fc_find(fc_ctx *c, const trib_schema *s, bool unnamed, bool map_entry,
                              const char *full) {
    for (size_t i = 0; i < c->n; i++) {
        fc_name *e = &c->names[i];
        if (unnamed) {
            if (e->unnamed && e->map_entry == map_entry && equal_as_type(e->def, s)) return e;
        } else if (strcmp(e->full, full) == 0) {
            return e;
        }
    }
    return NULL;
}

static bool fc_name_taken(fc_ctx *c, const char *full) {
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->names[i].full, full) == 0) return true;
    return false;
}

static void fc_add(fc_ctx *c, const char *full, const trib_schema *s, bool unnamed, bool map_entry) {
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 8;
        c->names = trib_xrealloc(c->names, c->cap * sizeof *c->names);
    }
    c->names[c->n++] = (fc_name){trib_xstrdup(full), s, unnamed, map_entry};
}

static void split_name(const char *full, char **ns, char **name) {
    const char *dot = strrchr(full, '.');
    if (dot) {
        *ns = trib_xstrndup(full, (size_t)(dot - full));
        *name = trib_xstrdup(dot + 1);
    } else {
        *ns = NULL;
        *name = trib_xstrdup(full);
    }
}

/* A reference to an already defined type, written as Avro Java does:
 * the short name inside the same namespace, else the full name. */
static json_t *name_ref(fc_ctx *c, const char *full) {
    char *ns, *name;
    split_name(full, &ns, &name);
    json_t *j;
    if ((ns == NULL && c->space == NULL) || (ns && c->space && strcmp(ns, c->space) == 0))
        j = json_string(name);
    else
        j = json_string(full);
    free(ns);
    free(name);
    return j;
}

/* "name" and "namespace" of a named type, eliding an inherited namespace. */
static void put_name(fc_ctx *c, json_t *obj, const char *ns, const char *name) {
    json_object_set_new(obj, "name", json_string(name));
    if (ns) {
        if (!c->space || strcmp(ns, c->space) != 0)
            json_object_set_new(obj, "namespace", json_string(ns));
    } else if (c->space) {
        json_object_set_new(obj, "namespace", json_string(""));
    }
}

/* Bytes as Avro's JSON form: each byte one code point U+0000..U+00FF. */
static json_t *bytes_to_json(const unsigned char *p, size_t n) {
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    for (size_t i = 0; i < n; i++) {
        if (p[i] < 0x80) {
            trib_strbuf_putc(&sb, (char)p[i]);
        } else {
            trib_strbuf_putc(&sb, (char)(0xC0 | (p[i] >> 6)));
            trib_strbuf_putc(&sb, (char)(0x80 | (p[i] & 0x3F)));
        }
    }
    json_t *j = json_stringn(sb.data ? sb.data : "", sb.len);
    trib_strbuf_free(&sb);
    return j;
}

static bool string_map(const trib_schema *s) {
    return s->type == TRIB_MAP && s->key_schema && s->key_schema->type == TRIB_STRING &&
           !s->key_schema->optional;
}

/* Connect value -> JSON default (AvroData.defaultValueFromConnect). */
static json_t *default_to_json(const trib_schema *s, const trib_value *v, trib_error *err) {
    if (!v) return json_null();
    if (v->type != s->type) {
        trib_error_set(err, TRIB_ERR_INVALID, "default value of type %s does not fit schema type %s",
                       trib_type_name(v->type), trib_type_name(s->type));
        return NULL;
    }
    switch (s->type) {
    case TRIB_INT8: case TRIB_INT16: case TRIB_INT32: case TRIB_INT64:
        return json_integer((json_int_t)v->u.i);
    case TRIB_FLOAT32: return json_real((double)(float)v->u.f);
    case TRIB_FLOAT64: return json_real(v->u.f);
    case TRIB_BOOLEAN: return json_boolean(v->u.b);
    case TRIB_STRING: return json_stringn(v->u.str.data, v->u.str.len);
    case TRIB_BYTES: return bytes_to_json((const unsigned char *)v->u.str.data, v->u.str.len);
    case TRIB_ARRAY: {
        json_t *a = json_array();
        for (size_t i = 0; i < v->u.arr.n; i++) {
            json_t *e = default_to_json(s->value_schema, v->u.arr.items[i], err);
            if (!e) { json_decref(a); return NULL; }
            json_array_append_new(a, e);
        }
        return a;
    }
    case TRIB_MAP: {
        bool sm = string_map(s);
        json_t *out = sm ? json_object() : json_array();
        for (size_t i = 0; i < v->u.map.n; i++) {
            json_t *val = default_to_json(s->value_schema, v->u.map.vals[i], err);
            if (!val) { json_decref(out); return NULL; }
            if (sm) {
                const trib_value *k = v->u.map.keys[i];
                json_object_setn_new(out, k->u.str.data, k->u.str.len, val);
            } else {
                json_t *k = default_to_json(s->key_schema, v->u.map.keys[i], err);
                if (!k) { json_decref(val); json_decref(out); return NULL; }
                json_array_append_new(out, json_pack("[oo]", k, val));
            }
        }
        return out;
    }
    case TRIB_STRUCT: {
        json_t *o = json_object();
        for (size_t i = 0; i < s->nfields; i++) {
            json_t *f = default_to_json(s->fields[i].schema, v->u.st.fields[i], err);
            if (!f) { json_decref(o); return NULL; }
            json_object_set_new(o, s->fields[i].name, f);
        }
        return o;
    }
    }
    trib_error_set(err, TRIB_ERR_INVALID, "unknown schema type");
    return NULL;
}

static json_t *from_connect(fc_ctx *c, const trib_schema *s, bool as_required, bool ignore_optional);

static int add_field(fc_ctx *c, json_t *fields, const char *fname, const trib_schema *fs,
                     const char *fdoc) {
    char *scrubbed = c->o->scrub_invalid_names ? trib_avro_scrub_name(fname) : NULL;
    json_t *f = json_object();
    json_object_set_new(f, "name", json_string(scrubbed ? scrubbed : fname));
    free(scrubbed);
    json_t *t = from_connect(c, fs, false, false);
    if (!t) {
        json_decref(f);
        return trib_error_prefix(c->err, "field '%s'", fname);
    }
    json_object_set_new(f, "type", t);
    if (fdoc) json_object_set_new(f, "doc", json_string(fdoc));
    if (fs->default_value) {
        json_t *d = default_to_json(fs, fs->default_value, c->err);
        if (!d) {
            json_decref(f);
            return trib_error_prefix(c->err, "field '%s'", fname);
        }
        json_object_set_new(f, "default", d);
    } else if (fs->optional) {
        json_object_set_new(f, "default", json_null());
    }
    json_array_append_new(fields, f);
    return 0;
}

/* Writes a record (struct or map entry) definition; returns the object. */
static json_t *record_def(fc_ctx *c, const char *ns, const char *name, const char *doc,
                          const trib_schema *s, bool map_entry) {
    json_t *r = json_object();
    json_object_set_new(r, "type", json_string("record"));
    put_name(c, r, ns, name);
    const char *saved = c->space;
    c->space = ns;
    if (doc) json_object_set_new(r, "doc", json_string(doc));
    json_t *fields = json_array();
    int rc = 0;
    if (map_entry) {
        rc = add_field(c, fields, "key", s->key_schema, NULL);
        if (rc == 0) rc = add_field(c, fields, "value", s->value_schema, NULL);
    } else {
        for (size_t i = 0; i < s->nfields && rc == 0; i++) {
            char key[512];
            snprintf(key, sizeof key, FIELD_DOC_PREFIX "%s", s->fields[i].name);
            rc = add_field(c, fields, s->fields[i].name, s->fields[i].schema,
                           trib_schema_param(s, key));
        }
    }
    json_object_set_new(r, "fields", fields);
    c->space = saved;
    if (rc != 0) {
        json_decref(r);
        return NULL;
    }
    return r;
}

/*
 * Defines (or references) the record for a struct or a map entry. Unnamed
 * types get ConnectDefault / MapEntry, numbered when a schema holds several
 * different ones (Avro forbids redefining a name).
 */
static json_t *named_record(fc_ctx *c, const trib_schema *s, bool map_entry) {
    bool unnamed = s->name == NULL;
    char *full;
    if (unnamed) {
        const fc_name *e = fc_find(c, s, true, map_entry, NULL);
        if (e) return name_ref(c, e->full);
        const char *base = map_entry ? MAP_ENTRY_NAME : TRIB_AVRO_DEFAULT_NAME;
        full = trib_xasprintf("%s.%s", TRIB_AVRO_NAMESPACE, base);
        for (int i = 2; fc_name_taken(c, full); i++) {
            free(full);
            full = trib_xasprintf("%s.%s%d", TRIB_AVRO_NAMESPACE, base, i);
        }
    } else {
        full = c->o->scrub_invalid_names ? trib_avro_scrub_full_name(s->name) : trib_xstrdup(s->name);
        const fc_name *e = fc_find(c, s, false, map_entry, full);
        if (e) {
            if (e->map_entry == map_entry && equal_as_type(e->def, s)) {
                json_t *ref = name_ref(c, full);
                free(full);
                return ref;
            }
            trib_error_set(c->err, TRIB_ERR_INVALID,
                           "avro: the schema uses the name '%s' for two different types, which "
                           "Avro cannot express", s->name);
            free(full);
            return NULL;
        }
    }
    fc_add(c, full, s, unnamed, map_entry);
    char *ns, *name;
    split_name(full, &ns, &name);
    free(full);
    json_t *r = record_def(c, ns, name, map_entry ? NULL : trib_schema_param(s, RECORD_DOC_PARAM), s,
                           map_entry);
    if (r && map_entry && !unnamed)
        json_object_set_new(r, P_CONNECT_INTERNAL_TYPE, json_string(MAP_ENTRY_NAME));
    free(ns);
    free(name);
    return r;
}

static bool parse_int_param(const trib_schema *s, const char *key, int dflt, int *out,
                            trib_error *err) {
    const char *v = trib_schema_param(s, key);
    int64_t x;
    if (!v) {
        *out = dflt;
        return true;
    }
    if (trib_parse_int64(v, &x) != 0 || x < INT_MIN || x > INT_MAX) {
        trib_error_set(err, TRIB_ERR_INVALID, "avro: decimal parameter %s='%s' is not an integer",
                       key, v);
        return false;
    }
    *out = (int)x;
    return true;
}

static json_t *from_connect(fc_ctx *c, const trib_schema *s, bool as_required, bool ignore_optional) {
    bool optional = s->optional && !as_required;
    const char *connect_type = NULL;
    json_t *base = NULL;
    bool is_union = false;
    bool decimal = trib_schema_is_logical(s, TRIB_LOGICAL_DECIMAL) && s->type == TRIB_BYTES;
    int scale = 0, precision = DECIMAL_PRECISION_DEFAULT;

    switch (s->type) {
    case TRIB_INT8: connect_type = "int8"; base = json_pack("{s:s}", "type", "int"); break;
    case TRIB_INT16: connect_type = "int16"; base = json_pack("{s:s}", "type", "int"); break;
    case TRIB_INT32: base = json_pack("{s:s}", "type", "int"); break;
    case TRIB_INT64: base = json_pack("{s:s}", "type", "long"); break;
    case TRIB_FLOAT32: base = json_pack("{s:s}", "type", "float"); break;
    case TRIB_FLOAT64: base = json_pack("{s:s}", "type", "double"); break;
    case TRIB_BOOLEAN: base = json_pack("{s:s}", "type", "boolean"); break;
    case TRIB_STRING: {
        const char *enum_name = trib_schema_param(s, TRIB_AVRO_ENUM_PARAM);
        if (c->o->enhanced_schema_support && enum_name) {
            base = json_object();
            json_object_set_new(base, "type", json_string("enum"));
            char *full = c->o->scrub_invalid_names ? trib_avro_scrub_full_name(enum_name)
                                                   : trib_xstrdup(enum_name);
            char *ns, *name;
            split_name(full, &ns, &name);
            put_name(c, base, ns, name);
            char key[512];
            snprintf(key, sizeof key, ENUM_DOC_PREFIX "%s", name);
            const char *edoc = trib_schema_param(s, key);
            if (edoc) json_object_set_new(base, "doc", json_string(edoc));
            json_t *syms = json_array();
            size_t plen = strlen(TRIB_AVRO_ENUM_PARAM ".");
            for (size_t i = 0; i < trib_props_count(s->params); i++) {
                const char *k = trib_props_key_at(s->params, i);
                if (strncmp(k, TRIB_AVRO_ENUM_PARAM ".", plen) == 0)
                    json_array_append_new(syms, json_string(trib_props_value_at(s->params, i)));
            }
            json_object_set_new(base, "symbols", syms);
            snprintf(key, sizeof key, ENUM_DEFAULT_PREFIX "%s", name);
            const char *edef = trib_schema_param(s, key);
            if (edef) json_object_set_new(base, "default", json_string(edef));
            if (fc_name_taken(c, full)) {
                json_decref(base);
                base = name_ref(c, full);
                free(full);
                free(ns);
                free(name);
                goto wrap_optional;   /* a reference carries no attributes */
            }
            fc_add(c, full, s, false, false);
            free(full);
            free(ns);
            free(name);
        } else {
            base = json_pack("{s:s}", "type", "string");
        }
        break;
    }
    case TRIB_BYTES:
        base = json_pack("{s:s}", "type", "bytes");
        if (decimal) {
            if (!parse_int_param(s, TRIB_DECIMAL_SCALE_PARAM, 0, &scale, c->err) ||
                !parse_int_param(s, P_DECIMAL_PRECISION, DECIMAL_PRECISION_DEFAULT, &precision, c->err)) {
                json_decref(base);
                return NULL;
            }
            if (!trib_schema_param(s, TRIB_DECIMAL_SCALE_PARAM)) {
                json_decref(base);
                trib_error_set(c->err, TRIB_ERR_INVALID, "avro: Decimal schema has no 'scale' parameter");
                return NULL;
            }
            json_object_set_new(base, "scale", json_integer(scale));
            json_object_set_new(base, "precision", json_integer(precision));
        }
        break;
    case TRIB_ARRAY: {
        if (!s->value_schema) {
            trib_error_set(c->err, TRIB_ERR_INVALID, "avro: array schema has no value schema");
            return NULL;
        }
        json_t *items = from_connect(c, s->value_schema, false, false);
        if (!items) return NULL;
        base = json_pack("{s:s, s:o}", "type", "array", "items", items);
        break;
    }
    case TRIB_MAP: {
        if (!s->key_schema || !s->value_schema) {
            trib_error_set(c->err, TRIB_ERR_INVALID, "avro: map schema lacks a key or value schema");
            return NULL;
        }
        if (string_map(s)) {
            json_t *vals = from_connect(c, s->value_schema, false, false);
            if (!vals) return NULL;
            base = json_pack("{s:s, s:o}", "type", "map", "values", vals);
        } else {
            json_t *entry = named_record(c, s, true);
            if (!entry) return NULL;
            base = json_pack("{s:s, s:o}", "type", "array", "items", entry);
        }
        break;
    }
    case TRIB_STRUCT:
        if (s->name && strcmp(s->name, TRIB_AVRO_UNION_NAME) == 0) {
            base = json_array();
            if (optional) json_array_append_new(base, json_string("null"));
            for (size_t i = 0; i < s->nfields; i++) {
                json_t *m = from_connect(c, s->fields[i].schema, true, true);
                if (!m) {
                    json_decref(base);
                    return NULL;
                }
                json_array_append_new(base, m);
            }
            is_union = true;
        } else if (optional) {
            json_t *rec = from_connect(c, s, true, false);
            if (!rec) return NULL;
            base = json_pack("[so]", "null", rec);
            is_union = true;
        } else {
            base = named_record(c, s, false);
            if (!base) return NULL;
            if (json_is_string(base)) goto wrap_optional;   /* reference */
        }
        break;
    default:
        trib_error_set(c->err, TRIB_ERR_INVALID, "avro: unknown Connect schema type %d", (int)s->type);
        return NULL;
    }

    if (is_union) return base;

    if (c->o->connect_meta_data) {
        if (s->doc) json_object_set_new(base, P_CONNECT_DOC, json_string(s->doc));
        if (s->version > 0) json_object_set_new(base, P_CONNECT_VERSION, json_integer(s->version));
        if (s->params) {
            json_t *p = json_object();
            for (size_t i = 0; i < trib_props_count(s->params); i++) {
                const char *k = trib_props_key_at(s->params, i);
                if (strcmp(k, FIELD_DEFAULT_FLAG) != 0)
                    json_object_set_new(p, k, json_string(trib_props_value_at(s->params, i)));
            }
            if (json_object_size(p) > 0)
                json_object_set_new(base, P_CONNECT_PARAMS, p);
            else
                json_decref(p);
        }
        if (s->default_value && !trib_schema_param(s, FIELD_DEFAULT_FLAG)) {
            json_t *d = default_to_json(s, s->default_value, c->err);
            if (!d) {
                json_decref(base);
                return NULL;
            }
            json_object_set_new(base, P_CONNECT_DEFAULT, d);
        }
        if (s->name) json_object_set_new(base, P_CONNECT_NAME, json_string(s->name));
        if (connect_type) json_object_set_new(base, P_CONNECT_TYPE, json_string(connect_type));
    }
    if (s->name) {
        if (decimal) {
            /* Scale outside [0, precision] is not a valid Avro decimal:
             * Confluent then keeps only the legacy logicalType attribute. */
            json_object_set_new(base, P_LOGICAL, json_string("decimal"));
        } else if (strcmp(s->name, TRIB_LOGICAL_TIME) == 0 && s->type == TRIB_INT32) {
            json_object_set_new(base, P_LOGICAL, json_string("time-millis"));
        } else if (strcmp(s->name, TRIB_LOGICAL_TIMESTAMP) == 0 && s->type == TRIB_INT64) {
            json_object_set_new(base, P_LOGICAL, json_string("timestamp-millis"));
        } else if (strcmp(s->name, TRIB_LOGICAL_DATE) == 0 && s->type == TRIB_INT32) {
            json_object_set_new(base, P_LOGICAL, json_string("date"));
        }
    }
    for (size_t i = 0; s->params && i < trib_props_count(s->params); i++) {
        const char *k = trib_props_key_at(s->params, i);
        if (strncmp(k, "avro", 4) == 0)
            json_object_set_new(base, k, json_string(trib_props_value_at(s->params, i)));
    }
    /* A primitive without attributes is written as its bare name. */
    if (json_object_size(base) == 1 && json_is_string(json_object_get(base, "type"))) {
        json_t *t = json_incref(json_object_get(base, "type"));
        json_decref(base);
        base = t;
    }

wrap_optional:
    if (!ignore_optional && optional) {
        if (s->default_value)
            return json_pack("[os]", base, "null");
        return json_pack("[so]", "null", base);
    }
    return base;
}

json_t *trib_avro_schema_from_connect(const trib_schema *s, const trib_avro_options *o,
                                      trib_error *err) {
    trib_avro_options dflt = trib_avro_options_default();
    if (!s) {
        trib_error_set(err, TRIB_ERR_INVALID,
                       "avro: schemaless data (no Connect schema) cannot be written as Avro");
        return NULL;
    }
    fc_ctx c = {.o = o ? o : &dflt, .err = err};
    json_t *j = from_connect(&c, s, false, false);
    for (size_t i = 0; i < c.n; i++) free(c.names[i].full);
    free(c.names);
    return j;
}

char *trib_avro_schema_from_connect_str(const trib_schema *s, const trib_avro_options *o,
                                        trib_error *err) {
    json_t *j = trib_avro_schema_from_connect(s, o, err);
    if (!j) return NULL;
    char *txt = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(j);
    char *out = trib_xstrdup(txt);
    free(txt);
    return out;
}

/* ---- Avro -> Connect ------------------------------------------------------------ */

typedef struct tc_name {
    char *full;
    const json_t *def;
    bool busy;          /* being converted: a reference now is recursion */
} tc_name;

typedef struct tc_ctx {
    const trib_avro_options *o;
    tc_name *names;
    size_t n, cap;
    trib_error *err;
    int depth;
} tc_ctx;

#define TC_MAX_DEPTH 64

static const char *const primitives[] = {"null", "boolean", "int", "long", "float",
                                         "double", "bytes", "string", NULL};

static bool is_primitive_name(const char *s) {
    for (int i = 0; primitives[i]; i++)
        if (strcmp(s, primitives[i]) == 0) return true;
    return false;
}

static char *full_name_of(const char *name, const char *ns, const char *enclosing) {
    if (strchr(name, '.')) return trib_xstrdup(name);
    const char *space = ns ? ns : enclosing;
    if (space && *space) return trib_xasprintf("%s.%s", space, name);
    return trib_xstrdup(name);
}

static tc_name *tc_lookup(tc_ctx *c, const char *full) {
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->names[i].full, full) == 0) return &c->names[i];
    return NULL;
}

/* Avro JSON value -> Connect default value for schema s. */
static int default_from_json(const trib_schema *s, const json_t *j, trib_value **out, trib_error *err) {
    *out = NULL;
    if (!j || json_is_null(j)) return 0;
    switch (s->type) {
    case TRIB_INT8: case TRIB_INT16: case TRIB_INT32: case TRIB_INT64: {
        if (!json_is_integer(j)) break;
        json_int_t x = json_integer_value(j);
        int64_t lo = s->type == TRIB_INT8 ? INT8_MIN : s->type == TRIB_INT16 ? INT16_MIN
                   : s->type == TRIB_INT32 ? INT32_MIN : INT64_MIN;
        int64_t hi = s->type == TRIB_INT8 ? INT8_MAX : s->type == TRIB_INT16 ? INT16_MAX
                   : s->type == TRIB_INT32 ? INT32_MAX : INT64_MAX;
        if (x < lo || x > hi) break;
        *out = trib_value_int(s->type, x);
        return 0;
    }
    case TRIB_FLOAT32: case TRIB_FLOAT64:
        if (!json_is_number(j)) break;
        *out = trib_value_float(s->type, json_number_value(j));
        return 0;
    case TRIB_BOOLEAN:
        if (!json_is_boolean(j)) break;
        *out = trib_value_bool(json_is_true(j));
        return 0;
    case TRIB_STRING:
        if (!json_is_string(j)) break;
        *out = trib_value_string_n(json_string_value(j), json_string_length(j));
        return 0;
    case TRIB_BYTES: {
        if (!json_is_string(j)) break;
        /* Code points U+0000..U+00FF are the bytes (ISO-8859-1). */
        const unsigned char *p = (const unsigned char *)json_string_value(j);
        size_t n = json_string_length(j);
        unsigned char *buf = trib_xmalloc(n + 1);
        size_t m = 0;
        for (size_t i = 0; i < n;) {
            unsigned cp;
            if (p[i] < 0x80) { cp = p[i]; i += 1; }
            else if ((p[i] & 0xE0) == 0xC0 && i + 1 < n) { cp = ((p[i] & 0x1Fu) << 6) | (p[i + 1] & 0x3Fu); i += 2; }
            else if ((p[i] & 0xF0) == 0xE0) { cp = 0x100; i += 3; }
            else { cp = 0x100; i += 4; }
            buf[m++] = cp <= 0xFF ? (unsigned char)cp : '?';
        }
        *out = trib_value_bytes(buf, m);
        free(buf);
        return 0;
    }
    case TRIB_ARRAY: {
        if (!json_is_array(j)) break;
        trib_value *a = trib_value_array_new();
        for (size_t i = 0; i < json_array_size(j); i++) {
            trib_value *e;
            if (default_from_json(s->value_schema, json_array_get(j, i), &e, err) < 0) {
                trib_value_destroy(a);
                return -1;
            }
            trib_value_array_append_take(a, e);
        }
        *out = a;
        return 0;
    }
    case TRIB_MAP: {
        trib_value *m = trib_value_map_new();
        if (json_is_object(j)) {
            const char *k;
            json_t *v;
            json_object_foreach((json_t *)j, k, v) {
                trib_value *key, *val;
                json_t *kj = json_string(k);
                int rc = default_from_json(s->key_schema, kj, &key, err);
                json_decref(kj);
                if (rc < 0 || default_from_json(s->value_schema, v, &val, err) < 0) {
                    if (rc == 0) trib_value_destroy(key);
                    trib_value_destroy(m);
                    return -1;
                }
                trib_value_map_put_take(m, key, val);
            }
        } else if (json_is_array(j)) {
            /* [[k, v], ...] as Connect writes it, or [{"key":k,"value":v}, ...]. */
            for (size_t i = 0; i < json_array_size(j); i++) {
                json_t *e = json_array_get(j, i), *kj, *vj;
                if (json_is_array(e) && json_array_size(e) == 2) {
                    kj = json_array_get(e, 0);
                    vj = json_array_get(e, 1);
                } else if (json_is_object(e)) {
                    kj = json_object_get(e, "key");
                    vj = json_object_get(e, "value");
                } else {
                    trib_value_destroy(m);
                    return trib_error_set(err, TRIB_ERR_INVALID, "avro: invalid map default entry");
                }
                trib_value *key, *val;
                if (default_from_json(s->key_schema, kj, &key, err) < 0) {
                    trib_value_destroy(m);
                    return -1;
                }
                if (default_from_json(s->value_schema, vj, &val, err) < 0) {
                    trib_value_destroy(key);
                    trib_value_destroy(m);
                    return -1;
                }
                trib_value_map_put_take(m, key, val);
            }
        } else {
            trib_value_destroy(m);
            break;
        }
        *out = m;
        return 0;
    }
    case TRIB_STRUCT: {
        if (!json_is_object(j)) break;
        trib_value *st = trib_value_struct_new((trib_schema *)s);
        for (size_t i = 0; i < s->nfields; i++) {
            const trib_field *f = &s->fields[i];
            json_t *fj = json_object_get(j, f->name);
            trib_value *fv;
            if (!fj) {
                fv = trib_value_clone(f->schema->default_value);
            } else if (default_from_json(f->schema, fj, &fv, err) < 0) {
                trib_value_destroy(st);
                return trib_error_prefix(err, "field '%s'", f->name);
            }
            st->u.st.fields[i] = fv;
        }
        *out = st;
        return 0;
    }
    }
    char *txt = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    trib_error_set(err, TRIB_ERR_INVALID, "avro: default value %.100s does not fit type %s",
                   txt ? txt : "?", trib_type_name(s->type));
    free(txt);
    return -1;
}

static trib_schema *to_connect(tc_ctx *c, const json_t *j, const char *space, bool force_optional,
                               const json_t *field_default, bool has_field_default, int32_t version);

static bool name_is_default(const char *full) {
    const char *pfx = TRIB_AVRO_NAMESPACE "." TRIB_AVRO_DEFAULT_NAME;
    size_t n = strlen(pfx);
    if (strncmp(full, pfx, n) != 0) return false;
    for (const char *p = full + n; *p; p++)
        if (!isdigit((unsigned char)*p)) return false;
    return true;
}

static bool is_map_entry(tc_ctx *c, const json_t *items, const char *space) {
    if (json_is_string(items)) {
        char *full = full_name_of(json_string_value(items), NULL, space);
        tc_name *e = tc_lookup(c, full);
        free(full);
        if (!e) return false;
        items = e->def;
    }
    if (!json_is_object(items)) return false;
    const char *t = json_string_value(json_object_get(items, "type"));
    if (!t || strcmp(t, "record") != 0) return false;
    const char *name = json_string_value(json_object_get(items, "name"));
    const char *ns = json_string_value(json_object_get(items, "namespace"));
    if (!name) return false;
    char *full = full_name_of(name, ns, space);
    bool yes = strcmp(full, TRIB_AVRO_NAMESPACE "." MAP_ENTRY_NAME) == 0;
    free(full);
    const char *it = json_string_value(json_object_get(items, P_CONNECT_INTERNAL_TYPE));
    return yes || (it && strcmp(it, MAP_ENTRY_NAME) == 0);
}

/* The Connect field name of a union member (AvroData.unionMemberFieldName). */
static char *union_member_name(tc_ctx *c, const json_t *m, const char *space) {
    if (json_is_string(m)) {
        const char *s = json_string_value(m);
        if (is_primitive_name(s)) return trib_xstrdup(s);
        char *full = full_name_of(s, NULL, space);
        if (c->o->enhanced_schema_support) return full;
        const char *dot = strrchr(full, '.');
        char *out = trib_xstrdup(dot ? dot + 1 : full);
        free(full);
        return out;
    }
    if (json_is_object(m)) {
        const json_t *t = json_object_get(m, "type");
        const char *ts = json_string_value(t);
        if (!ts) return union_member_name(c, t, space);
        if (strcmp(ts, "record") == 0 || strcmp(ts, "enum") == 0 || strcmp(ts, "fixed") == 0) {
            const char *name = json_string_value(json_object_get(m, "name"));
            if (!name) return NULL;
            if (strcmp(ts, "fixed") == 0) return trib_xstrdup("fixed");
            if (c->o->enhanced_schema_support)
                return full_name_of(name, json_string_value(json_object_get(m, "namespace")), space);
            const char *dot = strrchr(name, '.');
            return trib_xstrdup(dot ? dot + 1 : name);
        }
        return trib_xstrdup(ts);
    }
    return trib_xstrdup("union");
}

static trib_schema *union_to_connect(tc_ctx *c, const json_t *j, const char *space,
                                     bool force_optional) {
    size_t n = json_array_size(j);
    if (n == 2) {
        const json_t *a = json_array_get(j, 0), *b = json_array_get(j, 1);
        bool an = json_is_string(a) && strcmp(json_string_value(a), "null") == 0;
        bool bn = json_is_string(b) && strcmp(json_string_value(b), "null") == 0;
        if (an != bn) return to_connect(c, an ? b : a, space, true, NULL, false, 0);
    }
    trib_schema *u = trib_schema_struct_new(TRIB_AVRO_UNION_NAME);
    for (size_t i = 0; i < n; i++) {
        const json_t *m = json_array_get(j, i);
        if (json_is_string(m) && strcmp(json_string_value(m), "null") == 0) {
            u->optional = true;
            continue;
        }
        if (json_is_array(m)) {
            trib_schema_unref(u);
            trib_error_set(c->err, TRIB_ERR_INVALID, "avro: a union may not directly contain a union");
            return NULL;
        }
        char *fname = union_member_name(c, m, space);
        if (!fname || trib_schema_field(u, fname)) {
            trib_error_set(c->err, TRIB_ERR_INVALID,
                           "avro: several union members map to the Connect union field '%s'",
                           fname ? fname : "?");
            free(fname);
            trib_schema_unref(u);
            return NULL;
        }
        trib_schema *fs = to_connect(c, m, space, true, NULL, false, 0);
        if (!fs) {
            free(fname);
            trib_schema_unref(u);
            return NULL;
        }
        trib_schema_add_field_take(u, fname, fs);
        free(fname);
    }
    if (force_optional) u->optional = true;
    return u;
}

static trib_schema *to_connect(tc_ctx *c, const json_t *j, const char *space, bool force_optional,
                               const json_t *field_default, bool has_field_default, int32_t version) {
    if (++c->depth > TC_MAX_DEPTH) {
        c->depth--;
        trib_error_set(c->err, TRIB_ERR_INVALID, "avro: schema nests deeper than %d levels", TC_MAX_DEPTH);
        return NULL;
    }
    trib_schema *b = NULL;
    const json_t *obj = NULL;      /* the attributes, when j is an object */
    const char *type = NULL;
    char *defined = NULL;          /* full name this node defines */
    size_t busy = SIZE_MAX;       /* index of the name this node defines */

    if (json_is_array(j)) {
        b = union_to_connect(c, j, space, force_optional);
        c->depth--;
        return b;
    }
    if (json_is_string(j)) {
        type = json_string_value(j);
    } else if (json_is_object(j)) {
        obj = j;
        const json_t *t = json_object_get(j, "type");
        if (json_is_object(t) || json_is_array(t)) {
            b = to_connect(c, t, space, force_optional, field_default, has_field_default, version);
            c->depth--;
            return b;
        }
        type = json_string_value(t);
    }
    if (!type) {
        trib_error_set(c->err, TRIB_ERR_INVALID, "avro: schema node has no type");
        c->depth--;
        return NULL;
    }

    if (!obj && !is_primitive_name(type)) {
        /* A reference to a named type defined earlier. */
        char *full = full_name_of(type, NULL, space);
        tc_name *e = tc_lookup(c, full);
        if (!e && !strchr(type, '.')) e = tc_lookup(c, type);
        if (!e) {
            trib_error_set(c->err, TRIB_ERR_INVALID, "avro: unknown type name '%s'", type);
            free(full);
            c->depth--;
            return NULL;
        }
        free(full);
        if (e->busy) {
            trib_error_set(c->err, TRIB_ERR_UNSUPPORTED,
                           "avro: recursive type '%s' cannot be represented as a Connect schema", e->full);
            c->depth--;
            return NULL;
        }
        const json_t *def = e->def;
        char *dspace = NULL;
        const char *dot = strrchr(e->full, '.');
        if (dot) dspace = trib_xstrndup(e->full, (size_t)(dot - e->full));
        /* Re-convert the definition (named types are not registered twice). */
        b = to_connect(c, def, dspace, force_optional, field_default, has_field_default, version);
        free(dspace);
        c->depth--;
        return b;
    }

    const char *connect_type = obj ? json_string_value(json_object_get(obj, P_CONNECT_TYPE)) : NULL;
    const char *logical = obj ? json_string_value(json_object_get(obj, P_LOGICAL)) : NULL;
    const char *inner_space = space;
    char *inner_space_buf = NULL;

    if (strcmp(type, "record") == 0 || strcmp(type, "error") == 0 || strcmp(type, "enum") == 0 ||
        strcmp(type, "fixed") == 0) {
        const char *name = json_string_value(json_object_get(obj, "name"));
        if (!name) {
            trib_error_set(c->err, TRIB_ERR_INVALID, "avro: %s schema has no name", type);
            c->depth--;
            return NULL;
        }
        defined = full_name_of(name, json_string_value(json_object_get(obj, "namespace")), space);
        tc_name *e = tc_lookup(c, defined);
        if (e && e->busy) {
            trib_error_set(c->err, TRIB_ERR_UNSUPPORTED,
                           "avro: recursive type '%s' cannot be represented as a Connect schema", defined);
            free(defined);
            c->depth--;
            return NULL;
        }
        if (!e) {
            if (c->n == c->cap) {
                c->cap = c->cap ? c->cap * 2 : 8;
                c->names = trib_xrealloc(c->names, c->cap * sizeof *c->names);
            }
            c->names[c->n++] = (tc_name){trib_xstrdup(defined), j, false};
            e = &c->names[c->n - 1];
        }
        e->busy = true;
        busy = (size_t)(e - c->names);
        const char *dot = strrchr(defined, '.');
        if (dot) inner_space = inner_space_buf = trib_xstrndup(defined, (size_t)(dot - defined));
        else inner_space = NULL;
    }

    if (strcmp(type, "boolean") == 0) {
        b = trib_schema_new(TRIB_BOOLEAN);
    } else if (strcmp(type, "bytes") == 0 || strcmp(type, "fixed") == 0) {
        if (strcmp(type, "fixed") == 0 && !json_is_integer(json_object_get(obj, "size"))) {
            trib_error_set(c->err, TRIB_ERR_INVALID, "avro: fixed '%s' has no integer size", defined);
            goto fail;
        }
        if (logical && strcasecmp(logical, "decimal") == 0) {
            const json_t *sc = json_object_get(obj, "scale");
            if (!json_is_integer(sc)) {
                trib_error_set(c->err, TRIB_ERR_INVALID, "avro: decimal scale must be specified and must be a number");
                goto fail;
            }
            b = trib_schema_decimal((int)json_integer_value(sc), false);
            const json_t *pr = json_object_get(obj, "precision");
            if (pr) {
                if (!json_is_integer(pr)) {
                    trib_error_set(c->err, TRIB_ERR_INVALID, "avro: decimal precision property must be a JSON Integer");
                    goto fail;
                }
                if (json_integer_value(pr) != DECIMAL_PRECISION_DEFAULT) {
                    char buf[32];
                    snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(pr));
                    trib_schema_set_param(b, P_DECIMAL_PRECISION, buf);
                }
            }
        } else {
            b = trib_schema_new(TRIB_BYTES);
        }
    } else if (strcmp(type, "double") == 0) {
        b = trib_schema_new(TRIB_FLOAT64);
    } else if (strcmp(type, "float") == 0) {
        b = trib_schema_new(TRIB_FLOAT32);
    } else if (strcmp(type, "int") == 0) {
        if (logical && strcasecmp(logical, "date") == 0) b = trib_schema_date(false);
        else if (logical && strcasecmp(logical, "time-millis") == 0) b = trib_schema_time(false);
        else if (!logical && connect_type && strcmp(connect_type, "int8") == 0) b = trib_schema_new(TRIB_INT8);
        else if (!logical && connect_type && strcmp(connect_type, "int16") == 0) b = trib_schema_new(TRIB_INT16);
        else if (!logical && connect_type) {
            trib_error_set(c->err, TRIB_ERR_INVALID, "avro: unknown connect.type '%s' for an int", connect_type);
            goto fail;
        } else b = trib_schema_new(TRIB_INT32);
    } else if (strcmp(type, "long") == 0) {
        if (logical && strcasecmp(logical, "timestamp-millis") == 0) b = trib_schema_timestamp(false);
        else b = trib_schema_new(TRIB_INT64);
    } else if (strcmp(type, "string") == 0) {
        b = trib_schema_new(TRIB_STRING);
    } else if (strcmp(type, "array") == 0) {
        const json_t *items = json_object_get(obj, "items");
        if (!items) {
            trib_error_set(c->err, TRIB_ERR_INVALID, "avro: array schema has no items");
            goto fail;
        }
        if (is_map_entry(c, items, space)) {
            /* Resolve the entry record (it may be a reference). */
            const json_t *rec = items;
            char *rspace = NULL;
            if (json_is_string(items)) {
                char *full = full_name_of(json_string_value(items), NULL, space);
                tc_name *e = tc_lookup(c, full);
                rec = e->def;
                free(full);
            } else {
                /* Register the entry's name so later references resolve. */
                const char *rn = json_string_value(json_object_get(items, "name"));
                char *full = full_name_of(rn, json_string_value(json_object_get(items, "namespace")), space);
                if (!tc_lookup(c, full)) {
                    if (c->n == c->cap) {
                        c->cap = c->cap ? c->cap * 2 : 8;
                        c->names = trib_xrealloc(c->names, c->cap * sizeof *c->names);
                    }
                    c->names[c->n++] = (tc_name){trib_xstrdup(full), items, false};
                }
                free(full);
            }
            {
                const char *rn = json_string_value(json_object_get(rec, "name"));
                char *full = full_name_of(rn, json_string_value(json_object_get(rec, "namespace")), space);
                const char *dot = strrchr(full, '.');
                if (dot) rspace = trib_xstrndup(full, (size_t)(dot - full));
                free(full);
            }
            const json_t *fields = json_object_get(rec, "fields");
            const json_t *kf = NULL, *vf = NULL;
            for (size_t i = 0; i < json_array_size(fields); i++) {
                const json_t *f = json_array_get(fields, i);
                const char *fn = json_string_value(json_object_get(f, "name"));
                if (fn && strcmp(fn, "key") == 0) kf = f;
                else if (fn && strcmp(fn, "value") == 0) vf = f;
            }
            if (json_array_size(fields) != 2 || !kf || !vf) {
                free(rspace);
                trib_error_set(c->err, TRIB_ERR_INVALID, "avro: found map encoded as array of key-value "
                               "pairs, but array elements do not match the expected format");
                goto fail;
            }
            trib_schema *ks = to_connect(c, json_object_get(kf, "type"), rspace, false, NULL, false, 0);
            trib_schema *vs = ks ? to_connect(c, json_object_get(vf, "type"), rspace, false, NULL, false, 0) : NULL;
            free(rspace);
            if (!vs) {
                trib_schema_unref(ks);
                trib_error_prefix(c->err, "map entry");
                goto fail;
            }
            b = trib_schema_map_take(ks, vs);
        } else {
            trib_schema *is = to_connect(c, items, space, false, NULL, false, 0);
            if (!is) {
                trib_error_prefix(c->err, "array items");
                goto fail;
            }
            b = trib_schema_array_take(is);
        }
    } else if (strcmp(type, "map") == 0) {
        const json_t *values = json_object_get(obj, "values");
        if (!values) {
            trib_error_set(c->err, TRIB_ERR_INVALID, "avro: map schema has no values");
            goto fail;
        }
        trib_schema *vs = to_connect(c, values, space, false, NULL, false, 0);
        if (!vs) {
            trib_error_prefix(c->err, "map values");
            goto fail;
        }
        b = trib_schema_map_take(trib_schema_new(TRIB_STRING), vs);
    } else if (strcmp(type, "record") == 0 || strcmp(type, "error") == 0) {
        b = trib_schema_struct_new(NULL);
        const char *rdoc = json_string_value(json_object_get(obj, "doc"));
        if (c->o->connect_meta_data && rdoc) trib_schema_set_param(b, RECORD_DOC_PARAM, rdoc);
        const json_t *fields = json_object_get(obj, "fields");
        if (!json_is_array(fields)) {
            trib_error_set(c->err, TRIB_ERR_INVALID, "avro: record '%s' has no fields array", defined);
            goto fail;
        }
        for (size_t i = 0; i < json_array_size(fields); i++) {
            const json_t *f = json_array_get(fields, i);
            const char *fn = json_string_value(json_object_get(f, "name"));
            if (!fn) {
                trib_error_set(c->err, TRIB_ERR_INVALID, "avro: record '%s' field %zu has no name", defined, i);
                goto fail;
            }
            if (trib_schema_field(b, fn)) {
                trib_error_set(c->err, TRIB_ERR_INVALID, "avro: record '%s' has two fields named '%s'", defined, fn);
                goto fail;
            }
            const char *fdoc = json_string_value(json_object_get(f, "doc"));
            if (c->o->connect_meta_data && fdoc) {
                char key[512];
                snprintf(key, sizeof key, FIELD_DOC_PREFIX "%s", fn);
                trib_schema_set_param(b, key, fdoc);
            }
            const json_t *fd = json_object_get(f, "default");
            trib_schema *fs = to_connect(c, json_object_get(f, "type"), inner_space, false, fd, fd != NULL, 0);
            if (!fs) {
                trib_error_prefix(c->err, "field '%s'", fn);
                goto fail;
            }
            trib_schema_add_field_take(b, fn, fs);
        }
    } else if (strcmp(type, "enum") == 0) {
        b = trib_schema_new(TRIB_STRING);
        const char *name = json_string_value(json_object_get(obj, "name"));
        const char *dot = strrchr(name, '.');
        const char *shortname = dot ? dot + 1 : name;
        if (c->o->connect_meta_data) {
            const char *edoc = json_string_value(json_object_get(obj, "doc"));
            const char *edef = json_string_value(json_object_get(obj, "default"));
            char key[512];
            if (edoc) {
                snprintf(key, sizeof key, ENUM_DOC_PREFIX "%s", shortname);
                trib_schema_set_param(b, key, edoc);
            }
            if (edef) {
                snprintf(key, sizeof key, ENUM_DEFAULT_PREFIX "%s", shortname);
                trib_schema_set_param(b, key, edef);
            }
        }
        trib_schema_set_param(b, TRIB_AVRO_ENUM_PARAM, defined);
        const json_t *syms = json_object_get(obj, "symbols");
        if (!json_is_array(syms) || json_array_size(syms) == 0) {
            trib_error_set(c->err, TRIB_ERR_INVALID, "avro: enum '%s' has no symbols", defined);
            goto fail;
        }
        for (size_t i = 0; i < json_array_size(syms); i++) {
            const char *sym = json_string_value(json_array_get(syms, i));
            if (!sym) {
                trib_error_set(c->err, TRIB_ERR_INVALID, "avro: enum '%s' has a non-string symbol", defined);
                goto fail;
            }
            char key[512];
            snprintf(key, sizeof key, TRIB_AVRO_ENUM_PARAM ".%s", sym);
            trib_schema_set_param(b, key, sym);
        }
    } else if (strcmp(type, "null") == 0) {
        trib_error_set(c->err, TRIB_ERR_INVALID,
                       "avro: standalone null schemas are not supported by this converter");
        goto fail;
    } else {
        trib_error_set(c->err, TRIB_ERR_INVALID, "avro: unsupported schema type '%s'", type);
        goto fail;
    }

    if (obj) {
        const json_t *doc = json_object_get(obj, P_CONNECT_DOC);
        if (c->o->connect_meta_data && json_is_string(doc)) trib_schema_set_doc(b, json_string_value(doc));
        const json_t *ver = json_object_get(obj, P_CONNECT_VERSION);
        if (ver) {
            if (!json_is_integer(ver)) {
                trib_error_set(c->err, TRIB_ERR_INVALID, "avro: invalid Connect version found");
                goto fail;
            }
            if (b->version == 0) b->version = (int32_t)json_integer_value(ver);
        } else if (version > 0 && b->version == 0) {
            b->version = version;
        }
        const json_t *params = json_object_get(obj, P_CONNECT_PARAMS);
        if (c->o->connect_meta_data && params) {
            if (!json_is_object(params)) {
                trib_error_set(c->err, TRIB_ERR_INVALID, "avro: expected JSON object for schema parameters");
                goto fail;
            }
            const char *k;
            json_t *v;
            json_object_foreach((json_t *)params, k, v) {
                if (!json_is_string(v)) {
                    trib_error_set(c->err, TRIB_ERR_INVALID,
                                   "avro: expected schema parameter values to be strings (parameter '%s')", k);
                    goto fail;
                }
                trib_schema_set_param(b, k, json_string_value(v));
            }
        }
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)obj, k, v) {
            if (strncmp(k, "avro", 4) != 0) continue;
            if (json_is_string(v)) {
                trib_schema_set_param(b, k, json_string_value(v));
            } else {
                char *txt = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
                trib_schema_set_param(b, k, txt ? txt : "");
                free(txt);
            }
        }
    } else if (version > 0 && b->version == 0) {
        b->version = version;
    }

    {
        const json_t *connect_default = obj ? json_object_get(obj, P_CONNECT_DEFAULT) : NULL;
        const json_t *dflt = field_default;
        if (!has_field_default) dflt = connect_default;
        else if (!connect_default) trib_schema_set_param(b, FIELD_DEFAULT_FLAG, "true");
        if (dflt && !json_is_null(dflt)) {
            trib_value *dv;
            if (default_from_json(b, dflt, &dv, c->err) < 0) goto fail;
            trib_schema_set_default_take(b, dv);
        }
    }

    {
        const json_t *cn = obj ? json_object_get(obj, P_CONNECT_NAME) : NULL;
        const char *name = NULL;
        if (cn) {
            if (!json_is_string(cn)) {
                trib_error_set(c->err, TRIB_ERR_INVALID, "avro: invalid schema name in connect.name");
                goto fail;
            }
            name = json_string_value(cn);
        } else if (defined && (strcmp(type, "record") == 0 || strcmp(type, "error") == 0 ||
                               strcmp(type, "enum") == 0)) {
            name = defined;
        }
        if (name && !name_is_default(name) && !(b->name && strcmp(b->name, name) == 0))
            trib_schema_set_name(b, name);
    }
    if (force_optional) b->optional = true;

    if (busy != SIZE_MAX) c->names[busy].busy = false;
    free(defined);
    free(inner_space_buf);
    c->depth--;
    return b;

fail:
    if (busy != SIZE_MAX) c->names[busy].busy = false;
    trib_schema_unref(b);
    free(defined);
    free(inner_space_buf);
    c->depth--;
    return NULL;
}

trib_schema *trib_avro_schema_to_connect(const json_t *avro, const trib_avro_options *o,
                                         int32_t version, trib_error *err) {
    trib_avro_options dflt = trib_avro_options_default();
    tc_ctx c = {.o = o ? o : &dflt, .err = err};
    trib_schema *s = to_connect(&c, avro, NULL, false, NULL, false, version);
    for (size_t i = 0; i < c.n; i++) free(c.names[i].full);
    free(c.names);
    return s;
}

trib_schema *trib_avro_schema_to_connect_str(const char *avro_json, const trib_avro_options *o,
                                             int32_t version, trib_error *err) {
    json_error_t je;
    json_t *j = json_loads(avro_json, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (!j) {
        trib_error_set(err, TRIB_ERR_INVALID, "avro: schema is not valid JSON: %s (line %d)", je.text,
                       je.line);
        return NULL;
    }
    trib_schema *s = trib_avro_schema_to_connect(j, o, version, err);
    json_decref(j);
    return s;
}
