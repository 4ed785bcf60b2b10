/*
 * props.h: an ordered string-to-string map, the shape of every configuration
 * in Tributary (worker properties, connector configs, plugin configs), as in
 * Kafka Connect where all config values travel as strings.
 *
 * Insertion order is kept so files and JSON round-trip in the order a user
 * wrote them. Lookups are hashed (O(1) on average): configs arrive in
 * request bodies, so their size is chosen by the client.
 */
#ifndef TRIB_COMMON_PROPS_H
#define TRIB_COMMON_PROPS_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "common/error.h"

typedef struct trib_props trib_props;

trib_props *trib_props_new(void);
void trib_props_destroy(trib_props *p);        /* NULL is a no-op */
trib_props *trib_props_clone(const trib_props *p);

/* Copies key and value; replaces an existing key in place (keeps its position). */
void trib_props_set(trib_props *p, const char *key, const char *value);
/* Borrowed pointer valid until the key is changed or removed; NULL if absent. */
const char *trib_props_get(const trib_props *p, const char *key);
const char *trib_props_get_or(const trib_props *p, const char *key, const char *dflt);
bool trib_props_has(const trib_props *p, const char *key);
bool trib_props_remove(trib_props *p, const char *key);

size_t trib_props_count(const trib_props *p);
const char *trib_props_key_at(const trib_props *p, size_t i);
const char *trib_props_value_at(const trib_props *p, size_t i);

/* New map of the keys starting with prefix, with the prefix stripped
 * ("producer.linger.ms" -> "linger.ms" for prefix "producer."). Caller owns it. */
trib_props *trib_props_subset(const trib_props *p, const char *prefix);

/* Copies every entry of src into dst (src wins on conflicts). */
void trib_props_merge(trib_props *dst, const trib_props *src);

bool trib_props_equal(const trib_props *a, const trib_props *b);

/* Java .properties syntax: key=value, key:value or key value; # and ! comments;
 * backslash line continuation; \t \n \r \f \uXXXX and escaped separators. */
trib_props *trib_props_parse(const char *text, size_t len, trib_error *err);
trib_props *trib_props_load_file(const char *path, trib_error *err);

/* From a JSON object whose values are strings; numbers and booleans are
 * accepted and stringified as Connect's JSON binding does; null, objects and
 * arrays are refused with an error naming the key. */
trib_props *trib_props_from_json(const json_t *obj, trib_error *err);
/* New JSON object (caller owns the reference). */
json_t *trib_props_to_json(const trib_props *p);

#endif
