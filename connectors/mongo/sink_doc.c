/*
 * sink_doc.c: from one sink record to one MongoDB write, as the official
 * MongoDB Kafka connector does it, so its users keep their configs:
 *
 *   key/value -> documents -> key-side post processors -> document id
 *   (document.id.strategy, added by DocumentIdAdder) -> value-side post
 *   processors -> write model (writemodel.strategy, or the delete model for
 *   a null value when delete.on.null.values is set).
 *
 * Class names are accepted fully qualified or simple
 * ("com.mongodb.kafka.connect.sink.processor.id.strategy.FullKeyStrategy"
 * or "FullKeyStrategy"). Key-side processors (key projections, renames of
 * "key." paths) run before the id is taken, so they shape a FullKeyStrategy
 * id; the official connector runs the whole chain after DocumentIdAdder,
 * where key-side processors change nothing that is written.
 */
#include "connectors/mongo/sink_doc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>

#include "common/time.h"
#include "common/util.h"

#define ID_PKG "com.mongodb.kafka.connect.sink.processor.id.strategy."
#define WM_PKG "com.mongodb.kafka.connect.sink.writemodel.strategy."
#define PP_PKG "com.mongodb.kafka.connect.sink.processor."

static const struct { const char *name; mongo_id_strategy v; } id_names[] = {
    {"BsonOidStrategy", MONGO_ID_BSON_OID},
    {"UuidStrategy", MONGO_ID_UUID},
    {"KafkaMetaDataStrategy", MONGO_ID_KAFKA_META},
    {"FullKeyStrategy", MONGO_ID_FULL_KEY},
    {"ProvidedInKeyStrategy", MONGO_ID_PROVIDED_IN_KEY},
    {"ProvidedInValueStrategy", MONGO_ID_PROVIDED_IN_VALUE},
    {"PartialKeyStrategy", MONGO_ID_PARTIAL_KEY},
    {"PartialValueStrategy", MONGO_ID_PARTIAL_VALUE},
    {"UuidProvidedInKeyStrategy", MONGO_ID_UUID_PROVIDED_IN_KEY},
    {"UuidProvidedInValueStrategy", MONGO_ID_UUID_PROVIDED_IN_VALUE},
    {NULL, 0},
};

static const struct { const char *name; mongo_write_model v; } wm_names[] = {
    {"DefaultWriteModelStrategy", MONGO_WM_REPLACE_ONE_DEFAULT},
    {"ReplaceOneDefaultStrategy", MONGO_WM_REPLACE_ONE_DEFAULT},
    {"InsertOneDefaultStrategy", MONGO_WM_INSERT_ONE},
    {"UpdateOneDefaultStrategy", MONGO_WM_UPDATE_ONE_DEFAULT},
    {"ReplaceOneBusinessKeyStrategy", MONGO_WM_REPLACE_ONE_BUSINESS_KEY},
    {"UpdateOneTimestampsStrategy", MONGO_WM_UPDATE_ONE_TIMESTAMPS},
    {"UpdateOneBusinessKeyTimestampStrategy", MONGO_WM_UPDATE_ONE_BUSINESS_KEY_TS},
    {"DeleteOneDefaultStrategy", MONGO_WM_DELETE_ONE_DEFAULT},
    {"DeleteOneBusinessKeyStrategy", MONGO_WM_DELETE_ONE_BUSINESS_KEY},
    {NULL, 0},
};

static const struct { const char *name; int v; } pp_names[] = {
    {"DocumentIdAdder", -1},
    {"AllowListKeyProjector", MONGO_PP_ALLOW_KEY},
    {"BlockListKeyProjector", MONGO_PP_BLOCK_KEY},
    {"AllowListValueProjector", MONGO_PP_ALLOW_VALUE},
    {"BlockListValueProjector", MONGO_PP_BLOCK_VALUE},
    {"WhitelistKeyProjector", MONGO_PP_ALLOW_KEY},
    {"BlacklistKeyProjector", MONGO_PP_BLOCK_KEY},
    {"WhitelistValueProjector", MONGO_PP_ALLOW_VALUE},
    {"BlacklistValueProjector", MONGO_PP_BLOCK_VALUE},
    {"RenameByMapping", MONGO_PP_RENAME_MAPPING},
    {"RenameByRegExp", MONGO_PP_RENAME_REGEXP},
    {NULL, 0},
};

static const char *simple(const char *cls) {
    const char *d = strrchr(cls, '.');
    return d ? d + 1 : cls;
}

static int id_lookup(const char *cls, mongo_id_strategy *out) {
    for (size_t i = 0; id_names[i].name; i++)
        if (strcmp(simple(cls), id_names[i].name) == 0) {
            if (out) *out = id_names[i].v;
            return 0;
        }
    return -1;
}

static int wm_lookup(const char *cls, mongo_write_model *out) {
    for (size_t i = 0; wm_names[i].name; i++)
        if (strcmp(simple(cls), wm_names[i].name) == 0) {
            if (out) *out = wm_names[i].v;
            return 0;
        }
    return -1;
}

static int pp_lookup(const char *cls, int *out) {
    for (size_t i = 0; pp_names[i].name; i++)
        if (strcmp(simple(cls), pp_names[i].name) == 0) {
            if (out) *out = pp_names[i].v;
            return 0;
        }
    return -1;
}

static int v_id(const trib_config_def *d, const char *v, trib_error *err) {
    (void)d;
    return id_lookup(v, NULL) == 0 ? 0
                                   : trib_error_set(err, TRIB_ERR_INVALID,
                                                    "unknown id strategy (BsonOidStrategy, UuidStrategy, "
                                                    "KafkaMetaDataStrategy, FullKeyStrategy, ProvidedInKeyStrategy, "
                                                    "ProvidedInValueStrategy, PartialKeyStrategy, "
                                                    "PartialValueStrategy, UuidProvidedInKeyStrategy, "
                                                    "UuidProvidedInValueStrategy)");
}

