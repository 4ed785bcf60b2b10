/*
 * source.c: MongoSource (com.mongodb.kafka.connect.MongoSourceConnector),
 * the MongoDB source, config-compatible with the official MongoDB Kafka
 * connector. One task.
 *
 * mode=change_streams (the default): a change stream on the deployment, a
 * database or a collection (database / collection empty = wider scope).
 * Each event is a record whose source offset is {"_id": <resume token as
 * JSON>}; a restart resumes after the last committed token (startAfter), so
 * nothing is skipped and only the uncommitted tail repeats (none with
 * exactly.once.source.support, where offsets commit with the records).
 * Without a stored offset startup.mode decides: latest, timestamp
 * (startAtOperationTime), or copy_existing (the collections' documents as
 * "insert" events, then the stream from the operation time taken before the
 * copy; a restart during the copy copies again).
 *
 * A resume token the server no longer has (codes 260, 280, 286, or a
 * "resume token ... not found" message) is never a silent gap: by default
 * the task FAILS with a trace saying so and naming both ways out, which
 * startup.mode.on.lost.resume.token selects: latest (go on from now,
 * losing what happened meanwhile) or copy_existing (copy the collections
 * again, then stream).
 *
 * mode=polling: for servers without change streams (FerretDB): documents
 * of one collection in the order of polling.field then _id, read after the
 * last (field, _id) pair seen, as the PostgreSQL source's incrementing and
 * timestamp modes do. Updates are seen only when they raise the field;
 * deletes are not seen.
 */
#include <inttypes.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "common/time.h"
#include "common/util.h"
#include "connectors/mongo/mongo_internal.h"
#include "worker/connector.h"

#define FAC "connector.mongo"

static const char *const modes[] = {"change_streams", "polling", NULL};
static const char *const full_doc[] = {"default", "updateLookup", "whenAvailable", "required", NULL};
static const char *const startup_modes[] = {"latest", "timestamp", "copy_existing", NULL};
static const char *const lost_modes[] = {"fail", "latest", "copy_existing", NULL};
static const char *const formats[] = {"json", "schema", NULL};

static int v_json_array(const trib_config_def *d, const char *v, trib_error *err) {
    (void)d;
    json_error_t je;
    json_t *j = json_loads(v, 0, &je);
    bool ok = j && json_is_array(j);
    json_decref(j);
    return ok ? 0 : trib_error_set(err, TRIB_ERR_INVALID, "must be a JSON array of pipeline stages");
}

static int v_json_object(const trib_config_def *d, const char *v, trib_error *err) {
    (void)d;
    if (!*v) return 0;
    json_error_t je;
    json_t *j = json_loads(v, 0, &je);
    bool ok = j && json_is_object(j);
    const char *k;
    json_t *x;
    if (ok) json_object_foreach(j, k, x) if (!json_is_string(x)) ok = false;
    json_decref(j);
    return ok ? 0 : trib_error_set(err, TRIB_ERR_INVALID, "must be a JSON object of namespace -> topic strings");
}

static int v_regex(const trib_config_def *d, const char *v, trib_error *err) {
    (void)d;
    regex_t re;
    if (regcomp(&re, v, REG_EXTENDED | REG_NOSUB) != 0)
        return trib_error_set(err, TRIB_ERR_INVALID, "not a valid (POSIX extended) regular expression");
    regfree(&re);
    return 0;
}

#define C "Connection"
#define S "Change stream"
#define O "Output"
#define P "Polling"

