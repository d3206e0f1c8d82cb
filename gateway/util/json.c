/* json.c: the declarative field-table parser and small JSON helpers
 * (see gw/json.h). */
#include "gw/json.h"
#include "gw/buf.h"
#include "gw/timefmt.h"

#include <ctype.h>
#include <errno.h>
#include <langinfo.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *gw_json_str(const char *s)
{
    if (!s)
        return json_null();
    json_t *j = json_string(s);
    return j ? j : json_string("(invalid UTF-8)");
}

void gw_json_pointer_join(char *out, size_t cap, const char *base, const char *key)
{
    size_t n = strlen(base);
    if (n + 1 < cap) {
        memmove(out, base, n);
        out[n++] = '/';
    } else {
        n = (size_t)snprintf(out, cap, "%s/", base);
    }
    /* each character goes in while n + 3 < cap (room for an escape and the
     * NUL); runs without '~' and '/' are copied at once */
    const char *k = key;
    while (*k && n + 3 < cap) {
        size_t run = strcspn(k, "~/");
        if (run) {
            size_t fit = cap - 3 - n;
            if (run > fit)
                run = fit;
            memcpy(out + n, k, run);
            n += run;
            k += run;
            continue;
        }
        out[n++] = '~';
        out[n++] = *k == '~' ? '0' : '1';
        k++;
    }
    if (n < cap)
        out[n] = '\0';
}

void gw_json_pointer_index(char *out, size_t cap, const char *base, size_t index)
{
    /* snprintf(out, cap, "%s/%zu", base, index), without its cost */
    char digits[24];
    size_t d = sizeof digits;
    do {
        digits[--d] = (char)('0' + index % 10);
        index /= 10;
    } while (index);
    size_t n = strlen(base), nd = sizeof digits - d;
    if (cap == 0)
        return;
    if (n + 1 + nd >= cap) {
        snprintf(out, cap, "%s/%.*s", base, (int)nd, digits + d);
        return;
    }
    memmove(out, base, n);
    out[n] = '/';
    memcpy(out + n + 1, digits + d, nd);
    out[n + 1 + nd] = '\0';
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

/* The optimal string alignment distance between a and b, ignoring letter
 * case: insertions, deletions, substitutions and swaps of two neighbours
 * each count one ("nmae" is 1 from "name"). Names longer than 63 bytes are
 * "far" (SIZE_MAX): nobody mistypes those into a short one. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > 63 || m > 63)
        return SIZE_MAX;
    /* three rows of the table: i - 2, i - 1 and i */
    size_t rows[3][64], *pp = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= m; j++)
        prev[j] = j;
    for (size_t i = 1; i <= n; i++) {
        int ca = tolower((unsigned char)a[i - 1]);
        cur[0] = i;
        for (size_t j = 1; j <= m; j++) {
            int cb = tolower((unsigned char)b[j - 1]);
            size_t best = prev[j - 1] + (ca != cb);
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == cb && pp[j - 2] + 1 < best)
                best = pp[j - 2] + 1;
            cur[j] = best;
        }
        size_t *t = pp;
        pp = prev;
        prev = cur;
        cur = t;
    }
    return prev[m];
}

/* The member of fields closest to key when it is close enough to be a slip
 * of the keyboard (at most 2 edits, and fewer edits than the member has
 * letters, so "ab" is not offered for "id"), or NULL. */
static const char *closest_member(const struct gw_jfield *fields, const char *key)
{
    const char *best = NULL;
    size_t best_d = 3;
    for (const struct gw_jfield *f = fields; f->name; f++) {
        size_t d = edit_distance(key, f->name);
        if (d < best_d && d < strlen(f->name)) {
            best = f->name;
            best_d = d;
        }
    }
    return best;
}

/* UNKNOWN_FIELD for the first member of obj that fields does not name: the
 * member itself is 'where', and the detail offers the member it is closest
 * to, or lists the members the object takes. */