static int v_wm(const trib_config_def *d, const char *v, trib_error *err) {
    (void)d;
    return wm_lookup(v, NULL) == 0 ? 0
                                   : trib_error_set(err, TRIB_ERR_INVALID,
                                                    "unknown write model strategy (DefaultWriteModelStrategy, "
                                                    "InsertOneDefaultStrategy, UpdateOneDefaultStrategy, "
                                                    "ReplaceOneBusinessKeyStrategy, UpdateOneTimestampsStrategy, "
                                                    "UpdateOneBusinessKeyTimestampStrategy, "
                                                    "DeleteOneDefaultStrategy, DeleteOneBusinessKeyStrategy)");
}

static int v_delete_wm(const trib_config_def *d, const char *v, trib_error *err) {
    (void)d;
    mongo_write_model m;
    if (wm_lookup(v, &m) == 0 && (m == MONGO_WM_DELETE_ONE_DEFAULT || m == MONGO_WM_DELETE_ONE_BUSINESS_KEY))
        return 0;
    return trib_error_set(err, TRIB_ERR_INVALID, "must be DeleteOneDefaultStrategy or DeleteOneBusinessKeyStrategy");
}

static int v_chain(const trib_config_def *d, const char *v, trib_error *err) {
    (void)d;
    size_t n;
    char **list = trib_split_list(v, &n);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        if (pp_lookup(list[i], NULL) < 0)
            rc = trib_error_set(err, TRIB_ERR_INVALID,
                                "unknown post processor '%s' (DocumentIdAdder, AllowList/BlockList Key/Value "
                                "Projector, RenameByMapping, RenameByRegExp)",
                                list[i]);
    trib_strv_free(list);
    return rc;
}

static const char *const proj_types[] = {"none", "allowlist", "blocklist", "whitelist", "blacklist", NULL};
static const char *const uuid_formats[] = {"string", "binary", NULL};

#define G "Writes"
#define C "Connection"

static int v_dbname(const trib_config_def *d, const char *v, trib_error *err) {
    (void)d;
    if (strpbrk(v, "/\\. \"$") || strlen(v) > 63)
        return trib_error_set(err, TRIB_ERR_INVALID,
                              "a MongoDB database name has at most 63 characters and none of /\\. \"$");
    return 0;
}

