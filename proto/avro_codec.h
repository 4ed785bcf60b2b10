/*
 * avro_codec.h: Connect values <-> Avro binary, through avro-c's value
 * interface (avro-c does all the Avro encoding and decoding).
 *
 * A codec is compiled once per (Connect schema, Avro schema) pair: it binds
 * every Connect field to its Avro record field index or union branch, with
 * an avro-c value interface per node (encoding reads the Connect value in
 * place) and an avro-c consumer per node (decoding fills the Connect value
 * straight from avro-c's streaming decoder), so encoding or decoding a
 * record costs no schema look-ups and almost no allocation beyond the
 * values themselves. A codec is used by one thread at a time
 * (converters are per task thread); keep one per schema.
 *
 * The Avro schema is usually the one trib_avro_schema_from_connect made
 * from the Connect schema (writing) or the writer's schema that the
 * Connect schema was derived from (reading), but any structurally
 * compatible pair binds (fields matched by name), which is how
 * use.latest.version writes with a registered schema.
 */
#ifndef TRIB_PROTO_AVRO_CODEC_H
#define TRIB_PROTO_AVRO_CODEC_H

#include <stddef.h>

#include "common/error.h"
#include "common/util.h"
#include "proto/data.h"

typedef struct trib_avro_codec trib_avro_codec;

/* Compiles a codec for Connect schema cs (referenced, not copied) and the
 * Avro schema text avro_json. scrub_names: Avro field names were scrubbed
 * (scrub.invalid.names), so Connect fields also match their scrubbed form.
 * INVALID naming the field when the two do not fit together. */
trib_avro_codec *trib_avro_codec_new(trib_schema *cs, const char *avro_json, bool scrub_names,
                                     trib_error *err);
void trib_avro_codec_destroy(trib_avro_codec *c);   /* NULL-safe */

const trib_schema *trib_avro_codec_schema(const trib_avro_codec *c);

/* Appends the Avro binary encoding of v (which must fit the Connect schema;
 * NULL only for an optional schema) to out. INVALID naming the field path
 * when it does not fit. */
int trib_avro_codec_encode(trib_avro_codec *c, const trib_value *v, trib_strbuf *out,
                           trib_error *err);

/* The same encoding, always through a generic avro-c value filled from v
 * rather than avro-c reading v in place: what trib_avro_codec_encode falls
 * back to for maps and to name what does not fit, and the reference the
 * tests compare the in-place encoding with. Same contract. */
int trib_avro_codec_encode_generic(trib_avro_codec *c, const trib_value *v, trib_strbuf *out,
                                   trib_error *err);

/* Decodes one datum from data[0..len) into a new value (caller owns it;
 * NULL for a null). Truncated or corrupt input is INVALID, never a crash.
 * Decodes through the codec's plan: avro-c's streaming decoder
 * (avro_consume_binary) fills the Connect value directly, without an
 * avro-c generic value in between; data the plan rejects is decoded again
 * by trib_avro_codec_decode_generic, whose result (or error) is returned. */
int trib_avro_codec_decode(trib_avro_codec *c, const void *data, size_t len, trib_value **out,
                           trib_error *err);

/* The plan alone, without the generic path behind it: INVALID ("the
 * decoding plan rejected the data") for anything the plan does not take,
 * which includes valid data not in the canonical encoding (longer varints
 * than needed, negative block counts, bytes after the datum) besides
 * corrupt data. For the tests, which compare it with the generic path. */
int trib_avro_codec_decode_plan(trib_avro_codec *c, const void *data, size_t len, trib_value **out,
                                trib_error *err);

/* The same decoding through an avro-c generic value read with
 * avro_value_read and then copied into Connect values: the reference the
 * tests compare the plan with, and what names the field of an error. Same
 * contract. */
int trib_avro_codec_decode_generic(trib_avro_codec *c, const void *data, size_t len, trib_value **out,
                                   trib_error *err);

#endif
