/* altsyntax.c: unpacking the form of an xAPI alternate-syntax request (see
 * gw/altsyntax.h). Owns which form fields are headers, the header-value
 * check, and the 2.0 refusal; does not own recognising such a request, its
 * URL check or authorization (server.c). */
#include "gw/altsyntax.h"
#include "gw/form.h"
#include "gw/http.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

static bool header_field(const char *name)
{
    static const char *const names[] = {"authorization",
                                        "x-experience-api-version",
                                        "content-type",
                                        "content-length",
                                        "if-match",
                                        "if-none-match",
                                        NULL};
    for (const char *const *n = names; *n; n++) {
        if (strcasecmp(*n, name) == 0)
            return true;
    }
    return false;
}

/* A header value: printable ASCII, spaces and tabs (RFC 9110 field-value
 * without obs-text); no CR, LF or other control byte. */
static bool header_value_ok(const char *v)
{
    for (const unsigned char *p = (const unsigned char *)v; p && *p; p++) {
        if ((*p < 0x20 && *p != '\t') || *p >= 0x7f)
            return false;
    }
    return v != NULL;
}

/* One form field into a: the content, a header, or a parameter. */
static enum gw_err take_field(struct gw_altsyntax *a, const char *k, json_t *v,
                              struct gw_buf *content, struct gw_error *e)
{
    if (strcmp(k, "content") == 0) {
        gw_buf_puts(content, json_string_value(v));
        return GW_OK;
    }
    if (header_field(k)) {
        /* the form's field IS the request's header (Comm 1.3.s3.b7), also
         * over a real one; it is percent-decoded, so a CR or LF (or any
         * control byte) would reach a reply header: refused */
        if (!header_value_ok(json_string_value(v)))
            return gw_error_set(e, GW_E_XAPI_HEADER_INVALID, k,
                                "the form field '%s' stands for a header and must not hold "
                                "control characters such as CR or LF",
                                k);
        char lower[64];
        size_t i = 0;
        for (; k[i] && i + 1 < sizeof lower; i++)
            lower[i] = (char)tolower((unsigned char)k[i]);
        lower[i] = '\0';
        json_object_set(a->headers, lower, v);
        return GW_OK;
    }
    /* the resource's parameters: checked as a query string's are */
    const char *sv = json_string_value(v);
    enum gw_err rc = gw_route_query_check(k, strlen(k), sv, strlen(sv), e);
    if (rc == GW_OK)
        json_object_set(a->query, k, v);
    return rc;
}

enum gw_err gw_altsyntax_parse(const char *ct, const char *body, size_t len, struct gw_altsyntax *a,
                               struct gw_error *e)
{
    bool empty = len == 0;
    if (!(empty && !ct) && (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0))
        return gw_error_set(e, GW_E_BAD_REQUEST, "Content-Type",
                            "an alternate-syntax request is application/x-www-form-urlencoded");
    json_t *form = gw_form_parse(body, len, e);
    if (!form)
        return e->code;
    a->headers = json_object();
    a->query = json_object();
    struct gw_buf content = {0};
    enum gw_err rc = GW_OK;
    const char *k;
    json_t *v;
    json_object_foreach(form, k, v)
    {
        rc = take_field(a, k, v, &content, e);
        if (rc != GW_OK)
            break;
    }
    json_decref(form); /* after the error: k lives in form */
    if (rc != GW_OK) {
        gw_buf_free(&content);
        return e->code;
    }
    gw_buf_free(&a->content);
    a->content = content;
    return GW_OK;
}

enum gw_err gw_altsyntax_check_version(const char *version, const char *method, struct gw_error *e)
{
    if (version && strncmp(version, "2.0", 3) == 0)
        return gw_error_set(e, GW_E_BAD_REQUEST, "method",
                            "xAPI 2.0 removed the alternate request syntax; send a %s request",
                            method);
    return GW_OK;
}

void gw_altsyntax_free(struct gw_altsyntax *a)
{
    json_decref(a->headers);
    json_decref(a->query);
    gw_buf_free(&a->content);
    a->headers = NULL;
    a->query = NULL;
}
