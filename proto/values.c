/*
 * values.c: Connect's Values.parseString and Values.convertToString
 * (values.h), the string forms behind SimpleHeaderConverter and
 * InsertHeader's value.literal.
 *
 * The parser follows Connect's token model so the same text gives the same
 * schema: text is split at unescaped  : , { } [ ] "  (a backslash escapes
 * the next character, and stays in the token); whitespace-only tokens are
 * skipped where a delimiter is expected. A top-level value that fails as
 * an array or map, or leaves tokens unread after true/false/null, is the
 * whole text as a STRING, as in Connect. Connect reads dates with the
 * JVM's default time zone; Tributary always uses UTC (what a Connect worker
 * in a container runs with).
 *
 * Where Connect gives an array or map a schema without an element schema
 * (arrayOfNull, mapWithNullValues: elements of no common type, or only
 * nulls), Tributary leaves the value schemaless (NULL schema), since its
 * schemas always carry their element schema; the values are the same.
 */
#include "proto/values.h"

#include "common/time.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "proto/json_converter.h"

#define MS_PER_DAY 86400000LL

/* ---- tokens (Connect's Values.Parser) ------------------------------------------------ */

typedef struct tok {
    size_t at, len;
} tok;

typedef struct vparser {
    const char *s;
    size_t n, pos;
    bool have_next; /* a token read ahead by is_next */
    tok next;
} vparser;

static bool is_delim(char c) {
    return c == ':' || c == ',' || c == '{' || c == '}' || c == '[' || c == ']' || c == '"';
}

static tok consume_token(vparser *p) {
    bool escaped = false;
    size_t start = p->pos;
    while (p->pos < p->n) {
        char c = p->s[p->pos];
        if (c == '\\') {
            escaped = !escaped;
        } else if (is_delim(c)) {
            if (!escaped) {
                if (start < p->pos) return (tok){start, p->pos - start};
                p->pos++;
                return (tok){start, 1};
            }
            escaped = false;
        } else {
            escaped = false;
        }
        p->pos++;
    }
    return (tok){start, p->pos - start};
}

static size_t mark(const vparser *p) { return p->pos - (p->have_next ? p->next.len : 0); }
static void rewind_to(vparser *p, size_t at) {
    p->pos = at;
    p->have_next = false;
}
static bool has_next(const vparser *p) { return p->have_next || p->pos < p->n; }

static tok next_token(vparser *p) {
    if (p->have_next) {
        p->have_next = false;
        return p->next;
    }
    return consume_token(p);
}

/* Java's String.trim: drops characters <= ' ' at both ends. */
static void trim(const char *s, tok *t) {
    while (t->len && (unsigned char)s[t->at] <= ' ') t->at++, t->len--;
    while (t->len && (unsigned char)s[t->at + t->len - 1] <= ' ') t->len--;
}

static bool is_next(vparser *p, const char *expected) {
    if (!p->have_next) {
        if (!has_next(p)) return false;
        p->next = consume_token(p);
        p->have_next = true;
    }
    tok t = p->next;
    trim(p->s, &t);
    while (t.len == 0 && p->pos < p->n) {
        p->next = consume_token(p);
        t = p->next;
        trim(p->s, &t);
    }
    return t.len == strlen(expected) && memcmp(p->s + t.at, expected, t.len) == 0;
}

static bool can_consume(vparser *p, const char *expected) {
    if (!is_next(p, expected)) return false;
    p->have_next = false;
    return true;
}

/* ---- temporal literals ----------------------------------------------------------------- */

/* Matches a SimpleDateFormat-like pattern leniently, as Java's default
 * lenient parsing does: each numeric field is one or more digits (at most
 * 9), out-of-range values roll over, text after the pattern is ignored.
 * Pattern letters: y M d H m s S; other characters are literals. */
