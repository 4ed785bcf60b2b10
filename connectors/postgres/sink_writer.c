/*
 * sink_writer.c: the PostgreSQL sink's write path (see sink_internal.h).
 *
 * Tables: table.name.format gives (schema, table); the catalog gives the
 * columns and their exact types. auto.create issues CREATE TABLE from the
 * record schema, auto.evolve ALTER TABLE ... ADD COLUMN (always nullable);
 * without them a missing table or column is a FATAL error naming both.
 *
 * Layouts: for each (table, key schema, value schema, operation) the list of
 * columns, where each value comes from, and the SQL to write them. Columns
 * whose type has a binary codec (copy_binary.c) travel in binary; others go
 * into a text column of the staging table and are cast by the server.
 *
 * Batches: one transaction. The fast path sends each run as one COPY (plus
 * one merge statement for staged runs) and the offsets ledger, then
 * COMMIT. If the database refuses a row (SQLSTATE class 22 or 23), the
 * transaction is rolled back and redone carefully: every write inside a
 * savepoint, and a refused write is split in halves until the single bad
 * rows are found, reported (DLQ) and left out. The rest of the batch lands.
 */
#include "connectors/postgres/sink_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/time.h"

#define FAC "connector.postgres"

/* ---- connection ---------------------------------------------------------- */

void pg_sink_drop_conn(pg_sink *s) {
    if (s->conn) trib_pg_finish(s->conn);   /* an open stream's transaction dies with it */
    s->conn = NULL;
    if (s->streaming) s->stream_off = true;
    s->streaming = false;
    s->need_resync = true;
}

int pg_sink_ensure_conn(pg_sink *s, trib_error *err) {
    if (s->conn && PQstatus(s->conn) == CONNECTION_OK) return 0;
    if (s->conn)
        TRIB_WARN(FAC, "[%s:%d] postgres: the connection was lost; reconnecting (the batch is retried)", s->connector,
                  s->task_id);
    pg_sink_drop_conn(s);
    char app[128];
    snprintf(app, sizeof app, "tributary sink %s-%d", s->connector, s->task_id);
    s->conn = trib_pg_connect(s->url, s->user, s->password, app, s->connector, s->query_timeout_ms, err);
    if (!s->conn) return -1;
    s->conn_gen++;
    PGresult *r = trib_pgq_exec(s->conn, "SELECT current_schema()");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        trib_pg_error(s->conn, r, "reading current_schema()", err);
        PQclear(r);
        pg_sink_drop_conn(s);
        return -1;
    }
    free(s->default_schema);
    s->default_schema = PQgetisnull(r, 0, 0) ? NULL : trib_xstrdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    if (trib_pg_offsets_ensure(s->conn, s->offsets_table, err) < 0) {
        pg_sink_drop_conn(s);
        return -1;
    }
    trib_error fe;
    s->ledger_fn = trib_pg_offsets_prepare(s->conn, s->offsets_table, &fe) == 0;
    if (!s->ledger_fn)
        TRIB_INFO(FAC, "[%s:%d] ledger writes go through a DO block (%s)", s->connector, s->task_id, fe.msg);
    s->need_resync = true;
    return 0;
}

/* ---- table metadata ----------------------------------------------------------- */

static void free_columns(pg_table *t) {
    for (size_t i = 0; i < t->ncols; i++) {
        free(t->cols[i].name);
        free(t->cols[i].type_sql);
    }
    free(t->cols);
    t->cols = NULL;
    t->ncols = 0;
}

static int load_table(pg_sink *s, pg_table *t, trib_error *err) {
    const char *params[2] = {t->schema, t->name};
    static const char stmt[] = "SELECT a.attname, a.atttypid, a.atttypmod, a.attnotnull,"
                               " format_type(a.atttypid, a.atttypmod), c.oid"
                               " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                               " LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
                               " WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'f', 'v')"
                               " ORDER BY a.attnum";
    PGresult *r = trib_pgq_exec_params(s->conn, stmt, 2, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        trib_pg_error(s->conn, r, "reading table metadata", err);
        PQclear(r);
        return -1;
    }
    free_columns(t);
    int rows = PQntuples(r);
    t->exists = rows > 0;
    t->cols = trib_xcalloc((size_t)rows + 1, sizeof *t->cols);
    for (int i = 0; i < rows; i++) {
        if (PQgetisnull(r, i, 0)) continue;   /* a table without columns */
        pg_column *c = &t->cols[t->ncols++];
        c->name = trib_xstrdup(PQgetvalue(r, i, 0));
        c->oid = (unsigned)strtoul(PQgetvalue(r, i, 1), NULL, 10);
        c->typmod = atoi(PQgetvalue(r, i, 2));
        c->notnull = PQgetvalue(r, i, 3)[0] == 't';
        c->type_sql = trib_xstrdup(PQgetvalue(r, i, 4));
    }
    PQclear(r);
    return 0;
}

static const pg_column *find_column(const pg_table *t, const char *name) {
    for (size_t i = 0; i < t->ncols; i++)
        if (strcmp(t->cols[i].name, name) == 0) return &t->cols[i];
    return NULL;
}

pg_table *pg_sink_table_for_topic(pg_sink *s, const char *topic, trib_error *err) {
    for (size_t i = 0; i < s->ntopics; i++)
        if (strcmp(s->topics[i].topic, topic) == 0) return s->topics[i].table;
    char *schema = NULL, *name = NULL;
    if (trib_pg_table_name_format(s->table_format, topic, &schema, &name, err) < 0) {
        if (err) err->code = TRIB_ERR_FATAL;
        return NULL;
    }
    pg_sink_stream_abort(s);
    if (pg_sink_ensure_conn(s, err) < 0) {
        free(schema);
        free(name);
        return NULL;
    }
    if (!schema) {
        if (!s->default_schema) {
            trib_error_set(err, TRIB_ERR_FATAL,
                           "postgres: no schema of the search_path exists; give table.name.format a schema (\"myschema.${topic}\")");
            free(name);
            return NULL;
        }
        schema = trib_xstrdup(s->default_schema);
    }
    pg_table *t = s->tables;
    while (t && !(strcmp(t->schema, schema) == 0 && strcmp(t->name, name) == 0)) t = t->next;
    if (t) {
        free(schema);
        free(name);
    } else {
        t = trib_xcalloc(1, sizeof *t);
        t->schema = schema;
        t->name = name;
        trib_strbuf q;
        trib_strbuf_init(&q);
        trib_pg_quote_qualified(&q, schema, name);
        t->qname = trib_strbuf_take(&q);
        if (load_table(s, t, err) < 0) {
            free(t->schema);
            free(t->name);
            free(t->qname);
            free(t);
            return NULL;
        }
        t->next = s->tables;
        s->tables = t;
    }
    if (s->ntopics == s->topics_cap) {
        s->topics_cap = s->topics_cap ? s->topics_cap * 2 : 8;
        s->topics = trib_xrealloc(s->topics, s->topics_cap * sizeof *s->topics);
    }
    s->topics[s->ntopics].topic = trib_xstrdup(topic);
    s->topics[s->ntopics].table = t;
    s->ntopics++;
    return t;
}

