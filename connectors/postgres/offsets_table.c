/*
 * offsets_table.c: the sink's exactly-once ledger, a table of
 * (connector, topic, partition) -> next offset to consume.
 *
 * The sink upserts it in the same transaction as the rows of a batch, so
 * the rows and the position they bring the partition to commit or vanish
 * together. On open() the task reads it back and seeks the consumer there:
 * after a crash the group's committed offsets may lag (they are committed
 * after flush), but the ledger never does, so no batch is written twice and
 * none is skipped.
 */
#include "connectors/postgres/pg_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void quote_table(trib_strbuf *sb, const char *table) {
    const char *dot = strchr(table, '.');
    if (dot) {
        char *schema = trib_xstrndup(table, (size_t)(dot - table));
        trib_pg_quote_qualified(sb, schema, dot + 1);
        free(schema);
    } else {
        trib_pg_quote_ident(sb, table);
    }
}

int trib_pg_offsets_ensure(PGconn *conn, const char *table, trib_error *err) {
    trib_strbuf sql;
    trib_strbuf_init(&sql);
    trib_strbuf_puts(&sql, "CREATE TABLE IF NOT EXISTS ");
    quote_table(&sql, table);
    trib_strbuf_puts(&sql,
                     " (connector text NOT NULL, topic text NOT NULL, \"partition\" integer NOT NULL,"
                     " next_offset bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(),"
                     " PRIMARY KEY (connector, topic, \"partition\"))");
    int rc = trib_pg_exec(conn, sql.data, "creating the offsets table", err);
    if (rc < 0 && err && err->code == TRIB_ERR_INVALID) {
        /* Two tasks creating it at once: one wins with a unique violation on
         * the catalog for the other; by now the table exists. */
        rc = trib_pg_exec(conn, sql.data, "creating the offsets table", err);
    }
    trib_strbuf_free(&sql);
    return rc;
}

int trib_pg_offsets_read(PGconn *conn, const char *table, const char *connector, const trib_topic_partition *tps,
                         size_t n, int64_t *out, trib_error *err) {
    for (size_t i = 0; i < n; i++) out[i] = -1;
    if (n == 0) return 0;
    trib_strbuf sql;
    trib_strbuf_init(&sql);
    trib_strbuf_puts(&sql, "SELECT topic, \"partition\", next_offset FROM ");
    quote_table(&sql, table);
    trib_strbuf_puts(&sql, " WHERE connector = $1");
    const char *params[1] = {connector};
    PGresult *r = PQexecParams(conn, sql.data, 1, NULL, params, NULL, NULL, 0);
    trib_strbuf_free(&sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        trib_pg_error(conn, r, "reading the offsets table", err);
        PQclear(r);
        return -1;
    }
    int rows = PQntuples(r);
    for (int row = 0; row < rows; row++) {
        const char *topic = PQgetvalue(r, row, 0);
        int64_t part = 0, next = 0;
        if (trib_parse_int64(PQgetvalue(r, row, 1), &part) < 0 || trib_parse_int64(PQgetvalue(r, row, 2), &next) < 0)
            continue;
        for (size_t i = 0; i < n; i++)
            if (tps[i].partition == part && strcmp(tps[i].topic, topic) == 0) out[i] = next;
    }
    PQclear(r);
    return 0;
}

/* An element of a PostgreSQL array literal: "..." with \ and " escaped. */
static void array_elem(trib_strbuf *sb, const char *s) {
    trib_strbuf_putc(sb, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') trib_strbuf_putc(sb, '\\');
        trib_strbuf_putc(sb, *s);
    }
    trib_strbuf_putc(sb, '"');
}

/* The three array literals of an offsets upsert. */
static void offsets_arrays(const trib_topic_partition *tps, size_t n, trib_strbuf *topics, trib_strbuf *parts,
                           trib_strbuf *offs) {
    trib_strbuf_putc(topics, '{');
    trib_strbuf_putc(parts, '{');
    trib_strbuf_putc(offs, '{');
    for (size_t i = 0; i < n; i++) {
        if (i) {
            trib_strbuf_putc(topics, ',');
            trib_strbuf_putc(parts, ',');
            trib_strbuf_putc(offs, ',');
        }
        array_elem(topics, tps[i].topic);
        trib_strbuf_printf(parts, "%" PRId32, tps[i].partition);
        trib_strbuf_printf(offs, "%" PRId64, tps[i].offset);
    }
    trib_strbuf_putc(topics, '}');
    trib_strbuf_putc(parts, '}');
    trib_strbuf_putc(offs, '}');
}

/* INSERT INTO table ... SELECT <conn>, x.t, x.p, x.o FROM unnest(<topics>::text[], ...) ... with the
 * four values spliced in as given (quoted literals). */
static void offsets_upsert_sql(trib_strbuf *sql, const char *table, const char *connector, const char *topics,
                               const char *parts, const char *offs) {
    trib_strbuf_puts(sql, "INSERT INTO ");
    quote_table(sql, table);
    trib_strbuf_printf(sql,
                       " AS o (connector, topic, \"partition\", next_offset)"
                       " SELECT %s, x.t, x.p, x.o FROM unnest(%s::text[], %s::integer[], %s::bigint[]) AS x(t, p, o)"
                       " ON CONFLICT (connector, topic, \"partition\")"
                       " DO UPDATE SET next_offset = EXCLUDED.next_offset, updated_at = now()",
                       connector, topics, parts, offs);
}

int trib_pg_offsets_write_commit(PGconn *conn, const char *table, const char *connector,
                                 const trib_topic_partition *tps, size_t n, trib_error *err) {
    if (n == 0) return trib_pg_exec(conn, "COMMIT", "COMMIT", err);
    trib_strbuf sql, topics, parts, offs;
    trib_strbuf_init(&sql);
    trib_strbuf_init(&topics);
    trib_strbuf_init(&parts);
    trib_strbuf_init(&offs);
    offsets_arrays(tps, n, &topics, &parts, &offs);
    /* PQescapeLiteral quotes for this connection's encoding and
     * standard_conforming_strings, as a parameter would be taken. */
    char *lit[4] = {PQescapeLiteral(conn, connector, strlen(connector)),
                    PQescapeLiteral(conn, topics.data, topics.len), PQescapeLiteral(conn, parts.data, parts.len),
                    PQescapeLiteral(conn, offs.data, offs.len)};
    int rc = 0;
    if (!lit[0] || !lit[1] || !lit[2] || !lit[3]) {
        rc = trib_pg_error(conn, NULL, "quoting the offsets", err);
    } else {
        offsets_upsert_sql(&sql, table, lit[0], lit[1], lit[2], lit[3]);
        trib_strbuf_puts(&sql, "; COMMIT");
        /* PQexec returns the last result: COMMIT's, or the error that
         * stopped the query (the server skips what follows an error). */
        rc = trib_pg_exec(conn, sql.data, "writing the offsets table and committing", err);
    }
    for (int i = 0; i < 4; i++) PQfreemem(lit[i]);
    trib_strbuf_free(&sql);
    trib_strbuf_free(&topics);
    trib_strbuf_free(&parts);
    trib_strbuf_free(&offs);
    return rc;
}
