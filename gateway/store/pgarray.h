/* pgarray.h: PostgreSQL arrays built element by element, to send a column
 * of many rows as one parameter (unnest($1::text[]) and the like): the
 * set-wise statements of xapi_bulk.c, terms.c and kpi.c. As a text literal
 * (struct gw_pgarray), or in the binary form the server reads without
 * parsing (struct gw_pgbin: array_recv; no quoting, no escapes, which
 * statement bodies full of quotes made a tenth of the server's time in
 * array_in). Private to gateway/store/. */
#ifndef GW_STORE_PGARRAY_H
#define GW_STORE_PGARRAY_H

#include "gw/buf.h"
#include "gw/store.h"

#include <stdbool.h>
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

/* A one-dimensional array in binary form, of elements of type oid (the
 * type the SQL casts the parameter to: GW_PGBIN_TEXT for $1::text[],
 * GW_PGBIN_INT8 for $1::bigint[]), sent as a binary parameter. */
enum { GW_PGBIN_INT8 = 20, GW_PGBIN_TEXT = 25 };
struct gw_pgbin {
    struct gw_buf b;
    size_t n;
    unsigned oid;
    bool nulls;
};

void gw_pgbin_init(struct gw_pgbin *a, unsigned oid);
/* Appends a text element (NULL as NULL); a GW_PGBIN_TEXT array. */
void gw_pgbin_text(struct gw_pgbin *a, const char *s);
/* Appends an integer; a GW_PGBIN_INT8 array. */
void gw_pgbin_int8(struct gw_pgbin *a, int64_t v);
/* The parameter (binary, valid until the next append or gw_pgbin_free). */
struct gw_dbp gw_pgbin_param(struct gw_pgbin *a);
void gw_pgbin_free(struct gw_pgbin *a);

#endif
