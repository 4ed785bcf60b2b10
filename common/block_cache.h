/*
 * block_cache.h: a per-thread cache of small freed blocks for the data
 * model's hot allocations (values, records).
 *
 * A source task builds a batch of records (thousands of blocks of a few
 * sizes) and frees it while building the next; a sink task does the same
 * with decoded records. glibc's per-thread cache holds 7 blocks per size,
 * so nearly every one of those allocations took malloc's slow path (about
 * a sixth of a DataGen task's instructions). Freed blocks of up to
 * TRIB_BLOCK_CACHE_MAX_SIZE bytes go on a list of their size class in the
 * freeing thread instead, up to TRIB_BLOCK_CACHE_BYTES per thread; a
 * thread's lists are freed when it exits.
 *
 * Under AddressSanitizer a cached block stays poisoned until it is handed
 * out again, so a use after free is still caught.
 */
#ifndef TRIB_COMMON_BLOCK_CACHE_H
#define TRIB_COMMON_BLOCK_CACHE_H

#include <stddef.h>

#define TRIB_BLOCK_CACHE_MAX_SIZE 512
#define TRIB_BLOCK_CACHE_BYTES (2u << 20)

/* A zeroed block of size bytes (aborts on exhaustion, as trib_xcalloc).
 * Give it back with trib_block_free and the same size. */
void *trib_block_alloc(size_t size);

/* Frees p (NULL-safe), a block from trib_block_alloc(size). Any thread may
 * free it: the block joins that thread's cache. */
void trib_block_free(void *p, size_t size);

#endif
