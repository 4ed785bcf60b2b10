/*
 * test_rest_api.c: the REST API end to end, against a real standalone
 * worker connected to the test Kafka (KAFKA_BOOTSTRAP) with its offsets in
 * a temp dir, and the REST server on 127.0.0.1 at a free port. Every
 * endpoint of Connect's ConnectorsResource, ConnectorPluginsResource,
 * LoggingResource and RootResource is driven with libcurl; statuses,
 * headers and JSON bodies are asserted for success and error paths, and
 * refused requests are checked to have changed nothing.
 */
#include "tests/tap.h"
#include "tests/unit/test_rest_http.h"

#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/props.h"
#include "common/time.h"
#include "common/util.h"
#include "rest/server.h"
#include "worker/worker.h"

static char tmpdir[256];
static char input_file[512];
static char topic[128];

/* A FileStreamSource config as JSON text (with an optional extra pair). */
static char *source_config_json(const char *extra_key, const char *extra_val) {
    json_t *c = json_pack("{ss ss ss ss}", "connector.class", "FileStreamSource", "file", input_file,
                          "topic", topic, "tasks.max", "1");
    if (extra_key) json_object_set_new(c, extra_key, json_string(extra_val));
    char *s = json_dumps(c, JSON_COMPACT);
    json_decref(c);
    return s;
}

static char *create_body(const char *name, const char *initial_state) {
    char *cfg = source_config_json(NULL, NULL);
    json_t *config = json_loads(cfg, 0, NULL);
    free(cfg);
    json_t *b = json_pack("{ss so}", "name", name, "config", config);
    if (initial_state) json_object_set_new(b, "initial_state", json_string(initial_state));
    char *s = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    return s;
}

static const char *jstr(json_t *root, const char *path) {
    /* "a.b.c" lookup through objects */
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    json_t *cur = root;
    for (char *tok = strtok(buf, "."); tok && cur; tok = strtok(NULL, ".")) cur = json_object_get(cur, tok);
    return json_string_value(cur);
}

/* A key of ConnectorInfo.config (keys contain dots, so not via jstr), or "". */
static const char *cfgval(json_t *info, const char *key) {
    const char *v = json_string_value(json_object_get(json_object_get(info, "config"), key));
    return v ? v : "";
}

/* Polls a connector's state until it equals want (bounded). */
static const char *wait_connector_state(const char *path, const char *want) {
    static char last[32];
    snprintf(last, sizeof last, "%s", "(none)");
    for (int i = 0; i < 100; i++) {
        http_resp r;
        http_req("GET", path, NULL, &r);
        const char *s = jstr(r.json, "connector.state");
        if (s) snprintf(last, sizeof last, "%s", s);
        http_resp_free(&r);
        if (strcmp(last, want) == 0) break;
        usleep(100000);
    }
    return last;
}

static void test_root(void) {
    http_resp r;
    http_req("GET", "/", NULL, &r);
    is_int(r.status, 200, "GET / is 200");
    is_str(r.content_type, "application/json", "GET / is JSON");
    ok(jstr(r.json, "version") && *jstr(r.json, "version"), "GET / has a version");
    ok(json_object_get(r.json, "commit") != NULL, "GET / has a commit");
    ok(jstr(r.json, "kafka_cluster_id") && *jstr(r.json, "kafka_cluster_id"),
       "GET / has the Kafka cluster id");
    http_resp_free(&r);

    http_req("GET", "/health", NULL, &r);
    is_int(r.status, 200, "GET /health is 200 with a started worker");
    is_str(jstr(r.json, "status"), "healthy", "the worker is healthy");
    http_resp_free(&r);
}

