/*
 * test_connector_framework_keys.c: the framework keys of Connect's
 * SourceConnectorConfig that Tributary does not act on are refused by
 * validation, naming the key, instead of being accepted and ignored;
 * the values Tributary does honour (transaction.boundary=poll,
 * exactly.once.support=required on an exactly-once worker, the empty
 * topic.creation.groups) pass. header.converter accepts the header
 * converters Connect lists (SimpleHeaderConverter, JsonConverter, ...) and
 * refuses the rest by name.
 */
#include <stdlib.h>
#include <string.h>

#include "tests/tap.h"
#include "worker/connector.h"
#include "worker/connector_config.h"

static trib_props *source_config(void) {
    trib_props *p = trib_props_new();
    trib_props_set(p, "name", "s");
    trib_props_set(p, "connector.class", "FileStreamSource");
    trib_props_set(p, "topic", "t");
    trib_props_set(p, "file", "/dev/null");
    return p;
}

/* The report's summary for p, and its error count in *n; caller frees. */
static char *summary(const trib_props *p, int *n) {
    trib_config_report *r = trib_connector_config_validate(p, NULL, NULL);
    *n = trib_config_report_error_count(r);
    char *s = trib_config_report_summary(r);
    trib_config_report_destroy(r);
    return s;
}

/* Errors of the worker-dependent exactly.once.support check alone. */
static int eos_errors(const trib_props *p, bool worker_eos, char **sum) {
    const trib_connector_plugin *plugin = NULL;
    trib_config_report *r = trib_connector_config_validate(p, NULL, &plugin);
    int before = trib_config_report_error_count(r);
    trib_connector_config_check_eos(r, p, plugin, worker_eos);
    int n = trib_config_report_error_count(r) - before;
    if (sum) *sum = trib_config_report_summary(r);
    trib_config_report_destroy(r);
    return n;
}

static void test_defaults_pass(void) {
    trib_props *p = source_config();
    int n;
    char *s = summary(p, &n);
    is_int(n, 0, "a source config without the framework keys validates");
    free(s);
    trib_props_set(p, "transaction.boundary", "poll");
    trib_props_set(p, "topic.creation.groups", "");
    trib_props_set(p, "exactly.once.support", "requested");
    trib_props_set(p, "offsets.storage.topic", "");
    trib_props_set(p, "config.action.reload", "none");
    s = summary(p, &n);
    is_int(n, 0, "transaction.boundary=poll, empty topic.creation.groups/offsets.storage.topic pass");
    free(s);
    trib_props_destroy(p);
}

static void test_transaction_boundary(void) {
    trib_props *p = source_config();
    int n;
    trib_props_set(p, "transaction.boundary", "interval");
    char *s = summary(p, &n);
    is_int(n, 1, "transaction.boundary=interval is one error");
    like(s, "Invalid value interval for configuration transaction.boundary: Tributary commits one transaction per "
            "poll() batch; only 'poll' is supported",
         "naming the key and what is supported");
    free(s);
    trib_props_set(p, "transaction.boundary", "CONNECTOR");
    s = summary(p, &n);
    is_int(n, 1, "transaction.boundary=connector (any case) is refused too");
    free(s);
    trib_props_set(p, "transaction.boundary", "poll");
    trib_props_set(p, "transaction.boundary.interval.ms", "5000");
    s = summary(p, &n);
    is_int(n, 1, "transaction.boundary.interval.ms is refused when set");
    like(s, "configuration transaction.boundary.interval.ms: it applies only to transaction.boundary=interval",
         "saying why");
    free(s);
    trib_props_destroy(p);
}

static void test_offsets_topic_and_topic_creation(void) {
    trib_props *p = source_config();
    int n;
    trib_props_set(p, "offsets.storage.topic", "my-offsets");
    char *s = summary(p, &n);
    is_int(n, 1, "a per-connector offsets.storage.topic is refused");
    like(s, "Invalid value my-offsets for configuration offsets.storage.topic: Tributary keeps source offsets in the "
            "worker's offsets storage",
         "naming the key");
    free(s);
    trib_props_remove(p, "offsets.storage.topic");
    trib_props_set(p, "topic.creation.groups", "g");
    trib_props_set(p, "topic.creation.default.partitions", "3");
    s = summary(p, &n);
    is_int(n, 2, "topic.creation.groups and an undeclared topic.creation.* key are both refused");
    like(s, "configuration topic.creation.groups: Tributary does not create topics", "naming the declared key");
    like(s, "configuration topic.creation.default.partitions: Tributary does not create topics",
         "and the undeclared one");
    free(s);
    trib_props_destroy(p);
}

static void test_exactly_once_support(void) {
    trib_props *p = source_config();
    trib_props_set(p, "exactly.once.support", "required");
    char *s = NULL;
    is_int(eos_errors(p, false, &s), 1, "exactly.once.support=required is refused without exactly-once on the worker");
    like(s, "\nThis worker does not have exactly-once source support enabled.\n", "with Connect's text");
    free(s);
    is_int(eos_errors(p, true, NULL), 0, "and accepted when the worker provides it");
    trib_props_set(p, "exactly.once.support", "requested");
    is_int(eos_errors(p, false, NULL), 0, "requested runs either way");
    trib_props_destroy(p);

    trib_props *k = trib_props_new();
    trib_props_set(k, "name", "k");
    trib_props_set(k, "connector.class", "FileStreamSink");
    trib_props_set(k, "topics", "t");
    trib_props_set(k, "file", "/dev/null");
    trib_props_set(k, "exactly.once.support", "required");
    is_int(eos_errors(k, false, NULL), 0, "the check concerns source connectors only");
    trib_props_destroy(k);
}

static void test_header_converter(void) {
    trib_props *p = source_config();
    int n;
    trib_props_set(p, "header.converter", "org.apache.kafka.connect.storage.SimpleHeaderConverter");
    char *s = summary(p, &n);
    is_int(n, 0, "header.converter=SimpleHeaderConverter (class name) passes");
    free(s);
    trib_props_set(p, "header.converter", "SimpleHeaderConverter");
    s = summary(p, &n);
    is_int(n, 0, "and by its alias");
    free(s);
    trib_props_set(p, "header.converter", "org.apache.kafka.connect.json.JsonConverter");
    s = summary(p, &n);
    is_int(n, 0, "JsonConverter is a header converter");
    free(s);
    trib_props_set(p, "header.converter", "io.confluent.connect.avro.AvroConverter");
    s = summary(p, &n);
    is_int(n, 1, "AvroConverter is not (Connect does not list it as one)");
    like(s, "Invalid value io.confluent.connect.avro.AvroConverter for configuration header.converter: "
            "io.confluent.connect.avro.AvroConverter is not a header converter",
         "naming the key and why");
    free(s);
    trib_props_set(p, "header.converter", "com.example.NoSuch");
    s = summary(p, &n);
    like(s, "Invalid value com.example.NoSuch for configuration header.converter: Class com.example.NoSuch could "
            "not be found.",
         "an unknown class gets Connect's text");
    free(s);
    trib_props_destroy(p);
}

int main(void) {
    test_defaults_pass();
    test_transaction_boundary();
    test_offsets_topic_and_topic_creation();
    test_exactly_once_support();
    test_header_converter();
    (void)plan;   /* the plan is printed at the end */
    done_testing();
    return exit_status();
}
