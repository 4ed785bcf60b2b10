/*
 * test_transform_cast.c: Cast$Key / Cast$Value: spec parsing and its
 * errors, field and whole-value casts with and without schema, and Java's
 * conversion rules (narrowing, parsing, Double.toString, base64).
 */
#include "tests/unit/test_transform_util.h"
#include "transforms/smt.h"

static trib_record *num_record(void) {
    trib_schema *opt = trib_schema_primitive(TRIB_INT64, true);
    trib_schema_set_default_take(opt, trib_value_int(TRIB_INT64, 5));
    trib_schema *s = struct_schema("N", "big", trib_schema_primitive(TRIB_INT64, false), "ratio",
                                   trib_schema_primitive(TRIB_FLOAT64, false), "flag",
                                   trib_schema_primitive(TRIB_BOOLEAN, false), "text",
                                   trib_schema_primitive(TRIB_STRING, false), "raw", trib_schema_primitive(TRIB_BYTES, false),
                                   "opt", opt, "keep", trib_schema_primitive(TRIB_STRING, false), NULL);
    trib_value *v = trib_value_struct_new(s);
    trib_value_struct_set_take(v, "big", trib_value_int(TRIB_INT64, 300));
    trib_value_struct_set_take(v, "ratio", trib_value_float(TRIB_FLOAT64, -2.75));
    trib_value_struct_set_take(v, "flag", trib_value_bool(true));
    trib_value_struct_set_take(v, "text", trib_value_string("123"));
    trib_value_struct_set_take(v, "raw", trib_value_bytes("hello", 5));
    trib_value_struct_set_take(v, "keep", trib_value_string("same"));
    trib_record *r = trib_record_new("t");
    trib_record_set_value_take(r, s, v);
    return r;
}

static void test_spec_errors(void) {
    char *e = create_error("Cast$Value", props("spec", "a:int99", NULL));
    is_str(e, "Invalid value a:int99 for configuration spec: Invalid type found in casting spec: int99",
           "an unknown type names the key and the type");
    free(e);
    e = create_error("Cast$Value", props("spec", "a:bytes", NULL));
    like(e, "Cast transformation does not support casting to BYTES; supported types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]",
         "casting to bytes is refused");
    free(e);
    e = create_error("Cast$Value", props("spec", "int32,a:string", NULL));
    like(e, "may only specify a single cast in their spec", "a whole-value cast must be alone");
    free(e);
    e = create_error("Cast$Value", props("spec", "", NULL));
    like(e, "Must specify at least one field to cast.", "an empty spec is refused");
    free(e);
    e = create_error("Cast$Value", props("spec", "a:b:c", NULL));
    like(e, "Invalid rename mapping: a:b:c", "three parts are refused with Connect's (odd) message");
    free(e);
    e = create_error("Cast$Value", props(NULL));
    like(e, "Missing required configuration \"spec\"", "spec is required");
    free(e);
    e = create_error("Cast$Value", props("spec", " a : INT8 ", NULL));
    is_str(e, "", "field and type are trimmed and the type is case-insensitive");
    free(e);
}

static void test_field_casts(void) {
    trib_error err;
    smt s = smt_new("Cast$Value",
                    props("spec", "big:int8,ratio:int32,flag:string,text:float64,raw:string,opt:string", NULL), &err);
    ok(s.ctx != NULL, "Cast$Value created");
    trib_record *r = num_record();
    is_int(smt_apply(s, &r, &err), 0, "Cast applies to a struct");
    const trib_schema *vs = r->value_schema;
    ok(trib_schema_field(vs, "big")->schema->type == TRIB_INT8, "big is now int8 in the schema");
    is_int(int_of(st_get(r->value, "big")), 44, "300 narrows to (byte) 44 as Java does");
    is_int(int_of(st_get(r->value, "ratio")), -2, "-2.75 truncates toward zero to -2");
    is_str(str_of(st_get(r->value, "flag")), "true", "boolean to string");
    ok(st_get(r->value, "text")->type == TRIB_FLOAT64 && st_get(r->value, "text")->u.f == 123.0, "\"123\" parses to 123.0");
    is_str(str_of(st_get(r->value, "raw")), "aGVsbG8=", "bytes to string is base64");
    const trib_field *of = trib_schema_field(vs, "opt");
    ok(of->schema->optional && of->schema->type == TRIB_STRING, "an optional field stays optional");
    is_str(str_of(of->schema->default_value), "5", "its default is cast too");
    is_str(str_of(st_get(r->value, "opt")), "5", "a null field with a default gets the cast default");
    is_str(str_of(st_get(r->value, "keep")), "same", "fields not in the spec are kept");
    is_int(trib_value_validate(r->value_schema, r->value, &err), 0, "the result validates against the new schema");
    trib_record_destroy(r);
    smt_free(s);

    s = smt_new("Cast$Value", props("spec", "text:int8", NULL), &err);
    r = num_record();
    trib_value_struct_set_take(r->value, "text", trib_value_string("300"));
    is_int(smt_apply(s, &r, &err), -1, "\"300\" does not fit int8");
    like(err.msg, "Value (300) was out of range for requested data type", "... Connect's message");
    ok(trib_schema_field(r->value_schema, "text")->schema->type == TRIB_STRING, "... and the record is untouched");
    trib_record_destroy(r);
    smt_free(s);

    s = smt_new("Cast$Value", props("spec", "raw:int32", NULL), &err);
    r = num_record();
    is_int(smt_apply(s, &r, &err), -1, "bytes cannot be cast to a number");
    like(err.msg, "Unexpected type in Cast transformation: class [B", "... as in Connect");
    trib_record_destroy(r);
    smt_free(s);

    /* Schemaless map fields. */
    s = smt_new("Cast$Value", props("spec", "n:int16,f:boolean,s:int64", NULL), &err);
    r = trib_record_new("t");
    trib_record_set_value_take(r, NULL,
                               map_of("n", trib_value_int(TRIB_INT64, 70000), "f", trib_value_float(TRIB_FLOAT64, 0.5),
                                      "s", trib_value_string("-9"), NULL));
    is_int(smt_apply(s, &r, &err), 0, "Cast applies to a map");
    const trib_value *n = map_get(r->value, "n", NULL);
    ok(n && n->type == TRIB_INT16 && n->u.i == 4464, "70000 narrows to (short) 4464");
    ok(map_get(r->value, "f", NULL)->u.b == false, "0.5 to boolean is false (longValue() != 0)");
    is_int(int_of(map_get(r->value, "s", NULL)), -9, "\"-9\" parses as int64");
    trib_record_destroy(r);
    smt_free(s);
}

