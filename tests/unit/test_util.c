/* test_util.c: common/util.c: list splitting, strict number/boolean
 * parsing, string buffers, whole-file reads and atomic replacement. */
#include "common/util.h"
#include "tests/tap.h"

#include <jansson.h>

#include <math.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_split_list(void) {
    size_t n = 99;
    char **v = trib_split_list(" a , b,,c ,  ", &n);
    is_int(n, 3, "split_list trims items and drops empty ones");
    is_str(v[0], "a", "first item is trimmed");
    is_str(v[1], "b", "second item");
    is_str(v[2], "c", "third item is trimmed");
    ok(v[3] == NULL, "the array is NULL-terminated");
    trib_strv_free(v);

    v = trib_split_list("", &n);
    ok(n == 0 && v[0] == NULL, "an empty string is an empty list");
    trib_strv_free(v);
    v = trib_split_list(NULL, &n);
    ok(n == 0 && v[0] == NULL, "NULL is an empty list");
    trib_strv_free(v);
    v = trib_split_list("   ,  , ", NULL);
    ok(v[0] == NULL, "only separators and blanks is an empty list (n may be NULL)");
    trib_strv_free(v);

    v = trib_split_list("x1,x2,x3,x4,x5,x6,x7,x8,x9,x10", &n);
    is_int(n, 10, "lists longer than the initial capacity grow");
    is_str(v[9], "x10", "the last of many items is kept");
    trib_strv_free(v);
    trib_strv_free(NULL);
    ok(1, "strv_free(NULL) is a no-op");
}

static void test_parse_int64(void) {
    int64_t v = 0;
    ok(trib_parse_int64("42", &v) == 0 && v == 42, "parses a plain integer");
    ok(trib_parse_int64(" -7 ", &v) == 0 && v == -7, "surrounding whitespace is allowed");
    ok(trib_parse_int64("+5", &v) == 0 && v == 5, "a leading plus sign is allowed, as Java's parseLong does");
    ok(trib_parse_int64("9223372036854775807", &v) == 0 && v == INT64_MAX, "INT64_MAX parses");
    ok(trib_parse_int64("-9223372036854775808", &v) == 0 && v == INT64_MIN, "INT64_MIN parses");
    v = 123;
    ok(trib_parse_int64("9223372036854775808", &v) == -1, "overflow is refused");
    is_int(v, 123, "a refused parse leaves the output untouched");
    ok(trib_parse_int64("12abc", &v) == -1, "trailing junk is refused");
    ok(trib_parse_int64("1 2", &v) == -1, "inner whitespace is refused");
    ok(trib_parse_int64("1.5", &v) == -1, "a decimal is refused");
    ok(trib_parse_int64("0x10", &v) == -1, "hex is refused");
    ok(trib_parse_int64("", &v) == -1, "empty is refused");
    ok(trib_parse_int64("   ", &v) == -1, "blank is refused");
    ok(trib_parse_int64(NULL, &v) == -1, "NULL is refused");
}

static void test_parse_double(void) {
    double d = 0;
    ok(trib_parse_double("1.5", &d) == 0 && d == 1.5, "parses a decimal");
    ok(trib_parse_double(" -2e3 ", &d) == 0 && d == -2000, "exponent and whitespace are allowed");
    ok(trib_parse_double("7", &d) == 0 && d == 7, "an integer is a double");
    ok(trib_parse_double("1.5x", &d) == -1, "trailing junk is refused");
    ok(trib_parse_double("nan", &d) == -1, "nan is refused");
    ok(trib_parse_double("inf", &d) == -1, "infinity is refused");
    ok(trib_parse_double("1e999", &d) == -1, "overflow is refused");
    ok(trib_parse_double("", &d) == -1, "empty is refused");
    ok(trib_parse_double(NULL, &d) == -1, "NULL is refused");
}

static void test_parse_bool(void) {
    bool b = false;
    ok(trib_parse_bool("true", &b) == 0 && b, "true");
    ok(trib_parse_bool("FALSE", &b) == 0 && !b, "FALSE, any case");
    ok(trib_parse_bool("  TrUe\t", &b) == 0 && b, "surrounding whitespace is allowed");
    ok(trib_parse_bool("          true", &b) == 0 && b, "long leading whitespace is allowed");
    ok(trib_parse_bool("false  junk", &b) == -1, "trailing junk after a long prefix is refused");
    ok(trib_parse_bool("truex", &b) == -1, "truex is refused");
    ok(trib_parse_bool("yes", &b) == -1, "yes is refused");
    ok(trib_parse_bool("1", &b) == -1, "1 is refused");
    ok(trib_parse_bool("", &b) == -1, "empty is refused");
    ok(trib_parse_bool(NULL, &b) == -1, "NULL is refused");
}

