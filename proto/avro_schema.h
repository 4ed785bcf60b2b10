/*
 * avro_schema.h: Connect schemas <-> Avro schemas (as JSON), compatible
 * with Confluent's AvroData so that records written by Tributary read back
 * identically in Kafka Connect with io.confluent.connect.avro.AvroConverter
 * and vice versa.
 *
 * Connect -> Avro (trib_avro_schema_from_connect):
 *   int8/int16      "int" with "connect.type": "int8"/"int16"
 *   int32/int64     "int"/"long"; float32/float64 "float"/"double"
 *   boolean, string, bytes: the same Avro primitive
 *   Decimal         "bytes", "scale", "precision" (param connect.decimal.precision,
 *                   default 64), "logicalType": "decimal"
 *   Date/Time/Timestamp  "logicalType": date / time-millis / timestamp-millis
 *   array           Avro array
 *   map, non-optional string keys: Avro map; other keys: array of records
 *                   {key, value} named io.confluent.connect.avro.MapEntry
 *                   (or the map's own name with "connect.internal.type": "MapEntry")
 *   struct          record; unnamed structs are io.confluent.connect.avro.ConnectDefault
 *                   (ConnectDefault2, 3, ... when one schema holds several different ones)
 *   struct named io.confluent.connect.avro.Union   an Avro union of its fields
 *   optional        ["null", T] (field default null), or [T, "null"] when the
 *                   schema has a default
 * With connect.meta.data=true the schema carries connect.name, connect.doc,
 * connect.version, connect.parameters and connect.default. Field defaults
 * come from the field schema's default.
 *
 * Avro -> Connect (trib_avro_schema_to_connect) inverts all of that, and also
 * maps Avro enums to strings (with io.confluent.connect.avro.Enum params),
 * fixed to bytes, other unions to io.confluent.connect.avro.Union structs.
 * Recursive Avro schemas are refused (Connect schemas are trees here).
 */
#ifndef TRIB_PROTO_AVRO_SCHEMA_H
#define TRIB_PROTO_AVRO_SCHEMA_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "common/error.h"
#include "proto/data.h"

#define TRIB_AVRO_NAMESPACE "io.confluent.connect.avro"
#define TRIB_AVRO_DEFAULT_NAME "ConnectDefault"
#define TRIB_AVRO_UNION_NAME "io.confluent.connect.avro.Union"
#define TRIB_AVRO_ENUM_PARAM "io.confluent.connect.avro.Enum"

typedef struct trib_avro_options {
    bool connect_meta_data;        /* connect.meta.data (Confluent default true) */
    bool enhanced_schema_support;  /* enhanced.avro.schema.support (default false) */
    bool scrub_invalid_names;      /* scrub.invalid.names (default false) */
} trib_avro_options;

/* Confluent's defaults: meta data on, the rest off. */
trib_avro_options trib_avro_options_default(void);

/* The Avro schema for a Connect schema, as JSON (caller owns the reference).
 * INVALID for schemas Avro cannot express (e.g. two different types with
 * the same name), naming the field path. */
json_t *trib_avro_schema_from_connect(const trib_schema *s, const trib_avro_options *o,
                                      trib_error *err);

/* The same as canonical compact text, in the field order Confluent's
 * AvroData produces (caller frees). */
char *trib_avro_schema_from_connect_str(const trib_schema *s, const trib_avro_options *o,
                                        trib_error *err);

/* The Connect schema for an Avro schema. version (> 0) becomes the schema's
 * version when the Avro schema has no connect.version (the registry's
 * version, as Confluent does); pass 0 for none. Caller owns the result. */
trib_schema *trib_avro_schema_to_connect(const json_t *avro, const trib_avro_options *o,
                                         int32_t version, trib_error *err);
trib_schema *trib_avro_schema_to_connect_str(const char *avro_json, const trib_avro_options *o,
                                             int32_t version, trib_error *err);

/* Scrubs a name into a valid Avro name as Confluent does with
 * scrub.invalid.names: URL-encode, replace every character outside
 * [A-Za-z0-9_] with '_', prefix 'x' when it does not start with a letter or
 * '_'. Full names are scrubbed per dotted component. Caller frees. */
char *trib_avro_scrub_name(const char *name);
char *trib_avro_scrub_full_name(const char *name);

#endif
