/*
 * test_mongo_sink.c: MongoSink against real MongoDB wire servers
 * (scripts/testenv): FerretDB (MONGO_URL) and SecantusDB (MONGO_CS_URL).
 * Drives the plugin's task vtable directly with hand-built records and
 * reads the collections back with its own client.
 *
 * Covers every Connect type's BSON form, schemaless and JSON-string values,
 * each id strategy and overwrite.existing, each write model's upsert and
 * delete semantics, delete.on.null.values, projections and renaming,
 * collection naming and topic.override, max.batch.size and ordered /
 * unordered bulks with duplicate keys and invalid documents (exactly the
 * bad records reach the reporter, with the server's code, the rest lands),
 * errors.tolerance=none, the offsets collection (seek on open, no duplicate
 * on redelivery even with BsonOidStrategy), config validation, the tenant
 * URI allow-list, and (SecantusDB, which testenv can stop and start) a
 * server outage: RETRIABLE while down, everything written once it is back.
 * Each server gets a database of its own, dropped at the end.
 */
#include "tests/tap.h"

#include <mongoc/mongoc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "worker/connector.h"
#include "worker/connector_config.h"
#include "worker/task_context.h"
#include "tenants/outbound.h"

extern const trib_connector_plugin trib_mongo_sink_plugin;
static const trib_sink_task_ops *ops;
static const char *url;
static mongoc_client_t *client;
static char dbname[64];

/* ---- helpers ------------------------------------------------------------------- */

static void quiet_log(mongoc_log_level_t level, const char *domain, const char *message, void *ud) {
    (void)ud;
    (void)domain;
    if (level <= MONGOC_LOG_LEVEL_WARNING && !strstr(message, "endSessions") && !strstr(message, "Unknown option"))
        diag("mongoc: %s", message);
}

/* The first document of coll matching filter (JSON), as relaxed extended
 * JSON without volatile fields; "<none>" if none. Caller frees. */
static char *find1(const char *coll, const char *filter_json) {
    mongoc_collection_t *c = mongoc_client_get_collection(client, dbname, coll);
    bson_t *f = bson_new_from_json((const uint8_t *)filter_json, -1, NULL);
    mongoc_cursor_t *cur = mongoc_collection_find_with_opts(c, f, NULL, NULL);
    const bson_t *d;
    char *out;
    if (mongoc_cursor_next(cur, &d)) {
        char *j = bson_as_canonical_extended_json(d, NULL);
        out = trib_xstrdup(j);
        bson_free(j);
    } else {
        bson_error_t e;
        out = mongoc_cursor_error(cur, &e) ? trib_xasprintf("<error: %s>", e.message) : trib_xstrdup("<none>");
    }
    mongoc_cursor_destroy(cur);
    bson_destroy(f);
    mongoc_collection_destroy(c);
    return out;
}

static int64_t count(const char *coll, const char *filter_json) {
    mongoc_collection_t *c = mongoc_client_get_collection(client, dbname, coll);
    bson_t *f = bson_new_from_json((const uint8_t *)filter_json, -1, NULL);
    bson_error_t e;
    int64_t n = mongoc_collection_count_documents(c, f, NULL, NULL, NULL, &e);
    if (n < 0) diag("count %s: %s", coll, e.message);
    bson_destroy(f);
    mongoc_collection_destroy(c);
    return n;
}

#define like_doc(coll, filter, needle, ...) do { char *g_ = find1(coll, filter); like(g_, needle, __VA_ARGS__); free(g_); } while (0)

typedef struct reported {
    int n;
    int64_t offsets[32];
    char last[1024];
    char code[32];     /* __tributary.mongo.error.code of the last report */
    int verdict;
} reported;

static int reporter(void *opaque, const trib_record *rec, const trib_error *why) {
    reported *r = opaque;
    if (r->n < 32) r->offsets[r->n] = rec->kafka_offset;
    r->n++;
    snprintf(r->last, sizeof r->last, "%s", why->msg);
    /* the DLQ copies the raw headers, where the sink adds the server's answer */
    const trib_header *h = NULL;
    for (size_t i = 0; i < rec->raw_nheaders; i++)
        if (strcmp(rec->raw_headers[i].key, "__tributary.mongo.error.code") == 0) h = &rec->raw_headers[i];
    snprintf(r->code, sizeof r->code, "%.*s", h ? (int)h->len : 0, h ? (const char *)h->value : "");
    return r->verdict;
}

typedef struct task {
    trib_sink_task_context *ctx;
    void *impl;
    reported rep;
} task;

/* Starts a task with key=value pairs (NULL-terminated) over the defaults. */
static int task_start(task *t, const char *connector, trib_error *err, ...) {
    memset(t, 0, sizeof *t);
    t->ctx = trib_sink_task_context_new(connector, 0);
    trib_sink_task_context_set_reporter(t->ctx, reporter, &t->rep);
    trib_props *p = trib_props_new();
    trib_props_set(p, "connection.uri", url);
    trib_props_set(p, "database", dbname);
    va_list ap;
    va_start(ap, err);
    for (const char *k; (k = va_arg(ap, const char *)) != NULL;) trib_props_set(p, k, va_arg(ap, const char *));
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
    if (t->ctx) trib_sink_task_context_destroy(t->ctx);
    t->impl = NULL;
    t->ctx = NULL;
}

static trib_schema *row_schema(void) {
    trib_schema *s = trib_schema_struct_new("row");
    trib_schema_add_field_take(s, "id", trib_schema_primitive(TRIB_INT32, false));
    trib_schema_add_field_take(s, "name", trib_schema_primitive(TRIB_STRING, true));
    return s;
}

