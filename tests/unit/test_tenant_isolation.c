/*
 * test_tenant_isolation.c: trib_tenant_check_config, the validation every
 * tenant config passes before the herder sees it. Each config path that
 * could reach another tenant's data is tried with a hostile value and must
 * be refused with an error naming the field; legitimate values pass, and
 * file paths come back absolute inside the tenant's staging directory.
 */
#include "tests/tap.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "tenants/tenant.h"

static char base[PATH_MAX];      /* the worker's tenant.staging.root */
static char acme_root[PATH_MAX]; /* acme's staging directory (real path) */
static trib_tenant_scope scope;

/* Checks a config built from key/value pairs (NULL-terminated). */
static int check(trib_props **out, trib_error *err, ...) {
    va_list ap;
    va_start(ap, err);
    trib_props *p = trib_props_new();
    trib_props_set(p, "connector.class", "DataGen");
    for (const char *k; (k = va_arg(ap, const char *)) != NULL;) trib_props_set(p, k, va_arg(ap, const char *));
    va_end(ap);
    int rc = trib_tenant_check_config(&scope, p, err);
    if (out) *out = p;
    else trib_props_destroy(p);
    return rc;
}

#define REFUSED(field, why, ...)                                                                \
    do {                                                                                        \
        trib_error e_ = {0};                                                                    \
        int rc_ = check(NULL, &e_, __VA_ARGS__, NULL);                                          \
        ok(rc_ < 0 && (e_.code == TRIB_ERR_FORBIDDEN || e_.code == TRIB_ERR_INVALID), "%s", why); \
        like(e_.msg, field, "  ... and the error names %s", field);                             \
    } while (0)

#define ALLOWED(why, ...)                                       \
    do {                                                        \
        trib_error e_ = {0};                                    \
        int rc_ = check(NULL, &e_, __VA_ARGS__, NULL);          \
        ok(rc_ == 0, "%s", why);                                \
        if (rc_ < 0) diag("refused: %s", e_.msg);               \
    } while (0)

static void test_topics(void) {
    ALLOWED("a topic under the prefix passes", "topic", "acme.orders");
    REFUSED("topic", "another tenant's topic is refused", "topic", "globex.orders");
    REFUSED("topic", "a topic that only starts like the tenant name is refused", "topic", "acmeorders");
    REFUSED("kafka.topic", "kafka.topic is checked", "kafka.topic", "globex.x");
    REFUSED("topic.prefix", "topic.prefix is checked", "topic.prefix", "globex.");
    ALLOWED("topic.prefix under the prefix passes", "topic.prefix", "acme.pg-");
    ALLOWED("a list of own topics passes", "topics", "acme.a, acme.b");
    REFUSED("topics", "one foreign topic in a list is refused", "topics", "acme.a,globex.b");
    REFUSED("topics", "an internal topic is refused", "topics", "__consumer_offsets");
    REFUSED("errors.deadletterqueue.topic.name", "a DLQ topic outside the prefix is refused",
            "errors.deadletterqueue.topic.name", "dlq");
    ALLOWED("a DLQ topic inside passes", "errors.deadletterqueue.topic.name", "acme.dlq");
    ALLOWED("an empty DLQ topic (no DLQ) passes", "errors.deadletterqueue.topic.name", "");
    REFUSED("offsets.storage.topic", "a per-connector offsets topic outside is refused", "offsets.storage.topic",
            "connect-offsets");
    REFUSED("heartbeats.topic", "any other *.topic key is checked", "heartbeats.topic", "globex.hb");
}

