/*
 * test_rest_router.c: the REST layer without a herder.
 *
 * Part 1 calls the router directly: percent-decoding, target splitting,
 * matching precedence, 404/405. Part 2 starts the real server with no
 * herder (a worker that is "still starting") and drives it over HTTP with
 * libcurl: /admin/loggers (which only needs common/log.h), /health, and the
 * HTTP layer's refusals (404, 405 + Allow, 413 early and while streaming,
 * 415, 400 for malformed JSON and hostile input, 503 for herder routes),
 * plus the DEBUG request log line that must never contain a body.
 */
#include "tests/tap.h"
#include "tests/unit/test_rest_http.h"

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include "common/log.h"
#include "common/time.h"
#include "common/util.h"
#include "rest/http_json.h"
#include "rest/router.h"
#include "rest/routes.h"
#include "rest/server.h"

static void test_decoding(void) {
    trib_error err = {0};
    char *s = trib_rest_pct_decode("a%2Fb%20c", 9, false, "request path", &err);
    is_str(s, "a/b c", "percent-decoding turns %%2F into a slash and %%20 into a space");
    free(s);
    s = trib_rest_pct_decode("a+b", 3, false, "request path", &err);
    is_str(s, "a+b", "a plus stays a plus in a path");
    free(s);
    s = trib_rest_pct_decode("a+b", 3, true, "query", &err);
    is_str(s, "a b", "a plus is a space in a query");
    free(s);
    s = trib_rest_pct_decode("bad%zz", 6, false, "request path", &err);
    ok(s == NULL, "a bad escape is refused");
    like(err.msg, "percent-encoding in request path", "the error names the bad encoding and where");
    s = trib_rest_pct_decode("tail%4", 6, false, "request path", &err);
    ok(s == NULL, "a truncated escape is refused");
    s = trib_rest_pct_decode("nul%00x", 7, false, "request path", &err);
    ok(s == NULL && strstr(err.msg, "NUL"), "a decoded NUL byte is refused");
    s = trib_rest_pct_decode("%C3%28", 6, false, "request path", &err);
    ok(s == NULL && strstr(err.msg, "UTF-8"), "invalid UTF-8 is refused");
    s = trib_rest_pct_decode("%C3%A9t%C3%A9", 13, false, "request path", &err);
    is_str(s, "\xC3\xA9t\xC3\xA9", "valid UTF-8 decodes");
    free(s);

    ok(!trib_rest_utf8_valid("\xC0\xAF", 2), "an overlong encoding is invalid UTF-8");
    ok(!trib_rest_utf8_valid("\xED\xA0\x80", 3), "a UTF-16 surrogate is invalid UTF-8");
    ok(!trib_rest_utf8_valid("\xF4\x90\x80\x80", 4), "a code point above U+10FFFF is invalid UTF-8");
    ok(!trib_rest_utf8_valid("\xE2\x82", 2), "a truncated sequence is invalid UTF-8");
    ok(trib_rest_utf8_valid("\xF0\x9F\x98\x80", 4), "a 4-byte emoji is valid UTF-8");

    char *e = trib_rest_pct_encode("my conn/1~x");
    is_str(e, "my%20conn%2F1~x", "encoding keeps unreserved bytes and escapes the rest");
    free(e);
}

static void test_split_target(void) {
    trib_error err = {0};
    trib_rest_kv q;
    trib_rest_kv_init(&q);
    char *p = trib_rest_split_target("/connectors?expand=status&expand=info&x=a%26b&flag", &q, &err);
    is_str(p, "/connectors", "the path is split from the query");
    is_int(q.n, 4, "every query pair is kept, repeated keys included");
    is_str(q.values[0], "status", "first expand value");
    is_str(q.values[1], "info", "second expand value");
    is_str(trib_rest_kv_get(&q, "x"), "a&b", "query values are percent-decoded");
    is_str(trib_rest_kv_get(&q, "flag"), "", "a key without '=' has an empty value");
    free(p);
    trib_rest_kv_free(&q);

    p = trib_rest_split_target("http://host:8083/connectors/a%2Fb#frag", &q, &err);
    is_str(p, "/connectors/a%2Fb", "absolute-form targets keep only the path, still encoded");
    free(p);
    trib_rest_kv_free(&q);

    p = trib_rest_split_target("/x?bad=%G1", &q, &err);
    ok(p == NULL, "a malformed query escape is refused");
    like(err.msg, "query parameter 'bad'", "the error names the query parameter");
    trib_rest_kv_free(&q);
}

