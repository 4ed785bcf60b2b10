/*
 * spooldir.c: the task loop shared by the spool-directory connectors (see
 * spooldir.h): find the next file this task owns, resume it at its
 * committed offset, let the format read records from it, and clean it up
 * once its last offset is committed.
 *
 * Why the offset store and not flag files: spooldir marks a file it reads
 * with <name>.PROCESSING and moves it to finished.path at end of file. A
 * crash leaves the flag (the file is skipped for ever) or moves a file whose
 * last records never reached Kafka. Here nothing is written next to the
 * file while it is read; ownership is the task number, progress is the
 * committed offset, and the file is moved only when the runtime tells the
 * task (commit()) that the offset marked eof is committed.
 */
#include "connectors/spooldir/spooldir.h"
#include "connectors/spooldir/spool_metrics.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/time.h"
#include "common/util.h"
#include "transforms/java_regex.h"

#define FAC "connector.spooldir"
#define TASK_COUNT_KEY "spooldir.task.count"   /* set by task_configs */
#define SPOOL_FIRST_ERRORS 5                    /* rejected rows remembered in the offset */
#define SPOOL_STATUS_EVERY_MS 1000              /* at most one PROCESSING status per file per second */

const char *const spool_cleanup_values[] = {"NONE", "DELETE", "MOVE", "MOVEBYDATE", NULL};
const char *const spool_ts_values[] = {"FIELD", "FILE_TIME", "PROCESS_TIME", NULL};

int spool_validate_charset(const trib_config_def *def, const char *value, trib_error *err) {
    (void)def;
    if (strcasecmp(value, "UTF-8") == 0 || strcasecmp(value, "UTF8") == 0 || strcasecmp(value, "US-ASCII") == 0)
        return 0;
    return trib_error_set(err, TRIB_ERR_INVALID, "only UTF-8 (and its subset US-ASCII) is supported");
}

static int policy_index(const char *v, const char *const *values) {
    for (int i = 0; values[i]; i++)
        if (strcasecmp(v, values[i]) == 0) return i;
    return -1;
}

/* ---- validation ---------------------------------------------------------- */

/* input.file.pattern is a Java regex, as in spooldir (Pattern.matcher(name)
 * .matches()), through the one engine tenant-supplied regexes use
 * (transforms/java_regex.h): validation and matching cannot disagree. */
static trib_jregex *compile_pattern(const char *pat, trib_error *err) {
    trib_jregex *re = trib_jregex_compile(pat, err);
    if (!re) trib_error_prefix(err, "input.file.pattern is not a valid Java regular expression");
    return re;
}

