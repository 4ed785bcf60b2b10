/*
 * source_query.c: reads one table (or the configured query) for the
 * PostgreSQL source, in the modes of Confluent's JDBC source connector.
 *
 *   bulk                    the whole table every poll.interval.ms
 *   incrementing            rows with incrementing column > last, ascending
 *   timestamp               rows with timestamp > last and < now - delay
 *   timestamp+incrementing  (ts = last and inc > last inc) or ts > last
 *
 * Each query runs in a REPEATABLE READ READ ONLY transaction through a
 * server-side cursor, fetching batch.max.rows rows per poll() in binary, so
 * a big table is never held in memory and one snapshot serves the whole
 * pass. The position is the last row emitted, kept in memory between
 * passes and stored with every record as Confluent's offset
 * ({"incrementing": N} / {"timestamp": ms, "timestamp_nanos": ns, ...});
 * since rows are ordered by it and the next query starts strictly after
 * it, a restart from a committed offset repeats and skips nothing.
 *
 * Column types come from the catalog (table mode: NOT NULL makes a field
 * required) or from the query's result description; see schema_map.c.
 */
#include "connectors/postgres/source_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/time.h"

#define FAC "connector.postgres"

static bool uses_inc(pg_src_mode m) { return m == PG_SRC_INCREMENTING || m == PG_SRC_TS_INC; }
static bool uses_ts(pg_src_mode m) { return m == PG_SRC_TIMESTAMP || m == PG_SRC_TS_INC; }

static void init_position(pg_querier *q, const pg_query_opts *o) {
    q->inc = -1;   /* Confluent starts after -1 */
    q->ts_us = 0;
    if (o->has_ts_initial) q->ts_us = (o->ts_initial_ms == -1 ? trib_now_ms() : o->ts_initial_ms) * 1000;
}

pg_querier *pg_querier_new_table(const char *schema, const char *table, const pg_query_opts *o) {
    pg_querier *q = trib_xcalloc(1, sizeof *q);
    q->schema = trib_xstrdup(schema);
    q->table = trib_xstrdup(table);
    q->topic = trib_xasprintf("%s%s", o->topic_prefix, table);
    char *fqn = trib_xasprintf("%s.%s", schema, table);
    q->partition = json_pack("{s:s, s:s}", "protocol", "1", "table", fqn);
    free(fqn);
    q->inc_at = q->ts_at = -1;
    init_position(q, o);
    return q;
}

pg_querier *pg_querier_new_query(const char *query, const pg_query_opts *o) {
    pg_querier *q = trib_xcalloc(1, sizeof *q);
    q->query = query;
    q->topic = trib_xstrdup(o->topic_prefix);
    q->partition = json_pack("{s:s}", "query", "query");
    q->inc_at = q->ts_at = -1;
    init_position(q, o);
    return q;
}

void pg_querier_destroy(pg_querier *q) {
    if (!q) return;
    free(q->schema);
    free(q->table);
    free(q->topic);
    json_decref(q->partition);
    trib_schema_unref(q->vschema);
    free(q->kinds);
    free(q->select_sql);
    free(q);
}

void pg_querier_restore(pg_querier *q, const json_t *off, const pg_query_opts *o) {
    init_position(q, o);
    if (!off || !json_is_object(off)) return;
    json_t *inc = json_object_get(off, "incrementing");
    if (json_is_integer(inc)) q->inc = json_integer_value(inc);
    json_t *ts = json_object_get(off, "timestamp");
    if (json_is_integer(ts)) {
        /* java.sql.Timestamp(ms) then setNanos(nanos of the second) */
        int64_t ms = json_integer_value(ts);
        int64_t us = trib_floor_div(ms, 1000) * 1000000;
        json_t *ns = json_object_get(off, "timestamp_nanos");
        if (json_is_integer(ns)) us += json_integer_value(ns) / 1000;
        else us += (ms - trib_floor_div(ms, 1000) * 1000) * 1000;
        q->ts_us = us;
    }
}

static json_t *position_json(const pg_querier *q, pg_src_mode m) {
    json_t *o = json_object();
    if (uses_inc(m)) json_object_set_new(o, "incrementing", json_integer(q->inc));
    if (uses_ts(m)) {
        int64_t sec = trib_floor_div(q->ts_us, 1000000);
        int64_t us_of_sec = q->ts_us - sec * 1000000;
        json_object_set_new(o, "timestamp", json_integer(trib_floor_div(q->ts_us, 1000)));
        json_object_set_new(o, "timestamp_nanos", json_integer(us_of_sec * 1000));
    }
    return o;
}

