/* xmlsafe.c: parsing untrusted XML with libxml2. No network (XML_PARSE_NONET),
 * no entity substitution (no XML_PARSE_NOENT), no DTD loading or DTD
 * attributes, no XML_PARSE_HUGE; a DOCTYPE that declares any entity stops the
 * parse at the declaration (XXE and entity-expansion bombs never get
 * expanded); size and nesting depth are bounded; line numbers are kept.
 * Also the small tree helpers the descriptor checkers share. */
#include "course_int.h"

#include "gw/buf.h"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct parse_state {
    bool entity_declared;
    bool doctype;
    unsigned entity_line;
    char first_error[256];
    unsigned first_error_line;
};

static void on_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *publicId,
                           const xmlChar *systemId, xmlChar *content)
{
    xmlParserCtxtPtr ctxt = ctx;
    struct parse_state *st = ctxt->_private;
    st->entity_declared = true;
    st->entity_line = (unsigned)xmlSAX2GetLineNumber(ctx);
    xmlStopParser(ctxt);
}

static void on_unparsed_entity_decl(void *ctx, const xmlChar *name, const xmlChar *publicId,
                                    const xmlChar *systemId, const xmlChar *notationName)
{
    on_entity_decl(ctx, name, 0, publicId, systemId, NULL);
}

static void on_internal_subset(void *ctx, const xmlChar *name, const xmlChar *ExternalID,
                               const xmlChar *SystemID)
{
    xmlParserCtxtPtr ctxt = ctx;
    struct parse_state *st = ctxt->_private;
    st->doctype = true;
    xmlSAX2InternalSubset(ctx, name, ExternalID, SystemID);
}

static void on_error(void *ctx, xmlErrorPtr e)
{
    xmlParserCtxtPtr ctxt = ctx;
    struct parse_state *st = ctxt ? ctxt->_private : NULL;
    if (!st || !e || e->level < XML_ERR_ERROR || st->first_error[0])
        return;
    snprintf(st->first_error, sizeof st->first_error, "%s", e->message ? e->message : "error");
    size_t n = strlen(st->first_error);
    while (n > 0 && (st->first_error[n - 1] == '\n' || st->first_error[n - 1] == ' '))
        st->first_error[--n] = '\0';
    st->first_error_line = e->line > 0 ? (unsigned)e->line : 0;
}

/* No entity loader at all: even a bug elsewhere cannot make libxml2 fetch. */
static xmlParserInputPtr no_loader(const char *URL, const char *ID, xmlParserCtxtPtr ctxt)
{
    return NULL;
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init_libxml(void)
{
    xmlInitParser();
    xmlSetExternalEntityLoader(no_loader);
}

static unsigned max_depth(const xmlNode *n, unsigned limit)
{
    /* iterative walk: a hostile document must not exhaust the C stack */
    unsigned depth = 1, deepest = 1;
    const xmlNode *cur = n;
    while (cur) {
        if (cur->children && cur->type == XML_ELEMENT_NODE) {
            cur = cur->children;
            depth++;
            if (depth > deepest)
                deepest = depth;
            if (deepest > limit)
                return deepest;
            continue;
        }
        while (cur && !cur->next && cur != n) {
            cur = cur->parent;
            depth--;
        }
        if (!cur || cur == n)
            break;
        cur = cur->next;
    }
    return deepest;
}

void gw_course_xml_init(void)
{
    pthread_once(&init_once, init_libxml);
}

xmlDocPtr gw_course_xml_parse(struct gw_course_ctx *c, const char *file, const char *data,
                              size_t len)
{
    gw_course_xml_init();
    if (len > c->lim->max_descriptor_bytes) {
        gw_course_add(c, GW_F_XML_TOO_LARGE, file, 0,
                      "%s is larger than %zu bytes, the most the gateway parses; remove unused "
                      "metadata from it.",
                      file, c->lim->max_descriptor_bytes);
        return NULL;
    }
    if (len > INT32_MAX)
        return NULL;
    struct parse_state st = {0};
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt)
        abort(); /* out of memory, like gw_xmalloc */
    ctxt->_private = &st;
    ctxt->sax->entityDecl = on_entity_decl;
    ctxt->sax->unparsedEntityDecl = on_unparsed_entity_decl;
    ctxt->sax->internalSubset = on_internal_subset;
    ctxt->sax->serror = on_error;
    ctxt->sax->initialized = XML_SAX2_MAGIC;
    int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_BIG_LINES |
               XML_PARSE_NOCDATA;
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, data, (int)len, file, NULL, opts);
    bool well_formed = ctxt->wellFormed != 0;
    xmlFreeParserCtxt(ctxt);

    if (st.entity_declared) {
        gw_course_add(c, GW_F_XML_DTD_ENTITY, file, st.entity_line,
                      "%s declares an entity in its DOCTYPE, which the gateway refuses because "
                      "entities can read server files (XXE) or expand without bound; remove the "
                      "DOCTYPE and write the text out.",
                      file);
        goto fail;
    }
    if (!doc || !well_formed || !xmlDocGetRootElement(doc)) {
        gw_course_add(c, GW_F_XML_MALFORMED, file, st.first_error_line,
                      "%s is not well-formed XML (%s); open it in an XML editor, fix that spot "
                      "and export again.",
                      file, st.first_error[0] ? st.first_error : "no root element");
        goto fail;
    }
    if (st.doctype)
        gw_course_add(c, GW_F_XML_DOCTYPE, file, 1,
                      "%s has a DOCTYPE, which the gateway ignores (no DTD is loaded); remove it.",
                      file);
    unsigned depth = max_depth(xmlDocGetRootElement(doc), c->lim->max_xml_depth);
    if (depth > c->lim->max_xml_depth) {
        gw_course_add(c, GW_F_XML_TOO_DEEP, file, 0,
                      "%s nests elements more than %u deep, which no real descriptor does; "
                      "flatten it.",
                      file, c->lim->max_xml_depth);
        goto fail;
    }
    return doc;
fail:
    if (doc)
        xmlFreeDoc(doc);
    return NULL;
}

bool gw_course_xml_is(const xmlNode *n, const char *ns, const char *name)
{
    if (!n || n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, name) != 0)
        return false;
    if (!ns)
        return true;
    return n->ns && n->ns->href && strcmp((const char *)n->ns->href, ns) == 0;
}

char *gw_course_xml_attr(const xmlNode *n, const char *ns, const char *name)
{
    xmlChar *v = ns ? xmlGetNsProp(n, (const xmlChar *)name, (const xmlChar *)ns)
                    : xmlGetNoNsProp(n, (const xmlChar *)name);
    if (!v)
        return NULL;
    char *out = gw_course_trim_dup((const char *)v);
    xmlFree(v);
    return out;
}

char *gw_course_xml_text(const xmlNode *n)
{
    xmlChar *v = xmlNodeGetContent(n);
    char *out = gw_course_trim_dup(v ? (const char *)v : "");
    xmlFree(v);
    return out;
}

unsigned gw_course_xml_line(const xmlNode *n)
{
    long l = xmlGetLineNo(n);
    return l > 0 ? (unsigned)l : 0;
}

xmlNode *gw_course_xml_next(const xmlNode *n)
{
    for (n = n ? n->next : NULL; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE)
            return (xmlNode *)n;
    }
    return NULL;
}

xmlNode *gw_course_xml_first(const xmlNode *parent)
{
    for (const xmlNode *n = parent ? parent->children : NULL; n; n = n->next) {
        if (n->type == XML_ELEMENT_NODE)
            return (xmlNode *)n;
    }
    return NULL;
}
