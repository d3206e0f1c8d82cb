/* validate.c: the statement rules of xAPI Data 2.2-2.6 that an LRS must
 * enforce on input, for 1.0.3 and 2.0: required and allowed properties, types,
 * the object kinds (Activity with its definition and interaction components,
 * Agent, Group, StatementRef, SubStatement), result, context, timestamps,
 * version, attachments, voiding shape; and batches. Agent/Group checks and the
 * shared primitives live in agent.c. Owns no state. */
#include "gw/json.h"
#include "gw/timefmt.h"
#include "xapi_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static enum gw_err check_statement_body(struct xv_ctx *c, const json_t *st, const char *ptr,
                                        bool sub);

static enum gw_err check_timestamp(struct xv_ctx *c, const json_t *obj, const char *key,
                                   const char *base)
{
    char p[XV_PTR];
    const char *s = NULL;
    int64_t ms;
    enum gw_err rc = gw_xapi_v_string(c, obj, key, base, false, &s);
    if (rc != GW_OK || !s)
        return rc;
    if (!gw_time_parse_iso(s, true, &ms)) {
        gw_json_pointer_join(p, sizeof p, base, key);
        return gw_xapi_v_fail(c, GW_E_XAPI_TIMESTAMP_INVALID, p,
                              "'%s' is not an RFC 3339 timestamp (negative-zero offsets are "
                              "refused)",
                              s);
    }
    return GW_OK;
}

static enum gw_err check_langmap_member(struct xv_ctx *c, const json_t *obj, const char *key,
                                        const char *base, bool required)
{
    char p[XV_PTR];
    const json_t *m = json_object_get(obj, key);
    if (!m && !required)
        return GW_OK;
    gw_json_pointer_join(p, sizeof p, base, key);
    if (!m)
        return gw_xapi_v_fail(c, GW_E_XAPI_PROPERTY_MISSING, p, "'%s' is required", key);
    return gw_xapi_v_langmap(c, m, p);
}

static enum gw_err check_extensions_member(struct xv_ctx *c, const json_t *obj, const char *base)
{
    char p[XV_PTR];
    const json_t *e = json_object_get(obj, "extensions");
    if (!e)
        return GW_OK;
    gw_json_pointer_join(p, sizeof p, base, "extensions");
    return gw_xapi_v_extensions(c, e, p);
}

static enum gw_err check_verb(struct xv_ctx *c, const json_t *verb, const char *ptr)
{
    static const char *const keys[] = {"id", "display", NULL};
    enum gw_err rc = gw_xapi_v_object(c, verb, ptr, keys);
    if (rc == GW_OK)
        rc = gw_xapi_v_iri(c, verb, "id", ptr, true);
    if (rc == GW_OK)
        rc = check_langmap_member(c, verb, "display", ptr, false);
    return rc;
}

/* ---- activities ---- */

struct itype {
    const char *name;
    const char *lists[3]; /* component lists this interaction type uses */
};

static const struct itype itypes[] = {
    {"true-false", {NULL}},
    {"choice", {"choices", NULL}},
    {"fill-in", {NULL}},
    {"long-fill-in", {NULL}},
    {"matching", {"source", "target", NULL}},
    {"performance", {"steps", NULL}},
    {"sequencing", {"choices", NULL}},
    {"likert", {"scale", NULL}},
    {"numeric", {NULL}},
    {"other", {NULL}},
};

static const char *const component_lists[] = {"choices", "scale", "source",
                                              "target",  "steps", NULL};

static enum gw_err check_components(struct xv_ctx *c, const json_t *list, const char *ptr)
{
    static const char *const keys[] = {"id", "description", NULL};
    char p[XV_PTR], q[XV_PTR];
    size_t i;
    json_t *comp;
    enum gw_err rc = GW_OK;
    if (!json_is_array(list))
        return gw_xapi_v_fail(c, GW_E_XAPI_PROPERTY_TYPE, ptr,
                              "an interaction component list must be an array");
    json_t *seen = json_object(); /* ids so far, as a set (lists can be long) */
    json_array_foreach(list, i, comp)
    {
        const char *id = NULL;
        gw_json_pointer_index(p, sizeof p, ptr, i);
        if (json_is_null(comp))
            rc = gw_xapi_v_fail(c, GW_E_XAPI_PROPERTY_NULL, p, "a component is null");
        if (rc == GW_OK)
            rc = gw_xapi_v_object(c, comp, p, keys);
        if (rc == GW_OK)
            rc = gw_xapi_v_string(c, comp, "id", p, true, &id);
        if (rc == GW_OK)
            rc = check_langmap_member(c, comp, "description", p, false);
        if (rc == GW_OK && json_object_get(seen, id)) {
            gw_json_pointer_join(q, sizeof q, p, "id");
            rc = gw_xapi_v_fail(c, GW_E_XAPI_INTERACTION_INVALID, q,
                                "component id '%s' repeats within the list", id);
        }
        if (rc != GW_OK)
            break;
        json_object_set_new(seen, id, json_true());
    }
    json_decref(seen);
    return rc;
}

/* An error reported at the definition's /interactionType (the pointer is
 * built only then). */
