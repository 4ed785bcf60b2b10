/*
 * quality.c: the registry of data-quality counters (see quality.h).
 *
 * One mutex guards the list of (connector, alias) entries, each holding
 * the live blocks of this worker's task instances and the totals folded in
 * from blocks already destroyed. The mutex is taken when a block is
 * attached or destroyed (task start and stop) and when a reader sums; the
 * record path never takes it.
 */
#include "transforms/quality.h"

#include "common/util.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

typedef struct rule_desc {
    char *rule_id, *name, *rule_type, *column, *severity;
} rule_desc;

typedef struct live_rule {
    rule_desc d;
    _Atomic uint64_t passed, failed;
} live_rule;

typedef struct entry entry;

struct trib_quality_counters {
    size_t nrules;
    live_rule *rules;
    _Atomic uint64_t outcomes[TRIB_QUALITY_OUTCOMES];
    entry *entry;                      /* NULL until attached */
    trib_quality_counters *next;       /* in entry->live, newest first */
};

typedef struct total {
    rule_desc d;
    uint64_t passed, failed;
} total;

struct entry {
    char *connector, *alias;
    uint64_t outcomes[TRIB_QUALITY_OUTCOMES];
    total *totals;
    size_t ntotals;
    trib_quality_counters *live;
    entry *next;
};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static entry *entries;

static void desc_copy(rule_desc *to, const rule_desc *from) {
    to->rule_id = trib_xstrdup(from->rule_id);
    to->name = trib_xstrdup(from->name);
    to->rule_type = trib_xstrdup(from->rule_type);
    to->column = trib_xstrdup(from->column);
    to->severity = trib_xstrdup(from->severity);
}

static void desc_free(rule_desc *d) {
    free(d->rule_id);
    free(d->name);
    free(d->rule_type);
    free(d->column);
    free(d->severity);
}

trib_quality_counters *trib_quality_counters_new(size_t nrules, const trib_quality_rule_info *rules) {
    trib_quality_counters *c = trib_xcalloc(1, sizeof *c);
    c->nrules = nrules;
    c->rules = trib_xcalloc(nrules ? nrules : 1, sizeof *c->rules);
    for (size_t i = 0; i < nrules; i++) {
        rule_desc d = {(char *)rules[i].rule_id, (char *)rules[i].name, (char *)rules[i].rule_type,
                       (char *)rules[i].column, (char *)rules[i].severity};
        desc_copy(&c->rules[i].d, &d);
    }
    return c;
}

/* Caller holds reg_lock. */
static entry *entry_get(const char *connector, const char *alias, bool create) {
    for (entry *e = entries; e; e = e->next)
        if (strcmp(e->connector, connector) == 0 && strcmp(e->alias, alias) == 0) return e;
    if (!create) return NULL;
    entry *e = trib_xcalloc(1, sizeof *e);
    e->connector = trib_xstrdup(connector);
    e->alias = trib_xstrdup(alias);
    e->next = entries;
    entries = e;
    return e;
}

void trib_quality_counters_attach(trib_quality_counters *c, const char *connector, const char *alias) {
    if (!c || c->entry || !connector || !alias) return;
    pthread_mutex_lock(&reg_lock);
    entry *e = entry_get(connector, alias, true);
    c->entry = e;
    c->next = e->live;
    e->live = c;
    pthread_mutex_unlock(&reg_lock);
}

static total *total_find(entry *e, const char *rule_id) {
    for (size_t i = 0; i < e->ntotals; i++)
        if (strcmp(e->totals[i].d.rule_id, rule_id) == 0) return &e->totals[i];
    return NULL;
}

/* Caller holds reg_lock: moves c's counts into e's totals. */
static void fold(entry *e, trib_quality_counters *c) {
    for (int o = 0; o < TRIB_QUALITY_OUTCOMES; o++)
        e->outcomes[o] += atomic_load_explicit(&c->outcomes[o], memory_order_relaxed);
    for (size_t i = 0; i < c->nrules; i++) {
        live_rule *r = &c->rules[i];
        total *t = total_find(e, r->d.rule_id);
        if (!t) {
            e->totals = trib_xrealloc(e->totals, (e->ntotals + 1) * sizeof *e->totals);
            t = &e->totals[e->ntotals++];
            memset(t, 0, sizeof *t);
            desc_copy(&t->d, &r->d);
        }
        t->passed += atomic_load_explicit(&r->passed, memory_order_relaxed);
        t->failed += atomic_load_explicit(&r->failed, memory_order_relaxed);
    }
}

void trib_quality_counters_destroy(trib_quality_counters *c) {
    if (!c) return;
    if (c->entry) {
        pthread_mutex_lock(&reg_lock);
        entry *e = c->entry;
        for (trib_quality_counters **p = &e->live; *p; p = &(*p)->next)
            if (*p == c) {
                *p = c->next;
                break;
            }
        fold(e, c);
        pthread_mutex_unlock(&reg_lock);
    }
    for (size_t i = 0; i < c->nrules; i++) desc_free(&c->rules[i].d);
    free(c->rules);
    free(c);
}

