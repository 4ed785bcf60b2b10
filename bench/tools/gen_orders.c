/*
 * gen_orders.c: the benchmark's data set. Generates N "orders" records (the
 * 10 columns of Tributary's DataGen `orders` shape: int64, int32, string,
 * int32, float64, Decimal(2), boolean, Timestamp, Date, optional string),
 * registers their Avro schema (with Kafka Connect's AvroData annotations, so
 * every Connect-compatible AvroConverter reads them as Connect logical types)
 * under <topic>-value through the Confluent-compatible registry API, and
 * produces them in Confluent framing (magic 0, 4-byte schema id, Avro body)
 * to partition i % P of the topic. Optionally writes the same rows as CSV
 * (the PostgreSQL COPY limit) and the framed messages as a length-prefixed
 * file (raw_produce's input).
 *
 *   gen_orders --bootstrap H:P --registry URL --topic T --count N
 *              [--partitions P] [--csv FILE] [--dump FILE] [--no-produce]
 *
 * Values are a deterministic function of the record index, so every run of
 * the harness uses identical data. Bench tool, not part of Tributary.
 */
#include <avro.h>
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <inttypes.h>
#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EPOCH_2024_MS 1704067200000LL
#define MS_PER_DAY 86400000LL

static const char SCHEMA_JSON[] =
    "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"tributary.bench\",\"fields\":["
    "{\"name\":\"order_id\",\"type\":\"long\"},"
    "{\"name\":\"customer_id\",\"type\":\"int\"},"
    "{\"name\":\"product\",\"type\":\"string\"},"
    "{\"name\":\"quantity\",\"type\":\"int\"},"
    "{\"name\":\"unit_price\",\"type\":\"double\"},"
    "{\"name\":\"total\",\"type\":{\"type\":\"bytes\",\"scale\":2,\"precision\":12,\"connect.version\":1,"
    "\"connect.parameters\":{\"scale\":\"2\",\"connect.decimal.precision\":\"12\"},"
    "\"connect.name\":\"org.apache.kafka.connect.data.Decimal\",\"logicalType\":\"decimal\"}},"
    "{\"name\":\"paid\",\"type\":\"boolean\"},"
    "{\"name\":\"created_at\",\"type\":{\"type\":\"long\",\"connect.version\":1,"
    "\"connect.name\":\"org.apache.kafka.connect.data.Timestamp\",\"logicalType\":\"timestamp-millis\"}},"
    "{\"name\":\"ship_date\",\"type\":{\"type\":\"int\",\"connect.version\":1,"
    "\"connect.name\":\"org.apache.kafka.connect.data.Date\",\"logicalType\":\"date\"}},"
    "{\"name\":\"coupon\",\"type\":[\"null\",\"string\"],\"default\":null}"
    "],\"connect.name\":\"tributary.bench.Order\"}";