/* ---- layouts ---------------------------------------------------------------------- */

typedef struct want_col {
    char *name;   /* clipped */
    const char *field;   /* the record's field name, for messages */
    pg_src src;
    int field_idx;
    const trib_schema *schema;
    bool pk;
} want_col;

static void want_free(want_col *w, size_t n) {
    for (size_t i = 0; i < n; i++) free(w[i].name);
    free(w);
}

static bool in_list(char **list, size_t n, const char *name) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], name) == 0) return true;
    return false;
}

static int want_add(want_col **w, size_t *n, const char *field, pg_src src, int idx, const trib_schema *schema,
                    bool pk, trib_error *err) {
    if (trib_pg_ident_check(field, "a field name", err) < 0) return -1;
    char *name = trib_pg_ident_clip(field);
    for (size_t i = 0; i < *n; i++) {
        if (strcmp((*w)[i].name, name) == 0) {
            bool same = strcmp((*w)[i].field, field) == 0;
            free(name);
            if (same) return 0;   /* a value field also used as key column: the key wins */
            return trib_error_set(err, TRIB_ERR_FATAL,
                                  "postgres: fields '%s' and '%s' both map to column \"%s\" (63-byte limit)",
                                  (*w)[i].field, field, (*w)[i].name);
        }
    }
    *w = trib_xrealloc(*w, (*n + 1) * sizeof **w);
    (*w)[*n] = (want_col){.name = name, .field = field, .src = src, .field_idx = idx, .schema = schema, .pk = pk};
    (*n)++;
    return 0;
}

static const char *const kafka_pk_defaults[3] = {"__connect_topic", "__connect_partition", "__connect_offset"};

/* The columns a record of this shape writes, in order: key columns first. */
static int wanted_columns(pg_sink *s, const trib_schema *ks, const trib_schema *vs, bool del, want_col **out,
                          size_t *nout, trib_error *err) {
    want_col *w = NULL;
    size_t n = 0;
    switch (s->pk_mode) {
    case PG_PK_NONE: break;
    case PG_PK_KAFKA:
        for (int i = 0; i < 3; i++) {
            const char *nm = s->npk_fields == 3 ? s->pk_fields[i] : kafka_pk_defaults[i];
            if (want_add(&w, &n, nm, (pg_src)(PG_SRC_TOPIC + i), -1, s->kafka_schemas[i], true, err) < 0) goto fail;
        }
        break;
    case PG_PK_RECORD_KEY:
        if (ks->type != TRIB_STRUCT) {
            if (s->npk_fields != 1) {
                trib_error_set(err, TRIB_ERR_FATAL,
                               "postgres: pk.mode=record_key with a primitive (%s) key needs exactly one pk.fields name, got %zu",
                               trib_type_name(ks->type), s->npk_fields);
                goto fail;
            }
            if (want_add(&w, &n, s->pk_fields[0], PG_SRC_KEY, -1, ks, true, err) < 0) goto fail;
        } else if (s->npk_fields == 0) {
            for (size_t i = 0; i < ks->nfields; i++)
                if (want_add(&w, &n, ks->fields[i].name, PG_SRC_KEY_FIELD, (int)i, ks->fields[i].schema, true, err) < 0)
                    goto fail;
        } else {
            for (size_t i = 0; i < s->npk_fields; i++) {
                const trib_field *f = trib_schema_field(ks, s->pk_fields[i]);
                if (!f) {
                    trib_error_set(err, TRIB_ERR_FATAL, "postgres: pk.fields entry '%s' is not a field of the record key",
                                   s->pk_fields[i]);
                    goto fail;
                }
                if (want_add(&w, &n, f->name, PG_SRC_KEY_FIELD, f->index, f->schema, true, err) < 0) goto fail;
            }
        }
        break;
    case PG_PK_RECORD_VALUE:
        if (s->npk_fields == 0) {
            for (size_t i = 0; i < vs->nfields; i++)
                if (want_add(&w, &n, vs->fields[i].name, PG_SRC_VALUE_FIELD, (int)i, vs->fields[i].schema, true, err) < 0)
                    goto fail;
        } else {
            for (size_t i = 0; i < s->npk_fields; i++) {
                const trib_field *f = trib_schema_field(vs, s->pk_fields[i]);
                if (!f) {
                    trib_error_set(err, TRIB_ERR_FATAL,
                                   "postgres: pk.fields entry '%s' is not a field of the record value", s->pk_fields[i]);
                    goto fail;
                }
                if (want_add(&w, &n, f->name, PG_SRC_VALUE_FIELD, f->index, f->schema, true, err) < 0) goto fail;
            }
        }
        break;
    }
    if (!del) {
        for (size_t i = 0; i < vs->nfields; i++) {
            const trib_field *f = &vs->fields[i];
            if (s->pk_mode == PG_PK_RECORD_VALUE && (s->npk_fields == 0 || in_list(s->pk_fields, s->npk_fields, f->name)))
                continue;
            if (s->nwhitelist && !in_list(s->whitelist, s->nwhitelist, f->name)) continue;
            if (want_add(&w, &n, f->name, PG_SRC_VALUE_FIELD, (int)i, f->schema, false, err) < 0) goto fail;
        }
    }
    if (n == 0) {
        trib_error_set(err, TRIB_ERR_FATAL, "postgres: a record leaves no column to write (check fields.whitelist and pk.mode)");
        goto fail;
    }
    *out = w;
    *nout = n;
    return 0;
fail:
    want_free(w, n);
    return -1;
}

