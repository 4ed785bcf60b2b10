/*
 * test_pg_copy.c: the binary COPY encoder and binary result decoder of the
 * PostgreSQL connector (connectors/postgres/copy_binary.c): exact bytes for
 * each type, numeric's base-10000 form, JSON for nested values, errors that
 * leave the buffer unchanged, and decode(encode(x)) == x. No database.
 */
#include "tests/tap.h"

#include "common/util.h"
#include "connectors/postgres/pg_internal.h"

/* Encodes one field and returns its body (after the 4-byte length). */
static int enc(trib_strbuf *sb, trib_pg_kind k, const trib_schema *s, const trib_value *v) {
    trib_strbuf_reset(sb);
    trib_error err;
    return trib_pg_copy_field(sb, k, s, v, &err);
}

static const unsigned char *body(const trib_strbuf *sb) { return (const unsigned char *)sb->data + 4; }

static size_t body_len(const trib_strbuf *sb) {
    const unsigned char *p = (const unsigned char *)sb->data;
    return ((size_t)p[0] << 24) | ((size_t)p[1] << 16) | ((size_t)p[2] << 8) | p[3];
}

static void test_framing(void) {
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    trib_pg_copy_header(&sb);
    is_mem(sb.data, sb.len, "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0", 19, "the header is the signature, flags 0 and no extension");
    trib_strbuf_reset(&sb);
    trib_pg_copy_trailer(&sb);
    is_mem(sb.data, sb.len, "\377\377", 2, "the trailer is a field count of -1");
    trib_strbuf_reset(&sb);
    trib_pg_copy_tuple_begin(&sb, 3);
    trib_pg_copy_null(&sb);
    is_mem(sb.data, sb.len, "\0\3\377\377\377\377", 6, "a tuple starts with its field count; NULL is length -1");
    trib_error err;
    trib_strbuf_reset(&sb);
    ok(trib_pg_copy_field(&sb, TRIB_PGK_INT4, NULL, NULL, &err) == 0 && sb.len == 4, "a NULL value is encoded as NULL");
    trib_strbuf_free(&sb);
}

static void test_scalars(void) {
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    trib_value *v = trib_value_int(TRIB_INT32, 258);
    ok(enc(&sb, TRIB_PGK_INT2, NULL, v) == 0, "an int fits a smallint column");
    is_mem(body(&sb), body_len(&sb), "\x01\x02", 2, "smallint is 2 bytes big-endian");
    enc(&sb, TRIB_PGK_INT4, NULL, v);
    is_mem(body(&sb), body_len(&sb), "\0\0\x01\x02", 4, "integer is 4 bytes big-endian");
    enc(&sb, TRIB_PGK_INT8, NULL, v);
    is_mem(body(&sb), body_len(&sb), "\0\0\0\0\0\0\x01\x02", 8, "bigint is 8 bytes big-endian");
    trib_value_destroy(v);

    v = trib_value_int(TRIB_INT64, -1);
    enc(&sb, TRIB_PGK_INT4, NULL, v);
    is_mem(body(&sb), body_len(&sb), "\xff\xff\xff\xff", 4, "negative integers are two's complement");
    trib_value_destroy(v);

    v = trib_value_int(TRIB_INT64, 70000);
    trib_strbuf_reset(&sb);
    trib_strbuf_puts(&sb, "keep");
    trib_error err;
    ok(trib_pg_copy_field(&sb, TRIB_PGK_INT2, NULL, v, &err) < 0, "70000 does not fit a smallint");
    like(err.msg, "out of range for smallint", "the error says so");
    is_int(sb.len, 4, "a failed field leaves the buffer unchanged");
    trib_value_destroy(v);

    v = trib_value_float(TRIB_FLOAT64, 1.5);
    enc(&sb, TRIB_PGK_FLOAT8, NULL, v);
    is_mem(body(&sb), body_len(&sb), "\x3f\xf8\0\0\0\0\0\0", 8, "double precision is IEEE 754 big-endian");
    enc(&sb, TRIB_PGK_FLOAT4, NULL, v);
    is_mem(body(&sb), body_len(&sb), "\x3f\xc0\0\0", 4, "real is IEEE 754 single big-endian");
    trib_value_destroy(v);

    v = trib_value_bool(true);
    enc(&sb, TRIB_PGK_BOOL, NULL, v);
    is_mem(body(&sb), body_len(&sb), "\x01", 1, "true is one byte 1");
    ok(enc(&sb, TRIB_PGK_INT4, NULL, v) < 0, "a boolean is refused by an integer column");
    trib_value_destroy(v);

    v = trib_value_string("héllo");
    enc(&sb, TRIB_PGK_TEXT, NULL, v);
    is_mem(body(&sb), body_len(&sb), "héllo", 6, "text is the UTF-8 bytes");
    trib_value_destroy(v);
    v = trib_value_string_n("a\0b", 3);
    ok(trib_pg_copy_field(&sb, TRIB_PGK_TEXT, NULL, v, &err) < 0, "a string with a NUL byte is refused for text");
    like(err.msg, "NUL", "the error names the NUL byte");
    trib_value_destroy(v);

    v = trib_value_bytes("\0\1\2", 3);
    enc(&sb, TRIB_PGK_BYTEA, NULL, v);
    is_mem(body(&sb), body_len(&sb), "\0\1\2", 3, "bytea is the raw bytes, NULs included");
    enc(&sb, TRIB_PGK_TEXT, NULL, v);
    is_mem(body(&sb), body_len(&sb), "\\x000102", 8, "bytes in a text column are bytea hex text");
    trib_value_destroy(v);

    v = trib_value_string("{123E4567-e89b-12d3-a456-426614174000}");
    ok(enc(&sb, TRIB_PGK_UUID, NULL, v) == 0, "a braced mixed-case UUID string is accepted");
    is_mem(body(&sb), body_len(&sb), "\x12\x3e\x45\x67\xe8\x9b\x12\xd3\xa4\x56\x42\x66\x14\x17\x40\x00", 16,
           "uuid is its 16 bytes");
    trib_value_destroy(v);
    v = trib_value_string("not-a-uuid");
    ok(enc(&sb, TRIB_PGK_UUID, NULL, v) < 0, "a malformed UUID is refused");
    trib_value_destroy(v);
    trib_strbuf_free(&sb);
}

