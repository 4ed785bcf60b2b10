/*
 * test_datagen.c: DataGen is deterministic (same seed, same records),
 * keys are unique across tasks, count splits evenly and stops, restarts
 * resume at the next sequence, every shape matches its schema, and the
 * token bucket limits the rate (tested on an injected clock).
 */
#include <stdlib.h>
#include <string.h>

#include "common/time.h"
#include "common/util.h"
#include "connectors/datagen/token_bucket.h"
#include "tests/tap.h"
#include "worker/connector.h"
#include "worker/task_context.h"

static const trib_connector_plugin *plugin(void) {
    return trib_connector_find("DataGen");
}

typedef struct {
    trib_source_task_context *tctx;
    void *ctx;
} task;

/* Starts task `index` of `total` as the runtime would: the task config from
 * task_configs merged over the connector config. */
static int start_task(task *t, trib_offset_store *store, const trib_props *cfg, int index, int total,
                      trib_error *err) {
    trib_props **tcs = NULL;
    size_t n = 0;
    if (plugin()->task_configs(NULL, cfg, total, &tcs, &n, err) != 0) return -1;
    trib_props *merged = trib_props_clone(cfg);
    trib_props_merge(merged, tcs[index]);
    for (size_t i = 0; i < n; i++) trib_props_destroy(tcs[i]);
    free(tcs);
    t->tctx = trib_source_task_context_new("gen", index, store);
    t->ctx = NULL;
    int rc = plugin()->source->start(merged, t->tctx, &t->ctx, err);
    trib_props_destroy(merged);
    if (rc != 0) {
        trib_source_task_context_destroy(t->tctx);
        t->tctx = NULL;
    }
    return rc;
}

static void stop_task(task *t) {
    if (t->ctx) plugin()->source->stop(t->ctx);
    trib_source_task_context_destroy(t->tctx);
}

static size_t poll_into(task *t, trib_record_batch *b) {
    trib_error err = {0};
    size_t before = b->n;
    if (plugin()->source->poll(t->ctx, b, &err) != 0) diag("poll failed: %s", err.msg);
    return b->n - before;
}

static trib_props *cfg_new(const char *shape, const char *seed) {
    trib_props *p = trib_props_new();
    trib_props_set(p, "topic", "gen");
    trib_props_set(p, "value.shape", shape);
    if (seed) trib_props_set(p, "seed", seed);
    return p;
}

/* json_equal() is false when either side is NULL; a record without an
 * offset (all but the last of a poll) equals one without as well. */
static bool json_same(json_t *a, json_t *b) { return a == b || json_equal(a, b); }

static bool records_equal(const trib_record *a, const trib_record *b) {
    return strcmp(a->topic, b->topic) == 0 && trib_schema_equal(a->value_schema, b->value_schema) &&
           trib_value_equal(a->value, b->value) && trib_schema_equal(a->key_schema, b->key_schema) &&
           trib_value_equal(a->key, b->key) && json_same(a->source_partition, b->source_partition) &&
           json_same(a->source_offset, b->source_offset);
}

