/*
 * kafka_client.c: see kafka_client.h.
 */
#include "worker/kafka_client.h"
#include "common/log.h"
#include "common/time.h"
#include "common/util.h"

#include <stdlib.h>
#include <string.h>

/* Keys that belong to Tributary's worker config and not to librdkafka, even
 * though they arrive under a client prefix in some Connect setups. */
static bool is_java_only_key(const char *key) {
    static const char *const java_only[] = {
        "key.serializer", "value.serializer", "key.deserializer", "value.deserializer",
        "interceptor.classes", "metric.reporters", "max.poll.records", "request.timeout.ms",
        "default.api.timeout.ms", "buffer.memory", "max.block.ms",
        /* the worker's own admin.* key (under the admin client prefix) */
        "token.file",
        NULL};
    for (int i = 0; java_only[i]; i++)
        if (strcmp(key, java_only[i]) == 0) return true;
    return false;
}

int trib_kafka_conf_set(rd_kafka_conf_t *conf, const char *key, const char *value, trib_error *err) {
    char errstr[512];
    if (rd_kafka_conf_set(conf, key, value, errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
        return trib_error_set(err, TRIB_ERR_INVALID, "invalid Kafka client setting %s: %s", key, errstr);
    return 0;
}

static int apply_props(rd_kafka_conf_t *conf, const trib_props *p, const char *origin, trib_error *err) {
    for (size_t i = 0; i < trib_props_count(p); i++) {
        const char *k = trib_props_key_at(p, i), *v = trib_props_value_at(p, i);
        if (is_java_only_key(k)) {
            TRIB_DEBUG("kafka", "ignoring Java client setting %s%s (no librdkafka equivalent)", origin, k);
            continue;
        }
        if (trib_kafka_conf_set(conf, k, v, err) < 0) return trib_error_prefix(err, "%s%s", origin, k);
    }
    return 0;
}

rd_kafka_conf_t *trib_kafka_conf_new(trib_client_role role, const trib_props *worker_props,
                                     const trib_props *connector_config, const trib_props *defaults,
                                     trib_error *err) {
    static const char *const worker_prefix[] = {"producer.", "consumer.", "admin."};
    static const char *const override_prefix[] = {"producer.override.", "consumer.override.", "admin.override."};
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    trib_props *wp = NULL, *cp = NULL;
    /* librdkafka logs through our logger, not straight to stderr */
    if (apply_props(conf, defaults, "", err) < 0) goto fail;
    const char *bs = trib_props_get_or(worker_props, "bootstrap.servers", "localhost:9092");
    if (trib_kafka_conf_set(conf, "bootstrap.servers", bs, err) < 0) goto fail;
    /* security settings given at the worker's top level apply to every client */
    for (size_t i = 0; i < trib_props_count(worker_props); i++) {
        const char *k = trib_props_key_at(worker_props, i);
        if (trib_str_startswith(k, "ssl.") || trib_str_startswith(k, "sasl.") ||
            strcmp(k, "security.protocol") == 0)
            if (trib_kafka_conf_set(conf, k, trib_props_value_at(worker_props, i), err) < 0) goto fail;
    }
    wp = trib_props_subset(worker_props, worker_prefix[role]);
    if (apply_props(conf, wp, worker_prefix[role], err) < 0) goto fail;
    if (connector_config) {
        cp = trib_props_subset(connector_config, override_prefix[role]);
        if (trib_props_count(cp) > 0) {
            const char *policy = trib_props_get_or(worker_props, "connector.client.config.override.policy", "All");
            if (strcmp(policy, "None") == 0) {
                trib_error_set(err, TRIB_ERR_INVALID,
                               "%s%s: client config overrides are not allowed by the worker's "
                               "connector.client.config.override.policy=None",
                               override_prefix[role], trib_props_key_at(cp, 0));
                goto fail;
            }
            if (strcmp(policy, "Principal") == 0) {
                for (size_t i = 0; i < trib_props_count(cp); i++) {
                    const char *k = trib_props_key_at(cp, i);
                    if (strcmp(k, "sasl.jaas.config") != 0 && strcmp(k, "sasl.mechanism") != 0 &&
                        strcmp(k, "security.protocol") != 0) {
                        trib_error_set(err, TRIB_ERR_INVALID,
                                       "%s%s: only principal settings may be overridden under "
                                       "connector.client.config.override.policy=Principal",
                                       override_prefix[role], k);
                        goto fail;
                    }
                }
            }
            if (apply_props(conf, cp, override_prefix[role], err) < 0) goto fail;
        }
    }
    trib_props_destroy(wp);
    trib_props_destroy(cp);
    return conf;
fail:
    trib_props_destroy(wp);
    trib_props_destroy(cp);
    rd_kafka_conf_destroy(conf);
    return NULL;
}

static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
    (void)rk;
    trib_log_level l = level <= 3 ? TRIB_LOG_ERROR : level <= 4 ? TRIB_LOG_WARN
                     : level <= 6 ? TRIB_LOG_INFO : TRIB_LOG_DEBUG;
    /* librdkafka reports transient broker disconnects at ERROR; they are
     * retried internally, so they are warnings for us. */
    if (l == TRIB_LOG_ERROR) l = TRIB_LOG_WARN;
    trib_log(l, "kafka", "%s: %s", fac, buf);
}

rd_kafka_t *trib_kafka_new(rd_kafka_type_t type, rd_kafka_conf_t *conf, trib_error *err) {
    char errstr[512];
    rd_kafka_conf_set_log_cb(conf, log_cb);
    rd_kafka_t *rk = rd_kafka_new(type, conf, errstr, sizeof errstr);
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        trib_error_set(err, TRIB_ERR_INVALID, "kafka: cannot create client: %s", errstr);
    }
    return rk;
}

