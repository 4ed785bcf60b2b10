/*
 * test_transform_chain.c: the "transforms"/"predicates" connector config:
 * building (errors name the offending key), order of application,
 * predicates with negate, Filter dropping records, failure semantics of
 * apply, the validation report, and the registry.
 */
#include "tests/unit/test_transform_util.h"

static char *chain_error(trib_props *cfg) {
    trib_error err;
    trib_transform_chain *c = trib_transform_chain_new(cfg, &err);
    trib_props_destroy(cfg);
    if (c) {
        trib_transform_chain_destroy(c);
        return trib_xstrdup("");
    }
    return trib_xstrdup(err.msg);
}

/* The errors the report holds for key, joined with " | " ("" if none). */
static char *report_errors(json_t *rep, const char *key) {
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    size_t i;
    json_t *ci;
    json_array_foreach(json_object_get(rep, "configs"), i, ci) {
        json_t *v = json_object_get(ci, "value");
        if (strcmp(json_string_value(json_object_get(v, "name")), key) != 0) continue;
        size_t k;
        json_t *e;
        json_array_foreach(json_object_get(v, "errors"), k, e) {
            if (sb.len) trib_strbuf_puts(&sb, " | ");
            trib_strbuf_puts(&sb, json_string_value(e));
        }
        if (!sb.len) trib_strbuf_puts(&sb, "(present, no errors)");
    }
    return trib_strbuf_take(&sb);
}

static void test_registry(void) {
    size_t n = 0;
    for (const trib_transform_plugin *const *p = trib_transforms_all(); *p; p++) n++;
    is_int(n, 29, "29 transforms are registered (Key and Value variants counted apart)");
    n = 0;
    for (const trib_predicate_plugin *const *p = trib_predicates_all(); *p; p++) n++;
    is_int(n, 3, "3 predicates are registered");
    ok(trib_transform_find("org.apache.kafka.connect.transforms.Filter") == trib_transform_find("Filter"),
       "Filter by class and alias");
    ok(trib_transform_find("InsertField") == NULL, "the abstract InsertField is not a transform");
    ok(trib_predicate_find("RecordIsTombstone") != NULL, "RecordIsTombstone by alias");
    for (const trib_transform_plugin *const *p = trib_transforms_all(); *p; p++)
        if (!(*p)->config || !(*p)->doc ||
            !(trib_str_startswith((*p)->class_name, "org.apache.kafka.connect.transforms.") ||
              trib_str_startswith((*p)->class_name, "io.tributary.connect.transforms.")))
            ok(0, "%s is fully described", (*p)->alias);
}

static void test_order_and_empty(void) {
    trib_error err;
    trib_props *cfg = props("name", "c", NULL);
    trib_transform_chain *c = trib_transform_chain_new(cfg, &err);
    trib_props_destroy(cfg);
    ok(c != NULL && trib_transform_chain_len(c) == 0, "no 'transforms' gives an empty chain");
    trib_record *r = trib_record_new("t");
    is_int(trib_transform_chain_apply(c, &r, &err), 0, "an empty chain applies");
    is_str(r->topic, "t", "... and changes nothing");
    trib_record_destroy(r);
    trib_transform_chain_destroy(c);

    cfg = props("transforms", "first, second", "transforms.first.type", "RegexRouter", "transforms.first.regex", "(.*)",
                "transforms.first.replacement", "$1-a", "transforms.second.type",
                "org.apache.kafka.connect.transforms.RegexRouter", "transforms.second.regex", "(.*)",
                "transforms.second.replacement", "$1-b", NULL);
    c = trib_transform_chain_new(cfg, &err);
    trib_props_destroy(cfg);
    ok(c && trib_transform_chain_len(c) == 2, "two transforms are built");
    r = trib_record_new("t");
    trib_transform_chain_apply(c, &r, &err);
    is_str(r->topic, "t-a-b", "transforms run in the listed order");
    trib_record_destroy(r);
    trib_transform_chain_destroy(c);
}

