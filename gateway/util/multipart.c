/* multipart.c: splitting RFC 2046 multipart bodies (see gw/multipart.h). */
#include "gw/multipart.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

bool gw_content_type_is(const char *ct, const char *type)
{
    if (!ct)
        return false;
    while (*ct == ' ')
        ct++;
    size_t n = strlen(type);
    return strncasecmp(ct, type, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

bool gw_content_type_param(const char *ct, const char *name, char *out, size_t cap)
{
    if (!ct)
        return false;
    size_t nlen = strlen(name);
    for (const char *p = strchr(ct, ';'); p; p = strchr(p + 1, ';')) {
        const char *q = p + 1;
        while (*q == ' ' || *q == '\t')
            q++;
        if (strncasecmp(q, name, nlen) != 0 || q[nlen] != '=')
            continue;
        q += nlen + 1;
        size_t len;
        if (*q == '"') {
            q++;
            const char *end = strchr(q, '"');
            if (!end)
                return false;
            len = (size_t)(end - q);
        } else {
            len = strcspn(q, "; \t");
        }
        if (len == 0 || len >= cap)
            return false;
        memcpy(out, q, len);
        out[len] = '\0';
        return true;
    }
    return false;
}

static const char *find(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
    if (nlen == 0 || hlen < nlen)
        return NULL;
    return memmem(hay, hlen, needle, nlen);
}

enum gw_err gw_multipart_parse(const char *content_type, const char *body, size_t len,
                               struct gw_mpart *parts, size_t cap, size_t *n, struct gw_error *err)
{
    *n = 0;
    char boundary[80];
    if (!gw_content_type_param(content_type, "boundary", boundary, sizeof boundary))
        return gw_error_set(err, GW_E_BAD_REQUEST, "Content-Type",
                            "a multipart body needs a boundary parameter of 1 to 70 characters");
    char delim[96];
    int dlen = snprintf(delim, sizeof delim, "--%s", boundary);
    const char *end = body + len;
    const char *p = find(body, len, delim, (size_t)dlen);
    if (!p || (p != body && (p < body + 2 || p[-1] != '\n')))
        return gw_error_set(err, GW_E_BAD_REQUEST, "", "the body does not start with the boundary");
    for (;;) {
        p += dlen;
        if (end - p >= 2 && p[0] == '-' && p[1] == '-')
            return GW_OK; /* closing delimiter */
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (end - p >= 2 && p[0] == '\r' && p[1] == '\n')
            p += 2;
        else if (p < end && *p == '\n')
            p += 1;
        else
            return gw_error_set(err, GW_E_BAD_REQUEST, "", "a boundary line is malformed");
        /* The next delimiter must be at a line start: CRLF "--" boundary, as
         * RFC 2046 says, or a bare LF before it (bodies whose line ends were
         * converted, e.g. files checked out on Unix); the same for the blank
         * line after a part's headers. */
        char next[100];
        int nlen = snprintf(next, sizeof next, "\n%s", delim);
        const char *q = find(p, (size_t)(end - p), next, (size_t)nlen);
        if (!q)
            return gw_error_set(err, GW_E_BAD_REQUEST, "",
                                "part %zu has no closing boundary (--%s--)", *n + 1, boundary);
        const char *after = q + 1; /* the delimiter */
        if (q > p && q[-1] == '\r')
            q--; /* the part ends before the CRLF */
        if (*n >= cap)
            return gw_error_set(err, GW_E_BAD_REQUEST, "", "more than %zu parts", cap);
        const char *crlf = find(p, (size_t)(q - p), "\r\n\r\n", 4);
        const char *lf = find(p, (size_t)(q - p), "\n\n", 2);
        struct gw_mpart *part = &parts[(*n)++];
        if (crlf && (!lf || crlf < lf)) {
            part->headers = p;
            part->headers_len = (size_t)(crlf - p);
            part->body = crlf + 4;
        } else if (lf) {
            part->headers = p;
            part->headers_len = (size_t)(lf - p);
            part->body = lf + 2;
        } else if (q - p >= 2 && p[0] == '\r' && p[1] == '\n') {
            part->headers = p; /* no headers at all */
            part->headers_len = 0;
            part->body = p + 2;
        } else if (q - p >= 1 && p[0] == '\n') {
            part->headers = p;
            part->headers_len = 0;
            part->body = p + 1;
        } else {
            return gw_error_set(err, GW_E_BAD_REQUEST, "", "part %zu has no header block", *n);
        }
        part->body_len = (size_t)(q - part->body);
        p = after;
    }
}

bool gw_mpart_header(const struct gw_mpart *p, const char *name, char *out, size_t cap)
{
    size_t nlen = strlen(name);
    const char *s = p->headers, *end = p->headers + p->headers_len;
    while (s < end) {
        const char *eol = memchr(s, '\n', (size_t)(end - s));
        const char *le = eol ? eol : end;
        if ((size_t)(le - s) > nlen && strncasecmp(s, name, nlen) == 0 && s[nlen] == ':') {
            const char *v = s + nlen + 1;
            while (v < le && (*v == ' ' || *v == '\t'))
                v++;
            const char *ve = le;
            while (ve > v && isspace((unsigned char)ve[-1]))
                ve--;
            size_t len = (size_t)(ve - v);
            if (len >= cap)
                return false;
            memcpy(out, v, len);
            out[len] = '\0';
            return true;
        }
        s = eol ? eol + 1 : end;
    }
    return false;
}
