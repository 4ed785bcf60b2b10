/*
 * worker_config.h: the worker properties file (connect-standalone.properties /
 * connect-distributed.properties), with Kafka Connect's key names, defaults
 * and meanings, plus Tributary's own tributary.* keys.
 *
 * The tables are ordinary trib_config_def tables, so the worker binds them
 * with the config engine and the docs (docs/config-reference.md) are
 * generated from them. Prefixed groups that are handed on to clients
 * (producer.*, consumer.*, admin.*, *.converter.*, ssl.*, sasl.*, ...) are
 * accepted without being described here; any other unknown key is logged as
 * a warning, as Connect does, and never refused.
 */
#ifndef TRIB_WORKER_WORKER_CONFIG_H
#define TRIB_WORKER_WORKER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/props.h"
#include "config/config.h"

typedef enum { TRIB_MODE_STANDALONE, TRIB_MODE_DISTRIBUTED } trib_worker_mode;

/* Validates props for the mode; refuses (NULL + err listing every bad key,
 * by name, code INVALID) on invalid values or missing required ones; logs a
 * WARN naming each unknown key. The result is read with the trib_config_* getters
 * and freed with trib_config_destroy. */
trib_config *trib_worker_config_load(const trib_props *props, trib_worker_mode mode, trib_error *err);

/* The mode's table (static; NULL-terminated). */
const trib_config_def *trib_worker_config_defs(trib_worker_mode mode);

/* True for keys in the pass-through groups (producer.*, consumer.*, admin.*,
 * key/value/header.converter.*, config.providers*, listeners.https.*, ssl.*,
 * sasl.*, security.protocol, tenant.*): accepted without a table row. */
bool trib_worker_config_passthrough(const char *key);

/* Parses "listeners" into host/port pairs (host "" means all interfaces;
 * IPv6 hosts come without brackets). *hosts is NULL-terminated (free with
 * trib_strv_free), *ports is malloc'd (free). Only http:// is supported. */
int trib_worker_listeners(const trib_config *c, char ***hosts, int **ports, size_t *n, trib_error *err);

/* Parses one listener URL ("http://host:port"); *host is malloc'd. */
int trib_worker_parse_listener(const char *url, char **host, int *port, trib_error *err);

/* A numeric worker setting read straight from the properties, for code
 * that has them unbound (tasks, the herder): the value when it parses and
 * is at least the row's minimum, else the table's default, so a default
 * lives in one place (the table) and not also at each reader. key must be
 * a LONG or INT row of the standalone or the distributed table (a
 * programming error otherwise: aborts). */
int64_t trib_worker_config_long(const trib_props *props, const char *key);

/* "host:port" workers advertise in status (worker_id): rest.advertised.*
 * else the first listener, the host defaulting to the machine's hostname
 * when the listener host is empty or a wildcard (0.0.0.0, ::). Caller frees. */
char *trib_worker_advertised_id(const trib_config *c);

/* connector.client.config.override.policy as its alias ("All", "None" or
 * "Principal"), whether the file gave the alias or Connect's class name. */
const char *trib_worker_client_override_policy(const trib_config *c);

#endif
