/*
 * json.c: SpoolDirJsonSourceConnector and SpoolDirSchemaLessJsonSourceConnector
 * (com.github.jcustenborder.kafka.connect.spooldir.*): a file holds JSON
 * values one after another (one per line, or concatenated, as spooldir's
 * Jackson parser reads them).
 *
 *  - Json: each value must be an object; it becomes a struct of the
 *    declared (or inferred) value schema. A member is typed by the same text
 *    rules as a CSV cell (proto/schema_decl.h), so dates, timestamps and
 *    decimals may be strings and numbers may be numbers or strings.
 *  - SchemaLessJson: each value is published as its compact JSON text with
 *    a STRING schema, whatever its shape.
 *
 * Values are parsed by jansson from a window of the file (JSON_DISABLE_EOF_CHECK
 * tells where each value ends), so the byte after each value is the
 * committed position; one value may be at most 16 MiB.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "connectors/spooldir/spooldir.h"

#define CHUNK 65536
#define MAX_VALUE (16 << 20)
#define SAMPLE_ROWS 1000
#define SAMPLE_BYTES (16 << 20)   /* inference reads at most this much of a file */

static const trib_config_def json_config[] = {
    SPOOL_BASE_ROWS,
    SPOOL_SCHEMA_ROWS,
    TRIB_CONFIG_END,
};
static const trib_config_def schemaless_config[] = {
    SPOOL_BASE_ROWS,
    TRIB_CONFIG_END,
};

typedef struct json_reader {
    char *buf;
    size_t len, at, cap;
    int64_t buf_pos;      /* file offset of buf[0] */
    bool input_eof;
    int64_t line;         /* lines before buf[at] */
    bool schemaless;
} json_reader;

