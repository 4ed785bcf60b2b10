/*
 * gen_shapes.c: the data sets of bench/sink_shapes.sh, the record shapes
 * beyond the 10-column orders of gen_orders:
 *
 *   wide50   50 columns cycling through int64, string, double, int32,
 *            boolean, Timestamp, Decimal(12,2), bytes; every other column
 *            nullable (about one value in five null). Unique "id". Records
 *            go to partition index % P.
 *   json20   20 columns of the same kinds, for JsonConverter with
 *            schemas.enable=true (Connect's {"schema":..,"payload":..}).
 *   skew     upsert keys: "k" drawn Zipf-like (s = 1) over --keys keys
 *            (default 10,000), so one key repeats within a batch; "seq"
 *            is the record index (unique), the last value per key wins.
 *            Records go to partition k % P, so each key's order is kept.
 *   large    a 10 KB string and a 10 KB bytes field per record.
 *
 * Avro shapes register their schema (with Connect's AvroData annotations)
 * under <topic>-value through the Confluent-compatible registry API and are
 * produced in Confluent framing; json20 is produced as envelope text. The
 * same rows are written as PostgreSQL CSV (--csv, the staging table that
 * the COPY limit and the correctness checks use) and the produced messages
 * as a length-prefixed file (--dump, raw_produce's input). --ddl prints the
 * shape's column definitions as SQL (--columns: its
 * column names) and exits. Values are a deterministic function
 * of the record index. Bench tool, not part of Tributary.
 *
 *   gen_shapes --shape S --topic T --count N [--bootstrap H:P] [--registry URL]
 *              [--partitions P] [--keys K] [--csv F] [--dump F] [--no-produce] [--ddl|--columns]
 */
#include <avro.h>
#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EPOCH_2024_MS 1704067200000LL
#define BIG 10240

typedef enum { K_LONG, K_STRING, K_DOUBLE, K_INT, K_BOOL, K_TS, K_DEC, K_BYTES, K_BIGSTR, K_BIGBYTES } kind;

typedef struct {
    char name[16];
    kind k;
    int nullable;
} column;

static column cols[64];
static int ncols;
static int is_json, is_skew;
static int nkeys = 10000;
static double *zipf_cdf;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("gen_shapes: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void add_col(const char *name, kind k, int nullable) {
    snprintf(cols[ncols].name, sizeof cols[ncols].name, "%s", name);
    cols[ncols].k = k;
    cols[ncols].nullable = nullable;
    ncols++;
}

static const kind cycle[] = {K_LONG, K_STRING, K_DOUBLE, K_INT, K_BOOL, K_TS, K_DEC, K_BYTES};

static void define_shape(const char *shape) {
    if (strcmp(shape, "wide50") == 0 || strcmp(shape, "json20") == 0) {
        int n = shape[0] == 'w' ? 50 : 20;
        is_json = shape[0] == 'j';
        add_col("id", K_LONG, 0);
        for (int i = 1; i < n; i++) {
            char name[16];
            snprintf(name, sizeof name, "c%02d", i);
            add_col(name, cycle[i % 8], i % 2 == 0);
        }
    } else if (strcmp(shape, "skew") == 0) {
        is_skew = 1;
        add_col("k", K_LONG, 0);
        add_col("seq", K_LONG, 0);
        add_col("note", K_STRING, 0);
        add_col("amount", K_DEC, 0);
        add_col("updated_at", K_TS, 0);
        add_col("flag", K_BOOL, 1);
    } else if (strcmp(shape, "large") == 0) {
        add_col("id", K_LONG, 0);
        add_col("body", K_BIGSTR, 0);
        add_col("blob", K_BIGBYTES, 0);
    } else {
        die("unknown shape %s (wide50, json20, skew, large)", shape);
    }
}

static const char *sql_type(kind k) {
    switch (k) {
    case K_LONG: return "bigint";
    case K_INT: return "integer";
    case K_DOUBLE: return "double precision";
    case K_BOOL: return "boolean";
    case K_TS: return "timestamp";
    case K_DEC: return "numeric(12,2)";
    case K_BYTES:
    case K_BIGBYTES: return "bytea";
    default: return "text";
    }
}

static uint64_t mix64(uint64_t z) {
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* One cell's value, a function of (row, column). */
typedef struct {
    int null;
    int64_t i;
    double d;
    char s[48];
    unsigned char b[16];
    size_t blen;
} cell;

static int64_t zipf_key(uint64_t r) {
    double u = (double)(r >> 11) / 9007199254740992.0;
    int lo = 0, hi = nkeys - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (zipf_cdf[mid] < u) lo = mid + 1;
        else hi = mid;
    }
    return lo + 1;
}