static enum gw_err interaction_fail(struct xv_ctx *c, const char *ptr, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum gw_err interaction_fail(struct xv_ctx *c, const char *ptr, const char *fmt, ...)
{
    char p[XV_PTR];
    va_list ap;
    gw_json_pointer_join(p, sizeof p, ptr, "interactionType");
    va_start(ap, fmt);
    gw_error_setv(c->err, GW_E_XAPI_INTERACTION_INVALID, p, fmt, ap);
    va_end(ap);
    return GW_E_XAPI_INTERACTION_INVALID;
}

static enum gw_err check_interaction(struct xv_ctx *c, const json_t *def, const char *ptr)
{
    const char *itype = NULL;
    const struct itype *it = NULL;
    enum gw_err rc = gw_xapi_v_string(c, def, "interactionType", ptr, false, &itype);
    if (rc != GW_OK)
        return rc;
    if (itype) {
        for (size_t i = 0; i < sizeof itypes / sizeof itypes[0]; i++) {
            if (strcmp(itypes[i].name, itype) == 0)
                it = &itypes[i];
        }
        if (!it)
            return interaction_fail(c, ptr,
                                    "interactionType '%s' is not one of true-false, choice, "
                                    "fill-in, long-fill-in, matching, performance, sequencing, "
                                    "likert, numeric, other",
                                    itype);
    }
    const json_t *crp = json_object_get(def, "correctResponsesPattern");
    if (crp) {
        char cp[XV_PTR], ep[XV_PTR];
        size_t i;
        json_t *e;
        gw_json_pointer_join(cp, sizeof cp, ptr, "correctResponsesPattern");
        if (!it)
            return interaction_fail(c, ptr, "correctResponsesPattern needs an interactionType");
        if (!json_is_array(crp))
            return gw_xapi_v_fail(c, GW_E_XAPI_PROPERTY_TYPE, cp,
                                  "correctResponsesPattern must be an array of strings");
        json_array_foreach(crp, i, e)
        {
            gw_json_pointer_index(ep, sizeof ep, cp, i);
            if (json_is_null(e))
                return gw_xapi_v_fail(c, GW_E_XAPI_PROPERTY_NULL, ep, "a pattern is null");
            if (!json_is_string(e))
                return gw_xapi_v_fail(c, GW_E_XAPI_PROPERTY_TYPE, ep, "a pattern must be a string");
        }
    }
    for (const char *const *l = component_lists; *l; l++) {
        const json_t *list = json_object_get(def, *l);
        char lp[XV_PTR];
        if (!list)
            continue;
        gw_json_pointer_join(lp, sizeof lp, ptr, *l);
        if (!it)
            return interaction_fail(c, ptr, "'%s' needs an interactionType", *l);
        bool used = false;
        for (int k = 0; k < 3 && it->lists[k]; k++)
            used = used || strcmp(it->lists[k], *l) == 0;
        if (!used)
            return gw_xapi_v_fail(c, GW_E_XAPI_INTERACTION_INVALID, lp,
                                  "interactionType '%s' does not use '%s'", it->name, *l);
        rc = check_components(c, list, lp);
        if (rc != GW_OK)
            return rc;
    }
    return GW_OK;
}

static enum gw_err check_definition(struct xv_ctx *c, const json_t *def, const char *ptr)
{
    static const char *const keys[] = {"name",     "description",     "type",
                                       "moreInfo", "interactionType", "correctResponsesPattern",
                                       "choices",  "scale",           "source",
                                       "target",   "steps",           "extensions",
                                       NULL};
    enum gw_err rc = gw_xapi_v_object(c, def, ptr, keys);
    if (rc == GW_OK)
        rc = check_langmap_member(c, def, "name", ptr, false);
    if (rc == GW_OK)
        rc = check_langmap_member(c, def, "description", ptr, false);
    if (rc == GW_OK)
        rc = gw_xapi_v_iri(c, def, "type", ptr, false);
    if (rc == GW_OK)
        rc = gw_xapi_v_iri(c, def, "moreInfo", ptr, false);
    if (rc == GW_OK)
        rc = check_interaction(c, def, ptr);
    if (rc == GW_OK)
        rc = check_extensions_member(c, def, ptr);
    return rc;
}

static enum gw_err check_activity(struct xv_ctx *c, const json_t *a, const char *ptr)
{
    static const char *const keys[] = {"objectType", "id", "definition", NULL};
    char p[XV_PTR];
    const char *ot = NULL;
    if (!json_is_object(a))
        return gw_xapi_v_fail(c, GW_E_XAPI_PROPERTY_TYPE, ptr, "an Activity must be an object");
    /* objectType first: an Agent here is "wrong kind", not "unknown mbox" */
    enum gw_err rc = gw_xapi_v_string(c, a, "objectType", ptr, false, &ot);
    if (rc == GW_OK && ot && strcmp(ot, "Activity") != 0) {
        gw_json_pointer_join(p, sizeof p, ptr, "objectType");
        rc = gw_xapi_v_fail(c, GW_E_XAPI_OBJECT_TYPE, p, "objectType must be 'Activity' here");
    }
    if (rc == GW_OK)
        rc = gw_xapi_v_object(c, a, ptr, keys);
    if (rc == GW_OK)
        rc = gw_xapi_v_iri(c, a, "id", ptr, true);
    const json_t *def = json_object_get(a, "definition");
    if (rc == GW_OK && def) {
        gw_json_pointer_join(p, sizeof p, ptr, "definition");
        rc = check_definition(c, def, p);
    }
    return rc;
}

static enum gw_err check_statement_ref(struct xv_ctx *c, const json_t *r, const char *ptr)
{
    static const char *const keys[] = {"objectType", "id", NULL};
    char p[XV_PTR];
    const char *ot = NULL;
    enum gw_err rc = gw_xapi_v_object(c, r, ptr, keys);
    if (rc == GW_OK)
        rc = gw_xapi_v_string(c, r, "objectType", ptr, true, &ot);
    if (rc == GW_OK && strcmp(ot, "StatementRef") != 0) {
        gw_json_pointer_join(p, sizeof p, ptr, "objectType");
        rc = gw_xapi_v_fail(c, GW_E_XAPI_OBJECT_TYPE, p, "objectType must be 'StatementRef'");
    }
    if (rc == GW_OK)
        rc = gw_xapi_v_uuid(c, r, "id", ptr, true);
    return rc;
}

static enum gw_err check_object(struct xv_ctx *c, const json_t *o, const char *ptr, bool sub)
{
    char p[XV_PTR];
    if (!json_is_object(o))
        return gw_xapi_v_fail(c, GW_E_XAPI_PROPERTY_TYPE, ptr, "'object' must be a JSON object");
    const json_t *otj = json_object_get(o, "objectType");
    const char *ot = otj ? json_string_value(otj) : "Activity";
    if (ot && strcmp(ot, "Activity") == 0)
        return check_activity(c, o, ptr);
    if (ot && strcmp(ot, "Agent") == 0)
        return gw_xapi_v_agent(c, o, ptr);
    if (ot && strcmp(ot, "Group") == 0)
        return gw_xapi_v_group(c, o, ptr);
    if (ot && strcmp(ot, "StatementRef") == 0)
        return check_statement_ref(c, o, ptr);
    if (ot && strcmp(ot, "SubStatement") == 0 && !sub)
        return check_statement_body(c, o, ptr, true);
    /* what is left is an error at /objectType */
    gw_json_pointer_join(p, sizeof p, ptr, "objectType");
    if (json_is_null(otj))
        return gw_xapi_v_fail(c, GW_E_XAPI_PROPERTY_NULL, p, "'objectType' is null");
    if (!json_is_string(otj))
        return gw_xapi_v_fail(c, GW_E_XAPI_PROPERTY_TYPE, p, "'objectType' must be a string");
    if (strcmp(ot, "SubStatement") == 0)
        return gw_xapi_v_fail(c, GW_E_XAPI_SUBSTATEMENT_INVALID, p,
                              "a SubStatement cannot contain another SubStatement");
    return gw_xapi_v_fail(c, GW_E_XAPI_OBJECT_TYPE, p,
                          "'%s' is not an object type (Activity, Agent, Group, StatementRef, "
                          "SubStatement; case-sensitive)",
                          ot);
}

/* ---- result ---- */

static enum gw_err number_member(struct xv_ctx *c, const json_t *obj, const char *key,
                                 const char *base, bool *has, double *out)
{
    char p[XV_PTR];
    const json_t *v = json_object_get(obj, key);
    *has = v != NULL;
    if (!v)
        return GW_OK;
    if (!json_is_number(v)) {
        gw_json_pointer_join(p, sizeof p, base, key);
        return gw_xapi_v_fail(c, GW_E_XAPI_PROPERTY_TYPE, p, "'%s' must be a number", key);
    }
    *out = json_number_value(v);
    return GW_OK;
}

static enum gw_err check_score(struct xv_ctx *c, const json_t *s, const char *ptr)
{
    static const char *const keys[] = {"scaled", "raw", "min", "max", NULL};
    char p[XV_PTR];
    bool hs, hr, hmin, hmax;
    double scaled = 0, raw = 0, min = 0, max = 0;
    enum gw_err rc = gw_xapi_v_object(c, s, ptr, keys);
    if (rc == GW_OK)
        rc = number_member(c, s, "scaled", ptr, &hs, &scaled);
    if (rc == GW_OK)
        rc = number_member(c, s, "raw", ptr, &hr, &raw);
    if (rc == GW_OK)
        rc = number_member(c, s, "min", ptr, &hmin, &min);
    if (rc == GW_OK)
        rc = number_member(c, s, "max", ptr, &hmax, &max);
    if (rc != GW_OK)
        return rc;
    if (hs && !(scaled >= -1.0 && scaled <= 1.0)) {
        gw_json_pointer_join(p, sizeof p, ptr, "scaled");
        return gw_xapi_v_fail(c, GW_E_XAPI_SCORE_INVALID, p, "'scaled' must be within [-1, 1]");
    }
    if (hmin && hmax && !(min < max)) {
        gw_json_pointer_join(p, sizeof p, ptr, "max");
        return gw_xapi_v_fail(c, GW_E_XAPI_SCORE_INVALID, p, "'max' must be greater than 'min'");
    }
    if (hr && hmin && raw < min) {
        gw_json_pointer_join(p, sizeof p, ptr, "raw");
        return gw_xapi_v_fail(c, GW_E_XAPI_SCORE_INVALID, p, "'raw' is below 'min'");
    }
    if (hr && hmax && raw > max) {
        gw_json_pointer_join(p, sizeof p, ptr, "raw");
        return gw_xapi_v_fail(c, GW_E_XAPI_SCORE_INVALID, p, "'raw' is above 'max'");
    }
    return GW_OK;
}

static enum gw_err bool_member(struct xv_ctx *c, const json_t *obj, const char *key,
                               const char *base)
{
    char p[XV_PTR];
    const json_t *v = json_object_get(obj, key);
    if (!v || json_is_boolean(v))
        return GW_OK;
    gw_json_pointer_join(p, sizeof p, base, key);
    return gw_xapi_v_fail(c, GW_E_XAPI_PROPERTY_TYPE, p, "'%s' must be true or false", key);
}

static enum gw_err check_result(struct xv_ctx *c, const json_t *r, const char *ptr)
{
    static const char *const keys[] = {"score",    "success",    "completion", "response",
                                       "duration", "extensions", NULL};
    char p[XV_PTR];
    const char *dur = NULL;
    enum gw_err rc = gw_xapi_v_object(c, r, ptr, keys);
    const json_t *score = json_object_get(r, "score");
    if (rc == GW_OK && score) {
        gw_json_pointer_join(p, sizeof p, ptr, "score");
        rc = check_score(c, score, p);
    }
    if (rc == GW_OK)
        rc = bool_member(c, r, "success", ptr);
    if (rc == GW_OK)
        rc = bool_member(c, r, "completion", ptr);
    if (rc == GW_OK)
        rc = gw_xapi_v_string(c, r, "response", ptr, false, NULL);
    if (rc == GW_OK)
        rc = gw_xapi_v_string(c, r, "duration", ptr, false, &dur);
    if (rc == GW_OK && dur && !gw_xapi_duration_valid(dur)) {
        gw_json_pointer_join(p, sizeof p, ptr, "duration");
        rc = gw_xapi_v_fail(c, GW_E_XAPI_DURATION_INVALID, p, "'%s' is not an ISO 8601 duration",
                            dur);
    }
    if (rc == GW_OK)
        rc = check_extensions_member(c, r, ptr);
    return rc;
}

/* ---- context ---- */

static enum gw_err check_context_activities(struct xv_ctx *c, const json_t *ca, const char *ptr)
{
    static const char *const keys[] = {"parent", "grouping", "category", "other", NULL};
    char p[XV_PTR], ap[XV_PTR];
    const char *key;
    json_t *val;
    enum gw_err rc = gw_xapi_v_object(c, ca, ptr, keys);
    if (rc != GW_OK)
        return rc;
    if (json_object_size(ca) == 0)
        return gw_xapi_v_fail(c, GW_E_XAPI_CONTEXT_INVALID, ptr,
                              "contextActivities needs at least one of parent, grouping, "
                              "category, other");
    json_object_foreach((json_t *)ca, key, val)
    {
        gw_json_pointer_join(p, sizeof p, ptr, key);
        if (json_is_object(val)) {
            rc = check_activity(c, val, p);
        } else if (json_is_array(val)) {
            size_t i;
            json_t *a;
            json_array_foreach(val, i, a)
            {
                gw_json_pointer_index(ap, sizeof ap, p, i);
                if (json_is_null(a))
                    return gw_xapi_v_fail(c, GW_E_XAPI_PROPERTY_NULL, ap, "an activity is null");
                rc = check_activity(c, a, ap);
                if (rc != GW_OK)
                    return rc;
            }
        } else {
            rc = gw_xapi_v_fail(c, GW_E_XAPI_PROPERTY_TYPE, p,
                                "must be an Activity object or an array of them");
        }
        if (rc != GW_OK)
            return rc;
    }
    return GW_OK;
}

/* 2.0: contextAgents / contextGroups. */
static enum gw_err check_context_typed(struct xv_ctx *c, const json_t *list, const char *ptr,
                                       bool groups)
{
    const char *ot_name = groups ? "contextGroup" : "contextAgent";
    const char *member = groups ? "group" : "agent";
    const char *keys[] = {"objectType", member, "relevantTypes", NULL};
    char p[XV_PTR], q[XV_PTR], r[XV_PTR];
    size_t i, j;
    json_t *e, *t;
    if (!json_is_array(list))
        return gw_xapi_v_fail(c, GW_E_XAPI_PROPERTY_TYPE, ptr, "must be an array");
    json_array_foreach(list, i, e)
    {
        const char *ot = NULL;
        gw_json_pointer_index(p, sizeof p, ptr, i);
        if (json_is_null(e))
            return gw_xapi_v_fail(c, GW_E_XAPI_PROPERTY_NULL, p, "an entry is null");
        enum gw_err rc = gw_xapi_v_object(c, e, p, keys);
        if (rc == GW_OK)
            rc = gw_xapi_v_string(c, e, "objectType", p, true, &ot);
        if (rc != GW_OK)
            return rc;
        if (strcmp(ot, ot_name) != 0) {
            gw_json_pointer_join(q, sizeof q, p, "objectType");
            return gw_xapi_v_fail(c, GW_E_XAPI_CONTEXT_AGENTS_INVALID, q, "objectType must be '%s'",
                                  ot_name);
        }
        const json_t *who = json_object_get(e, member);
        gw_json_pointer_join(q, sizeof q, p, member);
        if (!who)
            return gw_xapi_v_fail(c, GW_E_XAPI_PROPERTY_MISSING, q, "'%s' is required", member);
        rc = groups ? gw_xapi_v_group(c, who, q) : gw_xapi_v_agent(c, who, q);
        if (rc != GW_OK)
            return rc;
        const json_t *types = json_object_get(e, "relevantTypes");
        if (!types)
            continue;
        gw_json_pointer_join(q, sizeof q, p, "relevantTypes");
        if (!json_is_array(types))
            return gw_xapi_v_fail(c, GW_E_XAPI_PROPERTY_TYPE, q, "must be an array of IRIs");
        if (json_array_size(types) == 0)
            return gw_xapi_v_fail(c, GW_E_XAPI_CONTEXT_AGENTS_INVALID, q,
                                  "relevantTypes must not be empty");
        json_array_foreach(types, j, t)
        {
            gw_json_pointer_index(r, sizeof r, q, j);
            if (!json_is_string(t) || !gw_is_absolute_iri(json_string_value(t)))
                return gw_xapi_v_fail(c, GW_E_XAPI_IRI_INVALID, r,
                                      "relevantTypes entries must be absolute IRIs");
        }
    }
    return GW_OK;
}

static bool object_is_activity(const json_t *st)
{
    const char *ot = gw_xapi_str(json_object_get(st, "object"), "objectType");
    return !ot || strcmp(ot, "Activity") == 0;
}

static enum gw_err check_context(struct xv_ctx *c, const json_t *ctx, const char *ptr,
                                 const json_t *st)
{
    static const char *const keys10[] = {
        "registration", "instructor", "team",      "contextActivities", "revision",
        "platform",     "language",   "statement", "extensions",        NULL};
    static const char *const keys20[] = {"registration",      "instructor",    "team",
                                         "contextActivities", "revision",      "platform",
                                         "language",          "statement",     "extensions",
                                         "contextAgents",     "contextGroups", NULL};
    char p[XV_PTR];
    const char *lang = NULL, *rev = NULL, *plat = NULL;
    enum gw_err rc = gw_xapi_v_object(c, ctx, ptr, c->v == GW_XAPI_V2_0 ? keys20 : keys10);
    if (rc == GW_OK)
        rc = gw_xapi_v_uuid(c, ctx, "registration", ptr, false);
    const json_t *m = json_object_get(ctx, "instructor");
    if (rc == GW_OK && m) {
        gw_json_pointer_join(p, sizeof p, ptr, "instructor");
        rc = gw_xapi_v_actor(c, m, p);
    }
    m = json_object_get(ctx, "team");
    if (rc == GW_OK && m) {
        gw_json_pointer_join(p, sizeof p, ptr, "team");
        const char *ot = gw_xapi_str(m, "objectType");
        if (!json_is_object(m))
            rc = gw_xapi_v_fail(c, GW_E_XAPI_PROPERTY_TYPE, p, "'team' must be a Group object");
        else if (!ot || strcmp(ot, "Group") != 0)
            rc = gw_xapi_v_fail(c, GW_E_XAPI_CONTEXT_INVALID, p,
                                "'team' must be a Group (objectType 'Group')");
        else
            rc = gw_xapi_v_group(c, m, p);
    }
    m = json_object_get(ctx, "contextActivities");
    if (rc == GW_OK && m) {
        gw_json_pointer_join(p, sizeof p, ptr, "contextActivities");
        rc = check_context_activities(c, m, p);
    }
    if (rc == GW_OK)
        rc = gw_xapi_v_string(c, ctx, "revision", ptr, false, &rev);
    if (rc == GW_OK)
        rc = gw_xapi_v_string(c, ctx, "platform", ptr, false, &plat);
    if (rc == GW_OK && (rev || plat) && !object_is_activity(st)) {
        gw_json_pointer_join(p, sizeof p, ptr, rev ? "revision" : "platform");
        rc = gw_xapi_v_fail(c, GW_E_XAPI_CONTEXT_INVALID, p,
                            "'%s' may only be used when the object is an Activity",
                            rev ? "revision" : "platform");
    }
    if (rc == GW_OK)
        rc = gw_xapi_v_string(c, ctx, "language", ptr, false, &lang);
    /* the full RFC 5646 check, as for language map keys (the suite's
     * XAPI-00013 refuses "something" here) */
    if (rc == GW_OK && lang && !gw_xapi_langtag_valid(lang)) {
        gw_json_pointer_join(p, sizeof p, ptr, "language");
        rc = gw_xapi_v_fail(c, GW_E_XAPI_LANGTAG_INVALID, p,
                            "'%s' is not an RFC 5646 language tag such as en-US", lang);
    }
    m = json_object_get(ctx, "statement");
    if (rc == GW_OK && m) {
        gw_json_pointer_join(p, sizeof p, ptr, "statement");
        rc = check_statement_ref(c, m, p);
    }
    if (rc == GW_OK)
        rc = check_extensions_member(c, ctx, ptr);
    m = json_object_get(ctx, "contextAgents");
    if (rc == GW_OK && m) {
        gw_json_pointer_join(p, sizeof p, ptr, "contextAgents");
        rc = check_context_typed(c, m, p, false);
    }
    m = json_object_get(ctx, "contextGroups");
    if (rc == GW_OK && m) {
        gw_json_pointer_join(p, sizeof p, ptr, "contextGroups");
        rc = check_context_typed(c, m, p, true);
    }
    return rc;
}

/* ---- attachments ---- */

static bool is_media_type(const char *s)
{
    const char *slash = strchr(s, '/');
    if (!slash || slash == s || !slash[1])
        return false;
    for (const char *p = s; *p; p++) {
        if ((unsigned char)*p <= 0x20 && *p != ' ')
            return false;
    }
    return true;
}

static bool is_sha2_hex(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        if (!isxdigit((unsigned char)s[n]))
            return false;
    }
    return n == 56 || n == 64 || n == 96 || n == 128;
}

