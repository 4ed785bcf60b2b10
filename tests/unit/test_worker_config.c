/* test_worker_config.c: the worker properties tables (worker/worker_config.h):
 * Connect-style files load in both modes, every invalid value is refused
 * naming its key, unknown keys are warned about but accepted, listeners parse.
 *
 * With TRIB_GEN_DOCS=path in the environment it also writes the generated
 * reference (docs/config-reference.md) to path:
 *   TRIB_GEN_DOCS=docs/config-reference.md build-config/tests/unit/test_worker_config.t
 */
#include "worker/worker_config.h"
#include "common/util.h"
#include "tests/tap.h"

#include <fcntl.h>
#include <unistd.h>

static const char *standalone_file =
    "# connect-standalone.properties as Kafka ships it\n"
    "bootstrap.servers=localhost:9092\n"
    "key.converter=org.apache.kafka.connect.json.JsonConverter\n"
    "value.converter=org.apache.kafka.connect.json.JsonConverter\n"
    "key.converter.schemas.enable=true\n"
    "value.converter.schemas.enable=true\n"
    "offset.storage.file.filename=/tmp/connect.offsets\n"
    "offset.flush.interval.ms=10000\n";

static const char *distributed_file =
    "bootstrap.servers=broker1:9092, broker2:9092\n"
    "group.id=connect-cluster\n"
    "key.converter=org.apache.kafka.connect.json.JsonConverter\n"
    "value.converter=io.confluent.connect.avro.AvroConverter\n"
    "value.converter.schema.registry.url=http://registry:8081\n"
    "offset.storage.topic=connect-offsets\n"
    "offset.storage.replication.factor=1\n"
    "config.storage.topic=connect-configs\n"
    "config.storage.replication.factor=1\n"
    "status.storage.topic=connect-status\n"
    "status.storage.replication.factor=-1\n"
    "offset.flush.interval.ms=10000\n"
    "listeners=HTTP://0.0.0.0:8083\n"
    "exactly.once.source.support=ENABLED\n"
    "producer.linger.ms=5\n"
    "consumer.max.poll.records=100\n"
    "admin.request.timeout.ms=1000\n"
    "security.protocol=PLAINTEXT\n"
    "tenant.acme.quota=10\n";

static trib_props *parse(const char *text) {
    trib_error err;
    trib_props *p = trib_props_parse(text, strlen(text), &err);
    if (!p) BAIL_OUT(err.msg);
    return p;
}

/* Loads props with stderr captured into log (NUL-terminated, caller frees). */
static trib_config *load_capturing(const trib_props *p, trib_worker_mode mode, trib_error *err, char **log) {
    char path[] = "/tmp/trib_wc_log_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) BAIL_OUT("mkstemp failed");
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    trib_config *c = trib_worker_config_load(p, mode, err);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(fd);
    *log = trib_read_file(path, NULL, NULL);
    unlink(path);
    return c;
}

