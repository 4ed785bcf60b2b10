/*
 * test_data.c: the record data model (proto/data.h): schemas, values,
 * validation as Connect's ConnectSchema.validateValue, decimals, records
 * and batches.
 */
#include <math.h>
#include <pthread.h>

#include "common/util.h"
#include "proto/data.h"
#include "tests/tap.h"

static void test_types(void) {
    is_str(trib_type_name(TRIB_INT8), "int8", "int8 has Connect's name");
    is_str(trib_type_name(TRIB_FLOAT64), "float64", "float64 has Connect's name");
    is_str(trib_type_name(TRIB_STRUCT), "struct", "struct has Connect's name");
    trib_type t = TRIB_INT8;
    ok(trib_type_parse("map", &t) == 0 && t == TRIB_MAP, "\"map\" parses to MAP");
    ok(trib_type_parse("BOOLEAN", &t) == 0 && t == TRIB_BOOLEAN, "upper-case constant names parse too");
    ok(trib_type_parse("uuid", &t) == -1, "an unknown type name is refused");
    ok(trib_type_is_primitive(TRIB_BYTES) && !trib_type_is_primitive(TRIB_ARRAY),
       "bytes is primitive, array is not");
}

static trib_schema *person_schema(void) {
    trib_schema *st = trib_schema_struct_new("com.example.Person");
    trib_schema_add_field_take(st, "name", trib_schema_primitive(TRIB_STRING, false));
    trib_schema_add_field_take(st, "age", trib_schema_primitive(TRIB_INT32, true));
    trib_schema *tags = trib_schema_array_take(trib_schema_primitive(TRIB_STRING, false));
    tags->optional = true;
    trib_schema_add_field_take(st, "tags", tags);
    trib_schema_add_field_take(st, "attrs", trib_schema_map_take(trib_schema_primitive(TRIB_STRING, false),
                                                                 trib_schema_primitive(TRIB_INT64, true)));
    return st;
}

static void test_schemas(void) {
    trib_schema *st = person_schema();
    is_int(st->nfields, 4, "struct has four fields");
    const trib_field *f = trib_schema_field(st, "age");
    ok(f && f->index == 1 && f->schema->type == TRIB_INT32, "field lookup gives index and schema");
    ok(trib_schema_field(st, "nope") == NULL, "absent field is NULL");

    trib_schema *d = trib_schema_decimal(2, true);
    ok(trib_schema_is_logical(d, TRIB_LOGICAL_DECIMAL), "decimal schema carries the Decimal name");
    is_int(trib_schema_decimal_scale(d), 2, "decimal scale parameter is read back");
    is_int(d->version, 1, "logical types have version 1 as in Connect");
    is_str(trib_schema_param(d, "scale"), "2", "scale is stored as a string parameter");
    is_int(trib_schema_decimal_scale(trib_schema_field(st, "name")->schema), 0, "no scale param reads 0");

    trib_schema *c = trib_schema_copy(st);
    ok(c != st && trib_schema_equal(c, st), "a copy is equal but distinct");
    is_int(c->refcnt, 1, "a copy starts with one reference");
    trib_schema_set_doc(c, "people");
    ok(!trib_schema_equal(c, st), "doc takes part in equality");
    trib_schema_set_doc(c, NULL);
    ok(trib_schema_equal(c, st), "clearing doc restores equality");
    trib_schema_set_default_take(trib_schema_field(c, "age")->schema, trib_value_int(TRIB_INT32, 3));
    ok(!trib_schema_equal(c, st), "a nested default takes part in equality");

    trib_schema *d2 = trib_schema_decimal(3, true);
    ok(!trib_schema_equal(d, d2), "parameters take part in equality");
    ok(trib_schema_equal(NULL, NULL) && !trib_schema_equal(d, NULL), "NULL equals only NULL");

    trib_schema_ref(st);
    is_int(st->refcnt, 2, "ref increments");
    trib_schema_unref(st);
    is_int(st->refcnt, 1, "unref decrements");
    trib_schema_unref(NULL);
    ok(trib_schema_ref(NULL) == NULL, "ref/unref accept NULL");

    trib_schema *ts = trib_schema_timestamp(false);
    ok(ts->type == TRIB_INT64 && trib_schema_is_logical(ts, TRIB_LOGICAL_TIMESTAMP), "timestamp is a named int64");
    trib_schema_unref(ts);
    trib_schema *dt = trib_schema_date(false), *tm = trib_schema_time(true);
    ok(dt->type == TRIB_INT32 && tm->type == TRIB_INT32 && tm->optional, "date and time are int32");
    trib_schema_unref(dt);
    trib_schema_unref(tm);

    trib_schema_unref(d);
    trib_schema_unref(d2);
    trib_schema_unref(c);
    trib_schema_unref(st);
}

