/* agent.c: the Agent and Group rules of xAPI Data 2.4.2: exactly one IFI
 * per Agent, mbox/mbox_sha1sum/openid/account forms, Group member rules;
 * and the canonical identity keys of agents. The generic member checks
 * they use are in check.c. */
#include "gw/buf.h"
#include "gw/hash.h"
#include "gw/json.h"
#include "xapi_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

bool gw_xapi_mbox_valid(const char *mbox)
{
    return strncasecmp(mbox, "mailto:", 7) == 0 && gw_is_email(mbox + 7);
}

static bool is_sha1_hex(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        if (!isxdigit((unsigned char)s[n]))
            return false;
    }
    return n == 40;
}

const char *const gw_xapi_ifi_keys[] = {"mbox", "mbox_sha1sum", "openid", "account", NULL};

/* Checks the IFI members present in a and counts them into *count. */
static enum gw_err check_ifis(struct xv_ctx *c, const json_t *a, const char *ptr, int *count)
{
    char p[XV_PTR];
    const char *s = NULL;
    enum gw_err rc;
    *count = 0;
    rc = gw_xapi_v_string(c, a, "mbox", ptr, false, &s);
    if (rc != GW_OK)
        return rc;
    if (s) {
        (*count)++;
        if (!gw_xapi_mbox_valid(s)) {
            gw_json_pointer_join(p, sizeof p, ptr, "mbox");
            return gw_xapi_v_fail(c, GW_E_XAPI_MBOX_INVALID, p,
                                  "'mbox' must have the form mailto:name@example.org");
        }
    }
    rc = gw_xapi_v_string(c, a, "mbox_sha1sum", ptr, false, &s);
    if (rc != GW_OK)
        return rc;
    if (s) {
        (*count)++;
        if (!is_sha1_hex(s)) {
            gw_json_pointer_join(p, sizeof p, ptr, "mbox_sha1sum");
            return gw_xapi_v_fail(c, GW_E_XAPI_SHA1SUM_INVALID, p,
                                  "'mbox_sha1sum' must be 40 hex digits");
        }
    }
    if (json_object_get(a, "openid")) {
        (*count)++;
        rc = gw_xapi_v_iri(c, a, "openid", ptr, false);
        if (rc != GW_OK)
            return rc;
    }
    const json_t *acct = json_object_get(a, "account");
    if (acct) {
        static const char *const acct_keys[] = {"homePage", "name", NULL};
        (*count)++;
        gw_json_pointer_join(p, sizeof p, ptr, "account");
        rc = gw_xapi_v_object(c, acct, p, acct_keys);
        if (rc == GW_OK)
            rc = gw_xapi_v_iri(c, acct, "homePage", p, true);
        if (rc == GW_OK)
            rc = gw_xapi_v_string(c, acct, "name", p, true, NULL);
        if (rc != GW_OK)
            return rc;
    }
    return GW_OK;
}

static enum gw_err check_object_type(struct xv_ctx *c, const json_t *a, const char *ptr,
                                     const char *want, bool required)
{
    char p[XV_PTR];
    const char *ot = NULL;
    enum gw_err rc = gw_xapi_v_string(c, a, "objectType", ptr, required, &ot);
    if (rc != GW_OK || !ot)
        return rc;
    if (strcmp(ot, want) != 0) {
        gw_json_pointer_join(p, sizeof p, ptr, "objectType");
        return gw_xapi_v_fail(c, GW_E_XAPI_OBJECT_TYPE, p, "objectType must be '%s' here", want);
    }
    return GW_OK;
}

enum gw_err gw_xapi_v_agent(struct xv_ctx *c, const json_t *a, const char *ptr)
{
    static const char *const keys[] = {"objectType", "name",    "mbox", "mbox_sha1sum",
                                       "openid",     "account", NULL};
    int n = 0;
    if (!json_is_object(a))
        return gw_xapi_v_fail(c, GW_E_XAPI_PROPERTY_TYPE, ptr, "an Agent must be an object");
    enum gw_err rc = check_object_type(c, a, ptr, "Agent", false);
    if (rc == GW_OK)
        rc = gw_xapi_v_object(c, a, ptr, keys);
    if (rc == GW_OK)
        rc = gw_xapi_v_string(c, a, "name", ptr, false, NULL);
    if (rc == GW_OK)
        rc = check_ifis(c, a, ptr, &n);
    if (rc == GW_OK && n != 1)
        rc = gw_xapi_v_fail(c, GW_E_XAPI_AGENT_IFI, ptr,
                            "an Agent needs exactly one of mbox, mbox_sha1sum, openid, account "
                            "(found %d)",
                            n);
    return rc;
}

