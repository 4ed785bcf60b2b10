/*
 * config_providers.h: Kafka's config providers (KIP-297, KIP-421), so a
 * connector or worker config can say ${file:/mnt/secrets/db.properties:password}
 * instead of holding the secret.
 *
 * The worker properties name the providers, as Connect's do:
 *
 *   config.providers=file,dir,env
 *   config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider
 *   config.providers.dir.class=org.apache.kafka.common.config.provider.DirectoryConfigProvider
 *   config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider
 *   config.providers.file.param.allowed.paths=/mnt/secrets      (File, Directory: KIP-993)
 *   config.providers.env.param.allowlist.pattern=DB_.*          (EnvVar: KIP-887, a Java regex)
 *
 * A reference is ${provider:path:key}, or ${provider:key} with no path
 * (EnvVar). File reads a Java properties file at path and takes key from
 * it; Directory reads the file named key in the directory path (a
 * Kubernetes secret volume); EnvVar reads the environment variable key.
 *
 * Where references are resolved, as in Connect: in the worker properties
 * at start; in a connector's config for validation and for the instance's
 * start(); in each task's config when the task starts. What is stored (the
 * config topic, GET /connectors/{c}/config, task configs) keeps the
 * references, so secrets never reach Kafka or a REST answer: task configs
 * take the connector's raw value for every key whose value holds one
 * (Connect's reverse transform).
 *
 * Differences from Connect, both on the side of telling the user: a
 * reference that cannot be resolved (unreadable file, missing key, a path
 * outside allowed.paths, a variable outside allowlist.pattern) is an error
 * naming the config key and the reference, never its content (Connect
 * leaves such a reference in the value as literal text); a provider class
 * other than the three above stops the worker at start. References to a
 * name that is not in config.providers are plain text, as in Connect.
 *
 * Tenants' connectors are never resolved: a provider reads the worker's
 * files and environment, which a tenant must not reach (the tenant layer
 * refuses such references with a 403, tenants/isolation.c).
 *
 * The providers are process-wide, configured once before the first
 * connector starts; every function is thread-safe after that.
 */
#ifndef TRIB_WORKER_CONFIG_PROVIDERS_H
#define TRIB_WORKER_CONFIG_PROVIDERS_H

#include <stdbool.h>

#include "common/error.h"
#include "common/props.h"

/* Reads config.providers* from the worker properties and installs the
 * providers (replacing any before: tests). INVALID naming the key for an
 * unknown class, an unknown parameter or a bad parameter value. */
int trib_config_providers_configure(const trib_props *worker_props, trib_error *err);

/* Removes every provider (tests, shutdown). */
void trib_config_providers_reset(void);

/* True when value holds a reference to a configured provider. */
bool trib_config_has_reference(const char *value);

/* Resolves every reference to a configured provider in config, in place.
 * Keys starting with "config.providers" are left alone (they configure the
 * providers). On error config is unchanged and err names the key and the
 * reference (INVALID). Returns the number of values changed, or -1. */
int trib_config_resolve(trib_props *config, trib_error *err);

/* For a config stored in Kafka or shown by REST: every key of derived
 * whose value in raw holds a reference gets raw's value back (Connect's
 * reverse transform of task configs). */
void trib_config_unresolve(trib_props *derived, const trib_props *raw);

#endif
