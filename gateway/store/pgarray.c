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

/* ---- binary (array_send's format) ---- */

enum { HEADER = 20 }; /* ndim, flags, element oid, length, lower bound */

static void put32(char *at, uint32_t v)
{
    at[0] = (char)(v >> 24);
    at[1] = (char)(v >> 16);
    at[2] = (char)(v >> 8);
    at[3] = (char)v;
}

void gw_pgbin_init(struct gw_pgbin *a, unsigned oid)
{
    memset(a, 0, sizeof *a);
    a->oid = oid;
    gw_buf_reserve(&a->b, HEADER);
    a->b.len = HEADER;
}

static void element(struct gw_pgbin *a, const void *data, int32_t len)
{
    char *w = gw_buf_reserve(&a->b, 4 + (len > 0 ? (size_t)len : 0));
    put32(w, (uint32_t)len);
    if (len > 0)
        memcpy(w + 4, data, (size_t)len);
    a->b.len += 4 + (len > 0 ? (size_t)len : 0);
    a->n++;
}

void gw_pgbin_text(struct gw_pgbin *a, const char *s)
{
    if (!s) {
        a->nulls = true;
        element(a, NULL, -1);
        return;
    }
    element(a, s, (int32_t)strlen(s));
}

void gw_pgbin_int8(struct gw_pgbin *a, int64_t v)
{
    char be[8];
    put32(be, (uint32_t)((uint64_t)v >> 32));
    put32(be + 4, (uint32_t)v);
    element(a, be, 8);
}

struct gw_dbp gw_pgbin_param(struct gw_pgbin *a)
{
    char *h = a->b.data;
    /* an empty array has no dimension: ndim 0 and the rest unread */
    put32(h, a->n ? 1 : 0);
    put32(h + 4, a->nulls ? 1 : 0);
    put32(h + 8, a->oid);
    put32(h + 12, (uint32_t)a->n);
    put32(h + 16, 1);
    return GW_P_BLOB(h, a->n ? a->b.len : 12);
}

void gw_pgbin_free(struct gw_pgbin *a)
{
    gw_buf_free(&a->b);
    a->n = 0;
}
