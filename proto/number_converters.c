/*
 * number_converters.c: Kafka Connect's primitive converters,
 * org.apache.kafka.connect.converters.{Short,Integer,Long,Float,Double,
 * Boolean}Converter. Each stores one value in Kafka's own serializer
 * format (ShortSerializer, IntegerSerializer, ... BooleanSerializer):
 * big-endian two's complement for integers, the IEEE 754 bits big-endian for
 * floats, one byte 0/1 for booleans. A Connect null is a Kafka null and back.
 * Reading gives the optional schema of the type (Schema.OPTIONAL_INT32_SCHEMA
 * ...), as Connect's NumberConverter and BooleanConverter do; the error
 * texts are theirs, so logs and DLQ headers read the same.
 *
 * One table row per converter; the code is shared.
 */
#include "proto/converter.h"

#include <string.h>

typedef struct number_kind {
    trib_type type;
    size_t width;            /* bytes on the wire */
    const char *type_name;   /* NumberConverter's typeName ("integer") */
    const char *deserializer;/* Kafka's class, for the size error */
} number_kind;

static const number_kind kind_short = {TRIB_INT16, 2, "short", "ShortDeserializer"};
static const number_kind kind_int = {TRIB_INT32, 4, "integer", "IntegerDeserializer"};
static const number_kind kind_long = {TRIB_INT64, 8, "long", "LongDeserializer"};
static const number_kind kind_float = {TRIB_FLOAT32, 4, "float", "FloatDeserializer"};
static const number_kind kind_double = {TRIB_FLOAT64, 8, "double", "DoubleDeserializer"};
static const number_kind kind_bool = {TRIB_BOOLEAN, 1, "boolean", "BooleanDeserializer"};

/* converter.type (key/value/header) is the worker's; nothing else to set */
static const trib_config_def no_config[] = {TRIB_CONFIG_END};

typedef struct number_conv {
    const number_kind *kind;
    trib_schema *schema; /* the optional schema of the kind */
} number_conv;

static int nc_create(const number_kind *kind, void **ctx) {
    number_conv *c = trib_xcalloc(1, sizeof *c);
    c->kind = kind;
    c->schema = trib_schema_primitive(kind->type, true);
    *ctx = c;
    return 0;
}

#define CREATE(fn, kind)                                                                   \
    static int fn(const trib_props *config, bool is_key, void **ctx, trib_error *err) {   \
        (void)config;                                                                      \
        (void)is_key;                                                                      \
        (void)err;                                                                         \
        return nc_create(&kind, ctx);                                                      \
    }
CREATE(short_create, kind_short)
CREATE(int_create, kind_int)
CREATE(long_create, kind_long)
CREATE(float_create, kind_float)
CREATE(double_create, kind_double)
CREATE(bool_create, kind_bool)

static void nc_destroy(void *ctx) {
    number_conv *c = ctx;
    if (!c) return;
    trib_schema_unref(c->schema);
    free(c);
}

static void put_be(trib_strbuf *out, uint64_t bits, size_t width) {
    unsigned char b[8];
    for (size_t i = 0; i < width; i++) b[i] = (unsigned char)(bits >> (8 * (width - 1 - i)));
    trib_strbuf_append(out, (const char *)b, width);
}

static uint64_t get_be(const unsigned char *p, size_t width) {
    uint64_t v = 0;
    for (size_t i = 0; i < width; i++) v = (v << 8) | p[i];
    return v;
}

static int nc_from_connect(void *ctx, const char *topic, const trib_schema *schema, const trib_value *v,
                           trib_strbuf *out, bool *out_null, trib_error *err) {
    (void)topic;
    number_conv *c = ctx;
    const number_kind *k = c->kind;
    *out_null = false;
    /* BooleanConverter checks the schema; NumberConverter only the value */
    if (k->type == TRIB_BOOLEAN && schema && schema->type != TRIB_BOOLEAN)
        return trib_error_set(err, TRIB_ERR_INVALID, "Invalid schema type for BooleanConverter: %s",
                              trib_type_upper_name(schema->type));
    if (!v) {
        *out_null = true;
        return 0;
    }
    if (v->type != k->type) {
        if (k->type == TRIB_BOOLEAN)
            return trib_error_set(err, TRIB_ERR_INVALID, "BooleanConverter is not compatible with objects of type class %s",
                                  trib_type_java_class(v->type));
        return trib_error_set(err, TRIB_ERR_INVALID, "Failed to serialize to %s (was class %s): ", k->type_name,
                              trib_type_java_class(v->type));
    }
    uint64_t bits;
    switch (k->type) {
    case TRIB_FLOAT32: {
        float f = (float)v->u.f;
        uint32_t u;
        memcpy(&u, &f, sizeof u);
        bits = u;
        break;
    }
    case TRIB_FLOAT64:
        memcpy(&bits, &v->u.f, sizeof bits);
        break;
    case TRIB_BOOLEAN: bits = v->u.b ? 1 : 0; break;
    default: bits = (uint64_t)v->u.i; break;
    }
    put_be(out, bits, k->width);
    return 0;
}

