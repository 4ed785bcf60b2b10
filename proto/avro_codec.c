/*
 * avro_codec.c: compiled Connect <-> Avro bindings over avro-c's value and
 * consumer interfaces (see avro_codec.h). avro-c does the binary encoding
 * and decoding; this file only moves data between trib_value trees and
 * avro-c: its value interface over Connect values (encoding in place), its
 * streaming decoder's callbacks into Connect values (the decoding plan),
 * and generic avro_value_t trees (the reference path, and error messages).
 */
#include "proto/avro_codec.h"

#include <avro.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "proto/avro_schema.h"

typedef enum kind {
    K_INT, K_LONG, K_FLOAT, K_DOUBLE, K_BOOL, K_STRING, K_ENUM, K_BYTES, K_FIXED,
    K_ARRAY, K_MAP, K_ENTRIES, K_RECORD, K_UNION_STRUCT,
} kind;

typedef struct node node;

/* Per-decode state of the decoding plan (see "decoding plan" below). */
typedef struct plan_state {
    size_t items_left;         /* array and map items this decode may still create */
    size_t size;               /* the canonical encoding's size of what was read (see plan_size) */
} plan_state;

/* avro-c's consumer interface bound to a node, for decoding in place:
 * avro-c hands the consumer back to every callback, so the node is found
 * from it. */
typedef struct plan_consumer {
    avro_consumer_t base;      /* first: avro-c sees only this */
    const node *n;
    plan_state *ps;
} plan_consumer;

/* avro-c's value interface over a trib_value, for encoding in place (see
 * "encoding in place" below): avro-c hands the interface back to every
 * call, so the node is found from it. */
typedef struct view_iface {
    avro_value_iface_t base;   /* first: avro-c sees only this */
    const node *n;
} view_iface;

struct node {
    const trib_schema *cs;     /* borrowed from the codec's root reference */
    kind k;
    avro_schema_t as;          /* the non-union Avro schema (borrowed) */
    bool in_union;             /* the Avro side is a union around as */
    int null_branch;           /* -1: the union has no null */
    int branch;                /* the value's branch when in_union */
    node *child;               /* array items, map values, entries' value */
    node *key;                 /* entries' key */
    int key_idx, val_idx;      /* entries: field indexes of key/value */
    node **fields;             /* record: per Connect field; union struct: per member */
    int *idx;                  /* record: Avro field index; union struct: branch */
    size_t nfields;
    int64_t fixed_size;
    int nsymbols;
    int *cidx;                 /* record: Connect field per Avro field index (encoding in place) */
    avro_type_t atype;         /* the Avro type of a value of this node (encoding in place) */
    view_iface plain;          /* the value as its own Avro type */
    view_iface uni;            /* in_union: the value as the union around it */
    avro_schema_t uas;         /* in_union: the union schema around as (borrowed) */
    plan_consumer pplain;      /* decoding plan: the value as its own Avro type */
    plan_consumer puni;        /* in_union: the value as the union around it */
    plan_consumer pnull;       /* unions with a null branch: that branch */
    plan_consumer pentry;      /* K_ENTRIES: one {key, value} record */
};

struct trib_avro_codec {
    trib_schema *cs;
    avro_schema_t as;
    avro_value_iface_t *iface;  /* values are made per call from it (see decode) */
    avro_reader_t reader;
    avro_writer_t writer;
    node *root;
    bool scrub;
    /* Encoding a schema without arrays or maps reuses one value: every
     * encode sets every field and union branch, so nothing of the previous
     * record survives, and avro-c's known leaks all involve arrays (maps
     * are arrays inside avro-c). Allocating and tearing down a fresh value
     * tree per record cost more than the encoding itself. */
    bool reuse_enc;
    bool have_enc_value;
    avro_value_t enc_value;
    bool view;                 /* encode in place through the nodes' view_ifaces */
    bool have_dec_value;       /* reused like enc_value when reuse_enc */
    avro_value_t dec_value;
    plan_state ps;             /* the decoding plan's state (see plan_init) */
};

/*
 * avro-c trusts the lengths and counts it reads: a corrupt message can
 * declare a string of 2^62 bytes (or a negative one, which 1.11 turns into
 * a huge size) and avro-c asks the allocator for it. We install an
 * allocator that, while this thread is decoding, refuses any single
 * allocation far beyond what the input could legitimately need; avro-c
 * then fails the read with ENOMEM, which we report as corrupt data.
 */
#define DECODE_ALLOC_FLOOR ((size_t)16 << 20)
#define DECODE_ALLOC_FACTOR 64
static pthread_once_t g_alloc_once = PTHREAD_ONCE_INIT;

/*
 * avro-c 1.11 also leaks the buffer of a string or bytes value whose body
 * is truncated. While decoding, the allocator therefore remembers every
 * block avro-c allocates and forgets it when avro-c frees it; when a read
 * fails, the codec destroys its value and frees whatever is left, which
 * is exactly what avro-c lost. A small open-addressing pointer set, per
 * thread, used only during a decode, plus a log of the blocks inserted
 * during the call: ending a call walks the log (a few entries for a
 * reused value) rather than the whole table, which cost a sink about 8%
 * of its CPU when the table had grown.
 */
/* The decoding plan's arena (see "The decoding plan's arena" below). */
#define ARENA_SIZE ((uint32_t)64 << 10)
#define ARENA_ALIGN 16u

/* Under AddressSanitizer the arena is poisoned except for the blocks handed
 * out in the current decode, with a poisoned gap after each, so avro-c
 * overrunning a buffer or one kept beyond the decode still stops the test
 * (as common/block_cache.c does for its blocks). */
#if defined(__SANITIZE_ADDRESS__)
#define TRIB_ARENA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TRIB_ARENA_ASAN 1
#endif
#endif
#ifdef TRIB_ARENA_ASAN
#include <sanitizer/asan_interface.h>
#define ARENA_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define ARENA_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#define ARENA_GAP ARENA_ALIGN
#else
#define ARENA_POISON(p, n) ((void)(p), (void)(n))
#define ARENA_UNPOISON(p, n) ((void)(p), (void)(n))
#define ARENA_GAP 0u
#endif

typedef struct alloc_track {
    void **slots;
    size_t cap, n;
    void **log;            /* blocks inserted during this call, in order (may repeat) */
    size_t nlog, logcap;
    size_t alloc_limit;    /* see DECODE_ALLOC_FLOOR; SIZE_MAX outside decodes */
    bool active;
    bool arena_on;         /* a plan decode: small blocks come from the arena */
    uint32_t arena_used;   /* bytes of the arena handed out during this decode */
    char *arena;           /* ARENA_SIZE bytes, allocated on first use */
} alloc_track;
/* One thread-local struct, reached once per call through a pointer. In a
 * plugin module a _Thread_local access is a __tls_get_addr call (the
 * general-dynamic model), once per Avro allocation: ~3% of a sink task's
 * CPU. The initial-exec model makes it a load from the thread pointer; the
 * module then takes these 72 bytes from the static TLS space glibc keeps
 * for modules loaded with dlopen (512 bytes by default). */
static _Thread_local alloc_track tl_track __attribute__((tls_model("initial-exec"))) = {.alloc_limit = SIZE_MAX};
static pthread_key_t g_track_key;   /* frees a thread's tables when it exits */

static void track_free_tables(void *tr) {
    alloc_track *t = tr;
    free(t->slots);
    free(t->log);
    if (t->arena) ARENA_UNPOISON(t->arena, ARENA_SIZE);
    free(t->arena);
    t->arena = NULL;
    t->slots = t->log = NULL;
    t->cap = t->n = t->nlog = t->logcap = 0;
}

static size_t track_hash(void *p, size_t cap) {
    uintptr_t x = (uintptr_t)p;
    x ^= x >> 17;
    x *= UINT64_C(0xed5ad4bb);
    x ^= x >> 11;
    return (size_t)x & (cap - 1);
}

static void track_set_insert(alloc_track *tr, void *p) {
    size_t i = track_hash(p, tr->cap);
    while (tr->slots[i]) {
        if (tr->slots[i] == p) return;
        i = (i + 1) & (tr->cap - 1);
    }
    tr->slots[i] = p;
    tr->n++;
}

static void track_grow(alloc_track *tr) {
    void **old = tr->slots;
    size_t oldcap = tr->cap;
    tr->cap = oldcap ? oldcap * 2 : 64;
    tr->slots = calloc(tr->cap, sizeof *tr->slots);
    if (!tr->slots) abort();
    tr->n = 0;
    pthread_setspecific(g_track_key, tr);
    for (size_t i = 0; i < oldcap; i++)
        if (old[i]) track_set_insert(tr, old[i]);
    free(old);
}

static void track_insert(alloc_track *tr, void *p) {
    if ((tr->n + 1) * 2 > tr->cap) track_grow(tr);
    if (tr->nlog == tr->logcap) {
        tr->logcap = tr->logcap ? tr->logcap * 2 : 64;
        void **nl = realloc(tr->log, tr->logcap * sizeof *nl);
        if (!nl) abort();
        tr->log = nl;
        pthread_setspecific(g_track_key, tr);
    }
    tr->log[tr->nlog++] = p;
    track_set_insert(tr, p);
}

