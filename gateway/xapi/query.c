/* query.c: GET /statements query parameters (Comm 2.1.3) and the
 * X-Experience-API-Version header (Comm 3.3), parsed into plain values. The
 * HTTP layer splits and percent-decodes the query; this file decides what the
 * pairs mean. */
#include "gw/json.h"
#include "gw/timefmt.h"
#include "xapi_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum qp {
    QP_STATEMENT_ID,
    QP_VOIDED_STATEMENT_ID,
    QP_AGENT,
    QP_VERB,
    QP_ACTIVITY,
    QP_REGISTRATION,
    QP_RELATED_ACTIVITIES,
    QP_RELATED_AGENTS,
    QP_SINCE,
    QP_UNTIL,
    QP_LIMIT,
    QP_FORMAT,
    QP_ATTACHMENTS,
    QP_ASCENDING,
    QP_COUNT
};

static const char *const qp_names[QP_COUNT] = {
    "statementId",        "voidedStatementId", "agent", "verb",  "activity", "registration",
    "related_activities", "related_agents",    "since", "until", "limit",    "format",
    "attachments",        "ascending"};

static enum gw_err qfail(struct gw_error *err, const char *name, const char *what, const char *v)
{
    return gw_error_set(err, GW_E_XAPI_QUERY_PARAM, name, "'%.200s' %s", v, what);
}

static enum gw_err parse_bool(const char *name, const char *v, bool *out, struct gw_error *err)
{
    if (strcmp(v, "true") == 0)
        *out = true;
    else if (strcmp(v, "false") == 0)
        *out = false;
    else
        return qfail(err, name, "must be true or false", v);
    return GW_OK;
}

static enum gw_err parse_one(struct gw_xapi_query *q, enum qp which, const char *name,
                             const char *v, struct gw_error *err)
{
    switch (which) {
    case QP_STATEMENT_ID:
    case QP_VOIDED_STATEMENT_ID:
    case QP_REGISTRATION:
        if (!gw_is_uuid(v))
            return qfail(err, name, "is not a UUID", v);
        if (which == QP_STATEMENT_ID)
            q->statement_id = v;
        else if (which == QP_VOIDED_STATEMENT_ID)
            q->voided_statement_id = v;
        else
            q->registration = v;
        return GW_OK;
    case QP_AGENT: {
        json_error_t je;
        json_t *a = json_loads(v, JSON_REJECT_DUPLICATES, &je);
        struct xv_ctx c = {GW_XAPI_V2_0, NULL};
        const char *ot = gw_xapi_str(a, "objectType");
        bool ok = json_is_object(a) &&
                  (ot && strcmp(ot, "Group") == 0 ? gw_xapi_v_group(&c, a, "")
                                                  : gw_xapi_v_agent(&c, a, "")) == GW_OK &&
                  gw_xapi_agent_key(a, q->agent_key, sizeof q->agent_key);
        json_decref(a);
        if (!ok)
            return qfail(err, name, "is not an Agent or identified Group as JSON", v);
        q->has_agent = true;
        return GW_OK;
    }
    case QP_VERB:
    case QP_ACTIVITY:
        if (!gw_is_absolute_iri(v))
            return qfail(err, name, "is not an absolute IRI", v);
        if (which == QP_VERB)
            q->verb = v;
        else
            q->activity = v;
        return GW_OK;
    case QP_RELATED_ACTIVITIES:
        return parse_bool(name, v, &q->related_activities, err);
    case QP_RELATED_AGENTS:
        return parse_bool(name, v, &q->related_agents, err);
    case QP_ATTACHMENTS:
        return parse_bool(name, v, &q->attachments, err);
    case QP_ASCENDING:
        return parse_bool(name, v, &q->ascending, err);
    case QP_SINCE:
    case QP_UNTIL: {
        int64_t ms;
        if (!gw_time_parse_iso(v, true, &ms))
            return qfail(err, name, "is not an RFC 3339 timestamp", v);
        if (which == QP_SINCE) {
            q->has_since = true;
            q->since_ms = ms;
        } else {
            q->has_until = true;
            q->until_ms = ms;
        }
        return GW_OK;
    }
    case QP_LIMIT: {
        char *end = NULL;
        errno = 0;
        long long n = strtoll(v, &end, 10);
        if (!isdigit((unsigned char)v[0]) || *end || errno == ERANGE || n < 0)
            return qfail(err, name, "is not a non-negative integer", v);
        q->limit = n;
        return GW_OK;
    }
    case QP_FORMAT:
        if (strcmp(v, "exact") == 0)
            q->format = GW_XAPI_FORMAT_EXACT;
        else if (strcmp(v, "ids") == 0)
            q->format = GW_XAPI_FORMAT_IDS;
        else if (strcmp(v, "canonical") == 0)
            q->format = GW_XAPI_FORMAT_CANONICAL;
        else
            return qfail(err, name, "must be ids, exact or canonical", v);
        return GW_OK;
    case QP_COUNT:
        break;
    }
    return GW_E_INTERNAL;
}

