/* sim_package.c: the simulator's package inspector. It reads an uploaded zip
 * from memory with libzip, finds the course manifest at the root (cmi5.xml,
 * tincan.xml or imsmanifest.xml) and takes the learning standard, the title
 * and the ids from it with libxml2, the way an LMS import would. It does not
 * validate packages thoroughly: that is the gateway's job, not the LMS's. */
#include "lmssim.h"

#include "gw/hash.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <string.h>
#include <zip.h>

static char *read_entry(zip_t *z, const char *name, size_t *len)
{
    zip_stat_t st;
    char *data = NULL;
    zip_file_t *f = NULL;
    if (zip_stat(z, name, ZIP_FL_NOCASE, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
        goto done;
    if (st.size > 8 * 1024 * 1024)
        goto done;
    f = zip_fopen(z, name, ZIP_FL_NOCASE);
    if (!f)
        goto done;
    data = gw_xmalloc((size_t)st.size + 1);
    zip_int64_t n = zip_fread(f, data, st.size);
    if (n < 0 || (zip_uint64_t)n != st.size) {
        free(data);
        data = NULL;
        goto done;
    }
    data[st.size] = '\0';
    *len = (size_t)st.size;
done:
    if (f)
        zip_fclose(f);
    return data;
}

static bool named(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static xmlNode *child(const xmlNode *n, const char *name)
{
    for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (named(c, name))
            return c;
    return NULL;
}

static char *attr(const xmlNode *n, const char *name)
{
    xmlChar *v = n ? xmlGetProp(n, (const xmlChar *)name) : NULL;
    char *s = v ? gw_xstrdup((const char *)v) : NULL;
    xmlFree(v);
    return s;
}

static char *text(const xmlNode *n)
{
    xmlChar *v = n ? xmlNodeGetContent(n) : NULL;
    char *s = NULL;
    if (v) {
        const char *b = (const char *)v;
        while (*b == ' ' || *b == '\n' || *b == '\r' || *b == '\t')
            b++;
        size_t l = strlen(b);
        while (l > 0 &&
               (b[l - 1] == ' ' || b[l - 1] == '\n' || b[l - 1] == '\r' || b[l - 1] == '\t'))
            l--;
        s = l ? gw_xstrndup(b, l) : NULL;
    }
    xmlFree(v);
    return s;
}

static void inspect_cmi5(const xmlNode *root, struct lmssim_pkg *p)
{
    xmlNode *course = child(root, "course");
    strcpy(p->standard, "CMI5");
    p->activity_id = attr(course, "id");
    p->title = text(child(child(course, "title"), "langstring"));
    if (!p->activity_id)
        p->error = gw_xstrdup("cmi5.xml has no course element with an id.");
    else
        p->xapi_activity_id = gw_xstrdup(p->activity_id);
}

static void inspect_tincan(const xmlNode *root, struct lmssim_pkg *p)
{
    xmlNode *acts = child(root, "activities"), *pick = NULL;
    strcpy(p->standard, "XAPI");
    for (xmlNode *a = acts ? acts->children : NULL; a; a = a->next) {
        if (!named(a, "activity"))
            continue;
        char *type = attr(a, "type");
        bool course = type && strstr(type, "/activities/course");
        free(type);
        if (!pick || course)
            pick = a;
        if (course)
            break;
    }
    p->activity_id = attr(pick, "id");
    p->title = text(child(pick, "name"));
    if (!p->activity_id)
        p->error = gw_xstrdup("tincan.xml has no activity with an id.");
    else
        p->xapi_activity_id = gw_xstrdup(p->activity_id);
}

static void inspect_scorm(const xmlNode *root, struct lmssim_pkg *p)
{
    char *version = text(child(child(root, "metadata"), "schemaversion"));
    if (!version || strcmp(version, "1.2") == 0)
        strcpy(p->standard, "SCORM12");
    else if (strstr(version, "4th"))
        strcpy(p->standard, "SCORM20044THEDITION");
    else if (strstr(version, "3rd"))
        strcpy(p->standard, "SCORM20043RDEDITION");
    else if (strstr(version, "1.3"))
        strcpy(p->standard, "SCORM20042NDEDITION");
    else
        strcpy(p->standard, "SCORM12");
    if (!version)
        json_array_append_new(
            p->warnings, json_string("The manifest has no schemaversion; assuming SCORM 1.2."));
    free(version);
    p->activity_id = attr(root, "identifier");
    xmlNode *orgs = child(root, "organizations"), *org = NULL;
    char *def = attr(orgs, "default");
    for (xmlNode *o = orgs ? orgs->children : NULL; o; o = o->next) {
        if (!named(o, "organization"))
            continue;
        char *id = attr(o, "identifier");
        bool match = def && id && strcmp(def, id) == 0;
        free(id);
        if (!org || match)
            org = o;
        if (match)
            break;
    }
    free(def);
    if (!org)
        p->error = gw_xstrdup("The manifest (imsmanifest.xml) has no organization.");
    else
        p->title = text(child(org, "title"));
}

void lmssim_pkg_inspect(const void *data, size_t len, struct lmssim_pkg *p)
{
    static const char *const manifests[] = {"cmi5.xml", "tincan.xml", "imsmanifest.xml"};
    zip_error_t zerr;
    zip_source_t *src = NULL;
    zip_t *z = NULL;
    xmlDoc *doc = NULL;
    char *xml = NULL;
    size_t xlen = 0;
    int which = -1;

    memset(p, 0, sizeof *p);
    p->warnings = json_array();
    p->size = len;
    gw_sha256_hex(data, len, p->sha256);
    strcpy(p->standard, "UNKNOWN");
    zip_error_init(&zerr);
    src = zip_source_buffer_create(data, len, 0, &zerr);
    if (src)
        z = zip_open_from_source(src, ZIP_RDONLY, &zerr);
    if (!z) {
        p->error = gw_xstrdup("The uploaded file is not a valid zip archive, so no course could "
                              "be imported from it.");
        goto done;
    }
    for (int i = 0; i < 3 && which < 0; i++) {
        xml = read_entry(z, manifests[i], &xlen);
        if (xml)
            which = i;
    }
    if (which < 0) {
        p->error = gw_xstrdup("No course manifest found: the package has no imsmanifest.xml, "
                              "cmi5.xml or tincan.xml at its root.");
        goto done;
    }
    doc = xmlReadMemory(xml, (int)xlen, manifests[which], NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc || !xmlDocGetRootElement(doc)) {
        p->error = gw_xstrdup("The course manifest is not well-formed XML.");
        goto done;
    }
    if (which == 0)
        inspect_cmi5(xmlDocGetRootElement(doc), p);
    else if (which == 1)
        inspect_tincan(xmlDocGetRootElement(doc), p);
    else
        inspect_scorm(xmlDocGetRootElement(doc), p);
    if (!p->error && !p->title)
        json_array_append_new(p->warnings,
                              json_string("The package declares no title; using the course id."));
done:
    if (doc)
        xmlFreeDoc(doc);
    free(xml);
    if (z)
        zip_discard(z);
    else if (src)
        zip_source_free(src);
    zip_error_fini(&zerr);
}

void lmssim_pkg_free(struct lmssim_pkg *p)
{
    free(p->error);
    free(p->title);
    free(p->activity_id);
    free(p->xapi_activity_id);
    json_decref(p->warnings);
    memset(p, 0, sizeof *p);
}

void lmssim_uuid5_urn(const char *name, char out[64])
{
    /* RFC 4122 name-based UUID (SHA-1) in the URL namespace. */
    static const unsigned char ns[16] = {0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1,
                                         0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8};
    struct gw_buf b = {0};
    char hex[GW_SHA1_HEX];
    unsigned char u[16];
    gw_buf_append(&b, ns, sizeof ns);
    gw_buf_puts(&b, name);
    gw_sha1_hex(b.data, b.len, hex);
    gw_buf_free(&b);
    for (int i = 0; i < 16; i++) {
        unsigned v = 0;
        sscanf(hex + 2 * i, "%2x", &v);
        u[i] = (unsigned char)v;
    }
    u[6] = (unsigned char)((u[6] & 0x0f) | 0x50);
    u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);
    snprintf(out, 64,
             "urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0],
             u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
             u[14], u[15]);
}
