/*
 * fuzz_json_converter.c: libFuzzer harness for the JsonConverter read path
 * (org.apache.kafka.connect.json.JsonConverter), with schemas.enable on and
 * off. Any input must either fail with an error or give data that the
 * converter can write back. Build and run with scripts/fuzz.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/util.h"
#include "proto/converter.h"

static trib_converter *conv[2];

static void setup(void) {
    for (int i = 0; i < 2; i++) {
        trib_props *p = trib_props_new();
        trib_props_set(p, "schemas.enable", i ? "true" : "false");
        trib_error err = {0};
        conv[i] = trib_converter_new("org.apache.kafka.connect.json.JsonConverter", p, false, &err);
        trib_props_destroy(p);
        if (!conv[i]) {
            fprintf(stderr, "setup: %s\n", err.msg);
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!conv[0]) setup();
    for (int i = 0; i < 2; i++) {
        trib_schema *s = NULL;
        trib_value *v = NULL;
        trib_error err = {0};
        if (conv[i]->plugin->to_connect(conv[i]->ctx, "fuzz", data, size, &s, &v, &err) != 0) {
            if (s || v) abort();   /* failure must leave nothing behind */
            continue;
        }
        trib_strbuf out;
        trib_strbuf_init(&out);
        bool is_null = false;
        if (conv[i]->plugin->from_connect(conv[i]->ctx, "fuzz", s, v, &out, &is_null, &err) != 0) {
            fprintf(stderr, "data read by JsonConverter could not be written back: %s\n", err.msg);
            abort();
        }
        trib_strbuf_free(&out);
        trib_value_destroy(v);
        trib_schema_unref(s);
    }
    return 0;
}
