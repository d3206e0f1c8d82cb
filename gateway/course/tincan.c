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
    for (size_t i = 0; it->identifier && i < c->rep->activity_id_count; i++) {
        if (strcmp(c->rep->activity_ids[i], it->identifier) == 0)
            gw_course_add(c, GW_F_TINCAN_ID_DUPLICATE, file, line,
                          "Activity id \"%s\" appears twice in tincan.xml; give each activity "
                          "its own id.",
                          it->identifier);
    }
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
