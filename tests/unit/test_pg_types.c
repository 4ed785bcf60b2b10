/*
 * test_pg_types.c: the Connect schema <-> PostgreSQL type mapping of the
 * PostgreSQL connector (connectors/postgres/schema_map.c). No database.
 */
#include "tests/tap.h"

#include "common/util.h"
#include "connectors/postgres/pg_internal.h"

static void is_type(trib_schema *s, const char *want, const char *name) {
    trib_error err;
    char *t = trib_pg_type_for_schema(s, "field x", &err);
    is_str(t, want, "%s maps to %s", name, want);
    free(t);
    trib_schema_unref(s);
}

static int numeric_typmod(int p, int s) { return ((p << 16) | (s & 0x7ff)) + 4; }

int main(void) {
    (void)plan;   /* the plan is printed at the end */
    is_type(trib_schema_primitive(TRIB_INT8, false), "smallint", "int8");
    is_type(trib_schema_primitive(TRIB_INT16, false), "smallint", "int16");
    is_type(trib_schema_primitive(TRIB_INT32, true), "integer", "int32");
    is_type(trib_schema_primitive(TRIB_INT64, false), "bigint", "int64");
    is_type(trib_schema_primitive(TRIB_FLOAT32, false), "real", "float32");
    is_type(trib_schema_primitive(TRIB_FLOAT64, false), "double precision", "float64");
    is_type(trib_schema_primitive(TRIB_BOOLEAN, false), "boolean", "boolean");
    is_type(trib_schema_primitive(TRIB_STRING, false), "text", "string");
    is_type(trib_schema_primitive(TRIB_BYTES, false), "bytea", "bytes");
    is_type(trib_schema_decimal(2, false), "numeric(1000,2)", "Decimal(scale 2)");
    is_type(trib_schema_date(false), "date", "Date");
    is_type(trib_schema_time(false), "time", "Time");
    is_type(trib_schema_timestamp(false), "timestamptz", "Timestamp");
    is_type(trib_schema_array_take(trib_schema_primitive(TRIB_INT32, false)), "jsonb", "array");
    is_type(trib_schema_map_take(trib_schema_primitive(TRIB_STRING, false), trib_schema_primitive(TRIB_INT32, false)),
            "jsonb", "map");
    is_type(trib_schema_struct_new("S"), "jsonb", "struct");

    trib_error err;
    ok(trib_pg_type_for_schema(NULL, "field 'y'", &err) == NULL, "a missing schema has no type");
    like(err.msg, "field 'y'", "the error names the field");

    /* source direction */
    trib_schema *s = trib_pg_schema_for_type(TRIB_PG_OID_INT2, -1, false);
    ok(s->type == TRIB_INT16 && !s->optional, "smallint reads as a required int16");
    trib_schema_unref(s);
    s = trib_pg_schema_for_type(TRIB_PG_OID_INT4, -1, true);
    ok(s->type == TRIB_INT32 && s->optional, "a nullable integer reads as an optional int32");
    trib_schema_unref(s);
    s = trib_pg_schema_for_type(TRIB_PG_OID_INT8, -1, false);
    is_int(s->type, TRIB_INT64, "bigint reads as int64");
    trib_schema_unref(s);
    s = trib_pg_schema_for_type(TRIB_PG_OID_FLOAT4, -1, false);
    is_int(s->type, TRIB_FLOAT32, "real reads as float32");
    trib_schema_unref(s);
    s = trib_pg_schema_for_type(TRIB_PG_OID_NUMERIC, numeric_typmod(10, 2), false);
    ok(trib_schema_is_logical(s, TRIB_LOGICAL_DECIMAL), "numeric(10,2) reads as a Decimal");
    is_int(trib_schema_decimal_scale(s), 2, "with scale 2");
    trib_schema_unref(s);
    s = trib_pg_schema_for_type(TRIB_PG_OID_NUMERIC, numeric_typmod(1000, 0), false);
    is_int(trib_schema_decimal_scale(s), 0, "numeric(1000,0) has scale 0");
    trib_schema_unref(s);
    is_int(trib_pg_numeric_typmod_scale(numeric_typmod(5, -2)), -2, "a negative numeric scale is decoded");
    s = trib_pg_schema_for_type(TRIB_PG_OID_NUMERIC, -1, true);
    is_int(s->type, TRIB_STRING, "unconstrained numeric reads as a string (no fixed scale)");
    trib_schema_unref(s);
    s = trib_pg_schema_for_type(TRIB_PG_OID_TIMESTAMPTZ, -1, false);
    ok(trib_schema_is_logical(s, TRIB_LOGICAL_TIMESTAMP), "timestamptz reads as a Timestamp");
    trib_schema_unref(s);
    s = trib_pg_schema_for_type(TRIB_PG_OID_TIMESTAMP, -1, false);
    ok(trib_schema_is_logical(s, TRIB_LOGICAL_TIMESTAMP), "timestamp reads as a Timestamp");
    trib_schema_unref(s);
    s = trib_pg_schema_for_type(TRIB_PG_OID_DATE, -1, false);
    ok(trib_schema_is_logical(s, TRIB_LOGICAL_DATE), "date reads as a Date");
    trib_schema_unref(s);
    s = trib_pg_schema_for_type(TRIB_PG_OID_TIME, -1, false);
    ok(trib_schema_is_logical(s, TRIB_LOGICAL_TIME), "time reads as a Time");
    trib_schema_unref(s);
    s = trib_pg_schema_for_type(TRIB_PG_OID_JSONB, -1, false);
    is_int(s->type, TRIB_STRING, "jsonb reads as a string");
    trib_schema_unref(s);
    s = trib_pg_schema_for_type(TRIB_PG_OID_BYTEA, -1, false);
    is_int(s->type, TRIB_BYTES, "bytea reads as bytes");
    trib_schema_unref(s);
    s = trib_pg_schema_for_type(TRIB_PG_OID_BOOL, -1, false);
    is_int(s->type, TRIB_BOOLEAN, "boolean reads as boolean");
    trib_schema_unref(s);

    is_int(trib_pg_kind_of_oid(TRIB_PG_OID_VARCHAR), TRIB_PGK_TEXT, "varchar travels as text");
    is_int(trib_pg_kind_of_oid(600), TRIB_PGK_OTHER, "an unknown type (point) has no binary codec");

    /* which record schemas go into which columns without a cast */
    s = trib_schema_primitive(TRIB_STRING, false);
    ok(trib_pg_binary_compatible(TRIB_PGK_TEXT, s), "strings go into text columns directly");
    ok(!trib_pg_binary_compatible(TRIB_PGK_DATE, s), "strings go into date columns through a cast");
    ok(trib_pg_binary_compatible(TRIB_PGK_UUID, s), "strings go into uuid columns directly");
    trib_schema_unref(s);
    s = trib_schema_timestamp(false);
    ok(trib_pg_binary_compatible(TRIB_PGK_TIMESTAMPTZ, s), "Timestamps go into timestamptz directly");
    ok(!trib_pg_binary_compatible(TRIB_PGK_FLOAT8, s), "Timestamps do not go into float columns directly");
    trib_schema_unref(s);
    s = trib_schema_decimal(3, false);
    ok(trib_pg_binary_compatible(TRIB_PGK_NUMERIC, s), "Decimals go into numeric directly");
    ok(!trib_pg_binary_compatible(TRIB_PGK_BYTEA, s), "Decimals do not go into bytea as raw bytes");
    trib_schema_unref(s);
    done_testing();
    return exit_status();
}