static void test_standalone(void) {
    trib_props *p = parse(standalone_file);
    trib_error err;
    trib_error_clear(&err);
    char *log = NULL;
    trib_config *c = load_capturing(p, TRIB_MODE_STANDALONE, &err, &log);
    ok(c != NULL, "Kafka's connect-standalone.properties loads");
    if (!c) diag("%s", err.msg);
    is_str(log, "", "no warnings for a standard standalone file (converter settings pass through)");
    free(log);
    if (c) {
        is_str(trib_config_string(c, "offset.storage.file.filename"), "/tmp/connect.offsets", "offset file");
        is_int(trib_config_long(c, "offset.flush.interval.ms"), 10000, "offset.flush.interval.ms as given");
        is_int(trib_config_long(c, "offset.flush.timeout.ms"), 5000, "offset.flush.timeout.ms defaults to 5000");
        is_int(trib_config_long(c, "task.shutdown.graceful.timeout.ms"), 5000, "graceful shutdown defaults to 5000");
        is_str(trib_config_raw(c, "listeners"), "http://:8083", "listeners defaults to http://:8083");
        is_str(trib_config_string(c, "header.converter"), "org.apache.kafka.connect.storage.SimpleHeaderConverter",
               "header.converter defaults to SimpleHeaderConverter");
        is_str(trib_config_string(c, "connector.client.config.override.policy"), "All", "override policy defaults to All");
        ok(trib_config_bool(c, "tributary.metrics.enable"), "tributary.metrics.enable defaults to true");
        ok(trib_config_string(c, "admin.token.file") == NULL, "admin.token.file is optional");
        trib_config_destroy(c);
    }

    trib_props_remove(p, "offset.storage.file.filename");
    trib_error_clear(&err);
    ok(trib_worker_config_load(p, TRIB_MODE_STANDALONE, &err) == NULL, "standalone requires offset.storage.file.filename");
    like(err.msg, "Missing required configuration \"offset.storage.file.filename\"", "the error names the key");
    like(err.msg, "invalid standalone worker configuration", "the error says which file kind");
    is_int(err.code, TRIB_ERR_INVALID, "the error is INVALID");
    trib_props_destroy(p);
}

static void test_distributed(void) {
    trib_props *p = parse(distributed_file);
    trib_error err;
    trib_error_clear(&err);
    char *log = NULL;
    trib_config *c = load_capturing(p, TRIB_MODE_DISTRIBUTED, &err, &log);
    ok(c != NULL, "a distributed file loads");
    if (!c) diag("%s", err.msg);
    is_str(log, "", "pass-through groups (producer., consumer., admin., tenant., security.protocol) are not warned");
    free(log);
    if (c) {
        is_str(trib_config_string(c, "group.id"), "connect-cluster", "group.id");
        is_int(trib_config_list_len(c, "bootstrap.servers"), 2, "bootstrap.servers is a list");
        is_int(trib_config_int(c, "offset.storage.partitions"), 25, "offset.storage.partitions defaults to 25");
        is_int(trib_config_int(c, "status.storage.partitions"), 5, "status.storage.partitions defaults to 5");
        is_int(trib_config_int(c, "config.storage.replication.factor"), 1, "replication factor as given");
        is_int(trib_config_int(c, "status.storage.replication.factor"), -1, "replication factor -1 means broker default");
        is_int(trib_config_int(c, "session.timeout.ms"), 10000, "session.timeout.ms defaults to 10000");
        is_int(trib_config_int(c, "heartbeat.interval.ms"), 3000, "heartbeat.interval.ms defaults to 3000");
        is_int(trib_config_int(c, "rebalance.timeout.ms"), 60000, "rebalance.timeout.ms defaults to 60000");
        /* Tributary's default differs from Connect's 300000 on purpose: failover in seconds */
        is_int(trib_config_int(c, "scheduled.rebalance.max.delay.ms"), 0, "scheduled.rebalance.max.delay.ms defaults to 0");
        is_int(trib_config_int(c, "worker.sync.timeout.ms"), 3000, "worker.sync.timeout.ms defaults to 3000");
        is_int(trib_config_long(c, "metadata.max.age.ms"), 300000, "metadata.max.age.ms defaults to 300000");
        is_int(trib_config_int(c, "tributary.coordination.partitions"), 128, "coordination partitions default to 128");
        is_str(trib_config_string(c, "exactly.once.source.support"), "enabled", "exactly.once.source.support, any case");
        ok(trib_config_string(c, "group.instance.id") == NULL, "group.instance.id is optional");
        char *id = trib_worker_advertised_id(c);
        char hn[256];
        gethostname(hn, sizeof hn);
        char want[300];
        snprintf(want, sizeof want, "%s:8083", hn);
        is_str(id, want, "a wildcard listener host advertises the machine's hostname");
        free(id);
        trib_config_destroy(c);
    }

    const char *required[] = {"group.id", "config.storage.topic", "offset.storage.topic", "status.storage.topic",
                              "key.converter", "value.converter"};
    for (size_t i = 0; i < sizeof required / sizeof *required; i++) {
        trib_props *q = trib_props_clone(p);
        trib_props_remove(q, required[i]);
        trib_error_clear(&err);
        ok(trib_worker_config_load(q, TRIB_MODE_DISTRIBUTED, &err) == NULL, "distributed requires %s", required[i]);
        char want[200];
        snprintf(want, sizeof want, "Missing required configuration \"%s\" which has no default value.", required[i]);
        like(err.msg, want, "the error names %s", required[i]);
        trib_props_destroy(q);
    }

    trib_props *empty = trib_props_new();
    trib_error_clear(&err);
    ok(trib_worker_config_load(empty, TRIB_MODE_DISTRIBUTED, &err) == NULL, "an empty distributed file is refused");
    like(err.msg, "6 configuration errors", "every missing key is listed at once");
    trib_props_destroy(empty);
    trib_props_destroy(p);
}

