/*
 * tenant_log_store.c: tenants in the config topic. See tenant_log_store.h.
 */
#include "worker/tenant_log_store.h"
#include "common/log.h"
#include "common/util.h"

#include <stdlib.h>

typedef struct log_store {
    trib_tenant_store base;   /* first: the registry calls through it */
    trib_herder *h;
} log_store;

static int persist(trib_tenant_store *s, const char *key, const json_t *value, trib_error *err) {
    return trib_herder_log_append(((log_store *)s)->h, key, value, err);
}

static void deliver(void *opaque, const char *key, const json_t *value) {
    trib_error err;
    if (trib_tenants_apply(opaque, key, value, &err) < 0)
        TRIB_WARN("tenants", "config topic record %s ignored: %s", key, err.msg);
}

static int replay(trib_tenant_store *s, trib_tenants *reg, trib_error *err) {
    (void)err;
    trib_herder_log_subscribe(((log_store *)s)->h, deliver, reg);
    return 0;
}

static void destroy(trib_tenant_store *s) {
    log_store *ls = (log_store *)s;
    /* the registry goes away: stop delivering to it */
    trib_herder_log_subscribe(ls->h, NULL, NULL);
    free(ls);
}

trib_tenant_store *trib_tenant_store_log_new(trib_herder *h) {
    log_store *s = trib_xcalloc(1, sizeof *s);
    s->base.persist = persist;
    s->base.replay = replay;
    s->base.destroy = destroy;
    s->h = h;
    return &s->base;
}
