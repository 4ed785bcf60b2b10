/*
 * sink.c: PostgresSink (io.tributary.connect.postgres.PostgresSinkConnector),
 * a JDBC-sink-compatible PostgreSQL sink with exactly-once delivery.
 *
 * Configs carry over from Confluent's JdbcSinkConnector (connection.url,
 * insert.mode, pk.mode, pk.fields, fields.whitelist, auto.create,
 * auto.evolve, delete.enabled, batch.size, max.retries, retry.backoff.ms,
 * table.name.format) and accept Debezium's JDBC sink spellings
 * (connection.username, field.include.list, primary.key.mode,
 * primary.key.fields, schema.evolution=basic). Confluent's and Debezium's
 * class names are served by this plugin too (connectors/registry.c).
 *
 * Exactly-once: records are buffered (put) and written in one transaction
 * per batch together with each partition's next offset in the ledger table
 * (tributary.offsets.table). open() reads the ledger and seeks the consumer
 * there; records below a partition's known position are duplicates and are
 * skipped. If a COMMIT's outcome is unknown (connection lost), the ledger is
 * read again before the retry, and a batch that did commit is not written
 * twice. A batch commits only if the ledger still holds, for each of its
 * partitions, the offset this task read or last wrote: a task that stalled
 * past its consumer-group session cannot commit rows its partition's new
 * owner has written meanwhile (see ledger_moved).
 *
 * Errors: transient database errors are RETRIABLE, retried up to
 * max.retries times with retry.backoff.ms between attempts (reconnecting
 * as needed), then FATAL. A record the database refuses goes to the error
 * reporter (DLQ under errors.tolerance=all) and the rest of its batch lands.
 */
#include "connectors/postgres/sink_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "common/time.h"

#define FAC "connector.postgres"

static const char *const insert_modes[] = {"insert", "upsert", "update", NULL};
static const char *const pk_modes[] = {"none", "kafka", "record_key", "record_value", NULL};
static const char *const evolution_modes[] = {"none", "basic", NULL};

static int validate_url(const trib_config_def *def, const char *value, trib_error *err) {
    (void)def;
    trib_error e;
    if (trib_pg_url_check(value, &e) == 0) return 0;
    /* The engine prefixes the key; drop our "postgres: connection.url" lead. */
    const char *m = strstr(e.msg, "connection.url ");
    return trib_error_set(err, TRIB_ERR_INVALID, "%s", m ? m + strlen("connection.url ") : e.msg);
}

static int validate_table_format(const trib_config_def *def, const char *value, trib_error *err) {
    (void)def;
    char *schema = NULL, *table = NULL;
    trib_error e;
    if (trib_pg_table_name_format(value, "topic", &schema, &table, &e) < 0)
        return trib_error_set(err, TRIB_ERR_INVALID, "%s", e.msg);
    free(schema);
    free(table);
    return 0;
}

#define CONN_GROUP "Connection"
#define WRITES_GROUP "Writes"
#define DDL_GROUP "DDL Support"
#define RETRY_GROUP "Retries"