static bool match_temporal(const char *s, size_t n, const char *pattern, int64_t *ms) {
    int64_t f[7] = {1970, 1, 1, 0, 0, 0, 0}; /* y M d H m s S */
    static const char letters[] = "yMdHmsS";
    size_t i = 0;
    for (const char *q = pattern; *q;) {
        const char *l = strchr(letters, *q);
        if (l) {
            while (*q == *l) q++;
            size_t k = 0;
            int64_t v = 0;
            while (i < n && isdigit((unsigned char)s[i]) && k < 9) v = v * 10 + (s[i++] - '0'), k++;
            if (k == 0 || (i < n && isdigit((unsigned char)s[i]))) return false;
            f[l - letters] = v;
        } else {
            if (i >= n || s[i] != *q) return false;
            i++, q++;
        }
    }
    int64_t m0 = f[1] - 1;
    int64_t y = f[0] + (m0 >= 0 ? m0 / 12 : (m0 - 11) / 12);
    int64_t m = m0 - (y - f[0]) * 12 + 1;
    int64_t days = trib_days_from_civil(y, m, 1) + f[2] - 1;
    *ms = days * MS_PER_DAY + f[3] * 3600000 + f[4] * 60000 + f[5] * 1000 + f[6];
    return true;
}

/* The ISO-8601 forms Connect reads, chosen by length as Connect does;
 * escaped colons ("\:") count as colons. */
static bool parse_temporal(const char *s, size_t n, trib_schema **schema, trib_value **value) {
    char *t = trib_xmalloc(n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n && s[i + 1] == ':') continue;
        t[k++] = s[i];
    }
    t[k] = 0;
    int64_t ms;
    bool ok = false;
    if (k == 13 && match_temporal(t, k, "HH:mm:ss.SSSZ", &ms)) {
        *schema = trib_schema_time(false);
        *value = trib_value_int(TRIB_INT32, ms);
        ok = true;
    } else if (k == 24 && match_temporal(t, k, "yyyy-MM-ddTHH:mm:ss.SSSZ", &ms)) {
        *schema = trib_schema_timestamp(false);
        *value = trib_value_int(TRIB_INT64, ms);
        ok = true;
    } else if (k == 10 && match_temporal(t, k, "yyyy-MM-dd", &ms)) {
        *schema = trib_schema_date(false);
        *value = trib_value_int(TRIB_INT32, ms / MS_PER_DAY);
        ok = true;
    }
    free(t);
    return ok;
}

/* ---- numbers ------------------------------------------------------------------------------ */

/* Java's BigDecimal(String) grammar; an INT8..INT64 when the value is
 * integral and fits (the narrowest), else FLOAT32 / FLOAT64 when finite and
 * the scale is not 0, else a Decimal of the number's own scale. */
static bool parse_number(const char *s, size_t n, trib_schema **schema, trib_value **value) {
    size_t i = 0;
    bool neg = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    char *digits = trib_xmalloc(n + 1);
    size_t nd = 0;
    long frac = 0;
    bool point = false;
    for (; i < n; i++) {
        if (isdigit((unsigned char)s[i])) {
            digits[nd++] = s[i];
            if (point) frac++;
        } else if (s[i] == '.' && !point) {
            point = true;
        } else {
            break;
        }
    }
    long exp10 = 0;
    bool ok = nd > 0;
    if (ok && i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < n && (s[i] == '+' || s[i] == '-')) eneg = s[i++] == '-';
        if (i >= n || !isdigit((unsigned char)s[i])) ok = false;
        for (; ok && i < n && isdigit((unsigned char)s[i]); i++)
            if ((exp10 = exp10 * 10 + (s[i] - '0')) > 1000000000L) ok = false;
        if (eneg) exp10 = -exp10;
    }
    if (!ok || i != n) {
        free(digits);
        return false;
    }
    long scale = frac - exp10;
    /* integral? value = digits * 10^-scale */
    size_t first = 0;
    while (first < nd && digits[first] == '0') first++;
    bool integral = true;
    size_t int_end = nd; /* the integer part is digits[first, int_end) followed by max(0,-scale) zeros */
    if (scale > 0) {
        size_t drop = (size_t)scale > nd ? nd : (size_t)scale;
        for (size_t k = nd - drop; k < nd; k++)
            if (digits[k] != '0') integral = false;
        int_end = nd - drop;
    }
    if (integral) {
        size_t len = int_end > first ? int_end - first : 0;
        long zeros = scale < 0 ? -scale : 0;
        if (len == 0) zeros = 0;
        if ((long)len + zeros <= 19) {
            uint64_t u = 0;
            bool fits = true;
            for (size_t k = first; k < int_end; k++) u = u * 10 + (uint64_t)(digits[k] - '0');
            for (long z = 0; z < zeros; z++) {
                if (u > UINT64_MAX / 10) fits = false;
                u *= 10;
            }
            if (fits && (neg ? u <= (uint64_t)INT64_MAX + 1 : u <= (uint64_t)INT64_MAX)) {
                int64_t v = neg ? (int64_t)(0 - u) : (int64_t)u;
                trib_type t = v >= INT8_MIN && v <= INT8_MAX     ? TRIB_INT8
                              : v >= INT16_MIN && v <= INT16_MAX ? TRIB_INT16
                              : v >= INT32_MIN && v <= INT32_MAX ? TRIB_INT32
                                                                 : TRIB_INT64;
                *schema = trib_schema_primitive(t, false);
                *value = trib_value_int(t, v);
                free(digits);
                return true;
            }
        }
    }
    free(digits);
    char *z = trib_xstrndup(s, n);
    bool done = false;
    if (scale != 0) {
        float f = strtof(z, NULL);
        if (!isinf(f)) {
            *schema = trib_schema_primitive(TRIB_FLOAT32, false);
            *value = trib_value_float(TRIB_FLOAT32, f);
            done = true;
        } else {
            double d = strtod(z, NULL);
            if (!isinf(d)) {
                *schema = trib_schema_primitive(TRIB_FLOAT64, false);
                *value = trib_value_float(TRIB_FLOAT64, d);
                done = true;
            }
        }
    }
    if (!done && scale >= INT32_MIN && scale <= INT32_MAX) {
        trib_value *dv = NULL;
        if (trib_decimal_from_string(z, (int)scale, &dv, NULL) == 0) {
            *schema = trib_schema_decimal((int)scale, false);
            *value = dv;
            done = true;
        }
    }
    free(z);
    return done;
}

