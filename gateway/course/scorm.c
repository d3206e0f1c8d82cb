/* scorm.c: imsmanifest.xml for SCORM 1.2 and SCORM 2004 2nd/3rd/4th edition.
 * Detects the version from <schemaversion> and the namespaces and checks that
 * they agree; checks the structure the ADL conformance suite enforces (one
 * metadata/organizations/resources, unique identifiers, the default
 * organization, leaf and non-leaf items, identifierref and dependency
 * resolution, scormType, mastery scores, sequencing only in 2004) and every
 * href and metadata location through href.c with xml:base resolved. Fills the
 * report's title, identifier, version, organizations, items and launch URLs. */
#include "course_int.h"

#include "gw/buf.h"

#include <libxml/tree.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NS_CP12 "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
#define NS_CP2004 "http://www.imsglobal.org/xsd/imscp_v1p1"
#define NS_ADLCP12 "http://www.adlnet.org/xsd/adlcp_rootv1p2"
#define NS_ADLCP2004 "http://www.adlnet.org/xsd/adlcp_v1p3"
#define NS_IMSSS "http://www.imsglobal.org/xsd/imsss"
#define NS_ADLSEQ "http://www.adlnet.org/xsd/adlseq_v1p3"
#define NS_ADLNAV "http://www.adlnet.org/xsd/adlnav_v1p3"
#define NS_XML "http://www.w3.org/XML/1998/namespace"

struct scorm_res {
    char *id;
    char *href;
    char *scorm_type;
    char *launch; /* resolved href */
    unsigned line;
    bool referenced;
};

struct ident {
    const char *id; /* borrowed from the document's copy below */
    char *owned;
    unsigned line;
};

struct res_ref {
    const char *id; /* borrowed from struct scorm_res */
    size_t index;
};

struct scorm_ctx {
    struct gw_course_ctx *c;
    const char *file;
    const char *cp;    /* content-packaging namespace of the root, NULL when none */
    const char *adlcp; /* adlcp namespace of the detected version */
    bool v12;
    struct scorm_res *res;
    size_t res_count;
    struct res_ref *by_id;
    size_t by_id_count;
    struct ident *ids;
    size_t id_count;
};

static void note_id(struct scorm_ctx *s, char *id, unsigned line)
{
    if (!id || !*id)
        return;
    s->ids = gw_course_grow(s->ids, s->id_count, sizeof *s->ids);
    s->ids[s->id_count].owned = gw_xstrdup(id);
    s->ids[s->id_count].id = s->ids[s->id_count].owned;
    s->ids[s->id_count].line = line;
    s->id_count++;
}

static int cmp_ident(const void *a, const void *b)
{
    const struct ident *x = a, *y = b;
    int r = strcmp(x->id, y->id);
    if (r != 0)
        return r;
    return x->line < y->line ? -1 : (x->line > y->line);
}

static void check_unique_ids(struct scorm_ctx *s)
{
    gw_sort(s->ids, s->id_count, sizeof *s->ids, cmp_ident);
    for (size_t i = 1; i < s->id_count; i++) {
        if (strcmp(s->ids[i].id, s->ids[i - 1].id) != 0)
            continue;
        if (i >= 2 && strcmp(s->ids[i].id, s->ids[i - 2].id) == 0)
            continue;
        gw_course_add(s->c, GW_F_IDENTIFIER_DUPLICATE, s->file, s->ids[i].line,
                      "The identifier \"%s\" is used on line %u and again on line %u; every "
                      "identifier in the manifest must be unique, so rename one of them.",
                      s->ids[i].id, s->ids[i - 1].line, s->ids[i].line);
    }
}

static bool parse_number(const char *text, double *out)
{
    if (!text || !*text)
        return false;
    char *end = NULL;
    double v = strtod(text, &end);
    if (!end || *end != '\0' || isnan(v) || isinf(v))
        return false;
    *out = v;
    return true;
}

/* Children of parent named name in the content-packaging namespace. */
static size_t count_children(const struct scorm_ctx *s, const xmlNode *parent, const char *name,
                             xmlNode **first)
{
    size_t n = 0;
    *first = NULL;
    for (xmlNode *k = gw_course_xml_first(parent); k; k = gw_course_xml_next(k)) {
        if (gw_course_xml_is(k, s->cp, name)) {
            if (n++ == 0)
                *first = k;
        }
    }
    return n;
}

