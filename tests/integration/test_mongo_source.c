/*
 * test_mongo_source.c: MongoSource against real servers (scripts/testenv):
 * change streams on SecantusDB (MONGO_CS_URL), polling on FerretDB
 * (MONGO_URL). Drives the task vtable directly with an in-memory offset
 * store, writing with its own client.
 *
 * Covers insert/update/replace/delete events, topic naming (default,
 * prefix/suffix, topic.namespace.map), key and value formats, pipeline,
 * publish.full.document.only, resume after a restart from a committed
 * token with no gap and no repeat, startup.mode latest / timestamp /
 * copy_existing (with its namespace regex), heartbeats, a type round trip
 * (the sink writes Connect data, the source reads it back with
 * output.format.value=schema), a server without change streams (FerretDB)
 * failing with a clear error, and polling mode with its resume.
 */
#include "tests/tap.h"

#include <mongoc/mongoc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/time.h"
#include "common/util.h"
#include "worker/connector.h"
#include "worker/offset_store.h"
#include "worker/task_context.h"
#include "tenants/outbound.h"

extern const trib_connector_plugin trib_mongo_source_plugin;
extern const trib_connector_plugin trib_mongo_sink_plugin;
static const trib_source_task_ops *ops;
static trib_offset_store *store;
static const char *cs_url, *ferret_url;
static mongoc_client_t *cs, *ferret;
static char dbname[64];

static void quiet_log(mongoc_log_level_t level, const char *domain, const char *message, void *ud) {
    (void)ud;
    (void)domain;
    if (level <= MONGOC_LOG_LEVEL_WARNING && !strstr(message, "endSessions")) diag("mongoc: %s", message);
}

static void insert(mongoc_client_t *c, const char *coll, const char *json) {
    mongoc_collection_t *col = mongoc_client_get_collection(c, dbname, coll);
    bson_t *d = bson_new_from_json((const uint8_t *)json, -1, NULL);
    bson_error_t e;
    if (!mongoc_collection_insert_one(col, d, NULL, NULL, &e)) diag("insert: %s", e.message);
    bson_destroy(d);
    mongoc_collection_destroy(col);
}

static void update(mongoc_client_t *c, const char *coll, const char *filter, const char *upd, bool replace) {
    mongoc_collection_t *col = mongoc_client_get_collection(c, dbname, coll);
    bson_t *f = bson_new_from_json((const uint8_t *)filter, -1, NULL);
    bson_t *u = bson_new_from_json((const uint8_t *)upd, -1, NULL);
    bson_error_t e;
    bool ok = replace ? mongoc_collection_replace_one(col, f, u, NULL, NULL, &e)
                      : mongoc_collection_update_one(col, f, u, NULL, NULL, &e);
    if (!ok) diag("update: %s", e.message);
    bson_destroy(f);
    bson_destroy(u);
    mongoc_collection_destroy(col);
}

static void delete1(mongoc_client_t *c, const char *coll, const char *filter) {
    mongoc_collection_t *col = mongoc_client_get_collection(c, dbname, coll);
    bson_t *f = bson_new_from_json((const uint8_t *)filter, -1, NULL);
    bson_error_t e;
    if (!mongoc_collection_delete_one(col, f, NULL, NULL, &e)) diag("delete: %s", e.message);
    bson_destroy(f);
    mongoc_collection_destroy(col);
}

typedef struct stask {
    trib_source_task_context *ctx;
    void *impl;
} stask;

static int start(stask *t, const char *connector, const char *url, trib_error *err, ...) {
    memset(t, 0, sizeof *t);
    t->ctx = trib_source_task_context_new(connector, 0, store);
    trib_props *p = trib_props_new();
    trib_props_set(p, "connection.uri", url);
    trib_props_set(p, "database", dbname);
    trib_props_set(p, "poll.await.time.ms", "300");
    va_list ap;
    va_start(ap, err);
    for (const char *k; (k = va_arg(ap, const char *)) != NULL;) trib_props_set(p, k, va_arg(ap, const char *));
    va_end(ap);
    int rc = ops->start(p, t->ctx, &t->impl, err);
    trib_props_destroy(p);
    if (rc < 0) {
        trib_source_task_context_destroy(t->ctx);
        t->ctx = NULL;
        t->impl = NULL;
    }
    return rc;
}

