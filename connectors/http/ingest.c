/*
 * ingest.c: the HttpIngest connector's config table and vtable, and the
 * typing of pushed JSON records under its declared schema (ingest.h).
 *
 * Why no tasks: records arrive on whichever worker a load balancer picked,
 * so the REST layer of every worker produces them itself, acknowledging a
 * client only after Kafka did. A task would have nothing to poll. The
 * connector still exists as a Connect connector so its config is created,
 * validated, replicated through the config topic, paused, deleted and
 * listed like any other, and tenants own it like any other.
 */
#include <string.h>

#include "common/util.h"
#include "config/config.h"
#include "connectors/http/ingest.h"
#include "proto/json_converter.h"
#include "worker/connector.h"

static int validate_topic(const trib_config_def *def, const char *value, trib_error *err) {
    (void)def;
    if (strchr(value, ','))
        return trib_error_set(err, TRIB_ERR_INVALID, "HttpIngest writes to a single topic, not a list");
    return 0;
}

static int validate_schema(const trib_config_def *def, const char *value, trib_error *err) {
    (void)def;
    if (!*value) return 0;
    trib_schema *s = trib_schema_decl_parse(value, err);
    if (!s) return -1;
    trib_schema_unref(s);
    return 0;
}

static const trib_config_def ingest_config[] = {
    {.name = "topic", .type = TRIB_CFG_STRING, .importance = TRIB_IMP_HIGH, .non_empty = true,
     .validate = validate_topic, .doc = "The topic every pushed record is produced to"},
    {.name = "value.schema", .type = TRIB_CFG_STRING, .default_value = "", .importance = TRIB_IMP_HIGH,
     .validate = validate_schema,
     .doc = "Declared record schema (Connect schema JSON, spooldir's schema JSON or an Avro record "
            "schema); each pushed JSON object must fit it. Empty: schemaless (any JSON value)"},
    {.name = "key.fields", .type = TRIB_CFG_LIST, .default_value = "", .importance = TRIB_IMP_MEDIUM,
     .doc = "Fields of value.schema that make the record key (a struct of them, in this order); "
            "empty: null keys. Needs value.schema"},
    {.name = "header.names", .type = TRIB_CFG_LIST, .default_value = "", .importance = TRIB_IMP_LOW,
     .doc = "HTTP request headers copied, when present, into every record of the request as "
            "Kafka headers of the same name"},
    {.name = "batch.all.or.nothing", .type = TRIB_CFG_BOOLEAN, .default_value = "false",
     .importance = TRIB_IMP_MEDIUM,
     .doc = "true: a batch with any invalid record is refused whole (400), nothing is produced; "
            "false: valid records are produced and invalid ones get per-record errors"},
    {.name = "max.body.bytes", .type = TRIB_CFG_LONG, .default_value = "10485760", .importance = TRIB_IMP_MEDIUM,
     .has_min = true, .min = 2, .has_max = true, .max = 1073741824.0,
     .doc = "Largest request body; larger ones are answered 413 (checked by Content-Length and "
            "while a chunked body streams)"},
    {.name = "max.inflight.records", .type = TRIB_CFG_INT, .default_value = "100000",
     .importance = TRIB_IMP_MEDIUM, .has_min = true, .min = 1,
     .doc = "Records this worker may hold for the connector waiting for Kafka's acknowledgement; "
            "a request that would exceed it is answered 429 with Retry-After"},
    {.name = "ack.timeout.ms", .type = TRIB_CFG_INT, .default_value = "30000", .importance = TRIB_IMP_MEDIUM,
     .has_min = true, .min = 1000,
     .doc = "How long a record may wait for Kafka's acknowledgement (the producer's "
            "message.timeout.ms); records not acknowledged by then are reported failed (504)"},
    {0},
};

void trib_http_ingest_settings_free(trib_http_ingest_settings *s) {
    if (!s) return;
    free(s->topic);
    trib_schema_unref(s->value_schema);
    trib_schema_unref(s->key_schema);
    for (size_t i = 0; i < s->nheader_names; i++) free(s->header_names[i]);
    free(s->header_names);
    trib_text_parser_destroy(s->parser);
    memset(s, 0, sizeof *s);
}

