/*
 * bench/validate.c: what the Validate transform costs a source task, on
 * one core: DataGen "orders" records converted by the JsonConverter (the
 * per-record work of a DataGen -> JSON pipeline before librdkafka), with
 * and without a Validate stage of 5 rules in the transform chain, plus the
 * Validate stage alone. Prints the median of several timed runs.
 *
 *   build/bench/bench_validate [runs] [seconds-per-run]     (defaults 5, 1.0)
 *
 * Time is this thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so the figures
 * hold on a busy machine. The target: Validate with 5 rules costs
 * under 10% of throughput.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/util.h"
#include "connectors/datagen/shapes.h"
#include "proto/converter.h"
#include "proto/data.h"
#include "transforms/transform.h"

#define NRECORDS 4096

static const char *rules =
    "[{\"rule_id\":\"id\",\"rule_type\":\"range\",\"column\":\"order_id\",\"parameters\":{\"min\":0}},"
    "{\"rule_id\":\"qty\",\"rule_type\":\"range\",\"column\":\"quantity\",\"parameters\":{\"min\":1,\"max\":10}},"
    "{\"rule_id\":\"customer\",\"rule_type\":\"not_null\",\"column\":\"customer_id\"},"
    "{\"rule_id\":\"product\",\"rule_type\":\"allowed_values\",\"column\":\"product\",\"parameters\":{\"values\":"
    "[\"keyboard\",\"mouse\",\"monitor\",\"laptop\",\"headphones\",\"webcam\",\"usb-cable\",\"desk-lamp\","
    "\"notebook\",\"backpack\",\"phone-case\",\"charger\"]}},"
    "{\"rule_id\":\"slug\",\"rule_type\":\"regex\",\"column\":\"product\",\"parameters\":{\"pattern\":"
    "\"[a-z]+(-[a-z]+)?\"},\"severity\":\"warning\"}]";

static double cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct env {
    const trib_datagen_shape *shape;
    trib_schema *schema;
    trib_converter *json;
    trib_transform_chain *chain;  /* NULL: no Validate */
    trib_strbuf sb;
    int64_t seq;
} env;

/* One record through the source path: generate, (validate), convert. */
static void one(env *e) {
    trib_datagen_point pt = {.id = e->seq, .seq = e->seq, .task = 0, .event_ms = 1704067200000LL + e->seq * 1000};
    trib_datagen_rng rng;
    trib_datagen_rng_init(&rng, 42, 0, e->seq);
    e->seq++;
    trib_record *r = trib_record_new("orders");
    trib_record_set_value_take(r, trib_schema_ref(e->schema), e->shape->value(e->schema, &pt, &rng));
    trib_error err;
    if (e->chain && trib_transform_chain_apply(e->chain, &r, &err) < 0) {
        fprintf(stderr, "unexpected failure: %s\n", err.msg);
        exit(1);
    }
    bool is_null;
    trib_strbuf_reset(&e->sb);
    e->json->plugin->from_connect(e->json->ctx, r->topic, r->value_schema, r->value, &e->sb, &is_null, NULL);
    trib_record_destroy(r);
}

static double rate(env *e, double secs) {
    double t0 = cpu_now(), t;
    long n = 0;
    do {
        for (int i = 0; i < 256; i++) one(e);
        n += 256;
    } while ((t = cpu_now() - t0) < secs);
    return (double)n / t;
}

/* Validate alone, on pre-built records: each round clones them first,
 * outside the timing, since the stage may add headers. */
static double validate_ns(trib_transform_chain *chain, trib_record **recs, double secs) {
    static trib_record *work[NRECORDS];
    double spent = 0;
    long n = 0;
    while (spent < secs) {
        for (int i = 0; i < NRECORDS; i++) work[i] = trib_record_clone(recs[i]);
        trib_transform_chain_batch_begin(chain);
        double t0 = cpu_now();
        for (int i = 0; i < NRECORDS; i++) {
            trib_error err;
            trib_transform_chain_apply(chain, &work[i], &err);
        }
        spent += cpu_now() - t0;
        for (int i = 0; i < NRECORDS; i++) trib_record_destroy(work[i]);
        n += NRECORDS;
    }
    return spent / (double)n * 1e9;
}

int main(int argc, char **argv) {
    int runs = argc > 1 ? atoi(argv[1]) : 5;
    double secs = argc > 2 ? atof(argv[2]) : 1.0;
    if (runs < 1 || runs > 99) runs = 5;

    trib_props *jp = trib_props_new();
    trib_props_set(jp, "schemas.enable", "false");
    trib_error err;
    trib_props *cfg = trib_props_new();
    trib_props_set(cfg, "name", "bench");
    trib_props_set(cfg, "transforms", "v");
    trib_props_set(cfg, "transforms.v.type", "Validate");
    trib_props_set(cfg, "transforms.v.rules", rules);
    env plain = {.shape = trib_datagen_shape_find("orders")};
    plain.schema = plain.shape->schema(NULL);
    plain.json = trib_converter_new("org.apache.kafka.connect.json.JsonConverter", jp, false, &err);
    trib_strbuf_init(&plain.sb);
    env with = plain;
    trib_strbuf_init(&with.sb);
    with.chain = trib_transform_chain_new(cfg, &err);
    trib_props_destroy(cfg);
    trib_props_destroy(jp);
    if (!plain.json || !with.chain) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return 1;
    }

    double without_r[99], with_r[99], alone[99];
    trib_record *recs[NRECORDS];
    for (int i = 0; i < NRECORDS; i++) {
        trib_datagen_point pt = {.id = i, .seq = i};
        trib_datagen_rng rng;
        trib_datagen_rng_init(&rng, 42, 0, i);
        recs[i] = trib_record_new("orders");
        trib_record_set_value_take(recs[i], trib_schema_ref(plain.schema), plain.shape->value(plain.schema, &pt, &rng));
    }
    rate(&plain, 0.2);  /* warm-up: caches, block cache */
    rate(&with, 0.2);
    for (int i = 0; i < runs; i++) {
        without_r[i] = rate(&plain, secs);
        with_r[i] = rate(&with, secs);
        alone[i] = validate_ns(with.chain, recs, secs / 2);
    }
    qsort(without_r, (size_t)runs, sizeof(double), cmp_double);
    qsort(with_r, (size_t)runs, sizeof(double), cmp_double);
    qsort(alone, (size_t)runs, sizeof(double), cmp_double);
    double a = without_r[runs / 2], b = with_r[runs / 2];
    printf("DataGen orders -> JsonConverter, one core, median of %d runs of %.1f s CPU:\n", runs, secs);
    printf("  without Validate: %10.0f records/s (%.0f ns/record)\n", a, 1e9 / a);
    printf("  with Validate (5 rules): %10.0f records/s (%.0f ns/record)\n", b, 1e9 / b);
    printf("  throughput cost: %.1f%%\n", (1 - b / a) * 100);
    printf("  Validate stage alone: %.0f ns/record (%.0f records/s)\n", alone[runs / 2], 1e9 / alone[runs / 2]);

    for (int i = 0; i < NRECORDS; i++) trib_record_destroy(recs[i]);
    trib_transform_chain_destroy(with.chain);
    trib_converter_destroy(plain.json);
    trib_strbuf_free(&plain.sb);
    trib_strbuf_free(&with.sb);
    trib_schema_unref(plain.schema);
    return 0;
}
