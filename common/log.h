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

/* Line format (worker property tributary.log.format). TEXT is the line
 * shown above. JSON is one object per line for log shippers:
 *   {"time":"2026-11-23T03:05:06.123Z","level":"INFO","logger":"worker",
 *    "connector":"orders","task":0,"message":"task is RUNNING"}
 * where connector and task come from a leading "[connector:task]" (or
 * "[connector]") in the message, the convention of every task and
 * connector line, and are left out when there is none. The message is the
 * same text as in TEXT format, so JSON prints nothing TEXT would not. */
typedef enum trib_log_format {
    TRIB_LOG_FORMAT_TEXT,
    TRIB_LOG_FORMAT_JSON,
} trib_log_format;
void trib_log_set_format(trib_log_format f);
/* "text" / "json" (any case); -1 if unknown. */
int trib_log_format_parse(const char *name, trib_log_format *out);

/* Formats one JSON log line (with its newline) into buf; for tests and
 * trib_log. Returns the length written (truncated messages end in "..."). */
size_t trib_log_format_json(char *buf, size_t cap, const char *time, trib_log_level level, const char *facility,
                            const char *message);

/* Effective level of a name (longest configured prefix). */
trib_log_level trib_log_effective(const char *name);

#endif
