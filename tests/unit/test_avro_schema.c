/*
 * test_avro_schema.c: Connect schema <-> Avro schema mapping
 * (proto/avro_schema.h), checked against the text Confluent's AvroData
 * produces for the same Connect schemas, and round trips.
 */
#include "common/util.h"
#include "proto/avro_schema.h"
#include "proto/data.h"
#include "tests/tap.h"

#define PLAN 66

static char *avro_text(const trib_schema *s, const trib_avro_options *o) {
    trib_error err = {0};
    char *t = trib_avro_schema_from_connect_str(s, o, &err);
    if (!t) diag("from_connect failed: %s", err.msg);
    return t;
}

static void check_text(trib_schema *s, const char *want, const char *name) {
    char *t = avro_text(s, NULL);
    is_str(t, want, "%s", name);
    free(t);
    trib_schema_unref(s);
}

static void test_primitives(void) {
    check_text(trib_schema_primitive(TRIB_INT32, false), "\"int\"", "int32 is a bare \"int\"");
    check_text(trib_schema_primitive(TRIB_INT64, false), "\"long\"", "int64 is \"long\"");
    check_text(trib_schema_primitive(TRIB_FLOAT32, false), "\"float\"", "float32 is \"float\"");
    check_text(trib_schema_primitive(TRIB_FLOAT64, false), "\"double\"", "float64 is \"double\"");
    check_text(trib_schema_primitive(TRIB_BOOLEAN, false), "\"boolean\"", "boolean is \"boolean\"");
    check_text(trib_schema_primitive(TRIB_BYTES, false), "\"bytes\"", "bytes is \"bytes\"");
    check_text(trib_schema_primitive(TRIB_INT8, false), "{\"type\":\"int\",\"connect.type\":\"int8\"}",
               "int8 is an int annotated with connect.type");
    check_text(trib_schema_primitive(TRIB_INT16, false), "{\"type\":\"int\",\"connect.type\":\"int16\"}",
               "int16 is an int annotated with connect.type");
    check_text(trib_schema_primitive(TRIB_STRING, true), "[\"null\",\"string\"]",
               "an optional string is a union with null first");
}

static void test_logical(void) {
    check_text(trib_schema_decimal(2, false),
               "{\"type\":\"bytes\",\"scale\":2,\"precision\":64,\"connect.version\":1,"
               "\"connect.parameters\":{\"scale\":\"2\"},\"connect.name\":\"org.apache.kafka.connect.data.Decimal\","
               "\"logicalType\":\"decimal\"}",
               "Decimal matches Confluent's text (scale, default precision 64, logicalType decimal)");
    trib_schema *d = trib_schema_decimal(3, false);
    trib_schema_set_param(d, "connect.decimal.precision", "10");
    check_text(d,
               "{\"type\":\"bytes\",\"scale\":3,\"precision\":10,\"connect.version\":1,"
               "\"connect.parameters\":{\"scale\":\"3\",\"connect.decimal.precision\":\"10\"},"
               "\"connect.name\":\"org.apache.kafka.connect.data.Decimal\",\"logicalType\":\"decimal\"}",
               "connect.decimal.precision sets the Avro precision");
    check_text(trib_schema_date(false),
               "{\"type\":\"int\",\"connect.version\":1,\"connect.name\":\"org.apache.kafka.connect.data.Date\","
               "\"logicalType\":\"date\"}", "Date is an int with logicalType date");
    check_text(trib_schema_time(false),
               "{\"type\":\"int\",\"connect.version\":1,\"connect.name\":\"org.apache.kafka.connect.data.Time\","
               "\"logicalType\":\"time-millis\"}", "Time is an int with logicalType time-millis");
    check_text(trib_schema_timestamp(false),
               "{\"type\":\"long\",\"connect.version\":1,\"connect.name\":\"org.apache.kafka.connect.data.Timestamp\","
               "\"logicalType\":\"timestamp-millis\"}", "Timestamp is a long with logicalType timestamp-millis");
}

