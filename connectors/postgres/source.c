/*
 * source.c: PostgresSource (io.tributary.connect.postgres.PostgresSourceConnector),
 * a PostgreSQL source with the configs and offsets of Confluent's
 * JdbcSourceConnector, so configs and stored offsets carry over.
 *
 * Connector instance: lists the tables it covers (table.whitelist /
 * table.blacklist, table.types, schema.pattern) and splits them across up
 * to tasks.max tasks in contiguous groups; each task config carries its
 * tables as "tributary.task.tables" (a JSON array of [schema, table], so
 * any table name survives). A monitor thread lists them again every
 * table.poll.interval.ms and asks for a reconfiguration when the set
 * changes. With query set there is one task and no listing.
 *
 * Task: one connection; the tables (queriers) are visited in the order
 * they are due, each one's pass read to the end before the next starts
 * (see source_query.c), then scheduled again poll.interval.ms later.
 * Source partitions are {"protocol":"1","table":"schema.table"} (or
 * {"query":"query"}), as the JDBC connector writes them; offsets stored
 * under its older {"table":"name"} partitions are read too.
 */
#include "connectors/postgres/source_internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/log.h"
#include "common/time.h"
#include "common/util.h"

#define FAC "connector.postgres"
#define TASK_TABLES_KEY "tributary.task.tables"

static const char *const source_modes[] = {"bulk", "incrementing", "timestamp", "timestamp+incrementing", NULL};

static int validate_url(const trib_config_def *def, const char *value, trib_error *err) {
    (void)def;
    trib_error e;
    if (trib_pg_url_check(value, &e) == 0) return 0;
    const char *m = strstr(e.msg, "connection.url ");
    return trib_error_set(err, TRIB_ERR_INVALID, "%s", m ? m + strlen("connection.url ") : e.msg);
}

static int validate_table_types(const trib_config_def *def, const char *value, trib_error *err) {
    (void)def;
    size_t n = 0;
    char **v = trib_split_list(value, &n);
    static const char *const ok[] = {"TABLE", "VIEW", "MATERIALIZED VIEW", "FOREIGN TABLE", "PARTITIONED TABLE", NULL};
    for (size_t i = 0; i < n; i++) {
        bool found = false;
        for (int k = 0; ok[k]; k++) found |= strcasecmp(v[i], ok[k]) == 0;
        if (!found) {
            trib_error_set(err, TRIB_ERR_INVALID,
                           "unknown table type '%s' (TABLE, VIEW, MATERIALIZED VIEW, FOREIGN TABLE, PARTITIONED TABLE)", v[i]);
            trib_strv_free(v);
            return -1;
        }
    }
    trib_strv_free(v);
    return 0;
}

#define CONN_GROUP "Database"
#define MODE_GROUP "Mode"
#define CONN_OPT_GROUP "Connector"

