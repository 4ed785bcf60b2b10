/*
 * smt.h: helpers shared by the single message transforms in this folder
 * (internal to transforms/; the public contract is transform.h).
 *
 * Connect writes every SMT once and derives $Key and $Value variants that
 * differ only in which half of the record they read and replace; here that
 * is smt_target plus the accessors below. The rest is what several SMTs
 * need: Connect's Requirements messages (with the Java class names Connect
 * prints, so error text matches), map and struct surgery on the data model,
 * SchemaUtil.copySchemaBasics, the derived-schema cache every schema-changing
 * SMT keeps, and Java's number/string conversions used by Cast and MaskField.
 */
#ifndef TRIB_TRANSFORMS_SMT_H
#define TRIB_TRANSFORMS_SMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "config/config.h"
#include "proto/data.h"
#include "transforms/transform.h"

typedef enum smt_target { SMT_KEY, SMT_VALUE } smt_target;

/* The schema and value a $Key / $Value transform operates on (borrowed). */
trib_schema *smt_schema(const trib_record *r, smt_target t);
trib_value *smt_value(const trib_record *r, smt_target t);
/* Replaces the operated-on half; takes ownership of schema and value.
 * value may be the record's current value (then only the schema changes). */
void smt_replace(trib_record *r, smt_target t, trib_schema *schema, trib_value *value);

/* Java class name Connect would print for a value ("java.lang.String",
 * "org.apache.kafka.connect.data.Struct", "null"). With a schema, logical
 * types map to java.util.Date / java.math.BigDecimal. */
const char *smt_java_class(const trib_schema *schema, const trib_value *v);

/* Connect's Requirements.requireMap / requireStruct: INVALID with
 * "Only Map objects supported in absence of schema for [purpose], found: X". */
int smt_require_map(const trib_value *v, const char *purpose, trib_error *err);
int smt_require_struct(const trib_value *v, const char *purpose, trib_error *err);

/* ---- maps with STRING keys (schemaless records) ------------------------- */

/* Index of key in map, or -1. */
long smt_map_find(const trib_value *map, const char *key);
/* Java's HashMap.put: replaces the value of an existing key (destroying the
 * old value) or appends. Takes ownership of val. */
void smt_map_put(trib_value *map, const char *key, trib_value *val);
/* Removes entry i (destroying key and value). */
void smt_map_remove_at(trib_value *map, size_t i);

/* ---- structs ----------------------------------------------------------------- */

/* Struct.get / getWithoutDefault: the field's value, or (with_default) the
 * field schema's default when the value is null. Borrowed. */
const trib_value *smt_struct_get(const trib_value *st, size_t idx, bool with_default);
/* Takes the value out of slot idx, leaving null. When the slot is null and
 * with_default is set, returns a clone of the field's default instead. */
trib_value *smt_struct_take(trib_value *st, size_t idx, bool with_default);

/* SchemaUtil.copySchemaBasics(source, SchemaBuilder.struct()): a new struct
 * schema with source's name, version, doc and parameters, no fields. */
trib_schema *smt_struct_like(const trib_schema *source);
/* Connect's Schema.toString: "Schema{INT32}" or "Schema{name:INT64}". */
char *smt_schema_describe(const trib_schema *s);
/* Upper-case Connect type name ("INT32"), as Schema.Type prints. */
const char *smt_type_upper(trib_type t);

/* ---- derived-schema cache (Connect: LRUCache<Schema, Schema>(16)) ----------- */

#define SMT_CACHE_SIZE 16
typedef struct smt_schema_cache {
    struct {
        trib_schema *in, *out;  /* both referenced */
        uint64_t used;
    } e[SMT_CACHE_SIZE];
    uint64_t tick;
} smt_schema_cache;

/* Borrowed derived schema for in (pointer match first, then structural
 * equality), or NULL. */
trib_schema *smt_cache_get(smt_schema_cache *c, const trib_schema *in);
/* Stores in -> out (takes ownership of the reference to out; refs in),
 * evicting the least recently used entry. Returns out, borrowed. */
trib_schema *smt_cache_put(smt_schema_cache *c, trib_schema *in, trib_schema *out);
void smt_cache_clear(smt_schema_cache *c);

/* ---- Java conversions ---------------------------------------------------- */

/* Double.toString / Float.toString ("1.0", "1.0E10", "NaN"). Caller frees. */
char *smt_java_double_str(double d, bool is_float);
/* Java's narrowing of a double to long / int (NaN -> 0, saturating). */
int64_t smt_d2l(double d);
int32_t smt_d2i(double d);
/* new BigDecimal(s): a strict decimal number; -1 if not one. */
int smt_parse_bigdecimal(const char *s, double *out);
/* new BigDecimal(s).longValue(): integer part, low 64 bits; -1 if not a number. */
int smt_bigdecimal_long(const char *s, int64_t *out);
/* Base64 (standard alphabet, padded). Caller frees. */
char *smt_base64(const void *data, size_t n);
/* ISO-8601 text for a Connect Date/Time/Timestamp as Values.dateFormatFor
 * chooses: "HH:mm:ss.SSS'Z'" under a day, "yyyy-MM-dd" at midnight, else
 * "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'" (UTC). Caller frees. */
char *smt_iso_date_string(int64_t epoch_ms);

/* Java's String.split(":") (trailing empty parts dropped); NULL-terminated,
 * free with trib_strv_free. */
char **smt_split_colon(const char *s, size_t *n);
/* Java's Double.parseDouble / Float.parseFloat syntax (trimmed; NaN,
 * Infinity, optional d/f suffix); -1 if malformed. */
int smt_java_parse_double(const char *s, double *out);
/* Java's Long.parseLong (no whitespace, optional sign) within [min, max];
 * -1 if malformed or out of range. */
int smt_java_parse_long(const char *s, int64_t min, int64_t max, int64_t *out);

/* ---- config validators shared by several tables ----------------------------- */

/* NonEmptyListValidator: "Empty list". */
int smt_validate_nonempty_list(const trib_config_def *def, const char *value, trib_error *err);

#endif
