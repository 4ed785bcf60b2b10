/*
 * test_pg_source.c: PostgresSource against a real PostgreSQL (scripts/testenv,
 * PG_URL), driving the plugin's connector and task callbacks directly with
 * a memory offset store.
 *
 * Covers every type written by PostgresSink and read back by the source
 * (values compared), the incrementing / timestamp / timestamp+incrementing /
 * bulk / query modes, restarts from committed offsets with no gaps and no
 * repeats (also in the middle of a pass and within one timestamp), the
 * JDBC connector's partition and offset shapes, table listing, the task
 * split, the table monitor's reconfiguration request, hostile table names,
 * and configuration errors. Everything lives in a schema of its own.
 */
#include "tests/tap.h"

#include <unistd.h>

#include "common/time.h"
#include "common/util.h"
#include "connectors/postgres/pg_internal.h"
#include "worker/task_context.h"

extern const trib_connector_plugin trib_postgres_sink_plugin;
extern const trib_connector_plugin trib_postgres_source_plugin;
static const trib_connector_plugin *src = &trib_postgres_source_plugin;
static const char *pg_url;
static PGconn *db;
static char schema[64];
static trib_offset_store *store;

static void quiet(void *arg, const char *msg) {
    (void)arg;
    (void)msg;
}

static void exec(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void exec(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *q = NULL;
    if (vasprintf(&q, fmt, ap) < 0) abort();
    va_end(ap);
    PGresult *r = PQexec(db, q);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        diag("SQL failed: %s: %s", q, PQresultErrorMessage(r));
    PQclear(r);
    free(q);
}

static trib_props *base_props(const char *mode) {
    trib_props *p = trib_props_new();
    trib_props_set(p, "connection.url", pg_url);
    trib_props_set(p, "mode", mode);
    trib_props_set(p, "topic.prefix", "pg-");
    trib_props_set(p, "poll.interval.ms", "50");
    trib_props_set(p, "schema.pattern", schema);
    return p;
}

typedef struct stask {
    trib_source_task_context *ctx;
    void *impl;
} stask;

static int stask_start(stask *t, const char *connector, trib_props *p, trib_error *err) {
    t->ctx = trib_source_task_context_new(connector, 0, store);
    int rc = src->source->start(p, t->ctx, &t->impl, err);
    trib_props_destroy(p);
    if (rc < 0) {
        trib_source_task_context_destroy(t->ctx);
        t->ctx = NULL;
        t->impl = NULL;
    }
    return rc;
}

static void stask_stop(stask *t) {
    if (t->impl) src->source->stop(t->impl);
    trib_source_task_context_destroy(t->ctx);
    t->impl = NULL;
    t->ctx = NULL;
}

/* Polls until `want` records (or more) arrived or 10 s passed. */
static void poll_until(stask *t, trib_record_batch *out, size_t want) {
    int64_t until = trib_mono_ms() + 10000;
    trib_error err;
    while (out->n < want && trib_mono_ms() < until) {
        if (src->source->poll(t->impl, out, &err) < 0) diag("poll failed: %s", err.msg);
    }
}

/* Polls for `ms` and returns how many records came (for "nothing more"). */
static size_t poll_for(stask *t, trib_record_batch *out, int ms) {
    size_t before = out->n;
    int64_t until = trib_mono_ms() + ms;
    trib_error err;
    while (trib_mono_ms() < until)
        if (src->source->poll(t->impl, out, &err) < 0) diag("poll failed: %s", err.msg);
    return out->n - before;
}

static int64_t field_int(const trib_record *r, const char *name) {
    const trib_value *v = trib_value_struct_get(r->value, name);
    return v ? v->u.i : -999999;
}

/* Stages and flushes the offset of record r, as the runtime does once Kafka has it. */
static void commit(const char *connector, const trib_record *r) {
    trib_offset_store_put(store, connector, r->source_partition, r->source_offset);
    trib_error err;
    trib_offset_store_flush(store, &err);
}

/* ids of records [from, to) are from+first .. consecutive */
static bool consecutive(const trib_record_batch *b, size_t from, size_t to, int64_t first) {
    for (size_t i = from; i < to; i++)
        if (field_int(b->items[i], "id") != first + (int64_t)(i - from)) return false;
    return true;
}

/* ---- every type: sink writes, source reads --------------------------------------- */

static void test_round_trip(void) {
    trib_schema *st = trib_schema_struct_new("inner");
    trib_schema_add_field_take(st, "x", trib_schema_primitive(TRIB_INT32, false));
    trib_schema *vs = trib_schema_struct_new("all");
    trib_schema_add_field_take(vs, "i8", trib_schema_primitive(TRIB_INT8, false));
    trib_schema_add_field_take(vs, "i16", trib_schema_primitive(TRIB_INT16, false));
    trib_schema_add_field_take(vs, "i32", trib_schema_primitive(TRIB_INT32, false));
    trib_schema_add_field_take(vs, "i64", trib_schema_primitive(TRIB_INT64, false));
    trib_schema_add_field_take(vs, "f32", trib_schema_primitive(TRIB_FLOAT32, false));
    trib_schema_add_field_take(vs, "f64", trib_schema_primitive(TRIB_FLOAT64, false));
    trib_schema_add_field_take(vs, "b", trib_schema_primitive(TRIB_BOOLEAN, false));
    trib_schema_add_field_take(vs, "s", trib_schema_primitive(TRIB_STRING, false));
    trib_schema_add_field_take(vs, "by", trib_schema_primitive(TRIB_BYTES, false));
    trib_schema_add_field_take(vs, "dec", trib_schema_decimal(3, false));
    trib_schema_add_field_take(vs, "d", trib_schema_date(false));
    trib_schema_add_field_take(vs, "t", trib_schema_time(false));
    trib_schema_add_field_take(vs, "ts", trib_schema_timestamp(false));
    trib_schema_add_field_take(vs, "arr", trib_schema_array_take(trib_schema_primitive(TRIB_INT32, false)));
    trib_schema_add_field_take(vs, "m", trib_schema_map_take(trib_schema_primitive(TRIB_STRING, false),
                                                              trib_schema_primitive(TRIB_STRING, false)));
    trib_schema_add_field_take(vs, "st", trib_schema_ref(st));
    trib_schema_add_field_take(vs, "opt", trib_schema_primitive(TRIB_STRING, true));

    trib_value *v = trib_value_struct_new(vs);
    trib_value_struct_set_take(v, "i8", trib_value_int(TRIB_INT8, -128));
    trib_value_struct_set_take(v, "i16", trib_value_int(TRIB_INT16, 32767));
    trib_value_struct_set_take(v, "i32", trib_value_int(TRIB_INT32, -2147483647 - 1));
    trib_value_struct_set_take(v, "i64", trib_value_int(TRIB_INT64, INT64_MAX));
    trib_value_struct_set_take(v, "f32", trib_value_float(TRIB_FLOAT32, 1.25f));
    trib_value_struct_set_take(v, "f64", trib_value_float(TRIB_FLOAT64, 3.141592653589793));
    trib_value_struct_set_take(v, "b", trib_value_bool(true));
    trib_value_struct_set_take(v, "s", trib_value_string("ünïcode \"quoted\" 'x'; \\ tab\t"));
    trib_value_struct_set_take(v, "by", trib_value_bytes("\0\1\xfe\xff", 4));
    trib_value *dec = NULL;
    trib_error err;
    trib_decimal_from_string("-98765432109876543210.123", 3, &dec, &err);
    trib_value_struct_set_take(v, "dec", dec);
    trib_value_struct_set_take(v, "d", trib_value_int(TRIB_INT32, 19782));         /* 2024-02-29 */
    trib_value_struct_set_take(v, "t", trib_value_int(TRIB_INT32, 45296789));      /* 12:34:56.789 */
    trib_value_struct_set_take(v, "ts", trib_value_int(TRIB_INT64, -123456789012LL));
    trib_value *arr = trib_value_array_new();
    for (int i = 1; i <= 3; i++) trib_value_array_append_take(arr, trib_value_int(TRIB_INT32, i));
    trib_value_struct_set_take(v, "arr", arr);
    trib_value *m = trib_value_map_new();
    trib_value_map_put_take(m, trib_value_string("k"), trib_value_string("v"));
    trib_value_struct_set_take(v, "m", m);
    trib_value *sv = trib_value_struct_new(st);
    trib_value_struct_set_take(sv, "x", trib_value_int(TRIB_INT32, 5));
    trib_value_struct_set_take(v, "st", sv);

    /* write with the sink */
    trib_sink_task_context *sctx = trib_sink_task_context_new("rt-sink", 0);
    trib_props *p = trib_props_new();
    trib_props_set(p, "connection.url", pg_url);
    char fmt[128], off[128];
    snprintf(fmt, sizeof fmt, "%s.${topic}", schema);
    snprintf(off, sizeof off, "%s.sink_offsets", schema);
    trib_props_set(p, "table.name.format", fmt);
    trib_props_set(p, "tributary.offsets.table", off);
    trib_props_set(p, "auto.create", "true");
    void *sink = NULL;
    ok(trib_postgres_sink_plugin.sink->start(p, sctx, &sink, &err) == 0, "sink starts");
    trib_props_destroy(p);
    trib_record *rec = trib_record_new("alltypes");
    trib_record_set_value_take(rec, trib_schema_ref(vs), trib_value_clone(v));
    ok(trib_postgres_sink_plugin.sink->put(sink, &rec, 1, &err) == 0, "sink put of every type");
    ok(trib_postgres_sink_plugin.sink->flush(sink, NULL, 0, &err) == 0, "sink flush of every type");
    trib_record_destroy(rec);
    trib_postgres_sink_plugin.sink->stop(sink);
    trib_sink_task_context_destroy(sctx);

    /* read with the source */
    p = base_props("bulk");
    trib_props_set(p, "table.whitelist", "alltypes");
    stask t;
    ok(stask_start(&t, "rt", p, &err) == 0, "bulk source starts");
    trib_record_batch b;
    trib_record_batch_init(&b);
    poll_until(&t, &b, 1);
    is_int(b.n, 1, "the row comes back");
    if (b.n == 1) {
        trib_record *r = b.items[0];
        is_str(r->topic, "pg-alltypes", "topic is topic.prefix + table");
        ok(r->source_offset == NULL, "bulk records carry no offset");
        const trib_schema *rs = r->value_schema;
        is_str(rs->name, "alltypes", "the value schema is named after the table");
        struct {
            const char *f;
            trib_value *want;
        } cases[] = {
            {"i8", trib_value_int(TRIB_INT16, -128)},
            {"i16", trib_value_int(TRIB_INT16, 32767)},
            {"i32", trib_value_int(TRIB_INT32, -2147483647 - 1)},
            {"i64", trib_value_int(TRIB_INT64, INT64_MAX)},
            {"f32", trib_value_float(TRIB_FLOAT32, 1.25f)},
            {"f64", trib_value_float(TRIB_FLOAT64, 3.141592653589793)},
            {"b", trib_value_bool(true)},
            {"s", trib_value_string("ünïcode \"quoted\" 'x'; \\ tab\t")},
            {"by", trib_value_bytes("\0\1\xfe\xff", 4)},
            {"dec", trib_value_clone(trib_value_struct_get(v, "dec"))},
            {"d", trib_value_int(TRIB_INT32, 19782)},
            {"t", trib_value_int(TRIB_INT32, 45296789)},
            {"ts", trib_value_int(TRIB_INT64, -123456789012LL)},
            {"arr", trib_value_string("[1, 2, 3]")},
            {"m", trib_value_string("{\"k\": \"v\"}")},
            {"st", trib_value_string("{\"x\": 5}")},
        };
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            const trib_value *got = trib_value_struct_get(r->value, cases[i].f);
            ok(got && trib_value_equal(got, cases[i].want), "%s round-trips", cases[i].f);
            trib_value_destroy(cases[i].want);
        }
        ok(trib_value_struct_get(r->value, "opt") == NULL, "a null stays null");
        ok(trib_schema_field(rs, "opt")->schema->optional, "a nullable column is an optional field");
        ok(!trib_schema_field(rs, "i32")->schema->optional, "a NOT NULL column is a required field");
        ok(trib_schema_is_logical(trib_schema_field(rs, "dec")->schema, TRIB_LOGICAL_DECIMAL) &&
               trib_schema_decimal_scale(trib_schema_field(rs, "dec")->schema) == 3,
           "numeric(1000,3) reads as Decimal scale 3");
        ok(trib_schema_is_logical(trib_schema_field(rs, "ts")->schema, TRIB_LOGICAL_TIMESTAMP), "timestamptz is a Timestamp");
        ok(trib_schema_is_logical(trib_schema_field(rs, "d")->schema, TRIB_LOGICAL_DATE), "date is a Date");
        ok(trib_schema_is_logical(trib_schema_field(rs, "t")->schema, TRIB_LOGICAL_TIME), "time is a Time");
        ok(trib_value_validate(rs, r->value, &err) == 0, "the record value validates against its schema");
    }
    trib_record_batch_clear(&b);
    size_t again = poll_for(&t, &b, 200);
    ok(again >= 1 && again <= 5, "bulk mode reads the whole table again every poll.interval.ms (%zu passes in 200 ms)",
       again);
    trib_record_batch_free(&b);
    stask_stop(&t);
    trib_value_destroy(v);
    trib_schema_unref(vs);
    trib_schema_unref(st);
}

