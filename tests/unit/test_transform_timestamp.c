/*
 * test_transform_timestamp.c: the SimpleDateFormat subset (formatting,
 * lenient parsing, refused letters) and TimestampConverter between string,
 * unix, Date, Time and Timestamp, with and without schema.
 */
#include "tests/unit/test_transform_util.h"
#include "common/time.h"
#include "transforms/date_format.h"

#define TS 1700000000123LL /* 2023-11-14T22:13:20.123Z */

static char *fmt(const char *pattern, int64_t ms) {
    trib_datefmt *f = trib_datefmt_compile(pattern, NULL);
    char *s = f ? trib_datefmt_format(f, ms) : trib_xstrdup("(compile failed)");
    trib_datefmt_free(f);
    return s;
}

static int64_t parse(const char *pattern, const char *text) {
    trib_datefmt *f = trib_datefmt_compile(pattern, NULL);
    int64_t ms = INT64_MIN;
    if (f && trib_datefmt_parse(f, text, &ms, NULL) != 0) ms = INT64_MIN;
    trib_datefmt_free(f);
    return ms;
}

static void test_date_format(void) {
    char *s;
    s = fmt("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", TS); is_str(s, "2023-11-14T22:13:20.123Z", "ISO with XXX in UTC"); free(s);
    s = fmt("yyyy-MM-dd HH:mm:ss Z", TS); is_str(s, "2023-11-14 22:13:20 +0000", "RFC 822 zone"); free(s);
    s = fmt("EEE, d MMM yy h:mm a", TS); is_str(s, "Tue, 14 Nov 23 10:13 PM", "names, 12-hour clock"); free(s);
    s = fmt("EEEE MMMM D", TS); is_str(s, "Tuesday November 318", "full names and day of year"); free(s);
    s = fmt("''yyyy'' 'o''clock'", TS); is_str(s, "'2023' o'clock", "quote escaping"); free(s);
    s = fmt("yyyy-MM-dd'T'HH:mm:ss.SSS", -1); is_str(s, "1969-12-31T23:59:59.999", "before the epoch"); free(s);
    s = fmt("yyyyMMdd", 0); is_str(s, "19700101", "the epoch"); free(s);

    ok(parse("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2023-11-14T22:13:20.123Z") == TS, "parses ISO with Z");
    ok(parse("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", "2023-11-14T23:13:20.123+01:00") == TS, "applies a +01:00 offset");
    ok(parse("yyyy-MM-dd HH:mm:ss Z", "2023-11-14 17:13:20 -0500") == TS - 123, "applies an RFC 822 offset");
    ok(parse("yyyyMMddHHmmss", "20231114221320") == TS - 123, "adjacent numeric fields take their widths");
    ok(parse("MMM d, yyyy", "Nov 14, 2023") == 1699920000000LL, "month names parse");
    ok(parse("yyyy-MM-dd", "2023-13-01") == parse("yyyy-MM-dd", "2024-01-01"), "lenient: month 13 rolls over");
    ok(parse("yyyy-MM-dd", "2023-11-14 trailing") == 1699920000000LL, "text after the pattern is ignored");
    ok(parse("dd/MM/yy", "14/11/23") == 1699920000000LL, "two-digit years land in this century");
    ok(parse("hh:mm a", "10:13 PM") == (22 * 3600 + 13 * 60) * 1000LL, "12-hour clock with PM");
    ok(parse("yyyy-MM-dd", "2023/11/14") == INT64_MIN, "a literal mismatch fails");
    ok(parse("yyyy-MM-dd", "") == INT64_MIN, "empty text fails");

    trib_error err;
    ok(trib_datefmt_compile("yyyy-ww", &err) == NULL, "week-of-year is refused");
    like(err.msg, "pattern letter 'w' is not supported", "... naming the letter");
    ok(trib_datefmt_compile("yyyy-bb", &err) == NULL, "a letter Java rejects is refused");
    is_str(err.msg, "Illegal pattern character 'b'", "... with Java's message");
    ok(trib_datefmt_compile("yyyy'T", &err) == NULL, "an unterminated quote is refused");
    ok(trib_datefmt_compile("HH:mm:ssXXXX", &err) == NULL, "XXXX is refused as in Java");

    int64_t y;
    int m, d;
    trib_civil_from_days(trib_days_from_civil(2000, 2, 29), &y, &m, &d);
    ok(y == 2000 && m == 2 && d == 29, "civil date round trip on a leap day");
    ok(trib_days_from_civil(1969, 12, 31) == -1, "the day before the epoch is -1");
}

static trib_record *event_record(void) {
    trib_schema *s = struct_schema("Event", "id", trib_schema_primitive(TRIB_INT32, false), "at",
                                   trib_schema_primitive(TRIB_INT64, false), NULL);
    trib_value *v = trib_value_struct_new(s);
    trib_value_struct_set_take(v, "id", trib_value_int(TRIB_INT32, 1));
    trib_value_struct_set_take(v, "at", trib_value_int(TRIB_INT64, TS));
    trib_record *r = trib_record_new("t");
    trib_record_set_value_take(r, s, v);
    return r;
}

