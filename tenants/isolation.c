/*
 * isolation.c: checks a tenant's connector config before the herder sees it
 * (tenant.h, trib_tenant_check_config). Every refusal names the config key.
 *
 * The rules, in the order they are applied to each key:
 *  - no config-provider references ("${provider:path:key}"): they would
 *    read files or secrets on the worker;
 *  - topic names (topic, topics, kafka.topic, topic.prefix, *.topic,
 *    *.topic.name, offsets.storage.topic, the DLQ topic) start with the
 *    tenant's prefix; topics.regex compiles with the Java engine the sink
 *    matches with (worker/topic_regex.h), starts with the prefix escaped
 *    and has no top-level alternation or quantifier on its first free
 *    character. The subscription itself keeps only topics under the
 *    prefix, so this check is not the only line;
 *  - transforms: only known transforms; RegexRouter's replacement and
 *    TimestampRouter's topic.format must start with the prefix (literally,
 *    or "${topic}" for TimestampRouter);
 *  - producer/consumer/admin overrides: an allow-list of tuning keys;
 *    identities (group.id, client.id, transactional.id, group.instance.id)
 *    are derived by the runtime, and the connection to the cluster
 *    (bootstrap.servers, security.protocol, ssl.*, sasl.*) is the worker's;
 *  - converter subject strategies: TopicNameStrategy or
 *    TopicRecordNameStrategy (subjects start with the topic, hence the
 *    prefix); RecordNameStrategy would share subjects across tenants;
 *  - file paths (file, path, *.file, *.path, *.dir, *.filename ...) resolve
 *    inside the tenant's staging root, and are rewritten to absolute paths
 *    so the worker's working directory never matters;
 *  - PostgreSQL connection URLs may not name client files (sslkey, passfile,
 *    service...), which libpq would read on the worker.
 */
#include "tenants/tenant.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"
#include "tenants/reserved.h"
#include "transforms/java_regex.h"

