/*
 * join_gate.h: lets the sibling sink tasks of a connector in this process
 * join their consumer group one after the other instead of all at once.
 *
 * Why: when two consumers join an empty group within a millisecond or two,
 * the broker (group.initial.rebalance.delay.ms=0) completes the first
 * generation with one of them; its SyncGroup then fails with
 * REBALANCE_IN_PROGRESS and librdkafka 2.0.2 holds its rejoin for up to a
 * second (the JoinGroup interval), so no task gets partitions for a
 * second. If the first task joins alone and has its partitions before the
 * others join, it starts writing at once, and the second generation comes
 * at its next heartbeat, after a revoke that skips that interval.
 *
 * The first task of a group to enter leads (joins at once) and opens the
 * gate when it is assigned (or leaves); the others wait for that, bounded.
 */
#ifndef TRIB_WORKER_JOIN_GATE_H
#define TRIB_WORKER_JOIN_GATE_H

#include <stdatomic.h>
#include <stdbool.h>

typedef struct trib_join_gate trib_join_gate;

/* Enters the gate of group (copied). Returns the caller's handle. */
trib_join_gate *trib_join_gate_enter(const char *group);
/* Whether the caller is the one that joins first. */
bool trib_join_gate_leads(const trib_join_gate *g);
/* Followers: waits until the leader opens the gate, timeout_ms passes, or
 * *stop becomes true (stop may be NULL). Returns true if the gate opened. */
bool trib_join_gate_wait(trib_join_gate *g, int timeout_ms, const atomic_bool *stop);
/* Opens the gate (idempotent; anyone may call it; NULL is a no-op). */
void trib_join_gate_open(trib_join_gate *g);
/* Leaves the gate (opening it); the handle is freed. NULL is a no-op. */
void trib_join_gate_leave(trib_join_gate *g);

#endif
