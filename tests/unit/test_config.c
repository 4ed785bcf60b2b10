/* test_config.c: the config-definition engine (config/config.h): parsing of
 * every type, every built-in validator and its Connect wording, collection
 * of all errors, the ConfigInfos/ConfigKeyInfo JSON shapes, binding and
 * getters, markdown description and redaction. */
#include "config/config.h"
#include "common/util.h"
#include "tests/tap.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const modes[] = {"fast", "safe", NULL};
static const char *const colors[] = {"red", "green", NULL};

static int must_be_even(const trib_config_def *def, const char *value, trib_error *err) {
    (void)def;
    int64_t v;
    if (trib_parse_int64(value, &v) == 0 && v % 2 == 0) return 0;
    return trib_error_set(err, TRIB_ERR_INVALID, "Value must be even");
}

static const trib_config_def defs[] = {
    {.name = "file", .type = TRIB_CFG_STRING, .importance = TRIB_IMP_HIGH, .doc = "File to read.", .group = "Common"},
    {.name = "tasks.max", .type = TRIB_CFG_INT, .default_value = "1", .has_min = true, .min = 1,
     .importance = TRIB_IMP_HIGH, .doc = "Maximum number of tasks.", .group = "Common", .display_name = "Tasks max"},
    {.name = "batch.size", .type = TRIB_CFG_INT, .default_value = "100", .has_min = true, .min = 1,
     .has_max = true, .max = 1000, .importance = TRIB_IMP_LOW, .doc = "Records per batch | pipe.", .group = "Common"},
    {.name = "offset", .type = TRIB_CFG_LONG, .default_value = "0", .importance = TRIB_IMP_LOW, .doc = "Start offset.",
     .group = "Advanced"},
    {.name = "ratio", .type = TRIB_CFG_DOUBLE, .default_value = "0.5", .has_min = true, .min = 0, .has_max = true,
     .max = 1, .importance = TRIB_IMP_LOW, .doc = "A ratio.", .group = "Advanced"},
    {.name = "enabled", .type = TRIB_CFG_BOOLEAN, .default_value = "true", .importance = TRIB_IMP_MEDIUM,
     .doc = "On or off.", .group = "Advanced"},
    {.name = "topics", .type = TRIB_CFG_LIST, .default_value = "", .importance = TRIB_IMP_HIGH, .doc = "Topics."},
    {.name = "mode", .type = TRIB_CFG_STRING, .default_value = "fast", .one_of = modes, .importance = TRIB_IMP_MEDIUM,
     .doc = "Mode.", .group = "Advanced"},
    {.name = "colors", .type = TRIB_CFG_LIST, .default_value = "red", .one_of = colors, .importance = TRIB_IMP_LOW,
     .doc = "Colors."},
    {.name = "label", .type = TRIB_CFG_STRING, .optional = true, .non_empty = true, .importance = TRIB_IMP_LOW,
     .doc = "Optional label."},
    {.name = "hosts", .type = TRIB_CFG_LIST, .default_value = "a", .non_empty = true, .importance = TRIB_IMP_LOW,
     .doc = "Hosts."},
    {.name = "even", .type = TRIB_CFG_INT, .default_value = "2", .validate = must_be_even,
     .importance = TRIB_IMP_LOW, .doc = "An even number."},
    {.name = "db.password", .type = TRIB_CFG_PASSWORD, .default_value = "", .importance = TRIB_IMP_HIGH,
     .doc = "Database password.", .group = "Connection"},
    {.name = "api.key", .type = TRIB_CFG_STRING, .optional = true, .sensitive = true, .has_min = false,
     .non_empty = true, .importance = TRIB_IMP_HIGH, .doc = "API key.", .group = "Connection"},
    {.name = "converter", .type = TRIB_CFG_CLASS, .optional = true, .importance = TRIB_IMP_LOW, .doc = "A class."},
    TRIB_CONFIG_END,
};

static trib_props *props_of(const char *const *kv) {
    trib_props *p = trib_props_new();
    for (; kv[0]; kv += 2) trib_props_set(p, kv[0], kv[1]);
    return p;
}

/* The single error a one-key props map produces, or NULL. */
static char *error_for(const char *key, const char *value) {
    const char *kv[] = {"file", "f", key, value, NULL};
    trib_props *p = props_of(kv);
    trib_error err;
    trib_error_clear(&err);
    trib_config *c = trib_config_bind(defs, p, "", &err);
    trib_props_destroy(p);
    if (c) {
        trib_config_destroy(c);
        return NULL;
    }
    return trib_xstrdup(err.msg);
}

