/*
 * audit.c: the audit log of audit.h. One mutex keeps lines whole; each line
 * is written with one write() on an O_APPEND descriptor, so several workers
 * may even share a file on a local file system.
 */
#include "tenants/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/time.h"
#include "common/util.h"

struct trib_audit {
    int fd;
    pthread_mutex_t lock;
};

trib_audit *trib_audit_open(const char *path, trib_error *err) {
    trib_audit *a = trib_xcalloc(1, sizeof *a);
    a->fd = -1;
    pthread_mutex_init(&a->lock, NULL);
    if (path && *path) {
        a->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (a->fd < 0) {
            trib_error_set(err, TRIB_ERR_IO, "tenant.audit.log: cannot open '%s': %s", path, strerror(errno));
            trib_audit_close(a);
            return NULL;
        }
    }
    return a;
}

void trib_audit_close(trib_audit *a) {
    if (!a) return;
    if (a->fd >= 0) close(a->fd);
    pthread_mutex_destroy(&a->lock);
    free(a);
}

/* A JSON string from text that may hold anything: control bytes masked,
 * invalid UTF-8 replaced (jansson refuses it). */
static json_t *safe_str(const char *s) {
    if (!s) return json_null();
    size_t n = strlen(s);
    if (n > 1024) n = 1024;
    char *c = trib_xstrndup(s, n);
    for (char *p = c; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
    json_t *j = json_string(c);
    if (!j) {
        for (char *p = c; *p; p++)
            if ((unsigned char)*p >= 0x80) *p = '?';
        j = json_string(c);
    }
    free(c);
    return j;
}

void trib_audit_write(trib_audit *a, const trib_audit_event *ev) {
    int64_t ms = trib_now_ms();
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char ts[40];
    size_t n = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(ts + n, sizeof ts - n, ".%03dZ", (int)(ms % 1000));
    json_t *o = json_object();
    json_object_set_new(o, "ts", json_string(ts));
    json_object_set_new(o, "principal", safe_str(ev->principal ? ev->principal : "anonymous"));
    json_object_set_new(o, "client", safe_str(ev->client));
    json_object_set_new(o, "method", safe_str(ev->method));
    json_object_set_new(o, "path", safe_str(ev->path));
    json_object_set_new(o, "tenant", safe_str(ev->tenant));
    json_object_set_new(o, "connector", safe_str(ev->connector));
    json_object_set_new(o, "status", json_integer(ev->status));
    if (ev->detail) json_object_set_new(o, "detail", safe_str(ev->detail));
    char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (!line) return;
    TRIB_INFO("audit", "%s", line);
    if (a && a->fd >= 0) {
        size_t len = strlen(line);
        char *buf = trib_xmalloc(len + 1);
        memcpy(buf, line, len);
        buf[len] = '\n';
        pthread_mutex_lock(&a->lock);
        ssize_t w;
        do w = write(a->fd, buf, len + 1);
        while (w < 0 && errno == EINTR);
        pthread_mutex_unlock(&a->lock);
        if (w != (ssize_t)(len + 1)) TRIB_ERROR("audit", "cannot append to the audit log: %s", strerror(errno));
        free(buf);
    }
    free(line);
}