const trib_config_def trib_mongo_sink_config[] = {
    {.name = "connection.uri", .type = TRIB_CFG_PASSWORD, .default_value = "mongodb://localhost:27017",
     .importance = TRIB_IMP_HIGH, .group = C, .validate = trib_mongo_validate_uri,
     .doc = "MongoDB connection string (mongodb:// or mongodb+srv://). Hidden in responses: it may hold a "
            "password. For tenants only the options listed in docs/tenants.md are allowed."},
    {.name = "database", .type = TRIB_CFG_STRING, .importance = TRIB_IMP_HIGH, .group = C, .non_empty = true,
     .validate = v_dbname, .doc = "Database to write to."},
    {.name = "bulk.write.ordered", .type = TRIB_CFG_BOOLEAN, .default_value = "true", .importance = TRIB_IMP_MEDIUM,
     .group = G,
     .doc = "Ordered bulk writes. After a failing write the rest of an ordered bulk is still written (in a new "
            "bulk); unordered bulks let the server write the rest itself."},
    {.name = "tributary.offsets.collection", .type = TRIB_CFG_STRING, .default_value = "__tributary_offsets",
     .importance = TRIB_IMP_MEDIUM, .group = G, .non_empty = true,
     .doc = "Collection in the target database holding each partition's next offset, written after every bulk "
            "write and read when partitions are assigned: a redelivery writes no record twice."},
    {.name = "collection", .type = TRIB_CFG_STRING, .optional = true, .importance = TRIB_IMP_HIGH, .group = G,
     .doc = "Collection to write to; empty: named after the topic."},
    {.name = "document.id.strategy", .type = TRIB_CFG_STRING, .default_value = "BsonOidStrategy",
     .importance = TRIB_IMP_HIGH, .group = G, .validate = v_id,
     .doc = "How the document _id is made: BsonOidStrategy (a fresh ObjectId), UuidStrategy, KafkaMetaDataStrategy "
            "(topic#partition#offset), FullKeyStrategy (the key), ProvidedInKeyStrategy / ProvidedInValueStrategy "
            "(the key's or value's _id), PartialKeyStrategy / PartialValueStrategy (a projection), "
            "UuidProvidedInKeyStrategy / UuidProvidedInValueStrategy (an _id UUID string stored as a binary UUID)."},
    {.name = "document.id.strategy.overwrite.existing", .type = TRIB_CFG_BOOLEAN, .default_value = "false",
     .importance = TRIB_IMP_MEDIUM, .group = G,
     .doc = "Replace an _id the value already has with the strategy's id (default: keep it)."},
    {.name = "document.id.strategy.uuid.format", .type = TRIB_CFG_STRING, .default_value = "string",
     .importance = TRIB_IMP_LOW, .group = G, .one_of = uuid_formats,
     .doc = "UuidStrategy: string (canonical text) or binary (BSON binary subtype 4)."},
    {.name = "document.id.strategy.partial.key.projection.type", .type = TRIB_CFG_STRING, .default_value = "none",
     .importance = TRIB_IMP_LOW, .group = G, .one_of = proj_types,
     .doc = "PartialKeyStrategy: allowlist or blocklist of key fields for the id."},
    {.name = "document.id.strategy.partial.key.projection.list", .type = TRIB_CFG_LIST, .default_value = "",
     .importance = TRIB_IMP_LOW, .group = G, .doc = "PartialKeyStrategy: the fields (dotted paths)."},
    {.name = "document.id.strategy.partial.value.projection.type", .type = TRIB_CFG_STRING,
     .default_value = "none", .importance = TRIB_IMP_LOW, .group = G, .one_of = proj_types,
     .doc = "PartialValueStrategy: allowlist or blocklist of value fields for the id."},
    {.name = "document.id.strategy.partial.value.projection.list", .type = TRIB_CFG_LIST, .default_value = "",
     .importance = TRIB_IMP_LOW, .group = G, .doc = "PartialValueStrategy: the fields (dotted paths)."},
    {.name = "post.processor.chain", .type = TRIB_CFG_LIST,
     .default_value = PP_PKG "DocumentIdAdder", .importance = TRIB_IMP_LOW, .group = G, .validate = v_chain,
     .doc = "Post processors, in order (DocumentIdAdder always runs): AllowListKeyProjector, BlockListKeyProjector, "
            "AllowListValueProjector, BlockListValueProjector (key/value.projection.list), RenameByMapping "
            "(field.renamer.mapping), RenameByRegExp (field.renamer.regexp)."},
    {.name = "key.projection.type", .type = TRIB_CFG_STRING, .default_value = "none", .importance = TRIB_IMP_LOW,
     .group = G, .one_of = proj_types, .doc = "Kept for compatibility; the chain's projector decides the type."},
    {.name = "key.projection.list", .type = TRIB_CFG_LIST, .default_value = "", .importance = TRIB_IMP_LOW,
     .group = G, .doc = "Key fields for the key projectors (dotted paths, * and ** wildcards)."},
    {.name = "value.projection.type", .type = TRIB_CFG_STRING, .default_value = "none", .importance = TRIB_IMP_LOW,
     .group = G, .one_of = proj_types, .doc = "Kept for compatibility; the chain's projector decides the type."},
    {.name = "value.projection.list", .type = TRIB_CFG_LIST, .default_value = "", .importance = TRIB_IMP_LOW,
     .group = G, .doc = "Value fields for the value projectors (dotted paths, * and ** wildcards)."},
    {.name = "field.renamer.mapping", .type = TRIB_CFG_STRING, .default_value = "[]", .importance = TRIB_IMP_LOW,
     .group = G,
     .doc = "RenameByMapping: JSON array of {\"oldName\":\"value.a.b\",\"newName\":\"c\"} (or \"key....\")."},
    {.name = "field.renamer.regexp", .type = TRIB_CFG_STRING, .default_value = "[]", .importance = TRIB_IMP_LOW,
     .group = G,
     .doc = "RenameByRegExp: JSON array of {\"regexp\":\"^value\\\\..*\",\"pattern\":\"_\",\"replace\":\"-\"}: in "
            "each field whose full path matches regexp, matches of pattern in the name are replaced (POSIX "
            "extended regular expressions)."},
    {.name = "writemodel.strategy", .type = TRIB_CFG_STRING, .default_value = "DefaultWriteModelStrategy",
     .importance = TRIB_IMP_HIGH, .group = G, .validate = v_wm,
     .doc = "DefaultWriteModelStrategy (ReplaceOne on _id, upsert), InsertOneDefaultStrategy, "
            "UpdateOneDefaultStrategy ($set, upsert), ReplaceOneBusinessKeyStrategy (filter: the _id document), "
            "UpdateOneTimestampsStrategy (_modifiedTS, _insertedTS), UpdateOneBusinessKeyTimestampStrategy, "
            "DeleteOneDefaultStrategy, DeleteOneBusinessKeyStrategy."},
    {.name = "delete.on.null.values", .type = TRIB_CFG_BOOLEAN, .default_value = "false",
     .importance = TRIB_IMP_MEDIUM, .group = G,
     .doc = "A record with a key and a null value deletes the document with the key's id "
            "(delete.writemodel.strategy); without it such records are skipped."},
    {.name = "delete.writemodel.strategy", .type = TRIB_CFG_STRING, .default_value = "DeleteOneDefaultStrategy",
     .importance = TRIB_IMP_LOW, .group = G, .validate = v_delete_wm,
     .doc = "The delete for null values: DeleteOneDefaultStrategy (filter {_id}) or DeleteOneBusinessKeyStrategy."},
    {.name = "max.batch.size", .type = TRIB_CFG_INT, .default_value = "0", .importance = TRIB_IMP_MEDIUM,
     .group = G, .has_min = true, .min = 0,
     .doc = "Most writes in one bulk write (0: no cap; a bulk also ends where the collection changes)."},
    TRIB_CONFIG_END,
};

/* ---- settings ----------------------------------------------------------------- */

static void proj_set(mongo_projection *p, const char *type, char *const *list) {
    p->type = strcasecmp(type, "allowlist") == 0 || strcasecmp(type, "whitelist") == 0   ? MONGO_PROJ_ALLOW
              : strcasecmp(type, "blocklist") == 0 || strcasecmp(type, "blacklist") == 0 ? MONGO_PROJ_BLOCK
                                                                                         : MONGO_PROJ_NONE;
    size_t n = 0;
    while (list[n]) n++;
    p->paths = trib_xcalloc(n + 1, sizeof *p->paths);
    for (size_t i = 0; i < n; i++) p->paths[i] = trib_xstrdup(list[i]);
}

static void proj_with(mongo_projection *p, mongo_proj_type type, char *const *list) {
    proj_set(p, "none", list);
    p->type = type;
}

