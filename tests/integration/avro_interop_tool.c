/*
 * avro_interop_tool.c: the C side of tests/e2e/avro_interop.t, which proves
 * that our AvroConverter and an independent implementation (Python's
 * fastavro) read each other's Confluent-framed Avro through the registry.
 *
 *   avro_interop_tool.t encode TOPIC FILE COUNT   write COUNT sample records, one hex line each
 *   avro_interop_tool.t decode TOPIC FILE         print each hex line's record as Connect JSON
 *                                                 ({"schema","payload"}, NUMERIC decimals)
 *
 * Without arguments it is an ordinary TAP test (round trip of the sample
 * record through the registry), so the build's test glob can run it.
 * Needs SCHEMA_REGISTRY_URL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "proto/converter.h"
#include "tests/tap.h"

static trib_converter *avro_converter(const char *url) {
    trib_props *p = trib_props_new();
    trib_props_set(p, "schema.registry.url", url);
    trib_error err = {0};
    trib_converter *c = trib_converter_new("AvroConverter", p, false, &err);
    trib_props_destroy(p);
    if (!c) fprintf(stderr, "avro_interop_tool: %s\n", err.msg);
    return c;
}

/* The sample record the C side writes (the Python side knows it too). */
static trib_schema *sample_schema(void) {
    trib_schema *inner = trib_schema_struct_new("it.Inner");
    trib_schema_add_field_take(inner, "x", trib_schema_primitive(TRIB_INT32, false));
    trib_schema *st = trib_schema_struct_new("it.Interop");
    trib_schema_add_field_take(st, "id", trib_schema_primitive(TRIB_INT64, false));
    trib_schema_add_field_take(st, "name", trib_schema_primitive(TRIB_STRING, false));
    trib_schema_add_field_take(st, "opt", trib_schema_primitive(TRIB_STRING, true));
    trib_schema_add_field_take(st, "score", trib_schema_primitive(TRIB_FLOAT64, false));
    trib_schema_add_field_take(st, "ratio", trib_schema_primitive(TRIB_FLOAT32, false));
    trib_schema_add_field_take(st, "active", trib_schema_primitive(TRIB_BOOLEAN, false));
    trib_schema_add_field_take(st, "small", trib_schema_primitive(TRIB_INT8, false));
    trib_schema_add_field_take(st, "mid", trib_schema_primitive(TRIB_INT16, false));
    trib_schema_add_field_take(st, "data", trib_schema_primitive(TRIB_BYTES, false));
    trib_schema_add_field_take(st, "price", trib_schema_decimal(2, false));
    trib_schema_add_field_take(st, "day", trib_schema_date(false));
    trib_schema_add_field_take(st, "at", trib_schema_timestamp(false));
    trib_schema_add_field_take(st, "tags", trib_schema_array_take(trib_schema_primitive(TRIB_STRING, false)));
    trib_schema_add_field_take(st, "attrs", trib_schema_map_take(trib_schema_primitive(TRIB_STRING, false),
                                                               trib_schema_primitive(TRIB_INT32, false)));
    trib_schema_add_field_take(st, "inner", inner);
    return st;
}

static trib_value *sample_value(trib_schema *st, int i) {
    trib_value *v = trib_value_struct_new(st);
    char buf[64];
    trib_value_struct_set_take(v, "id", trib_value_int(TRIB_INT64, 1000000000000LL + i));
    snprintf(buf, sizeof buf, "name-%d \xc3\xa9", i);
    trib_value_struct_set_take(v, "name", trib_value_string(buf));
    if (i % 2 == 0) trib_value_struct_set_take(v, "opt", trib_value_string("even"));
    trib_value_struct_set_take(v, "score", trib_value_float(TRIB_FLOAT64, i + 0.25));
    trib_value_struct_set_take(v, "ratio", trib_value_float(TRIB_FLOAT32, 0.5));
    trib_value_struct_set_take(v, "active", trib_value_bool(i % 3 == 0));
    trib_value_struct_set_take(v, "small", trib_value_int(TRIB_INT8, -i));
    trib_value_struct_set_take(v, "mid", trib_value_int(TRIB_INT16, 1000 + i));
    unsigned char raw[3] = {0, (unsigned char)i, 0xff};
    trib_value_struct_set_take(v, "data", trib_value_bytes(raw, 3));
    snprintf(buf, sizeof buf, "%d.%02d", -5 + i, i);
    trib_value *d = NULL;
    trib_decimal_from_string(buf, 2, &d, NULL);
    trib_value_struct_set_take(v, "price", d);
    trib_value_struct_set_take(v, "day", trib_value_int(TRIB_INT32, 19000 + i));
    trib_value_struct_set_take(v, "at", trib_value_int(TRIB_INT64, 1700000000000LL + i));
    trib_value *tags = trib_value_array_new();
    for (int k = 0; k < i % 3; k++) {
        snprintf(buf, sizeof buf, "t%d", k);
        trib_value_array_append_take(tags, trib_value_string(buf));
    }
    trib_value_struct_set_take(v, "tags", tags);
    trib_value *attrs = trib_value_map_new();
    trib_value_map_put_take(attrs, trib_value_string("i"), trib_value_int(TRIB_INT32, i));
    trib_value_struct_set_take(v, "attrs", attrs);
    trib_value *in = trib_value_struct_new(trib_schema_field(st, "inner")->schema);
    trib_value_struct_set_take(in, "x", trib_value_int(TRIB_INT32, i * 7));
    trib_value_struct_set_take(v, "inner", in);
    return v;
}