/* ---- values ------------------------------------------------------------------------------- */

static bool is_numeric(trib_type t) { return t >= TRIB_INT8 && t <= TRIB_FLOAT64; }

/* Connect's mergeSchemas for two inferred (required) schemas: the same type
 * gives the later schema, numbers widen to the wider type, anything else has
 * no common schema (NULL). Borrowed in, new reference out. */
static trib_schema *merge_schemas(trib_schema *prev, trib_schema *latest) {
    if (prev->type == latest->type) return trib_schema_ref(latest);
    if (is_numeric(prev->type) && is_numeric(latest->type) && !prev->name && !latest->name)
        return trib_schema_ref(prev->type > latest->type ? prev : latest);
    return NULL;
}

typedef struct merger {
    trib_schema *common;
    bool incompatible;
} merger;

static void merge(merger *m, const trib_schema *latest) {
    if (!latest || m->incompatible) return;
    if (!m->common) {
        m->common = trib_schema_ref((trib_schema *)latest);
        return;
    }
    trib_schema *c = merge_schemas(m->common, (trib_schema *)latest);
    trib_schema_unref(m->common);
    m->common = c;
    if (!c) m->incompatible = true;
}

/* Converts an element to a common numeric type in place (Connect's
 * convertTo while aligning entries); -1 when it cannot (null for a
 * required schema). */
static int align(trib_value **v, const trib_schema *s) {
    if (!*v) return -1;
    if (!is_numeric(s->type) || (*v)->type == s->type || s->name) return 0;
    trib_value *x = *v;
    if (s->type == TRIB_FLOAT32 || s->type == TRIB_FLOAT64) {
        double d = x->type >= TRIB_FLOAT32 ? x->u.f : (double)x->u.i;
        x->u.f = s->type == TRIB_FLOAT32 ? (double)(float)d : d;
    }
    x->type = s->type;
    return 0;
}

static int parse_value(vparser *p, bool embedded, trib_schema **schema, trib_value **value);

static void parse_string_n(const char *s, size_t n, trib_schema **schema, trib_value **value);

static bool single_literal(vparser *p, bool embedded, const char *lit) {
    size_t start = mark(p);
    if (can_consume(p, lit) && (embedded || !has_next(p))) return true;
    rewind_to(p, start);
    return false;
}

/* After "[": the elements up to "]". 1 with the array, -1 when the text
 * is not an array (Connect's DataException, which the caller recovers). */
