/*
 * log.h: leveled logging with a facility tag, and named loggers whose levels
 * change at run time (GET/PUT /admin/loggers).
 *
 * A facility is a dotted name ("worker", "worker.source", "connector.postgres").
 * Its effective level is that of the longest configured prefix, else "root".
 * Lines go to stderr as: 2026-11-23T03:05:06.123Z INFO  [worker] message
 * Never pass secrets to these functions: redact before logging.
 */
#ifndef TRIB_COMMON_LOG_H
#define TRIB_COMMON_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum trib_log_level {
    TRIB_LOG_OFF = 0,
    TRIB_LOG_ERROR,
    TRIB_LOG_WARN,
    TRIB_LOG_INFO,
    TRIB_LOG_DEBUG,
    TRIB_LOG_TRACE,
} trib_log_level;

void trib_log(trib_log_level level, const char *facility, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

bool trib_log_enabled(trib_log_level level, const char *facility);

#define TRIB_ERROR(fac, ...) trib_log(TRIB_LOG_ERROR, fac, __VA_ARGS__)
#define TRIB_WARN(fac, ...)  trib_log(TRIB_LOG_WARN, fac, __VA_ARGS__)
#define TRIB_INFO(fac, ...)  trib_log(TRIB_LOG_INFO, fac, __VA_ARGS__)
#define TRIB_DEBUG(fac, ...) do { if (trib_log_enabled(TRIB_LOG_DEBUG, fac)) trib_log(TRIB_LOG_DEBUG, fac, __VA_ARGS__); } while (0)

/* "ERROR", "WARN", ... ; parsing accepts any case and returns -1 if unknown. */
const char *trib_log_level_name(trib_log_level level);
int trib_log_level_parse(const char *name, trib_log_level *out);

/* Sets a logger's level (name "root" or a facility prefix). Thread-safe. */
int trib_log_set_level(const char *name, trib_log_level level);

/* Visits every explicitly configured logger (including root) in name order.
 * last_modified_ms is 0 for loggers never changed at run time. */
typedef void (*trib_log_visit_fn)(const char *name, trib_log_level level,
                                  int64_t last_modified_ms, void *opaque);
void trib_log_foreach(trib_log_visit_fn fn, void *opaque);

/* Effective level of a name (longest configured prefix). */
trib_log_level trib_log_effective(const char *name);

#endif
