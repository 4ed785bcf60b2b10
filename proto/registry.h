/*
 * registry.h: a Confluent Schema Registry client (also speaks to Apicurio's
 * Confluent-compatible API), used by the AvroConverter.
 *
 * One client exists per distinct configuration (URLs, credentials,
 * timeouts): trib_registry_acquire() hands out a shared, reference-counted
 * instance so every converter of every task in the worker shares its caches,
 * as Confluent's CachedSchemaRegistryClient is shared per configuration.
 * Caches, both guarded by the client's mutex:
 *   subject + schema text -> id   (register / lookup)
 *   id -> schema text             (decoding)
 * HTTP runs outside the lock (libcurl, one easy handle per call), so a slow
 * registry never blocks readers of the caches.
 *
 * Several URLs fail over: a request goes to the URL that last answered and
 * moves on when a URL cannot be reached or answers 5xx.
 *
 * Errors: unreachable registry, timeouts and 5xx are TRIB_ERR_RETRIABLE;
 * 409 on register (incompatible schema) is TRIB_ERR_FATAL naming the
 * subject and quoting the registry's message; an unknown schema id (404) is
 * TRIB_ERR_INVALID; an unknown subject is TRIB_ERR_NOT_FOUND; 401/403 are
 * UNAUTHORIZED/FORBIDDEN. Messages start with "schema registry: ". A
 * connection the outbound policy refuses is FORBIDDEN. Messages quote at
 * most a short, printable excerpt of what the registry answered (they reach
 * task traces a tenant can read).
 */
#ifndef TRIB_PROTO_REGISTRY_H
#define TRIB_PROTO_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

typedef struct trib_registry trib_registry;

typedef struct trib_registry_config {
    char *const *urls;              /* base URLs, e.g. http://127.0.0.1:8081 */
    size_t nurls;
    /* basic.auth.credentials.source: NULL/"" (none), "USER_INFO" (use
     * user_info) or "URL" (credentials inside the URLs). */
    const char *credentials_source;
    const char *user_info;          /* "user:password"; never logged */
    long connect_timeout_ms;        /* 0: 10000 */
    long request_timeout_ms;        /* 0: 30000 */
    size_t cache_capacity;          /* entries per cache; 0: 1000 */
    /* Full name of the connector using the client, or NULL. A tenant's
     * connector ('/' in the name) gets its own client, connects only to
     * addresses the tenants' outbound policy allows (tenants/outbound.h,
     * checked on the address actually connected), and never through a
     * proxy from the environment. */
    const char *connector;
} trib_registry_config;

/* The shared client for cfg (created on first use). Validates the
 * configuration (at least one http(s) URL, a credentials source this client
 * supports). Release with trib_registry_release. */
trib_registry *trib_registry_acquire(const trib_registry_config *cfg, trib_error *err);
void trib_registry_release(trib_registry *r);   /* NULL-safe */

/* POST /subjects/{subject}/versions: registers schema (Avro JSON text) and
 * returns its id. Cached per subject: registering the same text again
 * makes no request. */
int trib_registry_register(trib_registry *r, const char *subject, const char *schema,
                           int32_t *id, trib_error *err);

/* POST /subjects/{subject}: the id (and version, may be NULL) of a schema
 * already registered under subject, without registering it. NOT_FOUND when
 * the subject or schema is not registered. Cached like register. */
int trib_registry_lookup(trib_registry *r, const char *subject, const char *schema,
                         int32_t *id, int32_t *version, trib_error *err);

/* GET /schemas/ids/{id}: the schema text for id (caller frees). Cached. */
char *trib_registry_schema_by_id(trib_registry *r, int32_t id, trib_error *err);

/* GET /subjects/{subject}/versions/latest. *schema is malloc'd (caller
 * frees). Not cached (the latest version changes). */
int trib_registry_latest(trib_registry *r, const char *subject, int32_t *id,
                         int32_t *version, char **schema, trib_error *err);

/* PUT /config/{subject} {"compatibility": level}: sets a subject's
 * compatibility level (BACKWARD, FORWARD, FULL, NONE, ...). */
int trib_registry_set_compatibility(trib_registry *r, const char *subject, const char *level,
                                    trib_error *err);

/* Number of HTTP requests this client has sent (to observe caching). */
uint64_t trib_registry_request_count(const trib_registry *r);

#endif
