/*
 * routes_admin.c: RootResource (GET /, GET /health) and LoggingResource
 * (/admin/loggers) of Kafka Connect 3.9.
 *
 * Loggers map onto common/log.h: a logger is a facility prefix ("worker",
 * "connector.postgres") or "root". Like Connect's Loggers, setting a level
 * applies to the named logger and every configured logger below it (dotted
 * children), skips loggers already at that level (their last_modified stays),
 * and answers with the sorted names of all loggers in the namespace.
 * Statuses follow LoggingResource: missing "level" is 400, an unknown level
 * is 404 ("invalid log level"), scope=cluster answers 204.
 */
#include "rest/routes.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "common/util.h"
#include "rest/http_json.h"
#include "rest/server.h"

#define LOGGER_NAME_MAX 127 /* common/log.c keeps names in 128-byte slots */

void trib_rest_h_server_info(trib_rest_request *req, trib_rest_response *resp) {
    json_t *info = trib_herder_server_info(req->herder);
    if (!info) trib_rest_reply_error(resp, 500, "the herder could not describe this worker");
    else trib_rest_reply(resp, 200, info);
}

static json_t *worker_status(const char *status, const char *message) {
    json_t *o = json_object();
    json_object_set_new(o, "status", json_string(status));
    json_object_set_new(o, "message", trib_rest_json_string_lossy(message));
    return o;
}

/* What a worker without a herder yet waits for; process-wide because the
 * worker assembles itself before any herder (or server state) exists. */
static pthread_mutex_t startup_lock = PTHREAD_MUTEX_INITIALIZER;
static char *startup_note;

void trib_rest_set_startup_note(const char *note) {
    char *copy = note ? trib_xstrdup(note) : NULL;
    pthread_mutex_lock(&startup_lock);
    char *old = startup_note;
    startup_note = copy;
    pthread_mutex_unlock(&startup_lock);
    free(old);
}

/* GET /health (KIP-1017): a round trip through the herder (listing
 * connectors takes its lock and, in distributed mode, needs a joined
 * group), bounded by the herder's own timeouts. */
void trib_rest_h_health(trib_rest_request *req, trib_rest_response *resp) {
    if (!req->herder) {
        pthread_mutex_lock(&startup_lock);
        char *msg = startup_note ? trib_xasprintf("Worker is still starting up: %s", startup_note)
                                 : trib_xstrdup("Worker is still starting up.");
        pthread_mutex_unlock(&startup_lock);
        trib_rest_reply(resp, 503, worker_status("starting", msg));
        free(msg);
        return;
    }
    trib_error err = {0};
    json_t *list = trib_herder_list(req->herder, &err);
    if (list) {
        json_decref(list);
        trib_rest_reply(resp, 200,
                        worker_status("healthy",
                                      "Worker has completed startup and is ready to handle requests."));
        return;
    }
    char *msg = trib_xasprintf("Worker was unable to handle this request and may be unable to "
                               "handle other requests. %s",
                               err.msg);
    trib_rest_reply(resp, 500, worker_status("unhealthy", msg));
    free(msg);
}

/* Snapshot of the configured loggers (trib_log_foreach visits in name order). */
typedef struct logger_info {
    char *name;
    trib_log_level level;
    int64_t last_modified_ms;
} logger_info;

typedef struct logger_list {
    logger_info *v;
    size_t n, cap;
} logger_list;

static void collect_logger(const char *name, trib_log_level level, int64_t last_modified_ms,
                           void *opaque) {
    logger_list *l = opaque;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = trib_xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n].name = trib_xstrdup(name);
    l->v[l->n].level = level;
    l->v[l->n].last_modified_ms = last_modified_ms;
    l->n++;
}

static void logger_list_free(logger_list *l) {
    for (size_t i = 0; i < l->n; i++) free(l->v[i].name);
    free(l->v);
}

