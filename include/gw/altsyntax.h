/* The xAPI 1.0.3 alternate request syntax (Comm 1.3): POST ?method=X with an
 * application/x-www-form-urlencoded body that carries the request's headers,
 * the resource's parameters and its content. This module unpacks such a form
 * (gateway/http/altsyntax.c); the server decides when a request is one,
 * checks its URL and authorizes it. No libmicrohttpd here, so the parser can
 * be fuzzed (tests/fuzz/fuzz_alternate_syntax.c). */
#ifndef GW_ALTSYNTAX_H
#define GW_ALTSYNTAX_H

#include "gw/buf.h"
#include "gw/error.h"

#include <jansson.h>

struct gw_altsyntax {
    json_t *headers;       /* lower-case header name -> value, from the form */
    json_t *query;         /* the resource's parameters, from the form */
    struct gw_buf content; /* the form's 'content' field: the request's body */
};

/* Unpacks body (len bytes) sent with the real Content-Type content_type (may
 * be NULL; an empty body may come without one). The form's header fields
 * (Authorization, X-Experience-API-Version, Content-Type, Content-Length,
 * If-Match, If-None-Match, any case) become a->headers, 'content' the body,
 * every other field a->query after the checks of a query parameter
 * (gw_route_query_check). Errors: BAD_REQUEST (not a form, bad encoding),
 * XAPI_HEADER_INVALID (a header field holding a control byte), those of
 * gw_form_parse and gw_route_query_check. a->headers and a->query are set
 * (possibly partly filled) once the form parsed, even on a later error;
 * a->content only on success. The caller frees with gw_altsyntax_free. */
enum gw_err gw_altsyntax_parse(const char *content_type, const char *body, size_t len,
                               struct gw_altsyntax *a, struct gw_error *e);

/* Refuses the alternate syntax under xAPI 2.0, which removed it: version is
 * the form's X-Experience-API-Version, else the real header's (may be NULL);
 * method the one the request stands for (named in the error). */
enum gw_err gw_altsyntax_check_version(const char *version, const char *method, struct gw_error *e);

/* Frees what gw_altsyntax_parse filled; a stays reusable. */
void gw_altsyntax_free(struct gw_altsyntax *a);

#endif
