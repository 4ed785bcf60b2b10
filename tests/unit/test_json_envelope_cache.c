/*
 * test_json_envelope_cache.c: JsonConverter's envelope fast path (schemas
 * enabled) gives exactly what the generic path gives. The fast path splits
 * {"schema":S,"payload":P} without a tree, serves S from a cache keyed by
 * its exact text and parses only P; these tests hold it to a reference
 * built from the public helpers (jansson over the whole document, then
 * trib_json_parse_schema and trib_json_to_value), on random records, on
 * changed schemas, and on broken and hostile envelopes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "common/props.h"
#include "common/util.h"
#include "proto/converter.h"
#include "proto/data.h"
#include "proto/json_converter.h"
#include "tests/tap.h"

static unsigned long long rng = 88172645463325252ULL;
static unsigned rnd(unsigned n) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static trib_converter *conv(const char *cache_size) {
    trib_error err = {0};
    trib_props *p = trib_props_new();
    trib_props_set(p, "schemas.enable", "true");
    if (cache_size) trib_props_set(p, "schemas.cache.size", cache_size);
    trib_converter *c = trib_converter_new("JsonConverter", p, false, &err);
    trib_props_destroy(p);
    if (!c) BAIL_OUT(err.msg);
    return c;
}

/* A random field schema; depth bounds nesting. */
static trib_schema *rand_schema(int depth) {
    bool opt = rnd(2);
    switch (rnd(depth > 0 ? 12 : 9)) {
    case 0: return trib_schema_primitive(TRIB_INT8 + (trib_type)rnd(4), opt);
    case 1: return trib_schema_primitive(TRIB_FLOAT64, opt);
    case 2: return trib_schema_primitive(TRIB_FLOAT32, opt);
    case 3: return trib_schema_primitive(TRIB_BOOLEAN, opt);
    case 4: return trib_schema_primitive(TRIB_STRING, opt);
    case 5: return trib_schema_primitive(TRIB_BYTES, opt);
    case 6: return trib_schema_decimal((int)rnd(4), opt);
    case 7: return trib_schema_timestamp(opt);
    case 8: return trib_schema_date(opt);
    case 9: return trib_schema_array_take(rand_schema(depth - 1));
    case 10: return trib_schema_map_take(trib_schema_primitive(TRIB_STRING, false), rand_schema(depth - 1));
    default: {
        trib_schema *st = trib_schema_struct_new(rnd(2) ? "test.Inner" : NULL);
        int n = 1 + (int)rnd(4);
        for (int i = 0; i < n; i++) {
            char name[16];
            snprintf(name, sizeof name, "in_%d", i);
            trib_schema_add_field_take(st, name, rand_schema(depth - 1));
        }
        st->optional = opt;
        return st;
    }
    }
}

/* Strings with characters that stress the splitter: quotes, backslashes,
 * braces and brackets, controls and non-ASCII. */
static trib_value *rand_string(void) {
    static const char *parts[] = {"a", "\"", "\\", "{", "}", "[", "]", ",", ":", "\n", "\xc3\xa9", " ", "x\\\"y", "\x01"};
    char buf[64] = "";
    int n = (int)rnd(8);
    for (int i = 0; i < n; i++) strcat(buf, parts[rnd(sizeof parts / sizeof *parts)]);
    return trib_value_string(buf);
}

