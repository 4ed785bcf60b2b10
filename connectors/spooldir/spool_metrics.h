/*
 * spool_metrics.h: ingestion figures of the spool-directory connectors
 * (spooldir.c) for GET /metrics (metrics/render.c, docs/metrics.md):
 * per connector, files read to the end or failed, rows emitted and
 * rejected, bytes read and processing time, since the worker started; and
 * per task, the file being read now (its size, position and rows).
 *
 * Cost: a task touches the registry's mutex once per poll batch (and once
 * per file), never per row: the figures are copied from the spool_file the
 * task already keeps. Counts cover what this process read: a file resumed
 * at a committed offset counts from there.
 */
#ifndef TRIB_SPOOLDIR_SPOOL_METRICS_H
#define TRIB_SPOOLDIR_SPOOL_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "connectors/spooldir/spooldir.h"

typedef struct spool_metrics_slot spool_metrics_slot;

/* The slot of one task (connector is the full name; copied). The
 * connector's totals exist from then on (at 0), so its counters are
 * exported before the first file. */
spool_metrics_slot *spool_metrics_open(const char *connector, int task);
/* Removes the task's current-file figures; the totals stay. NULL-safe. */
void spool_metrics_close(spool_metrics_slot *s);

/* f (borrowed) becomes the file being read, from its restored position. */
void spool_metrics_begin(spool_metrics_slot *s, const spool_file *f);
/* After a batch: f's position, rows and rejected rows now. */
void spool_metrics_progress(spool_metrics_slot *s, const spool_file *f);
/* f was read to the end (failed false) or moved to error.path (true):
 * its figures fold into the connector's totals, and it is no longer the
 * current file. A failed file counts what was reported before it failed. */
void spool_metrics_done(spool_metrics_slot *s, const spool_file *f, bool failed);

/* ---- reading ------------------------------------------------------------ */

typedef struct spool_metrics_totals {
    const char *connector;
    uint64_t files_finished, files_failed;
    uint64_t rows, rejected, bytes;
    double seconds;   /* reading time of the finished files (first row to end of file) */
} spool_metrics_totals;

typedef struct spool_metrics_file {
    const char *connector, *file;
    int task;
    int64_t size, position, rows, rejected;
} spool_metrics_file;

/* Calls totals_fn per connector (current files' progress included) and
 * file_fn per file being read, under the registry lock: the callbacks must
 * not call the registry and must copy what they keep. */
void spool_metrics_visit(void (*totals_fn)(const spool_metrics_totals *t, void *opaque),
                         void (*file_fn)(const spool_metrics_file *f, void *opaque), void *opaque);

#endif