static void test_plugins(void) {
    http_resp r;
    http_req("GET", "/connector-plugins", NULL, &r);
    is_int(r.status, 200, "GET /connector-plugins is 200");
    size_t n_connectors = json_array_size(r.json);
    bool only_connectors = n_connectors > 0, has_file_source = false;
    size_t i;
    json_t *p;
    json_array_foreach(r.json, i, p) {
        const char *type = jstr(p, "type");
        if (!type || (strcmp(type, "source") && strcmp(type, "sink"))) only_connectors = false;
        if (strcmp(jstr(p, "class") ? jstr(p, "class") : "",
                   "org.apache.kafka.connect.file.FileStreamSourceConnector") == 0)
            has_file_source = strcmp(type ? type : "", "source") == 0;
    }
    ok(only_connectors, "by default only source and sink connectors are listed");
    ok(has_file_source, "FileStreamSourceConnector is listed as a source");
    http_resp_free(&r);

    http_req("GET", "/connector-plugins?connectorsOnly=false", NULL, &r);
    is_int(r.status, 200, "connectorsOnly=false is 200");
    ok(json_array_size(r.json) > n_connectors, "connectorsOnly=false lists more plugins");
    bool has_header_converter = false, json_both = false;
    int n_header_converters = 0, json_listed = 0;
    json_array_foreach(r.json, i, p) {
        const char *type = jstr(p, "type");
        const char *cls = jstr(p, "class") ? jstr(p, "class") : "";
        bool hc = strcmp(type ? type : "", "header_converter") == 0;
        n_header_converters += hc;
        if (strcmp(cls, "org.apache.kafka.connect.storage.SimpleHeaderConverter") == 0) has_header_converter = hc;
        if (strcmp(cls, "org.apache.kafka.connect.json.JsonConverter") == 0) json_listed |= hc ? 1 : 2;
    }
    json_both = json_listed == 3;
    ok(has_header_converter, "SimpleHeaderConverter is listed as a header_converter");
    ok(json_both, "JsonConverter is listed as a converter and as a header_converter, as in Connect");
    is_int(n_header_converters, 10, "ten header converters, as Connect 3.9 lists");
    http_resp_free(&r);

    http_req("GET", "/connector-plugins/SimpleHeaderConverter/config", NULL, &r);
    ok(r.status == 200 && json_is_array(r.json) && json_array_size(r.json) == 0,
       "SimpleHeaderConverter's config definitions are empty, as Connect's");
    http_resp_free(&r);

    http_req("GET", "/connector-plugins?connectorsOnly=maybe", NULL, &r);
    is_int(r.status, 200, "a non-boolean connectorsOnly reads false, as Jersey's Boolean.valueOf");
    ok(json_array_size(r.json) > n_connectors, "so it lists every plugin");
    http_resp_free(&r);

    http_req("GET", "/connector-plugins/FileStreamSource/config", NULL, &r);
    is_int(r.status, 200, "GET /connector-plugins/{alias}/config is 200");
    bool has_file = false;
    json_array_foreach(r.json, i, p) if (strcmp(jstr(p, "name") ? jstr(p, "name") : "", "file") == 0)
        has_file = true;
    ok(json_is_array(r.json) && has_file, "the config definition lists the 'file' key");
    http_resp_free(&r);

    http_req("GET", "/connector-plugins/NoSuchConnector/config", NULL, &r);
    is_int(r.status, 404, "an unknown plugin's config is 404");
    like(http_msg(&r), "NoSuchConnector", "the message names the plugin");
    http_resp_free(&r);

    /* As in Connect, "name" is part of what validate checks. */
    char *cfg = source_config_json("name", "validated");
    http_req("PUT", "/connector-plugins/FileStreamSourceConnector/config/validate", cfg, &r);
    is_int(r.status, 200, "validating a good config is 200");
    is_int(json_integer_value(json_object_get(r.json, "error_count")), 0, "with error_count 0");
    ok(json_is_array(json_object_get(r.json, "configs")), "and a configs array");
    http_resp_free(&r);
    free(cfg);

    http_req("PUT", "/connector-plugins/FileStreamSourceConnector/config/validate",
             "{\"connector.class\":\"FileStreamSource\",\"file\":\"/tmp/x\"}", &r);
    is_int(r.status, 200, "validating a config missing a required key is still 200");
    ok(json_integer_value(json_object_get(r.json, "error_count")) > 0, "with errors counted");
    http_resp_free(&r);

    http_req("PUT", "/connector-plugins/FileStreamSourceConnector/config/validate",
             "{\"connector.class\":\"FileStreamSink\",\"topics\":\"t\"}", &r);
    is_int(r.status, 400, "a body naming another connector class is 400");
    like(http_msg(&r), "does not match request type", "with Connect's message");
    http_resp_free(&r);

    http_req("PUT", "/connector-plugins/FileStreamSourceConnector/config/validate", "{\"topic\":[1]}",
             &r);
    is_int(r.status, 400, "a non-scalar config value is 400");
    like(http_msg(&r), "'topic'", "the message names the key");
    http_resp_free(&r);
}

