/* normalize.c: what the LRS sets on a validated statement before storing it
 * (Data 2.4): id, stored, timestamp (UTC), authority, default version,
 * default objectType of the object, contextActivities as arrays. */
#include "gw/hash.h"
#include "gw/timefmt.h"
#include "xapi_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static void context_arrays(json_t *st)
{
    static const char *const keys[] = {"parent", "grouping", "category", "other"};
    json_t *ca = json_object_get(json_object_get(st, "context"), "contextActivities");
    if (!json_is_object(ca))
        return;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        json_t *v = json_object_get(ca, keys[i]);
        if (json_is_object(v)) {
            json_t *arr = json_array();
            json_array_append(arr, v);
            json_object_set_new(ca, keys[i], arr);
        }
    }
}

static void default_object_type(json_t *st)
{
    json_t *obj = json_object_get(st, "object");
    if (json_is_object(obj) && !json_object_get(obj, "objectType"))
        json_object_set_new(obj, "objectType", json_string("Activity"));
}

enum gw_err gw_xapi_normalize(json_t *st, const char *id_or_null, int64_t stored_ms,
                              const json_t *authority, enum gw_xapi_version v,
                              struct gw_xapi_norm *out, struct gw_error *err)
{
    return gw_xapi_normalize_ex(st, id_or_null, stored_ms, authority, v, 0, out, err);
}

enum gw_err gw_xapi_normalize_ex(json_t *st, const char *id_or_null, int64_t stored_ms,
                                 const json_t *authority, enum gw_xapi_version v, unsigned flags,
                                 struct gw_xapi_norm *out, struct gw_error *err)
{
    char buf[40];
    int64_t ts_ms = stored_ms;
    if (!json_is_object(st))
        return gw_error_set(err, GW_E_XAPI_STATEMENT_INVALID, "", "a statement must be an object");
    const char *id = gw_xapi_str(st, "id");
    if (id_or_null) {
        if (id && strcasecmp(id, id_or_null) != 0)
            return gw_error_set(err, GW_E_XAPI_STATEMENT_ID_MISMATCH, "/id",
                                "the body's id %s differs from statementId %s", id, id_or_null);
        if (!id)
            json_object_set_new(st, "id", json_string(id_or_null));
    } else if (!id) {
        if (!gw_xapi_new_statement_id(stored_ms, buf))
            return gw_error_set(err, GW_E_INTERNAL, "/id", "no randomness for a statement id");
        json_object_set_new(st, "id", json_string(buf));
    }
    const char *ts = gw_xapi_str(st, "timestamp");
    if (ts && !gw_time_parse_iso(ts, true, &ts_ms))
        return gw_error_set(err, GW_E_XAPI_TIMESTAMP_INVALID, "/timestamp",
                            "'%s' is not an RFC 3339 timestamp", ts);
    if (ts || !(flags & GW_XAPI_NORM_NO_DEFAULT_TS)) {
        gw_time_format_ms(ts_ms, buf);
        json_object_set_new(st, "timestamp", json_string(buf));
    }
    /* removing a member keeps the others' order, so the tree is the one that
     * setting "stored" and removing it afterwards would leave */
    if (flags & GW_XAPI_NORM_NO_STORED) {
        json_object_del(st, "stored");
    } else {
        gw_time_format_ms(stored_ms, buf);
        json_object_set_new(st, "stored", json_string(buf));
    }
    if (authority && (flags & GW_XAPI_NORM_SHARE_AUTHORITY))
        json_object_set(st, "authority", (json_t *)authority);
    else if (authority)
        json_object_set_new(st, "authority", json_deep_copy(authority));
    if (!json_object_get(st, "version"))
        json_object_set_new(st, "version", json_string(v == GW_XAPI_V2_0 ? "2.0.0" : "1.0.0"));
    default_object_type(st);
    context_arrays(st);
    json_t *obj = json_object_get(st, "object");
    const char *ot = gw_xapi_str(obj, "objectType");
    if (ot && strcmp(ot, "SubStatement") == 0) {
        default_object_type(obj);
        context_arrays(obj);
    }
    if (out) {
        snprintf(out->id, sizeof out->id, "%s", gw_xapi_str(st, "id"));
        out->timestamp_ms = ts_ms;
        out->stored_ms = stored_ms;
    }
    return GW_OK;
}
