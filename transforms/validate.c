/*
 * validate.c: Validate ($Key / $Value), data-quality rules on records, for
 * every connector, source or sink (io.tributary.connect.transforms.Validate).
 *
 * Rules come in the shape users already write (seed 004 and the research
 * in next_wave.md section 7): {"rule_id","name","rule_type","column",
 * "parameters","severity"} as a JSON array in `rules`, or, for those who
 * prefer properties, `rules` as a list of rule ids with rules.<id>.<key>
 * keys (the parameters flat beside rule_type and column, one vocabulary for
 * both forms). Either way each rule is bound through the config engine with
 * one table (rule_def), so both forms get the same checks and messages,
 * prefixed with the rule they belong to.
 *
 * Per record every rule is evaluated (so each rule's counters are exact);
 * if an error-severity rule failed, on.failure decides: drop (the record is
 * gone, counted), dlq or fail (an INVALID error whose routing the runtime
 * reads through the plugin's failure hook: the DLQ copy carries
 * __validate.* headers naming the rule, field, value and reason, and fail
 * stops the task whatever errors.tolerance says). Failed warning rules
 * only add a __validate.warning header per rule to a record that passes.
 *
 * Hostile rule sets are bounded at create time: at most MAX_RULES rules, a
 * bounded `rules` text, finite numbers (the engine's DOUBLE refuses NaN and
 * infinities), at most MAX_VALUES allowed values,
 * bounded unique-key memory, and regexes that cannot blow up. The regex
 * engine is java_regex.c (Java syntax, as RegexRouter), which runs glibc's
 * POSIX matcher: it never backtracks (no backreferences are accepted), but
 * its compile and match cost grows with the pattern's expanded size and,
 * for quantified groups that contain quantifiers, exponentially
 * (((a*)*){1,20} took 30 s to compile). regex_guard() therefore refuses
 * repeated groups that contain quantifiers (? and an exact {n} may still
 * follow them: (-[a-z]+)? and (\d{3}-){2} are fine), more than
 * REGEX_MAX_QUANTIFIERS quantifiers and patterns over REGEX_MAX_POSITIONS
 * expanded positions, and subjects longer than
 * REGEX_MAX_SUBJECT bytes fail the rule instead of being matched: the worst
 * accepted pattern costs about 20 ms on the longest subject.
 */
#include "transforms/java_regex.h"
#include "transforms/field_path.h"
#include "transforms/plugins.h"
#include "transforms/quality.h"
#include "transforms/smt.h"

#include "common/time.h"
#include "common/util.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_RULES 256
#define MAX_RULES_TEXT (1024 * 1024)
#define MAX_ID_LEN 64
#define MAX_PATH_DEPTH 16
#define MAX_VALUES 10000
#define MAX_UNIQUE_KEYS 1000000   /* per rule, and in sum over a transform's unique rules */
#define UNIQUE_KEEP 64
#define MAX_WINDOW_MS (7LL * 24 * 3600 * 1000)
#define REGEX_MAX_PATTERN 1024
#define REGEX_MAX_POSITIONS 256
#define REGEX_MAX_SUBJECT 4096
#define REGEX_MAX_QUANTIFIERS 64  /* glibc's compile time grows with optional parts */
#define HEADER_VALUE_MAX 256   /* a DLQ header's value is cut here (UTF-8 safe) */

/* ---- configuration ---------------------------------------------------------- */

static const char *const on_failure_values[] = {"fail", "dlq", "drop", NULL};

static const trib_config_def validate_config[] = {
    {.name = "rules", .type = TRIB_CFG_STRING, .importance = TRIB_IMP_HIGH, .non_empty = true,
     .doc = "The rules: a JSON array of {\"rule_id\",\"name\",\"rule_type\",\"column\",\"parameters\",\"severity\"} "
            "objects, or a comma-separated list of rule ids, each defined by rules.<id>.<key> properties "
            "(rule_type, column, name, severity and the rule type's parameters)."},
    {.name = "on.failure", .type = TRIB_CFG_STRING, .default_value = "fail", .importance = TRIB_IMP_HIGH,
     .one_of = on_failure_values,
     .doc = "What happens to a record that fails a rule of severity error: fail (the task fails, whatever "
            "errors.tolerance says), dlq (the record goes to errors.deadletterqueue.topic.name with __validate.* "
            "headers, whatever errors.tolerance says) or drop (the record is skipped and counted)."},
    TRIB_CONFIG_END,
};

typedef enum rule_kind {
    K_NOT_NULL, K_TYPE, K_RANGE, K_REGEX, K_EMAIL, K_ALLOWED, K_LENGTH, K_UNIQUE, K_COMPARE, K_KINDS
} rule_kind;

static const char *const kind_names[] = {"not_null", "type", "range", "regex", "email", "allowed_values",
                                         "length", "unique", "compare", NULL};
static const char *const severities[] = {"error", "warning", NULL};
static const char *const ops[] = {"<", "<=", "==", "!=", ">", ">=", NULL};
static const char *const scopes[] = {"batch", "window", NULL};
static const char *const type_names[] = {"int8", "int16", "int32", "int64", "float32", "float64", "boolean",
                                         "string", "bytes", "array", "map", "struct", "integer", "number",
                                         "object", "decimal", "date", "time", "timestamp", NULL};

static int rule_id_ok(const char *id) {
    size_t n = strlen(id);
    if (n == 0 || n > MAX_ID_LEN) return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)id[i]) && id[i] != '_' && id[i] != '-') return 0;
    return 1;
}

/* One rule's keys. Parameters sit beside rule_type and column; which of
 * them a rule type takes is kind_params below. */
static const trib_config_def rule_def[] = {
    {.name = "rule_type", .type = TRIB_CFG_STRING, .importance = TRIB_IMP_HIGH, .one_of = kind_names,
     .doc = "not_null, type, range, regex, email, allowed_values, length, unique or compare."},
    {.name = "column", .type = TRIB_CFG_STRING, .default_value = "", .importance = TRIB_IMP_HIGH,
     .doc = "Dotted path of the field (backticks quote a name with dots); empty: the whole key or value."},
    {.name = "name", .type = TRIB_CFG_STRING, .default_value = "", .importance = TRIB_IMP_LOW,
     .doc = "A human-readable name, reported with the counters and in DLQ headers."},
    {.name = "severity", .type = TRIB_CFG_STRING, .default_value = "error", .importance = TRIB_IMP_HIGH,
     .one_of = severities, .doc = "error (on.failure applies) or warning (the record passes with a header)."},
    {.name = "min", .type = TRIB_CFG_DOUBLE, .optional = true, .importance = TRIB_IMP_MEDIUM,
     .doc = "range: lowest value; length: fewest characters or elements."},
    {.name = "max", .type = TRIB_CFG_DOUBLE, .optional = true, .importance = TRIB_IMP_MEDIUM,
     .doc = "range: highest value; length: most characters or elements."},
    {.name = "min_inclusive", .type = TRIB_CFG_BOOLEAN, .default_value = "true", .importance = TRIB_IMP_LOW,
     .doc = "range: whether min itself passes."},
    {.name = "max_inclusive", .type = TRIB_CFG_BOOLEAN, .default_value = "true", .importance = TRIB_IMP_LOW,
     .doc = "range: whether max itself passes."},
    {.name = "pattern", .type = TRIB_CFG_STRING, .optional = true, .importance = TRIB_IMP_MEDIUM,
     .doc = "regex: a Java regular expression the whole string must match."},
    {.name = "values", .type = TRIB_CFG_STRING, .optional = true, .importance = TRIB_IMP_MEDIUM,
     .doc = "allowed_values: a JSON array, or a comma-separated list, of the allowed values."},
    {.name = "expected", .type = TRIB_CFG_STRING, .optional = true, .importance = TRIB_IMP_MEDIUM,
     .one_of = type_names,
     .doc = "type: a Connect type (int8 ... struct), integer, number, object, or a logical type (decimal, "
            "date, time, timestamp)."},
    {.name = "op", .type = TRIB_CFG_STRING, .optional = true, .importance = TRIB_IMP_MEDIUM, .one_of = ops,
     .doc = "compare: <, <=, ==, !=, > or >=, read as: column op other."},
    {.name = "other", .type = TRIB_CFG_STRING, .optional = true, .importance = TRIB_IMP_MEDIUM,
     .doc = "compare: dotted path of the field on the right-hand side."},
    {.name = "scope", .type = TRIB_CFG_STRING, .default_value = "batch", .importance = TRIB_IMP_MEDIUM,
     .one_of = scopes, .doc = "unique: within each batch of records, or within a time window."},
    {.name = "window_ms", .type = TRIB_CFG_LONG, .optional = true, .importance = TRIB_IMP_MEDIUM,
     .has_min = true, .min = 1, .has_max = true, .max = (double)MAX_WINDOW_MS,
     .doc = "unique with scope window: a value may not repeat within this many milliseconds of its first "
            "occurrence (record timestamps, or the worker's clock for records without one)."},
    {.name = "max_keys", .type = TRIB_CFG_INT, .default_value = "100000", .importance = TRIB_IMP_LOW,
     .has_min = true, .min = 1, .has_max = true, .max = MAX_UNIQUE_KEYS,
     .doc = "unique: most distinct values remembered; beyond it the oldest are forgotten."},
    TRIB_CONFIG_END,
};

