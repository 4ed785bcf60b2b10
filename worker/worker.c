/*
 * worker.c: assembling a worker from its properties. See worker.h.
 */
#include "worker/worker.h"
#include "common/log.h"
#include "common/module.h"
#include "common/util.h"
#include "worker/file_status.h"
#include "worker/kafka_client.h"
#include "worker/offset_store.h"
#include "worker/offset_store_kafka.h"

#include <stdlib.h>

struct trib_worker {
    trib_worker_mode mode;
    trib_props *props;
    trib_config *cfg;
    char *worker_id;
    char *cluster_id;
    trib_offset_store *offsets;
    trib_file_status *files;   /* spool-directory files' status (GET .../files) */
    trib_herder *herder;
};

/* The cluster id both proves the brokers are reachable and fills GET /. */
static char *lookup_cluster_id(const trib_props *props, trib_error *err) {
    trib_props *d = trib_props_new();
    trib_props_set(d, "client.id", "tributary-worker-bootstrap");
    rd_kafka_conf_t *conf = trib_kafka_conf_new(TRIB_CLIENT_ADMIN, props, NULL, d, err);
    trib_props_destroy(d);
    if (!conf) return NULL;
    rd_kafka_t *rk = trib_kafka_new(RD_KAFKA_PRODUCER, conf, err);
    if (!rk) return NULL;
    char *id = trib_kafka_cluster_id(rk, 15000);
    rd_kafka_destroy(rk);
    if (!id)
        trib_error_set(err, TRIB_ERR_RETRIABLE, "cannot reach the Kafka cluster at bootstrap.servers=%s within 15 s",
                       trib_props_get_or(props, "bootstrap.servers", "localhost:9092"));
    return id;
}

/* The file status store where this mode keeps its other state: a file
 * beside the offsets file (standalone) or a topic beside the status topic. */
static trib_file_status *open_file_status(trib_worker *w, trib_error *err) {
    int history = (int)trib_config_int(w->cfg, "tributary.file.status.history");
    if (w->mode == TRIB_MODE_STANDALONE) {
        const char *p = trib_config_string(w->cfg, "file.status.storage.file.filename");
        char *path = p ? trib_xstrdup(p)
                       : trib_xasprintf("%s.files", trib_config_string(w->cfg, "offset.storage.file.filename"));
        trib_file_status *fs = trib_file_status_open_file(path, w->worker_id, history, err);
        free(path);
        return fs;
    }
    const char *t = trib_config_string(w->cfg, "file.status.storage.topic");
    char *topic = t ? trib_xstrdup(t) : trib_xasprintf("%s-files", trib_config_string(w->cfg, "status.storage.topic"));
    trib_file_status *fs = trib_file_status_start_kafka(
        w->props, topic, (int)trib_config_int(w->cfg, "status.storage.partitions"),
        (int)trib_config_int(w->cfg, "status.storage.replication.factor"), w->worker_id, history, err);
    free(topic);
    return fs;
}

trib_worker *trib_worker_new(const trib_props *worker_props, int mode, trib_error *err) {
    trib_worker *w = trib_xcalloc(1, sizeof *w);
    w->mode = (trib_worker_mode)mode;
    w->props = trib_props_clone(worker_props);
    w->cfg = trib_worker_config_load(w->props, w->mode, err);
    if (!w->cfg) goto fail;
    /* where plugin modules are looked for first (process-wide) */
    trib_module_set_path(trib_config_raw(w->cfg, "plugin.path"));
    w->worker_id = trib_worker_advertised_id(w->cfg);
    w->cluster_id = lookup_cluster_id(w->props, err);
    if (!w->cluster_id) goto fail;
    if (w->mode == TRIB_MODE_STANDALONE) {
        w->offsets = trib_offset_store_file_new(trib_config_string(w->cfg, "offset.storage.file.filename"), err);
    } else {
        char *cid = trib_xasprintf("tributary-offsets-%s", w->worker_id);
        w->offsets = trib_offset_store_kafka_start(w->props, trib_config_string(w->cfg, "offset.storage.topic"),
                                                   (int)trib_config_int(w->cfg, "offset.storage.partitions"),
                                                   (int)trib_config_int(w->cfg, "offset.storage.replication.factor"),
                                                   cid, err);
        free(cid);
    }
    if (!w->offsets) goto fail;
    w->files = open_file_status(w, err);
    if (!w->files) goto fail;
    w->herder = trib_herder_new(w->props, w->offsets, w->worker_id, w->cluster_id, err);
    if (!w->herder) goto fail;
    trib_herder_set_file_status(w->herder, w->files);
    if (w->mode == TRIB_MODE_DISTRIBUTED && trib_herder_join_cluster(w->herder, w->cfg, err) < 0) goto fail;
    return w;
fail:
    trib_worker_destroy(w);
    return NULL;
}

int trib_worker_start(trib_worker *w, trib_error *err) {
    TRIB_INFO("worker", "worker %s starting (Kafka cluster %s)", w->worker_id, w->cluster_id);
    return trib_herder_start(w->herder, err);
}

trib_herder *trib_worker_herder(trib_worker *w) { return w->herder; }
const trib_config *trib_worker_config(const trib_worker *w) { return w->cfg; }
const char *trib_worker_id(const trib_worker *w) { return w->worker_id; }

void trib_worker_stop(trib_worker *w) {
    if (!w) return;
    if (w->herder) trib_herder_stop(w->herder);
    if (w->offsets) {
        trib_error err;
        if (trib_offset_store_flush(w->offsets, &err) < 0)
            TRIB_ERROR("worker", "final offset flush failed: %s", err.msg);
    }
}

void trib_worker_destroy(trib_worker *w) {
    if (!w) return;
    trib_worker_stop(w);
    trib_herder_destroy(w->herder);
    trib_file_status_destroy(w->files);
    trib_offset_store_destroy(w->offsets);
    trib_config_destroy(w->cfg);
    trib_props_destroy(w->props);
    free(w->worker_id);
    free(w->cluster_id);
    free(w);
}
