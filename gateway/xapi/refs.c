/* refs.c: the agents a statement mentions, by role, as canonical agent keys
 * (gw_xapi_agent_key): what the store indexes for the `agent` and
 * `related_agents` filters of GET /statements. The activity ids are in ids.c. */
#include "xapi_int.h"

#include <stdio.h>
#include <string.h>

static void add(struct gw_xapi_agent_ref *out, size_t cap, size_t *n, const json_t *agent,
                enum gw_xapi_agent_role role, bool sub)
{
    if (!json_is_object(agent))
        return;
    if (*n < cap) {
        if (!gw_xapi_agent_key(agent, out[*n].key, sizeof out[*n].key))
            return; /* an anonymous group has no key of its own */
        out[*n].role = role;
        out[*n].in_substatement = sub;
    } else {
        char key[sizeof out->key];
        if (!gw_xapi_agent_key(agent, key, sizeof key))
            return;
    }
    (*n)++;
}

/* A Group's identified members count for related_agents too. */
static void add_with_members(struct gw_xapi_agent_ref *out, size_t cap, size_t *n,
                             const json_t *agent, enum gw_xapi_agent_role role, bool sub)
{
    add(out, cap, n, agent, role, sub);
    const json_t *members = json_object_get(agent, "member");
    size_t i;
    const json_t *m;
    json_array_foreach(members, i, m)
    {
        add(out, cap, n, m, GW_XAPI_AGENT_MEMBER, sub);
    }
}

static void collect(const json_t *st, struct gw_xapi_agent_ref *out, size_t cap, size_t *n,
                    bool sub)
{
    add_with_members(out, cap, n, json_object_get(st, "actor"), GW_XAPI_AGENT_ACTOR, sub);
    const json_t *obj = json_object_get(st, "object");
    const char *ot = gw_xapi_str(obj, "objectType");
    if (ot && (strcmp(ot, "Agent") == 0 || strcmp(ot, "Group") == 0))
        add_with_members(out, cap, n, obj, GW_XAPI_AGENT_OBJECT, sub);
    if (!sub)
        add_with_members(out, cap, n, json_object_get(st, "authority"), GW_XAPI_AGENT_AUTHORITY,
                         sub);
    const json_t *ctx = json_object_get(st, "context");
    add_with_members(out, cap, n, json_object_get(ctx, "instructor"), GW_XAPI_AGENT_CONTEXT, sub);
    add_with_members(out, cap, n, json_object_get(ctx, "team"), GW_XAPI_AGENT_CONTEXT, sub);
    size_t i;
    const json_t *ca;
    json_array_foreach(json_object_get(ctx, "contextAgents"), i, ca)
    {
        add_with_members(out, cap, n, json_object_get(ca, "agent"), GW_XAPI_AGENT_CONTEXT, sub);
    }
    json_array_foreach(json_object_get(ctx, "contextGroups"), i, ca)
    {
        add_with_members(out, cap, n, json_object_get(ca, "group"), GW_XAPI_AGENT_CONTEXT, sub);
    }
    if (!sub && ot && strcmp(ot, "SubStatement") == 0)
        collect(obj, out, cap, n, true);
}

size_t gw_xapi_agent_refs(const json_t *st, struct gw_xapi_agent_ref *out, size_t cap)
{
    size_t n = 0;
    collect(st, out, cap, &n, false);
    return n;
}

const char *gw_xapi_agent_role_name(enum gw_xapi_agent_role r)
{
    static const char *const names[] = {"actor", "object", "authority", "context", "member"};
    return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : "?";
}

const char *gw_xapi_activity_role_name(enum gw_xapi_activity_role r)
{
    static const char *const names[] = {"object", "parent", "grouping", "category", "other"};
    return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : "?";
}
