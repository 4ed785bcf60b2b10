/*
 * test_tenant_registry.c: the tenant model, registry, stores and API keys
 * (tenants/tenant.h): name rules, record round trips, the file store
 * (atomic, private, replayed on restart), prefix overlap, key creation,
 * authentication, forgery and revocation, and the server secret file.
 */
#include "tests/tap.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "tenants/tenant.h"

static char dir[256];

static void test_names(void) {
    trib_error err;
    ok(trib_tenant_name_check("acme", "tenant name", &err) == 0, "a lowercase name is valid");
    ok(trib_tenant_name_check("a-1", "tenant name", &err) == 0, "digits and '-' are valid");
    ok(trib_tenant_name_check("Acme", "tenant name", &err) < 0, "uppercase is refused");
    like(err.msg, "tenant name", "the error names the field");
    ok(trib_tenant_name_check("a/b", "tenant name", &err) < 0, "'/' is refused");
    ok(trib_tenant_name_check("../x", "tenant name", &err) < 0, "'..' is refused");
    ok(trib_tenant_name_check("-a", "tenant name", &err) < 0, "a leading '-' is refused");
    ok(trib_tenant_name_check("", "tenant name", &err) < 0, "an empty name is refused");
    ok(trib_tenant_name_check("a\nb", "tenant name", &err) < 0, "control characters are refused");
    ok(strchr(err.msg, '\n') == NULL, "the message masks control characters");
    char longname[64];
    memset(longname, 'a', 41);
    longname[41] = '\0';
    ok(trib_tenant_name_check(longname, "tenant name", &err) < 0, "41 characters is too long");
    longname[40] = '\0';
    ok(trib_tenant_name_check(longname, "tenant name", &err) == 0, "40 characters is fine");
    ok(trib_tenant_name_check("caf\xc3\xa9", "tenant name", &err) < 0, "non-ASCII is refused");
}

static void test_quotas_json(void) {
    trib_error err;
    trib_tenant_quotas q = trib_tenant_quotas_default();
    json_t *j = json_pack("{sI sf}", "max_tasks", (json_int_t)7, "records_in_per_sec", 100.5);
    ok(trib_tenant_quotas_from_json(j, &q, &err) == 0, "quotas parse");
    is_int(q.max_tasks, 7, "max_tasks is set");
    ok(q.records_in == 100.5, "records_in_per_sec is set");
    is_int(q.max_connectors, 10, "absent quotas keep their value");
    json_decref(j);
    j = json_pack("{sI}", "max_taskz", (json_int_t)7);
    ok(trib_tenant_quotas_from_json(j, &q, &err) < 0, "an unknown quota is refused");
    like(err.msg, "max_taskz", "the error names it");
    json_decref(j);
    j = json_pack("{sf}", "bytes_out_per_sec", -1.0);
    ok(trib_tenant_quotas_from_json(j, &q, &err) < 0, "a negative rate is refused");
    like(err.msg, "bytes_out_per_sec", "the error names the rate");
    json_decref(j);
    j = json_pack("{ss}", "max_connectors", "5");
    ok(trib_tenant_quotas_from_json(j, &q, &err) < 0, "a string count is refused");
    json_decref(j);
}

static unsigned char secret[32] = "0123456789abcdef0123456789abcdef";