static void test_create_errors(void) {
    http_resp r;
    http_req("POST", "/connectors", "{\"config\":{\"connector.class\":\"FileStreamSource\"}}", &r);
    is_int(r.status, 400, "POST without name is 400");
    like(http_msg(&r), "'name'", "the message names the field");
    http_resp_free(&r);

    http_req("POST", "/connectors", "{\"name\":\"x\"}", &r);
    is_int(r.status, 400, "POST without config is 400");
    like(http_msg(&r), "'config'", "the message names the field");
    http_resp_free(&r);

    http_req("POST", "/connectors", "{\"name\":\"x\",\"config\":\"text\"}", &r);
    is_int(r.status, 400, "a config that is not an object is 400");
    like(http_msg(&r), "field 'config' must be a JSON object", "the message names the field and type");
    http_resp_free(&r);

    http_req("POST", "/connectors", "{\"name\":42,\"config\":{}}", &r);
    is_int(r.status, 400, "a non-string name is 400");
    like(http_msg(&r), "field 'name' must be a string", "the message names the field");
    http_resp_free(&r);

    http_req("POST", "/connectors", "{\"name\":\"x\",\"config\":{\"name\":\"y\"}}", &r);
    is_int(r.status, 400, "config.name differing from name is 400");
    like(http_msg(&r), "Connector name configuration (y) doesn't match connector name in the URL (x)",
         "with Connect's message");
    http_resp_free(&r);

    char *b = create_body("bad-state", "SLEEPING");
    http_req("POST", "/connectors", b, &r);
    free(b);
    is_int(r.status, 400, "an unknown initial_state is 400");
    like(http_msg(&r), "initial_state", "the message names the field");
    http_resp_free(&r);

    http_req("POST", "/connectors",
             "{\"name\":\"bad-class\",\"config\":{\"connector.class\":\"com.example.Nope\"}}", &r);
    is_int(r.status, 400, "an unknown connector class is 400");
    like(http_msg(&r), "connector.class", "the message names connector.class");
    http_resp_free(&r);

    http_req("POST", "/connectors", "{\"name\":\"x\",\n\"config\":{,}}", &r);
    is_int(r.status, 400, "malformed JSON is 400");
    like(http_msg(&r), "line 2", "with the parser's line");
    http_resp_free(&r);

    http_req("POST", "/connectors", "{\"name\":\"bad-value\",\"config\":{\"file\":{\"a\":1}}}", &r);
    is_int(r.status, 400, "a nested object as a config value is 400");
    like(http_msg(&r), "'file'", "the message names the key");
    http_resp_free(&r);

    char *bad = create_body("a/b", NULL);
    http_req("POST", "/connectors", bad, &r);
    free(bad);
    is_int(r.status, 400, "a name with '/' is refused");
    http_resp_free(&r);

    http_req("GET", "/connectors", NULL, &r);
    ok(json_is_array(r.json) && json_array_size(r.json) == 0,
       "refused creations left no connector behind");
    http_resp_free(&r);
}

