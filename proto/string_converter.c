/*
 * string_converter.c: org.apache.kafka.connect.storage.StringConverter.
 *
 * Writing ignores the schema and writes the value's Java toString() text as
 * UTF-8, as Connect does: numbers as Java prints them (Float.toString,
 * Double.toString), lists as "[1, 2]", maps as "{a=1, b=null}", structs as
 * "Struct{a=1,c=[1.5]}" (null fields left out), decimals as
 * BigDecimal.toString, Date/Time/Timestamp as java.util.Date.toString in UTC
 * ("Thu Jan 01 00:00:00 UTC 1970"). BYTES, whose Java toString is an
 * identity hash ("[B@1b6d3586") that carries nothing, are written as the
 * raw bytes instead.
 *
 * Reading gives an optional STRING schema and the text, with malformed
 * UTF-8 replaced by U+FFFD as Java's decoder does. Only UTF-8 is supported
 * for converter.encoding; any other charset is refused at configuration.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/util.h"
#include "proto/converter.h"
#include "proto/json_converter.h"

static int encoding_ok(const trib_config_def *def, const char *value, trib_error *err) {
    (void)def;
    if (strcasecmp(value, "UTF-8") == 0 || strcasecmp(value, "UTF8") == 0 ||
        strcasecmp(value, "unicode-1-1-utf-8") == 0)
        return 0;
    return trib_error_set(err, TRIB_ERR_INVALID, "unsupported encoding; this StringConverter supports only UTF-8");
}

static const trib_config_def string_config[] = {
    {.name = "converter.encoding", .type = TRIB_CFG_STRING, .default_value = "UTF-8", .importance = TRIB_IMP_HIGH,
     .doc = "The name of the Java character set to use for encoding strings as byte arrays.",
     .width = TRIB_WIDTH_MEDIUM, .display_name = "Encoding", .validate = encoding_ok},
    TRIB_CONFIG_END,
};

static int sc_create(const trib_props *config, bool is_key, void **ctx, trib_error *err) {
    (void)is_key;
    trib_config *cfg = trib_config_bind(string_config, config, "", err);
    if (!cfg) return trib_error_prefix(err, "StringConverter");
    trib_config_destroy(cfg);
    *ctx = trib_schema_primitive(TRIB_STRING, true);   /* Schema.OPTIONAL_STRING_SCHEMA */
    return 0;
}

static void sc_destroy(void *ctx) { trib_schema_unref(ctx); }

/* java.util.Date.toString in UTC: "EEE MMM dd HH:mm:ss zzz yyyy". */
static void put_java_date(trib_strbuf *sb, int64_t ms) {
    int64_t secs = ms / 1000 - (ms % 1000 < 0 ? 1 : 0);
    time_t t = (time_t)secs;
    struct tm tm;
    char buf[64];
    if (gmtime_r(&t, &tm) && strftime(buf, sizeof buf, "%a %b %d %H:%M:%S UTC %Y", &tm) > 0)
        trib_strbuf_puts(sb, buf);
    else
        trib_strbuf_printf(sb, "%" PRId64, ms);
}

