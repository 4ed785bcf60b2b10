/*
 * log.c: the logger registry behind log.h. A small sorted table under one
 * mutex: log calls are not on the per-record hot path, and level changes are
 * rare REST calls, so simplicity wins over lock-free tricks.
 */
#include "common/log.h"
#include "common/time.h"

#include <ctype.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define LOGGERS_MAX 128

typedef struct logger {
    char name[128];
    trib_log_level level;
    int64_t last_modified_ms;
} logger;

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static logger loggers[LOGGERS_MAX] = {{"root", TRIB_LOG_INFO, 0}};
static size_t nloggers = 1;
static int env_checked = 0;

static const char *level_names[] = {"OFF", "ERROR", "WARN", "INFO", "DEBUG", "TRACE"};
static atomic_int log_format = TRIB_LOG_FORMAT_TEXT;

void trib_log_set_format(trib_log_format f) {
    atomic_store(&log_format, (int)f);
}

int trib_log_format_parse(const char *name, trib_log_format *out) {
    if (name && strcasecmp(name, "text") == 0) *out = TRIB_LOG_FORMAT_TEXT;
    else if (name && strcasecmp(name, "json") == 0) *out = TRIB_LOG_FORMAT_JSON;
    else return -1;
    return 0;
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *p, size_t n) {
    size_t len = p[0] < 0x80 ? 1 : (p[0] & 0xE0) == 0xC0 ? 2 : (p[0] & 0xF0) == 0xE0 ? 3 : (p[0] & 0xF8) == 0xF0 ? 4 : 0;
    if (len == 0 || len > n || (len == 2 && p[0] < 0xC2)) return 0;
    for (size_t i = 1; i < len; i++)
        if ((p[i] & 0xC0) != 0x80) return 0;
    return len;
}

/* A JSON string of s[0..n): bytes that are not UTF-8 (a file's raw
 * content in an error message) become '?', since jansson refuses them. */
static json_t *json_text(const char *s, size_t n) {
    char *c = malloc(n + 1);
    if (!c) return json_string("");
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t l = utf8_len((const unsigned char *)s + i, n - i);
        if (l == 0) { c[o++] = '?'; i++; continue; }
        memcpy(c + o, s + i, l);
        o += l;
        i += l;
    }
    json_t *j = json_stringn(c, o);
    free(c);
    return j ? j : json_string("");
}