static const trib_config_def source_config[] = {
    {.name = "connection.uri", .type = TRIB_CFG_PASSWORD, .default_value = "mongodb://localhost:27017",
     .importance = TRIB_IMP_HIGH, .group = C, .validate = trib_mongo_validate_uri,
     .doc = "MongoDB connection string. For tenants only the options in docs/tenants.md are allowed."},
    {.name = "database", .type = TRIB_CFG_STRING, .default_value = "", .importance = TRIB_IMP_MEDIUM, .group = C,
     .doc = "Database to watch; empty: every database."},
    {.name = "collection", .type = TRIB_CFG_STRING, .default_value = "", .importance = TRIB_IMP_MEDIUM, .group = C,
     .doc = "Collection to watch; empty: every collection of the database."},
    {.name = "mode", .type = TRIB_CFG_STRING, .default_value = "change_streams", .importance = TRIB_IMP_MEDIUM,
     .group = C, .one_of = modes,
     .doc = "change_streams, or polling for servers without change streams (needs database, collection and "
            "polling.field)."},
    {.name = "pipeline", .type = TRIB_CFG_STRING, .default_value = "[]", .importance = TRIB_IMP_MEDIUM, .group = S,
     .validate = v_json_array, .doc = "Aggregation stages applied to the change stream (JSON array)."},
    {.name = "publish.full.document.only", .type = TRIB_CFG_BOOLEAN, .default_value = "false",
     .importance = TRIB_IMP_MEDIUM, .group = S,
     .doc = "Publish only the fullDocument (implies change.stream.full.document=updateLookup); events without one "
            "(deletes) are skipped."},
    {.name = "change.stream.full.document", .type = TRIB_CFG_STRING, .default_value = "default",
     .importance = TRIB_IMP_LOW, .group = S, .one_of = full_doc,
     .doc = "fullDocument option of the stream: default, updateLookup, whenAvailable, required."},
    {.name = "startup.mode", .type = TRIB_CFG_STRING, .default_value = "latest", .importance = TRIB_IMP_MEDIUM,
     .group = S, .one_of = startup_modes,
     .doc = "Where to start without a stored offset: latest, timestamp "
            "(startup.mode.timestamp.start.at.operation.time) or copy_existing."},
    {.name = "startup.mode.timestamp.start.at.operation.time", .type = TRIB_CFG_LONG, .default_value = "0",
     .importance = TRIB_IMP_LOW, .group = S, .has_min = true, .min = 0,
     .doc = "startup.mode=timestamp: seconds since the epoch (0: the oldest the server has)."},
    {.name = "startup.mode.copy.existing.namespace.regex", .type = TRIB_CFG_STRING, .default_value = "",
     .importance = TRIB_IMP_LOW, .group = S, .validate = v_regex,
     .doc = "copy_existing: only namespaces (db.coll) matching this POSIX extended regex; empty: all in scope."},
    {.name = "startup.mode.copy.existing.pipeline", .type = TRIB_CFG_STRING, .default_value = "[]",
     .importance = TRIB_IMP_LOW, .group = S, .validate = v_json_array,
     .doc = "copy_existing: aggregation stages applied to each collection's documents."},
    {.name = "startup.mode.on.lost.resume.token", .type = TRIB_CFG_STRING, .default_value = "fail",
     .importance = TRIB_IMP_MEDIUM, .group = S, .one_of = lost_modes,
     .doc = "When the server no longer has the stored resume token: fail (the task FAILS saying so), latest "
            "(continue from now: events in between are lost, logged as such), copy_existing (copy the collections "
            "again, then stream)."},
    {.name = "poll.await.time.ms", .type = TRIB_CFG_INT, .default_value = "5000", .importance = TRIB_IMP_LOW,
     .group = S, .has_min = true, .min = 1, .doc = "How long one poll waits for new events."},
    {.name = "poll.max.batch.size", .type = TRIB_CFG_INT, .default_value = "1000", .importance = TRIB_IMP_LOW,
     .group = S, .has_min = true, .min = 1, .doc = "Most records one poll returns."},
    {.name = "topic.prefix", .type = TRIB_CFG_STRING, .default_value = "", .importance = TRIB_IMP_MEDIUM, .group = O,
     .doc = "Topic = prefix.db.coll.suffix (parts joined with '.', empty parts left out)."},
    {.name = "topic.suffix", .type = TRIB_CFG_STRING, .default_value = "", .importance = TRIB_IMP_LOW, .group = O,
     .doc = "See topic.prefix."},
    {.name = "topic.namespace.map", .type = TRIB_CFG_STRING, .default_value = "", .importance = TRIB_IMP_LOW,
     .group = O, .validate = v_json_object,
     .doc = "JSON object: \"db.coll\" or \"db\" (or \"*\") -> topic; the most specific entry wins over "
            "topic.prefix/suffix."},
    {.name = "output.format.key", .type = TRIB_CFG_STRING, .default_value = "json", .importance = TRIB_IMP_MEDIUM,
     .group = O, .one_of = formats,
     .doc = "json: the key (documentKey) as extended JSON text; schema: a struct with an inferred schema."},
    {.name = "output.format.value", .type = TRIB_CFG_STRING, .default_value = "json",
     .importance = TRIB_IMP_MEDIUM, .group = O, .one_of = formats,
     .doc = "json: the event (or full document) as extended JSON text; schema: a struct with an inferred schema."},
    {.name = "heartbeat.interval.ms", .type = TRIB_CFG_INT, .default_value = "0", .importance = TRIB_IMP_LOW,
     .group = O, .has_min = true, .min = 0,
     .doc = "Without events for this long, a heartbeat record (the current resume token) goes to "
            "heartbeat.topic.name, so the stored token keeps up with the server's history (0: none)."},
    {.name = "heartbeat.topic.name", .type = TRIB_CFG_STRING, .default_value = "__mongodb_heartbeats",
     .importance = TRIB_IMP_LOW, .group = O, .non_empty = true, .doc = "Topic of the heartbeats."},
    {.name = "offset.partition.name", .type = TRIB_CFG_STRING, .default_value = "", .importance = TRIB_IMP_LOW,
     .group = O, .doc = "Source partition name for the offsets (default: the watched namespace)."},
    {.name = "polling.field", .type = TRIB_CFG_STRING, .default_value = "", .importance = TRIB_IMP_MEDIUM,
     .group = P, .doc = "mode=polling: an incrementing or timestamp field; documents are read in its order."},
    {.name = "polling.interval.ms", .type = TRIB_CFG_INT, .default_value = "1000", .importance = TRIB_IMP_LOW,
     .group = P, .has_min = true, .min = 10, .doc = "mode=polling: wait between queries that found nothing."},
    TRIB_CONFIG_END,
};

typedef struct mongo_source {
    trib_config *cfg;
    trib_source_task_context *tctx;
    char *connector;
    int task_id;
    mongoc_uri_t *uri;
    mongoc_client_t *client;
    const char *db, *coll;
    bool polling;
    bson_t *pipeline;             /* {"pipeline": [...]} */
    bson_t *copy_pipeline;
    const char *full_document;
    bool full_only;
    const char *startup;
    const char *on_lost;
    int await_ms, max_batch;
    const char *prefix, *suffix;
    json_t *ns_map;
    bool key_schema, value_schema;
    int heartbeat_ms;
    const char *heartbeat_topic;
    json_t *partition;
    regex_t ns_re;
    bool has_ns_re;
    /* change streams */
    mongoc_change_stream_t *stream;
    bson_t *token;                /* last token handed out (resume point), NULL: none */
    bson_t *start_at;             /* {"t":..,"i":..} timestamp to start at, or NULL */
    bool started;
    int64_t last_record_ms;
    /* copy_existing */
    bool copying;
    char **copy_ns;               /* "db.coll" still to copy */
    size_t ncopy, copy_at;
    mongoc_cursor_t *copy_cur;
    /* polling */
    const char *poll_field;
    int poll_interval_ms;
    bson_t *poll_last;            /* {"f": v, "_id": id} of the last document, or NULL */
} mongo_source;

