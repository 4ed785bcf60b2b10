/*
 * test_transform_fields.c: the field-shaping SMTs (InsertField,
 * ReplaceField, MaskField, ValueToKey, ExtractField, HoistField), each with
 * schema'd and schemaless records, $Key and $Value variants, and their
 * error paths (which must leave the record untouched).
 */
#include "tests/unit/test_transform_util.h"

/* A sink record whose value is struct {id int32, name string, email optional string default "none"}. */
static trib_record *user_record(void) {
    trib_schema *def_email = trib_schema_primitive(TRIB_STRING, true);
    trib_schema_set_default_take(def_email, trib_value_string("none"));
    trib_schema *s = struct_schema("com.example.User", "id", trib_schema_primitive(TRIB_INT32, false), "name",
                                   trib_schema_primitive(TRIB_STRING, false), "email", def_email, NULL);
    trib_value *v = trib_value_struct_new(s);
    trib_value_struct_set_take(v, "id", trib_value_int(TRIB_INT32, 42));
    trib_value_struct_set_take(v, "name", trib_value_string("ada"));
    trib_record *r = trib_record_new("users");
    r->partition = 3;
    r->kafka_offset = 1234;
    r->timestamp = 1700000000000;
    trib_record_set_value_take(r, s, v);
    return r;
}

static trib_record *map_record(void) {
    trib_record *r = trib_record_new("users");
    r->partition = 1;
    r->kafka_offset = 7;
    r->timestamp = 1000;
    trib_record_set_value_take(r, NULL,
                               map_of("id", trib_value_int(TRIB_INT64, 42), "name", trib_value_string("ada"), NULL));
    return r;
}