static int parse_renames(mongo_topic_cfg *t, const char *json, trib_error *err) {
    json_error_t je;
    json_t *a = json_loads(json, 0, &je);
    if (!a || !json_is_array(a)) {
        json_decref(a);
        return trib_error_set(err, TRIB_ERR_INVALID, "field.renamer.mapping: not a JSON array: %s", je.text);
    }
    t->renames = trib_xcalloc(json_array_size(a) + 1, sizeof *t->renames);
    size_t i;
    json_t *e;
    json_array_foreach(a, i, e) {
        const char *o = json_string_value(json_object_get(e, "oldName"));
        const char *n = json_string_value(json_object_get(e, "newName"));
        bool key = o && trib_str_startswith(o, "key.");
        if (!o || !n || !*n || strchr(n, '.') || (!key && !trib_str_startswith(o, "value.")) ||
            !o[key ? 4 : 6]) {
            json_decref(a);
            return trib_error_set(err, TRIB_ERR_INVALID,
                                  "field.renamer.mapping: entry %zu needs \"oldName\" (\"key.<path>\" or "
                                  "\"value.<path>\") and \"newName\" (a field name without '.')",
                                  i);
        }
        mongo_rename *r = &t->renames[t->nrenames++];
        r->key_side = key;
        r->path = trib_xstrdup(o + (key ? 4 : 6));
        r->new_name = trib_xstrdup(n);
    }
    json_decref(a);
    return 0;
}

static int parse_rename_res(mongo_topic_cfg *t, const char *json, trib_error *err) {
    json_error_t je;
    json_t *a = json_loads(json, 0, &je);
    if (!a || !json_is_array(a)) {
        json_decref(a);
        return trib_error_set(err, TRIB_ERR_INVALID, "field.renamer.regexp: not a JSON array: %s", je.text);
    }
    t->rename_res = trib_xcalloc(json_array_size(a) + 1, sizeof *t->rename_res);
    size_t i;
    json_t *e;
    int rc = 0;
    json_array_foreach(a, i, e) {
        const char *re = json_string_value(json_object_get(e, "regexp"));
        const char *pat = json_string_value(json_object_get(e, "pattern"));
        const char *rep = json_string_value(json_object_get(e, "replace"));
        if (!re || !pat || !*pat || !rep) {
            rc = trib_error_set(err, TRIB_ERR_INVALID,
                                "field.renamer.regexp: entry %zu needs \"regexp\", \"pattern\" and \"replace\"", i);
            break;
        }
        mongo_rename_re *r = &t->rename_res[t->nrename_res];
        if (regcomp(&r->match, re, REG_EXTENDED | REG_NOSUB) != 0) {
            rc = trib_error_set(err, TRIB_ERR_INVALID, "field.renamer.regexp: entry %zu: bad regexp '%s'", i, re);
            break;
        }
        if (regcomp(&r->pattern, pat, REG_EXTENDED) != 0) {
            regfree(&r->match);
            rc = trib_error_set(err, TRIB_ERR_INVALID, "field.renamer.regexp: entry %zu: bad pattern '%s'", i, pat);
            break;
        }
        r->replace = trib_xstrdup(rep);
        t->nrename_res++;
    }
    json_decref(a);
    return rc;
}

mongo_topic_cfg *trib_mongo_topic_cfg_new(const trib_props *config, const char *topic, trib_error *err) {
    trib_props *p = trib_props_clone(config);
    char *prefix = trib_xasprintf("topic.override.%s.", topic);
    trib_props *ov = trib_props_subset(config, prefix);
    trib_props_merge(p, ov);
    trib_props_destroy(ov);
    trib_config *c = trib_config_bind(trib_mongo_sink_config, p, "", err);
    trib_props_destroy(p);
    if (!c) {
        trib_error_prefix(err, "mongo: topic %s", topic);
        free(prefix);
        return NULL;
    }
    free(prefix);
    mongo_topic_cfg *t = trib_xcalloc(1, sizeof *t);
    t->topic = trib_xstrdup(topic);
    const char *coll = trib_config_string(c, "collection");
    t->collection = trib_xstrdup(coll && *coll ? coll : topic);
    id_lookup(trib_config_string(c, "document.id.strategy"), &t->id_strategy);
    t->overwrite_id = trib_config_bool(c, "document.id.strategy.overwrite.existing");
    t->uuid_binary = strcasecmp(trib_config_string(c, "document.id.strategy.uuid.format"), "binary") == 0;
    proj_set(&t->partial_key, trib_config_string(c, "document.id.strategy.partial.key.projection.type"),
             trib_config_list(c, "document.id.strategy.partial.key.projection.list"));
    proj_set(&t->partial_value, trib_config_string(c, "document.id.strategy.partial.value.projection.type"),
             trib_config_list(c, "document.id.strategy.partial.value.projection.list"));
    char *const *chain = trib_config_list(c, "post.processor.chain");
    size_t nchain = trib_config_list_len(c, "post.processor.chain");
    t->chain = trib_xcalloc(nchain + 1, sizeof *t->chain);
    for (size_t i = 0; i < nchain; i++) {
        int k = -1;
        pp_lookup(chain[i], &k);
        if (k >= 0) t->chain[t->nchain++] = (mongo_processor_kind)k;
    }
    proj_with(&t->key_proj, MONGO_PROJ_NONE, trib_config_list(c, "key.projection.list"));
    proj_with(&t->value_proj, MONGO_PROJ_NONE, trib_config_list(c, "value.projection.list"));
    wm_lookup(trib_config_string(c, "writemodel.strategy"), &t->write_model);
    t->delete_on_null = trib_config_bool(c, "delete.on.null.values");
    wm_lookup(trib_config_string(c, "delete.writemodel.strategy"), &t->delete_model);
    t->max_batch = trib_config_int(c, "max.batch.size");
    int rc = parse_renames(t, trib_config_string(c, "field.renamer.mapping"), err);
    if (rc == 0) rc = parse_rename_res(t, trib_config_string(c, "field.renamer.regexp"), err);
    /* A null value deletes by the key's id: an id that is not derived from
     * the key could never match the document written earlier. */
    if (rc == 0 && t->delete_on_null && t->delete_model == MONGO_WM_DELETE_ONE_DEFAULT &&
        t->id_strategy != MONGO_ID_FULL_KEY && t->id_strategy != MONGO_ID_PARTIAL_KEY &&
        t->id_strategy != MONGO_ID_PROVIDED_IN_KEY && t->id_strategy != MONGO_ID_UUID_PROVIDED_IN_KEY)
        rc = trib_error_set(err, TRIB_ERR_INVALID,
                            "delete.on.null.values=true needs a document.id.strategy taken from the key "
                            "(FullKeyStrategy, PartialKeyStrategy, ProvidedInKeyStrategy or "
                            "UuidProvidedInKeyStrategy)");
    if (rc == 0 && (t->id_strategy == MONGO_ID_PARTIAL_KEY || t->id_strategy == MONGO_ID_PARTIAL_VALUE)) {
        mongo_projection *pp = t->id_strategy == MONGO_ID_PARTIAL_KEY ? &t->partial_key : &t->partial_value;
        if (pp->type == MONGO_PROJ_NONE || !pp->paths[0])
            rc = trib_error_set(err, TRIB_ERR_INVALID,
                                "document.id.strategy=%s needs document.id.strategy.partial.%s.projection.type "
                                "(allowlist or blocklist) and a non-empty .projection.list",
                                t->id_strategy == MONGO_ID_PARTIAL_KEY ? "PartialKeyStrategy" : "PartialValueStrategy",
                                t->id_strategy == MONGO_ID_PARTIAL_KEY ? "key" : "value");
    }
    trib_config_destroy(c);
    if (rc < 0) {
        trib_error_prefix(err, "mongo: topic %s", topic);
        trib_mongo_topic_cfg_destroy(t);
        return NULL;
    }
    return t;
}

