/*
 * test_tenant_attacks.c: the tenant attack suite. A real standalone worker
 * (worker/worker.h) against the test Kafka (KAFKA_BOOTSTRAP), with the REST
 * server carrying the tenant layer (rest/tenants.h), on 127.0.0.1. Two
 * tenants, acme and globex (names made unique per run), each own a
 * connector called "orders". Then every way in we know of is tried:
 *
 *  - missing, malformed, forged, revoked and other tenants' credentials on
 *    every tenant endpoint (401/403, nothing in the body about the target);
 *  - cross-tenant reads and writes through every /tenants/{t}/connectors
 *    endpoint, and through names ("globex%2Forders", "../");
 *  - configs reaching out through every config path (topics, topics.regex,
 *    topic, RegexRouter, DLQ, consumer group / client id / transactional id
 *    / bootstrap / security overrides, registry subject strategies, file
 *    paths with "..", absolute paths and symlinks, config providers) on
 *    create, PUT, PATCH and validate: refused naming the field, and
 *    nothing created or changed;
 *  - hostile tenant and connector names; the admin API creating names with
 *    '/'; quotas; brute force throttling (429, even for a valid key then);
 *  - the audit log records writes and refusals without key material;
 *  - data: acme's sink sees only acme's records;
 *  - the runtime guard: a config that skipped validation (written straight
 *    to the herder) may not produce into another tenant's topic. This needs
 *    the hooks wired into the task loops; until then it is a TODO test.
 */
#include "tests/tap.h"
#include "tests/unit/test_rest_http.h"

#include <limits.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/props.h"
#include "common/time.h"
#include "common/util.h"
#include "rest/server.h"
#include "rest/tenants.h"
#include "tenants/guard.h"
#include "worker/worker.h"

#define ADMIN_TOKEN "admin-token-0123456789-abcdef"

static char tmpdir[256], staging[512], audit_path[512];
static char A[48], G[48];          /* tenant names */
static char akey[128], gkey[128];  /* their API keys */
static char akey_id[32];

/* TAP TODO: a failing assertion that is expected to fail for a stated
 * reason does not fail the run (prove reports it as "TODO passed" once it
 * starts passing). */
static void todo_ok(int pass, const char *reason, const char *desc) {
    tap_run++;
    printf("%sok %d - %s # TODO %s\n", pass ? "" : "not ", tap_run, desc, reason);
    fflush(stdout);
}

static int req(const char *method, const char *path, const char *body, const char *token, http_resp *r) {
    char hdr[300];
    if (token) snprintf(hdr, sizeof hdr, "Authorization: Bearer %s", token);
    return http_req_ex(method, path, body, -1, token ? hdr : NULL, 0, r);
}

/* Status of one request (the response is freed). */
static long st(const char *method, const char *path, const char *body, const char *token) {
    http_resp r;
    req(method, path, body, token, &r);
    long s = r.status;
    http_resp_free(&r);
    return s;
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...) {
    va_list ap;
    va_start(ap, f);
    char *s = NULL;
    if (vasprintf(&s, f, ap) < 0) s = NULL;
    va_end(ap);
    return s;
}

static void write_lines(const char *path, const char *const *lines) {
    FILE *f = fopen(path, "w");
    for (int i = 0; lines[i]; i++) fprintf(f, "%s\n", lines[i]);
    fclose(f);
}

/* A connector create body: name plus config pairs (NULL-terminated). */
static char *body_of(const char *name, ...) {
    va_list ap;
    va_start(ap, name);
    json_t *cfg = json_object();
    for (const char *k; (k = va_arg(ap, const char *)) != NULL;) json_object_set_new(cfg, k, json_string(va_arg(ap, const char *)));
    va_end(ap);
    json_t *b = json_pack("{ss so}", "name", name, "config", cfg);
    char *s = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    return s;
}

static int admin_count_connectors(void) {
    http_resp r;
    req("GET", "/connectors", NULL, ADMIN_TOKEN, &r);
    int n = (int)json_array_size(r.json);
    http_resp_free(&r);
    return n;
}

static void setup_tenants(void) {
    http_resp r;
    char *b = fmt("{\"name\":\"%s\"}", A);
    req("POST", "/tenants", b, ADMIN_TOKEN, &r);
    is_int(r.status, 201, "admin creates tenant acme");
    like(r.location, "/tenants/", "with a Location");
    http_resp_free(&r);
    free(b);
    b = fmt("{\"name\":\"%s\"}", G);
    is_int(st("POST", "/tenants", b, ADMIN_TOKEN), 201, "admin creates tenant globex");
    is_int(st("POST", "/tenants", b, ADMIN_TOKEN), 409, "creating it twice is a conflict");
    free(b);

    char *p = fmt("/tenants/%s/keys", A);
    req("POST", p, NULL, ADMIN_TOKEN, &r);
    is_int(r.status, 201, "admin creates a key for acme");
    const char *k = json_string_value(json_object_get(r.json, "key"));
    const char *id = json_string_value(json_object_get(r.json, "id"));
    ok(k && id, "the key and its id are returned");
    snprintf(akey, sizeof akey, "%s", k ? k : "");
    snprintf(akey_id, sizeof akey_id, "%s", id ? id : "");
    http_resp_free(&r);
    free(p);
    p = fmt("/tenants/%s/keys", G);
    req("POST", p, NULL, ADMIN_TOKEN, &r);
    snprintf(gkey, sizeof gkey, "%s", json_string_value(json_object_get(r.json, "key")) ?: "");
    http_resp_free(&r);
    req("GET", p, NULL, ADMIN_TOKEN, &r);
    ok(json_array_size(r.json) == 1 && json_object_get(json_array_get(r.json, 0), "id") &&
           !strstr(r.body ? r.body : "", gkey),
       "listing keys shows ids, never the keys");
    http_resp_free(&r);
    free(p);
}

