/*
 * config.c: the config-definition engine's core: turning one table row plus
 * a string value into a typed value and a list of Connect-worded errors
 * (eval_row), and the two users of that step: the validation report (which
 * keeps every error for PUT .../config/validate) and binding (which refuses
 * on any error and serves typed getters).
 *
 * Wording follows Kafka Connect's ConfigDef so that clients matching on
 * messages see the same text: "Missing required configuration ...",
 * "Invalid value V for configuration K: Not a number of type INT",
 * "Value must be at least 1", "String must be one of: a, b".
 * As in Connect, string values are trimmed before they are parsed, and at
 * most one validation error is reported per key (Connect's validators stop
 * at the first failure).
 *
 * describe.c holds the JSON/markdown descriptions and redaction.
 */
#include "config/config.h"
#include "common/util.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- small helpers ---------------------------------------------------------- */

typedef struct strvec {
    char **v;
    size_t n, cap;
} strvec;

static void strvec_push_take(strvec *sv, char *s) {
    if (sv->n == sv->cap) {
        sv->cap = sv->cap ? sv->cap * 2 : 4;
        sv->v = trib_xrealloc(sv->v, sv->cap * sizeof *sv->v);
    }
    sv->v[sv->n++] = s;
}

static void strvec_free(strvec *sv) {
    for (size_t i = 0; i < sv->n; i++) free(sv->v[i]);
    free(sv->v);
    sv->v = NULL;
    sv->n = sv->cap = 0;
}

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("tributary: programming error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

static bool is_sensitive(const trib_config_def *d) {
    return d->sensitive || d->type == TRIB_CFG_PASSWORD;
}

static bool is_stringish(trib_cfg_type t) {
    return t == TRIB_CFG_STRING || t == TRIB_CFG_CLASS || t == TRIB_CFG_PASSWORD;
}

/* A range bound as Connect prints it: integers plainly, doubles with a
 * fractional part ("0.5", "1.0"). */
static void fmt_bound(char *buf, size_t n, double v, trib_cfg_type t) {
    if (t != TRIB_CFG_DOUBLE) {
        snprintf(buf, n, "%.0f", v);
        return;
    }
    if (v == floor(v) && fabs(v) < 1e7) {
        snprintf(buf, n, "%.1f", v);
        return;
    }
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, n, "%.*g", p, v);
        if (strtod(buf, NULL) == v) return;
    }
}

/* ---- evaluating one row ------------------------------------------------------- */

/* One row's value. str is the canonical string form (trimmed; integers and
 * booleans normalised; lists joined with ","; one_of values in the table's
 * spelling), NULL when the value is null. */
typedef struct cfg_value {
    const trib_config_def *def;
    char *str;
    int64_t i;
    double d;
    bool b;
    char **list; /* LIST only; NULL-terminated */
    size_t nlist;
} cfg_value;

static void cfg_value_clear(cfg_value *v) {
    free(v->str);
    trib_strv_free(v->list);
    memset(v, 0, sizeof *v);
}

