/*
 * tenant.h: Tributary's tenants: the model, the registry every worker keeps,
 * the persistence interface behind it, API keys and the config isolation
 * checks. The runtime hooks the task loops call are in tenants/guard.h.
 *
 * A tenant is {name, topic prefix, staging directory, quotas, API keys}.
 * Its connectors live in the herder under the full name "<tenant>/<local>"
 * (admin-created names never contain '/'), so two tenants can both own
 * "orders-sink" and the REST layer (rest/routes_tenants.c) maps names both
 * ways.
 *
 * Persistence: every change is one record, key "tenant-<name>", value the
 * tenant as JSON (trib_tenant_record_json) or null when the tenant is
 * deleted. The registry hands records to a trib_tenant_store (persist) and
 * applies them to itself once persisted (trib_tenants_apply, idempotent,
 * last write per key wins). Standalone mode keeps them in a JSON file
 * (trib_tenant_store_file_new); distributed mode can append them to the
 * config topic and call trib_tenants_apply for each record it reads back.
 * docs/tenants.md documents the record format.
 *
 * API keys are 32 random bytes (OpenSSL RAND_bytes), shown once, and stored
 * only as HMAC-SHA256(server secret, key): authentication is one HMAC and
 * one hash-table lookup, then a constant-time comparison (CRYPTO_memcmp).
 */
#ifndef TRIB_TENANTS_TENANT_H
#define TRIB_TENANTS_TENANT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "common/error.h"
#include "common/props.h"

#define TRIB_TENANT_NAME_MAX 40
#define TRIB_TENANT_KEY_ID_LEN 16      /* hex characters of a key id */
#define TRIB_TENANT_MAC_LEN 32         /* HMAC-SHA256 */
#define TRIB_TENANT_RECORD_PREFIX "tenant-"

/* Quotas. Counts < 0 and rates <= 0 mean unlimited. "in" is data entering
 * Kafka (source tasks produce), "out" is data leaving Kafka (sink tasks
 * consume). Rates are per second, per worker (docs/tenants.md). */
typedef struct trib_tenant_quotas {
    int64_t max_connectors;
    int64_t max_tasks;
    /* uploads (rest/routes_files.c): one file's size, and all files waiting
     * in the tenant's connectors' input directories together */
    int64_t max_file_bytes, max_staged_bytes;
    double records_in, bytes_in;
    double records_out, bytes_out;
} trib_tenant_quotas;

/* Defaults for a new tenant: 10 connectors, 50 tasks, uploads of at most
 * 1 GiB each and 10 GiB staged, rates unlimited. */
trib_tenant_quotas trib_tenant_quotas_default(void);

typedef struct trib_tenant_key {
    char id[TRIB_TENANT_KEY_ID_LEN + 1];
    unsigned char mac[TRIB_TENANT_MAC_LEN];
    int64_t created_ms;
} trib_tenant_key;

/* A tenant as stored. Instances handed out by the registry are copies the
 * caller frees with trib_tenant_free. */
typedef struct trib_tenant {
    char *name;
    char *topic_prefix;      /* default "<name>." */
    char *staging_dir;       /* relative to the worker's tenant.staging.root; default "<name>" */
    trib_tenant_quotas quotas;
    int64_t created_ms;
    trib_tenant_key *keys;
    size_t nkeys;
} trib_tenant;

void trib_tenant_free(trib_tenant *t);   /* NULL-safe */
trib_tenant *trib_tenant_clone(const trib_tenant *t);

/* Lowercase [a-z0-9-], 1..40 characters, starting with a letter or digit.
 * INVALID naming `what` ("tenant name") otherwise. */
int trib_tenant_name_check(const char *name, const char *what, trib_error *err);

/* A topic prefix: 1..100 characters of [a-z0-9._-]. */
bool trib_tenant_prefix_ok(const char *prefix);

/* The stored record value (with key MACs, hex). New reference. */
json_t *trib_tenant_record_json(const trib_tenant *t);
/* Parses a stored record value for key "tenant-<name>"; INVALID naming the
 * field on a malformed record. */
trib_tenant *trib_tenant_from_record(const char *name, const json_t *v, trib_error *err);
/* What the REST API shows: no MACs, key ids and creation times only. */
json_t *trib_tenant_public_json(const trib_tenant *t);

