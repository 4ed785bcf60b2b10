/*
 * worker_config.c: the worker properties tables (see worker_config.h).
 *
 * Names, types and defaults follow Kafka Connect's WorkerConfig,
 * StandaloneConfig, DistributedConfig and RestServerConfig, so an existing
 * connect-*.properties file works unchanged. Where Tributary does less than
 * Connect (HTTPS listeners), the key is still accepted and the
 * limit is stated in a clear error or warning rather than a silent no-op.
 */
#include "worker/worker_config.h"
#include "common/log.h"
#include "common/util.h"
#include "proto/converter.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define LOG_FAC "worker.config"

/* ---- validators ---------------------------------------------------------------- */

int trib_worker_parse_listener(const char *url, char **host, int *port, trib_error *err) {
    *host = NULL;
    *port = 0;
    char *copy = trib_xstrdup(url ? url : "");
    char *s = trib_trim(copy);
    int rc = -1;
    const char *rest = NULL;
    if (strncasecmp(s, "https://", 8) == 0) {
        trib_error_set(err, TRIB_ERR_INVALID,
                       "HTTPS listeners are not supported yet (listener '%s'): use http:// and terminate "
                       "TLS in front of the worker", s);
        goto out;
    }
    if (strncasecmp(s, "http://", 7) == 0) rest = s + 7;
    if (!rest) {
        trib_error_set(err, TRIB_ERR_INVALID, "listener '%s' must look like http://host:port", s);
        goto out;
    }
    /* An optional single trailing slash, as in "http://host:8083/". */
    size_t len = strlen(rest);
    char *hp = trib_xstrndup(rest, len > 0 && rest[len - 1] == '/' ? len - 1 : len);
    char *colon;
    if (hp[0] == '[') { /* IPv6: http://[::1]:8083 */
        char *close = strchr(hp, ']');
        colon = close ? close + 1 : NULL;
        if (!close || *colon != ':') colon = NULL;
        else *close = '\0';
    } else {
        colon = strrchr(hp, ':');
        if (colon && memchr(hp, ':', (size_t)(colon - hp))) colon = NULL; /* unbracketed IPv6 */
    }
    const char *h = hp[0] == '[' ? hp + 1 : hp;
    if (!colon) {
        trib_error_set(err, TRIB_ERR_INVALID, "listener '%s' must look like http://host:port", s);
    } else {
        *colon = '\0';
        const char *p = colon + 1;
        int64_t v;
        bool digits = *p != '\0';
        for (const char *q = p; *q; q++) digits = digits && isdigit((unsigned char)*q);
        if (strpbrk(h, "/?#@ ")) {
            trib_error_set(err, TRIB_ERR_INVALID, "listener '%s' has an invalid host '%s'", s, h);
        } else if (!digits || trib_parse_int64(p, &v) != 0 || v > 65535) {
            trib_error_set(err, TRIB_ERR_INVALID, "listener '%s' has an invalid port '%s' (0..65535)", s, p);
        } else {
            *host = trib_xstrdup(h);
            *port = (int)v;
            rc = 0;
        }
    }
    free(hp);
out:
    free(copy);
    return rc;
}

static int validate_listeners(const trib_config_def *def, const char *value, trib_error *err) {
    (void)def;
    size_t n;
    char **items = trib_split_list(value, &n);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char *host;
        int port;
        rc = trib_worker_parse_listener(items[i], &host, &port, err);
        free(host);
    }
    trib_strv_free(items);
    return rc;
}

static int validate_advertised_listener(const trib_config_def *def, const char *value, trib_error *err) {
    (void)def;
    if (strcasecmp(value, "http") == 0) return 0;
    if (strcasecmp(value, "https") == 0)
        return trib_error_set(err, TRIB_ERR_INVALID, "HTTPS listeners are not supported yet: use http");
    return trib_error_set(err, TRIB_ERR_INVALID, "String must be one of: http, https");
}

/* Connect's TopicCreationConfig validators: -1 means the broker's default. */
static int validate_replication_factor(const trib_config_def *def, const char *value, trib_error *err) {
    (void)def;
    int64_t v;
    if (trib_parse_int64(value, &v) == 0 && (v == -1 || (v >= 1 && v <= SHRT_MAX))) return 0;
    return trib_error_set(err, TRIB_ERR_INVALID,
                          "Replication factor must be positive and not larger than the number of brokers in "
                          "the Kafka cluster, or -1 to use the broker's default");
}

