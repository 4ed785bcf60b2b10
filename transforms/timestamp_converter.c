/*
 * timestamp_converter.c: TimestampConverter$Key / TimestampConverter$Value.
 * Converts a timestamp field (or the whole key/value when "field" is
 * empty) between string (SimpleDateFormat "format", UTC), unix (int64 in
 * "unix.precision"), and Connect's Date, Time and Timestamp logical types.
 * With a schema the source kind comes from the schema (logical name, else
 * STRING = string, INT64 = unix); schemaless it is inferred from the value
 * (string or int64).
 *
 * Schemaless outputs of Date/Time/Timestamp use the data model's internal
 * form (int32 days, int32 ms of day, int64 ms), since a map has no schema
 * to mark them logical. A struct schema's own default value is not carried
 * into the derived schema.
 */
#include "transforms/date_format.h"
#include "transforms/plugins.h"
#include "transforms/smt.h"

#include "common/util.h"

#include <stdlib.h>
#include <string.h>

#define PURPOSE "converting timestamp formats"
#define MS_PER_DAY 86400000LL

typedef enum ts_type { TS_STRING, TS_UNIX, TS_DATE, TS_TIME, TS_TIMESTAMP } ts_type;
static const char *const TS_NAMES[] = {"string", "unix", "Date", "Time", "Timestamp", NULL};

typedef enum precision { P_SECONDS, P_MILLIS, P_MICROS, P_NANOS } precision;
static const char *const PRECISIONS[] = {"seconds", "milliseconds", "microseconds", "nanoseconds", NULL};

static int index_of(const char *const *names, const char *v) {
    for (int i = 0; names[i]; i++)
        if (strcmp(names[i], v) == 0) return i;
    return -1;
}

/* ConfigDef.ValidString.in: case-sensitive, as in Connect. */
static int validate_in(const char *const *names, const char *value, trib_error *err) {
    if (index_of(names, value) >= 0) return 0;
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    for (int i = 0; names[i]; i++) trib_strbuf_printf(&sb, "%s%s", i ? ", " : "", names[i]);
    trib_error_set(err, TRIB_ERR_INVALID, "String must be one of: %s", sb.data);
    trib_strbuf_free(&sb);
    return -1;
}

static int validate_type(const trib_config_def *def, const char *value, trib_error *err) {
    (void)def;
    /* Connect's order in the message: string, unix, Date, Time, Timestamp. */
    return validate_in(TS_NAMES, value, err);
}

static int validate_precision(const trib_config_def *def, const char *value, trib_error *err) {
    (void)def;
    static const char *const in_connect_order[] = {"nanoseconds", "microseconds", "milliseconds", "seconds", NULL};
    return validate_in(in_connect_order, value, err);
}

static const trib_config_def timestamp_converter_config[] = {
    {.name = "field", .type = TRIB_CFG_STRING, .default_value = "", .importance = TRIB_IMP_HIGH,
     .doc = "The field containing the timestamp, or empty if the entire value is a timestamp"},
    {.name = "target.type", .type = TRIB_CFG_STRING, .importance = TRIB_IMP_HIGH, .validate = validate_type,
     .doc = "The desired timestamp representation: string, unix, Date, Time, or Timestamp"},
    {.name = "format", .type = TRIB_CFG_STRING, .default_value = "", .importance = TRIB_IMP_MEDIUM,
     .doc = "A SimpleDateFormat-compatible format for the timestamp. Used to generate the output when type=string or "
            "used to parse the input if the input is a string."},
    {.name = "unix.precision", .type = TRIB_CFG_STRING, .default_value = "milliseconds", .importance = TRIB_IMP_LOW,
     .validate = validate_precision,
     .doc = "The desired Unix precision for the timestamp: seconds, milliseconds, microseconds, or nanoseconds. Used "
            "to generate the output when type=unix or used to parse the input if the input is a Long.Note: This SMT "
            "will cause precision loss during conversions from, and to, values with sub-millisecond components."},
    {.name = "replace.null.with.default", .type = TRIB_CFG_BOOLEAN, .default_value = "true",
     .importance = TRIB_IMP_MEDIUM,
     .doc = "Whether to replace fields that have a default value and that are null to the default value. When set to "
            "true, the default value is used, otherwise null is used."},
    TRIB_CONFIG_END,
};

