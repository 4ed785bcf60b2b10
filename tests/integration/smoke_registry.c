/*
 * smoke_registry: proves SCHEMA_REGISTRY_URL is a real Confluent-compatible
 * schema registry (Apicurio Registry's /apis/ccompat/v7 in scripts/testenv).
 *
 * Registers an Avro schema under a unique subject, reads it back by id and
 * compares it structurally, checks re-registration is idempotent, sets the
 * subject's compatibility to BACKWARD, checks an incompatible change is
 * refused with 409 and a compatible one accepted, then deletes the subject.
 *
 * Observed Apicurio 3.0.9 behaviour this test pins down (differs from
 * Confluent where noted):
 *  - the global default compatibility is NONE (Confluent: BACKWARD);
 *  - PUT /config/{subject} answers {"compatibilityLevel": ...}
 *    (Confluent: {"compatibility": ...}); this test accepts either;
 *  - GET /schemas/ids/{id} includes "schemaType":"AVRO" (Confluent omits it
 *    for Avro); the schema text is returned as submitted.
 */
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/tap.h"

#define CT "application/vnd.schemaregistry.v1+json"

struct buf {
    char *data;
    size_t len;
};

static size_t on_body(char *p, size_t sz, size_t n, void *ud) {
    struct buf *b = ud;
    size_t add = sz * n;
    char *d = realloc(b->data, b->len + add + 1);
    if (!d) return 0;
    memcpy(d + b->len, p, add);
    b->data = d;
    b->len += add;
    b->data[b->len] = '\0';
    return add;
}

/* One HTTP exchange. Returns the status (0 on transport error); *out gets the
 * parsed JSON body or NULL (caller decrefs). */
