/*
 * test_file_connectors.c: FileStreamSource and FileStreamSink behave as
 * Kafka Connect's: line splitting (\n, \r\n, \r), partial lines, offsets
 * shaped {"filename"}/{"position"}, resume without repeats, tail -f, and
 * byte-exact sink output with Java String.valueOf text.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/time.h"
#include "common/util.h"
#include "connectors/file/value_text.h"
#include "tests/tap.h"
#include "worker/connector.h"
#include "worker/task_context.h"

static char dir[64];

static const trib_connector_plugin *source_plugin(void) {
    return trib_connector_find("FileStreamSource");
}
static const trib_connector_plugin *sink_plugin(void) {
    return trib_connector_find("FileStreamSink");
}

static void append_file(const char *path, const char *data) {
    FILE *f = fopen(path, "ab");
    fwrite(data, 1, strlen(data), f);
    fclose(f);
}

static trib_props *source_props(const char *file, const char *batch) {
    trib_props *p = trib_props_new();
    if (file) trib_props_set(p, "file", file);
    trib_props_set(p, "topic", "lines");
    if (batch) trib_props_set(p, "batch.size", batch);
    return p;
}

/* A running source task. */
typedef struct {
    trib_source_task_context *tctx;
    void *ctx;
} src_task;

static int src_start(src_task *t, trib_offset_store *store, trib_props *props, trib_error *err) {
    t->tctx = trib_source_task_context_new("file-src", 0, store);
    t->ctx = NULL;
    int rc = source_plugin()->source->start(props, t->tctx, &t->ctx, err);
    trib_props_destroy(props);
    if (rc != 0) {
        trib_source_task_context_destroy(t->tctx);
        t->tctx = NULL;
    }
    return rc;
}

static void src_stop(src_task *t) {
    if (t->ctx) source_plugin()->source->stop(t->ctx);
    trib_source_task_context_destroy(t->tctx);
}

static void poll_once(src_task *t, trib_record_batch *b) {
    trib_error err = {0};
    trib_record_batch_clear(b);
    if (source_plugin()->source->poll(t->ctx, b, &err) != 0) diag("poll failed: %s", err.msg);
}

static const char *val(const trib_record_batch *b, size_t i) {
    return i < b->n && b->items[i]->value ? b->items[i]->value->u.str.data : NULL;
}

static long long pos_of(const trib_record *r) {
    json_t *p = r->source_offset ? json_object_get(r->source_offset, "position") : NULL;
    return json_is_integer(p) ? (long long)json_integer_value(p) : -1;
}

/* Commits the offset of a record as the runtime would after delivery. */
static void commit(trib_offset_store *store, const trib_record *r) {
    trib_offset_store_put(store, "file-src", r->source_partition, r->source_offset);
    trib_offset_store_flush(store, NULL);
}