static const trib_config_def source_config[] = {
    {.name = "connection.url", .type = TRIB_CFG_STRING, .importance = TRIB_IMP_HIGH, .group = CONN_GROUP,
     .validate = validate_url, .non_empty = true,
     .doc = "PostgreSQL connection: a libpq URI, a key=value conninfo, or a jdbc:postgresql:// URL (translated)."},
    {.name = "connection.user", .type = TRIB_CFG_STRING, .optional = true, .importance = TRIB_IMP_HIGH,
     .group = CONN_GROUP, .doc = "User name; overrides the URL's."},
    {.name = "connection.password", .type = TRIB_CFG_PASSWORD, .optional = true, .importance = TRIB_IMP_HIGH,
     .group = CONN_GROUP, .doc = "Password; overrides the URL's."},
    {.name = "connection.attempts", .type = TRIB_CFG_INT, .default_value = "3", .importance = TRIB_IMP_LOW,
     .group = CONN_GROUP, .has_min = true, .min = 1, .doc = "Connection attempts when a task starts."},
    {.name = "connection.backoff.ms", .type = TRIB_CFG_LONG, .default_value = "10000", .importance = TRIB_IMP_LOW,
     .group = CONN_GROUP, .has_min = true, .min = 0, .doc = "Wait between connection attempts."},
    {.name = "connection.query.timeout.ms", .type = TRIB_CFG_LONG, .default_value = "60000", .importance = TRIB_IMP_LOW,
     .group = CONN_GROUP, .has_min = true, .min = 100, .has_max = true, .max = 86400000,
     .doc = "Longest wait for one round trip to the server (a statement, a COPY step, a result). When it passes, the "
            "connection is closed and the task retries or fails per its error policy, so a server that stops "
            "answering after the handshake holds the task at most this long."},
    {.name = "table.whitelist", .type = TRIB_CFG_LIST, .default_value = "", .importance = TRIB_IMP_MEDIUM,
     .group = CONN_GROUP,
     .doc = "Tables to copy (\"name\" or \"schema.name\"); all visible tables if empty. Not with table.blacklist."},
    {.name = "table.blacklist", .type = TRIB_CFG_LIST, .default_value = "", .importance = TRIB_IMP_MEDIUM,
     .group = CONN_GROUP, .doc = "Tables not to copy (\"name\" or \"schema.name\")."},
    {.name = "table.include.list", .type = TRIB_CFG_LIST, .default_value = "", .importance = TRIB_IMP_LOW,
     .group = CONN_GROUP, .doc = "Newer spelling of table.whitelist (used when that is empty)."},
    {.name = "table.exclude.list", .type = TRIB_CFG_LIST, .default_value = "", .importance = TRIB_IMP_LOW,
     .group = CONN_GROUP, .doc = "Newer spelling of table.blacklist (used when that is empty)."},
    {.name = "schema.pattern", .type = TRIB_CFG_STRING, .optional = true, .importance = TRIB_IMP_MEDIUM,
     .group = CONN_GROUP, .doc = "Only tables in schemas matching this LIKE pattern (all non-system schemas if unset)."},
    {.name = "table.types", .type = TRIB_CFG_LIST, .default_value = "TABLE", .importance = TRIB_IMP_LOW,
     .group = CONN_GROUP, .validate = validate_table_types,
     .doc = "Relation kinds to copy: TABLE (incl. partitioned), VIEW, MATERIALIZED VIEW, FOREIGN TABLE."},
    {.name = "query", .type = TRIB_CFG_STRING, .default_value = "", .importance = TRIB_IMP_MEDIUM, .group = MODE_GROUP,
     .doc = "Copy the result of this query instead of tables (it is wrapped as a subquery, so it may have its own "
            "WHERE). One task; the topic is topic.prefix."},
    {.name = "mode", .type = TRIB_CFG_STRING, .importance = TRIB_IMP_HIGH, .group = MODE_GROUP, .one_of = source_modes,
     .doc = "bulk: the whole table each poll; incrementing: new rows by a strictly increasing column; timestamp: "
            "new or changed rows by a timestamp column; timestamp+incrementing: both, for exactly-once reads."},
    {.name = "incrementing.column.name", .type = TRIB_CFG_STRING, .default_value = "", .importance = TRIB_IMP_MEDIUM,
     .group = MODE_GROUP,
     .doc = "The strictly increasing integer column; detected (identity or serial column) when empty in table mode."},
    {.name = "timestamp.column.name", .type = TRIB_CFG_LIST, .default_value = "", .importance = TRIB_IMP_MEDIUM,
     .group = MODE_GROUP, .doc = "Timestamp column(s); with several, the first non-null one counts (COALESCE)."},
    {.name = "timestamp.delay.interval.ms", .type = TRIB_CFG_LONG, .default_value = "0", .importance = TRIB_IMP_HIGH,
     .group = MODE_GROUP, .has_min = true, .min = 0,
     .doc = "Rows become visible only this long after their timestamp, to let slower transactions commit."},
    /* Bounded to year 9999 so the microseconds it becomes fit an int64. */
    {.name = "timestamp.initial", .type = TRIB_CFG_LONG, .optional = true, .importance = TRIB_IMP_LOW,
     .group = MODE_GROUP, .has_min = true, .min = -1, .has_max = true, .max = 253402300799999.0,
     .doc = "Starting timestamp (ms since the epoch) when no offset is stored; -1 = now; unset = the epoch."},
    {.name = "validate.non.null", .type = TRIB_CFG_BOOLEAN, .default_value = "true", .importance = TRIB_IMP_LOW,
     .group = MODE_GROUP, .doc = "Refuse nullable incrementing / timestamp columns (table mode)."},
    {.name = "poll.interval.ms", .type = TRIB_CFG_INT, .default_value = "5000", .importance = TRIB_IMP_HIGH,
     .group = CONN_OPT_GROUP, .has_min = true, .min = 0, .doc = "Time between passes over each table."},
    {.name = "batch.max.rows", .type = TRIB_CFG_INT, .default_value = "100", .importance = TRIB_IMP_LOW,
     .group = CONN_OPT_GROUP, .has_min = true, .min = 1,
     .doc = "Rows fetched from the server-side cursor per poll."},
    {.name = "topic.prefix", .type = TRIB_CFG_STRING, .importance = TRIB_IMP_HIGH, .group = CONN_OPT_GROUP,
     .doc = "Prefix of the topic names: topic = prefix + table name (query mode: the prefix itself)."},
    {.name = "table.poll.interval.ms", .type = TRIB_CFG_LONG, .default_value = "60000", .importance = TRIB_IMP_LOW,
     .group = CONN_OPT_GROUP, .has_min = true, .min = 1,
     .doc = "How often the connector lists tables again to notice new or dropped ones."},
    {.name = TASK_TABLES_KEY, .type = TRIB_CFG_STRING, .optional = true, .importance = TRIB_IMP_LOW,
     .group = CONN_OPT_GROUP,
     .doc = "Set by the connector in task configs: the task's tables as a JSON array of [schema, table]."},
    TRIB_CONFIG_END,
};

