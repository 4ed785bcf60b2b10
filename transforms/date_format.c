/*
 * date_format.c: a SimpleDateFormat-compatible formatter/parser in UTC for
 * TimestampConverter (see date_format.h for the supported subset).
 *
 * A pattern compiles to a list of elements, each a literal string or a
 * field (letter + repeat count), following SimpleDateFormat's lexing:
 * runs of the same unquoted letter are one field, '...' quotes text and ''
 * is a quote.
 */
#include "transforms/date_format.h"

#include "common/time.h"
#include "common/util.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct elem {
    char letter;   /* 0 for a literal */
    int count;
    char *text;    /* literal text */
} elem;

struct trib_datefmt {
    char *pattern;
    elem *e;
    size_t n;
};

static const char *const MONTHS[] = {"January", "February", "March", "April", "May", "June", "July",
                                     "August", "September", "October", "November", "December"};
static const char *const DAYS[] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};

/* ---- calendar ------------------------------------------------------------ */

/* ---- compile ----------------------------------------------------------------- */

static void add_literal(trib_datefmt *f, size_t *cap, const char *s, size_t n) {
    if (n == 0) return;
    if (f->n && f->e[f->n - 1].letter == 0) {  /* merge adjacent literals */
        elem *l = &f->e[f->n - 1];
        size_t old = strlen(l->text);
        l->text = trib_xrealloc(l->text, old + n + 1);
        memcpy(l->text + old, s, n);
        l->text[old + n] = '\0';
        return;
    }
    if (f->n == *cap) f->e = trib_xrealloc(f->e, (*cap = *cap ? *cap * 2 : 8) * sizeof(elem));
    f->e[f->n++] = (elem){0, 0, trib_xstrndup(s, n)};
}

trib_datefmt *trib_datefmt_compile(const char *pattern, trib_error *err) {
    trib_datefmt *f = trib_xcalloc(1, sizeof *f);
    f->pattern = trib_xstrdup(pattern);
    size_t cap = 0;
    const char *p = pattern;
    while (*p) {
        if (*p == '\'') {
            if (p[1] == '\'') { add_literal(f, &cap, "'", 1); p += 2; continue; }
            p++;
            trib_strbuf sb;
            trib_strbuf_init(&sb);
            for (;;) {
                if (!*p) {
                    trib_strbuf_free(&sb);
                    trib_datefmt_free(f);
                    trib_error_set(err, TRIB_ERR_INVALID, "Unterminated quote");
                    return NULL;
                }
                if (*p == '\'') {
                    if (p[1] == '\'') { trib_strbuf_putc(&sb, '\''); p += 2; continue; }
                    p++;
                    break;
                }
                trib_strbuf_putc(&sb, *p++);
            }
            if (sb.len) add_literal(f, &cap, sb.data, sb.len);
            trib_strbuf_free(&sb);
            continue;
        }
        if (isalpha((unsigned char)*p)) {
            char c = *p;
            int count = 0;
            while (*p == c) { p++; count++; }
            if (!strchr("GyMdkHmsSEDFwWahKzZYuXL", c)) {
                trib_datefmt_free(f);
                trib_error_set(err, TRIB_ERR_INVALID, "Illegal pattern character '%c'", c);
                return NULL;
            }
            if (strchr("GYwWF", c)) {
                trib_datefmt_free(f);
                trib_error_set(err, TRIB_ERR_INVALID,
                               "pattern letter '%c' is not supported by Tributary (supported: y M L d H k K h m s S E u D a z Z X)",
                               c);
                return NULL;
            }
            if (c == 'X' && count > 3) {
                trib_datefmt_free(f);
                trib_error_set(err, TRIB_ERR_INVALID, "invalid ISO 8601 format: length=%d", count);
                return NULL;
            }
            if (f->n == cap) f->e = trib_xrealloc(f->e, (cap = cap ? cap * 2 : 8) * sizeof(elem));
            f->e[f->n++] = (elem){c, count, NULL};
            continue;
        }
        add_literal(f, &cap, p, 1);
        p++;
    }
    return f;
}

void trib_datefmt_free(trib_datefmt *f) {
    if (!f) return;
    for (size_t i = 0; i < f->n; i++) free(f->e[i].text);
    free(f->e);
    free(f->pattern);
    free(f);
}

const char *trib_datefmt_pattern(const trib_datefmt *f) {
    return f->pattern;
}

/* ---- format ----------------------------------------------------------------- */

static void put_num(trib_strbuf *sb, int64_t v, int width) {
    if (v < 0) {
        trib_strbuf_putc(sb, '-');
        v = -v;
    }
    trib_strbuf_printf(sb, "%0*lld", width, (long long)v);
}

