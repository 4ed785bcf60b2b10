/*
 * test_transform_flatten.c: Flatten$Key / Flatten$Value
 * (transforms/flatten.c) as Connect's: nested structs and maps become one
 * level named by path, arrays and maps under a schema are kept, optionality
 * and defaults propagate from enclosing structs, nulls stay null, and what
 * Connect refuses is refused with its text.
 */
#include "tests/unit/test_transform_util.h"

static void test_with_schema(void) {
    trib_error err;
    smt s = smt_new("Flatten$Value", props(NULL), &err);
    ok(s.ctx != NULL, "Flatten$Value is created with the default delimiter");
    trib_schema *addr = struct_schema("Address", "city", trib_schema_primitive(TRIB_STRING, false), "zip",
                                      trib_schema_primitive(TRIB_INT32, false), NULL);
    addr->optional = true;
    trib_schema *tags = trib_schema_array_take(trib_schema_primitive(TRIB_STRING, false));
    trib_schema *schema = struct_schema("Order", "id", trib_schema_primitive(TRIB_INT64, false), "addr",
                                        trib_schema_ref(addr), "tags", tags, NULL);
    trib_value *a = trib_value_struct_new(addr);
    trib_value_struct_set_take(a, "city", trib_value_string("Oslo"));
    trib_value_struct_set_take(a, "zip", trib_value_int(TRIB_INT32, 150));
    trib_value *t = trib_value_array_new();
    trib_value_array_append_take(t, trib_value_string("x"));
    trib_value *v = trib_value_struct_new(schema);
    trib_value_struct_set_take(v, "id", trib_value_int(TRIB_INT64, 1));
    trib_value_struct_set_take(v, "addr", a);
    trib_value_struct_set_take(v, "tags", t);
    trib_record *r = trib_record_new("t");
    trib_record_set_value_take(r, schema, v);
    ok(smt_apply(s, &r, &err) == 0, "apply succeeds");
    const trib_schema *out = r->value_schema;
    is_int((int)out->nfields, 4, "four leaves");
    is_str(out->fields[1].name, "addr.city", "nested fields are named by path");
    is_str(out->name, "Order", "the top-level name is kept");
    ok(out->fields[1].schema->optional, "a leaf of an optional struct is optional");
    ok(!out->fields[0].schema->optional, "a required leaf of a required struct stays required");
    is_int(out->fields[3].schema->type, TRIB_ARRAY, "an array is kept, not flattened");
    is_str(str_of(st_get(r->value, "addr.city")), "Oslo", "values move to their flattened fields");
    is_int(int_of(st_get(r->value, "addr.zip")), 150, "every leaf");

    /* a null optional struct leaves its leaves null */
    trib_record *r2 = trib_record_new("t");
    trib_value *v2 = trib_value_struct_new(schema);
    trib_value_struct_set_take(v2, "id", trib_value_int(TRIB_INT64, 2));
    trib_value_struct_set_take(v2, "tags", trib_value_array_new());
    trib_record_set_value_take(r2, trib_schema_ref(schema), v2);
    ok(smt_apply(s, &r2, &err) == 0 && st_get(r2->value, "addr.city") == NULL, "a null struct gives null leaves");
    ok(r2->value_schema == r->value_schema, "the derived schema is cached per input schema");
    trib_record_destroy(r2);
    trib_record_destroy(r);
    trib_schema_unref(addr);
    smt_free(s);
}

static void test_defaults_and_errors(void) {
    trib_error err;
    smt s = smt_new("org.apache.kafka.connect.transforms.Flatten$Key", props("delimiter", "_", NULL), &err);
    trib_schema *inner = struct_schema(NULL, "n", trib_schema_primitive(TRIB_INT32, false), NULL);
    /* the default is a struct of an equal schema (one of the schema itself
     * would be a reference cycle) */
    trib_schema *inner_copy = trib_schema_copy(inner);
    trib_value *idflt = trib_value_struct_new(inner_copy);
    trib_schema_unref(inner_copy);
    trib_value_struct_set_take(idflt, "n", trib_value_int(TRIB_INT32, 5));
    trib_schema_set_default_take(inner, idflt);
    trib_schema *schema = struct_schema(NULL, "in", inner, NULL);
    trib_value *k = trib_value_struct_new(schema);
    trib_value *iv = trib_value_struct_new(inner);
    trib_value_struct_set_take(iv, "n", trib_value_int(TRIB_INT32, 9));
    trib_value_struct_set_take(k, "in", iv);
    trib_record *r = trib_record_new("t");
    trib_record_set_key_take(r, schema, k);
    ok(s.ctx && smt_apply(s, &r, &err) == 0, "Flatten$Key applies with a custom delimiter");
    is_str(r->key_schema->fields[0].name, "in_n", "the delimiter joins the path");
    ok(r->key_schema->fields[0].schema->default_value &&
           r->key_schema->fields[0].schema->default_value->u.i == 5,
       "a leaf takes its default from the enclosing struct's default");
    is_int(int_of(st_get(r->key, "in_n")), 9, "and keeps its value");

    trib_record_set_key_take(r, NULL, map_of("a", map_of("b", trib_value_int(TRIB_INT32, 1), NULL), "c", NULL, NULL));
    ok(smt_apply(s, &r, &err) == 0, "a schemaless map is flattened");
    bool found = false;
    is_int(int_of(map_get(r->key, "a_b", &found)), 1, "nested maps become one level");
    ok(map_get(r->key, "c", &found) == NULL && found, "a null entry stays, null");

    trib_record_set_key_take(r, NULL, trib_value_string("x"));
    ok(smt_apply(s, &r, &err) < 0, "a schemaless string is refused");
    is_str(err.msg, "Only Map objects supported in absence of schema for [flattening], found: java.lang.String",
           "with Connect's text");
    trib_record_set_key_take(r, NULL, NULL);
    ok(smt_apply(s, &r, &err) == 0 && r->key == NULL, "a null schemaless key stays null");
    trib_record_destroy(r);
    smt_free(s);
}

int main(void) {
    plan(22);
    test_with_schema();
    test_defaults_and_errors();
    return exit_status();
}
