/*
 * source_task.c: the source task loop (Kafka Connect's
 * AbstractWorkerSourceTask): poll the connector, transform, convert,
 * produce with an idempotent producer, and record source offsets only for
 * records the broker has acknowledged.
 *
 * In-flight records sit in a FIFO in send order. A delivery report marks
 * its entry; at each offset flush the longest acknowledged prefix of the
 * FIFO is staged into the offset store and flushed. An offset therefore
 * never covers a record that is not yet in Kafka, whatever order
 * acknowledgements arrive in, and a crash repeats at most the unflushed
 * tail (at-least-once; exactly-once mode wraps this in transactions).
 *
 * Backpressure: when librdkafka's queue is full the loop serves delivery
 * reports until there is room, instead of polling the connector for more.
 */
#include "worker/task_internal.h"
#include "common/log.h"
#include "common/time.h"
#include "common/util.h"
#include "worker/kafka_client.h"
#include "worker/task_context.h"
#include "worker/worker_config.h"

#include <librdkafka/rdkafka.h>
#include <stdlib.h>
#include <string.h>

/* One produced (or settled) record: its source offset, until the broker
 * has answered for it and every record before it. */
typedef struct inflight {
    json_t *partition;   /* owned; NULL when the record carries no offset */
    json_t *offset;
    int status;          /* 0 pending, 1 delivered, -1 failed */
    rd_kafka_resp_err_t err;
} inflight;

/* The FIFO is a list of fixed blocks of entries: no allocation per record,
 * and an entry never moves while librdkafka holds its address as the
 * message's opaque. Consumed blocks are kept for reuse (at most as many as
 * were ever in flight at once), so a steady load allocates nothing. */
#define INFLIGHT_BLOCK 1000   /* ~32 KB: below malloc's mmap threshold */
typedef struct inflight_block {
    struct inflight_block *next;
    size_t head, tail;   /* live entries are e[head .. tail) */
    inflight e[INFLIGHT_BLOCK];
} inflight_block;

/* Acknowledged offsets waiting for the next flush: the last one per
 * distinct source partition (a flush stages only the last one anyway). */
typedef struct acked_offset {
    json_t *partition;   /* owned */
    json_t *offset;      /* owned; NULL = null offset */
} acked_offset;
#define ACKED_MAX 64     /* more distinct partitions: staged into the store early */

/* A producer topic handle per topic name: producev() with a topic name
 * looks the topic up under a lock on every call (~250 instructions per
 * record); a handle skips that. Almost every task writes one or a few
 * topics, so a short list searched from the last hit is enough. */
#define TOPIC_HANDLES_MAX 16
typedef struct topic_handle {
    char *name;          /* owned */
    rd_kafka_topic_t *rkt;
} topic_handle;

/* Converted records waiting to go to librdkafka in one
 * rd_kafka_produce_batch() call: consecutive records for one topic with
 * no headers, timestamp or partition of their own, the common case. One
 * call per run takes the topic lock and reads the clock once, where
 * producev() did both for every record (~20% of librdkafka's share of a
 * DataGen task). A record of another kind sends the run first, so records
 * still reach librdkafka in poll order. */
#define RUN_MAX 256
typedef struct send_run {
    rd_kafka_message_t msgs[RUN_MAX];   /* payload/key set at send time (bytes may move) */
    trib_record *recs[RUN_MAX];         /* owned until sent: an error report needs them */
    size_t key_at[RUN_MAX], value_at[RUN_MAX];   /* offsets into bytes; SIZE_MAX = null */
    size_t n;
    trib_strbuf bytes;                  /* keys and values, back to back */
} send_run;

typedef struct source_loop {
    trib_task *t;
    const char *eos_offsets_topic;  /* exactly-once: offsets go here in each transaction */
    void *ctx;           /* the task plugin's context */
    rd_kafka_t *rk;
    inflight_block *first, *last, *spare;   /* spare: a list of free blocks */
    size_t pending;
    acked_offset acked[ACKED_MAX];
    size_t nacked;
    bool acked_staged;   /* some acknowledged offsets went to the store before the flush */
    topic_handle topics[TOPIC_HANDLES_MAX];
    size_t ntopics, last_topic;
    /* The CreateTime of records without a timestamp: the wall clock when
     * the loop began sending the poll's batch, read again after waiting
     * for room in the producer's queue. Connect's producer stamps such a
     * record when send() is called; a batch is sent within a millisecond
     * or two, and librdkafka reading the clock for every record cost ~2%
     * of a source task's CPU. */
    int64_t send_ms;
    send_run *run;       /* owned */
} source_loop;

/* The handle for a topic (borrowed), or NULL with librdkafka's error in
 * *rc. A full list gives up the slot after the last hit (queued messages
 * hold their own reference to a topic). */
