/*
 * test_transform_header_from.c: HeaderFrom$Key / HeaderFrom$Value
 * (transforms/header_from.c): fields copied or moved into headers with
 * their schemas (read here through SimpleHeaderConverter's text), the
 * schema losing moved fields, and refusals (config, missing field) leaving
 * the record as it was.
 */
#include "tests/unit/test_transform_util.h"
#include "proto/values.h"

/* header key's value as SimpleHeaderConverter writes it (NULL text: null) */
static bool header_is(const trib_record *r, const char *key, const char *text) {
    const trib_connect_header *h = trib_record_header(r, key);
    if (!h) return false;
    if (!text) return h->value == NULL;
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    trib_values_append_string(h->schema, h->value, &sb);
    bool same = h->value && sb.len == strlen(text) && memcmp(sb.data, text, sb.len) == 0;
    trib_strbuf_free(&sb);
    return same;
}

static trib_type header_type(const trib_record *r, const char *key) {
    const trib_connect_header *h = trib_record_header(r, key);
    return h && h->schema ? h->schema->type : (trib_type)-1;
}

static trib_record *order_record(void) {
    trib_schema *s = struct_schema("Order", "id", trib_schema_primitive(TRIB_INT64, false), "price",
                                   trib_schema_primitive(TRIB_FLOAT64, false), "who",
                                   trib_schema_primitive(TRIB_STRING, true), "tags",
                                   trib_schema_array_take(trib_schema_primitive(TRIB_STRING, false)), NULL);
    trib_value *v = trib_value_struct_new(s);
    trib_value_struct_set_take(v, "id", trib_value_int(TRIB_INT64, 42));
    trib_value_struct_set_take(v, "price", trib_value_float(TRIB_FLOAT64, 1.5));
    trib_value_struct_set_take(v, "tags", trib_value_array_new());
    trib_record *r = trib_record_new("t");
    trib_record_set_value_take(r, s, v);
    return r;
}

static void test_with_schema(void) {
    trib_error err;
    smt s = smt_new("HeaderFrom$Value",
                    props("fields", "id,price,who", "headers", "h_id,h_price,h_who", "operation", "move", NULL), &err);
    ok(s.ctx != NULL, "HeaderFrom$Value is created");
    trib_record *r = order_record();
    ok(smt_apply(s, &r, &err) == 0, "move applies");
    ok(header_is(r, "h_id", "42") && header_type(r, "h_id") == TRIB_INT64, "an INT64 field is an INT64 header");
    ok(header_is(r, "h_price", "1.5") && header_type(r, "h_price") == TRIB_FLOAT64, "a FLOAT64 field a FLOAT64 one");
    ok(header_is(r, "h_who", NULL), "a null field becomes a null header");
    is_int((int)r->value_schema->nfields, 1, "moved fields leave the schema");
    is_str(r->value_schema->fields[0].name, "tags", "the others stay");
    is_str(r->value_schema->name, "Order", "the schema keeps its name");
    trib_record_destroy(r);
    smt_free(s);

    s = smt_new("org.apache.kafka.connect.transforms.HeaderFrom$Value",
                props("fields", "id", "headers", "h", "operation", "copy", NULL), &err);
    r = order_record();
    ok(s.ctx && smt_apply(s, &r, &err) == 0 && header_is(r, "h", "42"), "copy adds the header");
    is_int((int)r->value_schema->nfields, 4, "and keeps the field");
    trib_record_destroy(r);
    smt_free(s);

    s = smt_new("HeaderFrom$Value", props("fields", "tags", "headers", "h", "operation", "copy", NULL), &err);
    r = order_record();
    ok(smt_apply(s, &r, &err) == 0, "an array field is copied");
    ok(header_type(r, "h") == TRIB_ARRAY && trib_record_header(r, "h")->schema->value_schema->type == TRIB_STRING,
       "with its array<string> schema");
    ok(header_is(r, "h", "[]"), "and its value");
    trib_record_destroy(r);
    smt_free(s);

    s = smt_new("HeaderFrom$Value", props("fields", "nope", "headers", "h", "operation", "move", NULL), &err);
    r = order_record();
    ok(smt_apply(s, &r, &err) < 0, "a missing field is refused");
    like(err.msg, "field nope not found", "naming it");
    is_int((int)r->nheaders, 0, "the refused record gets no header");
    trib_record_destroy(r);
    smt_free(s);
}

static void test_schemaless_and_config(void) {
    trib_error err;
    smt s = smt_new("HeaderFrom$Key", props("fields", "a,b", "headers", "x,y", "operation", "move", NULL), &err);
    trib_record *r = trib_record_new("t");
    trib_record_set_key_take(r, NULL, map_of("a", trib_value_bool(true), "c", trib_value_string("k"), NULL));
    ok(s.ctx && smt_apply(s, &r, &err) == 0, "HeaderFrom$Key applies to a schemaless map");
    ok(header_is(r, "x", "true") && !trib_record_header(r, "x")->schema, "a schemaless field gives a header without schema");
    ok(header_is(r, "y", NULL), "an absent field becomes a null header");
    bool found = true;
    ok(map_get(r->key, "a", &found) == NULL && !found, "a moved entry leaves the map");
    trib_record_destroy(r);
    smt_free(s);
    char *e = create_error("HeaderFrom$Key", props("fields", "a,b", "headers", "x", "operation", "copy", NULL));
    is_str(e, "'fields' config must have the same number of elements as 'headers' config.",
           "fields and headers must pair up (Connect's text)");
    free(e);
    e = create_error("HeaderFrom$Key", props("fields", "a", "headers", "x", "operation", "swap", NULL));
    like(e, "String must be one of: move, copy", "operation is move or copy");
    free(e);
}

int main(void) {
    plan(22);
    test_with_schema();
    test_schemaless_and_config();
    return exit_status();
}
