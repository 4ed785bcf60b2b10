/*
 * connector_config.c: common connector keys and whole-config validation.
 * Names, defaults and texts follow Kafka Connect's ConnectorConfig so that
 * configs and scripts written for Connect carry over unchanged.
 */
#include "worker/connector_config.h"
#include "common/util.h"
#include "proto/converter.h"
#include "transforms/java_regex.h"
#include "transforms/transform.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* "data" is the MongoDB connector's value (tolerate data errors, not
 * network ones); the runtime's tolerated errors are all data errors, and
 * sinks retry network errors rather than report them, so it acts as "all". */
static const char *const tolerance_values[] = {"none", "all", "data", NULL};
static const char *const eos_support_values[] = {"requested", "required", NULL};
static const char *const txn_boundary_values[] = {"poll", "interval", "connector", NULL};

#define COMMON "Common"
#define ERRORS "Error Handling"

const trib_config_def trib_connector_common_defs[] = {
    {.name = "name", .type = TRIB_CFG_STRING, .importance = TRIB_IMP_HIGH, .non_empty = true,
     .doc = "Globally unique name to use for this connector.", .group = COMMON, .display_name = "Connector name"},
    {.name = "connector.class", .type = TRIB_CFG_STRING, .importance = TRIB_IMP_HIGH,
     .doc = "Name or alias of the class for this connector, e.g. FileStreamSink or "
            "org.apache.kafka.connect.file.FileStreamSinkConnector.",
     .group = COMMON, .display_name = "Connector class"},
    {.name = "tasks.max", .type = TRIB_CFG_INT, .default_value = "1", .importance = TRIB_IMP_HIGH,
     .has_min = true, .min = 1, .doc = "Maximum number of tasks to use for this connector.",
     .group = COMMON, .display_name = "Tasks max"},
    {.name = "key.converter", .type = TRIB_CFG_CLASS, .optional = true, .importance = TRIB_IMP_LOW,
     .doc = "Converter for record keys; overrides the worker's key.converter.", .group = COMMON,
     .display_name = "Key converter class"},
    {.name = "value.converter", .type = TRIB_CFG_CLASS, .optional = true, .importance = TRIB_IMP_LOW,
     .doc = "Converter for record values; overrides the worker's value.converter.", .group = COMMON,
     .display_name = "Value converter class"},
    {.name = "header.converter", .type = TRIB_CFG_CLASS, .optional = true, .importance = TRIB_IMP_LOW,
     .doc = "Converter for record headers (headers are passed through as bytes).", .group = COMMON,
     .display_name = "Header converter class"},
    {.name = "transforms", .type = TRIB_CFG_LIST, .default_value = "", .importance = TRIB_IMP_LOW,
     .doc = "Aliases for the transformations to apply to records, in order.", .group = "Transforms",
     .display_name = "Transforms"},
    {.name = "predicates", .type = TRIB_CFG_LIST, .default_value = "", .importance = TRIB_IMP_LOW,
     .doc = "Aliases for the predicates used by transformations.", .group = "Predicates",
     .display_name = "Predicates"},
    {.name = "config.action.reload", .type = TRIB_CFG_STRING, .default_value = "restart",
     .importance = TRIB_IMP_LOW, .one_of = (const char *const[]){"none", "restart", NULL},
     .doc = "Accepted for compatibility; configuration providers are not used.", .group = COMMON},
    {.name = "errors.retry.timeout", .type = TRIB_CFG_LONG, .default_value = "-1", .has_min = true, .min = -1,
     .importance = TRIB_IMP_MEDIUM,
     .doc = "Maximum ms to retry a conversion that failed with a retriable error (e.g. the schema registry "
            "is unreachable); 0 no retries, -1 (the default; Connect's is 0) without limit, so a registry "
            "blip never kills a task. Retriable errors of poll/put/flush are always retried.",
     .group = ERRORS, .display_name = "Retry Timeout for Errors"},
    {.name = "errors.retry.delay.max.ms", .type = TRIB_CFG_LONG, .default_value = "60000",
     .has_min = true, .min = 1, .importance = TRIB_IMP_MEDIUM,
     .doc = "Maximum ms between consecutive retries (exponential backoff with jitter).", .group = ERRORS,
     .display_name = "Maximum Delay Between Retries for Errors"},
    {.name = "errors.tolerance", .type = TRIB_CFG_STRING, .default_value = "none", .one_of = tolerance_values,
     .importance = TRIB_IMP_MEDIUM,
     .doc = "none: an error fails the task. all: skip problematic records (to the dead letter "
            "queue when one is configured).",
     .group = ERRORS, .display_name = "Error Tolerance"},
    {.name = "errors.log.enable", .type = TRIB_CFG_BOOLEAN, .default_value = "false", .importance = TRIB_IMP_MEDIUM,
     .doc = "Log each error with its record's topic, partition and offset.", .group = ERRORS,
     .display_name = "Log Errors"},
    {.name = "errors.log.include.messages", .type = TRIB_CFG_BOOLEAN, .default_value = "false",
     .importance = TRIB_IMP_MEDIUM, .doc = "Also log the record's key and value (may expose data).",
     .group = ERRORS, .display_name = "Log Error Details"},
    {.name = "errors.deadletterqueue.topic.name", .type = TRIB_CFG_STRING, .default_value = "",
     .importance = TRIB_IMP_MEDIUM,
     .doc = "Topic for records that failed (with errors.tolerance=all). Tributary supports it for "
            "source connectors too.",
     .group = ERRORS, .display_name = "Dead Letter Queue Topic Name"},
    {.name = "errors.deadletterqueue.topic.replication.factor", .type = TRIB_CFG_INT, .default_value = "3",
     .importance = TRIB_IMP_MEDIUM, .doc = "Replication factor used to create the dead letter queue topic.",
     .group = ERRORS, .display_name = "Dead Letter Queue Topic Replication Factor"},
    {.name = "errors.deadletterqueue.context.headers.enable", .type = TRIB_CFG_BOOLEAN, .default_value = "false",
     .importance = TRIB_IMP_MEDIUM,
     .doc = "Add __connect.errors.* headers (topic, partition, offset, stage, exception) to DLQ records.",
     .group = ERRORS, .display_name = "Enable Error Context Headers"},
    TRIB_CONFIG_END,
};

