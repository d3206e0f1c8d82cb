/* content.c: what importers do not check and course owners need. Flash
 * (.swf files, and launch pages that embed Flash, which browsers removed in
 * 2021); Section 508 / WCAG basics of the HTML launch pages as warnings (html
 * lang, a title, img alt, labels on form controls); files no resource
 * references, as info (SCORM only: cmi5 and tincan packages do not list their
 * files). Launch pages are read with a size cap and parsed by libxml2's HTML
 * parser without network access. */
#include "course_int.h"

#include "gw/buf.h"

#include <libxml/HTMLparser.h>
#include <stdlib.h>
#include <string.h>

struct page_scan {
    bool has_lang;
    bool has_title;
    size_t img_no_alt;
    unsigned img_line;
    size_t unlabeled;
    unsigned control_line;
    const char *control_name;
    unsigned flash_line;
    char **label_for; /* ids named by <label for> */
    size_t label_count;
};

static char *attr(const xmlNode *n, const char *name)
{
    return gw_course_xml_attr(n, NULL, name);
}

static bool has_nonempty_attr(const xmlNode *n, const char *name)
{
    char *v = attr(n, name);
    bool ok = v && *v;
    free(v);
    return ok;
}

static bool name_is(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && strcasecmp((const char *)n->name, name) == 0;
}

/* Calls fn on every element below root, without recursion. */
static void walk(const xmlNode *root, void (*fn)(const xmlNode *, struct page_scan *),
                 struct page_scan *ps)
{
    const xmlNode *cur = root;
    while (cur) {
        if (cur->type == XML_ELEMENT_NODE)
            fn(cur, ps);
        if (cur->children && cur->type == XML_ELEMENT_NODE) {
            cur = cur->children;
            continue;
        }
        while (cur && cur != root && !cur->next)
            cur = cur->parent;
        if (!cur || cur == root)
            break;
        cur = cur->next;
    }
}

static void collect_labels(const xmlNode *n, struct page_scan *ps)
{
    if (!name_is(n, "label"))
        return;
    char *f = attr(n, "for");
    if (!f || !*f) {
        free(f);
        return;
    }
    ps->label_for = gw_course_grow(ps->label_for, ps->label_count, sizeof(char *));
    ps->label_for[ps->label_count++] = f;
}