static void stop(stask *t) {
    if (t->impl) ops->stop(t->impl);
    if (t->ctx) trib_source_task_context_destroy(t->ctx);
    t->impl = NULL;
    t->ctx = NULL;
}

/* Polls until want records arrived or 15 s passed; returns the last poll's rc. */
static int poll_until(stask *t, trib_record_batch *out, size_t want, trib_error *err) {
    int64_t until = trib_mono_ms() + 15000;
    int rc = 0;
    while (out->n < want && trib_mono_ms() < until)
        if ((rc = ops->poll(t->impl, out, err)) < 0) break;
    return rc;
}

static void commit(const char *connector, const trib_record *r) {
    trib_offset_store_put(store, connector, r->source_partition, r->source_offset);
    trib_error err;
    trib_offset_store_flush(store, &err);
}

static const char *sval(const trib_record *r) {
    return r && r->value && r->value->type == TRIB_STRING ? r->value->u.str.data : "";
}
static const char *skey(const trib_record *r) {
    return r && r->key && r->key->type == TRIB_STRING ? r->key->u.str.data : "";
}

/* ---- change streams ----------------------------------------------------------------- */

static void test_events(void) {
    stask t;
    trib_error err;
    ok(start(&t, "cs-events", cs_url, &err, "collection", "ev", NULL) == 0, "a change stream task starts");
    trib_record_batch b;
    trib_record_batch_init(&b);
    ops->poll(t.impl, &b, &err);   /* opens the stream (startup.mode=latest) */
    is_int(b.n, 0, "latest: nothing before the first change");
    insert(cs, "ev", "{\"_id\": 1, \"a\": 1}");
    insert(cs, "ev", "{\"_id\": 2, \"a\": 2}");
    update(cs, "ev", "{\"_id\": 1}", "{\"$set\": {\"a\": 10}}", false);
    update(cs, "ev", "{\"_id\": 2}", "{\"b\": 1}", true);
    delete1(cs, "ev", "{\"_id\": 1}");
    poll_until(&t, &b, 5, &err);
    is_int(b.n, 5, "five changes, five records");
    char want_topic[128];
    snprintf(want_topic, sizeof want_topic, "%s.ev", dbname);
    is_str(b.n ? b.items[0]->topic : "", want_topic, "the topic is db.coll");
    like(sval(b.items[0]), "\"operationType\" : \"insert\"", "an insert event");
    like(sval(b.items[2]), "\"operationType\" : \"update\"", "an update event");
    like(sval(b.items[2]), "updateDescription", "with its updateDescription");
    like(sval(b.items[3]), "\"operationType\" : \"replace\"", "a replace event");
    like(sval(b.items[4]), "\"operationType\" : \"delete\"", "a delete event");
    is_str(skey(b.items[4]), "{ \"_id\" : 1 }", "the key is the documentKey (JSON)");
    json_t *off = b.n ? b.items[0]->source_offset : NULL;
    ok(off && json_string_value(json_object_get(off, "_id")) &&
           strstr(json_string_value(json_object_get(off, "_id")), "_data"),
       "the offset is the resume token");

    /* commit through the second event, stop, change while stopped, restart */
    if (b.n >= 2) commit("cs-events", b.items[1]);
    stop(&t);
    insert(cs, "ev", "{\"_id\": 3}");
    trib_record_batch_clear(&b);
    ok(start(&t, "cs-events", cs_url, &err, "collection", "ev", NULL) == 0, "the task restarts");
    poll_until(&t, &b, 4, &err);
    is_int(b.n, 4, "after the restart: the 3 uncommitted events and the one made while stopped");
    like(b.n ? sval(b.items[0]) : "", "\"operationType\" : \"update\"", "it resumes right after the committed token");
    like(b.n == 4 ? sval(b.items[3]) : "", "\"_id\" : 3", "and nothing is missing at the end");
    stop(&t);
    trib_record_batch_free(&b);
}

