/*
 * test_schema_decl.c: declared file schemas (spooldir's connect-utils JSON,
 * Connect's JsonConverter form, Avro records as seed 002's tenants write
 * them) and the typing of text values under them.
 */
#include <stdlib.h>
#include <string.h>

#include "proto/schema_decl.h"
#include "tests/tap.h"

static trib_text_parser *utc_parser(void) {
    char *fmts[] = {"yyyy-MM-dd'T'HH:mm:ss", "dd/MM/yyyy HH:mm"};
    return trib_text_parser_new(fmts, 2, "UTC", NULL);
}

/* Parses text under s; returns 0/-1 and the error text in msg. */
static int parse(const trib_text_parser *p, const trib_schema *s, const char *text, trib_value **v, char *msg) {
    trib_error e;
    int rc = trib_text_parse(p, s, text, text ? strlen(text) : 0, v, &e);
    if (rc < 0 && msg) strcpy(msg, e.msg);
    return rc;
}

static void test_connect_utils_form(void) {
    const char *js =
        "{\"name\":\"com.example.User\",\"type\":\"STRUCT\",\"isOptional\":false,\"fieldSchemas\":{"
        "\"id\":{\"type\":\"INT64\",\"isOptional\":false},"
        "\"name\":{\"type\":\"STRING\",\"isOptional\":true},"
        "\"price\":{\"name\":\"org.apache.kafka.connect.data.Decimal\",\"type\":\"BYTES\",\"parameters\":{\"scale\":\"2\"},\"isOptional\":true},"
        "\"born\":{\"name\":\"org.apache.kafka.connect.data.Date\",\"type\":\"INT32\",\"isOptional\":true},"
        "\"seen\":{\"name\":\"org.apache.kafka.connect.data.Timestamp\",\"type\":\"INT64\",\"isOptional\":true},"
        "\"active\":{\"type\":\"BOOLEAN\",\"isOptional\":true,\"defaultValue\":true}}}";
    trib_error e;
    trib_schema *s = trib_schema_decl_parse(js, &e);
    ok(s != NULL, "spooldir's connect-utils STRUCT JSON parses");
    if (!s) {
        diag("%s", e.msg);
        return;
    }
    is_str(s->name, "com.example.User", "the struct keeps its name");
    is_int(s->nfields, 6, "every field is declared, in order");
    is_str(s->fields[0].name, "id", "fieldSchemas keep their order");
    ok(!s->fields[0].schema->optional && s->fields[1].schema->optional, "isOptional is honoured");
    ok(trib_schema_is_logical(s->fields[2].schema, TRIB_LOGICAL_DECIMAL) &&
           trib_schema_decimal_scale(s->fields[2].schema) == 2, "a Decimal keeps its scale parameter");
    ok(trib_schema_is_logical(s->fields[3].schema, TRIB_LOGICAL_DATE), "Date is a logical type");
    ok(trib_schema_is_logical(s->fields[4].schema, TRIB_LOGICAL_TIMESTAMP), "Timestamp is a logical type");
    ok(s->fields[5].schema->default_value && s->fields[5].schema->default_value->u.b, "defaultValue becomes the default");
    trib_schema_unref(s);
}

