/*
 * copy_binary.c: PostgreSQL's binary wire formats, for COPY ... (FORMAT
 * binary) in the sink and binary result rows in the source.
 *
 * Binary COPY skips the server's text parsing of every field, which is most
 * of the cost of loading rows, and needs no escaping at all. Each field is a
 * 32-bit length (-1 for NULL) followed by the type's binary "send" form:
 * big-endian integers and IEEE floats, days and microseconds since
 * 2000-01-01 for dates and timestamps, base-10000 digit groups for numeric,
 * a version byte before jsonb text. Columns whose type has no codec here are
 * sent as text into a text staging column and cast by the server (see
 * sink_writer.c); trib_pg_binary_compatible says which pairs are direct.
 */
#include "connectors/postgres/pg_internal.h"
#include "common/time.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <openssl/evp.h>

/* ---- big-endian helpers --------------------------------------------------- */

/* Room for n more bytes (and the buffer's NUL): the common case is one
 * comparison, not a call. */
static inline unsigned char *room(trib_strbuf *sb, size_t n) {
    if (sb->len + n + 1 > sb->cap) trib_strbuf_reserve(sb, n);
    return (unsigned char *)sb->data + sb->len;
}

static inline void put16(trib_strbuf *sb, uint16_t v) {
    unsigned char *b = room(sb, 2);
    b[0] = (unsigned char)(v >> 8);
    b[1] = (unsigned char)v;
    sb->len += 2;
    sb->data[sb->len] = '\0';
}

static inline void put32(trib_strbuf *sb, uint32_t v) {
    unsigned char *b = room(sb, 4);
    b[0] = (unsigned char)(v >> 24);
    b[1] = (unsigned char)(v >> 16);
    b[2] = (unsigned char)(v >> 8);
    b[3] = (unsigned char)v;
    sb->len += 4;
    sb->data[sb->len] = '\0';
}

static inline void put64(trib_strbuf *sb, uint64_t v) {
    put32(sb, (uint32_t)(v >> 32));
    put32(sb, (uint32_t)v);
}

static uint16_t get16(const char *p) {
    const unsigned char *u = (const unsigned char *)p;
    return (uint16_t)((u[0] << 8) | u[1]);
}

static uint32_t get32(const char *p) {
    const unsigned char *u = (const unsigned char *)p;
    return ((uint32_t)u[0] << 24) | ((uint32_t)u[1] << 16) | ((uint32_t)u[2] << 8) | u[3];
}

static uint64_t get64(const char *p) { return ((uint64_t)get32(p) << 32) | get32(p + 4); }

static void patch32(trib_strbuf *sb, size_t at, uint32_t v) {
    unsigned char *b = (unsigned char *)sb->data + at;
    b[0] = (unsigned char)(v >> 24);
    b[1] = (unsigned char)(v >> 16);
    b[2] = (unsigned char)(v >> 8);
    b[3] = (unsigned char)v;
}

void trib_pg_copy_header(trib_strbuf *sb) {
    static const char sig[11] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', '\377', '\r', '\n', '\0'};
    trib_strbuf_append(sb, sig, sizeof sig);
    put32(sb, 0);   /* flags: no OIDs */
    put32(sb, 0);   /* header extension length */
}

void trib_pg_copy_trailer(trib_strbuf *sb) { put16(sb, 0xFFFF); }

void trib_pg_copy_tuple_begin(trib_strbuf *sb, int nfields) { put16(sb, (uint16_t)nfields); }

void trib_pg_copy_null(trib_strbuf *sb) { put32(sb, 0xFFFFFFFFu); }

/* ---- calendar --------------------------------------------------------------- */

static void put_date_text(trib_strbuf *sb, int64_t days) {
    int64_t y;
    int m, d;
    trib_civil_from_days(days, &y, &m, &d);
    if (y <= 0)
        trib_strbuf_printf(sb, "%04" PRId64 "-%02d-%02d BC", 1 - y, m, d);
    else
        trib_strbuf_printf(sb, "%04" PRId64 "-%02d-%02d", y, m, d);
}

static void put_time_text(trib_strbuf *sb, int64_t ms_of_day) {
    trib_strbuf_printf(sb, "%02d:%02d:%02d.%03d", (int)(ms_of_day / 3600000), (int)(ms_of_day / 60000 % 60),
                       (int)(ms_of_day / 1000 % 60), (int)(ms_of_day % 1000));
}

/* ---- value classification ----------------------------------------------------- */

static const char *logical_of(const trib_schema *s) { return s ? s->name : NULL; }

