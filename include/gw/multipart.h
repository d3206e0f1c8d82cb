/* MIME multipart bodies (RFC 2046), as xAPI sends statements with
 * attachments: split a buffered body into parts, each with its header block
 * and content. Parts point into the caller's buffer; nothing is copied. */
#ifndef GW_MULTIPART_H
#define GW_MULTIPART_H

#include "gw/error.h"

#include <stdbool.h>
#include <stddef.h>

struct gw_mpart {
    const char *headers; /* the part's header lines, without the blank line */
    size_t headers_len;
    const char *body;
    size_t body_len;
};

/* A parameter of a Content-Type value ("boundary", "charset"), unquoted, into
 * out. False when absent or too long. */
bool gw_content_type_param(const char *content_type, const char *name, char *out, size_t cap);
/* Whether content_type's media type (before ';') is type, case-insensitively. */
bool gw_content_type_is(const char *content_type, const char *type);

/* Splits body (len bytes) of the given multipart Content-Type into at most
 * cap parts; *n receives the count. Errors: GW_E_BAD_REQUEST with a detail
 * naming what is malformed (no boundary, no closing delimiter, too many
 * parts, a part without a header block). */
enum gw_err gw_multipart_parse(const char *content_type, const char *body, size_t len,
                               struct gw_mpart *parts, size_t cap, size_t *n, struct gw_error *err);
/* A header's value in a part (case-insensitive name), trimmed, into out. */
bool gw_mpart_header(const struct gw_mpart *p, const char *name, char *out, size_t cap);

#endif
