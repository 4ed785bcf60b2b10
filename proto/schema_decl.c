/*
 * schema_decl.c: declared record schemas (spooldir's connect-utils JSON,
 * Connect's JsonConverter form, Avro records) and the typing of text
 * values under them; see schema_decl.h for the rules.
 *
 * Dates are parsed here rather than with strptime(3): spooldir users write
 * Java patterns (yyyy-MM-dd'T'HH:mm:ss), strptime depends on the locale and
 * ignores widths, and timegm-free arithmetic (trib_days_from_civil) keeps the
 * parser free of the process-wide TZ state, so tasks on many threads can
 * parse at once.
 */
#include "proto/schema_decl.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/time.h"
#include "common/util.h"
#include "proto/json_converter.h"

/* ---- declared schemas ---------------------------------------------------- */

/* A field's default from JSON (Avro "default", connect-utils
 * "defaultValue"), converted as JsonConverter converts a payload. */
static int set_default(trib_schema *s, const json_t *dflt, const char *field, trib_error *err) {
    if (!dflt || json_is_null(dflt)) return 0;
    if (trib_schema_is_logical(s, TRIB_LOGICAL_DECIMAL)) {
        /* Avro writes decimal defaults as byte strings; a decimal text is the only unambiguous form */
        if (!json_is_string(dflt))
            return trib_error_set(err, TRIB_ERR_INVALID, "field %s: a decimal default must be a string such as \"1.50\"",
                                  field);
        trib_value *v;
        if (trib_decimal_from_string(json_string_value(dflt), trib_schema_decimal_scale(s), &v, err) < 0)
            return trib_error_prefix(err, "field %s: default", field);
        trib_schema_set_default_take(s, v);
        return 0;
    }
    trib_json_opts o = {0};
    trib_value *v = NULL;
    if (trib_json_to_value(s, dflt, &o, &v, err) < 0) return trib_error_prefix(err, "field %s: default", field);
    trib_schema_set_default_take(s, v);
    return 0;
}

/* The logical schema a connect-utils "name" stands for; NULL with *failed
 * false when the name is not a logical type (a plain named schema). */
static trib_schema *logical_by_name(const char *name, trib_type type, const json_t *params, bool optional,
                                    const char *field, bool *failed, trib_error *err) {
    *failed = true;
    if (strcmp(name, TRIB_LOGICAL_DECIMAL) == 0) {
        const json_t *sc = params ? json_object_get(params, TRIB_DECIMAL_SCALE_PARAM) : NULL;
        long scale = 0;
        if (json_is_string(sc)) scale = strtol(json_string_value(sc), NULL, 10);
        else if (json_is_integer(sc)) scale = (long)json_integer_value(sc);
        else if (sc) return trib_error_set(err, TRIB_ERR_INVALID, "field %s: decimal scale must be a number", field), NULL;
        if (type != TRIB_BYTES || scale < 0 || scale > 38)
            return trib_error_set(err, TRIB_ERR_INVALID, "field %s: a Decimal is BYTES with a scale of 0..38", field), NULL;
        return trib_schema_decimal((int)scale, optional);
    }
    struct { const char *n; trib_type t; trib_schema *(*mk)(bool); } kinds[] = {
        {TRIB_LOGICAL_DATE, TRIB_INT32, trib_schema_date},
        {TRIB_LOGICAL_TIME, TRIB_INT32, trib_schema_time},
        {TRIB_LOGICAL_TIMESTAMP, TRIB_INT64, trib_schema_timestamp},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
        if (strcmp(name, kinds[i].n) == 0) {
            if (type != kinds[i].t)
                return trib_error_set(err, TRIB_ERR_INVALID, "field %s: %s must have type %s", field, name,
                                      trib_type_upper_name(kinds[i].t)), NULL;
            return kinds[i].mk(optional);
        }
    *failed = false;
    return NULL;
}

/* One field of connect-utils' form: {"type":"INT64","isOptional":true,...}. */
static trib_schema *connect_utils_field(const char *field, const json_t *j, trib_error *err) {
    if (!json_is_object(j)) return trib_error_set(err, TRIB_ERR_INVALID, "field %s: schema must be an object", field), NULL;
    const char *tname = json_string_value(json_object_get(j, "type"));
    trib_type t;
    if (!tname || trib_type_parse(tname, &t) < 0)
        return trib_error_set(err, TRIB_ERR_INVALID, "field %s: unknown type %s", field, tname ? tname : "(none)"), NULL;
    if (!trib_type_is_primitive(t))
        return trib_error_set(err, TRIB_ERR_INVALID, "field %s: type %s is not supported in a file schema (fields are scalar)",
                              field, trib_type_upper_name(t)), NULL;
    bool optional = json_is_true(json_object_get(j, "isOptional"));
    const char *name = json_string_value(json_object_get(j, "name"));
    const json_t *params = json_object_get(j, "parameters");
    trib_schema *s = NULL;
    if (name) {
        bool failed;
        s = logical_by_name(name, t, params, optional, field, &failed, err);
        if (!s && failed) return NULL;
    }
    if (!s) {
        s = trib_schema_primitive(t, optional);
        if (name) trib_schema_set_name(s, name);
    }
    const char *doc = json_string_value(json_object_get(j, "doc"));
    if (doc) trib_schema_set_doc(s, doc);
    if (set_default(s, json_object_get(j, "defaultValue"), field, err) < 0) {
        trib_schema_unref(s);
        return NULL;
    }
    return s;
}

static trib_schema *from_connect_utils(const json_t *j, trib_error *err) {
    const json_t *fs = json_object_get(j, "fieldSchemas");
    if (!json_is_object(fs))
        return trib_error_set(err, TRIB_ERR_INVALID, "a STRUCT schema needs \"fieldSchemas\" (an object of fields)"), NULL;
    trib_schema *st = trib_schema_struct_new(json_string_value(json_object_get(j, "name")));
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)fs, k, v) {
        trib_schema *f = connect_utils_field(k, v, err);
        if (!f) {
            trib_schema_unref(st);
            return NULL;
        }
        trib_schema_add_field_take(st, k, f);
    }
    return st;
}

