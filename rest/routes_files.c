/*
 * routes_files.c: uploads into a spool-directory connector's input.path,
 * and the status of its files (docs/connectors/spooldir.md, "Uploads").
 *
 *   POST /connectors/{c}/files/{name}                  (admin view)
 *   POST /tenants/{t}/connectors/{c}/files/{name}      (tenant t's key)
 *   GET  .../files, GET .../files/{id}
 *
 * An upload is a streamed body (rest/router.h TRIB_REST_STREAM): raw bytes,
 * or the file part of multipart/form-data. It is written under a hidden
 * temporary name in input.path (the connector never reads names starting
 * with '.'), hashed on the way, fsynced, and renamed to its name without
 * replacing anything, so the connector sees a whole file or none; a client
 * that goes away mid-body leaves nothing (the server aborts the sink).
 * Limits, checked before the first byte when Content-Length is given and
 * again while bytes arrive: the tenant's quotas max_file_bytes and
 * max_staged_bytes (every file waiting in the connector's input.path) and
 * the free space of the volume.
 *
 * Every file operation goes through common/fs_confine.h beneath the
 * connector's directory fds (no symlinks, no hard links, no escape).
 *
 * Status comes from where the state is, so any worker answers the same and
 * a restart loses nothing: the connector's committed offsets (the offsets
 * topic in distributed mode: position, rows, rejected rows, first errors,
 * start and last-update times, eof), the directories on the shared volume
 * (input, finished, error with its JSON report), and what the upload
 * recorded on the file itself (an extended attribute that moves with it:
 * upload time, duration, sha256).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/fs_confine.h"
#include "common/log.h"
#include "common/time.h"
#include "common/util.h"
#include "connectors/spooldir/spool_fs.h"
#include "rest/http_json.h"
#include "rest/routes.h"
#include "rest/server.h"
#include "rest/tenants.h"
#include "tenants/guard.h"
#include "worker/connector.h"

#define SPOOLDIR_PREFIX "com.github.jcustenborder.kafka.connect.spooldir."
#define XATTR "user.tributary.upload"
#define LIST_MAX 1000   /* newest files shown by GET .../files */

/* The connector a files route names, and what its config says. */
typedef struct file_target {
    char *connector;          /* full name ("<t>/<c>" for a tenant) */
    char *tenant;             /* NULL for the admin view */
    char *input, *finished, *error;
    char *pattern;
    int64_t min_age_ms;
    trib_tenant_quotas quotas;
    bool has_quotas;
} file_target;

static void target_free(file_target *ft) {
    free(ft->connector);
    free(ft->tenant);
    free(ft->input);
    free(ft->finished);
    free(ft->error);
    free(ft->pattern);
}

static char *cfg_str(const json_t *cfg, const char *key) {
    const char *v = json_string_value(json_object_get(cfg, key));
    return v && *v ? trib_xstrdup(v) : NULL;
}

