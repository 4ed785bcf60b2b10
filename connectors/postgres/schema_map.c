/*
 * schema_map.c: the mapping between Connect schemas (proto/data.h) and
 * PostgreSQL column types, in both directions.
 *
 * Sink (auto.create / auto.evolve): int8/int16 -> smallint, int32 ->
 * integer, int64 -> bigint, float32 -> real, float64 -> double precision,
 * boolean, string -> text, bytes -> bytea, Decimal(scale s) ->
 * numeric(1000,s) (the scale is kept in the column so the source reads the
 * same Decimal back), Date -> date, Time -> time, Timestamp -> timestamptz,
 * arrays, maps and structs -> jsonb.
 *
 * Source (catalog types): smallint -> int16, integer -> int32, bigint ->
 * int64, real -> float32, double precision -> float64, boolean, text /
 * varchar / char -> string, bytea -> bytes, numeric(p,s) -> Decimal(s)
 * (unconstrained numeric -> string, as no fixed scale exists), date -> Date,
 * time -> Time, timestamp / timestamptz -> Timestamp, json / jsonb / uuid and
 * every other type -> string (selected as its text form).
 */
#include "connectors/postgres/pg_internal.h"

#include <stdio.h>
#include <string.h>

trib_pg_kind trib_pg_kind_of_oid(unsigned oid) {
    switch (oid) {
    case TRIB_PG_OID_BOOL: return TRIB_PGK_BOOL;
    case TRIB_PG_OID_BYTEA: return TRIB_PGK_BYTEA;
    case TRIB_PG_OID_INT8: return TRIB_PGK_INT8;
    case TRIB_PG_OID_INT2: return TRIB_PGK_INT2;
    case TRIB_PG_OID_INT4: return TRIB_PGK_INT4;
    case TRIB_PG_OID_TEXT:
    case TRIB_PG_OID_BPCHAR:
    case TRIB_PG_OID_VARCHAR: return TRIB_PGK_TEXT;
    case TRIB_PG_OID_JSON: return TRIB_PGK_JSON;
    case TRIB_PG_OID_FLOAT4: return TRIB_PGK_FLOAT4;
    case TRIB_PG_OID_FLOAT8: return TRIB_PGK_FLOAT8;
    case TRIB_PG_OID_DATE: return TRIB_PGK_DATE;
    case TRIB_PG_OID_TIME: return TRIB_PGK_TIME;
    case TRIB_PG_OID_TIMESTAMP: return TRIB_PGK_TIMESTAMP;
    case TRIB_PG_OID_TIMESTAMPTZ: return TRIB_PGK_TIMESTAMPTZ;
    case TRIB_PG_OID_NUMERIC: return TRIB_PGK_NUMERIC;
    case TRIB_PG_OID_UUID: return TRIB_PGK_UUID;
    case TRIB_PG_OID_JSONB: return TRIB_PGK_JSONB;
    default: return TRIB_PGK_OTHER;
    }
}

char *trib_pg_type_for_schema(const trib_schema *s, const char *what, trib_error *err) {
    if (!s) {
        trib_error_set(err, TRIB_ERR_INVALID, "postgres: %s has no schema, so no column type can be chosen", what);
        return NULL;
    }
    if (s->name) {
        if (strcmp(s->name, TRIB_LOGICAL_DECIMAL) == 0) {
            int scale = trib_schema_decimal_scale(s);
            if (scale < -1000 || scale > 1000) {
                trib_error_set(err, TRIB_ERR_INVALID, "postgres: %s has Decimal scale %d outside -1000..1000", what,
                               scale);
                return NULL;
            }
            return trib_xasprintf("numeric(1000,%d)", scale);
        }
        if (strcmp(s->name, TRIB_LOGICAL_DATE) == 0) return trib_xstrdup("date");
        if (strcmp(s->name, TRIB_LOGICAL_TIME) == 0) return trib_xstrdup("time");
        if (strcmp(s->name, TRIB_LOGICAL_TIMESTAMP) == 0) return trib_xstrdup("timestamptz");
    }
    switch (s->type) {
    case TRIB_INT8:
    case TRIB_INT16: return trib_xstrdup("smallint");
    case TRIB_INT32: return trib_xstrdup("integer");
    case TRIB_INT64: return trib_xstrdup("bigint");
    case TRIB_FLOAT32: return trib_xstrdup("real");
    case TRIB_FLOAT64: return trib_xstrdup("double precision");
    case TRIB_BOOLEAN: return trib_xstrdup("boolean");
    case TRIB_STRING: return trib_xstrdup("text");
    case TRIB_BYTES: return trib_xstrdup("bytea");
    case TRIB_ARRAY:
    case TRIB_MAP:
    case TRIB_STRUCT: return trib_xstrdup("jsonb");
    }
    trib_error_set(err, TRIB_ERR_INVALID, "postgres: %s has an unknown schema type", what);
    return NULL;
}

int trib_pg_numeric_typmod_scale(int typmod) {
    if (typmod < 4) return -1;   /* VARHDRSZ: unconstrained */
    int t = typmod - 4;
    /* PostgreSQL 15 stores the scale as an 11-bit signed value. */
    int scale = (t & 0x7ff) ^ 1024;
    return scale - 1024;
}

trib_schema *trib_pg_schema_for_type(unsigned oid, int typmod, bool optional) {
    switch (trib_pg_kind_of_oid(oid)) {
    case TRIB_PGK_BOOL: return trib_schema_primitive(TRIB_BOOLEAN, optional);
    case TRIB_PGK_INT2: return trib_schema_primitive(TRIB_INT16, optional);
    case TRIB_PGK_INT4: return trib_schema_primitive(TRIB_INT32, optional);
    case TRIB_PGK_INT8: return trib_schema_primitive(TRIB_INT64, optional);
    case TRIB_PGK_FLOAT4: return trib_schema_primitive(TRIB_FLOAT32, optional);
    case TRIB_PGK_FLOAT8: return trib_schema_primitive(TRIB_FLOAT64, optional);
    case TRIB_PGK_BYTEA: return trib_schema_primitive(TRIB_BYTES, optional);
    case TRIB_PGK_DATE: return trib_schema_date(optional);
    case TRIB_PGK_TIME: return trib_schema_time(optional);
    case TRIB_PGK_TIMESTAMP:
    case TRIB_PGK_TIMESTAMPTZ: return trib_schema_timestamp(optional);
    case TRIB_PGK_NUMERIC: {
        int scale = trib_pg_numeric_typmod_scale(typmod);
        if (scale < 0 && typmod < 4) return trib_schema_primitive(TRIB_STRING, optional);
        return trib_schema_decimal(scale, optional);
    }
    default: return trib_schema_primitive(TRIB_STRING, optional);
    }
}