/* ---- description -------------------------------------------------------- */

typedef struct col_desc {
    char *name;
    unsigned oid;
    int typmod;
    bool notnull;
    bool autoinc;
} col_desc;

static void descs_free(col_desc *d, int n) {
    for (int i = 0; i < n; i++) free(d[i].name);
    free(d);
}

static int describe_table(pg_querier *q, PGconn *conn, col_desc **out, int *n, trib_error *err) {
    const char *params[2] = {q->schema, q->table};
    static const char stmt[] = "SELECT a.attname, a.atttypid, a.atttypmod, a.attnotnull,"
                               " (a.attidentity <> '' OR COALESCE(pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%', false))"
                               " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
                               " JOIN pg_namespace n ON n.oid = c.relnamespace"
                               " LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
                               " WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped"
                               " ORDER BY a.attnum";
    PGresult *r = trib_pgq_exec_params(conn, stmt, 2, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        trib_pg_error(conn, r, "describing a table", err);
        PQclear(r);
        return -1;
    }
    int rows = PQntuples(r);
    if (rows == 0) {
        PQclear(r);
        return trib_error_set(err, TRIB_ERR_FATAL, "postgres: table \"%s\".\"%s\" does not exist or has no columns",
                              q->schema, q->table);
    }
    col_desc *d = trib_xcalloc((size_t)rows, sizeof *d);
    for (int i = 0; i < rows; i++) {
        d[i].name = trib_xstrdup(PQgetvalue(r, i, 0));
        d[i].oid = (unsigned)strtoul(PQgetvalue(r, i, 1), NULL, 10);
        d[i].typmod = atoi(PQgetvalue(r, i, 2));
        d[i].notnull = PQgetvalue(r, i, 3)[0] == 't';
        d[i].autoinc = PQgetvalue(r, i, 4)[0] == 't';
    }
    PQclear(r);
    *out = d;
    *n = rows;
    return 0;
}

static int describe_query(pg_querier *q, PGconn *conn, col_desc **out, int *n, trib_error *err) {
    char *sql = trib_xasprintf("SELECT * FROM (%s) q LIMIT 0", q->query);
    PGresult *r = trib_pgq_exec(conn, sql);
    free(sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        trib_pg_error(conn, r, "describing the query", err);
        PQclear(r);
        return -1;
    }
    int cols = PQnfields(r);
    col_desc *d = trib_xcalloc((size_t)cols + 1, sizeof *d);
    for (int i = 0; i < cols; i++) {
        d[i].name = trib_xstrdup(PQfname(r, i));
        d[i].oid = PQftype(r, i);
        d[i].typmod = PQfmod(r, i);
        for (int k = 0; k < i; k++) {
            if (strcmp(d[k].name, d[i].name) == 0) {
                trib_error_set(err, TRIB_ERR_FATAL, "postgres: the query returns two columns named \"%s\"", d[i].name);
                PQclear(r);
                descs_free(d, i + 1);
                return -1;
            }
        }
    }
    PQclear(r);
    *out = d;
    *n = cols;
    return 0;
}

static int find_desc(const col_desc *d, int n, const char *name) {
    for (int i = 0; i < n; i++)
        if (strcmp(d[i].name, name) == 0) return i;
    return -1;
}

static const char *where_name(const pg_querier *q, char *buf, size_t n) {
    if (q->table) snprintf(buf, n, "table \"%s\".\"%s\"", q->schema, q->table);
    else snprintf(buf, n, "the query");
    return buf;
}