/* Runs DDL in its own transaction; a concurrent task doing the same DDL
 * may make it fail once with a catalog unique violation, so retry once. */
static int exec_ddl(pg_sink *s, const char *sql, const char *what, trib_error *err) {
    if (trib_pg_exec(s->conn, sql, what, err) == 0) return 0;
    if (err && err->code != TRIB_ERR_INVALID) return -1;
    return trib_pg_exec(s->conn, sql, what, err);
}

static int create_table(pg_sink *s, pg_table *t, const want_col *w, size_t n, trib_error *err) {
    trib_strbuf sql;
    trib_strbuf_init(&sql);
    trib_strbuf_printf(&sql, "CREATE TABLE IF NOT EXISTS %s (", t->qname);
    size_t npk = 0;
    for (size_t i = 0; i < n; i++) {
        char what[160];
        snprintf(what, sizeof what, "field '%s'", w[i].field);
        char *type = trib_pg_type_for_schema(w[i].schema, what, err);
        if (!type) {
            trib_strbuf_free(&sql);
            if (err) err->code = TRIB_ERR_FATAL;
            return -1;
        }
        if (i) trib_strbuf_puts(&sql, ", ");
        trib_pg_quote_ident(&sql, w[i].name);
        trib_strbuf_printf(&sql, " %s", type);
        if (w[i].pk || !w[i].schema->optional) trib_strbuf_puts(&sql, " NOT NULL");
        free(type);
        if (w[i].pk) npk++;
    }
    if (npk) {
        trib_strbuf_puts(&sql, ", PRIMARY KEY (");
        bool first = true;
        for (size_t i = 0; i < n; i++) {
            if (!w[i].pk) continue;
            if (!first) trib_strbuf_puts(&sql, ", ");
            first = false;
            trib_pg_quote_ident(&sql, w[i].name);
        }
        trib_strbuf_putc(&sql, ')');
    }
    trib_strbuf_putc(&sql, ')');
    TRIB_INFO(FAC, "[%s:%d] creating table %s", s->connector, s->task_id, t->qname);
    int rc = exec_ddl(s, sql.data, "auto.create", err);
    trib_strbuf_free(&sql);
    if (rc < 0) return -1;
    return load_table(s, t, err);
}

static int evolve_table(pg_sink *s, pg_table *t, const want_col *w, size_t n, trib_error *err) {
    trib_strbuf sql;
    trib_strbuf_init(&sql);
    trib_strbuf_printf(&sql, "ALTER TABLE %s", t->qname);
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        if (find_column(t, w[i].name)) continue;
        char what[160];
        snprintf(what, sizeof what, "field '%s'", w[i].field);
        char *type = trib_pg_type_for_schema(w[i].schema, what, err);
        if (!type) {
            trib_strbuf_free(&sql);
            if (err) err->code = TRIB_ERR_FATAL;
            return -1;
        }
        trib_strbuf_puts(&sql, any ? ", ADD COLUMN IF NOT EXISTS " : " ADD COLUMN IF NOT EXISTS ");
        trib_pg_quote_ident(&sql, w[i].name);
        trib_strbuf_printf(&sql, " %s", type);
        free(type);
        TRIB_INFO(FAC, "[%s:%d] adding column \"%s\" to %s", s->connector, s->task_id, w[i].name, t->qname);
        any = true;
    }
    int rc = any ? exec_ddl(s, sql.data, "auto.evolve", err) : 0;
    trib_strbuf_free(&sql);
    if (rc < 0) return -1;
    return load_table(s, t, err);
}

static void layout_free(pg_layout *l) {
    for (size_t i = 0; i < l->ncols; i++) {
        free(l->cols[i].name);
        free(l->cols[i].type_sql);
    }
    free(l->cols);
    trib_schema_unref(l->key_schema);
    trib_schema_unref(l->value_schema);
    trib_schema_unref(l->alias_key);
    trib_schema_unref(l->alias_value);
    free(l->copy_sql);
    free(l->direct_sql);
    free(l->staging_ddl);
    free(l->merge_sql);
    free(l->insert_sql);
    free(l);
}

/* The expression reading staging column i (cast when sent as text). */
static void staged_expr(trib_strbuf *sb, const pg_lcol *c, size_t i) {
    if (c->enc == TRIB_PGK_OTHER) trib_strbuf_printf(sb, "CAST(s.c%zu AS %s)", i, c->type_sql);
    else trib_strbuf_printf(sb, "s.c%zu", i);
}

