/*
 * sink.c: MongoSink (com.mongodb.kafka.connect.MongoSinkConnector), the
 * MongoDB sink, config-compatible with the official MongoDB Kafka
 * connector (keys in sink_doc.c, semantics in docs/connectors/mongo.md).
 *
 * put() turns each record into one write (sink_doc.c) and writes them with
 * bulk writes, one per run of records bound for the same collection (at
 * most max.batch.size each), before it returns: the runtime may commit the
 * consumer group's offsets after any put.
 *
 * Where it does better than the official connector:
 *   - MongoDB unreachable (selection, network, election, shutdown errors):
 *     put/flush return RETRIABLE and the runtime retries them with backoff
 *     for as long as it takes; the task stays RUNNING.
 *   - A bulk write error sends exactly the failing records to the error
 *     reporter (the DLQ under errors.tolerance=all or data), with the
 *     server's code and message in the headers __tributary.mongo.error.code
 *     and __tributary.mongo.error.message, and writes the rest (for an
 *     ordered bulk, the writes after the failing one go in a new bulk).
 *   - After every bulk write the next offset of each partition it covered
 *     goes to tributary.offsets.collection in the target database ($max, so
 *     it never moves back); open() reads it and seeks there, and put()
 *     skips records below it. A redelivery after a crash (kill -9 before
 *     the consumer group commit) writes nothing twice, except the records of
 *     the one bulk whose offsets write did not happen: those are written
 *     again, which is idempotent for every id strategy that gives a record
 *     the same id each time (not BsonOidStrategy, UuidStrategy).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "connectors/mongo/sink_doc.h"
#include "worker/connector.h"

#define FAC "connector.mongo"

typedef struct mongo_tp {
    char *topic;
    int32_t partition;
    int64_t next;      /* next offset not yet written; -1: unknown */
    int64_t stored;    /* what the offsets collection holds (as far as we know) */
    int64_t reported;  /* records below this were sent to the error reporter already: a
                          put retried after a transient failure does not report them twice */
    bool loaded;       /* the offsets collection was read for it */
} mongo_tp;

typedef struct mongo_topic {
    mongo_topic_cfg *cfg;
    mongoc_collection_t *coll;
} mongo_topic;

typedef struct pending_op {
    size_t rec;        /* index into the put's records */
    size_t topic;      /* index into s->topics */
    mongo_op op;
} pending_op;

typedef struct mongo_sink {
    trib_config *cfg;
    trib_props *props;
    trib_sink_task_context *tctx;
    char *connector;
    int task_id;
    mongoc_uri_t *uri;
    mongoc_client_t *client;
    const char *database;
    const char *offsets_name;
    mongoc_collection_t *offsets;
    bool ordered;
    bool warned_ordered;   /* the server ignored ordered semantics once (logged) */
    mongo_topic *topics;
    size_t ntopics;
    mongo_tp *tps;
    size_t ntps, tps_cap;
    pending_op *ops;
    size_t nops, ops_cap;
    uint64_t written, dead;
} mongo_sink;

