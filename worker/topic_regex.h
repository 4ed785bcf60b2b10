/*
 * topic_regex.h: topics.regex subscriptions resolved by Tributary, not by
 * librdkafka.
 *
 * Connect's topics.regex is a Java regular expression matched against the
 * whole topic name. librdkafka's own regex subscription uses another
 * dialect, so a pattern could be validated with one meaning and subscribed
 * with another (`alpha\.\Q|beta\..*` is one literal name in Java and an
 * alternation for librdkafka). Here the pattern is compiled once with
 * transforms/java_regex.h (the engine validation uses too), the topic set
 * is taken from cluster metadata, filtered, and subscribed as an explicit
 * list; refreshing it periodically finds new topics as Connect's regex
 * subscription does (at metadata.max.age.ms).
 *
 * For a tenant's sink the filter also keeps only topics under the tenant's
 * prefix, so its consumer is never assigned, and never fetches, a
 * partition outside the prefix (the runtime guard stays the last line).
 * Internal topics (`__*`) are never selected (the Java consumer's
 * exclude.internal.topics).
 */
#ifndef TRIB_WORKER_TOPIC_REGEX_H
#define TRIB_WORKER_TOPIC_REGEX_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

typedef struct trib_topic_regex trib_topic_regex;

/* Compiles regex (INVALID naming the construct when the Java engine
 * refuses it). prefix: only names starting with it are selected (NULL or
 * "" for none). Both are copied. */
trib_topic_regex *trib_topic_regex_new(const char *regex, const char *prefix, trib_error *err);
void trib_topic_regex_free(trib_topic_regex *tr);   /* NULL-safe */

/* Does name belong to the subscription? */
bool trib_topic_regex_selects(const trib_topic_regex *tr, const char *name);

/* Fetches the cluster's topics, selects, and (re)subscribes rk when the
 * selection changed (unsubscribes when it became empty). *subscribed tells
 * whether rk has a subscription now. Returns 1 when the subscription
 * changed, 0 when not, -1 with err (RETRIABLE) when metadata or subscribe
 * failed (the previous subscription stays). */
int trib_topic_regex_refresh(trib_topic_regex *tr, rd_kafka_t *rk, bool *subscribed, int timeout_ms,
                             trib_error *err);

/* The current selection (borrowed, sorted, NULL-terminated; NULL before
 * the first successful refresh). */
char *const *trib_topic_regex_current(const trib_topic_regex *tr, size_t *n);

#endif