static void test_converter(void) {
    trib_error err;
    smt s = smt_new("TimestampConverter$Value",
                    props("field", "at", "target.type", "string", "format", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX", NULL), &err);
    ok(s.ctx != NULL, "TimestampConverter$Value created");
    trib_record *r = event_record();
    is_int(smt_apply(s, &r, &err), 0, "unix field to string");
    ok(trib_schema_field(r->value_schema, "at")->schema->type == TRIB_STRING, "the field's schema is now string");
    is_str(str_of(st_get(r->value, "at")), "2023-11-14T22:13:20.123Z", "the field is formatted");
    is_int(int_of(st_get(r->value, "id")), 1, "other fields are kept");
    is_str(r->value_schema->name, "Event", "the struct keeps its name");
    trib_record_destroy(r);
    smt_free(s);

    s = smt_new("TimestampConverter$Value", props("target.type", "Timestamp", "format", "yyyy-MM-dd", NULL), &err);
    r = trib_record_new("t");
    trib_record_set_value_take(r, trib_schema_primitive(TRIB_STRING, true), trib_value_string("2023-11-14"));
    is_int(smt_apply(s, &r, &err), 0, "whole string value to Timestamp");
    ok(trib_schema_is_logical(r->value_schema, TRIB_LOGICAL_TIMESTAMP) && r->value_schema->optional,
       "the schema is an optional Timestamp");
    is_int(int_of(r->value), 1699920000000LL, "midnight of that day in ms");
    trib_record_set_value_take(r, trib_schema_primitive(TRIB_STRING, false), trib_value_string("14.11.2023"));
    is_int(smt_apply(s, &r, &err), -1, "text not matching the format fails");
    is_str(err.msg, "Could not parse timestamp: value (14.11.2023) does not match pattern (yyyy-MM-dd)",
           "... with Connect's message");
    is_str(str_of(r->value), "14.11.2023", "... leaving the value");
    trib_record_destroy(r);
    smt_free(s);

    s = smt_new("TimestampConverter$Value", props("target.type", "Date", NULL), &err);
    r = trib_record_new("t");
    trib_record_set_value_take(r, trib_schema_timestamp(false), trib_value_int(TRIB_INT64, TS));
    smt_apply(s, &r, &err);
    ok(trib_schema_is_logical(r->value_schema, TRIB_LOGICAL_DATE), "Timestamp to Date changes the schema");
    is_int(int_of(r->value), 19675, "the value is days since the epoch");
    trib_record_destroy(r);
    smt_free(s);

    s = smt_new("TimestampConverter$Value", props("target.type", "Time", NULL), &err);
    r = trib_record_new("t");
    trib_record_set_value_take(r, trib_schema_timestamp(false), trib_value_int(TRIB_INT64, TS));
    smt_apply(s, &r, &err);
    ok(trib_schema_is_logical(r->value_schema, TRIB_LOGICAL_TIME), "Timestamp to Time changes the schema");
    is_int(int_of(r->value), (22 * 3600 + 13 * 60 + 20) * 1000LL + 123, "the value is ms since midnight");
    trib_record_destroy(r);
    smt_free(s);

    s = smt_new("TimestampConverter$Key", props("target.type", "unix", "unix.precision", "seconds", NULL), &err);
    r = trib_record_new("t");
    trib_record_set_key_take(r, trib_schema_date(false), trib_value_int(TRIB_INT32, 1));
    smt_apply(s, &r, &err);
    ok(r->key_schema->type == TRIB_INT64 && r->key_schema->name == NULL, "Date to unix gives a plain int64 key");
    is_int(int_of(r->key), 86400, "... in seconds");
    trib_record_destroy(r);
    smt_free(s);

    s = smt_new("TimestampConverter$Value", props("field", "ts", "target.type", "Timestamp", "unix.precision",
                                                  "microseconds", NULL), &err);
    r = trib_record_new("t");
    trib_record_set_value_take(r, NULL, map_of("ts", trib_value_int(TRIB_INT64, TS * 1000 + 999), NULL));
    is_int(smt_apply(s, &r, &err), 0, "schemaless unix micros field");
    is_int(int_of(map_get(r->value, "ts", NULL)), TS, "... truncated to ms");
    trib_record_set_value_take(r, NULL, map_of("ts", trib_value_float(TRIB_FLOAT64, 1.0), NULL));
    is_int(smt_apply(s, &r, &err), -1, "a schemaless double is not a timestamp");
    is_str(err.msg, "TimestampConverter does not support class java.lang.Double objects as timestamps",
           "... Connect's message");
    trib_record_destroy(r);
    smt_free(s);

    s = smt_new("TimestampConverter$Value", props("field", "id", "target.type", "string", "format", "yyyy", NULL), &err);
    r = event_record();
    is_int(smt_apply(s, &r, &err), -1, "an int32 field is not a timestamp");
    is_str(err.msg, "Schema Schema{INT32} does not correspond to a known timestamp type format", "... Connect's message");
    ok(r->value_schema->fields[0].schema->type == TRIB_INT32, "... and the record is untouched");
    trib_record_destroy(r);
    smt_free(s);

    char *e = create_error("TimestampConverter$Value", props("target.type", "date", NULL));
    is_str(e, "Invalid value date for configuration target.type: String must be one of: string, unix, Date, Time, Timestamp",
           "target.type is case-sensitive as in Connect");
    free(e);
    e = create_error("TimestampConverter$Value", props("target.type", "string", NULL));
    is_str(e, "TimestampConverter requires format option to be specified when using string timestamps",
           "string output needs a format");
    free(e);
    e = create_error("TimestampConverter$Value", props("target.type", "unix", "unix.precision", "minutes", NULL));
    like(e, "Invalid value minutes for configuration unix.precision", "an unknown precision is refused");
    free(e);
    e = create_error("TimestampConverter$Value", props("target.type", "string", "format", "GGG yyyy", NULL));
    like(e, "TimestampConverter requires a SimpleDateFormat-compatible pattern for string timestamps: GGG yyyy",
         "an unsupported pattern is refused at config time");
    free(e);
}

int main(void) {
    test_date_format();
    test_converter();
    done_testing();
    return exit_status();
}