void spool_validate(const trib_props *config, trib_config_report *report, const spool_format *fmt) {
    const char *topic = trib_props_get(config, "topic");
    if (topic && strchr(topic, ','))
        trib_config_report_error(report, "topic", "The spool-directory connectors write to a single topic.");
    const char *cleanup = trib_props_get(config, "cleanup.policy");
    const char *fin = trib_props_get(config, "finished.path");
    if (!cleanup) cleanup = "MOVE";
    if ((!strcasecmp(cleanup, "MOVE") || !strcasecmp(cleanup, "MOVEBYDATE")) && (!fin || !*fin))
        trib_config_report_error(report, "finished.path", "finished.path is required when cleanup.policy is %s", cleanup);
    const char *pat = trib_props_get(config, "input.file.pattern");
    if (pat) {
        trib_error e;
        trib_jregex *re = compile_pattern(pat, &e);
        if (!re) trib_config_report_error(report, "input.file.pattern", "%s", e.msg);
        trib_jregex_free(re);
    }
    trib_error e;
    trib_schema *value = NULL;
    const char *vs = trib_props_get(config, "value.schema");
    if (vs && *vs && fmt->structured) {
        value = trib_schema_decl_parse(vs, &e);
        if (!value) trib_config_report_error(report, "value.schema", "value.schema: %s", e.msg);
    }
    const char *ks = trib_props_get(config, "key.schema");
    if (ks && *ks && fmt->structured) {
        trib_schema *key = trib_schema_decl_parse(ks, &e);
        if (!key) trib_config_report_error(report, "key.schema", "key.schema: %s", e.msg);
        trib_schema_unref(key);
    }
    const char *gen = trib_props_get(config, "schema.generation.enabled");
    bool generate = gen && strcasecmp(gen, "true") == 0;
    if (fmt->structured && (!vs || !*vs) && !generate)
        trib_config_report_error(report, "value.schema",
                                 "value.schema is required unless schema.generation.enabled=true");
    const char *kf = trib_props_get(config, "schema.generation.key.fields");
    if (kf && *kf && value && !(ks && *ks)) {
        char **names;
        size_t n;
        names = trib_split_list(kf, &n);
        trib_schema *k = trib_schema_decl_key(value, names, n, &e);
        if (!k) trib_config_report_error(report, "schema.generation.key.fields", "schema.generation.key.fields: %s", e.msg);
        trib_schema_unref(k);
        trib_strv_free(names);
    }
    const char *mode = trib_props_get(config, "timestamp.mode");
    const char *tsf = trib_props_get(config, "timestamp.field");
    if (mode && !strcasecmp(mode, "FIELD")) {
        if (!tsf || !*tsf) {
            trib_config_report_error(report, "timestamp.field", "timestamp.field is required when timestamp.mode=FIELD");
        } else if (!fmt->structured) {
            trib_config_report_error(report, "timestamp.mode", "timestamp.mode=FIELD needs a structured format (CSV or JSON)");
        } else if (value) {
            const trib_field *f = trib_schema_field(value, tsf);
            if (!f || !trib_schema_is_logical(f->schema, TRIB_LOGICAL_TIMESTAMP))
                trib_config_report_error(report, "timestamp.field", "%s is not a Timestamp field of value.schema", tsf);
        }
    }
    if (!fmt->structured) {
        trib_schema_unref(value);
        return;
    }
    const char *fmts = trib_props_get(config, "parser.timestamp.date.formats");
    const char *tz = trib_props_get(config, "parser.timestamp.timezone");
    size_t n = 0;
    char **list = trib_split_list(fmts ? fmts : "", &n);
    trib_text_parser *p = trib_text_parser_new(list, n, tz ? tz : "UTC", &e);
    if (!p) {
        const char *key = strncmp(e.msg, "time zone", 9) == 0 ? "parser.timestamp.timezone" : "parser.timestamp.date.formats";
        trib_config_report_error(report, key, "%s: %s", key, e.msg);
    }
    trib_text_parser_destroy(p);
    trib_strv_free(list);
    trib_schema_unref(value);
}

int spool_task_configs(void *ctx, const trib_props *config, int max_tasks, trib_props ***out, size_t *n,
                       trib_error *err) {
    (void)ctx;
    (void)err;
    if (max_tasks < 1) max_tasks = 1;
    *out = trib_xcalloc((size_t)max_tasks, sizeof **out);
    char count[16];
    snprintf(count, sizeof count, "%d", max_tasks);
    for (int i = 0; i < max_tasks; i++) {
        (*out)[i] = config ? trib_props_clone(config) : trib_props_new();
        trib_props_set((*out)[i], TASK_COUNT_KEY, count);
    }
    *n = (size_t)max_tasks;
    return 0;
}

/* ---- start / stop ---------------------------------------------------------- */

void spool_stop(void *ctx) {
    spool_task *t = ctx;
    if (!t) return;
    if (t->cur) {
        if (t->fmt->close) t->fmt->close(t->cur);
        if (t->cur->fd >= 0) close(t->cur->fd);
        json_decref(t->cur->partition);
        json_decref(t->cur->errors);
        trib_schema_unref(t->cur->value_schema);
        trib_schema_unref(t->cur->key_schema);
        free(t->cur->name);
        free(t->cur);
    }
    for (size_t i = 0; i < t->npending; i++) {
        free(t->pending[i].name);
        json_decref(t->pending[i].partition);
        json_decref(t->pending[i].done);
    }
    free(t->pending);
    spool_fs_dir_close(&t->input);
    spool_fs_dir_close(&t->finished);
    spool_fs_dir_close(&t->error);
    trib_jregex_free(t->pattern);
    json_decref(t->queued);
    trib_text_parser_destroy(t->parser);
    trib_schema_unref(t->value_schema);
    trib_schema_unref(t->key_schema);
    free(t->halt_msg);
    spool_metrics_close(t->metrics);
    trib_config_destroy(t->cfg);
    free(t);
}

