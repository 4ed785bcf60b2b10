/*
 * task_context.h: the runtime side of the contexts declared in
 * worker/connector.h. The task loops create one per task; tests create them
 * directly to drive a connector's task without a whole worker.
 *
 * A sink context only records what the task asked for (pauses, resumes,
 * seeks, commit requests); the sink loop applies them to the consumer after
 * each callback returns, as Connect's WorkerSinkTaskContext does, because
 * librdkafka calls must happen on the loop's thread.
 */
#ifndef TRIB_WORKER_TASK_CONTEXT_H
#define TRIB_WORKER_TASK_CONTEXT_H

#include "worker/connector.h"
#include "worker/offset_store.h"

/* ---- connector context ---- */
trib_connector_context *trib_connector_context_new(const char *connector);
void trib_connector_context_destroy(trib_connector_context *c);
/* Returns and clears the reconfiguration request flag. */
bool trib_connector_context_take_reconfiguration(trib_connector_context *c);
/* The raised error message, or NULL (borrowed). */
const char *trib_connector_context_error(const trib_connector_context *c);

/* ---- source task context ---- */
/* Borrows offsets (must outlive the context). */
trib_source_task_context *trib_source_task_context_new(const char *connector, int task_id,
                                                       trib_offset_store *offsets);
void trib_source_task_context_destroy(trib_source_task_context *c);
void trib_source_task_context_set_stopping(trib_source_task_context *c, bool stopping);
/* Borrows files (must outlive the context; NULL: no file status). */
struct trib_file_status;
void trib_source_task_context_set_file_status(trib_source_task_context *c, struct trib_file_status *files);
/* What trib_source_task_context_report calls: 0 when the input was
 * tolerated (sent to the DLQ), -1 when the task must treat it as fatal. */
typedef int (*trib_source_errant_fn)(void *opaque, const void *raw, size_t len, const trib_header *headers,
                                     size_t nheaders, const trib_error *why);
void trib_source_task_context_set_reporter(trib_source_task_context *c, trib_source_errant_fn fn,
                                           void *opaque);

/* ---- sink task context ---- */
/* Called by trib_sink_task_context_report; returns 0 if the record was
 * tolerated (sent to the DLQ), -1 if the task must fail. */
typedef int (*trib_errant_record_fn)(void *opaque, const trib_record *rec, const trib_error *why);

trib_sink_task_context *trib_sink_task_context_new(const char *connector, int task_id);
void trib_sink_task_context_destroy(trib_sink_task_context *c);
void trib_sink_task_context_set_reporter(trib_sink_task_context *c, trib_errant_record_fn fn,
                                         void *opaque);
void trib_sink_task_context_set_stopping(trib_sink_task_context *c, bool stopping);

typedef enum { TRIB_SINK_REQ_PAUSE, TRIB_SINK_REQ_RESUME, TRIB_SINK_REQ_SEEK } trib_sink_req_kind;
typedef struct trib_sink_request {
    trib_sink_req_kind kind;
    trib_topic_partition tp;   /* offset used by SEEK */
} trib_sink_request;

/* Moves the pending requests out (caller frees with trib_sink_requests_free). */
trib_sink_request *trib_sink_task_context_take_requests(trib_sink_task_context *c, size_t *n);
void trib_sink_requests_free(trib_sink_request *reqs, size_t n);
/* Returns and clears the commit request flag. */
bool trib_sink_task_context_take_commit_request(trib_sink_task_context *c);

#endif
