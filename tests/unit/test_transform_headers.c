/*
 * test_transform_headers.c: DropHeaders, InsertHeader and TimestampRouter
 * (transforms/header_transforms.c, transforms/timestamp_router.c) behave as
 * Connect's: headers dropped by every listed name, a literal header added
 * (not replacing), topics rerouted by the record's UTC timestamp, and
 * configs and records they cannot handle refused with a clear error.
 */
#include "tests/unit/test_transform_util.h"

static size_t count_headers(const trib_record *r, const char *key) {
    size_t n = 0;
    for (size_t i = 0; i < r->nheaders; i++) n += strcmp(r->headers[i].key, key) == 0;
    return n;
}

static void test_drop_headers(void) {
    trib_error err;
    smt s = smt_new("DropHeaders", props("headers", "a, c", NULL), &err);
    ok(s.ctx != NULL, "DropHeaders is created by alias");
    trib_record *r = trib_record_new("t");
    trib_record_add_header_string(r, "a", "1");
    trib_record_add_header_string(r, "b", "2");
    trib_record_add_header_string(r, "a", "3");
    trib_record_add_header_string(r, "c", NULL);
    ok(smt_apply(s, &r, &err) == 0, "apply succeeds");
    is_int((int)r->nheaders, 1, "every header with a listed name is dropped");
    is_str(r->headers[0].key, "b", "the others stay");
    trib_record_destroy(r);
    smt_free(s);
    char *e = create_error("org.apache.kafka.connect.transforms.DropHeaders", props(NULL));
    like(e, "Missing required configuration \"headers\"", "headers is required");
    free(e);
    e = create_error("DropHeaders", props("headers", "", NULL));
    like(e, "List must be non-empty", "an empty list is refused");
    free(e);
}

static void test_insert_header(void) {
    trib_error err;
    smt s = smt_new("InsertHeader", props("header", "source", "value.literal", "orders-db", NULL), &err);
    ok(s.ctx != NULL, "InsertHeader is created");
    trib_record *r = trib_record_new("t");
    trib_record_add_header_string(r, "source", "old");
    ok(smt_apply(s, &r, &err) == 0, "apply succeeds");
    is_int((int)count_headers(r, "source"), 2, "the header is added, earlier ones of the name stay");
    const trib_connect_header *h = trib_record_header(r, "source");
    ok(h && h->schema && h->schema->type == TRIB_STRING && h->value && strcmp(h->value->u.str.data, "orders-db") == 0,
       "the last one is the literal, a STRING");
    trib_record_destroy(r);
    smt_free(s);

    /* value.literal is parsed as Connect's Values.parseString */
    static const struct {
        const char *lit;
        trib_type type;
        const char *logical;
        const char *what;
    } typed[] = {
        {"42", TRIB_INT8, NULL, "\"42\" is an INT8 header"},
        {"40000", TRIB_INT32, NULL, "\"40000\" an INT32"},
        {"1.5", TRIB_FLOAT32, NULL, "\"1.5\" a FLOAT32"},
        {"true", TRIB_BOOLEAN, NULL, "\"true\" a BOOLEAN"},
        {"[1,2,3]", TRIB_ARRAY, NULL, "\"[1,2,3]\" an ARRAY"},
        {"{\"a\":1}", TRIB_MAP, NULL, "a map literal a MAP"},
        {"2024-02-01", TRIB_INT32, TRIB_LOGICAL_DATE, "an ISO date a Date"},
    };
    for (size_t i = 0; i < sizeof typed / sizeof typed[0]; i++) {
        s = smt_new("InsertHeader", props("header", "h", "value.literal", typed[i].lit, NULL), &err);
        r = trib_record_new("t");
        ok(smt_apply(s, &r, &err) == 0 && (h = trib_record_header(r, "h")) && h->schema &&
               h->schema->type == typed[i].type &&
               (typed[i].logical ? h->schema->name && strcmp(h->schema->name, typed[i].logical) == 0 : !h->schema->name),
           "%s", typed[i].what);
        trib_record_destroy(r);
        smt_free(s);
    }
    s = smt_new("InsertHeader", props("header", "h", "value.literal", "null", NULL), &err);
    r = trib_record_new("t");
    ok(smt_apply(s, &r, &err) == 0 && (h = trib_record_header(r, "h")) && !h->value && !h->schema,
       "\"null\" adds a null header");
    trib_record_destroy(r);
    smt_free(s);
    char *e = create_error("InsertHeader", props("header", "x", NULL));
    like(e, "Missing required configuration \"value.literal\"", "value.literal is required");
    free(e);
}

static void test_timestamp_router(void) {
    trib_error err;
    smt s = smt_new("TimestampRouter", props(NULL), &err);
    ok(s.ctx != NULL, "TimestampRouter is created with its defaults");
    trib_record *r = trib_record_new("orders");
    r->timestamp = 1706745600000LL; /* 2024-02-01T00:00:00Z */
    ok(smt_apply(s, &r, &err) == 0, "apply succeeds");
    is_str(r->topic, "orders-20240201", "default format: ${topic}-yyyyMMdd in UTC");
    trib_record_destroy(r);
    smt_free(s);

    s = smt_new("org.apache.kafka.connect.transforms.TimestampRouter",
                props("topic.format", "${timestamp}/${topic}/${topic}", "timestamp.format", "yyyy-MM-dd'T'HH", NULL),
                &err);
    r = trib_record_new("o");
    r->timestamp = 1706745600000LL + 13 * 3600000LL;
    ok(s.ctx && smt_apply(s, &r, &err) == 0, "a custom format applies");
    is_str(r->topic, "2024-02-01T13/o/o", "every placeholder is replaced, quoted literals kept");
    trib_record_destroy(r);

    r = trib_record_new("o");
    ok(smt_apply(s, &r, &err) < 0 && err.code == TRIB_ERR_INVALID, "a record without timestamp is refused");
    like(err.msg, "Timestamp missing on record", "with Connect's text");
    trib_record_destroy(r);
    smt_free(s);

    char *e = create_error("TimestampRouter", props("timestamp.format", "yyyy-GG", NULL));
    ok(*e != '\0', "an unsupported timestamp.format is refused at create");
    free(e);
}

int main(void) {
    plan(27);
    test_drop_headers();
    test_insert_header();
    test_timestamp_router();
    return exit_status();
}