static int validate_partitions(const trib_config_def *def, const char *value, trib_error *err) {
    (void)def;
    int64_t v;
    if (trib_parse_int64(value, &v) == 0 && (v == -1 || v >= 1)) return 0;
    return trib_error_set(err, TRIB_ERR_INVALID,
                          "Number of partitions must be positive, or -1 to use the broker's default");
}

/* Connect accepts the alias or the class name of the policy. */
static const char *const policy_aliases[] = {"All", "None", "Principal", NULL};

static const char *policy_alias(const char *value) {
    static const char *const pkg = "org.apache.kafka.connect.connector.policy.";
    if (trib_str_startswith(value, pkg)) value += strlen(pkg);
    for (const char *const *a = policy_aliases; *a; a++) {
        if (strcasecmp(value, *a) == 0) return *a;
        size_t n = strlen(*a);
        if (strncasecmp(value, *a, n) == 0 && strcmp(value + n, "ConnectorClientConfigOverridePolicy") == 0)
            return *a;
    }
    return NULL;
}

static int validate_override_policy(const trib_config_def *def, const char *value, trib_error *err) {
    (void)def;
    if (policy_alias(value)) return 0;
    return trib_error_set(err, TRIB_ERR_INVALID,
                          "String must be one of: All, None, Principal (or their "
                          "ConnectorClientConfigOverridePolicy class names)");
}

/* ---- tables ---------------------------------------------------------------------- */

static const char *const eos_values[] = {"disabled", "preparing", "enabled", NULL};
static const char *const log_formats[] = {"text", "json", NULL};

#define MS_ROW(n, dflt, grp, imp, text) \
    {.name = n, .type = TRIB_CFG_LONG, .default_value = dflt, .has_min = true, .min = 0, \
     .importance = imp, .group = grp, .doc = text}

