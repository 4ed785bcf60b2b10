/* test_props.c: common/props.c: the ordered string map, Java .properties
 * parsing (as java.util.Properties reads worker files) and the JSON
 * conversions used by the REST API. */
#include "common/props.h"
#include "common/time.h"
#include "common/util.h"
#include "tests/tap.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static trib_props *parse(const char *text) {
    trib_error err;
    trib_error_clear(&err);
    trib_props *p = trib_props_parse(text, strlen(text), &err);
    if (!p) diag("parse failed: %s", err.msg);
    return p;
}

static void test_map(void) {
    trib_props *p = trib_props_new();
    is_int(trib_props_count(p), 0, "a new map is empty");
    trib_props_set(p, "b", "1");
    trib_props_set(p, "a", "2");
    trib_props_set(p, "c", NULL);
    is_int(trib_props_count(p), 3, "set adds keys");
    is_str(trib_props_key_at(p, 0), "b", "insertion order is kept (first)");
    is_str(trib_props_key_at(p, 1), "a", "insertion order is kept (second)");
    is_str(trib_props_get(p, "c"), "", "a NULL value is stored as empty");
    trib_props_set(p, "b", "10");
    is_str(trib_props_key_at(p, 0), "b", "replacing a key keeps its position");
    is_str(trib_props_value_at(p, 0), "10", "replacing a key changes its value");
    ok(trib_props_get(p, "zz") == NULL, "get of an absent key is NULL");
    is_str(trib_props_get_or(p, "zz", "dflt"), "dflt", "get_or falls back");
    ok(trib_props_has(p, "a") && !trib_props_has(p, "zz"), "has tells present from absent");
    ok(trib_props_remove(p, "a"), "remove of a present key is true");
    ok(!trib_props_remove(p, "a"), "remove of an absent key is false");
    is_int(trib_props_count(p), 2, "remove shrinks the map");
    is_str(trib_props_key_at(p, 1), "c", "remove keeps the order of the rest");
    ok(!trib_props_remove(NULL, "a"), "remove on NULL is false, not a crash");
    ok(trib_props_get(NULL, "a") == NULL && trib_props_count(NULL) == 0, "NULL map reads as empty");

    for (int i = 0; i < 100; i++) {
        char k[16];
        snprintf(k, sizeof k, "k%d", i);
        trib_props_set(p, k, k);
    }
    is_str(trib_props_get(p, "k99"), "k99", "the map grows past its initial capacity");

    trib_props *c = trib_props_clone(p);
    ok(trib_props_equal(p, c), "a clone is equal");
    trib_props_set(c, "b", "other");
    ok(!trib_props_equal(p, c), "changing a clone's value makes it different");
    is_str(trib_props_get(p, "b"), "10", "changing a clone leaves the original alone");
    trib_props_destroy(c);
    trib_props_destroy(p);
    trib_props_destroy(NULL);
    ok(1, "destroy(NULL) is a no-op");
}

static void test_subset_merge_equal(void) {
    trib_props *p = parse("producer.linger.ms=5\nproducer.=x\nconsumer.group=g\nproducer.acks=all\n");
    trib_props *s = trib_props_subset(p, "producer.");
    is_int(trib_props_count(s), 2, "subset keeps keys with the prefix and something after it");
    is_str(trib_props_get(s, "linger.ms"), "5", "subset strips the prefix");
    is_str(trib_props_key_at(s, 1), "acks", "subset keeps order");
    trib_props *none = trib_props_subset(p, "admin.");
    is_int(trib_props_count(none), 0, "subset with no match is empty");

    trib_props *dst = parse("a=1\nb=2\n");
    trib_props *src = parse("b=20\nc=30\n");
    trib_props_merge(dst, src);
    is_str(trib_props_get(dst, "b"), "20", "merge: src wins on conflicts");
    is_str(trib_props_get(dst, "c"), "30", "merge adds new keys");
    is_str(trib_props_key_at(dst, 1), "b", "merge keeps dst's order for replaced keys");

    trib_props *x = parse("a=1\nb=2\n");
    trib_props *y = parse("b=2\na=1\n");
    ok(trib_props_equal(x, y), "equal ignores order");
    trib_props_set(y, "c", "3");
    ok(!trib_props_equal(x, y), "equal sees an extra key");
    ok(trib_props_equal(NULL, none), "NULL equals an empty map");

    trib_props_destroy(p);
    trib_props_destroy(s);
    trib_props_destroy(none);
    trib_props_destroy(dst);
    trib_props_destroy(src);
    trib_props_destroy(x);
    trib_props_destroy(y);
}