#define IS_ERROR(key, value, want, name) do {                  \
        char *got_ = error_for(key, value);                     \
        is_str(got_, want, name);                               \
        free(got_);                                             \
    } while (0)

static void test_type_errors(void) {
    IS_ERROR("tasks.max", "abc", "Invalid value abc for configuration tasks.max: Not a number of type INT",
             "INT: junk is not a number of type INT");
    IS_ERROR("tasks.max", "0", "Invalid value 0 for configuration tasks.max: Value must be at least 1",
             "INT below the minimum");
    IS_ERROR("batch.size", "1001", "Invalid value 1001 for configuration batch.size: Value must be no more than 1000",
             "INT above the maximum");
    IS_ERROR("tasks.max", "2147483648", "Invalid value 2147483648 for configuration tasks.max: Not a number of type INT",
             "INT is checked as 32-bit (INT32_MAX + 1)");
    IS_ERROR("tasks.max", "-2147483649", "Invalid value -2147483649 for configuration tasks.max: Not a number of type INT",
             "INT is checked as 32-bit (INT32_MIN - 1)");
    IS_ERROR("tasks.max", "1.5", "Invalid value 1.5 for configuration tasks.max: Not a number of type INT",
             "INT: a decimal is not an INT");
    IS_ERROR("tasks.max", "", "Invalid value  for configuration tasks.max: Not a number of type INT",
             "INT: an empty value is not an INT");
    IS_ERROR("offset", "9223372036854775808", "Invalid value 9223372036854775808 for configuration offset: Not a number of type LONG",
             "LONG overflow is not a LONG");
    IS_ERROR("ratio", "half", "Invalid value half for configuration ratio: Not a number of type DOUBLE",
             "DOUBLE: junk is not a number of type DOUBLE");
    IS_ERROR("ratio", "1.5", "Invalid value 1.5 for configuration ratio: Value must be no more than 1.0",
             "DOUBLE above the maximum, bound printed as Java prints a double");
    IS_ERROR("ratio", "-0.25", "Invalid value -0.25 for configuration ratio: Value must be at least 0.0",
             "DOUBLE below the minimum");
    IS_ERROR("enabled", "yes", "Invalid value yes for configuration enabled: Expected value to be either true or false",
             "BOOLEAN: yes is refused with Connect's text");
    IS_ERROR("mode", "slow", "Invalid value slow for configuration mode: String must be one of: fast, safe",
             "one_of: Connect's ValidString text");
    IS_ERROR("colors", "red, blue", "Invalid value blue for configuration colors: String must be one of: red, green",
             "one_of on a LIST names the bad item, as Connect's ValidList");
    IS_ERROR("label", "   ", "Invalid value  for configuration label: String must be non-empty",
             "non_empty STRING: blank is empty after trimming");
    IS_ERROR("hosts", " , ", "Invalid value  for configuration hosts: List must be non-empty",
             "non_empty LIST: no items");
    IS_ERROR("even", "3", "Invalid value 3 for configuration even: Value must be even",
             "a custom validator's message gets Connect's prefix");
    IS_ERROR("even", "x", "Invalid value x for configuration even: Not a number of type INT",
             "a custom validator is not run on an unparseable value");
    IS_ERROR("api.key", "", "Invalid value [hidden] for configuration api.key: String must be non-empty",
             "a sensitive value is hidden in its error");

    trib_props *p = trib_props_new();
    trib_error err;
    trib_error_clear(&err);
    ok(trib_config_bind(defs, p, "", &err) == NULL, "a missing required key refuses to bind");
    is_str(err.msg, "Missing required configuration \"file\" which has no default value.",
           "missing required key: Connect's text");
    is_int(err.code, TRIB_ERR_INVALID, "binding errors are INVALID");
    trib_props_destroy(p);
}

static void test_all_errors_collected(void) {
    const char *kv[] = {"tasks.max", "abc", "enabled", "maybe", "mode", "slow", NULL};
    trib_props *p = props_of(kv);
    trib_error err;
    trib_error_clear(&err);
    ok(trib_config_bind(defs, p, "", &err) == NULL, "several bad keys refuse to bind");
    like(err.msg, "4 configuration errors: ", "the message counts every error");
    like(err.msg, "Missing required configuration \"file\"", "it names the missing key");
    like(err.msg, "configuration tasks.max: Not a number of type INT", "it names tasks.max");
    like(err.msg, "configuration enabled: Expected value", "it names enabled");
    like(err.msg, "configuration mode: String must be one of", "it names mode");

    trib_config_report *r = trib_config_report_new();
    trib_config_report_add(r, defs, p, "");
    is_int(trib_config_report_error_count(r), 5, "the report counts every error, Connect's null check too");
    char *sum = trib_config_report_summary(r);
    is_str(sum,
           "Connector configuration is invalid and contains the following 5 error(s):\n"
           "Missing required configuration \"file\" which has no default value.\n"
           "Invalid value abc for configuration tasks.max: Not a number of type INT\n"
           "Invalid value null for configuration tasks.max: Value must be non-null\n"
           "Invalid value maybe for configuration enabled: Expected value to be either true or false\n"
           "Invalid value slow for configuration mode: String must be one of: fast, safe\n"
           "You can also find the above list of errors at the endpoint "
           "`/connector-plugins/{connectorType}/config/validate`",
           "the summary is Connect's 400 text, one error per line");
    free(sum);
    trib_config_report_destroy(r);
    trib_props_destroy(p);
}

