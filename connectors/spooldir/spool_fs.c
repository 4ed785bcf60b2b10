/*
 * spool_fs.c: file access of the spool-directory connectors, by name
 * beneath an open directory handle (see spool_fs.h for the rules), through
 * the kernel-enforced confinement of common/fs_confine.h: opens refuse
 * symlinks, hard-linked and non-regular files; listing, stat, unlink,
 * mkdir and same-directory renames resolve beneath the directory fd.
 *
 * Moving a file to another directory (finished.path, error.path) is the
 * one operation fs_confine has no call for (its rename works beneath one
 * root). It is renameat2 between the two directory fds with a single
 * validated name component on each side, which resolves no path at all:
 * the final component is never followed, so nothing outside either
 * directory can be reached.
 */
#include "connectors/spooldir/spool_fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fs_confine.h"
#include "common/util.h"

bool spool_fs_name_ok(const char *name) {
    if (!name || !*name || name[0] == '.') return false;   /* hidden, ".", ".." */
    size_t n = strlen(name);
    if (n > 255) return false;
    for (size_t i = 0; i < n; i++)
        if (name[i] == '/' || name[i] == '\\' || (unsigned char)name[i] < 0x20) return false;
    return true;
}

int spool_fs_dir_open(spool_dir *d, const char *path, bool create, const char *key, trib_error *err) {
    d->fd = -1;
    d->path = NULL;
    if (!path || !*path) return trib_error_set(err, TRIB_ERR_INVALID, "%s is not set", key);
    if (create && mkdir(path, 0750) < 0 && errno != EEXIST)
        return trib_error_set(err, TRIB_ERR_IO, "%s: cannot create directory %s: %s", key, path, strerror(errno));
    trib_error oerr;
    int fd = trib_fs_root_open(path, &oerr);
    if (fd < 0) return trib_error_set(err, TRIB_ERR_IO, "%s: %s", key, oerr.msg);
    if (faccessat(fd, ".", W_OK, AT_EACCESS) < 0) {
        close(fd);
        return trib_error_set(err, TRIB_ERR_IO, "%s: directory %s is not writable", key, path);
    }
    d->fd = fd;
    d->path = trib_xstrdup(path);
    return 0;
}

void spool_fs_dir_close(spool_dir *d) {
    if (d->fd >= 0) close(d->fd);
    d->fd = -1;
    free(d->path);
    d->path = NULL;
}

int spool_fs_list(const spool_dir *d, char ***names, size_t *n, trib_error *err) {
    *names = NULL;
    *n = 0;
    char **all;
    size_t nall = 0;
    if (trib_fs_list(d->fd, ".", &all, &nall, err) < 0) return trib_error_prefix(err, "cannot list %s", d->path);
    size_t cap = 0;
    for (size_t i = 0; i < nall; i++) {
        struct stat st;
        if (!spool_fs_name_ok(all[i]) || spool_fs_stat(d, all[i], &st) < 0 || !S_ISREG(st.st_mode)) continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *names = trib_xrealloc(*names, cap * sizeof **names);
        }
        (*names)[(*n)++] = trib_xstrdup(all[i]);
    }
    trib_strv_free(all);
    return 0;
}

int spool_fs_stat(const spool_dir *d, const char *name, struct stat *st) {
    if (!spool_fs_name_ok(name)) {
        errno = EINVAL;
        return -1;
    }
    return trib_fs_stat(d->fd, name, st, NULL);
}

int spool_fs_open_read(const spool_dir *d, const char *name, struct stat *st, trib_error *err) {
    if (!spool_fs_name_ok(name)) return trib_error_set(err, TRIB_ERR_INVALID, "bad file name");
    int fd = trib_fs_open(d->fd, name, O_RDONLY | O_NONBLOCK, 0, err);
    if (fd < 0) return trib_error_prefix(err, "%s", d->path);
    if (fstat(fd, st) < 0) {
        close(fd);
        return trib_error_set(err, TRIB_ERR_IO, "cannot stat %s in %s: %s", name, d->path, strerror(errno));
    }
    return fd;
}