/* Fills ft from the request's path params, or answers resp. */
static int resolve(trib_rest_request *req, file_target *ft, trib_rest_response *resp) {
    memset(ft, 0, sizeof *ft);
    const char *tn = trib_rest_kv_get(&req->params, "tenant");
    const char *c = trib_rest_kv_get(&req->params, "connector");
    if (tn && (!req->tenant || strcmp(req->tenant, tn) != 0)) {
        trib_rest_reply_error(resp, 403, "This request is not authorized for that tenant");
        return -1;
    }
    if (!c || !*c || (tn && strchr(c, '/'))) {
        trib_rest_reply_error(resp, 404, "Connector %s not found", c ? c : "");
        return -1;
    }
    ft->connector = tn ? trib_xasprintf("%s/%s", tn, c) : trib_xstrdup(c);
    ft->tenant = trib_xstrdup(tn);
    trib_error err = {0};
    json_t *cfg = trib_herder_config(req->herder, ft->connector, &err);
    if (!cfg) {
        if (tn) snprintf(err.msg, sizeof err.msg, "Connector %s not found", c);   /* never the full name */
        trib_rest_reply_err(resp, &err);
        return -1;
    }
    const char *cls = json_string_value(json_object_get(cfg, "connector.class"));
    const trib_connector_info *info = cls ? trib_connector_lookup(cls) : NULL;
    if (!info || strncmp(info->class_name, SPOOLDIR_PREFIX, strlen(SPOOLDIR_PREFIX)) != 0) {
        json_decref(cfg);
        trib_rest_reply_error(resp, 400, "Connector %s does not read files: only SpoolDir connectors take uploads", c);
        return -1;
    }
    ft->input = cfg_str(cfg, "input.path");
    ft->finished = cfg_str(cfg, "finished.path");
    ft->error = cfg_str(cfg, "error.path");
    ft->pattern = cfg_str(cfg, "input.file.pattern");
    const char *age = json_string_value(json_object_get(cfg, "file.minimum.age.ms"));
    ft->min_age_ms = age ? strtoll(age, NULL, 10) : 0;
    json_decref(cfg);
    if (!ft->input) {
        trib_rest_reply_error(resp, 400, "Connector %s has no input.path", c);
        return -1;
    }
    if (tn) {
        trib_tenants *reg = trib_tenant_runtime_registry();
        trib_tenant *t = reg ? trib_tenants_get(reg, tn, &err) : NULL;
        if (!t) {
            trib_rest_reply_error(resp, 404, "Tenant %s not found", tn);
            return -1;
        }
        ft->quotas = t->quotas;
        ft->has_quotas = true;
        trib_tenant_free(t);
    }
    return 0;
}

/* Why a name cannot be a file name in input.path, or NULL. */
static const char *name_problem(const char *name) {
    if (!*name) return "it is empty";
    if (strlen(name) > 255) return "it is longer than 255 bytes";
    if (!strcmp(name, ".") || !strcmp(name, "..")) return "it is a relative directory name";
    if (strchr(name, '/') || strchr(name, '\\')) return "it contains a path separator";
    if (name[0] == '.') return "hidden names (starting with '.') are reserved";
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p < 0x20 || *p == 0x7f) return "it contains a control character";
    return NULL;
}

static bool pattern_matches(const char *pattern, const char *name) {
    if (!pattern) return true;
    char *full = trib_xasprintf("^(%s)$", pattern);
    regex_t re;
    bool ok = regcomp(&re, full, REG_EXTENDED | REG_NOSUB) == 0;
    free(full);
    if (!ok) return true;   /* the connector refuses such a pattern anyway */
    ok = regexec(&re, name, 0, NULL, 0) == 0;
    regfree(&re);
    return ok;
}

/* The id of a file: its identity (name, size, mtime in ns: the connector's
 * source partition) hashed, 16 hex digits. */
