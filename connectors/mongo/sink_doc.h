/*
 * sink_doc.h: the MongoDB sink's per-topic settings (the official
 * connector's topic-level keys, with topic.override.<topic>.<key> applied)
 * and the step from one record to one write operation: id strategy, post
 * processors (projections, renaming) and write model. sink.c batches the
 * operations into bulk writes.
 */
#ifndef TRIB_CONNECTORS_MONGO_SINK_DOC_H
#define TRIB_CONNECTORS_MONGO_SINK_DOC_H

#include <regex.h>

#include "connectors/mongo/mongo_internal.h"

typedef enum mongo_id_strategy {
    MONGO_ID_BSON_OID,
    MONGO_ID_UUID,
    MONGO_ID_KAFKA_META,
    MONGO_ID_FULL_KEY,
    MONGO_ID_PROVIDED_IN_KEY,
    MONGO_ID_PROVIDED_IN_VALUE,
    MONGO_ID_PARTIAL_KEY,
    MONGO_ID_PARTIAL_VALUE,
    MONGO_ID_UUID_PROVIDED_IN_KEY,
    MONGO_ID_UUID_PROVIDED_IN_VALUE,
} mongo_id_strategy;

typedef enum mongo_write_model {
    MONGO_WM_REPLACE_ONE_DEFAULT,      /* DefaultWriteModelStrategy */
    MONGO_WM_INSERT_ONE,               /* InsertOneDefaultStrategy */
    MONGO_WM_UPDATE_ONE_DEFAULT,       /* UpdateOneDefaultStrategy */
    MONGO_WM_REPLACE_ONE_BUSINESS_KEY, /* ReplaceOneBusinessKeyStrategy */
    MONGO_WM_UPDATE_ONE_TIMESTAMPS,    /* UpdateOneTimestampsStrategy */
    MONGO_WM_UPDATE_ONE_BUSINESS_KEY_TS, /* UpdateOneBusinessKeyTimestampStrategy */
    MONGO_WM_DELETE_ONE_DEFAULT,       /* DeleteOneDefaultStrategy */
    MONGO_WM_DELETE_ONE_BUSINESS_KEY,  /* DeleteOneBusinessKeyStrategy */
} mongo_write_model;

typedef enum mongo_proj_type { MONGO_PROJ_NONE, MONGO_PROJ_ALLOW, MONGO_PROJ_BLOCK } mongo_proj_type;

typedef struct mongo_projection {
    mongo_proj_type type;
    char **paths;     /* NULL-terminated dotted paths; "*" one level, "**" everything below */
} mongo_projection;

/* One post processor of post.processor.chain after DocumentIdAdder. */
typedef enum mongo_processor_kind {
    MONGO_PP_ALLOW_KEY, MONGO_PP_BLOCK_KEY, MONGO_PP_ALLOW_VALUE, MONGO_PP_BLOCK_VALUE,
    MONGO_PP_RENAME_MAPPING, MONGO_PP_RENAME_REGEXP,
} mongo_processor_kind;

typedef struct mongo_rename {
    bool key_side;        /* the path starts with "key." (else "value.") */
    char *path;           /* old name as a dotted path below key/value */
    char *new_name;
} mongo_rename;

typedef struct mongo_rename_re {
    regex_t match;        /* against "key.<path>" / "value.<path>" */
    regex_t pattern;      /* replaced inside the field name */
    char *replace;
} mongo_rename_re;

typedef struct mongo_topic_cfg {
    char *topic;
    char *collection;
    mongo_id_strategy id_strategy;
    bool overwrite_id;
    bool uuid_binary;
    mongo_projection partial_key, partial_value;
    mongo_processor_kind *chain;
    size_t nchain;
    mongo_projection key_proj, value_proj;
    mongo_rename *renames;
    size_t nrenames;
    mongo_rename_re *rename_res;
    size_t nrename_res;
    mongo_write_model write_model;
    bool delete_on_null;
    mongo_write_model delete_model;
    int max_batch;        /* 0: no cap */
} mongo_topic_cfg;

/* Every key of the sink: the connector-level ones (connection.uri,
 * database, bulk.write.ordered, tributary.offsets.collection) and the
 * topic-level ones, which topic.override.<topic>.<key> may override. */
extern const trib_config_def trib_mongo_sink_config[];
/* True for a key topic.override.<topic>.<key> may set. */
bool trib_mongo_topic_key(const char *key);

/* Settings for topic: the connector config with the topic's overrides
 * applied, validated. NULL with err INVALID naming the key. Caller owns it. */
mongo_topic_cfg *trib_mongo_topic_cfg_new(const trib_props *config, const char *topic, trib_error *err);
void trib_mongo_topic_cfg_destroy(mongo_topic_cfg *t);

typedef enum mongo_op_kind { MONGO_OP_INSERT, MONGO_OP_REPLACE, MONGO_OP_UPDATE, MONGO_OP_DELETE } mongo_op_kind;

typedef struct mongo_op {
    mongo_op_kind kind;
    bson_t *filter;   /* REPLACE/UPDATE/DELETE */
    bson_t *doc;      /* INSERT/REPLACE: the document; UPDATE: the update */
    bool upsert;
} mongo_op;

/* Builds the write operation for rec. Returns 1 with *op filled, 0 when
 * the record writes nothing (a null value without delete.on.null.values),
 * -1 with err INVALID when the record cannot become a write (the DLQ case).
 * Caller frees op with trib_mongo_op_clear. */
int trib_mongo_build_op(const mongo_topic_cfg *t, const trib_record *rec, mongo_op *op, trib_error *err);
void trib_mongo_op_clear(mongo_op *op);

#endif