static void test_bind_and_getters(void) {
    const char *kv[] = {"file", "  /tmp/in.txt  ", "tasks.max", " 7 ", "offset", "-9223372036854775808",
                        "ratio", "0.25", "enabled", "FaLsE", "topics", " a , b ,, c ", "mode", "SAFE",
                        "colors", "GREEN,red", "db.password", "s3cret", "api.key", "k", "converter",
                        " org.example.Conv ", "unrelated.key", "ignored", NULL};
    trib_props *p = props_of(kv);
    trib_error err;
    trib_error_clear(&err);
    trib_config *c = trib_config_bind(defs, p, "", &err);
    trib_props_destroy(p); /* the config must not borrow from props */
    ok(c != NULL, "a valid config binds (unknown keys are not errors)");
    if (!c) {
        diag("bind: %s", err.msg);
        return;
    }
    is_str(trib_config_string(c, "file"), "/tmp/in.txt", "STRING values are trimmed, as Connect does");
    is_int(trib_config_int(c, "tasks.max"), 7, "INT parsed after trimming");
    ok(trib_config_long(c, "offset") == INT64_MIN, "LONG is 64-bit");
    is_int(trib_config_long(c, "tasks.max"), 7, "an INT can be read as a LONG");
    ok(trib_config_double(c, "ratio") == 0.25, "DOUBLE parsed");
    ok(trib_config_bool(c, "enabled") == false, "BOOLEAN is case-insensitive");
    is_int(trib_config_list_len(c, "topics"), 3, "LIST split, trimmed, empty items dropped");
    char *const *topics = trib_config_list(c, "topics");
    ok(topics && !strcmp(topics[0], "a") && !strcmp(topics[1], "b") && !strcmp(topics[2], "c") && !topics[3],
       "LIST items in order, NULL-terminated");
    is_str(trib_config_raw(c, "topics"), "a,b,c", "raw LIST is the canonical joined form");
    is_str(trib_config_string(c, "mode"), "safe", "one_of matches any case and binds the table's spelling");
    is_str(trib_config_raw(c, "colors"), "green,red", "LIST one_of items take the table's spelling");
    is_str(trib_config_password(c, "db.password"), "s3cret", "PASSWORD getter gives the secret");
    is_str(trib_config_password(c, "api.key"), "k", "a sensitive STRING is read with the password getter");
    is_str(trib_config_string(c, "converter"), "org.example.Conv", "CLASS values read as strings, trimmed");
    ok(trib_config_string(c, "label") == NULL, "an absent optional value is NULL");
    ok(trib_config_raw(c, "label") == NULL, "raw of an absent optional value is NULL");
    is_int(trib_config_int(c, "batch.size"), 100, "defaults apply");
    is_str(trib_config_raw(c, "batch.size"), "100", "raw gives the default's string form");
    is_int(trib_config_list_len(c, "hosts"), 1, "a LIST default is split");
    trib_config_destroy(c);
    trib_config_destroy(NULL);

    /* prefix: transforms.x.* */
    const char *kv2[] = {"transforms.x.file", "pre.txt", "transforms.x.tasks.max", "3", "file", "other", NULL};
    p = props_of(kv2);
    c = trib_config_bind(defs, p, "transforms.x.", &err);
    ok(c != NULL, "binding with a prefix");
    if (c) {
        is_str(trib_config_string(c, "file"), "pre.txt", "the prefixed key is read");
        is_int(trib_config_int(c, "tasks.max"), 3, "getters take the unprefixed name");
        trib_config_destroy(c);
    }
    trib_props_destroy(p);
    const char *kv3[] = {"file", "x", "t.tasks.max", "0", NULL};
    p = props_of(kv3);
    trib_error_clear(&err);
    ok(trib_config_bind(defs, p, "t.", &err) == NULL, "prefixed errors refuse to bind");
    like(err.msg, "Missing required configuration \"t.file\"", "errors name the full prefixed key (missing)");
    like(err.msg, "for configuration t.tasks.max: Value must be at least 1", "errors name the full prefixed key (range)");
    trib_props_destroy(p);

    /* An empty table binds anything. */
    static const trib_config_def none[] = {TRIB_CONFIG_END};
    c = trib_config_bind(none, NULL, NULL, &err);
    ok(c != NULL, "an empty table binds NULL props");
    trib_config_destroy(c);
}

