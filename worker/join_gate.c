/*
 * join_gate.c: see join_gate.h. One process-wide list of gates, one per
 * group with tasks inside, under one mutex; a gate is freed when its last
 * task leaves, so a connector restarted later gets a new leader.
 */
#include "worker/join_gate.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/time.h"
#include "common/util.h"

typedef struct gate {
    char *group;
    int members;
    bool open;
    struct gate *next;
} gate;

struct trib_join_gate {
    gate *g;
    bool leads;
};

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static gate *g_gates;

trib_join_gate *trib_join_gate_enter(const char *group) {
    trib_join_gate *h = trib_xcalloc(1, sizeof *h);
    pthread_mutex_lock(&g_mu);
    gate *g = g_gates;
    while (g && strcmp(g->group, group) != 0) g = g->next;
    if (!g) {
        g = trib_xcalloc(1, sizeof *g);
        g->group = trib_xstrdup(group);
        g->next = g_gates;
        g_gates = g;
        h->leads = true;
    }
    g->members++;
    h->g = g;
    pthread_mutex_unlock(&g_mu);
    return h;
}

bool trib_join_gate_leads(const trib_join_gate *h) { return h->leads; }

bool trib_join_gate_wait(trib_join_gate *h, int timeout_ms, const atomic_bool *stop) {
    int64_t until = trib_mono_ms() + timeout_ms;
    pthread_mutex_lock(&g_mu);
    /* Short slices: stop is an atomic nobody signals the condition for. */
    while (!h->g->open && !(stop && atomic_load(stop))) {
        int64_t left = until - trib_mono_ms();
        if (left <= 0) break;
        if (left > 20) left = 20;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += (long)left * 1000000L;
        ts.tv_sec += ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&g_cv, &g_mu, &ts);
    }
    bool open = h->g->open;
    pthread_mutex_unlock(&g_mu);
    return open;
}

void trib_join_gate_open(trib_join_gate *h) {
    if (!h) return;
    pthread_mutex_lock(&g_mu);
    if (!h->g->open) {
        h->g->open = true;
        pthread_cond_broadcast(&g_cv);
    }
    pthread_mutex_unlock(&g_mu);
}

void trib_join_gate_leave(trib_join_gate *h) {
    if (!h) return;
    pthread_mutex_lock(&g_mu);
    gate *g = h->g;
    g->open = true;   /* a leader that leaves before its assignment must not hold the others */
    pthread_cond_broadcast(&g_cv);
    if (--g->members == 0) {
        gate **pp = &g_gates;
        while (*pp != g) pp = &(*pp)->next;
        *pp = g->next;
        free(g->group);
        free(g);
    }
    pthread_mutex_unlock(&g_mu);
    free(h);
}
