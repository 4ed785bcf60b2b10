/*
 * guard.c: the runtime hooks of guard.h. A guard is a task's handle on its
 * tenant's runtime object (internal.h): the prefix its topics must carry,
 * the shared token buckets, and the usage counters.
 */
#include "tenants/guard.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/time.h"
#include "common/util.h"
#include "tenants/internal.h"
#include "tenants/reserved.h"

#define SLICE_US 50000

struct trib_tenant_guard {
    trib_tenant_rt *rt;
    char *connector;
};

static _Atomic(trib_tenants *) installed;
static atomic_ullong throttle_calls;

void trib_tenant_runtime_install(trib_tenants *reg) { atomic_store(&installed, reg); }

trib_tenants *trib_tenant_runtime_registry(void) { return atomic_load(&installed); }

/* A string, not an atomic pointer: readers copy it under the lock, so a
 * re-install never frees a root someone is reading. */
static pthread_mutex_t staging_lock = PTHREAD_MUTEX_INITIALIZER;
static char *staging_root;

void trib_tenant_runtime_install_staging(const char *root) {
    char *copy = trib_xstrdup(root);
    pthread_mutex_lock(&staging_lock);
    char *old = staging_root;
    staging_root = copy;
    pthread_mutex_unlock(&staging_lock);
    free(old);
}

char *trib_tenant_runtime_staging_root(void) {
    pthread_mutex_lock(&staging_lock);
    char *copy = trib_xstrdup(staging_root);
    pthread_mutex_unlock(&staging_lock);
    return copy;
}

void trib_tenant_runtime_set_share(const char *tenant, double share_in, double share_out) {
    trib_tenants *reg = atomic_load(&installed);
    trib_tenant_rt *rt = reg && tenant ? trib_tenants_rt_acquire(reg, tenant) : NULL;
    if (!rt) return;
    trib_tenant_rt_set_share(rt, share_in, share_out);
    trib_tenant_rt_unref(rt);
}

uint64_t trib_tenant_guard_throttle_calls(void) { return atomic_load(&throttle_calls); }

trib_tenant_guard *trib_tenant_guard_new(trib_tenants *reg, const char *connector, trib_error *err) {
    trib_error_clear(err);
    const char *slash = connector ? strchr(connector, '/') : NULL;
    if (!slash) return NULL;   /* not a tenant's connector */
    size_t n = (size_t)(slash - connector);
    char tenant[TRIB_TENANT_NAME_MAX + 1];
    if (n == 0 || n > TRIB_TENANT_NAME_MAX) {
        trib_error_set(err, TRIB_ERR_FORBIDDEN, "connector %s: '%.*s' is not a tenant name", connector,
                       (int)(n > 64 ? 64 : n), connector);
        return NULL;
    }
    memcpy(tenant, connector, n);
    tenant[n] = '\0';
    if (!reg) {
        trib_error_set(err, TRIB_ERR_FORBIDDEN,
                       "connector %s belongs to tenant %s but this worker has no tenant registry", connector, tenant);
        return NULL;
    }
    trib_tenant_rt *rt = trib_tenants_rt_acquire(reg, tenant);
    if (!rt) {
        trib_error_set(err, TRIB_ERR_FORBIDDEN, "connector %s: tenant %s does not exist", connector, tenant);
        return NULL;
    }
    trib_tenant_guard *g = trib_xcalloc(1, sizeof *g);
    g->rt = rt;
    g->connector = trib_xstrdup(connector);
    atomic_fetch_add(&rt->guards, 1);
    return g;
}

trib_tenant_guard *trib_tenant_guard_open(const char *connector, trib_error *err) {
    return trib_tenant_guard_new(atomic_load(&installed), connector, err);
}

void trib_tenant_guard_close(trib_tenant_guard *g) {
    if (!g) return;
    atomic_fetch_sub(&g->rt->guards, 1);
    trib_tenant_rt_unref(g->rt);
    free(g->connector);
    free(g);
}

const char *trib_tenant_guard_tenant(const trib_tenant_guard *g) { return g ? g->rt->name : NULL; }

const char *trib_tenant_guard_prefix(const trib_tenant_guard *g) { return g ? g->rt->prefix : NULL; }

