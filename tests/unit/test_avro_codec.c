/*
 * test_avro_codec.c: Connect values <-> Avro binary (proto/avro_codec.h):
 * known encodings from the Avro specification, round trips of every type
 * (nested, optional, defaults, decimals, logical types, unions, enums) and
 * corrupt input that must fail cleanly.
 */
#include "common/util.h"
#include "proto/avro_codec.h"
#include "proto/avro_schema.h"
#include "proto/data.h"
#include "tests/tap.h"

#define PLAN 77

static trib_avro_codec *codec_for(trib_schema *s) {
    trib_error err = {0};
    char *avsc = trib_avro_schema_from_connect_str(s, NULL, &err);
    if (!avsc) {
        diag("schema: %s", err.msg);
        return NULL;
    }
    trib_avro_codec *c = trib_avro_codec_new(s, avsc, false, &err);
    if (!c) diag("codec: %s", err.msg);
    free(avsc);
    return c;
}

static trib_avro_codec *codec_from_avsc(const char *avsc, trib_schema **cs) {
    trib_error err = {0};
    *cs = trib_avro_schema_to_connect_str(avsc, NULL, 0, &err);
    if (!*cs) {
        diag("schema: %s", err.msg);
        return NULL;
    }
    trib_avro_codec *c = trib_avro_codec_new(*cs, avsc, false, &err);
    if (!c) diag("codec: %s", err.msg);
    return c;
}

static void test_known_encodings(void) {
    trib_schema *st = trib_schema_struct_new("Rec");
    trib_schema_add_field_take(st, "a", trib_schema_primitive(TRIB_INT64, false));
    trib_schema_add_field_take(st, "b", trib_schema_primitive(TRIB_STRING, false));
    trib_schema_add_field_take(st, "c", trib_schema_primitive(TRIB_INT32, true));
    trib_avro_codec *c = codec_for(st);
    ok(c != NULL, "a codec compiles for a simple struct");
    trib_value *v = trib_value_struct_new(st);
    trib_value_struct_set_take(v, "a", trib_value_int(TRIB_INT64, 27));
    trib_value_struct_set_take(v, "b", trib_value_string("foo"));
    trib_strbuf out;
    trib_strbuf_init(&out);
    trib_error err = {0};
    ok(trib_avro_codec_encode(c, v, &out, &err) == 0, "the struct encodes");
    /* Avro spec: long 27 -> 0x36, "foo" -> 06 66 6f 6f, union branch 0 (null) -> 00. */
    is_mem(out.data, out.len, "\x36\x06" "foo" "\x00", 6, "the bytes are the Avro specification's encoding");
    trib_value_struct_set_take(v, "c", trib_value_int(TRIB_INT32, -64));
    trib_strbuf_reset(&out);
    ok(trib_avro_codec_encode(c, v, &out, &err) == 0, "with the optional field set it encodes");
    is_mem(out.data, out.len, "\x36\x06" "foo" "\x02\x7f", 7, "union branch 1 then zig-zag -64 = 0x7f");
    trib_value *back = NULL;
    ok(trib_avro_codec_decode(c, out.data, out.len, &back, &err) == 0, "the bytes decode");
    ok(trib_value_equal(back, v), "to an equal value");
    ok(back && back->u.st.schema == st, "whose struct schema is the codec's schema");
    trib_value_destroy(back);

    trib_strbuf_reset(&out);
    trib_strbuf_puts(&out, "XY");
    trib_avro_codec_encode(c, v, &out, &err);
    ok(out.len == 9 && memcmp(out.data, "XY", 2) == 0, "encoding appends to what the buffer holds");
    trib_value_destroy(v);
    trib_strbuf_free(&out);
    trib_avro_codec_destroy(c);
    trib_schema_unref(st);
}