static void test_regex(void) {
    ALLOWED("an escaped prefix regex passes", "topics.regex", "acme\\.orders-.*");
    ALLOWED("a leading ^ is fine", "topics.regex", "^acme\\..*");
    ALLOWED("[.] escaping passes", "topics.regex", "acme[.](a|b)");
    ALLOWED("alternation inside a group passes", "topics.regex", "acme\\.(orders|payments)");
    REFUSED("topics.regex", "an unescaped dot is refused (it matches acmeX...)", "topics.regex", "acme..*");
    REFUSED("topics.regex", "a regex matching everything is refused", "topics.regex", ".*");
    REFUSED("topics.regex", "top-level alternation is refused", "topics.regex", "acme\\.a|globex\\..*");
    REFUSED("topics.regex", "alternation after a group is refused", "topics.regex", "acme\\.(a)|.*");
    REFUSED("topics.regex", "a quantified prefix end is refused", "topics.regex", "acme\\.?.*");
    REFUSED("topics.regex", "a {0} quantifier on the prefix is refused", "topics.regex", "acme\\.{0}.*");
    REFUSED("topics.regex", "an unbalanced group is refused", "topics.regex", "acme\\.(a");
    REFUSED("topics.regex", "closing an outer group is refused", "topics.regex", "acme\\.a)|(.*");
    REFUSED("topics.regex", "an unclosed class is refused", "topics.regex", "acme\\.[a");
    ALLOWED("'|' inside a class is literal", "topics.regex", "acme\\.[|]x");
    ALLOWED("an escaped '|' is literal", "topics.regex", "acme\\.a\\|b");
    ALLOWED("\\Q...\\E quoting is literal", "topics.regex", "acme\\.\\Qa|b\\E");
    REFUSED("topics.regex", "a case-insensitive flag before the prefix is refused", "topics.regex", "(?i)ACME\\..*");
    REFUSED("topics.regex", "a lone trailing backslash is refused", "topics.regex", "acme\\.\\");
}

static void test_transforms(void) {
    ALLOWED("RegexRouter into the prefix passes", "transforms", "r", "transforms.r.type",
            "org.apache.kafka.connect.transforms.RegexRouter", "transforms.r.regex", "acme\\.(.*)",
            "transforms.r.replacement", "acme.copy-$1");
    REFUSED("transforms.r.replacement", "RegexRouter out of the prefix is refused", "transforms", "r",
            "transforms.r.type", "org.apache.kafka.connect.transforms.RegexRouter", "transforms.r.regex", "(.*)",
            "transforms.r.replacement", "globex.$1");
    REFUSED("transforms.r.replacement", "a replacement built only from the match is refused", "transforms", "r",
            "transforms.r.type", "RegexRouter", "transforms.r.regex", "acme\\.(.*)", "transforms.r.replacement", "$1");
    REFUSED("transforms.r.replacement", "a missing replacement is refused", "transforms", "r", "transforms.r.type",
            "RegexRouter");
    ALLOWED("TimestampRouter from ${topic} passes", "transforms", "t", "transforms.t.type",
            "org.apache.kafka.connect.transforms.TimestampRouter", "transforms.t.topic.format", "${topic}-${timestamp}");
    REFUSED("transforms.t.topic.format", "TimestampRouter to a fixed foreign topic is refused", "transforms", "t",
            "transforms.t.type", "TimestampRouter", "transforms.t.topic.format", "globex-${timestamp}");
    ALLOWED("a field transform passes", "transforms", "m", "transforms.m.type",
            "org.apache.kafka.connect.transforms.MaskField$Value", "transforms.m.fields", "ssn");
    ALLOWED("Validate (it never renames topics) passes", "transforms", "v", "transforms.v.type",
            "io.tributary.connect.transforms.Validate$Value", "transforms.v.rules",
            "[{\"rule_id\":\"e\",\"rule_type\":\"email\",\"column\":\"email\"}]");
    REFUSED("transforms.x.type", "an unknown transform class is refused", "transforms", "x", "transforms.x.type",
            "com.example.TopicRewriter");
    ALLOWED("a transform not in the chain is not checked (the runtime ignores it)", "transforms.r.type",
            "RegexRouter", "transforms.r.replacement", "globex.x");
}

static void test_overrides(void) {
    REFUSED("consumer.override.group.id", "overriding the consumer group is refused", "consumer.override.group.id",
            "connect-globex/orders");
    REFUSED("producer.override.client.id", "overriding client.id is refused", "producer.override.client.id",
            "globex");
    REFUSED("consumer.override.client.id", "overriding the consumer client.id is refused",
            "consumer.override.client.id", "x");
    REFUSED("producer.override.transactional.id", "overriding transactional.id is refused",
            "producer.override.transactional.id", "globex-1");
    REFUSED("producer.override.bootstrap.servers", "another cluster is refused", "producer.override.bootstrap.servers",
            "evil:9092");
    REFUSED("admin.override.metadata.broker.list", "librdkafka's alias of bootstrap.servers is refused",
            "admin.override.metadata.broker.list", "evil:9092");
    REFUSED("consumer.override.security.protocol", "security.protocol is refused",
            "consumer.override.security.protocol", "PLAINTEXT");
    REFUSED("producer.override.sasl.jaas.config", "sasl.* is refused", "producer.override.sasl.jaas.config", "x");
    REFUSED("consumer.override.ssl.keystore.location", "ssl.* is refused", "consumer.override.ssl.keystore.location",
            "/etc/x");
    REFUSED("producer.override.plugin.library.paths", "keys outside the tuning allow-list are refused",
            "producer.override.plugin.library.paths", "/tmp/evil.so");
    REFUSED("consumer.group.id", "non-override client keys are refused", "consumer.group.id", "x");
    ALLOWED("tuning overrides pass", "producer.override.linger.ms", "10", "consumer.override.max.poll.records", "50",
            "producer.override.compression.type", "zstd");
}

