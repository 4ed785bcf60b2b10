/*
 * json_converter.c: org.apache.kafka.connect.json.JsonConverter, byte for
 * byte. Apache Kafka Connect's JsonConverter is the reference: its envelope
 * {"schema":...,"payload":...}, its schema JSON (JsonConverter.asJsonSchema,
 * key order type / items|keys,values|fields / optional / name / version /
 * doc / parameters / default, and "field" last for struct fields), its
 * value encoding (convertToJson), its decoding rules (convertToConnect,
 * asConnectSchema) and its error texts.
 *
 * Output is written straight into the caller's buffer, as Jackson would
 * write it: compact, Java's Double.toString/Float.toString for numbers,
 * BigDecimal.toString for NUMERIC decimals, quoted "NaN"/"Infinity",
 * Jackson's string escaping (short escapes for \b\t\n\f\r, \u00XX upper-case
 * for other controls, characters beyond the BMP as \uD83D\uDE00 surrogate
 * escapes, everything else raw UTF-8, "/" unescaped). jansson cannot produce
 * this (it has no float/double distinction and prints reals with %.17g),
 * and building a tree per record only to print it would be wasted
 * allocation on the hottest path. Input is parsed with jansson.
 *
 * Where Connect silently coerces mistyped input (a JSON string read as an
 * int32 becomes 0), Tributary refuses it with an error naming the field:
 * a poison record should go to the DLQ, not become a wrong row.
 *
 * Numbers that jansson cannot hold exactly are kept as text (see
 * protect_big_numbers), so NUMERIC decimals of any length read exactly.
 * Integers beyond int64 are refused (Connect would silently wrap them).
 */
#include "proto/json_converter.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"
#include "proto/converter.h"

/* ---- Java number text ------------------------------------------------------------------------ */

static bool roundtrips(const char *s, double x, bool is_float) {
    if (is_float) return strtof(s, NULL) == (float)x;
    return strtod(s, NULL) == x;
}

/* Moves a "%.*e" text ([-]d.ddde[+-]XX) one unit in its last digit away
 * from zero (up) or towards zero, keeping the digit count. */
static bool neighbour(char *sci, bool up) {
    char *s = sci[0] == '-' ? sci + 1 : sci;
    bool neg = s != sci;
    if (neg) up = !up;   /* magnitudes: "up" means larger value */
    char *e = strchr(s, 'e');
    if (!e) return false;
    int exp10 = atoi(e + 1);
    char digits[24];
    int nd = 0;
    for (char *q = s; q < e; q++)
        if (*q >= '0' && *q <= '9') digits[nd++] = *q;
    int i = nd - 1;
    if (up) {
        while (i >= 0 && digits[i] == '9') digits[i--] = '0';
        if (i < 0) {   /* 9.99 -> 10.00: renormalise to 1.000 */
            digits[0] = '1';
            exp10++;
        } else {
            digits[i]++;
        }
    } else {
        while (i >= 0 && digits[i] == '0') digits[i--] = '9';
        if (i < 0) return false;
        digits[i]--;
        if (digits[0] == '0') {   /* 1.00 -> 0.99: renormalise to 9.99 */
            if (nd == 1) return false;
            memmove(digits, digits + 1, (size_t)nd - 1);
            digits[nd - 1] = '9';
            exp10--;
        }
    }
    char *o = s;
    *o++ = digits[0];
    if (nd > 1) {
        *o++ = '.';
        memcpy(o, digits + 1, (size_t)nd - 1);
        o += nd - 1;
    }
    sprintf(o, "e%+03d", exp10);
    return true;
}

/* Whether some p-digit decimal rounds back to x; if so it is left in sci.
 * That is the closest p-digit decimal, or, when it misses (at a power of
 * two the rounding interval is lopsided), its neighbour on the far side. */
static bool digits_roundtrip(double x, bool is_float, int p, char *sci) {
    snprintf(sci, 48, "%.*e", p - 1, x);
    if (roundtrips(sci, x, is_float)) return true;
    return neighbour(sci, strtod(sci, NULL) < x) && roundtrips(sci, x, is_float);
}

/* Java's Double.toString / Float.toString (JDK 19+): the shortest decimal
 * that rounds back to the value (closest one on ties of length; when one
 * digit suffices, two digits are allowed if closer, hence 4.9E-324), shown
 * plain for 1e-3 <= |x| < 1e7 and as d.dddE<n> otherwise. */
static size_t java_number(double x, bool is_float, char *buf) {
    if (isnan(x)) return (size_t)sprintf(buf, "NaN");
    if (isinf(x)) return (size_t)sprintf(buf, x > 0 ? "Infinity" : "-Infinity");
    if (x == 0) return (size_t)sprintf(buf, signbit(x) ? "-0.0" : "0.0");

    char sci[48];
    int maxp = is_float ? 9 : 17, dig = is_float ? FLT_DIG : DBL_DIG, p;
    if (fabs(x) >= (is_float ? FLT_MIN : DBL_MIN)) {
        /* Normal numbers: decimals of up to DBL_DIG (FLT_DIG) digits map to
         * distinct values, so if the closest dig-digit decimal rounds back,
         * it is the shortest one padded with zeros (stripped below). Most
         * real data stops at this single probe. */
        for (p = dig; p < maxp; p++)
            if (digits_roundtrip(x, is_float, p, sci)) break;
        if (p == maxp) snprintf(sci, sizeof sci, "%.*e", maxp - 1, x);
        if (p == dig) p = 0;   /* length unknown until zeros are stripped; never the 1-digit case below */
    } else {
        /* Subnormals: binary search for the fewest digits that round back. */
        int lo = 1, hi = maxp;
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (digits_roundtrip(x, is_float, mid, sci))
                hi = mid;
            else
                lo = mid + 1;
        }
        p = lo;
        if (!digits_roundtrip(x, is_float, p, sci)) snprintf(sci, sizeof sci, "%.*e", maxp - 1, x);
    }
    if (p == 1) {
        char two[48];
        snprintf(two, sizeof two, "%.1e", x);
        if (roundtrips(two, x, is_float)) memcpy(sci, two, sizeof two);
    }
    /* sci is [-]d[.ddd]e(+|-)XX: pull out digits and exponent. */
    const char *s = sci;
    bool neg = *s == '-';
    if (neg) s++;
    char digits[24];
    int nd = 0;
    for (; *s && *s != 'e'; s++)
        if (*s >= '0' && *s <= '9') digits[nd++] = *s;
    int e = atoi(s + 1);
    while (nd > 1 && digits[nd - 1] == '0') nd--;

    char *o = buf;
    if (neg) *o++ = '-';
    if (e >= -3 && e < 7) {
        if (e >= 0) {
            for (int i = 0; i <= e; i++) *o++ = i < nd ? digits[i] : '0';
            *o++ = '.';
            if (nd > e + 1)
                for (int i = e + 1; i < nd; i++) *o++ = digits[i];
            else
                *o++ = '0';
        } else {
            *o++ = '0';
            *o++ = '.';
            for (int i = 0; i < -e - 1; i++) *o++ = '0';
            for (int i = 0; i < nd; i++) *o++ = digits[i];
        }
    } else {
        *o++ = digits[0];
        *o++ = '.';
        if (nd > 1)
            for (int i = 1; i < nd; i++) *o++ = digits[i];
        else
            *o++ = '0';
        o += sprintf(o, "E%d", e);
    }
    *o = '\0';
    return (size_t)(o - buf);
}

size_t trib_java_double_str(double d, char *buf) { return java_number(d, false, buf); }
size_t trib_java_float_str(float f, char *buf) { return java_number((double)f, true, buf); }

