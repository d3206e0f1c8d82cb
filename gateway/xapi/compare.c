/* compare.c: are two statements "the same" for id conflicts (Comm 2.1.1
 * immutability exceptions)? Both are reduced to a comparison form (a copy)
 * and compared with json_equal. Owns no state. */
#include "gw/timefmt.h"
#include "gw/buf.h"
#include "xapi_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static void canon_actor(json_t *a);

static int cmp_dumped(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Group members compare as a set: sort them by their serialization. */
static void sort_members(json_t *g)
{
    json_t *m = json_object_get(g, "member");
    size_t n = json_array_size(m);
    if (n < 2)
        return;
    char **dumps = gw_xcalloc(n, sizeof *dumps);
    for (size_t i = 0; i < n; i++) {
        canon_actor(json_array_get(m, i));
        dumps[i] = json_dumps(json_array_get(m, i), JSON_COMPACT | JSON_SORT_KEYS);
        if (!dumps[i])
            dumps[i] = gw_xstrdup("");
    }
    gw_sort(dumps, n, sizeof *dumps, cmp_dumped);
    json_t *sorted = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_loads(dumps[i], 0, NULL);
        json_array_append_new(sorted, e ? e : json_null());
        free(dumps[i]);
    }
    free(dumps);
    json_object_set_new(g, "member", sorted);
}

static void canon_actor(json_t *a)
{
    if (!json_is_object(a))
        return;
    const char *ot = gw_xapi_str(a, "objectType");
    if (!ot)
        json_object_set_new(a, "objectType", json_string("Agent"));
    const char *mbox = gw_xapi_str(a, "mbox");
    if (mbox) {
        char buf[1024];
        gw_xapi_mbox_canonical(mbox, buf, sizeof buf);
        json_object_set_new(a, "mbox", json_string(buf));
    }
    const char *sha = gw_xapi_str(a, "mbox_sha1sum");
    if (sha) {
        char *low = gw_xstrdup(sha);
        for (char *p = low; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        json_object_set_new(a, "mbox_sha1sum", json_string(low));
        free(low);
    }
    sort_members(a);
}

static void canon_activity(json_t *a)
{
    if (!json_is_object(a))
        return;
    json_object_del(a, "definition");
    json_object_set_new(a, "objectType", json_string("Activity"));
}

static void canon_timestamp(json_t *obj, const char *key)
{
    const char *s = gw_xapi_str(obj, key);
    int64_t ms;
    if (s && gw_time_parse_iso(s, false, &ms))
        json_object_set_new(obj, key, json_integer((json_int_t)ms));
}

/* Durations: keep at most two fractional digits of the seconds. */
static void canon_duration(json_t *result)
{
    const char *d = gw_xapi_str(result, "duration");
    if (!d)
        return;
    char *s = gw_xstrdup(d);
    char *dot = strchr(s, '.');
    if (dot) {
        char *q = dot + 1;
        size_t digits = 0;
        while (isdigit((unsigned char)q[digits]))
            digits++;
        if (digits > 2)
            memmove(q + 2, q + digits, strlen(q + digits) + 1);
    }
    json_object_set_new(result, "duration", json_string(s));
    free(s);
}

static void canon_context(json_t *ctx)
{
    static const char *const keys[] = {"parent", "grouping", "category", "other"};
    if (!json_is_object(ctx))
        return;
    canon_actor(json_object_get(ctx, "instructor"));
    canon_actor(json_object_get(ctx, "team"));
    json_t *ca = json_object_get(ctx, "contextActivities");
    for (size_t i = 0; json_is_object(ca) && i < sizeof keys / sizeof keys[0]; i++) {
        json_t *v = json_object_get(ca, keys[i]);
        if (json_is_object(v)) {
            json_t *arr = json_array();
            json_array_append(arr, v);
            json_object_set_new(ca, keys[i], arr);
            v = arr;
        }
        size_t j;
        json_t *a;
        json_array_foreach(v, j, a)
        {
            canon_activity(a);
        }
    }
    static const char *const typed[][2] = {{"contextAgents", "agent"}, {"contextGroups", "group"}};
    for (size_t t = 0; t < 2; t++) {
        size_t j;
        json_t *e;
        json_array_foreach(json_object_get(ctx, typed[t][0]), j, e)
        {
            canon_actor(json_object_get(e, typed[t][1]));
        }
    }
}

/* Numbers compare by value: 1 and 1.0 are the same. */
static void reals(json_t *j)
{
    const char *key;
    json_t *v;
    size_t i;
    if (json_is_object(j)) {
        json_object_foreach(j, key, v)
        {
            if (json_is_integer(v))
                json_object_set_new(j, key, json_real((double)json_integer_value(v)));
            else
                reals(v);
        }
    } else if (json_is_array(j)) {
        json_array_foreach(j, i, v)
        {
            if (json_is_integer(v))
                json_array_set_new(j, i, json_real((double)json_integer_value(v)));
            else
                reals(v);
        }
    }
}

static void canon_statement(json_t *st, bool sub)
{
    json_object_del(st, "id");
    json_object_del(st, "authority");
    json_object_del(st, "stored");
    json_object_del(st, "version");
    json_object_del(st, "attachments");
    canon_timestamp(st, "timestamp");
    canon_actor(json_object_get(st, "actor"));
    json_object_del(json_object_get(st, "verb"), "display");
    json_t *obj = json_object_get(st, "object");
    const char *ot = gw_xapi_str(obj, "objectType");
    if (json_is_object(obj)) {
        if (!ot || strcmp(ot, "Activity") == 0)
            canon_activity(obj);
        else if (strcmp(ot, "Agent") == 0 || strcmp(ot, "Group") == 0)
            canon_actor(obj);
        else if (strcmp(ot, "SubStatement") == 0 && !sub)
            canon_statement(obj, true);
    }
    canon_duration(json_object_get(st, "result"));
    canon_context(json_object_get(st, "context"));
}

static json_t *comparison_form(const json_t *st)
{
    json_t *c = json_deep_copy(st);
    if (json_is_object(c))
        canon_statement(c, false);
    reals(c);
    return c;
}

bool gw_xapi_statements_equivalent(const json_t *a, const json_t *b)
{
    json_t *ca = comparison_form(a);
    json_t *cb = comparison_form(b);
    /* A timestamp the LRS assigned (absent on one side) is one of the
     * exceptions; two given timestamps must be the same instant. */
    if (!json_object_get(ca, "timestamp") || !json_object_get(cb, "timestamp")) {
        json_object_del(ca, "timestamp");
        json_object_del(cb, "timestamp");
    }
    bool eq = ca && cb && json_equal(ca, cb);
    json_decref(ca);
    json_decref(cb);
    return eq;
}
