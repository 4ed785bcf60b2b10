/*
 * avro_converter.c: io.confluent.connect.avro.AvroConverter (alias
 * AvroConverter): Connect data <-> Avro in Confluent's wire format (magic
 * byte, 4-byte schema id, Avro binary), with schemas kept in a schema
 * registry (Confluent's or Apicurio's ccompat API).
 *
 * Writing: the Connect schema is mapped to Avro (avro_schema.c), registered
 * under the subject chosen by the subject name strategy (or looked up, or
 * the subject's latest version is used), and a codec (avro_codec.c) is
 * compiled once per schema and topic. Reading: the schema id picks a
 * registry schema, mapped to Connect once and cached with its codec.
 *
 * Both caches are per converter instance (one task thread); the registry
 * client and its caches are shared across instances (registry.c). Corrupt
 * input is an INVALID error (a poison record for errors.tolerance/DLQ),
 * registry outages are RETRIABLE, incompatible schemas FATAL.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "common/util.h"
#include "config/config.h"
#include "proto/avro_codec.h"
#include "proto/avro_schema.h"
#include "proto/converter.h"
#include "proto/framing.h"
#include "proto/registry.h"

#define STRATEGY_PKG "io.confluent.kafka.serializers.subject."

typedef enum strategy { TOPIC_NAME, RECORD_NAME, TOPIC_RECORD_NAME } strategy;

static int strategy_parse(const char *s, strategy *out) {
    if (!s) return -1;
    if (strncmp(s, STRATEGY_PKG, strlen(STRATEGY_PKG)) == 0) s += strlen(STRATEGY_PKG);
    if (strcmp(s, "TopicNameStrategy") == 0) *out = TOPIC_NAME;
    else if (strcmp(s, "RecordNameStrategy") == 0) *out = RECORD_NAME;
    else if (strcmp(s, "TopicRecordNameStrategy") == 0) *out = TOPIC_RECORD_NAME;
    else return -1;
    return 0;
}

static int strategy_ok(const trib_config_def *def, const char *value, trib_error *err) {
    (void)def;
    strategy s;
    if (strategy_parse(value, &s) == 0) return 0;
    return trib_error_set(err, TRIB_ERR_INVALID,
                          "must be TopicNameStrategy, RecordNameStrategy or TopicRecordNameStrategy "
                          "(optionally with the package " STRATEGY_PKG ")");
}

static const char *const cred_sources[] = {"URL", "USER_INFO", NULL};

static const trib_config_def avro_config[] = {
    {.name = "schema.registry.url", .type = TRIB_CFG_LIST, .importance = TRIB_IMP_HIGH, .non_empty = true,
     .doc = "Comma-separated list of URLs for Schema Registry instances that can be used to register or "
            "look up schemas.", .group = "Schema Registry"},
    {.name = "basic.auth.credentials.source", .type = TRIB_CFG_STRING, .default_value = "URL",
     .importance = TRIB_IMP_MEDIUM, .one_of = cred_sources, .group = "Schema Registry",
     .doc = "Specify how to pick the credentials for the Basic Auth header: URL (user info in the URL) or "
            "USER_INFO (basic.auth.user.info)."},
    {.name = "basic.auth.user.info", .type = TRIB_CFG_PASSWORD, .default_value = "",
     .importance = TRIB_IMP_MEDIUM, .group = "Schema Registry",
     .doc = "Specify the user info for Basic Auth in the form of {username}:{password}."},
    {.name = "auto.register.schemas", .type = TRIB_CFG_BOOLEAN, .default_value = "true",
     .importance = TRIB_IMP_MEDIUM, .group = "Serialization",
     .doc = "Specify if the Serializer should attempt to register the Schema with Schema Registry."},
    {.name = "use.latest.version", .type = TRIB_CFG_BOOLEAN, .default_value = "false",
     .importance = TRIB_IMP_LOW, .group = "Serialization",
     .doc = "Specify if the Serializer should use the latest subject version for serialization."},
    {.name = "key.subject.name.strategy", .type = TRIB_CFG_STRING,
     .default_value = STRATEGY_PKG "TopicNameStrategy", .importance = TRIB_IMP_MEDIUM,
     .validate = strategy_ok, .group = "Serialization",
     .doc = "Determines how to construct the subject name under which the key schema is registered."},
    {.name = "value.subject.name.strategy", .type = TRIB_CFG_STRING,
     .default_value = STRATEGY_PKG "TopicNameStrategy", .importance = TRIB_IMP_MEDIUM,
     .validate = strategy_ok, .group = "Serialization",
     .doc = "Determines how to construct the subject name under which the value schema is registered."},
    {.name = "connect.meta.data", .type = TRIB_CFG_BOOLEAN, .default_value = "true",
     .importance = TRIB_IMP_LOW, .group = "Avro",
     .doc = "Toggle for enabling/disabling connect converter to add its meta data to the output schema or not"},
    {.name = "enhanced.avro.schema.support", .type = TRIB_CFG_BOOLEAN, .default_value = "false",
     .importance = TRIB_IMP_MEDIUM, .group = "Avro",
     .doc = "Toggle for enabling/disabling enhanced avro schema support: Enum symbol preservation and "
            "Package Name awareness"},
    {.name = "scrub.invalid.names", .type = TRIB_CFG_BOOLEAN, .default_value = "false",
     .importance = TRIB_IMP_MEDIUM, .group = "Avro",
     .doc = "Whether to scrub invalid names by replacing invalid characters with valid ones"},
    {.name = "schemas.cache.config", .type = TRIB_CFG_INT, .default_value = "1000",
     .importance = TRIB_IMP_LOW, .has_min = true, .min = 1, .group = "Avro",
     .doc = "Size of the converted schemas cache"},
    {.name = "max.schemas.per.subject", .type = TRIB_CFG_INT, .default_value = "1000",
     .importance = TRIB_IMP_LOW, .has_min = true, .min = 1, .group = "Schema Registry",
     .doc = "Maximum number of schemas to create or cache locally."},
    {.name = "http.connect.timeout.ms", .type = TRIB_CFG_INT, .default_value = "60000",
     .importance = TRIB_IMP_LOW, .has_min = true, .min = 1, .group = "Schema Registry",
     .doc = "Timeout in milliseconds for connecting to Schema Registry."},
    {.name = "http.read.timeout.ms", .type = TRIB_CFG_INT, .default_value = "60000",
     .importance = TRIB_IMP_LOW, .has_min = true, .min = 1, .group = "Schema Registry",
     .doc = "Timeout in milliseconds for a whole request to Schema Registry."},
    TRIB_CONFIG_END,
};

/* A compiled writer for one Connect schema on one topic. */
typedef struct enc_entry {
    trib_schema *schema;       /* holds a reference: the pointer stays unique */
    char *topic;
    int32_t id;
    trib_avro_codec *codec;
} enc_entry;

