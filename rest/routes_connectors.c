/*
 * routes_connectors.c: /connectors, Kafka Connect 3.9's ConnectorsResource.
 *
 * Each handler checks the request's shape (body types, query flags, task
 * ids) before calling the herder once, so a bad request never half-applies;
 * the herder returns Connect's JSON shapes and trib_error codes that map to
 * statuses. Statuses follow Connect exactly: 201 + Location on create, 204
 * for void endpoints (delete, task restart, plain restart, stop), 202 for
 * pause/resume/topics-reset and for restarts with includeTasks/onlyFailed.
 * Two routes are Tributary's own: GET /connectors/{c}/quality (Validate's
 * counters) and GET /connectors/{c}/dlq (the dead letter queue's newest
 * records, rest/routes_dlq.c).
 */
#include "rest/routes.h"

#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "rest/http_json.h"
#include "rest/server.h"
#include "transforms/quality.h"

static const char *conn_name(const trib_rest_request *req) {
    const char *n = trib_rest_kv_get(&req->params, "connector");
    return n ? n : "";
}

/* 200 with the herder's result, or the herder's error. */
static void reply_result(trib_rest_response *resp, json_t *result, const trib_error *err) {
    if (!result) trib_rest_reply_err(resp, err);
    else trib_rest_reply(resp, 200, result);
}

static void reply_status_or_err(trib_rest_response *resp, int rc, int status,
                                const trib_error *err) {
    if (rc < 0) trib_rest_reply_err(resp, err);
    else trib_rest_reply(resp, status, NULL);
}

/* Only plain host[:port] values go into an absolute URL; anything odd gives
 * a relative Location rather than a header built from junk. */
static bool host_ok(const char *h) {
    if (!h || !*h || strlen(h) > 255) return false;
    for (const char *p = h; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr(".-_:[]", *p)) return false;
    return true;
}

/* Location of a connector: absolute like JAX-RS' Response.created(). */
static char *connector_location(const trib_rest_request *req, const char *name) {
    char *enc = trib_rest_pct_encode(name);
    char *loc = host_ok(req->host) ? trib_xasprintf("http://%s/connectors/%s", req->host, enc)
                                   : trib_xasprintf("/connectors/%s", enc);
    free(enc);
    return loc;
}

/* Connect's checkAndPutConnectorConfigName. */
static int check_config_name(trib_props *config, const char *name, trib_error *err) {
    const char *included = trib_props_get(config, "name");
    if (included) {
        if (strcmp(included, name) != 0)
            return trib_error_set(err, TRIB_ERR_INVALID,
                                  "Connector name configuration (%s) doesn't match connector name "
                                  "in the URL (%s)",
                                  included, name);
    } else {
        trib_props_set(config, "name", name);
    }
    return 0;
}

/* Names with '/' are tenants' ("<tenant>/<name>", built by the tenant
 * layer in rest/routes_tenants.c): only a request the auth hook bound to
 * that tenant may create or reconfigure one, so /connectors can never
 * create a connector inside a tenant, bypassing the tenant's checks. */
static int check_name_namespace(const trib_rest_request *req, const char *name, trib_error *err) {
    const char *slash = strchr(name, '/');
    if (!slash) return 0;
    size_t tl = req->tenant ? strlen(req->tenant) : 0;
    if (tl && (size_t)(slash - name) == tl && strncmp(name, req->tenant, tl) == 0 && !strchr(slash + 1, '/'))
        return 0;
    return trib_error_set(err, TRIB_ERR_INVALID,
                          "Connector name may not contain '/' (names with '/' are tenants' connectors: "
                          "use /tenants/{tenant}/connectors)");
}

/* {task} as Jersey's Integer path param: not an integer is 404. */
static bool task_param(const trib_rest_request *req, trib_rest_response *resp, int *out) {
    const char *s = trib_rest_kv_get(&req->params, "task");
    int64_t v;
    if (!s || trib_parse_int64(s, &v) < 0 || v < INT_MIN || v > INT_MAX) {
        trib_rest_reply_error(resp, 404, "Task id '%s' of connector '%s' is not an integer",
                              s ? s : "", conn_name(req));
        return false;
    }
    *out = (int)v;
    return true;
}