static void test_predicates(void) {
    trib_error err;
    trib_props *base = props("transforms", "dropTombstones,tag", "transforms.dropTombstones.type", "Filter",
                             "transforms.dropTombstones.predicate", "isTombstone", "transforms.tag.type",
                             "InsertField$Value", "transforms.tag.static.field", "tagged", "transforms.tag.static.value",
                             "yes", "transforms.tag.predicate", "fromOrders", "predicates", "isTombstone,fromOrders",
                             "predicates.isTombstone.type",
                             "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",
                             "predicates.fromOrders.type", "TopicNameMatches", "predicates.fromOrders.pattern",
                             "orders.*", NULL);
    trib_transform_chain *c = trib_transform_chain_new(base, &err);
    ok(c != NULL, "a chain with predicates builds");

    trib_record *r = trib_record_new("orders");
    is_int(trib_transform_chain_apply(c, &r, &err), 0, "a tombstone goes through the chain without error");
    ok(r == NULL, "Filter with RecordIsTombstone drops the tombstone");

    r = trib_record_new("orders-eu");
    trib_record_set_value_take(r, NULL, map_of("a", trib_value_int(TRIB_INT64, 1), NULL));
    trib_transform_chain_apply(c, &r, &err);
    ok(r != NULL, "a record with a value is kept");
    is_str(str_of(map_get(r->value, "tagged", NULL)), "yes", "the TopicNameMatches predicate applied the tag");
    trib_record_destroy(r);

    r = trib_record_new("payments");
    trib_record_set_value_take(r, NULL, map_of("a", trib_value_int(TRIB_INT64, 1), NULL));
    trib_transform_chain_apply(c, &r, &err);
    ok(map_get(r->value, "tagged", NULL) == NULL, "another topic is not tagged");
    trib_record_destroy(r);
    trib_transform_chain_destroy(c);

    /* negate=true inverts: keep only tombstones, tag everything but orders. */
    trib_props *neg = trib_props_clone(base);
    trib_props_set(neg, "transforms.dropTombstones.negate", "true");
    trib_props_set(neg, "transforms.tag.negate", "TRUE");
    c = trib_transform_chain_new(neg, &err);
    ok(c != NULL, "negate=true builds");
    r = trib_record_new("orders");
    trib_transform_chain_apply(c, &r, &err);
    ok(r != NULL, "negated: the tombstone is kept");
    trib_record_destroy(r);
    r = trib_record_new("payments");
    trib_record_set_value_take(r, NULL, map_of("a", trib_value_int(TRIB_INT64, 1), NULL));
    trib_transform_chain_apply(c, &r, &err);
    ok(r == NULL, "negated: a record with a value is dropped before the next transform");
    trib_transform_chain_destroy(c);
    trib_props_destroy(neg);

    /* HasHeaderKey */
    trib_props *hk = props("transforms", "f", "transforms.f.type", "Filter", "transforms.f.predicate", "h",
                           "predicates", "h", "predicates.h.type", "HasHeaderKey", "predicates.h.name", "skip", NULL);
    c = trib_transform_chain_new(hk, &err);
    trib_props_destroy(hk);
    r = trib_record_new("t");
    trib_record_add_header_string(r, "other", "1");
    trib_transform_chain_apply(c, &r, &err);
    ok(r != NULL, "HasHeaderKey: a record without the header is kept");
    trib_record_add_header_string(r, "skip", NULL);
    trib_transform_chain_apply(c, &r, &err);
    ok(r == NULL, "HasHeaderKey: a record with the header (even null-valued) is dropped");
    trib_transform_chain_destroy(c);
    trib_props_destroy(base);
}

static void test_apply_failure(void) {
    trib_error err;
    trib_props *cfg = props("transforms", "route,mask", "transforms.route.type", "RegexRouter", "transforms.route.regex",
                            "(.*)", "transforms.route.replacement", "new-$1", "transforms.mask.type", "MaskField$Value",
                            "transforms.mask.fields", "flag", "transforms.mask.replacement", "x", NULL);
    trib_transform_chain *c = trib_transform_chain_new(cfg, &err);
    trib_props_destroy(cfg);
    trib_record *r = trib_record_new("t");
    trib_record_set_value_take(r, NULL, map_of("flag", trib_value_bool(true), NULL));
    is_int(trib_transform_chain_apply(c, &r, &err), -1, "a failing transform fails the chain");
    is_int(err.code, TRIB_ERR_INVALID, "... with INVALID (errors.tolerance decides)");
    like(err.msg, "transform mask (MaskField$Value): Cannot mask value of type class java.lang.Boolean",
         "... naming the transform");
    ok(r != NULL && strcmp(r->topic, "new-t") == 0, "*rec is the record as the failing transform got it");
    ok(map_get(r->value, "flag", NULL)->u.b, "... unmasked");
    trib_record_destroy(r);
    trib_transform_chain_destroy(c);
}

