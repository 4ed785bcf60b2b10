/*
 * test_spool_metrics.c: the SpoolDir file figures behind /metrics
 * (connectors/spooldir/spool_metrics.h): a file's progress shows in its
 * connector's totals while it is read and stays there when it is done; a
 * file resumed at a committed offset counts only what this process read;
 * a failed file counts as failed with what was reported before it failed;
 * a closed task's current file leaves the per-file rows but not the totals.
 */
#include "tests/tap.h"

#include <string.h>

#include "common/time.h"
#include "connectors/spooldir/spool_metrics.h"

typedef struct seen {
    spool_metrics_totals tot;   /* of connector "c" */
    int files;                  /* per-file rows of "c" */
    spool_metrics_file file;   /* .file is not kept */
    char name[64];             /* a copy of it */
} seen;

static void on_totals(const spool_metrics_totals *t, void *opaque) {
    seen *s = opaque;
    if (strcmp(t->connector, "c") == 0) s->tot = *t;
}

static void on_file(const spool_metrics_file *f, void *opaque) {
    seen *s = opaque;
    if (strcmp(f->connector, "c") != 0) return;
    s->files++;
    s->file = *f;
    snprintf(s->name, sizeof s->name, "%s", f->file);
    s->file.file = NULL;   /* the registry's string: valid during the visit only */
}

static seen look(void) {
    seen s;
    memset(&s, 0, sizeof s);
    spool_metrics_visit(on_totals, on_file, &s);
    return s;
}

int main(void) {
    plan(15);
    spool_metrics_slot *slot = spool_metrics_open("c", 0);
    seen s = look();
    is_int((long long)s.tot.files_finished + (long long)s.tot.rows + s.files, 0,
           "a connector's totals exist at 0 before its first file, with no file row");

    spool_file f;
    memset(&f, 0, sizeof f);
    f.name = "a.csv";
    f.size = 1000;
    f.start_ms = trib_now_ms() - 1500;
    spool_metrics_begin(slot, &f);
    f.position = 400, f.rows = 10, f.rejected = 1;
    spool_metrics_progress(slot, &f);
    s = look();
    is_int(s.files, 1, "the file being read has a row");
    is_str(s.name, "a.csv", "named after the file");
    is_int(s.file.position, 400, "with its position");
    is_int((long long)s.tot.rows, 10, "the totals count its rows as they are read");
    f.position = 1000, f.rows = 25, f.rejected = 2;
    spool_metrics_progress(slot, &f);
    spool_metrics_done(slot, &f, false);
    s = look();
    is_int(s.files, 0, "a finished file has no row any more");
    is_int((long long)(s.tot.files_finished * 1000000 + s.tot.rows * 1000 + s.tot.rejected), 1025002,
           "1 finished file, 25 rows, 2 rejected in the totals");
    is_int((long long)s.tot.bytes, 1000, "and its 1000 bytes");
    ok(s.tot.seconds >= 1.4 && s.tot.seconds < 60, "and its reading time (%.3f s)", s.tot.seconds);

    /* resumed at a committed offset: only what this process reads counts */
    f.name = "b.csv";
    f.size = 500;
    f.position = 200, f.rows = 50, f.rejected = 0;
    spool_metrics_begin(slot, &f);
    f.position = 300, f.rows = 60;
    spool_metrics_progress(slot, &f);
    s = look();
    is_int((long long)(s.tot.rows * 10000 + s.tot.bytes), 351100, "a resumed file adds 10 rows and 100 bytes, not 60/300");
    is_int(s.file.rows, 60, "while its own row shows all 60 of its rows");

    /* failed: counted as failed with what was reported */
    f.position = 450, f.rows = 70;   /* read but never reported: the batch is dropped */
    spool_metrics_done(slot, &f, true);
    s = look();
    is_int((long long)(s.tot.files_failed * 10000 + s.tot.rows), 10035, "a failed file counts as failed, with its reported rows");
    is_int((long long)s.tot.files_finished, 1, "and not as finished");

    /* a task that stops mid-file keeps the totals and drops the row */
    f.name = "c.csv";
    f.position = 0, f.rows = 0;
    spool_metrics_begin(slot, &f);
    f.position = 100, f.rows = 5;
    spool_metrics_progress(slot, &f);
    spool_metrics_close(slot);
    s = look();
    is_int(s.files, 0, "a stopped task's file row is gone");
    is_int((long long)s.tot.rows, 40, "its rows so far stay in the totals (35 + 5)");
    return exit_status();
}