static const char *const products[] = {
    "keyboard", "mouse", "monitor", "laptop", "headphones", "webcam", "usb-cable", "desk-lamp",
    "notebook", "backpack", "phone-case", "charger",
};
static const char *const coupons[] = {"SAVE5", "SAVE10", "WELCOME", "FREESHIP"};

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("gen_orders: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static uint64_t mix64(uint64_t z) {
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

typedef struct {
    uint64_t s;
} rng;
static uint64_t next(rng *r) { return mix64(r->s += 0x9E3779B97F4A7C15ULL); }
static int64_t range(rng *r, int64_t lo, int64_t hi) { return lo + (int64_t)(next(r) % (uint64_t)(hi - lo + 1)); }

typedef struct {
    int64_t order_id;
    int32_t customer_id;
    const char *product;
    int32_t quantity;
    int64_t price_cents;
    int64_t total_cents;
    int paid;
    int64_t created_ms;
    int32_t ship_days;
    const char *coupon; /* NULL = null */
} order;

static void make_order(int64_t i, order *o) {
    rng r = {mix64((uint64_t)i ^ 0x7472696275746172ULL)};
    o->order_id = i;
    o->customer_id = (int32_t)range(&r, 1, 5000);
    o->product = products[next(&r) % (sizeof products / sizeof *products)];
    o->quantity = (int32_t)range(&r, 1, 10);
    o->price_cents = range(&r, 99, 99999);
    o->total_cents = o->price_cents * o->quantity;
    o->paid = next(&r) % 5 != 0;
    o->created_ms = EPOCH_2024_MS + i * 1000 + range(&r, 0, 999);
    o->ship_days = (int32_t)((o->created_ms + range(&r, 1, 5) * MS_PER_DAY) / MS_PER_DAY);
    o->coupon = next(&r) % 4 == 0 ? coupons[next(&r) % 4] : NULL;
}

/* Connect's Decimal bytes: minimal big-endian two's complement of the unscaled value. */
static size_t decimal_bytes(int64_t unscaled, unsigned char out[8]) {
    unsigned char b[8];
    for (int k = 0; k < 8; k++) b[k] = (unsigned char)((uint64_t)unscaled >> (56 - 8 * k));
    int start = 0;
    while (start < 7 && ((b[start] == 0x00 && !(b[start + 1] & 0x80)) || (b[start] == 0xFF && (b[start + 1] & 0x80))))
        start++;
    memcpy(out, b + start, (size_t)(8 - start));
    return (size_t)(8 - start);
}

/* ---- registry ---- */

typedef struct {
    char *buf;
    size_t len;
} membuf;

static size_t collect(char *p, size_t sz, size_t n, void *ud) {
    membuf *m = ud;
    size_t k = sz * n;
    m->buf = realloc(m->buf, m->len + k + 1);
    if (!m->buf) die("out of memory");
    memcpy(m->buf + m->len, p, k);
    m->len += k;
    m->buf[m->len] = 0;
    return k;
}

static int register_schema(const char *registry, const char *topic) {
    char url[2048];
    snprintf(url, sizeof url, "%s/subjects/%s-value/versions", registry, topic);
    json_t *body = json_pack("{s:s}", "schema", SCHEMA_JSON);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    CURL *c = curl_easy_init();
    if (!c) die("curl init failed");
    membuf resp = {0};
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/vnd.schemaregistry.v1+json");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, text);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    free(text);
    if (rc != CURLE_OK) die("registry %s: %s", url, curl_easy_strerror(rc));
    if (status != 200) die("registry %s: HTTP %ld: %s", url, status, resp.buf ? resp.buf : "");
    json_error_t je;
    json_t *j = json_loads(resp.buf, 0, &je);
    json_t *id = j ? json_object_get(j, "id") : NULL;
    if (!json_is_integer(id)) die("registry: no integer \"id\" in %s", resp.buf);
    int out = (int)json_integer_value(id);
    json_decref(j);
    free(resp.buf);
    return out;
}

/* ---- CSV ---- */

static void write_csv(FILE *f, const order *o) {
    time_t secs = (time_t)(o->created_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char ts[64], day[32];
    strftime(ts, sizeof ts, "%Y-%m-%d %H:%M:%S", &tm);
    time_t dsecs = (time_t)o->ship_days * 86400;
    gmtime_r(&dsecs, &tm);
    strftime(day, sizeof day, "%Y-%m-%d", &tm);
    fprintf(f, "%" PRId64 ",%d,%s,%d,%" PRId64 ".%02d,%" PRId64 ".%02d,%s,%s.%03d,%s,%s\n", o->order_id,
            o->customer_id, o->product, o->quantity, o->price_cents / 100, (int)(o->price_cents % 100),
            o->total_cents / 100, (int)(o->total_cents % 100), o->paid ? "t" : "f", ts,
            (int)(o->created_ms % 1000), day, o->coupon ? o->coupon : "");
}

/* ---- main ---- */

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    long *failed = opaque;
    if (m->err) {
        if (*failed == 0) fprintf(stderr, "gen_orders: delivery failed: %s\n", rd_kafka_err2str(m->err));
        (*failed)++;
    }
}

int main(int argc, char **argv) {
    const char *bootstrap = NULL, *registry = NULL, *topic = NULL, *csv = NULL, *dump = NULL;
    long long count = -1;
    int partitions = 1, produce = 1;
    static const struct option opts[] = {
        {"bootstrap", required_argument, 0, 'b'}, {"registry", required_argument, 0, 'r'},
        {"topic", required_argument, 0, 't'},     {"count", required_argument, 0, 'n'},
        {"partitions", required_argument, 0, 'p'}, {"csv", required_argument, 0, 'c'},
        {"dump", required_argument, 0, 'd'},      {"no-produce", no_argument, 0, 'x'},
        {0, 0, 0, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'b': bootstrap = optarg; break;
        case 'r': registry = optarg; break;
        case 't': topic = optarg; break;
        case 'n': count = strtoll(optarg, NULL, 10); break;
        case 'p': partitions = atoi(optarg); break;
        case 'c': csv = optarg; break;
        case 'd': dump = optarg; break;
        case 'x': produce = 0; break;
        default: die("usage: gen_orders --bootstrap H:P --registry URL --topic T --count N [--partitions P] [--csv F] [--dump F] [--no-produce]");
        }
    }
    if (!registry || !topic || count < 1 || partitions < 1) die("--registry, --topic and --count >= 1 are required");
    if (produce && !bootstrap) die("--bootstrap is required unless --no-produce");

    curl_global_init(CURL_GLOBAL_DEFAULT);
    int schema_id = register_schema(registry, topic);
    fprintf(stderr, "gen_orders: schema id %d for subject %s-value\n", schema_id, topic);

    avro_schema_t schema;
    if (avro_schema_from_json_length(SCHEMA_JSON, strlen(SCHEMA_JSON), &schema))
        die("avro schema: %s", avro_strerror());
    avro_value_iface_t *iface = avro_generic_class_from_schema(schema);
    avro_value_t rec;
    avro_generic_value_new(iface, &rec);

    FILE *fcsv = csv ? fopen(csv, "w") : NULL;
    if (csv && !fcsv) die("%s: %s", csv, strerror(errno));
    FILE *fdump = dump ? fopen(dump, "wb") : NULL;
    if (dump && !fdump) die("%s: %s", dump, strerror(errno));

    rd_kafka_t *rk = NULL;
    rd_kafka_topic_t *rkt = NULL;
    long failed = 0;
    if (produce) {
        char errstr[512];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, errstr, sizeof errstr) ||
            rd_kafka_conf_set(conf, "acks", "all", errstr, sizeof errstr) ||
            rd_kafka_conf_set(conf, "linger.ms", "20", errstr, sizeof errstr) ||
            rd_kafka_conf_set(conf, "batch.num.messages", "10000", errstr, sizeof errstr) ||
            rd_kafka_conf_set(conf, "queue.buffering.max.messages", "1000000", errstr, sizeof errstr))
            die("kafka conf: %s", errstr);
        rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
        rd_kafka_conf_set_opaque(conf, &failed);
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
        if (!rk) die("kafka: %s", errstr);
        rkt = rd_kafka_topic_new(rk, topic, NULL);
    }

    char *buf = malloc(1 << 16);
    if (!buf) die("out of memory");
    for (long long i = 0; i < count; i++) {
        order o;
        make_order(i, &o);
        avro_value_t f, br;
        unsigned char dec[8];
        size_t declen = decimal_bytes(o.total_cents, dec);
        avro_value_get_by_index(&rec, 0, &f, NULL), avro_value_set_long(&f, o.order_id);
        avro_value_get_by_index(&rec, 1, &f, NULL), avro_value_set_int(&f, o.customer_id);
        avro_value_get_by_index(&rec, 2, &f, NULL), avro_value_set_string(&f, o.product);
        avro_value_get_by_index(&rec, 3, &f, NULL), avro_value_set_int(&f, o.quantity);
        avro_value_get_by_index(&rec, 4, &f, NULL), avro_value_set_double(&f, (double)o.price_cents / 100.0);
        avro_value_get_by_index(&rec, 5, &f, NULL), avro_value_set_bytes(&f, dec, declen);
        avro_value_get_by_index(&rec, 6, &f, NULL), avro_value_set_boolean(&f, o.paid);
        avro_value_get_by_index(&rec, 7, &f, NULL), avro_value_set_long(&f, o.created_ms);
        avro_value_get_by_index(&rec, 8, &f, NULL), avro_value_set_int(&f, o.ship_days);
        avro_value_get_by_index(&rec, 9, &f, NULL);
        if (o.coupon) {
            avro_value_set_branch(&f, 1, &br);
            avro_value_set_string(&br, o.coupon);
        } else {
            avro_value_set_branch(&f, 0, &br);
            avro_value_set_null(&br);
        }
        buf[0] = 0;
        buf[1] = (char)((uint32_t)schema_id >> 24);
        buf[2] = (char)((uint32_t)schema_id >> 16);
        buf[3] = (char)((uint32_t)schema_id >> 8);
        buf[4] = (char)(uint32_t)schema_id;
        avro_writer_t w = avro_writer_memory(buf + 5, (1 << 16) - 5);
        if (avro_value_write(w, &rec)) die("avro encode: %s", avro_strerror());
        size_t len = 5 + (size_t)avro_writer_tell(w);
        avro_writer_free(w);

        if (fdump) {
            unsigned char hdr[4] = {(unsigned char)(len >> 24), (unsigned char)(len >> 16), (unsigned char)(len >> 8),
                                    (unsigned char)len};
            if (fwrite(hdr, 1, 4, fdump) != 4 || fwrite(buf, 1, len, fdump) != len) die("%s: write failed", dump);
        }
        if (fcsv) write_csv(fcsv, &o);
        if (rk) {
            while (rd_kafka_produce(rkt, (int32_t)(i % partitions), RD_KAFKA_MSG_F_COPY, buf, len, NULL, 0, NULL) ==
                   -1) {
                if (rd_kafka_last_error() != RD_KAFKA_RESP_ERR__QUEUE_FULL)
                    die("produce: %s", rd_kafka_err2str(rd_kafka_last_error()));
                rd_kafka_poll(rk, 50);
            }
            rd_kafka_poll(rk, 0);
        }
    }
    free(buf);
    int rc = 0;
    if (rk) {
        if (rd_kafka_flush(rk, 120000) != RD_KAFKA_RESP_ERR_NO_ERROR) die("flush timed out");
        if (failed) {
            fprintf(stderr, "gen_orders: %ld deliveries failed\n", failed);
            rc = 1;
        }
        rd_kafka_topic_destroy(rkt);
        rd_kafka_destroy(rk);
    }
    if (fcsv && fclose(fcsv)) die("%s: close failed", csv);
    if (fdump && fclose(fdump)) die("%s: close failed", dump);
    avro_value_decref(&rec);
    avro_value_iface_decref(iface);
    avro_schema_decref(schema);
    curl_global_cleanup();
    if (!rc) fprintf(stderr, "gen_orders: %lld records%s\n", count, rk ? " produced" : "");
    return rc;
}