/* A record {id, name} with key {id} (or a null key / value). */
static trib_record *row(const char *topic, int64_t offset, int key_id, int id, const char *name) {
    trib_record *r = trib_record_new(topic);
    r->partition = 0;
    r->kafka_offset = offset;
    if (key_id >= 0) {
        trib_schema *ks = trib_schema_struct_new("key");
        trib_schema_add_field_take(ks, "id", trib_schema_primitive(TRIB_INT32, false));
        trib_value *k = trib_value_struct_new(ks);
        trib_value_struct_set_take(k, "id", trib_value_int(TRIB_INT32, key_id));
        trib_record_set_key_take(r, ks, k);
    }
    if (id >= 0) {
        trib_schema *s = row_schema();
        trib_value *v = trib_value_struct_new(s);
        trib_value_struct_set_take(v, "id", trib_value_int(TRIB_INT32, id));
        if (name) trib_value_struct_set_take(v, "name", trib_value_string(name));
        trib_record_set_value_take(r, s, v);
    }
    return r;
}

/* A schemaless record whose value is JSON text parsed into a map by hand. */
static trib_record *json_rec(const char *topic, int64_t offset, const char *json) {
    trib_record *r = trib_record_new(topic);
    r->partition = 0;
    r->kafka_offset = offset;
    trib_record_set_value_take(r, NULL, trib_value_string(json));
    return r;
}

static int put(task *t, trib_record **recs, size_t n, trib_error *err) {
    int rc = ops->put(t->impl, recs, n, err);
    for (size_t i = 0; i < n; i++) trib_record_destroy(recs[i]);
    return rc;
}

static void insert_raw(const char *coll, const char *json) {
    mongoc_collection_t *c = mongoc_client_get_collection(client, dbname, coll);
    bson_t *d = bson_new_from_json((const uint8_t *)json, -1, NULL);
    bson_error_t e;
    if (!mongoc_collection_insert_one(c, d, NULL, NULL, &e)) diag("insert: %s", e.message);
    bson_destroy(d);
    mongoc_collection_destroy(c);
}

/* ---- sections --------------------------------------------------------------------- */

/* decimal: FerretDB v1 has no Decimal128 (it drops the connection). */
static void test_types(bool decimal) {
    task t;
    trib_error err;
    ok(task_start(&t, "types", &err, "topics", "types", NULL) == 0, "a task starts with connection.uri and database");
    trib_schema *s = trib_schema_struct_new("all");
    trib_schema_add_field_take(s, "i8", trib_schema_primitive(TRIB_INT8, false));
    trib_schema_add_field_take(s, "i16", trib_schema_primitive(TRIB_INT16, false));
    trib_schema_add_field_take(s, "i32", trib_schema_primitive(TRIB_INT32, false));
    trib_schema_add_field_take(s, "i64", trib_schema_primitive(TRIB_INT64, false));
    trib_schema_add_field_take(s, "f32", trib_schema_primitive(TRIB_FLOAT32, false));
    trib_schema_add_field_take(s, "f64", trib_schema_primitive(TRIB_FLOAT64, false));
    trib_schema_add_field_take(s, "b", trib_schema_primitive(TRIB_BOOLEAN, false));
    trib_schema_add_field_take(s, "s", trib_schema_primitive(TRIB_STRING, false));
    trib_schema_add_field_take(s, "bytes", trib_schema_primitive(TRIB_BYTES, false));
    trib_schema_add_field_take(s, "dec", trib_schema_decimal(2, true));
    trib_schema_add_field_take(s, "date", trib_schema_date(false));
    trib_schema_add_field_take(s, "time", trib_schema_time(false));
    trib_schema_add_field_take(s, "ts", trib_schema_timestamp(false));
    trib_schema_add_field_take(s, "arr", trib_schema_array_take(trib_schema_primitive(TRIB_STRING, false)));
    trib_schema_add_field_take(s, "map", trib_schema_map_take(trib_schema_primitive(TRIB_STRING, false),
                                                              trib_schema_primitive(TRIB_INT64, false)));
    trib_schema_add_field_take(s, "sub", row_schema());
    trib_schema_add_field_take(s, "nul", trib_schema_primitive(TRIB_STRING, true));
    trib_value *v = trib_value_struct_new(s);
    trib_value_struct_set_take(v, "i8", trib_value_int(TRIB_INT8, -8));
    trib_value_struct_set_take(v, "i16", trib_value_int(TRIB_INT16, 1600));
    trib_value_struct_set_take(v, "i32", trib_value_int(TRIB_INT32, 320000));
    trib_value_struct_set_take(v, "i64", trib_value_int(TRIB_INT64, 6400000000LL));
    trib_value_struct_set_take(v, "f32", trib_value_float(TRIB_FLOAT32, 1.5));
    trib_value_struct_set_take(v, "f64", trib_value_float(TRIB_FLOAT64, -2.25));
    trib_value_struct_set_take(v, "b", trib_value_bool(true));
    trib_value_struct_set_take(v, "s", trib_value_string("h\xc3\xa9llo"));
    trib_value_struct_set_take(v, "bytes", trib_value_bytes("\x01\x02", 2));
    trib_value *dec = NULL;
    trib_decimal_from_string("-1234.56", 2, &dec, NULL);
    if (decimal) trib_value_struct_set_take(v, "dec", dec);
    else trib_value_destroy(dec);
    trib_value_struct_set_take(v, "date", trib_value_int(TRIB_INT32, 2));
    trib_value_struct_set_take(v, "time", trib_value_int(TRIB_INT32, 3723000));
    trib_value_struct_set_take(v, "ts", trib_value_int(TRIB_INT64, 1700000000123LL));
    trib_value *arr = trib_value_array_new();
    trib_value_array_append_take(arr, trib_value_string("x"));
    trib_value_array_append_take(arr, trib_value_string("y"));
    trib_value_struct_set_take(v, "arr", arr);
    trib_value *m = trib_value_map_new();
    trib_value_map_put_take(m, trib_value_string("k"), trib_value_int(TRIB_INT64, 7));
    trib_value_struct_set_take(v, "map", m);
    trib_value *sub = trib_value_struct_new(s->fields[15].schema);
    trib_value_struct_set_take(sub, "id", trib_value_int(TRIB_INT32, 1));
    trib_value_struct_set_take(v, "sub", sub);
    trib_record *r = trib_record_new("types");
    r->partition = 0;
    r->kafka_offset = 0;
    trib_record_set_value_take(r, s, v);
    trib_record *recs[] = {r, json_rec("types", 1, "{\"_id\": \"j\", \"n\": 5, \"d\": {\"$date\": \"2020-01-01T00:00:00Z\"}}")};
    int rc = put(&t, recs, 2, &err);
    if (rc < 0) diag("%s", err.msg);
    ok(rc == 0, "a struct of every type and a JSON-string value are written");
    char *d = find1("types", "{\"i8\": -8}");
    like(d, "\"i8\" : { \"$numberInt\" : \"-8\" }", "int8 becomes int32");
    like(d, "\"i16\" : { \"$numberInt\" : \"1600\" }", "int16 becomes int32");
    like(d, "\"i64\" : { \"$numberLong\" : \"6400000000\" }", "int64 stays int64");
    like(d, "\"f32\" : { \"$numberDouble\" : \"1.5\" }", "float32 becomes double");
    like(d, "\"b\" : true", "boolean");
    like(d, "\"s\" : \"h\xc3\xa9llo\"", "string (UTF-8)");
    like(d, "\"bytes\" : { \"$binary\" : { \"base64\" : \"AQI=\", \"subType\" : \"00\" } }", "bytes become binary");
    if (decimal)
        like(d, "\"dec\" : { \"$numberDecimal\" : \"-1234.56\" }", "Decimal becomes Decimal128 with its scale");
    like(d, "\"date\" : { \"$date\" : { \"$numberLong\" : \"172800000\" } }", "Date becomes a BSON date");
    like(d, "\"time\" : { \"$date\" : { \"$numberLong\" : \"3723000\" } }", "Time becomes a BSON date");
    like(d, "\"ts\" : { \"$date\" : { \"$numberLong\" : \"1700000000123\" } }", "Timestamp becomes a BSON date");
    like(d, "\"arr\" : [ \"x\", \"y\" ]", "array");
    like(d, "\"map\" : { \"k\" : { \"$numberLong\" : \"7\" } }", "map becomes a document");
    like(d, "\"sub\" : { \"id\" : { \"$numberInt\" : \"1\" }, \"name\" : null }", "struct becomes a document");
    like(d, "\"nul\" : null", "null field");
    like(d, "\"_id\" : { \"$oid\"", "BsonOidStrategy (the default) gives an ObjectId");
    free(d);
    like_doc("types", "{\"_id\": \"j\"}", "\"d\" : { \"$date\"", "a JSON-string value keeps its _id and extended JSON types");
    task_stop(&t);
}