static rd_kafka_topic_t *topic_handle_for(source_loop *l, const char *topic, rd_kafka_resp_err_t *rc) {
    if (l->ntopics && strcmp(l->topics[l->last_topic].name, topic) == 0) return l->topics[l->last_topic].rkt;
    for (size_t i = 0; i < l->ntopics; i++)
        if (strcmp(l->topics[i].name, topic) == 0) {
            l->last_topic = i;
            return l->topics[i].rkt;
        }
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(l->rk, topic, NULL);
    if (!rkt) {
        *rc = rd_kafka_last_error();
        return NULL;
    }
    size_t slot = l->ntopics;
    if (slot == TOPIC_HANDLES_MAX) {
        slot = (l->last_topic + 1) % TOPIC_HANDLES_MAX;
        rd_kafka_topic_destroy(l->topics[slot].rkt);
        free(l->topics[slot].name);
    } else {
        l->ntopics++;
    }
    l->topics[slot] = (topic_handle){trib_xstrdup(topic), rkt};
    l->last_topic = slot;
    return rkt;
}

static void topic_handles_free(source_loop *l) {
    for (size_t i = 0; i < l->ntopics; i++) {
        rd_kafka_topic_destroy(l->topics[i].rkt);
        free(l->topics[i].name);
    }
    l->ntopics = 0;
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    inflight *e = m->_private;
    if (!e) return;
    e->status = m->err ? -1 : 1;
    e->err = m->err;
    if (!m->err && opaque) {   /* served on the task's thread (rd_kafka_poll/flush) */
        trib_task_counters *c = opaque;
        trib_task_count(&c->write_total, 1);
        trib_task_count(&c->bytes_total, (long long)(m->len + m->key_len));
    }
}

/* Producer statistics (metrics' byte total); 0: librdkafka frees the JSON. */
static int stats_cb(rd_kafka_t *rk, char *json, size_t len, void *opaque) {
    (void)rk;
    trib_task_client_stats(opaque, json, len, "tx_bytes");
    return 0;
}

/* A new pending entry at the tail of the FIFO; takes the references. */
static inflight *fifo_push(source_loop *l, json_t *partition, json_t *offset) {
    inflight_block *b = l->last;
    if (!b || b->tail == INFLIGHT_BLOCK) {
        if (l->spare) {
            b = l->spare;
            l->spare = b->next;
        } else {
            b = trib_xmalloc(sizeof *b);
        }
        b->next = NULL;
        b->head = b->tail = 0;
        if (l->last) l->last->next = b;
        else l->first = b;
        l->last = b;
    }
    inflight *e = &b->e[b->tail++];
    e->partition = partition;
    e->offset = offset;
    e->status = 0;
    e->err = RD_KAFKA_RESP_ERR_NO_ERROR;
    l->pending++;
    return e;
}

static inflight *fifo_front(source_loop *l) {
    inflight_block *b = l->first;
    return b && b->head < b->tail ? &b->e[b->head] : NULL;
}

/* Removes the front entry; its references must have been taken or dropped. */
static void fifo_pop(source_loop *l) {
    inflight_block *b = l->first;
    b->head++;
    l->pending--;
    if (b->head < b->tail) return;
    if (b->tail < INFLIGHT_BLOCK && b == l->last) {
        b->head = b->tail = 0;   /* empty: settled entries are referenced by no one */
        return;
    }
    if (b->tail < INFLIGHT_BLOCK) return;
    l->first = b->next;
    if (!l->first) l->last = NULL;
    b->next = l->spare;
    l->spare = b;
}

static void drop_inflight(source_loop *l) {
    for (inflight *e; (e = fifo_front(l));) {
        json_decref(e->partition);
        json_decref(e->offset);
        fifo_pop(l);
    }
}

/* The slot of a partition in a small "last offset per partition" list (the
 * same object is the common case; equal objects count as the same). */
static acked_offset *offset_slot(acked_offset *list, size_t n, const json_t *partition) {
    for (size_t i = n; i-- > 0;)
        if (list[i].partition == partition) return &list[i];
    for (size_t i = n; i-- > 0;)
        if (json_equal(list[i].partition, (json_t *)partition)) return &list[i];
    return NULL;
}

/* Stages the remembered acknowledged offsets into the offset store. */
static void stage_acked(source_loop *l) {
    trib_task *t = l->t;
    for (size_t i = 0; i < l->nacked; i++) {
        trib_offset_store_put(t->offsets, t->connector, l->acked[i].partition, l->acked[i].offset);
        json_decref(l->acked[i].partition);
        json_decref(l->acked[i].offset);
    }
    if (l->nacked) l->acked_staged = true;
    l->nacked = 0;
}

/* Remembers an acknowledged offset; takes the references. */
static void note_acked(source_loop *l, json_t *partition, json_t *offset) {
    acked_offset *a = offset_slot(l->acked, l->nacked, partition);
    if (a) {
        json_decref(partition);
        json_decref(a->offset);
        a->offset = offset;
        return;
    }
    if (l->nacked == ACKED_MAX) stage_acked(l);
    l->acked[l->nacked++] = (acked_offset){partition, offset};
}