static void file_id(const char *name, int64_t size, int64_t mtime_ns, char out[17]) {
    unsigned char md[32];
    unsigned int n = 0;
    char *key = trib_xasprintf("%s\n%lld\n%lld", name, (long long)size, (long long)mtime_ns);
    EVP_Digest(key, strlen(key), md, &n, EVP_sha256(), NULL);
    free(key);
    for (int i = 0; i < 8; i++) snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static int64_t mtime_ns(const struct stat *st) {
    return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

/* Bytes of the visible regular files in d plus uploads in progress. */
static int64_t staged_bytes(const spool_dir *d) {
    char **names;
    size_t n = 0;
    if (trib_fs_list(d->fd, ".", &names, &n, NULL) < 0) return 0;
    int64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        if (names[i][0] == '.' && strncmp(names[i], ".upload-", 8) != 0) continue;
        struct stat st;
        if (trib_fs_stat(d->fd, names[i], &st, NULL) == 0 && S_ISREG(st.st_mode)) sum += st.st_size;
    }
    trib_strv_free(names);
    return sum;
}

/* ---- upload sink ------------------------------------------------------------------ */

typedef struct upload {
    const trib_rest_request *req;   /* for the audit record; valid until the request ends */
    file_target ft;
    char *name;
    spool_dir dir;
    char tmp[32];
    int fd;
    EVP_MD_CTX *md;
    int64_t size;
    int64_t max_file, max_staged, staged_before;
    int64_t t0_ms;
    char *location_base;
} upload;

/* Every upload, accepted or refused, goes to the audit log (docs/tenants.md). */
static void audit(const trib_rest_request *req, const char *connector, const trib_rest_response *resp) {
    const char *msg = resp->status >= 400 ? json_string_value(json_object_get(resp->body, "message")) : NULL;
    trib_rest_tenants_audit(req, resp->status, connector, msg);
}

static void upload_free(upload *u) {
    if (!u) return;
    if (u->fd >= 0) close(u->fd);
    if (u->tmp[0] && u->dir.fd >= 0) trib_fs_unlink(u->dir.fd, u->tmp, NULL);
    spool_fs_dir_close(&u->dir);
    EVP_MD_CTX_free(u->md);
    target_free(&u->ft);
    free(u->name);
    free(u->location_base);
    free(u);
}

static int too_large(trib_rest_response *resp, const char *what, int64_t limit) {
    trib_rest_reply_error(resp, 413, "The file exceeds %s (%lld bytes)", what, (long long)limit);
    return -1;
}

/* Checks size (and the staged total with it) against the limits. */
static int check_limits(const upload *u, int64_t size, trib_rest_response *resp) {
    if (u->max_file >= 0 && size > u->max_file) return too_large(resp, "the tenant's quota max_file_bytes", u->max_file);
    if (u->max_staged >= 0 && u->staged_before + size > u->max_staged)
        return too_large(resp, "the tenant's quota max_staged_bytes (files waiting in input.path)", u->max_staged);
    return 0;
}

static void *upload_open(trib_rest_request *req, trib_rest_response *resp) {
    upload *u = trib_xcalloc(1, sizeof *u);
    u->fd = -1;
    u->dir.fd = -1;
    u->t0_ms = trib_mono_ms();
    u->req = req;
    if (resolve(req, &u->ft, resp) < 0) goto fail;
    const char *name = trib_rest_kv_get(&req->params, "file");
    const char *why = name_problem(name ? name : "");
    if (why) {
        trib_rest_reply_error(resp, 400, "File name is not allowed: %s", why);
        goto fail;
    }
    if (!pattern_matches(u->ft.pattern, name)) {
        trib_rest_reply_error(resp, 400, "File name %s does not match the connector's input.file.pattern", name);
        goto fail;
    }
    u->name = trib_xstrdup(name);
    trib_error err;
    /* Created if missing, as the connector's task does at start: an upload
     * may arrive before the task has run (or while it restarts). */
    if (spool_fs_dir_open(&u->dir, u->ft.input, true, "input.path", &err) < 0) {
        trib_rest_reply_error(resp, 500, "%s", err.msg);
        goto fail;
    }
    struct stat st;
    if (trib_fs_stat(u->dir.fd, name, &st, NULL) == 0) {
        trib_rest_reply_error(resp, 409, "A file named %s is already queued", name);
        goto fail;
    }
    u->max_file = u->ft.has_quotas ? u->ft.quotas.max_file_bytes : -1;
    u->max_staged = u->ft.has_quotas ? u->ft.quotas.max_staged_bytes : -1;
    u->staged_before = u->max_staged >= 0 ? staged_bytes(&u->dir) : 0;
    const char *cl = trib_rest_request_header(req, "Content-Length");
    int64_t announced = -1;
    if (cl && trib_parse_int64(cl, &announced) == 0 && check_limits(u, announced, resp) < 0) goto fail;
    struct statvfs vfs;
    if (announced > 0 && fstatvfs(u->dir.fd, &vfs) == 0 && (int64_t)(vfs.f_bavail * vfs.f_frsize) < announced) {
        trib_rest_reply_error(resp, 507, "Not enough free space in input.path for %lld bytes", (long long)announced);
        goto fail;
    }
    unsigned char rnd[8];
    if (RAND_bytes(rnd, sizeof rnd) != 1) {
        trib_rest_reply_error(resp, 500, "no randomness for a temporary name");
        goto fail;
    }
    snprintf(u->tmp, sizeof u->tmp, ".upload-%02x%02x%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2], rnd[3], rnd[4],
             rnd[5], rnd[6], rnd[7]);
    u->fd = trib_fs_open(u->dir.fd, u->tmp, O_WRONLY | O_CREAT | O_EXCL, 0640, &err);
    if (u->fd < 0) {
        u->tmp[0] = 0;
        trib_rest_reply_error(resp, 500, "cannot create a file in input.path: %s", err.msg);
        goto fail;
    }
    u->md = EVP_MD_CTX_new();
    EVP_DigestInit_ex(u->md, EVP_sha256(), NULL);
    char *enc_c = trib_rest_pct_encode(trib_rest_kv_get(&req->params, "connector"));
    char *enc_t = u->ft.tenant ? trib_rest_pct_encode(u->ft.tenant) : NULL;
    u->location_base = enc_t ? trib_xasprintf("/tenants/%s/connectors/%s/files/", enc_t, enc_c)
                             : trib_xasprintf("/connectors/%s/files/", enc_c);
    free(enc_c);
    free(enc_t);
    return u;
fail:
    audit(req, u->ft.connector, resp);
    upload_free(u);
    return NULL;
}

static int upload_write(void *sink, const void *data, size_t n, trib_rest_response *resp) {
    upload *u = sink;
    if (check_limits(u, u->size + (int64_t)n, resp) < 0) {
        audit(u->req, u->ft.connector, resp);
        return -1;
    }
    const char *p = data;
    size_t left = n;
    while (left > 0) {
        ssize_t w = write(u->fd, p, left);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
            trib_rest_reply_error(resp, errno == ENOSPC || errno == EDQUOT ? 507 : 500, "cannot write the upload: %s",
                                  strerror(errno));
            audit(u->req, u->ft.connector, resp);
            return -1;
        }
        p += w;
        left -= (size_t)w;
    }
    EVP_DigestUpdate(u->md, data, n);
    u->size += (int64_t)n;
    return 0;
}

