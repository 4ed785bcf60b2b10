/*
 * copy_limit.c: the PostgreSQL sink limit of bench/sink_shapes.sh. Loads N
 * files of COPY BINARY data (each a complete stream, as PostgreSQL's own
 * COPY ... TO (FORMAT binary) writes them) into one table over N parallel
 * connections, one thread each, as N sink tasks would, and prints
 * "<rows> <seconds> <rows/s> <cpu-seconds>" (wall time from the first COPY
 * to the last commit; CPU is this process's user+system time over the same
 * interval).
 *
 *   copy_limit --url CONNINFO --table T --columns "a, b" FILE...
 *
 * Every stream is read into memory first so the files' reads are not timed.
 * Bench tool, not part of Tributary.
 */
#include <errno.h>
#include <getopt.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("copy_limit: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

typedef struct {
    PGconn *conn;
    const char *sql;
    char *data;
    size_t len;
    long long rows;
    char err[512];
    pthread_barrier_t *start;
} stream;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *run(void *arg) {
    stream *s = arg;
    pthread_barrier_wait(s->start);
    PGresult *r = PQexec(s->conn, s->sql);
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        snprintf(s->err, sizeof s->err, "%s", PQerrorMessage(s->conn));
        PQclear(r);
        return NULL;
    }
    PQclear(r);
    const size_t chunk = 1 << 18;
    for (size_t off = 0; off < s->len; off += chunk) {
        size_t n = s->len - off < chunk ? s->len - off : chunk;
        if (PQputCopyData(s->conn, s->data + off, (int)n) != 1) {
            snprintf(s->err, sizeof s->err, "%s", PQerrorMessage(s->conn));
            return NULL;
        }
    }
    if (PQputCopyEnd(s->conn, NULL) != 1) {
        snprintf(s->err, sizeof s->err, "%s", PQerrorMessage(s->conn));
        return NULL;
    }
    while ((r = PQgetResult(s->conn)) != NULL) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            snprintf(s->err, sizeof s->err, "%s", PQresultErrorMessage(r));
        else
            s->rows += atoll(PQcmdTuples(r));
        PQclear(r);
    }
    return NULL;
}

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) die("%s: %s", path, strerror(errno));
    if (fseek(f, 0, SEEK_END)) die("%s: seek failed", path);
    long n = ftell(f);
    rewind(f);
    char *b = malloc(n > 0 ? (size_t)n : 1);
    if (!b || fread(b, 1, (size_t)n, f) != (size_t)n) die("%s: read failed", path);
    fclose(f);
    *len = (size_t)n;
    return b;
}

int main(int argc, char **argv) {
    const char *url = NULL, *table = NULL, *columns = NULL;
    static const struct option opts[] = {{"url", required_argument, 0, 'u'},
                                         {"table", required_argument, 0, 't'},
                                         {"columns", required_argument, 0, 'c'},
                                         {0, 0, 0, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'u': url = optarg; break;
        case 't': table = optarg; break;
        case 'c': columns = optarg; break;
        default: die("usage: copy_limit --url CONNINFO --table T --columns COLS FILE...");
        }
    }
    int n = argc - optind;
    if (!url || !table || !columns || n < 1) die("usage: copy_limit --url CONNINFO --table T --columns COLS FILE...");
    char sql[4096];
    snprintf(sql, sizeof sql, "COPY %s (%s) FROM STDIN (FORMAT binary)", table, columns);
    stream *st = calloc((size_t)n, sizeof *st);
    pthread_t *th = calloc((size_t)n, sizeof *th);
    pthread_barrier_t start;
    if (!st || !th) die("out of memory");
    pthread_barrier_init(&start, NULL, (unsigned)n + 1);
    for (int i = 0; i < n; i++) {
        st[i].data = slurp(argv[optind + i], &st[i].len);
        st[i].conn = PQconnectdb(url);
        if (PQstatus(st[i].conn) != CONNECTION_OK) die("postgres: %s", PQerrorMessage(st[i].conn));
        st[i].sql = sql;
        st[i].start = &start;
        if (pthread_create(&th[i], NULL, run, &st[i])) die("pthread_create failed");
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);   /* setup (file reads, connects) is not part of the CPU figure */
    double cpu0 = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
                  ru.ru_stime.tv_usec / 1e6;
    pthread_barrier_wait(&start);
    double t0 = now_s();
    long long rows = 0;
    int failed = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(th[i], NULL);
        if (st[i].err[0]) {
            fprintf(stderr, "copy_limit: stream %d: %s", i, st[i].err);
            failed = 1;
        }
        rows += st[i].rows;
    }
    double secs = now_s() - t0;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = -cpu0 + (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
                 ru.ru_stime.tv_usec / 1e6;
    for (int i = 0; i < n; i++) {
        PQfinish(st[i].conn);
        free(st[i].data);
    }
    free(st);
    free(th);
    pthread_barrier_destroy(&start);
    if (failed) return 1;
    printf("%lld %.3f %.0f %.3f\n", rows, secs, secs > 0 ? (double)rows / secs : 0.0, cpu);
    return 0;
}
