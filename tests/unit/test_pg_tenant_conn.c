/*
 * test_pg_tenant_conn.c: a tenant's connection.url is parsed with libpq's
 * own parser and only the documented parameters pass (docs/tenants.md):
 * percent-encoded keys, whitespace before a key, JDBC parameters, Unix
 * sockets and several servers are refused naming the parameter, and the
 * parameters handed to libpq neutralise every client file and environment
 * variable libpq would read (~/.pgpass, ~/.postgresql files, PGPASSWORD...).
 */
#include "tests/tap.h"

#include <stdlib.h>

#include "common/util.h"
#include "connectors/postgres/pg_internal.h"
#include "tenants/outbound.h"

#define NO_FILE "/dev/null/tributary-tenant-no-file"

static void refused(const char *url, const char *needle, const char *why) {
    trib_pg_params p;
    trib_error e;
    int rc = trib_pg_tenant_params(url, NULL, NULL, NULL, &p, &e);
    ok(rc < 0 && e.code == TRIB_ERR_FORBIDDEN, "refused: %s", why);
    like(e.msg, needle, "  and the refusal names %s", needle);
    if (rc == 0) trib_pg_params_free(&p);
}

static void test_refusals(void) {
    refused("postgresql://u:p@db.example/x?pass%66ile=/home/op/.pgpass", "'passfile'",
            "a percent-encoded passfile key in a URI");
    refused("host=db.example user=u \tpassfile=/home/op/.pgpass", "'passfile'", "a tab before passfile= in key=value");
    refused("host=db.example user=u\npassfile=/home/op/.pgpass", "'passfile'", "a newline before passfile=");
    refused("host=db.example user=u passfile = /home/op/.pgpass", "'passfile'", "spaces around the '='");
    refused("postgresql://u@db.example/x?ssl%6Bey=/etc/ssl/private/k.pem", "'sslkey'", "a percent-encoded sslkey key");
    refused("postgresql://u@db.example/x?sslcert=/c", "'sslcert'", "sslcert");
    refused("postgresql://u@db.example/x?sslrootcert=/c", "'sslrootcert'", "sslrootcert");
    refused("postgresql://u@db.example/x?sslcrl=/c", "'sslcrl'", "sslcrl");
    refused("postgresql://u@db.example/x?sslpassword=x", "'sslpassword'", "sslpassword");
    refused("service=operator user=u host=db.example", "'service'", "a service name");
    refused("host=db.example user=u requirepeer=postgres", "'requirepeer'", "requirepeer");
    refused("host=db.example user=u krbsrvname=x", "'krbsrvname'", "krbsrvname");
    refused("host=db.example user=u gssencmode=require", "'gssencmode'", "gssencmode");
    refused("host=db.example user=u replication=database", "'replication'", "replication");
    refused("host=db.example user=u client_encoding=SQL_ASCII", "'client_encoding'", "client_encoding");
    refused("jdbc:postgresql://db.example/x?user=u&sslkey=/k", "'sslkey'", "a JDBC sslkey parameter (mapped to libpq's)");
    refused("host=/var/run/postgresql user=u", "Unix socket", "a Unix socket directory as host");
    refused("postgresql://%2Fvar%2Frun%2Fpostgresql/db?user=u", "Unix socket", "a percent-encoded socket directory");
    refused("host=@abstract user=u", "Unix socket", "an abstract socket");
    refused("dbname=x user=u", "host or hostaddr", "no host at all (libpq would use the worker's socket)");
    refused("postgresql:///x?user=u", "host or hostaddr", "a URI without a host");
    refused("postgresql://db.example/x", "user", "no user (libpq would use the worker's user name)");
    refused("postgresql://u@a.example,b.example/x", "several servers", "several hosts");
    refused("host=db.example port=5432,5433 user=u", "several servers", "several ports");
    refused("postgresql://u@db.example/x?sslmode=verify-full", "verify-full", "sslmode=verify-full (needs a worker file)");
    refused("host=db.example user=u options='-c log_min_messages=debug5'", "log_min_messages",
            "options setting a server parameter outside the allowed ones");
    refused("postgresql://u@db.example/x?options=-c%20search_path%3Da%5C%20-c%5C%20x%3Dy", "backslash",
            "options with backslash escapes (the server would split them differently)");
    refused("host=db.example user=u options=-v", "-c name=value", "options with a non -c switch");

    trib_pg_params p;
    trib_error e;
    ok(trib_pg_tenant_params("host='unterminated user=u", NULL, NULL, NULL, &p, &e) < 0 && e.code == TRIB_ERR_INVALID,
       "a string libpq cannot parse is INVALID");
}