enum gw_err gw_xapi_v_group(struct xv_ctx *c, const json_t *g, const char *ptr)
{
    static const char *const keys[] = {"objectType",   "name",   "member",  "mbox",
                                       "mbox_sha1sum", "openid", "account", NULL};
    char p[XV_PTR], mp[XV_PTR];
    int n = 0;
    if (!json_is_object(g))
        return gw_xapi_v_fail(c, GW_E_XAPI_PROPERTY_TYPE, ptr, "a Group must be an object");
    enum gw_err rc = check_object_type(c, g, ptr, "Group", true);
    if (rc == GW_OK)
        rc = gw_xapi_v_object(c, g, ptr, keys);
    if (rc == GW_OK)
        rc = gw_xapi_v_string(c, g, "name", ptr, false, NULL);
    if (rc == GW_OK)
        rc = check_ifis(c, g, ptr, &n);
    if (rc != GW_OK)
        return rc;
    if (n > 1)
        return gw_xapi_v_fail(c, GW_E_XAPI_AGENT_IFI, ptr,
                              "an identified Group has exactly one IFI (found %d)", n);
    const json_t *members = json_object_get(g, "member");
    if (!members && n != 0)
        return GW_OK;
    gw_json_pointer_join(p, sizeof p, ptr, "member");
    if (!members)
        return gw_xapi_v_fail(c, GW_E_XAPI_PROPERTY_MISSING, p,
                              "an anonymous Group (no IFI) must list its members");
    if (!json_is_array(members))
        return gw_xapi_v_fail(c, GW_E_XAPI_PROPERTY_TYPE, p, "'member' must be an array");
    if (n == 0 && json_array_size(members) == 0)
        return gw_xapi_v_fail(c, GW_E_XAPI_GROUP_INVALID, p,
                              "an anonymous Group must have at least one member");
    size_t i;
    json_t *m;
    json_array_foreach(members, i, m)
    {
        gw_json_pointer_index(mp, sizeof mp, p, i);
        if (json_is_null(m))
            return gw_xapi_v_fail(c, GW_E_XAPI_PROPERTY_NULL, mp, "a member is null");
        const char *ot = gw_xapi_str(m, "objectType");
        if (ot && strcmp(ot, "Group") == 0) {
            char op[XV_PTR];
            gw_json_pointer_join(op, sizeof op, mp, "objectType");
            return gw_xapi_v_fail(c, GW_E_XAPI_GROUP_INVALID, op,
                                  "a Group's members must be Agents, not Groups");
        }
        rc = gw_xapi_v_agent(c, m, mp);
        if (rc != GW_OK)
            return rc;
    }
    return GW_OK;
}

enum gw_err gw_xapi_v_actor(struct xv_ctx *c, const json_t *a, const char *ptr)
{
    if (!json_is_object(a))
        return gw_xapi_v_fail(c, GW_E_XAPI_PROPERTY_TYPE, ptr, "must be an Agent or Group object");
    const char *ot = gw_xapi_str(a, "objectType");
    if (ot && strcmp(ot, "Group") == 0)
        return gw_xapi_v_group(c, a, ptr);
    return gw_xapi_v_agent(c, a, ptr);
}

void gw_xapi_mbox_canonical(const char *mbox, char *out, size_t cap)
{
    const char *at = strrchr(mbox, '@');
    size_t n = 0;
    for (const char *s = mbox; *s && n + 1 < cap; s++, n++) {
        bool lower = (s - mbox) < 7 || (at && s > at);
        out[n] = lower ? (char)tolower((unsigned char)*s) : *s;
    }
    if (cap)
        out[n < cap ? n : cap - 1] = '\0';
}

/* Writes the concatenation of parts (n of them) to out like snprintf with
 * "%s%s...": cut to fit, and true only when the whole fitted. */
static bool join_key(char *out, size_t cap, const char *const *parts, size_t n)
{
    size_t o = 0;
    bool fits = true;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(parts[i]);
        if (o + len >= cap) {
            len = cap - 1 - o;
            fits = false;
        }
        memcpy(out + o, parts[i], len);
        o += len;
        if (!fits)
            break;
    }
    out[o] = '\0';
    return fits;
}

bool gw_xapi_agent_key(const json_t *agent, char *out, size_t cap)
{
    if (!json_is_object(agent) || cap == 0)
        return false;
    const char *mbox = gw_xapi_str(agent, "mbox");
    const char *sha = gw_xapi_str(agent, "mbox_sha1sum");
    const char *openid = gw_xapi_str(agent, "openid");
    const json_t *acct = json_object_get(agent, "account");
    if (mbox && gw_xapi_mbox_valid(mbox)) {
        /* The SHA-1 of the mailto IRI as sent (scheme lowercased), which is
         * exactly what a client puts in mbox_sha1sum for the same person. */
        char hex[GW_SHA1_HEX], small[512];
        size_t n = strlen(mbox);
        char *iri = n < sizeof small ? small : gw_xmalloc(n + 1);
        memcpy(iri, "mailto:", 7);
        memcpy(iri + 7, mbox + 7, n - 7);
        gw_sha1_hex(iri, n, hex);
        if (iri != small)
            free(iri);
        const char *parts[] = {"mbox_sha1sum:", hex};
        return join_key(out, cap, parts, 2);
    }
    if (sha) {
        char hex[GW_SHA1_HEX];
        size_t i = 0;
        for (; i < 40 && sha[i]; i++)
            hex[i] = (char)tolower((unsigned char)sha[i]);
        hex[i] = '\0';
        const char *parts[] = {"mbox_sha1sum:", hex};
        return join_key(out, cap, parts, 2);
    }
    if (openid) {
        const char *parts[] = {"openid:", openid};
        return join_key(out, cap, parts, 2);
    }
    const char *home = gw_xapi_str(acct, "homePage");
    const char *name = gw_xapi_str(acct, "name");
    if (!home || !name)
        return false;
    const char *parts[] = {"account:", home, "|", name};
    return join_key(out, cap, parts, 4);
}

bool gw_xapi_learner_key(const json_t *st, char *out, size_t cap)
{
    const json_t *actor = json_object_get(st, "actor");
    const char *ot = gw_xapi_str(actor, "objectType");
    if (!json_is_object(actor) || (ot && strcmp(ot, "Agent") != 0))
        return false;
    return gw_xapi_agent_key(actor, out, cap);
}