/* Removes p from the set; false if it was not there. */
static bool track_remove(alloc_track *tr, void *p) {
    if (!tr->n) return false;
    size_t mask = tr->cap - 1, i = track_hash(p, tr->cap);
    while (tr->slots[i] != p) {
        if (!tr->slots[i]) return false;
        i = (i + 1) & mask;
    }
    /* Backward-shift deletion keeps probe chains intact without tombstones. */
    size_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (!tr->slots[j]) break;
        size_t home = track_hash(tr->slots[j], tr->cap);
        if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
            tr->slots[i] = tr->slots[j];
            i = j;
        }
    }
    tr->slots[i] = NULL;
    tr->n--;
    return true;
}

/* Ends a call's tracking: every block still in the set was inserted
 * during the call, so it is in the log; free_blocks frees them. */
static void track_clear(alloc_track *tr, bool free_blocks) {
    for (size_t i = 0; i < tr->nlog && tr->n; i++)
        if (track_remove(tr, tr->log[i]) && free_blocks) free(tr->log[i]);
    tr->nlog = 0;
}

/*
 * The decoding plan's arena. In a plan decode, every block avro-c allocates
 * is a buffer it reads a string, bytes, fixed value or map key into and
 * that the consumer copies from during the callback (avro/consumer.h: the
 * pointer is valid only then); nothing avro-c allocates there outlives the
 * call. So those blocks come from one per-thread buffer handed out in
 * order and reset when the next decode starts: no malloc, free or tracking per
 * field, and avro_consume_binary's lost buffers (see "decoding plan") go
 * with the reset. A block that does not fit takes the tracked malloc path.
 */

static bool in_arena(const alloc_track *tr, const void *p) {
    return tr->arena && (const char *)p >= tr->arena && (const char *)p < tr->arena + ARENA_SIZE;
}

/* NULL when the arena cannot hold n more bytes. */
static void *arena_alloc(alloc_track *tr, size_t n) {
    if (!tr->arena) {
        if (!(tr->arena = malloc(ARENA_SIZE))) return NULL;
        ARENA_POISON(tr->arena, ARENA_SIZE);
        pthread_setspecific(g_track_key, tr);   /* freed with the thread */
    }
    size_t at = ((size_t)tr->arena_used + ARENA_GAP + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (n > ARENA_SIZE || at > ARENA_SIZE - n) return NULL;
    tr->arena_used = (uint32_t)(at + n);
    ARENA_UNPOISON(tr->arena + at, n);
    return tr->arena + at;
}

/* Starts a decode's use of the arena: what the last one handed out is free. */
static void arena_reset(alloc_track *tr) {
    if (tr->arena && tr->arena_used) ARENA_POISON(tr->arena, tr->arena_used);
    tr->arena_used = 0;
}

static void *tracked_realloc(alloc_track *tr, void *ptr, size_t nsize);

static void *bounded_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    (void)ud;
    alloc_track *tr = &tl_track;
    if (tr->arena_on && (!ptr || in_arena(tr, ptr))) {
        if (nsize == 0) return NULL;   /* an arena block: reclaimed by the reset */
        if (nsize > tr->alloc_limit) return NULL;
        void *np = arena_alloc(tr, nsize);
        if (!np) np = tracked_realloc(tr, NULL, nsize);
        if (np && ptr) memcpy(np, ptr, osize < nsize ? osize : nsize);
        return np;
    }
    if (nsize == 0) {
        if (ptr && tr->active) track_remove(tr, ptr);
        free(ptr);
        return NULL;
    }
    if (nsize > tr->alloc_limit) return NULL;
    return tracked_realloc(tr, ptr, nsize);
}

static void *tracked_realloc(alloc_track *tr, void *ptr, size_t nsize) {
    if (ptr && tr->active) track_remove(tr, ptr);
    uintptr_t old = (uintptr_t)ptr;
    void *np = realloc(ptr, nsize);
    if (tr->active) {
        if (np) track_insert(tr, np);
        else if (old) track_insert(tr, (void *)old);   /* realloc failed: the old block lives on */
    }
    return np;
}

static void install_allocator(void) {
    pthread_key_create(&g_track_key, track_free_tables);
    avro_set_allocator(bounded_alloc, NULL);
}

static int avro_fail(trib_error *err, const char *what) {
    const char *m = avro_strerror();
    return trib_error_set(err, TRIB_ERR_INVALID, "avro: %s%s%s", what, m && *m ? ": " : "",
                          m ? m : "");
}

/* ---- binding ---------------------------------------------------------------------- */

static avro_schema_t unlink_schema(avro_schema_t s) {
    while (s && avro_typeof(s) == AVRO_LINK) s = avro_schema_link_target(s);
    return s;
}

static bool is_union_struct(const trib_schema *cs) {
    return cs->type == TRIB_STRUCT && cs->name && strcmp(cs->name, TRIB_AVRO_UNION_NAME) == 0;
}

static bool string_map(const trib_schema *s) {
    return s->key_schema && s->key_schema->type == TRIB_STRING && !s->key_schema->optional;
}

/* Whether Avro type t can carry Connect schema cs (ignoring optionality). */
static bool fits(const trib_schema *cs, avro_schema_t as) {
    avro_type_t t = avro_typeof(as);
    switch (cs->type) {
    case TRIB_INT8: case TRIB_INT16: case TRIB_INT32: return t == AVRO_INT32;
    case TRIB_INT64: return t == AVRO_INT64;
    case TRIB_FLOAT32: return t == AVRO_FLOAT;
    case TRIB_FLOAT64: return t == AVRO_DOUBLE;
    case TRIB_BOOLEAN: return t == AVRO_BOOLEAN;
    case TRIB_STRING: return t == AVRO_STRING || t == AVRO_ENUM;
    case TRIB_BYTES: return t == AVRO_BYTES || t == AVRO_FIXED;
    case TRIB_ARRAY: return t == AVRO_ARRAY;
    case TRIB_MAP: return string_map(cs) ? t == AVRO_MAP : t == AVRO_ARRAY;
    case TRIB_STRUCT: return is_union_struct(cs) ? t == AVRO_UNION : t == AVRO_RECORD;
    }
    return false;
}

static void node_free(node *n) {
    if (!n) return;
    node_free(n->child);
    node_free(n->key);
    for (size_t i = 0; i < n->nfields; i++) node_free(n->fields[i]);
    free(n->fields);
    free(n->idx);
    free(n->cidx);
    free(n);
}

/* The Connect union field name for an Avro member (as avro_schema.c names them). */
static bool member_matches(const char *fname, avro_schema_t m) {
    avro_type_t t = avro_typeof(m);
    if (t == AVRO_RECORD || t == AVRO_ENUM) {
        const char *name = avro_schema_name(m);
        const char *ns = avro_schema_namespace(m);
        if (name && strcmp(fname, name) == 0) return true;
        if (name && ns && *ns) {
            size_t nl = strlen(ns);
            return strncmp(fname, ns, nl) == 0 && fname[nl] == '.' && strcmp(fname + nl + 1, name) == 0;
        }
        return false;
    }
    if (t == AVRO_FIXED) return strcmp(fname, "fixed") == 0;
    const char *tn = avro_schema_type_name(m);
    if (tn && strcmp(fname, tn) == 0) return true;
    /* avro-c names some primitives differently from the Avro spec. */
    static const struct { avro_type_t t; const char *n; } names[] = {
        {AVRO_INT32, "int"}, {AVRO_INT64, "long"}, {AVRO_STRING, "string"}, {AVRO_BYTES, "bytes"},
        {AVRO_FLOAT, "float"}, {AVRO_DOUBLE, "double"}, {AVRO_BOOLEAN, "boolean"},
        {AVRO_ARRAY, "array"}, {AVRO_MAP, "map"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].t == t && strcmp(fname, names[i].n) == 0) return true;
    return false;
}

static node *bind(const trib_schema *cs, avro_schema_t as, bool scrub, trib_error *err);

/* Whether a bound tree holds an Avro array or map anywhere. */
static bool has_containers(const node *n) {
    if (!n) return false;
    if (n->k == K_ARRAY || n->k == K_MAP || n->k == K_ENTRIES) return true;
    if (has_containers(n->child) || has_containers(n->key)) return true;
    for (size_t i = 0; i < n->nfields; i++)
        if (has_containers(n->fields[i])) return true;
    return false;
}