static void test_temporal(void) {
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    trib_schema *ds = trib_schema_date(false), *ts = trib_schema_timestamp(false), *tm = trib_schema_time(false);
    trib_value *v = trib_value_int(TRIB_INT32, 0);
    enc(&sb, TRIB_PGK_DATE, ds, v);
    is_mem(body(&sb), body_len(&sb), "\xff\xff\xd5\x33", 4, "1970-01-01 is day -10957 of PostgreSQL's 2000 epoch");
    trib_value_destroy(v);
    v = trib_value_int(TRIB_INT32, 10957);
    enc(&sb, TRIB_PGK_DATE, ds, v);
    is_mem(body(&sb), body_len(&sb), "\0\0\0\0", 4, "2000-01-01 is day 0");
    trib_value_destroy(v);

    v = trib_value_int(TRIB_INT64, 946684800001LL);
    enc(&sb, TRIB_PGK_TIMESTAMPTZ, ts, v);
    is_mem(body(&sb), body_len(&sb), "\0\0\0\0\0\0\x03\xe8", 8, "a Timestamp is microseconds since 2000");
    enc(&sb, TRIB_PGK_DATE, ts, v);
    is_mem(body(&sb), body_len(&sb), "\0\0\0\0", 4, "a Timestamp in a date column keeps its day");
    trib_value_destroy(v);

    v = trib_value_int(TRIB_INT32, 1000);
    enc(&sb, TRIB_PGK_TIME, tm, v);
    is_mem(body(&sb), body_len(&sb), "\0\0\0\0\0\x0f\x42\x40", 8, "a Time is microseconds since midnight");
    ok(enc(&sb, TRIB_PGK_TIME, NULL, v) < 0, "a plain integer is not a time");
    trib_value_destroy(v);

    v = trib_value_int(TRIB_INT64, -86400000LL + 1500);
    enc(&sb, TRIB_PGK_TEXT, ts, v);
    is_mem(body(&sb), body_len(&sb), "1969-12-31 00:00:01.500+00", 26, "Timestamps before 1970 print as UTC text");
    trib_value_destroy(v);
    trib_schema_unref(ds);
    trib_schema_unref(ts);
    trib_schema_unref(tm);
    trib_strbuf_free(&sb);
}

static void numeric_is(const char *in, const char *bytes, size_t n, const char *name) {
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    trib_error err;
    ok(trib_pg_numeric_from_text(&sb, in, &err) == 0 && sb.len == n && memcmp(sb.data, bytes, n) == 0,
       "numeric %s: %s", in, name);
    trib_strbuf_free(&sb);
}

static void numeric_round_trip(const char *in, const char *want) {
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    trib_error err;
    trib_pg_numeric_from_text(&sb, in, &err);
    char *out = trib_pg_numeric_to_text(sb.data, sb.len, &err);
    is_str(out, want, "numeric %s reads back as %s", in, want);
    free(out);
    trib_strbuf_free(&sb);
}

