/*
 * tenant.c: the tenant model of tenant.h: name rules, quotas, and the JSON
 * record format stored in the tenant store or the config log
 * (docs/tenants.md, "Record format").
 */
#include "tenants/tenant.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

trib_tenant_quotas trib_tenant_quotas_default(void) {
    trib_tenant_quotas q = {.max_connectors = 10, .max_tasks = 50, .max_file_bytes = INT64_C(1) << 30,
                            .max_staged_bytes = INT64_C(10) << 30};
    return q;
}

void trib_tenant_free(trib_tenant *t) {
    if (!t) return;
    free(t->name);
    free(t->topic_prefix);
    free(t->staging_dir);
    free(t->keys);
    free(t);
}

trib_tenant *trib_tenant_clone(const trib_tenant *t) {
    trib_tenant *c = trib_xcalloc(1, sizeof *c);
    c->name = trib_xstrdup(t->name);
    c->topic_prefix = trib_xstrdup(t->topic_prefix);
    c->staging_dir = trib_xstrdup(t->staging_dir);
    c->quotas = t->quotas;
    c->created_ms = t->created_ms;
    if (t->nkeys) {
        c->keys = trib_xcalloc(t->nkeys, sizeof *c->keys);
        memcpy(c->keys, t->keys, t->nkeys * sizeof *c->keys);
    }
    c->nkeys = t->nkeys;
    return c;
}

/* Bytes of a hostile string quoted in messages: printable ASCII only. */
static void show(char *dst, size_t cap, const char *s) {
    size_t j = 0;
    for (size_t i = 0; s[i] && j + 1 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        dst[j++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    dst[j] = '\0';
}

int trib_tenant_name_check(const char *name, const char *what, trib_error *err) {
    if (!name || !*name) return trib_error_set(err, TRIB_ERR_INVALID, "%s must not be empty", what);
    size_t n = strlen(name);
    char shown[64];
    show(shown, sizeof shown, name);
    if (n > TRIB_TENANT_NAME_MAX)
        return trib_error_set(err, TRIB_ERR_INVALID, "%s '%s...' is longer than %d characters", what, shown,
                              TRIB_TENANT_NAME_MAX);
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        bool okc = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '-' && i > 0);
        if (!okc)
            return trib_error_set(err, TRIB_ERR_INVALID,
                                  "%s '%s' may only contain lowercase letters, digits and '-' "
                                  "(not first)",
                                  what, shown);
    }
    return 0;
}

static char *hex(const unsigned char *b, size_t n) {
    static const char digits[] = "0123456789abcdef";
    char *s = trib_xmalloc(2 * n + 1);
    for (size_t i = 0; i < n; i++) {
        s[2 * i] = digits[b[i] >> 4];
        s[2 * i + 1] = digits[b[i] & 15];
    }
    s[2 * n] = '\0';
    return s;
}

static int unhex(const char *s, unsigned char *out, size_t n) {
    if (!s || strlen(s) != 2 * n) return -1;
    for (size_t i = 0; i < n; i++) {
        int v = 0;
        for (int k = 0; k < 2; k++) {
            char c = s[2 * i + (size_t)k];
            int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
            if (d < 0) return -1;
            v = v * 16 + d;
        }
        out[i] = (unsigned char)v;
    }
    return 0;
}

json_t *trib_tenant_quotas_json(const trib_tenant_quotas *q) {
    return json_pack("{sI sI sI sI sf sf sf sf}", "max_connectors", (json_int_t)q->max_connectors, "max_tasks",
                     (json_int_t)q->max_tasks, "max_file_bytes", (json_int_t)q->max_file_bytes, "max_staged_bytes",
                     (json_int_t)q->max_staged_bytes, "records_in_per_sec", q->records_in, "bytes_in_per_sec",
                     q->bytes_in, "records_out_per_sec", q->records_out, "bytes_out_per_sec", q->bytes_out);
}

int trib_tenant_quotas_from_json(const json_t *o, trib_tenant_quotas *q, trib_error *err) {
    if (!json_is_object(o)) return trib_error_set(err, TRIB_ERR_INVALID, "field 'quotas' must be a JSON object");
    trib_tenant_quotas r = *q;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v) {
        int64_t *ip = NULL;
        double *dp = NULL;
        if (strcmp(k, "max_connectors") == 0) ip = &r.max_connectors;
        else if (strcmp(k, "max_tasks") == 0) ip = &r.max_tasks;
        else if (strcmp(k, "max_file_bytes") == 0) ip = &r.max_file_bytes;
        else if (strcmp(k, "max_staged_bytes") == 0) ip = &r.max_staged_bytes;
        else if (strcmp(k, "records_in_per_sec") == 0) dp = &r.records_in;
        else if (strcmp(k, "bytes_in_per_sec") == 0) dp = &r.bytes_in;
        else if (strcmp(k, "records_out_per_sec") == 0) dp = &r.records_out;
        else if (strcmp(k, "bytes_out_per_sec") == 0) dp = &r.bytes_out;
        else {
            char shown[64];
            show(shown, sizeof shown, k);
            return trib_error_set(err, TRIB_ERR_INVALID,
                                  "quotas.%s: unknown quota (known: max_connectors, max_tasks, max_file_bytes, "
                                  "max_staged_bytes, records_in_per_sec, bytes_in_per_sec, records_out_per_sec, "
                                  "bytes_out_per_sec)",
                                  shown);
        }
        if (ip) {
            if (!json_is_integer(v) || json_integer_value(v) < -1)
                return trib_error_set(err, TRIB_ERR_INVALID, "quotas.%s must be an integer >= -1 (-1: unlimited)", k);
            *ip = json_integer_value(v);
        } else {
            if (!json_is_number(v) || !isfinite(json_number_value(v)) || json_number_value(v) < 0)
                return trib_error_set(err, TRIB_ERR_INVALID, "quotas.%s must be a number >= 0 (0: unlimited)", k);
            *dp = json_number_value(v);
        }
    }
    *q = r;
    return 0;
}