/* One Avro field type: a name, {"type":..,"logicalType":..}, or a union
 * with "null". field_logical is a field-level "logicalType" (seed 002). */
static trib_schema *avro_type(const char *field, const json_t *t, const json_t *holder, bool optional,
                              trib_error *err) {
    if (json_is_array(t)) {
        size_t n = json_array_size(t);
        const json_t *other = NULL;
        bool has_null = false;
        for (size_t i = 0; i < n; i++) {
            const json_t *b = json_array_get(t, i);
            if (json_is_string(b) && strcmp(json_string_value(b), "null") == 0) has_null = true;
            else if (!other) other = b;
            else other = NULL, n = 0;
        }
        if (!has_null || !other || json_array_size(t) != 2)
            return trib_error_set(err, TRIB_ERR_INVALID, "field %s: only a union of \"null\" and one type is supported", field),
                   NULL;
        return avro_type(field, other, holder, true, err);
    }
    const json_t *obj = json_is_object(t) ? t : NULL;
    const char *name = obj ? json_string_value(json_object_get(obj, "type")) : json_string_value(t);
    if (!name) return trib_error_set(err, TRIB_ERR_INVALID, "field %s: type must be a name, an object or a union", field), NULL;
    const char *lt = obj ? json_string_value(json_object_get(obj, "logicalType")) : NULL;
    if (!lt && holder) lt = json_string_value(json_object_get(holder, "logicalType"));
    const json_t *lh = obj ? obj : holder;
    if (lt) {
        if (strcmp(lt, "date") == 0 && (!strcmp(name, "int") || !strcmp(name, "string"))) return trib_schema_date(optional);
        if (strcmp(lt, "time-millis") == 0 && (!strcmp(name, "int") || !strcmp(name, "string"))) return trib_schema_time(optional);
        if (strcmp(lt, "timestamp-millis") == 0 && (!strcmp(name, "long") || !strcmp(name, "string")))
            return trib_schema_timestamp(optional);
        if (strcmp(lt, "decimal") == 0 && (!strcmp(name, "bytes") || !strcmp(name, "fixed") || !strcmp(name, "string"))) {
            const json_t *sc = json_object_get(lh, "scale"), *pr = json_object_get(lh, "precision");
            json_int_t scale = sc ? (json_is_integer(sc) ? json_integer_value(sc) : -1) : 0;
            if (scale < 0 || scale > 38 || (pr && (!json_is_integer(pr) || json_integer_value(pr) < scale ||
                                                   json_integer_value(pr) < 1)))
                return trib_error_set(err, TRIB_ERR_INVALID, "field %s: decimal needs 0 <= scale <= precision", field), NULL;
            trib_schema *s = trib_schema_decimal((int)scale, optional);
            if (pr) {
                char buf[24];
                snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(pr));
                trib_schema_set_param(s, "connect.decimal.precision", buf);
            }
            return s;
        }
        return trib_error_set(err, TRIB_ERR_INVALID, "field %s: logical type %s on %s is not supported", field, lt, name),
               NULL;
    }
    static const struct { const char *avro; trib_type t; } prims[] = {
        {"string", TRIB_STRING}, {"int", TRIB_INT32}, {"long", TRIB_INT64}, {"float", TRIB_FLOAT32},
        {"double", TRIB_FLOAT64}, {"boolean", TRIB_BOOLEAN}, {"bytes", TRIB_BYTES},
    };
    for (size_t i = 0; i < sizeof prims / sizeof *prims; i++)
        if (strcmp(name, prims[i].avro) == 0) return trib_schema_primitive(prims[i].t, optional);
    return trib_error_set(err, TRIB_ERR_INVALID, "field %s: Avro type %s is not supported in a file schema (fields are scalar)",
                          field, name), NULL;
}

