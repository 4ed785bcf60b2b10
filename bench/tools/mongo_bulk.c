/*
 * mongo_bulk: the MongoDB sink benchmark's limit. Reads the "orders" CSV
 * that gen_orders writes (--csv) and inserts the same documents MongoSink
 * makes from those records (the same BSON types: int64, int32, string,
 * double, Decimal128, boolean, two dates, a nullable string; a fresh
 * ObjectId each) with ordered bulk inserts of --batch documents (default
 * 1000), one client, no Kafka. Prints the elapsed milliseconds.
 *
 *   mongo_bulk --uri URI --db DB --coll COLL --csv FILE [--batch N]
 */
#include <errno.h>
#include <getopt.h>
#include <mongoc/mongoc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void die(const char *msg, const char *detail) {
    fprintf(stderr, "mongo_bulk: %s%s%s\n", msg, detail ? ": " : "", detail ? detail : "");
    exit(1);
}

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "YYYY-MM-DD[ HH:MM:SS[.mmm]]" (UTC) -> ms since the epoch */
static int64_t parse_time(const char *s) {
    struct tm tm = {0};
    int ms = 0;
    if (sscanf(s, "%d-%d-%d %d:%d:%d.%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
               &tm.tm_sec, &ms) < 3)
        die("bad time", s);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm) * 1000 + ms;
}

/* One CSV row (gen_orders' write_csv) as the sink's document. */
static void row_doc(char *line, bson_t *doc) {
    char *f[10];
    int n = 0;
    for (char *p = line; n < 10; n++) {
        f[n] = p;
        char *c = strchr(p, ',');
        if (!c) {
            n++;
            break;
        }
        *c = '\0';
        p = c + 1;
    }
    if (n != 10) die("a CSV row without 10 fields", NULL);
    bson_oid_t oid;
    bson_oid_init(&oid, NULL);
    BSON_APPEND_OID(doc, "_id", &oid);
    BSON_APPEND_INT64(doc, "order_id", strtoll(f[0], NULL, 10));
    BSON_APPEND_INT32(doc, "customer_id", (int32_t)strtol(f[1], NULL, 10));
    BSON_APPEND_UTF8(doc, "product", f[2]);
    BSON_APPEND_INT32(doc, "quantity", (int32_t)strtol(f[3], NULL, 10));
    BSON_APPEND_DOUBLE(doc, "unit_price", strtod(f[4], NULL));
    bson_decimal128_t d;
    if (!bson_decimal128_from_string(f[5], &d)) die("bad decimal", f[5]);
    BSON_APPEND_DECIMAL128(doc, "total", &d);
    BSON_APPEND_BOOL(doc, "paid", f[6][0] == 't');
    BSON_APPEND_DATE_TIME(doc, "created_at", parse_time(f[7]));
    BSON_APPEND_DATE_TIME(doc, "ship_date", parse_time(f[8]));
    size_t cl = strcspn(f[9], "\r\n");
    f[9][cl] = '\0';
    if (cl) BSON_APPEND_UTF8(doc, "coupon", f[9]);
    else BSON_APPEND_NULL(doc, "coupon");
}

int main(int argc, char **argv) {
    const char *uri = NULL, *db = NULL, *coll = NULL, *csv = NULL;
    long batch = 1000;
    static const struct option opts[] = {{"uri", required_argument, 0, 'u'}, {"db", required_argument, 0, 'd'},
                                         {"coll", required_argument, 0, 'c'}, {"csv", required_argument, 0, 'f'},
                                         {"batch", required_argument, 0, 'b'}, {0, 0, 0, 0}};
    for (int o; (o = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
        switch (o) {
        case 'u': uri = optarg; break;
        case 'd': db = optarg; break;
        case 'c': coll = optarg; break;
        case 'f': csv = optarg; break;
        case 'b': batch = strtol(optarg, NULL, 10); break;
        default: die("usage: mongo_bulk --uri URI --db DB --coll COLL --csv FILE [--batch N]", NULL);
        }
    }
    if (!uri || !db || !coll || !csv || batch < 1) die("usage: mongo_bulk --uri URI --db DB --coll COLL --csv FILE [--batch N]", NULL);
    FILE *in = fopen(csv, "r");
    if (!in) die(csv, strerror(errno));
    mongoc_init();
    bson_error_t e;
    mongoc_uri_t *u = mongoc_uri_new_with_error(uri, &e);
    if (!u) die("bad URI", e.message);
    mongoc_client_t *client = mongoc_client_new_from_uri(u);
    mongoc_collection_t *c = mongoc_client_get_collection(client, db, coll);
    char *line = NULL;
    size_t cap = 0;
    long n = 0, in_bulk = 0;
    int64_t t0 = now_ms();
    mongoc_bulk_operation_t *b = mongoc_collection_create_bulk_operation_with_opts(c, NULL);
    while (getline(&line, &cap, in) > 0) {
        bson_t doc = BSON_INITIALIZER;
        row_doc(line, &doc);
        mongoc_bulk_operation_insert_with_opts(b, &doc, NULL, &e);
        bson_destroy(&doc);
        n++;
        if (++in_bulk == batch) {
            bson_t reply;
            if (!mongoc_bulk_operation_execute(b, &reply, &e)) die("bulk insert failed", e.message);
            bson_destroy(&reply);
            mongoc_bulk_operation_destroy(b);
            b = mongoc_collection_create_bulk_operation_with_opts(c, NULL);
            in_bulk = 0;
        }
    }
    if (in_bulk) {
        bson_t reply;
        if (!mongoc_bulk_operation_execute(b, &reply, &e)) die("bulk insert failed", e.message);
        bson_destroy(&reply);
    }
    mongoc_bulk_operation_destroy(b);
    printf("%lld\n", (long long)(now_ms() - t0));
    fprintf(stderr, "mongo_bulk: %ld documents\n", n);
    free(line);
    fclose(in);
    mongoc_collection_destroy(c);
    mongoc_client_destroy(client);
    mongoc_uri_destroy(u);
    mongoc_cleanup();
    return 0;
}
