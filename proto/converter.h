/*
 * converter.h: the converter plugin kind (Kafka Connect's Converter):
 * record data <-> the bytes stored in Kafka.
 *
 * Converters (see proto/converters.c for the catalog):
 *   org.apache.kafka.connect.storage.StringConverter      (alias StringConverter)
 *   org.apache.kafka.connect.converters.ByteArrayConverter (alias ByteArrayConverter)
 *   org.apache.kafka.connect.json.JsonConverter            (alias JsonConverter)
 *   org.apache.kafka.connect.converters.{Boolean,Short,Integer,Long,Float,Double}Converter
 *       (aliases BooleanConverter ...; number_converters.c)
 *   io.confluent.connect.avro.AvroConverter                (alias AvroConverter;
 *       in the "avro" plugin module, loaded on first use: common/module.h)
 *
 * A converter instance is configured once for key or value and then used
 * by one task thread only, so it needs no locking of its own (caches shared
 * between instances, such as the schema registry's, lock themselves).
 */
#ifndef TRIB_PROTO_CONVERTER_H
#define TRIB_PROTO_CONVERTER_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "common/props.h"
#include "common/util.h"
#include "config/config.h"
#include "proto/data.h"

typedef struct trib_converter_plugin {
    const char *class_name;   /* Connect's full class name */
    const char *alias;        /* short name, e.g. "JsonConverter" */
    const char *doc;
    const trib_config_def *config;

    /* Creates an instance from the converter's own settings (the worker's or
     * connector's "value.converter.*" keys with the prefix stripped).
     * is_key tells key from value converter. On success *ctx is set. */
    int (*create)(const trib_props *config, bool is_key, void **ctx, trib_error *err);

    /* Connect data -> bytes. A null value (v == NULL) must produce
     * *out_null = true (a Kafka null), as Connect does; otherwise the bytes
     * are appended to out (which the caller reset). Errors are INVALID for
     * data that does not fit the schema, RETRIABLE for registry blips,
     * FATAL for e.g. an incompatible schema. */
    int (*from_connect)(void *ctx, const char *topic, const trib_schema *schema,
                        const trib_value *v, trib_strbuf *out, bool *out_null, trib_error *err);

    /* Bytes -> Connect data. data == NULL means a Kafka null. On success
     * the caller owns *schema (may be NULL for schemaless) and *v. Corrupt
     * input is an INVALID error (a poison record), never a crash. */
    int (*to_connect)(void *ctx, const char *topic, const void *data, size_t len,
                      trib_schema **schema, trib_value **v, trib_error *err);

    void (*destroy)(void *ctx);
} trib_converter_plugin;

/* Key the runtime sets in every converter's config to the full name of the
 * connector the converter works for (overwriting anything the connector
 * config says), so converters that connect out (AvroConverter's registry
 * client) can apply the tenants' outbound policy (tenants/outbound.h). */
#define TRIB_CONVERTER_CONNECTOR_KEY "tributary.connector.name"

/* A configured converter instance. */
typedef struct trib_converter {
    const trib_converter_plugin *plugin;
    void *ctx;
} trib_converter;

/* ---- catalog ---------------------------------------------------------------- */

/* What the core knows about a converter without loading its code. */
typedef struct trib_converter_info {
    const char *class_name;
    const char *alias;
    const char *module;                    /* plugin module holding it ("avro"); NULL: in the core */
    const trib_converter_plugin *builtin;  /* the plugin, when module is NULL */
} trib_converter_info;

/* The catalog entry for a class name or alias, or NULL. Loads nothing. */
const trib_converter_info *trib_converter_lookup(const char *name);
/* Every catalog entry; the array ends with an entry whose class_name is NULL. */
const trib_converter_info *trib_converters_all(void);
/* The plugin for a class name or alias, loading its module on first use.
 * NULL with err: NOT_FOUND for an unknown name, FATAL naming the class and
 * the module's problem when its module is unusable. Borrowed for the life of
 * the process. */
const trib_converter_plugin *trib_converter_load(const char *name, trib_error *err);
/* trib_converter_load without the error. */
const trib_converter_plugin *trib_converter_find(const char *name);

/* Finds the plugin named by `class_name` (loading its module) and creates it
 * with `config`. Returns NULL with err set (NOT_FOUND naming the class, or
 * trib_converter_load's module error) on failure. */
trib_converter *trib_converter_new(const char *class_name, const trib_props *config,
                                   bool is_key, trib_error *err);
void trib_converter_destroy(trib_converter *c);  /* NULL-safe */

/* Connect's ConverterConfig: converter.type (key, value or header), which
 * the worker sets; a converter's definitions start with it. */
extern const trib_config_def trib_converter_type_defs[];

/* ---- header.converter -------------------------------------------------------- */

/* Connect's default header converter (header_converter.c): header values as
 * the text of Values.convertToString, read back with Values.parseString. */
#define TRIB_SIMPLE_HEADER_CONVERTER "org.apache.kafka.connect.storage.SimpleHeaderConverter"

/* A configured header.converter: SimpleHeaderConverter, or one of the
 * converters Connect also lists as header converters (String, Json,
 * ByteArray and the number/boolean converters), which convert a header
 * value as they convert a record value. Used by one task thread. */
typedef struct trib_header_converter trib_header_converter;

/* The class names Connect 3.9 lists with type "header_converter"; the array
 * ends with NULL. */
const char *const *trib_header_converter_classes(void);
/* The full class name for a header converter's class name or alias, or
 * NULL when name is not one. Borrowed, static. */
const char *trib_header_converter_class(const char *name);

/* Creates one from its class name or alias and its own settings (the
 * "header.converter.*" keys with the prefix stripped; borrowed). NULL with
 * err (INVALID naming the class) when name is not a header converter. */
trib_header_converter *trib_header_converter_new(const char *name, const trib_props *config, trib_error *err);
void trib_header_converter_destroy(trib_header_converter *hc); /* NULL-safe */
const char *trib_header_converter_name(const trib_header_converter *hc); /* full class name */

/* HeaderConverter.fromConnectHeader: a header's schema (may be NULL) and
 * value (NULL: null) to bytes appended to out (reset by the caller), or
 * *out_null for a Kafka null. INVALID when the value does not fit. */
int trib_header_converter_from_connect(trib_header_converter *hc, const char *topic, const char *key,
                                       const trib_schema *schema, const trib_value *value, trib_strbuf *out,
                                       bool *out_null, trib_error *err);
/* HeaderConverter.toConnectHeader: bytes (NULL: a Kafka null) to a schema
 * and value the caller owns. INVALID for bytes the converter cannot read. */
int trib_header_converter_to_connect(trib_header_converter *hc, const char *topic, const char *key,
                                     const void *data, size_t len, trib_schema **schema, trib_value **value,
                                     trib_error *err);

/* Serializes every header of rec with hc, in order: (*out)[i] (malloc'd;
 * the caller frees it) points into arena, which the caller owns and must
 * keep until it is done with them. -1 with err when a header does not
 * convert (err names the header). */
int trib_header_converter_wire(trib_header_converter *hc, const trib_record *rec, trib_header **out,
                               trib_strbuf *arena, trib_error *err);

/* The validator (config/config.h) of header.converter, in the worker and
 * connector configs: one of trib_header_converter_classes, by class name or
 * alias; anything else gets Connect's "could not be found" or, for a
 * converter that is no header converter (AvroConverter), says so. */
struct trib_config_def;
int trib_header_converter_validate(const struct trib_config_def *def, const char *value, trib_error *err);

#endif
