/*
 * tenant_conn.c: the connection parameters of a tenant's PostgreSQL
 * connector (docs/tenants.md, "Database connections").
 *
 * libpq reads files and environment variables of the process for every
 * parameter a connection string leaves unset: ~/.pgpass (or PGPASSFILE)
 * for the password, ~/.postgresql/postgresql.crt and .key as a client
 * certificate, root.crt and root.crl, PGPASSWORD, PGHOST, PGSSLKEY... A
 * tenant who names its own server would receive the worker's secrets. So a
 * tenant's connection.url is parsed with libpq's own parser
 * (PQconninfoParse: percent-encoded keys in URIs and any whitespace in
 * key=value form are decoded exactly as libpq would), every parameter set
 * must be in the allowed set below, and the connection is built from the
 * parsed values with every other parameter libpq would take from the
 * environment set explicitly: the client-file parameters to a path that
 * cannot exist (/dev/null/...: ENOTDIR, which libpq treats as "no file"),
 * the rest to libpq's compiled-in default or empty. The raw string never
 * reaches libpq's connect functions, and dbname is never expanded as a
 * connection string.
 *
 * Before connecting, the server's name is resolved here and checked
 * against the tenants' outbound policy (tenants/outbound.h), and libpq
 * gets the checked address as hostaddr, so a second DNS answer cannot move
 * the connection to an address the policy refuses.
 *
 * The one parameter that cannot be neutralised is `service`: when the
 * worker's environment sets PGSERVICE, libpq reads that service file, but
 * it only fills parameters that are unset, and none is.
 */
#include "connectors/postgres/pg_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"
#include "tenants/outbound.h"

/* A path libpq's stat() fails on with ENOTDIR: /dev/null exists and is not
 * a directory, so nothing beneath it can ever exist. */
#define NO_FILE "/dev/null/tributary-tenant-no-file"

/* The parameters tenants may set. */
static const char *const allowed[] = {
    "host", "hostaddr", "port", "dbname", "user", "password", "sslmode", "connect_timeout", "application_name",
    "options", "target_session_attrs", "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count",
    "tcp_user_timeout", NULL,
};

/* Server settings a tenant may pass in `options` (as -c name=value). */
static const char *const allowed_gucs[] = {
    "search_path", "statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout", NULL,
};

/* Parameters forced for tenants whatever the environment says. */
static const struct {
    const char *key, *value;
} forced[] = {
    {"passfile", NO_FILE},  {"sslcert", NO_FILE},   {"sslkey", NO_FILE},         {"sslrootcert", NO_FILE},
    {"sslcrl", NO_FILE},    {"sslcrldir", NO_FILE}, {"sslpassword", ""},         {"requirepeer", ""},
    {"client_encoding", "UTF8"}, {"gssencmode", "disable"}, {"krbsrvname", "postgres"}, {"gsslib", ""},
    {NULL, NULL},
};

/* Connect attempts of a tenant never wait longer than this by default
 * (a server that accepts and never answers must not hold a task). */
#define TENANT_CONNECT_TIMEOUT "10"

bool trib_pg_is_tenant(const char *connector) { return connector && strchr(connector, '/') != NULL; }

static bool in_list(const char *const *list, const char *k) {
    for (int i = 0; list[i]; i++)
        if (strcmp(list[i], k) == 0) return true;
    return false;
}

/* `options`: whitespace-separated "-c name=value" / "-cname=value" pairs
 * naming allowed settings only; no backslash escapes. */