typedef struct ts_conv {
    smt_target target;
    char *field;  /* "" = whole value */
    ts_type type;
    trib_datefmt *format;  /* NULL when no format is configured */
    precision precision;
    bool replace_null_with_default;
    smt_schema_cache cache;
} ts_conv;

static void ts_destroy(void *vctx) {
    ts_conv *c = vctx;
    if (!c) return;
    free(c->field);
    trib_datefmt_free(c->format);
    smt_cache_clear(&c->cache);
    free(c);
}

static bool is_blank(const char *s) {
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r' && *s != '\f' && *s != '\v') return false;
    return true;
}

static int ts_create(smt_target target, const trib_props *props, void **out, trib_error *err) {
    trib_config *cfg = trib_config_bind(timestamp_converter_config, props, "", err);
    if (!cfg) return -1;
    ts_conv *c = trib_xcalloc(1, sizeof *c);
    c->target = target;
    c->field = trib_xstrdup(trib_config_string(cfg, "field"));
    c->type = (ts_type)index_of(TS_NAMES, trib_config_string(cfg, "target.type"));
    c->precision = (precision)index_of(PRECISIONS, trib_config_string(cfg, "unix.precision"));
    c->replace_null_with_default = trib_config_bool(cfg, "replace.null.with.default");
    const char *pattern = trib_config_string(cfg, "format");
    int rc = 0;
    if (c->type == TS_STRING && is_blank(pattern)) {
        rc = trib_error_set(err, TRIB_ERR_INVALID,
                            "TimestampConverter requires format option to be specified when using string timestamps");
    } else if (!is_blank(pattern)) {
        trib_error why;
        c->format = trib_datefmt_compile(pattern, &why);
        if (!c->format)
            rc = trib_error_set(err, TRIB_ERR_INVALID,
                                "TimestampConverter requires a SimpleDateFormat-compatible pattern for string timestamps: %s (%s)",
                                pattern, why.msg);
    }
    trib_config_destroy(cfg);
    if (rc < 0 || (int)c->type < 0 || (int)c->precision < 0) {
        if (rc == 0) trib_error_set(err, TRIB_ERR_INVALID, "TimestampConverter: invalid target.type or unix.precision");
        ts_destroy(c);
        return -1;
    }
    *out = c;
    return 0;
}

static int create_key(const trib_props *p, void **ctx, trib_error *err) { return ts_create(SMT_KEY, p, ctx, err); }
static int create_value(const trib_props *p, void **ctx, trib_error *err) { return ts_create(SMT_VALUE, p, ctx, err); }

static trib_schema *type_schema(ts_type t, bool optional) {
    switch (t) {
    case TS_STRING: return trib_schema_primitive(TRIB_STRING, optional);
    case TS_UNIX: return trib_schema_primitive(TRIB_INT64, optional);
    case TS_DATE: return trib_schema_date(optional);
    case TS_TIME: return trib_schema_time(optional);
    case TS_TIMESTAMP: return trib_schema_timestamp(optional);
    }
    return NULL;
}

/* timestampTypeFromSchema. */
static int type_from_schema(const trib_schema *s, ts_type *out, trib_error *err) {
    if (trib_schema_is_logical(s, TRIB_LOGICAL_TIMESTAMP)) *out = TS_TIMESTAMP;
    else if (trib_schema_is_logical(s, TRIB_LOGICAL_DATE)) *out = TS_DATE;
    else if (trib_schema_is_logical(s, TRIB_LOGICAL_TIME)) *out = TS_TIME;
    else if (s->type == TRIB_STRING) *out = TS_STRING;
    else if (s->type == TRIB_INT64) *out = TS_UNIX;
    else {
        char *d = smt_schema_describe(s);
        trib_error_set(err, TRIB_ERR_INVALID, "Schema %s does not correspond to a known timestamp type format", d);
        free(d);
        return -1;
    }
    return 0;
}

