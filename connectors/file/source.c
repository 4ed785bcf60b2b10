/*
 * source.c: FileStreamSource, Tributary's twin of Kafka Connect's
 * FileStreamSourceConnector/FileStreamSourceTask
 * (org.apache.kafka.connect.file.FileStreamSourceConnector).
 *
 * One task reads a file (or stdin when `file` is unset) line by line and
 * emits one record per complete line: value schema STRING, value the line
 * without its terminator (\n, \r\n or \r, as Connect splits them), null key,
 * source partition {"filename": <file>} and source offset {"position": <byte
 * offset just after the line's terminator>}, the exact shapes Connect uses,
 * so offsets written by Connect resume here and vice versa. For stdin both
 * are null, as in Connect (offsets make no sense there).
 *
 * At end of file the task waits (bounded ~100 ms sleeps that watch the
 * stopping flag) and picks up appended data, like `tail -f`. A file that
 * does not exist yet is waited for, with a warning, as Connect does (a
 * tenant's file is opened confined to its staging directory at every
 * attempt, tenants/files.h; a symlink or hard link there fails the task). A
 * partial last line stays buffered until its terminator arrives; a trailing
 * lone \r likewise waits for the next byte (it could be the start of \r\n).
 *
 * Differences from Connect, deliberate: positions count bytes (Connect
 * counts UTF-16 chars yet skips bytes on resume, which breaks on non-ASCII
 * text); lines left in the buffer after a full batch are returned by the
 * next poll even at end of file (Connect only looks at them when more data
 * arrives); invalid UTF-8 becomes U+FFFD, as Java's decoder does.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/time.h"
#include "common/util.h"
#include "tenants/files.h"
#include "worker/connector.h"

#define FAC "connector.file"
#define FILENAME_FIELD "filename"
#define POSITION_FIELD "position"
#define READ_CHUNK 65536
#define WAIT_MS 100

static const trib_config_def source_config[] = {
    {.name = "file", .type = TRIB_CFG_STRING, .optional = true, .importance = TRIB_IMP_HIGH,
     .doc = "Source filename. If not specified, the standard input will be used"},
    {.name = "topic", .type = TRIB_CFG_STRING, .importance = TRIB_IMP_HIGH, .non_empty = true,
     .doc = "The topic to publish data to"},
    {.name = "batch.size", .type = TRIB_CFG_INT, .default_value = "2000", .importance = TRIB_IMP_LOW,
     .has_min = true, .min = 1,
     .doc = "The maximum number of records the source task can read from the file each time it is polled"},
    TRIB_CONFIG_END,
};

static void source_validate(const trib_props *config, trib_config_report *report) {
    const char *topic = trib_props_get(config, "topic");
    if (topic && strchr(topic, ','))
        trib_config_report_error(report, "topic",
                                 "FileStreamSourceConnector should only have a single topic when used as a source.");
}

static int source_task_configs(void *ctx, const trib_props *config, int max_tasks, trib_props ***out,
                               size_t *n, trib_error *err) {
    (void)ctx;
    (void)max_tasks;   /* only one input stream makes sense */
    if (config && trib_props_get(config, "topic") && strchr(trib_props_get(config, "topic"), ','))
        return trib_error_set(err, TRIB_ERR_INVALID,
                              "FileStreamSourceConnector should only have a single topic when used as a source.");
    *out = trib_xmalloc(sizeof **out);
    (*out)[0] = config ? trib_props_clone(config) : trib_props_new();
    *n = 1;
    return 0;
}

/* ---- task ---------------------------------------------------------------- */

typedef struct file_source {
    trib_source_task_context *tctx;
    trib_config *cfg;
    const char *filename;  /* NULL = stdin (borrowed from cfg) */
    const char *topic;
    int batch_size;
    int fd;                /* -1 until opened */
    trib_err_code missing_code;  /* error of the last failed open we logged, TRIB_OK if none */
    bool eof;              /* the last read found no more data */
    int64_t position;      /* byte offset of buf[start]; -1 for stdin */
    char *buf;
    size_t start, len, cap;   /* unread bytes are buf[start .. len) */
    size_t scanned;           /* buf[start .. start+scanned) holds no line terminator */
    trib_schema *value_schema;
    json_t *partition;        /* {"filename": file}, shared by every record */
    trib_strbuf fixed;        /* a line with invalid UTF-8, after replacement */
    char label[64];
} file_source;

static const char *src_name(const file_source *s) {
    return s->filename ? s->filename : "stdin";
}

/* Sleeps up to WAIT_MS in short steps, returning early once stopping. */
static void nap(file_source *s) {
    for (int waited = 0; waited < WAIT_MS && !trib_source_task_context_stopping(s->tctx); waited += 20)
        trib_sleep_ms(20);
}

