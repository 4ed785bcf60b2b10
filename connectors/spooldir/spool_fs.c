/*
 * spool_fs.c: file access of the spool-directory connectors, by name
 * beneath an open directory handle (see spool_fs.h for the rules).
 */
#include "connectors/spooldir/spool_fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return trib_error_set(err, TRIB_ERR_IO, "%s: cannot open directory %s: %s", key, path, strerror(errno));
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
    int fd = openat(d->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
    if (!dir) {
        if (fd >= 0) close(fd);
        return trib_error_set(err, TRIB_ERR_IO, "cannot list %s: %s", d->path, strerror(errno));
    }
    size_t cap = 0;
    for (struct dirent *e; (e = readdir(dir));) {
        if (!spool_fs_name_ok(e->d_name)) continue;
        if (e->d_type != DT_REG && e->d_type != DT_UNKNOWN) continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *names = trib_xrealloc(*names, cap * sizeof **names);
        }
        (*names)[(*n)++] = trib_xstrdup(e->d_name);
    }
    closedir(dir);
    return 0;
}

int spool_fs_stat(const spool_dir *d, const char *name, struct stat *st) {
    if (!spool_fs_name_ok(name)) {
        errno = EINVAL;
        return -1;
    }
    return fstatat(d->fd, name, st, AT_SYMLINK_NOFOLLOW);
}

int spool_fs_open_read(const spool_dir *d, const char *name, struct stat *st, trib_error *err) {
    if (!spool_fs_name_ok(name)) return trib_error_set(err, TRIB_ERR_INVALID, "bad file name");
    int fd = openat(d->fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return trib_error_set(err, TRIB_ERR_IO, "cannot open %s in %s: %s", name, d->path, strerror(errno));
    if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
        close(fd);
        return trib_error_set(err, TRIB_ERR_IO, "%s in %s is not a regular file", name, d->path);
    }
    return fd;
}

int spool_fs_move(const spool_dir *from, const char *name, const spool_dir *to, const char *subdir,
                  const char *to_name, trib_error *err) {
    if (!spool_fs_name_ok(name) || !spool_fs_name_ok(to_name)) return trib_error_set(err, TRIB_ERR_INVALID, "bad file name");
    int dfd = to->fd;
    if (subdir) {
        if (!spool_fs_name_ok(subdir)) return trib_error_set(err, TRIB_ERR_INVALID, "bad directory name");
        if (mkdirat(to->fd, subdir, 0750) < 0 && errno != EEXIST)
            return trib_error_set(err, TRIB_ERR_IO, "cannot create %s/%s: %s", to->path, subdir, strerror(errno));
        dfd = openat(to->fd, subdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0) return trib_error_set(err, TRIB_ERR_IO, "cannot open %s/%s: %s", to->path, subdir, strerror(errno));
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
    if (unlinkat(d->fd, name, 0) < 0 && errno != ENOENT)
        return trib_error_set(err, TRIB_ERR_IO, "cannot delete %s in %s: %s", name, d->path, strerror(errno));
    fsync(d->fd);
    return 0;
}

int spool_fs_write(const spool_dir *d, const char *name, const void *data, size_t len, trib_error *err) {
    if (!spool_fs_name_ok(name)) return trib_error_set(err, TRIB_ERR_INVALID, "bad file name");
    char tmp[300];
    snprintf(tmp, sizeof tmp, ".tmp-%d-%s", (int)getpid(), name);
    tmp[255] = 0;
    int fd = openat(d->fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0640);
    if (fd < 0) return trib_error_set(err, TRIB_ERR_IO, "cannot write %s in %s: %s", name, d->path, strerror(errno));
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
    if (!ok || renameat(d->fd, tmp, d->fd, name) < 0) {
        int e = errno;
        unlinkat(d->fd, tmp, 0);
        return trib_error_set(err, TRIB_ERR_IO, "cannot write %s in %s: %s", name, d->path, strerror(e));
    }
    fsync(d->fd);
    return 0;
}