static void *refcount_worker(void *arg) {
    trib_schema *s = arg;
    for (int i = 0; i < 100000; i++) {
        trib_schema_ref(s);
        trib_schema_unref(s);
    }
    return NULL;
}

static void test_refcount_threads(void) {
    trib_schema *s = trib_schema_primitive(TRIB_STRING, false);
    pthread_t th[4];
    for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, refcount_worker, s);
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    is_int(s->refcnt, 1, "concurrent ref/unref leaves the count balanced");
    trib_schema_unref(s);
}

static void test_values(void) {
    trib_schema *st = person_schema();
    trib_value *p = trib_value_struct_new(st);
    is_int(st->refcnt, 2, "a struct value holds a schema reference");
    ok(trib_value_struct_set_take(p, "name", trib_value_string("Ada")) == 0, "set a field by name");
    ok(trib_value_struct_set_take(p, "nope", trib_value_int(TRIB_INT32, 1)) == -1, "unknown field is -1");
    trib_value *tags = trib_value_array_new();
    trib_value_array_append_take(tags, trib_value_string("x"));
    trib_value_array_append_take(tags, trib_value_string("y"));
    trib_value_struct_set_take(p, "tags", tags);
    trib_value *attrs = trib_value_map_new();
    trib_value_map_put_take(attrs, trib_value_string("k"), trib_value_int(TRIB_INT64, 1));
    trib_value_map_put_take(attrs, trib_value_string("n"), NULL);
    trib_value_map_put_take(attrs, trib_value_string("k"), trib_value_int(TRIB_INT64, 2));
    trib_value_struct_set_take(p, "attrs", attrs);

    bool found = false;
    trib_value *k = trib_value_map_get(attrs, "k", &found);
    ok(found && k && k->u.i == 2, "map get returns the last value put for a key");
    ok(trib_value_map_get(attrs, "n", &found) == NULL && found, "a null value is found");
    ok(trib_value_map_get(attrs, "zz", &found) == NULL && !found, "absent key is not found");

    trib_value *name = trib_value_struct_get(p, "name");
    ok(name && name->type == TRIB_STRING && name->u.str.len == 3 && strcmp(name->u.str.data, "Ada") == 0,
       "struct get returns the string");
    ok(trib_value_struct_get(p, "age") == NULL, "unset field is null");

    trib_value *c = trib_value_clone(p);
    ok(c != p && trib_value_equal(c, p), "clone is equal");
    trib_value_struct_set_take(c, "age", trib_value_int(TRIB_INT32, 36));
    ok(!trib_value_equal(c, p), "changing a clone does not change the original");
    trib_value_destroy(c);

    trib_value *s1 = trib_value_string_n("a\0b", 3);
    ok(s1->u.str.len == 3 && s1->u.str.data[3] == '\0', "string_n keeps embedded NUL and terminates");
    trib_value *s2 = trib_value_string_take(trib_xstrdup("owned"));
    is_str(s2->u.str.data, "owned", "string_take adopts the buffer");
    trib_value *b = trib_value_bytes("\x00\x01", 2);
    ok(!trib_value_equal(b, s1), "bytes and strings are never equal");
    trib_value_destroy(s1);
    trib_value_destroy(s2);
    trib_value_destroy(b);

    trib_value *f32 = trib_value_float(TRIB_FLOAT32, 0.1);
    ok(f32->u.f == (double)0.1f, "float32 values hold float precision");
    trib_value *nz = trib_value_float(TRIB_FLOAT64, -0.0), *pz = trib_value_float(TRIB_FLOAT64, 0.0);
    ok(!trib_value_equal(nz, pz), "-0.0 differs from 0.0 as in Java's Double.equals");
    trib_value *n1 = trib_value_float(TRIB_FLOAT64, NAN), *n2 = trib_value_float(TRIB_FLOAT64, NAN);
    ok(trib_value_equal(n1, n2), "NaN equals NaN as in Java's Double.equals");
    trib_value *i32 = trib_value_int(TRIB_INT32, 5), *i64 = trib_value_int(TRIB_INT64, 5);
    ok(!trib_value_equal(i32, i64), "int32 5 differs from int64 5");
    trib_value_destroy(f32);
    trib_value_destroy(nz);
    trib_value_destroy(pz);
    trib_value_destroy(n1);
    trib_value_destroy(n2);
    trib_value_destroy(i32);
    trib_value_destroy(i64);

    /* Maps compare regardless of order. */
    trib_value *m1 = trib_value_map_new(), *m2 = trib_value_map_new();
    trib_value_map_put_take(m1, trib_value_string("a"), trib_value_int(TRIB_INT64, 1));
    trib_value_map_put_take(m1, trib_value_string("b"), trib_value_int(TRIB_INT64, 2));
    trib_value_map_put_take(m2, trib_value_string("b"), trib_value_int(TRIB_INT64, 2));
    trib_value_map_put_take(m2, trib_value_string("a"), trib_value_int(TRIB_INT64, 1));
    ok(trib_value_equal(m1, m2), "maps are equal regardless of entry order");
    trib_value_destroy(m1);
    trib_value_destroy(m2);

    ok(trib_value_clone(NULL) == NULL, "clone of null is null");
    trib_value_destroy(NULL);
    trib_value_destroy(p);
    is_int(st->refcnt, 1, "destroying the struct value releases its schema reference");
    trib_schema_unref(st);
}

