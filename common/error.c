/*
 * error.c: filling and classifying trib_error. See error.h.
 */
#include "common/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int trib_error_set(trib_error *err, trib_err_code code, const char *fmt, ...) {
    if (!err) return -1;
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return -1;
}

int trib_error_prefix(trib_error *err, const char *fmt, ...) {
    if (!err) return -1;
    char prefix[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    char old[TRIB_ERRMSG_MAX];
    memcpy(old, err->msg, sizeof old);
    snprintf(err->msg, sizeof err->msg, "%s: %s", prefix, old);
    return -1;
}

void trib_error_clear(trib_error *err) {
    if (!err) return;
    err->code = TRIB_OK;
    err->msg[0] = '\0';
}

const char *trib_err2str(trib_err_code code) {
    switch (code) {
    case TRIB_OK: return "ok";
    case TRIB_ERR_INVALID: return "invalid";
    case TRIB_ERR_NOT_FOUND: return "not_found";
    case TRIB_ERR_CONFLICT: return "conflict";
    case TRIB_ERR_UNAUTHORIZED: return "unauthorized";
    case TRIB_ERR_FORBIDDEN: return "forbidden";
    case TRIB_ERR_TOO_LARGE: return "too_large";
    case TRIB_ERR_QUOTA: return "quota";
    case TRIB_ERR_RETRIABLE: return "retriable";
    case TRIB_ERR_TIMEOUT: return "timeout";
    case TRIB_ERR_FATAL: return "fatal";
    case TRIB_ERR_IO: return "io";
    case TRIB_ERR_NOMEM: return "nomem";
    case TRIB_ERR_UNSUPPORTED: return "unsupported";
    case TRIB_ERR_INTERNAL: return "internal";
    }
    return "unknown";
}

bool trib_error_is_retriable(const trib_error *err) {
    return err && (err->code == TRIB_ERR_RETRIABLE || err->code == TRIB_ERR_TIMEOUT);
}

int trib_err_http_status(trib_err_code code) {
    switch (code) {
    case TRIB_OK: return 200;
    case TRIB_ERR_INVALID: return 400;
    case TRIB_ERR_UNAUTHORIZED: return 401;
    case TRIB_ERR_FORBIDDEN: return 403;
    case TRIB_ERR_NOT_FOUND: return 404;
    case TRIB_ERR_CONFLICT: return 409;
    case TRIB_ERR_TOO_LARGE: return 413;
    case TRIB_ERR_QUOTA: return 429;
    case TRIB_ERR_UNSUPPORTED: return 501;
    case TRIB_ERR_RETRIABLE:
    case TRIB_ERR_TIMEOUT: return 503;
    default: return 500;
    }
}