/* inferTimestampType (schemaless). */
static int infer_type(const trib_value *v, ts_type *out, trib_error *err) {
    if (v->type == TRIB_INT64) *out = TS_UNIX;
    else if (v->type == TRIB_STRING) *out = TS_STRING;
    else
        return trib_error_set(err, TRIB_ERR_INVALID, "TimestampConverter does not support class %s objects as timestamps",
                              smt_java_class(NULL, v));
    return 0;
}

static int64_t sat_mul(int64_t v, int64_t m) {
    if (v > INT64_MAX / m) return INT64_MAX;
    if (v < INT64_MIN / m) return INT64_MIN;
    return v * m;
}

static int floor_div_ms(int64_t ms, int64_t *days, int64_t *rem) {
    int64_t d = ms / MS_PER_DAY, r = ms % MS_PER_DAY;
    if (r < 0) { r += MS_PER_DAY; d--; }
    *days = d;
    *rem = r;
    return 0;
}

/* The source translator's toRaw: epoch milliseconds. */
static int to_raw(const ts_conv *c, ts_type from, const trib_value *v, int64_t *ms, trib_error *err) {
    switch (from) {
    case TS_STRING:
        if (v->type != TRIB_STRING)
            return trib_error_set(err, TRIB_ERR_INVALID, "Expected string timestamp to be a String, but found class %s",
                                  smt_java_class(NULL, v));
        if (!c->format)
            return trib_error_set(err, TRIB_ERR_INVALID,
                                  "TimestampConverter requires the format option to parse string timestamps");
        return trib_datefmt_parse(c->format, v->u.str.data, ms, err);
    case TS_UNIX:
        if (v->type != TRIB_INT64)
            return trib_error_set(err, TRIB_ERR_INVALID, "Expected Unix timestamp to be a Long, but found class %s",
                                  smt_java_class(NULL, v));
        switch (c->precision) {
        case P_SECONDS: *ms = sat_mul(v->u.i, 1000); break;
        case P_MICROS: *ms = v->u.i / 1000; break;
        case P_NANOS: *ms = v->u.i / 1000000; break;
        case P_MILLIS: *ms = v->u.i; break;
        }
        return 0;
    case TS_DATE:
    case TS_TIME:
        if (v->type != TRIB_INT32)
            return trib_error_set(err, TRIB_ERR_INVALID, "Expected %s to be a java.util.Date, but found class %s",
                                  from == TS_DATE ? "Date" : "Time", smt_java_class(NULL, v));
        *ms = from == TS_DATE ? v->u.i * MS_PER_DAY : v->u.i;
        return 0;
    case TS_TIMESTAMP:
        if (v->type != TRIB_INT64)
            return trib_error_set(err, TRIB_ERR_INVALID, "Expected Timestamp to be a java.util.Date, but found class %s",
                                  smt_java_class(NULL, v));
        *ms = v->u.i;
        return 0;
    }
    return trib_error_set(err, TRIB_ERR_INTERNAL, "TimestampConverter: unknown source type");
}

/* The target translator's toType. */
static trib_value *to_type(const ts_conv *c, int64_t ms) {
    int64_t days, rem;
    switch (c->type) {
    case TS_STRING: return trib_value_string_take(trib_datefmt_format(c->format, ms));
    case TS_UNIX:
        switch (c->precision) {
        case P_SECONDS: return trib_value_int(TRIB_INT64, ms / 1000);
        case P_MICROS: return trib_value_int(TRIB_INT64, sat_mul(ms, 1000));
        case P_NANOS: return trib_value_int(TRIB_INT64, sat_mul(ms, 1000000));
        case P_MILLIS: return trib_value_int(TRIB_INT64, ms);
        }
        break;
    case TS_DATE:
        floor_div_ms(ms, &days, &rem);
        return trib_value_int(TRIB_INT32, days);
    case TS_TIME:
        floor_div_ms(ms, &days, &rem);
        return trib_value_int(TRIB_INT32, rem);
    case TS_TIMESTAMP: return trib_value_int(TRIB_INT64, ms);
    }
    return NULL;
}