static int nc_to_connect(void *ctx, const char *topic, const void *data, size_t len, trib_schema **schema,
                         trib_value **v, trib_error *err) {
    (void)topic;
    number_conv *c = ctx;
    const number_kind *k = c->kind;
    *schema = NULL;
    *v = NULL;
    if (!data) {
        *schema = trib_schema_ref(c->schema);
        return 0;
    }
    if (len != k->width)
        return trib_error_set(err, TRIB_ERR_INVALID, "Failed to deserialize %s: Size of data received by %s is not %zu",
                              k->type_name, k->deserializer, k->width);
    uint64_t bits = get_be(data, k->width);
    switch (k->type) {
    case TRIB_INT16: *v = trib_value_int(TRIB_INT16, (int16_t)(uint16_t)bits); break;
    case TRIB_INT32: *v = trib_value_int(TRIB_INT32, (int32_t)(uint32_t)bits); break;
    case TRIB_INT64: *v = trib_value_int(TRIB_INT64, (int64_t)bits); break;
    case TRIB_FLOAT32: {
        uint32_t u = (uint32_t)bits;
        float f;
        memcpy(&f, &u, sizeof f);
        *v = trib_value_float(TRIB_FLOAT32, f);
        break;
    }
    case TRIB_FLOAT64: {
        double d;
        memcpy(&d, &bits, sizeof d);
        *v = trib_value_float(TRIB_FLOAT64, d);
        break;
    }
    default: /* boolean */
        if (bits > 1)
            return trib_error_set(err, TRIB_ERR_INVALID,
                                  "Failed to deserialize boolean: Unexpected byte received by BooleanDeserializer: %d",
                                  (int)(signed char)(unsigned char)bits);
        *v = trib_value_bool(bits == 1);
        break;
    }
    *schema = trib_schema_ref(c->schema);
    return 0;
}

#define PLUGIN(var, cls, short_name, create_fn, what)                                        \
    const trib_converter_plugin var = {                                                      \
        .class_name = "org.apache.kafka.connect.converters." cls,                            \
        .alias = short_name,                                                                 \
        .doc = what,                                                                         \
        .config = no_config,                                                                 \
        .create = create_fn,                                                                 \
        .from_connect = nc_from_connect,                                                     \
        .to_connect = nc_to_connect,                                                         \
        .destroy = nc_destroy,                                                               \
    }
PLUGIN(trib_short_converter_plugin, "ShortConverter", "ShortConverter", short_create,
       "INT16 values as Kafka's ShortSerializer writes them (2 bytes, big-endian)");
PLUGIN(trib_integer_converter_plugin, "IntegerConverter", "IntegerConverter", int_create,
       "INT32 values as Kafka's IntegerSerializer writes them (4 bytes, big-endian)");
PLUGIN(trib_long_converter_plugin, "LongConverter", "LongConverter", long_create,
       "INT64 values as Kafka's LongSerializer writes them (8 bytes, big-endian)");
PLUGIN(trib_float_converter_plugin, "FloatConverter", "FloatConverter", float_create,
       "FLOAT32 values as Kafka's FloatSerializer writes them (IEEE 754, big-endian)");
PLUGIN(trib_double_converter_plugin, "DoubleConverter", "DoubleConverter", double_create,
       "FLOAT64 values as Kafka's DoubleSerializer writes them (IEEE 754, big-endian)");
PLUGIN(trib_boolean_converter_plugin, "BooleanConverter", "BooleanConverter", bool_create,
       "BOOLEAN values as Kafka's BooleanSerializer writes them (one byte, 0 or 1)");