static int check_options(const char *v, trib_error *err) {
    if (strchr(v, '\\'))
        return trib_error_set(err, TRIB_ERR_FORBIDDEN,
                              "connection.url: 'options' may not contain backslash escapes for tenants");
    char *copy = trib_xstrdup(v);
    int rc = 0;
    char *save = NULL;
    for (char *tok = strtok_r(copy, " \t\r\n\f\v", &save); tok && rc == 0;
         tok = strtok_r(NULL, " \t\r\n\f\v", &save)) {
        const char *setting;
        if (strcmp(tok, "-c") == 0) {
            setting = strtok_r(NULL, " \t\r\n\f\v", &save);
        } else if (strncmp(tok, "-c", 2) == 0) {
            setting = tok + 2;
        } else if (strncmp(tok, "--", 2) == 0 && tok[2]) {
            setting = tok + 2;
        } else {
            rc = trib_error_set(err, TRIB_ERR_FORBIDDEN,
                                "connection.url: 'options' may only hold -c name=value settings for tenants");
            break;
        }
        const char *eq = setting ? strchr(setting, '=') : NULL;
        char name[64];
        size_t n = eq ? (size_t)(eq - setting) : 0;
        if (!eq || n == 0 || n >= sizeof name) {
            rc = trib_error_set(err, TRIB_ERR_FORBIDDEN, "connection.url: 'options' has a setting without name=value");
            break;
        }
        memcpy(name, setting, n);
        name[n] = '\0';
        for (char *p = name; *p; p++) *p = (char)tolower((unsigned char)*p);
        for (char *p = name; *p; p++)
            if (*p == '-') *p = '_';
        if (!in_list(allowed_gucs, name))
            rc = trib_error_set(err, TRIB_ERR_FORBIDDEN,
                                "connection.url: 'options' may set only search_path, statement_timeout, lock_timeout "
                                "and idle_in_transaction_session_timeout for tenants, not '%.40s'",
                                name);
    }
    free(copy);
    return rc;
}

/* Rules for the value of an allowed parameter. */
static int check_value(const char *k, const char *v, trib_error *err) {
    if (strcmp(k, "host") == 0) {
        if (!*v) return trib_error_set(err, TRIB_ERR_FORBIDDEN, "connection.url: 'host' is empty");
        if (v[0] == '/' || v[0] == '@')
            return trib_error_set(err, TRIB_ERR_FORBIDDEN,
                                  "connection.url: 'host' names a Unix socket on the worker; tenants connect over TCP");
    }
    if ((strcmp(k, "host") == 0 || strcmp(k, "hostaddr") == 0 || strcmp(k, "port") == 0) && strchr(v, ','))
        return trib_error_set(err, TRIB_ERR_FORBIDDEN,
                              "connection.url: '%s' lists several servers; tenants name one server", k);
    if (strcmp(k, "sslmode") == 0 && strcmp(v, "disable") != 0 && strcmp(v, "allow") != 0 &&
        strcmp(v, "prefer") != 0 && strcmp(v, "require") != 0)
        return trib_error_set(err, TRIB_ERR_FORBIDDEN,
                              "connection.url: sslmode '%.20s' is not available to tenants (disable, allow, prefer or "
                              "require: verify-ca and verify-full need a certificate file on the worker)",
                              v);
    if (strcmp(k, "options") == 0) return check_options(v, err);
    return 0;
}

void trib_pg_params_free(trib_pg_params *p) {
    if (!p) return;
    for (size_t i = 0; i < p->n; i++) {
        free(p->keys[i]);
        free(p->vals[i]);
    }
    free(p->keys);
    free(p->vals);
    memset(p, 0, sizeof *p);
}

static void params_set(trib_pg_params *p, const char *k, const char *v) {
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->keys[i], k) == 0) {
            free(p->vals[i]);
            p->vals[i] = trib_xstrdup(v);
            return;
        }
    p->keys = trib_xrealloc(p->keys, (p->n + 2) * sizeof *p->keys);
    p->vals = trib_xrealloc(p->vals, (p->n + 2) * sizeof *p->vals);
    p->keys[p->n] = trib_xstrdup(k);
    p->vals[p->n] = trib_xstrdup(v);
    p->n++;
    p->keys[p->n] = NULL;
    p->vals[p->n] = NULL;
}

const char *trib_pg_params_get(const trib_pg_params *p, const char *k) {
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->keys[i], k) == 0) return p->vals[i];
    return NULL;
}

