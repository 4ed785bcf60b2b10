/*
 * ingest_publisher.h: the producing side of HTTP ingest
 * (docs/connectors/http-ingest.md): one idempotent acks=all producer per
 * HttpIngest connector on this worker, its converters and DLQ, and the
 * per-connector counters.
 *
 * rest/routes_ingest.c parses request bodies into JSON records and hands
 * them here as one batch; trib_ingest_publish types, converts and produces
 * them and returns only once Kafka acknowledged (or failed) every record it
 * produced, so a 200 never covers a record that is not in Kafka, and a
 * client that goes away meanwhile loses nothing that was acknowledged.
 *
 * Threads: every function is thread-safe (REST handler threads call them
 * concurrently); a publisher's converters are used under its lock, as they
 * are single-threaded objects (proto/converter.h).
 */
#ifndef TRIB_REST_INGEST_PUBLISHER_H
#define TRIB_REST_INGEST_PUBLISHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "common/error.h"
#include "connectors/http/ingest.h"
#include "worker/herder.h"

typedef struct trib_ingest_publisher trib_ingest_publisher;

/* The publisher of connector (full name) whose config is cfg (borrowed):
 * the cached one while the config is unchanged, else a new one (the old
 * one lives on until its last user releases it). A reference the caller
 * releases. NULL with err: INVALID for a bad config, RETRIABLE when
 * shutting down, or the Kafka client's error. */
trib_ingest_publisher *trib_ingest_publisher_acquire(trib_herder *h, const char *connector, const json_t *cfg,
                                                     trib_error *err);
void trib_ingest_publisher_release(trib_ingest_publisher *p);   /* NULL-safe */
/* Borrowed settings of the connector. */
const trib_http_ingest_settings *trib_ingest_publisher_settings(const trib_ingest_publisher *p);

/* One request's records: JSON values (each borrowed; NULL for an NDJSON
 * line that did not parse, whose parse_errors entry says why), and the
 * request headers to copy (names/values borrowed, n of them). single: the
 * body was one record (an invalid one is a 400, not a per-record error).
 * Returns the HTTP status and sets *body (caller owns): 200 with per-record
 * results; 400 for a refused single record or all-or-nothing batch (nothing
 * produced); 429 when the in-flight bound is reached (nothing produced,
 * *retry_after seconds); 503/504 when Kafka failed or did not acknowledge
 * some record in time (the body still lists every record's result). */
int trib_ingest_publish(trib_ingest_publisher *p, json_t *const *records, const char *const *parse_errors,
                        size_t n, bool single, const char *const *hnames, const char *const *hvalues, size_t nh,
                        int64_t t0_us, json_t **body, int *retry_after);

/* ---- counters (per connector, on this worker, since it started) ------ */

#define TRIB_INGEST_LATENCY_BUCKETS 12
/* Upper bounds (ms) of the latency histogram's buckets; the last bucket
 * (index TRIB_INGEST_LATENCY_BUCKETS) counts everything slower. */
extern const double trib_ingest_latency_bounds_ms[TRIB_INGEST_LATENCY_BUCKETS];

typedef struct trib_ingest_metrics {
    uint64_t requests;            /* requests that reached the publisher */
    uint64_t records_accepted;    /* acknowledged by Kafka */
    uint64_t records_rejected;    /* refused by validation (incl. DLQ'd) */
    uint64_t records_dead_lettered;
    uint64_t records_failed;      /* produced but not acknowledged (Kafka error or timeout) */
    uint64_t requests_throttled;  /* 429 answers */
    /* latency from the complete request body to Kafka's acknowledgement,
     * per acknowledged record; bucket i counts latencies <= bounds[i]
     * and above bounds[i-1] */
    uint64_t latency_buckets[TRIB_INGEST_LATENCY_BUCKETS + 1];
    uint64_t latency_count;
    double latency_sum_ms;
} trib_ingest_metrics;

/* The counters of connector (full name); -1 when this worker has served no
 * ingest request for it. */
int trib_ingest_metrics_read(const char *connector, trib_ingest_metrics *out);
/* The same as JSON ({"requests":..., "latency_ms":{"buckets":[{"le":..,"count":..}],...}}). */
json_t *trib_ingest_metrics_json(const trib_ingest_metrics *m);
/* Counts a request refused before it reached a publisher (429). */
void trib_ingest_metrics_count_throttled(const char *connector);

/* Shutdown: from now on acquire fails (the routes answer 503); returns at
 * once. trib_ingest_publishers_destroy (after the REST servers stopped)
 * flushes and frees every publisher and counter. */
void trib_ingest_shutdown(void);
bool trib_ingest_shutting_down(void);
/* Requests being served: a route calls begin when it takes a request (a
 * false return means shutting down: answer 503) and end when it is done.
 * trib_ingest_drain waits (at most max_ms) until none is left, so the
 * servers stop only after every acknowledged record was reported. */
bool trib_ingest_request_begin(void);
void trib_ingest_request_end(void);
void trib_ingest_drain(int max_ms);
void trib_ingest_publishers_destroy(void);

#endif