static node *bind_plain(const trib_schema *cs, avro_schema_t as, bool scrub, trib_error *err) {
    if (!fits(cs, as)) {
        trib_error_set(err, TRIB_ERR_INVALID, "avro: Connect type %s does not fit Avro type %s",
                       trib_type_name(cs->type), avro_schema_type_name(as));
        return NULL;
    }
    node *n = trib_xcalloc(1, sizeof *n);
    n->cs = cs;
    n->as = as;
    n->null_branch = -1;
    switch (cs->type) {
    case TRIB_INT8: case TRIB_INT16: case TRIB_INT32: n->k = K_INT; break;
    case TRIB_INT64: n->k = K_LONG; break;
    case TRIB_FLOAT32: n->k = K_FLOAT; break;
    case TRIB_FLOAT64: n->k = K_DOUBLE; break;
    case TRIB_BOOLEAN: n->k = K_BOOL; break;
    case TRIB_STRING:
        if (avro_typeof(as) == AVRO_ENUM) {
            n->k = K_ENUM;
            n->nsymbols = avro_schema_enum_number_of_symbols(as);
        } else {
            n->k = K_STRING;
        }
        break;
    case TRIB_BYTES:
        if (avro_typeof(as) == AVRO_FIXED) {
            n->k = K_FIXED;
            n->fixed_size = avro_schema_fixed_size(as);
        } else {
            n->k = K_BYTES;
        }
        break;
    case TRIB_ARRAY:
        n->k = K_ARRAY;
        if (!(n->child = bind(cs->value_schema, avro_schema_array_items(as), scrub, err))) goto fail;
        break;
    case TRIB_MAP:
        if (string_map(cs)) {
            n->k = K_MAP;
            if (!(n->child = bind(cs->value_schema, avro_schema_map_values(as), scrub, err))) goto fail;
        } else {
            n->k = K_ENTRIES;
            avro_schema_t rec = unlink_schema(avro_schema_array_items(as));
            if (avro_typeof(rec) != AVRO_RECORD || avro_schema_record_size(rec) != 2 ||
                (n->key_idx = avro_schema_record_field_get_index(rec, "key")) < 0 ||
                (n->val_idx = avro_schema_record_field_get_index(rec, "value")) < 0) {
                trib_error_set(err, TRIB_ERR_INVALID,
                               "avro: a map with non-string keys needs an array of {key, value} records");
                goto fail;
            }
            if (!(n->key = bind(cs->key_schema, avro_schema_record_field_get_by_index(rec, n->key_idx), scrub, err)))
                goto fail;
            if (!(n->child = bind(cs->value_schema, avro_schema_record_field_get_by_index(rec, n->val_idx), scrub, err)))
                goto fail;
        }
        break;
    case TRIB_STRUCT:
        if (is_union_struct(cs)) {
            n->k = K_UNION_STRUCT;
            n->nfields = cs->nfields;
            n->fields = trib_xcalloc(cs->nfields ? cs->nfields : 1, sizeof *n->fields);
            n->idx = trib_xcalloc(cs->nfields ? cs->nfields : 1, sizeof *n->idx);
            size_t nb = avro_schema_union_size(as);
            for (size_t b = 0; b < nb; b++)
                if (avro_typeof(unlink_schema(avro_schema_union_branch(as, (int)b))) == AVRO_NULL)
                    n->null_branch = (int)b;
            for (size_t i = 0; i < cs->nfields; i++) {
                const trib_field *f = &cs->fields[i];
                int found = -1;
                for (size_t b = 0; b < nb && found < 0; b++) {
                    avro_schema_t m = unlink_schema(avro_schema_union_branch(as, (int)b));
                    if (member_matches(f->name, m) && fits(f->schema, m)) found = (int)b;
                }
                if (found < 0) {
                    trib_error_set(err, TRIB_ERR_INVALID, "avro: union member '%s' has no Avro branch", f->name);
                    goto fail;
                }
                n->idx[i] = found;
                trib_schema tmp = *f->schema;   /* members are bound as required */
                tmp.optional = false;
                node *m = bind_plain(&tmp, unlink_schema(avro_schema_union_branch(as, found)), scrub, err);
                if (!m) goto fail;
                m->cs = f->schema;
                n->fields[i] = m;
            }
        } else {
            n->k = K_RECORD;
            size_t na = avro_schema_record_size(as);
            n->nfields = cs->nfields;
            n->fields = trib_xcalloc(cs->nfields ? cs->nfields : 1, sizeof *n->fields);
            n->idx = trib_xcalloc(cs->nfields ? cs->nfields : 1, sizeof *n->idx);
            if (na != cs->nfields) {
                trib_error_set(err, TRIB_ERR_INVALID,
                               "avro: struct %s has %zu fields but the Avro record has %zu",
                               cs->name ? cs->name : "(unnamed)", cs->nfields, na);
                goto fail;
            }
            for (size_t i = 0; i < cs->nfields; i++) {
                const trib_field *f = &cs->fields[i];
                int ai = avro_schema_record_field_get_index(as, f->name);
                if (ai < 0 && scrub) {
                    char *s = trib_avro_scrub_name(f->name);
                    ai = avro_schema_record_field_get_index(as, s);
                    free(s);
                }
                if (ai < 0) {
                    trib_error_set(err, TRIB_ERR_INVALID, "avro: field '%s' is not in the Avro record", f->name);
                    goto fail;
                }
                n->idx[i] = ai;
                if (!(n->fields[i] = bind(f->schema, avro_schema_record_field_get_by_index(as, ai), scrub, err))) {
                    trib_error_prefix(err, "field '%s'", f->name);
                    goto fail;
                }
            }
        }
        break;
    }
    return n;
fail:
    node_free(n);
    return NULL;
}

static node *bind(const trib_schema *cs, avro_schema_t as, bool scrub, trib_error *err) {
    as = unlink_schema(as);
    if (!cs || !as) {
        trib_error_set(err, TRIB_ERR_INVALID, "avro: missing schema");
        return NULL;
    }
    if (avro_typeof(as) != AVRO_UNION || is_union_struct(cs)) return bind_plain(cs, as, scrub, err);
    /* An optional Connect schema: a union of null and the value's type. */
    size_t nb = avro_schema_union_size(as);
    int null_branch = -1, branch = -1;
    for (size_t b = 0; b < nb; b++) {
        avro_schema_t m = unlink_schema(avro_schema_union_branch(as, (int)b));
        if (avro_typeof(m) == AVRO_NULL) {
            if (null_branch < 0) null_branch = (int)b;
        } else if (branch < 0 && fits(cs, m)) {
            branch = (int)b;
        }
    }
    if (branch < 0) {
        trib_error_set(err, TRIB_ERR_INVALID, "avro: no branch of the Avro union fits Connect type %s",
                       trib_type_name(cs->type));
        return NULL;
    }
    node *n = bind_plain(cs, unlink_schema(avro_schema_union_branch(as, branch)), scrub, err);
    if (!n) return NULL;
    n->in_union = true;
    n->uas = as;
    n->null_branch = null_branch;
    n->branch = branch;
    return n;
}

/* Whether a struct value's schema vs may be written with the codec's
 * struct schema cs: Connect requires the struct's own schema; only a
 * difference in optionality of the same type is tolerated. */
static bool struct_schema_fits(const trib_schema *vs, const trib_schema *cs) {
    if (vs == cs || trib_schema_equal(vs, cs)) return true;
    if (!vs) return false;
    trib_schema tmp = *vs;
    tmp.optional = cs->optional;
    return trib_schema_equal(&tmp, cs);
}

/* ---- encoding in place --------------------------------------------------------------- */

/*
 * Encoding through a generic avro-c value copies every field twice: once
 * from the trib_value into the avro-c value (enc), once from there into
 * the output (avro_value_write). Here avro_value_write reads the trib_value
 * tree itself, through avro-c's own value interface implemented by each
 * node (self = the trib_value; NULL is a null value). avro-c still does
 * all of the binary encoding; this only answers its questions.
 *
 * The interface checks what enc checks (types, nulls, struct schemas, enum
 * symbols, fixed sizes) and answers EINVAL on any problem. The codec then
 * encodes the record again through the generic value, which produces the
 * error message with the path to the field (or, should the two ever
 * disagree, the same bytes). Maps are left to the generic value: a Connect
 * map may repeat a key that avro-c's map would merge.
 */

static const node *view_node(const avro_value_iface_t *iface) { return ((const view_iface *)iface)->n; }

/* What avro_value_write's dispatch rejects: a type it has no case for. */
#define VIEW_INVALID AVRO_LINK

static avro_type_t view_null_type(const avro_value_iface_t *iface, const void *self) {
    (void)iface;
    (void)self;
    return AVRO_NULL;
}

static int view_null_get(const avro_value_iface_t *iface, const void *self) {
    (void)iface;
    (void)self;
    return 0;
}

static const view_iface view_null = {.base = {.get_type = view_null_type, .get_null = view_null_get}};

static avro_type_t view_type(const avro_value_iface_t *iface, const void *self) {
    const node *n = view_node(iface);
    const trib_value *v = self;
    if (!v) return n->k == K_UNION_STRUCT && n->null_branch >= 0 ? AVRO_UNION : VIEW_INVALID;
    if (v->type != n->cs->type) return VIEW_INVALID;
    if (n->k == K_RECORD && !struct_schema_fits(v->u.st.schema, n->cs)) return VIEW_INVALID;
    return n->atype;
}

/* The Avro type of a node's values (view_supported nodes only). */
static avro_type_t view_atype(kind k) {
    switch (k) {
    case K_INT: return AVRO_INT32;
    case K_LONG: return AVRO_INT64;
    case K_FLOAT: return AVRO_FLOAT;
    case K_DOUBLE: return AVRO_DOUBLE;
    case K_BOOL: return AVRO_BOOLEAN;
    case K_STRING: return AVRO_STRING;
    case K_ENUM: return AVRO_ENUM;
    case K_BYTES: return AVRO_BYTES;
    case K_FIXED: return AVRO_FIXED;
    case K_ARRAY: return AVRO_ARRAY;
    case K_UNION_STRUCT: return AVRO_UNION;
    case K_RECORD: return AVRO_RECORD;
    case K_MAP: case K_ENTRIES: break;   /* never bound to a view (view_supported) */
    }
    return VIEW_INVALID;
}

static int view_get_boolean(const avro_value_iface_t *iface, const void *self, int *out) {
    (void)iface;
    /* avro-c's writer and sizer pass a bool* through this int* parameter:
     * store a bool, not an int, or three bytes beyond it are overwritten. */
    *(bool *)(void *)out = ((const trib_value *)self)->u.b;
    return 0;
}