static void build_sql(pg_sink *s, pg_table *t, pg_layout *l) {
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    if (l->direct || l->direct_ok) {
        trib_strbuf_printf(&sb, "COPY %s (", t->qname);
        for (size_t i = 0; i < l->ncols; i++) {
            if (i) trib_strbuf_puts(&sb, ", ");
            trib_pg_quote_ident(&sb, l->cols[i].name);
        }
        trib_strbuf_puts(&sb, ") FROM STDIN (FORMAT binary)");
        if (l->direct) {
            l->copy_sql = trib_strbuf_take(&sb);
            return;
        }
        l->direct_sql = trib_strbuf_take(&sb);
    }
    l->staging_no = ++s->staging_seq;
    char stg[32];
    snprintf(stg, sizeof stg, "__trib_stg_%d", l->staging_no);
    trib_strbuf_printf(&sb, "CREATE TEMP TABLE IF NOT EXISTS %s (", stg);
    for (size_t i = 0; i < l->ncols; i++)
        trib_strbuf_printf(&sb, "%sc%zu %s", i ? ", " : "", i,
                           l->cols[i].enc == TRIB_PGK_OTHER ? "text" : l->cols[i].type_sql);
    /* The server numbers the rows in COPY order (the last of a key wins),
     * so the tuples are the target table's own and a direct attempt and
     * the staged write share one encoding. CACHE: no sequence page access
     * per row. */
    if (l->seq) trib_strbuf_puts(&sb, ", seq bigint GENERATED ALWAYS AS IDENTITY (CACHE 1024)");
    trib_strbuf_puts(&sb, ") ON COMMIT DELETE ROWS");
    l->staging_ddl = trib_strbuf_take(&sb);
    trib_strbuf_printf(&sb, "COPY %s (", stg);
    for (size_t i = 0; i < l->ncols; i++) trib_strbuf_printf(&sb, "%sc%zu", i ? ", " : "", i);
    trib_strbuf_puts(&sb, ") FROM STDIN (FORMAT binary)");
    l->copy_sql = trib_strbuf_take(&sb);

    trib_strbuf cols, pkord;
    trib_strbuf_init(&cols);
    trib_strbuf_init(&pkord);
    for (size_t i = 0, k = 0; i < l->ncols; i++) {
        if (i) trib_strbuf_puts(&cols, ", ");
        trib_pg_quote_ident(&cols, l->cols[i].name);
        if (l->cols[i].pk) trib_strbuf_printf(&pkord, "%ss.c%zu", k++ ? ", " : "", i);
    }
    /* The staging table empties itself at COMMIT (ON COMMIT DELETE ROWS);
     * attempt() truncates it first when it is reused within a transaction. */
    char from_s[48];
    snprintf(from_s, sizeof from_s, " FROM %s AS s", stg);
    if (l->del) {
        trib_strbuf_printf(&sb, "DELETE FROM %s AS t USING %s AS s WHERE ", t->qname, stg);
        for (size_t i = 0, k = 0; i < l->ncols; i++) {
            if (!l->cols[i].pk) continue;
            if (k++) trib_strbuf_puts(&sb, " AND ");
            trib_strbuf_puts(&sb, "t.");
            trib_pg_quote_ident(&sb, l->cols[i].name);
            trib_strbuf_puts(&sb, " = ");
            staged_expr(&sb, &l->cols[i], i);
        }
    } else if (s->mode == PG_MODE_INSERT) {
        trib_strbuf_printf(&sb, "INSERT INTO %s (%s) SELECT ", t->qname, cols.data);
        for (size_t i = 0; i < l->ncols; i++) {
            if (i) trib_strbuf_puts(&sb, ", ");
            staged_expr(&sb, &l->cols[i], i);
        }
        trib_strbuf_puts(&sb, from_s);
    } else if (s->mode == PG_MODE_UPSERT) {
        trib_strbuf_printf(&sb, "INSERT INTO %s (%s) SELECT DISTINCT ON (%s) ", t->qname, cols.data, pkord.data);
        for (size_t i = 0; i < l->ncols; i++) {
            if (i) trib_strbuf_puts(&sb, ", ");
            staged_expr(&sb, &l->cols[i], i);
        }
        trib_strbuf_printf(&sb, "%s ORDER BY %s, s.seq DESC", from_s, pkord.data);
        /* The same without ON CONFLICT: several times faster when every key
         * is new (speculative insertion costs), tried first (see attempt). */
        l->insert_sql = trib_xstrndup(sb.data, sb.len);
        trib_strbuf_puts(&sb, " ON CONFLICT (");
        for (size_t i = 0, k = 0; i < l->ncols; i++) {
            if (!l->cols[i].pk) continue;
            if (k++) trib_strbuf_puts(&sb, ", ");
            trib_pg_quote_ident(&sb, l->cols[i].name);
        }
        trib_strbuf_puts(&sb, ") DO ");
        bool any = false;
        for (size_t i = 0; i < l->ncols; i++) {
            if (l->cols[i].pk) continue;
            trib_strbuf_puts(&sb, any ? ", " : "UPDATE SET ");
            trib_pg_quote_ident(&sb, l->cols[i].name);
            trib_strbuf_puts(&sb, " = EXCLUDED.");
            trib_pg_quote_ident(&sb, l->cols[i].name);
            any = true;
        }
        if (!any) trib_strbuf_puts(&sb, "NOTHING");
    } else {   /* update */
        trib_strbuf_printf(&sb, "UPDATE %s AS t SET ", t->qname);
        for (size_t i = 0, k = 0; i < l->ncols; i++) {
            if (l->cols[i].pk) continue;
            if (k++) trib_strbuf_puts(&sb, ", ");
            trib_pg_quote_ident(&sb, l->cols[i].name);
            trib_strbuf_printf(&sb, " = d.c%zu", i);
        }
        trib_strbuf_printf(&sb, " FROM (SELECT DISTINCT ON (%s) ", pkord.data);
        for (size_t i = 0; i < l->ncols; i++) {
            if (i) trib_strbuf_puts(&sb, ", ");
            staged_expr(&sb, &l->cols[i], i);
            trib_strbuf_printf(&sb, " AS c%zu", i);
        }
        trib_strbuf_printf(&sb, "%s ORDER BY %s, s.seq DESC) AS d WHERE ", from_s, pkord.data);
        for (size_t i = 0, k = 0; i < l->ncols; i++) {
            if (!l->cols[i].pk) continue;
            if (k++) trib_strbuf_puts(&sb, " AND ");
            trib_strbuf_puts(&sb, "t.");
            trib_pg_quote_ident(&sb, l->cols[i].name);
            trib_strbuf_printf(&sb, " = d.c%zu", i);
        }
    }
    l->merge_sql = trib_strbuf_take(&sb);
    trib_strbuf_free(&cols);
    trib_strbuf_free(&pkord);
}