bool trib_kafka_err_is_retriable(rd_kafka_resp_err_t code) {
    switch (code) {
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__QUEUE_FULL:
    case RD_KAFKA_RESP_ERR__RESOLVE:
    case RD_KAFKA_RESP_ERR__WAIT_COORD:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
    case RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS:
        return true;
    default:
        return false;
    }
}

int trib_kafka_error(trib_error *err, rd_kafka_resp_err_t code, const char *context) {
    return trib_error_set(err, trib_kafka_err_is_retriable(code) ? TRIB_ERR_RETRIABLE : TRIB_ERR_FATAL,
                          "kafka: %s: %s", context, rd_kafka_err2str(code));
}

int trib_kafka_error_obj(trib_error *err, const rd_kafka_error_t *e, const char *context) {
    rd_kafka_resp_err_t code = rd_kafka_error_code(e);
    bool retriable = rd_kafka_error_is_retriable(e) || trib_kafka_err_is_retriable(code);
    return trib_error_set(err, retriable ? TRIB_ERR_RETRIABLE : TRIB_ERR_FATAL, "kafka: %s: %s", context,
                          rd_kafka_error_string(e));
}

static int create_topic_once(rd_kafka_t *rk, const char *topic, int partitions, int replication,
                             const trib_props *configs, int timeout_ms, rd_kafka_resp_err_t *code,
                             char *msg, size_t msgsz) {
    char errstr[512];
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, partitions, replication, errstr, sizeof errstr);
    if (!nt) {
        snprintf(msg, msgsz, "%s", errstr);
        *code = RD_KAFKA_RESP_ERR__INVALID_ARG;
        return -1;
    }
    for (size_t i = 0; i < trib_props_count(configs); i++)
        rd_kafka_NewTopic_set_config(nt, trib_props_key_at(configs, i), trib_props_value_at(configs, i));
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_operation_timeout(opts, timeout_ms, errstr, sizeof errstr);
    rd_kafka_AdminOptions_set_request_timeout(opts, timeout_ms, errstr, sizeof errstr);
    rd_kafka_CreateTopics(rk, &nt, 1, opts, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, timeout_ms + 2000);
    int rc = -1;
    *code = RD_KAFKA_RESP_ERR__TIMED_OUT;
    snprintf(msg, msgsz, "timed out creating topic");
    if (ev) {
        if (rd_kafka_event_error(ev)) {
            *code = rd_kafka_event_error(ev);
            snprintf(msg, msgsz, "%s", rd_kafka_event_error_string(ev));
        } else {
            const rd_kafka_CreateTopics_result_t *res = rd_kafka_event_CreateTopics_result(ev);
            size_t n;
            const rd_kafka_topic_result_t **tr = rd_kafka_CreateTopics_result_topics(res, &n);
            *code = n ? rd_kafka_topic_result_error(tr[0]) : RD_KAFKA_RESP_ERR__FAIL;
            const char *m = n ? rd_kafka_topic_result_error_string(tr[0]) : NULL;
            snprintf(msg, msgsz, "%s", m ? m : rd_kafka_err2str(*code));
            rc = (*code == RD_KAFKA_RESP_ERR_NO_ERROR || *code == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) ? 0 : -1;
        }
        rd_kafka_event_destroy(ev);
    }
    rd_kafka_AdminOptions_destroy(opts);
    rd_kafka_queue_destroy(q);
    rd_kafka_NewTopic_destroy(nt);
    return rc;
}

/* After a create (ours or a concurrent worker's), the topic may take a
 * moment to show in metadata: wait for it so callers can describe it. */
