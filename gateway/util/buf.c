/* buf.c: growable buffers and aborting allocation helpers. */
#include "gw/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(void)
{
    fputs("{\"level\":\"fatal\",\"msg\":\"out of memory\"}\n", stderr);
    abort();
}

void *gw_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    return p;
}

void *gw_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom();
    return p;
}

void *gw_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom();
    return q;
}

void *gw_xgrow(void *p, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return p;
    *cap = *cap ? *cap * 2 : 16;
    return gw_xrealloc(p, *cap * size);
}

void gw_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
    if (n > 1)
        qsort(base, n, size, cmp);
}

char *gw_xstrdup(const char *s)
{
    return gw_xstrndup(s, strlen(s));
}

char *gw_xstrndup(const char *s, size_t n)
{
    char *p = gw_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static void reserve(struct gw_buf *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    b->data = gw_xrealloc(b->data, cap);
    b->cap = cap;
}

char *gw_buf_reserve(struct gw_buf *b, size_t extra)
{
    reserve(b, extra);
    b->data[b->len] = '\0'; /* still a string */
    return b->data + b->len;
}

void gw_buf_append(struct gw_buf *b, const void *data, size_t len)
{
    reserve(b, len);
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void gw_buf_puts(struct gw_buf *b, const char *s)
{
    gw_buf_append(b, s, strlen(s));
}

void gw_buf_printf(struct gw_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void gw_buf_reset(struct gw_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void gw_buf_free(struct gw_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

const char *gw_buf_str(const struct gw_buf *b)
{
    return b->data ? b->data : "";
}

void gw_copy_str(char *dst, size_t cap, const char *src)
{
    if (!cap)
        return;
    size_t n = src ? strnlen(src, cap - 1) : 0;
    if (n)
        memmove(dst, src, n);
    dst[n] = '\0';
}

void gw_buf_html(struct gw_buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            gw_buf_puts(b, "&amp;");
            break;
        case '<':
            gw_buf_puts(b, "&lt;");
            break;
        case '>':
            gw_buf_puts(b, "&gt;");
            break;
        case '"':
            gw_buf_puts(b, "&quot;");
            break;
        case '\'':
            gw_buf_puts(b, "&#39;");
            break;
        default:
            gw_buf_append(b, s, 1);
        }
    }
}

void gw_buf_slack(struct gw_buf *b, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '&')
            gw_buf_puts(b, "&amp;");
        else if (*s == '<')
            gw_buf_puts(b, "&lt;");
        else if (*s == '>')
            gw_buf_puts(b, "&gt;");
        else
            gw_buf_append(b, s, 1);
    }
}