static void test_source_pieces(void) {
    char path[128];
    snprintf(path, sizeof path, "%s/in.txt", dir);
    append_file(path, "alpha\nbra");
    trib_offset_store *store = trib_offset_store_memory_new();
    src_task t;
    trib_error err = {0};
    ok(src_start(&t, store, source_props(path, NULL), &err) == 0, "source starts on an existing file");
    trib_record_batch b;
    trib_record_batch_init(&b);

    poll_once(&t, &b);
    is_int(b.n, 1, "only the complete line is emitted, the partial one waits");
    is_str(val(&b, 0), "alpha", "the line's value has no terminator");
    is_int(pos_of(b.items[0]), 6, "the offset position is the byte offset after the line");
    const trib_record *r = b.items[0];
    is_str(r->topic, "lines", "the record goes to the configured topic");
    ok(r->key == NULL && r->key_schema == NULL, "the key is null");
    ok(r->value_schema && r->value_schema->type == TRIB_STRING && !r->value_schema->optional,
       "the value schema is Connect's Schema.STRING_SCHEMA");
    char *pj = json_dumps(r->source_partition, JSON_COMPACT | JSON_SORT_KEYS);
    char *want = trib_xasprintf("{\"filename\":\"%s\"}", path);
    is_str(pj, want, "the source partition is {\"filename\": <file>}");
    free(pj);
    free(want);
    ok(json_object_size(r->source_offset) == 1, "the source offset has only \"position\"");
    ok(r->timestamp > 0, "the record carries a timestamp");

    append_file(path, "vo\r\ncharlie\r");
    poll_once(&t, &b);
    is_int(b.n, 1, "a CRLF line completes the partial line; a trailing CR waits for the next byte");
    is_str(val(&b, 0), "bravo", "the partial line is joined with its continuation");
    is_int(pos_of(b.items[0]), 13, "CRLF counts two bytes in the position");

    append_file(path, "delta\necho");
    poll_once(&t, &b);
    is_int(b.n, 2, "a lone CR ends a line once the next byte is known");
    is_str(val(&b, 0), "charlie", "CR-terminated line");
    ok(!b.items[0]->source_partition && !b.items[0]->source_offset,
       "only the last record of a poll carries the partition and offset");
    is_str(val(&b, 1), "delta", "LF-terminated line after a CR line");
    is_int(pos_of(b.items[1]), 27, "position after delta (a lone CR before it counted one byte)");
    commit(store, b.items[1]);

    int64_t t0 = trib_mono_ms();
    poll_once(&t, &b);
    int64_t waited = trib_mono_ms() - t0;
    is_int(b.n, 0, "at end of file with a partial line, poll returns nothing");
    ok(waited >= 50 && waited < 1000, "an empty poll waits briefly instead of spinning (%lld ms)", (long long)waited);

    append_file(path, "\n\nfox\n");
    poll_once(&t, &b);
    is_int(b.n, 3, "appended data is picked up (tail -f), empty lines included");
    is_str(val(&b, 0), "echo", "the line completed after waiting");
    is_str(val(&b, 1), "", "an empty line is an empty string");
    is_int(pos_of(b.items[2]), 37, "position after fox");
    src_stop(&t);

    /* Restart: resume from the committed offset (after delta). */
    ok(src_start(&t, store, source_props(path, NULL), &err) == 0, "source restarts");
    poll_once(&t, &b);
    is_int(b.n, 3, "after a restart only the lines after the committed offset are read");
    is_str(val(&b, 0), "echo", "no repeats: reading resumes at the first uncommitted line");
    is_int(pos_of(b.items[2]), 37, "positions continue from the stored offset");
    src_stop(&t);

    trib_record_batch_free(&b);
    trib_offset_store_destroy(store);
}

static void test_source_stored_offset_from_connect(void) {
    char path[128];
    snprintf(path, sizeof path, "%s/connect.txt", dir);
    append_file(path, "one\ntwo\nthree\n");
    trib_offset_store *store = trib_offset_store_memory_new();
    /* The shape Connect itself writes: ["conn",{"filename":...}] -> {"position":4} */
    json_t *part = json_pack("{s:s}", "filename", path);
    json_t *off = json_pack("{s:i}", "position", 4);
    trib_offset_store_put(store, "file-src", part, off);
    trib_offset_store_flush(store, NULL);
    src_task t;
    trib_error err = {0};
    ok(src_start(&t, store, source_props(path, NULL), &err) == 0, "source starts with a stored offset");
    trib_record_batch b;
    trib_record_batch_init(&b);
    poll_once(&t, &b);
    is_int(b.n, 2, "a Connect-shaped stored offset skips the lines before it");
    is_str(val(&b, 0), "two", "reading starts at the stored position");
    src_stop(&t);

    /* A position that is not an integer is refused, as Connect does. */
    json_decref(off);
    off = json_pack("{s:s}", "position", "4");
    trib_offset_store_put(store, "file-src", part, off);
    trib_offset_store_flush(store, NULL);
    ok(src_start(&t, store, source_props(path, NULL), &err) == 0, "source starts (the offset is read on first poll)");
    trib_error perr = {0};
    trib_record_batch_clear(&b);
    int rc = source_plugin()->source->poll(t.ctx, &b, &perr);
    ok(rc == -1, "a non-integer stored position fails the poll");
    like(perr.msg, "incorrect type", "the error says the offset position has the wrong type");
    src_stop(&t);

    json_decref(part);
    json_decref(off);
    trib_record_batch_free(&b);
    trib_offset_store_destroy(store);
}

