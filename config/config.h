/*
 * config.h: Tributary's one config-definition engine.
 *
 * Every configurable thing (worker, connector, task, converter, transform,
 * predicate) declares its keys as one static table of trib_config_def rows.
 * The same table drives:
 *   - validation that collects every error, as Kafka Connect does
 *     (trib_config_report, used by PUT /connector-plugins/{p}/config/validate);
 *   - binding to typed values (trib_config_bind + getters);
 *   - description (GET /connector-plugins/{p}/config, generated docs);
 *   - redaction of sensitive values in responses and logs.
 *
 * Values arrive as strings (trib_props). A table ends with a row whose name
 * is NULL: TRIB_CONFIG_END.
 */
#ifndef TRIB_CONFIG_CONFIG_H
#define TRIB_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <jansson.h>

#include "common/error.h"
#include "common/props.h"

typedef enum trib_cfg_type {
    TRIB_CFG_STRING,
    TRIB_CFG_INT,      /* 32-bit */
    TRIB_CFG_LONG,     /* 64-bit */
    TRIB_CFG_DOUBLE,
    TRIB_CFG_BOOLEAN,
    TRIB_CFG_LIST,     /* comma-separated */
    TRIB_CFG_CLASS,    /* a plugin class name or alias */
    TRIB_CFG_PASSWORD, /* always sensitive */
    TRIB_CFG_SHORT,    /* 16-bit (Connect's SHORT); read with trib_config_int */
} trib_cfg_type;

/* Connect's ConfigDef.Width: a hint to UIs for the input field's size. */
typedef enum trib_cfg_width {
    TRIB_WIDTH_NONE = 0,
    TRIB_WIDTH_SHORT,
    TRIB_WIDTH_MEDIUM,
    TRIB_WIDTH_LONG,
} trib_cfg_width;

typedef enum trib_cfg_importance {
    TRIB_IMP_HIGH,
    TRIB_IMP_MEDIUM,
    TRIB_IMP_LOW,
} trib_cfg_importance;

struct trib_config_def;
/* Extra validation of a (non-null) value already parsed as the row's type.
 * Fill err with a message that does not repeat the key name (the engine
 * prefixes "Invalid value X for configuration KEY: "). */
typedef int (*trib_cfg_validator_fn)(const struct trib_config_def *def, const char *value,
                                     trib_error *err);

typedef struct trib_config_def {
    const char *name;
    trib_cfg_type type;
    /* Default as a string. NULL means "no default": the key is required
     * unless .optional is set (then its value is null when absent). */
    const char *default_value;
    bool optional;
    trib_cfg_importance importance;
    const char *doc;
    const char *group;        /* "Common", "Connection", "Transforms", ... */
    const char *display_name; /* defaults to name */
    bool sensitive;           /* implied by TRIB_CFG_PASSWORD */
    trib_cfg_width width;     /* described only; NONE by default */
    /* Connect's orderInGroup. 0: the row's 1-based position among the
     * table's rows of its group, or -1 for a row without group (what
     * Connect reports for a key defined without one); TRIB_CFG_ORDER_0
     * for an explicit 0, which some of Connect's definitions use. */
    int order;

    /* Built-in validators, all optional: */
    const char *const *one_of; /* NULL-terminated allowed values (case-insensitive) */
    bool has_min, has_max;     /* numeric range for INT/LONG/DOUBLE */
    double min, max;
    bool non_empty;            /* STRING/LIST must not be empty */
    trib_cfg_validator_fn validate;
    /* Connect's NonNullValidator and its kin also report a missing required
     * value: in a validation report, a null value gets a second error
     * "Invalid value null for configuration <name>: <null_error>". */
    const char *null_error;
    /* Connect's Recommender: the values a UI offers (a new JSON array of
     * strings, "recommended_values" in a validation report); NULL: none. */
    json_t *(*recommended)(void);
} trib_config_def;

#define TRIB_CONFIG_END {.name = NULL}
#define TRIB_CFG_ORDER_0 INT32_MIN

/* ---- validation report (collects every error) -------------------------- */

typedef struct trib_config_report trib_config_report;

trib_config_report *trib_config_report_new(void);
void trib_config_report_destroy(trib_config_report *r);

/* Validates every row of defs against props[prefix + name] and records each
 * key's value and errors. prefix may be "" (or NULL). Keys in props that no
 * table describes are not errors (Connect passes them through). */
void trib_config_report_add(trib_config_report *r, const trib_config_def *defs,
                            const trib_props *props, const char *prefix);