/* Keys Tributary has nothing to act on are accepted (a Connect file
 * starts unchanged) but a supplied value is logged as having no effect. */
static void test_no_effect_keys(void) {
    static const char *const keys[] = {"offset.flush.timeout.ms", "worker.sync.timeout.ms", "topic.creation.enable"};
    static const char *const values[] = {"10000", "5000", "true"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        trib_props *p = parse(distributed_file);
        trib_props_set(p, keys[i], values[i]);
        trib_error err;
        char *log = NULL;
        trib_config *c = load_capturing(p, TRIB_MODE_DISTRIBUTED, &err, &log);
        ok(c != NULL, "%s=%s is accepted", keys[i], values[i]);
        char want[160];
        snprintf(want, sizeof want, "The configuration '%s' has no effect in Tributary: ", keys[i]);
        like(log, want, "with a warning that %s has no effect", keys[i]);
        free(log);
        trib_config_destroy(c);
        trib_props_destroy(p);
    }
}

static void test_invalid_values(void) {
    static const struct {
        const char *key, *value, *want;
    } cases[] = {
        {"listeners", "https://:8443", "HTTPS listeners are not supported yet"},
        {"listeners", "http://:8083,https://:8443", "HTTPS listeners are not supported yet"},
        {"listeners", "localhost:8083", "must look like http://host:port"},
        {"listeners", "http://host", "must look like http://host:port"},
        {"listeners", "http://host:70000", "invalid port '70000'"},
        {"listeners", "http://host:80x", "invalid port '80x'"},
        {"listeners", "http://ho/st:80", "invalid host"},
        {"listeners", "", "List must be non-empty"},
        {"rest.advertised.listener", "https", "HTTPS listeners are not supported yet"},
        {"rest.advertised.listener", "ftp", "String must be one of: http, https"},
        {"rest.advertised.port", "0", "Value must be at least 1"},
        {"rest.advertised.port", "65536", "Value must be no more than 65535"},
        {"offset.storage.replication.factor", "0", "Replication factor must be positive"},
        {"config.storage.replication.factor", "-2", "Replication factor must be positive"},
        {"status.storage.replication.factor", "40000", "Replication factor must be positive"},
        {"offset.storage.partitions", "0", "Number of partitions must be positive, or -1"},
        {"status.storage.partitions", "-5", "Number of partitions must be positive, or -1"},
        {"exactly.once.source.support", "maybe", "String must be one of: disabled, preparing, enabled"},
        {"connector.client.config.override.policy", "Some", "String must be one of: All, None, Principal"},
        {"session.timeout.ms", "abc", "Not a number of type INT"},
        {"heartbeat.interval.ms", "-1", "Value must be at least 0"},
        {"offset.flush.interval.ms", "-1", "Value must be at least 0"},
        {"offset.flush.timeout.ms", "1.5", "Not a number of type LONG"},
        {"tributary.coordination.partitions", "7", "Value must be at least 8"},
        {"tributary.coordination.partitions", "10001", "Value must be no more than 10000"},
        {"tributary.metrics.enable", "perhaps", "Expected value to be either true or false"},
        {"group.instance.id", "", "String must be non-empty"},
        {"group.id", " ", "String must be non-empty"},
        {"bootstrap.servers", ",", "List must be non-empty"},
        {"scheduled.rebalance.max.delay.ms", "2147483648", "Not a number of type INT"},
        {"header.converter", "AvroConverter", "AvroConverter is not a header converter"},
        {"header.converter", "com.example.NoSuch", "Class com.example.NoSuch could not be found."},
    };
    trib_props *base = parse(distributed_file);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        trib_props *p = trib_props_clone(base);
        trib_props_set(p, cases[i].key, cases[i].value);
        trib_error err;
        trib_error_clear(&err);
        trib_config *c = trib_worker_config_load(p, TRIB_MODE_DISTRIBUTED, &err);
        ok(c == NULL, "%s=%s is refused", cases[i].key, cases[i].value);
        trib_config_destroy(c);
        char want[200];
        snprintf(want, sizeof want, "for configuration %s: ", cases[i].key);
        like(err.msg, want, "the error names %s", cases[i].key);
        like(err.msg, cases[i].want, "the error explains %s=%s", cases[i].key, cases[i].value);
        trib_props_destroy(p);
    }

    /* Two bad keys: both named. */
    trib_props *p = trib_props_clone(base);
    trib_props_set(p, "session.timeout.ms", "x");
    trib_props_set(p, "listeners", "https://:1");
    trib_error err;
    trib_error_clear(&err);
    ok(trib_worker_config_load(p, TRIB_MODE_DISTRIBUTED, &err) == NULL, "two bad keys are refused");
    like(err.msg, "configuration session.timeout.ms", "the first is named");
    like(err.msg, "configuration listeners", "the second is named");
    trib_props_destroy(p);

    /* Accepted edge values. */
    static const struct { const char *key, *value; } good[] = {
        {"offset.storage.partitions", "-1"},
        {"connector.client.config.override.policy", "principal"},
        {"connector.client.config.override.policy",
         "org.apache.kafka.connect.connector.policy.NoneConnectorClientConfigOverridePolicy"},
        {"listeners", "http://[::1]:8083/"},
        {"rest.advertised.listener", "HTTP"},
        {"tributary.coordination.partitions", "8"},
        {"tributary.coordination.partitions", "10000"},
    };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        p = trib_props_clone(base);
        trib_props_set(p, good[i].key, good[i].value);
        trib_error_clear(&err);
        trib_config *c = trib_worker_config_load(p, TRIB_MODE_DISTRIBUTED, &err);
        ok(c != NULL, "%s=%s is accepted", good[i].key, good[i].value);
        if (!c) diag("%s", err.msg);
        trib_config_destroy(c);
        trib_props_destroy(p);
    }
    p = trib_props_clone(base);
    trib_props_set(p, "connector.client.config.override.policy",
                   "org.apache.kafka.connect.connector.policy.PrincipalConnectorClientConfigOverridePolicy");
    trib_config *c = trib_worker_config_load(p, TRIB_MODE_DISTRIBUTED, NULL);
    is_str(c ? trib_worker_client_override_policy(c) : NULL, "Principal", "a policy class name maps to its alias");
    trib_config_destroy(c);
    trib_props_destroy(p);
    trib_props_destroy(base);
}