static void sink_validate(const trib_props *config, trib_config_report *report) {
    const char *name = trib_props_get(config, "name");
    const char *uri = trib_props_get(config, "connection.uri");
    if (uri && trib_mongo_is_tenant_name(name)) {
        trib_error e;
        mongoc_uri_t *u = trib_mongo_uri_parse("connection.uri", uri, true, &e);
        if (!u) trib_config_report_error(report, "connection.uri", "%s", e.msg);
        mongoc_uri_destroy(u);
    }
    /* Each override names a known topic-level key; each topic's settings
     * (overrides applied) must hold together. */
    for (size_t i = 0; i < trib_props_count(config); i++) {
        const char *k = trib_props_key_at(config, i);
        if (!trib_str_startswith(k, "topic.override.")) continue;
        const char *rest = k + strlen("topic.override.");
        const char *key = NULL;
        for (const char *d = strchr(rest, '.'); d; d = strchr(d + 1, '.'))
            if (d > rest && trib_mongo_topic_key(d + 1)) {
                key = d + 1;
                break;
            }
        if (!key) {
            trib_config_report_error(report, k,
                                     "not a topic-level key of the MongoDB sink (topic.override.<topic>.<key> takes "
                                     "collection, document.id.strategy..., writemodel.strategy, ...)");
            continue;
        }
        char *topic = trib_xstrndup(rest, (size_t)(key - 1 - rest));
        trib_error e;
        mongo_topic_cfg *t = trib_mongo_topic_cfg_new(config, topic, &e);
        if (!t) trib_config_report_error(report, k, "%s", e.msg);
        trib_mongo_topic_cfg_destroy(t);
        free(topic);
    }
    trib_error e;
    mongo_topic_cfg *t = trib_mongo_topic_cfg_new(config, "", &e);
    if (!t) {
        /* Report the cross-field rule on the key it is about. */
        const char *key = strstr(e.msg, "delete.on.null.values") ? "delete.on.null.values"
                          : strstr(e.msg, "field.renamer.mapping") ? "field.renamer.mapping"
                          : strstr(e.msg, "field.renamer.regexp")  ? "field.renamer.regexp"
                                                                   : "document.id.strategy";
        if (!strstr(e.msg, "Invalid value") && !strstr(e.msg, "Missing required"))
            trib_config_report_error(report, key, "%s", e.msg);
    }
    trib_mongo_topic_cfg_destroy(t);
}

static int sink_task_configs(void *ctx, const trib_props *config, int max_tasks, trib_props ***out, size_t *n,
                             trib_error *err) {
    (void)ctx;
    if (max_tasks < 1) return trib_error_set(err, TRIB_ERR_INVALID, "tasks.max must be at least 1");
    *out = trib_xmalloc((size_t)max_tasks * sizeof **out);
    for (int i = 0; i < max_tasks; i++) (*out)[i] = config ? trib_props_clone(config) : trib_props_new();
    *n = (size_t)max_tasks;
    return 0;
}

/* ---- partitions and topics ------------------------------------------------------ */

static mongo_tp *tp_get(mongo_sink *s, const char *topic, int32_t partition) {
    for (size_t i = 0; i < s->ntps; i++)
        if (s->tps[i].partition == partition && strcmp(s->tps[i].topic, topic) == 0) return &s->tps[i];
    if (s->ntps == s->tps_cap) {
        s->tps_cap = s->tps_cap ? s->tps_cap * 2 : 16;
        s->tps = trib_xrealloc(s->tps, s->tps_cap * sizeof *s->tps);
    }
    s->tps[s->ntps] =
        (mongo_tp){.topic = trib_xstrdup(topic), .partition = partition, .next = -1, .stored = -1, .reported = -1};
    return &s->tps[s->ntps++];
}

static char *offset_id(const mongo_sink *s, const char *topic, int32_t partition) {
    return trib_xasprintf("%s|%s|%d", s->connector, topic, partition);
}

static int topic_index(mongo_sink *s, const char *topic, trib_error *err) {
    for (size_t i = 0; i < s->ntopics; i++)
        if (strcmp(s->topics[i].cfg->topic, topic) == 0) return (int)i;
    mongo_topic_cfg *c = trib_mongo_topic_cfg_new(s->props, topic, err);
    if (!c) {
        if (err) err->code = TRIB_ERR_FATAL;
        return -1;
    }
    s->topics = trib_xrealloc(s->topics, (s->ntopics + 1) * sizeof *s->topics);
    s->topics[s->ntopics] = (mongo_topic){.cfg = c,
                                          .coll = mongoc_client_get_collection(s->client, s->database, c->collection)};
    return (int)s->ntopics++;
}

/* ---- offsets collection --------------------------------------------------------- */