static void test_options(void) {
    stask t;
    trib_error err;
    trib_record_batch b;
    trib_record_batch_init(&b);
    start(&t, "cs-opts", cs_url, &err, "collection", "opt", "publish.full.document.only", "true", "pipeline",
          "[{\"$match\": {\"operationType\": {\"$in\": [\"insert\", \"update\"]}}}]", "topic.prefix", "pre",
          "topic.suffix", "suf", NULL);
    ops->poll(t.impl, &b, &err);
    insert(cs, "opt", "{\"_id\": 1, \"a\": 1, \"keep\": true}");
    update(cs, "opt", "{\"_id\": 1}", "{\"$set\": {\"a\": 2}}", false);
    insert(cs, "opt", "{\"_id\": 3}");
    delete1(cs, "opt", "{\"_id\": 3}");
    insert(cs, "opt", "{\"_id\": 2}");
    poll_until(&t, &b, 4, &err);
    is_int(b.n, 4, "the pipeline drops the delete");
    like(b.n >= 2 ? sval(b.items[1]) : "", "\"keep\" : true", "publish.full.document.only: the update is the full document");
    ok(b.n >= 2 && !strstr(sval(b.items[1]), "operationType"), "without the event envelope");
    char want[128];
    snprintf(want, sizeof want, "pre.%s.opt.suf", dbname);
    is_str(b.n ? b.items[0]->topic : "", want, "topic.prefix and topic.suffix");
    stop(&t);
    trib_record_batch_clear(&b);

    char map[256];
    snprintf(map, sizeof map, "{\"%s.mapped\": \"exact-topic\", \"%s\": \"db-topic\"}", dbname, dbname);
    start(&t, "cs-map", cs_url, &err, "topic.namespace.map", map, NULL);   /* the whole database */
    ops->poll(t.impl, &b, &err);
    insert(cs, "mapped", "{\"_id\": 1}");
    insert(cs, "other", "{\"_id\": 1}");
    poll_until(&t, &b, 2, &err);
    is_str(b.n >= 1 ? b.items[0]->topic : "", "exact-topic", "topic.namespace.map: db.coll entry");
    is_str(b.n >= 2 ? b.items[1]->topic : "", "db-topic", "topic.namespace.map: db entry for the rest");
    stop(&t);
    trib_record_batch_clear(&b);

    /* updateLookup without publish.full.document.only; offset.partition.name */
    start(&t, "cs-lookup", cs_url, &err, "collection", "lk", "change.stream.full.document", "updateLookup",
          "offset.partition.name", "my-partition", NULL);
    ops->poll(t.impl, &b, &err);
    insert(cs, "lk", "{\"_id\": 1, \"a\": 1, \"keep\": 1}");
    update(cs, "lk", "{\"_id\": 1}", "{\"$set\": {\"a\": 2}}", false);
    poll_until(&t, &b, 2, &err);
    like(b.n >= 2 ? sval(b.items[1]) : "", "\"fullDocument\" : { \"_id\" : 1, \"a\" : 2, \"keep\" : 1 }",
         "change.stream.full.document=updateLookup: the update event carries the current document");
    is_str(b.n ? json_string_value(json_object_get(b.items[0]->source_partition, "ns")) : "", "my-partition",
           "offset.partition.name names the source partition");
    stop(&t);
    trib_record_batch_clear(&b);

    /* heartbeats on a quiet stream */
    start(&t, "cs-hb", cs_url, &err, "collection", "quiet", "heartbeat.interval.ms", "200", "heartbeat.topic.name",
          "hb", NULL);
    poll_until(&t, &b, 1, &err);
    is_str(b.n ? b.items[0]->topic : "", "hb", "a quiet stream sends a heartbeat to heartbeat.topic.name");
    ok(b.n && json_object_get(b.items[0]->source_offset, "HEARTBEAT") &&
           json_object_get(b.items[0]->source_offset, "_id"),
       "the heartbeat carries the current resume token as its offset");
    stop(&t);
    trib_record_batch_free(&b);
}