/* A compiled reader for one schema id on one topic (the version may depend
 * on the subject, which depends on the topic). */
typedef struct dec_entry {
    int32_t id;
    char *topic;
    trib_schema *schema;
    trib_avro_codec *codec;
} dec_entry;

typedef struct avro_conv {
    bool is_key;
    trib_registry *reg;
    bool auto_register, use_latest;
    strategy strat;
    trib_avro_options opts;
    size_t cache_size;
    enc_entry *enc;            /* most recently used first */
    size_t nenc;
    dec_entry *dec;
    size_t ndec;
} avro_conv;

static void enc_entry_free(enc_entry *e) {
    trib_schema_unref(e->schema);
    free(e->topic);
    trib_avro_codec_destroy(e->codec);
}

static void dec_entry_free(dec_entry *e) {
    trib_schema_unref(e->schema);
    free(e->topic);
    trib_avro_codec_destroy(e->codec);
}

static void avro_destroy(void *ctx) {
    avro_conv *c = ctx;
    if (!c) return;
    for (size_t i = 0; i < c->nenc; i++) enc_entry_free(&c->enc[i]);
    for (size_t i = 0; i < c->ndec; i++) dec_entry_free(&c->dec[i]);
    free(c->enc);
    free(c->dec);
    trib_registry_release(c->reg);
    free(c);
}

static int avro_create(const trib_props *config, bool is_key, void **ctx, trib_error *err) {
    trib_config *cfg = trib_config_bind(avro_config, config, "", err);
    if (!cfg) return trib_error_prefix(err, "AvroConverter");
    avro_conv *c = trib_xcalloc(1, sizeof *c);
    c->is_key = is_key;
    c->auto_register = trib_config_bool(cfg, "auto.register.schemas");
    c->use_latest = trib_config_bool(cfg, "use.latest.version");
    strategy_parse(trib_config_string(cfg, is_key ? "key.subject.name.strategy" : "value.subject.name.strategy"),
                   &c->strat);
    c->opts.connect_meta_data = trib_config_bool(cfg, "connect.meta.data");
    c->opts.enhanced_schema_support = trib_config_bool(cfg, "enhanced.avro.schema.support");
    c->opts.scrub_invalid_names = trib_config_bool(cfg, "scrub.invalid.names");
    c->cache_size = (size_t)trib_config_int(cfg, "schemas.cache.config");
    c->enc = trib_xcalloc(c->cache_size, sizeof *c->enc);
    c->dec = trib_xcalloc(c->cache_size, sizeof *c->dec);

    const char *user_info = trib_config_password(cfg, "basic.auth.user.info");
    trib_registry_config rc = {
        .urls = trib_config_list(cfg, "schema.registry.url"),
        .nurls = trib_config_list_len(cfg, "schema.registry.url"),
        .credentials_source = trib_config_string(cfg, "basic.auth.credentials.source"),
        .user_info = user_info && *user_info ? user_info : NULL,
        .connect_timeout_ms = trib_config_int(cfg, "http.connect.timeout.ms"),
        .request_timeout_ms = trib_config_int(cfg, "http.read.timeout.ms"),
        .cache_capacity = (size_t)trib_config_int(cfg, "max.schemas.per.subject"),
        /* Set by the runtime (worker/task.c), never by the connector's config. */
        .connector = trib_props_get(config, TRIB_CONVERTER_CONNECTOR_KEY),
    };
    c->reg = trib_registry_acquire(&rc, err);
    trib_config_destroy(cfg);
    if (!c->reg) {
        avro_destroy(c);
        return trib_error_prefix(err, "AvroConverter");
    }
    *ctx = c;
    return 0;
}