/* Runs fn in a child and tells whether it died of SIGABRT. */
static int aborts(void (*fn)(trib_config *), trib_config *c) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stderr)) _exit(2);
        fn(c);
        _exit(0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT;
}

static void get_unknown(trib_config *c) { (void)trib_config_string(c, "no.such.key"); }
static void get_int_as_string(trib_config *c) { (void)trib_config_string(c, "tasks.max"); }
static void get_string_as_int(trib_config *c) { (void)trib_config_int(c, "file"); }
static void get_long_as_int(trib_config *c) { (void)trib_config_int(c, "offset"); }
static void get_plain_as_password(trib_config *c) { (void)trib_config_password(c, "file"); }
static void get_password_as_string(trib_config *c) { (void)trib_config_string(c, "db.password"); }
static void get_list_as_bool(trib_config *c) { (void)trib_config_bool(c, "topics"); }
static void get_from_null(trib_config *c) { (void)c; (void)trib_config_int(NULL, "tasks.max"); }

static void test_getter_misuse(void) {
    const char *kv[] = {"file", "f", NULL};
    trib_props *p = props_of(kv);
    trib_config *c = trib_config_bind(defs, p, "", NULL);
    trib_props_destroy(p);
    ok(aborts(get_unknown, c), "asking for a key the table lacks aborts");
    ok(aborts(get_int_as_string, c), "reading an INT as a string aborts");
    ok(aborts(get_string_as_int, c), "reading a STRING as an INT aborts");
    ok(aborts(get_long_as_int, c), "reading a LONG as an INT aborts (no silent truncation)");
    ok(aborts(get_plain_as_password, c), "reading a non-sensitive STRING with the password getter aborts");
    ok(aborts(get_password_as_string, c), "reading a PASSWORD with the string getter aborts");
    ok(aborts(get_list_as_bool, c), "reading a LIST as a BOOLEAN aborts");
    ok(aborts(get_from_null, c), "a getter on a NULL config aborts");
    trib_config_destroy(c);
}

static json_t *config_named(json_t *infos, const char *name) {
    size_t i;
    json_t *ci;
    json_array_foreach(json_object_get(infos, "configs"), i, ci) {
        json_t *v = json_object_get(ci, "value");
        if (!strcmp(json_string_value(json_object_get(v, "name")), name)) return ci;
    }
    return NULL;
}

static const char *jstr(json_t *o, const char *path1, const char *path2) {
    json_t *x = json_object_get(o, path1);
    if (path2) x = json_object_get(x, path2);
    return json_string_value(x);
}

