/*
 * framing.h: Confluent's wire format for schema-registry-aware payloads.
 *
 * Every value or key written by Confluent's serializers (and by our
 * AvroConverter) starts with a magic byte 0 and the schema's registry id as
 * a 4-byte big-endian integer; the Avro binary body follows:
 *
 *   +------+----------------+-------------------------+
 *   | 0x00 | id (int32, BE) | Avro binary of the datum |
 *   +------+----------------+-------------------------+
 *
 * Parsing is strict: a wrong magic byte or a message shorter than the
 * 5-byte header is an INVALID error (a poison record for the DLQ).
 */
#ifndef TRIB_PROTO_FRAMING_H
#define TRIB_PROTO_FRAMING_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/util.h"

#define TRIB_FRAMING_MAGIC 0x00
#define TRIB_FRAMING_HEADER_LEN 5

/* Appends the 5-byte header for schema `id` to out. */
void trib_framing_write_header(trib_strbuf *out, int32_t id);

/* Splits a framed message into its schema id and body (borrowed from data).
 * INVALID when data is shorter than the header or the magic byte is not 0. */
int trib_framing_parse(const void *data, size_t len, int32_t *id, const void **body,
                       size_t *body_len, trib_error *err);

#endif
