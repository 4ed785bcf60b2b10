/*
 * mongo_internal.h: what the files of the "mongo" plugin module share:
 * client setup and the tenant URI allow-list (client.c), Connect data to
 * BSON (bson_value.c) and back (bson_data.c), and the sink's per-topic settings and document
 * building (sink_doc.c) used by the sink task (sink.c).
 *
 * Everything here is internal to plugins/mongo.so; the core reaches the
 * module only through the connector catalog (connectors/registry.c).
 */
#ifndef TRIB_CONNECTORS_MONGO_INTERNAL_H
#define TRIB_CONNECTORS_MONGO_INTERNAL_H

#include <mongoc/mongoc.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "common/props.h"
#include "config/config.h"
#include "proto/data.h"

/* ---- client.c ------------------------------------------------------------- */

/* Initialises libmongoc once per process and routes its log into ours. */
void trib_mongo_init(void);

/* Parses a connection string; NULL with err INVALID naming `field` and
 * libmongoc's reason. For a tenant's connector (tenant = true) the URI must
 * also pass the allow-list: options that make the worker read a file or its
 * own credentials (tlsCAFile, tlsCertificateKeyFile, MONGODB-AWS, GSSAPI,
 * a Unix socket host, ...) are FORBIDDEN. Caller owns the URI. */
mongoc_uri_t *trib_mongo_uri_parse(const char *field, const char *uri, bool tenant, trib_error *err);
/* The config-engine validator of connection.uri (sink and source): the
 * syntax check of trib_mongo_uri_parse, without the tenant allow-list. */
int trib_mongo_validate_uri(const trib_config_def *d, const char *v, trib_error *err);

/* A client for uri, with bounded server selection so that an outage is seen
 * as a retriable error within seconds instead of the driver's 30 s (the
 * URI's own serverSelectionTimeoutMS wins). For a tenant's connector
 * (connector is its full name, "<tenant>/<name>"; borrowed, it must outlive
 * the client) every connection is checked against the outbound policy
 * (tenants/outbound.h) after DNS resolution and made to the checked
 * address; a refusal surfaces as a driver error carrying TRIB_MONGO_REFUSED,
 * which trib_mongo_error turns into FORBIDDEN (not retried). Caller owns
 * the client. */
mongoc_client_t *trib_mongo_client_new(const mongoc_uri_t *uri, const char *connector, trib_error *err);

/* Marks a connection refused by the outbound policy in driver errors. */
#define TRIB_MONGO_REFUSED "outbound policy: "

/* True for a connector name of a tenant ("<tenant>/<name>"). */
bool trib_mongo_is_tenant_name(const char *name);

/* Translates a driver error: connection, selection and "not primary"
 * failures are RETRIABLE, an outbound-policy refusal FORBIDDEN, the rest
 * FATAL. Returns -1. */
int trib_mongo_error(trib_error *err, const bson_error_t *e, const char *what);
bool trib_mongo_error_is_transient(const bson_error_t *e);

/* ---- source.c ------------------------------------------------------------- */

/* Does a change stream error mean the server no longer has the resume
 * token (codes 260, 280, 286, ChangeStreamHistoryLost, "resume token ...
 * not found")? reply may be NULL. */
bool trib_mongo_lost_resume_token(const bson_error_t *e, const bson_t *reply);

/* ---- bson_value.c --------------------------------------------------------- */

/* Appends value (with its schema, which may be NULL for schemaless data)
 * under key to doc. Connect types map as in docs/connectors/mongo.md:
 * Decimal -> Decimal128, Date/Time/Timestamp -> BSON date, bytes -> binary,
 * struct/map -> document, array -> array. INVALID on a map with non-string
 * keys or a field name with a NUL byte. */
int trib_mongo_append_value(bson_t *doc, const char *key, size_t key_len, const trib_schema *schema,
                            const trib_value *value, trib_error *err);

/* A record's key or value as a document: a struct or map becomes its
 * fields; a string holding a JSON object (StringConverter) is parsed as
 * (extended) JSON. *out is NULL for a null value. Anything else is
 * INVALID. Caller owns *out. */
int trib_mongo_value_to_doc(const trib_schema *schema, const trib_value *value, const char *what, bson_t **out,
                            trib_error *err);

/* ---- bson_data.c ---------------------------------------------------------- */

/* A document as a struct with an inferred schema (all fields optional);
 * the reverse of the mapping above (docs/connectors/mongo.md). Caller owns
 * *schema and *value. */
int trib_mongo_doc_to_struct(const bson_t *doc, trib_schema **schema, trib_value **value, trib_error *err);
/* A document as relaxed extended JSON. Caller frees. */
char *trib_mongo_doc_to_json(const bson_t *doc);

#endif