static void test_credentials(void) {
    char *p = fmt("/tenants/%s/connectors", A);
    is_int(st("GET", p, NULL, NULL), 401, "no Authorization header: 401");
    is_int(st("POST", p, "{\"name\":\"x\",\"config\":{}}", NULL), 401, "a write without a key: 401");
    is_int(st("GET", p, NULL, "not-a-key"), 401, "garbage key: 401");
    char forged[128];
    snprintf(forged, sizeof forged, "%s", akey);
    forged[12] = forged[12] == 'a' ? 'b' : 'a';
    is_int(st("GET", p, NULL, forged), 401, "forged key (one character changed): 401");
    char trunc[128];
    snprintf(trunc, sizeof trunc, "%.*s", (int)strlen(akey) - 1, akey);
    is_int(st("GET", p, NULL, trunc), 401, "truncated key: 401");
    is_int(st("GET", p, NULL, akey_id), 401, "the key id is not a key: 401");
    is_int(st("GET", p, NULL, "admin-token-0123456789-abcdeX"), 401, "a wrong admin token: 401");
    http_resp r;
    char hdr[300];
    snprintf(hdr, sizeof hdr, "Authorization: Basic %s", akey);
    http_req_ex("GET", p, NULL, -1, hdr, 0, &r);
    is_int(r.status, 401, "the key in another auth scheme: 401");
    http_resp_free(&r);
    req("GET", p, NULL, gkey, &r);
    is_int(r.status, 403, "globex's key on acme: 403");
    ok(!strstr(r.body ? r.body : "", A), "the refusal does not echo the tenant");
    http_resp_free(&r);
    is_int(st("GET", p, NULL, akey), 200, "acme's key on acme: 200");
    is_int(st("GET", p, NULL, ADMIN_TOKEN), 200, "the admin token on acme: 200");
    free(p);

    p = fmt("/tenants/%s", A);
    req("GET", p, NULL, akey, &r);
    is_int(r.status, 200, "a tenant reads its own description");
    ok(r.body && !strstr(r.body, "hmac") && !strstr(r.body, akey), "without key material");
    ok(json_object_get(r.json, "usage") != NULL, "with its usage");
    http_resp_free(&r);
    free(p);
    p = fmt("/tenants/%s", G);
    is_int(st("GET", p, NULL, akey), 403, "but not another tenant's");
    is_int(st("DELETE", p, NULL, akey), 403, "a tenant cannot delete a tenant");
    free(p);
    p = fmt("/tenants/%s/keys", A);
    is_int(st("POST", p, NULL, akey), 403, "a tenant cannot mint keys (admin only)");
    is_int(st("GET", p, NULL, akey), 403, "nor list them");
    free(p);
    p = fmt("/tenants/%s/quotas", A);
    is_int(st("PUT", p, "{\"max_connectors\":1000}", akey), 403, "nor raise its own quotas");
    free(p);
    is_int(st("GET", "/tenants", NULL, NULL), 401, "GET /tenants without a token: 401");
    is_int(st("GET", "/tenants", NULL, akey), 403, "GET /tenants with a tenant key: 403");
    is_int(st("POST", "/tenants", "{\"name\":\"evil\"}", akey), 403, "a tenant cannot create tenants");
    is_int(st("GET", "/tenants", NULL, ADMIN_TOKEN), 200, "GET /tenants with the admin token: 200");
    is_int(st("GET", "/connectors", NULL, NULL), 401, "the admin view needs the admin token when configured");
    is_int(st("GET", "/connectors", NULL, akey), 403, "a tenant key does not open the admin view");
    is_int(st("GET", "/connector-plugins", NULL, akey), 403, "nor the plugin list outside the tenant");
    is_int(st("PUT", "/admin/loggers/root", "{\"level\":\"DEBUG\"}", akey), 403, "nor the loggers");
    is_int(st("GET", "/", NULL, NULL), 200, "GET / stays open");
    is_int(st("GET", "/health", NULL, NULL), 200, "GET /health stays open");

    /* Revocation. */
    p = fmt("/tenants/%s/keys", A);
    req("POST", p, NULL, ADMIN_TOKEN, &r);
    char k3[128], id3[32];
    snprintf(k3, sizeof k3, "%s", json_string_value(json_object_get(r.json, "key")) ?: "");
    snprintf(id3, sizeof id3, "%s", json_string_value(json_object_get(r.json, "id")) ?: "");
    http_resp_free(&r);
    char *c = fmt("/tenants/%s/connectors", A);
    is_int(st("GET", c, NULL, k3), 200, "a second key works");
    char *d = fmt("/tenants/%s/keys/%s", A, id3);
    is_int(st("DELETE", d, NULL, ADMIN_TOKEN), 204, "admin revokes it");
    is_int(st("GET", c, NULL, k3), 401, "a revoked key: 401");
    is_int(st("DELETE", d, NULL, ADMIN_TOKEN), 404, "revoking it twice: 404");
    is_int(st("GET", c, NULL, akey), 200, "the other key still works");
    char *gd = fmt("/tenants/%s/keys/%s", G, akey_id);
    is_int(st("DELETE", gd, NULL, ADMIN_TOKEN), 404, "a key id is only found in its own tenant");
    free(gd);
    free(d);
    free(c);
    free(p);
}

static char afile[700], gfile[700], aout[700];