/* ---- listing tables ------------------------------------------------------------ */

void pg_table_refs_free(pg_table_ref *t, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(t[i].schema);
        free(t[i].name);
    }
    free(t);
}

static bool matches(char *const *list, size_t n, const char *schema, const char *name) {
    for (size_t i = 0; i < n; i++) {
        const char *e = list[i];
        if (strcmp(e, name) == 0) return true;
        size_t sl = strlen(schema);
        if (strncmp(e, schema, sl) == 0 && e[sl] == '.' && strcmp(e + sl + 1, name) == 0) return true;
    }
    return false;
}

int pg_list_tables(PGconn *conn, char *const *types, size_t ntypes, const char *schema_pattern, char *const *white,
                   size_t nwhite, char *const *black, size_t nblack, pg_table_ref **out, size_t *n, trib_error *err) {
    char kinds[16] = "{";
    size_t kl = 1;
    for (size_t i = 0; i < ntypes && kl < sizeof kinds - 5; i++) {
        const char *t = types[i];
        const char *k = strcasecmp(t, "TABLE") == 0               ? "r,p"
                        : strcasecmp(t, "PARTITIONED TABLE") == 0 ? "p"
                        : strcasecmp(t, "VIEW") == 0              ? "v"
                        : strcasecmp(t, "MATERIALIZED VIEW") == 0 ? "m"
                        : strcasecmp(t, "FOREIGN TABLE") == 0     ? "f"
                                                                  : NULL;
        if (!k) continue;
        kl += (size_t)snprintf(kinds + kl, sizeof kinds - kl, "%s%s", kl > 1 ? "," : "", k);
    }
    snprintf(kinds + kl, sizeof kinds - kl, "}");
    const char *params[2] = {kinds, schema_pattern};
    static const char stmt[] = "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                               " WHERE c.relkind::text = ANY($1::text[])"
                               " AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'"
                               " AND ($2::text IS NULL OR n.nspname LIKE $2::text)"
                               " AND NOT c.relispartition"
                               " AND has_table_privilege(c.oid, 'SELECT')"
                               " ORDER BY 1, 2";
    PGresult *r = trib_pgq_exec_params(conn, stmt, 2, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        trib_pg_error(conn, r, "listing tables", err);
        PQclear(r);
        return -1;
    }
    int rows = PQntuples(r);
    pg_table_ref *t = trib_xcalloc((size_t)rows + 1, sizeof *t);
    size_t k = 0;
    for (int i = 0; i < rows; i++) {
        const char *s = PQgetvalue(r, i, 0), *name = PQgetvalue(r, i, 1);
        if (nwhite && !matches(white, nwhite, s, name)) continue;
        if (nblack && matches(black, nblack, s, name)) continue;
        t[k].schema = trib_xstrdup(s);
        t[k].name = trib_xstrdup(name);
        k++;
    }
    PQclear(r);
    *out = t;
    *n = k;
    return 0;
}