/* ---- incrementing -------------------------------------------------------------------- */

static void test_incrementing(void) {
    exec("CREATE TABLE %s.inc (id serial PRIMARY KEY, name text NOT NULL)", schema);
    exec("INSERT INTO %s.inc (name) SELECT 'n' || g FROM generate_series(1, 250) g", schema);
    trib_props *p = base_props("incrementing");
    trib_props_set(p, "table.whitelist", "inc");
    trib_props_set(p, "batch.max.rows", "100");
    stask t;
    trib_error err;
    ok(stask_start(&t, "inc", p, &err) == 0, "incrementing source starts (serial column detected)");
    trib_record_batch b;
    trib_record_batch_init(&b);
    trib_error e2;
    src->source->poll(t.impl, &b, &e2);
    is_int(b.n, 100, "one poll returns batch.max.rows rows");
    ok(consecutive(&b, 0, b.n, 1), "in id order from 1");
    char *pj = json_dumps(b.items[0]->source_partition, JSON_COMPACT | JSON_SORT_KEYS);
    char want[160];
    snprintf(want, sizeof want, "{\"protocol\":\"1\",\"table\":\"%s.inc\"}", schema);
    is_str(pj, want, "the partition is the JDBC connector's {protocol, table}");
    free(pj);
    char *oj = json_dumps(b.items[99]->source_offset, JSON_COMPACT);
    is_str(oj, "{\"incrementing\":100}", "the offset is {\"incrementing\": id}");
    free(oj);
    /* Kafka has the first 100; the task restarts in the middle of the pass. */
    commit("inc", b.items[99]);
    stask_stop(&t);
    trib_record_batch_clear(&b);

    p = base_props("incrementing");
    trib_props_set(p, "table.whitelist", "inc");
    trib_props_set(p, "batch.max.rows", "100");
    trib_props_set(p, "incrementing.column.name", "id");
    stask_start(&t, "inc", p, &err);
    poll_until(&t, &b, 150);
    is_int(b.n, 150, "after the restart the remaining 150 rows come");
    ok(b.n == 150 && consecutive(&b, 0, 150, 101), "starting right after the committed id, with no gap or repeat");
    is_int(poll_for(&t, &b, 200), 0, "and nothing more");
    commit("inc", b.items[b.n - 1]);
    stask_stop(&t);
    trib_record_batch_clear(&b);

    exec("INSERT INTO %s.inc (name) SELECT 'm' || g FROM generate_series(1, 50) g", schema);
    p = base_props("incrementing");
    trib_props_set(p, "table.whitelist", "inc");
    stask_start(&t, "inc", p, &err);
    poll_until(&t, &b, 50);
    is_int(b.n, 50, "rows added while stopped arrive after a restart");
    ok(b.n == 50 && consecutive(&b, 0, 50, 251), "exactly ids 251..300");
    exec("INSERT INTO %s.inc (name) VALUES ('live')", schema);
    poll_until(&t, &b, 51);
    ok(b.n == 51 && field_int(b.items[50], "id") == 301, "a row inserted while running arrives on the next pass");
    trib_record_batch_free(&b);
    stask_stop(&t);

    /* query mode */
    p = base_props("incrementing");
    char q[200];
    snprintf(q, sizeof q, "SELECT id, upper(name) AS name FROM %s.inc WHERE id %% 2 = 0", schema);
    trib_props_set(p, "query", q);
    trib_props_set(p, "incrementing.column.name", "id");
    trib_props_set(p, "topic.prefix", "pg-query");
    trib_props_remove(p, "schema.pattern");
    ok(stask_start(&t, "q", p, &err) == 0, "query-mode source starts");
    trib_record_batch_init(&b);
    poll_until(&t, &b, 150);
    is_int(b.n, 150, "the query's rows arrive");
    if (b.n) {
        is_str(b.items[0]->topic, "pg-query", "query mode's topic is the prefix");
        char *qp = json_dumps(b.items[0]->source_partition, JSON_COMPACT);
        is_str(qp, "{\"query\":\"query\"}", "query mode's partition is {\"query\":\"query\"}");
        free(qp);
        const trib_value *nm = trib_value_struct_get(b.items[0]->value, "name");
        is_str(nm ? nm->u.str.data : NULL, "N2", "computed columns come through");
    }
    trib_record_batch_free(&b);
    stask_stop(&t);
}