/* One required, unique child; reports and returns NULL when missing. */
static xmlNode *one_child(struct scorm_ctx *s, const xmlNode *parent, const char *name,
                          bool required)
{
    xmlNode *first = NULL;
    size_t n = count_children(s, parent, name, &first);
    if (n == 0 && required)
        gw_course_add(s->c, GW_F_SCORM_ELEMENT_MISSING, s->file, gw_course_xml_line(parent),
                      "<%s> has no <%s>; add one, as the SCORM content packaging schema "
                      "requires.",
                      (const char *)parent->name, name);
    if (n > 1)
        gw_course_add(s->c, GW_F_SCORM_ELEMENT_REPEATED, s->file, gw_course_xml_line(parent),
                      "<%s> has %zu <%s> elements; keep exactly one.", (const char *)parent->name,
                      n, name);
    return first;
}

/* The base for the children of n: its xml:base resolved against parent_base. */
static char *chain_base(struct scorm_ctx *s, const xmlNode *n, const char *parent_base)
{
    char *b = gw_course_xml_attr(n, NS_XML, "base");
    if (!b)
        return gw_xstrdup(parent_base ? parent_base : "");
    if (strchr(b, '\\') || b[0] == '/' || (*b && b[strlen(b) - 1] != '/'))
        gw_course_add(s->c, GW_F_XML_BASE_INVALID, s->file, gw_course_xml_line(n),
                      "xml:base=\"%s\" on <%s> must be a relative folder path with forward "
                      "slashes that ends with '/' (for example \"shared/\").",
                      b, (const char *)n->name);
    char *r = *b ? gw_course_uri_resolve(parent_base, b) : gw_xstrdup(parent_base);
    free(b);
    return r;
}

static void check_location(struct scorm_ctx *s, const xmlNode *metadata, const char *base)
{
    for (xmlNode *k = gw_course_xml_first(metadata); k; k = gw_course_xml_next(k)) {
        if (!gw_course_xml_is(k, NULL, "location") || !k->ns ||
            (strcmp((const char *)k->ns->href, NS_ADLCP12) != 0 &&
             strcmp((const char *)k->ns->href, NS_ADLCP2004) != 0))
            continue;
        char *loc = gw_course_xml_text(k);
        gw_course_check_href(s->c, base, loc, GW_HREF_METADATA, s->file, gw_course_xml_line(k),
                             NULL);
        free(loc);
    }
}

static void check_metadata_children(struct scorm_ctx *s, const xmlNode *parent, const char *base)
{
    for (xmlNode *k = gw_course_xml_first(parent); k; k = gw_course_xml_next(k)) {
        if (gw_course_xml_is(k, s->cp, "metadata"))
            check_location(s, k, base);
    }
}

/* ---- version detection ---- */

