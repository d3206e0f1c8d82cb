/* format.c: the output forms of a stored statement for GET /statements
 * (Comm 2.1.3 'format'): exact, ids (identifiers only) and canonical (one
 * language per language map, chosen from the Accept-Language list). */
#include "xapi_int.h"

#include <string.h>
#include <strings.h>

/* ---- ids ---- */

static json_t *ids_actor(const json_t *a);

static json_t *ids_group_members(const json_t *members)
{
    json_t *out = json_array();
    size_t i;
    const json_t *m;
    json_array_foreach(members, i, m)
    {
        json_array_append_new(out, ids_actor(m));
    }
    return out;
}

static json_t *ids_actor(const json_t *a)
{
    if (!json_is_object(a))
        return json_deep_copy(a);
    json_t *out = json_object();
    const char *ot = gw_xapi_str(a, "objectType");
    json_object_set_new(out, "objectType", json_string(ot ? ot : "Agent"));
    for (const char *const *k = gw_xapi_ifi_keys; *k; k++) {
        json_t *v = json_object_get(a, *k);
        if (v)
            json_object_set_new(out, *k, json_deep_copy(v));
    }
    json_t *m = json_object_get(a, "member");
    if (ot && strcmp(ot, "Group") == 0 && json_is_array(m))
        json_object_set_new(out, "member", ids_group_members(m));
    return out;
}

/* An Activity in the ids format: its id and nothing else, not even its
 * objectType (Comm 2.1.3: only what identifies it; the suite checks that an
 * Activity, also the object of a SubStatement, carries only "id"). */
static json_t *ids_activity(const json_t *a)
{
    json_t *out = json_object();
    json_t *id = json_object_get(a, "id");
    if (id)
        json_object_set(out, "id", id);
    return out;
}

static void ids_activity_in(json_t *holder, const char *key)
{
    json_t *a = json_object_get(holder, key);
    if (json_is_object(a))
        json_object_set_new(holder, key, ids_activity(a));
}

static void ids_replace_actor(json_t *holder, const char *key)
{
    json_t *a = json_object_get(holder, key);
    if (a)
        json_object_set_new(holder, key, ids_actor(a));
}

static void ids_statement(json_t *st, bool sub)
{
    ids_replace_actor(st, "actor");
    ids_replace_actor(st, "authority");
    json_object_del(json_object_get(st, "verb"), "display");
    json_t *obj = json_object_get(st, "object");
    const char *ot = gw_xapi_str(obj, "objectType");
    if (!ot || strcmp(ot, "Activity") == 0)
        ids_activity_in(st, "object");
    else if (strcmp(ot, "Agent") == 0 || strcmp(ot, "Group") == 0)
        ids_replace_actor(st, "object");
    else if (strcmp(ot, "SubStatement") == 0 && !sub)
        ids_statement(obj, true);
    json_t *ctx = json_object_get(st, "context");
    if (!json_is_object(ctx))
        return;
    ids_replace_actor(ctx, "instructor");
    ids_replace_actor(ctx, "team");
    json_t *ca = json_object_get(ctx, "contextActivities");
    const char *key;
    json_t *v;
    json_object_foreach(ca, key, v)
    {
        if (json_is_object(v)) {
            ids_activity_in(ca, key);
        } else {
            size_t i;
            json_t *a;
            json_array_foreach(v, i, a)
            {
                json_array_set_new(v, i, ids_activity(a));
            }
        }
    }
    static const char *const typed[][2] = {{"contextAgents", "agent"}, {"contextGroups", "group"}};
    for (size_t t = 0; t < 2; t++) {
        size_t i;
        json_t *e;
        json_array_foreach(json_object_get(ctx, typed[t][0]), i, e)
        {
            ids_replace_actor(e, typed[t][1]);
        }
    }
}

/* ---- canonical ---- */

/* Picks the key of map that best matches the preference list: an exact tag,
 * then the same primary language, then "und", then the first key. */
static const char *pick_language(const json_t *map, const char *const *langs)
{
    const char *key;
    json_t *v;
    for (const char *const *l = langs; l && *l; l++) {
        json_object_foreach((json_t *)map, key, v)
        {
            if (strcasecmp(key, *l) == 0)
                return key;
        }
        size_t plen = strcspn(*l, "-");
        json_object_foreach((json_t *)map, key, v)
        {
            if (strncasecmp(key, *l, plen) == 0 && (key[plen] == '\0' || key[plen] == '-'))
                return key;
        }
    }
    json_object_foreach((json_t *)map, key, v)
    {
        if (strcasecmp(key, "und") == 0)
            return key;
    }
    json_object_foreach((json_t *)map, key, v)
    {
        return key;
    }
    return NULL;
}

static void reduce_map(json_t *holder, const char *key, const char *const *langs)
{
    json_t *map = json_object_get(holder, key);
    if (!json_is_object(map) || json_object_size(map) < 2)
        return;
    const char *best = pick_language(map, langs);
    json_t *out = json_object();
    json_object_set(out, best, json_object_get(map, best));
    json_object_set_new(holder, key, out);
}

static void canonical_components(json_t *def, const char *const *langs)
{
    static const char *const lists[] = {"choices", "scale", "source", "target", "steps"};
    for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++) {
        size_t i;
        json_t *comp;
        json_array_foreach(json_object_get(def, lists[l]), i, comp)
        {
            reduce_map(comp, "description", langs);
        }
    }
}

static void canonical_activity(json_t *a, const char *const *langs)
{
    json_t *def = json_object_get(a, "definition");
    if (!json_is_object(def))
        return;
    reduce_map(def, "name", langs);
    reduce_map(def, "description", langs);
    canonical_components(def, langs);
}

static void canonical_statement(json_t *st, const char *const *langs, bool sub)
{
    reduce_map(json_object_get(st, "verb"), "display", langs);
    json_t *obj = json_object_get(st, "object");
    const char *ot = gw_xapi_str(obj, "objectType");
    if (!ot || strcmp(ot, "Activity") == 0)
        canonical_activity(obj, langs);
    else if (strcmp(ot, "SubStatement") == 0 && !sub)
        canonical_statement(obj, langs, true);
    json_t *ca = json_object_get(json_object_get(st, "context"), "contextActivities");
    const char *key;
    json_t *v;
    json_object_foreach(ca, key, v)
    {
        if (json_is_object(v)) {
            canonical_activity(v, langs);
        } else {
            size_t i;
            json_t *a;
            json_array_foreach(v, i, a)
            {
                canonical_activity(a, langs);
            }
        }
    }
    size_t i;
    json_t *att;
    json_array_foreach(json_object_get(st, "attachments"), i, att)
    {
        reduce_map(att, "display", langs);
        reduce_map(att, "description", langs);
    }
}

json_t *gw_xapi_format(const json_t *st, enum gw_xapi_format f, const char *const *langs)
{
    json_t *out = json_deep_copy(st);
    if (!json_is_object(out))
        return out;
    if (f == GW_XAPI_FORMAT_IDS)
        ids_statement(out, false);
    else if (f == GW_XAPI_FORMAT_CANONICAL)
        canonical_statement(out, langs, false);
    return out;
}