static void test_report_json(void) {
    const char *kv[] = {"tasks.max", "0", "db.password", "hunter2", "topics", "a, b", "enabled", "TRUE", NULL};
    trib_props *p = props_of(kv);
    trib_config_report *r = trib_config_report_new();
    trib_config_report_add(r, defs, p, "");
    trib_config_report_error(r, "connector.class", "Failed to find any class that implements Connector: %s", "Nope");
    trib_config_report_error(r, "tasks.max", "cross-field check failed");
    json_t *j = trib_config_report_to_json(r, "org.example.FileSource");

    is_str(jstr(j, "name", NULL), "org.example.FileSource", "ConfigInfos.name is the plugin");
    is_int(json_integer_value(json_object_get(j, "error_count")), 4, "error_count counts every error");
    json_t *groups = json_object_get(j, "groups");
    ok(json_array_size(groups) == 3 && !strcmp(json_string_value(json_array_get(groups, 0)), "Common") &&
           !strcmp(json_string_value(json_array_get(groups, 1)), "Advanced") &&
           !strcmp(json_string_value(json_array_get(groups, 2)), "Connection"),
       "groups in order of first appearance");
    json_t *configs = json_object_get(j, "configs");
    is_int(json_array_size(configs), 16, "one entry per row plus the undefined key");

    json_t *first = json_array_get(configs, 0);
    ok(json_is_null(json_object_get(first, "definition")), "a key without definition comes first with definition null");
    is_str(jstr(first, "value", "name"), "connector.class", "its value names the key");
    is_str(json_string_value(json_array_get(json_object_get(json_object_get(first, "value"), "errors"), 0)),
           "Failed to find any class that implements Connector: Nope", "its error is kept");

    json_t *tm = config_named(j, "tasks.max");
    json_t *def = json_object_get(tm, "definition");
    is_str(jstr(def, "name", NULL), "tasks.max", "definition.name");
    is_str(jstr(def, "type", NULL), "INT", "definition.type");
    ok(json_is_false(json_object_get(def, "required")), "definition.required is false with a default");
    is_str(jstr(def, "default_value", NULL), "1", "definition.default_value");
    is_str(jstr(def, "importance", NULL), "HIGH", "definition.importance");
    is_str(jstr(def, "documentation", NULL), "Maximum number of tasks.", "definition.documentation");
    is_str(jstr(def, "group", NULL), "Common", "definition.group");
    is_int(json_integer_value(json_object_get(def, "order")), 2, "definition.order is the position in its group");
    is_str(jstr(def, "width", NULL), "NONE", "definition.width");
    is_str(jstr(def, "display_name", NULL), "Tasks max", "definition.display_name");
    ok(json_is_array(json_object_get(def, "dependents")) && json_array_size(json_object_get(def, "dependents")) == 0,
       "definition.dependents is an empty array");
    is_int(json_object_size(def), 11, "definition has exactly ConfigKeyInfo's 11 fields");
    json_t *val = json_object_get(tm, "value");
    is_str(jstr(val, "value", NULL), "0", "value.value is the given value");
    json_t *errs = json_object_get(val, "errors");
    is_int(json_array_size(errs), 2, "value.errors holds the validator error and the added one");
    is_str(json_string_value(json_array_get(errs, 0)),
           "Invalid value 0 for configuration tasks.max: Value must be at least 1", "the range error");
    is_str(json_string_value(json_array_get(errs, 1)), "cross-field check failed", "the added error follows");
    ok(json_is_true(json_object_get(val, "visible")), "value.visible is true");
    ok(json_is_array(json_object_get(val, "recommended_values")), "value.recommended_values is an array");
    is_int(json_object_size(val), 5, "value has exactly ConfigValueInfo's 5 fields");

    json_t *file = config_named(j, "file");
    ok(json_is_true(json_object_get(json_object_get(file, "definition"), "required")), "a key without default is required");
    ok(json_is_null(json_object_get(json_object_get(file, "definition"), "default_value")), "its default_value is null");
    ok(json_is_null(json_object_get(json_object_get(file, "value"), "value")), "a missing value is null");
    is_str(json_string_value(json_array_get(json_object_get(json_object_get(file, "value"), "errors"), 0)),
           "Missing required configuration \"file\" which has no default value.", "the missing error");

    json_t *pw = config_named(j, "db.password");
    is_str(jstr(pw, "value", "value"), "[hidden]", "a PASSWORD value is [hidden]");
    is_str(jstr(pw, "definition", "default_value"), "[hidden]", "a PASSWORD default is [hidden]");
    is_str(jstr(config_named(j, "topics"), "value", "value"), "a,b", "a LIST value is shown joined");
    is_str(jstr(config_named(j, "enabled"), "value", "value"), "true", "a BOOLEAN value is normalised");
    is_str(jstr(config_named(j, "batch.size"), "value", "value"), "100", "an absent key shows its default");
    ok(json_is_null(json_object_get(json_object_get(config_named(j, "label"), "value"), "value")),
       "an absent optional key shows null");
    ok(!json_is_true(json_object_get(json_object_get(config_named(j, "label"), "definition"), "required")),
       "an optional key is not required");
    json_t *rec = json_object_get(json_object_get(config_named(j, "mode"), "value"), "recommended_values");
    ok(json_is_array(rec) && json_array_size(rec) == 0,
       "one_of values are not recommended (Connect recommends only through a recommender)");
    char *s = trib_config_report_summary(r);
    ok(strstr(s, "hunter2") == NULL, "the summary never shows a secret");
    free(s);
    s = json_dumps(j, 0);
    ok(strstr(s, "hunter2") == NULL, "the JSON never shows a secret");
    free(s);
    json_decref(j);
    trib_config_report_destroy(r);

    /* A report built from two tables with prefixes, as connector + transform. */
    static const trib_config_def tdefs[] = {
        {.name = "type", .type = TRIB_CFG_CLASS, .importance = TRIB_IMP_HIGH, .doc = "SMT class", .group = "Transforms"},
        {.name = "field", .type = TRIB_CFG_STRING, .importance = TRIB_IMP_HIGH, .doc = "Field", .group = "Transforms"},
        TRIB_CONFIG_END,
    };
    trib_props_set(p, "transforms.x.type", "InsertField");
    r = trib_config_report_new();
    trib_config_report_add(r, defs, p, NULL);
    trib_config_report_add(r, tdefs, p, "transforms.x.");
    j = trib_config_report_to_json(r, NULL);
    ok(json_is_null(json_object_get(j, "name")), "a NULL plugin name is JSON null");
    json_t *tx = config_named(j, "transforms.x.field");
    ok(tx != NULL, "prefixed rows are named with the prefix");
    is_str(jstr(tx, "definition", "name"), "transforms.x.field", "the definition is named with the prefix too");
    is_int(json_integer_value(json_object_get(json_object_get(tx, "definition"), "order")), 2,
           "order counts within the group across tables");
    is_str(json_string_value(json_array_get(json_object_get(json_object_get(tx, "value"), "errors"), 0)),
           "Missing required configuration \"transforms.x.field\" which has no default value.",
           "prefixed missing-key error names the full key");
    is_str(json_string_value(json_array_get(json_object_get(j, "groups"), 3)), "Transforms", "the second table's group is added");
    json_decref(j);
    trib_config_report_destroy(r);
    trib_props_destroy(p);

    r = trib_config_report_new();
    is_int(trib_config_report_error_count(r), 0, "an empty report has no errors");
    j = trib_config_report_to_json(r, "p");
    ok(json_array_size(json_object_get(j, "configs")) == 0, "an empty report has no configs");
    json_decref(j);
    trib_config_report_destroy(r);
    trib_config_report_destroy(NULL);
}