static bool detect_version(struct scorm_ctx *s, xmlNode *root)
{
    struct gw_course_ctx *c = s->c;
    const char *ns = root->ns ? (const char *)root->ns->href : NULL;
    bool ns12 = ns && strcmp(ns, NS_CP12) == 0;
    bool ns2004 = ns && strcmp(ns, NS_CP2004) == 0;
    if (strcmp((const char *)root->name, "manifest") != 0 || (ns && !ns12 && !ns2004)) {
        gw_course_add(c, GW_F_SCORM_ROOT_INVALID, s->file, gw_course_xml_line(root),
                      "The root element is <%s> in namespace %s; a SCORM manifest is <manifest> "
                      "in %s (SCORM 2004) or %s (SCORM 1.2).",
                      (const char *)root->name, ns ? ns : "(none)", NS_CP2004, NS_CP12);
        return false;
    }
    s->cp = ns;
    xmlNode *md = one_child(s, root, "metadata", ns2004);
    xmlNode *sv = md ? one_child(s, md, "schemaversion", false) : NULL;
    char *ver = sv ? gw_course_xml_text(sv) : NULL;
    unsigned line = sv ? gw_course_xml_line(sv) : gw_course_xml_line(md ? md : root);
    int said = 0; /* 12 or 2004 */
    const char *edition = NULL;
    if (ver) {
        c->rep->schemaversion = gw_xstrdup(ver);
        if (strcmp(ver, "1.2") == 0) {
            said = 12;
        } else if (strcmp(ver, "CAM 1.3") == 0) {
            said = 2004;
            edition = "2nd";
        } else if (strcmp(ver, "2004 3rd Edition") == 0) {
            said = 2004;
            edition = "3rd";
        } else if (strcmp(ver, "2004 4th Edition") == 0) {
            said = 2004;
            edition = "4th";
        } else {
            gw_course_add(c, GW_F_SCHEMAVERSION_UNKNOWN, s->file, line,
                          "<schemaversion>%s</schemaversion> is not a SCORM version; write 1.2, "
                          "CAM 1.3, 2004 3rd Edition or 2004 4th Edition.",
                          ver);
        }
    } else {
        gw_course_add_sev(c, GW_F_SCHEMAVERSION_MISSING, ns2004 ? GW_SEV_ERROR : GW_SEV_WARNING,
                          s->file, line,
                          "The manifest has no <metadata><schema>ADL SCORM</schema>"
                          "<schemaversion>; add it (1.2, or 2004 4th Edition) so every LMS "
                          "runs the course with the right SCORM version.");
    }
    if ((said == 2004 && ns12) || (said == 12 && ns2004))
        gw_course_add(c, GW_F_SCHEMAVERSION_NAMESPACE_MISMATCH, s->file, line,
                      "<schemaversion> says \"%s\" but the root <manifest> is in the SCORM %s "
                      "namespace %s; export again for one SCORM version, so the schemaversion "
                      "and namespaces agree.",
                      ver, ns12 ? "1.2" : "2004", ns);
    if (!ns)
        gw_course_add(c, GW_F_SCORM_NAMESPACE_MISSING, s->file, gw_course_xml_line(root),
                      "<manifest> declares no namespace; add xmlns=\"%s\" (SCORM 2004) or "
                      "xmlns=\"%s\" (SCORM 1.2).",
                      NS_CP2004, NS_CP12);
    s->v12 = ns ? ns12 : said != 2004;
    s->adlcp = s->v12 ? NS_ADLCP12 : NS_ADLCP2004;
    c->rep->standard = s->v12 ? GW_STD_SCORM12 : GW_STD_SCORM2004;
    if (!s->v12 && said == 2004)
        c->rep->edition = gw_xstrdup(edition);
    free(ver);
    return true;
}

/* ---- resources ---- */

static void check_scorm_type(struct scorm_ctx *s, const xmlNode *r, struct scorm_res *out)
{
    const char *attr = s->v12 ? "scormtype" : "scormType";
    char *t = gw_course_xml_attr(r, s->adlcp, attr);
    if (!t) {
        /* say what was found instead, when it is a near miss */
        const char *other_attr = s->v12 ? "scormType" : "scormtype";
        const char *other_ns = s->v12 ? NS_ADLCP2004 : NS_ADLCP12;
        char *near = gw_course_xml_attr(r, s->adlcp, other_attr);
        if (!near)
            near = gw_course_xml_attr(r, other_ns, other_attr);
        gw_course_add(s->c, GW_F_SCORMTYPE_MISSING, s->file, gw_course_xml_line(r),
                      "Resource \"%s\" has no adlcp:%s (namespace %s)%s; add adlcp:%s=\"sco\" "
                      "for content that talks to the LMS, or \"asset\" for plain files.",
                      out->id ? out->id : "?", attr, s->adlcp,
                      near ? ", only a spelling from the other SCORM version" : "", attr);
        free(near);
        return;
    }
    if (strcmp(t, "sco") != 0 && strcmp(t, "asset") != 0)
        gw_course_add(s->c, GW_F_SCORMTYPE_INVALID, s->file, gw_course_xml_line(r),
                      "Resource \"%s\" has adlcp:%s=\"%s\"; the value must be \"sco\" or "
                      "\"asset\" (lower case).",
                      out->id ? out->id : "?", attr, t);
    out->scorm_type = t;
}

