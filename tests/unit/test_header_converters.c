/*
 * test_header_converters.c: header.converter (proto/header_converter.c)
 * and Connect's Values string forms behind it (proto/values.c).
 *
 * The parse table is what Connect 3.9.2's Values.parseString and
 * Values.convertToString answer for the same text (observed with the
 * connect-api jar, TZ=UTC): the inferred schema and the text written back.
 * Then each header converter Connect lists: a round trip, its bytes for a
 * typed value (JsonConverter's envelope as Connect writes it), nulls, and
 * refusals (unknown classes, AvroConverter, bytes a converter cannot read).
 */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "proto/converter.h"
#include "proto/values.h"
#include "tests/tap.h"

/* "INT8", "ARRAY<INT8>", "MAP<STRING,INT8>", a logical type's short name,
 * "schemaless" for a value without schema, "null" for no value. */
static void describe(const trib_schema *s, const trib_value *v, char *buf, size_t cap) {
    if (!v) {
        snprintf(buf, cap, "null");
    } else if (!s) {
        snprintf(buf, cap, "schemaless %s", trib_type_upper_name(v->type));
    } else if (s->name) {
        const char *dot = strrchr(s->name, '.');
        snprintf(buf, cap, "%s", dot ? dot + 1 : s->name);
    } else if (s->type == TRIB_ARRAY) {
        snprintf(buf, cap, "ARRAY<%s>", trib_type_upper_name(s->value_schema->type));
    } else if (s->type == TRIB_MAP) {
        snprintf(buf, cap, "MAP<%s,%s>", trib_type_upper_name(s->key_schema->type),
                 trib_type_upper_name(s->value_schema->type));
    } else {
        snprintf(buf, cap, "%s", trib_type_upper_name(s->type));
    }
}

static const struct {
    const char *text, *schema, *back;
} parses[] = {
    {"42", "INT8", "42"},
    {"-129", "INT16", "-129"},
    {"40000", "INT32", "40000"},
    {"3000000000", "INT64", "3000000000"},
    {"9223372036854775808", "Decimal", "9223372036854775808"},
    {"1.5", "FLOAT32", "1.5"},
    {"3.14159265358979", "FLOAT32", "3.1415927"},
    {"1e400", "Decimal", "1E+400"},
    {"1.0", "INT8", "1"},
    {"1e2", "INT8", "100"},
    {"1e20", "FLOAT32", "1.0E20"},
    {"+7", "INT8", "7"},
    {"abc", "STRING", "abc"},
    {"true", "BOOLEAN", "true"},
    {"TRUE", "STRING", "TRUE"},
    {"true}", "STRING", "true}"},
    {"[1,2,3]", "ARRAY<INT8>", "[1,2,3]"},
    {"[1,2.5]", "ARRAY<FLOAT32>", "[1.0,2.5]"},
    {"[1,\"a\"]", "schemaless ARRAY", "[1,\"a\"]"}, /* Connect: array of no element schema */
    {"[1,null]", "STRING", "[1,null]"},
    {"{\"a\":1,\"b\":2}", "MAP<STRING,INT8>", "{\"a\":1,\"b\":2}"},
    {"{\"a\":1,\"a\":2}", "MAP<STRING,INT8>", "{\"a\":2}"},
    {"[\"x\",\"y\"]", "ARRAY<STRING>", "[\"x\",\"y\"]"},
    {"2024-02-01", "Date", "2024-02-01"},
    {"12:34:56.789Z", "Time", "12:34:56.789Z"},
    {"2024-02-01T12:34:56.789Z", "Timestamp", "2024-02-01T12:34:56.789Z"},
    {"2024-13-45", "Date", "2025-02-14"},
    {" 5 ", "INT8", "5"},
    {"a,b", "STRING", "a,b"},
    {"[1,2", "STRING", "[1,2"},
    {"\"q\"", "STRING", "\"q\""},
    {"[\"a\\\"b\"]", "ARRAY<STRING>", "[\"a\\\\\\\"b\"]"},
    {"1.", "INT8", "1"},
    {"-0", "INT8", "0"},
    {"0.000", "INT8", "0"},
    {"1e-50", "FLOAT32", "0.0"},
    {"{1:true}", "MAP<INT8,BOOLEAN>", "{1:true}"},
    {"x:y", "STRING", "x:y"},
    {"", "STRING", ""},
};

