/*
 * log.c: the logger registry behind log.h. A small sorted table under one
 * mutex: log calls are not on the per-record hot path, and level changes are
 * rare REST calls, so simplicity wins over lock-free tricks.
 */
#include "common/log.h"
#include "common/time.h"

#include <ctype.h>
#include <pthread.h>
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
    int n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %-5s [%s] ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, ts.tv_nsec / 1000000, level_names[level], facility);
    va_list ap;
    va_start(ap, fmt);
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
