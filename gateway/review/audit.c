/* audit.c: the audit record of every transition and decision, its canonical
 * JSON line and its CSV row, and the hash chain that makes an exported log
 * show tampering. Each record carries in "prev" the SHA-256 of the previous
 * record's canonical line, so changing, removing or inserting a record breaks
 * the chain at that point. The chain proves the log's integrity to anyone
 * holding an export; it does not stop someone who can rewrite the whole
 * database from rewriting the whole chain (publishing the latest hash
 * elsewhere, e.g. in the daily report, closes that gap). Owns the formats;
 * does not own storing records (store/) or serving exports (api/). */
#include "gw/review.h"

#include "gw/buf.h"
#include "gw/csv.h"
#include "gw/hash.h"
#include "gw/json.h"
#include "gw/timefmt.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void gw_audit_line_hash(const char *line, char out[65])
{
    gw_sha256_hex(line, strlen(line), out);
}

void gw_audit_chain(struct gw_audit_record *r, const char *prev_line)
{
    if (prev_line)
        gw_audit_line_hash(prev_line, r->prev);
    else
        snprintf(r->prev, sizeof r->prev, "%s", GW_AUDIT_GENESIS);
}

/* The text fields in export order (CSV columns after seq, at, at_ms). */
struct text_field {
    const char *name;
    size_t offset;
};

#define TF(member)                                                                                 \
    {                                                                                              \
#member, offsetof(struct gw_audit_record, member)                                          \
    }
static const struct text_field text_fields[] = {
    TF(actor),          TF(on_behalf_of), TF(via),      TF(address),
    TF(key_id),         TF(link_nonce),   TF(action),   TF(course_id),
    TF(round_id),       TF(from_state),   TF(to_state), TF(comment),
    TF(version_sha256),
};
#undef TF
#define N_TEXT (sizeof text_fields / sizeof text_fields[0])

static const char *text_at(const struct gw_audit_record *r, size_t i)
{
    const char *const *p = (const char *const *)((const char *)r + text_fields[i].offset);
    return *p && **p ? *p : NULL;
}

char *gw_audit_json_line(const struct gw_audit_record *r)
{
    char at[32];
    char *out = NULL;
    json_t *o = json_object();
    gw_time_format_ms(r->at_ms, at);
    json_object_set_new(o, "seq", json_integer(r->seq));
    json_object_set_new(o, "at", json_string(at));
    json_object_set_new(o, "at_ms", json_integer(r->at_ms));
    for (size_t i = 0; i < N_TEXT; i++) {
        const char *s = text_at(r, i);
        json_t *v = s ? json_string(s) : json_null();
        if (!v) /* not valid UTF-8: refuse rather than record something else */
            goto done;
        json_object_set_new(o, text_fields[i].name, v);
    }
    json_object_set_new(o, "prev", json_string(r->prev[0] ? r->prev : GW_AUDIT_GENESIS));
    out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
done:
    json_decref(o);
    return out;
}

char *gw_audit_csv_header(void)
{
    struct gw_buf b = {0};
    gw_buf_puts(&b, "seq,at,at_ms");
    for (size_t i = 0; i < N_TEXT; i++)
        gw_buf_printf(&b, ",%s", text_fields[i].name);
    gw_buf_puts(&b, ",prev");
    char *out = gw_xstrdup(gw_buf_str(&b));
    gw_buf_free(&b);
    return out;
}

char *gw_audit_csv_line(const struct gw_audit_record *r)
{
    struct gw_buf b = {0};
    char at[32];
    gw_time_format_ms(r->at_ms, at);
    gw_buf_printf(&b, "%lld,%s,%lld", (long long)r->seq, at, (long long)r->at_ms);
    for (size_t i = 0; i < N_TEXT; i++) {
        gw_buf_puts(&b, ",");
        gw_csv_cell(&b, text_at(r, i));
    }
    gw_buf_printf(&b, ",%s", r->prev[0] ? r->prev : GW_AUDIT_GENESIS);
    char *out = gw_xstrdup(gw_buf_str(&b));
    gw_buf_free(&b);
    return out;
}

enum gw_err gw_audit_verify(const char *const *lines, size_t n, const char *first_prev,
                            char last[65], size_t *bad, struct gw_error *err)
{
    char expect[65];
    snprintf(expect, sizeof expect, "%s", first_prev ? first_prev : GW_AUDIT_GENESIS);
    for (size_t i = 0; i < n; i++) {
        json_error_t jerr;
        json_t *o = json_loads(lines[i], 0, &jerr);
        const char *prev = json_is_object(o) ? json_string_value(json_object_get(o, "prev")) : NULL;
        bool ok = prev && strcmp(prev, expect) == 0;
        json_decref(o);
        if (!ok) {
            if (bad)
                *bad = i;
            return gw_error_set(err, GW_E_REVIEW_AUDIT_CHAIN_BROKEN, NULL,
                                "Audit line %zu does not chain to the line before it.", i + 1);
        }
        gw_audit_line_hash(lines[i], expect);
    }
    if (last)
        memcpy(last, expect, sizeof expect);
    return GW_OK;
}