int spool_start(const spool_format *fmt, const trib_props *config, trib_source_task_context *tctx, void **ctx,
                trib_error *err) {
    trib_config *cfg = trib_config_bind(fmt->config, config, "", err);
    if (!cfg) return -1;
    trib_config_report *rep = trib_config_report_new();
    spool_validate(config, rep, fmt);
    if (trib_config_report_error_count(rep) > 0) {
        char *sum = trib_config_report_summary(rep);
        trib_error_set(err, TRIB_ERR_INVALID, "%s", sum);
        free(sum);
        trib_config_report_destroy(rep);
        trib_config_destroy(cfg);
        return -1;
    }
    trib_config_report_destroy(rep);
    spool_task *t = trib_xcalloc(1, sizeof *t);
    t->fmt = fmt;
    t->tctx = tctx;
    t->cfg = cfg;
    t->input.fd = t->finished.fd = t->error.fd = -1;
    snprintf(t->label, sizeof t->label, "%s:%d", trib_source_task_context_connector(tctx),
             trib_source_task_context_task_id(tctx));
    t->topic = trib_config_string(cfg, "topic");
    t->min_age_ms = trib_config_long(cfg, "file.minimum.age.ms");
    t->cleanup = policy_index(trib_config_string(cfg, "cleanup.policy"), spool_cleanup_values);
    /* Under errors.tolerance=all a file that cannot be read (a broken
     * header, an I/O error) goes to error.path and the task goes on. */
    const char *tol = trib_props_get(config, "errors.tolerance");
    t->halt_on_error = trib_config_bool(cfg, "halt.on.error") && !(tol && strcasecmp(tol, "all") == 0);
    t->batch_size = trib_config_int(cfg, "batch.size");
    t->empty_wait_ms = trib_config_long(cfg, "empty.poll.wait.ms");
    const char *mode = trib_config_string(cfg, "timestamp.mode");
    t->ts_mode = !strcasecmp(mode, "FIELD") ? SPOOL_TS_FIELD : !strcasecmp(mode, "FILE_TIME") ? SPOOL_TS_FILE : SPOOL_TS_PROCESS;
    t->ts_field = trib_config_string(cfg, "timestamp.field");
    if (fmt->structured) {
        t->generate = trib_config_bool(cfg, "schema.generation.enabled");
        t->key_fields = trib_config_list(cfg, "schema.generation.key.fields");
        t->nkey_fields = trib_config_list_len(cfg, "schema.generation.key.fields");
    }
    t->task_id = trib_source_task_context_task_id(tctx);
    t->metrics = spool_metrics_open(trib_source_task_context_connector(tctx), t->task_id);
    const char *cnt = trib_props_get(config, TASK_COUNT_KEY);
    t->ntasks = cnt ? atoi(cnt) : 1;
    if (t->ntasks < 1 || t->task_id < 0 || t->task_id >= t->ntasks) t->ntasks = 1, t->task_id = 0;
    *ctx = t;
    /* The last component of each directory is created when missing (a
     * tenant cannot create directories in its staging area otherwise). */
    if (spool_fs_dir_open(&t->input, trib_config_string(cfg, "input.path"), true, "input.path", err) < 0 ||
        spool_fs_dir_open(&t->error, trib_config_string(cfg, "error.path"), true, "error.path", err) < 0 ||
        (t->cleanup >= SPOOL_CLEANUP_MOVE &&
         spool_fs_dir_open(&t->finished, trib_config_string(cfg, "finished.path"), true, "finished.path", err) < 0))
        goto fail;
    if (!(t->pattern = compile_pattern(trib_config_string(cfg, "input.file.pattern"), err))) goto fail;
    if (fmt->structured) {
        t->parser = trib_text_parser_new(trib_config_list(cfg, "parser.timestamp.date.formats"),
                                         trib_config_list_len(cfg, "parser.timestamp.date.formats"),
                                         trib_config_string(cfg, "parser.timestamp.timezone"), err);
        if (!t->parser) goto fail;
        const char *vs = trib_config_string(cfg, "value.schema"), *ks = trib_config_string(cfg, "key.schema");
        if (vs && *vs && !(t->value_schema = trib_schema_decl_parse(vs, err))) goto fail;
        if (ks && *ks && !(t->key_schema = trib_schema_decl_parse(ks, err))) goto fail;
        if (!t->key_schema && t->value_schema && t->nkey_fields &&
            !(t->key_schema = trib_schema_decl_key(t->value_schema, t->key_fields, t->nkey_fields, err)))
            goto fail;
    }
    TRIB_INFO(FAC, "[%s] watching %s for %s files (task %d of %d)", t->label, t->input.path, fmt->name, t->task_id + 1,
              t->ntasks);
    return 0;
fail:
    /* a missing directory may be created soon (a volume still mounting) */
    if (err && err->code == TRIB_ERR_IO) err->code = TRIB_ERR_RETRIABLE;
    spool_stop(t);
    *ctx = NULL;
    return -1;
}