/* The parameters each rule type takes (others present are refused). */
static const char *const kind_params[K_KINDS][6] = {
    [K_NOT_NULL] = {NULL},
    [K_TYPE] = {"expected", NULL},
    [K_RANGE] = {"min", "max", "min_inclusive", "max_inclusive", NULL},
    [K_REGEX] = {"pattern", NULL},
    [K_EMAIL] = {NULL},
    [K_ALLOWED] = {"values", NULL},
    [K_LENGTH] = {"min", "max", NULL},
    [K_UNIQUE] = {"scope", "window_ms", "max_keys", NULL},
    [K_COMPARE] = {"op", "other", NULL},
};

static bool is_rule_key(const char *k) {
    return strcmp(k, "rule_type") == 0 || strcmp(k, "column") == 0 || strcmp(k, "name") == 0 ||
           strcmp(k, "severity") == 0;
}

/* ---- rules ------------------------------------------------------------------ */

typedef struct path_step {
    char *name;
    trib_schema *cached;  /* struct schema of the last lookup (a reference) ... */
    int index;            /* ... and the field's index in it */
} path_step;

typedef struct path {
    path_step *steps;
    size_t n;  /* 0: the whole key or value */
} path;

typedef struct ukey {
    char *key;
    size_t len;
    uint64_t hash;
    int64_t t;
    struct ukey *chain, *older_than_me; /* bucket chain; FIFO towards newer */
} ukey;

typedef struct uset {
    ukey **buckets;
    size_t nbuckets, count;
    ukey *oldest, *newest;
} uset;

/* glibc's regexec costs a few hundred ns even for a short subject (it
 * allocates its matching state per call), while the columns rules check
 * are often of low cardinality (status, country, product): a small
 * direct-mapped cache of recent subjects and results makes a repeat cost a
 * hash and a memcmp. */
#define MEMO_SLOTS 64
#define MEMO_TEXT 48
struct memo {
    uint64_t hash;
    uint8_t len;        /* 0: empty slot (the empty string is not cached) */
    bool match;
    char text[MEMO_TEXT];
};

typedef struct rule {
    char *id, *name, *column;
    rule_kind kind;
    bool warning;
    path path;
    /* range / length */
    bool has_min, has_max, min_incl, max_incl;
    double min, max;
    /* regex */
    trib_jregex *re;
    struct memo *memo;  /* recent short subjects and their result */
    /* allowed_values: their texts (C strings) */
    char **values;
    size_t nvalues;
    uint32_t *vslots;  /* hash table of indexes into values; UINT32_MAX: empty */
    size_t *vlens, vmask;
    /* type */
    const char *expected;
    /* compare */
    int op;
    path other;
    char *other_text;
    /* unique */
    bool window;
    int64_t window_ms, clock;
    size_t max_keys;
    uset seen;
} rule;

typedef struct validate {
    smt_target target;
    trib_transform_route route;     /* of a failed error rule */
    bool drop;
    rule *rules;
    size_t n;
    trib_quality_counters *counters;
    bool *failed;                    /* per rule, this record */
    /* the last failure, for the failure hook and the DLQ headers */
    trib_header fh[5];
    size_t nfh;
    trib_transform_failure failure;
} validate;

static void path_free(path *p) {
    for (size_t i = 0; i < p->n; i++) {
        free(p->steps[i].name);
        trib_schema_unref(p->steps[i].cached);
    }
    free(p->steps);
    p->steps = NULL;
    p->n = 0;
}

static int path_parse(const char *text, path *out, trib_error *err) {
    out->steps = NULL;
    out->n = 0;
    if (!*text) return 0;
    trib_field_path fp;
    if (trib_field_path_parse(text, "V2", &fp, err) < 0) return -1;
    if (fp.n > MAX_PATH_DEPTH) {
        trib_field_path_free(&fp);
        return trib_error_set(err, TRIB_ERR_INVALID, "a path of at most %d fields", MAX_PATH_DEPTH);
    }
    out->steps = trib_xcalloc(fp.n, sizeof *out->steps);
    for (size_t i = 0; i < fp.n; i++) {
        out->steps[i].name = fp.steps[i];
        out->steps[i].index = -1;
    }
    out->n = fp.n;
    free(fp.steps);  /* the names moved into out */
    return 0;
}

static void uset_clear(uset *s) {
    for (ukey *k = s->oldest; k;) {
        ukey *next = k->older_than_me;
        free(k->key);
        free(k);
        k = next;
    }
    free(s->buckets);
    memset(s, 0, sizeof *s);
}

static void rule_free(rule *r) {
    free(r->id);
    free(r->name);
    free(r->column);
    path_free(&r->path);
    path_free(&r->other);
    free(r->other_text);
    trib_jregex_free(r->re);
    free(r->memo);
    for (size_t i = 0; i < r->nvalues; i++) free(r->values[i]);
    free(r->values);
    free(r->vslots);
    free(r->vlens);
    uset_clear(&r->seen);
}

/* ---- the regex guard -------------------------------------------------------- */

/* Expanded size of a Java pattern, refusing nested quantifiers: see the
 * opening comment. Tolerant of syntax errors (the translator reports them
 * afterwards); what it cannot parse it counts high rather than low. */