static bool is_logical(const trib_schema *s, const char *name) {
    const char *l = logical_of(s);
    return l && strcmp(l, name) == 0;
}

static bool is_int_type(trib_type t) { return t == TRIB_INT8 || t == TRIB_INT16 || t == TRIB_INT32 || t == TRIB_INT64; }

/* ---- JSON ------------------------------------------------------------------------ */

static json_t *base64_json(const void *data, size_t n) {
    size_t cap = 4 * ((n + 2) / 3) + 1;
    unsigned char *out = trib_xmalloc(cap);
    int len = EVP_EncodeBlock(out, data, (int)n);
    json_t *j = json_stringn((const char *)out, (size_t)len);
    free(out);
    return j;
}

json_t *trib_pg_value_to_json(const trib_schema *s, const trib_value *v) {
    if (!v) return json_null();
    switch (v->type) {
    case TRIB_INT8:
    case TRIB_INT16:
    case TRIB_INT32:
    case TRIB_INT64: return json_integer((json_int_t)v->u.i);
    case TRIB_FLOAT32:
    case TRIB_FLOAT64: return isfinite(v->u.f) ? json_real(v->u.f) : json_null();
    case TRIB_BOOLEAN: return json_boolean(v->u.b);
    case TRIB_STRING: {
        json_t *j = json_stringn_nocheck(v->u.str.data, v->u.str.len);
        return j ? j : json_null();
    }
    case TRIB_BYTES:
        if (is_logical(s, TRIB_LOGICAL_DECIMAL)) {
            char *t = trib_decimal_to_string(v->u.str.data, v->u.str.len, trib_schema_decimal_scale(s));
            json_t *j = json_string(t);
            free(t);
            return j;
        }
        return base64_json(v->u.str.data, v->u.str.len);
    case TRIB_ARRAY: {
        json_t *a = json_array();
        const trib_schema *is = s && s->type == TRIB_ARRAY ? s->value_schema : NULL;
        for (size_t i = 0; i < v->u.arr.n; i++) json_array_append_new(a, trib_pg_value_to_json(is, v->u.arr.items[i]));
        return a;
    }
    case TRIB_MAP: {
        const trib_schema *ks = s && s->type == TRIB_MAP ? s->key_schema : NULL;
        const trib_schema *vs = s && s->type == TRIB_MAP ? s->value_schema : NULL;
        bool string_keys = true;
        for (size_t i = 0; i < v->u.map.n; i++)
            if (!v->u.map.keys[i] || v->u.map.keys[i]->type != TRIB_STRING) string_keys = false;
        if (string_keys) {
            json_t *o = json_object();
            for (size_t i = 0; i < v->u.map.n; i++)
                json_object_set_new_nocheck(o, v->u.map.keys[i]->u.str.data,
                                            trib_pg_value_to_json(vs, v->u.map.vals[i]));
            return o;
        }
        json_t *a = json_array();
        for (size_t i = 0; i < v->u.map.n; i++)
            json_array_append_new(a, json_pack("[oo]", trib_pg_value_to_json(ks, v->u.map.keys[i]),
                                               trib_pg_value_to_json(vs, v->u.map.vals[i])));
        return a;
    }
    case TRIB_STRUCT: {
        json_t *o = json_object();
        const trib_schema *ss = v->u.st.schema;
        for (size_t i = 0; ss && i < ss->nfields; i++)
            json_object_set_new_nocheck(o, ss->fields[i].name,
                                        trib_pg_value_to_json(ss->fields[i].schema, v->u.st.fields[i]));
        return o;
    }
    }
    return json_null();
}

static void put_json_text(trib_strbuf *sb, const trib_schema *s, const trib_value *v) {
    json_t *j = trib_pg_value_to_json(s, v);
    char *txt = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    trib_strbuf_puts(sb, txt ? txt : "null");
    free(txt);
    json_decref(j);
}

/* ---- text forms ---------------------------------------------------------------------- */

static void put_double_text(trib_strbuf *sb, double d, bool single) {
    if (isnan(d)) trib_strbuf_puts(sb, "NaN");
    else if (isinf(d)) trib_strbuf_puts(sb, d > 0 ? "Infinity" : "-Infinity");
    else trib_strbuf_printf(sb, single ? "%.9g" : "%.17g", d);
}

/* The value's text form, for text columns and for text staging columns that
 * the server casts to the target type. */
