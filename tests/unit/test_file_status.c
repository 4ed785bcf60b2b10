/* test_file_status.c: the per-file status store of the spool-directory
 * connectors (worker/file_status.h) through its standalone backend, a JSON
 * file: records merge without a state going back, survive a reopen, are
 * confined to their connector, history is bounded to the newest ended
 * files, a deleted connector's records go, and broken entries in the file
 * are skipped. The topic backend shares every rule but persistence
 * (tests/e2e/spooldir_csv.t covers it). */
#include "worker/file_status.h"
#include "common/util.h"
#include "tests/tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ID_A "00000000000000aa"
#define ID_B "00000000000000bb"

static json_t *fields(const char *state, const char *name, int64_t at) {
    return json_pack("{s:s, s:s, s:I, s:I, s:I}", "state", state, "name", name, "size", (json_int_t)10, "mtime",
                     (json_int_t)1, "updated", (json_int_t)at);
}

static int put(trib_file_status *s, const char *connector, const char *id, json_t *f) {
    trib_error err;
    int rc = trib_file_status_put(s, connector, id, f, &err);
    if (rc < 0) diag("put: %s", err.msg);
    json_decref(f);
    return rc;
}

static const char *state_of(trib_file_status *s, const char *connector, const char *id, char *buf, size_t cap) {
    json_t *r = trib_file_status_get(s, connector, id);
    snprintf(buf, cap, "%s", r ? json_string_value(json_object_get(r, "state")) : "(none)");
    json_decref(r);
    return buf;
}