int trib_http_ingest_settings_load(const trib_props *config, trib_http_ingest_settings *out, trib_error *err) {
    memset(out, 0, sizeof *out);
    trib_config *c = trib_config_bind(ingest_config, config, "", err);
    if (!c) return -1;
    out->topic = trib_xstrdup(trib_config_string(c, "topic"));
    out->all_or_nothing = trib_config_bool(c, "batch.all.or.nothing");
    out->max_body_bytes = trib_config_long(c, "max.body.bytes");
    out->max_inflight_records = trib_config_int(c, "max.inflight.records");
    out->ack_timeout_ms = trib_config_int(c, "ack.timeout.ms");
    size_t nh = trib_config_list_len(c, "header.names");
    char *const *hn = trib_config_list(c, "header.names");
    out->header_names = trib_xcalloc(nh ? nh : 1, sizeof *out->header_names);
    for (size_t i = 0; i < nh; i++) out->header_names[i] = trib_xstrdup(hn[i]);
    out->nheader_names = nh;
    const char *schema = trib_config_string(c, "value.schema");
    size_t nk = trib_config_list_len(c, "key.fields");
    int rc = 0;
    if (schema && *schema) {
        out->value_schema = trib_schema_decl_parse(schema, err);
        if (!out->value_schema) {
            trib_error_prefix(err, "value.schema");
            rc = -1;
        } else if (nk) {
            out->key_schema = trib_schema_decl_key(out->value_schema, trib_config_list(c, "key.fields"), nk, err);
            if (!out->key_schema) {
                trib_error_prefix(err, "key.fields");
                rc = -1;
            }
        }
    } else if (nk) {
        rc = trib_error_set(err, TRIB_ERR_INVALID, "key.fields: needs value.schema (keys are made of declared fields)");
    }
    if (rc == 0) {
        out->parser = trib_text_parser_new(NULL, 0, "UTC", err);
        if (!out->parser) rc = -1;
    }
    trib_config_destroy(c);
    if (rc < 0) trib_http_ingest_settings_free(out);
    return rc;
}

static int type_field(const trib_http_ingest_settings *s, const trib_schema *fs, const json_t *m,
                      trib_value **out, trib_error *err) {
    static const trib_json_opts opts = {0};
    bool text_typed = json_is_string(m) && fs->type != TRIB_STRING && fs->type != TRIB_BYTES;
    if (fs->type == TRIB_BYTES && json_is_string(m)) {
        /* declared bytes (and decimals as text) come as their text, as in a file row */
        const char *t = json_string_value(m);
        return trib_text_parse(s->parser, fs, t, json_string_length(m), out, err);
    }
    if (text_typed) return trib_text_parse(s->parser, fs, json_string_value(m), json_string_length(m), out, err);
    if (!m || json_is_null(m)) return trib_text_parse(s->parser, fs, NULL, 0, out, err);
    return trib_json_to_value(fs, m, &opts, out, err);
}

int trib_http_ingest_type(const trib_http_ingest_settings *s, const json_t *j, trib_value **value,
                          trib_value **key, char *field, size_t cap, const char **rule, trib_error *err) {
    *value = NULL;
    *key = NULL;
    if (cap) field[0] = '\0';
    *rule = "type";
    if (!s->value_schema) {
        static const trib_json_opts opts = {0};
        return trib_json_to_value(NULL, j, &opts, value, err);
    }
    if (!json_is_object(j)) {
        *rule = "not_object";
        return trib_error_set(err, TRIB_ERR_INVALID, "a record must be a JSON object with the declared fields");
    }
    const char *name;
    json_t *m;
    json_object_foreach((json_t *)j, name, m) {
        (void)m;
        if (!trib_schema_field(s->value_schema, name)) {
            snprintf(field, cap, "%s", name);
            *rule = "unknown_field";
            return trib_error_set(err, TRIB_ERR_INVALID, "field is not in the declared schema");
        }
    }
    trib_value *st = trib_value_struct_new(s->value_schema);
    for (size_t i = 0; i < s->value_schema->nfields; i++) {
        const trib_field *f = &s->value_schema->fields[i];
        json_t *mv = json_object_get(j, f->name);
        trib_value *v = NULL;
        if (type_field(s, f->schema, mv, &v, err) < 0) {
            snprintf(field, cap, "%s", f->name);
            *rule = (!mv || json_is_null(mv)) ? "required" : "type";
            trib_value_destroy(st);
            return -1;
        }
        if (v && trib_value_struct_set_take(st, f->name, v) < 0) {
            snprintf(field, cap, "%s", f->name);
            trib_value_destroy(st);
            return trib_error_set(err, TRIB_ERR_INVALID, "value does not fit the declared type");
        }
    }
    *value = st;
    if (s->key_schema) *key = trib_schema_decl_key_value(s->key_schema, st);
    return 0;
}

static int ingest_task_configs(void *ctx, const trib_props *config, int max_tasks, trib_props ***out, size_t *n,
                               trib_error *err) {
    (void)ctx;
    (void)config;
    (void)max_tasks;
    (void)err;
    *out = NULL;   /* records are pushed to the workers' REST listeners, not polled by tasks */
    *n = 0;
    return 0;
}

static void ingest_validate(const trib_props *config, trib_config_report *report) {
    trib_http_ingest_settings s;
    trib_error err = {0};
    if (trib_http_ingest_settings_load(config, &s, &err) < 0) {
        /* the table's own errors are reported by the runtime; add the cross-field ones */
        if (strncmp(err.msg, "key.fields", 10) == 0) trib_config_report_error(report, "key.fields", "%s", err.msg);
        return;
    }
    trib_http_ingest_settings_free(&s);
}

const trib_connector_plugin trib_http_ingest_plugin = {
    .class_name = TRIB_HTTP_INGEST_CLASS,
    .alias = "HttpIngest",
    .version = "1.0.0",
    .kind = TRIB_CONNECTOR_SOURCE,
    .doc = "Records pushed by clients over HTTP (POST /ingest/{connector}), typed by a declared schema "
           "and acknowledged after Kafka acknowledges them",
    .config = ingest_config,
    .validate = ingest_validate,
    .task_configs = ingest_task_configs,
};
