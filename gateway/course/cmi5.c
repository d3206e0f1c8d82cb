/* cmi5.c: cmi5.xml, the cmi5 v1 course structure (cmi5 spec sections 13 and
 * 14, and what the CATAPULT LMS test suite rejects). Checks the namespace,
 * the element structure and order of CourseStructure.xsd (course, objectives,
 * blocks and AUs; extension elements in other namespaces are skipped), that
 * ids are absolute IRIs and unique, titles and descriptions, AU urls (valid,
 * present in the zip when relative, no cmi5 launch parameter in the query),
 * launchMethod, moveOn, masteryScore and objective references. Fills the
 * report's course title/id, blocks and AUs and the activity IRIs. */
#include "course_int.h"

#include "gw/buf.h"
#include "gw/json.h"

#include <ctype.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

#define NS_CMI5 "https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd"

struct slot {
    const char *names; /* "au|block" for a choice */
    unsigned min, max; /* max 0: unbounded */
};

static const struct slot course_slots[] = {{"title", 1, 1}, {"description", 1, 1}, {NULL, 0, 0}};
static const struct slot root_slots[] = {
    {"course", 1, 1}, {"objectives", 0, 1}, {"au|block", 1, 0}, {NULL, 0, 0}};
static const struct slot block_slots[] = {
    {"title", 1, 1}, {"description", 1, 1}, {"objectives", 0, 1}, {"au|block", 1, 0}, {NULL, 0, 0}};
static const struct slot au_slots[] = {
    {"title", 1, 1}, {"description", 1, 1},      {"objectives", 0, 1},
    {"url", 1, 1},   {"launchParameters", 0, 1}, {"entitlementKey", 0, 1},
    {NULL, 0, 0}};
static const struct slot objectives_slots[] = {{"objective", 1, 0}, {NULL, 0, 0}};
static const struct slot objective_slots[] = {{"title", 1, 1}, {"description", 1, 1}, {NULL, 0, 0}};

struct ident {
    char *id;
    unsigned line;
    const char *what; /* element name, borrowed from the document */
    size_t order;
};

struct cmi5_ctx {
    struct gw_course_ctx *c;
    const char *file;
    struct ident *ids; /* block, AU and objective ids */
    size_t id_count;
    char **objectives; /* course-level objective ids */
    size_t objective_count;
};

static bool slot_has(const struct slot *s, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = s->names; p && *p;) {
        size_t k = strcspn(p, "|");
        if (k == n && strncmp(p, name, n) == 0)
            return true;
        p += k + (p[k] == '|');
    }
    return false;
}

static bool is_cmi5(const xmlNode *n)
{
    return n && n->ns && n->ns->href && strcmp((const char *)n->ns->href, NS_CMI5) == 0;
}

static bool later_sibling_named(const xmlNode *n, const struct slot *s)
{
    for (n = gw_course_xml_next(n); n; n = gw_course_xml_next(n)) {
        if (is_cmi5(n) && slot_has(s, (const char *)n->name))
            return true;
    }
    return false;
}

static void slot_list(struct gw_buf *b, const struct slot *slots)
{
    for (size_t i = 0; slots[i].names; i++)
        gw_buf_printf(b, "%s<%s>", i ? ", " : "", slots[i].names);
}

