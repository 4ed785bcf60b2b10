/*
 * shapes.c: DataGen's value shapes (see shapes.h).
 *
 *   orders     10-field struct exercising every common type: int32, int64,
 *              string, float64, boolean, Decimal(2), Timestamp, Date and an
 *              optional string that is null three times in four.
 *   wide       50-field struct (field_00 .. field_49) cycling int64, string,
 *              float64, int32, boolean; every seventh field is optional and
 *              sometimes null. For converter and throughput benchmarks.
 *   users      Confluent datagen's "users" quickstart: registertime, userid,
 *              regionid, gender.
 *   pageviews  Confluent datagen's "pageviews" quickstart: viewtime, userid,
 *              pageid.
 *   string     a plain string.
 */
#include "connectors/datagen/shapes.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"

#define EPOCH_2024_MS 1704067200000LL
#define MS_PER_DAY 86400000LL

static uint64_t mix64(uint64_t z) {
    z += 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

void trib_datagen_rng_init(trib_datagen_rng *r, int64_t seed, int32_t task, int64_t seq) {
    r->state = mix64(mix64(mix64((uint64_t)seed) ^ (uint64_t)(uint32_t)task) ^ (uint64_t)seq);
}

uint64_t trib_datagen_rng_next(trib_datagen_rng *r) {
    r->state += 0x9E3779B97F4A7C15ULL;
    return mix64(r->state);
}

int64_t trib_datagen_rng_range(trib_datagen_rng *r, int64_t lo, int64_t hi) {
    uint64_t span = (uint64_t)(hi - lo) + 1;
    return lo + (int64_t)(trib_datagen_rng_next(r) % span);
}

int64_t trib_datagen_event_ms(int64_t id, trib_datagen_rng *rng) {
    return EPOCH_2024_MS + id * 1000 + trib_datagen_rng_range(rng, 0, 999);
}

static const char *pick(trib_datagen_rng *r, const char *const *list, size_t n) {
    return list[trib_datagen_rng_next(r) % n];
}

static trib_value *random_word(trib_datagen_rng *r, int minlen, int maxlen) {
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    int len = (int)trib_datagen_rng_range(r, minlen, maxlen);
    char buf[64];
    for (int i = 0; i < len; i++) buf[i] = alphabet[trib_datagen_rng_next(r) % (sizeof alphabet - 1)];
    return trib_value_string_n(buf, (size_t)len);
}

/* Connect's Decimal: the unscaled value as minimal big-endian two's complement. */
static trib_value *decimal_value(int64_t unscaled) {
    unsigned char b[8];
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)((uint64_t)unscaled >> (56 - 8 * i));
    int start = 0;
    while (start < 7 && ((b[start] == 0x00 && !(b[start + 1] & 0x80)) ||
                         (b[start] == 0xFF && (b[start + 1] & 0x80))))
        start++;
    trib_value *v = trib_value_bytes(b + start, (size_t)(8 - start));
    return v;
}

static trib_value *date_value(int64_t ms) {
    int64_t days = ms >= 0 ? ms / MS_PER_DAY : -((-ms + MS_PER_DAY - 1) / MS_PER_DAY);
    return trib_value_int(TRIB_INT32, days);
}

/* Fills slot i of a struct value directly (slots are in field order). */
static void put(trib_value *st, size_t i, trib_value *v) {
    st->u.st.fields[i] = v;
}

/* ---- orders ---- */

static trib_schema *orders_schema(const char *name) {
    trib_schema *s = trib_schema_struct_new(name);
    trib_schema_add_field_take(s, "order_id", trib_schema_primitive(TRIB_INT64, false));
    trib_schema_add_field_take(s, "customer_id", trib_schema_primitive(TRIB_INT32, false));
    trib_schema_add_field_take(s, "product", trib_schema_primitive(TRIB_STRING, false));
    trib_schema_add_field_take(s, "quantity", trib_schema_primitive(TRIB_INT32, false));
    trib_schema_add_field_take(s, "unit_price", trib_schema_primitive(TRIB_FLOAT64, false));
    trib_schema_add_field_take(s, "total", trib_schema_decimal(2, false));
    trib_schema_add_field_take(s, "paid", trib_schema_primitive(TRIB_BOOLEAN, false));
    trib_schema_add_field_take(s, "created_at", trib_schema_timestamp(false));
    trib_schema_add_field_take(s, "ship_date", trib_schema_date(false));
    trib_schema_add_field_take(s, "coupon", trib_schema_primitive(TRIB_STRING, true));
    return s;
}