static void test_parse_syntax(void) {
    trib_props *p = parse(
        "# a comment\n"
        "! another comment\n"
        "   # indented comment\n"
        "\n"
        "   \t\n"
        "eq=1\n"
        "colon:2\n"
        "space 3\n"
        "  spaced  =  4  \n"
        "tab\t5\n"
        "empty=\n"
        "bare\n"
        "eqeq==6\n"
        "url=http://host:8083/path\n");
    ok(p != NULL, "a file with every separator parses");
    is_str(trib_props_get(p, "eq"), "1", "key=value");
    is_str(trib_props_get(p, "colon"), "2", "key:value");
    is_str(trib_props_get(p, "space"), "3", "key value");
    is_str(trib_props_get(p, "spaced"), "4  ", "whitespace around = is dropped; trailing whitespace of the value is kept");
    is_str(trib_props_get(p, "tab"), "5", "key<TAB>value");
    is_str(trib_props_get(p, "empty"), "", "key= gives an empty value");
    is_str(trib_props_get(p, "bare"), "", "a key alone gives an empty value");
    is_str(trib_props_get(p, "eqeq"), "=6", "only the first separator splits");
    is_str(trib_props_get(p, "url"), "http://host:8083/path", "colons in a value are kept");
    is_int(trib_props_count(p), 9, "comments and blank lines make no entries");
    trib_props_destroy(p);

    p = parse("a=1\r\nb=2\rc=3");
    is_str(trib_props_get(p, "a"), "1", "CRLF line ends");
    is_str(trib_props_get(p, "b"), "2", "CR line ends");
    is_str(trib_props_get(p, "c"), "3", "a last line without a newline");
    trib_props_destroy(p);

    p = parse("dup=1\ndup=2\n");
    is_str(trib_props_get(p, "dup"), "2", "the last duplicate wins");
    is_int(trib_props_count(p), 1, "a duplicate key is one entry");
    trib_props_destroy(p);

    p = parse("");
    ok(p && trib_props_count(p) == 0, "an empty file is an empty map");
    trib_props_destroy(p);
}

static void test_parse_escapes(void) {
    trib_props *p = parse(
        "tabs=a\\tb\\nc\\rd\\fe\n"
        "key\\ with\\ spaces=v\n"
        "key\\=eq=v2\n"
        "key\\:colon=v3\n"
        "path=C:\\\\dir\\\\file\n"
        "unknown=\\q\\z\n"
        "uni=caf\\u00e9 \\u20AC\n"
        "emoji=\\uD83D\\uDE00\n"
        "hash=\\#not a comment\n");
    ok(p != NULL, "escapes parse");
    is_str(trib_props_get(p, "tabs"), "a\tb\nc\rd\fe", "\\t \\n \\r \\f");
    is_str(trib_props_get(p, "key with spaces"), "v", "escaped spaces stay in the key");
    is_str(trib_props_get(p, "key=eq"), "v2", "an escaped = stays in the key");
    is_str(trib_props_get(p, "key:colon"), "v3", "an escaped : stays in the key");
    is_str(trib_props_get(p, "path"), "C:\\dir\\file", "\\\\ is one backslash");
    is_str(trib_props_get(p, "unknown"), "qz", "an unknown escape is the character itself");
    is_str(trib_props_get(p, "uni"), "caf\xc3\xa9 \xe2\x82\xac", "\\uXXXX becomes UTF-8 (2 and 3 bytes)");
    is_str(trib_props_get(p, "emoji"), "\xf0\x9f\x98\x80", "a surrogate pair becomes one 4-byte character");
    is_str(trib_props_get(p, "hash"), "#not a comment", "an escaped # is data");
    trib_props_destroy(p);

    trib_error err;
    trib_error_clear(&err);
    const char *bad[] = {"a=\\u12\n", "a=\\u12G4\n", "a=\\uD83D\n", "a=\\uDE00x\n", "a=\\u0000\n"};
    const char *why[] = {"short \\u escape", "non-hex \\u escape", "lone high surrogate",
                         "lone low surrogate", "\\u0000"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        trib_error_clear(&err);
        trib_props *q = trib_props_parse(bad[i], strlen(bad[i]), &err);
        ok(q == NULL && err.code == TRIB_ERR_INVALID, "refused: %s", why[i]);
        like(err.msg, "line 1", "the error names the line (%s)", why[i]);
    }
    trib_error_clear(&err);
    const char *third = "a=1\nb=2\nc=\\uZZZZ\n";
    ok(trib_props_parse(third, strlen(third), &err) == NULL, "a bad escape on line 3 is refused");
    like(err.msg, "line 3", "the error names line 3");
}