static int regex_guard(const char *p, trib_error *err) {
    size_t len = strlen(p);
    if (len > REGEX_MAX_PATTERN)
        return trib_error_set(err, TRIB_ERR_INVALID, "longer than %d characters", REGEX_MAX_PATTERN);
    enum { DEPTH = 64 };
    struct frame {
        double total;    /* positions so far in this group */
        bool quantified; /* a quantifier appeared inside */
    } st[DEPTH];
    int top = 0;
    st[0] = (struct frame){0, false};
    int quantifiers = 0;
    double last = 0;          /* size of the atom a quantifier would apply to */
    bool last_group_q = false; /* that atom is a group with a quantifier inside */
    for (size_t i = 0; i < len;) {
        char c = p[i];
        if (c == '\\') {
            if (p[i + 1] == 'Q') {
                const char *e = strstr(p + i + 2, "\\E");
                size_t stop = e ? (size_t)(e - p) : len;
                double n = (double)(stop - (i + 2));
                st[top].total += n;
                last = 1;
                last_group_q = false;
                i = e ? stop + 2 : len;
                continue;
            }
            i += p[i + 1] ? 2 : 1;
            st[top].total += 1;
            last = 1;
            last_group_q = false;
            continue;
        }
        if (c == '[') {
            size_t j = i + 1;
            if (p[j] == '^') j++;
            if (p[j] == ']') j++;
            while (j < len && p[j] != ']') j += (p[j] == '\\' && p[j + 1]) ? 2 : 1;
            i = j < len ? j + 1 : len;
            st[top].total += 1;
            last = 1;
            last_group_q = false;
            continue;
        }
        if (c == '(') {
            if (top + 1 >= DEPTH) return trib_error_set(err, TRIB_ERR_INVALID, "groups nested too deeply");
            st[++top] = (struct frame){0, false};
            i++;
            if (p[i] == '?' && p[i + 1] == ':') i += 2;
            continue;
        }
        if (c == ')') {
            if (top == 0) {
                i++;
                continue;
            }
            struct frame g = st[top--];
            st[top].total += g.total;
            last = g.total;
            last_group_q = g.quantified;
            if (g.quantified) st[top].quantified = true;
            i++;
            continue;
        }
        if (c == '*' || c == '+' || c == '?' || c == '{') {
            double mult = 1;
            bool exact = false;
            size_t j = i + 1;
            if (c == '+') mult = 2;
            if (c == '{') {
                long n1 = strtol(p + j, NULL, 10), n2 = n1;
                while (isdigit((unsigned char)p[j])) j++;
                if (p[j] == ',') {
                    j++;
                    if (isdigit((unsigned char)p[j])) n2 = strtol(p + j, NULL, 10);
                    else n2 = n1 + 1;
                    while (isdigit((unsigned char)p[j])) j++;
                } else {
                    exact = true;
                }
                if (p[j] == '}') j++;
                if (n1 < 0 || n2 < 0 || n1 > 100000 || n2 > 100000) n2 = 100000;
                mult = (double)(n2 > n1 ? n2 : n1);
                if (mult < 1) mult = 1;
            }
            if (last_group_q && !exact && c != '?')
                return trib_error_set(err, TRIB_ERR_INVALID,
                                      "a repeated group that contains a quantifier, such as (a+)+ or "
                                      "(a{1,9}){1,9}: its matching cost can explode (only ? or an exact {n} "
                                      "may follow such a group)");
            if (++quantifiers > REGEX_MAX_QUANTIFIERS)
                return trib_error_set(err, TRIB_ERR_INVALID, "more than %d quantifiers", REGEX_MAX_QUANTIFIERS);
            st[top].total += last * (mult - 1);
            st[top].quantified = true;
            last *= mult;
            last_group_q = true;  /* a quantified atom counts as quantified if repeated again */
            i = j;
            continue;
        }
        st[top].total += 1;
        last = 1;
        last_group_q = false;
        i++;
    }
    double total = 0;
    for (int k = 0; k <= top; k++) total += st[k].total;
    if (total > REGEX_MAX_POSITIONS)
        return trib_error_set(err, TRIB_ERR_INVALID,
                              "expands to about %.0f positions, more than the %d allowed (bounded repetitions "
                              "multiply: x{1,100}{2} is 200)",
                              total, REGEX_MAX_POSITIONS);
    return 0;
}

/* ---- building rules ------------------------------------------------------- */

static bool kind_takes(rule_kind k, const char *param) {
    for (int i = 0; kind_params[k][i]; i++)
        if (strcmp(kind_params[k][i], param) == 0) return true;
    return false;
}

static int index_of(const char *const *list, const char *s) {
    for (int i = 0; list[i]; i++)
        if (strcasecmp(list[i], s) == 0) return i;
    return -1;
}

/* Text of a JSON scalar as the rule compares it; NULL for anything else. */
static char *json_scalar_text(const json_t *j) {
    if (json_is_string(j)) return trib_xstrdup(json_string_value(j));
    if (json_is_integer(j)) return trib_xasprintf("%lld", (long long)json_integer_value(j));
    if (json_is_real(j)) {
        double d = json_real_value(j);
        for (int prec = 1; prec <= 17; prec++) {
            char *s = trib_xasprintf("%.*g", prec, d);
            if (strtod(s, NULL) == d || prec == 17) return s;
            free(s);
        }
    }
    if (json_is_true(j)) return trib_xstrdup("true");
    if (json_is_false(j)) return trib_xstrdup("false");
    return NULL;
}

static int parse_values(rule *r, const char *text, trib_error *err) {
    char **vals = NULL;
    size_t n = 0;
    const char *t = text;
    while (isspace((unsigned char)*t)) t++;
    if (*t == '[') {
        json_error_t je;
        json_t *a = json_loads(t, 0, &je);
        if (!a || !json_is_array(a)) {
            json_decref(a);
            return trib_error_set(err, TRIB_ERR_INVALID, "parameter values: not a JSON array: %s", je.text);
        }
        n = json_array_size(a);
        if (n > MAX_VALUES) {
            json_decref(a);
            return trib_error_set(err, TRIB_ERR_INVALID, "parameter values: %zu values, at most %d", n, MAX_VALUES);
        }
        vals = trib_xcalloc(n + 1, sizeof *vals);
        for (size_t i = 0; i < n; i++) {
            vals[i] = json_scalar_text(json_array_get(a, i));
            if (!vals[i]) {
                json_decref(a);
                trib_strv_free(vals);
                return trib_error_set(err, TRIB_ERR_INVALID,
                                      "parameter values: item %zu is not a string, number or boolean", i);
            }
        }
        json_decref(a);
    } else {
        vals = trib_split_list(text, &n);
        if (n > MAX_VALUES) {
            trib_strv_free(vals);
            return trib_error_set(err, TRIB_ERR_INVALID, "parameter values: %zu values, at most %d", n, MAX_VALUES);
        }
    }
    if (n == 0) {
        trib_strv_free(vals);
        return trib_error_set(err, TRIB_ERR_INVALID, "parameter values: no values");
    }
    r->values = vals;  /* NULL-terminated; freed one by one in rule_free */
    r->nvalues = n;
    /* An open-addressing table of indexes into vals, at most half full:
     * one hash and usually one memcmp per check. */
    for (r->vmask = 15; r->vmask + 1 < 2 * n; r->vmask = r->vmask * 2 + 1) {}
    r->vslots = trib_xmalloc((r->vmask + 1) * sizeof *r->vslots);
    memset(r->vslots, 0xff, (r->vmask + 1) * sizeof *r->vslots);
    r->vlens = trib_xmalloc(n * sizeof *r->vlens);
    for (size_t i = 0; i < n; i++) {
        r->vlens[i] = strlen(vals[i]);
        size_t k = trib_fnv1a(vals[i], r->vlens[i]) & r->vmask;
        while (r->vslots[k] != UINT32_MAX) {
            if (strcmp(vals[r->vslots[k]], vals[i]) == 0) break;  /* a repeat: one slot is enough */
            k = (k + 1) & r->vmask;
        }
        r->vslots[k] = (uint32_t)i;
    }
    return 0;
}

/* Binds one rule's keys (props[prefix + key]) and sets r up; the caller
 * prefixes errors with the rule's id. r owns what it holds even on error. */
