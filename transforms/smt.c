/*
 * smt.c: helpers shared by the SMTs (see smt.h): $Key/$Value access,
 * Connect's Requirements messages, map/struct surgery, the derived-schema
 * cache and Java's number formatting and narrowing rules.
 */
#include "transforms/smt.h"
#include "transforms/date_format.h"

#include "common/util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

trib_schema *smt_schema(const trib_record *r, smt_target t) {
    return t == SMT_KEY ? r->key_schema : r->value_schema;
}

trib_value *smt_value(const trib_record *r, smt_target t) {
    return t == SMT_KEY ? r->key : r->value;
}

void smt_replace(trib_record *r, smt_target t, trib_schema *schema, trib_value *value) {
    trib_schema **sp = t == SMT_KEY ? &r->key_schema : &r->value_schema;
    trib_value **vp = t == SMT_KEY ? &r->key : &r->value;
    if (value != NULL && value == *vp) {
        /* Same value tree, maybe a new schema: swap only the schema. */
        trib_schema_unref(*sp);
        *sp = schema;
        return;
    }
    if (t == SMT_KEY)
        trib_record_set_key_take(r, schema, value);
    else
        trib_record_set_value_take(r, schema, value);
}

const char *smt_java_class(const trib_schema *schema, const trib_value *v) {
    if (!v) return "null";
    if (schema && schema->name) {
        if (strcmp(schema->name, TRIB_LOGICAL_DECIMAL) == 0) return "java.math.BigDecimal";
        if (strcmp(schema->name, TRIB_LOGICAL_DATE) == 0 || strcmp(schema->name, TRIB_LOGICAL_TIME) == 0 ||
            strcmp(schema->name, TRIB_LOGICAL_TIMESTAMP) == 0)
            return "java.util.Date";
    }
    switch (v->type) {
    case TRIB_INT8: return "java.lang.Byte";
    case TRIB_INT16: return "java.lang.Short";
    case TRIB_INT32: return "java.lang.Integer";
    case TRIB_INT64: return "java.lang.Long";
    case TRIB_FLOAT32: return "java.lang.Float";
    case TRIB_FLOAT64: return "java.lang.Double";
    case TRIB_BOOLEAN: return "java.lang.Boolean";
    case TRIB_STRING: return "java.lang.String";
    case TRIB_BYTES: return "[B";
    case TRIB_ARRAY: return "java.util.ArrayList";
    case TRIB_MAP: return "java.util.HashMap";
    case TRIB_STRUCT: return "org.apache.kafka.connect.data.Struct";
    }
    return "unknown";
}

int smt_require_map(const trib_value *v, const char *purpose, trib_error *err) {
    if (v && v->type == TRIB_MAP) return 0;
    return trib_error_set(err, TRIB_ERR_INVALID,
                          "Only Map objects supported in absence of schema for [%s], found: %s", purpose,
                          smt_java_class(NULL, v));
}

int smt_require_struct(const trib_value *v, const char *purpose, trib_error *err) {
    if (v && v->type == TRIB_STRUCT) return 0;
    return trib_error_set(err, TRIB_ERR_INVALID, "Only Struct objects supported for [%s], found: %s", purpose,
                          smt_java_class(NULL, v));
}

/* ---- maps ------------------------------------------------------------------ */

long smt_map_find(const trib_value *map, const char *key) {
    size_t klen = strlen(key);
    for (size_t i = 0; i < map->u.map.n; i++) {
        const trib_value *k = map->u.map.keys[i];
        if (k && k->type == TRIB_STRING && k->u.str.len == klen && memcmp(k->u.str.data, key, klen) == 0)
            return (long)i;
    }
    return -1;
}

void smt_map_put(trib_value *map, const char *key, trib_value *val) {
    long i = smt_map_find(map, key);
    if (i >= 0) {
        trib_value_destroy(map->u.map.vals[i]);
        map->u.map.vals[i] = val;
        return;
    }
    trib_value_map_put_take(map, trib_value_string(key), val);
}