static int parse_array(vparser *p, trib_schema **schema, trib_value **value) {
    trib_value *arr = trib_value_array_new();
    merger m = {0};
    int rc = -1;
    while (has_next(p)) {
        if (can_consume(p, "]")) {
            rc = 1;
            break;
        }
        if (can_consume(p, ",")) break;
        trib_schema *es = NULL;
        trib_value *ev = NULL;
        if (parse_value(p, true, &es, &ev) < 0) break;
        merge(&m, es);
        trib_schema_unref(es);
        trib_value_array_append_take(arr, ev);
        size_t at = mark(p);
        if (can_consume(p, "]")) {
            rewind_to(p, at);
        } else if (!can_consume(p, ",")) {
            break;
        }
    }
    if (rc == 1 && m.common) {
        for (size_t i = 0; i < arr->u.arr.n && rc == 1; i++)
            if (align(&arr->u.arr.items[i], m.common) < 0) rc = -1;
    }
    if (rc < 0) {
        trib_schema_unref(m.common);
        trib_value_destroy(arr);
        return -1;
    }
    *schema = m.common ? trib_schema_array_take(m.common) : NULL;
    *value = arr;
    return 1;
}

/* After "{": the entries up to "}"; as parse_array. */
static int parse_map(vparser *p, trib_schema **schema, trib_value **value) {
    trib_value *map = trib_value_map_new();
    merger km = {0}, vm = {0};
    int rc = -1;
    while (has_next(p)) {
        if (can_consume(p, "}")) {
            rc = 1;
            break;
        }
        if (can_consume(p, ",")) break;
        trib_schema *ks = NULL, *vs = NULL;
        trib_value *kv = NULL, *vv = NULL;
        if (parse_value(p, true, &ks, &kv) < 0 || !kv || !can_consume(p, ":")) {
            trib_schema_unref(ks);
            trib_value_destroy(kv);
            break;
        }
        if (parse_value(p, true, &vs, &vv) < 0) {
            trib_schema_unref(ks);
            trib_value_destroy(kv);
            break;
        }
        /* a repeated key replaces the earlier value in place (LinkedHashMap.put) */
        bool replaced = false;
        for (size_t i = 0; i < map->u.map.n && !replaced; i++) {
            if (trib_value_equal(map->u.map.keys[i], kv)) {
                trib_value_destroy(map->u.map.vals[i]);
                map->u.map.vals[i] = vv;
                trib_value_destroy(kv);
                replaced = true;
            }
        }
        if (!replaced) trib_value_map_put_take(map, kv, vv);
        can_consume(p, ",");
        merge(&km, ks);
        merge(&vm, vs);
        trib_schema_unref(ks);
        trib_schema_unref(vs);
    }
    if (rc == 1 && km.common) {
        for (size_t i = 0; i < map->u.map.n && rc == 1; i++)
            if (align(&map->u.map.keys[i], km.common) < 0 ||
                (vm.common && align(&map->u.map.vals[i], vm.common) < 0))
                rc = -1;
    }
    if (rc < 0) {
        trib_schema_unref(km.common);
        trib_schema_unref(vm.common);
        trib_value_destroy(map);
        return -1;
    }
    if (km.common && vm.common) {
        *schema = trib_schema_map_take(km.common, vm.common);
    } else {
        *schema = NULL;
        trib_schema_unref(km.common);
        trib_schema_unref(vm.common);
    }
    *value = map;
    return 1;
}

/* Connect's ValueParser.parse: 1 with a value, 0 for no value (null), -1
 * for an embedded value that is none of the forms (DataException). */