static void test_parse_continuations(void) {
    trib_props *p = parse(
        "list=a,\\\n"
        "     b,\\\n"
        "\tc\n"
        "after=1\n"
        "even=x\\\\\n"
        "next=2\n"
        "# comment ending in a backslash \\\n"
        "notswallowed=3\n"
        "cont=start\\\n"
        "# not a comment inside a continuation\n"
        "last=end\\");
    ok(p != NULL, "continuations parse");
    is_str(trib_props_get(p, "list"), "a,b,c", "continuation lines join, leading whitespace dropped");
    is_str(trib_props_get(p, "after"), "1", "the line after a continuation is its own entry");
    is_str(trib_props_get(p, "even"), "x\\", "an even number of backslashes does not continue");
    is_str(trib_props_get(p, "next"), "2", "the line after an escaped backslash is its own entry");
    is_str(trib_props_get(p, "notswallowed"), "3", "a comment ending in a backslash does not continue");
    is_str(trib_props_get(p, "cont"), "start# not a comment inside a continuation",
           "a continued line starting with # is data");
    is_str(trib_props_get(p, "last"), "end", "a backslash at end of file is dropped");
    trib_props_destroy(p);
}

static void test_load_file(void) {
    char path[] = "/tmp/trib_props_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) BAIL_OUT("mkstemp failed");
    const char *text = "bootstrap.servers=localhost:9092\ngroup.id = connect\n";
    if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) BAIL_OUT("write failed");
    close(fd);
    trib_error err;
    trib_props *p = trib_props_load_file(path, &err);
    ok(p != NULL, "load_file reads a file");
    is_str(trib_props_get(p, "group.id"), "connect", "load_file parses it");
    trib_props_destroy(p);

    fd = open(path, O_WRONLY | O_TRUNC);
    if (write(fd, "ok=1\nbad=\\u00\n", 14) != 14) BAIL_OUT("write failed");
    close(fd);
    trib_error_clear(&err);
    ok(trib_props_load_file(path, &err) == NULL, "load_file refuses a malformed file");
    like(err.msg, path, "the error names the file");
    like(err.msg, "line 2", "the error names the line");
    unlink(path);

    trib_error_clear(&err);
    ok(trib_props_load_file("/nonexistent/worker.properties", &err) == NULL, "load_file of a missing file fails");
    is_int(err.code, TRIB_ERR_NOT_FOUND, "a missing file is NOT_FOUND");
}