static void upload_abort(void *sink) {
    upload *u = sink;
    if (u && u->tmp[0]) TRIB_INFO("rest", "upload of %s to %s abandoned after %lld bytes", u->name, u->ft.connector,
                                  (long long)u->size);
    upload_free(u);
}

static const trib_rest_stream_ops upload_ops = {
    .open = upload_open,
    .write = upload_write,
    .abort = upload_abort,
};

/* The body is complete: make the file visible under its name. Takes u. */
static void upload_finish(upload *u, trib_rest_response *resp) {
    unsigned char md[32];
    unsigned int mdn = 0;
    EVP_DigestFinal_ex(u->md, md, &mdn);
    char hex[65];
    for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
    int64_t upload_ms = trib_mono_ms() - u->t0_ms;
    int64_t now = trib_now_ms();
    char meta[256];
    snprintf(meta, sizeof meta, "{\"uploaded_at\":%lld,\"upload_ms\":%lld,\"sha256\":\"%s\"}", (long long)now,
             (long long)upload_ms, hex);
    (void)fsetxattr(u->fd, XATTR, meta, strlen(meta), 0);   /* best effort: not every file system has user xattrs */
    if (fsync(u->fd) < 0) {
        trib_rest_reply_error(resp, 500, "cannot sync the upload: %s", strerror(errno));
        upload_free(u);
        return;
    }
    close(u->fd);
    u->fd = -1;
    trib_error err;
    if (trib_fs_rename(u->dir.fd, u->tmp, u->name, RENAME_NOREPLACE, &err) < 0) {
        if (err.code == TRIB_ERR_CONFLICT) trib_rest_reply_error(resp, 409, "A file named %s is already queued", u->name);
        else trib_rest_reply_error(resp, 500, "cannot rename the upload into place: %s", err.msg);
        upload_free(u);
        return;
    }
    u->tmp[0] = 0;   /* it is the file now: nothing to clean up */
    trib_fs_fsync_dir(u->dir.fd, ".", NULL);
    struct stat st;
    char id[17] = "";
    if (trib_fs_stat(u->dir.fd, u->name, &st, NULL) == 0) file_id(u->name, st.st_size, mtime_ns(&st), id);
    TRIB_INFO("rest", "uploaded %s to %s: %lld bytes in %lld ms", u->name, u->ft.connector, (long long)u->size,
              (long long)upload_ms);
    resp->location = trib_xasprintf("%s%s", u->location_base, id);
    trib_rest_reply(resp, 201,
                    json_pack("{s:s, s:s, s:I, s:s, s:I, s:s}", "id", id, "name", u->name, "size", (json_int_t)u->size,
                              "sha256", hex, "upload_ms", (json_int_t)upload_ms, "state", "QUEUED"));
    upload_free(u);
}

