/* pgarray.c: PostgreSQL array literals (see pgarray.h). */
#include "pgarray.h"

#include <string.h>

static void sep(struct gw_pgarray *a)
{
    gw_buf_puts(&a->b, a->n++ ? "," : "{");
}

void gw_pgarray_text(struct gw_pgarray *a, const char *s)
{
    sep(a);
    if (!s) {
        gw_buf_puts(&a->b, "NULL");
        return;
    }
    size_t len = strlen(s), extra = 2;
    for (size_t i = 0; i < len; i++)
        extra += s[i] == '"' || s[i] == '\\';
    char *w = gw_buf_reserve(&a->b, len + extra);
    *w++ = '"';
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"' || s[i] == '\\')
            *w++ = '\\';
        *w++ = s[i];
    }
    *w = '"';
    a->b.len += len + extra;
    a->b.data[a->b.len] = '\0';
}

void gw_pgarray_int(struct gw_pgarray *a, int64_t v)
{
    sep(a);
    gw_buf_printf(&a->b, "%lld", (long long)v);
}

const char *gw_pgarray_str(struct gw_pgarray *a)
{
    if (!a->n && !a->b.len)
        return "{}";
    if (a->n) {
        gw_buf_puts(&a->b, "}");
        a->n = 0;
    }
    return gw_buf_str(&a->b);
}

void gw_pgarray_free(struct gw_pgarray *a)
{
    gw_buf_free(&a->b);
    a->n = 0;
}