/* Single writer: a relaxed load and store, so no locked instruction. */
static inline void bump(_Atomic uint64_t *a) {
    atomic_store_explicit(a, atomic_load_explicit(a, memory_order_relaxed) + 1, memory_order_relaxed);
}

void trib_quality_count_rule(trib_quality_counters *c, size_t rule, bool passed) {
    if (rule >= c->nrules) return;
    bump(passed ? &c->rules[rule].passed : &c->rules[rule].failed);
}

void trib_quality_count_outcome(trib_quality_counters *c, trib_quality_outcome o) {
    if ((int)o < 0 || o >= TRIB_QUALITY_OUTCOMES) return;
    bump(&c->outcomes[o]);
}

const char *trib_quality_outcome_name(trib_quality_outcome o) {
    switch (o) {
    case TRIB_QUALITY_PASSED: return "passed";
    case TRIB_QUALITY_WARNED: return "warned";
    case TRIB_QUALITY_DROPPED: return "dropped";
    case TRIB_QUALITY_DLQ: return "dlq";
    case TRIB_QUALITY_FAILED: return "failed";
    case TRIB_QUALITY_OUTCOMES: break;
    }
    return "unknown";
}

static trib_quality_rule_row *row_for(trib_quality_rule_row **rows, size_t *n, const rule_desc *d) {
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*rows)[i].rule_id, d->rule_id) == 0) return &(*rows)[i];
    *rows = trib_xrealloc(*rows, (*n + 1) * sizeof **rows);
    trib_quality_rule_row *r = &(*rows)[(*n)++];
    *r = (trib_quality_rule_row){d->rule_id, d->name, d->rule_type, d->column, d->severity, 0, 0};
    return r;
}

/* Caller holds reg_lock. Rules are listed in the newest instance's order
 * (its config is the current one), then rules only older instances had. */
static void visit_entry(entry *e, trib_quality_visit_fn fn, void *opaque) {
    trib_quality_transform_row row = {.connector = e->connector, .alias = e->alias};
    trib_quality_rule_row *rows = NULL;
    size_t n = 0;
    for (int o = 0; o < TRIB_QUALITY_OUTCOMES; o++) row.outcomes[o] = e->outcomes[o];
    for (trib_quality_counters *c = e->live; c; c = c->next) {
        for (int o = 0; o < TRIB_QUALITY_OUTCOMES; o++)
            row.outcomes[o] += atomic_load_explicit(&c->outcomes[o], memory_order_relaxed);
        for (size_t i = 0; i < c->nrules; i++) {
            trib_quality_rule_row *r = row_for(&rows, &n, &c->rules[i].d);
            r->passed += atomic_load_explicit(&c->rules[i].passed, memory_order_relaxed);
            r->failed += atomic_load_explicit(&c->rules[i].failed, memory_order_relaxed);
        }
    }
    for (size_t i = 0; i < e->ntotals; i++) {
        trib_quality_rule_row *r = row_for(&rows, &n, &e->totals[i].d);
        r->passed += e->totals[i].passed;
        r->failed += e->totals[i].failed;
    }
    row.rules = rows;
    row.nrules = n;
    fn(&row, opaque);
    free(rows);
}

size_t trib_quality_visit(const char *connector, trib_quality_visit_fn fn, void *opaque) {
    size_t visited = 0;
    pthread_mutex_lock(&reg_lock);
    for (entry *e = entries; e; e = e->next) {
        if (connector && strcmp(e->connector, connector) != 0) continue;
        visit_entry(e, fn, opaque);
        visited++;
    }
    pthread_mutex_unlock(&reg_lock);
    return visited;
}

static void to_json(const trib_quality_transform_row *row, void *opaque) {
    json_t *list = opaque;
    json_t *records = json_object();
    uint64_t seen = 0;
    for (int o = 0; o < TRIB_QUALITY_OUTCOMES; o++) {
        json_object_set_new(records, trib_quality_outcome_name((trib_quality_outcome)o),
                            json_integer((json_int_t)row->outcomes[o]));
        seen += row->outcomes[o];
    }
    json_object_set_new(records, "total", json_integer((json_int_t)seen));
    json_t *rules = json_array();
    for (size_t i = 0; i < row->nrules; i++) {
        const trib_quality_rule_row *r = &row->rules[i];
        json_array_append_new(rules, json_pack("{sssssssssssIsI}", "rule_id", r->rule_id, "name", r->name,
                                               "rule_type", r->rule_type, "column", r->column, "severity",
                                               r->severity, "passed", (json_int_t)r->passed, "failed",
                                               (json_int_t)r->failed));
    }
    json_array_append_new(list, json_pack("{sssoso}", "alias", row->alias, "records", records, "rules", rules));
}

json_t *trib_quality_connector_json(const char *connector) {
    json_t *list = json_array();
    trib_quality_visit(connector, to_json, list);
    return json_pack("{ssso}", "name", connector, "transforms", list);
}