static pg_layout *build_layout(pg_sink *s, pg_table *t, const trib_schema *ks, const trib_schema *vs, bool del,
                               trib_error *err) {
    want_col *w = NULL;
    size_t n = 0;
    if (wanted_columns(s, ks, vs, del, &w, &n, err) < 0) return NULL;
    if (!t->exists) {
        if (!s->auto_create) {
            trib_error_set(err, TRIB_ERR_FATAL, "postgres: table %s does not exist and auto.create is false", t->qname);
            goto fail;
        }
        if (create_table(s, t, w, n, err) < 0) goto fail;
        if (!t->exists) {
            trib_error_set(err, TRIB_ERR_FATAL, "postgres: table %s is still missing after CREATE TABLE", t->qname);
            goto fail;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (find_column(t, w[i].name)) continue;
        if (!s->auto_evolve) {
            trib_error_set(err, TRIB_ERR_FATAL,
                           "postgres: table %s has no column \"%s\" for field '%s' of the record, and auto.evolve is false",
                           t->qname, w[i].name, w[i].field);
            goto fail;
        }
        if (evolve_table(s, t, w, n, err) < 0) goto fail;
        break;
    }
    pg_layout *l = trib_xcalloc(1, sizeof *l);
    l->del = del;
    l->key_schema = s->pk_mode == PG_PK_RECORD_KEY ? trib_schema_ref((trib_schema *)ks) : NULL;
    l->value_schema = del ? NULL : trib_schema_ref((trib_schema *)vs);
    l->cols = trib_xcalloc(n, sizeof *l->cols);
    l->ncols = n;
    l->direct = s->mode == PG_MODE_INSERT && !del;
    l->seq = !del && s->mode != PG_MODE_INSERT;
    bool any_value = false, all_binary = true;
    for (size_t i = 0; i < n; i++) {
        const pg_column *c = find_column(t, w[i].name);
        if (!c) {
            trib_error_set(err, TRIB_ERR_FATAL, "postgres: table %s has no column \"%s\" after auto.evolve", t->qname,
                           w[i].name);
            l->ncols = i;
            layout_free(l);
            goto fail;
        }
        pg_lcol *lc = &l->cols[i];
        lc->name = trib_xstrdup(w[i].name);
        lc->src = w[i].src;
        lc->field = w[i].field_idx;
        lc->schema = w[i].schema;
        lc->pk = w[i].pk;
        lc->type_sql = trib_xstrdup(c->type_sql);
        trib_pg_kind k = trib_pg_kind_of_oid(c->oid);
        lc->enc = trib_pg_binary_compatible(k, w[i].schema) ? k : TRIB_PGK_OTHER;
        if (lc->enc == TRIB_PGK_OTHER) l->direct = all_binary = false;
        if (!lc->pk) any_value = true;
    }
    l->noop = s->mode == PG_MODE_UPDATE && !del && !any_value;
    l->direct_ok = s->mode == PG_MODE_UPSERT && !del && all_binary;
    build_sql(s, t, l);
    want_free(w, n);
    return l;
fail:
    want_free(w, n);
    return NULL;
}

static bool schema_match(trib_schema *held, trib_schema **alias, const trib_schema *s) {
    if (held == s || (*alias && *alias == s)) return true;
    if (!trib_schema_equal(held, s)) return false;
    trib_schema_unref(*alias);
    *alias = trib_schema_ref((trib_schema *)s);
    return true;
}

pg_layout *pg_sink_layout_for(pg_sink *s, pg_table *t, const trib_record *rec, bool del, trib_error *err) {
    const trib_schema *ks = NULL, *vs = NULL;
    if (!del) {
        if (!rec->value_schema || rec->value_schema->type != TRIB_STRUCT || !rec->value ||
            rec->value->type != TRIB_STRUCT) {
            trib_error_set(err, TRIB_ERR_INVALID,
                           "postgres: the sink needs record values that are structs with a schema (use a converter with schemas)");
            return NULL;
        }
        vs = rec->value_schema;
        if (rec->value->u.st.schema != vs && !trib_schema_equal(rec->value->u.st.schema, vs)) {
            trib_error_set(err, TRIB_ERR_INVALID, "postgres: the record value does not match its schema");
            return NULL;
        }
    }
    if (s->pk_mode == PG_PK_RECORD_KEY) {
        if (!rec->key_schema || !rec->key) {
            trib_error_set(err, TRIB_ERR_INVALID, "postgres: pk.mode=record_key needs a non-null record key with a schema");
            return NULL;
        }
        ks = rec->key_schema;
        if (ks->type == TRIB_STRUCT && (rec->key->type != TRIB_STRUCT || rec->key->u.st.schema->nfields != ks->nfields)) {
            trib_error_set(err, TRIB_ERR_INVALID, "postgres: the record key does not match its schema");
            return NULL;
        }
    }
    for (pg_layout *l = t->layouts; l; l = l->next) {
        if (l->del != del) continue;
        if (ks && !schema_match(l->key_schema, &l->alias_key, ks)) continue;
        if (vs && !schema_match(l->value_schema, &l->alias_value, vs)) continue;
        return l;
    }
    pg_sink_stream_abort(s);   /* building a layout may run DDL */
    pg_layout *l = build_layout(s, t, ks, vs, del, err);
    if (!l) return NULL;
    l->next = t->layouts;
    t->layouts = l;
    return l;
}

int pg_sink_encode_row(const pg_layout *l, const trib_record *rec, trib_strbuf *buf, trib_error *err) {
    size_t start = buf->len;
    trib_pg_copy_tuple_begin(buf, (int)l->ncols);
    for (size_t i = 0; i < l->ncols; i++) {
        const pg_lcol *c = &l->cols[i];
        trib_value tmp;
        const trib_value *v = NULL;
        switch (c->src) {
        case PG_SRC_TOPIC:
            tmp.type = TRIB_STRING;
            tmp.u.str.data = rec->topic;
            tmp.u.str.len = strlen(rec->topic);
            v = &tmp;
            break;
        case PG_SRC_PARTITION:
            tmp.type = TRIB_INT32;
            tmp.u.i = rec->partition;
            v = &tmp;
            break;
        case PG_SRC_OFFSET:
            tmp.type = TRIB_INT64;
            tmp.u.i = rec->kafka_offset;
            v = &tmp;
            break;
        case PG_SRC_KEY: v = rec->key; break;
        case PG_SRC_KEY_FIELD: v = rec->key->u.st.fields[c->field]; break;
        case PG_SRC_VALUE_FIELD: v = rec->value->u.st.fields[c->field]; break;
        }
        if (!v && c->pk) {
            buf->len = start;
            return trib_error_set(err, TRIB_ERR_INVALID, "postgres: primary key column \"%s\" is null", c->name);
        }
        if (trib_pg_copy_field(buf, c->enc, c->schema, v, err) < 0) {
            buf->len = start;
            return trib_error_prefix(err, "postgres: column \"%s\"", c->name);
        }
    }
    return 0;
}

void pg_sink_free_tables(pg_sink *s) {
    pg_table *t = s->tables;
    while (t) {
        pg_table *next = t->next;
        pg_layout *l = t->layouts;
        while (l) {
            pg_layout *ln = l->next;
            layout_free(l);
            l = ln;
        }
        free_columns(t);
        free(t->schema);
        free(t->name);
        free(t->qname);
        free(t);
        t = next;
    }
    s->tables = NULL;
    for (size_t i = 0; i < s->ntopics; i++) free(s->topics[i].topic);
    free(s->topics);
    s->topics = NULL;
    s->ntopics = s->topics_cap = 0;
}

/* ---- writing ------------------------------------------------------------------------------ */

static bool row_live(const pg_sink *s, const pg_run *r, size_t i) { return !s->pend[r->rec[i]].done; }

/* Whether this batch tries the layout's direct upsert first (see pg_layout). */
static bool try_direct(const pg_layout *l) { return l->direct_ok && l->skip_direct == 0; }

/* COPY rows [lo, hi) of a run (skipping done rows) with the COPY statement sql. */
static int copy_rows(pg_sink *s, pg_run *r, const char *sql, size_t lo, size_t hi, trib_error *err) {
    PGresult *res = trib_pgq_exec(s->conn, sql);
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        trib_pg_error(s->conn, res, "starting COPY", err);
        PQclear(res);
        return -1;
    }
    PQclear(res);
    trib_strbuf hdr;
    trib_strbuf_init(&hdr);
    trib_pg_copy_header(&hdr);
    int ok = trib_pgq_put_copy_data(s->conn, hdr.data, (int)hdr.len) == 1;
    for (size_t i = lo; ok && i < hi;) {
        while (i < hi && !row_live(s, r, i)) i++;
        size_t start = i;
        while (i < hi && row_live(s, r, i)) i++;
        /* PQputCopyData takes an int length: send big ranges in pieces. */
        size_t from = r->off[start], to = r->off[i];
        while (ok && from < to) {
            size_t chunk = to - from > (1u << 30) ? (1u << 30) : to - from;
            ok = trib_pgq_put_copy_data(s->conn, r->data.data + from, (int)chunk) == 1;
            from += chunk;
        }
    }
    trib_strbuf_reset(&hdr);
    trib_pg_copy_trailer(&hdr);
    if (ok) ok = trib_pgq_put_copy_data(s->conn, hdr.data, (int)hdr.len) == 1;
    trib_strbuf_free(&hdr);
    if (trib_pgq_put_copy_end(s->conn, ok ? NULL : "tributary: sending COPY data failed") != 1) ok = 0;
    int rc = 0;
    while ((res = trib_pgq_get_result(s->conn)) != NULL) {
        if (rc == 0 && PQresultStatus(res) != PGRES_COMMAND_OK) rc = trib_pg_error(s->conn, res, "COPY", err);
        PQclear(res);
    }
    if (rc == 0 && !ok) rc = trib_pg_error(s->conn, NULL, "sending COPY data", err);
    return rc;
}