char *trib_datefmt_format(const trib_datefmt *f, int64_t ms) {
    int64_t days = trib_floor_div(ms, 86400000);
    int64_t in_day = ms - days * 86400000;
    int64_t year;
    int month, mday;
    trib_civil_from_days(days, &year, &month, &mday);
    int hour = (int)(in_day / 3600000), minute = (int)(in_day / 60000 % 60), sec = (int)(in_day / 1000 % 60);
    int milli = (int)(in_day % 1000);
    int dow = (int)(trib_floor_div(days + 3, 7) * -7 + days + 3); /* 0 = Monday (1970-01-01 was a Thursday) */
    int64_t doy = days - trib_days_from_civil(year, 1, 1) + 1;

    trib_strbuf sb;
    trib_strbuf_init(&sb);
    for (size_t i = 0; i < f->n; i++) {
        const elem *e = &f->e[i];
        int c = e->count;
        switch (e->letter) {
        case 0: trib_strbuf_puts(&sb, e->text); break;
        case 'y': {
            int64_t yoe = year <= 0 ? 1 - year : year; /* year of era, as Java prints */
            if (c == 2) put_num(&sb, yoe % 100, 2);
            else put_num(&sb, yoe, c);
            break;
        }
        case 'M':
        case 'L':
            if (c >= 4) trib_strbuf_puts(&sb, MONTHS[month - 1]);
            else if (c == 3) trib_strbuf_append(&sb, MONTHS[month - 1], 3);
            else put_num(&sb, month, c);
            break;
        case 'd': put_num(&sb, mday, c); break;
        case 'H': put_num(&sb, hour, c); break;
        case 'k': put_num(&sb, hour == 0 ? 24 : hour, c); break;
        case 'K': put_num(&sb, hour % 12, c); break;
        case 'h': put_num(&sb, hour % 12 == 0 ? 12 : hour % 12, c); break;
        case 'm': put_num(&sb, minute, c); break;
        case 's': put_num(&sb, sec, c); break;
        case 'S': put_num(&sb, milli, c); break;
        case 'E':
            if (c >= 4) trib_strbuf_puts(&sb, DAYS[dow]);
            else trib_strbuf_append(&sb, DAYS[dow], 3);
            break;
        case 'u': put_num(&sb, dow + 1, c); break;
        case 'D': put_num(&sb, doy, c); break;
        case 'a': trib_strbuf_puts(&sb, hour < 12 ? "AM" : "PM"); break;
        case 'z': trib_strbuf_puts(&sb, c >= 4 ? "Coordinated Universal Time" : "UTC"); break;
        case 'Z': trib_strbuf_puts(&sb, "+0000"); break;
        case 'X': trib_strbuf_putc(&sb, 'Z'); break;
        }
    }
    return trib_strbuf_take(&sb);
}

/* ---- parse ------------------------------------------------------------------ */

static bool is_numeric_field(const elem *e) {
    if (!e || e->letter == 0) return false;
    if (e->letter == 'M' || e->letter == 'L') return e->count <= 2;
    return strchr("ydHkKhmsSuD", e->letter) != NULL;
}

/* Digits at *p: exactly `width` when width > 0, else as many as there are. */
static bool parse_digits(const char **p, int width, int64_t *out, int *ndigits) {
    const char *s = *p;
    int64_t v = 0;
    int n = 0;
    while (isdigit((unsigned char)s[n]) && (width <= 0 || n < width)) {
        if (v > INT32_MAX / 10) return false; /* Calendar fields are Java ints */
        v = v * 10 + (s[n] - '0');
        n++;
    }
    if (n == 0 || (width > 0 && n != width)) return false;
    *p = s + n;
    *out = v;
    if (ndigits) *ndigits = n;
    return true;
}

/* Index of the longest name matching at *p (case-insensitive): full names
 * first, then three-letter abbreviations. */
static int parse_name(const char **p, const char *const *names, int n) {
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < n; i++) {
            size_t len = pass == 0 ? strlen(names[i]) : 3;
            if (strncasecmp(*p, names[i], len) == 0) {
                *p += len;
                return i;
            }
        }
    }
    return -1;
}

/* "+hh:mm", "+hhmm", "+hh" (and "Z" when allow_z); minutes east of UTC. */
static bool parse_offset(const char **p, bool allow_z, int64_t *minutes) {
    const char *s = *p;
    if (allow_z && (*s == 'Z' || *s == 'z')) {
        *minutes = 0;
        *p = s + 1;
        return true;
    }
    if (strncasecmp(s, "UTC", 3) == 0 || strncasecmp(s, "GMT", 3) == 0) {
        s += 3;
        if (*s != '+' && *s != '-') {
            *minutes = 0;
            *p = s;
            return true;
        }
    }
    if (*s != '+' && *s != '-') return false;
    int sign = *s++ == '-' ? -1 : 1;
    if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1])) return false;
    int64_t h = (s[0] - '0') * 10 + (s[1] - '0'), m = 0;
    s += 2;
    if (*s == ':') s++;
    if (isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1])) {
        m = (s[0] - '0') * 10 + (s[1] - '0');
        s += 2;
    }
    *minutes = sign * (h * 60 + m);
    *p = s;
    return true;
}

