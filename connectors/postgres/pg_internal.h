/*
 * pg_internal.h: what the PostgreSQL connector's files share with each other
 * (and with the unit tests): identifier quoting, connection and error
 * translation, the binary COPY encoder and decoder, the Connect-schema <->
 * PostgreSQL type mapping, and the exactly-once offsets table.
 *
 * Nothing here is part of the plugin contract; the runtime sees only the two
 * plugins (trib_postgres_sink_plugin, trib_postgres_source_plugin).
 */
#ifndef TRIB_CONNECTORS_POSTGRES_PG_INTERNAL_H
#define TRIB_CONNECTORS_POSTGRES_PG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <libpq-fe.h>

#include "common/error.h"
#include "common/util.h"
#include "proto/data.h"
#include "worker/connector.h"

/* ---- identifiers (ident.c) ------------------------------------------------ */

/* PostgreSQL keeps NAMEDATALEN-1 = 63 bytes of an identifier. */
#define TRIB_PG_IDENT_MAX 63

/* Length of the longest prefix of s (len bytes) that fits in 63 bytes
 * without splitting a UTF-8 sequence, as the server truncates identifiers. */
size_t trib_pg_ident_clip_len(const char *s, size_t len);
/* A malloc'd copy of s clipped as the server would store it. */
char *trib_pg_ident_clip(const char *s);
/* Checks that s can be an identifier: not empty, valid UTF-8. err names what. */
int trib_pg_ident_check(const char *s, const char *what, trib_error *err);
/* Appends s as a double-quoted identifier (embedded quotes doubled), clipped
 * to 63 bytes. Every identifier that reaches SQL goes through this. */
void trib_pg_quote_ident(trib_strbuf *sb, const char *s);
/* "schema"."table" (schema may be NULL). */
void trib_pg_quote_qualified(trib_strbuf *sb, const char *schema, const char *table);
/* Expands table.name.format for a topic. The format's first '.' outside a
 * ${...} placeholder separates a schema from the table ("audit.${topic}");
 * dots inside the topic never do. *schema is NULL when the format has no
 * schema part. Both results are clipped to 63 bytes and malloc'd. */
int trib_pg_table_name_format(const char *format, const char *topic, char **schema, char **table,
                              trib_error *err);

/* ---- connection and errors (conn.c) --------------------------------------- */

/* connection.url as libpq takes it: a libpq URI or key=value conninfo pass
 * through; jdbc:postgresql://host:port/db?k=v is translated (JDBC-only
 * parameters mapped or dropped). Malloc'd, or NULL with err (INVALID). */
char *trib_pg_url_to_conninfo(const char *url, trib_error *err);
/* Validates connection.url without connecting. */
int trib_pg_url_check(const char *url, trib_error *err);
/* conninfo (from trib_pg_url_to_conninfo; borrowed) parsed by libpq's own
 * parser; free the result with PQconninfoFree. NULL with err (INVALID,
 * "<what> is not a valid connection string: <libpq's reason>"). */
PQconninfoOption *trib_pg_conninfo_parse(const char *conninfo, const char *what, trib_error *err);
/* Seconds libpq may spend establishing a connection (per host): the URL's
 * connect_timeout when it is 1..60, else 10. */
#define TRIB_PG_CONNECT_TIMEOUT_S 10
#define TRIB_PG_CONNECT_TIMEOUT_MAX_S 60
/* Connects and prepares the session (UTF8, UTC, ISO dates). user/password
 * override the URL's when not NULL/empty. connector is the full connector
 * name (may be NULL): a tenant's connector ('/' in the name) connects only
 * with the parameters trib_pg_tenant_params allows. Auth failures are
 * UNAUTHORIZED, a missing database FATAL, a refused parameter FORBIDDEN,
 * anything else RETRIABLE. */
PGconn *trib_pg_connect(const char *url, const char *user, const char *password, const char *app_name,
                        const char *connector, int64_t query_timeout_ms, trib_error *err);