static trib_value *rand_value(const trib_schema *s) {
    if (s->optional && rnd(4) == 0) return NULL;
    if (s->name && trib_schema_is_logical(s, "org.apache.kafka.connect.data.Decimal")) {
        /* minimal two's complement, as a decoded BigDecimal comes back */
        unsigned char b[2] = {(unsigned char)(1 + rnd(127)), (unsigned char)rnd(256)};
        return trib_value_bytes(b, 2);
    }
    switch (s->type) {
    case TRIB_INT8: return trib_value_int(TRIB_INT8, (int)rnd(256) - 128);
    case TRIB_INT16: return trib_value_int(TRIB_INT16, (int)rnd(65536) - 32768);
    case TRIB_INT32: return trib_value_int(TRIB_INT32, (int64_t)rnd(2000000000) - 1000000000);
    case TRIB_INT64: return trib_value_int(TRIB_INT64, (int64_t)rnd(1u << 31) * 4096 - (1LL << 40));
    case TRIB_FLOAT32: return trib_value_float(TRIB_FLOAT32, (double)((float)rnd(100000) / 8.0f));
    case TRIB_FLOAT64: return trib_value_float(TRIB_FLOAT64, (double)rnd(1000000) / 16.0 - 1000.0);
    case TRIB_BOOLEAN: return trib_value_bool(rnd(2));
    case TRIB_STRING: return rand_string();
    case TRIB_BYTES: {
        unsigned char b[5];
        for (int i = 0; i < 5; i++) b[i] = (unsigned char)rnd(256);
        return trib_value_bytes(b, rnd(6));
    }
    case TRIB_ARRAY: {
        trib_value *a = trib_value_array_new();
        int n = (int)rnd(3);
        for (int i = 0; i < n; i++) {
            trib_value *it = rand_value(s->value_schema);
            if (!it && !s->value_schema->optional) it = rand_value(s->value_schema);
            if (!it) {
                trib_value_destroy(a);
                return s->optional ? NULL : trib_value_array_new();
            }
            trib_value_array_append_take(a, it);
        }
        return a;
    }
    case TRIB_MAP: {
        trib_value *m = trib_value_map_new();
        int n = (int)rnd(3);
        for (int i = 0; i < n; i++) {
            char k[8];
            snprintf(k, sizeof k, "k%d", i);
            trib_value *it = rand_value(s->value_schema);
            if (!it && !s->value_schema->optional) continue;
            trib_value_map_put_take(m, trib_value_string(k), it);
        }
        return m;
    }
    case TRIB_STRUCT: {
        trib_value *st = trib_value_struct_new((trib_schema *)s);
        for (size_t i = 0; i < s->nfields; i++) {
            trib_value *f = rand_value(s->fields[i].schema);
            while (!f && !s->fields[i].schema->optional) f = rand_value(s->fields[i].schema);
            st->u.st.fields[i] = f;
        }
        return st;
    }
    default: return NULL;
    }
}