static void test_determinism(void) {
    trib_props *cfg = cfg_new("orders", "7");
    trib_props_set(cfg, "batch.size", "50");
    trib_props_set(cfg, "key.shape", "sequence");
    trib_record_batch a, b, c;
    trib_record_batch_init(&a);
    trib_record_batch_init(&b);
    trib_record_batch_init(&c);
    task t;
    trib_error err = {0};
    ok(start_task(&t, NULL, cfg, 0, 1, &err) == 0, "DataGen starts");
    is_int(poll_into(&t, &a), 50, "a poll returns batch.size records");
    poll_into(&t, &a);
    stop_task(&t);
    start_task(&t, NULL, cfg, 0, 1, &err);
    poll_into(&t, &b);
    poll_into(&t, &b);
    stop_task(&t);
    bool same = a.n == 100 && b.n == 100;
    for (size_t i = 0; same && i < a.n; i++) same = records_equal(a.items[i], b.items[i]);
    ok(same, "the same seed gives identical records (values, keys, offsets)");

    bool distinct = false;
    for (size_t i = 1; i < a.n && !distinct; i++) distinct = !trib_value_equal(a.items[0]->value, a.items[i]->value);
    ok(distinct, "records differ from one another");

    trib_props_set(cfg, "seed", "8");
    start_task(&t, NULL, cfg, 0, 1, &err);
    poll_into(&t, &c);
    stop_task(&t);
    int differ = 0;
    for (size_t i = 0; i < c.n; i++) differ += !trib_value_equal(a.items[i]->value, c.items[i]->value);
    ok(differ > 40, "another seed gives other values (%d of 50 differ)", differ);

    const trib_record *r = a.items[49];
    char *pj = json_dumps(r->source_partition, JSON_COMPACT);
    char *oj = json_dumps(r->source_offset, JSON_COMPACT);
    is_str(pj, "{\"task\":0}", "the source partition is {\"task\": <id>}");
    is_str(oj, "{\"seq\":50}", "the source offset is the next sequence {\"seq\": seq+1}");
    ok(!a.items[3]->source_partition && !a.items[3]->source_offset,
       "only the last record of a poll carries the partition and offset");
    r = a.items[3];
    free(pj);
    free(oj);
    is_int(r->key->u.i, 3, "the sequence key of a single task is its seq");
    is_str(r->topic, "gen", "records go to the topic");

    trib_error verr = {0};
    bool valid = true;
    for (size_t i = 0; i < a.n && valid; i++)
        if (trib_value_validate(a.items[i]->value_schema, a.items[i]->value, &verr) != 0) valid = false;
    ok(valid, "every orders value validates against its schema%s%s", valid ? "" : ": ", valid ? "" : verr.msg);
    const trib_schema *s = r->value_schema;
    is_int(s->nfields, 10, "orders has 10 fields");
    is_str(s->name, "io.tributary.datagen.Order", "orders has its default schema name");
    ok(trib_schema_is_logical(trib_schema_field(s, "total")->schema, TRIB_LOGICAL_DECIMAL) &&
           trib_schema_decimal_scale(trib_schema_field(s, "total")->schema) == 2,
       "orders.total is Decimal(scale 2)");
    ok(trib_schema_is_logical(trib_schema_field(s, "created_at")->schema, TRIB_LOGICAL_TIMESTAMP),
       "orders.created_at is a Timestamp");
    ok(trib_schema_is_logical(trib_schema_field(s, "ship_date")->schema, TRIB_LOGICAL_DATE),
       "orders.ship_date is a Date");
    int nulls = 0;
    for (size_t i = 0; i < a.n; i++) nulls += trib_value_struct_get(a.items[i]->value, "coupon") == NULL;
    ok(nulls > 0 && nulls < (int)a.n, "orders.coupon is optional and sometimes null (%d of %zu)", nulls, a.n);
    int64_t ts = trib_value_struct_get(r->value, "created_at")->u.i;
    ok(ts >= 1704067200000LL + 3000 && ts < 1704067200000LL + 4000,
       "the event time derives from the sequence, not the clock");

    trib_record_batch_free(&a);
    trib_record_batch_free(&b);
    trib_record_batch_free(&c);
    trib_props_destroy(cfg);
}

static void test_tasks_and_count(void) {
    trib_props *cfg = cfg_new("string", NULL);
    trib_props_set(cfg, "count", "10");
    trib_props_set(cfg, "key.shape", "sequence");
    int seen[10] = {0};
    int shares[3] = {0};
    bool in_range = true;
    for (int i = 0; i < 3; i++) {
        task t;
        trib_error err = {0};
        if (start_task(&t, NULL, cfg, i, 3, &err) != 0) {
            diag("start failed: %s", err.msg);
            continue;
        }
        trib_record_batch b;
        trib_record_batch_init(&b);
        poll_into(&t, &b);
        int64_t t0 = trib_mono_ms();
        size_t more = poll_into(&t, &b);
        int64_t waited = trib_mono_ms() - t0;
        if (i == 0) {
            is_int(more, 0, "a task that produced its share returns nothing");
            ok(waited >= 50, "and waits instead of spinning (%lld ms)", (long long)waited);
        }
        shares[i] = (int)b.n;
        for (size_t k = 0; k < b.n; k++) {
            int64_t key = b.items[k]->key->u.i;
            if (key < 0 || key >= 10) in_range = false;
            else seen[key]++;
        }
        trib_record_batch_free(&b);
        stop_task(&t);
    }
    ok(shares[0] == 4 && shares[1] == 3 && shares[2] == 3, "count 10 over 3 tasks splits 4/3/3 (%d/%d/%d)", shares[0],
       shares[1], shares[2]);
    bool once = in_range;
    for (int k = 0; k < 10; k++) once = once && seen[k] == 1;
    ok(once, "sequence keys are unique across tasks and cover 0..count-1");

    trib_props_set(cfg, "key.shape", "string");
    task t;
    trib_error err = {0};
    start_task(&t, NULL, cfg, 2, 3, &err);
    trib_record_batch b;
    trib_record_batch_init(&b);
    poll_into(&t, &b);
    is_str(b.n > 1 ? b.items[1]->key->u.str.data : NULL, "2-1", "string keys read <task>-<seq>");
    ok(b.n > 0 && strncmp(b.items[0]->value->u.str.data, "message 2 ", 10) == 0, "the string shape names the record's id");
    trib_record_batch_free(&b);
    stop_task(&t);
    trib_props_destroy(cfg);
}