/* ---- records and rejects -------------------------------------------------------- */

static void header_str(trib_record *r, const char *key, const char *v) { trib_record_add_header_string(r, key, v); }

static void header_long(trib_record *r, const char *key, int64_t v) { trib_record_add_header_long(r, key, v); }

trib_record *spool_record_new(spool_task *t, spool_file *f, int64_t line) {
    trib_record *r = trib_record_new(t->topic);
    header_str(r, "file.name", f->name);
    header_str(r, "file.path", t->input.path);
    header_long(r, "file.length", f->size);
    header_long(r, "file.last.modified", f->mtime_ms);
    header_long(r, "file.offset", line);
    if (t->ts_mode == SPOOL_TS_FILE) r->timestamp = f->mtime_ms;
    return r;
}

int spool_reject(spool_task *t, spool_file *f, int64_t line, int column, const char *field, const char *reason,
                 const void *raw, size_t raw_len, trib_error *err) {
    trib_header h[5];
    char lbuf[24], cbuf[16];
    snprintf(lbuf, sizeof lbuf, "%lld", (long long)line);
    snprintf(cbuf, sizeof cbuf, "%d", column);
    size_t nh = 0;
    h[nh++] = (trib_header){"file.name", f->name, strlen(f->name)};
    h[nh++] = (trib_header){"file.line", lbuf, strlen(lbuf)};
    h[nh++] = (trib_header){"file.column", cbuf, strlen(cbuf)};
    if (field) h[nh++] = (trib_header){"file.field", (void *)field, strlen(field)};
    h[nh++] = (trib_header){"file.error.reason", (void *)reason, strlen(reason)};
    trib_error why;
    trib_error_set(&why, TRIB_ERR_INVALID, "%s line %lld column %d%s%s: %s", f->name, (long long)line, column,
                   field ? " field " : "", field ? field : "", reason);
    if (trib_source_task_context_report(t->tctx, raw, raw_len, h, nh, &why) == 0) {
        f->rejected++;
        if (json_array_size(f->errors) < SPOOL_FIRST_ERRORS)
            json_array_append_new(f->errors, json_pack("{s:I, s:i, s:s?, s:s}", "line", (json_int_t)line, "column",
                                                       column, "field", field, "reason", reason));
        return 0;
    }
    t->last_reject.line = line;
    t->last_reject.column = column;
    snprintf(t->last_reject.field, sizeof t->last_reject.field, "%s", field ? field : "");
    snprintf(t->last_reject.reason, sizeof t->last_reject.reason, "%s", reason);
    t->last_reject.set = true;
    return trib_error_set(err, TRIB_ERR_INVALID, "%s", why.msg);
}

/* ---- files --------------------------------------------------------------------------- */

/* FNV-1a: the same on every worker and version, so ownership never moves
 * while the task count stays. */
static uint64_t name_hash(const char *s) {
    return trib_fnv1a(s, strlen(s));
}

static int cmp_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static json_t *identity(const char *name, const struct stat *st) {
    int64_t mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
    return json_pack("{s:s, s:I, s:I}", "fileName", name, "size", (json_int_t)st->st_size, "mtime", (json_int_t)mtime_ns);
}

static bool is_pending(const spool_task *t, const char *name) {
    for (size_t i = 0; i < t->npending; i++)
        if (strcmp(t->pending[i].name, name) == 0) return true;
    return false;
}

/* ---- file status ------------------------------------------------------------------ */

/* Writes a file's status (fields taken). The status is for people watching;
 * a failed write never stops the task. */
