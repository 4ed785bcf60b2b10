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

#include <pthread.h>
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
#define EOS "Exactly Once Support"
#define CONVERTER_DOC(what)                                                                                     \
    "Converter class used to convert between Kafka Connect format and the serialized form that is written to " \
    "Kafka. This controls the format of the " what " in messages written to or read from Kafka, and since this " \
    "is independent of connectors it allows any connector to work with any serialization format. Examples of "  \
    "common formats include JSON and Avro."

/* Connect 3.9's ConnectorConfig, key by key: type, default, importance,
 * group, order, width and display name as GET /connector-plugins/{p}/config
 * shows them there, and its documentation wherever Tributary does what it
 * says (where it does not, the text says what Tributary does; rest/README.md
 * lists those keys). */
/* Connect's ConfigDef.nonEmptyStringWithoutControlChars, with its texts. */
static int validate_name(const trib_config_def *def, const char *value, trib_error *err) {
    (void)def;
    if (!*value) return trib_error_set(err, TRIB_ERR_INVALID, "String may not be empty");
    trib_strbuf codes;
    trib_strbuf_init(&codes);
    for (const unsigned char *p = (const unsigned char *)value; *p; p++)
        if (*p < 0x20 || *p == 0x7f) trib_strbuf_printf(&codes, "%s%u", codes.len ? ", " : "", *p);
    int rc = 0;
    if (codes.len)
        rc = trib_error_set(err, TRIB_ERR_INVALID,
                            "String may not contain control sequences but had the following ASCII chars: %s",
                            codes.data);
    trib_strbuf_free(&codes);
    return rc;
}