static void add_invalid(strvec *errs, const char *shown, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void add_invalid(strvec *errs, const char *shown, const char *key, const char *fmt, ...) {
    char why[TRIB_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    strvec_push_take(errs, trib_xasprintf("Invalid value %s for configuration %s: %s", shown, key, why));
}

/* Case-insensitive search of one_of; returns the table's spelling or NULL. */
static const char *one_of_match(const char *const *one_of, const char *s) {
    for (const char *const *o = one_of; *o; o++)
        if (strcasecmp(*o, s) == 0) return *o;
    return NULL;
}

static char *one_of_joined(const char *const *one_of) {
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    for (const char *const *o = one_of; *o; o++) {
        if (o != one_of) trib_strbuf_puts(&sb, ", ");
        trib_strbuf_puts(&sb, *o);
    }
    return trib_strbuf_take(&sb);
}

static char *join_list(char *const *items) {
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    for (size_t i = 0; items[i]; i++) {
        if (i) trib_strbuf_putc(&sb, ',');
        trib_strbuf_puts(&sb, items[i]);
    }
    return trib_strbuf_take(&sb);
}

/* The built-in and custom validators, in order; the first failure wins. */
static int run_validators(const trib_config_def *d, const char *key, cfg_value *out, strvec *errs) {
    const char *shown = is_sensitive(d) ? "[hidden]" : out->str;
    char lo[64], hi[64];

    if ((d->has_min || d->has_max) &&
        (d->type == TRIB_CFG_INT || d->type == TRIB_CFG_SHORT || d->type == TRIB_CFG_LONG ||
         d->type == TRIB_CFG_DOUBLE)) {
        double v = d->type == TRIB_CFG_DOUBLE ? out->d : (double)out->i;
        if (d->has_min && v < d->min) {
            fmt_bound(lo, sizeof lo, d->min, d->type);
            add_invalid(errs, shown, key, "Value must be at least %s", lo);
            return -1;
        }
        if (d->has_max && v > d->max) {
            fmt_bound(hi, sizeof hi, d->max, d->type);
            add_invalid(errs, shown, key, "Value must be no more than %s", hi);
            return -1;
        }
    }

    if (d->one_of) {
        if (d->type == TRIB_CFG_LIST) {
            for (size_t i = 0; i < out->nlist; i++) {
                const char *m = one_of_match(d->one_of, out->list[i]);
                if (!m) {
                    char *all = one_of_joined(d->one_of);
                    add_invalid(errs, is_sensitive(d) ? "[hidden]" : out->list[i], key,
                                "String must be one of: %s", all);
                    free(all);
                    return -1;
                }
                free(out->list[i]);
                out->list[i] = trib_xstrdup(m);
            }
            free(out->str);
            out->str = join_list(out->list);
        } else {
            const char *m = one_of_match(d->one_of, out->str);
            if (!m) {
                char *all = one_of_joined(d->one_of);
                add_invalid(errs, shown, key, "String must be one of: %s", all);
                free(all);
                return -1;
            }
            if (is_stringish(d->type)) {
                free(out->str);
                out->str = trib_xstrdup(m);
                shown = is_sensitive(d) ? "[hidden]" : out->str;
            }
        }
    }

    if (d->non_empty) {
        if (is_stringish(d->type) && out->str[0] == '\0') {
            add_invalid(errs, shown, key, "String must be non-empty");
            return -1;
        }
        if (d->type == TRIB_CFG_LIST && out->nlist == 0) {
            add_invalid(errs, shown, key, "List must be non-empty");
            return -1;
        }
    }

    if (d->validate) {
        trib_error e;
        trib_error_clear(&e);
        if (d->validate(d, out->str, &e) != 0) {
            add_invalid(errs, shown, key, "%s", e.msg[0] ? e.msg : "rejected by the validator");
            return -1;
        }
    }
    return 0;
}

/* Parses and validates one row: given is props[key] (NULL when absent).
 * Appends each error to errs and returns -1 if there was any. out always
 * describes the row; out->str is NULL when the value is null (absent
 * optional, missing required, or unparseable, as Connect reports it). */
static int eval_row(const trib_config_def *d, const char *key, const char *given, cfg_value *out,
                    strvec *errs, bool report) {
    memset(out, 0, sizeof *out);
    out->def = d;
    const char *src = given;
    if (!src) {
        if (d->default_value) {
            src = d->default_value;
        } else if (d->optional) {
            out->list = trib_split_list(NULL, &out->nlist);
            return 0;
        } else {
            strvec_push_take(errs, trib_xasprintf(
                "Missing required configuration \"%s\" which has no default value.", key));
            if (report && d->null_error) add_invalid(errs, "null", d->name, "%s", d->null_error);
            out->list = trib_split_list(NULL, &out->nlist);
            return -1;
        }
    }

    char *t = trib_xstrdup(src);
    char *trimmed = trib_trim(t);
    const char *shown = is_sensitive(d) ? "[hidden]" : src;
    const char *bad = NULL;
    switch (d->type) {
    case TRIB_CFG_INT:
        if (trib_parse_int64(trimmed, &out->i) != 0 || out->i < INT32_MIN || out->i > INT32_MAX)
            bad = "Not a number of type INT";
        break;
    case TRIB_CFG_SHORT:
        if (trib_parse_int64(trimmed, &out->i) != 0 || out->i < INT16_MIN || out->i > INT16_MAX)
            bad = "Not a number of type SHORT";
        break;
    case TRIB_CFG_LONG:
        if (trib_parse_int64(trimmed, &out->i) != 0) bad = "Not a number of type LONG";
        break;
    case TRIB_CFG_DOUBLE:
        if (trib_parse_double(trimmed, &out->d) != 0) bad = "Not a number of type DOUBLE";
        break;
    case TRIB_CFG_BOOLEAN:
        if (trib_parse_bool(trimmed, &out->b) != 0) bad = "Expected value to be either true or false";
        break;
    default:
        break;
    }
    if (bad) {
        add_invalid(errs, shown, key, "%s", bad);
        /* a validation report, like Connect's, then runs the row's range
         * validator on the null the value parsed to and reports that too
         * (binding keeps its message to the one error that matters) */
        if (report && (d->has_min || d->has_max)) add_invalid(errs, "null", key, "Value must be non-null");
        free(t);
        out->list = trib_split_list(NULL, &out->nlist);
        return -1;
    }

    switch (d->type) {
    case TRIB_CFG_INT:
    case TRIB_CFG_SHORT:
    case TRIB_CFG_LONG: out->str = trib_xasprintf("%lld", (long long)out->i); break;
    case TRIB_CFG_BOOLEAN: out->str = trib_xstrdup(out->b ? "true" : "false"); break;
    case TRIB_CFG_LIST:
        out->list = trib_split_list(trimmed, &out->nlist);
        out->str = join_list(out->list);
        break;
    default: out->str = trib_xstrdup(trimmed); break;
    }
    free(t);
    if (!out->list) out->list = trib_split_list(NULL, &out->nlist);
    return run_validators(d, key, out, errs);
}

static char *full_name(const char *prefix, const char *name) {
    return trib_xasprintf("%s%s", prefix ? prefix : "", name);
}

/* ---- validation report ---------------------------------------------------------- */

typedef struct rentry {
    char *name;                 /* full (prefixed) key */
    const trib_config_def *def; /* NULL for keys only known through report_error */
    int order;                  /* Connect's orderInGroup */
    /* set by trib_config_report_embed: the plugin group and, for its type
     * key, the alias-specific documentation and display name */
    char *group, *doc, *display;
    char *value;                /* canonical string; NULL is JSON null */
    strvec errors;
} rentry;

struct trib_config_report {
    rentry *e;
    size_t n, cap;
};

trib_config_report *trib_config_report_new(void) {
    return trib_xcalloc(1, sizeof(trib_config_report));
}

void trib_config_report_destroy(trib_config_report *r) {
    if (!r) return;
    for (size_t i = 0; i < r->n; i++) {
        free(r->e[i].name);
        free(r->e[i].value);
        free(r->e[i].group);
        free(r->e[i].doc);
        free(r->e[i].display);
        strvec_free(&r->e[i].errors);
    }
    free(r->e);
    free(r);
}

static rentry *report_entry(trib_config_report *r, const char *name) {
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->e[i].name, name) == 0) return &r->e[i];
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->e = trib_xrealloc(r->e, r->cap * sizeof *r->e);
    }
    rentry *e = &r->e[r->n++];
    memset(e, 0, sizeof *e);
    e->name = trib_xstrdup(name);
    return e;
}