#define COMMON_ROWS                                                                                        \
    {.name = "bootstrap.servers", .type = TRIB_CFG_LIST, .default_value = "localhost:9092",               \
     .non_empty = true, .importance = TRIB_IMP_HIGH, .group = "Common",                                   \
     .doc = "Kafka brokers (host1:port1,host2:port2,...) used for the first connection; the clients "     \
            "discover the rest of the cluster from them. List more than one for resilience."},            \
    {.name = "key.converter", .type = TRIB_CFG_CLASS, .importance = TRIB_IMP_HIGH, .group = "Common",     \
     .doc = "Converter class (or alias) between Connect data and the serialized form of record keys in "  \
            "Kafka, for example org.apache.kafka.connect.json.JsonConverter. Connectors may override it."}, \
    {.name = "value.converter", .type = TRIB_CFG_CLASS, .importance = TRIB_IMP_HIGH, .group = "Common",   \
     .doc = "Converter class (or alias) between Connect data and the serialized form of record values "   \
            "in Kafka, for example io.confluent.connect.avro.AvroConverter. Connectors may override it."}, \
    {.name = "header.converter", .type = TRIB_CFG_CLASS,                                                    \
     .default_value = "org.apache.kafka.connect.storage.SimpleHeaderConverter",                            \
     .validate = trib_header_converter_validate, .importance = TRIB_IMP_LOW, .group = "Common",            \
     .doc = "HeaderConverter class for record header values: SimpleHeaderConverter (text, schemas "     \
            "inferred on read), or StringConverter, JsonConverter, ByteArrayConverter or a number or "     \
            "boolean converter, configured with header.converter.* keys. Connectors may override it."},    \
    {.name = "client.id", .type = TRIB_CFG_STRING, .default_value = "", .importance = TRIB_IMP_LOW,         \
     .group = "Common",                                                                                    \
     .doc = "Client id sent to the brokers with the worker's own requests, to trace them in broker logs."}, \
    {.name = "metadata.max.age.ms", .type = TRIB_CFG_LONG, .default_value = "300000", .has_min = true,     \
     .min = 0, .importance = TRIB_IMP_LOW, .group = "Common",                                              \
     .doc = "Milliseconds after which cluster metadata is refreshed even without a leadership change."},  \
    {.name = "connector.client.config.override.policy", .type = TRIB_CFG_STRING, .default_value = "All",  \
     .validate = validate_override_policy, .importance = TRIB_IMP_MEDIUM, .group = "Common",               \
     .doc = "Which client settings connectors may override with producer.override.*, "                    \
            "consumer.override.* and admin.override.*: All (any), None (none) or Principal (only the "    \
            "security principal settings). Class names of Connect's policies are accepted too."},         \
    {.name = "topic.creation.enable", .type = TRIB_CFG_BOOLEAN, .default_value = "true",                   \
     .importance = TRIB_IMP_LOW, .group = "Common",                                                         \
     .doc = "Connect's switch for topic creation by source connectors. Tributary creates no topics for "  \
            "them (the broker's auto-creation applies) and refuses their topic.creation.* keys, so this "  \
            "gates nothing; accepted so a Connect worker config starts unchanged."},                       \
    {.name = "plugin.path", .type = TRIB_CFG_LIST, .optional = true, .importance = TRIB_IMP_LOW,            \
     .group = "Common",                                                                                     \
     .doc = "Directories searched first for plugin modules (postgres.so: the PostgreSQL connectors; "     \
            "avro.so: the Avro converter), each loaded when one of its plugins is first used; then "      \
            "plugins/ and ../lib/tributary/plugins/ in the tributary binary's directory. Other plugins "  \
            "are built in."},                                                                              \
    MS_ROW("offset.flush.interval.ms", "60000", "Offsets", TRIB_IMP_LOW,                                   \
           "How often the offsets of source tasks are committed."),                                        \
    MS_ROW("offset.flush.timeout.ms", "5000", "Offsets", TRIB_IMP_LOW,                                     \
           "Connect's bound on an offset commit waiting for records to be flushed. No effect in "        \
           "Tributary (a warning when set): a commit stages only acknowledged records' offsets."),         \
    MS_ROW("task.shutdown.graceful.timeout.ms", "5000", "Common", TRIB_IMP_LOW,                            \
           "Total time (not per task) to wait for tasks to stop gracefully on shutdown."),                 \
    {.name = "listeners", .type = TRIB_CFG_LIST, .default_value = "http://:8083", .non_empty = true,      \
     .validate = validate_listeners, .importance = TRIB_IMP_LOW, .group = "REST",                          \
     .doc = "Comma-separated URLs the REST API listens on, as http://host:port. An empty host binds "     \
            "all interfaces (http://:8083); 0.0.0.0 does too. HTTPS listeners are not supported yet."},   \
    {.name = "rest.advertised.host.name", .type = TRIB_CFG_STRING, .optional = true,                        \
     .importance = TRIB_IMP_LOW, .group = "REST",                                                           \
     .doc = "Host name given to other workers and shown as the worker id; defaults to the first "         \
            "listener's host, or this machine's host name when that is empty."},                          \
    {.name = "rest.advertised.port", .type = TRIB_CFG_INT, .optional = true, .has_min = true, .min = 1,    \
     .has_max = true, .max = 65535, .importance = TRIB_IMP_LOW, .group = "REST",                           \
     .doc = "Port given to other workers; defaults to the first listener's port."},                        \
    {.name = "rest.advertised.listener", .type = TRIB_CFG_STRING, .optional = true,                         \
     .validate = validate_advertised_listener, .importance = TRIB_IMP_LOW, .group = "REST",                \
     .doc = "Protocol of the listener advertised to other workers (http; https is not supported yet)."},  \
    {.name = "admin.token.file", .type = TRIB_CFG_STRING, .optional = true, .non_empty = true,              \
     .importance = TRIB_IMP_MEDIUM, .group = "REST",                                                        \
     .doc = "File holding the bearer token that guards the admin and tenant-management REST endpoints."}, \
    {.name = "tributary.metrics.enable", .type = TRIB_CFG_BOOLEAN, .default_value = "true",                 \
     .importance = TRIB_IMP_LOW, .group = "Tributary",                                                      \
     .doc = "Whether the worker serves metrics at GET /metrics on its REST listeners (Prometheus text "    \
            "or OpenMetrics; docs/metrics.md). false: the route is absent (404)."},                       \
    {.name = "tributary.log.format", .type = TRIB_CFG_STRING, .default_value = "text", .one_of = log_formats, \
     .importance = TRIB_IMP_LOW, .group = "Tributary",                                                      \
     .doc = "Format of the log lines on stderr: text (time level [logger] message) or json (one object per " \
            "line: time, level, logger, connector, task, message)."},                                      \
    {.name = "tributary.file.status.history", .type = TRIB_CFG_INT, .default_value = "1000", .has_min = true,  \
     .min = 1, .has_max = true, .max = 1000000, .importance = TRIB_IMP_LOW, .group = "Tributary",             \
     .doc = "How many FINISHED or FAILED files each spool-directory connector's file status keeps; older "   \
            "ones are dropped (files waiting or in progress are always kept)."},                             \
    {.name = "tributary.task.auto.restart", .type = TRIB_CFG_BOOLEAN, .default_value = "true",              \
     .importance = TRIB_IMP_MEDIUM, .group = "Tributary",                                                   \
     .doc = "Restart FAILED tasks automatically with exponential backoff (1 s doubling to 5 min; reset "   \
            "after 10 min without failure). The FAILED state and its trace stay visible until the "       \
            "restart. Kafka Connect never restarts failed tasks."}