/* BigInteger.toByteArray is minimal: drop redundant leading sign bytes. */
static void minimal_twos(const uint8_t **p, size_t *n) {
    while (*n > 1 && (((*p)[0] == 0x00 && !((*p)[1] & 0x80)) || ((*p)[0] == 0xFF && ((*p)[1] & 0x80)))) {
        (*p)++;
        (*n)--;
    }
}

char *trib_java_bigdecimal_str(const void *unscaled, size_t n, int scale) {
    char *intstr = trib_decimal_to_string(unscaled, n, 0);   /* "-12345" */
    const char *digits = intstr[0] == '-' ? intstr + 1 : intstr;
    bool neg = intstr[0] == '-';
    long len = (long)strlen(digits);
    long adjusted = -(long)scale + (len - 1);
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    if (neg) trib_strbuf_putc(&sb, '-');
    if (scale >= 0 && adjusted >= -6) {
        if (scale == 0) {
            trib_strbuf_puts(&sb, digits);
        } else if (len > scale) {
            trib_strbuf_append(&sb, digits, (size_t)(len - scale));
            trib_strbuf_putc(&sb, '.');
            trib_strbuf_puts(&sb, digits + (len - scale));
        } else {
            trib_strbuf_puts(&sb, "0.");
            for (long i = 0; i < scale - len; i++) trib_strbuf_putc(&sb, '0');
            trib_strbuf_puts(&sb, digits);
        }
    } else {
        trib_strbuf_putc(&sb, digits[0]);
        if (len > 1) {
            trib_strbuf_putc(&sb, '.');
            trib_strbuf_puts(&sb, digits + 1);
        }
        trib_strbuf_printf(&sb, "E%s%ld", adjusted > 0 ? "+" : "", adjusted);
    }
    free(intstr);
    return trib_strbuf_take(&sb);
}

/* ---- Jackson's string escaping and base64 -------------------------------------------------------- */

static const char HEX[] = "0123456789ABCDEF";

/* Decodes one UTF-8 sequence at s (n bytes available). Returns its length
 * and the code point, or 0 for an invalid sequence (overlong, surrogate,
 * beyond U+10FFFF, truncated). */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp) {
    unsigned char c = s[0];
    size_t len;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xE0) == 0xC0) {
        len = 2, v = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3, v = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (len > n) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = v;
    return len;
}

static void put_u_escape(trib_strbuf *sb, unsigned v) {
    char e[6] = {'\\', 'u', HEX[(v >> 12) & 15], HEX[(v >> 8) & 15], HEX[(v >> 4) & 15], HEX[v & 15]};
    trib_strbuf_append(sb, e, 6);
}

/* A quoted JSON string as Jackson's UTF8JsonGenerator writes it. Invalid
 * UTF-8 becomes U+FFFD, as a Java String decoded from those bytes would. */
static void write_string(trib_strbuf *sb, const char *data, size_t n) {
    const unsigned char *s = (const unsigned char *)data;
    trib_strbuf_reserve(sb, n + 2);
    trib_strbuf_putc(sb, '"');
    size_t run = 0;   /* start of bytes copied verbatim */
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            i++;
            continue;
        }
        if (c >= 0x80) {
            uint32_t cp;
            size_t l = utf8_decode(s + i, n - i, &cp);
            if (l && cp < 0x10000) {
                i += l;
                continue;
            }
            trib_strbuf_append(sb, s + run, i - run);
            if (l) {
                uint32_t v = cp - 0x10000;
                put_u_escape(sb, 0xD800 + (v >> 10));
                put_u_escape(sb, 0xDC00 + (v & 0x3FF));
                i += l;
            } else {
                trib_strbuf_append(sb, "\xEF\xBF\xBD", 3);
                i++;
            }
            run = i;
            continue;
        }
        trib_strbuf_append(sb, s + run, i - run);
        switch (c) {
        case '"': trib_strbuf_append(sb, "\\\"", 2); break;
        case '\\': trib_strbuf_append(sb, "\\\\", 2); break;
        case '\b': trib_strbuf_append(sb, "\\b", 2); break;
        case '\t': trib_strbuf_append(sb, "\\t", 2); break;
        case '\n': trib_strbuf_append(sb, "\\n", 2); break;
        case '\f': trib_strbuf_append(sb, "\\f", 2); break;
        case '\r': trib_strbuf_append(sb, "\\r", 2); break;
        default: put_u_escape(sb, c); break;
        }
        i++;
        run = i;
    }
    trib_strbuf_append(sb, s + run, n - run);
    trib_strbuf_putc(sb, '"');
}

static void write_cstr(trib_strbuf *sb, const char *s) { write_string(sb, s, strlen(s)); }

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Quoted standard base64 with padding (Jackson's default MIME-NO-LINEFEEDS). */
static void write_base64(trib_strbuf *sb, const uint8_t *p, size_t n) {
    trib_strbuf_reserve(sb, (n + 2) / 3 * 4 + 2);
    trib_strbuf_putc(sb, '"');
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        char q[4] = {B64[v >> 18], B64[(v >> 12) & 63], B64[(v >> 6) & 63], B64[v & 63]};
        trib_strbuf_append(sb, q, 4);
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)p[i] << 16;
        char q[4] = {B64[v >> 18], B64[(v >> 12) & 63], '=', '='};
        trib_strbuf_append(sb, q, 4);
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
        char q[4] = {B64[v >> 18], B64[(v >> 12) & 63], B64[(v >> 6) & 63], '='};
        trib_strbuf_append(sb, q, 4);
    }
    trib_strbuf_putc(sb, '"');
}