void trib_config_report_add(trib_config_report *r, const trib_config_def *defs,
                            const trib_props *props, const char *prefix) {
    for (const trib_config_def *d = defs; d && d->name; d++) {
        char *key = full_name(prefix, d->name);
        rentry *e = report_entry(r, key);
        strvec errs = {0};
        cfg_value v;
        eval_row(d, key, trib_props_get(props, key), &v, &errs, true);
        if (!e->def) {
            e->order = trib_config_def_order(defs, d);
            e->def = d;
            free(e->value);
            e->value = v.str ? trib_xstrdup(v.str) : NULL;
        }
        for (size_t i = 0; i < errs.n; i++) strvec_push_take(&e->errors, errs.v[i]);
        free(errs.v);
        cfg_value_clear(&v);
        free(key);
    }
}

static const char *entry_group(const rentry *e) {
    return e->group ? e->group : e->def ? e->def->group : NULL;
}

/* ConfigDef's sort of an embedded plugin's keys: those without default
 * first, then by importance, then by name. */
static int embed_cmp(const void *pa, const void *pb) {
    const rentry *a = pa, *b = pb;
    bool ra = a->def && !a->def->default_value && !a->def->optional;
    bool rb = b->def && !b->def->default_value && !b->def->optional;
    if (ra != rb) return ra ? -1 : 1;
    int ia = a->def ? (int)a->def->importance : 0, ib = b->def ? (int)b->def->importance : 0;
    if (ia != ib) return ia - ib;
    return strcmp(a->name, b->name);
}