static void test_startup_modes(void) {
    stask t;
    trib_error err;
    trib_record_batch b;
    trib_record_batch_init(&b);
    insert(cs, "old", "{\"_id\": 1}");
    insert(cs, "old", "{\"_id\": 2}");
    insert(cs, "skipme", "{\"_id\": 1}");
    char re[128];
    snprintf(re, sizeof re, "^%s\\.old$", dbname);
    ok(start(&t, "cs-copy", cs_url, &err, "startup.mode", "copy_existing",
             "startup.mode.copy.existing.namespace.regex", re, NULL) == 0,
       "copy_existing starts");
    poll_until(&t, &b, 2, &err);
    is_int(b.n, 2, "the two existing documents of the matching collection are copied");
    like(b.n ? sval(b.items[0]) : "", "\"copyingData\" : true", "as insert events marked copyingData");
    ok(b.n && json_object_get(b.items[0]->source_offset, "copy"), "their offsets say a copy is in progress");
    insert(cs, "old", "{\"_id\": 3}");
    poll_until(&t, &b, 3, &err);
    is_int(b.n, 3, "then the stream: a new insert");
    like(b.n >= 3 ? sval(b.items[2]) : "", "\"_id\" : 3", "is the new document");
    stop(&t);
    trib_record_batch_clear(&b);

    start(&t, "cs-copy2", cs_url, &err, "collection", "old", "startup.mode", "copy_existing",
          "startup.mode.copy.existing.pipeline", "[{\"$match\": {\"_id\": {\"$gte\": 2}}}]", NULL);
    poll_until(&t, &b, 2, &err);
    is_int(b.n, 2, "startup.mode.copy.existing.pipeline filters the copy (ids 2 and 3 of 1..3)");
    stop(&t);
    trib_record_batch_clear(&b);

    start(&t, "cs-ts", cs_url, &err, "collection", "old", "startup.mode", "timestamp",
          "startup.mode.timestamp.start.at.operation.time", "0", NULL);
    poll_until(&t, &b, 3, &err);
    ok(b.n >= 3, "startup.mode=timestamp at 0 replays the history (%zu events)", b.n);
    stop(&t);
    trib_record_batch_free(&b);
}

/* Connect data -> sink -> MongoDB -> source (schema) -> Connect data. */
static void test_round_trip(void) {
    trib_sink_task_context *sctx = trib_sink_task_context_new("rt-sink", 0);
    trib_props *p = trib_props_new();
    trib_props_set(p, "connection.uri", cs_url);
    trib_props_set(p, "database", dbname);
    trib_props_set(p, "collection", "rt");
    trib_props_set(p, "document.id.strategy", "KafkaMetaDataStrategy");
    void *sink = NULL;
    trib_error err;
    trib_mongo_sink_plugin.sink->start(p, sctx, &sink, &err);
    trib_props_destroy(p);

    stask t;
    start(&t, "cs-rt", cs_url, &err, "collection", "rt", "publish.full.document.only", "true",
          "output.format.value", "schema", "output.format.key", "schema", NULL);
    trib_record_batch b;
    trib_record_batch_init(&b);
    ops->poll(t.impl, &b, &err);

    trib_schema *s = trib_schema_struct_new("rt");
    trib_schema_add_field_take(s, "i32", trib_schema_primitive(TRIB_INT32, true));
    trib_schema_add_field_take(s, "i64", trib_schema_primitive(TRIB_INT64, true));
    trib_schema_add_field_take(s, "f64", trib_schema_primitive(TRIB_FLOAT64, true));
    trib_schema_add_field_take(s, "b", trib_schema_primitive(TRIB_BOOLEAN, true));
    trib_schema_add_field_take(s, "s", trib_schema_primitive(TRIB_STRING, true));
    trib_schema_add_field_take(s, "bytes", trib_schema_primitive(TRIB_BYTES, true));
    trib_schema_add_field_take(s, "dec", trib_schema_decimal(3, true));
    trib_schema_add_field_take(s, "ts", trib_schema_timestamp(true));
    trib_schema_add_field_take(s, "arr", trib_schema_array_take(trib_schema_primitive(TRIB_INT64, true)));
    trib_value *v = trib_value_struct_new(s);
    trib_value_struct_set_take(v, "i32", trib_value_int(TRIB_INT32, -5));
    trib_value_struct_set_take(v, "i64", trib_value_int(TRIB_INT64, 1LL << 40));
    trib_value_struct_set_take(v, "f64", trib_value_float(TRIB_FLOAT64, 2.5));
    trib_value_struct_set_take(v, "b", trib_value_bool(false));
    trib_value_struct_set_take(v, "s", trib_value_string("x\xc3\xa9"));
    trib_value_struct_set_take(v, "bytes", trib_value_bytes("\0\1\2", 3));
    trib_value *dec = NULL;
    trib_decimal_from_string("12345.678", 3, &dec, NULL);
    trib_value_struct_set_take(v, "dec", dec);
    trib_value_struct_set_take(v, "ts", trib_value_int(TRIB_INT64, 1700000000123LL));
    trib_value *arr = trib_value_array_new();
    trib_value_array_append_take(arr, trib_value_int(TRIB_INT64, 1));
    trib_value_array_append_take(arr, trib_value_int(TRIB_INT64, 2));
    trib_value_struct_set_take(v, "arr", arr);
    trib_record *r = trib_record_new("rt");
    r->partition = 0;
    r->kafka_offset = 0;
    trib_record_set_value_take(r, s, v);
    ok(trib_mongo_sink_plugin.sink->put(sink, &r, 1, &err) == 0, "round trip: the sink writes every type");
    poll_until(&t, &b, 1, &err);
    ok(b.n == 1 && b.items[0]->value && b.items[0]->value->type == TRIB_STRUCT,
       "the source reads it back as a struct");
    if (b.n == 1 && b.items[0]->value) {
        const trib_value *got = b.items[0]->value;
        const trib_schema *gs = b.items[0]->value_schema;
        static const char *const names[] = {"i32", "i64", "f64", "b", "s", "bytes", "dec", "ts", "arr"};
        for (size_t i = 0; i < 9; i++) {
            const trib_value *a = trib_value_struct_get(r->value, names[i]);
            const trib_value *c = trib_value_struct_get(got, names[i]);
            const trib_field *f = trib_schema_field(gs, names[i]);
            const trib_field *of = trib_schema_field(r->value_schema, names[i]);
            bool same_type = f && of && f->schema->type == of->schema->type &&
                             (!of->schema->name || (f->schema->name && strcmp(f->schema->name, of->schema->name) == 0));
            ok(same_type && trib_value_equal(a, c), "round trip keeps %s (type and value)", names[i]);
        }
        like(trib_value_struct_get(got, "_id") ? trib_value_struct_get(got, "_id")->u.str.data : "", "rt#0#0",
             "and the _id the sink gave it");
        ok(b.items[0]->key && b.items[0]->key->type == TRIB_STRUCT, "output.format.key=schema: the key is a struct");
    }
    trib_record_destroy(r);
    trib_mongo_sink_plugin.sink->stop(sink);
    trib_sink_task_context_destroy(sctx);
    stop(&t);
    trib_record_batch_free(&b);
}

