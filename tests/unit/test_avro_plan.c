/*
 * test_avro_plan.c: the Avro decoding plan (trib_avro_codec_decode_plan,
 * avro-c's streaming decoder filling Connect values) against the generic
 * path (trib_avro_codec_decode_generic, an avro-c generic value copied into
 * Connect values), on randomized records of every shape the codec binds:
 * primitives, logical types, optional fields, nested records, arrays, maps
 * with string and non-string keys, enums, fixed, general unions, named
 * types used twice. The two must give equal values for every valid datum,
 * the plan must never accept what the generic path refuses nor give a
 * different value for it, and what the plan refuses must still decode
 * through trib_avro_codec_decode when the generic path takes it.
 */
#include <avro.h>
#include <string.h>

#include "common/util.h"
#include "proto/avro_codec.h"
#include "proto/avro_schema.h"
#include "proto/data.h"
#include "tests/tap.h"

#define PLAN 25
#define RECORDS 400

static uint64_t rnd(uint64_t *s) {
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 33;
}

/* ---- random Avro data through avro-c's generic values -------------------------------- */

/* Fills v with a random datum of its schema; avro-c then encodes it, so the
 * bytes are what any Avro writer would produce. */
static int fill(avro_value_t *v, uint64_t *seed, int depth) {
    char buf[24];
    size_t n = rnd(seed) % sizeof buf;
    avro_schema_t s = avro_value_get_schema(v);
    avro_value_t child;
    switch (avro_value_get_type(v)) {
    case AVRO_STRING:
        for (size_t i = 0; i < n; i++) buf[i] = (char)('a' + rnd(seed) % 26);
        buf[n] = '\0';
        return avro_value_set_string_len(v, buf, n + 1);
    case AVRO_BYTES:
        for (size_t i = 0; i < n; i++) buf[i] = (char)rnd(seed);
        return avro_value_set_bytes(v, buf, n);
    case AVRO_INT32: return avro_value_set_int(v, (int32_t)rnd(seed) - (1 << 30));
    case AVRO_INT64: return avro_value_set_long(v, (int64_t)(rnd(seed) << 29 ^ rnd(seed)) - (1LL << 50));
    case AVRO_FLOAT: return avro_value_set_float(v, (float)(int32_t)rnd(seed) / 3.0f);
    case AVRO_DOUBLE: return avro_value_set_double(v, (double)(int64_t)rnd(seed) / 7.0);
    case AVRO_BOOLEAN: return avro_value_set_boolean(v, (int)(rnd(seed) & 1));
    case AVRO_NULL: return avro_value_set_null(v);
    case AVRO_ENUM: return avro_value_set_enum(v, (int)(rnd(seed) % (uint64_t)avro_schema_enum_number_of_symbols(s)));
    case AVRO_FIXED: {
        int64_t size = avro_schema_fixed_size(s);
        for (int64_t i = 0; i < size; i++) buf[i] = (char)rnd(seed);
        return avro_value_set_fixed(v, buf, (size_t)size);
    }
    case AVRO_ARRAY:
        for (uint64_t i = 0, k = depth > 2 ? 0 : rnd(seed) % 4; i < k; i++)
            if (avro_value_append(v, &child, NULL) != 0 || fill(&child, seed, depth + 1) != 0) return -1;
        return 0;
    case AVRO_MAP:
        for (uint64_t i = 0, k = depth > 2 ? 0 : rnd(seed) % 4; i < k; i++) {
            snprintf(buf, sizeof buf, "key%d", (int)(rnd(seed) % 6));
            if (avro_value_add(v, buf, &child, NULL, NULL) != 0 || fill(&child, seed, depth + 1) != 0) return -1;
        }
        return 0;
    case AVRO_RECORD: {
        size_t nf = 0;
        avro_value_get_size(v, &nf);
        for (size_t i = 0; i < nf; i++)
            if (avro_value_get_by_index(v, i, &child, NULL) != 0 || fill(&child, seed, depth + 1) != 0) return -1;
        return 0;
    }
    case AVRO_UNION: {
        size_t nb = avro_schema_union_size(s);
        if (avro_value_set_branch(v, (int)(rnd(seed) % nb), &child) != 0) return -1;
        return fill(&child, seed, depth + 1);
    }
    default: return -1;
    }
}

