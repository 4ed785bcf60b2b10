/*
 * http_json.h: JSON helpers shared by the REST handlers: Connect's error
 * body {"error_code":N,"message":"..."}, mapping trib_error codes to HTTP
 * statuses, body parsing with the parser's line/column, and typed access to
 * request fields with errors that name the field.
 *
 * Every string that reaches a JSON value here is made valid UTF-8 first
 * (jansson refuses anything else), so a message quoting hostile input or cut
 * mid-character by a fixed buffer still serializes.
 */
#ifndef TRIB_REST_HTTP_JSON_H
#define TRIB_REST_HTTP_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "common/error.h"
#include "common/props.h"
#include "rest/router.h"

/* New JSON string from bytes that may not be valid UTF-8: invalid
 * sequences become U+FFFD. Never NULL. */
json_t *trib_rest_json_string_lossy(const char *s);

/* {"error_code":status,"message":msg}. */
json_t *trib_rest_error_json(int status, const char *msg);

/* Sets resp to status with body_take (may be NULL for an empty body). */
void trib_rest_reply(trib_rest_response *resp, int status, json_t *body_take);
void trib_rest_reply_error(trib_rest_response *resp, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Status from trib_err_http_status(err->code), message from err. */
void trib_rest_reply_err(trib_rest_response *resp, const trib_error *err);

/* Parses a request body. Empty or malformed input, or a document deeper
 * than jansson's limit, gives INVALID with the parser's message, line and
 * column. Returns a new reference or NULL. */
json_t *trib_rest_parse_body(const char *data, size_t len, trib_error *err);

/* The body must be a JSON object; INVALID naming `what` otherwise. */
int trib_rest_require_object(const json_t *v, const char *what, trib_error *err);

/* Optional string field: *out is NULL when absent or null; INVALID naming
 * the field when present with another type. */
int trib_rest_opt_string(const json_t *obj, const char *field, const char **out, trib_error *err);

/* A JSON object of config values as trib_props (strings; numbers and
 * booleans stringified as Connect's Map<String,String> binding does);
 * INVALID naming `what` and the offending key otherwise, and INVALID naming
 * the limit for more than TRIB_CONNECTOR_MAX_KEYS keys or
 * TRIB_CONNECTOR_MAX_TRANSFORMS transforms or predicates. */
trib_props *trib_rest_props_from(const json_t *obj, const char *what, trib_error *err);

/* Boolean query parameter: absent -> dflt; "true"/"false" in any case;
 * anything else is INVALID naming the parameter. */
int trib_rest_query_bool(const trib_rest_request *req, const char *name, bool dflt, bool *out,
                         trib_error *err);
/* A Connect route's boolean query parameter, read as Jersey reads a
 * `boolean` @QueryParam (Boolean.valueOf): absent -> dflt, "true" in any case
 * -> true, anything else -> false. A client written for Connect that sends
 * "yes" or "1" gets the same behaviour as from Connect, not a 400. */
bool trib_rest_query_flag(const trib_rest_request *req, const char *name, bool dflt);

#endif