static enum gw_err check_attachment(struct xv_ctx *c, const json_t *a, const char *ptr)
{
    static const char *const keys[] = {"usageType", "display", "description", "contentType",
                                       "length",    "sha2",    "fileUrl",     NULL};
    char p[XV_PTR];
    const char *ct = NULL, *sha = NULL;
    enum gw_err rc = gw_xapi_v_object(c, a, ptr, keys);
    if (rc == GW_OK)
        rc = gw_xapi_v_iri(c, a, "usageType", ptr, true);
    if (rc == GW_OK)
        rc = check_langmap_member(c, a, "display", ptr, true);
    if (rc == GW_OK)
        rc = check_langmap_member(c, a, "description", ptr, false);
    if (rc == GW_OK)
        rc = gw_xapi_v_string(c, a, "contentType", ptr, true, &ct);
    if (rc == GW_OK && !is_media_type(ct)) {
        gw_json_pointer_join(p, sizeof p, ptr, "contentType");
        rc = gw_xapi_v_fail(c, GW_E_XAPI_ATTACHMENT_INVALID, p,
                            "'contentType' must be an Internet media type such as image/png");
    }
    const json_t *len = json_object_get(a, "length");
    if (rc == GW_OK && (!json_is_integer(len) || json_integer_value(len) < 0))
        gw_json_pointer_join(p, sizeof p, ptr, "length"); /* only to report */
    if (rc == GW_OK && !len)
        rc = gw_xapi_v_fail(c, GW_E_XAPI_PROPERTY_MISSING, p, "'length' is required");
    if (rc == GW_OK && !json_is_integer(len))
        rc = gw_xapi_v_fail(c, GW_E_XAPI_PROPERTY_TYPE, p, "'length' must be an integer");
    if (rc == GW_OK && json_integer_value(len) < 0)
        rc = gw_xapi_v_fail(c, GW_E_XAPI_ATTACHMENT_INVALID, p, "'length' must not be negative");
    if (rc == GW_OK)
        rc = gw_xapi_v_string(c, a, "sha2", ptr, true, &sha);
    if (rc == GW_OK && !is_sha2_hex(sha)) {
        gw_json_pointer_join(p, sizeof p, ptr, "sha2");
        rc = gw_xapi_v_fail(c, GW_E_XAPI_ATTACHMENT_INVALID, p,
                            "'sha2' must be the hex SHA-2 (224/256/384/512) of the content");
    }
    if (rc == GW_OK)
        rc = gw_xapi_v_iri(c, a, "fileUrl", ptr, false);
    return rc;
}