static int build_rule(rule *r, const char *id, const trib_props *props, const char *prefix, trib_error *err) {
    r->id = trib_xstrdup(id);
    trib_config *cfg = trib_config_bind(rule_def, props, prefix, err);
    if (!cfg) return -1;
    int rc = -1;
    r->kind = (rule_kind)index_of(kind_names, trib_config_string(cfg, "rule_type"));
    r->warning = strcasecmp(trib_config_string(cfg, "severity"), "warning") == 0;
    r->name = trib_xstrdup(trib_config_string(cfg, "name"));
    r->column = trib_xstrdup(trib_config_string(cfg, "column"));
    size_t plen = strlen(prefix);
    for (size_t i = 0; i < trib_props_count(props); i++) {
        const char *k = trib_props_key_at(props, i);
        if (strncmp(k, prefix, plen) != 0) continue;
        k += plen;
        if (is_rule_key(k)) continue;
        if (!trib_config_find(rule_def, k)) {
            trib_error_set(err, TRIB_ERR_INVALID, "unknown parameter '%s'", k);
            goto out;
        }
        if (!kind_takes(r->kind, k)) {
            trib_error_set(err, TRIB_ERR_INVALID, "parameter '%s' does not apply to rule_type %s", k,
                           kind_names[r->kind]);
            goto out;
        }
    }
    if (path_parse(r->column, &r->path, err) < 0) {
        trib_error_prefix(err, "column");
        goto out;
    }
    if (r->kind == K_COMPARE && r->path.n == 0) {
        trib_error_set(err, TRIB_ERR_INVALID, "column: compare needs a field on the left-hand side");
        goto out;
    }
    const char *min = trib_config_raw(cfg, "min"), *max = trib_config_raw(cfg, "max");
    r->has_min = min != NULL;
    r->has_max = max != NULL;
    r->min = min ? trib_config_double(cfg, "min") : 0;
    r->max = max ? trib_config_double(cfg, "max") : 0;
    switch (r->kind) {
    case K_RANGE:
    case K_LENGTH:
        if (!r->has_min && !r->has_max) {
            trib_error_set(err, TRIB_ERR_INVALID, "%s needs parameter min, max or both", kind_names[r->kind]);
            goto out;
        }
        if (r->has_min && r->has_max && r->min > r->max) {
            trib_error_set(err, TRIB_ERR_INVALID, "parameter min (%s) is greater than max (%s)", min, max);
            goto out;
        }
        if (r->kind == K_LENGTH) {
            const char *bad = r->has_min && (r->min < 0 || r->min != floor(r->min) || r->min > 2147483647.0)
                                  ? "min"
                              : r->has_max && (r->max < 0 || r->max != floor(r->max) || r->max > 2147483647.0)
                                  ? "max"
                                  : NULL;
            if (bad) {
                trib_error_set(err, TRIB_ERR_INVALID, "parameter %s: a length is a whole number from 0 to "
                               "2147483647", bad);
                goto out;
            }
        }
        r->min_incl = trib_config_bool(cfg, "min_inclusive");
        r->max_incl = trib_config_bool(cfg, "max_inclusive");
        break;
    case K_REGEX: {
        const char *pat = trib_config_string(cfg, "pattern");
        if (!pat) {
            trib_error_set(err, TRIB_ERR_INVALID, "regex needs parameter pattern");
            goto out;
        }
        if (regex_guard(pat, err) < 0 || !(r->re = trib_jregex_compile(pat, err))) {
            trib_error_prefix(err, "parameter pattern");
            goto out;
        }
        r->memo = trib_xcalloc(MEMO_SLOTS, sizeof *r->memo);
        break;
    }
    case K_ALLOWED: {
        const char *vals = trib_config_string(cfg, "values");
        if (!vals) {
            trib_error_set(err, TRIB_ERR_INVALID, "allowed_values needs parameter values");
            goto out;
        }
        if (parse_values(r, vals, err) < 0) goto out;
        break;
    }
    case K_TYPE: {
        const char *e = trib_config_string(cfg, "expected");
        if (!e) {
            trib_error_set(err, TRIB_ERR_INVALID, "type needs parameter expected");
            goto out;
        }
        r->expected = type_names[index_of(type_names, e)];
        break;
    }
    case K_COMPARE: {
        const char *op = trib_config_string(cfg, "op"), *other = trib_config_string(cfg, "other");
        if (!op || !other || !*other) {
            trib_error_set(err, TRIB_ERR_INVALID, "compare needs parameters op and other");
            goto out;
        }
        r->op = index_of(ops, op);
        r->other_text = trib_xstrdup(other);
        if (path_parse(other, &r->other, err) < 0) {
            trib_error_prefix(err, "parameter other");
            goto out;
        }
        break;
    }
    case K_UNIQUE: {
        r->window = strcasecmp(trib_config_string(cfg, "scope"), "window") == 0;
        bool has_window = trib_config_raw(cfg, "window_ms") != NULL;
        if (r->window && !has_window) {
            trib_error_set(err, TRIB_ERR_INVALID, "unique with scope window needs parameter window_ms");
            goto out;
        }
        if (!r->window && has_window) {
            trib_error_set(err, TRIB_ERR_INVALID, "parameter window_ms needs scope window");
            goto out;
        }
        r->window_ms = has_window ? trib_config_long(cfg, "window_ms") : 0;
        r->max_keys = (size_t)trib_config_int(cfg, "max_keys");
        break;
    }
    default:
        break;
    }
    rc = 0;
out:
    trib_config_destroy(cfg);
    return rc;
}

/* rules as a JSON array in the seeds' shape. */
static int rules_from_json(validate *v, const char *text, const trib_props *config, trib_error *err) {
    for (size_t i = 0; i < trib_props_count(config); i++)
        if (trib_str_startswith(trib_props_key_at(config, i), "rules."))
            return trib_error_set(err, TRIB_ERR_INVALID,
                                  "%s: per-rule keys are not read when rules is a JSON array; use one form",
                                  trib_props_key_at(config, i));
    json_error_t je;
    json_t *a = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    if (!a) return trib_error_set(err, TRIB_ERR_INVALID, "rules: invalid JSON at line %d column %d: %s", je.line,
                                  je.column, je.text);
    int rc = -1;
    size_t n = json_is_array(a) ? json_array_size(a) : 0;
    if (!json_is_array(a) || n == 0) {
        trib_error_set(err, TRIB_ERR_INVALID, "rules: expected a non-empty JSON array of rule objects");
        goto out;
    }
    if (n > MAX_RULES) {
        trib_error_set(err, TRIB_ERR_INVALID, "rules: %zu rules, at most %d", n, MAX_RULES);
        goto out;
    }
    v->rules = trib_xcalloc(n, sizeof *v->rules);
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(a, i);
        const char *id = json_string_value(json_object_get(o, "rule_id"));
        if (!json_is_object(o) || !id || !rule_id_ok(id)) {
            trib_error_set(err, TRIB_ERR_INVALID,
                           "rules[%zu]: needs a rule_id of 1 to %d letters, digits, '_' or '-'", i, MAX_ID_LEN);
            goto out;
        }
        for (size_t k = 0; k < v->n; k++)
            if (strcmp(v->rules[k].id, id) == 0) {
                trib_error_set(err, TRIB_ERR_INVALID, "rules[%zu]: rule_id '%s' is used twice", i, id);
                goto out;
            }
        trib_props *p = trib_props_new();
        const char *key;
        json_t *val;
        bool bad = false;
        json_object_foreach(o, key, val) {
            if (strcmp(key, "rule_id") == 0) continue;
            if (is_rule_key(key)) {
                if (!json_is_string(val)) {
                    trib_error_set(err, TRIB_ERR_INVALID, "rule '%s': %s must be a string", id, key);
                    bad = true;
                    break;
                }
                trib_props_set(p, key, json_string_value(val));
            } else if (strcmp(key, "parameters") == 0) {
                if (!json_is_object(val) && !json_is_null(val)) {
                    trib_error_set(err, TRIB_ERR_INVALID, "rule '%s': parameters must be an object", id);
                    bad = true;
                    break;
                }
                const char *pk;
                json_t *pv;
                json_object_foreach(val, pk, pv) {
                    char *s = json_is_array(pv) ? json_dumps(pv, JSON_COMPACT | JSON_ENCODE_ANY)
                                                : json_scalar_text(pv);
                    if (!s || is_rule_key(pk)) {
                        trib_error_set(err, TRIB_ERR_INVALID, "rule '%s': parameter '%s' %s", id, pk,
                                       s ? "belongs beside rule_type, not in parameters"
                                         : "must be a string, number, boolean or (values) an array");
                        free(s);
                        bad = true;
                        break;
                    }
                    trib_props_set(p, pk, s);
                    free(s);
                }
                if (bad) break;
            } else {
                trib_error_set(err, TRIB_ERR_INVALID, "rule '%s': unknown key '%s'", id, key);
                bad = true;
                break;
            }
        }
        int brc = bad ? -1 : build_rule(&v->rules[v->n], id, p, "", err);
        if (!bad) v->n++;  /* built or half-built: rule_free handles both */
        trib_props_destroy(p);
        if (brc < 0) {
            if (!bad) trib_error_prefix(err, "rule '%s'", id);
            goto out;
        }
    }
    rc = 0;