static void test_namespaces(void) {
    const char *alines[] = {"acme-order-1", "acme-order-2", "acme-order-3", NULL};
    const char *glines[] = {"globex-secret-1", "globex-secret-2", "globex-secret-3", NULL};
    snprintf(afile, sizeof afile, "%s/%s/orders.txt", staging, A);
    snprintf(gfile, sizeof gfile, "%s/%s/orders.txt", staging, G);
    snprintf(aout, sizeof aout, "%s/%s/out.txt", staging, A);
    write_lines(afile, alines);
    write_lines(gfile, glines);

    http_resp r;
    char *atopic = fmt("%s.orders", A), *gtopic = fmt("%s.orders", G);
    char *b = body_of("orders", "connector.class", "FileStreamSource", "file", "orders.txt", "topic", atopic, "tasks.max",
                      "1", NULL);
    char *p = fmt("/tenants/%s/connectors", A);
    req("POST", p, b, akey, &r);
    is_int(r.status, 201, "acme creates its 'orders' source");
    is_str(json_string_value(json_object_get(r.json, "name")), "orders", "the response uses the local name");
    char *loc = fmt("/tenants/%s/connectors/orders", A);
    like(r.location, loc, "Location points into the tenant");
    free(loc);
    http_resp_free(&r);
    free(b);
    free(p);
    b = body_of("orders", "connector.class", "FileStreamSource", "file", "orders.txt", "topic", gtopic, NULL);
    p = fmt("/tenants/%s/connectors", G);
    is_int(st("POST", p, b, gkey), 201, "globex creates its own 'orders' too (same local name)");
    free(b);
    free(p);
    b = body_of("orders-sink", "connector.class", "FileStreamSink", "file", "out.txt", "topics", atopic, NULL);
    p = fmt("/tenants/%s/connectors", A);
    is_int(st("POST", p, b, akey), 201, "acme creates a sink of its topic");
    free(b);

    req("GET", p, NULL, akey, &r);
    ok(json_array_size(r.json) == 2 && r.body && !strstr(r.body, G) && !strstr(r.body, "/"),
       "acme's list has its two connectors, local names only");
    http_resp_free(&r);
    char *pe = fmt("%s?expand=status&expand=info", p);
    req("GET", pe, NULL, akey, &r);
    ok(json_object_size(r.json) == 2 && json_object_get(r.json, "orders") && r.body && !strstr(r.body, G),
       "expanded list: only acme's, keyed by local name, nothing of globex");
    http_resp_free(&r);
    free(pe);
    free(p);
    req("GET", "/connectors", NULL, ADMIN_TOKEN, &r);
    char *an = fmt("%s/orders", A), *gn = fmt("%s/orders", G);
    ok(r.body && strstr(r.body, an) && strstr(r.body, gn), "the admin view shows full names");
    http_resp_free(&r);

    p = fmt("/tenants/%s/connectors/orders", A);
    req("GET", p, NULL, akey, &r);
    is_str(json_string_value(json_object_get(r.json, "name")), "orders", "info: local name");
    is_str(json_string_value(json_object_get(json_object_get(r.json, "config"), "name")), "orders",
           "info: config.name is local");
    const char *file = json_string_value(json_object_get(json_object_get(r.json, "config"), "file"));
    ok(file && file[0] == '/' && strstr(file, A) && trib_str_endswith(file, "/orders.txt"),
       "the relative file was resolved to an absolute path in acme's staging directory");
    http_resp_free(&r);
    free(p);
    p = fmt("/tenants/%s/connectors/orders/tasks-config", A);
    req("GET", p, NULL, akey, &r);
    ok(json_object_get(r.json, "orders-0") != NULL, "tasks-config keys use the local name");
    http_resp_free(&r);
    free(p);
    p = fmt("/tenants/%s/connectors/orders/tasks", A);
    req("GET", p, NULL, akey, &r);
    is_str(json_string_value(json_object_get(json_object_get(json_array_get(r.json, 0), "id"), "connector")), "orders",
           "tasks: id.connector is local");
    http_resp_free(&r);
    free(p);

    /* Records flow: acme's sink gets acme's three lines and nothing else. */
    char *content = NULL;
    for (int i = 0; i < 300; i++) {
        free(content);
        content = trib_read_file(aout, NULL, NULL);
        if (content && strstr(content, "acme-order-3")) break;
        usleep(100000);
    }
    ok(content && strstr(content, "acme-order-1") && strstr(content, "acme-order-3"), "acme's pipeline delivers");
    ok(content && !strstr(content, "globex"), "and acme's sink never sees globex's records");
    free(content);

    p = fmt("/tenants/%s/connectors/orders/status", A);
    req("GET", p, NULL, akey, &r);
    is_str(json_string_value(json_object_get(r.json, "name")), "orders", "status: local name");
    http_resp_free(&r);
    free(p);
    p = fmt("/tenants/%s/connectors/orders/topics", A);
    for (int i = 0; i < 50; i++) {
        req("GET", p, NULL, akey, &r);
        bool has = json_object_get(r.json, "orders") != NULL &&
                   json_array_size(json_object_get(json_object_get(r.json, "orders"), "topics")) > 0;
        if (has || i == 49) break;
        http_resp_free(&r);
        usleep(100000);
    }
    ok(json_object_get(r.json, "orders") && r.body && strstr(r.body, atopic), "topics: keyed by the local name");
    http_resp_free(&r);
    free(p);
    free(an);
    free(gn);
    free(atopic);
    free(gtopic);
}

/* Every tenant endpoint on globex's connector with acme's key: 403, and
 * globex's connector is unchanged afterwards. */