static bool is_flash_ref(const char *v)
{
    return v && (gw_course_ends_with_ci(v, ".swf") || strstr(v, ".swf?") ||
                 strstr(v, "shockwave-flash") || strstr(v, "swfobject"));
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool control_labeled(const xmlNode *n, const struct page_scan *ps)
{
    if (has_nonempty_attr(n, "aria-label") || has_nonempty_attr(n, "aria-labelledby") ||
        has_nonempty_attr(n, "title"))
        return true;
    for (const xmlNode *p = n->parent; p; p = p->parent) {
        if (name_is(p, "label"))
            return true;
    }
    char *id = attr(n, "id");
    bool found = id && *id && ps->label_count > 0 &&
                 bsearch(&id, ps->label_for, ps->label_count, sizeof(char *), cmp_str) != NULL;
    free(id);
    return found;
}

static void check_element(const xmlNode *n, struct page_scan *ps)
{
    unsigned line = gw_course_xml_line(n);
    if (name_is(n, "html")) {
        char *xl = gw_course_xml_attr(n, "http://www.w3.org/XML/1998/namespace", "lang");
        ps->has_lang =
            has_nonempty_attr(n, "lang") || has_nonempty_attr(n, "xml:lang") || (xl && *xl);
        free(xl);
    } else if (name_is(n, "title")) {
        char *t = gw_course_xml_text(n);
        ps->has_title = ps->has_title || *t;
        free(t);
    } else if (name_is(n, "img")) {
        char *alt = attr(n, "alt");
        if (!alt && ps->img_no_alt++ == 0)
            ps->img_line = line;
        free(alt);
    } else if (name_is(n, "input") || name_is(n, "select") || name_is(n, "textarea")) {
        char *type = name_is(n, "input") ? attr(n, "type") : NULL;
        bool needs = !type || (strcasecmp(type, "hidden") != 0 && strcasecmp(type, "submit") != 0 &&
                               strcasecmp(type, "button") != 0 && strcasecmp(type, "reset") != 0);
        bool ok = true;
        if (type && strcasecmp(type, "image") == 0)
            ok = has_nonempty_attr(n, "alt");
        else if (needs)
            ok = control_labeled(n, ps);
        if (!ok && ps->unlabeled++ == 0) {
            ps->control_line = line;
            ps->control_name = (const char *)n->name;
        }
        free(type);
    } else if (name_is(n, "embed") || name_is(n, "object") || name_is(n, "param") ||
               name_is(n, "script")) {
        char *src = attr(n, "src"), *data = attr(n, "data"), *type = attr(n, "type"),
             *value = attr(n, "value");
        bool flash =
            is_flash_ref(src) || is_flash_ref(data) || is_flash_ref(type) || is_flash_ref(value);
        if (!flash && name_is(n, "script") && n->children) {
            char *text = gw_course_xml_text(n);
            flash = strstr(text, "swfobject") || strstr(text, ".swf\"") || strstr(text, ".swf'");
            free(text);
        }
        if (flash && !ps->flash_line)
            ps->flash_line = line ? line : 1;
        free(src);
        free(data);
        free(type);
        free(value);
    }
}

static void report_page(struct gw_course_ctx *c, const char *page, const struct page_scan *ps)
{
    if (ps->flash_line)
        gw_course_add(c, GW_F_FLASH_LAUNCH_PAGE, page, ps->flash_line,
                      "%s embeds Flash, which no current browser plays, so learners see nothing; "
                      "republish the course as HTML5.",
                      page);
    if (!ps->has_lang)
        gw_course_add(c, GW_F_HTML_LANG_MISSING, page, 1,
                      "%s has no lang on <html>, so screen readers guess the language; add it, "
                      "for example <html lang=\"en\">.",
                      page);
    if (!ps->has_title)
        gw_course_add(c, GW_F_HTML_TITLE_MISSING, page, 1,
                      "%s has no <title>; give the page a title that names the course or "
                      "lesson.",
                      page);
    if (ps->img_no_alt)
        gw_course_add(c, GW_F_HTML_IMG_ALT_MISSING, page, ps->img_line,
                      "%s has %zu <img> without alt; describe each image in alt, or write "
                      "alt=\"\" when it is decoration.",
                      page, ps->img_no_alt);
    if (ps->unlabeled)
        gw_course_add(c, GW_F_HTML_CONTROL_LABEL_MISSING, page, ps->control_line,
                      "%s has %zu form control%s without a label (first: <%s>); add a <label "
                      "for=\"id\"> or aria-label.",
                      page, ps->unlabeled, ps->unlabeled == 1 ? "" : "s", ps->control_name);
}

static void check_page(struct gw_course_ctx *c, const char *page)
{
    long i = gw_course_find(c, page);
    if (i < 0)
        return;
    char *data = NULL;
    size_t len = 0;
    if (gw_course_read_file(c, (size_t)i, c->lim->max_html_bytes, &data, &len) != GW_READ_OK ||
        len > INT32_MAX) {
        free(data);
        return;
    }
    gw_course_xml_init();
    htmlDocPtr doc = htmlReadMemory(data, (int)len, page, NULL,
                                    HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                        HTML_PARSE_RECOVER);
    free(data);
    if (!doc)
        return;
    struct page_scan ps = {0};
    xmlNode *root = xmlDocGetRootElement(doc);
    if (root) {
        walk(root, collect_labels, &ps);
        if (ps.label_count > 1)
            gw_sort(ps.label_for, ps.label_count, sizeof(char *), cmp_str);
        walk(root, check_element, &ps);
        report_page(c, page, &ps);
    }
    for (size_t k = 0; k < ps.label_count; k++)
        free(ps.label_for[k]);
    free(ps.label_for);
    xmlFreeDoc(doc);
}

static bool control_document(const char *path)
{
    return !strchr(path, '/') &&
           (gw_course_ends_with_ci(path, ".xsd") || gw_course_ends_with_ci(path, ".dtd"));
}

void gw_course_content_check(struct gw_course_ctx *c, bool check_unreferenced)
{
    struct gw_course_report *r = c->rep;
    size_t swf = 0;
    const char *first_swf = NULL;
    for (size_t i = 0; i < r->file_count; i++) {
        if (gw_course_ends_with_ci(r->files[i].path, ".swf") && swf++ == 0)
            first_swf = r->files[i].path;
    }
    if (swf)
        gw_course_add(c, GW_F_FLASH_FILE, first_swf, 0,
                      "The package holds %zu Flash file%s (%s%s), which no current browser "
                      "plays; republish that content as HTML5 video or interactions.",
                      swf, swf == 1 ? "" : "s", first_swf, swf > 1 ? " and others" : "");
    if (c->za) {
        for (size_t i = 0; i < c->page_count; i++)
            check_page(c, c->pages[i]);
    }
    if (!check_unreferenced || !c->za)
        return;
    size_t shown = 0, more = 0;
    for (size_t i = 0; i < r->file_count; i++) {
        const struct gw_course_file *f = &r->files[i];
        if (f->referenced || f->is_dir || c->unsafe[i] || control_document(f->path))
            continue;
        if (shown < 20) {
            shown++;
            gw_course_add(c, GW_F_FILE_UNREFERENCED, f->path, 0,
                          "%s is in the zip but no resource lists it; list it in a <file> "
                          "element if the course uses it, or remove it.",
                          f->path);
        } else {
            more++;
        }
    }
    if (more)
        gw_course_add(c, GW_F_FILE_UNREFERENCED, NULL, 0,
                      "%zu more files are in the zip but no resource lists them; list them in "
                      "<file> elements if the course uses them, or remove them.",
                      more);
}
