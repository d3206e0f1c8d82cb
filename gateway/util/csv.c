/* csv.c: one CSV cell writer for all exports (see gw/csv.h). Owns quoting,
 * formula neutralisation and how numbers read; the row layouts live with
 * their exports (review/audit.c, kpi/kpi.c). */
#include "gw/csv.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

bool gw_csv_is_formula(const char *s)
{
    return s && s[0] && strchr("=+-@\t\r", s[0]) != NULL;
}

void gw_csv_cell(struct gw_buf *b, const char *s)
{
    if (!s)
        return;
    bool formula = gw_csv_is_formula(s);
    bool quote = formula || strpbrk(s, ",\"\r\n") != NULL;
    if (!quote) {
        gw_buf_puts(b, s);
        return;
    }
    gw_buf_puts(b, formula ? "\"'" : "\"");
    for (const char *p = s; *p;) {
        size_t run = strcspn(p, "\"");
        gw_buf_append(b, p, run);
        p += run;
        if (*p == '"') {
            gw_buf_puts(b, "\"\"");
            p++;
        }
    }
    gw_buf_puts(b, "\"");
}

void gw_csv_number(struct gw_buf *b, double v)
{
    if (!isfinite(v))
        return;
    double a = fabs(v);
    if (a < 1e15 && v == trunc(v)) {
        gw_buf_printf(b, "%.0f", v == 0 ? 0.0 : v); /* no "-0" */
        return;
    }
    int decimals = 5 - (int)floor(log10(a)); /* 6 significant digits */
    if (a >= 1 && decimals < 2)
        decimals = 2;
    if (decimals > 15)
        decimals = 15;
    char t[400]; /* DBL_MAX has 309 digits before the point */
    snprintf(t, sizeof t, "%.*f", decimals, v);
    char *point = strpbrk(t, ".,"); /* ',' in a locale that writes one */
    if (point) {
        *point = '.';
        size_t n = strlen(t);
        while (t[n - 1] == '0')
            t[--n] = '\0';
        if (t[n - 1] == '.')
            t[--n] = '\0';
    }
    gw_buf_puts(b, strcmp(t, "-0") == 0 ? "0" : t);
}