static enum gw_err check_attachments(struct xv_ctx *c, const json_t *list, const char *ptr)
{
    char p[XV_PTR];
    size_t i;
    json_t *a;
    if (!json_is_array(list))
        return gw_xapi_v_fail(c, GW_E_XAPI_PROPERTY_TYPE, ptr, "'attachments' must be an array");
    json_array_foreach(list, i, a)
    {
        gw_json_pointer_index(p, sizeof p, ptr, i);
        if (json_is_null(a))
            return gw_xapi_v_fail(c, GW_E_XAPI_PROPERTY_NULL, p, "an attachment is null");
        enum gw_err rc = check_attachment(c, a, p);
        if (rc != GW_OK)
            return rc;
    }
    return GW_OK;
}

/* ---- statement ---- */

static bool version_ok(const char *s, enum gw_xapi_version v)
{
    const char *rest;
    if (strncmp(s, "1.0", 3) == 0)
        rest = s + 3;
    else if (v == GW_XAPI_V2_0 && strncmp(s, "2.0", 3) == 0)
        rest = s + 3;
    else
        return false;
    if (*rest == '\0')
        return true;
    if (*rest++ != '.' || !isdigit((unsigned char)*rest))
        return false;
    while (isdigit((unsigned char)*rest))
        rest++;
    return *rest == '\0';
}

