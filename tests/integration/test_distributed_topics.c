/*
 * Distributed mode's internal topics (the file status topic too): created
 * compacted when missing, and
 * an existing config topic that is not one compacted partition refuses
 * start with a message saying why.
 */
#include "tests/tap.h"

#include <librdkafka/rdkafka.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "common/util.h"
#include "worker/kafka_client.h"
#include "worker/worker.h"

static const char *bootstrap;

static rd_kafka_t *admin(void) {
    trib_props *p = trib_props_new();
    trib_props_set(p, "bootstrap.servers", bootstrap);
    trib_error err;
    rd_kafka_conf_t *conf = trib_kafka_conf_new(TRIB_CLIENT_ADMIN, p, NULL, NULL, &err);
    trib_props_destroy(p);
    return trib_kafka_new(RD_KAFKA_PRODUCER, conf, &err);
}

static trib_props *worker_props(const char *group, const char *config_topic) {
    trib_props *p = trib_props_new();
    trib_props_set(p, "bootstrap.servers", bootstrap);
    trib_props_set(p, "group.id", group);
    trib_props_set(p, "listeners", "http://127.0.0.1:0");
    trib_props_set(p, "key.converter", "StringConverter");
    trib_props_set(p, "value.converter", "StringConverter");
    trib_props_set(p, "config.storage.topic", config_topic);
    char *o = trib_xasprintf("%s-offsets", group), *s = trib_xasprintf("%s-status", group);
    trib_props_set(p, "offset.storage.topic", o);
    trib_props_set(p, "status.storage.topic", s);
    free(o);
    free(s);
    trib_props_set(p, "config.storage.replication.factor", "1");
    trib_props_set(p, "offset.storage.replication.factor", "1");
    trib_props_set(p, "status.storage.replication.factor", "1");
    return p;
}

int main(void) {
    bootstrap = tap_require_env("KAFKA_BOOTSTRAP");
    plan(9);
    char group[64];
    snprintf(group, sizeof group, "tt-%d-%ld", getpid(), (long)time(NULL));
    rd_kafka_t *rk = admin();
    trib_error err;

    /* a config topic with two partitions */
    char *two = trib_xasprintf("%s-two", group);
    ok(trib_kafka_ensure_topic(rk, two, 2, 1, NULL, 15000, &err) == 0, "a two-partition topic exists");
    trib_props *p = worker_props(group, two);
    trib_worker *w = trib_worker_new(p, TRIB_MODE_DISTRIBUTED, &err);
    ok(w == NULL, "a worker refuses a config topic with two partitions");
    like(err.msg, "exactly 1", "and says it must have exactly one partition");
    trib_worker_destroy(w);
    trib_props_destroy(p);

    /* a config topic with cleanup.policy=delete */
    char *del = trib_xasprintf("%s-delete", group);
    trib_props *cfg = trib_props_new();
    trib_props_set(cfg, "cleanup.policy", "delete");
    trib_kafka_ensure_topic(rk, del, 1, 1, cfg, 15000, &err);
    trib_props_destroy(cfg);
    p = worker_props(group, del);
    w = trib_worker_new(p, TRIB_MODE_DISTRIBUTED, &err);
    ok(w == NULL, "a worker refuses a config topic that is not compacted");
    like(err.msg, "must be compact", "and says it must be compacted");
    trib_worker_destroy(w);
    trib_props_destroy(p);

    /* a missing config topic is created compacted, with one partition */
    char *fresh = trib_xasprintf("%s-configs", group);
    p = worker_props(group, fresh);
    w = trib_worker_new(p, TRIB_MODE_DISTRIBUTED, &err);
    if (!w) diag("worker_new: %s", err.msg);
    int parts = 0;
    char *policy = NULL;
    trib_kafka_describe_topic(rk, fresh, &parts, &policy, 15000, &err);
    is_int(parts, 1, "the created config topic has one partition");
    is_str(policy, "compact", "the created config topic is compacted");
    free(policy);
    /* the file status topic: by default <status topic>-files, as the status topic */
    char *files = trib_xasprintf("%s-status-files", group);
    parts = 0;
    policy = NULL;
    trib_kafka_describe_topic(rk, files, &parts, &policy, 15000, &err);
    is_int(parts, 5, "the file status topic is created with the status topic's partitions");
    is_str(policy, "compact", "and compacted");
    free(policy);
    free(files);
    trib_worker_destroy(w);
    trib_props_destroy(p);

    free(two);
    free(del);
    free(fresh);
    rd_kafka_destroy(rk);
    return exit_status();
}