static void test_validate(void) {
    trib_error err;
    trib_schema *st = person_schema();
    trib_value *p = trib_value_struct_new(st);
    ok(trib_value_validate(st, p, &err) == -1, "missing required field fails");
    is_str(err.msg, "Invalid value: null used for required field: \"name\", schema type: STRING",
           "message matches Connect's and names the field");
    is_int(err.code, TRIB_ERR_INVALID, "validation errors are INVALID");

    trib_value_struct_set_take(p, "name", trib_value_string("Ada"));
    trib_value *attrs = trib_value_map_new();
    trib_value_struct_set_take(p, "attrs", attrs);
    ok(trib_value_validate(st, p, &err) == 0, "a complete struct validates");

    trib_value_struct_set_take(p, "age", trib_value_int(TRIB_INT64, 3));
    ok(trib_value_validate(st, p, &err) == -1, "int64 value for int32 field fails");
    is_str(err.msg, "Invalid Java object for schema with type INT32: class java.lang.Long for field: \"age\"",
           "type mismatch message matches Connect's");
    trib_value_struct_set_take(p, "age", trib_value_int(TRIB_INT32, 5000000000LL));
    ok(trib_value_validate(st, p, &err) == -1, "int32 value out of range fails");
    like(err.msg, "age", "range error names the field");
    trib_value_struct_set_take(p, "age", NULL);

    trib_value *tags = trib_value_array_new();
    trib_value_array_append_take(tags, trib_value_string("ok"));
    trib_value_array_append_take(tags, NULL);
    trib_value_struct_set_take(p, "tags", tags);
    ok(trib_value_validate(st, p, &err) == -1, "null item in an array of required strings fails");
    like(err.msg, "\"tags[1]\"", "array error names the element path");
    trib_value_struct_set_take(p, "tags", NULL);

    trib_value_map_put_take(attrs, trib_value_string("k"), trib_value_string("not a number"));
    ok(trib_value_validate(st, p, &err) == -1, "map value of the wrong type fails");
    like(err.msg, "attrs[k]", "map error names the key");
    trib_value *attrs2 = trib_value_map_new();
    trib_value_map_put_take(attrs2, trib_value_string("k"), NULL);
    trib_value_struct_set_take(p, "attrs", attrs2);
    ok(trib_value_validate(st, p, &err) == 0, "null for optional map value is fine");

    /* Struct schema identity by equality. */
    trib_schema *other = trib_schema_copy(st);
    ok(trib_value_validate(other, p, &err) == 0, "an equal (copied) schema validates the struct");
    trib_schema_set_name(other, "com.example.Other");
    ok(trib_value_validate(other, p, &err) == -1, "a different struct schema fails");
    is_str(err.msg, "Struct schemas do not match.", "message matches Connect's");
    trib_schema_unref(other);

    trib_schema *req = trib_schema_primitive(TRIB_STRING, false);
    ok(trib_value_validate(req, NULL, &err) == -1, "top-level null for a required schema fails");
    is_str(err.msg, "Invalid value: null used for required field: \"null\", schema type: STRING",
           "top-level message matches Connect's (field null)");
    trib_schema *opt = trib_schema_primitive(TRIB_STRING, true);
    ok(trib_value_validate(opt, NULL, &err) == 0, "null for an optional schema is fine");
    ok(trib_value_validate(NULL, p, &err) == 0, "schemaless values always validate");

    trib_schema *dec = trib_schema_decimal(2, false);
    trib_value *s = trib_value_string("1.5");
    ok(trib_value_validate(dec, s, &err) == -1, "a string is not a Decimal");
    is_str(err.msg,
           "Invalid Java object for schema \"org.apache.kafka.connect.data.Decimal\" with type BYTES: class java.lang.String",
           "logical schema name appears in the message");
    trib_value_destroy(s);
    trib_schema_unref(dec);
    trib_schema_unref(req);
    trib_schema_unref(opt);
    trib_value_destroy(p);
    trib_schema_unref(st);
}

