/*
 * replace_field.c: ReplaceField$Key / ReplaceField$Value. Filters fields
 * ("exclude" wins over "include") and renames them ("renames" is a list of
 * old:new pairs) in a struct (derived schema cached per input schema) or a
 * schemaless map. The pre-3.0 names "blacklist"/"whitelist" are accepted
 * as aliases of exclude/include, as Connect's translateDeprecatedConfigs
 * did: the new name wins when both are set.
 */
#include "transforms/plugins.h"
#include "transforms/smt.h"

#include "common/log.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>

#define PURPOSE "field replacement"

static int validate_renames(const trib_config_def *def, const char *value, trib_error *err) {
    (void)def;
    char **items = trib_split_list(value, NULL);
    int rc = 0;
    for (char **it = items; *it && rc == 0; it++) {
        size_t n;
        char **parts = smt_split_colon(*it, &n);
        if (n != 2) rc = trib_error_set(err, TRIB_ERR_INVALID, "Invalid rename mapping: %s", *it);
        trib_strv_free(parts);
    }
    trib_strv_free(items);
    return rc;
}

static const trib_config_def replace_field_config[] = {
    {.name = "exclude", .type = TRIB_CFG_LIST, .default_value = "", .importance = TRIB_IMP_MEDIUM,
     .doc = "Fields to exclude. This takes precedence over the fields to include."},
    {.name = "include", .type = TRIB_CFG_LIST, .default_value = "", .importance = TRIB_IMP_MEDIUM,
     .doc = "Fields to include. If specified, only these fields will be used."},
    {.name = "renames", .type = TRIB_CFG_LIST, .default_value = "", .importance = TRIB_IMP_MEDIUM,
     .doc = "Field rename mappings.", .validate = validate_renames},
    {.name = "replace.null.with.default", .type = TRIB_CFG_BOOLEAN, .default_value = "true",
     .importance = TRIB_IMP_MEDIUM,
     .doc = "Whether to replace fields that have a default value and that are null to the default value. When set to "
            "true, the default value is used, otherwise null is used."},
    {.name = "blacklist", .type = TRIB_CFG_LIST, .optional = true, .importance = TRIB_IMP_LOW,
     .doc = "Deprecated. Use exclude instead."},
    {.name = "whitelist", .type = TRIB_CFG_LIST, .optional = true, .importance = TRIB_IMP_LOW,
     .doc = "Deprecated. Use include instead."},
    TRIB_CONFIG_END,
};

typedef struct replace_field {
    smt_target target;
    char **exclude, **include;
    size_t nexclude, ninclude;
    char **from, **to;  /* renames */
    size_t nrenames;
    bool replace_null_with_default;
    smt_schema_cache cache;
} replace_field;

static bool in_list(char **v, size_t n, const char *s) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0) return true;
    return false;
}

static bool keep(const replace_field *c, const char *name) {
    return !in_list(c->exclude, c->nexclude, name) && (c->ninclude == 0 || in_list(c->include, c->ninclude, name));
}

/* The new name; a later mapping for the same field wins, as in a HashMap. */
static const char *renamed(const replace_field *c, const char *name) {
    for (size_t i = c->nrenames; i-- > 0;)
        if (strcmp(c->from[i], name) == 0) return c->to[i];
    return name;
}

static void replace_field_destroy(void *vctx) {
    replace_field *c = vctx;
    if (!c) return;
    trib_strv_free(c->exclude);
    trib_strv_free(c->include);
    for (size_t i = 0; i < c->nrenames; i++) {
        free(c->from[i]);
        free(c->to[i]);
    }
    free(c->from);
    free(c->to);
    smt_cache_clear(&c->cache);
    free(c);
}

/* The list for a key, or its deprecated alias when only that is set. */
static char **list_with_alias(const trib_config *cfg, const trib_props *props, const char *key, const char *alias,
                              size_t *n) {
    bool has_key = trib_props_has(props, key), has_alias = trib_props_has(props, alias);
    const char *use = key;
    if (has_alias && !has_key) {
        TRIB_WARN("transforms", "ReplaceField: configuration '%s' is deprecated; use '%s' instead", alias, key);
        use = alias;
    } else if (has_alias) {
        TRIB_WARN("transforms", "ReplaceField: both '%s' and deprecated '%s' are set; using '%s'", key, alias, key);
    }
    char *const *v = trib_config_list(cfg, use);
    size_t cnt = trib_config_list_len(cfg, use);
    char **copy = trib_xcalloc(cnt + 1, sizeof(char *));
    for (size_t i = 0; i < cnt; i++) copy[i] = trib_xstrdup(v[i]);
    *n = cnt;
    return copy;
}

