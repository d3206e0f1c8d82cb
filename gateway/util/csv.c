/* csv.c: one CSV cell writer for all exports (see gw/csv.h). Owns quoting and
 * formula neutralisation; the row layouts live with their exports
 * (review/audit.c, kpi/kpi.c). */
#include "gw/csv.h"

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
