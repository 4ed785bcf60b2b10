/*
 * test_number_converters.c: Connect's primitive converters
 * (proto/number_converters.c) write Kafka's serializer formats byte for
 * byte, read them back with the optional schema of their type, map nulls,
 * and refuse wrong values and wrong sizes with Connect's texts.
 */
#include "proto/converter.h"
#include "tests/tap.h"

#include <math.h>
#include <string.h>

static trib_converter *conv(const char *name) {
    trib_error err;
    trib_converter *c = trib_converter_new(name, NULL, false, &err);
    if (!c) diag("cannot create %s: %s", name, err.msg);
    return c;
}

/* from_connect of v into out (reset first); -1 with err on refusal */
static int write(trib_converter *c, const trib_value *v, trib_strbuf *out, bool *is_null, trib_error *err) {
    trib_strbuf_reset(out);
    return c->plugin->from_connect(c->ctx, "t", NULL, v, out, is_null, err);
}

static void check_bytes(const char *name, trib_value *v, const char *want, size_t n, const char *what) {
    trib_converter *c = conv(name);
    trib_strbuf out;
    trib_strbuf_init(&out);
    bool is_null = true;
    trib_error err;
    int rc = c ? write(c, v, &out, &is_null, &err) : -1;
    ok(rc == 0 && !is_null && out.len == n && memcmp(out.data, want, n) == 0, "%s", what);
    /* and back */
    trib_schema *s = NULL;
    trib_value *back = NULL;
    rc = c ? c->plugin->to_connect(c->ctx, "t", out.data, out.len, &s, &back, &err) : -1;
    ok(rc == 0 && back && s && s->optional && s->type == v->type &&
           (v->type == TRIB_BOOLEAN ? back->u.b == v->u.b
            : (v->type == TRIB_FLOAT32 || v->type == TRIB_FLOAT64) ? back->u.f == v->u.f
                                                                     : back->u.i == v->u.i),
       "%s: reads back with the optional schema", name);
    trib_value_destroy(back);
    trib_schema_unref(s);
    trib_strbuf_free(&out);
    trib_value_destroy(v);
    trib_converter_destroy(c);
}

static void test_formats(void) {
    check_bytes("ShortConverter", trib_value_int(TRIB_INT16, -2), "\xff\xfe", 2, "ShortConverter: 2 bytes big-endian");
    check_bytes("IntegerConverter", trib_value_int(TRIB_INT32, 258), "\x00\x00\x01\x02", 4,
                "IntegerConverter: 4 bytes big-endian");
    check_bytes("org.apache.kafka.connect.converters.LongConverter", trib_value_int(TRIB_INT64, -1),
                "\xff\xff\xff\xff\xff\xff\xff\xff", 8, "LongConverter (by class name): 8 bytes");
    check_bytes("FloatConverter", trib_value_float(TRIB_FLOAT32, 1.5), "\x3f\xc0\x00\x00", 4,
                "FloatConverter: IEEE 754 single, big-endian");
    check_bytes("DoubleConverter", trib_value_float(TRIB_FLOAT64, 1.5), "\x3f\xf8\x00\x00\x00\x00\x00\x00", 8,
                "DoubleConverter: IEEE 754 double, big-endian");
    check_bytes("BooleanConverter", trib_value_bool(true), "\x01", 1, "BooleanConverter: true is 1");
    check_bytes("BooleanConverter", trib_value_bool(false), "\x00", 1, "BooleanConverter: false is 0");
}

static void test_nulls_and_errors(void) {
    trib_converter *c = conv("IntegerConverter");
    trib_strbuf out;
    trib_strbuf_init(&out);
    bool is_null = false;
    trib_error err;
    trib_error_clear(&err);
    ok(c && write(c, NULL, &out, &is_null, &err) == 0 && is_null, "a null value is a Kafka null");
    trib_schema *s = NULL;
    trib_value *v = (trib_value *)1;
    ok(c && c->plugin->to_connect(c->ctx, "t", NULL, 0, &s, &v, &err) == 0 && v == NULL && s && s->optional,
       "a Kafka null reads as null with the optional schema");
    trib_schema_unref(s);

    trib_value *str = trib_value_string("12");
    ok(c && write(c, str, &out, &is_null, &err) < 0 && err.code == TRIB_ERR_INVALID, "a string is refused");
    is_str(err.msg, "Failed to serialize to integer (was class java.lang.String): ", "with Connect's text");
    trib_value_destroy(str);
    trib_value *l = trib_value_int(TRIB_INT64, 1);
    ok(c && write(c, l, &out, &is_null, &err) < 0, "a long is not an integer");
    trib_value_destroy(l);

    ok(c && c->plugin->to_connect(c->ctx, "t", "\x01\x02\x03", 3, &s, &v, &err) < 0 && err.code == TRIB_ERR_INVALID,
       "three bytes are not an integer");
    is_str(err.msg, "Failed to deserialize integer: Size of data received by IntegerDeserializer is not 4",
           "with the deserializer's text");
    trib_converter_destroy(c);

    c = conv("BooleanConverter");
    ok(c && c->plugin->to_connect(c->ctx, "t", "\x02", 1, &s, &v, &err) < 0, "a boolean byte other than 0/1 is refused");
    is_str(err.msg, "Failed to deserialize boolean: Unexpected byte received by BooleanDeserializer: 2",
           "with Kafka's text");
    trib_schema *int_schema = trib_schema_primitive(TRIB_INT32, false);
    trib_value *t = trib_value_bool(true);
    trib_strbuf_reset(&out);
    ok(c && c->plugin->from_connect(c->ctx, "t", int_schema, t, &out, &is_null, &err) < 0,
       "BooleanConverter refuses a non-boolean schema");
    is_str(err.msg, "Invalid schema type for BooleanConverter: INT32", "with Connect's text");
    trib_value_destroy(t);
    trib_schema_unref(int_schema);
    trib_converter_destroy(c);

    c = conv("DoubleConverter");
    trib_value *nan = trib_value_float(TRIB_FLOAT64, NAN);
    ok(c && write(c, nan, &out, &is_null, &err) == 0 && out.len == 8, "NaN is written as its 8 IEEE bytes");
    trib_value_destroy(nan);
    trib_converter_destroy(c);
    trib_strbuf_free(&out);
}

int main(void) {
    plan(27);
    test_formats();
    test_nulls_and_errors();
    ok(trib_converter_lookup("ShortConverter") && trib_converter_lookup("FloatConverter"),
       "the converters are in the catalog");
    return exit_status();
}