const trib_config_def trib_connector_common_defs[] = {
    {.name = "name", .type = TRIB_CFG_STRING, .importance = TRIB_IMP_HIGH, .validate = validate_name,
     .doc = "Globally unique name to use for this connector.", .group = COMMON, .order = 1,
     .width = TRIB_WIDTH_MEDIUM, .display_name = "Connector name"},
    {.name = "connector.class", .type = TRIB_CFG_STRING, .importance = TRIB_IMP_HIGH,
     .doc = "Name or alias of the class for this connector. Must be a subclass of "
            "org.apache.kafka.connect.connector.Connector. If the connector is "
            "org.apache.kafka.connect.file.FileStreamSinkConnector, you can either specify this full name,  or use "
            "\"FileStreamSink\" or \"FileStreamSinkConnector\" to make the configuration a bit shorter",
     .group = COMMON, .order = 2, .width = TRIB_WIDTH_LONG, .display_name = "Connector class"},
    {.name = "tasks.max", .type = TRIB_CFG_INT, .default_value = "1", .importance = TRIB_IMP_HIGH,
     .has_min = true, .min = 1, .has_max = true, .max = TRIB_CONNECTOR_MAX_TASKS,
     .doc = "Maximum number of tasks to use for this connector.",
     .group = COMMON, .order = 3, .width = TRIB_WIDTH_SHORT, .display_name = "Tasks max"},
    {.name = "tasks.max.enforce", .type = TRIB_CFG_BOOLEAN, .default_value = "true", .importance = TRIB_IMP_LOW,
     .doc = "(Deprecated) Whether to enforce that the tasks.max property is respected by the connector. By "
            "default, connectors that generate too many tasks will fail, and existing sets of tasks that exceed "
            "the tasks.max property will also be failed. If this property is set to false, then connectors will "
            "be allowed to generate more than the maximum number of tasks, and existing sets of tasks that exceed "
            "the tasks.max property will be allowed to run. This property is deprecated and will be removed in an "
            "upcoming major release.",
     .group = COMMON, .order = 4, .width = TRIB_WIDTH_SHORT, .display_name = "Enforce tasks max"},
    {.name = "key.converter", .type = TRIB_CFG_CLASS, .optional = true, .importance = TRIB_IMP_LOW,
     .doc = CONVERTER_DOC("keys"), .group = COMMON, .order = 5, .width = TRIB_WIDTH_SHORT,
     .display_name = "Key converter class"},
    {.name = "value.converter", .type = TRIB_CFG_CLASS, .optional = true, .importance = TRIB_IMP_LOW,
     .doc = CONVERTER_DOC("values"), .group = COMMON, .order = 6, .width = TRIB_WIDTH_SHORT,
     .display_name = "Value converter class"},
    {.name = "header.converter", .type = TRIB_CFG_CLASS, .optional = true, .importance = TRIB_IMP_LOW,
     .validate = trib_header_converter_validate,
     .doc = "HeaderConverter class used to convert between Kafka Connect format and the serialized form that is "
            "written to Kafka. This controls the format of the header values in messages written to or read from "
            "Kafka, and since this is independent of connectors it allows any connector to work with any "
            "serialization format. Examples of common formats include JSON and Avro. By default, the "
            "SimpleHeaderConverter is used to serialize header values to strings and deserialize them by "
            "inferring the schemas.",
     .group = COMMON, .order = 7, .width = TRIB_WIDTH_SHORT, .display_name = "Header converter class"},
    {.name = "transforms", .type = TRIB_CFG_LIST, .default_value = "", .importance = TRIB_IMP_LOW,
     .doc = "Aliases for the transformations to be applied to records.", .group = "Transforms", .order = 8,
     .width = TRIB_WIDTH_LONG, .display_name = "Transforms"},
    {.name = "predicates", .type = TRIB_CFG_LIST, .default_value = "", .importance = TRIB_IMP_LOW,
     .doc = "Aliases for the predicates used by transformations.", .group = "Predicates", .order = 9,
     .width = TRIB_WIDTH_LONG, .display_name = "Predicates"},
    {.name = "config.action.reload", .type = TRIB_CFG_STRING, .default_value = "restart",
     .importance = TRIB_IMP_LOW, .one_of = (const char *const[]){"none", "restart", NULL},
     .doc = "What to do when a configuration provider reports a changed value. None of Tributary's "
            "configuration providers (File, Directory, EnvVar) reports changes, so no value changes "
            "underneath a connector and both settings behave alike.",
     .group = COMMON,
     .order = 10, .width = TRIB_WIDTH_MEDIUM, .display_name = "Reload Action"},
    {.name = "errors.retry.timeout", .type = TRIB_CFG_LONG, .default_value = "-1", .has_min = true, .min = -1,
     .importance = TRIB_IMP_MEDIUM,
     .doc = "Maximum ms to retry a conversion that failed with a retriable error (e.g. the schema registry "
            "is unreachable); 0 no retries, -1 (the default; Connect's is 0) without limit, so a registry "
            "blip never kills a task. Retriable errors of poll/put/flush are always retried.",
     .group = ERRORS, .order = 1, .width = TRIB_WIDTH_MEDIUM, .display_name = "Retry Timeout for Errors"},
    {.name = "errors.retry.delay.max.ms", .type = TRIB_CFG_LONG, .default_value = "60000",
     .has_min = true, .min = 1, .importance = TRIB_IMP_MEDIUM,
     .doc = "The maximum duration in milliseconds between consecutive retry attempts. Jitter will be added to the "
            "delay once this limit is reached to prevent thundering herd issues.",
     .group = ERRORS, .order = 2, .width = TRIB_WIDTH_MEDIUM,
     .display_name = "Maximum Delay Between Retries for Errors"},
    {.name = "errors.tolerance", .type = TRIB_CFG_STRING, .default_value = "none", .one_of = tolerance_values,
     .importance = TRIB_IMP_MEDIUM,
     .doc = "Behavior for tolerating errors during connector operation. 'none' is the default value and signals "
            "that any error will result in an immediate connector task failure; 'all' changes the behavior to "
            "skip over problematic records.",
     .group = ERRORS, .order = 3, .width = TRIB_WIDTH_SHORT, .display_name = "Error Tolerance"},
    {.name = "errors.log.enable", .type = TRIB_CFG_BOOLEAN, .default_value = "false", .importance = TRIB_IMP_MEDIUM,
     .doc = "If true, write each error and the details of the failed operation and problematic record to the "
            "Connect application log. This is 'false' by default, so that only errors that are not tolerated are "
            "reported.",
     .group = ERRORS, .order = 4, .width = TRIB_WIDTH_SHORT, .display_name = "Log Errors"},
    {.name = "errors.log.include.messages", .type = TRIB_CFG_BOOLEAN, .default_value = "false",
     .importance = TRIB_IMP_MEDIUM,
     .doc = "Whether to include in the log the Connect record that resulted in a failure. For sink records, the "
            "topic, partition, offset, and timestamp will be logged. For source records, the key and value (and "
            "their schemas), all headers, and the timestamp, Kafka topic, Kafka partition, source partition, and "
            "source offset will be logged. This is 'false' by default, which will prevent record keys, values, and "
            "headers from being written to log files.",
     .group = ERRORS, .order = 5, .width = TRIB_WIDTH_SHORT, .display_name = "Log Error Details"},
    TRIB_CONFIG_END,
};

