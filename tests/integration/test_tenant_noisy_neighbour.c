/*
 * test_tenant_noisy_neighbour.c: a tenant held at its rate quota does not
 * slow another tenant down. One standalone worker against the test Kafka
 * (KAFKA_BOOTSTRAP) with the tenant layer; two tenants:
 *
 *  - "quiet": a pipeline DataGen -> Kafka -> FileStreamSink at QUIET_RATE
 *    records/s (no quota); its throughput end to end (records its sink
 *    wrote) is what is measured. (Measuring a source producing as fast as
 *    it can is hopeless on a small machine: the broker's intake swings
 *    from 0 to 130k records/s between windows.)
 *  - "noisy": a DataGen source that would also produce as fast as it can,
 *    held by its quota records_in_per_sec (QUOTA below).
 *
 * quiet's throughput is measured in windows of WINDOW_MS with noisy paused
 * and running (ROUNDS each, in A-B-B-A order); the medians must differ by
 * less than 10%, and noisy must stay within 10% of its quota while it runs.
 *
 * The quota is applied by the runtime hooks (tenants/guard.h) in the task
 * loops. While worker/source_task.c does not call them (no throttle call
 * has been seen), both assertions are reported as TODO: they are expected
 * to fail then, since nothing holds the noisy tenant.
 */
#include "tests/tap.h"
#include "tests/unit/test_rest_http.h"

#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/time.h"
#include "common/util.h"
#include "rest/tenants.h"
#include "tenants/guard.h"
#include "worker/worker.h"

#define ADMIN_TOKEN "noisy-admin-token-0123456789"
#define QUOTA 2000.0
#define QUIET_RATE 3000
#define WINDOW_MS 4000
#define WARMUP_MS 3000
#define ROUNDS 3   /* windows of each kind */

static char Q[48], N[48];

static void todo_ok(int pass, const char *reason, const char *desc) {
    tap_run++;
    printf("%sok %d - %s # TODO %s\n", pass ? "" : "not ", tap_run, desc, reason);
    fflush(stdout);
}

static long post(const char *path, const char *body, const char *token, http_resp *out) {
    char hdr[300];
    snprintf(hdr, sizeof hdr, "Authorization: Bearer %s", token);
    http_req_ex(body ? "POST" : "PUT", path, body, -1, hdr, 0, out);
    return out->status;
}

static long call(const char *method, const char *path, const char *body, const char *token) {
    http_resp r;
    char hdr[300];
    snprintf(hdr, sizeof hdr, "Authorization: Bearer %s", token);
    http_req_ex(method, path, body, -1, hdr, 0, &r);
    long s = r.status;
    http_resp_free(&r);
    return s;
}

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Records/s of quiet (and of noisy) over one window. */
static void window(trib_herder *h, const char *qname, const char *nname, double *qrate, double *nrate) {
    int64_t q0 = trib_herder_task_records(h, qname, 0), n0 = trib_herder_task_records(h, nname, 0);
    int64_t t0 = trib_mono_ms();
    trib_sleep_ms(WINDOW_MS);
    int64_t q1 = trib_herder_task_records(h, qname, 0), n1 = trib_herder_task_records(h, nname, 0);
    double secs = (double)(trib_mono_ms() - t0) / 1000.0;
    *qrate = (double)(q1 - q0) / secs;
    *nrate = (n0 >= 0 && n1 >= 0) ? (double)(n1 - n0) / secs : 0;
}

