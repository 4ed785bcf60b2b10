/*
 * timestamp_router.c: TimestampRouter. The topic becomes topic.format with
 * ${topic} replaced by the record's topic and ${timestamp} by its
 * timestamp formatted with timestamp.format (java.text.SimpleDateFormat
 * syntax, UTC, through date_format.c), e.g. "orders" -> "orders-20240131".
 * Every occurrence of each placeholder is replaced, as String.replace does.
 * A record without a timestamp is refused, as Connect refuses it.
 */
#include "transforms/date_format.h"
#include "transforms/plugins.h"

#include "common/util.h"

#include <stdlib.h>
#include <string.h>

static int validate_format(const trib_config_def *def, const char *value, trib_error *err) {
    (void)def;
    trib_datefmt *f = trib_datefmt_compile(value, err);
    if (!f) return -1;
    trib_datefmt_free(f);
    return 0;
}

static const trib_config_def timestamp_router_config[] = {
    {.name = "topic.format", .type = TRIB_CFG_STRING, .default_value = "${topic}-${timestamp}",
     .importance = TRIB_IMP_HIGH,
     .doc = "Format string which can contain <code>${topic}</code> and <code>${timestamp}</code> as placeholders "
            "for the topic and timestamp, respectively."},
    {.name = "timestamp.format", .type = TRIB_CFG_STRING, .default_value = "yyyyMMdd", .importance = TRIB_IMP_HIGH,
     .validate = validate_format,
     .doc = "Format string for the timestamp that is compatible with <code>java.text.SimpleDateFormat</code>."},
    TRIB_CONFIG_END,
};

typedef struct timestamp_router {
    char *topic_format;
    trib_datefmt *fmt;
} timestamp_router;

static void timestamp_router_destroy(void *vctx) {
    timestamp_router *c = vctx;
    if (!c) return;
    free(c->topic_format);
    trib_datefmt_free(c->fmt);
    free(c);
}

static int timestamp_router_create(const trib_props *props, void **out, trib_error *err) {
    trib_config *cfg = trib_config_bind(timestamp_router_config, props, "", err);
    if (!cfg) return -1;
    timestamp_router *c = trib_xcalloc(1, sizeof *c);
    c->topic_format = trib_xstrdup(trib_config_string(cfg, "topic.format"));
    c->fmt = trib_datefmt_compile(trib_config_string(cfg, "timestamp.format"), err);
    trib_config_destroy(cfg);
    if (!c->fmt) {
        timestamp_router_destroy(c);
        return -1;
    }
    *out = c;
    return 0;
}

/* s with every `from` replaced by `to` (String.replace). Caller frees. */
static char *replace_all(const char *s, const char *from, const char *to) {
    trib_strbuf sb;
    trib_strbuf_init(&sb);
    size_t fl = strlen(from);
    for (const char *p; (p = strstr(s, from)) != NULL; s = p + fl) {
        trib_strbuf_append(&sb, s, (size_t)(p - s));
        trib_strbuf_puts(&sb, to);
    }
    trib_strbuf_puts(&sb, s);
    return trib_strbuf_take(&sb);
}

static int timestamp_router_apply(void *vctx, trib_record **recp, trib_error *err) {
    timestamp_router *c = vctx;
    trib_record *r = *recp;
    if (r->timestamp < 0)
        return trib_error_set(err, TRIB_ERR_INVALID, "Timestamp missing on record: topic=%s, partition=%d",
                              r->topic ? r->topic : "null", (int)r->partition);
    char *stamp = trib_datefmt_format(c->fmt, r->timestamp);
    char *with_topic = replace_all(c->topic_format, "${topic}", r->topic ? r->topic : "null");
    char *topic = replace_all(with_topic, "${timestamp}", stamp);
    trib_record_set_topic(r, topic);
    free(topic);
    free(with_topic);
    free(stamp);
    return 0;
}

const trib_transform_plugin trib_smt_timestamp_router = {
    .class_name = "org.apache.kafka.connect.transforms.TimestampRouter",
    .alias = "TimestampRouter",
    .doc = "Update the record's topic field as a function of the original topic value and the record timestamp.",
    .config = timestamp_router_config,
    .create = timestamp_router_create,
    .apply = timestamp_router_apply,
    .destroy = timestamp_router_destroy,
};