size_t trib_log_format_json(char *buf, size_t cap, const char *time, trib_log_level level, const char *facility,
                            const char *message) {
    /* "[connector:task] rest" or "[connector] rest": the context of the line */
    const char *msg = message, *conn = NULL;
    size_t conn_len = 0;
    long long task = -1;
    if (message[0] == '[') {
        const char *end = strchr(message, ']');
        if (end && end > message + 1) {
            conn = message + 1;
            conn_len = (size_t)(end - conn);
            const char *colon = memrchr(conn, ':', conn_len);
            if (colon && colon + 1 < end && strspn(colon + 1, "0123456789") == (size_t)(end - colon - 1) &&
                end - colon - 1 < 10) {
                task = atoll(colon + 1);
                conn_len = (size_t)(colon - conn);
            }
            msg = end[1] == ' ' ? end + 2 : end + 1;
        }
    }
    size_t msg_len = strlen(msg);
    for (int attempt = 0;; attempt++) {
        json_t *o = json_object();
        json_object_set_new(o, "time", json_string(time));
        json_object_set_new(o, "level", json_string(trib_log_level_name(level)));
        json_object_set_new(o, "logger", json_text(facility, strlen(facility)));
        if (conn) json_object_set_new(o, "connector", json_text(conn, conn_len));
        if (task >= 0) json_object_set_new(o, "task", json_integer(task));
        json_t *m = json_text(msg, msg_len);
        if (attempt > 0) {   /* shortened to fit: say so */
            char *t = malloc(json_string_length(m) + 4);
            if (t) {
                memcpy(t, json_string_value(m), json_string_length(m));
                memcpy(t + json_string_length(m), "...", 4);
                json_string_set(m, t);
                free(t);
            }
        }
        json_object_set_new(o, "message", m);
        size_t n = json_dumpb(o, buf, cap > 1 ? cap - 1 : 0, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(o);
        if (n + 1 < cap) {
            buf[n] = '\n';
            buf[n + 1] = '\0';
            return n + 1;
        }
        if (attempt == 3 || msg_len == 0) {   /* cannot fit: an empty line is better than a broken one */
            if (cap) buf[0] = '\0';
            return 0;
        }
        /* JSON escaping at most sextuples a byte (\u00XX) */
        size_t over = n + 2 - cap + 8;
        msg_len = over >= msg_len ? 0 : msg_len - over;
        while (msg_len > 0 && ((unsigned char)msg[msg_len] & 0xC0) == 0x80) msg_len--;   /* whole characters */
    }
}

const char *trib_log_level_name(trib_log_level level) {
    if (level < TRIB_LOG_OFF || level > TRIB_LOG_TRACE) return "INFO";
    return level_names[level];
}

int trib_log_level_parse(const char *name, trib_log_level *out) {
    if (!name) return -1;
    for (int i = 0; i <= TRIB_LOG_TRACE; i++) {
        if (strcasecmp(name, level_names[i]) == 0) {
            *out = (trib_log_level)i;
            return 0;
        }
    }
    if (strcasecmp(name, "WARNING") == 0) { *out = TRIB_LOG_WARN; return 0; }
    if (strcasecmp(name, "FATAL") == 0) { *out = TRIB_LOG_ERROR; return 0; }
    return -1;
}

/* TRIB_LOG_LEVEL=DEBUG in the environment sets root once, before first use. */
static void check_env_locked(void) {
    if (env_checked) return;
    env_checked = 1;
    const char *e = getenv("TRIB_LOG_LEVEL");
    trib_log_level lvl;
    if (e && trib_log_level_parse(e, &lvl) == 0) loggers[0].level = lvl;
}

static trib_log_level effective_locked(const char *name) {
    check_env_locked();
    trib_log_level lvl = loggers[0].level;
    size_t best = 0;
    for (size_t i = 1; i < nloggers; i++) {
        size_t n = strlen(loggers[i].name);
        if (n > best && strncmp(name, loggers[i].name, n) == 0 &&
            (name[n] == '\0' || name[n] == '.')) {
            best = n;
            lvl = loggers[i].level;
        }
    }
    return lvl;
}

trib_log_level trib_log_effective(const char *name) {
    pthread_mutex_lock(&log_lock);
    trib_log_level l = effective_locked(name ? name : "root");
    pthread_mutex_unlock(&log_lock);
    return l;
}

bool trib_log_enabled(trib_log_level level, const char *facility) {
    return level != TRIB_LOG_OFF && level <= trib_log_effective(facility);
}

void trib_log(trib_log_level level, const char *facility, const char *fmt, ...) {
    if (!trib_log_enabled(level, facility)) return;
    char line[2048];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[32];
    snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
    va_list ap;
    va_start(ap, fmt);
    if (atomic_load(&log_format) == TRIB_LOG_FORMAT_JSON) {
        char msg[2048], out[4096];
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        if (trib_log_format_json(out, sizeof out, when, level, facility, msg) > 0) fputs(out, stderr);
        return;
    }
    int n = snprintf(line, sizeof line, "%s %-5s [%s] ", when, level_names[level], facility);
    if (n > 0 && (size_t)n < sizeof line) vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    /* One fputs per line keeps lines from different threads whole. */
    size_t len = strlen(line);
    if (len + 1 < sizeof line) { line[len] = '\n'; line[len + 1] = '\0'; }
    fputs(line, stderr);
}

int trib_log_set_level(const char *name, trib_log_level level) {
    if (!name || !*name || strlen(name) >= sizeof loggers[0].name) return -1;
    pthread_mutex_lock(&log_lock);
    check_env_locked();
    size_t i;
    for (i = 0; i < nloggers; i++)
        if (strcmp(loggers[i].name, name) == 0) break;
    if (i == nloggers) {
        if (nloggers == LOGGERS_MAX) { pthread_mutex_unlock(&log_lock); return -1; }
        nloggers++;
        snprintf(loggers[i].name, sizeof loggers[i].name, "%s", name);
    }
    loggers[i].level = level;
    loggers[i].last_modified_ms = trib_now_ms();
    pthread_mutex_unlock(&log_lock);
    return 0;
}

static int cmp_logger(const void *a, const void *b) {
    return strcmp(((const logger *)a)->name, ((const logger *)b)->name);
}

void trib_log_foreach(trib_log_visit_fn fn, void *opaque) {
    logger copy[LOGGERS_MAX];
    pthread_mutex_lock(&log_lock);
    check_env_locked();
    size_t n = nloggers;
    memcpy(copy, loggers, n * sizeof *copy);
    pthread_mutex_unlock(&log_lock);
    qsort(copy, n, sizeof *copy, cmp_logger);
    for (size_t i = 0; i < n; i++) fn(copy[i].name, copy[i].level, copy[i].last_modified_ms, opaque);
}
