/*
 * herder.h: the herder manages connectors and their tasks for the REST API
 * (Kafka Connect's Herder). The same interface serves standalone mode
 * (state in memory plus an offsets file) and distributed mode (state in the
 * Kafka config/offset/status topics); the REST layer does not know which.
 *
 * Results are returned as JSON in Kafka Connect's REST shapes, so the REST
 * layer only serializes them. Every function is thread-safe (REST requests
 * run on libmicrohttpd's threads) and returns within a bounded time.
 * Functions returning json_t* give the caller a new reference, or NULL with
 * err set; err->code maps to the HTTP status (trib_err_http_status).
 *
 * Connector names are full names. Multi-tenant names are built by the
 * tenant layer before they reach the herder.
 */
#ifndef TRIB_WORKER_HERDER_H
#define TRIB_WORKER_HERDER_H

#include <stdbool.h>
#include <jansson.h>

#include "common/error.h"
#include "common/props.h"

typedef struct trib_herder trib_herder;

typedef enum trib_target_state {
    TRIB_TARGET_RUNNING,
    TRIB_TARGET_PAUSED,
    TRIB_TARGET_STOPPED,
} trib_target_state;

const char *trib_target_state_name(trib_target_state s);          /* "RUNNING" ... */
int trib_target_state_parse(const char *s, trib_target_state *out); /* -1 if unknown */

/* GET /: {"version","commit","kafka_cluster_id"} */
json_t *trib_herder_server_info(trib_herder *h);

/* GET /connectors: JSON array of names, sorted. */
json_t *trib_herder_list(trib_herder *h, trib_error *err);

/* POST /connectors. config is the raw config (it may hold "name"; a
 * mismatch with name is INVALID). Validates fully: INVALID with Connect's
 * multi-error summary if the config is bad; CONFLICT if the name exists.
 * Returns ConnectorInfo {name, config, tasks, type}. */
json_t *trib_herder_create(trib_herder *h, const char *name, const trib_props *config,
                           trib_target_state initial, trib_error *err);

/* PUT /connectors/{n}/config: create or replace. *created tells 201 from 200. */
json_t *trib_herder_put_config(trib_herder *h, const char *name, const trib_props *config,
                               bool *created, trib_error *err);

/* PATCH /connectors/{n}/config: merges patch (a JSON object; null values
 * remove keys) into the current config and applies it like PUT. */
json_t *trib_herder_patch_config(trib_herder *h, const char *name, const json_t *patch,
                                 trib_error *err);

json_t *trib_herder_info(trib_herder *h, const char *name, trib_error *err);      /* ConnectorInfo */
json_t *trib_herder_config(trib_herder *h, const char *name, trib_error *err);    /* config map */
json_t *trib_herder_status(trib_herder *h, const char *name, trib_error *err);    /* ConnectorStateInfo */
json_t *trib_herder_tasks(trib_herder *h, const char *name, trib_error *err);     /* [{id:{connector,task},config}] */
json_t *trib_herder_task_status(trib_herder *h, const char *name, int task, trib_error *err);

int trib_herder_delete(trib_herder *h, const char *name, trib_error *err);

/* POST /connectors/{n}/restart. With both flags false restarts only the
 * connector and *status_out stays NULL (HTTP 204); otherwise *status_out is
 * the ConnectorStateInfo with the states to be restarted marked RESTARTING
 * (HTTP 202). */
int trib_herder_restart(trib_herder *h, const char *name, bool include_tasks, bool only_failed,
                        json_t **status_out, trib_error *err);
int trib_herder_restart_task(trib_herder *h, const char *name, int task, trib_error *err);

/* PUT pause / resume / stop. */
int trib_herder_set_target_state(trib_herder *h, const char *name, trib_target_state s,
                                 trib_error *err);

/* GET /connectors/{n}/topics: {"<n>":{"topics":[...]}}; PUT .../topics/reset. */
json_t *trib_herder_topics(trib_herder *h, const char *name, trib_error *err);
int trib_herder_reset_topics(trib_herder *h, const char *name, trib_error *err);

/* GET/PATCH/DELETE /connectors/{n}/offsets (KIP-875). PATCH and DELETE need
 * the connector STOPPED (else CONFLICT). They return {"message": ...}. */
json_t *trib_herder_offsets(trib_herder *h, const char *name, trib_error *err);
json_t *trib_herder_alter_offsets(trib_herder *h, const char *name, const json_t *body,
                                  trib_error *err);
