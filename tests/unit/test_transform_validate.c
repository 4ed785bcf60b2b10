/*
 * test_transform_validate.c: the Validate transform (transforms/validate.c)
 * and its counters (transforms/quality.c): every rule kind passing and
 * failing, nested paths in structs and schemaless maps, each failure route
 * (dlq, drop, fail, warning header), unique within a batch and a window,
 * both config forms, config errors naming the rule and the parameter, and
 * hostile rule sets refused or bounded.
 */
#include "tests/tap.h"
#include "tests/unit/test_transform_util.h"

#include "common/time.h"
#include "proto/converter.h"
#include "transforms/quality.h"

#include <stdio.h>

static trib_converter *json_conv;

/* A schemaless record whose value is the JSON text. */
static trib_record *rec_json(const char *json) {
    trib_record *r = trib_record_new("t");
    trib_schema *s = NULL;
    trib_value *v = NULL;
    trib_error err;
    if (json_conv->plugin->to_connect(json_conv->ctx, "t", json, strlen(json), &s, &v, &err) != 0)
        BAIL_OUT(err.msg);
    trib_record_set_value_take(r, s, v);
    return r;
}

/* Validate$Value with rules (a JSON array) and on.failure. */
static smt mk(const char *rules, const char *on_failure) {
    trib_error err;
    smt s = smt_new("Validate", props("rules", rules, "on.failure", on_failure, NULL), &err);
    if (!s.ctx) diag("create failed: %s", err.msg);
    return s;
}

/* 1 when the record passes (and is kept), 0 when it fails (the record is
 * then destroyed here), -2 when it was dropped. */
static int run(smt s, const char *json) {
    trib_record *r = rec_json(json);
    trib_error err;
    int rc = smt_apply(s, &r, &err);
    if (rc == 0 && !r) return -2;
    trib_record_destroy(r);
    return rc == 0 ? 1 : 0;
}

static char *err_of(const char *rules) {
    return create_error("Validate", props("rules", rules, NULL));
}

static void one_rule(const char *kind, const char *params, const char *pass, const char *fail_json,
                     const char *what) {
    char rules[1024];
    snprintf(rules, sizeof rules, "[{\"rule_id\":\"r1\",\"rule_type\":\"%s\",\"column\":\"x\",\"parameters\":%s}]",
             kind, params);
    smt s = mk(rules, "fail");
    is_int(run(s, pass), 1, "%s: a good value passes", what);
    is_int(run(s, fail_json), 0, "%s: a bad value fails", what);
    smt_free(s);
}

