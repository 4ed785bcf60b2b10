/*
 * group_offsets.c: consumer-group offsets through librdkafka's admin API.
 * See group_offsets.h.
 */
#include "worker/group_offsets.h"
#include "common/util.h"
#include "worker/kafka_client.h"

#include <string.h>

#define ADMIN_TIMEOUT_MS 10000

/* Runs an admin request already issued on q and returns its event, or NULL
 * with err set. */
static rd_kafka_event_t *wait_event(rd_kafka_queue_t *q, const char *what, trib_error *err) {
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, ADMIN_TIMEOUT_MS + 2000);
    if (!ev) {
        trib_error_set(err, TRIB_ERR_TIMEOUT, "kafka: %s timed out", what);
        return NULL;
    }
    if (rd_kafka_event_error(ev)) {
        trib_kafka_error(err, rd_kafka_event_error(ev), what);
        rd_kafka_event_destroy(ev);
        return NULL;
    }
    return ev;
}

static rd_kafka_AdminOptions_t *options(rd_kafka_t *rk, rd_kafka_admin_op_t op) {
    char errstr[256];
    rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(rk, op);
    rd_kafka_AdminOptions_set_request_timeout(o, ADMIN_TIMEOUT_MS, errstr, sizeof errstr);
    return o;
}

json_t *trib_group_offsets_list(rd_kafka_t *admin, const char *group, trib_error *err) {
    rd_kafka_ListConsumerGroupOffsets_t *req = rd_kafka_ListConsumerGroupOffsets_new(group, NULL);
    rd_kafka_queue_t *q = rd_kafka_queue_new(admin);
    rd_kafka_AdminOptions_t *o = options(admin, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS);
    rd_kafka_ListConsumerGroupOffsets(admin, &req, 1, o, q);
    rd_kafka_event_t *ev = wait_event(q, "list consumer group offsets", err);
    json_t *out = NULL;
    if (ev) {
        const rd_kafka_ListConsumerGroupOffsets_result_t *res = rd_kafka_event_ListConsumerGroupOffsets_result(ev);
        size_t n;
        const rd_kafka_group_result_t **groups = rd_kafka_ListConsumerGroupOffsets_result_groups(res, &n);
        out = json_array();
        for (size_t i = 0; i < n; i++) {
            const rd_kafka_error_t *ge = rd_kafka_group_result_error(groups[i]);
            if (ge && rd_kafka_error_code(ge) != RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND) {
                trib_kafka_error_obj(err, ge, "list consumer group offsets");
                json_decref(out);
                out = NULL;
                break;
            }
            const rd_kafka_topic_partition_list_t *parts = rd_kafka_group_result_partitions(groups[i]);
            for (int j = 0; parts && j < parts->cnt; j++) {
                if (parts->elems[j].offset < 0) continue;
                json_array_append_new(out, json_pack("{s{sssi}s{sI}}", "partition", "kafka_topic",
                                                     parts->elems[j].topic, "kafka_partition",
                                                     parts->elems[j].partition, "offset", "kafka_offset",
                                                     (json_int_t)parts->elems[j].offset));
            }
        }
        rd_kafka_event_destroy(ev);
    }
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_queue_destroy(q);
    rd_kafka_ListConsumerGroupOffsets_destroy(req);
    return out;
}

/* Parses one entry into (topic, partition, offset|-1 for null). */
static int parse_entry(const json_t *e, size_t idx, const char **topic, int *partition, int64_t *offset,
                       trib_error *err) {
    json_t *p = json_object_get(e, "partition");
    json_t *o = json_object_get(e, "offset");
    json_t *t = json_object_get(p, "kafka_topic");
    json_t *pa = json_object_get(p, "kafka_partition");
    if (!json_is_string(t) || !json_is_integer(pa) || json_integer_value(pa) < 0 ||
        json_integer_value(pa) > INT32_MAX) /* Kafka partitions are int32 */
        return trib_error_set(err, TRIB_ERR_INVALID,
                              "offsets[%zu].partition must be {\"kafka_topic\": string, \"kafka_partition\": "
                              "non-negative 32-bit integer}", idx);
    *topic = json_string_value(t);
    *partition = (int)json_integer_value(pa);
    if (json_is_null(o) || !o) {
        *offset = -1;
        return 0;
    }
    json_t *ko = json_object_get(o, "kafka_offset");
    if (!json_is_integer(ko) || json_integer_value(ko) < 0)
        return trib_error_set(err, TRIB_ERR_INVALID,
                              "offsets[%zu].offset must be null or {\"kafka_offset\": non-negative integer}", idx);
    *offset = json_integer_value(ko);
    return 0;
}