static enum gw_err check_unknown(json_t *obj, const char *base, const struct gw_jfield *fields,
                                 struct gw_error *err)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        const struct gw_jfield *f = fields;
        while (f->name && strcmp(f->name, key) != 0)
            f++;
        if (f->name)
            continue;
        char ptr[256];
        gw_json_pointer_join(ptr, sizeof ptr, base, key);
        const char *near = closest_member(fields, key);
        if (near)
            return gw_error_set(err, GW_E_JSON_FIELD_UNKNOWN, ptr,
                                "unknown member '%s'; did you mean '%s'?", key, near);
        char list[384] = "";
        for (f = fields; f->name; f++) {
            size_t n = strlen(list);
            snprintf(list + n, sizeof list - n, "%s%s", n ? ", " : "", f->name);
        }
        return gw_error_set(err, GW_E_JSON_FIELD_UNKNOWN, ptr,
                            "unknown member '%s'; this object takes: %s", key,
                            list[0] ? list : "no members");
    }
    return GW_OK;
}

enum gw_err gw_json_parse_fields(json_t *obj, const char *base, const struct gw_jfield *fields,
                                 bool closed, struct gw_error *err)
{
    char ptr[256];
    if (!json_is_object(obj))
        return gw_error_set(err, GW_E_JSON_FIELD_TYPE, base, "expected a JSON object");
    /* unknown members first: "nmae" is the error, not the "name" it left out */
    if (closed) {
        enum gw_err rc = check_unknown(obj, base, fields, err);
        if (rc != GW_OK)
            return rc;
    }
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
    return GW_OK;
}

/* ---- serializing: jansson's compact output, without its per-call costs ----
 *
 * json_dumps(JSON_COMPACT) keeps a hash table of the containers being dumped
 * (to refuse cycles), formats every key with snprintf for it and appends
 * through a callback; a statement costs about 200,000 instructions that way.
 * This writer produces the same bytes (tests/unit/test_json_codec.c compares
 * them) and falls back to jansson for what it does not handle: very deep
 * trees (which is where a cycle would show) and reals in a locale whose
 * decimal point is not '.'. */

#define DUMP_MAX_DEPTH 512

enum dump_rc { DUMP_OK, DUMP_FAIL, DUMP_FALLBACK };

/* Length of the valid UTF-8 sequence at s (n bytes available) by jansson's
 * rules (no overlong forms, no surrogates, at most U+10FFFF), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char u = s[0];
    size_t count;
    uint32_t v;
    if (u >= 0xC2 && u <= 0xDF) {
        count = 2;
        v = u & 0x1Fu;
    } else if (u >= 0xE0 && u <= 0xEF) {
        count = 3;
        v = u & 0x0Fu;
    } else if (u >= 0xF0 && u <= 0xF4) {
        count = 4;
        v = u & 0x07u;
    } else {
        return 0;
    }
    if (count > n)
        return 0;
    for (size_t i = 1; i < count; i++) {
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
        v = (v << 6) | (s[i] & 0x3Fu);
    }
    if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF) || (count == 3 && v < 0x800) ||
        (count == 4 && v < 0x10000))
        return 0;
    return count; /* two bytes below 0x80 are excluded by the lead byte */
}

bool gw_utf8_valid(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; s && i < n;) {
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        size_t len = utf8_seq(u + i, n - i);
        if (!len)
            return false;
        i += len;
    }
    return true;
}

bool gw_utf8_valid_str(const char *s)
{
    return !s || gw_utf8_valid(s, strlen(s));
}

const char *gw_text_problem(const char *s, size_t n, bool lines, char *buf, size_t cap)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 || c == 0x7f) && !(lines && (c == '\t' || c == '\n' || c == '\r'))) {
            snprintf(buf, cap, "holds a control character (byte %zu)", i + 1);
            return buf;
        }
    }
    return gw_utf8_valid(s, n) ? NULL : "is not UTF-8 text";
}

/* Room for n more bytes and the NUL: gw_buf_reserve's fast path, inline. */
static inline char *room(struct gw_buf *b, size_t n)
{
    if (b->data && b->len + n < b->cap)
        return b->data + b->len;
    return gw_buf_reserve(b, n);
}