static enum gw_err check_authority(struct xv_ctx *c, const json_t *a, const char *ptr)
{
    enum gw_err rc = gw_xapi_v_actor(c, a, ptr);
    if (rc != GW_OK)
        return rc;
    const char *ot = gw_xapi_str(a, "objectType");
    if (ot && strcmp(ot, "Group") == 0) {
        const json_t *m = json_object_get(a, "member");
        for (const char *const *k = gw_xapi_ifi_keys; *k; k++) {
            if (json_object_get(a, *k)) {
                char p[XV_PTR];
                gw_json_pointer_join(p, sizeof p, ptr, *k);
                return gw_xapi_v_fail(c, GW_E_XAPI_AUTHORITY_INVALID, p,
                                      "a Group authority is anonymous (the OAuth consumer and "
                                      "user as its members); it cannot have '%s'",
                                      *k);
            }
        }
        if (json_array_size(m) != 2) {
            char p[XV_PTR];
            gw_json_pointer_join(p, sizeof p, ptr, "member");
            return gw_xapi_v_fail(c, GW_E_XAPI_AUTHORITY_INVALID, p,
                                  "a Group authority has exactly two Agents (OAuth consumer "
                                  "and user)");
        }
    }
    return GW_OK;
}

static enum gw_err require_member(struct xv_ctx *c, const json_t *st, const char *key,
                                  const char *ptr, const json_t **out)
{
    char p[XV_PTR];
    *out = json_object_get(st, key);
    if (*out)
        return GW_OK;
    gw_json_pointer_join(p, sizeof p, ptr, key);
    return gw_xapi_v_fail(c, GW_E_XAPI_PROPERTY_MISSING, p, "a statement needs '%s'", key);
}

