/*
 * test_http_ingest.c: the HttpIngest connector's settings and the typing
 * of pushed JSON records under a declared schema (connectors/http/ingest.h),
 * without services; the HTTP and Kafka side is tests/e2e/http_ingest*.t.
 */
#include <string.h>

#include "connectors/http/ingest.h"
#include "tests/tap.h"

static const char *AVRO =
    "{\"type\":\"record\",\"name\":\"r\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"},"
    "{\"name\":\"name\",\"type\":[\"null\",\"string\"],\"default\":null},"
    "{\"name\":\"at\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}}]}";

static int load(trib_http_ingest_settings *s, const char *schema, const char *key_fields, trib_error *err) {
    trib_props *p = trib_props_new();
    trib_props_set(p, "topic", "t");
    if (schema) trib_props_set(p, "value.schema", schema);
    if (key_fields) trib_props_set(p, "key.fields", key_fields);
    int rc = trib_http_ingest_settings_load(p, s, err);
    trib_props_destroy(p);
    return rc;
}

/* Types text (a JSON document); returns the rc and fills field/rule. */
static int type(const trib_http_ingest_settings *s, const char *text, trib_value **v, trib_value **k, char *field,
                const char **rule, trib_error *err) {
    json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
    int rc = trib_http_ingest_type(s, j, v, k, field, 128, rule, err);
    json_decref(j);
    return rc;
}

int main(void) {
    plan(16);
    trib_http_ingest_settings s;
    trib_error err = {0};
    ok(load(&s, AVRO, "id", &err) == 0, "an Avro record schema with a key field loads (%s)", err.msg);
    is_int(s.max_body_bytes, 10485760, "max.body.bytes defaults to 10 MiB");
    is_int(s.max_inflight_records, 100000, "max.inflight.records defaults to 100000");
    ok(!s.all_or_nothing, "batches are partial by default");

    trib_value *v = NULL, *k = NULL;
    char field[128];
    const char *rule = NULL;
    ok(type(&s, "{\"id\":7,\"at\":\"2026-12-07T10:00:00Z\"}", &v, &k, field, &rule, &err) == 0,
       "a record of the declared fields is typed (%s)", err.msg);
    const trib_value *at = v ? trib_value_struct_get(v, "at") : NULL;
    ok(at && at->u.i == 1796637600000LL, "a timestamp sent as text is parsed to epoch milliseconds");
    ok(k && trib_value_struct_get(k, "id") && trib_value_struct_get(k, "id")->u.i == 7,
       "the key is a struct of the key fields");
    trib_value_destroy(v);
    trib_value_destroy(k);

    ok(type(&s, "{\"id\":\"x\",\"at\":1}", &v, &k, field, &rule, &err) < 0 && strcmp(field, "id") == 0 &&
           strcmp(rule, "type") == 0,
       "a value of the wrong type names its field and the rule 'type'");
    ok(type(&s, "{\"at\":1}", &v, &k, field, &rule, &err) < 0 && strcmp(field, "id") == 0 &&
           strcmp(rule, "required") == 0,
       "a missing required field is 'required'");
    ok(type(&s, "{\"id\":1,\"at\":1,\"extra\":true}", &v, &k, field, &rule, &err) < 0 &&
           strcmp(field, "extra") == 0 && strcmp(rule, "unknown_field") == 0,
       "an undeclared field is 'unknown_field'");
    ok(type(&s, "[1]", &v, &k, field, &rule, &err) < 0 && strcmp(rule, "not_object") == 0,
       "anything but an object is 'not_object'");
    ok(type(&s, "{\"id\":1,\"at\":\"yesterday\"}", &v, &k, field, &rule, &err) < 0 && strcmp(field, "at") == 0,
       "an unparsable timestamp text names its field");
    trib_http_ingest_settings_free(&s);

    ok(load(&s, NULL, NULL, &err) == 0 && !s.value_schema, "without value.schema the connector is schemaless");
    ok(type(&s, "[1,\"a\",{\"b\":null}]", &v, &k, field, &rule, &err) == 0 && v && !k,
       "schemaless: any JSON value is a record, with a null key");
    trib_value_destroy(v);
    trib_http_ingest_settings_free(&s);

    ok(load(&s, NULL, "id", &err) < 0 && strstr(err.msg, "key.fields"), "key.fields without value.schema is refused");
    ok(load(&s, AVRO, "nope", &err) < 0 && strstr(err.msg, "key.fields"),
       "key.fields naming no declared field is refused, naming key.fields (%s)", err.msg);
    return exit_status();
}