static int view_get_int(const avro_value_iface_t *iface, const void *self, int32_t *out) {
    (void)iface;
    *out = (int32_t)((const trib_value *)self)->u.i;
    return 0;
}

static int view_get_long(const avro_value_iface_t *iface, const void *self, int64_t *out) {
    (void)iface;
    *out = ((const trib_value *)self)->u.i;
    return 0;
}

static int view_get_float(const avro_value_iface_t *iface, const void *self, float *out) {
    (void)iface;
    *out = (float)((const trib_value *)self)->u.f;
    return 0;
}

static int view_get_double(const avro_value_iface_t *iface, const void *self, double *out) {
    (void)iface;
    *out = ((const trib_value *)self)->u.f;
    return 0;
}

/* avro-c's string sizes count a terminating NUL (it writes size - 1 bytes). */
static int view_get_string(const avro_value_iface_t *iface, const void *self, const char **str, size_t *size) {
    (void)iface;
    const trib_value *v = self;
    *str = v->u.str.data ? v->u.str.data : "";
    *size = v->u.str.data ? v->u.str.len + 1 : 1;
    return 0;
}

static int view_get_bytes(const avro_value_iface_t *iface, const void *self, const void **buf, size_t *size) {
    (void)iface;
    const trib_value *v = self;
    *buf = v->u.str.data ? v->u.str.data : "";
    *size = v->u.str.data ? v->u.str.len : 0;
    return 0;
}

static int view_get_fixed(const avro_value_iface_t *iface, const void *self, const void **buf, size_t *size) {
    const node *n = view_node(iface);
    const trib_value *v = self;
    if ((int64_t)v->u.str.len != n->fixed_size) return EINVAL;
    if (buf) *buf = v->u.str.data;   /* the sizer asks for the size only */
    *size = v->u.str.len;
    return 0;
}

static int view_get_enum(const avro_value_iface_t *iface, const void *self, int *out) {
    const node *n = view_node(iface);
    const trib_value *v = self;
    const char *s = v->u.str.data ? v->u.str.data : "";
    size_t len = v->u.str.data ? v->u.str.len : 0;
    for (int i = 0; i < n->nsymbols; i++) {
        const char *sym = avro_schema_enum_get(n->as, i);
        if (strncmp(sym, s, len) == 0 && sym[len] == '\0' && memchr(s, '\0', len) == NULL) {
            *out = i;
            return 0;
        }
    }
    return EINVAL;
}

static int view_get_size(const avro_value_iface_t *iface, const void *self, size_t *size) {
    const node *n = view_node(iface);
    const trib_value *v = self;
    *size = n->k == K_ARRAY ? v->u.arr.n : n->nfields;
    return 0;
}

/* The view of a child node's value: the union around it when it has one. */
static void view_child(const node *n, const trib_value *v, avro_value_t *child) {
    child->iface = (avro_value_iface_t *)(n->in_union ? &n->uni.base : &n->plain.base);
    child->self = (void *)v;
}

static int view_get_by_index(const avro_value_iface_t *iface, const void *self, size_t index, avro_value_t *child,
                             const char **name) {
    const node *n = view_node(iface);
    const trib_value *v = self;
    if (n->k == K_ARRAY) {
        if (index >= v->u.arr.n) return EINVAL;
        view_child(n->child, v->u.arr.items[index], child);
        if (name) *name = NULL;
        return 0;
    }
    if (index >= n->nfields) return EINVAL;
    int ci = n->cidx[index];
    const trib_value *fv = v->u.st.fields[ci];
    if (!fv) fv = n->cs->fields[ci].schema->default_value;   /* Struct.get falls back to the default */
    view_child(n->fields[ci], fv, child);
    if (name) *name = avro_schema_record_field_name(n->as, (int)index);
    return 0;
}

/* Unions: an optional value (uni), or a Connect struct standing for an
 * Avro union (K_UNION_STRUCT: its first non-null field is the member). */
static int view_member(const node *n, const trib_value *v, int *discriminant, avro_value_t *branch) {
    if (n->k == K_UNION_STRUCT && v) {
        for (size_t i = 0; i < n->nfields; i++) {
            if (!v->u.st.fields[i]) continue;
            *discriminant = n->idx[i];
            branch->iface = (avro_value_iface_t *)&n->fields[i]->plain.base;
            branch->self = v->u.st.fields[i];
            return 0;
        }
        v = NULL;
    } else if (v) {   /* an optional value that is present */
        *discriminant = n->branch;
        branch->iface = (avro_value_iface_t *)&n->plain.base;
        branch->self = (void *)v;
        return 0;
    }
    if (n->null_branch < 0) return EINVAL;
    *discriminant = n->null_branch;
    branch->iface = (avro_value_iface_t *)&view_null.base;
    branch->self = NULL;
    return 0;
}

static int view_get_discriminant(const avro_value_iface_t *iface, const void *self, int *out) {
    avro_value_t branch;
    return view_member(view_node(iface), self, out, &branch);
}

static int view_get_current_branch(const avro_value_iface_t *iface, const void *self, avro_value_t *branch) {
    int d;
    return view_member(view_node(iface), self, &d, branch);
}

static avro_type_t view_union_type(const avro_value_iface_t *iface, const void *self) {
    (void)iface;
    (void)self;
    return AVRO_UNION;
}

/* Whether every node of a bound tree can be encoded in place. */
static bool view_supported(const node *n) {
    if (!n) return true;
    if (n->k == K_MAP || n->k == K_ENTRIES) return false;
    if (!view_supported(n->child)) return false;
    for (size_t i = 0; i < n->nfields; i++)
        if (!view_supported(n->fields[i])) return false;
    return true;
}

/* Fills the view interfaces of a bound tree (view_supported). */
static void view_init(node *n) {
    if (!n) return;
    n->atype = view_atype(n->k);
    n->plain = (view_iface){.n = n,
                            .base = {.get_type = view_type,
                                     .get_boolean = view_get_boolean,
                                     .get_bytes = view_get_bytes,
                                     .get_double = view_get_double,
                                     .get_float = view_get_float,
                                     .get_int = view_get_int,
                                     .get_long = view_get_long,
                                     .get_string = view_get_string,
                                     .get_enum = view_get_enum,
                                     .get_fixed = view_get_fixed,
                                     .get_size = view_get_size,
                                     .get_by_index = view_get_by_index,
                                     .get_discriminant = view_get_discriminant,
                                     .get_current_branch = view_get_current_branch}};
    n->uni = (view_iface){.n = n,
                          .base = {.get_type = view_union_type,
                                   .get_discriminant = view_get_discriminant,
                                   .get_current_branch = view_get_current_branch}};
    if (n->k == K_RECORD) {
        n->cidx = trib_xcalloc(n->nfields ? n->nfields : 1, sizeof *n->cidx);
        for (size_t i = 0; i < n->nfields; i++) n->cidx[n->idx[i]] = (int)i;
    }
    view_init(n->child);
    for (size_t i = 0; i < n->nfields; i++) view_init(n->fields[i]);
}

/* ---- decoding plan ------------------------------------------------------------------- */

/*
 * Decoding through a generic avro-c value builds the record twice: avro-c
 * reads the binary into its generic value (allocating, and tracked by
 * bounded_alloc), then dec copies that into a trib_value tree. The plan
 * skips the generic value: avro_consume_binary (avro-c's own streaming
 * binary decoder, avro/consumer.h) walks the datum with the writer's
 * schema and calls the consumer bound to each node, which creates the
 * trib_value straight into its slot in the tree being built. avro-c still
 * does all of the binary decoding; the consumers only store what it read.
 *
 * user_data is always the slot (trib_value **) the value goes to, except
 * for a K_ENTRIES entry record, whose user_data is the map being filled.
 * A value is put into the tree the moment it is created, so whatever a
 * failure leaves behind is freed with the root.
 *
 * The consumers check what dec checks (ranges, enum symbols, union
 * branches) and answer EINVAL; the codec then decodes the datum again
 * through the generic value, which names the field and the problem (or,
 * should the two ever disagree, produces the value): the plan is a fast
 * path that never decides the outcome alone.
 *
 * avro_consume_binary never frees the buffers avro-c reads strings, bytes
 * and fixed values into (it documents them as valid only during the
 * callback): they come from the per-thread arena (see ARENA_SIZE), reset
 * by the next decode; a buffer too large for it is tracked and freed when
 * the call ends, as on the generic path.
 */

static const node *pnode(avro_consumer_t *c) { return ((plan_consumer *)c)->n; }

/*
 * avro_consume_binary hands union discriminants and enum indexes to the
 * consumer as int, and block counts as unsigned int, after reading them
 * as 64-bit longs: a corrupt 2^32 + 1 arrives as 1. The consumer cannot
 * see the reader's position either, so each callback adds the size the
 * value takes in the canonical encoding (shortest varints, positive block
 * counts, as Avro writers produce), and the plan's result counts only when
 * that size is the input's length. What a callback counts is never more
 * than the input held for it (a truncated discriminant or enum index is a
 * small number read from five bytes or more; plan_block_count refuses the
 * one case that could count more), so the sum equals the length only when
 * nothing was truncated, every varint was the shortest and nothing follows
 * the datum. Anything else falls back to the generic path, which reads
 * the longs whole.
 */
static size_t varint_size(int64_t x) {
    uint64_t z = ((uint64_t)x << 1) ^ (uint64_t)(x >> 63);
    size_t n = 1;
    while (z >= 0x80) {
        z >>= 7;
        n++;
    }
    return n;
}