static void noop(trib_rest_request *req, trib_rest_response *resp) {
    (void)req;
    (void)resp;
}

static void test_match(void) {
    trib_rest_router *r = trib_rest_router_new();
    trib_rest_add_default_routes(r);
    static const trib_rest_route extra[] = {
        {"GET", "/connectors/special/status", noop, 0},
    };
    trib_rest_router_add(r, extra, 1);

    trib_error err = {0};
    const trib_rest_route *route;
    trib_rest_kv params;
    trib_rest_kv_init(&params);
    char *allow = NULL;

    trib_rest_match m = trib_rest_router_match(r, "GET", "/connectors/my%2Fconn/tasks/3/status",
                                               &route, &params, &allow, &err);
    is_int(m, TRIB_REST_MATCHED, "a task status path matches");
    ok(route && route->handler == trib_rest_h_task_status, "it routes to the task status handler");
    is_str(trib_rest_kv_get(&params, "connector"), "my/conn",
           "an encoded slash stays inside the connector name");
    is_str(trib_rest_kv_get(&params, "task"), "3", "the task id is a path param");
    trib_rest_kv_free(&params);

    m = trib_rest_router_match(r, "GET", "/connectors/special/status", &route, &params, &allow, &err);
    ok(m == TRIB_REST_MATCHED && route->handler == noop, "a literal pattern beats a {param} pattern");
    trib_rest_kv_free(&params);

    m = trib_rest_router_match(r, "GET", "/connectors/", &route, &params, &allow, &err);
    ok(m == TRIB_REST_MATCHED && route->handler == trib_rest_h_list_connectors,
       "one trailing slash is ignored");
    m = trib_rest_router_match(r, "GET", "/connectors//status", &route, &params, &allow, &err);
    is_int(m, TRIB_REST_NO_PATH, "an empty segment matches no route");
    m = trib_rest_router_match(r, "GET", "/nope", &route, &params, &allow, &err);
    is_int(m, TRIB_REST_NO_PATH, "an unknown path is NO_PATH");
    m = trib_rest_router_match(r, "HEAD", "/connectors/x/status", &route, &params, &allow, &err);
    ok(m == TRIB_REST_MATCHED && route->handler == trib_rest_h_connector_status,
       "HEAD matches the GET route");
    trib_rest_kv_free(&params);

    m = trib_rest_router_match(r, "POST", "/connectors/x/config", &route, &params, &allow, &err);
    is_int(m, TRIB_REST_NO_METHOD, "a known path with the wrong method is NO_METHOD");
    is_str(allow, "GET, HEAD, OPTIONS, PATCH, PUT", "Allow lists the path's methods");
    free(allow);
    allow = NULL;

    m = trib_rest_router_match(r, "GET", "/connectors/%FF/status", &route, &params, &allow, &err);
    is_int(m, TRIB_REST_BAD_PATH, "invalid UTF-8 in a path is BAD_PATH");
    like(err.msg, "UTF-8", "the error says why");

    char deep[600] = "";
    for (int i = 0; i < 100; i++) strcat(deep, "/a");
    m = trib_rest_router_match(r, "GET", deep, &route, &params, &allow, &err);
    is_int(m, TRIB_REST_NO_PATH, "a path with 100 segments matches nothing");

    /* Adding a duplicate (method, pattern) keeps the first handler. */
    static const trib_rest_route dup[] = {{"GET", "/connectors", noop, 0}};
    trib_rest_router_add(r, dup, 1);
    m = trib_rest_router_match(r, "GET", "/connectors", &route, &params, &allow, &err);
    ok(m == TRIB_REST_MATCHED && route->handler == trib_rest_h_list_connectors,
       "a duplicate route does not replace the first");
    trib_rest_router_destroy(r);
}

