/*
 * ingest.h: the HTTP ingest source connector (io.tributary.connect.http.
 * HttpIngestSourceConnector, alias HttpIngest): its settings, and the
 * typing of one JSON record under the connector's declared schema.
 *
 * The connector has no tasks: clients push records to any worker's REST
 * listener (rest/routes_ingest.c, docs/connectors/http-ingest.md), which
 * reads the connector's config from the herder, types each record here and
 * produces it with rest/ingest_publisher.c. This file holds what needs no
 * Kafka client, so the typing rules are unit-tested without services.
 */
#ifndef TRIB_CONNECTORS_HTTP_INGEST_H
#define TRIB_CONNECTORS_HTTP_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "common/error.h"
#include "common/props.h"
#include "proto/data.h"
#include "proto/schema_decl.h"

#define TRIB_HTTP_INGEST_CLASS "io.tributary.connect.http.HttpIngestSourceConnector"

typedef struct trib_http_ingest_settings {
    char *topic;
    trib_schema *value_schema;   /* NULL: schemaless */
    trib_schema *key_schema;     /* NULL: null keys */
    char **header_names;         /* HTTP request headers copied to record headers */
    size_t nheader_names;
    bool all_or_nothing;         /* batch.all.or.nothing */
    int64_t max_body_bytes;
    int32_t max_inflight_records;
    int32_t ack_timeout_ms;
    trib_text_parser *parser;    /* for typed values sent as JSON strings */
} trib_http_ingest_settings;

/* Binds and checks a connector config (the full Connect config; unknown
 * keys are the runtime's). INVALID naming the key on failure; *out is
 * then left empty. Free with trib_http_ingest_settings_free. */
int trib_http_ingest_settings_load(const trib_props *config, trib_http_ingest_settings *out, trib_error *err);
void trib_http_ingest_settings_free(trib_http_ingest_settings *s);   /* NULL-safe */

/* Types one record (j, borrowed) under s->value_schema: a JSON object
 * whose members are the declared fields. Numbers and booleans go through
 * JsonConverter's rules; a JSON string for a non-string field (a
 * timestamp, a decimal, a number sent as text) through the declared-schema
 * text parser. Missing required fields, fields not in the schema, values
 * that do not fit, and anything not an object are INVALID; *field (cap
 * bytes) names the field at fault ("" for the record as a whole) and
 * *rule the check ("required", "unknown_field", "type", "not_object").
 * Schemaless: any JSON value becomes Connect data with its own types.
 * *value (caller owns) and *key (caller owns; NULL without key fields). */
int trib_http_ingest_type(const trib_http_ingest_settings *s, const json_t *j, trib_value **value,
                          trib_value **key, char *field, size_t cap, const char **rule, trib_error *err);

#endif