static void test_kinds(void) {
    one_rule("not_null", "{}", "{\"x\":0}", "{\"x\":null}", "not_null (null)");
    one_rule("not_null", "{}", "{\"x\":\"\"}", "{\"y\":1}", "not_null (missing field)");
    one_rule("type", "{\"expected\":\"integer\"}", "{\"x\":5}", "{\"x\":\"5\"}", "type integer");
    one_rule("type", "{\"expected\":\"number\"}", "{\"x\":5.5}", "{\"x\":true}", "type number");
    one_rule("type", "{\"expected\":\"string\"}", "{\"x\":\"a\"}", "{\"x\":{\"a\":1}}", "type string");
    one_rule("range", "{\"min\":0,\"max\":120}", "{\"x\":120}", "{\"x\":121}", "range inclusive max");
    one_rule("range", "{\"min\":0,\"max\":120}", "{\"x\":0}", "{\"x\":-0.5}", "range inclusive min");
    one_rule("range", "{\"min\":0,\"min_inclusive\":false}", "{\"x\":0.001}", "{\"x\":0}", "range exclusive min");
    one_rule("range", "{\"max\":10,\"max_inclusive\":false}", "{\"x\":9}", "{\"x\":10}", "range exclusive max");
    one_rule("range", "{\"min\":0}", "{\"x\":1}", "{\"x\":\"1\"}", "range on a string");
    one_rule("regex", "{\"pattern\":\"[A-Z]{2}-\\\\d{4}\"}", "{\"x\":\"AB-1234\"}", "{\"x\":\"AB-12345\"}",
             "regex (whole string, Java \\d)");
    one_rule("regex", "{\"pattern\":\"a.*\"}", "{\"x\":\"abc\"}", "{\"x\":42}", "regex on a number");
    one_rule("email", "{}", "{\"x\":\"first.last+tag@mail.example.org\"}", "{\"x\":\"first..last@example.org\"}",
             "email");
    one_rule("email", "{}", "{\"x\":\"ab@example.org\"}", "{\"x\":\"a\\u0000b@example.org\"}",
             "email refuses a NUL inside");
    one_rule("regex", "{\"pattern\":\"a.*\"}", "{\"x\":\"ab\"}", "{\"x\":\"a\\u0000b\"}",
             "regex refuses a NUL inside (POSIX would see a shorter string)");
    one_rule("allowed_values", "{\"values\":[\"new\",\"paid\",3,true]}", "{\"x\":\"paid\"}", "{\"x\":\"lost\"}",
             "allowed_values (strings)");
    one_rule("allowed_values", "{\"values\":[\"new\",\"paid\",3,true]}", "{\"x\":3}", "{\"x\":4}",
             "allowed_values (numbers)");
    one_rule("length", "{\"min\":2,\"max\":3}", "{\"x\":\"\xc3\xa9t\xc3\xa9\"}", "{\"x\":\"abcd\"}",
             "length counts characters, not bytes");
    one_rule("length", "{\"max\":2}", "{\"x\":[1,2]}", "{\"x\":[1,2,3]}", "length of an array");
    one_rule("compare", "{\"op\":\"<\",\"other\":\"y\"}", "{\"x\":1,\"y\":2}", "{\"x\":2,\"y\":2}", "compare <");
    one_rule("compare", "{\"op\":\"<=\",\"other\":\"y\"}", "{\"x\":2,\"y\":2}", "{\"x\":3,\"y\":2}", "compare <=");
    one_rule("compare", "{\"op\":\"==\",\"other\":\"y\"}", "{\"x\":\"a\",\"y\":\"a\"}", "{\"x\":\"a\",\"y\":\"b\"}",
             "compare == on strings");
    one_rule("compare", "{\"op\":\"!=\",\"other\":\"y\"}", "{\"x\":1,\"y\":2}", "{\"x\":2,\"y\":2.0}",
             "compare != across int and float");
    one_rule("compare", "{\"op\":\">\",\"other\":\"y\"}", "{\"x\":3,\"y\":2}", "{\"x\":\"3\",\"y\":2}",
             "compare > refuses a string against a number");
    one_rule("compare", "{\"op\":\">=\",\"other\":\"y\"}", "{\"x\":2,\"y\":2}", "{\"x\":1,\"y\":2}", "compare >=");

    /* a large list, with repeats: every listed value passes, others fail */
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    trib_strbuf_puts(&sb, "[{\"rule_id\":\"v\",\"rule_type\":\"allowed_values\",\"column\":\"x\",\"parameters\":"
                          "{\"values\":[");
    for (int i = 0; i < 5000; i++) trib_strbuf_printf(&sb, "%s\"v%d\"", i ? "," : "", i % 4000);
    trib_strbuf_puts(&sb, "]}}]");
    smt big = mk(sb.data, "fail");
    trib_strbuf_free(&sb);
    int wrong = 0;
    for (int i = 0; i < 4100; i += 7) {
        char j[64];
        snprintf(j, sizeof j, "{\"x\":\"v%d\"}", i);
        wrong += run(big, j) != (i < 4000);
    }
    is_int(wrong, 0, "allowed_values with 5,000 values (repeats included) finds exactly the listed ones");
    smt_free(big);

    /* a missing value is only not_null's business */
    smt s = mk("[{\"rule_id\":\"r\",\"rule_type\":\"range\",\"column\":\"x\",\"parameters\":{\"min\":1}}]", "fail");
    is_int(run(s, "{\"y\":1}"), 1, "range passes a missing field (not_null reports those)");
    smt_free(s);

    const char *bad_mail[] = {"a@b", "@example.org", "a@-x.org", "a@x.o", "a b@x.org", "a@x..org", "a@@x.org",
                              "a.@x.org", NULL};
    s = mk("[{\"rule_id\":\"m\",\"rule_type\":\"email\",\"column\":\"x\"}]", "fail");
    int refused = 0;
    for (int i = 0; bad_mail[i]; i++) {
        char j[128];
        snprintf(j, sizeof j, "{\"x\":\"%s\"}", bad_mail[i]);
        refused += run(s, j) == 0;
    }
    is_int(refused, 8, "email refuses every malformed address of the list");
    smt_free(s);
}