static int wait_visible(rd_kafka_t *rk, const char *topic, int timeout_ms, trib_error *err) {
    int64_t deadline = trib_mono_ms() + timeout_ms;
    for (;;) {
        int parts;
        trib_error derr;
        if (trib_kafka_describe_topic(rk, topic, &parts, NULL, timeout_ms, &derr) == 0) return 0;
        if (derr.code != TRIB_ERR_NOT_FOUND && !trib_error_is_retriable(&derr)) {
            if (err) *err = derr;
            return -1;
        }
        if (trib_mono_ms() >= deadline)
            return trib_error_set(err, TRIB_ERR_TIMEOUT, "kafka: topic %s was created but does not show in "
                                  "metadata after %d ms", topic, timeout_ms);
        trib_sleep_ms(200);
    }
}

int trib_kafka_ensure_topic(rd_kafka_t *rk, const char *topic, int partitions, int replication,
                            const trib_props *configs, int timeout_ms, trib_error *err) {
    rd_kafka_resp_err_t code;
    char msg[512];
    if (create_topic_once(rk, topic, partitions, replication, configs, timeout_ms, &code, msg, sizeof msg) == 0)
        return wait_visible(rk, topic, timeout_ms, err);
    if (code == RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR && replication != -1) {
        TRIB_WARN("kafka", "topic %s: replication factor %d is more than the cluster has (%s); "
                  "using the broker default", topic, replication, msg);
        if (create_topic_once(rk, topic, partitions, -1, configs, timeout_ms, &code, msg, sizeof msg) == 0)
            return wait_visible(rk, topic, timeout_ms, err);
    }
    return trib_error_set(err, trib_kafka_err_is_retriable(code) ? TRIB_ERR_RETRIABLE : TRIB_ERR_FATAL,
                          "kafka: cannot create topic %s: %s", topic, msg);
}

int trib_kafka_describe_topic(rd_kafka_t *rk, const char *topic, int *partitions,
                              char **cleanup_policy, int timeout_ms, trib_error *err) {
    /* Ask for all topics: a request naming the topic would make a broker
     * with auto.create.topics.enable create it, with default settings. */
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 1, NULL, &md, timeout_ms);
    if (e) return trib_kafka_error(err, e, "metadata");
    int rc = 0;
    const struct rd_kafka_metadata_topic *mt = NULL;
    for (int i = 0; i < md->topic_cnt; i++)
        if (strcmp(md->topics[i].topic, topic) == 0) mt = &md->topics[i];
    if (!mt || mt->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
        rc = trib_error_set(err, TRIB_ERR_NOT_FOUND, "kafka: topic %s does not exist", topic);
    } else if (mt->err) {
        rc = trib_kafka_error(err, mt->err, topic);
    } else {
        *partitions = mt->partition_cnt;
    }
    rd_kafka_metadata_destroy(md);
    if (rc < 0 || !cleanup_policy) return rc;

    *cleanup_policy = NULL;
    char errstr[256];
    rd_kafka_ConfigResource_t *res = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
    rd_kafka_AdminOptions_set_request_timeout(opts, timeout_ms, errstr, sizeof errstr);
    rd_kafka_DescribeConfigs(rk, &res, 1, opts, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, timeout_ms + 2000);
    if (!ev || rd_kafka_event_error(ev)) {
        rc = trib_error_set(err, TRIB_ERR_RETRIABLE, "kafka: cannot describe topic %s: %s", topic,
                            ev ? rd_kafka_event_error_string(ev) : "timed out");
    } else {
        const rd_kafka_DescribeConfigs_result_t *r = rd_kafka_event_DescribeConfigs_result(ev);
        size_t nres;
        const rd_kafka_ConfigResource_t **rs = rd_kafka_DescribeConfigs_result_resources(r, &nres);
        for (size_t i = 0; i < nres; i++) {
            size_t nc;
            const rd_kafka_ConfigEntry_t **ce = rd_kafka_ConfigResource_configs(rs[i], &nc);
            for (size_t j = 0; j < nc; j++)
                if (strcmp(rd_kafka_ConfigEntry_name(ce[j]), "cleanup.policy") == 0 && rd_kafka_ConfigEntry_value(ce[j]))
                    *cleanup_policy = trib_xstrdup(rd_kafka_ConfigEntry_value(ce[j]));
        }
    }
    if (ev) rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(opts);
    rd_kafka_queue_destroy(q);
    rd_kafka_ConfigResource_destroy(res);
    return rc;
}

char *trib_kafka_cluster_id(rd_kafka_t *rk, int timeout_ms) {
    char *id = rd_kafka_clusterid(rk, timeout_ms);
    if (!id) return NULL;
    char *copy = trib_xstrdup(id);
    rd_kafka_mem_free(rk, id);
    return copy;
}
