/*
 * fs_confine.h: file operations confined beneath a directory, enforced by
 * the kernel at every call, for files whose names or contents a tenant
 * controls (FileStream connectors, spool directories, uploads).
 *
 * Checking a path once (realpath at validation) cannot confine anything: a
 * symlink planted later, a dangling symlink that O_CREAT follows, or a hard
 * link to a file elsewhere all turn a checked name into another file. So
 * every call here resolves its relative path from a directory fd the caller
 * holds (the "root") with openat2(2) and RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS: no component may be a
 * symlink, an absolute path or ".." escaping the root fails, /proc magic
 * links are refused. Where openat2 does not exist (ENOSYS: kernels before
 * 5.6, some seccomp sandboxes) the same rules are applied by walking the
 * path one component at a time with openat(O_NOFOLLOW) from the root fd.
 * Paths are refused before the kernel sees them when they are absolute,
 * empty, or have a ".." component (clearer than letting it resolve).
 *
 * Files opened with trib_fs_open must be regular files with one link:
 * a hard link planted in the tenant's directory would otherwise reach a
 * file outside it, and a FIFO would block the opening thread forever.
 * Operations on a final component (mkdir, rename, unlink, stat) open its
 * parent confined and act on the name with the *at(2) call, which never
 * follows a final symlink (rename and unlink move or remove the link
 * itself, stat reports it as a link).
 *
 * Every function returns 0 (or an fd >= 0) on success and -1 with err
 * filled on failure: TRIB_ERR_FORBIDDEN for confinement refusals (symlink,
 * escape, hard link, not a regular file), naming the path;
 * TRIB_ERR_NOT_FOUND, TRIB_ERR_CONFLICT (exists) or TRIB_ERR_IO otherwise.
 * Root fds are borrowed; returned fds belong to the caller (O_CLOEXEC).
 */
#ifndef TRIB_COMMON_FS_CONFINE_H
#define TRIB_COMMON_FS_CONFINE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "common/error.h"

/* Opens the directory at path (an operator's, trusted: symlinks in it are
 * followed) to serve as a root. Returns the fd or -1. */
int trib_fs_root_open(const char *path, trib_error *err);

/* Opens the regular file rel beneath root. flags are open(2) flags
 * (O_RDONLY, O_WRONLY|O_CREAT|O_APPEND, ...); O_NOFOLLOW and O_CLOEXEC are
 * always added; O_TRUNC is applied only after the link count was checked,
 * so a refused hard link is never truncated. mode is used with O_CREAT.
 * Refuses (FORBIDDEN) anything but a regular file with st_nlink == 1. */
int trib_fs_open(int root, const char *rel, int flags, mode_t mode, trib_error *err);

/* Opens the directory rel beneath root (O_RDONLY|O_DIRECTORY), usable as a
 * root itself and for listing. rel "" or "." is the root itself. */
int trib_fs_opendir(int root, const char *rel, trib_error *err);

/* mkdirat beneath root; EEXIST is an error (CONFLICT) unless exist_ok and
 * the existing entry is a directory (not a symlink to one). */
int trib_fs_mkdir(int root, const char *rel, mode_t mode, bool exist_ok, trib_error *err);

/* renameat2(from, to, flags) with both names beneath root (flags: 0 or
 * RENAME_NOREPLACE, RENAME_EXCHANGE). The final components are names, not
 * followed. */
int trib_fs_rename(int root, const char *from, const char *to, unsigned flags, trib_error *err);

/* unlinkat of a non-directory beneath root (removes a symlink itself). */
int trib_fs_unlink(int root, const char *rel, trib_error *err);

/* fstatat(AT_SYMLINK_NOFOLLOW) beneath root: a final symlink is reported as
 * one (S_ISLNK), never followed. rel "" or "." stats the root. */
int trib_fs_stat(int root, const char *rel, struct stat *st, trib_error *err);

/* fsync of the directory rel beneath root, after a create or rename in it,
 * so the new name survives a crash. */
int trib_fs_fsync_dir(int root, const char *rel, trib_error *err);

/* The names in directory rel beneath root, without "." and "..", sorted
 * (strcmp). *names is a NULL-terminated malloc'd array (free with
 * trib_strv_free); *n may be NULL. Entries are only names: open each with
 * trib_fs_open, which applies the rules again. */
int trib_fs_list(int root, const char *rel, char ***names, size_t *n, trib_error *err);

/* Tests only: true makes every call use the O_NOFOLLOW component walk, as
 * on a kernel without openat2, so both paths are tested on one machine. */
void trib_fs_confine_force_walk(bool on);

#endif
