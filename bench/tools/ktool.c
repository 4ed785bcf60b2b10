/*
 * ktool.c: the small Kafka chores of the benchmark scripts, with librdkafka.
 *
 *   ktool -b H:P create-topic TOPIC PARTITIONS [K=V...]  (fails if it exists;
 *                                                   K=V are topic configs)
 *   ktool -b H:P delete-topic TOPIC                 (ok if it does not exist)
 *   ktool -b H:P count TOPIC                        sum of the partitions' end offsets
 *   ktool -b H:P wait-count TOPIC N TIMEOUT_S       wait until count >= N; prints
 *                                                   the milliseconds waited
 *   ktool -b H:P dump TOPIC N FILE                  first N messages (all partitions,
 *                                                   from the beginning) to a
 *                                                   length-prefixed file
 *   ktool -b H:P head TOPIC                         hex of the first message's value
 *   ktool -b H:P wait-group GROUP TOPIC TIMEOUT_S   wait until consumer group GROUP has
 *                                                   committed every partition of TOPIC
 *                                                   up to its end offset (checked every
 *                                                   100 ms); prints "SUM EPOCH_MS": the
 *                                                   committed sum and the wall-clock time
 *                                                   it was seen; exit 3 (the sum so far)
 *                                                   when TIMEOUT_S passes first
 *                                                   (a sink's end seen from Kafka, so
 *                                                   the sink's database is never asked)
 *   ktool -b H:P span TOPIC                         "COUNT FIRST_MS LAST_MS": the
 *                                                   earliest and latest message
 *                                                   timestamps over all partitions
 *                                                   (append times on a topic with
 *                                                   message.timestamp.type=LogAppendTime)
 *
 * Every wait is bounded. Bench tool, not part of Tributary.
 */
#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("ktool: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static rd_kafka_t *client(const char *bootstrap, rd_kafka_type_t type, const char *group) {
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, errstr, sizeof errstr)) die("%s", errstr);
    if (group && (rd_kafka_conf_set(conf, "group.id", group, errstr, sizeof errstr) ||
                  rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr, sizeof errstr) ||
                  rd_kafka_conf_set(conf, "enable.partition.eof", "true", errstr, sizeof errstr)))
        die("%s", errstr);
    rd_kafka_t *rk = rd_kafka_new(type, conf, errstr, sizeof errstr);
    if (!rk) die("kafka: %s", errstr);
    return rk;
}

static void admin_wait(rd_kafka_queue_t *q, rd_kafka_event_type_t want, int allow_missing,
                       const char *what) {
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 30000);
    if (!ev) die("%s: no answer in 30 s", what);
    if (rd_kafka_event_type(ev) != want) die("%s: %s", what, rd_kafka_event_error_string(ev));
    const rd_kafka_topic_result_t **res;
    size_t n = 0;
    if (want == RD_KAFKA_EVENT_CREATETOPICS_RESULT)
        res = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    else
        res = rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &n);
    for (size_t i = 0; i < n; i++) {
        rd_kafka_resp_err_t e = rd_kafka_topic_result_error(res[i]);
        if (e && !(allow_missing && e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART))
            die("%s %s: %s", what, rd_kafka_topic_result_name(res[i]), rd_kafka_topic_result_error_string(res[i]));
    }
    rd_kafka_event_destroy(ev);
}

static int partitions_of(rd_kafka_t *rk, const char *topic) {
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    const struct rd_kafka_metadata *md;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, rkt, &md, 10000);
    rd_kafka_topic_destroy(rkt);
    if (e) die("metadata %s: %s", topic, rd_kafka_err2str(e));
    int n = 0;
    if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR) n = md->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(md);
    return n;
}

static long long topic_count(rd_kafka_t *rk, const char *topic) {
    int np = partitions_of(rk, topic);
    if (np == 0) return -1;
    long long sum = 0;
    for (int p = 0; p < np; p++) {
        int64_t lo, hi;
        rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &hi, 10000);
        if (e) die("watermarks %s[%d]: %s", topic, p, rd_kafka_err2str(e));
        sum += hi;
    }
    return sum;
}

static void dump(rd_kafka_t *rk, const char *topic, long long n, const char *path, int hex_first) {
    int np = partitions_of(rk, topic);
    if (np == 0) die("topic %s does not exist", topic);
    rd_kafka_topic_partition_list_t *tp = rd_kafka_topic_partition_list_new(np);
    for (int p = 0; p < np; p++)
        rd_kafka_topic_partition_list_add(tp, topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    if (rd_kafka_assign(rk, tp)) die("assign failed");
    rd_kafka_topic_partition_list_destroy(tp);
    FILE *f = NULL;
    if (path && !(f = fopen(path, "wb"))) die("%s: %s", path, strerror(errno));
    long long got = 0;
    int eofs = 0;
    int64_t deadline = now_ms() + 300000;
    while (got < n && eofs < np) {
        if (now_ms() > deadline) die("dump: only %lld of %lld messages in 300 s", got, n);
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 1000);
        if (!m) continue;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            eofs++;
        } else if (m->err) {
            die("consume: %s", rd_kafka_message_errstr(m));
        } else {
            if (hex_first) {
                const unsigned char *v = m->payload;
                for (size_t i = 0; i < m->len && i < 64; i++) printf("%02x", v[i]);
                printf("\n");
                rd_kafka_message_destroy(m);
                break;
            }
            unsigned char hdr[4] = {(unsigned char)(m->len >> 24), (unsigned char)(m->len >> 16),
                                    (unsigned char)(m->len >> 8), (unsigned char)m->len};
            if (fwrite(hdr, 1, 4, f) != 4 || fwrite(m->payload, 1, m->len, f) != m->len) die("%s: write failed", path);
            got++;
        }
        rd_kafka_message_destroy(m);
    }
    if (f && fclose(f)) die("%s: close failed", path);
    if (!hex_first && got < n) die("dump: topic %s has only %lld messages", topic, got);
    rd_kafka_consumer_close(rk);
}