/* Reads the stored offsets of every partition not loaded yet. */
static int load_offsets(mongo_sink *s, trib_error *err) {
    bson_t filter = BSON_INITIALIZER, in, arr;
    size_t want = 0;
    BSON_APPEND_DOCUMENT_BEGIN(&filter, "_id", &in);
    BSON_APPEND_ARRAY_BEGIN(&in, "$in", &arr);
    for (size_t i = 0; i < s->ntps; i++) {
        if (s->tps[i].loaded) continue;
        char *id = offset_id(s, s->tps[i].topic, s->tps[i].partition);
        char k[16];
        const char *kp;
        bson_uint32_to_string((uint32_t)want++, &kp, k, sizeof k);
        bson_append_utf8(&arr, kp, -1, id, -1);
        free(id);
    }
    bson_append_array_end(&in, &arr);
    bson_append_document_end(&filter, &in);
    if (want == 0) {
        bson_destroy(&filter);
        return 0;
    }
    mongoc_cursor_t *cur = mongoc_collection_find_with_opts(s->offsets, &filter, NULL, NULL);
    const bson_t *doc;
    while (mongoc_cursor_next(cur, &doc)) {
        bson_iter_t it;
        const char *topic = NULL;
        int32_t part = -1;
        int64_t next = -1;
        if (bson_iter_init_find(&it, doc, "topic") && BSON_ITER_HOLDS_UTF8(&it)) topic = bson_iter_utf8(&it, NULL);
        if (bson_iter_init_find(&it, doc, "partition") && BSON_ITER_HOLDS_NUMBER(&it))
            part = (int32_t)bson_iter_as_int64(&it);
        if (bson_iter_init_find(&it, doc, "next") && BSON_ITER_HOLDS_NUMBER(&it)) next = bson_iter_as_int64(&it);
        if (!topic || part < 0) continue;
        for (size_t i = 0; i < s->ntps; i++) {
            mongo_tp *tp = &s->tps[i];
            if (tp->loaded || tp->partition != part || strcmp(tp->topic, topic) != 0) continue;
            tp->stored = next;
            if (next > tp->next) tp->next = next;
        }
    }
    bson_error_t e;
    int rc = 0;
    if (mongoc_cursor_error(cur, &e)) rc = trib_mongo_error(err, &e, "reading the offsets collection");
    mongoc_cursor_destroy(cur);
    bson_destroy(&filter);
    if (rc == 0)
        for (size_t i = 0; i < s->ntps; i++) s->tps[i].loaded = true;
    return rc;
}

/* Writes every partition whose next moved past what is stored. */
static int store_offsets(mongo_sink *s, trib_error *err) {
    bson_t opts = BSON_INITIALIZER;
    BSON_APPEND_BOOL(&opts, "ordered", false);
    mongoc_bulk_operation_t *b = mongoc_collection_create_bulk_operation_with_opts(s->offsets, &opts);
    bson_destroy(&opts);
    size_t n = 0;
    bson_t upsert = BSON_INITIALIZER;
    BSON_APPEND_BOOL(&upsert, "upsert", true);
    for (size_t i = 0; i < s->ntps; i++) {
        mongo_tp *tp = &s->tps[i];
        if (tp->next <= tp->stored) continue;
        char *id = offset_id(s, tp->topic, tp->partition);
        bson_t *f = BCON_NEW("_id", BCON_UTF8(id));
        bson_t *u = BCON_NEW("$set", "{", "connector", BCON_UTF8(s->connector), "topic", BCON_UTF8(tp->topic),
                             "partition", BCON_INT32(tp->partition), "}", "$max", "{", "next", BCON_INT64(tp->next),
                             "}");
        mongoc_bulk_operation_update_one_with_opts(b, f, u, &upsert, NULL);
        bson_destroy(f);
        bson_destroy(u);
        free(id);
        n++;
    }
    bson_destroy(&upsert);
    int rc = 0;
    if (n) {
        bson_t reply;
        bson_error_t e;
        if (!mongoc_bulk_operation_execute(b, &reply, &e)) rc = trib_mongo_error(err, &e, "writing offsets");
        bson_destroy(&reply);
        if (rc == 0)
            for (size_t i = 0; i < s->ntps; i++)
                if (s->tps[i].next > s->tps[i].stored) s->tps[i].stored = s->tps[i].next;
    }
    mongoc_bulk_operation_destroy(b);
    return rc;
}

/* ---- bulk writes -------------------------------------------------------------------- */

/* Sends one record to the error reporter, with the server's code and
 * message (code < 0: refused before reaching the server). */