/* ---- a statement: one rule per member ---- */

/* Checks member key of statement st (base: st's pointer); called only when
 * the member is present. sub: st is a SubStatement. */
typedef enum gw_err (*member_check)(struct xv_ctx *c, const json_t *st, const char *key,
                                    const char *base, bool sub);

static const json_t *member_at(const json_t *st, const char *key, const char *base, char *p)
{
    gw_json_pointer_join(p, XV_PTR, base, key);
    return json_object_get(st, key);
}

/* The object, and the voiding rule that ties it to the verb (the verb is
 * checked first, so it has an id). */
static enum gw_err m_object(struct xv_ctx *c, const json_t *st, const char *key, const char *base,
                            bool sub)
{
    char p[XV_PTR];
    const json_t *m = member_at(st, key, base, p);
    enum gw_err rc = check_object(c, m, p, sub);
    if (rc != GW_OK || sub)
        return rc;
    const char *verb_id = gw_xapi_str(json_object_get(st, "verb"), "id");
    const char *obj_type = gw_xapi_str(m, "objectType");
    if (verb_id && strcmp(verb_id, GW_XAPI_VERB_VOIDED) == 0 &&
        (!obj_type || strcmp(obj_type, "StatementRef") != 0))
        return gw_xapi_v_fail(c, GW_E_XAPI_VOIDING_INVALID, p,
                              "a voiding statement's object must be a StatementRef");
    return GW_OK;
}