void smt_map_remove_at(trib_value *map, size_t i) {
    trib_value_destroy(map->u.map.keys[i]);
    trib_value_destroy(map->u.map.vals[i]);
    size_t rest = map->u.map.n - i - 1;
    memmove(&map->u.map.keys[i], &map->u.map.keys[i + 1], rest * sizeof(trib_value *));
    memmove(&map->u.map.vals[i], &map->u.map.vals[i + 1], rest * sizeof(trib_value *));
    map->u.map.n--;
}

/* Java's String.split(":"): trailing empty strings are dropped. */
char **smt_split_colon(const char *s, size_t *n) {
    size_t cap = 4, cnt = 0;
    char **v = trib_xmalloc(cap * sizeof *v);
    const char *start = s;
    for (const char *p = s;; p++) {
        if (*p == ':' || *p == '\0') {
            if (cnt + 1 >= cap) v = trib_xrealloc(v, (cap *= 2) * sizeof *v);
            v[cnt++] = trib_xstrndup(start, (size_t)(p - start));
            if (!*p) break;
            start = p + 1;
        }
    }
    while (cnt > 0 && v[cnt - 1][0] == '\0') free(v[--cnt]);
    v[cnt] = NULL;
    *n = cnt;
    return v;
}

/* ---- structs ----------------------------------------------------------------- */

const trib_value *smt_struct_get(const trib_value *st, size_t idx, bool with_default) {
    const trib_value *v = st->u.st.fields[idx];
    if (!v && with_default) v = st->u.st.schema->fields[idx].schema->default_value;
    return v;
}

trib_value *smt_struct_take(trib_value *st, size_t idx, bool with_default) {
    trib_value *v = st->u.st.fields[idx];
    st->u.st.fields[idx] = NULL;
    if (!v && with_default) v = trib_value_clone(st->u.st.schema->fields[idx].schema->default_value);
    return v;
}

trib_schema *smt_struct_like(const trib_schema *source) {
    trib_schema *s = trib_schema_struct_new(source->name);
    s->version = source->version;
    if (source->doc) trib_schema_set_doc(s, source->doc);
    if (source->params) {
        for (size_t i = 0; i < trib_props_count(source->params); i++)
            trib_schema_set_param(s, trib_props_key_at(source->params, i), trib_props_value_at(source->params, i));
    }
    return s;
}

const char *smt_type_upper(trib_type t) {
    static const char *names[] = {"INT8", "INT16", "INT32", "INT64", "FLOAT32", "FLOAT64",
                                  "BOOLEAN", "STRING", "BYTES", "ARRAY", "MAP", "STRUCT"};
    return (unsigned)t < sizeof names / sizeof *names ? names[t] : "UNKNOWN";
}

char *smt_schema_describe(const trib_schema *s) {
    if (!s) return trib_xstrdup("null");
    if (s->name) return trib_xasprintf("Schema{%s:%s}", s->name, smt_type_upper(s->type));
    return trib_xasprintf("Schema{%s}", smt_type_upper(s->type));
}

/* ---- schema cache ---------------------------------------------------------------- */

trib_schema *smt_cache_get(smt_schema_cache *c, const trib_schema *in) {
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < SMT_CACHE_SIZE; i++) {
            if (!c->e[i].in) continue;
            if (pass == 0 ? c->e[i].in == in : trib_schema_equal(c->e[i].in, in)) {
                c->e[i].used = ++c->tick;
                return c->e[i].out;
            }
        }
    }
    return NULL;
}

trib_schema *smt_cache_put(smt_schema_cache *c, trib_schema *in, trib_schema *out) {
    int victim = 0;
    for (int i = 0; i < SMT_CACHE_SIZE; i++) {
        if (!c->e[i].in) { victim = i; break; }
        if (c->e[i].used < c->e[victim].used) victim = i;
    }
    trib_schema_unref(c->e[victim].in);
    trib_schema_unref(c->e[victim].out);
    c->e[victim].in = trib_schema_ref(in);
    c->e[victim].out = out;
    c->e[victim].used = ++c->tick;
    return out;
}