/* ---- helpers ------------------------------------------------------------------- */

static bson_t *json_to_bson_wrapped(const char *key, const char *json_array) {
    char *wrapped = trib_xasprintf("{\"%s\": %s}", key, json_array);
    bson_t *b = bson_new_from_json((const uint8_t *)wrapped, -1, NULL);
    free(wrapped);
    return b ? b : bson_new();
}

static char *topic_for(const mongo_source *s, const char *db, const char *coll) {
    if (s->ns_map) {
        char *full = coll ? trib_xasprintf("%s.%s", db, coll) : trib_xstrdup(db);
        const char *t = json_string_value(json_object_get(s->ns_map, full));
        if (!t) t = json_string_value(json_object_get(s->ns_map, db));
        if (!t) t = json_string_value(json_object_get(s->ns_map, "*"));
        free(full);
        if (t) return trib_xstrdup(t);
    }
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    const char *parts[] = {s->prefix, db, coll, s->suffix};
    for (size_t i = 0; i < 4; i++) {
        if (!parts[i] || !*parts[i]) continue;
        if (sb.len) trib_strbuf_putc(&sb, '.');
        trib_strbuf_puts(&sb, parts[i]);
    }
    return trib_strbuf_take(&sb);
}

/* Sets key or value of r from doc in the configured format. */
static int set_doc(trib_record *r, const bson_t *doc, bool schema, bool key, trib_error *err) {
    trib_schema *sc = NULL;
    trib_value *v = NULL;
    if (!doc) {
        if (key) trib_record_set_key_take(r, NULL, NULL);
        else trib_record_set_value_take(r, NULL, NULL);
        return 0;
    }
    if (schema) {
        if (trib_mongo_doc_to_struct(doc, &sc, &v, err) < 0) return -1;
    } else {
        v = trib_value_string_take(trib_mongo_doc_to_json(doc));
        sc = trib_schema_primitive(TRIB_STRING, true);
    }
    if (key) trib_record_set_key_take(r, sc, v);
    else trib_record_set_value_take(r, sc, v);
    return 0;
}

static json_t *token_offset(const bson_t *token, bool copying) {
    char *j = trib_mongo_doc_to_json(token);
    json_t *o = json_pack("{s:s}", "_id", j);
    free(j);
    if (copying) json_object_set_new(o, "copy", json_string("true"));
    return o;
}

/* A document inside doc, or NULL (borrowed view in *out). */
static bool sub_doc(const bson_t *doc, const char *key, bson_t *out) {
    bson_iter_t it;
    uint32_t len;
    const uint8_t *data;
    if (!bson_iter_init_find(&it, doc, key) || !BSON_ITER_HOLDS_DOCUMENT(&it)) return false;
    bson_iter_document(&it, &len, &data);
    return bson_init_static(out, data, len);
}

static const char *sub_utf8(const bson_t *doc, const char *path) {
    bson_iter_t it, d;
    if (!bson_iter_init(&it, doc) || !bson_iter_find_descendant(&it, path, &d) || !BSON_ITER_HOLDS_UTF8(&d))
        return NULL;
    return bson_iter_utf8(&d, NULL);
}

/* ---- change streams ---------------------------------------------------------------- */

bool trib_mongo_lost_resume_token(const bson_error_t *e, const bson_t *reply) {
    if (e->code == 260 || e->code == 280 || e->code == 286) return true;
    if (strcasestr(e->message, "resume token") && strcasestr(e->message, "not found")) return true;
    if (strcasestr(e->message, "ChangeStreamHistoryLost")) return true;
    bson_iter_t it;
    if (reply && bson_iter_init_find(&it, reply, "codeName") && BSON_ITER_HOLDS_UTF8(&it) &&
        strcmp(bson_iter_utf8(&it, NULL), "ChangeStreamHistoryLost") == 0)
        return true;
    return false;
}

/* The server's current operation time, for copy_existing's hand-over. */
static int operation_time(mongo_source *s, bson_t **out, trib_error *err) {
    bson_t reply;
    bson_error_t e;
    bson_t *cmd = BCON_NEW("ping", BCON_INT32(1));
    bool ok = mongoc_client_command_simple(s->client, "admin", cmd, NULL, &reply, &e);
    bson_destroy(cmd);
    if (!ok) {
        bson_destroy(&reply);
        return trib_mongo_error(err, &e, "ping");
    }
    bson_iter_t it;
    uint32_t t = 0, i = 0;
    if (bson_iter_init_find(&it, &reply, "operationTime") && BSON_ITER_HOLDS_TIMESTAMP(&it))
        bson_iter_timestamp(&it, &t, &i);
    bson_destroy(&reply);
    if (t == 0)
        return trib_error_set(err, TRIB_ERR_FATAL,
                              "mongo: the server reports no operationTime: it is not a replica set, so it has no "
                              "change streams (use mode=polling)");
    *out = bson_new();
    bson_append_timestamp(*out, "t", 1, t, i);
    return 0;
}

static void free_copy(mongo_source *s) {
    if (s->copy_cur) mongoc_cursor_destroy(s->copy_cur);
    s->copy_cur = NULL;
    trib_strv_free(s->copy_ns);
    s->copy_ns = NULL;
    s->ncopy = s->copy_at = 0;
    s->copying = false;
}