static const char *const products[] = {
    "keyboard", "mouse", "monitor", "laptop", "headphones", "webcam", "usb-cable", "desk-lamp",
    "notebook", "backpack", "phone-case", "charger",
};
static const char *const coupons[] = {"SAVE5", "SAVE10", "WELCOME", "FREESHIP"};

static trib_value *orders_value(const trib_schema *schema, const trib_datagen_point *pt, trib_datagen_rng *r) {
    trib_value *v = trib_value_struct_new((trib_schema *)schema);
    int64_t cents = trib_datagen_rng_range(r, 99, 99999);
    int64_t qty = trib_datagen_rng_range(r, 1, 10);
    put(v, 0, trib_value_int(TRIB_INT64, pt->id));
    put(v, 1, trib_value_int(TRIB_INT32, trib_datagen_rng_range(r, 1, 5000)));
    put(v, 2, trib_value_string(pick(r, products, sizeof products / sizeof *products)));
    put(v, 3, trib_value_int(TRIB_INT32, qty));
    put(v, 4, trib_value_float(TRIB_FLOAT64, (double)cents / 100.0));
    put(v, 5, decimal_value(cents * qty));
    put(v, 6, trib_value_bool(trib_datagen_rng_next(r) % 5 != 0));
    put(v, 7, trib_value_int(TRIB_INT64, pt->event_ms));
    put(v, 8, date_value(pt->event_ms + trib_datagen_rng_range(r, 1, 5) * MS_PER_DAY));
    put(v, 9, trib_datagen_rng_next(r) % 4 == 0 ? trib_value_string(pick(r, coupons, 4)) : NULL);
    return v;
}

/* ---- wide ---- */

#define WIDE_FIELDS 50

static trib_schema *wide_schema(const char *name) {
    trib_schema *s = trib_schema_struct_new(name);
    static const trib_type cycle[] = {TRIB_INT64, TRIB_STRING, TRIB_FLOAT64, TRIB_INT32, TRIB_BOOLEAN};
    for (int i = 0; i < WIDE_FIELDS; i++) {
        char fname[16];
        snprintf(fname, sizeof fname, "field_%02d", i);
        trib_schema_add_field_take(s, fname, trib_schema_primitive(cycle[i % 5], i % 7 == 6));
    }
    return s;
}

static trib_value *wide_value(const trib_schema *schema, const trib_datagen_point *pt, trib_datagen_rng *r) {
    trib_value *v = trib_value_struct_new((trib_schema *)schema);
    for (size_t i = 0; i < schema->nfields; i++) {
        const trib_schema *fs = schema->fields[i].schema;
        if (fs->optional && trib_datagen_rng_next(r) % 3 == 0) continue;   /* null */
        trib_value *f = NULL;
        switch (fs->type) {
        case TRIB_INT64: f = trib_value_int(TRIB_INT64, i == 0 ? pt->id : (int64_t)(trib_datagen_rng_next(r) >> 1)); break;
        case TRIB_STRING: f = random_word(r, 8, 24); break;
        case TRIB_FLOAT64: f = trib_value_float(TRIB_FLOAT64, (double)(trib_datagen_rng_next(r) % 1000000) / 1000.0); break;
        case TRIB_INT32: f = trib_value_int(TRIB_INT32, trib_datagen_rng_range(r, -1000000, 1000000)); break;
        case TRIB_BOOLEAN: f = trib_value_bool(trib_datagen_rng_next(r) & 1); break;
        default: break;
        }
        put(v, i, f);
    }
    return v;
}

