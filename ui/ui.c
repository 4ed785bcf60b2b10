/*
 * ui.c: the console's routes. Each response carries a strict
 * Content-Security-Policy (only this origin's script, style and API
 * calls; no inline script, no framing, no form posts elsewhere), nosniff
 * and no-referrer, so an injected string in a connector name or trace can
 * neither run nor leak anything.
 */
#include "ui/ui.h"
#include "rest/http_json.h"
#include "ui/assets.h"

#include <string.h>

const char TRIB_UI_CSP[] = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
                           "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

static const char *const ui_headers[] = {
    "Content-Security-Policy", TRIB_UI_CSP,
    "X-Content-Type-Options", "nosniff",
    "Referrer-Policy", "no-referrer",
    "X-Frame-Options", "DENY",
    "Cache-Control", "no-cache",
    NULL,
};

static const char *content_type(const char *name) {
    const char *dot = strrchr(name, '.');
    if (dot && strcmp(dot, ".html") == 0) return "text/html; charset=utf-8";
    if (dot && strcmp(dot, ".css") == 0) return "text/css; charset=utf-8";
    if (dot && strcmp(dot, ".js") == 0) return "text/javascript; charset=utf-8";
    return "application/octet-stream";
}

static void serve(trib_rest_response *resp, const char *name) {
    for (const trib_ui_asset *a = trib_ui_assets; a->name; a++) {
        if (strcmp(a->name, name) != 0) continue;
        resp->status = 200;
        resp->text = (char *)a->data;   /* static: text_static keeps it from being freed */
        resp->text_static = true;
        resp->text_len = a->len;
        resp->content_type = content_type(name);
        resp->headers = ui_headers;
        return;
    }
    trib_rest_reply_error(resp, 404, "No console file %s", name);
}

static void get_index(trib_rest_request *req, trib_rest_response *resp) {
    (void)req;
    serve(resp, "index.html");
}

static void get_asset(trib_rest_request *req, trib_rest_response *resp) {
    serve(resp, trib_rest_kv_get(&req->params, "file"));
}

static const trib_rest_route ui_routes[] = {
    {"GET", "/ui", get_index, 0},
    {"GET", "/ui/{file}", get_asset, 0},
};

void trib_ui_add_routes(trib_rest_router *r) {
    trib_rest_router_add(r, ui_routes, sizeof ui_routes / sizeof *ui_routes);
}