static int b64val(unsigned char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* Standard base64; whitespace is skipped and trailing padding optional.
 * Returns a malloc'd buffer (never NULL on success) or NULL if invalid. */
static uint8_t *base64_decode(const char *s, size_t n, size_t *outlen) {
    uint8_t *out = trib_xmalloc(n / 4 * 3 + 3);
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0, pad = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
        if (c == '=') {
            pad++;
            continue;
        }
        int v = b64val(c);
        if (v < 0 || pad) {
            free(out);
            return NULL;
        }
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    /* Leftover bits must be padding zeros, and at most 4 bits can be left. */
    if (bits >= 6 || pad > 2 || (acc & ((1u << bits) - 1)) != 0) {
        free(out);
        return NULL;
    }
    *outlen = o;
    return out;
}

/* ---- shared context: options, error, field path ------------------------------------------------------ */

typedef struct jctx {
    const trib_json_opts *o;
    trib_error *err;
    char path[400];
    size_t plen;
} jctx;

static void jctx_init(jctx *c, const trib_json_opts *o, trib_error *err) {
    c->o = o;
    c->err = err;
    c->path[0] = '\0';
    c->plen = 0;
}

static size_t path_push(jctx *c, const char *name, long index) {
    size_t old = c->plen;
    int n;
    if (name)
        n = snprintf(c->path + c->plen, sizeof c->path - c->plen, "%s%s", c->plen ? "." : "", name);
    else
        n = snprintf(c->path + c->plen, sizeof c->path - c->plen, "[%ld]", index);
    if (n > 0) c->plen = c->plen + (size_t)n < sizeof c->path ? c->plen + (size_t)n : sizeof c->path - 1;
    return old;
}

static void path_pop(jctx *c, size_t old) {
    c->plen = old;
    c->path[old] = '\0';
}

/* Connect's message, then the field path when there is one. */
static int jfail(jctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int jfail(jctx *c, const char *fmt, ...) {
    char msg[TRIB_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->plen) return trib_error_set(c->err, TRIB_ERR_INVALID, "%s (field \"%s\")", msg, c->path);
    return trib_error_set(c->err, TRIB_ERR_INVALID, "%s", msg);
}

static bool type_ok(trib_type t) { return (int)t >= TRIB_INT8 && t <= TRIB_STRUCT; }

/* Connect's JSON schema type names. */
static const char *json_type_name(trib_type t) {
    switch (t) {
    case TRIB_FLOAT32: return "float";
    case TRIB_FLOAT64: return "double";
    default: return trib_type_name(t);
    }
}

/* Struct schema identity for values: equality, except that a struct used as
 * its own schema's default value was necessarily built before the default
 * was set, so the top-level default does not count. */
static bool struct_schema_matches(const trib_schema *vs, const trib_schema *s) {
    if (vs == s || trib_schema_equal(vs, s)) return true;
    if (!vs || !s || vs->type != s->type || vs->optional != s->optional || vs->version != s->version ||
        vs->nfields != s->nfields)
        return false;
    if ((vs->name == NULL) != (s->name == NULL) || (vs->name && strcmp(vs->name, s->name) != 0)) return false;
    if ((vs->doc == NULL) != (s->doc == NULL) || (vs->doc && strcmp(vs->doc, s->doc) != 0)) return false;
    if (!trib_props_equal(vs->params, s->params)) return false;
    for (size_t i = 0; i < s->nfields; i++)
        if (strcmp(vs->fields[i].name, s->fields[i].name) != 0 ||
            !trib_schema_equal(vs->fields[i].schema, s->fields[i].schema))
            return false;
    return true;
}

/* ---- Connect data -> JSON text ---------------------------------------------------------------------- */

static int write_value(jctx *c, const trib_schema *s, const trib_value *v, trib_strbuf *sb);

static int decimal_scale(jctx *c, const trib_schema *s, int *scale) {
    const char *p = trib_schema_param(s, TRIB_DECIMAL_SCALE_PARAM);
    int64_t v;
    if (!p) return jfail(c, "Invalid Decimal schema: scale parameter not found.");
    if (trib_parse_int64(p, &v) != 0 || v < INT32_MIN || v > INT32_MAX)
        return jfail(c, "Invalid Decimal schema: scale parameter \"%s\" is not an int", p);
    *scale = (int)v;
    return 0;
}

static int write_decimal(jctx *c, const trib_schema *s, const trib_value *v, trib_strbuf *sb) {
    if (v->type != TRIB_BYTES)
        return jfail(c, "Invalid type for Decimal, expected BigDecimal but was class %s",
                     trib_type_java_class(v->type));
    int scale;
    if (decimal_scale(c, s, &scale)) return -1;
    const uint8_t *p = (const uint8_t *)v->u.str.data;
    size_t n = v->u.str.len;
    static const uint8_t zero = 0;
    if (n == 0) p = &zero, n = 1;
    minimal_twos(&p, &n);
    if (c->o->decimal_numeric) {
        char *t = trib_java_bigdecimal_str(p, n, scale);
        trib_strbuf_puts(sb, t);
        free(t);
    } else {
        write_base64(sb, p, n);
    }
    return 0;
}

static void write_double(trib_strbuf *sb, double d, bool is_float) {
    char num[TRIB_JAVA_NUM_MAX];
    size_t n = java_number(d, is_float, num);
    /* Jackson quotes non-finite numbers (QUOTE_NON_NUMERIC_NUMBERS). */
    if (!isfinite(d)) {
        write_string(sb, num, n);
        return;
    }
    trib_strbuf_append(sb, num, n);
}

static int write_map(jctx *c, const trib_schema *s, const trib_value *v, trib_strbuf *sb) {
    const trib_schema *ks = s ? s->key_schema : NULL, *vs = s ? s->value_schema : NULL;
    bool object_mode;
    if (s) {
        if (!ks || !vs) return jfail(c, "MAP schema has no key or value schema");
        object_mode = ks->type == TRIB_STRING;
    } else {
        object_mode = true;
        for (size_t i = 0; i < v->u.map.n && object_mode; i++)
            object_mode = v->u.map.keys[i] && v->u.map.keys[i]->type == TRIB_STRING;
    }
    trib_strbuf_putc(sb, object_mode ? '{' : '[');
    for (size_t i = 0; i < v->u.map.n; i++) {
        const trib_value *k = v->u.map.keys[i];
        if (i) trib_strbuf_putc(sb, ',');
        size_t old;
        if (k && k->type == TRIB_STRING)
            old = path_push(c, k->u.str.data, 0);
        else
            old = path_push(c, NULL, (long)i);
        if (object_mode) {
            /* Connect uses the key's JSON text (JsonNode.asText). */
            if (!k) {
                if (ks && !ks->optional && !(ks->default_value && c->o->replace_null_with_default)) {
                    path_pop(c, old);
                    return jfail(c, "Conversion error: null value for field that is required and has no default value");
                }
                const trib_value *dk = ks ? ks->default_value : NULL;
                if (dk && c->o->replace_null_with_default && dk->type == TRIB_STRING)
                    write_string(sb, dk->u.str.data, dk->u.str.len);
                else
                    write_cstr(sb, "null");
            } else if (k->type != TRIB_STRING) {
                path_pop(c, old);
                return jfail(c, "Invalid type for STRING: class %s", trib_type_java_class(k->type));
            } else {
                write_string(sb, k->u.str.data, k->u.str.len);
            }
            trib_strbuf_putc(sb, ':');
            if (write_value(c, vs, v->u.map.vals[i], sb)) return -1;
        } else {
            trib_strbuf_putc(sb, '[');
            if (write_value(c, ks, k, sb)) return -1;
            trib_strbuf_putc(sb, ',');
            if (write_value(c, vs, v->u.map.vals[i], sb)) return -1;
            trib_strbuf_putc(sb, ']');
        }
        path_pop(c, old);
    }
    trib_strbuf_putc(sb, object_mode ? '}' : ']');
    return 0;
}

static int write_value(jctx *c, const trib_schema *s, const trib_value *v, trib_strbuf *sb) {
    if (!v) {
        if (!s) {
            trib_strbuf_puts(sb, "null");
            return 0;
        }
        if (s->default_value && c->o->replace_null_with_default) return write_value(c, s, s->default_value, sb);
        if (s->optional) {
            trib_strbuf_puts(sb, "null");
            return 0;
        }
        return jfail(c, "Conversion error: null value for field that is required and has no default value");
    }
    if (!type_ok(v->type)) return jfail(c, "Couldn't convert a value of unknown type %d to JSON.", (int)v->type);
    if (s && s->name) {
        if (s->type == TRIB_BYTES && strcmp(s->name, TRIB_LOGICAL_DECIMAL) == 0) return write_decimal(c, s, v, sb);
        /* Date, Time and Timestamp travel as their integer form; the type
         * check below covers them. */
    }
    trib_type t = s ? s->type : v->type;
    if (s && v->type != s->type)
        return jfail(c, "Invalid type for %s: class %s", trib_type_upper_name(s->type),
                     trib_type_java_class(v->type));
    switch (t) {
    case TRIB_INT8:
    case TRIB_INT16:
    case TRIB_INT32:
    case TRIB_INT64:
        trib_strbuf_printf(sb, "%" PRId64, v->u.i);
        return 0;
    case TRIB_FLOAT32:
        write_double(sb, (double)(float)v->u.f, true);
        return 0;
    case TRIB_FLOAT64:
        write_double(sb, v->u.f, false);
        return 0;
    case TRIB_BOOLEAN:
        trib_strbuf_puts(sb, v->u.b ? "true" : "false");
        return 0;
    case TRIB_STRING:
        write_string(sb, v->u.str.data, v->u.str.len);
        return 0;
    case TRIB_BYTES:
        write_base64(sb, (const uint8_t *)v->u.str.data, v->u.str.len);
        return 0;
    case TRIB_ARRAY: {
        const trib_schema *is = s ? s->value_schema : NULL;
        if (s && !is) return jfail(c, "ARRAY schema has no item schema");
        trib_strbuf_putc(sb, '[');
        for (size_t i = 0; i < v->u.arr.n; i++) {
            if (i) trib_strbuf_putc(sb, ',');
            size_t old = path_push(c, NULL, (long)i);
            if (write_value(c, is, v->u.arr.items[i], sb)) return -1;
            path_pop(c, old);
        }
        trib_strbuf_putc(sb, ']');
        return 0;
    }
    case TRIB_MAP:
        return write_map(c, s, v, sb);
    case TRIB_STRUCT: {
        if (!s || !struct_schema_matches(v->u.st.schema, s)) return jfail(c, "Mismatching schema.");
        trib_strbuf_putc(sb, '{');
        for (size_t i = 0; i < s->nfields; i++) {
            if (i) trib_strbuf_putc(sb, ',');
            write_cstr(sb, s->fields[i].name);
            trib_strbuf_putc(sb, ':');
            size_t old = path_push(c, s->fields[i].name, 0);
            if (write_value(c, s->fields[i].schema, v->u.st.fields[i], sb)) return -1;
            path_pop(c, old);
        }
        trib_strbuf_putc(sb, '}');
        return 0;
    }
    }
    return jfail(c, "Couldn't convert value to JSON.");
}

/* JsonConverter.asJsonSchema; field_name is appended last for struct fields. */
static int write_schema(jctx *c, const trib_schema *s, const char *field_name, trib_strbuf *sb) {
    if (!type_ok(s->type)) return jfail(c, "Couldn't translate unsupported schema type %d.", (int)s->type);
    trib_strbuf_puts(sb, "{\"type\":\"");
    trib_strbuf_puts(sb, json_type_name(s->type));
    trib_strbuf_putc(sb, '"');
    switch (s->type) {
    case TRIB_ARRAY:
        if (!s->value_schema) return jfail(c, "ARRAY schema has no item schema");
        trib_strbuf_puts(sb, ",\"items\":");
        if (write_schema(c, s->value_schema, NULL, sb)) return -1;
        break;
    case TRIB_MAP:
        if (!s->key_schema || !s->value_schema) return jfail(c, "MAP schema has no key or value schema");
        trib_strbuf_puts(sb, ",\"keys\":");
        if (write_schema(c, s->key_schema, NULL, sb)) return -1;
        trib_strbuf_puts(sb, ",\"values\":");
        if (write_schema(c, s->value_schema, NULL, sb)) return -1;
        break;
    case TRIB_STRUCT:
        trib_strbuf_puts(sb, ",\"fields\":[");
        for (size_t i = 0; i < s->nfields; i++) {
            if (i) trib_strbuf_putc(sb, ',');
            size_t old = path_push(c, s->fields[i].name, 0);
            if (write_schema(c, s->fields[i].schema, s->fields[i].name, sb)) return -1;
            path_pop(c, old);
        }
        trib_strbuf_putc(sb, ']');
        break;
    default:
        break;
    }
    trib_strbuf_puts(sb, s->optional ? ",\"optional\":true" : ",\"optional\":false");
    if (s->name) {
        trib_strbuf_puts(sb, ",\"name\":");
        write_cstr(sb, s->name);
    }
    if (s->version) trib_strbuf_printf(sb, ",\"version\":%" PRId32, s->version);
    if (s->doc) {
        trib_strbuf_puts(sb, ",\"doc\":");
        write_cstr(sb, s->doc);
    }
    if (s->params) {
        trib_strbuf_puts(sb, ",\"parameters\":{");
        for (size_t i = 0; i < trib_props_count(s->params); i++) {
            if (i) trib_strbuf_putc(sb, ',');
            write_cstr(sb, trib_props_key_at(s->params, i));
            trib_strbuf_putc(sb, ':');
            write_cstr(sb, trib_props_value_at(s->params, i));
        }
        trib_strbuf_putc(sb, '}');
    }
    if (s->default_value) {
        trib_strbuf_puts(sb, ",\"default\":");
        if (write_value(c, s, s->default_value, sb)) return -1;
    }
    if (field_name) {
        trib_strbuf_puts(sb, ",\"field\":");
        write_cstr(sb, field_name);
    }
    trib_strbuf_putc(sb, '}');
    return 0;
}

int trib_json_write_schema(const trib_schema *s, const trib_json_opts *o, trib_strbuf *out, trib_error *err) {
    jctx c;
    jctx_init(&c, o, err);
    if (!s) return trib_error_set(err, TRIB_ERR_INVALID, "no schema to write");
    return write_schema(&c, s, NULL, out);
}

int trib_json_write_value(const trib_schema *s, const trib_value *v, const trib_json_opts *o, trib_strbuf *out,
                          trib_error *err) {
    jctx c;
    jctx_init(&c, o, err);
    return write_value(&c, s, v, out);
}

/* ---- JSON -> Connect data ------------------------------------------------------------------------------- */

/* Numbers jansson cannot hold exactly (integers beyond int64, reals with
 * more than 15 significant digits or a huge exponent) would be refused or
 * rounded by it, where Connect's Jackson keeps them exact (BigInteger,
 * BigDecimal). Before parsing, such number tokens are rewritten as strings
 * starting with BIGNUM_MARK; the readers below treat those as numbers and
 * use their exact text. Plain strings never start with the mark's NUL. */
#define BIGNUM_MARK "\\u0000#num:"
#define BIGNUM_MARK_DECODED "\0#num:"
#define BIGNUM_MARK_LEN 6

static bool big_token(const char *t, size_t n) {
    bool real = false;
    int sig = 0;
    bool leading = true;
    long exp10 = 0;
    size_t i = 0;
    if (i < n && t[i] == '-') i++;
    for (; i < n; i++) {
        char c = t[i];
        if (c == '.') {
            real = true;
        } else if (c == 'e' || c == 'E') {
            /* the token is not NUL-terminated: parse the exponent within it */
            real = true;
            size_t k = i + 1;
            bool neg = false;
            if (k < n && (t[k] == '-' || t[k] == '+')) neg = t[k++] == '-';
            for (; k < n && t[k] >= '0' && t[k] <= '9' && exp10 < 100000; k++) exp10 = exp10 * 10 + (t[k] - '0');
            if (neg) exp10 = -exp10;
            break;
        } else if (c >= '0' && c <= '9') {
            if (c != '0') leading = false;
            if (!leading) sig++;
        }
    }
    if (!real) return sig >= 19;   /* may not fit int64: read from the text */
    return sig > 15 || exp10 > 300 || exp10 < -300;
}

/* Returns a rewritten copy of the input when some number needs protecting,
 * else NULL (the common case: one pass, no allocation). */
static char *protect_big_numbers(const char *p, size_t n, size_t *outlen) {
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    size_t copied = 0;
    bool in_str = false;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (in_str) {
            if (c == '\\') i++;
            else if (c == '"') in_str = false;
            continue;
        }
        if (c == '"') {
            in_str = true;
            continue;
        }
        if (c != '-' && !(c >= '0' && c <= '9')) continue;
        size_t j = i;
        while (j < n && (p[j] == '-' || p[j] == '+' || p[j] == '.' || p[j] == 'e' || p[j] == 'E' ||
                         (p[j] >= '0' && p[j] <= '9')))
            j++;
        if (big_token(p + i, j - i)) {
            trib_strbuf_append(&sb, p + copied, i - copied);
            trib_strbuf_puts(&sb, "\"" BIGNUM_MARK);
            trib_strbuf_append(&sb, p + i, j - i);
            trib_strbuf_putc(&sb, '"');
            copied = j;
        }
        i = j - 1;
    }
    if (!sb.data) return NULL;
    trib_strbuf_append(&sb, p + copied, n - copied);
    *outlen = sb.len;
    return trib_strbuf_take(&sb);
}

/* The exact text of a protected big number, or NULL. */
static const char *big_number(const json_t *j) {
    if (!json_is_string(j) || json_string_length(j) <= BIGNUM_MARK_LEN) return NULL;
    const char *s = json_string_value(j);
    return memcmp(s, BIGNUM_MARK_DECODED, BIGNUM_MARK_LEN) == 0 ? s + BIGNUM_MARK_LEN : NULL;
}

static bool big_is_integral(const char *t) { return strpbrk(t, ".eE") == NULL; }

/* A JSON integer as int64: plain, or protected text that still fits. */
static bool json_int64(const json_t *j, int64_t *out) {
    if (json_is_integer(j)) {
        *out = json_integer_value(j);
        return true;
    }
    const char *big = big_number(j);
    return big && big_is_integral(big) && trib_parse_int64(big, out) == 0;
}

static bool is_number(const json_t *j) { return json_is_number(j) || big_number(j); }

/* Jackson's JsonNodeType names, which Connect's messages use. */
static const char *node_type(const json_t *j) {
    if (!j) return "MISSING";
    if (big_number(j)) return "NUMBER";
    switch (json_typeof(j)) {
    case JSON_OBJECT: return "OBJECT";
    case JSON_ARRAY: return "ARRAY";
    case JSON_STRING: return "STRING";
    case JSON_INTEGER:
    case JSON_REAL: return "NUMBER";
    case JSON_TRUE:
    case JSON_FALSE: return "BOOLEAN";
    case JSON_NULL: return "NULL";
    }
    return "UNKNOWN";
}

static int to_value(jctx *c, const trib_schema *s, const json_t *j, trib_value **out);

static int wrong_node(jctx *c, const trib_schema *s, const json_t *j) {
    return jfail(c, "Invalid JSON %s for %s schema", node_type(j), trib_type_upper_name(s->type));
}

/* Text of a JSON number as Java would print it, for decimals read from JSON. */
static void number_text(const json_t *j, char *buf, size_t cap) {
    const char *big = big_number(j);
    if (big)
        snprintf(buf, cap, "%s", big);
    else if (json_is_integer(j))
        sprintf(buf, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
    else
        java_number(json_real_value(j), false, buf);
}

static int decimal_to_connect(jctx *c, const trib_schema *s, const json_t *j, trib_value **out) {
    int scale;
    if (is_number(j)) {
        if (decimal_scale(c, s, &scale)) return -1;
        char num[256];
        number_text(j, num, sizeof num);
        trib_error e;
        if (trib_decimal_from_string(num, scale, out, &e)) return jfail(c, "Invalid Decimal value %s: %s", num, e.msg);
        return 0;
    }
    if (json_is_string(j)) {   /* base64 (big numbers were taken above) */
        if (decimal_scale(c, s, &scale)) return -1;
        size_t n;
        uint8_t *b = base64_decode(json_string_value(j), json_string_length(j), &n);
        if (!b || n == 0) {
            free(b);
            return jfail(c, "Invalid bytes for Decimal field");
        }
        const uint8_t *p = b;
        minimal_twos(&p, &n);
        *out = trib_value_bytes(p, n);
        free(b);
        return 0;
    }
    return jfail(c, "Invalid type for Decimal, underlying representation should be numeric or bytes but was %s",
                 node_type(j));
}

static int int_to_connect(jctx *c, const trib_schema *s, const json_t *j, trib_value **out) {
    const char *big = big_number(j);
    int64_t v;
    if (!json_int64(j, &v)) {
        if (big && big_is_integral(big))
            return jfail(c, "Invalid value %.60s for %s schema: out of range", big, trib_type_upper_name(s->type));
        return wrong_node(c, s, j);
    }
    int64_t lo = s->type == TRIB_INT8 ? INT8_MIN : s->type == TRIB_INT16 ? INT16_MIN
               : s->type == TRIB_INT32 ? INT32_MIN : INT64_MIN;
    int64_t hi = s->type == TRIB_INT8 ? INT8_MAX : s->type == TRIB_INT16 ? INT16_MAX
               : s->type == TRIB_INT32 ? INT32_MAX : INT64_MAX;
    if (v < lo || v > hi)
        return jfail(c, "Invalid value %" PRId64 " for %s schema: out of range", v, trib_type_upper_name(s->type));
    *out = trib_value_int(s->type, (int64_t)v);
    return 0;
}

static int map_to_connect(jctx *c, const trib_schema *s, const json_t *j, trib_value **out) {
    const trib_schema *ks = s ? s->key_schema : NULL, *vs = s ? s->value_schema : NULL;
    trib_value *m = trib_value_map_new();
    if (!s || ks->type == TRIB_STRING) {
        if (!json_is_object(j)) {
            trib_value_destroy(m);
            return jfail(c, "Maps with string fields should be encoded as JSON objects, but found %s", node_type(j));
        }
        const char *key;
        json_t *val;
        json_object_foreach((json_t *)j, key, val) {
            size_t old = path_push(c, key, 0);
            trib_value *cv = NULL;
            if (to_value(c, vs, val, &cv)) {
                trib_value_destroy(m);
                return -1;
            }
            path_pop(c, old);
            trib_value_map_put_take(m, trib_value_string(key), cv);
        }
    } else {
        if (!json_is_array(j)) {
            trib_value_destroy(m);
            return jfail(c, "Maps with non-string fields should be encoded as JSON array of tuples, but found %s",
                         node_type(j));
        }
        size_t i;
        json_t *e;
        json_array_foreach(j, i, e) {
            size_t old = path_push(c, NULL, (long)i);
            if (!json_is_array(e)) {
                trib_value_destroy(m);
                return jfail(c, "Found invalid map entry instead of array tuple: %s", node_type(e));
            }
            if (json_array_size(e) != 2) {
                trib_value_destroy(m);
                return jfail(c, "Found invalid map entry, expected length 2 but found :%zu", json_array_size(e));
            }
            trib_value *k = NULL, *v = NULL;
            if (to_value(c, ks, json_array_get(e, 0), &k) || to_value(c, vs, json_array_get(e, 1), &v)) {
                trib_value_destroy(k);
                trib_value_destroy(m);
                return -1;
            }
            path_pop(c, old);
            trib_value_map_put_take(m, k, v);
        }
    }
    *out = m;
    return 0;
}

static int to_value(jctx *c, const trib_schema *s, const json_t *j, trib_value **out) {
    *out = NULL;
    if (!s) {   /* schemaless: the JSON type decides */
        if (!j) return 0;
        switch (json_typeof(j)) {
        case JSON_NULL: return 0;
        case JSON_TRUE:
        case JSON_FALSE: *out = trib_value_bool(json_is_true(j)); return 0;
        case JSON_INTEGER: *out = trib_value_int(TRIB_INT64, json_integer_value(j)); return 0;
        case JSON_REAL: *out = trib_value_float(TRIB_FLOAT64, json_real_value(j)); return 0;
        case JSON_STRING: {
            const char *big = big_number(j);
            int64_t iv;
            if (big && json_int64(j, &iv)) {
                *out = trib_value_int(TRIB_INT64, iv);
                return 0;
            }
            if (big && big_is_integral(big))
                return jfail(c, "Invalid value %.60s for INT64 schema: out of range", big);
            if (big) *out = trib_value_float(TRIB_FLOAT64, strtod(big, NULL));
            else *out = trib_value_string_n(json_string_value(j), json_string_length(j));
            return 0;
        }
        case JSON_OBJECT: return map_to_connect(c, NULL, j, out);
        case JSON_ARRAY: break;
        }
        trib_value *arr = trib_value_array_new();
        size_t i;
        json_t *e;
        json_array_foreach(j, i, e) {
            trib_value *item = NULL;
            size_t old = path_push(c, NULL, (long)i);
            if (to_value(c, NULL, e, &item)) {
                trib_value_destroy(arr);
                return -1;
            }
            path_pop(c, old);
            trib_value_array_append_take(arr, item);
        }
        *out = arr;
        return 0;
    }

    if (!type_ok(s->type)) return jfail(c, "Unknown schema type: %d", (int)s->type);
    if (!j || json_is_null(j)) {
        if (s->default_value && c->o->replace_null_with_default) {
            *out = trib_value_clone(s->default_value);
            return 0;
        }
        if (s->optional) return 0;
        return jfail(c, "Invalid null value for required %s field", trib_type_upper_name(s->type));
    }

    /* Logical types, each only on its own underlying type (a value always
     * carries the schema's type). */
    if (s->name) {
        if (s->type == TRIB_BYTES && strcmp(s->name, TRIB_LOGICAL_DECIMAL) == 0) return decimal_to_connect(c, s, j, out);
        bool is_date = s->type == TRIB_INT32 && strcmp(s->name, TRIB_LOGICAL_DATE) == 0;
        bool is_time = s->type == TRIB_INT32 && strcmp(s->name, TRIB_LOGICAL_TIME) == 0;
        if (is_date || is_time) {
            json_int_t v = json_is_integer(j) ? json_integer_value(j) : 0;
            if (!json_is_integer(j) || v < INT32_MIN || v > INT32_MAX)
                return jfail(c, "Invalid type for %s, underlying representation should be integer but was %s",
                             is_date ? "Date" : "Time", node_type(j));
            *out = trib_value_int(s->type, (int64_t)v);
            return 0;
        }
        if (s->type == TRIB_INT64 && strcmp(s->name, TRIB_LOGICAL_TIMESTAMP) == 0) {
            const char *big = big_number(j);
            int64_t tv;
            if (json_int64(j, &tv)) {
                *out = trib_value_int(s->type, tv);
                return 0;
            }
            if (big && big_is_integral(big))
                return jfail(c, "Invalid value %.60s for Timestamp: out of range", big);
            return jfail(c, "Invalid type for Timestamp, underlying representation should be integral but was %s",
                         node_type(j));
        }
    }

    switch (s->type) {
    case TRIB_BOOLEAN:
        if (!json_is_boolean(j)) return wrong_node(c, s, j);
        *out = trib_value_bool(json_is_true(j));
        return 0;
    case TRIB_INT8:
    case TRIB_INT16:
    case TRIB_INT32:
    case TRIB_INT64:
        return int_to_connect(c, s, j, out);
    case TRIB_FLOAT32:
    case TRIB_FLOAT64: {
        double d;
        const char *big = big_number(j);
        if (big) {
            d = strtod(big, NULL);
        } else if (json_is_number(j)) {
            d = json_number_value(j);
        } else if (json_is_string(j) && strcmp(json_string_value(j), "NaN") == 0) {
            d = NAN;   /* what Connect itself writes for non-finite numbers */
        } else if (json_is_string(j) && strcmp(json_string_value(j), "Infinity") == 0) {
            d = INFINITY;
        } else if (json_is_string(j) && strcmp(json_string_value(j), "-Infinity") == 0) {
            d = -INFINITY;
        } else {
            return wrong_node(c, s, j);
        }
        *out = trib_value_float(s->type, d);
        return 0;
    }
    case TRIB_STRING:
        if (!json_is_string(j) || big_number(j)) return wrong_node(c, s, j);
        *out = trib_value_string_n(json_string_value(j), json_string_length(j));
        return 0;
    case TRIB_BYTES: {
        if (!json_is_string(j) || big_number(j)) return jfail(c, "Invalid bytes field: expected a base64 string but found %s", node_type(j));
        size_t n;
        uint8_t *b = base64_decode(json_string_value(j), json_string_length(j), &n);
        if (!b) return jfail(c, "Invalid bytes field: not valid base64");
        *out = trib_value_bytes(b, n);
        free(b);
        return 0;
    }
    case TRIB_ARRAY: {
        if (!json_is_array(j)) return wrong_node(c, s, j);
        trib_value *arr = trib_value_array_new();
        size_t i;
        json_t *e;
        json_array_foreach(j, i, e) {
            trib_value *item = NULL;
            size_t old = path_push(c, NULL, (long)i);
            if (to_value(c, s->value_schema, e, &item)) {
                trib_value_destroy(arr);
                return -1;
            }
            path_pop(c, old);
            trib_value_array_append_take(arr, item);
        }
        *out = arr;
        return 0;
    }
    case TRIB_MAP:
        return map_to_connect(c, s, j, out);
    case TRIB_STRUCT: {
        if (!json_is_object(j))
            return jfail(c, "Structs should be encoded as JSON objects, but found %s", node_type(j));
        trib_value *st = trib_value_struct_new((trib_schema *)s);
        for (size_t i = 0; i < s->nfields; i++) {
            size_t old = path_push(c, s->fields[i].name, 0);
            if (to_value(c, s->fields[i].schema, json_object_get(j, s->fields[i].name), &st->u.st.fields[i])) {
                trib_value_destroy(st);
                return -1;
            }
            path_pop(c, old);
        }
        *out = st;
        return 0;
    }
    }
    return jfail(c, "Unknown schema type: %s", trib_type_upper_name(s->type));
}

int trib_json_to_value(const trib_schema *s, const json_t *j, const trib_json_opts *o, trib_value **out,
                       trib_error *err) {
    jctx c;
    jctx_init(&c, o, err);
    return to_value(&c, s, j, out);
}

/* JsonConverter.asConnectSchema. */
static int parse_schema(jctx *c, const json_t *j, trib_schema **out) {
    *out = NULL;
    if (!j || json_is_null(j)) return 0;
    const json_t *tn = json_is_object(j) ? json_object_get(j, "type") : NULL;
    if (!json_is_string(tn)) return jfail(c, "Schema must contain 'type' field");
    const char *tname = json_string_value(tn);
    static const struct { const char *name; trib_type type; } names[] = {
        {"boolean", TRIB_BOOLEAN}, {"int8", TRIB_INT8},     {"int16", TRIB_INT16},   {"int32", TRIB_INT32},
        {"int64", TRIB_INT64},     {"float", TRIB_FLOAT32}, {"double", TRIB_FLOAT64}, {"bytes", TRIB_BYTES},
        {"string", TRIB_STRING},   {"array", TRIB_ARRAY},   {"map", TRIB_MAP},       {"struct", TRIB_STRUCT},
    };
    int ti = -1;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(tname, names[i].name) == 0) ti = (int)i;
    if (ti < 0) return jfail(c, "Unknown schema type: %s", tname);

    trib_schema *s = trib_schema_new(names[ti].type);
    switch (s->type) {
    case TRIB_ARRAY: {
        const json_t *items = json_object_get(j, "items");
        if (!items || json_is_null(items)) {
            trib_schema_unref(s);
            return jfail(c, "Array schema did not specify the element type");
        }
        if (parse_schema(c, items, &s->value_schema)) {
            trib_schema_unref(s);
            return -1;
        }
        break;
    }
    case TRIB_MAP: {
        const json_t *k = json_object_get(j, "keys"), *v = json_object_get(j, "values");
        if (!k || json_is_null(k)) {
            trib_schema_unref(s);
            return jfail(c, "Map schema did not specify the key type");
        }
        if (!v || json_is_null(v)) {
            trib_schema_unref(s);
            return jfail(c, "Map schema did not specify the value type");
        }
        if (parse_schema(c, k, &s->key_schema) || parse_schema(c, v, &s->value_schema)) {
            trib_schema_unref(s);
            return -1;
        }
        break;
    }
    case TRIB_STRUCT: {
        const json_t *fields = json_object_get(j, "fields");
        if (!json_is_array(fields)) {
            trib_schema_unref(s);
            return jfail(c, "Struct schema's \"fields\" argument is not an array.");
        }
        size_t i;
        json_t *f;
        json_array_foreach(fields, i, f) {
            const json_t *fname = json_is_object(f) ? json_object_get(f, "field") : NULL;
            if (!json_is_string(fname)) {
                trib_schema_unref(s);
                return jfail(c, "Struct schema's field name not specified properly");
            }
            const char *name = json_string_value(fname);
            if (trib_schema_field(s, name)) {
                trib_schema_unref(s);
                return jfail(c, "Cannot create field because of field name duplication %s", name);
            }
            trib_schema *fs = NULL;
            size_t old = path_push(c, name, 0);
            if (parse_schema(c, f, &fs)) {
                trib_schema_unref(s);
                return -1;
            }
            path_pop(c, old);
            trib_schema_add_field_take(s, name, fs);
        }
        break;
    }
    default:
        break;
    }

    const json_t *n = json_object_get(j, "optional");
    s->optional = json_is_true(n);
    n = json_object_get(j, "name");
    if (json_is_string(n)) trib_schema_set_name(s, json_string_value(n));
    n = json_object_get(j, "version");
    if (json_is_integer(n)) s->version = (int32_t)json_integer_value(n);
    n = json_object_get(j, "doc");
    if (json_is_string(n)) trib_schema_set_doc(s, json_string_value(n));
    n = json_object_get(j, "parameters");
    if (json_is_object(n)) {
        const char *key;
        json_t *val;
        json_object_foreach((json_t *)n, key, val) {
            if (!json_is_string(val)) {
                trib_schema_unref(s);
                return jfail(c, "Schema parameters must have string values.");
            }
            trib_schema_set_param(s, key, json_string_value(val));
        }
    }
    n = json_object_get(j, "default");
    if (n) {
        /* A struct default refers to its schema; give it a default-less copy
         * so the schema does not end up holding a reference to itself. */
        trib_schema *target = s->type == TRIB_STRUCT ? trib_schema_copy(s) : s;
        trib_value *dv = NULL;
        int rc = to_value(c, target, n, &dv);
        if (target != s) trib_schema_unref(target);
        if (rc) {
            trib_schema_unref(s);
            return trib_error_prefix(c->err, "Invalid default value");
        }
        s->default_value = dv;
    }
    *out = s;
    return 0;
}

int trib_json_parse_schema(const json_t *j, const trib_json_opts *o, trib_schema **out, trib_error *err) {
    jctx c;
    jctx_init(&c, o, err);
    return parse_schema(&c, j, out);
}

/* ---- the converter plugin ------------------------------------------------------------------------------- */

static const char *const decimal_formats[] = {"BASE64", "NUMERIC", NULL};

static const trib_config_def json_config[] = {
    {.name = "schemas.enable", .type = TRIB_CFG_BOOLEAN, .default_value = "true", .importance = TRIB_IMP_HIGH,
     .doc = "Include schemas within each of the serialized values and keys.", .group = "Schemas",
     .order = TRIB_CFG_ORDER_0, .width = TRIB_WIDTH_MEDIUM, .display_name = "Enable Schemas"},
    {.name = "schemas.cache.size", .type = TRIB_CFG_INT, .default_value = "1000", .importance = TRIB_IMP_HIGH,
     .doc = "The maximum number of schemas that can be cached in this converter instance.", .group = "Schemas",
     .order = 1, .width = TRIB_WIDTH_MEDIUM, .display_name = "Schema Cache Size"},
    {.name = "decimal.format", .type = TRIB_CFG_STRING, .default_value = "BASE64", .importance = TRIB_IMP_LOW,
     .doc = "Controls which format this converter will serialize decimals in. This value is case insensitive and "
            "can be either 'BASE64' (default) or 'NUMERIC'",
     .group = "Serialization", .order = TRIB_CFG_ORDER_0, .width = TRIB_WIDTH_MEDIUM, .display_name = "Decimal Format",
     .one_of = decimal_formats},
    {.name = "replace.null.with.default", .type = TRIB_CFG_BOOLEAN, .default_value = "true",
     .importance = TRIB_IMP_LOW,
     .doc = "Whether to replace fields that have a default value and that are null to the default value. When set "
            "to true, the default value is used, otherwise null is used.",
     .group = "Serialization", .order = 1, .width = TRIB_WIDTH_MEDIUM, .display_name = "Replace null with default"},
    TRIB_CONFIG_END,
};

/* Schema caches, as Connect's fromConnectSchemaCache/toConnectSchemaCache:
 * bounded by schemas.cache.size, least recently used evicted. Outgoing
 * schemas are keyed by identity (schemas are immutable and shared, so a
 * connector's records reuse one pointer); incoming ones by JSON content. */
typedef struct out_entry {
    trib_schema *schema;   /* holds a reference so the pointer stays unique */
    char *text;
    size_t len;
    uint64_t used;
} out_entry;

typedef struct in_entry {
    uint64_t hash;
    json_t *json;
    trib_schema *schema;
    uint64_t used;
} in_entry;

typedef struct json_conv {
    bool schemas_enable;
    trib_json_opts opts;
    size_t cache_size;
    out_entry *outc;
    size_t nout, last_out;
    in_entry *inc;
    size_t nin, last_in;
    uint64_t tick;
} json_conv;

static int json_create(const trib_props *config, bool is_key, void **ctx, trib_error *err) {
    (void)is_key;
    trib_config *cfg = trib_config_bind(json_config, config, "", err);
    if (!cfg) return trib_error_prefix(err, "JsonConverter");
    json_conv *jc = trib_xcalloc(1, sizeof *jc);
    jc->schemas_enable = trib_config_bool(cfg, "schemas.enable");
    int32_t cs = trib_config_int(cfg, "schemas.cache.size");
    jc->cache_size = cs > 0 ? (size_t)cs : 0;
    jc->opts.decimal_numeric = strcasecmp(trib_config_string(cfg, "decimal.format"), "NUMERIC") == 0;
    jc->opts.replace_null_with_default = trib_config_bool(cfg, "replace.null.with.default");
    trib_config_destroy(cfg);
    *ctx = jc;
    return 0;
}

static void json_destroy(void *ctx) {
    json_conv *jc = ctx;
    if (!jc) return;
    for (size_t i = 0; i < jc->nout; i++) {
        trib_schema_unref(jc->outc[i].schema);
        free(jc->outc[i].text);
    }
    free(jc->outc);
    for (size_t i = 0; i < jc->nin; i++) {
        json_decref(jc->inc[i].json);
        trib_schema_unref(jc->inc[i].schema);
    }
    free(jc->inc);
    free(jc);
}

/* Index of the slot to fill: a free one, else the least recently used. */
static size_t lru_victim(size_t n, size_t cap, const void *base, size_t stride, size_t used_off) {
    if (n < cap) return n;
    size_t best = 0;
    uint64_t oldest = UINT64_MAX;
    for (size_t i = 0; i < n; i++) {
        uint64_t u;
        memcpy(&u, (const char *)base + i * stride + used_off, sizeof u);
        if (u < oldest) oldest = u, best = i;
    }
    return best;
}

/* Appends the schema's JSON, from the cache when possible. */
static int append_schema(json_conv *jc, const trib_schema *s, trib_strbuf *out, trib_error *err) {
    jc->tick++;
    if (jc->nout) {
        if (jc->outc[jc->last_out].schema == s) {
            out_entry *e = &jc->outc[jc->last_out];
            e->used = jc->tick;
            trib_strbuf_append(out, e->text, e->len);
            return 0;
        }
        for (size_t i = 0; i < jc->nout; i++) {
            if (jc->outc[i].schema == s) {
                jc->last_out = i;
                jc->outc[i].used = jc->tick;
                trib_strbuf_append(out, jc->outc[i].text, jc->outc[i].len);
                return 0;
            }
        }
    }
    size_t start = out->len;
    jctx c;
    jctx_init(&c, &jc->opts, err);
    if (write_schema(&c, s, NULL, out)) return -1;
    if (jc->cache_size == 0) return 0;
    if (!jc->outc) jc->outc = trib_xcalloc(jc->cache_size, sizeof *jc->outc);
    size_t slot = lru_victim(jc->nout, jc->cache_size, jc->outc, sizeof *jc->outc, offsetof(out_entry, used));
    if (slot == jc->nout) {
        jc->nout++;
    } else {
        trib_schema_unref(jc->outc[slot].schema);
        free(jc->outc[slot].text);
    }
    jc->outc[slot].schema = trib_schema_ref((trib_schema *)s);
    jc->outc[slot].len = out->len - start;
    jc->outc[slot].text = trib_xstrndup(out->data + start, out->len - start);
    jc->outc[slot].used = jc->tick;
    jc->last_out = slot;
    return 0;
}

static int json_from_connect(void *ctx, const char *topic, const trib_schema *schema, const trib_value *v,
                             trib_strbuf *out, bool *out_null, trib_error *err) {
    (void)topic;
    json_conv *jc = ctx;
    *out_null = false;
    /* As Connect: only "no schema and no value" is a Kafka null; a null
     * under a schema is written (payload null, or the default). */
    if (!schema && !v) {
        *out_null = true;
        return 0;
    }
    size_t start = out->len;
    jctx c;
    jctx_init(&c, &jc->opts, err);
    int rc;
    if (jc->schemas_enable) {
        trib_strbuf_puts(out, "{\"schema\":");
        rc = schema ? append_schema(jc, schema, out, err) : (trib_strbuf_puts(out, "null"), 0);
        if (rc == 0) {
            trib_strbuf_puts(out, ",\"payload\":");
            rc = write_value(&c, schema, v, out);
            trib_strbuf_putc(out, '}');
        }
    } else {
        rc = write_value(&c, schema, v, out);
    }
    if (rc) {
        out->len = start;
        if (out->data) out->data[start] = '\0';
    }
    return rc;
}

static uint64_t mix(uint64_t h, const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* Structural hash of a JSON tree (key order counts; equal trees that differ
 * in key order merely miss the cache). */
static uint64_t json_hash(const json_t *j, uint64_t h) {
    char tag = (char)json_typeof(j);
    h = mix(h, &tag, 1);
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)j, k, v) {
            h = mix(h, k, strlen(k) + 1);
            h = json_hash(v, h);
        }
        return h;
    }
    case JSON_ARRAY: {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v) h = json_hash(v, h);
        return h;
    }
    case JSON_STRING: return mix(h, json_string_value(j), json_string_length(j));
    case JSON_INTEGER: {
        json_int_t v = json_integer_value(j);
        return mix(h, &v, sizeof v);
    }
    case JSON_REAL: {
        double d = json_real_value(j);
        return mix(h, &d, sizeof d);
    }
    default: return h;
    }
}

