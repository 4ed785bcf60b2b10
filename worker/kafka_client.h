/*
 * kafka_client.h: building librdkafka clients from worker and connector
 * properties, and translating librdkafka errors into trib_error.
 *
 * Client settings are layered as in Kafka Connect: Tributary's defaults for
 * the role, then the worker's bootstrap.servers and its "producer." /
 * "consumer." / "admin." prefixed keys, then the connector's
 * "producer.override." / "consumer.override." / "admin.override." keys when
 * connector.client.config.override.policy allows them.
 */
#ifndef TRIB_WORKER_KAFKA_CLIENT_H
#define TRIB_WORKER_KAFKA_CLIENT_H

#include <librdkafka/rdkafka.h>

#include "common/error.h"
#include "common/props.h"

typedef enum trib_client_role {
    TRIB_CLIENT_PRODUCER,
    TRIB_CLIENT_CONSUMER,
    TRIB_CLIENT_ADMIN,
} trib_client_role;

/* A new conf (caller owns it) for role. defaults are applied first (may be
 * NULL), then the worker's keys, then the connector's overrides (may be
 * NULL). INVALID error naming the key on a bad setting; FORBIDDEN when the
 * override policy refuses an override. */
rd_kafka_conf_t *trib_kafka_conf_new(trib_client_role role, const trib_props *worker_props,
                                     const trib_props *connector_config, const trib_props *defaults,
                                     trib_error *err);

/* Sets one property, translating failure into err. */
int trib_kafka_conf_set(rd_kafka_conf_t *conf, const char *key, const char *value, trib_error *err);

/* Creates the client (takes ownership of conf, also on failure). */
rd_kafka_t *trib_kafka_new(rd_kafka_type_t type, rd_kafka_conf_t *conf, trib_error *err);

/* librdkafka error -> trib_error, "kafka: <context>: <librdkafka text>", with
 * transient broker/network errors marked RETRIABLE. Returns -1. */
int trib_kafka_error(trib_error *err, rd_kafka_resp_err_t code, const char *context);
int trib_kafka_error_obj(trib_error *err, const rd_kafka_error_t *e, const char *context);
bool trib_kafka_err_is_retriable(rd_kafka_resp_err_t code);

/* Creates a topic if it does not exist (EXISTS is success). replication -1
 * means the broker default; if the broker has fewer brokers than asked, the
 * broker default is used with a warning, so a one-broker test cluster works
 * with Connect's defaults of 3. configs may be NULL (e.g. cleanup.policy). */
int trib_kafka_ensure_topic(rd_kafka_t *rk, const char *topic, int partitions, int replication,
                            const trib_props *configs, int timeout_ms, trib_error *err);

/* Describes a topic: partition count and the cleanup.policy setting
 * (malloc'd, caller frees). NOT_FOUND if it does not exist. */
int trib_kafka_describe_topic(rd_kafka_t *rk, const char *topic, int *partitions,
                              char **cleanup_policy, int timeout_ms, trib_error *err);

/* The cluster id, or NULL (caller frees). */
char *trib_kafka_cluster_id(rd_kafka_t *rk, int timeout_ms);

#endif
