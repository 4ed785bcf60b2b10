/*
 * token_bucket.h: the rate limiter behind DataGen's `rate` setting.
 *
 * Tokens accrue at `rate` per second up to `capacity`; each record costs
 * one. Time is passed in (monotonic microseconds) instead of read inside,
 * so tests drive it with a fake clock and the task with trib_mono_us().
 */
#ifndef TRIB_CONNECTORS_DATAGEN_TOKEN_BUCKET_H
#define TRIB_CONNECTORS_DATAGEN_TOKEN_BUCKET_H

#include <stdint.h>

typedef struct trib_token_bucket {
    double rate;        /* tokens per second, > 0 */
    double capacity;    /* most tokens held at once (the largest burst), >= 1 */
    double tokens;
    int64_t last_us;    /* clock reading of the last refill */
} trib_token_bucket;

/* Starts full (one burst is allowed immediately). */
void trib_token_bucket_init(trib_token_bucket *tb, double rate, double capacity, int64_t now_us);
/* Takes up to `want` whole tokens available at now_us; returns how many. */
int64_t trib_token_bucket_take(trib_token_bucket *tb, int64_t want, int64_t now_us);
/* Microseconds from now_us until one whole token is available (0 if one is). */
int64_t trib_token_bucket_wait_us(trib_token_bucket *tb, int64_t now_us);

#endif