void trib_rest_h_list_connectors(trib_rest_request *req, trib_rest_response *resp) {
    trib_error err = {0};
    bool expand = false, status = false, info = false;
    for (size_t i = 0; i < req->query.n; i++) {
        if (strcmp(req->query.keys[i], "expand") != 0) continue;
        expand = true;
        const char *v = req->query.values[i];
        if (strcmp(v, "status") == 0) status = true;
        else if (strcmp(v, "info") == 0) info = true;
        else TRIB_DEBUG("rest", "ignoring unknown expansion type '%s'", v);
    }
    if (expand) reply_result(resp, trib_herder_list_expanded(req->herder, status, info, &err), &err);
    else reply_result(resp, trib_herder_list(req->herder, &err), &err);
}

/* trib_target_state_parse with Connect's case-insensitive InitialState. */
static int parse_initial_state(const char *s, trib_target_state *out, trib_error *err) {
    char up[16];
    size_t n = strlen(s);
    if (n < sizeof up) {
        for (size_t i = 0; i <= n; i++) up[i] = (char)toupper((unsigned char)s[i]);
        if (trib_target_state_parse(up, out) == 0) return 0;
    }
    return trib_error_set(err, TRIB_ERR_INVALID,
                          "field 'initial_state' must be one of RUNNING, PAUSED, STOPPED, got '%s'",
                          s);
}

void trib_rest_h_create_connector(trib_rest_request *req, trib_rest_response *resp) {
    trib_error err = {0};
    const json_t *body = req->body;
    const char *raw_name = NULL, *state = NULL;
    if (trib_rest_require_object(body, "request body", &err) < 0 ||
        trib_rest_opt_string(body, "name", &raw_name, &err) < 0 ||
        trib_rest_opt_string(body, "initial_state", &state, &err) < 0) {
        trib_rest_reply_err(resp, &err);
        return;
    }
    if (!raw_name) {
        trib_rest_reply_error(resp, 400, "missing required field 'name' (the connector name)");
        return;
    }
    const json_t *cfg = json_object_get(body, "config");
    if (!cfg || json_is_null(cfg)) {
        trib_rest_reply_error(resp, 400, "missing required field 'config' (the connector configuration)");
        return;
    }
    trib_target_state initial = TRIB_TARGET_RUNNING;
    if (state && parse_initial_state(state, &initial, &err) < 0) {
        trib_rest_reply_err(resp, &err);
        return;
    }
    /* Connect trims the name before using it. */
    char *name = trib_xstrdup(raw_name);
    char *trimmed = trib_trim(name);
    if (!*trimmed) {
        trib_rest_reply_error(resp, 400, "field 'name' must not be empty");
        free(name);
        return;
    }
    trib_props *config = NULL;
    if (check_name_namespace(req, trimmed, &err) < 0 ||
        !(config = trib_rest_props_from(cfg, "field 'config'", &err)) ||
        check_config_name(config, trimmed, &err) < 0) {
        trib_rest_reply_err(resp, &err);
        trib_props_destroy(config);
        free(name);
        return;
    }
    json_t *info = trib_herder_create(req->herder, trimmed, config, initial, &err);
    if (!info) {
        trib_rest_reply_err(resp, &err);
    } else {
        trib_rest_reply(resp, 201, info);
        resp->location = connector_location(req, trimmed);
    }
    trib_props_destroy(config);
    free(name);
}

void trib_rest_h_connector_info(trib_rest_request *req, trib_rest_response *resp) {
    trib_error err = {0};
    reply_result(resp, trib_herder_info(req->herder, conn_name(req), &err), &err);
}

void trib_rest_h_connector_config(trib_rest_request *req, trib_rest_response *resp) {
    trib_error err = {0};
    reply_result(resp, trib_herder_config(req->herder, conn_name(req), &err), &err);
}