static void plan_size(avro_consumer_t *c, size_t n) { ((plan_consumer *)c)->ps->size += n; }

/* avro-c takes consumers as non-const but never changes them. */
static avro_consumer_t *pbase(const plan_consumer *pc) { return (avro_consumer_t *)&pc->base; }

static avro_consumer_t *plan_of(const node *n) { return pbase(n->in_union ? &n->puni : &n->pplain); }

static void plan_put(void *ud, trib_value *v) {
    trib_value **slot = ud;
    trib_value_destroy(*slot);   /* never set twice by avro-c; kept leak-free regardless */
    *slot = v;
}

static int plan_int(avro_consumer_t *c, int32_t x, void *ud) {
    const node *n = pnode(c);
    if ((n->cs->type == TRIB_INT8 && (x < INT8_MIN || x > INT8_MAX)) ||
        (n->cs->type == TRIB_INT16 && (x < INT16_MIN || x > INT16_MAX)))
        return EINVAL;
    plan_size(c, varint_size(x));
    plan_put(ud, trib_value_int(n->cs->type, x));
    return 0;
}

static int plan_long(avro_consumer_t *c, int64_t x, void *ud) {
    plan_size(c, varint_size(x));
    plan_put(ud, trib_value_int(TRIB_INT64, x));
    return 0;
}

static int plan_float(avro_consumer_t *c, float x, void *ud) {
    plan_size(c, 4);
    plan_put(ud, trib_value_float(TRIB_FLOAT32, x));
    return 0;
}

static int plan_double(avro_consumer_t *c, double x, void *ud) {
    plan_size(c, 8);
    plan_put(ud, trib_value_float(TRIB_FLOAT64, x));
    return 0;
}

static int plan_boolean(avro_consumer_t *c, int x, void *ud) {
    plan_size(c, 1);
    plan_put(ud, trib_value_bool(x != 0));
    return 0;
}

/* avro-c's string length counts the terminating NUL, as in dec_plain. */
static int plan_string(avro_consumer_t *c, const void *s, size_t len, void *ud) {
    size_t n = len ? len - 1 : 0;
    plan_size(c, varint_size((int64_t)n) + n);
    plan_put(ud, trib_value_string_n(s, n));
    return 0;
}

static int plan_bytes(avro_consumer_t *c, const void *b, size_t len, void *ud) {
    plan_size(c, varint_size((int64_t)len) + len);
    plan_put(ud, trib_value_bytes(b, len));
    return 0;
}

static int plan_fixed(avro_consumer_t *c, const void *b, size_t len, void *ud) {
    plan_size(c, len);
    plan_put(ud, trib_value_bytes(b, len));
    return 0;
}

static int plan_enum(avro_consumer_t *c, int x, void *ud) {
    const node *n = pnode(c);
    if (x < 0 || x >= n->nsymbols) return EINVAL;
    plan_size(c, varint_size(x));
    plan_put(ud, trib_value_string(avro_schema_enum_get(n->as, x)));
    return 0;
}

static int plan_record_start(avro_consumer_t *c, void *ud) {
    plan_put(ud, trib_value_struct_new((trib_schema *)pnode(c)->cs));
    return 0;
}

static int plan_record_field(avro_consumer_t *c, unsigned int index, avro_consumer_t **fc, void **fud,
                             void *ud) {
    const node *n = pnode(c);
    trib_value *st = *(trib_value **)ud;
    if (index >= n->nfields) return EINVAL;
    int ci = n->cidx[index];
    *fc = plan_of(n->fields[ci]);
    *fud = &st->u.st.fields[ci];
    return 0;
}

static bool plan_is_null_branch(const node *n, unsigned int d) {
    return n->null_branch >= 0 && d == (unsigned int)n->null_branch;
}

/* An optional value: the null branch leaves the slot NULL. */
static int plan_union_branch(avro_consumer_t *c, unsigned int d, avro_consumer_t **bc, void **bud, void *ud) {
    const node *n = pnode(c);
    plan_size(c, varint_size((int64_t)d));
    *bud = ud;
    if (plan_is_null_branch(n, d)) {
        *bc = pbase(&n->pnull);
        return 0;
    }
    if (d != (unsigned int)n->branch) return EINVAL;
    *bc = pbase(&n->pplain);
    return 0;
}

/* A Connect struct standing for an Avro union: the member of branch d is set. */
static int plan_ustruct_branch(avro_consumer_t *c, unsigned int d, avro_consumer_t **bc, void **bud, void *ud) {
    const node *n = pnode(c);
    plan_size(c, varint_size((int64_t)d));
    if (plan_is_null_branch(n, d)) {
        *bc = pbase(&n->pnull);
        *bud = ud;
        return 0;
    }
    for (size_t i = 0; i < n->nfields; i++) {
        if ((unsigned int)n->idx[i] != d) continue;
        trib_value *st = trib_value_struct_new((trib_schema *)n->cs);
        plan_put(ud, st);
        *bc = pbase(&n->fields[i]->pplain);
        *bud = &st->u.st.fields[i];
        return 0;
    }
    return EINVAL;
}

/* Every item costs a value even when it takes no input bytes (an empty
 * record), so a hostile count is bounded by the input's size; a datum
 * beyond the bound falls back to the generic path, bounded by memory. */
static int plan_take_item(avro_consumer_t *c) {
    plan_state *ps = ((plan_consumer *)c)->ps;
    if (!ps->items_left) return EINVAL;
    ps->items_left--;
    return 0;
}

/* A block count beyond INT32_MAX was negative (a block with its size in
 * bytes, which canonical writers do not produce) or corrupt: left to the
 * generic path, so that every size plan_size counts is at most what the
 * input held for it (see varint_size). */
static int plan_block_count(avro_consumer_t *c, unsigned int count) {
    if (count > INT32_MAX) return EINVAL;
    plan_size(c, varint_size((int64_t)count));
    return 0;
}

static int plan_array_block(avro_consumer_t *c, int first, unsigned int count, void *ud) {
    /* count is not trusted for sizing: items are appended as they come. */
    if (plan_block_count(c, count) != 0) return EINVAL;
    if (first) plan_put(ud, pnode(c)->k == K_ENTRIES ? trib_value_map_new() : trib_value_array_new());
    return 0;
}

static int plan_array_element(avro_consumer_t *c, unsigned int index, avro_consumer_t **ec, void **eud,
                              void *ud) {
    (void)index;
    const node *n = pnode(c);
    trib_value *a = *(trib_value **)ud;
    if (plan_take_item(c) != 0) return EINVAL;
    if (n->k == K_ENTRIES) {
        *ec = pbase(&n->pentry);
        *eud = a;
        return 0;
    }
    trib_value_array_append_take(a, NULL);
    *ec = plan_of(n->child);
    *eud = &a->u.arr.items[a->u.arr.n - 1];
    return 0;
}

static int plan_entry_start(avro_consumer_t *c, void *ud) {
    (void)c;
    trib_value_map_put_take(ud, NULL, NULL);
    return 0;
}

static int plan_entry_field(avro_consumer_t *c, unsigned int index, avro_consumer_t **fc, void **fud,
                            void *ud) {
    const node *n = pnode(c);
    trib_value *m = ud;
    size_t last = m->u.map.n - 1;
    if (index == (unsigned int)n->key_idx) {
        *fc = plan_of(n->key);
        *fud = &m->u.map.keys[last];
    } else if (index == (unsigned int)n->val_idx) {
        *fc = plan_of(n->child);
        *fud = &m->u.map.vals[last];
    } else {
        return EINVAL;
    }
    return 0;
}

static int cmp_key_pos(const void *a, const void *b, void *keys) {
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    trib_value **k = keys;
    int r = strcmp(k[x]->u.str.data, k[y]->u.str.data);
    return r ? r : (x > y) - (x < y);
}

/*
 * A string-keyed Avro map that repeats a key: avro-c's generic map keeps
 * the key once, at its first position, with the last value read for it,
 * and so does Java's. The plan appends entries as read, then merges the
 * same way when the map ends: a sort of the positions by (key, position)
 * finds the repeats in O(n log n) however hostile the map.
 */
static void plan_merge_keys(trib_value *m) {
    size_t n = m->u.map.n;
    if (n < 2) return;
    size_t *pos = trib_xcalloc(n, sizeof *pos);
    for (size_t i = 0; i < n; i++) pos[i] = i;
    qsort_r(pos, n, sizeof *pos, cmp_key_pos, m->u.map.keys);
    bool any = false;
    for (size_t i = 0; i + 1 < n;) {
        size_t j = i;
        while (j + 1 < n && strcmp(m->u.map.keys[pos[i]]->u.str.data, m->u.map.keys[pos[j + 1]]->u.str.data) == 0) j++;
        if (j > i) {
            /* pos[i] is the first position, pos[j] holds the last value. */
            any = true;
            trib_value_destroy(m->u.map.vals[pos[i]]);
            m->u.map.vals[pos[i]] = m->u.map.vals[pos[j]];
            m->u.map.vals[pos[j]] = NULL;
            for (size_t k = i + 1; k <= j; k++) {
                trib_value_destroy(m->u.map.keys[pos[k]]);
                trib_value_destroy(m->u.map.vals[pos[k]]);
                m->u.map.keys[pos[k]] = NULL;   /* dropped below */
            }
        }
        i = j + 1;
    }
    free(pos);
    if (!any) return;
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        if (!m->u.map.keys[i]) continue;
        m->u.map.keys[w] = m->u.map.keys[i];
        m->u.map.vals[w] = m->u.map.vals[i];
        w++;
    }
    m->u.map.n = w;
}

