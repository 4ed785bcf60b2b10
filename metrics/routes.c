/*
 * routes.c: GET /metrics on the REST listener. Authentication is the
 * server's auth hook like every other route: with admin.token.file set,
 * /metrics is an admin view (the scraper sends the admin token as a
 * Bearer credential, e.g. Prometheus' `authorization.credentials_file`),
 * since it names every tenant's connectors; without it, it is open as
 * Connect's API is. /tenants/{tenant}/metrics is a tenant route (its API
 * key or the admin token): the tenant's own connectors and usage.
 */
#include "metrics/metrics.h"
#include "common/time.h"
#include "rest/http_json.h"
#include "rest/server.h"

#include <stdatomic.h>
#include <string.h>

static _Atomic(trib_tenants *) metrics_tenants;

static void render(trib_rest_request *req, trib_rest_response *resp, const char *tenant) {
    json_t *snap = trib_herder_metrics(req->herder);
    trib_metrics_format f = trib_metrics_negotiate(trib_rest_request_header(req, "Accept"));
    size_t len;
    char *text = trib_metrics_render(snap, atomic_load(&metrics_tenants), tenant, f, trib_now_ms(), &len);
    json_decref(snap);
    resp->status = 200;
    resp->text = text;
    resp->text_len = len;
    resp->content_type = trib_metrics_content_type(f);
}

static void get_metrics(trib_rest_request *req, trib_rest_response *resp) {
    render(req, resp, NULL);
}

/* The auth hook bound req->tenant to the path's tenant (its key, or the
 * admin token); without the tenant layer there is nothing to bind. */
static void get_tenant_metrics(trib_rest_request *req, trib_rest_response *resp) {
    const char *t = trib_rest_kv_get(&req->params, "tenant");
    trib_tenants *reg = atomic_load(&metrics_tenants);
    if (!req->tenant || strcmp(req->tenant, t) != 0 || !reg || !trib_tenants_exists(reg, t)) {
        trib_rest_reply_error(resp, 404, "Tenant %s not found", t);
        return;
    }
    render(req, resp, t);
}

static const trib_rest_route metrics_routes[] = {
    {"GET", "/metrics", get_metrics, TRIB_REST_NEEDS_HERDER},
    {"GET", "/tenants/{tenant}/metrics", get_tenant_metrics, TRIB_REST_NEEDS_HERDER},
};

void trib_metrics_add_routes(trib_rest_router *r, trib_tenants *tenants) {
    atomic_store(&metrics_tenants, tenants);
    trib_rest_router_add(r, metrics_routes, sizeof metrics_routes / sizeof *metrics_routes);
}