/* The bytes a JSON string holds as they are: printable ASCII (DEL too) but
 * '"' (0x22) and '\\' (0x5c). */
#define ALL16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
static const unsigned char plain_byte[256] = {
    ALL16(0), ALL16(0), /* 0x00..0x1f */
    1,        1,        0,        1,        1,        1,        1,        1,
    1,        1,        1,        1,        1,        1,        1,        1, /* 0x20..0x2f */
    ALL16(1), ALL16(1),                                                      /* 0x30..0x4f */
    1,        1,        1,        1,        1,        1,        1,        1,
    1,        1,        1,        1,        0,        1,        1,        1, /* 0x50..0x5f */
    ALL16(1), ALL16(1),                                                      /* 0x60..0x7f */
    ALL16(0), ALL16(0), ALL16(0), ALL16(0), ALL16(0), ALL16(0), ALL16(0), ALL16(0),
};
#undef ALL16

/* Appends str as a JSON string. On a byte that is not UTF-8 it returns false
 * and leaves in b what jansson's dump_string has written by then: the quote
 * and the text up to the last escape (which matters for keys: jansson ignores
 * their failure and goes on). */
static bool append_string(struct gw_buf *b, const char *str, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *s = (const unsigned char *)str;
    /* the common case, nothing to escape, needs n + 2 bytes */
    char *out = room(b, n + 2);
    size_t o = 0;
    out[o++] = '"';
    size_t written = o; /* what jansson has passed on so far */
    for (size_t i = 0; i < n;) {
        size_t run = i;
        while (run < n && plain_byte[s[run]])
            run++;
        if (run > i) {
            memcpy(out + o, s + i, run - i);
            o += run - i;
            i = run;
            continue;
        }
        unsigned char c = s[i];
        if (c >= 0x80) {
            size_t len = utf8_seq(s + i, n - i);
            if (!len) {
                b->len += written;
                return false;
            }
            memcpy(out + o, s + i, len);
            o += len;
            i += len;
            continue;
        }
        /* an escape grows the text by up to 5 bytes */
        b->len += o;
        out = room(b, (n - i) + 6 + 1);
        o = 0;
        out[o++] = '\\';
        switch (c) {
        case '"':
        case '\\':
            out[o++] = (char)c;
            break;
        case '\b':
            out[o++] = 'b';
            break;
        case '\f':
            out[o++] = 'f';
            break;
        case '\n':
            out[o++] = 'n';
            break;
        case '\r':
            out[o++] = 'r';
            break;
        case '\t':
            out[o++] = 't';
            break;
        default:
            out[o++] = 'u';
            out[o++] = '0';
            out[o++] = '0';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
            break;
        }
        written = o;
        i++;
    }
    out[o++] = '"';
    b->len += o;
    return true;
}

static void append_int(struct gw_buf *b, json_int_t v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[--i] = '-';
    memcpy(room(b, sizeof tmp - i), tmp + i, sizeof tmp - i);
    b->len += sizeof tmp - i;
}

/* jansson's jsonp_dtostr with the default precision of 17. */
static enum dump_rc append_real(struct gw_buf *b, double v)
{
    char s[100];
    int r = snprintf(s, sizeof s, "%.17g", v);
    if (r < 0 || (size_t)r >= sizeof s - 3)
        return DUMP_FALLBACK;
    size_t len = (size_t)r;
    for (size_t i = 0; i < len; i++) {
        if (!strchr("0123456789.eE+-", s[i]) || s[i] == 'E')
            return DUMP_FALLBACK; /* another locale's decimal point, inf, nan */
    }
    if (!memchr(s, '.', len) && !memchr(s, 'e', len)) {
        memcpy(s + len, ".0", 3);
        len += 2;
    }
    char *e = memchr(s, 'e', len);
    if (e) {
        /* drop a '+' and leading zeros from the exponent */
        char *start = e + 1, *end = e + 2;
        if (*start == '-')
            start++;
        while (*end == '0')
            end++;
        if (end != start) {
            memmove(start, end, len - (size_t)(end - s) + 1);
            len -= (size_t)(end - start);
        }
    }
    memcpy(room(b, len), s, len);
    b->len += len;
    return DUMP_OK;
}