/* Moves the acknowledged prefix of the FIFO out of it, remembering the
 * last offset per partition for the next flush. A failed delivery is
 * passed to errors.tolerance when `tolerate` is set; otherwise (the task
 * is already failing) the prefix ends there. Called after every batch, so
 * the FIFO holds only records still in flight. */
static int advance_acked(source_loop *l, bool tolerate, trib_error *err) {
    trib_task *t = l->t;
    for (inflight *e; (e = fifo_front(l)) && e->status != 0;) {
        if (e->status < 0 && !tolerate) break;
        if (e->status < 0) {
            trib_error why;
            trib_error_set(&why, TRIB_ERR_FATAL, "kafka: delivery failed: %s", rd_kafka_err2str(e->err));
            /* A record the broker refused is an error of the KAFKA_PRODUCE
             * stage: skipped (and logged) only with errors.tolerance=all. */
            if (trib_task_tolerate(t, TRIB_STAGE_KAFKA_PRODUCE, &why, NULL, -1, -1, NULL, 0, NULL, 0,
                                   NULL, 0, NULL, err) < 0)
                return -1;
        }
        if (e->partition) note_acked(l, e->partition, e->offset);
        else json_decref(e->offset);
        fifo_pop(l);
    }
    return 0;
}

/* Stages the offsets of the acknowledged prefix of the FIFO and flushes
 * them (see advance_acked for `tolerate`). */
static int commit_offsets(source_loop *l, bool tolerate, trib_error *err) {
    trib_task *t = l->t;
    if (advance_acked(l, tolerate, err) < 0) return -1;
    stage_acked(l);
    if (!l->acked_staged) return 0;
    l->acked_staged = false;
    if (trib_offset_store_flush(t->offsets, err) < 0) return trib_error_prefix(err, "offset flush");
    if (t->plugin->source->commit) {
        /* Errors from commit() are only logged, as in Connect: the data and
         * offsets are already safe; commit() just lets the source let go. */
        trib_error cerr;
        if (t->plugin->source->commit(l->ctx, &cerr) < 0)
            TRIB_WARN("worker", "%s commit() failed: %s", t->log_ctx, cerr.msg);
    }
    return 0;
}

static void drop_acked(source_loop *l) {
    for (size_t i = 0; i < l->nacked; i++) {
        json_decref(l->acked[i].partition);
        json_decref(l->acked[i].offset);
    }
    l->nacked = 0;
}

typedef struct from_connect_call {
    trib_converter *conv;
    const char *topic;
    const trib_schema *schema;
    const trib_value *value;
    trib_strbuf *out;
    bool *is_null;
} from_connect_call;

static int call_from_connect(void *arg, trib_error *err) {
    from_connect_call *c = arg;
    trib_strbuf_reset(c->out);
    return c->conv->plugin->from_connect(c->conv->ctx, c->topic, c->schema, c->value, c->out, c->is_null, err);
}

/* A record librdkafka refused outright (e.g. too large): its entry is
 * settled here (no broker report will come); if the record is tolerated,
 * later offsets may move past it. Returns what trib_task_tolerate does. */
static int produce_refused(source_loop *l, trib_record *rec, inflight *e, rd_kafka_resp_err_t rc,
                           const trib_header *hv, size_t nhv, trib_error *err) {
    trib_error why;
    e->status = 1;
    trib_kafka_error(&why, rc, "produce");
    why.code = TRIB_ERR_FATAL;
    return trib_task_tolerate(l->t, TRIB_STAGE_KAFKA_PRODUCE, &why, rec->topic, rec->partition, -1, NULL, 0, NULL,
                              0, hv, nhv, rec, err);
}

/* The producer queue is full: serve delivery reports for a while. Fails
 * (TIMEOUT, entry e marked failed) when the task is stopping and the queue
 * stayed full for ~5 s. */
static int wait_for_room(source_loop *l, int attempt, inflight *e, trib_error *err) {
    rd_kafka_poll(l->rk, 100);
    l->send_ms = trib_now_ms();
    if (trib_task_stopping(l->t) && attempt > 50) {
        e->status = -1;
        e->err = RD_KAFKA_RESP_ERR__QUEUE_FULL;
        return trib_error_set(err, TRIB_ERR_TIMEOUT, "kafka: producer queue stayed full while stopping");
    }
    return 0;
}

/* Empties the run, freeing its records. Called after a send, and for a
 * run that will not be sent (the task is failing: its entries stay
 * pending, so no offset moves past them). */
static void run_drop(send_run *r) {
    for (size_t i = 0; i < r->n; i++) trib_record_destroy(r->recs[i]);
    r->n = 0;
    trib_strbuf_reset(&r->bytes);
}

/* Hands the run to librdkafka and frees its records. A failure here is
 * the task's (-1); records librdkafka refuses are tolerated one by one. */
