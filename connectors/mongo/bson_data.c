/*
 * bson_data.c: BSON to Connect data, for the MongoDB source with
 * output.format.*=schema: a document becomes a struct whose schema is
 * inferred from the document itself (every field optional, as documents of
 * one collection differ). The types mirror bson_value.c, so a document the
 * sink wrote from Connect data comes back with the same types:
 *
 *   int32 -> int32, int64 -> int64, double -> float64, boolean, string,
 *   binary -> bytes, Decimal128 -> Decimal (scale = the exponent), date ->
 *   Timestamp, document -> struct, array -> array (items of one schema;
 *   mixed arrays become arrays of extended-JSON strings), ObjectId -> its
 *   hex string, null -> an optional string that is null. Other BSON types
 *   (timestamps, regular expressions, ...) become their relaxed extended
 *   JSON text.
 */
#include "connectors/mongo/mongo_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* The value of one element as relaxed extended JSON text. */
static char *element_json(const bson_iter_t *it) {
    bson_t tmp = BSON_INITIALIZER;
    bson_append_iter(&tmp, "v", 1, it);
    char *j = bson_as_relaxed_extended_json(&tmp, NULL);
    bson_destroy(&tmp);
    /* {"v" : X } -> X */
    char *out = j ? trib_xstrdup(j + strlen("{ \"v\" : ")) : trib_xstrdup("null");
    size_t n = strlen(out);
    if (j && n >= 2) out[n - 2] = '\0';
    bson_free(j);
    return out;
}

static int convert(const bson_iter_t *it, trib_schema **s, trib_value **v, trib_error *err);

int trib_mongo_doc_to_struct(const bson_t *doc, trib_schema **schema, trib_value **value, trib_error *err) {
    bson_iter_t it;
    *schema = NULL;
    *value = NULL;
    if (!bson_iter_init(&it, doc)) return trib_error_set(err, TRIB_ERR_INVALID, "mongo: a corrupt BSON document");
    trib_schema *st = trib_schema_struct_new(NULL);
    st->optional = true;
    size_t n = 0, cap = 16;
    trib_value **vals = trib_xcalloc(cap, sizeof *vals);
    while (bson_iter_next(&it)) {
        trib_schema *fs;
        trib_value *fv;
        if (convert(&it, &fs, &fv, err) < 0) {
            for (size_t i = 0; i < n; i++) trib_value_destroy(vals[i]);
            free(vals);
            trib_schema_unref(st);
            return -1;
        }
        if (trib_schema_field(st, bson_iter_key(&it))) {   /* duplicate key: the first wins */
            trib_schema_unref(fs);
            trib_value_destroy(fv);
            continue;
        }
        trib_schema_add_field_take(st, bson_iter_key(&it), fs);
        if (n == cap) vals = trib_xrealloc(vals, (cap *= 2) * sizeof *vals);
        vals[n++] = fv;
    }
    trib_value *sv = trib_value_struct_new(st);
    for (size_t i = 0; i < n; i++) sv->u.st.fields[i] = vals[i];
    free(vals);
    *schema = st;
    *value = sv;
    return 0;
}

static int convert_array(const bson_iter_t *it, trib_schema **s, trib_value **v, trib_error *err) {
    bson_iter_t sub;
    bson_iter_recurse(it, &sub);
    trib_value *arr = trib_value_array_new();
    trib_schema *items = NULL;
    bool mixed = false;
    while (bson_iter_next(&sub)) {
        trib_schema *is;
        trib_value *iv;
        if (convert(&sub, &is, &iv, err) < 0) {
            trib_value_destroy(arr);
            trib_schema_unref(items);
            return -1;
        }
        if (!items) {
            items = is;
        } else {
            if (!trib_schema_equal(items, is)) mixed = true;
            trib_schema_unref(is);
        }
        trib_value_array_append_take(arr, iv);
    }
    if (mixed) {
        /* One item schema per array in Connect: mixed arrays as JSON text. */
        trib_value_destroy(arr);
        trib_schema_unref(items);
        items = trib_schema_primitive(TRIB_STRING, true);
        arr = trib_value_array_new();
        bson_iter_recurse(it, &sub);
        while (bson_iter_next(&sub)) trib_value_array_append_take(arr, trib_value_string_take(element_json(&sub)));
    }
    if (!items) items = trib_schema_primitive(TRIB_STRING, true);
    trib_schema *as = trib_schema_array_take(items);
    as->optional = true;
    *s = as;
    *v = arr;
    return 0;
}

