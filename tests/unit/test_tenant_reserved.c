/*
 * test_tenant_reserved.c: Kafka's and the worker's internal names are out
 * of every tenant's reach (tenants/reserved.h): no tenant prefix covers or
 * is covered by them (a tenant create is refused), no tenant topic is one
 * (validation and the runtime guard refuse it).
 */
#include "tests/tap.h"

#include "tenants/guard.h"
#include "tenants/reserved.h"
#include "tenants/tenant.h"

static unsigned char secret[32] = "0123456789abcdef0123456789abcdef";

static bool prefix_refused(const char *p) {
    trib_error e;
    return trib_tenant_reserved_check_prefix(p, &e) < 0 && e.code == TRIB_ERR_FORBIDDEN;
}

int main(void) {
    trib_tenant_reserved_install(NULL);
    ok(prefix_refused("c"), "prefix 'c' covers connect-* (Connect's groups and default topics)");
    ok(prefix_refused("connect-"), "prefix 'connect-' is refused");
    ok(prefix_refused("connect-configs.x"), "a prefix under connect-configs is refused");
    ok(prefix_refused("_"), "prefix '_' covers __* (Kafka's internal topics)");
    ok(prefix_refused("__acme."), "a prefix under __ is refused");
    ok(!prefix_refused("acme."), "an ordinary prefix passes");
    ok(!prefix_refused("connect."), "'connect.' neither covers nor is covered by 'connect-'");
    trib_error e;
    trib_tenant_reserved_check_prefix("co", &e);
    like(e.msg, "connect-", "the refusal names the reserved name");

    trib_props *wp = trib_props_new();
    trib_props_set(wp, "config.storage.topic", "trib-configs");
    trib_props_set(wp, "offset.storage.topic", "trib-offsets");
    trib_props_set(wp, "status.storage.topic", "trib-status");
    trib_props_set(wp, "group.id", "cluster-a");
    trib_tenant_reserved_install(wp);
    trib_props_destroy(wp);
    ok(prefix_refused("trib"), "a prefix covering the worker's config topic is refused");
    ok(prefix_refused("trib-configs."), "a prefix under the worker's config topic is refused");
    ok(prefix_refused("cluster-a-c"), "a prefix covering <group.id>-coord is refused");
    ok(!prefix_refused("tribe."), "a prefix beside them passes");

    ok(trib_tenant_reserved_check_topic("topics", "__consumer_offsets", &e) < 0, "__consumer_offsets is reserved");
    like(e.msg, "topics", "naming the field");
    ok(trib_tenant_reserved_check_topic("topics", "connect-configs", &e) < 0, "connect-configs is reserved");
    ok(trib_tenant_reserved_check_topic("topic", "trib-status", &e) < 0, "the worker's status topic is reserved");
    ok(trib_tenant_reserved_check_topic("topic", "cluster-a-coord", &e) < 0, "the coordination topic is reserved");
    ok(trib_tenant_reserved_check_topic("topic", "acme.orders", &e) == 0, "an ordinary topic passes");
    ok(trib_tenant_reserved_check_topic("topic", "trib-status-files", &e) < 0,
       "the file status topic's default name (<status topic>-files) is reserved");

    wp = trib_props_new();
    trib_props_set(wp, "status.storage.topic", "trib-status");
    trib_props_set(wp, "file.status.storage.topic", "files-of-trib");
    trib_tenant_reserved_install(wp);
    trib_props_destroy(wp);
    ok(prefix_refused("files-"), "a prefix covering a configured file.status.storage.topic is refused");
    ok(trib_tenant_reserved_check_topic("topic", "files-of-trib", &e) < 0, "and that topic is reserved");
    ok(trib_tenant_reserved_check_topic("topic", "trib-status-files", &e) == 0,
       "the default name is not reserved once another is configured");

    trib_tenants *r = trib_tenants_new(trib_tenant_store_memory_new(), secret, sizeof secret, &e);
    trib_tenant *t = trib_tenants_create(r, "cee", "c", NULL, &e);
    ok(t == NULL && e.code == TRIB_ERR_FORBIDDEN, "creating a tenant with prefix 'c' is refused");
    like(e.msg, "topic_prefix", "naming the field");
    t = trib_tenants_create(r, "trib", "trib-", NULL, &e);
    ok(t == NULL && e.code == TRIB_ERR_FORBIDDEN, "a tenant whose prefix covers the worker's topics is refused");
    trib_tenant_free(t);
    t = trib_tenants_create(r, "acme", NULL, NULL, &e);
    ok(t != NULL, "an ordinary tenant is created");
    trib_tenant_free(t);

    /* The worker later configured with a config topic under acme's prefix. */
    wp = trib_props_new();
    trib_props_set(wp, "config.storage.topic", "acme.configs");
    trib_tenant_reserved_install(wp);
    trib_props_destroy(wp);
    trib_tenant_scope scope = {.tenant = "acme", .topic_prefix = "acme.", .staging_root = NULL};
    ok(trib_tenant_check_topic_name(&scope, "topic", "acme.configs", &e) < 0 && e.code == TRIB_ERR_FORBIDDEN,
       "validation refuses a worker topic even under the tenant's prefix");
    trib_tenant_runtime_install(r);
    trib_tenant_guard *g = trib_tenant_guard_open("acme/sink", &e);
    ok(g != NULL, "a guard opens");
    ok(trib_tenant_guard_check_topic(g, "acme.configs", &e) < 0 && e.code == TRIB_ERR_FORBIDDEN,
       "the runtime guard refuses it too");
    like(e.msg, "internal", "saying why");
    ok(trib_tenant_guard_check_topic(g, "acme.orders", &e) == 0, "the tenant's own topics pass");
    trib_tenant_guard_close(g);
    trib_tenant_runtime_install(NULL);
    trib_tenants_destroy(r);
    trib_tenant_reserved_install(NULL);
    (void)plan;   /* the plan is printed at the end */
    done_testing();
    return exit_status();
}
