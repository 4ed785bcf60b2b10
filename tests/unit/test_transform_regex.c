/*
 * test_transform_regex.c: Java regexes on POSIX (full-match semantics,
 * translated syntax, refused features), RegexRouter's replacement with
 * group references, and the TopicNameMatches predicate.
 */
#include "tests/unit/test_transform_util.h"
#include "transforms/java_regex.h"

static bool matches(const char *pattern, const char *subject) {
    trib_jregex *re = trib_jregex_compile(pattern, NULL);
    bool m = re && trib_jregex_matches(re, subject);
    trib_jregex_free(re);
    return m;
}

static char *refusal(const char *pattern) {
    trib_error err;
    trib_jregex *re = trib_jregex_compile(pattern, &err);
    if (re) {
        trib_jregex_free(re);
        return trib_xstrdup("");
    }
    return trib_xstrdup(err.msg);
}

static char *route(const char *regex, const char *replacement, const char *topic) {
    trib_error err;
    smt s = smt_new("org.apache.kafka.connect.transforms.RegexRouter",
                    props("regex", regex, "replacement", replacement, NULL), &err);
    if (!s.ctx) return trib_xasprintf("create failed: %s", err.msg);
    trib_record *r = trib_record_new(topic);
    char *out = smt_apply(s, &r, &err) == 0 ? trib_xstrdup(r->topic) : trib_xasprintf("apply failed: %s", err.msg);
    trib_record_destroy(r);
    smt_free(s);
    return out;
}

static void test_matching(void) {
    ok(matches("orders.*", "orders-eu"), "prefix pattern matches");
    ok(!matches("orders", "orders-eu"), "matching is of the whole topic, not a substring");
    ok(!matches("eu", "orders-eu"), "... not a suffix either");
    ok(matches("a|ab", "ab"), "alternation still matches the whole input");
    ok(matches("\\d{3}-\\w+", "123-abc_9"), "\\d and \\w");
    ok(!matches("\\d+", "12a"), "\\d+ refuses a letter");
    ok(matches("a\\.b", "a.b") && !matches("a\\.b", "axb"), "an escaped dot is literal");
    ok(matches("a.b", "axb"), "an unescaped dot is any character");
    ok(matches("[\\w.-]+", "my.topic-1"), "class with \\w, dot and dash");
    ok(matches("[^a-c]x", "dx") && !matches("[^a-c]x", "bx"), "negated class with a range");
    ok(matches("[]a]+", "]a]"), "']' first in a class is literal");
    ok(matches("[\\]\\[^-]+", "[]^-"), "escaped brackets, caret and dash in a class");
    ok(matches("(?:ab)+c", "ababc"), "non-capturing groups");
    ok(matches("\\Qa+b\\E", "a+b") && !matches("\\Qa+b\\E", "aab"), "\\Q...\\E quotes");
    ok(matches("\\x41\\u0042", "AB"), "hex and unicode escapes (ASCII)");
    ok(matches("x{2,3}", "xxx") && !matches("x{2,3}", "xxxx"), "bounded repetition");
    ok(matches("^topic$", "topic"), "explicit anchors are harmless");
    ok(matches("a\\s+b", "a \t b"), "\\s");
    ok(matches("a\\+", "a+"), "escaped plus");
    ok(matches("", ""), "the empty pattern matches the empty topic");
}

static void test_refusals(void) {
    char *e;
    e = refusal("a*?"); like(e, "lazy quantifier", "lazy quantifiers are refused"); free(e);
    e = refusal("a++"); like(e, "possessive quantifier", "possessive quantifiers are refused"); free(e);
    e = refusal("(?=a)a"); like(e, "lookahead", "lookahead is refused"); free(e);
    e = refusal("(?<=a)b"); like(e, "lookbehind", "lookbehind is refused"); free(e);
    e = refusal("(?<name>a)"); like(e, "named group", "named groups are refused"); free(e);
    e = refusal("(?i)abc"); like(e, "inline flags", "inline flags are refused"); free(e);
    e = refusal("(a)\\1"); like(e, "backreference", "backreferences are refused"); free(e);
    e = refusal("\\bword"); like(e, "word boundary", "\\b is refused"); free(e);
    e = refusal("\\p{Alpha}"); like(e, "\\p{...}", "property classes are refused"); free(e);
    e = refusal("[a[b]]"); like(e, "nested character class", "nested classes are refused"); free(e);
    e = refusal("[a-z&&[^x]]"); like(e, "intersection", "class intersections are refused"); free(e);
    e = refusal("(abc"); like(e, "Unclosed group", "an unclosed group is a syntax error"); free(e);
    e = refusal("abc)"); like(e, "Unmatched closing ')'", "an unmatched ) is a syntax error"); free(e);
    e = refusal("*a"); like(e, "Dangling meta character '*'", "a leading quantifier is a syntax error"); free(e);
    e = refusal("[abc"); like(e, "Unclosed character class", "an unclosed class is a syntax error"); free(e);
    e = refusal("a{x}"); like(e, "Illegal repetition", "a malformed repetition is a syntax error"); free(e);
    e = refusal("[z-a]"); like(e, "Illegal character range", "a reversed range is a syntax error"); free(e);
    e = refusal("\\u00e9"); like(e, "non-ASCII", "non-ASCII escapes are refused"); free(e);
}