static int describe(pg_querier *q, PGconn *conn, const pg_query_opts *o, trib_error *err) {
    col_desc *d = NULL;
    int n = 0;
    if ((q->table ? describe_table(q, conn, &d, &n, err) : describe_query(q, conn, &d, &n, err)) < 0) return -1;
    char where[300];
    where_name(q, where, sizeof where);

    /* The position columns. */
    const char *inc = o->inc_col && *o->inc_col ? o->inc_col : NULL;
    int inc_i = -1;
    if (uses_inc(o->mode)) {
        if (!inc) {
            for (int i = 0; i < n && !inc; i++)
                if (d[i].autoinc) inc = d[i].name;
            if (!inc) {
                trib_error_set(err, TRIB_ERR_FATAL,
                               "postgres: incrementing.column.name is not set and %s has no auto-increment column", where);
                goto fail;
            }
        }
        inc_i = find_desc(d, n, inc);
        if (inc_i < 0) {
            trib_error_set(err, TRIB_ERR_FATAL, "postgres: incrementing column \"%s\" is not a column of %s", inc, where);
            goto fail;
        }
        trib_pg_kind k = trib_pg_kind_of_oid(d[inc_i].oid);
        if (k != TRIB_PGK_INT2 && k != TRIB_PGK_INT4 && k != TRIB_PGK_INT8 && k != TRIB_PGK_NUMERIC) {
            trib_error_set(err, TRIB_ERR_FATAL, "postgres: incrementing column \"%s\" of %s is not an integer column",
                           inc, where);
            goto fail;
        }
        if (o->validate_non_null && q->table && !d[inc_i].notnull) {
            trib_error_set(err, TRIB_ERR_FATAL,
                           "postgres: incrementing column \"%s\" of %s is nullable (make it NOT NULL or set validate.non.null=false)",
                           inc, where);
            goto fail;
        }
    }
    if (uses_ts(o->mode)) {
        if (o->nts == 0) {
            trib_error_set(err, TRIB_ERR_FATAL, "postgres: mode=%s needs timestamp.column.name",
                           o->mode == PG_SRC_TIMESTAMP ? "timestamp" : "timestamp+incrementing");
            goto fail;
        }
        bool all_nullable = true;
        for (size_t t = 0; t < o->nts; t++) {
            int ti = find_desc(d, n, o->ts_cols[t]);
            if (ti < 0) {
                trib_error_set(err, TRIB_ERR_FATAL, "postgres: timestamp column \"%s\" is not a column of %s",
                               o->ts_cols[t], where);
                goto fail;
            }
            trib_pg_kind k = trib_pg_kind_of_oid(d[ti].oid);
            if (k != TRIB_PGK_TIMESTAMP && k != TRIB_PGK_TIMESTAMPTZ && k != TRIB_PGK_DATE) {
                trib_error_set(err, TRIB_ERR_FATAL, "postgres: timestamp column \"%s\" of %s is not a date or timestamp",
                               o->ts_cols[t], where);
                goto fail;
            }
            if (d[ti].notnull) all_nullable = false;
        }
        if (o->validate_non_null && q->table && all_nullable) {
            trib_error_set(err, TRIB_ERR_FATAL,
                           "postgres: every timestamp column of %s is nullable (make one NOT NULL or set validate.non.null=false)",
                           where);
            goto fail;
        }
    }

    /* Schema and SELECT list. */
    trib_schema *st = trib_schema_struct_new(q->table);
    q->kinds = trib_xcalloc((size_t)n + 1, sizeof *q->kinds);
    trib_strbuf sql;
    trib_strbuf_init(&sql);
    trib_strbuf_puts(&sql, "SELECT ");
    for (int i = 0; i < n; i++) {
        trib_pg_kind k = trib_pg_kind_of_oid(d[i].oid);
        bool optional = q->table ? !d[i].notnull : true;
        trib_schema *fs;
        if (k == TRIB_PGK_OTHER || k == TRIB_PGK_JSON || k == TRIB_PGK_JSONB || k == TRIB_PGK_UUID) {
            k = TRIB_PGK_TEXT;   /* selected as text */
            fs = trib_schema_primitive(TRIB_STRING, optional);
            if (i) trib_strbuf_puts(&sql, ", ");
            trib_strbuf_puts(&sql, "q.");
            trib_pg_quote_ident(&sql, d[i].name);
            trib_strbuf_puts(&sql, "::text");
        } else {
            fs = trib_pg_schema_for_type(d[i].oid, d[i].typmod, optional);
            if (i) trib_strbuf_puts(&sql, ", ");
            trib_strbuf_puts(&sql, "q.");
            trib_pg_quote_ident(&sql, d[i].name);
        }
        q->kinds[i] = k;
        trib_schema_add_field_take(st, d[i].name, fs);
    }
    int extra = n;
    trib_strbuf ts;
    trib_strbuf_init(&ts);
    if (uses_ts(o->mode)) {
        trib_strbuf_puts(&ts, "COALESCE(");
        for (size_t t = 0; t < o->nts; t++) {
            if (t) trib_strbuf_puts(&ts, ", ");
            trib_strbuf_puts(&ts, "q.");
            trib_pg_quote_ident(&ts, o->ts_cols[t]);
            trib_strbuf_puts(&ts, "::timestamptz");
        }
        trib_strbuf_putc(&ts, ')');
    }
    trib_strbuf incx;
    trib_strbuf_init(&incx);
    if (uses_inc(o->mode)) {
        trib_strbuf_puts(&incx, "q.");
        trib_pg_quote_ident(&incx, d[inc_i].name);
        trib_strbuf_printf(&sql, ", (%s)::bigint", incx.data);
        q->inc_at = extra++;
    }
    if (uses_ts(o->mode)) {
        trib_strbuf_printf(&sql, ", %s", ts.data);
        q->ts_at = extra++;
    }
    if (q->table) {
        trib_strbuf_puts(&sql, " FROM ");
        trib_pg_quote_qualified(&sql, q->schema, q->table);
        trib_strbuf_puts(&sql, " AS q");
    } else {
        trib_strbuf_printf(&sql, " FROM (%s) AS q", q->query);
    }
    switch (o->mode) {
    case PG_SRC_BULK: break;
    case PG_SRC_INCREMENTING:
        trib_strbuf_printf(&sql, " WHERE %s > $1::bigint ORDER BY %s ASC", incx.data, incx.data);
        break;
    case PG_SRC_TIMESTAMP:
        trib_strbuf_printf(&sql,
                           " WHERE %s > $1::timestamptz AND %s < CURRENT_TIMESTAMP - $2::bigint * INTERVAL '1 millisecond'"
                           " ORDER BY %s ASC",
                           ts.data, ts.data, ts.data);
        break;
    case PG_SRC_TS_INC:
        trib_strbuf_printf(&sql,
                           " WHERE %s < CURRENT_TIMESTAMP - $3::bigint * INTERVAL '1 millisecond'"
                           " AND ((%s = $1::timestamptz AND %s > $2::bigint) OR %s > $1::timestamptz)"
                           " ORDER BY %s ASC, %s ASC",
                           ts.data, ts.data, incx.data, ts.data, ts.data, incx.data);
        break;
    }
    trib_strbuf_free(&ts);
    trib_strbuf_free(&incx);
    q->select_sql = trib_strbuf_take(&sql);
    q->vschema = st;
    q->ncols = n;
    q->described = true;
    descs_free(d, n);
    return 0;
fail:
    descs_free(d, n);
    return -1;
}