/* SecantusDB stopped under the stream and started again: polls are
 * RETRIABLE meanwhile, then the stream resumes after the last event. */
static void test_outage(const char *root) {
    stask t;
    trib_error err;
    trib_record_batch b;
    trib_record_batch_init(&b);
    start(&t, "cs-outage", cs_url, &err, "collection", "out", NULL);
    ops->poll(t.impl, &b, &err);
    insert(cs, "out", "{\"_id\": 1}");
    poll_until(&t, &b, 1, &err);
    is_int(b.n, 1, "outage: an event before");
    char *cmd = trib_xasprintf("%s/scripts/testenv stop-mongocs >/dev/null 2>&1", root);
    ok(system(cmd) == 0, "SecantusDB stopped");
    free(cmd);
    int rc = 0;
    for (int i = 0; i < 20 && (rc = ops->poll(t.impl, &b, &err)) == 0; i++) {}
    ok(rc < 0 && err.code == TRIB_ERR_RETRIABLE, "while MongoDB is down poll is RETRIABLE");
    cmd = trib_xasprintf("%s/scripts/testenv start-mongocs >/dev/null 2>&1", root);
    ok(system(cmd) == 0, "SecantusDB started again");
    free(cmd);
    mongoc_client_destroy(cs);   /* the test's own client reconnects too */
    cs = mongoc_client_new(cs_url);
    insert(cs, "out", "{\"_id\": 2}");
    int64_t until = trib_mono_ms() + 30000;
    while (b.n < 2 && trib_mono_ms() < until)
        if (ops->poll(t.impl, &b, &err) < 0) usleep(200000);
    is_int(b.n, 2, "after the outage the stream resumes: the next event, once");
    like(b.n >= 2 ? sval(b.items[1]) : "", "\"_id\" : 2", "it is the document inserted after the restart");
    stop(&t);
    trib_record_batch_free(&b);
}

