/*
 * values.h: Connect's org.apache.kafka.connect.data.Values string forms,
 * the text SimpleHeaderConverter (header_converter.c) writes and reads and
 * InsertHeader parses its value.literal with.
 *
 * Parsing infers a schema from text the way Connect 3.9's Values.parseString
 * does: true/false, integers as the narrowest of INT8..INT64, other numbers
 * as FLOAT32 / FLOAT64 / Decimal, ISO-8601 dates, times and timestamps (UTC)
 * as the logical types, [..] arrays and {..} maps of those, and anything
 * else as the string itself. Writing is Values.convertToString: Java's
 * number text, base64 for bytes, [a,b] and {k:v} with quoted embedded
 * strings, ISO-8601 for dates.
 */
#ifndef TRIB_PROTO_VALUES_H
#define TRIB_PROTO_VALUES_H

#include <stddef.h>

#include "common/error.h"
#include "common/util.h"
#include "proto/data.h"

/* Parses text (len bytes, need not be NUL-terminated) into *schema and
 * *value, which the caller owns. The literal "null" gives (NULL, NULL), as
 * Connect's parser returns no value for it. Never fails: text that is
 * nothing else is a STRING. */
void trib_values_parse_string(const char *text, size_t len, trib_schema **schema, trib_value **value);

/* Appends Values.convertToString(schema, value) to out. schema may be NULL
 * (the value's own types are used); a NULL value appends "null". */
void trib_values_append_string(const trib_schema *schema, const trib_value *value, trib_strbuf *out);

#endif
