/*
 * ingest_ws.c: WebSocket ingest (docs/connectors/http-ingest.md,
 * "WebSocket"): GET /ingest/{c} (or /tenants/{t}/ingest/{c}) with
 * "Upgrade: websocket" becomes a session in which every text message is
 * one record (a JSON value) or a batch (a JSON array), answered by one
 * text message carrying the same delivery report as an HTTP answer plus
 * "status" and "seq" (the message's number in the session, from 0).
 *
 * libmicrohttpd performs the upgrade (MHD_ALLOW_UPGRADE) and hands over the
 * socket; wslay does the WebSocket framing (fragmentation, masking, ping,
 * close); the handshake's Sec-WebSocket-Accept is SHA-1 + base64 from
 * libcrypto. Each session runs on its own thread and handles its messages
 * in order: a message's answer goes out once Kafka acknowledged its
 * records (rest/ingest_publisher.c), so clients pipeline messages and
 * batch records in arrays for throughput. Messages over max.body.bytes
 * close the session with 1009, binary messages with 1003; at shutdown a
 * session finishes the message in hand and closes with 1001.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include <wslay/wslay.h>

#include "common/log.h"
#include "common/time.h"
#include "common/util.h"
#include "rest/http_json.h"
#include "rest/ingest_publisher.h"
#include "rest/ingest_ws.h"
#include "rest/server.h"

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define CLOSE_WAIT_MS 5000
/* How long a closing session keeps reading what the peer still sends. */
#define LINGER_MS 2000

typedef struct ws_session {
    trib_ingest_publisher *pub;
    char *connector;
    char **hnames, **hvalues;   /* the upgrade request's headers listed in header.names */
    size_t nh;
    int fd;
    void *handle;
    char *extra;                /* bytes read by libmicrohttpd after the request */
    size_t extra_len, extra_off;
    uint64_t seq;
    bool closing;
} ws_session;

static void session_free(void *arg) {
    ws_session *s = arg;
    if (!s) return;
    trib_ingest_publisher_release(s->pub);
    for (size_t i = 0; i < s->nh; i++) {
        free(s->hnames[i]);
        free(s->hvalues[i]);
    }
    free(s->hnames);
    free(s->hvalues);
    free(s->connector);
    free(s->extra);
    free(s);
    trib_ingest_request_end();
}

static ssize_t ws_recv(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags, void *user) {
    (void)flags;
    ws_session *s = user;
    if (s->extra_off < s->extra_len) {
        size_t n = s->extra_len - s->extra_off;
        if (n > len) n = len;
        memcpy(buf, s->extra + s->extra_off, n);
        s->extra_off += n;
        return (ssize_t)n;
    }
    ssize_t r;
    while ((r = recv(s->fd, buf, len, 0)) < 0 && errno == EINTR) {
    }
    if (r < 0) {
        wslay_event_set_error(ctx, (errno == EAGAIN || errno == EWOULDBLOCK) ? WSLAY_ERR_WOULDBLOCK
                                                                              : WSLAY_ERR_CALLBACK_FAILURE);
        return -1;
    }
    if (r == 0) {   /* the client went away */
        wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
        return -1;
    }
    return r;
}

static ssize_t ws_send(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags, void *user) {
    (void)flags;
    ws_session *s = user;
    ssize_t r;
    while ((r = send(s->fd, data, len, MSG_NOSIGNAL)) < 0 && errno == EINTR) {
    }
    if (r < 0) {
        wslay_event_set_error(ctx, (errno == EAGAIN || errno == EWOULDBLOCK) ? WSLAY_ERR_WOULDBLOCK
                                                                              : WSLAY_ERR_CALLBACK_FAILURE);
        return -1;
    }
    return r;
}

static int ws_genmask(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, void *user) {
    (void)ctx;
    (void)user;
    return RAND_bytes(buf, (int)len) == 1 ? 0 : -1;
}

static void reply(wslay_event_context_ptr ctx, json_t *body_take) {
    char *text = json_dumps(body_take, JSON_COMPACT);
    json_decref(body_take);
    if (!text) return;
    struct wslay_event_msg m = {.opcode = WSLAY_TEXT_FRAME, .msg = (const uint8_t *)text, .msg_length = strlen(text)};
    wslay_event_queue_msg(ctx, &m);   /* wslay copies the message */
    free(text);
}

