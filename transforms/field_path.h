/*
 * field_path.h: Connect's SingleFieldPath (KIP-821) for ExtractField's
 * "field" with "field.syntax.version": V1 is one plain field name at the
 * root; V2 is a dotted path where backticks wrap names that contain dots
 * (`foo.bar`.baz), with \` escaping a backtick inside.
 */
#ifndef TRIB_TRANSFORMS_FIELD_PATH_H
#define TRIB_TRANSFORMS_FIELD_PATH_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "proto/data.h"

typedef struct trib_field_path {
    char **steps;  /* one or more */
    size_t n;
} trib_field_path;

/* version is "V1" or "V2" (any case). -1 with err on a malformed V2 path. */
int trib_field_path_parse(const char *text, const char *version, trib_field_path *out, trib_error *err);
void trib_field_path_free(trib_field_path *p);

/* SingleFieldPath.fieldFrom: the field at the path, or NULL. */
const trib_field *trib_field_path_field(const trib_field_path *p, const trib_schema *schema);
/* For both lookups, slot (may be NULL) receives the address of the slot
 * holding *out inside the tree, so a caller that owns the tree can take the
 * value out instead of copying it; NULL when *out is a schema default or
 * absent. */
/* valueFrom(Struct, withDefault): borrowed value at the path, or NULL;
 * -1 with err when an intermediate value is not a struct. */
int trib_field_path_struct_value(const trib_field_path *p, const trib_value *st, bool with_default,
                                 const trib_value **out, trib_value ***slot, trib_error *err);
/* valueFrom(Map): borrowed value at the path, or NULL; -1 with err when an
 * intermediate value is not a map. */
int trib_field_path_map_value(const trib_field_path *p, const trib_value *map, const trib_value **out,
                              trib_value ***slot, trib_error *err);

#endif
