/*
 * ident.c: SQL identifier handling for the PostgreSQL connector.
 *
 * No SQL is ever built from unquoted user text: table and column names come
 * from topics and record fields, which anyone producing to Kafka controls.
 * Every identifier is emitted double-quoted with embedded quotes doubled,
 * which is all PostgreSQL's lexer needs (it needs no libpq connection, unlike
 * PQescapeIdentifier, so DDL text can be built and unit-tested offline).
 * Names are clipped to 63 bytes at a UTF-8 boundary as the server does, so
 * the names the connector looks up in the catalog are the ones it created.
 */
#include "connectors/postgres/pg_internal.h"

#include <stdlib.h>
#include <string.h>

/* Length of the UTF-8 sequence starting at s (at most n bytes available),
 * or 0 if it is malformed (overlong, surrogate, truncated, > U+10FFFF). */
static size_t utf8_seq_len(const unsigned char *s, size_t n) {
    unsigned c = s[0];
    if (c < 0x80) return 1;
    size_t len;
    unsigned min;
    unsigned cp;
    if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; min = 0x80; }
    else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; min = 0x800; }
    else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; min = 0x10000; }
    else return 0;
    if (len > n) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

size_t trib_pg_ident_clip_len(const char *s, size_t len) {
    if (len <= TRIB_PG_IDENT_MAX) return len;
    size_t i = 0;
    while (i < len) {
        size_t l = utf8_seq_len((const unsigned char *)s + i, len - i);
        if (l == 0) l = 1;   /* malformed: count bytes; trib_pg_ident_check refuses it anyway */
        if (i + l > TRIB_PG_IDENT_MAX) break;
        i += l;
    }
    return i;
}

char *trib_pg_ident_clip(const char *s) {
    size_t len = strlen(s);
    return trib_xstrndup(s, trib_pg_ident_clip_len(s, len));
}

int trib_pg_ident_check(const char *s, const char *what, trib_error *err) {
    if (!s || !*s) return trib_error_set(err, TRIB_ERR_INVALID, "postgres: %s is empty", what);
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        size_t l = utf8_seq_len((const unsigned char *)s + i, n - i);
        if (l == 0)
            return trib_error_set(err, TRIB_ERR_INVALID, "postgres: %s is not valid UTF-8 (byte %zu)", what, i);
        i += l;
    }
    return 0;
}

void trib_pg_quote_ident(trib_strbuf *sb, const char *s) {
    size_t n = trib_pg_ident_clip_len(s, strlen(s));
    trib_strbuf_reserve(sb, n + 2);
    trib_strbuf_putc(sb, '"');
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') {
            trib_strbuf_append(sb, s + start, i - start + 1);
            trib_strbuf_putc(sb, '"');
            start = i + 1;
        }
    }
    trib_strbuf_append(sb, s + start, n - start);
    trib_strbuf_putc(sb, '"');
}

void trib_pg_quote_qualified(trib_strbuf *sb, const char *schema, const char *table) {
    if (schema) {
        trib_pg_quote_ident(sb, schema);
        trib_strbuf_putc(sb, '.');
    }
    trib_pg_quote_ident(sb, table);
}

/* Appends fmt[from, to) with ${topic} expanded; other ${...} are an error. */
static int expand(trib_strbuf *out, const char *fmt, size_t from, size_t to, const char *topic,
                  trib_error *err) {
    for (size_t i = from; i < to;) {
        if (fmt[i] == '$' && i + 1 < to && fmt[i + 1] == '{') {
            const char *close = memchr(fmt + i, '}', to - i);
            if (!close)
                return trib_error_set(err, TRIB_ERR_INVALID,
                                      "postgres: table.name.format '%s' has an unclosed ${", fmt);
            size_t nlen = (size_t)(close - (fmt + i + 2));
            if (nlen == 5 && memcmp(fmt + i + 2, "topic", 5) == 0) {
                trib_strbuf_puts(out, topic);
            } else {
                return trib_error_set(err, TRIB_ERR_INVALID,
                                      "postgres: table.name.format '%s' uses unknown placeholder ${%.*s} (only ${topic})",
                                      fmt, (int)nlen, fmt + i + 2);
            }
            i = (size_t)(close - fmt) + 1;
        } else {
            trib_strbuf_putc(out, fmt[i]);
            i++;
        }
    }
    return 0;
}

int trib_pg_table_name_format(const char *format, const char *topic, char **schema, char **table,
                              trib_error *err) {
    *schema = NULL;
    *table = NULL;
    size_t n = strlen(format);
    /* The first '.' outside ${...} splits schema from table. */
    size_t dot = n;
    int depth = 0;
    for (size_t i = 0; i < n; i++) {
        if (format[i] == '$' && i + 1 < n && format[i + 1] == '{') depth = 1, i++;
        else if (format[i] == '}' && depth) depth = 0;
        else if (format[i] == '.' && !depth) { dot = i; break; }
    }
    trib_strbuf s, t;
    trib_strbuf_init(&s);
    trib_strbuf_init(&t);
    if (dot < n) {
        if (expand(&s, format, 0, dot, topic, err) < 0 || expand(&t, format, dot + 1, n, topic, err) < 0)
            goto fail;
    } else if (expand(&t, format, 0, n, topic, err) < 0) {
        goto fail;
    }
    char *ts = trib_strbuf_take(&t);
    if (trib_pg_ident_check(ts, "table name (from table.name.format)", err) < 0) {
        free(ts);
        goto fail;
    }
    *table = trib_pg_ident_clip(ts);
    free(ts);
    if (dot < n) {
        char *ss = trib_strbuf_take(&s);
        if (trib_pg_ident_check(ss, "schema name (from table.name.format)", err) < 0) {
            free(ss);
            free(*table);
            *table = NULL;
            goto fail;
        }
        *schema = trib_pg_ident_clip(ss);
        free(ss);
    }
    trib_strbuf_free(&s);
    return 0;
fail:
    trib_strbuf_free(&s);
    trib_strbuf_free(&t);
    return -1;
}