static int plan_map_block(avro_consumer_t *c, int first, unsigned int count, void *ud) {
    if (plan_block_count(c, count) != 0) return EINVAL;
    if (first) plan_put(ud, trib_value_map_new());
    if (count == 0) plan_merge_keys(*(trib_value **)ud);   /* the end of the map */
    return 0;
}

static int plan_map_element(avro_consumer_t *c, unsigned int index, const char *key, avro_consumer_t **ec,
                            void **eud, void *ud) {
    (void)index;
    trib_value *m = *(trib_value **)ud;
    if (plan_take_item(c) != 0) return EINVAL;
    trib_value *k = trib_value_string(key ? key : "");
    plan_size(c, varint_size((int64_t)k->u.str.len) + k->u.str.len);
    trib_value_map_put_take(m, k, NULL);
    *ec = plan_of(pnode(c)->child);
    *eud = &m->u.map.vals[m->u.map.n - 1];
    return 0;
}

static void plan_consumer_init(plan_consumer *pc, const node *n, plan_state *ps, avro_schema_t schema) {
    memset(pc, 0, sizeof *pc);
    pc->base.schema = schema;
    pc->n = n;
    pc->ps = ps;
}

/* Binds the plan consumers of a bound tree to the codec's plan state. */
static void plan_init(node *n, plan_state *ps) {
    if (!n) return;
    avro_consumer_t *p = pbase(&n->pplain);
    plan_consumer_init(&n->pplain, n, ps, n->as);
    switch (n->k) {
    case K_INT: p->int_value = plan_int; break;
    case K_LONG: p->long_value = plan_long; break;
    case K_FLOAT: p->float_value = plan_float; break;
    case K_DOUBLE: p->double_value = plan_double; break;
    case K_BOOL: p->boolean_value = plan_boolean; break;
    case K_STRING: p->string_value = plan_string; break;
    case K_ENUM: p->enum_value = plan_enum; break;
    case K_BYTES: p->bytes_value = plan_bytes; break;
    case K_FIXED: p->fixed_value = plan_fixed; break;
    case K_ARRAY:
        p->array_start_block = plan_array_block;
        p->array_element = plan_array_element;
        break;
    case K_ENTRIES: {
        p->array_start_block = plan_array_block;
        p->array_element = plan_array_element;
        plan_consumer_init(&n->pentry, n, ps, unlink_schema(avro_schema_array_items(n->as)));
        n->pentry.base.record_start = plan_entry_start;
        n->pentry.base.record_field = plan_entry_field;
        break;
    }
    case K_MAP:
        p->map_start_block = plan_map_block;
        p->map_element = plan_map_element;
        break;
    case K_RECORD:
        p->record_start = plan_record_start;
        p->record_field = plan_record_field;
        if (!n->cidx) {
            n->cidx = trib_xcalloc(n->nfields ? n->nfields : 1, sizeof *n->cidx);
            for (size_t i = 0; i < n->nfields; i++) n->cidx[n->idx[i]] = (int)i;
        }
        break;
    case K_UNION_STRUCT:
        p->union_branch = plan_ustruct_branch;
        break;
    }
    avro_schema_t uas = n->k == K_UNION_STRUCT ? n->as : n->in_union ? n->uas : NULL;
    if (uas && n->null_branch >= 0)   /* consumed as null: nothing to store */
        plan_consumer_init(&n->pnull, n, ps, unlink_schema(avro_schema_union_branch(uas, n->null_branch)));
    if (n->in_union) {
        plan_consumer_init(&n->puni, n, ps, n->uas);
        n->puni.base.union_branch = plan_union_branch;
    }
    plan_init(n->child, ps);
    plan_init(n->key, ps);
    for (size_t i = 0; i < n->nfields; i++) plan_init(n->fields[i], ps);
}

trib_avro_codec *trib_avro_codec_new(trib_schema *cs, const char *avro_json, bool scrub_names,
                                     trib_error *err) {
    if (!cs) {
        trib_error_set(err, TRIB_ERR_INVALID, "avro: a codec needs a Connect schema");
        return NULL;
    }
    pthread_once(&g_alloc_once, install_allocator);
    trib_avro_codec *c = trib_xcalloc(1, sizeof *c);
    if (avro_schema_from_json_length(avro_json, strlen(avro_json), &c->as) != 0) {
        avro_fail(err, "cannot parse Avro schema");
        free(c);
        return NULL;
    }
    c->cs = trib_schema_ref(cs);
    c->scrub = scrub_names;
    if (!(c->root = bind(cs, c->as, scrub_names, err))) goto fail;
    c->reuse_enc = !has_containers(c->root);
    c->view = view_supported(c->root);
    if (c->view) view_init(c->root);
    plan_init(c->root, &c->ps);
    if (!(c->iface = avro_generic_class_from_schema(c->as))) {
        avro_fail(err, "cannot build a value class for the schema");
        goto fail;
    }
    c->reader = avro_reader_memory("", 0);
    c->writer = avro_writer_memory("", 0);
    return c;
fail:
    trib_avro_codec_destroy(c);
    return NULL;
}

void trib_avro_codec_destroy(trib_avro_codec *c) {
    if (!c) return;
    if (c->have_enc_value) avro_value_decref(&c->enc_value);
    if (c->have_dec_value) avro_value_decref(&c->dec_value);
    if (c->iface) avro_value_iface_decref(c->iface);
    if (c->reader) avro_reader_free(c->reader);
    if (c->writer) avro_writer_free(c->writer);
    node_free(c->root);
    avro_schema_decref(c->as);
    trib_schema_unref(c->cs);
    free(c);
}

const trib_schema *trib_avro_codec_schema(const trib_avro_codec *c) { return c ? c->cs : NULL; }

/* ---- encoding ---------------------------------------------------------------------- */

#define CHECK_AVRO(call, what) do { if ((call) != 0) return avro_fail(err, what); } while (0)

static int type_error(const node *n, const trib_value *v, trib_error *err) {
    return trib_error_set(err, TRIB_ERR_INVALID, "avro: expected a %s value but got %s",
                          trib_type_name(n->cs->type), trib_type_name(v->type));
}