static void test_built(void) {
    /* The environment of an operator whose own connectors use it. */
    setenv("PGPASSWORD", "operator-secret", 1);
    setenv("PGSSLKEY", "/home/op/.postgresql/op.key", 1);
    setenv("PGHOST", "operator-db.internal", 1);
    setenv("PGPASSFILE", "/home/op/.pgpass", 1);
    setenv("PGOPTIONS", "-c role=admin", 1);

    trib_pg_params p;
    trib_error e;
    int rc = trib_pg_tenant_params("postgresql://alice@db.example:5433/shop?sslmode=require&application_name=a&"
                                   "options=-c%20search_path%3Dsales",
                                   NULL, NULL, "tributary sink x", &p, &e);
    ok(rc == 0, "an allowed URI passes (%s)", rc ? e.msg : "");
    if (rc == 0) {
        is_str(trib_pg_params_get(&p, "host"), "db.example", "host is the tenant's");
        is_str(trib_pg_params_get(&p, "port"), "5433", "port is the tenant's");
        is_str(trib_pg_params_get(&p, "dbname"), "shop", "dbname is the tenant's");
        is_str(trib_pg_params_get(&p, "user"), "alice", "user is the tenant's");
        is_str(trib_pg_params_get(&p, "options"), "-c search_path=sales", "allowed options pass");
        is_str(trib_pg_params_get(&p, "password"), "", "no password: empty, so PGPASSWORD is never used");
        is_str(trib_pg_params_get(&p, "passfile"), NO_FILE, "passfile can never be read");
        is_str(trib_pg_params_get(&p, "sslkey"), NO_FILE, "no client key is read (PGSSLKEY and ~/.postgresql)");
        is_str(trib_pg_params_get(&p, "sslcert"), NO_FILE, "no client certificate is read");
        is_str(trib_pg_params_get(&p, "sslrootcert"), NO_FILE, "no root certificate file is read");
        is_str(trib_pg_params_get(&p, "sslcrl"), NO_FILE, "no CRL file is read");
        is_str(trib_pg_params_get(&p, "client_encoding"), "UTF8", "client_encoding is forced");
        is_str(trib_pg_params_get(&p, "connect_timeout"), "10", "a connect timeout is set by default");
        is_str(trib_pg_params_get(&p, "fallback_application_name"), "tributary sink x", "the runtime's app name");
        ok(trib_pg_params_get(&p, "service") == NULL, "no service is named");
        ok(p.keys[p.n] == NULL && p.vals[p.n] == NULL, "the arrays are NULL-terminated for PQconnectdbParams");
        trib_pg_params_free(&p);
    }

    rc = trib_pg_tenant_params("host=db.example user=u dbname='host=evil passfile=/home/op/.pgpass'", "bob", "pw",
                               NULL, &p, &e);
    ok(rc == 0, "a dbname that looks like a connection string is only a name");
    if (rc == 0) {
        is_str(trib_pg_params_get(&p, "dbname"), "host=evil passfile=/home/op/.pgpass", "it is passed as the name");
        is_str(trib_pg_params_get(&p, "passfile"), NO_FILE, "and passfile stays neutralised");
        is_str(trib_pg_params_get(&p, "user"), "bob", "connection.user overrides the URL's user");
        is_str(trib_pg_params_get(&p, "password"), "pw", "connection.password is used");
        is_str(trib_pg_params_get(&p, "connect_timeout"), "10", "connect_timeout defaults to 10 s");
        trib_pg_params_free(&p);
    }
    rc = trib_pg_tenant_params("jdbc:postgresql://db.example:5432/shop?user=u&ssl=true&connectTimeout=3", NULL, NULL,
                               NULL, &p, &e);
    ok(rc == 0, "a JDBC URL with allowed parameters passes (%s)", rc ? e.msg : "");
    if (rc == 0) {
        is_str(trib_pg_params_get(&p, "sslmode"), "require", "ssl=true maps to sslmode=require");
        is_str(trib_pg_params_get(&p, "connect_timeout"), "3", "the tenant's own timeout is kept");
        trib_pg_params_free(&p);
    }
    rc = trib_pg_tenant_params("postgresql://u@db.example/shop", NULL, NULL, NULL, &p, &e);
    if (rc == 0) {
        is_str(trib_pg_params_get(&p, "host"), "db.example", "PGHOST never replaces the tenant's host");
        is_str(trib_pg_params_get(&p, "options"), "", "PGOPTIONS is not applied");
        trib_pg_params_free(&p);
    } else {
        ok(0, "a plain URI passes (%s)", e.msg);
    }

    trib_config_report *r = trib_config_report_new();
    trib_props *cfg = trib_props_new();
    trib_props_set(cfg, "name", "acme/pg");
    trib_props_set(cfg, "connection.url", "postgresql://u@db.example/x?pass%66ile=/p");
    trib_pg_tenant_validate(cfg, r);
    is_int(trib_config_report_error_count(r), 1, "a tenant connector's validate reports the refused parameter");
    trib_config_report_destroy(r);
    r = trib_config_report_new();
    trib_props_set(cfg, "name", "admin-pg");
    trib_pg_tenant_validate(cfg, r);
    is_int(trib_config_report_error_count(r), 0, "an operator's connector keeps libpq's full syntax");
    trib_config_report_destroy(r);
    trib_props_destroy(cfg);

    PGconn *c = trib_pg_connect("postgresql://u@db.example/x?sslkey=/k", NULL, NULL, NULL, "acme/pg", 0, &e);
    ok(c == NULL && e.code == TRIB_ERR_FORBIDDEN, "connect refuses a tenant's forbidden parameter before libpq runs");
    like(e.msg, "postgres", "naming the source");
}

