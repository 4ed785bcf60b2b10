/*
 * keys.c: API keys and the server secret (tenant.h). Keys are 32 bytes from
 * the kernel CSPRNG (trib_random_bytes) written as "trib_" + base64url (no padding); they are never
 * stored, only HMAC-SHA256(secret, key). The secret lives in a file of its
 * own (worker property tenant.key.secret.file), created 0600 on first use;
 * every worker of a cluster must share it.
 */
#include "tenants/tenant.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"

#define KEY_BYTES 32
#define SECRET_BYTES 32

static void to_hex(const unsigned char *b, size_t n, char *out) {
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = '\0';
}

static int random_bytes(unsigned char *b, size_t n, trib_error *err) {
    return trib_random_bytes(b, n, err);
}

int trib_tenant_secret_load(const char *path, unsigned char **out, size_t *len, trib_error *err) {
    *out = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0 && errno == ENOENT) {
        unsigned char raw[SECRET_BYTES];
        char text[2 * SECRET_BYTES + 2];
        if (random_bytes(raw, sizeof raw, err) < 0) return -1;
        to_hex(raw, sizeof raw, text);
        strcat(text, "\n");
        OPENSSL_cleanse(raw, sizeof raw);
        /* O_EXCL: two workers starting at once never overwrite each other. */
        int wfd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (wfd < 0 && errno != EEXIST) {
            OPENSSL_cleanse(text, sizeof text);
            return trib_error_set(err, TRIB_ERR_IO, "tenant.key.secret.file: cannot create '%s': %s", path,
                                  strerror(errno));
        }
        if (wfd >= 0) {
            size_t n = strlen(text);
            ssize_t w = write(wfd, text, n);
            int werr = errno;
            bool okw = w == (ssize_t)n && fsync(wfd) == 0;
            close(wfd);
            OPENSSL_cleanse(text, sizeof text);
            if (!okw) {
                unlink(path);
                return trib_error_set(err, TRIB_ERR_IO, "tenant.key.secret.file: cannot write '%s': %s", path,
                                      strerror(werr));
            }
        }
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    }
    if (fd < 0)
        return trib_error_set(err, TRIB_ERR_IO, "tenant.key.secret.file: cannot open '%s': %s", path,
                              strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return trib_error_set(err, TRIB_ERR_INVALID, "tenant.key.secret.file: '%s' is not a regular file", path);
    }
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        close(fd);
        return trib_error_set(err, TRIB_ERR_INVALID,
                              "tenant.key.secret.file: '%s' is accessible by group or others (mode %03o); "
                              "chmod 600 it",
                              path, (unsigned)(st.st_mode & 0777));
    }
    unsigned char buf[4096];
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, buf + n, sizeof buf - n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        n += (size_t)r;
        if (n == sizeof buf) break;
    }
    close(fd);
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ')) n--;
    if (n < SECRET_BYTES) {
        OPENSSL_cleanse(buf, sizeof buf);
        return trib_error_set(err, TRIB_ERR_INVALID,
                              "tenant.key.secret.file: '%s' holds %zu bytes; at least %d are needed", path, n,
                              SECRET_BYTES);
    }
    *out = trib_xmalloc(n);
    memcpy(*out, buf, n);
    *len = n;
    OPENSSL_cleanse(buf, sizeof buf);
    return 0;
}

int trib_tenant_key_generate(char **key_out, char id_out[TRIB_TENANT_KEY_ID_LEN + 1], trib_error *err) {
    unsigned char raw[KEY_BYTES], idraw[TRIB_TENANT_KEY_ID_LEN / 2];
    if (random_bytes(raw, sizeof raw, err) < 0 || random_bytes(idraw, sizeof idraw, err) < 0) return -1;
    unsigned char b64[4 * ((KEY_BYTES + 2) / 3) + 1];
    int n = EVP_EncodeBlock(b64, raw, KEY_BYTES);
    OPENSSL_cleanse(raw, sizeof raw);
    /* base64url without padding: safe in headers, URLs and shells. */
    while (n > 0 && b64[n - 1] == '=') n--;
    for (int i = 0; i < n; i++) {
        if (b64[i] == '+') b64[i] = '-';
        else if (b64[i] == '/') b64[i] = '_';
    }
    *key_out = trib_xasprintf("trib_%.*s", n, (const char *)b64);
    OPENSSL_cleanse(b64, sizeof b64);
    to_hex(idraw, sizeof idraw, id_out);
    return 0;
}

void trib_tenant_key_mac(const unsigned char *secret, size_t secret_len, const char *key,
                         unsigned char mac[TRIB_TENANT_MAC_LEN]) {
    unsigned int len = TRIB_TENANT_MAC_LEN;
    HMAC(EVP_sha256(), secret, (int)secret_len, (const unsigned char *)key, strlen(key), mac, &len);
}

bool trib_tenant_secret_equal(const char *given, const char *expected) {
    unsigned char a[32], b[32];
    unsigned int la = sizeof a, lb = sizeof b;
    /* Hashing first makes the comparison length-independent; the digests
     * are then compared in constant time. */
    EVP_Digest(given, strlen(given), a, &la, EVP_sha256(), NULL);
    EVP_Digest(expected, strlen(expected), b, &lb, EVP_sha256(), NULL);
    return CRYPTO_memcmp(a, b, sizeof a) == 0 && *expected;
}
