/*
 * test_source_task.c: the source loop (worker/source_task.c) against a real
 * broker, with a test connector that spreads its records over more source
 * partitions than the loop keeps in its small "last acknowledged offset per
 * partition" list (64), in an interleaved order, and with records that carry
 * no offset at all. Every partition's committed offset must end up exactly
 * at its last record, commit() must be called, and a graceful stop must
 * leave nothing unacknowledged behind. The records also spread over more
 * Kafka topics (NTOPIC) than the loop keeps producer topic handles for
 * (16), so handles are given up and made again while records are in flight.
 * Every fifth record carries its own timestamp; the others must get the
 * time they were sent. Those others go to librdkafka in runs (one
 * rd_kafka_produce_batch call), the timestamped ones one by one: the topic
 * must still hold them in poll order. The whole scenario runs a second
 * time with a producer queue of 50 messages, 600 records in a row per
 * topic and no timestamps of their own, so runs of 256 records keep
 * finding the queue full and must send their tail again once there is
 * room.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

#include "common/time.h"
#include "common/util.h"
#include "tests/tap.h"
#include "worker/connector.h"
#include "worker/offset_store.h"
#include "worker/task.h"

#define NPART 150     /* distinct source partitions: more than the loop's list of 64 */
#define NREC 6000     /* records in all */
#define BATCH 700     /* records per poll: batches straddle partitions unevenly */
#define NTOPIC 20     /* Kafka topics: more than the loop's 16 topic handles */

static atomic_int commits;
/* Records in a row that go to one topic: short runs in the first scenario
 * (topic handles come and go), long ones in the second (runs fill up). */
static int g_topic_run = 3;
#define RUN_FILL 256   /* the loop's longest run */
static int topic_of(int i) { return (i / g_topic_run) % NTOPIC; }

typedef struct gen {
    char *topics[NTOPIC];
    int next;
    json_t *parts[NPART];
} gen;

/* Record i goes to partition (i * 7) % NPART: consecutive records hit
 * different partitions, and every partition sees many records. Every
 * 50th record carries no offset (it must not disturb the others). */
static int part_of(int i) { return (i * 7) % NPART; }
static bool has_offset(int i) { return i % 50 != 49; }
static bool g_own_timestamps = true;   /* every fifth record, in the first scenario */
static bool has_timestamp(int i) { return g_own_timestamps && i % 5 == 0; }
#define OWN_TS(i) (1500000000000LL + (i))   /* a record's own timestamp, far from now */

static int gen_start(const trib_props *config, trib_source_task_context *tctx, void **ctx, trib_error *err) {
    (void)tctx;
    (void)err;
    gen *g = trib_xcalloc(1, sizeof *g);
    for (int k = 0; k < NTOPIC; k++) g->topics[k] = trib_xasprintf("%s-%d", trib_props_get(config, "topic"), k);
    for (int p = 0; p < NPART; p++) g->parts[p] = json_pack("{s:i}", "p", p);
    *ctx = g;
    return 0;
}

static int gen_poll(void *ctx, trib_record_batch *out, trib_error *err) {
    (void)err;
    gen *g = ctx;
    if (g->next >= NREC) {
        trib_sleep_ms(20);
        return 0;
    }
    for (int k = 0; k < BATCH && g->next < NREC; k++, g->next++) {
        int i = g->next;
        /* topics in runs of three, so both a repeat and a switch are common */
        trib_record *r = trib_record_new(g->topics[topic_of(i)]);
        char buf[32];
        snprintf(buf, sizeof buf, "v%d", i);
        trib_record_set_value_take(r, trib_schema_primitive(TRIB_STRING, false), trib_value_string(buf));
        if (has_timestamp(i)) r->timestamp = OWN_TS(i);
        if (has_offset(i)) {
            /* a fresh but equal partition object half of the time: the loop
             * must match partitions by value, not by pointer */
            r->source_partition = i % 2 ? json_incref(g->parts[part_of(i)]) : json_pack("{s:i}", "p", part_of(i));
            r->source_offset = json_pack("{s:i}", "n", i);
        }
        trib_record_batch_add_take(out, r);
    }
    return 0;
}