static void add_ns(mongo_source *s, const char *db, const char *coll, size_t *cap) {
    char *ns = trib_xasprintf("%s.%s", db, coll);
    if (strncmp(coll, "system.", 7) == 0 || (s->has_ns_re && regexec(&s->ns_re, ns, 0, NULL, 0) != 0)) {
        free(ns);
        return;
    }
    if (s->ncopy + 2 > *cap) s->copy_ns = trib_xrealloc(s->copy_ns, (*cap = *cap * 2 + 8) * sizeof *s->copy_ns);
    s->copy_ns[s->ncopy++] = ns;
    s->copy_ns[s->ncopy] = NULL;
}

/* Lists the namespaces to copy and takes the operation time to stream from. */
static int begin_copy(mongo_source *s, trib_error *err) {
    free_copy(s);
    if (s->start_at) bson_destroy(s->start_at);
    s->start_at = NULL;
    if (operation_time(s, &s->start_at, err) < 0) return -1;
    size_t cap = 0;
    s->copy_ns = trib_xcalloc(1, sizeof *s->copy_ns);
    bson_error_t e;
    char **dbs = NULL;
    if (*s->db) {
        dbs = trib_xcalloc(2, sizeof *dbs);
        dbs[0] = trib_xstrdup(s->db);
    } else {
        char **names = mongoc_client_get_database_names_with_opts(s->client, NULL, &e);
        if (!names) return trib_mongo_error(err, &e, "listing databases");
        size_t n = 0;
        while (names[n]) n++;
        dbs = trib_xcalloc(n + 1, sizeof *dbs);
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (strcmp(names[i], "admin") && strcmp(names[i], "local") && strcmp(names[i], "config"))
                dbs[k++] = trib_xstrdup(names[i]);
        bson_strfreev(names);
    }
    int rc = 0;
    for (size_t d = 0; dbs[d] && rc == 0; d++) {
        if (*s->coll) {
            add_ns(s, dbs[d], s->coll, &cap);
            continue;
        }
        mongoc_database_t *db = mongoc_client_get_database(s->client, dbs[d]);
        char **colls = mongoc_database_get_collection_names_with_opts(db, NULL, &e);
        mongoc_database_destroy(db);
        if (!colls) {
            rc = trib_mongo_error(err, &e, "listing collections");
            break;
        }
        for (size_t i = 0; colls[i]; i++) add_ns(s, dbs[d], colls[i], &cap);
        bson_strfreev(colls);
    }
    trib_strv_free(dbs);
    if (rc < 0) return -1;
    s->copying = true;
    TRIB_INFO(FAC, "[%s:%d] copying %zu collection(s), then streaming from the copy's start", s->connector,
              s->task_id, s->ncopy);
    return 0;
}

/* One copied document as an "insert" event, like the official connector's
 * copy: _id {_id, copyingData: true}. */
static int copy_record(mongo_source *s, const char *ns, const bson_t *doc, trib_record_batch *out, trib_error *err) {
    const char *dot = strchr(ns, '.');
    char *db = trib_xstrndup(ns, (size_t)(dot - ns));
    const char *coll = dot + 1;
    bson_iter_t id;
    bson_t ev = BSON_INITIALIZER, sub, key = BSON_INITIALIZER;
    bool has_id = bson_iter_init_find(&id, doc, "_id");
    BSON_APPEND_DOCUMENT_BEGIN(&ev, "_id", &sub);
    if (has_id) bson_append_iter(&sub, "_id", 3, &id);
    BSON_APPEND_BOOL(&sub, "copyingData", true);
    bson_append_document_end(&ev, &sub);
    BSON_APPEND_UTF8(&ev, "operationType", "insert");
    BSON_APPEND_DOCUMENT_BEGIN(&ev, "ns", &sub);
    BSON_APPEND_UTF8(&sub, "db", db);
    BSON_APPEND_UTF8(&sub, "coll", coll);
    bson_append_document_end(&ev, &sub);
    if (has_id) bson_append_iter(&key, "_id", 3, &id);
    BSON_APPEND_DOCUMENT(&ev, "documentKey", &key);
    BSON_APPEND_DOCUMENT(&ev, "fullDocument", doc);
    char *topic = topic_for(s, db, coll);
    trib_record *r = trib_record_new(topic);
    free(topic);
    free(db);
    int rc = set_doc(r, &key, s->key_schema, true, err);
    if (rc == 0) rc = set_doc(r, s->full_only ? doc : &ev, s->value_schema, false, err);
    bson_destroy(&ev);
    bson_destroy(&key);
    if (rc < 0) {
        trib_record_destroy(r);
        return -1;
    }
    r->source_partition = json_incref(s->partition);
    /* The stream's start, marked as copying: a restart now copies again. */
    char *j = trib_mongo_doc_to_json(s->start_at);
    r->source_offset = json_pack("{s:s,s:s}", "copy", "true", "startAt", j);
    free(j);
    trib_record_batch_add_take(out, r);
    return 0;
}