/* The dead letter queue: SinkConnectorConfig's keys. Tributary also honours
 * them for source connectors, where they are validated and bound but not
 * described, so a source's definitions list what Connect's do. */
const trib_config_def trib_connector_dlq_defs[] = {
    {.name = "errors.deadletterqueue.topic.name", .type = TRIB_CFG_STRING, .default_value = "",
     .importance = TRIB_IMP_MEDIUM,
     .doc = "The name of the topic to be used as the dead letter queue (DLQ) for messages that result in an error "
            "when processed by this sink connector, or its transformations or converters. The topic name is blank "
            "by default, which means that no messages are to be recorded in the DLQ.",
     .group = ERRORS, .order = 6, .width = TRIB_WIDTH_MEDIUM, .display_name = "Dead Letter Queue Topic Name"},
    {.name = "errors.deadletterqueue.topic.replication.factor", .type = TRIB_CFG_SHORT, .default_value = "3",
     .importance = TRIB_IMP_MEDIUM,
     .doc = "Replication factor used to create the dead letter queue topic when it doesn't already exist.",
     .group = ERRORS, .order = 7, .width = TRIB_WIDTH_MEDIUM,
     .display_name = "Dead Letter Queue Topic Replication Factor"},
    {.name = "errors.deadletterqueue.context.headers.enable", .type = TRIB_CFG_BOOLEAN, .default_value = "false",
     .importance = TRIB_IMP_MEDIUM,
     .doc = "If true, add headers containing error context to the messages written to the dead letter queue. To "
            "avoid clashing with headers from the original record, all error context header keys, all error "
            "context header keys will start with <code>__connect.errors.</code>",
     .group = ERRORS, .order = 8, .width = TRIB_WIDTH_MEDIUM, .display_name = "Enable Error Context Headers"},
    TRIB_CONFIG_END,
};

const trib_config_def trib_connector_sink_defs[] = {
    /* both order 4 in Connect's SinkConnectorConfig */
    {.name = "topics", .type = TRIB_CFG_LIST, .default_value = "", .importance = TRIB_IMP_HIGH,
     .doc = "List of topics to consume, separated by commas", .group = COMMON, .order = 4,
     .width = TRIB_WIDTH_LONG, .display_name = "Topics"},
    {.name = "topics.regex", .type = TRIB_CFG_STRING, .default_value = "", .importance = TRIB_IMP_HIGH,
     .doc = "Regular expression giving topics to consume (POSIX extended syntax). Only one of topics or "
            "topics.regex should be specified.",
     .group = COMMON, .order = 4, .width = TRIB_WIDTH_LONG, .display_name = "Topics regex"},
    TRIB_CONFIG_END,
};

const trib_config_def trib_connector_source_defs[] = {
    {.name = "topic.creation.groups", .type = TRIB_CFG_LIST, .default_value = "", .importance = TRIB_IMP_LOW,
     .doc = "Not supported: Tributary does not create topics for source connectors (the broker's "
            "auto-creation applies), so this and every other topic.creation.* key is refused when set.",
     .group = "Topic Creation",
     .order = 1, .width = TRIB_WIDTH_LONG, .display_name = "Topic Creation Groups"},
    {.name = "exactly.once.support", .type = TRIB_CFG_STRING, .default_value = "requested",
     .one_of = eos_support_values, .importance = TRIB_IMP_MEDIUM,
     .doc = "'required' refuses the connector unless the worker provides exactly-once source delivery "
            "(exactly.once.source.support=enabled, distributed mode), where every source connector's records "
            "and offsets are committed in one transaction per poll; 'requested' runs it either way.",
     .group = EOS, .order = 2, .width = TRIB_WIDTH_SHORT, .display_name = "Exactly once support"},
    {.name = "transaction.boundary", .type = TRIB_CFG_STRING, .default_value = "poll",
     .one_of = txn_boundary_values, .importance = TRIB_IMP_MEDIUM,
     .doc = "Transaction boundaries for exactly-once source tasks. Tributary commits one transaction per "
            "poll() batch; 'interval' and 'connector' are refused.",
     .group = EOS, .order = 3, .width = TRIB_WIDTH_SHORT, .display_name = "Transaction Boundary"},
    {.name = "transaction.boundary.interval.ms", .type = TRIB_CFG_LONG, .optional = true,
     .importance = TRIB_IMP_LOW,
     .doc = "Transaction length with transaction.boundary=interval, which Tributary does not support; "
            "refused when set.",
     .group = EOS, .order = 4, .width = TRIB_WIDTH_SHORT, .display_name = "Transaction boundary interval"},
    {.name = "offsets.storage.topic", .type = TRIB_CFG_STRING, .optional = true, .importance = TRIB_IMP_LOW,
     .doc = "Not supported: source offsets are kept in the worker's offsets storage (offset.storage.topic "
            "in distributed mode); refused when set.",
     .group = "offsets.topic",
     .order = 1, .width = TRIB_WIDTH_LONG, .display_name = "Offsets topic"},
    TRIB_CONFIG_END,
};