void trib_config_report_embed(trib_config_report *r, const char *prefix, const char *group,
                              const char *type_doc, const char *type_display) {
    size_t plen = strlen(prefix), n = 0;
    rentry *moved = trib_xcalloc(r->n ? r->n : 1, sizeof *moved);
    rentry *type = NULL;
    size_t keep = 0;
    for (size_t i = 0; i < r->n; i++) {
        rentry *e = &r->e[i];
        if (e->def && strncmp(e->name, prefix, plen) == 0) moved[n++] = *e;
        else r->e[keep++] = *e;
    }
    for (size_t i = 0; i < n; i++)
        if (strcmp(moved[i].name + plen, "type") == 0 && i != 0) {
            rentry t = moved[i];
            memmove(&moved[1], &moved[0], i * sizeof *moved);
            moved[0] = t;
        }
    if (n && strcmp(moved[0].name + plen, "type") == 0) type = &moved[0];
    size_t first = type ? 1 : 0;
    if (n > first) qsort(&moved[first], n - first, sizeof *moved, embed_cmp);
    for (size_t i = 0; i < n; i++) {
        rentry *e = &moved[i];
        free(e->group);
        e->group = trib_xstrdup(group);
        e->order = (int)(i + (type ? 0 : 1));
        if (e == type) {
            free(e->doc);
            free(e->display);
            e->doc = type_doc ? trib_xstrdup(type_doc) : NULL;
            e->display = type_display ? trib_xstrdup(type_display) : NULL;
        }
        r->e[keep + i] = *e;
    }
    free(moved);
}

void trib_config_report_error(trib_config_report *r, const char *key, const char *fmt, ...) {
    char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0) die("out of memory formatting a config error");
    va_end(ap);
    strvec_push_take(&report_entry(r, key)->errors, msg);
}

void trib_config_report_take_errors(trib_config_report *dst, trib_config_report *src) {
    for (size_t i = 0; i < src->n; i++) {
        rentry *e = &src->e[i];
        if (e->errors.n == 0) continue;
        rentry *d = report_entry(dst, e->name);
        for (size_t k = 0; k < e->errors.n; k++) strvec_push_take(&d->errors, e->errors.v[k]);
        free(e->errors.v);
        memset(&e->errors, 0, sizeof e->errors);
    }
}

void trib_config_report_set_value(trib_config_report *r, const char *key, const char *value) {
    rentry *e = report_entry(r, key);
    free(e->value);
    e->value = value ? trib_xstrdup(value) : NULL;
}

void trib_config_report_value_null(trib_config_report *r, const char *key) {
    rentry *e = report_entry(r, key);
    free(e->value);
    e->value = NULL;
}

int trib_config_report_error_count(const trib_config_report *r) {
    int n = 0;
    for (size_t i = 0; r && i < r->n; i++) n += (int)r->e[i].errors.n;
    return n;
}

