/*
 * raw_produce.c: the Kafka produce limit of the source benchmarks. Reads a
 * length-prefixed message file (4-byte big-endian length + bytes, as written
 * by gen_orders --dump or ktool dump) into memory and produces every message
 * to partition i % P of a topic as fast as librdkafka goes, with the
 * delivery guarantees a Connect source uses (acks=all), then waits for every
 * delivery report. Prints one line: "<messages> <bytes> <seconds> <msgs/s>".
 *
 *   raw_produce --bootstrap H:P --topic T --file F [--partitions P] [--repeat K]
 *               [-X key=value ...]   (extra librdkafka settings)
 *
 * Bench tool, not part of Tributary.
 */
#include <errno.h>
#include <getopt.h>
#include <librdkafka/rdkafka.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("raw_produce: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    long *failed = opaque;
    if (m->err) {
        if (*failed == 0) fprintf(stderr, "raw_produce: delivery failed: %s\n", rd_kafka_err2str(m->err));
        (*failed)++;
    }
}

int main(int argc, char **argv) {
    const char *bootstrap = NULL, *topic = NULL, *file = NULL;
    int partitions = 1, repeat = 1;
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "acks", "all", errstr, sizeof errstr)) die("%s", errstr);
    static const struct option opts[] = {{"bootstrap", required_argument, 0, 'b'}, {"topic", required_argument, 0, 't'},
                                         {"file", required_argument, 0, 'f'},      {"partitions", required_argument, 0, 'p'},
                                         {"repeat", required_argument, 0, 'r'},    {0, 0, 0, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "X:", opts, NULL)) != -1) {
        switch (ch) {
        case 'b': bootstrap = optarg; break;
        case 't': topic = optarg; break;
        case 'f': file = optarg; break;
        case 'p': partitions = atoi(optarg); break;
        case 'r': repeat = atoi(optarg); break;
        case 'X': {
            char *eq = strchr(optarg, '=');
            if (!eq) die("-X needs key=value: %s", optarg);
            *eq = 0;
            if (rd_kafka_conf_set(conf, optarg, eq + 1, errstr, sizeof errstr)) die("-X %s: %s", optarg, errstr);
            break;
        }
        default: die("usage: raw_produce --bootstrap H:P --topic T --file F [--partitions P] [--repeat K] [-X k=v]");
        }
    }
    if (!bootstrap || !topic || !file || partitions < 1 || repeat < 1)
        die("--bootstrap, --topic and --file are required");

    FILE *f = fopen(file, "rb");
    if (!f) die("%s: %s", file, strerror(errno));
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *data = malloc((size_t)size + 1);
    if (!data || fread(data, 1, (size_t)size, f) != (size_t)size) die("%s: read failed", file);
    fclose(f);
    /* index the messages */
    size_t n = 0, cap = 1024;
    size_t *off = malloc(cap * sizeof *off), *len = malloc(cap * sizeof *len);
    for (long p = 0; p + 4 <= size;) {
        size_t l = ((size_t)data[p] << 24) | ((size_t)data[p + 1] << 16) | ((size_t)data[p + 2] << 8) | data[p + 3];
        if (p + 4 + (long)l > size) die("%s: truncated message at byte %ld", file, p);
        if (n == cap) {
            cap *= 2;
            off = realloc(off, cap * sizeof *off);
            len = realloc(len, cap * sizeof *len);
            if (!off || !len) die("out of memory");
        }
        off[n] = (size_t)p + 4;
        len[n] = l;
        n++;
        p += 4 + (long)l;
    }
    if (n == 0) die("%s: no messages", file);

    long failed = 0;
    if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, errstr, sizeof errstr)) die("%s", errstr);
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    rd_kafka_conf_set_opaque(conf, &failed);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (!rk) die("kafka: %s", errstr);
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    /* metadata first, so connection set-up is not part of the measurement */
    const struct rd_kafka_metadata *md;
    if (rd_kafka_metadata(rk, 0, rkt, &md, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR) die("metadata for %s failed", topic);
    rd_kafka_metadata_destroy(md);

    double t0 = now_s();
    size_t total = 0, bytes = 0;
    for (int r = 0; r < repeat; r++) {
        for (size_t i = 0; i < n; i++, total++) {
            /* no copy: the file buffer outlives the producer */
            while (rd_kafka_produce(rkt, (int32_t)(total % (size_t)partitions), 0, data + off[i], len[i], NULL, 0,
                                    NULL) == -1) {
                if (rd_kafka_last_error() != RD_KAFKA_RESP_ERR__QUEUE_FULL)
                    die("produce: %s", rd_kafka_err2str(rd_kafka_last_error()));
                rd_kafka_poll(rk, 10);
            }
            bytes += len[i];
            rd_kafka_poll(rk, 0);
        }
    }
    if (rd_kafka_flush(rk, 300000) != RD_KAFKA_RESP_ERR_NO_ERROR) die("flush timed out");
    double secs = now_s() - t0;
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    free(off);
    free(len);
    free(data);
    if (failed) die("%ld deliveries failed", failed);
    printf("%zu %zu %.3f %.0f\n", total, bytes, secs, (double)total / secs);
    return 0;
}