/* count encoded random data of the Avro schema avsc into bufs[0..count). */
static int random_data(const char *avsc, uint64_t seed, trib_strbuf *bufs, int count) {
    avro_schema_t as;
    if (avro_schema_from_json_length(avsc, strlen(avsc), &as) != 0) return -1;
    avro_value_iface_t *iface = avro_generic_class_from_schema(as);
    char *scratch = trib_xmalloc(1 << 16);
    avro_writer_t w = avro_writer_memory(scratch, 1 << 16);
    int made = 0;
    for (int i = 0; i < count; i++) {
        avro_value_t v;
        if (avro_generic_value_new(iface, &v) != 0) break;
        avro_writer_reset(w);
        if (fill(&v, &seed, 0) == 0 && avro_value_write(w, &v) == 0) {
            trib_strbuf_init(&bufs[made]);
            trib_strbuf_append(&bufs[made], scratch, (size_t)avro_writer_tell(w));
            made++;
        }
        avro_value_decref(&v);
    }
    avro_writer_free(w);
    free(scratch);
    avro_value_iface_decref(iface);
    avro_schema_decref(as);
    return made;
}

/* ---- the comparison ------------------------------------------------------------------ */

typedef struct tally {
    int equal;       /* valid data: plan and generic both decode, to equal values */
    int plan_wrong;  /* the plan accepted what the generic path refused, or differs */
    int fell_back;   /* the plan refused, the generic path took it */
    int both_refused;
    int via_decode;  /* trib_avro_codec_decode agreed with the generic path */
} tally;

static void compare(trib_avro_codec *c, const void *data, size_t len, tally *t) {
    trib_value *p = NULL, *g = NULL, *d = NULL;
    trib_error err = {0};
    int rp = trib_avro_codec_decode_plan(c, data, len, &p, &err);
    int rg = trib_avro_codec_decode_generic(c, data, len, &g, &err);
    int rd = trib_avro_codec_decode(c, data, len, &d, &err);
    if (getenv("TEST_AVRO_PLAN_DEBUG") && (rp != 0 || rg != 0)) diag("plan %d generic %d: %s", rp, rg, err.msg);
    if (rp == 0 && rg == 0 && trib_value_equal(p, g)) t->equal++;
    else if (rp == 0) t->plan_wrong++;
    else if (rg == 0) t->fell_back++;
    else t->both_refused++;
    if (rd == rg && (rd != 0 || trib_value_equal(d, g))) t->via_decode++;
    trib_value_destroy(p);
    trib_value_destroy(g);
    trib_value_destroy(d);
}

/* Mutations of a valid datum: a byte replaced, a truncation, a byte inserted. */
static void mutate_and_compare(trib_avro_codec *c, const trib_strbuf *b, uint64_t *seed, tally *t) {
    if (!b->len) return;
    char *m = trib_xmalloc(b->len + 1);
    memcpy(m, b->data, b->len);
    size_t at = rnd(seed) % b->len;
    m[at] = (char)rnd(seed);
    compare(c, m, b->len, t);
    memcpy(m, b->data, b->len);
    compare(c, m, rnd(seed) % b->len, t);
    memcpy(m, b->data, at);
    m[at] = (char)rnd(seed);
    memcpy(m + at + 1, b->data + at, b->len - at);
    compare(c, m, b->len + 1, t);
    free(m);
}

static void run_shape(const char *what, const char *avsc, uint64_t seed) {
    trib_error err = {0};
    trib_schema *cs = trib_avro_schema_to_connect_str(avsc, NULL, 0, &err);
    trib_avro_codec *c = cs ? trib_avro_codec_new(cs, avsc, false, &err) : NULL;
    ok(c != NULL, "%s: a codec compiles", what);
    if (!c) {
        diag("%s", err.msg);
        trib_schema_unref(cs);
        skip(3, "no codec");
        return;
    }
    trib_strbuf *bufs = trib_xcalloc(RECORDS, sizeof *bufs);
    int n = random_data(avsc, seed, bufs, RECORDS);
    tally valid = {0}, bad = {0};
    for (int i = 0; i < n; i++) compare(c, bufs[i].data, bufs[i].len, &valid);
    ok(n == RECORDS && valid.equal == n, "%s: %d random records decode through the plan to the generic path's values",
       what, valid.equal);
    for (int i = 0; i < n; i++) mutate_and_compare(c, &bufs[i], &seed, &bad);
    ok(bad.plan_wrong == 0 && bad.both_refused > 0,
       "%s: of %d mutated records the plan never accepts one the generic path refuses or decodes it differently "
       "(%d equal, %d refused by both, %d only by the plan)",
       what, 3 * n, bad.equal, bad.both_refused, bad.fell_back);
    is_int(valid.via_decode + bad.via_decode, 4 * n, "%s: trib_avro_codec_decode always gives the generic path's outcome", what);
    for (int i = 0; i < n; i++) trib_strbuf_free(&bufs[i]);
    free(bufs);
    trib_avro_codec_destroy(c);
    trib_schema_unref(cs);
}