static const trib_config_def sink_config[] = {
    {.name = "connection.url", .type = TRIB_CFG_STRING, .importance = TRIB_IMP_HIGH, .group = CONN_GROUP,
     .validate = validate_url, .non_empty = true,
     .doc = "PostgreSQL connection: a libpq URI (postgresql://host:5432/db), a key=value conninfo, or a JDBC URL "
            "(jdbc:postgresql://host:5432/db), which is translated."},
    {.name = "connection.user", .type = TRIB_CFG_STRING, .optional = true, .importance = TRIB_IMP_HIGH,
     .group = CONN_GROUP, .doc = "User name; overrides the URL's."},
    {.name = "connection.username", .type = TRIB_CFG_STRING, .optional = true, .importance = TRIB_IMP_LOW,
     .group = CONN_GROUP, .doc = "Debezium's JDBC sink spelling of connection.user (which wins when both are set)."},
    {.name = "connection.password", .type = TRIB_CFG_PASSWORD, .optional = true, .importance = TRIB_IMP_HIGH,
     .group = CONN_GROUP, .doc = "Password; overrides the URL's."},
    {.name = "connection.query.timeout.ms", .type = TRIB_CFG_LONG, .default_value = "60000", .importance = TRIB_IMP_LOW,
     .group = CONN_GROUP, .has_min = true, .min = 100, .has_max = true, .max = 86400000,
     .doc = "Longest wait for one round trip to the server (a statement, a COPY step, a result). When it passes, the "
            "connection is closed and the task retries or fails per its error policy, so a server that stops "
            "answering after the handshake holds the task at most this long."},
    {.name = "table.name.format", .type = TRIB_CFG_STRING, .default_value = "${topic}", .importance = TRIB_IMP_MEDIUM,
     .group = WRITES_GROUP, .validate = validate_table_format, .non_empty = true,
     .doc = "Destination table name; ${topic} is replaced by the record's topic. A '.' outside ${topic} "
            "separates a schema (\"audit.${topic}\"); without one the table is in the connection's current schema. "
            "Names are used exactly as given (always quoted) and truncated to 63 bytes as PostgreSQL does."},
    {.name = "insert.mode", .type = TRIB_CFG_STRING, .default_value = "insert", .importance = TRIB_IMP_HIGH,
     .group = WRITES_GROUP, .one_of = insert_modes,
     .doc = "insert: plain inserts (COPY); upsert: INSERT ... ON CONFLICT (primary key) DO UPDATE; update: UPDATE "
            "rows matching the key (others are ignored)."},
    {.name = "pk.mode", .type = TRIB_CFG_STRING, .default_value = "none", .importance = TRIB_IMP_HIGH,
     .group = WRITES_GROUP, .one_of = pk_modes,
     .doc = "Where the primary key comes from: none; kafka (topic, partition, offset columns); record_key (the key's "
            "fields, or a primitive key as one column); record_value (fields of the value)."},
    {.name = "pk.fields", .type = TRIB_CFG_LIST, .default_value = "", .importance = TRIB_IMP_MEDIUM,
     .group = WRITES_GROUP,
     .doc = "Primary key columns. kafka: three names for topic, partition and offset (default __connect_topic, "
            "__connect_partition, __connect_offset); record_key: key fields (all if empty; exactly one name for a "
            "primitive key); record_value: value fields (all if empty)."},
    {.name = "fields.whitelist", .type = TRIB_CFG_LIST, .default_value = "", .importance = TRIB_IMP_MEDIUM,
     .group = WRITES_GROUP,
     .doc = "Value fields to write (all if empty). Key columns are always written."},
    {.name = "field.include.list", .type = TRIB_CFG_LIST, .default_value = "", .importance = TRIB_IMP_LOW,
     .group = WRITES_GROUP, .doc = "Debezium JDBC sink spelling of fields.whitelist (used when that is empty)."},
    {.name = "primary.key.mode", .type = TRIB_CFG_STRING, .optional = true, .importance = TRIB_IMP_LOW,
     .group = WRITES_GROUP, .one_of = pk_modes, .doc = "Debezium JDBC sink spelling of pk.mode (wins when set)."},
    {.name = "primary.key.fields", .type = TRIB_CFG_LIST, .optional = true, .importance = TRIB_IMP_LOW,
     .group = WRITES_GROUP, .doc = "Debezium JDBC sink spelling of pk.fields (wins when set)."},
    {.name = "delete.enabled", .type = TRIB_CFG_BOOLEAN, .default_value = "false", .importance = TRIB_IMP_MEDIUM,
     .group = WRITES_GROUP,
     .doc = "Tombstones (null values) delete the row with the record's key; needs pk.mode=record_key. When false, "
            "tombstones are skipped."},
    {.name = "batch.size", .type = TRIB_CFG_INT, .default_value = "3000", .importance = TRIB_IMP_MEDIUM,
     .group = WRITES_GROUP, .has_min = true, .min = 1,
     .doc = "Records buffered before a batch is written (each batch is one transaction); flush writes the rest."},
    {.name = "auto.create", .type = TRIB_CFG_BOOLEAN, .default_value = "false", .importance = TRIB_IMP_MEDIUM,
     .group = DDL_GROUP, .doc = "Create a missing table from the record schema (CREATE TABLE IF NOT EXISTS)."},
    {.name = "auto.evolve", .type = TRIB_CFG_BOOLEAN, .default_value = "false", .importance = TRIB_IMP_MEDIUM,
     .group = DDL_GROUP, .doc = "Add missing columns (always nullable) when records carry new fields."},
    {.name = "schema.evolution", .type = TRIB_CFG_STRING, .optional = true, .importance = TRIB_IMP_LOW,
     .group = DDL_GROUP, .one_of = evolution_modes,
     .doc = "Debezium JDBC sink spelling: basic = auto.create and auto.evolve, none = neither (wins when set)."},
    {.name = "max.retries", .type = TRIB_CFG_INT, .default_value = "10", .importance = TRIB_IMP_MEDIUM,
     .group = RETRY_GROUP, .has_min = true, .min = 0,
     .doc = "Transient database errors tolerated in a row before the task fails."},
    {.name = "retry.backoff.ms", .type = TRIB_CFG_INT, .default_value = "3000", .importance = TRIB_IMP_MEDIUM,
     .group = RETRY_GROUP, .has_min = true, .min = 0, .doc = "Wait before retrying after a transient error."},
    {.name = "tributary.offsets.table", .type = TRIB_CFG_STRING, .default_value = "__tributary_offsets",
     .importance = TRIB_IMP_MEDIUM, .group = WRITES_GROUP, .non_empty = true,
     .doc = "Table holding each partition's next offset, written in the same transaction as the rows (exactly-once). "
            "\"schema.table\" or a table in the current schema; created if missing."},
    TRIB_CONFIG_END,
};