static void append_lit(struct gw_buf *b, const char *s, size_t n)
{
    memcpy(room(b, n), s, n);
    b->len += n;
}

/* Where the text of one node of the tree went (gw_json_append_part). */
struct dump_mark {
    const json_t *node;
    size_t at, len; /* len 0: not written yet */
};

static enum dump_rc dump_node(struct gw_buf *b, const json_t *j, int depth, struct dump_mark *m);

static enum dump_rc dump_value(struct gw_buf *b, const json_t *j, int depth, struct dump_mark *m)
{
    if (!m || j != m->node || m->len)
        return dump_node(b, j, depth, m);
    size_t at = b->len;
    enum dump_rc rc = dump_node(b, j, depth, m);
    if (rc == DUMP_OK) {
        m->at = at;
        m->len = b->len - at;
    }
    return rc;
}

static enum dump_rc dump_node(struct gw_buf *b, const json_t *j, int depth, struct dump_mark *m)
{
    if (!j)
        return DUMP_FAIL;
    switch (json_typeof(j)) {
    case JSON_NULL:
        append_lit(b, "null", 4);
        return DUMP_OK;
    case JSON_TRUE:
        append_lit(b, "true", 4);
        return DUMP_OK;
    case JSON_FALSE:
        append_lit(b, "false", 5);
        return DUMP_OK;
    case JSON_INTEGER:
        append_int(b, json_integer_value(j));
        return DUMP_OK;
    case JSON_REAL:
        return append_real(b, json_real_value(j));
    case JSON_STRING:
        return append_string(b, json_string_value(j), json_string_length(j)) ? DUMP_OK : DUMP_FAIL;
    case JSON_ARRAY: {
        if (depth >= DUMP_MAX_DEPTH)
            return DUMP_FALLBACK;
        size_t n = json_array_size(j);
        append_lit(b, "[", 1);
        for (size_t i = 0; i < n; i++) {
            if (i)
                append_lit(b, ",", 1);
            enum dump_rc rc = dump_value(b, json_array_get(j, i), depth + 1, m);
            if (rc != DUMP_OK)
                return rc;
        }
        append_lit(b, "]", 1);
        return DUMP_OK;
    }
    case JSON_OBJECT: {
        if (depth >= DUMP_MAX_DEPTH)
            return DUMP_FALLBACK;
        append_lit(b, "{", 1);
        bool first = true;
        for (void *it = json_object_iter((json_t *)j); it;
             it = json_object_iter_next((json_t *)j, it)) {
            if (!first)
                append_lit(b, ",", 1);
            first = false;
            /* jansson goes on after a key that is not UTF-8 */
            (void)append_string(b, json_object_iter_key(it), json_object_iter_key_len(it));
            append_lit(b, ":", 1);
            enum dump_rc rc = dump_value(b, json_object_iter_value(it), depth + 1, m);
            if (rc != DUMP_OK)
                return rc;
        }
        append_lit(b, "}", 1);
        return DUMP_OK;
    }
    }
    return DUMP_FAIL;
}

static bool append_marked(struct gw_buf *b, const json_t *j, struct dump_mark *m)
{
    size_t start = b->len;
    enum dump_rc rc = dump_value(b, j, 0, m);
    if (rc == DUMP_FALLBACK) {
        if (m)
            m->len = 0;
        b->len = start;
        char *text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
        rc = text ? DUMP_OK : DUMP_FAIL;
        if (text)
            gw_buf_append(b, text, strlen(text));
        free(text);
    }
    if (rc != DUMP_OK)
        b->len = start;
    if (b->data)
        b->data[b->len] = '\0';
    if (rc != DUMP_OK && m)
        m->len = 0;
    return rc == DUMP_OK;
}

bool gw_json_append(struct gw_buf *b, const json_t *j)
{
    return append_marked(b, j, NULL);
}

