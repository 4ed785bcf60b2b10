/*
 * header_transforms.c: DropHeaders and InsertHeader, Connect's transforms
 * that edit a record's headers and nothing else.
 *
 * InsertHeader parses its value.literal once, as Connect does, with
 * Values.parseString (proto/values.h): "42" is an INT8 header, "true" a
 * BOOLEAN, "[1,2]" an array, anything else a STRING; header.converter then
 * writes it (SimpleHeaderConverter gives the literal's text back, JsonConverter
 * the typed JSON).
 */
#include "transforms/plugins.h"

#include "common/util.h"
#include "proto/values.h"

#include <stdlib.h>
#include <string.h>

/* ---- DropHeaders ---------------------------------------------------------- */

static const trib_config_def drop_headers_config[] = {
    {.name = "headers", .type = TRIB_CFG_LIST, .importance = TRIB_IMP_HIGH, .non_empty = true,
     .doc = "The name of the headers to be removed."},
    TRIB_CONFIG_END,
};

typedef struct drop_headers {
    char **names; /* NULL-terminated */
} drop_headers;

static void drop_headers_destroy(void *vctx) {
    drop_headers *c = vctx;
    if (!c) return;
    trib_strv_free(c->names);
    free(c);
}

static int drop_headers_create(const trib_props *props, void **out, trib_error *err) {
    trib_config *cfg = trib_config_bind(drop_headers_config, props, "", err);
    if (!cfg) return -1;
    drop_headers *c = trib_xcalloc(1, sizeof *c);
    char *const *list = trib_config_list(cfg, "headers");
    size_t n = trib_config_list_len(cfg, "headers");
    c->names = trib_xcalloc(n + 1, sizeof *c->names);
    for (size_t i = 0; i < n; i++) c->names[i] = trib_xstrdup(list[i]);
    trib_config_destroy(cfg);
    *out = c;
    return 0;
}

static int drop_headers_apply(void *vctx, trib_record **recp, trib_error *err) {
    (void)err;
    drop_headers *c = vctx;
    for (size_t i = 0; c->names[i]; i++) trib_record_remove_headers(*recp, c->names[i]);
    return 0;
}

const trib_transform_plugin trib_smt_drop_headers = {
    .class_name = "org.apache.kafka.connect.transforms.DropHeaders",
    .alias = "DropHeaders",
    .doc = "Removes one or more headers from each record.",
    .config = drop_headers_config,
    .create = drop_headers_create,
    .apply = drop_headers_apply,
    .destroy = drop_headers_destroy,
};

/* ---- InsertHeader ---------------------------------------------------------- */

static const trib_config_def insert_header_config[] = {
    {.name = "header", .type = TRIB_CFG_STRING, .importance = TRIB_IMP_HIGH, .doc = "The name of the header.",
     .null_error = "entry must be non null"},
    {.name = "value.literal", .type = TRIB_CFG_STRING, .importance = TRIB_IMP_HIGH,
     .doc = "The literal value that is to be set as the header value on all records.",
     .null_error = "entry must be non null"},
    TRIB_CONFIG_END,
};

typedef struct insert_header {
    char *header;
    trib_schema *schema; /* the parsed literal; both NULL for "null" */
    trib_value *value;
} insert_header;

static void insert_header_destroy(void *vctx) {
    insert_header *c = vctx;
    if (!c) return;
    free(c->header);
    trib_schema_unref(c->schema);
    trib_value_destroy(c->value);
    free(c);
}

static int insert_header_create(const trib_props *props, void **out, trib_error *err) {
    trib_config *cfg = trib_config_bind(insert_header_config, props, "", err);
    if (!cfg) return -1;
    insert_header *c = trib_xcalloc(1, sizeof *c);
    c->header = trib_xstrdup(trib_config_string(cfg, "header"));
    const char *lit = trib_config_string(cfg, "value.literal");
    trib_values_parse_string(lit, strlen(lit), &c->schema, &c->value);
    trib_config_destroy(cfg);
    *out = c;
    return 0;
}

static int insert_header_apply(void *vctx, trib_record **recp, trib_error *err) {
    (void)err;
    insert_header *c = vctx;
    /* added, not replaced: Headers.add keeps earlier headers of the name */
    trib_record_add_header_take(*recp, c->header, trib_schema_ref(c->schema), trib_value_clone(c->value));
    return 0;
}

const trib_transform_plugin trib_smt_insert_header = {
    .class_name = "org.apache.kafka.connect.transforms.InsertHeader",
    .alias = "InsertHeader",
    .doc = "Add a header to each record.",
    .config = insert_header_config,
    .create = insert_header_create,
    .apply = insert_header_apply,
    .destroy = insert_header_destroy,
};