static void test_cross_tenant(void) {
    static const struct { const char *method, *suffix, *body; } eps[] = {
        {"GET", "", NULL}, {"DELETE", "", NULL}, {"GET", "/config", NULL},
        {"PUT", "/config", "{\"connector.class\":\"FileStreamSource\",\"file\":\"x\",\"topic\":\"x\"}"},
        {"PATCH", "/config", "{\"topic\":\"x\"}"}, {"GET", "/status", NULL}, {"GET", "/tasks", NULL},
        {"GET", "/tasks-config", NULL}, {"GET", "/tasks/0/status", NULL}, {"POST", "/tasks/0/restart", NULL},
        {"POST", "/restart", NULL}, {"PUT", "/pause", NULL}, {"PUT", "/resume", NULL}, {"PUT", "/stop", NULL},
        {"GET", "/topics", NULL}, {"PUT", "/topics/reset", NULL}, {"GET", "/offsets", NULL},
        {"PATCH", "/offsets", "{\"offsets\":[{\"partition\":{\"filename\":\"x\"},\"offset\":{\"position\":0}}]}"},
        {"DELETE", "/offsets", NULL},
    };
    int refused = 0, leaked = 0;
    for (size_t i = 0; i < sizeof eps / sizeof *eps; i++) {
        char *p = fmt("/tenants/%s/connectors/orders%s", G, eps[i].suffix);
        http_resp r;
        req(eps[i].method, p, eps[i].body, akey, &r);
        if (r.status == 403) refused++;
        else diag("%s %s with acme's key: %ld", eps[i].method, p, r.status);
        if (r.body && (strstr(r.body, "globex-secret") || strstr(r.body, "orders.txt") || strstr(r.body, "RUNNING")))
            leaked++;
        http_resp_free(&r);
        free(p);
    }
    is_int(refused, (int)(sizeof eps / sizeof *eps), "every connector endpoint of globex refuses acme's key (403)");
    is_int(leaked, 0, "no refusal carries globex's data");
    char *p = fmt("/tenants/%s/connectors", G);
    char *b = body_of("planted", "connector.class", "FileStreamSource", "file", "x.txt", "topic", "x", NULL);
    is_int(st("POST", p, b, akey), 403, "acme cannot create a connector in globex");
    is_int(st("GET", p, NULL, akey), 403, "nor list globex's connectors");
    free(b);
    free(p);
    p = fmt("/tenants/%s/connector-plugins", G);
    is_int(st("GET", p, NULL, akey), 403, "nor use globex's plugin endpoints");
    free(p);

    p = fmt("/tenants/%s/connectors/orders/status", G);
    http_resp r;
    req("GET", p, NULL, gkey, &r);
    is_str(json_string_value(json_object_get(json_object_get(r.json, "connector"), "state")), "RUNNING",
           "globex's connector is still running after the attempts");
    http_resp_free(&r);
    free(p);
    p = fmt("/tenants/%s/connectors/orders/config", G);
    req("GET", p, NULL, gkey, &r);
    char *gt = fmt("%s.orders", G);
    is_str(json_string_value(json_object_get(r.json, "topic")), gt, "and its config is unchanged");
    free(gt);
    http_resp_free(&r);
    free(p);

    /* Through names. */
    char *paths[] = {
        fmt("/tenants/%s/connectors/%s%%2Forders", A, G),
        fmt("/tenants/%s/connectors/..%%2F%s%%2Forders", A, G),
        fmt("/tenants/%s/connectors/%%2E%%2E%%2F%%2E%%2E%%2Fconnectors%%2F%s%%2Forders", A, G),
    };
    for (size_t i = 0; i < 3; i++) {
        req("GET", paths[i], NULL, akey, &r);
        ok(r.status == 400 || r.status == 404, "a name reaching into globex via '/' is refused (%s)", paths[i]);
        ok(!r.body || !strstr(r.body, "globex-secret"), "  ... without leaking anything");
        http_resp_free(&r);
        free(paths[i]);
    }
    p = fmt("/tenants/%s/connectors/orders/status", A);
    is_int(st("GET", p, NULL, gkey), 403, "and globex cannot read acme's either");
    free(p);
}