/* The server is resolved and checked against the outbound policy before
 * libpq runs, and libpq gets the checked address. */
static void test_outbound(void) {
    trib_error e;
    trib_outbound_uninstall();
    PGconn *c = trib_pg_connect("postgresql://u@127.0.0.1:1/x", NULL, NULL, NULL, "acme/pg", 0, &e);
    ok(c == NULL && e.code == TRIB_ERR_FORBIDDEN, "a tenant's server on loopback is refused by default");
    like(e.msg, "loopback", "naming the reason");
    c = trib_pg_connect("host=db.example hostaddr=169.254.169.254 user=u", NULL, NULL, NULL, "acme/pg", 0, &e);
    ok(c == NULL && e.code == TRIB_ERR_FORBIDDEN, "a hostaddr is checked, whatever the host name says");
    c = trib_pg_connect("postgresql://u@localhost:1/x", NULL, NULL, NULL, "acme/pg", 0, &e);
    ok(c == NULL && e.code == TRIB_ERR_FORBIDDEN, "a name resolving to loopback is refused after resolution");

    trib_props *wp = trib_props_new();
    trib_props_set(wp, "tenant.outbound.allow", "127.0.0.1");
    ok(trib_outbound_install(wp, &e) == 0, "allow 127.0.0.1");
    trib_props_destroy(wp);
    trib_pg_params p;
    ok(trib_pg_tenant_params("postgresql://u@localhost:1/x", NULL, NULL, NULL, &p, &e) == 0 &&
           trib_pg_tenant_pin("acme/pg", &p, &e) == 0,
       "with the address allowed, the server is pinned");
    is_str(trib_pg_params_get(&p, "hostaddr"), "127.0.0.1", "libpq connects to the checked address");
    is_str(trib_pg_params_get(&p, "host"), "localhost", "and keeps the name for TLS and messages");
    trib_pg_params_free(&p);
    c = trib_pg_connect("postgresql://u@127.0.0.1:1/x", NULL, NULL, NULL, "acme/pg", 0, &e);
    ok(c == NULL && e.code == TRIB_ERR_RETRIABLE, "then a connection is attempted (nothing listens on port 1)");
    trib_outbound_uninstall();
}

int main(void) {
    test_refusals();
    test_built();
    test_outbound();
    (void)plan;   /* the plan is printed at the end */
    done_testing();
    return exit_status();
}