static void proj_free(mongo_projection *p) { trib_strv_free(p->paths); }

void trib_mongo_topic_cfg_destroy(mongo_topic_cfg *t) {
    if (!t) return;
    free(t->topic);
    free(t->collection);
    proj_free(&t->partial_key);
    proj_free(&t->partial_value);
    proj_free(&t->key_proj);
    proj_free(&t->value_proj);
    free(t->chain);
    for (size_t i = 0; i < t->nrenames; i++) {
        free(t->renames[i].path);
        free(t->renames[i].new_name);
    }
    free(t->renames);
    for (size_t i = 0; i < t->nrename_res; i++) {
        regfree(&t->rename_res[i].match);
        regfree(&t->rename_res[i].pattern);
        free(t->rename_res[i].replace);
    }
    free(t->rename_res);
    free(t);
}

/* ---- projections ----------------------------------------------------------------- */

/* Does pattern (dotted, with "*" and "**") match path exactly? With
 * prefix_ok, also when path could be the parent of a match. */
static bool path_match(const char *pat, const char *path, bool prefix_ok) {
    for (;;) {
        const char *pe = strchr(pat, '.'), *qe = strchr(path, '.');
        size_t pl = pe ? (size_t)(pe - pat) : strlen(pat), ql = qe ? (size_t)(qe - path) : strlen(path);
        if (pl == 2 && strncmp(pat, "**", 2) == 0) return true;
        bool seg = (pl == 1 && pat[0] == '*') || (pl == ql && strncmp(pat, path, pl) == 0);
        if (!seg) return false;
        if (!qe) return pe ? prefix_ok : true;
        if (!pe) return false;
        pat = pe + 1;
        path = qe + 1;
    }
}

static bool any_match(char *const *pats, const char *path, bool prefix_ok) {
    for (size_t i = 0; pats[i]; i++)
        if (path_match(pats[i], path, prefix_ok)) return true;
    return false;
}

/* Copies src into dst keeping (allow) or dropping (block) the listed paths;
 * prefix is the dotted path of src ("" at the top). keep_id: the top-level
 * _id is never projected away (value projectors run after the id is set,
 * as in the official connector). */
static void project(const bson_t *src, bson_t *dst, const mongo_projection *p, const char *prefix, bool keep_id) {
    bson_iter_t it;
    if (!bson_iter_init(&it, src)) return;
    while (bson_iter_next(&it)) {
        const char *k = bson_iter_key(&it);
        if (keep_id && !*prefix && strcmp(k, "_id") == 0) {
            bson_append_iter(dst, k, -1, &it);
            continue;
        }
        char *path = *prefix ? trib_xasprintf("%s.%s", prefix, k) : trib_xstrdup(k);
        bool exact = any_match(p->paths, path, false);
        bool is_doc = BSON_ITER_HOLDS_DOCUMENT(&it);
        if (p->type == MONGO_PROJ_BLOCK ? exact : false) {
            /* dropped */
        } else if (p->type == MONGO_PROJ_ALLOW && exact) {
            bson_append_iter(dst, k, -1, &it);
        } else if (is_doc && (p->type == MONGO_PROJ_BLOCK || any_match(p->paths, path, true))) {
            uint32_t len;
            const uint8_t *data;
            bson_iter_document(&it, &len, &data);
            bson_t sub, out;
            if (bson_init_static(&sub, data, len)) {
                bson_append_document_begin(dst, k, -1, &out);
                project(&sub, &out, p, path, false);
                bson_append_document_end(dst, &out);
            }
        } else if (p->type == MONGO_PROJ_BLOCK) {
            bson_append_iter(dst, k, -1, &it);
        }
        free(path);
    }
}

