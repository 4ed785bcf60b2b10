/*
 * test_topic_regex.c: topics.regex subscriptions are matched with the Java
 * engine (worker/topic_regex.h): the dialect tricks of issue 14 select
 * nothing outside a tenant's prefix, a whole-name match is required, the
 * prefix filter holds whatever the pattern, and internal topics are never
 * selected.
 */
#include "tests/tap.h"

#include "worker/topic_regex.h"

static bool sel(const char *re, const char *prefix, const char *topic) {
    trib_error e;
    trib_topic_regex *tr = trib_topic_regex_new(re, prefix, &e);
    if (!tr) {
        diag("compile failed: %s", e.msg);
        return false;
    }
    bool r = trib_topic_regex_selects(tr, topic);
    trib_topic_regex_free(tr);
    return r;
}

int main(void) {
    ok(!sel("alpha\\.\\Q|beta\\..*", "alpha.", "beta.orders"), "\\Q quotes the alternation: beta.orders is not selected");
    ok(!sel("alpha\\.\\Q|beta\\..*", "alpha.", "alpha.orders"), "  nor alpha.orders (it is one literal name)");
    ok(!sel("alpha\\.[\\]|beta\\..*]?", "alpha.", "beta.orders"), "an escaped ] keeps '|beta' inside the class");
    ok(sel("alpha\\.[\\]|beta\\..*]?", "alpha.", "alpha.b"), "  which matches alpha. plus one class character");
    trib_error e;
    trib_topic_regex *tr = trib_topic_regex_new("alpha\\.[[]|beta\\..*]?", "alpha.", &e);
    ok(tr == NULL && e.code == TRIB_ERR_INVALID, "a nested class the engine cannot express is refused");
    like(e.msg, "topics.regex", "naming topics.regex");
    trib_topic_regex_free(tr);
    ok(!sel(".*", "alpha.", "beta.orders"), "with a prefix, .* never selects another tenant's topic");
    ok(sel(".*", "alpha.", "alpha.orders"), "  and selects the tenant's own");
    ok(!sel("alpha\\..*|beta\\..*", "alpha.", "beta.orders"), "an alternation cannot leave the prefix");
    ok(!sel("(?:alpha|beta)\\..*", "alpha.", "beta.orders"), "nor a group alternation");
    ok(!sel("alpha", "", "alpha.orders"), "the whole name must match (Matcher.matches)");
    ok(sel("alpha\\..*", NULL, "alpha.orders"), "without a prefix the pattern alone decides");
    ok(!sel(".*", NULL, "__consumer_offsets"), "internal topics are never selected");
    ok(!sel(".*", "", "__tributary_configs"), "whatever their name after __");
    ok(sel("a[.]b", NULL, "a.b") && !sel("a[.]b", NULL, "axb"), "classes behave as in Java");
    (void)plan;   /* the plan is printed at the end */
    done_testing();
    return exit_status();
}