/* Decimal128 -> Connect Decimal: "-1234.56" has scale 2. Exponent forms,
 * NaN and infinities have no Decimal form and stay text. */
static int convert_decimal(const bson_iter_t *it, trib_schema **s, trib_value **v) {
    bson_decimal128_t d;
    bson_iter_decimal128(it, &d);
    char text[BSON_DECIMAL128_STRING];
    bson_decimal128_to_string(&d, text);
    const char *dot = strchr(text, '.');
    int scale = dot ? (int)strlen(dot + 1) : 0;
    trib_value *val = NULL;
    if (!strpbrk(text, "EeNnIi") && trib_decimal_from_string(text, scale, &val, NULL) == 0) {
        *s = trib_schema_decimal(scale, true);
        *v = val;
        return 0;
    }
    *s = trib_schema_primitive(TRIB_STRING, true);
    *v = trib_value_string(text);
    return 0;
}

static int convert(const bson_iter_t *it, trib_schema **s, trib_value **v, trib_error *err) {
    switch (bson_iter_type(it)) {
    case BSON_TYPE_INT32:
        *s = trib_schema_primitive(TRIB_INT32, true);
        *v = trib_value_int(TRIB_INT32, bson_iter_int32(it));
        return 0;
    case BSON_TYPE_INT64:
        *s = trib_schema_primitive(TRIB_INT64, true);
        *v = trib_value_int(TRIB_INT64, bson_iter_int64(it));
        return 0;
    case BSON_TYPE_DOUBLE:
        *s = trib_schema_primitive(TRIB_FLOAT64, true);
        *v = trib_value_float(TRIB_FLOAT64, bson_iter_double(it));
        return 0;
    case BSON_TYPE_BOOL:
        *s = trib_schema_primitive(TRIB_BOOLEAN, true);
        *v = trib_value_bool(bson_iter_bool(it));
        return 0;
    case BSON_TYPE_UTF8: {
        uint32_t len;
        const char *str = bson_iter_utf8(it, &len);
        *s = trib_schema_primitive(TRIB_STRING, true);
        *v = trib_value_string_n(str, len);
        return 0;
    }
    case BSON_TYPE_BINARY: {
        bson_subtype_t sub;
        uint32_t len;
        const uint8_t *data;
        bson_iter_binary(it, &sub, &len, &data);
        *s = trib_schema_primitive(TRIB_BYTES, true);
        *v = trib_value_bytes(data, len);
        return 0;
    }
    case BSON_TYPE_DATE_TIME:
        *s = trib_schema_timestamp(true);
        *v = trib_value_int(TRIB_INT64, bson_iter_date_time(it));
        return 0;
    case BSON_TYPE_DECIMAL128:
        return convert_decimal(it, s, v);
    case BSON_TYPE_OID: {
        char hex[25];
        bson_oid_to_string(bson_iter_oid(it), hex);
        *s = trib_schema_primitive(TRIB_STRING, true);
        *v = trib_value_string(hex);
        return 0;
    }
    case BSON_TYPE_NULL:
    case BSON_TYPE_UNDEFINED:
        *s = trib_schema_primitive(TRIB_STRING, true);
        *v = NULL;
        return 0;
    case BSON_TYPE_DOCUMENT: {
        uint32_t len;
        const uint8_t *data;
        bson_iter_document(it, &len, &data);
        bson_t sub;
        if (!bson_init_static(&sub, data, len))
            return trib_error_set(err, TRIB_ERR_INVALID, "mongo: a corrupt embedded document");
        return trib_mongo_doc_to_struct(&sub, s, v, err);
    }
    case BSON_TYPE_ARRAY:
        return convert_array(it, s, v, err);
    default:
        *s = trib_schema_primitive(TRIB_STRING, true);
        *v = trib_value_string_take(element_json(it));
        return 0;
    }
}

char *trib_mongo_doc_to_json(const bson_t *doc) {
    char *j = bson_as_relaxed_extended_json(doc, NULL);
    char *out = trib_xstrdup(j ? j : "{}");
    bson_free(j);
    return out;
}
