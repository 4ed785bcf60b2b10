/*
 * sink.c: FileStreamSink, Tributary's twin of Kafka Connect's
 * FileStreamSinkConnector/FileStreamSinkTask
 * (org.apache.kafka.connect.file.FileStreamSinkConnector).
 *
 * Each record's value is appended to the file (stdout when `file` is unset)
 * as Java's String.valueOf(value) would print it, followed by "\n", exactly
 * as Connect's PrintStream.println does (value_text.h lists what is exact).
 * The file is opened for append and created if missing; a tenant's file
 * only beneath its staging directory, without following any symlink and
 * refusing hard links (tenants/files.h).
 *
 * Lines are buffered and written in whole lines (see WRITE_THRESHOLD), so
 * tasks sharing one file never interleave inside a line.
 *
 * flush() writes the buffer and fsyncs the file before returning, so
 * the consumer offsets the runtime commits after it never run ahead of what
 * is on disk. (Connect only flushes the stream; a crash could lose lines
 * whose offsets were committed.) A replayed batch after a crash between
 * fsync and offset commit writes those lines again: at-least-once, as in
 * Connect.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"
#include "connectors/file/value_text.h"
#include "tenants/files.h"
#include "worker/connector.h"

#define FAC "connector.file"

static const trib_config_def sink_config[] = {
    {.name = "file", .type = TRIB_CFG_STRING, .optional = true, .importance = TRIB_IMP_HIGH,
     .doc = "Destination filename. If not specified, the standard output will be used"},
    TRIB_CONFIG_END,
};

static int sink_task_configs(void *ctx, const trib_props *config, int max_tasks, trib_props ***out,
                             size_t *n, trib_error *err) {
    (void)ctx;
    if (max_tasks < 1) return trib_error_set(err, TRIB_ERR_INVALID, "tasks.max must be at least 1");
    *out = trib_xmalloc((size_t)max_tasks * sizeof **out);
    for (int i = 0; i < max_tasks; i++) (*out)[i] = config ? trib_props_clone(config) : trib_props_new();
    *n = (size_t)max_tasks;
    return 0;
}

/* Lines are gathered in buf and written with write(2) in whole lines only:
 * with O_APPEND each write lands at the end of the file in one piece, so
 * several tasks appending to one file never interleave inside a line. */
#define WRITE_THRESHOLD 65536

typedef struct file_sink {
    trib_config *cfg;
    const char *filename;   /* NULL = stdout (borrowed from cfg) */
    int fd;
    trib_strbuf buf;
    char label[64];
} file_sink;

static const char *sink_name(const file_sink *s) {
    return s->filename ? s->filename : "stdout";
}

static int sink_start(const trib_props *config, trib_sink_task_context *tctx, void **ctx, trib_error *err) {
    trib_config *cfg = trib_config_bind(sink_config, config, "", err);
    if (!cfg) return -1;
    file_sink *s = trib_xcalloc(1, sizeof *s);
    s->cfg = cfg;
    s->filename = trib_config_string(cfg, "file");
    snprintf(s->label, sizeof s->label, "%s:%d", trib_sink_task_context_connector(tctx),
             trib_sink_task_context_task_id(tctx));
    if (!s->filename) {
        s->fd = STDOUT_FILENO;
    } else {
        /* A tenant's file is opened confined to its staging directory
         * (tenants/files.h): no symlink, hard link or path outside. */
        s->fd = trib_tenant_file_open(trib_sink_task_context_connector(tctx), s->filename,
                                      O_WRONLY | O_CREAT | O_APPEND, 0644, err);
        if (s->fd < 0) {
            trib_error_prefix(err, "Couldn't find or create file '%s' for FileStreamSinkTask", s->filename);
            trib_config_destroy(cfg);
            free(s);
            return -1;
        }
    }
    trib_strbuf_init(&s->buf);
    TRIB_INFO(FAC, "[%s] writing records to %s", s->label, sink_name(s));
    *ctx = s;
    return 0;
}

/* Writes everything buffered (whole lines) to the file. */
static int write_out(file_sink *s, trib_error *err) {
    size_t done = 0;
    while (done < s->buf.len) {
        ssize_t w = write(s->fd, s->buf.data + done, s->buf.len - done);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
            /* Drop what was written so a retry does not duplicate it. */
            memmove(s->buf.data, s->buf.data + done, s->buf.len - done);
            s->buf.len -= done;
            return trib_error_set(err, TRIB_ERR_IO, "FileStreamSink: error writing to %s: %s", sink_name(s),
                                  strerror(errno));
        }
        done += (size_t)w;
    }
    trib_strbuf_reset(&s->buf);
    return 0;
}

static int sink_put(void *ctx, trib_record *const *records, size_t n, trib_error *err) {
    file_sink *s = ctx;
    for (size_t i = 0; i < n; i++) {
        trib_value_append_java_text(&s->buf, records[i]->value_schema, records[i]->value);
        trib_strbuf_putc(&s->buf, '\n');
        if (s->buf.len >= WRITE_THRESHOLD && write_out(s, err) != 0) return -1;
    }
    return 0;
}

/* fsync on a pipe, terminal or socket (stdout) fails with EINVAL: there is
 * nothing more to make durable there. */
static bool fsync_not_applicable(int e) {
    return e == EINVAL || e == ENOTSUP || e == EROFS;
}

static int sink_flush(void *ctx, const trib_topic_partition *offsets, size_t n, trib_error *err) {
    (void)offsets;
    (void)n;
    file_sink *s = ctx;
    if (write_out(s, err) != 0) return -1;
    if (fsync(s->fd) != 0 && !fsync_not_applicable(errno))
        return trib_error_set(err, TRIB_ERR_IO, "FileStreamSink: error syncing %s: %s", sink_name(s),
                              strerror(errno));
    return 0;
}

static void sink_stop(void *ctx) {
    file_sink *s = ctx;
    if (!s) return;
    /* Records put since the last flush are written (Connect's close()
     * flushes its PrintStream too); their offsets were not committed, so
     * they may be delivered again after a restart. */
    trib_error err = {0};
    if (write_out(s, &err) != 0) TRIB_ERROR(FAC, "[%s] %s", s->label, err.msg);
    if (s->filename && close(s->fd) != 0)
        TRIB_ERROR(FAC, "[%s] failed to close %s: %s", s->label, sink_name(s), strerror(errno));
    trib_strbuf_free(&s->buf);
    trib_config_destroy(s->cfg);
    free(s);
}

static const trib_sink_task_ops sink_ops = {
    .start = sink_start,
    .put = sink_put,
    .flush = sink_flush,
    .stop = sink_stop,
};

const trib_connector_plugin trib_file_sink_plugin = {
    .class_name = "org.apache.kafka.connect.file.FileStreamSinkConnector",
    .alias = "FileStreamSink",
    .version = "1.0.0",
    .kind = TRIB_CONNECTOR_SINK,
    .doc = "Appends each record's value as one line of text to a file (or standard output).",
    .config = sink_config,
    .task_configs = sink_task_configs,
    .sink = &sink_ops,
};
