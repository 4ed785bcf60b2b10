/*
 * test_avro_registry.c: the schema registry client (proto/registry.h) and
 * the AvroConverter against the real Apicurio Registry from scripts/testenv
 * (Confluent-compatible API at SCHEMA_REGISTRY_URL): registration, look-ups,
 * shared caches, compatibility failures, failover, an unreachable registry,
 * and converter round trips including corrupt payloads.
 */
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "proto/avro_schema.h"
#include "proto/converter.h"
#include "proto/framing.h"
#include "proto/registry.h"
#include "tests/tap.h"

#define PLAN 55

static const char *url;
static char prefix[64];

static trib_registry *acquire(const char *u1, const char *u2) {
    char *urls[2] = {(char *)u1, (char *)u2};
    trib_registry_config cfg = {.urls = urls, .nurls = u2 ? 2 : 1, .connect_timeout_ms = 2000,
                                .request_timeout_ms = 5000};
    trib_error err = {0};
    trib_registry *r = trib_registry_acquire(&cfg, &err);
    if (!r) diag("acquire: %s", err.msg);
    return r;
}

static const char *schema_v1 =
    "{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"it\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"}]}";
static const char *schema_v2_incompatible =
    "{\"type\":\"record\",\"name\":\"User\",\"namespace\":\"it\",\"fields\":[{\"name\":\"id\",\"type\":\"int\"},"
    "{\"name\":\"email\",\"type\":\"string\"}]}";

static void test_client(void) {
    char subject[128];
    snprintf(subject, sizeof subject, "%s-users-value", prefix);
    trib_registry *r = acquire(url, NULL);
    ok(r != NULL, "a client is created for the registry");
    if (!r) return;
    trib_error err = {0};
    int32_t id = 0, id2 = 0, version = 0;
    uint64_t before = trib_registry_request_count(r);
    int rc = trib_registry_register(r, subject, schema_v1, &id, &err);
    if (rc) diag("register: %s", err.msg);
    ok(rc == 0 && id > 0, "a schema registers and gets an id (%d)", (int)id);
    is_int(trib_registry_request_count(r) - before, 1, "registering took one request");
    ok(trib_registry_register(r, subject, schema_v1, &id2, &err) == 0 && id2 == id,
       "registering it again gives the same id");
    is_int(trib_registry_request_count(r) - before, 1, "from the cache, without a request");

    trib_registry *shared = acquire(url, NULL);
    ok(shared == r, "a second converter with the same settings shares the client");
    before = trib_registry_request_count(r);
    char *text = trib_registry_schema_by_id(shared, id, &err);
    ok(text != NULL, "the schema is fetched by id");
    trib_schema *cs = text ? trib_avro_schema_to_connect_str(text, NULL, 0, &err) : NULL;
    ok(cs && cs->name && strcmp(cs->name, "it.User") == 0, "and it is the registered schema");
    is_int(trib_registry_request_count(r) - before, 0, "served from the id cache the registration filled");
    trib_schema_unref(cs);
    free(text);
    trib_registry_release(shared);

    ok(trib_registry_lookup(r, subject, schema_v1, &id2, &version, &err) == 0 && id2 == id && version == 1,
       "lookup finds the id and version 1 under the subject");
    char *latest = NULL;
    ok(trib_registry_latest(r, subject, &id2, &version, &latest, &err) == 0 && id2 == id && version == 1 &&
       latest != NULL, "the subject's latest version is the registered schema");
    free(latest);

    trib_error_clear(&err);
    ok(trib_registry_latest(r, "no-such-subject-tributary", &id2, &version, &latest, &err) == -1 &&
       err.code == TRIB_ERR_NOT_FOUND, "an unknown subject is NOT_FOUND");

    ok(trib_registry_set_compatibility(r, subject, "BACKWARD", &err) == 0, "compatibility is set to BACKWARD");
    trib_error_clear(&err);
    rc = trib_registry_register(r, subject, schema_v2_incompatible, &id2, &err);
    ok(rc == -1 && err.code == TRIB_ERR_FATAL, "an incompatible schema is a FATAL error");
    like(err.msg, "incompatible", "saying it is incompatible");
    like(err.msg, subject, "naming the subject");
    diag("registry said: %s", err.msg);

    trib_error_clear(&err);
    text = trib_registry_schema_by_id(r, 987654321, &err);
    ok(text == NULL && err.code == TRIB_ERR_INVALID, "an unknown schema id is INVALID");
    like(err.msg, "schema id 987654321 not found", "with the id in the message");
    trib_registry_release(r);
}

