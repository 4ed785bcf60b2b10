/*
 * ui.h: the web console, served by every worker at /ui (docs/console.md).
 * Static HTML, CSS and JavaScript compiled into the binary; the page talks
 * to the same REST API with the user's own credential (admin token or a
 * tenant's API key, held in the browser tab's sessionStorage and sent as a
 * Bearer token). The server sends the browser no secret and sets no
 * cookie; the assets themselves need no authentication.
 */
#ifndef TRIB_UI_UI_H
#define TRIB_UI_UI_H

#include "rest/router.h"

/* Adds GET /ui (the page) and GET /ui/{file} (its assets) to r. */
void trib_ui_add_routes(trib_rest_router *r);

/* The Content-Security-Policy every console response carries. */
extern const char TRIB_UI_CSP[];

#endif