static void test_values(void) {
    for (size_t i = 0; i < sizeof parses / sizeof parses[0]; i++) {
        trib_schema *s;
        trib_value *v;
        trib_values_parse_string(parses[i].text, strlen(parses[i].text), &s, &v);
        char got[128];
        describe(s, v, got, sizeof got);
        trib_strbuf sb;
        trib_strbuf_init(&sb);
        trib_values_append_string(s, v, &sb);
        char *back = trib_strbuf_take(&sb);
        ok(strcmp(got, parses[i].schema) == 0 && strcmp(back, parses[i].back) == 0,
           "parse [%s]: %s, written back as [%s] (got %s, [%s])", parses[i].text, parses[i].schema, parses[i].back,
           got, back);
        free(back);
        trib_schema_unref(s);
        trib_value_destroy(v);
    }
    trib_schema *s;
    trib_value *v;
    trib_values_parse_string("null", 4, &s, &v);
    ok(!s && !v, "\"null\" parses to no value, as Connect's parser returns null");

    /* writing: bytes, structs, logical types */
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    v = trib_value_bytes("hi!", 3);
    trib_values_append_string(NULL, v, &sb);
    trib_value_destroy(v);
    is_mem(sb.data, sb.len, "aGkh", 4, "bytes are written as base64");
    trib_schema *st = trib_schema_struct_new("P");
    trib_schema_add_field_take(st, "n", trib_schema_primitive(TRIB_STRING, false));
    trib_schema_add_field_take(st, "d", trib_schema_date(true));
    v = trib_value_struct_new(st);
    trib_value_struct_set_take(v, "n", trib_value_string("a\"b"));
    trib_value_struct_set_take(v, "d", trib_value_int(TRIB_INT32, 19754));
    trib_strbuf_reset(&sb);
    trib_values_append_string(st, v, &sb);
    is_mem(sb.data, sb.len, "{\"n\":\"a\\\"b\",\"d\":2024-02-01}", 27,
           "a struct is {\"field\":value} with embedded strings quoted and escaped");
    trib_value_destroy(v);
    trib_schema_unref(st);
    trib_strbuf_free(&sb);
}

/* bytes the converter writes for (schema, value) */
static char *write_header(trib_header_converter *hc, const trib_schema *s, const trib_value *v, bool *isnull) {
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    trib_error err;
    if (trib_header_converter_from_connect(hc, "t", "h", s, v, &sb, isnull, &err) < 0) {
        diag("%s", err.msg);
        trib_strbuf_free(&sb);
        return NULL;
    }
    return trib_strbuf_take(&sb);
}