/* A value quoted in a message: bounded, printable. */
static const char *q(const char *s, char *buf, size_t cap) {
    size_t j = 0;
    for (size_t i = 0; s && s[i] && j + 4 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[j++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    if (s && strlen(s) + 4 >= cap) {
        buf[j++] = '.';
        buf[j++] = '.';
        buf[j++] = '.';
    }
    buf[j] = '\0';
    return buf;
}

int trib_tenant_check_topic_name(const trib_tenant_scope *scope, const char *field, const char *topic,
                                 trib_error *err) {
    if (topic && trib_str_startswith(topic, scope->topic_prefix)) return trib_tenant_reserved_check_topic(field, topic, err);
    char b[128];
    return trib_error_set(err, TRIB_ERR_FORBIDDEN,
                          "%s: topic '%s' is outside tenant %s's topic prefix '%s'", field, q(topic, b, sizeof b),
                          scope->tenant, scope->topic_prefix);
}

int trib_tenant_check_offsets(const trib_tenant_scope *scope, const json_t *body, trib_error *err) {
    json_t *offsets = json_is_object(body) ? json_object_get(body, "offsets") : NULL;
    size_t i;
    json_t *o;
    json_array_foreach(offsets, i, o) {
        json_t *topic = json_object_get(json_object_get(o, "partition"), "kafka_topic");
        if (!topic) continue;
        char field[64];
        snprintf(field, sizeof field, "offsets[%zu].partition.kafka_topic", i);
        if (!json_is_string(topic))
            return trib_error_set(err, TRIB_ERR_INVALID, "%s must be a string", field);
        if (trib_tenant_check_topic_name(scope, field, json_string_value(topic), err) < 0) return -1;
    }
    return 0;
}

/* ---- topics.regex --------------------------------------------------------------- */

/* Consumes the literal prefix, escaped, from the start of re. Returns the
 * rest or NULL when re does not start with it. */
static const char *eat_escaped_prefix(const char *re, const char *prefix) {
    const char *p = re;
    for (const char *c = prefix; *c; c++) {
        if (*c == '.') {
            if (p[0] == '\\' && p[1] == '.') p += 2;
            else if (p[0] == '[' && p[1] == '.' && p[2] == ']') p += 3;
            else return NULL;
        } else if (*c == '-') {
            if (p[0] == '\\' && p[1] == '-') p += 2;
            else if (p[0] == '-') p += 1;
            else return NULL;
        } else {
            if (*p != *c) return NULL;
            p++;
        }
    }
    return p;
}

/* The rest of a regex after the prefix: no '|' outside groups and classes
 * (it would end the prefix's branch), balanced groups and classes, no
 * quantifier applying to the prefix's last character. */
static int check_regex_rest(const char *rest, const char **why) {
    if (*rest == '?' || *rest == '*' || *rest == '+' || *rest == '{') {
        *why = "a quantifier right after the prefix would make part of it optional";
        return -1;
    }
    int depth = 0;
    for (const char *p = rest; *p; p++) {
        if (*p == '\\') {
            if (p[1] == 'Q') {  /* \Q...\E quotes everything up to \E */
                const char *e = strstr(p + 2, "\\E");
                if (!e) return 0;   /* quoted to the end: literal */
                p = e + 1;
                continue;
            }
            if (!p[1]) {
                *why = "it ends with a lone backslash";
                return -1;
            }
            p++;
            continue;
        }
        if (*p == '[') {
            /* character class, possibly nested (Java), with escapes */
            int cd = 1;
            p++;
            if (*p == '^') p++;
            if (*p == ']') p++;   /* a leading ] is literal */
            for (; *p && cd > 0; p++) {
                if (*p == '\\' && p[1]) p++;
                else if (*p == '[') cd++;
                else if (*p == ']') cd--;
            }
            if (cd > 0) {
                *why = "it has an unclosed character class";
                return -1;
            }
            p--;
            continue;
        }
        if (*p == '(') depth++;
        else if (*p == ')') {
            if (--depth < 0) {
                *why = "it closes a group it did not open";
                return -1;
            }
        } else if (*p == '|' && depth == 0) {
            *why = "a top-level '|' would match topics without the prefix";
            return -1;
        }
    }
    if (depth != 0) {
        *why = "it has an unclosed group";
        return -1;
    }
    return 0;
}

static int check_topics_regex(const trib_tenant_scope *scope, const char *field, const char *re, trib_error *err) {
    if (!*re) return 0;
    char b[128];
    /* First the engine the sink matches with (worker/topic_regex.h): the
     * structural check below must read the pattern as that engine does,
     * and constructs it refuses (nested classes, ...) are refused here. */
    trib_error je;
    trib_jregex *compiled = trib_jregex_compile(re, &je);
    if (!compiled)
        return trib_error_set(err, TRIB_ERR_FORBIDDEN, "%s: '%s' is not a supported regular expression: %s", field,
                              q(re, b, sizeof b), je.msg);
    trib_jregex_free(compiled);
    const char *p = re;
    if (*p == '^') p++;
    const char *rest = eat_escaped_prefix(p, scope->topic_prefix);
    if (!rest)
        return trib_error_set(err, TRIB_ERR_FORBIDDEN,
                              "%s: '%s' must start with tenant %s's topic prefix '%s' escaped as a regex "
                              "(dots as \\.)",
                              field, q(re, b, sizeof b), scope->tenant, scope->topic_prefix);
    const char *why = NULL;
    if (check_regex_rest(rest, &why) < 0)
        return trib_error_set(err, TRIB_ERR_FORBIDDEN, "%s: '%s' could match topics outside prefix '%s': %s", field,
                              q(re, b, sizeof b), scope->topic_prefix, why);
    return 0;
}

/* ---- keys ------------------------------------------------------------------------ */

static bool is_topic_key(const char *k) {
    if (strcmp(k, "topic") == 0 || strcmp(k, "kafka.topic") == 0 || strcmp(k, "topic.prefix") == 0 ||
        strcmp(k, "offsets.storage.topic") == 0 || strcmp(k, "errors.deadletterqueue.topic.name") == 0)
        return true;
    if (trib_str_startswith(k, "transforms.") || trib_str_startswith(k, "predicates.") ||
        trib_str_startswith(k, "topic.creation."))
        return false;
    return trib_str_endswith(k, ".topic") || trib_str_endswith(k, ".topic.name") ||
           trib_str_endswith(k, ".topic.prefix");
}

static bool is_path_key(const char *k) {
    static const char *const exact[] = {"file", "path", "dir", "directory", "filename", "input.path",
                                        "output.path", "finished.path", "error.path", NULL};
    static const char *const suffix[] = {".file", ".path", ".dir", ".directory", ".filename", ".location",
                                         ".file.path", NULL};
    for (int i = 0; exact[i]; i++)
        if (strcmp(k, exact[i]) == 0) return true;
    for (int i = 0; suffix[i]; i++)
        if (trib_str_endswith(k, suffix[i])) return true;
    return false;
}

/* Client settings a tenant may tune (everything else in an override is
 * refused: librdkafka has properties that load libraries or read files). */
static const char *const override_allowed[] = {
    "acks", "request.required.acks", "linger.ms", "queue.buffering.max.ms", "batch.size", "batch.num.messages",
    "compression.type", "compression.codec", "compression.level", "max.request.size", "message.max.bytes",
    "request.timeout.ms", "delivery.timeout.ms", "message.timeout.ms", "retries", "retry.backoff.ms",
    "retry.backoff.max.ms", "queue.buffering.max.messages", "queue.buffering.max.kbytes",
    "max.in.flight.requests.per.connection", "max.in.flight", "enable.idempotence", "buffer.memory",
    "sticky.partitioning.linger.ms", "partitioner", "max.poll.records", "fetch.min.bytes", "fetch.max.bytes",
    "fetch.max.wait.ms", "fetch.wait.max.ms", "max.partition.fetch.bytes", "fetch.message.max.bytes",
    "auto.offset.reset", "isolation.level", "session.timeout.ms", "heartbeat.interval.ms",
    "max.poll.interval.ms", "queued.min.messages", "queued.max.messages.kbytes", "socket.timeout.ms",
    "socket.send.buffer.bytes", "socket.receive.buffer.bytes", "send.buffer.bytes", "receive.buffer.bytes",
    "connections.max.idle.ms", "metadata.max.age.ms", "topic.metadata.refresh.interval.ms",
    "reconnect.backoff.ms", "reconnect.backoff.max.ms", "client.rack", "default.api.timeout.ms", NULL,
};

static const char *override_refusal(const char *sub) {
    if (strcmp(sub, "group.id") == 0 || strcmp(sub, "group.instance.id") == 0)
        return "consumer groups are derived by the runtime from the connector name";
    if (strcmp(sub, "client.id") == 0) return "client ids are derived by the runtime (broker quotas key on them)";
    if (strncmp(sub, "transactional.id", 16) == 0) return "transactional ids are derived by the runtime";
    if (strcmp(sub, "bootstrap.servers") == 0 || strcmp(sub, "metadata.broker.list") == 0)
        return "the cluster connection is the worker's";
    if (strcmp(sub, "security.protocol") == 0 || strncmp(sub, "ssl.", 4) == 0 || strncmp(sub, "ssl_", 4) == 0 ||
        strncmp(sub, "sasl.", 5) == 0)
        return "security settings are the worker's";
    for (int i = 0; override_allowed[i]; i++)
        if (strcmp(sub, override_allowed[i]) == 0) return NULL;
    return "not among the client settings tenants may override (see docs/tenants.md)";
}

/* Transforms that never change a record's topic. */
static const char *const safe_transforms[] = {
    "Cast", "ExtractField", "Filter", "HoistField", "InsertField", "MaskField", "ReplaceField",
    "TimestampConverter", "ValueToKey", "Flatten", "HeaderFrom", "InsertHeader", "DropHeaders",
    "SetSchemaMetadata", "Validate", NULL,
};

/* "org.apache.kafka.connect.transforms.Cast$Value" -> "Cast". */
static void simple_class(const char *cls, char *out, size_t cap) {
    const char *s = strrchr(cls, '.');
    s = s ? s + 1 : cls;
    size_t n = strcspn(s, "$");
    if (n >= cap) n = cap - 1;
    memcpy(out, s, n);
    out[n] = '\0';
}

static int check_transforms(const trib_tenant_scope *scope, const trib_props *config, trib_error *err) {
    size_t n;
    char **aliases = trib_split_list(trib_props_get_or(config, "transforms", ""), &n);
    int rc = 0;
    char b[128];
    for (size_t i = 0; i < n && rc == 0; i++) {
        char key[512];
        snprintf(key, sizeof key, "transforms.%s.type", aliases[i]);
        const char *type = trib_props_get(config, key);
        if (!type) continue;   /* the herder reports the missing type */
        char cls[128];
        simple_class(type, cls, sizeof cls);
        if (strcmp(cls, "RegexRouter") == 0) {
            snprintf(key, sizeof key, "transforms.%s.replacement", aliases[i]);
            const char *rep = trib_props_get_or(config, key, "");
            if (!trib_str_startswith(rep, scope->topic_prefix))
                rc = trib_error_set(err, TRIB_ERR_FORBIDDEN,
                                    "%s: replacement '%s' must start with tenant %s's topic prefix '%s' literally",
                                    key, q(rep, b, sizeof b), scope->tenant, scope->topic_prefix);
        } else if (strcmp(cls, "TimestampRouter") == 0) {
            snprintf(key, sizeof key, "transforms.%s.topic.format", aliases[i]);
            const char *fmt = trib_props_get_or(config, key, "${topic}-${timestamp}");
            if (!trib_str_startswith(fmt, "${topic}") && !trib_str_startswith(fmt, scope->topic_prefix))
                rc = trib_error_set(err, TRIB_ERR_FORBIDDEN,
                                    "%s: '%s' must start with ${topic} or tenant %s's topic prefix '%s'", key,
                                    q(fmt, b, sizeof b), scope->tenant, scope->topic_prefix);
        } else {
            bool safe = false;
            for (int k = 0; safe_transforms[k]; k++)
                if (strcmp(cls, safe_transforms[k]) == 0) safe = true;
            if (!safe)
                rc = trib_error_set(err, TRIB_ERR_FORBIDDEN,
                                    "%s: transform '%s' is not available to tenants (only transforms that keep "
                                    "the topic, RegexRouter and TimestampRouter are)",
                                    key, q(type, b, sizeof b));
        }
    }
    trib_strv_free(aliases);
    return rc;
}

/* "${name:...}" anywhere in a value. */
static bool has_provider_ref(const char *v) {
    for (const char *p = strstr(v, "${"); p; p = strstr(p + 2, "${")) {
        const char *end = strchr(p, '}');
        const char *colon = strchr(p, ':');
        if (colon && (!end || colon < end)) return true;
    }
    return false;
}

static int check_pg_url(const char *field, const char *url, trib_error *err) {
    static const char *const files[] = {"sslcert", "sslkey", "sslrootcert", "sslcrl", "sslcrldir",
                                        "sslpassword", "passfile", "service", "servicefile", NULL};
    for (int i = 0; files[i]; i++) {
        size_t n = strlen(files[i]);
        for (const char *p = url; (p = strcasestr(p, files[i])) != NULL; p += n) {
            bool starts = p == url || p[-1] == '?' || p[-1] == '&' || p[-1] == ' ';
            const char *after = p + n;
            while (*after == ' ') after++;
            if (starts && *after == '=')
                return trib_error_set(err, TRIB_ERR_FORBIDDEN,
                                      "%s: the parameter '%s' names a file on the worker; tenants may not use it",
                                      field, files[i]);
        }
    }
    return 0;
}

int trib_tenant_config_tasks(const trib_props *config, int64_t *out, trib_error *err) {
    const char *v = trib_props_get(config, "tasks.max");
    *out = 1;
    if (!v) return 0;
    int64_t n;
    if (trib_parse_int64(v, &n) < 0 || n < 1)
        return trib_error_set(err, TRIB_ERR_INVALID, "tasks.max: '%s' is not a positive integer", v);
    *out = n;
    return 0;
}

int trib_tenant_resolve_path(const char *root, const char *field, const char *path, char **out, trib_error *err) {
    *out = NULL;
    char b[128];
    if (!root)
        return trib_error_set(err, TRIB_ERR_FORBIDDEN,
                              "%s: tenants may use files only inside their staging directory, and this worker has "
                              "no tenant.staging.root",
                              field);
    if (!path || !*path) return trib_error_set(err, TRIB_ERR_FORBIDDEN, "%s: an empty path is not allowed", field);
    /* No ".." component at all: clearer than resolving it. */
    for (const char *p = path; (p = strstr(p, "..")) != NULL; p += 2) {
        bool at_start = p == path || p[-1] == '/';
        bool at_end = p[2] == '\0' || p[2] == '/';
        if (at_start && at_end)
            return trib_error_set(err, TRIB_ERR_FORBIDDEN, "%s: '%s' contains '..'", field, q(path, b, sizeof b));
    }
    size_t rl = strlen(root);
    char *joined = path[0] == '/' ? trib_xstrdup(path) : trib_xasprintf("%s/%s", root, path);
    if (strlen(joined) >= PATH_MAX) {
        free(joined);
        return trib_error_set(err, TRIB_ERR_FORBIDDEN, "%s: the path is too long", field);
    }
    /* Resolve the deepest existing ancestor (following every symlink),
     * then append the components that do not exist yet. */
    char *head = trib_xstrdup(joined);
    char *tail = trib_xstrdup("");
    char real[PATH_MAX];
    int rc = 0;
    for (;;) {
        if (realpath(head, real)) break;
        if (errno != ENOENT) {
            rc = trib_error_set(err, TRIB_ERR_FORBIDDEN, "%s: cannot resolve '%s': %s", field, q(path, b, sizeof b),
                                strerror(errno));
            break;
        }
        char *slash = strrchr(head, '/');
        if (!slash || slash == head) {
            rc = trib_error_set(err, TRIB_ERR_FORBIDDEN, "%s: cannot resolve '%s'", field, q(path, b, sizeof b));
            break;
        }
        char *nt = *tail ? trib_xasprintf("%s/%s", slash + 1, tail) : trib_xstrdup(slash + 1);
        free(tail);
        tail = nt;
        *slash = '\0';
    }
    if (rc == 0) {
        char *full = *tail ? trib_xasprintf("%s/%s", strcmp(real, "/") == 0 ? "" : real, tail) : trib_xstrdup(real);
        /* Components that do not exist yet may be empty ("a//b") or "."
         * only in harmless ways: "." stays in the same directory. */
        bool inside = strncmp(full, root, rl) == 0 && (full[rl] == '/' || full[rl] == '\0');
        if (!inside) {
            rc = trib_error_set(err, TRIB_ERR_FORBIDDEN, "%s: '%s' resolves outside the tenant's staging directory",
                                field, q(path, b, sizeof b));
            free(full);
        } else {
            *out = full;
        }
    }
    free(head);
    free(tail);
    free(joined);
    return rc;
}

static bool is_file_connector(const trib_props *config) {
    char cls[128];
    simple_class(trib_props_get_or(config, "connector.class", ""), cls, sizeof cls);
    return strncmp(cls, "FileStream", 10) == 0;
}

int trib_tenant_check_config(const trib_tenant_scope *scope, trib_props *config, trib_error *err) {
    char b[128];
    if (is_file_connector(config) && !*trib_props_get_or(config, "file", ""))
        return trib_error_set(err, TRIB_ERR_FORBIDDEN,
                              "file: must be set for tenants (without it the connector would use the worker's "
                              "standard input or output)");
    int64_t tasks;
    if (trib_tenant_config_tasks(config, &tasks, err) < 0) return -1;
    if (check_transforms(scope, config, err) < 0) return -1;

    /* Rewritten paths are collected first: setting them while iterating
     * would be fine (same key, in place) but keeps the loop read-only. */
    trib_props *rewrites = trib_props_new();
    int rc = 0;
    for (size_t i = 0; i < trib_props_count(config) && rc == 0; i++) {
        const char *k = trib_props_key_at(config, i);
        const char *v = trib_props_value_at(config, i);
        if (has_provider_ref(v)) {
            rc = trib_error_set(err, TRIB_ERR_FORBIDDEN,
                                "%s: config provider references (${provider:...}) are not available to tenants", k);
        } else if (strcmp(k, "topics") == 0) {
            size_t n;
            char **list = trib_split_list(v, &n);
            for (size_t j = 0; j < n && rc == 0; j++) rc = trib_tenant_check_topic_name(scope, k, list[j], err);
            trib_strv_free(list);
        } else if (strcmp(k, "topics.regex") == 0) {
            rc = check_topics_regex(scope, k, v, err);
        } else if (is_topic_key(k)) {
            if (*v) rc = trib_tenant_check_topic_name(scope, k, v, err);
        } else if (trib_str_startswith(k, "producer.override.") || trib_str_startswith(k, "consumer.override.") ||
                   trib_str_startswith(k, "admin.override.")) {
            const char *sub = strchr(k, '.') + strlen(".override.");
            const char *why = override_refusal(sub);
            if (why) rc = trib_error_set(err, TRIB_ERR_FORBIDDEN, "%s: not allowed for tenants: %s", k, why);
        } else if (trib_str_startswith(k, "producer.") || trib_str_startswith(k, "consumer.") ||
                   trib_str_startswith(k, "admin.")) {
            rc = trib_error_set(err, TRIB_ERR_FORBIDDEN,
                                "%s: client settings are the worker's; tenants tune them with the "
                                "producer.override./consumer.override. allow-list",
                                k);
        } else if (trib_str_endswith(k, ".subject.name.strategy")) {
            char cls[128];
            simple_class(v, cls, sizeof cls);
            if (strcmp(cls, "TopicNameStrategy") != 0 && strcmp(cls, "TopicRecordNameStrategy") != 0)
                rc = trib_error_set(err, TRIB_ERR_FORBIDDEN,
                                    "%s: '%s' is not available to tenants: registry subjects must start with the "
                                    "topic (TopicNameStrategy or TopicRecordNameStrategy)",
                                    k, q(v, b, sizeof b));
        } else if (strcmp(k, "connection.url") == 0 || trib_str_endswith(k, ".connection.url")) {
            rc = check_pg_url(k, v, err);
        } else if (is_path_key(k)) {
            if (!*v && strcmp(k, "file") != 0) continue;
            char *resolved = NULL;
            rc = trib_tenant_resolve_path(scope->staging_root, k, v, &resolved, err);
            if (rc == 0) trib_props_set(rewrites, k, resolved);
            free(resolved);
        }
    }
    if (rc == 0) trib_props_merge(config, rewrites);
    trib_props_destroy(rewrites);
    return rc;
}