static void test_id_strategies(void) {
    static const struct { const char *strategy, *want; } cases[] = {
        {"UuidStrategy", "\"_id\" : \""},
        {"KafkaMetaDataStrategy", "\"_id\" : \"ids-KafkaMetaDataStrategy#0#0\""},
        {"FullKeyStrategy", "\"_id\" : { \"id\" : { \"$numberInt\" : \"7\" } }"},
        {"com.mongodb.kafka.connect.sink.processor.id.strategy.PartialValueStrategy",
         "\"_id\" : { \"name\" : \"seven\" }"},
        {"PartialKeyStrategy", "\"_id\" : { \"id\" : { \"$numberInt\" : \"7\" } }"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        task t;
        trib_error err;
        char topic[128];
        snprintf(topic, sizeof topic, "ids-%s", strrchr(cases[i].strategy, '.') ? strrchr(cases[i].strategy, '.') + 1
                                                                                 : cases[i].strategy);
        int rc = task_start(&t, topic, &err, "document.id.strategy", cases[i].strategy,
                            "document.id.strategy.partial.value.projection.type", "allowlist",
                            "document.id.strategy.partial.value.projection.list", "name",
                            "document.id.strategy.partial.key.projection.type", "blocklist",
                            "document.id.strategy.partial.key.projection.list", "other", NULL);
        if (rc < 0) diag("%s", err.msg);
        trib_record *recs[] = {row(topic, 0, 7, 7, "seven")};
        ok(rc == 0 && put(&t, recs, 1, &err) == 0, "%s writes", cases[i].strategy);
        like_doc(topic, "{}", cases[i].want, "%s gives the expected _id", cases[i].strategy);
        task_stop(&t);
    }
    /* UuidStrategy binary, ProvidedIn*, UuidProvidedInValue, overwrite.existing */
    task t;
    trib_error err;
    task_start(&t, "ids-uuidbin", &err, "document.id.strategy", "UuidStrategy",
               "document.id.strategy.uuid.format", "binary", NULL);
    trib_record *r1[] = {row("ids-uuidbin", 0, 1, 1, "a")};
    put(&t, r1, 1, &err);
    like_doc("ids-uuidbin", "{}", "\"subType\" : \"04\"", "uuid.format=binary stores a binary UUID");
    task_stop(&t);

    task_start(&t, "ids-piv", &err, "document.id.strategy", "ProvidedInValueStrategy", NULL);
    trib_record *r2[] = {json_rec("ids-piv", 0, "{\"_id\": 42, \"a\": 1}"), json_rec("ids-piv", 1, "{\"a\": 2}")};
    ok(put(&t, r2, 2, &err) == 0, "ProvidedInValueStrategy: a put with one value lacking _id succeeds");
    is_int(count("ids-piv", "{\"_id\": 42}"), 1, "ProvidedInValueStrategy uses the value's _id");
    is_int(t.rep.n, 1, "a value without _id goes to the reporter");
    like(t.rep.last, "no _id", "the report says the _id is missing");
    task_stop(&t);

    task_start(&t, "ids-pik", &err, "document.id.strategy", "ProvidedInKeyStrategy", NULL);
    trib_record *r3 = json_rec("ids-pik", 0, "{\"a\": 1}");
    trib_record_set_key_take(r3, NULL, trib_value_string("{\"_id\": \"k1\"}"));
    trib_record *r3s[] = {r3};
    ok(put(&t, r3s, 1, &err) == 0, "ProvidedInKeyStrategy writes");
    is_int(count("ids-pik", "{\"_id\": \"k1\", \"a\": 1}"), 1, "ProvidedInKeyStrategy uses the key's _id");
    task_stop(&t);

    task_start(&t, "ids-uuidv", &err, "document.id.strategy", "UuidProvidedInValueStrategy", NULL);
    trib_record *r4[] = {json_rec("ids-uuidv", 0, "{\"_id\": \"0f8fad5b-d9cb-469f-a165-70867728950e\"}")};
    put(&t, r4, 1, &err);
    like_doc("ids-uuidv", "{}", "\"base64\" : \"D4+tW9nLRp+hZXCGdyiVDg==\", \"subType\" : \"04\"",
             "UuidProvidedInValueStrategy stores the UUID string as binary subtype 4");
    task_stop(&t);

    task_start(&t, "ids-uuidk", &err, "document.id.strategy", "UuidProvidedInKeyStrategy", NULL);
    trib_record *r7 = json_rec("ids-uuidk", 0, "{\"a\": 1}");
    trib_record_set_key_take(r7, NULL, trib_value_string("{\"_id\": \"0f8fad5b-d9cb-469f-a165-70867728950e\"}"));
    trib_record *r7s[] = {r7, json_rec("ids-uuidk", 1, "{\"a\": 2}")};
    ok(put(&t, r7s, 2, &err) == 0, "UuidProvidedInKeyStrategy: a put with one keyless record succeeds");
    like_doc("ids-uuidk", "{\"a\": 1}", "\"subType\" : \"04\"", "UuidProvidedInKeyStrategy: the key's UUID as binary");
    is_int(t.rep.n, 1, "the record without a key _id is reported");
    task_stop(&t);

    /* key-side processors shape a FullKeyStrategy id */
    task_start(&t, "ids-keyproj", &err, "document.id.strategy", "FullKeyStrategy", "post.processor.chain",
               "AllowListKeyProjector,RenameByMapping", "key.projection.list", "a", "field.renamer.mapping",
               "[{\"oldName\":\"key.a\",\"newName\":\"k\"}]", NULL);
    trib_record *r8 = json_rec("ids-keyproj", 0, "{\"v\": 1}");
    trib_record_set_key_take(r8, NULL, trib_value_string("{\"a\": 1, \"b\": 2}"));
    trib_record *r8s[] = {r8};
    put(&t, r8s, 1, &err);
    is_int(count("ids-keyproj", "{\"_id\": {\"k\": 1}}"), 1,
           "AllowListKeyProjector and a key rename shape the FullKeyStrategy _id");
    task_stop(&t);

    task_start(&t, "ids-keep", &err, "document.id.strategy", "KafkaMetaDataStrategy", NULL);
    trib_record *r5[] = {json_rec("ids-keep", 0, "{\"_id\": \"own\"}")};
    put(&t, r5, 1, &err);
    is_int(count("ids-keep", "{\"_id\": \"own\"}"), 1, "an _id in the value is kept (overwrite.existing=false)");
    task_stop(&t);
    task_start(&t, "ids-over", &err, "document.id.strategy", "KafkaMetaDataStrategy",
               "document.id.strategy.overwrite.existing", "true", NULL);
    trib_record *r6[] = {json_rec("ids-over", 3, "{\"_id\": \"own\"}")};
    put(&t, r6, 1, &err);
    is_int(count("ids-over", "{\"_id\": \"ids-over#0#3\"}"), 1, "overwrite.existing=true replaces it");
    task_stop(&t);
}

static void test_write_models(void) {
    task t;
    trib_error err;
    /* Default: ReplaceOne upsert on _id; a second write replaces the whole document. */
    task_start(&t, "wm-default", &err, "document.id.strategy", "FullKeyStrategy", NULL);
    trib_record *a[] = {json_rec("wm-default", 0, "{\"_id\": 1, \"x\": 1, \"y\": 1}"),
                        json_rec("wm-default", 1, "{\"_id\": 1, \"x\": 2}")};
    ok(put(&t, a, 2, &err) == 0, "DefaultWriteModelStrategy writes twice to one _id");
    is_int(count("wm-default", "{}"), 1, "Default: one document");
    is_int(count("wm-default", "{\"x\": 2, \"y\": {\"$exists\": false}}"), 1, "Default: replaced as a whole");
    task_stop(&t);

    task_start(&t, "wm-update", &err, "writemodel.strategy", "UpdateOneDefaultStrategy", NULL);
    trib_record *b[] = {json_rec("wm-update", 0, "{\"_id\": 1, \"x\": 1, \"y\": 1}"),
                        json_rec("wm-update", 1, "{\"_id\": 1, \"x\": 2}")};
    ok(put(&t, b, 2, &err) == 0, "UpdateOneDefaultStrategy writes");
    is_int(count("wm-update", "{\"_id\": 1, \"x\": 2, \"y\": 1}"), 1, "UpdateOne: $set keeps other fields");
    task_stop(&t);

    task_start(&t, "wm-ts", &err, "writemodel.strategy", "UpdateOneTimestampsStrategy", NULL);
    trib_record *c[] = {json_rec("wm-ts", 0, "{\"_id\": 1, \"x\": 1}")};
    put(&t, c, 1, &err);
    char *first = find1("wm-ts", "{}");
    usleep(20000);
    trib_record *c2[] = {json_rec("wm-ts", 1, "{\"_id\": 1, \"x\": 2}")};
    put(&t, c2, 1, &err);
    char *second = find1("wm-ts", "{}");
    like(second, "_insertedTS", "UpdateOneTimestamps sets _insertedTS");
    like(second, "_modifiedTS", "and _modifiedTS");
    const char *i1 = strstr(first, "_insertedTS"), *i2 = strstr(second, "_insertedTS");
    ok(i1 && i2 && strncmp(i1, i2, 60) == 0, "_insertedTS stays on update");
    const char *m1 = strstr(first, "_modifiedTS"), *m2 = strstr(second, "_modifiedTS");
    ok(m1 && m2 && strncmp(m1, m2, 60) != 0, "_modifiedTS moves on update");
    free(first);
    free(second);
    task_stop(&t);

    task_start(&t, "wm-bk", &err, "writemodel.strategy", "ReplaceOneBusinessKeyStrategy", "document.id.strategy",
               "PartialValueStrategy", "document.id.strategy.partial.value.projection.type", "allowlist",
               "document.id.strategy.partial.value.projection.list", "sku", NULL);
    trib_record *d[] = {json_rec("wm-bk", 0, "{\"sku\": \"A\", \"qty\": 1}"),
                        json_rec("wm-bk", 1, "{\"sku\": \"A\", \"qty\": 5}"),
                        json_rec("wm-bk", 2, "{\"sku\": \"B\", \"qty\": 2}")};
    ok(put(&t, d, 3, &err) == 0, "ReplaceOneBusinessKeyStrategy writes");
    is_int(count("wm-bk", "{}"), 2, "business key: one document per key");
    is_int(count("wm-bk", "{\"sku\": \"A\", \"qty\": 5}"), 1, "business key: replaced by the later record");
    task_stop(&t);

    task_start(&t, "wm-bkts", &err, "writemodel.strategy",
               "com.mongodb.kafka.connect.sink.writemodel.strategy.UpdateOneBusinessKeyTimestampStrategy",
               "document.id.strategy", "PartialValueStrategy", "document.id.strategy.partial.value.projection.type",
               "allowlist", "document.id.strategy.partial.value.projection.list", "sku", "delete.on.null.values",
               "false", NULL);
    trib_record *d2[] = {json_rec("wm-bkts", 0, "{\"sku\": \"A\", \"qty\": 1, \"x\": 1}"),
                         json_rec("wm-bkts", 1, "{\"sku\": \"A\", \"qty\": 5}")};
    ok(put(&t, d2, 2, &err) == 0, "UpdateOneBusinessKeyTimestampStrategy writes");
    is_int(count("wm-bkts", "{\"sku\": \"A\", \"qty\": 5, \"x\": 1, \"_insertedTS\": {\"$exists\": true}, "
                            "\"_modifiedTS\": {\"$exists\": true}}"),
           1, "business key + timestamps: one document updated in place, with both timestamps");
    task_stop(&t);
    task_start(&t, "wm-bkdel", &err, "writemodel.strategy", "DeleteOneBusinessKeyStrategy", "document.id.strategy",
               "PartialValueStrategy", "document.id.strategy.partial.value.projection.type", "allowlist",
               "document.id.strategy.partial.value.projection.list", "sku", NULL);
    insert_raw("wm-bkdel", "{\"sku\": \"A\", \"n\": 1}");
    insert_raw("wm-bkdel", "{\"sku\": \"B\", \"n\": 2}");
    trib_record *d3[] = {json_rec("wm-bkdel", 0, "{\"sku\": \"A\", \"whatever\": 1}")};
    ok(put(&t, d3, 1, &err) == 0 && count("wm-bkdel", "{}") == 1 && count("wm-bkdel", "{\"sku\": \"B\"}") == 1,
       "DeleteOneBusinessKeyStrategy deletes the document matching the business key only");
    task_stop(&t);

    task_start(&t, "wm-insert", &err, "writemodel.strategy", "InsertOneDefaultStrategy", NULL);
    trib_record *e[] = {json_rec("wm-insert", 0, "{\"x\": 1}"), json_rec("wm-insert", 1, "{\"x\": 1}")};
    ok(put(&t, e, 2, &err) == 0, "InsertOneDefaultStrategy writes");
    is_int(count("wm-insert", "{\"x\": 1}"), 2, "InsertOne: two inserts, two documents (fresh ObjectIds)");
    task_stop(&t);

    /* delete.on.null.values with FullKeyStrategy; DeleteOneDefaultStrategy as the write model */
    task_start(&t, "wm-del", &err, "document.id.strategy", "FullKeyStrategy", "delete.on.null.values", "true",
               NULL);
    trib_record *f[] = {row("wm-del", 0, 1, 1, "a"), row("wm-del", 1, 2, 2, "b"), row("wm-del", 2, 1, -1, NULL)};
    ok(put(&t, f, 3, &err) == 0, "a tombstone with delete.on.null.values=true is written");
    is_int(count("wm-del", "{}"), 1, "the tombstone deleted the key's document");
    is_int(count("wm-del", "{\"name\": \"b\"}"), 1, "the other key's document stays");
    task_stop(&t);
    task_start(&t, "wm-del2", &err, "document.id.strategy", "FullKeyStrategy", NULL);
    trib_record *g[] = {row("wm-del2", 0, 1, 1, "a"), row("wm-del2", 1, 1, -1, NULL)};
    ok(put(&t, g, 2, &err) == 0 && count("wm-del2", "{}") == 1,
       "without delete.on.null.values a tombstone is skipped");
    task_stop(&t);
    task_start(&t, "wm-del3", &err, "writemodel.strategy", "DeleteOneDefaultStrategy", "document.id.strategy",
               "FullKeyStrategy", NULL);
    trib_record *h[] = {row("wm-del3", 0, 1, 1, "a")};
    put(&t, h, 1, &err);
    is_int(count("wm-del3", "{}"), 0, "DeleteOneDefaultStrategy deletes by _id (nothing written)");
    task_stop(&t);
}

static void test_post_processors(void) {
    task t;
    trib_error err;
    task_start(&t, "pp", &err, "post.processor.chain",
               "com.mongodb.kafka.connect.sink.processor.BlockListValueProjector,RenameByMapping,RenameByRegExp",
               "value.projection.list", "secret,nested.drop", "field.renamer.mapping",
               "[{\"oldName\":\"value.old\",\"newName\":\"renamed\"}]", "field.renamer.regexp",
               "[{\"regexp\":\"^value\\\\.nested\\\\..*\",\"pattern\":\"_\",\"replace\":\"-\"}]", NULL);
    trib_record *a[] = {json_rec("pp", 0,
                                 "{\"_id\": 1, \"secret\": 1, \"old\": 2, \"keep\": 3, "
                                 "\"nested\": {\"drop\": 1, \"a_b\": 2}}")};
    ok(put(&t, a, 1, &err) == 0, "a chain of block list, mapping and regexp renames writes");
    char *d = find1("pp", "{}");
    ok(!strstr(d, "secret"), "BlockListValueProjector drops a field");
    ok(!strstr(d, "drop"), "and a nested one");
    like(d, "\"renamed\" : { \"$numberInt\" : \"2\" }", "RenameByMapping renames value.old");
    like(d, "\"a-b\"", "RenameByRegExp replaces _ in nested names");
    like(d, "\"keep\"", "other fields stay");
    free(d);
    task_stop(&t);
    task_start(&t, "pp-allow", &err, "post.processor.chain", "AllowListValueProjector", "value.projection.list",
               "a,n.x", NULL);
    trib_record *b[] = {json_rec("pp-allow", 0, "{\"_id\": 1, \"a\": 1, \"b\": 2, \"n\": {\"x\": 1, \"y\": 2}}")};
    put(&t, b, 1, &err);
    is_int(count("pp-allow", "{\"_id\": 1, \"a\": 1, \"b\": {\"$exists\": false}, \"n.x\": 1, "
                             "\"n.y\": {\"$exists\": false}}"),
           1, "AllowListValueProjector keeps only the listed paths (and _id)");
    task_stop(&t);
}

static void test_collections_and_bulks(void) {
    task t;
    trib_error err;
    task_start(&t, "colls", &err, "collection", "", "topic.override.t2.collection", "over",
               "topic.override.t2.writemodel.strategy", "InsertOneDefaultStrategy", "max.batch.size", "2", NULL);
    trib_record *a[] = {json_rec("t1", 0, "{\"_id\": 1}"), json_rec("t1", 1, "{\"_id\": 2}"),
                        json_rec("t1", 2, "{\"_id\": 3}"), json_rec("t2", 0, "{\"_id\": 1}"),
                        json_rec("t2", 1, "{\"_id\": 1}")};
    ok(put(&t, a, 5, &err) == 0, "records of two topics write");
    is_int(count("t1", "{}"), 3, "an empty collection means the topic's name (3 records over bulks of 2)");
    is_int(count("over", "{}"), 1, "topic.override.t2.collection routes t2");
    is_int(t.rep.n, 1, "topic.override.t2.writemodel.strategy=InsertOne makes the repeated _id a duplicate");
    is_str(t.rep.code, "11000", "the report carries the server's code 11000");
    task_stop(&t);

    /* A bulk with duplicate keys and invalid documents, ordered and unordered. */
    for (int ordered = 0; ordered < 2; ordered++) {
        char topic[32];
        snprintf(topic, sizeof topic, "dlq-%s", ordered ? "ordered" : "unordered");
        task_start(&t, topic, &err, "writemodel.strategy", "InsertOneDefaultStrategy", "document.id.strategy",
                   "ProvidedInValueStrategy", "bulk.write.ordered", ordered ? "true" : "false", NULL);
        trib_record *b[] = {json_rec(topic, 0, "{\"_id\": 1}"), json_rec(topic, 1, "{\"_id\": 1}"),
                            json_rec(topic, 2, "{\"_id\": 2, \"$bad\": 1}"), json_rec(topic, 3, "{\"_id\": 3}"),
                            json_rec(topic, 4, "{\"_id\": 2}"), json_rec(topic, 5, "{\"_id\": 3}"),
                            json_rec(topic, 6, "{\"_id\": 4}")};
        ok(put(&t, b, 7, &err) == 0, "%s bulk with 2 duplicates and an invalid document: put succeeds", topic);
        is_int(t.rep.n, 3, "%s: exactly the 3 bad records are reported", topic);
        ok(t.rep.n == 3 && t.rep.offsets[0] == 2 && ((t.rep.offsets[1] == 1 && t.rep.offsets[2] == 5) ||
                                                     (t.rep.offsets[1] == 5 && t.rep.offsets[2] == 1)),
           "%s: the reported offsets are 2 (invalid), 1 and 5 (duplicates)", topic);
        is_int(count(topic, "{}"), 4, "%s: the 4 good records are written", topic);
        if (!ordered) {
            /* a document over 16 MiB fails alone */
            size_t big = 17u * 1024 * 1024;
            char *json = trib_xmalloc(big + 64);
            int n = snprintf(json, 64, "{\"_id\": 9, \"s\": \"");
            memset(json + n, 'x', big);
            strcpy(json + n + big, "\"}");
            trib_record *c[] = {json_rec(topic, 7, json), json_rec(topic, 8, "{\"_id\": 10}")};
            free(json);
            int before = t.rep.n;
            ok(put(&t, c, 2, &err) == 0 && t.rep.n == before + 1, "a document over 16 MiB is reported alone");
            like(t.rep.last, "16 MiB", "the report says why");
            is_int(count(topic, "{\"_id\": 10}"), 1, "and the record after it is written");
        }
        task_stop(&t);
    }
    task_start(&t, "dlq-none", &err, "writemodel.strategy", "InsertOneDefaultStrategy", "document.id.strategy",
               "ProvidedInValueStrategy", NULL);
    t.rep.verdict = -1;
    trib_record *c[] = {json_rec("dlq-none", 0, "{\"_id\": 1}"), json_rec("dlq-none", 1, "{\"_id\": 1}")};
    ok(put(&t, c, 2, &err) < 0 && err.code == TRIB_ERR_FATAL, "errors.tolerance=none: a duplicate fails the task");
    like(err.msg, "11000", "the failure names the server's code");
    task_stop(&t);
}

static void test_offsets(void) {
    task t;
    trib_error err;
    task_start(&t, "offs", &err, NULL);   /* BsonOidStrategy: a fresh id per write */
    trib_topic_partition tp = {.topic = "offs", .partition = 0};
    ok(ops->open(t.impl, &tp, 1, &err) == 0, "open with no stored offsets");
    trib_record *a[] = {row("offs", 0, 1, 1, "a"), row("offs", 1, 2, 2, "b"), row("offs", 2, 3, 3, "c")};
    put(&t, a, 3, &err);
    task_stop(&t);
    is_int(count("__tributary_offsets", "{\"_id\": \"offs|offs|0\", \"next\": 3}"), 1,
           "the offsets collection holds next=3 after the put");
    /* A new task (after a crash): open seeks, and a redelivery writes nothing. */
    task_start(&t, "offs", &err, NULL);
    ok(ops->open(t.impl, &tp, 1, &err) == 0, "open reads the stored offsets");
    size_t nreq = 0;
    trib_sink_request *reqs = trib_sink_task_context_take_requests(t.ctx, &nreq);
    ok(nreq == 1 && reqs[0].kind == TRIB_SINK_REQ_SEEK && reqs[0].tp.offset == 3, "open seeks partition 0 to 3");
    trib_sink_requests_free(reqs, nreq);
    trib_record *b[] = {row("offs", 1, 2, 2, "b"), row("offs", 2, 3, 3, "c"), row("offs", 3, 4, 4, "d")};
    ok(put(&t, b, 3, &err) == 0, "a redelivery from offset 1 is accepted");
    is_int(count("offs", "{}"), 4, "no duplicate document even with BsonOidStrategy: only offset 3 was new");
    trib_topic_partition fl = {.topic = "offs", .partition = 0, .offset = 10};
    ok(ops->flush(t.impl, &fl, 1, &err) == 0, "flush with a position past the records (transforms dropped some)");
    is_int(count("__tributary_offsets", "{\"_id\": \"offs|offs|0\", \"next\": 10}"), 1,
           "flush moves the stored offset to the consumer's position");
    task_stop(&t);

    /* tributary.offsets.collection */
    task_start(&t, "offs2", &err, "tributary.offsets.collection", "my_offsets", NULL);
    trib_topic_partition tp2 = {.topic = "offs2", .partition = 0};
    ops->open(t.impl, &tp2, 1, &err);
    trib_record *c[] = {row("offs2", 5, 1, 1, "a")};
    put(&t, c, 1, &err);
    is_int(count("my_offsets", "{\"_id\": \"offs2|offs2|0\", \"next\": 6}"), 1,
           "tributary.offsets.collection names the offsets collection");
    task_stop(&t);
}

static void test_validation(void) {
    trib_props *p = trib_props_new();
    trib_props_set(p, "name", "v");
    trib_props_set(p, "connector.class", "MongoSink");
    trib_props_set(p, "topics", "a");
    trib_props_set(p, "database", "db");
    trib_props_set(p, "document.id.strategy", "NoSuchStrategy");
    trib_props_set(p, "topic.override.a.bogus.key", "1");
    trib_props_set(p, "delete.on.null.values", "true");
    trib_config_report *r = trib_connector_config_validate(p, NULL, NULL);
    json_t *j = trib_config_report_to_json(r, "MongoSink");
    char *s = json_dumps(j, 0);
    like(s, "unknown id strategy", "an unknown document.id.strategy is an error");
    like(s, "not a topic-level key", "an unknown topic.override key is an error");
    free(s);
    json_decref(j);
    trib_config_report_destroy(r);
    trib_props_set(p, "document.id.strategy", "BsonOidStrategy");
    trib_props_remove(p, "topic.override.a.bogus.key");
    r = trib_connector_config_validate(p, NULL, NULL);
    j = trib_config_report_to_json(r, "MongoSink");
    s = json_dumps(j, 0);
    like(s, "needs a document.id.strategy taken from the key", "delete.on.null.values with BsonOid is refused");
    free(s);
    json_decref(j);
    trib_config_report_destroy(r);

    /* tenants: the URI allow-list */
    trib_props_set(p, "delete.on.null.values", "false");
    trib_props_set(p, "name", "acme/v");
    static const char *const refused[] = {
        "mongodb://h/?tlsCAFile=/etc/ssl/private/ca.pem", "mongodb://h/?tlsCertificateKeyFile=/etc/worker.pem",
        "mongodb://h/?authMechanism=MONGODB-AWS", "mongodb://%2Ftmp%2Fmongodb.sock/", "mongodb://h/?tlsCRLFile=/x",
        "mongodb://u:p@h/?authMechanism=GSSAPI",
    };
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        trib_props_set(p, "connection.uri", refused[i]);
        r = trib_connector_config_validate(p, NULL, NULL);
        ok(trib_config_report_error_count(r) > 0, "a tenant's connection.uri %s is refused", refused[i]);
        trib_config_report_destroy(r);
    }
    trib_props_set(p, "connection.uri", "mongodb://u:p@h1,h2/?replicaSet=rs&tls=true&w=majority&appName=x");
    r = trib_connector_config_validate(p, NULL, NULL);
    char *sum = trib_config_report_summary(r);
    is_int(trib_config_report_error_count(r), 0, "a tenant's plain SCRAM/TLS URI is accepted");
    if (trib_config_report_error_count(r)) diag("%s", sum);
    free(sum);
    trib_config_report_destroy(r);
    trib_props_set(p, "name", "v");
    trib_props_set(p, "connection.uri", "mongodb://h/?tlsCAFile=/etc/ssl/ca.pem");
    r = trib_connector_config_validate(p, NULL, NULL);
    is_int(trib_config_report_error_count(r), 0, "the admin's connector may name a CA file");
    trib_config_report_destroy(r);
    trib_props_set(p, "connection.uri", "http://nope");
    r = trib_connector_config_validate(p, NULL, NULL);
    sum = trib_config_report_summary(r);
    like(sum, "connection.uri", "a URI that is not a MongoDB connection string names connection.uri");
    free(sum);
    trib_config_report_destroy(r);
    trib_props_destroy(p);

    task t;
    trib_error err;
    ok(task_start(&t, "acme/x", &err, "connection.uri", "mongodb://127.0.0.1/?tlsCertificateKeyFile=/etc/k.pem",
                  NULL) < 0 && err.code == TRIB_ERR_FORBIDDEN,
       "a tenant task with a client-file option does not start (FORBIDDEN)");
    like(err.msg, "tlsCertificateKeyFile", "the refusal names the option");
}

