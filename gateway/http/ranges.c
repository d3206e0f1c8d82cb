/* ranges.c: what the content origin needs to serve files as a web server
 * would: the media type for a file name, and a Range request header
 * (RFC 9110 14.2) read into the one byte range it asks for. Pure functions:
 * no I/O, fuzzed with the other HTTP inputs (tests/fuzz/fuzz_http_inputs.c). */
#include "gw/http.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

const char *gw_mime_type(const char *name)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {"html", "text/html; charset=utf-8"},
        {"htm", "text/html; charset=utf-8"},
        {"xhtml", "application/xhtml+xml"},
        {"js", "text/javascript; charset=utf-8"},
        {"mjs", "text/javascript; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},
        {"json", "application/json"},
        {"xml", "application/xml"},
        {"xsd", "application/xml"},
        {"dtd", "application/xml-dtd"},
        {"txt", "text/plain; charset=utf-8"},
        {"csv", "text/csv; charset=utf-8"},
        {"vtt", "text/vtt; charset=utf-8"},
        {"srt", "text/plain; charset=utf-8"},
        {"png", "image/png"},
        {"jpg", "image/jpeg"},
        {"jpeg", "image/jpeg"},
        {"gif", "image/gif"},
        {"svg", "image/svg+xml"},
        {"webp", "image/webp"},
        {"avif", "image/avif"},
        {"bmp", "image/bmp"},
        {"ico", "image/vnd.microsoft.icon"},
        {"mp4", "video/mp4"},
        {"m4v", "video/mp4"},
        {"webm", "video/webm"},
        {"ogv", "video/ogg"},
        {"mov", "video/quicktime"},
        {"mp3", "audio/mpeg"},
        {"m4a", "audio/mp4"},
        {"aac", "audio/aac"},
        {"oga", "audio/ogg"},
        {"ogg", "audio/ogg"},
        {"wav", "audio/wav"},
        {"pdf", "application/pdf"},
        {"woff", "font/woff"},
        {"woff2", "font/woff2"},
        {"ttf", "font/ttf"},
        {"otf", "font/otf"},
        {"eot", "application/vnd.ms-fontobject"},
        {"wasm", "application/wasm"},
        {"swf", "application/x-shockwave-flash"},
        {"zip", "application/zip"},
    };
    const char *slash = strrchr(name, '/');
    const char *dot = strrchr(slash ? slash : name, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++) {
        if (strcasecmp(dot + 1, types[i].ext) == 0)
            return types[i].type;
    }
    return "application/octet-stream";
}

/* Reads decimal digits at *p into *v; false when there are none or the value
 * overflows. */
static bool number(const char **p, uint64_t *v)
{
    const char *s = *p;
    uint64_t n = 0;
    if (!isdigit((unsigned char)*s))
        return false;
    for (; isdigit((unsigned char)*s); s++) {
        unsigned d = (unsigned)(*s - '0');
        if (n > (UINT64_MAX - d) / 10)
            return false;
        n = n * 10 + d;
    }
    *p = s;
    *v = n;
    return true;
}

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

enum gw_range gw_http_range(const char *header, uint64_t size, uint64_t *start, uint64_t *len)
{
    *start = 0;
    *len = size;
    if (!header)
        return GW_RANGE_NONE;
    const char *p = skip_ws(header);
    if (strncasecmp(p, "bytes", 5) != 0)
        return GW_RANGE_NONE; /* another unit: ignored, as RFC 9110 allows */
    p = skip_ws(p + 5);
    if (*p != '=')
        return GW_RANGE_NONE;
    p = skip_ws(p + 1);
    uint64_t a = 0, b = 0;
    bool has_a = number(&p, &a);
    if (*p != '-')
        return GW_RANGE_NONE;
    p++;
    bool has_b = number(&p, &b);
    p = skip_ws(p);
    /* several ranges would need a multipart reply: the whole file answers
     * them (allowed), as does anything malformed */
    if (*p != '\0' || (!has_a && !has_b) || (has_a && has_b && b < a))
        return GW_RANGE_NONE;
    if (!has_a) { /* the last b bytes */
        if (b == 0)
            return GW_RANGE_UNSATISFIABLE;
        *start = b >= size ? 0 : size - b;
        *len = size - *start;
        return size == 0 ? GW_RANGE_UNSATISFIABLE : GW_RANGE_PART;
    }
    if (a >= size)
        return GW_RANGE_UNSATISFIABLE;
    uint64_t last = has_b && b < size - 1 ? b : size - 1;
    *start = a;
    *len = last - a + 1;
    return GW_RANGE_PART;
}
