/*
 * outbound.c: the tenants' outbound connection policy (outbound.h).
 *
 * Addresses are compared as 16-byte IPv6 addresses (IPv4 as IPv4-mapped
 * ::ffff:a.b.c.d), so one CIDR matcher serves both families and a mapped
 * address can never slip past an IPv4 rule.
 */
#include "tenants/outbound.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"

typedef struct net {
    unsigned char addr[16];
    int bits;   /* prefix length over the 16 bytes */
} net;

typedef struct policy {
    net *nets;        /* allow-list IP/CIDR entries */
    size_t nnets;
    char **names;     /* allow-list host names */
    size_t nnames;
    bool has_allow;   /* tenant.outbound.allow was set (non-empty) */
    net *own;         /* the worker's interface addresses (/128 each) */
    size_t nown;
} policy;

static pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER;
static policy *installed;   /* NULL: the default policy */

bool trib_outbound_is_tenant(const char *connector) { return connector && strchr(connector, '/') != NULL; }

/* sa as a 16-byte IPv6 address (IPv4 mapped); false for other families. */
static bool to16(const struct sockaddr *sa, unsigned char out[16]) {
    if (!sa) return false;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        memset(out, 0, 10);
        out[10] = out[11] = 0xff;
        memcpy(out + 12, &in->sin_addr, 4);
        return true;
    }
    if (sa->sa_family == AF_INET6) {
        memcpy(out, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
        return true;
    }
    return false;
}

static bool is_mapped(const unsigned char a[16]) {
    static const unsigned char pre[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return memcmp(a, pre, 12) == 0;
}

static bool in_net(const unsigned char a[16], const net *n) {
    int full = n->bits / 8, rest = n->bits % 8;
    if (memcmp(a, n->addr, (size_t)full) != 0) return false;
    if (rest == 0) return true;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (a[full] & mask) == (n->addr[full] & mask);
}

/* "10.0.0.0/8", "fd00::/8", "192.0.2.7", "::1". */
static int parse_net(const char *s, net *out) {
    char buf[INET6_ADDRSTRLEN + 8];
    if (strlen(s) >= sizeof buf) return -1;
    strcpy(buf, s);
    char *slash = strchr(buf, '/');
    int bits = -1;
    if (slash) {
        *slash = '\0';
        int64_t b;
        if (trib_parse_int64(slash + 1, &b) < 0 || b < 0 || b > 128) return -1;
        bits = (int)b;
    }
    struct in_addr v4;
    struct in6_addr v6;
    if (inet_pton(AF_INET, buf, &v4) == 1) {
        if (bits > 32) return -1;
        memset(out->addr, 0, 10);
        out->addr[10] = out->addr[11] = 0xff;
        memcpy(out->addr + 12, &v4, 4);
        out->bits = 96 + (bits < 0 ? 32 : bits);
        return 0;
    }
    if (inet_pton(AF_INET6, buf, &v6) == 1) {
        memcpy(out->addr, &v6, 16);
        out->bits = bits < 0 ? 128 : bits;
        return 0;
    }
    return -1;
}

/* A host name entry: letters, digits, '-', '.'; not an address. */
static bool valid_name(const char *s) {
    if (!*s || strlen(s) > 253) return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
              *p == '.'))
            return false;
    return true;
}

static void policy_free(policy *p) {
    if (!p) return;
    free(p->nets);
    for (size_t i = 0; i < p->nnames; i++) free(p->names[i]);
    free(p->names);
    free(p->own);
    free(p);
}

static void snapshot_interfaces(policy *p) {
    struct ifaddrs *ifs = NULL;
    if (getifaddrs(&ifs) != 0) return;
    for (struct ifaddrs *i = ifs; i; i = i->ifa_next) {
        unsigned char a[16];
        if (!to16(i->ifa_addr, a)) continue;
        p->own = trib_xrealloc(p->own, (p->nown + 1) * sizeof *p->own);
        memcpy(p->own[p->nown].addr, a, 16);
        p->own[p->nown].bits = 128;
        p->nown++;
    }
    freeifaddrs(ifs);
}

int trib_outbound_install(const trib_props *worker_props, trib_error *err) {
    policy *p = trib_xcalloc(1, sizeof *p);
    const char *v = worker_props ? trib_props_get(worker_props, "tenant.outbound.allow") : NULL;
    size_t n = 0;
    char **items = trib_split_list(v ? v : "", &n);
    for (size_t i = 0; i < n; i++) {
        net nt;
        if (parse_net(items[i], &nt) == 0) {
            p->nets = trib_xrealloc(p->nets, (p->nnets + 1) * sizeof *p->nets);
            p->nets[p->nnets++] = nt;
        } else if (!strchr(items[i], '/') && !strchr(items[i], ':') && valid_name(items[i])) {
            p->names = trib_xrealloc(p->names, (p->nnames + 1) * sizeof *p->names);
            p->names[p->nnames++] = trib_xstrdup(items[i]);
        } else {
            trib_error_set(err, TRIB_ERR_INVALID,
                           "tenant.outbound.allow: '%.80s' is not an IP address, a CIDR or a host name", items[i]);
            trib_strv_free(items);
            policy_free(p);
            return -1;
        }
    }
    trib_strv_free(items);
    p->has_allow = n > 0;
    snapshot_interfaces(p);
    pthread_rwlock_wrlock(&lock);
    policy *old = installed;
    installed = p;
    pthread_rwlock_unlock(&lock);
    policy_free(old);
    return 0;
}