/* ---- round-trip deadlines (deadline.c) ------------------------------------- */

/* connection.query.timeout.ms: the longest one round trip (a statement, a
 * COPY step, a result) may wait for the server. */
#define TRIB_PG_QUERY_TIMEOUT_DEFAULT_MS 60000
#define TRIB_PG_QUERY_TIMEOUT_KEY "connection.query.timeout.ms"
/* Gives conn a watchdog for round trips of timeout_ms (<= 0: the default);
 * trib_pg_connect does this for every connection it opens. */
int trib_pg_watch(PGconn *conn, int64_t timeout_ms, trib_error *err);
/* Closes a connection from trib_pg_connect (its watchdog first). NULL-safe.
 * Never PQfinish such a connection directly. */
void trib_pg_finish(PGconn *conn);
/* True when a round trip of conn passed its deadline (the watchdog closed
 * the connection); *timeout_ms (may be NULL) gets the deadline. */
bool trib_pg_timed_out(const PGconn *conn, int64_t *timeout_ms);
/* libpq's calls that wait for the server, each under conn's deadline. Every
 * call that waits for the server goes through these. */
PGresult *trib_pgq_exec(PGconn *conn, const char *sql);
PGresult *trib_pgq_exec_params(PGconn *conn, const char *sql, int n, const Oid *types, const char *const *values,
                               const int *lengths, const int *formats, int result_format);
int trib_pgq_put_copy_data(PGconn *conn, const char *data, int len);
int trib_pgq_put_copy_end(PGconn *conn, const char *errormsg);
PGresult *trib_pgq_get_result(PGconn *conn);

/* ---- tenants' connections (tenant_conn.c) ---------------------------------- */

/* Connection parameters as PQconnectdbParams takes them (NULL-terminated,
 * owned). */
typedef struct trib_pg_params {
    char **keys, **vals;
    size_t n;
} trib_pg_params;

void trib_pg_params_free(trib_pg_params *p);   /* NULL-safe; leaves p empty */
const char *trib_pg_params_get(const trib_pg_params *p, const char *key);   /* borrowed or NULL */

/* True for a tenant's connector (a '/' in the full name). */
bool trib_pg_is_tenant(const char *connector);

/* A tenant's connection parameters from connection.url (+ connection.user
 * and connection.password, which override): parsed with PQconninfoParse,
 * only the allowed set (docs/tenants.md), and every parameter libpq would
 * read from the environment or a client file set explicitly. FORBIDDEN
 * naming the parameter for anything else, INVALID for a string libpq cannot
 * parse. Connect with PQconnectdbParams(keys, vals, 0). */
int trib_pg_tenant_params(const char *url, const char *user, const char *password, const char *app_name,
                          trib_pg_params *out, trib_error *err);
/* Resolves the server of p (hostaddr, else host), checks it against the
 * tenants' outbound policy (tenants/outbound.h) for connector and sets
 * hostaddr to the checked address, so libpq connects to exactly that.
 * FORBIDDEN when the policy refuses, RETRIABLE when the name does not
 * resolve. */
int trib_pg_tenant_pin(const char *connector, trib_pg_params *p, trib_error *err);
/* For a tenant's connector (config "name" has a '/'), adds
 * trib_pg_tenant_params' refusal of connection.url to report. */
void trib_pg_tenant_validate(const trib_props *config, trib_config_report *report);
/* Error code for a SQLSTATE (NULL sqlstate = connection trouble). Row
 * faults (classes 22 and 23) are INVALID, so a writer can tell a bad record
 * (err->code == TRIB_ERR_INVALID) from a bad connector or database; the
 * ledger's TRIB_PG_LEDGER_CONFLICT is CONFLICT. */
trib_err_code trib_pg_sqlstate_code(const char *sqlstate);
/* Class 22 (data exception) or 23 (integrity constraint violation): the
 * fault of a row, not of the connector or the database. */
