/* ids.c: the values other modules extract from a validated statement: the
 * activity ids it mentions (with their role), the voiding target, the
 * attachment hashes, and the dedup signature for id-less resends; and the
 * ids the LRS assigns. The agent keys are in agent.c. */
#include "gw/hash.h"
#include "gw/json.h"
#include "gw/timefmt.h"
#include "xapi_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gw_xapi_statement_id_from(int64_t now_ms, const uint8_t random[GW_XAPI_ID_RANDOM],
                               char out[37])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t r[16];
    uint64_t t = now_ms > 0 ? (uint64_t)now_ms : 0;
    for (int i = 0; i < 6; i++)
        r[i] = (uint8_t)(t >> (40 - 8 * i));
    memcpy(r + 6, random, GW_XAPI_ID_RANDOM);
    r[6] = (uint8_t)((r[6] & 0x0f) | 0x40);
    r[8] = (uint8_t)((r[8] & 0x3f) | 0x80);
    char *o = out; /* 8-4-4-4-12 lowercase hex */
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *o++ = '-';
        *o++ = hex[r[i] >> 4];
        *o++ = hex[r[i] & 15];
    }
    *o = '\0';
}

bool gw_xapi_new_statement_id(int64_t now_ms, char out[37])
{
    uint8_t r[GW_XAPI_ID_RANDOM];
    if (!gw_random_bytes(r, sizeof r))
        return false;
    gw_xapi_statement_id_from(now_ms, r, out);
    return true;
}

static void add(struct gw_xapi_activity_ref *out, size_t cap, size_t *n, const char *id,
                enum gw_xapi_activity_role role, bool sub)
{
    if (!id)
        return;
    if (*n < cap) {
        out[*n].id = id;
        out[*n].role = role;
        out[*n].in_substatement = sub;
    }
    (*n)++;
}

static void collect(const json_t *st, struct gw_xapi_activity_ref *out, size_t cap, size_t *n,
                    bool sub)
{
    static const struct {
        const char *key;
        enum gw_xapi_activity_role role;
    } roles[] = {{"parent", GW_XAPI_ROLE_PARENT},
                 {"grouping", GW_XAPI_ROLE_GROUPING},
                 {"category", GW_XAPI_ROLE_CATEGORY},
                 {"other", GW_XAPI_ROLE_OTHER}};
    const json_t *obj = json_object_get(st, "object");
    const char *ot = gw_xapi_str(obj, "objectType");
    if (json_is_object(obj) && (!ot || strcmp(ot, "Activity") == 0))
        add(out, cap, n, gw_xapi_str(obj, "id"), GW_XAPI_ROLE_OBJECT, sub);
    const json_t *ca = json_object_get(json_object_get(st, "context"), "contextActivities");
    for (size_t r = 0; r < sizeof roles / sizeof roles[0]; r++) {
        const json_t *v = json_object_get(ca, roles[r].key);
        if (json_is_object(v)) {
            add(out, cap, n, gw_xapi_str(v, "id"), roles[r].role, sub);
        } else if (json_is_array(v)) {
            size_t i;
            const json_t *a;
            json_array_foreach(v, i, a)
            {
                add(out, cap, n, gw_xapi_str(a, "id"), roles[r].role, sub);
            }
        }
    }
    if (!sub && ot && strcmp(ot, "SubStatement") == 0)
        collect(obj, out, cap, n, true);
}

size_t gw_xapi_activity_ids(const json_t *st, struct gw_xapi_activity_ref *out, size_t cap)
{
    size_t n = 0;
    if (json_is_object(st))
        collect(st, out, cap, &n, false);
    return n;
}

const char *gw_xapi_voided_target(const json_t *st)
{
    const char *verb = gw_xapi_str(json_object_get(st, "verb"), "id");
    const json_t *obj = json_object_get(st, "object");
    const char *ot = gw_xapi_str(obj, "objectType");
    if (!verb || strcmp(verb, GW_XAPI_VERB_VOIDED) != 0 || !ot || strcmp(ot, "StatementRef") != 0)
        return NULL;
    return gw_xapi_str(obj, "id");
}

static void hashes_of(const json_t *st, bool without_file_url, const char **out, size_t cap,
                      size_t *n)
{
    size_t i;
    const json_t *a;
    json_array_foreach(json_object_get(st, "attachments"), i, a)
    {
        const char *sha = gw_xapi_str(a, "sha2");
        if (!sha || (without_file_url && json_object_get(a, "fileUrl")))
            continue;
        if (*n < cap)
            out[*n] = sha;
        (*n)++;
    }
}

size_t gw_xapi_attachment_hashes(const json_t *st, bool without_file_url, const char **out,
                                 size_t cap)
{
    size_t n = 0;
    const json_t *obj = json_object_get(st, "object");
    const char *ot = gw_xapi_str(obj, "objectType");
    hashes_of(st, without_file_url, out, cap, &n);
    if (ot && strcmp(ot, "SubStatement") == 0)
        hashes_of(obj, without_file_url, out, cap, &n);
    return n;
}

/* The object as it identifies the event: activities by id only (definitions
 * vary between resends), agents by key, everything else as sent. */
