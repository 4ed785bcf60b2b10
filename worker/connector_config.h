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
