/* ids.c: the values other modules extract from a validated statement: the
 * activity ids it mentions (with their role), the voiding target, the
 * attachment hashes, and the dedup signature for id-less resends; and the
 * ids the LRS assigns. The agent keys are in agent.c. */
#include "gw/buf.h"
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

/* ---- the signature's canonical text ----
 * The signature hashes the text json_dumps(JSON_COMPACT | JSON_SORT_KEYS)
 * gives for {"actor": key, "context": ..., "object": identity,
 * "registration": ..., "result": ..., "timestamp": ms, "verb": id} (the
 * chosen members present), written directly into one buffer: keys in sorted
 * order, scalars by gw_json_append (jansson's text byte for byte). It is
 * computed for every id-less statement of a deduplicating key (every lms key
 * by default), so it builds no JSON tree. */

struct kv {
    const char *key;
    const json_t *value;
};

static int cmp_keys(const void *a, const void *b)
{
    return strcmp(((const struct kv *)a)->key, ((const struct kv *)b)->key);
}

/* Appends j with object keys sorted at every level, skipping the member
 * named skip of the top level (may be NULL). */
static bool append_sorted(struct gw_buf *b, const json_t *j, const char *skip)
{
    if (json_is_array(j)) {
        gw_buf_append(b, "[", 1);
        for (size_t i = 0; i < json_array_size(j); i++) {
            if (i)
                gw_buf_append(b, ",", 1);
            if (!append_sorted(b, json_array_get(j, i), NULL))
                return false;
        }
        gw_buf_append(b, "]", 1);
        return true;
    }
    if (!json_is_object(j))
        return gw_json_append(b, j);
    struct kv small[16];
    size_t n = json_object_size(j);
    struct kv *kvs = n <= 16 ? small : gw_xcalloc(n, sizeof *kvs);
    size_t k = 0;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)j, key, v)
    {
        if (!skip || strcmp(key, skip) != 0)
            kvs[k++] = (struct kv){key, v};
    }
    if (k > 1)
        gw_sort(kvs, k, sizeof *kvs, cmp_keys);
    bool ok = true;
    gw_buf_append(b, "{", 1);
    for (size_t i = 0; i < k && ok; i++) {
        if (i)
            gw_buf_append(b, ",", 1);
        ok = gw_json_append_string(b, kvs[i].key, strlen(kvs[i].key));
        gw_buf_append(b, ":", 1);
        ok = ok && append_sorted(b, kvs[i].value, NULL);
    }
    gw_buf_append(b, "}", 1);
    if (kvs != small)
        free(kvs);
    return ok;
}

/* Opens member name (a literal, no escaping needed) of the canonical
 * object. */
static void member(struct gw_buf *b, const char *name)
{
    if (b->len > 1)
        gw_buf_append(b, ",", 1);
    gw_buf_append(b, "\"", 1);
    gw_buf_puts(b, name);
    gw_buf_append(b, "\":", 2);
}

/* The object as it identifies the event: activities by id only (definitions
 * vary between resends), agents by key, everything else as sent. */
static bool append_object_identity(struct gw_buf *b, const json_t *obj)
{
    const char *ot = gw_xapi_str(obj, "objectType");
    char key[1024];
    if (!ot || strcmp(ot, "Activity") == 0) {
        const json_t *id = json_object_get(obj, "id");
        gw_buf_append(b, "{\"id\":", 6);
        if (!(id ? gw_json_append(b, id) : gw_json_append(b, json_null())))
            return false;
        gw_buf_puts(b, ",\"objectType\":\"Activity\"}");
        return true;
    }
    if ((strcmp(ot, "Agent") == 0 || strcmp(ot, "Group") == 0) &&
        gw_xapi_agent_key(obj, key, sizeof key)) {
        gw_buf_puts(b, "{\"key\":");
        gw_json_append_string(b, key, strlen(key));
        gw_buf_puts(b, ",\"objectType\":");
        gw_json_append_string(b, ot, strlen(ot));
        gw_buf_append(b, "}", 1);
        return true;
    }
    return append_sorted(b, obj, NULL);
}

bool gw_xapi_dedup_signature_of(const json_t *st, unsigned members, char out[65])
{
    char actor[1024];
    const json_t *actor_j = json_object_get(st, "actor");
    const char *verb = gw_xapi_str(json_object_get(st, "verb"), "id");
    const json_t *obj = json_object_get(st, "object");
    const json_t *ctx = json_object_get(st, "context");
    const json_t *result = json_object_get(st, "result");
    const char *ts = gw_xapi_str(st, "timestamp");
    const char *reg = gw_xapi_str(ctx, "registration");
    int64_t ts_ms = 0;
    if (!json_is_object(st) || !verb || !json_is_object(obj))
        return false;
    /* without a timestamp the event's instant is the one it is stored at,
     * which a resend does not share: nothing to compare */
    if ((members & GW_XAPI_DEDUP_TIMESTAMP) && !ts)
        return false;
    if ((members & GW_XAPI_DEDUP_TIMESTAMP) && !gw_time_parse_iso(ts, false, &ts_ms))
        return false;
    if ((members & GW_XAPI_DEDUP_ACTOR) && !gw_xapi_agent_key(actor_j, actor, sizeof actor)) {
        /* anonymous group: its serialized members stand for it */
        char *dump = json_dumps(actor_j, JSON_COMPACT | JSON_SORT_KEYS);
        if (!dump)
            return false;
        snprintf(actor, sizeof actor, "group:%.1000s", dump);
        free(dump);
    }
    struct gw_buf b = {0};
    gw_buf_reserve(&b, 512);
    gw_buf_append(&b, "{", 1);
    bool ok = true;
    /* in sorted key order; the names and forms of the members before
     * migration 0012 are kept, so GW_XAPI_DEDUP_LEGACY signs as it did */
    if (members & GW_XAPI_DEDUP_ACTOR) {
        member(&b, "actor");
        ok = gw_json_append_string(&b, actor, strlen(actor));
    }
    if (ok && (members & GW_XAPI_DEDUP_CONTEXT) && json_is_object(ctx)) {
        member(&b, "context");
        ok = append_sorted(&b, ctx, "registration");
    }
    if (ok && (members & GW_XAPI_DEDUP_OBJECT)) {
        member(&b, "object");
        ok = append_object_identity(&b, obj);
    }
    if (ok && (members & GW_XAPI_DEDUP_REGISTRATION) && reg) {
        member(&b, "registration");
        ok = gw_json_append_string(&b, reg, strlen(reg));
    }
    if (ok && (members & GW_XAPI_DEDUP_RESULT) && result) {
        member(&b, "result");
        ok = append_sorted(&b, result, NULL);
    }
    if (ok && (members & GW_XAPI_DEDUP_TIMESTAMP)) {
        member(&b, "timestamp");
        gw_json_append_int(&b, ts_ms);
    }
    if (ok && (members & GW_XAPI_DEDUP_VERB)) {
        member(&b, "verb");
        ok = gw_json_append_string(&b, verb, strlen(verb));
    }
    gw_buf_append(&b, "}", 1);
    if (ok)
        gw_sha256_hex(b.data, b.len, out);
    gw_buf_free(&b);
    return ok;
}

bool gw_xapi_dedup_signature(const json_t *st, char out[65])
{
    return gw_xapi_dedup_signature_of(st, GW_XAPI_DEDUP_LEGACY, out);
}