/* Checks parent's cmi5 children against slots, in order. One finding at most. */
static void check_structure(struct cmi5_ctx *x, const xmlNode *parent, const struct slot *slots,
                            const char *label)
{
    size_t cur = 0;
    unsigned count = 0;
    struct gw_buf order = {0};
    slot_list(&order, slots);
    const char *pname = (const char *)parent->name;
    for (const xmlNode *k = gw_course_xml_first(parent); k; k = gw_course_xml_next(k)) {
        if (!is_cmi5(k))
            continue; /* extensions live in their own namespaces */
        const char *name = (const char *)k->name;
        size_t found = cur;
        while (slots[found].names && !slot_has(&slots[found], name))
            found++;
        if (!slots[found].names) {
            bool earlier = false;
            for (size_t i = 0; i < cur; i++)
                earlier = earlier || slot_has(&slots[i], name);
            if (earlier)
                gw_course_add(x->c, GW_F_CMI5_STRUCTURE_INVALID, x->file, gw_course_xml_line(k),
                              "<%s> in <%s>%s is out of order or repeated; its children must "
                              "be, in this order: %s.",
                              name, pname, label, gw_buf_str(&order));
            else
                gw_course_add(x->c, GW_F_CMI5_STRUCTURE_INVALID, x->file, gw_course_xml_line(k),
                              "<%s> is not allowed in <%s>%s; its children must be, in this "
                              "order: %s.",
                              name, pname, label, gw_buf_str(&order));
            goto done;
        }
        if (found == cur && count > 0) {
            if (slots[cur].max && ++count > slots[cur].max) {
                gw_course_add(x->c, GW_F_CMI5_STRUCTURE_INVALID, x->file, gw_course_xml_line(k),
                              "<%s>%s has more than one <%s>; keep one.", pname, label, name);
                goto done;
            }
            continue;
        }
        for (size_t i = found == cur ? cur : cur + (count > 0); i < found; i++) {
            if (slots[i].min > (i == cur ? count : 0)) {
                if (later_sibling_named(k, &slots[i]))
                    gw_course_add(x->c, GW_F_CMI5_STRUCTURE_INVALID, x->file, gw_course_xml_line(k),
                                  "<%s> comes before <%s> in <%s>%s; the children must be, in "
                                  "this order: %s.",
                                  name, slots[i].names, pname, label, gw_buf_str(&order));
                else
                    gw_course_add(x->c, GW_F_CMI5_STRUCTURE_INVALID, x->file, gw_course_xml_line(k),
                                  "<%s>%s has no <%s>; add it (children, in this order: %s).",
                                  pname, label, slots[i].names, gw_buf_str(&order));
                goto done;
            }
        }
        cur = found;
        count = 1;
    }
    for (size_t i = cur; slots[i].names; i++) {
        if (slots[i].min > (i == cur ? count : 0)) {
            gw_course_add(x->c, GW_F_CMI5_STRUCTURE_INVALID, x->file, gw_course_xml_line(parent),
                          "<%s>%s has no <%s>; add it.", pname, label, slots[i].names);
            goto done;
        }
    }
done:
    gw_buf_free(&order);
}

static xmlNode *child(const xmlNode *parent, const char *name)
{
    for (xmlNode *k = gw_course_xml_first(parent); k; k = gw_course_xml_next(k)) {
        if (gw_course_xml_is(k, NS_CMI5, name))
            return k;
    }
    return NULL;
}

/* The first non-empty langstring of a title/description; reports when none. */
static char *text_of(struct cmi5_ctx *x, const xmlNode *parent, const char *what, const char *label)
{
    xmlNode *t = child(parent, what);
    for (xmlNode *k = gw_course_xml_first(t); k; k = gw_course_xml_next(k)) {
        if (!gw_course_xml_is(k, NS_CMI5, "langstring"))
            continue;
        char *s = gw_course_xml_text(k);
        if (*s)
            return s;
        free(s);
    }
    gw_course_add(x->c, GW_F_CMI5_TEXT_MISSING, x->file, gw_course_xml_line(t ? t : parent),
                  "<%s>%s has no non-empty <%s><langstring>; every course, block, AU and "
                  "objective needs a %s.",
                  (const char *)parent->name, label, what, what);
    return NULL;
}

