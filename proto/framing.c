/*
 * framing.c: the 5-byte Confluent header (magic byte + big-endian schema
 * id) in front of every registry-framed payload. See framing.h.
 */
#include "proto/framing.h"

void trib_framing_write_header(trib_strbuf *out, int32_t id) {
    uint32_t u = (uint32_t)id;
    unsigned char hdr[TRIB_FRAMING_HEADER_LEN] = {
        TRIB_FRAMING_MAGIC,
        (unsigned char)(u >> 24), (unsigned char)(u >> 16),
        (unsigned char)(u >> 8), (unsigned char)u,
    };
    trib_strbuf_append(out, hdr, sizeof hdr);
}

int trib_framing_parse(const void *data, size_t len, int32_t *id, const void **body,
                       size_t *body_len, trib_error *err) {
    const unsigned char *p = data;
    if (!p || len < TRIB_FRAMING_HEADER_LEN)
        return trib_error_set(err, TRIB_ERR_INVALID,
                              "avro: message of %zu bytes is shorter than the %d-byte "
                              "schema registry header (magic byte + schema id)",
                              len, TRIB_FRAMING_HEADER_LEN);
    if (p[0] != TRIB_FRAMING_MAGIC)
        return trib_error_set(err, TRIB_ERR_INVALID,
                              "avro: unknown magic byte 0x%02x (expected 0x00): the data "
                              "was not written by a schema-registry-aware serializer",
                              p[0]);
    uint32_t u = ((uint32_t)p[1] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 8) |
                 (uint32_t)p[4];
    if (id) *id = (int32_t)u;
    if (body) *body = p + TRIB_FRAMING_HEADER_LEN;
    if (body_len) *body_len = len - TRIB_FRAMING_HEADER_LEN;
    return 0;
}