static int gen_commit(void *ctx, trib_error *err) {
    (void)ctx;
    (void)err;
    atomic_fetch_add(&commits, 1);
    return 0;
}

static void gen_stop(void *ctx) {
    gen *g = ctx;
    if (!g) return;
    for (int p = 0; p < NPART; p++) json_decref(g->parts[p]);
    for (int k = 0; k < NTOPIC; k++) free(g->topics[k]);
    free(g);
}

static const trib_source_task_ops gen_ops = {
    .start = gen_start, .poll = gen_poll, .commit = gen_commit, .stop = gen_stop,
};

static const trib_connector_plugin gen_plugin = {
    .class_name = "test.ManyPartitionsSource",
    .alias = "ManyPartitions",
    .version = "0",
    .kind = TRIB_CONNECTOR_SOURCE,
    .doc = "test source",
    .source = &gen_ops,
};

/* The last record with an offset, per partition. */
static int last_of(int p) {
    for (int i = NREC - 1; i >= 0; i--)
        if (has_offset(i) && part_of(i) == p) return i;
    return -1;
}

/* How many partitions have exactly their last offset committed (or, with
 * no record that carries one, nothing). */
static int committed_exactly(trib_offset_store *store) {
    int good = 0;
    for (int p = 0; p < NPART; p++) {
        json_t *part = json_pack("{s:i}", "p", p);
        json_t *off = trib_offset_store_get(store, "many", part);
        json_t *n = off ? json_object_get(off, "n") : NULL;
        /* a partition whose records all lack offsets has nothing stored */
        if (last_of(p) < 0 ? off == NULL : json_is_integer(n) && json_integer_value(n) == last_of(p)) good++;
        json_decref(off);
        json_decref(part);
    }
    return good;
}

/* Reads the first topic's records ("v<i>", one partition) and counts those
 * whose timestamp is right: a record's own, or else one in [lo, hi];
 * *in_order counts records that follow their predecessor's index. */
static int timestamps_right(const char *bootstrap, const char *topic, int64_t lo, int64_t hi, int *seen,
                            int *in_order, int *wanted) {
    char errstr[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, errstr, sizeof errstr);
    rd_kafka_conf_set(conf, "group.id", topic, errstr, sizeof errstr);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
    if (!rk) return 0;
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(parts, topic, 0)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_assign(rk, parts);
    rd_kafka_topic_partition_list_destroy(parts);
    int right = 0, want = 0, prev = -1;
    *in_order = 0;
    for (int i = 0; i < NREC; i++) want += topic_of(i) == 0;
    *wanted = want;
    *seen = 0;
    for (int64_t end = trib_mono_ms() + 20000; *seen < want && trib_mono_ms() < end;) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 200);
        if (!m) continue;
        if (!m->err && m->len > 1) {
            int i = atoi((const char *)m->payload + 1);
            int64_t ts = rd_kafka_message_timestamp(m, NULL);
            (*seen)++;
            *in_order += i > prev;
            prev = i;
            if (has_timestamp(i) ? ts == OWN_TS(i) : ts >= lo && ts <= hi) right++;
            else if (right + 5 > *seen) diag("record %d: timestamp %lld, not in [%lld, %lld]", i, (long long)ts,
                                             (long long)lo, (long long)hi);
        }
        rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return right;
}

/* One run of the source loop over NREC records; queue_max, when set, is
 * the producer's queue.buffering.max.messages. */