/* What Tributary's own schemas look like (trib_avro_schema_from_connect):
 * every Connect type, optional fields, logical types, maps with string and
 * non-string keys, nested and optional structs. */
static const char *connect_shaped(void) {
    return "{\"type\":\"record\",\"name\":\"Wide\",\"namespace\":\"t\",\"fields\":["
           "{\"name\":\"i32\",\"type\":\"int\"},{\"name\":\"i64\",\"type\":\"long\"},"
           "{\"name\":\"f32\",\"type\":\"float\"},{\"name\":\"f64\",\"type\":[\"null\",\"double\"],\"default\":null},"
           "{\"name\":\"b\",\"type\":\"boolean\"},{\"name\":\"s\",\"type\":\"string\"},"
           "{\"name\":\"os\",\"type\":[\"null\",\"string\"],\"default\":null},"
           "{\"name\":\"by\",\"type\":[\"null\",\"bytes\"],\"default\":null},"
           "{\"name\":\"dec\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\",\"precision\":20,\"scale\":2}},"
           "{\"name\":\"d\",\"type\":{\"type\":\"int\",\"logicalType\":\"date\"}},"
           "{\"name\":\"tm\",\"type\":[\"null\",{\"type\":\"int\",\"logicalType\":\"time-millis\"}],\"default\":null},"
           "{\"name\":\"ts\",\"type\":[\"null\",{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}],\"default\":null},"
           "{\"name\":\"inner\",\"type\":{\"type\":\"record\",\"name\":\"Inner\",\"fields\":["
           "{\"name\":\"flag\",\"type\":\"boolean\"},{\"name\":\"blob\",\"type\":[\"null\",\"bytes\"],\"default\":null}]}},"
           "{\"name\":\"oinner\",\"type\":[\"null\",\"Inner\"],\"default\":null},"
           "{\"name\":\"list\",\"type\":{\"type\":\"array\",\"items\":[\"null\",\"int\"]}},"
           "{\"name\":\"smap\",\"type\":{\"type\":\"map\",\"values\":\"Inner\"}},"
           "{\"name\":\"imap\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"MapEntry\","
           "\"namespace\":\"io.confluent.connect.avro\",\"fields\":[{\"name\":\"key\",\"type\":\"int\"},"
           "{\"name\":\"value\",\"type\":[\"null\",\"string\"],\"default\":null}]}}}"
           "]}";
}

/* What other writers send: enums, fixed, general unions, nested
 * containers, a named type used in several places (links in avro-c). */
static const char *foreign_shaped(void) {
    return "{\"type\":\"record\",\"name\":\"Shape\",\"namespace\":\"t\",\"fields\":["
           "{\"name\":\"color\",\"type\":{\"type\":\"enum\",\"name\":\"Color\",\"symbols\":[\"RED\",\"GREEN\",\"BLUE\"]}},"
           "{\"name\":\"ocolor\",\"type\":[\"null\",\"Color\"]},"
           "{\"name\":\"hash\",\"type\":{\"type\":\"fixed\",\"name\":\"Hash\",\"size\":4}},"
           "{\"name\":\"pt\",\"type\":{\"type\":\"record\",\"name\":\"Pt\",\"fields\":["
           "{\"name\":\"x\",\"type\":\"double\"},{\"name\":\"y\",\"type\":[\"null\",\"float\"]}]}},"
           "{\"name\":\"choice\",\"type\":[\"null\",\"int\",\"string\",\"Pt\"]},"
           "{\"name\":\"either\",\"type\":[\"long\",\"boolean\"]},"
           "{\"name\":\"tags\",\"type\":{\"type\":\"map\",\"values\":{\"type\":\"array\",\"items\":[\"null\",\"string\"]}}},"
           "{\"name\":\"rows\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"map\",\"values\":\"Pt\"}}},"
           "{\"name\":\"pts\",\"type\":[\"null\",{\"type\":\"array\",\"items\":\"Pt\"}]},"
           "{\"name\":\"hashes\",\"type\":{\"type\":\"array\",\"items\":\"Hash\"}}"
           "]}";
}

/* A string-keyed map that repeats a key (no Avro writer does, a hostile
 * message may): the key once, at its first position, with its last value,
 * as avro-c's generic map and Java's do. */