static size_t count_live(const pg_sink *s, const pg_run *r, size_t lo, size_t hi) {
    size_t n = 0;
    for (size_t i = lo; i < hi; i++) n += row_live(s, r, i);
    return n;
}

/* ---- streaming ---------------------------------------------------------------------------- */

/* A stream opens once the first run holds STREAM_START bytes (small
 * batches are written the ordinary way) and sends every STREAM_CHUNK, so
 * little is left to wait for when the batch ends. */
#define STREAM_START (64 * 1024)
#define STREAM_CHUNK (16 * 1024)

void pg_sink_stream_abort(pg_sink *s) {
    if (!s->streaming) return;
    s->streaming = false;
    s->stream_off = true;
    if (!s->conn || PQstatus(s->conn) != CONNECTION_OK) return;
    trib_pgq_put_copy_end(s->conn, "tributary: stream abandoned");
    PGresult *res;
    while ((res = trib_pgq_get_result(s->conn)) != NULL) PQclear(res);
    res = trib_pgq_exec(s->conn, "ROLLBACK");
    PQclear(res);
}

static bool stream_send(pg_sink *s, pg_run *r) {
    size_t from = r->off[s->stream_sent], to = r->off[r->nrows];
    while (from < to) {
        size_t chunk = to - from > (1u << 30) ? (1u << 30) : to - from;
        if (trib_pgq_put_copy_data(s->conn, r->data.data + from, (int)chunk) != 1) return false;
        from += chunk;
    }
    s->stream_sent = r->nrows;
    return true;
}

/* A stream that could not start or go on: said in the log when the
 * connection is gone (the batch's ordinary write reconnects and retries). */
static void stream_failed(pg_sink *s, PGresult *res, const char *what) {
    trib_error e;
    trib_pg_error(s->conn, res, what, &e);
    if (PQstatus(s->conn) != CONNECTION_OK)
        TRIB_WARN(FAC, "[%s:%d] %s; retrying the batch on a new connection", s->connector, s->task_id, e.msg);
    else
        TRIB_DEBUG(FAC, "[%s:%d] not streaming this batch: %s", s->connector, s->task_id, e.msg);
}

void pg_sink_stream(pg_sink *s) {
    if (s->stream_off || s->nruns == 0) return;
    pg_run *r = s->runs[0];
    pg_layout *l = r->layout;
    /* a staged run streams into its staging table once that exists on
     * this connection (its DDL runs outside the batch's transaction) */
    bool direct = try_direct(l);
    if (l->noop || (!l->direct && !direct && l->staging_gen != s->conn_gen) || r->nrows == 0) return;
    if (!s->streaming) {
        if (!s->conn || PQstatus(s->conn) != CONNECTION_OK || s->need_resync ||
            r->data.len - r->off[0] < STREAM_START)
            return;
        s->xact_seq++;
        if (l->merge_sql && !direct) l->staging_xact = s->xact_seq;   /* empty: a new transaction */
        /* BEGIN and the COPY in one round trip: the server runs BEGIN and
         * then enters COPY IN, which is the result PQexec returns. */
        trib_strbuf q;
        trib_strbuf_init(&q);
        trib_strbuf_printf(&q, "BEGIN; %s", direct ? l->direct_sql : l->copy_sql);
        PGresult *res = trib_pgq_exec(s->conn, q.data);
        trib_strbuf_free(&q);
        if (PQresultStatus(res) != PGRES_COPY_IN) {
            stream_failed(s, res, "starting COPY");
            PQclear(res);
            if (PQstatus(s->conn) == CONNECTION_OK) PQclear(trib_pgq_exec(s->conn, "ROLLBACK"));
            s->stream_off = true;
            return;
        }
        PQclear(res);
        trib_strbuf hdr;
        trib_strbuf_init(&hdr);
        trib_pg_copy_header(&hdr);
        s->streaming = true;
        s->stream_sent = 0;
        s->stream_since_ms = trib_mono_ms();
        bool ok = trib_pgq_put_copy_data(s->conn, hdr.data, (int)hdr.len) == 1;
        trib_strbuf_free(&hdr);
        if (!ok) {
            stream_failed(s, NULL, "sending COPY data");
            pg_sink_stream_abort(s);
            return;
        }
    }
    if (r->off[r->nrows] - r->off[s->stream_sent] < STREAM_CHUNK) return;
    if (!stream_send(s, r)) {
        stream_failed(s, NULL, "sending COPY data");
        pg_sink_stream_abort(s);
    }
}