void smt_cache_clear(smt_schema_cache *c) {
    for (int i = 0; i < SMT_CACHE_SIZE; i++) {
        trib_schema_unref(c->e[i].in);
        trib_schema_unref(c->e[i].out);
        c->e[i].in = c->e[i].out = NULL;
    }
}

/* ---- Java conversions ------------------------------------------------------------- */

char *smt_java_double_str(double d, bool is_float) {
    if (isnan(d)) return trib_xstrdup("NaN");
    if (isinf(d)) return trib_xstrdup(d > 0 ? "Infinity" : "-Infinity");
    if (d == 0) return trib_xstrdup(signbit(d) ? "-0.0" : "0.0");
    /* Shortest decimal digits that read back as the same value. */
    char buf[64];
    int maxp = is_float ? 9 : 17;
    for (int p = 1; p <= maxp; p++) {
        snprintf(buf, sizeof buf, "%.*e", p - 1, d);
        if (is_float ? strtof(buf, NULL) == (float)d : strtod(buf, NULL) == d) break;
    }
    /* buf is [-]D[.DDD]e[+-]XX: split into sign, digits and exponent. */
    bool neg = buf[0] == '-';
    char digits[32];
    size_t nd = 0;
    const char *p = buf + (neg ? 1 : 0);
    for (; *p && *p != 'e'; p++)
        if (isdigit((unsigned char)*p)) digits[nd++] = *p;
    digits[nd] = '\0';
    int exp10 = atoi(p + 1);
    while (nd > 1 && digits[nd - 1] == '0') digits[--nd] = '\0';
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    if (neg) trib_strbuf_putc(&sb, '-');
    double a = fabs(d);
    if (a >= 1e-3 && a < 1e7) {
        if (exp10 >= 0) {
            for (int i = 0; i <= exp10; i++) trib_strbuf_putc(&sb, (size_t)i < nd ? digits[i] : '0');
            trib_strbuf_putc(&sb, '.');
            if ((size_t)(exp10 + 1) < nd)
                trib_strbuf_puts(&sb, digits + exp10 + 1);
            else
                trib_strbuf_putc(&sb, '0');
        } else {
            trib_strbuf_puts(&sb, "0.");
            for (int i = 0; i < -exp10 - 1; i++) trib_strbuf_putc(&sb, '0');
            trib_strbuf_puts(&sb, digits);
        }
    } else {
        trib_strbuf_putc(&sb, digits[0]);
        trib_strbuf_putc(&sb, '.');
        trib_strbuf_puts(&sb, nd > 1 ? digits + 1 : "0");
        trib_strbuf_printf(&sb, "E%d", exp10);
    }
    return trib_strbuf_take(&sb);
}

int64_t smt_d2l(double d) {
    if (isnan(d)) return 0;
    if (d >= 9223372036854775807.0) return INT64_MAX;
    if (d <= -9223372036854775808.0) return INT64_MIN;
    return (int64_t)d;
}

int32_t smt_d2i(double d) {
    if (isnan(d)) return 0;
    if (d >= 2147483647.0) return INT32_MAX;
    if (d <= -2147483648.0) return INT32_MIN;
    return (int32_t)d;
}

/* The syntax java.math.BigDecimal(String) accepts: [+-] digits [. digits]
 * [e [+-] digits], with at least one digit in the significand. */
static bool is_bigdecimal(const char *s) {
    const char *p = s;
    if (*p == '+' || *p == '-') p++;
    size_t digits = 0;
    while (isdigit((unsigned char)*p)) { p++; digits++; }
    if (*p == '.') {
        p++;
        while (isdigit((unsigned char)*p)) { p++; digits++; }
    }
    if (!digits) return false;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (!isdigit((unsigned char)*p)) return false;
        while (isdigit((unsigned char)*p)) p++;
    }
    return *p == '\0';
}

int smt_parse_bigdecimal(const char *s, double *out) {
    if (!s || !is_bigdecimal(s)) return -1;
    *out = strtod(s, NULL);
    return 0;
}