static void test_structs(void) {
    trib_schema *st = trib_schema_struct_new(NULL);
    trib_schema_add_field_take(st, "id", trib_schema_primitive(TRIB_INT32, false));
    trib_schema_add_field_take(st, "name", trib_schema_primitive(TRIB_STRING, true));
    check_text(st,
               "{\"type\":\"record\",\"name\":\"ConnectDefault\",\"namespace\":\"io.confluent.connect.avro\","
               "\"fields\":[{\"name\":\"id\",\"type\":\"int\"},"
               "{\"name\":\"name\",\"type\":[\"null\",\"string\"],\"default\":null}]}",
               "an unnamed struct is ConnectDefault; optional fields default to null");

    trib_schema *addr = trib_schema_struct_new("com.example.Address");
    trib_schema_add_field_take(addr, "city", trib_schema_primitive(TRIB_STRING, false));
    trib_schema *user = trib_schema_struct_new("com.example.User");
    trib_schema_set_doc(user, "a user");
    user->version = 2;
    trib_schema_add_field_take(user, "home", addr);
    trib_schema_add_field_take(user, "work", trib_schema_ref(addr));
    trib_schema *age = trib_schema_primitive(TRIB_INT32, false);
    trib_schema_set_default_take(age, trib_value_int(TRIB_INT32, 18));
    trib_schema_add_field_take(user, "age", age);
    trib_schema *nick = trib_schema_primitive(TRIB_STRING, true);
    trib_schema_set_default_take(nick, trib_value_string("anon"));
    trib_schema_add_field_take(user, "nick", nick);
    check_text(user,
               "{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"com.example\",\"fields\":["
               "{\"name\":\"home\",\"type\":{\"type\":\"record\",\"name\":\"Address\",\"fields\":["
               "{\"name\":\"city\",\"type\":\"string\"}],\"connect.name\":\"com.example.Address\"}},"
               "{\"name\":\"work\",\"type\":\"Address\"},"
               "{\"name\":\"age\",\"type\":{\"type\":\"int\",\"connect.default\":18},\"default\":18},"
               "{\"name\":\"nick\",\"type\":[{\"type\":\"string\",\"connect.default\":\"anon\"},\"null\"],\"default\":\"anon\"}],"
               "\"connect.doc\":\"a user\",\"connect.version\":2,\"connect.name\":\"com.example.User\"}",
               "named structs: namespace elided inside the same namespace, a reused type is referenced "
               "by name, defaults on field and type, optional-with-default puts null second");

    trib_schema *a = trib_schema_struct_new(NULL);
    trib_schema_add_field_take(a, "x", trib_schema_primitive(TRIB_INT32, false));
    trib_schema *b = trib_schema_struct_new(NULL);
    trib_schema_add_field_take(b, "y", trib_schema_primitive(TRIB_STRING, false));
    trib_schema *outer = trib_schema_struct_new("Outer");
    trib_schema_add_field_take(outer, "a", a);
    trib_schema_add_field_take(outer, "b", b);
    trib_schema_add_field_take(outer, "a2", trib_schema_ref(a));
    char *t = avro_text(outer, NULL);
    like(t, "\"name\":\"ConnectDefault\",\"namespace\":\"io.confluent.connect.avro\"",
         "the first unnamed struct is ConnectDefault");
    like(t, "\"name\":\"ConnectDefault2\"", "a different unnamed struct gets ConnectDefault2");
    like(t, "{\"name\":\"a2\",\"type\":\"io.confluent.connect.avro.ConnectDefault\"}",
         "the same unnamed struct again is a reference");
    trib_error err = {0};
    trib_schema *back = trib_avro_schema_to_connect_str(t, NULL, 0, &err);
    ok(back && trib_schema_equal(back, outer), "several unnamed structs round-trip to the same Connect schema");
    trib_schema_unref(back);
    free(t);
    trib_schema_unref(outer);

    trib_schema *c1 = trib_schema_struct_new("dup.Name");
    trib_schema_add_field_take(c1, "x", trib_schema_primitive(TRIB_INT32, false));
    trib_schema *c2 = trib_schema_struct_new("dup.Name");
    trib_schema_add_field_take(c2, "y", trib_schema_primitive(TRIB_INT32, false));
    trib_schema *o2 = trib_schema_struct_new("Holder");
    trib_schema_add_field_take(o2, "one", c1);
    trib_schema_add_field_take(o2, "two", c2);
    trib_error_clear(&err);
    char *bad = trib_avro_schema_from_connect_str(o2, NULL, &err);
    ok(bad == NULL && err.code == TRIB_ERR_INVALID, "two different types with one name are refused");
    like(err.msg, "field 'two'", "the error names the field");
    like(err.msg, "dup.Name", "the error names the clashing type");
    free(bad);
    trib_schema_unref(o2);
}