/* ---- reading -------------------------------------------------------------------- */

/* ISO text of a timestamp in microseconds since 1970, UTC. */
static void ts_text(char *buf, size_t n, int64_t us) {
    int64_t days = trib_floor_div(us, 86400000000LL);
    int64_t rem = us - days * 86400000000LL;
    /* civil from days (1970-based) */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    unsigned d = doy - (153 * mp + 2) / 5 + 1;
    unsigned m = mp < 10 ? mp + 3 : mp - 9;
    y += (m <= 2);
    int64_t secs = rem / 1000000, frac = rem % 1000000;
    if (y <= 0)
        snprintf(buf, n, "%04" PRId64 "-%02u-%02u %02d:%02d:%02d.%06d+00 BC", 1 - y, m, d, (int)(secs / 3600),
                 (int)(secs / 60 % 60), (int)(secs % 60), (int)frac);
    else
        snprintf(buf, n, "%04" PRId64 "-%02u-%02u %02d:%02d:%02d.%06d+00", y, m, d, (int)(secs / 3600),
                 (int)(secs / 60 % 60), (int)(secs % 60), (int)frac);
}

int pg_querier_open(pg_querier *q, PGconn *conn, const pg_query_opts *o, trib_error *err) {
    if (!q->described && describe(q, conn, o, err) < 0) return -1;
    if (trib_pg_exec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "BEGIN", err) < 0) return -1;
    char inc[32], ts[64], delay[32];
    snprintf(inc, sizeof inc, "%" PRId64, q->inc);
    ts_text(ts, sizeof ts, q->ts_us);
    snprintf(delay, sizeof delay, "%" PRId64, o->delay_ms);
    const char *params[3];
    int np = 0;
    switch (o->mode) {
    case PG_SRC_BULK: break;
    case PG_SRC_INCREMENTING: params[np++] = inc; break;
    case PG_SRC_TIMESTAMP: params[np++] = ts, params[np++] = delay; break;
    case PG_SRC_TS_INC: params[np++] = ts, params[np++] = inc, params[np++] = delay; break;
    }
    char *sql = trib_xasprintf("DECLARE trib_cur NO SCROLL CURSOR FOR %s", q->select_sql);
    PGresult *r = trib_pgq_exec_params(conn, sql, np, NULL, params, NULL, NULL, 0);
    free(sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        trib_pg_error(conn, r, "opening a cursor", err);
        PQclear(r);
        PGresult *rb = trib_pgq_exec(conn, "ROLLBACK");
        PQclear(rb);
        return -1;
    }
    PQclear(r);
    q->open = true;
    return 0;
}