out:
    json_decref(a);
    return rc;
}

/* rules as a list of ids with rules.<id>.<key> properties. */
static int rules_from_props(validate *v, const char *text, const trib_props *config, trib_error *err) {
    size_t n;
    char **ids = trib_split_list(text, &n);
    int rc = -1;
    if (n == 0 || n > MAX_RULES) {
        trib_error_set(err, TRIB_ERR_INVALID, "rules: %zu rules, expected 1 to %d", n, MAX_RULES);
        goto out;
    }
    v->rules = trib_xcalloc(n, sizeof *v->rules);
    for (size_t i = 0; i < n; i++) {
        if (!rule_id_ok(ids[i])) {
            trib_error_set(err, TRIB_ERR_INVALID,
                           "rules: '%s' is not a rule id (1 to %d letters, digits, '_' or '-'; a JSON array "
                           "starts with '[')", ids[i], MAX_ID_LEN);
            goto out;
        }
        for (size_t k = 0; k < i; k++)
            if (strcmp(ids[k], ids[i]) == 0) {
                trib_error_set(err, TRIB_ERR_INVALID, "rules: rule id '%s' is listed twice", ids[i]);
                goto out;
            }
    }
    /* every rules.<id>.* key belongs to a listed rule */
    for (size_t i = 0; i < trib_props_count(config); i++) {
        const char *k = trib_props_key_at(config, i);
        if (!trib_str_startswith(k, "rules.")) continue;
        const char *id = k + 6, *dot = strchr(id, '.');
        bool listed = false;
        for (size_t j = 0; dot && j < n && !listed; j++)
            listed = strlen(ids[j]) == (size_t)(dot - id) && strncmp(ids[j], id, (size_t)(dot - id)) == 0;
        if (!listed) {
            trib_error_set(err, TRIB_ERR_INVALID, "%s: no such rule in rules (%s)", k, text);
            goto out;
        }
    }
    for (size_t i = 0; i < n; i++) {
        char *prefix = trib_xasprintf("rules.%s.", ids[i]);
        int brc = build_rule(&v->rules[v->n++], ids[i], config, prefix, err);
        free(prefix);
        if (brc < 0) {
            trib_error_prefix(err, "rule '%s'", ids[i]);
            goto out;
        }
    }
    rc = 0;
out:
    trib_strv_free(ids);
    return rc;
}

/* ---- evaluating ------------------------------------------------------------- */

/* The value at p under root (borrowed; NULL when null or missing, or when
 * a step meets something that is neither struct nor map), and its schema
 * when a struct declared one. A struct field's index is remembered per
 * step with the schema it came from; the step holds a reference to that
 * schema, so its address cannot be reused by another schema while it is
 * cached, and a pointer comparison is enough (records of a stream share
 * their schema). */
static const trib_value *lookup(path *p, const trib_value *root, const trib_schema *root_schema,
                                const trib_schema **schema) {
    const trib_value *cur = root;
    const trib_schema *sch = root_schema;
    for (size_t i = 0; i < p->n && cur; i++) {
        path_step *st = &p->steps[i];
        if (cur->type == TRIB_STRUCT) {
            const trib_schema *ss = cur->u.st.schema;
            int idx = st->index;
            if (st->cached != ss) {
                const trib_field *f = trib_schema_field(ss, st->name);
                trib_schema_unref(st->cached);
                st->cached = trib_schema_ref((trib_schema *)ss);
                st->index = idx = f ? f->index : -1;
            }
            if (idx < 0) return NULL;
            sch = ss->fields[idx].schema;
            cur = smt_struct_get(cur, (size_t)idx, true);
        } else if (cur->type == TRIB_MAP) {
            long k = smt_map_find(cur, st->name);
            sch = sch && sch->type == TRIB_MAP ? sch->value_schema : NULL;
            cur = k >= 0 ? cur->u.map.vals[k] : NULL;
        } else {
            return NULL;
        }
    }
    *schema = sch;
    return cur;
}

static bool is_int(trib_type t) {
    return t == TRIB_INT8 || t == TRIB_INT16 || t == TRIB_INT32 || t == TRIB_INT64;
}

static bool is_decimal(const trib_value *v, const trib_schema *s) {
    return v->type == TRIB_BYTES && s && trib_schema_is_logical(s, TRIB_LOGICAL_DECIMAL);
}

static bool as_number(const trib_value *v, const trib_schema *s, double *out) {
    if (is_int(v->type)) *out = (double)v->u.i;
    else if (v->type == TRIB_FLOAT32 || v->type == TRIB_FLOAT64) *out = v->u.f;
    else if (is_decimal(v, s)) {
        char *t = trib_decimal_to_string(v->u.str.data, v->u.str.len, trib_schema_decimal_scale(s));
        *out = strtod(t, NULL);
        free(t);
    } else return false;
    return true;
}

/* Text of a scalar as allowed_values and unique compare it: strings as
 * they are, integers in decimal, floats shortest-exact, booleans
 * true/false, decimals as their number. NULL for other types. *len is set;
 * the text may live in buf (cap bytes) or in the value. */
static const char *scalar_text(const trib_value *v, const trib_schema *s, char *buf, size_t cap, size_t *len) {
    switch (v->type) {
    case TRIB_STRING:
    case TRIB_BYTES:
        if (is_decimal(v, s)) {
            char *t = trib_decimal_to_string(v->u.str.data, v->u.str.len, trib_schema_decimal_scale(s));
            snprintf(buf, cap, "%s", t);
            free(t);
            break;
        }
        *len = v->u.str.len;
        return v->u.str.data;
    case TRIB_INT8: case TRIB_INT16: case TRIB_INT32: case TRIB_INT64:
        snprintf(buf, cap, "%lld", (long long)v->u.i);
        break;
    case TRIB_FLOAT32: case TRIB_FLOAT64:
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(buf, cap, "%.*g", prec, v->u.f);
            if (strtod(buf, NULL) == v->u.f) break;
        }
        break;
    case TRIB_BOOLEAN:
        snprintf(buf, cap, "%s", v->u.b ? "true" : "false");
        break;
    default:
        return NULL;
    }
    *len = strlen(buf);
    return buf;
}