static void test_json(void) {
    json_error_t jerr;
    json_t *j = json_loads("{\"s\":\"v\",\"i\":42,\"neg\":-7,\"r\":0.1,\"whole\":2.0,\"big\":1.5e300,"
                           "\"t\":true,\"f\":false,\"e\":\"\"}", 0, &jerr);
    trib_error err;
    trib_props *p = trib_props_from_json(j, &err);
    ok(p != NULL, "from_json accepts strings, numbers and booleans");
    is_str(trib_props_get(p, "s"), "v", "a string stays as is");
    is_str(trib_props_get(p, "i"), "42", "an integer is stringified");
    is_str(trib_props_get(p, "neg"), "-7", "a negative integer is stringified");
    is_str(trib_props_get(p, "r"), "0.1", "a real is printed in its shortest form");
    is_str(trib_props_get(p, "whole"), "2.0", "an integral real keeps a decimal point, as Java prints it");
    is_str(trib_props_get(p, "big"), "1.5e+300", "a large real round-trips");
    is_str(trib_props_get(p, "t"), "true", "true is stringified");
    is_str(trib_props_get(p, "f"), "false", "false is stringified");
    is_str(trib_props_get(p, "e"), "", "an empty string stays empty");
    is_str(trib_props_key_at(p, 0), "s", "JSON key order is kept");

    json_t *back = trib_props_to_json(p);
    ok(json_is_object(back) && json_object_size(back) == 9, "to_json gives an object of every key");
    is_str(json_string_value(json_object_get(back, "i")), "42", "to_json values are strings");
    json_decref(back);
    trib_props_destroy(p);
    json_decref(j);

    const char *bad[] = {"{\"ok\":\"1\",\"nested\":{\"a\":1}}", "{\"arr\":[1,2]}", "{\"nul\":null}"};
    const char *key[] = {"nested", "arr", "nul"};
    for (int i = 0; i < 3; i++) {
        j = json_loads(bad[i], 0, &jerr);
        trib_error_clear(&err);
        ok(trib_props_from_json(j, &err) == NULL, "from_json refuses %s values", key[i]);
        like(err.msg, key[i], "the error names the key '%s'", key[i]);
        is_int(err.code, TRIB_ERR_INVALID, "the error is INVALID (%s)", key[i]);
        json_decref(j);
    }
    j = json_loads("[\"a\"]", 0, &jerr);
    trib_error_clear(&err);
    ok(trib_props_from_json(j, &err) == NULL && err.code == TRIB_ERR_INVALID, "from_json refuses a non-object");
    json_decref(j);
    ok(trib_props_from_json(NULL, &err) == NULL, "from_json refuses NULL");

    p = trib_props_new();
    trib_props_set(p, "caf\xc3\xa9", "\xe2\x82\xac");
    back = trib_props_to_json(p);
    is_str(json_string_value(json_object_get(back, "caf\xc3\xa9")), "\xe2\x82\xac", "UTF-8 survives to_json");
    json_decref(back);
    trib_props_destroy(p);
}

/* The hash index: order kept, lookups and replacement exact, removal
 * re-indexes, and 20,000 keys (a hostile config) cost linear time. */
static void test_many_keys(void) {
    trib_props *p = trib_props_new();
    char k[32], v[32];
    int64_t t0 = trib_mono_ms();
    for (int i = 0; i < 20000; i++) {
        snprintf(k, sizeof k, "key.%d", i);
        snprintf(v, sizeof v, "v%d", i);
        trib_props_set(p, k, v);
    }
    bool all = true;
    for (int i = 0; i < 20000; i++) {
        snprintf(k, sizeof k, "key.%d", i);
        snprintf(v, sizeof v, "v%d", i);
        const char *got = trib_props_get(p, k);
        if (!got || strcmp(got, v) != 0) all = false;
    }
    int64_t ms = trib_mono_ms() - t0;
    ok(all, "20,000 keys are all found with their values");
    ok(ms < 2000, "setting and reading 20,000 keys takes %lld ms (< 2 s)", (long long)ms);
    is_str(trib_props_key_at(p, 12345), "key.12345", "insertion order is kept");
    trib_props_set(p, "key.7", "new");
    is_str(trib_props_get(p, "key.7"), "new", "replacing a value keeps one entry");
    is_int((int)trib_props_count(p), 20000, "the count is unchanged by a replacement");
    ok(trib_props_remove(p, "key.10"), "a key is removed");
    ok(!trib_props_has(p, "key.10"), "the removed key is gone");
    is_str(trib_props_get(p, "key.11"), "v11", "the key after it is still found (re-indexed)");
    is_str(trib_props_key_at(p, 10), "key.11", "and has moved up one position");
    ok(!trib_props_get(p, "key.20000"), "an absent key is absent");
    trib_props_destroy(p);
}

int main(void) {
    plan(120);
    test_many_keys();
    test_map();
    test_subset_merge_equal();
    test_parse_syntax();
    test_parse_escapes();
    test_parse_continuations();
    test_load_file();
    test_json();
    return exit_status();
}
