/*
 * test_string_converters.c: StringConverter against the text Apache Kafka
 * Connect's own StringConverter produced (tests/vectors/jsonconverter/
 * string_converter.json), plus its UTF-8 handling and configuration, and
 * ByteArrayConverter's pass-through and refusals (Connect's messages).
 */
#include <math.h>

#include "common/util.h"
#include "proto/converter.h"
#include "proto/data.h"
#include "tests/tap.h"

#define P(t, o) trib_schema_primitive(TRIB_##t, o)

/* Mirrors the str(...) cases of RecordJsonVectors.java. */
static void build(const char *name, trib_schema **s, trib_value **v) {
    *s = NULL, *v = NULL;
    if (!strcmp(name, "s_string")) *s = P(STRING, false), *v = trib_value_string("abc");
    else if (!strcmp(name, "s_int32")) *s = P(INT32, false), *v = trib_value_int(TRIB_INT32, -5);
    else if (!strcmp(name, "s_int64")) *s = P(INT64, false), *v = trib_value_int(TRIB_INT64, INT64_MIN);
    else if (!strcmp(name, "s_bool")) *s = P(BOOLEAN, false), *v = trib_value_bool(true);
    else if (!strcmp(name, "s_float32")) *s = P(FLOAT32, false), *v = trib_value_float(TRIB_FLOAT32, 0.1);
    else if (!strcmp(name, "s_float32_big")) *s = P(FLOAT32, false), *v = trib_value_float(TRIB_FLOAT32, 1.0e10);
    else if (!strcmp(name, "s_float64")) *s = P(FLOAT64, false), *v = trib_value_float(TRIB_FLOAT64, 1e-5);
    else if (!strcmp(name, "s_float64_int")) *s = P(FLOAT64, false), *v = trib_value_float(TRIB_FLOAT64, 100.0);
    else if (!strcmp(name, "s_float64_nan")) *s = P(FLOAT64, false), *v = trib_value_float(TRIB_FLOAT64, NAN);
    else if (!strcmp(name, "s_null")) *s = P(STRING, true), *v = NULL;
    else if (!strcmp(name, "s_array")) {
        *s = trib_schema_array_take(P(INT32, false));
        *v = trib_value_array_new();
        for (int i = 1; i <= 3; i++) trib_value_array_append_take(*v, trib_value_int(TRIB_INT32, i));
    } else if (!strcmp(name, "s_map")) {
        *s = trib_schema_map_take(P(STRING, false), P(INT32, true));
        *v = trib_value_map_new();
        trib_value_map_put_take(*v, trib_value_string("a"), trib_value_int(TRIB_INT32, 1));
        trib_value_map_put_take(*v, trib_value_string("b"), NULL);
    } else if (!strcmp(name, "s_struct")) {
        *s = trib_schema_struct_new("S");
        trib_schema_add_field_take(*s, "a", P(INT32, false));
        trib_schema_add_field_take(*s, "b", P(STRING, true));
        trib_schema_add_field_take(*s, "c", trib_schema_array_take(P(FLOAT64, false)));
        *v = trib_value_struct_new(*s);
        trib_value_struct_set_take(*v, "a", trib_value_int(TRIB_INT32, 1));
        trib_value *c = trib_value_array_new();
        trib_value_array_append_take(c, trib_value_float(TRIB_FLOAT64, 1.5));
        trib_value_struct_set_take(*v, "c", c);
    } else {
        BAIL_OUT("no C builder for a string_converter.json case");
    }
}

static trib_converter *make(const char *cls, const char *k, const char *val, trib_error *err) {
    trib_props *p = trib_props_new();
    if (k) trib_props_set(p, k, val);
    trib_converter *c = trib_converter_new(cls, p, false, err);
    trib_props_destroy(p);
    return c;
}

static void test_string_vectors(void) {
    const char *f = __FILE__, *cut = strstr(f, "tests/unit/");
    char path[600];
    snprintf(path, sizeof path, "%.*stests/vectors/jsonconverter/string_converter.json", cut ? (int)(cut - f) : 0, f);
    json_error_t je;
    json_t *vecs = json_load_file(path, 0, &je);
    if (!vecs) BAIL_OUT("cannot read string_converter.json");
    trib_error err;
    trib_converter *c = make("StringConverter", NULL, NULL, &err);
    size_t i;
    json_t *e;
    json_array_foreach(vecs, i, e) {
        const char *name = json_string_value(json_object_get(e, "name"));
        const json_t *want = json_object_get(e, "output_text");
        trib_schema *s;
        trib_value *v;
        build(name, &s, &v);
        trib_strbuf out;
        trib_strbuf_init(&out);
        bool is_null = false;
        int rc = c->plugin->from_connect(c->ctx, "t", s, v, &out, &is_null, &err);
        if (json_is_null(want)) {
            ok(rc == 0 && is_null, "%s: null gives a Kafka null", name);
        } else {
            bool same = rc == 0 && !is_null && out.len == json_string_length(want) &&
                        memcmp(out.data, json_string_value(want), out.len) == 0;
            ok(same, "%s: text equals Connect's (%s)", name, json_string_value(want));
            if (!same) diag("got: %.*s", (int)out.len, out.data ? out.data : "");
        }
        trib_strbuf_free(&out);
        trib_value_destroy(v);
        trib_schema_unref(s);
    }
    trib_converter_destroy(c);
    json_decref(vecs);
}

