/*
 * topic_regex.c: regex subscriptions from metadata (topic_regex.h).
 */
#include "worker/topic_regex.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "transforms/java_regex.h"
#include "worker/kafka_client.h"

struct trib_topic_regex {
    trib_jregex *re;
    char *prefix;
    char **current;   /* sorted; NULL before the first refresh */
    size_t ncurrent;
};

trib_topic_regex *trib_topic_regex_new(const char *regex, const char *prefix, trib_error *err) {
    trib_jregex *re = trib_jregex_compile(regex, err);
    if (!re) {
        trib_error_prefix(err, "topics.regex");
        return NULL;
    }
    trib_topic_regex *tr = trib_xcalloc(1, sizeof *tr);
    tr->re = re;
    tr->prefix = trib_xstrdup(prefix && *prefix ? prefix : "");
    return tr;
}

void trib_topic_regex_free(trib_topic_regex *tr) {
    if (!tr) return;
    trib_jregex_free(tr->re);
    free(tr->prefix);
    trib_strv_free(tr->current);
    free(tr);
}

bool trib_topic_regex_selects(const trib_topic_regex *tr, const char *name) {
    if (!name || trib_str_startswith(name, "__")) return false;
    if (!trib_str_startswith(name, tr->prefix)) return false;
    return trib_jregex_matches(tr->re, name);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

char *const *trib_topic_regex_current(const trib_topic_regex *tr, size_t *n) {
    if (n) *n = tr->ncurrent;
    return tr->current;
}

int trib_topic_regex_refresh(trib_topic_regex *tr, rd_kafka_t *rk, bool *subscribed, int timeout_ms,
                             trib_error *err) {
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 1, NULL, &md, timeout_ms);
    if (e) return trib_kafka_error(err, e, "metadata for topics.regex");
    size_t n = 0;
    char **sel = trib_xcalloc((size_t)md->topic_cnt + 1, sizeof *sel);
    for (int i = 0; i < md->topic_cnt; i++) {
        const struct rd_kafka_metadata_topic *t = &md->topics[i];
        if (t->err == RD_KAFKA_RESP_ERR_NO_ERROR && trib_topic_regex_selects(tr, t->topic))
            sel[n++] = trib_xstrdup(t->topic);
    }
    rd_kafka_metadata_destroy(md);
    qsort(sel, n, sizeof *sel, cmp_str);
    bool same = tr->current && n == tr->ncurrent;
    for (size_t i = 0; same && i < n; i++) same = strcmp(sel[i], tr->current[i]) == 0;
    if (same) {
        trib_strv_free(sel);
        return 0;
    }
    if (n == 0) {
        e = *subscribed ? rd_kafka_unsubscribe(rk) : RD_KAFKA_RESP_ERR_NO_ERROR;
    } else {
        rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)n);
        for (size_t i = 0; i < n; i++) rd_kafka_topic_partition_list_add(l, sel[i], RD_KAFKA_PARTITION_UA);
        e = rd_kafka_subscribe(rk, l);
        rd_kafka_topic_partition_list_destroy(l);
    }
    if (e) {
        trib_strv_free(sel);
        return trib_kafka_error(err, e, "subscribe (topics.regex)");
    }
    *subscribed = n > 0;
    trib_strv_free(tr->current);
    tr->current = sel;
    tr->ncurrent = n;
    return 1;
}
