/*
 * test_pg_sink.c: PostgresSink against a real PostgreSQL (scripts/testenv,
 * PG_URL). Drives the plugin's task vtable directly with hand-built records
 * and checks the database with its own connection.
 *
 * Covers insert / upsert / update / delete, auto.create and auto.evolve,
 * the exactly-once ledger (stored offsets, seek on open, duplicate
 * skipping, crash without flush, a killed connection), refused rows going
 * to the reporter while the rest of the batch lands, hostile identifiers,
 * every type's column and value, JDBC URLs, configuration errors, and two
 * tasks writing one partition (a zombie and the new owner) fenced by the
 * ledger.
 * Everything lives in a schema of its own, dropped at the end.
 */
#include "tests/tap.h"

#include <pthread.h>
#include <unistd.h>

#include "common/util.h"
#include "connectors/postgres/pg_internal.h"
#include "worker/task_context.h"

extern const trib_connector_plugin trib_postgres_sink_plugin;
static const trib_sink_task_ops *ops;
static const char *pg_url;
static PGconn *db;
static char schema[64];

/* ---- helpers ------------------------------------------------------------------ */

static char *sql1(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* First column of the first row as a malloc'd string ("<null>", "<none>", "<error: ...>"). */
static char *sql1(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *q = NULL;
    if (vasprintf(&q, fmt, ap) < 0) abort();
    va_end(ap);
    PGresult *r = PQexec(db, q);
    free(q);
    char *out;
    if (PQresultStatus(r) != PGRES_TUPLES_OK) out = trib_xasprintf("<error: %s>", PQresultErrorMessage(r));
    else if (PQntuples(r) == 0) out = trib_xstrdup("<none>");
    else if (PQgetisnull(r, 0, 0)) out = trib_xstrdup("<null>");
    else out = trib_xstrdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    return out;
}

/* Runs a boolean query every 20 ms until it answers "t" (at most 2 s);
 * returns the last answer (malloc'd), so a failing test shows it. */
static char *sql1_until_true(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *sql1_until_true(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *q = NULL;
    if (vasprintf(&q, fmt, ap) < 0) abort();
    va_end(ap);
    char *seen = NULL;
    for (int i = 0; i < 100; i++) {
        free(seen);
        seen = sql1("%s", q);
        if (strcmp(seen, "t") == 0) break;
        usleep(20000);
    }
    free(q);
    return seen;
}

static void exec(const char *q) {
    PGresult *r = PQexec(db, q);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        diag("SQL failed: %s: %s", q, PQresultErrorMessage(r));
    PQclear(r);
}

#define is_sql(want, name, ...) do { char *g_ = sql1(__VA_ARGS__); is_str(g_, want, name); free(g_); } while (0)

typedef struct reported {
    int n;
    int64_t offsets[16];
    char last[1024];
    char last_raw[128];      /* raw key "|" raw value of the last report ("-" for null) */
    char last_header[128];   /* first header "key=value" of the last report, "" if none */
    int verdict;   /* what the reporter returns: 0 tolerate, -1 fail */
} reported;

static int reporter(void *opaque, const trib_record *rec, const trib_error *why) {
    reported *r = opaque;
    if (r->n < 16) r->offsets[r->n] = rec->kafka_offset;
    r->n++;
    snprintf(r->last, sizeof r->last, "%s", why->msg);
    snprintf(r->last_raw, sizeof r->last_raw, "%.*s|%.*s", rec->raw_key ? (int)rec->raw_key_len : 1,
             rec->raw_key ? (const char *)rec->raw_key : "-", rec->raw_value ? (int)rec->raw_value_len : 1,
             rec->raw_value ? (const char *)rec->raw_value : "-");
    r->last_header[0] = '\0';
    if (rec->raw_nheaders)
        snprintf(r->last_header, sizeof r->last_header, "%s=%.*s", rec->raw_headers[0].key,
                 (int)rec->raw_headers[0].len, rec->raw_headers[0].value ? (const char *)rec->raw_headers[0].value : "");
    return r->verdict;
}

typedef struct task {
    trib_sink_task_context *ctx;
    void *impl;
    reported rep;
} task;

/* Starts a task with key=value pairs (NULL-terminated); returns 0 or -1 with err. */
static int task_start(task *t, const char *connector, trib_error *err, ...) {
    memset(t, 0, sizeof *t);
    t->ctx = trib_sink_task_context_new(connector, 0);
    trib_sink_task_context_set_reporter(t->ctx, reporter, &t->rep);
    trib_props *p = trib_props_new();
    trib_props_set(p, "connection.url", pg_url);
    char tbl[128];
    snprintf(tbl, sizeof tbl, "%s.${topic}", schema);
    trib_props_set(p, "table.name.format", tbl);
    char off[128];
    snprintf(off, sizeof off, "%s.offsets", schema);
    trib_props_set(p, "tributary.offsets.table", off);
    trib_props_set(p, "retry.backoff.ms", "10");
    va_list ap;
    va_start(ap, err);
    const char *k;
    while ((k = va_arg(ap, const char *)) != NULL) trib_props_set(p, k, va_arg(ap, const char *));
    va_end(ap);
    int rc = ops->start(p, t->ctx, &t->impl, err);
    trib_props_destroy(p);
    if (rc < 0) {
        trib_sink_task_context_destroy(t->ctx);
        t->ctx = NULL;
    }
    return rc;
}

static void task_stop(task *t) {
    if (t->impl) ops->stop(t->impl);
    trib_sink_task_context_destroy(t->ctx);
    t->impl = NULL;
    t->ctx = NULL;
}

static trib_schema *order_schema(bool with_note) {
    trib_schema *s = trib_schema_struct_new("order");
    trib_schema_add_field_take(s, "id", trib_schema_primitive(TRIB_INT64, false));
    trib_schema_add_field_take(s, "item", trib_schema_primitive(TRIB_STRING, true));
    trib_schema_add_field_take(s, "qty", trib_schema_primitive(TRIB_INT32, false));
    if (with_note) trib_schema_add_field_take(s, "note", trib_schema_primitive(TRIB_STRING, true));
    return s;
}

static trib_schema *key_schema(void) {
    trib_schema *s = trib_schema_struct_new("key");
    trib_schema_add_field_take(s, "id", trib_schema_primitive(TRIB_INT64, false));
    return s;
}

/* An order record; key {id} when keyed; value NULL when tombstone. */
static trib_record *order(const char *topic, trib_schema *vs, int64_t offset, int64_t id, const char *item, int qty,
                          bool keyed, bool tombstone) {
    trib_record *r = trib_record_new(topic);
    r->partition = 0;
    r->kafka_offset = offset;
    if (keyed) {
        trib_schema *ks = key_schema();
        trib_value *k = trib_value_struct_new(ks);
        trib_value_struct_set_take(k, "id", trib_value_int(TRIB_INT64, id));
        trib_record_set_key_take(r, ks, k);
    }
    if (!tombstone) {
        trib_value *v = trib_value_struct_new(vs);
        trib_value_struct_set_take(v, "id", trib_value_int(TRIB_INT64, id));
        if (item) trib_value_struct_set_take(v, "item", trib_value_string(item));
        trib_value_struct_set_take(v, "qty", trib_value_int(TRIB_INT32, qty));
        if (trib_schema_field(vs, "note")) trib_value_struct_set_take(v, "note", trib_value_string("n"));
        trib_record_set_value_take(r, trib_schema_ref(vs), v);
    }
    return r;
}

static int put1(task *t, trib_record *r, trib_error *err) {
    int rc = ops->put(t->impl, &r, 1, err);
    trib_record_destroy(r);
    return rc;
}

static int flush0(task *t, trib_error *err) { return ops->flush(t->impl, NULL, 0, err); }

/* ---- tests -------------------------------------------------------------------------- */

static void test_insert_and_batches(void) {
    task t;
    trib_error err;
    ok(task_start(&t, "ins", &err, "auto.create", "true", "batch.size", "3", NULL) == 0, "insert-mode task starts");
    trib_schema *vs = order_schema(false);
    trib_record *recs[4];
    for (int i = 0; i < 4; i++) recs[i] = order("orders", vs, i, i + 1, i == 2 ? NULL : "apple", i + 1, false, false);
    ok(ops->put(t.impl, recs, 2, &err) == 0, "put below batch.size buffers");
    is_sql("0", "nothing is written before the batch fills (auto.create made the table)",
           "SELECT count(*) FROM %s.orders", schema);
    ok(ops->put(t.impl, recs + 2, 2, &err) == 0, "put reaching batch.size writes");
    is_sql("4", "the whole buffer was written once batch.size was reached", "SELECT count(*) FROM %s.orders", schema);
    is_sql("bigint,text,integer", "auto.create mapped int64/string/int32",
           "SELECT string_agg(format_type(atttypid, atttypmod), ',' ORDER BY attnum) FROM pg_attribute"
           " WHERE attrelid = '%s.orders'::regclass AND attnum > 0", schema);
    is_sql("t,f,t", "required fields are NOT NULL, optional ones nullable",
           "SELECT string_agg(CASE WHEN attnotnull THEN 't' ELSE 'f' END, ',' ORDER BY attnum) FROM pg_attribute"
           " WHERE attrelid = '%s.orders'::regclass AND attnum > 0", schema);
    is_sql("<null>", "a null field is NULL", "SELECT item FROM %s.orders WHERE id = 3", schema);
    is_sql("4", "the ledger holds the next offset", "SELECT next_offset FROM %s.offsets WHERE connector = 'ins'", schema);
    for (int i = 0; i < 4; i++) trib_record_destroy(recs[i]);
    trib_schema_unref(vs);
    task_stop(&t);
}

static void test_exactly_once(void) {
    task t;
    trib_error err;
    task_start(&t, "eos", &err, "auto.create", "true", NULL);
    trib_schema *vs = order_schema(false);
    trib_topic_partition tp = {.topic = "eo", .partition = 0, .offset = -1};
    ok(ops->open(t.impl, &tp, 1, &err) == 0, "open with an empty ledger");
    size_t nreq = 0;
    trib_sink_request *req = trib_sink_task_context_take_requests(t.ctx, &nreq);
    is_int(nreq, 0, "no seek without a stored offset");
    trib_sink_requests_free(req, nreq);
    for (int i = 0; i < 5; i++) put1(&t, order("eo", vs, 100 + i, i, "x", 1, false, false), &err);
    ok(flush0(&t, &err) == 0, "flush writes the batch");
    is_sql("105", "the ledger says 105 after offsets 100..104", "SELECT next_offset FROM %s.offsets WHERE connector='eos'",
           schema);
    /* Records buffered but never flushed are lost in a crash... */
    for (int i = 5; i < 8; i++) put1(&t, order("eo", vs, 100 + i, i, "x", 1, false, false), &err);
    task_stop(&t);
    is_sql("5", "a crash before flush leaves only the committed batch", "SELECT count(*) FROM %s.eo", schema);

    /* ...and a new task resumes exactly after the committed batch. */
    task_start(&t, "eos", &err, NULL);
    ok(ops->open(t.impl, &tp, 1, &err) == 0, "open after the crash");
    req = trib_sink_task_context_take_requests(t.ctx, &nreq);
    ok(nreq == 1 && req[0].kind == TRIB_SINK_REQ_SEEK && req[0].tp.offset == 105 && req[0].tp.partition == 0 &&
           strcmp(req[0].tp.topic, "eo") == 0,
       "open seeks the partition to the ledger's offset");
    trib_sink_requests_free(req, nreq);
    /* The consumer redelivers from an older position (rebalance): duplicates are skipped. */
    for (int i = 3; i < 8; i++) put1(&t, order("eo", vs, 100 + i, i, "x", 1, false, false), &err);
    ok(flush0(&t, &err) == 0, "flush after redelivery");
    is_sql("8", "each offset is written exactly once", "SELECT count(*) FROM %s.eo", schema);
    is_sql("0", "no id appears twice", "SELECT count(*) FROM (SELECT id FROM %s.eo GROUP BY id HAVING count(*) > 1) d",
           schema);
    is_sql("108", "the ledger moved to 108", "SELECT next_offset FROM %s.offsets WHERE connector='eos'", schema);

    /* flush offsets beyond the last record (filtered by a transform) move the ledger too */
    trib_topic_partition fo = {.topic = "eo", .partition = 0, .offset = 120};
    ok(ops->flush(t.impl, &fo, 1, &err) == 0, "flush with a consumer position past the last record");
    is_sql("120", "the ledger follows the consumer position", "SELECT next_offset FROM %s.offsets WHERE connector='eos'",
           schema);

    /* The connection dies under the task: the write is retriable, then lands once. */
    put1(&t, order("eo", vs, 120, 20, "x", 1, false, false), &err);
    exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'tributary sink eos-0'");
    usleep(200 * 1000);
    int rc = flush0(&t, &err);
    ok(rc < 0 && trib_error_is_retriable(&err), "a killed connection makes flush retriable");
    ok(flush0(&t, &err) == 0, "the retry reconnects and writes");
    is_sql("1", "the row after the reconnect is there once", "SELECT count(*) FROM %s.eo WHERE id = 20", schema);
    is_sql("121", "and the ledger moved with it", "SELECT next_offset FROM %s.offsets WHERE connector='eos'", schema);

    trib_topic_partition cl = {.topic = "eo", .partition = 0, .offset = -1};
    put1(&t, order("eo", vs, 121, 21, "x", 1, false, false), &err);
    ok(ops->close(t.impl, &cl, 1, &err) == 0, "close drops the revoked partition's buffer");
    ok(flush0(&t, &err) == 0, "flush after close");
    is_sql("0", "the dropped record was not written", "SELECT count(*) FROM %s.eo WHERE id = 21", schema);
    trib_schema_unref(vs);
    task_stop(&t);
}

static void test_upsert_update_delete(void) {
    task t;
    trib_error err;
    ok(task_start(&t, "ups", &err, "auto.create", "true", "insert.mode", "upsert", "pk.mode", "record_key",
                  "delete.enabled", "true", NULL) == 0,
       "upsert task with deletes starts");
    trib_schema *vs = order_schema(false);
    put1(&t, order("up", vs, 0, 1, "a", 1, true, false), &err);
    put1(&t, order("up", vs, 1, 2, "b", 2, true, false), &err);
    put1(&t, order("up", vs, 2, 1, "c", 3, true, false), &err);   /* same key in one batch: last wins */
    put1(&t, order("up", vs, 3, 5, "e", 5, true, false), &err);
    put1(&t, order("up", vs, 4, 5, NULL, 0, true, true), &err);   /* then deleted */
    put1(&t, order("up", vs, 5, 6, NULL, 0, true, true), &err);   /* delete before insert */
    put1(&t, order("up", vs, 6, 6, "f", 6, true, false), &err);
    ok(flush0(&t, &err) == 0, "mixed upserts and deletes flush");
    is_sql("1:c:3,2:b:2,6:f:6", "upserts applied in order, last value per key, deletes in sequence",
           "SELECT string_agg(id || ':' || item || ':' || qty, ',' ORDER BY id) FROM %s.up", schema);
    is_sql("id", "the key column is the primary key",
           "SELECT string_agg(a.attname, ',') FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND"
           " a.attnum = ANY(i.indkey) WHERE i.indrelid = '%s.up'::regclass AND i.indisprimary", schema);
    put1(&t, order("up", vs, 7, 2, "B", 20, true, false), &err);
    put1(&t, order("up", vs, 8, 1, NULL, 0, true, true), &err);
    ok(flush0(&t, &err) == 0, "second batch flushes");
    is_sql("2:B:20,6:f:6", "an existing row is updated and another deleted",
           "SELECT string_agg(id || ':' || item || ':' || qty, ',' ORDER BY id) FROM %s.up", schema);
    task_stop(&t);

    ok(task_start(&t, "upd", &err, "insert.mode", "update", "pk.mode", "record_value", "pk.fields", "id",
                  "table.name.format", "", NULL) < 0, "an empty table.name.format is refused");
    char fmt[128];
    snprintf(fmt, sizeof fmt, "%s.up", schema);
    ok(task_start(&t, "upd", &err, "insert.mode", "update", "pk.mode", "record_value", "pk.fields", "id",
                  "table.name.format", fmt, NULL) == 0, "update task starts");
    put1(&t, order("anything", vs, 0, 6, "F", 60, false, false), &err);
    put1(&t, order("anything", vs, 1, 99, "new", 1, false, false), &err);
    ok(flush0(&t, &err) == 0, "update batch flushes");
    is_sql("2:B:20,6:F:60", "update changes existing rows and never inserts",
           "SELECT string_agg(id || ':' || item || ':' || qty, ',' ORDER BY id) FROM %s.up", schema);
    task_stop(&t);

    ok(task_start(&t, "bad", &err, "insert.mode", "upsert", NULL) < 0, "upsert without a primary key is refused");
    like(err.msg, "pk.mode", "the error names pk.mode");
    ok(task_start(&t, "bad", &err, "delete.enabled", "true", "pk.mode", "record_value", NULL) < 0,
       "delete.enabled without pk.mode=record_key is refused");
    like(err.msg, "record_key", "the error says what is needed");
    trib_schema_unref(vs);
}

static void test_evolve_and_mismatch(void) {
    task t;
    trib_error err;
    task_start(&t, "evo", &err, "auto.create", "true", NULL);
    trib_schema *v1 = order_schema(false), *v2 = order_schema(true);
    put1(&t, order("evo", v1, 0, 1, "a", 1, false, false), &err);
    ok(flush0(&t, &err) == 0, "first schema written");
    ok(put1(&t, order("evo", v2, 1, 2, "b", 2, false, false), &err) < 0, "a new field without auto.evolve fails");
    is_int(err.code, TRIB_ERR_FATAL, "the failure is fatal");
    like(err.msg, "\"note\"", "the error names the column");
    like(err.msg, ".\"evo\"", "and the table");
    task_stop(&t);

    task_start(&t, "evo", &err, "auto.evolve", "true", NULL);
    ok(put1(&t, order("evo", v2, 1, 2, "b", 2, false, false), &err) == 0, "with auto.evolve the record is accepted");
    put1(&t, order("evo", v1, 2, 3, "c", 3, false, false), &err);
    ok(flush0(&t, &err) == 0, "old and new schemas flush together");
    is_sql("f", "the added column is nullable", "SELECT attnotnull FROM pg_attribute WHERE attrelid = '%s.evo'::regclass"
           " AND attname = 'note'", schema);
    is_sql("<null>,n,<null>", "old rows and old-schema records have NULL there",
           "SELECT string_agg(coalesce(note, '<null>'), ',' ORDER BY id) FROM %s.evo", schema);
    task_stop(&t);

    task_start(&t, "evo", &err, NULL);
    ok(put1(&t, order("missing", v1, 0, 1, "a", 1, false, false), &err) < 0, "a missing table without auto.create fails");
    like(err.msg, "\"missing\" does not exist and auto.create is false", "the error names the table and the setting");
    trib_schema_unref(v1);
    trib_schema_unref(v2);
    task_stop(&t);
}

static void test_refused_rows(void) {
    char q[512];
    snprintf(q, sizeof q,
             "CREATE TABLE %s.chk (id bigint PRIMARY KEY, item text NOT NULL, qty integer CHECK (qty > 0))", schema);
    exec(q);
    task t;
    trib_error err;
    task_start(&t, "chk", &err, NULL);
    trib_schema *vs = order_schema(false);
    for (int i = 0; i < 10; i++) {
        int64_t id = i == 7 ? 2 : i;                 /* offset 7 repeats id 2: unique violation */
        const char *item = i == 4 ? NULL : "ok";    /* offset 4: not-null violation */
        int qty = i == 8 ? -1 : 1;                  /* offset 8: check violation */
        put1(&t, order("chk", vs, 50 + i, id, item, qty, false, false), &err);
    }
    ok(flush0(&t, &err) == 0, "a batch with refused rows still flushes");
    is_int(t.rep.n, 3, "three records went to the reporter");
    ok(t.rep.n == 3 && t.rep.offsets[0] + t.rep.offsets[1] + t.rep.offsets[2] == 54 + 57 + 58,
       "they are the not-null, unique and check violations");
    is_sql("7", "the seven good rows landed", "SELECT count(*) FROM %s.chk", schema);
    is_sql("60", "the ledger moved past the refused rows too", "SELECT next_offset FROM %s.offsets WHERE connector='chk'",
           schema);
    /* Values the encoder refuses are reported at put() time. */
    trib_record *r = order("chk", vs, 60, 100, "ok", 1, false, false);
    trib_value_destroy(r->value->u.st.fields[1]);
    r->value->u.st.fields[1] = trib_value_string_n("nul\0byte", 8);
    ok(put1(&t, r, &err) == 0, "a value with a NUL byte is reported, not fatal");
    is_int(t.rep.n, 4, "the reporter got it");
    like(t.rep.last, "NUL", "with the reason");
    task_stop(&t);

    task_start(&t, "chk2", &err, NULL);
    t.rep.verdict = -1;   /* errors.tolerance=none */
    put1(&t, order("chk", vs, 0, 1000, NULL, 1, false, false), &err);
    ok(flush0(&t, &err) < 0, "with errors.tolerance=none a refused row fails the flush");
    is_int(err.code, TRIB_ERR_FATAL, "fatally");
    like(err.msg, "23502", "naming the SQLSTATE");
    is_sql("0", "and nothing of that batch was committed", "SELECT count(*) FROM %s.chk WHERE id = 1000", schema);
    trib_schema_unref(vs);
    task_stop(&t);
}

static void test_hostile_identifiers(void) {
    task t;
    trib_error err;
    ok(task_start(&t, "host", &err, "auto.create", "true", "pk.mode", "record_value", "pk.fields", "i\"d",
                  "insert.mode", "upsert", NULL) == 0,
       "task with a hostile pk field starts");
    const char *topic = "we\"ird; DROP TABLE x; --";
    char longname[80];
    memset(longname, 'L', 70);
    longname[70] = '\0';
    trib_schema *vs = trib_schema_struct_new("h");
    trib_schema_add_field_take(vs, "i\"d", trib_schema_primitive(TRIB_INT32, false));
    trib_schema_add_field_take(vs, "semi;colon", trib_schema_primitive(TRIB_STRING, true));
    trib_schema_add_field_take(vs, "ünïcødé 表", trib_schema_primitive(TRIB_STRING, true));
    trib_schema_add_field_take(vs, longname, trib_schema_primitive(TRIB_STRING, true));
    trib_schema_add_field_take(vs, "Mixed Case", trib_schema_primitive(TRIB_STRING, true));
    for (int i = 0; i < 2; i++) {
        trib_record *r = trib_record_new(topic);
        trib_value *v = trib_value_struct_new(vs);
        trib_value_struct_set_take(v, "i\"d", trib_value_int(TRIB_INT32, 7));
        trib_value_struct_set_take(v, "semi;colon", trib_value_string(i ? "'); DROP TABLE y; --" : "first"));
        trib_value_struct_set_take(v, "ünïcødé 表", trib_value_string("ü"));
        trib_value_struct_set_take(v, longname, trib_value_string("long"));
        trib_value_struct_set_take(v, "Mixed Case", trib_value_string("M"));
        trib_record_set_value_take(r, trib_schema_ref(vs), v);
        ok(put1(&t, r, &err) == 0, "put with hostile names (%d)", i);
    }
    ok(flush0(&t, &err) == 0, "flush with hostile names");
    is_sql("1", "the table is named exactly after the topic",
           "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '%s'"
           " AND c.relname = 'we\"ird; DROP TABLE x; --'", schema);
    is_sql("'); DROP TABLE y; --|ü|long|M", "values arrive intact (upserted under the hostile key)",
           "SELECT \"semi;colon\" || '|' || \"ünïcødé 表\" || '|' || \"%.63s\" || '|' || \"Mixed Case\""
           " FROM %s.\"we\"\"ird; DROP TABLE x; --\" WHERE \"i\"\"d\" = 7", longname, schema);
    is_sql("63", "the 70-byte field became a 63-byte column",
           "SELECT max(octet_length(attname)) FROM pg_attribute WHERE attrelid ="
           " '%s.\"we\"\"ird; DROP TABLE x; --\"'::regclass", schema);
    trib_schema_unref(vs);
    task_stop(&t);
}

static void test_types_and_casts(void) {
    char q[512];
    snprintf(q, sizeof q,
             "CREATE TABLE %s.cast_target (id integer, addr inet, d date, v varchar(8), u uuid, j json, n numeric(6,2))",
             schema);
    exec(q);
    task t;
    trib_error err;
    char fmt[128];
    snprintf(fmt, sizeof fmt, "%s.cast_target", schema);
    task_start(&t, "cast", &err, "table.name.format", fmt, NULL);
    trib_schema *vs = trib_schema_struct_new("c");
    trib_schema_add_field_take(vs, "id", trib_schema_primitive(TRIB_INT64, false));
    trib_schema_add_field_take(vs, "addr", trib_schema_primitive(TRIB_STRING, false));
    trib_schema_add_field_take(vs, "d", trib_schema_primitive(TRIB_STRING, false));
    trib_schema_add_field_take(vs, "v", trib_schema_primitive(TRIB_STRING, false));
    trib_schema_add_field_take(vs, "u", trib_schema_primitive(TRIB_STRING, false));
    trib_schema_add_field_take(vs, "j", trib_schema_map_take(trib_schema_primitive(TRIB_STRING, false),
                                                              trib_schema_primitive(TRIB_INT32, false)));
    trib_schema_add_field_take(vs, "n", trib_schema_primitive(TRIB_FLOAT64, false));
    const char *addrs[3] = {"10.0.0.1", "not an address", "::1"};
    const char *vs_[3] = {"short", "ok", "far too long"};
    for (int i = 0; i < 3; i++) {
        trib_record *r = trib_record_new("c");
        r->partition = 0;
        r->kafka_offset = i;
        trib_value *v = trib_value_struct_new(vs);
        trib_value_struct_set_take(v, "id", trib_value_int(TRIB_INT64, i));
        trib_value_struct_set_take(v, "addr", trib_value_string(addrs[i]));
        trib_value_struct_set_take(v, "d", trib_value_string("2024-02-29"));
        trib_value_struct_set_take(v, "v", trib_value_string(vs_[i]));
        trib_value_struct_set_take(v, "u", trib_value_string("123e4567-e89b-12d3-a456-426614174000"));
        trib_value *m = trib_value_map_new();
        trib_value_map_put_take(m, trib_value_string("k"), trib_value_int(TRIB_INT32, i));
        trib_value_struct_set_take(v, "j", m);
        trib_value_struct_set_take(v, "n", trib_value_float(TRIB_FLOAT64, 12.5));
        trib_record_set_value_take(r, trib_schema_ref(vs), v);
        put1(&t, r, &err);
    }
    ok(flush0(&t, &err) == 0, "strings into inet/date columns go through server casts");
    is_int(t.rep.n, 2, "an invalid address and a too-long varchar are refused");
    is_sql("0|10.0.0.1|2024-02-29|short|123e4567-e89b-12d3-a456-426614174000|{\"k\":0}|12.50",
           "cast and binary columns hold the right values",
           "SELECT id || '|' || host(addr) || '|' || d || '|' || v || '|' || u || '|' || j::text || '|' || n FROM %s.cast_target",
           schema);
    trib_schema_unref(vs);
    task_stop(&t);
}

static void test_kafka_pk_and_jdbc_url(void) {
    /* postgresql://user@host:port/db -> jdbc:postgresql://host:port/db + connection.user */
    const char *rest = strstr(pg_url, "://");
    rest = rest ? rest + 3 : pg_url;
    const char *at = strchr(rest, '@');
    char user[64] = "";
    if (at) {
        snprintf(user, sizeof user, "%.*s", (int)(at - rest), rest);
        rest = at + 1;
    }
    char *jdbc = trib_xasprintf("jdbc:postgresql://%s", rest);
    task t;
    trib_error err;
    ok(task_start(&t, "kpk", &err, "connection.url", jdbc, "connection.user", user, "pk.mode", "kafka", "auto.create",
                  "true", "insert.mode", "upsert", NULL) == 0,
       "a jdbc:postgresql URL connects");
    free(jdbc);
    trib_schema *vs = order_schema(false);
    trib_record *r = order("kp", vs, 42, 1, "a", 1, false, false);
    r->partition = 3;
    put1(&t, r, &err);
    r = order("kp", vs, 42, 1, "b", 1, false, false);
    r->partition = 3;
    put1(&t, r, &err);
    ok(flush0(&t, &err) == 0, "kafka-keyed upserts flush");
    is_sql("kp|3|42|a", "the row is keyed by topic, partition and offset (a redelivery does not duplicate it)",
           "SELECT __connect_topic || '|' || __connect_partition || '|' || __connect_offset || '|' || item FROM %s.kp",
           schema);
    trib_schema_unref(vs);
    task_stop(&t);
}

static void quiet(void *arg, const char *msg) {
    (void)arg;
    (void)msg;
}

/* A long batch streams: its COPY starts (in the batch's transaction) while
 * the buffer fills. Rows reach the server before the batch is full and
 * stay invisible until it commits with the ledger; a row the database
 * refuses in a streamed batch is reported with its raw bytes and headers
 * and the rest lands; a revoke during the stream rolls it back. */
static char raw_values[6000][24];

static trib_record *long_order(trib_schema *vs, int64_t offset, int qty) {
    static const char item[] = "a fairly long item name for a wide row........";
    trib_record *r = order("stm", vs, offset, offset, item, qty, false, false);
    snprintf(raw_values[offset % 6000], sizeof raw_values[0], "raw-%lld", (long long)offset);
    r->raw_value = raw_values[offset % 6000];
    r->raw_value_len = strlen(raw_values[offset % 6000]);
    r->timestamp = 1700000000000 + offset;
    return r;
}

static const trib_header probe_header = {"origin", "probe", 5};

static int put_range(task *t, trib_schema *vs, int64_t from, int64_t to, int64_t bad, trib_error *err) {
    for (int64_t o = from; o < to; o += 500) {
        trib_record *recs[500];
        size_t n = 0;
        for (int64_t k = o; k < to && k < o + 500; k++) {
            recs[n] = long_order(vs, k, k == bad ? 13 : 1);
            if (k == bad) { /* the headers it was read with, which the DLQ copies */
                recs[n]->raw_headers = &probe_header;
                recs[n]->raw_nheaders = 1;
            }
            n++;
        }
        int rc = ops->put(t->impl, recs, n, err);
        for (size_t i = 0; i < n; i++) trib_record_destroy(recs[i]);
        if (rc < 0) return -1;
    }
    return 0;
}

static void test_streamed_batches(void) {
    char q[512];
    snprintf(q, sizeof q, "CREATE TABLE %s.stm (id bigint NOT NULL, item text, qty integer NOT NULL CHECK (qty <> 13))",
             schema);
    exec(q);
    task t;
    trib_error err;
    ok(task_start(&t, "stm", &err, "batch.size", "5000", NULL) == 0,
       "a task with batch.size 5000 starts");
    trib_schema *vs = order_schema(false);
    trib_topic_partition tp = {.topic = "stm", .partition = 0, .offset = -1};
    ops->open(t.impl, &tp, 1, &err);
    /* a first batch: a new connection streams only once the ledger is known in sync */
    ok(put_range(&t, vs, 0, 10, -1, &err) == 0 && flush0(&t, &err) == 0, "a first small batch is written");
    ok(put_range(&t, vs, 10, 3000, -1, &err) == 0, "2990 rows buffered (batch not full)");
    /* the COPY is running: the server has rows (pg_stat_progress_copy) */
    char *seen = sql1_until_true("SELECT coalesce(max(tuples_processed), 0) > 0 FROM pg_stat_progress_copy"
                                 " WHERE relid = '%s.stm'::regclass", schema);
    is_str(seen, "t", "rows reached the server before the batch was full (streamed COPY)");
    free(seen);
    is_sql("10", "streamed rows are invisible before the batch commits", "SELECT count(*) FROM %s.stm", schema);
    ok(put_range(&t, vs, 3000, 5010, 4321, &err) == 0, "the batch fills (a refused row at 4321 on the way) and is written");
    is_sql("5009", "every row but the refused one landed", "SELECT count(*) FROM %s.stm", schema);
    is_int(t.rep.n, 1, "the refused row went to the reporter");
    is_int((int)t.rep.offsets[0], 4321, "it is the row at offset 4321");
    is_str(t.rep.last_raw, "-|raw-4321", "reported with its raw value bytes (null key)");
    is_str(t.rep.last_header, "origin=probe", "and its headers");
    is_sql("5010", "the ledger moved past the whole batch", "SELECT next_offset FROM %s.offsets WHERE connector = 'stm'",
           schema);

    /* a revoke while streaming drops the stream; nothing of it commits */
    ok(put_range(&t, vs, 5010, 8010, -1, &err) == 0, "3000 more rows buffered");
    seen = sql1_until_true("SELECT coalesce(max(tuples_processed), 0) > 0 FROM pg_stat_progress_copy"
                           " WHERE relid = '%s.stm'::regclass", schema);
    is_str(seen, "t", "they are streaming");
    free(seen);
    ok(ops->close(t.impl, &tp, 1, &err) == 0, "close (revoke) while the stream is open");
    ok(flush0(&t, &err) == 0, "flush after close");
    is_sql("5009", "the revoked partition's streamed rows did not commit", "SELECT count(*) FROM %s.stm", schema);
    is_sql("5010", "the ledger did not move", "SELECT next_offset FROM %s.offsets WHERE connector = 'stm'", schema);
    ok(ops->open(t.impl, &tp, 1, &err) == 0, "reopen (the connection is usable)");
    size_t nreq = 0;
    trib_sink_request *req = trib_sink_task_context_take_requests(t.ctx, &nreq);
    is_int(nreq == 1 ? (int)req[0].tp.offset : -1, 5010, "it seeks back to 5010");
    trib_sink_requests_free(req, nreq);
    ok(put_range(&t, vs, 5010, 8010, -1, &err) == 0 && flush0(&t, &err) == 0, "the rows are written again");
    is_sql("8009", "exactly once: 8009 rows", "SELECT count(*) FROM %s.stm", schema);
    is_sql("8009", "no duplicate ids", "SELECT count(DISTINCT id) FROM %s.stm", schema);

    /* a stream open for a second is written at the next put, batch full or not */
    ok(put_range(&t, vs, 8010, 9010, -1, &err) == 0, "1000 rows buffered (a stream opens)");
    usleep(1100 * 1000);
    is_sql("8009", "nothing of them is visible yet", "SELECT count(*) FROM %s.stm", schema);
    ok(put_range(&t, vs, 9010, 9011, -1, &err) == 0, "one more row a second later");
    is_sql("9010", "the batch was written though not full (the stream's transaction stays short)",
           "SELECT count(*) FROM %s.stm", schema);
    trib_schema_unref(vs);
    task_stop(&t);
}

/* Puts rows at offsets [from, to) of partition 0 whose ids are offset - shift, with qty. */
static int put_shifted(task *t, trib_schema *vs, int64_t from, int64_t to, int64_t shift, int qty, trib_error *err) {
    for (int64_t o = from; o < to; o += 500) {
        trib_record *recs[500];
        size_t n = 0;
        for (int64_t k = o; k < to && k < o + 500; k++) recs[n++] = order("stm", vs, k, k - shift, "upd", qty, false, false);
        int rc = ops->put(t->impl, recs, n, err);
        for (size_t i = 0; i < n; i++) trib_record_destroy(recs[i]);
        if (rc < 0) return -1;
    }
    return 0;
}

/* Upsert batches stream too: first straight into the table as plain
 * inserts; once a batch meets existing keys, it is written again through
 * the staging table's merge, and the following batches stream there. */
static void test_streamed_upsert(void) {
    char q[512];
    snprintf(q, sizeof q, "CREATE TABLE %s.stu (id bigint PRIMARY KEY, item text, qty integer NOT NULL)", schema);
    exec(q);
    task t;
    trib_error err;
    char tbl[128];
    snprintf(tbl, sizeof tbl, "%s.stu", schema);
    ok(task_start(&t, "stu", &err, "batch.size", "5000", "insert.mode", "upsert", "pk.mode", "record_value",
                  "pk.fields", "id", "table.name.format", tbl, NULL) == 0, "an upsert task with batch.size 5000 starts");
    trib_schema *vs = order_schema(false);
    trib_topic_partition tp = {.topic = "stm", .partition = 0, .offset = -1};
    ops->open(t.impl, &tp, 1, &err);
    ok(put_range(&t, vs, 0, 10, -1, &err) == 0 && flush0(&t, &err) == 0, "a first small batch is written");
    ok(put_range(&t, vs, 10, 3000, -1, &err) == 0, "2990 rows buffered");
    char *seen = sql1_until_true("SELECT coalesce(max(p.tuples_processed), 0) > 0 FROM pg_stat_progress_copy p"
                                 " JOIN pg_stat_activity a USING (pid)"
                                 " WHERE a.application_name = 'tributary sink stu-0' AND p.relid = '%s.stu'::regclass",
                                 schema);
    is_str(seen, "t", "new keys stream straight into the table before the batch is full");
    free(seen);
    is_sql("10", "and are invisible until the batch commits", "SELECT count(*) FROM %s.stu", schema);
    ok(put_range(&t, vs, 3000, 5010, -1, &err) == 0, "the batch fills and is written");
    is_sql("5010", "every row is there once", "SELECT count(DISTINCT id) FROM %s.stu", schema);
    is_sql("5010", "the ledger moved past the batch", "SELECT next_offset FROM %s.offsets WHERE connector = 'stu'",
           schema);

    /* existing keys: the direct COPY is refused, the batch merges instead */
    ok(put_shifted(&t, vs, 5010, 8010, 3000, 2, &err) == 0, "a batch of 3000 updates of existing keys is buffered");
    ok(put_shifted(&t, vs, 8010, 10010, 3000, 2, &err) == 0, "2000 new keys fill the batch, which is written");
    is_int(t.rep.n, 0, "a conflict is no refused row: nothing goes to the reporter");
    is_sql("7010", "new keys were inserted, existing ones not duplicated", "SELECT count(DISTINCT id) FROM %s.stu",
           schema);
    is_sql("7010", "one row per key", "SELECT count(*) FROM %s.stu", schema);
    is_sql("5000", "existing rows were updated (ON CONFLICT merge)", "SELECT count(*) FROM %s.stu WHERE qty = 2",
           schema);
    is_sql("10010", "the ledger moved past the merged batch",
           "SELECT next_offset FROM %s.offsets WHERE connector = 'stu'", schema);
    ok(put_shifted(&t, vs, 10010, 14010, 3000, 3, &err) == 0, "the next batch (4000 new keys) is buffered");
    seen = sql1_until_true("SELECT coalesce(max(p.tuples_processed), 0) > 0 FROM pg_stat_progress_copy p"
                           " JOIN pg_stat_activity a USING (pid)"
                           " WHERE a.application_name = 'tributary sink stu-0' AND p.relid <> '%s.stu'::regclass",
                           schema);
    is_str(seen, "t", "after a refusal the next batches stream into the staging table");
    free(seen);
    ok(flush0(&t, &err) == 0, "and are written");
    is_sql("4000", "every row of it landed through the merge", "SELECT count(*) FROM %s.stu WHERE qty = 3", schema);
    is_sql("11010", "one row per key", "SELECT count(*) FROM %s.stu", schema);
    is_sql("14010", "the ledger moved past it", "SELECT next_offset FROM %s.offsets WHERE connector = 'stu'", schema);
    trib_schema_unref(vs);
    task_stop(&t);
}

/* Puts records at offsets [from, to) of partition 0 of a topic, id = offset, one put each. */
static void put_ids(task *t, trib_schema *vs, const char *topic, int64_t from, int64_t to, trib_error *err) {
    for (int64_t o = from; o < to; o++) put1(t, order(topic, vs, o, o, "z", 1, false, false), err);
}

/* A seek the task asked for: its offset, or -1 without one. */
static int64_t seek_asked(task *t) {
    size_t n = 0;
    trib_sink_request *req = trib_sink_task_context_take_requests(t->ctx, &n);
    int64_t off = n == 1 && req[0].kind == TRIB_SINK_REQ_SEEK ? req[0].tp.offset : -1;
    trib_sink_requests_free(req, n);
    return off;
}

typedef struct flush_call {
    task *t;
    int rc;
    trib_error err;
} flush_call;

static void *flush_thread(void *arg) {
    flush_call *c = arg;
    c->rc = flush0(c->t, &c->err);
    return NULL;
}

/* Flushes task t (of connector) while another transaction, begun by sql
 * on the test's connection, is open: checks (name) that the flush waits for
 * that transaction's lock, then ends it with `end` (COMMIT or ROLLBACK).
 * Returns the flush's result. */
static int flush_behind(task *t, const char *connector, const char *sql, const char *end, const char *name) {
    exec(sql);
    flush_call fc = {.t = t};
    pthread_t th;
    pthread_create(&th, NULL, flush_thread, &fc);
    char *seen = sql1_until_true("SELECT count(*) > 0 FROM pg_stat_activity"
                                 " WHERE application_name = 'tributary sink %s-0' AND wait_event_type = 'Lock'",
                                 connector);
    is_str(seen, "t", name);
    free(seen);
    exec(end);
    pthread_join(th, NULL);
    return fc.rc;
}

/* Two tasks write the same partition: a "zombie" that stalled past its
 * consumer-group session with a batch buffered, and the partition's new
 * owner. The ledger moves only from the offset a batch started from, so
 * whichever commits second finds it moved, commits nothing of its batch
 * and carries on after the other's rows: every offset lands once. */
static void test_zombie_fencing(void) {
    task z, o;
    trib_error err;
    trib_schema *vs = order_schema(false);
    trib_topic_partition tp = {.topic = "zm", .partition = 0, .offset = -1};
    ok(task_start(&z, "zmb", &err, "auto.create", "true", NULL) == 0, "the first owner starts");
    ops->open(z.impl, &tp, 1, &err);
    put_ids(&z, vs, "zm", 0, 5, &err);
    ok(flush0(&z, &err) == 0, "it writes offsets 0..4");
    put_ids(&z, vs, "zm", 5, 10, &err);   /* buffered when it stalls */

    ok(task_start(&o, "zmb", &err, NULL) == 0, "the partition's new owner starts");
    ok(ops->open(o.impl, &tp, 1, &err) == 0, "and opens the partition");
    is_int((int)seek_asked(&o), 5, "the new owner resumes at the ledger's 5");
    put_ids(&o, vs, "zm", 5, 10, &err);
    ok(flush0(&o, &err) == 0, "the new owner writes offsets 5..9");

    ok(flush0(&z, &err) == 0, "the zombie's flush of the same offsets returns (nothing left to write)");
    is_sql("10", "its batch was rejected: 10 rows", "SELECT count(*) FROM %s.zm", schema);
    is_sql("10", "each key once", "SELECT count(DISTINCT id) FROM %s.zm", schema);
    is_sql("10", "the ledger stays at 10", "SELECT next_offset FROM %s.offsets WHERE connector = 'zmb'", schema);
    is_int(z.rep.n, 0, "nothing was reported as refused");

    /* Both keep going, the zombie first: the one that commits second
     * writes only what the other has not. */
    put_ids(&z, vs, "zm", 10, 13, &err);
    ok(flush0(&z, &err) == 0, "the zombie writes offsets 10..12 (it carried on from the ledger's 10)");
    put_ids(&o, vs, "zm", 10, 15, &err);
    ok(flush0(&o, &err) == 0, "the new owner's batch 10..14 is written");
    is_sql("15:15", "offsets 10..12 once (the zombie's), 13..14 from the new owner",
           "SELECT count(*) || ':' || count(DISTINCT id) FROM %s.zm", schema);
    is_sql("15", "the ledger is at 15", "SELECT next_offset FROM %s.offsets WHERE connector = 'zmb'", schema);

    /* Records below the moved ledger that arrive after the rejection are
     * skipped, not written under the new position. */
    put_ids(&z, vs, "zm", 13, 14, &err);   /* the zombie's view: from 13, the ledger is at 15 */
    ok(flush0(&z, &err) == 0, "the zombie's stale batch (13) is rejected");
    put_ids(&z, vs, "zm", 14, 17, &err);
    ok(flush0(&z, &err) == 0, "its next records (14..16) follow");
    is_sql("17:17", "14 was skipped, 15..16 written once", "SELECT count(*) || ':' || count(DISTINCT id) FROM %s.zm",
           schema);

    /* Concurrent writers serialize on the ledger row: a transaction of
     * another task (here: this test's connection) moves it 17 -> 20 and
     * holds the row lock; the new owner's ledger write waits for it. */
    put_ids(&o, vs, "zm", 15, 22, &err);   /* its view: from 15, the ledger is at 17 */
    ok(flush0(&o, &err) == 0, "the new owner catches up to 17 and writes 17..21");
    put_ids(&o, vs, "zm", 22, 27, &err);
    char q[512];
    snprintf(q, sizeof q,
             "BEGIN; INSERT INTO %s.zm (id, item, qty) SELECT g, 'other', 1 FROM generate_series(22, 24) g;"
             " UPDATE %s.offsets SET next_offset = 25 WHERE connector = 'zmb' AND next_offset = 22",
             schema, schema);
    is_int(flush_behind(&o, "zmb", q, "COMMIT", "the new owner's ledger write waits for the other's row lock"), 0,
           "after that transaction commits, the batch is rejected and the rest written");
    is_sql("27:27", "22..24 once (the other's), 25..26 from the new owner",
           "SELECT count(*) || ':' || count(DISTINCT id) FROM %s.zm", schema);
    is_sql("3", "the other's rows are the ones kept", "SELECT count(*) FROM %s.zm WHERE item = 'other'", schema);
    is_sql("27", "the ledger is at 27", "SELECT next_offset FROM %s.offsets WHERE connector = 'zmb'", schema);

    /* A concurrent transaction that rolls back releases the row unmoved. */
    put_ids(&o, vs, "zm", 27, 29, &err);
    snprintf(q, sizeof q, "BEGIN; UPDATE %s.offsets SET next_offset = 99 WHERE connector = 'zmb'", schema);
    is_int(flush_behind(&o, "zmb", q, "ROLLBACK", "the ledger write waits again"), 0,
           "after a rollback of the other transaction the batch commits");
    is_sql("29:29", "offsets 27..28 written once", "SELECT count(*) || ':' || count(DISTINCT id) FROM %s.zm", schema);

    /* A ledger that went back was reset by someone: no guessing. */
    snprintf(q, sizeof q, "UPDATE %s.offsets SET next_offset = 3 WHERE connector = 'zmb'", schema);
    exec(q);
    put_ids(&o, vs, "zm", 29, 30, &err);
    trib_error_clear(&err);
    ok(flush0(&o, &err) < 0 && err.code == TRIB_ERR_FATAL, "a ledger moved back fails the task");
    like(err.msg, "went back from 29 to 3", "naming both offsets");
    is_sql("29", "nothing was written", "SELECT count(*) FROM %s.zm", schema);
    task_stop(&z);
    task_stop(&o);

    /* Partitions without a ledger row: two first writes. The task has
     * written before (another topic), so nothing makes it read the ledger
     * again before the write. */
    task a, b;
    task_start(&a, "zmb2", &err, "auto.create", "true", NULL);
    task_start(&b, "zmb2", &err, NULL);
    put_ids(&a, vs, "zo", 0, 2, &err);
    ok(flush0(&a, &err) == 0, "a task writes a first batch of another topic");
    trib_topic_partition tn = {.topic = "zn", .partition = 0, .offset = -1};
    ops->open(a.impl, &tn, 1, &err);
    ops->open(b.impl, &tn, 1, &err);
    is_int((int)(seek_asked(&a) + seek_asked(&b)), -2, "neither finds a ledger row for the partition");
    put_ids(&a, vs, "zn", 0, 5, &err);
    put_ids(&b, vs, "zn", 0, 3, &err);
    ok(flush0(&b, &err) == 0, "one writes offsets 0..2 (creating the ledger row)");
    ok(flush0(&a, &err) == 0, "the other's first batch 0..4 is rejected, then 3..4 written");
    is_sql("5:5", "offsets 0..4 once each", "SELECT count(*) || ':' || count(DISTINCT id) FROM %s.zn", schema);
    is_sql("5", "the ledger is at 5", "SELECT next_offset FROM %s.offsets WHERE connector = 'zmb2' AND topic = 'zn'",
           schema);

    /* The same with the other first write still in flight: the insert of
     * the ledger row waits for it. */
    trib_topic_partition tz = {.topic = "zp", .partition = 0, .offset = -1};
    ops->open(a.impl, &tz, 1, &err);
    put_ids(&a, vs, "zp", 0, 3, &err);   /* auto.create made the table */
    snprintf(q, sizeof q,
             "BEGIN; INSERT INTO %s.zp (id, item, qty) VALUES (0, 'other', 1), (1, 'other', 1);"
             " INSERT INTO %s.offsets (connector, topic, \"partition\", next_offset) VALUES ('zmb2', 'zp', 0, 2)",
             schema, schema);
    is_int(flush_behind(&a, "zmb2", q, "COMMIT", "the first ledger write waits for the other's insert of the row"), 0,
           "after it commits, the batch is rejected and the rest written");
    is_sql("3:3:2", "offsets 0..1 once (the other's), 2 from the task",
           "SELECT count(*) || ':' || count(DISTINCT id) || ':' || count(*) FILTER (WHERE item = 'other') FROM %s.zp",
           schema);
    is_sql("3", "the ledger is at 3", "SELECT next_offset FROM %s.offsets WHERE connector = 'zmb2' AND topic = 'zp'",
           schema);
    task_stop(&a);
    task_stop(&b);
    trib_schema_unref(vs);
}

/* The ledger write itself, both ways it is sent: through the session's
 * function and as a DO block (when the role may not create temporary
 * objects). A hostile connector name travels in both. */
static void test_ledger_write_paths(void) {
    char table[128], q[512];
    snprintf(table, sizeof table, "%s.ledger", schema);
    trib_error err;
    ok(trib_pg_offsets_ensure(db, table, &err) == 0, "the ledger table is created");
    for (int prepared = 0; prepared < 2; prepared++) {
        const char *how = prepared ? "function" : "DO block";
        char conn_name[64];
        snprintf(conn_name, sizeof conn_name, "it's $$ a \"name\" \\%d", prepared);
        if (prepared) ok(trib_pg_offsets_prepare(db, table, &err) == 0, "the session's ledger function is created");
        trib_pg_ledger_move first = {.topic = "lt", .partition = 0, .from = -1, .to = 5};
        exec("BEGIN");
        ok(trib_pg_offsets_write_commit(db, table, conn_name, &first, 1, prepared, &err) == 0,
           "%s: a first move inserts the row and commits", how);
        char *lit = PQescapeLiteral(db, conn_name, strlen(conn_name));
        is_sql("5", "the row holds 5", "SELECT next_offset FROM %s WHERE connector = %s", table, lit);

        trib_pg_ledger_move stale = {.topic = "lt", .partition = 0, .from = 3, .to = 9};
        snprintf(q, sizeof q, "BEGIN; CREATE TABLE %s.marker%d (x int)", schema, prepared);
        exec(q);
        ok(trib_pg_offsets_write_commit(db, table, conn_name, &stale, 1, prepared, &err) < 0 &&
               err.code == TRIB_ERR_CONFLICT,
           "%s: a move from an offset the row does not hold is a CONFLICT", how);
        like(err.msg, "moved under this task", "%s: saying so", how);
        is_int(PQtransactionStatus(db), PQTRANS_INERROR, "%s: the transaction is left aborted, not committed", how);
        exec("ROLLBACK");
        is_sql("<null>", "the transaction's other writes are gone", "SELECT to_regclass('%s.marker%d')::text", schema,
               prepared);

        exec("BEGIN");
        ok(trib_pg_offsets_write_commit(db, table, conn_name, &first, 1, prepared, &err) < 0 &&
               err.code == TRIB_ERR_CONFLICT,
           "%s: a first move of a partition that has a row is a CONFLICT", how);
        exec("ROLLBACK");

        trib_pg_ledger_move two[2] = {{.topic = "lt", .partition = 0, .from = 5, .to = 9},
                                      {.topic = "lt", .partition = 1, .from = -1, .to = 4}};
        exec("BEGIN");
        ok(trib_pg_offsets_write_commit(db, table, conn_name, two, 2, prepared, &err) == 0,
           "%s: a move of an existing and a new row commits", how);
        is_sql("0:9,1:4", "both rows moved",
               "SELECT string_agg(\"partition\" || ':' || next_offset, ',' ORDER BY \"partition\") FROM %s"
               " WHERE connector = %s", table, lit);
        PQfreemem(lit);
    }
}

int main(void) {
    (void)plan;   /* the plan is printed at the end */
    pg_url = tap_require_env("PG_URL");
    ops = trib_postgres_sink_plugin.sink;
    db = PQconnectdb(pg_url);
    if (PQstatus(db) != CONNECTION_OK) BAIL_OUT("cannot connect to PG_URL");
    PQsetNoticeProcessor(db, quiet, NULL);
    snprintf(schema, sizeof schema, "sinktest_%d", (int)getpid());
    char q[160];
    snprintf(q, sizeof q, "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s", schema, schema);
    exec(q);
    test_insert_and_batches();
    test_exactly_once();
    test_upsert_update_delete();
    test_evolve_and_mismatch();
    test_refused_rows();
    test_hostile_identifiers();
    test_types_and_casts();
    test_kafka_pk_and_jdbc_url();
    test_streamed_batches();
    test_streamed_upsert();
    test_zombie_fencing();
    test_ledger_write_paths();
    snprintf(q, sizeof q, "DROP SCHEMA %s CASCADE", schema);
    if (exit_status() == 0) exec(q);
    PQfinish(db);
    done_testing();
    return exit_status();
}