static bson_t *projected(const bson_t *doc, const mongo_projection *p, bool keep_id) {
    bson_t *out = bson_new();
    project(doc, out, p, "", keep_id);
    return out;
}

/* ---- renaming --------------------------------------------------------------------- */

static void rename_copy(const bson_t *src, bson_t *dst, const mongo_topic_cfg *t, bool key_side, const char *prefix) {
    bson_iter_t it;
    if (!bson_iter_init(&it, src)) return;
    while (bson_iter_next(&it)) {
        const char *k = bson_iter_key(&it);
        char *path = *prefix ? trib_xasprintf("%s.%s", prefix, k) : trib_xstrdup(k);
        char *name = trib_xstrdup(k);
        for (size_t i = 0; i < t->nrenames; i++)
            if (t->renames[i].key_side == key_side && strcmp(t->renames[i].path, path) == 0) {
                free(name);
                name = trib_xstrdup(t->renames[i].new_name);
            }
        if (t->nrename_res) {
            char *full = trib_xasprintf("%s.%s", key_side ? "key" : "value", path);
            for (size_t i = 0; i < t->nrename_res; i++) {
                const mongo_rename_re *r = &t->rename_res[i];
                if (regexec(&r->match, full, 0, NULL, 0) != 0) continue;
                trib_strbuf sb;
                trib_strbuf_init(&sb);
                const char *s = name;
                regmatch_t m;
                while (*s && regexec(&r->pattern, s, 1, &m, s == name ? 0 : REG_NOTBOL) == 0) {
                    trib_strbuf_append(&sb, s, (size_t)m.rm_so);
                    trib_strbuf_puts(&sb, r->replace);
                    s += m.rm_eo > m.rm_so ? m.rm_eo : m.rm_so + 1;
                    if (m.rm_eo == m.rm_so) trib_strbuf_append(&sb, s - 1, 1);
                }
                trib_strbuf_puts(&sb, s);
                free(name);
                name = trib_strbuf_take(&sb);
            }
            free(full);
        }
        if (BSON_ITER_HOLDS_DOCUMENT(&it)) {
            uint32_t len;
            const uint8_t *data;
            bson_iter_document(&it, &len, &data);
            bson_t sub, out;
            if (bson_init_static(&sub, data, len)) {
                bson_append_document_begin(dst, name, -1, &out);
                rename_copy(&sub, &out, t, key_side, path);
                bson_append_document_end(dst, &out);
            }
        } else {
            bson_append_iter(dst, name, -1, &it);
        }
        free(name);
        free(path);
    }
}

static bson_t *renamed(const bson_t *doc, const mongo_topic_cfg *t, bool key_side) {
    bson_t *out = bson_new();
    rename_copy(doc, out, t, key_side, "");
    return out;
}

/* Runs the chain's processors of one side over *doc (replacing it). */
static void run_chain(const mongo_topic_cfg *t, bson_t **doc, bool key_side) {
    if (!*doc) return;
    for (size_t i = 0; i < t->nchain; i++) {
        bson_t *next = NULL;
        mongo_processor_kind k = t->chain[i];
        if (key_side && (k == MONGO_PP_ALLOW_KEY || k == MONGO_PP_BLOCK_KEY)) {
            mongo_projection p = t->key_proj;
            p.type = k == MONGO_PP_ALLOW_KEY ? MONGO_PROJ_ALLOW : MONGO_PROJ_BLOCK;
            next = projected(*doc, &p, false);
        } else if (!key_side && (k == MONGO_PP_ALLOW_VALUE || k == MONGO_PP_BLOCK_VALUE)) {
            mongo_projection p = t->value_proj;
            p.type = k == MONGO_PP_ALLOW_VALUE ? MONGO_PROJ_ALLOW : MONGO_PROJ_BLOCK;
            next = projected(*doc, &p, true);
        } else if (k == MONGO_PP_RENAME_MAPPING || k == MONGO_PP_RENAME_REGEXP) {
            next = renamed(*doc, t, key_side);
        }
        if (next) {
            bson_destroy(*doc);
            *doc = next;
        }
    }
}

/* ---- ids ------------------------------------------------------------------------ */

static void append_uuid(bson_t *doc, const char *k, bool binary) {
    uint8_t b[16];
    trib_random_bytes(b, sizeof b, NULL);
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    if (binary) {
        bson_append_binary(doc, k, -1, BSON_SUBTYPE_UUID, b, sizeof b);
        return;
    }
    char s[37];
    snprintf(s, sizeof s, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2],
             b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
    bson_append_utf8(doc, k, -1, s, 36);
}

/* A canonical UUID string as a BSON binary subtype 4. */
static int append_uuid_from(bson_t *doc, const char *k, const bson_iter_t *src, const char *side, trib_error *err) {
    uint32_t len = 0;
    const char *s = BSON_ITER_HOLDS_UTF8(src) ? bson_iter_utf8(src, &len) : NULL;
    uint8_t b[16];
    size_t n = 0;
    for (uint32_t i = 0; s && i < len && n <= 32; i++) {
        char c = s[i];
        if (c == '-' && (i == 8 || i == 13 || i == 18 || i == 23)) continue;
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (v < 0 || n >= 32) { n = 99; break; }
        if (n % 2 == 0) b[n / 2] = (uint8_t)(v << 4);
        else b[n / 2] |= (uint8_t)v;
        n++;
    }
    if (n != 32 || len != 36)
        return trib_error_set(err, TRIB_ERR_INVALID, "mongo: the %s _id is not a UUID string", side);
    bson_append_binary(doc, k, -1, BSON_SUBTYPE_UUID, b, sizeof b);
    return 0;
}