static void test_avro_seed_form(void) {
    /* seed 002, tenant B, plus optional fields, defaults and logical types */
    const char *js =
        "{\"type\":\"record\",\"name\":\"product_reviews\",\"namespace\":\"shop\",\"fields\":["
        "{\"name\":\"review_id\",\"type\":\"string\"},"
        "{\"name\":\"star_rating\",\"type\":\"int\"},"
        "{\"name\":\"votes\",\"type\":[\"null\",\"long\"],\"default\":null},"
        "{\"name\":\"score\",\"type\":\"double\",\"default\":1.5},"
        "{\"name\":\"review_date\",\"type\":\"string\",\"logicalType\":\"date\"},"
        "{\"name\":\"at\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},"
        "{\"name\":\"amount\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":10,\"scale\":2}}]}";
    trib_error e;
    trib_schema *s = trib_schema_decl_parse(js, &e);
    ok(s != NULL, "an Avro record schema parses");
    if (!s) {
        diag("%s", e.msg);
        return;
    }
    is_str(s->name, "shop.product_reviews", "the record's full name names the struct");
    is_int(s->fields[1].schema->type, TRIB_INT32, "Avro int is INT32");
    ok(s->fields[2].schema->optional && s->fields[2].schema->type == TRIB_INT64, "[\"null\",\"long\"] is an optional INT64");
    ok(!s->fields[0].schema->optional, "a plain type is required");
    ok(s->fields[3].schema->default_value && s->fields[3].schema->default_value->u.f == 1.5, "a default is kept");
    ok(trib_schema_is_logical(s->fields[4].schema, TRIB_LOGICAL_DATE), "a field-level logicalType date (seed 002) is a Date");
    ok(trib_schema_is_logical(s->fields[5].schema, TRIB_LOGICAL_TIMESTAMP), "timestamp-millis is a Timestamp");
    ok(trib_schema_is_logical(s->fields[6].schema, TRIB_LOGICAL_DECIMAL) && trib_schema_decimal_scale(s->fields[6].schema) == 2,
       "decimal keeps its scale");

    char *keys[] = {"review_id", "star_rating"};
    trib_schema *k = trib_schema_decl_key(s, keys, 2, &e);
    ok(k && k->nfields == 2 && !k->fields[0].schema->optional, "key fields make a required key struct in the given order");
    char *bad_keys[] = {"nope"};
    trib_schema *k2 = trib_schema_decl_key(s, bad_keys, 1, &e);
    ok(!k2, "a key field that is not a field is refused");
    like(e.msg, "nope", "the error names the key field");
    if (k) {
        trib_value *v = trib_value_struct_new(s);
        trib_value_struct_set_take(v, "review_id", trib_value_string("R1"));
        trib_value_struct_set_take(v, "star_rating", trib_value_int(TRIB_INT32, 5));
        trib_value *kv = trib_schema_decl_key_value(k, v);
        is_str(trib_value_struct_get(kv, "review_id")->u.str.data, "R1", "the key value copies the key fields");
        trib_value_destroy(kv);
        trib_value_destroy(v);
    }
    trib_schema_unref(k);
    trib_schema_unref(s);
}

static void test_json_converter_form(void) {
    trib_error e;
    trib_schema *s = trib_schema_decl_parse(
        "{\"type\":\"struct\",\"name\":\"x\",\"fields\":[{\"field\":\"a\",\"type\":\"int64\",\"optional\":false},"
        "{\"field\":\"b\",\"type\":\"string\",\"optional\":true}]}", &e);
    ok(s && s->nfields == 2 && s->fields[0].schema->type == TRIB_INT64, "Connect's JsonConverter schema form parses");
    trib_schema_unref(s);
}