static void test_paths(void) {
    /* schema'd: a struct inside a struct */
    trib_schema *addr = struct_schema("addr", "zip", trib_schema_primitive(TRIB_STRING, false), NULL);
    trib_schema *cust = struct_schema("cust", "age", trib_schema_primitive(TRIB_INT32, true), "addr",
                                      addr, NULL);
    smt s = mk("[{\"rule_id\":\"zip\",\"rule_type\":\"regex\",\"column\":\"addr.zip\",\"parameters\":{\"pattern\":"
               "\"\\\\d{5}\"}},{\"rule_id\":\"age\",\"rule_type\":\"type\",\"column\":\"age\",\"parameters\":"
               "{\"expected\":\"int32\"}}]",
               "fail");
    for (int i = 0; i < 2; i++) {
        trib_value *a = trib_value_struct_new(addr);
        trib_value_struct_set_take(a, "zip", trib_value_string(i == 0 ? "12345" : "1234x"));
        trib_value *c = trib_value_struct_new(cust);
        trib_value_struct_set_take(c, "addr", a);
        trib_value_struct_set_take(c, "age", trib_value_int(TRIB_INT32, 40));
        trib_record *r = trib_record_new("t");
        trib_record_set_value_take(r, trib_schema_ref(cust), c);
        trib_error err;
        int rc = smt_apply(s, &r, &err);
        if (i == 0) is_int(rc, 0, "a nested struct field that matches passes (and the type rule sees INT32)");
        else {
            is_int(rc, -1, "a nested struct field that does not match fails");
            like(err.msg, "rule zip (regex) failed on addr.zip", "the error names the rule and the dotted path");
        }
        trib_record_destroy(r);
    }
    smt_free(s);
    trib_schema_unref(cust);

    /* schemaless: maps inside maps, and a struct field that is absent */
    s = mk("[{\"rule_id\":\"n\",\"rule_type\":\"not_null\",\"column\":\"a.b.c\"}]", "fail");
    is_int(run(s, "{\"a\":{\"b\":{\"c\":1}}}"), 1, "a nested map path finds its value");
    is_int(run(s, "{\"a\":{\"b\":{}}}"), 0, "a nested map path without its last field is null");
    is_int(run(s, "{\"a\":{\"b\":5}}"), 0, "a path through a non-map is null");
    smt_free(s);
    s = mk("[{\"rule_id\":\"n\",\"rule_type\":\"not_null\",\"column\":\"`a.b`\"}]", "fail");
    is_int(run(s, "{\"a.b\":1}"), 1, "backticks quote a field name with a dot");
    smt_free(s);

    /* the whole value, and the key variant */
    trib_error err;
    smt k = smt_new("Validate$Key",
                    props("rules", "[{\"rule_id\":\"k\",\"rule_type\":\"length\",\"parameters\":{\"min\":3}}]", NULL),
                    &err);
    trib_record *r = trib_record_new("t");
    trib_record_set_key_take(r, trib_schema_primitive(TRIB_STRING, false), trib_value_string("ab"));
    trib_record_set_value_take(r, NULL, trib_value_string("long enough value"));
    is_int(smt_apply(k, &r, &err), -1, "Validate$Key checks the whole key when column is empty");
    like(err.msg, "failed on the key", "the error says it was the key");
    trib_record_destroy(r);
    smt_free(k);
}

static const trib_header *hdr(const trib_transform_failure *f, const char *key) {
    for (size_t i = 0; f && i < f->nheaders; i++)
        if (strcmp(f->headers[i].key, key) == 0) return &f->headers[i];
    return NULL;
}