static void test_repeated_map_keys(void) {
    const char *avsc = "{\"type\":\"map\",\"values\":\"int\"}";
    trib_error err = {0};
    trib_schema *cs = trib_avro_schema_to_connect_str(avsc, NULL, 0, &err);
    trib_avro_codec *c = cs ? trib_avro_codec_new(cs, avsc, false, &err) : NULL;
    /* 4 entries: a=1, b=2, a=3, c=4, then the end of the map. */
    const char data[] = "\x08\x02" "a\x02\x02" "b\x04\x02" "a\x06\x02" "c\x08\x00";
    trib_value *p = NULL, *g = NULL;
    ok(c && trib_avro_codec_decode_plan(c, data, sizeof data - 1, &p, &err) == 0 &&
       trib_avro_codec_decode_generic(c, data, sizeof data - 1, &g, &err) == 0, "a map repeating a key decodes");
    ok(p && p->type == TRIB_MAP && p->u.map.n == 3 && strcmp(p->u.map.keys[0]->u.str.data, "a") == 0 &&
       p->u.map.vals[0]->u.i == 3 && strcmp(p->u.map.keys[2]->u.str.data, "c") == 0,
       "to the key at its first position with its last value");
    ok(trib_value_equal(p, g), "as the generic path decodes it");
    trib_value_destroy(p);
    trib_value_destroy(g);
    trib_avro_codec_destroy(c);
    trib_schema_unref(cs);
}

/* Items that take no input bytes (empty records): the plan creates at most
 * len + 1024 items for a datum of len bytes, so a hostile count fails
 * cleanly instead of building values without end. (The generic path
 * refuses any array of empty records: avro-c cannot grow an array of
 * zero-size elements.) */
static void test_item_bound(void) {
    const char *avsc = "{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"E\",\"fields\":[]}}";
    trib_error err = {0};
    trib_schema *cs = trib_avro_schema_to_connect_str(avsc, NULL, 0, &err);
    trib_avro_codec *c = cs ? trib_avro_codec_new(cs, avsc, false, &err) : NULL;
    ok(c != NULL, "a codec compiles for an array of empty records");
    if (!c) diag("%s", err.msg);
    trib_value *v = NULL;
    const char few[] = "\x14\x00";   /* 10 items */
    ok(c && trib_avro_codec_decode_plan(c, few, 2, &v, &err) == 0 && v && v->u.arr.n == 10,
       "the plan decodes 10 empty records from 2 bytes");
    trib_value_destroy(v);
    v = NULL;
    const char many[] = "\xa0\x1f\x00";   /* 2,000 items in 3 bytes */
    ok(c && trib_avro_codec_decode_plan(c, many, 3, &v, &err) == -1 && v == NULL && err.code == TRIB_ERR_INVALID,
       "the plan refuses 2,000 items from 3 bytes");
    ok(c && trib_avro_codec_decode(c, many, 3, &v, &err) == -1 && v == NULL && err.code == TRIB_ERR_INVALID,
       "and so does trib_avro_codec_decode, cleanly");
    trib_value_destroy(v);
    v = NULL;
    const char hostile[] = "\x80\x80\x80\x80\x80\x40";   /* 2^40 items */
    trib_error_clear(&err);
    ok(c && trib_avro_codec_decode(c, hostile, 6, &v, &err) == -1 && v == NULL && err.code == TRIB_ERR_INVALID,
       "2^40 items are refused cleanly");
    trib_avro_codec_destroy(c);
    trib_schema_unref(cs);
}

/* Values larger than the plan's 64 KiB arena, and more of them than it
 * holds: the buffers that do not fit take the tracked heap path; the
 * values must still equal the generic path's, and truncations fail
 * cleanly (the sanitizers check for leaks). */