static void test_maps_arrays(void) {
    check_text(trib_schema_map_take(trib_schema_primitive(TRIB_STRING, false), trib_schema_primitive(TRIB_INT64, false)),
               "{\"type\":\"map\",\"values\":\"long\"}", "a map with string keys is an Avro map");
    check_text(trib_schema_map_take(trib_schema_primitive(TRIB_INT32, false), trib_schema_primitive(TRIB_STRING, true)),
               "{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"MapEntry\",\"namespace\":"
               "\"io.confluent.connect.avro\",\"fields\":[{\"name\":\"key\",\"type\":\"int\"},"
               "{\"name\":\"value\",\"type\":[\"null\",\"string\"],\"default\":null}]}}",
               "a map with int keys is an array of MapEntry records");
    trib_schema *named = trib_schema_map_take(trib_schema_primitive(TRIB_STRING, true), trib_schema_primitive(TRIB_INT32, false));
    trib_schema_set_name(named, "com.x.Counts");
    check_text(named,
               "{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"Counts\",\"namespace\":\"com.x\","
               "\"fields\":[{\"name\":\"key\",\"type\":[\"null\",\"string\"],\"default\":null},"
               "{\"name\":\"value\",\"type\":\"int\"}],\"connect.internal.type\":\"MapEntry\"},"
               "\"connect.name\":\"com.x.Counts\"}",
               "a named map with optional string keys names its entry record after itself");
    check_text(trib_schema_array_take(trib_schema_primitive(TRIB_INT8, true)),
               "{\"type\":\"array\",\"items\":[\"null\",{\"type\":\"int\",\"connect.type\":\"int8\"}]}",
               "an array of optional int8");
}

static trib_schema *everything(void) {
    trib_schema *inner = trib_schema_struct_new("com.example.Inner");
    trib_schema_add_field_take(inner, "flag", trib_schema_primitive(TRIB_BOOLEAN, false));
    trib_schema_add_field_take(inner, "blob", trib_schema_primitive(TRIB_BYTES, true));
    trib_schema *st = trib_schema_struct_new("com.example.Everything");
    trib_schema_set_doc(st, "all types");
    trib_schema_set_param(st, "custom", "yes");
    trib_type prim[] = {TRIB_INT8, TRIB_INT16, TRIB_INT32, TRIB_INT64, TRIB_FLOAT32, TRIB_FLOAT64,
                        TRIB_BOOLEAN, TRIB_STRING, TRIB_BYTES};
    for (size_t i = 0; i < sizeof prim / sizeof prim[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "f_%s", trib_type_name(prim[i]));
        trib_schema_add_field_take(st, name, trib_schema_primitive(prim[i], false));
        snprintf(name, sizeof name, "o_%s", trib_type_name(prim[i]));
        trib_schema_add_field_take(st, name, trib_schema_primitive(prim[i], true));
    }
    trib_schema_add_field_take(st, "dec", trib_schema_decimal(4, false));
    trib_schema_add_field_take(st, "odec", trib_schema_decimal(2, true));
    trib_schema_add_field_take(st, "date", trib_schema_date(false));
    trib_schema_add_field_take(st, "time", trib_schema_time(true));
    trib_schema_add_field_take(st, "ts", trib_schema_timestamp(false));
    trib_schema_add_field_take(st, "inner", inner);
    trib_schema *oinner = trib_schema_copy(inner);
    oinner->optional = true;
    trib_schema_add_field_take(st, "oinner", oinner);
    trib_schema_add_field_take(st, "list", trib_schema_array_take(trib_schema_ref(inner)));
    trib_schema_add_field_take(st, "smap", trib_schema_map_take(trib_schema_primitive(TRIB_STRING, false),
                                                              trib_schema_primitive(TRIB_FLOAT64, true)));
    trib_schema_add_field_take(st, "imap", trib_schema_map_take(trib_schema_primitive(TRIB_INT64, false),
                                                              trib_schema_primitive(TRIB_STRING, false)));
    trib_schema *withdef = trib_schema_primitive(TRIB_INT64, false);
    trib_schema_set_default_take(withdef, trib_value_int(TRIB_INT64, 42));
    trib_schema_add_field_take(st, "withdef", withdef);
    trib_schema *bdef = trib_schema_primitive(TRIB_BYTES, false);
    trib_schema_set_default_take(bdef, trib_value_bytes("\x00\xff\x10", 3));
    trib_schema_add_field_take(st, "bdef", bdef);
    trib_schema *adef = trib_schema_array_take(trib_schema_primitive(TRIB_STRING, false));
    trib_value *av = trib_value_array_new();
    trib_value_array_append_take(av, trib_value_string("x"));
    trib_schema_set_default_take(adef, av);
    trib_schema_add_field_take(st, "adef", adef);
    return st;
}

