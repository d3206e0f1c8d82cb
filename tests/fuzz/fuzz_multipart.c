/* fuzz_multipart: libFuzzer target for the multipart/mixed parser
 * (util/multipart.c) as POST /xapi/statements uses it for statements with
 * attachments. The input is the request's Content-Type header value (up to
 * the first newline) and then the body. Parts must lie inside the body, in
 * order and without overlap, and no part may contain the next delimiter
 * (a forged part); each part's headers are read as the statements handler
 * reads them. Must never crash, leak or trip a sanitizer. */
#include "gw/hash.h"
#include "gw/multipart.h"
#include "gw/xapi.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_PARTS 128 /* as api/xapi_statements.c */

static void read_part(const struct gw_mpart *p)
{
    char h[160], cte[64], pct[128], sha[GW_SHA256_HEX];
    if (gw_mpart_header(p, "Content-Type", pct, sizeof pct)) {
        gw_content_type_is(pct, "application/json");
        gw_xapi_media_type_valid(pct);
    }
    gw_mpart_header(p, "Content-Transfer-Encoding", cte, sizeof cte);
    if (gw_mpart_header(p, "X-Experience-API-Hash", h, sizeof h))
        gw_sha256_hex(p->body, p->body_len, sha);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    const char *nl = memchr(in, '\n', size);
    if (!nl || nl - in > 1024)
        return 0;
    char ct[1025];
    memcpy(ct, in, (size_t)(nl - in));
    ct[nl - in] = '\0';
    /* the body in its own allocation, so ASan sees a read past it */
    size_t len = size - (size_t)(nl - in) - 1;
    char *body = malloc(len ? len : 1);
    if (!body)
        return 0;
    memcpy(body, nl + 1, len);
    struct gw_mpart parts[MAX_PARTS];
    size_t n = 0;
    struct gw_error e;
    char boundary[80], delim[96];
    if (gw_multipart_parse(ct, body, len, parts, MAX_PARTS, &n, &e) == GW_OK) {
        if (n > MAX_PARTS || !gw_content_type_param(ct, "boundary", boundary, sizeof boundary))
            abort();
        int dlen = snprintf(delim, sizeof delim, "\n--%s", boundary);
        const char *prev_end = body;
        for (size_t i = 0; i < n; i++) {
            const struct gw_mpart *p = &parts[i];
            if (p->headers < prev_end || p->headers + p->headers_len > p->body ||
                p->body + p->body_len > body + len)
                abort(); /* parts in order, inside the body */
            if (memmem(p->body, p->body_len, delim, (size_t)dlen) ||
                memmem(p->headers, p->headers_len, delim, (size_t)dlen))
                abort(); /* a part that hides a delimiter */
            prev_end = p->body + p->body_len;
            read_part(p);
        }
    }
    free(body);
    return 0;
}
