/*
 * deadline.c: a deadline on every round trip of a PostgreSQL connection
 * (connection.query.timeout.ms), so a server that completed the handshake
 * and then stops answering (frozen, overloaded, or a tenant's server made
 * to hang) cannot hold a task or a source monitor forever.
 *
 * libpq's blocking calls wait in poll() with no end, and a stopped backend
 * still has its kernel acknowledge TCP, so neither keepalives nor
 * tcp_user_timeout notice. Each connection that trib_pg_connect opens gets
 * a watchdog thread instead: the trib_pgq_* wrappers arm it around every
 * call that waits for the server (a statement, a COPY step, a result), and
 * when a deadline passes the watchdog shuts the socket down
 * (shutdown(SHUT_RDWR)), so the blocked libpq call returns at once with a
 * lost connection. trib_pg_error then reports the timeout (TIMEOUT, which
 * is retriable) and the caller reconnects or fails per its error policy.
 * No cancel request is sent: libpq 15's PQcancel has no timeout of its
 * own, and a server that does not answer would hold it too; a live backend
 * notices the closed socket when it next talks to the client.
 *
 * Why shutdown() and not close(): the descriptor stays libpq's until
 * PQfinish, so it can never be reused under libpq. The watchdog touches
 * the socket only while armed, under the watch's mutex, and
 * trib_pg_finish unregisters (joining the watchdog) before PQfinish
 * closes it. Watches are found by connection in a small registry, so the
 * call sites keep passing a PGconn.
 */
#include "connectors/postgres/pg_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "common/log.h"
#include "common/time.h"

#define FAC "connector.postgres"

typedef struct pg_watch {
    PGconn *conn;
    int64_t timeout_ms;
    pthread_mutex_t mu;
    pthread_cond_t cv;          /* CLOCK_MONOTONIC */
    int64_t deadline_ms;        /* trib_mono_ms() deadline while armed, 0 when idle */
    int fd;                     /* the socket while armed */
    bool quit;
    atomic_bool fired;          /* a deadline passed: the connection is closed */
    pthread_t thread;
} pg_watch;

static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static pg_watch **registry;
static size_t registry_n, registry_cap;

static pg_watch *find_locked(const PGconn *conn, size_t *at) {
    for (size_t i = 0; i < registry_n; i++)
        if (registry[i]->conn == conn) {
            if (at) *at = i;
            return registry[i];
        }
    return NULL;
}

static pg_watch *find(const PGconn *conn) {
    if (!conn) return NULL;
    pthread_mutex_lock(&registry_mu);
    pg_watch *w = find_locked(conn, NULL);
    pthread_mutex_unlock(&registry_mu);
    return w;
}

static void *watchdog_main(void *arg) {
    pg_watch *w = arg;
    pthread_mutex_lock(&w->mu);
    while (!w->quit) {
        if (w->deadline_ms == 0) {
            pthread_cond_wait(&w->cv, &w->mu);
            continue;
        }
        int64_t now = trib_mono_ms();
        if (now >= w->deadline_ms) {
            /* the owner is blocked in libpq on this socket: end its wait */
            if (w->fd >= 0) shutdown(w->fd, SHUT_RDWR);
            atomic_store(&w->fired, true);
            w->deadline_ms = 0;
            TRIB_WARN(FAC, "postgres: no answer from the server within %lld ms (connection.query.timeout.ms); "
                      "closing the connection", (long long)w->timeout_ms);
            continue;
        }
        struct timespec until = trib_deadline_in(CLOCK_MONOTONIC, w->deadline_ms - now);
        pthread_cond_timedwait(&w->cv, &w->mu, &until);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

int trib_pg_watch(PGconn *conn, int64_t timeout_ms, trib_error *err) {
    pg_watch *w = trib_xcalloc(1, sizeof *w);
    w->conn = conn;
    w->timeout_ms = timeout_ms > 0 ? timeout_ms : TRIB_PG_QUERY_TIMEOUT_DEFAULT_MS;
    w->fd = -1;
    atomic_init(&w->fired, false);
    pthread_mutex_init(&w->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cv, &ca);
    pthread_condattr_destroy(&ca);
    int rc = pthread_create(&w->thread, NULL, watchdog_main, w);
    if (rc != 0) {
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv);
        free(w);
        return trib_error_set(err, TRIB_ERR_RETRIABLE, "postgres: cannot start a connection watchdog: %s",
                              strerror(rc));
    }
    pthread_mutex_lock(&registry_mu);
    if (registry_n == registry_cap) {
        registry_cap = registry_cap ? registry_cap * 2 : 16;
        registry = trib_xrealloc(registry, registry_cap * sizeof *registry);
    }
    registry[registry_n++] = w;
    pthread_mutex_unlock(&registry_mu);
    return 0;
}

void trib_pg_finish(PGconn *conn) {
    if (!conn) return;
    pthread_mutex_lock(&registry_mu);
    size_t at = 0;
    pg_watch *w = find_locked(conn, &at);
    if (w) registry[at] = registry[--registry_n];
    if (registry_n == 0) {
        free(registry);   /* nothing kept between connections (leak-free at exit) */
        registry = NULL;
        registry_cap = 0;
    }
    pthread_mutex_unlock(&registry_mu);
    if (w) {
        pthread_mutex_lock(&w->mu);
        w->quit = true;
        pthread_cond_signal(&w->cv);
        pthread_mutex_unlock(&w->mu);
        pthread_join(w->thread, NULL);
        pthread_mutex_destroy(&w->mu);
        pthread_cond_destroy(&w->cv);
        free(w);
    }
    PQfinish(conn);
}

bool trib_pg_timed_out(const PGconn *conn, int64_t *timeout_ms) {
    pg_watch *w = find(conn);
    if (!w || !atomic_load(&w->fired)) return false;
    if (timeout_ms) *timeout_ms = w->timeout_ms;
    return true;
}

static pg_watch *arm(PGconn *conn) {
    pg_watch *w = find(conn);
    if (!w) return NULL;
    pthread_mutex_lock(&w->mu);
    w->fd = PQsocket(conn);
    w->deadline_ms = trib_mono_ms() + w->timeout_ms;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    return w;
}

static void disarm(pg_watch *w) {
    if (!w) return;
    pthread_mutex_lock(&w->mu);
    w->deadline_ms = 0;
    w->fd = -1;
    pthread_mutex_unlock(&w->mu);
}

PGresult *trib_pgq_exec(PGconn *conn, const char *sql) {
    pg_watch *w = arm(conn);
    PGresult *r = PQexec(conn, sql);
    disarm(w);
    return r;
}

PGresult *trib_pgq_exec_params(PGconn *conn, const char *sql, int n, const Oid *types, const char *const *values,
                               const int *lengths, const int *formats, int result_format) {
    pg_watch *w = arm(conn);
    PGresult *r = PQexecParams(conn, sql, n, types, values, lengths, formats, result_format);
    disarm(w);
    return r;
}

int trib_pgq_put_copy_data(PGconn *conn, const char *data, int len) {
    pg_watch *w = arm(conn);
    int rc = PQputCopyData(conn, data, len);
    disarm(w);
    return rc;
}

int trib_pgq_put_copy_end(PGconn *conn, const char *errormsg) {
    pg_watch *w = arm(conn);
    int rc = PQputCopyEnd(conn, errormsg);
    disarm(w);
    return rc;
}

PGresult *trib_pgq_get_result(PGconn *conn) {
    pg_watch *w = arm(conn);
    PGresult *r = PQgetResult(conn);
    disarm(w);
    return r;
}