void trib_rest_h_put_connector_config(trib_rest_request *req, trib_rest_response *resp) {
    trib_error err = {0};
    const char *name = conn_name(req);
    trib_props *config = NULL;
    if (check_name_namespace(req, name, &err) < 0 ||
        !(config = trib_rest_props_from(req->body, "request body", &err)) ||
        check_config_name(config, name, &err) < 0) {
        trib_rest_reply_err(resp, &err);
        trib_props_destroy(config);
        return;
    }
    bool created = false;
    json_t *info = trib_herder_put_config(req->herder, name, config, &created, &err);
    if (!info) {
        trib_rest_reply_err(resp, &err);
    } else if (created) {
        trib_rest_reply(resp, 201, info);
        resp->location = connector_location(req, name);
    } else {
        trib_rest_reply(resp, 200, info);
    }
    trib_props_destroy(config);
}

void trib_rest_h_patch_connector_config(trib_rest_request *req, trib_rest_response *resp) {
    trib_error err = {0};
    if (check_name_namespace(req, conn_name(req), &err) < 0 ||
        trib_rest_require_object(req->body, "request body", &err) < 0) {
        trib_rest_reply_err(resp, &err);
        return;
    }
    /* null removes a key; everything else must be a config value. */
    const char *key;
    json_t *val;
    json_object_foreach(req->body, key, val) {
        if (json_is_null(val) || json_is_string(val) || json_is_number(val) || json_is_boolean(val))
            continue;
        trib_rest_reply_error(resp, 400,
                              "request body: value of '%s' must be a string, number, boolean or "
                              "null",
                              key);
        return;
    }
    reply_result(resp, trib_herder_patch_config(req->herder, conn_name(req), req->body, &err),
                 &err);
}

void trib_rest_h_connector_status(trib_rest_request *req, trib_rest_response *resp) {
    trib_error err = {0};
    reply_result(resp, trib_herder_status(req->herder, conn_name(req), &err), &err);
}

void trib_rest_h_connector_tasks(trib_rest_request *req, trib_rest_response *resp) {
    trib_error err = {0};
    reply_result(resp, trib_herder_tasks(req->herder, conn_name(req), &err), &err);
}

/* Deprecated GET /connectors/{n}/tasks-config: {"<n>-<task>": config}, the
 * same data as /tasks keyed by Connect's ConnectorTaskId string. */
void trib_rest_h_connector_tasks_config(trib_rest_request *req, trib_rest_response *resp) {
    trib_error err = {0};
    TRIB_WARN("rest", "The 'GET /connectors/{connector}/tasks-config' endpoint is deprecated; "
                      "use 'GET /connectors/{connector}/tasks' instead");
    json_t *tasks = trib_herder_tasks(req->herder, conn_name(req), &err);
    if (!tasks) {
        trib_rest_reply_err(resp, &err);
        return;
    }
    json_t *out = json_object();
    size_t i;
    json_t *t;
    json_array_foreach(tasks, i, t) {
        json_t *id = json_object_get(t, "id");
        json_t *task = json_object_get(id, "task");
        json_t *config = json_object_get(t, "config");
        if (!json_is_integer(task) || !json_is_object(config)) {
            json_decref(out);
            json_decref(tasks);
            trib_rest_reply_error(resp, 500, "herder returned a task without id.task or config");
            return;
        }
        char *k = trib_xasprintf("%s-%" JSON_INTEGER_FORMAT, conn_name(req),
                                 json_integer_value(task));
        json_object_set(out, k, config);
        free(k);
    }
    json_decref(tasks);
    trib_rest_reply(resp, 200, out);
}

void trib_rest_h_task_status(trib_rest_request *req, trib_rest_response *resp) {
    trib_error err = {0};
    int task;
    if (!task_param(req, resp, &task)) return;
    reply_result(resp, trib_herder_task_status(req->herder, conn_name(req), task, &err), &err);
}

void trib_rest_h_restart_connector(trib_rest_request *req, trib_rest_response *resp) {
    trib_error err = {0};
    bool include_tasks = trib_rest_query_flag(req, "includeTasks", false);
    bool only_failed = trib_rest_query_flag(req, "onlyFailed", false);
    json_t *status = NULL;
    int rc = trib_herder_restart(req->herder, conn_name(req), include_tasks, only_failed, &status,
                                 &err);
    if (rc < 0) {
        json_decref(status);
        trib_rest_reply_err(resp, &err);
    } else if (!include_tasks && !only_failed) {
        /* Connect's backward-compatible plain restart: 204, no body. */
        json_decref(status);
        trib_rest_reply(resp, 204, NULL);
    } else if (!status) {
        trib_rest_reply_error(resp, 500, "herder restarted connector '%s' but returned no status",
                              conn_name(req));
    } else {
        trib_rest_reply(resp, 202, status);
    }
}