static void test_lifecycle(void) {
    http_resp r;
    char path[512];
    char *b = create_body("src1", NULL);
    http_req("POST", "/connectors", b, &r);
    is_int(r.status, 201, "POST /connectors is 201");
    char want_loc[128];
    snprintf(want_loc, sizeof want_loc, "http://127.0.0.1:%d/connectors/src1", rest_http_port);
    is_str(r.location, want_loc, "with an absolute Location");
    is_str(jstr(r.json, "name"), "src1", "the body is ConnectorInfo with the name");
    is_str(jstr(r.json, "type"), "source", "and the type");
    is_str(jstr(r.json, "config.name"), "src1", "config.name is filled from name");
    ok(json_is_array(json_object_get(r.json, "tasks")), "and a tasks array");
    http_resp_free(&r);

    http_req("POST", "/connectors", b, &r);
    is_int(r.status, 409, "creating an existing connector is 409");
    like(http_msg(&r), "src1", "the message names the connector");
    http_resp_free(&r);
    free(b);

    b = create_body("  stopped one  ", "stopped");
    http_req("POST", "/connectors", b, &r);
    free(b);
    is_int(r.status, 201, "initial_state is case-insensitive");
    is_str(jstr(r.json, "name"), "stopped one", "the name is trimmed");
    ok(strstr(r.location, "/connectors/stopped%20one") != NULL, "the Location is percent-encoded");
    http_resp_free(&r);

    http_req("GET", "/connectors/stopped%20one/status", NULL, &r);
    is_int(r.status, 200, "a percent-encoded name in the path is decoded");
    is_str(jstr(r.json, "connector.state"), "STOPPED", "initial_state STOPPED is applied");
    http_resp_free(&r);

    http_req("GET", "/connectors", NULL, &r);
    is_int(r.status, 200, "GET /connectors is 200");
    const char *n0 = json_string_value(json_array_get(r.json, 0));
    const char *n1 = json_string_value(json_array_get(r.json, 1));
    ok(json_array_size(r.json) == 2 && n0 && n1 && strcmp(n0, "src1") == 0 &&
           strcmp(n1, "stopped one") == 0,
       "it lists the names sorted");
    http_resp_free(&r);

    http_req("GET", "/connectors?expand=status", NULL, &r);
    ok(json_object_get(json_object_get(r.json, "src1"), "status") &&
           !json_object_get(json_object_get(r.json, "src1"), "info"),
       "expand=status gives only status");
    http_resp_free(&r);
    http_req("GET", "/connectors?expand=status&expand=info&expand=bogus", NULL, &r);
    ok(jstr(r.json, "src1.info.name") && jstr(r.json, "src1.status.name"),
       "repeated expand gives both, unknown values are ignored");
    http_resp_free(&r);

    http_req("GET", "/connectors/src1", NULL, &r);
    is_int(r.status, 200, "GET /connectors/{n} is 200");
    is_str(jstr(r.json, "config.topic"), topic, "with the config");
    http_resp_free(&r);

    http_req("GET", "/connectors/nope", NULL, &r);
    is_int(r.status, 404, "an unknown connector is 404");
    is_int(json_integer_value(json_object_get(r.json, "error_code")), 404, "error_code 404");
    like(http_msg(&r), "nope", "the message names the connector");
    http_resp_free(&r);

    http_req("GET", "/connectors/src1/config", NULL, &r);
    is_int(r.status, 200, "GET config is 200");
    is_str(jstr(r.json, "file"), input_file, "the config has the file");
    http_resp_free(&r);

    char *cfg = source_config_json("batch.size", "100");
    http_req("PUT", "/connectors/src1/config", cfg, &r);
    is_int(r.status, 200, "PUT config of an existing connector is 200");
    is_str(cfgval(r.json, "batch.size"), "100", "the new config is returned");
    ok(r.location[0] == '\0', "an update has no Location");
    http_resp_free(&r);

    http_req("PUT", "/connectors/src2/config", cfg, &r);
    is_int(r.status, 201, "PUT config of a new connector is 201");
    ok(strstr(r.location, "/connectors/src2") != NULL, "with a Location");
    http_resp_free(&r);
    free(cfg);

    cfg = source_config_json("name", "other");
    http_req("PUT", "/connectors/src2/config", cfg, &r);
    is_int(r.status, 400, "PUT with a mismatched name is 400");
    like(http_msg(&r), "doesn't match connector name in the URL (src2)", "with Connect's message");
    http_resp_free(&r);
    free(cfg);

    http_req("PATCH", "/connectors/src2/config", "{\"batch.size\":\"7\",\"tasks.max\":null}", &r);
    is_int(r.status, 200, "PATCH config is 200");
    is_str(cfgval(r.json, "batch.size"), "7", "the patched value is applied");
    ok(json_object_get(json_object_get(r.json, "config"), "tasks.max") == NULL,
       "a null value removes the key");
    http_resp_free(&r);

    http_req("PATCH", "/connectors/src2/config", "{\"batch.size\":[1]}", &r);
    is_int(r.status, 400, "PATCH with an array value is 400");
    like(http_msg(&r), "'batch.size'", "the message names the key");
    http_resp_free(&r);
    http_req("GET", "/connectors/src2/config", NULL, &r);
    is_str(json_string_value(json_object_get(r.json, "batch.size")), "7",
           "a refused PATCH changed nothing");
    http_resp_free(&r);

    http_req("PATCH", "/connectors/nope/config", "{\"a\":\"b\"}", &r);
    is_int(r.status, 404, "PATCH of an unknown connector is 404");
    http_resp_free(&r);

    http_req("DELETE", "/connectors/src2", NULL, &r);
    is_int(r.status, 204, "DELETE is 204");
    ok(r.len == 0, "with no body");
    http_resp_free(&r);
    http_req("GET", "/connectors/src2", NULL, &r);
    is_int(r.status, 404, "a deleted connector is gone");
    http_resp_free(&r);
    http_req("DELETE", "/connectors/src2", NULL, &r);
    is_int(r.status, 404, "deleting it again is 404");
    http_resp_free(&r);

    snprintf(path, sizeof path, "/connectors/src1/status");
    is_str(wait_connector_state(path, "RUNNING"), "RUNNING", "the connector runs");
    http_req("GET", path, NULL, &r);
    is_int(r.status, 200, "GET status is 200");
    is_str(jstr(r.json, "name"), "src1", "status has the name");
    is_str(jstr(r.json, "type"), "source", "status has the type");
    ok(jstr(r.json, "connector.worker_id") != NULL, "status has the worker id");
    ok(json_array_size(json_object_get(r.json, "tasks")) == 1, "status lists one task");
    http_resp_free(&r);

    http_req("GET", "/connectors/src1/tasks", NULL, &r);
    is_int(r.status, 200, "GET tasks is 200");
    json_t *t0 = json_array_get(r.json, 0);
    ok(t0 && strcmp(jstr(t0, "id.connector") ? jstr(t0, "id.connector") : "", "src1") == 0 &&
           json_integer_value(json_object_get(json_object_get(t0, "id"), "task")) == 0,
       "tasks have id {connector, task}");
    ok(json_is_object(json_object_get(t0, "config")), "and a config");
    http_resp_free(&r);

    http_req("GET", "/connectors/src1/tasks-config", NULL, &r);
    is_int(r.status, 200, "the deprecated tasks-config is 200");
    ok(json_is_object(json_object_get(r.json, "src1-0")), "keyed by <connector>-<task>");
    http_resp_free(&r);

    http_req("GET", "/connectors/src1/tasks/0/status", NULL, &r);
    is_int(r.status, 200, "GET task status is 200");
    is_int(json_integer_value(json_object_get(r.json, "id")), 0, "with the task id");
    ok(jstr(r.json, "state") != NULL, "and a state");
    http_resp_free(&r);

    http_req("GET", "/connectors/src1/tasks/abc/status", NULL, &r);
    is_int(r.status, 404, "a non-integer task id is 404, as in Connect");
    like(http_msg(&r), "abc", "the message names the bad id");
    http_resp_free(&r);
    http_req("GET", "/connectors/src1/tasks/99999999999999999999/status", NULL, &r);
    is_int(r.status, 404, "an overflowing task id is 404");
    http_resp_free(&r);
    http_req("GET", "/connectors/src1/tasks/7/status", NULL, &r);
    is_int(r.status, 404, "a task that does not exist is 404");
    http_resp_free(&r);

    http_req("POST", "/connectors/src1/restart", NULL, &r);
    is_int(r.status, 204, "a plain restart is 204");
    http_resp_free(&r);
    http_req("POST", "/connectors/src1/restart?includeTasks=true&onlyFailed=false", NULL, &r);
    is_int(r.status, 202, "a restart with includeTasks is 202");
    is_str(jstr(r.json, "name"), "src1", "with the connector's status");
    http_resp_free(&r);
    http_req("POST", "/connectors/src1/restart?onlyFailed=yes&includeTasks=1", NULL, &r);
    is_int(r.status, 204, "non-boolean flags read false (Jersey), so this is a plain restart: 204");
    http_resp_free(&r);
    http_req("POST", "/connectors/nope/restart", NULL, &r);
    is_int(r.status, 404, "restarting an unknown connector is 404");
    is_str(http_msg(&r), "Unknown connector: nope", "with Connect's text");
    http_resp_free(&r);
    http_req("POST", "/connectors/src1/tasks/9/restart", NULL, &r);
    is_int(r.status, 404, "restarting an unknown task is 404");
    is_str(http_msg(&r), "Unknown task: src1-9", "with Connect's text");
    http_resp_free(&r);
    http_req("GET", "/connectors/nope/status", NULL, &r);
    is_str(http_msg(&r), "No status found for connector nope", "an unknown connector's status: Connect's text");
    http_resp_free(&r);
    http_req("GET", "/connectors/nope/tasks/0/status", NULL, &r);
    is_str(http_msg(&r), "No status found for task nope-0", "an unknown connector's task status: Connect's text");
    http_resp_free(&r);
    http_req("GET", "/connectors/src1/tasks", NULL, &r);
    is_str(json_string_value(json_object_get(json_object_get(json_array_get(r.json, 0), "config"), "task.class")),
           "org.apache.kafka.connect.file.FileStreamSourceTask", "task configs carry task.class, as Connect's");
    http_resp_free(&r);

    http_req("POST", "/connectors/src1/tasks/0/restart", NULL, &r);
    is_int(r.status, 204, "a task restart is 204");
    http_resp_free(&r);
    http_req("POST", "/connectors/src1/tasks/x/restart", NULL, &r);
    is_int(r.status, 404, "a task restart with a non-integer id is 404");
    http_resp_free(&r);

    http_req("PUT", "/connectors/src1/pause", NULL, &r);
    is_int(r.status, 202, "pause is 202");
    http_resp_free(&r);
    is_str(wait_connector_state(path, "PAUSED"), "PAUSED", "the connector is PAUSED");
    http_req("PUT", "/connectors/src1/resume", NULL, &r);
    is_int(r.status, 202, "resume is 202");
    http_resp_free(&r);
    is_str(wait_connector_state(path, "RUNNING"), "RUNNING", "the connector is RUNNING again");
    http_req("PUT", "/connectors/nope/pause", NULL, &r);
    is_int(r.status, 404, "pausing an unknown connector is 404");
    is_str(http_msg(&r), "Unknown connector nope", "with Connect's text");
    http_resp_free(&r);
    http_req("GET", "/connectors/nope/topics", NULL, &r);
    is_int(r.status, 200, "an unknown connector's topics are 200, as Connect's");
    is_int((int)json_array_size(json_object_get(json_object_get(r.json, "nope"), "topics")), 0,
           "and empty");
    http_resp_free(&r);
    http_req("PUT", "/connectors/nope/topics/reset", NULL, &r);
    is_int(r.status, 202, "resetting an unknown connector's topics is 202, as Connect");
    http_resp_free(&r);

    http_req("GET", "/connectors/src1/topics", NULL, &r);
    is_int(r.status, 200, "GET topics is 200");
    ok(json_is_array(json_object_get(json_object_get(r.json, "src1"), "topics")),
       "shaped {name: {topics: [...]}}");
    http_resp_free(&r);
    http_req("PUT", "/connectors/src1/topics/reset", NULL, &r);
    is_int(r.status, 202, "topics reset is 202");
    http_resp_free(&r);

    http_req("GET", "/connectors/src1/offsets", NULL, &r);
    is_int(r.status, 200, "GET offsets is 200");
    ok(json_is_array(json_object_get(r.json, "offsets")), "shaped {offsets: [...]}");
    http_resp_free(&r);

    const char *alter =
        "{\"offsets\":[{\"partition\":{\"filename\":\"x\"},\"offset\":{\"position\":5}}]}";
    http_req("PATCH", "/connectors/src1/offsets", alter, &r);
    is_int(r.status, 400, "altering offsets of a running connector is 400 (Connect's BadRequest)");
    like(http_msg(&r), "STOPPED", "the message says it must be stopped");
    http_resp_free(&r);

    http_req("PUT", "/connectors/src1/stop", NULL, &r);
    is_int(r.status, 204, "stop is 204 (a void resource method in Connect)");
    http_resp_free(&r);
    is_str(wait_connector_state(path, "STOPPED"), "STOPPED", "the connector is STOPPED");
    http_req("GET", "/connectors/src1/tasks", NULL, &r);
    is_int((int)json_array_size(r.json), 0, "a STOPPED connector has no tasks (Connect empties its task set)");
    http_resp_free(&r);

    http_req("PATCH", "/connectors/src1/offsets", "{}", &r);
    is_int(r.status, 400, "altering with no offsets is 400");
    like(http_msg(&r), "Partitions / offsets need to be provided", "with Connect's message");
    http_resp_free(&r);
    http_req("PATCH", "/connectors/src1/offsets", "{\"offsets\":[1]}", &r);
    is_int(r.status, 400, "an offsets entry that is not an object is 400");
    like(http_msg(&r), "offsets[0]", "the message names the entry");
    http_resp_free(&r);
    http_req("PATCH", "/connectors/src1/offsets", alter, &r);
    is_int(r.status, 200, "altering offsets of a stopped connector is 200");
    ok(jstr(r.json, "message") != NULL, "with a message");
    http_resp_free(&r);
    http_req("GET", "/connectors/src1/offsets", NULL, &r);
    json_int_t altered = -1;
    size_t k;
    json_t *e;
    json_array_foreach(json_object_get(r.json, "offsets"), k, e) {
        const char *fn = jstr(e, "partition.filename");
        if (fn && strcmp(fn, "x") == 0)
            altered = json_integer_value(json_object_get(json_object_get(e, "offset"), "position"));
    }
    is_int(altered, 5, "the altered offset reads back");
    http_resp_free(&r);
    http_req("DELETE", "/connectors/src1/offsets", NULL, &r);
    is_int(r.status, 200, "resetting offsets is 200");
    ok(jstr(r.json, "message") != NULL, "with a message");
    http_resp_free(&r);

    http_req("DELETE", "/connectors/src1/status", NULL, &r);
    is_int(r.status, 405, "a wrong method on a known path is 405");
    is_str(r.allow, "GET, HEAD, OPTIONS", "with an Allow header");
    http_resp_free(&r);

    http_req("DELETE", "/connectors/src1", NULL, &r);
    is_int(r.status, 204, "src1 is deleted");
    http_resp_free(&r);
    http_req("DELETE", "/connectors/stopped%20one", NULL, &r);
    is_int(r.status, 204, "the stopped connector is deleted");
    http_resp_free(&r);
    http_req("GET", "/connectors", NULL, &r);
    ok(json_is_array(r.json) && json_array_size(r.json) == 0, "no connectors remain");
    http_resp_free(&r);
}