static void validate_converter(trib_config_report *r, const trib_props *config, const char *key) {
    const char *cls = trib_props_get(config, key);
    if (!cls || !*cls) return;
    trib_error lerr;
    trib_error_clear(&lerr);
    if (!trib_converter_lookup(cls)) {
        trib_config_report_error(r, key, "Invalid value %s for configuration %s: Class %s could not be found.",
                                 cls, key, cls);
        trib_config_report_value_null(r, key); /* as Connect: the CLASS did not parse */
    } else if (!trib_converter_load(cls, &lerr)) { /* its plugin module is missing or broken */
        trib_config_report_error(r, key, "Invalid value %s for configuration %s: %s", cls, key, lerr.msg);
    } else {
        /* an alias shows as the class it names, as Connect parses a CLASS */
        trib_config_report_set_value(r, key, trib_converter_lookup(cls)->class_name);
    }
}

/* The bucket of a key in a java.util.HashMap of the given capacity:
 * String.hashCode, spread as HashMap.hash does. */
static size_t java_bucket(const char *key, size_t cap) {
    uint32_t h = 0;
    for (const unsigned char *c = (const unsigned char *)key; *c; c++) h = 31 * h + *c;
    h ^= h >> 16;
    return h & (cap - 1);
}

/* Reorders rows (inserted in this order) as a java.util.HashMap iterates
 * them: by bucket of the final table, insertion order within a bucket. */
static void java_hashmap_order(trib_config_def *rows, size_t n) {
    size_t cap = 16;
    while (n > cap * 3 / 4) cap *= 2;
    for (size_t i = 1; i < n; i++) { /* stable insertion sort by bucket */
        trib_config_def x = rows[i];
        size_t b = java_bucket(x.name, cap), j = i;
        for (; j > 0 && java_bucket(rows[j - 1].name, cap) > b; j--) rows[j] = rows[j - 1];
        rows[j] = x;
    }
}

/* converter.type and a converter's own definitions in the order Connect
 * lists them on validate (ConfigDef.validate's HashMap). Built once per
 * converter and kept for the process: a report borrows its definitions. */
static const trib_config_def *converter_rows(const trib_converter_plugin *p) {
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    static struct {
        const trib_converter_plugin *plugin;
        trib_config_def *rows;
    } cache[32];
    static size_t ncache;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < ncache; i++)
        if (cache[i].plugin == p) {
            pthread_mutex_unlock(&lock);
            return cache[i].rows;
        }
    size_t n = 0;
    for (const trib_config_def *d = trib_converter_type_defs; d->name; d++) n++;
    for (const trib_config_def *d = p->config; d && d->name; d++) n++;
    trib_config_def *rows = trib_xcalloc(n + 1, sizeof *rows);
    size_t k = 0;
    for (const trib_config_def *d = trib_converter_type_defs; d->name; d++) rows[k++] = *d;
    for (const trib_config_def *d = p->config; d && d->name; d++) rows[k++] = *d;
    java_hashmap_order(rows, n);
    /* the catalog has fewer converters than slots, so every one is kept */
    if (ncache < sizeof cache / sizeof cache[0]) {
        cache[ncache].plugin = p;
        cache[ncache++].rows = rows;
    }
    pthread_mutex_unlock(&lock);
    return rows;
}

