/*
 * test_connector_registry.c: connector.class lookup follows Connect's
 * aliases (full class name, simple name, simple name without "Connector",
 * declared alias), unknown names give NULL, and every catalog entry is
 * complete, reachable by each of its names and equal to the plugin its code
 * (built in, or a plugin module: linked statically here, see
 * tests/static_modules.c) provides.
 */
#include <string.h>

#include "tests/tap.h"
#include "worker/connector.h"
#include "worker/connector_config.h"

static void same(const char *a, const char *b, const char *what) {
    const trib_connector_plugin *pa = trib_connector_find(a), *pb = trib_connector_find(b);
    ok(pa != NULL && pa == pb, "%s: %s and %s find the same plugin", what, a, b);
}

int main(void) {
    const trib_connector_plugin *src = trib_connector_find("org.apache.kafka.connect.file.FileStreamSourceConnector");
    ok(src != NULL, "FileStreamSource is found by its full class name");
    ok(src && src->kind == TRIB_CONNECTOR_SOURCE && src->source != NULL, "FileStreamSource is a source");
    same("FileStreamSource", "FileStreamSourceConnector", "alias and simple name");
    same("FileStreamSource", "org.apache.kafka.connect.file.FileStreamSourceConnector", "alias and class name");

    const trib_connector_plugin *sink = trib_connector_find("FileStreamSink");
    ok(sink != NULL && sink != src, "FileStreamSink is a different plugin");
    ok(sink && sink->kind == TRIB_CONNECTOR_SINK && sink->sink != NULL, "FileStreamSink is a sink");
    same("FileStreamSinkConnector", "org.apache.kafka.connect.file.FileStreamSinkConnector", "sink names");

    const trib_connector_plugin *dg = trib_connector_find("DataGen");
    ok(dg != NULL && dg->kind == TRIB_CONNECTOR_SOURCE, "DataGen is a source");
    same("DataGen", "DataGenConnector", "DataGen simple name");
    same("DataGen", "io.tributary.connect.datagen.DataGenConnector", "DataGen class name");

    const char *unknown[] = {"", "FileStream", "filestreamsource", "FILESTREAMSOURCE",
                             "org.apache.kafka.connect.file.FileStreamSource", "Connector",
                             "FileStreamSourceConnectorX", "com.example.Nope", " FileStreamSource"};
    for (size_t i = 0; i < sizeof unknown / sizeof *unknown; i++)
        ok(trib_connector_find(unknown[i]) == NULL, "'%s' finds nothing", unknown[i]);
    ok(trib_connector_find(NULL) == NULL, "NULL finds nothing");

    const trib_connector_info *all = trib_connectors_all();
    size_t n = 0, nmodule = 0;
    bool complete = true, reachable = true, matches = true;
    for (; all[n].class_name; n++) {
        const trib_connector_info *info = &all[n];
        trib_error err;
        const trib_connector_plugin *p = trib_connector_info_load(info, &err);
        if (!p) {
            diag("%s: %s", info->class_name, err.msg);
            complete = false;
            continue;
        }
        if (info->module) nmodule++;
        if ((info->module == NULL) != (info->builtin != NULL)) complete = false;
        /* the catalog describes the plugin without loading it: it must say
         * what the plugin says */
        if (strcmp(info->class_name, p->class_name) != 0 || strcmp(info->version, p->version) != 0 ||
            info->kind != p->kind || (info->alias == NULL) != (p->alias == NULL) ||
            (info->alias && strcmp(info->alias, p->alias) != 0)) {
            diag("the catalog entry for %s differs from its plugin", info->class_name);
            matches = false;
        }
        if (!p->class_name || !p->version || !p->config || !p->task_configs || !p->doc)
            complete = false;
        /* A push source (HttpIngest: records arrive at the REST layer) has
         * no task ops; then its task_configs must give no task, so the
         * runtime never looks for them. */
        bool taskless = false;
        if (p->kind == TRIB_CONNECTOR_SOURCE && !p->source && !p->start) {
            trib_props *empty = trib_props_new();
            trib_props **cfgs = NULL;
            size_t ncfg = 1;
            trib_error terr = {0};
            taskless = p->task_configs(NULL, empty, 4, &cfgs, &ncfg, &terr) == 0 && ncfg == 0;
            free(cfgs);
            trib_props_destroy(empty);
            if (!taskless) diag("%s has no task ops but asks for tasks", p->class_name);
        }
        if (!taskless && (p->kind == TRIB_CONNECTOR_SOURCE
                              ? !(p->source && p->source->start && p->source->poll && p->source->stop)
                              : !(p->sink && p->sink->start && p->sink->put && p->sink->stop)))
            complete = false;
        /* Each name of each plugin resolves to that plugin: no alias is shadowed by another. */
        const char *simple = strrchr(p->class_name, '.');
        simple = simple ? simple + 1 : p->class_name;
        char pruned[256];
        snprintf(pruned, sizeof pruned, "%s", simple);
        size_t pl = strlen(pruned);
        if (pl > 9 && strcmp(pruned + pl - 9, "Connector") == 0) pruned[pl - 9] = '\0';
        const char *names[] = {p->class_name, simple, pruned, p->alias};
        for (size_t k = 0; k < 4; k++)
            if (names[k] && (trib_connector_find(names[k]) != p || trib_connector_lookup(names[k]) != info)) {
                diag("%s does not resolve to %s", names[k], p->class_name);
                reachable = false;
            }
    }
    ok(n >= 5, "trib_connectors_all lists the plugins (%zu)", n);
    ok(nmodule >= 2, "the PostgreSQL connectors are in a plugin module (%zu catalog entries are)", nmodule);
    ok(complete, "every plugin loads and has a class name, version, doc, config table, task_configs and its kind's ops "
                  "(or, for a push source, asks for no task)");
    ok(matches, "every catalog entry's class, alias, version and kind are its plugin's");
    ok(reachable, "every name of every plugin resolves to it and to nothing else");
    bool listed = false;
    for (size_t i = 0; i < n; i++) listed |= all[i].builtin == dg;
    ok(listed, "the lookup's plugins are the listed ones");
    const trib_connector_info *pg = trib_connector_lookup("PostgresSink");
    ok(pg && pg->module && strcmp(pg->module, "postgres") == 0 && pg->kind == TRIB_CONNECTOR_SINK,
       "PostgresSink is in the catalog as a sink of the postgres module");
    trib_error err;
    ok(trib_connector_load("com.example.Nope", &err) == NULL && err.code == TRIB_ERR_NOT_FOUND,
       "loading an unknown class is NOT_FOUND");
    like(err.msg, "com.example.Nope", "naming the class");

    /* Confluent's and Debezium's JDBC class names, served by the PostgreSQL plugins */
    ok(trib_connector_lookup("io.confluent.connect.jdbc.JdbcSinkConnector") == pg,
       "Confluent's JdbcSinkConnector resolves to PostgresSink");
    ok(trib_connector_lookup("io.debezium.connector.jdbc.JdbcSinkConnector") == pg,
       "Debezium's JdbcSinkConnector resolves to PostgresSink");
    ok(trib_connector_lookup("io.confluent.connect.jdbc.JdbcSourceConnector") == trib_connector_lookup("PostgresSource"),
       "Confluent's JdbcSourceConnector resolves to PostgresSource");
    ok(trib_connector_lookup("JdbcSinkConnector") == NULL, "the ambiguous simple name resolves to nothing");
    trib_props *cfg = trib_props_new();
    trib_props_set(cfg, "name", "j");
    trib_props_set(cfg, "connector.class", "io.confluent.connect.jdbc.JdbcSinkConnector");
    trib_props_set(cfg, "connection.url", "jdbc:postgresql://localhost:5432/db");
    trib_props_set(cfg, "topics", "t");
    trib_props_set(cfg, "dialect.name", "PostgreSqlDatabaseDialect");
    trib_props_set(cfg, "db.timezone", "UTC");
    const trib_connector_plugin *plugin = NULL;
    trib_config_report *r = trib_connector_config_validate(cfg, NULL, &plugin);
    ok(plugin && strcmp(plugin->class_name, "io.tributary.connect.postgres.PostgresSinkConnector") == 0,
       "a Confluent JDBC sink config validates against PostgresSink");
    is_int(trib_config_report_error_count(r), 0, "keys whose values match what Tributary does pass");
    trib_config_report_destroy(r);
    trib_props_set(cfg, "dialect.name", "MySqlDatabaseDialect");
    trib_props_set(cfg, "mssql.use.merge.holdlock", "true");
    r = trib_connector_config_validate(cfg, NULL, NULL);
    is_int(trib_config_report_error_count(r), 2, "unsupported keys are errors");
    char *sum = trib_config_report_summary(r);
    like(sum, "Invalid value MySqlDatabaseDialect for configuration dialect.name: ", "naming the key");
    like(sum, "which supports only PostgreSqlDatabaseDialect here", "and what is supported");
    like(sum, "PostgresSinkConnector, which does not support this setting; remove it", "or that nothing is");
    free(sum);
    trib_config_report_destroy(r);
    trib_props_set(cfg, "connector.class", "io.debezium.connector.jdbc.JdbcSinkConnector");
    trib_props_remove(cfg, "dialect.name");
    trib_props_remove(cfg, "mssql.use.merge.holdlock");
    trib_props_set(cfg, "connection.username", "u");
    trib_props_set(cfg, "connection.pool.max_size", "10");
    r = trib_connector_config_validate(cfg, NULL, NULL);
    sum = trib_config_report_summary(r);
    is_int(trib_config_report_error_count(r), 1, "Debezium's connection.username is taken, its pool size is not");
    like(sum, "connection.pool.max_size", "naming the pool key");
    free(sum);
    trib_config_report_destroy(r);
    trib_props_set(cfg, "name", "a\001b");
    r = trib_connector_config_validate(cfg, NULL, NULL);
    sum = trib_config_report_summary(r);
    like(sum, "configuration name: String may not contain control sequences but had the following ASCII chars: 1",
         "a name with a control character is refused with Connect's text");
    free(sum);
    trib_config_report_destroy(r);
    trib_props_set(cfg, "name", "");
    r = trib_connector_config_validate(cfg, NULL, NULL);
    sum = trib_config_report_summary(r);
    like(sum, "Invalid value  for configuration name: String may not be empty", "so is an empty name");
    free(sum);
    trib_config_report_destroy(r);
    trib_props_set(cfg, "name", "j");
    trib_props_set(cfg, "connection.url", "jdbc:mysql://localhost/db");
    trib_props_remove(cfg, "connection.pool.max_size");
    r = trib_connector_config_validate(cfg, NULL, NULL);
    sum = trib_config_report_summary(r);
    like(sum, "JDBC URL for another database", "a URL for another database is refused");
    free(sum);
    trib_config_report_destroy(r);
    trib_props_destroy(cfg);

    (void)plan;   /* the plan is printed at the end */
    done_testing();
    return exit_status();
}
