/* router.c: path patterns ("/api/v1/keys/{id}") and the route table's
 * lookup helpers (routes and the notes some 405s carry). The tables
 * themselves are in routes.c. */
#include "gw/buf.h"
#include "gw/form.h"
#include "gw/http.h"
#include "gw/json.h"

#include <stdlib.h>
#include <string.h>

size_t gw_routes_count(void)
{
    size_t n = 0;
    while (gw_routes[n].method)
        n++;
    return n;
}

const char *gw_route_note_for(const char *method, const char *path)
{
    for (const struct gw_route_note *n = gw_route_notes; n->pattern; n++) {
        char *params[GW_REQ_MAX_PARAMS];
        if (n->method && strcmp(n->method, method) != 0)
            continue;
        if (!gw_route_match(n->pattern, path, params))
            continue;
        gw_route_params_free(params);
        return n->note;
    }
    return NULL;
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
            /* {x+} at the end takes the rest of the path */
            bool rest = pe > p + 1 && pe[-1] == '+' && pe[1] == '\0';
            size_t n = qe && !rest ? (size_t)(qe - q) : strlen(q);
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

enum gw_err gw_route_params_check(const char *pattern, char *const param_store[GW_REQ_MAX_PARAMS],
                                  struct gw_error *e)
{
    const char *p = pattern;
    for (int i = 0; i < GW_REQ_MAX_PARAMS && param_store[i]; i++) {
        const char *open = p ? strchr(p, '{') : NULL;
        const char *close = open ? strchr(open, '}') : NULL;
        char name[64] = "";
        if (close && (size_t)(close - open - 1) < sizeof name) {
            memcpy(name, open + 1, (size_t)(close - open - 1));
            name[close - open - 1] = '\0';
        }
        p = close ? close + 1 : NULL;
        char buf[64];
        const char *why =
            gw_text_problem(param_store[i], strlen(param_store[i]), false, buf, sizeof buf);
        if (why)
            return gw_error_set(e, GW_E_PARAM_INVALID, name,
                                "the path segment {%s} %s; percent-encode UTF-8 text", name, why);
    }
    return GW_OK;
}

enum gw_err gw_route_query_check(const char *name, size_t name_len, const char *value,
                                 size_t value_len, struct gw_error *e)
{
    char buf[64];
    const char *why = gw_text_problem(name, name_len, false, buf, sizeof buf);
    if (why) /* the name cannot be shown: it is not text */
        return gw_error_set(e, GW_E_PARAM_INVALID, "",
                            "the name of a query parameter %s; percent-encode UTF-8 text", why);
    why = value ? gw_text_problem(value, value_len, true, buf, sizeof buf) : NULL;
    if (why)
        return gw_error_set(e, GW_E_PARAM_INVALID, name,
                            "the query parameter '%s' %s; percent-encode UTF-8 text", name, why);
    return GW_OK;
}