static trib_schema *everything(void) {
    trib_schema *inner = trib_schema_struct_new("com.example.Inner");
    trib_schema_add_field_take(inner, "flag", trib_schema_primitive(TRIB_BOOLEAN, false));
    trib_schema_add_field_take(inner, "blob", trib_schema_primitive(TRIB_BYTES, true));
    trib_schema *st = trib_schema_struct_new("com.example.Everything");
    trib_schema_add_field_take(st, "i8", trib_schema_primitive(TRIB_INT8, false));
    trib_schema_add_field_take(st, "i16", trib_schema_primitive(TRIB_INT16, false));
    trib_schema_add_field_take(st, "i32", trib_schema_primitive(TRIB_INT32, false));
    trib_schema_add_field_take(st, "i64", trib_schema_primitive(TRIB_INT64, false));
    trib_schema_add_field_take(st, "f32", trib_schema_primitive(TRIB_FLOAT32, false));
    trib_schema_add_field_take(st, "f64", trib_schema_primitive(TRIB_FLOAT64, false));
    trib_schema_add_field_take(st, "bool", trib_schema_primitive(TRIB_BOOLEAN, false));
    trib_schema_add_field_take(st, "str", trib_schema_primitive(TRIB_STRING, false));
    trib_schema_add_field_take(st, "bytes", trib_schema_primitive(TRIB_BYTES, false));
    trib_schema_add_field_take(st, "ostr", trib_schema_primitive(TRIB_STRING, true));
    trib_schema_add_field_take(st, "dec", trib_schema_decimal(2, false));
    trib_schema_add_field_take(st, "date", trib_schema_date(false));
    trib_schema_add_field_take(st, "time", trib_schema_time(false));
    trib_schema_add_field_take(st, "ts", trib_schema_timestamp(true));
    trib_schema_add_field_take(st, "inner", inner);
    trib_schema *oinner = trib_schema_copy(inner);
    oinner->optional = true;
    trib_schema_add_field_take(st, "oinner", oinner);
    trib_schema_add_field_take(st, "list", trib_schema_array_take(trib_schema_primitive(TRIB_INT32, true)));
    trib_schema_add_field_take(st, "smap", trib_schema_map_take(trib_schema_primitive(TRIB_STRING, false),
                                                              trib_schema_ref(inner)));
    trib_schema_add_field_take(st, "imap", trib_schema_map_take(trib_schema_primitive(TRIB_INT32, false),
                                                              trib_schema_primitive(TRIB_STRING, true)));
    trib_schema *withdef = trib_schema_primitive(TRIB_STRING, false);
    trib_schema_set_default_take(withdef, trib_value_string("dflt"));
    trib_schema_add_field_take(st, "withdef", withdef);
    return st;
}

static trib_value *everything_value(trib_schema *st, bool nulls) {
    trib_schema *inner = trib_schema_field(st, "inner")->schema;
    trib_value *v = trib_value_struct_new(st);
    trib_value_struct_set_take(v, "i8", trib_value_int(TRIB_INT8, -128));
    trib_value_struct_set_take(v, "i16", trib_value_int(TRIB_INT16, 32767));
    trib_value_struct_set_take(v, "i32", trib_value_int(TRIB_INT32, INT32_MIN));
    trib_value_struct_set_take(v, "i64", trib_value_int(TRIB_INT64, INT64_MAX));
    trib_value_struct_set_take(v, "f32", trib_value_float(TRIB_FLOAT32, 1.5));
    trib_value_struct_set_take(v, "f64", trib_value_float(TRIB_FLOAT64, -2.25e300));
    trib_value_struct_set_take(v, "bool", trib_value_bool(true));
    trib_value_struct_set_take(v, "str", trib_value_string("héllo \xe2\x82\xac"));
    trib_value_struct_set_take(v, "bytes", trib_value_bytes("\x00\x01\xff", 3));
    if (!nulls) trib_value_struct_set_take(v, "ostr", trib_value_string(""));
    trib_value *dec = NULL;
    trib_decimal_from_string("-12345678901234567890.42", 2, &dec, NULL);
    trib_value_struct_set_take(v, "dec", dec);
    trib_value_struct_set_take(v, "date", trib_value_int(TRIB_INT32, 19000));
    trib_value_struct_set_take(v, "time", trib_value_int(TRIB_INT32, 86399999));
    if (!nulls) trib_value_struct_set_take(v, "ts", trib_value_int(TRIB_INT64, 1700000000123LL));
    trib_value *in = trib_value_struct_new(inner);
    trib_value_struct_set_take(in, "flag", trib_value_bool(false));
    trib_value_struct_set_take(in, "blob", trib_value_bytes("zz", 2));
    trib_value_struct_set_take(v, "inner", in);
    if (!nulls) {
        trib_value *oi = trib_value_struct_new(trib_schema_field(st, "oinner")->schema);
        trib_value_struct_set_take(oi, "flag", trib_value_bool(true));
        trib_value_struct_set_take(v, "oinner", oi);
    }
    trib_value *list = trib_value_array_new();
    trib_value_array_append_take(list, trib_value_int(TRIB_INT32, 1));
    trib_value_array_append_take(list, NULL);
    trib_value_array_append_take(list, trib_value_int(TRIB_INT32, 3));
    trib_value_struct_set_take(v, "list", list);
    trib_value *smap = trib_value_map_new();
    trib_value *in2 = trib_value_struct_new(inner);
    trib_value_struct_set_take(in2, "flag", trib_value_bool(true));
    trib_value_map_put_take(smap, trib_value_string("k"), in2);
    trib_value_struct_set_take(v, "smap", smap);
    trib_value *imap = trib_value_map_new();
    trib_value_map_put_take(imap, trib_value_int(TRIB_INT32, 7), trib_value_string("seven"));
    trib_value_map_put_take(imap, trib_value_int(TRIB_INT32, -1), NULL);
    trib_value_struct_set_take(v, "imap", imap);
    trib_value_struct_set_take(v, "withdef", trib_value_string("given"));
    return v;
}

