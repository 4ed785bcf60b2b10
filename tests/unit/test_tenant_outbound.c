/*
 * test_tenant_outbound.c: the tenants' outbound policy (tenants/outbound.h)
 * denies loopback, link-local, unspecified and the worker's own addresses
 * by default, IPv4-mapped IPv6 included; tenant.outbound.allow narrows the
 * destinations and can lift the built-in denials only by IP/CIDR; operators'
 * connectors are never restricted; resolve() hands back only a checked
 * address.
 */
#include "tests/tap.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <string.h>

#include "common/props.h"
#include "tenants/outbound.h"

static struct sockaddr_storage ss;

static const struct sockaddr *addr(const char *text) {
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *in = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, text, &in->sin_addr) == 1) {
        in->sin_family = AF_INET;
    } else if (inet_pton(AF_INET6, text, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
    } else {
        BAIL_OUT("bad test address");
    }
    return (const struct sockaddr *)&ss;
}

static int check(const char *connector, const char *host, const char *a, trib_error *e) {
    return trib_outbound_check_addr(connector, host, addr(a), e);
}

static int install(const char *allow, trib_error *e) {
    trib_props *p = trib_props_new();
    if (allow) trib_props_set(p, "tenant.outbound.allow", allow);
    int rc = trib_outbound_install(p, e);
    trib_props_destroy(p);
    return rc;
}

/* A non-loopback address of this machine, if it has one. */
static bool own_address(char *out, size_t cap) {
    struct ifaddrs *ifs = NULL;
    bool found = false;
    if (getifaddrs(&ifs) != 0) return false;
    for (struct ifaddrs *i = ifs; i && !found; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
        const struct sockaddr_in *in = (const struct sockaddr_in *)i->ifa_addr;
        if ((ntohl(in->sin_addr.s_addr) >> 24) == 127) continue;
        inet_ntop(AF_INET, &in->sin_addr, out, (socklen_t)cap);
        found = true;
    }
    freeifaddrs(ifs);
    return found;
}

int main(void) {
    trib_error e;
    ok(install(NULL, &e) == 0, "the default policy installs");

    ok(check("acme/pg", "localhost", "127.0.0.1", &e) < 0 && e.code == TRIB_ERR_FORBIDDEN,
       "a tenant may not reach 127.0.0.1");
    like(e.msg, "loopback", "the refusal says why");
    like(e.msg, "acme/pg", "and names the connector");
    like(e.msg, "127.0.0.1", "and the address");
    ok(check("acme/pg", NULL, "127.9.9.9", &e) < 0, "all of 127.0.0.0/8 is loopback");
    ok(check("acme/pg", NULL, "::1", &e) < 0, "IPv6 loopback is refused");
    ok(check("acme/pg", NULL, "::ffff:127.0.0.1", &e) < 0 && strstr(e.msg, "loopback"),
       "an IPv4-mapped loopback address is refused as loopback");
    ok(check("acme/pg", NULL, "169.254.169.254", &e) < 0 && strstr(e.msg, "link-local"),
       "the link-local metadata address is refused");
    ok(check("acme/pg", NULL, "fe80::1", &e) < 0, "IPv6 link-local is refused");
    ok(check("acme/pg", NULL, "0.0.0.0", &e) < 0, "0.0.0.0 is refused");
    ok(check("acme/pg", NULL, "::", &e) < 0, ":: is refused");
    char own[64];
    if (own_address(own, sizeof own)) {
        ok(check("acme/pg", NULL, own, &e) < 0 && strstr(e.msg, "worker itself"),
           "an address of the worker's own interfaces (%s) is refused", own);
    } else {
        skip(1, "no non-loopback IPv4 interface");
    }
    ok(check("acme/pg", "db.example", "192.0.2.10", &e) == 0, "an ordinary address is allowed without an allow list");
    ok(check("admin-pg", NULL, "127.0.0.1", &e) == 0, "an operator's connector may reach loopback");
    ok(check("admin-pg", NULL, "169.254.169.254", &e) == 0, "an operator's connector is never restricted");

    ok(install("127.0.0.1", &e) == 0, "an allow list of one address installs");
    ok(check("acme/pg", NULL, "127.0.0.1", &e) == 0, "an allowed IP lifts the loopback denial for that IP");
    ok(check("acme/pg", NULL, "::ffff:127.0.0.1", &e) == 0, "its IPv4-mapped form too");
    ok(check("acme/pg", NULL, "127.0.0.2", &e) < 0, "another loopback address stays refused");
    ok(check("acme/pg", NULL, "192.0.2.10", &e) < 0 && strstr(e.msg, "tenant.outbound.allow"),
       "with an allow list, an address outside it is refused");

    ok(install("10.0.0.0/8, db.example ,2001:db8::/32", &e) == 0, "CIDRs and names install");
    ok(check("acme/pg", NULL, "10.200.3.4", &e) == 0, "an address in an allowed CIDR passes");
    ok(check("acme/pg", NULL, "11.0.0.1", &e) < 0, "one outside it does not");
    ok(check("acme/pg", NULL, "2001:db8::5", &e) == 0, "IPv6 CIDRs work");
    ok(check("acme/pg", "DB.example", "192.0.2.10", &e) == 0, "an allowed name passes (case-insensitive)");
    ok(check("acme/pg", "db.example", "127.0.0.1", &e) < 0 && strstr(e.msg, "loopback"),
       "a name entry never lifts the loopback denial (DNS answering 127.0.0.1)");
    ok(check("acme/pg", "db.example.evil", "192.0.2.10", &e) < 0, "names match whole, not as prefixes");

    ok(install("10.0.0.0/33", &e) < 0 && e.code == TRIB_ERR_INVALID, "a prefix length over 32 for IPv4 is refused");
    like(e.msg, "tenant.outbound.allow", "naming the property");
    ok(install("1.2.3.4/x", &e) < 0, "a malformed prefix length is refused");
    ok(install("bad host!", &e) < 0, "a malformed name is refused");

    ok(install(NULL, &e) == 0, "back to the default policy");
    char a[64] = "";
    ok(trib_outbound_resolve("acme/pg", "localhost", "5432", NULL, NULL, a, sizeof a, &e) < 0 &&
           e.code == TRIB_ERR_FORBIDDEN,
       "resolving localhost for a tenant is refused after resolution");
    ok(trib_outbound_resolve("acme/pg", "127.0.0.1", "5432", NULL, NULL, a, sizeof a, &e) < 0,
       "a literal loopback address is refused");
    ok(install("127.0.0.1", &e) == 0, "allow 127.0.0.1");
    struct sockaddr_storage out;
    socklen_t len = 0;
    ok(trib_outbound_resolve("acme/pg", "localhost", "5432", &out, &len, a, sizeof a, &e) == 0,
       "localhost resolves to an allowed address (%s)", e.msg);
    is_str(a, "127.0.0.1", "the checked address is the allowed one, not ::1");
    ok(len == sizeof(struct sockaddr_in) && out.ss_family == AF_INET, "and the sockaddr is that address");
    ok(trib_outbound_resolve("admin-pg", "localhost", "5432", NULL, NULL, a, sizeof a, &e) == 0,
       "an operator's connector resolves anything");
    trib_outbound_uninstall();
    (void)plan;   /* the plan is printed at the end */
    done_testing();
    return exit_status();
}