/* Reads and checks an id; returns it (new string) or NULL. */
static char *check_id(struct cmi5_ctx *x, const xmlNode *n, const char *attr, bool unique)
{
    char *id = gw_course_xml_attr(n, NULL, attr);
    unsigned line = gw_course_xml_line(n);
    const char *what = (const char *)n->name;
    if (!id || !*id) {
        gw_course_add(x->c, GW_F_CMI5_ID_NOT_IRI, x->file, line,
                      "<%s> has no %s; give it an absolute IRI such as "
                      "https://example.com/courses/safety/%s-1.",
                      what, attr, what);
        free(id);
        return NULL;
    }
    if (!gw_is_absolute_iri(id))
        gw_course_add(x->c, GW_F_CMI5_ID_NOT_IRI, x->file, line,
                      "The %s %s \"%s\" is not an absolute IRI (it needs a scheme, such as "
                      "https://); cmi5 uses it as an xAPI activity id.",
                      what, attr, id);
    if (unique) { /* duplicates are found once all ids are known: report_duplicates */
        x->ids = gw_course_grow(x->ids, x->id_count, sizeof *x->ids);
        x->ids[x->id_count].id = gw_xstrdup(id);
        x->ids[x->id_count].line = line;
        x->ids[x->id_count].what = what;
        x->ids[x->id_count].order = x->id_count;
        x->id_count++;
    }
    return id;
}

static int cmp_ident(const void *a, const void *b)
{
    const struct ident *x = a, *y = b;
    int r = strcmp(x->id, y->id);
    if (r != 0)
        return r;
    return x->order < y->order ? -1 : 1;
}

