/*
 * csv.c: SpoolDirCsvSourceConnector
 * (com.github.jcustenborder.kafka.connect.spooldir.SpoolDirCsvSourceConnector):
 * each CSV row of a file becomes a record whose value is a struct of the
 * declared (or inferred) value schema, typed by proto/schema_decl.h.
 *
 * Parsing is libcsv's (RFC 4180: quoted fields with separators, doubled
 * quotes and line breaks inside). The file is fed to it one physical line
 * at a time, so the byte position after each completed row is known
 * exactly: that position is the committed offset a crash resumes from,
 * and the line where a row starts is what error reports name. Blank lines
 * are skipped (libcsv reports no row for them); a UTF-8 byte order mark at
 * the start is dropped; CRLF and LF both end rows; a last row without a
 * line break is read too.
 *
 * Memory is bounded by the longest row, not the file: the reader keeps a
 * 64 KiB window of the file and libcsv's buffer for the current field.
 */
#include <csv.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "connectors/spooldir/spooldir.h"

#define CHUNK 65536
#define SAMPLE_ROWS 1000
#define MAX_PARTIAL (1 << 20)   /* a line longer than this is fed in pieces */
#define RAW_MAX 65536           /* bytes of a bad row sent to the DLQ */
#define MAX_ROW (16 << 20)      /* a longer row is bad (an unclosed quote would buffer the file) */
/* Strict: a stray quote in a field, or text after a closing quote, is a
 * bad row rather than guessed at; an unclosed quote at the end too. */
#define CSV_OPTS (CSV_EMPTY_IS_NULL | CSV_STRICT | CSV_STRICT_FINI)

static const char *const null_indicators[] = {"EMPTY_SEPARATORS", "EMPTY_QUOTES", "BOTH", "NEITHER", NULL};
enum { NULL_EMPTY_SEPARATORS, NULL_EMPTY_QUOTES, NULL_BOTH, NULL_NEITHER };

static int validate_char(const trib_config_def *def, const char *value, trib_error *err) {
    (void)def;
    long v = strtol(value, NULL, 10);
    if (v < 1 || v > 127 || v == '\n' || v == '\r')
        return trib_error_set(err, TRIB_ERR_INVALID, "must be the code of an ASCII character other than CR and LF");
    return 0;
}

static const trib_config_def csv_config[] = {
    SPOOL_BASE_ROWS,
    SPOOL_SCHEMA_ROWS,
    {.name = "csv.first.row.as.header", .type = TRIB_CFG_BOOLEAN, .default_value = "false", .importance = TRIB_IMP_MEDIUM,
     .group = "CSV", .doc = "The first row (after csv.skip.lines) names the columns; fields are then matched to columns by name."},
    {.name = "csv.skip.lines", .type = TRIB_CFG_INT, .default_value = "0", .importance = TRIB_IMP_LOW, .has_min = true,
     .min = 0, .group = "CSV", .doc = "Lines at the start of each file to skip."},
    {.name = "csv.separator.char", .type = TRIB_CFG_INT, .default_value = "44", .importance = TRIB_IMP_LOW,
     .validate = validate_char, .group = "CSV", .doc = "The character code of the separator (44 is ',', 9 is tab, 59 is ';')."},
    {.name = "csv.quote.char", .type = TRIB_CFG_INT, .default_value = "34", .importance = TRIB_IMP_LOW,
     .validate = validate_char, .group = "CSV", .doc = "The character code of the quote."},
    {.name = "csv.escape.char", .type = TRIB_CFG_INT, .default_value = "34", .importance = TRIB_IMP_LOW,
     .validate = validate_char, .group = "CSV",
     .doc = "The character code of the escape inside quoted fields. Only the quote character itself (RFC 4180: a doubled quote) is supported."},
    {.name = "csv.null.field.indicator", .type = TRIB_CFG_STRING, .default_value = "NEITHER", .importance = TRIB_IMP_LOW,
     .one_of = null_indicators, .group = "CSV",
     .doc = "Which empty fields are null: EMPTY_SEPARATORS (a,,b), EMPTY_QUOTES (a,\"\",b), BOTH or NEITHER. An empty field of a "
            "non-string type is null in any case."},
    {.name = "csv.file.charset", .type = TRIB_CFG_STRING, .default_value = "UTF-8", .importance = TRIB_IMP_LOW,
     .validate = spool_validate_charset, .group = "CSV", .doc = "The character set of the files: UTF-8 (or US-ASCII)."},
    TRIB_CONFIG_END,
};