static void test_round_trips(void) {
    trib_schema *st = everything();
    trib_avro_codec *c = codec_for(st);
    ok(c != NULL, "a codec compiles for a struct with every type");
    trib_error err = {0};
    trib_strbuf out;
    trib_strbuf_init(&out);
    for (int nulls = 0; nulls < 2; nulls++) {
        trib_value *v = everything_value(st, nulls);
        trib_strbuf_reset(&out);
        int rc = trib_avro_codec_encode(c, v, &out, &err);
        if (rc) diag("encode: %s", err.msg);
        ok(rc == 0, "every type encodes (%s optional values)", nulls ? "null" : "set");
        trib_value *back = NULL;
        rc = trib_avro_codec_decode(c, out.data, out.len, &back, &err);
        if (rc) diag("decode: %s", err.msg);
        ok(rc == 0 && trib_value_equal(back, v), "and decodes to an equal value (%s optional values)",
           nulls ? "null" : "set");
        ok(trib_value_validate(st, back, &err) == 0, "the decoded value is valid for the schema");
        trib_value_destroy(back);
        trib_value_destroy(v);
    }
    /* A missing required field with a default is written as the default (Struct.get). */
    trib_value *v = everything_value(st, true);
    trib_value_struct_set_take(v, "withdef", NULL);
    trib_strbuf_reset(&out);
    ok(trib_avro_codec_encode(c, v, &out, &err) == 0, "a null field that has a default encodes");
    trib_value *back = NULL;
    trib_avro_codec_decode(c, out.data, out.len, &back, &err);
    trib_value *wd = trib_value_struct_get(back, "withdef");
    ok(wd && wd->type == TRIB_STRING && strcmp(wd->u.str.data, "dflt") == 0, "as its default");
    trib_value_destroy(back);

    trib_value_struct_set_take(v, "str", NULL);
    trib_strbuf_reset(&out);
    trib_error_clear(&err);
    ok(trib_avro_codec_encode(c, v, &out, &err) == -1 && err.code == TRIB_ERR_INVALID,
       "a null required field without default is refused");
    like(err.msg, "field 'str'", "naming the field");
    trib_value_struct_set_take(v, "str", trib_value_int(TRIB_INT32, 3));
    trib_error_clear(&err);
    ok(trib_avro_codec_encode(c, v, &out, &err) == -1, "a value of the wrong type is refused");
    like(err.msg, "expected a string value but got int32", "saying what was expected");
    trib_value_struct_set_take(v, "str", trib_value_string("ok"));
    trib_value *in = trib_value_struct_get(v, "smap")->u.map.vals[0];
    trib_value_struct_set_take(in, "flag", trib_value_string("nope"));
    trib_error_clear(&err);
    ok(trib_avro_codec_encode(c, v, &out, &err) == -1, "a wrong type deep inside is refused");
    like(err.msg, "field 'smap': map value 'k': field 'flag'", "with the full path to it");
    trib_value_destroy(v);

    trib_schema *other = trib_schema_struct_new("com.example.Inner");
    trib_schema_add_field_take(other, "zzz", trib_schema_primitive(TRIB_INT32, false));
    v = everything_value(st, true);
    trib_value *wrong = trib_value_struct_new(other);
    trib_value_struct_set_take(wrong, "zzz", trib_value_int(TRIB_INT32, 1));
    trib_value_struct_set_take(v, "inner", wrong);
    trib_error_clear(&err);
    ok(trib_avro_codec_encode(c, v, &out, &err) == -1, "a struct with another schema is refused");
    like(err.msg, "mismatching struct schema", "as Connect's 'Mismatching struct schema'");
    trib_value_destroy(v);
    trib_schema_unref(other);

    trib_strbuf_free(&out);
    trib_avro_codec_destroy(c);
    trib_schema_unref(st);
}

/* A struct without arrays or maps: its codec reuses one avro-c value for
 * every encode, which must never let one record leak into the next. */
