/*
 * spooldir.h: the machinery the spool-directory connectors share
 * (jcustenborder's kafka-connect-spooldir, same class names and keys):
 * choosing files, claiming them through the offset store, resuming,
 * reporting bad input, and cleaning a file up only once everything read
 * from it is committed. A format (CSV, JSON, lines) is a spool_format: a
 * config table of its own keys and a reader that turns bytes into records.
 *
 * Claims without flag files: a task reads the files whose name hashes to its
 * task number (spooldir's ByName partitioner), so two tasks never read one
 * file and a dead worker leaves nothing stale behind. A file's source
 * partition is its identity, {"fileName", "size", "mtime"} (mtime in ns), so
 * a new file under a reused name is a new partition; the source offset is
 * {"offset": lines read, "position": byte after the last record, "rows",
 * "rejected", "eof", "started"/"updated" (ms), "errors": the first rejected
 * rows}: the file's progress, from which a task resumes. A file whose
 * committed offset says eof is done: it is moved or deleted
 * (cleanup.policy) only then, after a crash too.
 *
 * File status (GET .../files, worker/file_status.h): the task writes each
 * file's record as it moves: QUEUED when it first sees the file ready,
 * PROCESSING when it opens it and then at most once a second with bytes,
 * rows and rejected rows, FINISHED once its eof offset is committed,
 * FAILED when it goes to error.path.
 */
#ifndef TRIB_SPOOLDIR_SPOOLDIR_H
#define TRIB_SPOOLDIR_SPOOLDIR_H

#include <stdbool.h>
#include <stdint.h>

#include "connectors/spooldir/spool_fs.h"
#include "proto/schema_decl.h"
#include "transforms/java_regex.h"
#include "worker/connector.h"

typedef struct spool_task spool_task;

/* The file being read. Readers keep their own state in `reader`. */
typedef struct spool_file {
    char *name;
    int fd;
    int64_t size;
    int64_t mtime_ms;
    int64_t mtime_ns;
    char id[17];            /* spool_file_id: the key of its status */
    int64_t status_ms;      /* when its PROCESSING status was last written (mono ms) */
    json_t *partition;      /* identity; owned */
    int64_t position;       /* byte just after the last complete record */
    int64_t line;           /* lines consumed up to position */
    int64_t rows;           /* records emitted (before position) */
    int64_t rejected;       /* bad rows (before position) */
    int64_t start_ms;       /* when reading began (the first time, across restarts) */
    json_t *errors;         /* the first rejected rows [{line,column,field,reason}]; owned */
    trib_schema *value_schema;  /* the file's value schema (declared or inferred); owned ref */
    trib_schema *key_schema;    /* may be NULL */
    void *reader;
} spool_file;

typedef struct spool_format {
    const char *name;                  /* "CSV", for messages */
    const trib_config_def *config;     /* the format's own keys (after the common ones) */
    /* Does this format need a struct value schema (declared or generated)? */
    bool structured;
    /* Prepares f->reader for reading from f->position (0 or a committed
     * position; readers that need a header re-read it first). May set
     * f->value_schema when it infers one. */
    int (*open)(spool_task *t, spool_file *f, trib_error *err);
    /* Appends up to max records; sets *eof when the file is exhausted.
     * Updates position/line/rows/rejected. -1 on a fatal error (the file
     * goes to error.path). */
    int (*read)(spool_task *t, spool_file *f, trib_record_batch *out, int max, bool *eof, trib_error *err);
    void (*close)(spool_file *f);
} spool_format;

struct spool_task {
    const spool_format *fmt;
    trib_source_task_context *tctx;
    trib_config *cfg;
    char label[96];
    const char *topic;
    spool_dir input, finished, error;
    trib_jregex *pattern;    /* input.file.pattern */
    int64_t min_age_ms;
    int cleanup;             /* SPOOL_CLEANUP_* */
    bool halt_on_error;      /* applies under errors.tolerance=none only */
    int batch_size;
    int64_t empty_wait_ms;
    int ts_mode;             /* SPOOL_TS_* */
    const char *ts_field;
    trib_text_parser *parser;
    trib_schema *value_schema;   /* declared (value.schema), or NULL */
    trib_schema *key_schema;     /* declared (key.schema), or NULL */
    char *const *key_fields;     /* schema.generation.key.fields */
    size_t nkey_fields;
    bool generate;
    int task_id, ntasks;