static void test_subjects_and_providers(void) {
    ALLOWED("TopicNameStrategy passes", "value.converter.value.subject.name.strategy",
            "io.confluent.kafka.serializers.subject.TopicNameStrategy");
    ALLOWED("TopicRecordNameStrategy passes", "value.converter.value.subject.name.strategy",
            "TopicRecordNameStrategy");
    REFUSED("key.converter.key.subject.name.strategy", "RecordNameStrategy is refused",
            "key.converter.key.subject.name.strategy", "io.confluent.kafka.serializers.subject.RecordNameStrategy");
    REFUSED("connection.password", "a config provider reference is refused", "connection.password",
            "${file:/etc/tributary/secrets.properties:pg}");
    ALLOWED("a ${topic} placeholder is not a provider", "table.name.format", "${topic}");
    REFUSED("connection.url", "libpq client files are refused", "connection.url",
            "postgresql://db/x?sslkey=/home/globex/key.pem");
    REFUSED("connection.url", "passfile is refused", "connection.url", "host=db passfile=/root/.pgpass");
    ALLOWED("a plain connection URL passes", "connection.url", "postgresql://db:5432/acme?sslmode=require");
    REFUSED("tasks.max", "a bad tasks.max is refused", "tasks.max", "-3");
}

static void test_paths(void) {
    trib_error err;
    trib_props *p = NULL;
    ok(check(&p, &err, "connector.class", "FileStreamSource", "file", "in/orders.txt", "topic", "acme.orders",
             NULL) == 0,
       "a relative file inside the staging directory passes");
    char want[PATH_MAX + 32];
    snprintf(want, sizeof want, "%s/in/orders.txt", acme_root);
    is_str(trib_props_get(p, "file"), want, "it is rewritten to an absolute path in the staging directory");
    trib_props_destroy(p);

    snprintf(want, sizeof want, "%s/out.txt", acme_root);
    ok(check(&p, &err, "connector.class", "FileStreamSink", "file", want, "topics", "acme.orders", NULL) == 0,
       "an absolute path inside passes");
    trib_props_destroy(p);

    REFUSED("file", "'..' is refused", "connector.class", "FileStreamSource", "file", "../globex/orders.txt",
            "topic", "acme.x");
    REFUSED("file", "'..' in the middle is refused", "connector.class", "FileStreamSource", "file", "in/../../x",
            "topic", "acme.x");
    REFUSED("file", "an absolute path elsewhere is refused", "connector.class", "FileStreamSource", "file",
            "/etc/passwd", "topic", "acme.x");
    char other[PATH_MAX + 32];
    snprintf(other, sizeof other, "%s/globex/orders.txt", base);
    REFUSED("file", "another tenant's staging file is refused", "connector.class", "FileStreamSource", "file", other,
            "topic", "acme.x");
    snprintf(other, sizeof other, "%s/acme-evil/x.txt", base);
    REFUSED("file", "a sibling directory sharing the name's start is refused", "connector.class",
            "FileStreamSource", "file", other, "topic", "acme.x");
    REFUSED("file", "a symlink to another tenant's directory is refused", "connector.class", "FileStreamSource",
            "file", "link-to-globex/orders.txt", "topic", "acme.x");
    REFUSED("file", "a symlinked file pointing outside is refused", "connector.class", "FileStreamSource", "file",
            "passwd-link", "topic", "acme.x");
    REFUSED("file", "a file connector without a file (stdin/stdout) is refused", "connector.class",
            "org.apache.kafka.connect.file.FileStreamSinkConnector", "topics", "acme.x");
    REFUSED("input.path", "other path keys are checked", "input.path", "/var/lib");
    REFUSED("ssl.truststore.location", "*.location keys are checked", "ssl.truststore.location", "/etc/ssl/x");

    trib_tenant_scope none = {.tenant = "acme", .topic_prefix = "acme.", .staging_root = NULL};
    char *out = NULL;
    ok(trib_tenant_resolve_path(NULL, "file", "x.txt", &out, &err) < 0 && err.code == TRIB_ERR_FORBIDDEN,
       "without tenant.staging.root no file is allowed");
    like(err.msg, "tenant.staging.root", "the error says why");
    (void)none;
    ok(trib_tenant_resolve_path(acme_root, "file", "a/b/c/new.txt", &out, &err) == 0 && out &&
           trib_str_startswith(out, acme_root),
       "a path through directories that do not exist yet stays inside");
    free(out);
}

