/*
 * value_text.h: a record value as the text Kafka Connect's FileStreamSink
 * writes for it, i.e. Java's String.valueOf(value) applied to the object
 * Connect would hold (String, Integer, Double, Struct, HashMap, ArrayList,
 * BigDecimal, java.util.Date, ...).
 *
 * Exact for null, strings, booleans, integers, floats (Java's shortest
 * Double.toString/Float.toString form, "1.0E10", "NaN"), Decimal
 * (BigDecimal.toString, scientific when Java uses it) and, recursively,
 * structs ("Struct{a=1,b=x}", null fields left out), arrays ("[1, 2]") and
 * maps ("{k=v, k2=v2}", in the map's own order, where Java's HashMap
 * would print hash order). Date/Time/Timestamp print as java.util.Date does
 * ("Thu Jan 01 00:00:00 UTC 1970") in the process's local time zone.
 * BYTES are written raw: Connect prints a byte[]'s identity ("[B@1b6d3586"),
 * which carries no data, so Tributary writes the bytes themselves.
 */
#ifndef TRIB_CONNECTORS_FILE_VALUE_TEXT_H
#define TRIB_CONNECTORS_FILE_VALUE_TEXT_H

#include "common/util.h"
#include "proto/data.h"

/* Appends the text of v (with schema s, which may be NULL) to out. */
void trib_value_append_java_text(trib_strbuf *out, const trib_schema *s, const trib_value *v);

/* Java's Double.toString / Float.toString of d into buf (>= 32 bytes). */
void trib_java_double_text(double d, bool is_float, char *buf, size_t size);

#endif
