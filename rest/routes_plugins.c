/*
 * routes_plugins.c: /connector-plugins, Kafka Connect 3.9's
 * ConnectorPluginsResource: list plugins, a plugin's config definition, and
 * config validation (which refuses a body whose connector.class names a
 * different plugin than the path, with Connect's message).
 */
#include "rest/routes.h"

#include <string.h>

#include "common/util.h"
#include "rest/http_json.h"

void trib_rest_h_list_plugins(trib_rest_request *req, trib_rest_response *resp) {
    bool connectors_only = trib_rest_query_flag(req, "connectorsOnly", true);
    json_t *plugins = trib_herder_plugins(req->herder, connectors_only);
    if (!plugins) trib_rest_reply_error(resp, 500, "the herder could not list plugins");
    else trib_rest_reply(resp, 200, plugins);
}

void trib_rest_h_plugin_config(trib_rest_request *req, trib_rest_response *resp) {
    trib_error err = {0};
    const char *plugin = trib_rest_kv_get(&req->params, "plugin");
    json_t *defs = trib_herder_plugin_config(req->herder, plugin ? plugin : "", &err);
    if (!defs) trib_rest_reply_err(resp, &err);
    else trib_rest_reply(resp, 200, defs);
}

/* Connect's normalizedPluginName: "FileStreamSourceConnector" ->
 * "FileStreamSource", so simple names, aliases and class names compare. */
static size_t normalized_len(const char *s) {
    static const char suffix[] = "Connector";
    size_t n = strlen(s), sl = sizeof suffix - 1;
    if (n > sl && strcmp(s + n - sl, suffix) == 0) return n - sl;
    return n;
}

/* normalized(included).endsWith(normalized(plugin)) */
static bool plugin_matches(const char *included, const char *plugin) {
    size_t il = normalized_len(included), pl = normalized_len(plugin);
    return pl <= il && memcmp(included + il - pl, plugin, pl) == 0;
}

void trib_rest_h_validate_config(trib_rest_request *req, trib_rest_response *resp) {
    trib_error err = {0};
    const char *plugin = trib_rest_kv_get(&req->params, "plugin");
    if (!plugin) plugin = "";
    trib_props *config = trib_rest_props_from(req->body, "request body", &err);
    if (!config) {
        trib_rest_reply_err(resp, &err);
        return;
    }
    const char *included = trib_props_get(config, "connector.class");
    if (included && !plugin_matches(included, plugin)) {
        trib_rest_reply_error(resp, 400, "Included connector type %s does not match request type %s",
                              included, plugin);
        trib_props_destroy(config);
        return;
    }
    json_t *infos = trib_herder_validate(req->herder, plugin, config, &err);
    if (!infos) trib_rest_reply_err(resp, &err);
    else trib_rest_reply(resp, 200, infos);
    trib_props_destroy(config);
}

#define H TRIB_REST_NEEDS_HERDER
#define B TRIB_REST_BODY
const trib_rest_route trib_rest_plugin_routes[] = {
    {"GET", "/connector-plugins", trib_rest_h_list_plugins, H},
    {"GET", "/connector-plugins/{plugin}/config", trib_rest_h_plugin_config, H},
    {"PUT", "/connector-plugins/{plugin}/config/validate", trib_rest_h_validate_config, H | B},
};
const size_t trib_rest_plugin_routes_n =
    sizeof trib_rest_plugin_routes / sizeof *trib_rest_plugin_routes;
