/*
 * conn.c: connections to PostgreSQL and the translation of libpq errors into
 * Tributary's error codes.
 *
 * connection.url accepts what libpq accepts (postgresql:// URIs and
 * key=value conninfo) and, so JDBC connector configs carry over unchanged,
 * jdbc:postgresql:// URLs, whose JDBC-only parameters are mapped to libpq's
 * (ssl=true -> sslmode=require, currentSchema -> search_path, ...) or
 * dropped with a warning. Every session runs in UTF8 with TimeZone UTC (as
 * Connect's db.timezone default) so timestamps without time zone mean UTC.
 *
 * Error codes: a lost connection, serialization failures, deadlocks, lock
 * timeouts, shutdowns and resource shortages are RETRIABLE; row faults
 * (SQLSTATE classes 22 and 23) INVALID; bad credentials UNAUTHORIZED; the
 * sink ledger's own conflict (offsets_table.c) CONFLICT; everything else
 * FATAL, with the server's message and SQLSTATE.
 */
#include "connectors/postgres/pg_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"

#define FAC "connector.postgres"

/* JDBC parameter -> libpq parameter ("" = drop). Unknown ones are dropped. */
static const struct {
    const char *jdbc, *libpq;
} jdbc_params[] = {
    {"user", "user"},
    {"password", "password"},
    {"sslmode", "sslmode"},
    {"sslcert", "sslcert"},
    {"sslkey", "sslkey"},
    {"sslrootcert", "sslrootcert"},
    {"sslpassword", "sslpassword"},
    {"ApplicationName", "application_name"},
    {"applicationName", "application_name"},
    {"connectTimeout", "connect_timeout"},
    {"loginTimeout", "connect_timeout"},
    {"options", "options"},
    {"targetServerType", "target_session_attrs"},
    {"tcpKeepAlive", "keepalives"},
    {NULL, NULL},
};

static void put_param(trib_strbuf *out, bool *first, const char *k, const char *v, size_t vlen) {
    trib_strbuf_putc(out, *first ? '?' : '&');
    *first = false;
    trib_strbuf_puts(out, k);
    trib_strbuf_putc(out, '=');
    trib_strbuf_append(out, v, vlen);
}

char *trib_pg_url_to_conninfo(const char *url, trib_error *err) {
    if (!url || !*url) {
        trib_error_set(err, TRIB_ERR_INVALID, "postgres: connection.url is empty");
        return NULL;
    }
    static const char jdbc[] = "jdbc:postgresql:";
    if (strncmp(url, jdbc, sizeof jdbc - 1) != 0) {
        if (strncmp(url, "jdbc:", 5) == 0) {
            trib_error_set(err, TRIB_ERR_INVALID,
                           "postgres: connection.url is a JDBC URL for another database (expected jdbc:postgresql:)");
            return NULL;
        }
        return trib_xstrdup(url);
    }
    const char *rest = url + sizeof jdbc - 1;
    trib_strbuf out;
    trib_strbuf_init(&out);
    trib_strbuf_puts(&out, "postgresql:");
    const char *q = strchr(rest, '?');
    size_t base_len = q ? (size_t)(q - rest) : strlen(rest);
    if (strncmp(rest, "//", 2) == 0) {
        trib_strbuf_append(&out, rest, base_len);   /* //host:port,host2/db */
    } else {
        /* jdbc:postgresql:database or jdbc:postgresql:/ (localhost) */
        trib_strbuf_puts(&out, "///");
        const char *db = rest;
        size_t dl = base_len;
        while (dl && *db == '/') db++, dl--;
        trib_strbuf_append(&out, db, dl);
    }
    bool first = true;
    bool ssl_on = false, have_sslmode = false;
    const char *p = q ? q + 1 : NULL;
    while (p && *p) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        size_t klen = eq ? (size_t)(eq - p) : len;
        const char *v = eq ? eq + 1 : "";
        size_t vlen = eq ? len - klen - 1 : 0;
        char *k = trib_xstrndup(p, klen);
        const char *mapped = NULL;
        for (int i = 0; jdbc_params[i].jdbc; i++)
            if (strcmp(k, jdbc_params[i].jdbc) == 0) mapped = jdbc_params[i].libpq;
        if (strcmp(k, "ssl") == 0) {
            ssl_on = vlen == 4 ? strncasecmp(v, "true", 4) == 0 : (vlen == 0);
        } else if (strcmp(k, "currentSchema") == 0) {
            /* -c search_path=<schemas>, URI-encoded: "-c%20search_path%3D" */
            trib_strbuf_putc(&out, first ? '?' : '&');
            first = false;
            trib_strbuf_puts(&out, "options=-c%20search_path%3D");
            trib_strbuf_append(&out, v, vlen);
        } else if (mapped) {
            if (strcmp(mapped, "sslmode") == 0) have_sslmode = true;
            put_param(&out, &first, mapped, v, vlen);
        } else if (klen) {
            TRIB_WARN(FAC, "connection.url: JDBC parameter '%s' has no libpq equivalent and is ignored", k);
        }
        free(k);
        p = amp ? amp + 1 : NULL;
    }
    if (ssl_on && !have_sslmode) put_param(&out, &first, "sslmode", "require", 7);
    return trib_strbuf_take(&out);
}