static void test_numeric(void) {
    numeric_is("0", "\0\0\0\0\0\0\0\0", 8, "zero has no digits");
    numeric_is("12345.678", "\0\3\0\1\0\0\0\3\0\x01\x09\x29\x1a\x7c", 14,
               "digits 1|2345|6780, weight 1, dscale 3");
    numeric_is("-0.0001", "\0\1\xff\xff\x40\0\0\4\0\1", 10, "negative, weight -1, dscale 4");
    numeric_is("1e5", "\0\1\0\1\0\0\0\0\0\x0a", 10, "exponent form, trailing zero groups dropped");
    numeric_is("NaN", "\0\0\0\0\xc0\0\0\0", 8, "NaN");
    numeric_round_trip("1.50", "1.50");
    numeric_round_trip("-12345.678", "-12345.678");
    numeric_round_trip("0.0001", "0.0001");
    numeric_round_trip("100000", "100000");
    numeric_round_trip("1e-3", "0.001");
    numeric_round_trip("-Infinity", "-Infinity");
    numeric_round_trip("123456789012345678901234567890.123456789", "123456789012345678901234567890.123456789");
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    trib_error err;
    ok(trib_pg_numeric_from_text(&sb, "12abc", &err) < 0, "junk is not a numeric");
    ok(trib_pg_numeric_from_text(&sb, "1e99999999", &err) < 0, "an absurd exponent is refused");

    /* A Decimal value (unscaled bytes + scale) encodes as its numeric. */
    trib_schema *dec = trib_schema_decimal(2, false);
    trib_value *v = NULL;
    trib_decimal_from_string("-1234.50", 2, &v, &err);
    trib_strbuf_reset(&sb);
    ok(trib_pg_copy_field(&sb, TRIB_PGK_NUMERIC, dec, v, &err) == 0, "a Decimal encodes as numeric");
    char *txt = trib_pg_numeric_to_text(sb.data + 4, sb.len - 4, &err);
    is_str(txt, "-1234.50", "and keeps its value and scale");
    free(txt);
    trib_value *back = trib_pg_decode_field(TRIB_PGK_NUMERIC, dec, sb.data + 4, (int)sb.len - 4, &err);
    ok(back && trib_value_equal(back, v), "and decodes to the same Decimal");
    trib_value_destroy(back);
    trib_value_destroy(v);
    trib_schema_unref(dec);

    /* Decimals up to 16 bytes go straight to numeric (no text form): every
     * width, sign and scale must give the bytes the text path gives. */
    static const char *const decs[] = {"0", "-1", "1", "127", "-128", "128", "-129", "32767", "-32768",
                                       "99999999", "-100000000", "9223372036854775807", "-9223372036854775808",
                                       "170141183460469231731687303715884105727",
                                       "-170141183460469231731687303715884105728",
                                       "170141183460469231731687303715884105728", "123456789012345678901234567890123456789012"};
    static const int scales[] = {0, 2, 5, 40};
    int same = 0, total = 0;
    for (size_t i = 0; i < sizeof decs / sizeof *decs; i++) {
        for (size_t k = 0; k < sizeof scales / sizeof *scales; k++) {
            trib_schema *ds = trib_schema_decimal(scales[k], false);
            /* unscaled value decs[i]: as text, insert the point scale digits from the right */
            trib_value *dv = NULL;
            trib_strbuf want, got, text;
            trib_strbuf_init(&want);
            trib_strbuf_init(&got);
            trib_strbuf_init(&text);
            trib_strbuf_printf(&text, "%se-%d", decs[i], scales[k]);
            char *plain = NULL;
            if (trib_pg_numeric_from_text(&want, text.data, &err) == 0) {
                plain = trib_pg_numeric_to_text(want.data, want.len, &err);
                if (plain && trib_decimal_from_string(plain, scales[k], &dv, &err) == 0 &&
                    trib_pg_copy_field(&got, TRIB_PGK_NUMERIC, ds, dv, &err) == 0 && got.len == want.len + 4 &&
                    memcmp(got.data + 4, want.data, want.len) == 0)
                    same++;
                else
                    diag("decimal %s scale %d differs", decs[i], scales[k]);
            }
            total++;
            free(plain);
            trib_value_destroy(dv);
            trib_strbuf_free(&want);
            trib_strbuf_free(&got);
            trib_strbuf_free(&text);
            trib_schema_unref(ds);
        }
    }
    is_int(same, total, "Decimals of 1 to 18 bytes, both signs, scales 0-40 encode as their text form does");
    trib_strbuf_free(&sb);
}