static void parse_resource(struct scorm_ctx *s, xmlNode *r, const char *base_rs)
{
    struct scorm_res *out = &s->res[s->res_count++];
    memset(out, 0, sizeof *out);
    out->line = gw_course_xml_line(r);
    out->id = gw_course_xml_attr(r, NULL, "identifier");
    if (!out->id || !*out->id)
        gw_course_add(s->c, GW_F_IDENTIFIER_MISSING, s->file, out->line,
                      "A <resource> has no identifier; give it one that is unique in the "
                      "manifest.");
    note_id(s, out->id, out->line);
    char *type = gw_course_xml_attr(r, NULL, "type");
    if (!type || !*type)
        gw_course_add(s->c, GW_F_RESOURCE_TYPE_MISSING, s->file, out->line,
                      "Resource \"%s\" has no type attribute; add type=\"webcontent\".",
                      out->id ? out->id : "?");
    free(type);
    check_scorm_type(s, r, out);
    char *base = chain_base(s, r, base_rs);
    out->href = gw_course_xml_attr(r, NULL, "href");
    if (out->href && *out->href)
        gw_course_check_href(s->c, base, out->href, GW_HREF_LAUNCH, s->file, out->line,
                             &out->launch);
    for (xmlNode *k = gw_course_xml_first(r); k; k = gw_course_xml_next(k)) {
        if (gw_course_xml_is(k, s->cp, "file")) {
            char *href = gw_course_xml_attr(k, NULL, "href");
            if (!href || !*href)
                gw_course_add(s->c, GW_F_SCORM_ELEMENT_MISSING, s->file, gw_course_xml_line(k),
                              "A <file> in resource \"%s\" has no href; add the file's path.",
                              out->id ? out->id : "?");
            else
                gw_course_check_href(s->c, base, href, GW_HREF_FILE, s->file, gw_course_xml_line(k),
                                     NULL);
            free(href);
            check_metadata_children(s, k, base);
        } else if (gw_course_xml_is(k, s->cp, "metadata")) {
            check_location(s, k, base);
        }
    }
    free(base);
}

static int cmp_res_ref(const void *a, const void *b)
{
    const struct res_ref *x = a, *y = b;
    int r = strcmp(x->id, y->id);
    if (r != 0)
        return r;
    return x->index < y->index ? -1 : 1;
}

/* Resources by identifier, so that lookups stay O(log n) on hostile manifests. */
static void index_resources(struct scorm_ctx *s)
{
    s->by_id = gw_xmalloc((s->res_count + 1) * sizeof *s->by_id);
    for (size_t i = 0; i < s->res_count; i++) {
        if (!s->res[i].id)
            continue;
        s->by_id[s->by_id_count].id = s->res[i].id;
        s->by_id[s->by_id_count++].index = i;
    }
    gw_sort(s->by_id, s->by_id_count, sizeof *s->by_id, cmp_res_ref);
}

/* The first resource with this identifier, or NULL. */
static struct scorm_res *find_res(struct scorm_ctx *s, const char *id)
{
    if (!id)
        return NULL;
    size_t lo = 0, hi = s->by_id_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(s->by_id[mid].id, id) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < s->by_id_count && strcmp(s->by_id[lo].id, id) == 0)
        return &s->res[s->by_id[lo].index];
    return NULL;
}

static void check_dependencies(struct scorm_ctx *s, xmlNode *resources)
{
    for (xmlNode *r = gw_course_xml_first(resources); r; r = gw_course_xml_next(r)) {
        if (!gw_course_xml_is(r, s->cp, "resource"))
            continue;
        for (xmlNode *k = gw_course_xml_first(r); k; k = gw_course_xml_next(k)) {
            if (!gw_course_xml_is(k, s->cp, "dependency"))
                continue;
            char *ref = gw_course_xml_attr(k, NULL, "identifierref");
            struct scorm_res *target = find_res(s, ref);
            if (target)
                target->referenced = true;
            else
                gw_course_add(s->c, GW_F_DEPENDENCY_UNRESOLVED, s->file, gw_course_xml_line(k),
                              "<dependency identifierref=\"%s\"> names no <resource>; add that "
                              "resource or correct the identifierref.",
                              ref ? ref : "");
            free(ref);
        }
    }
}

static void parse_resources(struct scorm_ctx *s, xmlNode *resources, const char *base_m)
{
    char *base_rs = chain_base(s, resources, base_m);
    size_t n = 0;
    for (xmlNode *r = gw_course_xml_first(resources); r; r = gw_course_xml_next(r))
        n += gw_course_xml_is(r, s->cp, "resource");
    s->res = gw_xcalloc(n + 1, sizeof *s->res);
    for (xmlNode *r = gw_course_xml_first(resources); r; r = gw_course_xml_next(r)) {
        if (gw_course_xml_is(r, s->cp, "resource"))
            parse_resource(s, r, base_rs);
    }
    index_resources(s);
    check_dependencies(s, resources);
    free(base_rs);
}

/* ---- organizations and items ---- */

