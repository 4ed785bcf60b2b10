/*
 * test_log_json.c: the JSON log line (common/log.c, trib_log_format_json):
 * the [connector:task] prefix becomes fields, escaping, bytes that are not
 * UTF-8, and lines longer than the buffer stay valid JSON.
 */
#include "common/log.h"
#include "tests/tap.h"

#include <jansson.h>
#include <string.h>

static json_t *line(const char *msg, size_t cap) {
    char buf[4096];
    size_t n = trib_log_format_json(buf, cap, "2026-01-01T00:00:00.000Z", TRIB_LOG_WARN, "worker", msg);
    if (n == 0 || buf[n - 1] != '\n') return NULL;
    return json_loadb(buf, n - 1, 0, NULL);
}

int main(void) {
    plan(13);
    json_t *j = line("[orders:3] task is RUNNING", 4096);
    is_str(json_string_value(json_object_get(j, "connector")), "orders", "connector from [connector:task]");
    is_int(json_integer_value(json_object_get(j, "task")), 3, "task from [connector:task]");
    is_str(json_string_value(json_object_get(j, "message")), "task is RUNNING", "the message without the prefix");
    is_str(json_string_value(json_object_get(j, "level")), "WARN", "level");
    is_str(json_string_value(json_object_get(j, "logger")), "worker", "logger is the facility");
    json_decref(j);

    j = line("[acme/a:b] connector created", 4096);
    is_str(json_string_value(json_object_get(j, "connector")), "acme/a:b", "[connector] without a task number");
    ok(json_object_get(j, "task") == NULL, "no task field then");
    json_decref(j);

    j = line("plain \"quoted\"\n\x01 line", 4096);
    ok(json_object_get(j, "connector") == NULL, "no prefix, no connector field");
    is_str(json_string_value(json_object_get(j, "message")), "plain \"quoted\"\n\x01 line", "quotes and controls survive escaping");
    json_decref(j);

    j = line("bad \xff\xfe bytes h\xc3\xa9", 4096);
    is_str(json_string_value(json_object_get(j, "message")), "bad ?? bytes h\xc3\xa9", "invalid UTF-8 becomes ?, valid stays");
    json_decref(j);

    char big[3000];
    memset(big, '"', sizeof big - 1);   /* each escapes to two bytes */
    big[sizeof big - 1] = '\0';
    j = line(big, 1024);
    ok(j != NULL, "a message longer than the line is cut and stays valid JSON");
    const char *m = json_string_value(json_object_get(j, "message"));
    ok(m && strlen(m) < 600 && strcmp(m + strlen(m) - 3, "...") == 0, "and ends with ...");
    json_decref(j);

    trib_log_format f;
    ok(trib_log_format_parse("JSON", &f) == 0 && f == TRIB_LOG_FORMAT_JSON && trib_log_format_parse("xml", &f) < 0,
       "format names parse, unknown ones are refused");
    return exit_status();
}
