/*
 * internal.h: what the registry (store.c) shares with the runtime guard
 * (guard.c): the per-tenant runtime object holding the rate buckets and the
 * usage counters of one tenant on this worker. Not for use outside tenants/.
 */
#ifndef TRIB_TENANTS_INTERNAL_H
#define TRIB_TENANTS_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "tenants/quota.h"
#include "tenants/tenant.h"

enum { RT_REC_IN, RT_BYTES_IN, RT_REC_OUT, RT_BYTES_OUT, RT_NBUCKETS };

/* Shared by the registry entry and every open guard (reference counted).
 * name and prefix never change: a record that changes a tenant's prefix
 * replaces the object (guards on the old one then refuse everything). */
typedef struct trib_tenant_rt {
    atomic_int refs;
    char *name;
    char *prefix;
    atomic_bool deleted;
    trib_tenant_bucket buckets[RT_NBUCKETS];
    atomic_ullong records[2], bytes[2], throttled_us[2];
    atomic_ullong violations;
    atomic_int guards;
    /* This worker's share of the tenant's rate quotas, per direction (in:
     * source tasks, out: sink tasks), from the cluster's placement; 1 in
     * standalone mode. rate_lock orders quota and share changes. */
    pthread_mutex_t rate_lock;
    trib_tenant_quotas quotas;
    double share[2];
} trib_tenant_rt;

trib_tenant_rt *trib_tenant_rt_new(const trib_tenant *t);
void trib_tenant_rt_set_quotas(trib_tenant_rt *rt, const trib_tenant_quotas *q);
void trib_tenant_rt_set_share(trib_tenant_rt *rt, double share_in, double share_out);
trib_tenant_rt *trib_tenant_rt_ref(trib_tenant_rt *rt);
void trib_tenant_rt_unref(trib_tenant_rt *rt);

/* The runtime object of a tenant (a new reference) or NULL. */
trib_tenant_rt *trib_tenants_rt_acquire(trib_tenants *r, const char *name);

#endif