/* convertTimestamp: from may be NULL to infer from the value. */
static int convert(const ts_conv *c, const ts_type *from, const trib_value *v, trib_value **out, trib_error *err) {
    *out = NULL;
    if (!v) return 0;
    ts_type src = TS_TIMESTAMP;  /* set below; initialised for -O2 flow analysis */
    if (from) src = *from;
    else if (infer_type(v, &src, err) < 0) return -1;
    int64_t ms;
    if (to_raw(c, src, v, &ms, err) < 0) return -1;
    *out = to_type(c, ms);
    return 0;
}

static int ts_apply(void *vctx, trib_record **recp, trib_error *err) {
    ts_conv *c = vctx;
    trib_record *r = *recp;
    trib_value *value = smt_value(r, c->target);
    trib_schema *schema = smt_schema(r, c->target);
    trib_value *nv;

    if (!schema) {
        if (!value || !c->field[0]) {
            if (convert(c, NULL, value, &nv, err) < 0) return -1;
            smt_replace(r, c->target, NULL, nv);
            return 0;
        }
        if (smt_require_map(value, PURPOSE, err) < 0) return -1;
        long k = smt_map_find(value, c->field);
        if (convert(c, NULL, k >= 0 ? value->u.map.vals[k] : NULL, &nv, err) < 0) return -1;
        smt_map_put(value, c->field, nv);
        return 0;
    }

    if (!c->field[0]) {
        ts_type from;
        if (type_from_schema(schema, &from, err) < 0) return -1;
        if (convert(c, &from, value, &nv, err) < 0) return -1;
        smt_replace(r, c->target, type_schema(c->type, schema->optional), nv);
        return 0;
    }

    if (value && smt_require_struct(value, PURPOSE, err) < 0) return -1;
    trib_schema *updated = smt_cache_get(&c->cache, schema);
    if (!updated) {
        trib_schema *s = smt_struct_like(schema);
        for (size_t i = 0; i < schema->nfields; i++) {
            const trib_field *f = &schema->fields[i];
            trib_schema_add_field_take(s, f->name, strcmp(f->name, c->field) == 0
                                                       ? type_schema(c->type, f->schema->optional)
                                                       : trib_schema_ref(f->schema));
        }
        s->optional = schema->optional;
        updated = smt_cache_put(&c->cache, schema, s);
    }
    if (!value) {
        smt_replace(r, c->target, trib_schema_ref(updated), NULL);
        return 0;
    }
    const trib_schema *st = value->u.st.schema;
    if (st->nfields != updated->nfields)
        return trib_error_set(err, TRIB_ERR_INVALID, "TimestampConverter: struct value does not match its record schema");
    /* Convert the one field first; only then move the rest over. */
    const trib_field *tf = trib_schema_field(st, c->field);
    trib_value *converted = NULL;
    if (tf) {
        ts_type from;
        if (type_from_schema(tf->schema, &from, err) < 0) return -1;
        if (convert(c, &from, smt_struct_get(value, (size_t)tf->index, c->replace_null_with_default), &converted,
                    err) < 0)
            return -1;
    }
    nv = trib_value_struct_new(updated);
    for (size_t i = 0; i < st->nfields; i++)
        nv->u.st.fields[i] = tf && (size_t)tf->index == i ? converted
                                                          : smt_struct_take(value, i, c->replace_null_with_default);
    smt_replace(r, c->target, trib_schema_ref(updated), nv);
    return 0;
}

#define OVERVIEW                                                                                                    \
    "Convert timestamps between different formats such as Unix epoch, strings, and Connect Date/Timestamp types. " \
    "Applies to individual fields or to the entire value."

const trib_transform_plugin trib_smt_timestamp_converter_key = {
    .class_name = "org.apache.kafka.connect.transforms.TimestampConverter$Key",
    .alias = "TimestampConverter$Key",
    .doc = OVERVIEW,
    .config = timestamp_converter_config,
    .create = create_key,
    .apply = ts_apply,
    .destroy = ts_destroy,
};

const trib_transform_plugin trib_smt_timestamp_converter_value = {
    .class_name = "org.apache.kafka.connect.transforms.TimestampConverter$Value",
    .alias = "TimestampConverter$Value",
    .doc = OVERVIEW,
    .config = timestamp_converter_config,
    .create = create_value,
    .apply = ts_apply,
    .destroy = ts_destroy,
};