bool trib_pg_sqlstate_is_data(const char *sqlstate);
/* Fills err from a failed result (res may be NULL) and returns -1. The
 * message is "postgres: <what>: <server message> (SQLSTATE xxxxx)[: detail]".
 * When the connection is gone the code is RETRIABLE whatever the SQLSTATE. */
int trib_pg_error(PGconn *conn, const PGresult *res, const char *what, trib_error *err);
/* Runs a statement without parameters that returns no rows. */
int trib_pg_exec(PGconn *conn, const char *sql, const char *what, trib_error *err);

/* ---- PostgreSQL types ---------------------------------------------------------- */

#define TRIB_PG_OID_BOOL 16
#define TRIB_PG_OID_BYTEA 17
#define TRIB_PG_OID_INT8 20
#define TRIB_PG_OID_INT2 21
#define TRIB_PG_OID_INT4 23
#define TRIB_PG_OID_TEXT 25
#define TRIB_PG_OID_JSON 114
#define TRIB_PG_OID_FLOAT4 700
#define TRIB_PG_OID_FLOAT8 701
#define TRIB_PG_OID_BPCHAR 1042
#define TRIB_PG_OID_VARCHAR 1043
#define TRIB_PG_OID_DATE 1082
#define TRIB_PG_OID_TIME 1083
#define TRIB_PG_OID_TIMESTAMP 1114
#define TRIB_PG_OID_TIMESTAMPTZ 1184
#define TRIB_PG_OID_NUMERIC 1700
#define TRIB_PG_OID_UUID 2950
#define TRIB_PG_OID_JSONB 3802

/* How a column's values travel in binary COPY and binary results. */
typedef enum trib_pg_kind {
    TRIB_PGK_OTHER = 0,  /* no binary codec here: sent as text and cast */
    TRIB_PGK_BOOL,
    TRIB_PGK_INT2,
    TRIB_PGK_INT4,
    TRIB_PGK_INT8,
    TRIB_PGK_FLOAT4,
    TRIB_PGK_FLOAT8,
    TRIB_PGK_NUMERIC,
    TRIB_PGK_TEXT,       /* text, varchar, bpchar */
    TRIB_PGK_BYTEA,
    TRIB_PGK_DATE,
    TRIB_PGK_TIME,
    TRIB_PGK_TIMESTAMP,  /* without time zone: UTC wall time */
    TRIB_PGK_TIMESTAMPTZ,
    TRIB_PGK_JSON,
    TRIB_PGK_JSONB,
    TRIB_PGK_UUID,
} trib_pg_kind;

trib_pg_kind trib_pg_kind_of_oid(unsigned oid);

/* ---- schema mapping (schema_map.c) ------------------------------------------- */

/* The column type the sink creates for a Connect schema ("bigint",
 * "numeric(1000,2)", "jsonb", ...): malloc'd, or NULL with err naming what. */
char *trib_pg_type_for_schema(const trib_schema *s, const char *what, trib_error *err);
/* A Connect schema for a column of the given type (oid, typmod from the
 * catalog or PQfmod), optional or not; NULL with err when the type has no
 * mapping (the source then selects it as text: see trib_pg_kind). */
trib_schema *trib_pg_schema_for_type(unsigned oid, int typmod, bool optional);
/* numeric(p,s) typmod -> scale, or -1 when unconstrained. */
int trib_pg_numeric_typmod_scale(int typmod);

/* ---- binary COPY (copy_binary.c) ---------------------------------------------- */

/* The 19-byte binary COPY header and the 2-byte trailer. */
void trib_pg_copy_header(trib_strbuf *sb);
void trib_pg_copy_trailer(trib_strbuf *sb);
/* Starts a tuple of n fields. */
void trib_pg_copy_tuple_begin(trib_strbuf *sb, int nfields);
void trib_pg_copy_null(trib_strbuf *sb);
/* Appends one field: value v of Connect schema s (s may be NULL for
 * schemaless values; v NULL is SQL NULL) encoded for a column of kind k
 * (TRIB_PGK_OTHER encodes the value's text form, for a text staging column).
 * On a value that cannot go into such a column (out of range, NUL in text,
 * bad UUID...) returns -1 with err (INVALID) and leaves sb unchanged. */