static int parse_value(vparser *p, bool embedded, trib_schema **schema, trib_value **value) {
    *schema = NULL;
    *value = NULL;
    if (!has_next(p)) return 0;
    if (embedded && can_consume(p, "\"")) {
        trib_strbuf sb;
        trib_strbuf_init(&sb);
        while (has_next(p)) {
            if (can_consume(p, "\"")) break;
            tok t = next_token(p);
            trib_strbuf_append(&sb, p->s + t.at, t.len);
        }
        /* a quoted temporal literal keeps its logical type; others are strings */
        trib_schema *ts = NULL;
        trib_value *tv = NULL;
        parse_string_n(sb.data ? sb.data : "", sb.len, &ts, &tv);
        if (ts && ts->name &&
            (strcmp(ts->name, TRIB_LOGICAL_DATE) == 0 || strcmp(ts->name, TRIB_LOGICAL_TIME) == 0 ||
             strcmp(ts->name, TRIB_LOGICAL_TIMESTAMP) == 0)) {
            *schema = ts;
            *value = tv;
        } else {
            trib_schema_unref(ts);
            trib_value_destroy(tv);
            *schema = trib_schema_primitive(TRIB_STRING, false);
            *value = trib_value_string_n(sb.data ? sb.data : "", sb.len);
        }
        trib_strbuf_free(&sb);
        return 1;
    }
    if (single_literal(p, embedded, "null")) return 0;
    for (int b = 1; b >= 0; b--) {
        if (single_literal(p, embedded, b ? "true" : "false")) {
            *schema = trib_schema_primitive(TRIB_BOOLEAN, false);
            *value = trib_value_bool(b);
            return 1;
        }
    }
    size_t start = mark(p);
    int rc = 0;
    if (can_consume(p, "["))
        rc = parse_array(p, schema, value);
    else if (can_consume(p, "{"))
        rc = parse_map(p, schema, value);
    if (rc == 1) return 1;
    rewind_to(p, start);
    tok t = next_token(p);
    tok tt = t;
    trim(p->s, &tt);
    if (tt.len == 0) {
        *schema = trib_schema_primitive(TRIB_STRING, false);
        *value = trib_value_string_n(p->s + t.at, t.len);
        return 1;
    }
    const char *ts = p->s + tt.at;
    bool digit = isdigit((unsigned char)ts[0]);
    if (digit) {
        /* a time or timestamp is five tokens: its colons are delimiters */
        size_t at = mark(p);
        bool five = true;
        for (int i = 0; i < 4 && five; i++) {
            if (!has_next(p))
                five = false;
            else
                next_token(p);
        }
        if (five) {
            size_t len = p->pos - tt.at;
            if (parse_temporal(ts, len, schema, value)) return 1;
        }
        rewind_to(p, at);
        if (parse_temporal(ts, tt.len, schema, value)) return 1;
    }
    if ((digit || ts[0] == '+' || ts[0] == '-') && parse_number(ts, tt.len, schema, value)) return 1;
    if (embedded) return -1;
    *schema = trib_schema_primitive(TRIB_STRING, false);
    *value = trib_value_string_n(p->s, p->n);
    return 1;
}

static void parse_string_n(const char *s, size_t n, trib_schema **schema, trib_value **value) {
    *schema = NULL;
    *value = NULL;
    if (n == 0) {
        *schema = trib_schema_primitive(TRIB_STRING, false);
        *value = trib_value_string("");
        return;
    }
    vparser p = {.s = s, .n = n};
    if (parse_value(&p, false, schema, value) < 0) { /* not reached: only embedded values fail */
        *schema = trib_schema_primitive(TRIB_STRING, false);
        *value = trib_value_string_n(s, n);
    }
}

void trib_values_parse_string(const char *text, size_t len, trib_schema **schema, trib_value **value) {
    parse_string_n(text, len, schema, value);
}

/* ---- to string ------------------------------------------------------------------------------ */

/* Values.dateFormatFor: a time below one day, a date at midnight, else a
 * timestamp, in UTC. */
static void append_date(trib_strbuf *sb, int64_t ms) {
    int64_t days = ms >= 0 ? ms / MS_PER_DAY : -((-ms + MS_PER_DAY - 1) / MS_PER_DAY);
    int64_t in_day = ms - days * MS_PER_DAY;
    int64_t y;
    int mo, d;
    trib_civil_from_days(days, &y, &mo, &d);
    char date[40], time[24];
    snprintf(date, sizeof date, "%04" PRId64 "-%02d-%02d", y, mo, d);
    snprintf(time, sizeof time, "%02d:%02d:%02d.%03dZ", (int)(in_day / 3600000), (int)(in_day / 60000 % 60),
             (int)(in_day / 1000 % 60), (int)(in_day % 1000));
    if (ms < MS_PER_DAY)
        trib_strbuf_puts(sb, time);
    else if (ms % MS_PER_DAY == 0)
        trib_strbuf_puts(sb, date);
    else
        trib_strbuf_printf(sb, "%sT%s", date, time);
}

