/*
 * connector.h: the connector plugin kinds (Kafka Connect's SourceConnector /
 * SourceTask and SinkConnector / SinkTask) and the services the runtime
 * offers tasks through their contexts.
 *
 * A plugin is data plus a vtable: one static trib_connector_plugin per
 * connector, listed in the catalog of connectors/registry.c. Its code is in
 * the core or in a plugin module loaded on first use (common/module.h).
 *
 * Threads: a connector instance's callbacks run on the herder's thread; each
 * task instance runs on its own thread and its callbacks are never called
 * concurrently. Contexts are owned by the runtime and valid from start() to
 * stop(); tasks borrow them.
 *
 * Errors: a callback returns 0, or -1 with err filled. RETRIABLE/TIMEOUT
 * errors make the runtime retry the same call with backoff (bounded by
 * errors.retry.timeout); any other code fails the task with err->msg as its
 * trace.
 */
#ifndef TRIB_WORKER_CONNECTOR_H
#define TRIB_WORKER_CONNECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "common/error.h"
#include "common/props.h"
#include "config/config.h"
#include "proto/data.h"

typedef enum trib_connector_kind {
    TRIB_CONNECTOR_SOURCE,
    TRIB_CONNECTOR_SINK,
} trib_connector_kind;

typedef struct trib_topic_partition {
    char *topic;
    int32_t partition;
    int64_t offset;    /* meaning depends on the call; -1 when unused */
} trib_topic_partition;

/* ---- contexts (implemented by the worker runtime) ------------------------ */

typedef struct trib_connector_context trib_connector_context;
typedef struct trib_source_task_context trib_source_task_context;
typedef struct trib_sink_task_context trib_sink_task_context;

/* Asks the runtime to call task_configs() again and restart tasks whose
 * configs changed (e.g. a database source found a new table). Thread-safe. */
void trib_connector_context_request_reconfiguration(trib_connector_context *cctx);
/* Fails the connector with a message (it shows as FAILED with this trace). */
void trib_connector_context_raise_error(trib_connector_context *cctx, const char *msg);
/* The connector's name (tenant-qualified in multi-tenant use). Borrowed. */
const char *trib_connector_context_name(const trib_connector_context *cctx);

/* The last committed offset for a source partition (Connect's
 * OffsetStorageReader.offset): a new reference the task owns, or NULL. */
json_t *trib_source_task_context_offset(trib_source_task_context *tctx, const json_t *partition);
/* True once the runtime wants the task to stop: a poll() that waits for data
 * must check it at least every 100 ms. */
bool trib_source_task_context_stopping(const trib_source_task_context *tctx);
const char *trib_source_task_context_connector(const trib_source_task_context *tctx);
int trib_source_task_context_task_id(const trib_source_task_context *tctx);
/* Reports one piece of input the task could not turn into a record (a
 * source's ErrantRecordReporter; e.g. a CSV row that does not parse). With
 * errors.tolerance=all, raw (the input as read) goes to the dead letter
 * queue with the given headers plus Connect's error headers, and 0 is
 * returned; with errors.tolerance=none (or no runtime to report to) -1 is
 * returned and the task decides what failing means. Borrows everything. */
int trib_source_task_context_report(trib_source_task_context *tctx, const void *raw, size_t len,
                                    const trib_header *headers, size_t nheaders, const trib_error *why);

/* The status of a file the task reads (spool-directory connectors;
 * worker/file_status.h): put merges fields (borrowed) into the file's
 * record under the task's connector and writes it where every worker reads
 * it; get returns a copy of the record or NULL. Without a store (a context
 * made by a test), put is a no-op returning 0 and get returns NULL. */
int trib_source_task_context_put_file_status(trib_source_task_context *tctx, const char *file_id,
                                             const json_t *fields, trib_error *err);
json_t *trib_source_task_context_file_status(trib_source_task_context *tctx, const char *file_id);

/* Sink task services (Connect's SinkTaskContext). Call only from the task's
 * own callbacks. */
void trib_sink_task_context_pause(trib_sink_task_context *tctx, const char *topic, int32_t partition);
void trib_sink_task_context_resume(trib_sink_task_context *tctx, const char *topic, int32_t partition);
/* Rewinds or advances a partition: the next record delivered is at offset.
 * Exactly-once sinks call this from open() with the offsets they stored. */
void trib_sink_task_context_seek(trib_sink_task_context *tctx, const char *topic, int32_t partition,
                                 int64_t offset);
/* Asks for a flush and offset commit as soon as possible. */
void trib_sink_task_context_request_commit(trib_sink_task_context *tctx);
/* Reports one record that put() could not write (Connect's
 * ErrantRecordReporter): with errors.tolerance=all it goes to the dead
 * letter queue with error headers and 0 is returned, so the task can carry
 * on without it; with errors.tolerance=none -1 is returned and the task
 * should fail with err. */
int trib_sink_task_context_report(trib_sink_task_context *tctx, const trib_record *rec,
                                  const trib_error *why);
bool trib_sink_task_context_stopping(const trib_sink_task_context *tctx);
const char *trib_sink_task_context_connector(const trib_sink_task_context *tctx);
int trib_sink_task_context_task_id(const trib_sink_task_context *tctx);

/* ---- plugin vtables ------------------------------------------------------------ */