/* topic.tracking.enable=false / allow.reset=false: 403 like Connect. */
static void test_topic_tracking_flags(trib_herder *h) {
    trib_error err = {0};
    int saved = rest_http_port;
    http_resp r;
    trib_rest_config off = {.host = "127.0.0.1", .topic_tracking_disabled = true};
    trib_rest_server *s = trib_rest_server_start(&off, h, &err);
    rest_http_port = trib_rest_server_port(s);
    http_req("GET", "/connectors/any/topics", NULL, &r);
    is_int(r.status, 403, "GET topics is 403 when topic tracking is disabled");
    is_str(http_msg(&r), "Topic tracking is disabled.", "with Connect's message");
    http_resp_free(&r);
    trib_rest_server_stop(s);

    trib_rest_config noreset = {.host = "127.0.0.1", .topic_tracking_reset_disabled = true};
    s = trib_rest_server_start(&noreset, h, &err);
    rest_http_port = trib_rest_server_port(s);
    http_req("PUT", "/connectors/any/topics/reset", NULL, &r);
    is_int(r.status, 403, "topics reset is 403 when reset is disabled");
    is_str(http_msg(&r), "Topic tracking reset is disabled.", "with Connect's message");
    http_resp_free(&r);
    trib_rest_server_stop(s);
    rest_http_port = saved;
}

