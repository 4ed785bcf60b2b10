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
 * Status comes from the file status store (worker/file_status.h: a
 * compacted topic in distributed mode, a file in standalone mode), so any
 * worker answers the same, a restart loses nothing, and a file that was
 * deleted or moved away keeps its history: the upload writes the file's
 * UPLOADED record (size, sha256, upload time), the task the rest. Files
 * copied into input.path by other means show as UPLOADED or QUEUED until
 * the task records them.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
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
#include "transforms/java_regex.h"
#include "worker/connector.h"
#include "worker/file_status.h"

#define SPOOLDIR_PREFIX "com.github.jcustenborder.kafka.connect.spooldir."
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

/* input.file.pattern on the connector's engine (connectors/spooldir: a
 * Java regex through transforms/java_regex.h). */
static bool pattern_matches(const char *pattern, const char *name) {
    if (!pattern) return true;
    trib_jregex *re = trib_jregex_compile(pattern, NULL);
    if (!re) return true;   /* the connector refuses such a pattern at validation */
    bool ok = trib_jregex_matches(re, name);
    trib_jregex_free(re);
    return ok;
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

/* The file's UPLOADED status. The file is in place already: a status that
 * cannot be written is logged, and the task's records carry the file on. */
static void record_upload(upload *u, const struct stat *st, const char *id, const char *sha256, int64_t upload_ms) {
    trib_file_status *fs = trib_herder_file_status(u->req->herder);
    if (!fs) return;
    int64_t now = trib_now_ms();
    json_t *f = json_pack("{s:s, s:I, s:I, s:s, s:s, s:I, s:I, s:I}", "name", u->name, "size", (json_int_t)st->st_size,
                          "mtime", (json_int_t)spool_mtime_ns(st), "state", "UPLOADED", "sha256", sha256, "upload_ms",
                          (json_int_t)upload_ms, "uploaded_at", (json_int_t)now, "updated", (json_int_t)now);
    trib_error err;
    if (trib_file_status_put(fs, u->ft.connector, id, f, &err) < 0)
        TRIB_WARN("rest", "cannot record the upload of %s to %s: %s", u->name, u->ft.connector, err.msg);
    json_decref(f);
}

/* The body is complete: make the file visible under its name. Takes u. */
static void upload_finish(upload *u, trib_rest_response *resp) {
    unsigned char md[32];
    unsigned int mdn = 0;
    EVP_DigestFinal_ex(u->md, md, &mdn);
    char hex[65];
    for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
    int64_t upload_ms = trib_mono_ms() - u->t0_ms;
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
    if (trib_fs_stat(u->dir.fd, u->name, &st, NULL) == 0) {
        spool_file_id(u->name, st.st_size, spool_mtime_ns(&st), id);
        record_upload(u, &st, id, hex, upload_ms);
    }
    TRIB_INFO("rest", "uploaded %s to %s: %lld bytes in %lld ms", u->name, u->ft.connector, (long long)u->size,
              (long long)upload_ms);
    resp->location = trib_xasprintf("%s%s", u->location_base, id);
    trib_rest_reply(resp, 201,
                    json_pack("{s:s, s:s, s:I, s:s, s:I, s:s}", "id", id, "name", u->name, "size", (json_int_t)u->size,
                              "sha256", hex, "upload_ms", (json_int_t)upload_ms, "state", "UPLOADED"));
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

/* When a file entered the picture, for newest-first order. */
static int64_t first_seen_ms(const json_t *r) {
    static const char *const keys[] = {"uploaded_at", "queued_at", "started", "updated", NULL};
    for (int i = 0; keys[i]; i++) {
        int64_t t = json_integer_value(json_object_get(r, keys[i]));
        if (t > 0) return t;
    }
    return json_integer_value(json_object_get(r, "mtime")) / 1000000;
}

static int cmp_newest(const void *a, const void *b) {
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int64_t tx = first_seen_ms(x), ty = first_seen_ms(y);
    if (tx != ty) return tx < ty ? 1 : -1;
    return strcmp(json_string_value(json_object_get(x, "name")), json_string_value(json_object_get(y, "name")));
}

/* Every file of the connector, newest first (a new array): the status
 * records (worker/file_status.h), plus the files waiting in input.path that
 * no upload or task has recorded yet (copied there by other means), as
 * UPLOADED until they are ready (file.minimum.age.ms, input.file.pattern),
 * QUEUED then. */
static json_t *collect(trib_rest_request *req, const file_target *ft) {
    trib_file_status *fs = trib_herder_file_status(req->herder);
    json_t *recs = fs ? trib_file_status_list(fs, ft->connector) : json_array();
    json_t *known = json_object();
    size_t i;
    json_t *r;
    json_array_foreach(recs, i, r) json_object_set(known, json_string_value(json_object_get(r, "id")), json_true());
    int dfd = trib_fs_root_open(ft->input, NULL);
    char **names = NULL;
    size_t n = 0;
    if (dfd >= 0 && trib_fs_list(dfd, ".", &names, &n, NULL) == 0) {
        int64_t now_ms = trib_now_ms();
        for (size_t k = 0; k < n; k++) {
            struct stat st;
            if (names[k][0] == '.' || trib_fs_stat(dfd, names[k], &st, NULL) < 0 || !S_ISREG(st.st_mode)) continue;
            char id[17];
            spool_file_id(names[k], st.st_size, spool_mtime_ns(&st), id);
            if (json_object_get(known, id)) continue;
            bool young = ft->min_age_ms > 0 && now_ms - spool_mtime_ns(&st) / 1000000 < ft->min_age_ms;
            const char *state = young || !pattern_matches(ft->pattern, names[k]) ? "UPLOADED" : "QUEUED";
            json_array_append_new(recs, json_pack("{s:s, s:s, s:s, s:I, s:I}", "id", id, "name", names[k], "state",
                                                  state, "size", (json_int_t)st.st_size, "mtime",
                                                  (json_int_t)spool_mtime_ns(&st)));
        }
        trib_strv_free(names);
    }
    if (dfd >= 0) close(dfd);
    json_decref(known);
    size_t total = json_array_size(recs);
    json_t **v = trib_xcalloc(total ? total : 1, sizeof *v);
    for (i = 0; i < total; i++) v[i] = json_incref(json_array_get(recs, i));
    qsort(v, total, sizeof *v, cmp_newest);
    json_t *out = json_array();
    for (i = 0; i < total; i++) json_array_append_new(out, v[i]);
    free(v);
    json_decref(recs);
    return out;
}

static int64_t field(const json_t *r, const char *key) {
    return json_integer_value(json_object_get(r, key));
}

/* The answer for one file, from its record. */
static json_t *row_json(const json_t *r, bool detail) {
    const char *state = json_string_value(json_object_get(r, "state"));
    int64_t size = field(r, "size");
    json_t *j = json_pack("{s:O, s:O, s:s, s:I}", "id", json_object_get(r, "id"), "name", json_object_get(r, "name"),
                          "state", state, "size", (json_int_t)size);
    bool done = !strcmp(state, "FINISHED");
    int64_t bytes = done ? size : field(r, "bytes_done");
    json_object_set_new(j, "bytes_done", json_integer(bytes));
    json_object_set_new(j, "percent", json_real(size > 0 ? (double)bytes * 100.0 / (double)size : (done ? 100.0 : 0.0)));
    int64_t rows = field(r, "rows");
    json_object_set_new(j, "rows_done", json_integer(rows));
    json_object_set_new(j, "rows_rejected", json_integer(field(r, "rejected")));
    if (json_is_string(json_object_get(r, "sha256"))) json_object_set(j, "sha256", json_object_get(r, "sha256"));
    json_t *t = json_object();
    if (json_object_get(r, "upload_ms")) json_object_set(t, "upload_ms", json_object_get(r, "upload_ms"));
    if (json_object_get(r, "uploaded_at")) json_object_set(t, "uploaded_at", json_object_get(r, "uploaded_at"));
    int64_t started = field(r, "started");
    if (started > 0) {
        int64_t since = field(r, "uploaded_at");
        if (!since) since = field(r, "queued_at");
        if (!since) since = field(r, "mtime") / 1000000;
        int64_t end = field(r, "finished_at");
        if (!end) end = field(r, "updated");
        json_object_set_new(t, "queued_ms", json_integer(started > since ? started - since : 0));
        json_object_set_new(t, "processing_ms", json_integer(end >= started ? end - started : 0));
        double secs = (double)(end - started) / 1000.0;
        json_object_set_new(t, "rows_per_sec", json_real(secs > 0 ? (double)rows / secs : 0));
    }
    if (field(r, "finished_at") > 0) json_object_set(t, "finished_at", json_object_get(r, "finished_at"));
    json_object_set_new(j, "timings", t);
    if (detail) {
        json_t *errs = json_object_get(r, "errors");
        json_object_set_new(j, "errors", json_is_array(errs) ? json_deep_copy(errs) : json_array());
        if (json_is_string(json_object_get(r, "reason"))) json_object_set(j, "reason", json_object_get(r, "reason"));
    }
    return j;
}

static void h_list_files(trib_rest_request *req, trib_rest_response *resp) {
    file_target ft;
    if (resolve(req, &ft, resp) < 0) {
        target_free(&ft);
        return;
    }
    json_t *recs = collect(req, &ft);
    json_t *arr = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(recs, i, r) {
        if (i >= LIST_MAX) break;
        json_array_append_new(arr, row_json(r, false));
    }
    json_decref(recs);
    trib_rest_reply(resp, 200, arr);
    target_free(&ft);
}

static void h_get_file(trib_rest_request *req, trib_rest_response *resp) {
    file_target ft;
    if (resolve(req, &ft, resp) < 0) {
        target_free(&ft);
        return;
    }
    const char *id = trib_rest_kv_get(&req->params, "file");
    json_t *recs = collect(req, &ft);
    size_t i;
    json_t *r, *found = NULL;
    json_array_foreach(recs, i, r)
        if (!found && !strcmp(json_string_value(json_object_get(r, "id")), id)) found = r;
    if (found) trib_rest_reply(resp, 200, row_json(found, true));
    else trib_rest_reply_error(resp, 404, "File %s not found", id);
    json_decref(recs);
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