static int enc(const node *n, const trib_value *v, avro_value_t *dst, trib_error *err) {
    avro_value_t br;
    if (n->in_union) {
        if (!v) {
            if (n->null_branch < 0)
                return trib_error_set(err, TRIB_ERR_INVALID, "avro: null value for a schema that is not nullable");
            CHECK_AVRO(avro_value_set_branch(dst, n->null_branch, &br), "cannot select union branch");
            CHECK_AVRO(avro_value_set_null(&br), "cannot write null");
            return 0;
        }
        CHECK_AVRO(avro_value_set_branch(dst, n->branch, &br), "cannot select union branch");
        dst = &br;
    } else if (!v) {
        if (n->k == K_UNION_STRUCT && n->null_branch >= 0) {
            /* A null Union struct is the union's null member. */
            CHECK_AVRO(avro_value_set_branch(dst, n->null_branch, &br), "cannot select union branch");
            CHECK_AVRO(avro_value_set_null(&br), "cannot write null");
            return 0;
        }
        return trib_error_set(err, TRIB_ERR_INVALID, "avro: null value for a non-optional %s schema",
                              trib_type_name(n->cs->type));
    }
    if (v->type != n->cs->type) return type_error(n, v, err);

    switch (n->k) {
    case K_INT:
        CHECK_AVRO(avro_value_set_int(dst, (int32_t)v->u.i), "cannot set int");
        return 0;
    case K_LONG:
        CHECK_AVRO(avro_value_set_long(dst, v->u.i), "cannot set long");
        return 0;
    case K_FLOAT:
        CHECK_AVRO(avro_value_set_float(dst, (float)v->u.f), "cannot set float");
        return 0;
    case K_DOUBLE:
        CHECK_AVRO(avro_value_set_double(dst, v->u.f), "cannot set double");
        return 0;
    case K_BOOL:
        CHECK_AVRO(avro_value_set_boolean(dst, v->u.b), "cannot set boolean");
        return 0;
    case K_STRING: {
        /* Lent, not copied: the value only lives while v does (within the
         * encode call; a reused value is overwritten before its next use). */
        avro_wrapped_buffer_t buf;
        avro_wrapped_buffer_new(&buf, v->u.str.data ? v->u.str.data : "", v->u.str.data ? v->u.str.len + 1 : 1);
        CHECK_AVRO(avro_value_give_string_len(dst, &buf), "cannot set string");
        return 0;
    }
    case K_ENUM: {
        char *sym = trib_xstrndup(v->u.str.data ? v->u.str.data : "", v->u.str.len);
        int idx = avro_schema_enum_get_by_name(n->as, sym);
        if (idx < 0) {
            trib_error_set(err, TRIB_ERR_INVALID, "avro: '%s' is not a symbol of enum %s", sym,
                           avro_schema_name(n->as));
            free(sym);
            return -1;
        }
        free(sym);
        CHECK_AVRO(avro_value_set_enum(dst, idx), "cannot set enum");
        return 0;
    }
    case K_BYTES: {
        avro_wrapped_buffer_t buf;   /* lent, as for strings */
        avro_wrapped_buffer_new(&buf, v->u.str.data ? v->u.str.data : "", v->u.str.data ? v->u.str.len : 0);
        CHECK_AVRO(avro_value_give_bytes(dst, &buf), "cannot set bytes");
        return 0;
    }
    case K_FIXED:
        if ((int64_t)v->u.str.len != n->fixed_size)
            return trib_error_set(err, TRIB_ERR_INVALID, "avro: %zu bytes do not fit fixed %s of size %lld",
                                  v->u.str.len, avro_schema_name(n->as), (long long)n->fixed_size);
        CHECK_AVRO(avro_value_set_fixed(dst, v->u.str.data, v->u.str.len), "cannot set fixed");
        return 0;
    case K_ARRAY:
        for (size_t i = 0; i < v->u.arr.n; i++) {
            avro_value_t item;
            CHECK_AVRO(avro_value_append(dst, &item, NULL), "cannot append array item");
            if (enc(n->child, v->u.arr.items[i], &item, err) < 0)
                return trib_error_prefix(err, "array item %zu", i);
        }
        return 0;
    case K_MAP:
        for (size_t i = 0; i < v->u.map.n; i++) {
            const trib_value *k = v->u.map.keys[i];
            if (!k || k->type != TRIB_STRING)
                return trib_error_set(err, TRIB_ERR_INVALID, "avro: map key %zu is not a string", i);
            char *key = trib_xstrndup(k->u.str.data, k->u.str.len);
            avro_value_t item;
            int rc = avro_value_add(dst, key, &item, NULL, NULL);
            if (rc != 0) {
                free(key);
                return avro_fail(err, "cannot add map entry");
            }
            if (enc(n->child, v->u.map.vals[i], &item, err) < 0) {
                trib_error_prefix(err, "map value '%s'", key);
                free(key);
                return -1;
            }
            free(key);
        }
        return 0;
    case K_ENTRIES:
        for (size_t i = 0; i < v->u.map.n; i++) {
            avro_value_t entry, kv, vv;
            CHECK_AVRO(avro_value_append(dst, &entry, NULL), "cannot append map entry");
            CHECK_AVRO(avro_value_get_by_index(&entry, n->key_idx, &kv, NULL), "cannot get entry key");
            CHECK_AVRO(avro_value_get_by_index(&entry, n->val_idx, &vv, NULL), "cannot get entry value");
            if (enc(n->key, v->u.map.keys[i], &kv, err) < 0) return trib_error_prefix(err, "map key %zu", i);
            if (enc(n->child, v->u.map.vals[i], &vv, err) < 0) return trib_error_prefix(err, "map value %zu", i);
        }
        return 0;
    case K_RECORD: {
        const trib_schema *vs = v->u.st.schema;
        if (!struct_schema_fits(vs, n->cs))
            return trib_error_set(err, TRIB_ERR_INVALID, "avro: mismatching struct schema (%s)",
                                  vs && vs->name ? vs->name : "unnamed struct");
        for (size_t i = 0; i < n->nfields; i++) {
            const trib_field *f = &n->cs->fields[i];
            const trib_value *fv = v->u.st.fields[i];
            if (!fv) fv = f->schema->default_value;   /* Struct.get falls back to the default */
            avro_value_t fd;
            CHECK_AVRO(avro_value_get_by_index(dst, n->idx[i], &fd, NULL), "cannot get record field");
            if (enc(n->fields[i], fv, &fd, err) < 0) return trib_error_prefix(err, "field '%s'", f->name);
        }
        return 0;
    }
    case K_UNION_STRUCT:
        for (size_t i = 0; i < n->nfields; i++) {
            const trib_value *fv = v->u.st.fields[i];
            if (!fv) continue;
            CHECK_AVRO(avro_value_set_branch(dst, n->idx[i], &br), "cannot select union branch");
            node tmp = *n->fields[i];
            tmp.in_union = false;
            if (enc(&tmp, fv, &br, err) < 0) return trib_error_prefix(err, "union member '%s'", n->cs->fields[i].name);
            return 0;
        }
        if (n->null_branch < 0)
            return trib_error_set(err, TRIB_ERR_INVALID, "avro: union value has no member set");
        CHECK_AVRO(avro_value_set_branch(dst, n->null_branch, &br), "cannot select union branch");
        CHECK_AVRO(avro_value_set_null(&br), "cannot write null");
        return 0;
    }
    return trib_error_set(err, TRIB_ERR_INTERNAL, "avro: unknown codec node");
}

/* Writes value into out's spare room; sizes exactly and retries once when
 * the guess was short. */
static int write_value(trib_avro_codec *c, avro_value_t *value, trib_strbuf *out, trib_error *err) {
    size_t room = out->cap > out->len ? out->cap - out->len - 1 : 0;
    if (room < 256) {
        trib_strbuf_reserve(out, 256);
        room = out->cap - out->len - 1;
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        avro_writer_memory_set_dest(c->writer, out->data + out->len, (int64_t)room);
        int rc = avro_value_write(c->writer, value);
        if (rc == 0) {
            out->len += (size_t)avro_writer_tell(c->writer);
            out->data[out->len] = '\0';
            return 0;
        }
        if (rc != ENOSPC || attempt > 0) return avro_fail(err, "cannot encode value");
        size_t need = 0;
        if (avro_value_sizeof(value, &need) != 0) return avro_fail(err, "cannot size value");
        trib_strbuf_reserve(out, need + 1);
        room = out->cap - out->len - 1;
    }
    return avro_fail(err, "cannot encode value");
}

int trib_avro_codec_encode(trib_avro_codec *c, const trib_value *v, trib_strbuf *out,
                           trib_error *err) {
    if (c->view) {
        avro_value_t in_place;
        view_child(c->root, v, &in_place);
        size_t start = out->len;
        if (write_value(c, &in_place, out, err) == 0) return 0;
        /* Something does not fit: the generic path says what and where. */
        out->len = start;
        if (out->data) out->data[start] = '\0';
    }
    return trib_avro_codec_encode_generic(c, v, out, err);
}

int trib_avro_codec_encode_generic(trib_avro_codec *c, const trib_value *v, trib_strbuf *out,
                                   trib_error *err) {
    if (c->reuse_enc) {
        if (!c->have_enc_value) {
            if (avro_generic_value_new(c->iface, &c->enc_value) != 0)
                return trib_error_set(err, TRIB_ERR_NOMEM, "avro: cannot allocate a value");
            c->have_enc_value = true;
        }
        if (enc(c->root, v, &c->enc_value, err) < 0) return -1;
        return write_value(c, &c->enc_value, out, err) < 0 ? -1 : 0;
    }
    /* As in decoding: the avro-c value lives only inside this call, every
     * allocation tracked, and whatever avro-c loses (reusing values with
     * avro_value_reset leaks arrays nested in array elements) is freed. */
    alloc_track *tr = &tl_track;
    tr->active = true;
    avro_value_t value;
    if (avro_generic_value_new(c->iface, &value) != 0) {
        tr->active = false;
        track_clear(tr, true);
        return trib_error_set(err, TRIB_ERR_NOMEM, "avro: cannot allocate a value");
    }
    int rc = enc(c->root, v, &value, err);
    if (rc == 0) rc = write_value(c, &value, out, err);
    avro_value_decref(&value);
    tr->active = false;
    track_clear(tr, true);
    return rc < 0 ? -1 : 0;
}

/* ---- decoding ------------------------------------------------------------------------ */

static int dec(const node *n, avro_value_t *src, trib_value **out, trib_error *err);