static long http(const char *method, const char *url, const char *body, json_t **out) {
    CURL *c = curl_easy_init();
    struct buf b = {0};
    long status = 0;
    struct curl_slist *h = NULL;
    h = curl_slist_append(h, "Accept: " CT);
    h = curl_slist_append(h, "Content-Type: " CT);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (body) curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    else
        diag("%s %s: %s", method, url, curl_easy_strerror(rc));
    if (out) {
        json_error_t je;
        *out = b.data ? json_loads(b.data, JSON_DECODE_ANY, &je) : NULL;
        if (b.data && !*out) diag("%s %s: non-JSON body: %.200s", method, url, b.data);
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    free(b.data);
    return status;
}

/* POST {base}/subjects/{subject}/versions; returns status, *id set on 200. */
static long register_schema(const char *base, const char *subject, const char *schema,
                            json_int_t *id, json_t **reply) {
    char url[1024];
    snprintf(url, sizeof url, "%s/subjects/%s/versions", base, subject);
    json_t *req = json_pack("{s:s}", "schema", schema);
    char *body = json_dumps(req, JSON_COMPACT);
    json_t *resp = NULL;
    long st = http("POST", url, body, &resp);
    *id = -1;
    if (st == 200 && json_is_integer(json_object_get(resp, "id")))
        *id = json_integer_value(json_object_get(resp, "id"));
    if (reply)
        *reply = resp;
    else
        json_decref(resp);
    free(body);
    json_decref(req);
    return st;
}

static int versions_are(const char *base, const char *subject, const char *want_json) {
    char url[1024];
    snprintf(url, sizeof url, "%s/subjects/%s/versions", base, subject);
    json_t *got = NULL, *want = json_loads(want_json, JSON_DECODE_ANY, NULL);
    long st = http("GET", url, NULL, &got);
    int same = st == 200 && json_equal(got, want);
    if (!same) {
        char *s = got ? json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
        diag("GET %s -> %ld %s (want %s)", url, st, s ? s : "(none)", want_json);
        free(s);
    }
    json_decref(got);
    json_decref(want);
    return same;
}

static const char *SCHEMA_V1 =
    "{\"type\":\"record\",\"name\":\"Reading\",\"namespace\":\"tributary.smoke\","
    "\"fields\":[{\"name\":\"id\",\"type\":\"long\"},{\"name\":\"sensor\",\"type\":\"string\"},"
    "{\"name\":\"value\",\"type\":[\"null\",\"double\"],\"default\":null}]}";
/* Adds a field without a default: new readers cannot read old data. */
static const char *SCHEMA_BAD =
    "{\"type\":\"record\",\"name\":\"Reading\",\"namespace\":\"tributary.smoke\","
    "\"fields\":[{\"name\":\"id\",\"type\":\"long\"},{\"name\":\"sensor\",\"type\":\"string\"},"
    "{\"name\":\"value\",\"type\":[\"null\",\"double\"],\"default\":null},"
    "{\"name\":\"unit\",\"type\":\"string\"}]}";
/* Same field with a default: BACKWARD compatible. */
static const char *SCHEMA_V2 =
    "{\"type\":\"record\",\"name\":\"Reading\",\"namespace\":\"tributary.smoke\","
    "\"fields\":[{\"name\":\"id\",\"type\":\"long\"},{\"name\":\"sensor\",\"type\":\"string\"},"
    "{\"name\":\"value\",\"type\":[\"null\",\"double\"],\"default\":null},"
    "{\"name\":\"unit\",\"type\":\"string\",\"default\":\"C\"}]}";

int main(void) {
    const char *base = tap_require_env("SCHEMA_REGISTRY_URL");
    char subject[128], url[1024];
    srand((unsigned)(time(NULL) ^ getpid()));
    snprintf(subject, sizeof subject, "trib-smoke-%ld-%d-%04x-value", (long)time(NULL),
             (int)getpid(), rand() & 0xffff);
    plan(21);
    diag("registry %s, subject %s", base, subject);
    curl_global_init(CURL_GLOBAL_DEFAULT);

    /* 1. register */
    json_int_t id1 = -1;
    long st = register_schema(base, subject, SCHEMA_V1, &id1, NULL);
    is_int(st, 200, "POST /subjects/%s/versions -> 200", subject);
    ok(id1 > 0, "registration returned a positive id (%lld)", (long long)id1);

    /* 2. fetch by id and compare structurally */
    snprintf(url, sizeof url, "%s/schemas/ids/%lld", base, (long long)id1);
    json_t *resp = NULL;
    st = http("GET", url, NULL, &resp);
    is_int(st, 200, "GET /schemas/ids/%lld -> 200", (long long)id1);
    const char *got_schema = json_string_value(json_object_get(resp, "schema"));
    ok(got_schema != NULL, "reply has a \"schema\" string");
    json_t *want_j = json_loads(SCHEMA_V1, 0, NULL);
    json_t *got_j = got_schema ? json_loads(got_schema, 0, NULL) : NULL;
    ok(got_j && json_equal(got_j, want_j), "schema read back by id equals the registered one");
    const char *stype = json_string_value(json_object_get(resp, "schemaType"));
    ok(stype == NULL || strcmp(stype, "AVRO") == 0, "schemaType is absent or AVRO (%s)",
       stype ? stype : "absent");
    json_decref(got_j);
    json_decref(want_j);
    json_decref(resp);

    /* 3. unknown id -> 404 with Confluent error code 40403 */
    snprintf(url, sizeof url, "%s/schemas/ids/%d", base, 987654321);
    resp = NULL;
    st = http("GET", url, NULL, &resp);
    is_int(st, 404, "GET unknown schema id -> 404");
    is_int(json_integer_value(json_object_get(resp, "error_code")), 40403, "error_code 40403");
    json_decref(resp);

    /* 4. same schema again: same id, still one version */
    json_int_t id_again = -1;
    st = register_schema(base, subject, SCHEMA_V1, &id_again, NULL);
    ok(st == 200 && id_again == id1, "re-registering the same schema returns the same id (%lld)",
       (long long)id_again);
    ok(versions_are(base, subject, "[1]"), "subject has exactly version 1");

    /* 5. compatibility BACKWARD for this subject */
    snprintf(url, sizeof url, "%s/config/%s", base, subject);
    resp = NULL;
    st = http("PUT", url, "{\"compatibility\":\"BACKWARD\"}", &resp);
    is_int(st, 200, "PUT /config/%s BACKWARD -> 200", subject);
    const char *lvl = json_string_value(json_object_get(resp, "compatibility"));
    if (!lvl) lvl = json_string_value(json_object_get(resp, "compatibilityLevel"));
    is_str(lvl, "BACKWARD", "PUT reply echoes BACKWARD");
    json_decref(resp);
    resp = NULL;
    st = http("GET", url, NULL, &resp);
    is_str(json_string_value(json_object_get(resp, "compatibilityLevel")), "BACKWARD",
           "GET /config/%s -> compatibilityLevel BACKWARD", subject);
    json_decref(resp);

    /* 6. incompatible change refused */
    json_int_t id_bad = -1;
    resp = NULL;
    st = register_schema(base, subject, SCHEMA_BAD, &id_bad, &resp);
    is_int(st, 409, "adding a field without default is refused with 409");
    is_int(json_integer_value(json_object_get(resp, "error_code")), 409, "error_code 409");
    const char *msg = json_string_value(json_object_get(resp, "message"));
    if (msg) diag("registry said: %s", msg);
    json_decref(resp);

    /* 7. compatible change accepted */
    json_int_t id2 = -1;
    st = register_schema(base, subject, SCHEMA_V2, &id2, NULL);
    is_int(st, 200, "adding a field with a default is accepted");
    ok(id2 > 0 && id2 != id1, "new schema got a new id (%lld)", (long long)id2);
    ok(versions_are(base, subject, "[1,2]"), "subject now has versions 1 and 2");

    /* 8. latest version is v2 */
    snprintf(url, sizeof url, "%s/subjects/%s/versions/latest", base, subject);
    resp = NULL;
    st = http("GET", url, NULL, &resp);
    ok(st == 200 && json_integer_value(json_object_get(resp, "version")) == 2 &&
           json_integer_value(json_object_get(resp, "id")) == id2,
       "GET .../versions/latest -> version 2 with id %lld", (long long)id2);
    json_decref(resp);

    /* 9. clean up: soft delete then permanent delete, as with Confluent */
    snprintf(url, sizeof url, "%s/subjects/%s", base, subject);
    st = http("DELETE", url, NULL, NULL);
    is_int(st, 200, "DELETE /subjects/%s -> 200", subject);
    snprintf(url, sizeof url, "%s/subjects/%s?permanent=true", base, subject);
    st = http("DELETE", url, NULL, NULL);
    is_int(st, 200, "DELETE /subjects/%s?permanent=true -> 200", subject);

    curl_global_cleanup();
    return exit_status();
}