static trib_schema *flat(void) {
    trib_schema *inner = trib_schema_struct_new("com.example.FlatInner");
    trib_schema_add_field_take(inner, "n", trib_schema_primitive(TRIB_INT32, false));
    trib_schema_add_field_take(inner, "s", trib_schema_primitive(TRIB_STRING, true));
    trib_schema *st = trib_schema_struct_new("com.example.Flat");
    trib_schema_add_field_take(st, "id", trib_schema_primitive(TRIB_INT64, false));
    trib_schema_add_field_take(st, "name", trib_schema_primitive(TRIB_STRING, false));
    trib_schema_add_field_take(st, "oname", trib_schema_primitive(TRIB_STRING, true));
    trib_schema_add_field_take(st, "blob", trib_schema_primitive(TRIB_BYTES, true));
    trib_schema_add_field_take(st, "dec", trib_schema_decimal(2, false));
    trib_schema *oinner = trib_schema_copy(inner);
    oinner->optional = true;
    trib_schema_add_field_take(st, "inner", inner);
    trib_schema_add_field_take(st, "oinner", oinner);
    return st;
}

static trib_value *flat_value(trib_schema *st, int i) {
    trib_value *v = trib_value_struct_new(st);
    char buf[64];
    snprintf(buf, sizeof buf, "name-%d-%s", i, i % 2 ? "a-longer-name-than-before" : "x");
    trib_value_struct_set_take(v, "id", trib_value_int(TRIB_INT64, (int64_t)i * 1000003));
    trib_value_struct_set_take(v, "name", trib_value_string(buf));
    if (i % 2) trib_value_struct_set_take(v, "oname", trib_value_string(buf + 5));
    if (i % 3 == 0) trib_value_struct_set_take(v, "blob", trib_value_bytes("\x00\x01\x02", 3 - (size_t)(i % 4 == 0)));
    trib_value *dec = NULL;
    snprintf(buf, sizeof buf, "%d.%02d", i * 37 - 500, i % 100);
    trib_decimal_from_string(buf, 2, &dec, NULL);
    trib_value_struct_set_take(v, "dec", dec);
    trib_value *in = trib_value_struct_new(trib_schema_field(st, "inner")->schema);
    trib_value_struct_set_take(in, "n", trib_value_int(TRIB_INT32, -i));
    if (i % 2 == 0) trib_value_struct_set_take(in, "s", trib_value_string("inner"));
    trib_value_struct_set_take(v, "inner", in);
    if (i % 5 != 1) {
        trib_value *oi = trib_value_struct_new(trib_schema_field(st, "oinner")->schema);
        trib_value_struct_set_take(oi, "n", trib_value_int(TRIB_INT32, i));
        trib_value_struct_set_take(v, "oinner", oi);
    }
    return v;
}

static void test_reused_value(void) {
    trib_schema *st = flat();
    trib_avro_codec *c = codec_for(st);
    ok(c != NULL, "a codec compiles for a struct without arrays or maps");
    trib_error err = {0};
    trib_strbuf out, fresh;
    trib_strbuf_init(&out);
    trib_strbuf_init(&fresh);
    int same = 0, round = 0;
    for (int i = 0; i < 40; i++) {
        trib_value *v = flat_value(st, i);
        trib_strbuf_reset(&out);
        int rc = trib_avro_codec_encode(c, v, &out, &err);
        if (rc) diag("encode %d: %s", i, err.msg);
        /* the reference: a codec that has never encoded anything before */
        trib_avro_codec *fc = codec_for(st);
        trib_strbuf_reset(&fresh);
        if (fc && trib_avro_codec_encode(fc, v, &fresh, &err) == 0 && rc == 0 && out.len == fresh.len &&
            memcmp(out.data, fresh.data, out.len) == 0)
            same++;
        trib_avro_codec_destroy(fc);
        trib_value *back = NULL;
        if (rc == 0 && trib_avro_codec_decode(c, out.data, out.len, &back, &err) == 0 && trib_value_equal(back, v))
            round++;
        trib_value_destroy(back);
        trib_value_destroy(v);   /* the codec lent the strings: they are gone now */
    }
    is_int(same, 40, "40 records in a row encode exactly as a fresh codec encodes each of them");
    is_int(round, 40, "and each decodes back to its own value, nothing carried over from the one before");

    /* A failed encode leaves the reused value half-written: the next one is still exact. */
    trib_value *bad = flat_value(st, 3);
    trib_value_struct_set_take(trib_value_struct_get(bad, "inner"), "n", trib_value_string("not a number"));
    trib_strbuf_reset(&out);
    trib_error_clear(&err);
    ok(trib_avro_codec_encode(c, bad, &out, &err) == -1, "a record of the wrong shape fails");
    like(err.msg, "field 'inner': field 'n'", "naming the field");
    trib_value_destroy(bad);
    trib_value *v = flat_value(st, 4);
    trib_strbuf_reset(&out);
    trib_strbuf_reset(&fresh);
    trib_avro_codec *fc = codec_for(st);
    ok(trib_avro_codec_encode(c, v, &out, &err) == 0 && trib_avro_codec_encode(fc, v, &fresh, &err) == 0,
       "the next record encodes");
    is_mem(out.data, out.len, fresh.data, fresh.len, "with nothing left over from the failed one");
    trib_avro_codec_destroy(fc);

    /* Decoding reuses one value too: a truncated record in between fails,
     * and the next record decodes exactly. */
    trib_value *back = NULL;
    ok(trib_avro_codec_decode(c, out.data, out.len / 2, &back, &err) == -1 && back == NULL,
       "a truncated record fails to decode");
    ok(trib_avro_codec_decode(c, out.data, out.len, &back, &err) == 0 && trib_value_equal(back, v),
       "the next record decodes exactly after a failed one");
    trib_value_destroy(back);
    trib_value_destroy(v);
    trib_strbuf_free(&out);
    trib_strbuf_free(&fresh);
    trib_avro_codec_destroy(c);
    trib_schema_unref(st);
}