static json_t *object_identity(const json_t *obj)
{
    const char *ot = gw_xapi_str(obj, "objectType");
    char key[1024];
    if (!ot || strcmp(ot, "Activity") == 0)
        return json_pack("{s:s,s:O}", "objectType", "Activity", "id",
                         json_object_get(obj, "id") ? json_object_get(obj, "id") : json_null());
    if ((strcmp(ot, "Agent") == 0 || strcmp(ot, "Group") == 0) &&
        gw_xapi_agent_key(obj, key, sizeof key))
        return json_pack("{s:s,s:s}", "objectType", ot, "key", key);
    return json_deep_copy(obj);
}

/* The member names in canonical order, bit i being 1u << i. */
static const char *const member_names[] = {"actor",     "verb",         "object", "result",
                                           "timestamp", "registration", "context"};
enum { N_MEMBERS = sizeof member_names / sizeof member_names[0] };

unsigned gw_xapi_dedup_member(const char *name, size_t len)
{
    for (unsigned i = 0; i < N_MEMBERS; i++) {
        if (strlen(member_names[i]) == len && strncmp(member_names[i], name, len) == 0)
            return 1u << i;
    }
    return 0;
}

bool gw_xapi_dedup_members_parse(const char *list, unsigned *out)
{
    unsigned m = 0;
    const char *p = list;
    if (!p || !*p)
        return false;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        unsigned bit = gw_xapi_dedup_member(p, len);
        if (!bit || (m & bit))
            return false;
        m |= bit;
        if (!end)
            break;
        p = end + 1;
    }
    *out = m;
    return true;
}

void gw_xapi_dedup_members_format(unsigned members, char out[GW_XAPI_DEDUP_MEMBERS_TEXT])
{
    size_t n = 0;
    out[0] = '\0';
    for (unsigned i = 0; i < N_MEMBERS; i++) {
        if (!(members & (1u << i)))
            continue;
        int w = snprintf(out + n, GW_XAPI_DEDUP_MEMBERS_TEXT - n, "%s%s", n ? "," : "",
                         member_names[i]);
        if (w > 0)
            n += (size_t)w;
    }
}

json_t *gw_xapi_dedup_members_json(unsigned members)
{
    json_t *a = json_array();
    for (unsigned i = 0; i < N_MEMBERS; i++) {
        if (members & (1u << i))
            json_array_append_new(a, json_string(member_names[i]));
    }
    return a;
}

/* The context as it identifies the event, without the registration (a
 * member of its own): the same members, borrowed, in a new object. */
static json_t *context_identity(const json_t *ctx)
{
    json_t *c = json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)ctx, k, v)
    {
        if (strcmp(k, "registration") != 0)
            json_object_set(c, k, v);
    }
    return c;
}

bool gw_xapi_dedup_signature_of(const json_t *st, unsigned members, char out[65])
{
    char actor[1024];
    const json_t *actor_j = json_object_get(st, "actor");
    const char *verb = gw_xapi_str(json_object_get(st, "verb"), "id");
    const json_t *obj = json_object_get(st, "object");
    const json_t *ctx = json_object_get(st, "context");
    const char *ts = gw_xapi_str(st, "timestamp");
    int64_t ts_ms = 0;
    bool ok = false;
    if (!json_is_object(st) || !verb || !json_is_object(obj))
        return false;
    if ((members & GW_XAPI_DEDUP_ACTOR) && !gw_xapi_agent_key(actor_j, actor, sizeof actor)) {
        /* anonymous group: its serialized members stand for it */
        char *dump = json_dumps(actor_j, JSON_COMPACT | JSON_SORT_KEYS);
        if (!dump)
            return false;
        snprintf(actor, sizeof actor, "group:%.1000s", dump);
        free(dump);
    }
    /* without a timestamp the event's instant is the one it is stored at,
     * which a resend does not share: nothing to compare */
    if ((members & GW_XAPI_DEDUP_TIMESTAMP) && !ts)
        return false;
    if (!(members & GW_XAPI_DEDUP_TIMESTAMP))
        ts = NULL;
    if (ts && !gw_time_parse_iso(ts, false, &ts_ms))
        return false;
    /* the names and forms of version 1's members are kept, so a key with
     * GW_XAPI_DEDUP_LEGACY signs exactly as before */
    json_t *sig = json_object();
    if (members & GW_XAPI_DEDUP_ACTOR)
        json_object_set_new(sig, "actor", json_string(actor));
    if (members & GW_XAPI_DEDUP_VERB)
        json_object_set_new(sig, "verb", json_string(verb));
    if (members & GW_XAPI_DEDUP_OBJECT)
        json_object_set_new(sig, "object", object_identity(obj));
    const json_t *result = json_object_get(st, "result");
    if (result && (members & GW_XAPI_DEDUP_RESULT))
        json_object_set(sig, "result", (json_t *)result);
    const char *reg = gw_xapi_str(ctx, "registration");
    if (reg && (members & GW_XAPI_DEDUP_REGISTRATION))
        json_object_set_new(sig, "registration", json_string(reg));
    if (json_is_object(ctx) && (members & GW_XAPI_DEDUP_CONTEXT))
        json_object_set_new(sig, "context", context_identity(ctx));
    if (ts)
        json_object_set_new(sig, "timestamp", json_integer((json_int_t)ts_ms));
    char *canon = json_dumps(sig, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    if (canon) {
        gw_sha256_hex(canon, strlen(canon), out);
        free(canon);
        ok = true;
    }
    json_decref(sig);
    return ok;
}

bool gw_xapi_dedup_signature(const json_t *st, char out[65])
{
    return gw_xapi_dedup_signature_of(st, GW_XAPI_DEDUP_LEGACY, out);
}