static void make_cell(int64_t row, int c, cell *v) {
    uint64_t r = mix64((uint64_t)row * 131 + (uint64_t)c);
    memset(v, 0, sizeof *v);
    if (cols[c].nullable && r % 5 == 0) {
        v->null = 1;
        return;
    }
    if (c == 0 && !is_skew) {
        v->i = row;
        return;
    }
    if (is_skew && c == 0) {
        v->i = zipf_key(r);
        return;
    }
    if (is_skew && c == 1) {
        v->i = row;
        return;
    }
    switch (cols[c].k) {
    case K_LONG: v->i = (int64_t)(r % 1000000000000ULL); break;
    case K_INT: v->i = (int64_t)(r % 2000000) - 1000000; break;
    case K_DOUBLE: v->d = (double)(r % 100000000) / 64.0; break;   /* exact in binary and decimal text */
    case K_BOOL: v->i = (int64_t)(r & 1); break;
    case K_TS: v->i = EPOCH_2024_MS + (int64_t)(r % 31536000000ULL); break;
    case K_DEC: v->i = (int64_t)(r % 100000000); break;   /* unscaled, scale 2 */
    case K_BYTES:
        v->blen = 1 + r % 16;
        for (size_t k = 0; k < v->blen; k++) v->b[k] = (unsigned char)(mix64(r + k) & 0xFF);
        break;
    case K_STRING: snprintf(v->s, sizeof v->s, "value-%" PRIu64 "-%d", r % 100000, c); break;
    default: break;
    }
}

/* The 10 KB payloads: deterministic per row, letters (string) and every byte value (bytes). */
static void big_fill(int64_t row, char *s, unsigned char *b) {
    for (int k = 0; k < BIG; k++) {
        s[k] = (char)('a' + (row + k) % 26);
        b[k] = (unsigned char)((row * 7 + k) & 0xFF);
    }
    s[BIG] = 0;
}

static size_t decimal_bytes(int64_t unscaled, unsigned char out[8]) {
    unsigned char b[8];
    for (int k = 0; k < 8; k++) b[k] = (unsigned char)((uint64_t)unscaled >> (56 - 8 * k));
    int start = 0;
    while (start < 7 && ((b[start] == 0x00 && !(b[start + 1] & 0x80)) || (b[start] == 0xFF && (b[start + 1] & 0x80))))
        start++;
    memcpy(out, b + start, (size_t)(8 - start));
    return (size_t)(8 - start);
}

/* ---- schemas ---- */

static json_t *avro_type(kind k) {
    switch (k) {
    case K_LONG: return json_string("long");
    case K_INT: return json_string("int");
    case K_DOUBLE: return json_string("double");
    case K_BOOL: return json_string("boolean");
    case K_BYTES:
    case K_BIGBYTES: return json_string("bytes");
    case K_TS:
        return json_pack("{s:s,s:i,s:s,s:s}", "type", "long", "connect.version", 1, "connect.name",
                         "org.apache.kafka.connect.data.Timestamp", "logicalType", "timestamp-millis");
    case K_DEC:
        return json_pack("{s:s,s:i,s:i,s:i,s:{s:s,s:s},s:s,s:s}", "type", "bytes", "scale", 2, "precision", 12,
                         "connect.version", 1, "connect.parameters", "scale", "2", "connect.decimal.precision", "12",
                         "connect.name", "org.apache.kafka.connect.data.Decimal", "logicalType", "decimal");
    default: return json_string("string");
    }
}

static char *avro_schema_text(void) {
    json_t *fields = json_array();
    for (int c = 0; c < ncols; c++) {
        json_t *t = avro_type(cols[c].k);
        json_t *f = json_object();
        json_object_set_new(f, "name", json_string(cols[c].name));
        if (cols[c].nullable) {
            json_object_set_new(f, "type", json_pack("[s,o]", "null", t));
            json_object_set_new(f, "default", json_null());
        } else {
            json_object_set_new(f, "type", t);
        }
        json_array_append_new(fields, f);
    }
    json_t *s = json_pack("{s:s,s:s,s:s,s:o,s:s}", "type", "record", "name", "Shape", "namespace", "tributary.bench",
                          "fields", fields, "connect.name", "tributary.bench.Shape");
    char *text = json_dumps(s, JSON_COMPACT);
    json_decref(s);
    return text;
}