static void dec_case(const char *in, int scale, const char *hex, const char *back) {
    trib_error err;
    trib_value *v = NULL;
    int rc = trib_decimal_from_string(in, scale, &v, &err);
    char got[256] = "";
    if (rc == 0) {
        for (size_t i = 0; i < v->u.str.len && i * 2 + 2 < sizeof got; i++)
            sprintf(got + i * 2, "%02x", (unsigned char)v->u.str.data[i]);
    }
    char label[400];
    snprintf(label, sizeof label, "'%s' at scale %d encodes as %s", in, scale, hex);
    is_str(rc == 0 ? got : err.msg, hex, "%s", label);
    if (rc == 0 && back[0]) {
        char *s = trib_decimal_to_string(v->u.str.data, v->u.str.len, scale);
        is_str(s, back, "0x%s at scale %d reads back as %s", hex, scale, back);
        free(s);
    }
    trib_value_destroy(v);
}

static void test_decimals(void) {
    dec_case("0", 2, "00", "0.00");
    dec_case("1.00", 2, "64", "1.00");
    dec_case("1.28", 2, "0080", "1.28");
    dec_case("-1.28", 2, "80", "-1.28");
    dec_case("-1.29", 2, "ff7f", "-1.29");
    dec_case("-0.01", 2, "ff", "-0.01");
    dec_case("127", 0, "7f", "127");
    dec_case("128", 0, "0080", "128");
    dec_case("-128", 0, "80", "-128");
    dec_case("-129", 0, "ff7f", "-129");
    dec_case("255", 0, "00ff", "255");
    dec_case("-0.00", 2, "00", "0.00");
    dec_case("12.3", 3, "300c", "12.300");
    dec_case("1.5e2", 0, "0096", "150");
    dec_case("1200", -2, "0c", "1200");
    /* 2^64 and -(2^64): beyond any fixed-width integer. */
    dec_case("18446744073709551616", 0, "010000000000000000", "18446744073709551616");
    dec_case("-18446744073709551616", 0, "ff0000000000000000", "-18446744073709551616");
    dec_case("-9223372036854775808", 0, "8000000000000000", "-9223372036854775808");
    dec_case("123456789012345678901234567890.123456789", 9,
             "5ce0e9a56015fec5aadfa328ae398115", "123456789012345678901234567890.123456789");
    dec_case("1.234", 2, "decimal: '1.234' has more digits than scale 2 allows (rounding necessary)",
             "");
    dec_case("1.2x", 2, "decimal: '1.2x' is not a decimal number", "");
    dec_case("", 2, "decimal: '' is not a decimal number", "");
    dec_case("-", 0, "decimal: '-' is not a decimal number", "");

    char *s = trib_decimal_to_string("", 0, 3);
    is_str(s, "0.000", "empty unscaled bytes read as zero");
    free(s);
    s = trib_decimal_to_string("\x01", 1, 5);
    is_str(s, "0.00001", "small values get leading zeros");
    free(s);
    s = trib_decimal_to_string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 10, 1);
    is_str(s, "-0.1", "redundant sign bytes are accepted");
    free(s);
}