/* The full name of the top-level Avro record, for the record strategies. */
static char *record_name(const char *avro_json, trib_error *err) {
    json_t *j = json_loads(avro_json, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    const char *type = json_is_object(j) ? json_string_value(json_object_get(j, "type")) : NULL;
    char *out = NULL;
    if (type && (strcmp(type, "record") == 0 || strcmp(type, "enum") == 0 || strcmp(type, "fixed") == 0)) {
        const char *name = json_string_value(json_object_get(j, "name"));
        const char *ns = json_string_value(json_object_get(j, "namespace"));
        if (name) out = ns && *ns && !strchr(name, '.') ? trib_xasprintf("%s.%s", ns, name) : trib_xstrdup(name);
    }
    json_decref(j);
    if (!out)
        trib_error_set(err, TRIB_ERR_INVALID,
                       "AvroConverter: RecordNameStrategy and TopicRecordNameStrategy need a record "
                       "schema (a Connect struct), not a primitive, array or map");
    return out;
}

static char *subject_for(const avro_conv *c, const char *topic, const char *avro_json, trib_error *err) {
    if (c->strat == TOPIC_NAME)
        return trib_xasprintf("%s-%s", topic ? topic : "", c->is_key ? "key" : "value");
    char *rn = record_name(avro_json, err);
    if (!rn) return NULL;
    if (c->strat == RECORD_NAME) return rn;
    char *s = trib_xasprintf("%s-%s", topic ? topic : "", rn);
    free(rn);
    return s;
}

static void move_to_front_enc(avro_conv *c, size_t i) {
    if (i == 0) return;
    enc_entry e = c->enc[i];
    memmove(&c->enc[1], &c->enc[0], i * sizeof *c->enc);
    c->enc[0] = e;
}

static bool same_topic(const char *a, const char *b) {
    return strcmp(a ? a : "", b ? b : "") == 0;
}

static enc_entry *writer_for(avro_conv *c, const char *topic, const trib_schema *schema, trib_error *err) {
    for (size_t i = 0; i < c->nenc; i++) {
        if (c->enc[i].schema == schema && same_topic(c->enc[i].topic, topic)) {
            move_to_front_enc(c, i);
            return &c->enc[0];
        }
    }
    char *avsc = trib_avro_schema_from_connect_str(schema, &c->opts, err);
    if (!avsc) return NULL;
    char *subject = subject_for(c, topic, avsc, err);
    if (!subject) {
        free(avsc);
        return NULL;
    }
    int32_t id = 0;
    int rc;
    char *write_schema = NULL;
    if (c->use_latest) {
        rc = trib_registry_latest(c->reg, subject, &id, NULL, &write_schema, err);
    } else if (c->auto_register) {
        rc = trib_registry_register(c->reg, subject, avsc, &id, err);
    } else {
        rc = trib_registry_lookup(c->reg, subject, avsc, &id, NULL, err);
        if (rc < 0 && err && err->code == TRIB_ERR_NOT_FOUND) {
            /* Not registered and not allowed to register: the record cannot be written. */
            err->code = TRIB_ERR_INVALID;
            trib_error_prefix(err, "auto.register.schemas=false and the schema is not registered");
        }
    }
    if (rc < 0) {
        free(avsc);
        free(subject);
        free(write_schema);
        return NULL;
    }
    trib_avro_codec *codec = trib_avro_codec_new((trib_schema *)schema, write_schema ? write_schema : avsc,
                                                 c->opts.scrub_invalid_names, err);
    if (!codec && write_schema)
        trib_error_prefix(err, "the latest schema of subject '%s' does not fit the record", subject);
    free(avsc);
    free(write_schema);
    free(subject);
    if (!codec) return NULL;
    if (c->nenc == c->cache_size) enc_entry_free(&c->enc[--c->nenc]);
    memmove(&c->enc[1], &c->enc[0], c->nenc * sizeof *c->enc);
    c->enc[0] = (enc_entry){trib_schema_ref((trib_schema *)schema), trib_xstrdup(topic ? topic : ""), id, codec};
    c->nenc++;
    return &c->enc[0];
}

static int avro_from_connect(void *ctx, const char *topic, const trib_schema *schema, const trib_value *v,
                             trib_strbuf *out, bool *out_null, trib_error *err) {
    avro_conv *c = ctx;
    *out_null = false;
    if (!v) {
        *out_null = true;
        return 0;
    }
    if (!schema)
        return trib_error_set(err, TRIB_ERR_INVALID,
                              "Failed to serialize Avro data from topic %s: AvroConverter needs a Connect "
                              "schema (the record is schemaless)", topic ? topic : "");
    enc_entry *e = writer_for(c, topic, schema, err);
    if (!e) return trib_error_prefix(err, "Failed to serialize Avro data from topic %s", topic ? topic : "");
    size_t start = out->len;
    trib_framing_write_header(out, e->id);
    if (trib_avro_codec_encode(e->codec, v, out, err) < 0) {
        out->len = start;
        if (out->data) out->data[start] = '\0';
        return trib_error_prefix(err, "Failed to serialize Avro data from topic %s", topic ? topic : "");
    }
    return 0;
}

static dec_entry *reader_for(avro_conv *c, const char *topic, int32_t id, trib_error *err) {
    for (size_t i = 0; i < c->ndec; i++) {
        if (c->dec[i].id == id && same_topic(c->dec[i].topic, topic)) {
            if (i > 0) {
                dec_entry e = c->dec[i];
                memmove(&c->dec[1], &c->dec[0], i * sizeof *c->dec);
                c->dec[0] = e;
            }
            return &c->dec[0];
        }
    }
    char *text = trib_registry_schema_by_id(c->reg, id, err);
    if (!text) return NULL;
    /* Like Confluent's deserializer, give a schema without connect.version
     * the version registered under the record's subject. */
    int32_t version = 0;
    if (!strstr(text, "\"connect.version\"")) {
        trib_error verr = {0};
        char *subject = subject_for(c, topic, text, &verr);
        int32_t got_id = 0, got_version = 0;
        if (subject && trib_registry_lookup(c->reg, subject, text, &got_id, &got_version, &verr) == 0 &&
            got_id == id)
            version = got_version;
        else if (verr.code == TRIB_ERR_RETRIABLE)
            TRIB_DEBUG("proto.avro", "version lookup for schema id %d failed: %s", (int)id, verr.msg);
        free(subject);
    }
    trib_schema *cs = trib_avro_schema_to_connect_str(text, &c->opts, version, err);
    if (!cs) {
        free(text);
        trib_error_prefix(err, "schema id %d", (int)id);
        return NULL;
    }
    trib_avro_codec *codec = trib_avro_codec_new(cs, text, false, err);
    free(text);
    if (!codec) {
        trib_schema_unref(cs);
        trib_error_prefix(err, "schema id %d", (int)id);
        return NULL;
    }
    if (c->ndec == c->cache_size) dec_entry_free(&c->dec[--c->ndec]);
    memmove(&c->dec[1], &c->dec[0], c->ndec * sizeof *c->dec);
    c->dec[0] = (dec_entry){id, trib_xstrdup(topic ? topic : ""), cs, codec};
    c->ndec++;
    return &c->dec[0];
}

static int avro_to_connect(void *ctx, const char *topic, const void *data, size_t len, trib_schema **schema,
                           trib_value **v, trib_error *err) {
    avro_conv *c = ctx;
    *schema = NULL;
    *v = NULL;
    if (!data) return 0;
    int32_t id;
    const void *body;
    size_t body_len;
    if (trib_framing_parse(data, len, &id, &body, &body_len, err) < 0 ||
        !(reader_for(c, topic, id, err)))
        return trib_error_prefix(err, "Failed to deserialize data for topic %s to Avro", topic ? topic : "");
    dec_entry *e = &c->dec[0];
    if (trib_avro_codec_decode(e->codec, body, body_len, v, err) < 0)
        return trib_error_prefix(err, "Failed to deserialize data for topic %s to Avro (schema id %d)",
                                 topic ? topic : "", (int)id);
    *schema = trib_schema_ref(e->schema);
    return 0;
}

const trib_converter_plugin trib_avro_converter_plugin = {
    .class_name = "io.confluent.connect.avro.AvroConverter",
    .alias = "AvroConverter",
    .doc = "Connect data as Avro in Confluent's wire format, with schemas in a schema registry",
    .config = avro_config,
    .create = avro_create,
    .from_connect = avro_from_connect,
    .to_connect = avro_to_connect,
    .destroy = avro_destroy,
};