int trib_pg_copy_field(trib_strbuf *sb, trib_pg_kind k, const trib_schema *s, const trib_value *v,
                       trib_error *err);
/* PostgreSQL's binary numeric from decimal text ("-12.50", "1e-3", "NaN",
 * "Infinity"); appends the field body (no length word). */
int trib_pg_numeric_from_text(trib_strbuf *sb, const char *text, trib_error *err);
/* Binary numeric -> plain decimal text (malloc'd) or NULL with err. */
char *trib_pg_numeric_to_text(const void *data, size_t len, trib_error *err);
/* A value as JSON (arrays, maps, structs going into json/jsonb): new
 * reference. Bytes become base64, Decimals their decimal text, logical
 * dates and times their Connect integers, non-finite floats null; maps with
 * non-string keys become arrays of [key, value] pairs. */
json_t *trib_pg_value_to_json(const trib_schema *s, const trib_value *v);
/* Decodes one binary result field of kind k into a value for schema s (as
 * built by trib_pg_schema_for_type). */
trib_value *trib_pg_decode_field(trib_pg_kind k, const trib_schema *s, const char *data, int len,
                                 trib_error *err);

/* Whether values of schema s go into a column of kind k with a binary codec
 * (else the writer sends their text into a text staging column and casts). */
bool trib_pg_binary_compatible(trib_pg_kind k, const trib_schema *s);

/* Epoch shifts between Unix (1970) and PostgreSQL (2000). */
#define TRIB_PG_EPOCH_DAYS 10957
#define TRIB_PG_EPOCH_US INT64_C(946684800000000)

/* ---- offsets table (offsets_table.c) ---------------------------------------- */

/* Creates the table if missing: (connector, topic, partition, next_offset,
 * updated_at) with primary key (connector, topic, partition). table may be
 * "schema.table" (split at the first dot) or a bare name. */
int trib_pg_offsets_ensure(PGconn *conn, const char *table, trib_error *err);
/* Reads the stored next offsets for the given partitions; out[i] is -1 for
 * partitions without a row. */
int trib_pg_offsets_read(PGconn *conn, const char *table, const char *connector,
                         const trib_topic_partition *tps, size_t n, int64_t *out, trib_error *err);
/* One partition's move in the ledger: from the next offset the batch
 * started from (the one this task read from the ledger or last committed;
 * -1: the partition has no row yet) to the next offset after the batch.
 * topic is borrowed. */
typedef struct trib_pg_ledger_move {
    const char *topic;
    int32_t partition;
    int64_t from, to;
} trib_pg_ledger_move;
/* The SQLSTATE the ledger write raises when a partition's row no longer
 * holds its `from` (trib_pg_sqlstate_code maps it to TRIB_ERR_CONFLICT). */
#define TRIB_PG_LEDGER_CONFLICT "TRB01"
/* Creates this session's ledger function (pg_temp.tributary_ledger_move,
 * for `table`): trib_pg_offsets_write_commit's code with its plans cached
 * for the session. Fails (err) where the role may not create temporary
 * objects; the writes then go through a DO block instead. */
int trib_pg_offsets_prepare(PGconn *conn, const char *table, trib_error *err);
/* Moves each partition's row from `from` to `to` in the caller's
 * transaction and commits it, sent as one query (one round trip; the
 * values travel as escaped literals), through the session's function when
 * `prepared` (trib_pg_offsets_prepare succeeded on this connection), else a
 * DO block. The move is conditional: if any row does not hold its `from`
 * any more (another task wrote the partition since this one read it)
 * nothing commits and err is CONFLICT. On any failure the transaction may
 * still be open (aborted): the caller rolls it back. */
int trib_pg_offsets_write_commit(PGconn *conn, const char *table, const char *connector,
                                 const trib_pg_ledger_move *moves, size_t n, bool prepared, trib_error *err);

#endif
