/*
 * module.c: the "postgres" plugin module (common/module.h): the PostgreSQL
 * sink and source connectors, built as plugins/postgres.so and linked with
 * libpq, so a worker maps libpq only once a PostgreSQL connector is used.
 * The catalog entries in connectors/registry.c name these plugins.
 */
#include "common/module.h"
#include "worker/connector.h"

extern const trib_connector_plugin trib_postgres_sink_plugin;
extern const trib_connector_plugin trib_postgres_source_plugin;

static const trib_connector_plugin *const connectors[] = {
    &trib_postgres_sink_plugin,
    &trib_postgres_source_plugin,
    NULL,
};

TRIB_MODULE_EXPORT const trib_module trib_module_postgres = {
    .abi = TRIB_MODULE_ABI,
    .name = "postgres",
    .connectors = connectors,
};