static int source_start(const trib_props *config, trib_source_task_context *tctx, void **ctx,
                        trib_error *err) {
    trib_config *cfg = trib_config_bind(source_config, config, "", err);
    if (!cfg) return -1;
    const char *topic = trib_config_string(cfg, "topic");
    if (strchr(topic, ',')) {
        trib_config_destroy(cfg);
        return trib_error_set(err, TRIB_ERR_INVALID,
                              "FileStreamSourceConnector should only have a single topic when used as a source.");
    }
    file_source *s = trib_xcalloc(1, sizeof *s);
    s->tctx = tctx;
    s->cfg = cfg;
    const char *file = trib_config_string(cfg, "file");
    s->filename = (file && *file) ? file : NULL;
    s->topic = topic;
    s->batch_size = trib_config_int(cfg, "batch.size");
    s->fd = -1;
    s->position = -1;
    s->value_schema = trib_schema_primitive(TRIB_STRING, false);   /* Connect's Schema.STRING_SCHEMA */
    s->partition = json_pack("{s:s?}", FILENAME_FIELD, s->filename);
    trib_strbuf_init(&s->fixed);
    snprintf(s->label, sizeof s->label, "%s:%d", trib_source_task_context_connector(tctx),
             trib_source_task_context_task_id(tctx));
    if (!s->filename) {
        s->fd = STDIN_FILENO;
        TRIB_INFO(FAC, "[%s] reading from standard input", s->label);
    }
    *ctx = s;
    return 0;
}

/* Opens the file and seeks to the committed position. Returns 1 when open,
 * 0 when the file is not there yet (keep waiting), -1 on a fatal error. */
static int open_file(file_source *s, trib_error *err) {
    /* A tenant's file is opened confined to its staging directory at every
     * attempt (tenants/files.h): a symlink or hard link planted while the
     * task waits for the file is refused, and the task fails. */
    trib_error oe = {0};
    int fd = trib_tenant_file_open(trib_source_task_context_connector(s->tctx), s->filename, O_RDONLY, 0, &oe);
    if (fd < 0) {
        if (oe.code == TRIB_ERR_FORBIDDEN) {
            trib_error_set(err, TRIB_ERR_FATAL, "FileStreamSource: %s", oe.msg);
            return -1;
        }
        if (s->missing_code != oe.code) {
            TRIB_WARN(FAC, "[%s] couldn't open file %s (%s), waiting for it to be created", s->label,
                      s->filename, oe.msg);
            s->missing_code = oe.code;
        }
        return 0;
    }
    s->missing_code = TRIB_OK;
    int64_t pos = 0;
    json_t *off = trib_source_task_context_offset(s->tctx, s->partition);
    if (off) {
        json_t *p = json_is_object(off) ? json_object_get(off, POSITION_FIELD) : NULL;
        if (p && !json_is_null(p) && !json_is_integer(p)) {
            json_decref(off);
            close(fd);
            return trib_error_set(err, TRIB_ERR_FATAL,
                                  "FileStreamSource: offset position is the incorrect type (file %s)", s->filename);
        }
        if (p && json_is_integer(p)) pos = json_integer_value(p);
        json_decref(off);
        if (pos < 0) {
            close(fd);
            return trib_error_set(err, TRIB_ERR_FATAL,
                                  "FileStreamSource: stored offset position %lld for file %s is negative",
                                  (long long)pos, s->filename);
        }
    }
    if (pos > 0) {
        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size < pos)
            TRIB_WARN(FAC, "[%s] file %s is shorter (%lld bytes) than the stored position %lld; "
                      "waiting for it to grow past it", s->label, s->filename, (long long)st.st_size,
                      (long long)pos);
        if (lseek(fd, (off_t)pos, SEEK_SET) < 0) {
            /* Not seekable (a FIFO): skip by reading, as Java's skip() does. */
            char tmp[8192];
            int64_t left = pos;
            while (left > 0) {
                ssize_t r = read(fd, tmp, left < (int64_t)sizeof tmp ? (size_t)left : sizeof tmp);
                if (r < 0 && errno == EINTR) continue;
                if (r <= 0) {
                    int e = errno;
                    close(fd);
                    return trib_error_set(err, TRIB_ERR_IO, "FileStreamSource: cannot skip to position %lld in %s: %s",
                                          (long long)pos, s->filename, r < 0 ? strerror(e) : "end of stream");
                }
                left -= r;
            }
        }
        TRIB_DEBUG(FAC, "[%s] resuming %s at position %lld", s->label, s->filename, (long long)pos);
    }
    s->fd = fd;
    s->position = pos;
    TRIB_INFO(FAC, "[%s] opened %s for reading at position %lld", s->label, s->filename, (long long)pos);
    return 1;
}

/* Length of the valid UTF-8 prefix of [p, p+n): n when the text is valid
 * (the common case, checked eight ASCII bytes at a time). */