static char *with_parameters(const char *launch, const char *params)
{
    struct gw_buf b = {0};
    gw_buf_puts(&b, launch);
    if (params && *params) {
        if (params[0] == '#') {
            gw_buf_puts(&b, params);
        } else {
            while (*params == '?' || *params == '&')
                params++;
            gw_buf_puts(&b, strchr(launch, '?') ? "&" : "?");
            gw_buf_puts(&b, params);
        }
    }
    return b.data;
}

static void item_mastery(struct scorm_ctx *s, const xmlNode *item, struct gw_course_item *it)
{
    for (xmlNode *k = gw_course_xml_first(item); k; k = gw_course_xml_next(k)) {
        if (s->v12 && gw_course_xml_is(k, NS_ADLCP12, "masteryscore")) {
            char *t = gw_course_xml_text(k);
            double v = 0;
            if (!parse_number(t, &v) || v < 0 || v > 100)
                gw_course_add(s->c, GW_F_MASTERY_SCORE_INVALID, s->file, gw_course_xml_line(k),
                              "adlcp:masteryscore \"%s\" is not a number from 0 to 100; write "
                              "the passing score as a percentage, such as 80.",
                              t);
            else {
                it->has_mastery = true;
                it->mastery_score = v;
            }
            free(t);
        }
        if (!s->v12 && gw_course_xml_is(k, NS_IMSSS, "sequencing")) {
            xmlNode *objs = NULL;
            for (xmlNode *o = gw_course_xml_first(k); o; o = gw_course_xml_next(o))
                if (gw_course_xml_is(o, NS_IMSSS, "objectives"))
                    objs = o;
            for (xmlNode *p = gw_course_xml_first(objs); p; p = gw_course_xml_next(p)) {
                if (!gw_course_xml_is(p, NS_IMSSS, "primaryObjective"))
                    continue;
                char *by = gw_course_xml_attr(p, NULL, "satisfiedByMeasure");
                for (xmlNode *m = gw_course_xml_first(p); m; m = gw_course_xml_next(m)) {
                    if (!gw_course_xml_is(m, NS_IMSSS, "minNormalizedMeasure"))
                        continue;
                    char *t = gw_course_xml_text(m);
                    double v = 0;
                    if (!parse_number(t, &v) || v < -1 || v > 1)
                        gw_course_add(s->c, GW_F_MASTERY_SCORE_INVALID, s->file,
                                      gw_course_xml_line(m),
                                      "imsss:minNormalizedMeasure \"%s\" is not a number from "
                                      "-1 to 1; write the passing score as a fraction, such as "
                                      "0.8.",
                                      t);
                    else if (by && strcmp(by, "true") == 0) {
                        it->has_mastery = true;
                        it->mastery_score = v;
                    }
                    free(t);
                }
                free(by);
            }
        }
    }
}

