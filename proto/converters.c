/*
 * converters.c: the catalog of converters (converter.h), looked up by
 * Connect's class name or short alias, as in a Connect worker's
 * key.converter / value.converter settings.
 *
 * Each converter lives in its own file and exports one
 * trib_converter_plugin. Those in the core are listed with .builtin; the
 * Avro converter is in the "avro" plugin module (it needs avro-c and
 * libcurl, which an idle worker should not map) and is loaded the first
 * time it is needed (common/module.h).
 */
#include <stdlib.h>
#include <string.h>

#include "common/module.h"
#include "common/util.h"
#include "proto/converter.h"

/* ---- converters: declare a built-in one, then list it ---------------------- */
extern const trib_converter_plugin trib_string_converter_plugin;    /* string_converter.c */
extern const trib_converter_plugin trib_bytearray_converter_plugin; /* bytearray_converter.c */
extern const trib_converter_plugin trib_json_converter_plugin;      /* json_converter.c */
/* number_converters.c */
extern const trib_converter_plugin trib_boolean_converter_plugin, trib_short_converter_plugin,
    trib_integer_converter_plugin, trib_long_converter_plugin, trib_float_converter_plugin,
    trib_double_converter_plugin;

static const trib_converter_info catalog[] = {
    {"org.apache.kafka.connect.storage.StringConverter", "StringConverter", NULL, &trib_string_converter_plugin},
    {"org.apache.kafka.connect.converters.ByteArrayConverter", "ByteArrayConverter", NULL,
     &trib_bytearray_converter_plugin},
    {"org.apache.kafka.connect.json.JsonConverter", "JsonConverter", NULL, &trib_json_converter_plugin},
    {"org.apache.kafka.connect.converters.BooleanConverter", "BooleanConverter", NULL, &trib_boolean_converter_plugin},
    {"org.apache.kafka.connect.converters.ShortConverter", "ShortConverter", NULL, &trib_short_converter_plugin},
    {"org.apache.kafka.connect.converters.IntegerConverter", "IntegerConverter", NULL, &trib_integer_converter_plugin},
    {"org.apache.kafka.connect.converters.LongConverter", "LongConverter", NULL, &trib_long_converter_plugin},
    {"org.apache.kafka.connect.converters.FloatConverter", "FloatConverter", NULL, &trib_float_converter_plugin},
    {"org.apache.kafka.connect.converters.DoubleConverter", "DoubleConverter", NULL, &trib_double_converter_plugin},
    {"io.confluent.connect.avro.AvroConverter", "AvroConverter", "avro", NULL}, /* avro_converter.c */
    {0},
};
/* ---- end of the list -------------------------------------------------------- */

const trib_converter_info *trib_converter_lookup(const char *name) {
    if (!name) return NULL;
    for (const trib_converter_info *c = catalog; c->class_name; c++)
        if (strcmp(c->class_name, name) == 0 || (c->alias && strcmp(c->alias, name) == 0)) return c;
    return NULL;
}

const trib_converter_info *trib_converters_all(void) { return catalog; }

const trib_converter_plugin *trib_converter_load(const char *name, trib_error *err) {
    const trib_converter_info *info = trib_converter_lookup(name);
    if (!info) {
        trib_error_set(err, TRIB_ERR_NOT_FOUND, "Converter class %s could not be found", name ? name : "(null)");
        return NULL;
    }
    if (!info->module) return info->builtin;
    const trib_module *m = trib_module_load(info->module, err);
    if (!m) {
        trib_error_prefix(err, "converter class %s", info->class_name);
        return NULL;
    }
    for (const trib_converter_plugin *const *p = m->converters; p && *p; p++)
        if (strcmp((*p)->class_name, info->class_name) == 0) return *p;
    trib_error_set(err, TRIB_ERR_FATAL, "converter class %s: plugin module '%s' does not provide it",
                   info->class_name, info->module);
    return NULL;
}

const trib_converter_plugin *trib_converter_find(const char *name) { return trib_converter_load(name, NULL); }

trib_converter *trib_converter_new(const char *class_name, const trib_props *config, bool is_key, trib_error *err) {
    const trib_converter_plugin *p = trib_converter_load(class_name, err);
    if (!p) return NULL;
    trib_props *empty = NULL;
    if (!config) config = empty = trib_props_new();
    void *ctx = NULL;
    int rc = p->create(config, is_key, &ctx, err);
    trib_props_destroy(empty);
    if (rc != 0) return NULL;
    trib_converter *c = trib_xcalloc(1, sizeof *c);
    c->plugin = p;
    c->ctx = ctx;
    return c;
}

void trib_converter_destroy(trib_converter *c) {
    if (!c) return;
    if (c->plugin->destroy) c->plugin->destroy(c->ctx);
    free(c);
}

const trib_config_def trib_converter_type_defs[] = {
    {.name = "converter.type", .type = TRIB_CFG_STRING, .importance = TRIB_IMP_LOW,
     .one_of = (const char *const[]){"key", "value", "header", NULL}, .doc = "How this converter will be used."},
    TRIB_CONFIG_END,
};
