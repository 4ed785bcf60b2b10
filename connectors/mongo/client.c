/*
 * client.c: libmongoc set-up for the MongoDB connectors: one-time driver
 * initialisation, connection strings (with the allow-list applied to
 * tenants' URIs), clients with bounded server selection, and translation
 * of driver errors into trib_error (retriable vs fatal).
 *
 * Tenants: a connection string is hostile input. libmongoc reads files
 * named in it (tlsCAFile, tlsCertificateKeyFile, tlsCRLFile) and, for some
 * authentication mechanisms, the worker's own credentials (MONGODB-AWS
 * reads the worker's environment and instance metadata, GSSAPI its
 * Kerberos ticket cache), and a host may be a Unix socket path on the
 * worker. For a tenant's connector only the options below are allowed;
 * docs/tenants.md lists the same set.
 */
#include "connectors/mongo/mongo_internal.h"

#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "common/log.h"
#include "tenants/outbound.h"

#define FAC "connector.mongo"

static void log_handler(mongoc_log_level_t level, const char *domain, const char *message, void *ud) {
    (void)ud;
    /* FerretDB has no endSessions: the shutdown warning about it is noise. */
    if (strstr(message, "endSessions")) return;
    /* The driver's INFO and below are chatty; its warnings matter. */
    if (level <= MONGOC_LOG_LEVEL_ERROR) TRIB_ERROR(FAC, "libmongoc [%s]: %s", domain, message);
    else if (level == MONGOC_LOG_LEVEL_WARNING) TRIB_WARN(FAC, "libmongoc [%s]: %s", domain, message);
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init(void) {
    mongoc_log_set_handler(log_handler, NULL);
    mongoc_init();
}

void trib_mongo_init(void) { pthread_once(&init_once, init); }

bool trib_mongo_is_tenant_name(const char *name) { return name && strchr(name, '/') != NULL; }

/* URI options (lower case, as libmongoc stores them) a tenant may set:
 * connection, selection, read/write concern, compression and TLS switches.
 * Everything that names a file, and anything this list does not know,
 * is refused. */
static const char *const tenant_options[] = {
    "appname", "compressors", "connecttimeoutms", "directconnection", "heartbeatfrequencyms", "journal",
    "loadbalanced", "localthresholdms", "maxpoolsize", "maxstalenessseconds", "minpoolsize",
    "readconcernlevel", "readpreference", "readpreferencetags", "replicaset", "retryreads", "retrywrites",
    "serverselectiontimeoutms", "serverselectiontryonce", "sockettimeoutms", "srvmaxhosts", "srvservicename",
    "tls", "ssl", "tlsallowinvalidcertificates", "tlsallowinvalidhostnames", "tlsinsecure",
    "tlsdisablecertificaterevocationcheck", "tlsdisableocspendpointcheck", "w", "wtimeoutms",
    "zlibcompressionlevel", "waitqueuetimeoutms", "maxidletimems", NULL,
};

/* Mechanisms that use only what the URI itself carries. */
static const char *const tenant_mechanisms[] = {"SCRAM-SHA-1", "SCRAM-SHA-256", "PLAIN", NULL};

static bool in_list(const char *const *list, const char *s, bool nocase) {
    for (size_t i = 0; list[i]; i++)
        if (nocase ? strcasecmp(list[i], s) == 0 : strcmp(list[i], s) == 0) return true;
    return false;
}

/* The option names of the query string as written: libmongoc drops (with
 * a warning) options it does not support, so get_options() cannot show
 * them, and a later driver version may act on them. */
static int check_raw_options(const char *field, const char *text, trib_error *err) {
    const char *q = strchr(text, '?');
    if (!q) return 0;
    for (const char *p = q + 1; *p;) {
        size_t n = strcspn(p, "=&;");
        char key[64];
        snprintf(key, sizeof key, "%.*s", (int)(n < sizeof key - 1 ? n : sizeof key - 1), p);
        bool ok = n == 0 || in_list(tenant_options, key, true) || strcasecmp(key, "authsource") == 0 ||
                  strcasecmp(key, "authmechanism") == 0;
        if (!ok)
            return trib_error_set(err, TRIB_ERR_FORBIDDEN,
                                  "%s: the option '%s' is not available to tenants (options naming files on the "
                                  "worker, such as tlsCAFile and tlsCertificateKeyFile, are refused; see "
                                  "docs/tenants.md for the allowed set)",
                                  field, key);
        p += n;
        p += strcspn(p, "&;");
        if (*p) p++;
    }
    return 0;
}

static int check_tenant_uri(const char *field, const char *text, const mongoc_uri_t *uri, trib_error *err) {
    if (check_raw_options(field, text, err) < 0) return -1;
    for (const mongoc_host_list_t *h = mongoc_uri_get_hosts(uri); h; h = h->next)
        if (h->family == AF_UNIX || h->host[0] == '/')
            return trib_error_set(err, TRIB_ERR_FORBIDDEN,
                                  "%s: the host '%s' is a Unix socket on the worker; tenants must name a network host",
                                  field, h->host);
    bson_iter_t it;
    if (bson_iter_init(&it, mongoc_uri_get_options(uri))) {
        while (bson_iter_next(&it)) {
            const char *k = bson_iter_key(&it);
            if (!in_list(tenant_options, k, true))
                return trib_error_set(err, TRIB_ERR_FORBIDDEN,
                                      "%s: the option '%s' is not available to tenants (options naming files on the "
                                      "worker, such as tlsCAFile and tlsCertificateKeyFile, are refused; see "
                                      "docs/tenants.md for the allowed set)",
                                      field, k);
        }
    }
    const char *mech = mongoc_uri_get_auth_mechanism(uri);
    if (mech && !in_list(tenant_mechanisms, mech, true))
        return trib_error_set(err, TRIB_ERR_FORBIDDEN,
                              "%s: authMechanism=%s is not available to tenants (it would use the worker's own "
                              "credentials or files); use SCRAM-SHA-256, SCRAM-SHA-1 or PLAIN",
                              field, mech);
    bson_t props;
    if (mongoc_uri_get_mechanism_properties(uri, &props))
        return trib_error_set(err, TRIB_ERR_FORBIDDEN,
                              "%s: authMechanismProperties is not available to tenants", field);
    return 0;
}

mongoc_uri_t *trib_mongo_uri_parse(const char *field, const char *text, bool tenant, trib_error *err) {
    trib_mongo_init();
    bson_error_t e;
    mongoc_uri_t *uri = text ? mongoc_uri_new_with_error(text, &e) : NULL;
    if (!uri) {
        trib_error_set(err, TRIB_ERR_INVALID, "%s: not a MongoDB connection string: %s", field,
                       text ? e.message : "missing");
        return NULL;
    }
    if (tenant && check_tenant_uri(field, text, uri, err) < 0) {
        mongoc_uri_destroy(uri);
        return NULL;
    }
    return uri;
}

int trib_mongo_validate_uri(const trib_config_def *d, const char *v, trib_error *err) {
    (void)d;
    trib_error e;
    mongoc_uri_t *u = trib_mongo_uri_parse("connection.uri", v, false, &e);
    if (!u) return trib_error_set(err, TRIB_ERR_INVALID, "%s", e.msg + strlen("connection.uri: "));
    mongoc_uri_destroy(u);
    return 0;
}

/* ---- tenants' connections: the outbound policy ----------------------------------- */

/* The stream initiator of a tenant's client: every address the host name
 * resolves to is checked against the outbound policy (tenants/outbound.h)
 * and the connection is made to that checked address (no second lookup a
 * rebinding name could answer differently); TLS as the URI asks. */
static mongoc_stream_t *tenant_initiator(const mongoc_uri_t *uri, const mongoc_host_list_t *host, void *ud,
                                         bson_error_t *error) {
    const char *connector = ud;
    char port[16];
    snprintf(port, sizeof port, "%u", (unsigned)host->port);
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_family = AF_UNSPEC}, *res = NULL;
    int gai = getaddrinfo(host->host, port, &hints, &res);
    if (gai != 0) {
        bson_set_error(error, MONGOC_ERROR_STREAM, MONGOC_ERROR_STREAM_NAME_RESOLUTION, "cannot resolve %s: %s",
                       host->host, gai_strerror(gai));
        return NULL;
    }
    int32_t connect_ms = mongoc_uri_get_option_as_int32(uri, MONGOC_URI_CONNECTTIMEOUTMS, 10000);
    mongoc_stream_t *stream = NULL;
    trib_error refusal;
    bool refused = false;
    for (struct addrinfo *ai = res; ai && !stream; ai = ai->ai_next) {
        trib_error e;
        if (trib_outbound_check_addr(connector, host->host, ai->ai_addr, &e) < 0) {
            if (!refused) refusal = e;
            refused = true;
            continue;
        }
        mongoc_socket_t *sock = mongoc_socket_new(ai->ai_family, SOCK_STREAM, 0);
        if (!sock) continue;
        if (mongoc_socket_connect(sock, ai->ai_addr, (mongoc_socklen_t)ai->ai_addrlen,
                                  bson_get_monotonic_time() + (int64_t)connect_ms * 1000) != 0) {
            mongoc_socket_destroy(sock);
            continue;
        }
        stream = mongoc_stream_socket_new(sock);
    }
    freeaddrinfo(res);
    if (!stream) {
        if (refused)
            bson_set_error(error, MONGOC_ERROR_STREAM, MONGOC_ERROR_STREAM_CONNECT, "%s%s", TRIB_MONGO_REFUSED,
                           refusal.msg);
        else
            bson_set_error(error, MONGOC_ERROR_STREAM, MONGOC_ERROR_STREAM_CONNECT, "cannot connect to %s",
                           host->host_and_port);
        return NULL;
    }
    if (mongoc_uri_get_tls(uri)) {
        mongoc_ssl_opt_t opt = *mongoc_ssl_opt_get_default();
        /* A tenant names no CA or key file (the allow-list): system CAs. */
        opt.weak_cert_validation = mongoc_uri_get_option_as_bool(uri, MONGOC_URI_TLSALLOWINVALIDCERTIFICATES, false) ||
                                   mongoc_uri_get_option_as_bool(uri, MONGOC_URI_TLSINSECURE, false);
        opt.allow_invalid_hostname = mongoc_uri_get_option_as_bool(uri, MONGOC_URI_TLSALLOWINVALIDHOSTNAMES, false) ||
                                     mongoc_uri_get_option_as_bool(uri, MONGOC_URI_TLSINSECURE, false);
        mongoc_stream_t *tls = mongoc_stream_tls_new_with_hostname(stream, host->host, &opt, 1);
        if (!tls) {
            mongoc_stream_destroy(stream);
            bson_set_error(error, MONGOC_ERROR_STREAM, MONGOC_ERROR_STREAM_SOCKET, "TLS setup failed for %s",
                           host->host);
            return NULL;
        }
        if (!mongoc_stream_tls_handshake_block(tls, host->host, connect_ms, error)) {
            mongoc_stream_destroy(tls);
            return NULL;
        }
        stream = tls;
    }
    return stream;
}

