/*
 * sink_internal.h: the PostgreSQL sink task's state, shared by sink.c (the
 * plugin: config, put/flush/open/close, buffering, exactly-once offsets)
 * and sink_writer.c (tables, layouts, encoding, COPY, merge, bisection).
 *
 * Data path: put() encodes each record straight into a binary COPY tuple
 * in a "run" (consecutive records for one table with one column layout and
 * one operation) and keeps what error reporting needs of the record (its
 * position, raw bytes and headers; see pg_pending).
 * A batch is written in one transaction: each run is one COPY (into the
 * table, or into a temporary staging table followed by one INSERT ... ON
 * CONFLICT / UPDATE ... FROM / DELETE ... USING), then the offsets ledger.
 */
#ifndef TRIB_CONNECTORS_POSTGRES_SINK_INTERNAL_H
#define TRIB_CONNECTORS_POSTGRES_SINK_INTERNAL_H

#include "connectors/postgres/pg_internal.h"
#include "config/config.h"

typedef enum { PG_MODE_INSERT, PG_MODE_UPSERT, PG_MODE_UPDATE } pg_insert_mode;
typedef enum { PG_PK_NONE, PG_PK_KAFKA, PG_PK_RECORD_KEY, PG_PK_RECORD_VALUE } pg_pk_mode;
typedef enum { PG_SRC_TOPIC, PG_SRC_PARTITION, PG_SRC_OFFSET, PG_SRC_KEY, PG_SRC_KEY_FIELD, PG_SRC_VALUE_FIELD } pg_src;

/* A column of a target table, from the catalog. */
typedef struct pg_column {
    char *name;
    unsigned oid;
    int typmod;
    bool notnull;
    char *type_sql;   /* format_type(): safe to splice, as the server quotes it */
} pg_column;

/* One column of a layout: where its value comes from and how it is sent. */
typedef struct pg_lcol {
    char *name;
    pg_src src;
    int field;                 /* key/value struct field index */
    const trib_schema *schema; /* borrowed from the layout's schemas or the sink's kafka schemas */
    trib_pg_kind enc;          /* TRIB_PGK_OTHER: text staging column cast to type_sql */
    char *type_sql;
    bool pk;
} pg_lcol;

typedef struct pg_layout {
    trib_schema *key_schema, *value_schema;   /* references; NULL when irrelevant */
    trib_schema *alias_key, *alias_value;     /* equal schemas last seen under another pointer (refs) */
    bool del;                                 /* a delete layout: key columns only */
    pg_lcol *cols;
    size_t ncols;
    bool direct;       /* insert mode, every column binary: COPY into the table itself */
    bool seq;          /* the staging table numbers its rows (seq, an identity column) to dedupe
                        * in upsert/update; tuples never carry it, so they fit the target too */
    /* Upsert with every column binary: a batch is first COPYed straight
     * into the table (direct_sql), as plain inserts; a conflict (or any
     * refusal) rolls it back and the batch is written again through the
     * staging table's ON CONFLICT merge, and the direct attempt is skipped
     * for skip_direct batches (growing with consecutive failures). */
    bool direct_ok;
    char *direct_sql;
    int skip_direct, direct_fails;
    bool noop;         /* update mode with nothing but key columns */
    int staging_no;    /* __trib_stg_<n> */
    unsigned staging_gen;   /* connection generation it was created in; 0 = never */
    uint64_t staging_xact;  /* transaction (pg_sink.xact_seq) that last wrote to it */
    char *copy_sql;    /* COPY ... FROM STDIN (FORMAT binary) */
    char *staging_ddl;
    char *merge_sql;   /* NULL when direct */
    char *insert_sql;  /* upsert only: the merge without ON CONFLICT, tried first */
    int skip_insert;   /* upsert: batches left before trying insert_sql again */
    struct pg_layout *next;
} pg_layout;

typedef struct pg_run pg_run;

typedef struct pg_table {
    char *schema, *name;
    char *qname;        /* "schema"."name" */
    bool exists;
    pg_column *cols;
    size_t ncols;
    pg_layout *layouts;
    pg_run *open_run;   /* the buffer's current run for this table */
    struct pg_table *next;
} pg_table;

struct pg_run {
    pg_table *table;
    pg_layout *layout;
    trib_strbuf data;   /* tuples, no header or trailer */
    size_t *off;        /* off[i] = start of row i; off[nrows] = data.len */
    size_t *rec;        /* pending index of row i */
    size_t nrows, cap;
};

/* A buffered record, kept only to report it if the database refuses it.
 * A record read from Kafka is kept as its position, timestamp, raw key and
 * value bytes and headers (all a DLQ entry needs), copied into the sink's
 * raw arena: no per-record allocation. Others (no raw bytes) keep a clone. */
typedef struct pg_pending {
    trib_record *rec;   /* clone, only for records without raw bytes; else NULL */
    int tp;             /* partition state index, -1 when not from Kafka */
    int32_t partition;
    int64_t offset;
    int64_t timestamp;
    size_t raw;         /* arena offset of the key bytes, followed by the value bytes */
    size_t key_len, value_len;   /* PG_RAW_NULL: null */
    size_t hdr, nhdr;   /* headers: s->hdrs[hdr .. hdr + nhdr) */
    bool done;          /* reported, dropped, or already committed: not written */
} pg_pending;