static void test_insert_field(void) {
    trib_error err;
    smt s = smt_new("org.apache.kafka.connect.transforms.InsertField$Value",
                    props("topic.field", "t!", "partition.field", "p", "offset.field", "o?", "timestamp.field", "ts",
                          "static.field", "origin", "static.value", "db1", NULL),
                    &err);
    ok(s.ctx != NULL, "InsertField$Value is created by class name");

    trib_record *r = user_record();
    is_int(smt_apply(s, &r, &err), 0, "InsertField applies to a struct value");
    const trib_schema *vs = r->value_schema;
    is_int(vs->nfields, 8, "the derived schema has the 3 original and 5 inserted fields");
    is_str(vs->name, "com.example.User", "the derived schema keeps the struct's name");
    const trib_field *f = trib_schema_field(vs, "t");
    ok(f && f->schema->type == TRIB_STRING && !f->schema->optional, "'t!' is a required string field");
    f = trib_schema_field(vs, "p");
    ok(f && f->schema->type == TRIB_INT32 && f->schema->optional, "'p' (no suffix) is an optional int32 field");
    f = trib_schema_field(vs, "o");
    ok(f && f->schema->type == TRIB_INT64 && f->schema->optional, "'o?' is an optional int64 field");
    f = trib_schema_field(vs, "ts");
    ok(f && trib_schema_is_logical(f->schema, TRIB_LOGICAL_TIMESTAMP), "the timestamp field is a Connect Timestamp");
    is_str(str_of(st_get(r->value, "t")), "users", "topic inserted");
    is_int(int_of(st_get(r->value, "p")), 3, "partition inserted");
    is_int(int_of(st_get(r->value, "o")), 1234, "offset inserted");
    is_int(int_of(st_get(r->value, "ts")), 1700000000000LL, "timestamp inserted as epoch ms");
    is_str(str_of(st_get(r->value, "origin")), "db1", "static value inserted");
    is_str(str_of(st_get(r->value, "email")), "none", "a null field with a default takes the default (replace.null.with.default)");
    is_int(trib_value_validate(r->value_schema, r->value, &err), 0, "the new struct validates against its schema");

    trib_record *r2 = user_record();
    smt_apply(s, &r2, &err);
    ok(r2->value_schema == r->value_schema, "the derived schema is cached per input schema");
    trib_record_destroy(r2);
    trib_record_destroy(r);

    r = map_record();
    is_int(smt_apply(s, &r, &err), 0, "InsertField applies to a schemaless map");
    is_str(str_of(map_get(r->value, "t", NULL)), "users", "schemaless: topic inserted");
    is_int(int_of(map_get(r->value, "p", NULL)), 1, "schemaless: partition inserted");
    is_int(int_of(map_get(r->value, "o", NULL)), 7, "schemaless: offset inserted");
    is_int(int_of(map_get(r->value, "ts", NULL)), 1000, "schemaless: timestamp inserted");
    is_int(int_of(map_get(r->value, "id", NULL)), 42, "schemaless: original fields kept");
    trib_record_destroy(r);

    /* A source record has no Kafka offset. */
    r = map_record();
    r->kafka_offset = -1;
    is_int(smt_apply(s, &r, &err), -1, "offset.field on a source record fails");
    is_int(err.code, TRIB_ERR_INVALID, "... with INVALID");
    like(err.msg, "Only SinkRecord supported for [field insertion]", "... with Connect's message");
    ok(!map_get(r->value, "t", NULL), "... and the record is untouched");
    trib_record_destroy(r);

    /* A value that is neither map nor struct. */
    r = trib_record_new("x");
    r->kafka_offset = 1;
    trib_record_set_value_take(r, NULL, trib_value_string("plain"));
    is_int(smt_apply(s, &r, &err), -1, "a schemaless string value is refused");
    is_str(err.msg, "Only Map objects supported in absence of schema for [field insertion], found: java.lang.String",
           "... naming the Java class Connect would");
    is_str(str_of(r->value), "plain", "... leaving the value as it was");

    /* Tombstones pass through. */
    trib_record_set_value_take(r, NULL, NULL);
    is_int(smt_apply(s, &r, &err), 0, "a null value passes through");
    ok(r->value == NULL, "... still null");
    trib_record_destroy(r);
    smt_free(s);

    /* $Key works on the key. */
    s = smt_new("InsertField$Key", props("static.field", "k", "static.value", "v", NULL), &err);
    r = map_record();
    trib_record_set_key_take(r, NULL, map_of("id", trib_value_int(TRIB_INT64, 1), NULL));
    is_int(smt_apply(s, &r, &err), 0, "InsertField$Key (alias) applies");
    is_str(str_of(map_get(r->key, "k", NULL)), "v", "the key got the static field");
    ok(!map_get(r->value, "k", NULL), "the value did not");
    trib_record_destroy(r);
    smt_free(s);

    /* Inserting a field the struct already has. */
    s = smt_new("InsertField$Value", props("topic.field", "name", NULL), &err);
    r = user_record();
    is_int(smt_apply(s, &r, &err), -1, "inserting an existing field name fails");
    like(err.msg, "Cannot create field because of field name duplication name", "... with Connect's message");
    is_int(r->value_schema->nfields, 3, "... and the record keeps its schema");
    trib_record_destroy(r);
    smt_free(s);

    /* replace.null.with.default=false keeps the null. */
    s = smt_new("InsertField$Value",
                props("topic.field", "t", "replace.null.with.default", "false", NULL), &err);
    r = user_record();
    smt_apply(s, &r, &err);
    ok(st_get(r->value, "email") == NULL, "replace.null.with.default=false keeps a null field null");
    trib_record_destroy(r);
    smt_free(s);

    char *e = create_error("InsertField$Value", props(NULL));
    is_str(e, "No field insertion configured", "no field configured is a config error");
    free(e);
    e = create_error("InsertField$Value", props("static.field", "x", NULL));
    is_str(e, "Invalid value null for configuration static.value: No value specified for static field: x",
           "static.field without static.value is a config error");
    free(e);
    e = create_error("InsertField$Value", props("topic.field", "t", "replace.null.with.default", "maybe", NULL));
    like(e, "Invalid value maybe for configuration replace.null.with.default", "a bad boolean names the key");
    free(e);
}

