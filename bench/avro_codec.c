/*
 * bench/avro_codec.c: Avro encode and decode throughput of the codec that
 * the AvroConverter uses (proto/avro_codec.c over avro-c), on one core, for
 * a 10-field and a 50-field record. Prints the median of several timed runs.
 *
 *   build/bench/bench_avro_codec [runs] [seconds-per-run]     (defaults 5, 1.0)
 *   build/bench/bench_avro_codec --decode-only N
 *
 * --decode-only decodes (and frees) exactly N 50-field records and prints
 * nothing else: a fixed amount of work for callgrind, whose instruction
 * count per record is then inclusive(trib_avro_codec_decode) / N.
 *
 * Time is this thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so the figure is
 * the throughput of one core even on a busy machine; wall-clock time on an
 * idle machine gives the same numbers.
 *
 * Encode: Connect value -> Avro binary appended to a reused buffer.
 * Decode: Avro binary -> a new Connect value, which is then freed (as a
 * sink task frees each record), so allocation is part of the cost.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/util.h"
#include "proto/avro_codec.h"
#include "proto/avro_schema.h"
#include "proto/data.h"

#define NVALUES 1024

/* A record of nfields fields cycling through realistic column types. */
static trib_schema *make_schema(int nfields) {
    trib_schema *st = trib_schema_struct_new("bench.Record");
    for (int i = 0; i < nfields; i++) {
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

static int64_t cpu_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *xs, int n) {
    qsort(xs, (size_t)n, sizeof *xs, cmp_double);
    return n % 2 ? xs[n / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
}

static void bench(int nfields, int runs, double secs) {
    trib_schema *st = make_schema(nfields);
    trib_error err = {0};
    char *avsc = trib_avro_schema_from_connect_str(st, NULL, &err);
    trib_avro_codec *c = avsc ? trib_avro_codec_new(st, avsc, false, &err) : NULL;
    if (!c) {
        fprintf(stderr, "bench: %s\n", err.msg);
        exit(1);
    }
    trib_value **vals = trib_xcalloc(NVALUES, sizeof *vals);
    trib_strbuf *enc = trib_xcalloc(NVALUES, sizeof *enc);
    size_t total_bytes = 0;
    for (int i = 0; i < NVALUES; i++) {
        vals[i] = make_value(st, i);
        trib_strbuf_init(&enc[i]);
        if (trib_avro_codec_encode(c, vals[i], &enc[i], &err) != 0) {
            fprintf(stderr, "bench: %s\n", err.msg);
            exit(1);
        }
        total_bytes += enc[i].len;
    }
    double *er = trib_xcalloc((size_t)runs, sizeof *er), *dr = trib_xcalloc((size_t)runs, sizeof *dr);
    trib_strbuf out;
    trib_strbuf_init(&out);
    int64_t budget_us = (int64_t)(secs * 1e6);
    for (int r = 0; r < runs; r++) {
        int64_t n = 0, t0 = cpu_us(), t;
        do {
            for (int i = 0; i < NVALUES; i++) {
                trib_strbuf_reset(&out);
                if (trib_avro_codec_encode(c, vals[i], &out, &err) != 0) exit(1);
            }
            n += NVALUES;
        } while ((t = cpu_us()) - t0 < budget_us);
        er[r] = (double)n * 1e6 / (double)(t - t0);

        n = 0;
        t0 = cpu_us();
        do {
            for (int i = 0; i < NVALUES; i++) {
                trib_value *v;
                if (trib_avro_codec_decode(c, enc[i].data, enc[i].len, &v, &err) != 0) exit(1);
                trib_value_destroy(v);
            }
            n += NVALUES;
        } while ((t = cpu_us()) - t0 < budget_us);
        dr[r] = (double)n * 1e6 / (double)(t - t0);
    }
    printf("| %2d fields | %5.0f B | %10.0f | %10.0f |\n", nfields, (double)total_bytes / NVALUES,
           median(er, runs), median(dr, runs));
    fflush(stdout);
    for (int i = 0; i < NVALUES; i++) {
        trib_value_destroy(vals[i]);
        trib_strbuf_free(&enc[i]);
    }
    free(vals);
    free(enc);
    free(er);
    free(dr);
    trib_strbuf_free(&out);
    trib_avro_codec_destroy(c);
    free(avsc);
    trib_schema_unref(st);
}

/* Exactly n decodes of 50-field records (see --decode-only). */
static int decode_only(long n) {
    trib_schema *st = make_schema(50);
    trib_error err = {0};
    char *avsc = trib_avro_schema_from_connect_str(st, NULL, &err);
    trib_avro_codec *c = avsc ? trib_avro_codec_new(st, avsc, false, &err) : NULL;
    if (!c) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return 1;
    }
    trib_strbuf *enc = trib_xcalloc(NVALUES, sizeof *enc);
    for (int i = 0; i < NVALUES; i++) {
        trib_value *v = make_value(st, i);
        trib_strbuf_init(&enc[i]);
        if (trib_avro_codec_encode(c, v, &enc[i], &err) != 0) return 1;
        trib_value_destroy(v);
    }
    for (long i = 0; i < n; i++) {
        trib_value *v;
        if (trib_avro_codec_decode(c, enc[i % NVALUES].data, enc[i % NVALUES].len, &v, &err) != 0) return 1;
        trib_value_destroy(v);
    }
    for (int i = 0; i < NVALUES; i++) trib_strbuf_free(&enc[i]);
    free(enc);
    trib_avro_codec_destroy(c);
    free(avsc);
    trib_schema_unref(st);
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 2 && strcmp(argv[1], "--decode-only") == 0) return decode_only(atol(argv[2]));
    int runs = argc > 1 ? atoi(argv[1]) : 5;
    double secs = argc > 2 ? atof(argv[2]) : 1.0;
    if (runs < 1) runs = 1;
    if (secs <= 0) secs = 1.0;
    printf("Avro codec, one core, median of %d runs of %.1fs CPU time each (records/s)\n\n", runs, secs);
    printf("| record    | size    | encode/s   | decode/s   |\n");
    printf("|-----------|---------|------------|------------|\n");
    bench(10, runs, secs);
    bench(50, runs, secs);
    return 0;
}