static int run_send(source_loop *l, trib_error *err) {
    send_run *r = l->run;
    if (r->n == 0) return 0;
    for (size_t i = 0; i < r->n; i++) {
        rd_kafka_message_t *m = &r->msgs[i];
        m->key = r->key_at[i] == SIZE_MAX ? NULL : r->bytes.data + r->key_at[i];   /* lengths: run_add */
        m->payload = r->value_at[i] == SIZE_MAX ? NULL : r->bytes.data + r->value_at[i];
        m->err = RD_KAFKA_RESP_ERR_NO_ERROR;
    }
    int rc = 0;
    size_t done = 0;
    rd_kafka_resp_err_t terr = RD_KAFKA_RESP_ERR_NO_ERROR;
    rd_kafka_topic_t *rkt = topic_handle_for(l, r->recs[0]->topic, &terr);
    for (int attempt = 0; rkt && done < r->n; attempt++) {
        rd_kafka_produce_batch(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, r->msgs + done, (int)(r->n - done));
        /* Once the queue is full every later record of the call is refused
         * as well, so what is left to send is always a tail of the run. */
        for (; done < r->n && r->msgs[done].err != RD_KAFKA_RESP_ERR__QUEUE_FULL; done++)
            if (r->msgs[done].err &&
                (rc = produce_refused(l, r->recs[done], r->msgs[done]._private, r->msgs[done].err, NULL, 0, err)) < 0)
                goto out;
        if (done < r->n && (rc = wait_for_room(l, attempt, r->msgs[done]._private, err)) < 0) goto out;
    }
    for (; done < r->n; done++)   /* no topic handle */
        if ((rc = produce_refused(l, r->recs[done], r->msgs[done]._private, terr, NULL, 0, err)) < 0) goto out;
out:
    run_drop(r);
    return rc;
}

/* Appends a converted record to the run (taking rec), sending the run
 * first when it is for another topic or full. */
static int run_add(source_loop *l, trib_record *rec, inflight *e, const trib_strbuf *kb, bool knull,
                   const trib_strbuf *vb, bool vnull, trib_error *err) {
    send_run *r = l->run;
    if (r->n == RUN_MAX || (r->n && strcmp(r->recs[0]->topic, rec->topic) != 0)) {
        if (run_send(l, err) < 0) {
            trib_record_destroy(rec);
            return -1;
        }
    }
    size_t i = r->n++;
    r->recs[i] = rec;
    r->msgs[i] = (rd_kafka_message_t){._private = e, .key_len = knull ? 0 : kb->len, .len = vnull ? 0 : vb->len};
    r->key_at[i] = knull ? SIZE_MAX : r->bytes.len;
    if (!knull) trib_strbuf_append(&r->bytes, kb->data, kb->len);
    r->value_at[i] = vnull ? SIZE_MAX : r->bytes.len;
    if (!vnull) trib_strbuf_append(&r->bytes, vb->data, vb->len);
    return 0;
}

typedef struct header_wire_call {
    trib_header_converter *conv;
    const trib_record *rec;
    trib_header **out;
    trib_strbuf *arena;
} header_wire_call;

static int call_header_wire(void *arg, trib_error *err) {
    header_wire_call *c = arg;
    free(*c->out);
    *c->out = NULL;
    trib_strbuf_reset(c->arena);
    return trib_header_converter_wire(c->conv, c->rec, c->out, c->arena, err);
}

static int send_converted(source_loop *l, trib_record *rec, trib_strbuf *kb, bool knull, trib_strbuf *vb,
                          bool vnull, const trib_header *hv, trib_error *err);

/* Converts and produces one record (taken). Records that can go in a run
 * join it (see send_run); the caller sends the run at the end of the
 * batch. Returns 0 when sent, queued or tolerated, -1 when the task must
 * fail. Key, value, then headers, as Connect converts them. */
static int send_record(source_loop *l, trib_record *rec, trib_strbuf *kb, trib_strbuf *vb, trib_error *err) {
    trib_task *t = l->t;
    trib_error why;
    bool knull = false, vnull = false;
    int rc = 0;
    trib_header *hv = NULL;
    trib_strbuf arena;
    trib_strbuf_init(&arena);
    from_connect_call kc = {t->key_conv, rec->topic, rec->key_schema, rec->key, kb, &knull};
    from_connect_call vc = {t->value_conv, rec->topic, rec->value_schema, rec->value, vb, &vnull};
    header_wire_call hc = {t->header_conv, rec, &hv, &arena};
    bool converted = false;
    trib_stage failed = TRIB_STAGE_KEY_CONVERTER;
    if (trib_task_retry_convert(t, call_from_connect, &kc, &why) < 0)
        failed = TRIB_STAGE_KEY_CONVERTER;
    else if (trib_task_retry_convert(t, call_from_connect, &vc, &why) < 0)
        failed = TRIB_STAGE_VALUE_CONVERTER;
    else if (rec->nheaders && trib_task_retry_convert(t, call_header_wire, &hc, &why) < 0)
        failed = TRIB_STAGE_HEADER_CONVERTER;
    else
        converted = true;
    if (!converted) {
        /* the dead letter copy gets the headers when they convert */
        trib_header *dh = NULL;
        if (failed != TRIB_STAGE_HEADER_CONVERTER &&
            trib_header_converter_wire(t->header_conv, rec, &dh, &arena, NULL) < 0)
            dh = NULL;
        rc = trib_task_tolerate(t, failed, &why, rec->topic, rec->partition, -1, NULL, 0, NULL, 0, dh,
                                dh ? rec->nheaders : 0, rec, err);
        free(dh);
        free(hv);
        trib_strbuf_free(&arena);
        trib_record_destroy(rec);
        return rc;
    }
    rc = send_converted(l, rec, kb, knull, vb, vnull, hv, err);
    free(hv);
    trib_strbuf_free(&arena);
    return rc;
}