static void test_top_level(void) {
    trib_schema *s = trib_schema_primitive(TRIB_STRING, true);
    trib_avro_codec *c = codec_for(s);
    trib_strbuf out;
    trib_strbuf_init(&out);
    trib_error err = {0};
    trib_value *v = trib_value_string("top");
    ok(trib_avro_codec_encode(c, v, &out, &err) == 0 && out.len == 5 && out.data[0] == 2,
       "an optional top-level string encodes as union branch 1");
    trib_value *back = NULL;
    ok(trib_avro_codec_decode(c, out.data, out.len, &back, &err) == 0 && trib_value_equal(back, v),
       "and decodes back");
    trib_value_destroy(back);
    trib_value_destroy(v);
    trib_strbuf_reset(&out);
    ok(trib_avro_codec_encode(c, NULL, &out, &err) == 0 && out.len == 1 && out.data[0] == 0,
       "a null encodes as the null branch");
    trib_value *sentinel = trib_value_string("x");
    back = sentinel;
    ok(trib_avro_codec_decode(c, out.data, out.len, &back, &err) == 0 && back == NULL, "and decodes to null");
    trib_value_destroy(sentinel);
    trib_avro_codec_destroy(c);
    trib_schema_unref(s);

    /* A big value makes the codec grow the output buffer. */
    s = trib_schema_primitive(TRIB_BYTES, false);
    c = codec_for(s);
    size_t n = 1 << 20;
    char *big = trib_xmalloc(n);
    for (size_t i = 0; i < n; i++) big[i] = (char)(i * 31);
    v = trib_value_bytes(big, n);
    trib_strbuf_reset(&out);
    ok(trib_avro_codec_encode(c, v, &out, &err) == 0 && out.len == n + 4, "a 1 MiB value encodes (4-byte length prefix)");
    ok(trib_avro_codec_decode(c, out.data, out.len, &back, &err) == 0 && trib_value_equal(back, v),
       "and decodes back intact");
    trib_value_destroy(back);
    trib_value_destroy(v);
    free(big);
    trib_avro_codec_destroy(c);
    trib_schema_unref(s);
    trib_strbuf_free(&out);
}

