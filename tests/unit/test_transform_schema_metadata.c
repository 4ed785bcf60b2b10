/*
 * test_transform_schema_metadata.c: SetSchemaMetadata$Key / $Value
 * (transforms/set_schema_metadata.c): name and version set on the schema,
 * the rest kept, struct values rebuilt on the new schema, schemaless data
 * refused with Connect's text.
 */
#include "tests/unit/test_transform_util.h"

static void test_value_struct(void) {
    trib_error err;
    smt s = smt_new("SetSchemaMetadata$Value", props("schema.name", "com.example.Order", "schema.version", "3", NULL),
                    &err);
    ok(s.ctx != NULL, "SetSchemaMetadata$Value is created");
    trib_schema *dflt_field = trib_schema_primitive(TRIB_INT32, true);
    trib_schema_set_default_take(dflt_field, trib_value_int(TRIB_INT32, 7));
    trib_schema *schema = struct_schema("old.Name", "id", trib_schema_primitive(TRIB_INT64, false), "qty",
                                        dflt_field, NULL);
    trib_schema_set_doc(schema, "orders");
    trib_value *v = trib_value_struct_new(schema);
    trib_value_struct_set_take(v, "id", trib_value_int(TRIB_INT64, 42));
    trib_record *r = trib_record_new("t");
    trib_record_set_value_take(r, schema, v);
    ok(smt_apply(s, &r, &err) == 0, "apply succeeds");
    is_str(r->value_schema->name, "com.example.Order", "the name is set");
    is_int(r->value_schema->version, 3, "the version is set");
    is_str(r->value_schema->doc, "orders", "the doc is kept");
    is_int((int)r->value_schema->nfields, 2, "the fields are kept");
    ok(r->value->u.st.schema == r->value_schema, "the struct is rebuilt on the new schema");
    is_int(int_of(st_get(r->value, "id")), 42, "its field values move over");
    is_int(int_of(st_get(r->value, "qty")), 7, "a null field with a default takes the default");
    trib_schema *first = r->value_schema;
    trib_record *r2 = trib_record_clone(r);
    trib_record_destroy(r);
    trib_schema *again = trib_schema_copy(r2->value_schema);
    trib_schema_set_name(again, "old.Name");
    again->version = 0;
    trib_value *v2 = trib_value_struct_new(again);
    trib_record_set_value_take(r2, again, v2);
    ok(smt_apply(s, &r2, &err) == 0 && r2->value_schema == first, "an equal input schema reuses the derived one");
    trib_record_destroy(r2);
    smt_free(s);
}

static void test_key_and_errors(void) {
    trib_error err;
    smt s = smt_new("org.apache.kafka.connect.transforms.SetSchemaMetadata$Key", props("schema.version", "9", NULL),
                    &err);
    trib_record *r = trib_record_new("t");
    trib_schema *ks = trib_schema_primitive(TRIB_STRING, false);
    trib_schema_set_name(ks, "k");
    trib_record_set_key_take(r, ks, trib_value_string("abc"));
    ok(s.ctx && smt_apply(s, &r, &err) == 0, "$Key applies to a primitive key");
    is_str(r->key_schema->name, "k", "an unset schema.name keeps the name");
    is_int(r->key_schema->version, 9, "the version is set");
    is_str(str_of(r->key), "abc", "a non-struct value is kept as it is");
    trib_record_set_key_take(r, NULL, trib_value_string("x"));
    ok(smt_apply(s, &r, &err) < 0 && err.code == TRIB_ERR_INVALID, "a schemaless key is refused");
    is_str(err.msg, "Schema required for [updating schema metadata]", "with Connect's text");
    trib_record_destroy(r);
    smt_free(s);
    char *e = create_error("SetSchemaMetadata$Value", props("schema.version", "x", NULL));
    like(e, "schema.version: Not a number of type INT", "a non-integer version is refused");
    free(e);
}

int main(void) {
    plan(17);
    test_value_struct();
    test_key_and_errors();
    return exit_status();
}
