/*
 * token_bucket.c: see token_bucket.h.
 */
#include "connectors/datagen/token_bucket.h"

#include <math.h>

void trib_token_bucket_init(trib_token_bucket *tb, double rate, double capacity, int64_t now_us) {
    tb->rate = rate > 0 ? rate : 1;
    tb->capacity = capacity >= 1 ? capacity : 1;
    tb->tokens = tb->capacity;
    tb->last_us = now_us;
}

static void refill(trib_token_bucket *tb, int64_t now_us) {
    if (now_us <= tb->last_us) return;   /* a clock that did not move (or a caller's stale reading) */
    tb->tokens += (double)(now_us - tb->last_us) * tb->rate / 1e6;
    if (tb->tokens > tb->capacity) tb->tokens = tb->capacity;
    tb->last_us = now_us;
}

int64_t trib_token_bucket_take(trib_token_bucket *tb, int64_t want, int64_t now_us) {
    refill(tb, now_us);
    if (want <= 0) return 0;
    double whole = floor(tb->tokens);
    int64_t n = whole < (double)want ? (int64_t)whole : want;
    tb->tokens -= (double)n;
    return n;
}

int64_t trib_token_bucket_wait_us(trib_token_bucket *tb, int64_t now_us) {
    refill(tb, now_us);
    if (tb->tokens >= 1) return 0;
    return (int64_t)ceil((1 - tb->tokens) * 1e6 / tb->rate);
}
