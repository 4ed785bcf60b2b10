/*
 * header_converter.c: header.converter (converter.h), Connect's
 * HeaderConverter: a record header's schema and value <-> the bytes of a
 * Kafka header.
 *
 * SimpleHeaderConverter writes Values.convertToString's text and reads
 * with Values.parseString (proto/values.c), so "42" comes back an INT8
 * and "true" a BOOLEAN. The other header converters Connect ships are its
 * ordinary converters (StringConverter, JsonConverter, ByteArrayConverter,
 * the number and boolean converters), which convert a header value exactly
 * as a record value: the same plugins, configured from header.converter.*.
 * These ten are the Apache Kafka classes a Connect 3.9.2 worker lists with
 * type header_converter; AvroConverter is not among them.
 */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "proto/converter.h"
#include "proto/values.h"

static const char *const classes[] = {
    TRIB_SIMPLE_HEADER_CONVERTER,
    "org.apache.kafka.connect.storage.StringConverter",
    "org.apache.kafka.connect.json.JsonConverter",
    "org.apache.kafka.connect.converters.ByteArrayConverter",
    "org.apache.kafka.connect.converters.BooleanConverter",
    "org.apache.kafka.connect.converters.DoubleConverter",
    "org.apache.kafka.connect.converters.FloatConverter",
    "org.apache.kafka.connect.converters.IntegerConverter",
    "org.apache.kafka.connect.converters.LongConverter",
    "org.apache.kafka.connect.converters.ShortConverter",
    NULL,
};

struct trib_header_converter {
    const char *class_name;
    trib_converter *conv; /* NULL for SimpleHeaderConverter */
};

const char *const *trib_header_converter_classes(void) { return classes; }

const char *trib_header_converter_class(const char *name) {
    if (!name) return NULL;
    if (strcmp(name, TRIB_SIMPLE_HEADER_CONVERTER) == 0 || strcmp(name, "SimpleHeaderConverter") == 0)
        return TRIB_SIMPLE_HEADER_CONVERTER;
    const trib_converter_info *ci = trib_converter_lookup(name);
    if (!ci) return NULL;
    for (size_t i = 1; classes[i]; i++)
        if (strcmp(classes[i], ci->class_name) == 0) return classes[i];
    return NULL;
}

int trib_header_converter_validate(const struct trib_config_def *def, const char *value, trib_error *err) {
    (void)def;
    if (trib_header_converter_class(value)) return 0;
    if (trib_converter_lookup(value))
        return trib_error_set(err, TRIB_ERR_INVALID,
                              "%s is not a header converter (header.converter takes SimpleHeaderConverter, "
                              "StringConverter, JsonConverter, ByteArrayConverter or a number/boolean converter)",
                              value);
    return trib_error_set(err, TRIB_ERR_INVALID, "Class %s could not be found.", value);
}

trib_header_converter *trib_header_converter_new(const char *name, const trib_props *config, trib_error *err) {
    const char *cls = trib_header_converter_class(name);
    if (!cls) {
        trib_header_converter_validate(NULL, name ? name : "(null)", err);
        return NULL;
    }
    trib_header_converter *hc = trib_xcalloc(1, sizeof *hc);
    hc->class_name = cls;
    if (strcmp(cls, TRIB_SIMPLE_HEADER_CONVERTER) != 0) {
        /* Connect configures it with converter.type=header: a value-side converter */
        hc->conv = trib_converter_new(cls, config, false, err);
        if (!hc->conv) {
            free(hc);
            return NULL;
        }
    }
    return hc;
}

void trib_header_converter_destroy(trib_header_converter *hc) {
    if (!hc) return;
    trib_converter_destroy(hc->conv);
    free(hc);
}

const char *trib_header_converter_name(const trib_header_converter *hc) { return hc->class_name; }

int trib_header_converter_from_connect(trib_header_converter *hc, const char *topic, const char *key,
                                       const trib_schema *schema, const trib_value *value, trib_strbuf *out,
                                       bool *out_null, trib_error *err) {
    *out_null = false;
    if (!hc->conv) {
        if (!value) {
            *out_null = true;
            return 0;
        }
        trib_values_append_string(schema, value, out);
        return 0;
    }
    if (hc->conv->plugin->from_connect(hc->conv->ctx, topic, schema, value, out, out_null, err) < 0)
        return trib_error_prefix(err, "header '%s'", key);
    return 0;
}

int trib_header_converter_to_connect(trib_header_converter *hc, const char *topic, const char *key,
                                     const void *data, size_t len, trib_schema **schema, trib_value **value,
                                     trib_error *err) {
    *schema = NULL;
    *value = NULL;
    if (!hc->conv) {
        if (data) trib_values_parse_string(data, len, schema, value);
        return 0;
    }
    if (hc->conv->plugin->to_connect(hc->conv->ctx, topic, data, len, schema, value, err) < 0)
        return trib_error_prefix(err, "header '%s'", key);
    return 0;
}

int trib_header_converter_wire(trib_header_converter *hc, const trib_record *rec, trib_header **out,
                               trib_strbuf *arena, trib_error *err) {
    *out = NULL;
    if (!rec->nheaders) return 0;
    trib_header *h = trib_xcalloc(rec->nheaders, sizeof *h);
    size_t *at = trib_xcalloc(rec->nheaders, sizeof *at);
    trib_strbuf one;
    trib_strbuf_init(&one);
    int rc = 0;
    for (size_t i = 0; i < rec->nheaders && rc == 0; i++) {
        const trib_connect_header *ch = &rec->headers[i];
        bool isnull = false;
        trib_strbuf_reset(&one);
        rc = trib_header_converter_from_connect(hc, rec->topic, ch->key, ch->schema, ch->value, &one, &isnull, err);
        h[i].key = ch->key;
        h[i].len = isnull ? 0 : one.len;
        at[i] = isnull ? SIZE_MAX : arena->len;
        if (!isnull) trib_strbuf_append(arena, one.data ? one.data : "", one.len);
    }
    /* pointers only now: the arena may have moved while it grew */
    for (size_t i = 0; i < rec->nheaders && rc == 0; i++)
        h[i].value = at[i] == SIZE_MAX ? NULL : (arena->data ? arena->data + at[i] : (char *)"");
    trib_strbuf_free(&one);
    free(at);
    if (rc < 0) {
        free(h);
        return -1;
    }
    *out = h;
    return 0;
}