static int replace_field_create(smt_target target, const trib_props *props, void **out, trib_error *err) {
    trib_config *cfg = trib_config_bind(replace_field_config, props, "", err);
    if (!cfg) return -1;
    replace_field *c = trib_xcalloc(1, sizeof *c);
    c->target = target;
    c->exclude = list_with_alias(cfg, props, "exclude", "blacklist", &c->nexclude);
    c->include = list_with_alias(cfg, props, "include", "whitelist", &c->ninclude);
    size_t nr = trib_config_list_len(cfg, "renames");
    char *const *r = trib_config_list(cfg, "renames");
    c->from = trib_xcalloc(nr + 1, sizeof(char *));
    c->to = trib_xcalloc(nr + 1, sizeof(char *));
    for (size_t i = 0; i < nr; i++) {
        size_t n;
        char **parts = smt_split_colon(r[i], &n);
        if (n != 2) {
            trib_strv_free(parts);
            trib_config_destroy(cfg);
            replace_field_destroy(c);
            return trib_error_set(err, TRIB_ERR_INVALID,
                                  "Invalid value %s for configuration renames: Invalid rename mapping: %s",
                                  trib_props_get(props, "renames"), r[i]);
        }
        c->from[c->nrenames] = parts[0];
        c->to[c->nrenames++] = parts[1];
        free(parts);
    }
    c->replace_null_with_default = trib_config_bool(cfg, "replace.null.with.default");
    trib_config_destroy(cfg);
    *out = c;
    return 0;
}

static int create_key(const trib_props *p, void **ctx, trib_error *err) { return replace_field_create(SMT_KEY, p, ctx, err); }
static int create_value(const trib_props *p, void **ctx, trib_error *err) { return replace_field_create(SMT_VALUE, p, ctx, err); }

static trib_schema *make_updated_schema(const replace_field *c, const trib_schema *in, trib_error *err) {
    trib_schema *s = smt_struct_like(in);
    for (size_t i = 0; i < in->nfields; i++) {
        const char *name = in->fields[i].name;
        if (!keep(c, name)) continue;
        const char *to = renamed(c, name);
        if (trib_schema_field(s, to)) {
            trib_schema_unref(s);
            trib_error_set(err, TRIB_ERR_INVALID, "Cannot create field because of field name duplication %s", to);
            return NULL;
        }
        trib_schema_add_field_take(s, to, trib_schema_ref(in->fields[i].schema));
    }
    return s;
}

static int replace_field_apply(void *vctx, trib_record **recp, trib_error *err) {
    replace_field *c = vctx;
    trib_record *r = *recp;
    trib_value *value = smt_value(r, c->target);
    trib_schema *schema = smt_schema(r, c->target);
    if (!value) return 0;

    if (!schema) {
        if (smt_require_map(value, PURPOSE, err) < 0) return -1;
        trib_value *nm = trib_value_map_new();
        for (size_t i = 0; i < value->u.map.n; i++) {
            const trib_value *k = value->u.map.keys[i];
            if (!k || k->type != TRIB_STRING) {
                /* Not a field name: nothing to filter or rename; keep it. */
                trib_value_map_put_take(nm, value->u.map.keys[i], value->u.map.vals[i]);
                value->u.map.keys[i] = value->u.map.vals[i] = NULL;
                continue;
            }
            if (!keep(c, k->u.str.data)) continue;
            smt_map_put(nm, renamed(c, k->u.str.data), value->u.map.vals[i]);
            value->u.map.vals[i] = NULL;
        }
        smt_replace(r, c->target, NULL, nm);
        return 0;
    }

    if (smt_require_struct(value, PURPOSE, err) < 0) return -1;
    trib_schema *in = value->u.st.schema;
    trib_schema *updated = smt_cache_get(&c->cache, in);
    if (!updated) {
        updated = make_updated_schema(c, in, err);
        if (!updated) return -1;
        smt_cache_put(&c->cache, in, updated);
    }
    /* Kept fields appear in the derived schema in their original order. */
    trib_value *nv = trib_value_struct_new(updated);
    size_t j = 0;
    for (size_t i = 0; i < in->nfields; i++)
        if (keep(c, in->fields[i].name)) nv->u.st.fields[j++] = smt_struct_take(value, i, c->replace_null_with_default);
    smt_replace(r, c->target, trib_schema_ref(updated), nv);
    return 0;
}

#define OVERVIEW "Filter or rename fields."

const trib_transform_plugin trib_smt_replace_field_key = {
    .class_name = "org.apache.kafka.connect.transforms.ReplaceField$Key",
    .alias = "ReplaceField$Key",
    .doc = OVERVIEW,
    .config = replace_field_config,
    .create = create_key,
    .apply = replace_field_apply,
    .destroy = replace_field_destroy,
};

const trib_transform_plugin trib_smt_replace_field_value = {
    .class_name = "org.apache.kafka.connect.transforms.ReplaceField$Value",
    .alias = "ReplaceField$Value",
    .doc = OVERVIEW,
    .config = replace_field_config,
    .create = create_value,
    .apply = replace_field_apply,
    .destroy = replace_field_destroy,
};