static void test_router(void) {
    char *t;
    t = route("(.*)", "copy-$1", "orders"); is_str(t, "copy-orders", "$1 expands the whole topic"); free(t);
    t = route("db\\.(\\w+)\\.(\\w+)", "$2_from_$1", "db.sales.orders");
    is_str(t, "orders_from_sales", "several groups in any order"); free(t);
    t = route("(?:x-)?(.*)", "$1", "x-foo"); is_str(t, "foo", "non-capturing groups do not shift numbering"); free(t);
    t = route("(a)(b)?", "[$2]", "a"); is_str(t, "[]", "a group that did not participate expands to nothing"); free(t);
    t = route("(.*)", "\\$1-$0", "t"); is_str(t, "$1-t", "\\$ is a literal dollar and $0 the whole match"); free(t);
    t = route("(a)", "$10", "a"); is_str(t, "a0", "$10 with one group is $1 then '0', as in Java"); free(t);
    t = route("orders", "x", "orders-eu"); is_str(t, "orders-eu", "a non-matching topic is not rerouted"); free(t);

    t = route("(.*)", "$2", "t");
    is_str(t, "create failed: Invalid value $2 for configuration replacement: No group 2",
           "a reference to a missing group is a config error naming the key");
    free(t);
    t = route("(.*)", "tail$", "t");
    like(t, "Illegal group reference: group index is missing", "a trailing $ is refused");
    free(t);
    t = route("(?=x).*", "y", "t");
    like(t, "create failed: Invalid value (?=x).* for configuration regex: Invalid regex: lookahead",
         "an unsupported regex is a config error naming the key");
    free(t);
    char *e = create_error("RegexRouter", props("regex", "(.*)", NULL));
    like(e, "Missing required configuration \"replacement\"", "replacement is required");
    free(e);
}

static void test_topic_name_matches(void) {
    const trib_predicate_plugin *p = trib_predicate_find("TopicNameMatches");
    ok(p && p == trib_predicate_find("org.apache.kafka.connect.transforms.predicates.TopicNameMatches"),
       "TopicNameMatches is found by alias and by class");
    void *ctx = NULL;
    trib_error err;
    trib_props *cfg = props("pattern", "orders-.*", NULL);
    is_int(p->create(cfg, &ctx, &err), 0, "created with a pattern");
    trib_props_destroy(cfg);
    trib_record *r = trib_record_new("orders-eu");
    bool res = false;
    p->test(ctx, r, &res, &err);
    ok(res, "true for a matching topic");
    trib_record_set_topic(r, "xorders-eu");
    p->test(ctx, r, &res, &err);
    ok(!res, "false when only a substring matches");
    trib_record_destroy(r);
    p->destroy(ctx);

    cfg = props("pattern", "", NULL);
    ok(p->create(cfg, &ctx, &err) != 0, "an empty pattern is refused");
    like(err.msg, "String must be non-empty", "... as NonEmptyString does");
    trib_props_destroy(cfg);
    cfg = props("pattern", "a(?!b)", NULL);
    ok(p->create(cfg, &ctx, &err) != 0, "an unsupported pattern is refused");
    like(err.msg, "Invalid value a(?!b) for configuration pattern: Invalid regex: negative lookahead", "... naming the key");
    trib_props_destroy(cfg);
}

int main(void) {
    test_matching();
    test_refusals();
    test_router();
    test_topic_name_matches();
    done_testing();
    return exit_status();
}
