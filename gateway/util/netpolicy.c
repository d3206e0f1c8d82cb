/* netpolicy.c: address allow/deny lists for outbound calls (see
 * gw/netpolicy.h). Owns parsing and matching; the callers decide when to ask
 * (api/review_org.c when a webhook URL is saved, outbound/http_client.c for
 * every resolved address). */
#include "gw/netpolicy.h"

#include "gw/buf.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gw_netpolicy_free(struct gw_netpolicy *p)
{
    free(p->deny);
    free(p->allow);
    memset(p, 0, sizeof *p);
}

static bool parse_net(const char *text, struct gw_net *n)
{
    char buf[80];
    snprintf(buf, sizeof buf, "%s", text);
    char *slash = strchr(buf, '/');
    long prefix = -1;
    if (slash) {
        char *end = NULL;
        *slash = '\0';
        prefix = strtol(slash + 1, &end, 10);
        if (!slash[1] || *end || prefix < 0)
            return false;
    }
    memset(n, 0, sizeof *n);
    if (inet_pton(AF_INET, buf, n->addr) == 1) {
        n->family = AF_INET;
        n->prefix = prefix < 0 ? 32 : (unsigned)prefix;
        return n->prefix <= 32;
    }
    if (inet_pton(AF_INET6, buf, n->addr) == 1) {
        n->family = AF_INET6;
        n->prefix = prefix < 0 ? 128 : (unsigned)prefix;
        return n->prefix <= 128;
    }
    return false;
}

static enum gw_err parse_list(const char *text, const char *what, struct gw_net **out, size_t *n,
                              struct gw_error *err)
{
    *out = NULL;
    *n = 0;
    for (const char *p = text ? text : ""; *p;) {
        p += strspn(p, " ,\t");
        size_t len = strcspn(p, " ,\t");
        if (!len)
            break;
        struct gw_net net;
        char entry[80];
        snprintf(entry, sizeof entry, "%.*s", (int)(len < 79 ? len : 79), p);
        if (len >= 79 || !parse_net(entry, &net)) {
            free(*out);
            *out = NULL;
            *n = 0;
            return gw_error_set(err, GW_E_CONFIG_BAD_VALUE, what,
                                "'%s': '%.79s' is not an IP address or CIDR network (such as "
                                "169.254.0.0/16 or fe80::/10)",
                                what, entry);
        }
        *out = gw_xrealloc(*out, (*n + 1) * sizeof **out);
        (*out)[(*n)++] = net;
        p += len;
    }
    return GW_OK;
}

enum gw_err gw_netpolicy_init(struct gw_netpolicy *p, const char *deny, const char *allow,
                              struct gw_error *err)
{
    memset(p, 0, sizeof *p);
    enum gw_err rc = parse_list(deny, "webhook_deny_networks", &p->deny, &p->n_deny, err);
    if (rc == GW_OK)
        rc = parse_list(allow, "webhook_allow_networks", &p->allow, &p->n_allow, err);
    if (rc != GW_OK)
        gw_netpolicy_free(p);
    return rc;
}

static bool in_net(const struct gw_net *n, int family, const unsigned char *addr)
{
    if (n->family != family)
        return false;
    unsigned full = n->prefix / 8, rest = n->prefix % 8;
    if (memcmp(n->addr, addr, full) != 0)
        return false;
    if (!rest)
        return true;
    unsigned char mask = (unsigned char)(0xFF << (8 - rest));
    return (n->addr[full] & mask) == (addr[full] & mask);
}

static bool in_list(const struct gw_net *l, size_t n, int family, const unsigned char *addr)
{
    for (size_t i = 0; i < n; i++)
        if (in_net(&l[i], family, addr))
            return true;
    return false;
}

static bool allows_addr(const struct gw_netpolicy *p, int family, const unsigned char *addr)
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    if (family == AF_INET6 && memcmp(addr, mapped, 12) == 0) {
        family = AF_INET; /* ::ffff:a.b.c.d is a.b.c.d */
        addr += 12;
    }
    if (in_list(p->deny, p->n_deny, family, addr))
        return false;
    return p->n_allow == 0 || in_list(p->allow, p->n_allow, family, addr);
}

bool gw_netpolicy_allows(const struct gw_netpolicy *p, const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        return allows_addr(p, AF_INET, (const unsigned char *)&in->sin_addr);
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        return allows_addr(p, AF_INET6, in6->sin6_addr.s6_addr);
    }
    return false;
}

bool gw_netpolicy_allows_host(const struct gw_netpolicy *p, const char *host, bool *literal)
{
    unsigned char a[16];
    struct in_addr v4;
    *literal = true;
    if (inet_pton(AF_INET6, host, a) == 1)
        return allows_addr(p, AF_INET6, a);
    if (inet_aton(host, &v4) == 1) /* also 2852039166, 0xa9.0xfe.0xa9.0xfe */
        return allows_addr(p, AF_INET, (const unsigned char *)&v4);
    *literal = false;
    return true;
}

bool gw_url_host(const char *url, char *out, size_t cap)
{
    const char *p = strstr(url, "://");
    if (!p || cap == 0)
        return false;
    p += 3;
    size_t alen = strcspn(p, "/?#");
    const char *at = NULL;
    for (const char *q = p; q < p + alen; q++)
        if (*q == '@')
            at = q;
    if (at) {
        alen -= (size_t)(at + 1 - p);
        p = at + 1;
    }
    size_t hlen;
    if (*p == '[') {
        const char *close = memchr(p, ']', alen);
        if (!close)
            return false;
        p++;
        hlen = (size_t)(close - p);
    } else {
        const char *colon = memchr(p, ':', alen);
        hlen = colon ? (size_t)(colon - p) : alen;
    }
    if (hlen == 0 || hlen >= cap)
        return false;
    memcpy(out, p, hlen);
    out[hlen] = '\0';
    return true;
}