int trib_pg_tenant_params(const char *url, const char *user, const char *password, const char *app_name,
                          trib_pg_params *out, trib_error *err) {
    memset(out, 0, sizeof *out);
    char *ci = trib_pg_url_to_conninfo(url, err);
    if (!ci) return -1;
    PQconninfoOption *opts = trib_pg_conninfo_parse(ci, "connection.url", err);
    free(ci);
    if (!opts) return -1;
    int rc = 0;
    for (PQconninfoOption *o = opts; o->keyword && rc == 0; o++) {
        if (!o->val) continue;
        if (!in_list(allowed, o->keyword))
            rc = trib_error_set(err, TRIB_ERR_FORBIDDEN,
                                "connection.url: the parameter '%s' is not available to tenants (allowed: host, "
                                "hostaddr, port, dbname, user, password, sslmode, connect_timeout, application_name, "
                                "options, target_session_attrs, keepalives*, tcp_user_timeout)",
                                o->keyword);
        else
            rc = check_value(o->keyword, o->val, err);
    }
    if (rc == 0) {
        /* Every parameter libpq would otherwise take from the environment
         * (or a file named by it) gets a value: the tenant's, a forced one,
         * or the compiled-in default. Parameters without an environment
         * variable stay unset unless the tenant set them. */
        for (PQconninfoOption *o = opts; o->keyword; o++) {
            if (strcmp(o->keyword, "service") == 0) continue;
            const char *v = NULL;
            for (int i = 0; forced[i].key; i++)
                if (strcmp(forced[i].key, o->keyword) == 0) v = forced[i].value;
            if (!v && o->val) v = o->val;
            if (!v && o->envvar && *o->envvar) v = o->compiled ? o->compiled : "";
            if (v) params_set(out, o->keyword, v);
        }
        if (user && *user) params_set(out, "user", user);
        if (password && *password) params_set(out, "password", password);
        const char *host = trib_pg_params_get(out, "host");
        const char *addr = trib_pg_params_get(out, "hostaddr");
        const char *u = trib_pg_params_get(out, "user");
        if ((!host || !*host) && (!addr || !*addr))
            rc = trib_error_set(err, TRIB_ERR_FORBIDDEN,
                                "connection.url: tenants must name the server (host or hostaddr); the default is a "
                                "Unix socket on the worker");
        else if (!u || !*u)
            rc = trib_error_set(err, TRIB_ERR_FORBIDDEN,
                                "connection.url: tenants must name the user (in the URL or connection.user); the "
                                "default is the worker's own user name");
        if (rc == 0) {
            const char *db = trib_pg_params_get(out, "dbname");
            if (!db || !*db) params_set(out, "dbname", u);
            const char *ct = trib_pg_params_get(out, "connect_timeout");
            if (!ct || !*ct) params_set(out, "connect_timeout", TENANT_CONNECT_TIMEOUT);
            if (app_name && *app_name) params_set(out, "fallback_application_name", app_name);
        }
    }
    PQconninfoFree(opts);
    if (rc < 0) trib_pg_params_free(out);
    return rc;
}

void trib_pg_tenant_validate(const trib_props *config, trib_config_report *report) {
    if (!trib_pg_is_tenant(trib_props_get(config, "name"))) return;
    const char *url = trib_props_get(config, "connection.url");
    if (!url || !*url) return;   /* the table's non_empty rule reports it */
    trib_pg_params p;
    trib_error e;
    if (trib_pg_tenant_params(url, trib_props_get(config, "connection.user"),
                              trib_props_get(config, "connection.password"), NULL, &p, &e) < 0) {
        /* The message names connection.url (the REST summary lists
         * messages without their keys). */
        trib_config_report_error(report, "connection.url", "%s%s",
                                 trib_str_startswith(e.msg, "connection.url") ? "" : "connection.url: ", e.msg);
        return;
    }
    trib_pg_params_free(&p);
}

int trib_pg_tenant_pin(const char *connector, trib_pg_params *p, trib_error *err) {
    const char *host = trib_pg_params_get(p, "host");
    const char *hostaddr = trib_pg_params_get(p, "hostaddr");
    const char *port = trib_pg_params_get(p, "port");
    const char *target = hostaddr && *hostaddr ? hostaddr : host;
    char addr[64];
    if (trib_outbound_resolve(connector, target, port && *port ? port : "5432", NULL, NULL, addr, sizeof addr, err) < 0)
        return -1;
    params_set(p, "hostaddr", addr);
    return 0;
}
