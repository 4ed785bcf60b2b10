/*
 * test_rest_http.h: a small libcurl client for the REST tests
 * (tests/unit/test_rest_router.c, tests/integration/test_rest_api.c):
 * one request, capturing status, body (parsed as JSON when it is JSON) and
 * the headers the tests assert on. Header-only, test-only.
 */
#ifndef TRIB_TESTS_REST_HTTP_H
#define TRIB_TESTS_REST_HTTP_H

#include <curl/curl.h>
#include <stddef.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct http_resp {
    long status;
    char *body;
    size_t len;
    char content_type[128];
    char allow[128];
    char location[512];
    json_t *json; /* parsed body, NULL if empty or not JSON */
} http_resp;

static int rest_http_port;

static size_t http_write_cb(char *p, size_t sz, size_t n, void *ud) {
    http_resp *r = ud;
    size_t add = sz * n;
    r->body = realloc(r->body, r->len + add + 1);
    memcpy(r->body + r->len, p, add);
    r->len += add;
    r->body[r->len] = '\0';
    return add;
}

static void http_copy_header(char *dst, size_t cap, const char *v, size_t n) {
    while (n && (v[n - 1] == '\r' || v[n - 1] == '\n')) n--;
    while (n && (*v == ' ')) { v++; n--; }
    if (n >= cap) n = cap - 1;
    memcpy(dst, v, n);
    dst[n] = '\0';
}

static size_t http_header_cb(char *p, size_t sz, size_t n, void *ud) {
    http_resp *r = ud;
    size_t len = sz * n;
    static const struct { const char *name; size_t off, cap; } hs[] = {
        {"content-type:", offsetof(http_resp, content_type), sizeof(((http_resp *)0)->content_type)},
        {"allow:", offsetof(http_resp, allow), sizeof(((http_resp *)0)->allow)},
        {"location:", offsetof(http_resp, location), sizeof(((http_resp *)0)->location)},
    };
    for (size_t i = 0; i < sizeof hs / sizeof *hs; i++) {
        size_t hl = strlen(hs[i].name);
        if (len > hl && strncasecmp(p, hs[i].name, hl) == 0)
            http_copy_header((char *)r + hs[i].off, hs[i].cap, p + hl, len - hl);
    }
    return len;
}

static void http_resp_free(http_resp *r) {
    free(r->body);
    json_decref(r->json);
    memset(r, 0, sizeof *r);
}

/* Streams `remaining` bytes of 'x' with no Content-Length (chunked). */
typedef struct http_stream { size_t remaining; } http_stream;
static size_t http_read_cb(char *buf, size_t sz, size_t n, void *ud) {
    http_stream *s = ud;
    size_t want = sz * n;
    if (want > s->remaining) want = s->remaining;
    memset(buf, 'x', want);
    s->remaining -= want;
    return want;
}

/* method, path (with query), body (NULL for none) of body_len bytes
 * (-1: strlen), one extra header line or NULL. stream_bytes > 0 sends that
 * many bytes chunked instead of body. Returns 0 when a response came back. */
static int http_req_ex(const char *method, const char *path, const char *body, long body_len,
                       const char *extra_header, size_t stream_bytes, http_resp *out) {
    memset(out, 0, sizeof *out);
    CURL *c = curl_easy_init();
    char url[32768];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", rest_http_port, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http_write_cb);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, http_header_cb);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, out);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
    if (strcmp(method, "HEAD") == 0) curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    struct curl_slist *hdrs = NULL;
    /* No 100-continue round trip unless the test asks for it. */
    if (!extra_header || strncasecmp(extra_header, "Expect:", 7) != 0)
        hdrs = curl_slist_append(hdrs, "Expect:");
    http_stream stream = {stream_bytes};
    if (stream_bytes > 0) {
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, http_read_cb);
        curl_easy_setopt(c, CURLOPT_READDATA, &stream);
        hdrs = curl_slist_append(hdrs, "Transfer-Encoding: chunked");
        hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
    } else if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, body_len < 0 ? (long)strlen(body) : body_len);
        if (!extra_header || strncasecmp(extra_header, "Content-Type:", 13) != 0)
            hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
    }
    if (extra_header) hdrs = curl_slist_append(hdrs, extra_header);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(c);
    if (out->body && strncmp(out->content_type, "application/json", 16) == 0)
        out->json = json_loadb(out->body, out->len, JSON_DECODE_ANY, NULL);
    /* A server that answers early (413) may reset the upload; the status
     * still arrived when curl reports one. */
    return (rc == CURLE_OK || out->status > 0) ? 0 : -1;
}

static int http_req(const char *method, const char *path, const char *body, http_resp *out) {
    return http_req_ex(method, path, body, -1, NULL, 0, out);
}

/* The "message" of an error body, or "" (never NULL, for like()). */
static const char *http_msg(const http_resp *r) {
    const char *m = json_string_value(json_object_get(r->json, "message"));
    return m ? m : "";
}

#endif
