/*
 * describe.c: what a config table says about itself: Connect's ConfigKeyInfo
 * JSON (GET /connector-plugins/{p}/config and the "definition" half of a
 * validation report), generated markdown docs, and redaction of sensitive
 * values before configs are shown or logged.
 */
#include "config/config.h"
#include "common/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *trib_cfg_type_name(trib_cfg_type t) {
    switch (t) {
    case TRIB_CFG_STRING: return "STRING";
    case TRIB_CFG_INT: return "INT";
    case TRIB_CFG_LONG: return "LONG";
    case TRIB_CFG_DOUBLE: return "DOUBLE";
    case TRIB_CFG_BOOLEAN: return "BOOLEAN";
    case TRIB_CFG_LIST: return "LIST";
    case TRIB_CFG_CLASS: return "CLASS";
    case TRIB_CFG_PASSWORD: return "PASSWORD";
    case TRIB_CFG_SHORT: return "SHORT";
    }
    return "UNKNOWN";
}

const char *trib_cfg_importance_name(trib_cfg_importance i) {
    switch (i) {
    case TRIB_IMP_HIGH: return "HIGH";
    case TRIB_IMP_MEDIUM: return "MEDIUM";
    case TRIB_IMP_LOW: return "LOW";
    }
    return "UNKNOWN";
}

const char *trib_cfg_width_name(trib_cfg_width w) {
    switch (w) {
    case TRIB_WIDTH_NONE: return "NONE";
    case TRIB_WIDTH_SHORT: return "SHORT";
    case TRIB_WIDTH_MEDIUM: return "MEDIUM";
    case TRIB_WIDTH_LONG: return "LONG";
    }
    return "NONE";
}

const trib_config_def *trib_config_find(const trib_config_def *defs, const char *name) {
    for (const trib_config_def *d = defs; d && d->name && name; d++)
        if (strcmp(d->name, name) == 0) return d;
    return NULL;
}

static bool sensitive(const trib_config_def *d) {
    return d->sensitive || d->type == TRIB_CFG_PASSWORD;
}

static json_t *str_or_null(const char *s) {
    return s ? json_string(s) : json_null();
}

json_t *trib_config_def_to_json(const trib_config_def *d, int order) {
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(d->name));
    json_object_set_new(o, "type", json_string(trib_cfg_type_name(d->type)));
    json_object_set_new(o, "required", json_boolean(d->default_value == NULL && !d->optional));
    const char *dflt = d->default_value;
    if (dflt && sensitive(d)) dflt = "[hidden]"; /* as Connect's Password.toString() */
    json_object_set_new(o, "default_value", str_or_null(dflt));
    json_object_set_new(o, "importance", json_string(trib_cfg_importance_name(d->importance)));
    json_object_set_new(o, "documentation", str_or_null(d->doc));
    json_object_set_new(o, "group", str_or_null(d->group));
    json_object_set_new(o, "order", json_integer(order));
    json_object_set_new(o, "width", json_string(trib_cfg_width_name(d->width)));
    json_object_set_new(o, "display_name", json_string(d->display_name ? d->display_name : d->name));
    json_object_set_new(o, "dependents", json_array());
    return o;
}

int trib_config_def_order(const trib_config_def *defs, const trib_config_def *d) {
    if (d->order == TRIB_CFG_ORDER_0) return 0;
    if (d->order) return d->order;
    if (!d->group) return -1;
    int n = 0;
    for (const trib_config_def *x = defs; x <= d; x++)
        if (x->group && strcmp(x->group, d->group) == 0) n++;
    return n;
}

void trib_config_describe_append(json_t *arr, const trib_config_def *defs) {
    for (const trib_config_def *d = defs; d && d->name; d++)
        json_array_append_new(arr, trib_config_def_to_json(d, trib_config_def_order(defs, d)));
}

json_t *trib_config_describe_json(const trib_config_def *defs) {
    json_t *a = json_array();
    trib_config_describe_append(a, defs);
    return a;
}

/* ---- markdown ------------------------------------------------------------------ */

/* A table cell: pipes escaped, line breaks flattened so the row stays one line. */
static void md_cell(trib_strbuf *sb, const char *s) {
    for (; s && *s; s++) {
        if (*s == '|') trib_strbuf_puts(sb, "\\|");
        else if (*s == '\n' || *s == '\r') trib_strbuf_putc(sb, ' ');
        else trib_strbuf_putc(sb, *s);
    }
}