static void test_resume(void) {
    trib_props *cfg = cfg_new("wide", "99");
    trib_props_set(cfg, "batch.size", "5");
    trib_props_set(cfg, "key.shape", "string");
    trib_offset_store *store = trib_offset_store_memory_new();
    task t;
    trib_error err = {0};
    trib_record_batch first, again;
    trib_record_batch_init(&first);
    trib_record_batch_init(&again);
    start_task(&t, store, cfg, 1, 2, &err);
    poll_into(&t, &first);
    poll_into(&t, &first);
    stop_task(&t);
    /* Commit only the first poll (its last record carries the offset), as
     * if the second were never delivered. */
    trib_offset_store_put(store, "gen", first.items[4]->source_partition, first.items[4]->source_offset);
    trib_offset_store_flush(store, NULL);
    ok(start_task(&t, store, cfg, 1, 2, &err) == 0, "a task restarts from a stored offset");
    poll_into(&t, &again);
    stop_task(&t);
    ok(again.n == 5 && records_equal(again.items[0], first.items[5]) && records_equal(again.items[4], first.items[9]),
       "the restarted task continues at the next sequence with the same records, no repeats");
    is_str(again.n ? again.items[0]->key->u.str.data : NULL, "1-5", "the first record after restart has seq 5");
    const trib_schema *ws = first.items[0]->value_schema;
    is_int(ws->nfields, 50, "wide has 50 fields");
    trib_error verr = {0};
    ok(trib_value_validate(ws, first.items[0]->value, &verr) == 0, "a wide value validates");

    json_t *part = json_pack("{s:i}", "task", 1);
    json_t *bad = json_pack("{s:s}", "seq", "x");
    trib_offset_store_put(store, "gen", part, bad);
    trib_offset_store_flush(store, NULL);
    trib_error e2 = {0};
    ok(start_task(&t, store, cfg, 1, 2, &e2) == -1, "a malformed stored offset fails the start");
    like(e2.msg, "seq", "the error names the seq field");
    json_decref(part);
    json_decref(bad);

    trib_record_batch_free(&first);
    trib_record_batch_free(&again);
    trib_offset_store_destroy(store);
    trib_props_destroy(cfg);
}