/* As Connect 3.9's validateConverterConfig: a converter the connector
 * config sets adds its own definitions and values, prefixed with the key
 * ("header.converter.schemas.enable"), converter.type set as the worker
 * sets it. Nothing for a class that already failed, nor for
 * SimpleHeaderConverter (no keys), nor AvroConverter (below). */
static void report_converter_keys(trib_config_report *r, const trib_props *config, const char *key,
                                   const char *type) {
    const char *cls = trib_props_get(config, key);
    if (!cls || !*cls) return;
    bool header = strcmp(key, "header.converter") == 0;
    if (header && (!trib_header_converter_class(cls) ||
                   strcmp(trib_header_converter_class(cls), TRIB_SIMPLE_HEADER_CONVERTER) == 0))
        return;
    /* Apache Kafka's converters only: whether Confluent's AvroConverter
     * reports definitions (schema.registry.url required in the connector
     * config itself) is not something Tributary can compare against */
    const trib_converter_info *ci = trib_converter_lookup(cls);
    const trib_converter_plugin *p = ci && !ci->module ? ci->builtin : NULL;
    if (!p) return;
    char prefix[64], typekey[96];
    snprintf(prefix, sizeof prefix, "%s.", key);
    snprintf(typekey, sizeof typekey, "%sconverter.type", prefix);
    trib_props *pc = trib_props_clone(config);
    if (!trib_props_get(pc, typekey)) trib_props_set(pc, typekey, type);
    trib_config_report_add(r, converter_rows(p), pc, prefix);
    trib_props_destroy(pc);
}

