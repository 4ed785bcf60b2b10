/*
 * test_tenant_files.c: a tenant's FileStreamSink and FileStreamSource open
 * their files confined to the tenant's staging directory at run time
 * (tenants/files.h): a symlink planted after validation, a dangling
 * symlink, a hard link, a path of another tenant or outside the root is
 * refused, and nothing outside the staging directory is created, written
 * or read. An operator's connector (no '/' in its name) is not restricted.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "tenants/files.h"
#include "tenants/guard.h"
#include "tenants/tenant.h"
#include "tests/tap.h"
#include "worker/connector.h"
#include "worker/offset_store.h"
#include "worker/task_context.h"

static unsigned char secret[32] = "0123456789abcdef0123456789abcdef";
static char tmp[PATH_MAX], root[PATH_MAX], acme[PATH_MAX], globex[PATH_MAX], outside[PATH_MAX];

static char *at(const char *dir, const char *name) { return trib_xasprintf("%s/%s", dir, name); }

static void write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (!f) BAIL_OUT("fixture");
    fputs(text, f);
    fclose(f);
}

static char *read_text(const char *path) {
    char *s = trib_read_file(path, NULL, NULL);
    return s ? s : trib_xstrdup("(missing)");
}

static bool exists(const char *path) {
    struct stat st;
    return lstat(path, &st) == 0;
}

/* Validates config as the REST layer does for tenant acme (paths are
 * rewritten to absolute paths inside the staging directory). */
static int validate(trib_props *config, trib_error *err) {
    trib_tenant_scope scope = {.tenant = "acme", .topic_prefix = "acme.", .staging_root = acme};
    return trib_tenant_check_config(&scope, config, err);
}

static int sink_start(const char *connector, const char *file, void **ctx, trib_sink_task_context **tctx,
                      trib_error *err) {
    trib_props *p = trib_props_new();
    trib_props_set(p, "file", file);
    *tctx = trib_sink_task_context_new(connector, 0);
    *ctx = NULL;
    int rc = trib_connector_find("FileStreamSink")->sink->start(p, *tctx, ctx, err);
    trib_props_destroy(p);
    return rc;
}

static void sink_stop(void *ctx, trib_sink_task_context *tctx) {
    if (ctx) trib_connector_find("FileStreamSink")->sink->stop(ctx);
    trib_sink_task_context_destroy(tctx);
}

static void test_open(void) {
    trib_error e;
    char *own = at(acme, "own.txt");
    write_text(own, "mine");
    int fd = trib_tenant_file_open("acme/x", own, O_RDONLY, 0, &e);
    ok(fd >= 0, "a tenant opens a file in its staging directory");
    if (fd >= 0) close(fd);
    char *theirs = at(globex, "orders.txt");
    fd = trib_tenant_file_open("acme/x", theirs, O_RDONLY, 0, &e);
    ok(fd < 0 && e.code == TRIB_ERR_FORBIDDEN, "another tenant's absolute path is refused");
    like(e.msg, "outside tenant acme's staging directory", "the refusal says why");
    char *sneaky = trib_xasprintf("%s/../globex/orders.txt", acme);
    fd = trib_tenant_file_open("acme/x", sneaky, O_RDONLY, 0, &e);
    ok(fd < 0 && e.code == TRIB_ERR_FORBIDDEN, "a '..' path starting with the staging directory is refused");
    free(sneaky);
    char *secretf = at(outside, "secret.txt");
    fd = trib_tenant_file_open("acme/x", secretf, O_RDONLY, 0, &e);
    ok(fd < 0 && e.code == TRIB_ERR_FORBIDDEN, "a path outside the staging root is refused");
    fd = trib_tenant_file_open("ghost/x", own, O_RDONLY, 0, &e);
    ok(fd < 0 && e.code == TRIB_ERR_FORBIDDEN, "an unknown tenant's connector opens nothing");
    fd = trib_tenant_file_open("admin-conn", secretf, O_RDONLY, 0, &e);
    ok(fd >= 0, "an operator's connector opens any path");
    if (fd >= 0) close(fd);
    char *none = at(acme, "none.txt");
    fd = trib_tenant_file_open("acme/x", none, O_RDONLY, 0, &e);
    ok(fd < 0 && e.code == TRIB_ERR_NOT_FOUND, "a missing file is NOT_FOUND (a source waits for it)");
    free(none);

    trib_tenant_runtime_install_staging(NULL);
    fd = trib_tenant_file_open("acme/x", own, O_RDONLY, 0, &e);
    ok(fd < 0 && e.code == TRIB_ERR_FORBIDDEN, "without a staging root a tenant opens nothing");
    trib_tenant_runtime_install_staging(root);
    free(own);
    free(theirs);
    free(secretf);
}