static void test_converters(void) {
    const char *const *all = trib_header_converter_classes();
    size_t n = 0;
    trib_error err;
    for (; all[n]; n++) {
        trib_header_converter *hc = trib_header_converter_new(all[n], NULL, &err);
        ok(hc != NULL, "%s is a header converter", all[n]);
        trib_header_converter_destroy(hc);
    }
    is_int((int)n, 10, "ten header converters, as Connect 3.9 lists");

    trib_header_converter *simple = trib_header_converter_new("SimpleHeaderConverter", NULL, &err);
    trib_schema *s = trib_schema_primitive(TRIB_INT32, false);
    trib_value *v = trib_value_int(TRIB_INT32, 1234);
    bool isnull;
    char *b = write_header(simple, s, v, &isnull);
    is_str(b, "1234", "SimpleHeaderConverter writes an INT32 as its text");
    trib_schema *rs;
    trib_value *rv;
    ok(trib_header_converter_to_connect(simple, "t", "h", b, strlen(b), &rs, &rv, &err) == 0 && rs &&
           rs->type == TRIB_INT16 && rv->u.i == 1234,
       "and reads it back with the schema Connect infers (INT16)");
    free(b);
    trib_schema_unref(rs);
    trib_value_destroy(rv);
    b = write_header(simple, NULL, NULL, &isnull);
    ok(isnull, "a null header stays a Kafka null");
    free(b);
    ok(trib_header_converter_to_connect(simple, "t", "h", NULL, 0, &rs, &rv, &err) == 0 && !rs && !rv,
       "a Kafka null reads as a null header");
    trib_header_converter_destroy(simple);

    trib_header_converter *json = trib_header_converter_new("org.apache.kafka.connect.json.JsonConverter", NULL, &err);
    trib_schema *ss = trib_schema_primitive(TRIB_STRING, false);
    trib_value *sv = trib_value_string("hello");
    b = write_header(json, ss, sv, &isnull);
    is_str(b, "{\"schema\":{\"type\":\"string\",\"optional\":false},\"payload\":\"hello\"}",
           "JsonConverter writes Connect's envelope for a STRING header");
    ok(trib_header_converter_to_connect(json, "t", "h", b, strlen(b), &rs, &rv, &err) == 0 && rs &&
           rs->type == TRIB_STRING && strcmp(rv->u.str.data, "hello") == 0,
       "and reads it back");
    free(b);
    trib_schema_unref(rs);
    trib_value_destroy(rv);
    ok(trib_header_converter_to_connect(json, "t", "h", "{bad", 4, &rs, &rv, &err) < 0 && err.code == TRIB_ERR_INVALID,
       "JsonConverter refuses bytes that are not JSON");
    like(err.msg, "header 'h'", "naming the header");
    trib_header_converter_destroy(json);

    trib_props *cfg = trib_props_new();
    trib_props_set(cfg, "schemas.enable", "false");
    json = trib_header_converter_new("JsonConverter", cfg, &err);
    b = write_header(json, s, v, &isnull);
    is_str(b, "1234", "header.converter.schemas.enable=false writes the bare JSON");
    free(b);
    trib_header_converter_destroy(json);
    trib_props_destroy(cfg);

    trib_header_converter *integer = trib_header_converter_new("IntegerConverter", NULL, &err);
    b = write_header(integer, s, v, &isnull);
    ok(b && memcmp(b, "\x00\x00\x04\xd2", 4) == 0, "IntegerConverter writes 4 big-endian bytes");
    free(b);
    ok(trib_header_converter_to_connect(integer, "t", "h", "ab", 2, &rs, &rv, &err) < 0,
       "IntegerConverter refuses 2 bytes");
    trib_header_converter_destroy(integer);

    trib_header_converter *str = trib_header_converter_new("StringConverter", NULL, &err);
    b = write_header(str, s, v, &isnull);
    is_str(b, "1234", "StringConverter writes the value's text");
    ok(trib_header_converter_to_connect(str, "t", "h", "42", 2, &rs, &rv, &err) == 0 && rs->type == TRIB_STRING,
       "and reads every header as a STRING");
    free(b);
    trib_schema_unref(rs);
    trib_value_destroy(rv);
    trib_header_converter_destroy(str);

    ok(trib_header_converter_new("io.confluent.connect.avro.AvroConverter", NULL, &err) == NULL, "AvroConverter is no header converter");
    like(err.msg, "is not a header converter", "and says so");
    ok(trib_header_converter_new("com.example.Nope", NULL, &err) == NULL, "an unknown class is refused");
    is_str(err.msg, "Class com.example.Nope could not be found.", "with Connect's text");

    trib_schema_unref(s);
    trib_value_destroy(v);
    trib_schema_unref(ss);
    trib_value_destroy(sv);
}

static void test_wire(void) {
    trib_error err;
    trib_header_converter *hc = trib_header_converter_new("SimpleHeaderConverter", NULL, &err);
    trib_record *r = trib_record_new("t");
    for (int i = 0; i < 40; i++) trib_record_add_header_long(r, "n", 1000000 + i); /* the arena grows */
    trib_record_add_header_string(r, "x", NULL);
    trib_header *h;
    trib_strbuf arena;
    trib_strbuf_init(&arena);
    ok(trib_header_converter_wire(hc, r, &h, &arena, &err) == 0, "a record's headers serialize");
    ok(h[0].len == 7 && memcmp(h[0].value, "1000000", 7) == 0 && h[39].len == 7 &&
           memcmp(h[39].value, "1000039", 7) == 0 && strcmp(h[39].key, "n") == 0,
       "every header, in order, points at its bytes");
    ok(h[40].value == NULL, "a null header stays null");
    free(h);
    trib_strbuf_free(&arena);
    trib_record_destroy(r);
    trib_header_converter_destroy(hc);
}

int main(void) {
    plan(73);
    test_values();
    test_converters();
    test_wire();
    return exit_status();
}
