/* JSON helpers over jansson, and the declarative field table that request
 * bodies are parsed with: each line names a member, its type and format and
 * whether it is required; the parser reports the JSON Pointer of the first bad
 * member, and rejects unknown members when the table is closed. Parsed strings
 * are borrowed from the json_t (valid while it lives), so there is nothing to
 * free but the document itself. */
#ifndef GW_JSON_H
#define GW_JSON_H

#include "gw/error.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct gw_buf;

enum gw_jtype {
    GW_J_STRING, /* out: const char ** */
    GW_J_INT,    /* out: int64_t * */
    GW_J_NUMBER, /* out: double * (integer or real) */
    GW_J_BOOL,   /* out: bool * */
    GW_J_OBJECT, /* out: json_t ** (borrowed) */
    GW_J_ARRAY,  /* out: json_t ** (borrowed) */
    GW_J_ANY,    /* out: json_t ** (borrowed) */
};

enum gw_jformat {
    GW_JF_NONE,
    GW_JF_NONEMPTY, /* a string with at least one non-space character */
    GW_JF_EMAIL,    /* local@domain */
    GW_JF_IRI,      /* an absolute IRI: scheme ":" ... */
    GW_JF_UUID,     /* 8-4-4-4-12 hex */
    GW_JF_DATE,     /* YYYY-MM-DD */
    GW_JF_DATETIME, /* RFC 3339 */
};

struct gw_jfield {
    const char *name;
    enum gw_jtype type;
    bool required;
    void *out;
    enum gw_jformat format;
    const char *const *oneof; /* NULL-terminated allowed strings, or NULL */
    double min, max;          /* numeric range when min < max */
    size_t max_len;           /* strings: maximum bytes, 0 = none */
};

#define GW_JFIELD_END                                                                              \
    {                                                                                              \
        NULL, 0, false, NULL, 0, NULL, 0, 0, 0                                                     \
    }

/* Parses obj's members per fields. base is the JSON Pointer of obj ("" for the
 * root). closed: unknown members are an error, checked before anything else
 * (a misspelt "nmae" is reported as itself, not as a missing "name"): where
 * is the unknown member's pointer and the detail offers the closest member
 * when one is within two edits ("unknown member 'nmae'; did you mean
 * 'name'?"), else lists the members the object takes. Absent optional
 * members leave their outputs untouched (set defaults before the call).
 * Returns GW_OK or the error (with where = JSON Pointer). */
enum gw_err gw_json_parse_fields(json_t *obj, const char *base, const struct gw_jfield *fields,
                                 bool closed, struct gw_error *err);

/* Parses a body (any JSON value; duplicate keys refused); on failure sets
 * JSON_MALFORMED with jansson's line, column and message. The result is what
 * json_loadb(JSON_REJECT_DUPLICATES | JSON_DECODE_ANY) gives. */
json_t *gw_json_load(const char *data, size_t len, struct gw_error *err);
/* gw_json_load's fast path alone: the same json_t for the common forms, or
 * NULL when the text is malformed or needs jansson (\u0000, duplicate keys,
 * integer overflow, very deep nesting). Exported for its tests. */
json_t *gw_json_load_fast(const char *data, size_t len);

/* A json string for s, or for a placeholder when s is not valid UTF-8.
 * Never returns NULL (s NULL gives json null). */
json_t *gw_json_str(const char *s);
/* ISO 8601 UTC of ms ("2026-12-07T09:30:00.000Z"), or json null when ms <= 0
 * (never set). gw_json_date gives the day only ("2026-12-07"). */
json_t *gw_json_time(int64_t ms);
json_t *gw_json_date(int64_t ms);
/* Compact serialization, byte for byte what json_dumps(JSON_COMPACT |
 * JSON_PRESERVE_ORDER | JSON_ENCODE_ANY) writes; the caller frees. NULL when
 * jansson would fail too (j NULL, a string that is not UTF-8, a cycle). */
char *gw_json_dump(const json_t *j);
/* Appends gw_json_dump's text of j to b; false (b unchanged) when it fails. */
bool gw_json_append(struct gw_buf *b, const json_t *j);
/* gw_json_append that also tells where the text of part (a node inside j)
 * went: b->data[*part_at ..] for *part_len bytes, exactly gw_json_dump(part)
 * (a node's compact text does not depend on where it sits). *part_len is 0
 * when part is NULL or not in j, or when the text came from jansson's own
 * writer (very deep trees). */
bool gw_json_append_part(struct gw_buf *b, const json_t *j, const json_t *part, size_t *part_at,
                         size_t *part_len);
/* Appends s[0..n) as a JSON string; false (b unchanged) when it is not UTF-8
 * (where json_string would give NULL). */
bool gw_json_append_string(struct gw_buf *b, const char *s, size_t n);
void gw_json_append_int(struct gw_buf *b, int64_t v);
/* Appends s as a JSON string: null for NULL, "(invalid UTF-8)" when s is
 * not UTF-8 (like gw_json_str followed by a dump). */
void gw_json_append_str(struct gw_buf *b, const char *s);

/* Appends to ptr (size cap) a JSON Pointer token: "/" + escaped key. */
void gw_json_pointer_join(char *out, size_t cap, const char *base, const char *key);
void gw_json_pointer_index(char *out, size_t cap, const char *base, size_t index);

/* Whether s[0..n) is valid UTF-8 by jansson's rules (no overlong forms, no
 * surrogates, at most U+10FFFF): what json_string would accept. Every text the
 * gateway stores from a header, query string, form body or the command line
 * passes this first (JSON bodies are checked by jansson already). NULL is
 * valid (nothing to store). gw_utf8_valid_str takes a NUL-terminated s. */
bool gw_utf8_valid(const char *s, size_t n);
bool gw_utf8_valid_str(const char *s);

/* Why s[0..n) is not text the gateway takes from a query string, a path
 * segment or a form field, as a phrase ("is not UTF-8 text", "holds a control
 * character (byte 3)"), or NULL when it is text: valid UTF-8 without NUL, DEL
 * or C0 control characters; lines allows TAB, LF and CR (a comment, a JSON
 * value). The phrase is static or in buf (cap bytes). */
const char *gw_text_problem(const char *s, size_t n, bool lines, char *buf, size_t cap);

/* Format checks, also used by domain validators. */
bool gw_is_uuid(const char *s);
bool gw_is_absolute_iri(const char *s);
bool gw_is_email(const char *s);

#endif