/* Appends the id under "_id" to out. key_prim: a primitive key (no doc). */
static int append_id(const mongo_topic_cfg *t, const trib_record *rec, const bson_t *key, const bson_t *value,
                     bson_t *out, trib_error *err) {
    bson_iter_t it;
    switch (t->id_strategy) {
    case MONGO_ID_BSON_OID: {
        bson_oid_t oid;
        bson_oid_init(&oid, NULL);
        bson_append_oid(out, "_id", 3, &oid);
        return 0;
    }
    case MONGO_ID_UUID:
        append_uuid(out, "_id", t->uuid_binary);
        return 0;
    case MONGO_ID_KAFKA_META: {
        char *s = trib_xasprintf("%s#%d#%lld", rec->topic, rec->partition, (long long)rec->kafka_offset);
        bson_append_utf8(out, "_id", 3, s, -1);
        free(s);
        return 0;
    }
    case MONGO_ID_FULL_KEY:
        if (key) {
            bson_append_document(out, "_id", 3, key);
            return 0;
        }
        if (rec->key) return trib_mongo_append_value(out, "_id", 3, rec->key_schema, rec->key, err);
        {
            bson_t empty = BSON_INITIALIZER;
            bson_append_document(out, "_id", 3, &empty);
        }
        return 0;
    case MONGO_ID_PROVIDED_IN_KEY:
    case MONGO_ID_PROVIDED_IN_VALUE:
    case MONGO_ID_UUID_PROVIDED_IN_KEY:
    case MONGO_ID_UUID_PROVIDED_IN_VALUE: {
        bool in_key = t->id_strategy == MONGO_ID_PROVIDED_IN_KEY || t->id_strategy == MONGO_ID_UUID_PROVIDED_IN_KEY;
        const bson_t *src = in_key ? key : value;
        const char *side = in_key ? "key" : "value";
        if (!src || !bson_iter_init_find(&it, src, "_id") || BSON_ITER_HOLDS_NULL(&it))
            return trib_error_set(err, TRIB_ERR_INVALID, "mongo: the %s has no _id field (%s)", side,
                                  in_key ? "ProvidedInKeyStrategy" : "ProvidedInValueStrategy");
        if (t->id_strategy == MONGO_ID_UUID_PROVIDED_IN_KEY || t->id_strategy == MONGO_ID_UUID_PROVIDED_IN_VALUE)
            return append_uuid_from(out, "_id", &it, side, err);
        bson_append_iter(out, "_id", 3, &it);
        return 0;
    }
    case MONGO_ID_PARTIAL_KEY:
    case MONGO_ID_PARTIAL_VALUE: {
        bool in_key = t->id_strategy == MONGO_ID_PARTIAL_KEY;
        const bson_t *src = in_key ? key : value;
        if (!src)
            return trib_error_set(err, TRIB_ERR_INVALID, "mongo: the %s is not a document (%s)",
                                  in_key ? "key" : "value", in_key ? "PartialKeyStrategy" : "PartialValueStrategy");
        bson_t *p = projected(src, in_key ? &t->partial_key : &t->partial_value, false);
        bson_append_document(out, "_id", 3, p);
        bson_destroy(p);
        return 0;
    }
    }
    return trib_error_set(err, TRIB_ERR_INTERNAL, "mongo: unknown id strategy");
}

/* ---- write models ----------------------------------------------------------------- */

/* doc without its _id, optionally with _modifiedTS. */
static bson_t *without_id(const bson_t *doc, int64_t modified_ms) {
    bson_t *out = bson_new();
    bson_copy_to_excluding_noinit(doc, out, "_id", NULL);
    if (modified_ms >= 0) bson_append_date_time(out, "_modifiedTS", -1, modified_ms);
    return out;
}

static bson_t *id_filter(const bson_t *doc) {
    bson_t *f = bson_new();
    bson_iter_t it;
    if (bson_iter_init_find(&it, doc, "_id")) bson_append_iter(f, "_id", 3, &it);
    return f;
}

static int business_key(const bson_t *doc, bson_t **filter, trib_error *err) {
    bson_iter_t it;
    uint32_t len;
    const uint8_t *data;
    if (!bson_iter_init_find(&it, doc, "_id") || !BSON_ITER_HOLDS_DOCUMENT(&it))
        return trib_error_set(err, TRIB_ERR_INVALID,
                              "mongo: a business-key write model needs an _id that is a document holding the "
                              "business key (use PartialValueStrategy or PartialKeyStrategy)");
    bson_iter_document(&it, &len, &data);
    *filter = bson_new_from_data(data, len);
    return 0;
}

static bson_t *update_doc(const bson_t *doc, bool timestamps) {
    int64_t now = timestamps ? trib_now_ms() : -1;
    bson_t *u = bson_new();
    bson_t *set = without_id(doc, now);
    bson_append_document(u, "$set", 4, set);
    bson_destroy(set);
    if (timestamps) {
        bson_t soi;
        bson_append_document_begin(u, "$setOnInsert", -1, &soi);
        bson_append_date_time(&soi, "_insertedTS", -1, now);
        bson_append_document_end(u, &soi);
    }
    return u;
}

static int make_delete(mongo_write_model m, const bson_t *doc, mongo_op *op, trib_error *err) {
    op->kind = MONGO_OP_DELETE;
    if (m == MONGO_WM_DELETE_ONE_BUSINESS_KEY) return business_key(doc, &op->filter, err);
    op->filter = id_filter(doc);
    return 0;
}