/* A tenant's task goes through the outbound policy: the default policy
 * denies loopback (where the test servers are), an allow-list entry lets
 * it through. */
static void test_outbound(void) {
    task t;
    trib_error err;
    trib_outbound_uninstall();
    ok(task_start(&t, "acme/out", &err, NULL) == 0, "a tenant's task starts (addresses are checked on connect)");
    trib_record *a[] = {row("acme.out", 0, 1, 1, "a")};
    int rc = put(&t, a, 1, &err);
    ok(rc < 0 && err.code == TRIB_ERR_FORBIDDEN, "a tenant's write to a loopback MongoDB is FORBIDDEN, not retried");
    like(err.msg, "outbound policy", "the trace names the outbound policy");
    task_stop(&t);
    is_int(count("acme.out", "{}"), 0, "nothing was written");
    trib_props *wp = trib_props_new();
    trib_props_set(wp, "tenant.outbound.allow", "127.0.0.1");
    ok(trib_outbound_install(wp, &err) == 0, "tenant.outbound.allow=127.0.0.1 installed");
    trib_props_destroy(wp);
    task_start(&t, "acme/out", &err, NULL);
    trib_record *b[] = {row("acme.out", 0, 1, 1, "a")};
    rc = put(&t, b, 1, &err);
    if (rc < 0) diag("%s", err.msg);
    ok(rc == 0 && count("acme.out", "{}") == 1, "with 127.0.0.1 allowed the tenant's write lands");
    task_stop(&t);
    trib_outbound_uninstall();
    /* an operator's connector is never restricted */
    task_start(&t, "operator-out", &err, NULL);
    trib_record *c[] = {row("op.out", 0, 1, 1, "a")};
    ok(put(&t, c, 1, &err) == 0, "an operator's connector reaches loopback under the default policy");
    task_stop(&t);
}

