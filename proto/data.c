/*
 * data.c: Tributary's record data model (see data.h), the C twin of Kafka
 * Connect's org.apache.kafka.connect.data package and ConnectRecord.
 *
 * Schemas are built once by one owner and then shared read-only across
 * records and threads, so only their reference count is atomic. Values are
 * plain owned trees. Validation follows ConnectSchema.validateValue, with
 * Connect's messages, and adds the field path so a user can find the bad
 * field in a nested record. Decimal helpers convert between Connect's wire
 * form (BigInteger.toByteArray of the unscaled value) and decimal text of
 * any length, without going through a fixed-width integer.
 */
#include "proto/data.h"

#include <ctype.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/block_cache.h"
#include "common/util.h"

/* ---- types ------------------------------------------------------------------ */

static const char *const type_names[] = {
    [TRIB_INT8] = "int8",       [TRIB_INT16] = "int16",     [TRIB_INT32] = "int32",
    [TRIB_INT64] = "int64",     [TRIB_FLOAT32] = "float32", [TRIB_FLOAT64] = "float64",
    [TRIB_BOOLEAN] = "boolean", [TRIB_STRING] = "string",   [TRIB_BYTES] = "bytes",
    [TRIB_ARRAY] = "array",     [TRIB_MAP] = "map",         [TRIB_STRUCT] = "struct",
};

/* Connect's Schema.Type enum constant names, used in its error messages. */
static const char *const type_upper[] = {
    [TRIB_INT8] = "INT8",       [TRIB_INT16] = "INT16",     [TRIB_INT32] = "INT32",
    [TRIB_INT64] = "INT64",     [TRIB_FLOAT32] = "FLOAT32", [TRIB_FLOAT64] = "FLOAT64",
    [TRIB_BOOLEAN] = "BOOLEAN", [TRIB_STRING] = "STRING",   [TRIB_BYTES] = "BYTES",
    [TRIB_ARRAY] = "ARRAY",     [TRIB_MAP] = "MAP",         [TRIB_STRUCT] = "STRUCT",
};

/* The Java class Connect would report for a value of each type. */
static const char *const java_class[] = {
    [TRIB_INT8] = "java.lang.Byte",      [TRIB_INT16] = "java.lang.Short",
    [TRIB_INT32] = "java.lang.Integer",  [TRIB_INT64] = "java.lang.Long",
    [TRIB_FLOAT32] = "java.lang.Float",  [TRIB_FLOAT64] = "java.lang.Double",
    [TRIB_BOOLEAN] = "java.lang.Boolean", [TRIB_STRING] = "java.lang.String",
    [TRIB_BYTES] = "[B",                 [TRIB_ARRAY] = "java.util.ArrayList",
    [TRIB_MAP] = "java.util.HashMap",    [TRIB_STRUCT] = "org.apache.kafka.connect.data.Struct",
};

static bool type_valid(trib_type t) { return (int)t >= TRIB_INT8 && t <= TRIB_STRUCT; }

const char *trib_type_name(trib_type t) { return type_valid(t) ? type_names[t] : "unknown"; }
const char *trib_type_upper_name(trib_type t) { return type_valid(t) ? type_upper[t] : "unknown"; }
const char *trib_type_java_class(trib_type t) { return type_valid(t) ? java_class[t] : "unknown"; }

/* Case-insensitive, so "INT32" (Schema.Type's constant) and "int32" (its
 * getName()) both parse; callers that must be strict compare themselves. */
int trib_type_parse(const char *name, trib_type *out) {
    if (!name) return -1;
    for (int t = TRIB_INT8; t <= TRIB_STRUCT; t++) {
        if (strcasecmp(name, type_names[t]) == 0) {
            if (out) *out = (trib_type)t;
            return 0;
        }
    }
    return -1;
}

bool trib_type_is_primitive(trib_type t) { return t <= TRIB_BYTES; }

/* ---- schemas ------------------------------------------------------------------ */

trib_schema *trib_schema_new(trib_type type) {
    trib_schema *s = trib_xcalloc(1, sizeof *s);
    s->refcnt = 1;
    s->type = type;
    return s;
}

trib_schema *trib_schema_ref(trib_schema *s) {
    if (s) __atomic_add_fetch(&s->refcnt, 1, __ATOMIC_RELAXED);
    return s;
}

void trib_schema_unref(trib_schema *s) {
    if (!s) return;
    if (__atomic_sub_fetch(&s->refcnt, 1, __ATOMIC_ACQ_REL) != 0) return;
    free(s->name);
    free(s->doc);
    trib_value_destroy(s->default_value);
    trib_props_destroy(s->params);
    trib_schema_unref(s->key_schema);
    trib_schema_unref(s->value_schema);
    for (size_t i = 0; i < s->nfields; i++) {
        free(s->fields[i].name);
        trib_schema_unref(s->fields[i].schema);
    }
    free(s->fields);
    free(s);
}

void trib_schema_set_name(trib_schema *s, const char *name) {
    free(s->name);
    s->name = trib_xstrdup(name);
}

