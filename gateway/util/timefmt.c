/* timefmt.c: UTC instants as ISO 8601 strings and back (see gw/timefmt.h). */
#include "gw/timefmt.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t gw_time_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct timespec gw_time_deadline(int64_t ms)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_sec += (time_t)(ms / 1000);
    t.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

int64_t gw_time_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Howard Hinnant's civil-from-days algorithm. */
int64_t gw_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

void gw_time_format_ms(int64_t ms, char out[32])
{
    /* floor division without negating ms (INT64_MIN has no negation) */
    int64_t days = ms / 86400000, rem = ms % 86400000;
    if (rem < 0) {
        days--;
        rem += 86400000;
    }
    int64_t y;
    unsigned mo, d;
    civil_from_days(days, &y, &mo, &d);
    int h = (int)(rem / 3600000), mi = (int)(rem / 60000 % 60), s = (int)(rem / 1000 % 60);
    int frac = (int)(rem % 1000);
    if (y >= 0 && y <= 9999) { /* the common case, without snprintf */
        static const char digits[] = "0123456789";
        unsigned yy = (unsigned)y;
        char *o = out;
        *o++ = digits[yy / 1000];
        *o++ = digits[yy / 100 % 10];
        *o++ = digits[yy / 10 % 10];
        *o++ = digits[yy % 10];
        const unsigned two[] = {mo, d, (unsigned)h, (unsigned)mi, (unsigned)s};
        const char sep[] = "--T::.";
        for (int i = 0; i < 5; i++) {
            *o++ = sep[i];
            *o++ = digits[two[i] / 10];
            *o++ = digits[two[i] % 10];
        }
        *o++ = '.';
        *o++ = digits[frac / 100];
        *o++ = digits[frac / 10 % 10];
        *o++ = digits[frac % 10];
        *o++ = 'Z';
        *o = '\0';
        return;
    }
    char tmp[96]; /* wide enough for any int64 year, so no truncation */
    snprintf(tmp, sizeof tmp, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ", (long long)y, mo, d, h, mi,
             s, frac);
    memcpy(out, tmp, 31);
    out[31] = '\0';
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static int days_in_month(int y, int m)
{
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dim[m - 1];
}

static bool parse_date_part(const char *s, int *y, int *mo, int *d)
{
    if (!digits(s, 4, y) || s[4] != '-' || !digits(s + 5, 2, mo) || s[7] != '-' ||
        !digits(s + 8, 2, d))
        return false;
    return *mo >= 1 && *mo <= 12 && *d >= 1 && *d <= days_in_month(*y, *mo);
}

bool gw_time_parse_date(const char *s, int64_t *ms_out)
{
    int y, mo, d;
    if (!s || strlen(s) != 10 || !parse_date_part(s, &y, &mo, &d))
        return false;
    *ms_out = gw_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400000;
    return true;
}

static bool parse_offset(const char *p, bool reject_negative_zero, int *off_min)
{
    if (*p == '\0') { /* no offset: read as UTC */
        *off_min = 0;
        return true;
    }
    if (*p == 'Z' || *p == 'z') {
        *off_min = 0;
        return p[1] == '\0';
    }
    if (*p != '+' && *p != '-')
        return false;
    int sign = *p == '-' ? -1 : 1;
    int oh = 0, om = 0;
    p++;
    if (!digits(p, 2, &oh))
        return false;
    p += 2;
    if (*p == ':')
        p++;
    if (*p) {
        if (!digits(p, 2, &om) || p[2] != '\0')
            return false;
    }
    if (oh > 23 || om > 59)
        return false;
    if (sign < 0 && oh == 0 && om == 0 && reject_negative_zero)
        return false;
    *off_min = sign * (oh * 60 + om);
    return true;
}

bool gw_time_parse_iso(const char *s, bool reject_negative_zero, int64_t *ms_out)
{
    int y, mo, d, h, mi, sec;
    if (!s || strlen(s) < 19 || !parse_date_part(s, &y, &mo, &d))
        return false;
    if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
        return false;
    if (!digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
        !digits(s + 17, 2, &sec))
        return false;
    if (h > 23 || mi > 59 || sec > 60)
        return false;
    const char *p = s + 19;
    int ms = 0;
    if (*p == '.') {
        p++;
        int n = 0;
        while (isdigit((unsigned char)*p)) {
            if (n < 3)
                ms = ms * 10 + (*p - '0');
            n++;
            p++;
        }
        if (n == 0)
            return false;
        for (int i = n; i < 3; i++)
            ms *= 10;
    }
    int off = 0;
    if (!parse_offset(p, reject_negative_zero, &off))
        return false;
    if (sec == 60)
        sec = 59; /* leap second: clamp, as most LRSs do */
    int64_t days = gw_days_from_civil(y, (unsigned)mo, (unsigned)d);
    *ms_out = ((days * 24 + h) * 60 + mi - off) * 60000 + (int64_t)sec * 1000 + ms;
    return true;
}