static void test_http_json(void) {
    json_t *e = trib_rest_error_json(400, "bad \xC3 byte");
    ok(e != NULL, "an error body is built even from invalid UTF-8");
    like(json_string_value(json_object_get(e, "message")), "bad \xEF\xBF\xBD byte",
         "the invalid byte becomes U+FFFD");
    json_decref(e);

    trib_error err = {0};
    json_t *v = trib_rest_parse_body("{\"a\":\n  [1,}", 12, &err);
    ok(v == NULL, "malformed JSON is refused");
    like(err.msg, "line 2", "the error has the parser's line");
    like(err.msg, "column", "and column");

    json_t *cfg = json_pack("{s:s, s:i, s:b, s:[]}", "a", "x", "n", 5, "flag", 1, "list");
    trib_props *p = trib_rest_props_from(cfg, "field 'config'", &err);
    ok(p == NULL, "a config value that is an array is refused");
    like(err.msg, "'list'", "the error names the key");
    like(err.msg, "field 'config'", "and the field");
    json_object_del(cfg, "list");
    p = trib_rest_props_from(cfg, "field 'config'", &err);
    is_str(trib_props_get(p, "n"), "5", "numbers are stringified like Connect's binding");
    is_str(trib_props_get(p, "flag"), "true", "booleans are stringified");
    trib_props_destroy(p);
    json_decref(cfg);
}

/* ---- over HTTP, without a herder ---- */

static int cmp_affected(const http_resp *r, const char *const *want, size_t n) {
    if (!json_is_array(r->json) || json_array_size(r->json) != n) return 0;
    for (size_t i = 0; i < n; i++) {
        const char *got = json_string_value(json_array_get(r->json, i));
        if (!got || strcmp(got, want[i]) != 0) return 0;
    }
    return 1;
}

static void test_loggers(void) {
    http_resp r;
    http_req("GET", "/admin/loggers", NULL, &r);
    is_int(r.status, 200, "GET /admin/loggers is 200 without a herder");
    is_str(r.content_type, "application/json", "it is JSON");
    ok(json_is_string(json_object_get(json_object_get(r.json, "root"), "level")),
       "the root logger has a level");
    http_resp_free(&r);

    http_req("PUT", "/admin/loggers/resttest.child", "{\"level\":\"warn\"}", &r);
    is_int(r.status, 200, "setting a child logger is 200");
    http_resp_free(&r);

    http_req("PUT", "/admin/loggers/resttest", "{\"level\":\"DEBUG\"}", &r);
    is_int(r.status, 200, "PUT /admin/loggers/{name} is 200");
    static const char *const both[] = {"resttest", "resttest.child"};
    ok(cmp_affected(&r, both, 2), "it answers the sorted names of the logger and its children");
    http_resp_free(&r);

    http_req("GET", "/admin/loggers/resttest.child", NULL, &r);
    is_str(json_string_value(json_object_get(r.json, "level")), "DEBUG",
           "the child took the namespace's level");
    ok(json_is_integer(json_object_get(r.json, "last_modified")),
       "a modified logger has last_modified");
    http_resp_free(&r);
    ok(trib_log_enabled(TRIB_LOG_DEBUG, "resttest.other"),
       "the level applies to the facility in common/log");

    http_req("GET", "/admin/loggers/never.configured", NULL, &r);
    is_int(r.status, 200, "an unconfigured facility answers its effective level");
    ok(json_is_null(json_object_get(r.json, "last_modified")), "with a null last_modified");
    http_resp_free(&r);

    http_req("GET", "/admin/loggers", NULL, &r);
    ok(json_object_get(r.json, "resttest") != NULL, "the listing includes the new logger");
    http_resp_free(&r);

    http_req("PUT", "/admin/loggers/resttest", "{\"level\":\"LOUD\"}", &r);
    is_int(r.status, 404, "an unknown level is 404, as in Connect's LoggingResource");
    like(http_msg(&r), "invalid log level 'LOUD'", "the message names the level");
    http_resp_free(&r);

    http_req("PUT", "/admin/loggers/resttest", "{\"lvl\":\"INFO\"}", &r);
    is_int(r.status, 400, "a body without level is 400");
    like(http_msg(&r), "'level'", "the message names the field");
    http_resp_free(&r);

    http_req("PUT", "/admin/loggers/resttest", "{\"level\":7}", &r);
    is_int(r.status, 400, "a non-string level is 400");
    like(http_msg(&r), "field 'level' must be a string", "the message names the field and type");
    http_resp_free(&r);

    http_req("PUT", "/admin/loggers/resttest", "[\"DEBUG\"]", &r);
    is_int(r.status, 400, "a body that is not an object is 400");
    like(http_msg(&r), "must be a JSON object", "the message says what was expected");
    http_resp_free(&r);

    http_req("PUT", "/admin/loggers/resttest?scope=cluster", "{\"level\":\"INFO\"}", &r);
    is_int(r.status, 204, "scope=cluster is 204 (standalone: this worker is the cluster)");
    http_resp_free(&r);
    ok(!trib_log_enabled(TRIB_LOG_DEBUG, "resttest"), "and the level was applied");

    http_req("PUT", "/admin/loggers/resttest%2Edotted", "{\"level\":\"ERROR\"}", &r);
    static const char *const dotted[] = {"resttest.dotted"};
    ok(r.status == 200 && cmp_affected(&r, dotted, 1), "logger names in paths are percent-decoded");
    http_resp_free(&r);

    char longname[300];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    char path[400];
    snprintf(path, sizeof path, "/admin/loggers/%s", longname);
    http_req("PUT", path, "{\"level\":\"INFO\"}", &r);
    is_int(r.status, 400, "a logger name over the limit is 400");
    like(http_msg(&r), "too long", "the message says why");
    http_resp_free(&r);
}