/* Stops SecantusDB under a put, starts it again: RETRIABLE while down,
 * and the retried put writes everything once. */
static void test_outage(const char *root) {
    task t;
    trib_error err;
    task_start(&t, "outage", &err, "document.id.strategy", "KafkaMetaDataStrategy", NULL);
    trib_topic_partition tp = {.topic = "outage", .partition = 0};
    ops->open(t.impl, &tp, 1, &err);
    trib_record *a[] = {row("outage", 0, 1, 1, "a")};
    ok(put(&t, a, 1, &err) == 0, "outage: a first write");
    char *cmd = trib_xasprintf("%s/scripts/testenv stop-mongocs >/dev/null 2>&1", root);
    ok(system(cmd) == 0, "SecantusDB stopped");
    free(cmd);
    int rc = 0;
    trib_record *b[] = {json_rec("outage", 1, "not a document"), row("outage", 2, 2, 2, "b"),
                        row("outage", 3, 3, 3, "c")};
    rc = ops->put(t.impl, b, 3, &err);
    ok(rc < 0 && err.code == TRIB_ERR_RETRIABLE, "while MongoDB is down put is RETRIABLE");
    like(err.msg, "mongo:", "the error names MongoDB");
    cmd = trib_xasprintf("%s/scripts/testenv start-mongocs >/dev/null 2>&1", root);
    ok(system(cmd) == 0, "SecantusDB started again");
    free(cmd);
    for (int i = 0; i < 40 && (rc = ops->put(t.impl, b, 3, &err)) < 0; i++) usleep(250000);
    ok(rc == 0, "the retried put succeeds once MongoDB is back");
    is_int(t.rep.n, 1, "the bad record in the retried put was reported once, not once per retry");
    for (size_t i = 0; i < 3; i++) trib_record_destroy(b[i]);
    is_int(count("outage", "{}"), 3, "nothing lost, nothing doubled");
    task_stop(&t);
}

