/*
 * test_spooldir.c: SpoolDirCsvSource driven directly, with a memory offset
 * store standing in for the worker's (the test plays the source loop:
 * it commits the offsets of the records it "delivered" and calls
 * commit()). CSV edge cases, typing, resume after a crash at a committed
 * offset, cleanup only after commit, reused names, bad rows under both
 * error tolerances, several tasks on one directory, every config key, and
 * the file status the task writes (worker/file_status.h).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "common/time.h"
#include "common/util.h"
#include "proto/values.h"
#include "tests/tap.h"
#include "worker/connector.h"
#include "worker/file_status.h"
#include "worker/task_context.h"

static char root[64], in_dir[128], fin_dir[128], err_dir[128];

static const char *cur_plugin = "SpoolDirCsvSource";
static const trib_connector_plugin *plugin(void) {
    return trib_connector_find(cur_plugin);
}

static void write_file(const char *dir, const char *name, const char *data, size_t len) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    fwrite(data, 1, len, f);
    fclose(f);
}
#define WRITE(dir, name, lit) write_file(dir, name, lit, sizeof(lit) - 1)

static bool exists(const char *dir, const char *name) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct stat st;
    return lstat(path, &st) == 0;
}

static char *slurp(const char *dir, const char *name) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t n;
    return trib_read_file(path, &n, NULL);
}

static void clean_dir(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return;
    for (struct dirent *e; (e = readdir(d));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char path[600];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (unlink(path) < 0) {
            clean_dir(path);
            rmdir(path);
        }
    }
    closedir(d);
}

static void reset_dirs(void) {
    clean_dir(in_dir);
    clean_dir(fin_dir);
    clean_dir(err_dir);
}

static const char *AVRO_SCHEMA =
    "{\"type\":\"record\",\"name\":\"reading\",\"fields\":["
    "{\"name\":\"id\",\"type\":\"long\"},"
    "{\"name\":\"name\",\"type\":[\"null\",\"string\"],\"default\":null},"
    "{\"name\":\"speed\",\"type\":\"double\"},"
    "{\"name\":\"day\",\"type\":\"string\",\"logicalType\":\"date\"}]}";

static trib_props *base_props(void) {
    trib_props *p = trib_props_new();
    trib_props_set(p, "topic", "readings");
    trib_props_set(p, "input.path", in_dir);
    trib_props_set(p, "finished.path", fin_dir);
    trib_props_set(p, "error.path", err_dir);
    trib_props_set(p, "value.schema", AVRO_SCHEMA);
    trib_props_set(p, "csv.first.row.as.header", "true");
    trib_props_set(p, "empty.poll.wait.ms", "0");
    return p;
}

/* What the test's reporter does with bad rows. */
typedef struct {
    bool tolerate;
    int n;
    char line[32], column[32], reason[256];
    char raw[256];
} reports;

static const char *hdr(const trib_header *h, size_t n, const char *key, char *buf, size_t cap) {
    for (size_t i = 0; i < n; i++)
        if (!strcmp(h[i].key, key)) {
            snprintf(buf, cap, "%.*s", (int)h[i].len, (const char *)h[i].value);
            return buf;
        }
    buf[0] = 0;
    return buf;
}

static int reporter(void *opaque, const void *raw, size_t len, const trib_header *h, size_t nh, const trib_error *why) {
    (void)why;
    reports *r = opaque;
    r->n++;
    hdr(h, nh, "file.line", r->line, sizeof r->line);
    hdr(h, nh, "file.column", r->column, sizeof r->column);
    hdr(h, nh, "file.error.reason", r->reason, sizeof r->reason);
    snprintf(r->raw, sizeof r->raw, "%.*s", (int)len, (const char *)raw);
    return r->tolerate ? 0 : -1;
}

typedef struct {
    trib_source_task_context *tctx;
    void *ctx;
    reports rep;
} task;

/* Starts task `id` of `count`; takes props. */
static int start(task *t, trib_offset_store *store, trib_props *props, int id, int count, trib_error *err) {
    memset(t, 0, sizeof *t);
    char c[8];
    snprintf(c, sizeof c, "%d", count);
    trib_props_set(props, "spooldir.task.count", c);
    t->tctx = trib_source_task_context_new("spool", id, store);
    trib_source_task_context_set_reporter(t->tctx, reporter, &t->rep);
    int rc = plugin()->source->start(props, t->tctx, &t->ctx, err);
    trib_props_destroy(props);
    if (rc < 0) {
        trib_source_task_context_destroy(t->tctx);
        t->tctx = NULL;
    }
    return rc;
}

static void stop(task *t) {
    if (!t->tctx) return;
    plugin()->source->stop(t->ctx);
    trib_source_task_context_destroy(t->tctx);
    t->tctx = NULL;
}

/* One poll; returns its rc. Records stay in b. */
static int poll1(task *t, trib_record_batch *b, trib_error *err) {
    return plugin()->source->poll(t->ctx, b, err);
}

/* Plays the runtime's part: the offsets of records b[from..) are
 * "delivered" and committed, then commit() is called. */
static void commit_from(task *t, trib_offset_store *store, trib_record_batch *b, size_t from) {
    for (size_t i = from; i < b->n; i++)
        if (b->items[i]->source_partition)
            trib_offset_store_put(store, "spool", b->items[i]->source_partition, b->items[i]->source_offset);
    trib_offset_store_flush(store, NULL);
    plugin()->source->commit(t->ctx, NULL);
}

/* Polls up to n times, committing everything; returns the real records
 * (offset markers dropped) in out. */
static void drain(task *t, trib_offset_store *store, trib_record_batch *out, int n) {
    for (int i = 0; i < n; i++) {
        trib_record_batch b;
        trib_record_batch_init(&b);
        trib_error err;
        if (poll1(t, &b, &err) < 0) diag("poll: %s", err.msg);
        commit_from(t, store, &b, 0);
        for (size_t k = 0; k < b.n; k++) {
            if (b.items[k]->topic) trib_record_batch_add_take(out, b.items[k]);
            else trib_record_destroy(b.items[k]);
            b.items[k] = NULL;
        }
        b.n = 0;
        trib_record_batch_free(&b);
    }
}

static const trib_value *field(const trib_record *r, const char *name) {
    return trib_value_struct_get(r->value, name);
}

static const char *sfield(const trib_record *r, const char *name) {
    const trib_value *v = field(r, name);
    return v ? v->u.str.data : "(null)";
}

/* a header as SimpleHeaderConverter writes it */
static char *header_of(const trib_record *r, const char *key) {
    const trib_connect_header *h = trib_record_header(r, key);
    if (!h) return trib_xstrdup("(none)");
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    trib_values_append_string(h->schema, h->value, &sb);
    return trib_strbuf_take(&sb);
}