static int put_text(trib_strbuf *sb, const trib_schema *s, const trib_value *v, trib_error *err) {
    switch (v->type) {
    case TRIB_INT8:
    case TRIB_INT16:
    case TRIB_INT32:
    case TRIB_INT64:
        if (is_logical(s, TRIB_LOGICAL_DATE)) {
            put_date_text(sb, v->u.i);
        } else if (is_logical(s, TRIB_LOGICAL_TIME)) {
            put_time_text(sb, v->u.i);
        } else if (is_logical(s, TRIB_LOGICAL_TIMESTAMP)) {
            int64_t days = trib_floor_div(v->u.i, 86400000);
            put_date_text(sb, days);
            trib_strbuf_putc(sb, ' ');
            put_time_text(sb, v->u.i - days * 86400000);
            trib_strbuf_puts(sb, "+00");
        } else {
            trib_strbuf_printf(sb, "%" PRId64, v->u.i);
        }
        return 0;
    case TRIB_FLOAT32: put_double_text(sb, v->u.f, true); return 0;
    case TRIB_FLOAT64: put_double_text(sb, v->u.f, false); return 0;
    case TRIB_BOOLEAN: trib_strbuf_puts(sb, v->u.b ? "true" : "false"); return 0;
    case TRIB_STRING:
        if (memchr(v->u.str.data, '\0', v->u.str.len))
            return trib_error_set(err, TRIB_ERR_INVALID, "string contains a NUL byte, which PostgreSQL text cannot store");
        trib_strbuf_append(sb, v->u.str.data, v->u.str.len);
        return 0;
    case TRIB_BYTES:
        if (is_logical(s, TRIB_LOGICAL_DECIMAL)) {
            char *t = trib_decimal_to_string(v->u.str.data, v->u.str.len, trib_schema_decimal_scale(s));
            trib_strbuf_puts(sb, t);
            free(t);
        } else {
            static const char hex[] = "0123456789abcdef";
            trib_strbuf_puts(sb, "\\x");
            const unsigned char *b = (const unsigned char *)v->u.str.data;
            for (size_t i = 0; i < v->u.str.len; i++) {
                trib_strbuf_putc(sb, hex[b[i] >> 4]);
                trib_strbuf_putc(sb, hex[b[i] & 15]);
            }
        }
        return 0;
    case TRIB_ARRAY:
    case TRIB_MAP:
    case TRIB_STRUCT: put_json_text(sb, s, v); return 0;
    }
    return trib_error_set(err, TRIB_ERR_INVALID, "value of unknown type");
}

/* ---- numeric ------------------------------------------------------------------------------ */

#define NUMERIC_POS 0x0000
#define NUMERIC_NEG 0x4000
#define NUMERIC_NAN 0xC000
#define NUMERIC_PINF 0xD000
#define NUMERIC_NINF 0xF000

/* Writes the numeric D * 10^E (D: nd decimal digits, most significant
 * first, no leading zeros; nd 0 is zero) with sign neg. text names the value
 * in errors. */
static int numeric_put_digits(trib_strbuf *sb, bool neg, const char *d, size_t nd, long E, const char *text,
                              trib_error *err) {
    long dscale = E < 0 ? -E : 0;
    if (dscale > 0x3FFF)
        return trib_error_set(err, TRIB_ERR_INVALID, "'%s' has too many fraction digits for numeric", text);
    if (nd == 0) {   /* zero */
        put16(sb, 0), put16(sb, 0), put16(sb, NUMERIC_POS), put16(sb, (uint16_t)dscale);
        return 0;
    }
    /* Digit i has power p_i = E + nd-1-i; group g = floor(p/4). */
    long ptop = E + (long)nd - 1;
    long gmax = trib_floor_div(ptop, 4), gmin = trib_floor_div(E, 4);
    if (gmax > 32767 || gmin < -32768)
        return trib_error_set(err, TRIB_ERR_INVALID, "'%s' is out of numeric's range", text);
    size_t ng = (size_t)(gmax - gmin + 1);
    uint16_t small[64];
    uint16_t *g = ng <= 64 ? small : trib_xmalloc(ng * sizeof *g);
    memset(g, 0, ng * sizeof *g);
    static const int pow10[4] = {1, 10, 100, 1000};
    for (size_t i = 0; i < nd; i++) {
        long pw = E + (long)nd - 1 - (long)i;
        long gi = trib_floor_div(pw, 4);
        g[gmax - gi] = (uint16_t)(g[gmax - gi] + (d[i] - '0') * pow10[pw - gi * 4]);
    }
    size_t first = 0, last = ng;
    long weight = gmax;
    while (first < last && g[first] == 0) first++, weight--;
    while (last > first && g[last - 1] == 0) last--;
    put16(sb, (uint16_t)(last - first));
    put16(sb, (uint16_t)(int16_t)weight);
    put16(sb, neg ? NUMERIC_NEG : NUMERIC_POS);
    put16(sb, (uint16_t)dscale);
    for (size_t i = first; i < last; i++) put16(sb, g[i]);
    if (g != small) free(g);
    return 0;
}