static void test_replace_field(void) {
    trib_error err;
    smt s = smt_new("ReplaceField$Value", props("exclude", "email", "renames", "id:user_id,name:full_name", NULL), &err);
    ok(s.ctx != NULL, "ReplaceField$Value created");
    trib_record *r = user_record();
    is_int(smt_apply(s, &r, &err), 0, "ReplaceField applies to a struct");
    is_int(r->value_schema->nfields, 2, "the excluded field is gone from the schema");
    is_str(r->value_schema->fields[0].name, "user_id", "first field renamed");
    is_str(r->value_schema->fields[1].name, "full_name", "second field renamed");
    is_int(int_of(st_get(r->value, "user_id")), 42, "renamed field keeps its value");
    is_str(str_of(st_get(r->value, "full_name")), "ada", "renamed string keeps its value");
    trib_record_destroy(r);

    r = map_record();
    is_int(smt_apply(s, &r, &err), 0, "ReplaceField applies to a map");
    is_int(int_of(map_get(r->value, "user_id", NULL)), 42, "schemaless rename");
    bool found;
    map_get(r->value, "id", &found);
    ok(!found, "the old key is gone");
    trib_record_destroy(r);
    smt_free(s);

    s = smt_new("ReplaceField$Value", props("include", "name,email", "exclude", "email", NULL), &err);
    r = user_record();
    smt_apply(s, &r, &err);
    is_int(r->value_schema->nfields, 1, "include keeps only listed fields and exclude wins over include");
    is_str(r->value_schema->fields[0].name, "name", "... leaving 'name'");
    trib_record_destroy(r);
    smt_free(s);

    s = smt_new("ReplaceField$Key", props("blacklist", "secret", NULL), &err);
    ok(s.ctx != NULL, "the deprecated 'blacklist' is accepted");
    r = map_record();
    trib_record_set_key_take(r, NULL, map_of("id", trib_value_int(TRIB_INT64, 1), "secret", trib_value_string("x"), NULL));
    smt_apply(s, &r, &err);
    map_get(r->key, "secret", &found);
    ok(!found, "blacklist excludes from the key ($Key)");
    ok(map_get(r->value, "name", NULL) != NULL, "the value is untouched by $Key");
    trib_record_destroy(r);
    smt_free(s);

    char *e = create_error("ReplaceField$Value", props("renames", "a:b,broken", NULL));
    is_str(e, "Invalid value a:b,broken for configuration renames: Invalid rename mapping: broken",
           "a rename without a colon is refused naming the key");
    free(e);

    s = smt_new("ReplaceField$Value", props("renames", "id:name", NULL), &err);
    r = user_record();
    is_int(smt_apply(s, &r, &err), -1, "renaming onto an existing field fails");
    like(err.msg, "field name duplication name", "... with a duplication error");
    is_str(r->value_schema->fields[0].name, "id", "... and the record is untouched");
    trib_record_destroy(r);
    smt_free(s);
}

