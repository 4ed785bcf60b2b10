/* util.c: see util.h. */
#include "common/util.h"

#include <jansson.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

static void oom(size_t n) {
    fprintf(stderr, "tributary: out of memory allocating %zu bytes\n", n);
    abort();
}

void *trib_xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) oom(n);
    return p;
}

void *trib_xcalloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) oom(n * size);
    return p;
}

void *trib_xrealloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) oom(n);
    return q;
}

char *trib_xstrdup(const char *s) {
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *d = trib_xmalloc(n);
    memcpy(d, s, n);
    return d;
}

char *trib_xstrndup(const char *s, size_t n) {
    char *d = trib_xmalloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *trib_xasprintf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int r = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (r < 0) oom(0);
    return s;
}

void trib_strbuf_init(trib_strbuf *sb) {
    sb->data = NULL;
    sb->len = sb->cap = 0;
}

void trib_strbuf_reserve(trib_strbuf *sb, size_t extra) {
    if (sb->len + extra + 1 <= sb->cap) return;
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < sb->len + extra + 1) cap *= 2;
    sb->data = trib_xrealloc(sb->data, cap);
    sb->cap = cap;
}

void trib_strbuf_append(trib_strbuf *sb, const void *data, size_t n) {
    trib_strbuf_reserve(sb, n);
    if (n) memcpy(sb->data + sb->len, data, n);
    sb->len += n;
    sb->data[sb->len] = '\0';
}

void trib_strbuf_puts(trib_strbuf *sb, const char *s) { trib_strbuf_append(sb, s, strlen(s)); }
void trib_strbuf_putc(trib_strbuf *sb, char c) { trib_strbuf_append(sb, &c, 1); }

void trib_strbuf_printf(trib_strbuf *sb, const char *fmt, ...) {
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n > 0) {
        trib_strbuf_reserve(sb, (size_t)n);
        vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap2);
        sb->len += (size_t)n;
    }
    va_end(ap2);
}

void trib_strbuf_reset(trib_strbuf *sb) {
    sb->len = 0;
    if (sb->data) sb->data[0] = '\0';
}

char *trib_strbuf_take(trib_strbuf *sb) {
    char *s = sb->data ? sb->data : trib_xstrdup("");
    trib_strbuf_init(sb);
    return s;
}

void trib_strbuf_free(trib_strbuf *sb) {
    free(sb->data);
    trib_strbuf_init(sb);
}

char *trib_read_file(const char *path, size_t *len, trib_error *err) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        trib_error_set(err, errno == ENOENT ? TRIB_ERR_NOT_FOUND : TRIB_ERR_IO,
                       "cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) trib_strbuf_append(&sb, chunk, n);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        trib_strbuf_free(&sb);
        trib_error_set(err, TRIB_ERR_IO, "cannot read '%s'", path);
        return NULL;
    }
    if (len) *len = sb.len;
    return trib_strbuf_take(&sb);
}

int trib_write_file_atomic(const char *path, const void *data, size_t len, trib_error *err) {
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return trib_error_set(err, TRIB_ERR_INVALID, "path too long: '%s'", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return trib_error_set(err, TRIB_ERR_IO, "cannot create '%s': %s", tmp, strerror(errno));
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            close(fd);
            unlink(tmp);
            return trib_error_set(err, TRIB_ERR_IO, "cannot write '%s': %s", tmp, strerror(e));
        }
        p += w;
        left -= (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        unlink(tmp);
        return trib_error_set(err, TRIB_ERR_IO, "cannot sync '%s': %s", tmp, strerror(errno));
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return trib_error_set(err, TRIB_ERR_IO, "cannot rename '%s' to '%s': %s", tmp, path, strerror(e));
    }
    /* The rename is durable only once the directory entry is on disk. */
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash) snprintf(dir, sizeof dir, ".");
    else if (slash == dir) dir[1] = '\0';
    else *slash = '\0';
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd); /* best effort: some file systems refuse fsync on directories */
        close(dfd);
    }
    return 0;
}

char *trib_trim(char *s) {
    while (isspace((unsigned char)*s)) s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1])) s[--n] = '\0';
    return s;
}

char **trib_split_list(const char *s, size_t *n) {
    size_t cap = 4, cnt = 0;
    char **v = trib_xmalloc(cap * sizeof *v);
    if (s) {
        char *copy = trib_xstrdup(s), *save = NULL;
        for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            char *t = trib_trim(tok);
            if (!*t) continue;
            if (cnt + 1 >= cap) v = trib_xrealloc(v, (cap *= 2) * sizeof *v);
            v[cnt++] = trib_xstrdup(t);
        }
        free(copy);
    }
    v[cnt] = NULL;
    if (n) *n = cnt;
    return v;
}

void trib_strv_free(char **v) {
    if (!v) return;
    for (char **p = v; *p; p++) free(*p);
    free(v);
}

bool trib_str_endswith(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

bool trib_str_startswith(const char *s, const char *prefix) {
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

int trib_parse_int64(const char *s, int64_t *out) {
    if (!s) return -1;
    while (isspace((unsigned char)*s)) s++;
    if (!*s) return -1;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    while (isspace((unsigned char)*end)) end++;
    if (errno || *end) return -1;
    *out = v;
    return 0;
}

int trib_parse_double(const char *s, double *out) {
    if (!s) return -1;
    while (isspace((unsigned char)*s)) s++;
    if (!*s) return -1;
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    while (isspace((unsigned char)*end)) end++;
    if (errno || *end || !isfinite(v)) return -1; /* no nan/inf: configs want real numbers */
    *out = v;
    return 0;
}

int trib_parse_bool(const char *s, bool *out) {
    if (!s) return -1;
    /* Trim in place of copying into a small buffer: a fixed buffer would
     * truncate "false  junk" into an accepted "false". */
    while (isspace((unsigned char)*s)) s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1])) n--;
    if (n == 4 && strncasecmp(s, "true", 4) == 0) { *out = true; return 0; }
    if (n == 5 && strncasecmp(s, "false", 5) == 0) { *out = false; return 0; }
    return -1;
}

uint64_t trib_fnv1a(const void *data, size_t n) {
    const unsigned char *p = data;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

int trib_random_bytes(void *buf, size_t n, trib_error *err) {
    unsigned char *p = buf;
    while (n > 0) {
        ssize_t got = getrandom(p, n, 0);
        if (got < 0) {
            if (errno == EINTR) continue;
            return trib_error_set(err, TRIB_ERR_INTERNAL, "getrandom failed: %s", strerror(errno));
        }
        p += got;
        n -= (size_t)got;
    }
    return 0;
}

struct json_t *trib_read_json_object_file(const char *path, const char *what, trib_error *err) {
    trib_error rerr;
    size_t len;
    char *text = trib_read_file(path, &len, &rerr);
    if (!text) {
        if (rerr.code == TRIB_ERR_NOT_FOUND) return json_object(); /* first start */
        trib_error_set(err, rerr.code, "%s: %s", what, rerr.msg);
        return NULL;
    }
    json_error_t jerr;
    json_t *loaded = json_loadb(text, len, 0, &jerr);
    free(text);
    if (!json_is_object(loaded)) {
        trib_error_set(err, TRIB_ERR_INVALID, "%s '%s' is not a JSON object (line %d: %s)", what, path, jerr.line,
                       loaded ? "not an object" : jerr.text);
        json_decref(loaded);
        return NULL;
    }
    return loaded;
}
