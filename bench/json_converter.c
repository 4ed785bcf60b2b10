/*
 * bench/json_converter.c: the CPU cost of JsonConverter with
 * schemas.enable=true (Connect's {"schema":...,"payload":...} envelope)
 * reading 20-column records, the converter a sink task runs per record.
 * Prints the median of several timed runs.
 *
 *   build/bench/bench_json_converter [runs] [seconds-per-run] [iterations]
 *
 * Time is this thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so the figure
 * holds on a busy machine. With a third argument the benchmark instead
 * decodes exactly that many records once and exits, for a fixed workload
 * under callgrind (instructions per record = Ir / iterations).
 *
 * Decode: envelope bytes -> a Connect schema and value, both then released
 * (as a sink task does per record), so allocation is part of the cost.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/props.h"
#include "common/util.h"
#include "proto/converter.h"
#include "proto/data.h"

#define NVALUES 1024
#define NFIELDS 20

/* 20 columns cycling through the types a JSON-envelope topic carries. */
static trib_schema *make_schema(void) {
    trib_schema *st = trib_schema_struct_new("bench.Json20");
    for (int i = 0; i < NFIELDS; i++) {
        char name[32];
        snprintf(name, sizeof name, "field_%02d", i);
        trib_schema *fs;
        switch (i % 10) {
        case 0: fs = trib_schema_primitive(TRIB_INT64, false); break;
        case 1: fs = trib_schema_primitive(TRIB_STRING, false); break;
        case 2: fs = trib_schema_primitive(TRIB_FLOAT64, false); break;
        case 3: fs = trib_schema_primitive(TRIB_INT32, false); break;
        case 4: fs = trib_schema_primitive(TRIB_BOOLEAN, false); break;
        case 5: fs = trib_schema_primitive(TRIB_STRING, true); break;
        case 6: fs = trib_schema_timestamp(false); break;
        case 7: fs = trib_schema_decimal(2, false); break;
        case 8: fs = trib_schema_primitive(TRIB_INT64, true); break;
        default: fs = trib_schema_primitive(TRIB_STRING, false); break;
        }
        trib_schema_add_field_take(st, name, fs);
    }
    return st;
}

static trib_value *make_value(trib_schema *st, int seed) {
    trib_value *v = trib_value_struct_new(st);
    char buf[64];
    for (size_t i = 0; i < st->nfields; i++) {
        trib_value *f = NULL;
        switch (i % 10) {
        case 0: f = trib_value_int(TRIB_INT64, 1000000 + seed * 31 + (int64_t)i); break;
        case 1:
            snprintf(buf, sizeof buf, "customer-%d@example.com", seed);
            f = trib_value_string(buf);
            break;
        case 2: f = trib_value_float(TRIB_FLOAT64, seed * 1.25); break;
        case 3: f = trib_value_int(TRIB_INT32, seed % 1000); break;
        case 4: f = trib_value_bool(seed & 1); break;
        case 5:
            if (seed % 3) {
                snprintf(buf, sizeof buf, "note %d", seed);
                f = trib_value_string(buf);
            }
            break;
        case 6: f = trib_value_int(TRIB_INT64, 1700000000000LL + seed); break;
        case 7: {
            unsigned char unscaled[3] = {0x01, (unsigned char)(seed >> 8), (unsigned char)seed};
            f = trib_value_bytes(unscaled, sizeof unscaled);
            break;
        }
        case 8: f = seed % 2 ? trib_value_int(TRIB_INT64, seed) : NULL; break;
        default:
            snprintf(buf, sizeof buf, "status-%d", seed % 7);
            f = trib_value_string(buf);
            break;
        }
        v->u.st.fields[i] = f;
    }
    return v;
}

static int64_t cpu_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void decode_one(trib_converter *c, const trib_strbuf *b) {
    trib_error err = {0};
    trib_schema *s = NULL;
    trib_value *v = NULL;
    if (c->plugin->to_connect(c->ctx, "bench", b->data, b->len, &s, &v, &err) != 0) {
        fprintf(stderr, "bench: %s\n", err.msg);
        exit(1);
    }
    trib_value_destroy(v);
    trib_schema_unref(s);
}

int main(int argc, char **argv) {
    int runs = argc > 1 ? atoi(argv[1]) : 5;
    double secs = argc > 2 ? atof(argv[2]) : 1.0;
    long iterations = argc > 3 ? atol(argv[3]) : 0;
    if (runs < 1) runs = 1;
    if (secs <= 0) secs = 1.0;

    trib_error err = {0};
    trib_props *cfg = trib_props_new();
    trib_props_set(cfg, "schemas.enable", "true");
    trib_converter *c = trib_converter_new("org.apache.kafka.connect.json.JsonConverter", cfg, false, &err);
    if (!c) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return 1;
    }
    trib_schema *st = make_schema();
    trib_strbuf *enc = trib_xcalloc(NVALUES, sizeof *enc);
    size_t total = 0;
    for (int i = 0; i < NVALUES; i++) {
        trib_value *v = make_value(st, i);
        bool isnull;
        trib_strbuf_init(&enc[i]);
        if (c->plugin->from_connect(c->ctx, "bench", st, v, &enc[i], &isnull, &err) != 0) {
            fprintf(stderr, "bench: %s\n", err.msg);
            return 1;
        }
        total += enc[i].len;
        trib_value_destroy(v);
    }

    if (iterations > 0) {
        for (long n = 0; n < iterations; n++) decode_one(c, &enc[n % NVALUES]);
        printf("decoded %ld records\n", iterations);
    } else {
        double *ns = trib_xcalloc((size_t)runs, sizeof *ns);
        int64_t budget = (int64_t)(secs * 1e9);
        for (int r = 0; r < runs; r++) {
            int64_t n = 0, t0 = cpu_ns(), t;
            do {
                for (int i = 0; i < NVALUES; i++) decode_one(c, &enc[i]);
                n += NVALUES;
            } while ((t = cpu_ns()) - t0 < budget);
            ns[r] = (double)(t - t0) / (double)n;
        }
        qsort(ns, (size_t)runs, sizeof *ns, cmp_double);
        printf("JsonConverter schemas.enable=true, %d columns, %.0f B/record, one core, median of %d runs of %.1fs CPU\n",
               NFIELDS, (double)total / NVALUES, runs, secs);
        printf("decode: %.0f ns CPU/record = %.2f CPU s per million records\n", ns[runs / 2], ns[runs / 2] / 1000.0);
        free(ns);
    }
    for (int i = 0; i < NVALUES; i++) trib_strbuf_free(&enc[i]);
    free(enc);
    trib_schema_unref(st);
    trib_converter_destroy(c);
    trib_props_destroy(cfg);
    return 0;
}