static void test_shapes_and_config(void) {
    const char *shapes[] = {"users", "pageviews", "string", "orders", "wide"};
    for (size_t i = 0; i < 5; i++) {
        trib_props *cfg = cfg_new(shapes[i], NULL);
        trib_props_set(cfg, "batch.size", "20");
        task t;
        trib_error err = {0};
        trib_record_batch b;
        trib_record_batch_init(&b);
        bool valid = start_task(&t, NULL, cfg, 0, 1, &err) == 0 && poll_into(&t, &b) == 20;
        for (size_t k = 0; valid && k < b.n; k++) valid = trib_value_validate(b.items[k]->value_schema, b.items[k]->value, &err) == 0;
        ok(valid, "%s: 20 records that validate against the schema%s%s", shapes[i], valid ? "" : ": ", valid ? "" : err.msg);
        if (t.tctx) stop_task(&t);
        trib_record_batch_free(&b);
        trib_props_destroy(cfg);
    }

    trib_props *cfg = cfg_new("users", NULL);
    trib_props_set(cfg, "value.schema.name", "demo.User");
    trib_props_set(cfg, "value.timestamp", "now");
    task t;
    trib_error err = {0};
    trib_record_batch b;
    trib_record_batch_init(&b);
    start_task(&t, NULL, cfg, 0, 1, &err);
    poll_into(&t, &b);
    is_str(b.n ? b.items[0]->value_schema->name : NULL, "demo.User", "value.schema.name names the value schema");
    ok(b.n && b.items[0]->key == NULL, "key.shape=none gives null keys");
    int64_t rt = b.n ? trib_value_struct_get(b.items[0]->value, "registertime")->u.i : 0;
    ok(rt > trib_now_ms() - 366LL * 86400000 - 60000 && rt <= trib_now_ms(), "value.timestamp=now uses the wall clock");
    trib_record_batch_free(&b);
    stop_task(&t);
    trib_props_destroy(cfg);

    struct { const char *key, *value, *needle; } bad[] = {
        {"value.shape", "nope", "value.shape"},
        {"key.shape", "uuid", "key.shape"},
        {"count", "-2", "count"},
        {"rate", "-1", "rate"},
        {"seed", "abc", "seed"},
        {"topic", "a,b", "topic"},
        {"batch.size", "0", "batch.size"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        trib_props *c = cfg_new("orders", NULL);
        trib_props_set(c, bad[i].key, bad[i].value);
        trib_error e = {0};
        task tt;
        ok(start_task(&tt, NULL, c, 0, 1, &e) == -1, "%s=%s is refused", bad[i].key, bad[i].value);
        like(e.msg, bad[i].needle, "the error names %s", bad[i].needle);
        trib_props_destroy(c);
    }
    trib_props *notopic = trib_props_new();
    trib_error e = {0};
    ok(start_task(&t, NULL, notopic, 0, 1, &e) == -1, "a DataGen without topic does not start");
    like(e.msg, "topic", "the error names topic");
    trib_props_destroy(notopic);
}

static void test_rate(void) {
    trib_token_bucket tb;
    int64_t now = 1000000;
    trib_token_bucket_init(&tb, 10, 1, now);
    is_int(trib_token_bucket_take(&tb, 100, now), 1, "a full bucket of capacity 1 grants one token");
    is_int(trib_token_bucket_take(&tb, 100, now), 0, "then none until time passes");
    is_int(trib_token_bucket_wait_us(&tb, now), 100000, "at 10/s the next token is 100 ms away");
    is_int(trib_token_bucket_take(&tb, 100, now + 99999), 0, "not a microsecond early");
    is_int(trib_token_bucket_take(&tb, 100, now + 100000), 1, "one token after 100 ms");
    int64_t total = 0;
    for (int64_t t = now + 100000; t <= now + 10100000; t += 1000) total += trib_token_bucket_take(&tb, 1000, t);
    is_int(total, 100, "over 10 simulated seconds at 10/s exactly 100 tokens are granted");

    trib_token_bucket_init(&tb, 1000, 100, 0);
    is_int(trib_token_bucket_take(&tb, 1000, 0), 100, "a burst is bounded by the capacity");
    is_int(trib_token_bucket_take(&tb, 1000, 10000000), 100, "idle time does not accumulate beyond capacity");
    is_int(trib_token_bucket_take(&tb, 1000, 10050000), 50, "50 ms at 1000/s grants 50");

    /* A rate-limited task hands out at most its burst per poll. */
    trib_props *cfg = cfg_new("string", NULL);
    trib_props_set(cfg, "rate", "20");
    task t;
    trib_error err = {0};
    trib_record_batch b;
    trib_record_batch_init(&b);
    start_task(&t, NULL, cfg, 0, 1, &err);
    size_t first = poll_into(&t, &b);
    ok(first >= 1 && first <= 2, "at rate 20/s a poll returns at most a tenth of a second's worth (%zu)", first);
    trib_record_batch_free(&b);
    stop_task(&t);
    trib_props_destroy(cfg);
}

int main(void) {
    ok(plugin() != NULL, "DataGen is registered");
    test_determinism();
    test_tasks_and_count();
    test_resume();
    test_shapes_and_config();
    test_rate();
    (void)plan;   /* the plan is printed at the end */
    done_testing();
    return exit_status();
}
