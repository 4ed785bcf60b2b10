/*
 * datagen.c: DataGen (io.tributary.connect.datagen.DataGenConnector), a
 * deterministic record generator for demos, tests and benchmarks.
 *
 * Every record is a pure function of (seed, task index, number of tasks,
 * seq), so two runs with the same config produce identical records, and a
 * task restarted from its committed offset continues exactly where it left
 * off without repeats. Each task owns source partition {"task": <index>}
 * and commits offset {"seq": <next seq>}.
 *
 * Keys (key.shape): none; sequence, an INT64 equal to the record's id
 * (task + seq * tasks, so ids interleave and are unique across tasks: with
 * count=N they are exactly 0..N-1); string, "<task>-<seq>".
 *
 * count is split evenly: task i of n produces count/n records, plus one
 * more when i < count % n. rate limits each task with a token bucket on the
 * monotonic clock (0 = as fast as possible). When a task has produced its
 * share, poll() returns nothing and waits (bounded, watching stopping).
 *
 * Event times in the values derive from the id (2024-01-01T00:00:00Z plus
 * one second per id) unless value.timestamp=now. The Kafka record timestamp
 * is left to the producer (wall clock), so brokers' time-based retention
 * does not delete freshly generated data.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "common/time.h"
#include "common/util.h"
#include "connectors/datagen/shapes.h"
#include "connectors/datagen/token_bucket.h"
#include "worker/connector.h"

#define FAC "connector.datagen"
#define WAIT_MS 100
/* Task config keys set by task_configs (not user settings). */
#define TASK_INDEX_KEY "datagen.task.index"
#define TASK_TOTAL_KEY "datagen.task.total"

static const char *const key_shapes[] = {"none", "sequence", "string", NULL};
static const char *const timestamp_modes[] = {"derived", "now", NULL};

static int validate_topic(const trib_config_def *def, const char *value, trib_error *err) {
    (void)def;
    if (strchr(value, ','))
        return trib_error_set(err, TRIB_ERR_INVALID, "DataGen writes to a single topic, not a list");
    return 0;
}

static const trib_config_def datagen_config[] = {
    {.name = "topic", .type = TRIB_CFG_STRING, .importance = TRIB_IMP_HIGH, .non_empty = true,
     .validate = validate_topic, .doc = "The topic to publish generated records to"},
    {.name = "rate", .type = TRIB_CFG_DOUBLE, .default_value = "0", .importance = TRIB_IMP_MEDIUM,
     .has_min = true, .min = 0,
     .doc = "Records per second per task; 0 generates as fast as possible"},
    {.name = "count", .type = TRIB_CFG_LONG, .default_value = "-1", .importance = TRIB_IMP_MEDIUM,
     .has_min = true, .min = -1,
     .doc = "Records to generate in total across all tasks (split evenly); -1 for no limit"},
    {.name = "seed", .type = TRIB_CFG_LONG, .default_value = "42", .importance = TRIB_IMP_MEDIUM,
     .doc = "Seed of the generator: the same seed gives the same records"},
    {.name = "key.shape", .type = TRIB_CFG_STRING, .default_value = "none", .importance = TRIB_IMP_MEDIUM,
     .one_of = key_shapes,
     .doc = "Record keys: none (null keys), sequence (an INT64 unique across tasks) or string "
            "(\"<task>-<seq>\")"},
    {.name = "value.shape", .type = TRIB_CFG_STRING, .default_value = "orders", .importance = TRIB_IMP_HIGH,
     .one_of = trib_datagen_shape_names,
     .doc = "Record values: orders (10-field struct of every common type), wide (50-field struct), "
            "users, pageviews (Confluent datagen quickstart shapes) or string"},
    {.name = "value.schema.name", .type = TRIB_CFG_STRING, .optional = true, .importance = TRIB_IMP_LOW,
     .doc = "Name of the value schema; defaults to the shape's (io.tributary.datagen.Order, ...)"},
    {.name = "value.timestamp", .type = TRIB_CFG_STRING, .default_value = "derived",
     .importance = TRIB_IMP_LOW, .one_of = timestamp_modes,
     .doc = "Event times inside values: derived (from the sequence, reproducible) or now (wall clock)"},
    {.name = "batch.size", .type = TRIB_CFG_INT, .default_value = "1000", .importance = TRIB_IMP_LOW,
     .has_min = true, .min = 1, .doc = "Most records returned by one poll"},
    TRIB_CONFIG_END,
};

/* Task-only keys, bound separately so they never show in the plugin's config. */
static const trib_config_def task_config[] = {
    {.name = TASK_INDEX_KEY, .type = TRIB_CFG_INT, .optional = true, .has_min = true, .min = 0,
     .importance = TRIB_IMP_LOW, .doc = "This task's index (set by the connector)"},
    {.name = TASK_TOTAL_KEY, .type = TRIB_CFG_INT, .optional = true, .has_min = true, .min = 1,
     .importance = TRIB_IMP_LOW, .doc = "Number of tasks (set by the connector)"},
    TRIB_CONFIG_END,
};