json_t *trib_tenant_record_json(const trib_tenant *t) {
    json_t *keys = json_array();
    for (size_t i = 0; i < t->nkeys; i++) {
        char *m = hex(t->keys[i].mac, TRIB_TENANT_MAC_LEN);
        json_array_append_new(keys, json_pack("{ss ss sI}", "id", t->keys[i].id, "hmac_sha256", m, "created_ms",
                                              (json_int_t)t->keys[i].created_ms));
        free(m);
    }
    return json_pack("{si ss ss ss so sI so}", "version", 1, "name", t->name, "topic_prefix", t->topic_prefix,
                     "staging_dir", t->staging_dir, "quotas", trib_tenant_quotas_json(&t->quotas), "created_ms",
                     (json_int_t)t->created_ms, "keys", keys);
}

json_t *trib_tenant_public_json(const trib_tenant *t) {
    json_t *keys = json_array();
    for (size_t i = 0; i < t->nkeys; i++)
        json_array_append_new(keys, json_pack("{ss sI}", "id", t->keys[i].id, "created_ms",
                                              (json_int_t)t->keys[i].created_ms));
    return json_pack("{ss ss ss so sI so}", "name", t->name, "topic_prefix", t->topic_prefix, "staging_dir",
                     t->staging_dir, "quotas", trib_tenant_quotas_json(&t->quotas), "created_ms",
                     (json_int_t)t->created_ms, "keys", keys);
}

static bool key_id_ok(const char *id) {
    if (!id || strlen(id) != TRIB_TENANT_KEY_ID_LEN) return false;
    for (const char *p = id; *p; p++)
        if (!isxdigit((unsigned char)*p) || isupper((unsigned char)*p)) return false;
    return true;
}

/* The staging directory is one path segment (a name), never a path. */
static bool staging_dir_ok(const char *s) {
    return trib_tenant_name_check(s, "staging_dir", NULL) == 0;
}

bool trib_tenant_prefix_ok(const char *p) {
    size_t n = p ? strlen(p) : 0;
    if (n == 0 || n > 100) return false;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')) return false;
    }
    return true;
}

trib_tenant *trib_tenant_from_record(const char *name, const json_t *v, trib_error *err) {
    if (trib_tenant_name_check(name, "tenant record key", err) < 0) return NULL;
    if (!json_is_object(v)) {
        trib_error_set(err, TRIB_ERR_INVALID, "tenant %s: record is not a JSON object", name);
        return NULL;
    }
    const char *rname = json_string_value(json_object_get(v, "name"));
    const char *prefix = json_string_value(json_object_get(v, "topic_prefix"));
    const char *staging = json_string_value(json_object_get(v, "staging_dir"));
    json_t *quotas = json_object_get(v, "quotas");
    json_t *keys = json_object_get(v, "keys");
    json_t *created = json_object_get(v, "created_ms");
    if (!rname || strcmp(rname, name) != 0) {
        trib_error_set(err, TRIB_ERR_INVALID, "tenant %s: record field 'name' does not match the key", name);
        return NULL;
    }
    if (!trib_tenant_prefix_ok(prefix)) {
        trib_error_set(err, TRIB_ERR_INVALID, "tenant %s: record field 'topic_prefix' is missing or invalid", name);
        return NULL;
    }
    if (!staging || !staging_dir_ok(staging)) {
        trib_error_set(err, TRIB_ERR_INVALID, "tenant %s: record field 'staging_dir' is missing or invalid", name);
        return NULL;
    }
    if (keys && !json_is_array(keys)) {
        trib_error_set(err, TRIB_ERR_INVALID, "tenant %s: record field 'keys' must be an array", name);
        return NULL;
    }
    trib_tenant *t = trib_xcalloc(1, sizeof *t);
    t->name = trib_xstrdup(name);
    t->topic_prefix = trib_xstrdup(prefix);
    t->staging_dir = trib_xstrdup(staging);
    t->quotas = trib_tenant_quotas_default();
    t->created_ms = json_is_integer(created) ? json_integer_value(created) : 0;
    if (quotas && trib_tenant_quotas_from_json(quotas, &t->quotas, err) < 0) {
        trib_error_prefix(err, "tenant %s", name);
        trib_tenant_free(t);
        return NULL;
    }
    size_t nk = json_array_size(keys);
    if (nk) t->keys = trib_xcalloc(nk, sizeof *t->keys);
    for (size_t i = 0; i < nk; i++) {
        json_t *k = json_array_get(keys, i);
        const char *id = json_string_value(json_object_get(k, "id"));
        const char *mac = json_string_value(json_object_get(k, "hmac_sha256"));
        if (!key_id_ok(id) || unhex(mac, t->keys[i].mac, TRIB_TENANT_MAC_LEN) < 0) {
            trib_error_set(err, TRIB_ERR_INVALID, "tenant %s: keys[%zu] needs a 16-hex 'id' and a 64-hex 'hmac_sha256'",
                           name, i);
            trib_tenant_free(t);
            return NULL;
        }
        memcpy(t->keys[i].id, id, TRIB_TENANT_KEY_ID_LEN + 1);
        json_t *c = json_object_get(k, "created_ms");
        t->keys[i].created_ms = json_is_integer(c) ? json_integer_value(c) : 0;
        t->nkeys++;
    }
    return t;
}