static enum gw_err m_context(struct xv_ctx *c, const json_t *st, const char *key, const char *base,
                             bool sub)
{
    (void)sub;
    char p[XV_PTR];
    const json_t *m = member_at(st, key, base, p);
    return check_context(c, m, p, st);
}

static enum gw_err m_timestamp(struct xv_ctx *c, const json_t *st, const char *key,
                               const char *base, bool sub)
{
    (void)sub;
    return check_timestamp(c, st, key, base);
}

static enum gw_err m_version(struct xv_ctx *c, const json_t *st, const char *key, const char *base,
                             bool sub)
{
    (void)sub;
    const char *ver = NULL;
    enum gw_err rc = gw_xapi_v_string(c, st, key, base, false, &ver);
    if (rc != GW_OK || !ver || version_ok(ver, c->v))
        return rc;
    char p[XV_PTR];
    gw_json_pointer_join(p, sizeof p, base, key);
    return gw_xapi_v_fail(c, GW_E_XAPI_STATEMENT_VERSION, p,
                          "version '%s' is not accepted (1.0.x%s)", ver,
                          c->v == GW_XAPI_V2_0 ? " or 2.0.x" : "");
}

/* A member checked on its own: the member's value and its pointer. */
typedef enum gw_err (*value_check)(struct xv_ctx *c, const json_t *m, const char *ptr);

/* The members a statement may have, in the order they are checked (which
 * error a statement with several faults gets). required: a statement needs
 * it (all three are looked for before any is checked); top: a Statement's
 * member only; in a SubStatement it is refused. A member is checked by its
 * value (value) or, when the rule needs the statement around it, by whole.
 * id and objectType are checked before the table (id: a UUID; objectType: a
 * SubStatement's). */