static void test_foreign_types(void) {
    const char *avsc =
        "{\"type\":\"record\",\"name\":\"F\",\"fields\":["
        "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"Color\",\"symbols\":[\"RED\",\"GREEN\",\"BLUE\"]}},"
        "{\"name\":\"fx\",\"type\":{\"type\":\"fixed\",\"name\":\"Two\",\"size\":2}},"
        "{\"name\":\"u\",\"type\":[\"null\",\"int\",\"string\"]}]}";
    trib_schema *cs = NULL;
    trib_avro_codec *c = codec_from_avsc(avsc, &cs);
    ok(c != NULL, "a codec compiles for enum, fixed and a three-way union");
    /* e = BLUE (2 -> 0x04), fx = "ab", u = branch 2 string "hi" */
    const char bin[] = "\x04" "ab" "\x04\x04" "hi";
    trib_value *v = NULL;
    trib_error err = {0};
    ok(trib_avro_codec_decode(c, bin, sizeof bin - 1, &v, &err) == 0, "foreign data decodes");
    trib_value *e = trib_value_struct_get(v, "e");
    ok(e && e->type == TRIB_STRING && strcmp(e->u.str.data, "BLUE") == 0, "an enum symbol becomes its name");
    trib_value *fx = trib_value_struct_get(v, "fx");
    ok(fx && fx->type == TRIB_BYTES && fx->u.str.len == 2, "fixed becomes bytes");
    trib_value *u = trib_value_struct_get(v, "u");
    trib_value *us = u ? trib_value_struct_get(u, "string") : NULL;
    ok(us && strcmp(us->u.str.data, "hi") == 0 && !trib_value_struct_get(u, "int"),
       "a union value is a Union struct with the member's field set");
    trib_strbuf out;
    trib_strbuf_init(&out);
    ok(trib_avro_codec_encode(c, v, &out, &err) == 0, "the decoded value encodes again");
    is_mem(out.data, out.len, bin, sizeof bin - 1, "to the same bytes");
    trib_value_struct_set_take(v, "e", trib_value_string("PINK"));
    trib_strbuf_reset(&out);
    ok(trib_avro_codec_encode(c, v, &out, &err) == -1, "a string that is not an enum symbol is refused");
    like(err.msg, "'PINK' is not a symbol of enum Color", "naming symbol and enum");
    trib_value_destroy(v);
    trib_strbuf_free(&out);

    const char null_union[] = "\x00" "ab" "\x00";
    v = NULL;
    trib_strbuf_init(&out);
    ok(trib_avro_codec_decode(c, null_union, sizeof null_union - 1, &v, &err) == 0 &&
       trib_value_struct_get(v, "u") == NULL, "the null member of a union decodes to a null Union struct");
    ok(trib_avro_codec_encode(c, v, &out, &err) == 0 && out.len == 4 && memcmp(out.data, null_union, 4) == 0,
       "and a null Union struct encodes as the null member (found by fuzzing)");
    trib_value_destroy(v);
    trib_strbuf_free(&out);

    const char bad_enum[] = "\x0a" "ab" "\x00";
    v = NULL;
    trib_error_clear(&err);
    ok(trib_avro_codec_decode(c, bad_enum, sizeof bad_enum - 1, &v, &err) == -1 && v == NULL,
       "an enum index out of range is an error, not a crash");
    ok(err.code == TRIB_ERR_INVALID, "of kind INVALID");
    trib_avro_codec_destroy(c);
    trib_schema_unref(cs);
}

static void test_corrupt(void) {
    trib_schema *st = everything();
    trib_avro_codec *c = codec_for(st);
    trib_value *v = everything_value(st, false);
    trib_strbuf out;
    trib_strbuf_init(&out);
    trib_error err = {0};
    trib_avro_codec_encode(c, v, &out, &err);
    int failures = 0, crashes_avoided = 0;
    for (size_t cut = 0; cut < out.len; cut++) {
        trib_value *back = NULL;
        trib_error_clear(&err);
        if (trib_avro_codec_decode(c, out.data, cut, &back, &err) == -1 && back == NULL &&
            err.code == TRIB_ERR_INVALID)
            failures++;
        trib_value_destroy(back);
        crashes_avoided++;
    }
    is_int(failures, crashes_avoided, "every truncation of a valid record is an INVALID error");
    like(err.msg, "avro: corrupt or truncated Avro data", "with a clear message");

    /* Flip bytes: any outcome but a crash or leak is acceptable. */
    int decoded = 0, refused = 0;
    for (size_t i = 0; i < out.len; i++) {
        char saved = out.data[i];
        out.data[i] = (char)0xff;
        trib_value *back = NULL;
        if (trib_avro_codec_decode(c, out.data, out.len, &back, &err) == 0) decoded++;
        else refused++;
        trib_value_destroy(back);
        out.data[i] = saved;
    }
    ok(decoded + refused == (int)out.len && refused > 0, "corrupted bytes decode or fail cleanly (%d refused)", refused);

    const char huge_len[] = "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
                            "\xfe\xff\xff\xff\xff\xff\xff\xff\x7f";
    trib_value *back = NULL;
    ok(trib_avro_codec_decode(c, huge_len, sizeof huge_len - 1, &back, &err) == -1,
       "a string length far beyond the data is refused");
    ok(trib_avro_codec_decode(c, "", 0, &back, &err) == -1, "an empty body is refused");
    ok(trib_avro_codec_decode(c, NULL, 0, &back, &err) == -1, "a NULL body is refused");

    trib_value_destroy(v);
    trib_strbuf_free(&out);
    trib_avro_codec_destroy(c);
    trib_schema_unref(st);

    trib_schema *i8 = trib_schema_primitive(TRIB_INT8, false);
    c = codec_for(i8);
    back = NULL;
    trib_error_clear(&err);
    ok(trib_avro_codec_decode(c, "\x80\x04", 2, &back, &err) == -1 && err.code == TRIB_ERR_INVALID,
       "an int beyond int8's range is refused for an int8 schema");
    like(err.msg, "256 is out of range for int8", "with the value in the message");
    trib_avro_codec_destroy(c);
    trib_schema_unref(i8);

    trib_error_clear(&err);
    trib_schema *s = trib_schema_primitive(TRIB_STRING, false);
    c = trib_avro_codec_new(s, "\"long\"", false, &err);
    ok(c == NULL && err.code == TRIB_ERR_INVALID, "a Connect schema that does not fit the Avro schema is refused");
    like(err.msg, "string does not fit Avro type long", "naming both types");
    trib_error_clear(&err);
    c = trib_avro_codec_new(s, "{\"type\":", false, &err);
    ok(c == NULL && err.code == TRIB_ERR_INVALID, "an unparsable Avro schema is refused");
    trib_schema_unref(s);
}

