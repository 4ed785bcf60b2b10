/*
 * json_converter.h: helpers behind org.apache.kafka.connect.json.JsonConverter
 * that other modules can reuse: Java's text form of doubles and floats, and
 * Connect's JSON encoding of schemas and values (the "schema" and "payload"
 * halves of JsonConverter's envelope).
 *
 * The writers produce exactly the bytes Connect's Jackson-based serializer
 * produces (compact, Connect's key order, Java number text, Jackson string
 * escaping), which jansson cannot (it has no float/double distinction and
 * formats reals with %.17g), so they write text directly into a buffer.
 * Parsing goes through jansson.
 */
#ifndef TRIB_PROTO_JSON_CONVERTER_H
#define TRIB_PROTO_JSON_CONVERTER_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "common/error.h"
#include "common/util.h"
#include "proto/data.h"

/* Java's Double.toString / Float.toString (the JDK 19+ specification:
 * shortest decimal that rounds back, "1.0E10", "1.5E-5", "100.0", "NaN",
 * "-Infinity"). buf must hold TRIB_JAVA_NUM_MAX bytes; returns the length. */
#define TRIB_JAVA_NUM_MAX 32
size_t trib_java_double_str(double d, char *buf);
size_t trib_java_float_str(float f, char *buf);

/* Java's BigDecimal.toString for an unscaled two's-complement big-endian
 * integer and a scale ("123.45", "1E-10", "1.23E+4"). Caller frees. */
char *trib_java_bigdecimal_str(const void *unscaled, size_t n, int scale);

/* Options shared by the encoders and decoders (JsonConverter's config). */
typedef struct trib_json_opts {
    bool decimal_numeric;          /* decimal.format=NUMERIC */
    bool replace_null_with_default; /* replace.null.with.default */
} trib_json_opts;

/* Appends Connect's JSON form of a schema ({"type":"int32","optional":false}).
 * s must not be NULL. -1 (INVALID) if a default value does not fit. */
int trib_json_write_schema(const trib_schema *s, const trib_json_opts *o, trib_strbuf *out,
                           trib_error *err);

/* Appends Connect's JSON form of a value under a schema (schema may be NULL:
 * the value's own types are used, as Connect does for schemaless data). A
 * NULL value is written as null, or as the schema default, or is an error
 * for a required schema, exactly as JsonConverter.convertToJson. */
int trib_json_write_value(const trib_schema *s, const trib_value *v, const trib_json_opts *o,
                          trib_strbuf *out, trib_error *err);

/* Parses Connect's JSON schema form (the "schema" member of the envelope);
 * a JSON null gives *out = NULL. The caller owns *out. */
int trib_json_parse_schema(const json_t *j, const trib_json_opts *o, trib_schema **out,
                           trib_error *err);

/* Converts a JSON value (j may be NULL for a missing member) under a schema
 * (NULL = schemaless) to Connect data, as JsonConverter.convertToConnect.
 * The caller owns *out (NULL for a null value). */
int trib_json_to_value(const trib_schema *s, const json_t *j, const trib_json_opts *o,
                       trib_value **out, trib_error *err);

#endif