/* A tenant's source obeys the outbound policy (default: loopback denied). */
static void test_outbound(void) {
    stask t;
    trib_error err;
    trib_record_batch b;
    trib_record_batch_init(&b);
    trib_outbound_uninstall();
    start(&t, "acme/src", cs_url, &err, "collection", "x", NULL);
    int rc = t.impl ? ops->poll(t.impl, &b, &err) : -1;
    ok(rc < 0 && err.code == TRIB_ERR_FORBIDDEN && strstr(err.msg, "outbound policy"),
       "a tenant's change stream on a loopback server is FORBIDDEN by the outbound policy");
    stop(&t);
    trib_record_batch_free(&b);
}

static void test_no_change_streams(void) {
    stask t;
    trib_error err;
    trib_record_batch b;
    trib_record_batch_init(&b);
    start(&t, "ferret-cs", ferret_url, &err, "collection", "x", NULL);
    int rc = t.impl ? ops->poll(t.impl, &b, &err) : -1;
    ok(rc < 0 && err.code == TRIB_ERR_FATAL, "a change stream on FerretDB fails (not retried)");
    like(err.msg, "mode=polling", "the error points to mode=polling");
    stop(&t);
    trib_record_batch_free(&b);
}

static void test_polling(void) {
    stask t;
    trib_error err;
    trib_record_batch b;
    trib_record_batch_init(&b);
    ok(start(&t, "fpoll", ferret_url, &err, "collection", "p", "mode", "polling", NULL) < 0 &&
           strstr(err.msg, "polling.field"),
       "polling without polling.field does not start, naming it");
    for (int i = 1; i <= 4; i++) {
        char j[64];
        snprintf(j, sizeof j, "{\"_id\": %d, \"seq\": %d}", i, i <= 2 ? 1 : i);   /* a tie on seq=1 */
        insert(ferret, "p", j);
    }
    ok(start(&t, "fpoll", ferret_url, &err, "collection", "p", "mode", "polling", "polling.field", "seq",
             "polling.interval.ms", "50", "poll.max.batch.size", "3", NULL) == 0,
       "polling mode starts on FerretDB");
    poll_until(&t, &b, 4, &err);
    is_int(b.n, 4, "every document once, in batches of poll.max.batch.size");
    like(b.n >= 2 ? sval(b.items[1]) : "", "\"_id\" : 2", "ties on the field are ordered by _id");
    if (b.n >= 3) commit("fpoll", b.items[2]);
    stop(&t);
    insert(ferret, "p", "{\"_id\": 5, \"seq\": 9}");
    trib_record_batch_clear(&b);
    start(&t, "fpoll", ferret_url, &err, "collection", "p", "mode", "polling", "polling.field", "seq",
          "polling.interval.ms", "50", NULL);
    poll_until(&t, &b, 2, &err);
    is_int(b.n, 2, "after a restart: the uncommitted one and the new one");
    like(b.n ? sval(b.items[0]) : "", "\"_id\" : 4", "resuming after the committed (seq, _id)");
    stop(&t);
    trib_record_batch_free(&b);
}

static void drop(mongoc_client_t *c) {
    mongoc_database_t *db = mongoc_client_get_database(c, dbname);
    mongoc_database_drop(db, NULL);
    mongoc_database_destroy(db);
}

int main(void) {
    ferret_url = tap_require_env("MONGO_URL");
    cs_url = tap_require_env("MONGO_CS_URL");
    (void)plan;   /* counts vary with what the servers return: done_testing */
    mongoc_log_set_handler(quiet_log, NULL);
    mongoc_init();
    ops = trib_mongo_source_plugin.source;
    store = trib_offset_store_memory_new();
    snprintf(dbname, sizeof dbname, "trib_msrc_%d", (int)getpid());
    char root[4096];
    snprintf(root, sizeof root, "%s", __FILE__);
    char *cut = strstr(root, "/tests/integration/");
    if (cut) *cut = '\0';
    cs = mongoc_client_new(cs_url);
    ferret = mongoc_client_new(ferret_url);
    test_events();
    test_options();
    test_startup_modes();
    test_round_trip();
    test_outage(root);
    test_outbound();
    test_no_change_streams();
    test_polling();
    drop(cs);
    drop(ferret);
    mongoc_client_destroy(cs);
    mongoc_client_destroy(ferret);
    trib_offset_store_destroy(store);
    done_testing();
    return exit_status();
}