void trib_schema_set_doc(trib_schema *s, const char *doc) {
    free(s->doc);
    s->doc = trib_xstrdup(doc);
}

void trib_schema_set_param(trib_schema *s, const char *key, const char *value) {
    if (!s->params) s->params = trib_props_new();
    trib_props_set(s->params, key, value);
}

void trib_schema_set_default_take(trib_schema *s, trib_value *dflt) {
    trib_value_destroy(s->default_value);
    s->default_value = dflt;
}

trib_schema *trib_schema_array_take(trib_schema *items) {
    trib_schema *s = trib_schema_new(TRIB_ARRAY);
    s->value_schema = items;
    return s;
}

trib_schema *trib_schema_map_take(trib_schema *key, trib_schema *value) {
    trib_schema *s = trib_schema_new(TRIB_MAP);
    s->key_schema = key;
    s->value_schema = value;
    return s;
}

trib_schema *trib_schema_struct_new(const char *name) {
    trib_schema *s = trib_schema_new(TRIB_STRUCT);
    s->name = trib_xstrdup(name);
    return s;
}

void trib_schema_add_field_take(trib_schema *st, const char *name, trib_schema *field_schema) {
    st->fields = trib_xrealloc(st->fields, (st->nfields + 1) * sizeof *st->fields);
    trib_field *f = &st->fields[st->nfields];
    f->name = trib_xstrdup(name);
    f->index = (int)st->nfields;
    f->schema = field_schema;
    st->nfields++;
}

trib_schema *trib_schema_primitive(trib_type type, bool optional) {
    trib_schema *s = trib_schema_new(type);
    s->optional = optional;
    return s;
}

/* Connect's logical type builders all set version 1. */
static trib_schema *logical(trib_type type, const char *name, bool optional) {
    trib_schema *s = trib_schema_primitive(type, optional);
    s->name = trib_xstrdup(name);
    s->version = 1;
    return s;
}

trib_schema *trib_schema_decimal(int scale, bool optional) {
    trib_schema *s = logical(TRIB_BYTES, TRIB_LOGICAL_DECIMAL, optional);
    char buf[16];
    snprintf(buf, sizeof buf, "%d", scale);
    trib_schema_set_param(s, TRIB_DECIMAL_SCALE_PARAM, buf);
    return s;
}

trib_schema *trib_schema_date(bool optional) { return logical(TRIB_INT32, TRIB_LOGICAL_DATE, optional); }
trib_schema *trib_schema_time(bool optional) { return logical(TRIB_INT32, TRIB_LOGICAL_TIME, optional); }
trib_schema *trib_schema_timestamp(bool optional) {
    return logical(TRIB_INT64, TRIB_LOGICAL_TIMESTAMP, optional);
}

const trib_field *trib_schema_field(const trib_schema *st, const char *name) {
    if (!st || !name) return NULL;
    for (size_t i = 0; i < st->nfields; i++)
        if (strcmp(st->fields[i].name, name) == 0) return &st->fields[i];
    return NULL;
}

const char *trib_schema_param(const trib_schema *s, const char *key) {
    return s && s->params ? trib_props_get(s->params, key) : NULL;
}

bool trib_schema_is_logical(const trib_schema *s, const char *logical_name) {
    return s && s->name && logical_name && strcmp(s->name, logical_name) == 0;
}

int trib_schema_decimal_scale(const trib_schema *s) {
    const char *p = trib_schema_param(s, TRIB_DECIMAL_SCALE_PARAM);
    int64_t v;
    if (!p || trib_parse_int64(p, &v) != 0 || v < INT_MIN || v > INT_MAX) return 0;
    return (int)v;
}