mongoc_client_t *trib_mongo_client_new(const mongoc_uri_t *uri, const char *connector, trib_error *err) {
    trib_mongo_init();
    mongoc_uri_t *u = mongoc_uri_copy(uri);
    if (!bson_has_field(mongoc_uri_get_options(u), MONGOC_URI_SERVERSELECTIONTIMEOUTMS))
        mongoc_uri_set_option_as_int32(u, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 5000);
    if (!bson_has_field(mongoc_uri_get_options(u), MONGOC_URI_CONNECTTIMEOUTMS))
        mongoc_uri_set_option_as_int32(u, MONGOC_URI_CONNECTTIMEOUTMS, 5000);
    if (!mongoc_uri_get_appname(u)) mongoc_uri_set_appname(u, "tributary");
    bson_error_t e;
    mongoc_client_t *c = mongoc_client_new_from_uri_with_error(u, &e);
    mongoc_uri_destroy(u);
    if (!c) {
        trib_error_set(err, TRIB_ERR_INVALID, "mongo: cannot create a client: %s", e.message);
        return NULL;
    }
    mongoc_client_set_error_api(c, MONGOC_ERROR_API_VERSION_2);
    if (trib_outbound_is_tenant(connector))
        mongoc_client_set_stream_initiator(c, tenant_initiator, (void *)connector);
    return c;
}