bool gw_json_append_part(struct gw_buf *b, const json_t *j, const json_t *part, size_t *part_at,
                         size_t *part_len)
{
    struct dump_mark m = {part, 0, 0};
    bool ok = append_marked(b, j, part ? &m : NULL);
    *part_at = m.at;
    *part_len = m.len;
    return ok;
}

bool gw_json_append_string(struct gw_buf *b, const char *s, size_t n)
{
    size_t start = b->len;
    bool ok = append_string(b, s, n);
    if (!ok)
        b->len = start;
    if (b->data)
        b->data[b->len] = '\0';
    return ok;
}

void gw_json_append_int(struct gw_buf *b, int64_t v)
{
    append_int(b, (json_int_t)v);
    b->data[b->len] = '\0';
}

void gw_json_append_str(struct gw_buf *b, const char *s)
{
    size_t start = b->len;
    if (!s) {
        append_lit(b, "null", 4);
    } else if (!append_string(b, s, strlen(s))) {
        b->len = start;
        append_lit(b, "\"(invalid UTF-8)\"", 17);
    }
    b->data[b->len] = '\0';
}

char *gw_json_dump(const json_t *j)
{
    struct gw_buf b = {0};
    gw_buf_reserve(&b, 2048); /* a typical statement fits: no regrowth */
    if (!gw_json_append(&b, j)) {
        gw_buf_free(&b);
        return NULL;
    }
    /* callers keep dumps (a batch's bodies wait for the writer): give back
     * the slack, in place */
    if (b.cap - b.len > 256)
        b.data = gw_xrealloc(b.data, b.len + 1);
    return b.data;
}

/* ---- parsing: the common case fast, everything else by jansson ----
 *
 * json_loadb reads its input through a callback per byte and copies every
 * token into a buffer before converting it. This parser reads the buffer
 * directly and builds the same json_t with the same jansson calls. It gives
 * up (returns NULL) on anything unusual: every error (so jansson's message,
 * line and column are what clients see), \u0000, duplicate keys, integers
 * that overflow, very deep nesting; gw_json_load then parses with jansson. */

#define LOAD_MAX_DEPTH 512

struct lexer {
    const unsigned char *p, *end;
    int depth;
};

static void skip_ws(struct lexer *lx)
{
    while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\n' || *lx->p == '\r' || *lx->p == '\t'))
        lx->p++;
}

static int hex4(const unsigned char *s)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        int c = s[i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return -1;
        v = (v << 4) | d;
    }
    return v;
}

