/*
 * module.c: the "mongo" plugin module (common/module.h): the MongoDB sink
 * and source connectors, built as plugins/mongo.so and linked with libmongoc, so a
 * worker maps libmongoc only once a MongoDB connector is used. The catalog
 * entries in connectors/registry.c name these plugins.
 */
#include "common/module.h"
#include "worker/connector.h"

extern const trib_connector_plugin trib_mongo_sink_plugin;
extern const trib_connector_plugin trib_mongo_source_plugin;

static const trib_connector_plugin *const connectors[] = {
    &trib_mongo_sink_plugin,
    &trib_mongo_source_plugin,
    NULL,
};

TRIB_MODULE_EXPORT const trib_module trib_module_mongo = {
    .abi = TRIB_MODULE_ABI,
    .name = "mongo",
    .connectors = connectors,
};