/* ---- timestamp and timestamp+incrementing -------------------------------------------- */

static void test_timestamps(void) {
    exec("CREATE TABLE %s.tsi (id integer NOT NULL, ts timestamptz NOT NULL, v text)", schema);
    exec("INSERT INTO %s.tsi SELECT g, '2024-01-01 00:00:00.123456+00', 'a' FROM generate_series(1, 5) g", schema);
    exec("INSERT INTO %s.tsi SELECT g, '2024-01-02 00:00:00+00', 'b' FROM generate_series(6, 10) g", schema);
    trib_props *p = base_props("timestamp+incrementing");
    trib_props_set(p, "table.whitelist", "tsi");
    trib_props_set(p, "incrementing.column.name", "id");
    trib_props_set(p, "timestamp.column.name", "ts");
    trib_props_set(p, "batch.max.rows", "3");
    stask t;
    trib_error err;
    ok(stask_start(&t, "tsi", p, &err) == 0, "timestamp+incrementing source starts");
    trib_record_batch b;
    trib_record_batch_init(&b);
    src->source->poll(t.impl, &b, &err);
    is_int(b.n, 3, "a batch ends inside a run of equal timestamps");
    char *oj = b.n ? json_dumps(b.items[b.n - 1]->source_offset, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    is_str(oj, "{\"incrementing\":3,\"timestamp\":1704067200123,\"timestamp_nanos\":123456000}",
           "the offset has Confluent's incrementing, timestamp (ms) and timestamp_nanos");
    free(oj);
    if (b.n) commit("tsi", b.items[b.n - 1]);
    stask_stop(&t);
    trib_record_batch_clear(&b);

    p = base_props("timestamp+incrementing");
    trib_props_set(p, "table.whitelist", "tsi");
    trib_props_set(p, "incrementing.column.name", "id");
    trib_props_set(p, "timestamp.column.name", "ts");
    trib_props_set(p, "batch.max.rows", "3");
    stask_start(&t, "tsi", p, &err);
    poll_until(&t, &b, 7);
    ok(b.n == 7 && consecutive(&b, 0, 7, 4), "a restart within one timestamp continues at id 4, through id 10");
    exec("UPDATE %s.tsi SET ts = '2024-01-03 00:00:00+00', v = 'changed' WHERE id = 2", schema);
    poll_until(&t, &b, 8);
    ok(b.n == 8 && field_int(b.items[7], "id") == 2, "an updated row (newer timestamp) is read again");
    is_int(poll_for(&t, &b, 200), 0, "and only once");
    trib_record_batch_free(&b);
    stask_stop(&t);

    /* timestamp-only mode with the delay keeping recent rows back */
    exec("CREATE TABLE %s.tso (id integer NOT NULL, ts timestamp NOT NULL)", schema);
    exec("INSERT INTO %s.tso VALUES (1, '2020-01-01'), (2, now() AT TIME ZONE 'UTC' + interval '1 hour')", schema);
    p = base_props("timestamp");
    trib_props_set(p, "table.whitelist", "tso");
    trib_props_set(p, "timestamp.column.name", "ts");
    stask_start(&t, "tso", p, &err);
    trib_record_batch_init(&b);
    poll_until(&t, &b, 1);
    is_int(poll_for(&t, &b, 200), 0, "rows with future timestamps are held back");
    ok(b.n == 1 && field_int(b.items[0], "id") == 1, "timestamp mode reads the past row");
    trib_record_batch_free(&b);
    stask_stop(&t);

    /* nullable position columns are refused */
    exec("CREATE TABLE %s.nul (id integer, ts timestamptz)", schema);
    p = base_props("incrementing");
    trib_props_set(p, "table.whitelist", "nul");
    trib_props_set(p, "incrementing.column.name", "id");
    stask_start(&t, "nul", p, &err);
    trib_record_batch_init(&b);
    int rc = t.impl ? src->source->poll(t.impl, &b, &err) : -1;
    ok(rc < 0, "a nullable incrementing column fails the poll");
    like(err.msg, "\"id\"", "naming the column");
    like(err.msg, "validate.non.null", "and the setting that allows it");
    trib_record_batch_free(&b);
    stask_stop(&t);
    exec("DROP TABLE %s.nul", schema);

    p = base_props("timestamp");
    trib_props_set(p, "table.whitelist", "tso");
    ok(stask_start(&t, "x", p, &err) < 0, "timestamp mode without timestamp.column.name is refused");
    like(err.msg, "timestamp.column.name", "naming the key");
}

/* ---- connector instance ------------------------------------------------------------------ */

static void test_connector(void) {
    exec("CREATE TABLE %s.\"we\"\"ird; x\" (id integer PRIMARY KEY, \"Val ue\" text)", schema);
    exec("INSERT INTO %s.\"we\"\"ird; x\" VALUES (1, 'hostile')", schema);
    trib_props *p = base_props("bulk");
    trib_props_set(p, "table.poll.interval.ms", "100");
    trib_props_set(p, "table.blacklist", "sink_offsets");
    trib_connector_context *cctx = trib_connector_context_new("conn");
    void *c = NULL;
    trib_error err;
    ok(src->start(p, cctx, &c, &err) == 0, "the connector instance starts");
    trib_props **cfgs = NULL;
    size_t n = 0;
    ok(src->task_configs(c, p, 2, &cfgs, &n, &err) == 0, "task_configs");
    is_int(n, 2, "the tables are split over tasks.max=2 tasks");
    size_t total = 0;
    char *weird_cfg = NULL;
    for (size_t i = 0; i < n; i++) {
        json_t *arr = json_loads(trib_props_get(cfgs[i], "tributary.task.tables"), 0, NULL);
        total += json_array_size(arr);
        size_t k;
        json_t *pair;
        json_array_foreach(arr, k, pair) {
            if (strcmp(json_string_value(json_array_get(pair, 1)), "we\"ird; x") == 0)
                weird_cfg = trib_xstrdup(trib_props_get(cfgs[i], "tributary.task.tables"));
        }
        json_decref(arr);
    }
    is_int(total, 5, "every table of the schema is assigned once (alltypes, inc, tsi, tso, hostile)");
    ok(weird_cfg != NULL, "the hostile table name survives the task config");
    for (size_t i = 0; i < n; i++) trib_props_destroy(cfgs[i]);
    free(cfgs);

    /* a task reads the hostile table */
    if (weird_cfg) {
        trib_props *tp = base_props("bulk");
        char one[200];
        snprintf(one, sizeof one, "[[\"%s\",\"we\\\"ird; x\"]]", schema);
        trib_props_set(tp, "tributary.task.tables", one);
        stask t;
        ok(stask_start(&t, "conn", tp, &err) == 0, "a task for the hostile table starts");
        trib_record_batch b;
        trib_record_batch_init(&b);
        poll_until(&t, &b, 1);
        ok(b.n == 1 && strcmp(b.items[0]->topic, "pg-we\"ird; x") == 0, "its rows arrive on pg-<table>");
        const trib_value *vv = b.n ? trib_value_struct_get(b.items[0]->value, "Val ue") : NULL;
        is_str(vv ? vv->u.str.data : NULL, "hostile", "with quoted column names intact");
        trib_record_batch_free(&b);
        stask_stop(&t);
        free(weird_cfg);
    }

    ok(!trib_connector_context_take_reconfiguration(cctx), "no reconfiguration while tables are unchanged");
    exec("CREATE TABLE %s.newcomer (id integer)", schema);
    bool asked = false;
    for (int i = 0; i < 100 && !asked; i++) {
        usleep(50 * 1000);
        asked = trib_connector_context_take_reconfiguration(cctx);
    }
    ok(asked, "a new table makes the monitor ask for a reconfiguration");
    src->task_configs(c, p, 10, &cfgs, &n, &err);
    is_int(n, 6, "and the next task_configs includes it (one table per task with tasks.max=10)");
    for (size_t i = 0; i < n; i++) trib_props_destroy(cfgs[i]);
    free(cfgs);
    src->stop(c);
    trib_connector_context_destroy(cctx);
    trib_props_destroy(p);

    p = base_props("bulk");
    trib_props_set(p, "table.whitelist", "a");
    trib_props_set(p, "table.blacklist", "b");
    cctx = trib_connector_context_new("bad");
    ok(src->start(p, cctx, &c, &err) < 0, "whitelist and blacklist together are refused");
    like(err.msg, "table.blacklist", "naming the keys");
    trib_config_report *rep = trib_config_report_new();
    src->validate(p, rep);
    is_int(trib_config_report_error_count(rep), 1, "validate reports the conflict");
    trib_config_report_destroy(rep);
    trib_props_destroy(p);
    trib_connector_context_destroy(cctx);
}

int main(void) {
    (void)plan;   /* the plan is printed at the end */
    pg_url = tap_require_env("PG_URL");
    db = PQconnectdb(pg_url);
    if (PQstatus(db) != CONNECTION_OK) BAIL_OUT("cannot connect to PG_URL");
    PQsetNoticeProcessor(db, quiet, NULL);
    snprintf(schema, sizeof schema, "srctest_%d", (int)getpid());
    exec("DROP SCHEMA IF EXISTS %s CASCADE", schema);
    exec("CREATE SCHEMA %s", schema);
    store = trib_offset_store_memory_new();
    test_round_trip();
    test_incrementing();
    test_timestamps();
    test_connector();
    trib_offset_store_destroy(store);
    if (exit_status() == 0) exec("DROP SCHEMA %s CASCADE", schema);
    PQfinish(db);
    done_testing();
    return exit_status();
}