static void run_server(const char *server_url, const char *label, bool secantus, const char *root) {
    url = server_url;
    snprintf(dbname, sizeof dbname, "trib_msink_%s_%d", label, (int)getpid());
    diag("server %s (%s), database %s", label, url, dbname);
    bson_error_t e;
    mongoc_uri_t *u = mongoc_uri_new_with_error(url, &e);
    mongoc_uri_set_option_as_int32(u, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 10000);
    client = mongoc_client_new_from_uri(u);
    mongoc_uri_destroy(u);
    test_types(secantus);
    test_id_strategies();
    test_write_models();
    test_post_processors();
    test_collections_and_bulks();
    test_offsets();
    test_outbound();
    if (secantus) test_outage(root);
    mongoc_database_t *db = mongoc_client_get_database(client, dbname);
    mongoc_database_drop(db, NULL);
    mongoc_database_destroy(db);
    mongoc_client_destroy(client);
    client = NULL;
}

int main(void) {
    const char *ferret = tap_require_env("MONGO_URL");
    const char *cs = tap_require_env("MONGO_CS_URL");
    (void)plan;   /* the count depends on the servers: done_testing */
    mongoc_log_set_handler(quiet_log, NULL);
    mongoc_init();
    ops = trib_mongo_sink_plugin.sink;
    char root[4096];
    snprintf(root, sizeof root, "%s", __FILE__);
    char *cut = strstr(root, "/tests/integration/");
    if (cut) *cut = '\0';
    snprintf(dbname, sizeof dbname, "trib_msink_validation");
    test_validation();
    run_server(ferret, "ferret", false, root);
    run_server(cs, "secantus", true, root);
    done_testing();
    return exit_status();
}