int trib_mongo_build_op(const mongo_topic_cfg *t, const trib_record *rec, mongo_op *op, trib_error *err) {
    memset(op, 0, sizeof *op);
    bool del = rec->value == NULL;
    if (del && !t->delete_on_null) return 0;
    bson_t *key = NULL, *value = NULL, *doc = NULL;
    int rc = -1;
    if (rec->key && (rec->key->type == TRIB_STRUCT || rec->key->type == TRIB_MAP || rec->key->type == TRIB_STRING)) {
        trib_error ke;
        /* A string key that is not JSON is a primitive key (FullKeyStrategy
         * uses it as is); only a document-needing strategy fails on it. */
        if (trib_mongo_value_to_doc(rec->key_schema, rec->key, "the key", &key, &ke) < 0 &&
            rec->key->type != TRIB_STRING) {
            if (err) *err = ke;
            goto out;
        }
    }
    if (del && !rec->key) {
        trib_error_set(err, TRIB_ERR_INVALID, "mongo: a record with neither key nor value cannot be written");
        goto out;
    }
    if (!del && trib_mongo_value_to_doc(rec->value_schema, rec->value, "the value", &value, err) < 0) goto out;
    run_chain(t, &key, true);

    doc = bson_new();
    if (append_id(t, rec, key, value, doc, err) < 0) goto out;
    if (del) {
        rc = make_delete(t->delete_model, doc, op, err) == 0 ? 1 : -1;
        goto out;
    }
    /* DocumentIdAdder: the value's own _id stays unless overwrite.existing
     * (the UuidProvidedIn* strategies exist to convert it: they always set it). */
    bson_iter_t it;
    bool keep = !t->overwrite_id && t->id_strategy != MONGO_ID_UUID_PROVIDED_IN_KEY &&
                t->id_strategy != MONGO_ID_UUID_PROVIDED_IN_VALUE;
    if (keep && bson_iter_init_find(&it, value, "_id")) {
        bson_reinit(doc);
        bson_append_iter(doc, "_id", 3, &it);
    }
    bson_copy_to_excluding_noinit(value, doc, "_id", NULL);
    run_chain(t, &doc, false);
    if (!bson_has_field(doc, "_id") && t->write_model != MONGO_WM_INSERT_ONE) {
        trib_error_set(err, TRIB_ERR_INVALID, "mongo: the post processors removed the document's _id");
        goto out;
    }
    bson_error_t ve;
    if (!bson_validate_with_error(doc, BSON_VALIDATE_UTF8 | BSON_VALIDATE_EMPTY_KEYS | BSON_VALIDATE_DOLLAR_KEYS,
                                  &ve)) {
        trib_error_set(err, TRIB_ERR_INVALID, "mongo: invalid document: %s", ve.message);
        goto out;
    }
    switch (t->write_model) {
    case MONGO_WM_REPLACE_ONE_DEFAULT:
        op->kind = MONGO_OP_REPLACE;
        op->filter = id_filter(doc);
        op->doc = doc;
        doc = NULL;
        op->upsert = true;
        break;
    case MONGO_WM_INSERT_ONE:
        op->kind = MONGO_OP_INSERT;
        op->doc = doc;
        doc = NULL;
        break;
    case MONGO_WM_UPDATE_ONE_DEFAULT:
    case MONGO_WM_UPDATE_ONE_TIMESTAMPS:
        op->kind = MONGO_OP_UPDATE;
        op->filter = id_filter(doc);
        op->doc = update_doc(doc, t->write_model == MONGO_WM_UPDATE_ONE_TIMESTAMPS);
        op->upsert = true;
        break;
    case MONGO_WM_REPLACE_ONE_BUSINESS_KEY:
    case MONGO_WM_UPDATE_ONE_BUSINESS_KEY_TS:
        if (business_key(doc, &op->filter, err) < 0) goto out;
        op->upsert = true;
        if (t->write_model == MONGO_WM_REPLACE_ONE_BUSINESS_KEY) {
            op->kind = MONGO_OP_REPLACE;
            op->doc = without_id(doc, -1);
        } else {
            op->kind = MONGO_OP_UPDATE;
            op->doc = update_doc(doc, true);
        }
        break;
    case MONGO_WM_DELETE_ONE_DEFAULT:
    case MONGO_WM_DELETE_ONE_BUSINESS_KEY:
        if (make_delete(t->write_model, doc, op, err) < 0) goto out;
        break;
    }
    /* MongoDB's document limit: such a record fails alone (DLQ) rather
     * than failing the whole bulk client-side. */
    if ((op->doc && op->doc->len > 16 * 1024 * 1024) || (op->filter && op->filter->len > 16 * 1024 * 1024)) {
        trib_error_set(err, TRIB_ERR_INVALID, "mongo: the document is larger than MongoDB's 16 MiB limit (%u bytes)",
                       op->doc ? op->doc->len : op->filter->len);
        goto out;
    }
    rc = 1;
out:
    if (key) bson_destroy(key);
    if (value) bson_destroy(value);
    if (doc) bson_destroy(doc);
    if (rc < 0) trib_mongo_op_clear(op);
    return rc;
}

void trib_mongo_op_clear(mongo_op *op) {
    if (op->filter) bson_destroy(op->filter);
    if (op->doc) bson_destroy(op->doc);
    op->filter = op->doc = NULL;
}

bool trib_mongo_topic_key(const char *key) {
    static const char *const connector_level[] = {"connection.uri", "database", "bulk.write.ordered",
                                                  "tributary.offsets.collection", NULL};
    for (size_t i = 0; connector_level[i]; i++)
        if (strcmp(key, connector_level[i]) == 0) return false;
    return trib_config_find(trib_mongo_sink_config, key) != NULL;
}