static bool str_eq(const char *a, const char *b) {
    return (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;
}

bool trib_schema_equal(const trib_schema *a, const trib_schema *b) {
    if (a == b) return true;
    if (!a || !b) return false;
    if (a->type != b->type || a->optional != b->optional || a->version != b->version ||
        a->nfields != b->nfields)
        return false;
    if (!str_eq(a->name, b->name) || !str_eq(a->doc, b->doc)) return false;
    if (!trib_props_equal(a->params, b->params)) return false;
    if (!trib_value_equal(a->default_value, b->default_value)) return false;
    if (!trib_schema_equal(a->key_schema, b->key_schema)) return false;
    if (!trib_schema_equal(a->value_schema, b->value_schema)) return false;
    for (size_t i = 0; i < a->nfields; i++) {
        if (strcmp(a->fields[i].name, b->fields[i].name) != 0) return false;
        if (!trib_schema_equal(a->fields[i].schema, b->fields[i].schema)) return false;
    }
    return true;
}

trib_schema *trib_schema_copy(const trib_schema *s) {
    if (!s) return NULL;
    trib_schema *c = trib_schema_new(s->type);
    c->optional = s->optional;
    c->name = trib_xstrdup(s->name);
    c->version = s->version;
    c->doc = trib_xstrdup(s->doc);
    c->default_value = trib_value_clone(s->default_value);
    c->params = s->params ? trib_props_clone(s->params) : NULL;
    c->key_schema = trib_schema_copy(s->key_schema);
    c->value_schema = trib_schema_copy(s->value_schema);
    if (s->nfields) {
        c->fields = trib_xcalloc(s->nfields, sizeof *c->fields);
        for (size_t i = 0; i < s->nfields; i++) {
            c->fields[i].name = trib_xstrdup(s->fields[i].name);
            c->fields[i].index = (int)i;
            c->fields[i].schema = trib_schema_copy(s->fields[i].schema);
        }
        c->nfields = s->nfields;
    }
    return c;
}

/* ---- values ----------------------------------------------------------------------- */

/* Value nodes, strings, structs and records come from the per-thread block
 * cache (common/block_cache.h): a batch of records is thousands of small
 * blocks of a few sizes, built and freed over and over. */
static trib_value *node_alloc(void) { return trib_block_alloc(sizeof(trib_value)); }
static void node_free(trib_value *v) { trib_block_free(v, sizeof(trib_value)); }

static trib_value *value_new(trib_type type) {
    trib_value *v = node_alloc();
    v->type = type;
    return v;
}

trib_value *trib_value_int(trib_type type, int64_t i) {
    trib_value *v = value_new(type);
    v->u.i = i;
    return v;
}

trib_value *trib_value_float(trib_type type, double f) {
    trib_value *v = value_new(type);
    /* A FLOAT32 holds exactly what a Java float would. */
    v->u.f = type == TRIB_FLOAT32 ? (double)(float)f : f;
    return v;
}

trib_value *trib_value_bool(bool b) {
    trib_value *v = value_new(TRIB_BOOLEAN);
    v->u.b = b;
    return v;
}

/* Strings and bytes made here keep their data in the same allocation as
 * the value (one malloc instead of two per string); destroy tells them
 * from data given by trib_value_string_take by the address. */
static char *inline_data(const trib_value *v) { return (char *)(v + 1); }

static size_t bytes_size(size_t n) { return sizeof(trib_value) + n + 1; }

static trib_value *bytes_like(trib_type type, const void *data, size_t n) {
    trib_value *v;
    if (bytes_size(n) <= TRIB_BLOCK_CACHE_MAX_SIZE) {
        v = trib_block_alloc(bytes_size(n));
    } else {
        v = trib_xmalloc(bytes_size(n));   /* not zeroed: the data is copied over it */
        memset(v, 0, sizeof *v);
    }
    v->type = type;
    v->u.str.data = inline_data(v);
    if (n) memcpy(v->u.str.data, data, n);
    v->u.str.data[n] = '\0';   /* always terminated, bytes too, for safety */
    v->u.str.len = n;
    return v;
}

trib_value *trib_value_string(const char *s) { return bytes_like(TRIB_STRING, s, strlen(s)); }
trib_value *trib_value_string_n(const char *s, size_t n) { return bytes_like(TRIB_STRING, s, n); }

trib_value *trib_value_string_take(char *s) {
    trib_value *v = value_new(TRIB_STRING);
    v->u.str.data = s;
    v->u.str.len = strlen(s);
    return v;
}

trib_value *trib_value_bytes(const void *data, size_t n) { return bytes_like(TRIB_BYTES, data, n); }

trib_value *trib_value_array_new(void) { return value_new(TRIB_ARRAY); }

void trib_value_array_append_take(trib_value *arr, trib_value *item) {
    if (arr->u.arr.n == arr->u.arr.cap) {
        arr->u.arr.cap = arr->u.arr.cap ? arr->u.arr.cap * 2 : 4;
        arr->u.arr.items = trib_xrealloc(arr->u.arr.items, arr->u.arr.cap * sizeof(trib_value *));
    }
    arr->u.arr.items[arr->u.arr.n++] = item;
}

trib_value *trib_value_map_new(void) { return value_new(TRIB_MAP); }

void trib_value_map_put_take(trib_value *map, trib_value *key, trib_value *val) {
    if (map->u.map.n == map->u.map.cap) {
        map->u.map.cap = map->u.map.cap ? map->u.map.cap * 2 : 4;
        map->u.map.keys = trib_xrealloc(map->u.map.keys, map->u.map.cap * sizeof(trib_value *));
        map->u.map.vals = trib_xrealloc(map->u.map.vals, map->u.map.cap * sizeof(trib_value *));
    }
    map->u.map.keys[map->u.map.n] = key;
    map->u.map.vals[map->u.map.n] = val;
    map->u.map.n++;
}

/* Searches from the end so that, as with Java's Map.put, the last entry put
 * for a key is the one that counts. */
trib_value *trib_value_map_get(const trib_value *map, const char *key, bool *found) {
    if (found) *found = false;
    if (!map || map->type != TRIB_MAP || !key) return NULL;
    size_t klen = strlen(key);
    for (size_t i = map->u.map.n; i-- > 0;) {
        const trib_value *k = map->u.map.keys[i];
        if (k && k->type == TRIB_STRING && k->u.str.len == klen &&
            memcmp(k->u.str.data, key, klen) == 0) {
            if (found) *found = true;
            return map->u.map.vals[i];
        }
    }
    return NULL;
}

/* A struct's field slots live in the same allocation as the value. */
static trib_value **inline_fields(const trib_value *v) { return (trib_value **)(void *)(v + 1); }

static size_t struct_size(const trib_schema *schema) {
    size_t n = schema ? schema->nfields : 0;
    return sizeof(trib_value) + (n ? n : 1) * sizeof(trib_value *);
}

trib_value *trib_value_struct_new(trib_schema *schema) {
    trib_value *v = trib_block_alloc(struct_size(schema));
    v->type = TRIB_STRUCT;
    v->u.st.schema = trib_schema_ref(schema);
    v->u.st.fields = inline_fields(v);
    return v;
}

/* Ownership of v is taken even on failure (v is destroyed), so callers never
 * leak on a misspelled field name. */
int trib_value_struct_set_take(trib_value *st, const char *field, trib_value *v) {
    const trib_field *f = st && st->type == TRIB_STRUCT ? trib_schema_field(st->u.st.schema, field) : NULL;
    if (!f) {
        trib_value_destroy(v);
        return -1;
    }
    trib_value_destroy(st->u.st.fields[f->index]);
    st->u.st.fields[f->index] = v;
    return 0;
}

trib_value *trib_value_struct_get(const trib_value *st, const char *field) {
    if (!st || st->type != TRIB_STRUCT) return NULL;
    const trib_field *f = trib_schema_field(st->u.st.schema, field);
    return f ? st->u.st.fields[f->index] : NULL;
}

trib_value *trib_value_clone(const trib_value *v) {
    if (!v) return NULL;
    trib_value *c;
    switch (v->type) {
    case TRIB_STRING:
    case TRIB_BYTES:
        return bytes_like(v->type, v->u.str.data, v->u.str.len);
    case TRIB_ARRAY:
        c = value_new(TRIB_ARRAY);
        if (v->u.arr.n) {
            c->u.arr.items = trib_xmalloc(v->u.arr.n * sizeof(trib_value *));
            c->u.arr.cap = v->u.arr.n;
            for (size_t i = 0; i < v->u.arr.n; i++) c->u.arr.items[i] = trib_value_clone(v->u.arr.items[i]);
            c->u.arr.n = v->u.arr.n;
        }
        return c;
    case TRIB_MAP:
        c = value_new(TRIB_MAP);
        if (v->u.map.n) {
            c->u.map.keys = trib_xmalloc(v->u.map.n * sizeof(trib_value *));
            c->u.map.vals = trib_xmalloc(v->u.map.n * sizeof(trib_value *));
            c->u.map.cap = v->u.map.n;
            for (size_t i = 0; i < v->u.map.n; i++) {
                c->u.map.keys[i] = trib_value_clone(v->u.map.keys[i]);
                c->u.map.vals[i] = trib_value_clone(v->u.map.vals[i]);
            }
            c->u.map.n = v->u.map.n;
        }
        return c;
    case TRIB_STRUCT: {
        c = trib_value_struct_new(v->u.st.schema);
        size_t n = v->u.st.schema ? v->u.st.schema->nfields : 0;
        for (size_t i = 0; i < n; i++) c->u.st.fields[i] = trib_value_clone(v->u.st.fields[i]);
        return c;
    }
    default:
        c = value_new(v->type);
        c->u = v->u;
        return c;
    }
}

void trib_value_destroy(trib_value *v) {
    if (!v) return;
    switch (v->type) {
    case TRIB_STRING:
    case TRIB_BYTES:
        if (v->u.str.data != inline_data(v)) free(v->u.str.data);
        break;
    case TRIB_ARRAY:
        for (size_t i = 0; i < v->u.arr.n; i++) trib_value_destroy(v->u.arr.items[i]);
        free(v->u.arr.items);
        break;
    case TRIB_MAP:
        for (size_t i = 0; i < v->u.map.n; i++) {
            trib_value_destroy(v->u.map.keys[i]);
            trib_value_destroy(v->u.map.vals[i]);
        }
        free(v->u.map.keys);
        free(v->u.map.vals);
        break;
    case TRIB_STRUCT: {
        size_t n = v->u.st.schema ? v->u.st.schema->nfields : 0;
        for (size_t i = 0; i < n; i++) trib_value_destroy(v->u.st.fields[i]);
        trib_schema *schema = v->u.st.schema;
        trib_block_free(v, struct_size(schema));   /* sized with its field slots */
        trib_schema_unref(schema);
        return;
    }
    default:
        break;
    }
    if ((v->type == TRIB_STRING || v->type == TRIB_BYTES) && v->u.str.data == inline_data(v))
        trib_block_free(v, bytes_size(v->u.str.len));   /* sized with its data */
    else
        node_free(v);
}

/* Java's Double.equals / Float.equals: bitwise, so NaN equals NaN and 0.0
 * differs from -0.0. */
static bool float_equal(trib_type t, double a, double b) {
    if (isnan(a) && isnan(b)) return true;
    if (t == TRIB_FLOAT32) {
        float fa = (float)a, fb = (float)b;
        return memcmp(&fa, &fb, sizeof fa) == 0;
    }
    return memcmp(&a, &b, sizeof a) == 0;
}

/* Maps compare as Java's Map.equals: same size and every entry of a found
 * in b, regardless of order. */
static bool map_equal(const trib_value *a, const trib_value *b) {
    if (a->u.map.n != b->u.map.n) return false;
    for (size_t i = 0; i < a->u.map.n; i++) {
        bool hit = false;
        for (size_t j = 0; j < b->u.map.n && !hit; j++) {
            if (trib_value_equal(a->u.map.keys[i], b->u.map.keys[j]))
                hit = trib_value_equal(a->u.map.vals[i], b->u.map.vals[j]);
        }
        if (!hit) return false;
    }
    return true;
}

bool trib_value_equal(const trib_value *a, const trib_value *b) {
    if (a == b) return true;
    if (!a || !b || a->type != b->type) return false;
    switch (a->type) {
    case TRIB_INT8:
    case TRIB_INT16:
    case TRIB_INT32:
    case TRIB_INT64:
        return a->u.i == b->u.i;
    case TRIB_FLOAT32:
    case TRIB_FLOAT64:
        return float_equal(a->type, a->u.f, b->u.f);
    case TRIB_BOOLEAN:
        return a->u.b == b->u.b;
    case TRIB_STRING:
    case TRIB_BYTES:
        return a->u.str.len == b->u.str.len &&
               (a->u.str.len == 0 || memcmp(a->u.str.data, b->u.str.data, a->u.str.len) == 0);
    case TRIB_ARRAY:
        if (a->u.arr.n != b->u.arr.n) return false;
        for (size_t i = 0; i < a->u.arr.n; i++)
            if (!trib_value_equal(a->u.arr.items[i], b->u.arr.items[i])) return false;
        return true;
    case TRIB_MAP:
        return map_equal(a, b);
    case TRIB_STRUCT: {
        if (!trib_schema_equal(a->u.st.schema, b->u.st.schema)) return false;
        size_t n = a->u.st.schema ? a->u.st.schema->nfields : 0;
        for (size_t i = 0; i < n; i++)
            if (!trib_value_equal(a->u.st.fields[i], b->u.st.fields[i])) return false;
        return true;
    }
    }
    return false;
}

/* ---- validation ---------------------------------------------------------------------- */

/* Field path as it grows while descending: "address.street", "tags[2]". */
typedef struct vpath {
    char buf[512];
    size_t len;
} vpath;

static size_t path_push(vpath *p, const char *fmt, const char *s, size_t i) {
    size_t old = p->len;
    int n;
    if (fmt[0] == '.' && p->len == 0) fmt++;   /* no leading dot at the top */
    if (s)
        n = snprintf(p->buf + p->len, sizeof p->buf - p->len, fmt, s);
    else
        n = snprintf(p->buf + p->len, sizeof p->buf - p->len, fmt, i);
    if (n > 0) p->len = p->len + (size_t)n < sizeof p->buf ? p->len + (size_t)n : sizeof p->buf - 1;
    return old;
}

static void path_pop(vpath *p, size_t old) {
    p->len = old;
    p->buf[old] = '\0';
}

static int validate_rec(const trib_schema *s, const trib_value *v, vpath *path, trib_error *err) {
    const char *field = path->len ? path->buf : "null";   /* Connect prints a null field as "null" */
    if (!s) return 0;   /* schemaless: anything goes */
    if (!v) {
        if (!s->optional)
            return trib_error_set(err, TRIB_ERR_INVALID,
                                  "Invalid value: null used for required field: \"%s\", schema type: %s",
                                  field, type_upper[s->type]);
        return 0;
    }
    if (!type_valid(v->type) || v->type != s->type) {
        char name[300] = "";
        if (s->name) snprintf(name, sizeof name, " \"%s\"", s->name);
        char fld[600] = "";
        if (path->len) snprintf(fld, sizeof fld, " for field: \"%s\"", path->buf);
        return trib_error_set(err, TRIB_ERR_INVALID, "Invalid Java object for schema%s with type %s: class %s%s",
                              name, type_upper[s->type],
                              type_valid(v->type) ? java_class[v->type] : "unknown", fld);
    }
    switch (s->type) {
    case TRIB_INT8:
    case TRIB_INT16:
    case TRIB_INT32: {
        int64_t lo = s->type == TRIB_INT8 ? INT8_MIN : s->type == TRIB_INT16 ? INT16_MIN : INT32_MIN;
        int64_t hi = s->type == TRIB_INT8 ? INT8_MAX : s->type == TRIB_INT16 ? INT16_MAX : INT32_MAX;
        if (v->u.i < lo || v->u.i > hi)
            return trib_error_set(err, TRIB_ERR_INVALID, "Invalid value %" PRId64 " for field \"%s\": out of range for %s",
                                  v->u.i, field, type_upper[s->type]);
        return 0;
    }
    case TRIB_STRUCT: {
        if (!trib_schema_equal(v->u.st.schema, s)) {
            if (path->len)
                return trib_error_set(err, TRIB_ERR_INVALID, "Struct schemas do not match for field: \"%s\".", field);
            return trib_error_set(err, TRIB_ERR_INVALID, "Struct schemas do not match.");
        }
        for (size_t i = 0; i < s->nfields; i++) {
            size_t old = path_push(path, ".%s", s->fields[i].name, 0);
            int rc = validate_rec(s->fields[i].schema, v->u.st.fields[i], path, err);
            path_pop(path, old);
            if (rc) return rc;
        }
        return 0;
    }
    case TRIB_ARRAY:
        for (size_t i = 0; i < v->u.arr.n; i++) {
            size_t old = path_push(path, "[%zu]", NULL, i);
            int rc = validate_rec(s->value_schema, v->u.arr.items[i], path, err);
            path_pop(path, old);
            if (rc) return rc;
        }
        return 0;
    case TRIB_MAP:
        for (size_t i = 0; i < v->u.map.n; i++) {
            const trib_value *k = v->u.map.keys[i];
            size_t old = (k && k->type == TRIB_STRING) ? path_push(path, "[%s]", k->u.str.data, 0)
                                                       : path_push(path, "[%zu]", NULL, i);
            int rc = validate_rec(s->key_schema, k, path, err);
            if (!rc) rc = validate_rec(s->value_schema, v->u.map.vals[i], path, err);
            path_pop(path, old);
            if (rc) return rc;
        }
        return 0;
    default:
        return 0;
    }
}

int trib_value_validate(const trib_schema *s, const trib_value *v, trib_error *err) {
    vpath path;
    path.len = 0;
    path.buf[0] = '\0';
    return validate_rec(s, v, &path, err);
}

/* ---- decimals ------------------------------------------------------------------------- */

/* Unscaled two's-complement big-endian bytes -> plain decimal text with the
 * point placed by scale (BigDecimal.toPlainString). An empty array is 0. */
char *trib_decimal_to_string(const void *unscaled, size_t n, int scale) {
    const uint8_t *in = unscaled;
    bool neg = n > 0 && (in[0] & 0x80);
    /* Magnitude as a mutable big-endian copy. */
    uint8_t *mag = trib_xmalloc(n ? n : 1);
    if (n) memcpy(mag, in, n);
    if (neg) {   /* negate: invert and add one */
        for (size_t i = 0; i < n; i++) mag[i] = (uint8_t)~mag[i];
        for (size_t i = n; i-- > 0;)
            if (++mag[i] != 0) break;
    }
    /* Repeated division by 10^9 gives base-1e9 limbs, least significant first. */
    size_t maxlimbs = n * 8 / 29 + 2;   /* 2^29 < 10^9 */
    uint32_t *limbs = trib_xmalloc(maxlimbs * sizeof *limbs);
    size_t nl = 0;
    size_t start = 0;
    while (start < n && mag[start] == 0) start++;
    while (start < n) {
        uint64_t rem = 0;
        for (size_t i = start; i < n; i++) {
            uint64_t cur = (rem << 8) | mag[i];
            mag[i] = (uint8_t)(cur / 1000000000u);
            rem = cur % 1000000000u;
        }
        limbs[nl++] = (uint32_t)rem;
        while (start < n && mag[start] == 0) start++;
    }
    free(mag);
    /* Digits, most significant first. */
    char *digits = trib_xmalloc(nl * 9 + 2);
    size_t nd = 0;
    if (nl == 0) {
        digits[nd++] = '0';
    } else {
        nd = (size_t)sprintf(digits, "%" PRIu32, limbs[nl - 1]);
        for (size_t i = nl - 1; i-- > 0;) nd += (size_t)sprintf(digits + nd, "%09" PRIu32, limbs[i]);
    }
    free(limbs);
    bool is_zero = nl == 0;

    trib_strbuf sb;
    trib_strbuf_init(&sb);
    if (neg && !is_zero) trib_strbuf_putc(&sb, '-');
    if (scale <= 0) {
        trib_strbuf_append(&sb, digits, nd);
        if (!is_zero)
            for (long z = 0; z < -(long)scale; z++) trib_strbuf_putc(&sb, '0');
    } else if ((size_t)scale >= nd) {
        trib_strbuf_puts(&sb, "0.");
        for (size_t z = 0; z < (size_t)scale - nd; z++) trib_strbuf_putc(&sb, '0');
        trib_strbuf_append(&sb, digits, nd);
    } else {
        trib_strbuf_append(&sb, digits, nd - (size_t)scale);
        trib_strbuf_putc(&sb, '.');
        trib_strbuf_append(&sb, digits + nd - (size_t)scale, (size_t)scale);
    }
    free(digits);
    return trib_strbuf_take(&sb);
}

/* Decimal digits (most significant first) -> minimal two's-complement
 * big-endian bytes, as BigInteger.toByteArray. */
static trib_value *digits_to_unscaled(const char *d, size_t nd, bool neg) {
    /* One extra byte so the sign bit always has room before trimming. */
    size_t cap = nd / 2 + 2;
    uint8_t *b = trib_xcalloc(cap, 1);   /* little-endian while building */
    size_t used = 1;
    for (size_t i = 0; i < nd; i++) {
        unsigned carry = (unsigned)(d[i] - '0');
        for (size_t j = 0; j < used; j++) {
            unsigned cur = b[j] * 10u + carry;
            b[j] = (uint8_t)cur;
            carry = cur >> 8;
        }
        if (carry) b[used++] = (uint8_t)carry;
    }
    size_t len = used + 1;   /* room for the sign */
    if (neg) {
        for (size_t j = 0; j < len; j++) b[j] = (uint8_t)~b[j];
        for (size_t j = 0; j < len; j++)
            if (++b[j] != 0) break;
    }
    /* Trim redundant sign bytes from the top. */
    while (len > 1) {
        uint8_t top = b[len - 1], next = b[len - 2];
        if ((top == 0x00 && !(next & 0x80)) || (top == 0xFF && (next & 0x80)))
            len--;
        else
            break;
    }
    uint8_t *be = trib_xmalloc(len);
    for (size_t j = 0; j < len; j++) be[j] = b[len - 1 - j];
    free(b);
    trib_value *v = trib_value_bytes(be, len);
    free(be);
    return v;
}

/* Accepts [+-]digits[.digits][(e|E)[+-]digits]. Rescales to `scale`,
 * padding with zeros; refuses to drop non-zero digits (as BigDecimal.setScale
 * without rounding: "Rounding necessary"). */
int trib_decimal_from_string(const char *s, int scale, trib_value **out, trib_error *err) {
    *out = NULL;
    if (!s) return trib_error_set(err, TRIB_ERR_INVALID, "decimal: null text");
    const char *p = s;
    bool neg = false;
    if (*p == '+' || *p == '-') neg = *p++ == '-';
    trib_strbuf digs;
    trib_strbuf_init(&digs);
    long frac = 0;   /* digits after the point */
    bool any = false, point = false;
    for (; *p; p++) {
        if (isdigit((unsigned char)*p)) {
            trib_strbuf_putc(&digs, *p);
            any = true;
            if (point) frac++;
        } else if (*p == '.' && !point) {
            point = true;
        } else {
            break;
        }
    }
    long exp10 = 0;
    if (any && (*p == 'e' || *p == 'E')) {
        p++;
        bool eneg = false;
        if (*p == '+' || *p == '-') eneg = *p++ == '-';
        if (!isdigit((unsigned char)*p)) any = false;
        for (; isdigit((unsigned char)*p); p++) {
            exp10 = exp10 * 10 + (*p - '0');
            if (exp10 > 100000000L) {
                trib_strbuf_free(&digs);
                return trib_error_set(err, TRIB_ERR_INVALID, "decimal: exponent out of range in '%s'", s);
            }
        }
        if (eneg) exp10 = -exp10;
    }
    if (!any || *p) {
        trib_strbuf_free(&digs);
        return trib_error_set(err, TRIB_ERR_INVALID, "decimal: '%s' is not a decimal number", s);
    }
    /* value = digits * 10^(exp10 - frac); we need digits' * 10^-scale. */
    long shift = (long)scale + exp10 - frac;   /* zeros to append (or digits to drop if < 0) */
    if (shift > 100000L) {
        trib_strbuf_free(&digs);
        return trib_error_set(err, TRIB_ERR_INVALID, "decimal: '%s' is too large for scale %d", s, scale);
    }
    if (shift >= 0) {
        for (long i = 0; i < shift; i++) trib_strbuf_putc(&digs, '0');
    } else {
        size_t drop = (size_t)(-shift);
        size_t keep = drop >= digs.len ? 0 : digs.len - drop;
        for (size_t i = keep; i < digs.len; i++) {
            if (digs.data[i] != '0') {
                trib_strbuf_free(&digs);
                return trib_error_set(err, TRIB_ERR_INVALID,
                                      "decimal: '%s' has more digits than scale %d allows (rounding necessary)", s,
                                      scale);
            }
        }
        digs.len = keep;
    }
    /* Skip leading zeros; an all-zero number is 0 (and never negative). */
    size_t first = 0;
    while (first < digs.len && digs.data[first] == '0') first++;
    if (first == digs.len) neg = false;
    *out = digits_to_unscaled(digs.data ? digs.data + first : "", digs.len - first, neg);
    trib_strbuf_free(&digs);
    return 0;
}

/* ---- records ---------------------------------------------------------------------------- */

/* The topic given at creation lives in the record's own allocation. */
static char *inline_topic(const trib_record *r) { return (char *)(r + 1); }

trib_record *trib_record_new(const char *topic) {
    size_t n = topic ? strlen(topic) : 0;
    trib_record *r = trib_block_alloc(sizeof *r + n + 1);
    if (topic) {
        r->topic = inline_topic(r);
        memcpy(r->topic, topic, n + 1);
    }
    r->partition = -1;
    r->timestamp = -1;
    r->kafka_offset = -1;
    return r;
}

void trib_record_destroy(trib_record *r) {
    if (!r) return;
    if (r->topic != inline_topic(r)) free(r->topic);
    trib_schema_unref(r->key_schema);
    trib_value_destroy(r->key);
    trib_schema_unref(r->value_schema);
    trib_value_destroy(r->value);
    for (size_t i = 0; i < r->nheaders; i++) {
        free(r->headers[i].key);
        trib_schema_unref(r->headers[i].schema);
        trib_value_destroy(r->headers[i].value);
    }
    free(r->headers);
    json_decref(r->source_partition);
    json_decref(r->source_offset);
    /* The topic given at creation stays in place after set_topic, so it
     * still tells the allocation's size. */
    trib_block_free(r, sizeof *r + strlen(inline_topic(r)) + 1);
}

trib_record *trib_record_clone(const trib_record *r) {
    if (!r) return NULL;
    trib_record *c = trib_record_new(r->topic);
    char *topic = c->topic;
    *c = *r;   /* scalars and borrowed raw pointers */
    c->topic = topic;
    c->key_schema = trib_schema_ref(r->key_schema);
    c->key = trib_value_clone(r->key);
    c->value_schema = trib_schema_ref(r->value_schema);
    c->value = trib_value_clone(r->value);
    c->headers = NULL;
    c->nheaders = c->headers_cap = 0;
    for (size_t i = 0; i < r->nheaders; i++)
        trib_record_add_header_take(c, r->headers[i].key, trib_schema_ref(r->headers[i].schema),
                                    trib_value_clone(r->headers[i].value));
    /* Deep copies: JSON objects are mutable and the clone may go to another thread. */
    c->source_partition = r->source_partition ? json_deep_copy(r->source_partition) : NULL;
    c->source_offset = r->source_offset ? json_deep_copy(r->source_offset) : NULL;
    return c;
}

void trib_record_set_topic(trib_record *r, const char *topic) {
    char *t = trib_xstrdup(topic);
    if (r->topic != inline_topic(r)) free(r->topic);
    r->topic = t;
}

void trib_record_set_key_take(trib_record *r, trib_schema *schema, trib_value *key) {
    trib_schema_unref(r->key_schema);
    if (r->key != key) trib_value_destroy(r->key);
    r->key_schema = schema;
    r->key = key;
}

void trib_record_set_value_take(trib_record *r, trib_schema *schema, trib_value *value) {
    trib_schema_unref(r->value_schema);
    if (r->value != value) trib_value_destroy(r->value);
    r->value_schema = schema;
    r->value = value;
}

void trib_record_add_header_take(trib_record *r, const char *key, trib_schema *schema, trib_value *value) {
    if (r->nheaders == r->headers_cap) {
        r->headers_cap = r->headers_cap ? r->headers_cap * 2 : 4;
        r->headers = trib_xrealloc(r->headers, r->headers_cap * sizeof *r->headers);
    }
    trib_connect_header *h = &r->headers[r->nheaders++];
    h->key = trib_xstrdup(key ? key : "");
    h->schema = schema;
    h->value = value;
}

void trib_record_add_header_string(trib_record *r, const char *key, const char *value) {
    /* Connect gives a null string header the optional string schema */
    trib_record_add_header_take(r, key, trib_schema_primitive(TRIB_STRING, value == NULL),
                                value ? trib_value_string(value) : NULL);
}

void trib_record_add_header_long(trib_record *r, const char *key, int64_t value) {
    trib_record_add_header_take(r, key, trib_schema_primitive(TRIB_INT64, false), trib_value_int(TRIB_INT64, value));
}

const trib_connect_header *trib_record_header(const trib_record *r, const char *key) {
    for (size_t i = r->nheaders; i-- > 0;)
        if (strcmp(r->headers[i].key, key) == 0) return &r->headers[i];
    return NULL;
}

void trib_record_remove_headers(trib_record *r, const char *key) {
    size_t w = 0;
    for (size_t i = 0; i < r->nheaders; i++) {
        if (strcmp(r->headers[i].key, key) == 0) {
            free(r->headers[i].key);
            trib_schema_unref(r->headers[i].schema);
            trib_value_destroy(r->headers[i].value);
        } else {
            r->headers[w++] = r->headers[i];
        }
    }
    r->nheaders = w;
}

/* ---- batches ------------------------------------------------------------------------------ */

void trib_record_batch_init(trib_record_batch *b) {
    b->items = NULL;
    b->n = b->cap = 0;
}

void trib_record_batch_add_take(trib_record_batch *b, trib_record *r) {
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 16;
        b->items = trib_xrealloc(b->items, b->cap * sizeof *b->items);
    }
    b->items[b->n++] = r;
}

void trib_record_batch_clear(trib_record_batch *b) {
    for (size_t i = 0; i < b->n; i++) trib_record_destroy(b->items[i]);
    b->n = 0;
}

void trib_record_batch_free(trib_record_batch *b) {
    trib_record_batch_clear(b);
    free(b->items);
    b->items = NULL;
    b->cap = 0;
}
