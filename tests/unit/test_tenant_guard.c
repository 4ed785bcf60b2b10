/*
 * test_tenant_guard.c: the runtime hooks (tenants/guard.h) and the token
 * bucket under them (tenants/quota.h): topic checks after transforms, fail
 * closed for unknown tenants, rate quotas shared by all of a tenant's tasks
 * and independent between tenants, live quota changes, stop while waiting,
 * and the usage counters shown in status.
 */
#include "tests/tap.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "common/time.h"
#include "tenants/guard.h"
#include "tenants/quota.h"

static unsigned char secret[32] = "0123456789abcdef0123456789abcdef";

static void test_bucket(void) {
    trib_tenant_bucket b;
    trib_tenant_bucket_init(&b, 100, 1.0, 0);
    is_int(trib_tenant_bucket_take(&b, 100, 0), 0, "a full bucket pays a burst of one second at once");
    is_int(trib_tenant_bucket_take(&b, 50, 0), 500000, "the next 50 tokens at 100/s wait 0.5 s");
    is_int(trib_tenant_bucket_take(&b, 50, 500000), 500000, "debt queues: 0.5 s later another 50 wait 0.5 s more");
    is_int(trib_tenant_bucket_take(&b, 0, 500000), 0, "taking nothing never waits");
    is_int(trib_tenant_bucket_take(&b, 1, 10000000), 0, "after a long pause the bucket is full again");
    trib_tenant_bucket_set_rate(&b, 0, 10000000);
    is_int(trib_tenant_bucket_take(&b, 1e9, 10000000), 0, "rate 0 is unlimited");
    trib_tenant_bucket_set_rate(&b, 10, 10000000);
    is_int(trib_tenant_bucket_take(&b, 10, 10000000), 0, "a new rate starts with a full burst");
    is_int(trib_tenant_bucket_take(&b, 10, 10000000), 1000000, "and then waits at the new rate");
    trib_tenant_bucket_destroy(&b);
}

typedef struct worker_arg {
    trib_tenant_guard *g;
    int records;
    atomic_bool *stop;
} worker_arg;

static void *pump(void *p) {
    worker_arg *a = p;
    for (int i = 0; i < a->records; i += 10)
        if (!trib_tenant_guard_throttle(a->g, TRIB_TENANT_IN, 10, 100, a->stop)) break;
    return NULL;
}