static void test_typed_rows_and_cleanup_after_commit(void) {
    reset_dirs();
    WRITE(in_dir, "a.csv", "id,name,speed,day\n1,alpha,1.5,2024-01-01\n2,,2.25,2024-01-02\n");
    trib_offset_store *store = trib_offset_store_memory_new();
    trib_props *p = base_props();
    trib_props_set(p, "schema.generation.key.fields", "id");
    task t;
    trib_error err;
    ok(start(&t, store, p, 0, 1, &err) == 0, "a CSV task starts");
    trib_record_batch b;
    trib_record_batch_init(&b);
    ok(poll1(&t, &b, &err) == 0, "the first poll reads the file");
    is_int(b.n, 2, "one record per row");
    if (b.n == 2) {
        trib_record *r = b.items[0];
        is_str(r->topic, "readings", "to the configured topic");
        is_int(field(r, "id")->u.i, 1, "id is typed as a long");
        ok(field(r, "speed")->u.f == 1.5, "speed is a double");
        is_int(field(r, "day")->u.i, 19723, "day is a Date (days since the epoch)");
        ok(r->key && trib_value_struct_get(r->key, "id")->u.i == 1, "the key holds the primary key field");
        ok(field(b.items[1], "name") && field(b.items[1], "name")->u.str.len == 0,
           "csv.null.field.indicator=NEITHER: an empty string column is an empty string");
        char *fn = header_of(r, "file.name"), *fo = header_of(r, "file.offset");
        is_str(fn, "a.csv", "file.name header");
        is_str(fo, "2", "file.offset header is the row's line");
        free(fn);
        free(fo);
        ok(b.items[0]->source_offset == NULL, "only the last record of a poll carries the offset");
        ok(json_is_true(json_object_get(b.items[1]->source_offset, "eof")), "the last record of the file is marked eof");
        is_int(json_integer_value(json_object_get(b.items[1]->source_partition, "size")), 60,
               "the source partition is the file's identity (with its size)");
    }
    ok(exists(in_dir, "a.csv"), "the file stays in input.path until its offsets are committed");
    plugin()->source->commit(t.ctx, NULL);
    ok(exists(in_dir, "a.csv"), "a commit() that did not cover the file leaves it");
    commit_from(&t, store, &b, 0);
    ok(!exists(in_dir, "a.csv") && exists(fin_dir, "a.csv"), "once committed, the file moves to finished.path");
    trib_record_batch_free(&b);
    stop(&t);
    trib_offset_store_destroy(store);
}

static void test_csv_edge_cases(void) {
    reset_dirs();
    trib_offset_store *store = trib_offset_store_memory_new();
    /* BOM, CRLF, quoted separators, doubled quotes, an embedded CRLF
     * newline, a blank line, spaces kept, no final newline */
    WRITE(in_dir, "edge.csv",
          "\xEF\xBB\xBFid,name,speed,day\r\n"
          "1,\"a, b\",1,2024-01-01\r\n"
          "2,\"say \"\"hi\"\"\",2,2024-01-01\r\n"
          "\r\n"
          "3,\"two\r\nlines\",3,2024-01-01\r\n"
          "4, padded ,4,2024-01-01");
    trib_props *p = base_props();
    task t;
    trib_error err;
    start(&t, store, p, 0, 1, &err);
    trib_record_batch out;
    trib_record_batch_init(&out);
    drain(&t, store, &out, 2);
    is_int(out.n, 4, "four rows: the BOM, CRLF and a blank line add none");
    if (out.n == 4) {
        is_str(sfield(out.items[0], "name"), "a, b", "a quoted separator is data");
        is_str(sfield(out.items[1], "name"), "say \"hi\"", "a doubled quote is one quote");
        is_str(sfield(out.items[2], "name"), "two\r\nlines", "a quoted line break is data");
        char *line = header_of(out.items[2], "file.offset");
        is_str(line, "5", "a row's line is where it starts (after the blank line)");
        free(line);
        is_str(sfield(out.items[3], "name"), " padded ", "spaces are kept (RFC 4180)");
        is_int(field(out.items[3], "id")->u.i, 4, "the last row without a line break is read");
        is_int(field(out.items[0], "id")->u.i, 1, "the BOM is not part of the first column name");
    }
    trib_record_batch_free(&out);
    stop(&t);

    /* null indicators */
    const char *nulls = "id,name,speed,day\n1,,1,2024-01-01\n2,\"\",2,2024-01-01\n";
    const char *modes[] = {"NEITHER", "EMPTY_SEPARATORS", "EMPTY_QUOTES", "BOTH"};
    /* expected: is name null for the unquoted empty / the quoted empty */
    bool want[4][2] = {{false, false}, {true, false}, {false, true}, {true, true}};
    for (int m = 0; m < 4; m++) {
        reset_dirs();
        write_file(in_dir, "n.csv", nulls, strlen(nulls));
        trib_props *q = base_props();
        trib_props_set(q, "csv.null.field.indicator", modes[m]);
        start(&t, store, q, 0, 1, &err);
        trib_record_batch_init(&out);
        drain(&t, store, &out, 1);
        if (out.n == 2) {
            ok((field(out.items[0], "name") == NULL) == want[m][0], "%s: an empty unquoted field is %s", modes[m],
               want[m][0] ? "null" : "an empty string");
            ok((field(out.items[1], "name") == NULL) == want[m][1], "%s: an empty quoted field is %s", modes[m],
               want[m][1] ? "null" : "an empty string");
        } else {
            ok(0, "%s: two rows", modes[m]);
            ok(0, "%s: two rows", modes[m]);
        }
        trib_record_batch_free(&out);
        stop(&t);
    }

    /* other separators and quotes, skipped lines, no header */
    reset_dirs();
    WRITE(in_dir, "semi.csv", "# exported\n# by tool\n1;'x;y';1.5;2024-01-01\n");
    trib_props *q = base_props();
    trib_props_set(q, "csv.first.row.as.header", "false");
    trib_props_set(q, "csv.skip.lines", "2");
    trib_props_set(q, "csv.separator.char", "59");
    trib_props_set(q, "csv.quote.char", "39");
    trib_props_set(q, "csv.escape.char", "39");
    start(&t, store, q, 0, 1, &err);
    trib_record_batch_init(&out);
    drain(&t, store, &out, 1);
    ok(out.n == 1 && !strcmp(sfield(out.items[0], "name"), "x;y"),
       "csv.skip.lines, csv.separator.char and csv.quote.char apply; columns map by position without a header");
    trib_record_batch_free(&out);
    stop(&t);
    trib_offset_store_destroy(store);
}