int trib_datefmt_parse(const trib_datefmt *f, const char *text, int64_t *out, trib_error *err) {
    int64_t year = 1970, month = 1, mday = 1, doy = -1, hour = 0, minute = 0, sec = 0, milli = 0, offset_min = 0;
    int ampm = -1;          /* -1 unset, 0 AM, 1 PM */
    bool twelve_hour = false;
    bool have_month_or_day = false;
    const char *p = text;
    for (size_t i = 0; i < f->n; i++) {
        const elem *e = &f->e[i];
        const elem *next = i + 1 < f->n ? &f->e[i + 1] : NULL;
        /* Abutting numeric fields take exactly their width. */
        int width = is_numeric_field(e) && is_numeric_field(next) ? e->count : 0;
        int64_t v;
        int nd = 0;
        switch (e->letter) {
        case 0: {
            size_t n = strlen(e->text);
            if (strncmp(p, e->text, n) != 0) goto fail;
            p += n;
            break;
        }
        case 'y': {
            bool neg = false;
            if (*p == '-' && !width) { neg = true; p++; }
            if (!parse_digits(&p, width, &v, &nd)) goto fail;
            if (e->count <= 2 && nd == 2 && !neg) {
                /* SimpleDateFormat's default century: 80 years back. */
                int64_t now_days = trib_floor_div(trib_now_ms(), 86400000);
                int64_t cy; int cm, cd;
                trib_civil_from_days(now_days, &cy, &cm, &cd);
                int64_t start = cy - 80;
                int64_t amb = start % 100;
                v += (start / 100) * 100 + (v < amb ? 100 : 0);
            }
            year = neg ? -v : v;
            break;
        }
        case 'M':
        case 'L':
            if (e->count >= 3) {
                int m = parse_name(&p, MONTHS, 12);
                if (m < 0) goto fail;
                month = m + 1;
            } else {
                if (!parse_digits(&p, width, &month, NULL)) goto fail;
            }
            have_month_or_day = true;
            break;
        case 'd':
            if (!parse_digits(&p, width, &mday, NULL)) goto fail;
            have_month_or_day = true;
            break;
        case 'D':
            if (!parse_digits(&p, width, &doy, NULL)) goto fail;
            break;
        case 'H':
            if (!parse_digits(&p, width, &hour, NULL)) goto fail;
            break;
        case 'k':
            if (!parse_digits(&p, width, &hour, NULL)) goto fail;
            if (hour == 24) hour = 0;
            break;
        case 'K':
            if (!parse_digits(&p, width, &hour, NULL)) goto fail;
            twelve_hour = true;
            break;
        case 'h':
            if (!parse_digits(&p, width, &hour, NULL)) goto fail;
            if (hour == 12) hour = 0;
            twelve_hour = true;
            break;
        case 'm':
            if (!parse_digits(&p, width, &minute, NULL)) goto fail;
            break;
        case 's':
            if (!parse_digits(&p, width, &sec, NULL)) goto fail;
            break;
        case 'S':
            if (!parse_digits(&p, width, &milli, NULL)) goto fail;
            break;
        case 'u':
            if (!parse_digits(&p, width, &v, NULL)) goto fail;
            break;
        case 'E':
            if (parse_name(&p, DAYS, 7) < 0) goto fail;
            break;
        case 'a':
            if (strncasecmp(p, "AM", 2) == 0) ampm = 0;
            else if (strncasecmp(p, "PM", 2) == 0) ampm = 1;
            else goto fail;
            p += 2;
            break;
        case 'z':
        case 'Z':
            if (strncasecmp(p, "Coordinated Universal Time", 26) == 0) {
                p += 26;
                offset_min = 0;
            } else if (!parse_offset(&p, e->letter == 'z', &offset_min)) {
                goto fail;
            }
            break;
        case 'X':
            if (!parse_offset(&p, true, &offset_min)) goto fail;
            break;
        }
    }
    if (twelve_hour && ampm == 1) hour += 12;
    if (year > 200000000 || year < -200000000) goto fail; /* beyond what int64 milliseconds hold */
    int64_t days = doy >= 0 && !have_month_or_day ? trib_days_from_civil(year, 1, 1) + doy - 1
                                                   : trib_days_from_civil(year, month, mday);
    *out = days * 86400000 + hour * 3600000 + minute * 60000 + sec * 1000 + milli - offset_min * 60000;
    return 0;
fail:
    return trib_error_set(err, TRIB_ERR_INVALID, "Could not parse timestamp: value (%s) does not match pattern (%s)",
                          text, f->pattern);
}
