/*
 * source_internal.h: the PostgreSQL source's shared state: source.c has the
 * plugin, the connector instance (table listing, monitoring, task split)
 * and the task loop; source_query.c one table's (or the query's) reader.
 */
#ifndef TRIB_CONNECTORS_POSTGRES_SOURCE_INTERNAL_H
#define TRIB_CONNECTORS_POSTGRES_SOURCE_INTERNAL_H

#include "connectors/postgres/pg_internal.h"
#include "config/config.h"

typedef enum { PG_SRC_BULK, PG_SRC_INCREMENTING, PG_SRC_TIMESTAMP, PG_SRC_TS_INC } pg_src_mode;

typedef struct pg_table_ref {
    char *schema, *name;
} pg_table_ref;

/* Settings every querier of a task shares (borrowed from the task config). */
typedef struct pg_query_opts {
    pg_src_mode mode;
    const char *inc_col;      /* NULL/"" = detect (table mode) */
    char *const *ts_cols;
    size_t nts;
    int64_t delay_ms;
    int batch_max_rows;
    const char *topic_prefix;
    bool validate_non_null;
    bool has_ts_initial;
    int64_t ts_initial_ms;    /* -1 = now */
} pg_query_opts;

typedef struct pg_querier {
    char *schema, *table;     /* table mode */
    const char *query;        /* query mode (borrowed) */
    char *topic;
    json_t *partition;
    /* position: the last row emitted */
    int64_t inc;
    int64_t ts_us;            /* microseconds since 1970 */
    /* description, built on first use */
    bool described;
    trib_schema *vschema;
    int ncols;
    trib_pg_kind *kinds;
    int inc_at, ts_at;        /* result columns holding the position, -1 if none */
    char *select_sql;
    /* scheduling */
    int64_t next_run_ms;
    bool open;                /* cursor open in a transaction */
} pg_querier;

/* Lists the tables a connector covers (relkinds from table.types; schema
 * pattern a LIKE pattern or NULL; whitelist/blacklist entries match "name"
 * or "schema.name"). Sorted by schema, name. */
int pg_list_tables(PGconn *conn, char *const *types, size_t ntypes, const char *schema_pattern,
                   char *const *white, size_t nwhite, char *const *black, size_t nblack, pg_table_ref **out,
                   size_t *n, trib_error *err);
void pg_table_refs_free(pg_table_ref *t, size_t n);

/* source_query.c */
pg_querier *pg_querier_new_table(const char *schema, const char *table, const pg_query_opts *o);
pg_querier *pg_querier_new_query(const char *query, const pg_query_opts *o);
void pg_querier_destroy(pg_querier *q);
/* Restores the position from a committed offset (may be NULL). */
void pg_querier_restore(pg_querier *q, const json_t *offset, const pg_query_opts *o);
/* Opens the cursor (BEGIN; DECLARE) after describing the columns once. */
int pg_querier_open(pg_querier *q, PGconn *conn, const pg_query_opts *o, trib_error *err);
/* Fetches up to batch_max_rows rows as records; *done when the cursor is
 * exhausted (it is then closed and the transaction ended). */
int pg_querier_fetch(pg_querier *q, PGconn *conn, const pg_query_opts *o, trib_record_batch *out, bool *done,
                     trib_error *err);

#endif
