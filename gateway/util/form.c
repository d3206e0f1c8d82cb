/* form.c: decoding application/x-www-form-urlencoded text (see gw/form.h). */
#include "gw/form.h"
#include "gw/buf.h"
#include "gw/json.h"

#include <stdlib.h>
#include <string.h>

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *gw_percent_decode(const char *s, size_t n, bool form)
{
    char *out = gw_xmalloc(n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (form && s[i] == '+') {
            out[o++] = ' ';
        } else if (s[i] == '%') {
            int hi = i + 1 < n ? hexval((unsigned char)s[i + 1]) : -1;
            int lo = i + 2 < n ? hexval((unsigned char)s[i + 2]) : -1;
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
                free(out);
                return NULL;
            }
            out[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

json_t *gw_form_parse(const char *text, size_t len, struct gw_error *err)
{
    json_t *obj = json_object();
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *fe = amp ? amp : end;
        if (fe > p) {
            const char *eq = memchr(p, '=', (size_t)(fe - p));
            const char *ne = eq ? eq : fe;
            char *name = gw_percent_decode(p, (size_t)(ne - p), true);
            char *value =
                eq ? gw_percent_decode(eq + 1, (size_t)(fe - eq - 1), true) : gw_xstrdup("");
            /* what a handler stores must be text (issue 13); what else a
             * field may hold is its reader's to say (a comment has lines) */
            if ((name && !gw_utf8_valid_str(name)) || (value && !gw_utf8_valid_str(value))) {
                bool named = name && gw_utf8_valid_str(name);
                gw_error_set(err, GW_E_PARAM_INVALID, named ? name : "",
                             "the form field '%s' is not UTF-8 text; send the form as UTF-8",
                             named ? name : "?");
                free(name);
                free(value);
                json_decref(obj);
                return NULL;
            }
            json_t *v = value ? json_string(value) : NULL;
            if (!name || !v || json_object_get(obj, name)) {
                gw_error_set(err, GW_E_BAD_REQUEST, name ? name : "",
                             "the form field '%s' is repeated or badly encoded", name ? name : "?");
                json_decref(v);
                free(name);
                free(value);
                json_decref(obj);
                return NULL;
            }
            json_object_set_new(obj, name, v);
            free(name);
            free(value);
        }
        p = amp ? amp + 1 : end;
    }
    return obj;
}
