/*
 * files.c: trib_tenant_file_open (files.h). The tenant's staging directory
 * is looked up at every open from the installed registry and staging root
 * (guard.h), so a tenant deleted meanwhile can no longer open anything.
 */
#include "tenants/files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fs_confine.h"
#include "common/util.h"
#include "tenants/guard.h"
#include "tenants/tenant.h"

static int plain_open(const char *path, int flags, mode_t mode, trib_error *err) {
    int fd = open(path, flags | O_CLOEXEC, mode);
    if (fd >= 0) return fd;
    return trib_error_set(err, errno == ENOENT ? TRIB_ERR_NOT_FOUND : TRIB_ERR_IO, "cannot open '%s': %s", path,
                          strerror(errno));
}

int trib_tenant_file_open(const char *connector, const char *path, int flags, mode_t mode, trib_error *err) {
    const char *slash = connector ? strchr(connector, '/') : NULL;
    if (!slash) return plain_open(path, flags, mode, err);
    char tenant[TRIB_TENANT_NAME_MAX + 1];
    size_t n = (size_t)(slash - connector);
    if (n == 0 || n > TRIB_TENANT_NAME_MAX)
        return trib_error_set(err, TRIB_ERR_FORBIDDEN, "connector %.80s does not name a tenant", connector);
    memcpy(tenant, connector, n);
    tenant[n] = '\0';

    trib_tenants *reg = trib_tenant_runtime_registry();
    trib_tenant *t = reg ? trib_tenants_get(reg, tenant, NULL) : NULL;
    if (!t)
        return trib_error_set(err, TRIB_ERR_FORBIDDEN, "connector %.80s: tenant %s does not exist on this worker",
                              connector, tenant);
    char *root = trib_tenant_runtime_staging_root();
    int rc = -1;
    if (!root) {
        trib_error_set(err, TRIB_ERR_FORBIDDEN,
                       "connector %.80s: tenants may use files only inside their staging directory, and this worker "
                       "has no tenant.staging.root",
                       connector);
        goto out;
    }
    char *dir = trib_xasprintf("%s/%s/", root, t->staging_dir);
    size_t dl = strlen(dir);
    if (!path || strncmp(path, dir, dl) != 0 || !path[dl]) {
        trib_error_set(err, TRIB_ERR_FORBIDDEN, "connector %.80s: '%.200s' is outside tenant %s's staging directory",
                       connector, path ? path : "(null)", tenant);
        free(dir);
        goto out;
    }
    free(dir);
    int rootfd = trib_fs_root_open(root, err);
    if (rootfd < 0) goto out;
    int sdir = trib_fs_opendir(rootfd, t->staging_dir, err);
    close(rootfd);
    if (sdir < 0) goto out;
    rc = trib_fs_open(sdir, path + dl, flags, mode, err);
    close(sdir);
out:
    if (rc < 0) trib_error_prefix(err, "tenant %s", tenant);
    free(root);
    trib_tenant_free(t);
    return rc;
}