static int encode(const char *url, const char *topic, const char *file, int count) {
    trib_converter *c = avro_converter(url);
    if (!c) return 1;
    FILE *f = fopen(file, "w");
    if (!f) {
        perror(file);
        trib_converter_destroy(c);
        return 1;
    }
    trib_schema *st = sample_schema();
    trib_strbuf out;
    trib_strbuf_init(&out);
    int rc = 0;
    for (int i = 0; i < count && rc == 0; i++) {
        trib_value *v = sample_value(st, i);
        bool is_null;
        trib_error err = {0};
        trib_strbuf_reset(&out);
        if (c->plugin->from_connect(c->ctx, topic, st, v, &out, &is_null, &err) != 0) {
            fprintf(stderr, "avro_interop_tool: encode: %s\n", err.msg);
            rc = 1;
        }
        for (size_t k = 0; k < out.len; k++) fprintf(f, "%02x", (unsigned char)out.data[k]);
        fputc('\n', f);
        trib_value_destroy(v);
    }
    fclose(f);
    trib_strbuf_free(&out);
    trib_schema_unref(st);
    trib_converter_destroy(c);
    return rc;
}

static int decode(const char *url, const char *topic, const char *file) {
    trib_converter *c = avro_converter(url);
    trib_props *jp = trib_props_new();
    trib_props_set(jp, "decimal.format", "NUMERIC");
    trib_error err = {0};
    trib_converter *json = trib_converter_new("JsonConverter", jp, false, &err);
    trib_props_destroy(jp);
    if (!c || !json) {
        fprintf(stderr, "avro_interop_tool: %s\n", err.msg);
        trib_converter_destroy(c);
        trib_converter_destroy(json);
        return 1;
    }
    size_t len;
    char *text = trib_read_file(file, &len, &err);
    if (!text) {
        fprintf(stderr, "avro_interop_tool: %s\n", err.msg);
        trib_converter_destroy(c);
        trib_converter_destroy(json);
        return 1;
    }
    int rc = 0;
    trib_strbuf out;
    trib_strbuf_init(&out);
    for (char *line = strtok(text, "\n"); line && rc == 0; line = strtok(NULL, "\n")) {
        size_t n = strlen(line) / 2;
        unsigned char *bin = trib_xmalloc(n + 1);
        for (size_t k = 0; k < n; k++) {
            unsigned int b;
            sscanf(line + 2 * k, "%2x", &b);
            bin[k] = (unsigned char)b;
        }
        trib_schema *s = NULL;
        trib_value *v = NULL;
        bool is_null;
        trib_strbuf_reset(&out);
        if (c->plugin->to_connect(c->ctx, topic, bin, n, &s, &v, &err) != 0 ||
            json->plugin->from_connect(json->ctx, topic, s, v, &out, &is_null, &err) != 0) {
            fprintf(stderr, "avro_interop_tool: decode: %s\n", err.msg);
            rc = 1;
        } else {
            printf("%.*s\n", (int)out.len, out.data);
        }
        trib_value_destroy(v);
        trib_schema_unref(s);
        free(bin);
    }
    trib_strbuf_free(&out);
    free(text);
    trib_converter_destroy(c);
    trib_converter_destroy(json);
    return rc;
}

static int self_test(void) {
    const char *url = tap_require_env("SCHEMA_REGISTRY_URL");
    plan(3);
    trib_converter *c = avro_converter(url);
    ok(c != NULL, "an AvroConverter is created for the registry");
    if (!c) return exit_status();
    trib_schema *st = sample_schema();
    trib_value *v = sample_value(st, 4);
    trib_strbuf out;
    trib_strbuf_init(&out);
    bool is_null;
    trib_error err = {0};
    ok(c->plugin->from_connect(c->ctx, "interop-selftest", st, v, &out, &is_null, &err) == 0,
       "the interop sample record serializes");
    trib_schema *s = NULL;
    trib_value *back = NULL;
    ok(c->plugin->to_connect(c->ctx, "interop-selftest", out.data, out.len, &s, &back, &err) == 0 &&
       trib_value_equal(back, v), "and reads back equal");
    trib_value_destroy(back);
    trib_schema_unref(s);
    trib_value_destroy(v);
    trib_schema_unref(st);
    trib_strbuf_free(&out);
    trib_converter_destroy(c);
    return exit_status();
}

int main(int argc, char **argv) {
    if (argc == 1) return self_test();
    const char *url = getenv("SCHEMA_REGISTRY_URL");
    if (!url || !*url) {
        fprintf(stderr, "avro_interop_tool: SCHEMA_REGISTRY_URL is not set\n");
        return 2;
    }
    if (argc == 5 && strcmp(argv[1], "encode") == 0) return encode(url, argv[2], argv[3], atoi(argv[4]));
    if (argc == 4 && strcmp(argv[1], "decode") == 0) return decode(url, argv[2], argv[3]);
    fprintf(stderr, "usage: %s encode TOPIC FILE COUNT | decode TOPIC FILE\n", argv[0]);
    return 2;
}