/* A short description of any value for DLQ headers (caller frees). */
static char *describe(const trib_value *v, const trib_schema *s) {
    if (!v) return trib_xstrdup("null");
    char buf[64];
    size_t len;
    if (v->type == TRIB_BYTES && !is_decimal(v, s)) return smt_base64(v->u.str.data, v->u.str.len);
    const char *t = scalar_text(v, s, buf, sizeof buf, &len);
    if (t) return trib_xstrndup(t, len);
    switch (v->type) {
    case TRIB_ARRAY: return trib_xasprintf("(array of %zu)", v->u.arr.n);
    case TRIB_MAP: return trib_xasprintf("(map of %zu)", v->u.map.n);
    default: return trib_xstrdup("(struct)");
    }
}

static const char *type_of(const trib_value *v) {
    return v ? trib_type_name(v->type) : "null";
}

/* An address as most mail systems take it: local@domain, the local part
 * of RFC 5322 atext characters and single dots, the domain of LDH labels
 * (no leading or trailing hyphen) with a final label of 2+ letters. ASCII
 * only: internationalised domains must arrive in their xn-- form. */
static bool email_ok(const char *s, size_t n) {
    const char *at = memchr(s, '@', n);
    if (!at || memchr(at + 1, '@', n - (size_t)(at - s) - 1)) return false;
    size_t local = (size_t)(at - s), dom = n - local - 1;
    if (local == 0 || local > 64 || dom == 0 || dom > 253) return false;
    for (size_t i = 0; i < local; i++) {
        char c = s[i];
        if (c == '.') {
            if (i == 0 || i == local - 1 || s[i - 1] == '.') return false;
        } else if (!isalnum((unsigned char)c) && (c == '\0' || !strchr("!#$%&'*+/=?^_`{|}~-", c))) {
            return false;
        }
    }
    const char *d = at + 1;
    size_t labels = 0, start = 0;
    for (size_t i = 0; i <= dom; i++) {
        if (i < dom && d[i] != '.') {
            if (!isalnum((unsigned char)d[i]) && d[i] != '-') return false;
            continue;
        }
        size_t l = i - start;
        if (l == 0 || l > 63 || d[start] == '-' || d[i - 1] == '-') return false;
        labels++;
        if (i == dom) {  /* the last label: letters only, at least two */
            if (l < 2) return false;
            for (size_t k = start; k < i; k++)
                if (!isalpha((unsigned char)d[k])) return false;
        }
        start = i + 1;
    }
    return labels >= 2;
}