/* Cross-field rules, shared by validate() and start(). */
static void cross_check(const char *mode, const char *pk, size_t npk, bool del, trib_config_report *rep,
                        trib_error *err) {
    char msg[256] = "";
    const char *key = NULL;
    if (mode && strcasecmp(mode, "insert") != 0 && pk && strcasecmp(pk, "none") == 0) {
        key = "pk.mode";
        snprintf(msg, sizeof msg, "insert.mode=%s needs a primary key: set pk.mode to kafka, record_key or record_value",
                 mode);
    } else if (del && pk && strcasecmp(pk, "record_key") != 0) {
        key = "delete.enabled";
        snprintf(msg, sizeof msg, "delete.enabled=true needs pk.mode=record_key");
    } else if (pk && strcasecmp(pk, "kafka") == 0 && npk != 0 && npk != 3) {
        key = "pk.fields";
        snprintf(msg, sizeof msg, "pk.mode=kafka needs three pk.fields names (topic, partition, offset) or none");
    }
    if (!key) return;
    if (rep) trib_config_report_error(rep, key, "%s", msg);
    trib_error_set(err, TRIB_ERR_INVALID, "postgres: %s", msg);
}

static const char *effective_pk_mode(const trib_props *p) {
    const char *d = trib_props_get(p, "primary.key.mode");
    return d && *d ? d : trib_props_get_or(p, "pk.mode", "none");
}

static void sink_validate(const trib_props *config, trib_config_report *report) {
    const char *pkf = trib_props_get(config, "primary.key.fields");
    if (!pkf) pkf = trib_props_get_or(config, "pk.fields", "");
    size_t npk = 0;
    char **v = trib_split_list(pkf, &npk);
    trib_strv_free(v);
    bool del = false;
    trib_parse_bool(trib_props_get_or(config, "delete.enabled", "false"), &del);
    cross_check(trib_props_get_or(config, "insert.mode", "insert"), effective_pk_mode(config), npk, del, report, NULL);
    trib_pg_tenant_validate(config, report);
}

static int sink_task_configs(void *ctx, const trib_props *config, int max_tasks, trib_props ***out, size_t *n,
                             trib_error *err) {
    (void)ctx;
    if (max_tasks < 1) return trib_error_set(err, TRIB_ERR_INVALID, "tasks.max must be at least 1");
    *out = trib_xmalloc((size_t)max_tasks * sizeof **out);
    for (int i = 0; i < max_tasks; i++) (*out)[i] = config ? trib_props_clone(config) : trib_props_new();
    *n = (size_t)max_tasks;
    return 0;
}

/* ---- partitions -------------------------------------------------------------- */

static int tp_index(pg_sink *s, const char *topic, int32_t partition, bool create) {
    if (s->last_tp < s->ntps && s->tps[s->last_tp].partition == partition &&
        strcmp(s->tps[s->last_tp].topic, topic) == 0)
        return (int)s->last_tp;
    for (size_t i = 0; i < s->ntps; i++) {
        if (s->tps[i].partition == partition && strcmp(s->tps[i].topic, topic) == 0) {
            s->last_tp = i;
            return (int)i;
        }
    }
    if (!create) return -1;
    if (s->ntps == s->tps_cap) {
        s->tps_cap = s->tps_cap ? s->tps_cap * 2 : 16;
        s->tps = trib_xrealloc(s->tps, s->tps_cap * sizeof *s->tps);
    }
    s->tps[s->ntps] = (pg_tp_state){.topic = trib_xstrdup(topic), .partition = partition, .next = -1,
                                   .committed = -1, .target = -1};
    s->last_tp = s->ntps;
    return (int)s->ntps++;
}

/* ---- buffer ------------------------------------------------------------------ */

static void clear_buffer(pg_sink *s) {
    /* Runs keep their buffers for the next batch: no large free and
     * reallocation per batch. */
    for (size_t i = 0; i < s->nruns; i++) {
        pg_run *r = s->runs[i];
        r->data.len = 0;
        r->nrows = 0;
        if (s->nspare == s->spare_cap) {
            s->spare_cap = s->spare_cap ? s->spare_cap * 2 : 8;
            s->spare_runs = trib_xrealloc(s->spare_runs, s->spare_cap * sizeof *s->spare_runs);
        }
        s->spare_runs[s->nspare++] = r;
    }
    s->nruns = 0;
    for (pg_table *t = s->tables; t; t = t->next) t->open_run = NULL;
    for (size_t i = 0; i < s->npend; i++) trib_record_destroy(s->pend[i].rec);
    s->npend = 0;
    s->nlive = 0;
    s->raw.len = 0;
    s->nhdrs = 0;
    s->stream_off = false;
    s->stream_sent = 0;
}

static void free_run(pg_run *r) {
    trib_strbuf_free(&r->data);
    free(r->off);
    free(r->rec);
    free(r);
}