/* Ends the stream's COPY: 0 when the first run is in the (still open)
 * transaction; -1 with err otherwise, the transaction rolled back. */
static int stream_finish(pg_sink *s, trib_error *err) {
    pg_run *r = s->runs[0];
    s->streaming = false;
    int ok = count_live(s, r, 0, r->nrows) == r->nrows && stream_send(s, r);
    trib_strbuf tr;
    trib_strbuf_init(&tr);
    trib_pg_copy_trailer(&tr);
    if (ok) ok = trib_pgq_put_copy_data(s->conn, tr.data, (int)tr.len) == 1;
    trib_strbuf_free(&tr);
    if (trib_pgq_put_copy_end(s->conn, ok ? NULL : "tributary: buffered rows changed while streaming") != 1) ok = 0;
    int rc = 0;
    PGresult *res;
    while ((res = trib_pgq_get_result(s->conn)) != NULL) {
        if (rc == 0 && PQresultStatus(res) != PGRES_COMMAND_OK) rc = trib_pg_error(s->conn, res, "COPY", err);
        PQclear(res);
    }
    if (rc == 0 && !ok) rc = trib_error_set(err, TRIB_ERR_RETRIABLE, "postgres: streaming COPY was abandoned");
    if (rc < 0 && PQstatus(s->conn) == CONNECTION_OK) {
        res = trib_pgq_exec(s->conn, "ROLLBACK");
        PQclear(res);
    }
    return rc;
}

/* One write of rows [lo, hi): COPY, then the merge statement; inside a
 * savepoint when sp, so a refusal leaves the transaction usable. */
static int attempt(pg_sink *s, pg_run *r, size_t lo, size_t hi, bool sp, bool copied, trib_error *err) {
    if (sp && trib_pg_exec(s->conn, "SAVEPOINT trib_sp", "SAVEPOINT", err) < 0) return -1;
    pg_layout *l = r->layout;
    if (!sp && try_direct(l)) {
        /* The direct upsert attempt: plain inserts into the table. A
         * refusal fails the transaction; pg_sink_write_batch then writes
         * the batch again through the staging table. */
        return copied ? 0 : copy_rows(s, r, l->direct_sql, lo, hi, err);
    }
    int rc = 0;
    if (!copied) {   /* copied: the rows are in (streamed) already */
        if (l->merge_sql && l->staging_xact == s->xact_seq) {
            /* Rows of an earlier write in this transaction may still be there. */
            char q[64];
            snprintf(q, sizeof q, "TRUNCATE __trib_stg_%d", l->staging_no);
            rc = trib_pg_exec(s->conn, q, "emptying a staging table", err);
        }
        if (l->merge_sql) l->staging_xact = s->xact_seq;
        if (rc == 0) rc = copy_rows(s, r, l->copy_sql, lo, hi, err);
    }
    if (rc == 0 && l->insert_sql && l->skip_insert == 0) {
        /* Upsert, optimistically as a plain INSERT; on a conflict (or any
         * refusal) fall back to ON CONFLICT, and stay there for a while. */
        trib_strbuf q;
        trib_strbuf_init(&q);
        trib_strbuf_printf(&q, "SAVEPOINT trib_ins; %s; RELEASE SAVEPOINT trib_ins%s", l->insert_sql,
                           sp ? "; RELEASE SAVEPOINT trib_sp" : "");
        trib_error e;
        rc = trib_pg_exec(s->conn, q.data, "writing rows", &e);
        trib_strbuf_free(&q);
        if (rc == 0) return 0;
        if (e.code != TRIB_ERR_INVALID) {
            if (err) *err = e;
        } else {
            l->skip_insert = 16;
            rc = trib_pg_exec(s->conn, "ROLLBACK TO SAVEPOINT trib_ins; RELEASE SAVEPOINT trib_ins", "ROLLBACK TO SAVEPOINT",
                              err);
        }
    } else if (l->insert_sql && l->skip_insert > 0) {
        l->skip_insert--;
    }
    if (rc == 0 && l->merge_sql) {
        if (sp) {
            trib_strbuf q;
            trib_strbuf_init(&q);
            trib_strbuf_printf(&q, "%s; RELEASE SAVEPOINT trib_sp", l->merge_sql);
            rc = trib_pg_exec(s->conn, q.data, "writing rows", err);
            trib_strbuf_free(&q);
            if (rc == 0) return 0;
        } else {
            rc = trib_pg_exec(s->conn, l->merge_sql, "writing rows", err);
        }
    } else if (rc == 0 && sp) {
        rc = trib_pg_exec(s->conn, "RELEASE SAVEPOINT trib_sp", "RELEASE SAVEPOINT", err);
    }
    if (rc < 0 && sp && err && err->code == TRIB_ERR_INVALID) {
        trib_error e2;
        if (trib_pg_exec(s->conn, "ROLLBACK TO SAVEPOINT trib_sp; RELEASE SAVEPOINT trib_sp", "ROLLBACK TO SAVEPOINT",
                         &e2) < 0) {
            if (err) *err = e2;
        }
    }
    return rc;
}

/* Rows [lo, hi) were refused (why): find the bad ones by halving. */
static int bisect(pg_sink *s, pg_run *r, size_t lo, size_t hi, const trib_error *why, trib_error *err) {
    size_t live = count_live(s, r, lo, hi);
    if (live == 0) return 0;
    if (live == 1) {
        for (size_t i = lo; i < hi; i++) {
            if (!row_live(s, r, i)) continue;
            return pg_sink_report_pending(s, r->rec[i], why, err);
        }
    }
    size_t mid = lo, seen = 0;
    while (seen < live / 2) seen += row_live(s, r, mid++);
    size_t bounds[3] = {lo, mid, hi};
    for (int h = 0; h < 2; h++) {
        size_t a = bounds[h], b = bounds[h + 1];
        if (count_live(s, r, a, b) == 0) continue;
        trib_error e;
        trib_error_clear(&e);
        if (attempt(s, r, a, b, true, false, &e) == 0) continue;
        if (e.code != TRIB_ERR_INVALID) {
            if (err) *err = e;
            return -1;
        }
        if (bisect(s, r, a, b, &e, err) < 0) return -1;
    }
    return 0;
}

