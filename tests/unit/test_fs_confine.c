/*
 * test_fs_confine.c: common/fs_confine.h keeps every operation beneath its
 * root directory fd: symlinks (live, dangling, as the last or a middle
 * component), "..", absolute paths, hard links, FIFOs and /proc magic links
 * are refused with FORBIDDEN naming the path, and nothing outside the root
 * is created, read, truncated, renamed or removed. Every case runs twice:
 * with openat2 and with the O_NOFOLLOW walk used where openat2 is missing.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/fs_confine.h"
#include "common/util.h"
#include "tests/tap.h"

static char tmp[PATH_MAX], rootp[PATH_MAX], outp[PATH_MAX];

static char *path_of(const char *base, const char *rel) { return trib_xasprintf("%s/%s", base, rel); }

static bool exists(const char *base, const char *rel) {
    char *p = path_of(base, rel);
    struct stat st;
    bool r = lstat(p, &st) == 0;
    free(p);
    return r;
}

static void put(const char *base, const char *rel, const char *text) {
    char *p = path_of(base, rel);
    FILE *f = fopen(p, "w");
    if (!f) BAIL_OUT("cannot write the fixture");
    fputs(text, f);
    fclose(f);
    free(p);
}

static char *slurp_fd(int fd) {
    char buf[256];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    buf[n < 0 ? 0 : n] = '\0';
    return trib_xstrdup(buf);
}

static char *slurp(const char *base, const char *rel) {
    char *p = path_of(base, rel);
    char *s = trib_read_file(p, NULL, NULL);
    free(p);
    return s;
}

static void rm_rf(const char *p) {
    char *cmd = trib_xasprintf("rm -rf '%s'", p);
    if (system(cmd) != 0) diag("cleanup of %s failed", p);
    free(cmd);
}

/* A fresh tree for each mode:
 *   root/ a.txt sub/ b.txt  in/ done/  live -> outside/secret.txt
 *         dangle -> outside/created.txt   mid -> outside   insub -> sub
 *         hard (hard link of outside/secret.txt)  fifo
 *   outside/ secret.txt */
static void fixture(void) {
    rm_rf(rootp);
    rm_rf(outp);
    mkdir(rootp, 0700);
    mkdir(outp, 0700);
    put(outp, "secret.txt", "SECRET");
    put(rootp, "a.txt", "alpha");
    char *p = path_of(rootp, "sub");
    mkdir(p, 0700);
    free(p);
    put(rootp, "sub/b.txt", "bravo");
    p = path_of(rootp, "in");
    mkdir(p, 0700);
    free(p);
    p = path_of(rootp, "done");
    mkdir(p, 0700);
    free(p);
    char *t = path_of(outp, "secret.txt");
    p = path_of(rootp, "live");
    if (symlink(t, p) != 0) BAIL_OUT("symlink");
    free(p);
    p = path_of(rootp, "hard");
    if (link(t, p) != 0) BAIL_OUT("link");
    free(p);
    free(t);
    t = path_of(outp, "created.txt");
    p = path_of(rootp, "dangle");
    if (symlink(t, p) != 0) BAIL_OUT("symlink");
    free(p);
    free(t);
    p = path_of(rootp, "mid");
    if (symlink(outp, p) != 0) BAIL_OUT("symlink");
    free(p);
    p = path_of(rootp, "insub");
    if (symlink("sub", p) != 0) BAIL_OUT("symlink");
    free(p);
    p = path_of(rootp, "fifo");
    if (mkfifo(p, 0600) != 0) BAIL_OUT("mkfifo");
    free(p);
}

/* Expects fd == -1 with FORBIDDEN naming `needle`. */
#define refused(rc, e, needle, what)                                                       \
    do {                                                                                   \
        int rc_ = (rc);                                                                    \
        if (rc_ >= 0 && rc_ > 2) close(rc_);                                               \
        ok(rc_ == -1 && (e).code == TRIB_ERR_FORBIDDEN, "%s: %s is refused (%s)", mode, what, \
           (e).msg);                                                                       \
        like((e).msg, needle, "%s: the refusal names the path", mode);                      \
    } while (0)