/* Copies n bytes into the raw arena; returns their offset. */
static size_t raw_put(pg_sink *s, const void *data, size_t n) {
    size_t at = s->raw.len;
    if (n) trib_strbuf_append(&s->raw, data, n);
    return at;
}

static size_t add_pending(pg_sink *s, const trib_record *rec, int tp) {
    if (s->npend == s->pend_cap) {
        s->pend_cap = s->pend_cap ? s->pend_cap * 2 : 256;
        s->pend = trib_xrealloc(s->pend, s->pend_cap * sizeof *s->pend);
    }
    pg_pending *p = &s->pend[s->npend];
    memset(p, 0, sizeof *p);
    p->tp = tp;
    p->partition = rec->partition;
    p->offset = rec->kafka_offset;
    p->timestamp = rec->timestamp;
    p->done = false;
    if (tp < 0 || (!rec->raw_key && !rec->raw_value)) {
        /* Not from Kafka (or no bytes to report): the DLQ needs the record. */
        p->rec = trib_record_clone(rec);
        p->rec->raw_key = p->rec->raw_value = NULL;
        p->rec->raw_key_len = p->rec->raw_value_len = 0;
        p->rec->raw_headers = NULL;
        p->rec->raw_nheaders = 0;
        return s->npend++;
    }
    /* The raw bytes are borrowed from the consumer for this call only. */
    p->key_len = rec->raw_key ? rec->raw_key_len : PG_RAW_NULL;
    p->value_len = rec->raw_value ? rec->raw_value_len : PG_RAW_NULL;
    p->raw = raw_put(s, rec->raw_key, rec->raw_key ? rec->raw_key_len : 0);
    raw_put(s, rec->raw_value, rec->raw_value ? rec->raw_value_len : 0);
    p->hdr = s->nhdrs;
    p->nhdr = rec->raw_nheaders;
    for (size_t i = 0; i < rec->raw_nheaders; i++) {
        if (s->nhdrs == s->hdrs_cap) {
            s->hdrs_cap = s->hdrs_cap ? s->hdrs_cap * 2 : 64;
            s->hdrs = trib_xrealloc(s->hdrs, s->hdrs_cap * sizeof *s->hdrs);
        }
        const trib_header *h = &rec->raw_headers[i];
        pg_pending_hdr *ph = &s->hdrs[s->nhdrs++];
        ph->key = raw_put(s, h->key, strlen(h->key) + 1);
        ph->len = h->len;
        ph->value = h->value ? raw_put(s, h->value, h->len) : PG_RAW_NULL;
    }
    return s->npend++;
}

static pg_run *run_for(pg_sink *s, pg_table *t, pg_layout *l) {
    if (t->open_run && t->open_run->layout == l) return t->open_run;
    pg_run *r;
    if (s->nspare) {
        r = s->spare_runs[--s->nspare];
    } else {
        r = trib_xcalloc(1, sizeof *r);
        trib_strbuf_init(&r->data);
    }
    r->table = t;
    r->layout = l;
    if (s->nruns == s->runs_cap) {
        s->runs_cap = s->runs_cap ? s->runs_cap * 2 : 8;
        s->runs = trib_xrealloc(s->runs, s->runs_cap * sizeof *s->runs);
    }
    s->runs[s->nruns++] = r;
    t->open_run = r;
    return r;
}

static void run_add_row(pg_run *r, size_t start, size_t pend) {
    if (r->nrows + 1 >= r->cap) {
        r->cap = r->cap ? r->cap * 2 : 256;
        r->off = trib_xrealloc(r->off, (r->cap + 1) * sizeof *r->off);
        r->rec = trib_xrealloc(r->rec, r->cap * sizeof *r->rec);
    }
    r->off[r->nrows] = start;
    r->rec[r->nrows] = pend;
    r->nrows++;
    r->off[r->nrows] = r->data.len;
}

/* A pointer into the raw arena (never NULL: empty values have no bytes). */
static char *arena_at(const pg_sink *s, size_t off) { return s->raw.data ? s->raw.data + off : (char *)""; }

