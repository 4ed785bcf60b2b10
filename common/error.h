/*
 * error.h: Tributary's one error type.
 *
 * Every fallible function returns 0 on success or -1 on failure and fills a
 * caller-provided trib_error (which may be NULL when the caller does not care).
 * Library errors (libpq, rdkafka, bson, avro, curl) are translated where they
 * enter, with the source named at the start of the message ("postgres: ...").
 * The REST layer maps codes to HTTP statuses in one place: trib_err_http_status().
 */
#ifndef TRIB_COMMON_ERROR_H
#define TRIB_COMMON_ERROR_H

#include <stdbool.h>
#include <stddef.h>

typedef enum trib_err_code {
    TRIB_OK = 0,
    TRIB_ERR_INVALID,      /* bad input or config: the caller must change something (400) */
    TRIB_ERR_NOT_FOUND,    /* no such connector, task, plugin, path (404) */
    TRIB_ERR_CONFLICT,     /* already exists, wrong state, rebalance in progress (409) */
    TRIB_ERR_UNAUTHORIZED, /* no or bad credentials (401) */
    TRIB_ERR_FORBIDDEN,    /* valid credentials, not allowed (403) */
    TRIB_ERR_TOO_LARGE,    /* request or record over a limit (413) */
    TRIB_ERR_QUOTA,        /* tenant quota exceeded (429) */
    TRIB_ERR_RETRIABLE,    /* transient: retry with backoff (broker/db/registry blip) */
    TRIB_ERR_TIMEOUT,      /* an operation did not finish in time (retriable) */
    TRIB_ERR_FATAL,        /* permanent failure: the task goes FAILED */
    TRIB_ERR_IO,           /* file system error */
    TRIB_ERR_NOMEM,
    TRIB_ERR_UNSUPPORTED,
    TRIB_ERR_INTERNAL,     /* a bug: an invariant did not hold (500) */
} trib_err_code;

#define TRIB_ERRMSG_MAX 1024

typedef struct trib_error {
    trib_err_code code;
    char msg[TRIB_ERRMSG_MAX];
} trib_error;

/* Fills err (if not NULL) and returns -1, so callers can `return trib_error_set(...)`. */
int trib_error_set(trib_error *err, trib_err_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepends context to an existing message: "context: old message". Returns -1. */
int trib_error_prefix(trib_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void trib_error_clear(trib_error *err);

/* Short stable name of a code ("invalid", "not_found", ...). */
const char *trib_err2str(trib_err_code code);

/* Transient errors that a task loop retries with backoff. */
bool trib_error_is_retriable(const trib_error *err);

/* HTTP status for a code: the single mapping used by the REST API. */
int trib_err_http_status(trib_err_code code);

#endif