/* The numeric of magnitude u * 10^-scale: u scaled up to a whole number
 * of 4-digit groups after the point, then cut into base-10000 groups with
 * 64-bit arithmetic. Returns 1 when that does not fit (the caller takes
 * the general path). */
static int numeric_from_u64(trib_strbuf *sb, bool neg, uint64_t u, int scale) {
    static const uint64_t pow10[4] = {1, 10, 100, 1000};
    if (scale < 0 || scale > 0x3FFF) return 1;
    if (u == 0) {
        put16(sb, 0), put16(sb, 0), put16(sb, NUMERIC_POS), put16(sb, (uint16_t)scale);
        return 0;
    }
    int shift = (4 - scale % 4) % 4;
    if (u > UINT64_MAX / pow10[shift]) return 1;
    u *= pow10[shift];
    long frac_groups = (scale + shift) / 4;
    uint16_t g[8];   /* least significant first; 2^64 has 20 digits: 5 groups */
    int n = 0;
    while (u) {
        g[n++] = (uint16_t)(u % 10000);
        u /= 10000;
    }
    int lo = 0;
    while (g[lo] == 0) lo++;   /* trailing zero groups are implied (g[n-1] != 0) */
    long weight = n - 1 - frac_groups;
    if (weight < -32768) return 1;
    put16(sb, (uint16_t)(n - lo));
    put16(sb, (uint16_t)(int16_t)weight);
    put16(sb, neg ? NUMERIC_NEG : NUMERIC_POS);
    put16(sb, (uint16_t)scale);
    for (int i = n - 1; i >= lo; i--) put16(sb, g[i]);
    return 0;
}

/* A Connect Decimal (big-endian two's complement unscaled value, scale)
 * straight into numeric, without its text form. Returns 1 when the value
 * is wider than 16 bytes (the caller goes through text). */
static int numeric_from_decimal(trib_strbuf *sb, const unsigned char *b, size_t n, int scale, trib_error *err) {
    if (n > 16) return 1;
    if (n <= 8) {
        uint64_t raw = 0;
        for (size_t i = 0; i < n; i++) raw = (raw << 8) | b[i];
        bool neg = n > 0 && (b[0] & 0x80);
        if (neg && n < 8) raw |= ~(uint64_t)0 << (8 * n);   /* sign-extend */
        uint64_t mag = neg ? ~raw + 1 : raw;
        if (numeric_from_u64(sb, neg, mag, scale) == 0) return 0;
    }
    bool neg = n > 0 && (b[0] & 0x80);
    unsigned __int128 u = 0;
    for (size_t i = 0; i < n; i++) u = (u << 8) | b[i];
    if (neg) {   /* two's complement of an n-byte value: magnitude = 2^(8n) - u */
        if (n < 16) u |= ~(unsigned __int128)0 << (8 * n);
        u = ~u + 1;
    }
    char digits[48];
    size_t nd = 0;
    char rev[48];
    while (u) {
        rev[nd++] = (char)('0' + (int)(u % 10));
        u /= 10;
    }
    for (size_t i = 0; i < nd; i++) digits[i] = rev[nd - 1 - i];
    digits[nd] = '\0';
    return numeric_put_digits(sb, neg && nd > 0, digits, nd, -(long)scale, digits, err);
}