static void test_http_errors(void) {
    http_resp r;
    http_req("GET", "/no/such/thing", NULL, &r);
    is_int(r.status, 404, "an unknown path is 404");
    is_int(json_integer_value(json_object_get(r.json, "error_code")), 404, "error_code is 404");
    like(http_msg(&r), "/no/such/thing", "the message names the path");
    is_str(r.content_type, "application/json", "errors are JSON");
    http_resp_free(&r);

    http_req("DELETE", "/admin/loggers", NULL, &r);
    is_int(r.status, 405, "a known path with a wrong method is 405");
    is_str(r.allow, "GET, HEAD, OPTIONS", "405 carries an Allow header");
    like(http_msg(&r), "DELETE", "the message names the method");
    http_resp_free(&r);

    http_req("OPTIONS", "/connectors/x/config", NULL, &r);
    is_int(r.status, 200, "OPTIONS on a known path is 200");
    is_str(r.allow, "GET, HEAD, OPTIONS, PATCH, PUT", "with the Allow header");
    http_resp_free(&r);

    http_req("HEAD", "/admin/loggers", NULL, &r);
    ok(r.status == 200 && r.len == 0, "HEAD answers the GET status without a body");
    http_resp_free(&r);

    http_req("GET", "/connectors", NULL, &r);
    is_int(r.status, 503, "herder routes are 503 while there is no herder");
    like(http_msg(&r), "starting", "the message says the worker is starting");
    http_resp_free(&r);

    http_req("GET", "/health", NULL, &r);
    is_int(r.status, 503, "/health is 503 without a herder");
    is_str(json_string_value(json_object_get(r.json, "status")), "starting",
           "/health reports status starting");
    http_resp_free(&r);

    http_req("PUT", "/admin/loggers/x", "{\"level\": \"DEBUG\",\n \"oops\" }", &r);
    is_int(r.status, 400, "malformed JSON is 400");
    like(http_msg(&r), "malformed JSON body", "the message says the JSON is malformed");
    like(http_msg(&r), "line 2", "with the parser's line");
    http_resp_free(&r);

    http_req("PUT", "/admin/loggers/x", "", &r);
    is_int(r.status, 400, "an empty body where one is required is 400");
    like(http_msg(&r), "body is required", "the message says a body is required");
    http_resp_free(&r);

    http_req_ex("PUT", "/admin/loggers/x", "level=DEBUG", -1,
                "Content-Type: application/x-www-form-urlencoded", 0, &r);
    is_int(r.status, 415, "a non-JSON Content-Type is 415");
    like(http_msg(&r), "application/x-www-form-urlencoded", "the message names the type");
    http_resp_free(&r);

    char big[3000];
    memset(big, ' ', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    big[0] = '{';
    big[sizeof big - 2] = '}';
    http_req("PUT", "/admin/loggers/x", big, &r);
    is_int(r.status, 413, "a body over max_body_bytes is 413 (Content-Length)");
    like(http_msg(&r), "limit of 1024 bytes", "the message gives the limit");
    http_resp_free(&r);

    int64_t t0 = trib_mono_ms();
    http_req_ex("PUT", "/admin/loggers/x", big, -1, "Expect: 100-continue", 0, &r);
    is_int(r.status, 413, "with Expect: 100-continue the 413 comes before the body is sent");
    ok(trib_mono_ms() - t0 < 900, "without waiting for curl's 1 s expect timeout");
    http_resp_free(&r);

    http_req_ex("PUT", "/admin/loggers/x", NULL, 0, NULL, 256 * 1024, &r);
    is_int(r.status, 413, "a chunked body growing past the limit is 413");
    http_resp_free(&r);

    /* Hostile input: nothing crashes, every answer is a JSON error. */
    char *longpath = trib_xmalloc(20000);
    strcpy(longpath, "/connectors/");
    memset(longpath + 12, 'a', 19000);
    strcpy(longpath + 19012, "/nothing");
    http_req("GET", longpath, NULL, &r);
    is_int(r.status, 404, "a 19 KB path is a plain 404");
    ok(r.json != NULL, "with a JSON body");
    http_resp_free(&r);
    free(longpath);

    http_req("GET", "/admin/loggers/%FF%FE", NULL, &r);
    is_int(r.status, 400, "invalid UTF-8 in a path is 400");
    like(http_msg(&r), "UTF-8", "the message says why");
    http_resp_free(&r);

    http_req("GET", "/admin/loggers/%zz", NULL, &r);
    is_int(r.status, 400, "a malformed escape in a path is 400");
    http_resp_free(&r);

    http_req("PUT", "/admin/loggers/x", "{\"level\":\"\xFF\xFE\"}", &r);
    is_int(r.status, 400, "invalid UTF-8 in a JSON body is 400");
    ok(r.json != NULL, "and the error body is valid JSON");
    http_resp_free(&r);

    http_req("PUT", "/admin/loggers/x", "{\"level\":\"a\\u0000b\"}", &r);
    is_int(r.status, 400, "an escaped NUL in a JSON string is 400");
    http_resp_free(&r);

    http_req("PUT", "/admin/loggers/x", "{\"level\":123456789012345678901234567890}", &r);
    is_int(r.status, 400, "an integer too big for 64 bits is 400");
    like(http_msg(&r), "malformed JSON body", "reported as a parse error");
    http_resp_free(&r);

    char nested[1000];
    memset(nested, '[', 999);
    nested[999] = '\0';
    http_req("PUT", "/admin/loggers/x", nested, &r);
    is_int(r.status, 400, "999-deep nesting is refused without a crash");
    http_resp_free(&r);
}

/* One DEBUG line per request with method, path and status; never the body. */
static void test_request_log(void) {
    trib_log_set_level("rest", TRIB_LOG_DEBUG);
    char tmpl[] = "/tmp/trib_rest_log_XXXXXX";
    int fd = mkstemp(tmpl);
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    http_resp r;
    http_req("PUT", "/admin/loggers/logtest", "{\"level\":\"INFO\",\"password\":\"s3cr3t\"}", &r);
    http_resp_free(&r);
    http_req("GET", "/nothing/here", NULL, &r);
    http_resp_free(&r);
    /* The completion callback runs right after the response is sent; poll briefly. */
    char *log = NULL;
    for (int i = 0; i < 50; i++) {
        free(log);
        fflush(stderr);
        log = trib_read_file(tmpl, NULL, NULL);
        if (log && strstr(log, "GET /nothing/here 404")) break;
        usleep(20000);
    }
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(fd);
    unlink(tmpl);
    trib_log_set_level("rest", TRIB_LOG_INFO);
    like(log, "[rest] PUT /admin/loggers/logtest 200", "a request is logged with method, path, status");
    like(log, "GET /nothing/here 404", "error responses are logged too");
    ok(log && !strstr(log, "s3cr3t"), "the request body is never logged");
    free(log);
}

/* Parallel clients against the thread pool: every request is answered. */
#define CLIENTS 8
#define REQUESTS_EACH 40
static void *client_thread(void *arg) {
    int *ok_count = arg;
    for (int i = 0; i < REQUESTS_EACH; i++) {
        http_resp r;
        const char *path = (i % 2) ? "/admin/loggers" : "/admin/loggers/root";
        if (http_req("GET", path, NULL, &r) == 0 && r.status == 200 && r.json) (*ok_count)++;
        http_resp_free(&r);
    }
    return NULL;
}

static void test_concurrency(void) {
    pthread_t th[CLIENTS];
    int counts[CLIENTS] = {0};
    for (int i = 0; i < CLIENTS; i++) pthread_create(&th[i], NULL, client_thread, &counts[i]);
    int total = 0;
    for (int i = 0; i < CLIENTS; i++) {
        pthread_join(th[i], NULL);
        total += counts[i];
    }
    is_int(total, CLIENTS * REQUESTS_EACH, "%d parallel clients all get 200 JSON answers", CLIENTS);
}

/* A server with default limits: 1 MiB bodies, jansson's depth limit. */
static void test_default_limits(void) {
    trib_error err = {0};
    trib_rest_config cfg = {.host = "127.0.0.1"};
    trib_rest_server *s = trib_rest_server_start(&cfg, NULL, &err);
    ok(s != NULL, "a server with a zeroed config starts (defaults apply)");
    if (!s) return;
    int saved_port = rest_http_port;
    rest_http_port = trib_rest_server_port(s);
    http_resp r;

    /* Balanced nesting far deeper than JSON_PARSER_MAX_DEPTH (2048). */
    size_t depth = 100000;
    char *deep = trib_xmalloc(2 * depth + 1);
    memset(deep, '[', depth);
    memset(deep + depth, ']', depth);
    deep[2 * depth] = '\0';
    http_req("PUT", "/admin/loggers/x", deep, &r);
    is_int(r.status, 400, "100000-deep nesting is 400, not a stack overflow");
    like(http_msg(&r), "depth", "the message says the nesting is too deep");
    http_resp_free(&r);
    free(deep);

    /* A body of exactly 1 MiB is accepted (and then judged as JSON). */
    size_t n = TRIB_REST_DEFAULT_MAX_BODY;
    char *body = trib_xmalloc(n + 2);
    memset(body, ' ', n + 1);
    memcpy(body, "{\"level\":\"INFO\"}", 16);
    body[n] = '\0';
    http_req("PUT", "/admin/loggers/limits", body, &r);
    is_int(r.status, 200, "a body of exactly the default 1 MiB limit is accepted");
    http_resp_free(&r);
    body[n] = ' ';
    body[n + 1] = '\0';
    http_req("PUT", "/admin/loggers/limits", body, &r);
    is_int(r.status, 413, "one byte over the default 1 MiB limit is 413");
    http_resp_free(&r);
    free(body);

    rest_http_port = saved_port;
    trib_rest_server_stop(s);
}

int main(void) {
    plan(127);
    test_decoding();
    test_split_target();
    test_match();
    test_http_json();

    curl_global_init(CURL_GLOBAL_ALL);
    trib_error err = {0};
    trib_rest_config cfg = {.host = "127.0.0.1", .port = 0, .max_body_bytes = 1024, .threads = 2};
    trib_rest_server *s = trib_rest_server_start(&cfg, NULL, &err);
    ok(s != NULL, "the server starts without a herder");
    if (!s) {
        diag("%s", err.msg);
        BAIL_OUT("no server");
    }
    rest_http_port = trib_rest_server_port(s);
    ok(rest_http_port > 0, "port 0 binds a free port and reports it");

    test_loggers();
    test_http_errors();
    test_request_log();
    test_concurrency();
    test_default_limits();

    trib_rest_server_stop(s);
    trib_rest_server_stop(NULL);
    ok(1, "stop is NULL-safe");

    trib_rest_config bad = {.host = "127.0.0.1", .port = 70000};
    ok(trib_rest_server_start(&bad, NULL, &err) == NULL, "an out-of-range port is refused");
    like(err.msg, "70000", "the error names the port");
    trib_rest_config taken = {.host = "127.0.0.1", .port = 0};
    trib_rest_server *a = trib_rest_server_start(&taken, NULL, &err);
    taken.port = trib_rest_server_port(a);
    trib_rest_server *b = trib_rest_server_start(&taken, NULL, &err);
    ok(b == NULL, "a port already in use is refused");
    like(err.msg, "cannot listen", "with a clear message");
    trib_rest_server_stop(a);
    curl_global_cleanup();
    done_testing();
    return exit_status();
}