static size_t utf8_put(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decodes the escapes of the string text s..end (no quotes) into out (at
 * least end - s bytes). Returns the length, or -1 for what jansson refuses
 * and for \u0000. */
static long unescape(const unsigned char *s, const unsigned char *end, char *out)
{
    size_t o = 0;
    while (s < end) {
        if (*s != '\\') {
            out[o++] = (char)*s++;
            continue;
        }
        s++;
        char c = (char)*s++;
        switch (c) {
        case '"':
        case '\\':
        case '/':
            out[o++] = c;
            break;
        case 'b':
            out[o++] = '\b';
            break;
        case 'f':
            out[o++] = '\f';
            break;
        case 'n':
            out[o++] = '\n';
            break;
        case 'r':
            out[o++] = '\r';
            break;
        case 't':
            out[o++] = '\t';
            break;
        case 'u': {
            int v = hex4(s);
            if (v <= 0 || (v >= 0xDC00 && v <= 0xDFFF))
                return -1;
            s += 4;
            uint32_t cp = (uint32_t)v;
            if (v >= 0xD800 && v <= 0xDBFF) {
                if (end - s < 6 || s[0] != '\\' || s[1] != 'u')
                    return -1;
                int lo = hex4(s + 2);
                if (lo < 0xDC00 || lo > 0xDFFF)
                    return -1;
                s += 6;
                cp = (((uint32_t)v - 0xD800) << 10) + ((uint32_t)lo - 0xDC00) + 0x10000;
            }
            o += utf8_put(cp, out + o);
            break;
        }
        default:
            return -1;
        }
    }
    return (long)o;
}

/* Scans the string whose opening quote lx->p is at. On success *s and *n
 * hold its text (decoded into *owned when it has escapes; the caller frees
 * it) and lx->p is past the closing quote. */
static bool scan_string(struct lexer *lx, const char **s, size_t *n, char **owned)
{
    const unsigned char *start = ++lx->p, *p = start;
    bool escaped = false;
    for (;;) {
        while (p < lx->end && plain_byte[*p]) /* runs of plain ASCII at once */
            p++;
        if (p >= lx->end)
            return false;
        unsigned char c = *p;
        if (c == '"')
            break;
        if (c < 0x20)
            return false;
        if (c == '\\') {
            escaped = true;
            if (p + 1 >= lx->end)
                return false;
            unsigned char e = p[1];
            if (e == 'u') {
                if (lx->end - p < 6 || hex4(p + 2) < 0)
                    return false;
                p += 6;
            } else {
                p += 2;
            }
            continue;
        }
        if (c >= 0x80) {
            size_t len = utf8_seq(p, (size_t)(lx->end - p));
            if (!len)
                return false;
            p += len;
            continue;
        }
        p++;
    }
    lx->p = p + 1;
    *owned = NULL;
    if (!escaped) {
        *s = (const char *)start;
        *n = (size_t)(p - start);
        return true;
    }
    char *out = gw_xmalloc((size_t)(p - start) + 1);
    long len = unescape(start, p, out);
    if (len < 0) {
        free(out);
        return false;
    }
    *owned = out;
    *s = out;
    *n = (size_t)len;
    return true;
}

static json_t *scan_number(struct lexer *lx)
{
    const unsigned char *start = lx->p, *p = lx->p;
    if (p < lx->end && *p == '-')
        p++;
    if (p >= lx->end || *p < '0' || *p > '9')
        return NULL;
    if (*p == '0') {
        p++;
        if (p < lx->end && *p >= '0' && *p <= '9')
            return NULL;
    } else {
        while (p < lx->end && *p >= '0' && *p <= '9')
            p++;
    }
    bool real = false;
    if (p < lx->end && *p == '.') {
        real = true;
        p++;
        if (p >= lx->end || *p < '0' || *p > '9')
            return NULL;
        while (p < lx->end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < lx->end && (*p == 'e' || *p == 'E')) {
        real = true;
        p++;
        if (p < lx->end && (*p == '+' || *p == '-'))
            p++;
        if (p >= lx->end || *p < '0' || *p > '9')
            return NULL;
        while (p < lx->end && *p >= '0' && *p <= '9')
            p++;
    }
    size_t len = (size_t)(p - start);
    lx->p = p;
    if (!real) {
        size_t digits = len - (*start == '-');
        if (digits <= 18) {
            long long v = 0;
            for (const unsigned char *d = start + (*start == '-'); d < p; d++)
                v = v * 10 + (*d - '0');
            return json_integer(*start == '-' ? -v : v);
        }
    }
    char tmp[64];
    if (len >= sizeof tmp)
        return NULL;
    memcpy(tmp, start, len);
    tmp[len] = '\0';
    errno = 0;
    if (!real) {
        long long v = strtoll(tmp, NULL, 10);
        return errno == ERANGE ? NULL : json_integer(v);
    }
    if (nl_langinfo(RADIXCHAR)[0] != '.') /* strtod would read another locale's point */
        return NULL;
    double d = strtod(tmp, NULL);
    if ((d == HUGE_VAL || d == -HUGE_VAL) && errno == ERANGE)
        return NULL;
    return json_real(d);
}

static json_t *scan_value(struct lexer *lx);

static json_t *scan_object(struct lexer *lx)
{
    json_t *obj = json_object();
    lx->p++;
    skip_ws(lx);
    if (lx->p < lx->end && *lx->p == '}') {
        lx->p++;
        return obj;
    }
    for (;;) {
        if (lx->p >= lx->end || *lx->p != '"')
            goto fail;
        const char *key;
        size_t klen;
        char *owned;
        if (!scan_string(lx, &key, &klen, &owned))
            goto fail;
        skip_ws(lx);
        json_t *v = NULL;
        if (lx->p < lx->end && *lx->p == ':') {
            lx->p++;
            skip_ws(lx);
            v = scan_value(lx);
        }
        size_t before = json_object_size(obj);
        bool ok = v && json_object_setn_new_nocheck(obj, key, klen, v) == 0 &&
                  json_object_size(obj) == before + 1; /* else a duplicate */
        free(owned);
        if (!ok)
            goto fail;
        skip_ws(lx);
        if (lx->p < lx->end && *lx->p == ',') {
            lx->p++;
            skip_ws(lx);
            continue;
        }
        if (lx->p < lx->end && *lx->p == '}') {
            lx->p++;
            return obj;
        }
        goto fail;
    }
fail:
    json_decref(obj);
    return NULL;
}

static json_t *scan_array(struct lexer *lx)
{
    json_t *arr = json_array();
    lx->p++;
    skip_ws(lx);
    if (lx->p < lx->end && *lx->p == ']') {
        lx->p++;
        return arr;
    }
    for (;;) {
        json_t *v = scan_value(lx);
        if (!v || json_array_append_new(arr, v) != 0)
            goto fail;
        skip_ws(lx);
        if (lx->p < lx->end && *lx->p == ',') {
            lx->p++;
            skip_ws(lx);
            continue;
        }
        if (lx->p < lx->end && *lx->p == ']') {
            lx->p++;
            return arr;
        }
        goto fail;
    }
fail:
    json_decref(arr);
    return NULL;
}

static bool scan_word(struct lexer *lx, const char *w, size_t n)
{
    if ((size_t)(lx->end - lx->p) < n || memcmp(lx->p, w, n) != 0)
        return false;
    lx->p += n;
    return true;
}

static json_t *scan_value(struct lexer *lx)
{
    if (lx->p >= lx->end)
        return NULL;
    json_t *v = NULL;
    switch (*lx->p) {
    case '{':
    case '[':
        if (++lx->depth > LOAD_MAX_DEPTH)
            return NULL;
        v = *lx->p == '{' ? scan_object(lx) : scan_array(lx);
        lx->depth--;
        return v;
    case '"': {
        const char *s;
        size_t n;
        char *owned;
        if (!scan_string(lx, &s, &n, &owned))
            return NULL;
        v = json_stringn_nocheck(s, n);
        free(owned);
        return v;
    }
    case 't':
        return scan_word(lx, "true", 4) ? json_true() : NULL;
    case 'f':
        return scan_word(lx, "false", 5) ? json_false() : NULL;
    case 'n':
        return scan_word(lx, "null", 4) ? json_null() : NULL;
    default:
        return scan_number(lx);
    }
}

json_t *gw_json_load_fast(const char *data, size_t len)
{
    struct lexer lx = {(const unsigned char *)data, (const unsigned char *)data + len, 0};
    skip_ws(&lx);
    json_t *j = scan_value(&lx);
    if (!j)
        return NULL;
    skip_ws(&lx);
    if (lx.p != lx.end) {
        json_decref(j);
        return NULL;
    }
    return j;
}

json_t *gw_json_load(const char *data, size_t len, struct gw_error *err)
{
    json_t *j = gw_json_load_fast(data, len);
    if (j)
        return j;
    json_error_t je;
    j = json_loadb(data, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (!j)
        gw_error_set(err, GW_E_JSON_MALFORMED, "", "line %d, column %d: %s", je.line, je.column,
                     je.text);
    return j;
}

json_t *gw_json_time(int64_t ms)
{
    if (ms <= 0)
        return json_null();
    char ts[32];
    gw_time_format_ms(ms, ts);
    return json_string(ts);
}

json_t *gw_json_date(int64_t ms)
{
    if (ms <= 0)
        return json_null();
    char ts[32];
    gw_time_format_ms(ms, ts);
    ts[10] = '\0';
    return json_string(ts);
}