static size_t utf8_chars(const char *s, size_t n) {
    size_t c = 0;
    for (size_t i = 0; i < n; i++) c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

static bool type_ok(const char *e, const trib_value *v, const trib_schema *s) {
    trib_type parsed;
    if (trib_type_parse(e, &parsed) == 0) return v->type == parsed;
    if (strcmp(e, "integer") == 0) return is_int(v->type);
    if (strcmp(e, "number") == 0)
        return is_int(v->type) || v->type == TRIB_FLOAT32 || v->type == TRIB_FLOAT64 || is_decimal(v, s);
    if (strcmp(e, "object") == 0) return v->type == TRIB_MAP || v->type == TRIB_STRUCT;
    if (strcmp(e, "decimal") == 0) return is_decimal(v, s);
    if (strcmp(e, "date") == 0) return s && v->type == TRIB_INT32 && trib_schema_is_logical(s, TRIB_LOGICAL_DATE);
    if (strcmp(e, "time") == 0) return s && v->type == TRIB_INT32 && trib_schema_is_logical(s, TRIB_LOGICAL_TIME);
    return s && v->type == TRIB_INT64 && trib_schema_is_logical(s, TRIB_LOGICAL_TIMESTAMP);
}

/* -1, 0, 1; *ok false when the two cannot be compared. */
static int compare(const trib_value *a, const trib_schema *as, const trib_value *b, const trib_schema *bs, bool *ok) {
    *ok = true;
    if (is_int(a->type) && is_int(b->type)) return (a->u.i > b->u.i) - (a->u.i < b->u.i);
    double x, y;
    if (as_number(a, as, &x) && as_number(b, bs, &y)) return (x > y) - (x < y);
    if (a->type == TRIB_STRING && b->type == TRIB_STRING) {
        size_t n = a->u.str.len < b->u.str.len ? a->u.str.len : b->u.str.len;
        int c = memcmp(a->u.str.data, b->u.str.data, n);
        if (c == 0) c = (a->u.str.len > b->u.str.len) - (a->u.str.len < b->u.str.len);
        return (c > 0) - (c < 0);
    }
    if (a->type == TRIB_BOOLEAN && b->type == TRIB_BOOLEAN) return (int)a->u.b - (int)b->u.b;
    *ok = false;
    return 0;
}

/* ---- unique: a hash set with first-seen times, oldest first ------------------
 *
 * A value is remembered by its length, its 64-bit hash and at most its
 * first UNIQUE_KEEP bytes, so memory per value is bounded (about 130
 * bytes) whatever the values' size; two longer values that agree on all
 * three count as the same. */

static void uset_grow(uset *s) {
    size_t nb = s->nbuckets ? s->nbuckets * 2 : 64;
    ukey **b = trib_xcalloc(nb, sizeof *b);
    for (ukey *k = s->oldest; k; k = k->older_than_me) {
        k->chain = b[k->hash & (nb - 1)];
        b[k->hash & (nb - 1)] = k;
    }
    free(s->buckets);
    s->buckets = b;
    s->nbuckets = nb;
}

static ukey *uset_find(const uset *s, const char *key, size_t len, uint64_t h) {
    if (!s->nbuckets) return NULL;
    for (ukey *k = s->buckets[h & (s->nbuckets - 1)]; k; k = k->chain)
        if (k->hash == h && k->len == len && memcmp(k->key, key, len < UNIQUE_KEEP ? len : UNIQUE_KEEP) == 0)
            return k;
    return NULL;
}

static void uset_drop_oldest(uset *s) {
    ukey *k = s->oldest;
    ukey **p = &s->buckets[k->hash & (s->nbuckets - 1)];
    while (*p != k) p = &(*p)->chain;
    *p = k->chain;
    s->oldest = k->older_than_me;
    if (!s->oldest) s->newest = NULL;
    s->count--;
    free(k->key);
    free(k);
}

static void uset_add(uset *s, const char *key, size_t len, uint64_t h, int64_t t, size_t max) {
    while (s->count >= max) uset_drop_oldest(s);
    if (s->count >= s->nbuckets) uset_grow(s);
    ukey *k = trib_xcalloc(1, sizeof *k);
    k->key = trib_xstrndup(key, len < UNIQUE_KEEP ? len : UNIQUE_KEEP);
    k->len = len;
    k->hash = h;
    k->t = t;
    k->chain = s->buckets[h & (s->nbuckets - 1)];
    s->buckets[h & (s->nbuckets - 1)] = k;
    if (s->newest) s->newest->older_than_me = k;
    else s->oldest = k;
    s->newest = k;
    s->count++;
}

/* True when the value repeats one seen in the batch or window. */
static bool unique_seen(rule *r, const trib_value *v, const trib_schema *s, const trib_record *rec, char *why,
                        size_t cap) {
    char buf[64];
    size_t len;
    const char *t = scalar_text(v, s, buf, sizeof buf, &len);
    if (!t) {
        snprintf(why, cap, "a %s value cannot be checked for uniqueness", type_of(v));
        return true;
    }
    uint64_t h = trib_fnv1a(t, len);
    if (r->window) {
        int64_t now = rec->timestamp >= 0 ? rec->timestamp : trib_now_ms();
        if (now > r->clock) r->clock = now;  /* time only moves forward */
        while (r->seen.oldest && r->seen.oldest->t <= r->clock - r->window_ms) uset_drop_oldest(&r->seen);
    }
    ukey *k = uset_find(&r->seen, t, len, h);
    if (k) {
        if (r->window)
            snprintf(why, cap, "duplicate: the same value was first seen %lld ms earlier, within the %lld ms window",
                     (long long)(r->clock - k->t), (long long)r->window_ms);
        else
            snprintf(why, cap, "duplicate: the same value appeared earlier in this batch");
        return true;
    }
    uset_add(&r->seen, t, len, h, r->clock, r->max_keys);
    return false;
}

static bool allowed(const rule *r, const char *t, size_t len) {
    for (size_t k = trib_fnv1a(t, len) & r->vmask; r->vslots[k] != UINT32_MAX; k = (k + 1) & r->vmask) {
        uint32_t i = r->vslots[k];
        if (r->vlens[i] == len && memcmp(r->values[i], t, len) == 0) return true;
    }
    return false;
}

static bool regex_match(rule *r, const char *s, size_t n) {
    if (strlen(s) != n) return false;  /* a NUL inside: POSIX would see a shorter string */
    if (n == 0 || n >= MEMO_TEXT) return trib_jregex_matches(r->re, s);
    uint64_t h = trib_fnv1a(s, n);
    struct memo *m = &r->memo[h & (MEMO_SLOTS - 1)];
    if (m->len == n && m->hash == h && memcmp(m->text, s, n) == 0) return m->match;
    bool match = trib_jregex_matches(r->re, s);
    *m = (struct memo){.hash = h, .len = (uint8_t)n, .match = match};
    memcpy(m->text, s, n);
    return match;
}

/* Whether rec passes rule r. On failure, fills why and points *bad_value
 * (and its schema) at the offending value. */
static bool check(rule *r, const trib_record *rec, const trib_value *root, const trib_schema *rs, char *why,
                  size_t cap, const trib_value **bad, const trib_schema **bad_schema) {
    const trib_schema *s = NULL;
    const trib_value *v = r->path.n ? lookup(&r->path, root, rs, &s) : root;
    if (!r->path.n) s = rs;
    *bad = v;
    *bad_schema = s;
    if (!v) {
        if (r->kind != K_NOT_NULL) return true;  /* a missing value is not_null's business */
        snprintf(why, cap, "is null or missing");
        return false;
    }
    switch (r->kind) {
    case K_NOT_NULL:
        return true;
    case K_TYPE:
        if (type_ok(r->expected, v, s)) return true;
        snprintf(why, cap, "is a %s, expected %s", s && s->name ? s->name : type_of(v), r->expected);
        return false;
    case K_RANGE: {
        double d;
        if (!as_number(v, s, &d)) {
            snprintf(why, cap, "is a %s, not a number", type_of(v));
            return false;
        }
        bool lo = !r->has_min || (r->min_incl ? d >= r->min : d > r->min);
        bool hi = !r->has_max || (r->max_incl ? d <= r->max : d < r->max);
        if (lo && hi) return true;
        if (!lo) snprintf(why, cap, "is below the minimum %.17g%s", r->min, r->min_incl ? "" : " (exclusive)");
        else snprintf(why, cap, "is above the maximum %.17g%s", r->max, r->max_incl ? "" : " (exclusive)");
        return false;
    }
    case K_LENGTH: {
        size_t n;
        if (v->type == TRIB_STRING) n = utf8_chars(v->u.str.data, v->u.str.len);
        else if (v->type == TRIB_BYTES) n = v->u.str.len;
        else if (v->type == TRIB_ARRAY) n = v->u.arr.n;
        else if (v->type == TRIB_MAP) n = v->u.map.n;
        else {
            snprintf(why, cap, "is a %s, which has no length", type_of(v));
            return false;
        }
        if ((r->has_min && (double)n < r->min) || (r->has_max && (double)n > r->max)) {
            bool short_ = r->has_min && (double)n < r->min;
            snprintf(why, cap, "has length %zu, %s %.0f", n, short_ ? "below the minimum" : "above the maximum",
                     short_ ? r->min : r->max);
            return false;
        }
        return true;
    }
    case K_REGEX:
    case K_EMAIL:
        if (v->type != TRIB_STRING) {
            snprintf(why, cap, "is a %s, not a string", type_of(v));
            return false;
        }
        if (r->kind == K_EMAIL) {
            if (email_ok(v->u.str.data, v->u.str.len)) return true;
            snprintf(why, cap, "is not an email address");
            return false;
        }
        if (v->u.str.len > REGEX_MAX_SUBJECT) {
            snprintf(why, cap, "is longer than %d bytes, the most a regex rule matches", REGEX_MAX_SUBJECT);
            return false;
        }
        if (regex_match(r, v->u.str.data, v->u.str.len)) return true;
        snprintf(why, cap, "does not match the pattern");
        return false;
    case K_ALLOWED: {
        char buf[64];
        size_t len;
        const char *t = scalar_text(v, s, buf, sizeof buf, &len);
        if (t && allowed(r, t, len)) return true;
        snprintf(why, cap, "is not one of the %zu allowed values", r->nvalues);
        return false;
    }
    case K_UNIQUE:
        return !unique_seen(r, v, s, rec, why, cap);
    case K_COMPARE: {
        const trib_schema *os = NULL;
        const trib_value *o = lookup(&r->other, root, rs, &os);
        if (!o) return true;  /* nothing to compare with: not_null's business */
        bool ok;
        int c = compare(v, s, o, os, &ok);
        if (!ok) {
            snprintf(why, cap, "a %s cannot be compared with %s (a %s)", type_of(v), r->other_text, type_of(o));
            return false;
        }
        bool pass = r->op == 0 ? c < 0 : r->op == 1 ? c <= 0 : r->op == 2 ? c == 0 : r->op == 3 ? c != 0
                  : r->op == 4 ? c > 0 : c >= 0;
        if (pass) return true;
        char *od = describe(o, os);
        snprintf(why, cap, "is not %s %s (%.64s)", ops[r->op], r->other_text, od);
        free(od);
        return false;
    }
    case K_KINDS:
        break;
    }
    return true;
}

/* ---- the transform ----------------------------------------------------------- */

static void clear_failure(validate *v) {
    for (size_t i = 0; i < v->nfh; i++) free(v->fh[i].value);
    v->nfh = 0;
    v->failure = (trib_transform_failure){TRIB_ROUTE_TOLERANCE, NULL, 0};
}

/* A header value cut at HEADER_VALUE_MAX bytes, not inside a UTF-8 character. */
static void add_fh(validate *v, const char *key, const char *value) {
    size_t n = strlen(value);
    if (n > HEADER_VALUE_MAX) {
        n = HEADER_VALUE_MAX;
        while (n > 0 && ((unsigned char)value[n] & 0xC0) == 0x80) n--;
    }
    v->fh[v->nfh++] = (trib_header){(char *)key, trib_xstrndup(value, n), n};
}

static void validate_destroy(void *vctx) {
    validate *v = vctx;
    if (!v) return;
    for (size_t i = 0; i < v->n; i++) rule_free(&v->rules[i]);
    free(v->rules);
    free(v->failed);
    clear_failure(v);
    trib_quality_counters_destroy(v->counters);
    free(v);
}

static int validate_create(const trib_props *props, void **out, trib_error *err, smt_target target) {
    trib_config *cfg = trib_config_bind(validate_config, props, "", err);
    if (!cfg) return -1;
    validate *v = trib_xcalloc(1, sizeof *v);
    v->target = target;
    const char *of = trib_config_string(cfg, "on.failure");
    v->route = strcasecmp(of, "dlq") == 0 ? TRIB_ROUTE_DLQ : TRIB_ROUTE_FAIL;
    v->drop = strcasecmp(of, "drop") == 0;
    const char *text = trib_config_string(cfg, "rules");
    const char *t = text;
    while (isspace((unsigned char)*t)) t++;
    int rc;
    if (strlen(text) > MAX_RULES_TEXT)
        rc = trib_error_set(err, TRIB_ERR_INVALID, "rules: longer than %d bytes", MAX_RULES_TEXT);
    else
        rc = *t == '[' ? rules_from_json(v, t, props, err) : rules_from_props(v, text, props, err);
    trib_config_destroy(cfg);
    if (rc < 0) {
        validate_destroy(v);
        return -1;
    }
    size_t keys = 0;
    for (size_t i = 0; i < v->n; i++)
        if (v->rules[i].kind == K_UNIQUE) keys += v->rules[i].max_keys;
    if (keys > MAX_UNIQUE_KEYS) {
        validate_destroy(v);
        return trib_error_set(err, TRIB_ERR_INVALID,
                              "rules: the unique rules' max_keys add up to %zu, at most %d per transform", keys,
                              MAX_UNIQUE_KEYS);
    }
    v->failed = trib_xcalloc(v->n, sizeof *v->failed);
    trib_quality_rule_info *info = trib_xcalloc(v->n, sizeof *info);
    for (size_t i = 0; i < v->n; i++)
        info[i] = (trib_quality_rule_info){v->rules[i].id, v->rules[i].name, kind_names[v->rules[i].kind],
                                           v->rules[i].column, v->rules[i].warning ? "warning" : "error"};
    v->counters = trib_quality_counters_new(v->n, info);
    free(info);
    *out = v;
    return 0;
}

static int validate_create_key(const trib_props *p, void **out, trib_error *err) {
    return validate_create(p, out, err, SMT_KEY);
}

static int validate_create_value(const trib_props *p, void **out, trib_error *err) {
    return validate_create(p, out, err, SMT_VALUE);
}

static int validate_apply(void *vctx, trib_record **rec, trib_error *err) {
    validate *v = vctx;
    trib_record *r = *rec;
    const trib_value *root = smt_value(r, v->target);
    const trib_schema *rs = smt_schema(r, v->target);
    char why[384];
    const trib_value *bad = NULL;
    const trib_schema *bad_schema = NULL;
    long first_error = -1;
    bool warned = false;
    for (size_t i = 0; i < v->n; i++) {
        rule *ru = &v->rules[i];
        const trib_value *b;
        const trib_schema *bs;
        char w[384];
        bool pass = check(ru, r, root, rs, first_error < 0 && !ru->warning ? why : w, sizeof why, &b, &bs);
        trib_quality_count_rule(v->counters, i, pass);
        v->failed[i] = !pass;
        if (pass) continue;
        if (ru->warning) {
            warned = true;
        } else if (first_error < 0) {
            first_error = (long)i;
            bad = b;
            bad_schema = bs;
        }
    }
    if (first_error >= 0) {
        rule *ru = &v->rules[first_error];
        if (v->drop) {
            trib_quality_count_outcome(v->counters, TRIB_QUALITY_DROPPED);
            trib_record_destroy(r);
            *rec = NULL;
            return 0;
        }
        trib_quality_count_outcome(v->counters, v->route == TRIB_ROUTE_DLQ ? TRIB_QUALITY_DLQ : TRIB_QUALITY_FAILED);
        clear_failure(v);
        char *shown = describe(bad, bad_schema);
        add_fh(v, "__validate.rule.id", ru->id);
        add_fh(v, "__validate.rule.name", ru->name);
        add_fh(v, "__validate.field", ru->column);
        add_fh(v, "__validate.value", shown);
        add_fh(v, "__validate.reason", why);
        v->failure = (trib_transform_failure){v->route, v->fh, v->nfh};
        /* The message is what a FAILED task's trace and the DLQ's
         * exception header show: the rule first. */
        trib_error_set(err, TRIB_ERR_INVALID, "rule %s (%s) failed on %s: %s (value: %.64s%s)", ru->id,
                       kind_names[ru->kind], *ru->column ? ru->column : v->target == SMT_KEY ? "the key" : "the value",
                       why, shown, strlen(shown) > 64 ? "..." : "");
        free(shown);
        return -1;
    }
    if (warned) {
        for (size_t i = 0; i < v->n; i++)
            if (v->failed[i] && v->rules[i].warning)
                trib_record_add_header_string(r, "__validate.warning", v->rules[i].id);
        trib_quality_count_outcome(v->counters, TRIB_QUALITY_WARNED);
    } else {
        trib_quality_count_outcome(v->counters, TRIB_QUALITY_PASSED);
    }
    return 0;
}

static void validate_attach(void *vctx, const char *connector, const char *alias) {
    validate *v = vctx;
    trib_quality_counters_attach(v->counters, connector, alias);
}

static void validate_batch_begin(void *vctx) {
    validate *v = vctx;
    for (size_t i = 0; i < v->n; i++)
        if (v->rules[i].kind == K_UNIQUE && !v->rules[i].window && v->rules[i].seen.count) uset_clear(&v->rules[i].seen);
}

static const trib_transform_failure *validate_failure(void *vctx) {
    validate *v = vctx;
    return v->nfh ? &v->failure : NULL;
}

static bool validate_needs_dlq(void *vctx) {
    validate *v = vctx;
    return v->route == TRIB_ROUTE_DLQ && !v->drop;
}

const trib_transform_plugin trib_smt_validate_key = {
    .class_name = "io.tributary.connect.transforms.Validate$Key",
    .alias = "Validate$Key",
    .doc = "Checks records against data-quality rules (not_null, type, range, regex, email, allowed_values, "
           "length, unique, compare) on fields of the record's key, by dotted path. A record failing a rule of "
           "severity error is failed, sent to the dead letter queue or dropped (on.failure); failed warning rules "
           "add a __validate.warning header. Counters per rule: GET /connectors/{name}/quality.",
    .config = validate_config,
    .create = validate_create_key,
    .apply = validate_apply,
    .destroy = validate_destroy,
    .attach = validate_attach,
    .batch_begin = validate_batch_begin,
    .failure = validate_failure,
    .needs_dlq = validate_needs_dlq,
};

const trib_transform_plugin trib_smt_validate_value = {
    .class_name = "io.tributary.connect.transforms.Validate$Value",
    .alias = "Validate$Value",
    .doc = "Checks records against data-quality rules (not_null, type, range, regex, email, allowed_values, "
           "length, unique, compare) on fields of the record's value, by dotted path. A record failing a rule of "
           "severity error is failed, sent to the dead letter queue or dropped (on.failure); failed warning rules "
           "add a __validate.warning header. Counters per rule: GET /connectors/{name}/quality.",
    .config = validate_config,
    .create = validate_create_value,
    .apply = validate_apply,
    .destroy = validate_destroy,
    .attach = validate_attach,
    .batch_begin = validate_batch_begin,
    .failure = validate_failure,
    .needs_dlq = validate_needs_dlq,
};

/* The plain name checks the value, where the fields usually are. */
const trib_transform_plugin trib_smt_validate = {
    .class_name = "io.tributary.connect.transforms.Validate",
    .alias = "Validate",
    .doc = "Validate$Value under its short name: checks the record's value against data-quality rules.",
    .config = validate_config,
    .create = validate_create_value,
    .apply = validate_apply,
    .destroy = validate_destroy,
    .attach = validate_attach,
    .batch_begin = validate_batch_begin,
    .failure = validate_failure,
    .needs_dlq = validate_needs_dlq,
};
