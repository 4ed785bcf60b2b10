/*
 * spool_metrics.c: the registry behind spool_metrics.h. Two lists under
 * one mutex: the connectors' totals (kept for the life of the process, as
 * Prometheus counters must not go back) and the tasks' slots with the file
 * each reads now. A slot's progress is counted from where its file was
 * when reading began, so a resumed file does not count twice.
 */
#include "connectors/spooldir/spool_metrics.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/time.h"
#include "common/util.h"

typedef struct totals {
    spool_metrics_totals t;
    char *connector;
    struct totals *next;
} totals;

struct spool_metrics_slot {
    char *connector;
    int task;
    totals *tot;              /* the connector's (never freed) */
    bool active;              /* a file is being read */
    char *file;
    int64_t size, position, rows, rejected;
    int64_t base_position, base_rows, base_rejected;   /* at begin */
    spool_metrics_slot *prev, *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static totals *all_totals;
static spool_metrics_slot *slots;

static totals *totals_for(const char *connector) {
    for (totals *t = all_totals; t; t = t->next)
        if (strcmp(t->connector, connector) == 0) return t;
    totals *t = trib_xcalloc(1, sizeof *t);
    t->connector = trib_xstrdup(connector);
    t->t.connector = t->connector;
    t->next = all_totals;
    all_totals = t;
    return t;
}

spool_metrics_slot *spool_metrics_open(const char *connector, int task) {
    spool_metrics_slot *s = trib_xcalloc(1, sizeof *s);
    s->connector = trib_xstrdup(connector);
    s->task = task;
    pthread_mutex_lock(&lock);
    s->tot = totals_for(connector);
    s->next = slots;
    if (slots) slots->prev = s;
    slots = s;
    pthread_mutex_unlock(&lock);
    return s;
}

void spool_metrics_close(spool_metrics_slot *s) {
    if (!s) return;
    pthread_mutex_lock(&lock);
    if (s->prev) s->prev->next = s->next;
    else slots = s->next;
    if (s->next) s->next->prev = s->prev;
    /* what the current file read so far is not lost from the totals */
    if (s->active) {
        s->tot->t.rows += (uint64_t)(s->rows - s->base_rows);
        s->tot->t.rejected += (uint64_t)(s->rejected - s->base_rejected);
        s->tot->t.bytes += (uint64_t)(s->position - s->base_position);
    }
    pthread_mutex_unlock(&lock);
    free(s->file);
    free(s->connector);
    free(s);
}

void spool_metrics_begin(spool_metrics_slot *s, const spool_file *f) {
    if (!s) return;
    pthread_mutex_lock(&lock);
    free(s->file);
    s->file = trib_xstrdup(f->name);
    s->active = true;
    s->size = f->size;
    s->position = s->base_position = f->position;
    s->rows = s->base_rows = f->rows;
    s->rejected = s->base_rejected = f->rejected;
    pthread_mutex_unlock(&lock);
}

void spool_metrics_progress(spool_metrics_slot *s, const spool_file *f) {
    if (!s || !s->active) return;
    pthread_mutex_lock(&lock);
    s->position = f->position;
    s->rows = f->rows;
    s->rejected = f->rejected;
    pthread_mutex_unlock(&lock);
}

void spool_metrics_done(spool_metrics_slot *s, const spool_file *f, bool failed) {
    if (!s) return;
    pthread_mutex_lock(&lock);
    spool_metrics_totals *t = &s->tot->t;
    if (s->active && strcmp(s->file, f->name) == 0) {
        t->rows += (uint64_t)(s->rows - s->base_rows);
        t->rejected += (uint64_t)(s->rejected - s->base_rejected);
        t->bytes += (uint64_t)(s->position - s->base_position);
        s->active = false;
    }
    if (failed) {
        t->files_failed++;
    } else {
        t->files_finished++;
        int64_t ms = trib_now_ms() - f->start_ms;
        if (ms > 0) t->seconds += (double)ms / 1000.0;
    }
    pthread_mutex_unlock(&lock);
}

void spool_metrics_visit(void (*totals_fn)(const spool_metrics_totals *t, void *opaque),
                         void (*file_fn)(const spool_metrics_file *f, void *opaque), void *opaque) {
    pthread_mutex_lock(&lock);
    for (totals *t = all_totals; t; t = t->next) {
        spool_metrics_totals sum = t->t;
        for (spool_metrics_slot *s = slots; s; s = s->next) {
            if (s->tot != t || !s->active) continue;
            sum.rows += (uint64_t)(s->rows - s->base_rows);
            sum.rejected += (uint64_t)(s->rejected - s->base_rejected);
            sum.bytes += (uint64_t)(s->position - s->base_position);
        }
        totals_fn(&sum, opaque);
    }
    for (spool_metrics_slot *s = slots; s; s = s->next) {
        if (!s->active) continue;
        spool_metrics_file f = {s->connector, s->file, s->task, s->size, s->position, s->rows, s->rejected};
        file_fn(&f, opaque);
    }
    pthread_mutex_unlock(&lock);
}