#define PG_RAW_NULL ((size_t)-1)

/* A header of a pending record: key (NUL-terminated) and value in the arena. */
typedef struct pg_pending_hdr {
    size_t key, value, len;   /* value PG_RAW_NULL: null */
} pg_pending_hdr;

typedef struct pg_tp_state {
    char *topic;
    int32_t partition;
    int64_t next;       /* next offset to accept; lower ones are duplicates (-1: accept all) */
    int64_t committed;  /* next offset stored in the ledger (-1: no row), as this task last read or wrote it:
                         * a batch commits only if the ledger still holds it */
    int64_t target;     /* next offset once the buffer is committed (-1: nothing new) */
} pg_tp_state;

typedef struct pg_topic_map {
    char *topic;
    pg_table *table;
} pg_topic_map;

typedef struct pg_sink {
    trib_config *cfg;
    trib_sink_task_context *tctx;
    char *connector;
    int task_id;

    /* config */
    const char *url, *user, *password, *table_format, *offsets_table;
    int64_t query_timeout_ms;   /* connection.query.timeout.ms */
    pg_insert_mode mode;
    pg_pk_mode pk_mode;
    char **pk_fields;
    size_t npk_fields;
    char **whitelist;
    size_t nwhitelist;
    bool auto_create, auto_evolve, delete_enabled;
    size_t batch_size;
    int max_retries;
    int64_t backoff_ms;

    /* connection */
    PGconn *conn;
    unsigned conn_gen;
    char *default_schema;
    bool need_resync;
    bool ledger_fn;     /* the connection has its ledger function (trib_pg_offsets_prepare) */
    int retries_left;

    /* tables and layouts */
    pg_table *tables;
    pg_topic_map *topics;
    size_t ntopics, topics_cap;
    int staging_seq;
    uint64_t xact_seq;   /* batch transactions begun, so layouts know what they wrote in this one */
    trib_schema *kafka_schemas[3];   /* topic, partition, offset columns of pk.mode=kafka */

    /* buffer */
    pg_run **runs;
    size_t nruns, runs_cap;
    pg_run **spare_runs;   /* emptied runs kept with their buffers for the next batch */
    size_t nspare, spare_cap;
    pg_pending *pend;
    size_t npend, pend_cap;
    trib_strbuf raw;       /* arena of the pending records' raw bytes and headers */
    pg_pending_hdr *hdrs;
    size_t nhdrs, hdrs_cap;
    size_t nlive;      /* rows buffered and not done */

    pg_tp_state *tps;
    size_t ntps, tps_cap;
    size_t last_tp;

    /* Streaming (see pg_sink_stream): the batch's transaction is open and
     * the first run's rows [0, stream_sent) are on their way in a COPY. */
    bool streaming;
    bool stream_off;      /* not for the rest of this batch (it was aborted) */
    size_t stream_sent;
    int64_t stream_since_ms;   /* when the stream's transaction began */
} pg_sink;

/* sink_writer.c */
/* Connects if needed (bumping conn_gen). */
int pg_sink_ensure_conn(pg_sink *s, trib_error *err);
/* Drops the connection after a failure that may have broken it. */
void pg_sink_drop_conn(pg_sink *s);
/* The table a topic's records go to (resolving table.name.format once). */
pg_table *pg_sink_table_for_topic(pg_sink *s, const char *topic, trib_error *err);
/* The layout for a record, creating or evolving the table as configured.
 * Returns NULL with err: INVALID for a fault of this record alone (report
 * it), other codes for the task. */
pg_layout *pg_sink_layout_for(pg_sink *s, pg_table *t, const trib_record *rec, bool del, trib_error *err);
/* Appends rec's tuple to buf; INVALID on a value that cannot be stored. */
int pg_sink_encode_row(const pg_layout *l, const trib_record *rec, trib_strbuf *buf, trib_error *err);
/* Writes every live buffered row and the ledger moves in one transaction,
 * reporting rows the database refuses. CONFLICT when the ledger of one of
 * the partitions moved since this task read it (nothing committed). */
int pg_sink_write_batch(pg_sink *s, const trib_pg_ledger_move *ledger, size_t nledger, trib_error *err);
void pg_sink_free_tables(pg_sink *s);
/* Streams the buffer's first run while it fills: its COPY (into the table,
 * or into its staging table) starts in the batch's transaction with the
 * first rows and takes rows as they are encoded, so the server stores them
 * while the task decodes the next ones; pg_sink_write_batch then ends the
 * COPY and writes the rest (the merge, other runs, the ledger).
 * Only an optimisation: every row stays buffered, and any failure (or
 * pg_sink_stream_abort) rolls the stream back and leaves the batch to the
 * ordinary write. */
void pg_sink_stream(pg_sink *s);
/* A stream's transaction stays open at most this long: put() then writes
 * the batch as it is, so a slow topic never holds a long transaction. */
#define PG_STREAM_MAX_MS 1000
/* Rolls back an open stream; call before anything else uses the
 * connection or a buffered row stops being live. */
void pg_sink_stream_abort(pg_sink *s);

/* sink.c */
/* Reports a buffered record the database refused; -1 (FATAL in err) when
 * errors.tolerance does not allow carrying on. */
int pg_sink_report_pending(pg_sink *s, size_t pend_idx, const trib_error *why, trib_error *err);

#endif
