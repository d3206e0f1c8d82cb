/* href.c: references from a descriptor into the package. RFC 3986 reference
 * resolution (xml:base chains, dot segments), and the checks every standard
 * shares for an href: backslashes, leading slash, file:, external URLs,
 * climbing above the root, presence in the zip, and "differs only by case or
 * slash direction". Owns nothing but these rules; the descriptors decide
 * which hrefs to check. */
#include "course_int.h"

#include "gw/buf.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

bool gw_course_has_scheme(const char *s)
{
    if (!s || !isalpha((unsigned char)s[0]))
        return false;
    const char *p = s + 1;
    while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
        p++;
    return *p == ':';
}

/* Removes "." and ".." segments (RFC 3986 5.2.4). In a relative path a ".."
 * that would climb above the start is kept, so the caller can see it. */
static void remove_dots(struct gw_buf *out, const char *path, size_t len)
{
    bool absolute = len > 0 && path[0] == '/';
    size_t nseg = 0, cap = 8;
    const char **seg = gw_xmalloc(cap * sizeof *seg);
    size_t *seglen = gw_xmalloc(cap * sizeof *seglen);
    bool trailing = false;
    size_t i = absolute ? 1 : 0;
    while (i <= len) {
        size_t j = i;
        while (j < len && path[j] != '/')
            j++;
        const char *s = path + i;
        size_t n = j - i;
        trailing = false;
        bool push = false;
        if (n == 1 && s[0] == '.') {
            trailing = true;
        } else if (n == 2 && s[0] == '.' && s[1] == '.') {
            trailing = true;
            if (nseg > 0 && !(seglen[nseg - 1] == 2 && memcmp(seg[nseg - 1], "..", 2) == 0))
                nseg--;
            else if (!absolute)
                push = true;
        } else if (n == 0 && j == len) {
            trailing = true; /* the path ended with '/' */
        } else {
            push = true;
        }
        if (push) {
            if (nseg == cap) {
                cap *= 2;
                seg = gw_xrealloc(seg, cap * sizeof *seg);
                seglen = gw_xrealloc(seglen, cap * sizeof *seglen);
            }
            seg[nseg] = s;
            seglen[nseg++] = n;
        }
        i = j + 1;
    }
    if (absolute)
        gw_buf_puts(out, "/");
    for (size_t k = 0; k < nseg; k++) {
        if (k > 0)
            gw_buf_puts(out, "/");
        gw_buf_append(out, seg[k], seglen[k]);
    }
    if (trailing && nseg > 0)
        gw_buf_puts(out, "/");
    free(seg);
    free(seglen);
}

char *gw_course_uri_resolve(const char *base, const char *ref)
{
    if (gw_course_has_scheme(ref))
        return gw_xstrdup(ref);
    if (!base)
        base = "";
    struct gw_buf out = {0};
    size_t rlen = strcspn(ref, "?#");
    const char *suffix = ref + rlen;
    size_t blen = strcspn(base, "?#");
    size_t prefix = 0; /* scheme and authority of an absolute base */
    if (gw_course_has_scheme(base)) {
        prefix = (size_t)(strchr(base, ':') - base) + 1;
        if (strncmp(base + prefix, "//", 2) == 0)
            prefix += 2 + strcspn(base + prefix + 2, "/?#");
        if (strncmp(ref, "//", 2) == 0) {
            gw_buf_append(&out, base, (size_t)(strchr(base, ':') - base) + 1);
            gw_buf_puts(&out, ref);
            return out.data;
        }
    }
    gw_buf_append(&out, base, prefix);
    struct gw_buf merged = {0};
    if (rlen > 0 && ref[0] == '/') {
        gw_buf_append(&merged, ref, rlen);
    } else if (rlen == 0) {
        gw_buf_append(&merged, base + prefix, blen - prefix);
    } else {
        const char *bpath = base + prefix;
        size_t bplen = blen - prefix;
        if (prefix > 0 && bplen == 0 && strstr(base, "//")) {
            gw_buf_puts(&merged, "/");
        } else {
            size_t keep = bplen;
            while (keep > 0 && bpath[keep - 1] != '/')
                keep--;
            gw_buf_append(&merged, bpath, keep);
        }
        gw_buf_append(&merged, ref, rlen);
    }
    remove_dots(&out, gw_buf_str(&merged), merged.len);
    gw_buf_free(&merged);
    gw_buf_puts(&out, suffix);
    if (!out.data)
        gw_buf_puts(&out, "");
    return out.data;
}

static char *percent_decode(const char *s, size_t n)
{
    char *out = gw_xmalloc(n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
            isxdigit((unsigned char)s[i + 2])) {
            char hex[3] = {s[i + 1], s[i + 2], 0};
            out[k++] = (char)strtol(hex, NULL, 16);
            i += 2;
        } else {
            out[k++] = s[i];
        }
    }
    out[k] = '\0';
    return out;
}

static const char *role_noun(enum gw_href_role role)
{
    switch (role) {
    case GW_HREF_LAUNCH:
        return "launch file";
    case GW_HREF_METADATA:
        return "metadata file";
    case GW_HREF_FILE:
        break;
    }
    return "file";
}

