/*
 * metrics.h: the worker's metrics in the Prometheus text format, served at
 * GET /metrics on the REST listener (docs/metrics.md).
 *
 * Names and labels are the ones Strimzi's JMX-exporter rules give Kafka
 * Connect's MBeans (kafka_connect_connector_status{connector,status}, ...),
 * so existing dashboards and alerts work unchanged; Tributary's own figures
 * (tenants, process) follow Prometheus' conventions. Everything is read at
 * scrape time: the task loops only bump their per-task counters
 * (worker/task.h), so a worker nobody scrapes pays nothing else.
 */
#ifndef TRIB_METRICS_METRICS_H
#define TRIB_METRICS_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "rest/router.h"
#include "tenants/tenant.h"
#include "worker/herder.h"

typedef enum trib_metrics_format {
    TRIB_METRICS_PROMETHEUS,    /* text/plain; version=0.0.4 */
    TRIB_METRICS_OPENMETRICS,   /* application/openmetrics-text; version=1.0.0 */
} trib_metrics_format;

/* The format an Accept header asks for: OpenMetrics when it names
 * application/openmetrics-text (as Prometheus' scrapes do), else the
 * classic text format. accept may be NULL. */
trib_metrics_format trib_metrics_negotiate(const char *accept);

/* Content-Type for a format (static string). */
const char *trib_metrics_content_type(trib_metrics_format f);

/* Renders a herder snapshot (trib_herder_metrics) plus tenant usage
 * (tenants may be NULL) and process figures. With only_tenant set, only
 * that tenant's connectors (under their local names), Validate counters
 * and usage, and no worker or process figures. now_ms is the wall clock,
 * used for time-since figures. Returns a malloc'd string; *len its length. */
char *trib_metrics_render(const json_t *snapshot, trib_tenants *tenants, const char *only_tenant,
                          trib_metrics_format f, int64_t now_ms, size_t *len);

/* Adds GET /metrics and GET /tenants/{tenant}/metrics (the tenant's own
 * series, for its API key) to r. The handler reads the herder of the request and
 * the tenant registry given here (may be NULL; borrowed, must outlive
 * every server using r). With tributary.metrics.enable=false the caller
 * does not add the route, so /metrics is 404 like any unknown path. */
void trib_metrics_add_routes(trib_rest_router *r, trib_tenants *tenants);

/* Process figures (process/self): resident and virtual memory, CPU
 * seconds, open and maximum file descriptors, start time. Fields are -1
 * when unavailable. */
typedef struct trib_process_stats {
    double cpu_seconds;
    int64_t rss_bytes, vsize_bytes;
    int64_t open_fds, max_fds;
    double start_time_seconds;
    int64_t threads;
} trib_process_stats;
void trib_process_stats_read(trib_process_stats *out);

#endif
