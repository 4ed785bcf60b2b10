/*
 * fs_confine.c: confined file operations (fs_confine.h).
 *
 * Everything goes through resolve(): openat2 with RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS, or, when the kernel has no
 * openat2, a walk that opens one component at a time with O_NOFOLLOW from
 * the root fd. Operations on a final name open the parent with resolve()
 * and use the *at(2) call on the name, which does not follow it.
 */
#include "common/fs_confine.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/util.h"

static atomic_bool force_walk;
static atomic_bool no_openat2;   /* learnt from the first ENOSYS */

void trib_fs_confine_force_walk(bool on) { atomic_store(&force_walk, on); }

/* A path quoted in a message: bounded, printable (a tenant chose it). */
static const char *shown(const char *s, char *buf, size_t cap) {
    size_t j = 0, i = 0;
    for (; s && s[i] && j + 4 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[j++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    if (s && s[i]) {
        buf[j++] = '.';
        buf[j++] = '.';
        buf[j++] = '.';
    }
    buf[j] = '\0';
    return buf;
}

/* Translates errno e of operation op on rel. */
static int fail(trib_error *err, const char *op, const char *rel, int e) {
    char b[200];
    const char *p = shown(rel, b, sizeof b);
    switch (e) {
    case ELOOP:
        return trib_error_set(err, TRIB_ERR_FORBIDDEN,
                              "fs: cannot %s '%s': it is or passes through a symbolic link, which is not followed "
                              "in a confined directory",
                              op, p);
    case EXDEV:
        return trib_error_set(err, TRIB_ERR_FORBIDDEN, "fs: cannot %s '%s': it leads outside the confined directory",
                              op, p);
    case ENOENT:
        return trib_error_set(err, TRIB_ERR_NOT_FOUND, "fs: cannot %s '%s': no such file or directory", op, p);
    case EEXIST:
    case ENOTEMPTY:
        return trib_error_set(err, TRIB_ERR_CONFLICT, "fs: cannot %s '%s': %s", op, p, strerror(e));
    default:
        return trib_error_set(err, TRIB_ERR_IO, "fs: cannot %s '%s': %s", op, p, strerror(e));
    }
}

/* Refuses what no confined path may be: NULL, absolute, ".." anywhere, too
 * long. empty_ok allows "" (the root itself). */
static int check_rel(const char *op, const char *rel, bool empty_ok, trib_error *err) {
    char b[200];
    if (!rel || (!*rel && !empty_ok))
        return trib_error_set(err, TRIB_ERR_INVALID, "fs: cannot %s an empty path", op);
    if (rel[0] == '/')
        return trib_error_set(err, TRIB_ERR_FORBIDDEN,
                              "fs: cannot %s '%s': absolute paths are not allowed in a confined directory", op,
                              shown(rel, b, sizeof b));
    if (strlen(rel) >= PATH_MAX)
        return trib_error_set(err, TRIB_ERR_INVALID, "fs: cannot %s '%s': the path is too long", op,
                              shown(rel, b, sizeof b));
    for (const char *p = rel; (p = strstr(p, "..")) != NULL; p += 2) {
        bool at_start = p == rel || p[-1] == '/';
        bool at_end = p[2] == '\0' || p[2] == '/';
        if (at_start && at_end)
            return trib_error_set(err, TRIB_ERR_FORBIDDEN,
                                  "fs: cannot %s '%s': '..' is not allowed in a confined directory", op,
                                  shown(rel, b, sizeof b));
    }
    return 0;
}

/* The O_NOFOLLOW walk: every directory component is opened with
 * O_DIRECTORY|O_NOFOLLOW from the previous one (a symlink fails with
 * ELOOP), then the last one with flags|O_NOFOLLOW. ".." never gets here
 * (check_rel), so the walk cannot climb out of root. Sets errno. */
static int walk_open(int root, const char *rel, int flags, mode_t mode) {
    char *copy = trib_xstrdup(rel);
    int cur = -1;   /* -1: still at root (borrowed) */
    char *save = NULL;
    char *comp = strtok_r(copy, "/", &save);
    /* Skip "." components, they stay in place. */
    while (comp && strcmp(comp, ".") == 0) comp = strtok_r(NULL, "/", &save);
    int fd = -1;
    while (comp) {
        char *next = strtok_r(NULL, "/", &save);
        while (next && strcmp(next, ".") == 0) next = strtok_r(NULL, "/", &save);
        int dir = cur >= 0 ? cur : root;
        if (!next) {
            fd = openat(dir, comp, flags | O_NOFOLLOW | O_CLOEXEC, mode);
            break;
        }
        int nfd = openat(dir, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int e = errno;
        struct stat st;
        /* O_DIRECTORY reports a symlink as ENOTDIR: say what it is. */
        if (nfd < 0 && e == ENOTDIR && fstatat(dir, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
            e = ELOOP;
        if (cur >= 0) close(cur);
        cur = nfd;
        if (nfd < 0) {
            errno = e;
            break;
        }
        comp = next;
    }
    if (!comp) fd = openat(cur >= 0 ? cur : root, ".", flags | O_CLOEXEC, mode);   /* rel named the root */
    int e = errno;
    if (cur >= 0) close(cur);
    free(copy);
    errno = e;
    return fd;
}

static int resolve_once(int root, const char *rel, int flags, mode_t mode);

/* Opens rel beneath root with open flags; returns an fd or -1 with errno.
 * With O_DIRECTORY the kernel reports a final symlink as ENOTDIR; that is
 * turned into ELOOP so the refusal says why. */
static int resolve(int root, const char *rel, int flags, mode_t mode) {
    int fd = resolve_once(root, rel, flags, mode);
    if (fd >= 0 || errno != ENOTDIR || !(flags & O_DIRECTORY)) return fd;
    char *c = trib_xstrdup(rel);
    size_t len = strlen(c);
    while (len > 1 && c[len - 1] == '/') c[--len] = '\0';
    char *slash = strrchr(c, '/');
    if (slash) *slash = '\0';
    int pfd = resolve_once(root, slash ? c : "", O_RDONLY | O_DIRECTORY, 0);
    struct stat st;
    bool link = pfd >= 0 && fstatat(pfd, slash ? slash + 1 : c, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
    if (pfd >= 0) close(pfd);
    free(c);
    errno = link ? ELOOP : ENOTDIR;
    return -1;
}

static int resolve_once(int root, const char *rel, int flags, mode_t mode) {
    const char *path = *rel ? rel : ".";
    if (!atomic_load(&force_walk) && !atomic_load(&no_openat2)) {
        struct open_how how;
        memset(&how, 0, sizeof how);
        how.flags = (uint64_t)(flags | O_NOFOLLOW | O_CLOEXEC);
        how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
        how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
        /* EAGAIN: a concurrent rename raced the lookup; the kernel asks
         * for a retry. A few attempts, then it is an error. */
        for (int attempt = 0; attempt < 8; attempt++) {
            long fd = syscall(SYS_openat2, root, path, &how, sizeof how);
            if (fd >= 0) return (int)fd;
            if (errno == EAGAIN || errno == EINTR) continue;
            if (errno != ENOSYS) return -1;
            atomic_store(&no_openat2, true);
            break;
        }
        if (!atomic_load(&no_openat2)) return -1;
    }
    return walk_open(root, path, flags, mode);
}

int trib_fs_root_open(const char *path, trib_error *err) {
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return fail(err, "open the directory", path, errno);
    return fd;
}

int trib_fs_open(int root, const char *rel, int flags, mode_t mode, trib_error *err) {
    if (check_rel("open", rel, false, err) < 0) return -1;
    bool trunc = (flags & O_TRUNC) != 0;
    bool nonblock = (flags & O_NONBLOCK) != 0;
    /* O_NONBLOCK so a FIFO planted under the name cannot block this
     * thread in open(2); cleared again below for regular files. */
    int of = (flags & ~(O_TRUNC | O_DIRECTORY | O_PATH)) | O_NONBLOCK;
    int fd = resolve(root, rel, of, mode);
    if (fd < 0) return fail(err, "open", rel, errno);
    struct stat st;
    char b[200];
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return fail(err, "stat", rel, e);
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return trib_error_set(err, TRIB_ERR_FORBIDDEN, "fs: cannot open '%s': it is not a regular file",
                              shown(rel, b, sizeof b));
    }
    if (st.st_nlink > 1) {
        close(fd);
        return trib_error_set(err, TRIB_ERR_FORBIDDEN,
                              "fs: cannot open '%s': it has %ju hard links (a hard link may reach a file outside "
                              "the confined directory)",
                              shown(rel, b, sizeof b), (uintmax_t)st.st_nlink);
    }
    if (!nonblock) {
        int fl = fcntl(fd, F_GETFL);
        if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
            int e = errno;
            close(fd);
            return fail(err, "open", rel, e);
        }
    }
    if (trunc && ftruncate(fd, 0) != 0) {
        int e = errno;
        close(fd);
        return fail(err, "truncate", rel, e);
    }
    return fd;
}

int trib_fs_opendir(int root, const char *rel, trib_error *err) {
    if (check_rel("open the directory", rel, true, err) < 0) return -1;
    int fd = resolve(root, rel, O_RDONLY | O_DIRECTORY, 0);
    if (fd < 0) return fail(err, "open the directory", rel, errno);
    return fd;
}

/* Splits rel into its parent (opened beneath root, returned) and its last
 * component (*name, pointing into *copy, which the caller frees). */
static int open_parent(int root, const char *op, const char *rel, char **copy, const char **name, trib_error *err) {
    *copy = NULL;
    if (check_rel(op, rel, false, err) < 0) return -1;
    char *c = trib_xstrdup(rel);
    size_t len = strlen(c);
    while (len > 1 && c[len - 1] == '/') c[--len] = '\0';
    char *slash = strrchr(c, '/');
    const char *last = slash ? slash + 1 : c;
    if (!*last || strcmp(last, ".") == 0) {
        char b[200];
        free(c);
        return trib_error_set(err, TRIB_ERR_INVALID, "fs: cannot %s '%s': it does not end in a name", op,
                              shown(rel, b, sizeof b));
    }
    if (slash) *slash = '\0';
    int fd = resolve(root, slash ? c : "", O_RDONLY | O_DIRECTORY, 0);
    if (fd < 0) {
        int e = errno;
        free(c);
        return fail(err, op, rel, e);
    }
    *copy = c;
    *name = last;
    return fd;
}

int trib_fs_mkdir(int root, const char *rel, mode_t mode, bool exist_ok, trib_error *err) {
    char *copy;
    const char *name;
    int pfd = open_parent(root, "create the directory", rel, &copy, &name, err);
    if (pfd < 0) return -1;
    int rc = 0;
    if (mkdirat(pfd, name, mode) != 0) {
        int e = errno;
        struct stat st;
        if (e == EEXIST && exist_ok && fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
            rc = 0;
        else if (e == EEXIST && exist_ok && fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
            rc = fail(err, "create the directory", rel, ELOOP);
        else
            rc = fail(err, "create the directory", rel, e);
    }
    close(pfd);
    free(copy);
    return rc;
}

int trib_fs_rename(int root, const char *from, const char *to, unsigned flags, trib_error *err) {
    char *fcopy, *tcopy;
    const char *fname, *tname;
    int ffd = open_parent(root, "rename", from, &fcopy, &fname, err);
    if (ffd < 0) return -1;
    int tfd = open_parent(root, "rename to", to, &tcopy, &tname, err);
    if (tfd < 0) {
        close(ffd);
        free(fcopy);
        return -1;
    }
    int rc = 0;
    if (renameat2(ffd, fname, tfd, tname, flags) != 0) {
        int e = errno;
        char b1[200], b2[200];
        if (e == EXDEV)   /* here: not on the same file system */
            rc = trib_error_set(err, TRIB_ERR_IO, "fs: cannot rename '%s' to '%s': not on the same file system",
                                shown(from, b1, sizeof b1), shown(to, b2, sizeof b2));
        else
            rc = fail(err, "rename", from, e);
    }
    close(ffd);
    close(tfd);
    free(fcopy);
    free(tcopy);
    return rc;
}

int trib_fs_unlink(int root, const char *rel, trib_error *err) {
    char *copy;
    const char *name;
    int pfd = open_parent(root, "remove", rel, &copy, &name, err);
    if (pfd < 0) return -1;
    int rc = unlinkat(pfd, name, 0) == 0 ? 0 : fail(err, "remove", rel, errno);
    close(pfd);
    free(copy);
    return rc;
}

/* "", ".", "./", ".//." ...: the root itself. */
static bool names_root(const char *rel) {
    for (const char *p = rel; *p; p++)
        if (*p != '.' && *p != '/') return false;
    return !strstr(rel, "..");
}

int trib_fs_stat(int root, const char *rel, struct stat *st, trib_error *err) {
    if (rel && names_root(rel)) {
        if (fstat(root, st) != 0) return fail(err, "stat", ".", errno);
        return 0;
    }
    char *copy;
    const char *name;
    int pfd = open_parent(root, "stat", rel, &copy, &name, err);
    if (pfd < 0) return -1;
    int rc = fstatat(pfd, name, st, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : fail(err, "stat", rel, errno);
    close(pfd);
    free(copy);
    return rc;
}

int trib_fs_fsync_dir(int root, const char *rel, trib_error *err) {
    int fd = trib_fs_opendir(root, rel, err);
    if (fd < 0) return -1;
    int rc = fsync(fd) == 0 ? 0 : fail(err, "sync the directory", rel, errno);
    close(fd);
    return rc;
}

static int cmp_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int trib_fs_list(int root, const char *rel, char ***names, size_t *n, trib_error *err) {
    *names = NULL;
    if (n) *n = 0;
    int fd = trib_fs_opendir(root, rel, err);
    if (fd < 0) return -1;
    DIR *d = fdopendir(fd);   /* takes fd */
    if (!d) {
        int e = errno;
        close(fd);
        return fail(err, "list", rel, e);
    }
    size_t cnt = 0, cap = 16;
    char **v = trib_xmalloc(cap * sizeof *v);
    for (;;) {
        errno = 0;
        struct dirent *de = readdir(d);
        if (!de) break;
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
        if (cnt + 1 >= cap) {
            cap *= 2;
            v = trib_xrealloc(v, cap * sizeof *v);
        }
        v[cnt++] = trib_xstrdup(de->d_name);
    }
    int e = errno;
    closedir(d);
    v[cnt] = NULL;
    if (e != 0) {
        trib_strv_free(v);
        return fail(err, "list", rel, e);
    }
    qsort(v, cnt, sizeof *v, cmp_names);
    *names = v;
    if (n) *n = cnt;
    return 0;
}