static void test_round_trip(void) {
    trib_schema *st = everything();
    char *t = avro_text(st, NULL);
    ok(t != NULL, "a schema with every type converts to Avro");
    trib_error err = {0};
    trib_schema *back = trib_avro_schema_to_connect_str(t, NULL, 0, &err);
    if (!back) diag("to_connect: %s", err.msg);
    ok(back && trib_schema_equal(back, st), "Avro -> Connect gives back the identical Connect schema");
    char *t2 = back ? avro_text(back, NULL) : NULL;
    is_str(t2, t, "and converting it again gives the identical Avro text");
    like(t, "\"bdef\",\"type\":{\"type\":\"bytes\",\"connect.default\":\"\\u0000\xc3\xbf\\u0010\"}",
         "bytes defaults are written as ISO-8859-1 strings");
    free(t2);
    free(t);
    trib_schema_unref(back);

    trib_avro_options o = trib_avro_options_default();
    o.connect_meta_data = false;
    t = avro_text(st, &o);
    ok(t && !strstr(t, "connect.name") && !strstr(t, "connect.doc") && !strstr(t, "connect.parameters"),
       "connect.meta.data=false leaves out the connect.* attributes");
    like(t, "\"logicalType\":\"decimal\"", "but logical types are still marked");
    trib_error_clear(&err);
    back = trib_avro_schema_to_connect_str(t, &o, 0, &err);
    ok(back && back->name && strcmp(back->name, "com.example.Everything") == 0 && back->doc == NULL,
       "without meta data the record name survives, the doc does not");
    trib_schema_unref(back);
    free(t);
    trib_schema_unref(st);
}

static void test_foreign(void) {
    const char *avsc =
        "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"shop\",\"doc\":\"an order\",\"fields\":["
        "{\"name\":\"id\",\"type\":\"long\",\"doc\":\"order id\"},"
        "{\"name\":\"status\",\"type\":{\"type\":\"enum\",\"name\":\"Status\",\"symbols\":[\"NEW\",\"PAID\"]}},"
        "{\"name\":\"hash\",\"type\":{\"type\":\"fixed\",\"name\":\"MD5\",\"size\":16}},"
        "{\"name\":\"amount\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":9,\"scale\":2}},"
        "{\"name\":\"when\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},"
        "{\"name\":\"qty\",\"type\":\"int\",\"default\":1},"
        "{\"name\":\"note\",\"type\":[\"null\",\"string\"],\"default\":null},"
        "{\"name\":\"choice\",\"type\":[\"int\",\"string\",\"Status\"]},"
        "{\"name\":\"prev\",\"type\":[\"null\",\"Status\"]},"
        "{\"name\":\"lines\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"Line\","
        "\"fields\":[{\"name\":\"sku\",\"type\":\"string\"}]}}}]}";
    trib_error err = {0};
    trib_schema *s = trib_avro_schema_to_connect_str(avsc, NULL, 7, &err);
    if (!s) diag("to_connect: %s", err.msg);
    ok(s && s->type == TRIB_STRUCT, "a foreign record becomes a struct");
    if (!s) return;
    is_str(s->name, "shop.Order", "its name is the record's full name");
    is_int(s->version, 7, "the registry version becomes the schema version");
    is_str(trib_schema_param(s, "io.confluent.connect.avro.record.doc"), "an order", "record doc is a parameter");
    is_str(trib_schema_param(s, "io.confluent.connect.avro.field.doc.id"), "order id", "field doc is a parameter");
    const trib_schema *st = trib_schema_field(s, "status")->schema;
    ok(st->type == TRIB_STRING, "an enum becomes a string");
    is_str(trib_schema_param(st, "io.confluent.connect.avro.Enum"), "shop.Status", "naming its enum");
    is_str(trib_schema_param(st, "io.confluent.connect.avro.Enum.PAID"), "PAID", "and listing its symbols");
    ok(trib_schema_field(s, "hash")->schema->type == TRIB_BYTES, "fixed becomes bytes");
    const trib_schema *am = trib_schema_field(s, "amount")->schema;
    ok(trib_schema_is_logical(am, TRIB_LOGICAL_DECIMAL) && trib_schema_decimal_scale(am) == 2,
       "a decimal logical type becomes Connect's Decimal with its scale");
    is_str(trib_schema_param(am, "connect.decimal.precision"), "9", "a non-default precision is kept as a parameter");
    ok(trib_schema_is_logical(trib_schema_field(s, "when")->schema, TRIB_LOGICAL_TIMESTAMP),
       "timestamp-millis becomes Timestamp");
    const trib_schema *qty = trib_schema_field(s, "qty")->schema;
    ok(qty->default_value && qty->default_value->u.i == 1, "an Avro field default becomes the Connect default");
    is_str(trib_schema_param(qty, "io.confluent.connect.avro.field.default"), "true",
           "and is flagged as an Avro field default, as AvroData does");
    const trib_schema *note = trib_schema_field(s, "note")->schema;
    ok(note->optional && note->type == TRIB_STRING && !note->default_value, "[null, string] is an optional string");
    const trib_schema *ch = trib_schema_field(s, "choice")->schema;
    is_str(ch->name, "io.confluent.connect.avro.Union", "a general union becomes a Union struct");
    ok(ch->nfields == 3 && trib_schema_field(ch, "int") && trib_schema_field(ch, "string") &&
       trib_schema_field(ch, "Status"), "with one optional field per member, named as AvroData names them");
    const trib_schema *prev = trib_schema_field(s, "prev")->schema;
    ok(prev->optional && trib_schema_param(prev, "io.confluent.connect.avro.Enum"),
       "a reference to an enum defined earlier resolves");
    const trib_schema *lines = trib_schema_field(s, "lines")->schema;
    ok(lines->type == TRIB_ARRAY && lines->value_schema->type == TRIB_STRUCT &&
       strcmp(lines->value_schema->name, "shop.Line") == 0, "nested records inherit the namespace");
    trib_schema_unref(s);

    trib_error_clear(&err);
    s = trib_avro_schema_to_connect_str(
        "{\"type\":\"record\",\"name\":\"Node\",\"fields\":[{\"name\":\"next\",\"type\":[\"null\",\"Node\"]}]}",
        NULL, 0, &err);
    ok(s == NULL && err.code == TRIB_ERR_UNSUPPORTED, "a recursive record is refused");
    like(err.msg, "recursive", "with a message saying why");
    trib_error_clear(&err);
    s = trib_avro_schema_to_connect_str("{\"type\":\"record\",\"name\":\"X\",\"fields\":[{\"name\":\"a\",\"type\":\"Nope\"}]}",
                                        NULL, 0, &err);
    ok(s == NULL && err.code == TRIB_ERR_INVALID, "an unknown type name is refused");
    like(err.msg, "field 'a'", "naming the field");
    trib_error_clear(&err);
    s = trib_avro_schema_to_connect_str("{not json", NULL, 0, &err);
    ok(s == NULL && err.code == TRIB_ERR_INVALID, "text that is not JSON is refused");
    trib_error_clear(&err);
    s = trib_avro_schema_to_connect_str("\"null\"", NULL, 0, &err);
    ok(s == NULL && err.code == TRIB_ERR_INVALID, "a standalone null schema is refused as in AvroData");
}