static void test_mask_field(void) {
    trib_error err;
    trib_schema *arr = trib_schema_array_take(trib_schema_primitive(TRIB_STRING, false));
    trib_schema *s = struct_schema(NULL, "i8", trib_schema_primitive(TRIB_INT8, false), "n",
                                   trib_schema_primitive(TRIB_INT32, false), "f", trib_schema_primitive(TRIB_FLOAT64, false),
                                   "b", trib_schema_primitive(TRIB_BOOLEAN, false), "s",
                                   trib_schema_primitive(TRIB_STRING, false), "ts", trib_schema_timestamp(false), "d",
                                   trib_schema_decimal(2, false), "a", arr, "raw", trib_schema_primitive(TRIB_BYTES, true),
                                   NULL);
    trib_value *v = trib_value_struct_new(s);
    trib_value_struct_set_take(v, "i8", trib_value_int(TRIB_INT8, 5));
    trib_value_struct_set_take(v, "n", trib_value_int(TRIB_INT32, 123));
    trib_value_struct_set_take(v, "f", trib_value_float(TRIB_FLOAT64, 1.5));
    trib_value_struct_set_take(v, "b", trib_value_bool(true));
    trib_value_struct_set_take(v, "s", trib_value_string("secret"));
    trib_value_struct_set_take(v, "ts", trib_value_int(TRIB_INT64, 99999));
    trib_value *dec;
    trib_decimal_from_string("12.34", 2, &dec, NULL);
    trib_value_struct_set_take(v, "d", dec);
    trib_value *items = trib_value_array_new();
    trib_value_array_append_take(items, trib_value_string("x"));
    trib_value_struct_set_take(v, "a", items);
    trib_value_struct_set_take(v, "raw", trib_value_bytes("ab", 2));
    trib_record *base = trib_record_new("t");
    trib_record_set_value_take(base, s, v);

    smt m = smt_new("MaskField$Value", props("fields", "i8,n,f,b,s,ts,d,a", NULL), &err);
    trib_record *r = trib_record_clone(base);
    is_int(smt_apply(m, &r, &err), 0, "MaskField masks a struct");
    is_int(int_of(st_get(r->value, "i8")), 0, "int8 masked to 0");
    ok(st_get(r->value, "i8")->type == TRIB_INT8, "... keeping its type");
    is_int(int_of(st_get(r->value, "n")), 0, "int32 masked to 0");
    ok(st_get(r->value, "f")->u.f == 0.0, "float64 masked to 0.0");
    ok(st_get(r->value, "b")->u.b == false, "boolean masked to false");
    is_str(str_of(st_get(r->value, "s")), "", "string masked to empty");
    is_int(int_of(st_get(r->value, "ts")), 0, "Timestamp masked to the epoch");
    char *ds = trib_decimal_to_string(st_get(r->value, "d")->u.str.data, st_get(r->value, "d")->u.str.len, 2);
    is_str(ds, "0.00", "Decimal masked to zero");
    free(ds);
    is_int(st_get(r->value, "a")->u.arr.n, 0, "array masked to empty");
    ok(r->value_schema == base->value_schema, "the schema is unchanged");
    is_int(trib_value_validate(r->value_schema, r->value, &err), 0, "the masked struct still validates");
    trib_record_destroy(r);
    smt_free(m);

    m = smt_new("MaskField$Value", props("fields", "n,s", "replacement", "777", NULL), &err);
    r = trib_record_clone(base);
    smt_apply(m, &r, &err);
    is_int(int_of(st_get(r->value, "n")), 777, "a numeric replacement is converted to the field type");
    is_str(str_of(st_get(r->value, "s")), "777", "a string field gets the replacement text");
    trib_record_destroy(r);
    smt_free(m);

    m = smt_new("MaskField$Value", props("fields", "n,b", "replacement", "9", NULL), &err);
    r = trib_record_clone(base);
    is_int(smt_apply(m, &r, &err), -1, "a replacement for a boolean field fails");
    is_str(err.msg, "Cannot mask value of type class java.lang.Boolean with custom replacement.", "... Connect's message");
    is_int(int_of(st_get(r->value, "n")), 123, "... and no field was changed");
    trib_record_destroy(r);
    smt_free(m);

    m = smt_new("MaskField$Value", props("fields", "n", "replacement", "abc", NULL), &err);
    r = trib_record_clone(base);
    is_int(smt_apply(m, &r, &err), -1, "a non-numeric replacement for a number fails");
    is_str(err.msg, "Unable to convert abc (class java.lang.String) to a number", "... saying why");
    trib_record_destroy(r);
    smt_free(m);

    m = smt_new("MaskField$Value", props("fields", "raw", NULL), &err);
    r = trib_record_clone(base);
    is_int(smt_apply(m, &r, &err), -1, "bytes cannot be masked");
    is_str(err.msg, "Cannot mask value of type: class [B", "... as in Connect");
    trib_record_destroy(r);
    smt_free(m);

    m = smt_new("MaskField$Key", props("fields", "pw", NULL), &err);
    r = trib_record_new("t");
    trib_record_set_key_take(r, NULL, map_of("pw", trib_value_string("hunter2"), "n", trib_value_int(TRIB_INT64, 5), NULL));
    is_int(smt_apply(m, &r, &err), 0, "MaskField$Key masks a schemaless key");
    is_str(str_of(map_get(r->key, "pw", NULL)), "", "the key's string field is masked");
    is_int(int_of(map_get(r->key, "n", NULL)), 5, "other key fields are kept");
    trib_record_destroy(r);
    smt_free(m);

    char *e = create_error("MaskField$Value", props(NULL));
    is_str(e, "Missing required configuration \"fields\" which has no default value.", "fields is required");
    free(e);
    e = create_error("MaskField$Value", props("fields", " , ", NULL));
    like(e, "Empty list", "an empty fields list is refused");
    free(e);
    trib_record_destroy(base);
}