/* Quotas from a JSON object {"max_connectors", "max_tasks", "max_file_bytes", "max_staged_bytes",
 * "records_in_per_sec", "bytes_in_per_sec", "records_out_per_sec",
 * "bytes_out_per_sec"} over *q (absent fields keep their value; unknown
 * fields are INVALID, naming them). */
int trib_tenant_quotas_from_json(const json_t *o, trib_tenant_quotas *q, trib_error *err);
json_t *trib_tenant_quotas_json(const trib_tenant_quotas *q);

/* ---- persistence ------------------------------------------------------ */

typedef struct trib_tenants trib_tenants;

typedef struct trib_tenant_store trib_tenant_store;
struct trib_tenant_store {
    /* Makes one record durable: key "tenant-<name>", value the record or
     * NULL (tenant deleted). Returns after the record is durable (for a
     * log, after reading it back). RETRIABLE/TIMEOUT/IO errors on failure;
     * nothing is applied then. */
    int (*persist)(trib_tenant_store *s, const char *key, const json_t *value, trib_error *err);
    /* Applies every stored record to reg (trib_tenants_apply), at start.
     * May be NULL (a log store replays through its follower instead). */
    int (*replay)(trib_tenant_store *s, trib_tenants *reg, trib_error *err);
    void (*destroy)(trib_tenant_store *s);
};

/* A JSON file {"tenant-<name>": record, ...} rewritten atomically (write a
 * temp file, fsync, rename, as the offsets file) on every persist. A
 * missing file is an empty store. */
trib_tenant_store *trib_tenant_store_file_new(const char *path, trib_error *err);
/* Keeps nothing (tenants last as long as the process). */
trib_tenant_store *trib_tenant_store_memory_new(void);

/* ---- the registry ----------------------------------------------------- */

/* A registry over store (takes ownership, also on failure), with the key
 * HMAC secret (copied; at least 32 bytes). Replays the store. */
trib_tenants *trib_tenants_new(trib_tenant_store *store, const unsigned char *secret,
                               size_t secret_len, trib_error *err);
void trib_tenants_destroy(trib_tenants *r);   /* NULL-safe */

/* Applies one record (from the store or the config log): key
 * "tenant-<name>", value a record or NULL/json null for a deletion.
 * Idempotent. INVALID for a malformed key or value (nothing changes). */
int trib_tenants_apply(trib_tenants *r, const char *key, const json_t *value, trib_error *err);

/* Creates a tenant (CONFLICT if it exists). topic_prefix NULL = "<name>.";
 * a prefix must be 1..100 characters of [a-z0-9._-] (Kafka topic
 * characters, lowercase) and may not be a prefix of, or prefixed by,
 * another tenant's (CONFLICT naming it), so no topic belongs to two
 * tenants. quotas NULL = defaults. Returns the new tenant (caller frees). */
trib_tenant *trib_tenants_create(trib_tenants *r, const char *name, const char *topic_prefix,
                                 const trib_tenant_quotas *quotas, trib_error *err);
int trib_tenants_delete(trib_tenants *r, const char *name, trib_error *err);
int trib_tenants_set_quotas(trib_tenants *r, const char *name, const trib_tenant_quotas *q,
                            trib_error *err);

/* A copy of the tenant (caller frees) or NULL with NOT_FOUND. */
trib_tenant *trib_tenants_get(trib_tenants *r, const char *name, trib_error *err);
bool trib_tenants_exists(trib_tenants *r, const char *name);
size_t trib_tenants_count(trib_tenants *r);
/* Sorted JSON array of tenant names. */
json_t *trib_tenants_list(trib_tenants *r);

/* New API key for tenant `name`: *key_out (malloc'd, shown once) and
 * id_out (the key id). NOT_FOUND for an unknown tenant; QUOTA beyond 20
 * keys per tenant. */
int trib_tenants_key_create(trib_tenants *r, const char *name, char **key_out,
                            char id_out[TRIB_TENANT_KEY_ID_LEN + 1], trib_error *err);
/* NOT_FOUND for an unknown tenant or key id. */
int trib_tenants_key_revoke(trib_tenants *r, const char *name, const char *id, trib_error *err);

