/* definition.c: what the LRS holds of an Activity's definition when several
 * statements define it (Comm 2.5: the Activity Object returned carries all
 * available information from every statement that targets it). The store
 * keeps one text per activity (table xapi_activities) and asks this file to
 * merge each newer definition into it; no SQL here. */
#include "gw/json.h"
#include "gw/xapi.h"

#include <stdlib.h>
#include <string.h>

/* The properties whose entries accumulate: two language maps and the
 * extensions (each entry replaced whole, never merged deeper). */
static bool accumulates(const char *key)
{
    return strcmp(key, "name") == 0 || strcmp(key, "description") == 0 ||
           strcmp(key, "extensions") == 0;
}

char *gw_xapi_definition_merge(const char *stored, const char *add)
{
    json_t *old = json_loads(stored ? stored : "", 0, NULL);
    json_t *new = json_loads(add ? add : "", 0, NULL);
    char *out = NULL;
    if (!json_is_object(new))
        goto done;
    if (!json_is_object(old)) {
        out = gw_json_dump(new);
        goto done;
    }
    json_t *merged = json_deep_copy(old);
    const char *key;
    json_t *v;
    json_object_foreach(new, key, v)
    {
        json_t *had = json_object_get(merged, key);
        if (accumulates(key) && json_is_object(had) && json_is_object(v))
            json_object_update(had, v);
        else
            json_object_set(merged, key, v);
    }
    if (!json_equal(merged, old))
        out = gw_json_dump(merged);
    json_decref(merged);
done:
    json_decref(old);
    json_decref(new);
    return out;
}
