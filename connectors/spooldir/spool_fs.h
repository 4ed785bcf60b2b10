/*
 * spool_fs.h: every file-system access of the spool-directory connectors
 * (listing, opening, moving, deleting, writing reports) behind a few
 * functions that work on names beneath a directory handle, never on
 * concatenated paths.
 *
 * Names come from directory listings and from tenants' uploads, so they are
 * hostile: a name must be one path component (no '/', no NUL, not "." or
 * ".."), and opens refuse symlinks (O_NOFOLLOW) and anything that is not a
 * regular file. Keeping this in one file means the kernel-enforced
 * confinement primitive (openat2 RESOLVE_BENEATH) replaces it in one place.
 */
#ifndef TRIB_SPOOLDIR_SPOOL_FS_H
#define TRIB_SPOOLDIR_SPOOL_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "common/error.h"

typedef struct spool_dir {
    int fd;          /* O_DIRECTORY handle, -1 when closed */
    char *path;      /* as configured (owned), for messages and headers */
} spool_dir;

/* true when name is a single, visible path component of at most 255 bytes. */
bool spool_fs_name_ok(const char *name);

/* Opens a directory (creating it when create is set). IO naming the key. */
int spool_fs_dir_open(spool_dir *d, const char *path, bool create, const char *key, trib_error *err);
void spool_fs_dir_close(spool_dir *d);   /* safe on a closed dir */

/* The names of the regular, visible files in d (not sorted); caller frees
 * each and the array. */
int spool_fs_list(const spool_dir *d, char ***names, size_t *n, trib_error *err);

/* Opens name in d for reading: a regular file, no symlink. Fills st. */
int spool_fs_open_read(const spool_dir *d, const char *name, struct stat *st, trib_error *err);
int spool_fs_stat(const spool_dir *d, const char *name, struct stat *st);   /* -1, errno set */

/* Moves from/name to to/subdir/to_name (subdir may be NULL; created when
 * missing). Never replaces a file: an existing target gets ".1", ".2", ...
 * appended. Both directories must be on one file system. */
int spool_fs_move(const spool_dir *from, const char *name, const spool_dir *to, const char *subdir,
                  const char *to_name, trib_error *err);
int spool_fs_unlink(const spool_dir *d, const char *name, trib_error *err);

/* A file's id in its status (GET .../files/{id}, worker/file_status.h):
 * the first 16 hex digits of the sha256 of its identity (name, size,
 * mtime in ns: the source partition), so a new file under a reused name
 * gets a new id. The upload route and the task compute it alike. */
void spool_file_id(const char *name, int64_t size, int64_t mtime_ns, char out[17]);
int64_t spool_mtime_ns(const struct stat *st);

/* Writes a whole small file atomically (temporary name, fsync, rename). */
int spool_fs_write(const spool_dir *d, const char *name, const void *data, size_t len, trib_error *err);

#endif