static void test_guard(void) {
    trib_error err;
    trib_tenants *r = trib_tenants_new(trib_tenant_store_memory_new(), secret, sizeof secret, &err);
    trib_tenant_quotas q = trib_tenant_quotas_default();
    q.records_in = 200;
    trib_tenant *t = trib_tenants_create(r, "acme", NULL, &q, &err);
    trib_tenant_free(t);
    t = trib_tenants_create(r, "globex", NULL, NULL, &err);
    trib_tenant_free(t);

    trib_tenant_guard *g = trib_tenant_guard_new(r, "orders-sink", &err);
    ok(g == NULL && err.code == TRIB_OK, "an admin connector (no '/') has no guard and no error");
    ok(trib_tenant_guard_check_topic(NULL, "anything", &err) == 0, "a NULL guard allows every topic");
    ok(trib_tenant_guard_throttle(NULL, TRIB_TENANT_IN, 1000000, 1000000, NULL), "a NULL guard never waits");
    is_int(trib_tenant_guard_batch_limit(NULL, TRIB_TENANT_OUT), INT32_MAX, "a NULL guard has no batch limit");

    g = trib_tenant_guard_new(r, "nobody/orders", &err);
    ok(g == NULL && err.code == TRIB_ERR_FORBIDDEN, "a connector of an unknown tenant fails closed");
    like(err.msg, "nobody", "the error names the tenant");
    g = trib_tenant_guard_new(NULL, "acme/orders", &err);
    ok(g == NULL && err.code == TRIB_ERR_FORBIDDEN, "a tenant connector without a registry fails closed");
    trib_tenant_runtime_install(NULL);
    g = trib_tenant_guard_open("acme/orders", &err);
    ok(g == NULL && err.code == TRIB_ERR_FORBIDDEN, "open() without an installed registry fails closed");
    trib_tenant_runtime_install(r);
    g = trib_tenant_guard_open("acme/orders", &err);
    ok(g != NULL, "open() finds the installed registry");
    is_str(trib_tenant_guard_tenant(g), "acme", "the guard knows its tenant");

    ok(trib_tenant_guard_check_topic(g, "acme.orders", &err) == 0, "an own topic passes");
    ok(trib_tenant_guard_check_topic(g, "globex.orders", &err) < 0 && err.code == TRIB_ERR_FORBIDDEN,
       "a topic renamed into another tenant (e.g. by a transform) is refused");
    like(err.msg, "globex.orders", "the error names the topic");
    like(err.msg, "acme.", "and the prefix");
    ok(trib_tenant_guard_check_topic(g, "acmeorders", &err) < 0, "a topic merely starting with the name is refused");
    ok(trib_tenant_guard_check_topic(g, NULL, &err) < 0, "a NULL topic is refused");
    is_int(trib_tenant_guard_batch_limit(g, TRIB_TENANT_IN), 200, "the batch limit is a second of the record rate");
    is_int(trib_tenant_guard_batch_limit(g, TRIB_TENANT_OUT), INT32_MAX, "no out quota: no batch limit");

    /* Two tasks of acme share one bucket: 1000 records at 200/s with a
     * one-second burst take about (1000-200)/200 = 4 s in total. */
    trib_tenant_guard *g2 = trib_tenant_guard_new(r, "acme/other", &err);
    trib_tenant_guard *gx = trib_tenant_guard_new(r, "globex/orders", &err);
    atomic_bool stop = false;
    worker_arg a1 = {g, 500, &stop}, a2 = {g2, 500, &stop};
    int64_t t0 = trib_mono_ms();
    pthread_t th1, th2;
    pthread_create(&th1, NULL, pump, &a1);
    pthread_create(&th2, NULL, pump, &a2);
    /* Meanwhile globex (no quota) is not held at all. */
    int64_t tx = trib_mono_ms();
    for (int i = 0; i < 100000; i += 1000) trib_tenant_guard_throttle(gx, TRIB_TENANT_IN, 1000, 100000, &stop);
    int64_t globex_ms = trib_mono_ms() - tx;
    pthread_join(th1, NULL);
    pthread_join(th2, NULL);
    int64_t acme_ms = trib_mono_ms() - t0;
    ok(acme_ms >= 3800 && acme_ms <= 4800, "two acme tasks together are held to the tenant's rate (%lld ms for 4 s)",
       (long long)acme_ms);
    ok(globex_ms < 200, "a tenant without a quota is not slowed by its neighbour (%lld ms)", (long long)globex_ms);

    json_t *u = trib_tenants_usage_json(r, "acme", &err);
    is_int(json_integer_value(json_object_get(u, "records_in")), 1000, "usage counts acme's records");
    is_int(json_integer_value(json_object_get(u, "bytes_in")), 10000, "and bytes");
    ok(json_integer_value(json_object_get(u, "throttled_ms_in")) >= 3000, "and the time its tasks were held");
    is_int(json_integer_value(json_object_get(u, "topic_violations")), 3, "and the refused topics");
    is_int(json_integer_value(json_object_get(u, "guards")), 2, "and its open guards");
    json_decref(u);
    ok(trib_tenants_usage_json(r, "nobody", &err) == NULL && err.code == TRIB_ERR_NOT_FOUND,
       "usage of an unknown tenant is not found");

    /* Stop while held: the wait ends within a slice. */
    q.records_in = 1;
    trib_tenants_set_quotas(r, "acme", &q, &err);
    trib_tenant_guard_throttle(g, TRIB_TENANT_IN, 1, 0, NULL);   /* spend the burst */
    atomic_store(&stop, false);
    worker_arg a3 = {g, 1000, &stop};
    pthread_t th3;
    int64_t ts = trib_mono_ms();
    pthread_create(&th3, NULL, pump, &a3);
    trib_sleep_ms(200);
    atomic_store(&stop, true);
    pthread_join(th3, NULL);
    ok(trib_mono_ms() - ts < 600, "a stop request ends a quota wait promptly");
    ok(!trib_tenant_guard_throttle(g, TRIB_TENANT_IN, 10, 0, &stop), "throttle reports the stop");

    /* Raising the quota applies to running guards. */
    q.records_in = 0;
    trib_tenants_set_quotas(r, "acme", &q, &err);
    int64_t tq = trib_mono_ms();
    ok(trib_tenant_guard_throttle(g, TRIB_TENANT_IN, 100000, 0, NULL) && trib_mono_ms() - tq < 100,
       "removing the quota releases the tenant at once");

    /* Deleting the tenant: its running guards refuse everything. */
    trib_tenants_delete(r, "acme", &err);
    ok(trib_tenant_guard_check_topic(g, "acme.orders", &err) < 0 && err.code == TRIB_ERR_FORBIDDEN,
       "after the tenant is deleted even its own topics are refused");
    ok(trib_tenant_guard_throttle_calls() > 0, "throttle calls are counted");

    trib_tenant_guard_close(g);
    trib_tenant_guard_close(g2);
    trib_tenant_guard_close(gx);
    trib_tenant_guard_close(NULL);
    trib_tenant_runtime_install(NULL);
    trib_tenants_destroy(r);
}

int main(void) {
    (void)plan;
    test_bucket();
    test_guard();
    done_testing();
    return exit_status();
}