static trib_schema *from_avro(const json_t *j, trib_error *err) {
    const json_t *fields = json_object_get(j, "fields");
    if (!json_is_array(fields))
        return trib_error_set(err, TRIB_ERR_INVALID, "an Avro record schema needs \"fields\" (an array)"), NULL;
    const char *name = json_string_value(json_object_get(j, "name"));
    const char *ns = json_string_value(json_object_get(j, "namespace"));
    char *full = NULL;
    if (name && ns && *ns && !strchr(name, '.')) full = trib_xasprintf("%s.%s", ns, name);
    trib_schema *st = trib_schema_struct_new(full ? full : name);
    free(full);
    size_t i;
    json_t *f;
    json_array_foreach(fields, i, f) {
        const char *fname = json_string_value(json_object_get(f, "name"));
        if (!fname || !*fname) {
            trib_schema_unref(st);
            return trib_error_set(err, TRIB_ERR_INVALID, "field %zu of the record has no \"name\"", i), NULL;
        }
        if (trib_schema_field(st, fname)) {
            trib_schema_unref(st);
            return trib_error_set(err, TRIB_ERR_INVALID, "field %s is declared twice", fname), NULL;
        }
        trib_schema *fs = avro_type(fname, json_object_get(f, "type"), f, false, err);
        if (!fs || set_default(fs, json_object_get(f, "default"), fname, err) < 0) {
            trib_schema_unref(fs);
            trib_schema_unref(st);
            return NULL;
        }
        const char *doc = json_string_value(json_object_get(f, "doc"));
        if (doc) trib_schema_set_doc(fs, doc);
        trib_schema_add_field_take(st, fname, fs);
    }
    return st;
}

trib_schema *trib_schema_decl_from_json(const json_t *j, trib_error *err) {
    if (!json_is_object(j)) return trib_error_set(err, TRIB_ERR_INVALID, "a schema must be a JSON object"), NULL;
    const char *type = json_string_value(json_object_get(j, "type"));
    if (!type) return trib_error_set(err, TRIB_ERR_INVALID, "a schema needs a \"type\""), NULL;
    trib_schema *s = NULL;
    if (strcmp(type, "record") == 0) {
        s = from_avro(j, err);
    } else if (strcmp(type, "STRUCT") == 0 || json_object_get(j, "fieldSchemas")) {
        s = from_connect_utils(j, err);
    } else if (strcmp(type, "struct") == 0) {
        trib_json_opts o = {0};
        if (trib_json_parse_schema(j, &o, &s, err) < 0) return NULL;
        for (size_t i = 0; s && i < s->nfields; i++)
            if (!trib_type_is_primitive(s->fields[i].schema->type)) {
                trib_error_set(err, TRIB_ERR_INVALID, "field %s: type %s is not supported in a file schema (fields are scalar)",
                               s->fields[i].name, trib_type_upper_name(s->fields[i].schema->type));
                trib_schema_unref(s);
                return NULL;
            }
    } else {
        return trib_error_set(err, TRIB_ERR_INVALID,
                              "schema type %s: expected an Avro \"record\" or a Connect \"STRUCT\"/\"struct\"", type), NULL;
    }
    if (s && s->nfields == 0) {
        trib_schema_unref(s);
        return trib_error_set(err, TRIB_ERR_INVALID, "a record schema needs at least one field"), NULL;
    }
    return s;
}