static void test_routes(void) {
    const char *rules = "[{\"rule_id\":\"email_format\",\"name\":\"Email Format Check\",\"rule_type\":\"email\","
                        "\"column\":\"email\",\"severity\":\"error\"},"
                        "{\"rule_id\":\"age_range\",\"name\":\"Age Range Check\",\"rule_type\":\"range\","
                        "\"column\":\"age\",\"parameters\":{\"min\":0,\"max\":120},\"severity\":\"warning\"},"
                        "{\"rule_id\":\"required_fields\",\"name\":\"Required Fields\",\"rule_type\":\"not_null\","
                        "\"column\":\"user_id\",\"severity\":\"error\"}]";
    /* dlq */
    smt s = mk(rules, "dlq");
    ok(s.plugin->needs_dlq(s.ctx), "on.failure=dlq asks the runtime for a DLQ producer");
    trib_record *r = rec_json("{\"user_id\":1,\"email\":\"not-an-address\",\"age\":30}");
    trib_error err;
    is_int(smt_apply(s, &r, &err), -1, "dlq: a record failing an error rule is an error for the runtime");
    ok(r != NULL, "dlq: the record is left as it came for the DLQ copy");
    is_int(r ? (int)r->nheaders : -1, 0, "dlq: the record itself is not modified");
    const trib_transform_failure *f = s.plugin->failure(s.ctx);
    is_int(f ? (int)f->route : -1, TRIB_ROUTE_DLQ, "dlq: the failure is routed to the DLQ");
    const trib_header *h = hdr(f, "__validate.rule.id");
    is_str(h ? (char *)h->value : "", "email_format", "dlq header __validate.rule.id names the rule");
    h = hdr(f, "__validate.field");
    is_str(h ? (char *)h->value : "", "email", "dlq header __validate.field names the field");
    h = hdr(f, "__validate.value");
    is_str(h ? (char *)h->value : "", "not-an-address", "dlq header __validate.value carries the value");
    h = hdr(f, "__validate.reason");
    is_str(h ? (char *)h->value : "", "is not an email address", "dlq header __validate.reason says why");
    h = hdr(f, "__validate.rule.name");
    is_str(h ? (char *)h->value : "", "Email Format Check", "dlq header __validate.rule.name has the rule's name");
    trib_record_destroy(r);

    /* a long value is cut in the header */
    char big[2200];
    strcpy(big, "{\"user_id\":1,\"age\":1,\"email\":\"");
    size_t at = strlen(big);
    for (int i = 0; i < 1000; i++) big[at++] = 'x';
    strcpy(big + at, "\"}");
    r = rec_json(big);
    smt_apply(s, &r, &err);
    h = hdr(s.plugin->failure(s.ctx), "__validate.value");
    is_int(h ? (int)h->len : -1, 256, "dlq header __validate.value is truncated to 256 bytes");
    trib_record_destroy(r);

    /* warning: passes with a header */
    r = rec_json("{\"user_id\":1,\"email\":\"a@example.org\",\"age\":130}");
    is_int(smt_apply(s, &r, &err), 0, "warning: a record failing only a warning rule passes");
    const trib_connect_header *w = r ? trib_record_header(r, "__validate.warning") : NULL;
    is_str(w && w->value ? w->value->u.str.data : "", "age_range", "warning: a __validate.warning header names the rule");
    trib_record_destroy(r);
    smt_free(s);

    /* drop */
    s = mk(rules, "drop");
    ok(!s.plugin->needs_dlq(s.ctx), "on.failure=drop needs no DLQ");
    is_int(run(s, "{\"email\":\"a@example.org\",\"age\":3}"), -2, "drop: a record without user_id is dropped");
    is_int(run(s, "{\"user_id\":2,\"email\":\"a@example.org\",\"age\":3}"), 1, "drop: a good record is kept");
    smt_free(s);

    /* fail */
    s = mk(rules, "fail");
    r = rec_json("{\"user_id\":null,\"email\":\"a@example.org\"}");
    is_int(smt_apply(s, &r, &err), -1, "fail: a failing record is an error");
    f = s.plugin->failure(s.ctx);
    is_int(f ? (int)f->route : -1, TRIB_ROUTE_FAIL, "fail: the runtime must fail the task");
    like(err.msg, "rule required_fields (not_null) failed on user_id: is null or missing",
         "fail: the error (the task's trace) names the rule, field and reason");
    trib_record_destroy(r);
    smt_free(s);
}

static void test_unique(void) {
    smt s = mk("[{\"rule_id\":\"u\",\"rule_type\":\"unique\",\"column\":\"id\"}]", "fail");
    s.plugin->batch_begin(s.ctx);
    is_int(run(s, "{\"id\":1}"), 1, "unique batch: a first value passes");
    is_int(run(s, "{\"id\":2}"), 1, "unique batch: another value passes");
    is_int(run(s, "{\"id\":1}"), 0, "unique batch: a repeat in the same batch fails");
    is_int(run(s, "{\"id\":\"1\"}"), 0, "unique batch: values compare by their text (1 and \"1\")");
    s.plugin->batch_begin(s.ctx);
    is_int(run(s, "{\"id\":1}"), 1, "unique batch: the next batch starts afresh");
    smt_free(s);

    s = mk("[{\"rule_id\":\"u\",\"rule_type\":\"unique\",\"column\":\"id\",\"parameters\":{\"scope\":\"window\","
           "\"window_ms\":1000}}]",
           "fail");
    int64_t ts[] = {10000, 10500, 11000, 11001};
    int want[] = {1, 0, 1, 0};
    const char *why[] = {"first occurrence passes", "a repeat 500 ms later fails", "at the window's end it passes again",
                         "and opens a new window"};
    for (int i = 0; i < 4; i++) {
        trib_record *r = rec_json("{\"id\":\"a\"}");
        r->timestamp = ts[i];
        s.plugin->batch_begin(s.ctx);  /* windows span batches */
        trib_error err;
        int rc = smt_apply(s, &r, &err);
        is_int(rc == 0, want[i], "unique window (record time): %s", why[i]);
        trib_record_destroy(r);
    }
    smt_free(s);

    /* long values are told apart by length, hash and first 64 bytes */
    s = mk("[{\"rule_id\":\"u\",\"rule_type\":\"unique\",\"column\":\"id\"}]", "fail");
    char a[300], b[300];
    snprintf(a, sizeof a, "{\"id\":\"%0200d\"}", 1);
    snprintf(b, sizeof b, "{\"id\":\"%0200d\"}", 2);
    is_int(run(s, a), 1, "unique: a long value passes");
    is_int(run(s, b), 1, "unique: another long value with the same first 64 bytes passes");
    is_int(run(s, a), 0, "unique: the long value repeated fails");
    smt_free(s);

    s = mk("[{\"rule_id\":\"u\",\"rule_type\":\"unique\",\"column\":\"id\",\"parameters\":{\"max_keys\":2}}]", "fail");
    run(s, "{\"id\":1}");
    run(s, "{\"id\":2}");
    run(s, "{\"id\":3}");
    is_int(run(s, "{\"id\":1}"), 1, "unique: beyond max_keys the oldest value is forgotten (bounded memory)");
    is_int(run(s, "{\"id\":3}"), 0, "unique: recent values are still remembered");
    smt_free(s);
}