/* send_record after conversion: hv holds rec->nheaders wire headers. */
static int send_converted(source_loop *l, trib_record *rec, trib_strbuf *kb, bool knull, trib_strbuf *vb,
                          bool vnull, const trib_header *hv, trib_error *err) {
    trib_task *t = l->t;
    int rc = 0;
    /* Tenant rate quota: held here, before the record is in flight. A stop
     * while held leaves the record unsent and its offset uncommitted, so
     * the next run sends it. */
    if (!trib_tenant_guard_throttle(t->guard, TRIB_TENANT_IN, 1, (knull ? 0 : kb->len) + (vnull ? 0 : vb->len),
                                    &t->stop)) {
        trib_record_destroy(rec);
        return 0;
    }
    if (t->guard) l->send_ms = trib_now_ms();   /* a tenant's rate quota may have held the record */
    inflight *e = fifo_push(l, rec->source_partition ? json_incref(rec->source_partition) : NULL,
                            rec->source_offset ? json_incref(rec->source_offset) : NULL);
    if (rec->nheaders == 0 && rec->timestamp < 0 && rec->partition < 0)
        return run_add(l, rec, e, kb, knull, vb, vnull, err);

    /* A record of its own: what is queued before it goes first. */
    if (run_send(l, err) < 0) {
        trib_record_destroy(rec);
        return -1;
    }
    rd_kafka_resp_err_t prc = RD_KAFKA_RESP_ERR_NO_ERROR;
    rd_kafka_topic_t *rkt = topic_handle_for(l, rec->topic, &prc);
    for (int attempt = 0; rkt; attempt++) {
        rd_kafka_headers_t *h = NULL;
        if (rec->nheaders) {
            h = rd_kafka_headers_new(rec->nheaders);
            for (size_t i = 0; i < rec->nheaders; i++)
                rd_kafka_header_add(h, hv[i].key, -1, hv[i].value, (ssize_t)hv[i].len);
        }
        prc = rd_kafka_producev(
            l->rk, RD_KAFKA_V_RKT(rkt),
            RD_KAFKA_V_PARTITION(rec->partition >= 0 ? rec->partition : RD_KAFKA_PARTITION_UA),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_KEY(knull ? NULL : kb->data, knull ? 0 : kb->len),
            RD_KAFKA_V_VALUE(vnull ? NULL : vb->data, vnull ? 0 : vb->len),
            RD_KAFKA_V_TIMESTAMP(rec->timestamp >= 0 ? rec->timestamp : l->send_ms), RD_KAFKA_V_HEADERS(h),
            RD_KAFKA_V_OPAQUE(e), RD_KAFKA_V_END);
        if (prc == RD_KAFKA_RESP_ERR_NO_ERROR) {
            trib_record_destroy(rec);
            return 0;
        }
        if (h) rd_kafka_headers_destroy(h);
        if (prc != RD_KAFKA_RESP_ERR__QUEUE_FULL) break;
        if (wait_for_room(l, attempt, e, err) < 0) {   /* backpressure: let deliveries drain */
            trib_record_destroy(rec);
            return -1;
        }
    }
    rc = produce_refused(l, rec, e, prc, hv, rec->nheaders, err);
    trib_record_destroy(rec);
    return rc;
}

/* A record the loop settled itself (filtered, or skipped under
 * errors.tolerance=all): its offset still counts once everything sent
 * before it is acknowledged, as Connect commits offsets of filtered
 * records. Takes the references. */
static void settle_skipped(source_loop *l, json_t *partition, json_t *offset) {
    fifo_push(l, partition, offset)->status = 1;
}

/* Exactly-once: the batch's last offset per source partition is written
 * by the task's own transactional producer to the offsets topic, inside
 * the transaction that holds the batch's records. */
