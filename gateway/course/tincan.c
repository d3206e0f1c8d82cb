/* tincan.c: tincan.xml, the xAPI (Tin Can) package descriptor as Rustici's
 * prototypes, Articulate Storyline and Moodle's tincanlaunch use it (there is
 * no published XSD): <tincan><activities><activity id type> with <name>,
 * <description> and, for launchable activities, <launch>. Checks the root and
 * namespace, that activity ids are absolute IRIs, that some activity has a
 * launch and that each relative launch is in the zip. Fills the report's
 * title, identifier, launchable activities and activity IRIs. */
#include "course_int.h"

#include "gw/buf.h"
#include "gw/json.h"

#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

#define NS_TINCAN "http://projecttincan.com/tincan.xsd"

static char *child_text(const xmlNode *n, const char *ns, const char *name)
{
    for (xmlNode *k = gw_course_xml_first(n); k; k = gw_course_xml_next(k)) {
        if (gw_course_xml_is(k, ns, name))
            return gw_course_xml_text(k);
    }
    return NULL;
}

static void parse_activity(struct gw_course_ctx *c, const char *file, const char *ns, xmlNode *a,
                           size_t *launches)
{
    unsigned line = gw_course_xml_line(a);
    struct gw_course_item *it = gw_course_add_item(c, GW_ITEM_ACTIVITY, -1, 0, NULL);
    it->identifier = gw_course_xml_attr(a, NULL, "id");
    it->title = child_text(a, ns, "name");
    if (!it->identifier || !gw_is_absolute_iri(it->identifier))
        gw_course_add(c, GW_F_TINCAN_ACTIVITY_ID_INVALID, file, line,
                      "Activity id \"%s\" is not an absolute IRI; statements need an id such as "
                      "https://example.com/courses/safety.",
                      it->identifier ? it->identifier : "");
    gw_course_add_activity_id(c, it->identifier);
    xmlNode *launch = NULL;
    for (xmlNode *k = gw_course_xml_first(a); k; k = gw_course_xml_next(k)) {
        if (gw_course_xml_is(k, ns, "launch") && !launch)
            launch = k;
    }
    if (!launch)
        return;
    char *url = gw_course_xml_text(launch);
    if (*url) {
        (*launches)++;
        it->launchable = true;
        if (gw_course_has_scheme(url) && url[1] != ':')
            it->launch_url = gw_xstrdup(url);
        else
            gw_course_check_href(c, "", url, GW_HREF_LAUNCH, file, gw_course_xml_line(launch),
                                 &it->launch_url);
        if (!c->rep->title && it->title)
            c->rep->title = gw_xstrdup(it->title);
        if (!c->rep->identifier && it->identifier)
            c->rep->identifier = gw_xstrdup(it->identifier);
    }
    free(url);
}

struct seen {
    char *id;
    unsigned line;
    size_t order;
};

static int cmp_seen(const void *a, const void *b)
{
    const struct seen *x = a, *y = b;
    int r = strcmp(x->id, y->id);
    if (r != 0)
        return r;
    return x->order < y->order ? -1 : 1;
}

/* Sorting, not pairwise comparison: tincan.xml may list thousands. */
static void report_duplicate_ids(struct gw_course_ctx *c, const char *file, const char *ns,
                                 const xmlNode *acts)
{
    struct seen *all = NULL;
    size_t n = 0;
    for (xmlNode *a = gw_course_xml_first(acts); a; a = gw_course_xml_next(a)) {
        char *id = gw_course_xml_is(a, ns, "activity") ? gw_course_xml_attr(a, NULL, "id") : NULL;
        if (!id)
            continue;
        all = gw_course_grow(all, n, sizeof *all);
        all[n].id = id;
        all[n].line = gw_course_xml_line(a);
        all[n].order = n;
        n++;
    }
    if (n > 1)
        gw_sort(all, n, sizeof *all, cmp_seen);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && strcmp(all[i].id, all[i - 1].id) == 0)
            gw_course_add(c, GW_F_TINCAN_ID_DUPLICATE, file, all[i].line,
                          "Activity id \"%s\" appears more than once in tincan.xml; give each "
                          "activity its own id.",
                          all[i].id);
    }
    for (size_t i = 0; i < n; i++)
        free(all[i].id);
    free(all);
}

void gw_course_tincan_check(struct gw_course_ctx *c, const char *file, const char *data, size_t len)
{
    xmlDocPtr doc = gw_course_xml_parse(c, file, data, len);
    if (!doc)
        return;
    xmlNode *root = xmlDocGetRootElement(doc);
    const char *ns = root->ns ? (const char *)root->ns->href : NULL;
    xmlNode *acts = NULL;
    for (xmlNode *k = gw_course_xml_first(root); k; k = gw_course_xml_next(k)) {
        if (gw_course_xml_is(k, ns, "activities") && !acts)
            acts = k;
    }
    if (!gw_course_xml_is(root, NULL, "tincan") || !acts) {
        gw_course_add(c, GW_F_TINCAN_ROOT_INVALID, file, gw_course_xml_line(root),
                      "tincan.xml must be <tincan xmlns=\"%s\"><activities><activity ...>; this "
                      "one has <%s>%s.",
                      NS_TINCAN, (const char *)root->name, acts ? "" : " without <activities>");
        goto done;
    }
    if (!ns || strcmp(ns, NS_TINCAN) != 0)
        gw_course_add(c, GW_F_TINCAN_NAMESPACE, file, gw_course_xml_line(root),
                      "<tincan> is in namespace %s; declare xmlns=\"%s\" so every LMS reads it.",
                      ns ? ns : "(none)", NS_TINCAN);
    size_t count = 0, launches = 0;
    for (xmlNode *a = gw_course_xml_first(acts); a; a = gw_course_xml_next(a)) {
        if (!gw_course_xml_is(a, ns, "activity"))
            continue;
        count++;
        parse_activity(c, file, ns, a, &launches);
    }
    report_duplicate_ids(c, file, ns, acts);
    if (count == 0)
        gw_course_add(c, GW_F_TINCAN_NO_ACTIVITY, file, gw_course_xml_line(acts),
                      "<activities> lists no <activity>; add the course activity with its id, "
                      "name and launch page.");
    else if (launches == 0)
        gw_course_add(c, GW_F_TINCAN_NO_LAUNCH, file, gw_course_xml_line(acts),
                      "No activity has a <launch>, so the LMS cannot start the course; add "
                      "<launch lang=\"und\">index.html</launch> to the course activity.");
done:
    xmlFreeDoc(doc);
}