void trib_outbound_uninstall(void) {
    pthread_rwlock_wrlock(&lock);
    policy *old = installed;
    installed = NULL;
    pthread_rwlock_unlock(&lock);
    policy_free(old);
}

static net loop4, loop6, ll4, ll6, zero4, zero6;
static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;

static void builtin_init(void) {
    parse_net("127.0.0.0/8", &loop4);
    parse_net("::1/128", &loop6);
    parse_net("169.254.0.0/16", &ll4);
    parse_net("fe80::/10", &ll6);
    parse_net("0.0.0.0/8", &zero4);
    parse_net("::/128", &zero6);
}

/* Why a is denied by default, or NULL. */
static const char *builtin_denial(const policy *p, const unsigned char a[16]) {
    pthread_once(&builtin_once, builtin_init);
    if (in_net(a, &loop4) || in_net(a, &loop6)) return "a loopback address";
    if (in_net(a, &ll4) || in_net(a, &ll6)) return "a link-local address";
    if (in_net(a, &zero4) || in_net(a, &zero6)) return "an unspecified address";
    if (p)
        for (size_t i = 0; i < p->nown; i++)
            if (in_net(a, &p->own[i])) return "an address of the worker itself";
    return NULL;
}

static void addr_text(const unsigned char a[16], char *out, size_t cap) {
    if (is_mapped(a))
        inet_ntop(AF_INET, a + 12, out, (socklen_t)cap);
    else
        inet_ntop(AF_INET6, a, out, (socklen_t)cap);
}

int trib_outbound_check_addr(const char *connector, const char *host, const struct sockaddr *sa, trib_error *err) {
    if (!trib_outbound_is_tenant(connector)) return 0;
    unsigned char a[16];
    if (!to16(sa, a))
        return trib_error_set(err, TRIB_ERR_FORBIDDEN,
                              "connector %.80s: outbound connection refused: only IPv4 and IPv6 addresses are allowed "
                              "for tenants",
                              connector);
    pthread_rwlock_rdlock(&lock);
    const policy *p = installed;
    bool cidr_allowed = false, name_allowed = false;
    if (p) {
        for (size_t i = 0; i < p->nnets && !cidr_allowed; i++) cidr_allowed = in_net(a, &p->nets[i]);
        for (size_t i = 0; host && i < p->nnames && !name_allowed; i++)
            name_allowed = strcasecmp(host, p->names[i]) == 0;
    }
    const char *why = NULL;
    if (!cidr_allowed) why = builtin_denial(p, a);
    if (!why && p && p->has_allow && !cidr_allowed && !name_allowed) why = "not in tenant.outbound.allow";
    pthread_rwlock_unlock(&lock);
    if (!why) return 0;
    char txt[INET6_ADDRSTRLEN];
    addr_text(a, txt, sizeof txt);
    char shown[128];
    snprintf(shown, sizeof shown, "%s", host ? host : txt);
    for (char *c = shown; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f) *c = '?';
    return trib_error_set(err, TRIB_ERR_FORBIDDEN,
                          "connector %.80s: outbound connection to '%s' (%s) refused by the tenant outbound policy: "
                          "%s",
                          connector, shown, txt, why);
}

int trib_outbound_resolve(const char *connector, const char *host, const char *port, struct sockaddr_storage *out,
                          socklen_t *outlen, char *addr, size_t addr_cap, trib_error *err) {
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        return trib_error_set(err, TRIB_ERR_RETRIABLE, "connector %.80s: cannot resolve '%.100s': %s", connector,
                              host ? host : "(null)", gai_strerror(rc));
    }
    trib_error first = {0};
    int result = -1;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        trib_error e;
        if (trib_outbound_check_addr(connector, host, ai->ai_addr, &e) < 0) {
            if (first.code == TRIB_OK) first = e;
            continue;
        }
        if (out) memcpy(out, ai->ai_addr, ai->ai_addrlen);
        if (outlen) *outlen = ai->ai_addrlen;
        if (addr && addr_cap) {
            unsigned char a[16];
            if (to16(ai->ai_addr, a)) addr_text(a, addr, addr_cap);
        }
        result = 0;
        break;
    }
    freeaddrinfo(res);
    if (result < 0) {
        if (first.code != TRIB_OK) {
            if (err) *err = first;
        } else {
            trib_error_set(err, TRIB_ERR_RETRIABLE, "connector %.80s: '%.100s' has no address", connector, host);
        }
    }
    return result;
}
