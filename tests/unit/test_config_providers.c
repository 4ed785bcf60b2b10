/* test_config_providers.c: worker/config_providers.c: the three providers,
 * Kafka's reference syntax (path or none, unknown providers left as text,
 * no second pass over a resolved value), allowed.paths and
 * allowlist.pattern, errors that name the key and never the secret, the
 * all-or-nothing resolve, and the reverse transform of task configs. */
#include "worker/config_providers.h"
#include "common/util.h"
#include "tests/tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/trib-providers-XXXXXX";

static void write_file(const char *name, const char *text) {
    char *p = trib_xasprintf("%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    fputs(text, f);
    fclose(f);
    free(p);
}

static trib_props *worker(const char *extra) {
    char *text = trib_xasprintf("config.providers=file,dir,env\n"
                                "config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider\n"
                                "config.providers.dir.class=org.apache.kafka.common.config.provider.DirectoryConfigProvider\n"
                                "config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider\n"
                                "%s",
                                extra);
    trib_error err;
    trib_props *p = trib_props_parse(text, strlen(text), &err);
    free(text);
    return p;
}

/* resolves one value; returns the result (caller frees) or NULL, err set */
static char *resolve1(const char *value, trib_error *err) {
    trib_props *c = trib_props_new();
    trib_props_set(c, "k", value);
    char *out = NULL;
    if (trib_config_resolve(c, err) >= 0) out = trib_xstrdup(trib_props_get(c, "k"));
    trib_props_destroy(c);
    return out;
}

static void check(const char *value, const char *want, const char *what) {
    trib_error err;
    trib_error_clear(&err);
    char *got = resolve1(value, &err);
    if (!got) diag("error: %s", err.msg);
    is_str(got ? got : "(error)", want, "%s", what);
    free(got);
}

static void check_error(const char *value, const char *needle, const char *what) {
    trib_error err;
    trib_error_clear(&err);
    char *got = resolve1(value, &err);
    ok(!got && err.code == TRIB_ERR_INVALID, "%s: refused", what);
    like(err.msg, needle, "%s: the error says why", what);
    ok(!strstr(err.msg, "s3cret"), "%s: and never shows a secret", what);
    free(got);
}

int main(void) {
    plan(69);
    if (!mkdtemp(dir)) BAIL_OUT("mkdtemp");
    char *secrets = trib_xasprintf("%s/secrets", dir);
    mkdir(secrets, 0700);
    write_file("db.properties", "user=app\npassword=s3cret\nurl=jdbc:postgresql://db:5432/x\n");
    write_file("secrets/token", "s3cret-token\n");
    setenv("TRIB_TEST_DB_PASSWORD", "s3cret-env", 1);
    setenv("TRIB_TEST_OTHER", "s3cret-other", 1);

    trib_error err;
    trib_error_clear(&err);

    /* nothing configured: every value stays as it is */
    trib_config_providers_reset();
    ok(!trib_config_has_reference("${file:/x:y}"), "no providers: no reference");
    check("${file:/x:y}", "${file:/x:y}", "no providers: the value is plain text");

    trib_props *w = worker("");
    ok(trib_config_providers_configure(w, &err) == 0, "three providers configure (%s)", err.msg);
    trib_props_destroy(w);

    char *ref = trib_xasprintf("${file:%s/db.properties:password}", dir);
    ok(trib_config_has_reference(ref), "a file reference is found");
    check(ref, "s3cret", "FileConfigProvider: a key of a properties file");
    char *mixed = trib_xasprintf("user=${file:%s/db.properties:user};pw=${file:%s/db.properties:password}!", dir, dir);
    check(mixed, "user=app;pw=s3cret!", "two references inside one value, text around them kept");
    char *dref = trib_xasprintf("${dir:%s:token}", secrets);
    check(dref, "s3cret-token\n", "DirectoryConfigProvider: the whole file, as is");
    check("${env:TRIB_TEST_DB_PASSWORD}", "s3cret-env", "EnvVarConfigProvider: a variable, no path");
    check("${vault:a:b}", "${vault:a:b}", "an unconfigured provider stays text (as in Connect)");
    check("${nocolon}", "${nocolon}", "no ':' is no reference");
    check("$${env:TRIB_TEST_DB_PASSWORD}", "$s3cret-env", "a '$' before the reference stays");
    check("a}b${env:TRIB_TEST_DB_PASSWORD}c", "a}bs3cret-envc", "a stray '}' before the reference");
    /* a value that itself looks like a reference is not resolved again */
    setenv("TRIB_TEST_NESTED", "${env:TRIB_TEST_DB_PASSWORD}", 1);
    check("${env:TRIB_TEST_NESTED}", "${env:TRIB_TEST_DB_PASSWORD}", "one pass: a resolved value is not resolved again");

    char *missing_key = trib_xasprintf("${file:%s/db.properties:nokey}", dir);
    check_error(missing_key, "has no key 'nokey'", "a key missing from the file");
    check_error("${file:/nonexistent/x.properties:a}", "cannot read /nonexistent/x.properties", "an unreadable file");
    check_error("${file:justakey}", "needs a file", "File without a path");
    char *dtrav = trib_xasprintf("${dir:%s:../db.properties}", secrets);
    check_error(dtrav, "is not a file name", "Directory: a key that climbs out");
    char *dmissing = trib_xasprintf("${dir:%s:nosuch}", secrets);
    check_error(dmissing, "is not a regular file", "Directory: a missing file");
    check_error("${env:TRIB_TEST_UNSET_VARIABLE}", "is not set", "an unset variable");
    check_error("${env:/etc:HOME}", "takes no path", "EnvVar with a path");

    /* the error names the config key; nothing is half applied */
    trib_props *c = trib_props_new();
    trib_props_set(c, "a.password", ref);
    trib_props_set(c, "b.broken", missing_key);
    trib_error_clear(&err);
    ok(trib_config_resolve(c, &err) < 0, "a config with one bad reference is refused");
    like(err.msg, "b.broken", "the error names the key");
    is_str(trib_props_get(c, "a.password"), ref, "and the good reference is left unresolved (all or nothing)");
    trib_props_destroy(c);

    /* config.providers* keys are never resolved (they configure them) */
    c = trib_props_new();
    trib_props_set(c, "config.providers.x.param.y", "${env:TRIB_TEST_DB_PASSWORD}");
    ok(trib_config_resolve(c, &err) == 0, "config.providers.* values are left alone");
    trib_props_destroy(c);

    /* the reverse transform: task configs keep the connector's references */
    trib_props *raw = trib_props_new();
    trib_props_set(raw, "connection.password", ref);
    trib_props_set(raw, "topic", "t");
    trib_props *task = trib_props_new();
    trib_props_set(task, "connection.password", "s3cret");
    trib_props_set(task, "topic", "t");
    trib_props_set(task, "task.only", "v");
    trib_config_unresolve(task, raw);
    is_str(trib_props_get(task, "connection.password"), ref, "a resolved secret in a task config gets its reference back");
    is_str(trib_props_get(task, "task.only"), "v", "other keys stay");
    trib_props_destroy(raw);
    trib_props_destroy(task);

    /* allowed.paths (KIP-993) and allowlist.pattern (KIP-887) */
    char *extra = trib_xasprintf("config.providers.file.param.allowed.paths=%s/secrets\n"
                                 "config.providers.dir.param.allowed.paths=%s\n"
                                 "config.providers.env.param.allowlist.pattern=TRIB_TEST_DB_.*\n",
                                 dir, secrets);
    w = worker(extra);
    free(extra);
    trib_error_clear(&err);
    ok(trib_config_providers_configure(w, &err) == 0, "with allowed.paths and allowlist.pattern (%s)", err.msg);
    trib_props_destroy(w);
    check_error(ref, "outside allowed.paths", "File: a file outside allowed.paths");
    char *climb = trib_xasprintf("${file:%s/secrets/../db.properties:password}", dir);
    check_error(climb, "outside allowed.paths", "File: '..' out of an allowed directory");
    /* a symbolic link inside the allowed directory that leads out of it */
    char *link = trib_xasprintf("%s/secrets/link.properties", dir);
    char *target = trib_xasprintf("%s/db.properties", dir);
    ok(symlink(target, link) == 0, "made a link out of the allowed directory");
    char *lref = trib_xasprintf("${file:%s:password}", link);
    check_error(lref, "outside allowed.paths", "File: a symbolic link out of allowed.paths");
    check(dref, "s3cret-token\n", "Directory: inside allowed.paths still resolves");
    check("${env:TRIB_TEST_DB_PASSWORD}", "s3cret-env", "EnvVar: a variable the pattern allows");
    check_error("${env:TRIB_TEST_OTHER}", "outside allowlist.pattern", "EnvVar: a variable the pattern does not allow");

    /* bad provider settings stop the worker at start */
    const char *bad[][2] = {
        {"config.providers=k\nconfig.providers.k.class=io.strimzi.kafka.KubernetesSecretConfigProvider\n", "is not available"},
        {"config.providers=k\n", "config.providers.k.class is required"},
        {"config.providers=f\nconfig.providers.f.class=FileConfigProvider\nconfig.providers.f.param.nosuch=1\n",
         "is not a parameter"},
        {"config.providers=f\nconfig.providers.f.class=FileConfigProvider\nconfig.providers.f.param.allowed.paths=relative\n",
         "not an absolute path"},
        {"config.providers=e\nconfig.providers.e.class=EnvVarConfigProvider\nconfig.providers.e.param.allowlist.pattern=([\n",
         "allowlist.pattern"},
        {"config.providers=f,f\nconfig.providers.f.class=FileConfigProvider\n", "twice"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        trib_props *b = trib_props_parse(bad[i][0], strlen(bad[i][0]), &err);
        trib_error_clear(&err);
        ok(trib_config_providers_configure(b, &err) < 0, "refused at start: %s", bad[i][1]);
        like(err.msg, bad[i][1], "  with a message naming it");
        trib_props_destroy(b);
    }
    /* a refused configuration keeps what was installed */
    check("${env:TRIB_TEST_DB_PASSWORD}", "s3cret-env", "the providers installed before a refusal stay");

    trib_config_providers_reset();
    unlink(link);
    char *cmd = trib_xasprintf("rm -rf %s", dir);
    if (system(cmd) != 0) diag("cleanup failed");
    free(cmd);
    free(link);
    free(target);
    free(lref);
    free(climb);
    free(dmissing);
    free(dtrav);
    free(missing_key);
    free(dref);
    free(mixed);
    free(ref);
    free(secrets);

    return 0;
}