static void test_unknown_keys(void) {
    trib_props *p = parse(standalone_file);
    trib_props_set(p, "no.such.setting", "1");
    trib_props_set(p, "group.id", "standalone-has-none");
    trib_props_set(p, "plugin.path", "/usr/share/java");
    trib_props_set(p, "ssl.truststore.location", "/x");
    trib_props_set(p, "sasl.mechanism", "PLAIN");
    trib_props_set(p, "listeners.https.ssl.keystore.location", "/k");
    trib_props_set(p, "config.providers", "file");
    trib_props_set(p, "config.providers.file.class", "x");
    trib_props_set(p, "header.converter.x", "y");
    trib_error err;
    char *log = NULL;
    trib_config *c = load_capturing(p, TRIB_MODE_STANDALONE, &err, &log);
    ok(c != NULL, "unknown keys are not fatal");
    like(log, "WARN", "unknown keys are logged at WARN");
    like(log, "The configuration 'no.such.setting' was supplied but isn't a known config.", "the warning names the key");
    like(log, "'group.id' was supplied", "a distributed-only key is unknown in standalone mode");
    ok(!strstr(log, "plugin.path"), "plugin.path is a known key (the plugin module directories)");
    ok(!strstr(log, "ssl.truststore") && !strstr(log, "sasl.") && !strstr(log, "listeners.https") &&
           !strstr(log, "config.providers") && !strstr(log, "header.converter.x"),
       "ssl.*, sasl.*, listeners.https.*, config.providers*, header.converter.* pass through silently");
    ok(!strstr(log, "has no effect"), "a file without the no-effect keys gets no such warning");
    ok(trib_worker_config_passthrough("tenant.acme.x") && !trib_worker_config_passthrough("tenants"),
       "tenant.* is reserved, but only with the dot");
    free(log);
    trib_config_destroy(c);
    trib_props_destroy(p);
}