static void test_props_form(void) {
    trib_error err;
    smt s = smt_new("Validate",
                    props("rules", "email_format, age_range", "rules.email_format.rule_type", "email",
                          "rules.email_format.column", "email", "rules.age_range.rule_type", "range",
                          "rules.age_range.column", "age", "rules.age_range.min", "0", "rules.age_range.max", "120",
                          "rules.age_range.severity", "warning", "on.failure", "drop", NULL),
                    &err);
    ok(s.ctx != NULL, "the properties form creates the same rules");
    is_int(run(s, "{\"email\":\"x@y.org\",\"age\":5}"), 1, "properties form: a good record passes");
    is_int(run(s, "{\"email\":\"x\",\"age\":5}"), -2, "properties form: an error rule drops");
    smt_free(s);
    s = smt_new("Validate",
                props("rules", "st", "rules.st.rule_type", "allowed_values", "rules.st.column", "s",
                      "rules.st.values", "new, paid", NULL),
                &err);
    is_int(run(s, "{\"s\":\"paid\"}"), 1, "properties form: values as a comma-separated list");
    smt_free(s);
}

static void expect_error(const char *rules, const char *needle, const char *what) {
    char *e = err_of(rules);
    like(e, needle, "%s", what);
    free(e);
}

static void expect_props_error(trib_props *p, const char *needle, const char *what) {
    char *e = create_error("Validate", p);
    like(e, needle, "%s", what);
    free(e);
}