static int report(mongo_sink *s, const trib_record *rec, int32_t code, const char *msg, trib_error *err) {
    trib_record *r = trib_record_clone(rec);   /* raw bytes stay borrowed: valid during put */
    trib_error why;
    /* The dead letter queue copies the headers the record was read with
     * (raw_headers); the server's answer is added to those. */
    trib_header *h = trib_xcalloc(rec->raw_nheaders + 2, sizeof *h);
    if (rec->raw_nheaders) memcpy(h, rec->raw_headers, rec->raw_nheaders * sizeof *h);
    size_t nh = rec->raw_nheaders;
    char c[16];
    if (code >= 0) {
        snprintf(c, sizeof c, "%d", code);
        h[nh++] = (trib_header){"__tributary.mongo.error.code", c, strlen(c)};
        trib_error_set(&why, TRIB_ERR_INVALID, "mongo: write error code %d: %s", code, msg);
    } else {
        trib_error_set(&why, TRIB_ERR_INVALID, "%s", msg);
    }
    h[nh++] = (trib_header){"__tributary.mongo.error.message", (void *)msg, strlen(msg)};
    r->raw_headers = h;
    r->raw_nheaders = nh;
    int rc = trib_sink_task_context_report(s->tctx, r, &why);
    trib_record_destroy(r);
    free(h);
    if (rc != 0)
        return trib_error_set(err, TRIB_ERR_FATAL, "%s (%s-%d@%" PRId64 "; errors.tolerance=none stops the task)",
                              why.msg, rec->topic, rec->partition, rec->kafka_offset);
    s->dead++;
    return 0;
}

static void append_op(mongoc_bulk_operation_t *b, const mongo_op *op) {
    bson_t opts = BSON_INITIALIZER;
    /* sink_doc.c validated the document; the server judges the rest. */
    if (op->kind != MONGO_OP_DELETE) BSON_APPEND_BOOL(&opts, "validate", false);
    if (op->kind == MONGO_OP_REPLACE || op->kind == MONGO_OP_UPDATE) BSON_APPEND_BOOL(&opts, "upsert", op->upsert);
    bson_error_t e;
    switch (op->kind) {
    case MONGO_OP_INSERT: mongoc_bulk_operation_insert_with_opts(b, op->doc, &opts, &e); break;
    case MONGO_OP_REPLACE: mongoc_bulk_operation_replace_one_with_opts(b, op->filter, op->doc, &opts, &e); break;
    case MONGO_OP_UPDATE: mongoc_bulk_operation_update_one_with_opts(b, op->filter, op->doc, &opts, &e); break;
    case MONGO_OP_DELETE: mongoc_bulk_operation_remove_one_with_opts(b, op->filter, &opts, &e); break;
    }
    bson_destroy(&opts);
}

/* Reports the write error the reply holds for op `at` (bulk starting at from). */
static int report_error_at(mongo_sink *s, trib_record *const *recs, const bson_t *reply, size_t from, size_t at,
                           trib_error *err) {
    bson_iter_t it, arr, f;
    int32_t code = -1;
    const char *msg = "(no message)";
    if (bson_iter_init_find(&it, reply, "writeErrors") && bson_iter_recurse(&it, &arr))
        while (bson_iter_next(&arr)) {
            int64_t idx = -1;
            int32_t c = -1;
            const char *m = NULL;
            if (!bson_iter_recurse(&arr, &f)) continue;
            while (bson_iter_next(&f)) {
                if (strcmp(bson_iter_key(&f), "index") == 0) idx = bson_iter_as_int64(&f);
                else if (strcmp(bson_iter_key(&f), "code") == 0) c = (int32_t)bson_iter_as_int64(&f);
                else if (strcmp(bson_iter_key(&f), "errmsg") == 0 && BSON_ITER_HOLDS_UTF8(&f)) m = bson_iter_utf8(&f, NULL);
            }
            if (idx >= 0 && from + (size_t)idx == at) {
                code = c;
                if (m) msg = m;
                break;
            }
        }
    return report(s, recs[s->ops[at].rec], code, msg, err);
}

/* Writes ops [from, to) (one collection) in bulks; reports the failing
 * ones. RETRIABLE when the server could not be reached. */