PQconninfoOption *trib_pg_conninfo_parse(const char *conninfo, const char *what, trib_error *err) {
    char *msg = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo, &msg);
    if (!opts) {
        /* libpq's message ends in a newline; it never contains the password. */
        if (msg) {
            size_t l = strlen(msg);
            while (l && (msg[l - 1] == '\n' || msg[l - 1] == ' ')) msg[--l] = '\0';
        }
        trib_error_set(err, TRIB_ERR_INVALID, "%s is not a valid connection string: %s", what,
                       msg ? msg : "parse error");
        PQfreemem(msg);
    }
    return opts;
}

int trib_pg_url_check(const char *url, trib_error *err) {
    char *ci = trib_pg_url_to_conninfo(url, err);
    if (!ci) return -1;
    PQconninfoOption *opts = trib_pg_conninfo_parse(ci, "postgres: connection.url", err);
    free(ci);
    if (!opts) return -1;
    PQconninfoFree(opts);
    return 0;
}

/* Server notices ("relation ... already exists, skipping") go to the
 * debug log instead of libpq's default stderr printer. */
static void notice_to_log(void *arg, const char *message) {
    (void)arg;
    TRIB_DEBUG(FAC, "server notice: %s", message);
}

/* libpq messages span lines ("server closed the connection\n\tThis
 * probably means..."): one line for logs and error traces. */