int trib_pg_numeric_from_text(trib_strbuf *sb, const char *text, trib_error *err) {
    const char *p = text;
    while (isspace((unsigned char)*p)) p++;
    bool neg = false;
    if (*p == '+' || *p == '-') neg = *p++ == '-';
    if (strcasecmp(p, "nan") == 0 && text[0] != '-' && text[0] != '+') {
        put16(sb, 0), put16(sb, 0), put16(sb, NUMERIC_NAN), put16(sb, 0);
        return 0;
    }
    if (strcasecmp(p, "infinity") == 0 || strcasecmp(p, "inf") == 0) {
        put16(sb, 0), put16(sb, 0), put16(sb, neg ? NUMERIC_NINF : NUMERIC_PINF), put16(sb, 0);
        return 0;
    }
    /* digits D (leading zeros dropped) and exponent E: value = D * 10^E */
    char *d = trib_xmalloc(strlen(p) + 1);
    size_t nd = 0;
    long frac = 0;
    bool point = false, any = false;
    for (; *p; p++) {
        if (isdigit((unsigned char)*p)) {
            any = true;
            if (nd || *p != '0') d[nd++] = *p;
            if (point) frac++;
        } else if (*p == '.' && !point) {
            point = true;
        } else {
            break;
        }
    }
    long e = 0;
    if (any && (*p == 'e' || *p == 'E')) {
        p++;
        bool eneg = false;
        if (*p == '+' || *p == '-') eneg = *p++ == '-';
        if (!isdigit((unsigned char)*p)) any = false;
        for (; isdigit((unsigned char)*p); p++) {
            e = e * 10 + (*p - '0');
            if (e > 1000000) any = false;
        }
        if (eneg) e = -e;
    }
    while (isspace((unsigned char)*p)) p++;
    if (!any || *p) {
        free(d);
        return trib_error_set(err, TRIB_ERR_INVALID, "'%s' is not a number", text);
    }
    long E = e - frac;
    int rc = numeric_put_digits(sb, neg, d, nd, E, text, err);
    free(d);
    return rc;
}

char *trib_pg_numeric_to_text(const void *data, size_t len, trib_error *err) {
    const char *p = data;
    if (len < 8) {
        trib_error_set(err, TRIB_ERR_INVALID, "postgres: numeric value of %zu bytes is truncated", len);
        return NULL;
    }
    int ndigits = (int16_t)get16(p);
    int weight = (int16_t)get16(p + 2);
    unsigned sign = get16(p + 4);
    int dscale = get16(p + 6);
    if (ndigits < 0 || len != 8 + 2 * (size_t)ndigits) {
        trib_error_set(err, TRIB_ERR_INVALID, "postgres: numeric value has a bad length");
        return NULL;
    }
    if (sign == NUMERIC_NAN) return trib_xstrdup("NaN");
    if (sign == NUMERIC_PINF) return trib_xstrdup("Infinity");
    if (sign == NUMERIC_NINF) return trib_xstrdup("-Infinity");
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    if (sign == NUMERIC_NEG && ndigits > 0) trib_strbuf_putc(&sb, '-');
#define DIG(i) ((i) >= 0 && (i) < ndigits ? get16(p + 8 + 2 * (i)) : 0)
    if (weight < 0) {
        trib_strbuf_putc(&sb, '0');
    } else {
        for (int i = 0; i <= weight; i++) {
            if (i == 0) trib_strbuf_printf(&sb, "%u", (unsigned)DIG(0));
            else trib_strbuf_printf(&sb, "%04u", (unsigned)DIG(i));
        }
    }
    if (dscale > 0) {
        trib_strbuf_putc(&sb, '.');
        int emitted = 0;
        for (int i = weight + 1; emitted < dscale; i++) {
            char four[8];
            snprintf(four, sizeof four, "%04u", (unsigned)DIG(i));
            for (int k = 0; k < 4 && emitted < dscale; k++, emitted++) trib_strbuf_putc(&sb, four[k]);
        }
    }
#undef DIG
    return trib_strbuf_take(&sb);
}

/* ---- encoding one field ----------------------------------------------------------------------- */

static int range_err(trib_error *err, int64_t v, const char *type) {
    return trib_error_set(err, TRIB_ERR_INVALID, "value %" PRId64 " is out of range for %s", v, type);
}

static int type_err(trib_error *err, const trib_value *v, const char *col) {
    return trib_error_set(err, TRIB_ERR_INVALID, "a %s value cannot be stored in a %s column", trib_type_name(v->type),
                          col);
}

