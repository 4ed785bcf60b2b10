/*
 * quota.c: the lending token bucket of quota.h.
 */
#include "tenants/quota.h"

#include <math.h>

static void refill(trib_tenant_bucket *b, double rate, int64_t now_us) {
    if (now_us > b->last_us) {
        b->tokens += rate * (double)(now_us - b->last_us) / 1e6;
        if (b->tokens > b->burst) b->tokens = b->burst;
        b->last_us = now_us;
    }
}

void trib_tenant_bucket_init(trib_tenant_bucket *b, double rate, double burst_s, int64_t now_us) {
    pthread_mutex_init(&b->lock, NULL);
    b->burst_s = burst_s > 0 ? burst_s : 1.0;
    atomic_store(&b->rate, rate > 0 ? rate : 0.0);
    b->burst = rate > 0 ? rate * b->burst_s : 0;
    /* Start full: a task that starts is not made to wait for a second. */
    b->tokens = b->burst;
    b->last_us = now_us;
}

void trib_tenant_bucket_destroy(trib_tenant_bucket *b) { pthread_mutex_destroy(&b->lock); }

void trib_tenant_bucket_set_rate(trib_tenant_bucket *b, double rate, int64_t now_us) {
    pthread_mutex_lock(&b->lock);
    double old = atomic_load(&b->rate);
    if (old > 0) refill(b, old, now_us);
    else b->last_us = now_us;
    double r = rate > 0 ? rate : 0.0;
    b->burst = r * b->burst_s;
    if (old <= 0) b->tokens = b->burst;       /* from unlimited: start full */
    if (b->tokens > b->burst) b->tokens = b->burst;
    atomic_store(&b->rate, r);
    pthread_mutex_unlock(&b->lock);
}

int64_t trib_tenant_bucket_wait_for(trib_tenant_bucket *b, double n, int64_t now_us) {
    if (atomic_load_explicit(&b->rate, memory_order_relaxed) <= 0 || n <= 0) return 0;
    pthread_mutex_lock(&b->lock);
    double rate = atomic_load(&b->rate);
    int64_t wait = 0;
    if (rate > 0) {
        refill(b, rate, now_us);
        double need = n < b->burst ? n : b->burst;
        if (b->tokens < need) wait = (int64_t)ceil((need - b->tokens) / rate * 1e6);
    }
    pthread_mutex_unlock(&b->lock);
    return wait;
}

int64_t trib_tenant_bucket_take(trib_tenant_bucket *b, double n, int64_t now_us) {
    /* The common case (no quota) costs one atomic load and no lock. */
    if (atomic_load_explicit(&b->rate, memory_order_relaxed) <= 0 || n <= 0) return 0;
    pthread_mutex_lock(&b->lock);
    double rate = atomic_load(&b->rate);
    int64_t wait = 0;
    if (rate > 0) {
        refill(b, rate, now_us);
        b->tokens -= n;
        if (b->tokens < 0) {
            /* A tiny rate and a large take can exceed int64 microseconds:
             * converting such a double is undefined, so clamp (a day is a
             * hold, the task still stops when asked). */
            double us = ceil(-b->tokens / rate * 1e6);
            wait = us < 86400e6 ? (int64_t)us : (int64_t)86400e6;
        }
    }
    pthread_mutex_unlock(&b->lock);
    return wait;
}