int spool_fs_move(const spool_dir *from, const char *name, const spool_dir *to, const char *subdir,
                  const char *to_name, trib_error *err) {
    if (!spool_fs_name_ok(name) || !spool_fs_name_ok(to_name)) return trib_error_set(err, TRIB_ERR_INVALID, "bad file name");
    int dfd = to->fd;
    if (subdir) {
        if (!spool_fs_name_ok(subdir)) return trib_error_set(err, TRIB_ERR_INVALID, "bad directory name");
        if (trib_fs_mkdir(to->fd, subdir, 0750, true, err) < 0) return trib_error_prefix(err, "%s", to->path);
        dfd = trib_fs_opendir(to->fd, subdir, err);
        if (dfd < 0) return trib_error_prefix(err, "%s", to->path);
    }
    int rc = -1;
    char target[300];
    snprintf(target, sizeof target, "%s", to_name);
    for (int i = 1; i < 1000; i++) {
        if (renameat2(from->fd, name, dfd, target, RENAME_NOREPLACE) == 0) {
            rc = 0;
            break;
        }
        if (errno != EEXIST) {
            trib_error_set(err, TRIB_ERR_IO, "cannot move %s from %s to %s: %s", name, from->path, to->path,
                           strerror(errno));
            break;
        }
        snprintf(target, sizeof target, "%s.%d", to_name, i);
    }
    if (rc < 0 && errno == EEXIST) trib_error_set(err, TRIB_ERR_IO, "cannot move %s: too many files of that name", name);
    if (rc == 0) fsync(dfd);
    if (subdir) close(dfd);
    return rc;
}

int spool_fs_unlink(const spool_dir *d, const char *name, trib_error *err) {
    if (!spool_fs_name_ok(name)) return trib_error_set(err, TRIB_ERR_INVALID, "bad file name");
    trib_error e;
    if (trib_fs_unlink(d->fd, name, &e) < 0 && e.code != TRIB_ERR_NOT_FOUND) {
        if (err) *err = e;
        return trib_error_prefix(err, "cannot delete from %s", d->path);
    }
    trib_fs_fsync_dir(d->fd, ".", NULL);
    return 0;
}

int spool_fs_write(const spool_dir *d, const char *name, const void *data, size_t len, trib_error *err) {
    if (!spool_fs_name_ok(name)) return trib_error_set(err, TRIB_ERR_INVALID, "bad file name");
    char tmp[300];
    snprintf(tmp, sizeof tmp, ".tmp-%d-%s", (int)getpid(), name);
    tmp[255] = 0;
    int fd = trib_fs_open(d->fd, tmp, O_WRONLY | O_CREAT | O_TRUNC, 0640, err);
    if (fd < 0) return trib_error_prefix(err, "cannot write %s in %s", name, d->path);
    const char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        p += w;
        left -= (size_t)w;
    }
    int ok = left == 0 && fsync(fd) == 0;
    close(fd);
    if (!ok) {
        trib_fs_unlink(d->fd, tmp, NULL);
        return trib_error_set(err, TRIB_ERR_IO, "cannot write %s in %s", name, d->path);
    }
    if (trib_fs_rename(d->fd, tmp, name, 0, err) < 0) {
        trib_fs_unlink(d->fd, tmp, NULL);
        return trib_error_prefix(err, "cannot write %s in %s", name, d->path);
    }
    trib_fs_fsync_dir(d->fd, ".", NULL);
    return 0;
}

void spool_file_id(const char *name, int64_t size, int64_t mtime_ns, char out[17]) {
    unsigned char md[32];
    unsigned int n = 0;
    char *key = trib_xasprintf("%s\n%lld\n%lld", name, (long long)size, (long long)mtime_ns);
    EVP_Digest(key, strlen(key), md, &n, EVP_sha256(), NULL);
    free(key);
    for (int i = 0; i < 8; i++) snprintf(out + 2 * i, 3, "%02x", md[i]);
}

int64_t spool_mtime_ns(const struct stat *st) {
    return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}