static void test_enhanced_and_scrub(void) {
    const char *avsc = "{\"type\":\"enum\",\"name\":\"Color\",\"namespace\":\"pal\",\"symbols\":[\"RED\",\"GREEN\"]}";
    trib_avro_options o = trib_avro_options_default();
    o.enhanced_schema_support = true;
    trib_error err = {0};
    trib_schema *s = trib_avro_schema_to_connect_str(avsc, &o, 0, &err);
    char *t = s ? avro_text(s, &o) : NULL;
    like(t, "{\"type\":\"enum\",\"name\":\"Color\",\"namespace\":\"pal\",\"symbols\":[\"RED\",\"GREEN\"]",
         "with enhanced.avro.schema.support an enum is written back as an enum");
    free(t);
    t = s ? avro_text(s, NULL) : NULL;
    ok(t && strncmp(t, "{\"type\":\"string\"", 16) == 0, "without it the enum is written as a string");
    free(t);
    trib_schema_unref(s);

    char *n = trib_avro_scrub_name("my-field name");
    is_str(n, "my_field_name", "scrubbing replaces invalid characters with _");
    free(n);
    n = trib_avro_scrub_name("1st");
    is_str(n, "x1st", "a name starting with a digit gets an x prefix");
    free(n);
    n = trib_avro_scrub_full_name("com.my-co.Type");
    is_str(n, "com.my_co.Type", "full names are scrubbed per component");
    free(n);
    trib_schema *st = trib_schema_struct_new("com.my-co.Rec");
    trib_schema_add_field_take(st, "bad-name", trib_schema_primitive(TRIB_INT32, false));
    o = trib_avro_options_default();
    o.scrub_invalid_names = true;
    t = avro_text(st, &o);
    like(t, "\"name\":\"Rec\",\"namespace\":\"com.my_co\"", "scrub.invalid.names scrubs the record name");
    like(t, "{\"name\":\"bad_name\",\"type\":\"int\"}", "and the field names");
    free(t);
    trib_schema_unref(st);
}

int main(void) {
    plan(PLAN);
    test_primitives();
    test_logical();
    test_structs();
    test_maps_arrays();
    test_round_trip();
    test_foreign();
    test_enhanced_and_scrub();
    return exit_status();
}