static void parse_item(struct scorm_ctx *s, xmlNode *item, const char *org, int parent,
                       unsigned depth)
{
    struct gw_course_ctx *c = s->c;
    unsigned line = gw_course_xml_line(item);
    int index = 0;
    struct gw_course_item *it = gw_course_add_item(c, GW_ITEM_SCORM, parent, depth, &index);
    it->identifier = gw_course_xml_attr(item, NULL, "identifier");
    it->organization = org ? gw_xstrdup(org) : NULL;
    const char *label = it->identifier ? it->identifier : "?";
    if (!it->identifier || !*it->identifier)
        gw_course_add(c, GW_F_IDENTIFIER_MISSING, s->file, line,
                      "An <item> has no identifier; give it one that is unique in the manifest.");
    note_id(s, it->identifier, line);
    xmlNode *title = one_child(s, item, "title", true);
    it->title = title ? gw_course_xml_text(title) : NULL;
    char *ref = gw_course_xml_attr(item, NULL, "identifierref");
    xmlNode *child = NULL;
    bool leaf = count_children(s, item, "item", &child) == 0;
    if (leaf && (!ref || !*ref))
        gw_course_add_sev(c, GW_F_ITEM_LEAF_NO_REF, s->v12 ? GW_SEV_WARNING : GW_SEV_ERROR, s->file,
                          line,
                          "Item \"%s\" has no child items and no identifierref, so it launches "
                          "nothing; point it at a resource or remove it.",
                          label);
    if (!leaf && ref && *ref)
        gw_course_add_sev(c, GW_F_ITEM_NONLEAF_REF, s->v12 ? GW_SEV_WARNING : GW_SEV_ERROR, s->file,
                          line,
                          "Item \"%s\" has child items and also identifierref=\"%s\"; move the "
                          "content into a child item of its own.",
                          label, ref);
    if (ref && *ref) {
        struct scorm_res *r = find_res(s, ref);
        if (!r) {
            gw_course_add(c, GW_F_IDENTIFIERREF_UNRESOLVED, s->file, line,
                          "Item \"%s\" has identifierref=\"%s\", but no <resource> has that "
                          "identifier; correct the identifierref or add the resource.",
                          label, ref);
        } else {
            r->referenced = true;
            it->resource = gw_xstrdup(ref);
            it->scorm_type = r->scorm_type ? gw_xstrdup(r->scorm_type) : NULL;
            if (!r->href || !*r->href)
                gw_course_add(c, GW_F_RESOURCE_HREF_MISSING, s->file, r->line,
                              "Resource \"%s\" is launched by item \"%s\" but has no href; add "
                              "href with the path of its launch page.",
                              ref, label);
            else if (leaf && r->launch) {
                char *params = gw_course_xml_attr(item, NULL, "parameters");
                it->launch_url = with_parameters(r->launch, params);
                it->launchable = true;
                free(params);
            }
        }
    }
    free(ref);
    item_mastery(s, item, it); /* it stays valid: no item was added since */
    for (xmlNode *k = gw_course_xml_first(item); k; k = gw_course_xml_next(k)) {
        if (gw_course_xml_is(k, s->cp, "item"))
            parse_item(s, k, org, index, depth + 1);
    }
    if (c->rep->items[index].launchable)
        gw_course_add_activity_id(c, c->rep->items[index].identifier);
}

static void parse_organizations(struct scorm_ctx *s, xmlNode *orgs)
{
    struct gw_course_ctx *c = s->c;
    char *def = gw_course_xml_attr(orgs, NULL, "default");
    size_t n = 0;
    xmlNode *first = NULL;
    n = count_children(s, orgs, "organization", &first);
    if (n == 0) {
        gw_course_add(c, GW_F_ORGANIZATION_MISSING, s->file, gw_course_xml_line(orgs),
                      "<organizations> is empty, so the package has nothing a learner can "
                      "launch; add an <organization> with an <item> for each SCO.");
        free(def);
        return;
    }
    c->rep->orgs = gw_xcalloc(n, sizeof *c->rep->orgs);
    bool def_found = false;
    for (xmlNode *o = first; o; o = gw_course_xml_next(o)) {
        if (!gw_course_xml_is(o, s->cp, "organization"))
            continue;
        struct gw_course_org *org = &c->rep->orgs[c->rep->org_count++];
        unsigned line = gw_course_xml_line(o);
        org->identifier = gw_course_xml_attr(o, NULL, "identifier");
        if (!org->identifier || !*org->identifier)
            gw_course_add(c, GW_F_IDENTIFIER_MISSING, s->file, line,
                          "An <organization> has no identifier; give it one that is unique in "
                          "the manifest.");
        note_id(s, org->identifier, line);
        xmlNode *title = one_child(s, o, "title", true);
        org->title = title ? gw_course_xml_text(title) : NULL;
        org->is_default = def && org->identifier && strcmp(def, org->identifier) == 0;
        def_found = def_found || org->is_default;
        xmlNode *item = NULL;
        if (count_children(s, o, "item", &item) == 0)
            gw_course_add(c, GW_F_ORGANIZATION_EMPTY, s->file, line,
                          "Organization \"%s\" has no <item>; add an item for each SCO or asset "
                          "a learner launches.",
                          org->identifier ? org->identifier : "?");
        for (xmlNode *k = gw_course_xml_first(o); k; k = gw_course_xml_next(k)) {
            if (gw_course_xml_is(k, s->cp, "item"))
                parse_item(s, k, org->identifier, -1, 0);
        }
    }
    if (!def || !*def)
        gw_course_add_sev(c, GW_F_ORGANIZATION_DEFAULT_INVALID,
                          s->v12 ? GW_SEV_WARNING : GW_SEV_ERROR, s->file, gw_course_xml_line(orgs),
                          "<organizations> has no default attribute; set default=\"%s\" (the "
                          "identifier of the organization learners should see).",
                          c->rep->orgs[0].identifier ? c->rep->orgs[0].identifier : "...");
    else if (!def_found)
        gw_course_add(c, GW_F_ORGANIZATION_DEFAULT_INVALID, s->file, gw_course_xml_line(orgs),
                      "<organizations default=\"%s\"> names no <organization>; set it to the "
                      "identifier of one of them.",
                      def);
    size_t t = 0;
    for (size_t i = 0; i < c->rep->org_count; i++) {
        if (c->rep->orgs[i].is_default)
            t = i;
    }
    if (c->rep->orgs[t].title && !c->rep->title)
        c->rep->title = gw_xstrdup(c->rep->orgs[t].title);
    free(def);
}