static json_t *two_values(void) {
    return json_pack("[ss]", "x", "y");
}

static const trib_config_def meta_defs[] = {
    {.name = "a", .type = TRIB_CFG_STRING, .default_value = "", .importance = TRIB_IMP_LOW, .group = "G",
     .width = TRIB_WIDTH_LONG},
    {.name = "b", .type = TRIB_CFG_SHORT, .default_value = "3", .importance = TRIB_IMP_HIGH, .group = "G",
     .order = TRIB_CFG_ORDER_0},
    {.name = "c", .type = TRIB_CFG_STRING, .optional = true, .importance = TRIB_IMP_MEDIUM, .order = 9,
     .recommended = two_values},
    {.name = "d", .type = TRIB_CFG_STRING, .optional = true, .importance = TRIB_IMP_MEDIUM},
    TRIB_CONFIG_END,
};

static const trib_config_def plugin_defs[] = {
    {.name = "type", .type = TRIB_CFG_CLASS, .importance = TRIB_IMP_HIGH, .width = TRIB_WIDTH_LONG},
    {.name = "zeta", .type = TRIB_CFG_STRING, .default_value = "z", .importance = TRIB_IMP_HIGH},
    {.name = "alpha", .type = TRIB_CFG_STRING, .default_value = "a", .importance = TRIB_IMP_MEDIUM},
    {.name = "needed", .type = TRIB_CFG_STRING, .importance = TRIB_IMP_LOW},
    TRIB_CONFIG_END,
};

/* Connect's metadata: width, explicit and implied order, SHORT, recommenders,
 * embedded plugin groups, errors moved between reports. */
