/*
 * process.c: the process figures Prometheus client libraries export
 * (process_cpu_seconds_total, process_resident_memory_bytes, ...), read
 * from /proc/self at scrape time.
 */
#include "metrics/metrics.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* Fields of /proc/self/stat after the command name, which may hold spaces
 * and parentheses: parsing starts after its last ')'. */
static void read_stat(trib_process_stats *o) {
    FILE *f = fopen("/proc/self/stat", "r");
    if (!f) return;
    char buf[2048];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (!p) return;
    unsigned long utime = 0, stime = 0, vsize = 0;
    unsigned long long starttime = 0;
    long threads = 0, rss = 0;
    /* state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
     * utime stime cutime cstime priority nice num_threads itrealvalue
     * starttime vsize rss */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %*d %*d %*d %*d %ld %*d %llu %lu %ld",
               &utime, &stime, &threads, &starttime, &vsize, &rss) != 6)
        return;
    long hz = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
    if (hz <= 0 || page <= 0) return;
    o->cpu_seconds = (double)(utime + stime) / (double)hz;
    o->threads = threads;
    o->vsize_bytes = (int64_t)vsize;
    o->rss_bytes = (int64_t)rss * page;
    /* starttime is in ticks since boot: add the boot time from /proc/stat */
    FILE *s = fopen("/proc/stat", "r");
    if (!s) return;
    char line[256];
    while (fgets(line, sizeof line, s)) {
        unsigned long long btime;
        if (sscanf(line, "btime %llu", &btime) == 1) {
            o->start_time_seconds = (double)btime + (double)starttime / (double)hz;
            break;
        }
    }
    fclose(s);
}

void trib_process_stats_read(trib_process_stats *o) {
    *o = (trib_process_stats){.cpu_seconds = -1, .rss_bytes = -1, .vsize_bytes = -1, .open_fds = -1,
                              .max_fds = -1, .start_time_seconds = -1, .threads = -1};
    read_stat(o);
    DIR *d = opendir("/proc/self/fd");
    if (d) {
        int64_t n = 0;
        for (struct dirent *e; (e = readdir(d));)
            if (e->d_name[0] != '.') n++;
        closedir(d);
        o->open_fds = n - 1;   /* not the descriptor opendir itself holds */
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) o->max_fds = (int64_t)rl.rlim_cur;
}