    spool_file *cur;
    int64_t next_scan_ms;
    json_t *queued;          /* identities of waiting files whose QUEUED status is written */
    /* files read to the end, waiting for their last offset to commit */
    struct pending_file {
        char *name;
        json_t *partition;
        char id[17];
        json_t *done;   /* its FINISHED status fields, written once the eof offset is committed */
    } *pending;
    size_t npending;
    bool halted;
    char *halt_msg;
    struct spool_metrics_slot *metrics;   /* this task's figures for /metrics (spool_metrics.h) */
    /* the last rejection under errors.tolerance=none, for the error report */
    struct { int64_t line; int column; char field[128]; char reason[512]; bool set; } last_reject;
};

enum { SPOOL_CLEANUP_NONE, SPOOL_CLEANUP_DELETE, SPOOL_CLEANUP_MOVE, SPOOL_CLEANUP_MOVEBYDATE };
enum { SPOOL_TS_PROCESS, SPOOL_TS_FILE, SPOOL_TS_FIELD };

/* Keys every spool-directory connector has (SPOOL_BASE_ROWS) and those of
 * the formats that type their records (SPOOL_SCHEMA_ROWS): a format's
 * table is SPOOL_BASE_ROWS, [SPOOL_SCHEMA_ROWS,] its own rows,
 * TRIB_CONFIG_END. */
extern const char *const spool_cleanup_values[];
extern const char *const spool_ts_values[];
int spool_validate_charset(const trib_config_def *def, const char *value, trib_error *err);
#define SPOOL_BASE_ROWS \
    {.name = "topic", .type = TRIB_CFG_STRING, .importance = TRIB_IMP_HIGH, .non_empty = true, .group = "General", \
     .doc = "The Kafka topic to write the data to."}, \
    {.name = "input.path", .type = TRIB_CFG_STRING, .importance = TRIB_IMP_HIGH, .non_empty = true, .group = "File System", \
     .doc = "The directory to read files from. It must exist and be writable (files are moved or deleted from it)."}, \
    {.name = "finished.path", .type = TRIB_CFG_STRING, .optional = true, .importance = TRIB_IMP_HIGH, .group = "File System", \
     .doc = "The directory finished files are moved to (cleanup.policy MOVE or MOVEBYDATE); on the same file system as input.path."}, \
    {.name = "error.path", .type = TRIB_CFG_STRING, .importance = TRIB_IMP_HIGH, .non_empty = true, .group = "File System", \
     .doc = "The directory files that fail are moved to, each with a <name>.error.json report (line, column, reason)."}, \
    {.name = "input.file.pattern", .type = TRIB_CFG_STRING, .default_value = ".*", .importance = TRIB_IMP_HIGH, \
     .group = "File System", .doc = "Java regular expression a file name must match as a whole (Matcher.matches()). Names starting with '.' are never read."}, \
    {.name = "file.minimum.age.ms", .type = TRIB_CFG_LONG, .default_value = "0", .importance = TRIB_IMP_LOW, \
     .has_min = true, .min = 0, .group = "File System", \
     .doc = "How long since a file was last modified before it is read."}, \
    {.name = "cleanup.policy", .type = TRIB_CFG_STRING, .default_value = "MOVE", .importance = TRIB_IMP_MEDIUM, \
     .one_of = spool_cleanup_values, .group = "File System", \
     .doc = "What happens to a file once every record of it is in Kafka and its offset committed: NONE leaves it " \
            "(it is not read again), DELETE removes it, MOVE moves it to finished.path, MOVEBYDATE to finished.path/yyyy-MM-dd/."}, \
    {.name = "halt.on.error", .type = TRIB_CFG_BOOLEAN, .default_value = "true", .importance = TRIB_IMP_HIGH, .group = "General", \
     .doc = "With errors.tolerance=none, whether a file that fails stops the task (true) or the task goes on with the next file."}, \
    {.name = "batch.size", .type = TRIB_CFG_INT, .default_value = "1000", .importance = TRIB_IMP_LOW, .has_min = true, \
     .min = 1, .group = "General", .doc = "The number of records to return in a batch."}, \
    {.name = "empty.poll.wait.ms", .type = TRIB_CFG_LONG, .default_value = "500", .importance = TRIB_IMP_LOW, \
     .has_min = true, .min = 0, .group = "General", .doc = "How long to wait before looking for files again when none is ready."}, \
    {.name = "timestamp.mode", .type = TRIB_CFG_STRING, .default_value = "PROCESS_TIME", .importance = TRIB_IMP_MEDIUM, \
     .one_of = spool_ts_values, .group = "Timestamps", \
     .doc = "The Kafka timestamp of each record: FIELD (timestamp.field of the value), FILE_TIME (the file's modification time) or PROCESS_TIME (when it is sent)."}, \
    {.name = "timestamp.field", .type = TRIB_CFG_STRING, .optional = true, .importance = TRIB_IMP_MEDIUM, .group = "Timestamps", \
     .doc = "The Timestamp field of the value schema used as the record timestamp when timestamp.mode=FIELD."}
