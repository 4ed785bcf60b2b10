/*
 * http_json.c: error bodies, body parsing and typed field access for the
 * REST handlers (see http_json.h).
 */
#include "rest/http_json.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"
#include "worker/connector_config.h"

json_t *trib_rest_json_string_lossy(const char *s) {
    if (!s) s = "";
    size_t len = strlen(s);
    if (trib_rest_utf8_valid(s, len)) return json_stringn(s, len);
    /* Re-encode: copy valid sequences, replace each bad byte with U+FFFD. */
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    size_t i = 0;
    while (i < len) {
        size_t n = 1;
        unsigned char c = (unsigned char)s[i];
        if (c >= 0xC2 && c <= 0xDF) n = 2;
        else if (c >= 0xE0 && c <= 0xEF) n = 3;
        else if (c >= 0xF0 && c <= 0xF4) n = 4;
        if (c < 0x80) {
            trib_strbuf_putc(&sb, (char)c);
            i++;
        } else if (i + n <= len && trib_rest_utf8_valid(s + i, n)) {
            trib_strbuf_append(&sb, s + i, n);
            i += n;
        } else {
            trib_strbuf_puts(&sb, "\xEF\xBF\xBD");
            i++;
        }
    }
    json_t *j = json_stringn(sb.data ? sb.data : "", sb.len);
    trib_strbuf_free(&sb);
    return j;
}

json_t *trib_rest_error_json(int status, const char *msg) {
    json_t *o = json_object();
    json_object_set_new(o, "error_code", json_integer(status));
    json_object_set_new(o, "message", trib_rest_json_string_lossy(msg));
    return o;
}

void trib_rest_reply(trib_rest_response *resp, int status, json_t *body_take) {
    json_decref(resp->body);
    resp->status = status;
    resp->body = body_take;
}

void trib_rest_reply_error(trib_rest_response *resp, int status, const char *fmt, ...) {
    char msg[TRIB_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    trib_rest_reply(resp, status, trib_rest_error_json(status, msg));
}

void trib_rest_reply_err(trib_rest_response *resp, const trib_error *err) {
    trib_err_code code = err ? err->code : TRIB_ERR_INTERNAL;
    if (code == TRIB_OK) code = TRIB_ERR_INTERNAL; /* a failure without a code is a bug */
    int status = trib_err_http_status(code);
    const char *msg = err && err->msg[0] ? err->msg : trib_err2str(code);
    trib_rest_reply(resp, status, trib_rest_error_json(status, msg));
}

json_t *trib_rest_parse_body(const char *data, size_t len, trib_error *err) {
    if (!data || len == 0) {
        trib_error_set(err, TRIB_ERR_INVALID, "request body is required (a JSON document)");
        return NULL;
    }
    json_error_t jerr;
    /* JSON_DECODE_ANY: a scalar body is valid JSON, the handlers then say
     * which type they wanted. Depth is bounded by jansson
     * (JSON_PARSER_MAX_DEPTH); \u0000 is refused (no JSON_ALLOW_NUL). */
    json_t *v = json_loadb(data, len, JSON_DECODE_ANY, &jerr);
    if (!v) {
        trib_error_set(err, TRIB_ERR_INVALID, "malformed JSON body: %s (line %d, column %d)",
                       jerr.text, jerr.line, jerr.column);
        return NULL;
    }
    return v;
}

static const char *type_name(const json_t *v) {
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER:
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "unknown";
}

int trib_rest_require_object(const json_t *v, const char *what, trib_error *err) {
    if (json_is_object(v)) return 0;
    return trib_error_set(err, TRIB_ERR_INVALID, "%s must be a JSON object, got %s", what,
                          v ? type_name(v) : "nothing");
}

int trib_rest_opt_string(const json_t *obj, const char *field, const char **out, trib_error *err) {
    *out = NULL;
    json_t *v = json_object_get(obj, field);
    if (!v || json_is_null(v)) return 0;
    if (!json_is_string(v))
        return trib_error_set(err, TRIB_ERR_INVALID, "field '%s' must be a string, got %s", field,
                              type_name(v));
    *out = json_string_value(v);
    return 0;
}

trib_props *trib_rest_props_from(const json_t *obj, const char *what, trib_error *err) {
    if (trib_rest_require_object(obj, what, err) < 0) return NULL;
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)obj, key, val) {
        if (json_is_string(val) || json_is_number(val) || json_is_boolean(val)) continue;
        trib_error_set(err, TRIB_ERR_INVALID, "%s: value of '%s' must be a string, got %s", what,
                       key, type_name(val));
        return NULL;
    }
    /* Bounded before anything walks it (see TRIB_CONNECTOR_MAX_KEYS). */
    if (json_object_size(obj) > TRIB_CONNECTOR_MAX_KEYS) {
        trib_error_set(err, TRIB_ERR_INVALID, "%s: %zu keys; a connector config may have at most %d", what,
                       json_object_size(obj), TRIB_CONNECTOR_MAX_KEYS);
        return NULL;
    }
    trib_props *p = trib_props_from_json(obj, err);
    if (!p) {
        trib_error_prefix(err, "%s", what);
        return NULL;
    }
    if (trib_connector_config_check_size(p, err) < 0) {
        trib_error_prefix(err, "%s", what);
        trib_props_destroy(p);
        return NULL;
    }
    return p;
}

int trib_rest_query_bool(const trib_rest_request *req, const char *name, bool dflt, bool *out,
                         trib_error *err) {
    const char *v = trib_rest_kv_get(&req->query, name);
    if (!v) {
        *out = dflt;
        return 0;
    }
    if (strcasecmp(v, "true") == 0) { *out = true; return 0; }
    if (strcasecmp(v, "false") == 0) { *out = false; return 0; }
    return trib_error_set(err, TRIB_ERR_INVALID,
                          "query parameter '%s' must be true or false, got '%s'", name, v);
}

bool trib_rest_query_flag(const trib_rest_request *req, const char *name, bool dflt) {
    const char *v = trib_rest_kv_get(&req->query, name);
    return v ? strcasecmp(v, "true") == 0 : dflt;
}
