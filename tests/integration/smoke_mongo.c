/*
 * smoke_mongo: proves MONGO_URL is a real MongoDB wire-protocol server
 * (FerretDB v1 in scripts/testenv).
 *
 * Pings the server, inserts documents into a uniquely named collection,
 * counts and finds them back (sorted, and with a range filter), compares
 * every field, then drops the collection.
 */
#include <mongoc/mongoc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/tap.h"

#define N_DOCS 50
#define DB_NAME "tributary_smoke"

static bson_t *make_doc(int i) {
    char name[64], k[16];
    snprintf(name, sizeof name, "doc-%03d \xc3\xa9", i);
    bson_t *d = bson_new();
    BSON_APPEND_INT32(d, "_id", i);
    BSON_APPEND_UTF8(d, "name", name);
    BSON_APPEND_DOUBLE(d, "value", i * 1.5);
    BSON_APPEND_INT64(d, "big", (int64_t)i * 10000000000LL);
    BSON_APPEND_BOOL(d, "even", i % 2 == 0);
    bson_t arr, sub;
    BSON_APPEND_ARRAY_BEGIN(d, "tags", &arr);
    for (int t = 0; t < 3; t++) {
        snprintf(k, sizeof k, "%d", t);
        char tag[16];
        snprintf(tag, sizeof tag, "t%d", i + t);
        bson_append_utf8(&arr, k, -1, tag, -1);
    }
    bson_append_array_end(d, &arr);
    BSON_APPEND_DOCUMENT_BEGIN(d, "nested", &sub);
    BSON_APPEND_UTF8(&sub, "k", "v");
    BSON_APPEND_INT32(&sub, "n", -i);
    bson_append_document_end(d, &sub);
    return d;
}

/* libmongoc logs to stderr; route warnings into the TAP stream as comments.
 * FerretDB v1 has no endSessions command, so the client's shutdown warning
 * about it is expected and dropped. */
static void log_to_diag(mongoc_log_level_t level, const char *domain, const char *message,
                        void *ud) {
    (void)ud;
    if (level > MONGOC_LOG_LEVEL_WARNING) return;
    if (strstr(message, "endSessions")) return;
    diag("mongoc %s [%s]: %s", mongoc_log_level_str(level), domain, message);
}