bool trib_mongo_error_is_transient(const bson_error_t *e) {
    /* the outbound policy's refusal, however the driver wraps it */
    if (strstr(e->message, TRIB_MONGO_REFUSED)) return false;
    switch (e->domain) {
    case MONGOC_ERROR_STREAM:
    case MONGOC_ERROR_SERVER_SELECTION:
        return true;
    case MONGOC_ERROR_CLIENT:
        /* wrong credentials and oversized documents do not heal by waiting */
        return e->code != MONGOC_ERROR_CLIENT_AUTHENTICATE && e->code != MONGOC_ERROR_CLIENT_TOO_BIG;
    default:
        break;
    }
    /* Server codes of an election, a shutdown or an overloaded server. */
    static const uint32_t codes[] = {6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436, 64, 0};
    for (size_t i = 0; codes[i]; i++)
        if (e->code == codes[i]) return true;
    return false;
}

int trib_mongo_error(trib_error *err, const bson_error_t *e, const char *what) {
    if (strstr(e->message, TRIB_MONGO_REFUSED))
        return trib_error_set(err, TRIB_ERR_FORBIDDEN, "mongo: %s: %s", what, e->message);
    return trib_error_set(err, trib_mongo_error_is_transient(e) ? TRIB_ERR_RETRIABLE : TRIB_ERR_FATAL,
                          "mongo: %s: %s (domain %u, code %u)", what, e->message, e->domain, e->code);
}