int trib_tenant_guard_check_topic(trib_tenant_guard *g, const char *topic, trib_error *err) {
    if (!g) return 0;
    if (atomic_load(&g->rt->deleted)) {
        atomic_fetch_add(&g->rt->violations, 1);
        return trib_error_set(err, TRIB_ERR_FORBIDDEN, "tenant %s no longer exists: connector %s may not run",
                              g->rt->name, g->connector);
    }
    trib_error rerr;
    if (topic && trib_str_startswith(topic, g->rt->prefix)) {
        /* Under the prefix, but a reserved name (a worker configured with
         * an internal topic inside a tenant's prefix): still refused. */
        if (trib_tenant_reserved_check_topic("topic", topic, &rerr) == 0) return 0;
        atomic_fetch_add(&g->rt->violations, 1);
        return trib_error_set(err, TRIB_ERR_FORBIDDEN, "%s (tenant %s, connector %s)", rerr.msg, g->rt->name,
                              g->connector);
    }
    atomic_fetch_add(&g->rt->violations, 1);
    char shown[256];
    snprintf(shown, sizeof shown, "%s", topic ? topic : "(null)");
    for (char *p = shown; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = '?';
    TRIB_WARN("tenants", "[%s] refused topic '%s': outside tenant %s's prefix '%s'", g->connector, shown,
              g->rt->name, g->rt->prefix);
    return trib_error_set(err, TRIB_ERR_FORBIDDEN,
                          "topic '%s' is outside tenant %s's topic prefix '%s' (connector %s)", shown,
                          g->rt->name, g->rt->prefix, g->connector);
}

bool trib_tenant_guard_throttle(trib_tenant_guard *g, trib_tenant_dir dir, uint64_t records, uint64_t bytes,
                                const atomic_bool *stop) {
    if (!g) return true;
    atomic_fetch_add(&throttle_calls, 1);
    int d = dir == TRIB_TENANT_IN ? 0 : 1;
    trib_tenant_rt *rt = g->rt;
    atomic_fetch_add(&rt->records[d], records);
    atomic_fetch_add(&rt->bytes[d], bytes);
    int64_t now = trib_mono_us();
    int64_t w1 = trib_tenant_bucket_take(&rt->buckets[d ? RT_REC_OUT : RT_REC_IN], (double)records, now);
    int64_t w2 = trib_tenant_bucket_take(&rt->buckets[d ? RT_BYTES_OUT : RT_BYTES_IN], (double)bytes, now);
    int64_t wait = w1 > w2 ? w1 : w2;
    if (wait <= 0) return true;
    int64_t until = now + wait;
    for (;;) {
        if (stop && atomic_load(stop)) {
            atomic_fetch_add(&rt->throttled_us[d], (unsigned long long)(trib_mono_us() - now));
            return false;
        }
        int64_t left = until - trib_mono_us();
        if (left <= 0) break;
        int64_t s = left < SLICE_US ? left : SLICE_US;
        trib_sleep_ms((s + 999) / 1000);
    }
    atomic_fetch_add(&rt->throttled_us[d], (unsigned long long)(trib_mono_us() - now));
    return true;
}

int64_t trib_tenant_guard_admit(trib_tenant_guard *g, trib_tenant_dir dir, uint64_t records, uint64_t bytes) {
    if (!g) return 0;
    int d = dir == TRIB_TENANT_IN ? 0 : 1;
    trib_tenant_rt *rt = g->rt;
    trib_tenant_bucket *rb = &rt->buckets[d ? RT_REC_OUT : RT_REC_IN];
    trib_tenant_bucket *bb = &rt->buckets[d ? RT_BYTES_OUT : RT_BYTES_IN];
    int64_t now = trib_mono_us();
    int64_t w1 = trib_tenant_bucket_wait_for(rb, (double)records, now);
    int64_t w2 = trib_tenant_bucket_wait_for(bb, (double)bytes, now);
    int64_t wait = w1 > w2 ? w1 : w2;
    if (wait > 0) return wait;
    /* two admits racing between look and take may both pass: the buckets
     * lend, so the overdraft is paid by the next caller's wait */
    atomic_fetch_add(&rt->records[d], records);
    atomic_fetch_add(&rt->bytes[d], bytes);
    trib_tenant_bucket_take(rb, (double)records, now);
    trib_tenant_bucket_take(bb, (double)bytes, now);
    return 0;
}

int32_t trib_tenant_guard_batch_limit(trib_tenant_guard *g, trib_tenant_dir dir) {
    if (!g) return INT32_MAX;
    double rate = atomic_load(&g->rt->buckets[dir == TRIB_TENANT_IN ? RT_REC_IN : RT_REC_OUT].rate);
    if (rate <= 0) return INT32_MAX;
    if (rate < 1) return 1;
    if (rate > INT32_MAX) return INT32_MAX;
    return (int32_t)rate;
}

json_t *trib_tenants_usage_json(trib_tenants *reg, const char *tenant, trib_error *err) {
    trib_tenant_rt *rt = trib_tenants_rt_acquire(reg, tenant);
    if (!rt) {
        trib_error_set(err, TRIB_ERR_NOT_FOUND, "Tenant %s not found", tenant);
        return NULL;
    }
    json_t *o = json_pack("{sI sI sI sI sI sI sI si}", "records_in", (json_int_t)atomic_load(&rt->records[0]),
                          "bytes_in", (json_int_t)atomic_load(&rt->bytes[0]), "records_out",
                          (json_int_t)atomic_load(&rt->records[1]), "bytes_out", (json_int_t)atomic_load(&rt->bytes[1]),
                          "throttled_ms_in", (json_int_t)(atomic_load(&rt->throttled_us[0]) / 1000),
                          "throttled_ms_out", (json_int_t)(atomic_load(&rt->throttled_us[1]) / 1000),
                          "topic_violations", (json_int_t)atomic_load(&rt->violations), "guards",
                          atomic_load(&rt->guards));
    trib_tenant_rt_unref(rt);
    return o;
}