trib_schema *trib_schema_decl_parse(const char *text, trib_error *err) {
    json_error_t je;
    json_t *j = json_loads(text ? text : "", 0, &je);
    if (!j) return trib_error_set(err, TRIB_ERR_INVALID, "schema is not valid JSON: %s (line %d)", je.text, je.line), NULL;
    trib_schema *s = trib_schema_decl_from_json(j, err);
    json_decref(j);
    return s;
}

trib_schema *trib_schema_decl_key(const trib_schema *value, char *const *fields, size_t n, trib_error *err) {
    if (!value || value->type != TRIB_STRUCT) return trib_error_set(err, TRIB_ERR_INVALID, "key fields need a struct value schema"), NULL;
    if (n == 0) return trib_error_set(err, TRIB_ERR_INVALID, "no key fields given"), NULL;
    char *kname = value->name ? trib_xasprintf("%sKey", value->name) : NULL;
    trib_schema *k = trib_schema_struct_new(kname);
    free(kname);
    for (size_t i = 0; i < n; i++) {
        const trib_field *f = trib_schema_field(value, fields[i]);
        if (!f || trib_schema_field(k, fields[i])) {
            trib_schema_unref(k);
            return trib_error_set(err, TRIB_ERR_INVALID, f ? "key field %s is named twice" : "key field %s is not a field of the value schema",
                                  fields[i]), NULL;
        }
        trib_schema *fs = trib_schema_copy(f->schema);
        fs->optional = false;   /* a primary key column is never null */
        trib_schema_add_field_take(k, fields[i], fs);
    }
    return k;
}

trib_value *trib_schema_decl_key_value(const trib_schema *key, const trib_value *value) {
    trib_value *k = trib_value_struct_new((trib_schema *)key);
    for (size_t i = 0; i < key->nfields; i++)
        trib_value_struct_set_take(k, key->fields[i].name,
                                   trib_value_clone(trib_value_struct_get(value, key->fields[i].name)));
    return k;
}

/* ---- dates ------------------------------------------------------------------ */