/* A crash: the task dies after some batches were delivered but before
 * later ones were; a new task resumes at the committed row. */
static void test_resume_after_crash(void) {
    reset_dirs();
    trib_offset_store *store = trib_offset_store_memory_new();
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    trib_strbuf_puts(&sb, "id,name,speed,day\n");
    for (int i = 1; i <= 10; i++)
        trib_strbuf_printf(&sb, "%d,\"row\n%d\",%d.5,2024-01-01\n", i, i, i);   /* every row spans two lines */
    write_file(in_dir, "big.csv", sb.data, sb.len);
    trib_strbuf_free(&sb);
    trib_props *p = base_props();
    trib_props_set(p, "batch.size", "3");
    task t;
    trib_error err;
    start(&t, store, p, 0, 1, &err);
    trib_record_batch b;
    trib_record_batch_init(&b);
    poll1(&t, &b, &err);
    commit_from(&t, store, &b, 0);   /* rows 1-3 delivered */
    size_t first = b.n;
    poll1(&t, &b, &err);              /* rows 4-6 sent, never acknowledged: the worker dies */
    is_int(first, 3, "batch.size bounds a poll");
    trib_record_batch_free(&b);
    stop(&t);
    ok(exists(in_dir, "big.csv"), "a file read halfway stays in input.path");

    p = base_props();
    trib_props_set(p, "batch.size", "3");
    start(&t, store, p, 0, 1, &err);
    trib_record_batch out;
    trib_record_batch_init(&out);
    drain(&t, store, &out, 5);
    is_int(out.n, 7, "the restarted task sends rows 4-10 only");
    if (out.n == 7) {
        is_int(field(out.items[0], "id")->u.i, 4, "it resumes at the first uncommitted row (the header is read again)");
        is_str(sfield(out.items[0], "name"), "row\n4", "a multi-line row resumes whole");
        is_int(field(out.items[6], "id")->u.i, 10, "and reads to the end");
        char *line = header_of(out.items[0], "file.offset");
        is_str(line, "8", "line numbers continue from the committed offset");
        free(line);
    }
    ok(exists(fin_dir, "big.csv"), "after the last commit the file is finished");
    trib_record_batch_free(&out);
    stop(&t);
    trib_offset_store_destroy(store);
}

static void test_reused_name_and_policies(void) {
    reset_dirs();
    trib_offset_store *store = trib_offset_store_memory_new();
    WRITE(in_dir, "r.csv", "id,name,speed,day\n1,a,1,2024-01-01\n");
    trib_props *p = base_props();
    trib_props_set(p, "cleanup.policy", "NONE");
    task t;
    trib_error err;
    start(&t, store, p, 0, 1, &err);
    trib_record_batch out;
    trib_record_batch_init(&out);
    drain(&t, store, &out, 3);
    is_int(out.n, 1, "cleanup.policy=NONE: the file is read once, not again on later scans");
    ok(exists(in_dir, "r.csv"), "and it stays where it is");
    /* a new file under the same name (different size and mtime) */
    WRITE(in_dir, "r.csv", "id,name,speed,day\n2,b,2,2024-01-01\n3,c,3,2024-01-01\n");
    struct timeval tv[2] = {{2000000000, 0}, {2000000000, 0}};
    char path[300];
    snprintf(path, sizeof path, "%s/r.csv", in_dir);
    utimes(path, tv);
    drain(&t, store, &out, 3);
    is_int(out.n, 3, "a new file under a reused name is read as a new file");
    trib_record_batch_free(&out);
    stop(&t);

    reset_dirs();
    WRITE(in_dir, "d.csv", "id,name,speed,day\n1,a,1,2024-01-01\n");
    p = base_props();
    trib_props_set(p, "cleanup.policy", "DELETE");
    start(&t, store, p, 0, 1, &err);
    trib_record_batch_init(&out);
    drain(&t, store, &out, 2);
    ok(out.n == 1 && !exists(in_dir, "d.csv") && !exists(fin_dir, "d.csv"), "cleanup.policy=DELETE deletes after commit");
    trib_record_batch_free(&out);
    stop(&t);

    reset_dirs();
    WRITE(in_dir, "m.csv", "id,name,speed,day\n1,a,1,2024-01-01\n");
    p = base_props();
    trib_props_set(p, "cleanup.policy", "MOVEBYDATE");
    start(&t, store, p, 0, 1, &err);
    trib_record_batch_init(&out);
    drain(&t, store, &out, 2);
    char day[64];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(day, sizeof day, "%Y-%m-%d/m.csv", &tm);
    ok(exists(fin_dir, day), "cleanup.policy=MOVEBYDATE moves to finished.path/yyyy-MM-dd/");
    trib_record_batch_free(&out);
    stop(&t);

    /* an empty file, and a header-only file: nothing to send, still finished after commit */
    reset_dirs();
    WRITE(in_dir, "empty.csv", "");
    WRITE(in_dir, "hdr.csv", "id,name,speed,day\n");
    p = base_props();
    start(&t, store, p, 0, 1, &err);
    trib_record_batch b;
    trib_record_batch_init(&b);
    poll1(&t, &b, &err);
    ok(b.n == 1 && b.items[0]->topic == NULL && json_is_true(json_object_get(b.items[0]->source_offset, "eof")),
       "an empty file yields one offset marker (no topic) carrying eof");
    commit_from(&t, store, &b, 0);
    trib_record_batch_clear(&b);
    poll1(&t, &b, &err);
    commit_from(&t, store, &b, 0);
    ok(exists(fin_dir, "empty.csv") && exists(fin_dir, "hdr.csv"), "empty and header-only files finish after commit");
    trib_record_batch_free(&b);
    stop(&t);
    trib_offset_store_destroy(store);
}