int main(void) {
    (void)plan;
    (void)http_req;
    (void)http_msg;
    const char *bootstrap = tap_require_env("KAFKA_BOOTSTRAP");
    curl_global_init(CURL_GLOBAL_ALL);
    char tmpdir[] = "/tmp/trib_noisy_XXXXXX";
    if (!mkdtemp(tmpdir)) BAIL_OUT("mkdtemp");
    unsigned run = (unsigned)(trib_now_ms() % 1000000) ^ (unsigned)getpid();
    snprintf(Q, sizeof Q, "quiet-%x", run);
    snprintf(N, sizeof N, "noisy-%x", run);
    char tokf[300], offsets[300];
    snprintf(tokf, sizeof tokf, "%s/admin.token", tmpdir);
    snprintf(offsets, sizeof offsets, "%s/offsets.json", tmpdir);
    trib_error err = {0};
    trib_write_file_atomic(tokf, ADMIN_TOKEN, strlen(ADMIN_TOKEN), &err);

    trib_props *props = trib_props_new();
    trib_props_set(props, "bootstrap.servers", bootstrap);
    trib_props_set(props, "key.converter", "org.apache.kafka.connect.json.JsonConverter");
    trib_props_set(props, "value.converter", "org.apache.kafka.connect.json.JsonConverter");
    trib_props_set(props, "key.converter.schemas.enable", "false");
    trib_props_set(props, "value.converter.schemas.enable", "false");
    trib_props_set(props, "offset.storage.file.filename", offsets);
    trib_props_set(props, "offset.flush.interval.ms", "5000");
    trib_props_set(props, "listeners", "http://127.0.0.1:0");
    trib_worker *w = trib_worker_new(props, TRIB_MODE_STANDALONE, &err);
    if (!w || trib_worker_start(w, &err) < 0) {
        diag("worker: %s", err.msg);
        BAIL_OUT("cannot start the worker");
    }
    /* admin.token.file only for the tenant layer (see test_tenant_attacks.c). */
    trib_props_set(props, "admin.token.file", tokf);
    char staging[300];
    snprintf(staging, sizeof staging, "%s/staging", tmpdir);
    mkdir(staging, 0750);
    trib_props_set(props, "tenant.staging.root", staging);
    trib_rest_tenants *tl = trib_rest_tenants_new(props, NULL, &err);
    trib_props_destroy(props);
    trib_rest_config cfg = {.host = "127.0.0.1", .port = 0};
    trib_rest_server *s = tl ? trib_rest_tenants_server_start(tl, &cfg, trib_worker_herder(w), &err) : NULL;
    if (!s) {
        diag("rest: %s", err.msg);
        BAIL_OUT("cannot start the tenant REST server");
    }
    rest_http_port = trib_rest_server_port(s);
    trib_herder *h = trib_worker_herder(w);

    http_resp r;
    char body[512], path[256];
    snprintf(body, sizeof body, "{\"name\":\"%s\"}", Q);
    is_int(post("/tenants", body, ADMIN_TOKEN, &r), 201, "tenant quiet is created (no rate quota)");
    http_resp_free(&r);
    snprintf(body, sizeof body, "{\"name\":\"%s\",\"quotas\":{\"records_in_per_sec\":%g}}", N, QUOTA);
    is_int(post("/tenants", body, ADMIN_TOKEN, &r), 201, "tenant noisy is created with records_in_per_sec=2000");
    http_resp_free(&r);

    snprintf(path, sizeof path, "/tenants/%s/connectors", Q);
    snprintf(body, sizeof body,
             "{\"name\":\"gen\",\"config\":{\"connector.class\":\"DataGen\",\"topic\":\"%s.gen\","
             "\"rate\":\"%d\",\"value.shape\":\"string\"}}",
             Q, QUIET_RATE);
    is_int(post(path, body, ADMIN_TOKEN, &r), 201, "quiet's source starts");
    http_resp_free(&r);
    snprintf(body, sizeof body,
             "{\"name\":\"sink\",\"config\":{\"connector.class\":\"FileStreamSink\",\"topics\":\"%s.gen\","
             "\"file\":\"out.txt\"}}",
             Q);
    is_int(post(path, body, ADMIN_TOKEN, &r), 201, "quiet's sink starts");
    http_resp_free(&r);
    snprintf(path, sizeof path, "/tenants/%s/connectors", N);
    snprintf(body, sizeof body,
             "{\"name\":\"flood\",\"initial_state\":\"PAUSED\",\"config\":{\"connector.class\":\"DataGen\","
             "\"topic\":\"%s.flood\",\"tasks.max\":\"1\"}}",
             N);
    is_int(post(path, body, ADMIN_TOKEN, &r), 201, "noisy's unlimited generator is created paused");
    http_resp_free(&r);

    char qname[100], qsink[100], nname[100], npause[200], nresume[200];
    snprintf(qname, sizeof qname, "%s/gen", Q);
    snprintf(qsink, sizeof qsink, "%s/sink", Q);
    snprintf(nname, sizeof nname, "%s/flood", N);
    snprintf(npause, sizeof npause, "/tenants/%s/connectors/flood/pause", N);
    snprintf(nresume, sizeof nresume, "/tenants/%s/connectors/flood/resume", N);

    /* Warm up: topic creation, connections, the sink's group joining. */
    for (int i = 0; i < 300 && trib_herder_task_records(h, qsink, 0) <= 0; i++) trib_sleep_ms(100);
    ok(trib_herder_task_records(h, qsink, 0) > 0, "quiet's pipeline delivers");
    trib_sleep_ms(WARMUP_MS);

    /* Windows in A-B-B-A order, so a drift of the machine over the run
     * weighs on both sides alike. */
    double alone[2 * ROUNDS], with[2 * ROUNDS], noisy[2 * ROUNDS], nr;
    int na = 0, nw = 0;
    for (int i = 0; i < 2 * ROUNDS; i++) {
        bool noisy_on = (i % 4 == 1 || i % 4 == 2);
        if (noisy_on) {
            call("PUT", nresume, NULL, ADMIN_TOKEN);
            trib_sleep_ms(1000);   /* noisy spends its burst and settles at the quota */
            window(h, qsink, nname, &with[nw], &noisy[nw]);
            call("PUT", npause, NULL, ADMIN_TOKEN);
            diag("window %d: quiet %.0f rec/s next to noisy at %.0f rec/s", i, with[nw], noisy[nw]);
            nw++;
        } else {
            trib_sleep_ms(1000);
            window(h, qsink, nname, &alone[na], &nr);
            diag("window %d: quiet %.0f rec/s alone", i, alone[na]);
            na++;
        }
    }
    double ma = median(alone, na), mw = median(with, nw), mn = median(noisy, nw);
    bool wired = trib_tenant_guard_throttle_calls() > 0;
    const char *why = "runtime hooks not wired into worker/source_task.c yet (nothing holds the noisy tenant)";
    char d1[200], d2[200];
    snprintf(d1, sizeof d1, "noisy stays within 10%% of its quota (median %.0f rec/s for %.0f)", mn, QUOTA);
    snprintf(d2, sizeof d2, "quiet slows by less than 10%% next to noisy (median %.0f vs %.0f rec/s alone)", mw, ma);
    bool held = mn > 0 && mn <= QUOTA * 1.10;
    bool fair = ma > 0 && mw >= 0.90 * ma;
    if (wired) {
        ok(held, "%s", d1);
        ok(fair, "%s", d2);
    } else {
        todo_ok(held, why, d1);
        todo_ok(fair, why, d2);
    }
    json_t *u = trib_tenants_usage_json(trib_rest_tenants_registry(tl), N, &err);
    if (wired) ok(json_integer_value(json_object_get(u, "throttled_ms_in")) > 0, "noisy's held time shows in its usage");
    else todo_ok(0, why, "noisy's held time shows in its usage");
    json_decref(u);

    trib_rest_server_stop(s);
    trib_worker_destroy(w);
    trib_rest_tenants_destroy(tl);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) diag("could not remove %s", tmpdir);
    curl_global_cleanup();
    done_testing();
    return exit_status();
}