/* Configs reaching out: each refused naming the field, nothing created. */
static void test_config_attacks(void) {
    int before = admin_count_connectors();
    char *own = fmt("%s.x", A), *foreign = fmt("%s.orders", G), *dlq = fmt("%s.dlq", G);
    char *regex_all = fmt(".*"), *regex_alt = fmt("%s\\.x|.*", A), *gfile_abs = fmt("%s/%s/orders.txt", staging, G);
    char *sym = fmt("%s/%s/evil-link", staging, A);
    if (symlink(gfile_abs, sym) != 0) diag("symlink failed");
    struct {
        const char *field;
        char *body;
    } cases[] = {
        {"topic", body_of("c1", "connector.class", "FileStreamSource", "file", "orders.txt", "topic", foreign, NULL)},
        {"topics", body_of("c2", "connector.class", "FileStreamSink", "file", "o.txt", "topics", foreign, NULL)},
        {"topics.regex", body_of("c3", "connector.class", "FileStreamSink", "file", "o.txt", "topics.regex", regex_all, NULL)},
        {"topics.regex", body_of("c4", "connector.class", "FileStreamSink", "file", "o.txt", "topics.regex", regex_alt, NULL)},
        {"transforms.r.replacement",
         body_of("c5", "connector.class", "FileStreamSource", "file", "orders.txt", "topic", own, "transforms", "r",
                 "transforms.r.type", "org.apache.kafka.connect.transforms.RegexRouter", "transforms.r.regex", "(.*)",
                 "transforms.r.replacement", foreign, NULL)},
        {"errors.deadletterqueue.topic.name",
         body_of("c6", "connector.class", "FileStreamSink", "file", "o.txt", "topics", own, "errors.tolerance", "all",
                 "errors.deadletterqueue.topic.name", dlq, NULL)},
        {"consumer.override.group.id",
         body_of("c7", "connector.class", "FileStreamSink", "file", "o.txt", "topics", own,
                 "consumer.override.group.id", "connect-globex", NULL)},
        {"producer.override.client.id",
         body_of("c8", "connector.class", "FileStreamSource", "file", "orders.txt", "topic", own,
                 "producer.override.client.id", "x", NULL)},
        {"producer.override.transactional.id",
         body_of("c9", "connector.class", "FileStreamSource", "file", "orders.txt", "topic", own,
                 "producer.override.transactional.id", "x", NULL)},
        {"producer.override.bootstrap.servers",
         body_of("c10", "connector.class", "FileStreamSource", "file", "orders.txt", "topic", own,
                 "producer.override.bootstrap.servers", "evil:9092", NULL)},
        {"consumer.override.security.protocol",
         body_of("c11", "connector.class", "FileStreamSink", "file", "o.txt", "topics", own,
                 "consumer.override.security.protocol", "SASL_SSL", NULL)},
        {"value.converter.value.subject.name.strategy",
         body_of("c12", "connector.class", "FileStreamSink", "file", "o.txt", "topics", own,
                 "value.converter.value.subject.name.strategy", "RecordNameStrategy", NULL)},
        {"file", body_of("c13", "connector.class", "FileStreamSource", "file", "../x/orders.txt", "topic", own, NULL)},
        {"file", body_of("c14", "connector.class", "FileStreamSource", "file", gfile_abs, "topic", own, NULL)},
        {"file", body_of("c15", "connector.class", "FileStreamSource", "file", "/etc/passwd", "topic", own, NULL)},
        {"file", body_of("c16", "connector.class", "FileStreamSource", "file", "evil-link", "topic", own, NULL)},
        {"file", body_of("c17", "connector.class", "FileStreamSink", "topics", own, NULL)},
        {"connection.password",
         body_of("c18", "connector.class", "FileStreamSource", "file", "orders.txt", "topic", own,
                 "connection.password", "${file:/etc/shadow:x}", NULL)},
    };
    char *p = fmt("/tenants/%s/connectors", A);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        http_resp r;
        req("POST", p, cases[i].body, akey, &r);
        ok(r.status == 403 || r.status == 400, "create refused: %s (%ld)", cases[i].field, r.status);
        like(http_msg(&r), cases[i].field, "  ... naming %s", cases[i].field);
        ok(!strstr(r.body ? r.body : "", "globex-secret"), "  ... leaking nothing");
        http_resp_free(&r);
        free(cases[i].body);
    }
    is_int(admin_count_connectors(), before, "no refused config created a connector");
    free(p);

    /* The same through PUT, PATCH and validate on an existing connector. */
    p = fmt("/tenants/%s/connectors/orders/config", A);
    char *put = fmt("{\"connector.class\":\"FileStreamSource\",\"file\":\"orders.txt\",\"topic\":\"%s\"}", foreign);
    http_resp r;
    req("PUT", p, put, akey, &r);
    is_int(r.status, 403, "PUT config into globex's topic: 403");
    like(http_msg(&r), "topic", "  ... naming topic");
    http_resp_free(&r);
    char *patch = fmt("{\"topic\":\"%s\"}", foreign);
    req("PATCH", p, patch, akey, &r);
    is_int(r.status, 403, "PATCH config into globex's topic: 403");
    http_resp_free(&r);
    is_int(st("PATCH", p, "{\"file\":\"../../etc/passwd\"}", akey), 403, "PATCH a traversing file: 403");
    is_int(st("PATCH", p, "{\"name\":\"other\"}", akey), 400, "PATCH another name: 400");
    req("GET", p, NULL, akey, &r);
    char *at = fmt("%s.orders", A);
    is_str(json_string_value(json_object_get(r.json, "topic")), at, "acme's config is unchanged by refused writes");
    http_resp_free(&r);
    free(at);
    char *own_patch = fmt("{\"batch.size\":\"100\"}");
    req("PATCH", p, own_patch, akey, &r);
    is_int(r.status, 200, "a harmless PATCH passes");
    is_str(json_string_value(json_object_get(r.json, "name")), "orders", "  ... answering with the local name");
    http_resp_free(&r);
    free(own_patch);
    free(p);
    p = fmt("/tenants/%s/connector-plugins/FileStreamSource/config/validate", A);
    is_int(st("PUT", p, put, akey), 403, "validate with globex's topic: 403");
    free(p);
    free(put);
    free(patch);

    /* The admin API cannot plant a connector inside a tenant. */
    char *b = body_of("", "connector.class", "FileStreamSource", "file", "/tmp/x", "topic", foreign, NULL);
    json_t *bj = json_loads(b, 0, NULL);
    char *an = fmt("%s/planted", A);
    json_object_set_new(bj, "name", json_string(an));
    char *bs = json_dumps(bj, JSON_COMPACT);
    req("POST", "/connectors", bs, ADMIN_TOKEN, &r);
    is_int(r.status, 400, "admin POST /connectors with a '/' name: 400");
    like(http_msg(&r), "'/'", "  ... explaining '/'");
    http_resp_free(&r);
    char *ap = fmt("/connectors/%s%%2Fplanted/config", A);
    is_int(st("PUT", ap, "{\"connector.class\":\"FileStreamSource\",\"topic\":\"x\"}", ADMIN_TOKEN), 400,
           "admin PUT /connectors/<t>%%2F<n>/config: 400");
    is_int(admin_count_connectors(), before, "nothing was planted");
    free(ap);
    free(an);
    free(bs);
    json_decref(bj);
    free(b);
    unlink(sym);
    free(sym);
    free(own);
    free(foreign);
    free(dlq);
    free(regex_all);
    free(regex_alt);
    free(gfile_abs);
}