static int eos_produce_offsets(source_loop *l, trib_error *err) {
    trib_task *t = l->t;
    /* the last offset per partition, in the FIFO's order (borrowed) */
    acked_offset *last = NULL;
    size_t n = 0, cap = 0;
    for (inflight_block *b = l->first; b; b = b->next)
        for (size_t i = b->head; i < b->tail; i++) {
            inflight *e = &b->e[i];
            if (!e->partition) continue;
            acked_offset *a = offset_slot(last, n, e->partition);
            if (!a) {
                if (n == cap) {
                    cap = cap ? cap * 2 : 8;
                    last = trib_xrealloc(last, cap * sizeof *last);
                }
                a = &last[n++];
                a->partition = e->partition;
            }
            a->offset = e->offset;
        }
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        char *key = trib_offset_key(t->connector, last[i].partition);
        json_t *v = last[i].offset;
        char *text = !v || json_is_null(v) ? NULL : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        rd_kafka_resp_err_t e = rd_kafka_producev(
            l->rk, RD_KAFKA_V_TOPIC(l->eos_offsets_topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_KEY((void *)key, strlen(key)), RD_KAFKA_V_VALUE(text, text ? strlen(text) : 0), RD_KAFKA_V_END);
        free(text);
        free(key);
        if (e) rc = trib_kafka_error(err, e, "produce offsets in transaction");
    }
    free(last);
    return rc;
}

/* Commits the open transaction (records + offsets). A fenced producer
 * means a newer instance of this task exists: this one is a zombie. */
static int eos_commit(source_loop *l, trib_error *err) {
    if (eos_produce_offsets(l, err) < 0) return -1;
    rd_kafka_error_t *e = rd_kafka_commit_transaction(l->rk, 60000);
    if (e) {
        bool fenced = rd_kafka_error_code(e) == RD_KAFKA_RESP_ERR__FENCED ||
                      rd_kafka_error_code(e) == RD_KAFKA_RESP_ERR_PRODUCER_FENCED;
        trib_kafka_error_obj(err, e, fenced ? "fenced by a newer instance of this task" : "commit transaction");
        err->code = TRIB_ERR_FATAL;
        if (rd_kafka_error_txn_requires_abort(e)) {
            rd_kafka_error_t *a = rd_kafka_abort_transaction(l->rk, 30000);
            if (a) rd_kafka_error_destroy(a);
        }
        rd_kafka_error_destroy(e);
        return -1;
    }
    drop_inflight(l);   /* everything in the transaction is now in Kafka, offsets included */
    if (l->t->plugin->source->commit) {
        trib_error cerr;   /* only logged, as after an offset flush */
        if (l->t->plugin->source->commit(l->ctx, &cerr) < 0)
            TRIB_WARN("worker", "%s commit() failed: %s", l->t->log_ctx, cerr.msg);
    }
    return 0;
}

/* The source context's errant-input reporter: the input goes through
 * errors.tolerance (and to the DLQ) as a failure of the poll stage. */
static int source_errant_reporter(void *opaque, const void *raw, size_t len, const trib_header *headers,
                                  size_t nheaders, const trib_error *why) {
    trib_task *t = opaque;
    trib_error err;
    return trib_task_tolerate(t, TRIB_STAGE_TASK_POLL, why, NULL, -1, -1, NULL, 0, raw, len, headers, nheaders,
                              NULL, &err);
}

