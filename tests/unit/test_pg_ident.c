/*
 * test_pg_ident.c: identifier quoting, table.name.format expansion,
 * connection.url translation and SQLSTATE classification of the PostgreSQL
 * connector (connectors/postgres/ident.c, conn.c). No database needed.
 */
#include "tests/tap.h"

#include "common/util.h"
#include "connectors/postgres/pg_internal.h"

static char *quoted(const char *s) {
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    trib_pg_quote_ident(&sb, s);
    return trib_strbuf_take(&sb);
}

static void test_quote(void) {
    char *q = quoted("orders");
    is_str(q, "\"orders\"", "a plain name is double-quoted");
    free(q);
    q = quoted("Mixed Case");
    is_str(q, "\"Mixed Case\"", "case and spaces are kept inside the quotes");
    free(q);
    q = quoted("a\"b");
    is_str(q, "\"a\"\"b\"", "an embedded double quote is doubled");
    free(q);
    q = quoted("x\"; DROP TABLE y; --");
    is_str(q, "\"x\"\"; DROP TABLE y; --\"", "a quote-and-semicolon injection stays one identifier");
    free(q);
    q = quoted("\"\"");
    is_str(q, "\"\"\"\"\"\"", "a name made of quotes is fully doubled");
    free(q);
    q = quoted("zählung_表");
    is_str(q, "\"zählung_表\"", "unicode passes through unchanged");
    free(q);

    char long70[71];
    memset(long70, 'a', 70);
    long70[70] = '\0';
    q = quoted(long70);
    is_int(strlen(q), 63 + 2, "a 70-byte name is clipped to 63 bytes as PostgreSQL does");
    free(q);

    /* 62 ASCII bytes then a 2-byte character: clipping must not split it. */
    char name[70];
    memset(name, 'b', 62);
    strcpy(name + 62, "é");
    is_int(trib_pg_ident_clip_len(name, strlen(name)), 62, "clipping never splits a UTF-8 sequence");
    char *c = trib_pg_ident_clip(name);
    is_int(strlen(c), 62, "trib_pg_ident_clip returns the clipped copy");
    free(c);

    /* Quotes count towards the 63 bytes of the name, not the quoted form. */
    char quotes[70];
    memset(quotes, '"', 63);
    quotes[63] = '\0';
    q = quoted(quotes);
    is_int(strlen(q), 126 + 2, "63 quote characters become 126 plus the enclosing quotes");
    free(q);

    trib_strbuf sb;
    trib_strbuf_init(&sb);
    trib_pg_quote_qualified(&sb, "my schema", "t.1");
    is_str(sb.data, "\"my schema\".\"t.1\"", "schema and table are quoted separately");
    trib_strbuf_free(&sb);
}

static void test_check(void) {
    trib_error err;
    ok(trib_pg_ident_check("ok", "a field name", &err) == 0, "a normal name passes the check");
    ok(trib_pg_ident_check("", "a field name", &err) < 0, "an empty name is refused");
    like(err.msg, "a field name is empty", "the error names what was empty");
    ok(trib_pg_ident_check("bad\xff", "table name", &err) < 0, "invalid UTF-8 is refused");
    like(err.msg, "not valid UTF-8", "the error says why");
    ok(trib_pg_ident_check("\xc0\xaf", "x", &err) < 0, "an overlong UTF-8 encoding is refused");
}

static void test_table_format(void) {
    char *schema, *table;
    trib_error err;
    ok(trib_pg_table_name_format("${topic}", "server1.inventory.customers", &schema, &table, &err) == 0,
       "the default format expands");
    ok(schema == NULL, "dots inside the topic do not make a schema");
    is_str(table, "server1.inventory.customers", "the table is the whole topic");
    free(table);

    ok(trib_pg_table_name_format("audit.${topic}_v1", "orders", &schema, &table, &err) == 0, "a schema prefix expands");
    is_str(schema, "audit", "the part before the first dot outside ${} is the schema");
    is_str(table, "orders_v1", "the rest is the table");
    free(schema);
    free(table);

    ok(trib_pg_table_name_format("kafka_${topic}", "a\"b;c", &schema, &table, &err) == 0, "hostile topics expand");
    is_str(table, "kafka_a\"b;c", "the topic text is kept verbatim (quoting happens later)");
    free(table);

    ok(trib_pg_table_name_format("${table}", "t", &schema, &table, &err) < 0, "an unknown placeholder is refused");
    like(err.msg, "${table}", "the error names the placeholder");
    ok(trib_pg_table_name_format("x_${topic", "t", &schema, &table, &err) < 0, "an unclosed placeholder is refused");
    ok(trib_pg_table_name_format(".${topic}", "t", &schema, &table, &err) < 0, "an empty schema part is refused");
}

