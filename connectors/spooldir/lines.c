/*
 * lines.c: SpoolDirLineDelimitedSourceConnector
 * (com.github.jcustenborder.kafka.connect.spooldir.SpoolDirLineDelimitedSourceConnector):
 * each line of a file becomes a record with a STRING value (the line without
 * its LF or CRLF), as spooldir's LineDelimited task does. A last line
 * without a line break is a line too; a line that is not valid UTF-8 is a
 * bad row (DLQ or error.path, as for CSV).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "connectors/spooldir/spooldir.h"

#define CHUNK 65536
#define MAX_LINE (16 << 20)

static const trib_config_def lines_config[] = {
    SPOOL_BASE_ROWS,
    TRIB_CONFIG_END,
};

typedef struct line_reader {
    char *buf;
    size_t len, at, cap;
    int64_t buf_pos;
    bool input_eof;
} line_reader;

static int fill(line_reader *r, spool_file *f, trib_error *err) {
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
        ssize_t n = pread(f->fd, r->buf + r->len, r->cap - r->len, r->buf_pos + (int64_t)r->len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return trib_error_set(err, TRIB_ERR_IO, "%s: read error: %s", f->name, strerror(errno));
        int64_t keep = f->size - r->buf_pos;   /* the size at discovery is the end */
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

static bool utf8_ok(const unsigned char *s, size_t n) {
    trib_value *v = NULL;
    trib_schema str = {.type = TRIB_STRING};
    bool ok = trib_text_parse(NULL, &str, (const char *)s, n, &v, NULL) == 0;
    trib_value_destroy(v);
    return ok;
}

static int lines_open(spool_task *t, spool_file *f, trib_error *err) {
    (void)t;
    (void)err;
    line_reader *r = trib_xcalloc(1, sizeof *r);
    r->buf_pos = f->position;
    f->reader = r;
    f->value_schema = trib_schema_primitive(TRIB_STRING, false);   /* Connect's Schema.STRING_SCHEMA */
    return 0;
}

static int lines_read(spool_task *t, spool_file *f, trib_record_batch *out, int max, bool *eof, trib_error *err) {
    line_reader *r = f->reader;
    *eof = false;
    int made = 0;
    while (made < max) {
        if (r->buf_pos + (int64_t)r->at == 0 && r->len - r->at >= 3 && memcmp(r->buf + r->at, "\xEF\xBB\xBF", 3) == 0)
            r->at += 3;   /* UTF-8 byte order mark */
        char *nl = r->len > r->at ? memchr(r->buf + r->at, '\n', r->len - r->at) : NULL;
        if (!nl && !r->input_eof && r->len - r->at < MAX_LINE) {
            if (fill(r, f, err) < 0) return -1;
            continue;
        }
        if (!nl && r->at == r->len) {
            *eof = true;
            f->position = f->size;
            break;
        }
        size_t n = nl ? (size_t)(nl - (r->buf + r->at)) : r->len - r->at;
        const char *s = r->buf + r->at;
        size_t text = n > 0 && s[n - 1] == '\r' ? n - 1 : n;
        int64_t line = f->line + 1;
        r->at += nl ? n + 1 : n;
        f->line = line;
        if (!utf8_ok((const unsigned char *)s, text)) {
            if (spool_reject(t, f, line, 0, NULL, "the line is not valid UTF-8", s, text, err) < 0) return -1;
        } else {
            trib_record *rec = spool_record_new(t, f, line);
            trib_record_set_value_take(rec, trib_schema_ref(f->value_schema), trib_value_string_n(s, text));
            trib_record_batch_add_take(out, rec);
            f->rows++;
            made++;
        }
        f->position = r->buf_pos + (int64_t)r->at;
    }
    return 0;
}

static void lines_close(spool_file *f) {
    line_reader *r = f->reader;
    if (!r) return;
    free(r->buf);
    free(r);
    f->reader = NULL;
}

static const spool_format lines_format = {
    .name = "line-delimited", .config = lines_config, .structured = false,
    .open = lines_open, .read = lines_read, .close = lines_close,
};

static void lines_validate(const trib_props *config, trib_config_report *report) {
    spool_validate(config, report, &lines_format);
}
static int lines_start(const trib_props *config, trib_source_task_context *tctx, void **ctx, trib_error *err) {
    return spool_start(&lines_format, config, tctx, ctx, err);
}
static const trib_source_task_ops lines_task_ops = {
    .start = lines_start, .poll = spool_poll, .commit = spool_commit, .stop = spool_stop,
};

const trib_connector_plugin trib_spooldir_lines_plugin = {
    .class_name = "com.github.jcustenborder.kafka.connect.spooldir.SpoolDirLineDelimitedSourceConnector",
    .alias = "SpoolDirLineDelimitedSource",
    .version = "1.0.0",
    .kind = TRIB_CONNECTOR_SOURCE,
    .doc = "Reads text files from a directory and publishes each line as a string record; a file is moved or "
           "deleted only after all its records are committed.",
    .config = lines_config,
    .validate = lines_validate,
    .task_configs = spool_task_configs,
    .source = &lines_task_ops,
};