static void h_upload_done(trib_rest_request *req, trib_rest_response *resp) {
    upload *u = req->stream;
    req->stream = NULL;
    char *connector = trib_xstrdup(u->ft.connector);
    upload_finish(u, resp);
    audit(req, connector, resp);
    free(connector);
}

/* ---- status ---------------------------------------------------------------------------- */

typedef struct file_row {
    char *name;
    int64_t size, mtime_ns;
    const char *state;
    char id[17];
    json_t *offset;    /* committed offset, or NULL */
    json_t *report;    /* error report (FAILED), or NULL */
    json_t *meta;      /* upload xattr, or NULL */
} file_row;

typedef struct file_rows {
    file_row *v;
    size_t n, cap;
} file_rows;

static json_t *read_meta(int dfd, const char *name) {
    char buf[512];
    int fd = trib_fs_open(dfd, name, O_RDONLY | O_NONBLOCK, 0, NULL);
    if (fd < 0) return NULL;
    ssize_t n = fgetxattr(fd, XATTR, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return NULL;
    buf[n] = 0;
    return json_loads(buf, 0, NULL);
}

/* Adds the visible regular files beneath dfd (and of its yyyy-MM-dd
 * subdirectories when dated) in state `state`. */
static void scan_fd(int dfd, const char *state, bool dated, file_rows *rows) {
    char **names;
    size_t n = 0;
    if (trib_fs_list(dfd, ".", &names, &n, NULL) < 0) return;
    for (size_t i = 0; i < n; i++) {
        const char *name = names[i];
        if (name[0] == '.') continue;
        struct stat st;
        if (trib_fs_stat(dfd, name, &st, NULL) < 0) continue;
        if (S_ISDIR(st.st_mode) && dated && strlen(name) == 10) {
            int sub = trib_fs_opendir(dfd, name, NULL);
            if (sub >= 0) {
                scan_fd(sub, state, false, rows);
                close(sub);
            }
            continue;
        }
        if (!S_ISREG(st.st_mode) || trib_str_endswith(name, ".error.json")) continue;
        if (rows->n == rows->cap) {
            rows->cap = rows->cap ? rows->cap * 2 : 32;
            rows->v = trib_xrealloc(rows->v, rows->cap * sizeof *rows->v);
        }
        file_row *r = &rows->v[rows->n++];
        memset(r, 0, sizeof *r);
        r->name = trib_xstrdup(name);
        r->size = st.st_size;
        r->mtime_ns = mtime_ns(&st);
        r->state = state;
        file_id(r->name, r->size, r->mtime_ns, r->id);
        r->meta = read_meta(dfd, name);
        if (!strcmp(state, "FAILED")) {
            char *rn = trib_xasprintf("%s.error.json", name);
            int rfd = trib_fs_open(dfd, rn, O_RDONLY, 0, NULL);
            if (rfd >= 0) {
                r->report = json_loadfd(rfd, 0, NULL);
                close(rfd);
            }
            free(rn);
        }
    }
    trib_strv_free(names);
}

static void scan_dir(const char *path, const char *state, bool dated, file_rows *rows) {
    if (!path) return;
    int dfd = trib_fs_root_open(path, NULL);
    if (dfd < 0) return;
    scan_fd(dfd, state, dated, rows);
    close(dfd);
}

static void rows_free(file_rows *rows) {
    for (size_t i = 0; i < rows->n; i++) {
        free(rows->v[i].name);
        json_decref(rows->v[i].offset);
        json_decref(rows->v[i].report);
        json_decref(rows->v[i].meta);
    }
    free(rows->v);
}

static int cmp_rows(const void *a, const void *b) {
    const file_row *x = a, *y = b;
    return x->mtime_ns < y->mtime_ns ? 1 : x->mtime_ns > y->mtime_ns ? -1 : strcmp(x->name, y->name);
}

/* Every file of the connector with its committed offset. */
static int collect(trib_rest_request *req, const file_target *ft, file_rows *rows, trib_rest_response *resp) {
    memset(rows, 0, sizeof *rows);
    scan_dir(ft->input, "QUEUED", false, rows);
    size_t ninput = rows->n;
    scan_dir(ft->finished, "FINISHED", true, rows);
    scan_dir(ft->error, "FAILED", false, rows);
    trib_error err = {0};
    json_t *offs = trib_herder_offsets(req->herder, ft->connector, &err);
    if (!offs) {
        rows_free(rows);
        trib_rest_reply_err(resp, &err);
        return -1;
    }
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(offs, "offsets"), i, o) {
        const json_t *p = json_object_get(o, "partition");
        const char *fn = json_string_value(json_object_get(p, "fileName"));
        int64_t size = json_integer_value(json_object_get(p, "size"));
        int64_t mt = json_integer_value(json_object_get(p, "mtime"));
        if (!fn) continue;
        for (size_t k = 0; k < rows->n; k++) {
            file_row *r = &rows->v[k];
            if (r->size == size && r->mtime_ns == mt && !strcmp(r->name, fn) && !r->offset)
                r->offset = json_incref(json_object_get(o, "offset"));
        }
    }
    json_decref(offs);
    int64_t now_ms = trib_now_ms();
    for (size_t k = 0; k < ninput; k++) {
        file_row *r = &rows->v[k];
        if (r->offset) r->state = json_is_true(json_object_get(r->offset, "eof")) ? "FINISHED" : "PROCESSING";
        else if (ft->min_age_ms > 0 && now_ms - r->mtime_ns / 1000000 < ft->min_age_ms) r->state = "UPLOADED";
        else if (!pattern_matches(ft->pattern, r->name)) r->state = "UPLOADED";
    }
    if (rows->n) qsort(rows->v, rows->n, sizeof *rows->v, cmp_rows);
    return 0;
}