void *trib_source_task_main(void *arg) {
    trib_task *t = arg;
    source_loop l = {.t = t, .eos_offsets_topic = t->eos_offsets_topic, .run = trib_xcalloc(1, sizeof(send_run))};
    trib_strbuf_init(&l.run->bytes);
    trib_error err;
    trib_error_clear(&err);
    trib_source_task_context *tctx = NULL;
    void *ctx = NULL;
    bool started = false;
    bool eos = t->eos_offsets_topic != NULL;
    trib_record_batch batch;
    trib_record_batch_init(&batch);
    trib_strbuf kb, vb;
    trib_strbuf_init(&kb);
    trib_strbuf_init(&vb);

    if (trib_task_setup_common(t, &err) < 0) goto fail;

    trib_props *defaults = trib_props_new();
    char cid[300];
    snprintf(cid, sizeof cid, "connector-producer-%s-%d", t->connector, t->id);
    trib_props_set(defaults, "client.id", cid);
    /* Producer defaults (a worker's producer.* or a connector's
     * producer.override.* keys replace them):
     * - enable.idempotence=true: acks=all and per-partition order with up
     *   to 5 requests in flight, the guarantee Connect gets from acks=all
     *   with max.in.flight.requests.per.connection=1, without the stalls.
     * - linger.ms=5, batch.num.messages=10000: full batches under load.
     * - queue.buffering.max.messages=20000 (was 200000; librdkafka's own
     *   default is 100000): a source outruns a local broker, so the queue
     *   sat full, and 200,000 buffered records (plus their offsets in the
     *   in-flight FIFO) cost 250 MB of RSS for two DataGen tasks and
     *   ~25% more CPU per record in cache misses and malloc churn, for no
     *   throughput; 20,000 still covers 100 ms of round trip at 200,000
     *   records/s per task. Delivery guarantees do not depend on it. */
    trib_props_set(defaults, "enable.idempotence", "true");
    trib_props_set(defaults, "linger.ms", "5");
    trib_props_set(defaults, "batch.num.messages", "10000");
    trib_props_set(defaults, "queue.buffering.max.messages", "20000");
    trib_props_set(defaults, "statistics.interval.ms", TRIB_TASK_STATS_INTERVAL);
    rd_kafka_conf_t *conf = trib_kafka_conf_new(TRIB_CLIENT_PRODUCER, t->worker_props, t->config, defaults, &err);
    trib_props_destroy(defaults);
    if (!conf) goto fail;
    /* KIP-618's id: the same for every instance of this task, so a new one fences the old */
    if (eos && trib_kafka_conf_set(conf, "transactional.id", t->transactional_id, &err) < 0) {
        rd_kafka_conf_destroy(conf);
        goto fail;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    rd_kafka_conf_set_stats_cb(conf, stats_cb);
    rd_kafka_conf_set_opaque(conf, &t->counters);
    l.rk = trib_kafka_new(RD_KAFKA_PRODUCER, conf, &err);
    if (!l.rk) goto fail;

    if (eos) {
        for (int attempt = 0;; attempt++) {
            rd_kafka_error_t *e = rd_kafka_init_transactions(l.rk, 30000);
            if (!e) break;
            trib_kafka_error_obj(&err, e, "init transactions");
            bool retriable = rd_kafka_error_is_retriable(e);
            rd_kafka_error_destroy(e);
            if (!retriable) goto fail;
            if (!trib_task_backoff(t, attempt, t->policy.retry_delay_max_ms)) goto done;
        }
        /* The previous instance is fenced now; read its last committed
         * offsets. Another task's transaction left open on the same offsets
         * partition (its worker frozen or slow) hides them until it ends,
         * at the latest when the broker aborts it after its
         * transaction.timeout.ms: keep waiting rather than start from older
         * offsets and send committed records again. */
        for (int attempt = 0; t->sync_offsets && t->sync_offsets(t->sync_opaque, &err) < 0; attempt++) {
            if (!trib_error_is_retriable(&err)) goto fail;
            TRIB_WARN("worker", "%s waiting for the offsets topic: %s", t->log_ctx, err.msg);
            if (!trib_task_backoff(t, attempt, t->policy.retry_delay_max_ms)) goto done;
        }
    }

    tctx = trib_source_task_context_new(t->connector, t->id, t->offsets);
    trib_source_task_context_set_reporter(tctx, source_errant_reporter, t);
    trib_source_task_context_set_file_status(tctx, t->files);
    for (int attempt = 0;; attempt++) {
        if (t->plugin->source->start(t->config, tctx, &ctx, &err) == 0) {
            l.ctx = ctx;
            break;
        }
        if (!trib_error_is_retriable(&err)) goto fail;
        TRIB_WARN("worker", "%s start failed, retrying: %s", t->log_ctx, err.msg);
        if (!trib_task_backoff(t, attempt, t->policy.retry_delay_max_ms)) goto done;
    }
    started = true;

    int64_t flush_interval = trib_worker_config_long(t->worker_props, "offset.flush.interval.ms");
    int64_t next_flush = trib_mono_ms() + flush_interval;
    int poll_attempt = 0;

    while (!trib_task_stopping(t)) {
        if (atomic_load(&t->paused)) {
            trib_task_set_state(t, TRIB_STATE_PAUSED, NULL);
            rd_kafka_poll(l.rk, 100);
            continue;
        }
        if (!trib_task_lease_ok(t)) {
            rd_kafka_poll(l.rk, 100);
            continue;
        }
        trib_task_set_state(t, TRIB_STATE_RUNNING, NULL);
        int64_t poll_us = trib_mono_us();
        if (t->plugin->source->poll(ctx, &batch, &err) < 0) {
            trib_record_batch_clear(&batch);
            if (!trib_error_is_retriable(&err)) goto fail;
            TRIB_WARN("worker", "%s poll failed, retrying: %s", t->log_ctx, err.msg);
            if (!trib_task_backoff(t, poll_attempt++, t->policy.retry_delay_max_ms)) break;
            continue;
        }
        poll_attempt = 0;
        if (batch.n > 0) {   /* Connect's poll-batch time and poll total: once per batch */
            poll_us = trib_mono_us() - poll_us;
            trib_task_count(&t->counters.poll_total, (long long)batch.n);
            trib_task_count(&t->counters.batches, 1);
            trib_task_count(&t->counters.batch_us_sum, poll_us);
            trib_task_count_max(&t->counters.batch_us_max, poll_us);
        }
        if (eos && batch.n > 0) {
            rd_kafka_error_t *e = rd_kafka_begin_transaction(l.rk);
            if (e) {
                trib_kafka_error_obj(&err, e, "begin transaction");
                err.code = TRIB_ERR_FATAL;
                rd_kafka_error_destroy(e);
                trib_record_batch_clear(&batch);
                goto fail;
            }
        }
        l.send_ms = trib_now_ms();
        if (batch.n > 0) trib_transform_chain_batch_begin(t->chain);
        for (size_t i = 0; i < batch.n; i++) {
            trib_record *rec = batch.items[i];
            batch.items[i] = NULL;
            json_t *sp = rec->source_partition ? json_incref(rec->source_partition) : NULL;
            json_t *so = rec->source_offset ? json_incref(rec->source_offset) : NULL;
            trib_error why;
            int rc = 0;
            if (!rec->topic) {   /* an offset marker (connector.h): nothing to produce */
                trib_record_destroy(rec);
                if (sp) settle_skipped(&l, sp, so);
                else json_decref(so);
                continue;
            }
            if (trib_transform_chain_apply(t->chain, &rec, &why) < 0) {
                rc = trib_task_transform_failed(t, &why, rec ? rec->topic : NULL, -1, -1, NULL, 0, NULL, 0, NULL,
                                                0, rec, &err);
                trib_record_destroy(rec);
                rec = NULL;
            }
            if (rc < 0) {
                json_decref(sp);
                json_decref(so);
                goto fail;
            }
            if (!rec) {  /* filtered or tolerated: its offset still moves on */
                if (sp) settle_skipped(&l, sp, so);
                else json_decref(so);
                continue;
            }
            json_decref(sp);
            json_decref(so);
            if (trib_tenant_guard_check_topic(t->guard, rec->topic, &err) < 0) {
                trib_record_destroy(rec);
                goto fail;
            }
            trib_task_note_topic(t, rec->topic);
            rc = send_record(&l, rec, &kb, &vb, &err);   /* takes rec */
            if (rc < 0) goto fail;
            atomic_fetch_add(&t->records, 1);
        }
        if (run_send(&l, &err) < 0) goto fail;
        size_t polled = batch.n;
        batch.n = 0;
        rd_kafka_poll(l.rk, 0);
        if (eos) {
            if (polled > 0 && eos_commit(&l, &err) < 0) goto fail;
        } else if (trib_mono_ms() >= next_flush) {
            int64_t commit_us = trib_mono_us();
            if (commit_offsets(&l, true, &err) < 0) goto fail;
            commit_us = trib_mono_us() - commit_us;
            trib_task_count(&t->counters.commits, 1);
            trib_task_count(&t->counters.commit_us_sum, commit_us);
            trib_task_count_max(&t->counters.commit_us_max, commit_us);
            next_flush = trib_mono_ms() + flush_interval;
        } else if (advance_acked(&l, true, &err) < 0) {
            goto fail;
        }
    }

done:
    /* Graceful stop: deliver what is in flight, then commit its offsets
     * (in exactly-once mode every batch is already committed). */
    if (l.rk && !eos) {
        rd_kafka_flush(l.rk, 5000);
        rd_kafka_poll(l.rk, 0);
        if (commit_offsets(&l, true, &err) < 0)
            TRIB_ERROR("worker", "%s final offset commit failed: %s", t->log_ctx, err.msg);
    }
    if (started) t->plugin->source->stop(ctx);
    trib_task_set_state(t, TRIB_STATE_UNASSIGNED, NULL);
    goto cleanup;

fail:
    trib_task_fail(t, &err);
    if (l.rk && eos) {
        /* an open transaction is aborted: none of its records become visible */
        rd_kafka_error_t *a = rd_kafka_abort_transaction(l.rk, 10000);
        if (a) rd_kafka_error_destroy(a);
    } else if (l.rk) {
        /* Records already delivered keep their offsets; the rest repeat. */
        rd_kafka_flush(l.rk, 2000);
        rd_kafka_poll(l.rk, 0);
        trib_error ferr;
        if (commit_offsets(&l, false, &ferr) < 0)
            TRIB_ERROR("worker", "%s offset commit failed: %s", t->log_ctx, ferr.msg);
    }
    if (started) t->plugin->source->stop(ctx);

cleanup:
    if (l.rk) {
        /* Settle every report before freeing the entries they point to. */
        rd_kafka_purge(l.rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_poll(l.rk, 0);
        topic_handles_free(&l);
        rd_kafka_destroy(l.rk);
    }
    run_drop(l.run);   /* a failed batch's unsent tail: its entries never settled */
    trib_strbuf_free(&l.run->bytes);
    free(l.run);
    drop_inflight(&l);
    drop_acked(&l);
    for (inflight_block *lists[] = {l.first, l.spare}, **li = lists; li < lists + 2; li++)
        while (*li) {
            inflight_block *b = *li;
            *li = b->next;
            free(b);
        }
    trib_record_batch_free(&batch);
    trib_strbuf_free(&kb);
    trib_strbuf_free(&vb);
    trib_source_task_context_destroy(tctx);
    trib_task_teardown_common(t);
    return NULL;
}