int smt_bigdecimal_long(const char *s, int64_t *out) {
    if (!s || !is_bigdecimal(s)) return -1;
    const char *p = s;
    bool neg = false;
    if (*p == '+' || *p == '-') neg = *p++ == '-';
    /* Collect significand digits and the position of the decimal point,
     * then apply the exponent: the integer part is the first
     * (intdigits + exp) digits. Arithmetic is mod 2^64, which is exactly
     * the low 64 bits BigInteger.longValue() keeps. */
    char digits[512];
    size_t nd = 0;
    long point = -1;
    for (; *p && *p != 'e' && *p != 'E'; p++) {
        if (*p == '.') { point = (long)nd; continue; }
        if (nd < sizeof digits) digits[nd++] = *p;
    }
    if (point < 0) point = (long)nd;
    long exp10 = 0;
    if (*p == 'e' || *p == 'E') {
        errno = 0;
        exp10 = strtol(p + 1, NULL, 10);
        if (errno) exp10 = exp10 > 0 ? 100000 : -100000;
    }
    long intdigits = point + exp10;
    uint64_t acc = 0;
    for (long i = 0; i < intdigits && i < 100000; i++) {
        unsigned dg = (size_t)i < nd ? (unsigned)(digits[i] - '0') : 0;
        acc = acc * 10u + dg;
    }
    if (neg) acc = (uint64_t)0 - acc;
    *out = (int64_t)acc;
    return 0;
}

char *smt_base64(const void *data, size_t n) {
    char *out = trib_xmalloc(4 * ((n + 2) / 3) + 1);
    EVP_EncodeBlock((unsigned char *)out, data, (int)n);
    return out;
}

char *smt_iso_date_string(int64_t ms) {
    const int64_t day = 86400000;
    const char *pattern = ms < day ? "HH:mm:ss.SSS'Z'"
                          : ms % day == 0    ? "yyyy-MM-dd"
                                             : "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";
    trib_datefmt *f = trib_datefmt_compile(pattern, NULL);
    char *s = trib_datefmt_format(f, ms);
    trib_datefmt_free(f);
    return s;
}

int smt_validate_nonempty_list(const trib_config_def *def, const char *value, trib_error *err) {
    (void)def;
    size_t n = 0;
    char **v = trib_split_list(value, &n);
    trib_strv_free(v);
    if (n == 0) return trib_error_set(err, TRIB_ERR_INVALID, "Empty list");
    return 0;
}

int smt_java_parse_double(const char *s, double *out) {
    /* Java trims every char <= ' ' from both ends. */
    while (*s && (unsigned char)*s <= ' ') s++;
    size_t n = strlen(s);
    while (n && (unsigned char)s[n - 1] <= ' ') n--;
    if (!n) return -1;
    char *t = trib_xstrndup(s, n);
    const char *body = t + (t[0] == '+' || t[0] == '-');
    int rc = -1;
    if (strcmp(body, "NaN") == 0) {
        *out = NAN;
        rc = 0;
    } else if (strcmp(body, "Infinity") == 0) {
        *out = t[0] == '-' ? -INFINITY : INFINITY;
        rc = 0;
    } else if (isdigit((unsigned char)body[0]) || body[0] == '.') {
        char *end;
        double v = strtod(t, &end);
        if (end != t && (*end == 'f' || *end == 'F' || *end == 'd' || *end == 'D')) end++;
        if (end != t && *end == '\0' && !strpbrk(t, "xXpPnN")) {  /* no hex floats, no "nan(...)" */
            *out = v;
            rc = 0;
        }
    }
    free(t);
    return rc;
}

int smt_java_parse_long(const char *s, int64_t min, int64_t max, int64_t *out) {
    const char *p = s;
    if (*p == '+' || *p == '-') p++;
    if (!*p) return -1;
    for (const char *q = p; *q; q++)
        if (!isdigit((unsigned char)*q)) return -1;
    errno = 0;
    long long v = strtoll(s, NULL, 10);
    if (errno || v < min || v > max) return -1;
    *out = v;
    return 0;
}