static void scenario(const char *bootstrap, const char *queue_max, int topic_run) {
    diag("producer queue: %s; %d records in a row per topic", queue_max ? queue_max : "default", topic_run);
    g_topic_run = topic_run;
    g_own_timestamps = topic_run < RUN_FILL;   /* a record with its own timestamp ends a run */
    atomic_store(&commits, 0);
    char topic[64];
    snprintf(topic, sizeof topic, "test-source-task-%ld-%d", (long)time(NULL), (int)(trib_mono_ms() % 100000));

    trib_props *wp = trib_props_new();
    trib_props_set(wp, "bootstrap.servers", bootstrap);
    trib_props_set(wp, "offset.flush.interval.ms", "200");
    trib_props_set(wp, "key.converter", "org.apache.kafka.connect.storage.StringConverter");
    trib_props_set(wp, "value.converter", "org.apache.kafka.connect.storage.StringConverter");
    if (queue_max) trib_props_set(wp, "producer.queue.buffering.max.messages", queue_max);
    trib_props *cfg = trib_props_new();
    trib_props_set(cfg, "name", "many");
    trib_props_set(cfg, "connector.class", gen_plugin.class_name);
    trib_props_set(cfg, "topic", topic);
    trib_offset_store *store = trib_offset_store_memory_new();

    trib_task_spec spec = {
        .connector = "many", .task_id = 0, .plugin = &gen_plugin, .config = cfg, .worker_props = wp,
        .offsets = store,
    };
    trib_error err = {0};
    int64_t started_ms = trib_now_ms();
    trib_task *t = trib_task_start(&spec, &err);
    ok(t != NULL, "the task starts");
    if (!t) {
        diag("start: %s", err.msg);
        BAIL_OUT("no task");
    }

    int64_t deadline = trib_mono_ms() + 60000;
    while (trib_task_record_count(t) < NREC && trib_mono_ms() < deadline &&
           trib_task_state(t, NULL) != TRIB_STATE_FAILED)
        trib_sleep_ms(20);
    is_int((int)trib_task_record_count(t), NREC, "every record is produced");
    int64_t produced_ms = trib_now_ms();

    /* Offsets flush every 200 ms once acknowledged: wait for all of them. */
    int good = 0;
    while ((good = committed_exactly(store)) < NPART && trib_mono_ms() < deadline &&
           trib_task_state(t, NULL) != TRIB_STATE_FAILED)
        trib_sleep_ms(50);
    is_int(good, NPART, "all %d partitions have their last record's offset committed while running", NPART);
    ok(atomic_load(&commits) > 0, "the task's commit() is called after offsets are flushed");
    char *trace = NULL;
    is_str(trib_state_name(trib_task_state(t, &trace)), "RUNNING", "the task is still running");
    if (trace) diag("trace: %s", trace);
    free(trace);

    ok(trib_task_stop(t, 10000), "a graceful stop finishes in time");
    is_int(committed_exactly(store), NPART, "and the committed offsets are unchanged by it");

    char first[80];
    snprintf(first, sizeof first, "%s-0", topic);
    int seen = 0, in_order = 0, wanted = 0;
    int right = timestamps_right(bootstrap, first, started_ms, produced_ms, &seen, &in_order, &wanted);
    is_int(seen, wanted, "the first topic holds every record sent to it");
    ok(seen > 0 && right == seen,
       "%d of %d records have their own timestamp or, without one, the time they were sent", right, seen);
    is_int(in_order, seen, "and they are in the topic in the order they were polled");

    trib_offset_store_destroy(store);
    trib_props_destroy(cfg);
    trib_props_destroy(wp);
}

int main(void) {
    const char *bootstrap = tap_require_env("KAFKA_BOOTSTRAP");
    plan(1 + 2 * 10);
    int with_offsets = 0;
    for (int p = 0; p < NPART; p++) with_offsets += last_of(p) >= 0;
    ok(with_offsets > 64 && with_offsets < NPART,
       "%d partitions carry offsets (more than the loop's list holds), the others none", with_offsets);
    scenario(bootstrap, NULL, 3);
    scenario(bootstrap, "50", 600);
    return exit_status();
}
