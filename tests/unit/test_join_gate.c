/*
 * test_join_gate.c: the gate that makes sibling sink tasks join their
 * group one after the other (worker/join_gate.h).
 */
#include "tests/tap.h"

#include <pthread.h>
#include <unistd.h>

#include "common/time.h"
#include "worker/join_gate.h"

typedef struct follower {
    trib_join_gate *g;
    int timeout_ms;
    atomic_bool *stop;
    bool opened;
    int64_t waited_ms;
} follower;

static void *follow(void *arg) {
    follower *f = arg;
    int64_t t0 = trib_mono_ms();
    f->opened = trib_join_gate_wait(f->g, f->timeout_ms, f->stop);
    f->waited_ms = trib_mono_ms() - t0;
    return NULL;
}

int main(void) {
    plan(14);
    trib_join_gate *a = trib_join_gate_enter("connect-x");
    trib_join_gate *b = trib_join_gate_enter("connect-x");
    trib_join_gate *other = trib_join_gate_enter("connect-y");
    ok(trib_join_gate_leads(a), "the first task of a group leads");
    ok(!trib_join_gate_leads(b), "its sibling follows");
    ok(trib_join_gate_leads(other), "another group has its own leader");

    follower f = {.g = b, .timeout_ms = 5000};
    pthread_t th;
    pthread_create(&th, NULL, follow, &f);
    usleep(100 * 1000);
    trib_join_gate_open(a);   /* the leader is assigned */
    pthread_join(th, NULL);
    ok(f.opened, "the follower goes on once the leader opens the gate");
    ok(f.waited_ms >= 80 && f.waited_ms < 2000, "after waiting for it");
    ok(trib_join_gate_wait(b, 5000, NULL), "an open gate lets anyone through at once");
    trib_join_gate_open(a);
    ok(trib_join_gate_wait(b, 0, NULL), "opening twice is harmless");

    follower g = {.g = trib_join_gate_enter("connect-y"), .timeout_ms = 150};
    ok(!trib_join_gate_leads(g.g), "a second task of the other group follows");
    pthread_create(&th, NULL, follow, &g);
    pthread_join(th, NULL);
    ok(!g.opened && g.waited_ms >= 140 && g.waited_ms < 2000, "a follower's wait is bounded");

    atomic_bool stop;
    atomic_init(&stop, false);
    follower h = {.g = g.g, .timeout_ms = 10000, .stop = &stop};
    pthread_create(&th, NULL, follow, &h);
    usleep(50 * 1000);
    atomic_store(&stop, true);
    pthread_join(th, NULL);
    ok(!h.opened && h.waited_ms < 2000, "a stopping task stops waiting");

    trib_join_gate_leave(other);   /* the leader leaves before it was assigned */
    ok(trib_join_gate_wait(g.g, 0, NULL), "a leader that leaves opens the gate");
    trib_join_gate_leave(g.g);
    trib_join_gate *again = trib_join_gate_enter("connect-y");
    ok(trib_join_gate_leads(again), "once every task left, the next one leads again");
    ok(!trib_join_gate_wait(again, 0, NULL), "and its gate is closed until it is assigned");
    trib_join_gate_leave(again);
    trib_join_gate_leave(a);
    trib_join_gate_leave(b);
    trib_join_gate_leave(NULL);
    ok(1, "leaving with NULL is a no-op");
    return exit_status();
}
