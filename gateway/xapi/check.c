/* check.c: the xAPI validator's generic member checks, shared by the
 * statement rules (validate.c), agents (agent.c) and definitions: a closed
 * property table, strings, IRIs, UUIDs, language maps, extensions, and the
 * failure that records the JSON Pointer. Stateless; errors go to the
 * validation context's gw_error. */
#include "gw/json.h"
#include "xapi_int.h"

#include <stdarg.h>
#include <string.h>
#include <strings.h>

enum gw_err gw_xapi_v_fail(struct xv_ctx *c, enum gw_err code, const char *ptr, const char *fmt,
                           ...)
{
    va_list ap;
    va_start(ap, fmt);
    gw_error_setv(c->err, code, ptr, fmt, ap);
    va_end(ap);
    return code;
}

const char *gw_xapi_str(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

enum gw_err gw_xapi_v_object(struct xv_ctx *c, const json_t *obj, const char *ptr,
                             const char *const *allowed)
{
    char p[XV_PTR];
    const char *key;
    json_t *val;
    if (!json_is_object(obj))
        return gw_xapi_v_fail(c, GW_E_XAPI_PROPERTY_TYPE, ptr, "must be a JSON object");
    json_object_foreach((json_t *)obj, key, val)
    {
        const char *const *a = allowed;
        while (*a && ((*a)[0] != key[0] || strcmp(*a, key) != 0))
            a++;
        if (!*a || json_is_null(val))
            gw_json_pointer_join(p, sizeof p, ptr, key); /* only to report */
        if (!*a) {
            const char *const *ci = allowed;
            while (*ci && strcasecmp(*ci, key) != 0)
                ci++;
            if (*ci)
                return gw_xapi_v_fail(c, GW_E_XAPI_PROPERTY_UNKNOWN, p,
                                      "'%s' must be spelled '%s' (property names are "
                                      "case-sensitive)",
                                      key, *ci);
            return gw_xapi_v_fail(c, GW_E_XAPI_PROPERTY_UNKNOWN, p,
                                  "'%s' is not an xAPI property here", key);
        }
        if (json_is_null(val))
            return gw_xapi_v_fail(c, GW_E_XAPI_PROPERTY_NULL, p, "'%s' is null; omit it instead",
                                  key);
    }
    return GW_OK;
}

enum gw_err gw_xapi_v_string(struct xv_ctx *c, const json_t *obj, const char *key, const char *base,
                             bool required, const char **out)
{
    char p[XV_PTR];
    json_t *v = json_object_get(obj, key);
    if (out)
        *out = NULL;
    if (!v) {
        if (!required)
            return GW_OK;
        gw_json_pointer_join(p, sizeof p, base, key);
        return gw_xapi_v_fail(c, GW_E_XAPI_PROPERTY_MISSING, p, "'%s' is required", key);
    }
    if (!json_is_string(v)) {
        gw_json_pointer_join(p, sizeof p, base, key);
        return gw_xapi_v_fail(c, GW_E_XAPI_PROPERTY_TYPE, p, "'%s' must be a string", key);
    }
    if (out)
        *out = json_string_value(v);
    return GW_OK;
}

enum gw_err gw_xapi_v_iri(struct xv_ctx *c, const json_t *obj, const char *key, const char *base,
                          bool required)
{
    const char *s = NULL;
    enum gw_err rc = gw_xapi_v_string(c, obj, key, base, required, &s);
    if (rc != GW_OK || !s)
        return rc;
    if (!gw_is_absolute_iri(s)) {
        char p[XV_PTR];
        gw_json_pointer_join(p, sizeof p, base, key);
        return gw_xapi_v_fail(c, GW_E_XAPI_IRI_INVALID, p,
                              "'%s' must be an absolute IRI with a scheme", key);
    }
    return GW_OK;
}

enum gw_err gw_xapi_v_uuid(struct xv_ctx *c, const json_t *obj, const char *key, const char *base,
                           bool required)
{
    const char *s = NULL;
    enum gw_err rc = gw_xapi_v_string(c, obj, key, base, required, &s);
    if (rc != GW_OK || !s)
        return rc;
    if (!gw_is_uuid(s)) {
        char p[XV_PTR];
        gw_json_pointer_join(p, sizeof p, base, key);
        return gw_xapi_v_fail(c, GW_E_XAPI_UUID_INVALID, p, "'%s' must be a UUID", key);
    }
    return GW_OK;
}

enum gw_err gw_xapi_v_langmap(struct xv_ctx *c, const json_t *map, const char *ptr)
{
    char p[XV_PTR];
    const char *key;
    json_t *val;
    if (!json_is_object(map))
        return gw_xapi_v_fail(c, GW_E_XAPI_PROPERTY_TYPE, ptr,
                              "must be a language map (an object of language tag to string)");
    /* a language map has at least one entry (the 1.0.3 suite's Data 4.2
     * tests refuse an empty display, name or description) */
    if (json_object_size(map) == 0)
        return gw_xapi_v_fail(c, GW_E_XAPI_VALUE_INVALID, ptr,
                              "a language map needs at least one language; omit it instead");
    json_object_foreach((json_t *)map, key, val)
    {
        if (gw_xapi_langtag_valid(key) && json_is_string(val))
            continue;
        gw_json_pointer_join(p, sizeof p, ptr, key);
        if (!gw_xapi_langtag_valid(key))
            return gw_xapi_v_fail(c, GW_E_XAPI_LANGTAG_INVALID, p,
                                  "'%s' is not an RFC 5646 language tag", key);
        if (json_is_null(val))
            return gw_xapi_v_fail(c, GW_E_XAPI_PROPERTY_NULL, p, "a language map value is null");
        if (!json_is_string(val))
            return gw_xapi_v_fail(c, GW_E_XAPI_PROPERTY_TYPE, p,
                                  "a language map value must be a string");
    }
    return GW_OK;
}

enum gw_err gw_xapi_v_extensions(struct xv_ctx *c, const json_t *ext, const char *ptr)
{
    char p[XV_PTR];
    const char *key;
    json_t *val;
    if (!json_is_object(ext))
        return gw_xapi_v_fail(c, GW_E_XAPI_PROPERTY_TYPE, ptr,
                              "extensions must be an object keyed by IRIs");
    json_object_foreach((json_t *)ext, key, val)
    {
        if (!gw_is_absolute_iri(key)) {
            gw_json_pointer_join(p, sizeof p, ptr, key);
            return gw_xapi_v_fail(c, GW_E_XAPI_IRI_INVALID, p,
                                  "extension keys must be absolute IRIs");
        }
    }
    return GW_OK; /* values are never a reason to reject (Data 4.1) */
}
