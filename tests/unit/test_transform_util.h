/*
 * test_transform_util.h: small helpers shared by the transform tests
 * (test_transform_*.c): props from key/value lists, creating a plugin by
 * class name or alias, and building records with struct or map values.
 */
#ifndef TRIB_TESTS_TRANSFORM_UTIL_H
#define TRIB_TESTS_TRANSFORM_UTIL_H

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/props.h"
#include "common/util.h"
#include "proto/data.h"
#include "transforms/transform.h"
#include "tests/tap.h"

/* props("k1", "v1", "k2", "v2", NULL) */
static trib_props *props(const char *k, ...) __attribute__((unused));
static trib_props *props(const char *k, ...) {
    trib_props *p = trib_props_new();
    va_list ap;
    va_start(ap, k);
    while (k) {
        const char *v = va_arg(ap, const char *);
        trib_props_set(p, k, v);
        k = va_arg(ap, const char *);
    }
    va_end(ap);
    return p;
}

typedef struct smt {
    const trib_transform_plugin *plugin;
    void *ctx;
} smt;

/* Creates the named transform with the given config (destroyed here). On
 * failure returns a smt with ctx NULL and err filled. */
static smt smt_new(const char *name, trib_props *config, trib_error *err) __attribute__((unused));
static smt smt_new(const char *name, trib_props *config, trib_error *err) {
    smt s = {trib_transform_find(name), NULL};
    trib_error_clear(err);
    if (!s.plugin) {
        trib_error_set(err, TRIB_ERR_NOT_FOUND, "no transform %s", name);
    } else if (s.plugin->create(config, &s.ctx, err) != 0) {
        s.ctx = NULL;
    }
    trib_props_destroy(config);
    return s;
}

static void smt_free(smt s) __attribute__((unused));
static void smt_free(smt s) {
    if (s.plugin && s.ctx) s.plugin->destroy(s.ctx);
}

/* The create error message for a config, or "" when it was accepted. */
static char *create_error(const char *name, trib_props *config) __attribute__((unused));
static char *create_error(const char *name, trib_props *config) {
    trib_error err;
    smt s = smt_new(name, config, &err);
    if (s.ctx) {
        smt_free(s);
        return trib_xstrdup("");
    }
    return trib_xstrdup(err.msg);
}

static int smt_apply(smt s, trib_record **r, trib_error *err) __attribute__((unused));
static int smt_apply(smt s, trib_record **r, trib_error *err) {
    trib_error_clear(err);
    return s.plugin->apply(s.ctx, r, err);
}

/* A struct schema from (name, schema) pairs, NULL-terminated. */
static trib_schema *struct_schema(const char *name, ...) __attribute__((sentinel, unused));
static trib_schema *struct_schema(const char *name, ...) {
    trib_schema *s = trib_schema_struct_new(name);
    va_list ap;
    va_start(ap, name);
    const char *f;
    while ((f = va_arg(ap, const char *)) != NULL) {
        trib_schema *fs = va_arg(ap, trib_schema *);
        trib_schema_add_field_take(s, f, fs);
    }
    va_end(ap);
    return s;
}

/* A map with string keys from (key, value) pairs, NULL-terminated; takes the values. */
static trib_value *map_of(const char *k, ...) __attribute__((sentinel, unused));
static trib_value *map_of(const char *k, ...) {
    trib_value *m = trib_value_map_new();
    va_list ap;
    va_start(ap, k);
    while (k) {
        trib_value *v = va_arg(ap, trib_value *);
        trib_value_map_put_take(m, trib_value_string(k), v);
        k = va_arg(ap, const char *);
    }
    va_end(ap);
    return m;
}

static const trib_value *map_get(const trib_value *m, const char *key, bool *found) __attribute__((unused));
static const trib_value *map_get(const trib_value *m, const char *key, bool *found) {
    bool f = false;
    const trib_value *v = m && m->type == TRIB_MAP ? trib_value_map_get(m, key, &f) : NULL;
    if (found) *found = f;
    return v;
}

static const trib_value *st_get(const trib_value *st, const char *field) __attribute__((unused));
static const trib_value *st_get(const trib_value *st, const char *field) {
    return st && st->type == TRIB_STRUCT ? trib_value_struct_get(st, field) : NULL;
}

static const char *str_of(const trib_value *v) __attribute__((unused));
static const char *str_of(const trib_value *v) {
    return v && v->type == TRIB_STRING ? v->u.str.data : NULL;
}

/* tap.h's plan() is unused by tests that end with done_testing(). */
static void (*const tap_plan_unused)(int) __attribute__((unused)) = plan;

static long long int_of(const trib_value *v) __attribute__((unused));
static long long int_of(const trib_value *v) {
    return v && v->type <= TRIB_INT64 ? (long long)v->u.i : -999999;
}

#endif
