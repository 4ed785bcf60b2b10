/*
 * ingest_ws.h: WebSocket sessions of HTTP ingest (rest/ingest_ws.c).
 */
#ifndef TRIB_REST_INGEST_WS_H
#define TRIB_REST_INGEST_WS_H

#include <stdbool.h>

#include "rest/ingest_publisher.h"
#include "rest/router.h"

/* True when req asks for a WebSocket (Upgrade: websocket). */
bool trib_ingest_ws_requested(const trib_rest_request *req);

/* Checks the handshake and fills resp with the 101 upgrade whose session
 * publishes to pub (takes ownership of pub in every case). -1 with resp
 * filled (400 bad handshake, 426 wrong version, 503 shutting down). */
int trib_ingest_ws_accept(trib_rest_request *req, const char *connector, trib_ingest_publisher *pub_take,
                          trib_rest_response *resp);

#endif