static void report_duplicates(struct cmi5_ctx *x)
{
    if (x->id_count < 2)
        return;
    gw_sort(x->ids, x->id_count, sizeof *x->ids, cmp_ident);
    size_t first = 0;
    for (size_t i = 1; i < x->id_count; i++) {
        if (strcmp(x->ids[i].id, x->ids[first].id) != 0) {
            first = i;
            continue;
        }
        gw_course_add(x->c, GW_F_CMI5_ID_DUPLICATE, x->file, x->ids[i].line,
                      "The %s id \"%s\" is already used by the %s on line %u; block, AU and "
                      "objective ids must be unique in the course.",
                      x->ids[i].what, x->ids[i].id, x->ids[first].what, x->ids[first].line);
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_objective(const struct cmi5_ctx *x, const char *id)
{
    return id && x->objective_count > 0 &&
           bsearch(&id, x->objectives, x->objective_count, sizeof(char *), cmp_str) != NULL;
}

static void check_objective_refs(struct cmi5_ctx *x, const xmlNode *n)
{
    xmlNode *objs = child(n, "objectives");
    for (xmlNode *k = gw_course_xml_first(objs); k; k = gw_course_xml_next(k)) {
        if (!gw_course_xml_is(k, NS_CMI5, "objective"))
            continue;
        char *ref = gw_course_xml_attr(k, NULL, "idref");
        if (!has_objective(x, ref))
            gw_course_add(x->c, GW_F_CMI5_OBJECTIVE_UNRESOLVED, x->file, gw_course_xml_line(k),
                          "<objective idref=\"%s\"> names no objective of the course; declare "
                          "it in the course's <objectives> or correct the idref.",
                          ref ? ref : "");
        free(ref);
    }
}

static bool valid_decimal(const char *s)
{
    size_t digits = 0, dots = 0;
    if (*s == '+' || *s == '-')
        s++;
    for (; *s; s++) {
        if (isdigit((unsigned char)*s))
            digits++;
        else if (*s == '.' && dots++ == 0)
            continue;
        else
            return false;
    }
    return digits > 0;
}

static void check_url_query(struct cmi5_ctx *x, const char *url, unsigned line)
{
    static const char *const reserved[] = {"endpoint", "fetch", "actor", "registration",
                                           "activityId"};
    const char *q = strchr(url, '?');
    if (!q)
        return;
    q++;
    size_t qlen = strcspn(q, "#");
    for (size_t i = 0; i < qlen;) {
        size_t n = strcspn(q + i, "&#");
        if (i + n > qlen)
            n = qlen - i;
        size_t name_len = strcspn(q + i, "=&#");
        if (name_len > n)
            name_len = n;
        for (size_t r = 0; r < sizeof reserved / sizeof reserved[0]; r++) {
            if (strlen(reserved[r]) == name_len && strncmp(q + i, reserved[r], name_len) == 0)
                gw_course_add(x->c, GW_F_CMI5_URL_LAUNCH_PARAMETER, x->file, line,
                              "The AU url \"%s\" has \"%s\" in its query string, a name the LMS "
                              "adds itself at launch; rename that parameter.",
                              url, reserved[r]);
        }
        i += n + 1;
    }
}

static bool url_chars_ok(const char *u)
{
    for (; *u; u++) {
        unsigned char ch = (unsigned char)*u;
        if (ch <= 0x20 || ch == 0x7f || ch == '<' || ch == '>' || ch == '"' || ch == '\\' ||
            ch == '{' || ch == '}' || ch == '|' || ch == '^' || ch == '`')
            return false;
    }
    return true;
}

static void parse_au_attrs(struct cmi5_ctx *x, const xmlNode *au, struct gw_course_item *it)
{
    static const char *const move_on[] = {"Passed", "Completed", "CompletedAndPassed",
                                          "CompletedOrPassed", "NotApplicable"};
    unsigned line = gw_course_xml_line(au);
    char *mo = gw_course_xml_attr(au, NULL, "moveOn");
    bool ok = !mo;
    for (size_t i = 0; mo && i < sizeof move_on / sizeof move_on[0]; i++)
        ok = ok || strcmp(mo, move_on[i]) == 0;
    if (!ok)
        gw_course_add(x->c, GW_F_CMI5_MOVEON_INVALID, x->file, line,
                      "moveOn=\"%s\" is not a cmi5 value; use Passed, Completed, "
                      "CompletedAndPassed, CompletedOrPassed or NotApplicable.",
                      mo);
    it->move_on = mo ? mo : gw_xstrdup("NotApplicable");
    char *lm = gw_course_xml_attr(au, NULL, "launchMethod");
    if (lm && strcmp(lm, "OwnWindow") != 0 && strcmp(lm, "AnyWindow") != 0)
        gw_course_add(x->c, GW_F_CMI5_LAUNCH_METHOD_INVALID, x->file, line,
                      "launchMethod=\"%s\" is not a cmi5 value; use OwnWindow or AnyWindow.", lm);
    it->launch_method = lm ? lm : gw_xstrdup("AnyWindow");
    char *ms = gw_course_xml_attr(au, NULL, "masteryScore");
    if (ms) {
        double v = strtod(ms, NULL);
        if (!valid_decimal(ms) || v < 0 || v > 1)
            gw_course_add(x->c, GW_F_MASTERY_SCORE_INVALID, x->file, line,
                          "masteryScore=\"%s\" is not a decimal from 0 to 1; write the passing "
                          "score as a fraction, such as 0.8.",
                          ms);
        else {
            it->has_mastery = true;
            it->mastery_score = v;
        }
        free(ms);
    }
}

static void parse_au(struct cmi5_ctx *x, xmlNode *au, int parent, unsigned depth)
{
    struct gw_course_ctx *c = x->c;
    check_structure(x, au, au_slots, "");
    struct gw_course_item *it = gw_course_add_item(c, GW_ITEM_AU, parent, depth, NULL);
    it->identifier = check_id(x, au, "id", true);
    it->title = text_of(x, au, "title", "");
    free(text_of(x, au, "description", ""));
    it->launchable = true;
    parse_au_attrs(x, au, it);
    gw_course_add_activity_id(c, it->identifier);
    check_objective_refs(x, au);
    xmlNode *urln = child(au, "url");
    if (!urln)
        return;
    unsigned line = gw_course_xml_line(urln);
    char *url = gw_course_xml_text(urln);
    if (!*url || !url_chars_ok(url) || (gw_course_has_scheme(url) && !gw_is_absolute_iri(url))) {
        gw_course_add(c, GW_F_CMI5_URL_INVALID, x->file, line,
                      "The AU url \"%s\" is not a valid URL (spaces and characters such as < > "
                      "\" \\ must be percent-encoded).",
                      url);
    } else if (gw_course_has_scheme(url)) {
        it->launch_url = gw_xstrdup(url);
    } else {
        gw_course_check_href(c, "", url, GW_HREF_LAUNCH, x->file, line, &it->launch_url);
    }
    if (*url)
        check_url_query(x, url, line);
    free(url);
}

static void parse_children(struct cmi5_ctx *x, const xmlNode *parent, int parent_index,
                           unsigned depth);

static void parse_block(struct cmi5_ctx *x, xmlNode *block, int parent, unsigned depth)
{
    check_structure(x, block, block_slots, "");
    int index = 0;
    struct gw_course_item *it = gw_course_add_item(x->c, GW_ITEM_BLOCK, parent, depth, &index);
    it->identifier = check_id(x, block, "id", true);
    it->title = text_of(x, block, "title", "");
    free(text_of(x, block, "description", ""));
    gw_course_add_activity_id(x->c, it->identifier);
    check_objective_refs(x, block);
    parse_children(x, block, index, depth + 1);
}

static void parse_children(struct cmi5_ctx *x, const xmlNode *parent, int parent_index,
                           unsigned depth)
{
    for (xmlNode *k = gw_course_xml_first(parent); k; k = gw_course_xml_next(k)) {
        if (gw_course_xml_is(k, NS_CMI5, "au"))
            parse_au(x, k, parent_index, depth);
        else if (gw_course_xml_is(k, NS_CMI5, "block"))
            parse_block(x, k, parent_index, depth);
    }
}

static void parse_course_objectives(struct cmi5_ctx *x, const xmlNode *root)
{
    xmlNode *objs = child(root, "objectives");
    if (!objs)
        return;
    check_structure(x, objs, objectives_slots, "");
    for (xmlNode *k = gw_course_xml_first(objs); k; k = gw_course_xml_next(k)) {
        if (!gw_course_xml_is(k, NS_CMI5, "objective"))
            continue;
        check_structure(x, k, objective_slots, "");
        char *id = check_id(x, k, "id", true);
        free(text_of(x, k, "title", ""));
        free(text_of(x, k, "description", ""));
        if (!id)
            continue;
        x->objectives = gw_course_grow(x->objectives, x->objective_count, sizeof(char *));
        x->objectives[x->objective_count++] = id;
    }
    if (x->objective_count > 1)
        gw_sort(x->objectives, x->objective_count, sizeof(char *), cmp_str);
}

void gw_course_cmi5_check(struct gw_course_ctx *c, const char *file, const char *data, size_t len)
{
    xmlDocPtr doc = gw_course_xml_parse(c, file, data, len);
    if (!doc)
        return;
    struct cmi5_ctx x = {0};
    x.c = c;
    x.file = file;
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!gw_course_xml_is(root, NS_CMI5, "courseStructure")) {
        const char *ns = root->ns ? (const char *)root->ns->href : "(none)";
        gw_course_add(c, GW_F_CMI5_NAMESPACE, file, gw_course_xml_line(root),
                      "The root element is <%s> in namespace %s; cmi5 v1 requires "
                      "<courseStructure xmlns=\"%s\"> (older drafts used another namespace).",
                      (const char *)root->name, ns, NS_CMI5);
        goto done;
    }
    check_structure(&x, root, root_slots, "");
    xmlNode *course = child(root, "course");
    if (course) {
        check_structure(&x, course, course_slots, "");
        c->rep->identifier = check_id(&x, course, "id", false);
        c->rep->title = text_of(&x, course, "title", "");
        free(text_of(&x, course, "description", ""));
        gw_course_add_activity_id(c, c->rep->identifier);
    }
    parse_course_objectives(&x, root);
    parse_children(&x, root, -1, 0);
    report_duplicates(&x);
done:
    for (size_t i = 0; i < x.id_count; i++)
        free(x.ids[i].id);
    free(x.ids);
    for (size_t i = 0; i < x.objective_count; i++)
        free(x.objectives[i]);
    free(x.objectives);
    xmlFreeDoc(doc);
}