/* The effective include / exclude lists (old or new spelling). */
static char *const *list_or(const trib_config *c, const char *a, const char *b, size_t *n) {
    *n = trib_config_list_len(c, a);
    if (*n) return trib_config_list(c, a);
    *n = trib_config_list_len(c, b);
    return trib_config_list(c, b);
}

static int list_for_config(PGconn *conn, const trib_config *c, pg_table_ref **out, size_t *n, trib_error *err) {
    size_t nw, nb;
    char *const *w = list_or(c, "table.whitelist", "table.include.list", &nw);
    char *const *b = list_or(c, "table.blacklist", "table.exclude.list", &nb);
    return pg_list_tables(conn, trib_config_list(c, "table.types"), trib_config_list_len(c, "table.types"),
                          trib_config_string(c, "schema.pattern"), w, nw, b, nb, out, n, err);
}

static void cross_check(const trib_config *c, trib_config_report *rep, trib_error *err) {
    size_t nw, nb;
    list_or(c, "table.whitelist", "table.include.list", &nw);
    list_or(c, "table.blacklist", "table.exclude.list", &nb);
    const char *query = trib_config_string(c, "query");
    const char *mode = trib_config_string(c, "mode");
    const char *key = NULL;
    char msg[200];
    if (nw && nb) {
        key = "table.blacklist";
        snprintf(msg, sizeof msg, "table.whitelist and table.blacklist cannot both be set");
    } else if (query && *query && (nw || nb)) {
        key = "query";
        snprintf(msg, sizeof msg, "query cannot be combined with table.whitelist or table.blacklist");
    } else if ((strcasecmp(mode, "timestamp") == 0 || strcasecmp(mode, "timestamp+incrementing") == 0) &&
               trib_config_list_len(c, "timestamp.column.name") == 0) {
        key = "timestamp.column.name";
        snprintf(msg, sizeof msg, "mode=%s needs timestamp.column.name", mode);
    } else if (query && *query && strcasecmp(mode, "bulk") != 0 && strcasecmp(mode, "timestamp") != 0 &&
               !*trib_config_string(c, "incrementing.column.name")) {
        key = "incrementing.column.name";
        snprintf(msg, sizeof msg, "mode=%s with a query needs incrementing.column.name", mode);
    }
    if (!key) return;
    if (rep) trib_config_report_error(rep, key, "%s", msg);
    trib_error_set(err, TRIB_ERR_INVALID, "postgres: %s", msg);
}

static void source_validate(const trib_props *config, trib_config_report *report) {
    trib_pg_tenant_validate(config, report);
    trib_config *c = trib_config_bind(source_config, config, "", NULL);
    if (!c) return;   /* per-key errors are already in the report */
    cross_check(c, report, NULL);
    trib_config_destroy(c);
}

/* ---- connector instance --------------------------------------------------------- */

typedef struct pg_source_conn {
    trib_config *cfg;
    trib_connector_context *cctx;
    bool query_mode;
    PGconn *conn;   /* used by start, then by the monitor thread only */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stopping;
    bool thread_started;
    pthread_t thread;
    pg_table_ref *tables;
    size_t ntables;
} pg_source_conn;