static int fill(json_reader *r, spool_file *f, trib_error *err) {
    if (r->at > 0) {
        memmove(r->buf, r->buf + r->at, r->len - r->at);
        r->buf_pos += (int64_t)r->at;
        r->len -= r->at;
        r->at = 0;
    }
    if (r->cap - r->len < CHUNK) {
        r->cap = r->len + CHUNK;
        r->buf = trib_xrealloc(r->buf, r->cap + 1);
    }
    for (;;) {
        ssize_t n = pread(f->fd, r->buf + r->len, r->cap - r->len, r->buf_pos + (int64_t)r->len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return trib_error_set(err, TRIB_ERR_IO, "%s: read error: %s", f->name, strerror(errno));
        int64_t keep = f->size - r->buf_pos;   /* the size at discovery is the end (see csv.c) */
        size_t total = r->len + (size_t)n;
        if (n == 0 || (int64_t)total >= keep) {
            r->input_eof = true;
            r->len = keep < (int64_t)total ? (size_t)(keep > 0 ? keep : 0) : total;
        } else {
            r->len = total;
        }
        return 0;
    }
}

/* Skips blanks (counting lines) and a UTF-8 BOM at the very start. */
static void skip_blank(json_reader *r) {
    if (r->buf_pos + (int64_t)r->at == 0 && r->len - r->at >= 3 && memcmp(r->buf + r->at, "\xEF\xBB\xBF", 3) == 0)
        r->at += 3;
    while (r->at < r->len && strchr(" \t\r\n", r->buf[r->at])) {
        if (r->buf[r->at] == '\n') r->line++;
        r->at++;
    }
}

/* The next value: 1 with *v (owned) and *start_line, 0 at the end, -1 on
 * a fatal error. A value that does not parse is reported (*bad set, the
 * rest of its line skipped). */
static int next_value(json_reader *r, spool_file *f, json_t **v, int64_t *start_line, char *why, size_t whycap,
                      bool *bad, trib_error *err) {
    *v = NULL;
    *bad = false;
    for (;;) {
        skip_blank(r);
        if (r->at == r->len) {
            if (r->input_eof) return 0;
            if (fill(r, f, err) < 0) return -1;
            continue;
        }
        json_error_t je;
        json_t *j = json_loadb(r->buf + r->at, r->len - r->at, JSON_DISABLE_EOF_CHECK | JSON_DECODE_ANY, &je);
        if (!j && !r->input_eof && r->len - r->at < MAX_VALUE) {
            /* maybe cut by the window: read more and try again */
            size_t before = r->len - r->at;
            if (fill(r, f, err) < 0) return -1;
            if (r->len - r->at > before || r->input_eof) continue;
        }
        if (j && !r->input_eof && (size_t)je.position >= r->len - r->at && r->len - r->at < MAX_VALUE) {
            /* a value that ends exactly at the window's end may go on ("12" of "123") */
            json_decref(j);
            if (fill(r, f, err) < 0) return -1;
            continue;
        }
        *start_line = r->line + 1;
        if (!j) {
            snprintf(why, whycap, "invalid JSON: %s", je.text);
            *bad = true;
            /* resynchronise at the next line */
            char *nl = memchr(r->buf + r->at, '\n', r->len - r->at);
            size_t skip = nl ? (size_t)(nl - (r->buf + r->at)) : r->len - r->at;
            r->at += skip;
            return 1;
        }
        size_t used = (size_t)je.position;
        for (size_t i = 0; i < used; i++)
            if (r->buf[r->at + i] == '\n') r->line++;
        r->at += used;
        *v = j;
        return 1;
    }
}

/* A JSON member as text for trib_text_parse; NULL for null/absent. */
static char *member_text(const json_t *m, bool *nested) {
    *nested = false;
    if (!m || json_is_null(m)) return NULL;
    if (json_is_string(m)) return trib_xstrndup(json_string_value(m), json_string_length(m));
    if (json_is_true(m)) return trib_xstrdup("true");
    if (json_is_false(m)) return trib_xstrdup("false");
    if (json_is_object(m) || json_is_array(m)) {
        *nested = true;
        return NULL;
    }
    return json_dumps(m, JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
}

static int reject_value(spool_task *t, spool_file *f, json_reader *r, int64_t line, int64_t start_pos, const char *field,
                        const char *why, trib_error *err) {
    int64_t end = r->buf_pos + (int64_t)r->at;
    size_t n = end > start_pos ? (size_t)(end - start_pos) : 0;
    if (n > 65536) n = 65536;
    char *raw = trib_xmalloc(n + 1);
    ssize_t got = pread(f->fd, raw, n, start_pos);
    int rc = spool_reject(t, f, line, 0, field, why, raw, got > 0 ? (size_t)got : 0, err);
    free(raw);
    return rc;
}

/* One object to a record under the file's schemas, or a rejection. */
static int emit_object(spool_task *t, spool_file *f, json_reader *r, const json_t *obj, int64_t line, int64_t start_pos,
                       trib_record_batch *out, trib_error *err) {
    const trib_schema *vs = f->value_schema, *ks = f->key_schema;
    if (!json_is_object(obj)) return reject_value(t, f, r, line, start_pos, NULL, "the value is not a JSON object", err);
    trib_value *v = trib_value_struct_new((trib_schema *)vs);
    trib_value *k = ks ? trib_value_struct_new((trib_schema *)ks) : NULL;
    for (int pass = 0; pass < (ks ? 2 : 1); pass++) {
        const trib_schema *s = pass ? ks : vs;
        trib_value *dst = pass ? k : v;
        for (size_t i = 0; i < s->nfields; i++) {
            bool nested;
            char *text = member_text(json_object_get(obj, s->fields[i].name), &nested);
            trib_error e;
            int rc = nested ? trib_error_set(&e, TRIB_ERR_INVALID, "a nested object or array is not a scalar")
                            : trib_text_parse(t->parser, s->fields[i].schema, text, text ? strlen(text) : 0,
                                              &dst->u.st.fields[i], &e);
            free(text);
            if (rc < 0) {
                trib_value_destroy(v);
                trib_value_destroy(k);
                return reject_value(t, f, r, line, start_pos, s->fields[i].name, e.msg, err);
            }
        }
    }
    trib_record *rec = spool_record_new(t, f, line);
    if (t->ts_mode == SPOOL_TS_FIELD) {
        const trib_field *tf = trib_schema_field(vs, t->ts_field);
        const trib_value *ts = trib_value_struct_get(v, t->ts_field);
        if (!tf || !trib_schema_is_logical(tf->schema, TRIB_LOGICAL_TIMESTAMP) || !ts) {
            trib_record_destroy(rec);
            trib_value_destroy(v);
            trib_value_destroy(k);
            return reject_value(t, f, r, line, start_pos, t->ts_field, "timestamp.field is missing or not a Timestamp", err);
        }
        rec->timestamp = ts->u.i;
    }
    if (ks) trib_record_set_key_take(rec, trib_schema_ref((trib_schema *)ks), k);
    trib_record_set_value_take(rec, trib_schema_ref((trib_schema *)vs), v);
    trib_record_batch_add_take(out, rec);
    f->rows++;
    return 0;
}

static void reset(json_reader *r, int64_t pos, int64_t line) {
    r->len = r->at = 0;
    r->buf_pos = pos;
    r->input_eof = false;
    r->line = line;
}

/* schema.generation.enabled: member names in first-seen order, typed from a sample. */
static int infer(spool_task *t, spool_file *f, json_reader *r, trib_error *err) {
    reset(r, 0, 0);
    char **names = NULL;
    size_t nn = 0;
    json_t *rows = json_array();
    char why[256];
    for (int i = 0; i < SAMPLE_ROWS && r->buf_pos + (int64_t)r->at < SAMPLE_BYTES; i++) {
        json_t *v;
        int64_t line;
        bool bad;
        int rc = next_value(r, f, &v, &line, why, sizeof why, &bad, err);
        if (rc < 0) {
            json_decref(rows);
            trib_strv_free(names);
            return -1;
        }
        if (rc == 0) break;
        if (!json_is_object(v)) {
            json_decref(v);
            continue;
        }
        const char *key;
        json_t *m;
        json_object_foreach(v, key, m) {
            size_t k = 0;
            while (k < nn && strcmp(names[k], key) != 0) k++;
            if (k == nn) {
                names = trib_xrealloc(names, (nn + 2) * sizeof *names);
                names[nn++] = trib_xstrdup(key);
                names[nn] = NULL;
            }
        }
        json_array_append_new(rows, v);
    }
    trib_schema_infer *in = trib_schema_infer_new(t->parser, names, nn);
    const char **vals = trib_xcalloc(nn + 1, sizeof *vals);
    size_t *lens = trib_xcalloc(nn + 1, sizeof *lens);
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) {
        char **texts = trib_xcalloc(nn + 1, sizeof *texts);
        for (size_t k = 0; k < nn; k++) {
            bool nested;
            texts[k] = member_text(json_object_get(row, names[k]), &nested);
            vals[k] = texts[k];
            lens[k] = texts[k] ? strlen(texts[k]) : 0;
        }
        trib_schema_infer_row(in, vals, lens, nn);
        for (size_t k = 0; k < nn; k++) free(texts[k]);
        free(texts);
    }
    f->value_schema = trib_schema_infer_result(in, NULL);
    trib_schema_infer_destroy(in);
    free(vals);
    free(lens);
    json_decref(rows);
    trib_strv_free(names);
    if (!f->key_schema && t->nkey_fields &&
        !(f->key_schema = trib_schema_decl_key(f->value_schema, t->key_fields, t->nkey_fields, err)))
        return trib_error_prefix(err, "%s", f->name);
    return 0;
}

static int open_common(spool_task *t, spool_file *f, bool schemaless, trib_error *err) {
    json_reader *r = trib_xcalloc(1, sizeof *r);
    f->reader = r;
    r->schemaless = schemaless;
    if (!schemaless && !f->value_schema && infer(t, f, r, err) < 0) return -1;
    if (!f->value_schema) f->value_schema = trib_schema_primitive(TRIB_STRING, false);
    reset(r, f->position, f->line);
    return 0;
}

static int json_open(spool_task *t, spool_file *f, trib_error *err) {
    return open_common(t, f, false, err);
}

static int schemaless_open(spool_task *t, spool_file *f, trib_error *err) {
    return open_common(t, f, true, err);
}

static int json_read(spool_task *t, spool_file *f, trib_record_batch *out, int max, bool *eof, trib_error *err) {
    json_reader *r = f->reader;
    *eof = false;
    size_t start = out->n;
    char why[256];
    while ((int)(out->n - start) < max) {
        skip_blank(r);
        int64_t start_pos = r->buf_pos + (int64_t)r->at;
        json_t *v;
        int64_t line;
        bool bad;
        int rc = next_value(r, f, &v, &line, why, sizeof why, &bad, err);
        if (rc < 0) return -1;
        if (rc == 0) {
            *eof = true;
            break;
        }
        if (bad) {
            if (reject_value(t, f, r, line, start_pos, NULL, why, err) < 0) return -1;
        } else if (r->schemaless) {
            char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
            trib_record *rec = spool_record_new(t, f, line);
            trib_record_set_value_take(rec, trib_schema_ref(f->value_schema), trib_value_string_take(text));
            trib_record_batch_add_take(out, rec);
            f->rows++;
        } else if (emit_object(t, f, r, v, line, start_pos, out, err) < 0) {
            json_decref(v);
            return -1;
        }
        json_decref(v);
        f->position = r->buf_pos + (int64_t)r->at;
        f->line = r->line;
    }
    if (*eof) f->position = f->size;
    return 0;
}

static void json_close(spool_file *f) {
    json_reader *r = f->reader;
    if (!r) return;
    free(r->buf);
    free(r);
    f->reader = NULL;
}

static const spool_format json_format = {
    .name = "JSON", .config = json_config, .structured = true,
    .open = json_open, .read = json_read, .close = json_close,
};
static const spool_format schemaless_format = {
    .name = "schemaless JSON", .config = schemaless_config, .structured = false,
    .open = schemaless_open, .read = json_read, .close = json_close,
};

static void json_validate(const trib_props *config, trib_config_report *report) {
    spool_validate(config, report, &json_format);
}
static void schemaless_validate(const trib_props *config, trib_config_report *report) {
    spool_validate(config, report, &schemaless_format);
}
static int json_start(const trib_props *config, trib_source_task_context *tctx, void **ctx, trib_error *err) {
    return spool_start(&json_format, config, tctx, ctx, err);
}
static int schemaless_start(const trib_props *config, trib_source_task_context *tctx, void **ctx, trib_error *err) {
    return spool_start(&schemaless_format, config, tctx, ctx, err);
}

static const trib_source_task_ops json_task_ops = {
    .start = json_start, .poll = spool_poll, .commit = spool_commit, .stop = spool_stop,
};
static const trib_source_task_ops schemaless_task_ops = {
    .start = schemaless_start, .poll = spool_poll, .commit = spool_commit, .stop = spool_stop,
};

const trib_connector_plugin trib_spooldir_json_plugin = {
    .class_name = "com.github.jcustenborder.kafka.connect.spooldir.SpoolDirJsonSourceConnector",
    .alias = "SpoolDirJsonSource",
    .version = "1.0.0",
    .kind = TRIB_CONNECTOR_SOURCE,
    .doc = "Reads files of JSON objects from a directory, one typed struct record per object under a declared or "
           "inferred schema; a file is moved or deleted only after all its records are committed.",
    .config = json_config,
    .validate = json_validate,
    .task_configs = spool_task_configs,
    .source = &json_task_ops,
};

const trib_connector_plugin trib_spooldir_schemaless_json_plugin = {
    .class_name = "com.github.jcustenborder.kafka.connect.spooldir.SpoolDirSchemaLessJsonSourceConnector",
    .alias = "SpoolDirSchemaLessJsonSource",
    .version = "1.0.0",
    .kind = TRIB_CONNECTOR_SOURCE,
    .doc = "Reads files of JSON values from a directory and publishes each value's JSON text as a string record.",
    .config = schemaless_config,
    .validate = schemaless_validate,
    .task_configs = spool_task_configs,
    .source = &schemaless_task_ops,
};