/* Java's toString of a Connect value (null -> "null"). */
static void put_java_text(trib_strbuf *sb, const trib_schema *s, const trib_value *v) {
    char num[TRIB_JAVA_NUM_MAX];
    if (!v) {
        trib_strbuf_puts(sb, "null");
        return;
    }
    if (s && s->name && s->type == v->type) {
        if (strcmp(s->name, TRIB_LOGICAL_DECIMAL) == 0 && v->type == TRIB_BYTES) {
            char *t = trib_java_bigdecimal_str(v->u.str.data, v->u.str.len, trib_schema_decimal_scale(s));
            trib_strbuf_puts(sb, t);
            free(t);
            return;
        }
        if (strcmp(s->name, TRIB_LOGICAL_DATE) == 0) {
            put_java_date(sb, v->u.i * 86400000LL);
            return;
        }
        if (strcmp(s->name, TRIB_LOGICAL_TIME) == 0 || strcmp(s->name, TRIB_LOGICAL_TIMESTAMP) == 0) {
            put_java_date(sb, v->u.i);
            return;
        }
    }
    switch (v->type) {
    case TRIB_INT8:
    case TRIB_INT16:
    case TRIB_INT32:
    case TRIB_INT64:
        trib_strbuf_printf(sb, "%" PRId64, v->u.i);
        return;
    case TRIB_FLOAT32:
        trib_strbuf_append(sb, num, trib_java_float_str((float)v->u.f, num));
        return;
    case TRIB_FLOAT64:
        trib_strbuf_append(sb, num, trib_java_double_str(v->u.f, num));
        return;
    case TRIB_BOOLEAN:
        trib_strbuf_puts(sb, v->u.b ? "true" : "false");
        return;
    case TRIB_STRING:
    case TRIB_BYTES:
        trib_strbuf_append(sb, v->u.str.data, v->u.str.len);
        return;
    case TRIB_ARRAY: {
        const trib_schema *is = s && s->type == TRIB_ARRAY ? s->value_schema : NULL;
        trib_strbuf_putc(sb, '[');
        for (size_t i = 0; i < v->u.arr.n; i++) {
            if (i) trib_strbuf_puts(sb, ", ");
            put_java_text(sb, is, v->u.arr.items[i]);
        }
        trib_strbuf_putc(sb, ']');
        return;
    }
    case TRIB_MAP: {
        const trib_schema *ks = s && s->type == TRIB_MAP ? s->key_schema : NULL;
        const trib_schema *vs = s && s->type == TRIB_MAP ? s->value_schema : NULL;
        trib_strbuf_putc(sb, '{');
        for (size_t i = 0; i < v->u.map.n; i++) {
            if (i) trib_strbuf_puts(sb, ", ");
            put_java_text(sb, ks, v->u.map.keys[i]);
            trib_strbuf_putc(sb, '=');
            put_java_text(sb, vs, v->u.map.vals[i]);
        }
        trib_strbuf_putc(sb, '}');
        return;
    }
    case TRIB_STRUCT: {
        const trib_schema *st = v->u.st.schema;
        bool first = true;
        trib_strbuf_puts(sb, "Struct{");
        for (size_t i = 0; st && i < st->nfields; i++) {
            if (!v->u.st.fields[i]) continue;
            if (!first) trib_strbuf_putc(sb, ',');
            first = false;
            trib_strbuf_puts(sb, st->fields[i].name);
            trib_strbuf_putc(sb, '=');
            put_java_text(sb, st->fields[i].schema, v->u.st.fields[i]);
        }
        trib_strbuf_putc(sb, '}');
        return;
    }
    }
}

static int sc_from_connect(void *ctx, const char *topic, const trib_schema *schema, const trib_value *v,
                           trib_strbuf *out, bool *out_null, trib_error *err) {
    (void)ctx;
    (void)topic;
    (void)err;
    *out_null = v == NULL;
    if (v) put_java_text(out, schema, v);
    return 0;
}

/* Length of the maximal valid prefix of a UTF-8 sequence starting at s
 * (Unicode's "maximal subpart"), and whether it is complete. */
static size_t utf8_prefix(const unsigned char *s, size_t n, bool *complete) {
    unsigned char c = s[0];
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF;   /* allowed range of the second byte */
    *complete = false;
    if (c < 0x80) {
        *complete = true;
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else {
        return 1;   /* invalid lead byte */
    }
    size_t i = 1;
    for (; i < need && i < n; i++) {
        unsigned char b = s[i];
        if (i == 1 ? (b < lo || b > hi) : (b & 0xC0) != 0x80) break;
    }
    *complete = i == need;
    return i;
}

static int sc_to_connect(void *ctx, const char *topic, const void *data, size_t len, trib_schema **schema,
                         trib_value **v, trib_error *err) {
    (void)topic;
    (void)err;
    *schema = trib_schema_ref(ctx);
    *v = NULL;
    if (!data) return 0;
    const unsigned char *s = data;
    size_t i = 0;
    /* Fast path: valid UTF-8 is copied as is. */
    while (i < len) {
        bool complete;
        size_t l = utf8_prefix(s + i, len - i, &complete);
        if (!complete) break;
        i += l;
    }
    if (i == len) {
        *v = trib_value_string_n(data, len);
        return 0;
    }
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    trib_strbuf_append(&sb, s, i);
    while (i < len) {
        bool complete;
        size_t l = utf8_prefix(s + i, len - i, &complete);
        if (complete)
            trib_strbuf_append(&sb, s + i, l);
        else
            trib_strbuf_append(&sb, "\xEF\xBF\xBD", 3);
        i += l;
    }
    size_t n = sb.len;
    char *text = trib_strbuf_take(&sb);
    *v = trib_value_string_n(text, n);
    free(text);
    return 0;
}

const trib_converter_plugin trib_string_converter_plugin = {
    .class_name = "org.apache.kafka.connect.storage.StringConverter",
    .alias = "StringConverter",
    .doc = "Values as UTF-8 text (Java toString form); reads an optional string",
    .config = string_config,
    .create = sc_create,
    .from_connect = sc_from_connect,
    .to_connect = sc_to_connect,
    .destroy = sc_destroy,
};