static void test_json(void) {
    trib_schema *st = trib_schema_struct_new("S");
    trib_schema_add_field_take(st, "a", trib_schema_primitive(TRIB_INT32, false));
    trib_schema_add_field_take(st, "b", trib_schema_primitive(TRIB_BYTES, true));
    trib_schema_add_field_take(st, "d", trib_schema_decimal(1, true));
    trib_value *v = trib_value_struct_new(st);
    trib_value_struct_set_take(v, "a", trib_value_int(TRIB_INT32, 1));
    trib_value_struct_set_take(v, "b", trib_value_bytes("hi", 2));
    trib_error err;
    trib_value *d = NULL;
    trib_decimal_from_string("2.5", 1, &d, &err);
    trib_value_struct_set_take(v, "d", d);
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    enc(&sb, TRIB_PGK_JSONB, st, v);
    is_mem(body(&sb), body_len(&sb), "\1{\"a\":1,\"b\":\"aGk=\",\"d\":\"2.5\"}", 29,
           "a struct in jsonb is version 1 then compact JSON (bytes base64, decimals as text)");
    enc(&sb, TRIB_PGK_JSON, st, v);
    is_mem(body(&sb), body_len(&sb), "{\"a\":1,\"b\":\"aGk=\",\"d\":\"2.5\"}", 28, "json has no version byte");
    trib_value_destroy(v);
    trib_schema_unref(st);

    trib_value *m = trib_value_map_new();
    trib_value_map_put_take(m, trib_value_int(TRIB_INT32, 7), trib_value_string("x"));
    json_t *j = trib_pg_value_to_json(NULL, m);
    char *s = json_dumps(j, JSON_COMPACT);
    is_str(s, "[[7,\"x\"]]", "a map with non-string keys becomes [key, value] pairs");
    free(s);
    json_decref(j);
    trib_value_destroy(m);
    trib_strbuf_free(&sb);
}

static void round_trip(trib_pg_kind k, trib_schema *s, trib_value *v, const char *name) {
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    trib_error err;
    int rc = trib_pg_copy_field(&sb, k, s, v, &err);
    trib_value *back = rc == 0 ? trib_pg_decode_field(k, s, sb.data + 4, (int)sb.len - 4, &err) : NULL;
    ok(back && trib_value_equal(back, v), "%s survives encode and decode", name);
    trib_value_destroy(back);
    trib_value_destroy(v);
    trib_schema_unref(s);
    trib_strbuf_free(&sb);
}

static void test_round_trips(void) {
    round_trip(TRIB_PGK_INT2, trib_schema_primitive(TRIB_INT16, false), trib_value_int(TRIB_INT16, -32768), "int16 min");
    round_trip(TRIB_PGK_INT4, trib_schema_primitive(TRIB_INT32, false), trib_value_int(TRIB_INT32, 2147483647),
               "int32 max");
    round_trip(TRIB_PGK_INT8, trib_schema_primitive(TRIB_INT64, false), trib_value_int(TRIB_INT64, INT64_MIN),
               "int64 min");
    round_trip(TRIB_PGK_FLOAT4, trib_schema_primitive(TRIB_FLOAT32, false), trib_value_float(TRIB_FLOAT32, 3.25f),
               "float32");
    round_trip(TRIB_PGK_FLOAT8, trib_schema_primitive(TRIB_FLOAT64, false), trib_value_float(TRIB_FLOAT64, -1e300),
               "float64");
    round_trip(TRIB_PGK_BOOL, trib_schema_primitive(TRIB_BOOLEAN, false), trib_value_bool(false), "boolean");
    round_trip(TRIB_PGK_TEXT, trib_schema_primitive(TRIB_STRING, false), trib_value_string("ünï\"';"), "string");
    round_trip(TRIB_PGK_BYTEA, trib_schema_primitive(TRIB_BYTES, false), trib_value_bytes("\0\xff", 2), "bytes");
    round_trip(TRIB_PGK_DATE, trib_schema_date(false), trib_value_int(TRIB_INT32, -719162), "Date 0001-01-01");
    round_trip(TRIB_PGK_TIME, trib_schema_time(false), trib_value_int(TRIB_INT32, 86399999), "Time 23:59:59.999");
    round_trip(TRIB_PGK_TIMESTAMPTZ, trib_schema_timestamp(false), trib_value_int(TRIB_INT64, -1), "Timestamp -1 ms");
    round_trip(TRIB_PGK_TIMESTAMP, trib_schema_timestamp(false), trib_value_int(TRIB_INT64, 1700000000123LL),
               "Timestamp in a timestamp column");
    round_trip(TRIB_PGK_UUID, trib_schema_primitive(TRIB_STRING, false),
               trib_value_string("123e4567-e89b-12d3-a456-426614174000"), "uuid");
}

int main(void) {
    (void)plan;   /* the plan is printed at the end */
    test_framing();
    test_scalars();
    test_temporal();
    test_numeric();
    test_json();
    test_round_trips();
    done_testing();
    return exit_status();
}