/* The reference: the whole document through jansson, then the helpers. */
static int reference(const char *doc, size_t len, trib_schema **s, trib_value **v) {
    *s = NULL;
    *v = NULL;
    json_error_t jerr;
    json_t *root = json_loadb(doc, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (!root) return -1;
    int rc = -1;
    trib_json_opts o = {.decimal_numeric = false, .replace_null_with_default = true};
    if (json_is_object(root) && json_object_size(root) == 2 && json_object_get(root, "schema") &&
        json_object_get(root, "payload")) {
        rc = trib_json_parse_schema(json_object_get(root, "schema"), &o, s, NULL);
        if (rc == 0) rc = trib_json_to_value(*s, json_object_get(root, "payload"), &o, v, NULL);
    }
    json_decref(root);
    if (rc) {
        trib_schema_unref(*s);
        *s = NULL;
        *v = NULL;
    }
    return rc;
}

/* Whether the converter agrees with the reference on doc: both fail, or
 * both succeed with equal schemas and values. */
static bool agrees(trib_converter *c, const char *doc, size_t len) {
    trib_schema *rs, *cs = NULL;
    trib_value *rv, *cv = NULL;
    trib_error err = {0};
    int rrc = reference(doc, len, &rs, &rv);
    int crc = c->plugin->to_connect(c->ctx, "t", doc, len, &cs, &cv, &err);
    bool same = (rrc == 0) == (crc == 0);
    if (same && rrc == 0)
        same = ((rs == NULL && cs == NULL) || (rs && cs && trib_schema_equal(rs, cs))) && trib_value_equal(rv, cv);
    if (!same) diag("disagree (reference %d, converter %d: %s) on: %.*s", rrc, crc, err.msg, (int)len, doc);
    trib_schema_unref(rs);
    trib_schema_unref(cs);
    trib_value_destroy(rv);
    trib_value_destroy(cv);
    return same;
}

/* Envelope texts for one schema and value: Connect's compact form, the
 * reversed member order, and a spaced-out form. */
static void envelopes(const char *st, const char *pt, char **out) {
    trib_strbuf b;
    trib_strbuf_init(&b);
    trib_strbuf_printf(&b, "{\"schema\":%s,\"payload\":%s}", st, pt);
    out[0] = trib_strbuf_take(&b);
    trib_strbuf_init(&b);
    trib_strbuf_printf(&b, "{\"payload\":%s,\"schema\":%s}", pt, st);
    out[1] = trib_strbuf_take(&b);
    trib_strbuf_init(&b);
    trib_strbuf_printf(&b, " \n{ \"schema\" :\t%s ,\r\n \"payload\" : %s }\n ", st, pt);
    out[2] = trib_strbuf_take(&b);
}

static void test_random_records(void) {
    trib_converter *cached = conv(NULL), *uncached = conv("0"), *tiny = conv("2");
    int bad_cached = 0, bad_uncached = 0, bad_tiny = 0, bad_encoded = 0, total = 0;
    trib_json_opts o = {.decimal_numeric = false, .replace_null_with_default = true};
    for (int round = 0; round < 60; round++) {
        trib_schema *st = trib_schema_struct_new(round % 2 ? "test.Record" : NULL);
        int nf = 1 + (int)rnd(12);
        for (int i = 0; i < nf; i++) {
            char name[16];
            snprintf(name, sizeof name, "f%d", i);
            trib_schema_add_field_take(st, name, rand_schema(2));
        }
        trib_strbuf stext;
        trib_strbuf_init(&stext);
        if (trib_json_write_schema(st, &o, &stext, NULL)) BAIL_OUT("write_schema");
        for (int r = 0; r < 10; r++) {
            trib_value *v = rand_value(st);
            trib_strbuf ptext;
            trib_strbuf_init(&ptext);
            if (trib_json_write_value(st, v, &o, &ptext, NULL)) BAIL_OUT("write_value");
            char *docs[3];
            envelopes(stext.data, ptext.data, docs);
            for (int d = 0; d < 3; d++) {
                total++;
                /* twice through the cached converter: a miss, then a hit */
                if (!agrees(cached, docs[d], strlen(docs[d])) || !agrees(cached, docs[d], strlen(docs[d])))
                    bad_cached++;
                if (!agrees(uncached, docs[d], strlen(docs[d]))) bad_uncached++;
                if (!agrees(tiny, docs[d], strlen(docs[d]))) bad_tiny++;
                /* and the decoded value is the one encoded */
                trib_schema *cs = NULL;
                trib_value *cv = NULL;
                if (cached->plugin->to_connect(cached->ctx, "t", docs[d], strlen(docs[d]), &cs, &cv, NULL) ||
                    !trib_value_equal(v, cv)) {
                    bad_encoded++;
                    diag("not the encoded value: %s", docs[d]);
                }
                trib_schema_unref(cs);
                trib_value_destroy(cv);
                free(docs[d]);
            }
            trib_strbuf_free(&ptext);
            trib_value_destroy(v);
        }
        trib_strbuf_free(&stext);
        trib_schema_unref(st);
    }
    diag("%d random envelopes", total);
    is_int(bad_cached, 0, "cached decodes (miss and hit) equal the generic reference on random records");
    is_int(bad_uncached, 0, "with schemas.cache.size=0 decodes equal the generic reference");
    is_int(bad_tiny, 0, "with a 2-entry cache under eviction decodes equal the generic reference");
    is_int(bad_encoded, 0, "every random record decodes to the value that was encoded");
    trib_converter_destroy(cached);
    trib_converter_destroy(uncached);
    trib_converter_destroy(tiny);
}

static trib_schema *decode_schema(trib_converter *c, const char *doc) {
    trib_schema *s = NULL;
    trib_value *v = NULL;
    trib_error err = {0};
    if (c->plugin->to_connect(c->ctx, "t", doc, strlen(doc), &s, &v, &err)) diag("%s", err.msg);
    trib_value_destroy(v);
    return s;
}

static void test_changed_schema_not_cached(void) {
    trib_converter *c = conv(NULL);
    const char *a = "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,\"field\":\"aa\"}],"
                    "\"optional\":false},\"payload\":{\"aa\":1}}";
    const char *b = "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,\"field\":\"bb\"}],"
                    "\"optional\":false},\"payload\":{\"bb\":1}}";
    const char *o = "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":true ,\"field\":\"aa\"}],"
                    "\"optional\":false},\"payload\":{\"aa\":1}}";
    trib_schema *s1 = decode_schema(c, a), *s2 = decode_schema(c, b), *s3 = decode_schema(c, a),
                *s4 = decode_schema(c, o);
    ok(s1 && s1->nfields == 1 && strcmp(s1->fields[0].name, "aa") == 0, "the first schema is parsed");
    ok(s2 && s2->nfields == 1 && strcmp(s2->fields[0].name, "bb") == 0,
       "a schema text of the same length that differs in one byte is not served from the cache");
    ok(s3 == s1, "the first schema text again is served from the cache (the same schema object)");
    ok(s4 && s4->fields[0].schema->optional && s4 != s1,
       "a schema differing only in a flag (and spacing) is parsed anew");
    trib_schema_unref(s1);
    trib_schema_unref(s2);
    trib_schema_unref(s3);
    trib_schema_unref(s4);

    /* The cached text followed by more bytes is not the cached value. */
    const char *longer = "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,\"field\":\"aa\"}],"
                         "\"optional\":false}x,\"payload\":{\"aa\":1}}";
    trib_schema_unref(decode_schema(c, a));
    trib_schema *s = NULL;
    trib_value *v = NULL;
    trib_error err = {0};
    ok(c->plugin->to_connect(c->ctx, "t", longer, strlen(longer), &s, &v, &err) == -1 && s == NULL && v == NULL,
       "the cached schema text followed by garbage is refused");
    like(err.msg, "serialization error", "with jansson's serialization error");
    trib_converter_destroy(c);
}

static void test_hostile_envelopes(void) {
    trib_converter *c = conv(NULL);
    const char *S = "{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":true,\"field\":\"s\"},"
                    "{\"type\":\"int64\",\"optional\":false,\"field\":\"n\"}],\"optional\":false,\"doc\":\"}{][\\\"\"}";
    const char *P = "{\"s\":\"a\\\"}{,\\\\\",\"n\":7}";
    char doc[1024];
    snprintf(doc, sizeof doc, "{\"schema\":%s,\"payload\":%s}", S, P);
    ok(agrees(c, doc, strlen(doc)), "an envelope with brackets and quotes inside strings decodes as the reference");
    ok(agrees(c, doc, strlen(doc)), "and again from the cache");

    const char *cases[] = {
        "{\"schema\":null,\"payload\":{\"a\":[1,2,{\"b\":null}]}}",
        "{\"sch\\u0065ma\":null,\"payload\":5}",
        "{\"schema\":null,\"schema\":null,\"payload\":1}",
        "{\"schema\":null,\"payload\":1,\"extra\":2}",
        "{\"schema\":null}",
        "{\"payload\":1}",
        "{\"schema\":null,\"payload\":}",
        "{\"schema\":null,\"payload\":1",
        "{\"schema\":null \"payload\":1}",
        "{\"schema\":null,\"payload\":1}}",
        "{\"schema\":null,\"payload\":1} x",
        "{\"schema\":{\"type\":\"int32\"},\"payload\":\"x\"}",
        "{\"schema\":{\"type\":\"int32\"},\"payload\":12abc}",
        "{\"schema\":{\"type\":\"int32\"],\"payload\":1}",
        "{\"schema\":\"}\",\"payload\":1}",
        "{\"schema\":{\"type\":\"string\"},\"payload\":\"\\ud800\"}",
        "{\"schema\":{\"type\":\"string\"},\"payload\":\"\xff\"}",
        "[\"schema\",\"payload\"]",
        "{\"schema\":{\"type\":\"int64\"},\"payload\":123456789012345678901234567890}",
    };
    int bad = 0;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        if (!agrees(c, cases[i], strlen(cases[i]))) bad++;
    is_int(bad, 0, "hand-written hostile envelopes succeed or fail exactly as the reference");

    /* Every truncation and many single-byte corruptions of a valid
     * envelope, with the valid schema in the cache. */
    agrees(c, doc, strlen(doc));
    size_t n = strlen(doc);
    int bad_trunc = 0, bad_mut = 0;
    for (size_t k = 0; k < n; k++)
        if (!agrees(c, doc, k)) bad_trunc++;
    static const char subst[] = "{}[]\",:\\ 0a";
    for (size_t k = 0; k < n; k++) {
        char m[1024];
        memcpy(m, doc, n + 1);
        m[k] = subst[rnd(sizeof subst - 1)];
        if (!agrees(c, m, n)) bad_mut++;
        agrees(c, doc, n);   /* keep the valid schema the last one used */
    }
    is_int(bad_trunc, 0, "every truncation of an envelope fails or succeeds as the reference");
    is_int(bad_mut, 0, "single-byte corruptions of an envelope fail or succeed as the reference");

    trib_schema *s = NULL;
    trib_value *v = NULL;
    trib_error err = {0};
    const char *extra = "{\"schema\":null,\"payload\":1,\"x\":2}";
    ok(c->plugin->to_connect(c->ctx, "t", extra, strlen(extra), &s, &v, &err) == -1,
       "an envelope with an extra member is refused");
    like(err.msg, "requires \"schema\" and \"payload\" fields", "with Connect's envelope message");
    trib_converter_destroy(c);
}

int main(void) {
    test_random_records();
    test_changed_schema_not_cached();
    test_hostile_envelopes();
    (void)plan;   /* the count depends on nothing random, but is printed at the end */
    done_testing();
    return exit_status();
}
