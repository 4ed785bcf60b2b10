/*
 * fuzz_avro_decode.c: libFuzzer harness for the Avro read path (framing
 * and avro_codec over avro-c). The first input byte picks one of several
 * writer schemas (Connect-generated with every type, a foreign schema with
 * enum/fixed/unions/records, a map with non-string keys); the rest is a
 * message body. Whatever the bytes, decoding must fail cleanly or produce
 * a value that is valid for the schema and survives an encode/decode round
 * trip unchanged; the decoding plan must never accept what the generic path
 * refuses nor decode it differently. A first byte of 252 or more picks a
 * schema without arrays or maps, whose codec reuses one avro-c value for
 * every encode. Build and run with scripts/fuzz.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "proto/avro_codec.h"
#include "proto/avro_schema.h"
#include "proto/data.h"
#include "proto/framing.h"

#define NSCHEMAS 4

static trib_avro_codec *codecs[NSCHEMAS];
static trib_schema *schemas[NSCHEMAS];

static trib_schema *everything(void) {
    trib_schema *inner = trib_schema_struct_new("f.Inner");
    trib_schema_add_field_take(inner, "b", trib_schema_primitive(TRIB_BOOLEAN, false));
    trib_schema_add_field_take(inner, "y", trib_schema_primitive(TRIB_BYTES, true));
    trib_schema *st = trib_schema_struct_new("f.All");
    trib_type prim[] = {TRIB_INT8, TRIB_INT16, TRIB_INT32, TRIB_INT64, TRIB_FLOAT32,
                        TRIB_FLOAT64, TRIB_BOOLEAN, TRIB_STRING, TRIB_BYTES};
    for (size_t i = 0; i < sizeof prim / sizeof prim[0]; i++) {
        char name[16];
        snprintf(name, sizeof name, "p%zu", i);
        trib_schema_add_field_take(st, name, trib_schema_primitive(prim[i], i % 2 == 1));
    }
    trib_schema_add_field_take(st, "dec", trib_schema_decimal(3, true));
    trib_schema_add_field_take(st, "date", trib_schema_date(false));
    trib_schema_add_field_take(st, "ts", trib_schema_timestamp(false));
    trib_schema_add_field_take(st, "inner", inner);
    trib_schema_add_field_take(st, "arr", trib_schema_array_take(trib_schema_ref(inner)));
    trib_schema_add_field_take(st, "map", trib_schema_map_take(trib_schema_primitive(TRIB_STRING, false),
                                                             trib_schema_primitive(TRIB_INT64, true)));
    return st;
}

static const char *foreign =
    "{\"type\":\"record\",\"name\":\"F\",\"fields\":["
    "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"A\",\"B\",\"C\"]}},"
    "{\"name\":\"fx\",\"type\":{\"type\":\"fixed\",\"name\":\"X\",\"size\":4}},"
    "{\"name\":\"u\",\"type\":[\"null\",\"int\",\"string\",\"E\"]},"
    "{\"name\":\"nested\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"map\",\"values\":\"X\"}}}]}";

static const char *flat =
    "{\"type\":\"record\",\"name\":\"Flat\",\"fields\":["
    "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"E2\",\"symbols\":[\"A\",\"B\"]}},"
    "{\"name\":\"fx\",\"type\":{\"type\":\"fixed\",\"name\":\"X2\",\"size\":2}},"
    "{\"name\":\"u\",\"type\":[\"null\",\"int\",\"string\"]},"
    "{\"name\":\"s\",\"type\":[\"null\",\"string\"]},"
    "{\"name\":\"b\",\"type\":\"bytes\"},"
    "{\"name\":\"l\",\"type\":\"long\"},"
    "{\"name\":\"r\",\"type\":{\"type\":\"record\",\"name\":\"R\",\"fields\":["
    "{\"name\":\"x\",\"type\":[\"null\",\"boolean\"]},{\"name\":\"y\",\"type\":\"float\"}]}}]}";

static void setup(void) {
    trib_error err = {0};
    schemas[0] = everything();
    schemas[1] = trib_avro_schema_to_connect_str(foreign, NULL, 0, &err);
    schemas[2] = trib_schema_map_take(trib_schema_primitive(TRIB_INT32, false),
                                      trib_schema_array_take(trib_schema_primitive(TRIB_STRING, true)));
    schemas[3] = trib_avro_schema_to_connect_str(flat, NULL, 0, &err);
    for (int i = 0; i < NSCHEMAS; i++) {
        if (!schemas[i]) abort();
        char *avsc = i == 1   ? trib_xstrdup(foreign)
                     : i == 3 ? trib_xstrdup(flat)
                              : trib_avro_schema_from_connect_str(schemas[i], NULL, &err);
        if (!avsc) abort();
        codecs[i] = trib_avro_codec_new(schemas[i], avsc, false, &err);
        free(avsc);
        if (!codecs[i]) {
            fprintf(stderr, "setup: %s\n", err.msg);
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!codecs[0]) setup();
    if (size < 1) return 0;
    int which = data[0] >= 252 ? 3 : data[0] % 3;
    const uint8_t *body = data + 1;
    size_t len = size - 1;

    /* The framing parser sees the same bytes. */
    int32_t id;
    const void *b;
    size_t bl;
    trib_framing_parse(data, size, &id, &b, &bl, NULL);

    trib_value *v = NULL;
    trib_error err = {0};
    /* The decoding plan never accepts what the generic path refuses, nor
     * decodes it to another value. */
    trib_value *pv = NULL, *gv = NULL;
    int rp = trib_avro_codec_decode_plan(codecs[which], body, len, &pv, &err);
    int rg = trib_avro_codec_decode_generic(codecs[which], body, len, &gv, &err);
    if ((rp != 0 && pv) || (rg != 0 && gv)) abort();
    if (rp == 0 && (rg != 0 || !trib_value_equal(pv, gv))) {
        fprintf(stderr, "the decoding plan and the generic path disagree (generic: %s)\n", rg ? err.msg : "ok");
        abort();
    }
    trib_value_destroy(pv);
    trib_value_destroy(gv);
    if (trib_avro_codec_decode(codecs[which], body, len, &v, &err) != 0) {
        if (v || err.code != TRIB_ERR_INVALID) abort();   /* failure must be clean */
        return 0;
    }
    if (trib_value_validate(schemas[which], v, &err) != 0) {
        fprintf(stderr, "decoded value is invalid: %s\n", err.msg);
        abort();
    }
    trib_strbuf out;
    trib_strbuf_init(&out);
    if (trib_avro_codec_encode(codecs[which], v, &out, &err) != 0) {
        fprintf(stderr, "re-encoding a decoded value failed: %s\n", err.msg);
        abort();
    }
    trib_value *again = NULL;
    if (trib_avro_codec_decode(codecs[which], out.data, out.len, &again, &err) != 0 ||
        !trib_value_equal(v, again)) {
        fprintf(stderr, "round trip changed the value: %s\n", err.msg);
        abort();
    }
    trib_value_destroy(again);
    trib_value_destroy(v);
    trib_strbuf_free(&out);
    return 0;
}