static void test_registry_and_keys(void) {
    trib_error err;
    char path[512];
    snprintf(path, sizeof path, "%s/tenants.json", dir);
    trib_tenant_store *st = trib_tenant_store_file_new(path, &err);
    ok(st != NULL, "a missing store file is an empty store");
    trib_tenants *r = trib_tenants_new(st, secret, sizeof secret, &err);
    ok(r != NULL, "registry opens");

    trib_tenant *a = trib_tenants_create(r, "acme", NULL, NULL, &err);
    ok(a != NULL, "tenant acme is created");
    is_str(a ? a->topic_prefix : NULL, "acme.", "the default topic prefix is '<name>.'");
    is_str(a ? a->staging_dir : NULL, "acme", "the staging directory is named after the tenant");
    trib_tenant_free(a);
    ok(trib_tenants_create(r, "acme", NULL, NULL, &err) == NULL && err.code == TRIB_ERR_CONFLICT,
       "creating it again is a conflict");
    ok(trib_tenants_create(r, "globex", "acme.sub.", NULL, &err) == NULL && err.code == TRIB_ERR_CONFLICT,
       "a prefix inside another tenant's prefix is refused");
    like(err.msg, "acme", "the error names the other tenant");
    ok(trib_tenants_create(r, "globex", "acm", NULL, &err) == NULL && err.code == TRIB_ERR_CONFLICT,
       "a prefix of another tenant's prefix is refused");
    ok(trib_tenants_create(r, "globex", "Bad Prefix", NULL, &err) == NULL && err.code == TRIB_ERR_INVALID,
       "a prefix with bad characters is refused");
    ok(trib_tenants_create(r, "Globex", NULL, NULL, &err) == NULL && err.code == TRIB_ERR_INVALID,
       "a bad tenant name is refused");
    trib_tenant *g = trib_tenants_create(r, "globex", NULL, NULL, &err);
    ok(g != NULL, "tenant globex is created");
    trib_tenant_free(g);

    json_t *list = trib_tenants_list(r);
    ok(json_array_size(list) == 2 && strcmp(json_string_value(json_array_get(list, 0)), "acme") == 0,
       "the list is sorted");
    json_decref(list);

    struct stat sb;
    ok(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600, "the store file is private (0600)");

    char *key = NULL, id[TRIB_TENANT_KEY_ID_LEN + 1];
    ok(trib_tenants_key_create(r, "acme", &key, id, &err) == 0, "a key is created");
    ok(key && strncmp(key, "trib_", 5) == 0 && strlen(key) == 5 + 43, "the key is trib_ + 43 base64url characters");
    is_int(strlen(id), TRIB_TENANT_KEY_ID_LEN, "the key id has 16 characters");
    char *text = trib_read_file(path, NULL, &err);
    ok(text && key && !strstr(text, key + 5), "the key itself is never stored");
    ok(text && strstr(text, id), "its id is stored");
    free(text);

    char tenant[TRIB_TENANT_NAME_MAX + 1], kid[TRIB_TENANT_KEY_ID_LEN + 1];
    ok(trib_tenants_authenticate(r, key, tenant, kid, &err) == 0, "the key authenticates");
    is_str(tenant, "acme", "as tenant acme");
    is_str(kid, id, "with its id");

    /* Forged keys: one character changed, truncated, extended, other formats. */
    char *forged = trib_xstrdup(key);
    forged[10] = forged[10] == 'A' ? 'B' : 'A';
    ok(trib_tenants_authenticate(r, forged, tenant, kid, &err) < 0 && err.code == TRIB_ERR_UNAUTHORIZED,
       "a key with one character changed is refused");
    is_str(err.msg, "Invalid API key", "with a message that says nothing more");
    forged[10] = key[10];
    forged[strlen(forged) - 1] = '\0';
    ok(trib_tenants_authenticate(r, forged, tenant, kid, &err) < 0, "a truncated key is refused");
    free(forged);
    char *longer = trib_xasprintf("%sA", key);
    ok(trib_tenants_authenticate(r, longer, tenant, kid, &err) < 0, "an extended key is refused");
    free(longer);
    ok(trib_tenants_authenticate(r, "", tenant, kid, &err) < 0, "an empty key is refused");
    ok(trib_tenants_authenticate(r, id, tenant, kid, &err) < 0, "the key id is not a key");
    ok(trib_tenants_authenticate(r, NULL, tenant, kid, &err) < 0, "no key is refused");

    /* Another registry with another secret does not accept the key. */
    unsigned char other[32];
    memset(other, 'x', sizeof other);
    trib_tenants *r2 = trib_tenants_new(trib_tenant_store_file_new(path, &err), other, sizeof other, &err);
    ok(r2 && trib_tenants_authenticate(r2, key, tenant, kid, &err) < 0,
       "a key is useless with another server secret");
    trib_tenants_destroy(r2);

    /* Restart: the store replays, the key still works. */
    trib_tenants_destroy(r);
    r = trib_tenants_new(trib_tenant_store_file_new(path, &err), secret, sizeof secret, &err);
    ok(r && trib_tenants_exists(r, "acme") && trib_tenants_exists(r, "globex"), "tenants survive a restart");
    ok(r && trib_tenants_authenticate(r, key, tenant, kid, &err) == 0, "keys survive a restart");

    char *key2 = NULL, id2[TRIB_TENANT_KEY_ID_LEN + 1];
    ok(trib_tenants_key_create(r, "acme", &key2, id2, &err) == 0 && strcmp(id, id2) != 0 && strcmp(key, key2) != 0,
       "a second key is different");
    ok(trib_tenants_key_revoke(r, "acme", id, &err) == 0, "the first key is revoked");
    ok(trib_tenants_authenticate(r, key, tenant, kid, &err) < 0, "a revoked key is refused");
    ok(trib_tenants_authenticate(r, key2, tenant, kid, &err) == 0, "the other key still works");
    ok(trib_tenants_key_revoke(r, "acme", id, &err) < 0 && err.code == TRIB_ERR_NOT_FOUND,
       "revoking it again is not found");
    ok(trib_tenants_key_revoke(r, "globex", id2, &err) < 0 && err.code == TRIB_ERR_NOT_FOUND,
       "a tenant cannot revoke another tenant's key id");
    char *nokey = NULL;
    ok(trib_tenants_key_create(r, "nobody", &nokey, id, &err) < 0 && err.code == TRIB_ERR_NOT_FOUND && !nokey,
       "no key for an unknown tenant");

    trib_tenant_quotas q = trib_tenant_quotas_default();
    q.max_connectors = 1;
    ok(trib_tenants_set_quotas(r, "acme", &q, &err) == 0, "quotas change");
    trib_tenant *got = trib_tenants_get(r, "acme", &err);
    ok(got && got->quotas.max_connectors == 1, "and are read back");
    json_t *pub = got ? trib_tenant_public_json(got) : NULL;
    char *pubtext = pub ? json_dumps(pub, 0) : NULL;
    ok(pubtext && !strstr(pubtext, "hmac"), "the public view has no key MACs");
    free(pubtext);
    json_decref(pub);
    trib_tenant_free(got);

    ok(trib_tenants_delete(r, "acme", &err) == 0, "a tenant is deleted");
    ok(trib_tenants_authenticate(r, key2, tenant, kid, &err) < 0, "its keys die with it");
    ok(trib_tenants_delete(r, "acme", &err) < 0 && err.code == TRIB_ERR_NOT_FOUND, "deleting it again is not found");
    trib_tenants_destroy(r);
    r = trib_tenants_new(trib_tenant_store_file_new(path, &err), secret, sizeof secret, &err);
    ok(r && !trib_tenants_exists(r, "acme") && trib_tenants_exists(r, "globex"), "the deletion is durable");

    /* apply(): the entry point for records from the config log. */
    json_t *bad = json_pack("{ss}", "name", "other");
    ok(trib_tenants_apply(r, "tenant-evil", bad, &err) < 0, "a record whose name does not match its key is refused");
    json_decref(bad);
    ok(trib_tenants_apply(r, "tenant-../x", json_null(), &err) < 0, "a hostile record key is refused");
    ok(trib_tenants_apply(r, "connector-x", json_null(), &err) < 0, "a key without the tenant- prefix is refused");
    ok(trib_tenants_apply(r, "tenant-globex", json_null(), &err) == 0 && !trib_tenants_exists(r, "globex"),
       "a null record deletes");
    ok(trib_tenants_apply(r, "tenant-globex", json_null(), &err) == 0, "applying it twice is harmless");
    trib_tenants_destroy(r);
    free(key);
    free(key2);

    /* A corrupt store file is refused, not half-loaded. */
    char cpath[512];
    snprintf(cpath, sizeof cpath, "%s/corrupt.json", dir);
    trib_write_file_atomic(cpath, "[1,2", 4, &err);
    ok(trib_tenant_store_file_new(cpath, &err) == NULL, "a corrupt store file is refused");
    like(err.msg, "tenant.store.file", "the error names the property");
}

