/*
 * tenants.h: the multi-tenant REST layer (rest/routes_tenants.c), mounted
 * on the ordinary server (rest/server.h) through its route table and auth
 * hook. See docs/tenants.md.
 *
 *  - /tenants, /tenants/{t}, /tenants/{t}/keys..., /tenants/{t}/quotas:
 *    tenant administration, with the admin bearer token (admin.token.file);
 *  - /tenants/{t}/connectors... and /tenants/{t}/connector-plugins...: the
 *    whole Connect API inside tenant t, with t's API key (or the admin
 *    token). Names are mapped "<local>" <-> "<t>/<local>" both ways; every
 *    config passes trib_tenant_check_config and the quotas first;
 *  - /connectors..., /connector-plugins..., /admin/...: the admin view,
 *    needing the admin token when admin.token.file is set (open otherwise,
 *    as Kafka Connect); GET / and /health stay open.
 * Failed credentials are throttled per client address (429), and every
 * write, allowed or refused, goes to the audit log (tenants/audit.h).
 *
 * Worker properties read: admin.token.file, tenant.store.file,
 * tenant.key.secret.file, tenant.staging.root, tenant.audit.log,
 * tenant.auth.max.failures.per.minute (default 10).
 */
#ifndef TRIB_REST_TENANTS_H
#define TRIB_REST_TENANTS_H

#include "common/error.h"
#include "common/props.h"
#include "rest/server.h"
#include "tenants/tenant.h"

typedef struct trib_rest_tenants trib_rest_tenants;

/* Builds the layer from worker properties. reg NULL: a registry is built
 * (and owned) with the file store of tenant.store.file, or a memory store
 * with a warning when it is not set; otherwise reg is borrowed (e.g. backed
 * by the config topic). The registry is installed for the runtime guards
 * (tenants/guard.h). Errors name the property. */
trib_rest_tenants *trib_rest_tenants_new(const trib_props *worker_props, trib_tenants *reg, trib_error *err);
/* As above with a registry over `store` (takes ownership, also on failure),
 * e.g. the config topic in distributed mode. */
trib_rest_tenants *trib_rest_tenants_new_with_store(const trib_props *worker_props, trib_tenant_store *store,
                                                   trib_error *err);
void trib_rest_tenants_destroy(trib_rest_tenants *t);   /* NULL-safe; after the server stopped */
trib_tenants *trib_rest_tenants_registry(trib_rest_tenants *t);

/* Adds every route: the default Connect routes (writes audited), tenant
 * administration and the tenant mirror. */
void trib_rest_tenants_add_routes(trib_rest_tenants *t, trib_rest_router *r);

/* Sets cfg->auth and cfg->hook_opaque; a cluster_log_level hook already
 * in cfg keeps working (it is chained with its own opaque). */
void trib_rest_tenants_configure(trib_rest_tenants *t, trib_rest_config *cfg);

/* Records a write handled outside the mirror (uploads, rest/routes_files.c)
 * in the audit log of the tenant layer serving req; nothing when req's
 * server has no tenant layer. connector is the full name or NULL, detail
 * the error message or NULL. */
void trib_rest_tenants_audit(const trib_rest_request *req, int status, const char *connector, const char *detail);

/* A server with everything above (cfg is copied and configured). t must
 * outlive the server. */
trib_rest_server *trib_rest_tenants_server_start(trib_rest_tenants *t, const trib_rest_config *cfg,
                                                 trib_herder *h, trib_error *err);

#endif
