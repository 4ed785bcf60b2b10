/*
 * bson_value.c: Connect data (proto/data.h) to BSON, for the MongoDB sink.
 *
 * The mapping follows the official MongoDB Kafka connector so documents
 * look the same after a switch: int8/16/32 -> int32, int64 -> int64,
 * float32/64 -> double, boolean, string -> UTF-8, bytes -> binary (subtype
 * 0), array -> array, struct and map -> embedded document, and the logical
 * types Decimal -> Decimal128 (scale kept as the exponent), Date, Time and
 * Timestamp -> BSON date (UTC milliseconds; a Date is days * 86400000, a
 * Time the milliseconds after 1970-01-01T00:00). Schemaless values carry
 * their own types; logical types need a schema.
 */
#include "connectors/mongo/mongo_internal.h"

#include <string.h>

#include "common/util.h"

static int bad_key(const char *key, size_t len) {
    return memchr(key, '\0', len) != NULL;
}

static int append_decimal(bson_t *doc, const char *key, size_t key_len, const trib_schema *schema,
                          const trib_value *v, trib_error *err) {
    char *text = trib_decimal_to_string(v->u.str.data, v->u.str.len, trib_schema_decimal_scale(schema));
    bson_decimal128_t dec;
    bool ok = bson_decimal128_from_string(text, &dec);
    /* libbson parses what does not fit 34 digits into NaN rather than
     * failing: NaN in the output is never what the input meant. */
    ok = ok && !(dec.high == 0x7c00000000000000ULL && dec.low == 0);
    if (!ok) {
        trib_error_set(err, TRIB_ERR_INVALID,
                       "mongo: field '%.*s': the decimal %s does not fit Decimal128 (34 significant digits)",
                       (int)key_len, key, text);
        free(text);
        return -1;
    }
    free(text);
    bson_append_decimal128(doc, key, (int)key_len, &dec);
    return 0;
}

static int append_fields(bson_t *doc, const trib_schema *schema, const trib_value *v, trib_error *err);

int trib_mongo_append_value(bson_t *doc, const char *key, size_t key_len, const trib_schema *schema,
                            const trib_value *v, trib_error *err) {
    if (bad_key(key, key_len))
        return trib_error_set(err, TRIB_ERR_INVALID, "mongo: a field name contains a NUL byte");
    if (!v) {
        bson_append_null(doc, key, (int)key_len);
        return 0;
    }
    if (schema && schema->name) {
        if (trib_schema_is_logical(schema, TRIB_LOGICAL_DECIMAL) && v->type == TRIB_BYTES)
            return append_decimal(doc, key, key_len, schema, v, err);
        if (trib_schema_is_logical(schema, TRIB_LOGICAL_DATE) && v->type == TRIB_INT32) {
            bson_append_date_time(doc, key, (int)key_len, v->u.i * 86400000LL);
            return 0;
        }
        if ((trib_schema_is_logical(schema, TRIB_LOGICAL_TIME) && v->type == TRIB_INT32) ||
            (trib_schema_is_logical(schema, TRIB_LOGICAL_TIMESTAMP) && v->type == TRIB_INT64)) {
            bson_append_date_time(doc, key, (int)key_len, v->u.i);
            return 0;
        }
    }
    switch (v->type) {
    case TRIB_INT8:
    case TRIB_INT16:
    case TRIB_INT32:
        bson_append_int32(doc, key, (int)key_len, (int32_t)v->u.i);
        return 0;
    case TRIB_INT64:
        bson_append_int64(doc, key, (int)key_len, v->u.i);
        return 0;
    case TRIB_FLOAT32:
    case TRIB_FLOAT64:
        bson_append_double(doc, key, (int)key_len, v->u.f);
        return 0;
    case TRIB_BOOLEAN:
        bson_append_bool(doc, key, (int)key_len, v->u.b);
        return 0;
    case TRIB_STRING:
        if (!bson_utf8_validate(v->u.str.data, v->u.str.len, false))
            return trib_error_set(err, TRIB_ERR_INVALID, "mongo: field '%.*s' is not valid UTF-8", (int)key_len,
                                  key);
        bson_append_utf8(doc, key, (int)key_len, v->u.str.data, (int)v->u.str.len);
        return 0;
    case TRIB_BYTES:
        bson_append_binary(doc, key, (int)key_len, BSON_SUBTYPE_BINARY, (const uint8_t *)v->u.str.data,
                           (uint32_t)v->u.str.len);
        return 0;
    case TRIB_ARRAY: {
        bson_t arr;
        bson_append_array_begin(doc, key, (int)key_len, &arr);
        const trib_schema *items = schema ? schema->value_schema : NULL;
        int rc = 0;
        for (size_t i = 0; i < v->u.arr.n && rc == 0; i++) {
            const char *ik;
            char buf[16];
            size_t kl = bson_uint32_to_string((uint32_t)i, &ik, buf, sizeof buf);
            rc = trib_mongo_append_value(&arr, ik, kl, items, v->u.arr.items[i], err);
        }
        bson_append_array_end(doc, &arr);
        return rc;
    }
    case TRIB_MAP:
    case TRIB_STRUCT: {
        bson_t sub;
        bson_append_document_begin(doc, key, (int)key_len, &sub);
        int rc = append_fields(&sub, schema, v, err);
        bson_append_document_end(doc, &sub);
        if (rc < 0) trib_error_prefix(err, "in '%.*s'", (int)key_len, key);
        return rc;
    }
    }
    return trib_error_set(err, TRIB_ERR_INVALID, "mongo: field '%.*s' has an unknown type", (int)key_len, key);
}

