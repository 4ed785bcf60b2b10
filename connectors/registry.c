/*
 * registry.c: the list of connector plugins built into Tributary and the
 * lookup the runtime uses for `connector.class`.
 *
 * A name matches a plugin, as in Kafka Connect's plugin aliases, when it is
 *   - the fully qualified class name
 *     ("org.apache.kafka.connect.file.FileStreamSourceConnector"),
 *   - the simple class name ("FileStreamSourceConnector"),
 *   - the simple class name without its "Connector" suffix
 *     ("FileStreamSource"), or
 *   - the plugin's declared alias.
 * Matching is case-sensitive, as Java class names are. Unknown names give
 * NULL; the caller reports them ("Failed to find any class that implements
 * Connector and which name matches ...").
 */
#include <string.h>

#include "worker/connector.h"

/* ======================================================================
 * BUILT-IN CONNECTORS: one extern declaration and one list entry each.
 * PostgreSQL / MongoDB engineers: append your plugin below, in both lists.
 * ====================================================================== */
extern const trib_connector_plugin trib_file_source_plugin;
extern const trib_connector_plugin trib_file_sink_plugin;
extern const trib_connector_plugin trib_datagen_plugin;
extern const trib_connector_plugin trib_postgres_sink_plugin;
extern const trib_connector_plugin trib_postgres_source_plugin;

static const trib_connector_plugin *const builtin_plugins[] = {
    &trib_file_source_plugin,
    &trib_file_sink_plugin,
    &trib_datagen_plugin,
    &trib_postgres_sink_plugin,
    &trib_postgres_source_plugin,
    NULL,
};
/* ====================== end of built-in connectors ==================== */

/* The simple name: what follows the last '.' of a class name. */
static const char *simple_name(const char *class_name) {
    const char *dot = strrchr(class_name, '.');
    return dot ? dot + 1 : class_name;
}

static bool name_matches(const trib_connector_plugin *p, const char *name) {
    if (strcmp(name, p->class_name) == 0) return true;
    if (p->alias && strcmp(name, p->alias) == 0) return true;
    const char *simple = simple_name(p->class_name);
    if (strcmp(name, simple) == 0) return true;
    /* Connect's pruned alias: the simple name without "Connector". */
    static const char suffix[] = "Connector";
    size_t sl = strlen(simple), xl = sizeof suffix - 1;
    if (sl > xl && strcmp(simple + sl - xl, suffix) == 0 && strlen(name) == sl - xl &&
        strncmp(name, simple, sl - xl) == 0)
        return true;
    return false;
}

const trib_connector_plugin *trib_connector_find(const char *name) {
    if (!name || !*name) return NULL;
    for (const trib_connector_plugin *const *p = builtin_plugins; *p; p++)
        if (name_matches(*p, name)) return *p;
    return NULL;
}

const trib_connector_plugin *const *trib_connectors_all(void) {
    return builtin_plugins;
}