static json_t *connect_schema(void) {
    json_t *fields = json_array();
    for (int c = 0; c < ncols; c++) {
        json_t *f = json_object();
        const char *t = "string";
        switch (cols[c].k) {
        case K_LONG:
        case K_TS: t = "int64"; break;
        case K_INT: t = "int32"; break;
        case K_DOUBLE: t = "double"; break;
        case K_BOOL: t = "boolean"; break;
        case K_DEC:
        case K_BYTES:
        case K_BIGBYTES: t = "bytes"; break;
        default: break;
        }
        json_object_set_new(f, "type", json_string(t));
        json_object_set_new(f, "optional", json_boolean(cols[c].nullable));
        if (cols[c].k == K_TS) {
            json_object_set_new(f, "name", json_string("org.apache.kafka.connect.data.Timestamp"));
            json_object_set_new(f, "version", json_integer(1));
        } else if (cols[c].k == K_DEC) {
            json_object_set_new(f, "name", json_string("org.apache.kafka.connect.data.Decimal"));
            json_object_set_new(f, "version", json_integer(1));
            json_object_set_new(f, "parameters", json_pack("{s:s}", "scale", "2"));
        }
        json_object_set_new(f, "field", json_string(cols[c].name));
        json_array_append_new(fields, f);
    }
    return json_pack("{s:s,s:o,s:b,s:s}", "type", "struct", "fields", fields, "optional", 0, "name",
                     "tributary.bench.Shape");
}