static json_t *logger_level_json(trib_log_level level, int64_t last_modified_ms) {
    json_t *o = json_object();
    json_object_set_new(o, "level", json_string(trib_log_level_name(level)));
    json_object_set_new(o, "last_modified",
                        last_modified_ms > 0 ? json_integer(last_modified_ms) : json_null());
    return o;
}

void trib_rest_h_list_loggers(trib_rest_request *req, trib_rest_response *resp) {
    (void)req;
    logger_list l = {0};
    trib_log_foreach(collect_logger, &l);
    json_t *out = json_object();
    for (size_t i = 0; i < l.n; i++)
        json_object_set_new(out, l.v[i].name, logger_level_json(l.v[i].level, l.v[i].last_modified_ms));
    logger_list_free(&l);
    trib_rest_reply(resp, 200, out);
}

static const char *logger_param(const trib_rest_request *req) {
    const char *n = trib_rest_kv_get(&req->params, "logger");
    if (n && strcasecmp(n, "root") == 0) return "root"; /* log4j: any case */
    return n ? n : "";
}

/* A configured logger reports its own level and modification time; any
 * other facility name reports its effective level (facilities are open
 * ended in Tributary, as every dotted prefix is a logger). */
void trib_rest_h_get_logger(trib_rest_request *req, trib_rest_response *resp) {
    const char *name = logger_param(req);
    logger_list l = {0};
    trib_log_foreach(collect_logger, &l);
    json_t *out = NULL;
    for (size_t i = 0; i < l.n && !out; i++)
        if (strcmp(l.v[i].name, name) == 0)
            out = logger_level_json(l.v[i].level, l.v[i].last_modified_ms);
    logger_list_free(&l);
    if (!out) out = logger_level_json(trib_log_effective(name), 0);
    trib_rest_reply(resp, 200, out);
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool in_namespace(const char *name, const char *ns) {
    if (strcmp(ns, "root") == 0) return true;
    size_t n = strlen(ns);
    return strncmp(name, ns, n) == 0 && (name[n] == '\0' || name[n] == '.');
}

/* Sets ns and its configured children; returns the sorted affected names. */
static json_t *set_namespace_level(const char *ns, trib_log_level level, trib_error *err) {
    logger_list l = {0};
    trib_log_foreach(collect_logger, &l);
    /* The namespace itself first: it is the only one that may need a new
     * slot, so a full table fails before anything changed. */
    trib_log_level current = trib_log_effective(ns);
    for (size_t i = 0; i < l.n; i++)
        if (strcmp(l.v[i].name, ns) == 0) current = l.v[i].level;
    if (current != level && trib_log_set_level(ns, level) < 0) {
        logger_list_free(&l);
        trib_error_set(err, TRIB_ERR_INVALID,
                       "cannot set logger '%s': too many loggers are configured", ns);
        return NULL;
    }
    char **names = trib_xcalloc(l.n + 1, sizeof *names);
    size_t nn = 0;
    bool ns_listed = false;
    for (size_t i = 0; i < l.n; i++) {
        if (!in_namespace(l.v[i].name, ns)) continue;
        if (strcmp(l.v[i].name, ns) == 0) ns_listed = true;
        else if (l.v[i].level != level) trib_log_set_level(l.v[i].name, level);
        names[nn++] = l.v[i].name;
    }
    if (!ns_listed) names[nn++] = (char *)ns;
    qsort(names, nn, sizeof *names, cmp_str);
    json_t *out = json_array();
    for (size_t i = 0; i < nn; i++) json_array_append_new(out, json_string(names[i]));
    free(names);
    logger_list_free(&l);
    return out;
}

void trib_rest_h_set_logger(trib_rest_request *req, trib_rest_response *resp) {
    trib_error err = {0};
    const char *ns = logger_param(req);
    const char *level_str = NULL;
    if (trib_rest_require_object(req->body, "request body", &err) < 0 ||
        trib_rest_opt_string(req->body, "level", &level_str, &err) < 0) {
        trib_rest_reply_err(resp, &err);
        return;
    }
    if (!level_str) {
        trib_rest_reply_error(resp, 400, "Desired 'level' parameter was not specified in request.");
        return;
    }
    trib_log_level level;
    if (strcasecmp(level_str, "ALL") == 0) level = TRIB_LOG_TRACE; /* log4j's ALL */
    else if (trib_log_level_parse(level_str, &level) < 0) {
        trib_rest_reply_error(resp, 404, "invalid log level '%s'.", level_str);
        return;
    }
    if (strlen(ns) > LOGGER_NAME_MAX) {
        trib_rest_reply_error(resp, 400, "logger name is too long (at most %d bytes)",
                              LOGGER_NAME_MAX);
        return;
    }
    const char *scope = trib_rest_kv_get(&req->query, "scope");
    bool cluster = false;
    if (scope && strcasecmp(scope, "cluster") == 0) cluster = true;
    else if (scope && strcasecmp(scope, "worker") != 0)
        TRIB_WARN("rest", "Received invalid scope '%s' in request to adjust logging level; will "
                          "default to worker", scope);

    TRIB_INFO("rest", "Setting level of namespace %s and children to %s", ns,
              trib_log_level_name(level));
    const trib_rest_config *cfg = trib_rest_request_config(req);
    if (cluster && cfg && cfg->cluster_log_level) {
        if (cfg->cluster_log_level(cfg->hook_opaque, ns, trib_log_level_name(level), &err) < 0)
            trib_rest_reply_err(resp, &err);
        else
            trib_rest_reply(resp, 204, NULL);
        return;
    }
    json_t *affected = set_namespace_level(ns, level, &err);
    if (!affected) trib_rest_reply_err(resp, &err);
    else if (cluster) { json_decref(affected); trib_rest_reply(resp, 204, NULL); }
    else trib_rest_reply(resp, 200, affected);
}

#define H TRIB_REST_NEEDS_HERDER
#define B TRIB_REST_BODY
const trib_rest_route trib_rest_admin_routes[] = {
    {"GET", "/", trib_rest_h_server_info, H},
    {"GET", "/health", trib_rest_h_health, 0},
    {"GET", "/admin/loggers", trib_rest_h_list_loggers, 0},
    {"GET", "/admin/loggers/{logger}", trib_rest_h_get_logger, 0},
    {"PUT", "/admin/loggers/{logger}", trib_rest_h_set_logger, B},
};
const size_t trib_rest_admin_routes_n =
    sizeof trib_rest_admin_routes / sizeof *trib_rest_admin_routes;

void trib_rest_add_default_routes(trib_rest_router *r) {
    trib_rest_router_add(r, trib_rest_admin_routes, trib_rest_admin_routes_n);
    trib_rest_router_add(r, trib_rest_connector_routes, trib_rest_connector_routes_n);
    trib_rest_router_add(r, trib_rest_plugin_routes, trib_rest_plugin_routes_n);
    trib_rest_add_file_routes(r);
    trib_rest_add_ingest_routes(r);
}

void trib_rest_add_starting_routes(trib_rest_router *r) {
    /* /health first: a (method, pattern) added twice keeps the first */
    trib_rest_router_add(r, &(trib_rest_route){"GET", "/health", trib_rest_h_health, 0}, 1);
    const trib_rest_route *tables[] = {trib_rest_connector_routes, trib_rest_plugin_routes, trib_rest_admin_routes};
    const size_t sizes[] = {trib_rest_connector_routes_n, trib_rest_plugin_routes_n, trib_rest_admin_routes_n};
    for (size_t t = 0; t < 3; t++)
        for (size_t i = 0; i < sizes[t]; i++) {
            trib_rest_route one = tables[t][i];
            one.flags |= TRIB_REST_NEEDS_HERDER;
            trib_rest_router_add(r, &one, 1);
        }
}