static void test_hostile_names(void) {
    const char *names[] = {"\"../etc\"", "\"a/b\"", "\"Acme\"", "\"\"", "\"a\\nb\"", "\"tenant\\u0000x\"",
                           "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"", "\"-x\"", "\"caf\\u00e9\"", "42", "null"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char *b = fmt("{\"name\":%s}", names[i]);
        long s = st("POST", "/tenants", b, ADMIN_TOKEN);
        ok(s == 400, "tenant name %s is refused (%ld)", names[i], s);
        free(b);
    }
    is_int(st("POST", "/tenants", "{\"name\":\"okname\",\"evil\":1}", ADMIN_TOKEN), 400, "unknown fields are refused");
    is_int(st("POST", "/tenants", "{\"name\":\"okname\",\"quotas\":{\"max_tasks\":\"x\"}}", ADMIN_TOKEN), 400,
           "bad quotas are refused");
    char *b = fmt("{\"name\":\"okname\",\"topic_prefix\":\"%s.\"}", A);
    is_int(st("POST", "/tenants", b, ADMIN_TOKEN), 409, "a prefix overlapping acme's is refused");
    free(b);
    b = fmt("{\"name\":\"okname\",\"topic_prefix\":\"%.3s\"}", A);
    is_int(st("POST", "/tenants", b, ADMIN_TOKEN), 409, "a prefix that acme's starts with is refused");
    free(b);
    is_int(st("GET", "/tenants/..%2Fx/connectors", NULL, ADMIN_TOKEN), 404, "a hostile tenant in a path: 404 for admin");
    is_int(st("GET", "/tenants/..%2Fx/connectors", NULL, akey), 403, "and 403 for a tenant key");

    const char *cnames[] = {"\"a/b\"", "\"\"", "\"  \"", "\"a\\nb\"", "\"x\\u0007\""};
    char *p = fmt("/tenants/%s/connectors", A);
    for (size_t i = 0; i < sizeof cnames / sizeof *cnames; i++) {
        char *cb = fmt("{\"name\":%s,\"config\":{\"connector.class\":\"FileStreamSource\",\"file\":\"orders.txt\","
                       "\"topic\":\"%s.x\"}}",
                       cnames[i], A);
        ok(st("POST", p, cb, akey) == 400, "connector name %s is refused", cnames[i]);
        free(cb);
    }
    char longname[300];
    memset(longname, 'n', 250);
    longname[250] = '\0';
    char *cb = fmt("{\"name\":\"%s\",\"config\":{\"connector.class\":\"FileStreamSource\",\"file\":\"orders.txt\","
                   "\"topic\":\"%s.x\"}}",
                   longname, A);
    is_int(st("POST", p, cb, akey), 400, "a 250-character connector name is refused");
    free(cb);
    free(p);
}

static void test_quotas(void) {
    char *q = fmt("/tenants/%s/quotas", A);
    is_int(st("PUT", q, "{\"max_connectors\":2,\"max_tasks\":3}", ADMIN_TOKEN), 200, "admin sets acme's quotas");
    char *p = fmt("/tenants/%s/connectors", A);
    char *t = fmt("%s.third", A);
    char *b = body_of("third", "connector.class", "FileStreamSource", "file", "orders.txt", "topic", t, NULL);
    http_resp r;
    req("POST", p, b, akey, &r);
    is_int(r.status, 429, "a third connector is over max_connectors: 429");
    like(http_msg(&r), "max_connectors", "  ... naming the quota");
    http_resp_free(&r);
    free(b);
    is_int(st("PUT", q, "{\"max_connectors\":5}", ADMIN_TOKEN), 200, "admin raises max_connectors");
    b = body_of("third", "connector.class", "FileStreamSource", "file", "orders.txt", "topic", t, "tasks.max", "2",
                NULL);
    req("POST", p, b, akey, &r);
    is_int(r.status, 429, "two more tasks are over max_tasks=3 (2 used): 429");
    like(http_msg(&r), "max_tasks", "  ... naming the quota");
    http_resp_free(&r);
    free(b);
    char *pc = fmt("/tenants/%s/connectors/orders/config", A);
    is_int(st("PATCH", pc, "{\"tasks.max\":\"5\"}", akey), 429, "raising tasks.max past the quota by PATCH: 429");
    free(pc);
    is_int(st("PUT", q, "{\"max_connectors\":-1,\"max_tasks\":-1}", ADMIN_TOKEN), 200, "admin lifts the quotas");
    free(t);
    free(p);
    free(q);
}

static void test_runtime_guard(trib_herder *h) {
    /* A config that never went through validation (as if written to the
     * config log by hand): the runtime must still keep it in its tenant. */
    trib_error err;
    char *name = fmt("%s/smuggled", A);
    char *gt = fmt("%s.smuggled", G);
    trib_props *c = trib_props_new();
    trib_props_set(c, "connector.class", "FileStreamSource");
    trib_props_set(c, "file", afile);
    trib_props_set(c, "topic", gt);
    trib_props_set(c, "name", name);
    json_t *info = trib_herder_create(h, name, c, TRIB_TARGET_RUNNING, &err);
    ok(info != NULL, "a config written straight to the herder exists (it bypassed validation)");
    json_decref(info);
    trib_props_destroy(c);
    const char *state = "";
    char tracebuf[1024] = "";
    for (int i = 0; i < 100; i++) {
        json_t *s = trib_herder_status(h, name, &err);
        json_t *t0 = json_array_get(json_object_get(s, "tasks"), 0);
        state = json_string_value(json_object_get(t0, "state"));
        state = state && strcmp(state, "FAILED") == 0 ? "FAILED" : state && strcmp(state, "RUNNING") == 0 ? "RUNNING" : "";
        snprintf(tracebuf, sizeof tracebuf, "%s", json_string_value(json_object_get(t0, "trace")) ?: "");
        json_decref(s);
        if (strcmp(state, "FAILED") == 0 || (i > 30 && trib_herder_task_records(h, name, 0) > 0)) break;
        usleep(100000);
    }
    bool guarded = strcmp(state, "FAILED") == 0 && strstr(tracebuf, "prefix");
    if (guarded || trib_tenant_guard_throttle_calls() > 0)
        ok(guarded, "the runtime guard fails a task producing into another tenant's topic");
    else
        todo_ok(guarded, "runtime hooks not wired into worker/source_task.c yet",
                "the runtime guard fails a task producing into another tenant's topic");
    trib_herder_delete(h, name, &err);
    free(name);
    free(gt);
}