static int days_in_month(int64_t y, int m) {
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

/* One element of a compiled Java pattern. */
typedef struct pat_tok {
    char letter;        /* y M d H h m s S a X Z, or 0 for a literal */
    int count;
    char *lit;          /* literal text (owned) */
} pat_tok;

typedef struct pattern {
    pat_tok *t;
    size_t n;
} pattern;

struct trib_text_parser {
    pattern *pats;
    size_t npats;
    int64_t zone_ms;    /* offset of the configured zone east of UTC */
};

static void pattern_free(pattern *p) {
    for (size_t i = 0; i < p->n; i++) free(p->t[i].lit);
    free(p->t);
}

static void pat_push(pattern *p, char letter, int count, char *lit) {
    p->t = trib_xrealloc(p->t, (p->n + 1) * sizeof *p->t);
    p->t[p->n++] = (pat_tok){letter, count, lit};
}

static int pattern_compile(const char *src, pattern *out, trib_error *err) {
    *out = (pattern){0};
    trib_strbuf lit;
    trib_strbuf_init(&lit);
    for (const char *c = src; *c;) {
        if (*c == '\'') {
            c++;
            if (*c == '\'') {   /* '' is a quote */
                trib_strbuf_putc(&lit, '\'');
                c++;
                continue;
            }
            while (*c && !(*c == '\'' && c[1] != '\'')) {
                if (*c == '\'') c++;
                trib_strbuf_putc(&lit, *c++);
            }
            if (*c != '\'') {
                trib_strbuf_free(&lit);
                pattern_free(out);
                return trib_error_set(err, TRIB_ERR_INVALID, "date format %s: unterminated quote", src);
            }
            c++;
            continue;
        }
        if (isalpha((unsigned char)*c)) {
            if (!strchr("yMdHhmsSaXZ", *c)) {
                trib_strbuf_free(&lit);
                pattern_free(out);
                return trib_error_set(err, TRIB_ERR_INVALID, "date format %s: pattern letter %c is not supported", src, *c);
            }
            if (lit.len) {
                pat_push(out, 0, 0, trib_xstrndup(lit.data, lit.len));
                trib_strbuf_reset(&lit);
            }
            int n = 0;
            char l = *c;
            while (*c == l) c++, n++;
            pat_push(out, l, n, NULL);
            continue;
        }
        trib_strbuf_putc(&lit, *c++);
    }
    if (lit.len) pat_push(out, 0, 0, trib_xstrndup(lit.data, lit.len));
    trib_strbuf_free(&lit);
    if (out->n == 0) return trib_error_set(err, TRIB_ERR_INVALID, "date format is empty");
    return 0;
}

/* Reads digits at *p (at most max, at least 1), as Java's parser reads a
 * field: a field followed directly by another numeric field takes exactly
 * its pattern width. */
static bool read_num(const char **p, const char *end, int min, int max, int64_t *v) {
    int n = 0;
    int64_t x = 0;
    while (*p < end && n < max && isdigit((unsigned char)**p)) x = x * 10 + (*(*p)++ - '0'), n++;
    *v = x;
    return n >= min && n > 0;
}

/* Parses a zone offset: Z, +HH, +HHMM, +HH:MM. */
static bool read_zone(const char **p, const char *end, int64_t *ms) {
    if (*p < end && **p == 'Z') {
        (*p)++;
        *ms = 0;
        return true;
    }
    if (*p >= end || (**p != '+' && **p != '-')) return false;
    int sign = *(*p)++ == '-' ? -1 : 1;
    int64_t h, m = 0;
    if (!read_num(p, end, 2, 2, &h)) return false;
    if (*p < end && **p == ':') (*p)++;
    if (*p < end && isdigit((unsigned char)**p) && !read_num(p, end, 2, 2, &m)) return false;
    if (h > 18 || m > 59) return false;
    *ms = sign * (h * 3600 + m * 60) * 1000;
    return true;
}

static bool is_numeric_letter(char l) {
    return l && strchr("yMdHhmsS", l);
}

/* Matches text against a pattern; the whole text must be consumed. */
static bool pattern_match(const pattern *pat, const char *text, size_t len, int64_t zone_ms, int64_t *out) {
    const char *p = text, *end = text + len;
    int64_t y = 1970, mo = 1, d = 1, h = 0, mi = 0, s = 0, ms = 0, zone = zone_ms;
    bool pm = false, has_ampm = false;
    for (size_t i = 0; i < pat->n; i++) {
        const pat_tok *t = &pat->t[i];
        if (!t->letter) {
            size_t n = strlen(t->lit);
            if ((size_t)(end - p) < n || memcmp(p, t->lit, n) != 0) return false;
            p += n;
            continue;
        }
        bool adjacent = i + 1 < pat->n && is_numeric_letter(pat->t[i + 1].letter);
        int maxw = adjacent ? t->count : (t->letter == 'y' ? 9 : t->letter == 'S' ? 9 : 2);
        if (maxw < t->count) maxw = t->count;
        int minw = adjacent ? t->count : 1;
        int64_t v;
        switch (t->letter) {
        case 'y':
            if (!read_num(&p, end, t->count == 2 ? 2 : minw, t->count == 2 ? 2 : maxw, &v)) return false;
            y = t->count == 2 ? 2000 + v : v;   /* yy: 2000-2099, Java's default century window ends near now */
            break;
        case 'M': if (!read_num(&p, end, minw, maxw, &v) || v < 1 || v > 12) return false; mo = v; break;
        case 'd': if (!read_num(&p, end, minw, maxw, &v) || v < 1 || v > 31) return false; d = v; break;
        case 'H': if (!read_num(&p, end, minw, maxw, &v) || v > 23) return false; h = v; break;
        case 'h': if (!read_num(&p, end, minw, maxw, &v) || v < 1 || v > 12) return false; h = v % 12; has_ampm = true; break;
        case 'm': if (!read_num(&p, end, minw, maxw, &v) || v > 59) return false; mi = v; break;
        case 's': if (!read_num(&p, end, minw, maxw, &v) || v > 59) return false; s = v; break;
        case 'S': {
            const char *st = p;
            if (!read_num(&p, end, minw, maxw, &v)) return false;
            int digits = (int)(p - st);
            /* a fraction: scale to milliseconds whatever its width */
            while (digits < 3) v *= 10, digits++;
            while (digits > 3) v /= 10, digits--;
            ms = v;
            break;
        }
        case 'a':
            if (end - p >= 2 && (strncasecmp(p, "AM", 2) == 0 || strncasecmp(p, "PM", 2) == 0)) {
                pm = toupper((unsigned char)*p) == 'P';
                p += 2;
            } else {
                return false;
            }
            break;
        case 'X':
        case 'Z':
            if (!read_zone(&p, end, &zone)) return false;
            break;
        }
    }
    if (p != end) return false;
    if (has_ampm && pm) h += 12;
    if (d > days_in_month(y, (int)mo)) return false;
    *out = ((trib_days_from_civil(y, (int)mo, (int)d) * 24 + h) * 60 + mi) * 60000 + s * 1000 + ms - zone;
    return true;
}

static const char *const iso_forms[] = {
    "yyyy-MM-dd'T'HH:mm:ss.SSSX", "yyyy-MM-dd'T'HH:mm:ssX", "yyyy-MM-dd'T'HH:mm:ss.SSS", "yyyy-MM-dd'T'HH:mm:ss",
    "yyyy-MM-dd HH:mm:ss.SSS", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd",
};
#define NISO (sizeof iso_forms / sizeof *iso_forms)

static int parse_zone_name(const char *tz, int64_t *ms) {
    if (!tz || !*tz || !strcmp(tz, "UTC") || !strcmp(tz, "GMT") || !strcmp(tz, "Z") || !strcmp(tz, "Etc/UTC")) {
        *ms = 0;
        return 0;
    }
    const char *p = tz;
    if (!strncmp(p, "UTC", 3) || !strncmp(p, "GMT", 3)) p += 3;
    const char *end = tz + strlen(tz);
    if (!read_zone(&p, end, ms) || p != end) return -1;
    return 0;
}

trib_text_parser *trib_text_parser_new(char *const *formats, size_t nformats, const char *timezone,
                                       trib_error *err) {
    trib_text_parser *p = trib_xcalloc(1, sizeof *p);
    if (parse_zone_name(timezone, &p->zone_ms) < 0) {
        free(p);
        return trib_error_set(err, TRIB_ERR_INVALID,
                              "time zone %s: use UTC or a fixed offset such as +02:00 (region names are not supported)",
                              timezone), NULL;
    }
    p->pats = trib_xcalloc(nformats + NISO, sizeof *p->pats);
    for (size_t i = 0; i < nformats + NISO; i++) {
        const char *f = i < nformats ? formats[i] : iso_forms[i - nformats];
        if (pattern_compile(f, &p->pats[i], err) < 0) {
            p->npats = i;
            trib_text_parser_destroy(p);
            return NULL;
        }
        p->npats = i + 1;
    }
    return p;
}

void trib_text_parser_destroy(trib_text_parser *p) {
    if (!p) return;
    for (size_t i = 0; i < p->npats; i++) pattern_free(&p->pats[i]);
    free(p->pats);
    free(p);
}

int trib_text_parse_timestamp(const trib_text_parser *p, const char *text, size_t len, int64_t *ms) {
    for (size_t i = 0; i < p->npats; i++)
        if (pattern_match(&p->pats[i], text, len, p->zone_ms, ms)) return 0;
    return -1;
}

/* ---- text to values ------------------------------------------------------------ */

static bool utf8_valid(const unsigned char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x80) { i++; continue; }
        size_t need;
        uint32_t cp, min;
        if ((c & 0xE0) == 0xC0) { need = 1; cp = c & 0x1F; min = 0x80; }
        else if ((c & 0xF0) == 0xE0) { need = 2; cp = c & 0x0F; min = 0x800; }
        else if ((c & 0xF8) == 0xF0) { need = 3; cp = c & 0x07; min = 0x10000; }
        else return false;
        if (i + need >= n) return false;
        for (size_t k = 1; k <= need; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += need + 1;
    }
    return true;
}

