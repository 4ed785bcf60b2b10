/*
 * util.h: small helpers every module uses: allocation that aborts on
 * exhaustion (a worker that cannot allocate a few bytes cannot do anything
 * useful, and checking every strdup hides real logic), growable string and
 * byte buffers, whole-file reads and atomic file replacement, list splitting.
 */
#ifndef TRIB_COMMON_UTIL_H
#define TRIB_COMMON_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

void *trib_xmalloc(size_t n);
void *trib_xcalloc(size_t n, size_t size);
void *trib_xrealloc(void *p, size_t n);
char *trib_xstrdup(const char *s);              /* NULL -> NULL */
char *trib_xstrndup(const char *s, size_t n);
char *trib_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Growable NUL-terminated string / byte buffer. data is NULL until the first append. */
typedef struct trib_strbuf {
    char *data;
    size_t len, cap;
} trib_strbuf;

void trib_strbuf_init(trib_strbuf *sb);
void trib_strbuf_reserve(trib_strbuf *sb, size_t extra);
void trib_strbuf_append(trib_strbuf *sb, const void *data, size_t n);
void trib_strbuf_puts(trib_strbuf *sb, const char *s);
void trib_strbuf_putc(trib_strbuf *sb, char c);
void trib_strbuf_printf(trib_strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void trib_strbuf_reset(trib_strbuf *sb);       /* len = 0, keeps memory */
char *trib_strbuf_take(trib_strbuf *sb);       /* caller owns the string ("" if empty); sb is reset */
void trib_strbuf_free(trib_strbuf *sb);

/* Whole file into a NUL-terminated malloc'd buffer; len may be NULL. */
char *trib_read_file(const char *path, size_t *len, trib_error *err);
/* Writes path.tmp, fsyncs, renames over path: readers see old or new, never half. */
int trib_write_file_atomic(const char *path, const void *data, size_t len, trib_error *err);
/* A JSON object a store keeps in a file (written with
 * trib_write_file_atomic): a new reference; an empty object when the file
 * does not exist yet (first start); NULL with err naming `what` when it
 * cannot be read or is not a JSON object. */
struct json_t *trib_read_json_object_file(const char *path, const char *what, trib_error *err);

/* Splits a comma-separated list, trimming whitespace and dropping empty
 * items (Connect's LIST type). Returns a NULL-terminated malloc'd array;
 * free with trib_strv_free. */
char **trib_split_list(const char *s, size_t *n);
void trib_strv_free(char **v);

char *trib_trim(char *s);                      /* in place; returns s advanced */
bool trib_str_endswith(const char *s, const char *suffix);
bool trib_str_startswith(const char *s, const char *prefix);

/* Strict integer parsing of the whole string; -1 on junk or overflow. */
int trib_parse_int64(const char *s, int64_t *out);
int trib_parse_double(const char *s, double *out);
int trib_parse_bool(const char *s, bool *out); /* "true"/"false", any case */

/* a / b rounded toward minus infinity (C's / truncates toward zero);
 * b > 0. Days of a negative epoch time, for example. */
static inline int64_t trib_floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
    return q;
}

/* Checked arithmetic for counts and sizes that come from input (configs,
 * bodies, the config topic): signed overflow is undefined behaviour, and a
 * hostile tasks.max once wrapped a quota sum. The _sat forms clamp to
 * INT64_MAX/INT64_MIN, which compares correctly against any limit. */
static inline int64_t trib_add_i64_sat(int64_t a, int64_t b) {
    int64_t r;
    if (__builtin_add_overflow(a, b, &r)) return a > 0 ? INT64_MAX : INT64_MIN;
    return r;
}

/* 64-bit FNV-1a, stable across processes and versions (slot placement). */
uint64_t trib_fnv1a(const void *data, size_t n);

/* Fills buf with n bytes from the kernel's CSPRNG (getrandom(2)). Used for
 * secrets, keys and ids instead of OpenSSL's RAND_bytes: the first RAND call
 * initialises OpenSSL (config file, providers, DRBG), several MB of resident
 * memory in a worker that may never need OpenSSL otherwise. */
int trib_random_bytes(void *buf, size_t n, trib_error *err);

#endif