static json_t *row_json(const file_row *r, bool detail) {
    json_t *j = json_pack("{s:s, s:s, s:s, s:I}", "id", r->id, "name", r->name, "state", r->state, "size",
                          (json_int_t)r->size);
    const json_t *o = r->offset;
    bool done = !strcmp(r->state, "FINISHED");
    int64_t pos = o ? json_integer_value(json_object_get(o, "position")) : 0;
    int64_t bytes = done ? r->size : pos;
    json_object_set_new(j, "bytes_done", json_integer(bytes));
    json_object_set_new(j, "percent", json_real(r->size > 0 ? (double)bytes * 100.0 / (double)r->size : (done ? 100.0 : 0.0)));
    int64_t rows = o ? json_integer_value(json_object_get(o, "rows")) : 0;
    json_object_set_new(j, "rows_done", json_integer(rows));
    json_object_set_new(j, "rows_rejected", json_integer(o ? json_integer_value(json_object_get(o, "rejected")) : 0));
    int64_t modified_ms = r->mtime_ns / 1000000;
    json_t *t = json_object();
    if (r->meta) {
        json_object_set(t, "upload_ms", json_object_get(r->meta, "upload_ms"));
        json_object_set(t, "uploaded_at", json_object_get(r->meta, "uploaded_at"));
        json_object_set(j, "sha256", json_object_get(r->meta, "sha256"));
    }
    if (o) {
        int64_t started = json_integer_value(json_object_get(o, "started"));
        int64_t updated = json_integer_value(json_object_get(o, "updated"));
        if (started > 0) {
            json_object_set_new(t, "queued_ms", json_integer(started > modified_ms ? started - modified_ms : 0));
            json_object_set_new(t, "processing_ms", json_integer(updated >= started ? updated - started : 0));
            double secs = (double)(updated - started) / 1000.0;
            json_object_set_new(t, "rows_per_sec", json_real(secs > 0 ? (double)rows / secs : 0));
            if (json_is_true(json_object_get(o, "eof"))) json_object_set_new(t, "finished_at", json_integer(updated));
        }
    }
    json_object_set_new(j, "timings", t);
    if (detail) {
        json_t *errs = json_array();
        json_t *oe = o ? json_object_get(o, "errors") : NULL;
        if (json_is_array(oe)) json_array_extend(errs, oe);
        if (r->report) {
            json_t *e = json_object();
            json_object_set(e, "line", json_object_get(r->report, "line"));
            json_object_set(e, "column", json_object_get(r->report, "column"));
            json_object_set(e, "field", json_object_get(r->report, "field"));
            json_object_set(e, "reason", json_object_get(r->report, json_object_get(r->report, "error") ? "error" : "reason"));
            json_array_append_new(errs, e);
        }
        json_object_set_new(j, "errors", errs);
    }
    return j;
}