static const struct member_rule {
    const char *key;
    bool required, top;
    value_check value;
    member_check whole;
} member_rules[] = {
    {"actor", true, false, gw_xapi_v_actor, NULL},
    {"verb", true, false, check_verb, NULL},
    {"object", true, false, NULL, m_object},
    {"result", false, false, check_result, NULL},
    {"context", false, false, NULL, m_context},
    {"timestamp", false, false, NULL, m_timestamp},
    {"stored", false, true, NULL, m_timestamp},
    {"authority", false, true, check_authority, NULL},
    {"version", false, true, NULL, m_version},
    {"attachments", false, false, check_attachments, NULL},
};
enum { N_MEMBER_RULES = sizeof member_rules / sizeof member_rules[0] };

static enum gw_err check_statement_body(struct xv_ctx *c, const json_t *st, const char *ptr,
                                        bool sub)
{
    static const char *const top[] = {"id",        "actor",   "verb",        "object",
                                      "result",    "context", "timestamp",   "stored",
                                      "authority", "version", "attachments", NULL};
    static const char *const subkeys[] = {"objectType", "actor",       "verb",
                                          "object",     "result",      "context",
                                          "timestamp",  "attachments", NULL};
    char p[XV_PTR];
    if (!json_is_object(st))
        return gw_xapi_v_fail(c, sub ? GW_E_XAPI_PROPERTY_TYPE : GW_E_XAPI_STATEMENT_INVALID, ptr,
                              "a statement must be a JSON object");
    if (sub) {
        /* a SubStatement cannot have id or the top-only members */
        if (json_object_get(st, "id")) {
            gw_json_pointer_join(p, sizeof p, ptr, "id");
            return gw_xapi_v_fail(c, GW_E_XAPI_SUBSTATEMENT_INVALID, p,
                                  "a SubStatement cannot have 'id'");
        }
        for (size_t i = 0; i < N_MEMBER_RULES; i++) {
            if (member_rules[i].top && json_object_get(st, member_rules[i].key)) {
                gw_json_pointer_join(p, sizeof p, ptr, member_rules[i].key);
                return gw_xapi_v_fail(c, GW_E_XAPI_SUBSTATEMENT_INVALID, p,
                                      "a SubStatement cannot have '%s'", member_rules[i].key);
            }
        }
    }
    enum gw_err rc = gw_xapi_v_object(c, st, ptr, sub ? subkeys : top);
    if (rc == GW_OK && !sub)
        rc = gw_xapi_v_uuid(c, st, "id", ptr, false);
    for (size_t i = 0; rc == GW_OK && i < N_MEMBER_RULES; i++) {
        const json_t *m;
        if (member_rules[i].required)
            rc = require_member(c, st, member_rules[i].key, ptr, &m);
    }
    for (size_t i = 0; rc == GW_OK && i < N_MEMBER_RULES; i++) {
        const struct member_rule *r = &member_rules[i];
        const json_t *m = json_object_get(st, r->key);
        if (!m || (r->top && sub))
            continue;
        if (r->whole) {
            rc = r->whole(c, st, r->key, ptr, sub);
        } else {
            gw_json_pointer_join(p, sizeof p, ptr, r->key);
            rc = r->value(c, m, p);
        }
    }
    return rc;
}

enum gw_err gw_xapi_validate_statement(json_t *st, const char *pointer_base, enum gw_xapi_version v,
                                       struct gw_error *err)
{
    struct xv_ctx c = {v, err};
    return check_statement_body(&c, st, pointer_base ? pointer_base : "", false);
}

enum gw_err gw_xapi_validate_batch(json_t *body, enum gw_xapi_version v, struct gw_error *err)
{
    char p[XV_PTR];
    size_t i, j;
    json_t *st;
    if (json_is_object(body))
        return gw_xapi_validate_statement(body, "", v, err);
    if (!json_is_array(body))
        return gw_error_set(err, GW_E_XAPI_STATEMENT_INVALID, "",
                            "the body must be a statement object or an array of statements");
    json_array_foreach(body, i, st)
    {
        gw_json_pointer_index(p, sizeof p, "", i);
        enum gw_err rc = gw_xapi_validate_statement(st, p, v, err);
        if (rc != GW_OK)
            return rc;
    }
    /* Duplicate ids, compared case-insensitively (a UUID's hex digits). */
    json_t *seen = json_object();
    enum gw_err rc = GW_OK;
    json_array_foreach(body, i, st)
    {
        const char *id = gw_xapi_str(st, "id");
        char low[40];
        if (!id)
            continue;
        for (j = 0; j < sizeof low - 1 && id[j]; j++)
            low[j] = (char)tolower((unsigned char)id[j]);
        low[j] = '\0';
        const json_t *first = json_object_get(seen, low);
        if (first) {
            snprintf(p, sizeof p, "/%zu/id", i);
            rc = gw_error_set(err, GW_E_XAPI_BATCH_DUPLICATE_ID, p,
                              "statements %lld and %zu share the id %s",
                              (long long)json_integer_value(first), i, id);
            break;
        }
        json_object_set_new(seen, low, json_integer((json_int_t)i));
    }
    json_decref(seen);
    return rc;
}