static void test_value_to_key(void) {
    trib_error err;
    smt s = smt_new("org.apache.kafka.connect.transforms.ValueToKey", props("fields", "id,name", NULL), &err);
    trib_record *r = user_record();
    is_int(smt_apply(s, &r, &err), 0, "ValueToKey applies to a struct value");
    ok(r->key_schema && r->key_schema->type == TRIB_STRUCT && r->key_schema->nfields == 2,
       "the key schema is a struct of the listed fields");
    is_int(int_of(st_get(r->key, "id")), 42, "key.id copied");
    is_str(str_of(st_get(r->key, "name")), "ada", "key.name copied");
    is_int(int_of(st_get(r->value, "id")), 42, "the value keeps its fields");
    trib_record_destroy(r);

    r = map_record();
    is_int(smt_apply(s, &r, &err), 0, "ValueToKey applies to a map value");
    ok(r->key_schema == NULL && r->key && r->key->type == TRIB_MAP, "the key is a schemaless map");
    is_str(str_of(map_get(r->key, "name", NULL)), "ada", "key.name copied (schemaless)");
    trib_record_destroy(r);
    smt_free(s);

    s = smt_new("ValueToKey", props("fields", "id,nope", NULL), &err);
    r = user_record();
    is_int(smt_apply(s, &r, &err), -1, "a field missing from the value schema fails");
    is_str(err.msg, "Field does not exist: nope", "... with Connect's message");
    ok(r->key == NULL, "... leaving the key alone");
    trib_record_set_value_take(r, NULL, NULL);
    is_int(smt_apply(s, &r, &err), -1, "a null value fails, as in Connect");
    like(err.msg, "found: null", "... saying it found null");
    trib_record_destroy(r);
    smt_free(s);
}