static int datagen_task_configs(void *ctx, const trib_props *config, int max_tasks, trib_props ***out,
                                size_t *n, trib_error *err) {
    (void)ctx;
    if (max_tasks < 1) return trib_error_set(err, TRIB_ERR_INVALID, "tasks.max must be at least 1");
    *out = trib_xmalloc((size_t)max_tasks * sizeof **out);
    for (int i = 0; i < max_tasks; i++) {
        trib_props *p = config ? trib_props_clone(config) : trib_props_new();
        char buf[16];
        snprintf(buf, sizeof buf, "%d", i);
        trib_props_set(p, TASK_INDEX_KEY, buf);
        snprintf(buf, sizeof buf, "%d", max_tasks);
        trib_props_set(p, TASK_TOTAL_KEY, buf);
        (*out)[i] = p;
    }
    *n = (size_t)max_tasks;
    return 0;
}

/* ---- task ---------------------------------------------------------------- */

typedef struct datagen_task {
    trib_source_task_context *tctx;
    trib_config *cfg;
    const char *topic;
    const trib_datagen_shape *shape;
    trib_schema *value_schema;
    trib_schema *key_schema;     /* NULL for key.shape=none */
    enum { KEY_NONE, KEY_SEQUENCE, KEY_STRING } key_shape;
    bool wall_clock;
    int64_t seed;
    int32_t index, total;
    int64_t limit;               /* this task's share of count, -1 = unlimited */
    int64_t next_seq;
    int batch_size;
    bool limited;                /* rate > 0 */
    trib_token_bucket bucket;
    json_t *partition;           /* {"task": index}, shared by every record */
    bool logged_done;
    char label[64];
} datagen_task;

/* Task i's share of count over n tasks. */
static int64_t share_of(int64_t count, int32_t i, int32_t n) {
    if (count < 0) return -1;
    return count / n + ((int64_t)i < count % n ? 1 : 0);
}

static void dg_stop(void *ctx);

static int dg_start(const trib_props *config, trib_source_task_context *tctx, void **ctx, trib_error *err) {
    trib_config *cfg = trib_config_bind(datagen_config, config, "", err);
    if (!cfg) return -1;
    trib_config *tcfg = trib_config_bind(task_config, config, "", err);
    if (!tcfg) {
        trib_config_destroy(cfg);
        return -1;
    }
    datagen_task *t = trib_xcalloc(1, sizeof *t);
    t->tctx = tctx;
    t->cfg = cfg;
    t->topic = trib_config_string(cfg, "topic");
    t->index = trib_config_raw(tcfg, TASK_INDEX_KEY) ? trib_config_int(tcfg, TASK_INDEX_KEY)
                                                     : trib_source_task_context_task_id(tctx);
    t->total = trib_config_raw(tcfg, TASK_TOTAL_KEY) ? trib_config_int(tcfg, TASK_TOTAL_KEY) : t->index + 1;
    trib_config_destroy(tcfg);
    snprintf(t->label, sizeof t->label, "%s:%d", trib_source_task_context_connector(tctx), t->index);
    if (t->index >= t->total) {
        int idx = t->index, tot = t->total;
        dg_stop(t);
        return trib_error_set(err, TRIB_ERR_INVALID, "DataGen: task index %d is not below the task count %d",
                              idx, tot);
    }

    t->shape = trib_datagen_shape_find(trib_config_string(cfg, "value.shape"));
    const char *sname = trib_config_string(cfg, "value.schema.name");
    t->value_schema = t->shape->schema(sname ? sname : t->shape->default_schema_name);
    const char *ks = trib_config_string(cfg, "key.shape");
    if (strcasecmp(ks, "sequence") == 0) {
        t->key_shape = KEY_SEQUENCE;
        t->key_schema = trib_schema_primitive(TRIB_INT64, false);
    } else if (strcasecmp(ks, "string") == 0) {
        t->key_shape = KEY_STRING;
        t->key_schema = trib_schema_primitive(TRIB_STRING, false);
    } else {
        t->key_shape = KEY_NONE;
    }
    t->wall_clock = strcasecmp(trib_config_string(cfg, "value.timestamp"), "now") == 0;
    t->seed = trib_config_long(cfg, "seed");
    t->limit = share_of(trib_config_long(cfg, "count"), t->index, t->total);
    t->batch_size = trib_config_int(cfg, "batch.size");
    double rate = trib_config_double(cfg, "rate");
    if (rate > 0) {
        t->limited = true;
        /* Bursts of up to a tenth of a second's worth (at least 1, at most a batch). */
        double cap = fmin(fmax(rate / 10.0, 1.0), (double)t->batch_size);
        trib_token_bucket_init(&t->bucket, rate, cap, trib_mono_us());
    }

    /* Resume after the last committed record. */
    t->partition = json_pack("{s:i}", "task", (int)t->index);
    json_t *off = trib_source_task_context_offset(tctx, t->partition);
    if (off) {
        json_t *seq = json_is_object(off) ? json_object_get(off, "seq") : NULL;
        if (!json_is_integer(seq) || json_integer_value(seq) < 0) {
            json_decref(off);
            int idx = t->index;
            dg_stop(t);
            return trib_error_set(err, TRIB_ERR_FATAL,
                                  "DataGen: stored offset for task %d has no non-negative integer \"seq\"", idx);
        }
        t->next_seq = json_integer_value(seq);
        json_decref(off);
        TRIB_INFO(FAC, "[%s] resuming at seq %lld", t->label, (long long)t->next_seq);
    }
    TRIB_INFO(FAC, "[%s] generating %s records to %s (task %d of %d, %s)", t->label, t->shape->name,
              t->topic, t->index, t->total, t->limit < 0 ? "unlimited" : "limited count");
    *ctx = t;
    return 0;
}

