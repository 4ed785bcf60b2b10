/*
 * tap.h: a tiny Test Anything Protocol producer for Tributary's C tests.
 *
 * Every test program includes this once, prints a plan, then one "ok"/"not ok"
 * line per assertion; prove(1) reads the stream. Header-only on purpose: each
 * test is a single translation unit and the helpers are test-only.
 *
 *   plan(3);                      or   ... then done_testing();
 *   ok(x > 0, "x is positive");
 *   is_int(got, 42, "answer");
 *   is_str(s, "abc", "name");
 *   skip_all("no broker");        (integration tests without services)
 *   return exit_status();
 */
#ifndef TRIB_TESTS_TAP_H
#define TRIB_TESTS_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>

static int tap_planned = -1;
static int tap_run = 0;
static int tap_failed = 0;

static void plan(int n) {
    tap_planned = n;
    printf("1..%d\n", n);
    fflush(stdout);
}

static void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2), unused));
static void diag(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("# ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
    fflush(stdout);
}

/* ok() is a macro so failures report the caller's line. */
static int tap_ok(int pass, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int tap_ok(int pass, const char *file, int line, const char *fmt, ...) {
    va_list ap;
    tap_run++;
    if (!pass) tap_failed++;
    printf("%sok %d - ", pass ? "" : "not ", tap_run);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    if (!pass) printf("#   Failed test at %s line %d.\n", file, line);
    fflush(stdout);
    return pass;
}
#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define is_int(got, want, ...) do {                                         \
        long long tap_g_ = (long long)(got), tap_w_ = (long long)(want);    \
        if (!tap_ok(tap_g_ == tap_w_, __FILE__, __LINE__, __VA_ARGS__))     \
            printf("#          got: %lld\n#     expected: %lld\n", tap_g_, tap_w_); \
    } while (0)

#define is_str(got, want, ...) do {                                         \
        const char *tap_g_ = (got), *tap_w_ = (want);                       \
        int tap_p_ = (tap_g_ && tap_w_) ? strcmp(tap_g_, tap_w_) == 0       \
                                        : tap_g_ == tap_w_;                 \
        if (!tap_ok(tap_p_, __FILE__, __LINE__, __VA_ARGS__))               \
            printf("#          got: '%s'\n#     expected: '%s'\n",          \
                   tap_g_ ? tap_g_ : "(null)", tap_w_ ? tap_w_ : "(null)"); \
    } while (0)

/* Substring match, for error messages that must name a field. */
#define like(got, needle, ...) do {                                         \
        const char *tap_g_ = (got), *tap_n_ = (needle);                     \
        if (!tap_ok(tap_g_ && strstr(tap_g_, tap_n_) != NULL, __FILE__, __LINE__, __VA_ARGS__)) \
            printf("#     '%s'\n#   doesn't contain '%s'\n",              \
                   tap_g_ ? tap_g_ : "(null)", tap_n_);                     \
    } while (0)

#define is_mem(got, glen, want, wlen, ...)                                  \
    tap_ok((size_t)(glen) == (size_t)(wlen) &&                              \
           memcmp((got), (want), (size_t)(wlen)) == 0, __FILE__, __LINE__, __VA_ARGS__)

static void skip(int n, const char *why) __attribute__((unused));
static void skip(int n, const char *why) {
    for (int i = 0; i < n; i++) {
        tap_run++;
        printf("ok %d # skip %s\n", tap_run, why);
    }
    fflush(stdout);
}

static void skip_all(const char *why) __attribute__((noreturn, unused));
static void skip_all(const char *why) {
    printf("1..0 # SKIP %s\n", why);
    fflush(stdout);
    exit(0);
}

static void BAIL_OUT(const char *why) __attribute__((noreturn, unused));
static void BAIL_OUT(const char *why) {
    printf("Bail out! %s\n", why);
    fflush(stdout);
    exit(255);
}

static void done_testing(void) __attribute__((unused));
static void done_testing(void) {
    if (tap_planned < 0) {
        tap_planned = tap_run;
        printf("1..%d\n", tap_run);
        fflush(stdout);
    }
}

static int exit_status(void) __attribute__((unused));
static int exit_status(void) {
    if (tap_planned >= 0 && tap_planned != tap_run) return 255;
    return tap_failed > 254 ? 254 : tap_failed;
}

/*
 * Integration tests need the services from scripts/testenv. Run by hand
 * without them they skip; under scripts/test (TRIB_REQUIRE_SERVICES=1) a
 * missing service is a failure, so CI can never pass by skipping.
 */
static const char *tap_require_env(const char *name) __attribute__((unused));
static const char *tap_require_env(const char *name) {
    const char *v = getenv(name);
    if (v && *v) return v;
    const char *req = getenv("TRIB_REQUIRE_SERVICES");
    char why[256];
    snprintf(why, sizeof why, "%s is not set (start services with scripts/testenv up)", name);
    if (req && strcmp(req, "1") == 0) BAIL_OUT(why);
    skip_all(why);
}

#endif