static void test_bad_rows(void) {
    reset_dirs();
    trib_offset_store *store = trib_offset_store_memory_new();
    const char *data = "id,name,speed,day\n1,a,1,2024-01-01\n2,b,fast,2024-01-01\n3,c\n4,d,4,2024-13-01\n5,e,5,2024-01-05\n";
    write_file(in_dir, "bad.csv", data, strlen(data));
    trib_props *p = base_props();
    task t;
    trib_error err;
    start(&t, store, p, 0, 1, &err);
    t.rep.tolerate = true;   /* errors.tolerance=all */
    trib_record_batch b;
    trib_record_batch_init(&b);
    ok(poll1(&t, &b, &err) == 0, "errors.tolerance=all: bad rows do not stop the file");
    is_int(b.n, 2, "the good rows are sent");
    is_int(t.rep.n, 3, "each bad row is reported to the dead letter queue");
    is_str(t.rep.line, "5", "the report names the line");
    is_str(t.rep.column, "4", "and the column");
    like(t.rep.reason, "2024-13-01", "and the reason with the text");
    like(t.rep.raw, "4,d,4,2024-13-01", "the raw row goes to the DLQ");
    if (b.n == 2) {
        is_int(json_integer_value(json_object_get(b.items[1]->source_offset, "rejected")), 3,
               "rejected rows are counted in the file's offset");
        is_int(json_integer_value(json_object_get(b.items[1]->source_offset, "rows")), 2, "as are the rows sent");
    }
    trib_record_batch_free(&b);
    stop(&t);

    /* errors.tolerance=none, halt.on.error=true */
    reset_dirs();
    write_file(in_dir, "bad.csv", data, strlen(data));
    WRITE(in_dir, "good.csv", "id,name,speed,day\n9,z,9,2024-01-01\n");
    p = base_props();
    start(&t, store, p, 0, 1, &err);
    trib_record_batch_init(&b);
    int rc = poll1(&t, &b, &err);
    ok(rc < 0 && err.code == TRIB_ERR_FATAL, "errors.tolerance=none with halt.on.error: the task fails");
    like(err.msg, "bad.csv line 3 column 3", "naming file, line and column");
    ok(exists(err_dir, "bad.csv") && !exists(in_dir, "bad.csv"), "the file moves to error.path");
    char *report = slurp(err_dir, "bad.csv.error.json");
    json_t *rj = report ? json_loads(report, 0, NULL) : NULL;
    ok(rj && json_integer_value(json_object_get(rj, "line")) == 3 && json_integer_value(json_object_get(rj, "column")) == 3,
       "a JSON report with line and column lies beside it");
    like(json_string_value(json_object_get(rj, "error")), "fast", "the report gives the reason");
    json_decref(rj);
    free(report);
    is_int(b.n, 0, "none of the failed file's rows are sent");
    rc = poll1(&t, &b, &err);
    ok(rc < 0, "a halted task stays failed");
    trib_record_batch_free(&b);
    stop(&t);

    /* halt.on.error=false: the next file is read */
    reset_dirs();
    write_file(in_dir, "bad.csv", data, strlen(data));
    WRITE(in_dir, "good.csv", "id,name,speed,day\n9,z,9,2024-01-01\n");
    p = base_props();
    trib_props_set(p, "halt.on.error", "false");
    start(&t, store, p, 0, 1, &err);
    trib_record_batch out;
    trib_record_batch_init(&out);
    drain(&t, store, &out, 3);
    ok(out.n == 1 && field(out.items[0], "id")->u.i == 9, "halt.on.error=false: the task goes on with the next file");
    ok(exists(err_dir, "bad.csv"), "the bad file is in error.path");
    trib_record_batch_free(&out);
    stop(&t);

    /* an unclosed quote at the end */
    reset_dirs();
    WRITE(in_dir, "q.csv", "id,name,speed,day\n1,\"open,1,2024-01-01\n");
    p = base_props();
    start(&t, store, p, 0, 1, &err);
    t.rep.tolerate = true;
    trib_record_batch_init(&out);
    drain(&t, store, &out, 2);
    ok(out.n == 0 && t.rep.n == 1, "an unclosed quote is a bad row");
    like(t.rep.reason, "not closed", "saying so");
    trib_record_batch_free(&out);
    stop(&t);

    /* an unclosed quote followed by 17 MiB: the row is bad once it passes
     * 16 MiB (libcsv would buffer the rest of the file), parsing goes on */
    reset_dirs();
    {
        trib_strbuf big;
        trib_strbuf_init(&big);
        trib_strbuf_puts(&big, "id,name,speed,day\n1,\"open,1,2024-01-01\n");
        while (big.len < (17u << 20)) trib_strbuf_puts(&big, "2,filler text of a line,1,2024-01-01\n");
        trib_strbuf_puts(&big, "3,last,3,2024-01-01\n");
        write_file(in_dir, "long.csv", big.data, big.len);
        trib_strbuf_free(&big);
    }
    p = base_props();
    trib_props_set(p, "batch.size", "100000");
    start(&t, store, p, 0, 1, &err);
    t.rep.tolerate = true;
    trib_record_batch_init(&out);
    drain(&t, store, &out, 6);
    ok(t.rep.n == 1 && !strcmp(t.rep.reason, "the row is longer than 16 MiB (an unclosed quote?)"),
       "a row longer than 16 MiB is one bad row");
    ok(out.n > 0 && field(out.items[out.n - 1], "id")->u.i == 3, "and the rows after it are read");
    trib_record_batch_free(&out);
    stop(&t);

    /* a stray quote mid-file: that row is bad, the next one is read */
    reset_dirs();
    WRITE(in_dir, "s.csv", "id,name,speed,day\n1,a\"b,1,2024-01-01\n2,ok,2,2024-01-01\n");
    p = base_props();
    start(&t, store, p, 0, 1, &err);
    t.rep.tolerate = true;
    trib_record_batch_init(&out);
    drain(&t, store, &out, 2);
    ok(out.n == 1 && field(out.items[0], "id")->u.i == 2 && t.rep.n == 1,
       "a stray quote makes its row bad and parsing goes on at the next line");
    is_str(t.rep.line, "2", "the bad row's line is reported");
    trib_record_batch_free(&out);
    stop(&t);
    trib_offset_store_destroy(store);
}

