/*
 * time.h: clocks. Wall time for timestamps people read and Kafka record
 * timestamps; monotonic time for every timeout and rate so clock steps never
 * stretch or cut a wait.
 */
#ifndef TRIB_COMMON_TIME_H
#define TRIB_COMMON_TIME_H

#include <stdint.h>
#include <time.h>

int64_t trib_now_ms(void);       /* wall clock, ms since the epoch */
int64_t trib_mono_ms(void);      /* monotonic, ms */
int64_t trib_mono_us(void);      /* monotonic, µs */
void trib_sleep_ms(int64_t ms);  /* sleeps, resuming after signals */
/* The absolute time ms from now on clock, as pthread_cond_timedwait wants
 * it (CLOCK_REALTIME for a default condition variable, CLOCK_MONOTONIC for
 * one initialised with pthread_condattr_setclock). */
struct timespec trib_deadline_in(clockid_t clock, int64_t ms);

/* Proleptic Gregorian calendar arithmetic, days since 1970-01-01 (H.
 * Hinnant's algorithms). days_from_civil is lenient as Java's lenient
 * calendars are: a month outside 1..12 folds into the year, a day outside
 * the month runs on. */
int64_t trib_days_from_civil(int64_t y, int64_t m, int64_t d);
void trib_civil_from_days(int64_t days, int64_t *y, int *m, int *d);

#endif