typedef struct cfield {
    size_t off, len;
    bool null;
} cfield;

typedef enum { MODE_ROWS, MODE_HEADER, MODE_SAMPLE } read_mode;

typedef struct csv_reader {
    struct csv_parser p;
    int null_mode;
    bool header;            /* csv.first.row.as.header */
    int skip_left;          /* csv.skip.lines still to skip */
    char *buf;              /* window of the file: buf[at..len) not fed yet */
    size_t len, at, cap;
    int64_t buf_pos;        /* file offset of buf[0] */
    bool input_eof;
    trib_strbuf fbuf;       /* the current row's field bytes */
    cfield *fields;
    size_t nfields, capfields;
    char **names;           /* column names (header or column01...) */
    size_t nnames;
    int *val_col, *key_col; /* schema field -> column, -1 = none */
    /* row bookkeeping */
    bool between;           /* no row in progress */
    int64_t line;           /* physical lines fed */
    int64_t rec_line, rec_pos, seg_end;
    bool row_done_in_seg;
    /* the call in progress */
    read_mode mode;
    spool_task *t;
    spool_file *f;
    trib_record_batch *out;
    int failed;
    trib_error err;
    trib_schema_infer *infer;
    int64_t sampled;
} csv_reader;

static void field_cb(void *s, size_t len, void *data) {
    csv_reader *r = data;
    if (r->nfields == r->capfields) {
        r->capfields = r->capfields ? r->capfields * 2 : 16;
        r->fields = trib_xrealloc(r->fields, r->capfields * sizeof *r->fields);
    }
    /* CSV_EMPTY_IS_NULL: an empty unquoted field arrives as NULL, an empty quoted one as "" */
    bool empty_unquoted = s == NULL, empty_quoted = s != NULL && len == 0;
    bool null = (empty_unquoted && (r->null_mode == NULL_EMPTY_SEPARATORS || r->null_mode == NULL_BOTH)) ||
                (empty_quoted && (r->null_mode == NULL_EMPTY_QUOTES || r->null_mode == NULL_BOTH));
    r->fields[r->nfields++] = (cfield){r->fbuf.len, s ? len : 0, null};
    if (s && len) trib_strbuf_append(&r->fbuf, s, len);
}

/* The raw bytes of the current row, for the DLQ (read back: rare). */
static char *raw_row(csv_reader *r, size_t *n) {
    int64_t len = r->seg_end - r->rec_pos;
    if (len < 0) len = 0;
    if (len > RAW_MAX) len = RAW_MAX;
    char *b = trib_xmalloc((size_t)len + 1);
    ssize_t got = pread(r->f->fd, b, (size_t)len, r->rec_pos);
    *n = got > 0 ? (size_t)got : 0;
    while (*n > 0 && (b[*n - 1] == '\n' || b[*n - 1] == '\r')) (*n)--;   /* the row, not its line break */
    return b;
}

static int reject(csv_reader *r, int column, const char *field, const char *reason) {
    size_t n;
    char *raw = raw_row(r, &n);
    int rc = spool_reject(r->t, r->f, r->rec_line, column, field, reason, raw, n, &r->err);
    free(raw);
    return rc;
}

static const char *fld(const csv_reader *r, size_t i, size_t *len) {
    *len = r->fields[i].len;
    if (r->fields[i].null) return NULL;
    return r->fbuf.data ? r->fbuf.data + r->fields[i].off : "";
}

/* Column names from the header row; duplicates and empties are errors. */
static int take_header(csv_reader *r) {
    r->names = trib_xcalloc(r->nfields ? r->nfields : 1, sizeof *r->names);
    for (size_t i = 0; i < r->nfields; i++) {
        size_t len;
        const char *s = fld(r, i, &len);
        r->names[i] = trib_xstrndup(s ? s : "", len);
        r->nnames = i + 1;
        bool dup = false;
        for (size_t k = 0; k < i; k++) dup |= strcmp(r->names[k], r->names[i]) == 0;
        if (!*r->names[i] || dup)
            return trib_error_set(&r->err, TRIB_ERR_INVALID, "%s: header column %zu is %s", r->f->name, i + 1,
                                  dup ? "a duplicate name" : "empty");
    }
    return 0;
}

static void default_names(csv_reader *r, size_t n) {
    r->names = trib_xcalloc(n ? n : 1, sizeof *r->names);
    for (size_t i = 0; i < n; i++) r->names[i] = trib_xasprintf("column%02zu", i + 1);
    r->nnames = n;
}