/* Connect's embedded plugin group ("Transforms: a", "Predicates: p"): every
 * entry whose key starts with prefix moves to the end of the report, in
 * group, ordered as Connect's ConfigDef.embed does (the prefix+"type" key
 * first with order 0 and type_doc / type_display as its documentation and
 * display name; then required keys, then by importance, then by name,
 * numbered from 1). */
void trib_config_report_embed(trib_config_report *r, const char *prefix, const char *group,
                              const char *type_doc, const char *type_display);
/* Adds an error to a key (creating an entry without definition if needed):
 * cross-field checks, unknown plugins, tenant isolation. */
void trib_config_report_error(trib_config_report *r, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

int trib_config_report_error_count(const trib_config_report *r);
/* Reports key's value as null: a CLASS value naming no class, which
 * Connect's parser turns into null. */
void trib_config_report_value_null(trib_config_report *r, const char *key);
/* Reports key's value as value (copied): a CLASS value given by alias shows
 * as the class it resolved to, as Connect's parser resolves it. */
void trib_config_report_set_value(trib_config_report *r, const char *key, const char *value);
/* Moves every error of src to the same key of dst (src keeps its entries
 * without errors); for checks whose keys dst does not describe. */
void trib_config_report_take_errors(trib_config_report *dst, trib_config_report *src);

/* Connect's ConfigInfos JSON: {"name","error_count","groups","configs":[...]}.
 * Sensitive values are shown as "[hidden]". Caller owns the reference. */
json_t *trib_config_report_to_json(const trib_config_report *r, const char *plugin_name);

/* Human-readable summary, as Connect's 400 on create:
 * "Connector configuration is invalid and contains the following 2 error(s):\n
 *  Missing required configuration \"file\" which has no default value.\n..."
 * Caller frees. */
char *trib_config_report_summary(const trib_config_report *r);

/* ---- binding -------------------------------------------------------------- */

typedef struct trib_config trib_config;

/* Validates and binds props[prefix + name] for every row; on any error
 * returns NULL with err holding every error message (code INVALID).
 * The table must outlive the returned config; props may be freed. */
trib_config *trib_config_bind(const trib_config_def *defs, const trib_props *props,
                              const char *prefix, trib_error *err);
void trib_config_destroy(trib_config *c);

/* Typed getters. Asking for a name the table lacks, or with the wrong type,
 * is a programming error and aborts with a message. Strings are borrowed
 * from the config; NULL for an absent optional value. */
const char *trib_config_string(const trib_config *c, const char *name);
int32_t trib_config_int(const trib_config *c, const char *name);
int64_t trib_config_long(const trib_config *c, const char *name);
double trib_config_double(const trib_config *c, const char *name);
bool trib_config_bool(const trib_config *c, const char *name);
/* NULL-terminated list borrowed from the config; never NULL (empty list). */
char *const *trib_config_list(const trib_config *c, const char *name);
size_t trib_config_list_len(const trib_config *c, const char *name);
const char *trib_config_password(const trib_config *c, const char *name);
/* The string form after defaults are applied (NULL if absent and optional). */
const char *trib_config_raw(const trib_config *c, const char *name);

/* ---- description and redaction --------------------------------------------- */

const char *trib_cfg_type_name(trib_cfg_type t);            /* "STRING", "INT", ... */
const char *trib_cfg_importance_name(trib_cfg_importance i); /* "HIGH", ... */
const char *trib_cfg_width_name(trib_cfg_width w);           /* "NONE", ... */
/* The order a row reports (see trib_config_def.order); d is a row of defs. */
int trib_config_def_order(const trib_config_def *defs, const trib_config_def *d);
const trib_config_def *trib_config_find(const trib_config_def *defs, const char *name);

/* Connect's ConfigKeyInfo for one row, with "order" given. Caller owns it. */
json_t *trib_config_def_to_json(const trib_config_def *def, int order);
/* Array of ConfigKeyInfo for a table (GET /connector-plugins/{p}/config). */
json_t *trib_config_describe_json(const trib_config_def *defs);
/* The same, appended to arr (a connector's own keys, then the framework's). */
void trib_config_describe_append(json_t *arr, const trib_config_def *defs);
/* Markdown table of a table, for generated docs. Caller frees. */
char *trib_config_describe_markdown(const trib_config_def *defs, const char *title);

/* A copy of props in which every key that one of the tables marks sensitive
 * (or whose last dotted component contains "password", "secret" or
 * "token", or which ends in "basic.auth.user.info") reads "[hidden]".
 * tables is NULL-terminated and may be NULL. Caller owns the result. */
trib_props *trib_config_redact(const trib_props *props, const trib_config_def *const *tables);

#endif