/* The fields of a struct or the entries of a map, appended to doc. */
static int append_fields(bson_t *doc, const trib_schema *schema, const trib_value *v, trib_error *err) {
    if (v->type == TRIB_STRUCT) {
        const trib_schema *st = v->u.st.schema;
        for (size_t i = 0; i < st->nfields; i++) {
            const trib_field *f = &st->fields[i];
            if (trib_mongo_append_value(doc, f->name, strlen(f->name), f->schema, v->u.st.fields[i], err) < 0)
                return -1;
        }
        return 0;
    }
    const trib_schema *vs = schema ? schema->value_schema : NULL;
    for (size_t i = 0; i < v->u.map.n; i++) {
        const trib_value *k = v->u.map.keys[i];
        if (!k || k->type != TRIB_STRING)
            return trib_error_set(err, TRIB_ERR_INVALID,
                                  "mongo: a map with %s keys cannot be a document (keys must be strings)",
                                  k ? trib_type_name(k->type) : "null");
        if (trib_mongo_append_value(doc, k->u.str.data, k->u.str.len, vs, v->u.map.vals[i], err) < 0) return -1;
    }
    return 0;
}

int trib_mongo_value_to_doc(const trib_schema *schema, const trib_value *v, const char *what, bson_t **out,
                            trib_error *err) {
    *out = NULL;
    if (!v) return 0;
    if (v->type == TRIB_STRUCT || v->type == TRIB_MAP) {
        bson_t *doc = bson_new();
        if (append_fields(doc, schema, v, err) < 0) {
            bson_destroy(doc);
            return trib_error_prefix(err, "%s", what);
        }
        *out = doc;
        return 0;
    }
    if (v->type == TRIB_STRING) {
        bson_error_t e;
        bson_t *doc = bson_new_from_json((const uint8_t *)v->u.str.data, (ssize_t)v->u.str.len, &e);
        if (!doc)
            return trib_error_set(err, TRIB_ERR_INVALID, "mongo: %s is a string that is not a JSON document: %s",
                                  what, e.message);
        *out = doc;
        return 0;
    }
    return trib_error_set(err, TRIB_ERR_INVALID,
                          "mongo: %s is a %s; a document needs a struct, a map or a JSON object string", what,
                          trib_type_name(v->type));
}
