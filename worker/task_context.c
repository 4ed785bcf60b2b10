/*
 * task_context.c: contexts handed to connectors and tasks. See
 * task_context.h and connector.h.
 */
#include "worker/task_context.h"
#include "common/util.h"
#include "worker/file_status.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct trib_connector_context {
    char *name;
    atomic_bool reconfigure;
    pthread_mutex_t lock;
    char *error;
};

trib_connector_context *trib_connector_context_new(const char *connector) {
    trib_connector_context *c = trib_xcalloc(1, sizeof *c);
    c->name = trib_xstrdup(connector);
    atomic_init(&c->reconfigure, false);
    pthread_mutex_init(&c->lock, NULL);
    return c;
}

void trib_connector_context_destroy(trib_connector_context *c) {
    if (!c) return;
    free(c->name);
    free(c->error);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

void trib_connector_context_request_reconfiguration(trib_connector_context *c) {
    atomic_store(&c->reconfigure, true);
}

bool trib_connector_context_take_reconfiguration(trib_connector_context *c) {
    return atomic_exchange(&c->reconfigure, false);
}

void trib_connector_context_raise_error(trib_connector_context *c, const char *msg) {
    pthread_mutex_lock(&c->lock);
    free(c->error);
    c->error = trib_xstrdup(msg ? msg : "connector raised an error");
    pthread_mutex_unlock(&c->lock);
}

const char *trib_connector_context_error(const trib_connector_context *c) {
    return c->error;
}

const char *trib_connector_context_name(const trib_connector_context *c) {
    return c->name;
}

/* ---- source ---- */

struct trib_source_task_context {
    char *connector;
    int task_id;
    trib_offset_store *offsets;
    trib_file_status *files;        /* NULL: no file status */
    atomic_bool stopping;
    trib_source_errant_fn report;   /* NULL: every report is fatal */
    void *report_opaque;
};

trib_source_task_context *trib_source_task_context_new(const char *connector, int task_id,
                                                       trib_offset_store *offsets) {
    trib_source_task_context *c = trib_xcalloc(1, sizeof *c);
    c->connector = trib_xstrdup(connector);
    c->task_id = task_id;
    c->offsets = offsets;
    atomic_init(&c->stopping, false);
    return c;
}

void trib_source_task_context_destroy(trib_source_task_context *c) {
    if (!c) return;
    free(c->connector);
    free(c);
}

void trib_source_task_context_set_stopping(trib_source_task_context *c, bool stopping) {
    atomic_store(&c->stopping, stopping);
}

json_t *trib_source_task_context_offset(trib_source_task_context *c, const json_t *partition) {
    if (!c->offsets) return NULL;
    return trib_offset_store_get(c->offsets, c->connector, partition);
}

void trib_source_task_context_set_file_status(trib_source_task_context *c, trib_file_status *files) {
    c->files = files;
}

int trib_source_task_context_put_file_status(trib_source_task_context *c, const char *file_id, const json_t *fields,
                                             trib_error *err) {
    return c->files ? trib_file_status_put(c->files, c->connector, file_id, fields, err) : 0;
}

json_t *trib_source_task_context_file_status(trib_source_task_context *c, const char *file_id) {
    return c->files ? trib_file_status_get(c->files, c->connector, file_id) : NULL;
}

bool trib_source_task_context_stopping(const trib_source_task_context *c) {
    return atomic_load(&((trib_source_task_context *)c)->stopping);
}

const char *trib_source_task_context_connector(const trib_source_task_context *c) {
    return c->connector;
}

int trib_source_task_context_task_id(const trib_source_task_context *c) {
    return c->task_id;
}

void trib_source_task_context_set_reporter(trib_source_task_context *c, trib_source_errant_fn fn,
                                           void *opaque) {
    c->report = fn;
    c->report_opaque = opaque;
}

int trib_source_task_context_report(trib_source_task_context *c, const void *raw, size_t len,
                                    const trib_header *headers, size_t nheaders, const trib_error *why) {
    if (!c->report) return -1;
    return c->report(c->report_opaque, raw, len, headers, nheaders, why);
}

/* ---- sink ---- */

struct trib_sink_task_context {
    char *connector;
    int task_id;
    atomic_bool stopping;
    atomic_bool commit_requested;
    trib_errant_record_fn reporter;
    void *reporter_opaque;
    trib_sink_request *reqs;
    size_t nreqs, capreqs;
};

trib_sink_task_context *trib_sink_task_context_new(const char *connector, int task_id) {
    trib_sink_task_context *c = trib_xcalloc(1, sizeof *c);
    c->connector = trib_xstrdup(connector);
    c->task_id = task_id;
    atomic_init(&c->stopping, false);
    atomic_init(&c->commit_requested, false);
    return c;
}

void trib_sink_task_context_destroy(trib_sink_task_context *c) {
    if (!c) return;
    trib_sink_requests_free(c->reqs, c->nreqs);
    free(c->connector);
    free(c);
}

void trib_sink_task_context_set_reporter(trib_sink_task_context *c, trib_errant_record_fn fn,
                                         void *opaque) {
    c->reporter = fn;
    c->reporter_opaque = opaque;
}

void trib_sink_task_context_set_stopping(trib_sink_task_context *c, bool stopping) {
    atomic_store(&c->stopping, stopping);
}

static void add_req(trib_sink_task_context *c, trib_sink_req_kind kind, const char *topic,
                    int32_t partition, int64_t offset) {
    if (c->nreqs == c->capreqs) {
        c->capreqs = c->capreqs ? c->capreqs * 2 : 8;
        c->reqs = trib_xrealloc(c->reqs, c->capreqs * sizeof *c->reqs);
    }
    trib_sink_request *r = &c->reqs[c->nreqs++];
    r->kind = kind;
    r->tp.topic = trib_xstrdup(topic);
    r->tp.partition = partition;
    r->tp.offset = offset;
}

void trib_sink_task_context_pause(trib_sink_task_context *c, const char *topic, int32_t partition) {
    add_req(c, TRIB_SINK_REQ_PAUSE, topic, partition, -1);
}

void trib_sink_task_context_resume(trib_sink_task_context *c, const char *topic, int32_t partition) {
    add_req(c, TRIB_SINK_REQ_RESUME, topic, partition, -1);
}

void trib_sink_task_context_seek(trib_sink_task_context *c, const char *topic, int32_t partition,
                                 int64_t offset) {
    add_req(c, TRIB_SINK_REQ_SEEK, topic, partition, offset);
}

void trib_sink_task_context_request_commit(trib_sink_task_context *c) {
    atomic_store(&c->commit_requested, true);
}

bool trib_sink_task_context_take_commit_request(trib_sink_task_context *c) {
    return atomic_exchange(&c->commit_requested, false);
}

int trib_sink_task_context_report(trib_sink_task_context *c, const trib_record *rec,
                                  const trib_error *why) {
    if (!c->reporter) return -1;  /* no DLQ wiring: behave as errors.tolerance=none */
    return c->reporter(c->reporter_opaque, rec, why);
}

bool trib_sink_task_context_stopping(const trib_sink_task_context *c) {
    return atomic_load(&((trib_sink_task_context *)c)->stopping);
}

const char *trib_sink_task_context_connector(const trib_sink_task_context *c) {
    return c->connector;
}

int trib_sink_task_context_task_id(const trib_sink_task_context *c) {
    return c->task_id;
}

trib_sink_request *trib_sink_task_context_take_requests(trib_sink_task_context *c, size_t *n) {
    trib_sink_request *r = c->reqs;
    *n = c->nreqs;
    c->reqs = NULL;
    c->nreqs = c->capreqs = 0;
    return r;
}

void trib_sink_requests_free(trib_sink_request *reqs, size_t n) {
    for (size_t i = 0; i < n; i++) free(reqs[i].tp.topic);
    free(reqs);
}
