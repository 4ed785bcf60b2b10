/*
 * data.h: Tributary's record data model, the C twin of Kafka Connect's
 * org.apache.kafka.connect.data (Schema, Struct, SchemaAndValue) and
 * ConnectRecord. Converters, transforms and connectors all speak it.
 *
 * Schemas are immutable once built and reference-counted (atomically), so
 * one schema is shared by every record of a batch and across threads.
 * Values are plain trees owned by whoever holds the root; a NULL
 * trib_value pointer is the null value. Values carry their own type, so
 * schemaless data (JsonConverter with schemas.enable=false) needs no schema:
 * there, objects are MAPs with STRING keys, numbers INT64 or FLOAT64.
 *
 * Logical types follow Connect: a schema with one of the names below.
 *   Decimal   BYTES, unscaled two's-complement big-endian, param "scale"
 *   Date      INT32 days since the epoch
 *   Time      INT32 milliseconds since midnight
 *   Timestamp INT64 milliseconds since the epoch
 */
#ifndef TRIB_PROTO_DATA_H
#define TRIB_PROTO_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "common/error.h"
#include "common/props.h"

typedef enum trib_type {
    TRIB_INT8,
    TRIB_INT16,
    TRIB_INT32,
    TRIB_INT64,
    TRIB_FLOAT32,
    TRIB_FLOAT64,
    TRIB_BOOLEAN,
    TRIB_STRING,
    TRIB_BYTES,
    TRIB_ARRAY,
    TRIB_MAP,
    TRIB_STRUCT,
} trib_type;

#define TRIB_LOGICAL_DECIMAL   "org.apache.kafka.connect.data.Decimal"
#define TRIB_LOGICAL_DATE      "org.apache.kafka.connect.data.Date"
#define TRIB_LOGICAL_TIME      "org.apache.kafka.connect.data.Time"
#define TRIB_LOGICAL_TIMESTAMP "org.apache.kafka.connect.data.Timestamp"
#define TRIB_DECIMAL_SCALE_PARAM "scale"

/* Connect's lower-case type names: "int8" ... "struct". */
const char *trib_type_name(trib_type t);
/* Connect's Schema.Type enum name ("INT8" ... "STRUCT") and the Java class
 * Connect reports for a value of the type (for error texts that match
 * Connect's); "unknown" for an invalid type. */
const char *trib_type_upper_name(trib_type t);
const char *trib_type_java_class(trib_type t);
int trib_type_parse(const char *name, trib_type *out);   /* -1 if unknown */
bool trib_type_is_primitive(trib_type t);

typedef struct trib_schema trib_schema;
typedef struct trib_value trib_value;

typedef struct trib_field {
    char *name;
    int index;
    trib_schema *schema;
} trib_field;

struct trib_schema {
    int refcnt;                 /* atomic; use trib_schema_ref/unref */
    trib_type type;
    bool optional;
    char *name;                 /* NULL if unnamed */
    int32_t version;            /* 0 = no version */
    char *doc;
    trib_value *default_value;  /* NULL = no default */
    trib_props *params;         /* NULL if none */
    trib_schema *key_schema;    /* MAP */
    trib_schema *value_schema;  /* MAP values, ARRAY items */
    trib_field *fields;         /* STRUCT, in declaration order */
    size_t nfields;
};

/* ---- schemas -------------------------------------------------------------- */

/* A new schema with refcnt 1. Build it fully, then share it. */
trib_schema *trib_schema_new(trib_type type);
trib_schema *trib_schema_ref(trib_schema *s);  /* NULL-safe; returns s */
void trib_schema_unref(trib_schema *s);        /* NULL-safe */

/* Builders (only while the caller holds the sole reference). Setters copy
 * strings; *_take functions take ownership of the schema/value passed. */