static void test_latest_binding(void) {
    /* use.latest.version: a Connect struct bound to a registered schema whose
     * fields come in another order and whose field is a nullable union. */
    trib_schema *st = trib_schema_struct_new("r.R");
    trib_schema_add_field_take(st, "a", trib_schema_primitive(TRIB_INT32, false));
    trib_schema_add_field_take(st, "b", trib_schema_primitive(TRIB_STRING, false));
    trib_error err = {0};
    trib_avro_codec *c = trib_avro_codec_new(st,
        "{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"r\",\"fields\":["
        "{\"name\":\"b\",\"type\":[\"null\",\"string\"]},{\"name\":\"a\",\"type\":\"int\"}]}", false, &err);
    ok(c != NULL, "a struct binds to a compatible registered record by field name");
    trib_value *v = trib_value_struct_new(st);
    trib_value_struct_set_take(v, "a", trib_value_int(TRIB_INT32, 1));
    trib_value_struct_set_take(v, "b", trib_value_string("x"));
    trib_strbuf out;
    trib_strbuf_init(&out);
    ok(c && trib_avro_codec_encode(c, v, &out, &err) == 0, "and encodes");
    is_mem(out.data, out.len, "\x02\x02x\x02", 4, "in the registered schema's field order and union");
    trib_value_destroy(v);
    trib_strbuf_free(&out);
    trib_avro_codec_destroy(c);
    trib_schema_unref(st);
}

/* Every field type but maps (which always go through a generic value), at
 * random, with random nulls: encoding in place (trib_avro_codec_encode)
 * must give exactly the bytes of the generic avro-c value. */
static trib_schema *no_maps(void) {
    trib_schema *all = everything();
    trib_schema *st = trib_schema_struct_new("com.example.NoMaps");
    for (size_t i = 0; i < all->nfields; i++) {
        const trib_field *f = &all->fields[i];
        if (f->schema->type == TRIB_MAP) continue;
        trib_schema_add_field_take(st, f->name, trib_schema_ref(f->schema));
    }
    trib_schema *ilist = trib_schema_struct_new("com.example.Item");
    trib_schema_add_field_take(ilist, "k", trib_schema_primitive(TRIB_STRING, false));
    trib_schema_add_field_take(ilist, "v", trib_schema_primitive(TRIB_FLOAT64, true));
    trib_schema_add_field_take(st, "items", trib_schema_array_take(ilist));
    trib_schema_unref(all);
    return st;
}

static uint64_t rnd(uint64_t *s) {
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 33;
}