void trib_rest_h_restart_task(trib_rest_request *req, trib_rest_response *resp) {
    trib_error err = {0};
    int task;
    if (!task_param(req, resp, &task)) return;
    reply_status_or_err(resp, trib_herder_restart_task(req->herder, conn_name(req), task, &err), 204,
                        &err);
}

void trib_rest_h_pause_connector(trib_rest_request *req, trib_rest_response *resp) {
    trib_error err = {0};
    int rc = trib_herder_set_target_state(req->herder, conn_name(req), TRIB_TARGET_PAUSED, &err);
    reply_status_or_err(resp, rc, 202, &err);
}

void trib_rest_h_resume_connector(trib_rest_request *req, trib_rest_response *resp) {
    trib_error err = {0};
    int rc = trib_herder_set_target_state(req->herder, conn_name(req), TRIB_TARGET_RUNNING, &err);
    reply_status_or_err(resp, rc, 202, &err);
}

/* Connect's stopConnector is a void resource method: 204. */
void trib_rest_h_stop_connector(trib_rest_request *req, trib_rest_response *resp) {
    trib_error err = {0};
    int rc = trib_herder_set_target_state(req->herder, conn_name(req), TRIB_TARGET_STOPPED, &err);
    reply_status_or_err(resp, rc, 204, &err);
}

void trib_rest_h_delete_connector(trib_rest_request *req, trib_rest_response *resp) {
    trib_error err = {0};
    reply_status_or_err(resp, trib_herder_delete(req->herder, conn_name(req), &err), 204, &err);
}

/* 403 when the worker disabled topic tracking (or its reset), as Connect. */
static bool topics_allowed(const trib_rest_request *req, trib_rest_response *resp, bool reset) {
    const trib_rest_config *cfg = trib_rest_request_config(req);
    if (cfg && cfg->topic_tracking_disabled) {
        trib_rest_reply_error(resp, 403, "Topic tracking is disabled.");
        return false;
    }
    if (reset && cfg && cfg->topic_tracking_reset_disabled) {
        trib_rest_reply_error(resp, 403, "Topic tracking reset is disabled.");
        return false;
    }
    return true;
}

void trib_rest_h_connector_topics(trib_rest_request *req, trib_rest_response *resp) {
    trib_error err = {0};
    if (!topics_allowed(req, resp, false)) return;
    reply_result(resp, trib_herder_topics(req->herder, conn_name(req), &err), &err);
}

void trib_rest_h_reset_connector_topics(trib_rest_request *req, trib_rest_response *resp) {
    trib_error err = {0};
    if (!topics_allowed(req, resp, true)) return;
    reply_status_or_err(resp, trib_herder_reset_topics(req->herder, conn_name(req), &err), 202,
                        &err);
}

void trib_rest_h_connector_offsets(trib_rest_request *req, trib_rest_response *resp) {
    trib_error err = {0};
    reply_result(resp, trib_herder_offsets(req->herder, conn_name(req), &err), &err);
}

/* Tributary's own: the Validate transforms' counters per rule, summed over
 * this worker's tasks of the connector (transforms/quality.h). */
void trib_rest_h_connector_quality(trib_rest_request *req, trib_rest_response *resp) {
    trib_error err = {0};
    json_t *config = trib_herder_config(req->herder, conn_name(req), &err);  /* 404 for a stranger */
    if (!config) {
        trib_rest_reply_err(resp, &err);
        return;
    }
    json_decref(config);
    trib_rest_reply(resp, 200, trib_quality_connector_json(conn_name(req)));
}