json_t *trib_herder_reset_offsets(trib_herder *h, const char *name, trib_error *err);

/* GET /connector-plugins[?connectorsOnly=false]:
 * [{"class","type","version"}], types source/sink (and converter,
 * transformation, predicate when connectors_only is false). */
json_t *trib_herder_plugins(trib_herder *h, bool connectors_only);
/* GET /connector-plugins/{p}/config: ConfigKeyInfo array; NOT_FOUND if unknown. */
json_t *trib_herder_plugin_config(trib_herder *h, const char *plugin, trib_error *err);
/* PUT /connector-plugins/{p}/config/validate: ConfigInfos. INVALID if the
 * body's connector.class names another plugin. */
json_t *trib_herder_validate(trib_herder *h, const char *plugin, const trib_props *config,
                             trib_error *err);

/* GET /connectors?expand=status|info: {name: {"status":..., "info":...}} */
json_t *trib_herder_list_expanded(trib_herder *h, bool status, bool info, trib_error *err);

/* ---- lifecycle (used by worker.c) ------------------------------------- */

#include "config/config.h"
#include "worker/offset_store.h"

/* A herder for this worker. Borrows offsets (must outlive it) and copies
 * worker_props; worker_id is the advertised host:port shown in status. */
trib_herder *trib_herder_new(const trib_props *worker_props, trib_offset_store *offsets,
                             const char *worker_id, const char *cluster_id, trib_error *err);
/* Starts the background thread (reconfiguration requests, status upkeep). */
int trib_herder_start(trib_herder *h, trib_error *err);
/* Stops every connector and task gracefully (task.shutdown.graceful.timeout.ms). */
void trib_herder_stop(trib_herder *h);
void trib_herder_destroy(trib_herder *h);   /* NULL-safe; stops first */

/* The spool-directory files' status store (worker/file_status.h), handed
 * to source tasks and read by GET .../files. Borrowed: it must outlive h.
 * Set before trib_herder_start; NULL (tests) means no file status. */
struct trib_file_status;
void trib_herder_set_file_status(trib_herder *h, struct trib_file_status *files);
struct trib_file_status *trib_herder_file_status(trib_herder *h);

/* Distributed mode: joins the cluster described by the worker config
 * (group.id, the three storage topics, exactly.once.source.support).
 * Call before trib_herder_start. */
int trib_herder_join_cluster(trib_herder *h, const trib_config *worker_config, trib_error *err);

/* Distributed mode: the config topic also carries other layers' records
 * ("tenant-<name>"). append writes one (value NULL = tombstone) and returns
 * once this worker has applied it; subscribe delivers every such record
 * already read and then each new one, on the log's thread, in log order. */
typedef void (*trib_herder_log_fn)(void *opaque, const char *key, const json_t *value);
bool trib_herder_is_distributed(trib_herder *h);
int trib_herder_log_append(trib_herder *h, const char *key, const json_t *value, trib_error *err);
void trib_herder_log_subscribe(trib_herder *h, trib_herder_log_fn fn, void *opaque);

/* Creates a connector from a file given on the command line (JSON as
 * POST /connectors, or a flat JSON or .properties config). */
int trib_herder_create_from_file(trib_herder *h, const char *path, trib_error *err);

/* This worker's view for metrics (metrics/): a new JSON object
 *   {"worker_id", "distributed": bool,
 *    "rebalance": {"rebalancing","completed","timed","time_ms_sum",
 *                  "time_ms_max","last_completed_ms","owned","leader"}
 *                 (distributed mode only),
 *    "connectors": [{"name","class","type","version","state","trace"?,
 *                    "local": bool (the connector instance runs here),
 *                    "tasks": [{"id","state","trace"?,"local": bool,
 *                               "counters": {...} (local tasks only:
 *                               trib_task_counters' fields by name)}]}]}
 * States are Connect's (RUNNING ...). Holds the herder lock only while
 * copying. */
json_t *trib_herder_metrics(trib_herder *h);
/* The worker's config (borrowed, valid for the herder's life): for
 * clients the REST layer creates itself, such as HTTP ingest's producers. */
const trib_props *trib_herder_worker_props(const trib_herder *h);

/* Records handled by a task (tests and metrics); -1 if it is not running. */
int64_t trib_herder_task_records(trib_herder *h, const char *name, int task);

#endif