/* Up to 40 bytes of the text for an error message. */
static int bad(trib_error *err, const char *what, const char *text, size_t len) {
    return trib_error_set(err, TRIB_ERR_INVALID, "'%.*s%s' is not %s", (int)(len > 40 ? 40 : len), text,
                          len > 40 ? "..." : "", what);
}

int trib_text_parse(const trib_text_parser *p, const trib_schema *s, const char *text, size_t len,
                    trib_value **out, trib_error *err) {
    *out = NULL;
    bool is_text = s->type == TRIB_STRING || (s->type == TRIB_BYTES && !trib_schema_is_logical(s, TRIB_LOGICAL_DECIMAL));
    if (!text || (len == 0 && !is_text)) {
        if (s->default_value) {
            *out = trib_value_clone(s->default_value);
            return 0;
        }
        if (s->optional) return 0;
        return trib_error_set(err, TRIB_ERR_INVALID, "missing required value");
    }
    if (s->type == TRIB_STRING) {
        if (!utf8_valid((const unsigned char *)text, len)) return trib_error_set(err, TRIB_ERR_INVALID, "text is not valid UTF-8");
        *out = trib_value_string_n(text, len);
        return 0;
    }
    if (is_text) {
        *out = trib_value_bytes(text, len);
        return 0;
    }
    /* Numbers and dates: surrounding blanks are not part of the value. */
    while (len && (*text == ' ' || *text == '\t')) text++, len--;
    while (len && (text[len - 1] == ' ' || text[len - 1] == '\t')) len--;
    char buf[128];
    if (len >= sizeof buf) return bad(err, "a value of this type (too long)", text, len);
    memcpy(buf, text, len);
    buf[len] = 0;
    if (trib_schema_is_logical(s, TRIB_LOGICAL_DECIMAL)) {
        if (trib_decimal_from_string(buf, trib_schema_decimal_scale(s), out, err) < 0) return bad(err, "a decimal of this scale", text, len);
        return 0;
    }
    if (trib_schema_is_logical(s, TRIB_LOGICAL_DATE) || trib_schema_is_logical(s, TRIB_LOGICAL_TIMESTAMP)) {
        int64_t ms;
        bool date = trib_schema_is_logical(s, TRIB_LOGICAL_DATE);
        if (trib_text_parse_timestamp(p, text, len, &ms) < 0)
            return bad(err, date ? "a date in the configured formats" : "a timestamp in the configured formats", text, len);
        if (date) {
            int64_t days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
            *out = trib_value_int(TRIB_INT32, days);
        } else {
            *out = trib_value_int(TRIB_INT64, ms);
        }
        return 0;
    }
    if (trib_schema_is_logical(s, TRIB_LOGICAL_TIME)) {
        int64_t h, m, sec = 0, ms = 0;
        const char *q = buf, *end = buf + len;
        if (!read_num(&q, end, 1, 2, &h) || q >= end || *q++ != ':' || !read_num(&q, end, 2, 2, &m) || h > 23 || m > 59)
            return bad(err, "a time (HH:mm[:ss[.SSS]])", text, len);
        if (q < end && *q == ':') {
            q++;
            if (!read_num(&q, end, 2, 2, &sec) || sec > 59) return bad(err, "a time (HH:mm[:ss[.SSS]])", text, len);
            if (q < end && *q == '.') {
                q++;
                const char *st = q;
                if (!read_num(&q, end, 1, 3, &ms)) return bad(err, "a time (HH:mm[:ss[.SSS]])", text, len);
                for (long d = q - st; d < 3; d++) ms *= 10;
            }
        }
        if (q != end) return bad(err, "a time (HH:mm[:ss[.SSS]])", text, len);
        *out = trib_value_int(TRIB_INT32, ((h * 60 + m) * 60 + sec) * 1000 + ms);
        return 0;
    }
    char *e;
    errno = 0;
    switch (s->type) {
    case TRIB_INT8:
    case TRIB_INT16:
    case TRIB_INT32:
    case TRIB_INT64: {
        long long v = strtoll(buf, &e, 10);
        int64_t lo = s->type == TRIB_INT8 ? INT8_MIN : s->type == TRIB_INT16 ? INT16_MIN : s->type == TRIB_INT32 ? INT32_MIN : INT64_MIN;
        int64_t hi = s->type == TRIB_INT8 ? INT8_MAX : s->type == TRIB_INT16 ? INT16_MAX : s->type == TRIB_INT32 ? INT32_MAX : INT64_MAX;
        if (e == buf || *e || errno == ERANGE || v < lo || v > hi) {
            char what[64];
            snprintf(what, sizeof what, "an integer of type %s", trib_type_upper_name(s->type));
            return bad(err, what, text, len);
        }
        *out = trib_value_int(s->type, v);
        return 0;
    }
    case TRIB_FLOAT32:
    case TRIB_FLOAT64: {
        double v = strtod(buf, &e);
        if (e == buf || *e || (errno == ERANGE && fabs(v) > 1)) return bad(err, "a number", text, len);
        *out = trib_value_float(s->type, v);
        return 0;
    }
    case TRIB_BOOLEAN:
        if (strcasecmp(buf, "true") == 0) *out = trib_value_bool(true);
        else if (strcasecmp(buf, "false") == 0) *out = trib_value_bool(false);
        else return bad(err, "a boolean (true or false)", text, len);
        return 0;
    default:
        return trib_error_set(err, TRIB_ERR_INVALID, "type %s cannot be read from text", trib_type_upper_name(s->type));
    }
}