static void test_unreachable(void) {
    char subject[128];
    snprintf(subject, sizeof subject, "%s-down-value", prefix);
    trib_registry *down = acquire("http://127.0.0.1:1", NULL);
    trib_error err = {0};
    int32_t id;
    ok(down && trib_registry_register(down, subject, schema_v1, &id, &err) == -1 &&
       err.code == TRIB_ERR_RETRIABLE, "an unreachable registry is a RETRIABLE error");
    like(err.msg, "127.0.0.1:1", "naming the URL that failed");
    trib_error_clear(&err);
    char *t = down ? trib_registry_schema_by_id(down, 1, &err) : NULL;
    ok(t == NULL && err.code == TRIB_ERR_RETRIABLE, "fetching by id from it is RETRIABLE too");
    trib_registry_release(down);

    trib_registry *fo = acquire("http://127.0.0.1:1", url);
    trib_error_clear(&err);
    int rc = fo ? trib_registry_register(fo, subject, schema_v1, &id, &err) : -1;
    if (rc) diag("failover: %s", err.msg);
    ok(rc == 0 && id > 0, "with a second URL the client fails over and registers");
    uint64_t before = trib_registry_request_count(fo);
    char *latest = NULL;
    int32_t v;
    ok(trib_registry_latest(fo, subject, &id, &v, &latest, &err) == 0, "later requests succeed");
    is_int(trib_registry_request_count(fo) - before, 1, "going straight to the URL that answered");
    free(latest);
    trib_registry_release(fo);

    trib_error_clear(&err);
    char *urls[1] = {"ftp://x"};
    trib_registry_config bad = {.urls = urls, .nurls = 1};
    ok(trib_registry_acquire(&bad, &err) == NULL && err.code == TRIB_ERR_INVALID, "a non-HTTP URL is refused");
    char *urls2[1] = {(char *)url};
    trib_registry_config noinfo = {.urls = urls2, .nurls = 1, .credentials_source = "USER_INFO"};
    trib_error_clear(&err);
    ok(trib_registry_acquire(&noinfo, &err) == NULL && err.code == TRIB_ERR_INVALID,
       "USER_INFO without basic.auth.user.info is refused");
    like(err.msg, "basic.auth.user.info", "naming the missing setting");
    trib_registry_config withinfo = {.urls = urls2, .nurls = 1, .credentials_source = "USER_INFO",
                                     .user_info = "alice:secret"};
    trib_registry *auth = trib_registry_acquire(&withinfo, &err);
    trib_error_clear(&err);
    snprintf(subject, sizeof subject, "%s-auth-value", prefix);
    ok(auth && trib_registry_register(auth, subject, schema_v1, &id, &err) == 0,
       "with USER_INFO credentials requests carry basic auth (accepted by the open registry)");
    trib_registry_release(auth);
}

static trib_converter *converter(const char *k1, const char *v1, const char *k2, const char *v2, bool is_key) {
    trib_props *p = trib_props_new();
    trib_props_set(p, "schema.registry.url", url);
    if (k1) trib_props_set(p, k1, v1);
    if (k2) trib_props_set(p, k2, v2);
    trib_error err = {0};
    trib_converter *c = trib_converter_new("io.confluent.connect.avro.AvroConverter", p, is_key, &err);
    if (!c) diag("converter: %s", err.msg);
    trib_props_destroy(p);
    return c;
}

static trib_schema *order_schema(void) {
    trib_schema *st = trib_schema_struct_new("it.Order");
    trib_schema_add_field_take(st, "id", trib_schema_primitive(TRIB_INT64, false));
    trib_schema_add_field_take(st, "item", trib_schema_primitive(TRIB_STRING, true));
    trib_schema_add_field_take(st, "price", trib_schema_decimal(2, false));
    trib_schema_add_field_take(st, "at", trib_schema_timestamp(false));
    return st;
}

static trib_value *order(trib_schema *st, int64_t id) {
    trib_value *v = trib_value_struct_new(st);
    trib_value_struct_set_take(v, "id", trib_value_int(TRIB_INT64, id));
    trib_value_struct_set_take(v, "item", trib_value_string("book"));
    trib_value *d = NULL;
    trib_decimal_from_string("19.99", 2, &d, NULL);
    trib_value_struct_set_take(v, "price", d);
    trib_value_struct_set_take(v, "at", trib_value_int(TRIB_INT64, 1700000000000LL));
    return v;
}