static int schema_from_json(json_conv *jc, const json_t *sj, trib_schema **out, trib_error *err) {
    *out = NULL;
    if (json_is_null(sj)) return 0;
    uint64_t h = json_hash(sj, 1469598103934665603ULL);
    jc->tick++;
    if (jc->nin) {
        in_entry *e = &jc->inc[jc->last_in];
        if (e->hash == h && json_equal(e->json, (json_t *)sj)) {
            e->used = jc->tick;
            *out = trib_schema_ref(e->schema);
            return 0;
        }
        for (size_t i = 0; i < jc->nin; i++) {
            e = &jc->inc[i];
            if (e->hash == h && json_equal(e->json, (json_t *)sj)) {
                e->used = jc->tick;
                jc->last_in = i;
                *out = trib_schema_ref(e->schema);
                return 0;
            }
        }
    }
    jctx c;
    jctx_init(&c, &jc->opts, err);
    if (parse_schema(&c, sj, out)) return -1;
    if (jc->cache_size == 0) return 0;
    if (!jc->inc) jc->inc = trib_xcalloc(jc->cache_size, sizeof *jc->inc);
    size_t slot = lru_victim(jc->nin, jc->cache_size, jc->inc, sizeof *jc->inc, offsetof(in_entry, used));
    if (slot == jc->nin) {
        jc->nin++;
    } else {
        json_decref(jc->inc[slot].json);
        trib_schema_unref(jc->inc[slot].schema);
    }
    jc->inc[slot].hash = h;
    jc->inc[slot].json = json_incref((json_t *)sj);
    jc->inc[slot].schema = trib_schema_ref(*out);
    jc->inc[slot].used = jc->tick;
    jc->last_in = slot;
    return 0;
}