enum gw_err gw_xapi_query_parse(const struct gw_xapi_qparam *params, size_t n,
                                struct gw_xapi_query *q, struct gw_error *err)
{
    bool seen[QP_COUNT] = {false};
    memset(q, 0, sizeof *q);
    q->format = GW_XAPI_FORMAT_EXACT;
    for (size_t i = 0; i < n; i++) {
        const char *name = params[i].name ? params[i].name : "";
        const char *value = params[i].value ? params[i].value : "";
        int which = -1;
        for (int k = 0; k < QP_COUNT; k++) {
            if (strcmp(qp_names[k], name) == 0)
                which = k;
        }
        if (which < 0) {
            for (int k = 0; k < QP_COUNT; k++) {
                if (strcasecmp(qp_names[k], name) == 0)
                    return gw_error_set(err, GW_E_XAPI_QUERY_PARAM, name,
                                        "parameter names are case-sensitive: use '%s'",
                                        qp_names[k]);
            }
            return gw_error_set(err, GW_E_XAPI_QUERY_PARAM, name,
                                "'%s' is not a statements query parameter", name);
        }
        if (seen[which])
            return gw_error_set(err, GW_E_XAPI_QUERY_PARAM, name, "'%s' is given twice", name);
        seen[which] = true;
        enum gw_err rc = parse_one(q, (enum qp)which, name, value, err);
        if (rc != GW_OK)
            return rc;
    }
    if (seen[QP_STATEMENT_ID] && seen[QP_VOIDED_STATEMENT_ID])
        return gw_error_set(err, GW_E_XAPI_QUERY_COMBINATION, "voidedStatementId",
                            "statementId and voidedStatementId cannot be used together");
    if (seen[QP_STATEMENT_ID] || seen[QP_VOIDED_STATEMENT_ID]) {
        for (int k = 0; k < QP_COUNT; k++) {
            if (seen[k] && k != QP_STATEMENT_ID && k != QP_VOIDED_STATEMENT_ID &&
                k != QP_ATTACHMENTS && k != QP_FORMAT)
                return gw_error_set(err, GW_E_XAPI_QUERY_COMBINATION, qp_names[k],
                                    "'%s' cannot be combined with a statement id", qp_names[k]);
        }
    }
    return GW_OK;
}

/* "M.m" or "M.m.p" with decimal numbers; true when it reads. */
static bool semver(const char *s, long *maj, long *min, bool *has_patch)
{
    char *end;
    if (!isdigit((unsigned char)*s))
        return false;
    *maj = strtol(s, &end, 10);
    if (*end != '.' || !isdigit((unsigned char)end[1]))
        return false;
    *min = strtol(end + 1, &end, 10);
    *has_patch = false;
    if (*end == '\0')
        return true;
    if (*end != '.' || !isdigit((unsigned char)end[1]))
        return false;
    strtol(end + 1, &end, 10);
    *has_patch = true;
    return *end == '\0';
}

enum gw_err gw_xapi_version_parse(const char *header, enum gw_xapi_version *out,
                                  struct gw_error *err)
{
    static const char *const where = "X-Experience-API-Version";
    long maj = 0, min = 0;
    bool patch = false;
    if (!header || !*header)
        return gw_error_set(err, GW_E_XAPI_VERSION_HEADER, where,
                            "the X-Experience-API-Version header is required");
    if (!semver(header, &maj, &min, &patch))
        return gw_error_set(err, GW_E_XAPI_VERSION_HEADER, where, "'%.64s' is not a version",
                            header);
    if (maj == 1 && min == 0) {
        *out = GW_XAPI_V1_0;
        return GW_OK;
    }
    if (maj == 2 && min == 0) {
        *out = GW_XAPI_V2_0;
        return GW_OK;
    }
    return gw_error_set(err, GW_E_XAPI_VERSION_HEADER, where,
                        "version '%.64s' is not supported; use 1.0.3 or 2.0.0", header);
}