void trib_schema_set_name(trib_schema *s, const char *name);
void trib_schema_set_doc(trib_schema *s, const char *doc);
void trib_schema_set_param(trib_schema *s, const char *key, const char *value);
void trib_schema_set_default_take(trib_schema *s, trib_value *dflt);
trib_schema *trib_schema_array_take(trib_schema *items);
trib_schema *trib_schema_map_take(trib_schema *key, trib_schema *value);
trib_schema *trib_schema_struct_new(const char *name);   /* NULL name allowed */
void trib_schema_add_field_take(trib_schema *st, const char *name, trib_schema *field_schema);

/* Convenience: a fresh primitive schema, optional or not. */
trib_schema *trib_schema_primitive(trib_type type, bool optional);
trib_schema *trib_schema_decimal(int scale, bool optional);
trib_schema *trib_schema_date(bool optional);
trib_schema *trib_schema_time(bool optional);
trib_schema *trib_schema_timestamp(bool optional);

const trib_field *trib_schema_field(const trib_schema *st, const char *name); /* NULL if absent */
const char *trib_schema_param(const trib_schema *s, const char *key);
bool trib_schema_is_logical(const trib_schema *s, const char *logical_name);
int trib_schema_decimal_scale(const trib_schema *s);      /* 0 if unset */

/* Deep structural equality (type, optional, name, version, doc, params,
 * default, children). NULL equals only NULL. */
bool trib_schema_equal(const trib_schema *a, const trib_schema *b);
/* Deep copy with refcnt 1, for transforms that derive a schema. */
trib_schema *trib_schema_copy(const trib_schema *s);

/* ---- values ----------------------------------------------------------------- */

struct trib_value {
    trib_type type;
    union {
        int64_t i;          /* INT8..INT64 (and Date/Time/Timestamp) */
        double f;           /* FLOAT32, FLOAT64 */
        bool b;
        struct {            /* STRING (NUL-terminated too) and BYTES */
            char *data;
            size_t len;
        } str;
        struct {
            trib_value **items;   /* an item may be NULL (null) */
            size_t n, cap;
        } arr;
        struct {
            trib_value **keys;
            trib_value **vals;    /* a value may be NULL */
            size_t n, cap;
        } map;
        struct {
            trib_schema *schema;  /* holds a reference */
            trib_value **fields;  /* schema->nfields slots, NULL = null */
        } st;
    } u;
};

trib_value *trib_value_int(trib_type type, int64_t v);  /* INT8..INT64 */
trib_value *trib_value_float(trib_type type, double v); /* FLOAT32/64 */
trib_value *trib_value_bool(bool v);
trib_value *trib_value_string(const char *s);           /* copies */
trib_value *trib_value_string_n(const char *s, size_t n);
trib_value *trib_value_string_take(char *s);            /* owns s (malloc'd) */
trib_value *trib_value_bytes(const void *data, size_t n);
trib_value *trib_value_array_new(void);
void trib_value_array_append_take(trib_value *arr, trib_value *item);
trib_value *trib_value_map_new(void);
/* Appends (does not look for duplicates); takes ownership of key and value. */
void trib_value_map_put_take(trib_value *map, trib_value *key, trib_value *val);
/* For a map with STRING keys: the value for key, or NULL. found tells
 * absent from null. */
trib_value *trib_value_map_get(const trib_value *map, const char *key, bool *found);
trib_value *trib_value_struct_new(trib_schema *schema);  /* refs schema */
/* Sets a field by name; takes ownership of v. -1 if no such field. */
int trib_value_struct_set_take(trib_value *st, const char *field, trib_value *v);
trib_value *trib_value_struct_get(const trib_value *st, const char *field); /* borrowed */

trib_value *trib_value_clone(const trib_value *v);   /* NULL -> NULL */
void trib_value_destroy(trib_value *v);              /* NULL-safe, recursive */
bool trib_value_equal(const trib_value *a, const trib_value *b);

/* Checks a value against a schema as Connect's ConnectSchema.validateValue
 * does (null only when optional, right types, struct schema identity by
 * equality, logical types); err names the field path. */
int trib_value_validate(const trib_schema *s, const trib_value *v, trib_error *err);