static void test_connect_metadata(void) {
    json_t *a = trib_config_describe_json(meta_defs);
    is_str(json_string_value(json_object_get(json_array_get(a, 0), "width")), "LONG", "width is described");
    is_str(json_string_value(json_object_get(json_array_get(a, 3), "width")), "NONE", "width defaults to NONE");
    is_int(json_integer_value(json_object_get(json_array_get(a, 0), "order")), 1, "implied order: position in group");
    is_int(json_integer_value(json_object_get(json_array_get(a, 1), "order")), 0, "TRIB_CFG_ORDER_0 is order 0");
    is_int(json_integer_value(json_object_get(json_array_get(a, 2), "order")), 9, "an explicit order is kept");
    is_int(json_integer_value(json_object_get(json_array_get(a, 3), "order")), -1,
           "a key without group has order -1, as Connect's");
    is_str(json_string_value(json_object_get(json_array_get(a, 1), "type")), "SHORT", "SHORT is a type");
    json_decref(a);
    trib_props *none = trib_props_new();
    trib_config *bound = trib_config_bind(meta_defs, none, "", NULL);
    is_int(bound ? trib_config_int(bound, "b") : -1, 3, "a SHORT reads with trib_config_int");
    is_int(bound ? (int)trib_config_long(bound, "b") : -1, 3, "and with trib_config_long");
    trib_config_destroy(bound);
    trib_props_destroy(none);

    const char *kv[] = {"b", "40000", "c", "v", "p.type", "X", "p.zeta", "zz", NULL};
    trib_props *p = props_of(kv);
    trib_config_report *r = trib_config_report_new();
    trib_config_report_add(r, meta_defs, p, "");
    trib_config_report_add(r, plugin_defs, p, "p.");
    trib_config_report_add(r, meta_defs, p, "q.");
    trib_config_report_embed(r, "p.", "Plugins: p", "Class for p.", "Plugin type for p");
    trib_config_report_value_null(r, "p.type");
    json_t *j = trib_config_report_to_json(r, "x");
    json_t *configs = json_object_get(j, "configs");
    json_t *b = json_array_get(configs, 1);
    is_str(json_string_value(json_array_get(json_object_get(json_object_get(b, "value"), "errors"), 0)),
           "Invalid value 40000 for configuration b: Not a number of type SHORT",
           "a SHORT beyond 16 bits is refused");
    json_t *rec = json_object_get(json_object_get(json_array_get(configs, 2), "value"), "recommended_values");
    is_int((int)json_array_size(rec), 2, "a recommender fills recommended_values");
    /* the embedded group moved to the end: type, then required, then by importance, then by name */
    size_t n = json_array_size(configs);
    const char *want[] = {"p.type", "p.needed", "p.zeta", "p.alpha"};
    for (size_t i = 0; i < 4; i++) {
        json_t *ci = json_array_get(configs, n - 4 + i);
        is_str(jstr(ci, "definition", "name"), want[i], "embedded keys in Connect's order");
        is_int(json_integer_value(json_object_get(json_object_get(ci, "definition"), "order")), (int)i,
               "numbered from 0 (the type key)");
        is_str(jstr(ci, "definition", "group"), "Plugins: p", "in the plugin's group");
    }
    json_t *t = json_array_get(configs, n - 4);
    is_str(jstr(t, "definition", "documentation"), "Class for p.", "the type key's documentation names the alias");
    is_str(jstr(t, "definition", "display_name"), "Plugin type for p", "so does its display name");
    ok(json_is_null(json_object_get(json_object_get(t, "value"), "value")), "value_null reports a null value");
    json_t *groups = json_object_get(j, "groups");
    is_int((int)json_array_size(groups), 2, "groups are listed once each");
    is_str(json_string_value(json_array_get(groups, 1)), "Plugins: p", "in order of first appearance");
    json_decref(j);

    trib_config_report *nn = trib_config_report_new();
    static const trib_config_def nn_defs[] = {
        {.name = "lit", .type = TRIB_CFG_STRING, .importance = TRIB_IMP_HIGH, .null_error = "entry must be non null"},
        TRIB_CONFIG_END,
    };
    trib_config_report_add(nn, nn_defs, p, "x.");
    is_int(trib_config_report_error_count(nn), 2, "a missing key with null_error gets Connect's second error");
    char *nsum = trib_config_report_summary(nn);
    like(nsum, "Invalid value null for configuration lit: entry must be non null", "naming the unprefixed key");
    free(nsum);
    trib_config_report_set_value(nn, "x.lit", "resolved");
    json_t *nj = trib_config_report_to_json(nn, NULL);
    is_str(jstr(json_array_get(json_object_get(nj, "configs"), 0), "value", "value"), "resolved",
           "set_value replaces the reported value");
    json_decref(nj);
    trib_config_report_destroy(nn);
    trib_error nerr;
    ok(trib_config_bind(nn_defs, p, "x.", &nerr) == NULL && !strstr(nerr.msg, "non null"),
       "binding reports only the missing key");

    trib_config_report *other = trib_config_report_new();
    trib_config_report_take_errors(other, r);
    is_int(trib_config_report_error_count(other), 2, "take_errors moves every error");
    is_int(trib_config_report_error_count(r), 0, "and leaves none behind");
    trib_config_report_destroy(other);
    trib_config_report_destroy(r);
    trib_props_destroy(p);
}