static void test_config_errors(void) {
    expect_error("[{\"rule_id\":\"r1\",\"rule_type\":\"bogus\",\"column\":\"x\"}]",
                 "rule 'r1': Invalid value bogus for configuration rule_type", "an unknown rule_type names rule and key");
    expect_error("[{\"rule_id\":\"age\",\"rule_type\":\"range\",\"column\":\"x\"}]",
                 "rule 'age': range needs parameter min, max or both", "range without bounds");
    expect_error("[{\"rule_id\":\"age\",\"rule_type\":\"range\",\"column\":\"x\",\"parameters\":{\"min\":5,\"max\":1}}]",
                 "rule 'age': parameter min (5) is greater than max (1)", "range min > max");
    expect_error("[{\"rule_id\":\"age\",\"rule_type\":\"range\",\"parameters\":{\"min\":\"abc\"}}]",
                 "rule 'age': Invalid value abc for configuration min", "a non-numeric min names the parameter");
    expect_error("[{\"rule_id\":\"age\",\"rule_type\":\"range\",\"parameters\":{\"max\":\"inf\"}}]",
                 "rule 'age': Invalid value inf for configuration max", "an absurd number is refused");
    expect_error("[{\"rule_id\":\"age\",\"rule_type\":\"range\",\"parameters\":{\"min\":0,\"maxx\":1}}]",
                 "rule 'age': unknown parameter 'maxx'", "a misspelt parameter is refused");
    expect_error("[{\"rule_id\":\"e\",\"rule_type\":\"email\",\"parameters\":{\"pattern\":\"x\"}}]",
                 "rule 'e': parameter 'pattern' does not apply to rule_type email", "a parameter of another kind");
    expect_error("[{\"rule_id\":\"a\",\"rule_type\":\"email\"},{\"rule_id\":\"a\",\"rule_type\":\"email\"}]",
                 "rule_id 'a' is used twice", "duplicate rule ids");
    expect_error("[{\"rule_type\":\"email\"}]", "rules[0]: needs a rule_id", "a rule without rule_id");
    expect_error("[{\"rule_id\":\"a b\",\"rule_type\":\"email\"}]", "rules[0]: needs a rule_id", "a bad rule_id");
    expect_error("[{\"rule_id\":\"a\",\"rule_type\":\"email\",\"colum\":\"x\"}]", "rule 'a': unknown key 'colum'",
                 "an unknown key");
    expect_error("[{\"rule_id\":\"a\",\"rule_type\":\"email\"", "rules: invalid JSON", "broken JSON");
    expect_error("[]", "non-empty JSON array", "an empty array");
    expect_error("[{\"rule_id\":\"t\",\"rule_type\":\"type\",\"parameters\":{\"expected\":\"float128\"}}]",
                 "rule 't': Invalid value float128 for configuration expected", "an unknown type");
    expect_error("[{\"rule_id\":\"l\",\"rule_type\":\"length\",\"parameters\":{\"min\":1.5}}]",
                 "rule 'l': parameter min: a length is a whole number", "a fractional length");
    expect_error("[{\"rule_id\":\"c\",\"rule_type\":\"compare\",\"column\":\"a\",\"parameters\":{\"op\":\"<\"}}]",
                 "rule 'c': compare needs parameters op and other", "compare without other");
    expect_error("[{\"rule_id\":\"c\",\"rule_type\":\"compare\",\"column\":\"a\",\"parameters\":{\"op\":\"=~\","
                 "\"other\":\"b\"}}]",
                 "rule 'c': Invalid value =~ for configuration op", "an unknown operator");
    expect_error("[{\"rule_id\":\"u\",\"rule_type\":\"unique\",\"column\":\"a\",\"parameters\":{\"scope\":\"window\"}}]",
                 "rule 'u': unique with scope window needs parameter window_ms", "a window without window_ms");
    expect_error("[{\"rule_id\":\"u\",\"rule_type\":\"unique\",\"column\":\"a\",\"parameters\":{\"max_keys\":"
                 "99999999}}]",
                 "rule 'u': Invalid value 99999999 for configuration max_keys", "max_keys beyond the bound");
    expect_error("[{\"rule_id\":\"u1\",\"rule_type\":\"unique\",\"column\":\"a\",\"parameters\":{\"max_keys\":"
                 "600000}},{\"rule_id\":\"u2\",\"rule_type\":\"unique\",\"column\":\"b\",\"parameters\":{\"max_keys\":"
                 "600000}}]",
                 "rules: the unique rules' max_keys add up to 1200000, at most 1000000", "unique memory is bounded per transform");
    expect_error("[{\"rule_id\":\"v\",\"rule_type\":\"allowed_values\",\"parameters\":{\"values\":[{\"a\":1}]}}]",
                 "rule 'v': parameter values: item 0 is not", "an object among allowed values");
    expect_error("[{\"rule_id\":\"v\",\"rule_type\":\"allowed_values\",\"parameters\":{\"values\":[]}}]",
                 "rule 'v': parameter values: no values", "no allowed values");
    expect_error("[{\"rule_id\":\"p\",\"rule_type\":\"not_null\",\"column\":\"a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q\"}]",
                 "rule 'p': column: a path of at most 16", "a path too deep");

    /* hostile regexes: refused at create, never compiled */
    const char *hostile[] = {"(a+)+", "((a*)*){1,20}", "(a{1,64}){1,64}", "((a|b|c|d)?){1,250}",
                             "(x+x+)+y", "a{0,255}a{0,255}", NULL};
    for (int i = 0; hostile[i]; i++) {
        char rules[256];
        snprintf(rules, sizeof rules,
                 "[{\"rule_id\":\"rx\",\"rule_type\":\"regex\",\"column\":\"a\",\"parameters\":{\"pattern\":\"%s\"}}]",
                 hostile[i]);
        int64_t t0 = trib_mono_ms();
        expect_error(rules, "rule 'rx': parameter pattern: ", hostile[i]);
        ok(trib_mono_ms() - t0 < 1000, "refusing %s takes no time", hostile[i]);
    }
    expect_error("[{\"rule_id\":\"rx\",\"rule_type\":\"regex\",\"parameters\":{\"pattern\":\"(?=a)b\"}}]",
                 "rule 'rx': parameter pattern: lookahead", "a Java feature POSIX cannot run is refused");
    char *e = err_of("[{\"rule_id\":\"rx\",\"rule_type\":\"regex\",\"parameters\":{\"pattern\":\"(\\\\d{3}-){2}\\\\d{4}\"}}]");
    is_str(e, "", "an exact {n} around a quantified group is accepted (phone numbers)");
    free(e);
    e = err_of("[{\"rule_id\":\"rx\",\"rule_type\":\"regex\",\"parameters\":{\"pattern\":\"[a-z]+(-[a-z]+)?\"}}]");
    is_str(e, "", "an optional quantified group is accepted (slugs)");
    free(e);
    trib_strbuf q;
    trib_strbuf_init(&q);
    trib_strbuf_puts(&q, "[{\"rule_id\":\"rx\",\"rule_type\":\"regex\",\"parameters\":{\"pattern\":\"");
    for (int i = 0; i < 65; i++) trib_strbuf_puts(&q, "a?");
    trib_strbuf_puts(&q, "\"}}]");
    expect_error(q.data, "rule 'rx': parameter pattern: more than 64 quantifiers", "more than 64 quantifiers are refused");
    trib_strbuf_free(&q);

    /* huge counts */
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    trib_strbuf_putc(&sb, '[');
    for (int i = 0; i < 300; i++)
        trib_strbuf_printf(&sb, "%s{\"rule_id\":\"r%d\",\"rule_type\":\"not_null\",\"column\":\"a\"}", i ? "," : "", i);
    trib_strbuf_putc(&sb, ']');
    expect_error(sb.data, "rules: 300 rules, at most 256", "more than 256 rules are refused");
    trib_strbuf_free(&sb);

    /* the properties form */
    expect_props_error(props("rules", "a", "rules.a.rule_type", "range", "rules.a.min", "x", NULL),
                       "Invalid value x for configuration rules.a.min", "properties form: errors name the full key");
    expect_props_error(props("rules", "a", "rules.a.rule_type", "email", "rules.b.rule_type", "email", NULL),
                       "rules.b.rule_type: no such rule in rules", "properties form: a key of an unlisted rule");
    expect_props_error(props("rules", "a", NULL), "rule 'a': Missing required configuration \"rules.a.rule_type\"",
                       "properties form: a listed rule without rule_type");
    expect_props_error(props("rules", "[{\"rule_id\":\"a\",\"rule_type\":\"email\"}]", "rules.a.column", "x", NULL),
                       "rules.a.column: per-rule keys are not read when rules is a JSON array",
                       "mixing the two forms is refused");
    expect_props_error(props("rules", "[{\"rule_id\":\"a\",\"rule_type\":\"email\"}]", "on.failure", "retry", NULL),
                       "configuration on.failure", "an unknown on.failure");
}

