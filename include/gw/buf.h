/* A growable byte buffer, always NUL-terminated. The owner frees it with
 * gw_buf_free. Allocation failure aborts: the gateway cannot do anything
 * useful without memory, and every caller checking would hide real logic. */
#ifndef GW_BUF_H
#define GW_BUF_H

#include <stddef.h>

struct gw_buf {
    char *data; /* NULL until the first append */
    size_t len;
    size_t cap;
};

void gw_buf_append(struct gw_buf *b, const void *data, size_t len);
void gw_buf_puts(struct gw_buf *b, const char *s);
void gw_buf_printf(struct gw_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s (NULL: nothing) escaped for HTML text and quoted attribute
 * values: & < > " and ' as entities. */
void gw_buf_html(struct gw_buf *b, const char *s);
/* Appends s (NULL: nothing) with Slack mrkdwn's control characters & < >
 * as entities (all Slack asks to escape). */
void gw_buf_slack(struct gw_buf *b, const char *s);
/* Makes room for extra more bytes (plus the NUL) and returns where they go
 * (b->data + b->len); the caller writes them, adds their number to b->len
 * and stores the NUL at b->data[b->len]. */
char *gw_buf_reserve(struct gw_buf *b, size_t extra);
/* Empties the buffer, keeping its memory. */
void gw_buf_reset(struct gw_buf *b);
/* Frees the memory; the buffer can be used again afterwards. */
void gw_buf_free(struct gw_buf *b);
/* Returns the contents ("" when empty); valid until the next change. */
const char *gw_buf_str(const struct gw_buf *b);

/* Copies src (NULL reads as "") into dst of cap bytes, cut to fit. */
void gw_copy_str(char *dst, size_t cap, const char *src);

/* Allocation helpers that abort on failure (see above). */
void *gw_xmalloc(size_t n);
void *gw_xcalloc(size_t n, size_t size);
void *gw_xrealloc(void *p, size_t n);
/* Room for one more element in array p of n elements of size bytes with
 * capacity *cap: grows it (doubling, from 16) when n has reached *cap and
 * returns the array, which may have moved; aborts on OOM like gw_xrealloc.
 *   v = gw_xgrow(v, n, &cap, sizeof *v); v[n++] = x; */
void *gw_xgrow(void *p, size_t n, size_t *cap, size_t size);
/* qsort for arrays that may be empty: with fewer than two elements it does
 * nothing, so base may be NULL (qsort itself must not be given NULL). */
void gw_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));
char *gw_xstrdup(const char *s);
char *gw_xstrndup(const char *s, size_t n);

#endif