static const trib_config_def standalone_defs[] = {
    COMMON_ROWS,
    {.name = "offset.storage.file.filename", .type = TRIB_CFG_STRING, .non_empty = true,
     .importance = TRIB_IMP_HIGH, .group = "Standalone",
     .doc = "File where source connector offsets are stored."},
    {.name = "file.status.storage.file.filename", .type = TRIB_CFG_STRING, .optional = true, .non_empty = true,
     .importance = TRIB_IMP_MEDIUM, .group = "Standalone",
     .doc = "File where the status of spool-directory connectors' files is stored (GET /connectors/{c}/files). "
            "Default: offset.storage.file.filename with .files appended."},
    TRIB_CONFIG_END,
};

#define TOPIC_ROW(n, text) \
    {.name = n, .type = TRIB_CFG_STRING, .non_empty = true, .importance = TRIB_IMP_HIGH, \
     .group = "Distributed", .doc = text}
#define RF_ROW(n, text) \
    {.name = n, .type = TRIB_CFG_INT, .default_value = "3", .validate = validate_replication_factor, \
     .importance = TRIB_IMP_LOW, .group = "Distributed", .doc = text}
#define PARTITIONS_ROW(n, dflt, text) \
    {.name = n, .type = TRIB_CFG_INT, .default_value = dflt, .validate = validate_partitions, \
     .importance = TRIB_IMP_LOW, .group = "Distributed", .doc = text}
#define INT_MS_ROW(n, dflt, imp, text) \
    {.name = n, .type = TRIB_CFG_INT, .default_value = dflt, .has_min = true, .min = 0, \
     .importance = imp, .group = "Distributed", .doc = text}

