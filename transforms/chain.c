/*
 * chain.c: the transform chain a connector config declares, as Connect's
 * ConnectorConfig.transformationStages() and its config enrichment do:
 *
 *   transforms=a,b                   aliases, applied in this order
 *   transforms.a.type=<class|alias>  the SMT
 *   transforms.a.<key>=...           its own config (prefix stripped)
 *   transforms.a.predicate=p         apply only when predicate p holds...
 *   transforms.a.negate=true         ...or does not hold
 *   predicates=p
 *   predicates.p.type=<class|alias>  predicates.p.<key>=...
 *
 * Building and validation share one walk over the config (walk()); the
 * difference is where errors go: building stops at the first one and
 * returns it (naming the key), validation records every one in a
 * trib_config_report for PUT /connector-plugins/.../config/validate.
 * Each listed predicate is built once and shared by the transforms that
 * use it; predicates are stateless, and a chain belongs to one task thread.
 */
#include "transforms/transform.h"

#include "common/log.h"
#include "common/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_strp(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Connect's recommender for transforms.<a>.type / predicates.<p>.type:
 * every class of that kind, sorted. */
static json_t *sorted_names(const char **names, size_t n) {
    qsort(names, n, sizeof *names, cmp_strp);
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(a, json_string(names[i]));
    free(names);
    return a;
}

static json_t *recommend_transforms(void) {
    const trib_transform_plugin *const *all = trib_transforms_all();
    size_t n = 0;
    while (all[n]) n++;
    const char **names = trib_xcalloc(n + 1, sizeof *names);
    for (size_t i = 0; i < n; i++) names[i] = all[i]->class_name;
    return sorted_names(names, n);
}

static json_t *recommend_predicates(void) {
    const trib_predicate_plugin *const *all = trib_predicates_all();
    size_t n = 0;
    while (all[n]) n++;
    const char **names = trib_xcalloc(n + 1, sizeof *names);
    for (size_t i = 0; i < n; i++) names[i] = all[i]->class_name;
    return sorted_names(names, n);
}

/* The documentation and display name of the type keys name the alias; the
 * connector validation sets them (trib_config_report_embed). */
static const trib_config_def transform_type_def[] = {
    {.name = "type", .type = TRIB_CFG_CLASS, .importance = TRIB_IMP_HIGH, .group = "Transforms",
     .doc = "Class for the transformation.", .width = TRIB_WIDTH_LONG, .recommended = recommend_transforms},
    TRIB_CONFIG_END,
};

/* Connect defines these implicitly for every transformation. */
static const trib_config_def transform_implicit_def[] = {
    {.name = "predicate", .type = TRIB_CFG_STRING, .optional = true, .importance = TRIB_IMP_MEDIUM,
     .group = "Transforms", .doc = "The alias of a predicate used to determine whether to apply this transformation."},
    {.name = "negate", .type = TRIB_CFG_BOOLEAN, .default_value = "false", .importance = TRIB_IMP_MEDIUM,
     .group = "Transforms", .doc = "Whether the configured predicate should be negated."},
    TRIB_CONFIG_END,
};

static const trib_config_def predicate_type_def[] = {
    {.name = "type", .type = TRIB_CFG_CLASS, .importance = TRIB_IMP_HIGH, .group = "Predicates",
     .doc = "Class for the predicate.", .width = TRIB_WIDTH_LONG, .recommended = recommend_predicates},
    TRIB_CONFIG_END,
};

typedef struct pred_inst {
    char *alias;
    const trib_predicate_plugin *plugin;
    void *ctx;
} pred_inst;

typedef struct stage {
    char *alias;
    const trib_transform_plugin *plugin;
    void *ctx;
    pred_inst *pred;  /* NULL: unconditional */
    bool negate;
} stage;

struct trib_transform_chain {
    stage *stages;
    size_t n;
    pred_inst *preds;
    size_t npreds;
    stage *failed;   /* the stage whose apply failed last, or NULL */
};

/* Where errors go during a walk. */
typedef struct walk_ctx {
    const trib_props *props;
    trib_config_report *report;  /* validation: collect everything */
    trib_error *err;             /* building: first error only */
    bool failed;
    trib_transform_chain *chain; /* building: filled as we go */
} walk_ctx;