static void test_string_converter(void) {
    trib_error err;
    trib_converter *c = make("org.apache.kafka.connect.storage.StringConverter", "converter.encoding", "utf8", &err);
    ok(c != NULL, "converter.encoding=utf8 is accepted");
    trib_schema *s = NULL;
    trib_value *v = NULL;
    ok(c->plugin->to_connect(c->ctx, "t", "h\xc3\xa9", 3, &s, &v, &err) == 0, "bytes read as a string");
    ok(s && s->type == TRIB_STRING && s->optional, "with an optional STRING schema");
    ok(v && v->type == TRIB_STRING && v->u.str.len == 3 && memcmp(v->u.str.data, "h\xc3\xa9", 3) == 0,
       "valid UTF-8 is kept as is");
    trib_schema_unref(s);
    trib_value_destroy(v);
    ok(c->plugin->to_connect(c->ctx, "t", "a\xff" "b\xe2\x82", 5, &s, &v, &err) == 0, "malformed UTF-8 still reads");
    ok(v && v->u.str.len == 8 && memcmp(v->u.str.data, "a\xef\xbf\xbd" "b\xef\xbf\xbd", 8) == 0,
       "malformed sequences become U+FFFD as Java decodes them");
    trib_schema_unref(s);
    trib_value_destroy(v);
    ok(c->plugin->to_connect(c->ctx, "t", NULL, 0, &s, &v, &err) == 0 && v == NULL && s && s->optional,
       "a Kafka null reads as null with an optional STRING schema");
    trib_schema_unref(s);

    trib_schema *ds = trib_schema_decimal(2, false);
    trib_value *dv = NULL;
    trib_decimal_from_string("-12.50", 2, &dv, &err);
    trib_strbuf out;
    trib_strbuf_init(&out);
    bool is_null;
    c->plugin->from_connect(c->ctx, "t", ds, dv, &out, &is_null, &err);
    is_str(out.data, "-12.50", "a Decimal prints as BigDecimal.toString");
    trib_strbuf_reset(&out);
    trib_schema *ts = trib_schema_timestamp(false);
    trib_value *tv = trib_value_int(TRIB_INT64, 0);
    c->plugin->from_connect(c->ctx, "t", ts, tv, &out, &is_null, &err);
    is_str(out.data, "Thu Jan 01 00:00:00 UTC 1970", "a Timestamp prints as java.util.Date.toString in UTC");
    trib_strbuf_free(&out);
    trib_value_destroy(dv);
    trib_schema_unref(ds);
    trib_value_destroy(tv);
    trib_schema_unref(ts);
    trib_converter_destroy(c);

    ok(make("StringConverter", "converter.encoding", "ISO-8859-1", &err) == NULL && err.code == TRIB_ERR_INVALID,
       "another encoding is refused");
    like(err.msg, "converter.encoding", "naming the setting");
    like(err.msg, "UTF-8", "and saying what is supported");
}

static void test_bytearray_converter(void) {
    trib_error err;
    trib_converter *c = make("ByteArrayConverter", NULL, NULL, &err);
    ok(c && strcmp(c->plugin->class_name, "org.apache.kafka.connect.converters.ByteArrayConverter") == 0,
       "ByteArrayConverter is found by its alias");
    trib_schema *bs = P(BYTES, true), *ss = P(STRING, false);
    trib_value *bv = trib_value_bytes("\x00\x01\xff", 3), *sv = trib_value_string("x");
    trib_strbuf out;
    trib_strbuf_init(&out);
    bool is_null = true;
    ok(c->plugin->from_connect(c->ctx, "t", bs, bv, &out, &is_null, &err) == 0 && !is_null && out.len == 3 &&
           memcmp(out.data, "\x00\x01\xff", 3) == 0,
       "bytes pass through unchanged");
    trib_strbuf_reset(&out);
    ok(c->plugin->from_connect(c->ctx, "t", NULL, bv, &out, &is_null, &err) == 0 && out.len == 3,
       "schemaless bytes pass through too");
    ok(c->plugin->from_connect(c->ctx, "t", bs, NULL, &out, &is_null, &err) == 0 && is_null, "null is a Kafka null");
    ok(c->plugin->from_connect(c->ctx, "t", ss, sv, &out, &is_null, &err) == -1, "a STRING schema is refused");
    is_str(err.msg, "Invalid schema type for ByteArrayConverter: STRING", "with Connect's message");
    ok(c->plugin->from_connect(c->ctx, "t", NULL, sv, &out, &is_null, &err) == -1, "a string value is refused");
    is_str(err.msg, "ByteArrayConverter is not compatible with objects of type class java.lang.String",
           "with Connect's message");
    trib_schema *s = NULL;
    trib_value *v = NULL;
    ok(c->plugin->to_connect(c->ctx, "t", "\x00\x02", 2, &s, &v, &err) == 0 && s->type == TRIB_BYTES && s->optional &&
           v->u.str.len == 2 && v->u.str.data[1] == 2,
       "reading gives the bytes with an optional BYTES schema");
    trib_schema_unref(s);
    trib_value_destroy(v);
    ok(c->plugin->to_connect(c->ctx, "t", NULL, 0, &s, &v, &err) == 0 && v == NULL, "a Kafka null reads as null");
    trib_schema_unref(s);
    trib_strbuf_free(&out);
    trib_value_destroy(bv);
    trib_value_destroy(sv);
    trib_schema_unref(bs);
    trib_schema_unref(ss);
    trib_converter_destroy(c);
}

int main(void) {
    test_string_vectors();
    test_string_converter();
    test_bytearray_converter();
    (void)plan;   /* the plan is printed at the end */
    done_testing();
    return exit_status();
}
