/*
 * coordinator.c: group membership through a consumer group over the
 * coordination topic. See coordinator.h.
 *
 * The thread only polls the consumer: assignments arrive in the rebalance
 * callback (cooperative-sticky, so a rebalance moves only what it must)
 * and are paused at once since the topic carries no data.
 */
#include "worker/coordinator.h"
#include "common/log.h"
#include "common/time.h"
#include "common/util.h"
#include "worker/kafka_client.h"

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct trib_coordinator {
    rd_kafka_t *rk;
    char *group_id;
    char *topic;
    char *worker_id;
    trib_coord_change_fn on_change;
    void *opaque;
    pthread_t thread;
    atomic_bool stop;
    pthread_mutex_t lock;
    int owned;           /* number of slots held */
    bool leader;         /* holds slot 0 */
    atomic_llong generation;
    /* Local lease: the poll thread's last turn. A process frozen (SIGSTOP,
     * a stalled VM) for longer than the session has been dropped by the
     * group, whatever librdkafka has yet to notice: it fences itself
     * until the next assignment. */
    int64_t session_ms;
    atomic_llong last_poll_ms;
    atomic_bool suspect;
    /* DescribeConsumerGroups (trib_coordinator_members, herder thread
     * only): its results arrive on describe_q; describe_pending while one
     * is in flight. librdkafka (2.0.2, and 2.8.0 without our patch) can
     * abort in a coordinator-targeted Admin request that fails while the
     * broker is unreachable (issue #4605, "eonce->refcnt > 0"), so at most
     * one is in flight and none is sent while the cluster does not answer
     * a metadata request. */
    rd_kafka_queue_t *describe_q;
    bool describe_pending;
};

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t code, rd_kafka_topic_partition_list_t *parts,
                         void *opaque) {
    trib_coordinator *c = opaque;
    rd_kafka_error_t *e = NULL;
    bool zero = rd_kafka_topic_partition_list_find(parts, c->topic, 0) != NULL;
    pthread_mutex_lock(&c->lock);
    if (code == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        if (atomic_exchange(&c->suspect, false)) TRIB_INFO("coordinator", "rejoined the worker group");
        e = rd_kafka_incremental_assign(rk, parts);
        rd_kafka_pause_partitions(rk, parts);
        c->owned += parts->cnt;
        if (zero) c->leader = true;
    } else {
        bool lost = rd_kafka_assignment_lost(rk);
        e = rd_kafka_incremental_unassign(rk, parts);
        c->owned -= parts->cnt;
        if (c->owned < 0 || lost) c->owned = 0;
        if (zero || lost) c->leader = false;
        if (lost) TRIB_WARN("coordinator", "assignment lost (session timed out?): stopping local work");
    }
    int owned = c->owned;
    bool leader = c->leader;
    pthread_mutex_unlock(&c->lock);
    if (e) {
        TRIB_ERROR("coordinator", "rebalance: %s", rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
    }
    atomic_fetch_add(&c->generation, 1);
    TRIB_INFO("coordinator", "%s %d slot(s): now holding %d%s", code == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS ? "assigned" : "revoked",
              parts->cnt, owned, leader ? " (leader)" : "");
    if (c->on_change) c->on_change(c->opaque);
}

static void *coord_thread(void *arg) {
    trib_coordinator *c = arg;
    while (!atomic_load(&c->stop)) {
        int64_t now = trib_mono_ms(), last = atomic_load(&c->last_poll_ms);
        if (last && now - last > c->session_ms && !atomic_exchange(&c->suspect, true))
            TRIB_WARN("coordinator", "this worker was frozen for %lld ms (more than session.timeout.ms=%lld): "
                      "holding all work until it rejoins the group", (long long)(now - last), (long long)c->session_ms);
        atomic_store(&c->last_poll_ms, now);
        rd_kafka_message_t *m = rd_kafka_consumer_poll(c->rk, 100);
        if (m) rd_kafka_message_destroy(m);
    }
    return NULL;
}

trib_coordinator *trib_coordinator_start(const trib_coordinator_spec *spec, trib_error *err) {
    trib_coordinator *c = trib_xcalloc(1, sizeof *c);
    c->group_id = trib_xstrdup(spec->group_id);
    c->topic = trib_xasprintf("%s-coord", spec->group_id);
    c->worker_id = trib_xstrdup(spec->worker_id);
    c->on_change = spec->on_change;
    c->opaque = spec->opaque;
    pthread_mutex_init(&c->lock, NULL);
    atomic_init(&c->stop, false);
    atomic_init(&c->generation, 0);
    atomic_init(&c->last_poll_ms, 0);
    atomic_init(&c->suspect, false);
    /* librdkafka's session default is 45 s; the worker's is 10 s */
    c->session_ms = spec->session_timeout_ms > 0 ? spec->session_timeout_ms : 45000;

    trib_props *d = trib_props_new();
    trib_props_set(d, "group.id", spec->group_id);
    trib_props_set(d, "client.id", spec->worker_id);
    trib_props_set(d, "partition.assignment.strategy", "cooperative-sticky");
    trib_props_set(d, "enable.auto.commit", "false");
    trib_props_set(d, "auto.offset.reset", "latest");
    /* Always the worker's values, defaults included: leaving a key unset
     * would give librdkafka's defaults (a 45 s session), not the ones the
     * worker documents (10 s), and a killed worker's tasks would wait 45 s. */
    const struct { const char *key; int64_t v; } timing[] = {
        {"session.timeout.ms", spec->session_timeout_ms},
        {"heartbeat.interval.ms", spec->heartbeat_interval_ms},
        {"max.poll.interval.ms", spec->rebalance_timeout_ms},   /* Connect's rebalance.timeout.ms */
    };
    for (size_t i = 0; i < sizeof timing / sizeof timing[0]; i++)
        if (timing[i].v > 0) {
            char num[24];
            snprintf(num, sizeof num, "%lld", (long long)timing[i].v);
            trib_props_set(d, timing[i].key, num);
        }
    const char *gi = trib_props_get(spec->worker_props, "group.instance.id");
    if (gi && *gi) trib_props_set(d, "group.instance.id", gi);
    rd_kafka_conf_t *conf = trib_kafka_conf_new(TRIB_CLIENT_CONSUMER, spec->worker_props, NULL, d, err);
    trib_props_destroy(d);
    if (!conf) goto fail;
    /* the worker's identity is not for consumer.* settings to change */
    if (trib_kafka_conf_set(conf, "group.id", spec->group_id, err) < 0 ||
        trib_kafka_conf_set(conf, "client.id", spec->worker_id, err) < 0) {
        rd_kafka_conf_destroy(conf);
        goto fail;
    }
    rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
    rd_kafka_conf_set_opaque(conf, c);
    c->rk = trib_kafka_new(RD_KAFKA_CONSUMER, conf, err);
    if (!c->rk) goto fail;
    rd_kafka_poll_set_consumer(c->rk);
    c->describe_q = rd_kafka_queue_new(c->rk);
    if (trib_kafka_ensure_topic(c->rk, c->topic, spec->partitions, -1, NULL, 15000, err) < 0) goto fail;
    int have = 0;
    if (trib_kafka_describe_topic(c->rk, c->topic, &have, NULL, 15000, err) < 0) goto fail;
    if (have != spec->partitions)
        TRIB_WARN("coordinator", "%s has %d partitions, not tributary.coordination.partitions=%d; using %d",
                  c->topic, have, spec->partitions, have);
    rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, c->topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(c->rk, sub);
    rd_kafka_topic_partition_list_destroy(sub);
    if (e) {
        trib_kafka_error(err, e, "subscribe to the coordination topic");
        goto fail;
    }
    if (pthread_create(&c->thread, NULL, coord_thread, c) != 0) {
        trib_error_set(err, TRIB_ERR_INTERNAL, "cannot start the coordinator thread");
        goto fail;
    }
    return c;
fail:
    if (c->describe_q) rd_kafka_queue_destroy(c->describe_q);
    if (c->rk) rd_kafka_destroy(c->rk);
    free(c->group_id);
    free(c->topic);
    free(c->worker_id);
    pthread_mutex_destroy(&c->lock);
    free(c);
    return NULL;
}

void trib_coordinator_stop(trib_coordinator *c) {
    if (!c) return;
    atomic_store(&c->stop, true);
    pthread_join(c->thread, NULL);
    /* close() sends LeaveGroup: the others rebalance now, not after
     * session.timeout.ms (with static membership the broker keeps the
     * slots for the instance until the session times out, by design) */
    c->on_change = NULL;
    rd_kafka_consumer_close(c->rk);
    rd_kafka_queue_destroy(c->describe_q);
    rd_kafka_destroy(c->rk);
    free(c->group_id);
    free(c->topic);
    free(c->worker_id);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

bool trib_coordinator_is_member(trib_coordinator *c) {
    pthread_mutex_lock(&c->lock);
    bool m = c->owned > 0;
    pthread_mutex_unlock(&c->lock);
    return m && !atomic_load(&c->suspect);
}

bool trib_coordinator_lease_valid(trib_coordinator *c) {
    int64_t last = atomic_load(&c->last_poll_ms);
    /* the poll thread turns every ~100 ms; a longer silence means this
     * process was not running, and the session may be gone */
    return trib_coordinator_is_member(c) && trib_mono_ms() - last < c->session_ms / 2;
}

bool trib_coordinator_is_leader(trib_coordinator *c) {
    pthread_mutex_lock(&c->lock);
    bool l = c->leader;
    pthread_mutex_unlock(&c->lock);
    return l;
}

int64_t trib_coordinator_generation(trib_coordinator *c) {
    return atomic_load(&c->generation);
}

static int cmp_json_str(const void *a, const void *b) {
    return strcmp(json_string_value(*(json_t *const *)a), json_string_value(*(json_t *const *)b));
}

json_t *trib_coordinator_members(trib_coordinator *c, trib_error *err) {
    if (!c->describe_pending) {
        const struct rd_kafka_metadata *md = NULL;
        rd_kafka_resp_err_t me = rd_kafka_metadata(c->rk, 0, NULL, &md, 2000);
        if (me) {
            trib_kafka_error(err, me, "describe worker group: the cluster does not answer");
            return NULL;
        }
        rd_kafka_metadata_destroy(md);
        char errstr[256];
        const char *groups[] = {c->group_id};
        rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(c->rk, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS);
        rd_kafka_AdminOptions_set_request_timeout(o, 5000, errstr, sizeof errstr);
        rd_kafka_DescribeConsumerGroups(c->rk, groups, 1, o, c->describe_q);
        rd_kafka_AdminOptions_destroy(o);
        c->describe_pending = true;
    }
    /* a result that comes later is collected by the next call */
    rd_kafka_event_t *ev = rd_kafka_queue_poll(c->describe_q, 7000);
    json_t *out = NULL;
    if (!ev) {
        trib_error_set(err, TRIB_ERR_TIMEOUT, "kafka: describe group %s timed out", c->group_id);
        return NULL;
    }
    c->describe_pending = false;
    if (rd_kafka_event_error(ev)) {
        trib_kafka_error(err, rd_kafka_event_error(ev), "describe worker group");
    } else {
        size_t n;
        const rd_kafka_ConsumerGroupDescription_t **g =
            rd_kafka_DescribeConsumerGroups_result_groups(rd_kafka_event_DescribeConsumerGroups_result(ev), &n);
        if (n < 1 || rd_kafka_ConsumerGroupDescription_error(g[0])) {
            trib_error_set(err, TRIB_ERR_RETRIABLE, "kafka: describe worker group: %s",
                           n < 1 ? "no result" : rd_kafka_error_string(rd_kafka_ConsumerGroupDescription_error(g[0])));
        } else {
            out = json_array();
            size_t m = rd_kafka_ConsumerGroupDescription_member_count(g[0]);
            json_t **items = trib_xcalloc(m ? m : 1, sizeof *items);
            size_t k = 0;
            for (size_t i = 0; i < m; i++) {
                const rd_kafka_MemberDescription_t *md = rd_kafka_ConsumerGroupDescription_member(g[0], i);
                const rd_kafka_topic_partition_list_t *a =
                    rd_kafka_MemberAssignment_partitions(rd_kafka_MemberDescription_assignment(md));
                /* a member that holds no slot is still joining: not placeable yet */
                if (!a || a->cnt == 0) continue;
                items[k++] = json_string(rd_kafka_MemberDescription_client_id(md));
            }
            qsort(items, k, sizeof *items, cmp_json_str);
            for (size_t i = 0; i < k; i++) {
                if (i > 0 && strcmp(json_string_value(items[i]), json_string_value(items[i - 1])) == 0) {
                    json_decref(items[i]);  /* duplicate worker id: misconfiguration, counted once */
                    continue;
                }
                json_array_append_new(out, items[i]);
            }
            free(items);
        }
    }
    rd_kafka_event_destroy(ev);
    return out;
}
