/*
 * test_module_loader.c: the plugin module loader (common/module.h) without
 * the tributary binary: statically registered modules are found without a
 * search; a module that is nowhere is a FATAL error listing plugin.path's
 * directories and then the two defaults next to the executable, in order;
 * the first file found is the one used, and one that is not a loadable
 * object, or a shared object without trib_module_<name>, is an error naming
 * its path; the catalogs turn a module error into one naming the class.
 * (tests/e2e/plugin_modules.t loads the real modules into the real binary.)
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/module.h"
#include "common/util.h"
#include "proto/converter.h"
#include "tests/tap.h"
#include "worker/connector.h"

static char tmp[] = "/tmp/trib_module_loader_XXXXXX";

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static int copy_file(const char *from, const char *to) {
    size_t len = 0;
    char *data = trib_read_file(from, &len, NULL);
    if (!data) return -1;
    FILE *f = fopen(to, "wb");
    size_t n = f ? fwrite(data, 1, len, f) : 0;
    if (f) fclose(f);
    free(data);
    return n == len ? 0 : -1;
}

int main(void) {
    plan(14);
    if (!mkdtemp(tmp)) {
        diag("mkdtemp failed");
        return 1;
    }
    trib_error err;

    /* tests/static_modules.c registered the modules linked into this test */
    const trib_module *pg = trib_module_load("postgres", &err);
    ok(pg && strcmp(pg->name, "postgres") == 0 && pg->abi == TRIB_MODULE_ABI && pg->connectors && pg->connectors[0],
       "a statically registered module is found without searching");
    ok(trib_module_load("postgres", NULL) == pg, "and is the same module every time");

    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash) *slash = '\0';

    char *a = trib_xasprintf("%s/a", tmp), *b = trib_xasprintf("%s/b", tmp);
    mkdir(a, 0700);
    mkdir(b, 0700);
    char *path = trib_xasprintf("%s, %s", a, b);
    trib_module_set_path(path);
    ok(trib_module_load("nosuch", &err) == NULL && err.code == TRIB_ERR_FATAL, "a module that is nowhere is FATAL");
    char *want = trib_xasprintf("plugin module 'nosuch' not found: searched %s/nosuch.so, %s/nosuch.so, "
                                "%s/plugins/nosuch.so, %s/../lib/tributary/plugins/nosuch.so",
                                a, b, exe, exe);
    like(err.msg, want, "the error lists plugin.path's directories, then plugins/ and ../lib/tributary/plugins/ "
                        "next to the executable");
    like(err.msg, "plugin.path", "and says how to fix it");
    free(want);

    /* b/nosuch.so is not an ELF object */
    char *fb = trib_xasprintf("%s/nosuch.so", b);
    write_file(fb, "not a shared object\n");
    ok(trib_module_load("nosuch", &err) == NULL && err.code == TRIB_ERR_FATAL, "a file that is not a module is FATAL");
    want = trib_xasprintf("plugin module 'nosuch' at %s could not be loaded: ", fb);
    like(err.msg, want, "naming its path and the loader's message");
    free(want);

    /* a real shared object without the descriptor, found first (in a) */
    char *fa = trib_xasprintf("%s/nosuch.so", a);
    if (copy_file("/usr/lib/x86_64-linux-gnu/libz.so.1", fa) == 0) {
        ok(trib_module_load("nosuch", &err) == NULL && err.code == TRIB_ERR_FATAL,
           "a shared object without the descriptor is refused");
        want = trib_xasprintf("plugin module 'nosuch' at %s could not be used: it does not export trib_module_nosuch", fa);
        like(err.msg, want, "the first directory's file is the one used, and the error says what is missing");
        free(want);
    } else {
        ok(1, "# SKIP no libz.so.1 to copy");
        ok(1, "# SKIP no libz.so.1 to copy");
    }

    trib_module_set_path(NULL);
    ok(trib_module_load("nosuch", &err) == NULL && !strstr(err.msg, tmp),
       "clearing plugin.path leaves only the default directories");

    /* the catalogs: plugins of a registered module load; errors name the class */
    const trib_connector_plugin *sink = trib_connector_load("PostgresSink", &err);
    ok(sink && sink == pg->connectors[0] && strcmp(sink->class_name, "io.tributary.connect.postgres.PostgresSinkConnector") == 0,
       "PostgresSink resolves to the postgres module's plugin");
    const trib_converter_plugin *avro = trib_converter_load("AvroConverter", &err);
    ok(avro && strcmp(avro->class_name, "io.confluent.connect.avro.AvroConverter") == 0,
       "AvroConverter resolves to the avro module's plugin");
    const trib_converter_info *ci = trib_converter_lookup("AvroConverter");
    ok(ci && ci->module && strcmp(ci->module, "avro") == 0 && !ci->builtin, "the catalog says AvroConverter is in module avro");
    ok(trib_converter_load("com.example.Nope", &err) == NULL && err.code == TRIB_ERR_NOT_FOUND,
       "an unknown converter class is NOT_FOUND");

    unlink(fa);
    unlink(fb);
    rmdir(a);
    rmdir(b);
    rmdir(tmp);
    free(fa);
    free(fb);
    free(path);
    free(a);
    free(b);
    return exit_status();
}