static char *base64(const unsigned char *p, size_t n) {
    static const char T[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *o = malloc((n + 2) / 3 * 4 + 1), *q = o;
    if (!o) die("out of memory");
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        *q++ = T[v >> 18], *q++ = T[(v >> 12) & 63], *q++ = T[(v >> 6) & 63], *q++ = T[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)p[i] << 16;
        *q++ = T[v >> 18], *q++ = T[(v >> 12) & 63], *q++ = '=', *q++ = '=';
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
        *q++ = T[v >> 18], *q++ = T[(v >> 12) & 63], *q++ = T[(v >> 6) & 63], *q++ = '=';
    }
    *q = 0;
    return o;
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

static int register_schema(const char *registry, const char *topic, const char *schema) {
    char url[2048];
    snprintf(url, sizeof url, "%s/subjects/%s-value/versions", registry, topic);
    json_t *body = json_pack("{s:s}", "schema", schema);
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

/* ---- one row in each output form ---- */

static void csv_cell(FILE *f, int c, const cell *v, const char *bigs, const unsigned char *bigb) {
    if (v->null) return;   /* unquoted empty = NULL */
    switch (cols[c].k) {
    case K_LONG:
    case K_INT: fprintf(f, "%" PRId64, v->i); break;
    case K_DOUBLE: fprintf(f, "%.17g", v->d); break;
    case K_BOOL: fputs(v->i ? "t" : "f", f); break;
    case K_TS: {
        time_t secs = (time_t)(v->i / 1000);
        struct tm tm;
        gmtime_r(&secs, &tm);
        char ts[64];
        strftime(ts, sizeof ts, "%Y-%m-%d %H:%M:%S", &tm);
        fprintf(f, "%s.%03d", ts, (int)(v->i % 1000));
        break;
    }
    case K_DEC: fprintf(f, "%" PRId64 ".%02d", v->i / 100, (int)(v->i % 100)); break;
    case K_BYTES:
        fputs("\\x", f);
        for (size_t k = 0; k < v->blen; k++) fprintf(f, "%02x", v->b[k]);
        break;
    case K_BIGBYTES:
        fputs("\\x", f);
        for (size_t k = 0; k < BIG; k++) fprintf(f, "%02x", bigb[k]);
        break;
    case K_BIGSTR: fprintf(f, "\"%s\"", bigs); break;
    default: fprintf(f, "\"%s\"", v->s); break;   /* generated strings hold no quotes */
    }
}

static void avro_cell(avro_value_t *rec, int c, const cell *v, const char *bigs, const unsigned char *bigb) {
    avro_value_t f, br;
    avro_value_get_by_index(rec, (size_t)c, &f, NULL);
    if (cols[c].nullable) {
        if (v->null) {
            avro_value_set_branch(&f, 0, &br);
            avro_value_set_null(&br);
            return;
        }
        avro_value_set_branch(&f, 1, &br);
        f = br;
    }
    unsigned char dec[8];
    switch (cols[c].k) {
    case K_LONG:
    case K_TS: avro_value_set_long(&f, v->i); break;
    case K_INT: avro_value_set_int(&f, (int32_t)v->i); break;
    case K_DOUBLE: avro_value_set_double(&f, v->d); break;
    case K_BOOL: avro_value_set_boolean(&f, (int)v->i); break;
    case K_DEC: avro_value_set_bytes(&f, dec, decimal_bytes(v->i, dec)); break;
    case K_BYTES: avro_value_set_bytes(&f, (void *)v->b, v->blen); break;
    case K_BIGBYTES: avro_value_set_bytes(&f, (void *)bigb, BIG); break;
    case K_BIGSTR: avro_value_set_string(&f, bigs); break;
    default: avro_value_set_string(&f, v->s); break;
    }
}

static json_t *json_cell(int c, const cell *v, const char *bigs, const unsigned char *bigb) {
    if (v->null) return json_null();
    unsigned char dec[8];
    char *b64;
    json_t *j;
    switch (cols[c].k) {
    case K_LONG:
    case K_INT:
    case K_TS: return json_integer(v->i);
    case K_DOUBLE: return json_real(v->d);
    case K_BOOL: return json_boolean(v->i);
    case K_DEC: b64 = base64(dec, decimal_bytes(v->i, dec)); break;
    case K_BYTES: b64 = base64(v->b, v->blen); break;
    case K_BIGBYTES: b64 = base64(bigb, BIG); break;
    case K_BIGSTR: return json_string(bigs);
    default: return json_string(v->s);
    }
    j = json_string(b64);
    free(b64);
    return j;
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    long *failed = opaque;
    if (m->err) {
        if (*failed == 0) fprintf(stderr, "gen_shapes: delivery failed: %s\n", rd_kafka_err2str(m->err));
        (*failed)++;
    }
}

int main(int argc, char **argv) {
    const char *bootstrap = NULL, *registry = NULL, *topic = NULL, *csv = NULL, *dump = NULL, *shape = NULL;
    long long count = -1;
    int partitions = 1, produce = 1, ddl = 0, names = 0;
    static const struct option opts[] = {
        {"bootstrap", required_argument, 0, 'b'}, {"registry", required_argument, 0, 'r'},
        {"topic", required_argument, 0, 't'},     {"count", required_argument, 0, 'n'},
        {"partitions", required_argument, 0, 'p'}, {"csv", required_argument, 0, 'c'},
        {"dump", required_argument, 0, 'd'},      {"no-produce", no_argument, 0, 'x'},
        {"shape", required_argument, 0, 's'},     {"keys", required_argument, 0, 'k'},
        {"ddl", no_argument, 0, 'D'},             {"columns", no_argument, 0, 'C'},
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
        case 's': shape = optarg; break;
        case 'k': nkeys = atoi(optarg); break;
        case 'D': ddl = 1; break;
        case 'C': names = 1; break;
        default: die("usage: see the opening comment of bench/tools/gen_shapes.c");
        }
    }
    if (!shape) die("--shape is required");
    define_shape(shape);
    if (ddl || names) {   /* "name type [NOT NULL], ..." for CREATE TABLE, or "name, ..." */
        for (int c = 0; c < ncols; c++)
            printf("%s%s%s%s%s", c ? ", " : "", cols[c].name, ddl ? " " : "", ddl ? sql_type(cols[c].k) : "",
                   ddl && !cols[c].nullable ? " NOT NULL" : "");
        printf("\n");
        return 0;
    }
    if (!topic || count < 1 || partitions < 1 || nkeys < 1) die("--topic and --count >= 1 are required");
    if (!is_json && !registry) die("--registry is required for Avro shapes");
    if (produce && !bootstrap) die("--bootstrap is required unless --no-produce");
    if (is_skew) {
        zipf_cdf = malloc((size_t)nkeys * sizeof *zipf_cdf);
        if (!zipf_cdf) die("out of memory");
        double sum = 0;
        for (int k = 0; k < nkeys; k++) zipf_cdf[k] = (sum += 1.0 / (k + 1));
        for (int k = 0; k < nkeys; k++) zipf_cdf[k] /= sum;
    }

    curl_global_init(CURL_GLOBAL_DEFAULT);
    int schema_id = 0;
    avro_schema_t schema = NULL;
    avro_value_iface_t *iface = NULL;
    avro_value_t rec;
    json_t *cschema = NULL;
    if (is_json) {
        cschema = connect_schema();
    } else {
        char *st = avro_schema_text();
        schema_id = register_schema(registry, topic, st);
        fprintf(stderr, "gen_shapes: schema id %d for subject %s-value\n", schema_id, topic);
        if (avro_schema_from_json_length(st, strlen(st), &schema)) die("avro schema: %s", avro_strerror());
        free(st);
        iface = avro_generic_class_from_schema(schema);
        avro_generic_value_new(iface, &rec);
    }

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
            rd_kafka_conf_set(conf, "message.max.bytes", "4000000", errstr, sizeof errstr) ||
            rd_kafka_conf_set(conf, "queue.buffering.max.messages", "1000000", errstr, sizeof errstr))
            die("kafka conf: %s", errstr);
        rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
        rd_kafka_conf_set_opaque(conf, &failed);
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
        if (!rk) die("kafka: %s", errstr);
        rkt = rd_kafka_topic_new(rk, topic, NULL);
    }

    size_t cap = 1 << 20;
    char *buf = malloc(cap), *bigs = malloc(BIG + 1);
    unsigned char *bigb = malloc(BIG);
    if (!buf || !bigs || !bigb) die("out of memory");
    for (long long i = 0; i < count; i++) {
        big_fill(i, bigs, bigb);
        cell v[64];
        for (int c = 0; c < ncols; c++) make_cell(i, c, &v[c]);
        size_t len;
        char *text = NULL;
        if (is_json) {
            json_t *payload = json_object();
            for (int c = 0; c < ncols; c++) json_object_set_new(payload, cols[c].name, json_cell(c, &v[c], bigs, bigb));
            json_t *env = json_pack("{s:O,s:o}", "schema", cschema, "payload", payload);
            text = json_dumps(env, JSON_COMPACT);
            json_decref(env);
            len = strlen(text);
        } else {
            for (int c = 0; c < ncols; c++) avro_cell(&rec, c, &v[c], bigs, bigb);
            buf[0] = 0;
            buf[1] = (char)((uint32_t)schema_id >> 24);
            buf[2] = (char)((uint32_t)schema_id >> 16);
            buf[3] = (char)((uint32_t)schema_id >> 8);
            buf[4] = (char)(uint32_t)schema_id;
            avro_writer_t w = avro_writer_memory(buf + 5, (int64_t)cap - 5);
            if (avro_value_write(w, &rec)) die("avro encode: %s", avro_strerror());
            len = 5 + (size_t)avro_writer_tell(w);
            avro_writer_free(w);
        }
        const char *msg = text ? text : buf;
        if (fdump) {
            unsigned char hdr[4] = {(unsigned char)(len >> 24), (unsigned char)(len >> 16), (unsigned char)(len >> 8),
                                    (unsigned char)len};
            if (fwrite(hdr, 1, 4, fdump) != 4 || fwrite(msg, 1, len, fdump) != len) die("%s: write failed", dump);
        }
        if (fcsv) {
            for (int c = 0; c < ncols; c++) {
                if (c) fputc(',', fcsv);
                csv_cell(fcsv, c, &v[c], bigs, bigb);
            }
            fputc('\n', fcsv);
        }
        if (rk) {
            /* skew: a key always goes to one partition, where order is kept,
             * so "the last value per key" is well defined for the checks */
            int32_t part = (int32_t)((is_skew ? v[0].i : i) % partitions);
            while (rd_kafka_produce(rkt, part, RD_KAFKA_MSG_F_COPY, (void *)msg, len, NULL, 0,
                                    NULL) == -1) {
                if (rd_kafka_last_error() != RD_KAFKA_RESP_ERR__QUEUE_FULL)
                    die("produce: %s", rd_kafka_err2str(rd_kafka_last_error()));
                rd_kafka_poll(rk, 50);
            }
            rd_kafka_poll(rk, 0);
        }
        free(text);
    }
    free(buf);
    free(bigs);
    free(bigb);
    int rc = 0;
    if (rk) {
        if (rd_kafka_flush(rk, 120000) != RD_KAFKA_RESP_ERR_NO_ERROR) die("flush timed out");
        if (failed) {
            fprintf(stderr, "gen_shapes: %ld deliveries failed\n", failed);
            rc = 1;
        }
        rd_kafka_topic_destroy(rkt);
        rd_kafka_destroy(rk);
    }
    if (fcsv && fclose(fcsv)) die("%s: close failed", csv);
    if (fdump && fclose(fdump)) die("%s: close failed", dump);
    if (iface) {
        avro_value_decref(&rec);
        avro_value_iface_decref(iface);
        avro_schema_decref(schema);
    }
    json_decref(cschema);
    free(zipf_cdf);
    curl_global_cleanup();
    if (!rc) fprintf(stderr, "gen_shapes: %lld %s records%s\n", count, is_json ? "json20" : "Avro", rk ? " produced" : "");
    return rc;
}
