/*
 * schema_decl.h: schemas a tenant declares for its data files, and the
 * typing of text values (CSV cells, form fields) under them.
 *
 * One module for every ingestion path (the spool-directory connectors in
 * connectors/spooldir/, HTTP ingest): a tenant writes a record schema once,
 * in one of the forms it already knows, and each text value is parsed to the
 * declared type with one set of rules and one set of error texts.
 *
 * Accepted schema forms (trib_schema_decl_parse tells them apart):
 *   - spooldir's key.schema / value.schema (jcustenborder's connect-utils
 *     JSON: {"name","type":"STRUCT","isOptional","fieldSchemas":{...}} with
 *     upper-case Connect types, "parameters", "defaultValue");
 *   - Connect's JsonConverter schema ({"type":"struct","fields":[...]});
 *   - an Avro record schema, as seed 002's tenants declare it: primitive
 *     types, ["null", T] unions for optional fields, "default", and the
 *     logical types date, time-millis, timestamp-millis and decimal (also as
 *     a field-level "logicalType" next to a "string" type).
 * Only flat records of scalar fields are accepted: a file row has no nested
 * values. Everything else is an INVALID error naming the field.
 *
 * Text parsing: integers (range-checked for the declared width), floats,
 * booleans (true/false), strings (UTF-8 checked), bytes (the text's bytes),
 * decimals (at most the declared scale), dates, times and timestamps by a
 * list of Java date patterns (parser.timestamp.date.formats, as spooldir
 * takes them) in a fixed-offset time zone (parser.timestamp.timezone).
 */
#ifndef TRIB_PROTO_SCHEMA_DECL_H
#define TRIB_PROTO_SCHEMA_DECL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "common/error.h"
#include "proto/data.h"

/* ---- declared schemas ------------------------------------------------- */

/* Parses a declared record schema from JSON text in any accepted form. The
 * result is a STRUCT schema the caller owns (refcount 1). INVALID with a
 * message naming the field on anything else. */
trib_schema *trib_schema_decl_parse(const char *text, trib_error *err);
/* The same from parsed JSON (borrowed). */
trib_schema *trib_schema_decl_from_json(const json_t *j, trib_error *err);

/* A key schema made of the named fields of a value struct schema, in the
 * order given (the primary key), each required. INVALID when a name is not
 * a field. Caller owns the result. */
trib_schema *trib_schema_decl_key(const trib_schema *value, char *const *fields, size_t n, trib_error *err);
/* The key value for a value struct under a key schema from
 * trib_schema_decl_key: copies of the named fields. Caller owns it. */
trib_value *trib_schema_decl_key_value(const trib_schema *key, const trib_value *value);

/* ---- text to typed values ----------------------------------------------- */

typedef struct trib_text_parser trib_text_parser;

/* formats: Java date patterns tried in order (yyyy yy MM M dd d HH H mm m ss
 * s SSS S, 'quoted literals', X XX XXX Z zone offsets, other characters
 * literally); none given means ISO forms only. timezone: "UTC", "GMT",
 * "Z", or a fixed offset "+HH:MM" / "UTC+HH:MM" (region names such as
 * Europe/Paris are refused: their offsets change over the year). Caller owns
 * the result; INVALID naming the bad pattern or zone. */
trib_text_parser *trib_text_parser_new(char *const *formats, size_t nformats, const char *timezone,
                                       trib_error *err);
void trib_text_parser_destroy(trib_text_parser *p);   /* NULL-safe */

/* Parses one value for a field schema. text == NULL is a null value; an
 * empty text is null too for every type but STRING and BYTES. A null value
 * gives the schema's default, or NULL when the schema is optional, and is
 * an INVALID "missing required value" error otherwise. *out is owned by
 * the caller (NULL for null). Errors are INVALID and name the type and the
 * text (shortened), not the field: the caller knows the column. */
int trib_text_parse(const trib_text_parser *p, const trib_schema *s, const char *text, size_t len,
                    trib_value **out, trib_error *err);

/* Milliseconds since the epoch of a date/time text under the parser's
 * formats and zone (then ISO 8601 forms). -1 if none matches. */
int trib_text_parse_timestamp(const trib_text_parser *p, const char *text, size_t len, int64_t *ms);

/* ---- schema inference (schema.generation.enabled) ---------------------- */

typedef struct trib_schema_infer trib_schema_infer;

/* Infers the type of n named columns from sample rows: each column becomes
 * the narrowest of int64, float64, boolean, timestamp (by the parser's
 * formats) and string that every non-empty sample fits; a column with no
 * non-empty sample is a string. All fields are optional. names are copied. */
trib_schema_infer *trib_schema_infer_new(const trib_text_parser *p, char *const *names, size_t n);
/* One sample row: vals[i] NULL or empty is a null; columns beyond n are
 * ignored, missing ones count as null. */
void trib_schema_infer_row(trib_schema_infer *in, const char *const *vals, const size_t *lens, size_t n);
/* The struct schema (named `name`, may be NULL); caller owns it. The
 * inferrer stays usable and must still be destroyed. */
trib_schema *trib_schema_infer_result(const trib_schema_infer *in, const char *name);
void trib_schema_infer_destroy(trib_schema_infer *in);   /* NULL-safe */

#endif
