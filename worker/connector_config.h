/*
 * connector_config.h: the keys every connector config has (Kafka Connect's
 * ConnectorConfig, SourceConnectorConfig and SinkConnectorConfig), and the
 * full validation of a connector config: common keys, the plugin's table,
 * converters, the transform chain and the cross-field rules.
 *
 * The same function backs POST/PUT /connectors (refuse when invalid) and
 * PUT /connector-plugins/{p}/config/validate (report every error).
 */
#ifndef TRIB_WORKER_CONNECTOR_CONFIG_H
#define TRIB_WORKER_CONNECTOR_CONFIG_H

#include "config/config.h"
#include "worker/connector.h"

/* Upper bound of tasks.max (Kafka Connect allows any int). Each task is a
 * thread and the connectors allocate their task configs up front, so an
 * unbounded value from a request (2147483647) meant a multi-GiB allocation
 * and an aborted worker; 1024 tasks for one connector is far past any
 * parallelism a source or table can use. */
#define TRIB_CONNECTOR_MAX_TASKS 1024

/* Size bounds of one connector config. Configs arrive in request bodies
 * (and tenants are hostile); real ones have tens of keys and a handful of
 * transforms, and every transform scans the config for its own keys. */
#define TRIB_CONNECTOR_MAX_KEYS 1000
#define TRIB_CONNECTOR_MAX_TRANSFORMS 100

/* 0 when config is within the bounds above (keys, entries of "transforms"
 * and of "predicates"); otherwise -1 and a TRIB_ERR_INVALID naming the
 * limit. Cheap: run it before anything that walks the config. */
int trib_connector_config_check_size(const trib_props *config, trib_error *err);

extern const trib_config_def trib_connector_common_defs[];
extern const trib_config_def trib_connector_sink_defs[];
extern const trib_config_def trib_connector_source_defs[];
/* errors.deadletterqueue.*: described for sinks, honoured for both kinds */
extern const trib_config_def trib_connector_dlq_defs[];

/* Validates config (which must hold connector.class unless plugin_hint is
 * given) into a new report the caller owns. *plugin_out (may be NULL) gets
 * the plugin found, NULL if connector.class is unknown. */
trib_config_report *trib_connector_config_validate(const trib_props *config,
                                                   const char *plugin_hint,
                                                   const trib_connector_plugin **plugin_out);

/* Error-handling settings shared by the task loops. */
typedef struct trib_error_policy {
    bool tolerate_all;            /* errors.tolerance=all */
    bool log_errors;              /* errors.log.enable */
    bool log_messages;            /* errors.log.include.messages */
    int64_t retry_timeout_ms;     /* errors.retry.timeout (0 none, -1 forever) */
    int64_t retry_delay_max_ms;   /* errors.retry.delay.max.ms */
    char *dlq_topic;              /* errors.deadletterqueue.topic.name or NULL */
    int dlq_replication_factor;   /* errors.deadletterqueue.topic.replication.factor */
    bool dlq_context_headers;     /* errors.deadletterqueue.context.headers.enable */
} trib_error_policy;

int trib_error_policy_load(const trib_props *config, trib_error_policy *out, trib_error *err);
void trib_error_policy_free(trib_error_policy *p);

#endif
