/*
 * test_block_cache.c: the per-thread cache of small freed blocks behind the
 * data model's values and records (common/block_cache.h).
 */
#include "tests/tap.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/block_cache.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#else
#define UNDER_ASAN 0
#endif

static bool all_zero(const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i]) return false;
    return true;
}

static void *free_in_thread(void *p) {
    trib_block_free(p, 100);
    /* this thread's cache is drained when it exits: LeakSanitizer checks */
    void *q = trib_block_alloc(100);
    memset(q, 7, 100);
    trib_block_free(q, 100);
    return NULL;
}

int main(void) {
    plan(11);

    unsigned char *a = trib_block_alloc(40);
    ok(a && all_zero(a, 40), "a block comes zeroed");
    memset(a, 0xAB, 40);
    trib_block_free(a, 40);
    unsigned char *b = trib_block_alloc(40);
    ok(b == a, "a freed block is handed out again to the same thread");
    ok(all_zero(b, 40), "and zeroed again");

    /* 33..48 bytes share a class; 49 does not */
    trib_block_free(b, 48);
    unsigned char *c = trib_block_alloc(49);
    ok(c != b, "a bigger size class does not get the block");
    unsigned char *d = trib_block_alloc(33);
    ok(d == b, "a smaller size of the same class does");
    memset(d, 1, 48);   /* the whole class size is usable */
    trib_block_free(c, 49);
    trib_block_free(d, 33);

    unsigned char *big = trib_block_alloc(TRIB_BLOCK_CACHE_MAX_SIZE + 1);
    ok(big && all_zero(big, TRIB_BLOCK_CACHE_MAX_SIZE + 1), "a block above the cached sizes is a plain zeroed one");
    trib_block_free(big, TRIB_BLOCK_CACHE_MAX_SIZE + 1);

    /* The cache holds at most TRIB_BLOCK_CACHE_BYTES: free twice that in
     * blocks of the largest class, then count how many come back. */
    size_t per = TRIB_BLOCK_CACHE_BYTES / TRIB_BLOCK_CACHE_MAX_SIZE, n = 2 * per;
    void **blocks = calloc(n, sizeof *blocks), **again = calloc(n, sizeof *again);
    for (size_t i = 0; i < n; i++) blocks[i] = trib_block_alloc(TRIB_BLOCK_CACHE_MAX_SIZE);
    for (size_t i = 0; i < n; i++) trib_block_free(blocks[i], TRIB_BLOCK_CACHE_MAX_SIZE);
    size_t reused = 0;
    for (size_t i = 0; i < n; i++) {
        again[i] = trib_block_alloc(TRIB_BLOCK_CACHE_MAX_SIZE);
        for (size_t j = 0; j < per; j++)   /* the first `per` freed are the cached ones */
            if (again[i] == blocks[j]) {
                reused++;
                break;
            }
    }
    /* blocks freed beyond the cap went back to malloc, which may hand some out again too */
    ok(reused >= per - 4 && reused <= n, "the cache kept about %zu blocks of %zu bytes (%zu reused)", per,
       (size_t)TRIB_BLOCK_CACHE_MAX_SIZE, reused);
    size_t distinct = 0;
    for (size_t i = 0; i < n; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++) seen = again[j] == again[i];
        distinct += !seen;
    }
    is_int((int)distinct, (int)n, "no block is handed out twice");
    for (size_t i = 0; i < n; i++) trib_block_free(again[i], TRIB_BLOCK_CACHE_MAX_SIZE);
    free(blocks);
    free(again);

    /* Another thread may free a block: it joins that thread's cache, which
     * is emptied when the thread exits. */
    void *x = trib_block_alloc(100);
    pthread_t th;
    ok(pthread_create(&th, NULL, free_in_thread, x) == 0, "a thread frees a block of this one");
    ok(pthread_join(th, NULL) == 0, "and exits, draining its cache");

    trib_block_free(NULL, 16);   /* a no-op: a crash here fails the plan */

    /* Under AddressSanitizer a cached block is poisoned: touching it after
     * the free must still be reported (in a child, which ASan stops). */
    if (UNDER_ASAN) {
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0) {
            if (!freopen("/dev/null", "w", stderr)) _exit(4);   /* the report is expected */
            volatile unsigned char *p = trib_block_alloc(64);
            trib_block_free((void *)p, 64);
            unsigned char v = p[8];   /* use after free: ASan reports and exits */
            _exit(v == 0xEE ? 3 : 0);
        }
        int st = 0;
        waitpid(pid, &st, 0);
        ok(WIFEXITED(st) && WEXITSTATUS(st) != 0 && WEXITSTATUS(st) != 3 && WEXITSTATUS(st) != 4, "a use after free of a cached block is caught");
    } else {
        skip(1, "use-after-free detection needs AddressSanitizer");
    }
    return exit_status();
}