/* One text message: parse, publish, answer. */
static void on_message(ws_session *s, wslay_event_context_ptr ctx, const uint8_t *data, size_t len) {
    uint64_t seq = s->seq++;
    json_error_t jerr;
    json_t *doc = json_loadb((const char *)data, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) {
        char msg[300];
        snprintf(msg, sizeof msg, "Malformed JSON message at line %d, column %d: %s; nothing was produced", jerr.line,
                 jerr.column, jerr.text);
        json_t *b = trib_rest_error_json(400, msg);
        json_object_set_new(b, "status", json_integer(400));
        json_object_set_new(b, "seq", json_integer((json_int_t)seq));
        reply(ctx, b);
        return;
    }
    bool single = !json_is_array(doc);
    size_t n = single ? 1 : json_array_size(doc);
    json_t *b = NULL;
    int status, retry_after = 0;
    if (n == 0) {
        status = 400;
        b = trib_rest_error_json(400, "The message holds no records");
    } else {
        json_t **recs = trib_xcalloc(n, sizeof *recs);
        for (size_t i = 0; i < n; i++) recs[i] = single ? doc : json_array_get(doc, i);
        status = trib_ingest_publish(s->pub, recs, NULL, n, single, (const char *const *)s->hnames,
                                     (const char *const *)s->hvalues, s->nh, trib_mono_us(), &b, &retry_after);
        free(recs);
    }
    json_decref(doc);
    json_object_set_new(b, "status", json_integer(status));
    json_object_set_new(b, "seq", json_integer((json_int_t)seq));
    if (retry_after) json_object_set_new(b, "retry_after", json_integer(retry_after));
    reply(ctx, b);
}

static void ws_on_msg(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg, void *user) {
    ws_session *s = user;
    if (arg->opcode == WSLAY_TEXT_FRAME) {
        if (!s->closing) on_message(s, ctx, arg->msg, arg->msg_length);
    } else if (arg->opcode == WSLAY_BINARY_FRAME) {
        const char why[] = "send records as text messages (JSON)";
        wslay_event_queue_close(ctx, WSLAY_CODE_UNSUPPORTED_DATA, (const uint8_t *)why, sizeof why - 1);
        s->closing = true;
    }
    /* ping, pong and close are answered by wslay itself */
}

/* A lingering close. After our close frame, the peer may still be sending
 * (the rest of a message over max.body.bytes, which wslay stopped reading);
 * closing the socket with those bytes unread makes the kernel answer with a
 * reset, and a reset can discard our close frame before the peer has read
 * it, so the client never learns why (1009). So stop writing and read and
 * drop what arrives until the peer closes too, or LINGER_MS passes. */
static void linger_drain(int fd) {
    shutdown(fd, SHUT_WR);
    int64_t deadline = trib_mono_ms() + LINGER_MS;
    char buf[16384];
    for (;;) {
        int64_t left = deadline - trib_mono_ms();
        if (left <= 0) break;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, (int)left);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n <= 0) break;
    }
}

static void *session_main(void *arg) {
    ws_session *s = arg;
    int fl = fcntl(s->fd, F_GETFL, 0);
    if (fl >= 0) fcntl(s->fd, F_SETFL, fl | O_NONBLOCK);
    struct wslay_event_callbacks cb = {.recv_callback = ws_recv, .send_callback = ws_send,
                                       .genmask_callback = ws_genmask, .on_msg_recv_callback = ws_on_msg};
    wslay_event_context_ptr ctx = NULL;
    if (wslay_event_context_server_init(&ctx, &cb, s) != 0) goto done;
    wslay_event_config_set_max_recv_msg_length(ctx, (uint64_t)trib_ingest_publisher_settings(s->pub)->max_body_bytes);
    int64_t close_deadline = 0;
    while (wslay_event_want_read(ctx) || wslay_event_want_write(ctx)) {
        if (!s->closing && trib_ingest_shutting_down()) {
            const char why[] = "worker shutting down";
            wslay_event_queue_close(ctx, WSLAY_CODE_GOING_AWAY, (const uint8_t *)why, sizeof why - 1);
            s->closing = true;
        }
        if (wslay_event_get_close_sent(ctx) && !close_deadline) close_deadline = trib_mono_ms() + CLOSE_WAIT_MS;
        if (close_deadline && trib_mono_ms() > close_deadline) break;   /* a peer that never answers our close */
        /* bytes libmicrohttpd already read come first, without waiting */
        bool pending = s->extra_off < s->extra_len;
        struct pollfd p = {.fd = s->fd, .events = (short)((wslay_event_want_read(ctx) ? POLLIN : 0) |
                                                          (wslay_event_want_write(ctx) ? POLLOUT : 0))};
        int r = pending ? 1 : poll(&p, 1, 200);
        if (r < 0 && errno != EINTR) break;
        if (r <= 0) continue;
        if (pending) p.revents = POLLIN;
        if ((p.revents & (POLLIN | POLLHUP | POLLERR)) && wslay_event_recv(ctx) != 0) break;
        if ((p.revents & POLLOUT || wslay_event_want_write(ctx)) && wslay_event_send(ctx) != 0) break;
    }
    if (wslay_event_get_close_sent(ctx)) linger_drain(s->fd);
    wslay_event_context_free(ctx);
done:
    trib_rest_upgrade_close(s->handle);
    session_free(s);
    return NULL;
}