static bool same_tables(const pg_table_ref *a, size_t na, const pg_table_ref *b, size_t nb) {
    if (na != nb) return false;
    for (size_t i = 0; i < na; i++)
        if (strcmp(a[i].schema, b[i].schema) != 0 || strcmp(a[i].name, b[i].name) != 0) return false;
    return true;
}

static void *monitor_main(void *arg) {
    pg_source_conn *c = arg;
    int64_t interval = trib_config_long(c->cfg, "table.poll.interval.ms");
    pthread_mutex_lock(&c->mu);
    while (!c->stopping) {
        struct timespec ts = trib_deadline_in(CLOCK_MONOTONIC, interval);
        pthread_cond_timedwait(&c->cv, &c->mu, &ts);
        if (c->stopping) break;
        pthread_mutex_unlock(&c->mu);
        trib_error err;
        pg_table_ref *t = NULL;
        size_t n = 0;
        int rc = -1;
        if (!c->conn || PQstatus(c->conn) != CONNECTION_OK) {
            if (c->conn) trib_pg_finish(c->conn);
            c->conn = trib_pg_connect(trib_config_string(c->cfg, "connection.url"),
                                      trib_config_string(c->cfg, "connection.user"),
                                      trib_config_password(c->cfg, "connection.password"), "tributary source monitor",
                                      trib_connector_context_name(c->cctx),
                                      trib_config_long(c->cfg, TRIB_PG_QUERY_TIMEOUT_KEY), &err);
        }
        if (c->conn) rc = list_for_config(c->conn, c->cfg, &t, &n, &err);
        if (rc < 0) TRIB_WARN(FAC, "[%s] listing tables failed: %s", trib_connector_context_name(c->cctx), err.msg);
        pthread_mutex_lock(&c->mu);
        if (rc == 0) {
            if (!same_tables(c->tables, c->ntables, t, n)) {
                TRIB_INFO(FAC, "[%s] tables changed (%zu -> %zu); reconfiguring tasks",
                          trib_connector_context_name(c->cctx), c->ntables, n);
                pg_table_refs_free(c->tables, c->ntables);
                c->tables = t;
                c->ntables = n;
                trib_connector_context_request_reconfiguration(c->cctx);
            } else {
                pg_table_refs_free(t, n);
            }
        }
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

static void conn_stop(void *ctx) {
    pg_source_conn *c = ctx;
    if (!c) return;
    if (c->thread_started) {
        pthread_mutex_lock(&c->mu);
        c->stopping = true;
        pthread_cond_signal(&c->cv);
        pthread_mutex_unlock(&c->mu);
        pthread_join(c->thread, NULL);
    }
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    if (c->conn) trib_pg_finish(c->conn);
    pg_table_refs_free(c->tables, c->ntables);
    trib_config_destroy(c->cfg);
    free(c);
}

static int conn_start(const trib_props *config, trib_connector_context *cctx, void **ctx, trib_error *err) {
    trib_config *cfg = trib_config_bind(source_config, config, "", err);
    if (!cfg) return -1;
    trib_error e;
    trib_error_clear(&e);
    cross_check(cfg, NULL, &e);
    if (e.code != TRIB_OK) {
        if (err) *err = e;
        trib_config_destroy(cfg);
        return -1;
    }
    pg_source_conn *c = trib_xcalloc(1, sizeof *c);
    c->cfg = cfg;
    c->cctx = cctx;
    pthread_mutex_init(&c->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&c->cv, &ca);
    pthread_condattr_destroy(&ca);
    c->query_mode = *trib_config_string(cfg, "query") != '\0';
    if (!c->query_mode) {
        c->conn = trib_pg_connect(trib_config_string(cfg, "connection.url"), trib_config_string(cfg, "connection.user"),
                                  trib_config_password(cfg, "connection.password"), "tributary source monitor",
                                  trib_connector_context_name(cctx), trib_config_long(cfg, TRIB_PG_QUERY_TIMEOUT_KEY),
                                  err);
        if (!c->conn || list_for_config(c->conn, cfg, &c->tables, &c->ntables, err) < 0) {
            conn_stop(c);
            return -1;
        }
        TRIB_INFO(FAC, "[%s] %zu table(s) to copy", trib_connector_context_name(cctx), c->ntables);
        if (pthread_create(&c->thread, NULL, monitor_main, c) != 0) {
            conn_stop(c);
            return trib_error_set(err, TRIB_ERR_INTERNAL, "postgres: cannot start the table monitor thread");
        }
        c->thread_started = true;
    }
    *ctx = c;
    return 0;
}

static int conn_task_configs(void *ctx, const trib_props *config, int max_tasks, trib_props ***out, size_t *n,
                             trib_error *err) {
    (void)config;
    pg_source_conn *c = ctx;
    if (max_tasks < 1) return trib_error_set(err, TRIB_ERR_INVALID, "tasks.max must be at least 1");
    *out = NULL;
    *n = 0;
    if (c->query_mode) {
        *out = trib_xmalloc(sizeof **out);
        (*out)[0] = trib_props_new();
        *n = 1;
        return 0;
    }
    pthread_mutex_lock(&c->mu);
    size_t nt = c->ntables;
    if (nt == 0) {
        pthread_mutex_unlock(&c->mu);
        TRIB_WARN(FAC, "[%s] no tables match; no tasks will run until one appears", trib_connector_context_name(c->cctx));
        return 0;
    }
    size_t groups = (size_t)max_tasks < nt ? (size_t)max_tasks : nt;
    *out = trib_xmalloc(groups * sizeof **out);
    /* Contiguous groups, the first ones one larger (ConnectorUtils.groupPartitions). */
    size_t per = nt / groups, extra = nt % groups, at = 0;
    for (size_t g = 0; g < groups; g++) {
        size_t cnt = per + (g < extra);
        json_t *arr = json_array();
        for (size_t i = at; i < at + cnt; i++)
            json_array_append_new(arr, json_pack("[ss]", c->tables[i].schema, c->tables[i].name));
        at += cnt;
        char *s = json_dumps(arr, JSON_COMPACT);
        json_decref(arr);
        trib_props *p = trib_props_new();
        trib_props_set(p, TASK_TABLES_KEY, s);
        free(s);
        (*out)[g] = p;
    }
    *n = groups;
    pthread_mutex_unlock(&c->mu);
    return 0;
}

/* ---- task ------------------------------------------------------------------------- */

typedef struct pg_source_task {
    trib_config *cfg;
    trib_source_task_context *tctx;
    const char *url, *user, *password;
    pg_query_opts opts;
    int64_t poll_interval_ms;
    PGconn *conn;
    pg_querier **q;
    size_t nq;
    size_t cur;   /* querier with an open cursor, or SIZE_MAX */
} pg_source_task;

static void task_stop(void *ctx) {
    pg_source_task *t = ctx;
    if (!t) return;
    for (size_t i = 0; i < t->nq; i++) pg_querier_destroy(t->q[i]);
    free(t->q);
    if (t->conn) trib_pg_finish(t->conn);
    trib_config_destroy(t->cfg);
    free(t);
}

static int task_connect(pg_source_task *t, trib_error *err) {
    if (t->conn && PQstatus(t->conn) == CONNECTION_OK) return 0;
    if (t->conn) trib_pg_finish(t->conn);
    char app[128];
    snprintf(app, sizeof app, "tributary source %s-%d", trib_source_task_context_connector(t->tctx),
             trib_source_task_context_task_id(t->tctx));
    t->conn = trib_pg_connect(t->url, t->user, t->password, app, trib_source_task_context_connector(t->tctx),
                              trib_config_long(t->cfg, TRIB_PG_QUERY_TIMEOUT_KEY), err);
    /* A new session has no cursor. */
    for (size_t i = 0; i < t->nq; i++) t->q[i]->open = false;
    t->cur = SIZE_MAX;
    return t->conn ? 0 : -1;
}

static void add_querier(pg_source_task *t, pg_querier *q) {
    t->q = trib_xrealloc(t->q, (t->nq + 1) * sizeof *t->q);
    t->q[t->nq++] = q;
    json_t *off = trib_source_task_context_offset(t->tctx, q->partition);
    if (!off && q->table) {   /* the JDBC connector's protocol-0 partition */
        json_t *v0 = json_pack("{s:s}", "table", q->table);
        off = trib_source_task_context_offset(t->tctx, v0);
        json_decref(v0);
    }
    pg_querier_restore(q, off, &t->opts);
    json_decref(off);
}

static int task_start(const trib_props *config, trib_source_task_context *tctx, void **ctx, trib_error *err) {
    trib_config *cfg = trib_config_bind(source_config, config, "", err);
    if (!cfg) return -1;
    pg_source_task *t = trib_xcalloc(1, sizeof *t);
    t->cfg = cfg;
    t->tctx = tctx;
    t->cur = SIZE_MAX;
    t->url = trib_config_string(cfg, "connection.url");
    t->user = trib_config_string(cfg, "connection.user");
    t->password = trib_config_password(cfg, "connection.password");
    const char *mode = trib_config_string(cfg, "mode");
    t->opts.mode = strcasecmp(mode, "incrementing") == 0             ? PG_SRC_INCREMENTING
                   : strcasecmp(mode, "timestamp") == 0              ? PG_SRC_TIMESTAMP
                   : strcasecmp(mode, "timestamp+incrementing") == 0 ? PG_SRC_TS_INC
                                                                     : PG_SRC_BULK;
    t->opts.inc_col = trib_config_string(cfg, "incrementing.column.name");
    t->opts.ts_cols = trib_config_list(cfg, "timestamp.column.name");
    t->opts.nts = trib_config_list_len(cfg, "timestamp.column.name");
    t->opts.delay_ms = trib_config_long(cfg, "timestamp.delay.interval.ms");
    t->opts.batch_max_rows = trib_config_int(cfg, "batch.max.rows");
    t->opts.topic_prefix = trib_config_string(cfg, "topic.prefix");
    t->opts.validate_non_null = trib_config_bool(cfg, "validate.non.null");
    t->opts.has_ts_initial = trib_config_raw(cfg, "timestamp.initial") != NULL;
    if (t->opts.has_ts_initial) t->opts.ts_initial_ms = trib_config_long(cfg, "timestamp.initial");
    t->poll_interval_ms = trib_config_int(cfg, "poll.interval.ms");
    trib_error e;
    trib_error_clear(&e);
    cross_check(cfg, NULL, &e);
    if (e.code != TRIB_OK) {
        if (err) *err = e;
        task_stop(t);
        return -1;
    }

    int attempts = trib_config_int(cfg, "connection.attempts");
    int64_t backoff = trib_config_long(cfg, "connection.backoff.ms");
    for (int a = 1;; a++) {
        if (task_connect(t, err) == 0) break;
        if (a >= attempts || !trib_error_is_retriable(err)) {
            task_stop(t);
            return -1;
        }
        TRIB_WARN(FAC, "[%s:%d] %s; attempt %d of %d in %lld ms", trib_source_task_context_connector(tctx),
                  trib_source_task_context_task_id(tctx), err->msg, a + 1, attempts, (long long)backoff);
        for (int64_t until = trib_add_i64_sat(trib_mono_ms(), backoff); trib_mono_ms() < until;) {
            if (trib_source_task_context_stopping(tctx)) break;
            trib_sleep_ms(100);
        }
    }

    const char *query = trib_config_string(cfg, "query");
    const char *tables = trib_config_string(cfg, TASK_TABLES_KEY);
    if (*query) {
        add_querier(t, pg_querier_new_query(query, &t->opts));
    } else if (tables) {
        json_error_t je;
        json_t *arr = json_loads(tables, 0, &je);
        size_t i;
        json_t *pair;
        if (!json_is_array(arr)) {
            json_decref(arr);
            trib_error_set(err, TRIB_ERR_INVALID, "postgres: %s is not a JSON array of [schema, table]", TASK_TABLES_KEY);
            task_stop(t);
            return -1;
        }
        json_array_foreach(arr, i, pair) {
            const char *sch = json_string_value(json_array_get(pair, 0));
            const char *tab = json_string_value(json_array_get(pair, 1));
            if (!sch || !tab) {
                json_decref(arr);
                trib_error_set(err, TRIB_ERR_INVALID, "postgres: %s entry %zu is not [schema, table]", TASK_TABLES_KEY, i);
                task_stop(t);
                return -1;
            }
            add_querier(t, pg_querier_new_table(sch, tab, &t->opts));
        }
        json_decref(arr);
    } else {
        /* Started without the connector's split: cover the configured tables. */
        pg_table_ref *refs = NULL;
        size_t n = 0;
        if (list_for_config(t->conn, cfg, &refs, &n, err) < 0) {
            task_stop(t);
            return -1;
        }
        for (size_t i = 0; i < n; i++) add_querier(t, pg_querier_new_table(refs[i].schema, refs[i].name, &t->opts));
        pg_table_refs_free(refs, n);
    }
    TRIB_INFO(FAC, "[%s:%d] PostgreSQL source started: %zu table(s)/quer(ies), mode %s",
              trib_source_task_context_connector(tctx), trib_source_task_context_task_id(tctx), t->nq, mode);
    *ctx = t;
    return 0;
}

static int task_poll(void *ctx, trib_record_batch *out, trib_error *err) {
    pg_source_task *t = ctx;
    if (t->nq == 0 || trib_source_task_context_stopping(t->tctx)) {
        trib_sleep_ms(100);
        return 0;
    }
    if (task_connect(t, err) < 0) return -1;
    if (t->cur == SIZE_MAX) {
        int64_t now = trib_mono_ms();
        size_t best = 0;
        for (size_t i = 1; i < t->nq; i++)
            if (t->q[i]->next_run_ms < t->q[best]->next_run_ms) best = i;
        if (t->q[best]->next_run_ms > now) {
            int64_t wait = t->q[best]->next_run_ms - now;
            trib_sleep_ms(wait > 100 ? 100 : wait);
            return 0;
        }
        if (pg_querier_open(t->q[best], t->conn, &t->opts, err) < 0) {
            /* A broken query would fail every time: wait a poll interval. */
            t->q[best]->next_run_ms = now + t->poll_interval_ms;
            return -1;
        }
        t->cur = best;
    }
    pg_querier *q = t->q[t->cur];
    bool done = false;
    if (pg_querier_fetch(q, t->conn, &t->opts, out, &done, err) < 0) {
        t->cur = SIZE_MAX;
        q->next_run_ms = trib_mono_ms() + t->poll_interval_ms;
        return -1;
    }
    if (done) {
        q->next_run_ms = trib_mono_ms() + t->poll_interval_ms;
        t->cur = SIZE_MAX;
    }
    return 0;
}

static const trib_source_task_ops source_task_ops = {
    .start = task_start,
    .poll = task_poll,
    .stop = task_stop,
};

const trib_connector_plugin trib_postgres_source_plugin = {
    .class_name = "io.tributary.connect.postgres.PostgresSourceConnector",
    .alias = "PostgresSource",
    .version = "1.0.0",
    .kind = TRIB_CONNECTOR_SOURCE,
    .doc = "Copies PostgreSQL tables or a query into topics (bulk, incrementing, timestamp modes), with "
           "JDBC-source-compatible configs and offsets.",
    .config = source_config,
    .validate = source_validate,
    .start = conn_start,
    .task_configs = conn_task_configs,
    .stop = conn_stop,
    .source = &source_task_ops,
};