static void md_valid_values(trib_strbuf *sb, const trib_config_def *d) {
    bool any = false;
    if (d->one_of) {
        trib_strbuf_putc(sb, '[');
        for (const char *const *o = d->one_of; *o; o++) {
            if (o != d->one_of) trib_strbuf_puts(sb, ", ");
            md_cell(sb, *o);
        }
        trib_strbuf_putc(sb, ']');
        any = true;
    }
    if (d->has_min || d->has_max) {
        if (any) trib_strbuf_puts(sb, ", ");
        const char *f = d->type == TRIB_CFG_DOUBLE ? "%g" : "%.0f";
        trib_strbuf_putc(sb, '[');
        if (d->has_min) trib_strbuf_printf(sb, f, d->min);
        else trib_strbuf_puts(sb, "...");
        if (d->has_min && d->has_max) trib_strbuf_puts(sb, ",...,");
        else trib_strbuf_putc(sb, ',');
        if (d->has_max) trib_strbuf_printf(sb, f, d->max);
        else trib_strbuf_puts(sb, "...");
        trib_strbuf_putc(sb, ']');
        any = true;
    }
    if (d->non_empty) {
        if (any) trib_strbuf_puts(sb, ", ");
        trib_strbuf_puts(sb, d->type == TRIB_CFG_LIST ? "non-empty list" : "non-empty string");
    }
}

static void lower(trib_strbuf *sb, const char *s) {
    for (; *s; s++) trib_strbuf_putc(sb, (char)((*s >= 'A' && *s <= 'Z') ? *s + 32 : *s));
}

char *trib_config_describe_markdown(const trib_config_def *defs, const char *title) {
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    if (title) trib_strbuf_printf(&sb, "## %s\n\n", title);
    trib_strbuf_puts(&sb, "| Name | Type | Default | Valid values | Importance | Description |\n"
                          "|---|---|---|---|---|---|\n");
    for (const trib_config_def *d = defs; d && d->name; d++) {
        trib_strbuf_puts(&sb, "| `");
        md_cell(&sb, d->name);
        trib_strbuf_puts(&sb, "` | ");
        lower(&sb, trib_cfg_type_name(d->type));
        trib_strbuf_puts(&sb, " | ");
        if (!d->default_value) {
            trib_strbuf_puts(&sb, d->optional ? "null" : "*required*");
        } else if (sensitive(d)) {
            trib_strbuf_puts(&sb, "[hidden]");
        } else if (!d->default_value[0]) {
            trib_strbuf_puts(&sb, "\"\"");
        } else {
            trib_strbuf_putc(&sb, '`');
            md_cell(&sb, d->default_value);
            trib_strbuf_putc(&sb, '`');
        }
        trib_strbuf_puts(&sb, " | ");
        md_valid_values(&sb, d);
        trib_strbuf_puts(&sb, " | ");
        lower(&sb, trib_cfg_importance_name(d->importance));
        trib_strbuf_puts(&sb, " | ");
        md_cell(&sb, d->doc);
        trib_strbuf_puts(&sb, " |\n");
    }
    return trib_strbuf_take(&sb);
}

/* ---- redaction ------------------------------------------------------------------ */

/* Case-insensitive substring search. */
static bool contains_ci(const char *hay, const char *needle) {
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0) return true;
    return false;
}

/* key is name itself or ends in ".name" (a prefixed copy of a plugin's key:
 * "transforms.x.password", "producer.override.sasl.jaas.config"). */
static bool names_key(const char *key, const char *name) {
    size_t k = strlen(key), n = strlen(name);
    if (k == n) return strcmp(key, name) == 0;
    return k > n && key[k - n - 1] == '.' && strcmp(key + k - n, name) == 0;
}

static bool key_is_secret(const char *key, const trib_config_def *const *tables) {
    const char *last = strrchr(key, '.');
    last = last ? last + 1 : key;
    if (contains_ci(last, "password") || contains_ci(last, "secret") || contains_ci(last, "token"))
        return true;
    /* Kafka client credentials that do not say so in their names. */
    if (trib_str_endswith(key, "basic.auth.user.info") || trib_str_endswith(key, "sasl.jaas.config"))
        return true;
    for (size_t t = 0; tables && tables[t]; t++)
        for (const trib_config_def *d = tables[t]; d->name; d++)
            if (sensitive(d) && names_key(key, d->name)) return true;
    return false;
}

trib_props *trib_config_redact(const trib_props *props, const trib_config_def *const *tables) {
    trib_props *out = trib_props_new();
    for (size_t i = 0; i < trib_props_count(props); i++) {
        const char *k = trib_props_key_at(props, i);
        trib_props_set(out, k, key_is_secret(k, tables) ? "[hidden]" : trib_props_value_at(props, i));
    }
    return out;
}