static void test_source_missing_file_and_batches(void) {
    char path[128];
    snprintf(path, sizeof path, "%s/later.txt", dir);
    trib_offset_store *store = trib_offset_store_memory_new();
    src_task t;
    trib_error err = {0};
    ok(src_start(&t, store, source_props(path, "2"), &err) == 0, "source starts although the file is missing");
    trib_record_batch b;
    trib_record_batch_init(&b);
    poll_once(&t, &b);
    is_int(b.n, 0, "a missing file is waited for");
    append_file(path, "a\nb\nc\nd\ne\n");
    poll_once(&t, &b);
    is_int(b.n, 2, "once the file appears it is read; batch.size bounds the records per poll");
    poll_once(&t, &b);
    is_int(b.n, 2, "the second batch comes from the buffered lines");
    poll_once(&t, &b);
    is_int(b.n, 1, "lines buffered past a full batch are returned at end of file");
    is_str(val(&b, 0), "e", "the last line");
    is_int(pos_of(b.items[0]), 10, "positions stay exact across batches");

    /* stopping cuts the wait short */
    trib_source_task_context_set_stopping(t.tctx, true);
    int64_t t0 = trib_mono_ms();
    poll_once(&t, &b);
    ok(trib_mono_ms() - t0 < 100, "a stopping task does not wait");
    src_stop(&t);
    trib_record_batch_free(&b);
    trib_offset_store_destroy(store);
}

static void test_source_utf8(void) {
    char path[128];
    snprintf(path, sizeof path, "%s/utf8.txt", dir);
    append_file(path, "caf\xC3\xA9\nbad\xFFx\n");
    trib_offset_store *store = trib_offset_store_memory_new();
    src_task t;
    trib_error err = {0};
    src_start(&t, store, source_props(path, NULL), &err);
    trib_record_batch b;
    trib_record_batch_init(&b);
    poll_once(&t, &b);
    is_int(b.n, 2, "two UTF-8 lines");
    is_str(val(&b, 0), "caf\xC3\xA9", "valid UTF-8 passes unchanged");
    is_str(val(&b, 1), "bad\xEF\xBF\xBDx", "an invalid byte becomes U+FFFD, as Java's decoder does");
    is_int(pos_of(b.items[1]), 12, "positions count bytes, not characters");
    /* Long lines are checked eight ASCII bytes at a time: multi-byte
     * characters and bad bytes anywhere, across those 8-byte steps. */
    append_file(path, "0123456789abcde\xC3\xA9" "fghijklmnop\xE2\x82\xAC\xF0\x9F\x98\x80\n"
                      "0123456789abcdefghijklmnopqrstu\xFF\n"
                      "0123456\xC0\xAF" "89abcdef\xED\xA0\x80zz\xE2\x82\n"
                      "\xF4\x90\x80\x80" "abcdefgh\xC3\n");
    poll_once(&t, &b);
    is_int(b.n, 4, "four more lines");
    is_str(val(&b, 0), "0123456789abcde\xC3\xA9" "fghijklmnop\xE2\x82\xAC\xF0\x9F\x98\x80",
           "two-, three- and four-byte characters in a long line pass unchanged");
    is_str(val(&b, 1), "0123456789abcdefghijklmnopqrstu\xEF\xBF\xBD", "a bad byte after 31 ASCII bytes is replaced");
    /* Expected strings are what Java 17's InputStreamReader + readLine()
     * (Connect's FileStreamSource) gives for the same bytes. */
    is_str(val(&b, 2),
           "0123456\xEF\xBF\xBD\xEF\xBF\xBD" "89abcdef\xEF\xBF\xBDzz\xEF\xBF\xBD",
           "an overlong form is two U+FFFD, a surrogate and a truncated sequence one each, as in Java");
    is_str(val(&b, 3), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD" "abcdefgh\xEF\xBF\xBD",
           "a code point beyond U+10FFFF is four U+FFFD and a lead byte at the end of a line one, as in Java");
    append_file(path, "a\xE0\x80\x80" "b\xF5\x80" "c\xE2" "Ad\x80\x81" "e\xF0\x9F\x98\n");
    poll_once(&t, &b);
    is_str(val(&b, 0),
           "a\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD" "b\xEF\xBF\xBD\xEF\xBF\xBD" "c\xEF\xBF\xBD"
           "Ad\xEF\xBF\xBD\xEF\xBF\xBD" "e\xEF\xBF\xBD",
           "overlong E0, an F5 lead, a broken E2, stray continuations and a cut four-byte character, as in Java");
    src_stop(&t);
    trib_record_batch_free(&b);
    trib_offset_store_destroy(store);
}

