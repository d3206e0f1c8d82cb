/* Fuzz target: the small parsers of HTTP input the gateway runs before any
 * handler logic: Authorization headers (Bearer and Basic), form bodies (the
 * xAPI alternate syntax) and multipart bodies (xAPI attachments, package
 * uploads). The first byte picks the parser; the rest is the input. */
#include "gw/auth.h"
#include "gw/buf.h"
#include "gw/form.h"
#include "gw/http.h"
#include "gw/multipart.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned which = data[0] % 4;
    const char *in = (const char *)data + 1;
    size_t n = size - 1;
    struct gw_error e;
    if (which == 0) {
        char *h = gw_xstrndup(in, n);
        char id[32], secret[128];
        if (gw_auth_parse_credentials(h, id, sizeof id, secret, sizeof secret) &&
            (strlen(id) >= sizeof id || strlen(secret) >= sizeof secret))
            abort(); /* parsed parts must fit their buffers */
        free(h);
    } else if (which == 1) {
        json_decref(gw_form_parse(in, n, &e));
    } else if (which == 3) {
        /* a Range header for a file whose size the first byte sets; the
         * media type of the same text as a file name */
        uint64_t fsize = n ? (uint64_t)(unsigned char)in[0] * 997u : 0;
        char *h = gw_xstrndup(n ? in + 1 : in, n ? n - 1 : 0);
        uint64_t start = 0, len = 0;
        enum gw_range r = gw_http_range(h, fsize, &start, &len);
        if (r == GW_RANGE_PART && (len == 0 || start >= fsize || len > fsize - start))
            abort(); /* a part lies inside the file */
        if (r == GW_RANGE_NONE && (start != 0 || len != fsize))
            abort(); /* no range: the whole file */
        if (!gw_mime_type(h))
            abort();
        free(h);
    } else {
        /* the boundary is the text up to the first newline */
        const char *nl = memchr(in, '\n', n);
        size_t blen = nl ? (size_t)(nl - in) : 0;
        char ct[128];
        snprintf(ct, sizeof ct, "multipart/mixed; boundary=%.*s", (int)(blen < 70 ? blen : 70), in);
        struct gw_mpart parts[8];
        size_t np = 0;
        const char *body = nl ? nl + 1 : in;
        size_t bn = nl ? n - blen - 1 : n;
        if (gw_multipart_parse(ct, body, bn, parts, 8, &np, &e) == GW_OK) {
            char v[64];
            for (size_t i = 0; i < np; i++) {
                if (parts[i].body < body || parts[i].body + parts[i].body_len > body + bn)
                    abort(); /* parts stay inside the input */
                gw_mpart_header(&parts[i], "Content-Type", v, sizeof v);
            }
        }
    }
    return 0;
}
