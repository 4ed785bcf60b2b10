/*
 * smoke_postgres: proves PG_URL is a real PostgreSQL server.
 *
 * Connects with libpq, creates a temp table, loads rows with COPY FROM STDIN
 * (text format, including escapes, NULLs and non-ASCII), selects them back
 * and compares every field.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/tap.h"

struct row {
    int id;
    const char *name;  /* NULL means SQL NULL */
    const char *score; /* as PostgreSQL prints numeric(10,2) */
};

static const struct row ROWS[] = {
    {1, "plain", "1.50"},
    {2, "tab\there", "-2.25"},
    {3, "back\\slash and \"quotes\"", "0.00"},
    {4, "line\nbreak", "12345678.90"},
    {5, NULL, "3.14"},
    {6, "\xc3\xa9t\xc3\xa9 \xe2\x82\xac", "99.99"}, /* "été €" in UTF-8 */
};
#define NROWS (int)(sizeof ROWS / sizeof ROWS[0])

/* COPY text format: escape backslash, tab, newline, CR; NULL is \N. */
static void copy_escape(char *out, size_t sz, const char *s) {
    size_t o = 0;
    if (!s) {
        snprintf(out, sz, "\\N");
        return;
    }
    for (; *s && o + 3 < sz; s++) {
        switch (*s) {
            case '\\': out[o++] = '\\'; out[o++] = '\\'; break;
            case '\t': out[o++] = '\\'; out[o++] = 't'; break;
            case '\n': out[o++] = '\\'; out[o++] = 'n'; break;
            case '\r': out[o++] = '\\'; out[o++] = 'r'; break;
            default: out[o++] = *s;
        }
    }
    out[o] = '\0';
}

static int exec_ok(PGconn *c, const char *sql) {
    PGresult *r = PQexec(c, sql);
    int good = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!good) diag("%s: %s", sql, PQresultErrorMessage(r));
    PQclear(r);
    return good;
}

int main(void) {
    const char *url = tap_require_env("PG_URL");
    plan(13);
    diag("connecting to %s", url);
    PGconn *c = PQconnectdb(url);
    if (PQstatus(c) != CONNECTION_OK) {
        diag("connect: %s", PQerrorMessage(c));
        ok(0, "connected to PostgreSQL");
        skip(12, "no connection");
        PQfinish(c);
        return exit_status();
    }
    ok(1, "connected to PostgreSQL");
    ok(PQserverVersion(c) >= 100000, "server version %d is >= 10", PQserverVersion(c));
    is_str(PQdb(c), "tributary", "connected to database 'tributary'");
    PQsetClientEncoding(c, "UTF8");

    ok(exec_ok(c, "CREATE TEMP TABLE smoke (id int PRIMARY KEY, name text, score numeric(10,2))"),
       "CREATE TEMP TABLE");

    /* COPY FROM STDIN */
    PGresult *r = PQexec(c, "COPY smoke (id, name, score) FROM STDIN");
    int copy_in = PQresultStatus(r) == PGRES_COPY_IN;
    if (!copy_in) diag("COPY: %s", PQresultErrorMessage(r));
    PQclear(r);
    ok(copy_in, "COPY ... FROM STDIN entered copy-in mode");
    int sent = 0;
    for (int i = 0; copy_in && i < NROWS; i++) {
        char name[256], line[512];
        copy_escape(name, sizeof name, ROWS[i].name);
        int n = snprintf(line, sizeof line, "%d\t%s\t%s\n", ROWS[i].id, name, ROWS[i].score);
        if (PQputCopyData(c, line, n) != 1) {
            diag("PQputCopyData: %s", PQerrorMessage(c));
            break;
        }
        sent++;
    }
    if (copy_in) {
        ok(PQputCopyEnd(c, NULL) == 1, "PQputCopyEnd");
        r = PQgetResult(c);
        int done = PQresultStatus(r) == PGRES_COMMAND_OK;
        if (!done) diag("COPY end: %s", PQresultErrorMessage(r));
        ok(done, "COPY finished");
        is_str(PQcmdTuples(r), "6", "COPY reports %d rows", NROWS);
        PQclear(r);
        while ((r = PQgetResult(c)) != NULL) PQclear(r);
    } else {
        skip(3, "not in copy-in mode");
    }
    is_int(sent, NROWS, "sent %d COPY rows", NROWS);

    /* SELECT back */
    r = PQexec(c, "SELECT id, name, score::text FROM smoke ORDER BY id");
    int sel = PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!sel) diag("SELECT: %s", PQresultErrorMessage(r));
    ok(sel, "SELECT succeeded");
    is_int(sel ? PQntuples(r) : -1, NROWS, "SELECT returned %d rows", NROWS);
    int bad = 0;
    for (int i = 0; sel && i < PQntuples(r) && i < NROWS; i++) {
        int id = atoi(PQgetvalue(r, i, 0));
        int null_name = PQgetisnull(r, i, 1);
        const char *name = null_name ? NULL : PQgetvalue(r, i, 1);
        const char *score = PQgetvalue(r, i, 2);
        int same = id == ROWS[i].id && strcmp(score, ROWS[i].score) == 0 &&
                   (ROWS[i].name ? (name && strcmp(name, ROWS[i].name) == 0) : null_name);
        if (!same) {
            diag("row %d: got id=%d name=%s score=%s", i, id, name ? name : "NULL", score);
            bad++;
        }
    }
    is_int(bad, 0, "every row reads back exactly as written (escapes, NULL, UTF-8)");
    PQclear(r);

    /* A parameterised round trip through the server's parser too. */
    const char *params[1] = {"\xc3\xa9t\xc3\xa9 \xe2\x82\xac"};
    r = PQexecParams(c, "SELECT id FROM smoke WHERE name = $1", 1, NULL, params, NULL, NULL, 0);
    ok(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
           strcmp(PQgetvalue(r, 0, 0), "6") == 0,
       "parameterised lookup by UTF-8 name finds row 6");
    PQclear(r);

    PQfinish(c);
    return exit_status();
}