static void test_generation_and_timestamps(void) {
    reset_dirs();
    trib_offset_store *store = trib_offset_store_memory_new();
    WRITE(in_dir, "g.csv", "id,price,ok,at,label\n1,2.5,true,2024-01-01T00:00:00,x\n2,3,false,2024-01-02T00:00:00,y\n");
    trib_props *p = base_props();
    trib_props_remove(p, "value.schema");
    trib_props_set(p, "schema.generation.enabled", "true");
    trib_props_set(p, "schema.generation.key.fields", "id");
    trib_props_set(p, "timestamp.mode", "FIELD");
    trib_props_set(p, "timestamp.field", "at");
    task t;
    trib_error err;
    ok(start(&t, store, p, 0, 1, &err) == 0, "schema generation starts on an empty... or any directory");
    trib_record_batch out;
    trib_record_batch_init(&out);
    drain(&t, store, &out, 1);
    if (out.n == 2) {
        const trib_schema *s = out.items[0]->value_schema;
        ok(s->fields[0].schema->type == TRIB_INT64 && s->fields[1].schema->type == TRIB_FLOAT64 &&
               s->fields[2].schema->type == TRIB_BOOLEAN && trib_schema_is_logical(s->fields[3].schema, TRIB_LOGICAL_TIMESTAMP) &&
               s->fields[4].schema->type == TRIB_STRING,
           "schema.generation.enabled infers int64, float64, boolean, timestamp and string");
        ok(out.items[0]->key && trib_value_struct_get(out.items[0]->key, "id")->u.i == 1,
           "schema.generation.key.fields makes the key");
        ok(out.items[1]->timestamp == 1704153600000LL, "timestamp.mode=FIELD stamps records from timestamp.field");
    } else {
        ok(0, "two generated rows (got %zu)", out.n);
    }
    trib_record_batch_free(&out);
    stop(&t);

    reset_dirs();
    WRITE(in_dir, "f.csv", "id,name,speed,day\n1,a,1,2024-01-01\n");
    char path[300];
    snprintf(path, sizeof path, "%s/f.csv", in_dir);
    struct timeval tv[2] = {{1600000000, 0}, {1600000000, 0}};
    utimes(path, tv);
    p = base_props();
    trib_props_set(p, "timestamp.mode", "FILE_TIME");
    start(&t, store, p, 0, 1, &err);
    trib_record_batch_init(&out);
    drain(&t, store, &out, 1);
    ok(out.n == 1 && out.items[0]->timestamp == 1600000000000LL, "timestamp.mode=FILE_TIME stamps the file's mtime");
    trib_record_batch_free(&out);
    stop(&t);

    reset_dirs();
    p = base_props();
    ok(start(&t, store, p, 0, 1, &err) == 0, "an empty input directory at start is not an error");
    trib_record_batch_init(&out);
    drain(&t, store, &out, 2);
    is_int(out.n, 0, "and polls return nothing");
    WRITE(in_dir, "late.csv", "id,name,speed,day\n1,a,1,2024-01-01\n");
    drain(&t, store, &out, 2);
    is_int(out.n, 1, "a file that arrives later is read");
    trib_record_batch_free(&out);
    stop(&t);
    trib_offset_store_destroy(store);
}

static void test_selection(void) {
    reset_dirs();
    trib_offset_store *store = trib_offset_store_memory_new();
    WRITE(in_dir, "keep.csv", "id,name,speed,day\n1,a,1,2024-01-01\n");
    WRITE(in_dir, "skip.txt", "id,name,speed,day\n2,a,1,2024-01-01\n");
    WRITE(in_dir, ".hidden.csv", "id,name,speed,day\n3,a,1,2024-01-01\n");
    char target[300], slink[300];
    snprintf(target, sizeof target, "%s/keep.csv", in_dir);
    snprintf(slink, sizeof slink, "%s/link.csv", in_dir);
    ok(symlink("/etc/passwd", slink) == 0, "a symlink in input.path");
    char outside[300], hard[300];
    snprintf(outside, sizeof outside, "%s/outside.csv", root);
    snprintf(hard, sizeof hard, "%s/hard.csv", in_dir);
    write_file(root, "outside.csv", "id,name,speed,day\n99,secret,1,2024-01-01\n", 41);
    ok(link(outside, hard) == 0, "a hard link in input.path to a file outside it");
    trib_props *p = base_props();
    trib_props_set(p, "input.file.pattern", ".*\\.csv");
    task t;
    trib_error err;
    start(&t, store, p, 0, 1, &err);
    t.rep.tolerate = true;
    trib_record_batch out;
    trib_record_batch_init(&out);
    drain(&t, store, &out, 4);
    ok(out.n == 1 && field(out.items[0], "id")->u.i == 1,
       "only visible regular files matching input.file.pattern are read (no symlink, hard link or hidden file)");
    ok(exists(in_dir, "link.csv") && exists(in_dir, "skip.txt"), "others are left alone");
    unlink(outside);
    trib_record_batch_free(&out);
    stop(&t);

    /* input.file.pattern is a Java regex, as in spooldir */
    reset_dirs();
    WRITE(in_dir, "data-07.csv", "id,name,speed,day\n7,a,1,2024-01-01\n");
    WRITE(in_dir, "data-7.csv", "id,name,speed,day\n8,a,1,2024-01-01\n");
    WRITE(in_dir, "data-07.csv.bak", "id,name,speed,day\n9,a,1,2024-01-01\n");
    WRITE(in_dir, "v1.0+final.csv", "id,name,speed,day\n10,a,1,2024-01-01\n");
    p = base_props();
    trib_props_set(p, "input.file.pattern", "^data-\\d{2}\\.csv$|\\Qv1.0+\\E\\w+\\.csv");
    start(&t, store, p, 0, 1, &err);
    trib_record_batch_init(&out);
    drain(&t, store, &out, 6);
    int64_t got = 0;
    for (size_t i = 0; i < out.n; i++) got += field(out.items[i], "id")->u.i;
    ok(out.n == 2 && got == 17,
       "input.file.pattern is a Java regex matched against the whole name (^ $ \\d {n} \\Q..\\E \\w)");
    ok(exists(in_dir, "data-7.csv") && exists(in_dir, "data-07.csv.bak"), "names it does not match are left alone");
    trib_record_batch_free(&out);
    stop(&t);

    reset_dirs();
    WRITE(in_dir, "young.csv", "id,name,speed,day\n1,a,1,2024-01-01\n");
    p = base_props();
    trib_props_set(p, "file.minimum.age.ms", "600000");
    start(&t, store, p, 0, 1, &err);
    trib_record_batch_init(&out);
    drain(&t, store, &out, 2);
    is_int(out.n, 0, "file.minimum.age.ms: a file modified just now waits");
    trib_record_batch_free(&out);
    stop(&t);

    /* four tasks on one directory: every file read by exactly one */
    reset_dirs();
    for (int i = 0; i < 20; i++) {
        char name[32], body[128];
        snprintf(name, sizeof name, "f%02d.csv", i);
        snprintf(body, sizeof body, "id,name,speed,day\n%d,a,1,2024-01-01\n", i);
        write_file(in_dir, name, body, strlen(body));
    }
    int seen[20] = {0};
    int per_task[4] = {0};
    task ts[4];
    for (int k = 0; k < 4; k++) start(&ts[k], store, base_props(), k, 4, &err);
    for (int round = 0; round < 25; round++)
        for (int k = 0; k < 4; k++) {
            trib_record_batch_init(&out);
            drain(&ts[k], store, &out, 1);
            for (size_t i = 0; i < out.n; i++) {
                int id = (int)field(out.items[i], "id")->u.i;
                if (id >= 0 && id < 20) seen[id]++;
                per_task[k]++;
            }
            trib_record_batch_free(&out);
        }
    int once = 0;
    for (int i = 0; i < 20; i++) once += seen[i] == 1;
    is_int(once, 20, "with four tasks on one directory every file is read exactly once");
    ok(per_task[0] && per_task[1] && per_task[2] && per_task[3], "and the files spread over the tasks");
    for (int k = 0; k < 4; k++) stop(&ts[k]);
    trib_offset_store_destroy(store);
}