/* Timestamp of the message at offset off of topic[p] (one fetch). */
static int64_t timestamp_at(rd_kafka_t *rk, const char *topic, int p, int64_t off) {
    rd_kafka_topic_partition_list_t *tp = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(tp, topic, p)->offset = off;
    if (rd_kafka_assign(rk, tp)) die("assign failed");
    rd_kafka_topic_partition_list_destroy(tp);
    int64_t deadline = now_ms() + 30000, ts = -1;
    while (ts < 0) {
        if (now_ms() > deadline) die("span: no message at %s[%d]@%lld in 30 s", topic, p, (long long)off);
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 1000);
        if (!m) continue;
        if (m->err && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) die("consume: %s", rd_kafka_message_errstr(m));
        if (!m->err && m->partition == p && m->offset == off) {
            rd_kafka_timestamp_type_t type;
            ts = rd_kafka_message_timestamp(m, &type);
            if (type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE) die("span: %s has no timestamps", topic);
        }
        rd_kafka_message_destroy(m);
    }
    rd_kafka_assign(rk, NULL);
    return ts;
}

/* wait-group: the group's committed offsets of every partition of topic
 * against the partitions' end offsets (read once: nothing produces to the
 * topic any more). rk has group.id = group but never subscribes, so it
 * only asks the coordinator (OffsetFetch) and never joins the group.
 * Returns 0 with *sum when all reached their end, 3 at the deadline. */
static int wait_group(rd_kafka_t *rk, const char *topic, int64_t deadline, long long *sum, long long *seen_ms) {
    int np = partitions_of(rk, topic);
    if (np == 0) die("wait-group: topic %s does not exist", topic);
    int64_t *end = calloc((size_t)np, sizeof *end);
    if (!end) die("out of memory");
    for (int p = 0; p < np; p++) {
        int64_t lo;
        rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &end[p], 10000);
        if (e) die("watermarks %s[%d]: %s", topic, p, rd_kafka_err2str(e));
    }
    int rc = 3;
    for (;;) {
        rd_kafka_topic_partition_list_t *tp = rd_kafka_topic_partition_list_new(np);
        for (int p = 0; p < np; p++) rd_kafka_topic_partition_list_add(tp, topic, p);
        rd_kafka_resp_err_t e = rd_kafka_committed(rk, tp, 5000);
        int done = !e;
        *sum = 0;
        for (int i = 0; !e && i < tp->cnt; i++) {
            const rd_kafka_topic_partition_t *x = &tp->elems[i];
            if (x->err || x->offset < 0) { /* none committed yet */
                done = 0;
                continue;
            }
            *sum += x->offset;
            if (x->offset < end[x->partition]) done = 0;
        }
        rd_kafka_topic_partition_list_destroy(tp);
        if (done) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            *seen_ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
            rc = 0;
            break;
        }
        /* a transient coordinator error is retried like "not yet" */
        if (now_ms() >= deadline) break;
        usleep(100000);
    }
    free(end);
    return rc;
}

static void span(rd_kafka_t *rk, const char *topic) {
    int np = partitions_of(rk, topic);
    if (np == 0) die("topic %s does not exist", topic);
    long long count = 0;
    int64_t first = INT64_MAX, last = INT64_MIN;
    for (int p = 0; p < np; p++) {
        int64_t lo, hi;
        rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &hi, 10000);
        if (e) die("watermarks %s[%d]: %s", topic, p, rd_kafka_err2str(e));
        if (hi <= lo) continue;
        count += hi - lo;
        int64_t a = timestamp_at(rk, topic, p, lo), b = timestamp_at(rk, topic, p, hi - 1);
        if (a < first) first = a;
        if (b > last) last = b;
    }
    if (count == 0) die("span: %s is empty", topic);
    printf("%lld %lld %lld\n", count, (long long)first, (long long)last);
}

