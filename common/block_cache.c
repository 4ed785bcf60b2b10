/*
 * block_cache.c: per-thread lists of freed small blocks, one per 16-byte
 * size class (see block_cache.h for why).
 */
#include "common/block_cache.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* Under AddressSanitizer a cached block is poisoned until it is handed out
 * again, so a use after free still stops the test that made it, and the
 * cache itself runs in the sanitized test suite like in production. */
#if defined(__SANITIZE_ADDRESS__)
#define TRIB_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TRIB_ASAN 1
#endif
#endif
#ifdef TRIB_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif


#define CLASS_BYTES 16
#define NCLASSES (TRIB_BLOCK_CACHE_MAX_SIZE / CLASS_BYTES)

/* The cached blocks of one size class, a stack. The pointers live here and
 * not in the blocks, so a block stays poisoned whole under ASan and
 * LeakSanitizer still sees it as reachable. */
typedef struct block_stack {
    void **items;
    size_t n, cap;
} block_stack;

typedef struct block_cache {
    block_stack cls[NCLASSES];
    size_t bytes;      /* cached, over all classes */
    bool registered;   /* the thread-exit destructor knows this cache */
} block_cache;

static _Thread_local block_cache tl_cache;
static pthread_key_t g_cache_key;
static pthread_once_t g_cache_once = PTHREAD_ONCE_INIT;

/* Thread exit: frees every cached block of the exiting thread. */
static void cache_drain(void *arg) {
    block_cache *c = arg;
    for (size_t i = 0; i < NCLASSES; i++) {
        block_stack *st = &c->cls[i];
        for (size_t j = 0; j < st->n; j++) {
            UNPOISON(st->items[j], (i + 1) * CLASS_BYTES);
            free(st->items[j]);
        }
        free(st->items);
        *st = (block_stack){0};
    }
    c->bytes = 0;
}

static void cache_key_init(void) { pthread_key_create(&g_cache_key, cache_drain); }

/* Class index of a size in (0, TRIB_BLOCK_CACHE_MAX_SIZE]; the class's
 * blocks are all (index + 1) * CLASS_BYTES bytes. */
static size_t class_of(size_t size) { return (size - 1) / CLASS_BYTES; }

void *trib_block_alloc(size_t size) {
    if (size == 0 || size > TRIB_BLOCK_CACHE_MAX_SIZE) return trib_xcalloc(1, size ? size : 1);
    size_t k = class_of(size), full = (k + 1) * CLASS_BYTES;
    block_stack *st = &tl_cache.cls[k];
    if (st->n) {
        void *b = st->items[--st->n];
        tl_cache.bytes -= full;
        UNPOISON(b, full);
        memset(b, 0, size);
        return b;
    }
    return trib_xcalloc(1, full);   /* the whole class size: it may serve any size of the class later */
}

void trib_block_free(void *p, size_t size) {
    if (!p) return;
    if (size == 0 || size > TRIB_BLOCK_CACHE_MAX_SIZE) {
        free(p);
        return;
    }
    size_t k = class_of(size), full = (k + 1) * CLASS_BYTES;
    block_cache *c = &tl_cache;
    if (c->bytes + full > TRIB_BLOCK_CACHE_BYTES) {
        free(p);
        return;
    }
    if (!c->registered) {
        pthread_once(&g_cache_once, cache_key_init);
        pthread_setspecific(g_cache_key, c);
        c->registered = true;
    }
    block_stack *st = &c->cls[k];
    if (st->n == st->cap) {
        st->cap = st->cap ? st->cap * 2 : 64;
        st->items = trib_xrealloc(st->items, st->cap * sizeof *st->items);
    }
    st->items[st->n++] = p;
    c->bytes += full;
    POISON(p, full);
}