/* Decimal helpers: unscaled big-endian two's complement <-> "123.45". */
char *trib_decimal_to_string(const void *unscaled, size_t n, int scale);  /* caller frees */
int trib_decimal_from_string(const char *s, int scale, trib_value **out, trib_error *err);

/* ---- records ---------------------------------------------------------------- */

/* A header as Kafka carries it: a key and bytes. The wire form, for the
 * dead letter queue and the errant-record reporter (which copy a record's
 * headers as they were read or would be written); records hold
 * trib_connect_header. */
typedef struct trib_header {
    char *key;
    void *value;      /* raw bytes; NULL for a null header value */
    size_t len;
} trib_header;

/* A record header as Connect's org.apache.kafka.connect.header.Header: a
 * key and a schema and value. header.converter turns it into bytes and
 * back (proto/converter.h) where records meet Kafka. */
typedef struct trib_connect_header {
    char *key;
    trib_schema *schema;  /* holds a reference; NULL: schemaless or null */
    trib_value *value;    /* NULL: a null header */
} trib_connect_header;

typedef struct trib_record {
    char *topic;
    int32_t partition;            /* -1: let the producer's partitioner choose */
    trib_schema *key_schema;      /* may be NULL (schemaless) */
    trib_value *key;              /* NULL = null key */
    trib_schema *value_schema;
    trib_value *value;            /* NULL = null value (tombstone) */
    int64_t timestamp;            /* ms since epoch; -1 = none */
    trib_connect_header *headers;
    size_t nheaders, headers_cap;

    /* Source records: where the record came from (Connect's sourcePartition
     * and sourceOffset maps). Owned references, may be NULL. */
    json_t *source_partition;
    json_t *source_offset;

    /* Sink records: position in Kafka. -1 when not from Kafka. */
    int64_t kafka_offset;
    /* Original serialized bytes of a sink record, kept for the DLQ so a
     * poison record lands there exactly as it was read. Borrowed from the
     * consumer's message for the lifetime of the batch; may be NULL. */
    const void *raw_key, *raw_value;
    size_t raw_key_len, raw_value_len;
    /* ... and its headers as read (borrowed the same way; NULL, 0 when the
     * record is not from Kafka). */
    const trib_header *raw_headers;
    size_t raw_nheaders;
} trib_record;

trib_record *trib_record_new(const char *topic);   /* partition -1, timestamp -1, offsets -1 */
void trib_record_destroy(trib_record *r);          /* NULL-safe; frees everything owned */
trib_record *trib_record_clone(const trib_record *r); /* deep; raw pointers copied as borrowed */
void trib_record_set_topic(trib_record *r, const char *topic);
/* Replace key/value with their schema; takes ownership of both (unrefs/destroys old). */
void trib_record_set_key_take(trib_record *r, trib_schema *schema, trib_value *key);
void trib_record_set_value_take(trib_record *r, trib_schema *schema, trib_value *value);
/* Appends a header (Headers.add: earlier headers with the key stay); takes
 * ownership of schema and value (both may be NULL). */
void trib_record_add_header_take(trib_record *r, const char *key, trib_schema *schema, trib_value *value);
/* Appends a STRING header (Headers.addString); value NULL: a null header. */
void trib_record_add_header_string(trib_record *r, const char *key, const char *value);
/* Appends an INT64 header (Headers.addLong). */
void trib_record_add_header_long(trib_record *r, const char *key, int64_t value);
const trib_connect_header *trib_record_header(const trib_record *r, const char *key); /* last with key */
void trib_record_remove_headers(trib_record *r, const char *key);

/* A growable array of records; the batch owns them. */
typedef struct trib_record_batch {
    trib_record **items;
    size_t n, cap;
} trib_record_batch;

void trib_record_batch_init(trib_record_batch *b);
void trib_record_batch_add_take(trib_record_batch *b, trib_record *r);
void trib_record_batch_clear(trib_record_batch *b);  /* destroys records, keeps capacity */
void trib_record_batch_free(trib_record_batch *b);

#endif