static void test_large_values(void) {
    const char *avsc = "{\"type\":\"record\",\"name\":\"L\",\"fields\":["
                       "{\"name\":\"big\",\"type\":\"string\"},"
                       "{\"name\":\"parts\",\"type\":{\"type\":\"array\",\"items\":\"bytes\"}}]}";
    trib_error err = {0};
    trib_schema *cs = trib_avro_schema_to_connect_str(avsc, NULL, 0, &err);
    trib_avro_codec *c = cs ? trib_avro_codec_new(cs, avsc, false, &err) : NULL;
    trib_value *v = trib_value_struct_new(cs);
    size_t big = 100000, part = 10000;
    char *buf = trib_xmalloc(big);
    for (size_t i = 0; i < big; i++) buf[i] = (char)('a' + i % 26);
    trib_value_struct_set_take(v, "big", trib_value_string_n(buf, big));
    trib_value *parts = trib_value_array_new();
    for (int i = 0; i < 12; i++) trib_value_array_append_take(parts, trib_value_bytes(buf + i, part));
    trib_value_struct_set_take(v, "parts", parts);
    trib_strbuf out;
    trib_strbuf_init(&out);
    ok(c && trib_avro_codec_encode(c, v, &out, &err) == 0, "a record of 220 kB in 13 values encodes");
    trib_value *p = NULL, *g = NULL;
    ok(c && trib_avro_codec_decode_plan(c, out.data, out.len, &p, &err) == 0 &&
       trib_avro_codec_decode_generic(c, out.data, out.len, &g, &err) == 0 && trib_value_equal(p, g) &&
       trib_value_equal(p, v), "and decodes through the plan to the generic path's value, equal to the original");
    int clean = 0;
    for (size_t cut = 1; c && cut < out.len; cut += 9973) {
        trib_value *t = NULL;
        if (trib_avro_codec_decode_plan(c, out.data, cut, &t, &err) == -1 && t == NULL) clean++;
        trib_value_destroy(t);
    }
    is_int(clean, (int)((out.len - 2) / 9973 + 1), "every truncation of it is refused by the plan");
    trib_value_destroy(p);
    trib_value_destroy(g);
    trib_value_destroy(v);
    trib_strbuf_free(&out);
    free(buf);
    trib_avro_codec_destroy(c);
    trib_schema_unref(cs);
}

/* avro_consume_binary hands a union discriminant to the consumer as an
 * unsigned int: the corrupt 2^32 arrives as 0, the null branch. The plan
 * must not take it for a null (found by fuzz_avro_decode), nor sizes that
 * a negative block count could make add up (found next). */
static void test_truncated_discriminant(void) {
    const char *avsc = "[\"null\",\"int\"]";
    trib_error err = {0};
    trib_schema *cs = trib_avro_schema_to_connect_str(avsc, NULL, 0, &err);
    trib_avro_codec *c = cs ? trib_avro_codec_new(cs, avsc, false, &err) : NULL;
    trib_value *v = NULL;
    const char d2_32[] = "\x80\x80\x80\x80\x20";   /* zigzag(2^32) */
    ok(c && trib_avro_codec_decode_plan(c, d2_32, 5, &v, &err) == -1 && v == NULL,
       "the plan refuses a union discriminant of 2^32");
    trib_error_clear(&err);
    ok(c && trib_avro_codec_decode(c, d2_32, 5, &v, &err) == -1 && v == NULL && err.code == TRIB_ERR_INVALID,
       "and so does the codec, through the generic path");
    like(err.msg, "corrupt or truncated Avro data", "as corrupt data");
    ok(c && trib_avro_codec_decode_plan(c, "\x02\x54", 2, &v, &err) == 0 && v && v->u.i == 42,
       "a discriminant of 1 with the int 42 still decodes through the plan");
    trib_value_destroy(v);
    v = NULL;
    ok(c && trib_avro_codec_decode_plan(c, "\x82\x00\x54", 3, &v, &err) == -1 &&
       trib_avro_codec_decode(c, "\x82\x00\x54", 3, &v, &err) == 0 && v && v->u.i == 42,
       "a longer varint than needed is left to the generic path, which takes it");
    trib_value_destroy(v);
    trib_avro_codec_destroy(c);
    trib_schema_unref(cs);

    /* A block with a negative count and its size in bytes (valid Avro that
     * canonical writers do not produce; avro-c hands the count over as an
     * unsigned int): left to the generic path. */
    avsc = "{\"type\":\"array\",\"items\":\"int\"}";
    cs = trib_avro_schema_to_connect_str(avsc, NULL, 0, &err);
    c = cs ? trib_avro_codec_new(cs, avsc, false, &err) : NULL;
    v = NULL;
    const char neg[] = "\x01\x02\x54\x00";   /* count -1, 1 byte, 42, end */
    ok(c && trib_avro_codec_decode_plan(c, neg, 4, &v, &err) == -1 &&
       trib_avro_codec_decode(c, neg, 4, &v, &err) == 0 && v && v->u.arr.n == 1 && v->u.arr.items[0]->u.i == 42,
       "a negative block count is left to the generic path, which decodes it");
    trib_value_destroy(v);
    trib_avro_codec_destroy(c);
    trib_schema_unref(cs);
}

int main(void) {
    plan(PLAN);
    run_shape("Connect-shaped record", connect_shaped(), 7);
    run_shape("foreign record", foreign_shaped(), 11);
    test_repeated_map_keys();
    test_item_bound();
    test_large_values();
    test_truncated_discriminant();
    return exit_status();
}