/* Authenticates a presented API key: on success fills tenant_out (at least
 * TRIB_TENANT_NAME_MAX+1 bytes) and id_out, returns 0. UNAUTHORIZED for an
 * unknown, malformed or revoked key (one message for all, so nothing is
 * learnt from it). One HMAC and one hash lookup; the MAC is compared in
 * constant time. */
int trib_tenants_authenticate(trib_tenants *r, const char *key, char *tenant_out,
                              char id_out[TRIB_TENANT_KEY_ID_LEN + 1], trib_error *err);

/* ---- keys and secrets (keys.c) ----------------------------------------- */

/* Reads the secret from path, or creates it (mode 0600, 32 random bytes,
 * hex) when it does not exist. A file readable by group or others, or
 * shorter than 32 bytes, is refused (INVALID naming the path). *out is
 * malloc'd. */
int trib_tenant_secret_load(const char *path, unsigned char **out, size_t *len, trib_error *err);

/* A fresh key "trib_" + base64url(32 random bytes) and a random id. */
int trib_tenant_key_generate(char **key_out, char id_out[TRIB_TENANT_KEY_ID_LEN + 1], trib_error *err);
/* HMAC-SHA256(secret, key). */
void trib_tenant_key_mac(const unsigned char *secret, size_t secret_len, const char *key,
                         unsigned char mac[TRIB_TENANT_MAC_LEN]);
/* Constant-time equality of two NUL-terminated secrets of any lengths
 * (both are hashed first, so the time does not depend on where they differ
 * nor on the length of the expected one). */
bool trib_tenant_secret_equal(const char *given, const char *expected);

/* ---- isolation (isolation.c) ------------------------------------------- */

/* What a config is checked against. */
typedef struct trib_tenant_scope {
    const char *tenant;
    const char *topic_prefix;
    const char *staging_root;   /* absolute real path of the tenant's staging directory, or NULL
                                 * when the worker has no tenant.staging.root (no file paths then) */
} trib_tenant_scope;

/* Checks a connector config a tenant submitted, before the herder sees it,
 * and rewrites file paths into absolute paths inside the staging root.
 * Refusals name the field: FORBIDDEN when the value reaches outside the
 * tenant (another prefix, a path outside the staging root, a runtime-owned
 * client setting), INVALID when it cannot be checked (a malformed regex).
 * Checked: topics, topics.regex, topic, topic.prefix, kafka.topic,
 * offsets.storage.topic, errors.deadletterqueue.topic.name; transforms
 * (RegexRouter replacements, TimestampRouter formats, only known
 * transforms); producer/consumer/admin overrides (an allow-list of tuning
 * keys; group.id, client.id, transactional.id, bootstrap.servers,
 * security.protocol, ssl.*, sasl.* are named as runtime-owned); converter
 * subject strategies; file paths; config-provider references. */
int trib_tenant_check_config(const trib_tenant_scope *scope, trib_props *config, trib_error *err);

/* The body of PATCH .../offsets of a tenant's connector: every sink
 * partition it names ({"kafka_topic": ..., "kafka_partition": ...}) must
 * be a topic of the tenant (prefix, not reserved). FORBIDDEN naming the
 * entry and the topic; 0 for bodies without kafka_topic (source offsets;
 * their shape is the herder's to check). Checked before anything is
 * written. */
int trib_tenant_check_offsets(const trib_tenant_scope *scope, const json_t *body, trib_error *err);

/* One topic name against the prefix (FORBIDDEN naming `field`). */
int trib_tenant_check_topic_name(const trib_tenant_scope *scope, const char *field, const char *topic,
                                 trib_error *err);

/* A path given by a tenant resolved inside root: no "..", relative paths
 * are taken from root, the deepest existing ancestor is resolved with
 * realpath() (symlinks followed) and must stay inside root. *out is the
 * absolute path to use (malloc'd). FORBIDDEN naming field otherwise. */
int trib_tenant_resolve_path(const char *root, const char *field, const char *path, char **out,
                             trib_error *err);

/* tasks.max of a config (default 1); INVALID if not a positive integer. */
int trib_tenant_config_tasks(const trib_props *config, int64_t *out, trib_error *err);

#endif