static void test_strbuf(void) {
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    ok(sb.data == NULL && sb.len == 0, "a new strbuf has no data");
    trib_strbuf_puts(&sb, "ab");
    trib_strbuf_putc(&sb, 'c');
    trib_strbuf_printf(&sb, "-%d-%s", 42, "x");
    is_str(sb.data, "abc-42-x", "puts, putc and printf append");
    is_int(sb.len, 8, "len counts the bytes");
    trib_strbuf_append(&sb, "\0z", 2);
    is_int(sb.len, 10, "append takes binary data, NUL included");
    ok(sb.data[10] == '\0', "the buffer stays NUL-terminated");
    trib_strbuf_reset(&sb);
    ok(sb.len == 0 && sb.data[0] == '\0', "reset empties but keeps memory");
    for (int i = 0; i < 1000; i++) trib_strbuf_printf(&sb, "%04d", i);
    is_int(sb.len, 4000, "the buffer grows over many appends");
    ok(memcmp(sb.data + 3996, "0999", 4) == 0, "content after growth is intact");
    char *s = trib_strbuf_take(&sb);
    ok(sb.data == NULL && sb.len == 0, "take resets the buffer");
    is_int(strlen(s), 4000, "take hands over the string");
    free(s);
    s = trib_strbuf_take(&sb);
    is_str(s, "", "take of an empty buffer gives an empty string");
    free(s);
    trib_strbuf_printf(&sb, "%s", "");
    ok(sb.data == NULL, "printing nothing allocates nothing");
    trib_strbuf_free(&sb);
}

static void test_strings(void) {
    char buf[] = "  \thello world \n";
    is_str(trib_trim(buf), "hello world", "trim removes surrounding whitespace");
    ok(trib_str_endswith("file.properties", ".properties"), "endswith matches");
    ok(!trib_str_endswith("s", "longer"), "endswith with a longer suffix is false");
    ok(trib_str_startswith("producer.acks", "producer."), "startswith matches");
    ok(!trib_str_startswith("prod", "producer."), "startswith with a longer prefix is false");
    char *a = trib_xasprintf("%s=%d", "k", 5);
    is_str(a, "k=5", "xasprintf formats");
    free(a);
    char *d = trib_xstrndup("abcdef", 3);
    is_str(d, "abc", "xstrndup copies n bytes");
    free(d);
    ok(trib_xstrdup(NULL) == NULL, "xstrdup(NULL) is NULL");
    ok(trib_fnv1a("", 0) == 0xcbf29ce484222325ULL, "fnv1a of nothing is the offset basis");
    ok(trib_fnv1a("a", 1) == 0xaf63dc4c8601ec8cULL, "fnv1a(\"a\") matches the published vector");
}

static void test_files(void) {
    char dir[] = "/tmp/trib_util_XXXXXX";
    if (!mkdtemp(dir)) BAIL_OUT("mkdtemp failed");
    char path[512], tmp[600];
    snprintf(path, sizeof path, "%s/offsets.json", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    trib_error err;
    ok(trib_write_file_atomic(path, "first", 5, &err) == 0, "atomic write creates a file");
    ok(trib_write_file_atomic(path, "second!", 7, &err) == 0, "atomic write replaces a file");
    size_t len = 0;
    char *s = trib_read_file(path, &len, &err);
    is_str(s, "second!", "the file holds the last write");
    is_int(len, 7, "read_file reports the length");
    free(s);
    ok(access(tmp, F_OK) != 0, "no temporary file is left behind");

    ok(trib_write_file_atomic(path, "", 0, &err) == 0, "an empty write succeeds");
    s = trib_read_file(path, NULL, &err);
    is_str(s, "", "reading an empty file gives an empty string");
    free(s);

    trib_error_clear(&err);
    ok(trib_read_file("/nonexistent/dir/file", NULL, &err) == NULL, "reading a missing file fails");
    is_int(err.code, TRIB_ERR_NOT_FOUND, "a missing file is NOT_FOUND");
    like(err.msg, "/nonexistent/dir/file", "the error names the path");
    ok(trib_write_file_atomic("/nonexistent/dir/file", "x", 1, &err) == -1, "writing into a missing directory fails");
    is_int(err.code, TRIB_ERR_IO, "a failed write is IO");

    /* a store's JSON object file: first start, a good file, a bad one */
    json_t *o = trib_read_json_object_file("/nonexistent/dir/file", "test store", &err);
    ok(json_is_object(o) && json_object_size(o) == 0, "a missing store file reads as an empty object");
    json_decref(o);
    trib_write_file_atomic(path, "{\"a\":1}", 7, &err);
    o = trib_read_json_object_file(path, "test store", &err);
    ok(json_integer_value(json_object_get(o, "a")) == 1, "a store file is read as its object");
    json_decref(o);
    trib_write_file_atomic(path, "[1]", 3, &err);
    trib_error_clear(&err);
    ok(trib_read_json_object_file(path, "test store", &err) == NULL && err.code == TRIB_ERR_INVALID,
       "a store file holding no object is refused");
    like(err.msg, "test store '", "naming the store");
    like(err.msg, "offsets.json' is not a JSON object", "and the file");

    unlink(path);
    rmdir(dir);
}

static void test_random_bytes(void) {
    unsigned char a[33], b[33];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    a[32] = b[32] = 0xAB;  /* guard byte after the requested 32 */
    ok(trib_random_bytes(a, 32, NULL) == 0, "random bytes are available");
    ok(trib_random_bytes(b, 32, NULL) == 0, "a second draw succeeds");
    ok(memcmp(a, b, 32) != 0, "two 32-byte draws differ");
    ok(a[32] == 0xAB && b[32] == 0xAB, "nothing is written past the requested length");
    int zeros = 0;
    for (int i = 0; i < 32; i++) zeros += a[i] == 0;
    ok(zeros < 8, "a draw is not mostly zero bytes");
}

int main(void) {
    plan(88);
    test_split_list();
    test_parse_int64();
    test_parse_double();
    test_parse_bool();
    test_strbuf();
    test_strings();
    test_files();
    test_random_bytes();
    return exit_status();
}