static void test_bad_schemas(void) {
    struct { const char *js, *needle, *what; } cases[] = {
        {"not json", "not valid JSON", "text that is not JSON"},
        {"{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"a\",\"type\":{\"type\":\"array\",\"items\":\"int\"}}]}",
         "field a", "a nested Avro type"},
        {"{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"a\",\"type\":[\"int\",\"string\"]}]}", "field a",
         "a union without null"},
        {"{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"a\",\"type\":\"int\"}]}",
         "twice", "a field declared twice"},
        {"{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"a\",\"type\":\"long\",\"logicalType\":\"uuid\"}]}",
         "uuid", "an unsupported logical type"},
        {"{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"a\",\"type\":\"int\",\"default\":\"x\"}]}",
         "default", "a default of the wrong type"},
        {"{\"type\":\"STRUCT\",\"fieldSchemas\":{\"a\":{\"type\":\"MAP\"}}}", "field a", "a MAP field"},
        {"{\"type\":\"STRUCT\",\"fieldSchemas\":{\"a\":{\"type\":\"NUMBER\"}}}", "unknown type", "an unknown type"},
        {"{\"type\":\"record\",\"name\":\"r\",\"fields\":[]}", "at least one field", "a record without fields"},
        {"[1,2]", "object", "a JSON array"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        trib_error e = {0};
        trib_schema *s = trib_schema_decl_parse(cases[i].js, &e);
        ok(!s && e.code == TRIB_ERR_INVALID, "refused: %s", cases[i].what);
        like(e.msg, cases[i].needle, "the error says why (%s)", cases[i].what);
        trib_schema_unref(s);
    }
}

static void test_text_parsing(void) {
    trib_text_parser *p = utc_parser();
    trib_value *v = NULL;
    char msg[1100];
    trib_schema *i32 = trib_schema_primitive(TRIB_INT32, false), *i64o = trib_schema_primitive(TRIB_INT64, true);
    trib_schema *f64 = trib_schema_primitive(TRIB_FLOAT64, false), *b = trib_schema_primitive(TRIB_BOOLEAN, false);
    trib_schema *str = trib_schema_primitive(TRIB_STRING, false), *dec = trib_schema_decimal(2, false);
    trib_schema *date = trib_schema_date(false), *ts = trib_schema_timestamp(false), *tm = trib_schema_time(false);

    ok(parse(p, i32, " 42 ", &v, msg) == 0 && v->u.i == 42, "an int with blanks around parses");
    trib_value_destroy(v);
    ok(parse(p, i32, "3000000000", &v, msg) < 0, "an int beyond INT32 is refused");
    like(msg, "INT32", "the error names the declared width");
    ok(parse(p, i32, "12x", &v, msg) < 0, "trailing junk in an int is refused");
    like(msg, "'12x'", "the error quotes the text");
    ok(parse(p, i32, "", &v, msg) < 0, "an empty required int is refused");
    like(msg, "missing required value", "as a missing value");
    ok(parse(p, i64o, "", &v, msg) == 0 && v == NULL, "an empty optional int is null");
    ok(parse(p, i64o, NULL, &v, msg) == 0 && v == NULL, "a null optional int is null");
    ok(parse(p, f64, "-1.5e3", &v, msg) == 0 && v->u.f == -1500, "a float parses");
    trib_value_destroy(v);
    ok(parse(p, f64, "abc", &v, msg) < 0, "a non-number is refused");
    ok(parse(p, b, "TRUE", &v, msg) == 0 && v->u.b, "booleans are case-insensitive");
    trib_value_destroy(v);
    ok(parse(p, b, "yes", &v, msg) < 0, "only true/false are booleans");
    ok(parse(p, str, "", &v, msg) == 0 && v && v->u.str.len == 0, "an empty string stays an empty string");
    trib_value_destroy(v);
    ok(parse(p, str, "caf\xc3\xa9", &v, msg) == 0, "UTF-8 text is a string");
    trib_value_destroy(v);
    ok(parse(p, str, "bad\xff", &v, msg) < 0, "invalid UTF-8 is refused");
    ok(parse(p, dec, "12.34", &v, msg) == 0 && v->type == TRIB_BYTES, "a decimal parses to its unscaled bytes");
    if (v) {
        char *txt = trib_decimal_to_string(v->u.str.data, v->u.str.len, 2);
        is_str(txt, "12.34", "and reads back the same");
        free(txt);
    }
    trib_value_destroy(v);
    ok(parse(p, dec, "1.234", &v, msg) < 0, "a decimal with more digits than its scale is refused");
    ok(parse(p, date, "2015-08-31", &v, msg) == 0 && v->u.i == 16678, "an ISO date is days since the epoch");
    trib_value_destroy(v);
    ok(parse(p, date, "31/08/2015 00:00", &v, msg) == 0 && v->u.i == 16678, "a configured Java pattern is used");
    trib_value_destroy(v);
    ok(parse(p, date, "2015-02-30", &v, msg) < 0, "an impossible date is refused");
    ok(parse(p, ts, "2024-01-02T03:04:05", &v, msg) == 0 && v->u.i == 1704164645000LL, "a timestamp in a configured pattern");
    trib_value_destroy(v);
    ok(parse(p, ts, "2024-01-02T03:04:05.250+01:00", &v, msg) == 0 && v->u.i == 1704164645250LL - 3600000,
       "an ISO timestamp with a fraction and an offset");
    trib_value_destroy(v);
    ok(parse(p, ts, "yesterday", &v, msg) < 0, "a text that fits no pattern is refused");
    like(msg, "timestamp", "as not a timestamp");
    ok(parse(p, tm, "13:45:10.5", &v, msg) == 0 && v->u.i == ((13 * 60 + 45) * 60 + 10) * 1000 + 500, "a time of day");
    trib_value_destroy(v);

    trib_schema *withdef = trib_schema_primitive(TRIB_INT32, false);
    trib_schema_set_default_take(withdef, trib_value_int(TRIB_INT32, 7));
    ok(parse(p, withdef, "", &v, msg) == 0 && v && v->u.i == 7, "a missing value takes the default");
    trib_value_destroy(v);
    trib_schema_unref(withdef);

    char *pf[] = {"yyyy-MM-dd HH:mm"};
    trib_text_parser *plus2 = trib_text_parser_new(pf, 1, "+02:00", NULL);
    ok(plus2 && parse(plus2, ts, "2024-01-02 02:00", &v, msg) == 0 && v->u.i == 1704153600000LL,
       "parser.timestamp.timezone shifts times without an offset");
    trib_value_destroy(v);
    trib_text_parser_destroy(plus2);
    trib_error e;
    ok(!trib_text_parser_new(pf, 1, "Europe/Paris", &e), "a region time zone is refused");
    like(e.msg, "fixed offset", "with the forms that work");
    char *badf[] = {"yyyy-QQ"};
    ok(!trib_text_parser_new(badf, 1, "UTC", &e), "an unsupported pattern letter is refused");
    like(e.msg, "letter Q", "naming the letter");

    trib_schema *all[] = {i32, i64o, f64, b, str, dec, date, ts, tm};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) trib_schema_unref(all[i]);
    trib_text_parser_destroy(p);
}