static int close_cursor(pg_querier *q, PGconn *conn, trib_error *err) {
    q->open = false;
    return trib_pg_exec(conn, "CLOSE trib_cur; COMMIT", "closing a cursor", err);
}

int pg_querier_fetch(pg_querier *q, PGconn *conn, const pg_query_opts *o, trib_record_batch *out, bool *done,
                     trib_error *err) {
    *done = false;
    char sql[64];
    snprintf(sql, sizeof sql, "FETCH FORWARD %d FROM trib_cur", o->batch_max_rows);
    PGresult *r = trib_pgq_exec_params(conn, sql, 0, NULL, NULL, NULL, NULL, 1);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        trib_pg_error(conn, r, "fetching rows", err);
        PQclear(r);
        q->open = false;
        PGresult *rb = trib_pgq_exec(conn, "ROLLBACK");
        PQclear(rb);
        return -1;
    }
    int rows = PQntuples(r);
    int expect = q->ncols + (q->inc_at >= 0) + (q->ts_at >= 0);
    if (PQnfields(r) != expect) {
        int got = PQnfields(r);
        PQclear(r);
        close_cursor(q, conn, NULL);
        return trib_error_set(err, TRIB_ERR_INTERNAL, "postgres: cursor returned %d columns, expected %d", got, expect);
    }
    char where[300];
    for (int row = 0; row < rows; row++) {
        trib_value *v = trib_value_struct_new(q->vschema);
        for (int c = 0; c < q->ncols; c++) {
            if (PQgetisnull(r, row, c)) continue;
            trib_error e;
            trib_value *fv = trib_pg_decode_field(q->kinds[c], q->vschema->fields[c].schema, PQgetvalue(r, row, c),
                                                  PQgetlength(r, row, c), &e);
            if (!fv) {
                trib_error_set(err, TRIB_ERR_FATAL, "%s (column \"%s\" of %s)", e.msg, q->vschema->fields[c].name,
                               where_name(q, where, sizeof where));
                trib_value_destroy(v);
                PQclear(r);
                close_cursor(q, conn, NULL);
                return -1;
            }
            v->u.st.fields[c] = fv;
        }
        if (q->inc_at >= 0 && !PQgetisnull(r, row, q->inc_at)) {
            const char *p = PQgetvalue(r, row, q->inc_at);
            uint64_t u = 0;
            for (int b = 0; b < 8; b++) u = (u << 8) | (unsigned char)p[b];
            q->inc = (int64_t)u;
        }
        if (q->ts_at >= 0 && !PQgetisnull(r, row, q->ts_at)) {
            const char *p = PQgetvalue(r, row, q->ts_at);
            uint64_t u = 0;
            for (int b = 0; b < 8; b++) u = (u << 8) | (unsigned char)p[b];
            q->ts_us = (int64_t)u + TRIB_PG_EPOCH_US;
        }
        trib_record *rec = trib_record_new(q->topic);
        trib_record_set_value_take(rec, trib_schema_ref(q->vschema), v);
        rec->source_partition = json_deep_copy(q->partition);
        if (o->mode != PG_SRC_BULK) rec->source_offset = position_json(q, o->mode);
        trib_record_batch_add_take(out, rec);
    }
    PQclear(r);
    if (rows < o->batch_max_rows) {
        *done = true;
        if (close_cursor(q, conn, err) < 0) return -1;
    }
    return 0;
}
