/*
 * files.h: how a connector opens the files its config names, so a tenant's
 * connector can only ever reach files inside its tenant's staging
 * directory.
 *
 * Validation (isolation.c) rewrites a tenant's paths to absolute paths
 * inside the staging directory, but a check of a name at validation time
 * confines nothing: a symlink planted afterwards, a dangling symlink that
 * O_CREAT follows, or a hard link to a file elsewhere make the same name
 * another file. So connectors open every file (at start, on re-open, on
 * rotation) through trib_tenant_file_open, which opens the tenant's files
 * with common/fs_confine.h beneath the staging directory (itself opened
 * beneath the worker's tenant.staging.root without following symlinks).
 * An operator's connector (no '/' in its name) opens paths as given.
 */
#ifndef TRIB_TENANTS_FILES_H
#define TRIB_TENANTS_FILES_H

#include <sys/types.h>

#include "common/error.h"

/* Opens path for connector (its full name) with open(2) flags and mode.
 * For a tenant's connector path must be absolute inside the tenant's
 * staging directory (as validation rewrote it) and is opened confined:
 * FORBIDDEN for symlinks, hard links, non-regular files and paths outside
 * the directory, and when the tenant or the worker's staging root is
 * unknown. NOT_FOUND when the file does not exist (a source may wait for
 * it), IO otherwise. Returns an fd (O_CLOEXEC, the caller's) or -1. */
int trib_tenant_file_open(const char *connector, const char *path, int flags, mode_t mode, trib_error *err);

#endif