static void status_put(spool_task *t, const char *id, json_t *fields) {
    trib_error err;
    json_object_set_new(fields, "updated", json_integer(trib_now_ms()));
    if (trib_source_task_context_put_file_status(t->tctx, id, fields, &err) < 0)
        TRIB_WARN(FAC, "[%s] cannot write the status of file %s: %s", t->label, id, err.msg);
    json_decref(fields);
}

static json_t *status_identity(const char *name, int64_t size, int64_t mtime_ns, const char *state) {
    return json_pack("{s:s, s:I, s:I, s:s}", "name", name, "size", (json_int_t)size, "mtime", (json_int_t)mtime_ns,
                     "state", state);
}

/* Is the file's status record in one of states? */
static bool status_is(spool_task *t, const char *id, const char *const *states) {
    json_t *rec = trib_source_task_context_file_status(t->tctx, id);
    const char *s = json_string_value(json_object_get(rec, "state"));
    bool found = false;
    for (int i = 0; s && states[i] && !found; i++) found = strcmp(s, states[i]) == 0;
    json_decref(rec);
    return found;
}

static const char *const past_queued[] = {"QUEUED", "PROCESSING", "FINISHED", "FAILED", NULL};
static const char *const ended[] = {"FINISHED", "FAILED", NULL};

/* A ready file this task owns but has not opened yet: QUEUED, once. */
static void status_queued(spool_task *t, const char *name, const struct stat *st) {
    char id[17];
    spool_file_id(name, st->st_size, spool_mtime_ns(st), id);
    if (status_is(t, id, past_queued)) return;
    json_t *f = status_identity(name, st->st_size, spool_mtime_ns(st), "QUEUED");
    json_object_set_new(f, "queued_at", json_integer(trib_now_ms()));
    status_put(t, id, f);
}

/* The file's progress while it is read. */
static void status_processing(spool_task *t, spool_file *f) {
    json_t *s = status_identity(f->name, f->size, f->mtime_ns, "PROCESSING");
    json_object_set_new(s, "started", json_integer(f->start_ms));
    json_object_set_new(s, "bytes_done", json_integer(f->position));
    json_object_set_new(s, "rows", json_integer(f->rows));
    json_object_set_new(s, "rejected", json_integer(f->rejected));
    if (json_array_size(f->errors)) json_object_set_new(s, "errors", json_deep_copy(f->errors));
    status_put(t, f->id, s);
    f->status_ms = trib_mono_ms();
}

/* FINISHED from a committed eof offset (a file found already read, after a
 * crash that came before its cleanup), unless its status already ended. */
static void status_finished_from_offset(spool_task *t, const char *name, const struct stat *st, const json_t *off) {
    char id[17];
    spool_file_id(name, st->st_size, spool_mtime_ns(st), id);
    if (status_is(t, id, ended)) return;
    json_t *s = status_identity(name, st->st_size, spool_mtime_ns(st), "FINISHED");
    json_object_set_new(s, "bytes_done", json_integer(st->st_size));
    json_object_set_new(s, "rows", json_integer(json_integer_value(json_object_get(off, "rows"))));
    json_object_set_new(s, "rejected", json_integer(json_integer_value(json_object_get(off, "rejected"))));
    json_t *started = json_object_get(off, "started"), *errors = json_object_get(off, "errors");
    if (json_is_integer(started)) json_object_set(s, "started", started);
    if (json_is_array(errors)) json_object_set(s, "errors", errors);
    json_object_set_new(s, "finished_at", json_integer(json_integer_value(json_object_get(off, "updated"))));
    status_put(t, id, s);
}

/* Moves or deletes a file every record of which is committed. */
static void cleanup_file(spool_task *t, const char *name) {
    trib_error err;
    int rc = 0;
    switch (t->cleanup) {
    case SPOOL_CLEANUP_NONE: return;
    case SPOOL_CLEANUP_DELETE: rc = spool_fs_unlink(&t->input, name, &err); break;
    case SPOOL_CLEANUP_MOVE: rc = spool_fs_move(&t->input, name, &t->finished, NULL, name, &err); break;
    case SPOOL_CLEANUP_MOVEBYDATE: {
        char day[16];
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(day, sizeof day, "%Y-%m-%d", &tm);
        rc = spool_fs_move(&t->input, name, &t->finished, day, name, &err);
        break;
    }
    }
    if (rc < 0) TRIB_WARN(FAC, "[%s] cleanup of %s failed: %s", t->label, name, err.msg);
    else TRIB_INFO(FAC, "[%s] %s is committed: %s", t->label, name, t->cleanup == SPOOL_CLEANUP_DELETE ? "deleted" : "moved");
}