static int write_run(mongo_sink *s, trib_record *const *recs, size_t from, size_t to, trib_error *err) {
    mongoc_collection_t *coll = s->topics[s->ops[from].topic].coll;
    while (from < to) {
        bson_t opts = BSON_INITIALIZER;
        BSON_APPEND_BOOL(&opts, "ordered", s->ordered);
        mongoc_bulk_operation_t *b = mongoc_collection_create_bulk_operation_with_opts(coll, &opts);
        bson_destroy(&opts);
        for (size_t i = from; i < to; i++) append_op(b, &s->ops[i].op);
        bson_t reply;
        bson_error_t e;
        bool ok = mongoc_bulk_operation_execute(b, &reply, &e);
        mongoc_bulk_operation_destroy(b);
        size_t resume = to;
        int rc = 0;
        if (!ok) {
            bson_iter_t it, arr;
            bool have_errors = bson_iter_init_find(&it, &reply, "writeErrors") && BSON_ITER_HOLDS_ARRAY(&it) &&
                               bson_iter_recurse(&it, &arr) && bson_iter_next(&arr);
            if (!have_errors) {
                rc = trib_mongo_error(err, &e, "bulk write");
                if (bson_iter_init_find(&it, &reply, "writeConcernErrors") && err) err->code = TRIB_ERR_RETRIABLE;
            } else {
                size_t first = to, nerrors = 0;
                do {
                    bson_iter_t f;
                    int64_t idx = -1;
                    int32_t code = -1;
                    const char *msg = "(no message)";
                    if (bson_iter_recurse(&arr, &f))
                        while (bson_iter_next(&f)) {
                            if (strcmp(bson_iter_key(&f), "index") == 0) idx = bson_iter_as_int64(&f);
                            else if (strcmp(bson_iter_key(&f), "code") == 0) code = (int32_t)bson_iter_as_int64(&f);
                            else if (strcmp(bson_iter_key(&f), "errmsg") == 0 && BSON_ITER_HOLDS_UTF8(&f))
                                msg = bson_iter_utf8(&f, NULL);
                        }
                    if (idx < 0 || from + (size_t)idx >= to) continue;
                    size_t op = from + (size_t)idx;
                    nerrors++;
                    /* An ordered bulk stops at its first error: only that
                     * one failed, the writes after it were not attempted
                     * and go in the next bulk. */
                    if (s->ordered) {
                        if (op < first) first = op;
                        continue;
                    }
                    rc = report(s, recs[s->ops[op].rec], code, msg, err);
                } while (rc == 0 && bson_iter_next(&arr));
                if (s->ordered && first < to) {
                    if (nerrors > 1 && !s->warned_ordered) {
                        /* FerretDB v1 does this: it goes on after an error
                         * in an ordered bulk. Writing the rest again is
                         * idempotent for upserts, but InsertOne then sees
                         * its own documents as duplicates. */
                        TRIB_WARN(FAC,
                                  "[%s:%d] the server reported %zu errors for one ordered bulk write: it does not "
                                  "stop at the first error as MongoDB does; use bulk.write.ordered=false with it",
                                  s->connector, s->task_id, nerrors);
                        s->warned_ordered = true;
                    }
                    rc = report_error_at(s, recs, &reply, from, first, err);
                    resume = first + 1;
                }
            }
        }
        bson_destroy(&reply);
        if (rc < 0) return -1;
        s->written += resume - from;
        from = resume;
    }
    return 0;
}

/* Moves each partition's next past records [0, upto) of the put. */
static void advance(mongo_sink *s, trib_record *const *recs, size_t upto) {
    for (size_t i = 0; i < upto; i++) {
        const trib_record *r = recs[i];
        if (r->kafka_offset < 0 || r->partition < 0) continue;
        mongo_tp *tp = tp_get(s, r->topic, r->partition);
        if (r->kafka_offset + 1 > tp->next) tp->next = r->kafka_offset + 1;
    }
}

static void clear_ops(mongo_sink *s) {
    for (size_t i = 0; i < s->nops; i++) trib_mongo_op_clear(&s->ops[i].op);
    s->nops = 0;
}

/* ---- task callbacks ------------------------------------------------------------------ */

static void sink_stop(void *ctx);