static void test_records(void) {
    trib_record *r = trib_record_new("orders");
    ok(r->partition == -1 && r->timestamp == -1 && r->kafka_offset == -1, "new record has -1 defaults");
    is_str(r->topic, "orders", "topic is copied");
    trib_record_set_key_take(r, trib_schema_primitive(TRIB_STRING, false), trib_value_string("k1"));
    trib_record_set_value_take(r, trib_schema_primitive(TRIB_INT64, false), trib_value_int(TRIB_INT64, 42));
    trib_record_set_value_take(r, trib_schema_primitive(TRIB_INT32, false), trib_value_int(TRIB_INT32, 7));
    ok(r->value->u.i == 7 && r->value_schema->type == TRIB_INT32, "set_value_take replaces value and schema");
    trib_record_add_header_string(r, "h", "a");
    trib_record_add_header_string(r, "x", NULL);
    trib_record_add_header_long(r, "h", 22);
    const trib_connect_header *h = trib_record_header(r, "h");
    ok(h && h->schema->type == TRIB_INT64 && h->value->u.i == 22, "header lookup returns the last with the key");
    h = trib_record_header(r, "x");
    ok(h && h->value == NULL && h->schema->optional, "a null string header has no value and the optional schema");
    r->source_partition = json_pack("{s:s}", "file", "a.txt");
    r->source_offset = json_pack("{s:I}", "position", (json_int_t)10);
    r->raw_value = "raw";
    r->raw_value_len = 3;

    trib_record *c = trib_record_clone(r);
    ok(c->nheaders == 3 && c->headers[2].value->u.i == 22 && c->headers[2].value != r->headers[2].value &&
           c->headers[2].schema == r->headers[2].schema,
       "clone copies header values and shares their schemas");
    ok(c->key_schema == r->key_schema, "clone shares the immutable schema");
    ok(trib_value_equal(c->key, r->key) && c->key != r->key, "clone deep-copies values");
    ok(json_equal(c->source_offset, r->source_offset) && c->source_offset != r->source_offset,
       "clone deep-copies source offsets");
    ok(c->raw_value == r->raw_value, "raw bytes stay borrowed");
    trib_record_set_topic(c, "other");
    is_str(r->topic, "orders", "changing the clone's topic leaves the original");

    trib_record_remove_headers(r, "h");
    ok(r->nheaders == 1 && trib_record_header(r, "h") == NULL, "remove_headers drops every header with the key");

    trib_record_batch b;
    trib_record_batch_init(&b);
    trib_record_batch_add_take(&b, r);
    trib_record_batch_add_take(&b, c);
    for (int i = 0; i < 40; i++) trib_record_batch_add_take(&b, trib_record_new("t"));
    is_int(b.n, 42, "batch grows");
    trib_record_batch_clear(&b);
    ok(b.n == 0 && b.cap >= 42, "clear keeps capacity");
    trib_record_batch_add_take(&b, trib_record_new("t"));
    trib_record_batch_free(&b);
    ok(b.items == NULL && b.n == 0, "free releases everything");
    trib_record_destroy(NULL);
}

int main(void) {
    test_types();
    test_schemas();
    test_refcount_threads();
    test_values();
    test_validate();
    test_decimals();
    test_records();
    (void)plan;   /* the plan is printed at the end */
    done_testing();
    return exit_status();
}