int main(void) {
    const char *url = tap_require_env("MONGO_URL");
    bson_error_t err;
    char coll_name[128];
    srand((unsigned)(time(NULL) ^ getpid()));
    snprintf(coll_name, sizeof coll_name, "smoke_%ld_%d_%04x", (long)time(NULL), (int)getpid(),
             rand() & 0xffff);
    plan(12);
    diag("server %s, collection %s.%s", url, DB_NAME, coll_name);

    mongoc_log_set_handler(log_to_diag, NULL);
    mongoc_init();
    mongoc_uri_t *uri = mongoc_uri_new_with_error(url, &err);
    if (!uri) diag("uri: %s", err.message);
    ok(uri != NULL, "MONGO_URL parses");
    if (!uri) {
        skip(11, "bad MONGO_URL");
        mongoc_cleanup();
        return exit_status();
    }
    mongoc_uri_set_option_as_int32(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 10000);
    mongoc_client_t *client = mongoc_client_new_from_uri_with_error(uri, &err);
    ok(client != NULL, "client created");
    if (!client) {
        diag("client: %s", err.message);
        skip(10, "no client");
        mongoc_uri_destroy(uri);
        mongoc_cleanup();
        return exit_status();
    }
    mongoc_client_set_appname(client, "tributary-smoke-mongo");

    /* ping */
    bson_t *ping = BCON_NEW("ping", BCON_INT32(1));
    bson_t reply;
    bool pinged = mongoc_client_command_simple(client, "admin", ping, NULL, &reply, &err);
    if (!pinged) diag("ping: %s", err.message);
    ok(pinged, "ping succeeds");
    bson_destroy(&reply);
    bson_destroy(ping);

    /* hello: confirm it is a wire-protocol server that reports itself */
    bson_t *hello = BCON_NEW("buildInfo", BCON_INT32(1));
    bool built = mongoc_client_command_simple(client, "admin", hello, NULL, &reply, &err);
    bson_iter_t it;
    const char *ver = NULL;
    if (built && bson_iter_init_find(&it, &reply, "version") && BSON_ITER_HOLDS_UTF8(&it))
        ver = bson_iter_utf8(&it, NULL);
    ok(built && ver, "buildInfo reports a version (%s)", ver ? ver : "none");
    if (built && bson_iter_init_find(&it, &reply, "ferretdbVersion") && BSON_ITER_HOLDS_UTF8(&it))
        diag("ferretdbVersion %s", bson_iter_utf8(&it, NULL));
    bson_destroy(&reply);
    bson_destroy(hello);

    mongoc_collection_t *coll = mongoc_client_get_collection(client, DB_NAME, coll_name);

    /* insert_many */
    bson_t *docs[N_DOCS];
    for (int i = 0; i < N_DOCS; i++) docs[i] = make_doc(i);
    bool ins = mongoc_collection_insert_many(coll, (const bson_t **)docs, N_DOCS, NULL, &reply, &err);
    if (!ins) diag("insert_many: %s", err.message);
    ok(ins, "insert_many of %d documents", N_DOCS);
    int32_t inserted = -1;
    if (bson_iter_init_find(&it, &reply, "insertedCount")) inserted = bson_iter_int32(&it);
    is_int(inserted, N_DOCS, "insertedCount");
    bson_destroy(&reply);

    /* count */
    bson_t empty = BSON_INITIALIZER;
    int64_t count = mongoc_collection_count_documents(coll, &empty, NULL, NULL, NULL, &err);
    if (count < 0) diag("count: %s", err.message);
    is_int(count, N_DOCS, "count_documents");

    /* find all, sorted by _id, compare each with what was inserted */
    bson_t *opts = BCON_NEW("sort", "{", "_id", BCON_INT32(1), "}");
    mongoc_cursor_t *cur = mongoc_collection_find_with_opts(coll, &empty, opts, NULL);
    const bson_t *got;
    int n = 0, bad = 0;
    while (mongoc_cursor_next(cur, &got)) {
        if (n < N_DOCS && !bson_equal(got, docs[n])) {
            if (bad < 3) {
                char *a = bson_as_canonical_extended_json(got, NULL);
                char *b = bson_as_canonical_extended_json(docs[n], NULL);
                diag("doc %d differs:\n#   got  %s\n#   want %s", n, a, b);
                bson_free(a);
                bson_free(b);
            }
            bad++;
        }
        n++;
    }
    bool cur_err = mongoc_cursor_error(cur, &err);
    if (cur_err) diag("cursor: %s", err.message);
    ok(!cur_err, "find cursor had no error");
    is_int(n, N_DOCS, "find returned %d documents", N_DOCS);
    is_int(bad, 0, "every document reads back identical (same fields, types, order)");
    mongoc_cursor_destroy(cur);
    bson_destroy(opts);

    /* server-side filtering: value >= 30.0 and even == true -> i in 20..48 even */
    bson_t *filter = BCON_NEW("value", "{", "$gte", BCON_DOUBLE(30.0), "}", "even", BCON_BOOL(true));
    count = mongoc_collection_count_documents(coll, filter, NULL, NULL, NULL, &err);
    is_int(count, 15, "filter {value >= 30, even} matches 15 documents");
    bson_destroy(filter);

    /* drop */
    bool dropped = mongoc_collection_drop(coll, &err);
    if (!dropped) diag("drop: %s", err.message);
    ok(dropped, "collection dropped");

    for (int i = 0; i < N_DOCS; i++) bson_destroy(docs[i]);
    bson_destroy(&empty);
    mongoc_collection_destroy(coll);
    mongoc_client_destroy(client);
    mongoc_uri_destroy(uri);
    mongoc_cleanup();
    return exit_status();
}