int pg_sink_report_pending(pg_sink *s, size_t idx, const trib_error *why, trib_error *err) {
    pg_pending *p = &s->pend[idx];
    p->done = true;
    s->nlive--;
    /* A Kafka record is reported as what the DLQ needs: its position,
     * timestamp, raw bytes and headers (key and value are not decoded). */
    trib_record view;
    trib_header *hv = NULL;
    const trib_record *rec = p->rec;
    if (!rec) {
        memset(&view, 0, sizeof view);
        view.topic = s->tps[p->tp].topic;
        view.partition = p->partition;
        view.kafka_offset = p->offset;
        view.timestamp = p->timestamp;
        view.raw_key = p->key_len == PG_RAW_NULL ? NULL : arena_at(s, p->raw);
        view.raw_key_len = p->key_len == PG_RAW_NULL ? 0 : p->key_len;
        size_t voff = p->raw + view.raw_key_len;
        view.raw_value = p->value_len == PG_RAW_NULL ? NULL : arena_at(s, voff);
        view.raw_value_len = p->value_len == PG_RAW_NULL ? 0 : p->value_len;
        if (p->nhdr) {
            hv = trib_xcalloc(p->nhdr, sizeof *hv);
            for (size_t i = 0; i < p->nhdr; i++) {
                const pg_pending_hdr *ph = &s->hdrs[p->hdr + i];
                hv[i].key = arena_at(s, ph->key);
                hv[i].value = ph->value == PG_RAW_NULL ? NULL : arena_at(s, ph->value);
                hv[i].len = ph->len;
            }
        }
        view.raw_headers = hv;
        view.raw_nheaders = p->nhdr;
        rec = &view;
    }
    TRIB_WARN(FAC, "[%s:%d] record %s-%d@%" PRId64 " refused by the database: %s", s->connector, s->task_id,
              rec->topic, rec->partition, rec->kafka_offset, why->msg);
    int rc = 0;
    if (trib_sink_task_context_report(s->tctx, rec, why) != 0)
        rc = trib_error_set(err, TRIB_ERR_FATAL, "%s (record %s-%d@%" PRId64 "; errors.tolerance does not allow skipping it)",
                            why->msg, rec->topic, rec->partition, rec->kafka_offset);
    free(hv);
    return rc;
}

/* ---- retries ------------------------------------------------------------------ */

/* After a failed write or DDL: transient errors are retried max.retries
 * times with backoff, then become FATAL. */
static int failed(pg_sink *s, trib_error *err) {
    if (!err || !trib_error_is_retriable(err)) return -1;
    if (!s->conn || PQstatus(s->conn) != CONNECTION_OK) pg_sink_drop_conn(s);
    s->need_resync = true;
    if (s->retries_left <= 0) {
        err->code = TRIB_ERR_FATAL;
        trib_error_prefix(err, "postgres: giving up after %d retries", s->max_retries);
        s->retries_left = s->max_retries;
        return -1;
    }
    s->retries_left--;
    TRIB_WARN(FAC, "[%s:%d] %s; retrying in %" PRId64 " ms (%d retries left)", s->connector, s->task_id, err->msg,
              s->backoff_ms, s->retries_left);
    int64_t until = trib_mono_ms() + s->backoff_ms;
    while (trib_mono_ms() < until && !trib_sink_task_context_stopping(s->tctx)) {
        int64_t left = until - trib_mono_ms();
        trib_sleep_ms(left > 100 ? 100 : left);
    }
    return -1;
}

/* The ledger holds `stored` for partition i, beyond what this task knew:
 * its own COMMIT whose outcome was unknown, or another task's writes. The
 * task carries on from there: buffered records below it are dropped and
 * records below it that arrive later are skipped (they are in the table).
 * The records it keeps, from `stored` up, are the consumer's own contiguous
 * delivery, so the next batch leaves no gap. Returns the records dropped. */
static size_t catch_up(pg_sink *s, size_t i, int64_t stored) {
    pg_tp_state *st = &s->tps[i];
    st->committed = stored;
    if (st->next < stored) st->next = stored;
    size_t dropped = 0;
    for (size_t k = 0; k < s->npend; k++) {
        pg_pending *p = &s->pend[k];
        if (p->done || p->tp != (int)i || p->offset >= stored) continue;
        p->done = true;
        s->nlive--;
        dropped++;
    }
    return dropped;
}

/* Reads every known partition's ledger row into stored[] (s->ntps long). */
static int read_ledger(pg_sink *s, int64_t *stored, trib_error *err) {
    trib_topic_partition *tps = trib_xcalloc(s->ntps ? s->ntps : 1, sizeof *tps);
    for (size_t i = 0; i < s->ntps; i++) {
        tps[i].topic = s->tps[i].topic;
        tps[i].partition = s->tps[i].partition;
    }
    int rc = trib_pg_offsets_read(s->conn, s->offsets_table, s->connector, tps, s->ntps, stored, err);
    free(tps);
    return rc;
}

/* The ledger read again after a failure whose COMMIT outcome is unknown:
 * buffered records a committed batch already holds are dropped. */
static int resync(pg_sink *s, trib_error *err) {
    pg_sink_stream_abort(s);
    if (s->ntps == 0) {
        s->need_resync = false;
        return 0;
    }
    int64_t *stored = trib_xcalloc(s->ntps, sizeof *stored);
    int rc = read_ledger(s, stored, err);
    if (rc == 0) {
        for (size_t i = 0; i < s->ntps; i++)
            if (stored[i] > s->tps[i].committed) catch_up(s, i, stored[i]);
        s->need_resync = false;
    }
    free(stored);
    return rc;
}

/* A batch was refused because the ledger of some of its partitions moved
 * since this task read or wrote it: another task wrote them, typically the
 * partition's new owner while this task stalled past its consumer-group
 * session (or this task is the new owner and a stalled one committed
 * first). Nothing of the batch committed. A partition whose ledger moved
 * forward continues from there (catch_up); one whose ledger moved back or
 * vanished was reset by someone, and only a restart (open() seeks to the
 * ledger) can resume it without losing records: FATAL. */
