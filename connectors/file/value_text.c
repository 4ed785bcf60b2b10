/*
 * value_text.c: Java String.valueOf() text of a Connect value, for the
 * FileStreamSink (see value_text.h for what is exact and what differs).
 */
#include "connectors/file/value_text.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Shortest decimal digits that read back as d (as float when is_float),
 * and the decimal exponent of the first digit: d = D[0].D[1..] * 10^exp.
 * Like Java (JDK 19+ Double.toString), at least two digits are considered,
 * so Double.MIN_VALUE prints 4.9E-324, not 5.0E-324. */
static void shortest_digits(double d, bool is_float, char *digits, size_t size, int *exp10) {
    char tmp[64];
    int maxp = is_float ? 9 : 17;
    for (int p = 2; p <= maxp; p++) {
        snprintf(tmp, sizeof tmp, "%.*e", p - 1, d);
        if (is_float ? strtof(tmp, NULL) == (float)d : strtod(tmp, NULL) == d) break;
    }
    /* tmp is "d.ddde[+-]XX" (no sign: d is positive here). */
    size_t n = 0;
    const char *c = tmp;
    for (; *c && *c != 'e'; c++)
        if (*c >= '0' && *c <= '9' && n + 1 < size) digits[n++] = *c;
    while (n > 1 && digits[n - 1] == '0') n--;
    digits[n] = '\0';
    *exp10 = (*c == 'e') ? atoi(c + 1) : 0;
}

void trib_java_double_text(double d, bool is_float, char *buf, size_t size) {
    if (isnan(d)) { snprintf(buf, size, "NaN"); return; }
    if (isinf(d)) { snprintf(buf, size, d < 0 ? "-Infinity" : "Infinity"); return; }
    if (d == 0) { snprintf(buf, size, signbit(d) ? "-0.0" : "0.0"); return; }

    trib_strbuf sb;
    trib_strbuf_init(&sb);
    if (d < 0) { trib_strbuf_putc(&sb, '-'); d = -d; }
    char digits[32];
    int e;
    shortest_digits(d, is_float, digits, sizeof digits, &e);
    int n = (int)strlen(digits);
    if (d >= 1e-3 && d < 1e7) {
        if (e >= 0) {
            for (int i = 0; i <= e; i++) trib_strbuf_putc(&sb, i < n ? digits[i] : '0');
            trib_strbuf_putc(&sb, '.');
            if (n > e + 1) trib_strbuf_puts(&sb, digits + e + 1);
            else trib_strbuf_putc(&sb, '0');
        } else {
            trib_strbuf_puts(&sb, "0.");
            for (int i = 0; i < -e - 1; i++) trib_strbuf_putc(&sb, '0');
            trib_strbuf_puts(&sb, digits);
        }
    } else {
        trib_strbuf_putc(&sb, digits[0]);
        trib_strbuf_putc(&sb, '.');
        trib_strbuf_puts(&sb, n > 1 ? digits + 1 : "0");
        trib_strbuf_printf(&sb, "E%d", e);
    }
    snprintf(buf, size, "%s", sb.data);
    trib_strbuf_free(&sb);
}

/* BigDecimal.toString: plain unless the scale is negative or the adjusted
 * exponent is below -6. */
static void append_decimal(trib_strbuf *out, const trib_value *v, int scale) {
    char *unscaled = trib_decimal_to_string(v->u.str.data, v->u.str.len, 0);
    const char *coeff = unscaled;
    if (*coeff == '-') { trib_strbuf_putc(out, '-'); coeff++; }
    long len = (long)strlen(coeff);
    long adjusted = -(long)scale + (len - 1);
    if (scale == 0) {
        trib_strbuf_puts(out, coeff);
    } else if (scale > 0 && adjusted >= -6) {
        if (len > scale) {
            trib_strbuf_append(out, coeff, (size_t)(len - scale));
            trib_strbuf_putc(out, '.');
            trib_strbuf_puts(out, coeff + (len - scale));
        } else {
            trib_strbuf_puts(out, "0.");
            for (long i = 0; i < scale - len; i++) trib_strbuf_putc(out, '0');
            trib_strbuf_puts(out, coeff);
        }
    } else {
        trib_strbuf_putc(out, coeff[0]);
        if (len > 1) {
            trib_strbuf_putc(out, '.');
            trib_strbuf_puts(out, coeff + 1);
        }
        if (adjusted != 0) trib_strbuf_printf(out, "E%s%ld", adjusted > 0 ? "+" : "", adjusted);
    }
    free(unscaled);
}