static void test_regex_memo(void) {
    /* Short subjects' results are cached: repeats and slot collisions must
     * still give each subject its own answer. */
    smt s = mk("[{\"rule_id\":\"rx\",\"rule_type\":\"regex\",\"column\":\"x\",\"parameters\":{\"pattern\":"
               "\"v\\\\d*[02468]\"}}]",
               "fail");
    int wrong = 0;
    for (int round = 0; round < 3; round++)
        for (int i = 0; i < 300; i++) {
            char j[64];
            snprintf(j, sizeof j, "{\"x\":\"v%d\"}", i);
            wrong += run(s, j) != (i % 2 == 0);
        }
    is_int(wrong, 0, "regex results stay right over 900 checks of 300 subjects (cache repeats and collisions)");
    smt_free(s);
}

static void test_bounded_regex_work(void) {
    /* The worst pattern the guard accepts, on the longest subject it
     * matches: bounded work per record. */
    smt s = mk("[{\"rule_id\":\"rx\",\"rule_type\":\"regex\",\"column\":\"x\",\"parameters\":{\"pattern\":"
               "\"[a-z]{0,63}[a-z]{0,63}[a-z]{0,63}[a-z]{0,63}\"}}]",
               "fail");
    char *j = trib_xmalloc(4200);
    strcpy(j, "{\"x\":\"");
    memset(j + 6, 'a', 4090);
    strcpy(j + 4096, "!\"}");
    int64_t t0 = trib_mono_ms();
    is_int(run(s, j), 0, "the worst accepted regex on a 4 KiB subject fails");
    int64_t took = trib_mono_ms() - t0;
    ok(took < 2000, "and takes bounded time (%lld ms)", (long long)took);
    memset(j + 6, 'a', 4100);
    strcpy(j + 4106, "\"}");
    is_int(run(s, j), 0, "a subject over 4096 bytes fails the rule without being matched");
    free(j);
    smt_free(s);
}

typedef struct seen_row {
    int rows;
    uint64_t passed, failed, dlq, warned;
} seen_row;

static void collect(const trib_quality_transform_row *row, void *opaque) {
    seen_row *s = opaque;
    s->rows++;
    s->dlq += row->outcomes[TRIB_QUALITY_DLQ];
    s->warned += row->outcomes[TRIB_QUALITY_WARNED];
    for (size_t i = 0; i < row->nrules; i++)
        if (strcmp(row->rules[i].rule_id, "email_format") == 0) {
            s->passed += row->rules[i].passed;
            s->failed += row->rules[i].failed;
        }
}