static void test_inference(void) {
    trib_text_parser *p = utc_parser();
    char *names[] = {"id", "price", "flag", "when", "label", "empty"};
    trib_schema_infer *in = trib_schema_infer_new(p, names, 6);
    const char *r1[] = {"1", "2", "true", "2024-01-01T00:00:00", "a", ""};
    const char *r2[] = {"2", "2.5", "false", "2024-01-02T00:00:00", "7", NULL};
    size_t l1[6], l2[6];
    for (int i = 0; i < 6; i++) l1[i] = strlen(r1[i]), l2[i] = r2[i] ? strlen(r2[i]) : 0;
    trib_schema_infer_row(in, r1, l1, 6);
    trib_schema_infer_row(in, r2, l2, 6);
    trib_schema *s = trib_schema_infer_result(in, "gen");
    is_int(s->fields[0].schema->type, TRIB_INT64, "integers infer int64");
    is_int(s->fields[1].schema->type, TRIB_FLOAT64, "a column with a fraction infers float64");
    is_int(s->fields[2].schema->type, TRIB_BOOLEAN, "true/false infer boolean");
    ok(trib_schema_is_logical(s->fields[3].schema, TRIB_LOGICAL_TIMESTAMP), "dates in the formats infer timestamp");
    is_int(s->fields[4].schema->type, TRIB_STRING, "mixed text infers string");
    is_int(s->fields[5].schema->type, TRIB_STRING, "a column with no values infers string");
    ok(s->fields[0].schema->optional, "inferred fields are optional");
    trib_schema_unref(s);
    trib_schema_infer_destroy(in);
    trib_text_parser_destroy(p);
}

int main(void) {
    test_connect_utils_form();
    test_avro_seed_form();
    test_json_converter_form();
    test_bad_schemas();
    test_text_parsing();
    test_inference();
    (void)plan;   /* the plan is printed at the end */
    done_testing();
    return exit_status();
}