/* PATCH body: {"offsets":[{"partition":{...},"offset":{...}|null}, ...]}. */
void trib_rest_h_alter_connector_offsets(trib_rest_request *req, trib_rest_response *resp) {
    trib_error err = {0};
    if (trib_rest_require_object(req->body, "request body", &err) < 0) {
        trib_rest_reply_err(resp, &err);
        return;
    }
    json_t *offsets = json_object_get(req->body, "offsets");
    if (offsets && !json_is_null(offsets) && !json_is_array(offsets)) {
        trib_rest_reply_error(resp, 400, "field 'offsets' must be a JSON array");
        return;
    }
    if (!offsets || json_array_size(offsets) == 0) {
        trib_rest_reply_error(resp, 400,
                              "Partitions / offsets need to be provided for an alter offsets request");
        return;
    }
    size_t i;
    json_t *o;
    json_array_foreach(offsets, i, o) {
        if (!json_is_object(o)) {
            trib_rest_reply_error(resp, 400, "offsets[%zu] must be a JSON object", i);
            return;
        }
        if (!json_is_object(json_object_get(o, "partition"))) {
            trib_rest_reply_error(resp, 400, "offsets[%zu].partition must be a JSON object", i);
            return;
        }
        json_t *off = json_object_get(o, "offset");
        if (off && !json_is_null(off) && !json_is_object(off)) {
            trib_rest_reply_error(resp, 400, "offsets[%zu].offset must be a JSON object or null", i);
            return;
        }
    }
    reply_result(resp, trib_herder_alter_offsets(req->herder, conn_name(req), req->body, &err),
                 &err);
}

void trib_rest_h_reset_connector_offsets(trib_rest_request *req, trib_rest_response *resp) {
    trib_error err = {0};
    reply_result(resp, trib_herder_reset_offsets(req->herder, conn_name(req), &err), &err);
}

#define H TRIB_REST_NEEDS_HERDER
#define B TRIB_REST_BODY
const trib_rest_route trib_rest_connector_routes[] = {
    {"GET", "/connectors", trib_rest_h_list_connectors, H},
    {"POST", "/connectors", trib_rest_h_create_connector, H | B},
    {"GET", "/connectors/{connector}", trib_rest_h_connector_info, H},
    {"DELETE", "/connectors/{connector}", trib_rest_h_delete_connector, H},
    {"GET", "/connectors/{connector}/config", trib_rest_h_connector_config, H},
    {"PUT", "/connectors/{connector}/config", trib_rest_h_put_connector_config, H | B},
    {"PATCH", "/connectors/{connector}/config", trib_rest_h_patch_connector_config, H | B},
    {"GET", "/connectors/{connector}/status", trib_rest_h_connector_status, H},
    {"GET", "/connectors/{connector}/tasks", trib_rest_h_connector_tasks, H},
    {"GET", "/connectors/{connector}/tasks-config", trib_rest_h_connector_tasks_config, H},
    {"GET", "/connectors/{connector}/tasks/{task}/status", trib_rest_h_task_status, H},
    {"POST", "/connectors/{connector}/tasks/{task}/restart", trib_rest_h_restart_task, H},
    {"POST", "/connectors/{connector}/restart", trib_rest_h_restart_connector, H},
    {"PUT", "/connectors/{connector}/pause", trib_rest_h_pause_connector, H},
    {"PUT", "/connectors/{connector}/resume", trib_rest_h_resume_connector, H},
    {"PUT", "/connectors/{connector}/stop", trib_rest_h_stop_connector, H},
    {"GET", "/connectors/{connector}/topics", trib_rest_h_connector_topics, H},
    {"PUT", "/connectors/{connector}/topics/reset", trib_rest_h_reset_connector_topics, H},
    {"GET", "/connectors/{connector}/offsets", trib_rest_h_connector_offsets, H},
    {"GET", "/connectors/{connector}/quality", trib_rest_h_connector_quality, H},
    {"GET", "/connectors/{connector}/dlq", trib_rest_h_connector_dlq, H},
    {"PATCH", "/connectors/{connector}/offsets", trib_rest_h_alter_connector_offsets, H | B},
    {"DELETE", "/connectors/{connector}/offsets", trib_rest_h_reset_connector_offsets, H},
};
const size_t trib_rest_connector_routes_n =
    sizeof trib_rest_connector_routes / sizeof *trib_rest_connector_routes;