static void describe(struct gw_buf *b, const char *base, const char *href)
{
    gw_buf_printf(b, "\"%s\"", href);
    if (base && *base)
        gw_buf_printf(b, " (with xml:base \"%s\")", base);
}

/* The resolved path is local: look it up and report what is wrong. */
static void check_local(struct gw_course_ctx *c, const char *base, const char *href,
                        const char *res, enum gw_href_role role, const char *file, unsigned line)
{
    struct gw_buf what = {0};
    describe(&what, base, href);
    size_t plen = strcspn(res, "?#");
    char *path = gw_xstrndup(res, plen);
    char *decoded = percent_decode(res, plen);
    long idx = gw_course_find(c, path);
    if (idx < 0)
        idx = gw_course_find(c, decoded);
    if (idx >= 0) {
        c->rep->files[idx].referenced = true;
        if (role == GW_HREF_LAUNCH && (gw_course_ends_with_ci(c->rep->files[idx].path, ".html") ||
                                       gw_course_ends_with_ci(c->rep->files[idx].path, ".htm")))
            gw_course_add_page(c, c->rep->files[idx].path);
        goto done;
    }
    long loose = gw_course_find_loose(c, path);
    if (loose < 0)
        loose = gw_course_find_loose(c, decoded);
    if (loose >= 0 && c->unsafe[loose]) {
        /* the entry was refused by a zip guard, which already said why */
        c->rep->files[loose].referenced = true;
        goto done;
    }
    if (loose >= 0) {
        c->rep->files[loose].referenced = true;
        gw_course_add(c, GW_F_HREF_CASE_MISMATCH, file, line,
                      "The href %s names %s, but the zip holds \"%s\"; web servers treat these "
                      "as different files, so make the letter case and slashes match exactly.",
                      gw_buf_str(&what), path, c->rep->files[loose].path);
        goto done;
    }
    if (c->za == NULL && c->rep->file_count <= 1 && role != GW_HREF_LAUNCH)
        goto done; /* a standalone descriptor: only launch files are checked */
    enum gw_finding_code code = role == GW_HREF_LAUNCH     ? GW_F_LAUNCH_FILE_MISSING
                                : role == GW_HREF_METADATA ? GW_F_METADATA_FILE_MISSING
                                                           : GW_F_FILE_MISSING;
    gw_course_add(c, code, file, line,
                  "The %s %s is not in the zip (the href %s); add the file to the package or "
                  "correct the href.",
                  role_noun(role), path, gw_buf_str(&what));
done:
    free(path);
    free(decoded);
    gw_buf_free(&what);
}

void gw_course_check_href(struct gw_course_ctx *c, const char *base, const char *href,
                          enum gw_href_role role, const char *file, unsigned line, char **resolved)
{
    if (resolved)
        *resolved = NULL;
    char *h = gw_course_trim_dup(href);
    char *res = NULL;
    if (!h || !*h)
        goto done;
    if (strchr(h, '\\')) {
        char *fixed = gw_xstrdup(h);
        for (char *p = fixed; *p; p++)
            *p = *p == '\\' ? '/' : *p;
        gw_course_add(c, GW_F_HREF_BACKSLASH, file, line,
                      "The href \"%s\" uses backslashes, which browsers and Linux servers do not "
                      "read as folder separators; write it as \"%s\".",
                      h, fixed);
        free(h);
        h = fixed;
    }
    if (strncasecmp(h, "file:", 5) == 0) {
        gw_course_add(c, GW_F_HREF_FILE_SCHEME, file, line,
                      "The href \"%s\" points at a file on the author's own disk; make it a "
                      "path relative to the package root.",
                      h);
        goto done;
    }
    if ((gw_course_has_scheme(h) && h[1] == ':') || h[0] == '/') {
        if (strncmp(h, "//", 2) != 0) {
            gw_course_add(c, GW_F_HREF_ABSOLUTE, file, line,
                          "The href \"%s\" is an absolute path, which points outside the "
                          "package once it is on a web server; make it relative to the "
                          "package root (no leading slash or drive letter).",
                          h);
            goto done;
        }
    }
    res = gw_course_uri_resolve(base, h);
    if (gw_course_has_scheme(res) || strncmp(res, "//", 2) == 0) {
        gw_course_add(c, GW_F_HREF_EXTERNAL, file, line,
                      "The href \"%s\" points to %s outside the package; the LMS and every "
                      "learner must be able to reach it, so include the file if you can.",
                      h, res);
        if (resolved) {
            *resolved = res;
            res = NULL;
        }
        goto done;
    }
    if (strcmp(res, "..") == 0 || strncmp(res, "../", 3) == 0) {
        struct gw_buf what = {0};
        describe(&what, base, h);
        gw_course_add(c, GW_F_HREF_OUTSIDE_PACKAGE, file, line,
                      "The href %s resolves to \"%s\", above the package root; keep every "
                      "referenced file inside the package.",
                      gw_buf_str(&what), res);
        gw_buf_free(&what);
        goto done;
    }
    check_local(c, base, h, res, role, file, line);
    if (resolved) {
        *resolved = res;
        res = NULL;
    }
done:
    free(res);
    free(h);
}
