/*
 * converters.c: the registry of built-in converters (converter.h), looked up
 * by Connect's class name or short alias, as in a Connect worker's
 * key.converter / value.converter settings.
 *
 * Each converter lives in its own file and exports one
 * trib_converter_plugin; adding a converter is two lines below.
 */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "proto/converter.h"

/* ---- built-in converters: declare the plugin, then list it ---------------- */
extern const trib_converter_plugin trib_string_converter_plugin;    /* string_converter.c */
extern const trib_converter_plugin trib_bytearray_converter_plugin; /* bytearray_converter.c */
extern const trib_converter_plugin trib_json_converter_plugin;      /* json_converter.c */
extern const trib_converter_plugin trib_avro_converter_plugin;      /* avro_converter.c */

static const trib_converter_plugin *const builtin[] = {
    &trib_string_converter_plugin,
    &trib_bytearray_converter_plugin,
    &trib_json_converter_plugin,
    &trib_avro_converter_plugin,
    NULL,
};
/* ---- end of the list -------------------------------------------------------- */

const trib_converter_plugin *trib_converter_find(const char *name) {
    if (!name) return NULL;
    for (size_t i = 0; builtin[i]; i++)
        if (strcmp(builtin[i]->class_name, name) == 0 || (builtin[i]->alias && strcmp(builtin[i]->alias, name) == 0))
            return builtin[i];
    return NULL;
}

const trib_converter_plugin *const *trib_converters_all(void) { return builtin; }

trib_converter *trib_converter_new(const char *class_name, const trib_props *config, bool is_key, trib_error *err) {
    const trib_converter_plugin *p = trib_converter_find(class_name);
    if (!p) {
        trib_error_set(err, TRIB_ERR_NOT_FOUND, "Converter class %s could not be found",
                       class_name ? class_name : "(null)");
        return NULL;
    }
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