static void test_listeners(void) {
    trib_props *p = parse(standalone_file);
    trib_props_set(p, "listeners", " http://:8083 , HTTP://127.0.0.1:9000, http://[::1]:0/ ");
    trib_error err;
    trib_config *c = trib_worker_config_load(p, TRIB_MODE_STANDALONE, &err);
    ok(c != NULL, "several listeners load");
    char **hosts = NULL;
    int *ports = NULL;
    size_t n = 0;
    ok(c && trib_worker_listeners(c, &hosts, &ports, &n, &err) == 0, "listeners parse");
    is_int(n, 3, "three listeners");
    if (n == 3) {
        is_str(hosts[0], "", "an empty host means all interfaces");
        is_int(ports[0], 8083, "first port");
        is_str(hosts[1], "127.0.0.1", "an explicit host (scheme in any case)");
        is_int(ports[1], 9000, "second port");
        is_str(hosts[2], "::1", "an IPv6 host loses its brackets");
        is_int(ports[2], 0, "port 0 (ephemeral) is allowed");
        ok(hosts[3] == NULL, "hosts is NULL-terminated");
    }
    trib_strv_free(hosts);
    free(ports);
    char *id = trib_worker_advertised_id(c);
    char hn[256], want[300];
    gethostname(hn, sizeof hn);
    snprintf(want, sizeof want, "%s:8083", hn);
    is_str(id, want, "an empty first listener host advertises the hostname");
    free(id);
    trib_config_destroy(c);

    trib_props_set(p, "listeners", "http://10.0.0.5:8084");
    c = trib_worker_config_load(p, TRIB_MODE_STANDALONE, &err);
    id = trib_worker_advertised_id(c);
    is_str(id, "10.0.0.5:8084", "the first listener's host and port are advertised");
    free(id);
    trib_config_destroy(c);

    trib_props_set(p, "rest.advertised.host.name", "worker-1.example");
    trib_props_set(p, "rest.advertised.port", "18083");
    c = trib_worker_config_load(p, TRIB_MODE_STANDALONE, &err);
    id = trib_worker_advertised_id(c);
    is_str(id, "worker-1.example:18083", "rest.advertised.* win");
    free(id);
    trib_config_destroy(c);

    trib_props_remove(p, "rest.advertised.host.name");
    trib_props_remove(p, "rest.advertised.port");
    trib_props_set(p, "listeners", "http://[fe80::1]:8083");
    c = trib_worker_config_load(p, TRIB_MODE_STANDALONE, &err);
    id = trib_worker_advertised_id(c);
    is_str(id, "[fe80::1]:8083", "an IPv6 host is advertised in brackets");
    free(id);
    trib_config_destroy(c);
    trib_props_destroy(p);

    char *host = NULL;
    int port = 0;
    trib_error_clear(&err);
    ok(trib_worker_parse_listener("https://x:1", &host, &port, &err) == -1 && host == NULL,
       "parse_listener refuses https and returns no host");
    like(err.msg, "not supported yet", "with a clear error");
}