/* A tenant sink whose topics.regex (bypassing validation) matches every
 * topic: the subscription is resolved from metadata and kept under the
 * tenant's prefix (worker/topic_regex.h), so its consumer is never assigned
 * another tenant's partition: the task keeps running, reads its own
 * tenant's records only, and the runtime guard never has to step in. */
static void test_runtime_regex(trib_herder *h, trib_tenants *reg) {
    trib_error err;
    json_t *u0 = trib_tenants_usage_json(reg, A, &err);
    json_int_t v0 = json_integer_value(json_object_get(u0, "topic_violations"));
    json_decref(u0);
    char *name = fmt("%s/regex-all", A);
    char *out = fmt("%s/%s/regex-out.txt", staging, A);
    trib_props *c = trib_props_new();
    trib_props_set(c, "connector.class", "FileStreamSink");
    trib_props_set(c, "file", out);
    trib_props_set(c, "topics.regex", ".*");
    trib_props_set(c, "name", name);
    json_t *info = trib_herder_create(h, name, c, TRIB_TARGET_RUNNING, &err);
    ok(info != NULL, "a tenant sink with topics.regex=.* written straight to the herder exists");
    json_decref(info);
    trib_props_destroy(c);
    char *text = NULL;
    const char *state = "";
    for (int i = 0; i < 300; i++) {
        free(text);
        text = trib_read_file(out, NULL, NULL);
        json_t *s = trib_herder_status(h, name, &err);
        json_t *t0 = json_array_get(json_object_get(s, "tasks"), 0);
        const char *st0 = json_string_value(json_object_get(t0, "state"));
        state = st0 && strcmp(st0, "FAILED") == 0 ? "FAILED" : st0 && strcmp(st0, "RUNNING") == 0 ? "RUNNING" : "";
        json_decref(s);
        if (strcmp(state, "FAILED") == 0 || (text && strstr(text, "acme-order-3"))) break;
        usleep(100000);
    }
    is_str(state, "RUNNING", "the task is not failed: it was never assigned another tenant's partition");
    ok(text && strstr(text, "acme-order-1") && strstr(text, "acme-order-3"), "it reads its own tenant's records");
    ok(!text || !strstr(text, "globex"), "and no record of the other tenant");
    json_t *u1 = trib_tenants_usage_json(reg, A, &err);
    is_int(json_integer_value(json_object_get(u1, "topic_violations")), v0,
           "the runtime guard saw no topic outside the prefix");
    json_decref(u1);
    free(text);
    trib_herder_delete(h, name, &err);
    free(name);
    free(out);
}

static void test_audit(void) {
    char *text = trib_read_file(audit_path, NULL, NULL);
    ok(text != NULL, "the audit log exists");
    char *who = fmt("\"principal\":\"tenant:%s key:%s\"", A, akey_id);
    ok(text && strstr(text, who), "it names the tenant and key that wrote");
    ok(text && strstr(text, "\"principal\":\"admin\""), "and the admin's writes");
    ok(text && strstr(text, "\"status\":403"), "it records refused writes");
    ok(text && strstr(text, "\"status\":401"), "and unauthenticated attempts");
    ok(text && strstr(text, "\"ts\":\"20"), "each line has a timestamp");
    ok(text && strstr(text, "\"client\":\"127.0.0.1\""), "and the client address");
    ok(text && !strstr(text, akey) && !strstr(text, gkey) && !strstr(text, ADMIN_TOKEN),
       "it holds no key or token");
    int lines = 0, json_ok = 0;
    for (char *l = text ? strtok(text, "\n") : NULL; l; l = strtok(NULL, "\n")) {
        lines++;
        json_t *j = json_loads(l, 0, NULL);
        if (json_is_object(j)) json_ok++;
        json_decref(j);
    }
    ok(lines > 10 && lines == json_ok, "every line is a JSON object (%d lines)", lines);
    free(who);
    free(text);
}

static void test_throttling(trib_rest_tenants *unused, trib_herder *h, trib_tenants *reg) {
    (void)unused;
    /* A second server over the same registry with a low failure limit. */
    trib_props *p = trib_props_new();
    char tokf[600];
    snprintf(tokf, sizeof tokf, "%s/admin.token", tmpdir);
    trib_props_set(p, "admin.token.file", tokf);
    trib_props_set(p, "tenant.auth.max.failures.per.minute", "3");
    trib_error err;
    trib_rest_tenants *t2 = trib_rest_tenants_new(p, reg, &err);
    trib_props_destroy(p);
    trib_rest_config cfg = {.host = "127.0.0.1", .port = 0};
    trib_rest_server *s = t2 ? trib_rest_tenants_server_start(t2, &cfg, h, &err) : NULL;
    ok(s != NULL, "a second server starts");
    if (!s) {
        trib_rest_tenants_destroy(t2);
        return;
    }
    int saved = rest_http_port;
    rest_http_port = trib_rest_server_port(s);
    char *path = fmt("/tenants/%s/connectors", A);
    is_int(st("GET", path, NULL, "trib_guess1"), 401, "guess 1: 401");
    is_int(st("GET", path, NULL, "trib_guess2"), 401, "guess 2: 401");
    is_int(st("GET", path, NULL, "trib_guess3"), 401, "guess 3: 401");
    is_int(st("GET", path, NULL, "trib_guess4"), 429, "guess 4 within a minute: 429");
    is_int(st("GET", path, NULL, akey), 429, "while throttled even a valid key gets 429 (no oracle)");
    is_int(st("GET", "/health", NULL, NULL), 200, "open endpoints still answer");
    free(path);
    rest_http_port = saved;
    trib_rest_server_stop(s);
    trib_rest_tenants_destroy(t2);
    /* destroying t2 uninstalled the runtime registry: put it back */
    trib_tenant_runtime_install(reg);
}

