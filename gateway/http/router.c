/* router.c: path patterns ("/api/v1/keys/{id}") and the route table's
 * lookup helpers. The table itself is in routes.c. */
#include "gw/buf.h"
#include "gw/http.h"

#include <stdlib.h>
#include <string.h>

size_t gw_routes_count(void)
{
    size_t n = 0;
    while (gw_routes[n].method)
        n++;
    return n;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Copies a path segment, percent-decoded. */
static char *decode_segment(const char *s, size_t n)
{
    char *out = gw_xmalloc(n + 1);
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n + 1 && hexval((unsigned char)s[i + 1]) >= 0 &&
            hexval((unsigned char)s[i + 2]) >= 0) {
            out[j++] =
                (char)(hexval((unsigned char)s[i + 1]) * 16 + hexval((unsigned char)s[i + 2]));
            i += 2;
        } else {
            out[j++] = s[i];
        }
    }
    out[j] = '\0';
    return out;
}

bool gw_route_match(const char *pattern, const char *path, char *param_store[GW_REQ_MAX_PARAMS])
{
    int np = 0;
    const char *p = pattern, *q = path;
    for (int i = 0; i < GW_REQ_MAX_PARAMS; i++)
        param_store[i] = NULL;
    while (*p && *q) {
        if (*p == '{') {
            const char *pe = strchr(p, '}');
            const char *qe = strchr(q, '/');
            if (!pe || np >= GW_REQ_MAX_PARAMS)
                goto nomatch;
            size_t n = qe ? (size_t)(qe - q) : strlen(q);
            if (n == 0)
                goto nomatch;
            param_store[np++] = decode_segment(q, n);
            p = pe + 1;
            q += n;
            continue;
        }
        if (*p != *q)
            goto nomatch;
        p++;
        q++;
    }
    if (*p == '\0' && *q == '\0')
        return true;
nomatch:
    gw_route_params_free(param_store);
    return false;
}

void gw_route_params_free(char *param_store[GW_REQ_MAX_PARAMS])
{
    for (int i = 0; i < GW_REQ_MAX_PARAMS; i++) {
        free(param_store[i]);
        param_store[i] = NULL;
    }
}