/* SCORM 1.2 has no sequencing: any 2004 sequencing or navigation element is
 * one finding, at its first occurrence. Returns true once found. */
static bool check_no_sequencing(struct scorm_ctx *s, const xmlNode *n)
{
    for (const xmlNode *k = gw_course_xml_first(n); k; k = gw_course_xml_next(k)) {
        const char *ns = k->ns ? (const char *)k->ns->href : "";
        if (strcmp(ns, NS_IMSSS) == 0 || strcmp(ns, NS_ADLSEQ) == 0 || strcmp(ns, NS_ADLNAV) == 0) {
            gw_course_add(s->c, GW_F_SEQUENCING_IN_SCORM12, s->file, gw_course_xml_line(k),
                          "<%s> is SCORM 2004 sequencing, which SCORM 1.2 does not have; remove "
                          "it or publish the course as SCORM 2004.",
                          (const char *)k->name);
            return true;
        }
        if (check_no_sequencing(s, k))
            return true;
    }
    return false;
}

static void report_unreferenced_resources(struct scorm_ctx *s)
{
    for (size_t i = 0; i < s->res_count; i++) {
        if (!s->res[i].referenced)
            gw_course_add(s->c, GW_F_RESOURCE_UNREFERENCED, s->file, s->res[i].line,
                          "Resource \"%s\" is used by no item and no dependency; remove it if "
                          "the course does not need it.",
                          s->res[i].id ? s->res[i].id : "?");
    }
}

void gw_course_scorm_check(struct gw_course_ctx *c, const char *file, const char *data, size_t len)
{
    c->rep->standard = GW_STD_UNKNOWN;
    xmlDocPtr doc = gw_course_xml_parse(c, file, data, len);
    if (!doc)
        return;
    struct scorm_ctx s = {0};
    s.c = c;
    s.file = file;
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!detect_version(&s, root))
        goto done;
    c->scorm_parsed = true;
    c->rep->identifier = gw_course_xml_attr(root, NULL, "identifier");
    c->rep->version = gw_course_xml_attr(root, NULL, "version");
    if (!c->rep->identifier || !*c->rep->identifier)
        gw_course_add(c, GW_F_IDENTIFIER_MISSING, file, gw_course_xml_line(root),
                      "<manifest> has no identifier; give it one that names the course, such "
                      "as identifier=\"com.example.safety-101\".");
    note_id(&s, c->rep->identifier, gw_course_xml_line(root));
    gw_course_add_activity_id(c, c->rep->identifier);
    char *base_m = chain_base(&s, root, "");
    check_metadata_children(&s, root, base_m);
    xmlNode *sub = NULL;
    if (count_children(&s, root, "manifest", &sub) > 0)
        gw_course_add(c, GW_F_SUBMANIFEST_PRESENT, file, gw_course_xml_line(sub),
                      "The manifest holds a (sub)manifest, which few LMSs import; merge its "
                      "organizations and resources into the main manifest.");
    xmlNode *resources = one_child(&s, root, "resources", true);
    if (resources)
        parse_resources(&s, resources, base_m);
    xmlNode *orgs = one_child(&s, root, "organizations", true);
    if (orgs)
        parse_organizations(&s, orgs);
    if (s.v12)
        check_no_sequencing(&s, root);
    check_unique_ids(&s);
    report_unreferenced_resources(&s);
    free(base_m);
done:
    for (size_t i = 0; i < s.res_count; i++) {
        free(s.res[i].id);
        free(s.res[i].href);
        free(s.res[i].scorm_type);
        free(s.res[i].launch);
    }
    free(s.res);
    free(s.by_id);
    for (size_t i = 0; i < s.id_count; i++)
        free(s.ids[i].owned);
    free(s.ids);
    xmlFreeDoc(doc);
}