static trib_value *random_value(const trib_schema *s, uint64_t *seed) {
    if (s->optional && rnd(seed) % 3 == 0) return NULL;
    char buf[40];
    switch (s->type) {
    case TRIB_INT8: return trib_value_int(TRIB_INT8, (int8_t)rnd(seed));
    case TRIB_INT16: return trib_value_int(TRIB_INT16, (int16_t)rnd(seed));
    case TRIB_INT32:
        return trib_value_int(TRIB_INT32, s->name && strstr(s->name, "Time") ? (int32_t)(rnd(seed) % 86400000)
                                                                             : (int32_t)rnd(seed));
    case TRIB_INT64: return trib_value_int(TRIB_INT64, (int64_t)(rnd(seed) << 31 ^ rnd(seed)) - (1LL << 40));
    case TRIB_FLOAT32: return trib_value_float(TRIB_FLOAT32, (float)(int32_t)rnd(seed) / 7.0f);
    case TRIB_FLOAT64: return trib_value_float(TRIB_FLOAT64, (double)(int64_t)rnd(seed) / 3.0);
    case TRIB_BOOLEAN: return trib_value_bool(rnd(seed) & 1);
    case TRIB_STRING: {
        size_t n = rnd(seed) % sizeof buf;
        for (size_t i = 0; i < n; i++) buf[i] = (char)('a' + rnd(seed) % 26);
        return trib_value_string_n(buf, n);
    }
    case TRIB_BYTES: {
        size_t n = s->name && strstr(s->name, "Decimal") ? 1 + rnd(seed) % 9 : rnd(seed) % sizeof buf;
        for (size_t i = 0; i < n; i++) buf[i] = (char)rnd(seed);
        return trib_value_bytes(buf, n);
    }
    case TRIB_ARRAY: {
        trib_value *a = trib_value_array_new();
        for (uint64_t i = 0, n = rnd(seed) % 5; i < n; i++)
            trib_value_array_append_take(a, random_value(s->value_schema, seed));
        return a;
    }
    case TRIB_STRUCT: {
        trib_value *v = trib_value_struct_new((trib_schema *)s);
        for (size_t i = 0; i < s->nfields; i++)
            trib_value_struct_set_take(v, s->fields[i].name, random_value(s->fields[i].schema, seed));
        return v;
    }
    case TRIB_MAP: break;
    }
    return NULL;
}

static void test_in_place_matches_generic(void) {
    trib_schema *st = no_maps();
    trib_avro_codec *c = codec_for(st);
    ok(c != NULL, "a codec compiles for every type but maps");
    trib_error err = {0};
    trib_strbuf a, b;
    trib_strbuf_init(&a);
    trib_strbuf_init(&b);
    uint64_t seed = 42;
    int same = 0, round = 0, nulls = 0;
    for (int i = 0; i < 500; i++) {
        trib_value *v = random_value(st, &seed);
        trib_strbuf_reset(&a);
        trib_strbuf_reset(&b);
        int ra = trib_avro_codec_encode(c, v, &a, &err);
        if (ra) diag("record %d in place: %s", i, err.msg);
        int rb = trib_avro_codec_encode_generic(c, v, &b, &err);
        if (rb) diag("record %d generic: %s", i, err.msg);
        if (ra == 0 && rb == 0 && a.len == b.len && memcmp(a.data, b.data, a.len) == 0) same++;
        trib_value *back = NULL;
        if (ra == 0 && trib_avro_codec_decode(c, a.data, a.len, &back, &err) == 0 && trib_value_equal(back, v))
            round++;
        nulls += !trib_value_struct_get(v, "oinner");
        trib_value_destroy(back);
        trib_value_destroy(v);
    }
    is_int(same, 500, "500 random records encode in place to exactly the generic value's bytes");
    is_int(round, 500, "and decode back to equal values");
    ok(nulls > 50 && nulls < 450, "with optional values both null and set (%d null)", nulls);

    /* What does not fit fails in place and is named by the generic path. */
    trib_value *v = random_value(st, &seed);
    trib_value_struct_set_take(trib_value_struct_get(v, "inner"), "flag", trib_value_int(TRIB_INT32, 1));
    trib_strbuf_reset(&a);
    trib_strbuf_append(&a, "HDR", 3);
    ok(trib_avro_codec_encode(c, v, &a, &err) == -1 && err.code == TRIB_ERR_INVALID,
       "a wrong type deep inside is refused");
    like(err.msg, "field 'inner': field 'flag': avro: expected a boolean value but got int32", "with its path");
    is_mem(a.data, a.len, "HDR", 3, "and nothing half-written is left in the buffer");
    trib_value_destroy(v);
    v = random_value(st, &seed);
    trib_value_struct_set_take(v, "str", NULL);
    ok(trib_avro_codec_encode(c, v, &a, &err) == -1, "a null required field is refused");
    like(err.msg, "field 'str'", "naming the field");
    trib_value_destroy(v);

    trib_strbuf_free(&a);
    trib_strbuf_free(&b);
    trib_avro_codec_destroy(c);
    trib_schema_unref(st);
}

int main(void) {
    plan(PLAN);
    test_known_encodings();
    test_round_trips();
    test_reused_value();
    test_top_level();
    test_foreign_types();
    test_corrupt();
    test_latest_binding();
    test_in_place_matches_generic();
    return exit_status();
}