static void test_build_errors(void) {
    char *e;
    e = chain_error(props("transforms", "x", "transforms.x.type", "Foo", NULL));
    is_str(e, "Invalid value Foo for configuration transforms.x.type: Class Foo could not be found.",
           "an unknown class is Connect's error naming the key");
    free(e);
    e = chain_error(props("transforms", "x", NULL));
    is_str(e, "Missing required configuration \"transforms.x.type\" which has no default value.",
           "a missing type names the key");
    free(e);
    e = chain_error(props("transforms", "a,b,a", "transforms.a.type", "Filter", "transforms.b.type", "Filter", NULL));
    is_str(e, "Invalid value a,b,a for configuration transforms: Duplicate alias provided.", "duplicate aliases");
    free(e);
    e = chain_error(props("transforms", "x", "transforms.x.type", "Filter", "transforms.x.negate", "true", NULL));
    is_str(e, "Config 'transforms.x.negate' was provided but there is no config 'transforms.x.predicate' defining a "
              "predicate to be negated.",
           "negate without predicate");
    free(e);
    e = chain_error(props("transforms", "x", "transforms.x.type", "Filter", "transforms.x.predicate", "p", NULL));
    like(e, "Invalid value p for configuration transforms.x.predicate: The predicate alias 'p' is not defined",
         "a predicate that is not listed");
    free(e);
    e = chain_error(props("transforms", "x", "transforms.x.type", "Filter", "transforms.x.predicate", "p",
                          "transforms.x.negate", "perhaps", "predicates", "p", "predicates.p.type", "RecordIsTombstone", NULL));
    like(e, "Invalid value perhaps for configuration transforms.x.negate", "a bad negate names the key");
    free(e);
    e = chain_error(props("transforms", "r", "transforms.r.type", "RegexRouter", "transforms.r.regex", "a++",
                          "transforms.r.replacement", "b", NULL));
    like(e, "Invalid value a++ for configuration transforms.r.regex: Invalid regex: a possessive quantifier",
         "a plugin's own config error names the full key");
    free(e);
    e = chain_error(props("transforms", "ins", "transforms.ins.type", "InsertField$Value", NULL));
    is_str(e, "transforms.ins: No field insertion configured", "a cross-field error names the transform");
    free(e);
    e = chain_error(props("transforms", "x", "transforms.x.type", "HasHeaderKey", NULL));
    is_str(e, "Invalid value HasHeaderKey for configuration transforms.x.type: Not a Transformation",
           "a predicate class is not a transformation");
    free(e);
    e = chain_error(props("predicates", "p", "predicates.p.type", "Nope", NULL));
    is_str(e, "Invalid value Nope for configuration predicates.p.type: Class Nope could not be found.",
           "listed predicates are checked even when unused");
    free(e);
    e = chain_error(props("predicates", "p", "predicates.p.type", "HasHeaderKey", NULL));
    like(e, "Missing required configuration \"predicates.p.name\"", "a predicate's own config names the full key");
    free(e);
    e = chain_error(props("transforms", " x ", "transforms.x.type", " Filter ", NULL));
    is_str(e, "", "aliases and class names are trimmed");
    free(e);
}

static void test_validate(void) {
    trib_props *cfg = props("transforms", "r,bad,ins", "transforms.r.type", "RegexRouter", "transforms.r.regex",
                            "(.*)", "transforms.r.replacement", "x-$1", "transforms.bad.type", "Nope",
                            "transforms.ins.type", "InsertField$Value", "transforms.ins.negate", "true", "predicates", "p",
                            "predicates.p.type", "TopicNameMatches", NULL);
    trib_config_report *rep = trib_config_report_new();
    trib_transform_chain_validate(cfg, rep);
    json_t *j = trib_config_report_to_json(rep, "x");
    char *e;
    e = report_errors(j, "transforms.r.regex"); is_str(e, "(present, no errors)", "valid plugin rows are reported"); free(e);
    e = report_errors(j, "transforms.r.predicate"); is_str(e, "(present, no errors)", "implicit predicate row is reported"); free(e);
    e = report_errors(j, "transforms.bad.type");
    is_str(e, "Invalid value Nope for configuration transforms.bad.type: Class Nope could not be found.",
           "an unknown class is reported on its type key");
    free(e);
    e = report_errors(j, "transforms.ins.negate");
    like(e, "Config 'transforms.ins.negate' was provided but there is no config 'transforms.ins.predicate'",
         "negate without predicate is reported on the negate key");
    free(e);
    e = report_errors(j, "transforms.ins.type");
    is_str(e, "transforms.ins: No field insertion configured", "cross-field checks are reported on the type key");
    free(e);
    e = report_errors(j, "predicates.p.pattern");
    like(e, "Missing required configuration \"predicates.p.pattern\"", "predicate rows are validated");
    free(e);
    is_int(trib_config_report_error_count(rep), 4, "every error is collected");
    json_decref(j);
    trib_config_report_destroy(rep);
    trib_props_destroy(cfg);

    cfg = props("transforms", "r", "transforms.r.type", "RegexRouter", "transforms.r.regex", "(.*)",
                "transforms.r.replacement", "x-$1", NULL);
    rep = trib_config_report_new();
    trib_transform_chain_validate(cfg, rep);
    is_int(trib_config_report_error_count(rep), 0, "a valid chain validates without errors");
    trib_config_report_destroy(rep);
    trib_props_destroy(cfg);
}

int main(void) {
    test_registry();
    test_order_and_empty();
    test_predicates();
    test_apply_failure();
    test_build_errors();
    test_validate();
    done_testing();
    return exit_status();
}