static int poll_copy(mongo_source *s, trib_record_batch *out, trib_error *err) {
    const size_t n0 = out->n;
    while (s->copy_at < s->ncopy && out->n - n0 < (size_t)s->max_batch) {
        const char *ns = s->copy_ns[s->copy_at];
        if (!s->copy_cur) {
            const char *dot = strchr(ns, '.');
            char *db = trib_xstrndup(ns, (size_t)(dot - ns));
            mongoc_collection_t *c = mongoc_client_get_collection(s->client, db, dot + 1);
            free(db);
            s->copy_cur = mongoc_collection_aggregate(c, MONGOC_QUERY_NONE, s->copy_pipeline, NULL, NULL);
            mongoc_collection_destroy(c);
        }
        const bson_t *doc;
        bool got = false;
        while (out->n - n0 < (size_t)s->max_batch && mongoc_cursor_next(s->copy_cur, &doc)) {
            got = true;
            if (copy_record(s, ns, doc, out, err) < 0) return -1;
        }
        if (got && out->n - n0 >= (size_t)s->max_batch) return 0;
        bson_error_t e;
        if (mongoc_cursor_error(s->copy_cur, &e)) {
            mongoc_cursor_destroy(s->copy_cur);
            s->copy_cur = NULL;
            /* a collection dropped meanwhile is simply done */
            if (trib_mongo_error_is_transient(&e)) return trib_mongo_error(err, &e, "copying existing documents");
            TRIB_WARN(FAC, "[%s:%d] copying %s: %s", s->connector, s->task_id, ns, e.message);
        }
        if (s->copy_cur) mongoc_cursor_destroy(s->copy_cur);
        s->copy_cur = NULL;
        s->copy_at++;
    }
    if (s->copy_at >= s->ncopy) {
        TRIB_INFO(FAC, "[%s:%d] copy done; streaming changes", s->connector, s->task_id);
        free_copy(s);
    }
    return 0;
}

static int open_stream(mongo_source *s, trib_error *err) {
    bson_t opts = BSON_INITIALIZER;
    const char *fd = s->full_only ? "updateLookup" : s->full_document;
    if (strcasecmp(fd, "default") != 0) BSON_APPEND_UTF8(&opts, "fullDocument", fd);
    BSON_APPEND_INT64(&opts, "maxAwaitTimeMS", s->await_ms < 100 ? s->await_ms : 100);
    BSON_APPEND_INT32(&opts, "batchSize", s->max_batch);
    if (s->token) BSON_APPEND_DOCUMENT(&opts, "startAfter", s->token);
    else if (s->start_at) {
        bson_iter_t it;
        if (bson_iter_init_find(&it, s->start_at, "t")) bson_append_iter(&opts, "startAtOperationTime", -1, &it);
    }
    if (*s->coll) {
        mongoc_collection_t *c = mongoc_client_get_collection(s->client, s->db, s->coll);
        s->stream = mongoc_collection_watch(c, s->pipeline, &opts);
        mongoc_collection_destroy(c);
    } else if (*s->db) {
        mongoc_database_t *d = mongoc_client_get_database(s->client, s->db);
        s->stream = mongoc_database_watch(d, s->pipeline, &opts);
        mongoc_database_destroy(d);
    } else {
        s->stream = mongoc_client_watch(s->client, s->pipeline, &opts);
    }
    bson_destroy(&opts);
    (void)err;
    return 0;
}

static void close_stream(mongo_source *s) {
    if (s->stream) mongoc_change_stream_destroy(s->stream);
    s->stream = NULL;
}

static void set_token(mongo_source *s, const bson_t *token) {
    if (s->token) bson_destroy(s->token);
    s->token = bson_copy(token);
}

/* The stream failed: a lost resume token per on_lost, otherwise retriable
 * (transient) or fatal. */
static int stream_failed(mongo_source *s, const bson_error_t *e, const bson_t *reply, trib_error *err) {
    close_stream(s);
    if (!trib_mongo_lost_resume_token(e, reply)) {
        trib_mongo_error(err, e, "change stream");
        if (err && err->code == TRIB_ERR_FATAL && (e->code == 40573 || e->code == 238 || e->code == 115))
            trib_error_prefix(err, "this server has no change streams (use mode=polling)");
        return -1;
    }
    char *tok = s->token ? trib_mongo_doc_to_json(s->token) : trib_xstrdup("(none)");
    if (strcmp(s->on_lost, "fail") == 0) {
        trib_error_set(err, TRIB_ERR_FATAL,
                       "mongo: the server no longer has the stored resume token %s (%s, code %u): the changes since "
                       "then are gone from its history. Nothing was skipped silently; to go on, set "
                       "startup.mode.on.lost.resume.token=latest (continue from now, losing the changes in between) "
                       "or =copy_existing (copy the collections again, then stream), or reset the connector's "
                       "offsets. Heartbeats (heartbeat.interval.ms) keep the token fresh on quiet streams.",
                       tok, e->message, e->code);
        free(tok);
        return -1;
    }
    TRIB_WARN(FAC,
              "[%s:%d] the server no longer has the resume token %s (%s): CHANGES IN BETWEEN ARE LOST; "
              "startup.mode.on.lost.resume.token=%s",
              s->connector, s->task_id, tok, e->message, s->on_lost);
    free(tok);
    if (s->token) bson_destroy(s->token);
    s->token = NULL;
    if (s->start_at) bson_destroy(s->start_at);
    s->start_at = NULL;
    if (strcmp(s->on_lost, "copy_existing") == 0) return begin_copy(s, err);
    return 0;
}

