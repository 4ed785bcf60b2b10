/*
 * test_mongo_errors.c: how the MongoDB connectors classify driver errors
 * (connectors/mongo): which change stream errors mean a lost resume token
 * (the source then fails, or goes on as startup.mode.on.lost.resume.token
 * says), and which errors are transient (the sink then retries with the
 * task RUNNING), with the codes and messages MongoDB documents. Code 286
 * is also provoked against the test server by
 * tests/e2e/mongo_source_lost_token.t; the others are checked only here.
 */
#include "tests/tap.h"

#include <string.h>

#include "connectors/mongo/mongo_internal.h"

static bson_error_t err_of(uint32_t domain, uint32_t code, const char *msg) {
    bson_error_t e;
    memset(&e, 0, sizeof e);
    e.domain = domain;
    e.code = code;
    snprintf(e.message, sizeof e.message, "%s", msg);
    return e;
}

int main(void) {
    plan(14);
    bson_error_t e = err_of(MONGOC_ERROR_SERVER, 286, "Error on remote shard: ChangeStreamHistoryLost");
    ok(trib_mongo_lost_resume_token(&e, NULL), "code 286 (ChangeStreamHistoryLost) is a lost token");
    e = err_of(MONGOC_ERROR_SERVER, 280, "cannot resume stream");
    ok(trib_mongo_lost_resume_token(&e, NULL), "code 280 (ChangeStreamFatalError) is a lost token");
    e = err_of(MONGOC_ERROR_SERVER, 260, "invalidate");
    ok(trib_mongo_lost_resume_token(&e, NULL), "code 260 is a lost token");
    e = err_of(MONGOC_ERROR_SERVER, 40585, "resume of change stream was not possible, as the resume token was not found");
    ok(trib_mongo_lost_resume_token(&e, NULL), "a 'resume token was not found' message is a lost token");
    e = err_of(MONGOC_ERROR_SERVER, 1, "failed");
    bson_t *reply = BCON_NEW("ok", BCON_INT32(0), "codeName", BCON_UTF8("ChangeStreamHistoryLost"));
    ok(trib_mongo_lost_resume_token(&e, reply), "codeName ChangeStreamHistoryLost in the reply is a lost token");
    bson_destroy(reply);
    e = err_of(MONGOC_ERROR_STREAM, MONGOC_ERROR_STREAM_SOCKET, "socket error or timeout");
    ok(!trib_mongo_lost_resume_token(&e, NULL), "a network error is not a lost token");
    ok(trib_mongo_error_is_transient(&e), "a network error is transient (retried)");
    e = err_of(MONGOC_ERROR_SERVER_SELECTION, MONGOC_ERROR_SERVER_SELECTION_FAILURE, "No suitable servers found");
    ok(trib_mongo_error_is_transient(&e), "a server selection failure is transient");
    e = err_of(MONGOC_ERROR_SERVER, 11600, "interrupted at shutdown");
    ok(trib_mongo_error_is_transient(&e), "InterruptedAtShutdown (11600) is transient");
    e = err_of(MONGOC_ERROR_SERVER, 10107, "not primary");
    ok(trib_mongo_error_is_transient(&e), "NotWritablePrimary (10107) is transient");
    e = err_of(MONGOC_ERROR_SERVER, 13, "not authorized");
    ok(!trib_mongo_error_is_transient(&e), "Unauthorized (13) is not transient");
    e = err_of(MONGOC_ERROR_CLIENT, MONGOC_ERROR_CLIENT_AUTHENTICATE, "Authentication failed.");
    ok(!trib_mongo_error_is_transient(&e), "an authentication failure is not transient (the task fails)");
    e = err_of(MONGOC_ERROR_SERVER, 18, "Authentication failed.");
    ok(!trib_mongo_error_is_transient(&e), "AuthenticationFailed (18) from the server is not transient");
    e = err_of(MONGOC_ERROR_SERVER, 13, "not authorized");
    trib_error te;
    trib_mongo_error(&te, &e, "bulk write");
    ok(te.code == TRIB_ERR_FATAL && strstr(te.msg, "mongo: bulk write: not authorized"),
       "a fatal driver error becomes FATAL, naming MongoDB and the operation");
    return exit_status();
}