static void append_quoted(trib_strbuf *sb, const char *s, size_t n) {
    trib_strbuf_putc(sb, '"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' || s[i] == '"') trib_strbuf_putc(sb, '\\');
        trib_strbuf_putc(sb, s[i]);
    }
    trib_strbuf_putc(sb, '"');
}

static void append_value(trib_strbuf *sb, const trib_schema *s, const trib_value *v, bool embedded) {
    if (!v) {
        trib_strbuf_puts(sb, "null");
        return;
    }
    if (s && s->name) {
        if (strcmp(s->name, TRIB_LOGICAL_DATE) == 0 && v->type == TRIB_INT32) {
            append_date(sb, v->u.i * MS_PER_DAY);
            return;
        }
        if ((strcmp(s->name, TRIB_LOGICAL_TIME) == 0 || strcmp(s->name, TRIB_LOGICAL_TIMESTAMP) == 0) &&
            (v->type == TRIB_INT32 || v->type == TRIB_INT64)) {
            append_date(sb, v->u.i);
            return;
        }
        if (strcmp(s->name, TRIB_LOGICAL_DECIMAL) == 0 && v->type == TRIB_BYTES) {
            char *d = trib_java_bigdecimal_str(v->u.str.data, v->u.str.len, trib_schema_decimal_scale(s));
            trib_strbuf_puts(sb, d);
            free(d);
            return;
        }
    }
    char num[TRIB_JAVA_NUM_MAX];
    switch (v->type) {
    case TRIB_INT8:
    case TRIB_INT16:
    case TRIB_INT32:
    case TRIB_INT64: trib_strbuf_printf(sb, "%" PRId64, v->u.i); break;
    case TRIB_FLOAT32: trib_strbuf_append(sb, num, trib_java_float_str((float)v->u.f, num)); break;
    case TRIB_FLOAT64: trib_strbuf_append(sb, num, trib_java_double_str(v->u.f, num)); break;
    case TRIB_BOOLEAN: trib_strbuf_puts(sb, v->u.b ? "true" : "false"); break;
    case TRIB_STRING:
        if (embedded)
            append_quoted(sb, v->u.str.data, v->u.str.len);
        else
            trib_strbuf_append(sb, v->u.str.data, v->u.str.len);
        break;
    case TRIB_BYTES: {
        size_t cap = 4 * ((v->u.str.len + 2) / 3) + 1;
        unsigned char *b64 = trib_xmalloc(cap);
        int n = EVP_EncodeBlock(b64, (const unsigned char *)v->u.str.data, (int)v->u.str.len);
        if (embedded) trib_strbuf_putc(sb, '"');
        trib_strbuf_append(sb, b64, (size_t)n);
        if (embedded) trib_strbuf_putc(sb, '"');
        free(b64);
        break;
    }
    case TRIB_ARRAY:
        trib_strbuf_putc(sb, '[');
        for (size_t i = 0; i < v->u.arr.n; i++) {
            if (i) trib_strbuf_putc(sb, ',');
            append_value(sb, s ? s->value_schema : NULL, v->u.arr.items[i], true);
        }
        trib_strbuf_putc(sb, ']');
        break;
    case TRIB_MAP:
        trib_strbuf_putc(sb, '{');
        for (size_t i = 0; i < v->u.map.n; i++) {
            if (i) trib_strbuf_putc(sb, ',');
            append_value(sb, s ? s->key_schema : NULL, v->u.map.keys[i], true);
            trib_strbuf_putc(sb, ':');
            append_value(sb, s ? s->value_schema : NULL, v->u.map.vals[i], true);
        }
        trib_strbuf_putc(sb, '}');
        break;
    case TRIB_STRUCT: {
        const trib_schema *st = v->u.st.schema;
        trib_strbuf_putc(sb, '{');
        for (size_t i = 0; i < st->nfields; i++) {
            if (i) trib_strbuf_putc(sb, ',');
            append_quoted(sb, st->fields[i].name, strlen(st->fields[i].name));
            trib_strbuf_putc(sb, ':');
            append_value(sb, st->fields[i].schema, v->u.st.fields[i], true);
        }
        trib_strbuf_putc(sb, '}');
        break;
    }
    }
}

void trib_values_append_string(const trib_schema *schema, const trib_value *value, trib_strbuf *out) {
    append_value(out, schema, value, false);
}