static int ledger_moved(pg_sink *s, const trib_pg_ledger_move *ledger, size_t nledger, trib_error *err) {
    int64_t *stored = trib_xcalloc(s->ntps ? s->ntps : 1, sizeof *stored);
    if (read_ledger(s, stored, err) < 0) {
        free(stored);
        s->need_resync = true;
        return -1;
    }
    int rc = 0;
    size_t moved = 0;
    for (size_t j = 0; j < nledger; j++) {
        int i = tp_index(s, ledger[j].topic, ledger[j].partition, false);
        if (i < 0 || stored[i] == ledger[j].from) continue;
        if (stored[i] < ledger[j].from) {
            rc = trib_error_set(err, TRIB_ERR_FATAL,
                                "postgres: the offsets ledger of %s-%d went back from %" PRId64 " to %" PRId64
                                " (-1: row deleted) while this task wrote the partition; restart the task to resume "
                                "from the ledger",
                                ledger[j].topic, ledger[j].partition, ledger[j].from, stored[i]);
            break;
        }
        size_t dropped = catch_up(s, (size_t)i, stored[i]);
        moved++;
        TRIB_WARN(FAC,
                  "[%s:%d] %s-%d: the offsets ledger is at %" PRId64 ", not %" PRId64
                  ": another task wrote this partition; its batch was rolled back, %zu buffered records below %" PRId64
                  " dropped (already written), the rest is written again",
                  s->connector, s->task_id, ledger[j].topic, ledger[j].partition, stored[i], ledger[j].from, dropped,
                  stored[i]);
    }
    if (rc == 0 && moved == 0)
        rc = trib_error_set(err, TRIB_ERR_RETRIABLE,
                            "postgres: the offsets ledger write conflicted, but no partition moved");
    free(stored);
    return rc;
}

/* The ledger moves of the buffer: every partition whose target is past
 * what the ledger holds, from what this task knows it holds. */
static size_t ledger_moves(const pg_sink *s, trib_pg_ledger_move *ledger) {
    size_t n = 0;
    for (size_t i = 0; i < s->ntps; i++) {
        if (s->tps[i].target <= s->tps[i].committed) continue;
        ledger[n++] = (trib_pg_ledger_move){.topic = s->tps[i].topic, .partition = s->tps[i].partition,
                                            .from = s->tps[i].committed, .to = s->tps[i].target};
    }
    return n;
}

/* Writes the buffer and the ledger. */
static int write_all(pg_sink *s, trib_error *err) {
    if (pg_sink_ensure_conn(s, err) < 0) return failed(s, err);
    if (s->need_resync && resync(s, err) < 0) return failed(s, err);
    trib_pg_ledger_move *ledger = trib_xcalloc(s->ntps ? s->ntps : 1, sizeof *ledger);
    size_t nledger, rows;
    int64_t t0 = trib_mono_us();
    for (;;) {
        nledger = ledger_moves(s, ledger);
        rows = s->nlive;
        if (rows == 0 && nledger == 0) {
            pg_sink_stream_abort(s);
            free(ledger);
            clear_buffer(s);
            return 0;
        }
        trib_error e;
        trib_error_clear(&e);
        if (pg_sink_write_batch(s, ledger, nledger, &e) == 0) break;
        /* Each time round at least one partition moved forward (or the
         * task fails), so this ends. */
        if (e.code != TRIB_ERR_CONFLICT || ledger_moved(s, ledger, nledger, &e) < 0) {
            if (err) *err = e;
            free(ledger);
            return failed(s, err);
        }
    }
    for (size_t i = 0; i < nledger; i++) {
        int idx = tp_index(s, ledger[i].topic, ledger[i].partition, false);
        if (idx >= 0) s->tps[idx].committed = ledger[i].to;
    }
    free(ledger);
    TRIB_DEBUG(FAC, "[%s:%d] wrote %zu rows in %" PRId64 " us", s->connector, s->task_id, rows, trib_mono_us() - t0);
    clear_buffer(s);
    s->retries_left = s->max_retries;
    return 0;
}

/* ---- task callbacks ---------------------------------------------------------------- */

static void sink_stop(void *ctx);