static void chomp(char *s) {
    size_t l = strlen(s);
    while (l && (s[l - 1] == '\n' || s[l - 1] == ' ')) s[--l] = '\0';
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r == '\n' || *r == '\t') {
            if (w > s && w[-1] != ' ') *w++ = ' ';
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

/* The connect_timeout every connection gets: the URL's when it sets one in
 * 1..TRIB_PG_CONNECT_TIMEOUT_MAX_S seconds, else the default. libpq waits
 * forever without one, and connector start and validate run on the
 * herder's thread: a server that accepts and never answers (a tenant can
 * name any server) must not stall the worker. */
static int effective_connect_timeout(const char *conninfo) {
    int t = TRIB_PG_CONNECT_TIMEOUT_S;
    PQconninfoOption *opts = PQconninfoParse(conninfo, NULL);
    for (PQconninfoOption *o = opts; o && o->keyword; o++) {
        if (strcmp(o->keyword, "connect_timeout") != 0 || !o->val) continue;
        char *end;
        long v = strtol(o->val, &end, 10);
        if (*o->val && !*end && v >= 1 && v <= TRIB_PG_CONNECT_TIMEOUT_MAX_S) t = (int)v;
    }
    PQconninfoFree(opts);
    return t;
}

PGconn *trib_pg_connect(const char *url, const char *user, const char *password, const char *app_name,
                        const char *connector, int64_t query_timeout_ms, trib_error *err) {
    PGconn *c;
    if (trib_pg_is_tenant(connector)) {
        /* Built from the parsed, allowed values only (tenant_conn.c). */
        trib_pg_params p;
        if (trib_pg_tenant_params(url, user, password, app_name, &p, err) < 0) {
            trib_error_prefix(err, "postgres");
            return NULL;
        }
        if (trib_pg_tenant_pin(connector, &p, err) < 0) {
            trib_pg_params_free(&p);
            trib_error_prefix(err, "postgres");
            return NULL;
        }
        c = PQconnectdbParams((const char *const *)p.keys, (const char *const *)p.vals, 0);
        trib_pg_params_free(&p);
    } else {
        char *ci = trib_pg_url_to_conninfo(url, err);
        if (!ci) return NULL;
        char timeout[16];
        snprintf(timeout, sizeof timeout, "%d", effective_connect_timeout(ci));
        const char *keys[9];
        const char *vals[9];
        int k = 0;
        keys[k] = "dbname", vals[k++] = ci;   /* expanded: URI or conninfo */
        keys[k] = "connect_timeout", vals[k++] = timeout;   /* after dbname: overrides the URL's */
        if (user && *user) keys[k] = "user", vals[k++] = user;
        if (password && *password) keys[k] = "password", vals[k++] = password;
        keys[k] = "client_encoding", vals[k++] = "UTF8";
        if (app_name && *app_name) keys[k] = "fallback_application_name", vals[k++] = app_name;
        keys[k] = NULL, vals[k] = NULL;
        c = PQconnectdbParams(keys, vals, 1);
        free(ci);
    }
    if (!c) {
        trib_error_set(err, TRIB_ERR_RETRIABLE, "postgres: out of memory creating a connection");
        return NULL;
    }
    if (PQstatus(c) != CONNECTION_OK) {
        char *msg = trib_xstrdup(PQerrorMessage(c));
        chomp(msg);
        trib_err_code code = TRIB_ERR_RETRIABLE;
        if (strstr(msg, "authentication failed") || strstr(msg, "no pg_hba.conf entry") ||
            strstr(msg, "password is required") || strstr(msg, "no password supplied"))
            code = TRIB_ERR_UNAUTHORIZED;
        else if (strstr(msg, "does not exist"))
            code = TRIB_ERR_FATAL;   /* database or role missing: waiting will not help */
        trib_error_set(err, code, "postgres: cannot connect: %s", msg);
        free(msg);
        trib_pg_finish(c);
        return NULL;
    }
    PQsetNoticeProcessor(c, notice_to_log, NULL);
    /* from here every round trip has a deadline (deadline.c) */
    if (trib_pg_watch(c, query_timeout_ms, err) < 0) {
        PQfinish(c);
        return NULL;
    }
    if (trib_pg_exec(c,
                     "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'iso_8601';"
                     " SET extra_float_digits = 3",
                     "session setup", err) < 0) {
        trib_pg_finish(c);
        return NULL;
    }
    return c;
}

trib_err_code trib_pg_sqlstate_code(const char *st) {
    if (!st || strlen(st) != 5) return TRIB_ERR_RETRIABLE;
    if (strncmp(st, "08", 2) == 0) return TRIB_ERR_RETRIABLE;   /* connection exception */
    if (strncmp(st, "40", 2) == 0) return TRIB_ERR_RETRIABLE;   /* serialization, deadlock */
    if (strncmp(st, "53", 2) == 0) return TRIB_ERR_RETRIABLE;   /* insufficient resources */
    if (strncmp(st, "57P", 3) == 0) return TRIB_ERR_RETRIABLE;  /* shutdown, crash, cannot connect now */
    if (strcmp(st, "55P03") == 0) return TRIB_ERR_RETRIABLE;    /* lock not available */
    if (strcmp(st, TRIB_PG_LEDGER_CONFLICT) == 0) return TRIB_ERR_CONFLICT;   /* another writer moved the ledger */
    if (strcmp(st, "57014") == 0) return TRIB_ERR_TIMEOUT;      /* statement timeout / cancel */
    if (strncmp(st, "58", 2) == 0) return TRIB_ERR_RETRIABLE;   /* system error (I/O) */
    if (strncmp(st, "22", 2) == 0 || strncmp(st, "23", 2) == 0) return TRIB_ERR_INVALID;
    if (strncmp(st, "28", 2) == 0) return TRIB_ERR_UNAUTHORIZED;
    if (strcmp(st, "42501") == 0) return TRIB_ERR_FORBIDDEN;
    return TRIB_ERR_FATAL;
}

bool trib_pg_sqlstate_is_data(const char *st) {
    return st && (strncmp(st, "22", 2) == 0 || strncmp(st, "23", 2) == 0);
}

int trib_pg_error(PGconn *conn, const PGresult *res, const char *what, trib_error *err) {
    const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
    int64_t deadline_ms = 0;
    if (trib_pg_timed_out(conn, &deadline_ms))
        return trib_error_set(err, TRIB_ERR_TIMEOUT,
                              "postgres: %s: no answer from the server within %lld ms (" TRIB_PG_QUERY_TIMEOUT_KEY
                              "); the connection was closed",
                              what, (long long)deadline_ms);
    bool lost = !conn || PQstatus(conn) != CONNECTION_OK;
    trib_err_code code = lost ? TRIB_ERR_RETRIABLE : trib_pg_sqlstate_code(st);
    if (primary) {
        if (detail)
            return trib_error_set(err, code, "postgres: %s: %s (SQLSTATE %s): %s", what, primary, st ? st : "?",
                                  detail);
        return trib_error_set(err, code, "postgres: %s: %s (SQLSTATE %s)", what, primary, st ? st : "?");
    }
    char *msg = trib_xstrdup(conn ? PQerrorMessage(conn) : "no connection");
    chomp(msg);
    if (!*msg && res) {
        free(msg);
        msg = trib_xstrdup(PQresStatus(PQresultStatus(res)));
    }
    trib_error_set(err, code, "postgres: %s: %s%s", what, msg, lost ? " (connection lost)" : "");
    free(msg);
    return -1;
}

int trib_pg_exec(PGconn *conn, const char *sql, const char *what, trib_error *err) {
    PGresult *r = trib_pgq_exec(conn, sql);
    ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
        trib_pg_error(conn, r, what, err);
        PQclear(r);
        return -1;
    }
    PQclear(r);
    return 0;
}