static void fail(walk_ctx *w, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(walk_ctx *w, const char *key, const char *fmt, ...) {
    char msg[TRIB_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (w->report) trib_config_report_error(w->report, key, "%s", msg);
    else if (!w->failed) trib_error_set(w->err, TRIB_ERR_INVALID, "%s", msg);
    w->failed = true;
}

/* Building stops at the first error; validation goes on. */
static bool stop(const walk_ctx *w) {
    return w->failed && !w->report;
}

/* A trimmed copy (Connect trims every config value). */
static char *trimmed_dup(const char *s) {
    char *copy = trib_xstrdup(s);
    char *t = trib_trim(copy);
    memmove(copy, t, strlen(t) + 1);
    return copy;
}

/* Connect's alias lists refuse duplicates. */
static char **aliases(walk_ctx *w, const char *key, size_t *n) {
    const char *raw = trib_props_get(w->props, key);
    char **v = trib_split_list(raw, n);
    for (size_t i = 0; i < *n; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(v[i], v[j]) == 0) {
                char *shown = trimmed_dup(raw);
                fail(w, key, "Invalid value %s for configuration %s: Duplicate alias provided.", shown, key);
                free(shown);
                return v;
            }
    return v;
}

/* The trimmed class name at key, or NULL after reporting it missing. */
static char *class_at(walk_ctx *w, const char *key) {
    const char *raw = trib_props_get(w->props, key);
    if (!raw) {
        if (!w->report) fail(w, key, "Missing required configuration \"%s\" which has no default value.", key);
        else w->failed = true;  /* trib_config_report_add already reported it */
        return NULL;
    }
    return trimmed_dup(raw);
}

/* Props for a plugin: the keys under prefix, prefix stripped, minus the
 * chain's own keys ("type" stays, as Connect passes it through). */
static trib_props *plugin_props(const trib_props *props, const char *prefix, bool transform) {
    trib_props *sub = trib_props_subset(props, prefix);
    if (transform) {
        trib_props_remove(sub, "predicate");
        trib_props_remove(sub, "negate");
    }
    return sub;
}

/* Validates a plugin's table against the full keys (so messages name
 * "transforms.a.regex", not "regex"), then, if that passed, creates it to
 * run its cross-field checks. Returns the context or NULL. */
static void *plugin_build(walk_ctx *w, const trib_config_def *defs, const char *prefix, const char *type_key,
                          bool transform, const void *plugin) {
    if (w->report) {
        int before = trib_config_report_error_count(w->report);
        trib_config_report_add(w->report, defs, w->props, prefix);
        if (trib_config_report_error_count(w->report) != before) {
            w->failed = true;
            return NULL;
        }
    } else {
        trib_error e;
        trib_config *cfg = trib_config_bind(defs, w->props, prefix, &e);
        if (!cfg) {
            fail(w, type_key, "%s", e.msg);
            return NULL;
        }
        trib_config_destroy(cfg);
    }
    trib_props *sub = plugin_props(w->props, prefix, transform);
    void *ctx = NULL;
    trib_error e;
    trib_error_clear(&e);
    int rc = transform ? ((const trib_transform_plugin *)plugin)->create(sub, &ctx, &e)
                       : ((const trib_predicate_plugin *)plugin)->create(sub, &ctx, &e);
    trib_props_destroy(sub);
    if (rc != 0) {
        /* prefix ends with '.', drop it: "transforms.a: message". */
        fail(w, type_key, "%.*s: %s", (int)strlen(prefix) - 1, prefix, e.msg[0] ? e.msg : "configuration rejected");
        return NULL;
    }
    if (transform && ((const trib_transform_plugin *)plugin)->needs_dlq &&
        ((const trib_transform_plugin *)plugin)->needs_dlq(ctx) &&
        !*trib_props_get_or(w->props, "errors.deadletterqueue.topic.name", ""))
        fail(w, "errors.deadletterqueue.topic.name",
             "%.*s routes failed records to the dead letter queue: set errors.deadletterqueue.topic.name",
             (int)strlen(prefix) - 1, prefix);
    if (w->report || w->failed) {
        /* Validation only needed the checks. */
        if (transform) ((const trib_transform_plugin *)plugin)->destroy(ctx);
        else ((const trib_predicate_plugin *)plugin)->destroy(ctx);
        return NULL;
    }
    return ctx;
}

static void walk_predicates(walk_ctx *w, char **palias, size_t np) {
    for (size_t i = 0; i < np && !stop(w); i++) {
        char *prefix = trib_xasprintf("predicates.%s.", palias[i]);
        char *type_key = trib_xasprintf("%stype", prefix);
        if (w->report) trib_config_report_add(w->report, predicate_type_def, w->props, prefix);
        char *cls = class_at(w, type_key);
        const trib_predicate_plugin *pp = cls ? trib_predicate_find(cls) : NULL;
        if (cls && !pp) {
            if (trib_transform_find(cls))
                fail(w, type_key, "Invalid value %s for configuration %s: Not a Predicate", cls, type_key);
            else {
                fail(w, type_key, "Invalid value %s for configuration %s: Class %s could not be found.", cls, type_key,
                     cls);
                if (w->report) trib_config_report_value_null(w->report, type_key);
            }
        }
        if (pp) {
            /* a CLASS value shows as the class it names, as Connect parses it */
            if (w->report) trib_config_report_set_value(w->report, type_key, pp->class_name);
            void *ctx = plugin_build(w, pp->config, prefix, type_key, false, pp);
            if (ctx) {
                trib_transform_chain *c = w->chain;
                c->preds[c->npreds++] = (pred_inst){trib_xstrdup(palias[i]), pp, ctx};
            }
        }
        free(cls);
        free(type_key);
        free(prefix);
    }
}

static pred_inst *find_pred(trib_transform_chain *c, const char *alias) {
    for (size_t i = 0; c && i < c->npreds; i++)
        if (strcmp(c->preds[i].alias, alias) == 0) return &c->preds[i];
    return NULL;
}

static void walk_transforms(walk_ctx *w, char **talias, size_t nt, char **palias, size_t np) {
    for (size_t i = 0; i < nt && !stop(w); i++) {
        const char *a = talias[i];
        char *prefix = trib_xasprintf("transforms.%s.", a);
        char *type_key = trib_xasprintf("%stype", prefix);
        char *pred_key = trib_xasprintf("%spredicate", prefix);
        char *negate_key = trib_xasprintf("%snegate", prefix);
        const trib_transform_plugin *tp = NULL;
        char *cls = NULL;
        bool negate = false;
        const char *pred_alias = NULL;

        if (w->report) trib_config_report_add(w->report, transform_type_def, w->props, prefix);
        cls = class_at(w, type_key);
        if (cls) {
            tp = trib_transform_find(cls);
            if (!tp) {
                if (trib_predicate_find(cls))
                    fail(w, type_key, "Invalid value %s for configuration %s: Not a Transformation", cls, type_key);
                else {
                    fail(w, type_key, "Invalid value %s for configuration %s: Class %s could not be found.", cls,
                         type_key, cls);
                    if (w->report) trib_config_report_value_null(w->report, type_key);
                }
            }
        }
        /* without a class there is nothing to enrich: Connect reports only
         * the type key of such an alias */
        if (stop(w) || !tp) goto next;
        if (w->report) trib_config_report_set_value(w->report, type_key, tp->class_name);

        /* predicate / negate */
        if (w->report) {
            int before = trib_config_report_error_count(w->report);
            trib_config_report_add(w->report, transform_implicit_def, w->props, prefix);
            if (trib_config_report_error_count(w->report) != before) w->failed = true;
        }
        {
            trib_error e;
            trib_config *cfg = trib_config_bind(transform_implicit_def, w->props, prefix, &e);
            if (!cfg) {
                if (!w->report) fail(w, negate_key, "%s", e.msg);
            } else {
                negate = trib_config_bool(cfg, "negate");
                trib_config_destroy(cfg);
            }
        }
        if (stop(w)) goto next;
        pred_alias = trib_props_get(w->props, pred_key);
        if (trib_props_has(w->props, negate_key) && !pred_alias)
            fail(w, negate_key,
                 "Config '%s' was provided but there is no config '%s' defining a predicate to be negated.", negate_key,
                 pred_key);
        char *pa = pred_alias ? trimmed_dup(pred_alias) : NULL;
        if (pa) {
            bool listed = false;
            for (size_t k = 0; k < np && !listed; k++) listed = strcmp(palias[k], pa) == 0;
            if (!listed)
                fail(w, pred_key,
                     "Invalid value %s for configuration %s: The predicate alias '%s' is not defined in 'predicates'", pa,
                     pred_key, pa);
        }
        if (stop(w) || !tp) {
            free(pa);
            goto next;
        }

        void *ctx = plugin_build(w, tp->config, prefix, type_key, true, tp);
        if (ctx) {
            const char *connector = trib_props_get(w->props, "name");
            if (tp->attach && connector) tp->attach(ctx, connector, a);
            pred_inst *pi = pa ? find_pred(w->chain, pa) : NULL;
            trib_transform_chain *c = w->chain;
            c->stages[c->n++] = (stage){trib_xstrdup(a), tp, ctx, pi, pi ? negate : false};
        }
        free(pa);
    next:
        free(cls);
        free(negate_key);
        free(pred_key);
        free(type_key);
        free(prefix);
    }
}

static void walk(walk_ctx *w) {
    size_t nt, np;
    char **talias = aliases(w, "transforms", &nt);
    char **palias = stop(w) ? NULL : aliases(w, "predicates", &np);
    if (!palias) np = 0;
    if (w->chain) {
        w->chain->stages = trib_xcalloc(nt + 1, sizeof(stage));
        w->chain->preds = trib_xcalloc(np + 1, sizeof(pred_inst));
    }
    if (!stop(w)) walk_predicates(w, palias, np);
    if (!stop(w)) walk_transforms(w, talias, nt, palias, np);
    trib_strv_free(talias);
    trib_strv_free(palias);
}

trib_transform_chain *trib_transform_chain_new(const trib_props *connector_config, trib_error *err) {
    walk_ctx w = {.props = connector_config, .err = err};
    w.chain = trib_xcalloc(1, sizeof(trib_transform_chain));
    walk(&w);
    if (w.failed) {
        trib_transform_chain_destroy(w.chain);
        return NULL;
    }
    return w.chain;
}

void trib_transform_chain_validate(const trib_props *connector_config, trib_config_report *report) {
    walk_ctx w = {.props = connector_config, .report = report};
    walk(&w);
}

void trib_transform_chain_destroy(trib_transform_chain *c) {
    if (!c) return;
    for (size_t i = 0; i < c->n; i++) {
        c->stages[i].plugin->destroy(c->stages[i].ctx);
        free(c->stages[i].alias);
    }
    for (size_t i = 0; i < c->npreds; i++) {
        c->preds[i].plugin->destroy(c->preds[i].ctx);
        free(c->preds[i].alias);
    }
    free(c->stages);
    free(c->preds);
    free(c);
}

size_t trib_transform_chain_len(const trib_transform_chain *c) {
    return c ? c->n : 0;
}

int trib_transform_chain_apply(trib_transform_chain *c, trib_record **rec, trib_error *err) {
    for (size_t i = 0; c && i < c->n && *rec; i++) {
        stage *s = &c->stages[i];
        if (s->pred) {
            bool holds = false;
            if (s->pred->plugin->test(s->pred->ctx, *rec, &holds, err) != 0) {
                c->failed = NULL;
                return trib_error_prefix(err, "predicate %s (for transform %s)", s->pred->alias, s->alias);
            }
            if (s->negate == holds) continue;  /* apply when negate XOR holds */
        }
        if (s->plugin->apply(s->ctx, rec, err) != 0) {
            c->failed = s;
            return trib_error_prefix(err, "transform %s (%s)", s->alias, s->plugin->alias);
        }
    }
    return 0;
}

void trib_transform_chain_batch_begin(trib_transform_chain *c) {
    for (size_t i = 0; c && i < c->n; i++)
        if (c->stages[i].plugin->batch_begin) c->stages[i].plugin->batch_begin(c->stages[i].ctx);
}

const trib_transform_failure *trib_transform_chain_failure(const trib_transform_chain *c) {
    if (!c || !c->failed || !c->failed->plugin->failure) return NULL;
    return c->failed->plugin->failure(c->failed->ctx);
}

bool trib_transform_chain_needs_dlq(const trib_transform_chain *c) {
    for (size_t i = 0; c && i < c->n; i++)
        if (c->stages[i].plugin->needs_dlq && c->stages[i].plugin->needs_dlq(c->stages[i].ctx)) return true;
    return false;
}