static void test_loggers(void) {
    http_resp r;
    http_req("PUT", "/admin/loggers/herder", "{\"level\":\"DEBUG\"}", &r);
    is_int(r.status, 200, "PUT /admin/loggers/herder is 200");
    ok(json_is_array(r.json) && json_array_size(r.json) >= 1, "it lists the affected loggers");
    http_resp_free(&r);
    http_req("GET", "/admin/loggers/herder", NULL, &r);
    is_str(jstr(r.json, "level"), "DEBUG", "the level reads back");
    http_resp_free(&r);
    http_req("PUT", "/admin/loggers/herder", "{\"level\":\"INFO\"}", &r);
    http_resp_free(&r);
}

int main(void) {
    const char *bootstrap = tap_require_env("KAFKA_BOOTSTRAP");
    plan(164);
    curl_global_init(CURL_GLOBAL_ALL);

    snprintf(tmpdir, sizeof tmpdir, "/tmp/trib_rest_api_XXXXXX");
    if (!mkdtemp(tmpdir)) BAIL_OUT("mkdtemp failed");
    snprintf(input_file, sizeof input_file, "%s/input.txt", tmpdir);
    FILE *f = fopen(input_file, "w");
    fputs("one\ntwo\nthree\n", f);
    fclose(f);
    snprintf(topic, sizeof topic, "trib-rest-api-%d-%lld", (int)getpid(), (long long)trib_now_ms());

    char offsets_file[512];
    snprintf(offsets_file, sizeof offsets_file, "%s/offsets.json", tmpdir);
    trib_props *props = trib_props_new();
    trib_props_set(props, "bootstrap.servers", bootstrap);
    trib_props_set(props, "key.converter", "org.apache.kafka.connect.json.JsonConverter");
    trib_props_set(props, "value.converter", "org.apache.kafka.connect.json.JsonConverter");
    trib_props_set(props, "key.converter.schemas.enable", "false");
    trib_props_set(props, "value.converter.schemas.enable", "false");
    trib_props_set(props, "offset.storage.file.filename", offsets_file);
    trib_props_set(props, "offset.flush.interval.ms", "1000");
    trib_props_set(props, "listeners", "http://127.0.0.1:0");

    trib_error err = {0};
    trib_worker *w = trib_worker_new(props, TRIB_MODE_STANDALONE, &err);
    trib_props_destroy(props);
    if (!w) {
        diag("worker: %s", err.msg);
        BAIL_OUT("cannot create the worker");
    }
    if (trib_worker_start(w, &err) < 0) {
        diag("worker: %s", err.msg);
        trib_worker_destroy(w);
        BAIL_OUT("cannot start the worker");
    }
    trib_rest_config cfg = {.host = "127.0.0.1", .port = 0};
    trib_rest_server *s = trib_rest_server_start(&cfg, trib_worker_herder(w), &err);
    if (!s) {
        diag("rest: %s", err.msg);
        trib_worker_destroy(w);
        BAIL_OUT("cannot start the REST server");
    }
    rest_http_port = trib_rest_server_port(s);

    test_root();
    test_plugins();
    test_create_errors();
    test_lifecycle();
    test_topic_tracking_flags(trib_worker_herder(w));
    test_loggers();

    trib_rest_server_stop(s);
    trib_worker_destroy(w);
    unlink(input_file);
    unlink(offsets_file);
    char tmpf[600];
    snprintf(tmpf, sizeof tmpf, "%s.tmp", offsets_file);
    unlink(tmpf);
    rmdir(tmpdir);
    curl_global_cleanup();
    return exit_status();
}
