/*
 * avro_module.c: the "avro" plugin module (common/module.h): the Avro
 * converter with its codec, schema translation and schema registry client
 * (avro_converter.c, avro_codec.c, avro_schema.c, registry.c), built as
 * plugins/avro.so and linked with avro-c and libcurl, so a worker maps them
 * only once the Avro converter is used. CMakeLists.txt keeps these files
 * out of the core's trib_proto library. proto/converters.c's catalog names
 * the converter.
 */
#include "common/module.h"
#include "proto/converter.h"

extern const trib_converter_plugin trib_avro_converter_plugin;

static const trib_converter_plugin *const converters[] = {
    &trib_avro_converter_plugin,
    NULL,
};

TRIB_MODULE_EXPORT const trib_module trib_module_avro = {
    .abi = TRIB_MODULE_ABI,
    .name = "avro",
    .converters = converters,
};
