/*
 * registry.c: the catalog of connector plugins Tributary knows, and the
 * lookup the runtime uses for `connector.class`.
 *
 * A catalog entry names a plugin (class, alias, version, kind) and where its
 * code is: built into the core (file, datagen), or in a plugin module
 * (common/module.h) loaded on first use (postgres: it needs libpq, mongo:
 * libmongoc, which an idle worker should not map). Listing plugins (GET /connector-plugins) and
 * matching names read the catalog only; trib_connector_load loads the
 * module. tests/unit/test_connector_registry.c checks that each entry
 * matches the plugin its module provides.
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

#include "common/module.h"
#include "worker/connector.h"

/* ======================================================================
 * CONNECTORS: a built-in one is declared here and listed with .builtin;
 * one in a plugin module is listed with .module and its descriptive
 * fields (which must equal the module's plugin: the unit test checks).
 * ====================================================================== */
extern const trib_connector_plugin trib_file_source_plugin;
extern const trib_connector_plugin trib_file_sink_plugin;
extern const trib_connector_plugin trib_datagen_plugin;

static const trib_connector_info catalog[] = {
    {"org.apache.kafka.connect.file.FileStreamSourceConnector", "FileStreamSource", "1.0.0", TRIB_CONNECTOR_SOURCE,
     NULL, &trib_file_source_plugin},
    {"org.apache.kafka.connect.file.FileStreamSinkConnector", "FileStreamSink", "1.0.0", TRIB_CONNECTOR_SINK, NULL,
     &trib_file_sink_plugin},
    {"io.tributary.connect.datagen.DataGenConnector", "DataGen", "1.0.0", TRIB_CONNECTOR_SOURCE, NULL,
     &trib_datagen_plugin},
    {"io.tributary.connect.postgres.PostgresSinkConnector", "PostgresSink", "1.0.0", TRIB_CONNECTOR_SINK,
     "postgres", NULL},
    {"io.tributary.connect.postgres.PostgresSourceConnector", "PostgresSource", "1.0.0", TRIB_CONNECTOR_SOURCE,
     "postgres", NULL},
    {"com.mongodb.kafka.connect.MongoSinkConnector", "MongoSink", "1.0.0", TRIB_CONNECTOR_SINK, "mongo", NULL},
    {"com.mongodb.kafka.connect.MongoSourceConnector", "MongoSource", "1.0.0", TRIB_CONNECTOR_SOURCE, "mongo", NULL},
    {0},
};
/* ====================== end of the catalog ============================ */

/* The simple name: what follows the last '.' of a class name. */
static const char *simple_name(const char *class_name) {
    const char *dot = strrchr(class_name, '.');
    return dot ? dot + 1 : class_name;
}

static bool name_matches(const trib_connector_info *p, const char *name) {
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

const trib_connector_info *trib_connector_lookup(const char *name) {
    if (!name || !*name) return NULL;
    for (const trib_connector_info *p = catalog; p->class_name; p++)
        if (name_matches(p, name)) return p;
    return NULL;
}

const trib_connector_info *trib_connectors_all(void) { return catalog; }

const trib_connector_plugin *trib_connector_info_load(const trib_connector_info *info, trib_error *err) {
    if (!info->module) return info->builtin;
    const trib_module *m = trib_module_load(info->module, err);
    if (!m) {
        trib_error_prefix(err, "connector class %s", info->class_name);
        return NULL;
    }
    for (const trib_connector_plugin *const *p = m->connectors; p && *p; p++)
        if (strcmp((*p)->class_name, info->class_name) == 0) return *p;
    trib_error_set(err, TRIB_ERR_FATAL, "connector class %s: plugin module '%s' does not provide it",
                   info->class_name, info->module);
    return NULL;
}

const trib_connector_plugin *trib_connector_load(const char *name, trib_error *err) {
    const trib_connector_info *info = trib_connector_lookup(name);
    if (!info) {
        trib_error_set(err, TRIB_ERR_NOT_FOUND, "Class %s could not be found.", name ? name : "(null)");
        return NULL;
    }
    return trib_connector_info_load(info, err);
}

const trib_connector_plugin *trib_connector_find(const char *name) { return trib_connector_load(name, NULL); }