static int hexval(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

static int put_uuid(trib_strbuf *sb, const trib_value *v, trib_error *err) {
    unsigned char out[16];
    if (v->type == TRIB_BYTES && v->u.str.len == 16) {
        trib_strbuf_append(sb, v->u.str.data, 16);
        return 0;
    }
    if (v->type != TRIB_STRING) return type_err(err, v, "uuid");
    const char *s = v->u.str.data;
    size_t n = v->u.str.len, k = 0;
    size_t i = 0;
    if (n && s[0] == '{' && s[n - 1] == '}') i = 1, n--;
    for (; i < n; i++) {
        if (s[i] == '-' && k > 0 && k < 16) continue;
        int hi = hexval((unsigned char)s[i]);
        int lo = i + 1 < n ? hexval((unsigned char)s[i + 1]) : -1;
        if (hi < 0 || lo < 0 || k >= 16) goto bad;
        out[k++] = (unsigned char)(hi << 4 | lo);
        i++;
    }
    if (k != 16) goto bad;
    trib_strbuf_append(sb, out, 16);
    return 0;
bad:
    return trib_error_set(err, TRIB_ERR_INVALID, "'%.*s' is not a UUID", (int)(v->u.str.len > 64 ? 64 : v->u.str.len),
                          v->u.str.data);
}

static int decimal_or_float(const trib_schema *s, const trib_value *v, double *out) {
    if (is_int_type(v->type)) *out = (double)v->u.i;
    else if (v->type == TRIB_FLOAT32 || v->type == TRIB_FLOAT64) *out = v->u.f;
    else if (v->type == TRIB_BYTES && is_logical(s, TRIB_LOGICAL_DECIMAL)) {
        char *t = trib_decimal_to_string(v->u.str.data, v->u.str.len, trib_schema_decimal_scale(s));
        *out = strtod(t, NULL);
        free(t);
    } else {
        return -1;
    }
    return 0;
}

static int put_body(trib_strbuf *sb, trib_pg_kind k, const trib_schema *s, const trib_value *v, trib_error *err) {
    switch (k) {
    case TRIB_PGK_BOOL:
        if (v->type != TRIB_BOOLEAN) return type_err(err, v, "boolean");
        trib_strbuf_putc(sb, v->u.b ? 1 : 0);
        return 0;
    case TRIB_PGK_INT2:
    case TRIB_PGK_INT4:
    case TRIB_PGK_INT8: {
        if (!is_int_type(v->type)) return type_err(err, v, "integer");
        int64_t i = v->u.i;
        if (k == TRIB_PGK_INT2) {
            if (i < INT16_MIN || i > INT16_MAX) return range_err(err, i, "smallint");
            put16(sb, (uint16_t)(int16_t)i);
        } else if (k == TRIB_PGK_INT4) {
            if (i < INT32_MIN || i > INT32_MAX) return range_err(err, i, "integer");
            put32(sb, (uint32_t)(int32_t)i);
        } else {
            put64(sb, (uint64_t)i);
        }
        return 0;
    }
    case TRIB_PGK_FLOAT4:
    case TRIB_PGK_FLOAT8: {
        double d;
        if (decimal_or_float(s, v, &d) < 0) return type_err(err, v, "floating-point");
        if (k == TRIB_PGK_FLOAT4) {
            float f = (float)d;
            uint32_t u;
            memcpy(&u, &f, 4);
            put32(sb, u);
        } else {
            uint64_t u;
            memcpy(&u, &d, 8);
            put64(sb, u);
        }
        return 0;
    }
    case TRIB_PGK_NUMERIC: {
        if (v->type == TRIB_BYTES && is_logical(s, TRIB_LOGICAL_DECIMAL)) {
            int rc = numeric_from_decimal(sb, (const unsigned char *)v->u.str.data, v->u.str.len,
                                          trib_schema_decimal_scale(s), err);
            if (rc <= 0) return rc;
        }
        trib_strbuf t;
        trib_strbuf_init(&t);
        if (v->type == TRIB_STRING) {
            trib_strbuf_append(&t, v->u.str.data, v->u.str.len);
        } else if (is_int_type(v->type) || v->type == TRIB_FLOAT32 || v->type == TRIB_FLOAT64 ||
                   (v->type == TRIB_BYTES && is_logical(s, TRIB_LOGICAL_DECIMAL))) {
            put_text(&t, s, v, NULL);
        } else {
            return type_err(err, v, "numeric");
        }
        int rc = trib_pg_numeric_from_text(sb, t.data ? t.data : "", err);
        trib_strbuf_free(&t);
        return rc;
    }
    case TRIB_PGK_BYTEA:
        if (v->type != TRIB_BYTES && v->type != TRIB_STRING) return type_err(err, v, "bytea");
        trib_strbuf_append(sb, v->u.str.data, v->u.str.len);
        return 0;
    case TRIB_PGK_DATE:
        if (is_logical(s, TRIB_LOGICAL_DATE) && is_int_type(v->type)) {
            int64_t days = v->u.i - TRIB_PG_EPOCH_DAYS;
            if (days < INT32_MIN + 1 || days > INT32_MAX - 1) return range_err(err, v->u.i, "date");
            put32(sb, (uint32_t)(int32_t)days);
            return 0;
        }
        if (is_logical(s, TRIB_LOGICAL_TIMESTAMP) && is_int_type(v->type)) {
            put32(sb, (uint32_t)(int32_t)(trib_floor_div(v->u.i, 86400000) - TRIB_PG_EPOCH_DAYS));
            return 0;
        }
        return trib_error_set(err, TRIB_ERR_INVALID, "only Date and Timestamp values can be stored in a date column");
    case TRIB_PGK_TIME:
        if (is_logical(s, TRIB_LOGICAL_TIME) && is_int_type(v->type)) {
            if (v->u.i < 0 || v->u.i > 86400000) return range_err(err, v->u.i, "time (ms of the day)");
            put64(sb, (uint64_t)(v->u.i * 1000));
            return 0;
        }
        return trib_error_set(err, TRIB_ERR_INVALID, "only Time values can be stored in a time column");
    case TRIB_PGK_TIMESTAMP:
    case TRIB_PGK_TIMESTAMPTZ: {
        int64_t ms;
        if (is_logical(s, TRIB_LOGICAL_TIMESTAMP) && is_int_type(v->type)) ms = v->u.i;
        else if (is_logical(s, TRIB_LOGICAL_DATE) && is_int_type(v->type)) ms = v->u.i * 86400000;
        else return trib_error_set(err, TRIB_ERR_INVALID, "only Timestamp and Date values can be stored in a timestamp column");
        if (ms > INT64_MAX / 1000 - 1 || ms < INT64_MIN / 1000 + TRIB_PG_EPOCH_US / 1000 + 1)
            return range_err(err, ms, "timestamp");
        put64(sb, (uint64_t)(ms * 1000 - TRIB_PG_EPOCH_US));
        return 0;
    }
    case TRIB_PGK_JSONB:
        trib_strbuf_putc(sb, 1);
        /* fall through */
    case TRIB_PGK_JSON:
        if (v->type == TRIB_STRING) return put_text(sb, s, v, err);
        put_json_text(sb, s, v);
        return 0;
    case TRIB_PGK_UUID: return put_uuid(sb, v, err);
    case TRIB_PGK_TEXT:
    case TRIB_PGK_OTHER: return put_text(sb, s, v, err);
    }
    return trib_error_set(err, TRIB_ERR_INTERNAL, "unknown column kind %d", (int)k);
}

int trib_pg_copy_field(trib_strbuf *sb, trib_pg_kind k, const trib_schema *s, const trib_value *v,
                       trib_error *err) {
    if (!v) {
        trib_pg_copy_null(sb);
        return 0;
    }
    size_t start = sb->len;
    put32(sb, 0);
    if (put_body(sb, k, s, v, err) < 0) {
        sb->len = start;
        return -1;
    }
    size_t n = sb->len - start - 4;
    if (n > 0x3FFFFFFF) {
        sb->len = start;
        return trib_error_set(err, TRIB_ERR_TOO_LARGE, "a field of %zu bytes exceeds PostgreSQL's 1 GB limit", n);
    }
    patch32(sb, start, (uint32_t)n);
    return 0;
}

/* ---- decoding a binary result field ---------------------------------------------------------------- */

static trib_value *decode_err(trib_error *err, const char *what, int len) {
    trib_error_set(err, TRIB_ERR_INVALID, "postgres: %s value has unexpected length %d", what, len);
    return NULL;
}

trib_value *trib_pg_decode_field(trib_pg_kind k, const trib_schema *s, const char *data, int len, trib_error *err) {
    switch (k) {
    case TRIB_PGK_BOOL:
        if (len != 1) return decode_err(err, "boolean", len);
        return trib_value_bool(data[0] != 0);
    case TRIB_PGK_INT2:
        if (len != 2) return decode_err(err, "smallint", len);
        return trib_value_int(s->type, (int16_t)get16(data));
    case TRIB_PGK_INT4:
        if (len != 4) return decode_err(err, "integer", len);
        return trib_value_int(s->type, (int32_t)get32(data));
    case TRIB_PGK_INT8:
        if (len != 8) return decode_err(err, "bigint", len);
        return trib_value_int(s->type, (int64_t)get64(data));
    case TRIB_PGK_FLOAT4: {
        if (len != 4) return decode_err(err, "real", len);
        uint32_t u = get32(data);
        float f;
        memcpy(&f, &u, 4);
        return trib_value_float(TRIB_FLOAT32, f);
    }
    case TRIB_PGK_FLOAT8: {
        if (len != 8) return decode_err(err, "double precision", len);
        uint64_t u = get64(data);
        double d;
        memcpy(&d, &u, 8);
        return trib_value_float(TRIB_FLOAT64, d);
    }
    case TRIB_PGK_NUMERIC: {
        char *t = trib_pg_numeric_to_text(data, (size_t)len, err);
        if (!t) return NULL;
        if (s->type == TRIB_STRING) return trib_value_string_take(t);
        trib_value *v = NULL;
        if (trib_decimal_from_string(t, trib_schema_decimal_scale(s), &v, err) < 0) {
            trib_error_prefix(err, "postgres: numeric %s cannot be a Decimal", t);
            free(t);
            return NULL;
        }
        free(t);
        return v;
    }
    case TRIB_PGK_BYTEA: return trib_value_bytes(data, (size_t)len);
    case TRIB_PGK_DATE: {
        if (len != 4) return decode_err(err, "date", len);
        int32_t d = (int32_t)get32(data);
        if (d == INT32_MAX || d == INT32_MIN) {
            trib_error_set(err, TRIB_ERR_INVALID, "postgres: date 'infinity' has no Connect Date value");
            return NULL;
        }
        return trib_value_int(TRIB_INT32, (int64_t)d + TRIB_PG_EPOCH_DAYS);
    }
    case TRIB_PGK_TIME:
        if (len != 8) return decode_err(err, "time", len);
        return trib_value_int(TRIB_INT32, (int64_t)get64(data) / 1000);
    case TRIB_PGK_TIMESTAMP:
    case TRIB_PGK_TIMESTAMPTZ: {
        if (len != 8) return decode_err(err, "timestamp", len);
        int64_t us = (int64_t)get64(data);
        if (us == INT64_MAX || us == INT64_MIN) {
            trib_error_set(err, TRIB_ERR_INVALID, "postgres: timestamp 'infinity' has no Connect Timestamp value");
            return NULL;
        }
        return trib_value_int(TRIB_INT64, trib_floor_div(us, 1000) + TRIB_PG_EPOCH_US / 1000);
    }
    case TRIB_PGK_JSONB:
        if (len < 1) return decode_err(err, "jsonb", len);
        return trib_value_string_n(data + 1, (size_t)len - 1);
    case TRIB_PGK_UUID: {
        if (len != 16) return decode_err(err, "uuid", len);
        const unsigned char *u = (const unsigned char *)data;
        char buf[40];
        snprintf(buf, sizeof buf, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
                 u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
        return trib_value_string(buf);
    }
    case TRIB_PGK_JSON:
    case TRIB_PGK_TEXT:
    case TRIB_PGK_OTHER: return trib_value_string_n(data, (size_t)len);
    }
    trib_error_set(err, TRIB_ERR_INTERNAL, "postgres: unknown column kind %d", (int)k);
    return NULL;
}

/* ---- compatibility ------------------------------------------------------------------------ */

bool trib_pg_binary_compatible(trib_pg_kind k, const trib_schema *s) {
    if (!s) return k == TRIB_PGK_TEXT || k == TRIB_PGK_JSON || k == TRIB_PGK_JSONB || k == TRIB_PGK_OTHER;
    const char *l = logical_of(s);
    bool dec = l && strcmp(l, TRIB_LOGICAL_DECIMAL) == 0;
    bool date = l && strcmp(l, TRIB_LOGICAL_DATE) == 0;
    bool time = l && strcmp(l, TRIB_LOGICAL_TIME) == 0;
    bool ts = l && strcmp(l, TRIB_LOGICAL_TIMESTAMP) == 0;
    switch (k) {
    case TRIB_PGK_BOOL: return s->type == TRIB_BOOLEAN;
    case TRIB_PGK_INT2:
    case TRIB_PGK_INT4:
    case TRIB_PGK_INT8: return is_int_type(s->type);
    case TRIB_PGK_FLOAT4:
    case TRIB_PGK_FLOAT8: return (is_int_type(s->type) && !date && !time && !ts) || s->type == TRIB_FLOAT32 ||
                                 s->type == TRIB_FLOAT64 || dec;
    case TRIB_PGK_NUMERIC: return (is_int_type(s->type) && !date && !time && !ts) || s->type == TRIB_FLOAT32 ||
                                  s->type == TRIB_FLOAT64 || dec || s->type == TRIB_STRING;
    case TRIB_PGK_BYTEA: return (s->type == TRIB_BYTES && !dec) || s->type == TRIB_STRING;
    case TRIB_PGK_DATE: return date || ts;
    case TRIB_PGK_TIME: return time;
    case TRIB_PGK_TIMESTAMP:
    case TRIB_PGK_TIMESTAMPTZ: return ts || date;
    case TRIB_PGK_UUID: return s->type == TRIB_STRING || (s->type == TRIB_BYTES && !dec);
    case TRIB_PGK_TEXT:
    case TRIB_PGK_JSON:
    case TRIB_PGK_JSONB:
    case TRIB_PGK_OTHER: return true;
    }
    return false;
}