static bool offset_eof(const json_t *off) {
    return off && json_is_true(json_object_get(off, "eof"));
}

/* Cleans up pending files whose eof offset is committed now. */
static void settle_pending(spool_task *t) {
    for (size_t i = 0; i < t->npending;) {
        json_t *off = trib_source_task_context_offset(t->tctx, t->pending[i].partition);
        bool done = offset_eof(off);
        json_decref(off);
        if (!done) {
            i++;
            continue;
        }
        cleanup_file(t, t->pending[i].name);
        json_object_set_new(t->pending[i].done, "finished_at", json_integer(trib_now_ms()));
        status_put(t, t->pending[i].id, t->pending[i].done);
        free(t->pending[i].name);
        json_decref(t->pending[i].partition);
        t->pending[i] = t->pending[--t->npending];
    }
}

int spool_commit(void *ctx, trib_error *err) {
    (void)err;
    settle_pending(ctx);
    return 0;
}

static void close_file(spool_task *t, spool_file *f) {
    if (t->fmt->close) t->fmt->close(f);
    if (f->fd >= 0) close(f->fd);
    json_decref(f->partition);
    json_decref(f->errors);
    trib_schema_unref(f->value_schema);
    trib_schema_unref(f->key_schema);
    free(f->name);
    free(f);
}

