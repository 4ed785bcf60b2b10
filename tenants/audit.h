/*
 * audit.h: the audit log of every write made through the REST API (who,
 * what, when, from where, and the outcome), as JSON lines appended to the
 * file named by the worker property tenant.audit.log, and as INFO lines of
 * the log facility "audit". Refused attempts (401/403/429) are recorded too.
 * Bodies are never recorded: they can hold secrets.
 */
#ifndef TRIB_TENANTS_AUDIT_H
#define TRIB_TENANTS_AUDIT_H

#include "common/error.h"

typedef struct trib_audit trib_audit;

/* path NULL: the log facility only. The file is opened in append mode
 * (created 0600). */
trib_audit *trib_audit_open(const char *path, trib_error *err);
void trib_audit_close(trib_audit *a);   /* NULL-safe */

typedef struct trib_audit_event {
    const char *principal;   /* "admin", "tenant:acme key:<id>", "anonymous" */
    const char *client;      /* client address or NULL */
    const char *method;
    const char *path;        /* raw request path (control bytes are masked) */
    const char *tenant;      /* or NULL */
    const char *connector;   /* the full connector name, or NULL */
    int status;
    const char *detail;      /* short outcome text (error message) or NULL */
} trib_audit_event;

/* One JSON line with "ts" (ISO 8601 UTC, ms) added. Thread-safe. A NULL
 * audit logs to the facility only. */
void trib_audit_write(trib_audit *a, const trib_audit_event *ev);

#endif