static const trib_config_def distributed_defs[] = {
    COMMON_ROWS,
    {.name = "group.id", .type = TRIB_CFG_STRING, .non_empty = true, .importance = TRIB_IMP_HIGH,
     .group = "Distributed", .doc = "Unique name of the Connect cluster this worker belongs to."},
    TOPIC_ROW("config.storage.topic", "Kafka topic where connector configurations are stored."),
    RF_ROW("config.storage.replication.factor",
           "Replication factor of the config topic when the worker creates it (-1: broker default)."),
    TOPIC_ROW("offset.storage.topic", "Kafka topic where source connector offsets are stored."),
    PARTITIONS_ROW("offset.storage.partitions", "25",
                   "Partitions of the offset topic when the worker creates it (-1: broker default)."),
    RF_ROW("offset.storage.replication.factor",
           "Replication factor of the offset topic when the worker creates it (-1: broker default)."),
    TOPIC_ROW("status.storage.topic", "Kafka topic where connector and task statuses are stored."),
    PARTITIONS_ROW("status.storage.partitions", "5",
                   "Partitions of the status topic when the worker creates it (-1: broker default)."),
    RF_ROW("status.storage.replication.factor",
           "Replication factor of the status topic when the worker creates it (-1: broker default)."),
    {.name = "file.status.storage.topic", .type = TRIB_CFG_STRING, .optional = true, .non_empty = true,
     .importance = TRIB_IMP_MEDIUM, .group = "Distributed",
     .doc = "Kafka topic where the status of spool-directory connectors' files is stored (GET "
            "/connectors/{c}/files); created compacted with the status topic's partitions and replication "
            "factor. Default: status.storage.topic with -files appended."},
    {.name = "exactly.once.source.support", .type = TRIB_CFG_STRING, .default_value = "disabled",
     .one_of = eos_values, .importance = TRIB_IMP_HIGH, .group = "Distributed",
     .doc = "Exactly-once delivery for source connectors, using transactions for records and their "
            "offsets and fencing old task generations. New clusters: enabled. Existing clusters: set "
            "preparing on every worker, then enabled (rolling restarts work for both steps)."},
    INT_MS_ROW("session.timeout.ms", "10000", TRIB_IMP_HIGH,
               "Time without heartbeats after which a worker is considered failed and a rebalance starts. "
               "Must lie within the brokers' group.min/max.session.timeout.ms."),
    INT_MS_ROW("heartbeat.interval.ms", "3000", TRIB_IMP_HIGH,
               "Time between heartbeats to the group coordinator; keep it below a third of "
               "session.timeout.ms."),
    INT_MS_ROW("rebalance.timeout.ms", "60000", TRIB_IMP_HIGH,
               "Longest time a worker may take to rejoin once a rebalance has begun (flushing and "
               "committing its tasks); past it the worker is removed from the group."),
    {.name = "scheduled.rebalance.max.delay.ms", .type = TRIB_CFG_INT, .default_value = "0",
     .has_min = true, .min = 0, .has_max = true, .max = 2147483647, .importance = TRIB_IMP_LOW,
     .group = "Distributed",
     .doc = "How long the connectors and tasks of a departed worker stay unassigned, waiting for it "
            "to return, before they are reassigned. Tributary's default is 0 (Kafka Connect's is 300000): "
            "failover in seconds; with group.instance.id a restarting worker already keeps its place for "
            "session.timeout.ms."},
    INT_MS_ROW("worker.sync.timeout.ms", "3000", TRIB_IMP_MEDIUM,
               "Connect's bound on an out-of-sync worker catching up with the config topic. No effect "
               "in Tributary (a warning when set)."),
    {.name = "group.instance.id", .type = TRIB_CFG_STRING, .optional = true, .non_empty = true,
     .importance = TRIB_IMP_MEDIUM, .group = "Distributed",
     .doc = "Static membership id of this worker: a restart with the same id within "
            "session.timeout.ms does not trigger a rebalance. Unset: dynamic membership."},
    {.name = "tributary.coordination.partitions", .type = TRIB_CFG_INT, .default_value = "128",
     .has_min = true, .min = 8, .has_max = true, .max = 10000, .importance = TRIB_IMP_LOW,
     .group = "Tributary",
     .doc = "Number of slots connectors and tasks are hashed into for assignment across the cluster. "
            "Must be the same on every worker."},
    TRIB_CONFIG_END,
};

const trib_config_def *trib_worker_config_defs(trib_worker_mode mode) {
    return mode == TRIB_MODE_DISTRIBUTED ? distributed_defs : standalone_defs;
}

int64_t trib_worker_config_long(const trib_props *props, const char *key) {
    const trib_config_def *d = standalone_defs;
    while (d->name && strcmp(d->name, key) != 0) d++;
    if (!d->name) {   /* a distributed-mode key (its default applies in standalone mode too) */
        d = distributed_defs;
        while (d->name && strcmp(d->name, key) != 0) d++;
    }
    if (!d->name || (d->type != TRIB_CFG_LONG && d->type != TRIB_CFG_INT) || !d->default_value) {
        TRIB_ERROR("worker", "no numeric worker setting named %s", key);
        abort();
    }
    int64_t v;
    if (trib_parse_int64(trib_props_get(props, key), &v) == 0 && (!d->has_min || (double)v >= d->min)) return v;
    trib_parse_int64(d->default_value, &v);
    return v;
}

/* ---- loading ------------------------------------------------------------------------ */