/* java.util.Date.toString(): "EEE MMM dd HH:mm:ss zzz yyyy", local zone. */
static void append_date(trib_strbuf *out, int64_t ms) {
    time_t secs = (time_t)(ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000));
    struct tm tm;
    char buf[96];
    if (!localtime_r(&secs, &tm) || strftime(buf, sizeof buf, "%a %b %d %H:%M:%S %Z %Y", &tm) == 0) {
        trib_strbuf_printf(out, "%" PRId64, ms);
        return;
    }
    trib_strbuf_puts(out, buf);
}

void trib_value_append_java_text(trib_strbuf *out, const trib_schema *s, const trib_value *v) {
    if (!v) {
        trib_strbuf_puts(out, "null");
        return;
    }
    char num[64];
    switch (v->type) {
    case TRIB_INT8:
    case TRIB_INT16:
    case TRIB_INT32:
    case TRIB_INT64:
        if (s && trib_schema_is_logical(s, TRIB_LOGICAL_TIMESTAMP)) append_date(out, v->u.i);
        else if (s && trib_schema_is_logical(s, TRIB_LOGICAL_TIME)) append_date(out, v->u.i);
        else if (s && trib_schema_is_logical(s, TRIB_LOGICAL_DATE)) append_date(out, v->u.i * 86400000LL);
        else trib_strbuf_printf(out, "%" PRId64, v->u.i);
        break;
    case TRIB_FLOAT32:
    case TRIB_FLOAT64:
        trib_java_double_text(v->u.f, v->type == TRIB_FLOAT32, num, sizeof num);
        trib_strbuf_puts(out, num);
        break;
    case TRIB_BOOLEAN:
        trib_strbuf_puts(out, v->u.b ? "true" : "false");
        break;
    case TRIB_STRING:
        trib_strbuf_append(out, v->u.str.data, v->u.str.len);
        break;
    case TRIB_BYTES:
        if (s && trib_schema_is_logical(s, TRIB_LOGICAL_DECIMAL))
            append_decimal(out, v, trib_schema_decimal_scale(s));
        else
            trib_strbuf_append(out, v->u.str.data, v->u.str.len);
        break;
    case TRIB_ARRAY:
        trib_strbuf_putc(out, '[');
        for (size_t i = 0; i < v->u.arr.n; i++) {
            if (i) trib_strbuf_puts(out, ", ");
            trib_value_append_java_text(out, s ? s->value_schema : NULL, v->u.arr.items[i]);
        }
        trib_strbuf_putc(out, ']');
        break;
    case TRIB_MAP:
        trib_strbuf_putc(out, '{');
        for (size_t i = 0; i < v->u.map.n; i++) {
            if (i) trib_strbuf_puts(out, ", ");
            trib_value_append_java_text(out, s ? s->key_schema : NULL, v->u.map.keys[i]);
            trib_strbuf_putc(out, '=');
            trib_value_append_java_text(out, s ? s->value_schema : NULL, v->u.map.vals[i]);
        }
        trib_strbuf_putc(out, '}');
        break;
    case TRIB_STRUCT: {
        const trib_schema *st = v->u.st.schema;
        bool first = true;
        trib_strbuf_puts(out, "Struct{");
        for (size_t i = 0; st && i < st->nfields; i++) {
            const trib_value *f = v->u.st.fields[i];
            if (!f) continue;   /* Connect's Struct.toString skips null fields */
            if (!first) trib_strbuf_putc(out, ',');
            first = false;
            trib_strbuf_puts(out, st->fields[i].name);
            trib_strbuf_putc(out, '=');
            trib_value_append_java_text(out, st->fields[i].schema, f);
        }
        trib_strbuf_putc(out, '}');
        break;
    }
    }
}