static void test_describe(void) {
    is_str(trib_cfg_type_name(TRIB_CFG_PASSWORD), "PASSWORD", "type names");
    is_str(trib_cfg_type_name(TRIB_CFG_LONG), "LONG", "type names (LONG)");
    is_str(trib_cfg_importance_name(TRIB_IMP_MEDIUM), "MEDIUM", "importance names");
    ok(trib_config_find(defs, "ratio") == &defs[4], "find returns the row");
    ok(trib_config_find(defs, "nope") == NULL, "find of an unknown key is NULL");

    json_t *a = trib_config_describe_json(defs);
    is_int(json_array_size(a), 15, "describe_json has one ConfigKeyInfo per row");
    json_t *ratio = json_array_get(a, 4);
    is_str(json_string_value(json_object_get(ratio, "name")), "ratio", "rows keep table order");
    is_int(json_integer_value(json_object_get(ratio, "order")), 2, "order is the position within the group");
    is_str(json_string_value(json_object_get(ratio, "display_name")), "ratio", "display_name defaults to the name");
    json_decref(a);

    json_t *one = trib_config_def_to_json(&defs[0], 7);
    is_int(json_integer_value(json_object_get(one, "order")), 7, "def_to_json uses the given order");
    json_decref(one);

    char *md = trib_config_describe_markdown(defs, "Example");
    like(md, "## Example\n\n| Name | Type | Default | Valid values | Importance | Description |\n|---|---|---|---|---|---|\n",
         "markdown starts with a title and the header row");
    like(md, "| `tasks.max` | int | `1` | [1,...] | high | Maximum number of tasks. |", "an INT row with a lower bound");
    like(md, "| `batch.size` | int | `100` | [1,...,1000] | low | Records per batch \\| pipe. |",
         "a bounded row; pipes in docs are escaped");
    like(md, "| `file` | string | *required* |", "a required row");
    like(md, "| `label` | string | null | non-empty string |", "an optional row with a non_empty check");
    like(md, "| `mode` | string | `fast` | [fast, safe] |", "a one_of row");
    like(md, "| `topics` | list | \"\" |", "an empty default is shown as \"\"");
    like(md, "| `db.password` | password | [hidden] |", "a password default is hidden");
    like(md, "| `ratio` | double | `0.5` | [0,...,1] |", "a double range");
    free(md);
}

static void test_redact(void) {
    trib_props *p = trib_props_new();
    trib_props_set(p, "connection.password", "pw");
    trib_props_set(p, "token.endpoint.url", "https://idp"); /* "token" only in an earlier component */
    trib_props_set(p, "client.secret", "s");
    trib_props_set(p, "auth.Token", "t");
    trib_props_set(p, "value.converter.basic.auth.user.info", "u:p");
    trib_props_set(p, "producer.override.sasl.jaas.config", "jaas");
    trib_props_set(p, "api.key", "k");
    trib_props_set(p, "transforms.x.api.key", "k2");
    trib_props_set(p, "db.password", "pw2");
    trib_props_set(p, "topic", "orders");
    trib_props_set(p, "admin.token.file", "/etc/tok");
    const trib_config_def *const tables[] = {defs, NULL};
    trib_props *r = trib_config_redact(p, tables);
    is_int(trib_props_count(r), trib_props_count(p), "redact keeps every key");
    is_str(trib_props_get(r, "connection.password"), "[hidden]", "*password* keys are hidden");
    is_str(trib_props_get(r, "client.secret"), "[hidden]", "*secret* keys are hidden");
    is_str(trib_props_get(r, "auth.Token"), "[hidden]", "*token* keys are hidden, any case");
    is_str(trib_props_get(r, "value.converter.basic.auth.user.info"), "[hidden]", "basic.auth.user.info is hidden");
    is_str(trib_props_get(r, "producer.override.sasl.jaas.config"), "[hidden]", "sasl.jaas.config is hidden");
    is_str(trib_props_get(r, "api.key"), "[hidden]", "keys a table marks sensitive are hidden");
    is_str(trib_props_get(r, "transforms.x.api.key"), "[hidden]", "prefixed copies of sensitive keys are hidden");
    is_str(trib_props_get(r, "topic"), "orders", "other keys are kept");
    is_str(trib_props_get(r, "token.endpoint.url"), "https://idp", "only the last dotted component is matched by name");
    is_str(trib_props_get(r, "admin.token.file"), "/etc/tok", "a token *file* path is not a secret");
    is_str(trib_props_get(p, "connection.password"), "pw", "the input is left alone");
    trib_props_destroy(r);
    r = trib_config_redact(p, NULL);
    is_str(trib_props_get(r, "api.key"), "k", "without tables only name rules apply");
    is_str(trib_props_get(r, "db.password"), "[hidden]", "name rules apply without tables");
    trib_props_destroy(r);
    trib_props_destroy(p);
}

int main(void) {
    plan(146 + 34);
    test_type_errors();
    test_all_errors_collected();
    test_connect_metadata();
    test_bind_and_getters();
    test_getter_misuse();
    test_report_json();
    test_describe();
    test_redact();
    return exit_status();
}
