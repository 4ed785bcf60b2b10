/*
 * worker.h: one Tributary worker process: its validated properties, its
 * offsets storage and its herder. main.c adds the REST server and signals.
 */
#ifndef TRIB_WORKER_WORKER_H
#define TRIB_WORKER_WORKER_H

#include "common/error.h"
#include "common/props.h"
#include "config/config.h"
#include "worker/herder.h"
#include "worker/worker_config.h"

typedef struct trib_worker trib_worker;

/* Validates the properties (refusing bad ones with every key named),
 * reaches the Kafka cluster to learn its id, and opens offsets storage.
 * mode is a trib_worker_mode. */
trib_worker *trib_worker_new(const trib_props *worker_props, int mode, trib_error *err);
int trib_worker_start(trib_worker *w, trib_error *err);
trib_herder *trib_worker_herder(trib_worker *w);
const trib_config *trib_worker_config(const trib_worker *w);
const char *trib_worker_id(const trib_worker *w);
/* Stops every connector and task gracefully; offsets are flushed. */
void trib_worker_stop(trib_worker *w);
void trib_worker_destroy(trib_worker *w);   /* NULL-safe; stops first */

#endif
