/*
 * routes.h: Tributary's REST endpoints (Kafka Connect 3.9's
 * ConnectorsResource, ConnectorPluginsResource, LoggingResource and
 * RootResource) as route tables and exported handlers.
 *
 * The handlers are exported so another layer (multi-tenancy) can mount them
 * under other patterns, e.g. a wrapper for
 * "/tenants/{tenant}/connectors/{connector}/status" that rewrites the
 * "connector" param to the tenant's full name and calls
 * trib_rest_h_connector_status. Handlers read only req->params (by the names
 * used below: "connector", "task", "plugin", "logger"), req->query,
 * req->body and req->herder.
 */
#ifndef TRIB_REST_ROUTES_H
#define TRIB_REST_ROUTES_H

#include "rest/router.h"

/* Adds every default route (the full Connect surface, and file uploads). */
void trib_rest_add_default_routes(trib_rest_router *r);
/* Uploads and file status of SpoolDir connectors (rest/routes_files.c),
 * with their /tenants/{tenant}/... twins. */
void trib_rest_add_file_routes(trib_rest_router *r);
/* HTTP ingest into HttpIngest connectors and its counters
 * (rest/routes_ingest.c), with their /tenants/{tenant}/... twins. */
void trib_rest_add_ingest_routes(trib_rest_router *r);

/* ConnectorsResource */
void trib_rest_h_list_connectors(trib_rest_request *req, trib_rest_response *resp);
void trib_rest_h_create_connector(trib_rest_request *req, trib_rest_response *resp);
void trib_rest_h_connector_info(trib_rest_request *req, trib_rest_response *resp);
void trib_rest_h_connector_config(trib_rest_request *req, trib_rest_response *resp);
void trib_rest_h_put_connector_config(trib_rest_request *req, trib_rest_response *resp);
void trib_rest_h_patch_connector_config(trib_rest_request *req, trib_rest_response *resp);
void trib_rest_h_connector_status(trib_rest_request *req, trib_rest_response *resp);
void trib_rest_h_connector_tasks(trib_rest_request *req, trib_rest_response *resp);
void trib_rest_h_connector_tasks_config(trib_rest_request *req, trib_rest_response *resp);
void trib_rest_h_task_status(trib_rest_request *req, trib_rest_response *resp);
void trib_rest_h_restart_connector(trib_rest_request *req, trib_rest_response *resp);
void trib_rest_h_restart_task(trib_rest_request *req, trib_rest_response *resp);
void trib_rest_h_pause_connector(trib_rest_request *req, trib_rest_response *resp);
void trib_rest_h_resume_connector(trib_rest_request *req, trib_rest_response *resp);
void trib_rest_h_stop_connector(trib_rest_request *req, trib_rest_response *resp);
void trib_rest_h_delete_connector(trib_rest_request *req, trib_rest_response *resp);
void trib_rest_h_connector_topics(trib_rest_request *req, trib_rest_response *resp);
void trib_rest_h_reset_connector_topics(trib_rest_request *req, trib_rest_response *resp);
void trib_rest_h_connector_offsets(trib_rest_request *req, trib_rest_response *resp);
void trib_rest_h_alter_connector_offsets(trib_rest_request *req, trib_rest_response *resp);
void trib_rest_h_reset_connector_offsets(trib_rest_request *req, trib_rest_response *resp);
void trib_rest_h_connector_quality(trib_rest_request *req, trib_rest_response *resp);  /* Tributary's own */
/* Tributary's own: the newest records of the connector's dead letter queue (rest/routes_dlq.c). */
void trib_rest_h_connector_dlq(trib_rest_request *req, trib_rest_response *resp);

/* ConnectorPluginsResource */
void trib_rest_h_list_plugins(trib_rest_request *req, trib_rest_response *resp);
void trib_rest_h_plugin_config(trib_rest_request *req, trib_rest_response *resp);
void trib_rest_h_validate_config(trib_rest_request *req, trib_rest_response *resp);

/* RootResource and LoggingResource */
void trib_rest_h_server_info(trib_rest_request *req, trib_rest_response *resp);
void trib_rest_h_health(trib_rest_request *req, trib_rest_response *resp);
void trib_rest_h_list_loggers(trib_rest_request *req, trib_rest_response *resp);
void trib_rest_h_get_logger(trib_rest_request *req, trib_rest_response *resp);
void trib_rest_h_set_logger(trib_rest_request *req, trib_rest_response *resp);

/* While a worker has no herder yet, GET /health answers 503 "starting" with
 * this note saying what it waits for (copied; NULL clears it). Thread-safe. */
void trib_rest_set_startup_note(const char *note);

/* The routes of a worker still assembling itself: GET /health, and every
 * default route answering 503 (marked as needing the herder, even those
 * that otherwise do not, e.g. /admin/loggers: this server has no auth
 * hook yet, so it serves nothing but health). */
void trib_rest_add_starting_routes(trib_rest_router *r);

extern const trib_rest_route trib_rest_connector_routes[];
extern const size_t trib_rest_connector_routes_n;
extern const trib_rest_route trib_rest_plugin_routes[];
extern const size_t trib_rest_plugin_routes_n;
extern const trib_rest_route trib_rest_admin_routes[];
extern const size_t trib_rest_admin_routes_n;

#endif