#define SPOOL_SCHEMA_ROWS \
    {.name = "parser.timestamp.date.formats", .type = TRIB_CFG_LIST, \
     .default_value = "yyyy-MM-dd'T'HH:mm:ss,yyyy-MM-dd' 'HH:mm:ss", .importance = TRIB_IMP_LOW, .group = "Timestamps", \
     .doc = "Java date patterns tried in order for Date and Timestamp fields (then ISO 8601 forms)."}, \
    {.name = "parser.timestamp.timezone", .type = TRIB_CFG_STRING, .default_value = "UTC", .importance = TRIB_IMP_LOW, \
     .group = "Timestamps", .doc = "The zone of dates without an offset: UTC or a fixed offset such as +02:00."}, \
    {.name = "key.schema", .type = TRIB_CFG_STRING, .optional = true, .importance = TRIB_IMP_HIGH, .group = "Schema", \
     .doc = "The key schema (Connect STRUCT JSON as spooldir takes it, Connect JsonConverter schema, or an Avro record); its fields are read from the columns of the same name."}, \
    {.name = "value.schema", .type = TRIB_CFG_STRING, .optional = true, .importance = TRIB_IMP_HIGH, .group = "Schema", \
     .doc = "The value schema (Connect STRUCT JSON as spooldir takes it, Connect JsonConverter schema, or an Avro record with logical types date, time-millis, timestamp-millis, decimal)."}, \
    {.name = "schema.generation.enabled", .type = TRIB_CFG_BOOLEAN, .default_value = "false", .importance = TRIB_IMP_MEDIUM, \
     .group = "Schema", .doc = "Infer the value schema of each file from its first 1000 rows (int64, float64, boolean, timestamp or string per column) when value.schema is not set."}, \
    {.name = "schema.generation.key.fields", .type = TRIB_CFG_LIST, .default_value = "", .importance = TRIB_IMP_MEDIUM, \
     .group = "Schema", .doc = "Value fields that make up the key (the primary key), when key.schema is not set."}

/* A new record for the current file with spooldir's file.* headers and
 * the record timestamp per timestamp.mode; value (and key) set by the
 * caller. line is the record's first line. */
trib_record *spool_record_new(spool_task *t, spool_file *f, int64_t line);

/* Reports a bad row (line, 1-based column or 0, reason; raw is the input
 * as read). Under errors.tolerance=all it goes to the DLQ, is counted in
 * f->rejected, and 0 is returned; otherwise -1 with err set: the caller
 * stops reading and the file goes to error.path with a report. */
int spool_reject(spool_task *t, spool_file *f, int64_t line, int column, const char *field, const char *reason,
                 const void *raw, size_t raw_len, trib_error *err);

/* Plugin parts the formats fill in (spooldir.c). */
void spool_validate(const trib_props *config, trib_config_report *report, const spool_format *fmt);
int spool_task_configs(void *ctx, const trib_props *config, int max_tasks, trib_props ***out, size_t *n,
                       trib_error *err);
int spool_start(const spool_format *fmt, const trib_props *config, trib_source_task_context *tctx, void **ctx,
                trib_error *err);
int spool_poll(void *ctx, trib_record_batch *out, trib_error *err);
int spool_commit(void *ctx, trib_error *err);
void spool_stop(void *ctx);

/* The bound value of a format key. */
static inline const trib_config *spool_cfg(const spool_task *t) {
    return t->cfg;
}

#endif
