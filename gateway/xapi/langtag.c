/* langtag.c: RFC 5646 well-formedness of language tags (language map keys
 * and context.language). Checks the syntax only (subtag shapes and order,
 * private use, the irregular grandfathered tags), not the IANA registry. */
#include "gw/xapi.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static const char *const irregular[] = {
    "en-GB-oed", "i-ami", "i-bnn",     "i-default", "i-enochian", "i-hak",
    "i-klingon", "i-lux", "i-mingo",   "i-navajo",  "i-pwn",      "i-tao",
    "i-tay",     "i-tsu", "sgn-BE-FR", "sgn-BE-NL", "sgn-CH-DE",  NULL};

struct subtag {
    const char *s;
    size_t n;
};

static bool all(const struct subtag *t, int (*pred)(int))
{
    for (size_t i = 0; i < t->n; i++) {
        if (!pred((unsigned char)t->s[i]))
            return false;
    }
    return true;
}

static bool alpha(const struct subtag *t, size_t lo, size_t hi)
{
    return t->n >= lo && t->n <= hi && all(t, isalpha);
}

static bool alnum(const struct subtag *t, size_t lo, size_t hi)
{
    return t->n >= lo && t->n <= hi && all(t, isalnum);
}

/* Splits tag at '-' into at most cap subtags; false on an empty subtag. */
static bool split(const char *tag, struct subtag *out, size_t cap, size_t *count)
{
    size_t n = 0;
    const char *p = tag;
    for (;;) {
        const char *dash = strchr(p, '-');
        size_t len = dash ? (size_t)(dash - p) : strlen(p);
        if (len == 0 || n == cap)
            return false;
        out[n].s = p;
        out[n].n = len;
        n++;
        if (!dash)
            break;
        p = dash + 1;
    }
    *count = n;
    return true;
}

static bool privateuse(const struct subtag *t, size_t i, size_t n)
{
    /* "x" 1*("-" (1*8alphanum)) */
    if (i + 1 >= n)
        return false;
    for (i++; i < n; i++) {
        if (!alnum(&t[i], 1, 8))
            return false;
    }
    return true;
}

bool gw_xapi_langtag_valid(const char *tag)
{
    struct subtag t[64];
    char singletons[40] = "";
    size_t n = 0, i = 0;
    if (!tag || !*tag)
        return false;
    for (const char *const *g = irregular; *g; g++) {
        if (strcasecmp(*g, tag) == 0)
            return true;
    }
    if (!split(tag, t, sizeof t / sizeof t[0], &n))
        return false;
    if (t[0].n == 1 && (t[0].s[0] == 'x' || t[0].s[0] == 'X'))
        return privateuse(t, 0, n);
    /* language */
    if (alpha(&t[0], 2, 3)) {
        i = 1;
        for (int ext = 0; ext < 3 && i < n && alpha(&t[i], 3, 3); ext++)
            i++; /* extlang */
    } else if (alpha(&t[0], 4, 8)) {
        i = 1;
    } else {
        return false;
    }
    if (i < n && alpha(&t[i], 4, 4))
        i++; /* script */
    if (i < n && (alpha(&t[i], 2, 2) || (t[i].n == 3 && all(&t[i], isdigit))))
        i++; /* region */
    while (i < n && (alnum(&t[i], 5, 8) ||
                     (t[i].n == 4 && isdigit((unsigned char)t[i].s[0]) && alnum(&t[i], 4, 4))))
        i++; /* variants */
    while (i < n && t[i].n == 1 && isalnum((unsigned char)t[i].s[0]) && t[i].s[0] != 'x' &&
           t[i].s[0] != 'X') {
        /* extension: singleton 1*("-" 2*8alphanum); a singleton appears once */
        unsigned char single = (unsigned char)tolower((unsigned char)t[i].s[0]);
        if (strchr(singletons, single))
            return false;
        singletons[strlen(singletons)] = (char)single;
        size_t start = ++i;
        while (i < n && alnum(&t[i], 2, 8))
            i++;
        if (i == start)
            return false;
    }
    if (i < n && t[i].n == 1 && (t[i].s[0] == 'x' || t[i].s[0] == 'X'))
        return privateuse(t, i, n);
    return i == n;
}