int trib_group_offsets_alter(rd_kafka_t *admin, const char *group, const json_t *entries, trib_error *err) {
    rd_kafka_topic_partition_list_t *set = rd_kafka_topic_partition_list_new(8);
    rd_kafka_topic_partition_list_t *del = rd_kafka_topic_partition_list_new(8);
    int rc = 0;
    size_t i;
    json_t *e;
    json_array_foreach(entries, i, e) {
        const char *topic = NULL;
        int part = 0;
        int64_t off = -1;
        if (parse_entry(e, i, &topic, &part, &off, err) < 0) {
            rc = -1;
            goto out;
        }
        if (off >= 0) rd_kafka_topic_partition_list_add(set, topic, part)->offset = off;
        else rd_kafka_topic_partition_list_add(del, topic, part);
    }
    if (set->cnt > 0) {
        rd_kafka_AlterConsumerGroupOffsets_t *req = rd_kafka_AlterConsumerGroupOffsets_new(group, set);
        rd_kafka_queue_t *q = rd_kafka_queue_new(admin);
        rd_kafka_AdminOptions_t *o = options(admin, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS);
        rd_kafka_AlterConsumerGroupOffsets(admin, &req, 1, o, q);
        rd_kafka_event_t *ev = wait_event(q, "alter consumer group offsets", err);
        if (!ev) rc = -1;
        else {
            size_t n;
            const rd_kafka_group_result_t **g = rd_kafka_AlterConsumerGroupOffsets_result_groups(
                rd_kafka_event_AlterConsumerGroupOffsets_result(ev), &n);
            for (size_t k = 0; k < n && rc == 0; k++) {
                const rd_kafka_error_t *ge = rd_kafka_group_result_error(g[k]);
                if (ge) rc = trib_kafka_error_obj(err, ge, "alter consumer group offsets");
                const rd_kafka_topic_partition_list_t *parts = rd_kafka_group_result_partitions(g[k]);
                for (int j = 0; rc == 0 && parts && j < parts->cnt; j++)
                    if (parts->elems[j].err)
                        rc = trib_kafka_error(err, parts->elems[j].err, parts->elems[j].topic);
            }
            rd_kafka_event_destroy(ev);
        }
        rd_kafka_AdminOptions_destroy(o);
        rd_kafka_queue_destroy(q);
        rd_kafka_AlterConsumerGroupOffsets_destroy(req);
    }
    if (rc == 0 && del->cnt > 0) {
        rd_kafka_DeleteConsumerGroupOffsets_t *req = rd_kafka_DeleteConsumerGroupOffsets_new(group, del);
        rd_kafka_queue_t *q = rd_kafka_queue_new(admin);
        rd_kafka_AdminOptions_t *o = options(admin, RD_KAFKA_ADMIN_OP_DELETECONSUMERGROUPOFFSETS);
        rd_kafka_DeleteConsumerGroupOffsets(admin, &req, 1, o, q);
        rd_kafka_event_t *ev = wait_event(q, "delete consumer group offsets", err);
        if (!ev) rc = -1;
        else rd_kafka_event_destroy(ev);
        rd_kafka_AdminOptions_destroy(o);
        rd_kafka_queue_destroy(q);
        rd_kafka_DeleteConsumerGroupOffsets_destroy(req);
    }
out:
    rd_kafka_topic_partition_list_destroy(set);
    rd_kafka_topic_partition_list_destroy(del);
    return rc;
}

int trib_group_offsets_delete(rd_kafka_t *admin, const char *group, trib_error *err) {
    rd_kafka_DeleteGroup_t *req = rd_kafka_DeleteGroup_new(group);
    rd_kafka_queue_t *q = rd_kafka_queue_new(admin);
    rd_kafka_AdminOptions_t *o = options(admin, RD_KAFKA_ADMIN_OP_DELETEGROUPS);
    rd_kafka_DeleteGroups(admin, &req, 1, o, q);
    rd_kafka_event_t *ev = wait_event(q, "delete consumer group", err);
    int rc = ev ? 0 : -1;
    if (ev) {
        size_t n;
        const rd_kafka_group_result_t **g = rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(ev), &n);
        for (size_t k = 0; k < n && rc == 0; k++) {
            const rd_kafka_error_t *ge = rd_kafka_group_result_error(g[k]);
            if (ge && rd_kafka_error_code(ge) != RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND)
                rc = trib_kafka_error_obj(err, ge, "delete consumer group");
        }
        rd_kafka_event_destroy(ev);
    }
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_queue_destroy(q);
    rd_kafka_DeleteGroup_destroy(req);
    return rc;
}