/* One record of sequence seq. Only the last record of a poll carries the
 * source partition and offset (with_offset): the runtime commits a
 * position once every record before it is in Kafka, so the batch's last
 * offset covers the others, and a jansson object per record cost about a
 * fifth of the source path's CPU (see worker/connector.h). */
static trib_record *make_record(datagen_task *t, int64_t seq, bool with_offset) {
    trib_datagen_rng rng;
    trib_datagen_rng_init(&rng, t->seed, t->index, seq);
    trib_datagen_point pt = {
        .id = (int64_t)t->index + seq * (int64_t)t->total,
        .seq = seq,
        .task = t->index,
    };
    pt.event_ms = trib_datagen_event_ms(pt.id, &rng);   /* drawn even when unused: keeps the stream identical */
    if (t->wall_clock) pt.event_ms = trib_now_ms();

    trib_record *r = trib_record_new(t->topic);
    trib_record_set_value_take(r, trib_schema_ref(t->value_schema), t->shape->value(t->value_schema, &pt, &rng));
    if (t->key_shape == KEY_SEQUENCE) {
        trib_record_set_key_take(r, trib_schema_ref(t->key_schema), trib_value_int(TRIB_INT64, pt.id));
    } else if (t->key_shape == KEY_STRING) {
        trib_record_set_key_take(r, trib_schema_ref(t->key_schema),
                                 trib_value_string_take(trib_xasprintf("%d-%lld", t->index, (long long)seq)));
    }
    if (with_offset) {
        /* built directly rather than through json_pack's format parser */
        r->source_partition = json_incref(t->partition);
        r->source_offset = json_object();
        json_object_set_new_nocheck(r->source_offset, "seq", json_integer((json_int_t)(seq + 1)));
    }
    return r;
}

/* Sleeps up to ms (at most WAIT_MS) in short steps, returning once stopping. */
static void nap(datagen_task *t, int64_t ms) {
    if (ms > WAIT_MS) ms = WAIT_MS;
    while (ms > 0 && !trib_source_task_context_stopping(t->tctx)) {
        int64_t step = ms < 20 ? ms : 20;
        trib_sleep_ms(step);
        ms -= step;
    }
}

static int dg_poll(void *ctx, trib_record_batch *out, trib_error *err) {
    (void)err;
    datagen_task *t = ctx;
    int64_t want = t->batch_size;
    if (t->limit >= 0) {
        int64_t left = t->limit - t->next_seq;
        if (left <= 0) {
            if (!t->logged_done) {
                TRIB_INFO(FAC, "[%s] produced all %lld records of this task; idle", t->label, (long long)t->limit);
                t->logged_done = true;
            }
            nap(t, WAIT_MS);
            return 0;
        }
        if (left < want) want = left;
    }
    if (t->limited) {
        int64_t got = trib_token_bucket_take(&t->bucket, want, trib_mono_us());
        if (got == 0) {
            int64_t wait_us = trib_token_bucket_wait_us(&t->bucket, trib_mono_us());
            nap(t, (wait_us + 999) / 1000);
            got = trib_token_bucket_take(&t->bucket, want, trib_mono_us());
        }
        want = got;
    }
    for (int64_t i = 0; i < want; i++, t->next_seq++)
        trib_record_batch_add_take(out, make_record(t, t->next_seq, i == want - 1));
    return 0;
}

static void dg_stop(void *ctx) {
    datagen_task *t = ctx;
    if (!t) return;
    trib_schema_unref(t->value_schema);
    trib_schema_unref(t->key_schema);
    json_decref(t->partition);
    trib_config_destroy(t->cfg);
    free(t);
}

static const trib_source_task_ops datagen_ops = {
    .start = dg_start,
    .poll = dg_poll,
    .stop = dg_stop,
};

const trib_connector_plugin trib_datagen_plugin = {
    .class_name = "io.tributary.connect.datagen.DataGenConnector",
    .alias = "DataGen",
    .version = "1.0.0",
    .kind = TRIB_CONNECTOR_SOURCE,
    .doc = "Generates deterministic records (orders, wide, users, pageviews or strings) at a chosen rate, "
           "for demos and benchmarks.",
    .config = datagen_config,
    .task_configs = datagen_task_configs,
    .source = &datagen_ops,
};