static int sink_start(const trib_props *config, trib_sink_task_context *tctx, void **ctx, trib_error *err) {
    trib_config *cfg = trib_config_bind(sink_config, config, "", err);
    if (!cfg) return -1;
    pg_sink *s = trib_xcalloc(1, sizeof *s);
    s->cfg = cfg;
    s->tctx = tctx;
    s->connector = trib_xstrdup(trib_sink_task_context_connector(tctx));
    s->task_id = trib_sink_task_context_task_id(tctx);
    s->url = trib_config_string(cfg, "connection.url");
    s->user = trib_config_string(cfg, "connection.user");
    if (!s->user) s->user = trib_config_string(cfg, "connection.username");
    s->password = trib_config_password(cfg, "connection.password");
    s->query_timeout_ms = trib_config_long(cfg, TRIB_PG_QUERY_TIMEOUT_KEY);
    s->table_format = trib_config_string(cfg, "table.name.format");
    s->offsets_table = trib_config_string(cfg, "tributary.offsets.table");
    const char *mode = trib_config_string(cfg, "insert.mode");
    s->mode = strcasecmp(mode, "upsert") == 0 ? PG_MODE_UPSERT
              : strcasecmp(mode, "update") == 0 ? PG_MODE_UPDATE : PG_MODE_INSERT;
    const char *pk = trib_config_string(cfg, "primary.key.mode");
    if (!pk) pk = trib_config_string(cfg, "pk.mode");
    s->pk_mode = strcasecmp(pk, "kafka") == 0          ? PG_PK_KAFKA
                 : strcasecmp(pk, "record_key") == 0   ? PG_PK_RECORD_KEY
                 : strcasecmp(pk, "record_value") == 0 ? PG_PK_RECORD_VALUE
                                                       : PG_PK_NONE;
    const char *pkf_key = trib_config_raw(cfg, "primary.key.fields") ? "primary.key.fields" : "pk.fields";
    s->pk_fields = (char **)trib_config_list(cfg, pkf_key);
    s->npk_fields = trib_config_list_len(cfg, pkf_key);
    const char *wl_key = trib_config_list_len(cfg, "fields.whitelist") ? "fields.whitelist" : "field.include.list";
    s->whitelist = (char **)trib_config_list(cfg, wl_key);
    s->nwhitelist = trib_config_list_len(cfg, wl_key);
    s->auto_create = trib_config_bool(cfg, "auto.create");
    s->auto_evolve = trib_config_bool(cfg, "auto.evolve");
    const char *evo = trib_config_string(cfg, "schema.evolution");
    if (evo) s->auto_create = s->auto_evolve = strcasecmp(evo, "basic") == 0;
    s->delete_enabled = trib_config_bool(cfg, "delete.enabled");
    s->batch_size = (size_t)trib_config_int(cfg, "batch.size");
    s->max_retries = trib_config_int(cfg, "max.retries");
    s->retries_left = s->max_retries;
    s->backoff_ms = trib_config_int(cfg, "retry.backoff.ms");
    s->kafka_schemas[0] = trib_schema_primitive(TRIB_STRING, false);
    s->kafka_schemas[1] = trib_schema_primitive(TRIB_INT32, false);
    s->kafka_schemas[2] = trib_schema_primitive(TRIB_INT64, false);
    s->last_tp = SIZE_MAX;

    trib_error e;
    trib_error_clear(&e);
    cross_check(mode, pk, s->npk_fields, s->delete_enabled, NULL, &e);
    if (e.code != TRIB_OK) {
        if (err) *err = e;
        sink_stop(s);
        return -1;
    }
    if (trib_pg_ident_check(s->offsets_table, "tributary.offsets.table", err) < 0) {
        sink_stop(s);
        return -1;
    }
    if (pg_sink_ensure_conn(s, err) < 0) {
        sink_stop(s);
        return -1;
    }
    TRIB_INFO(FAC, "[%s:%d] PostgreSQL sink started (database %s on %s, insert.mode=%s, pk.mode=%s)", s->connector,
              s->task_id, PQdb(s->conn), PQhost(s->conn), mode, pk);
    *ctx = s;
    return 0;
}

static int sink_open(void *ctx, const trib_topic_partition *tps, size_t n, trib_error *err) {
    pg_sink *s = ctx;
    if (n == 0) return 0;
    pg_sink_stream_abort(s);
    if (pg_sink_ensure_conn(s, err) < 0) return failed(s, err);
    int64_t *stored = trib_xcalloc(n, sizeof *stored);
    if (trib_pg_offsets_read(s->conn, s->offsets_table, s->connector, tps, n, stored, err) < 0) {
        free(stored);
        return failed(s, err);
    }
    for (size_t i = 0; i < n; i++) {
        int idx = tp_index(s, tps[i].topic, tps[i].partition, true);
        pg_tp_state *st = &s->tps[idx];
        st->committed = stored[i];
        st->next = stored[i];
        st->target = -1;
        if (stored[i] >= 0) {
            TRIB_INFO(FAC, "[%s:%d] %s-%d resumes at offset %" PRId64 " (from %s)", s->connector, s->task_id,
                      tps[i].topic, tps[i].partition, stored[i], s->offsets_table);
            trib_sink_task_context_seek(s->tctx, tps[i].topic, tps[i].partition, stored[i]);
        }
    }
    free(stored);
    return 0;
}