int main(int argc, char **argv) {
    const char *bootstrap = NULL;
    int opt;
    while ((opt = getopt(argc, argv, "b:")) != -1) {
        if (opt == 'b') bootstrap = optarg;
        else die("usage: ktool -b H:P COMMAND ...");
    }
    argc -= optind;
    argv += optind;
    if (!bootstrap || argc < 2) die("usage: ktool -b H:P create-topic|delete-topic|count|wait-count|wait-group|dump|head|span ARGS ...");
    const char *cmd = argv[0], *topic = argv[1];

    if (strcmp(cmd, "create-topic") == 0 || strcmp(cmd, "delete-topic") == 0) {
        int create = cmd[0] == 'c';
        if (create && argc < 3) die("create-topic TOPIC PARTITIONS [K=V...]");
        rd_kafka_t *rk = client(bootstrap, RD_KAFKA_PRODUCER, NULL);
        rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
        char errstr[512];
        if (create) {
            rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, atoi(argv[2]), 1, errstr, sizeof errstr);
            if (!nt) die("create-topic: %s", errstr);
            for (int i = 3; i < argc; i++) {
                char *kv = argv[i], *eq = strchr(kv, '=');
                if (!eq) die("create-topic: %s is not K=V", kv);
                *eq = '\0';
                if (rd_kafka_NewTopic_set_config(nt, kv, eq + 1)) die("create-topic: bad config %s", kv);
            }
            rd_kafka_CreateTopics(rk, &nt, 1, NULL, q);
            admin_wait(q, RD_KAFKA_EVENT_CREATETOPICS_RESULT, 0, "create-topic");
            rd_kafka_NewTopic_destroy(nt);
            /* wait until the metadata shows every partition */
            int64_t deadline = now_ms() + 30000;
            while (partitions_of(rk, topic) != atoi(argv[2])) {
                if (now_ms() > deadline) die("create-topic: %s not visible after 30 s", topic);
                usleep(100000);
            }
        } else {
            rd_kafka_DeleteTopic_t *dt = rd_kafka_DeleteTopic_new(topic);
            rd_kafka_DeleteTopics(rk, &dt, 1, NULL, q);
            admin_wait(q, RD_KAFKA_EVENT_DELETETOPICS_RESULT, 1, "delete-topic");
            rd_kafka_DeleteTopic_destroy(dt);
            int64_t deadline = now_ms() + 30000;
            while (partitions_of(rk, topic) != 0) {
                if (now_ms() > deadline) die("delete-topic: %s still visible after 30 s", topic);
                usleep(100000);
            }
        }
        rd_kafka_queue_destroy(q);
        rd_kafka_destroy(rk);
    } else if (strcmp(cmd, "count") == 0) {
        rd_kafka_t *rk = client(bootstrap, RD_KAFKA_PRODUCER, NULL);
        long long c = topic_count(rk, topic);
        printf("%lld\n", c < 0 ? 0 : c);
        rd_kafka_destroy(rk);
    } else if (strcmp(cmd, "wait-count") == 0) {
        if (argc != 4) die("wait-count TOPIC N TIMEOUT_S");
        long long n = atoll(argv[2]);
        int64_t t0 = now_ms(), deadline = t0 + atoll(argv[3]) * 1000;
        rd_kafka_t *rk = client(bootstrap, RD_KAFKA_PRODUCER, NULL);
        long long c;
        while ((c = topic_count(rk, topic)) < n) {
            if (now_ms() > deadline) die("wait-count: %s has %lld of %lld messages after %s s", topic, c < 0 ? 0 : c, n, argv[3]);
            usleep(50000);
        }
        printf("%lld\n", (long long)(now_ms() - t0));
        rd_kafka_destroy(rk);
    } else if (strcmp(cmd, "dump") == 0 || strcmp(cmd, "head") == 0) {
        int head = cmd[0] == 'h';
        if (!head && argc != 4) die("dump TOPIC N FILE");
        char group[64];
        snprintf(group, sizeof group, "ktool-%d", (int)getpid());
        rd_kafka_t *rk = client(bootstrap, RD_KAFKA_CONSUMER, group);
        rd_kafka_poll_set_consumer(rk);
        dump(rk, topic, head ? 1 : atoll(argv[2]), head ? NULL : argv[3], head);
        rd_kafka_destroy(rk);
    } else if (strcmp(cmd, "wait-group") == 0) {
        if (argc != 4) die("wait-group GROUP TOPIC TIMEOUT_S");
        int64_t deadline = now_ms() + atoll(argv[3]) * 1000;
        rd_kafka_t *rk = client(bootstrap, RD_KAFKA_CONSUMER, argv[1]);
        long long sum = 0, seen_ms = 0;
        int rc = wait_group(rk, argv[2], deadline, &sum, &seen_ms);
        printf("%lld %lld\n", sum, seen_ms);
        rd_kafka_destroy(rk);
        return rc;
    } else if (strcmp(cmd, "span") == 0) {
        char group[64];
        snprintf(group, sizeof group, "ktool-%d", (int)getpid());
        rd_kafka_t *rk = client(bootstrap, RD_KAFKA_CONSUMER, group);
        rd_kafka_poll_set_consumer(rk);
        span(rk, topic);
        rd_kafka_consumer_close(rk);
        rd_kafka_destroy(rk);
    } else {
        die("unknown command %s", cmd);
    }
    return 0;
}