static void validate_sink_topics(trib_config_report *r, const trib_props *config) {
    const char *topics = trib_props_get_or(config, "topics", "");
    const char *regex = trib_props_get_or(config, "topics.regex", "");
    size_t ntopics = 0;
    char **list = trib_split_list(topics, &ntopics);
    if (ntopics > 0 && *regex) {
        trib_config_report_error(r, "topics", "topics and topics.regex are mutually exclusive options, but both are set.");
        trib_config_report_error(r, "topics.regex",
                                 "topics and topics.regex are mutually exclusive options, but both are set.");
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

/* Source connectors' framework keys that Connect honours and Tributary does
 * not (yet): each set value Tributary would not act on is an error naming
 * the key, so no setting is accepted that silently does nothing. A key
 * without a definition (topic.creation.default.partitions...) is reported
 * all the same. exactly.once.support depends on the worker and is checked
 * by trib_connector_config_check_eos. */
static void validate_source_unsupported(trib_config_report *r, const trib_props *config) {
    const char *tb = trib_props_get(config, "transaction.boundary");
    /* a value outside poll/interval/connector is already refused by the table */
    if (tb && (strcasecmp(tb, "interval") == 0 || strcasecmp(tb, "connector") == 0))
        trib_config_report_error(r, "transaction.boundary",
                                 "Invalid value %s for configuration transaction.boundary: Tributary commits one "
                                 "transaction per poll() batch; only 'poll' is supported",
                                 tb);
    const char *tbi = trib_props_get(config, "transaction.boundary.interval.ms");
    if (tbi && *tbi)
        trib_config_report_error(r, "transaction.boundary.interval.ms",
                                 "Invalid value %s for configuration transaction.boundary.interval.ms: it applies "
                                 "only to transaction.boundary=interval, which Tributary does not support; remove it",
                                 tbi);
    const char *ost = trib_props_get(config, "offsets.storage.topic");
    if (ost && *ost)
        trib_config_report_error(r, "offsets.storage.topic",
                                 "Invalid value %s for configuration offsets.storage.topic: Tributary keeps source "
                                 "offsets in the worker's offsets storage; per-connector offsets topics are not "
                                 "supported, remove it",
                                 ost);
    for (size_t i = 0; i < trib_props_count(config); i++) {
        const char *k = trib_props_key_at(config, i), *v = trib_props_value_at(config, i);
        if (!trib_str_startswith(k, "topic.creation.")) continue;
        /* the default empty list asks for nothing */
        if (strcmp(k, "topic.creation.groups") == 0 && !*v) continue;
        trib_config_report_error(r, k,
                                 "Invalid value %s for configuration %s: Tributary does not create topics for "
                                 "source connectors (the broker's auto-creation applies); remove it",
                                 v, k);
    }
}

void trib_connector_config_check_eos(trib_config_report *r, const trib_props *config,
                                     const trib_connector_plugin *plugin, bool worker_eos) {
    if (!plugin || plugin->kind != TRIB_CONNECTOR_SOURCE || worker_eos) return;
    const char *v = trib_props_get(config, "exactly.once.support");
    if (v && strcasecmp(v, "required") == 0)
        /* Connect's text, word for word (DistributedHerder) */
        trib_config_report_error(r, "exactly.once.support",
                                 "This worker does not have exactly-once source support enabled.");
}

/* Source connectors: the DLQ keys are checked, and their errors reported
 * (as keys without definition), but not described (see
 * trib_connector_dlq_defs). */
static void validate_source_dlq(trib_config_report *r, const trib_props *config) {
    trib_config_report *dlq = trib_config_report_new();
    trib_config_report_add(dlq, trib_connector_dlq_defs, config, "");
    trib_config_report_take_errors(r, dlq);
    trib_config_report_destroy(dlq);
}

/* Another product's class served by a Tributary plugin: each of the
 * original's keys that Tributary does not honour is an error naming it,
 * unless its value is one that matches what Tributary does anyway. */
static void validate_foreign_keys(trib_config_report *r, const trib_props *config, const trib_foreign_class *info,
                                  const trib_connector_plugin *plugin) {
    for (const trib_foreign_key *k = info->unsupported; k->key; k++) {
        const char *v = trib_props_get(config, k->key);
        if (!v) continue;
        bool ok = false;
        for (const char *const *a = k->accepted; a && *a && !ok; a++) ok = strcasecmp(*a, v) == 0;
        if (ok) continue;
        trib_strbuf sb;
        trib_strbuf_init(&sb);
        for (const char *const *a = k->accepted; a && *a; a++)
            trib_strbuf_printf(&sb, "%s%s", a == k->accepted ? "" : ", ", *a);
        if (sb.len)
            trib_config_report_error(r, k->key,
                                     "Invalid value %s for configuration %s: %s is served by %s, which supports only "
                                     "%s here",
                                     v, k->key, info->class_name, plugin->class_name, sb.data);
        else
            trib_config_report_error(r, k->key,
                                     "Invalid value %s for configuration %s: %s is served by %s, which does not "
                                     "support this setting; remove it",
                                     v, k->key, info->class_name, plugin->class_name);
        trib_strbuf_free(&sb);
    }
}

/* Connect's embedded groups: "Transforms: <alias>" for each transform, then
 * "Predicates: <alias>" for each predicate, after the framework's keys. */
static void embed_plugin_groups(trib_config_report *r, const trib_props *config) {
    static const struct {
        const char *list, *key, *group, *noun, *display;
    } kinds[] = {
        {"transforms", "transforms", "Transforms", "transformation", "Transformation"},
        {"predicates", "predicates", "Predicates", "predicate", "Predicate"},
    };
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        size_t n = 0;
        char **aliases = trib_split_list(trib_props_get(config, kinds[k].list), &n);
        for (size_t i = 0; i < n; i++) {
            char *prefix = trib_xasprintf("%s.%s.", kinds[k].key, aliases[i]);
            char *group = trib_xasprintf("%s: %s", kinds[k].group, aliases[i]);
            char *doc = trib_xasprintf("Class for the '%s' %s.", aliases[i], kinds[k].noun);
            char *display = trib_xasprintf("%s type for %s", kinds[k].display, aliases[i]);
            trib_config_report_embed(r, prefix, group, doc, display);
            free(prefix);
            free(group);
            free(doc);
            free(display);
        }
        trib_strv_free(aliases);
    }
}

static bool list_too_long(const trib_props *config, const char *key, trib_error *err) {
    size_t n = 0;
    char **v = trib_split_list(trib_props_get(config, key), &n);
    trib_strv_free(v);
    if (n <= TRIB_CONNECTOR_MAX_TRANSFORMS) return false;
    trib_error_set(err, TRIB_ERR_INVALID, "%s: %zu entries; a connector config may have at most %d", key, n,
                   TRIB_CONNECTOR_MAX_TRANSFORMS);
    return true;
}

/* The key to report a size violation under, or NULL when within bounds. */
static const char *size_violation(const trib_props *config, trib_error *err) {
    size_t n = trib_props_count(config);
    if (n > TRIB_CONNECTOR_MAX_KEYS) {
        trib_error_set(err, TRIB_ERR_INVALID, "config: %zu keys; a connector config may have at most %d", n,
                       TRIB_CONNECTOR_MAX_KEYS);
        return "name";
    }
    if (list_too_long(config, "transforms", err)) return "transforms";
    if (list_too_long(config, "predicates", err)) return "predicates";
    return NULL;
}

int trib_connector_config_check_size(const trib_props *config, trib_error *err) {
    return size_violation(config, err) ? -1 : 0;
}

trib_config_report *trib_connector_config_validate(const trib_props *config,
                                                   const char *plugin_hint,
                                                   const trib_connector_plugin **plugin_out) {
    trib_config_report *r = trib_config_report_new();
    trib_error serr;
    const char *too_big = size_violation(config, &serr);
    if (too_big) {
        /* Nothing else is checked: that would walk the oversized config. */
        if (plugin_out) *plugin_out = NULL;
        trib_config_report_error(r, too_big, "%s", serr.msg);
        return r;
    }
    const char *cls = trib_props_get(config, "connector.class");
    if (!cls && plugin_hint) cls = plugin_hint;
    const trib_connector_info *info = cls ? trib_connector_lookup(cls) : NULL;
    trib_error lerr;
    trib_error_clear(&lerr);
    const trib_connector_plugin *plugin = info ? trib_connector_info_load(info, &lerr) : NULL;
    if (plugin_out) *plugin_out = plugin;

    /* in Connect's order: the framework's keys, the transforms' and
     * predicates' groups, then the connector's own keys */
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
    if (plugin) {
        if (plugin->kind == TRIB_CONNECTOR_SINK) {
            trib_config_report_add(r, trib_connector_sink_defs, config, "");
            trib_config_report_add(r, trib_connector_dlq_defs, config, "");
            validate_sink_topics(r, config);
        } else {
            trib_config_report_add(r, trib_connector_source_defs, config, "");
            validate_source_dlq(r, config);
            validate_source_unsupported(r, config);
        }
    }
    trib_transform_chain_validate(config, r);
    embed_plugin_groups(r, config);
    if (plugin) {
        if (plugin->config) trib_config_report_add(r, plugin->config, config, "");
        if (plugin->validate) plugin->validate(config, r);
        const trib_foreign_class *foreign = trib_connector_foreign(cls);
        if (foreign) validate_foreign_keys(r, config, foreign, plugin);
    }
    report_converter_keys(r, config, "key.converter", "key");
    report_converter_keys(r, config, "value.converter", "value");
    report_converter_keys(r, config, "header.converter", "header");
    return r;
}

int trib_error_policy_load(const trib_props *config, trib_error_policy *out, trib_error *err) {
    memset(out, 0, sizeof *out);
    trib_config *c = trib_config_bind(trib_connector_common_defs, config, "", err);
    if (!c) return -1;
    trib_config *dlq = trib_config_bind(trib_connector_dlq_defs, config, "", err);
    if (!dlq) {
        trib_config_destroy(c);
        return -1;
    }
    out->tolerate_all = strcasecmp(trib_config_string(c, "errors.tolerance"), "none") != 0;
    out->log_errors = trib_config_bool(c, "errors.log.enable");
    out->log_messages = trib_config_bool(c, "errors.log.include.messages");
    out->retry_timeout_ms = trib_config_long(c, "errors.retry.timeout");
    out->retry_delay_max_ms = trib_config_long(c, "errors.retry.delay.max.ms");
    const char *topic = trib_config_string(dlq, "errors.deadletterqueue.topic.name");
    out->dlq_topic = (topic && *topic) ? trib_xstrdup(topic) : NULL;
    out->dlq_replication_factor = trib_config_int(dlq, "errors.deadletterqueue.topic.replication.factor");
    out->dlq_context_headers = trib_config_bool(dlq, "errors.deadletterqueue.context.headers.enable");
    trib_config_destroy(dlq);
    trib_config_destroy(c);
    return 0;
}

void trib_error_policy_free(trib_error_policy *p) {
    if (!p) return;
    free(p->dlq_topic);
    p->dlq_topic = NULL;
}