/* ---- users / pageviews (Confluent datagen quickstarts) ---- */

static trib_schema *users_schema(const char *name) {
    trib_schema *s = trib_schema_struct_new(name);
    trib_schema_add_field_take(s, "registertime", trib_schema_primitive(TRIB_INT64, false));
    trib_schema_add_field_take(s, "userid", trib_schema_primitive(TRIB_STRING, false));
    trib_schema_add_field_take(s, "regionid", trib_schema_primitive(TRIB_STRING, false));
    trib_schema_add_field_take(s, "gender", trib_schema_primitive(TRIB_STRING, false));
    return s;
}

static const char *const genders[] = {"MALE", "FEMALE", "OTHER"};

static trib_value *users_value(const trib_schema *schema, const trib_datagen_point *pt, trib_datagen_rng *r) {
    trib_value *v = trib_value_struct_new((trib_schema *)schema);
    char buf[32];
    put(v, 0, trib_value_int(TRIB_INT64, pt->event_ms - trib_datagen_rng_range(r, 0, 365) * MS_PER_DAY));
    snprintf(buf, sizeof buf, "User_%d", (int)trib_datagen_rng_range(r, 1, 9));
    put(v, 1, trib_value_string(buf));
    snprintf(buf, sizeof buf, "Region_%d", (int)trib_datagen_rng_range(r, 1, 9));
    put(v, 2, trib_value_string(buf));
    put(v, 3, trib_value_string(pick(r, genders, 3)));
    return v;
}

static trib_schema *pageviews_schema(const char *name) {
    trib_schema *s = trib_schema_struct_new(name);
    trib_schema_add_field_take(s, "viewtime", trib_schema_primitive(TRIB_INT64, false));
    trib_schema_add_field_take(s, "userid", trib_schema_primitive(TRIB_STRING, false));
    trib_schema_add_field_take(s, "pageid", trib_schema_primitive(TRIB_STRING, false));
    return s;
}

static trib_value *pageviews_value(const trib_schema *schema, const trib_datagen_point *pt,
                                   trib_datagen_rng *r) {
    trib_value *v = trib_value_struct_new((trib_schema *)schema);
    char buf[32];
    put(v, 0, trib_value_int(TRIB_INT64, pt->event_ms));
    snprintf(buf, sizeof buf, "User_%d", (int)trib_datagen_rng_range(r, 1, 9));
    put(v, 1, trib_value_string(buf));
    snprintf(buf, sizeof buf, "Page_%d", (int)trib_datagen_rng_range(r, 1, 99));
    put(v, 2, trib_value_string(buf));
    return v;
}

/* ---- string ---- */

static trib_schema *string_schema(const char *name) {
    trib_schema *s = trib_schema_primitive(TRIB_STRING, false);
    if (name) trib_schema_set_name(s, name);
    return s;
}

static trib_value *string_value(const trib_schema *schema, const trib_datagen_point *pt, trib_datagen_rng *r) {
    (void)schema;
    trib_value *w = random_word(r, 8, 16);
    char *s = trib_xasprintf("message %lld %s", (long long)pt->id, w->u.str.data);
    trib_value_destroy(w);
    return trib_value_string_take(s);
}

static const trib_datagen_shape shapes[] = {
    {"orders", "io.tributary.datagen.Order", orders_schema, orders_value},
    {"wide", "io.tributary.datagen.Wide", wide_schema, wide_value},
    {"users", "io.tributary.datagen.User", users_schema, users_value},
    {"pageviews", "io.tributary.datagen.Pageview", pageviews_schema, pageviews_value},
    {"string", NULL, string_schema, string_value},
};

const char *const trib_datagen_shape_names[] = {"orders", "wide", "users", "pageviews", "string", NULL};

const trib_datagen_shape *trib_datagen_shape_find(const char *name) {
    if (!name) return NULL;
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++)
        if (strcasecmp(shapes[i].name, name) == 0) return &shapes[i];
    return NULL;
}