/* Every key is validated; bad values fail with the key named. */
static void test_config(void) {
    struct { const char *key, *value, *needle; } bad[] = {
        {"cleanup.policy", "SHRED", "cleanup.policy"},
        {"finished.path", "", "finished.path"},
        {"input.file.pattern", "([", "input.file.pattern"},
        {"input.file.pattern", "(?<!tmp)\\.csv", "lookbehind"},
        {"csv.escape.char", "92", "csv.escape.char"},
        {"csv.escape.char", "92", "backslash escape is refused"},
        {"csv.file.charset", "ISO-8859-1", "UTF-8"},
        {"csv.separator.char", "10", "csv.separator.char"},
        {"csv.null.field.indicator", "SOMETIMES", "csv.null.field.indicator"},
        {"timestamp.mode", "FIELD", "timestamp.field"},
        {"parser.timestamp.timezone", "Mars/Olympus", "parser.timestamp.timezone"},
        {"parser.timestamp.date.formats", "yyyy-QQ", "parser.timestamp.date.formats"},
        {"value.schema", "{\"type\":\"record\"}", "value.schema"},
        {"key.schema", "nope", "key.schema"},
        {"schema.generation.key.fields", "missing", "schema.generation.key.fields"},
        {"batch.size", "0", "batch.size"},
        {"empty.poll.wait.ms", "-1", "empty.poll.wait.ms"},
        {"file.minimum.age.ms", "-5", "file.minimum.age.ms"},
        {"csv.skip.lines", "-1", "csv.skip.lines"},
        {"halt.on.error", "maybe", "halt.on.error"},
        {"csv.first.row.as.header", "perhaps", "csv.first.row.as.header"},
        {"schema.generation.enabled", "sure", "schema.generation.enabled"},
        {"csv.quote.char", "0", "csv.quote.char"},
        {"topic", "a,b", "single topic"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        trib_props *p = base_props();
        trib_props_set(p, bad[i].key, bad[i].value);
        trib_config_report *r = trib_config_report_new();
        trib_config_report_add(r, plugin()->config, p, "");
        plugin()->validate(p, r);
        char *sum = trib_config_report_summary(r);
        ok(trib_config_report_error_count(r) > 0, "%s=%s is refused", bad[i].key, bad[i].value);
        like(sum, bad[i].needle, "naming %s", bad[i].needle);
        free(sum);
        trib_config_report_destroy(r);
        trib_props_destroy(p);
    }
    trib_props *p = base_props();
    trib_props_remove(p, "value.schema");
    trib_config_report *r = trib_config_report_new();
    plugin()->validate(p, r);
    ok(trib_config_report_error_count(r) == 1, "value.schema is required without schema generation");
    trib_config_report_destroy(r);
    trib_props_destroy(p);

    p = base_props();
    trib_props_set(p, "input.path", "/nonexistent/spool");
    task t;
    trib_error err;
    trib_offset_store *store = trib_offset_store_memory_new();
    ok(start(&t, store, p, 0, 1, &err) < 0 && err.code == TRIB_ERR_RETRIABLE,
       "a missing input.path fails start retriably (a volume may still be mounting)");
    like(err.msg, "input.path", "naming the key");
    trib_offset_store_destroy(store);
    ok(trib_connector_find("com.github.jcustenborder.kafka.connect.spooldir.SpoolDirCsvSourceConnector") == plugin(),
       "spooldir's class name finds the connector");
}

static trib_props *plain_props(void) {
    trib_props *p = trib_props_new();
    trib_props_set(p, "topic", "t");
    trib_props_set(p, "input.path", in_dir);
    trib_props_set(p, "finished.path", fin_dir);
    trib_props_set(p, "error.path", err_dir);
    trib_props_set(p, "empty.poll.wait.ms", "0");
    return p;
}

static void test_json(void) {
    cur_plugin = "com.github.jcustenborder.kafka.connect.spooldir.SpoolDirJsonSourceConnector";
    ok(plugin() != NULL, "SpoolDirJsonSourceConnector is in the catalog");
    reset_dirs();
    trib_offset_store *store = trib_offset_store_memory_new();
    WRITE(in_dir, "j.json",
          "\xEF\xBB\xBF{\"id\": 1, \"name\": \"a\", \"speed\": 1.5, \"day\": \"2024-01-01\"}\n"
          "{\"id\": \"2\", \"speed\": 2, \"day\": \"2024-01-02\"}{\"id\": 3, \"name\": \"c\", \"speed\": 3, \"day\": \"2024-01-03\"}\n"
          "{\n  \"id\": 4,\n  \"name\": \"multi\\nline\",\n  \"speed\": 4,\n  \"day\": \"2024-01-04\"\n}\n"
          "{\"id\": 5, \"speed\": \"fast\", \"day\": \"2024-01-05\"}\n"
          "{not json}\n"
          "[1, 2]\n"
          "{\"id\": 6, \"name\": {\"x\": 1}, \"speed\": 6, \"day\": \"2024-01-06\"}\n"
          "{\"id\": 7, \"speed\": 7, \"day\": \"2024-01-07\"}");
    trib_props *p = base_props();
    trib_props_remove(p, "csv.first.row.as.header");
    trib_props_set(p, "batch.size", "2");
    task t;
    trib_error err;
    ok(start(&t, store, p, 0, 1, &err) == 0, "a JSON task starts");
    t.rep.tolerate = true;
    trib_record_batch b;
    trib_record_batch_init(&b);
    poll1(&t, &b, &err);
    commit_from(&t, store, &b, 0);   /* objects 1 and 2 delivered, then a crash */
    trib_record_batch_free(&b);
    stop(&t);
    p = base_props();
    trib_props_set(p, "batch.size", "2");
    start(&t, store, p, 0, 1, &err);
    t.rep.tolerate = true;
    trib_record_batch out;
    trib_record_batch_init(&out);
    drain(&t, store, &out, 8);
    is_int(out.n, 3, "after a restart the rest of the objects come, once (3, 4 and 7; four are bad)");
    if (out.n == 3) {
        is_int(field(out.items[0], "id")->u.i, 3, "it resumes after the last committed object (concatenated on one line)");
        is_str(sfield(out.items[1], "name"), "multi\nline", "a pretty-printed object spanning lines is one record");
        char *line = header_of(out.items[1], "file.offset");
        is_str(line, "3", "its line is where it starts");
        free(line);
        is_int(field(out.items[2], "id")->u.i, 7, "a last object without a line break is read");
        is_int(field(out.items[0], "day")->u.i, 19725, "a date string is typed as a Date");
    }
    is_int(t.rep.n, 4, "a wrong type, invalid JSON, a non-object and a nested value are each a bad row");
    ok(exists(fin_dir, "j.json"), "the file finishes after its last commit");
    trib_record_batch_free(&out);
    stop(&t);

    reset_dirs();
    WRITE(in_dir, "g.json", "{\"n\": 1, \"x\": 1.5, \"ok\": true, \"s\": \"a\"}\n{\"n\": 2, \"x\": 2, \"ok\": false, \"s\": \"b\", \"late\": 9}\n");
    p = plain_props();
    trib_props_set(p, "schema.generation.enabled", "true");
    start(&t, store, p, 0, 1, &err);
    trib_record_batch_init(&out);
    drain(&t, store, &out, 2);
    if (out.n == 2) {
        const trib_schema *s = out.items[0]->value_schema;
        ok(s->nfields == 5 && s->fields[0].schema->type == TRIB_INT64 && s->fields[1].schema->type == TRIB_FLOAT64 &&
               s->fields[2].schema->type == TRIB_BOOLEAN && s->fields[3].schema->type == TRIB_STRING,
           "JSON schema generation infers member types (members in first-seen order)");
        ok(field(out.items[0], "late") == NULL && field(out.items[1], "late")->u.i == 9, "a member missing from an object is null");
    } else {
        ok(0, "two generated JSON records (got %zu)", out.n);
        ok(0, "two generated JSON records");
    }
    trib_record_batch_free(&out);
    stop(&t);
    trib_offset_store_destroy(store);
}

static void test_schemaless_and_lines(void) {
    cur_plugin = "SpoolDirSchemaLessJsonSource";
    reset_dirs();
    trib_offset_store *store = trib_offset_store_memory_new();
    WRITE(in_dir, "s.json", "{\"a\": [1, {\"b\": null}]}\n42 \"str\"\n");
    task t;
    trib_error err;
    ok(start(&t, store, plain_props(), 0, 1, &err) == 0, "SpoolDirSchemaLessJsonSource starts without a schema");
    trib_record_batch out;
    trib_record_batch_init(&out);
    drain(&t, store, &out, 2);
    ok(out.n == 3 && !strcmp(out.items[0]->value->u.str.data, "{\"a\":[1,{\"b\":null}]}") &&
           !strcmp(out.items[1]->value->u.str.data, "42") && !strcmp(out.items[2]->value->u.str.data, "\"str\""),
       "each JSON value is published as its compact JSON text");
    ok(out.n > 0 && out.items[0]->value_schema->type == TRIB_STRING, "with a STRING schema");
    trib_record_batch_free(&out);
    stop(&t);

    cur_plugin = "com.github.jcustenborder.kafka.connect.spooldir.SpoolDirLineDelimitedSourceConnector";
    reset_dirs();
    WRITE(in_dir, "l.txt", "\xEF\xBB\xBF" "first\r\n\nthird\nbad\xff" "\nlast");
    trib_props *p = plain_props();
    trib_props_set(p, "batch.size", "2");
    start(&t, store, p, 0, 1, &err);
    t.rep.tolerate = true;
    trib_record_batch b;
    trib_record_batch_init(&b);
    poll1(&t, &b, &err);
    commit_from(&t, store, &b, 0);
    trib_record_batch_free(&b);
    stop(&t);   /* a crash after the first two lines */
    p = plain_props();
    start(&t, store, p, 0, 1, &err);
    t.rep.tolerate = true;
    trib_record_batch_init(&out);
    drain(&t, store, &out, 3);
    ok(out.n == 2 && !strcmp(out.items[0]->value->u.str.data, "third") && !strcmp(out.items[1]->value->u.str.data, "last"),
       "SpoolDirLineDelimitedSource resumes after the committed lines; the last line needs no line break");
    ok(t.rep.n == 1 && !strcmp(t.rep.line, "4"), "a line that is not UTF-8 is a bad row with its line number");
    ok(exists(fin_dir, "l.txt"), "the text file finishes after commit");
    trib_record_batch_free(&out);
    stop(&t);

    reset_dirs();
    WRITE(in_dir, "l2.txt", "\xEF\xBB\xBF" "a\r\n\nb\n");
    start(&t, store, plain_props(), 0, 1, &err);
    trib_record_batch_init(&out);
    drain(&t, store, &out, 2);
    ok(out.n == 3 && !strcmp(out.items[0]->value->u.str.data, "a") && out.items[1]->value->u.str.len == 0,
       "the BOM and CR are dropped; an empty line is an empty record");
    trib_record_batch_free(&out);
    stop(&t);
    trib_offset_store_destroy(store);
}

/* Random bytes (quotes, separators, line breaks, NULs, invalid UTF-8
 * weighted in) through every format with errors.tolerance=all: every poll
 * succeeds and every file finishes (ASan checks the memory). */
static void test_garbage(void) {
    const char *plugins[] = {"SpoolDirCsvSource", "SpoolDirJsonSource", "SpoolDirSchemaLessJsonSource",
                             "SpoolDirLineDelimitedSource"};
    static const char alphabet[] = "\"\",,,\n\r{}[]:1a \xff\xc3\x00'";
    unsigned seed = 12345;
    for (size_t k = 0; k < sizeof plugins / sizeof *plugins; k++) {
        cur_plugin = plugins[k];
        reset_dirs();
        trib_offset_store *store = trib_offset_store_memory_new();
        for (int f = 0; f < 4; f++) {
            char name[32], buf[20000];
            size_t n = 1000 + (size_t)(rand_r(&seed) % 19000);
            for (size_t i = 0; i < n; i++) {
                int r = rand_r(&seed);
                buf[i] = r % 3 ? alphabet[(unsigned)r % (sizeof alphabet - 1)] : (char)(r >> 8);
            }
            snprintf(name, sizeof name, "g%d.csv", f);
            write_file(in_dir, name, buf, n);
        }
        trib_props *p = k < 2 ? base_props() : plain_props();
        trib_props_set(p, "errors.tolerance", "all");
        task t;
        trib_error err;
        ok(start(&t, store, p, 0, 1, &err) == 0, "%s starts over random files", plugins[k]);
        t.rep.tolerate = true;
        int failed = 0;
        for (int i = 0; i < 40; i++) {
            trib_record_batch b;
            trib_record_batch_init(&b);
            if (poll1(&t, &b, &err) < 0) failed++;
            commit_from(&t, store, &b, 0);
            trib_record_batch_free(&b);
        }
        is_int(failed, 0, "%s: every poll over random bytes succeeds", plugins[k]);
        int finished = 0;
        for (int f = 0; f < 4; f++) {
            char name[32];
            snprintf(name, sizeof name, "g%d.csv", f);
            finished += exists(fin_dir, name) || (exists(err_dir, name) && k == 0);
        }
        is_int(finished, 4, "%s: every random file finishes (a CSV whose header is broken goes to error.path)",
               plugins[k]);
        stop(&t);
        trib_offset_store_destroy(store);
    }
}

/* The record of file `name` in the status store, or NULL (a copy). */
static json_t *status_of(trib_file_status *fs, const char *name) {
    json_t *list = trib_file_status_list(fs, "spool"), *found = NULL, *r;
    size_t i;
    json_array_foreach(list, i, r)
        if (!found && !strcmp(json_string_value(json_object_get(r, "name")), name)) found = json_incref(r);
    json_decref(list);
    return found;
}

static const char *state_of(trib_file_status *fs, const char *name, char *buf, size_t cap) {
    json_t *r = status_of(fs, name);
    snprintf(buf, cap, "%s", r ? json_string_value(json_object_get(r, "state")) : "(none)");
    json_decref(r);
    return buf;
}

static int64_t num_of(trib_file_status *fs, const char *name, const char *key) {
    json_t *r = status_of(fs, name);
    int64_t v = r ? json_integer_value(json_object_get(r, key)) : -1;
    json_decref(r);
    return v;
}

/* The task writes each file's status as the file moves. */
static void test_file_status(void) {
    cur_plugin = "SpoolDirCsvSource";
    reset_dirs();
    char spath[300], buf[64];
    snprintf(spath, sizeof spath, "%s/files.json", root);
    trib_error err;
    trib_file_status *fs = trib_file_status_open_file(spath, "w", 100, &err);
    trib_offset_store *store = trib_offset_store_memory_new();
    WRITE(in_dir, "a.csv", "id,name,speed,day\n1,a,1,2024-01-01\n2,b,fast,2024-01-01\n3,c,3,2024-01-01\n"
                           "4,d,4,2024-01-01\n5,e,5,2024-01-01\n6,f,6,2024-01-01\n");
    WRITE(in_dir, "b.csv", "id,name,speed,day\n4,a,1,2024-01-01\n");
    trib_props *p = base_props();
    trib_props_set(p, "batch.size", "1");
    task t;
    start(&t, store, p, 0, 1, &err);
    t.rep.tolerate = true;
    trib_source_task_context_set_file_status(t.tctx, fs);
    trib_record_batch b;
    trib_record_batch_init(&b);
    poll1(&t, &b, &err);
    is_str(state_of(fs, "a.csv", buf, sizeof buf), "PROCESSING", "the file being read is PROCESSING");
    is_str(state_of(fs, "b.csv", buf, sizeof buf), "QUEUED", "a ready file waiting behind it is QUEUED");
    poll1(&t, &b, &err);
    is_int(num_of(fs, "a.csv", "rows"), 0, "progress is written at most once a second");
    trib_sleep_ms(1100);
    poll1(&t, &b, &err);
    ok(num_of(fs, "a.csv", "rows") >= 1 && num_of(fs, "a.csv", "bytes_done") > 0,
       "a second later the progress has rows and bytes");
    commit_from(&t, store, &b, 0);
    trib_record_batch_free(&b);
    trib_record_batch out;
    trib_record_batch_init(&out);
    drain(&t, store, &out, 10);
    trib_record_batch_free(&out);
    json_t *a = status_of(fs, "a.csv");
    is_str(json_string_value(json_object_get(a, "state")), "FINISHED", "once its eof offset is committed it is FINISHED");
    ok(json_integer_value(json_object_get(a, "rows")) == 5 && json_integer_value(json_object_get(a, "rejected")) == 1,
       "with its rows and rejected rows");
    is_int(json_integer_value(json_object_get(json_array_get(json_object_get(a, "errors"), 0), "line")), 3,
           "and the rejected row's line");
    ok(json_integer_value(json_object_get(a, "finished_at")) >= json_integer_value(json_object_get(a, "started")) &&
           json_integer_value(json_object_get(a, "started")) > 0,
       "and its start and finish times");
    json_decref(a);
    is_str(state_of(fs, "b.csv", buf, sizeof buf), "FINISHED", "the queued file follows");
    ok(!exists(in_dir, "a.csv") && exists(fin_dir, "a.csv"), "the files are cleaned up as before");
    stop(&t);

    /* errors.tolerance=none, halt.on.error=false: FAILED with the reason */
    WRITE(in_dir, "c.csv", "id,name,speed,day\n1,a,1,2024-01-01\n2,b,slow,2024-01-01\n");
    p = base_props();
    trib_props_set(p, "halt.on.error", "false");
    start(&t, store, p, 0, 1, &err);
    trib_source_task_context_set_file_status(t.tctx, fs);
    trib_record_batch_init(&out);
    drain(&t, store, &out, 3);
    trib_record_batch_free(&out);
    json_t *c = status_of(fs, "c.csv");
    is_str(json_string_value(json_object_get(c, "state")), "FAILED", "a file that goes to error.path is FAILED");
    like(json_string_value(json_object_get(c, "reason")), "line 3", "with the reason naming the line");
    is_int(json_integer_value(json_object_get(json_array_get(json_object_get(c, "errors"), 0), "column")), 3,
           "and the failing row's column in its errors");
    json_decref(c);
    stop(&t);
    trib_file_status_destroy(fs);

    fs = trib_file_status_open_file(spath, "w", 100, &err);
    is_str(state_of(fs, "a.csv", buf, sizeof buf), "FINISHED", "the statuses are in the store, not the directories");
    trib_file_status_destroy(fs);
    unlink(spath);
    trib_offset_store_destroy(store);
}

int main(void) {
    snprintf(root, sizeof root, "/tmp/trib-spool-XXXXXX");
    if (!mkdtemp(root)) BAIL_OUT("mkdtemp");
    snprintf(in_dir, sizeof in_dir, "%s/in", root);
    snprintf(fin_dir, sizeof fin_dir, "%s/finished", root);
    snprintf(err_dir, sizeof err_dir, "%s/error", root);
    mkdir(in_dir, 0700);
    mkdir(fin_dir, 0700);
    mkdir(err_dir, 0700);
    test_typed_rows_and_cleanup_after_commit();
    test_csv_edge_cases();
    test_resume_after_crash();
    test_reused_name_and_policies();
    test_bad_rows();
    test_generation_and_timestamps();
    test_selection();
    test_config();
    test_json();
    test_schemaless_and_lines();
    test_garbage();
    test_file_status();
    clean_dir(root);
    rmdir(root);
    (void)plan;   /* the plan is printed at the end */
    done_testing();
    return exit_status();
}
