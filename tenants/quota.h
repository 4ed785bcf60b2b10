/*
 * quota.h: the token bucket behind tenants' rate quotas (records/s and
 * bytes/s, in and out). One bucket per tenant, direction and unit, shared by
 * every task of the tenant on this worker (tenants/guard.h), so a tenant's
 * tasks together never exceed its rate however many there are.
 *
 * The bucket lends: take() always succeeds and may drive the balance
 * negative; it returns how long the caller must wait for the balance to be
 * back at zero. A batch larger than the burst therefore passes after a
 * proportional wait instead of never, and concurrent takers queue up in
 * order of their debt. Time is the monotonic clock, passed in so tests are
 * exact.
 */
#ifndef TRIB_TENANTS_QUOTA_H
#define TRIB_TENANTS_QUOTA_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

typedef struct trib_tenant_bucket {
    pthread_mutex_t lock;
    _Atomic double rate;   /* tokens per second; <= 0 means unlimited */
    double burst;          /* most tokens saved up (rate * burst seconds) */
    double burst_s;
    double tokens;
    int64_t last_us;
} trib_tenant_bucket;

/* rate <= 0: unlimited. burst_s: seconds of rate that may be saved up. */
void trib_tenant_bucket_init(trib_tenant_bucket *b, double rate, double burst_s, int64_t now_us);
void trib_tenant_bucket_destroy(trib_tenant_bucket *b);
/* Changes the rate; the balance is kept (capped to the new burst). */
void trib_tenant_bucket_set_rate(trib_tenant_bucket *b, double rate, int64_t now_us);
/* Takes n tokens; returns the microseconds to wait (0 when the balance
 * stays >= 0 or the bucket is unlimited). */
int64_t trib_tenant_bucket_take(trib_tenant_bucket *b, double n, int64_t now_us);
/* For callers that refuse instead of waiting (HTTP ingest's 429): the
 * microseconds until take(n) would not have to wait, 0 when it would pass
 * now. A request larger than the burst passes from a full bucket (it then
 * lends, as take does), so it is delayed, never refused forever. Takes
 * nothing. */
int64_t trib_tenant_bucket_wait_for(trib_tenant_bucket *b, double n, int64_t now_us);

#endif
