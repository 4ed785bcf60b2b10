/*
 * main.c: the tributary command.
 *
 *   tributary standalone worker.properties [connector.json|connector.properties ...]
 *   tributary distributed worker.properties
 *   tributary version
 *
 * SIGTERM and SIGINT stop the REST server, then every task within
 * task.shutdown.graceful.timeout.ms with offsets flushed, and exit 0.
 * Signals are taken synchronously with sigwait() on the main thread, so no
 * work happens in a signal handler.
 */
#include "common/log.h"
#include "common/util.h"
#include "metrics/metrics.h"
#include "rest/ingest_publisher.h"
#include "rest/routes.h"
#include "rest/server.h"
#include "rest/tenants.h"
#include "ui/ui.h"
#include "worker/config_providers.h"
#include "worker/tenant_log_store.h"
#include "worker/worker.h"
#include "worker/worker_config.h"

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef TRIBUTARY_VERSION
#define TRIBUTARY_VERSION "0.1.0"
#endif

static void usage(FILE *out) {
    fprintf(out,
            "usage: tributary standalone worker.properties [connector.json|connector.properties ...]\n"
            "       tributary distributed worker.properties\n"
            "       tributary version\n");
}

static int run(int mode, const char *props_path, char **connector_files, int nfiles) {
    trib_error err;
    trib_props *props = trib_props_load_file(props_path, &err);
    if (!props) {
        fprintf(stderr, "tributary: %s\n", err.msg);
        return 2;
    }

    /* Config providers come from the worker file and resolve references in
     * it first (KIP-421), as in Connect: the keys below see the values. */
    if (trib_config_providers_configure(props, &err) < 0 || trib_config_resolve(props, &err) < 0) {
        trib_props_destroy(props);
        fprintf(stderr, "tributary: %s\n", err.msg);
        return 2;
    }

    /* Block the stop signals in every thread we start; main waits for them. */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* the format first, so the worker's own start-up lines use it (a bad
     * value is refused with the other keys by trib_worker_config_load) */
    trib_log_format fmt;
    if (trib_log_format_parse(trib_props_get(props, "tributary.log.format"), &fmt) == 0) trib_log_set_format(fmt);

    /* Listeners come from the config alone, so REST is up (GET /health
     * answering "starting") before the worker can reach Kafka. */
    trib_config *early = trib_worker_config_load(props, (trib_worker_mode)mode, &err);
    if (!early) {
        trib_props_destroy(props);
        fprintf(stderr, "tributary: %s\n", err.msg);
        return 2;
    }
    trib_props *props_for_tenants = props;
    char **hosts = NULL;
    int *ports = NULL;
    size_t nlisteners = 0;
    int lrc = trib_worker_listeners(early, &hosts, &ports, &nlisteners, &err);
    trib_config_destroy(early);
    if (lrc < 0 || nlisteners == 0) {
        fprintf(stderr, "tributary: listeners: %s\n", nlisteners == 0 ? "no listener configured" : err.msg);
        trib_props_destroy(props_for_tenants);
        return 2;
    }
    int status = 1;
    trib_worker *w = NULL;
    /* one server per listener, all with the same routes (Connect serves
     * every entry of listeners) */
    trib_rest_server **rest = trib_xcalloc(nlisteners, sizeof *rest);
    trib_rest_tenants *tenants = NULL;
    trib_rest_set_startup_note("connecting to the Kafka cluster");
    for (size_t i = 0; i < nlisteners; i++) {
        trib_rest_config rc = {.host = hosts[i], .port = ports[i]};
        trib_rest_router *router = trib_rest_router_new();
        trib_rest_add_starting_routes(router);
        rest[i] = trib_rest_server_start_router(&rc, router, NULL, &err);
        if (!rest[i]) {
            fprintf(stderr, "tributary: REST server on %s:%d: %s\n", *hosts[i] ? hosts[i] : "*", ports[i], err.msg);
            goto out;
        }
        /* the real server below binds the same port, even when 0 was asked */
        ports[i] = trib_rest_server_port(rest[i]);
    }

    /* A broker that is down, slow or restarting is not a reason to exit:
     * retry the whole assembly (cluster id, internal topics, group join;
     * each step bounded by its own timeout) with backoff until it works or
     * a stop signal arrives. Anything not retriable (bad config, ACLs, a
     * topic with the wrong cleanup.policy) still exits. */
    int backoff_ms = 1000;
    for (int attempt = 1;; attempt++) {
        w = trib_worker_new(props, mode, &err);
        if (w) break;
        if (!trib_error_is_retriable(&err)) {
            fprintf(stderr, "tributary: %s\n", err.msg);
            status = err.code == TRIB_ERR_INVALID ? 2 : 1;
            goto out;
        }
        char *note = trib_xasprintf("waiting for the Kafka cluster (attempt %d: %s); next attempt in %d ms",
                                    attempt, err.msg, backoff_ms);
        TRIB_WARN("worker", "%s", note);
        trib_rest_set_startup_note(note);
        free(note);
        struct timespec ts = {.tv_sec = backoff_ms / 1000, .tv_nsec = (long)(backoff_ms % 1000) * 1000000L};
        int sig = sigtimedwait(&stop_signals, NULL, &ts);
        if (sig == SIGTERM || sig == SIGINT) {
            TRIB_INFO("worker", "received %s while starting, stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
            status = 0;
            goto out;
        }
        if (backoff_ms < 16000) backoff_ms *= 2;
        trib_rest_set_startup_note("connecting to the Kafka cluster");
    }
    if (trib_worker_start(w, &err) < 0) {
        fprintf(stderr, "tributary: %s\n", err.msg);
        goto out;
    }
    /* Tenants: in the config topic in distributed mode, else in
     * tenant.store.file (or memory). They also guard the task loops. */
    trib_herder *herder = trib_worker_herder(w);
    tenants = trib_herder_is_distributed(herder)
                  ? trib_rest_tenants_new_with_store(props_for_tenants, trib_tenant_store_log_new(herder), &err)
                  : trib_rest_tenants_new(props_for_tenants, NULL, &err);
    if (!tenants) {
        fprintf(stderr, "tributary: tenants: %s\n", err.msg);
        goto out;
    }
    /* Swap each starting server for the full one on the same port; a
     * client may see the port closed for the moment in between. */
    for (size_t i = 0; i < nlisteners; i++) {
        trib_rest_server_stop(rest[i]);
        trib_rest_config rc = {.host = hosts[i], .port = ports[i]};
        trib_rest_tenants_configure(tenants, &rc);
        trib_rest_router *router = trib_rest_router_new();
        trib_rest_tenants_add_routes(tenants, router);
        if (trib_config_bool(trib_worker_config(w), "tributary.metrics.enable"))
            trib_metrics_add_routes(router, trib_rest_tenants_registry(tenants));
        trib_ui_add_routes(router);
        rest[i] = trib_rest_server_start_router(&rc, router, herder, &err);
        if (!rest[i]) {
            fprintf(stderr, "tributary: REST server on %s:%d: %s\n", *hosts[i] ? hosts[i] : "*", ports[i], err.msg);
            goto out;
        }
        TRIB_INFO("worker", "REST API listening on %s:%d", *hosts[i] ? hosts[i] : "0.0.0.0",
                  trib_rest_server_port(rest[i]));
    }

    for (int i = 0; i < nfiles; i++) {
        if (trib_herder_create_from_file(trib_worker_herder(w), connector_files[i], &err) < 0) {
            fprintf(stderr, "tributary: connector %s: %s\n", connector_files[i], err.msg);
            goto out;
        }
    }

    int sig = 0;
    sigwait(&stop_signals, &sig);
    TRIB_INFO("worker", "received %s, stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    status = 0;

out:
    /* ingest answers 503 from now on; requests in flight still get their
     * acknowledgements before the servers stop */
    trib_ingest_shutdown();
    trib_ingest_drain(60000);
    for (size_t i = 0; i < nlisteners; i++) trib_rest_server_stop(rest[i]);
    trib_ingest_publishers_destroy();
    free(rest);
    trib_rest_tenants_destroy(tenants);
    trib_worker_destroy(w);
    trib_rest_set_startup_note(NULL);
    trib_props_destroy(props_for_tenants);
    for (size_t i = 0; i < nlisteners; i++) free(hosts[i]);
    free(hosts);
    free(ports);
    if (status == 0) TRIB_INFO("worker", "stopped cleanly");
    return status;
}

int main(int argc, char **argv) {
    if (argc >= 2 && (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0)) {
        printf("tributary %s (librdkafka %s)\n", TRIBUTARY_VERSION, rd_kafka_version_str());
        return 0;
    }
    if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc >= 3 && strcmp(argv[1], "standalone") == 0)
        return run(TRIB_MODE_STANDALONE, argv[2], argv + 3, argc - 3);
    if (argc == 3 && strcmp(argv[1], "distributed") == 0)
        return run(TRIB_MODE_DISTRIBUTED, argv[2], NULL, 0);
    usage(stderr);
    return 2;
}
