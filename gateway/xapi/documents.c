/* documents.c: the rules the xAPI document resources share and that do not
 * depend on HTTP or SQL (see gw/xapi_docs.h): the 'agent' parameter, ETag
 * lists, the concurrency preconditions, the JSON merge of POST and the Person
 * object of the Agents resource. */
#include "gw/buf.h"
#include "gw/json.h"
#include "gw/xapi_docs.h"
#include "xapi_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum gw_err gw_xapi_agent_param(const char *text, enum gw_xapi_version v, bool allow_group,
                                json_t **agent, char *key, size_t cap, struct gw_error *err)
{
    struct gw_error inner;
    gw_error_clear(&inner);
    struct xv_ctx c = {v, &inner};
    json_error_t je;
    enum gw_err rc = GW_OK;
    json_t *a = json_loads(text ? text : "", JSON_DECODE_ANY, &je);
    if (!a) {
        rc = gw_error_set(err, GW_E_XAPI_AGENT_PARAM, "agent",
                          "the agent parameter is not JSON (%s at column %d)", je.text, je.column);
        goto done;
    }
    const char *ot = json_is_object(a) ? gw_xapi_str(a, "objectType") : NULL;
    if (!allow_group && ot && strcmp(ot, "Group") == 0) {
        rc = gw_error_set(err, GW_E_XAPI_AGENT_PARAM, "agent",
                          "the agent parameter must be an Agent here, not a Group");
        goto done;
    }
    if (gw_xapi_v_actor(&c, a, "") != GW_OK) {
        rc = gw_error_set(err, GW_E_XAPI_AGENT_PARAM, "agent", "at '%s': %s", inner.where,
                          inner.detail);
        goto done;
    }
    if (!gw_xapi_agent_key(a, key, cap)) {
        rc = gw_error_set(err, GW_E_XAPI_AGENT_PARAM, "agent",
                          "the agent parameter needs an identifier (an anonymous Group has none)");
        goto done;
    }
done:
    if (rc == GW_OK && agent)
        *agent = json_incref(a);
    else if (agent)
        *agent = NULL;
    json_decref(a);
    return rc;
}

bool gw_xapi_etag_list_matches(const char *header, const char *etag_hex)
{
    if (!header || !etag_hex)
        return false;
    const char *p = header;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (!*p)
            break;
        if (*p == '*')
            return true;
        if (strncmp(p, "W/", 2) == 0)
            p += 2;
        bool quoted = *p == '"';
        if (quoted)
            p++;
        size_t n = strcspn(p, quoted ? "\"" : ", \t");
        if (n == strlen(etag_hex) && strncasecmp(p, etag_hex, n) == 0)
            return true;
        p += n;
        if (quoted && *p == '"')
            p++;
        while (*p && *p != ',')
            p++;
    }
    return false;
}

enum gw_err gw_xapi_doc_precondition(const char *if_match, const char *if_none_match,
                                     const char *stored_etag, bool is_put,
                                     bool conflict_on_blind_put, struct gw_error *err)
{
    if (if_match && !stored_etag)
        return gw_error_set(err, GW_E_XAPI_DOCUMENT_PRECONDITION, "If-Match",
                            "no document is stored here, so If-Match cannot hold");
    if (if_match && !gw_xapi_etag_list_matches(if_match, stored_etag))
        return gw_error_set(err, GW_E_XAPI_DOCUMENT_PRECONDITION, "If-Match",
                            "the document's ETag is \"%s\", not one If-Match names", stored_etag);
    if (if_none_match && gw_xapi_etag_list_matches(if_none_match, stored_etag))
        return gw_error_set(err, GW_E_XAPI_DOCUMENT_PRECONDITION, "If-None-Match",
                            "the document exists with the ETag \"%s\", which If-None-Match "
                            "excludes",
                            stored_etag);
    if (is_put && conflict_on_blind_put && stored_etag && !if_match && !if_none_match)
        return gw_error_set(err, GW_E_XAPI_DOCUMENT_CONFLICT, "If-Match",
                            "the document exists (ETag \"%s\"); say which version you replace "
                            "with If-Match, or use If-None-Match: * to create only",
                            stored_etag);
    return GW_OK;
}

bool gw_xapi_is_json_type(const char *ct)
{
    if (!ct)
        return false;
    while (*ct == ' ')
        ct++;
    size_t n = strlen("application/json");
    if (strncasecmp(ct, "application/json", n) != 0)
        return false;
    char next = ct[n];
    return next == '\0' || next == ';' || next == ' ';
}

static json_t *load_object(const void *data, size_t len)
{
    json_t *j = json_loadb(data ? data : "", len, 0, NULL);
    if (j && !json_is_object(j)) {
        json_decref(j);
        j = NULL;
    }
    return j;
}

bool gw_xapi_is_json_object(const void *data, size_t len)
{
    json_t *j = load_object(data, len);
    bool is_object = j != NULL;
    json_decref(j);
    return is_object;
}

enum gw_err gw_xapi_doc_merge(const void *stored, size_t stored_len, const void *posted,
                              size_t posted_len, char **out, size_t *out_len, struct gw_error *err)
{
    enum gw_err rc = GW_OK;
    *out = NULL;
    *out_len = 0;
    json_t *old = load_object(stored, stored_len);
    json_t *add = load_object(posted, posted_len);
    if (!old) {
        rc = gw_error_set(err, GW_E_XAPI_DOCUMENT_MERGE, "",
                          "the stored document is not a JSON object; replace it with PUT");
        goto done;
    }
    if (!add) {
        rc = gw_error_set(err, GW_E_XAPI_DOCUMENT_MERGE, "",
                          "the posted body is not a JSON object, so it cannot be merged");
        goto done;
    }
    json_object_update(old, add);
    *out = gw_json_dump(old);
    *out_len = strlen(*out);
done:
    json_decref(old);
    json_decref(add);
    return rc;
}

json_t *gw_xapi_person(const json_t *agent)
{
    json_t *p = json_pack("{s:s}", "objectType", "Person");
    static const char *const props[] = {"name", "mbox", "mbox_sha1sum", "openid", "account", NULL};
    for (const char *const *k = props; *k; k++) {
        json_t *v = json_object_get(agent, *k);
        if (v)
            json_object_set_new(p, *k, json_pack("[O]", v));
    }
    return p;
}
