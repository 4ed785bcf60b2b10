/*
 * shapes.h: the record shapes DataGen produces (`value.shape`).
 *
 * A shape builds its schema once per task and then generates values from a
 * record's coordinates alone, so the same (seed, task, seq) always yields
 * the same value: runs are reproducible and a restarted task regenerates
 * exactly what it would have produced.
 */
#ifndef TRIB_CONNECTORS_DATAGEN_SHAPES_H
#define TRIB_CONNECTORS_DATAGEN_SHAPES_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/data.h"

/* A small deterministic generator (splitmix64). */
typedef struct trib_datagen_rng {
    uint64_t state;
} trib_datagen_rng;

/* Seeds from (seed, task, seq): distinct coordinates give unrelated streams. */
void trib_datagen_rng_init(trib_datagen_rng *r, int64_t seed, int32_t task, int64_t seq);
uint64_t trib_datagen_rng_next(trib_datagen_rng *r);
/* Uniform in [lo, hi] (inclusive). */
int64_t trib_datagen_rng_range(trib_datagen_rng *r, int64_t lo, int64_t hi);

/* Where a record sits. */
typedef struct trib_datagen_point {
    int64_t id;          /* unique across the connector's tasks: task + seq * tasks */
    int64_t seq;         /* this task's sequence number */
    int32_t task;
    int64_t event_ms;    /* the record's event time (derived from seq, or wall clock) */
} trib_datagen_point;

typedef struct trib_datagen_shape {
    const char *name;                 /* "orders", "wide", ... */
    const char *default_schema_name;  /* NULL: unnamed */
    /* A new schema (refcnt 1); name overrides the default when not NULL. */
    trib_schema *(*schema)(const char *name);
    /* A new value of that schema; rng is seeded for this record. */
    trib_value *(*value)(const trib_schema *schema, const trib_datagen_point *pt, trib_datagen_rng *rng);
} trib_datagen_shape;

/* The shape named name (case-insensitive), or NULL. */
const trib_datagen_shape *trib_datagen_shape_find(const char *name);
/* NULL-terminated list of every shape name, for the config's one_of. */
extern const char *const trib_datagen_shape_names[];

/* Derived event time of a record: a fixed epoch (2024-01-01T00:00:00Z)
 * plus one second per id and a jitter below one second. */
int64_t trib_datagen_event_ms(int64_t id, trib_datagen_rng *rng);

#endif