static void gen_docs(const char *path) {
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    trib_strbuf_puts(&sb,
        "# Worker configuration reference\n\n"
        "<!-- Generated from worker/worker_config.c; do not edit by hand. Regenerate with:\n"
        "     cmake --build build-config --target unit_test_worker_config &&\n"
        "     TRIB_GEN_DOCS=docs/config-reference.md build-config/tests/unit/test_worker_config.t -->\n\n"
        "Tributary reads the same worker properties files as Kafka Connect\n"
        "(`connect-standalone.properties`, `connect-distributed.properties`): the keys below keep\n"
        "Connect's names, types and defaults. Unknown keys are logged as warnings, never refused.\n"
        "Keys in these groups are passed through without being listed here: `producer.*`,\n"
        "`consumer.*`, `admin.*` (worker client settings), `key.converter.*`, `value.converter.*`,\n"
        "`header.converter.*` (converter settings), `config.providers*` (config providers:\n"
        "[config-providers.md](config-providers.md)), `listeners.https.*`, `ssl.*`, `sasl.*`,\n"
        "`security.protocol`, and `tenant.*` (reserved for multi-tenancy).\n\n");
    char *md = trib_config_describe_markdown(trib_worker_config_defs(TRIB_MODE_STANDALONE), "Standalone mode");
    trib_strbuf_puts(&sb, md);
    free(md);
    trib_strbuf_puts(&sb, "\n");
    md = trib_config_describe_markdown(trib_worker_config_defs(TRIB_MODE_DISTRIBUTED), "Distributed mode");
    trib_strbuf_puts(&sb, md);
    free(md);
    trib_error err;
    ok(trib_write_file_atomic(path, sb.data, sb.len, &err) == 0, "docs written to %s", path);
    trib_strbuf_free(&sb);
}

/* Tasks and the herder read a few settings from unbound properties: the
 * table's default must apply when a key is absent or unusable. */
static void test_unbound_reads(void) {
    trib_props *p = trib_props_new();
    is_int((int)trib_worker_config_long(p, "offset.flush.interval.ms"), 60000,
           "offset.flush.interval.ms absent: the table's default");
    is_int((int)trib_worker_config_long(p, "task.shutdown.graceful.timeout.ms"), 5000,
           "task.shutdown.graceful.timeout.ms absent: the table's default");
    trib_props_set(p, "offset.flush.interval.ms", "250");
    is_int((int)trib_worker_config_long(p, "offset.flush.interval.ms"), 250, "a given value is used");
    trib_props_set(p, "offset.flush.interval.ms", "0");
    is_int((int)trib_worker_config_long(p, "offset.flush.interval.ms"), 0, "zero is a value (the row's minimum)");
    trib_props_set(p, "offset.flush.interval.ms", "-5");
    is_int((int)trib_worker_config_long(p, "offset.flush.interval.ms"), 60000, "below the minimum: the default");
    trib_props_set(p, "task.shutdown.graceful.timeout.ms", "soon");
    is_int((int)trib_worker_config_long(p, "task.shutdown.graceful.timeout.ms"), 5000,
           "not a number: the default");
    trib_props_destroy(p);
}

int main(void) {
    const char *docs = getenv("TRIB_GEN_DOCS");
    plan(190 + (docs && *docs ? 1 : 0));
    test_standalone();
    test_unbound_reads();
    test_distributed();
    test_invalid_values();
    test_no_effect_keys();
    test_unknown_keys();
    test_listeners();
    if (docs && *docs) gen_docs(docs);
    return exit_status();
}