/* Maps the fields of the value and key schemas to columns. */
static int map_columns(csv_reader *r) {
    const trib_schema *vs = r->f->value_schema, *ks = r->f->key_schema;
    free(r->val_col);
    free(r->key_col);
    r->val_col = trib_xcalloc(vs->nfields ? vs->nfields : 1, sizeof *r->val_col);
    r->key_col = trib_xcalloc(ks && ks->nfields ? ks->nfields : 1, sizeof *r->key_col);
    for (size_t i = 0; i < vs->nfields; i++) {
        r->val_col[i] = r->header ? -1 : (int)i;
        for (size_t c = 0; r->header && c < r->nnames; c++)
            if (strcmp(r->names[c], vs->fields[i].name) == 0) r->val_col[i] = (int)c;
    }
    for (size_t i = 0; ks && i < ks->nfields; i++) {
        r->key_col[i] = -1;
        if (r->header) {
            for (size_t c = 0; c < r->nnames; c++)
                if (strcmp(r->names[c], ks->fields[i].name) == 0) r->key_col[i] = (int)c;
        } else {
            const trib_field *vf = trib_schema_field(vs, ks->fields[i].name);
            if (vf) r->key_col[i] = vf->index;
        }
        if (r->key_col[i] < 0)
            return trib_error_set(&r->err, TRIB_ERR_INVALID, "%s: key field %s is not a column of the file", r->f->name,
                                  ks->fields[i].name);
    }
    return 0;
}

/* One complete row under MODE_ROWS: typed, keyed, emitted (or rejected). */
static void emit_row(csv_reader *r) {
    spool_task *t = r->t;
    spool_file *f = r->f;
    const trib_schema *vs = f->value_schema, *ks = f->key_schema;
    size_t expect = r->header ? r->nnames : vs->nfields;
    if (r->nfields != expect) {
        char why[128];
        snprintf(why, sizeof why, "the row has %zu columns, %zu expected", r->nfields, expect);
        if (reject(r, 0, NULL, why) < 0) r->failed = 1;
        return;
    }
    trib_value *v = trib_value_struct_new((trib_schema *)vs);
    for (size_t i = 0; i < vs->nfields; i++) {
        size_t len = 0;
        const char *s = r->val_col[i] >= 0 ? fld(r, (size_t)r->val_col[i], &len) : NULL;
        trib_value *fv;
        trib_error e;
        if (trib_text_parse(t->parser, vs->fields[i].schema, s, len, &fv, &e) < 0) {
            trib_value_destroy(v);
            if (reject(r, r->val_col[i] + 1, vs->fields[i].name, e.msg) < 0) r->failed = 1;
            return;
        }
        v->u.st.fields[i] = fv;
    }
    trib_value *k = NULL;
    if (ks) {
        k = trib_value_struct_new((trib_schema *)ks);
        for (size_t i = 0; i < ks->nfields; i++) {
            size_t len;
            const char *s = fld(r, (size_t)r->key_col[i], &len);
            trib_error e;
            if (trib_text_parse(t->parser, ks->fields[i].schema, s, len, &k->u.st.fields[i], &e) < 0) {
                trib_value_destroy(k);
                trib_value_destroy(v);
                if (reject(r, r->key_col[i] + 1, ks->fields[i].name, e.msg) < 0) r->failed = 1;
                return;
            }
        }
    }
    trib_record *rec = spool_record_new(t, f, r->rec_line);
    if (t->ts_mode == SPOOL_TS_FIELD) {
        const trib_value *ts = trib_value_struct_get(v, t->ts_field);
        const trib_field *tf = trib_schema_field(vs, t->ts_field);
        if (!tf || !trib_schema_is_logical(tf->schema, TRIB_LOGICAL_TIMESTAMP) || !ts) {
            trib_record_destroy(rec);
            trib_value_destroy(k);
            trib_value_destroy(v);
            if (reject(r, 0, t->ts_field, "timestamp.field is missing or not a Timestamp") < 0) r->failed = 1;
            return;
        }
        rec->timestamp = ts->u.i;
    }
    if (ks) trib_record_set_key_take(rec, trib_schema_ref((trib_schema *)ks), k);
    trib_record_set_value_take(rec, trib_schema_ref((trib_schema *)vs), v);
    trib_record_batch_add_take(r->out, rec);
    f->rows++;
}