static int sink_start(const trib_props *config, trib_sink_task_context *tctx, void **ctx, trib_error *err) {
    trib_config *cfg = trib_config_bind(trib_mongo_sink_config, config, "", err);
    if (!cfg) return -1;
    mongo_sink *s = trib_xcalloc(1, sizeof *s);
    s->cfg = cfg;
    s->props = trib_props_clone(config);
    s->tctx = tctx;
    s->connector = trib_xstrdup(trib_sink_task_context_connector(tctx));
    s->task_id = trib_sink_task_context_task_id(tctx);
    s->database = trib_config_string(cfg, "database");
    s->offsets_name = trib_config_string(cfg, "tributary.offsets.collection");
    s->ordered = trib_config_bool(cfg, "bulk.write.ordered");
    trib_error e;
    trib_error_clear(&e);
    mongo_topic_cfg *probe = trib_mongo_topic_cfg_new(config, "", &e);
    trib_mongo_topic_cfg_destroy(probe);
    if (!probe || !(s->uri = trib_mongo_uri_parse("connection.uri", trib_config_password(cfg, "connection.uri"),
                                                  trib_mongo_is_tenant_name(s->connector), &e)) ||
        !(s->client = trib_mongo_client_new(s->uri, s->connector, &e))) {
        if (err) *err = e;
        if (err && err->code != TRIB_ERR_FORBIDDEN) err->code = TRIB_ERR_INVALID;
        sink_stop(s);
        return -1;
    }
    s->offsets = mongoc_client_get_collection(s->client, s->database, s->offsets_name);
    TRIB_INFO(FAC, "[%s:%d] MongoDB sink started (database %s, bulk.write.ordered=%s)", s->connector, s->task_id,
              s->database, s->ordered ? "true" : "false");
    *ctx = s;
    return 0;
}

static int sink_open(void *ctx, const trib_topic_partition *tps, size_t n, trib_error *err) {
    (void)err;
    mongo_sink *s = ctx;
    for (size_t i = 0; i < n; i++) {
        mongo_tp *tp = tp_get(s, tps[i].topic, tps[i].partition);
        tp->loaded = false;
        tp->next = tp->stored = tp->reported = -1;
    }
    /* One try: while MongoDB is down the task must not fail here; put()
     * loads what is missing (and skips what was written) before writing. */
    trib_error e;
    if (load_offsets(s, &e) < 0) {
        TRIB_WARN(FAC, "[%s:%d] cannot read %s.%s yet (%s); reading it before the first write", s->connector,
                  s->task_id, s->database, s->offsets_name, e.msg);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        mongo_tp *tp = tp_get(s, tps[i].topic, tps[i].partition);
        if (tp->stored < 0) continue;
        TRIB_INFO(FAC, "[%s:%d] %s-%d resumes at offset %" PRId64 " (from %s.%s)", s->connector, s->task_id,
                  tp->topic, tp->partition, tp->stored, s->database, s->offsets_name);
        trib_sink_task_context_seek(s->tctx, tp->topic, tp->partition, tp->stored);
    }
    return 0;
}

static int sink_close(void *ctx, const trib_topic_partition *tps, size_t n, trib_error *err) {
    (void)err;
    mongo_sink *s = ctx;
    for (size_t i = 0; i < n; i++) {
        mongo_tp *tp = tp_get(s, tps[i].topic, tps[i].partition);
        tp->loaded = false;
        tp->next = tp->stored = tp->reported = -1;
    }
    return 0;
}