#define ENVELOPE_MSG                                                                                            \
    "JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not contain additional " \
    "fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter "      \
    "configuration."

static int json_to_connect(void *ctx, const char *topic, const void *data, size_t len, trib_schema **schema,
                           trib_value **v, trib_error *err) {
    (void)topic;
    json_conv *jc = ctx;
    *schema = NULL;
    *v = NULL;
    if (!data) return 0;   /* tombstone */
    const char *p = data;
    size_t ws = 0;
    while (ws < len && (p[ws] == ' ' || p[ws] == '\t' || p[ws] == '\r' || p[ws] == '\n')) ws++;
    if (ws == len) {   /* no content: Jackson reads a missing node */
        if (jc->schemas_enable) return trib_error_set(err, TRIB_ERR_INVALID, ENVELOPE_MSG);
        return 0;
    }
    json_error_t jerr;
    size_t plen = 0;
    char *protected = protect_big_numbers(data, len, &plen);
    json_t *root = protected ? json_loadb(protected, plen, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr)
                             : json_loadb(data, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    free(protected);
    if (!root)
        return trib_error_set(err, TRIB_ERR_INVALID,
                              "Converting byte[] to Kafka Connect data failed due to serialization error: %s "
                              "(line %d, column %d)",
                              jerr.text, jerr.line, jerr.column);
    const json_t *payload = root;
    int rc = 0;
    if (jc->schemas_enable) {
        if (!json_is_object(root) || json_object_size(root) != 2 || !json_object_get(root, "schema") ||
            !json_object_get(root, "payload")) {
            json_decref(root);
            return trib_error_set(err, TRIB_ERR_INVALID, ENVELOPE_MSG);
        }
        payload = json_object_get(root, "payload");
        rc = schema_from_json(jc, json_object_get(root, "schema"), schema, err);
    }
    if (rc == 0) {
        jctx c;
        jctx_init(&c, &jc->opts, err);
        rc = to_value(&c, *schema, payload, v);
    }
    json_decref(root);
    if (rc) {
        trib_schema_unref(*schema);
        *schema = NULL;
        *v = NULL;
    }
    return rc;
}

const trib_converter_plugin trib_json_converter_plugin = {
    .class_name = "org.apache.kafka.connect.json.JsonConverter",
    .alias = "JsonConverter",
    .doc = "Connect data as JSON, optionally with Connect's {\"schema\", \"payload\"} envelope",
    .config = json_config,
    .create = json_create,
    .from_connect = json_from_connect,
    .to_connect = json_to_connect,
    .destroy = json_destroy,
};