static void row_cb(int c, void *data) {
    (void)c;
    csv_reader *r = data;
    r->between = true;
    r->row_done_in_seg = true;
    if (r->failed) goto done;
    switch (r->mode) {
    case MODE_HEADER:
        if (r->header && !r->names) {
            if (take_header(r) < 0) r->failed = 1;
        }
        break;
    case MODE_SAMPLE: {
        if (r->header && !r->names) {
            if (take_header(r) < 0) r->failed = 1;
            break;
        }
        if (!r->names) default_names(r, r->nfields);
        if (!r->infer) r->infer = trib_schema_infer_new(r->t->parser, r->names, r->nnames);
        const char **vals = trib_xcalloc(r->nfields ? r->nfields : 1, sizeof *vals);
        size_t *lens = trib_xcalloc(r->nfields ? r->nfields : 1, sizeof *lens);
        for (size_t i = 0; i < r->nfields; i++) vals[i] = fld(r, i, &lens[i]);
        trib_schema_infer_row(r->infer, vals, lens, r->nfields);
        free(vals);
        free(lens);
        r->sampled++;
        break;
    }
    case MODE_ROWS:
        if (r->header && !r->names) {
            if (take_header(r) < 0 || map_columns(r) < 0) r->failed = 1;
            break;
        }
        emit_row(r);
        break;
    }
done:
    r->nfields = 0;
    trib_strbuf_reset(&r->fbuf);
}

/* No character is blank to libcsv: RFC 4180 keeps spaces in fields. */
static int no_space(unsigned char c) {
    (void)c;
    return 0;
}

/* A fresh parser between rows (after a malformed one). */
static void reset_parser(csv_reader *r) {
    csv_free(&r->p);
    csv_init(&r->p, CSV_OPTS);
    csv_set_space_func(&r->p, no_space);
    /* libcsv grows a field's buffer by this step (default 128 bytes: a
     * long quoted field would be copied over and over) */
    csv_set_blk_size(&r->p, 256 * 1024);
    csv_set_delim(&r->p, (unsigned char)trib_config_int(r->t->cfg, "csv.separator.char"));
    csv_set_quote(&r->p, (unsigned char)trib_config_int(r->t->cfg, "csv.quote.char"));
    r->nfields = 0;
    trib_strbuf_reset(&r->fbuf);
    r->between = true;
}

static void reader_reset(csv_reader *r, spool_task *t, int64_t pos, int64_t line) {
    r->t = t;
    reset_parser(r);
    r->len = r->at = 0;
    r->buf_pos = pos;
    r->input_eof = false;
    r->nfields = 0;
    trib_strbuf_reset(&r->fbuf);
    r->between = true;
    r->line = line;
    r->skip_left = pos == 0 ? trib_config_int(t->cfg, "csv.skip.lines") : 0;
}

