/*
 * regex_router.c: RegexRouter. When the whole topic matches "regex"
 * (Matcher.matches()), the topic becomes "replacement" with $n group
 * references expanded (Matcher.replaceFirst); otherwise the record is left
 * alone. Java regex syntax runs on POSIX regcomp via java_regex.c, which
 * refuses at config time the Java features POSIX cannot express (see
 * java_regex.h), and the replacement's group references are checked at
 * config time too (Connect only finds "No group 2" per record).
 */
#include "transforms/java_regex.h"
#include "transforms/plugins.h"
#include "transforms/smt.h"

#include "common/log.h"
#include "common/util.h"

#include <stdlib.h>

static int validate_regex(const trib_config_def *def, const char *value, trib_error *err) {
    (void)def;
    trib_jregex *re = trib_jregex_compile(value, err);
    if (!re) return trib_error_prefix(err, "Invalid regex");
    trib_jregex_free(re);
    return 0;
}

static const trib_config_def regex_router_config[] = {
    {.name = "regex", .type = TRIB_CFG_STRING, .importance = TRIB_IMP_HIGH, .validate = validate_regex,
     .doc = "Regular expression to use for matching."},
    {.name = "replacement", .type = TRIB_CFG_STRING, .importance = TRIB_IMP_HIGH, .doc = "Replacement string."},
    TRIB_CONFIG_END,
};

typedef struct regex_router {
    trib_jregex *re;
    char *replacement;
} regex_router;

static void regex_router_destroy(void *vctx) {
    regex_router *c = vctx;
    if (!c) return;
    trib_jregex_free(c->re);
    free(c->replacement);
    free(c);
}

static int regex_router_create(const trib_props *props, void **out, trib_error *err) {
    trib_config *cfg = trib_config_bind(regex_router_config, props, "", err);
    if (!cfg) return -1;
    regex_router *c = trib_xcalloc(1, sizeof *c);
    const char *regex = trib_config_string(cfg, "regex");
    c->replacement = trib_xstrdup(trib_config_string(cfg, "replacement"));
    int rc = 0;
    c->re = trib_jregex_compile(regex, err);
    if (!c->re)
        rc = trib_error_prefix(err, "Invalid value %s for configuration regex: Invalid regex", regex);
    else if (trib_jregex_check_replacement(c->re, c->replacement, err) < 0)
        rc = trib_error_prefix(err, "Invalid value %s for configuration replacement", c->replacement);
    trib_config_destroy(cfg);
    if (rc < 0) {
        regex_router_destroy(c);
        return -1;
    }
    *out = c;
    return 0;
}

static int regex_router_apply(void *vctx, trib_record **recp, trib_error *err) {
    (void)err;
    regex_router *c = vctx;
    trib_record *r = *recp;
    if (!r->topic) return 0;
    char *topic = trib_jregex_replace_full(c->re, r->topic, c->replacement);
    if (!topic) {
        TRIB_DEBUG("transforms", "RegexRouter: not rerouting topic '%s' as it does not match the configured regex", r->topic);
        return 0;
    }
    TRIB_DEBUG("transforms", "RegexRouter: rerouting from topic '%s' to new topic '%s'", r->topic, topic);
    trib_record_set_topic(r, topic);
    free(topic);
    return 0;
}

const trib_transform_plugin trib_smt_regex_router = {
    .class_name = "org.apache.kafka.connect.transforms.RegexRouter",
    .alias = "RegexRouter",
    .doc = "Update the record topic using the configured regular expression and replacement string. Under the hood, "
           "the regex is compiled to a java.util.regex.Pattern. If the pattern matches the input topic, "
           "java.util.regex.Matcher#replaceFirst() is used with the replacement string to obtain the new topic.",
    .config = regex_router_config,
    .create = regex_router_create,
    .apply = regex_router_apply,
    .destroy = regex_router_destroy,
};