static void test_whole_value(void) {
    trib_error err;
    smt s = smt_new("Cast$Key", props("spec", "int32", NULL), &err);
    trib_record *r = trib_record_new("t");
    trib_schema *ks = trib_schema_primitive(TRIB_INT64, true);
    trib_schema_set_doc(ks, "the id");
    trib_record_set_key_take(r, ks, trib_value_int(TRIB_INT64, 77));
    is_int(smt_apply(s, &r, &err), 0, "Cast$Key casts the whole key");
    ok(r->key_schema->type == TRIB_INT32 && r->key_schema->optional, "the key schema is an optional int32");
    is_str(r->key_schema->doc, "the id", "schema basics (doc) are copied");
    is_int(int_of(r->key), 77, "the key value is cast");
    trib_record_destroy(r);

    r = trib_record_new("t");
    trib_record_set_key_take(r, NULL, trib_value_string("12"));
    is_int(smt_apply(s, &r, &err), 0, "schemaless whole-value cast");
    ok(r->key->type == TRIB_INT32 && r->key->u.i == 12, "\"12\" becomes int32 12");
    trib_record_destroy(r);

    r = trib_record_new("t");
    trib_record_set_key_take(r, NULL, map_of("a", trib_value_int(TRIB_INT64, 1), NULL));
    is_int(smt_apply(s, &r, &err), -1, "a map cannot be cast to int32");
    like(err.msg, "Cast transformation does not support casting from MAP", "... naming the input type");
    trib_record_destroy(r);
    smt_free(s);

    s = smt_new("Cast$Value", props("spec", "string", NULL), &err);
    r = trib_record_new("t");
    trib_record_set_value_take(r, trib_schema_timestamp(false), trib_value_int(TRIB_INT64, 1700000000123LL));
    smt_apply(s, &r, &err);
    is_str(str_of(r->value), "2023-11-14T22:13:20.123Z", "a Timestamp casts to ISO-8601 text");
    ok(r->value_schema->name == NULL, "the logical name is not copied onto the string schema");
    trib_record_destroy(r);

    r = trib_record_new("t");
    trib_record_set_value_take(r, trib_schema_primitive(TRIB_FLOAT64, false), trib_value_float(TRIB_FLOAT64, 1e10));
    smt_apply(s, &r, &err);
    is_str(str_of(r->value), "1.0E10", "doubles print as Double.toString");
    trib_record_destroy(r);
    smt_free(s);
}

static void test_java_helpers(void) {
    char *t;
    t = smt_java_double_str(1.5, false); is_str(t, "1.5", "1.5"); free(t);
    t = smt_java_double_str(100.0, false); is_str(t, "100.0", "100.0"); free(t);
    t = smt_java_double_str(0.001, false); is_str(t, "0.001", "0.001 is plain"); free(t);
    t = smt_java_double_str(0.0001, false); is_str(t, "1.0E-4", "1.0E-4 is scientific"); free(t);
    t = smt_java_double_str(12345678.9, false); is_str(t, "1.23456789E7", "1.23456789E7"); free(t);
    t = smt_java_double_str(0.1f, true); is_str(t, "0.1", "float 0.1 prints shortest"); free(t);
    t = smt_java_double_str(-0.0, false); is_str(t, "-0.0", "negative zero"); free(t);
    t = smt_java_double_str(1.0 / 0.0, false); is_str(t, "Infinity", "Infinity"); free(t);
    int64_t l;
    ok(smt_bigdecimal_long("1e3", &l) == 0 && l == 1000, "BigDecimal 1e3 longValue");
    ok(smt_bigdecimal_long("-12.99", &l) == 0 && l == -12, "BigDecimal -12.99 truncates");
    ok(smt_bigdecimal_long("18446744073709551617", &l) == 0 && l == 1, "BigDecimal keeps the low 64 bits");
    ok(smt_bigdecimal_long("1x", &l) == -1, "junk is refused");
    double d;
    ok(smt_java_parse_double(" 2.5d ", &d) == 0 && d == 2.5, "Double.parseDouble trims and takes a d suffix");
    ok(smt_java_parse_double("inf", &d) == -1, "lower-case inf is not Java");
    ok(smt_java_parse_long("+7", INT8_MIN, INT8_MAX, &l) == 0 && l == 7, "Byte.parseByte accepts a plus sign");
    ok(smt_java_parse_long(" 7", INT8_MIN, INT8_MAX, &l) == -1, "... but not whitespace");
    t = smt_base64("", 0); is_str(t, "", "base64 of nothing"); free(t);
}

int main(void) {
    test_spec_errors();
    test_field_casts();
    test_whole_value();
    test_java_helpers();
    done_testing();
    return exit_status();
}