static void test_sink(void) {
    trib_error e;
    void *ctx;
    trib_sink_task_context *tctx;

    /* Validation passes while the name does not exist; the symlink comes
     * afterwards (the attack realpath at validation cannot see). */
    trib_props *cfg = trib_props_new();
    trib_props_set(cfg, "connector.class", "FileStreamSink");
    trib_props_set(cfg, "file", "late.txt");
    ok(validate(cfg, &e) == 0, "a sink file in the staging directory validates");
    char *late = trib_xstrdup(trib_props_get(cfg, "file"));
    trib_props_destroy(cfg);
    char *target = at(globex, "planted.txt");
    if (symlink(target, late) != 0) BAIL_OUT("symlink");
    ok(sink_start("acme/sink", late, &ctx, &tctx, &e) < 0, "a symlink planted after validation fails the sink");
    ok(e.code == TRIB_ERR_FORBIDDEN, "with FORBIDDEN");
    like(e.msg, "symbolic link", "naming the symlink");
    ok(!exists(target), "nothing was created in the other tenant's directory");
    sink_stop(ctx, tctx);
    free(target);

    char *dangle = at(acme, "dangle.txt");
    char *far = at(outside, "made-by-sink.txt");
    if (symlink(far, dangle) != 0) BAIL_OUT("symlink");
    ok(sink_start("acme/sink", dangle, &ctx, &tctx, &e) < 0 && e.code == TRIB_ERR_FORBIDDEN,
       "a dangling symlink to outside the root fails the sink");
    ok(!exists(far), "no file was created outside the staging root");
    sink_stop(ctx, tctx);

    char *victim = at(globex, "ledger.txt");
    write_text(victim, "globex ledger\n");
    char *hard = at(acme, "hard.txt");
    if (link(victim, hard) != 0) BAIL_OUT("link");
    ok(sink_start("acme/sink", hard, &ctx, &tctx, &e) < 0 && e.code == TRIB_ERR_FORBIDDEN,
       "a hard link to another tenant's file fails the sink");
    like(e.msg, "hard link", "naming the hard link");
    char *s = read_text(victim);
    is_str(s, "globex ledger\n", "the other tenant's file is unchanged");
    free(s);
    sink_stop(ctx, tctx);

    char *mid = at(acme, "sub");
    if (symlink(globex, mid) != 0) BAIL_OUT("symlink");
    char *through = at(acme, "sub/out.txt");
    ok(sink_start("acme/sink", through, &ctx, &tctx, &e) < 0 && e.code == TRIB_ERR_FORBIDDEN,
       "a symlinked directory in the middle of the path fails the sink");
    char *landed = at(globex, "out.txt");
    ok(!exists(landed), "nothing was created through the symlinked directory");
    sink_stop(ctx, tctx);

    char *good = at(acme, "out.txt");
    ok(sink_start("acme/sink", good, &ctx, &tctx, &e) == 0, "a plain file in the staging directory is written");
    ok(exists(good), "and created where it was named");
    sink_stop(ctx, tctx);

    free(late);
    free(dangle);
    free(far);
    free(victim);
    free(hard);
    free(mid);
    free(through);
    free(landed);
    free(good);
}

/* Starts a source on file and polls once; returns the poll's result. */
static int source_once(const char *file, size_t *records, trib_error *e) {
    const trib_connector_plugin *p = trib_connector_find("FileStreamSource");
    trib_offset_store *store = trib_offset_store_memory_new();
    trib_source_task_context *tctx = trib_source_task_context_new("acme/src", 0, store);
    trib_props *props = trib_props_new();
    trib_props_set(props, "file", file);
    trib_props_set(props, "topic", "acme.lines");
    void *ctx = NULL;
    int rc = p->source->start(props, tctx, &ctx, e);
    trib_record_batch b;
    trib_record_batch_init(&b);
    if (rc == 0) rc = p->source->poll(ctx, &b, e);
    *records = b.n;
    trib_record_batch_free(&b);
    if (ctx) p->source->stop(ctx);
    trib_source_task_context_destroy(tctx);
    trib_props_destroy(props);
    trib_offset_store_destroy(store);
    return rc;
}