static int fill(csv_reader *r, trib_error *err) {
    if (r->at > 0) {
        memmove(r->buf, r->buf + r->at, r->len - r->at);
        r->buf_pos += (int64_t)r->at;
        r->len -= r->at;
        r->at = 0;
    }
    if (r->cap - r->len < CHUNK) {
        r->cap = r->len + CHUNK;
        r->buf = trib_xrealloc(r->buf, r->cap);
    }
    for (;;) {
        ssize_t n = pread(r->f->fd, r->buf + r->len, r->cap - r->len, r->buf_pos + (int64_t)r->len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return trib_error_set(err, TRIB_ERR_IO, "%s: read error: %s", r->f->name, strerror(errno));
        if (n == 0 || r->buf_pos + (int64_t)(r->len + (size_t)n) >= r->f->size) {
            r->input_eof = true;   /* the file's size when found is its end: appends make a new identity */
            int64_t keep = r->f->size - r->buf_pos;
            r->len = keep < (int64_t)(r->len + (size_t)n) ? (size_t)(keep > 0 ? keep : 0) : r->len + (size_t)n;
            return 0;
        }
        r->len += (size_t)n;
        return 0;
    }
}

/* Feeds the next segment (one physical line, or what is left). Returns 1
 * when a segment was fed, 0 at end of input. */
static int feed_segment(csv_reader *r, trib_error *err) {
    for (;;) {
        size_t avail = r->len - r->at;
        char *nl = avail ? memchr(r->buf + r->at, '\n', avail) : NULL;
        if (!nl && !r->input_eof && avail < MAX_PARTIAL) {
            if (fill(r, err) < 0) return -1;
            if (r->len - r->at > avail || r->input_eof) continue;
        }
        if (avail == 0 && !nl) return 0;
        size_t seg = nl ? (size_t)(nl - (r->buf + r->at)) + 1 : avail;
        const char *s = r->buf + r->at;
        int64_t start = r->buf_pos + (int64_t)r->at;
        if (start == 0 && seg >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {   /* BOM */
            r->at += 3;
            continue;
        }
        r->at += seg;
        r->seg_end = start + (int64_t)seg;
        if (r->skip_left > 0) {
            if (nl) r->line++, r->skip_left--;
            r->f->position = r->seg_end;
            continue;
        }
        bool blank = seg == 1 || (seg == 2 && s[0] == '\r');
        if (r->between && !blank) {
            r->between = false;
            r->rec_line = r->line + 1;
            r->rec_pos = start;
        }
        r->row_done_in_seg = false;
        if (!r->between && r->seg_end - r->rec_pos > MAX_ROW) {
            /* libcsv would keep the whole rest of the file in its field buffer */
            if (r->mode == MODE_ROWS && !r->failed &&
                reject(r, (int)r->nfields + 1, NULL, "the row is longer than 16 MiB (an unclosed quote?)") < 0)
                r->failed = 1;
            reset_parser(r);
            if (nl) r->line++;
            if (r->mode == MODE_ROWS) r->f->position = r->seg_end, r->f->line = r->line;
            return 1;
        }
        if (csv_parse(&r->p, s, seg, field_cb, row_cb, r) != seg) {
            /* malformed quoting: the row is bad; parsing starts again on the next line */
            if (csv_error(&r->p) != CSV_EPARSE)
                return trib_error_set(err, TRIB_ERR_IO, "%s: csv: %s", r->f->name, csv_strerror(csv_error(&r->p)));
            if (r->mode == MODE_ROWS && !r->failed && reject(r, (int)r->nfields + 1, NULL, "malformed quotes in a field") < 0)
                r->failed = 1;
            reset_parser(r);
            r->row_done_in_seg = true;
        }
        if (nl) r->line++;
        if (r->row_done_in_seg && r->mode == MODE_ROWS) r->f->position = r->seg_end, r->f->line = r->line;
        return 1;
    }
}

/* End of input: the last row may lack its line break; an open quote is a bad row. */
static void finish(csv_reader *r) {
    r->seg_end = r->f->size;
    if (csv_fini(&r->p, field_cb, row_cb, r) != 0 && !r->failed) {
        r->nfields = 0;
        trib_strbuf_reset(&r->fbuf);
        if (r->mode == MODE_ROWS && reject(r, 0, NULL, "a quoted field is not closed before the end of the file") < 0)
            r->failed = 1;
    }
    if (r->mode == MODE_ROWS) r->f->position = r->f->size, r->f->line = r->line;
}

/* Runs the parser from byte 0 until the header is read or enough rows are
 * sampled (mode HEADER or SAMPLE). */
static int prepass(csv_reader *r, spool_task *t, spool_file *f, read_mode mode, trib_error *err) {
    r->mode = mode;
    r->t = t;
    r->f = f;
    reader_reset(r, t, 0, 0);
    int64_t saved_pos = f->position, saved_line = f->line;
    for (;;) {
        if (r->failed) break;
        if (mode == MODE_HEADER && (r->names || !r->header)) break;
        if (mode == MODE_SAMPLE && r->sampled >= SAMPLE_ROWS) break;
        int rc = feed_segment(r, err);
        if (rc < 0) return -1;
        if (rc == 0) {
            finish(r);
            break;
        }
    }
    f->position = saved_pos;
    f->line = saved_line;
    if (r->failed) {
        *err = r->err;
        return -1;
    }
    return 0;
}

static void csv_close(spool_file *f) {
    csv_reader *r = f->reader;
    if (!r) return;
    csv_free(&r->p);
    free(r->buf);
    trib_strbuf_free(&r->fbuf);
    free(r->fields);
    for (size_t i = 0; i < r->nnames; i++) free(r->names[i]);
    free(r->names);
    free(r->val_col);
    free(r->key_col);
    trib_schema_infer_destroy(r->infer);
    free(r);
    f->reader = NULL;
}

static void forget_names(csv_reader *r) {
    for (size_t i = 0; i < r->nnames; i++) free(r->names[i]);
    free(r->names);
    r->names = NULL;
    r->nnames = 0;
}

static int csv_open(spool_task *t, spool_file *f, trib_error *err) {
    csv_reader *r = trib_xcalloc(1, sizeof *r);
    f->reader = r;
    r->t = t;
    r->f = f;
    csv_init(&r->p, CSV_OPTS);
    trib_strbuf_init(&r->fbuf);
    r->header = trib_config_bool(t->cfg, "csv.first.row.as.header");
    const char *nm = trib_config_string(t->cfg, "csv.null.field.indicator");
    for (int i = 0; null_indicators[i]; i++)
        if (strcasecmp(nm, null_indicators[i]) == 0) r->null_mode = i;
    int esc = trib_config_int(t->cfg, "csv.escape.char");
    if (esc != trib_config_int(t->cfg, "csv.quote.char"))
        return trib_error_set(err, TRIB_ERR_INVALID, "csv.escape.char must equal csv.quote.char (RFC 4180 doubled quotes)");
    if (!f->value_schema) {
        /* schema.generation.enabled: this file's own sample decides */
        if (prepass(r, t, f, MODE_SAMPLE, err) < 0) return -1;
        if (!r->names) default_names(r, 0);
        if (!r->infer) r->infer = trib_schema_infer_new(t->parser, r->names, r->nnames);
        f->value_schema = trib_schema_infer_result(r->infer, NULL);
        trib_schema_infer_destroy(r->infer);
        r->infer = NULL;
        if (!f->key_schema && t->nkey_fields &&
            !(f->key_schema = trib_schema_decl_key(f->value_schema, t->key_fields, t->nkey_fields, err)))
            return trib_error_prefix(err, "%s", f->name);
        if (!r->header) forget_names(r);
    }
    if (r->header && f->position > 0 && !r->names && prepass(r, t, f, MODE_HEADER, err) < 0) return -1;
    if (r->header && f->position == 0) forget_names(r);   /* read again with the rows */
    r->mode = MODE_ROWS;
    reader_reset(r, t, f->position, f->line);
    if (!r->header || r->names) {
        if (!r->names) default_names(r, f->value_schema->nfields);
        if (map_columns(r) < 0) {
            *err = r->err;
            return -1;
        }
    }
    return 0;
}

static int csv_read(spool_task *t, spool_file *f, trib_record_batch *out, int max, bool *eof, trib_error *err) {
    csv_reader *r = f->reader;
    r->t = t;
    r->f = f;
    r->out = out;
    r->mode = MODE_ROWS;
    size_t start = out->n;
    *eof = false;
    while ((int)(out->n - start) < max) {
        int rc = feed_segment(r, err);
        if (rc < 0) return -1;
        if (r->failed) break;
        if (rc == 0) {
            finish(r);
            *eof = !r->failed;
            break;
        }
    }
    if (r->failed) {
        *err = r->err;
        return -1;
    }
    return 0;
}

static const spool_format csv_format = {
    .name = "CSV",
    .config = csv_config,
    .structured = true,
    .open = csv_open,
    .read = csv_read,
    .close = csv_close,
};

static void csv_validate(const trib_props *config, trib_config_report *report) {
    spool_validate(config, report, &csv_format);
    const char *q = trib_props_get(config, "csv.quote.char"), *e = trib_props_get(config, "csv.escape.char");
    if (e && strtol(e, NULL, 10) != strtol(q ? q : "34", NULL, 10))
        trib_config_report_error(report, "csv.escape.char",
                                 "csv.escape.char: only the quote character is supported as escape (RFC 4180 doubled "
                                 "quotes); the CSV parser (libcsv) has no escape character, so OpenCSV's backslash "
                                 "escape is refused rather than read differently");
}

static int csv_start(const trib_props *config, trib_source_task_context *tctx, void **ctx, trib_error *err) {
    return spool_start(&csv_format, config, tctx, ctx, err);
}

static const trib_source_task_ops csv_task_ops = {
    .start = csv_start,
    .poll = spool_poll,
    .commit = spool_commit,
    .stop = spool_stop,
};

const trib_connector_plugin trib_spooldir_csv_plugin = {
    .class_name = "com.github.jcustenborder.kafka.connect.spooldir.SpoolDirCsvSourceConnector",
    .alias = "SpoolDirCsvSource",
    .version = "1.0.0",
    .kind = TRIB_CONNECTOR_SOURCE,
    .doc = "Reads CSV files from a directory, one typed struct record per row under a declared or inferred schema; "
           "a file is moved or deleted only after all its records are committed.",
    .config = csv_config,
    .validate = csv_validate,
    .task_configs = spool_task_configs,
    .source = &csv_task_ops,
};