static json_t *value_json(const rentry *e) {
    json_t *v = json_object();
    json_object_set_new(v, "name", json_string(e->name));
    const char *shown = e->value;
    if (shown && e->def && is_sensitive(e->def)) shown = "[hidden]";
    json_object_set_new(v, "value", shown ? json_string(shown) : json_null());
    /* as Connect: only a recommender recommends (a validator's allowed
     * values are not offered) */
    json_t *rec = e->def && e->def->recommended ? e->def->recommended() : json_array();
    json_object_set_new(v, "recommended_values", rec);
    json_t *errs = json_array();
    for (size_t i = 0; i < e->errors.n; i++) json_array_append_new(errs, json_string(e->errors.v[i]));
    json_object_set_new(v, "errors", errs);
    json_object_set_new(v, "visible", json_true());
    return v;
}

static json_t *config_info(const rentry *e) {
    json_t *ci = json_object();
    if (e->def) {
        json_t *def = trib_config_def_to_json(e->def, e->order);
        json_object_set_new(def, "name", json_string(e->name));
        if (e->group) json_object_set_new(def, "group", json_string(e->group));
        if (e->doc) json_object_set_new(def, "documentation", json_string(e->doc));
        if (e->display) json_object_set_new(def, "display_name", json_string(e->display));
        json_object_set_new(ci, "definition", def);
    } else {
        json_object_set_new(ci, "definition", json_null());
    }
    json_object_set_new(ci, "value", value_json(e));
    return ci;
}

/* Connect lists keys without a definition first, then defined keys in
 * table order (AbstractHerder.generateResult). */
json_t *trib_config_report_to_json(const trib_config_report *r, const char *plugin_name) {
    json_t *o = json_object();
    json_object_set_new(o, "name", plugin_name ? json_string(plugin_name) : json_null());
    json_object_set_new(o, "error_count", json_integer(trib_config_report_error_count(r)));
    /* groups in order of first appearance among the defined keys, as
     * ConfigDef.groups() lists them */
    json_t *groups = json_array();
    for (size_t i = 0; i < r->n; i++) {
        const char *g = r->e[i].def ? entry_group(&r->e[i]) : NULL;
        bool seen = g == NULL;
        for (size_t k = 0; !seen && k < json_array_size(groups); k++)
            seen = strcmp(json_string_value(json_array_get(groups, k)), g) == 0;
        if (!seen) json_array_append_new(groups, json_string(g));
    }
    json_object_set_new(o, "groups", groups);
    json_t *configs = json_array();
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < r->n; i++)
            if ((r->e[i].def != NULL) == (pass == 1)) json_array_append_new(configs, config_info(&r->e[i]));
    json_object_set_new(o, "configs", configs);
    return o;
}

char *trib_config_report_summary(const trib_config_report *r) {
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    trib_strbuf_printf(&sb, "Connector configuration is invalid and contains the following %d error(s):",
                       trib_config_report_error_count(r));
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < r->n; i++)
            if ((r->e[i].def != NULL) == (pass == 1))
                for (size_t k = 0; k < r->e[i].errors.n; k++) trib_strbuf_printf(&sb, "\n%s", r->e[i].errors.v[k]);
    trib_strbuf_puts(&sb, "\nYou can also find the above list of errors at the endpoint "
                          "`/connector-plugins/{connectorType}/config/validate`");
    return trib_strbuf_take(&sb);
}

/* ---- binding ---------------------------------------------------------------------- */

struct trib_config {
    const trib_config_def *defs;
    size_t n;
    cfg_value *vals;
};

void trib_config_destroy(trib_config *c) {
    if (!c) return;
    for (size_t i = 0; i < c->n; i++) cfg_value_clear(&c->vals[i]);
    free(c->vals);
    free(c);
}