bool trib_worker_config_passthrough(const char *key) {
    static const char *const prefixes[] = {
        "producer.", "consumer.", "admin.", "key.converter.", "value.converter.", "header.converter.",
        "config.providers", "listeners.https.", "ssl.", "sasl.", "tenant.", NULL,
    };
    if (strcmp(key, "security.protocol") == 0) return true;
    for (const char *const *p = prefixes; *p; p++)
        if (trib_str_startswith(key, *p)) return true;
    return false;
}

/* Keys a Connect worker file may carry that have nothing to act on in
 * Tributary: accepted so the file starts unchanged, but a value supplied
 * for one is logged as having no effect rather than silently ignored. */
static const struct {
    const char *key, *why;
} no_effect_keys[] = {
    {"offset.flush.timeout.ms",
     "an offset commit stages only the offsets of records already acknowledged, so it never waits for a flush"},
    {"worker.sync.timeout.ms", "the config topic is read continuously, and a wait for a config write to be applied "
                               "has its own fixed bound"},
    {"topic.creation.enable", "Tributary creates no topics for source connectors (the broker's auto-creation applies)"},
};

trib_config *trib_worker_config_load(const trib_props *props, trib_worker_mode mode, trib_error *err) {
    const trib_config_def *defs = trib_worker_config_defs(mode);
    trib_config *c = trib_config_bind(defs, props, "", err);
    if (!c) {
        trib_error_prefix(err, "invalid %s worker configuration",
                          mode == TRIB_MODE_DISTRIBUTED ? "distributed" : "standalone");
        return NULL;
    }
    for (size_t i = 0; i < trib_props_count(props); i++) {
        const char *k = trib_props_key_at(props, i);
        if (!trib_config_find(defs, k) && !trib_worker_config_passthrough(k))
            TRIB_WARN(LOG_FAC, "The configuration '%s' was supplied but isn't a known config.", k);
    }
    for (size_t i = 0; i < sizeof no_effect_keys / sizeof *no_effect_keys; i++)
        if (trib_props_get(props, no_effect_keys[i].key) && trib_config_find(defs, no_effect_keys[i].key))
            TRIB_WARN(LOG_FAC, "The configuration '%s' has no effect in Tributary: %s.", no_effect_keys[i].key,
                      no_effect_keys[i].why);
    return c;
}

int trib_worker_listeners(const trib_config *c, char ***hosts, int **ports, size_t *n, trib_error *err) {
    char *const *items = trib_config_list(c, "listeners");
    size_t cnt = trib_config_list_len(c, "listeners");
    char **h = trib_xcalloc(cnt + 1, sizeof *h);
    int *p = trib_xcalloc(cnt ? cnt : 1, sizeof *p);
    for (size_t i = 0; i < cnt; i++) {
        if (trib_worker_parse_listener(items[i], &h[i], &p[i], err) != 0) {
            trib_strv_free(h);
            free(p);
            return trib_error_prefix(err, "listeners");
        }
    }
    *hosts = h;
    *ports = p;
    *n = cnt;
    return 0;
}

static bool is_wildcard(const char *host) {
    return !*host || !strcmp(host, "0.0.0.0") || !strcmp(host, "::") || !strcmp(host, "[::]");
}

char *trib_worker_advertised_id(const trib_config *c) {
    char *lhost = NULL;
    int lport = 8083;
    char *const *items = trib_config_list(c, "listeners");
    if (items[0]) trib_worker_parse_listener(items[0], &lhost, &lport, NULL);

    const char *host = trib_config_raw(c, "rest.advertised.host.name");
    char hostname[256];
    if (!host || !*host) host = lhost;
    if (!host || is_wildcard(host)) {
        if (gethostname(hostname, sizeof hostname) != 0 || !hostname[0])
            snprintf(hostname, sizeof hostname, "localhost");
        hostname[sizeof hostname - 1] = '\0';
        host = hostname;
    }
    int port = trib_config_raw(c, "rest.advertised.port") ? trib_config_int(c, "rest.advertised.port") : lport;
    char *id = strchr(host, ':') ? trib_xasprintf("[%s]:%d", host, port) : trib_xasprintf("%s:%d", host, port);
    free(lhost);
    return id;
}

const char *trib_worker_client_override_policy(const trib_config *c) {
    const char *a = policy_alias(trib_config_string(c, "connector.client.config.override.policy"));
    return a ? a : "All";
}