static void h_list_files(trib_rest_request *req, trib_rest_response *resp) {
    file_target ft;
    if (resolve(req, &ft, resp) < 0) {
        target_free(&ft);
        return;
    }
    file_rows rows;
    if (collect(req, &ft, &rows, resp) == 0) {
        json_t *arr = json_array();
        for (size_t i = 0; i < rows.n && i < LIST_MAX; i++) json_array_append_new(arr, row_json(&rows.v[i], false));
        trib_rest_reply(resp, 200, arr);
        rows_free(&rows);
    }
    target_free(&ft);
}

static void h_get_file(trib_rest_request *req, trib_rest_response *resp) {
    file_target ft;
    if (resolve(req, &ft, resp) < 0) {
        target_free(&ft);
        return;
    }
    const char *id = trib_rest_kv_get(&req->params, "file");
    file_rows rows;
    if (collect(req, &ft, &rows, resp) == 0) {
        size_t i = 0;
        while (i < rows.n && strcmp(rows.v[i].id, id) != 0) i++;
        if (i < rows.n) trib_rest_reply(resp, 200, row_json(&rows.v[i], true));
        else trib_rest_reply_error(resp, 404, "File %s not found", id);
        rows_free(&rows);
    }
    target_free(&ft);
}

#define H TRIB_REST_NEEDS_HERDER
static const trib_rest_route file_routes[] = {
    {"GET", "/connectors/{connector}/files", h_list_files, H},
    {"GET", "/connectors/{connector}/files/{file}", h_get_file, H},
    {"GET", "/tenants/{tenant}/connectors/{connector}/files", h_list_files, H},
    {"GET", "/tenants/{tenant}/connectors/{connector}/files/{file}", h_get_file, H},
};
static const trib_rest_route upload_routes[] = {
    {"POST", "/connectors/{connector}/files/{file}", h_upload_done, H},
    {"POST", "/tenants/{tenant}/connectors/{connector}/files/{file}", h_upload_done, H},
};

void trib_rest_add_file_routes(trib_rest_router *r) {
    trib_rest_router_add(r, file_routes, sizeof file_routes / sizeof *file_routes);
    for (size_t i = 0; i < sizeof upload_routes / sizeof *upload_routes; i++)
        trib_rest_router_add_stream(r, &upload_routes[i], &upload_ops);
}