static int event_record(mongo_source *s, const bson_t *ev, trib_record_batch *out, trib_error *err) {
    bson_t id, ns, key, full;
    if (!sub_doc(ev, "_id", &id)) return 0;
    const char *db = sub_utf8(ev, "ns.db"), *coll = sub_utf8(ev, "ns.coll");
    set_token(s, &id);
    if (!db) {
        TRIB_WARN(FAC, "[%s:%d] an event without ns (operationType %s) is skipped", s->connector, s->task_id,
                  sub_utf8(ev, "operationType") ? sub_utf8(ev, "operationType") : "?");
        return 0;
    }
    (void)ns;
    bool has_full = sub_doc(ev, "fullDocument", &full);
    if (s->full_only && !has_full) return 0;
    char *topic = topic_for(s, db, coll);
    trib_record *r = trib_record_new(topic);
    free(topic);
    bool has_key = sub_doc(ev, "documentKey", &key);
    int rc = set_doc(r, has_key ? &key : NULL, s->key_schema, true, err);
    if (rc == 0) rc = set_doc(r, s->full_only ? &full : ev, s->value_schema, false, err);
    if (rc < 0) {
        trib_record_destroy(r);
        return -1;
    }
    r->source_partition = json_incref(s->partition);
    r->source_offset = token_offset(&id, false);
    trib_record_batch_add_take(out, r);
    return 0;
}

static int poll_stream(mongo_source *s, trib_record_batch *out, trib_error *err) {
    if (!s->stream && open_stream(s, err) < 0) return -1;
    int64_t until = trib_mono_ms() + s->await_ms;
    const bson_t *ev;
    const size_t n0 = out->n;   /* out may hold records already: count ours */
    while (out->n - n0 < (size_t)s->max_batch) {
        if (mongoc_change_stream_next(s->stream, &ev)) {
            if (event_record(s, ev, out, err) < 0) return -1;
            continue;
        }
        bson_error_t e;
        const bson_t *reply;
        if (mongoc_change_stream_error_document(s->stream, &e, &reply)) {
            /* Events already taken are handed out first (the runtime drops
             * the batch of a failed poll, and the token is past them): the
             * next poll opens the stream again and meets the error then. */
            if (out->n > n0) {
                close_stream(s);
                break;
            }
            return stream_failed(s, &e, reply, err);
        }
        if (out->n > n0 || trib_mono_ms() >= until || trib_source_task_context_stopping(s->tctx)) break;
    }
    const bson_t *pbrt = s->stream ? mongoc_change_stream_get_resume_token(s->stream) : NULL;
    if (out->n > n0) {
        s->last_record_ms = trib_mono_ms();
        return 0;
    }
    if (pbrt && !bson_empty(pbrt)) set_token(s, pbrt);
    if (s->heartbeat_ms > 0 && s->token && trib_mono_ms() - s->last_record_ms >= s->heartbeat_ms) {
        trib_record *r = trib_record_new(s->heartbeat_topic);
        char *pj = json_dumps(s->partition, JSON_COMPACT | JSON_SORT_KEYS);
        trib_record_set_key_take(r, trib_schema_primitive(TRIB_STRING, true), trib_value_string_take(pj));
        char *tj = trib_mongo_doc_to_json(s->token);
        trib_record_set_value_take(r, trib_schema_primitive(TRIB_STRING, true), trib_value_string_take(tj));
        r->source_partition = json_incref(s->partition);
        r->source_offset = token_offset(s->token, false);
        json_object_set_new(r->source_offset, "HEARTBEAT", json_string("true"));
        trib_record_batch_add_take(out, r);
        s->last_record_ms = trib_mono_ms();
    }
    return 0;
}

/* ---- polling ---------------------------------------------------------------------- */

static int poll_query(mongo_source *s, trib_record_batch *out, trib_error *err) {
    const size_t n0 = out->n;
    mongoc_collection_t *c = mongoc_client_get_collection(s->client, s->db, s->coll);
    bson_t filter = BSON_INITIALIZER;
    if (s->poll_last) {
        bson_iter_t f, id;
        bson_iter_init_find(&f, s->poll_last, "f");
        bson_iter_init_find(&id, s->poll_last, "_id");
        bson_t or, a, b, gt, gt2;
        BSON_APPEND_ARRAY_BEGIN(&filter, "$or", &or);
        BSON_APPEND_DOCUMENT_BEGIN(&or, "0", &a);
        BSON_APPEND_DOCUMENT_BEGIN(&a, s->poll_field, &gt);
        bson_append_iter(&gt, "$gt", 3, &f);
        bson_append_document_end(&a, &gt);
        bson_append_document_end(&or, &a);
        BSON_APPEND_DOCUMENT_BEGIN(&or, "1", &b);
        bson_append_iter(&b, s->poll_field, -1, &f);
        BSON_APPEND_DOCUMENT_BEGIN(&b, "_id", &gt2);
        bson_append_iter(&gt2, "$gt", 3, &id);
        bson_append_document_end(&b, &gt2);
        bson_append_document_end(&or, &b);
        bson_append_array_end(&filter, &or);
    } else {
        bson_t ex;
        BSON_APPEND_DOCUMENT_BEGIN(&filter, s->poll_field, &ex);
        BSON_APPEND_BOOL(&ex, "$exists", true);
        bson_append_document_end(&filter, &ex);
    }
    bson_t *opts = BCON_NEW("sort", "{", s->poll_field, BCON_INT32(1), "_id", BCON_INT32(1), "}", "limit",
                            BCON_INT64(s->max_batch));
    mongoc_cursor_t *cur = mongoc_collection_find_with_opts(c, &filter, opts, NULL);
    const bson_t *doc;
    int rc = 0;
    while (rc == 0 && mongoc_cursor_next(cur, &doc)) {
        bson_iter_t f, id;
        if (!bson_iter_init_find(&f, doc, s->poll_field) || !bson_iter_init_find(&id, doc, "_id")) continue;
        bson_t *last = bson_new();
        bson_append_iter(last, "f", 1, &f);
        bson_append_iter(last, "_id", 3, &id);
        if (s->poll_last) bson_destroy(s->poll_last);
        s->poll_last = last;
        char *topic = topic_for(s, s->db, s->coll);
        trib_record *r = trib_record_new(topic);
        free(topic);
        bson_t key = BSON_INITIALIZER;
        bson_append_iter(&key, "_id", 3, &id);
        rc = set_doc(r, &key, s->key_schema, true, err);
        bson_destroy(&key);
        if (rc == 0) rc = set_doc(r, doc, s->value_schema, false, err);
        if (rc < 0) {
            trib_record_destroy(r);
            break;
        }
        r->source_partition = json_incref(s->partition);
        char *lj = trib_mongo_doc_to_json(last);
        r->source_offset = json_pack("{s:s}", "last", lj);
        free(lj);
        trib_record_batch_add_take(out, r);
    }
    bson_error_t e;
    if (rc == 0 && mongoc_cursor_error(cur, &e)) rc = trib_mongo_error(err, &e, "polling query");
    mongoc_cursor_destroy(cur);
    bson_destroy(opts);
    bson_destroy(&filter);
    mongoc_collection_destroy(c);
    if (rc == 0 && out->n == n0) {
        int64_t until = trib_mono_ms() + s->poll_interval_ms;
        while (trib_mono_ms() < until && !trib_source_task_context_stopping(s->tctx)) trib_sleep_ms(50);
    }
    return rc;
}