static void test_delete_tenant(void) {
    char *p = fmt("/tenants/%s", G);
    is_int(st("DELETE", p, NULL, ADMIN_TOKEN), 409, "deleting a tenant that has connectors needs force");
    char *pf = fmt("%s?force=true", p);
    is_int(st("DELETE", pf, NULL, ADMIN_TOKEN), 204, "force deletes it with its connectors");
    char *gn = fmt("%s/orders", G);
    http_resp r;
    req("GET", "/connectors", NULL, ADMIN_TOKEN, &r);
    ok(r.body && !strstr(r.body, gn), "its connectors are gone");
    http_resp_free(&r);
    char *c = fmt("/tenants/%s/connectors", G);
    is_int(st("GET", c, NULL, gkey), 401, "its keys no longer authenticate");
    is_int(st("GET", p, NULL, ADMIN_TOKEN), 404, "it is not found");
    free(c);
    free(gn);
    free(pf);
    free(p);
}

int main(void) {
    (void)plan;
    (void)http_req;
    const char *bootstrap = tap_require_env("KAFKA_BOOTSTRAP");
    curl_global_init(CURL_GLOBAL_ALL);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/trib_tenant_attacks_XXXXXX");
    if (!mkdtemp(tmpdir)) BAIL_OUT("mkdtemp failed");
    snprintf(staging, sizeof staging, "%s/staging", tmpdir);
    mkdir(staging, 0750);
    unsigned run = (unsigned)(trib_now_ms() % 1000000) ^ (unsigned)getpid();
    snprintf(A, sizeof A, "acme-%x", run);
    snprintf(G, sizeof G, "globex-%x", run);

    char tokf[600], offsets[600], store[600], secret[600];
    snprintf(tokf, sizeof tokf, "%s/admin.token", tmpdir);
    snprintf(offsets, sizeof offsets, "%s/offsets.json", tmpdir);
    snprintf(store, sizeof store, "%s/tenants.json", tmpdir);
    snprintf(secret, sizeof secret, "%s/key.secret", tmpdir);
    snprintf(audit_path, sizeof audit_path, "%s/audit.log", tmpdir);
    trib_error err = {0};
    trib_write_file_atomic(tokf, ADMIN_TOKEN "\n", strlen(ADMIN_TOKEN) + 1, &err);

    trib_props *props = trib_props_new();
    trib_props_set(props, "bootstrap.servers", bootstrap);
    trib_props_set(props, "key.converter", "org.apache.kafka.connect.storage.StringConverter");
    trib_props_set(props, "value.converter", "org.apache.kafka.connect.storage.StringConverter");
    trib_props_set(props, "offset.storage.file.filename", offsets);
    trib_props_set(props, "offset.flush.interval.ms", "1000");
    trib_props_set(props, "listeners", "http://127.0.0.1:0");
    /* admin.token.file goes to the tenant layer only: worker/kafka_client.c
     * hands every "admin." worker property to librdkafka's admin client,
     * which refuses "token.file" (reported to the worker's owner). */
    trib_props *tprops = trib_props_clone(props);
    trib_props_set(tprops, "admin.token.file", tokf);
    trib_props_set(props, "tenant.store.file", store);
    trib_props_set(props, "tenant.key.secret.file", secret);
    trib_props_set(props, "tenant.staging.root", staging);
    trib_props_set(props, "tenant.audit.log", audit_path);
    trib_props_set(props, "tenant.auth.max.failures.per.minute", "1000");
    trib_props_merge(tprops, props);

    trib_worker *w = trib_worker_new(props, TRIB_MODE_STANDALONE, &err);
    if (!w) {
        diag("worker: %s", err.msg);
        BAIL_OUT("cannot create the worker");
    }
    trib_rest_tenants *tl = trib_rest_tenants_new(tprops, NULL, &err);
    trib_props_destroy(props);
    trib_props_destroy(tprops);
    if (!tl) {
        diag("tenants: %s", err.msg);
        BAIL_OUT("cannot build the tenant layer");
    }
    if (trib_worker_start(w, &err) < 0) {
        diag("worker: %s", err.msg);
        BAIL_OUT("cannot start the worker");
    }
    trib_rest_config cfg = {.host = "127.0.0.1", .port = 0};
    trib_rest_server *s = trib_rest_tenants_server_start(tl, &cfg, trib_worker_herder(w), &err);
    if (!s) {
        diag("rest: %s", err.msg);
        BAIL_OUT("cannot start the REST server");
    }
    rest_http_port = trib_rest_server_port(s);

    setup_tenants();
    test_credentials();
    test_namespaces();
    test_cross_tenant();
    test_config_attacks();
    test_hostile_names();
    test_quotas();
    test_runtime_guard(trib_worker_herder(w));
    test_runtime_regex(trib_worker_herder(w), trib_rest_tenants_registry(tl));
    test_throttling(tl, trib_worker_herder(w), trib_rest_tenants_registry(tl));
    test_delete_tenant();
    test_audit();

    struct stat sb;
    ok(stat(store, &sb) == 0 && (sb.st_mode & 0777) == 0600, "the tenant store file is private");
    char *stext = trib_read_file(store, NULL, NULL);
    ok(stext && strstr(stext, A) && !strstr(stext, akey), "it holds acme but not its key");
    free(stext);

    trib_rest_server_stop(s);
    trib_worker_destroy(w);
    trib_rest_tenants_destroy(tl);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) diag("could not remove %s", tmpdir);
    curl_global_cleanup();
    done_testing();
    return exit_status();
}