int main(void) {
    plan(27);
    char dir[] = "/tmp/test_file_status.XXXXXX";
    if (!mkdtemp(dir)) return 1;
    char *path = trib_xasprintf("%s/files.json", dir);
    char buf[64];
    trib_error err;

    trib_file_status *s = trib_file_status_open_file(path, "w1", 2, &err);
    ok(s != NULL, "a missing file opens as an empty store");
    json_t *list = trib_file_status_list(s, "c");
    is_int(json_array_size(list), 0, "with no files");
    json_decref(list);

    /* the task's PROCESSING arrives before the upload's UPLOADED */
    json_t *f = fields("PROCESSING", "a.csv", 100);
    json_object_set_new(f, "rows", json_integer(5));
    ok(put(s, "c", ID_A, f) == 0, "a task writes PROCESSING");
    f = fields("UPLOADED", "a.csv", 90);
    json_object_set_new(f, "sha256", json_string("abc"));
    json_object_set_new(f, "uploaded_at", json_integer(90));
    ok(put(s, "c", ID_A, f) == 0, "the upload's record comes later");
    json_t *r = trib_file_status_get(s, "c", ID_A);
    is_str(json_string_value(json_object_get(r, "state")), "PROCESSING", "the state does not go back");
    is_str(json_string_value(json_object_get(r, "sha256")), "abc", "but the upload's sha256 is added");
    is_int(json_integer_value(json_object_get(r, "rows")), 5, "and the task's rows are kept");
    is_str(json_string_value(json_object_get(r, "worker_id")), "w1", "the record names its writer");
    json_decref(r);
    f = fields("FINISHED", "a.csv", 200);
    json_object_set_new(f, "finished_at", json_integer(200));
    ok(put(s, "c", ID_A, f) == 0, "the task writes FINISHED");
    r = trib_file_status_get(s, "c", ID_A);
    ok(r && json_integer_value(json_object_get(r, "uploaded_at")) == 90 &&
           json_integer_value(json_object_get(r, "rows")) == 5,
       "fields of earlier records stay with the file");
    json_decref(r);

    ok(trib_file_status_get(s, "other", ID_A) == NULL, "another connector does not see the file");
    json_t *empty = json_object();
    ok(trib_file_status_put(s, "c", "../../x", empty, &err) < 0, "an id that is not 16 hex digits is refused");
    ok(trib_file_status_put(s, "c", ID_B, empty, &err) < 0 && err.code == TRIB_ERR_INVALID,
       "a record without state and name is refused");
    json_decref(empty);
    ok(trib_file_status_get(s, "c", ID_B) == NULL, "and not kept");
    trib_file_status_destroy(s);

    s = trib_file_status_open_file(path, "w1", 2, &err);
    is_str(state_of(s, "c", ID_A, buf, sizeof buf), "FINISHED", "the status survives a reopen (a worker restart)");

    /* history: 2 ended files per connector; waiting ones are kept */
    const char *ids[] = {"0000000000000001", "0000000000000002", "0000000000000003"};
    for (int i = 0; i < 3; i++) {
        char name[16];
        snprintf(name, sizeof name, "f%d.csv", i);
        f = fields("FINISHED", name, 300 + i);
        json_object_set_new(f, "finished_at", json_integer(300 + i));
        put(s, "c", ids[i], f);
    }
    put(s, "c", ID_B, fields("QUEUED", "waiting.csv", 50));
    put(s, "d", ids[0], fields("FAILED", "x.csv", 1));
    list = trib_file_status_list(s, "c");
    is_int(json_array_size(list), 3, "the connector keeps its 2 newest ended files and the waiting one");
    ok(trib_file_status_get(s, "c", ID_A) == NULL && trib_file_status_get(s, "c", ids[0]) == NULL,
       "the oldest ended files are dropped");
    is_str(state_of(s, "c", ID_B, buf, sizeof buf), "QUEUED", "a waiting file is never dropped");
    is_str(state_of(s, "d", ids[0], buf, sizeof buf), "FAILED", "another connector's history is its own");
    is_str(json_string_value(json_object_get(json_array_get(list, 0), "name")), "f2.csv", "the list is newest first");
    json_decref(list);

    trib_file_status_remove_connector(s, "c");
    list = trib_file_status_list(s, "c");
    is_int(json_array_size(list), 0, "a deleted connector's files are gone");
    json_decref(list);
    is_str(state_of(s, "d", ids[0], buf, sizeof buf), "FAILED", "and no one else's");
    trib_file_status_destroy(s);

    /* a file with hostile entries */
    FILE *fp = fopen(path, "w");
    fputs("{\"file-00000000000000aa-c\": \"not an object\",\n"
          " \"file-00000000000000bb-c\": {\"connector\":\"c\",\"id\":\"00000000000000bb\",\"name\":\"b\",\"state\":\"EXPLODED\"},\n"
          " \"file-00000000000000cc-c\": {\"connector\":\"evil\",\"id\":\"00000000000000cc\",\"name\":\"c\",\"state\":\"QUEUED\"},\n"
          " \"file-00000000000000dd-c\": {\"connector\":\"c\",\"id\":\"00000000000000dd\",\"name\":\"d\",\"state\":\"QUEUED\",\"rows\":\"many\"},\n"
          " \"file-00000000000000ee-c\": {\"connector\":\"c\",\"id\":\"00000000000000ee\",\"name\":\"e\",\"state\":\"QUEUED\"}}\n",
          fp);
    fclose(fp);
    s = trib_file_status_open_file(path, "w1", 2, &err);
    ok(s != NULL, "a file with broken entries opens");
    list = s ? trib_file_status_list(s, "c") : json_array();
    is_int(json_array_size(list), 1, "only the valid entry is kept");
    json_decref(list);
    list = s ? trib_file_status_list(s, "evil") : json_array();
    is_int(json_array_size(list), 0, "an entry whose key names another connector is skipped");
    json_decref(list);
    trib_file_status_destroy(s);

    fp = fopen(path, "w");
    fputs("[1,2", fp);
    fclose(fp);
    s = trib_file_status_open_file(path, "w1", 2, &err);
    ok(s == NULL && err.code == TRIB_ERR_INVALID, "a file that is not a JSON object is an error");
    like(err.msg, "file status file", "naming the file status file");

    unlink(path);
    char *tmp = trib_xasprintf("%s.tmp", path);
    unlink(tmp);
    free(tmp);
    rmdir(dir);
    free(path);

    return exit_status();
}