/* PATCH offsets bodies (item 10 of issue 14): another tenant's partition
 * or an internal topic is refused naming it; source offsets pass. */
static void test_offsets(void) {
    trib_error e;
    json_t *b = json_loads("{\"offsets\":[{\"partition\":{\"kafka_topic\":\"acme.orders\",\"kafka_partition\":0},"
                           "\"offset\":{\"kafka_offset\":5}}]}", 0, NULL);
    ok(trib_tenant_check_offsets(&scope, b, &e) == 0, "offsets of the tenant's own partition pass");
    json_decref(b);
    b = json_loads("{\"offsets\":[{\"partition\":{\"kafka_topic\":\"acme.orders\",\"kafka_partition\":0},"
                   "\"offset\":null},{\"partition\":{\"kafka_topic\":\"globex.orders\",\"kafka_partition\":1},"
                   "\"offset\":{\"kafka_offset\":0}}]}", 0, NULL);
    ok(trib_tenant_check_offsets(&scope, b, &e) < 0 && e.code == TRIB_ERR_FORBIDDEN,
       "another tenant's partition anywhere in the list is refused");
    like(e.msg, "globex.orders", "naming the topic");
    like(e.msg, "offsets[1]", "and the entry");
    json_decref(b);
    b = json_loads("{\"offsets\":[{\"partition\":{\"kafka_topic\":\"__consumer_offsets\",\"kafka_partition\":0},"
                   "\"offset\":null}]}", 0, NULL);
    ok(trib_tenant_check_offsets(&scope, b, &e) < 0 && e.code == TRIB_ERR_FORBIDDEN, "an internal topic is refused");
    json_decref(b);
    b = json_loads("{\"offsets\":[{\"partition\":{\"kafka_topic\":7},\"offset\":null}]}", 0, NULL);
    ok(trib_tenant_check_offsets(&scope, b, &e) < 0 && e.code == TRIB_ERR_INVALID, "a non-string topic is invalid");
    json_decref(b);
    b = json_loads("{\"offsets\":[{\"partition\":{\"filename\":\"/x\"},\"offset\":{\"position\":3}}]}", 0, NULL);
    ok(trib_tenant_check_offsets(&scope, b, &e) == 0, "source offsets (no kafka_topic) are the herder's to check");
    json_decref(b);
}

int main(void) {
    (void)plan;
    char tmpl[] = "/tmp/trib_tenant_iso_XXXXXX";
    if (!mkdtemp(tmpl)) BAIL_OUT("mkdtemp");
    if (!realpath(tmpl, base)) BAIL_OUT("realpath");
    char d[PATH_MAX + 64];
    snprintf(d, sizeof d, "%s/acme", base);
    mkdir(d, 0750);
    snprintf(d, sizeof d, "%s/acme/in", base);
    mkdir(d, 0750);
    snprintf(d, sizeof d, "%s/globex", base);
    mkdir(d, 0750);
    snprintf(d, sizeof d, "%s/acme-evil", base);
    mkdir(d, 0750);
    char target[PATH_MAX + 64];
    snprintf(target, sizeof target, "%s/globex", base);
    snprintf(d, sizeof d, "%s/acme/link-to-globex", base);
    if (symlink(target, d) != 0) BAIL_OUT("symlink");
    snprintf(d, sizeof d, "%s/acme/passwd-link", base);
    if (symlink("/etc/passwd", d) != 0) BAIL_OUT("symlink");
    snprintf(d, sizeof d, "%s/acme", base);
    if (!realpath(d, acme_root)) BAIL_OUT("realpath");
    scope.tenant = "acme";
    scope.topic_prefix = "acme.";
    scope.staging_root = acme_root;

    test_topics();
    test_regex();
    test_transforms();
    test_overrides();
    test_subjects_and_providers();
    test_paths();
    test_offsets();

    char cmd[PATH_MAX + 32];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
    if (system(cmd) != 0) diag("could not remove %s", base);
    done_testing();
    return exit_status();
}