trib_config *trib_config_bind(const trib_config_def *defs, const trib_props *props,
                              const char *prefix, trib_error *err) {
    if (!defs) die("trib_config_bind: NULL table");
    trib_config *c = trib_xcalloc(1, sizeof *c);
    c->defs = defs;
    while (defs[c->n].name) c->n++;
    c->vals = trib_xcalloc(c->n ? c->n : 1, sizeof *c->vals);
    strvec errs = {0};
    for (size_t i = 0; i < c->n; i++) {
        char *key = full_name(prefix, defs[i].name);
        eval_row(&defs[i], key, trib_props_get(props, key), &c->vals[i], &errs, false);
        free(key);
    }
    if (errs.n == 0) {
        free(errs.v);
        return c;
    }
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    if (errs.n > 1) trib_strbuf_printf(&sb, "%zu configuration errors: ", errs.n);
    for (size_t i = 0; i < errs.n; i++) {
        if (i) trib_strbuf_puts(&sb, "; ");
        trib_strbuf_puts(&sb, errs.v[i]);
    }
    trib_error_set(err, TRIB_ERR_INVALID, "%s", sb.data);
    trib_strbuf_free(&sb);
    strvec_free(&errs);
    trib_config_destroy(c);
    return NULL;
}

static const cfg_value *lookup(const trib_config *c, const char *name, const char *getter) {
    if (!c) die("%s(NULL, \"%s\"): no config", getter, name ? name : "(null)");
    if (!name) die("%s: NULL name", getter);
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->defs[i].name, name) == 0) return &c->vals[i];
    die("%s: the config table has no key \"%s\"", getter, name);
}

static const cfg_value *typed(const trib_config *c, const char *name, const char *getter,
                              bool ok_types[]) {
    const cfg_value *v = lookup(c, name, getter);
    if (!ok_types[v->def->type])
        die("%s: \"%s\" is of type %s", getter, name, trib_cfg_type_name(v->def->type));
    return v;
}

#define TYPES(...) ((bool[TRIB_CFG_SHORT + 1]){__VA_ARGS__})

/* Null numbers/booleans (absent optional values) read as 0/false; a plugin
 * that needs to tell "absent" apart asks trib_config_raw() first. */
const char *trib_config_string(const trib_config *c, const char *name) {
    return typed(c, name, __func__, TYPES([TRIB_CFG_STRING] = true, [TRIB_CFG_CLASS] = true))->str;
}

int32_t trib_config_int(const trib_config *c, const char *name) {
    return (int32_t)typed(c, name, __func__, TYPES([TRIB_CFG_INT] = true, [TRIB_CFG_SHORT] = true))->i;
}

int64_t trib_config_long(const trib_config *c, const char *name) {
    return typed(c, name, __func__, TYPES([TRIB_CFG_INT] = true, [TRIB_CFG_SHORT] = true, [TRIB_CFG_LONG] = true))->i;
}

double trib_config_double(const trib_config *c, const char *name) {
    const cfg_value *v = typed(c, name, __func__,
                               TYPES([TRIB_CFG_INT] = true, [TRIB_CFG_SHORT] = true, [TRIB_CFG_LONG] = true,
                                     [TRIB_CFG_DOUBLE] = true));
    return v->def->type == TRIB_CFG_DOUBLE ? v->d : (double)v->i;
}

bool trib_config_bool(const trib_config *c, const char *name) {
    return typed(c, name, __func__, TYPES([TRIB_CFG_BOOLEAN] = true))->b;
}

char *const *trib_config_list(const trib_config *c, const char *name) {
    return typed(c, name, __func__, TYPES([TRIB_CFG_LIST] = true))->list;
}

size_t trib_config_list_len(const trib_config *c, const char *name) {
    return typed(c, name, __func__, TYPES([TRIB_CFG_LIST] = true))->nlist;
}

const char *trib_config_password(const trib_config *c, const char *name) {
    const cfg_value *v = lookup(c, name, __func__);
    if (v->def->type != TRIB_CFG_PASSWORD && !(v->def->type == TRIB_CFG_STRING && v->def->sensitive))
        die("%s: \"%s\" is of type %s and not sensitive", __func__, name, trib_cfg_type_name(v->def->type));
    return v->str;
}

const char *trib_config_raw(const trib_config *c, const char *name) {
    return lookup(c, name, __func__)->str;
}