static int dec_plain(const node *n, avro_value_t *src, trib_value **out, trib_error *err) {
    *out = NULL;
    switch (n->k) {
    case K_INT: {
        int32_t x;
        CHECK_AVRO(avro_value_get_int(src, &x), "cannot read int");
        if ((n->cs->type == TRIB_INT8 && (x < INT8_MIN || x > INT8_MAX)) ||
            (n->cs->type == TRIB_INT16 && (x < INT16_MIN || x > INT16_MAX)))
            return trib_error_set(err, TRIB_ERR_INVALID, "avro: %d is out of range for %s", (int)x,
                                  trib_type_name(n->cs->type));
        *out = trib_value_int(n->cs->type, x);
        return 0;
    }
    case K_LONG: {
        int64_t x;
        CHECK_AVRO(avro_value_get_long(src, &x), "cannot read long");
        *out = trib_value_int(TRIB_INT64, x);
        return 0;
    }
    case K_FLOAT: {
        float x;
        CHECK_AVRO(avro_value_get_float(src, &x), "cannot read float");
        *out = trib_value_float(TRIB_FLOAT32, x);
        return 0;
    }
    case K_DOUBLE: {
        double x;
        CHECK_AVRO(avro_value_get_double(src, &x), "cannot read double");
        *out = trib_value_float(TRIB_FLOAT64, x);
        return 0;
    }
    case K_BOOL: {
        int x;
        CHECK_AVRO(avro_value_get_boolean(src, &x), "cannot read boolean");
        *out = trib_value_bool(x != 0);
        return 0;
    }
    case K_STRING: {
        const char *s;
        size_t size;
        CHECK_AVRO(avro_value_get_string(src, &s, &size), "cannot read string");
        *out = trib_value_string_n(s, size ? size - 1 : 0);
        return 0;
    }
    case K_ENUM: {
        int x;
        CHECK_AVRO(avro_value_get_enum(src, &x), "cannot read enum");
        if (x < 0 || x >= n->nsymbols)
            return trib_error_set(err, TRIB_ERR_INVALID, "avro: enum index %d out of range for %s", x,
                                  avro_schema_name(n->as));
        *out = trib_value_string(avro_schema_enum_get(n->as, x));
        return 0;
    }
    case K_BYTES: {
        const void *b;
        size_t size;
        CHECK_AVRO(avro_value_get_bytes(src, &b, &size), "cannot read bytes");
        *out = trib_value_bytes(b, size);
        return 0;
    }
    case K_FIXED: {
        const void *b;
        size_t size;
        CHECK_AVRO(avro_value_get_fixed(src, &b, &size), "cannot read fixed");
        *out = trib_value_bytes(b, size);
        return 0;
    }
    case K_ARRAY: {
        size_t cnt;
        CHECK_AVRO(avro_value_get_size(src, &cnt), "cannot read array");
        trib_value *a = trib_value_array_new();
        a->u.arr.items = trib_xcalloc(cnt ? cnt : 1, sizeof *a->u.arr.items);
        a->u.arr.cap = cnt ? cnt : 1;
        for (size_t i = 0; i < cnt; i++) {
            avro_value_t item;
            trib_value *iv;
            if (avro_value_get_by_index(src, i, &item, NULL) != 0 || dec(n->child, &item, &iv, err) < 0) {
                trib_value_destroy(a);
                return trib_error_prefix(err, "array item %zu", i);
            }
            a->u.arr.items[a->u.arr.n++] = iv;
        }
        *out = a;
        return 0;
    }
    case K_MAP: case K_ENTRIES: {
        size_t cnt;
        CHECK_AVRO(avro_value_get_size(src, &cnt), "cannot read map");
        trib_value *m = trib_value_map_new();
        for (size_t i = 0; i < cnt; i++) {
            avro_value_t item;
            const char *key = NULL;
            trib_value *kv = NULL, *vv = NULL;
            if (avro_value_get_by_index(src, i, &item, &key) != 0) {
                trib_value_destroy(m);
                return avro_fail(err, "cannot read map entry");
            }
            if (n->k == K_MAP) {
                kv = trib_value_string(key ? key : "");
                if (dec(n->child, &item, &vv, err) < 0) {
                    trib_value_destroy(kv);
                    trib_value_destroy(m);
                    return trib_error_prefix(err, "map value '%s'", key ? key : "");
                }
            } else {
                avro_value_t ka, va;
                if (avro_value_get_by_index(&item, n->key_idx, &ka, NULL) != 0 ||
                    avro_value_get_by_index(&item, n->val_idx, &va, NULL) != 0) {
                    trib_value_destroy(m);
                    return avro_fail(err, "cannot read map entry");
                }
                if (dec(n->key, &ka, &kv, err) < 0) {
                    trib_value_destroy(m);
                    return trib_error_prefix(err, "map key %zu", i);
                }
                if (dec(n->child, &va, &vv, err) < 0) {
                    trib_value_destroy(kv);
                    trib_value_destroy(m);
                    return trib_error_prefix(err, "map value %zu", i);
                }
            }
            trib_value_map_put_take(m, kv, vv);
        }
        *out = m;
        return 0;
    }
    case K_RECORD: {
        trib_value *st = trib_value_struct_new((trib_schema *)n->cs);
        for (size_t i = 0; i < n->nfields; i++) {
            avro_value_t fd;
            if (avro_value_get_by_index(src, n->idx[i], &fd, NULL) != 0) {
                trib_value_destroy(st);
                return avro_fail(err, "cannot read record field");
            }
            if (dec(n->fields[i], &fd, &st->u.st.fields[i], err) < 0) {
                trib_value_destroy(st);
                return trib_error_prefix(err, "field '%s'", n->cs->fields[i].name);
            }
        }
        *out = st;
        return 0;
    }
    case K_UNION_STRUCT: {
        int d;
        avro_value_t br;
        CHECK_AVRO(avro_value_get_discriminant(src, &d), "cannot read union");
        if (d == n->null_branch) return 0;
        for (size_t i = 0; i < n->nfields; i++) {
            if (n->idx[i] != d) continue;
            CHECK_AVRO(avro_value_get_current_branch(src, &br), "cannot read union branch");
            trib_value *st = trib_value_struct_new((trib_schema *)n->cs);
            if (dec_plain(n->fields[i], &br, &st->u.st.fields[i], err) < 0) {
                trib_value_destroy(st);
                return trib_error_prefix(err, "union member '%s'", n->cs->fields[i].name);
            }
            *out = st;
            return 0;
        }
        return trib_error_set(err, TRIB_ERR_INVALID, "avro: union branch %d has no Connect member", d);
    }
    }
    return trib_error_set(err, TRIB_ERR_INTERNAL, "avro: unknown codec node");
}

static int dec(const node *n, avro_value_t *src, trib_value **out, trib_error *err) {
    *out = NULL;
    if (!n->in_union) return dec_plain(n, src, out, err);
    int d;
    avro_value_t br;
    CHECK_AVRO(avro_value_get_discriminant(src, &d), "cannot read union");
    if (d == n->null_branch) return 0;
    if (d != n->branch)
        return trib_error_set(err, TRIB_ERR_INVALID, "avro: unexpected union branch %d", d);
    CHECK_AVRO(avro_value_get_current_branch(src, &br), "cannot read union branch");
    return dec_plain(n, &br, out, err);
}

/* The allocation bound of a decode of len input bytes (see DECODE_ALLOC_FLOOR). */
static size_t decode_alloc_limit(size_t len) {
    size_t limit = len > SIZE_MAX / DECODE_ALLOC_FACTOR ? SIZE_MAX : len * DECODE_ALLOC_FACTOR;
    return limit < DECODE_ALLOC_FLOOR ? DECODE_ALLOC_FLOOR : limit;
}

int trib_avro_codec_decode_generic(trib_avro_codec *c, const void *data, size_t len, trib_value **out,
                                   trib_error *err) {
    *out = NULL;
    /* The avro-c value lives only inside this call, with every allocation
     * tracked: avro-c 1.11 loses blocks both on corrupt input and when it
     * tears down values whose arrays it grew (found by fuzzing), and
     * whatever it loses is freed here when the call ends. */
    alloc_track *tr = &tl_track;
    tr->active = true;
    /* A schema without arrays or maps reuses one value (what avro-c loses
     * involves arrays): allocating and tearing down a generic record per
     * decode was the largest cost of a sink's Avro path. The allocations of
     * this call stay tracked: on success the value keeps them; on failure
     * the value is dropped and whatever avro-c lost on the corrupt input is
     * freed, as for a fresh value. */
    bool reuse = c->reuse_enc;
    avro_value_t fresh, *value = &fresh;
    if (reuse && c->have_dec_value) {
        value = &c->dec_value;
    } else if (avro_generic_value_new(c->iface, value) != 0) {
        tr->active = false;
        track_clear(tr, true);
        return trib_error_set(err, TRIB_ERR_NOMEM, "avro: cannot allocate a value");
    }
    avro_reader_memory_set_source(c->reader, data ? data : "", (int64_t)len);
    tr->alloc_limit = decode_alloc_limit(len);
    int rc = avro_value_read(c->reader, value);
    tr->alloc_limit = SIZE_MAX;
    if (rc != 0) rc = avro_fail(err, "corrupt or truncated Avro data");
    else rc = dec(c->root, value, out, err);
    if (reuse && rc == 0) {
        if (value == &fresh) {
            c->dec_value = fresh;
            c->have_dec_value = true;
        }
        tr->active = false;
        track_clear(tr, false);   /* the kept value owns what this call allocated */
    } else {
        avro_value_decref(value);
        if (value == &c->dec_value) c->have_dec_value = false;
        tr->active = false;
        track_clear(tr, true);
    }
    if (rc < 0) {
        trib_value_destroy(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

/* Items (array elements, map entries) a plan decode of len bytes may create:
 * every item of a real schema but an empty record takes at least one byte. */
#define PLAN_ITEMS_SLACK 1024

int trib_avro_codec_decode_plan(trib_avro_codec *c, const void *data, size_t len, trib_value **out,
                                trib_error *err) {
    *out = NULL;
    alloc_track *tr = &tl_track;
    tr->active = true;
    tr->arena_on = true;
    arena_reset(tr);
    tr->alloc_limit = decode_alloc_limit(len);
    c->ps.items_left = len + PLAN_ITEMS_SLACK;
    c->ps.size = 0;
    trib_value *v = NULL;
    avro_reader_memory_set_source(c->reader, data ? data : "", (int64_t)len);
    int rc = avro_consume_binary(c->reader, plan_of(c->root), &v);
    tr->alloc_limit = SIZE_MAX;
    tr->arena_on = false;
    tr->active = false;
    /* The arena is reset by the next plan decode; blocks that did not fit
     * in it and that avro-c left behind are freed here. */
    track_clear(tr, true);
    if (rc != 0 || c->ps.size != len) {   /* see varint_size */
        trib_value_destroy(v);
        return trib_error_set(err, TRIB_ERR_INVALID, "avro: the decoding plan rejected the data");
    }
    *out = v;
    return 0;
}

int trib_avro_codec_decode(trib_avro_codec *c, const void *data, size_t len, trib_value **out,
                           trib_error *err) {
    if (trib_avro_codec_decode_plan(c, data, len, out, NULL) == 0) return 0;
    /* Rejected or corrupt: the generic path names the problem. */
    return trib_avro_codec_decode_generic(c, data, len, out, err);
}