static void test_secret_file(void) {
    trib_error err;
    char path[512];
    snprintf(path, sizeof path, "%s/secret", dir);
    unsigned char *s = NULL, *s2 = NULL;
    size_t n = 0, n2 = 0;
    ok(trib_tenant_secret_load(path, &s, &n, &err) == 0, "a missing secret file is created");
    struct stat sb;
    ok(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600, "with mode 0600");
    ok(n >= 32, "holding at least 32 bytes");
    ok(trib_tenant_secret_load(path, &s2, &n2, &err) == 0 && n == n2 && memcmp(s, s2, n) == 0,
       "loading it again gives the same secret");
    free(s);
    free(s2);
    chmod(path, 0644);
    ok(trib_tenant_secret_load(path, &s, &n, &err) < 0, "a secret readable by others is refused");
    like(err.msg, "chmod 600", "the error says how to fix it");
    char spath[512];
    snprintf(spath, sizeof spath, "%s/short", dir);
    trib_write_file_atomic(spath, "short", 5, &err);
    chmod(spath, 0600);
    ok(trib_tenant_secret_load(spath, &s, &n, &err) < 0, "a short secret is refused");
    like(err.msg, "tenant.key.secret.file", "the error names the property");

    ok(trib_tenant_secret_equal("a-long-admin-token", "a-long-admin-token"), "equal tokens compare equal");
    ok(!trib_tenant_secret_equal("a-long-admin-tokem", "a-long-admin-token"), "a different token does not");
    ok(!trib_tenant_secret_equal("a-long-admin-token-", "a-long-admin-token"), "a longer token does not");
    ok(!trib_tenant_secret_equal("", ""), "an empty expected token never matches");
}

int main(void) {
    (void)plan;
    snprintf(dir, sizeof dir, "/tmp/trib_tenant_reg_XXXXXX");
    if (!mkdtemp(dir)) BAIL_OUT("mkdtemp");
    test_names();
    test_quotas_json();
    test_registry_and_keys();
    test_secret_file();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) diag("could not remove %s", dir);
    done_testing();
    return exit_status();
}
