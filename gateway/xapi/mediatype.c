/* mediatype.c: the media types the LRS takes from clients and later sends
 * back as a header (a document's Content-Type, an attachment part's
 * Content-Type), and which of them a browser may show inline. A type that
 * reaches a reply header must be a plain RFC 9110 media type: no control
 * byte (a CR or LF would split the header), no byte outside printable
 * ASCII. No HTTP here: api/ asks before it stores and before it replies. */
#include "gw/xapi.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

enum { MEDIA_TYPE_MAX = 255 };

/* RFC 9110 tchar */
static bool tchar(unsigned char c)
{
    return isalnum(c) || (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static const char *token(const char *p)
{
    while (tchar((unsigned char)*p))
        p++;
    return p;
}

static const char *ows(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* quoted-string without obs-text: "..." with printable ASCII, HTAB and
 * backslash escapes of the same. NULL when malformed. */
static const char *quoted(const char *p)
{
    p++; /* the opening quote */
    while (*p && *p != '"') {
        unsigned char c = (unsigned char)*p;
        if (c == '\\') {
            c = (unsigned char)p[1];
            p++;
        }
        if (c != '\t' && (c < 0x20 || c > 0x7e))
            return NULL;
        p++;
    }
    return *p == '"' ? p + 1 : NULL;
}

bool gw_xapi_media_type_valid(const char *ct)
{
    if (!ct || strlen(ct) > MEDIA_TYPE_MAX)
        return false;
    const char *p = token(ct);
    if (p == ct || *p != '/')
        return false;
    const char *sub = p + 1;
    p = token(sub);
    if (p == sub)
        return false;
    for (;;) {
        p = ows(p);
        if (*p == '\0')
            return true;
        if (*p != ';')
            return false;
        p = ows(p + 1);
        if (*p == '\0')
            return true; /* a trailing ';' is harmless */
        const char *name = p;
        p = token(p);
        if (p == name || *p != '=')
            return false;
        const char *value = p + 1;
        p = *value == '"' ? quoted(value) : token(value);
        if (!p || p == value)
            return false;
    }
}

bool gw_xapi_media_type_inline(const char *ct)
{
    static const char *const safe[] = {"application/json", "text/plain", "application/octet-stream",
                                       NULL};
    if (!gw_xapi_media_type_valid(ct))
        return false;
    size_t n = strcspn(ct, "; \t");
    for (const char *const *s = safe; *s; s++) {
        if (strlen(*s) == n && strncasecmp(ct, *s, n) == 0)
            return true;
    }
    return false;
}