static size_t utf8_valid_prefix(const unsigned char *p, size_t n) {
    size_t i = 0;
    while (i < n) {
        if (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            if (!(w & UINT64_C(0x8080808080808080))) {
                i += 8;
                continue;
            }
        }
        unsigned char c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        uint32_t min;
        if ((c & 0xE0) == 0xC0) { need = 1; min = 0x80; }
        else if ((c & 0xF0) == 0xE0) { need = 2; min = 0x800; }
        else if ((c & 0xF8) == 0xF0 && c <= 0xF4) { need = 3; min = 0x10000; }
        else return i;
        if (i + need >= n) return i;
        uint32_t cp = c & (0x3F >> need);
        for (size_t k = 1; k <= need; k++) {
            if ((p[i + k] & 0xC0) != 0x80) return i;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
        i += need + 1;
    }
    return n;
}

/* How many bytes of the invalid sequence at p[0] (of a line of n bytes)
 * Java's UTF-8 decoder replaces with one U+FFFD, so lines read by
 * Connect's FileStreamSource and ours are equal. The rule (JDK 17,
 * checked byte for byte against java's InputStreamReader): a lead byte
 * whose next byte cannot continue it counts alone; a three- or four-byte
 * lead takes the continuation bytes it got before the sequence broke; a
 * surrogate (ED A0..BF xx) is one whole replaced character; C0, C1 and
 * F5..FF, and stray continuation bytes, count alone. Connect decodes the
 * stream, so the byte after the line is its terminator, which never
 * continues a sequence. */
static size_t java_malformed_len(const unsigned char *p, size_t n) {
#define AT(k) ((k) < n ? p[k] : (unsigned char)'\n')
#define CONT(b) (((b) & 0xC0) == 0x80)
    unsigned b1 = p[0], b2 = AT(1), b3 = AT(2);
    if (b1 >= 0xE0 && b1 <= 0xEF) {
        if ((b1 == 0xE0 && (b2 & 0xE0) == 0x80) || !CONT(b2)) return 1;   /* overlong, or broken at once */
        return CONT(b3) ? 3 : 2;   /* 3: a surrogate */
    }
    if (b1 >= 0xF0 && b1 <= 0xF4) {
        if ((b1 == 0xF0 && (b2 < 0x90 || b2 > 0xBF)) || (b1 == 0xF4 && (b2 & 0xF0) != 0x80) || !CONT(b2))
            return 1;   /* overlong, beyond U+10FFFF, or broken at once */
        return CONT(b3) ? 3 : 2;
    }
    return 1;   /* C2..DF before a non-continuation byte, or a byte no sequence starts with */
#undef AT
#undef CONT
}

/* Appends the UTF-8 text of [p, p+n) to out, each invalid sequence
 * replaced by U+FFFD as Java's UTF-8 decoder does. */
static void append_utf8(trib_strbuf *out, const unsigned char *p, size_t n) {
    size_t i = 0;
    while (i < n) {
        size_t ok = utf8_valid_prefix(p + i, n - i);
        trib_strbuf_append(out, p + i, ok);
        i += ok;
        if (i >= n) break;
        trib_strbuf_puts(out, "\xEF\xBF\xBD");
        size_t bad = java_malformed_len(p + i, n - i);
        i += bad < n - i ? bad : n - i;
    }
}

/* Takes the next complete line out of the buffer: *line points into the
 * buffer (valid until the next fill) and *n is its length without the
 * terminator. Returns false when there is none yet (no terminator, or a \r
 * that might still be followed by \n). */
static bool extract_line(file_source *s, const char **line, size_t *n) {
    if (!s->buf) return false;
    const char *b = s->buf + s->start;
    size_t avail = s->len - s->start;
    const char *from = b + s->scanned;
    size_t left = avail - s->scanned;
    const char *nl = memchr(from, '\n', left);
    const char *cr = memchr(from, '\r', nl ? (size_t)(nl - from) : left);
    const char *t = cr ? cr : nl;
    if (!t) {
        s->scanned = avail;
        return false;
    }
    size_t i = (size_t)(t - b), next = i + 1;
    if (*t == '\r') {
        if (i + 1 >= avail) {   /* need the next byte to tell \r from \r\n */
            s->scanned = i;
            return false;
        }
        if (b[i + 1] == '\n') next = i + 2;
    }
    *line = b;
    *n = i;
    s->start += next;
    s->scanned = 0;
    if (s->position >= 0) s->position += (int64_t)next;
    return true;
}

/* One record for a line. Its source partition and offset are attached by
 * source_poll to the batch's last record only (see set_offset). */
static trib_record *make_record(file_source *s, const char *line, size_t n, int64_t now) {
    trib_record *r = trib_record_new(s->topic);
    trib_value *v;
    if (utf8_valid_prefix((const unsigned char *)line, n) == n) {
        v = trib_value_string_n(line, n);
    } else {
        trib_strbuf_reset(&s->fixed);
        append_utf8(&s->fixed, (const unsigned char *)line, n);
        v = trib_value_string_n(s->fixed.data ? s->fixed.data : "", s->fixed.len);
    }
    trib_record_set_value_take(r, trib_schema_ref(s->value_schema), v);
    r->timestamp = now;
    return r;
}

/* Gives r the current position (just after the last line read) as its
 * source offset. Only the last record of a poll carries one: the runtime
 * commits a position once every record before it is in Kafka, so it
 * covers the batch, and an offset object per line cost about a fifth of
 * the source path's CPU (see worker/connector.h). Records share the
 * partition object; the offset is built directly (json_pack parses its
 * format string on every call). */
static void set_offset(file_source *s, trib_record *r) {
    r->source_partition = json_incref(s->partition);
    r->source_offset = json_object();
    json_object_set_new_nocheck(r->source_offset, POSITION_FIELD,
                                s->position >= 0 ? json_integer((json_int_t)s->position) : json_null());
}

/* Reads what is available now into the buffer. Returns bytes read (0 at
 * end of data for now), or -1 with err set. */
static ssize_t fill(file_source *s, trib_error *err) {
    if (s->start > 0 && s->start == s->len) s->start = s->len = 0;
    if (s->start > 0 && s->cap - s->len < READ_CHUNK) {
        memmove(s->buf, s->buf + s->start, s->len - s->start);
        s->len -= s->start;
        s->start = 0;
    }
    if (s->cap - s->len < READ_CHUNK) {
        s->cap = s->len + READ_CHUNK;
        s->buf = trib_xrealloc(s->buf, s->cap);
    }
    if (!s->filename) {
        /* stdin may be a terminal or pipe: only read when it will not block. */
        struct pollfd pfd = {.fd = s->fd, .events = POLLIN};
        if (poll(&pfd, 1, 0) <= 0) return 0;
    }
    for (;;) {
        ssize_t r = read(s->fd, s->buf + s->len, s->cap - s->len);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
        if (r < 0)
            return trib_error_set(err, TRIB_ERR_IO, "FileStreamSource: error reading %s: %s", src_name(s),
                                  strerror(errno));
        s->eof = (r == 0);
        s->len += (size_t)r;
        return r;
    }
}

static int source_poll(void *ctx, trib_record_batch *out, trib_error *err) {
    file_source *s = ctx;
    if (s->fd < 0) {
        int rc = open_file(s, err);
        if (rc < 0) return -1;
        if (rc == 0) {
            nap(s);
            return 0;
        }
    }
    /* One timestamp per poll: the lines of a batch are read in one go. */
    int64_t now = trib_now_ms();
    size_t produced = 0;
    for (;;) {
        const char *line;
        size_t n;
        while ((int)produced < s->batch_size && extract_line(s, &line, &n)) {
            trib_record_batch_add_take(out, make_record(s, line, n, now));
            produced++;
        }
        if ((int)produced >= s->batch_size) break;
        ssize_t r = fill(s, err);
        if (r < 0) return -1;
        if (r == 0) break;
    }
    if (produced > 0) set_offset(s, out->items[out->n - 1]);
    if (produced == 0) {
        /* Nothing complete: wait a little for more data (tail -f). stdin
         * that is still open is watched with poll(); a file, or stdin at
         * end of stream, is simply re-read after a short sleep. */
        if (!s->filename && !s->eof) {
            struct pollfd pfd = {.fd = s->fd, .events = POLLIN};
            (void)poll(&pfd, 1, WAIT_MS);
        } else {
            nap(s);
        }
    }
    return 0;
}

static void source_stop(void *ctx) {
    file_source *s = ctx;
    if (!s) return;
    if (s->fd >= 0 && s->filename) close(s->fd);
    trib_schema_unref(s->value_schema);
    json_decref(s->partition);
    trib_strbuf_free(&s->fixed);
    free(s->buf);
    trib_config_destroy(s->cfg);
    free(s);
}

static const trib_source_task_ops source_ops = {
    .start = source_start,
    .poll = source_poll,
    .stop = source_stop,
};

const trib_connector_plugin trib_file_source_plugin = {
    .class_name = "org.apache.kafka.connect.file.FileStreamSourceConnector",
    .alias = "FileStreamSource",
    .version = "1.0.0",
    .kind = TRIB_CONNECTOR_SOURCE,
    .doc = "Reads lines from a file (or standard input) and publishes each as a string record, "
           "resuming from the byte position it last committed.",
    .config = source_config,
    .validate = source_validate,
    .task_configs = source_task_configs,
    .source = &source_ops,
};