static void run(const char *mode) {
    fixture();
    trib_error e;
    int root = trib_fs_root_open(rootp, &e);
    ok(root >= 0, "%s: the root opens", mode);

    /* ---- open: what must work ---- */
    int fd = trib_fs_open(root, "a.txt", O_RDONLY, 0, &e);
    ok(fd >= 0, "%s: a file in the root opens", mode);
    char *s = fd >= 0 ? slurp_fd(fd) : trib_xstrdup("");
    is_str(s, "alpha", "%s: and reads its content", mode);
    free(s);
    if (fd >= 0) close(fd);
    fd = trib_fs_open(root, "./sub//b.txt", O_RDONLY, 0, &e);
    ok(fd >= 0, "%s: '.' and empty components stay inside", mode);
    if (fd >= 0) close(fd);
    fd = trib_fs_open(root, "sub/new.txt", O_WRONLY | O_CREAT | O_EXCL, 0600, &e);
    ok(fd >= 0 && write(fd, "n", 1) == 1, "%s: O_CREAT makes a new file in a subdirectory", mode);
    if (fd >= 0) close(fd);
    ok(exists(rootp, "sub/new.txt"), "%s: the new file is where it was named", mode);
    fd = trib_fs_open(root, "a.txt", O_WRONLY | O_TRUNC, 0, &e);
    ok(fd >= 0, "%s: O_TRUNC opens a plain file", mode);
    if (fd >= 0) close(fd);
    s = slurp(rootp, "a.txt");
    is_str(s, "", "%s: and truncates it", mode);
    free(s);

    /* ---- open: symlinks ---- */
    refused(trib_fs_open(root, "live", O_RDONLY, 0, &e), e, "'live'", "a live symlink as the last component");
    refused(trib_fs_open(root, "dangle", O_WRONLY | O_CREAT | O_APPEND, 0600, &e), e, "'dangle'",
            "O_CREAT through a dangling symlink");
    ok(!exists(outp, "created.txt"), "%s: nothing was created where the dangling symlink points", mode);
    refused(trib_fs_open(root, "mid/secret.txt", O_RDONLY, 0, &e), e, "mid/secret.txt",
            "a symlink as a middle component");
    refused(trib_fs_open(root, "mid/made.txt", O_WRONLY | O_CREAT, 0600, &e), e, "mid/made.txt",
            "O_CREAT below a symlinked directory");
    ok(!exists(outp, "made.txt"), "%s: nothing was created in the symlinked directory", mode);
    refused(trib_fs_open(root, "insub/b.txt", O_RDONLY, 0, &e), e, "insub/b.txt",
            "a symlink that stays inside (no symlink is followed at all)");
    /* A dangling symlink whose target appears later is still a symlink. */
    put(outp, "created.txt", "LATER");
    refused(trib_fs_open(root, "dangle", O_RDONLY, 0, &e), e, "'dangle'",
            "a once-dangling symlink whose target now exists");

    /* ---- open: .., absolute, hard links, special files ---- */
    refused(trib_fs_open(root, "sub/../../outside/secret.txt", O_RDONLY, 0, &e), e, "..", "a '..' escape");
    refused(trib_fs_open(root, "sub/../a.txt", O_RDONLY, 0, &e), e, "sub/../a.txt", "'..' even inside the root");
    refused(trib_fs_open(root, "..", O_RDONLY, 0, &e), e, "'..'", "'..' alone");
    char *abs = path_of(outp, "secret.txt");
    refused(trib_fs_open(root, abs, O_RDONLY, 0, &e), e, "absolute", "an absolute path");
    free(abs);
    refused(trib_fs_open(root, "hard", O_RDONLY, 0, &e), e, "hard links", "a hard link to a file outside");
    refused(trib_fs_open(root, "hard", O_WRONLY | O_TRUNC, 0, &e), e, "'hard'", "O_TRUNC on a hard link");
    s = slurp(outp, "secret.txt");
    is_str(s, "SECRET", "%s: the hard-linked file was not truncated", mode);
    free(s);
    time_t t0 = time(NULL);
    refused(trib_fs_open(root, "fifo", O_RDONLY, 0, &e), e, "not a regular file", "a FIFO");
    ok(time(NULL) - t0 < 3, "%s: opening the FIFO did not block", mode);
    refused(trib_fs_open(root, "sub", O_RDONLY, 0, &e), e, "'sub'", "a directory given to trib_fs_open");
    fd = trib_fs_open(root, "", O_RDONLY, 0, &e);
    ok(fd == -1 && e.code == TRIB_ERR_INVALID, "%s: an empty path is invalid", mode);
    fd = trib_fs_open(root, "nope.txt", O_RDONLY, 0, &e);
    ok(fd == -1 && e.code == TRIB_ERR_NOT_FOUND, "%s: a missing file is NOT_FOUND", mode);

    /* ---- /proc magic links ---- */
    int proc = trib_fs_root_open("/proc/self", &e);
    ok(proc >= 0, "%s: /proc/self opens as a root", mode);
    char fdname[32];
    snprintf(fdname, sizeof fdname, "fd/%d", root);
    refused(trib_fs_opendir(proc, fdname, &e), e, fdname, "a /proc/self/fd magic link");
    refused(trib_fs_opendir(proc, "cwd", &e), e, "'cwd'", "the /proc/self/cwd magic link");
    refused(trib_fs_open(proc, "root/etc/passwd", O_RDONLY, 0, &e), e, "root/etc/passwd",
            "a path through the /proc/self/root magic link");
    if (proc >= 0) close(proc);
    char *pl = path_of(rootp, "proclink");
    if (symlink("/proc/self/root", pl) != 0) BAIL_OUT("symlink");
    free(pl);
    refused(trib_fs_open(root, "proclink/etc/passwd", O_RDONLY, 0, &e), e, "proclink",
            "a symlink to a magic link");

    /* ---- directories ---- */
    int sub = trib_fs_opendir(root, "sub", &e);
    ok(sub >= 0, "%s: a subdirectory opens as a nested root", mode);
    fd = sub >= 0 ? trib_fs_open(sub, "b.txt", O_RDONLY, 0, &e) : -1;
    ok(fd >= 0, "%s: and files open beneath it", mode);
    if (fd >= 0) close(fd);
    refused(sub >= 0 ? trib_fs_open(sub, "../a.txt", O_RDONLY, 0, &e) : -1, e, "../a.txt",
            "'..' out of a nested root");
    if (sub >= 0) close(sub);
    refused(trib_fs_opendir(root, "mid", &e), e, "'mid'", "opendir of a symlinked directory");
    int self = trib_fs_opendir(root, "", &e);
    ok(self >= 0, "%s: opendir of \"\" is the root itself", mode);
    if (self >= 0) close(self);

    ok(trib_fs_mkdir(root, "newdir", 0700, false, &e) == 0, "%s: mkdir makes a directory", mode);
    ok(trib_fs_mkdir(root, "newdir", 0700, true, &e) == 0, "%s: mkdir with exist_ok accepts an existing one", mode);
    ok(trib_fs_mkdir(root, "newdir", 0700, false, &e) == -1 && e.code == TRIB_ERR_CONFLICT,
       "%s: mkdir without exist_ok refuses an existing one", mode);
    refused(trib_fs_mkdir(root, "mid/evil", 0700, false, &e), e, "mid/evil", "mkdir below a symlinked directory");
    ok(!exists(outp, "evil"), "%s: no directory was made outside", mode);
    refused(trib_fs_mkdir(root, "mid", 0700, true, &e), e, "'mid'", "mkdir exist_ok over a symlink");
    refused(trib_fs_mkdir(root, "../evil2", 0700, false, &e), e, "../evil2", "mkdir of '..'");

    /* ---- the spool-dir cycle: write a temp file, fsync, rename across dirs ---- */
    fd = trib_fs_open(root, "in/x.tmp", O_WRONLY | O_CREAT | O_EXCL, 0600, &e);
    ok(fd >= 0 && write(fd, "payload", 7) == 7 && fsync(fd) == 0, "%s: a temp file is created and synced", mode);
    if (fd >= 0) close(fd);
    ok(trib_fs_rename(root, "in/x.tmp", "done/x.txt", RENAME_NOREPLACE, &e) == 0,
       "%s: rename moves it into another directory under the root", mode);
    ok(trib_fs_fsync_dir(root, "done", &e) == 0, "%s: the target directory syncs", mode);
    s = slurp(rootp, "done/x.txt");
    is_str(s, "payload", "%s: the renamed file has the content", mode);
    free(s);
    ok(!exists(rootp, "in/x.tmp"), "%s: the temp name is gone", mode);
    put(rootp, "in/y.txt", "y");
    ok(trib_fs_rename(root, "in/y.txt", "done/x.txt", RENAME_NOREPLACE, &e) == -1 && e.code == TRIB_ERR_CONFLICT,
       "%s: RENAME_NOREPLACE refuses an existing target", mode);
    refused(trib_fs_rename(root, "in/y.txt", "mid/y.txt", 0, &e), e, "mid/y.txt",
            "rename into a symlinked directory");
    ok(!exists(outp, "y.txt") && exists(rootp, "in/y.txt"), "%s: the file stayed where it was", mode);
    refused(trib_fs_rename(root, "mid/secret.txt", "in/stolen.txt", 0, &e), e, "mid/secret.txt",
            "rename out of a symlinked directory");
    ok(exists(outp, "secret.txt") && !exists(rootp, "in/stolen.txt"), "%s: the outside file was not moved", mode);
    refused(trib_fs_rename(root, "in/y.txt", "../y.txt", 0, &e), e, "../y.txt", "rename to '..'");
    ok(trib_fs_rename(root, "live", "in/live", 0, &e) == 0, "%s: renaming a symlink moves the link itself", mode);
    s = slurp(outp, "secret.txt");
    is_str(s, "SECRET", "%s: and leaves its target alone", mode);
    free(s);

    /* ---- unlink ---- */
    ok(trib_fs_unlink(root, "in/y.txt", &e) == 0 && !exists(rootp, "in/y.txt"), "%s: unlink removes a file", mode);
    ok(trib_fs_unlink(root, "in/live", &e) == 0 && exists(outp, "secret.txt"),
       "%s: unlinking a symlink removes the link, not its target", mode);
    refused(trib_fs_unlink(root, "mid/secret.txt", &e), e, "mid/secret.txt", "unlink through a symlinked directory");
    ok(exists(outp, "secret.txt"), "%s: the outside file is still there", mode);
    ok(trib_fs_unlink(root, "in/none", &e) == -1 && e.code == TRIB_ERR_NOT_FOUND, "%s: unlink of a missing name is NOT_FOUND",
       mode);

    /* ---- stat ---- */
    struct stat st;
    ok(trib_fs_stat(root, "dangle", &st, &e) == 0 && S_ISLNK(st.st_mode),
       "%s: stat reports a final symlink as a link", mode);
    ok(trib_fs_stat(root, "sub/b.txt", &st, &e) == 0 && S_ISREG(st.st_mode) && st.st_size == 5,
       "%s: stat of a file inside", mode);
    refused(trib_fs_stat(root, "mid/secret.txt", &st, &e), e, "mid/secret.txt", "stat through a symlinked directory");
    ok(trib_fs_stat(root, "", &st, &e) == 0 && S_ISDIR(st.st_mode), "%s: stat of \"\" is the root", mode);

    /* ---- list ---- */
    char **names = NULL;
    size_t n = 0;
    ok(trib_fs_list(root, "sub", &names, &n, &e) == 0, "%s: a directory lists", mode);
    is_int(n, 2, "%s: without . and ..", mode);
    is_str(n == 2 ? names[0] : NULL, "b.txt", "%s: sorted (first)", mode);
    is_str(n == 2 ? names[1] : NULL, "new.txt", "%s: sorted (second)", mode);
    ok(names && names[n] == NULL, "%s: NULL-terminated", mode);
    trib_strv_free(names);
    refused(trib_fs_list(root, "mid", &names, &n, &e), e, "'mid'", "listing a symlinked directory");
    ok(names == NULL && n == 0, "%s: a refused listing returns nothing", mode);
    refused(trib_fs_list(root, "/", &names, &n, &e), e, "absolute", "listing an absolute path");

    close(root);
}

int main(void) {
    snprintf(tmp, sizeof tmp, "%s/trib-fsconf-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmp)) BAIL_OUT("mkdtemp");
    snprintf(rootp, sizeof rootp, "%s/root", tmp);
    snprintf(outp, sizeof outp, "%s/outside", tmp);

    trib_fs_confine_force_walk(false);
    run("openat2");
    trib_fs_confine_force_walk(true);
    run("walk");
    trib_fs_confine_force_walk(false);

    trib_error e;
    ok(trib_fs_root_open("/nonexistent-trib-root", &e) == -1 && e.code == TRIB_ERR_NOT_FOUND,
       "a missing root is NOT_FOUND");
    rm_rf(tmp);
    (void)plan;   /* the plan is printed at the end */
    done_testing();
    return exit_status();
}