static void test_source(void) {
    trib_error e;
    size_t n = 0;
    char *own = at(acme, "in.txt");
    write_text(own, "one\ntwo\n");
    ok(source_once(own, &n, &e) == 0 && n == 2, "a tenant's source reads its own file");

    /* Waiting for a missing file, then a symlink to another tenant's file appears. */
    char *later = at(acme, "later.txt");
    ok(source_once(later, &n, &e) == 0 && n == 0, "a missing file is waited for");
    char *theirs = at(globex, "orders.txt");
    write_text(theirs, "globex secret order\n");
    if (symlink(theirs, later) != 0) BAIL_OUT("symlink");
    ok(source_once(later, &n, &e) < 0 && e.code == TRIB_ERR_FATAL, "a symlink appearing later fails the task");
    like(e.msg, "symbolic link", "naming the symlink");
    is_int(n, 0, "and no record of the other tenant's file was read");

    char *dangle = at(acme, "dangle-in.txt");
    char *future = at(globex, "future.txt");
    if (symlink(future, dangle) != 0) BAIL_OUT("symlink");
    write_text(future, "future secret\n");
    ok(source_once(dangle, &n, &e) < 0 && n == 0, "a once-dangling symlink whose target now exists reads nothing");

    char *hard = at(acme, "hard-in.txt");
    if (link(theirs, hard) != 0) BAIL_OUT("link");
    ok(source_once(hard, &n, &e) < 0 && n == 0, "a hard link to another tenant's file reads nothing");
    like(e.msg, "hard link", "naming the hard link");

    char *fifo = at(acme, "fifo");
    if (mkfifo(fifo, 0600) != 0) BAIL_OUT("mkfifo");
    ok(source_once(fifo, &n, &e) < 0 && n == 0, "a FIFO is refused instead of blocking the task");

    free(own);
    free(later);
    free(theirs);
    free(dangle);
    free(future);
    free(hard);
    free(fifo);
}

/* The staging directory itself replaced by a symlink to another tenant's. */
static void test_staging_dir_symlink(void) {
    char *moved = at(tmp, "acme-moved");
    if (rename(acme, moved) != 0 || symlink(globex, acme) != 0) BAIL_OUT("swap");
    trib_error e;
    char *f = at(acme, "orders.txt");
    int fd = trib_tenant_file_open("acme/x", f, O_RDONLY, 0, &e);
    ok(fd < 0 && e.code == TRIB_ERR_FORBIDDEN, "a staging directory replaced by a symlink is refused");
    unlink(acme);
    if (rename(moved, acme) != 0) BAIL_OUT("swap back");
    free(f);
    free(moved);
}

int main(void) {
    snprintf(tmp, sizeof tmp, "%s/trib-tfiles-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmp)) BAIL_OUT("mkdtemp");
    char real[PATH_MAX];
    if (!realpath(tmp, real)) BAIL_OUT("realpath");
    snprintf(root, sizeof root, "%s/staging", real);
    snprintf(acme, sizeof acme, "%s/acme", root);
    snprintf(globex, sizeof globex, "%s/globex", root);
    snprintf(outside, sizeof outside, "%s/outside", real);
    mkdir(root, 0700);
    mkdir(acme, 0700);
    mkdir(globex, 0700);
    mkdir(outside, 0700);
    char *sf = at(outside, "secret.txt");
    write_text(sf, "SECRET");
    free(sf);

    trib_error err;
    trib_tenants *r = trib_tenants_new(trib_tenant_store_memory_new(), secret, sizeof secret, &err);
    trib_tenant_free(trib_tenants_create(r, "acme", NULL, NULL, &err));
    trib_tenant_free(trib_tenants_create(r, "globex", NULL, NULL, &err));
    trib_tenant_runtime_install(r);
    trib_tenant_runtime_install_staging(root);

    test_open();
    test_sink();
    test_source();
    test_staging_dir_symlink();

    trib_tenant_runtime_install(NULL);
    trib_tenant_runtime_install_staging(NULL);
    trib_tenants_destroy(r);
    char *cmd = trib_xasprintf("rm -rf '%s'", tmp);
    if (system(cmd) != 0) diag("cleanup failed");
    free(cmd);
    (void)plan;   /* the plan is printed at the end */
    done_testing();
    return exit_status();
}
