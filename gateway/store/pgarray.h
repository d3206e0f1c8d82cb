/* pgarray.h: PostgreSQL array literals built element by element, to send a
 * column of many rows as one text parameter (unnest($1::text[]) and the
 * like): the set-wise statements of xapi_bulk.c, terms.c and kpi.c. Private
 * to gateway/store/. */
#ifndef GW_STORE_PGARRAY_H
#define GW_STORE_PGARRAY_H

#include "gw/buf.h"

#include <stddef.h>
#include <stdint.h>

struct gw_pgarray {
    struct gw_buf b;
    size_t n; /* elements so far */
};

/* Appends a text element (quoted, " and \ escaped; NULL as NULL). */
void gw_pgarray_text(struct gw_pgarray *a, const char *s);
void gw_pgarray_int(struct gw_pgarray *a, int64_t v);
/* The literal ("{}" when empty); closes the array: nothing may be appended
 * afterwards. Valid until gw_pgarray_free. */
const char *gw_pgarray_str(struct gw_pgarray *a);
void gw_pgarray_free(struct gw_pgarray *a);

#endif