const trib_config_def trib_connector_sink_defs[] = {
    {.name = "topics", .type = TRIB_CFG_LIST, .default_value = "", .importance = TRIB_IMP_HIGH,
     .doc = "Topics to consume. Only one of topics or topics.regex should be specified.", .group = COMMON,
     .display_name = "Topics"},
    {.name = "topics.regex", .type = TRIB_CFG_STRING, .default_value = "", .importance = TRIB_IMP_HIGH,
     .doc = "Regular expression (POSIX extended) of topics to consume.", .group = COMMON,
     .display_name = "Topics regex"},
    TRIB_CONFIG_END,
};

const trib_config_def trib_connector_source_defs[] = {
    {.name = "exactly.once.support", .type = TRIB_CFG_STRING, .default_value = "requested",
     .one_of = eos_support_values, .importance = TRIB_IMP_MEDIUM,
     .doc = "Whether the connector must provide exactly-once delivery (with exactly.once.source.support=enabled).",
     .group = "Exactly Once Support"},
    {.name = "transaction.boundary", .type = TRIB_CFG_STRING, .default_value = "poll",
     .one_of = txn_boundary_values, .importance = TRIB_IMP_MEDIUM,
     .doc = "Transaction boundaries for exactly-once source tasks: one per poll or per interval.",
     .group = "Exactly Once Support"},
    {.name = "transaction.boundary.interval.ms", .type = TRIB_CFG_LONG, .optional = true,
     .importance = TRIB_IMP_LOW, .doc = "Transaction length with transaction.boundary=interval.",
     .group = "Exactly Once Support"},
    {.name = "offsets.storage.topic", .type = TRIB_CFG_STRING, .optional = true, .importance = TRIB_IMP_LOW,
     .doc = "Accepted for compatibility; offsets use the worker's offsets storage.", .group = "Offsets"},
    {.name = "topic.creation.groups", .type = TRIB_CFG_LIST, .default_value = "", .importance = TRIB_IMP_LOW,
     .doc = "Accepted for compatibility; topics are created by the broker's defaults.", .group = "Topic Creation"},
    TRIB_CONFIG_END,
};

static void validate_converter(trib_config_report *r, const trib_props *config, const char *key) {
    const char *cls = trib_props_get(config, key);
    if (!cls || !*cls) return;
    trib_error lerr;
    trib_error_clear(&lerr);
    if (!trib_converter_lookup(cls))
        trib_config_report_error(r, key, "Invalid value %s for configuration %s: Class %s could not be found.",
                                 cls, key, cls);
    else if (!trib_converter_load(cls, &lerr)) /* its plugin module is missing or broken */
        trib_config_report_error(r, key, "Invalid value %s for configuration %s: %s", cls, key, lerr.msg);
}