static void test_source_stdin(void) {
    int fds[2];
    if (pipe(fds) != 0) BAIL_OUT("pipe failed");
    int saved = dup(STDIN_FILENO);
    dup2(fds[0], STDIN_FILENO);
    close(fds[0]);
    if (write(fds[1], "from\r\nstdin", 12) != 12) diag("short write");
    src_task t;
    trib_error err = {0};
    ok(src_start(&t, NULL, source_props(NULL, NULL), &err) == 0, "without file the source reads stdin");
    trib_record_batch b;
    trib_record_batch_init(&b);
    poll_once(&t, &b);
    is_int(b.n, 1, "stdin gives its complete lines");
    is_str(val(&b, 0), "from", "the stdin line");
    char *pj = b.n ? json_dumps(b.items[0]->source_partition, JSON_COMPACT) : NULL;
    char *oj = b.n ? json_dumps(b.items[0]->source_offset, JSON_COMPACT) : NULL;
    is_str(pj, "{\"filename\":null}", "stdin's partition has a null filename, as in Connect");
    is_str(oj, "{\"position\":null}", "stdin's offset has a null position, as in Connect");
    free(pj);
    free(oj);
    close(fds[1]);   /* end of stream completes nothing: "stdin" has no terminator */
    poll_once(&t, &b);
    is_int(b.n, 0, "a partial line at end of stdin is not emitted");
    int64_t t0 = trib_mono_ms();
    poll_once(&t, &b);
    ok(trib_mono_ms() - t0 >= 50, "a closed stdin is waited on, not spun on");
    src_stop(&t);
    trib_record_batch_free(&b);
    dup2(saved, STDIN_FILENO);
    close(saved);
}

static void test_source_config(void) {
    const trib_connector_plugin *p = source_plugin();
    trib_error err = {0};
    trib_props *props = trib_props_new();
    trib_props_set(props, "file", "/tmp/x");
    src_task t;
    ok(src_start(&t, NULL, props, &err) == -1, "a source without topic does not start");
    like(err.msg, "topic", "the error names the missing topic");

    trib_props *multi = source_props("/tmp/x", NULL);
    trib_props_set(multi, "topic", "a,b");
    trib_config_report *rep = trib_config_report_new();
    trib_config_report_add(rep, p->config, multi, "");
    p->validate(multi, rep);
    ok(trib_config_report_error_count(rep) >= 1, "a list of topics is a validation error");
    char *sum = trib_config_report_summary(rep);
    like(sum, "single topic", "the error says a source has a single topic");
    free(sum);
    trib_config_report_destroy(rep);
    trib_error e2 = {0};
    ok(src_start(&t, NULL, multi, &e2) == -1, "a source with a topic list does not start");

    trib_props *bad = source_props("/tmp/x", "many");
    trib_error e3 = {0};
    ok(src_start(&t, NULL, bad, &e3) == -1, "a non-integer batch.size is refused");
    like(e3.msg, "batch.size", "the error names batch.size");

    trib_props *cfg = source_props("/tmp/x", NULL);
    trib_props **tasks = NULL;
    size_t n = 0;
    ok(p->task_configs(NULL, cfg, 4, &tasks, &n, &err) == 0, "task_configs succeeds");
    is_int(n, 1, "tasks.max 4 still yields one task (one input stream)");
    is_str(trib_props_get(tasks[0], "file"), "/tmp/x", "the task gets the connector's file");
    for (size_t i = 0; i < n; i++) trib_props_destroy(tasks[i]);
    free(tasks);
    trib_props_destroy(cfg);
}

/* ---- sink ---- */