typedef struct trib_source_task_ops {
    /* config is this task's config (from task_configs) merged over the connector's. */
    int (*start)(const trib_props *config, trib_source_task_context *tctx, void **ctx, trib_error *err);
    /* Appends zero or more records to out (the runtime owns them after the
     * call). Returning with none means "nothing now": block up to ~100 ms
     * waiting for data rather than spinning. A task that wants to resume
     * gives records their source_partition and source_offset. A record may
     * carry neither: the runtime commits a position only once every record
     * before it is in Kafka, so the offset of a later record of the same
     * source partition covers it. High-volume sources put the offset on the
     * last record of each source partition in a batch only, saving an
     * offset object per record; the price is that after a failed delivery
     * the task resumes from the start of that batch (at-least-once, as
     * after a crash). A record whose topic is NULL is an offset marker:
     * nothing is produced, and its source offset commits in order with the
     * records around it (a source whose last input was rejected or empty
     * still moves its position on). */
    int (*poll)(void *ctx, trib_record_batch *out, trib_error *err);
    /* Optional: called after source offsets were committed (after each
     * offset flush; in exactly-once mode after each transaction). The
     * offsets committed are what trib_source_task_context_offset reads
     * (Connect's commit()). */
    int (*commit)(void *ctx, trib_error *err);
    void (*stop)(void *ctx);  /* frees ctx; must not block long */
} trib_source_task_ops;

typedef struct trib_sink_task_ops {
    int (*start)(const trib_props *config, trib_sink_task_context *tctx, void **ctx, trib_error *err);
    /* Partitions assigned (offset unused). Optional. */
    int (*open)(void *ctx, const trib_topic_partition *tps, size_t n, trib_error *err);
    /* Partitions revoked: write or drop anything buffered for them. Optional. */
    int (*close)(void *ctx, const trib_topic_partition *tps, size_t n, trib_error *err);
    /* Records after converters and transforms, borrowed for the call. A sink
     * may buffer them (copying what it keeps) and write on flush. */
    int (*put)(void *ctx, trib_record *const *records, size_t n, trib_error *err);
    /* Make everything put so far durable. offsets are the next offsets to
     * consume per partition; the runtime commits them to the consumer group
     * only after flush returns 0. Optional (then put must be durable). */
    int (*flush)(void *ctx, const trib_topic_partition *offsets, size_t n, trib_error *err);
    void (*stop)(void *ctx);
} trib_sink_task_ops;

typedef struct trib_connector_plugin {
    const char *class_name;   /* e.g. "org.apache.kafka.connect.file.FileStreamSourceConnector" */
    const char *alias;        /* e.g. "FileStreamSource" */
    const char *version;
    trib_connector_kind kind;
    const char *doc;
    /* The connector's own keys (Connect's common keys name, connector.class,
     * tasks.max, topics, key.converter, transforms, errors.* are checked by
     * the runtime and need not be listed). */
    const trib_config_def *config;

    /* Optional cross-field checks beyond the table; add errors to report. */
    void (*validate)(const trib_props *config, trib_config_report *report);

    /* Connector instance (optional: NULL start means a stateless connector
     * whose task_configs gets ctx == NULL). */
    int (*start)(const trib_props *config, trib_connector_context *cctx, void **ctx, trib_error *err);
    /* Up to max_tasks task configs: a malloc'd array of new props the caller
     * owns. Each is merged over the connector config for its task. */
    int (*task_configs)(void *ctx, const trib_props *config, int max_tasks,
                        trib_props ***out, size_t *n, trib_error *err);
    void (*stop)(void *ctx);

    const trib_source_task_ops *source;  /* set for SOURCE */
    const trib_sink_task_ops *sink;      /* set for SINK */
} trib_connector_plugin;

/* ---- catalog (connectors/registry.c) ---------------------------------------- */

/* What the core knows about a plugin without loading its code. */
typedef struct trib_connector_info {
    const char *class_name;
    const char *alias;
    const char *version;
    trib_connector_kind kind;
    const char *module;                    /* plugin module holding it ("postgres"); NULL: in the core */
    const trib_connector_plugin *builtin;  /* the plugin, when module is NULL */
} trib_connector_info;

/* A key of another product's connector that the Tributary plugin serving
 * its class does not honour: accepted is the NULL-terminated list of values
 * that match what Tributary does anyway (case-insensitive), NULL when no
 * value is honoured. Validation names the key when its value is not
 * accepted. */
typedef struct trib_foreign_key {
    const char *key;
    const char *const *accepted;
} trib_foreign_key;

/* Another product's connector class served by one of Tributary's plugins
 * (Confluent's JdbcSinkConnector by PostgresSink), so its configs are
 * accepted unchanged by class name. */
typedef struct trib_foreign_class {
    const char *class_name;
    const char *served_by;                 /* a catalog class name */
    const trib_foreign_key *unsupported;   /* ends with {NULL, NULL} */
} trib_foreign_class;

/* The foreign class a name (its full or simple class name) stands for, or
 * NULL. trib_connector_lookup resolves such names to the serving plugin. */
const trib_foreign_class *trib_connector_foreign(const char *name);

/* The catalog entry for a class name or alias (the trailing "Connector" of
 * a class's simple name may be dropped, as in Connect: "FileStreamSource" ==
 * "FileStreamSourceConnector"), or NULL. Loads nothing. */
const trib_connector_info *trib_connector_lookup(const char *name);
/* Every catalog entry; the array ends with an entry whose class_name is NULL. */
const trib_connector_info *trib_connectors_all(void);

/* The plugin of a catalog entry, loading its module on first use. NULL with
 * err FATAL naming the class and the module (the paths searched, or why the
 * file found could not be loaded) when the module is unusable. */
const trib_connector_plugin *trib_connector_info_load(const trib_connector_info *info, trib_error *err);
/* trib_connector_lookup + trib_connector_info_load; an unknown name is
 * NOT_FOUND ("Class X could not be found."). The plugin is borrowed for the
 * life of the process. */
const trib_connector_plugin *trib_connector_load(const char *name, trib_error *err);
/* trib_connector_load without the error, for callers that only need the
 * plugin when it is usable. */
const trib_connector_plugin *trib_connector_find(const char *name);

#endif
