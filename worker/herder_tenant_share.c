/*
 * herder_tenant_share.c: cluster-wide rate quotas for tenants.
 *
 * A tenant's rate quotas are token buckets on each worker (tenants/
 * quota.c). With N workers running its tasks, N full buckets would let it
 * reach N times its quota. librdkafka has no admin API for Kafka's client
 * quotas (AlterClientQuotas), so the broker cannot enforce them for us;
 * instead every worker sizes its buckets by its share of the tenant's tasks
 * in the placement the leader wrote to the config log: a worker running k
 * of a tenant's n source tasks gets k/n of records_in_per_sec and
 * bytes_in_per_sec (sink tasks likewise for the "out" quotas). Every
 * worker reads the same placement, so the shares add up to 1.
 *
 * A worker placed on none of the tenant's tasks of a direction keeps 1/n
 * (a task that is still stopping there, or one that starts before the
 * next placement is read, gets one task's worth, not the whole quota).
 *
 * HTTP ingest (connectors/http/) has no tasks: clients post to any
 * worker, and each worker's admission takes from the same "in" buckets.
 * Task counts cannot split that, so a tenant that has an HttpIngest
 * connector gets 1/W of its "in" quotas on each of the W members of the
 * placement (every worker reads the same member list, so the shares still
 * add up to the quota, however clients spread their requests). The price:
 * a client that sends everything to one worker gets 1/W of the quota, and
 * the tenant's source tasks share the same 1/W on their worker.
 */
#include "worker/herder_internal.h"
#include "tenants/guard.h"
#include "tenants/tenant.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "connectors/http/ingest.h"

typedef struct share_acc {
    char tenant[TRIB_TENANT_NAME_MAX + 1];
    int64_t local[2], total[2];   /* [0] source tasks (in), [1] sink tasks (out) */
    bool ingest;                  /* the tenant has an HttpIngest connector */
} share_acc;

static bool ingest_connector(const conn *c) {
    return c->plugin && c->plugin->class_name && strcmp(c->plugin->class_name, TRIB_HTTP_INGEST_CLASS) == 0;
}

static double share_of(int64_t local, int64_t total) {
    if (total <= 0) return 1.0;
    return local > 0 ? (double)local / (double)total : 1.0 / (double)total;
}

/* Called by the config-log applier (h->lock held) for each new placement. */
void herder_apply_tenant_shares(trib_herder *h, const json_t *placement) {
    share_acc *acc = NULL;
    size_t n = 0;
    const json_t *tasks = json_object_get(placement, "tasks");
    /* every connector in the table, so a tenant whose only connector is an
     * HttpIngest (no tasks in the placement) is counted too */
    for (size_t ci = 0; ci < h->n; ci++) {
        conn *c = h->conns[ci];
        const char *name = c->name;
        const char *slash = strchr(name, '/');
        size_t tlen = slash ? (size_t)(slash - name) : 0;
        if (!c->plugin || tlen == 0 || tlen > TRIB_TENANT_NAME_MAX) continue;
        size_t k = 0;
        while (k < n && (strlen(acc[k].tenant) != tlen || strncmp(acc[k].tenant, name, tlen) != 0)) k++;
        if (k == n) {
            acc = trib_xrealloc(acc, (n + 1) * sizeof *acc);
            memset(&acc[n], 0, sizeof *acc);
            memcpy(acc[n].tenant, name, tlen);
            n++;
        }
        int d = c->plugin->kind == TRIB_CONNECTOR_SINK ? 1 : 0;
        if (ingest_connector(c)) acc[k].ingest = true;
        size_t i;
        json_t *w;
        json_array_foreach(json_object_get(tasks, name), i, w) {
            acc[k].total[d]++;
            if (json_is_string(w) && h->worker_id && strcmp(json_string_value(w), h->worker_id) == 0) acc[k].local[d]++;
        }
    }
    size_t members = json_array_size(json_object_get(placement, "members"));
    if (members < 1) members = 1;
    for (size_t k = 0; k < n; k++) {
        double in = acc[k].ingest ? 1.0 / (double)members : share_of(acc[k].local[0], acc[k].total[0]);
        trib_tenant_runtime_set_share(acc[k].tenant, in, share_of(acc[k].local[1], acc[k].total[1]));
    }
    free(acc);
}
