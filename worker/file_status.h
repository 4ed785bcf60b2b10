/*
 * file_status.h: the status of each file a spool-directory connector was
 * given or read (GET /connectors/{c}/files, docs/connectors/spooldir.md),
 * kept where every worker reads it and a restart keeps it.
 *
 * Distributed mode: records in a compacted topic of their own
 * (file.status.storage.topic), written by the worker that accepted an
 * upload and by the task reading the file, read by every worker through a
 * trib_kafka_log (the same pattern as status_store.c). Standalone mode: the
 * same records in a JSON file beside the offsets
 * (file.status.storage.file.filename), as standalone keeps its offsets.
 *
 * A record's key is "file-<id>-<connector>" (the id is 16 hex digits of
 * the file's identity, so the key splits back); its value a JSON object:
 *   {"connector","id","name","size","mtime" (ns),"state",
 *    "sha256","upload_ms","uploaded_at", "queued_at","started","updated",
 *    "finished_at", "bytes_done","rows","rejected","errors":[...],"reason",
 *    "worker_id"}
 * state is UPLOADED < QUEUED < PROCESSING < FINISHED | FAILED. Writers send
 * the whole record; readers merge a record into what they hold so a state
 * never goes back (an upload's UPLOADED record arriving after the task's
 * PROCESSING only adds its sha256 and timings). A record that is not such
 * an object (a hostile or broken write to the topic) is skipped.
 *
 * History is bounded: once a connector has more than `history`
 * (tributary.file.status.history) FINISHED or FAILED files, the oldest of
 * them are tombstoned by the worker that wrote the newest. Files waiting
 * or in progress are never dropped.
 */
#ifndef TRIB_WORKER_FILE_STATUS_H
#define TRIB_WORKER_FILE_STATUS_H

#include <jansson.h>

#include "common/error.h"
#include "common/props.h"

typedef struct trib_file_status trib_file_status;

/* Distributed mode: creates the topic if missing (compacted), reads it to
 * the end, and follows it. */
trib_file_status *trib_file_status_start_kafka(const trib_props *worker_props, const char *topic, int partitions,
                                               int replication_factor, const char *worker_id, int history,
                                               trib_error *err);
/* Standalone mode: loads path (missing = empty); every write replaces it
 * atomically. A file that is not a JSON object is an error, as for the
 * offsets file; entries in it that are not valid records are skipped. */
trib_file_status *trib_file_status_open_file(const char *path, const char *worker_id, int history, trib_error *err);
void trib_file_status_destroy(trib_file_status *s);   /* NULL-safe */

/* Merges fields (borrowed; any of the value's fields but connector and id)
 * into the file's record and writes the whole record. -1 with err when the
 * write failed (the local view has it anyway). */
int trib_file_status_put(trib_file_status *s, const char *connector, const char *id, const json_t *fields,
                         trib_error *err);

/* A copy of the record, or NULL. */
json_t *trib_file_status_get(trib_file_status *s, const char *connector, const char *id);
/* Copies of the connector's records, newest first (by upload, queue or start time). */
json_t *trib_file_status_list(trib_file_status *s, const char *connector);
/* Tombstones every record of the connector (it was deleted). */
void trib_file_status_remove_connector(trib_file_status *s, const char *connector);

/* Is state one of the five? */
bool trib_file_status_state_valid(const char *state);

#endif