static int sink_put(void *ctx, trib_record *const *records, size_t n, trib_error *err) {
    mongo_sink *s = ctx;
    bool need_load = false;
    for (size_t i = 0; i < n; i++)
        if (records[i]->kafka_offset >= 0 && !tp_get(s, records[i]->topic, records[i]->partition)->loaded)
            need_load = true;
    if (need_load && load_offsets(s, err) < 0) return -1;

    clear_ops(s);
    for (size_t i = 0; i < n; i++) {
        const trib_record *rec = records[i];
        if (rec->kafka_offset >= 0 && rec->partition >= 0) {
            mongo_tp *tp = tp_get(s, rec->topic, rec->partition);
            if (tp->next >= 0 && rec->kafka_offset < tp->next) continue;   /* written before */
        }
        int ti = topic_index(s, rec->topic, err);
        if (ti < 0) {
            clear_ops(s);
            return -1;
        }
        if (s->nops == s->ops_cap) {
            s->ops_cap = s->ops_cap ? s->ops_cap * 2 : 256;
            s->ops = trib_xrealloc(s->ops, s->ops_cap * sizeof *s->ops);
        }
        pending_op *p = &s->ops[s->nops];
        trib_error e;
        int rc = trib_mongo_build_op(s->topics[ti].cfg, rec, &p->op, &e);
        if (rc < 0) {
            mongo_tp *tp = rec->kafka_offset >= 0 ? tp_get(s, rec->topic, rec->partition) : NULL;
            if (tp && rec->kafka_offset < tp->reported) continue;
            if (report(s, rec, -1, e.msg, err) < 0) {
                clear_ops(s);
                return -1;
            }
            if (tp) tp->reported = rec->kafka_offset + 1;
        }
        if (rc <= 0) continue;
        p->rec = i;
        p->topic = (size_t)ti;
        s->nops++;
    }
    /* Runs of one collection, at most max.batch.size long, in record order. */
    size_t from = 0;
    while (from < s->nops) {
        size_t ti = s->ops[from].topic, to = from + 1;
        int cap = s->topics[ti].cfg->max_batch;
        const char *coll = s->topics[ti].cfg->collection;
        while (to < s->nops && (cap == 0 || to - from < (size_t)cap) &&
               strcmp(s->topics[s->ops[to].topic].cfg->collection, coll) == 0)
            to++;
        if (write_run(s, records, from, to, err) < 0 ||
            (advance(s, records, s->ops[to - 1].rec + 1), store_offsets(s, err) < 0)) {
            clear_ops(s);
            return -1;
        }
        from = to;
    }
    clear_ops(s);
    advance(s, records, n);
    return store_offsets(s, err);
}

static int sink_flush(void *ctx, const trib_topic_partition *offsets, size_t n, trib_error *err) {
    mongo_sink *s = ctx;
    /* Everything below the consumer's position was put (or filtered out by
     * transforms): the stored offset may move there. */
    for (size_t i = 0; i < n; i++) {
        if (offsets[i].offset < 0) continue;
        mongo_tp *tp = tp_get(s, offsets[i].topic, offsets[i].partition);
        if (tp->loaded && offsets[i].offset > tp->next) tp->next = offsets[i].offset;
    }
    return store_offsets(s, err);
}

static void sink_stop(void *ctx) {
    mongo_sink *s = ctx;
    if (!s) return;
    if (s->written || s->dead)
        TRIB_INFO(FAC, "[%s:%d] MongoDB sink stopped: %" PRIu64 " writes, %" PRIu64 " records reported as failed",
                  s->connector, s->task_id, s->written, s->dead);
    clear_ops(s);
    free(s->ops);
    for (size_t i = 0; i < s->ntopics; i++) {
        mongoc_collection_destroy(s->topics[i].coll);
        trib_mongo_topic_cfg_destroy(s->topics[i].cfg);
    }
    free(s->topics);
    for (size_t i = 0; i < s->ntps; i++) free(s->tps[i].topic);
    free(s->tps);
    if (s->offsets) mongoc_collection_destroy(s->offsets);
    if (s->client) mongoc_client_destroy(s->client);
    if (s->uri) mongoc_uri_destroy(s->uri);
    trib_props_destroy(s->props);
    free(s->connector);
    trib_config_destroy(s->cfg);
    free(s);
}

static const trib_sink_task_ops sink_ops = {
    .start = sink_start,
    .open = sink_open,
    .close = sink_close,
    .put = sink_put,
    .flush = sink_flush,
    .stop = sink_stop,
};

const trib_connector_plugin trib_mongo_sink_plugin = {
    .class_name = "com.mongodb.kafka.connect.MongoSinkConnector",
    .alias = "MongoSink",
    .version = "1.0.0",
    .kind = TRIB_CONNECTOR_SINK,
    .doc = "Writes records to MongoDB collections with bulk writes; configs of the official MongoDB Kafka "
           "connector; offsets kept in the target database.",
    .config = trib_mongo_sink_config,
    .validate = sink_validate,
    .task_configs = sink_task_configs,
    .sink = &sink_ops,
};