static void test_counters_and_chain(void) {
    const char *rules = "[{\"rule_id\":\"email_format\",\"rule_type\":\"email\",\"column\":\"email\"},"
                        "{\"rule_id\":\"age\",\"rule_type\":\"range\",\"column\":\"age\",\"severity\":\"warning\","
                        "\"parameters\":{\"max\":120}}]";
    trib_props *cfg = props("name", "quality-test", "transforms", "v", "transforms.v.type",
                            "io.tributary.connect.transforms.Validate$Value", "transforms.v.rules", rules,
                            "transforms.v.on.failure", "dlq", NULL);
    trib_error err;
    trib_transform_chain *c = trib_transform_chain_new(cfg, &err);
    ok(c == NULL, "on.failure=dlq without a DLQ topic is refused when the chain is built");
    like(err.msg, "errors.deadletterqueue.topic.name", "the error names the missing DLQ key");
    trib_config_report *rep = trib_config_report_new();
    trib_transform_chain_validate(cfg, rep);
    ok(trib_config_report_error_count(rep) > 0, "and config validation reports it too");
    trib_config_report_destroy(rep);
    trib_props_set(cfg, "errors.deadletterqueue.topic.name", "dlq");

    /* two task chains of one connector: counters are summed */
    trib_transform_chain *c1 = trib_transform_chain_new(cfg, &err);
    trib_transform_chain *c2 = trib_transform_chain_new(cfg, &err);
    ok(c1 && c2, "two task chains build");
    ok(trib_transform_chain_needs_dlq(c1), "the chain reports it needs the DLQ producer");
    const char *recs[] = {"{\"email\":\"a@b.org\",\"age\":1}", "{\"email\":\"bad\",\"age\":1}",
                          "{\"email\":\"c@d.org\",\"age\":200}"};
    for (int i = 0; i < 3; i++) {
        trib_record *r = rec_json(recs[i]);
        int rc = trib_transform_chain_apply(i == 2 ? c2 : c1, &r, &err);
        if (i == 1) {
            const trib_transform_failure *f = trib_transform_chain_failure(c1);
            ok(rc < 0 && f && f->route == TRIB_ROUTE_DLQ, "the chain hands the failing transform's routing on");
            like(err.msg, "transform v (Validate$Value): rule email_format", "the chain names the transform");
        }
        trib_record_destroy(r);
    }
    seen_row s = {0};
    trib_quality_visit("quality-test", collect, &s);
    is_int(s.rows, 1, "one row per (connector, transform)");
    is_int((int)s.passed, 2, "passes are summed over the tasks");
    is_int((int)s.failed, 1, "failures are summed over the tasks");
    is_int((int)s.dlq, 1, "records routed to the DLQ are counted");
    is_int((int)s.warned, 1, "records passed with a warning are counted");
    trib_transform_chain_destroy(c1);
    memset(&s, 0, sizeof s);
    trib_quality_visit("quality-test", collect, &s);
    is_int((int)s.passed, 2, "a stopped task's counts are kept");
    json_t *j = trib_quality_connector_json("quality-test");
    json_t *rule0 = json_array_get(json_object_get(json_array_get(json_object_get(j, "transforms"), 0), "rules"), 0);
    is_str(json_string_value(json_object_get(rule0, "rule_id")), "email_format", "the JSON lists the rules in order");
    is_int((int)json_integer_value(json_object_get(rule0, "failed")), 1, "the JSON carries the counters");
    json_decref(j);
    j = trib_quality_connector_json("no-such-connector");
    is_int((int)json_array_size(json_object_get(j, "transforms")), 0, "a connector without Validate has no rows");
    json_decref(j);
    trib_transform_chain_destroy(c2);
    trib_props_destroy(cfg);

    /* validating a config registers nothing */
    cfg = props("name", "validated-only", "transforms", "v", "transforms.v.type", "Validate", "transforms.v.rules",
                rules, NULL);
    rep = trib_config_report_new();
    trib_transform_chain_validate(cfg, rep);
    is_int(trib_config_report_error_count(rep), 0, "a good Validate config validates");
    trib_config_report_destroy(rep);
    is_int((int)trib_quality_visit("validated-only", collect, &s), 0, "validation leaves no counters behind");
    trib_props_destroy(cfg);
}

int main(void) {
    trib_props *p = trib_props_new();
    trib_props_set(p, "schemas.enable", "false");
    json_conv = trib_converter_new("org.apache.kafka.connect.json.JsonConverter", p, false, NULL);
    trib_props_destroy(p);
    test_kinds();
    test_paths();
    test_routes();
    test_unique();
    test_props_form();
    test_config_errors();
    test_regex_memo();
    test_bounded_regex_work();
    test_counters_and_chain();
    trib_converter_destroy(json_conv);
    done_testing();
    return exit_status();
}