/* The batch's transaction. streamed: it is open already, with the first
 * run written (pg_sink_stream). */
static int transaction(pg_sink *s, bool careful, bool streamed, const trib_pg_ledger_move *ledger, size_t nledger,
                       trib_error *err) {
    if (!streamed) {
        s->xact_seq++;
        if (trib_pg_exec(s->conn, "BEGIN", "BEGIN", err) < 0) return -1;
    }
    for (size_t i = 0; i < s->nruns; i++) {
        pg_run *r = s->runs[i];
        if (r->layout->noop || count_live(s, r, 0, r->nrows) == 0) continue;
        if (!careful) {
            if (attempt(s, r, 0, r->nrows, false, streamed && i == 0, err) < 0) goto fail;
            continue;
        }
        trib_error e;
        trib_error_clear(&e);
        if (attempt(s, r, 0, r->nrows, true, false, &e) == 0) continue;
        if (e.code != TRIB_ERR_INVALID) {
            if (err) *err = e;
            goto fail;
        }
        if (bisect(s, r, 0, r->nrows, &e, err) < 0) goto fail;
    }
    /* The ledger and COMMIT in one round trip (conditional: CONFLICT if
     * another task moved it meanwhile, and nothing commits). */
    if (trib_pg_offsets_write_commit(s->conn, s->offsets_table, s->connector, ledger, nledger, s->ledger_fn, err) < 0)
        goto fail;
    return 0;
fail:
    if (PQstatus(s->conn) == CONNECTION_OK && PQtransactionStatus(s->conn) != PQTRANS_IDLE) {
        PGresult *res = trib_pgq_exec(s->conn, "ROLLBACK");
        PQclear(res);
    }
    return -1;
}

/* Creates the staging tables this batch needs on this connection (a
 * direct upsert attempt needs none until it is refused). */
static int ensure_staging(pg_sink *s, trib_error *err) {
    for (size_t i = 0; i < s->nruns; i++) {
        pg_layout *l = s->runs[i]->layout;
        if (l->direct || l->noop || l->staging_gen == s->conn_gen || try_direct(l)) continue;
        pg_sink_stream_abort(s);   /* the DDL runs outside the batch's transaction */
        if (trib_pg_exec(s->conn, l->staging_ddl, "creating a staging table", err) < 0) return -1;
        l->staging_gen = s->conn_gen;
    }
    return 0;
}

static bool batch_tries_direct(const pg_sink *s) {
    for (size_t i = 0; i < s->nruns; i++)
        if (try_direct(s->runs[i]->layout)) return true;
    return false;
}

/* A direct upsert attempt was refused (a key already in the table, a
 * duplicate key within the batch, or a bad row): the staging table's
 * merge takes the next 16 batches, then 32, 64, ... up to 1024 while the
 * attempts keep failing, so a topic of updates wastes few COPYs. */
static void direct_refused(pg_sink *s, const trib_error *why) {
    for (size_t i = 0; i < s->nruns; i++) {
        pg_layout *l = s->runs[i]->layout;
        if (!try_direct(l)) continue;
        int shift = l->direct_fails < 6 ? l->direct_fails : 6;
        l->direct_fails++;
        l->skip_direct = 16 << shift;
        TRIB_DEBUG(FAC, "[%s:%d] direct upsert refused (%s); merging through the staging table for %d batches",
                   s->connector, s->task_id, why->msg, l->skip_direct);
    }
}

/* After a batch committed: direct attempts that worked reset the failure
 * count, skipped ones count down. */
static void direct_committed(pg_sink *s) {
    for (size_t i = 0; i < s->nruns; i++) {
        pg_layout *l = s->runs[i]->layout;
        if (!l->direct_ok) continue;
        if (l->skip_direct > 0) l->skip_direct--;
        else l->direct_fails = 0;
    }
}

int pg_sink_write_batch(pg_sink *s, const trib_pg_ledger_move *ledger, size_t nledger, trib_error *err) {
    if (ensure_staging(s, err) < 0) return -1;
    trib_error e;
    trib_error_clear(&e);
    bool streamed = false;
    if (s->streaming) {
        bool direct = try_direct(s->runs[0]->layout);
        if (stream_finish(s, &e) == 0) {
            streamed = true;
        } else if (PQstatus(s->conn) != CONNECTION_OK) {
            if (err) *err = e;
            return -1;
        } else {
            /* a refused row, or rows that stopped being live: the ordinary
             * write below sorts it out */
            TRIB_DEBUG(FAC, "[%s:%d] streamed COPY failed (%s); writing the batch again", s->connector, s->task_id,
                       e.msg);
            if (direct && e.code == TRIB_ERR_INVALID) {
                direct_refused(s, &e);
                trib_error_clear(&e);
                if (ensure_staging(s, err) < 0) return -1;
            }
        }
    }
    if (e.code != TRIB_ERR_INVALID) {
        bool direct = batch_tries_direct(s);
        int rc = transaction(s, false, streamed, ledger, nledger, &e);
        if (rc < 0 && direct && e.code == TRIB_ERR_INVALID && PQstatus(s->conn) == CONNECTION_OK) {
            direct_refused(s, &e);
            trib_error_clear(&e);
            rc = ensure_staging(s, &e);
            if (rc == 0) rc = transaction(s, false, false, ledger, nledger, &e);
        }
        if (rc == 0) {
            direct_committed(s);
            return 0;
        }
    }
    if (e.code != TRIB_ERR_INVALID) {
        if (err) *err = e;
        return -1;
    }
    TRIB_DEBUG(FAC, "[%s:%d] batch refused (%s); writing it row group by row group", s->connector, s->task_id, e.msg);
    if (transaction(s, true, false, ledger, nledger, err) < 0) return -1;
    direct_committed(s);
    return 0;
}