static void on_upgrade(void *arg, int fd, const char *extra, size_t extra_len, void *handle) {
    ws_session *s = arg;
    s->fd = fd;
    s->handle = handle;
    if (extra_len) {
        s->extra = trib_xmalloc(extra_len);
        memcpy(s->extra, extra, extra_len);
        s->extra_len = extra_len;
    }
    pthread_t th;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&th, &at, session_main, s) != 0) {
        TRIB_ERROR("rest", "[%s] cannot start a WebSocket session thread", s->connector);
        trib_rest_upgrade_close(handle);
        session_free(s);
    }
    pthread_attr_destroy(&at);
}

bool trib_ingest_ws_requested(const trib_rest_request *req) {
    const char *up = trib_rest_request_header(req, "Upgrade");
    return up && strcasecmp(up, "websocket") == 0;
}

int trib_ingest_ws_accept(trib_rest_request *req, const char *connector, trib_ingest_publisher *pub_take,
                          trib_rest_response *resp) {
    const char *key = trib_rest_request_header(req, "Sec-WebSocket-Key");
    const char *ver = trib_rest_request_header(req, "Sec-WebSocket-Version");
    const char *conn = trib_rest_request_header(req, "Connection");
    unsigned char raw[32];
    if (!conn || !strcasestr(conn, "upgrade")) {
        trib_ingest_publisher_release(pub_take);
        trib_rest_reply_error(resp, 400, "WebSocket handshake: the Connection header must include Upgrade");
        return -1;
    }
    if (!ver || strcmp(ver, "13") != 0) {
        trib_ingest_publisher_release(pub_take);
        trib_rest_reply_error(resp, 426, "WebSocket handshake: Sec-WebSocket-Version must be 13");
        return -1;
    }
    /* the key is 16 random bytes in base64: 24 characters */
    if (!key || strlen(key) != 24 || EVP_DecodeBlock(raw, (const unsigned char *)key, 24) != 18) {
        trib_ingest_publisher_release(pub_take);
        trib_rest_reply_error(resp, 400, "WebSocket handshake: Sec-WebSocket-Key must be 16 bytes in base64");
        return -1;
    }
    if (!trib_ingest_request_begin()) {
        trib_ingest_publisher_release(pub_take);
        trib_rest_reply_error(resp, 503, "The worker is shutting down; connect to another worker");
        resp->retry_after = 1;
        return -1;
    }
    char cat[64];
    snprintf(cat, sizeof cat, "%s%s", key, WS_GUID);
    unsigned char sha[SHA_DIGEST_LENGTH];
    SHA1((const unsigned char *)cat, strlen(cat), sha);
    char accept[64];
    EVP_EncodeBlock((unsigned char *)accept, sha, SHA_DIGEST_LENGTH);

    ws_session *s = trib_xcalloc(1, sizeof *s);
    s->pub = pub_take;
    s->connector = trib_xstrdup(connector);
    s->fd = -1;
    const trib_http_ingest_settings *st = trib_ingest_publisher_settings(pub_take);
    s->hnames = trib_xcalloc(st->nheader_names + 1, sizeof *s->hnames);
    s->hvalues = trib_xcalloc(st->nheader_names + 1, sizeof *s->hvalues);
    for (size_t i = 0; i < st->nheader_names; i++) {
        const char *v = trib_rest_request_header(req, st->header_names[i]);
        if (!v) continue;
        s->hnames[s->nh] = trib_xstrdup(st->header_names[i]);
        s->hvalues[s->nh++] = trib_xstrdup(v);
    }
    resp->status = 101;
    resp->upgrade = trib_xstrdup("websocket");
    resp->upgrade_accept = trib_xstrdup(accept);
    resp->on_upgrade = on_upgrade;
    resp->upgrade_free = session_free;
    resp->upgrade_arg = s;
    return 0;
}
