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
 * Confluent's and Debezium's JDBC class names are served by the PostgreSQL
 * plugins (trib_connector_foreign), their unsupported keys named by
 * validation. Matching is case-sensitive, as Java class names are. Unknown names give
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
extern const trib_connector_plugin trib_spooldir_csv_plugin;
extern const trib_connector_plugin trib_spooldir_json_plugin;
extern const trib_connector_plugin trib_spooldir_schemaless_json_plugin;
extern const trib_connector_plugin trib_spooldir_lines_plugin;
extern const trib_connector_plugin trib_http_ingest_plugin;

/* Keys of Confluent's and Debezium's JDBC connectors that Tributary's
 * PostgreSQL connectors do not honour (everything else they take as is:
 * see connectors/postgres/sink.c and source.c). A value in the accepted
 * list is what Tributary does anyway, so configs carrying it pass. */
static const char *const pg_dialects[] = {"PostgreSqlDatabaseDialect", NULL};
static const char *const utc_only[] = {"UTC", "Z", "Etc/UTC", NULL};
static const char *const always_quoted[] = {"always", NULL};

static const trib_foreign_key confluent_sink_unsupported[] = {
    {"dialect.name", pg_dialects},
    {"db.timezone", utc_only},
    {"quote.sql.identifiers", always_quoted},
    {"table.types", (const char *const[]){"TABLE", NULL}},
    {"mssql.use.merge.holdlock", NULL},
    {"trim.sensitive.log", (const char *const[]){"false", NULL}},
    {NULL, NULL},
};

static const trib_foreign_key confluent_source_unsupported[] = {
    {"dialect.name", pg_dialects},
    {"db.timezone", utc_only},
    {"quote.sql.identifiers", always_quoted},
    {"catalog.pattern", NULL},
    {"numeric.precision.mapping", (const char *const[]){"false", NULL}},
    {"numeric.mapping", (const char *const[]){"none", NULL}},
    {"query.suffix", NULL},
    {"transaction.isolation.mode", (const char *const[]){"DEFAULT", NULL}},
    {"timestamp.granularity", (const char *const[]){"connect_logical", NULL}},
    {"query.retry.attempts", NULL},
    {NULL, NULL},
};

static const trib_foreign_key debezium_sink_unsupported[] = {
    {"connection.provider", NULL},
    {"connection.pool.min_size", NULL},
    {"connection.pool.max_size", NULL},
    {"connection.pool.acquire_increment", NULL},
    {"connection.pool.timeout", NULL},
    {"database.time_zone", utc_only},
    {"quote.identifiers", (const char *const[]){"true", NULL}},
    {"truncate.enabled", (const char *const[]){"false", NULL}},
    {"collection.name.format", NULL},
    {"field.exclude.list", NULL},
    {"use.reduction.buffer", (const char *const[]){"false", NULL}},
    {"flush.max.retries", NULL},
    {"flush.retry.delay.ms", NULL},
    {"column.naming.strategy", NULL},
    {"table.naming.strategy", NULL},
    {"dialect.postgres.postgis.schema", NULL},
    {"dialect.sqlserver.identity.insert", NULL},
    {"hibernate.dialect", NULL},
    {NULL, NULL},
};

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
    {"com.github.jcustenborder.kafka.connect.spooldir.SpoolDirCsvSourceConnector", "SpoolDirCsvSource", "1.0.0",
     TRIB_CONNECTOR_SOURCE, NULL, &trib_spooldir_csv_plugin},
    {"com.github.jcustenborder.kafka.connect.spooldir.SpoolDirJsonSourceConnector", "SpoolDirJsonSource", "1.0.0",
     TRIB_CONNECTOR_SOURCE, NULL, &trib_spooldir_json_plugin},
    {"com.github.jcustenborder.kafka.connect.spooldir.SpoolDirSchemaLessJsonSourceConnector",
     "SpoolDirSchemaLessJsonSource", "1.0.0", TRIB_CONNECTOR_SOURCE, NULL, &trib_spooldir_schemaless_json_plugin},
    {"com.github.jcustenborder.kafka.connect.spooldir.SpoolDirLineDelimitedSourceConnector",
     "SpoolDirLineDelimitedSource", "1.0.0", TRIB_CONNECTOR_SOURCE, NULL, &trib_spooldir_lines_plugin},
    {"io.tributary.connect.http.HttpIngestSourceConnector", "HttpIngest", "1.0.0", TRIB_CONNECTOR_SOURCE, NULL,
     &trib_http_ingest_plugin},
    {"com.mongodb.kafka.connect.MongoSinkConnector", "MongoSink", "1.0.0", TRIB_CONNECTOR_SINK, "mongo", NULL},
    {"com.mongodb.kafka.connect.MongoSourceConnector", "MongoSource", "1.0.0", TRIB_CONNECTOR_SOURCE, "mongo", NULL},
    {0},
};

/* Other products' class names, for PostgreSQL URLs (a URL for another
 * database is refused by the plugin's connection.url check). Only full
 * class names: the simple names are ambiguous (Confluent's and Debezium's
 * sinks are both JdbcSinkConnector). */
static const trib_foreign_class foreign[] = {
    {"io.confluent.connect.jdbc.JdbcSinkConnector", "io.tributary.connect.postgres.PostgresSinkConnector",
     confluent_sink_unsupported},
    {"io.confluent.connect.jdbc.JdbcSourceConnector", "io.tributary.connect.postgres.PostgresSourceConnector",
     confluent_source_unsupported},
    {"io.debezium.connector.jdbc.JdbcSinkConnector", "io.tributary.connect.postgres.PostgresSinkConnector",
     debezium_sink_unsupported},
    {NULL, NULL, NULL},
};

const trib_foreign_class *trib_connector_foreign(const char *name) {
    for (const trib_foreign_class *f = foreign; name && f->class_name; f++)
        if (strcmp(f->class_name, name) == 0) return f;
    return NULL;
}
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
    const trib_foreign_class *f = trib_connector_foreign(name);
    if (f) name = f->served_by;
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
