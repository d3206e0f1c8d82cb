/* Which network addresses the gateway may call out to (department chat
 * webhooks): a deny list and an optional allow list of addresses and CIDR
 * networks, IPv4 and IPv6 (an IPv4-mapped IPv6 address counts as its IPv4
 * address). Checked when a URL is saved (for a literal address) and for every
 * address a host name resolves to when sending (outbound/http_client.c). */
#ifndef GW_NETPOLICY_H
#define GW_NETPOLICY_H

#include "gw/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct gw_net {
    int family; /* AF_INET or AF_INET6 */
    unsigned char addr[16];
    unsigned prefix; /* bits */
};

struct gw_netpolicy {
    struct gw_net *deny, *allow;
    size_t n_deny, n_allow;
};

/* Parses deny and allow ("a.b.c.d/n, x::/n, a.b.c.d", either may be empty
 * or NULL) into p. On a bad entry: GW_E_CONFIG_BAD_VALUE naming it, p empty.
 * Free with gw_netpolicy_free. */
enum gw_err gw_netpolicy_init(struct gw_netpolicy *p, const char *deny, const char *allow,
                              struct gw_error *err);
void gw_netpolicy_free(struct gw_netpolicy *p);
/* Whether sa (AF_INET or AF_INET6) may be reached: in no deny entry, and in
 * an allow entry when there are any. Other families are refused. */
bool gw_netpolicy_allows(const struct gw_netpolicy *p, const struct sockaddr *sa);
/* For a URL's host (without brackets): *literal tells whether it is an IP
 * address (also the forms inet_aton reads, such as 2852039166); returns
 * whether the policy allows it (true for a host name, checked when sending). */
bool gw_netpolicy_allows_host(const struct gw_netpolicy *p, const char *host, bool *literal);
/* Copies the host of an http(s) URL into out (without userinfo, port or
 * IPv6 brackets); false when the URL has no host. */
bool gw_url_host(const char *url, char *out, size_t cap);

#endif
