/*
 * outbound.h: the operator's policy for network connections that tenants'
 * connectors open to hosts the tenant names (a database, a schema
 * registry, MongoDB, HTTP endpoints).
 *
 * A tenant who can name any host can make the worker connect to services
 * only the worker can reach (SSRF): the worker's own REST listener, a
 * metadata service on a link-local address, a database on loopback. So
 * every such connection is checked after DNS resolution, on the address
 * actually connected, and then made to that very address (a second lookup
 * could rebind the name):
 *   - trib_outbound_resolve for clients that take an address (libpq's
 *     hostaddr): resolve, pick the first allowed address, connect to it;
 *   - trib_outbound_check_addr for clients that resolve themselves and
 *     expose the socket address before connecting (libcurl's
 *     CURLOPT_OPENSOCKETFUNCTION, mongo-c-driver's stream initiator).
 *
 * The policy (worker property tenant.outbound.allow, docs/tenants.md):
 *   - operators' connectors (no '/' in the name) are never restricted;
 *   - for tenants, loopback, link-local, unspecified addresses and every
 *     address of the worker's own network interfaces (its listeners) are
 *     denied unless an IP/CIDR entry of the allow list covers them;
 *   - when tenant.outbound.allow is set, a tenant's destination must also
 *     match one of its entries: an IP, a CIDR (10.0.0.0/8, fd00::/8) or a
 *     host name (matched against the name the tenant gave, case-insensitive;
 *     a name entry never lifts the built-in denials).
 * IPv4-mapped IPv6 addresses are checked as the IPv4 address they carry.
 * Thread-safe; the policy is process-wide, installed by the tenant layer.
 */
#ifndef TRIB_TENANTS_OUTBOUND_H
#define TRIB_TENANTS_OUTBOUND_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "common/error.h"
#include "common/props.h"

/* Parses tenant.outbound.allow from worker props, snapshots the worker's
 * interface addresses and makes that the policy (replacing any). INVALID
 * naming the entry for a malformed list. Without a call the default
 * policy (no allow list, built-in denials) applies. */
int trib_outbound_install(const trib_props *worker_props, trib_error *err);
/* Back to the default policy (frees the installed one). */
void trib_outbound_uninstall(void);

/* 0 when `connector` (full name) may connect to sa; host is the name the
 * connector was given (for name entries and messages; may be NULL).
 * FORBIDDEN naming the connector, the host, the address and the reason
 * otherwise. Always 0 for operators' connectors. */
int trib_outbound_check_addr(const char *connector, const char *host, const struct sockaddr *sa, trib_error *err);

/* Resolves host (a name or a literal address) and port for TCP and stores
 * the first address `connector` may connect to in *out (its length in
 * *outlen; both may be NULL) and its numeric text in addr (addr_cap bytes,
 * INET6_ADDRSTRLEN is enough). FORBIDDEN when every address is refused
 * (the message gives the first refusal), RETRIABLE when the name does not
 * resolve now. */
int trib_outbound_resolve(const char *connector, const char *host, const char *port, struct sockaddr_storage *out,
                          socklen_t *outlen, char *addr, size_t addr_cap, trib_error *err);

/* True for a tenant's connector (a '/' in its full name). */
bool trib_outbound_is_tenant(const char *connector);

#endif