/* ---- task callbacks --------------------------------------------------------------- */

static void source_stop(void *ctx);

/* The stored offset: a resume token, a copy in progress, or a polling position. */
static int restore(mongo_source *s, trib_error *err) {
    json_t *off = trib_source_task_context_offset(s->tctx, s->partition);
    if (!off) {
        if (s->polling) return 0;
        if (strcmp(s->startup, "copy_existing") == 0) return begin_copy(s, err);
        if (strcmp(s->startup, "timestamp") == 0) {
            s->start_at = bson_new();
            bson_append_timestamp(s->start_at, "t", 1,
                                  (uint32_t)trib_config_long(s->cfg, "startup.mode.timestamp.start.at.operation.time"),
                                  trib_config_long(s->cfg, "startup.mode.timestamp.start.at.operation.time") ? 0 : 1);
        }
        return 0;
    }
    int rc = 0;
    const char *last = json_string_value(json_object_get(off, "last"));
    const char *tok = json_string_value(json_object_get(off, "_id"));
    bson_error_t e;
    if (s->polling && last) {
        s->poll_last = bson_new_from_json((const uint8_t *)last, -1, &e);
        if (!s->poll_last) rc = trib_error_set(err, TRIB_ERR_FATAL, "mongo: stored offset unreadable: %s", e.message);
    } else if (json_object_get(off, "copy")) {
        TRIB_INFO(FAC, "[%s:%d] the copy of existing documents was interrupted: copying again", s->connector,
                  s->task_id);
        rc = begin_copy(s, err);
    } else if (tok) {
        s->token = bson_new_from_json((const uint8_t *)tok, -1, &e);
        if (!s->token) rc = trib_error_set(err, TRIB_ERR_FATAL, "mongo: stored resume token unreadable: %s", e.message);
        else TRIB_INFO(FAC, "[%s:%d] resuming after token %s", s->connector, s->task_id, tok);
    }
    json_decref(off);
    return rc;
}

