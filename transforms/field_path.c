/*
 * field_path.c: SingleFieldPath parsing and lookup (see field_path.h). The
 * V2 grammar follows Connect's parser step for step, including its corner
 * cases: a trailing dot adds an empty last step, and a backtick not
 * followed by a dot (or the end) is part of the name.
 */
#include "transforms/field_path.h"
#include "transforms/smt.h"

#include "common/util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void add_step(trib_field_path *p, size_t *cap, char *s) {
    if (p->n == *cap) p->steps = trib_xrealloc(p->steps, (*cap = *cap ? *cap * 2 : 4) * sizeof(char *));
    p->steps[p->n++] = s;
}

int trib_field_path_parse(const char *path, const char *version, trib_field_path *out, trib_error *err) {
    out->steps = NULL;
    out->n = 0;
    size_t cap = 0;
    if (!version || strcasecmp(version, "V2") != 0) {
        add_step(out, &cap, trib_xstrdup(path));
        return 0;
    }
    size_t len = strlen(path), idx = 0;
    while (idx < len) {
        if (path[idx] != '`') {
            const char *dot = strchr(path + idx, '.');
            if (dot) {
                add_step(out, &cap, trib_xstrndup(path + idx, (size_t)(dot - path) - idx));
                idx = (size_t)(dot - path) + 1;
            } else {
                add_step(out, &cap, trib_xstrdup(path + idx));
                idx = len;
            }
            continue;
        }
        size_t backtick_at = idx;
        idx++;
        size_t start = idx;
        trib_strbuf field;
        trib_strbuf_init(&field);
        for (;;) {
            const char *bt = strchr(path + idx, '`');
            if (!bt) goto incomplete;
            idx = (size_t)(bt - path);
            bool escaped = path[idx - 1] == '\\';
            if (idx >= len - 1) {  /* the closing backtick ends the path */
                if (escaped) goto incomplete;
                trib_strbuf_append(&field, path + start, idx - start);
                add_step(out, &cap, trib_strbuf_take(&field));
                idx++;
                break;
            }
            if (path[idx + 1] != '.') {  /* part of the name: keep looking */
                idx++;
                continue;
            }
            if (escaped) {
                trib_strbuf_append(&field, path + start, idx - 1 - start);
                trib_strbuf_putc(&field, '`');
                idx++;
                start = idx;
                continue;
            }
            trib_strbuf_append(&field, path + start, idx - start);
            add_step(out, &cap, trib_strbuf_take(&field));
            idx += 2;
            break;
        incomplete:
            trib_strbuf_free(&field);
            trib_field_path_free(out);
            return trib_error_set(err, TRIB_ERR_INVALID,
                                  "Incomplete backtick pair in path: [%s], consider adding a backslash before backtick at position %zu to escape it",
                                  path, backtick_at);
        }
    }
    if (len > 0 && path[len - 1] == '.') add_step(out, &cap, trib_xstrdup(""));
    if (out->n == 0) add_step(out, &cap, trib_xstrdup(""));
    return 0;
}

void trib_field_path_free(trib_field_path *p) {
    if (!p) return;
    for (size_t i = 0; i < p->n; i++) free(p->steps[i]);
    free(p->steps);
    p->steps = NULL;
    p->n = 0;
}

const trib_field *trib_field_path_field(const trib_field_path *p, const trib_schema *schema) {
    if (!schema) return NULL;
    const trib_schema *cur = schema;
    for (size_t i = 0; i + 1 < p->n; i++) {
        if (cur->type != TRIB_STRUCT) return NULL;
        const trib_field *f = trib_schema_field(cur, p->steps[i]);
        if (!f) return NULL;
        cur = f->schema;
    }
    if (cur->type != TRIB_STRUCT) return NULL;
    return trib_schema_field(cur, p->steps[p->n - 1]);
}

int trib_field_path_struct_value(const trib_field_path *p, const trib_value *st, bool with_default,
                                 const trib_value **out, trib_value ***slot, trib_error *err) {
    *out = NULL;
    if (slot) *slot = NULL;
    const trib_value *cur = st;
    for (size_t i = 0; cur && i + 1 < p->n; i++) {
        const trib_field *f = trib_schema_field(cur->u.st.schema, p->steps[i]);
        if (!f) return 0;
        const trib_value *sub = smt_struct_get(cur, (size_t)f->index, true);
        if (sub && sub->type != TRIB_STRUCT) return smt_require_struct(sub, "nested field access", err);
        cur = sub;
    }
    if (!cur) return 0;
    const trib_field *f = trib_schema_field(cur->u.st.schema, p->steps[p->n - 1]);
    if (f) {
        *out = smt_struct_get(cur, (size_t)f->index, with_default);
        if (slot && cur->u.st.fields[f->index]) *slot = &((trib_value *)cur)->u.st.fields[f->index];
    }
    return 0;
}

int trib_field_path_map_value(const trib_field_path *p, const trib_value *map, const trib_value **out,
                              trib_value ***slot, trib_error *err) {
    *out = NULL;
    if (slot) *slot = NULL;
    const trib_value *cur = map;
    for (size_t i = 0; cur && i + 1 < p->n; i++) {
        long k = smt_map_find(cur, p->steps[i]);
        const trib_value *sub = k >= 0 ? cur->u.map.vals[k] : NULL;
        if (sub && sub->type != TRIB_MAP) return smt_require_map(sub, "nested field access", err);
        cur = sub;
    }
    if (!cur) return 0;
    long k = smt_map_find(cur, p->steps[p->n - 1]);
    if (k >= 0) {
        *out = cur->u.map.vals[k];
        if (slot && *out) *slot = &((trib_value *)cur)->u.map.vals[k];
    }
    return 0;
}