/* Opens the first ready file this task owns, or sets *found = false. */
static int next_file(spool_task *t, spool_file **found, trib_error *err) {
    *found = NULL;
    char **names;
    size_t n;
    if (spool_fs_list(&t->input, &names, &n, err) < 0) {
        err->code = TRIB_ERR_RETRIABLE;
        return -1;
    }
    if (n) qsort(names, n, sizeof *names, cmp_names);
    int64_t now = trib_now_ms();
    int rc = 0;
    json_t *seen = json_object();
    /* Every ready file this task owns is looked at (not only up to the one
     * it opens): those that wait get their QUEUED status. */
    for (size_t i = 0; i < n && rc == 0; i++) {
        const char *name = names[i];
        if (t->ntasks > 1 && name_hash(name) % (uint64_t)t->ntasks != (uint64_t)t->task_id) continue;
        if (is_pending(t, name) || !trib_jregex_matches(t->pattern, name)) continue;
        struct stat st;
        if (spool_fs_stat(&t->input, name, &st) < 0 || !S_ISREG(st.st_mode)) continue;
        int64_t mtime_ms = (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
        if (t->min_age_ms > 0 && now - mtime_ms < t->min_age_ms) continue;
        if (*found) {
            /* Waiting behind the file just opened: QUEUED, once. The
             * identities announced are remembered across scans so a long
             * queue costs a stat per file per scan, not a status lookup. */
            char *k = trib_xasprintf("%s\n%lld\n%lld", name, (long long)st.st_size, (long long)spool_mtime_ns(&st));
            if (!json_object_get(t->queued, k)) status_queued(t, name, &st);
            json_object_set_new(seen, k, json_true());
            free(k);
            continue;
        }
        json_t *part = identity(name, &st);
        json_t *off = trib_source_task_context_offset(t->tctx, part);
        if (offset_eof(off)) {
            /* read and committed before (a crash came before the cleanup, or cleanup.policy=NONE) */
            status_finished_from_offset(t, name, &st, off);
            json_decref(off);
            json_decref(part);
            cleanup_file(t, name);
            continue;
        }
        trib_error oerr;
        int fd = spool_fs_open_read(&t->input, name, &st, &oerr);
        if (fd < 0) {
            TRIB_WARN(FAC, "[%s] skipping %s: %s", t->label, name, oerr.msg);
            json_decref(off);
            json_decref(part);
            continue;
        }
        spool_file *f = trib_xcalloc(1, sizeof *f);
        f->name = trib_xstrdup(name);
        f->fd = fd;
        f->size = st.st_size;
        f->mtime_ms = mtime_ms;
        f->mtime_ns = spool_mtime_ns(&st);
        spool_file_id(name, f->size, f->mtime_ns, f->id);
        f->partition = part;
        f->start_ms = now;
        f->errors = json_array();
        if (off) {
            json_t *st = json_object_get(off, "started"), *er = json_object_get(off, "errors");
            if (json_is_integer(st)) f->start_ms = json_integer_value(st);
            if (json_is_array(er)) json_array_extend(f->errors, er);
            f->position = json_integer_value(json_object_get(off, "position"));
            f->line = json_integer_value(json_object_get(off, "offset"));
            f->rows = json_integer_value(json_object_get(off, "rows"));
            f->rejected = json_integer_value(json_object_get(off, "rejected"));
            if (f->position < 0 || f->position > f->size) f->position = 0, f->line = f->rows = f->rejected = 0;
        }
        json_decref(off);
        f->value_schema = trib_schema_ref(t->value_schema);
        f->key_schema = trib_schema_ref(t->key_schema);
        *found = f;
        if (t->fmt->open(t, f, err) < 0) {
            rc = -1;
        } else {
            TRIB_INFO(FAC, "[%s] reading %s (%lld bytes)%s", t->label, name, (long long)f->size,
                      f->position ? " from its committed offset" : "");
            status_processing(t, f);
        }
    }
    json_decref(t->queued);
    t->queued = seen;
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
    return rc;
}

/* The offset after everything read so far from f. */
static json_t *offset_of(const spool_file *f, bool eof) {
    json_t *o = json_object();
    json_object_set_new(o, "offset", json_integer(f->line));
    json_object_set_new(o, "position", json_integer(f->position));
    json_object_set_new(o, "rows", json_integer(f->rows));
    json_object_set_new(o, "rejected", json_integer(f->rejected));
    json_object_set_new(o, "eof", json_boolean(eof));
    json_object_set_new(o, "started", json_integer(f->start_ms));
    json_object_set_new(o, "updated", json_integer(trib_now_ms()));
    if (json_array_size(f->errors)) json_object_set_new(o, "errors", json_deep_copy(f->errors));
    return o;
}

/* A file that cannot be read to the end: to error.path with a report. */
static void fail_file(spool_task *t, spool_file *f, const trib_error *why) {
    json_t *rep = json_pack("{s:s, s:I, s:s}", "file", f->name, "size", (json_int_t)f->size, "reason", why->msg);
    if (t->last_reject.set) {
        json_object_set_new(rep, "line", json_integer(t->last_reject.line));
        json_object_set_new(rep, "column", json_integer(t->last_reject.column));
        if (t->last_reject.field[0]) json_object_set_new(rep, "field", json_string(t->last_reject.field));
        json_object_set_new(rep, "error", json_string(t->last_reject.reason));
    }
    json_t *s = status_identity(f->name, f->size, f->mtime_ns, "FAILED");
    json_object_set_new(s, "started", json_integer(f->start_ms));
    json_object_set_new(s, "finished_at", json_integer(trib_now_ms()));
    json_object_set_new(s, "bytes_done", json_integer(f->position));
    json_object_set_new(s, "rows", json_integer(f->rows));
    json_object_set_new(s, "rejected", json_integer(f->rejected));
    json_object_set_new(s, "reason", json_string(why->msg));
    json_t *errors = json_deep_copy(f->errors);
    if (t->last_reject.set)
        json_array_append_new(errors, json_pack("{s:I, s:i, s:s?, s:s}", "line", (json_int_t)t->last_reject.line,
                                                "column", t->last_reject.column, "field",
                                                t->last_reject.field[0] ? t->last_reject.field : NULL, "reason",
                                                t->last_reject.reason));
    json_object_set_new(s, "errors", errors);
    status_put(t, f->id, s);
    t->last_reject.set = false;
    char *text = json_dumps(rep, JSON_INDENT(2));
    json_decref(rep);
    char *rname = trib_xasprintf("%s.error.json", f->name);
    trib_error e;
    if (strlen(rname) > 255 || spool_fs_write(&t->error, rname, text, strlen(text), &e) < 0)
        TRIB_WARN(FAC, "[%s] cannot write the error report of %s", t->label, f->name);
    spool_metrics_done(t->metrics, f, true);
    if (spool_fs_move(&t->input, f->name, &t->error, NULL, f->name, &e) < 0)
        TRIB_ERROR(FAC, "[%s] cannot move %s to error.path: %s", t->label, f->name, e.msg);
    TRIB_ERROR(FAC, "[%s] %s failed and was moved to %s: %s", t->label, f->name, t->error.path, why->msg);
    free(rname);
    free(text);
}

/* Sleeps up to ms in 50 ms steps, returning early once stopping. */
static void nap(spool_task *t, int64_t ms) {
    for (int64_t w = 0; w < ms && !trib_source_task_context_stopping(t->tctx); w += 50) trib_sleep_ms(ms - w < 50 ? ms - w : 50);
}

int spool_poll(void *ctx, trib_record_batch *out, trib_error *err) {
    spool_task *t = ctx;
    if (t->halted) return trib_error_set(err, TRIB_ERR_FATAL, "%s", t->halt_msg);
    if (t->npending) settle_pending(t);
    if (!t->cur) {
        int64_t now = trib_mono_ms();
        if (now < t->next_scan_ms) {
            nap(t, t->next_scan_ms - now < 100 ? t->next_scan_ms - now : 100);
            return 0;
        }
        spool_file *f;
        if (next_file(t, &f, err) < 0) {
            if (!f) return -1;
            fail_file(t, f, err);
            close_file(t, f);
            if (t->halt_on_error) {
                t->halted = true;
                t->halt_msg = trib_xstrdup(err->msg);
                err->code = TRIB_ERR_FATAL;
                return -1;
            }
            return 0;
        }
        if (!f) {
            t->next_scan_ms = trib_mono_ms() + t->empty_wait_ms;
            return 0;
        }
        t->cur = f;
        spool_metrics_begin(t->metrics, f);
    }
    spool_file *f = t->cur;
    size_t before = out->n;
    bool eof = false;
    if (t->fmt->read(t, f, out, t->batch_size, &eof, err) < 0) {
        for (size_t i = before; i < out->n; i++) trib_record_destroy(out->items[i]);
        out->n = before;   /* a failed file's partial batch is not sent */
        fail_file(t, f, err);
        close_file(t, f);
        t->cur = NULL;
        if (t->halt_on_error) {
            t->halted = true;
            t->halt_msg = trib_xstrdup(err->msg);
            err->code = TRIB_ERR_FATAL;
            return -1;
        }
        return 0;
    }
    trib_record *last = out->n > before ? out->items[out->n - 1] : NULL;
    if (eof && !last) {
        last = trib_record_new(NULL);   /* an offset marker: the file had nothing (more) to send */
        trib_record_batch_add_take(out, last);
    }
    if (last) {
        last->source_partition = json_incref(f->partition);
        last->source_offset = offset_of(f, eof);
    }
    spool_metrics_progress(t->metrics, f);
    if (eof) {
        spool_metrics_done(t->metrics, f, false);
        TRIB_INFO(FAC, "[%s] read %s to the end: %lld rows, %lld rejected, %lld ms; cleanup after commit", t->label,
                  f->name, (long long)f->rows, (long long)f->rejected, (long long)(trib_now_ms() - f->start_ms));
        t->pending = trib_xrealloc(t->pending, (t->npending + 1) * sizeof *t->pending);
        t->pending[t->npending].name = trib_xstrdup(f->name);
        t->pending[t->npending].partition = json_incref(f->partition);
        memcpy(t->pending[t->npending].id, f->id, sizeof f->id);
        json_t *done = status_identity(f->name, f->size, f->mtime_ns, "FINISHED");
        json_object_set_new(done, "started", json_integer(f->start_ms));
        json_object_set_new(done, "bytes_done", json_integer(f->size));
        json_object_set_new(done, "rows", json_integer(f->rows));
        json_object_set_new(done, "rejected", json_integer(f->rejected));
        if (json_array_size(f->errors)) json_object_set_new(done, "errors", json_deep_copy(f->errors));
        t->pending[t->npending].done = done;
        t->npending++;
        close_file(t, f);
        t->cur = NULL;
    } else if (trib_mono_ms() - f->status_ms >= SPOOL_STATUS_EVERY_MS) {
        status_processing(t, f);
    }
    return 0;
}
