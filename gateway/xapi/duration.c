/* duration.c: ISO 8601 durations as xAPI uses them (Data 4.6):
 * P[nY][nM][nW][nD][T[nH][nM][nS]], components in this order, at least one,
 * a decimal fraction allowed on any component (precision beyond 0.01 s is
 * accepted: 2.0 forbids rejecting it and 1.0.3 only advises senders). Weeks
 * stand alone (PnW): ISO 8601 does not combine them with any other component,
 * so P4W1D or P2WT1H is refused. The alternative format (P0003-02-01T...) is
 * refused, as Data 4.6 requires. */
#include "gw/xapi.h"

#include <ctype.h>
#include <string.h>

/* Reads digits [ "." digits ] followed by one designator from allowed
 * (searched from *order on, to enforce the order). */
static bool component(const char **pp, const char *designators, size_t *order)
{
    const char *p = *pp;
    const char *start = p;
    while (isdigit((unsigned char)*p))
        p++;
    if (p == start)
        return false;
    if (*p == '.' || *p == ',') {
        const char *f = ++p;
        while (isdigit((unsigned char)*p))
            p++;
        if (p == f)
            return false;
    }
    const char *d = *p ? strchr(designators + *order, *p) : NULL;
    if (!d)
        return false;
    *order = (size_t)(d - designators) + 1;
    *pp = p + 1;
    return true;
}

bool gw_xapi_duration_valid(const char *dur)
{
    const char *p = dur;
    size_t order = 0, count = 0;
    if (!dur || *p++ != 'P')
        return false;
    bool weeks = false;
    while (*p && *p != 'T') {
        if (!component(&p, "YMWD", &order))
            return false;
        weeks = weeks || p[-1] == 'W';
        count++;
    }
    if (weeks)
        return count == 1 && *p == '\0';
    if (*p == 'T') {
        size_t tcount = 0;
        order = 0;
        p++;
        while (*p) {
            if (!component(&p, "HMS", &order))
                return false;
            tcount++;
        }
        if (tcount == 0)
            return false;
        count += tcount;
    }
    return count > 0;
}