static int sink_close(void *ctx, const trib_topic_partition *tps, size_t n, trib_error *err) {
    (void)err;
    pg_sink *s = ctx;
    pg_sink_stream_abort(s);   /* rows of these partitions may be in it */
    /* Buffered records of revoked partitions are dropped: the ledger has not
     * moved past them, so their next owner reads them again. */
    for (size_t i = 0; i < n; i++) {
        int idx = tp_index(s, tps[i].topic, tps[i].partition, false);
        if (idx < 0) continue;
        for (size_t k = 0; k < s->npend; k++) {
            if (s->pend[k].tp == idx && !s->pend[k].done) {
                s->pend[k].done = true;
                s->nlive--;
            }
        }
        s->tps[idx].target = -1;
        s->tps[idx].next = -1;
        s->tps[idx].committed = -1;
    }
    return 0;
}

static int sink_put(void *ctx, trib_record *const *records, size_t n, trib_error *err) {
    pg_sink *s = ctx;
    for (size_t i = 0; i < n; i++) {
        const trib_record *rec = records[i];
        int tp = -1;
        if (rec->kafka_offset >= 0 && rec->partition >= 0) {
            tp = tp_index(s, rec->topic, rec->partition, true);
            pg_tp_state *st = &s->tps[tp];
            if (st->next >= 0 && rec->kafka_offset < st->next) continue;   /* already written or buffered */
        }
        bool del = rec->value == NULL;
        trib_error e;
        trib_error_clear(&e);
        int rc = 0;
        if (del && !s->delete_enabled) {
            TRIB_DEBUG(FAC, "[%s:%d] skipping a tombstone (delete.enabled=false)", s->connector, s->task_id);
        } else {
            pg_table *t = pg_sink_table_for_topic(s, rec->topic, &e);
            pg_layout *l = t ? pg_sink_layout_for(s, t, rec, del, &e) : NULL;
            if (!l) {
                rc = -1;
            } else {
                pg_run *r = run_for(s, t, l);
                size_t start = r->data.len;
                rc = pg_sink_encode_row(l, rec, &r->data, &e);
                if (rc == 0) {
                    run_add_row(r, start, add_pending(s, rec, tp));
                    s->nlive++;
                }
            }
        }
        if (rc < 0) {
            if (e.code != TRIB_ERR_INVALID) {
                if (err) *err = e;
                return failed(s, err);
            }
            if (trib_sink_task_context_report(s->tctx, rec, &e) != 0) {
                if (err) *err = e;
                if (err) err->code = TRIB_ERR_FATAL;
                return -1;
            }
        }
        if (tp >= 0) {
            pg_tp_state *st = &s->tps[tp];
            st->next = rec->kafka_offset + 1;
            if (st->next > st->target) st->target = st->next;
        }
    }
    if (s->nlive >= s->batch_size || (s->streaming && trib_mono_ms() - s->stream_since_ms >= PG_STREAM_MAX_MS))
        return write_all(s, err);
    pg_sink_stream(s);
    return 0;
}

static int sink_flush(void *ctx, const trib_topic_partition *offsets, size_t n, trib_error *err) {
    pg_sink *s = ctx;
    for (size_t i = 0; i < n; i++) {
        if (offsets[i].offset < 0) continue;
        int idx = tp_index(s, offsets[i].topic, offsets[i].partition, true);
        pg_tp_state *st = &s->tps[idx];
        /* Everything below the consumer's position was put (or filtered out
         * by transforms): the ledger may move there. */
        if (offsets[i].offset > st->target && offsets[i].offset > st->committed) st->target = offsets[i].offset;
    }
    return write_all(s, err);
}

static void sink_stop(void *ctx) {
    pg_sink *s = ctx;
    if (!s) return;
    clear_buffer(s);
    for (size_t i = 0; i < s->nspare; i++) free_run(s->spare_runs[i]);
    free(s->spare_runs);
    free(s->runs);
    free(s->pend);
    trib_strbuf_free(&s->raw);
    free(s->hdrs);
    pg_sink_free_tables(s);
    for (size_t i = 0; i < s->ntps; i++) free(s->tps[i].topic);
    free(s->tps);
    for (int i = 0; i < 3; i++) trib_schema_unref(s->kafka_schemas[i]);
    if (s->conn) trib_pg_finish(s->conn);
    free(s->default_schema);
    free(s->connector);
    trib_config_destroy(s->cfg);
    free(s);
}

static const trib_sink_task_ops sink_ops = {
    .start = sink_start,
    .open = sink_open,
    .close = sink_close,
    .put = sink_put,
    .flush = sink_flush,
    .stop = sink_stop,
};

const trib_connector_plugin trib_postgres_sink_plugin = {
    .class_name = "io.tributary.connect.postgres.PostgresSinkConnector",
    .alias = "PostgresSink",
    .version = "1.0.0",
    .kind = TRIB_CONNECTOR_SINK,
    .doc = "Writes records to PostgreSQL tables with COPY, exactly once (offsets stored with the rows).",
    .config = sink_config,
    .validate = sink_validate,
    .task_configs = sink_task_configs,
    .sink = &sink_ops,
};