static int source_start(const trib_props *config, trib_source_task_context *tctx, void **ctx, trib_error *err) {
    trib_config *cfg = trib_config_bind(source_config, config, "", err);
    if (!cfg) return -1;
    mongo_source *s = trib_xcalloc(1, sizeof *s);
    s->cfg = cfg;
    s->tctx = tctx;
    s->connector = trib_xstrdup(trib_source_task_context_connector(tctx));
    s->task_id = trib_source_task_context_task_id(tctx);
    s->db = trib_config_string(cfg, "database");
    s->coll = trib_config_string(cfg, "collection");
    s->polling = strcasecmp(trib_config_string(cfg, "mode"), "polling") == 0;
    s->pipeline = json_to_bson_wrapped("pipeline", trib_config_string(cfg, "pipeline"));
    s->copy_pipeline = json_to_bson_wrapped("pipeline", trib_config_string(cfg, "startup.mode.copy.existing.pipeline"));
    s->full_document = trib_config_string(cfg, "change.stream.full.document");
    s->full_only = trib_config_bool(cfg, "publish.full.document.only");
    s->startup = trib_config_string(cfg, "startup.mode");
    s->on_lost = trib_config_string(cfg, "startup.mode.on.lost.resume.token");
    s->await_ms = trib_config_int(cfg, "poll.await.time.ms");
    s->max_batch = trib_config_int(cfg, "poll.max.batch.size");
    s->prefix = trib_config_string(cfg, "topic.prefix");
    s->suffix = trib_config_string(cfg, "topic.suffix");
    const char *map = trib_config_string(cfg, "topic.namespace.map");
    if (*map) s->ns_map = json_loads(map, 0, NULL);
    s->key_schema = strcasecmp(trib_config_string(cfg, "output.format.key"), "schema") == 0;
    s->value_schema = strcasecmp(trib_config_string(cfg, "output.format.value"), "schema") == 0;
    s->heartbeat_ms = trib_config_int(cfg, "heartbeat.interval.ms");
    s->heartbeat_topic = trib_config_string(cfg, "heartbeat.topic.name");
    s->poll_field = trib_config_string(cfg, "polling.field");
    s->poll_interval_ms = trib_config_int(cfg, "polling.interval.ms");
    const char *re = trib_config_string(cfg, "startup.mode.copy.existing.namespace.regex");
    if (*re) s->has_ns_re = regcomp(&s->ns_re, re, REG_EXTENDED | REG_NOSUB) == 0;
    s->last_record_ms = trib_mono_ms();
    const char *pname = trib_config_string(cfg, "offset.partition.name");
    if (*pname) {
        s->partition = json_pack("{s:s}", "ns", pname);
    } else {
        /* the namespace, without credentials: hosts/db[.coll] */
        trib_strbuf sb;
        trib_strbuf_init(&sb);
        trib_strbuf_puts(&sb, "mongodb://");
        s->uri = trib_mongo_uri_parse("connection.uri", trib_config_password(cfg, "connection.uri"), false, NULL);
        for (const mongoc_host_list_t *h = s->uri ? mongoc_uri_get_hosts(s->uri) : NULL; h; h = h->next)
            trib_strbuf_printf(&sb, "%s%s", h == mongoc_uri_get_hosts(s->uri) ? "" : ",", h->host_and_port);
        trib_strbuf_printf(&sb, "/%s%s%s", s->db, *s->coll ? "." : "", s->coll);
        char *ns = trib_strbuf_take(&sb);
        s->partition = json_pack("{s:s}", "ns", ns);
        free(ns);
        if (s->uri) mongoc_uri_destroy(s->uri);
        s->uri = NULL;
    }
    trib_error e;
    trib_error_clear(&e);
    if (s->polling && (!*s->db || !*s->coll || !*s->poll_field)) {
        trib_error_set(&e, TRIB_ERR_INVALID, "mongo: mode=polling needs database, collection and polling.field");
    } else if ((s->uri = trib_mongo_uri_parse("connection.uri", trib_config_password(cfg, "connection.uri"),
                                              trib_mongo_is_tenant_name(s->connector), &e)) != NULL &&
               (s->client = trib_mongo_client_new(s->uri, s->connector, &e)) != NULL) {
        restore(s, &e);
    }
    if (e.code != TRIB_OK) {
        if (err) *err = e;
        source_stop(s);
        return -1;
    }
    TRIB_INFO(FAC, "[%s:%d] MongoDB source started (%s, %s%s%s)", s->connector, s->task_id,
              s->polling ? "polling" : "change stream", *s->db ? s->db : "(all databases)", *s->coll ? "." : "",
              s->coll);
    *ctx = s;
    return 0;
}

static int source_poll(void *ctx, trib_record_batch *out, trib_error *err) {
    mongo_source *s = ctx;
    if (s->polling) return poll_query(s, out, err);
    if (s->copying) return poll_copy(s, out, err);
    return poll_stream(s, out, err);
}

static void source_stop(void *ctx) {
    mongo_source *s = ctx;
    if (!s) return;
    close_stream(s);
    free_copy(s);
    if (s->token) bson_destroy(s->token);
    if (s->start_at) bson_destroy(s->start_at);
    if (s->poll_last) bson_destroy(s->poll_last);
    if (s->pipeline) bson_destroy(s->pipeline);
    if (s->copy_pipeline) bson_destroy(s->copy_pipeline);
    if (s->has_ns_re) regfree(&s->ns_re);
    json_decref(s->ns_map);
    json_decref(s->partition);
    if (s->client) mongoc_client_destroy(s->client);
    if (s->uri) mongoc_uri_destroy(s->uri);
    free(s->connector);
    trib_config_destroy(s->cfg);
    free(s);
}

static void source_validate(const trib_props *config, trib_config_report *report) {
    const char *uri = trib_props_get(config, "connection.uri");
    if (uri && trib_mongo_is_tenant_name(trib_props_get(config, "name"))) {
        trib_error e;
        mongoc_uri_t *u = trib_mongo_uri_parse("connection.uri", uri, true, &e);
        if (!u) trib_config_report_error(report, "connection.uri", "%s", e.msg);
        mongoc_uri_destroy(u);
    }
    if (strcasecmp(trib_props_get_or(config, "mode", "change_streams"), "polling") == 0 &&
        (!*trib_props_get_or(config, "database", "") || !*trib_props_get_or(config, "collection", "") ||
         !*trib_props_get_or(config, "polling.field", "")))
        trib_config_report_error(report, "polling.field", "mode=polling needs database, collection and polling.field");
}

static int source_task_configs(void *ctx, const trib_props *config, int max_tasks, trib_props ***out, size_t *n,
                               trib_error *err) {
    (void)ctx;
    (void)max_tasks;
    (void)err;
    /* One change stream (or one query) per connector: one task. */
    *out = trib_xmalloc(sizeof **out);
    (*out)[0] = config ? trib_props_clone(config) : trib_props_new();
    *n = 1;
    return 0;
}

static const trib_source_task_ops source_ops = {
    .start = source_start,
    .poll = source_poll,
    .stop = source_stop,
};

const trib_connector_plugin trib_mongo_source_plugin = {
    .class_name = "com.mongodb.kafka.connect.MongoSourceConnector",
    .alias = "MongoSource",
    .version = "1.0.0",
    .kind = TRIB_CONNECTOR_SOURCE,
    .doc = "Publishes MongoDB change stream events (or, for servers without change streams, polled documents); "
           "configs of the official MongoDB Kafka connector; resume tokens as offsets.",
    .config = source_config,
    .validate = source_validate,
    .task_configs = source_task_configs,
    .source = &source_ops,
};
