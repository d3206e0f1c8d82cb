/* router.c: path patterns ("/api/v1/keys/{id}") and the route table's
 * lookup helpers. The table itself is in routes.c. */
#include "gw/buf.h"
#include "gw/form.h"
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
            param_store[np] = gw_percent_decode(q, n, false);
            if (!param_store[np++])
                goto nomatch; /* a malformed escape matches no route */
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