static void test_extract_field(void) {
    trib_error err;
    smt s = smt_new("ExtractField$Value", props("field", "name", NULL), &err);
    trib_record *r = user_record();
    is_int(smt_apply(s, &r, &err), 0, "ExtractField applies to a struct");
    ok(r->value_schema && r->value_schema->type == TRIB_STRING, "the value schema is the field's schema");
    is_str(str_of(r->value), "ada", "the value is the field's value");
    trib_record_destroy(r);

    r = map_record();
    smt_apply(s, &r, &err);
    ok(r->value_schema == NULL, "schemaless: no schema");
    is_str(str_of(r->value), "ada", "schemaless: the map entry");
    trib_record_destroy(r);

    r = trib_record_new("t");
    trib_record_set_value_take(r, NULL, map_of("other", trib_value_int(TRIB_INT64, 1), NULL));
    is_int(smt_apply(s, &r, &err), 0, "schemaless without the field is not an error");
    ok(r->value == NULL, "... the value becomes null");
    trib_record_destroy(r);
    smt_free(s);

    s = smt_new("ExtractField$Value", props("field", "missing", NULL), &err);
    r = user_record();
    is_int(smt_apply(s, &r, &err), -1, "an unknown struct field fails");
    is_str(err.msg, "Unknown field: missing", "... with Connect's message");
    trib_record_destroy(r);
    smt_free(s);

    /* V2 nested paths. */
    trib_schema *inner = struct_schema(NULL, "city", trib_schema_primitive(TRIB_STRING, false), NULL);
    trib_schema *outer = struct_schema(NULL, "addr.main", inner, NULL);
    trib_value *iv = trib_value_struct_new(inner);
    trib_value_struct_set_take(iv, "city", trib_value_string("Oslo"));
    trib_value *ov = trib_value_struct_new(outer);
    trib_value_struct_set_take(ov, "addr.main", iv);
    r = trib_record_new("t");
    trib_record_set_key_take(r, outer, ov);
    s = smt_new("ExtractField$Key", props("field", "`addr.main`.city", "field.syntax.version", "v2", NULL), &err);
    ok(s.ctx != NULL, "field.syntax.version is case-insensitive");
    is_int(smt_apply(s, &r, &err), 0, "ExtractField$Key with a V2 nested path");
    is_str(str_of(r->key), "Oslo", "the nested value is extracted from the key");
    trib_record_destroy(r);
    smt_free(s);

    char *e = create_error("ExtractField$Value", props("field", "`a.b", "field.syntax.version", "V2", NULL));
    like(e, "Incomplete backtick pair in path: [`a.b]", "an unbalanced backtick is a config error");
    free(e);
    e = create_error("ExtractField$Value", props("field", "a", "field.syntax.version", "V3", NULL));
    like(e, "Invalid value V3 for configuration field.syntax.version", "an unknown syntax version is refused");
    free(e);
}

static void test_hoist_field(void) {
    trib_error err;
    smt s = smt_new("HoistField$Value", props("field", "wrapped", NULL), &err);
    trib_record *r = trib_record_new("t");
    trib_record_set_value_take(r, trib_schema_primitive(TRIB_INT64, false), trib_value_int(TRIB_INT64, 9));
    is_int(smt_apply(s, &r, &err), 0, "HoistField wraps a primitive with schema");
    ok(r->value_schema->type == TRIB_STRUCT && r->value_schema->nfields == 1, "into a one-field struct");
    is_int(int_of(st_get(r->value, "wrapped")), 9, "holding the old value");
    trib_schema *first = r->value_schema;
    trib_record_set_value_take(r, trib_schema_primitive(TRIB_INT64, false), trib_value_int(TRIB_INT64, 10));
    smt_apply(s, &r, &err);
    ok(r->value_schema == first, "an equal input schema reuses the cached wrapper schema");
    trib_record_destroy(r);

    r = trib_record_new("t");
    trib_record_set_value_take(r, NULL, trib_value_string("line"));
    smt_apply(s, &r, &err);
    is_str(str_of(map_get(r->value, "wrapped", NULL)), "line", "schemaless: wrapped in a map");
    trib_record_destroy(r);

    r = trib_record_new("t");
    trib_record_set_value_take(r, trib_schema_primitive(TRIB_INT64, false), NULL);
    is_int(smt_apply(s, &r, &err), -1, "hoisting null under a required schema fails");
    like(err.msg, "Invalid value: null used for required field: \"wrapped\", schema type: INT64", "... as Struct.put would");
    trib_record_destroy(r);
    smt_free(s);

    s = smt_new("HoistField$Key", props("field", "k", NULL), &err);
    r = trib_record_new("t");
    trib_record_set_key_take(r, NULL, trib_value_string("abc"));
    smt_apply(s, &r, &err);
    is_str(str_of(map_get(r->key, "k", NULL)), "abc", "HoistField$Key wraps the key");
    trib_record_destroy(r);
    smt_free(s);

    char *e = create_error("HoistField$Value", props(NULL));
    like(e, "Missing required configuration \"field\"", "field is required");
    free(e);
}

int main(void) {
    test_insert_field();
    test_replace_field();
    test_mask_field();
    test_value_to_key();
    test_extract_field();
    test_hoist_field();
    done_testing();
    return exit_status();
}
