/*
 * test_pg_deadline.c: the round-trip deadline of PostgreSQL connections
 * (connectors/postgres/deadline.c, connection.query.timeout.ms) against a
 * real PostgreSQL (scripts/testenv, PG_URL). A server that takes longer
 * than the deadline (pg_sleep, a row lock held by another session) ends
 * the call at the deadline with a TIMEOUT naming the key; a call within
 * the deadline is untouched; a closed connection can be finished and
 * replaced; the config key's bounds are enforced for both connectors.
 * tests/e2e/tenant_attacks_stall.t does the same against a backend frozen
 * by SIGSTOP through a whole worker.
 */
#include "tests/tap.h"

#include <string.h>
#include <unistd.h>

#include "common/props.h"
#include "common/time.h"
#include "config/config.h"
#include "connectors/postgres/pg_internal.h"

extern const trib_connector_plugin trib_postgres_sink_plugin;
extern const trib_connector_plugin trib_postgres_source_plugin;

static const char *pg_url;

static void test_sleep_past_deadline(void) {
    trib_error err;
    PGconn *c = trib_pg_connect(pg_url, NULL, NULL, "deadline-test", NULL, 300, &err);
    ok(c != NULL, "connects with a 300 ms round-trip deadline");
    if (!c) return;
    ok(trib_pg_exec(c, "SELECT pg_sleep(0.05)", "short sleep", &err) == 0, "a 50 ms statement passes");
    ok(!trib_pg_timed_out(c, NULL), "and leaves the connection open");

    int64_t t0 = trib_mono_ms();
    int rc = trib_pg_exec(c, "SELECT pg_sleep(5)", "long sleep", &err);
    int64_t ms = trib_mono_ms() - t0;
    is_int(rc, -1, "a 5 s statement fails");
    ok(ms >= 250 && ms < 2500, "at the deadline (%lld ms), not after 5 s", (long long)ms);
    is_int(err.code, TRIB_ERR_TIMEOUT, "as TIMEOUT (retriable)");
    ok(trib_error_is_retriable(&err), "which callers retry");
    like(err.msg, "postgres: long sleep: no answer from the server within 300 ms (connection.query.timeout.ms)",
         "the message names the statement, the deadline and the key");
    int64_t got = 0;
    ok(trib_pg_timed_out(c, &got) && got == 300, "the connection reports the timeout and its deadline");
    ok(PQstatus(c) != CONNECTION_OK, "and is closed");
    ok(trib_pg_exec(c, "SELECT 1", "after", &err) < 0, "a later call on it fails at once");
    trib_pg_finish(c);

    /* a new connection works normally */
    c = trib_pg_connect(pg_url, NULL, NULL, "deadline-test", NULL, 300, &err);
    ok(c && trib_pg_exec(c, "SELECT 1", "again", &err) == 0, "a new connection to the same server works");
    trib_pg_finish(c);
    trib_pg_finish(NULL);
    ok(1, "trib_pg_finish(NULL) is a no-op");
}

/* A statement waiting on a lock another session holds: the server is
 * healthy but does not answer in time. */
static void test_blocked_on_lock(void) {
    trib_error err;
    PGconn *holder = trib_pg_connect(pg_url, NULL, NULL, "deadline-holder", NULL, 0, &err);
    PGconn *c = trib_pg_connect(pg_url, NULL, NULL, "deadline-blocked", NULL, 400, &err);
    ok(holder && c, "two connections");
    if (!holder || !c) {
        trib_pg_finish(holder);
        trib_pg_finish(c);
        return;
    }
    char t[64];
    snprintf(t, sizeof t, "deadline_lock_%d", (int)getpid());
    char q[256];
    snprintf(q, sizeof q, "DROP TABLE IF EXISTS %s; CREATE TABLE %s (id int)", t, t);
    trib_pg_exec(holder, q, "create", &err);
    snprintf(q, sizeof q, "BEGIN; LOCK TABLE %s IN ACCESS EXCLUSIVE MODE", t);
    ok(trib_pg_exec(holder, q, "lock", &err) == 0, "one session locks the table");
    snprintf(q, sizeof q, "INSERT INTO %s VALUES (1)", t);
    int64_t t0 = trib_mono_ms();
    int rc = trib_pg_exec(c, q, "insert", &err);
    int64_t ms = trib_mono_ms() - t0;
    ok(rc < 0 && err.code == TRIB_ERR_TIMEOUT, "an insert blocked on the lock fails as TIMEOUT");
    ok(ms >= 350 && ms < 3000, "after the 400 ms deadline (%lld ms)", (long long)ms);
    trib_pg_finish(c);
    trib_pg_exec(holder, "ROLLBACK", "rollback", &err);
    snprintf(q, sizeof q, "DROP TABLE %s", t);
    ok(trib_pg_exec(holder, q, "drop", &err) == 0, "the lock holder's connection (default deadline) is unaffected");
    trib_pg_finish(holder);
}

static void test_config_bounds(void) {
    const trib_connector_plugin *plugins[] = {&trib_postgres_sink_plugin, &trib_postgres_source_plugin};
    for (int i = 0; i < 2; i++) {
        const char *kind = i == 0 ? "sink" : "source";
        trib_props *p = trib_props_new();
        trib_props_set(p, "connection.url", "postgresql://u@db.example/x");
        trib_props_set(p, "mode", "bulk");
        trib_props_set(p, "topic.prefix", "t-");
        trib_error err;
        trib_config *cfg = trib_config_bind(plugins[i]->config, p, "", &err);
        ok(cfg && trib_config_long(cfg, TRIB_PG_QUERY_TIMEOUT_KEY) == TRIB_PG_QUERY_TIMEOUT_DEFAULT_MS,
           "%s: connection.query.timeout.ms defaults to 60000", kind);
        trib_config_destroy(cfg);
        static const char *const bad[] = {"0", "99", "-1", "86400001", "9223372036854775807", "soon"};
        for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
            trib_props_set(p, TRIB_PG_QUERY_TIMEOUT_KEY, bad[k]);
            cfg = trib_config_bind(plugins[i]->config, p, "", &err);
            ok(!cfg && strstr(err.msg, TRIB_PG_QUERY_TIMEOUT_KEY), "%s: %s=%s is refused naming the key", kind,
               TRIB_PG_QUERY_TIMEOUT_KEY, bad[k]);
            trib_config_destroy(cfg);
        }
        trib_props_set(p, TRIB_PG_QUERY_TIMEOUT_KEY, "100");
        cfg = trib_config_bind(plugins[i]->config, p, "", &err);
        ok(cfg != NULL, "%s: 100 ms is accepted", kind);
        trib_config_destroy(cfg);
        trib_props_destroy(p);
    }
}

int main(void) {
    (void)plan;   /* done_testing prints the plan */
    pg_url = tap_require_env("PG_URL");
    test_sleep_past_deadline();
    test_blocked_on_lock();
    test_config_bounds();
    done_testing();
    return exit_status();
}