static void test_url(void) {
    trib_error err;
    char *c = trib_pg_url_to_conninfo("postgresql://u@h:5432/db?sslmode=disable", &err);
    is_str(c, "postgresql://u@h:5432/db?sslmode=disable", "a libpq URI passes through");
    free(c);
    c = trib_pg_url_to_conninfo("host=h dbname=d", &err);
    is_str(c, "host=h dbname=d", "a key=value conninfo passes through");
    free(c);
    c = trib_pg_url_to_conninfo("jdbc:postgresql://db.example:6543/shop?user=app&password=s3cret&ssl=true", &err);
    is_str(c, "postgresql://db.example:6543/shop?user=app&password=s3cret&sslmode=require",
           "a JDBC URL becomes a libpq URI with ssl=true as sslmode=require");
    free(c);
    c = trib_pg_url_to_conninfo("jdbc:postgresql://h/db?currentSchema=sales&ApplicationName=x&prepareThreshold=0", &err);
    is_str(c, "postgresql://h/db?options=-c%20search_path%3Dsales&application_name=x",
           "currentSchema maps to search_path, ApplicationName is renamed, JDBC-only parameters are dropped");
    free(c);
    c = trib_pg_url_to_conninfo("jdbc:postgresql:inventory", &err);
    is_str(c, "postgresql:///inventory", "the host-less JDBC form names a local database");
    free(c);
    c = trib_pg_url_to_conninfo("jdbc:mysql://h/db", &err);
    ok(c == NULL, "a JDBC URL for another database is refused");
    like(err.msg, "jdbc:postgresql", "the error says what was expected");
    ok(trib_pg_url_check("postgresql://h/db?nosuchoption=1", &err) < 0, "an unknown libpq URI option is refused");
    like(err.msg, "connection.url", "the error names connection.url");
    ok(trib_pg_url_check("jdbc:postgresql://h:5432/db?user=x", &err) == 0, "a valid JDBC URL passes the check");
    ok(trib_pg_url_check("", &err) < 0, "an empty URL is refused");
}

static void test_sqlstate(void) {
    is_int(trib_pg_sqlstate_code("40001"), TRIB_ERR_RETRIABLE, "serialization failure is retriable");
    is_int(trib_pg_sqlstate_code("40P01"), TRIB_ERR_RETRIABLE, "deadlock is retriable");
    is_int(trib_pg_sqlstate_code("08006"), TRIB_ERR_RETRIABLE, "connection failure is retriable");
    is_int(trib_pg_sqlstate_code("57P01"), TRIB_ERR_RETRIABLE, "admin shutdown is retriable");
    is_int(trib_pg_sqlstate_code("53300"), TRIB_ERR_RETRIABLE, "too many connections is retriable");
    is_int(trib_pg_sqlstate_code(NULL), TRIB_ERR_RETRIABLE, "no SQLSTATE (connection trouble) is retriable");
    is_int(trib_pg_sqlstate_code("23505"), TRIB_ERR_INVALID, "a unique violation is a row fault");
    is_int(trib_pg_sqlstate_code("23502"), TRIB_ERR_INVALID, "a not-null violation is a row fault");
    is_int(trib_pg_sqlstate_code("22P02"), TRIB_ERR_INVALID, "bad input syntax is a row fault");
    is_int(trib_pg_sqlstate_code("42P01"), TRIB_ERR_FATAL, "an undefined table is fatal");
    is_int(trib_pg_sqlstate_code("28P01"), TRIB_ERR_UNAUTHORIZED, "a bad password is unauthorized");
    is_int(trib_pg_sqlstate_code("42501"), TRIB_ERR_FORBIDDEN, "missing privileges are forbidden");
    ok(trib_pg_sqlstate_is_data("23514"), "a check violation is data");
    ok(!trib_pg_sqlstate_is_data("42703"), "an undefined column is not data");
}

int main(void) {
    (void)plan;   /* the plan is printed at the end */
    test_quote();
    test_check();
    test_table_format();
    test_url();
    test_sqlstate();
    done_testing();
    return exit_status();
}