static void test_converter(void) {
    char topic[96];
    snprintf(topic, sizeof topic, "%s-orders", prefix);
    ok(trib_converter_find("AvroConverter") != NULL, "the converter is registered under its alias");
    trib_converter *w = converter(NULL, NULL, NULL, NULL, false);
    trib_converter *r = converter(NULL, NULL, NULL, NULL, false);
    ok(w && r, "two converters are created");
    if (!w || !r) return;
    trib_schema *st = order_schema();
    trib_value *v = order(st, 42);
    trib_strbuf out;
    trib_strbuf_init(&out);
    bool is_null = true;
    trib_error err = {0};
    int rc = w->plugin->from_connect(w->ctx, topic, st, v, &out, &is_null, &err);
    if (rc) diag("from_connect: %s", err.msg);
    ok(rc == 0 && !is_null && out.len > 5, "a struct serializes");
    int32_t id = 0;
    const void *body;
    size_t blen;
    ok(trib_framing_parse(out.data, out.len, &id, &body, &blen, &err) == 0 && id > 0,
       "the bytes start with magic byte 0 and the schema id");
    trib_schema *s2 = NULL;
    trib_value *back = NULL;
    rc = r->plugin->to_connect(r->ctx, topic, out.data, out.len, &s2, &back, &err);
    if (rc) diag("to_connect: %s", err.msg);
    ok(rc == 0 && trib_value_equal(back, v), "another converter reads the same value back");
    ok(s2 && trib_schema_equal(s2, st), "with the same Connect schema (name, logical types, optionality)");
    trib_value_destroy(back);
    trib_schema_unref(s2);

    /* The subject is <topic>-value (TopicNameStrategy). */
    char subject[160];
    snprintf(subject, sizeof subject, "%s-value", topic);
    trib_registry *reg = acquire(url, NULL);
    int32_t lid = 0, lv = 0;
    char *latest = NULL;
    ok(reg && trib_registry_latest(reg, subject, &lid, &lv, &latest, &err) == 0 && lid == id,
       "the schema was registered under <topic>-value");
    free(latest);

    /* Null values are Kafka nulls both ways. */
    trib_strbuf_reset(&out);
    ok(w->plugin->from_connect(w->ctx, topic, st, NULL, &out, &is_null, &err) == 0 && is_null,
       "a null value serializes to a Kafka null");
    ok(r->plugin->to_connect(r->ctx, topic, NULL, 0, &s2, &back, &err) == 0 && s2 == NULL && back == NULL,
       "a Kafka null deserializes to a null value without schema");

    /* Corrupt payloads are INVALID (poison records), never crashes. */
    trib_strbuf_reset(&out);
    w->plugin->from_connect(w->ctx, topic, st, v, &out, &is_null, &err);
    out.data[0] = 1;
    trib_error_clear(&err);
    ok(r->plugin->to_connect(r->ctx, topic, out.data, out.len, &s2, &back, &err) == -1 &&
       err.code == TRIB_ERR_INVALID, "a wrong magic byte is INVALID");
    like(err.msg, "magic byte", "naming the magic byte");
    out.data[0] = 0;
    trib_error_clear(&err);
    ok(r->plugin->to_connect(r->ctx, topic, out.data, out.len - 3, &s2, &back, &err) == -1 &&
       err.code == TRIB_ERR_INVALID, "a truncated body is INVALID");
    like(err.msg, topic, "naming the topic");
    trib_error_clear(&err);
    ok(r->plugin->to_connect(r->ctx, topic, out.data, 3, &s2, &back, &err) == -1 && err.code == TRIB_ERR_INVALID,
       "a message shorter than the header is INVALID");
    out.data[1] = 0x7f;   /* schema id 0x7f...... */
    trib_error_clear(&err);
    ok(r->plugin->to_connect(r->ctx, topic, out.data, out.len, &s2, &back, &err) == -1 &&
       err.code == TRIB_ERR_INVALID, "an unknown schema id is INVALID");
    like(err.msg, "not found", "saying the id was not found");

    /* auto.register.schemas=false with an unregistered schema. */
    trib_converter *noreg = converter("auto.register.schemas", "false", NULL, NULL, false);
    trib_schema *fresh = trib_schema_struct_new("it.Fresh");
    trib_schema_add_field_take(fresh, "x", trib_schema_primitive(TRIB_INT32, false));
    trib_value *fv = trib_value_struct_new(fresh);
    trib_value_struct_set_take(fv, "x", trib_value_int(TRIB_INT32, 1));
    trib_strbuf_reset(&out);
    trib_error_clear(&err);
    ok(noreg && noreg->plugin->from_connect(noreg->ctx, topic, fresh, fv, &out, &is_null, &err) == -1 &&
       err.code == TRIB_ERR_INVALID, "without auto-registration an unregistered schema cannot be written");
    trib_strbuf_reset(&out);
    trib_error_clear(&err);
    ok(noreg && noreg->plugin->from_connect(noreg->ctx, topic, st, v, &out, &is_null, &err) == 0,
       "but a registered one can (looked up, not registered)");
    trib_converter_destroy(noreg);

    /* use.latest.version writes with the subject's latest schema id. */
    trib_converter *lat = converter("use.latest.version", "true", "auto.register.schemas", "false", false);
    trib_strbuf_reset(&out);
    rc = lat ? lat->plugin->from_connect(lat->ctx, topic, st, v, &out, &is_null, &err) : -1;
    int32_t got = 0;
    ok(rc == 0 && trib_framing_parse(out.data, out.len, &got, NULL, NULL, &err) == 0 && got == lid,
       "use.latest.version writes with the latest registered schema");
    trib_converter_destroy(lat);

    /* RecordNameStrategy registers under the record's full name. */
    trib_converter *rn = converter("key.subject.name.strategy",
                                   "io.confluent.kafka.serializers.subject.RecordNameStrategy", NULL, NULL, true);
    trib_schema *keyst = trib_schema_struct_new(NULL);
    char kname[128];
    snprintf(kname, sizeof kname, "it.K%sKey", prefix + 4);
    trib_schema_set_name(keyst, kname);
    trib_schema_add_field_take(keyst, "k", trib_schema_primitive(TRIB_STRING, false));
    trib_value *kv = trib_value_struct_new(keyst);
    trib_value_struct_set_take(kv, "k", trib_value_string("key"));
    trib_strbuf_reset(&out);
    latest = NULL;
    rc = rn ? rn->plugin->from_connect(rn->ctx, topic, keyst, kv, &out, &is_null, &err) : -1;
    if (rc) diag("record strategy: %s", err.msg);
    ok(rc == 0 && trib_registry_latest(reg, kname, &lid, &lv, &latest, &err) == 0,
       "RecordNameStrategy (full class name) registers under the record name");
    free(latest);
    trib_schema *prim = trib_schema_primitive(TRIB_STRING, false);
    trib_value *pv = trib_value_string("p");
    trib_error_clear(&err);
    ok(rn && rn->plugin->from_connect(rn->ctx, topic, prim, pv, &out, &is_null, &err) == -1 &&
       err.code == TRIB_ERR_INVALID, "RecordNameStrategy refuses a primitive schema");
    trib_value_destroy(pv);
    trib_schema_unref(prim);
    trib_value_destroy(kv);
    trib_schema_unref(keyst);
    trib_converter_destroy(rn);

    /* A schema change the subject's compatibility forbids is FATAL. */
    trib_registry_set_compatibility(reg, subject, "BACKWARD", &err);
    trib_schema *st2 = order_schema();
    trib_schema_add_field_take(st2, "required_new", trib_schema_primitive(TRIB_STRING, false));
    trib_value *v2 = trib_value_struct_new(st2);
    trib_value_struct_set_take(v2, "id", trib_value_int(TRIB_INT64, 1));
    trib_value *d = NULL;
    trib_decimal_from_string("1.00", 2, &d, NULL);
    trib_value_struct_set_take(v2, "price", d);
    trib_value_struct_set_take(v2, "at", trib_value_int(TRIB_INT64, 0));
    trib_value_struct_set_take(v2, "required_new", trib_value_string("x"));
    trib_error_clear(&err);
    trib_strbuf_reset(&out);
    ok(w->plugin->from_connect(w->ctx, topic, st2, v2, &out, &is_null, &err) == -1 && err.code == TRIB_ERR_FATAL,
       "writing an incompatible schema version fails FATAL");
    like(err.msg, subject, "naming the subject");
    trib_value_destroy(v2);
    trib_schema_unref(st2);

    trib_value_destroy(fv);
    trib_schema_unref(fresh);
    trib_registry_release(reg);
    trib_strbuf_free(&out);
    trib_value_destroy(v);
    trib_schema_unref(st);
    trib_converter_destroy(w);
    trib_converter_destroy(r);

    trib_props *p = trib_props_new();
    trib_error_clear(&err);
    ok(trib_converter_new("AvroConverter", p, false, &err) == NULL && err.code == TRIB_ERR_INVALID,
       "schema.registry.url is required");
    like(err.msg, "schema.registry.url", "and named when missing");
    trib_props_set(p, "schema.registry.url", url);
    trib_props_set(p, "value.subject.name.strategy", "NoSuchStrategy");
    trib_error_clear(&err);
    ok(trib_converter_new("AvroConverter", p, false, &err) == NULL, "an unknown subject strategy is refused");
    like(err.msg, "value.subject.name.strategy", "naming the setting");
    trib_props_destroy(p);
}

int main(void) {
    url = tap_require_env("SCHEMA_REGISTRY_URL");
    snprintf(prefix, sizeof prefix, "trib%ld%d", (long)time(NULL), (int)getpid());
    plan(PLAN);
    test_client();
    test_unreachable();
    test_converter();
    return exit_status();
}