static void test_java_text(void) {
    char buf[64];
    struct { double d; bool f; const char *want; } cases[] = {
        {1.0, false, "1.0"}, {100.0, false, "100.0"}, {1.5, false, "1.5"}, {-2.25, false, "-2.25"},
        {1234567.0, false, "1234567.0"}, {1e7, false, "1.0E7"}, {1.0e10, false, "1.0E10"},
        {0.001, false, "0.001"}, {0.0001, false, "1.0E-4"}, {123.456, false, "123.456"},
        {1.0 / 3, false, "0.3333333333333333"}, {0.1, true, "0.1"}, {-0.0, false, "-0.0"},
        {0.0, false, "0.0"}, {NAN, false, "NaN"}, {INFINITY, false, "Infinity"},
        {-INFINITY, false, "-Infinity"}, {1.7976931348623157e308, false, "1.7976931348623157E308"},
        {4.9e-324, false, "4.9E-324"}, {1.4e-45f, true, "1.4E-45"}, {2e22, false, "2.0E22"}, {3.4028235e38f, true, "3.4028235E38"}, {12345.678, false, "12345.678"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        trib_java_double_text(cases[i].d, cases[i].f, buf, sizeof buf);
        is_str(buf, cases[i].want, "Java %s.toString gives %s", cases[i].f ? "Float" : "Double", cases[i].want);
    }
}

static trib_record *rec_with(trib_schema *s, trib_value *v) {
    trib_record *r = trib_record_new("t");
    trib_record_set_value_take(r, s, v);
    return r;
}

static trib_value *dec(const char *s, int scale) {
    trib_value *v = NULL;
    trib_decimal_from_string(s, scale, &v, NULL);
    return v;
}

static void test_sink(void) {
    const trib_connector_plugin *p = sink_plugin();
    char path[128];
    snprintf(path, sizeof path, "%s/out.txt", dir);
    append_file(path, "existing\n");
    trib_props *props = trib_props_new();
    trib_props_set(props, "file", path);
    trib_sink_task_context *tctx = trib_sink_task_context_new("file-sink", 0);
    void *ctx = NULL;
    trib_error err = {0};
    ok(p->sink->start(props, tctx, &ctx, &err) == 0, "sink starts");

    trib_schema *st = trib_schema_struct_new("S");
    trib_schema_add_field_take(st, "a", trib_schema_primitive(TRIB_INT32, false));
    trib_schema_add_field_take(st, "b", trib_schema_primitive(TRIB_STRING, true));
    trib_schema_add_field_take(st, "c", trib_schema_primitive(TRIB_STRING, true));
    trib_value *sv = trib_value_struct_new(st);
    trib_value_struct_set_take(sv, "a", trib_value_int(TRIB_INT32, 1));
    trib_value_struct_set_take(sv, "c", trib_value_string("x"));
    trib_value *arr = trib_value_array_new();
    trib_value_array_append_take(arr, trib_value_int(TRIB_INT64, 1));
    trib_value_array_append_take(arr, NULL);
    trib_value_array_append_take(arr, trib_value_string("z"));
    trib_value *map = trib_value_map_new();
    trib_value_map_put_take(map, trib_value_string("k"), trib_value_string("v"));
    trib_value_map_put_take(map, trib_value_string("n"), trib_value_int(TRIB_INT64, 2));

    trib_record *recs[] = {
        rec_with(trib_schema_primitive(TRIB_STRING, false), trib_value_string("hello world")),
        rec_with(NULL, NULL),
        rec_with(trib_schema_primitive(TRIB_INT32, false), trib_value_int(TRIB_INT32, -42)),
        rec_with(NULL, trib_value_int(TRIB_INT64, 9007199254740993LL)),
        rec_with(NULL, trib_value_float(TRIB_FLOAT64, 2.5)),
        rec_with(NULL, trib_value_float(TRIB_FLOAT64, 1e21)),
        rec_with(NULL, trib_value_bool(true)),
        rec_with(trib_schema_primitive(TRIB_BYTES, false), trib_value_bytes("\x00\x01\xFF" "ab", 5)),
        rec_with(st, sv),
        rec_with(NULL, arr),
        rec_with(NULL, map),
        rec_with(trib_schema_decimal(2, false), dec("-12.34", 2)),
        rec_with(trib_schema_decimal(7, false), dec("0.0000001", 7)),
        rec_with(trib_schema_decimal(2, false), dec("0.05", 2)),
        rec_with(NULL, trib_value_string("")),
    };
    size_t nrec = sizeof recs / sizeof *recs;
    ok(p->sink->put(ctx, recs, nrec, &err) == 0, "put accepts every value type");
    ok(p->sink->flush(ctx, NULL, 0, &err) == 0, "flush succeeds (fflush + fsync)");
    size_t len = 0;
    char *got = trib_read_file(path, &len, NULL);
    static const char want[] =
        "existing\n"
        "hello world\n"
        "null\n"
        "-42\n"
        "9007199254740993\n"
        "2.5\n"
        "1.0E21\n"
        "true\n"
        "\x00\x01\xFF" "ab\n"
        "Struct{a=1,c=x}\n"
        "[1, null, z]\n"
        "{k=v, n=2}\n"
        "-12.34\n"
        "1E-7\n"
        "0.05\n"
        "\n";
    ok(got != NULL, "the sink file exists after flush");
    is_mem(got, len, want, sizeof want - 1, "the file holds each value as Connect prints it, byte for byte, after existing content");
    if (got && (len != sizeof want - 1 || memcmp(got, want, len) != 0)) diag("file content:\n%s", got);
    free(got);
    for (size_t i = 0; i < nrec; i++) trib_record_destroy(recs[i]);
    p->sink->stop(ctx);
    trib_sink_task_context_destroy(tctx);
    trib_props_destroy(props);

    /* A file that cannot be created fails start with its name. */
    props = trib_props_new();
    trib_props_set(props, "file", "/nonexistent-dir/out.txt");
    tctx = trib_sink_task_context_new("file-sink", 1);
    ctx = NULL;
    trib_error e2 = {0};
    ok(p->sink->start(props, tctx, &ctx, &e2) == -1, "a sink whose file cannot be created fails to start");
    like(e2.msg, "/nonexistent-dir/out.txt", "the error names the file");
    trib_sink_task_context_destroy(tctx);
    trib_props_destroy(props);

    trib_props **tasks = NULL;
    size_t n = 0;
    trib_props *cfg = trib_props_new();
    ok(p->task_configs(NULL, cfg, 3, &tasks, &n, &err) == 0 && n == 3, "the sink runs tasks.max tasks");
    for (size_t i = 0; i < n; i++) trib_props_destroy(tasks[i]);
    free(tasks);
    trib_props_destroy(cfg);
}

/* Two tasks appending to one file, as with tasks.max=2: lines stay whole. */
static void test_sink_shared_file(void) {
    const trib_connector_plugin *p = sink_plugin();
    char path[128];
    snprintf(path, sizeof path, "%s/shared.txt", dir);
    trib_props *props = trib_props_new();
    trib_props_set(props, "file", path);
    trib_sink_task_context *tc[2];
    void *ctx[2] = {NULL, NULL};
    trib_error err = {0};
    for (int i = 0; i < 2; i++) {
        tc[i] = trib_sink_task_context_new("file-sink", i);
        p->sink->start(props, tc[i], &ctx[i], &err);
    }
    char line[2][101];
    memset(line[0], 'a', 100);
    memset(line[1], 'b', 100);
    line[0][100] = line[1][100] = '\0';
    trib_record *r[2] = {rec_with(NULL, trib_value_string(line[0])), rec_with(NULL, trib_value_string(line[1]))};
    for (int k = 0; k < 3000; k++) p->sink->put(ctx[k % 2], &r[k % 2], 1, &err);
    p->sink->flush(ctx[1], NULL, 0, &err);
    p->sink->flush(ctx[0], NULL, 0, &err);
    trib_record *last = rec_with(NULL, trib_value_string("unflushed"));
    p->sink->put(ctx[0], &last, 1, &err);
    for (int i = 0; i < 2; i++) {
        p->sink->stop(ctx[i]);
        trib_sink_task_context_destroy(tc[i]);
    }
    size_t len = 0;
    char *got = trib_read_file(path, &len, NULL);
    bool tail = len >= 10 && memcmp(got + len - 10, "unflushed\n", 10) == 0;
    int whole = 0, broken = 0;
    for (char *save = NULL, *l = strtok_r(got, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (strcmp(l, line[0]) == 0 || strcmp(l, line[1]) == 0) whole++;
        else if (strcmp(l, "unflushed") != 0) broken++;
    }
    is_int(whole, 3000, "every line written by two tasks sharing a file is complete");
    is_int(broken, 0, "no line mixes the two tasks' output");
    ok(tail, "stop writes records put after the last flush");
    free(got);
    trib_record_destroy(r[0]);
    trib_record_destroy(r[1]);
    trib_record_destroy(last);
    trib_props_destroy(props);
}

int main(void) {
    setenv("TZ", "UTC", 1);
    snprintf(dir, sizeof dir, "/tmp/trib-file-XXXXXX");
    if (!mkdtemp(dir)) BAIL_OUT("mkdtemp failed");
    ok(source_plugin() != NULL && sink_plugin() != NULL, "both file plugins are registered");
    test_source_pieces();
    test_source_stored_offset_from_connect();
    test_source_missing_file_and_batches();
    test_source_utf8();
    test_source_stdin();
    test_source_config();
    test_java_text();
    test_sink();
    test_sink_shared_file();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) diag("could not remove %s", dir);
    (void)plan;   /* the plan is printed at the end */
    done_testing();
    return exit_status();
}
