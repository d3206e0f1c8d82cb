/* json.c: the declarative field-table parser and small JSON helpers
 * (see gw/json.h). */
#include "gw/json.h"
#include "gw/timefmt.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

json_t *gw_json_str(const char *s)
{
    if (!s)
        return json_null();
    json_t *j = json_string(s);
    return j ? j : json_string("(invalid UTF-8)");
}

char *gw_json_dump(const json_t *j)
{
    return json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
}

json_t *gw_json_load(const char *data, size_t len, struct gw_error *err)
{
    json_error_t je;
    json_t *j = json_loadb(data, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (!j)
        gw_error_set(err, GW_E_JSON_MALFORMED, "", "line %d, column %d: %s", je.line, je.column,
                     je.text);
    return j;
}

void gw_json_pointer_join(char *out, size_t cap, const char *base, const char *key)
{
    size_t n = (size_t)snprintf(out, cap, "%s/", base);
    for (const char *k = key; *k && n + 3 < cap; k++) {
        if (*k == '~') {
            out[n++] = '~';
            out[n++] = '0';
        } else if (*k == '/') {
            out[n++] = '~';
            out[n++] = '1';
        } else {
            out[n++] = *k;
        }
    }
    if (n < cap)
        out[n] = '\0';
}

void gw_json_pointer_index(char *out, size_t cap, const char *base, size_t index)
{
    snprintf(out, cap, "%s/%zu", base, index);
}

bool gw_is_uuid(const char *s)
{
    static const int groups[] = {8, 4, 4, 4, 12};
    for (int g = 0; g < 5; g++) {
        for (int i = 0; i < groups[g]; i++, s++) {
            if (!isxdigit((unsigned char)*s))
                return false;
        }
        if (g < 4 && *s++ != '-')
            return false;
    }
    return *s == '\0';
}

bool gw_is_absolute_iri(const char *s)
{
    /* RFC 3987: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
    if (!isalpha((unsigned char)s[0]))
        return false;
    const char *p = s + 1;
    while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
        p++;
    if (*p != ':' || p[1] == '\0')
        return false;
    for (p++; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= 0x20 || c == '<' || c == '>' || c == '"' || c == '{' || c == '}' || c == '|' ||
            c == '\\' || c == '^' || c == '`')
            return false;
    }
    return true;
}

bool gw_is_email(const char *s)
{
    const char *at = strchr(s, '@');
    if (!at || at == s || strchr(at + 1, '@') || !at[1] || !strchr(at + 1, '.'))
        return false;
    for (const char *p = s; *p; p++) {
        if ((unsigned char)*p <= 0x20)
            return false;
    }
    return true;
}

static const char *type_name(enum gw_jtype t)
{
    switch (t) {
    case GW_J_STRING:
        return "a string";
    case GW_J_INT:
        return "an integer";
    case GW_J_NUMBER:
        return "a number";
    case GW_J_BOOL:
        return "true or false";
    case GW_J_OBJECT:
        return "an object";
    case GW_J_ARRAY:
        return "an array";
    case GW_J_ANY:
        return "any value";
    }
    return "?";
}

static bool type_matches(enum gw_jtype t, const json_t *v)
{
    switch (t) {
    case GW_J_STRING:
        return json_is_string(v);
    case GW_J_INT:
        return json_is_integer(v);
    case GW_J_NUMBER:
        return json_is_number(v);
    case GW_J_BOOL:
        return json_is_boolean(v);
    case GW_J_OBJECT:
        return json_is_object(v);
    case GW_J_ARRAY:
        return json_is_array(v);
    case GW_J_ANY:
        return true;
    }
    return false;
}

static enum gw_err check_string(const struct gw_jfield *f, const char *s, const char *ptr,
                                struct gw_error *err)
{
    if (f->max_len && strlen(s) > f->max_len)
        return gw_error_set(err, GW_E_JSON_FIELD_VALUE, ptr, "'%s' is longer than %zu bytes",
                            f->name, f->max_len);
    bool ok = true;
    const char *what = "";
    int64_t ms;
    switch (f->format) {
    case GW_JF_NONE:
        break;
    case GW_JF_NONEMPTY: {
        const char *p = s;
        while (*p && isspace((unsigned char)*p))
            p++;
        ok = *p != '\0';
        what = "a non-empty string";
        break;
    }
    case GW_JF_EMAIL:
        ok = gw_is_email(s);
        what = "an e-mail address";
        break;
    case GW_JF_IRI:
        ok = gw_is_absolute_iri(s);
        what = "an absolute IRI such as https://example.org/x";
        break;
    case GW_JF_UUID:
        ok = gw_is_uuid(s);
        what = "a UUID";
        break;
    case GW_JF_DATE:
        ok = gw_time_parse_date(s, &ms);
        what = "a date YYYY-MM-DD";
        break;
    case GW_JF_DATETIME:
        ok = gw_time_parse_iso(s, false, &ms);
        what = "an RFC 3339 date-time";
        break;
    }
    if (!ok)
        return gw_error_set(err, GW_E_JSON_FIELD_VALUE, ptr, "'%s' must be %s", f->name, what);
    if (f->oneof) {
        for (const char *const *o = f->oneof; *o; o++) {
            if (strcmp(*o, s) == 0)
                return GW_OK;
        }
        char list[256] = "";
        for (const char *const *o = f->oneof; *o; o++) {
            size_t n = strlen(list);
            snprintf(list + n, sizeof list - n, "%s%s", n ? ", " : "", *o);
        }
        return gw_error_set(err, GW_E_JSON_FIELD_VALUE, ptr, "'%s' must be one of: %s", f->name,
                            list);
    }
    return GW_OK;
}

static enum gw_err store_field(const struct gw_jfield *f, json_t *v, const char *ptr,
                               struct gw_error *err)
{
    if (!type_matches(f->type, v))
        return gw_error_set(err, GW_E_JSON_FIELD_TYPE, ptr, "'%s' must be %s", f->name,
                            type_name(f->type));
    double num = 0;
    switch (f->type) {
    case GW_J_STRING: {
        enum gw_err rc = check_string(f, json_string_value(v), ptr, err);
        if (rc != GW_OK)
            return rc;
        if (f->out)
            *(const char **)f->out = json_string_value(v);
        return GW_OK;
    }
    case GW_J_INT:
        num = (double)json_integer_value(v);
        if (f->out)
            *(int64_t *)f->out = json_integer_value(v);
        break;
    case GW_J_NUMBER:
        num = json_number_value(v);
        if (f->out)
            *(double *)f->out = num;
        break;
    case GW_J_BOOL:
        if (f->out)
            *(bool *)f->out = json_is_true(v);
        return GW_OK;
    case GW_J_OBJECT:
    case GW_J_ARRAY:
    case GW_J_ANY:
        if (f->out)
            *(json_t **)f->out = v;
        return GW_OK;
    }
    if (f->min < f->max && (num < f->min || num > f->max || isnan(num)))
        return gw_error_set(err, GW_E_JSON_FIELD_VALUE, ptr, "'%s' must be between %g and %g",
                            f->name, f->min, f->max);
    return GW_OK;
}

enum gw_err gw_json_parse_fields(json_t *obj, const char *base, const struct gw_jfield *fields,
                                 bool closed, struct gw_error *err)
{
    char ptr[256];
    if (!json_is_object(obj))
        return gw_error_set(err, GW_E_JSON_FIELD_TYPE, base, "expected a JSON object");
    for (const struct gw_jfield *f = fields; f->name; f++) {
        gw_json_pointer_join(ptr, sizeof ptr, base, f->name);
        json_t *v = json_object_get(obj, f->name);
        if (!v || json_is_null(v)) {
            if (f->required)
                return gw_error_set(err, GW_E_JSON_FIELD_MISSING, ptr, "'%s' is required", f->name);
            continue;
        }
        enum gw_err rc = store_field(f, v, ptr, err);
        if (rc != GW_OK)
            return rc;
    }
    if (closed) {
        const char *key;
        json_t *v;
        json_object_foreach(obj, key, v)
        {
            const struct gw_jfield *f = fields;
            while (f->name && strcmp(f->name, key) != 0)
                f++;
            if (!f->name) {
                gw_json_pointer_join(ptr, sizeof ptr, base, key);
                return gw_error_set(err, GW_E_JSON_FIELD_UNKNOWN, ptr,
                                    "'%s' is not a member this object takes", key);
            }
        }
    }
    return GW_OK;
}