static void validate_sink_topics(trib_config_report *r, const trib_props *config) {
    const char *topics = trib_props_get_or(config, "topics", "");
    const char *regex = trib_props_get_or(config, "topics.regex", "");
    size_t ntopics = 0;
    char **list = trib_split_list(topics, &ntopics);
    if (ntopics > 0 && *regex) {
        trib_config_report_error(r, "topics", "topics and topics.regex are mutually exclusive.");
        trib_config_report_error(r, "topics.regex", "topics and topics.regex are mutually exclusive.");
    } else if (ntopics == 0 && !*regex) {
        trib_config_report_error(r, "topics", "Must configure one of topics or topics.regex");
        trib_config_report_error(r, "topics.regex", "Must configure one of topics or topics.regex");
    }
    if (*regex) {
        /* The engine the sink matches topics with (worker/topic_regex.h),
         * so a pattern cannot mean one thing here and another at run time. */
        trib_error e;
        trib_jregex *re = trib_jregex_compile(regex, &e);
        if (!re)
            trib_config_report_error(r, "topics.regex", "Invalid value %s for configuration topics.regex: %s", regex,
                                     e.msg);
        trib_jregex_free(re);
    }
    const char *dlq = trib_props_get_or(config, "errors.deadletterqueue.topic.name", "");
    for (size_t i = 0; *dlq && i < ntopics; i++)
        if (strcmp(list[i], dlq) == 0)
            trib_config_report_error(r, "errors.deadletterqueue.topic.name",
                                     "The DLQ topic '%s' may not be included in the list of topics "
                                     "('topics=%s') consumed by the connector", dlq, topics);
    trib_strv_free(list);
}

trib_config_report *trib_connector_config_validate(const trib_props *config,
                                                   const char *plugin_hint,
                                                   const trib_connector_plugin **plugin_out) {
    trib_config_report *r = trib_config_report_new();
    const char *cls = trib_props_get(config, "connector.class");
    if (!cls && plugin_hint) cls = plugin_hint;
    const trib_connector_info *info = cls ? trib_connector_lookup(cls) : NULL;
    trib_error lerr;
    trib_error_clear(&lerr);
    const trib_connector_plugin *plugin = info ? trib_connector_info_load(info, &lerr) : NULL;
    if (plugin_out) *plugin_out = plugin;

    trib_config_report_add(r, trib_connector_common_defs, config, "");
    if (cls && !info)
        trib_config_report_error(r, "connector.class",
                                 "Invalid value %s for configuration connector.class: Class %s could not be found.",
                                 cls, cls);
    else if (info && !plugin) /* its plugin module is missing or broken */
        trib_config_report_error(r, "connector.class", "Invalid value %s for configuration connector.class: %s",
                                 cls, lerr.msg);
    validate_converter(r, config, "key.converter");
    validate_converter(r, config, "value.converter");
    trib_transform_chain_validate(config, r);
    if (plugin) {
        if (plugin->kind == TRIB_CONNECTOR_SINK) {
            trib_config_report_add(r, trib_connector_sink_defs, config, "");
            validate_sink_topics(r, config);
        } else {
            trib_config_report_add(r, trib_connector_source_defs, config, "");
        }
        if (plugin->config) trib_config_report_add(r, plugin->config, config, "");
        if (plugin->validate) plugin->validate(config, r);
    }
    return r;
}

int trib_error_policy_load(const trib_props *config, trib_error_policy *out, trib_error *err) {
    memset(out, 0, sizeof *out);
    trib_config *c = trib_config_bind(trib_connector_common_defs, config, "", err);
    if (!c) return -1;
    out->tolerate_all = strcasecmp(trib_config_string(c, "errors.tolerance"), "none") != 0;
    out->log_errors = trib_config_bool(c, "errors.log.enable");
    out->log_messages = trib_config_bool(c, "errors.log.include.messages");
    out->retry_timeout_ms = trib_config_long(c, "errors.retry.timeout");
    out->retry_delay_max_ms = trib_config_long(c, "errors.retry.delay.max.ms");
    const char *dlq = trib_config_string(c, "errors.deadletterqueue.topic.name");
    out->dlq_topic = (dlq && *dlq) ? trib_xstrdup(dlq) : NULL;
    out->dlq_replication_factor = trib_config_int(c, "errors.deadletterqueue.topic.replication.factor");
    out->dlq_context_headers = trib_config_bool(c, "errors.deadletterqueue.context.headers.enable");
    trib_config_destroy(c);
    return 0;
}

void trib_error_policy_free(trib_error_policy *p) {
    if (!p) return;
    free(p->dlq_topic);
    p->dlq_topic = NULL;
}