/* ---- inference -------------------------------------------------------------------- */

/* Candidate types, narrowest first; a column drops candidates as samples fail them. */
enum { C_INT = 1, C_FLOAT = 2, C_BOOL = 4, C_TS = 8 };

struct trib_schema_infer {
    const trib_text_parser *p;
    char **names;
    unsigned *cand;
    bool *seen;
    size_t n;
};

trib_schema_infer *trib_schema_infer_new(const trib_text_parser *p, char *const *names, size_t n) {
    trib_schema_infer *in = trib_xcalloc(1, sizeof *in);
    in->p = p;
    in->n = n;
    in->names = trib_xcalloc(n ? n : 1, sizeof *in->names);
    in->cand = trib_xcalloc(n ? n : 1, sizeof *in->cand);
    in->seen = trib_xcalloc(n ? n : 1, sizeof *in->seen);
    for (size_t i = 0; i < n; i++) {
        in->names[i] = trib_xstrdup(names[i]);
        in->cand[i] = C_INT | C_FLOAT | C_BOOL | C_TS;
    }
    return in;
}

void trib_schema_infer_row(trib_schema_infer *in, const char *const *vals, const size_t *lens, size_t n) {
    static trib_schema int_s = {.type = TRIB_INT64}, float_s = {.type = TRIB_FLOAT64}, bool_s = {.type = TRIB_BOOLEAN};
    for (size_t i = 0; i < in->n && i < n; i++) {
        if (!vals[i] || lens[i] == 0) continue;
        in->seen[i] = true;
        trib_value *v;
        if ((in->cand[i] & C_INT) && trib_text_parse(in->p, &int_s, vals[i], lens[i], &v, NULL) < 0) in->cand[i] &= ~C_INT;
        else if (in->cand[i] & C_INT) trib_value_destroy(v);
        if ((in->cand[i] & C_FLOAT) && trib_text_parse(in->p, &float_s, vals[i], lens[i], &v, NULL) < 0) in->cand[i] &= ~C_FLOAT;
        else if (in->cand[i] & C_FLOAT) trib_value_destroy(v);
        if ((in->cand[i] & C_BOOL) && trib_text_parse(in->p, &bool_s, vals[i], lens[i], &v, NULL) < 0) in->cand[i] &= ~C_BOOL;
        else if (in->cand[i] & C_BOOL) trib_value_destroy(v);
        int64_t ms;
        if ((in->cand[i] & C_TS) && trib_text_parse_timestamp(in->p, vals[i], lens[i], &ms) < 0) in->cand[i] &= ~C_TS;
    }
}

trib_schema *trib_schema_infer_result(const trib_schema_infer *in, const char *name) {
    trib_schema *st = trib_schema_struct_new(name);
    for (size_t i = 0; i < in->n; i++) {
        unsigned c = in->seen[i] ? in->cand[i] : 0;
        trib_schema *f = c & C_INT    ? trib_schema_primitive(TRIB_INT64, true)
                         : c & C_FLOAT ? trib_schema_primitive(TRIB_FLOAT64, true)
                         : c & C_BOOL  ? trib_schema_primitive(TRIB_BOOLEAN, true)
                         : c & C_TS    ? trib_schema_timestamp(true)
                                       : trib_schema_primitive(TRIB_STRING, true);
        trib_schema_add_field_take(st, in->names[i], f);
    }
    return st;
}

void trib_schema_infer_destroy(trib_schema_infer *in) {
    if (!in) return;
    for (size_t i = 0; i < in->n; i++) free(in->names[i]);
    free(in->names);
    free(in->cand);
    free(in->seen);
    free(in);
}
